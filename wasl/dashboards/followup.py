"""Follow-up (المتابعة): reminders to the holders of transactions that are due soon or late, and
escalations to the heads of their units. Run once a working day by `wasl followup` (cron or
a worker); running it again the same day sends nothing twice.

What is followed up, and who holds it:
- an open referral (pending or acknowledged): the unit it was sent to; the holder is the
  person it names, else the unit's staff; its due date is the referral's;
- a transaction its own unit holds (registered, answered, returned or reopened, with no
  referral open): the unit that registered it; the holder is the person who registered it;
  its due date is its own, else the registry's default for its urgency
  (`definitions.transaction_due`).

Rules (working days, Sunday–Thursday without holidays):
- due soon: due today or on the next working day → a reminder to the holder, once;
- overdue: past its due date → a reminder to the holder, again every `REMIND_EVERY` working
  days while it stays late;
- escalated: `ESCALATE_AFTER` or more working days late → an escalation to the unit's head,
  again every `ESCALATE_EVERY` working days.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.db import transaction as db
from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from wasl.audit import services as audit
from wasl.core import hijri
from wasl.directory.actors import Actor
from wasl.registry import calendar
from wasl.registry.models import Referral, Transaction
from wasl.registry.queries import visible_to
from wasl.registry.states import HELD_BY_OWNER, OPEN_REFERRAL_STATES

from .definitions import TARGET_WORKING_DAYS, transaction_due
from .models import Reminder

REMIND_EVERY = 3
ESCALATE_AFTER = 2
ESCALATE_EVERY = 5


@dataclass
class FollowupReport:
    day: date
    working_day: bool
    sent: dict[str, int] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return sum(self.sent.values())


Followed = tuple[str, int]  # ("r", referral id) or ("t", transaction id)


def _last_sent(referral_ids: list[int], held_ids: list[int]) -> dict[tuple[Followed, str], date]:
    last: dict[tuple[Followed, str], date] = {}
    rows = Reminder.objects.filter(
        Q(referral_id__in=referral_ids) | Q(referral__isnull=True, transaction_id__in=held_ids)
    ).values_list("referral_id", "transaction_id", "kind", "day")
    for ref_id, txn_id, kind, day in rows:
        key = (("r", ref_id) if ref_id is not None else ("t", txn_id), kind)
        if day > last.get(key, date.min):
            last[key] = day
    return last


def _sent_on(day: date) -> dict[str, int]:
    rows = Reminder.objects.filter(day=day).values_list("kind").annotate(n=Count("id"))
    return dict(rows)


def kinds_due(
    followed: Followed,
    due: date,
    today: date,
    last: dict[tuple[Followed, str], date],
    holidays: frozenset[date],
) -> list[str]:
    """Which follow-ups an item due on `due` gets today, given when each was last sent."""

    def again(kind: str, every: int) -> bool:
        previous = last.get((followed, kind))
        return previous is None or hijri.working_days_between(previous, today, holidays) >= every

    if due >= today:
        return [] if (followed, Reminder.Kind.DUE_SOON) in last else [Reminder.Kind.DUE_SOON]
    kinds = []
    if again(Reminder.Kind.OVERDUE, REMIND_EVERY):
        kinds.append(Reminder.Kind.OVERDUE)
    late = hijri.working_days_between(due, today, holidays)
    if late >= ESCALATE_AFTER and again(Reminder.Kind.ESCALATED, ESCALATE_EVERY):
        kinds.append(Reminder.Kind.ESCALATED)
    return kinds


def _latest_registration(days: int, horizon: date, holidays: frozenset[date]) -> date:
    """The last registration day whose default due date (`days` working days later) is on or
    before `horizon`."""
    day = horizon - timedelta(days=days)
    while hijri.add_working_days(day, days, holidays) > horizon:
        day -= timedelta(days=1)
    return day


def held_transactions_due(horizon: date, holidays: frozenset[date]) -> QuerySet[Transaction]:
    """Transactions their own unit holds (no referral open), due on or before `horizon`."""
    due = Q(due_date__lte=horizon)
    for urgency, days in TARGET_WORKING_DAYS.items():
        due |= Q(
            due_date__isnull=True,
            urgency=urgency,
            registered_on__lte=_latest_registration(days, horizon, holidays),
        )
    open_referral = Referral.objects.filter(
        transaction_id=OuterRef("pk"), state__in=list(OPEN_REFERRAL_STATES)
    )
    return Transaction.objects.filter(due, state__in=list(HELD_BY_OWNER)).exclude(
        Exists(open_referral)
    )


def _reminder(
    kind: str,
    *,
    referral_id: int | None,
    txn_id: int,
    unit_id: int,
    user_id: int | None,
    due: date,
    today: date,
    holidays: frozenset[date],
    now: datetime,
) -> Reminder:
    return Reminder(
        referral_id=referral_id,
        transaction_id=txn_id,
        unit_id=unit_id,
        user_id=None if kind == Reminder.Kind.ESCALATED else user_id,
        kind=kind,
        day=today,
        due_date=due,
        late_days=hijri.working_days_between(due, today, holidays),
        created_at=now,
    )


def run(today: date | None = None, *, batch: int = 2000) -> FollowupReport:
    """Raise the day's reminders and escalations (see the module docstring for the rules).

    Who: the system (a scheduled task). Idempotent: one reminder of a kind per referral (or
    held transaction) per day, by the database's unique constraints. Records
    `dashboards.followup.ran` with the counts; one database transaction per batch.
    """
    today = today or timezone.localdate()
    holidays = calendar.holidays()
    report = FollowupReport(day=today, working_day=hijri.is_working_day(today, holidays))
    report.sent = {kind: 0 for kind in Reminder.Kind.values}
    if not report.working_day:
        return report
    horizon = hijri.add_working_days(today, 1, holidays)
    now = timezone.now()
    before = _sent_on(today)
    referrals = (
        Referral.objects.filter(state__in=list(OPEN_REFERRAL_STATES), due_date__lte=horizon)
        .order_by("id")
        .values_list("id", "transaction_id", "to_unit_id", "to_user_id", "due_date")
    )
    last_id = 0
    while chunk := list(referrals.filter(id__gt=last_id)[:batch]):
        last_id = chunk[-1][0]
        last = _last_sent([row[0] for row in chunk], [])
        made = [
            _reminder(
                kind,
                referral_id=ref_id,
                txn_id=txn_id,
                unit_id=unit_id,
                user_id=user_id,
                due=due,
                today=today,
                holidays=holidays,
                now=now,
            )
            for ref_id, txn_id, unit_id, user_id, due in chunk
            for kind in kinds_due(("r", ref_id), due, today, last, holidays)
        ]
        with db.atomic():
            # A concurrent run may have sent some already: the unique constraint skips them.
            Reminder.objects.bulk_create(made, ignore_conflicts=True)
    held = (
        held_transactions_due(horizon, holidays)
        .order_by("id")
        .values_list("id", "unit_id", "registered_by_id", "registered_on", "urgency", "due_date")
    )
    last_id = 0
    while rows := list(held.filter(id__gt=last_id)[:batch]):
        last_id = rows[-1][0]
        last = _last_sent([], [row[0] for row in rows])
        made = []
        for txn_id, unit_id, user_id, registered_on, urgency, own_due in rows:
            due = transaction_due(registered_on, urgency, own_due)
            for kind in kinds_due(("t", txn_id), due, today, last, holidays):
                made.append(
                    _reminder(
                        kind,
                        referral_id=None,
                        txn_id=txn_id,
                        unit_id=unit_id,
                        user_id=user_id,
                        due=due,
                        today=today,
                        holidays=holidays,
                        now=now,
                    )
                )
        with db.atomic():
            Reminder.objects.bulk_create(made, ignore_conflicts=True)
    after = _sent_on(today)
    report.sent = {kind: after.get(kind, 0) - before.get(kind, 0) for kind in Reminder.Kind.values}
    with db.atomic():
        audit.record(
            "dashboards.followup.ran",
            chain="system",
            object_type="followup",
            object_id=today.isoformat(),
            data={"day": today.isoformat(), "sent": report.sent},
        )
    return report


def reminders_for(actor: Actor, *, since: date | None = None) -> QuerySet[Reminder]:
    """The reminders and escalations addressed to this person, newest first: reminders that
    name them or go to a unit they work in, escalations of units they head; only for
    transactions they may see."""
    if actor.is_anonymous:
        return Reminder.objects.none()
    mine = Q(kind__in=[Reminder.Kind.DUE_SOON, Reminder.Kind.OVERDUE]) & (
        Q(user_id=actor.user_id) | Q(user__isnull=True, unit_id__in=actor.working_unit_ids)
    )
    escalations = Q(kind=Reminder.Kind.ESCALATED, unit_id__in=actor.head_unit_ids)
    qs = Reminder.objects.filter(mine | escalations).filter(visible_to(actor))
    if since is not None:
        qs = qs.filter(day__gte=since)
    return qs.select_related("transaction", "unit").order_by("-day", "-id")


def reminders_of_unit(actor: Actor, unit_id: int, *, days: int = 30) -> QuerySet[Reminder]:
    """The follow-ups of a unit (its page), through the access rule."""
    since = timezone.localdate() - timedelta(days=days)
    return (
        Reminder.objects.filter(unit_id=unit_id, day__gte=since)
        .filter(visible_to(actor))
        .select_related("transaction", "unit")
        .order_by("-day", "-id")
    )
