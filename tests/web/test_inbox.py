"""The inbox: boxes with counts, filters, sorting, keyset pages, the access rule."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

from django.utils import timezone

from tests.conftest import make_referred, make_transaction
from tests.web.conftest import signed_in
from wasl.core import hijri
from wasl.registry import services as registry
from wasl.registry.models import Referral, Transaction
from wasl.registry.queries import visible_transactions
from wasl.registry.states import HELD_BY_OWNER, OPEN_REFERRAL_STATES
from wasl.web import inbox


def referred_to_rights(cast: Any, n: int = 1, **overrides: Any) -> list[Any]:
    made = []
    for i in range(n):
        fields = {"subject": f"معاملة رقم {i}", **overrides}
        made.append(make_referred(cast, **fields))
    return made


def references_in(html: str) -> list[str]:
    return re.findall(r'class="ref" dir="ltr" href="[^"]+">([A-Z0-9-]+)<', html)


def test_the_boxes_count_new_in_progress_due_soon_overdue_and_held(cast: Any) -> None:
    (_, acked), (_, _pending) = referred_to_rights(cast, 2)
    registry.acknowledge(cast.rights_clerk.actor, acked.public_id)
    make_transaction(cast, by=cast.rights_clerk, unit=cast.rights)  # held by rights
    actor = cast.rights_clerk.actor
    today = timezone.localdate()
    counts = inbox.page(actor, cast.rights.pk, today=today).counts
    assert counts == {
        "open": 2,
        "new": 1,
        "in_progress": 1,
        "due_soon": 0,
        "overdue": 0,
        "incoming": 0,
        "held": 1,
    }
    # Ten working days on (the default for normal urgency), both are due soon; later, late.
    due = acked.due_date
    assert inbox.page(actor, cast.rights.pk, today=due).counts["due_soon"] == 2
    later = inbox.page(actor, cast.rights.pk, box="overdue", today=due + timedelta(days=1))
    assert later.counts["overdue"] == 2
    assert {r.pk for r in later.referrals} == {acked.pk, _pending.pk}


def test_the_inbox_page_shows_what_waits_for_the_unit(cast: Any) -> None:
    ((txn, _),) = referred_to_rights(cast)
    html = signed_in(cast.rights_clerk).get("/").content.decode()
    assert txn.reference in html
    assert 'class="box__count">1<' in html


def test_another_entitys_clerk_sees_nothing_of_it(cast: Any) -> None:
    ((txn, _),) = referred_to_rights(cast)
    html = signed_in(cast.outsider).get("/").content.decode()
    assert txn.reference not in html


def test_a_top_secret_referral_waits_only_for_the_head(cast: Any) -> None:
    ((txn, _),) = referred_to_rights(cast, confidentiality="top_secret")
    assert txn.reference not in signed_in(cast.rights_clerk).get("/").content.decode()
    assert txn.reference in signed_in(cast.rights_head).get("/").content.decode()


def test_filters_narrow_the_list(cast: Any) -> None:
    (urgent, _), (letter, _), (plain, _) = [
        make_referred(cast, subject="عاجل", urgency="urgent"),
        make_referred(cast, subject="خطاب", kind="letter", correspondent_code="GOV-JED"),
        make_referred(cast, subject="عادي"),
    ]
    client = signed_in(cast.rights_clerk)
    assert references_in(client.get("/", {"urgency": "urgent"}).content.decode()) == [
        urgent.reference
    ]
    assert references_in(client.get("/", {"kind": "letter"}).content.decode()) == [letter.reference]
    assert references_in(client.get("/", {"entity": "GOV-JED"}).content.decode()) == [
        letter.reference
    ]
    assert (
        references_in(client.get("/", {"confidentiality": "confidential"}).content.decode()) == []
    )
    assert plain.reference in client.get("/").content.decode()


def test_the_date_range_is_typed_in_hijri_or_gregorian_with_any_digits(cast: Any) -> None:
    ((txn, _),) = referred_to_rights(cast)
    today = timezone.localdate()
    client = signed_in(cast.rights_clerk)
    hijri_today = hijri.format_hijri(today, digits="arabic")  # ١٤٤٨/٠٦/١٢هـ
    html = client.get("/", {"date_from": hijri_today, "date_to": today.isoformat()}).content
    assert txn.reference in html.decode()
    tomorrow = (today + timedelta(days=1)).isoformat()
    assert txn.reference not in client.get("/", {"date_from": tomorrow}).content.decode()


def test_a_bad_date_is_reported_beside_its_field_and_the_list_still_shows(cast: Any) -> None:
    ((txn, _),) = referred_to_rights(cast)
    response = signed_in(cast.rights_clerk).get("/", {"date_from": "1448/13/40"})
    html = response.content.decode()
    assert response.status_code == 200
    assert 'id="id_date_from_error"' in html
    assert 'value="1448/13/40"' in html
    assert txn.reference in html


def test_pages_follow_each_other_without_gaps_or_repeats(cast: Any) -> None:
    made = referred_to_rights(cast, inbox.PAGE_SIZE + 5)
    client = signed_in(cast.rights_clerk)
    seen: list[str] = []
    for sort in ("due", "newest", "oldest"):
        seen = []
        url, params = "/", {"sort": sort}
        for _ in range(3):
            html = client.get(url, params).content.decode()
            seen += references_in(html)
            nxt = re.search(r'rel="next" href="\?([^"]+)"', html)
            if not nxt:
                break
            url, params = "/?" + nxt.group(1).replace("&amp;", "&"), {}
        assert sorted(seen) == sorted(t.reference for t, _ in made), sort
    assert seen == [t.reference for t, _ in made]  # oldest first


def test_newest_first_starts_with_the_last_referred(cast: Any) -> None:
    made = referred_to_rights(cast, 3)
    html = signed_in(cast.rights_clerk).get("/", {"sort": "newest"}).content.decode()
    assert references_in(html)[0] == made[-1][0].reference


def test_the_held_box_lists_what_came_back_to_the_unit(cast: Any) -> None:
    txn, ref = make_referred(cast)
    registry.answer(cast.rights_clerk.actor, ref.public_id, text="تمت الدراسة")
    html = signed_in(cast.clerk).get("/", {"box": "held"}).content.decode()
    assert txn.reference in html


def test_a_forged_cursor_is_ignored(cast: Any) -> None:
    referred_to_rights(cast, 2)
    response = signed_in(cast.rights_clerk).get("/", {"after": "not-a-cursor", "sort": "due"})
    assert response.status_code == 200
    assert len(references_in(response.content.decode())) == 2


def test_the_inbox_costs_a_fixed_number_of_queries(
    cast: Any, django_assert_max_num_queries: Any
) -> None:
    referred_to_rights(cast, 3)
    client = signed_in(cast.rights_clerk)
    client.get("/")  # warm the per-process caches (holidays, entity codes)
    with django_assert_max_num_queries(8):
        small = client.get("/", {"kind": "petition", "sort": "newest"})
    referred_to_rights(cast, 12)
    with django_assert_max_num_queries(8):
        large = client.get("/", {"kind": "petition", "sort": "newest"})
    assert (
        len(references_in(large.content.decode()))
        == 15
        > len(references_in(small.content.decode()))
    )


def test_the_inbox_shows_what_the_access_rule_lets_each_person_see(cast: Any) -> None:
    """For every person and unit: the open referrals to the unit whose transaction the person
    may see (`visible_transactions`), if they work in it; its own held transactions likewise;
    and the boxes count exactly those. (The generated version: tests/registry/
    test_access_properties.py.)"""
    for level in ("normal", "confidential", "top_secret"):
        for by in (cast.clerk, cast.head):
            txn = make_transaction(cast, by=by, confidentiality=level)
            registry.refer(
                by.actor, txn.public_id, to_units=[cast.rights, cast.security], instruction="x"
            )
        _, ref = make_referred(cast, confidentiality=level)
        registry.answer(cast.rights_head.actor, ref.public_id, text="تم")
        make_transaction(cast, by=cast.rights_head, unit=cast.rights, confidentiality=level)
    people = [
        cast.clerk,
        cast.head,
        cast.rights_clerk,
        cast.rights_head,
        cast.security_clerk,
        cast.executive,
        cast.auditor,
        cast.admin,
        cast.outsider,
    ]
    units = [cast.registry, cast.rights, cast.security, cast.amanah_registry]
    hidden_somewhere = shown = 0
    for person in people:
        actor = person.actor
        visible = set(visible_transactions(actor).values_list("id", flat=True))
        for unit in units:
            works_here = unit.pk in actor.working_unit_ids
            waiting = Referral.objects.filter(to_unit=unit, state__in=OPEN_REFERRAL_STATES)
            expected = {r.pk for r in waiting if works_here and r.transaction_id in visible}
            listed = set(inbox.waiting_in(actor, unit.pk).values_list("id", flat=True))
            assert listed == expected, (person.username, unit.code)
            held = Transaction.objects.filter(unit=unit, state__in=HELD_BY_OWNER)
            expected_held = {t.pk for t in held if works_here and t.pk in visible}
            assert set(inbox.held_in(actor, unit.pk).values_list("id", flat=True)) == (
                expected_held
            ), (person.username, unit.code)
            counted = inbox.counts(actor, unit.pk, timezone.localdate())
            assert (counted["open"], counted["held"]) == (len(expected), len(expected_held))
            shown += len(expected)
            hidden_somewhere += works_here and len(expected) < waiting.count()
    assert shown > 10
    assert hidden_somewhere  # the top-secret ones, from the rights clerk


def test_the_default_inbox_page_costs_a_fixed_number_of_queries(
    cast: Any, django_assert_max_num_queries: Any
) -> None:
    _, ref = make_referred(cast)
    registry.acknowledge(cast.rights_clerk.actor, ref.public_id)
    referred_to_rights(cast, 3)
    client = signed_in(cast.rights_clerk)
    client.get("/")
    with django_assert_max_num_queries(9):
        html = client.get("/").content.decode()
    assert len(references_in(html)) == 4


def test_a_person_can_keep_to_the_referrals_that_name_them(cast: Any) -> None:
    named = make_transaction(cast, subject="باسم نورة")
    registry.refer(
        cast.clerk.actor,
        named.public_id,
        to_units=[cast.rights],
        instruction="للأستاذة نورة",
        to_user_id=cast.rights_clerk.user.pk,
    )
    ((other, _),) = referred_to_rights(cast)
    client = signed_in(cast.rights_clerk)
    assert references_in(client.get("/", {"mine": "on"}).content.decode()) == [named.reference]
    assert set(references_in(client.get("/").content.decode())) == {
        named.reference,
        other.reference,
    }


def test_the_main_navigation_leads_to_the_inquiry_and_the_dashboards(cast: Any) -> None:
    client = signed_in(cast.clerk)
    inbox = client.get("/inbox/").content.decode()
    nav = inbox[inbox.index('class="site-nav"') : inbox.index("</nav>")]
    assert '<a href="/inquiry/">الاستعلام الموحد</a>' in nav
    assert '<a href="/dashboards/">لوحات المتابعة</a>' in nav
    found = client.get("/inquiry/", {"q": "طلب"}).content.decode()
    nav = found[found.index('class="site-nav"') : found.index("</nav>")]
    assert '<a href="/inquiry/" aria-current="page">الاستعلام الموحد</a>' in nav
    # The header is the same on the other apps' pages: the unit acted for, and registering.
    assert '<a href="/register/">تسجيل معاملة</a>' in nav
    assert cast.registry.name_ar in found[found.index("</nav>") : found.index("</header>")]
    assert client.get("/dashboards/", follow=True).status_code == 200
    # The letters through Wasl, for whoever works in the unit (an auditor only reads).
    letters = client.get("/letters/").content.decode()
    nav = letters[letters.index('class="site-nav"') : letters.index("</nav>")]
    assert '<a href="/letters/" aria-current="page">الخطابات</a>' in nav
    audits = signed_in(cast.auditor).get("/inbox/").content.decode()
    assert (
        'href="/letters/"' not in audits[audits.index('class="site-nav"') : audits.index("</nav>")]
    )


def test_with_no_box_chosen_the_inbox_opens_where_the_work_is(cast: Any) -> None:
    # The registry unit has no referral addressed to it, only its own transactions back
    # with it: those are shown first (not an empty box of referrals).
    txn = make_transaction(cast)
    page = inbox.page(cast.clerk.actor, cast.registry.pk)
    assert (page.box, page.counts["open"], page.counts["held"]) == ("held", 0, 1)
    assert [t.pk for t in page.transactions] == [txn.pk]
    html = signed_in(cast.clerk).get("/").content.decode()
    assert txn.reference in html
    assert re.search(r'href="\?box=held"[^>]*aria-current="page"', html)
    # A unit with referrals waiting opens on them.
    ((_, _ref),) = referred_to_rights(cast)
    assert inbox.page(cast.rights_clerk.actor, cast.rights.pk).box == "open"
    # A box chosen is kept, even when empty.
    assert inbox.page(cast.clerk.actor, cast.registry.pk, box="open").box == "open"
