"""Follow-up: reminders to holders, escalations to unit heads, on working days, never twice."""

from __future__ import annotations

from datetime import date

from django.core.management import call_command

from tests.conftest import make_referred, make_transaction
from wasl.dashboards import followup
from wasl.dashboards.models import Reminder


def referred_on(cast, clock, day, **kw):
    clock.at(day)
    return make_referred(cast, **kw)


def kinds(day):
    return sorted(Reminder.objects.filter(day=day).values_list("kind", flat=True))


def test_a_referral_due_tomorrow_reminds_its_holder_once(cast, clock):
    # Immediate: due one working day later (Monday 3 November).
    _, _ref = referred_on(cast, clock, date(2025, 11, 2), urgency="immediate")
    report = followup.run(date(2025, 11, 2))
    assert report.sent["due_soon"] == 1
    assert followup.run(date(2025, 11, 2)).total == 0
    assert followup.run(date(2025, 11, 3)).total == 0  # due soon is said once
    assert kinds(date(2025, 11, 2)) == ["due_soon"]


def test_a_late_referral_reminds_the_holder_and_escalates_to_the_head(cast, clock):
    _, _ref = referred_on(cast, clock, date(2025, 11, 2), urgency="immediate")
    assert followup.run(date(2025, 11, 4)).sent == {"due_soon": 0, "overdue": 1, "escalated": 0}
    # Two working days late on Wednesday: escalated to the head of Rights.
    assert followup.run(date(2025, 11, 5)).sent == {"due_soon": 0, "overdue": 0, "escalated": 1}
    # The overdue reminder comes again three working days after the first.
    assert followup.run(date(2025, 11, 9)).sent["overdue"] == 1


def test_running_twice_the_same_day_sends_nothing_twice(cast, clock):
    referred_on(cast, clock, date(2025, 11, 2), urgency="immediate")
    first = followup.run(date(2025, 11, 6))
    second = followup.run(date(2025, 11, 6))
    assert first.total == 2 and second.total == 0
    assert Reminder.objects.count() == 2


def test_nothing_is_sent_on_a_weekend(cast, clock):
    referred_on(cast, clock, date(2025, 11, 2), urgency="immediate")
    report = followup.run(date(2025, 11, 7))  # a Friday
    assert not report.working_day and report.total == 0


def test_answered_referrals_are_not_followed_up_but_their_late_transaction_is(cast, clock):
    from wasl.registry import services as registry

    txn, ref = referred_on(cast, clock, date(2025, 11, 2), urgency="immediate")
    registry.answer(cast.rights_clerk.actor, ref.public_id, text="تم")
    followup.run(date(2025, 11, 6))
    assert not Reminder.objects.filter(referral=ref).exists()
    # Back with the registry, still not closed and past due: the registry is reminded.
    assert set(Reminder.objects.values_list("transaction", "unit", "referral")) == {
        (txn.pk, cast.registry.pk, None)
    }
    registry.close(cast.clerk.actor, txn.public_id, reason="انتهى")
    assert followup.run(date(2025, 11, 10)).total == 0


def test_a_late_transaction_its_own_unit_holds_reminds_its_clerk_and_escalates_to_the_head(
    cast, clock
):
    # Urgent, registered on Sunday 2 November, never referred: due on Sunday the 9th.
    clock.at(date(2025, 11, 2))
    txn = make_transaction(cast, urgency="urgent")
    assert followup.run(date(2025, 11, 5)).total == 0  # not due yet
    assert followup.run(date(2025, 11, 6)).sent["due_soon"] == 1  # due next working day
    assert followup.run(date(2025, 11, 10)).sent == {"due_soon": 0, "overdue": 1, "escalated": 0}
    assert followup.run(date(2025, 11, 10)).total == 0  # the same day again: nothing twice
    assert followup.run(date(2025, 11, 11)).sent == {"due_soon": 0, "overdue": 0, "escalated": 1}
    clerk = [(r.kind, r.transaction_id) for r in followup.reminders_for(cast.clerk.actor)]
    assert clerk == [("overdue", txn.pk), ("due_soon", txn.pk)]
    head = {r.kind for r in followup.reminders_for(cast.head.actor)}
    assert "escalated" in head
    assert not [r for r in followup.reminders_for(cast.rights_head.actor)]


def test_a_transaction_out_on_referral_is_followed_up_through_its_referral_only(cast, clock):
    _txn, ref = referred_on(cast, clock, date(2025, 11, 2), urgency="immediate")
    followup.run(date(2025, 11, 6))
    assert set(Reminder.objects.values_list("referral", flat=True)) == {ref.pk}


def test_a_transaction_with_its_own_due_date_is_followed_up_by_it(cast, clock):
    clock.at(date(2025, 11, 2))
    make_transaction(cast, due_date=date(2025, 11, 20))
    assert followup.run(date(2025, 11, 12)).total == 0  # 10 working days would say late
    assert followup.run(date(2025, 11, 19)).sent["due_soon"] == 1


def test_holders_see_reminders_and_heads_see_escalations(cast, clock):
    _, _ref = referred_on(cast, clock, date(2025, 11, 2), urgency="immediate")
    followup.run(date(2025, 11, 5))
    clerk = [r.kind for r in followup.reminders_for(cast.rights_clerk.actor)]
    head = [r.kind for r in followup.reminders_for(cast.rights_head.actor)]
    assert clerk == ["overdue"]
    assert sorted(head) == ["escalated", "overdue"]
    assert list(followup.reminders_for(cast.outsider.actor)) == []


def test_the_command_runs_for_a_given_day(cast, clock, capsys):
    referred_on(cast, clock, date(2025, 11, 2), urgency="immediate")
    call_command("followup", "--date", "2025-11-06")
    assert "2 sent" in capsys.readouterr().out
    call_command("followup", "--date", "1447/05/16هـ")  # Friday 7 November
    assert "not a working day" in capsys.readouterr().out


def test_reminders_show_on_the_unit_page_and_the_holder_own_page(cast, clock):
    from django.test import Client

    txn, _ref = referred_on(cast, clock, date(2025, 11, 2), urgency="immediate")
    clock.at(date(2025, 11, 5))
    followup.run(date(2025, 11, 5))

    def page(person, url):
        client = Client()
        client.force_login(person.user)
        return client.get(url).content.decode()

    unit = page(cast.rights_head, f"/dashboards/unit/{cast.rights.public_id}/")
    assert txn.reference in unit and "تصعيد إلى مدير الإدارة" in unit
    assert f'href="/t/{txn.public_id}/"' in unit  # straight to the late one
    own = page(cast.rights_clerk, "/dashboards/person/rights_clerk/")
    assert txn.reference in own and "تذكير بتأخر الإنجاز" in own
    assert txn.reference not in page(cast.clerk, "/dashboards/person/clerk/")
    # in English: the kinds, the unit and both calendars in English, no Arabic label left
    client = Client()
    client.force_login(cast.rights_head.user)
    client.cookies["django_language"] = "en"
    english = client.get(f"/dashboards/unit/{cast.rights.public_id}/").content.decode()
    assert (
        "Escalated to the unit&#x27;s head" in english or "Escalated to the unit's head" in english
    )
    assert "تصعيد إلى مدير الإدارة" not in english and "Rights" in english
    assert "2025" in english and "1447" in english  # due: Gregorian and Hijri
