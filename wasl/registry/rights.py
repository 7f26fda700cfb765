"""Who may take which step on a transaction they can see. Services refuse with these; pages
and the API offer only the steps these allow (intersected with the state machine)."""

from __future__ import annotations

from collections.abc import Callable

from wasl.directory.actors import Actor

from .models import Transaction
from .states import State, allowed_transaction_steps
from .vocabulary import VISITORS


def works_on(actor: Actor, txn: Transaction) -> bool:
    """A clerk or head of the owning unit: registers, refers, links and closes."""
    return actor.works_in(txn.unit_id)


def may_reopen(actor: Actor, txn: Transaction) -> bool:
    return actor.heads(txn.unit_id) or actor.administers(txn.entity_id)


def may_cancel(actor: Actor, txn: Transaction) -> bool:
    own_fresh = txn.registered_by_id == actor.user_id and txn.state == State.REGISTERED
    return may_reopen(actor, txn) or own_fresh


def may_comment(actor: Actor, txn: Transaction) -> bool:
    """Anyone who sees it and works, heads or administers; auditors only read."""
    return bool(actor.working_unit_ids) or bool(actor.entity_wide_ids - actor.auditor_entity_ids)


def may_attach(actor: Actor, txn: Transaction, holds_open_referral: bool) -> bool:
    return works_on(actor, txn) or holds_open_referral


def may_request_document(actor: Actor, txn: Transaction) -> bool:
    """The owning unit asks the visitor whose matter it is (a citizen, resident or company;
    never another government entity, which is written to by letter)."""
    return works_on(actor, txn) and txn.party_type in VISITORS


RULES: dict[str, Callable[[Actor, Transaction, bool], bool]] = {
    "refer": lambda a, t, _h: works_on(a, t),
    "close": lambda a, t, _h: works_on(a, t),
    "link": lambda a, t, _h: works_on(a, t),
    "reopen": lambda a, t, _h: may_reopen(a, t),
    "cancel": lambda a, t, _h: may_cancel(a, t),
    "comment": lambda a, t, _h: may_comment(a, t),
    "attach": may_attach,
    "request_document": lambda a, t, _h: may_request_document(a, t),
}


def steps_for(actor: Actor, txn: Transaction, holds_open_referral: bool) -> list[str]:
    """Transaction-level steps this person may take now."""
    return [
        step
        for step in allowed_transaction_steps(txn.state)
        if RULES[step](actor, txn, holds_open_referral)
    ]
