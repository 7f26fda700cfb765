"""The inbox (الوارد) of the unit a person acts for: what waits for it, with counts.

Referrals waiting in the unit are those of `registry.queries.inbox`, the unit's own
transactions that are back with it (registered, answered, returned, reopened) those of
`registry.queries.owned_transactions`: both start from the access rule, and nothing here
says again who may see what. Letters that came from another entity through Wasl are
registered in the receiving registry unit as its own transactions; until someone takes one
(refers, closes or cancels it, so that it leaves the state "registered", or answers it
through Wasl) it waits in the box of letters from other entities, not among the
transactions back with the unit. Pages are cut with a keyset (the last row's sort key), so the
hundredth page costs what the first does.
"""

from __future__ import annotations

import heapq
import itertools
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from wasl.directory.actors import Actor
from wasl.exchange.models import IncomingMessage
from wasl.registry import calendar, queries
from wasl.registry.models import Link, Referral, Transaction
from wasl.registry.states import HELD_BY_OWNER, OPEN_REFERRAL_STATES, ReferralState, State
from wasl.registry.vocabulary import Direction, LinkKind

PAGE_SIZE = 25
DUE_SOON_WORKING_DAYS = 2
REFERRAL_BOXES = ("open", "new", "in_progress", "due_soon", "overdue")
# Boxes of the unit's own transactions rather than referrals.
TRANSACTION_BOXES = ("incoming", "held")


@dataclass
class Filters:
    kind: str = ""
    urgency: str = ""
    confidentiality: str = ""
    entity: str = ""
    date_from: date | None = None
    date_to: date | None = None
    # Only referrals that name this person (a user id), not just their unit; the held box
    # has no referrals and ignores it.
    addressed_to: int | None = None

    def apply(self, qs: QuerySet[Any], prefix: str = "") -> QuerySet[Any]:
        conditions: dict[str, Any] = {}
        if self.kind:
            conditions[prefix + "kind"] = self.kind
        if self.urgency:
            conditions[prefix + "urgency"] = self.urgency
        if self.confidentiality:
            conditions[prefix + "confidentiality"] = self.confidentiality
        if self.entity:
            conditions[prefix + "correspondent__code"] = self.entity
        if self.date_from:
            conditions[prefix + "registered_on__gte"] = self.date_from
        if self.date_to:
            conditions[prefix + "registered_on__lte"] = self.date_to
        return qs.filter(**conditions) if conditions else qs


@dataclass
class InboxPage:
    box: str
    sort: str
    counts: dict[str, int]
    referrals: list[Referral] = field(default_factory=list)
    transactions: list[Transaction] = field(default_factory=list)
    next_cursor: str | None = None


def waiting_in(actor: Actor, unit_id: int) -> QuerySet[Referral]:
    """Open referrals addressed to `unit_id` that the person may see: the registry's inbox of
    that unit, unsorted and without its joins (a page picks its own)."""
    return queries.inbox(actor, unit_id=unit_id).select_related(None).order_by()


def due_soon_limit(today: date) -> date:
    return calendar.due_after(today, DUE_SOON_WORKING_DAYS)


def _box_counts(qs: QuerySet[Referral], today: date) -> dict[str, int]:
    soon = due_soon_limit(today)
    found = qs.order_by().aggregate(
        open=Count("id"),
        new=Count("id", filter=Q(state=ReferralState.PENDING)),
        in_progress=Count("id", filter=Q(state=ReferralState.ACKNOWLEDGED)),
        due_soon=Count("id", filter=Q(due_date__gte=today, due_date__lte=soon)),
        overdue=Count("id", filter=Q(due_date__lt=today)),
    )
    return {k: int(v or 0) for k, v in found.items()}


def counts(actor: Actor, unit_id: int, today: date) -> dict[str, int]:
    """The boxes' counts: referrals in one query, the unit's own transactions (letters from
    other entities not yet taken, and those back with the unit) in another."""
    result = _box_counts(waiting_in(actor, unit_id), today)
    owned = queries.owned_transactions(actor, unit_id=unit_id).filter(
        state__in=sorted(HELD_BY_OWNER)
    )
    waiting = _letter_not_taken()
    found = owned.order_by().aggregate(
        incoming=Count("id", filter=waiting), held=Count("id", filter=~waiting)
    )
    result.update({k: int(v or 0) for k, v in found.items()})
    return result


def _letter_not_taken() -> Q:
    """A letter that came from another entity through Wasl and that nobody has taken yet:
    still as it was registered on arrival, and not answered through Wasl."""
    came_through_wasl = Exists(IncomingMessage.objects.filter(transaction=OuterRef("pk")))
    answered = Exists(Link.objects.filter(target=OuterRef("pk"), kind=LinkKind.ANSWERS))
    return (
        Q(state=State.REGISTERED, direction=Direction.INCOMING)
        & Q(came_through_wasl)
        & ~Q(answered)
    )


def incoming_in(actor: Actor, unit_id: int) -> QuerySet[Transaction]:
    """Letters from other entities registered in the unit (its registry unit receives them)
    that nobody has taken yet and that the person may see (الوارد من الجهات)."""
    owned = queries.owned_transactions(actor, unit_id=unit_id)
    return owned.filter(_letter_not_taken())


def held_in(actor: Actor, unit_id: int) -> QuerySet[Transaction]:
    """The unit's own transactions that wait for it (in a state held by the owner) and that
    the person may see, less the letters from other entities not yet taken (their own box)."""
    owned = queries.owned_transactions(actor, unit_id=unit_id)
    return owned.filter(state__in=sorted(HELD_BY_OWNER)).exclude(_letter_not_taken())


def _parse_cursor(sort: str, cursor: str) -> tuple[date | None, int] | None:
    try:
        if sort == "due":
            day, _, last_id = cursor.partition("_")
            return date.fromisoformat(day), int(last_id)
        return None, int(cursor)
    except ValueError:
        return None


def _keyset(qs: QuerySet[Any], sort: str, cursor: str, *, due_field: str | None) -> QuerySet[Any]:
    """Order `qs` by `sort` and start after `cursor` (the last row of the previous page)."""
    parsed = _parse_cursor(sort, cursor) if cursor else None
    if sort == "due" and due_field:
        if parsed and parsed[0] is not None:
            day, last = parsed
            # A range the index can seek to (due >= day), less the rows of that day already
            # shown; an OR of the two halves would make the database read from the start.
            qs = qs.filter(**{f"{due_field}__gte": day}).exclude(
                **{due_field: day, "id__lte": last}
            )
        return qs.order_by(due_field, "id")
    if sort == "newest":
        if parsed:
            qs = qs.filter(id__lt=parsed[1])
        return qs.order_by("-id")
    if parsed:
        qs = qs.filter(id__gt=parsed[1])
    return qs.order_by("id")


def _cursor_of(row: Any, sort: str, due_field: str | None) -> str:
    if sort == "due" and due_field:
        return f"{getattr(row, due_field).isoformat()}_{row.id}"
    return str(row.id)


def default_box(box_counts: dict[str, int]) -> str:
    """The box a person sees first when they choose none: the first of the referrals to the
    unit, the letters from other entities and the transactions back with the unit that holds
    anything (a registry unit's work is mostly its own transactions), else the referrals."""
    return next((b for b in ("open", "incoming", "held") if box_counts.get(b)), "open")


def page(
    actor: Actor,
    unit_id: int,
    *,
    box: str = "",
    sort: str = "due",
    filters: Filters | None = None,
    cursor: str = "",
    size: int = PAGE_SIZE,
    today: date | None = None,
    with_counts: bool = True,
) -> InboxPage:
    """One page of a box of the unit's inbox, filtered and sorted, with every box's count
    (unless ``with_counts`` is false: the benchmark times the page and the counts apart).

    ``today`` (Riyadh's date by default) decides what is overdue and due soon; no ``box``:
    the `default_box`."""
    filters = filters or Filters()
    today = today or timezone.localdate()
    box_counts = counts(actor, unit_id, today) if with_counts or not box else {}
    box = box or default_box(box_counts)
    result = InboxPage(box=box, sort=sort, counts=box_counts)
    if box in TRANSACTION_BOXES:
        # Transactions have no due date of their own to sort by: oldest waiting first.
        sort = "newest" if sort == "newest" else "oldest"
        result.sort = sort
        source = incoming_in if box == "incoming" else held_in
        qs = filters.apply(source(actor, unit_id))
        qs = _keyset(qs, sort, cursor, due_field=None).select_related("correspondent", "unit")
        rows = list(qs[: size + 1])
        result.transactions = rows[:size]
        if len(rows) > size:
            result.next_cursor = _cursor_of(rows[size - 1], sort, None)
        return result
    qs = waiting_in(actor, unit_id)
    states = sorted(OPEN_REFERRAL_STATES)
    if box == "new":
        states = [ReferralState.PENDING]
    elif box == "in_progress":
        states = [ReferralState.ACKNOWLEDGED]
    elif box == "due_soon":
        qs = qs.filter(due_date__gte=today, due_date__lte=due_soon_limit(today))
    elif box == "overdue":
        qs = qs.filter(due_date__lt=today)
    qs = filters.apply(qs, prefix="transaction__")
    if filters.addressed_to is not None:
        qs = qs.filter(to_user_id=filters.addressed_to)
    qs = _keyset(qs, sort, cursor, due_field="due_date").select_related(
        "transaction__correspondent", "from_unit"
    )
    if sort == "due":
        # The index (to_unit, state, due_date) gives each state's rows in due-date order:
        # read the page's worth of each state in order and merge, never sorting the unit.
        rows = heapq.merge(
            *(list(qs.filter(state=state)[: size + 1]) for state in states),
            key=lambda r: (r.due_date, r.id),
        )
        rows = list(itertools.islice(rows, size + 1))
    else:
        rows = list(qs.filter(state__in=states)[: size + 1])
    result.referrals = rows[:size]
    if len(rows) > size:
        result.next_cursor = _cursor_of(rows[size - 1], sort, "due_date")
    return result
