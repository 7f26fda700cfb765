"""The public inquiry (الاستعلام العام): a citizen or resident asks, with the reference number
and the ID number of the person concerned, where their transaction stands.

The answer holds the state, the unit that holds it (its public name; only the entity for a
confidential transaction), the last update and the expected date — nothing personal, nothing
internal. A wrong pair and a missing reference give the same answer, from the same single
query, and attempts are throttled per client, and failures per client and reference, so that an
enumerator is slowed and the owner is not (see throttle.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.utils import timezone

from wasl.core import identity
from wasl.core.arabic import fold_digits
from wasl.core.errors import InvalidInput, NotFound
from wasl.registry.models import Confidentiality, Referral, Transaction
from wasl.registry.states import OPEN_REFERRAL_STATES, State

from . import throttle
from .queries import reference_candidates

# What each state means to the person who asked, in both languages.
STATE_TEXT = {
    State.REGISTERED: ("تم تسجيل معاملتك وهي قيد الدراسة.", "Registered; being studied."),
    State.REFERRED: (
        "أحيلت معاملتك إلى الجهة المختصة لدراستها.",
        "Referred to the competent unit for study.",
    ),
    State.ANSWERED: (
        "وردت الإفادة عن معاملتك وهي قيد الإجراء النهائي.",
        "An answer has come back; the final step is under way.",
    ),
    State.RETURNED: ("معاملتك قيد الاستكمال.", "Being completed."),
    State.CLOSED: ("انتهت معاملتك وحُفظت.", "Completed and filed."),
    State.REOPENED: ("أعيد فتح معاملتك لاستكمالها.", "Reopened to be completed."),
    State.CANCELLED: ("أُلغيت المعاملة.", "Cancelled."),
}


@dataclass(frozen=True)
class PublicStatus:
    reference: str
    state: str
    state_ar: str
    state_en: str
    explanation_ar: str
    explanation_en: str
    entity_ar: str
    entity_en: str
    units_ar: tuple[str, ...]
    units_en: tuple[str, ...]
    last_update: date
    expected: date | None


def not_found() -> NotFound:
    """The one answer for a missing reference and a wrong pair alike."""
    return NotFound(
        "لم نجد معاملة بهذا الرقم لصاحب رقم الهوية المدخل. تحقق من الرقمين وأعد المحاولة.",
        "No transaction with this number was found for this ID number. Check both numbers.",
        code="inquiry_not_found",
    )


def clean_reference(value: object) -> str:
    text = value if isinstance(value, str) else ""
    text = fold_digits(text).strip()
    if not text or len(text) > 40:
        raise InvalidInput(
            "اكتب رقم المعاملة كما في الإشعار، مثل EMK-1448-000042.",
            "Type the transaction number as on your notice, e.g. EMK-1448-000042.",
            code="invalid_reference",
            field="reference",
        )
    return text


def status(reference: object, id_number: object, *, client: str) -> PublicStatus:
    """Where the transaction `reference` of the person `id_number` stands.

    Raises InvalidInput when either is malformed, Throttled (429) past the limits, and the
    same NotFound for a reference that does not exist and for one with another person.
    """
    text = clean_reference(reference)
    number = identity.validate_national_id(id_number)
    candidates = reference_candidates(text)
    key = candidates[0] if candidates else text.upper()
    throttle.check(client, key)
    txn = (
        Transaction.objects.select_related("entity", "unit")
        .filter(reference__in=candidates or ["-"], party_id_number=number)
        .first()
    )
    if txn is None:
        throttle.failed(client, key)
        raise not_found()
    return present_all([txn])[0]


def present_all(txns: list[Transaction]) -> list[PublicStatus]:
    """What the public may know of each transaction (entity and unit loaded with it): the one
    rule of the public inquiry, also followed by the portal's "my matters". One query for the
    open referrals of them all."""
    open_refs: dict[int, list[Referral]] = {txn.pk: [] for txn in txns}
    if txns:
        for ref in (
            Referral.objects.filter(
                transaction_id__in=list(open_refs), state__in=OPEN_REFERRAL_STATES
            )
            .select_related("to_unit")
            .order_by("created_at", "id")
        ):
            open_refs[ref.transaction_id].append(ref)
    return [_present(txn, open_refs[txn.pk]) for txn in txns]


def _present(txn: Transaction, open_refs: list[Referral]) -> PublicStatus:
    state = State(txn.state)
    shown = txn.confidentiality == Confidentiality.NORMAL
    if state == State.REFERRED and open_refs:
        units = [r.to_unit for r in open_refs]
    else:
        units = [txn.unit]
    if state in (State.CLOSED, State.CANCELLED):
        expected = None
    else:
        dues = [r.due_date for r in open_refs if r.due_date]
        expected = max(dues) if dues else txn.due_date
    explanation_ar, explanation_en = STATE_TEXT[state]
    return PublicStatus(
        reference=txn.reference,
        state=state.value,
        state_ar=state.label_ar,
        state_en=state.label_en,
        explanation_ar=explanation_ar,
        explanation_en=explanation_en,
        entity_ar=txn.entity.name_ar,
        entity_en=txn.entity.name_en,
        units_ar=tuple(dict.fromkeys(u.name_ar for u in units)) if shown else (),
        units_en=tuple(dict.fromkeys(u.name_en for u in units)) if shown else (),
        last_update=timezone.localdate(txn.updated_at),
        expected=expected,
    )


def client_of(request: object) -> str:
    """The client a request came from: its address (behind a proxy, configure the proxy to
    set REMOTE_ADDR)."""
    meta = getattr(request, "META", {})
    return str(meta.get("REMOTE_ADDR") or "unknown")[:64]
