"""Reading an incoming e-mail as it really arrives: the stdlib `email` package with
`policy.default`, and a fallback at every step, so that any message gives a clear result.

What is read: the sender, the subject (RFC 2047 encoded words, Arabic among them), our thread's
Message-IDs (In-Reply-To, References), whether it is an automatic message (RFC 3834
Auto-Submitted, Precedence bulk/list/junk, mailing lists, mailer daemons), whether it is a
delivery status notification (RFC 3464) and for which of our messages, the text (windows-1256,
ISO-8859-6 or any charset Python knows; an HTML-only message made into text; the quoted
history cut off) and the attachments. The raw bytes are kept elsewhere, whatever happens here.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.headerregistry import Address
from email.message import EmailMessage, Message
from email.utils import getaddresses, parseaddr
from html.parser import HTMLParser

from wasl.core.arabic import fold_digits

TEXT_MAX = 20_000  # the registry's BODY_MAX: what one event's note may hold
SUBJECT_MAX = 300
ADDRESSES_MAX = 20  # of a To or Cc with thousands: the first ones are enough to show
PARTS_MAX = 200  # parts walked in one message: bounded work for a hostile nesting
ATTACHMENTS_MAX = 10
MESSAGE_ID = re.compile(r"<[^<>\s]{1,245}>")
# A reference as Wasl gives them: ENTITY(-CODE)-HIJRI YEAR-SEQUENCE (EMK-1448-000042).
REFERENCE = re.compile(r"\b([A-Z][A-Z0-9]{0,9}(?:-[A-Z][A-Z0-9]{0,9})*-1[3-5]\d\d-\d{6})\b")
DAEMONS = re.compile(r"^(mailer-daemon|postmaster|no-?reply|do-?not-?reply|bounces?)([+@-]|$)")
BULK = {"bulk", "list", "junk"}


@dataclass
class Attached:
    filename: str
    content_type: str
    data: bytes


@dataclass
class Bounce:
    """What a delivery status notification says: the recipients that failed (Action: failed),
    their status codes, and the Message-ID of the message that bounced, if it came back."""

    recipients: list[str]
    statuses: list[str]
    original_message_id: str
    permanent: bool


@dataclass
class Parsed:
    from_address: str = ""  # addr-spec, lower-cased domain; "" when none could be read
    from_name: str = ""
    to: list[str] = field(default_factory=list)
    to_count: int = 0
    subject: str = ""
    message_id: str = ""
    thread: list[str] = field(default_factory=list)  # In-Reply-To then References, no repeats
    automatic: str = ""  # why it is an automatic message ("" when a person wrote it)
    bounce: Bounce | None = None
    text: str = ""  # the new text, quoted history cut off
    attachments: list[Attached] = field(default_factory=list)
    defects: list[str] = field(default_factory=list)

    def references_in_subject(self) -> list[str]:
        return REFERENCE.findall(fold_digits(self.subject.upper()))


def parse(raw: bytes) -> Parsed:
    """Everything Wasl needs of `raw`. Never raises on bad input: what cannot be read is left
    empty and named in `defects`."""
    parsed = Parsed()
    try:
        message = message_from_bytes(raw, policy=policy.default)
    except Exception as error:  # the parser is lenient; this is the last guard
        parsed.defects.append(f"unreadable: {type(error).__name__}")
        parsed.text = _clip(raw.decode("utf-8", "replace"))
        return parsed
    assert isinstance(message, EmailMessage)
    parsed.defects = [type(d).__name__ for d in message.defects][:20]
    try:
        _read(message, raw, parsed)
    except Exception as error:  # a case no rule above foresaw: the raw text, and say so
        parsed.defects.append(f"unreadable: {type(error).__name__}")
        parsed.text = parsed.text or _clip(raw.decode("utf-8", "replace"))
    return parsed


def _read(message: EmailMessage, raw: bytes, parsed: Parsed) -> None:
    parsed.from_name, parsed.from_address = _sender(message, parsed)
    parsed.to, parsed.to_count = _recipients(message, parsed)
    parsed.subject = _clip(" ".join(_header(message, "Subject", parsed).split()), SUBJECT_MAX)
    ids = MESSAGE_ID.findall(_header(message, "Message-ID", parsed))
    parsed.message_id = ids[0] if ids else ""
    thread = MESSAGE_ID.findall(_header(message, "In-Reply-To", parsed))
    thread += MESSAGE_ID.findall(_header(message, "References", parsed))
    parsed.thread = list(dict.fromkeys(thread))[:50]
    parsed.bounce = _bounce(message, parsed)
    parsed.automatic = _automatic(message, parsed)
    text, attachments = _walk(message, raw, parsed)
    parsed.text = _clip(strip_quoted(text))
    parsed.attachments = attachments


def _header(message: Message, name: str, parsed: Parsed) -> str:
    """A header's decoded value; a header the parser cannot make sense of is read raw."""
    try:
        value = message.get(name)
    except Exception as error:
        parsed.defects.append(f"{name}: {type(error).__name__}")
        raw = message.get_all(name, failobj=[]) if hasattr(message, "get_all") else []
        value = str(raw[0]) if raw else ""
    return str(value or "")


def _sender(message: EmailMessage, parsed: Parsed) -> tuple[str, str]:
    try:
        header = message.get("From")
        addresses = getattr(header, "addresses", ()) if header is not None else ()
        if len(addresses) == 1:
            address: Address = addresses[0]
            if address.username and address.domain:
                return address.display_name, f"{address.username}@{address.domain.lower()}"
    except Exception as error:
        parsed.defects.append(f"From: {type(error).__name__}")
    name, addr = parseaddr(_header(message, "From", parsed))
    if "@" not in addr:
        return name, ""
    local, _, domain = addr.rpartition("@")
    return name, f"{local}@{domain.lower()}"


def _recipients(message: EmailMessage, parsed: Parsed) -> tuple[list[str], int]:
    """The first `ADDRESSES_MAX` addresses of To and Cc and how many there are: ten thousand
    recipients cost one pass over the header, and are never kept one by one."""
    values = [_header(message, name, parsed) for name in ("To", "Cc")]
    found = [addr for _, addr in getaddresses(values) if "@" in addr]
    return found[:ADDRESSES_MAX], len(found)


def _automatic(message: EmailMessage, parsed: Parsed) -> str:
    auto = _header(message, "Auto-Submitted", parsed).split(";")[0].strip().lower()
    if auto and auto != "no":
        return f"auto-submitted: {auto}"[:100]
    precedence = _header(message, "Precedence", parsed).strip().lower()
    if precedence in BULK:
        return f"precedence: {precedence}"
    if _header(message, "List-Id", parsed) or _header(message, "List-Unsubscribe", parsed):
        return "mailing list"
    if _header(message, "X-Autoreply", parsed) or _header(message, "X-Autorespond", parsed):
        return "auto-reply"
    suppress = _header(message, "X-Auto-Response-Suppress", parsed).lower()
    if "all" in suppress or "oof" in suppress:
        return "auto-response-suppress"
    if DAEMONS.match(parsed.from_address.lower()) or not parsed.from_address:
        return "mailer daemon" if parsed.from_address else "no sender"
    if parsed.bounce is not None:
        return "delivery status notification"
    return ""


def _bounce(message: EmailMessage, parsed: Parsed) -> Bounce | None:
    """The delivery status notification in `message` (RFC 3464: multipart/report with
    report-type=delivery-status), or None."""
    if message.get_content_type() != "multipart/report":
        return None
    if message.get_param("report-type", "").lower() != "delivery-status":
        return None
    recipients: list[str] = []
    statuses: list[str] = []
    reported = False
    original = ""
    for index, part in enumerate(message.walk()):
        if index > PARTS_MAX:
            break
        kind = part.get_content_type()
        if kind == "message/delivery-status":
            for fields in _status_groups(part):
                recipient = fields.get("final-recipient") or fields.get("original-recipient", "")
                if not recipient:
                    continue  # the per-message group (Reporting-MTA …)
                reported = True
                if fields.get("action", "").lower() != "failed":
                    continue  # delayed, delivered, relayed: nothing failed yet
                recipients.append(recipient.split(";")[-1].strip().strip("<>"))
                statuses.append(fields.get("status", "").strip())
        elif kind in {"message/rfc822", "text/rfc822-headers", "message/rfc822-headers"}:
            ids = MESSAGE_ID.findall(_headers_text(part))
            original = original or (ids[0] if ids else "")
    if not reported:
        return None
    permanent = bool(recipients) and all(not s or s.startswith("5") for s in statuses)
    return Bounce(recipients[:20], statuses[:20], original, permanent)


def _status_groups(part: Message) -> list[dict[str, str]]:
    """The per-message and per-recipient field groups of a message/delivery-status part."""
    payload = part.get_payload()
    groups: list[dict[str, str]] = []
    if isinstance(payload, list):  # the email package parses each group as a block of headers
        for block in payload:
            groups.append({k.lower(): str(v) for k, v in block.items()})
        return groups
    text = payload if isinstance(payload, str) else ""
    for block in re.split(r"\r?\n\s*\r?\n", text):
        fields: dict[str, str] = {}
        for line in block.splitlines():
            name, sep, value = line.partition(":")
            if sep:
                fields[name.strip().lower()] = value.strip()
        groups.append(fields)
    return groups


def _headers_text(part: Message) -> str:
    payload = part.get_payload()
    if isinstance(payload, list) and payload:
        inner = payload[0]
        return "\n".join(f"{k}: {v}" for k, v in inner.items() if k.lower() == "message-id")
    if isinstance(payload, str):
        lines = payload.splitlines()
        return "\n".join(line for line in lines if line.lower().startswith("message-id"))
    return ""


def _walk(message: EmailMessage, raw: bytes, parsed: Parsed) -> tuple[str, list[Attached]]:
    """The message's text (its text/plain, else its text/html made into text) and attachments."""
    plain: list[str] = []
    markup: list[str] = []
    attachments: list[Attached] = []
    for index, part in enumerate(message.walk()):
        if index > PARTS_MAX:
            parsed.defects.append("too many parts")
            break
        if part.is_multipart():
            continue
        kind = part.get_content_type()
        disposition = part.get_content_disposition()
        filename = _filename(part, parsed)
        if disposition == "attachment" or (filename and not kind.startswith("text/")):
            if len(attachments) < ATTACHMENTS_MAX:
                data = part.get_payload(decode=True)
                if isinstance(data, bytes):
                    attachments.append(Attached(filename or "attachment", kind, data))
            else:
                parsed.defects.append("too many attachments")
            continue
        if kind == "text/plain":
            plain.append(_text_of(part, parsed))
        elif kind == "text/html":
            markup.append(_text_of(part, parsed))
    if plain:
        return "\n\n".join(plain), attachments
    if markup:
        return "\n\n".join(html_to_text(m) for m in markup), attachments
    return _unparsed_text(raw, parsed), attachments


def _unparsed_text(raw: bytes, parsed: Parsed) -> str:
    """A multipart whose parts could not be found (a missing boundary): its body, read from
    the raw bytes as text, without the lines that are only MIME's own."""
    head_end = [i for i in (raw.find(b"\r\n\r\n"), raw.find(b"\n\n")) if i >= 0]
    if not head_end:
        return ""
    data = raw[min(head_end) :].strip()
    if not data:
        return ""
    parsed.defects.append("body read without its MIME structure")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        text = data.decode("cp1256", "replace")
    mime = re.compile(r"^(--\S*|content-[a-z-]+:.*|mime-version:.*)$", re.IGNORECASE)
    return "\n".join(line for line in text.splitlines() if not mime.match(line.strip()))


def _filename(part: Message, parsed: Parsed) -> str:
    try:
        name = part.get_filename()
    except Exception as error:
        parsed.defects.append(f"filename: {type(error).__name__}")
        return ""
    return str(name or "").strip()


def _text_of(part: Message, parsed: Parsed) -> str:
    """A text part in its declared charset; an unknown or wrong charset is read as UTF-8,
    then windows-1256 (what Arabic Windows mail often is), with replacement characters."""
    data = part.get_payload(decode=True)
    if not isinstance(data, bytes):
        return str(part.get_payload() or "")
    charset = str(part.get_content_charset() or "").lower()
    aliases = {"iso-8859-6-i": "iso-8859-6", "iso-8859-6-e": "iso-8859-6", "x-user-defined": ""}
    charset = aliases.get(charset, charset)
    for name in (charset, "utf-8"):
        if not name:
            continue
        try:
            return data.decode(name)
        except (LookupError, UnicodeDecodeError):
            parsed.defects.append(f"charset {name!r} failed")
    return data.decode("cp1256", "replace")


class _TextOfHtml(HTMLParser):
    BLOCKS = {"p", "div", "br", "li", "tr", "h1", "h2", "h3", "h4", "blockquote", "table"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.out: list[str] = []
        self.skip = 0
        self.quote = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in {"script", "style", "head", "title"}:
            self.skip += 1
        if tag == "blockquote":
            self.quote += 1
        if tag in self.BLOCKS:
            self.out.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in {"script", "style", "head", "title"} and self.skip:
            self.skip -= 1
        if tag == "blockquote" and self.quote:
            self.quote -= 1
        if tag in self.BLOCKS:
            self.out.append("\n")

    def handle_data(self, data: str) -> None:
        if self.skip:
            return
        if self.quote:  # a quoted message in HTML: mark it as quoted text would be
            self.out.append("\n".join("> " + line for line in data.splitlines()))
        else:
            self.out.append(data)


def html_to_text(markup: str) -> str:
    reader = _TextOfHtml()
    try:
        reader.feed(markup[: TEXT_MAX * 10])
        reader.close()
    except Exception:  # HTMLParser is lenient; this is the last guard
        return html.unescape(re.sub(r"<[^>]*>", " ", markup))
    lines = [" ".join(line.split()) for line in "".join(reader.out).splitlines()]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


# Where the quoted history of an answer starts: "On … wrote:", its Arabic forms, Outlook's
# header block, the signature separator of our own messages.
QUOTE_STARTS = re.compile(
    r"^(on\b.{0,200}\bwrote:?|في\b.{0,200}(كتب|كَتب)\b.{0,40}:?|.{0,200}كتب\s*:"
    r"|-{2,}\s*original message\s*-{2,}|-{2,}\s*الرسالة الأصلية\s*-{2,}"
    r"|from:\s.*|من:\s.*|_{10,}|-- )$",
    re.IGNORECASE,
)


def strip_quoted(text: str) -> str:
    """The new text of an answer: up to where the quoted history starts, without `>` lines."""
    kept: list[str] = []
    for line in text.replace("\r\n", "\n").split("\n"):
        stripped = line.strip()
        if QUOTE_STARTS.match(stripped) or QUOTE_STARTS.match(line.rstrip("\n")):
            break
        if stripped.startswith(">"):
            continue
        kept.append(line.rstrip())
    result = "\n".join(kept).strip()
    return re.sub(r"\n{3,}", "\n\n", result)


def _clip(text: str, limit: int = TEXT_MAX) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
