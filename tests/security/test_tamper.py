"""The tamper catalogue: someone with write access to the database edits, deletes, inserts,
reorders or truncates official data with plain SQL; `wasl audit verify` and `wasl exchange
verify` (the functions the commands call) must name the table and the row, every time.

One world is built through the real services (registry steps of every kind, letters delivered
and answered between members of this node, a letter given up and one retried); each case
tampers inside a savepoint, runs both verifiers, and rolls back.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from django.db import connection, models, transaction
from django.utils import timezone

from wasl.audit import services as audit
from wasl.audit.models import AuditRecord, ChainHead, ChainRoster
from wasl.directory.models import Membership
from wasl.exchange import delivery, log, members
from wasl.exchange.models import IncomingMessage, LogEntry, LogHead, MemberKey, OutgoingMessage
from wasl.registry import services as registry
from wasl.registry.models import Attachment, Event, Link, Referral, Transaction

from ..conftest import Cast, make_referred, make_transaction
from ..exchange.conftest import Foreign, move, send
from .report import record

PDF = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@dataclass
class World:
    cast: Cast
    answered: Transaction  # referred, acknowledged, answered, closed
    cancelled: Transaction  # referred to two units, then cancelled
    linked: Transaction  # commented, linked to `answered`, with an attachment
    forwarded: Transaction  # referred, then forwarded to another unit
    theirs: Transaction  # the Amanah's incoming letter, closed (a status went back)
    delivered: OutgoingMessage  # EMK's letter to the Amanah, delivered, status received
    failed: OutgoingMessage  # EMK's letter to POL-MKK, given up
    retried: OutgoingMessage  # failed, then made due again
    pending: OutgoingMessage  # waiting for its first attempt
    inbox: IncomingMessage  # the Amanah's copy of `delivered`


def build(cast: Cast) -> World:
    members.init_node("NODE-T", "http://testserver")
    for entity in (cast.emk, cast.jed, cast.amanah):
        members.join(entity)
    Foreign("POL-MKK")
    clerk, rights = cast.clerk.actor, cast.rights_clerk.actor

    answered, ref = make_referred(cast)
    registry.acknowledge(rights, ref.public_id)
    registry.answer(rights, ref.public_id, text="تمت الإفادة بالمطلوب")
    registry.close(clerk, answered.public_id, reason="انتهى الموضوع")

    cancelled = make_transaction(cast)
    registry.refer(
        clerk, cancelled.public_id, to_units=[cast.rights, cast.security], instruction="للإفادة"
    )
    registry.cancel(cast.head.actor, cancelled.public_id, reason="سُجلت خطأً")

    linked = make_transaction(cast, subject="طلب تصريح بناء سور لأرض في حي السلامة")
    registry.comment(clerk, linked.public_id, text="المعروض مكتمل")
    registry.link(clerk, linked.public_id, answered.public_id)
    registry.add_attachment(clerk, linked.public_id, chunks=[PDF], filename="معروض.pdf")

    forwarded, ref = make_referred(cast)
    registry.forward(rights, ref.public_id, to_unit=cast.security, instruction="للاختصاص")

    sent = send(cast)
    move()
    theirs = Transaction.objects.get(entity__code="AMN-JED", direction="incoming")
    registry.close(cast.outsider.actor, theirs.public_id, reason="أزيلت التعديات")
    move()

    def to_police() -> OutgoingMessage:
        return OutgoingMessage.objects.select_related("sender", "receiver").get(
            transaction=send(cast, to=["POL-MKK"]).transaction
        )

    failed, retried, pending = to_police(), to_police(), to_police()
    delivery.settle(
        [
            delivery.Result(row, code="refused", message="refused for good", retryable=False)
            for row in (failed, retried)
        ]
    )
    delivery.retry_now([str(retried.message_id)])
    return World(
        cast,
        answered,
        cancelled,
        linked,
        forwarded,
        theirs,
        OutgoingMessage.objects.get(transaction=sent.transaction),
        failed,
        retried,
        pending,
        IncomingMessage.objects.get(transaction=theirs),
    )


# ---------------------------------------------------------------------------------------------
# Tampering, in plain SQL


def sql(statement: str, params: list[Any] | tuple[Any, ...] = ()) -> None:
    with connection.cursor() as cursor:
        cursor.execute(statement, params)


def table(model: type[models.Model]) -> str:
    return model._meta.db_table


def edit(model: type[models.Model], pk: int, **values: Any) -> None:
    fields = {f.name: f for f in model._meta.concrete_fields}
    sets = ", ".join(f"{fields[name].column} = %s" for name in values)
    params = [
        fields[name].get_db_prep_value(value, connection, prepared=False)
        for name, value in values.items()
    ]
    sql(f"UPDATE {table(model)} SET {sets} WHERE id = %s", [*params, pk])


def delete(model: type[models.Model], **where: Any) -> None:
    fields = {f.name: f for f in model._meta.concrete_fields}
    if not where:
        sql(f"DELETE FROM {table(model)}")
        return
    conds = " AND ".join(f"{fields[name].column} = %s" for name in where)
    params = [
        fields[name].get_db_prep_value(value, connection, prepared=False)
        for name, value in where.items()
    ]
    sql(f"DELETE FROM {table(model)} WHERE {conds}", params)


def copy(model: type[models.Model], pk: int, **values: Any) -> int:
    """Insert a copy of row `pk` with `values` changed; returns the new row's id."""
    new_pk = int(model._default_manager.order_by("-pk").values_list("pk", flat=True)[0]) + 1000
    columns, selects, params = [], [], []
    for f in model._meta.concrete_fields:
        columns.append(f.column)
        if f.primary_key:
            selects.append("%s")
            params.append(new_pk)
        elif f.name in values:
            selects.append("%s")
            params.append(f.get_db_prep_value(values[f.name], connection, prepared=False))
        else:
            selects.append(f.column)
    sql(
        f"INSERT INTO {table(model)} ({', '.join(columns)}) "
        f"SELECT {', '.join(selects)} FROM {table(model)} WHERE id = %s",
        [*params, pk],
    )
    return new_pk


def swap(model: type[models.Model], a: int, b: int, field_name: str) -> None:
    va = model._default_manager.filter(pk=a).values_list(field_name, flat=True)[0]
    vb = model._default_manager.filter(pk=b).values_list(field_name, flat=True)[0]
    edit(model, a, **{field_name: vb})
    edit(model, b, **{field_name: va})


def row(model: type[models.Model], pk: int | None) -> str:
    return f"{table(model)} row {pk}"


def events(txn: Transaction) -> list[Event]:
    return list(Event.objects.filter(transaction=txn).order_by("pk"))


def records(chain: str = "EMK") -> list[AuditRecord]:
    return list(AuditRecord.objects.filter(chain=chain).order_by("seq"))


def entries(chain: str = "EMK") -> list[LogEntry]:
    return list(LogEntry.objects.filter(chain=chain).order_by("seq"))


def outbox(w: World, message: OutgoingMessage) -> str:
    return f"{table(OutgoingMessage)} #{message.pk}: {message.message_id}"


# Each case tampers and returns a text that a reported problem must contain (the table and
# row, or the chain and record).
Tamper = Callable[[World], str]


def _txn_edit_subject(w: World) -> str:
    edit(Transaction, w.answered.pk, subject="موضوع آخر")
    return row(Transaction, w.answered.pk)


def _txn_edit_state(w: World) -> str:
    edit(Transaction, w.answered.pk, state="registered", closed_at=None)
    return row(Transaction, w.answered.pk)


def _txn_downgrade_confidentiality(w: World) -> str:
    edit(Transaction, w.linked.pk, confidentiality="confidential")
    return row(Transaction, w.linked.pk)


def _txn_move_unit(w: World) -> str:
    edit(Transaction, w.linked.pk, unit=w.cast.security.pk)
    return row(Transaction, w.linked.pk)


def _txn_delete(w: World) -> str:
    txn = w.forwarded
    delete(Event, transaction=txn.pk)
    delete(Referral, transaction=txn.pk)
    delete(Transaction, id=txn.pk)
    return row(Transaction, txn.pk)


def _txn_insert(w: World) -> str:
    pk = copy(
        Transaction,
        w.answered.pk,
        public_id=uuid.uuid4(),
        reference="EMK-1448-999999",
        sequence=999999,
        subject="معاملة مدسوسة",
    )
    return row(Transaction, pk)


def _txn_swap_subjects(w: World) -> str:
    swap(Transaction, w.answered.pk, w.linked.pk, "subject")
    return row(Transaction, w.answered.pk)


def _txn_swap_references(w: World) -> str:
    a, b = w.answered, w.cancelled
    edit(Transaction, a.pk, reference="EMK-TEMP", sequence=888888)
    edit(Transaction, b.pk, reference=a.reference, sequence=a.sequence)
    edit(Transaction, a.pk, reference=b.reference, sequence=b.sequence)
    return row(Transaction, a.pk)


def _txn_truncate(w: World) -> str:
    for model in (Link, Attachment, Event, Referral):
        delete(model)
    delete(IncomingMessage)
    delete(OutgoingMessage)
    delete(Transaction)
    return row(Transaction, w.answered.pk)


def _event_edit_note(w: World) -> str:
    ev = Event.objects.get(transaction=w.linked, action="commented")
    edit(Event, ev.pk, note="تعليق آخر")
    return row(Event, ev.pk)


def _event_edit_data(w: World) -> str:
    ev = Event.objects.get(transaction=w.linked, action="linked")
    edit(Event, ev.pk, data={"target": "EMK-1448-000099", "kind": "related"})
    return row(Event, ev.pk)


def _event_edit_actor(w: World) -> str:
    ev = Event.objects.get(transaction=w.answered, action="answered")
    edit(Event, ev.pk, actor=w.cast.head.user.pk)
    return row(Event, ev.pk)


def _event_reorder(w: World) -> str:
    first, second = events(w.answered)[:2]
    swap(Event, first.pk, second.pk, "created_at")
    return row(Event, first.pk)


def _event_delete(w: World) -> str:
    ev = Event.objects.get(transaction=w.answered, action="closed")
    delete(Event, id=ev.pk)
    return row(Event, ev.pk)


def _event_insert(w: World) -> str:
    ev = Event.objects.get(transaction=w.linked, action="commented")
    pk = copy(Event, ev.pk, note="تعليق مدسوس")
    return row(Event, pk)


def _event_truncate(w: World) -> str:
    first = events(w.answered)[0]
    delete(Event)
    return row(Event, first.pk)


def _referral_edit_state(w: World) -> str:
    ref = Referral.objects.get(transaction=w.answered)
    edit(Referral, ref.pk, state="pending", finished_at=None)
    return row(Referral, ref.pk)


def _referral_edit_unit(w: World) -> str:
    ref = Referral.objects.get(transaction=w.answered)
    edit(Referral, ref.pk, to_unit=w.cast.security.pk)
    return row(Referral, ref.pk)


def _referral_edit_answer(w: World) -> str:
    ref = Referral.objects.get(transaction=w.answered)
    edit(Referral, ref.pk, answer="إفادة أخرى")
    return row(Referral, ref.pk)


def _referral_edit_due(w: World) -> str:
    ref = Referral.objects.filter(transaction=w.forwarded).order_by("pk").last()
    edit(Referral, ref.pk, due_date=ref.due_date.replace(year=ref.due_date.year + 1))
    return row(Referral, ref.pk)


def _referral_edit_cancelled(w: World) -> str:
    ref = Referral.objects.filter(transaction=w.cancelled).first()
    edit(Referral, ref.pk, finished_at=timezone.now())
    return row(Referral, ref.pk)


def _referral_uncancel(w: World) -> str:
    ref = Referral.objects.filter(transaction=w.cancelled).first()
    edit(Referral, ref.pk, state="pending", finished_at=None)
    return row(Referral, ref.pk)


def _referral_delete(w: World) -> str:
    ref = Referral.objects.filter(transaction=w.forwarded).order_by("pk").first()
    delete(Referral, id=ref.pk)
    return row(Referral, ref.pk)


def _referral_insert(w: World) -> str:
    ref = Referral.objects.get(transaction=w.answered)
    pk = copy(Referral, ref.pk, public_id=uuid.uuid4(), to_unit=w.cast.security.pk)
    return row(Referral, pk)


def _attachment_edit_sha(w: World) -> str:
    att = Attachment.objects.get(transaction=w.linked)
    edit(Attachment, att.pk, sha256="0" * 64)
    return row(Attachment, att.pk)


def _attachment_edit_name(w: World) -> str:
    att = Attachment.objects.get(transaction=w.linked)
    edit(Attachment, att.pk, filename="other.pdf")
    return row(Attachment, att.pk)


def _attachment_delete(w: World) -> str:
    att = Attachment.objects.get(transaction=w.linked)
    delete(Attachment, id=att.pk)
    return row(Attachment, att.pk)


def _attachment_insert(w: World) -> str:
    att = Attachment.objects.get(transaction=w.linked)
    pk = copy(Attachment, att.pk, public_id=uuid.uuid4(), transaction=w.answered.pk)
    return row(Attachment, pk)


def _link_edit_kind(w: World) -> str:
    made = Link.objects.get(source=w.linked)
    edit(Link, made.pk, kind="answers")
    return row(Link, made.pk)


def _link_delete(w: World) -> str:
    made = Link.objects.get(source=w.linked)
    delete(Link, id=made.pk)
    return row(Link, made.pk)


def _link_insert(w: World) -> str:
    made = Link.objects.get(source=w.linked)
    pk = copy(Link, made.pk, target=w.cancelled.pk)
    return row(Link, pk)


def _audit_edit_data(w: World) -> str:
    rec = records()[2]
    edit(AuditRecord, rec.pk, data={**rec.data, "note": "غير ذلك"})
    return f"EMK seq {rec.seq}"


def _audit_edit_actor(w: World) -> str:
    rec = records()[1]
    edit(AuditRecord, rec.pk, actor="someone-else")
    return f"EMK seq {rec.seq}"


def _audit_delete_middle(w: World) -> str:
    rec = records()[3]
    delete(AuditRecord, id=rec.pk)
    return f"EMK seq {rec.seq}"


def _audit_truncate_tail(w: World) -> str:
    tail = records()[-3:]
    for rec in tail:
        delete(AuditRecord, id=rec.pk)
    return f"EMK seq {tail[0].seq}"


def _audit_cut_tail_and_move_head(w: World) -> str:
    chain = records()
    keep = chain[-4]
    for rec in chain[-3:]:
        delete(AuditRecord, id=rec.pk)
    head = ChainHead.objects.get(chain="EMK")
    edit(ChainHead, head.pk, last_seq=keep.seq, last_hash=keep.hash)
    return "EMK seq"


def _audit_append_forged(w: World) -> str:
    last = records()[-1]
    at = timezone.now()
    values = {
        "chain": "EMK",
        "seq": last.seq + 1,
        "created_at": at,
        "actor_id": None,
        "actor": "forger",
        "action": "registry.transaction.closed",
        "object_type": "transaction",
        "object_id": str(w.linked.public_id),
        "data": {"state": ["registered", "closed"]},
    }
    digest = audit.record_hash(prev_hash=last.hash, **values)
    pk = copy(AuditRecord, last.pk, **values, prev_hash=last.hash, hash=digest)
    head = ChainHead.objects.get(chain="EMK")
    edit(ChainHead, head.pk, last_seq=last.seq + 1, last_hash=digest)
    assert pk
    return "EMK seq"


def _audit_reorder(w: World) -> str:
    a, b = records()[1:3]
    edit(AuditRecord, a.pk, seq=-1)
    edit(AuditRecord, b.pk, seq=a.seq)
    edit(AuditRecord, a.pk, seq=b.seq)
    return f"EMK seq {a.seq}"


def _audit_empty(w: World) -> str:
    delete(AuditRecord)
    delete(ChainHead)
    return row(Transaction, w.answered.pk)


def _audit_delete_chain(w: World) -> str:
    delete(AuditRecord, chain="EMK")
    delete(ChainHead, chain="EMK")
    return row(Transaction, w.answered.pk)


def _audit_delete_chain_of_an_entity_without_transactions(w: World) -> str:
    delete(AuditRecord, chain="GOV-JED")
    delete(ChainHead, chain="GOV-JED")
    return f"directory_entity row {w.cast.jed.pk}"


def _audit_roll_back_to_an_old_sealed_head(w: World, old: dict[str, Any]) -> str:
    # The head as it stood (seal and all) before the last steps, kept by someone who read the
    # database then; the records after it deleted.
    sql("DELETE FROM audit_auditrecord WHERE chain = %s AND seq > %s", ["EMK", old["last_seq"]])
    head = ChainHead.objects.get(chain="EMK")
    edit(ChainHead, head.pk, **old)
    return "row"


def _audit_delete_the_system_chain(w: World) -> str:
    # Records no official row that a cross-check would miss: only the sealed roster shows it.
    assert records("system")
    delete(AuditRecord, chain="system")
    delete(ChainHead, chain="system")
    return "system seq 0 (chain head): the chain is in the sealed list"


def _roster_drop_a_chain(w: World) -> str:
    roster = ChainRoster.objects.get(log=table(ChainHead))
    names = "\n".join(n for n in roster.chains.split("\n") if n != "system")
    edit(ChainRoster, roster.pk, chains=names)
    delete(AuditRecord, chain="system")
    delete(ChainHead, chain="system")
    return "(chains) seq 0"


def _roster_delete(w: World) -> str:
    delete(ChainRoster)
    return "(chains) seq 0"


def _head_edit_seq(w: World) -> str:
    head = ChainHead.objects.get(chain="EMK")
    edit(ChainHead, head.pk, last_seq=head.last_seq + 5)
    return "EMK seq"


def _head_edit_seal(w: World) -> str:
    head = ChainHead.objects.get(chain="EMK")
    edit(ChainHead, head.pk, seal="0" * 64)
    return "EMK seq"


def _head_delete(w: World) -> str:
    delete(ChainHead, chain="EMK")
    return "EMK seq"


def _outbox_delete(w: World) -> str:
    delete(OutgoingMessage, id=w.pending.pk)
    return f"{table(OutgoingMessage)} #0: {w.pending.message_id}"


def _outbox_delete_delivered(w: World) -> str:
    delete(IncomingMessage, about=w.delivered.pk)
    delete(OutgoingMessage, id=w.delivered.pk)
    return f"{table(OutgoingMessage)} #0: {w.delivered.message_id}"


def _outbox_undeliver(w: World) -> str:
    edit(OutgoingMessage, w.delivered.pk, state="pending")
    return outbox(w, w.delivered)


def _outbox_fake_delivery(w: World) -> str:
    edit(OutgoingMessage, w.pending.pk, state="delivered", delivered_at=timezone.now())
    return outbox(w, w.pending)


def _outbox_fail_silently(w: World) -> str:
    edit(OutgoingMessage, w.pending.pk, state="failed")
    return outbox(w, w.pending)


def _outbox_unfail(w: World) -> str:
    edit(OutgoingMessage, w.failed.pk, state="pending")
    return outbox(w, w.failed)


def _outbox_edit_their_reference(w: World) -> str:
    edit(OutgoingMessage, w.delivered.pk, their_reference="AMN-JED-1448-000999")
    return outbox(w, w.delivered)


def _outbox_edit_their_state(w: World) -> str:
    edit(OutgoingMessage, w.delivered.pk, their_state="answered")
    return outbox(w, w.delivered)


def _outbox_edit_envelope(w: World) -> str:
    text = w.pending.envelope.replace("AMN-JED", "AMN-JEX", 1).replace("POL-MKK", "POL-MKX", 1)
    edit(OutgoingMessage, w.pending.pk, envelope=text)
    return outbox(w, w.pending)


def _outbox_edit_receipt(w: World) -> str:
    edit(OutgoingMessage, w.delivered.pk, receipt=w.delivered.receipt.replace("registered", "x"))
    return outbox(w, w.delivered)


def _outbox_edit_receiver(w: World) -> str:
    edit(OutgoingMessage, w.pending.pk, receiver=w.delivered.receiver_id)
    return outbox(w, w.pending)


def _outbox_insert(w: World) -> str:
    pk = copy(OutgoingMessage, w.pending.pk, message_id=uuid.uuid4())
    return f"{table(OutgoingMessage)} #{pk}"


def _outbox_truncate(w: World) -> str:
    delete(IncomingMessage)
    delete(OutgoingMessage)
    return f"{table(OutgoingMessage)} #0: {w.pending.message_id}"


def _inbox_delete(w: World) -> str:
    delete(IncomingMessage, id=w.inbox.pk)
    return f"{table(IncomingMessage)} #0: {w.inbox.message_id}"


def _inbox_edit_their_reference(w: World) -> str:
    edit(IncomingMessage, w.inbox.pk, their_reference="EMK-1448-000777")
    return f"{table(IncomingMessage)} #{w.inbox.pk}"


def _inbox_edit_transaction(w: World) -> str:
    other = make_transaction(w.cast, by=w.cast.outsider, unit=w.cast.amanah_registry)
    edit(IncomingMessage, w.inbox.pk, transaction=other.pk)
    return f"{table(IncomingMessage)} #{w.inbox.pk}"


def _inbox_edit_statuses_sent(w: World) -> str:
    edit(IncomingMessage, w.inbox.pk, statuses_sent=0)
    return f"{table(IncomingMessage)} #{w.inbox.pk}"


def _inbox_insert(w: World) -> str:
    pk = copy(IncomingMessage, w.inbox.pk, message_id=uuid.uuid4(), transaction=None)
    return f"{table(IncomingMessage)} #{pk}"


def _log_edit_payload(w: World) -> str:
    entry = entries()[0]
    edit(LogEntry, entry.pk, payload=entry.payload.replace("EMK", "EMX", 1))
    return f"EMK #{entry.seq}"


def _log_edit_code(w: World) -> str:
    entry = entries()[1]
    edit(LogEntry, entry.pk, code="forged")
    return f"EMK #{entry.seq}"


def _log_delete_middle(w: World) -> str:
    entry = entries()[1]
    delete(LogEntry, id=entry.pk)
    return f"EMK #{entry.seq}"


def _log_truncate_tail(w: World) -> str:
    last = entries()[-1]
    delete(LogEntry, id=last.pk)
    return f"EMK #{last.seq}"


def _log_reorder(w: World) -> str:
    a, b = entries()[:2]
    edit(LogEntry, a.pk, seq=-1)
    edit(LogEntry, b.pk, seq=a.seq)
    edit(LogEntry, a.pk, seq=b.seq)
    return f"EMK #{a.seq}"


def _log_delete_chain(w: World) -> str:
    delete(LogEntry, chain="EMK")
    delete(LogHead, chain="EMK")
    return outbox(w, w.pending)


def _log_empty(w: World) -> str:
    delete(LogEntry)
    delete(LogHead)
    return outbox(w, w.delivered)


def _log_head_edit(w: World) -> str:
    head = LogHead.objects.get(chain="EMK")
    entry = entries()[-2]
    delete(LogEntry, id=entries()[-1].pk)
    edit(LogHead, head.pk, last_seq=entry.seq, last_hash=entry.hash)
    return "EMK #"


def _log_head_delete(w: World) -> str:
    delete(LogHead, chain="AMN-JED")
    return "AMN-JED #"


def _key_replace_public_key(w: World) -> str:
    key = MemberKey.objects.get(member__code="EMK")
    other = MemberKey.objects.get(member__code="AMN-JED")
    edit(MemberKey, key.pk, public_key=other.public_key)
    return "EMK #"


def _key_delete(w: World) -> str:
    delete(MemberKey, member=MemberKey.objects.get(member__code="AMN-JED").member_id)
    return "AMN-JED #"


def _key_insert(w: World) -> str:
    # A key of the forger's, slipped in for a member of another node: envelopes it signs
    # would be accepted as that member's.
    key = MemberKey.objects.get(member__code="POL-MKK")
    pk = copy(MemberKey, key.pk, key_id="f" * 32, public_key="A" * 43 + "=")
    return row(MemberKey, pk)


def _key_insert_for_a_local_member(w: World) -> str:
    key = MemberKey.objects.get(member__code="EMK")
    pk = copy(MemberKey, key.pk, key_id="e" * 32, public_key="B" * 43 + "=")
    return row(MemberKey, pk)


def _key_backdate(w: World) -> str:
    key = MemberKey.objects.get(member__code="POL-MKK")
    edit(MemberKey, key.pk, valid_from=key.valid_from.replace(year=key.valid_from.year - 5))
    return row(MemberKey, key.pk)


def _membership_raise_role(w: World) -> str:
    made = Membership.objects.get(user=w.cast.clerk.user, unit=w.cast.registry)
    edit(Membership, made.pk, role="entity_admin")
    return row(Membership, made.pk)


def _membership_move_to_another_person(w: World) -> str:
    made = Membership.objects.get(user=w.cast.admin.user, unit=w.cast.registry)
    edit(Membership, made.pk, user=w.cast.outsider.user.pk)
    return row(Membership, made.pk)


def _membership_move_to_another_entity(w: World) -> str:
    made = Membership.objects.get(user=w.cast.clerk.user, unit=w.cast.registry)
    edit(Membership, made.pk, unit=w.cast.amanah_registry.pk)
    return row(Membership, made.pk)


def _membership_insert(w: World) -> str:
    made = Membership.objects.get(user=w.cast.admin.user, unit=w.cast.registry)
    pk = copy(Membership, made.pk, user=w.cast.outsider.user.pk)
    return row(Membership, pk)


TABLES = (
    "txn",
    "event",
    "referral",
    "attachment",
    "link",
    "audit",
    "head",
    "outbox",
    "inbox",
    "log",
    "key",
    "membership",
    "roster",
)
CASES: dict[str, Tamper] = {
    name.removeprefix("_"): case
    for name, case in sorted(globals().items())
    if name.startswith(tuple(f"_{t}_" for t in TABLES))
    and name != "_audit_roll_back_to_an_old_sealed_head"
}


def verify() -> list[str]:
    """What both verifiers report, as the commands print it."""
    _, problems = audit.verify_all()
    report = log.verify_all()
    return [str(p) for p in problems] + [str(p) for p in report.problems or []]


class Rollback(Exception):
    pass


def attempt(world: World, case: Callable[[World], str]) -> tuple[str, list[str]]:
    try:
        with transaction.atomic():
            expected = case(world)
            found = verify()
            raise Rollback
    except Rollback:
        pass
    return expected, found


@pytest.fixture
def world(cast: Cast) -> World:
    return build(cast)


def test_untampered_data_verifies(world):
    assert verify() == []
    assert OutgoingMessage.objects.filter(state="delivered").count() == 2  # letter, status
    assert {world.failed.pk, world.retried.pk, world.pending.pk} <= set(
        OutgoingMessage.objects.values_list("pk", flat=True)
    )
    states = dict(OutgoingMessage.objects.values_list("pk", "state"))
    assert (states[world.failed.pk], states[world.retried.pk]) == ("failed", "pending")


def test_every_tampering_is_detected_and_named(world):
    assert len(CASES) >= 40
    undetected = {}
    for name, case in CASES.items():
        expected, found = attempt(world, case)
        if not any(expected in problem for problem in found):
            undetected[name] = (expected, found[:3])
    # A case after another: the savepoint rolled each back.
    assert verify() == []
    # Rolling back to a head sealed earlier (its records after it deleted): the chain holds,
    # the rows those records wrote are left without them.
    old = ChainHead.objects.filter(chain="EMK").values("last_seq", "last_hash", "seal")[0]
    registry.comment(world.cast.clerk.actor, world.linked.public_id, text="تعليق أخير")
    expected, found = attempt(world, lambda w: _audit_roll_back_to_an_old_sealed_head(w, old))
    rolled_back = any(row(Event, pk) in " ".join(found) for pk in [events(world.linked)[-1].pk])
    if not rolled_back:
        undetected["audit_roll_back_to_an_old_sealed_head"] = (expected, found[:3])
    attempts = len(CASES) + 1
    record("tamper catalogue", attempts=attempts, undetected=len(undetected))
    assert undetected == {}
