"""A request header field too large gets the same clear error as every other bad request,
through the real server (`wasl serve`, gunicorn): a 431 with the API's JSON under /api/, the
"request not understood" page elsewhere — never gunicorn's plain-text answer, up to the
bound `wasl serve` gives gunicorn (twice WASL_MAX_HEADER_BYTES, at least 32 KB)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from wasl.web.management.commands.serve import header_field_bound

from ..server.test_serve import Server, wasl
from .report import record

LIMIT = 8 * 1024  # WASL_MAX_HEADER_BYTES by default


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    folder: Path = tmp_path_factory.mktemp("site")
    for step in (["migrate", "--no-input", "-v0"], ["collectstatic", "--no-input", "-v0"]):
        result = wasl(folder, *step)
        assert result.returncode == 0, result.stdout + result.stderr
    started = Server(folder)
    yield started
    started.stop()


def field(name: str, size: int) -> dict[str, str]:
    """A header `name` whose field (name and value) is `size` bytes."""
    return {name: "a" * (size - len(name))}


CASES = [
    # (path, headers, what must come back)
    ("/api/v1/me", field("X-Note", LIMIT + 1), 431),
    ("/api/v1/me", field("X-Note", 20_000), 431),
    ("/api/v1/me", field("Authorization", 30_000), 431),
    ("/api/v1/me", field("Cookie", 20_000), 431),
    ("/api/v1/me", field("X-Note", LIMIT), 401),  # at the limit: answered as usual
    ("/signin/", field("X-Note", 20_000), 431),
    ("/signin/", field("Cookie", 30_000), 431),
    ("/signin/", field("Accept-Language", 12_000), 431),
    ("/signin/", field("X-Note", LIMIT), 200),
    # The language cookie or Accept-Language of an otherwise refused request is honoured...
    ("/signin/", {**field("X-Note", 20_000), "Cookie": "django_language=en"}, 431),
    ("/signin/", {**field("X-Note", 20_000), "Accept-Language": "en-GB,en;q=0.9"}, 431),
    # ... but not read from the oversized field itself.
    ("/signin/", field("Cookie", 30_000) | {"Accept-Language": "en"}, 431),
]


def test_an_oversized_header_gets_the_clear_error_not_gunicorns(server):
    wrong = []
    errors_5xx = 0
    for path, headers, expected in CASES:
        status, answer, body = server.get(path, **headers)
        errors_5xx += status >= 500
        if status != expected:
            wrong.append((path, list(headers), status, body[:120]))
            continue
        if path.startswith("/api/"):
            assert answer["Content-Type"].startswith("application/json"), body[:200]
            assert answer["Cache-Control"] == "no-store"
            error = json.loads(body)
            assert set(error) == {"code", "message_ar", "message_en"}
            if status == 431:
                assert error["code"] == "header_too_large"
                assert "ترويسة" in error["message_ar"] and "header" in error["message_en"]
        else:
            assert answer["Content-Type"].startswith("text/html"), body[:200]
            if status == 431:
                # The language is read from the cookie and Accept-Language, unless one of
                # those fields is the oversized one.
                readable = all(
                    len(headers.get(name, "")) + len(name) <= LIMIT
                    for name in ("Cookie", "Accept-Language")
                )
                chose_english = "django_language=en" in headers.get("Cookie", "") or headers.get(
                    "Accept-Language", ""
                ).startswith("en")
                english = readable and chose_english
                page = body.decode()
                # The bad-request page, in the person's language when it can be read safely.
                if english:
                    assert "could not be read" in page and 'lang="en"' in page, page[:300]
                else:
                    assert "تعذّرت قراءة الطلب" in page and 'lang="ar"' in page, page[:300]
    record("oversized headers", attempts=len(CASES), errors_5xx=errors_5xx)
    assert wrong == []
    assert errors_5xx == 0


def test_past_the_bound_given_to_gunicorn_it_still_refuses_and_keeps_serving(server):
    status, answer, body = server.get("/api/v1/me", **field("X-Note", header_field_bound() + 1))
    # gunicorn's own plain answer: what it buffers stays bounded.
    assert status == 431
    assert not answer.get("Content-Type", "").startswith("application/json"), body[:200]
    assert server.get("/signin/")[0] == 200
    assert "Traceback" not in server.log.read_text()
