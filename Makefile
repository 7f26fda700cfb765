# Wasl — two commands: `make demo` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
N ?= 2000

.PHONY: demo dev test lint check test-sqlite test-postgres bench serve clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e ".[test]"
	touch $(STAMP)

## demo: set up everything, load the demo region and run it as in production on
## http://127.0.0.1:8000: the processes of the Procfile (server and worker), started by honcho
demo: $(STAMP)
	$(BIN)/wasl migrate --no-input -v0
	$(BIN)/wasl loaddemo
	$(BIN)/wasl collectstatic --no-input -v0
	PATH="$(CURDIR)/$(BIN):$$PATH" $(BIN)/honcho start --port 8000

## dev: Django's development server on http://127.0.0.1:8000, DEBUG on, reloading on every change
dev: $(STAMP)
	$(BIN)/wasl migrate --no-input -v0
	DEBUG=1 $(BIN)/wasl runserver 127.0.0.1:8000

## test: install what the tests need and run every check and test, on SQLite and PostgreSQL
test: $(STAMP) lint test-sqlite test-postgres

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports
	$(BIN)/mypy
	WASL_VAR_DIR=$$(mktemp -d) $(BIN)/wasl makemigrations --check --dry-run
	WASL_VAR_DIR=$$(mktemp -d) $(BIN)/wasl check

test-sqlite: $(STAMP)
	WASL_VAR_DIR=$$(mktemp -d) $(BIN)/pytest

test-postgres: $(STAMP)
	WASL_VAR_DIR=$$(mktemp -d) $(BIN)/python tools/with_postgres.py -- $(BIN)/pytest --ignore=tests/core

## bench: lifecycles per second through the service layer, beside raw SQL (SQLite)
bench: $(STAMP)
	$(BIN)/python bench/lifecycle.py --n $(N)

clean:
	rm -rf $(VENV) var

## bench-inquiry: load N synthetic transactions, build the search index, time every query kind
## beside direct SQL, and print recall@10/MRR (SQLite in a temporary folder unless DATABASE_URL)
bench-inquiry: $(STAMP)
	$(BIN)/python bench/inquiry.py --n $(N)

## messages: refresh the ar/en catalogues in wasl/locale and compile them (needs gettext)
messages: $(STAMP)
	cd wasl && WASL_VAR_DIR=$$(mktemp -d) ../$(BIN)/wasl makemessages -l ar -l en --no-location --no-obsolete
	cd wasl && WASL_VAR_DIR=$$(mktemp -d) ../$(BIN)/wasl compilemessages

## bench-web: the staff inbox of a unit with N open referrals (SQLite unless DATABASE_URL)
bench-web: $(STAMP)
	$(BIN)/python bench/web_inbox.py --n $(N)

## bench-dashboards: the dashboard pages read from roll-ups, beside a scan of the raw tables
bench-dashboards: $(STAMP)
	$(BIN)/python bench/dashboards.py --n $(N)

## bench-exchange: N letters between two nodes on loopback (server + worker each, SQLite),
## letters/s end to end and p95 delivery latency, beside the same count delivered in-process
bench-exchange: $(STAMP)
	nice -n 10 $(BIN)/python bench/exchange.py --n $(N)
