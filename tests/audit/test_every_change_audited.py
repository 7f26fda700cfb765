"""Every state change is audited with its data (issue 15, item 8).

The walk enumerates every public function of the modules that change official state. Each
must either be run here — and leave an audit record with non-empty data, in the chain and
under the action expected — or be named among the functions that change no official state
(with the reason). A new function in these modules that is in neither list fails the walk.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from datetime import date
from types import ModuleType
from typing import Any

import pytest
from django.utils import timezone

from wasl.audit.models import AuditRecord
from wasl.directory import administration, tokens
from wasl.directory import services as directory
from wasl.exchange import delivery, envelope, members
from wasl.exchange import services as exchange
from wasl.exchange.models import OutgoingMessage
from wasl.registry import holidays
from wasl.registry import services as registry

from ..conftest import Cast, make_referred, make_transaction
from ..exchange.conftest import Foreign, send

MODULES: tuple[ModuleType, ...] = (
    registry,
    exchange,
    delivery,
    members,
    directory,
    tokens,
    administration,
    holidays,
)

PDF = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"

# Functions of those modules that change no official state, and why.
NO_STATE_CHANGE = {
    "wasl.exchange.services.sender_member": "reads the sender's membership",
    "wasl.exchange.services.on_registry_event": "runs inside a registry step (audited there)",
    "wasl.exchange.services.queue_status": "part of the registry step that caused it: that "
    "step's audit record and the status envelope in the message log record it",
    "wasl.exchange.delivery.claim": "takes a lease (next attempt, attempts), no state",
    "wasl.exchange.delivery.deliver_due": "claims, then `settle` records the outcomes",
    "wasl.exchange.delivery.deliver": "delivers, then `settle` records the outcomes",
    "wasl.exchange.delivery.finish": "uploads what is missing, then `settle` records",
    "wasl.exchange.delivery.backoff": "computes a delay",
    "wasl.exchange.delivery.next_due_in": "reads the outbox",
    "wasl.exchange.delivery.wait_until_idle": "waits for the worker",
    "wasl.exchange.delivery.default_transport": "makes an HTTP transport",
    "wasl.exchange.members.check_url": "checks a URL",
    "wasl.exchange.members.self_node": "reads",
    "wasl.exchange.members.system_user": "ensure_person (audited there)",
    "wasl.exchange.members.system_actor": "reads",
    "wasl.exchange.members.local_member": "reads",
    "wasl.exchange.members.export_descriptor": "reads",
    "wasl.directory.tokens.user_for_token": "reads",
    "wasl.registry.services.check_may_attach": "checks the rights to attach",
    "wasl.registry.services.clean_email": "checks and normalises an address",
    "wasl.exchange.members.keys_of": "reads",
    "wasl.directory.administration.administered_entity": "reads",
    "wasl.directory.administration.administered_entities": "reads",
    "wasl.directory.administration.people": "reads",
    "wasl.directory.administration.person_of": "reads",
    "wasl.directory.administration.units": "reads",
    "wasl.directory.administration.heads_of": "reads",
    "wasl.directory.administration.unit_of": "reads",
    "wasl.directory.administration.entity_people_choices": "reads",
    "wasl.registry.holidays.may_keep_holidays": "checks the rights to keep holidays",
    "wasl.registry.holidays.listed": "reads",
}


def _register(cast: Cast) -> Callable[[], Any]:
    return lambda: make_transaction(cast)


def _refer(cast: Cast) -> Callable[[], Any]:
    txn = make_transaction(cast)
    return lambda: registry.refer(
        cast.clerk.actor, txn.public_id, to_units=[cast.rights], instruction="للإفادة"
    )


def _on_referral(step: Callable[[Cast, Any], Any]) -> Callable[[Cast], Callable[[], Any]]:
    def scenario(cast: Cast) -> Callable[[], Any]:
        _, ref = make_referred(cast)
        return lambda: step(cast, ref)

    return scenario


def _after_answer(step: Callable[[Cast, Any], Any]) -> Callable[[Cast], Callable[[], Any]]:
    def scenario(cast: Cast) -> Callable[[], Any]:
        txn, ref = make_referred(cast)
        registry.answer(cast.rights_clerk.actor, ref.public_id, text="تمت الإفادة")
        return lambda: step(cast, txn)

    return scenario


def _reopen(cast: Cast) -> Callable[[], Any]:
    txn = make_transaction(cast)
    registry.close(cast.clerk.actor, txn.public_id, reason="انتهى")
    return lambda: registry.reopen(cast.head.actor, txn.public_id, reason="للمتابعة")


def _on_transaction(step: Callable[[Cast, Any], Any]) -> Callable[[Cast], Callable[[], Any]]:
    def scenario(cast: Cast) -> Callable[[], Any]:
        txn = make_transaction(cast)
        return lambda: step(cast, txn)

    return scenario


def _link(cast: Cast) -> Callable[[], Any]:
    a, b = make_transaction(cast), make_transaction(cast)
    return lambda: registry.link(cast.clerk.actor, a.public_id, b.public_id)


def _net(cast: Cast) -> None:
    members.init_node("NODE-T", "http://testserver")
    for entity in (cast.emk, cast.amanah):
        members.join(entity)


def _send(cast: Cast) -> Callable[[], Any]:
    _net(cast)
    return lambda: send(cast)


def _to_police(cast: Cast) -> OutgoingMessage:
    _net(cast)
    Foreign("POL-MKK")
    return OutgoingMessage.objects.select_related("sender", "receiver").get(
        transaction=send(cast, to=["POL-MKK"]).transaction
    )


def _settle(cast: Cast) -> Callable[[], Any]:
    row = _to_police(cast)
    return lambda: delivery.settle(
        [delivery.Result(row, code="refused", message="refused", retryable=False)]
    )


def _retry_now(cast: Cast) -> Callable[[], Any]:
    row = _to_police(cast)
    delivery.settle([delivery.Result(row, code="refused", message="refused", retryable=False)])
    return lambda: delivery.retry_now([str(row.message_id)])


def _retry_delivery(cast: Cast) -> Callable[[], Any]:
    row = _to_police(cast)
    delivery.settle([delivery.Result(row, code="refused", message="refused", retryable=False)])
    return lambda: exchange.retry_delivery(cast.clerk.actor, str(row.message_id))


def _withdraw_delivery(cast: Cast) -> Callable[[], Any]:
    row = _to_police(cast)
    return lambda: exchange.withdraw_delivery(cast.clerk.actor, str(row.message_id))


def _init_node(cast: Cast) -> Callable[[], Any]:
    return lambda: members.init_node("NODE-T", "http://testserver")


def _join(cast: Cast) -> Callable[[], Any]:
    members.init_node("NODE-T", "http://testserver")
    return lambda: members.join(cast.emk)


def _rotate_key(cast: Cast) -> Callable[[], Any]:
    _net(cast)
    return lambda: members.rotate_key("EMK")


def _rotate_key_for(cast: Cast) -> Callable[[], Any]:
    _net(cast)
    return lambda: members.rotate_key_for(cast.admin.actor, cast.emk)


def _admin(call: Callable[..., Any], *args: Any, **kwargs: Any) -> Callable[[Cast], Any]:
    """A scenario of the entity administration: the Emirate's administrator acts on it."""

    def scenario(cast: Cast) -> Callable[[], Any]:
        resolved = [a(cast) if callable(a) else a for a in args]
        named = {k: v(cast) if callable(v) else v for k, v in kwargs.items()}
        return lambda: call(cast.admin.actor, cast.emk, *resolved, **named)

    return scenario


def _holiday_to_remove(cast: Cast) -> Callable[[], Any]:
    holidays.add_holiday(
        cast.admin.actor, cast.emk, day=date(2027, 2, 22), name_ar="يوم التأسيس", name_en=""
    )
    return lambda: holidays.remove_holiday(cast.admin.actor, cast.emk, date(2027, 2, 22))


def _reactivate(cast: Cast) -> Callable[[], Any]:
    administration.deactivate_person(cast.admin.actor, cast.emk, "clerk")
    return lambda: administration.reactivate_person(cast.admin.actor, cast.emk, "clerk")


def _revoke_key(cast: Cast) -> Callable[[], Any]:
    _net(cast)
    old = members.local_member("EMK").keys.get()
    members.rotate_key("EMK")
    return lambda: members.revoke_key("EMK", old.key_id, "مفتاح مسرب")


def _revoke_member(cast: Cast) -> Callable[[], Any]:
    _net(cast)
    return lambda: members.revoke_member("AMN-JED", "انتهت العضوية")


def _import_descriptor(cast: Cast) -> Callable[[], Any]:
    _net(cast)
    other = Foreign("POL-MKK", node_code="NODE-P")
    key = {
        "key_id": other.key_id,
        "algorithm": "Ed25519",
        "public_key": other.key.public_key,
        "valid_from": envelope.timestamp(other.key.valid_from),
        "valid_until": None,
        "revoked_at": envelope.timestamp(other.key.valid_from),
    }
    member = {
        "entity": "POL-MKK",
        "kind": "police",
        "name_ar": "شرطة منطقة مكة المكرمة",
        "name_en": "Makkah Police",
        "active": True,
        "revoked_at": None,
        "keys": [key],
    }
    descriptor = {
        "format": "wasl-members-v1",
        "node": {"code": "NODE-P", "url": "https://wasl.police.example"},
        "members": [member],
    }
    return lambda: members.import_descriptor(descriptor)


def _ensure_entity(cast: Cast) -> Callable[[], Any]:
    return lambda: directory.ensure_entity(
        code="MUN-TAIF", kind="municipality", name_ar="بلدية الطائف", name_en="Taif"
    )


def _ensure_unit(cast: Cast) -> Callable[[], Any]:
    return lambda: directory.ensure_unit(
        entity=cast.emk, code="LEGAL", name_ar="الشؤون القانونية", name_en="Legal"
    )


def _ensure_person(cast: Cast) -> Callable[[], Any]:
    return lambda: directory.ensure_person(username="new_clerk", first_name="منى", last_name="")


def _grant(cast: Cast) -> Callable[[], Any]:
    return lambda: directory.grant(cast.clerk.user, cast.rights, "clerk")


def _create_token(cast: Cast) -> Callable[[], Any]:
    return lambda: tokens.create_token("clerk", label="جهاز")


def _revoke_tokens(cast: Cast) -> Callable[[], Any]:
    return lambda: tokens.revoke_tokens("clerk")


# function -> (scenario: sets up and returns the call to watch, the action it must record)
CHANGES: dict[str, tuple[Callable[[Cast], Callable[[], Any]], str]] = {
    "wasl.registry.services.register_transaction": (_register, "registry.transaction.registered"),
    "wasl.registry.services.refer": (_refer, "registry.transaction.referred"),
    "wasl.registry.services.acknowledge": (
        _on_referral(lambda c, r: registry.acknowledge(c.rights_clerk.actor, r.public_id)),
        "registry.transaction.acknowledged",
    ),
    "wasl.registry.services.answer": (
        _on_referral(lambda c, r: registry.answer(c.rights_clerk.actor, r.public_id, text="تم")),
        "registry.transaction.answered",
    ),
    "wasl.registry.services.return_referral": (
        _on_referral(
            lambda c, r: registry.return_referral(c.rights_clerk.actor, r.public_id, reason="لا")
        ),
        "registry.transaction.returned",
    ),
    "wasl.registry.services.forward": (
        _on_referral(
            lambda c, r: registry.forward(
                c.rights_clerk.actor, r.public_id, to_unit=c.security, instruction="للاختصاص"
            )
        ),
        "registry.transaction.forwarded",
    ),
    "wasl.registry.services.comment": (
        _on_transaction(lambda c, t: registry.comment(c.clerk.actor, t.public_id, text="شرح")),
        "registry.transaction.commented",
    ),
    "wasl.registry.services.close": (
        _after_answer(lambda c, t: registry.close(c.clerk.actor, t.public_id, reason="انتهى")),
        "registry.transaction.closed",
    ),
    "wasl.registry.services.reopen": (_reopen, "registry.transaction.reopened"),
    "wasl.registry.services.cancel": (
        _on_transaction(lambda c, t: registry.cancel(c.head.actor, t.public_id, reason="خطأ")),
        "registry.transaction.cancelled",
    ),
    "wasl.registry.services.link": (_link, "registry.transaction.linked"),
    "wasl.registry.services.request_document": (
        _on_transaction(
            lambda c, t: registry.request_document(c.clerk.actor, t.public_id, document="صك")
        ),
        "registry.transaction.document_requested",
    ),
    "wasl.registry.services.record_event": (
        _on_transaction(
            lambda c, t: registry.record_event(
                c.clerk.actor, t, "commented", timezone.now(), unit_id=None, data={"by": "x"}
            )
        ),
        "registry.transaction.commented",
    ),
    "wasl.registry.services.add_attachment": (
        _on_transaction(
            lambda c, t: registry.add_attachment(
                c.clerk.actor, t.public_id, chunks=[PDF], filename="a.pdf"
            )
        ),
        "registry.transaction.attached",
    ),
    "wasl.exchange.services.send_letter": (_send, "exchange.letter.sent"),
    "wasl.exchange.delivery.settle": (_settle, "exchange.message.failed"),
    "wasl.exchange.delivery.retry_now": (_retry_now, "exchange.message.retried"),
    "wasl.exchange.services.retry_delivery": (_retry_delivery, "exchange.message.retried"),
    "wasl.exchange.services.withdraw_delivery": (_withdraw_delivery, "exchange.message.withdrawn"),
    "wasl.exchange.members.init_node": (_init_node, "exchange.node.initialised"),
    "wasl.exchange.members.join": (_join, "exchange.member.joined"),
    "wasl.exchange.members.rotate_key": (_rotate_key, "exchange.key.rotated"),
    "wasl.exchange.members.revoke_key": (_revoke_key, "exchange.key.revoked"),
    "wasl.exchange.members.revoke_member": (_revoke_member, "exchange.member.revoked"),
    "wasl.exchange.members.import_descriptor": (_import_descriptor, "exchange.directory.imported"),
    "wasl.directory.services.ensure_entity": (_ensure_entity, "directory.entity.created"),
    "wasl.directory.services.ensure_unit": (_ensure_unit, "directory.unit.created"),
    "wasl.directory.services.ensure_person": (_ensure_person, "directory.person.created"),
    "wasl.directory.services.grant": (_grant, "directory.membership.granted"),
    "wasl.directory.tokens.create_token": (_create_token, "directory.token.created"),
    "wasl.directory.tokens.revoke_tokens": (_revoke_tokens, "directory.token.revoked"),
    "wasl.exchange.members.rotate_key_for": (_rotate_key_for, "exchange.key.rotation_requested"),
    "wasl.directory.administration.invite_person": (
        _admin(
            administration.invite_person,
            username="new.person",
            first_name="سارة",
            last_name="القرشي",
            unit=lambda c: c.rights,
            roles=["clerk"],
        ),
        "directory.person.invited",
    ),
    "wasl.directory.administration.change_memberships": (
        _admin(
            administration.change_memberships, "clerk", unit=lambda c: c.rights, roles=["clerk"]
        ),
        "directory.person.roles_changed",
    ),
    "wasl.directory.administration.deactivate_person": (
        _admin(administration.deactivate_person, "clerk"),
        "directory.person.deactivated",
    ),
    "wasl.directory.administration.reactivate_person": (
        _reactivate,
        "directory.person.reactivated",
    ),
    "wasl.directory.administration.reset_password": (
        _admin(administration.reset_password, "clerk"),
        "directory.person.password_reset",
    ),
    "wasl.directory.administration.add_unit": (
        _admin(administration.add_unit, code="LANDS", name_ar="قسم الأراضي", name_en=""),
        "directory.unit.created",
    ),
    "wasl.directory.administration.rename_unit": (
        _admin(administration.rename_unit, lambda c: c.rights, name_ar="الحقوق", name_en=""),
        "directory.unit.renamed",
    ),
    "wasl.directory.administration.mark_registry_unit": (
        _admin(administration.mark_registry_unit, lambda c: c.rights),
        "directory.unit.registry_marked",
    ),
    "wasl.directory.administration.set_unit_heads": (
        _admin(administration.set_unit_heads, lambda c: c.rights, ["rights_clerk"]),
        "directory.unit.heads_set",
    ),
    "wasl.registry.holidays.add_holiday": (
        _admin(holidays.add_holiday, day=date(2027, 2, 22), name_ar="يوم التأسيس", name_en=""),
        "registry.holiday.added",
    ),
    "wasl.registry.holidays.remove_holiday": (_holiday_to_remove, "registry.holiday.removed"),
}


def public_functions() -> set[str]:
    found = set()
    for module in MODULES:
        for name, value in vars(module).items():
            if (
                not name.startswith("_")
                and inspect.isfunction(value)
                and value.__module__ == module.__name__
            ):
                found.add(f"{module.__name__}.{name}")
    return found


def test_every_function_that_changes_state_is_walked_or_said_to_change_none():
    functions = public_functions()
    unknown = functions - set(CHANGES) - set(NO_STATE_CHANGE)
    assert unknown == set(), f"audit these and add them to CHANGES: {sorted(unknown)}"
    assert set(CHANGES) | set(NO_STATE_CHANGE) <= functions  # no stale names
    assert not set(CHANGES) & set(NO_STATE_CHANGE)


@pytest.mark.parametrize("function", sorted(CHANGES))
def test_the_change_is_audited_with_its_data(cast, function):
    scenario, action = CHANGES[function]
    call = scenario(cast)
    before = AuditRecord.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    call()
    made = list(AuditRecord.objects.filter(pk__gt=before, action=action))
    assert made, f"{function} recorded no {action}"
    # What changed, beyond the bookkeeping every registry record carries (its reference and
    # the digests of the rows written).
    assert all(set(record.data) - {"reference", "rows"} for record in made), made[0].data
