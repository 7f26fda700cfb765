"""The state machine of transactions and referrals: the one place that says which step is
allowed from which state, and where it leads. The states, the steps and the timeline's
actions are declared here once, with their labels (see `vocabulary`)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from wasl.core.errors import InvalidTransition

from .vocabulary import Vocabulary


class State(Vocabulary):
    """حالة المعاملة."""

    REGISTERED = "registered", _("Registered")
    REFERRED = "referred", _("Referred")
    ANSWERED = "answered", pgettext_lazy("transaction state", "Answered")
    RETURNED = "returned", pgettext_lazy("transaction state", "Returned")
    CLOSED = "closed", _("Closed")
    REOPENED = "reopened", _("Reopened")
    CANCELLED = "cancelled", pgettext_lazy("transaction state", "Cancelled")


class ReferralState(Vocabulary):
    """حالة الإحالة."""

    PENDING = "pending", _("Awaiting receipt")
    ACKNOWLEDGED = "acknowledged", _("Received")
    ANSWERED = "answered", pgettext_lazy("referral state", "Answered")
    RETURNED = "returned", pgettext_lazy("referral state", "Returned")
    FORWARDED = "forwarded", _("Forwarded")
    CANCELLED = "cancelled", pgettext_lazy("referral state", "Cancelled")


class Step(Vocabulary):
    """The steps a person takes on a transaction or a referral, labelled as their buttons."""

    REFER = "refer", _("Refer")
    ACKNOWLEDGE = "acknowledge", _("Acknowledge receipt")
    ANSWER = "answer", _("Answer")
    RETURN = "return", _("Return")
    FORWARD = "forward", _("Forward")
    COMMENT = "comment", _("Comment")
    CLOSE = "close", _("Close")
    REOPEN = "reopen", _("Reopen")
    CANCEL = "cancel", _("Cancel transaction")
    ATTACH = "attach", _("Attach a file")
    LINK = "link", _("Link")
    REQUEST_DOCUMENT = "request_document", _("Ask the visitor for a document")


class Action(Vocabulary):
    """What a timeline event records, as a sentence about what happened."""

    REGISTERED = "registered", pgettext_lazy("event", "Registered")
    REFERRED = "referred", pgettext_lazy("event", "Referred")
    ACKNOWLEDGED = "acknowledged", _("Receipt acknowledged")
    ANSWERED = "answered", _("Answer given")
    RETURNED = "returned", _("Returned without action")
    FORWARDED = "forwarded", _("Forwarded to another unit")
    COMMENTED = "commented", _("Comment")
    CLOSED = "closed", _("Closed (filed)")
    REOPENED = "reopened", pgettext_lazy("event", "Reopened")
    CANCELLED = "cancelled", pgettext_lazy("event", "Cancelled")
    ATTACHED = "attached", _("File attached")
    LINKED = "linked", _("Linked to another transaction")
    DOCUMENT_REQUESTED = "document_requested", _("Document asked of the visitor")
    # Recorded by the exchange, not a person's step: a letter sent about the transaction (a
    # letter linked to it when it was sent) was received by another entity.
    LETTER_DELIVERED = "letter_delivered", _("A letter about it was received by another entity")


OPEN_REFERRAL_STATES = frozenset({ReferralState.PENDING, ReferralState.ACKNOWLEDGED})
# States in which the owning unit holds the transaction and may act on it.
HELD_BY_OWNER = frozenset({State.REGISTERED, State.ANSWERED, State.RETURNED, State.REOPENED})
ACTIVE_STATES = HELD_BY_OWNER | {State.REFERRED}

# step -> (states it may start from, state it leads to; None = unchanged), in the order the
# transaction page offers them.
TRANSACTION_STEPS: dict[str, tuple[frozenset[str], str | None]] = {
    Step.REFER: (frozenset(ACTIVE_STATES), State.REFERRED),
    Step.CLOSE: (frozenset(HELD_BY_OWNER), State.CLOSED),
    Step.REOPEN: (frozenset({State.CLOSED}), State.REOPENED),
    Step.CANCEL: (frozenset(ACTIVE_STATES), State.CANCELLED),
    Step.COMMENT: (frozenset(ACTIVE_STATES | {State.CLOSED}), None),
    Step.ATTACH: (frozenset(ACTIVE_STATES), None),
    Step.LINK: (frozenset(ACTIVE_STATES | {State.CLOSED}), None),
    Step.REQUEST_DOCUMENT: (frozenset(ACTIVE_STATES), None),
}

REFERRAL_STEPS: dict[str, tuple[frozenset[str], str]] = {
    Step.ACKNOWLEDGE: (frozenset({ReferralState.PENDING}), ReferralState.ACKNOWLEDGED),
    Step.ANSWER: (frozenset(OPEN_REFERRAL_STATES), ReferralState.ANSWERED),
    Step.RETURN: (frozenset(OPEN_REFERRAL_STATES), ReferralState.RETURNED),
    Step.FORWARD: (frozenset(OPEN_REFERRAL_STATES), ReferralState.FORWARDED),
}


def transaction_step(step: str, state: str) -> str:
    """The state a transaction moves to by `step`; refuses steps its state does not allow."""
    allowed, target = TRANSACTION_STEPS[step]
    if state not in allowed:
        raise _refused(step, State(state))
    return target or state


def referral_step(step: str, state: str) -> str:
    allowed, target = REFERRAL_STEPS[step]
    if state not in allowed:
        raise _refused(step, ReferralState(state))
    return target


def allowed_transaction_steps(state: str) -> list[str]:
    return [step for step, (allowed, _) in TRANSACTION_STEPS.items() if state in allowed]


def allowed_referral_steps(state: str) -> list[str]:
    return [step for step, (allowed, _) in REFERRAL_STEPS.items() if state in allowed]


def _refused(step: str, state: State | ReferralState) -> InvalidTransition:
    name = Step(step)
    return InvalidTransition(
        f"لا يمكن تنفيذ «{name.label_ar}» لأن الحالة الحالية «{state.label_ar}».",
        f"Cannot {step}: the current state is '{state}'.",
    )
