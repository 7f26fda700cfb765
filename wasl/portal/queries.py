"""My matters (معاملاتي): every transaction whose party is the signed-in person, in every
entity of the region, told as the public inquiry tells it (wasl.inquiry.public) — never more.

The person's key is their ID number, stored on each transaction as its party's
(`party_id_number`). A confidential or top-secret matter shows only what the public inquiry
shows (state, entity, dates): no subject, no unit, no documents.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from django.db.models import F, QuerySet
from django.db.models.functions import TruncDate
from django.utils import timezone

from wasl.inquiry.public import PublicStatus, present_all
from wasl.registry.models import Attachment, Confidentiality, Direction, Event, Transaction
from wasl.registry.states import Action, State

from .models import Person

# The next step, as the person reads it: what happens now and whether anything is asked of them.
NEXT_STEP = {
    State.REGISTERED: (
        "ستُحال معاملتك إلى الجهة المختصة. لا يلزمك شيء الآن.",
        "Your matter will be sent to the competent unit. Nothing is needed from you now.",
    ),
    State.REFERRED: (
        "تدرس الجهة المختصة معاملتك وتُعدّ إفادتها. لا يلزمك شيء الآن.",
        "The competent unit is studying your matter and preparing its answer. Nothing is "
        "needed from you now.",
    ),
    State.ANSWERED: (
        "تُتخذ الآن الخطوة الأخيرة في معاملتك.",
        "The final step on your matter is being taken.",
    ),
    State.RETURNED: (
        "قد يُطلب منك استكمال بيانات أو مستندات؛ سيُتواصل معك إن لزم.",
        "You may be asked for more details or documents; you will be contacted if so.",
    ),
    State.REOPENED: (
        "أعيد فتح معاملتك وستُستكمل.",
        "Your matter was reopened and will be completed.",
    ),
    State.CLOSED: ("لا خطوات أخرى: انتهت المعاملة.", "No further step: the matter is complete."),
    State.CANCELLED: ("لا خطوات أخرى: أُلغيت المعاملة.", "No further step: it was cancelled."),
}


@dataclass(frozen=True)
class Document:
    public_id: str
    filename: str
    size: int


@dataclass(frozen=True)
class Matter:
    public: PublicStatus
    registered_on: date
    subject: str  # empty for a confidential matter
    next_step_ar: str
    next_step_en: str
    is_open: bool
    documents: list[Document] = field(default_factory=list)
    # What the unit last asked the person for (`request_document`), while the matter is open.
    asked: str = ""
    asked_on: date | None = None


def own_transactions(person: Person) -> QuerySet[Transaction]:
    """The transactions whose party is `person`: the only rule of what the portal shows."""
    return Transaction.objects.filter(party_id_number=person.id_number)


def own_documents(person: Person) -> QuerySet[Attachment]:
    """The documents that are the person's own: the papers they handed in with a petition
    of theirs — files attached to their own incoming, non-confidential matter by the person
    who registered it, on the day it was registered. Internal papers added later by the units
    are not the person's and are never offered."""
    return Attachment.objects.filter(
        transaction__in=own_transactions(person).filter(
            confidentiality=Confidentiality.NORMAL, direction=Direction.INCOMING
        ),
        uploaded_by_id=F("transaction__registered_by_id"),
        created_at__date=TruncDate("transaction__registered_at"),
    )


def my_matters(person: Person) -> list[Matter]:
    """The person's matters, open ones first, newest first (four queries)."""
    txns = list(
        own_transactions(person)
        .select_related("entity", "unit")
        .order_by("closed_at", "-registered_at", "-id")
    )
    docs: dict[int, list[Document]] = {}
    for att in own_documents(person).order_by("created_at", "id"):
        docs.setdefault(att.transaction_id, []).append(
            Document(public_id=str(att.public_id), filename=att.filename, size=att.size)
        )
    open_first = sorted(txns, key=lambda t: t.state in (State.CLOSED, State.CANCELLED))
    asked: dict[int, Event] = {}
    for event in Event.objects.filter(
        transaction__in=[t.pk for t in txns if t.state not in (State.CLOSED, State.CANCELLED)],
        action=Action.DOCUMENT_REQUESTED,
    ).order_by("created_at", "id"):
        asked[event.transaction_id] = event  # the last one stays
    return [
        Matter(
            public=status,
            registered_on=txn.registered_on,
            subject=txn.subject if txn.confidentiality == Confidentiality.NORMAL else "",
            next_step_ar=NEXT_STEP[State(txn.state)][0],
            next_step_en=NEXT_STEP[State(txn.state)][1],
            is_open=txn.state not in (State.CLOSED, State.CANCELLED),
            documents=docs.get(txn.pk, []),
            asked=asked[txn.pk].note if txn.pk in asked else "",
            asked_on=timezone.localdate(asked[txn.pk].created_at) if txn.pk in asked else None,
        )
        for txn, status in zip(open_first, present_all(open_first), strict=True)
    ]
