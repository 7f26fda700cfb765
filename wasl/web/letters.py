"""The letters a unit sent through Wasl (الصادر عبر وصل), one row per delivery: to whom, in
which state, under their reference — newest first, cut with a keyset like the inbox.

It starts from the unit's own transactions (`registry.queries.owned_transactions`, the access
rule): nothing here says again who may see what."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Count, Q, QuerySet

from wasl.directory.actors import Actor
from wasl.exchange.models import OutgoingMessage
from wasl.exchange.states import DeliveryState, Kind
from wasl.registry import queries

PAGE_SIZE = 25


@dataclass
class LettersPage:
    state: str
    counts: dict[str, int]
    rows: list[OutgoingMessage] = field(default_factory=list)
    next_cursor: str | None = None


def sent_by(actor: Actor, unit_id: int) -> QuerySet[OutgoingMessage]:
    """Deliveries of the letters registered in the unit that the person may see."""
    owned = queries.owned_transactions(actor, unit_id=unit_id)
    return OutgoingMessage.objects.filter(kind=Kind.LETTER, transaction__in=owned)


def page(actor: Actor, unit_id: int, *, state: str = "", cursor: str = "") -> LettersPage:
    """One page of the unit's deliveries (of one state, or all), with each state's count."""
    qs = sent_by(actor, unit_id)
    per_state = {s: Count("id", filter=Q(state=s)) for s in DeliveryState.values}
    found = qs.order_by().aggregate(all=Count("id"), **per_state)
    result = LettersPage(state=state, counts={k: int(v or 0) for k, v in found.items()})
    if state:
        qs = qs.filter(state=state)
    if cursor.isdigit():
        qs = qs.filter(id__lt=int(cursor))
    rows = list(
        qs.select_related("transaction", "receiver__entity").order_by("-id")[: PAGE_SIZE + 1]
    )
    result.rows = rows[:PAGE_SIZE]
    if len(rows) > PAGE_SIZE:
        result.next_cursor = str(rows[PAGE_SIZE - 1].id)
    return result
