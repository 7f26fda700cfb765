"""Envelopes and receipts: their canonical form, their shape, and their Ed25519 signatures.

Pure functions over `cryptography` and the standard library (and the vocabularies, declared
once in `wasl.registry` and `exchange.states`; no database), so that the rule is the same
here, in the worker, and in the third-party verifier (`tools/verify_proof.py`
repeats these few lines on purpose: a verifier must not need Wasl).

A signed message on the wire is JSON::

    {"envelope": {...}, "signature": {"alg": "Ed25519", "key_id": "<32 hex>", "value": "<b64>"}}
    {"receipt":  {...}, "signature": {...}}

The signature is over ``DOMAIN[kind] + canonical(body)``. The canonical form is JSON with
sorted keys, no insignificant whitespace, UTF-8, non-ASCII kept as is; keys are ASCII, numbers
are integers only (no floats), so it coincides with RFC 8785 (JCS) for everything Wasl signs.
A message's hash (what a receipt acknowledges) is SHA-256 of the canonical form of the whole
signed message.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from wasl.registry.vocabulary import Classification, Confidentiality, Kind, Urgency

from .states import REPORTED_STATES, Outcome, Role
from .states import Kind as MessageKind

VERSION = 1
DOMAIN = {
    "envelope": b"wasl-exchange-v1 envelope\n",
    "receipt": b"wasl-exchange-v1 receipt\n",
    "blob": b"wasl-exchange-v1 blob\n",
}

CODE_RE = re.compile(r"^[A-Z][A-Z0-9]*(-[A-Z0-9]+)*$")
UUID_RE = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
KEY_ID_RE = re.compile(r"^[0-9a-f]{32}$")
SHA256_RE = re.compile(r"^[0-9a-f]{64}$")
DATE_RE = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")
TIMESTAMP_RE = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{6}Z$")

# The words an envelope may use are the registry's and the exchange's own, declared once.
KINDS = frozenset(Kind.values)
CLASSIFICATIONS = frozenset(Classification.values)
URGENCIES = frozenset(Urgency.values)
LEVELS = frozenset(Confidentiality.values)
STATUS_STATES = frozenset(str(state) for state in REPORTED_STATES)
OUTCOMES = frozenset(Outcome.values)
ROLES = frozenset(Role.values)
TYPES = frozenset(MessageKind.values)
MAX_RECEIVERS = 50
MAX_ATTACHMENTS = 20


class EnvelopeError(Exception):
    """A message that is not well formed; `code` is one of `errors.CODES`."""

    def __init__(self, code: str, detail: str = "", field: str | None = None) -> None:
        super().__init__(f"{code}: {detail}" if detail else code)
        self.code = code
        self.detail = detail
        self.field = field


# ---------------------------------------------------------------------------------------------
# Canonical form, encodings, time


def canonical(value: Any) -> bytes:
    return json.dumps(
        value, sort_keys=True, ensure_ascii=False, separators=(",", ":"), allow_nan=False
    ).encode("utf-8")


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def b64encode(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def b64decode(text: object, field: str, length: int | None = None) -> bytes:
    if not isinstance(text, str) or len(text) > 200:
        raise EnvelopeError("bad_base64", field, field)
    try:
        data = base64.b64decode(text.encode("ascii"), validate=True)
    except (binascii.Error, ValueError, UnicodeEncodeError):
        raise EnvelopeError("bad_base64", field, field) from None
    if length is not None and len(data) != length:
        raise EnvelopeError("bad_base64", f"{field}: expected {length} bytes", field)
    return data


def timestamp(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def parse_timestamp(text: object, field: str) -> datetime:
    if not isinstance(text, str) or not TIMESTAMP_RE.match(text):
        raise EnvelopeError(
            "invalid_field", f"{field}: expected YYYY-MM-DDTHH:MM:SS.ffffffZ", field
        )
    try:
        # The pattern is checked: what is left is whether it names a real time, which
        # fromisoformat decides as strptime would, 25 times faster.
        return datetime.fromisoformat(text[:-1]).replace(tzinfo=UTC)
    except ValueError:
        raise EnvelopeError("invalid_field", f"{field}: not a real time", field) from None


def parse_date(text: object, field: str) -> date:
    if not isinstance(text, str) or not DATE_RE.match(text):
        raise EnvelopeError("invalid_field", f"{field}: expected YYYY-MM-DD", field)
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise EnvelopeError("invalid_field", f"{field}: not a real date", field) from None


def key_id_for(public_raw: bytes) -> str:
    """A key's id: the first 128 bits of the SHA-256 of its raw public key, in hex."""
    return hashlib.sha256(public_raw).hexdigest()[:32]


# ---------------------------------------------------------------------------------------------
# Strict JSON


def _no_duplicate_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise EnvelopeError("bad_json", f"duplicate key {key[:40]!r}")
        result[key] = value
    return result


def _no_floats(text: str) -> Any:
    raise EnvelopeError("bad_json", "numbers must be integers")


def loads(raw: bytes | str) -> Any:
    """Parse JSON strictly: UTF-8, no duplicate keys, no floats, NaN or Infinity."""
    try:
        text = raw.decode("utf-8") if isinstance(raw, bytes) else raw
        return json.loads(
            text,
            object_pairs_hook=_no_duplicate_keys,
            parse_float=_no_floats,
            parse_constant=_no_floats,
        )
    except EnvelopeError:
        raise
    except (UnicodeDecodeError, ValueError, RecursionError) as error:
        raise EnvelopeError("bad_json", str(error)[:120]) from None


# ---------------------------------------------------------------------------------------------
# Shape checks


def _obj(value: object, field: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise EnvelopeError("invalid_field", f"{field}: expected an object", field)
    return value


def _keys(obj: dict[str, Any], field: str, required: set[str], optional: set[str] = set()) -> None:  # noqa: B006
    missing = sorted(required - obj.keys())
    if missing:
        name = f"{field}.{missing[0]}" if field else missing[0]
        raise EnvelopeError("missing_field", name, name)
    unknown = sorted(obj.keys() - required - optional)
    if unknown:
        name = f"{field}.{unknown[0][:40]}" if field else unknown[0][:40]
        raise EnvelopeError("invalid_field", f"{name}: unknown field", name)


def _str(value: object, field: str, max_length: int, *, min_length: int = 0) -> str:
    if not isinstance(value, str) or not min_length <= len(value) <= max_length:
        raise EnvelopeError(
            "invalid_field",
            f"{field}: expected text of {min_length}-{max_length} characters",
            field,
        )
    return value


def _int(value: object, field: str, low: int, high: int) -> int:
    if type(value) is not int or not low <= value <= high:
        raise EnvelopeError("invalid_field", f"{field}: expected an integer {low}-{high}", field)
    return value


def _match(value: object, pattern: re.Pattern[str], field: str, what: str) -> str:
    if not isinstance(value, str) or len(value) > 100 or not pattern.match(value):
        raise EnvelopeError("invalid_field", f"{field}: expected {what}", field)
    return value


def _code(value: object, field: str) -> str:
    if isinstance(value, str) and len(value) > 20:
        raise EnvelopeError("invalid_field", f"{field}: entity code too long", field)
    return _match(value, CODE_RE, field, "an entity code")


def _choice(value: object, choices: frozenset[str], field: str) -> str:
    if not isinstance(value, str) or value not in choices:
        raise EnvelopeError("invalid_field", f"{field}: one of {', '.join(sorted(choices))}", field)
    return value


def _optional_date(value: object, field: str) -> None:
    if value is not None:
        parse_date(value, field)


def check_letter(letter: object) -> None:
    obj = _obj(letter, "envelope.letter")
    f = "envelope.letter"
    _keys(
        obj,
        f,
        {
            "reference",
            "date",
            "kind",
            "subject",
            "body",
            "classification",
            "urgency",
            "restriction",
            "reply_due",
            "answers",
            "to",
            "cc",
            "role",
            "attachments",
        },
    )
    _str(obj["reference"], f"{f}.reference", 40, min_length=1)
    parse_date(obj["date"], f"{f}.date")
    _choice(obj["kind"], KINDS, f"{f}.kind")
    _str(obj["subject"], f"{f}.subject", 500, min_length=1)
    _str(obj["body"], f"{f}.body", 20_000)
    _choice(obj["classification"], CLASSIFICATIONS, f"{f}.classification")
    _choice(obj["urgency"], URGENCIES, f"{f}.urgency")
    restriction = _obj(obj["restriction"], f"{f}.restriction")
    _keys(restriction, f"{f}.restriction", {"level", "legal_basis", "until"})
    _choice(restriction["level"], LEVELS, f"{f}.restriction.level")
    _str(restriction["legal_basis"], f"{f}.restriction.legal_basis", 500)
    _optional_date(restriction["until"], f"{f}.restriction.until")
    _optional_date(obj["reply_due"], f"{f}.reply_due")
    if obj["answers"] is not None:
        answers = _obj(obj["answers"], f"{f}.answers")
        _keys(answers, f"{f}.answers", {"message_id", "reference", "date"})
        _match(answers["message_id"], UUID_RE, f"{f}.answers.message_id", "a UUID")
        _str(answers["reference"], f"{f}.answers.reference", 40, min_length=1)
        parse_date(answers["date"], f"{f}.answers.date")
    for role in ("to", "cc"):
        names = obj[role]
        if not isinstance(names, list) or len(names) > MAX_RECEIVERS:
            raise EnvelopeError("invalid_field", f"{f}.{role}: a list", f"{f}.{role}")
        for index, name in enumerate(names):
            _code(name, f"{f}.{role}[{index}]")
    if not obj["to"]:
        raise EnvelopeError("invalid_field", f"{f}.to: at least one receiver", f"{f}.to")
    _choice(obj["role"], ROLES, f"{f}.role")
    attachments = obj["attachments"]
    if not isinstance(attachments, list) or len(attachments) > MAX_ATTACHMENTS:
        raise EnvelopeError("invalid_field", f"{f}.attachments: a list", f"{f}.attachments")
    for index, item in enumerate(attachments):
        name = f"{f}.attachments[{index}]"
        att = _obj(item, name)
        _keys(att, name, {"sha256", "size", "filename", "content_type"})
        _match(att["sha256"], SHA256_RE, f"{name}.sha256", "a SHA-256 in hex")
        _int(att["size"], f"{name}.size", 1, 2**40)
        _str(att["filename"], f"{name}.filename", 150, min_length=1)
        _str(att["content_type"], f"{name}.content_type", 100, min_length=1)


def check_status(status: object) -> None:
    f = "envelope.status"
    obj = _obj(status, f)
    _keys(obj, f, {"of_message", "seq", "state", "at", "reference"})
    _match(obj["of_message"], UUID_RE, f"{f}.of_message", "a UUID")
    _int(obj["seq"], f"{f}.seq", 1, 1_000_000)
    _choice(obj["state"], STATUS_STATES, f"{f}.state")
    parse_timestamp(obj["at"], f"{f}.at")
    _str(obj["reference"], f"{f}.reference", 40, min_length=1)


def check_envelope(body: object) -> dict[str, Any]:
    obj = _obj(body, "envelope")
    if "v" in obj and obj["v"] != VERSION:
        raise EnvelopeError("unsupported_version", f"v={str(obj['v'])[:10]}", "envelope.v")
    kind = obj.get("type")
    payload = kind if isinstance(kind, str) and kind in TYPES else None
    _keys(
        obj,
        "envelope",
        {"v", "type", "message_id", "created_at", "sender", "receiver"}
        | ({payload} if payload else set()),
    )
    _choice(obj["type"], TYPES, "envelope.type")
    _match(obj["message_id"], UUID_RE, "envelope.message_id", "a lower-case UUID")
    parse_timestamp(obj["created_at"], "envelope.created_at")
    _code(obj["sender"], "envelope.sender")
    _code(obj["receiver"], "envelope.receiver")
    if obj["sender"] == obj["receiver"]:
        raise EnvelopeError(
            "invalid_field", "sender and receiver are the same", "envelope.receiver"
        )
    if payload == "letter":
        check_letter(obj["letter"])
    else:
        check_status(obj["status"])
    return obj


def check_receipt(body: object) -> dict[str, Any]:
    obj = _obj(body, "receipt")
    if "v" in obj and obj["v"] != VERSION:
        raise EnvelopeError("unsupported_version", f"v={str(obj['v'])[:10]}", "receipt.v")
    _keys(
        obj,
        "receipt",
        {
            "v",
            "type",
            "receipt_id",
            "message_id",
            "envelope_sha256",
            "sender",
            "receiver",
            "outcome",
            "reference",
            "registered_on",
            "at",
        },
    )
    _choice(obj["type"], frozenset({"receipt"}), "receipt.type")
    _match(obj["receipt_id"], UUID_RE, "receipt.receipt_id", "a UUID")
    _match(obj["message_id"], UUID_RE, "receipt.message_id", "a UUID")
    _match(obj["envelope_sha256"], SHA256_RE, "receipt.envelope_sha256", "a SHA-256 in hex")
    _code(obj["sender"], "receipt.sender")
    _code(obj["receiver"], "receipt.receiver")
    _choice(obj["outcome"], OUTCOMES, "receipt.outcome")
    _str(obj["reference"], "receipt.reference", 40)
    _optional_date(obj["registered_on"], "receipt.registered_on")
    parse_timestamp(obj["at"], "receipt.at")
    return obj


# ---------------------------------------------------------------------------------------------
# Signed messages


@dataclass(frozen=True)
class Signed:
    """A parsed, well-formed signed message (not yet verified)."""

    kind: str  # "envelope" or "receipt"
    body: dict[str, Any]
    key_id: str
    signature: bytes
    text: str  # the canonical form of the whole signed message
    sha256: str

    @property
    def message(self) -> dict[str, Any]:
        return {self.kind: self.body, "signature": self.signature_block}

    @property
    def signature_block(self) -> dict[str, str]:
        return {"alg": "Ed25519", "key_id": self.key_id, "value": b64encode(self.signature)}

    def verifies_with(self, public_raw: bytes) -> bool:
        return verify(public_raw, self.kind, self.body, self.signature)


def _signed_from(obj: object, kind: str) -> Signed:
    top = _obj(obj, "")
    _keys(top, "", {kind, "signature"})
    block = _obj(top["signature"], "signature")
    _keys(block, "signature", {"alg", "key_id", "value"})
    if block["alg"] != "Ed25519":
        raise EnvelopeError("invalid_field", "signature.alg: only Ed25519", "signature.alg")
    key_id = _match(block["key_id"], KEY_ID_RE, "signature.key_id", "32 hex digits")
    signature = b64decode(block["value"], "signature.value", 64)
    body = check_envelope(top[kind]) if kind == "envelope" else check_receipt(top[kind])
    text = canonical(top).decode("utf-8")
    return Signed(kind, body, key_id, signature, text, sha256_hex(text.encode("utf-8")))


def parse_envelope(raw: bytes | str) -> Signed:
    return _signed_from(loads(raw), "envelope")


def parse_receipt(raw: bytes | str | dict[str, Any]) -> Signed:
    return _signed_from(raw if isinstance(raw, dict) else loads(raw), "receipt")


def sign(private_key: Ed25519PrivateKey, key_id: str, kind: str, body: dict[str, Any]) -> Signed:
    """Sign `body` as a message of `kind` ("envelope" or "receipt")."""
    signature = private_key.sign(DOMAIN[kind] + canonical(body))
    top = {
        kind: body,
        "signature": {"alg": "Ed25519", "key_id": key_id, "value": b64encode(signature)},
    }
    text = canonical(top).decode("utf-8")
    return Signed(kind, body, key_id, signature, text, sha256_hex(text.encode("utf-8")))


def verify(public_raw: bytes, kind: str, body: dict[str, Any], signature: bytes) -> bool:
    try:
        Ed25519PublicKey.from_public_bytes(public_raw).verify(
            signature, DOMAIN[kind] + canonical(body)
        )
    except (InvalidSignature, ValueError):
        return False
    return True


def blob_statement(sha256: str, size: int, sender: str, receiver: str, at: str) -> bytes:
    """What a sender signs to upload an attachment's file."""
    return DOMAIN["blob"] + canonical(
        {"sha256": sha256, "size": size, "sender": sender, "receiver": receiver, "at": at}
    )
