"""`wasl loaddemo`: the demo Makkah Region, from the files of `data/`, through the services.

1. the directory (entities, units), the demo people, the official holidays, and every entity
   a member of the exchange on the demo's node — all matched on their codes, idempotent;
2. six months of work (`history.py`), played once: when the Emirate already holds
   transactions registered by its registry clerk, the step is skipped.

Everything is done with the demo's clock (`clock.py`) set to the beginning of the history, so
that the region existed before the work that happened in it; the history then moves the clock
forward step by step to the end (the moment of the load, or the `end` given).
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.test.utils import override_settings
from django.utils import timezone

from wasl.directory.models import Role, Unit
from wasl.exchange.models import IncomingMessage
from wasl.registry import calendar
from wasl.registry.models import Event, Link, Referral, Transaction
from wasl.registry.states import State

from . import clock, files, region
from .history import History, Staff

Write = Callable[[str], None]

# While the history is played, the background work it causes (exchange deliveries, SMS)
# is done by the history itself at its moment (`History.worker_pass`): tasks enqueued on
# commit are dropped rather than left for the worker by the thousand.
NO_TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}


@dataclass
class Counts:
    region: region.RegionCounts = field(default_factory=region.RegionCounts)
    transactions_created: int = 0
    steps: int = 0
    transactions_skipped: bool = False
    seconds: float = 0.0
    start: datetime | None = None
    end: datetime | None = None
    states: Counter[str] = field(default_factory=Counter)
    refused: list[str] = field(default_factory=list)


def history_entities() -> list[str]:
    return list(files.load_history()["per_day"])


def demo_marker_exists() -> bool:
    marker = files.load_history()["marker"]
    return Transaction.objects.filter(
        entity__code=marker["entity"], registered_by__username=marker["user"]
    ).exists()


def load_demo(
    write: Write | None = None, *, end: datetime | None = None, months: int | None = None
) -> Counts:
    """Build (or complete) the demo region, and play its history up to `end` (now by
    default) over `months` months (the data's, by default); returns what was found and
    created."""
    say = write or (lambda _line: None)
    started = time.monotonic()
    counts = Counts()
    settings = files.load_history()
    end = end or timezone.now()
    months = settings["months"] if months is None else months
    start = end - timedelta(days=round(months * 30.44))
    counts.start, counts.end = start, end

    with override_settings(TASKS=NO_TASKS), clock.controlled(start) as demo_clock:
        entities = region.load_directory(counts.region)
        people = region.load_people(counts.region)
        region.load_holidays(
            start.date() - timedelta(days=400), end.date() + timedelta(days=400), counts.region
        )
        calendar.forget_holidays()
        region.join_exchange(counts.region)
        if demo_marker_exists():
            counts.transactions_skipped = True
        else:
            before = Transaction.objects.count()
            history = History(entities, Staff.build(), demo_clock, start=start, end=end)
            counts.steps = history.play()
            counts.refused = history.refused
            counts.transactions_created = Transaction.objects.count() - before

    r = counts.region
    say(
        f"الجهات: {r.entities} (جديدة {r.entities_created}) — "
        f"entities: {r.entities}, {r.entities_created} new"
    )
    say(f"الإدارات: {r.units} (جديدة {r.units_created}) — units: {r.units}, {r.units_created} new")
    say(
        f"الحسابات التجريبية: {r.people} (جديدة {r.people_created}) — "
        f"demo accounts: {r.people}, {r.people_created} new"
    )
    say(
        f"تبادل وصل: {r.members} جهة عضو في {region.DEMO_NODE} (جديدة {r.members_joined}) — "
        f"exchange: {r.members} members on {region.DEMO_NODE}, {r.members_joined} new"
    )
    if counts.transactions_skipped:
        say(
            "المعاملات التجريبية موجودة من قبل؛ لم تُسجَّل معاملات جديدة — "
            "demo transactions already exist; none registered"
        )
    else:
        say(
            f"المعاملات المسجلة: {counts.transactions_created} في {counts.steps} خطوة، "
            f"من {start:%Y-%m-%d} إلى {end:%Y-%m-%d} — "
            f"transactions registered: {counts.transactions_created} in {counts.steps} steps, "
            f"{start:%Y-%m-%d} to {end:%Y-%m-%d}"
        )
        for line in counts.refused:
            say(f"خطوة رفضتها الخدمات — a step the services refused: {line}")
    demo = Transaction.objects.filter(entity__code__in=history_entities())
    counts.states = Counter(demo.values_list("state", flat=True))
    counts.seconds = time.monotonic() - started
    if write:
        write_summary(write, people, counts, settings["password"])
    return counts


def write_summary(
    write: Write, people: list[tuple[files.DemoPerson, Unit]], counts: Counts, password: str
) -> None:
    write("")
    write(f"كلمة المرور لجميع الحسابات التجريبية — password of every demo account: {password}")
    write("")
    header = ("username", "role", "unit", "entity")
    rows = [
        (
            person.username,
            f"{person.role} ({Role(person.role).label})",
            f"{unit.code} — {unit.name_ar}",
            person.entity,
        )
        for person, unit in people
    ]
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(3)]
    for row in [header, (*("-" * w for w in widths), "------"), *rows]:
        write("  ".join(cell.ljust(widths[i]) if i < 3 else cell for i, cell in enumerate(row)))
    write("")
    states = ", ".join(
        f"{State(s).label} {n}" for s, n in sorted(counts.states.items(), key=lambda kv: -kv[1])
    )
    total = sum(counts.states.values())
    write(f"معاملات الجهات التجريبية: {total} — {states}")
    referrals = Counter(
        Referral.objects.filter(transaction__entity__code__in=history_entities()).values_list(
            "state", flat=True
        )
    )
    write("الإحالات — referrals: " + ", ".join(f"{k} {v}" for k, v in sorted(referrals.items())))
    write(
        f"روابط {Link.objects.count()} — links; "
        f"تعليقات {Event.objects.filter(action='commented').count()} — comments; "
        f"خطابات وصل {IncomingMessage.objects.count()} — letters through Wasl"
    )
    write(f"المدة — time: {counts.seconds:.1f} s")


__all__ = ["Counts", "load_demo"]
