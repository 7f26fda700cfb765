"""The state machine of transactions and referrals: the one place that says which step is
allowed from which state, and where it leads."""

from __future__ import annotations

from django.db import models

from wasl.core.errors import InvalidTransition


class State(models.TextChoices):
    REGISTERED = "registered", "مسجلة"
    REFERRED = "referred", "محالة"
    ANSWERED = "answered", "تمت الإفادة"
    RETURNED = "returned", "معادة"
    CLOSED = "closed", "محفوظة"
    REOPENED = "reopened", "معاد فتحها"
    CANCELLED = "cancelled", "ملغاة"


class ReferralState(models.TextChoices):
    PENDING = "pending", "بانتظار الاستلام"
    ACKNOWLEDGED = "acknowledged", "مستلمة"
    ANSWERED = "answered", "تمت الإفادة"
    RETURNED = "returned", "معادة"
    FORWARDED = "forwarded", "محوّلة"
    CANCELLED = "cancelled", "ملغاة"


OPEN_REFERRAL_STATES = frozenset({ReferralState.PENDING, ReferralState.ACKNOWLEDGED})
# States in which the owning unit holds the transaction and may act on it.
HELD_BY_OWNER = frozenset({State.REGISTERED, State.ANSWERED, State.RETURNED, State.REOPENED})
ACTIVE_STATES = HELD_BY_OWNER | {State.REFERRED}

# step -> (states it may start from, state it leads to; None = unchanged)
TRANSACTION_STEPS: dict[str, tuple[frozenset[str], str | None]] = {
    "refer": (frozenset(ACTIVE_STATES), State.REFERRED),
    "close": (frozenset(HELD_BY_OWNER), State.CLOSED),
    "reopen": (frozenset({State.CLOSED}), State.REOPENED),
    "cancel": (frozenset(ACTIVE_STATES), State.CANCELLED),
    "comment": (frozenset(ACTIVE_STATES | {State.CLOSED}), None),
    "attach": (frozenset(ACTIVE_STATES), None),
    "link": (frozenset(ACTIVE_STATES | {State.CLOSED}), None),
}

REFERRAL_STEPS: dict[str, tuple[frozenset[str], str]] = {
    "acknowledge": (frozenset({ReferralState.PENDING}), ReferralState.ACKNOWLEDGED),
    "answer": (frozenset(OPEN_REFERRAL_STATES), ReferralState.ANSWERED),
    "return": (frozenset(OPEN_REFERRAL_STATES), ReferralState.RETURNED),
    "forward": (frozenset(OPEN_REFERRAL_STATES), ReferralState.FORWARDED),
}

STEP_NAMES_AR = {
    "refer": "الإحالة",
    "close": "الحفظ",
    "reopen": "إعادة الفتح",
    "cancel": "الإلغاء",
    "comment": "التعليق",
    "attach": "إضافة مرفق",
    "link": "الربط",
    "acknowledge": "الاستلام",
    "answer": "الإفادة",
    "return": "الإعادة",
    "forward": "التحويل",
}


def transaction_step(step: str, state: str) -> str:
    """The state a transaction moves to by `step`; refuses steps its state does not allow."""
    allowed, target = TRANSACTION_STEPS[step]
    if state not in allowed:
        raise _refused(step, State(state).label, state)
    return target or state


def referral_step(step: str, state: str) -> str:
    allowed, target = REFERRAL_STEPS[step]
    if state not in allowed:
        raise _refused(step, ReferralState(state).label, state)
    return target


def allowed_transaction_steps(state: str) -> list[str]:
    return [step for step, (allowed, _) in TRANSACTION_STEPS.items() if state in allowed]


def _refused(step: str, label_ar: str, state: str) -> InvalidTransition:
    return InvalidTransition(
        f"لا يمكن تنفيذ {STEP_NAMES_AR[step]} لأن الحالة الحالية «{label_ar}».",
        f"Cannot {step}: the current state is '{state}'.",
    )
