# Wasl — two commands: `make demo` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
N ?= 100000
DB ?= sqlite
PERF := docs/performance.md

.PHONY: demo dev test lint check test-sqlite test-postgres bench bench-all bench-inquiry screenshots \
	bench-dashboards bench-web bench-exchange bench-notify bench-eservices bench-reports serve clean audit-security bench-search-quality

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e ".[test]"
	touch $(STAMP)

## demo: set up everything, load the demo region and run it as in production on
## http://127.0.0.1:8000: the processes of the Procfile (server, worker, the local OpenID
## Connect provider of the Tawasul portal on 127.0.0.1:8001, the fake SMS provider on 8025 —
## what it received: /notifications/demo/sms — the local SMTP server on 8026 and `wasl mail
## serve` on 2525 — what the visitor got by e-mail, and answering it: /mail/demo), by honcho
DEMO_SMS := WASL_SMS_PROVIDER=http WASL_SMS_URL=http://127.0.0.1:8025 \
	WASL_SMS_CALLBACK_URL=http://127.0.0.1:8000/notifications/receipts/sms \
	WASL_SMS_RECEIPT_SECRET=demo-only-receipts-secret WASL_DEMO=1 \
	WASL_EMAIL_BACKEND=django.core.mail.backends.smtp.EmailBackend \
	WASL_EMAIL_HOST=127.0.0.1 WASL_EMAIL_PORT=8026 WASL_MAIL_PORT=2525
demo: $(STAMP)
	$(BIN)/wasl migrate --no-input -v0
	$(BIN)/wasl loaddemo
	$(BIN)/wasl loadportaldemo
	$(BIN)/wasl load940
	$(BIN)/wasl loadinspections
	$(BIN)/wasl collectstatic --no-input -v0
	$(DEMO_SMS) PATH="$(CURDIR)/$(BIN):$$PATH" $(BIN)/honcho start --port 8000

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

# SQLite in a random order (pytest-randomly; `make test-sqlite SEED=N` repeats the order it
# printed), PostgreSQL in file order.
test-sqlite: $(STAMP)
	@seed=$${SEED:-$$(date +%s)}; echo "tests in random order: SEED=$$seed"; \
	WASL_VAR_DIR=$$(mktemp -d) $(BIN)/pytest -p randomly --randomly-seed=$$seed

test-postgres: $(STAMP)
	WASL_VAR_DIR=$$(mktemp -d) $(BIN)/python tools/with_postgres.py -- $(BIN)/pytest -p no:randomly --ignore=tests/core

## bench: full lifecycles over HTTP against the production server, beside the bare-WSGI and
## /api/v1/me floors of the same run, on SQLite and on PostgreSQL (durable); writes the rows of
## docs/performance.md (a few minutes)
bench: $(STAMP)
	$(BIN)/python bench/lifecycle.py --write $(PERF) --command "make bench"

## bench-all: every benchmark; N transactions where data is generated, DB=postgres for PostgreSQL
bench-all: bench bench-inquiry bench-dashboards bench-web bench-pages bench-exchange bench-notify \
	bench-eservices bench-reports

clean:
	rm -rf $(VENV) var

## screenshots: refresh docs/screenshots (the README's pictures among them) in real Chromium
screenshots: $(STAMP)
	WASL_SCREENSHOTS=1 WASL_VAR_DIR=$$(mktemp -d) $(BIN)/pytest -p no:randomly \
		tests/web/test_browser.py tests/web/test_english.py tests/inquiry/test_browser.py

## messages: refresh the ar/en catalogues in wasl/locale and compile them (needs gettext)
messages: $(STAMP)
	cd wasl && WASL_VAR_DIR=$$(mktemp -d) ../$(BIN)/wasl makemessages -l ar -l en --no-location --no-obsolete
	cd wasl && WASL_VAR_DIR=$$(mktemp -d) ../$(BIN)/wasl compilemessages

## bench-inquiry: search over the API at N transactions (N=1000000: generation and index
## take minutes), DB=sqlite|postgres
bench-inquiry: $(STAMP)
	$(BIN)/python bench/inquiry.py --n $(N) --database $(DB) --write $(PERF) \
		--command "make bench-inquiry N=$(N) DB=$(DB)"

## bench-search-quality: recall@10 and MRR of the inquiry on the query set of the tests,
## beside the Lucene Arabic analyzer's rules on the same documents, DB=sqlite|postgres
bench-search-quality: $(STAMP)
	$(BIN)/python bench/search_quality.py --database $(DB)

## bench-dashboards: the dashboard pages and the measures API over HTTP at N transactions
bench-dashboards: $(STAMP)
	$(BIN)/python bench/dashboards.py --n $(N) --database $(DB) --write $(PERF) \
		--command "make bench-dashboards N=$(N) DB=$(DB)"

## bench-web: the staff inbox page over HTTP, a unit with N open referrals
bench-web: $(STAMP)
	$(BIN)/python bench/web_inbox.py --n $(N) --database $(DB) --write $(PERF) \
		--command "make bench-web N=$(N) DB=$(DB)"

## bench-pages: the inbox, a transaction, a search and the person's dashboard over HTTP, signed in,
## at N transactions, beside a trivial page
bench-pages: $(STAMP)
	$(BIN)/python bench/pages.py --n $(N) --database $(DB) --write $(PERF) \
		--command "make bench-pages N=$(N) DB=$(DB)"

## bench-exchange: letters posted over the API between two nodes on loopback
bench-exchange: $(STAMP)
	$(BIN)/python bench/exchange.py --database $(DB) --write $(PERF) \
		--command "make bench-exchange DB=$(DB)"

## bench-reports: Balagh 940 over HTTP at N reports (N=1000000 for the issue's million):
## "already reported nearby", and posting through the API and Open311
bench-reports: $(STAMP)
	$(BIN)/python bench/reports.py --n $(N) --database $(DB) --write $(PERF) \
		--command "make bench-reports N=$(N) DB=$(DB)"

## bench-eservices: citizens submitting an e-service application on Tawasul over HTTP
## (start → steps → review → submit), DB=sqlite|postgres
bench-eservices: $(STAMP)
	$(BIN)/python bench/eservices.py --database $(DB) --write $(PERF) \
		--command "make bench-eservices DB=$(DB)"

## bench-notify: notifications through the outbox to the fake SMS provider and the local SMTP
## server, from lifecycles over HTTP, beside the foundation's lifecycle rate
bench-notify: $(STAMP)
	$(BIN)/python bench/notify.py --database $(DB) --write $(PERF) \
		--command "make bench-notify DB=$(DB)"

## audit-security: the security probes (access matrix, tamper catalogue, logins, uploads,
## hostile input, exactly once after kill -9, schemathesis over every operation); prints their
## table and writes it to docs/security.md. DB=postgres runs them on PostgreSQL.
audit-security: $(STAMP)
ifeq ($(DB),postgres)
	WASL_VAR_DIR=$$(mktemp -d) WASL_SECURITY_TABLE=docs/security.md $(BIN)/python tools/with_postgres.py -- \
		$(BIN)/pytest tests/security tests/test_api_fuzz.py
else
	WASL_VAR_DIR=$$(mktemp -d) WASL_SECURITY_TABLE=docs/security.md $(BIN)/pytest tests/security tests/test_api_fuzz.py
endif
