"""Mail as it really comes: encoded Arabic headers, Arabic legacy charsets, HTML only, broken
MIME. Each gives a clear result and the raw message is kept."""

from __future__ import annotations

import base64

import pytest

from wasl.mail import parsing
from wasl.mail import services as mail
from wasl.registry import services as registry
from wasl.registry.models import Event

from .conftest import US, VISITOR, receive, visitor_with_email

TEXT = "أرجو إفادتي عن موعد المراجعة"


@pytest.fixture
def txn(cast):
    txn = visitor_with_email(cast)
    registry.refer(cast.clerk.actor, txn.public_id, to_units=[cast.rights], instruction="للإفادة")
    return txn


def raw_message(txn, content_type: str, body: bytes, cte: str = "8bit", extra: str = "") -> bytes:
    subject = (
        "=?windows-1256?B?"
        + base64.b64encode(f"استفسار عن {txn.reference}".encode("cp1256")).decode()
        + "?="
    )
    head = (
        f"From: =?utf-8?B?{base64.b64encode('محمد'.encode()).decode()}?= <{VISITOR}>\r\n"
        f"To: {US}\r\nSubject: {subject}\r\nMessage-ID: <{abs(hash(body))}@mail.example.sa>\r\n"
        f"MIME-Version: 1.0\r\nContent-Type: {content_type}\r\n"
        f"Content-Transfer-Encoding: {cte}\r\n{extra}\r\n"
    )
    return head.encode("ascii") + body


def note_of(row) -> str:
    return Event.objects.get(pk=row.event_id).note


def test_an_rfc2047_subject_in_windows_1256_finds_the_matter(txn):
    row = receive(raw_message(txn, "text/plain; charset=utf-8", TEXT.encode()))
    assert row.subject == f"استفسار عن {txn.reference}"
    assert row.from_name == "محمد"
    assert (row.outcome, note_of(row)) == ("added", TEXT)


@pytest.mark.parametrize("charset", ["windows-1256", "iso-8859-6"])
def test_arabic_legacy_charsets_are_read(txn, charset):
    row = receive(raw_message(txn, f"text/plain; charset={charset}", TEXT.encode(charset)))
    assert note_of(row) == TEXT


def test_a_wrong_charset_label_still_gives_text_and_keeps_the_raw(txn):
    raw = raw_message(txn, "text/plain; charset=x-unknown-8", TEXT.encode("cp1256"))
    row = receive(raw)
    assert row.outcome == "added"
    assert note_of(row) == TEXT  # the fallback for Arabic mail with a label no one knows
    assert mail.raw_path(row.sha256).read_bytes() == raw


def test_html_only_mail_becomes_text_without_markup_or_quotes(txn):
    html = (
        "<html><head><style>p{color:red}</style></head><body dir='rtl'>"
        f"<p>{TEXT}</p><p>شكراً&nbsp;لكم</p>"
        "<blockquote><p>أحيلت معاملتكم</p></blockquote><script>alert(1)</script></body></html>"
    )
    row = receive(raw_message(txn, "text/html; charset=utf-8", html.encode()))
    assert note_of(row) == f"{TEXT}\n\nشكراً لكم"


def test_malformed_mime_without_its_boundary_is_read_as_far_as_it_goes(txn):
    body = b"--nothere\r\nContent-Type: text/plain\r\n\r\n" + TEXT.encode() + b"\r\n"
    raw = raw_message(txn, 'multipart/mixed; boundary="missing"', body)
    row = receive(raw)
    assert row.outcome == "added"
    assert TEXT in note_of(row)
    assert mail.raw_path(row.sha256).read_bytes() == raw


def test_garbage_is_kept_with_a_clear_outcome(db):
    raw = b"\x00\xff\xfe not an e-mail at all \r\n\r\n\x00" * 10
    row = receive(raw)
    assert row.outcome in {"automatic", "unmatched"}
    assert mail.raw_path(row.sha256).read_bytes() == raw


def test_quoted_history_is_cut_in_its_usual_forms():
    for text in (
        "شكراً\n\nOn Thu, 3 Dec 2026 at 10:00, Wasl <wasl@wasl.localhost> wrote:\n> old",
        "شكراً\n-----Original Message-----\nFrom: Wasl\nold",
        "شكراً\n> old\n> older",
        "شكراً\n\nفي الخميس، ٣ ديسمبر ٢٠٢٦ ١٠:٠٠ ص، كتب وصل <wasl@wasl.localhost>:\nold",
        "شكراً\n\n-- \nرقم المعاملة: EMK-1448-000001",
    ):
        assert parsing.strip_quoted(text) == "شكراً", text
