"""Receiving: one signed envelope in, a signed receipt out — or a refusal with a code.

The same function serves an envelope that came over HTTP from another node and one handed
over in-process by the worker for an entity on this node. In order:

1. the shape (strict JSON, every field; `parse_envelope`);
2. a repeat of an accepted message id: the same envelope answers "duplicate" with the
   original receipt; a different one under that id is refused;
3. the sender: a member in the directory (not revoked), within its rate;
4. the key: the sender's, not revoked, valid when the envelope says it was signed, and the
   signing time neither too far in the future (clock skew) nor too old;
5. the signature;
6. the receiver: a member hosted here;
7. in one database transaction: register the incoming letter (or apply the status), keep the
   envelope in the inbox, sign the receipt, and log both. A batch from another node
   (`accept_many`) writes its envelopes a few per database transaction, each in a
   savepoint of its own, and their log records as one run per group: the same writes,
   fewer commits and statements.

Every refusal is logged (the message kept, up to 64 KB) and nothing of it is registered.
"""

from __future__ import annotations

import hashlib
import logging
import os
import tempfile
import time
import uuid
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any, BinaryIO

from django.conf import settings
from django.db import DatabaseError, IntegrityError
from django.db import transaction as db
from django.utils import timezone

from wasl.core.errors import Forbidden, WaslError
from wasl.directory.actors import Actor
from wasl.directory.models import Unit
from wasl.registry import access
from wasl.registry import attachments as registry_files
from wasl.registry import services as registry

from . import blobs, conf, envelope, keys, log, lookup, members, ratelimit
from .errors import ExchangeError
from .models import IncomingMessage, Kind, LogEntry, Member, OutgoingMessage

logger = logging.getLogger("wasl.exchange")


@dataclass(frozen=True)
class Accepted:
    message_id: str
    outcome: str  # "accepted" or "duplicate"
    receipt: str  # the signed receipt, canonical JSON


def accept(raw: bytes) -> Accepted:
    """Receive one signed envelope (see the module's docstring for the order of checks)."""
    directory = Directory()
    checked = _check(raw, directory)
    if isinstance(checked, Accepted):
        return checked
    signed, sender, receiver = checked
    try:
        return _accept_verified(signed, sender, receiver, directory)
    except ExchangeError as failure:
        _log_refusal(signed, failure)
        raise


def accept_many(raws: list[bytes], group: int | None = None) -> list[Accepted | ExchangeError]:
    """Receive several envelopes, in order, each answered on its own (a receipt or a
    refusal). The checks are those of `accept`; the envelopes that pass are written `group`
    per database transaction, each in a savepoint of its own, so that a refusal undoes only
    its own writes and the commits are shared. If a whole group fails on the database, its
    envelopes are received one by one.

    The directory is read once for the batch (`Directory`): a member, key or receiver that
    several envelopes name is looked up for the first of them, and a revocation committed
    while a batch is being received takes effect from the next batch."""
    size = max(1, group or int(conf.get("WASL_EXCHANGE_RECEIVE_GROUP")))
    results: list[Accepted | ExchangeError | None] = [None] * len(raws)
    waiting: list[tuple[int, envelope.Signed, Member, Member]] = []
    directory = Directory()
    parsed: list[envelope.Signed | bytes] = []
    for raw in raws:
        try:
            parsed.append(envelope.parse_envelope(raw))
        except envelope.EnvelopeError:
            parsed.append(raw)  # refused below, in its place
    try:
        directory.look_for_repeats([p for p in parsed if isinstance(p, envelope.Signed)])
    except DatabaseError:
        logger.exception("exchange: database error looking for repeats in a batch")
    for index, raw in enumerate(parsed):
        try:
            checked = _check(raw, directory)
        except ExchangeError as failure:
            results[index] = failure
            continue
        except DatabaseError:
            logger.exception("exchange: database error checking an envelope of a batch")
            results[index] = _database_busy()
            continue
        if isinstance(checked, Accepted):
            results[index] = checked
            continue
        waiting.append((index, *checked))
        if len(waiting) >= size:
            _write_group(waiting, results, directory)
            waiting = []
    if waiting:
        _write_group(waiting, results, directory)
    assert all(r is not None for r in results)
    return results  # type: ignore[return-value]


def _write_group(
    items: list[tuple[int, envelope.Signed, Member, Member]],
    results: list[Accepted | ExchangeError | None],
    directory: Directory,
) -> None:
    refused: list[tuple[envelope.Signed, ExchangeError]] = []
    repeats: list[tuple[int, envelope.Signed]] = []
    try:
        with db.atomic():
            logged: list[tuple[str, log.Record]] = []
            for index, signed, sender, receiver in items:
                try:
                    with db.atomic():
                        accepted, records = _write_verified(signed, sender, receiver, directory)
                except ExchangeError as failure:
                    results[index] = failure
                    refused.append((signed, failure))
                except IntegrityError:
                    repeats.append((index, signed))  # accepted meanwhile by another process
                else:
                    results[index] = accepted
                    logged.extend((receiver.code, record) for record in records)
            # The group's envelopes and receipts, one run per receiver's chain, committed
            # with what they record.
            log.append_runs(logged)
    except DatabaseError:
        logger.warning("exchange: a group of %s envelopes failed; one by one", len(items))
        for index, signed, sender, receiver in items:
            try:
                results[index] = _accept_verified(signed, sender, receiver, directory)
            except ExchangeError as failure:
                results[index] = failure
                _log_refusal(signed, failure)
            except DatabaseError:
                # Only this envelope: the groups before it are committed and answered.
                logger.exception("exchange: database error receiving %s", signed.body["message_id"])
                results[index] = _database_busy()
        return
    for signed, failure in refused:
        _log_refusal(signed, failure)
    for index, signed in repeats:
        duplicate = _duplicate(signed)
        results[index] = duplicate or ExchangeError("internal_error", "a conflicting write")


def _database_busy() -> ExchangeError:
    return ExchangeError("internal_error", "database busy or unavailable")


class Directory:
    """What receiving reads of the directory, read once per call of `accept` or batch of
    `accept_many`: members by code (with their node), public keys by id, a member's current
    signing key and inbox unit, and which of a batch's message ids were accepted before."""

    def __init__(self) -> None:
        self._members: dict[object, Member | None] = {}
        self._keys: dict[object, keys.PublicKey | None] = {}
        self._signers: dict[int, keys.Signer] = {}
        self._units: dict[int | None, Unit | None] = {}
        self._repeats: dict[str, tuple[str, str]] | None = None
        self._written: set[str] = set()

    def member(self, code: object) -> Member | None:
        if code not in self._members:
            self._members[code] = lookup.member(code)
        return self._members[code]

    def public_key(self, key_id: object) -> keys.PublicKey | None:
        if key_id not in self._keys:
            self._keys[key_id] = keys.public_key(key_id)  # type: ignore[arg-type]
        return self._keys[key_id]

    def signer(self, member: Member) -> keys.Signer:
        if member.pk not in self._signers:
            self._signers[member.pk] = keys.signer_for(member.pk, member.code)
        return self._signers[member.pk]

    def inbox_unit(self, member: Member) -> Unit | None:
        if member.inbox_unit_id not in self._units:
            self._units[member.inbox_unit_id] = Unit.objects.filter(pk=member.inbox_unit_id).first()
        return self._units[member.inbox_unit_id]

    def look_for_repeats(self, envelopes: list[envelope.Signed]) -> None:
        """Read at once which of these message ids were accepted before (one statement
        instead of one per envelope); the check inside each write is still made."""
        ids = [uuid.UUID(e.body["message_id"]) for e in envelopes]
        found: dict[str, tuple[str, str]] = {}
        for start in range(0, len(ids), 500):
            rows_found = IncomingMessage.objects.filter(
                message_id__in=ids[start : start + 500]
            ).values_list("message_id", "envelope_sha256", "receipt")
            for message_id, sha256, receipt in rows_found:
                found[str(message_id)] = (sha256, receipt)
        self._repeats = found

    def repeat(self, signed: envelope.Signed) -> Accepted | None:
        """A repeat of a message accepted before (before the write lock is taken)."""
        if self._repeats is None:
            return _duplicate(signed)
        row = self._repeats.get(str(uuid.UUID(signed.body["message_id"])))
        return None if row is None else _as_repeat(signed, *row)

    def repeat_while_writing(self, signed: envelope.Signed) -> Accepted | None:
        """Again, with the write lock held. After `look_for_repeats` only a message id
        written earlier in the same batch is read again: one accepted meanwhile by another
        process meets the unique message id, and its write is undone and answered as a
        repeat (`_write_group`, `_accept_verified`)."""
        message_id = signed.body["message_id"]
        if self._repeats is None or message_id in self._written:
            return _duplicate(signed)
        self._written.add(message_id)
        return None


def _check(
    raw: bytes | envelope.Signed, directory: Directory
) -> Accepted | tuple[envelope.Signed, Member, Member]:
    """Everything before writing: the shape, a repeat, the sender, its key and signature,
    the receiver. Returns the original receipt for a repeat; raises (and logs) a refusal.
    `raw` may come parsed already (`accept_many`)."""
    try:
        signed = raw if isinstance(raw, envelope.Signed) else envelope.parse_envelope(raw)
    except envelope.EnvelopeError as error:
        failure = ExchangeError(error.code, error.detail, field=error.field)
        wait = ratelimit.take(ratelimit.UNKNOWN)
        if wait:
            failure = ExchangeError("rate_limited", retry_after=wait)
        if not wait or ratelimit.should_log(ratelimit.UNKNOWN):
            _reject(raw, failure, _peek(raw))
        raise failure from None
    body = signed.body
    try:
        duplicate = directory.repeat(signed)
        if duplicate is not None:
            return duplicate
        sender = _authenticate(signed, directory)
        receiver = _local_receiver(body["receiver"], directory)
    except ExchangeError as failure:
        _log_refusal(signed, failure)
        raise
    return signed, sender, receiver


def _log_refusal(signed: envelope.Signed, failure: ExchangeError) -> None:
    if failure.code != "rate_limited" or ratelimit.should_log(signed.body["sender"]):
        _reject(signed.text.encode("utf-8"), failure, signed.body)


def _peek(raw: bytes) -> dict[str, Any]:
    """What a malformed message says about itself, for the log (never trusted)."""
    try:
        top = envelope.loads(raw)
        inner = top.get("envelope") if isinstance(top, dict) else None
        return inner if isinstance(inner, dict) else {}
    except envelope.EnvelopeError:
        return {}


def _reject(raw: bytes, failure: ExchangeError, body: dict[str, Any]) -> None:
    receiver = body.get("receiver")
    sender = body.get("sender")
    message_id = body.get("message_id")
    local = lookup.member(receiver)
    chain = local.code if local is not None and local.node.is_self else log.NODE_CHAIN
    try:
        with db.atomic():
            log.append_rejected(
                chain,
                raw,
                failure.code,
                message_id=message_id[:36] if isinstance(message_id, str) else "",
                counterpart=sender[:40] if isinstance(sender, str) else "",
                note=failure.message_en[:200],
            )
    except Exception:  # the refusal still goes back to the sender
        logger.exception("exchange: could not log a refused message (%s)", failure.code)


def _duplicate(signed: envelope.Signed) -> Accepted | None:
    row = (
        IncomingMessage.objects.filter(message_id=uuid.UUID(signed.body["message_id"]))
        .values_list("envelope_sha256", "receipt")
        .first()
    )
    return None if row is None else _as_repeat(signed, row[0], row[1])


def _as_repeat(signed: envelope.Signed, sha256: str, receipt: str) -> Accepted:
    if sha256 != signed.sha256:
        raise ExchangeError("message_id_conflict", signed.body["message_id"])
    return Accepted(signed.body["message_id"], "duplicate", receipt)


def _authenticate(signed: envelope.Signed, directory: Directory) -> Member:
    body = signed.body
    sender = directory.member(body["sender"])
    key = directory.public_key(signed.key_id)
    wait = ratelimit.take(body["sender"] if sender is not None else ratelimit.UNKNOWN)
    if wait:
        raise ExchangeError("rate_limited", retry_after=wait)
    if sender is None:
        raise ExchangeError("unknown_member", body["sender"])
    if not sender.is_active:
        raise ExchangeError("member_revoked", body["sender"])
    if key is None:
        raise ExchangeError("unknown_key", signed.key_id)
    if key.member_code != sender.code:
        raise ExchangeError("key_not_of_sender", signed.key_id)
    if key.revoked_at is not None:
        raise ExchangeError("key_revoked", signed.key_id)
    signed_at = envelope.parse_timestamp(body["created_at"], "envelope.created_at")
    now = timezone.now()
    if signed_at > now + timedelta(seconds=conf.get("WASL_EXCHANGE_MAX_SKEW_SECONDS")):
        raise ExchangeError("clock_skew", f"signed at {body['created_at']}")
    if signed_at < now - timedelta(seconds=conf.get("WASL_EXCHANGE_MAX_AGE_SECONDS")):
        raise ExchangeError("envelope_expired", f"signed at {body['created_at']}")
    if not key.valid_at(signed_at):
        raise ExchangeError("key_not_valid_at_signing", signed.key_id)
    if not signed.verifies_with(key.public_raw):
        raise ExchangeError("bad_signature")
    return sender


def _local_receiver(code: str, directory: Directory | None = None) -> Member:
    receiver = directory.member(code) if directory is not None else lookup.member(code)
    if receiver is None or not receiver.node.is_self:
        raise ExchangeError("unknown_receiver", code)
    if not receiver.is_active:
        raise ExchangeError("receiver_revoked", code)
    return receiver


def _accept_verified(
    signed: envelope.Signed, sender: Member, receiver: Member, directory: Directory
) -> Accepted:
    try:
        with db.atomic():
            accepted, records = _write_verified(signed, sender, receiver, directory)
            log.append_run(receiver.code, records)
            return accepted
    except IntegrityError:
        # The same message id accepted meanwhile by another process: answer as a repeat.
        duplicate = _duplicate(signed)
        if duplicate is None:
            raise
        return duplicate


def _write_verified(
    signed: envelope.Signed, sender: Member, receiver: Member, directory: Directory
) -> tuple[Accepted, list[log.Record]]:
    """Register the letter (or apply the status), keep the envelope and sign the receipt,
    inside the caller's database transaction; with the two records (envelope in, receipt
    out) that the caller appends to the receiver's log in the same transaction."""
    body = signed.body
    duplicate = directory.repeat_while_writing(signed)
    if duplicate is not None:
        return duplicate, []
    now = timezone.now()
    if body["type"] == Kind.LETTER:
        txn, about = _register_letter(body, sender, receiver, directory)
        outcome = {
            "outcome": "registered",
            "reference": txn.reference,
            "registered_on": txn.registered_on.isoformat(),
        }
    else:
        txn, about = None, _apply_status(body, sender, receiver)
        outcome = {"outcome": "applied", "reference": "", "registered_on": None}
    receipt = directory.signer(receiver).sign(
        "receipt",
        {
            "v": envelope.VERSION,
            "type": "receipt",
            "receipt_id": str(uuid.uuid4()),
            "message_id": body["message_id"],
            "envelope_sha256": signed.sha256,
            "sender": receiver.code,
            "receiver": sender.code,
            "at": envelope.timestamp(now),
            **outcome,
        },
    )
    letter = body.get("letter") or {}
    IncomingMessage.objects.create(
        message_id=uuid.UUID(body["message_id"]),
        kind=body["type"],
        sender=sender,
        receiver=receiver,
        envelope=signed.text,
        envelope_sha256=signed.sha256,
        receipt=receipt.text,
        transaction=txn,
        about=about,
        their_reference=letter.get("reference", ""),
        their_date=envelope.parse_date(letter["date"], "date") if letter else None,
        received_at=now,
        statuses_sent=0,
    )
    records = [
        log.Record(
            direction=direction,
            what=what,
            payload=text,
            message_id=body["message_id"],
            counterpart=sender.code,
            code=outcome["outcome"],
            at=now,
        )
        for direction, what, text in (
            (LogEntry.Direction.IN, LogEntry.What.ENVELOPE, signed.text),
            (LogEntry.Direction.OUT, LogEntry.What.RECEIPT, receipt.text),
        )
    ]
    return Accepted(body["message_id"], "accepted", receipt.text), records


# ---------------------------------------------------------------------------------------------
# Letters and statuses

_actors: dict[tuple[int, int | None, int | None], tuple[float, Actor]] = {}


def _system_actor(member: Member) -> Actor:
    """The system account's actor, kept a minute per process (its memberships change only
    when a member joins), under the member, its system account and its inbox unit: a member
    given another account or unit is never answered with the old one's."""
    key = (member.pk, member.system_user_id, member.inbox_unit_id)
    cached = _actors.get(key)
    if cached and time.monotonic() - cached[0] < 60:
        return cached[1]
    if member.inbox_unit_id is None or member.system_user_id is None:
        raise ExchangeError("no_inbox_unit", member.code)
    actor = members.system_actor(member)
    if not actor.works_in(member.inbox_unit_id):
        raise ExchangeError("no_inbox_unit", member.code)
    _actors[key] = (time.monotonic(), actor)
    return actor


def forget_system_actors() -> None:
    _actors.clear()


def _register_letter(
    body: dict[str, Any], sender: Member, receiver: Member, directory: Directory
) -> tuple[Any, OutgoingMessage | None]:
    letter = body["letter"]
    if body["receiver"] not in letter["to"] + letter["cc"]:
        raise ExchangeError("invalid_field", "the receiver is not among the letter's receivers")
    missing = [
        a["sha256"]
        for a in letter["attachments"]
        if not registry_files.blob_path(a["sha256"]).exists()
    ]
    if missing:
        raise ExchangeError("attachments_missing", extra={"missing": missing})
    actor = _system_actor(receiver)
    unit = directory.inbox_unit(receiver)
    if unit is None or not unit.is_active:
        raise ExchangeError("no_inbox_unit", receiver.code)
    today = timezone.localdate()
    reply_due = (
        envelope.parse_date(letter["reply_due"], "reply_due") if letter["reply_due"] else None
    )
    their_date = envelope.parse_date(letter["date"], "date")
    try:
        txn = registry.register_transaction(
            actor,
            unit=unit,
            direction="incoming",
            kind=letter["kind"],
            subject=letter["subject"],
            body=letter["body"],
            classification=letter["classification"],
            urgency=letter["urgency"],
            confidentiality=letter["restriction"]["level"],
            # A letter that waited in a queue may arrive after its reply date, or dated
            # "tomorrow" by a clock a little ahead: the envelope keeps the dates as sent.
            due_date=max(reply_due, today) if reply_due else None,
            correspondent_code=sender.code,
            external_reference=letter["reference"],
            external_date=min(their_date, today),
        )
        for item in letter["attachments"]:
            made = registry.add_attachment(
                actor,
                txn.public_id,
                chunks=blobs.chunks(item["sha256"]),
                filename=item["filename"],
                declared_type=item["content_type"],
            )
            if made.sha256 != item["sha256"]:
                raise ExchangeError("attachment_mismatch", item["filename"][:60])
    except ExchangeError:
        raise
    except Forbidden:
        # The system account lost its place in the inbox unit: the operator can fix it.
        raise ExchangeError("no_inbox_unit", receiver.code) from None
    except WaslError as refusal:
        raise ExchangeError("letter_refused", refusal.message_en[:200]) from None
    about = None
    if letter["answers"]:
        about = (
            OutgoingMessage.objects.select_related("transaction")
            .filter(
                message_id=letter["answers"]["message_id"],
                sender=receiver,
                receiver=sender,
                kind=Kind.LETTER,
            )
            .first()
        )
        if about is not None and access.can_see(actor, about.transaction):
            try:
                with db.atomic():
                    registry.link(actor, txn.public_id, about.transaction.public_id, kind="answers")
            except WaslError:
                pass  # linked already, or the original is closed to linking: kept in `about`
    return txn, about


def _apply_status(body: dict[str, Any], sender: Member, receiver: Member) -> OutgoingMessage:
    status = body["status"]
    row = (
        OutgoingMessage.objects.select_for_update()
        .filter(message_id=status["of_message"], kind=Kind.LETTER)
        .first()
    )
    if row is None or row.receiver_id != sender.pk or row.sender_id != receiver.pk:
        raise ExchangeError("unknown_message", status["of_message"])
    if status["seq"] <= row.their_status_seq:
        raise ExchangeError("stale_status", f"seq {status['seq']} after {row.their_status_seq}")
    if status["seq"] > row.their_status_seq + 1:
        raise ExchangeError(
            "out_of_order", f"seq {status['seq']} before {row.their_status_seq + 1}"
        )
    row.their_state = status["state"]
    row.their_state_at = envelope.parse_timestamp(status["at"], "at")
    row.their_status_seq = status["seq"]
    row.their_reference = row.their_reference or status["reference"]
    row.save(update_fields=["their_state", "their_state_at", "their_status_seq", "their_reference"])
    return row


# ---------------------------------------------------------------------------------------------
# Attachment files


def store_blob(
    *,
    sha256: str,
    sender_code: str,
    receiver_code: str,
    key_id: str,
    at: str,
    signature_b64: str,
    stream: BinaryIO,
    size: int,
) -> bool:
    """Store an attachment's file sent ahead of its letter. The upload is signed by the
    sender (the hash, size, both parties and the time); the file is kept only if its SHA-256
    is the one announced. True when it was new."""
    try:
        if not envelope.SHA256_RE.match(sha256):
            raise envelope.EnvelopeError("invalid_field", "sha256")
        envelope.parse_timestamp(at, "at")
        signature = envelope.b64decode(signature_b64, "signature", 64)
    except envelope.EnvelopeError as error:
        raise ExchangeError(error.code, error.detail) from None
    limit = int(settings.WASL_ATTACHMENT_MAX_BYTES)
    if size <= 0 or size > limit:
        raise ExchangeError("envelope_too_large", f"attachment of {size} bytes")
    key = keys.public_key(key_id)
    sender = lookup.member(sender_code)
    if sender is None:
        raise ExchangeError("unknown_member", sender_code)
    if not sender.is_active:
        raise ExchangeError("member_revoked", sender_code)
    if key is None or key.member_code != sender_code:
        raise ExchangeError("unknown_key", key_id)
    if key.revoked_at is not None:
        raise ExchangeError("key_revoked", key_id)
    signed_at = envelope.parse_timestamp(at, "at")
    skew = timedelta(seconds=conf.get("WASL_EXCHANGE_MAX_SKEW_SECONDS"))
    now = timezone.now()
    if not now - skew <= signed_at <= now + skew:
        raise ExchangeError("clock_skew", "attachment upload")
    statement = envelope.blob_statement(sha256, size, sender_code, receiver_code, at)
    try:
        from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

        Ed25519PublicKey.from_public_bytes(key.public_raw).verify(signature, statement)
    except Exception:
        raise ExchangeError("bad_signature") from None
    _local_receiver(receiver_code)
    final = registry_files.blob_path(sha256)
    if final.exists():
        return False
    tmp_dir = Path(settings.MEDIA_ROOT) / "tmp"
    tmp_dir.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(dir=tmp_dir)
    digest, got = hashlib.sha256(), 0
    try:
        with os.fdopen(fd, "wb") as out:
            while got < size:
                chunk = stream.read(min(256 * 1024, size - got))
                if not chunk:
                    break
                got += len(chunk)
                digest.update(chunk)
                out.write(chunk)
        if got != size or digest.hexdigest() != sha256:
            raise ExchangeError("attachment_mismatch", f"{got} bytes received")
        final.parent.mkdir(parents=True, exist_ok=True)
        os.replace(tmp_name, final)
        return True
    finally:
        if os.path.exists(tmp_name):
            os.unlink(tmp_name)
