"""Errors in one shape (issue 15, item 9): on /api/ paths every answer to hostile input —
a wrong method, a broken multipart body, a bad Host header, a URL or header too long,
oversized and malformed bodies, the wrong script, control characters, NUL bytes, path tricks —
is the API's JSON error `{"code", "message_ar", "message_en"}`, never HTML, never a 5xx.

The requests go through the real WSGI application (`wasl.wsgi.application`), raw environ and
all, in Arabic and in English.
"""

from __future__ import annotations

import io
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

import pytest
from django.core.signals import request_finished, request_started
from django.db import close_old_connections

from tests.conftest import Cast, make_transaction
from tests.security.report import record
from wasl.wsgi import application

ARABIC = re.compile(r"[\u0600-\u06FF]")


@dataclass
class Probe:
    name: str
    method: str
    path: str  # PATH_INFO as the server decoded it
    query: str = ""
    body: bytes = b""
    content_type: str = ""
    headers: dict[str, str] = field(default_factory=dict)
    token: bool = True


@dataclass
class Answer:
    status: int
    headers: dict[str, str]
    body: bytes


def call(probe: Probe, token: str, language: str) -> Answer:
    """One request through the WSGI application, as gunicorn would hand it over."""
    environ: dict[str, Any] = {
        "REQUEST_METHOD": probe.method,
        "SCRIPT_NAME": "",
        # WSGI hands the path over as bytes in a str (PEP 3333).
        "PATH_INFO": probe.path.encode("utf-8").decode("latin-1"),
        "QUERY_STRING": probe.query.encode("utf-8").decode("latin-1"),
        "SERVER_NAME": "127.0.0.1",
        "SERVER_PORT": "80",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "198.51.100.5",
        "HTTP_HOST": "127.0.0.1",
        "HTTP_ACCEPT_LANGUAGE": language,
        "wsgi.version": (1, 0),
        "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(probe.body),
        "wsgi.errors": io.StringIO(),
        "wsgi.multithread": False,
        "wsgi.multiprocess": True,
        "wsgi.run_once": False,
        "CONTENT_LENGTH": str(len(probe.body)) if probe.body else "",
        "CONTENT_TYPE": probe.content_type,
    }
    if probe.token:
        environ["HTTP_AUTHORIZATION"] = f"Bearer {token}"
    for name, value in probe.headers.items():
        key = name.upper().replace("-", "_")
        environ[key if key in ("CONTENT_TYPE", "CONTENT_LENGTH") else f"HTTP_{key}"] = value
    seen: dict[str, Any] = {}

    def start_response(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
        seen["status"] = int(status.split()[0])
        seen["headers"] = {k.lower(): v for k, v in headers}
        return lambda data: None

    chunks = application(environ, start_response)
    try:
        body = b"".join(chunks)
    finally:
        getattr(chunks, "close", lambda: None)()
    return Answer(seen["status"], seen["headers"], body)


def multipart(*parts: bytes, boundary: str = "wasl-probe") -> tuple[bytes, str]:
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


def hostile_list(tid: str) -> list[Probe]:
    attach = f"/api/v1/transactions/{tid}/attachments"
    broken_part = b'--wasl-probe\r\nContent-Disposition: form-data; name="file"; filename="a.pdf"'
    no_end, no_end_type = multipart(broken_part + b"\r\n\r\n%PDF-1.4 and no closing boundary")
    junk, junk_type = multipart(b"this is not multipart at all")
    deep = b"[" * 100_000 + b"]" * 100_000
    transaction = {
        "unit": "REG",
        "direction": "incoming",
        "kind": "petition",
        "subject": "موضوع",
    }

    def body(value: Any) -> bytes:
        return json.dumps(value, ensure_ascii=False).encode()

    return [
        # A method the operation does not have.
        Probe("DELETE on a GET operation", "DELETE", "/api/v1/public/inquiry", token=False),
        Probe("PUT on /me", "PUT", "/api/v1/me"),
        Probe("PATCH on a POST operation", "PATCH", "/api/v1/transactions"),
        Probe("TRACE", "TRACE", "/api/v1/me"),
        # Broken multipart bodies.
        Probe("multipart without its end", "POST", attach, body=no_end, content_type=no_end_type),
        Probe("multipart that is not", "POST", attach, body=junk, content_type=junk_type),
        Probe(
            "multipart without a boundary",
            "POST",
            attach,
            body=b"--x\r\n",
            content_type="multipart/form-data",
        ),
        Probe(
            "multipart with a bad boundary",
            "POST",
            attach,
            body=b"--\xff\r\n",
            content_type="multipart/form-data; boundary=\xff\x00",
        ),
        Probe(
            "multipart with a huge part header",
            "POST",
            attach,
            body=b'--b\r\nContent-Disposition: form-data; name="' + b"n" * 300_000 + b'"\r\n\r\nx',
            content_type="multipart/form-data; boundary=b",
        ),
        # Bad Host headers.
        Probe("a host not allowed", "GET", "/api/v1/me", headers={"Host": "evil.example"}),
        Probe("a host with a NUL", "GET", "/api/v1/me", headers={"Host": "127.0.0.1\x00.evil"}),
        Probe("a host too long", "GET", "/api/v1/me", headers={"Host": "a" * 5000 + ".example"}),
        Probe("a host with a path", "GET", "/api/v1/me", headers={"Host": "127.0.0.1/../x"}),
        # Too long.
        Probe("a URL too long", "GET", "/api/v1/" + "a" * 70_000),
        Probe("a query too long", "GET", "/api/v1/inquiry", query="q=" + "ب" * 20_000),
        Probe("a header too long", "GET", "/api/v1/me", headers={"X-Probe": "h" * 100_000}),
        Probe(
            "a bearer token too long",
            "GET",
            "/api/v1/me",
            token=False,
            headers={"Authorization": "Bearer wasl_" + "t" * 100_000},
        ),
        Probe(
            "an Accept-Language too long",
            "GET",
            "/api/v1/me",
            headers={"Accept-Language": "ar-SA," * 5000},
        ),
        # Oversized and malformed bodies.
        Probe(
            "a body of 2 MB",
            "POST",
            "/api/v1/transactions",
            body=body({**transaction, "body": "ن" * 1_100_000}),
            content_type="application/json",
        ),
        Probe(
            "a declared length beyond the body",
            "POST",
            "/api/v1/transactions",
            body=b"{}",
            content_type="application/json",
            headers={"Content-Length": "99999999999"},
        ),
        Probe(
            "JSON cut short",
            "POST",
            "/api/v1/transactions",
            body='{"unit": "REG", "subject": "مو'.encode(),
            content_type="application/json",
        ),
        Probe(
            "JSON nested 100,000 deep",
            "POST",
            "/api/v1/transactions",
            body=deep,
            content_type="application/json",
        ),
        Probe(
            "bytes that are not UTF-8",
            "POST",
            "/api/v1/transactions",
            body=b'{"subject": "\xff\xfe\xfd"}',
            content_type="application/json",
        ),
        Probe(
            "JSON sent as form data",
            "POST",
            "/api/v1/transactions",
            body=body(transaction),
            content_type="application/x-www-form-urlencoded",
        ),
        Probe(
            "a number where text belongs",
            "POST",
            "/api/v1/transactions",
            body=body({**transaction, "subject": 10**400}),
            content_type="application/json",
        ),
        Probe(
            "a bare JSON string",
            "POST",
            "/api/v1/transactions",
            body=b'"just a string"',
            content_type="application/json",
        ),
        # The wrong script, control characters and NUL bytes.
        Probe(
            "a reference in Cyrillic look-alikes",
            "GET",
            "/api/v1/public/inquiry",
            query="reference=" + quote("ЕМК-١٤٤٨-٠٠٠٠٠١") + "&id_number=1058529940",
            token=False,
        ),
        Probe(
            "right-to-left override in an ID",
            "GET",
            "/api/v1/public/inquiry",
            query="reference=EMK-1448-000001&id_number=" + quote("\u202e0499258501"),
            token=False,
        ),
        Probe(
            "control characters in the subject",
            "POST",
            "/api/v1/transactions",
            body=body({**transaction, "subject": "موضوع\x01\x02\x1b[31m\x7f"}),
            content_type="application/json",
        ),
        Probe(
            "a NUL in a JSON string",
            "POST",
            "/api/v1/transactions",
            body=body({**transaction, "subject": "موضوع\x00بعد"}),
            content_type="application/json",
        ),
        Probe(
            "a NUL in the query",
            "GET",
            "/api/v1/public/inquiry",
            query="reference=EMK%00-1448&id_number=1058529940%00",
            token=False,
        ),
        Probe("a NUL in the search", "GET", "/api/v1/inquiry", query="q=%00%00"),
        Probe("a NUL in the path", "GET", "/api/v1/transactions/\x00"),
        Probe("an encoded NUL in the path", "GET", "/api/v1/transactions/%00"),
        Probe("a query that is not UTF-8", "GET", "/api/v1/inquiry", query="q=%ff%fe"),
        # Path tricks.
        Probe("dot-dot to the admin", "GET", "/api/v1/../admin/"),
        Probe("encoded dot-dot", "GET", "/api/v1/%2e%2e/admin/"),
        Probe("a doubled slash", "GET", "/api//v1/me"),
        Probe("a trailing slash", "GET", "/api/v1/me/"),
        Probe("an id that is SQL", "GET", "/api/v1/transactions/1' OR '1'='1"),
        Probe("an id that is not a UUID", "GET", "/api/v1/transactions/not-a-uuid"),
        Probe("a path in Arabic", "GET", "/api/v1/معاملات"),
        Probe("a backslash path", "GET", "/api/v1\\..\\admin"),
        Probe("no such version", "GET", "/api/v9/me"),
        Probe("the API's root", "GET", "/api/"),
    ]


@pytest.fixture
def keep_connection(db: Any) -> Iterator[None]:
    # Like Django's test client: keep the test's connection (and its transaction) open across
    # the requests made through the WSGI application.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


def problems_of(answer: Answer, language: str) -> list[str]:
    problems = []
    if answer.status >= 500:
        problems.append(f"status {answer.status}")
    content_type = answer.headers.get("content-type", "")
    if not content_type.startswith("application/json"):
        problems.append(f"content type {content_type!r}")
        return problems
    try:
        data = json.loads(answer.body)
    except ValueError:
        return [*problems, "a body that is not JSON"]
    if answer.status >= 400:
        if not isinstance(data, dict) or not {"code", "message_ar", "message_en"} <= set(data):
            return [*problems, f"not the error shape: {str(data)[:80]}"]
        if not ARABIC.search(data["message_ar"]) or not re.search("[A-Za-z]", data["message_en"]):
            problems.append("a message missing in Arabic or English")
        if language == "ar" and not data["message_ar"].strip():
            problems.append("no Arabic message")
    return problems


def test_every_hostile_request_gets_a_json_error_never_html_never_5xx(
    keep_connection: None,
) -> None:
    cast = Cast()
    tid = str(make_transaction(cast).public_id)
    probes = hostile_list(tid)
    found: dict[str, list[str]] = {}
    errors_5xx = attempts = 0
    for language in ("ar", "en"):
        for probe in probes:
            attempts += 1
            answer = call(probe, cast.clerk.token, language)
            errors_5xx += answer.status >= 500
            problems = problems_of(answer, language)
            if problems:
                found[f"{probe.name} [{language}] {answer.status}"] = problems
    record("hostile input", attempts=attempts, errors_5xx=errors_5xx)
    assert not found, json.dumps(found, ensure_ascii=False, indent=1)
    assert errors_5xx == 0


@pytest.mark.parametrize(
    ("probe", "status", "code"),
    [
        (Probe("405", "DELETE", "/api/v1/me"), 405, "method_not_allowed"),
        (Probe("host", "GET", "/api/v1/me", headers={"Host": "evil.example"}), 400, "bad_host"),
        (Probe("long URL", "GET", "/api/v1/" + "a" * 70_000), 414, "uri_too_long"),
        (
            Probe(
                "multipart",
                "POST",
                "/api/v1/transactions/{tid}/attachments",
                body=b"--x\r\n",
                content_type="multipart/form-data",
            ),
            400,
            "malformed_request",
        ),
    ],
    ids=["405", "bad host", "long URL", "bad multipart"],
)
def test_the_four_found_by_the_probe_have_their_own_codes(
    keep_connection: None, probe: Probe, status: int, code: str
) -> None:
    cast = Cast()
    tid = str(make_transaction(cast).public_id)
    probe.path = probe.path.replace("{tid}", tid)
    answer = call(probe, cast.clerk.token, "ar")
    assert answer.status == status
    assert answer.headers["content-type"].startswith("application/json")
    assert json.loads(answer.body)["code"] == code


def test_the_allowed_methods_are_still_said(keep_connection: None) -> None:
    cast = Cast()
    answer = call(Probe("405", "DELETE", "/api/v1/me"), cast.clerk.token, "en")
    assert answer.status == 405 and "GET" in answer.headers.get("allow", "")


def test_pages_outside_the_api_keep_their_html_error_pages(keep_connection: None) -> None:
    Cast()
    answer = call(
        Probe("host", "GET", "/", headers={"Host": "evil.example"}, token=False), "", "ar"
    )
    assert answer.status == 400 and answer.headers["content-type"].startswith("text/html")
