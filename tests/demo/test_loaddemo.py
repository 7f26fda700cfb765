"""`wasl loaddemo`: the demo region, its people, and months of its work (two and a half here)."""

from __future__ import annotations

from collections import Counter
from datetime import time, timedelta
from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db.models import F
from django.utils import timezone

from wasl.audit.services import verify_all
from wasl.core import hijri
from wasl.dashboards import rollups
from wasl.dashboards.measures import measures
from wasl.dashboards.models import Reminder
from wasl.dashboards.periods import Period, month_period
from wasl.dashboards.scopes import resolve
from wasl.demo import files
from wasl.directory.actors import actor_for
from wasl.directory.models import Entity, Membership, Unit
from wasl.exchange.models import IncomingMessage, Member
from wasl.registry import calendar
from wasl.registry.models import (
    Event,
    Holiday,
    Link,
    PartyType,
    Referral,
    Transaction,
)
from wasl.registry.states import ReferralState, State

from .conftest import END, MONTHS, START

pytestmark = pytest.mark.django_db
HISTORY = list(files.load_history()["per_day"])
FIRST_AND_LAST = {(2026, 5), (2026, 8)}  # in part; June and July whole
User = get_user_model()


def snapshot() -> dict[str, int]:
    return {
        "entities": Entity.objects.count(),
        "units": Unit.objects.count(),
        "users": User.objects.count(),
        "memberships": Membership.objects.count(),
        "transactions": Transaction.objects.count(),
        "referrals": Referral.objects.count(),
        "events": Event.objects.count(),
        "links": Link.objects.count(),
        "holidays": Holiday.objects.count(),
        "letters": IncomingMessage.objects.count(),
        "reminders": Reminder.objects.count(),
    }


def test_the_region_its_units_and_its_people_are_there(loaded):
    assert Entity.objects.count() >= 100
    assert set(Entity.objects.values_list("kind", flat=True)) == set(Entity.Kind.values)
    assert Entity.objects.filter(kind=Entity.Kind.GOVERNORATE).count() == 17
    assert Entity.objects.filter(kind=Entity.Kind.AMANAH).count() == 3
    assert not Entity.objects.filter(units__isnull=True).exists()
    for entity in Entity.objects.all():
        assert entity.units.filter(is_registry=True).count() == 1, entity.code
    for person in files.load_people():
        assert Membership.objects.filter(
            user__username=person.username,
            user__first_name=person.first_name,
            user__last_name=person.last_name,
            role=person.role,
            unit__code=person.unit,
            unit__entity__code=person.entity,
        ).exists(), person.username
    password = files.load_history()["password"]
    clerk = User.objects.get(username="emk.clerk")
    assert clerk.check_password(password)
    assert User.objects.get(username="amnjed.it.clerk").check_password(password)
    registry_unit = Membership.objects.get(user=clerk).unit
    assert registry_unit.is_registry
    assert registry_unit.name_ar == "الإدارة العامة للاتصالات الإدارية"
    assert password in loaded and "emk.auditor" in loaded
    # The official holidays: the National Day of 2026 among them, with both names.
    day = Holiday.objects.get(date="2026-09-23")
    assert (day.name_ar, day.name_en) == ("اليوم الوطني", "National Day")


def test_a_second_load_adds_nothing(loaded):
    before = snapshot()
    out = StringIO()
    call_command("loaddemo", "--end", END.isoformat(), f"--months={MONTHS}", stdout=out)
    assert snapshot() == before
    assert "already exist" in out.getvalue()


def test_the_history_spans_its_months_of_working_days(loaded):
    txns = Transaction.objects.filter(entity__code__in=HISTORY)
    assert txns.count() >= 120 * MONTHS
    first = timezone.localtime(txns.order_by("registered_at").first().registered_at)
    last = timezone.localtime(txns.order_by("registered_at").last().registered_at)
    assert START <= first < START + timedelta(days=9)
    assert END - timedelta(days=2) < last <= END
    months = Counter((r.year, r.month) for r in txns.values_list("registered_on", flat=True))
    assert len(months) == 4, months  # May to August, the first and last in part
    full = [n for (year, month), n in months.items() if (year, month) not in FIRST_AND_LAST]
    assert len(full) == 2 and min(full) >= 100, months
    # Reference numbers follow the Hijri year of registration: the history crosses 1448.
    assert {1447, 1448} <= set(txns.values_list("hijri_year", flat=True))
    holidays = calendar.holidays()
    starts, ends = time(7, 30), time(14, 30)
    for moment in txns.values_list("registered_at", flat=True):
        local = timezone.localtime(moment)
        assert hijri.is_working_day(local.date(), holidays), local
        assert starts <= local.time() <= ends, local


def test_every_step_comes_after_the_one_before(loaded):
    rows = Event.objects.filter(transaction__entity__code__in=HISTORY).order_by(
        "transaction_id", "id"
    )
    previous: dict[int, object] = {}
    for txn_id, at in rows.values_list("transaction_id", "created_at"):
        assert previous.get(txn_id, at) <= at
        previous[txn_id] = at
    assert not Referral.objects.filter(finished_at__lt=F("created_at")).exists()
    assert not Transaction.objects.filter(closed_at__lt=F("registered_at")).exists()
    assert not Event.objects.filter(created_at__gt=END).exists()
    # The older work is mostly done; the recent work mostly open.
    txns = Transaction.objects.filter(entity__code__in=HISTORY)
    old = txns.filter(registered_at__lt=END - timedelta(days=60))
    recent = txns.filter(registered_at__gte=END - timedelta(days=7))
    assert old.filter(state=State.CLOSED).count() > 0.8 * old.count()
    assert recent.exclude(state__in=[State.CLOSED, State.CANCELLED]).count() > (
        0.4 * recent.count()
    )


def test_there_is_work_in_every_state_and_every_unit(loaded):
    txns = Transaction.objects.filter(entity__code__in=HISTORY)
    assert set(txns.values_list("state", flat=True)) == set(State.values)
    refs = Referral.objects.filter(transaction__entity__code__in=HISTORY)
    assert set(refs.values_list("state", flat=True)) == set(ReferralState.values)
    for code in HISTORY:
        assert txns.filter(entity__code=code).count() >= 12 * MONTHS, code
    # Every clerk's and head's unit registered or was referred a transaction
    # (counted in Python from two lists: a query per person is minutes on PostgreSQL here).
    touched: dict[int, set[int]] = {}
    for unit_id, txn_id in [
        *txns.values_list("unit_id", "id"),
        *Referral.objects.filter(transaction__in=txns).values_list("to_unit_id", "transaction_id"),
    ]:
        touched.setdefault(unit_id, set()).add(txn_id)
    units = {(u.entity.code, u.code): u.pk for u in Unit.objects.select_related("entity")}
    for person in files.load_people():
        if person.entity not in HISTORY or person.role not in ("clerk", "unit_head"):
            continue
        unit_id = units[(person.entity, person.unit)]
        assert touched.get(unit_id), (person.entity, person.unit)
    assert txns.filter(confidentiality="top_secret").count() >= 2
    assert txns.filter(confidentiality="confidential").exists()
    assert txns.filter(urgency="immediate").exists()
    assert txns.filter(party_type=PartyType.RESIDENT).exists()
    assert Link.objects.filter(kind="answers").exists()
    assert Link.objects.filter(kind__in=["related", "follows"]).exists()
    assert Event.objects.filter(action="commented").exists()


def test_some_meet_their_due_dates_some_miss_them_and_some_are_overdue(loaded):
    end = timezone.localdate(END)
    done = Referral.objects.filter(state=ReferralState.ANSWERED)
    on_time = sum(
        timezone.localdate(f) <= due for f, due in done.values_list("finished_at", "due_date")
    )
    late = done.count() - on_time
    assert on_time > 2 * late > 0, (on_time, late)
    overdue = Referral.objects.filter(
        state__in=[ReferralState.PENDING, ReferralState.ACKNOWLEDGED], due_date__lt=end
    )
    assert overdue.count() >= 10
    # Forgotten ones: work older than the history settles (`settled_after_days`), still open.
    settled_after = timedelta(days=files.load_history()["scenarios"]["settled_after_days"])
    assert overdue.filter(transaction__registered_at__lt=END - settled_after).exists()
    kinds = set(Reminder.objects.values_list("kind", flat=True))
    assert kinds == set(Reminder.Kind.values)
    assert Reminder.objects.filter(kind=Reminder.Kind.ESCALATED).count() >= 10
    assert Reminder.objects.order_by("day").first().day < end - timedelta(days=45)


def test_letters_went_both_ways_through_wasl(loaded):
    letters = IncomingMessage.objects.filter(kind="letter").select_related("sender", "receiver")
    pairs = {(m.sender.code, m.receiver.code) for m in letters}
    assert {("EMK", "GOV-JED"), ("GOV-JED", "EMK"), ("EMK", "AMN-JED"), ("AMN-JED", "EMK")} <= (
        pairs
    )
    assert letters.count() >= 50
    # Answers by letter, linked to the letter they answer, and statuses back to the sender.
    answered = Link.objects.filter(kind="answers", source__direction="incoming")
    assert answered.count() >= 10
    assert IncomingMessage.objects.filter(kind="status").count() >= 50
    assert all(m.transaction_id for m in letters)
    assert Member.objects.filter(node__is_self=True, is_active=True).count() == (
        Entity.objects.filter(units__is_registry=True, units__is_active=True).distinct().count()
    )


def test_the_dashboards_agree_with_the_history_and_show_it(loaded, client):
    assert rollups.check().ok
    executive = actor_for(User.objects.get(username="emk.executive"))
    end = timezone.localdate(END)
    for month in (6, 7):  # the full months of the history, June and July 2026
        period = month_period(2026, month, "gregorian")
        got = measures(resolve(executive, "entity:EMK"), period, today=end)
        t = got.transactions
        assert t.received > 40 and t.completed > 40, (month, t)
        assert 0.5 < t.on_time / t.completed < 0.95, (month, t)
        assert got.referrals is not None and got.referrals.received > 20, month
    now = measures(resolve(executive, "entity:EMK"), Period(end, end, "range"), today=end)
    t = now.transactions
    assert t.open > 20 and 5 < t.overdue < t.open * 0.7, t
    client.force_login(User.objects.get(username="emk.executive"))
    assert client.get("/dashboards/entity/EMK/").status_code == 200


def test_the_audit_chains_hold(loaded):
    checked, problems = verify_all()
    assert checked > Transaction.objects.count()
    assert problems == []


def test_the_output_says_what_was_loaded(loaded):
    assert "transactions registered:" in loaded
    assert "letters through Wasl" in loaded
    assert "exchange:" in loaded
    assert "refused" not in loaded
