"""The entity administrator's pages: only the entity's administrator reaches them (everyone
else gets the page-not-found of a missing page), every change is audited, and bad input is
answered in the person's language with nothing changed."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from tests.conftest import PASSWORD
from tests.web.conftest import signed_in
from wasl.audit.models import AuditRecord
from wasl.directory import services as directory
from wasl.directory.models import Membership, Unit
from wasl.exchange import members
from wasl.exchange.models import MemberKey
from wasl.registry.models import Holiday

pytestmark = pytest.mark.django_db

PAGES = [
    "/administration/EMK/",
    "/administration/EMK/people/new/",
    "/administration/EMK/people/clerk/",
    "/administration/EMK/units/",
    "/administration/EMK/calendar/",
    "/administration/EMK/due-times/",
    "/administration/EMK/keys/",
]


def amanah_admin(cast: Any) -> Any:
    user, _ = directory.ensure_person(
        username="amn_admin", first_name="عبير", last_name="الحربي", password=PASSWORD
    )
    directory.grant(user, cast.amanah_registry, "entity_admin")
    return user


def english(client: Client) -> Client:
    client.cookies["django_language"] = "en"
    return client


def without_tokens(response: Any) -> str:
    """A page without its per-request parts (form tokens, its own address)."""
    return re.sub(r'value="[^"]*"', 'value=""', response.content.decode())


def audit_count() -> int:
    return AuditRecord.objects.count()


def test_the_administrator_sees_every_page_and_the_link(cast: Any) -> None:
    client = signed_in(cast.admin)
    for path in [*PAGES, f"/administration/EMK/units/{cast.rights.public_id}/"]:
        response = client.get(path)
        assert response.status_code == 200, path
    assert client.get("/administration/").url == "/administration/EMK/"
    inbox = client.get("/inbox/").content.decode()
    assert 'href="/administration/"' in inbox
    assert 'href="/administration/"' not in signed_in(cast.clerk).get("/inbox/").content.decode()


@pytest.mark.parametrize("who", ["clerk", "executive", "other_admin", "outsider"])
def test_others_get_the_answer_of_a_missing_page(cast: Any, who: str) -> None:
    user = amanah_admin(cast) if who == "other_admin" else getattr(cast, who).user
    client = Client()
    client.force_login(user)
    missing = client.get("/administration/NO-SUCH/")
    assert missing.status_code == 404
    for path in [*PAGES, f"/administration/EMK/units/{cast.rights.public_id}/"]:
        response = client.get(path)
        assert response.status_code == 404, path
        assert without_tokens(response) == without_tokens(missing), path
    before = audit_count()
    posts = [
        ("/administration/EMK/people/clerk/deactivate/", {}),
        ("/administration/EMK/people/clerk/reset/", {}),
        ("/administration/EMK/keys/", {}),
        ("/administration/EMK/units/", {"code": "X", "name_ar": "س"}),
    ]
    for path, data in posts:
        assert client.post(path, data).status_code == 404, path
    assert audit_count() == before


def test_another_entitys_admin_reaches_only_their_own(cast: Any) -> None:
    client = Client()
    client.force_login(amanah_admin(cast))
    assert client.get("/administration/AMN-JED/").status_code == 200
    # The person of another entity, through one's own entity's address: missing too.
    assert client.get("/administration/AMN-JED/people/clerk/").status_code == 404


def test_a_stranger_is_sent_to_sign_in(client: Client, cast: Any) -> None:
    response = client.get("/administration/EMK/")
    assert response.status_code == 302 and "/signin/" in response.url


def test_inviting_a_person_gives_a_one_time_link_that_sets_the_password(cast: Any) -> None:
    client = signed_in(cast.admin)
    response = client.post(
        "/administration/EMK/people/new/",
        {
            "first_name": "سارة",
            "last_name": "القرشي",
            "username": "sara.q",
            "unit": str(cast.rights.public_id),
            "roles": ["clerk"],
        },
    )
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    (link,) = re.findall(r'value="(http://testserver/password/[^"]+)"', response.content.decode())
    record = AuditRecord.objects.filter(action="directory.person.invited").get()
    assert record.actor == "admin" and link not in str(record.data)
    person = Client()
    page = person.get(link, follow=True)
    assert page.status_code == 200 and "new_password1" in page.content.decode()
    done = person.post(
        page.redirect_chain[-1][0],
        {"new_password1": "a long new secret 1448", "new_password2": "a long new secret 1448"},
    )
    assert done.status_code == 302 and done.url == "/signin/"
    assert person.login(username="sara.q", password="a long new secret 1448")
    # Used once: the same link does not work again.
    again = Client().get(link, follow=True)
    assert "new_password1" not in again.content.decode()


@pytest.mark.parametrize(
    ("language", "fields", "words"),
    [
        ("ar", {"username": "clerk"}, "اسم المستخدم مستعمل من قبل"),
        ("en", {"username": "CLERK"}, "This username is taken"),
        ("en", {"username": "a b"}, "3 to 40 small Latin letters"),
        ("ar", {"roles": []}, "هذا الحقل مطلوب"),
    ],
)
def test_a_bad_invitation_says_why_and_adds_no_one(
    cast: Any, language: str, fields: dict[str, Any], words: str
) -> None:
    client = signed_in(cast.admin)
    if language == "en":
        english(client)
    before = (get_user_model().objects.count(), audit_count())
    data = {
        "first_name": "سارة",
        "last_name": "القرشي",
        "username": "new.person",
        "unit": str(cast.rights.public_id),
        "roles": ["clerk"],
        **fields,
    }
    response = client.post("/administration/EMK/people/new/", data)
    assert response.status_code == 400
    assert words in response.content.decode()
    assert (get_user_model().objects.count(), audit_count()) == before


def test_a_unit_of_another_entity_is_refused(cast: Any) -> None:
    client = signed_in(cast.admin)
    response = client.post(
        "/administration/EMK/people/clerk/",
        {"unit": str(cast.amanah_registry.public_id), "roles": ["clerk"]},
    )
    assert response.status_code == 400
    assert Membership.objects.filter(unit=cast.amanah_registry, user=cast.clerk.user).count() == 0


def test_changing_a_persons_unit_and_roles(cast: Any) -> None:
    client = signed_in(cast.admin)
    response = client.post(
        "/administration/EMK/people/clerk/",
        {"unit": str(cast.rights.public_id), "roles": ["clerk", "unit_head"]},
    )
    assert response.status_code == 302
    assert cast.clerk.actor.heads(cast.rights.pk)
    assert AuditRecord.objects.filter(action="directory.person.roles_changed").count() == 1


def test_removing_the_last_administrator_is_refused(cast: Any) -> None:
    client = english(signed_in(cast.admin))
    before = audit_count()
    response = client.post(
        "/administration/EMK/people/admin/",
        {"unit": str(cast.registry.public_id), "roles": ["clerk"]},
    )
    assert response.status_code == 400
    assert "last administrator" in response.content.decode()
    assert cast.admin.actor.administers(cast.emk.pk) and audit_count() == before


def test_deactivating_oneself_is_refused_in_arabic(cast: Any) -> None:
    client = signed_in(cast.admin)
    response = client.post("/administration/EMK/people/admin/deactivate/", follow=True)
    assert "لا يمكنك إيقاف حسابك أنت" in response.content.decode()
    cast.admin.user.refresh_from_db()
    assert cast.admin.user.is_active


def test_deactivate_reactivate_and_reset(cast: Any) -> None:
    client = signed_in(cast.admin)
    clerk = signed_in(cast.clerk)
    assert clerk.get("/inbox/").status_code == 200
    client.post("/administration/EMK/people/clerk/deactivate/")
    assert clerk.get("/inbox/").status_code == 302  # signed out: the account is off
    client.post("/administration/EMK/people/clerk/reactivate/")
    response = client.post("/administration/EMK/people/clerk/reset/")
    assert response.status_code == 200 and "/password/" in response.content.decode()
    cast.clerk.user.refresh_from_db()
    assert not cast.clerk.user.check_password(PASSWORD)
    actions = list(
        AuditRecord.objects.filter(chain="EMK", actor="admin")
        .order_by("seq")
        .values_list("action", flat=True)
    )
    assert actions == [
        "directory.person.deactivated",
        "directory.person.reactivated",
        "directory.person.password_reset",
    ]


def test_units_tree_add_rename_registry_heads(cast: Any) -> None:
    client = signed_in(cast.admin)
    response = client.post(
        "/administration/EMK/units/",
        {"code": "LANDS", "name_ar": "قسم الأراضي", "parent": str(cast.rights.public_id)},
    )
    lands = Unit.objects.get(entity=cast.emk, code="LANDS")
    assert response.url == f"/administration/EMK/units/{lands.public_id}/"
    page = f"/administration/EMK/units/{lands.public_id}/"
    client.post(page, {"act": "rename", "rename-name_ar": "قسم الأراضي والعقار"})
    client.post(page, {"act": "registry"})
    client.post(page, {"act": "heads", "heads-heads": ["rights_clerk"]})
    lands.refresh_from_db()
    assert lands.name_ar == "قسم الأراضي والعقار" and lands.is_registry
    assert cast.rights_clerk.actor.heads(lands.pk)
    tree = client.get("/administration/EMK/units/").content.decode()
    assert "tree-depth--1" in tree and "قسم الأراضي والعقار" in tree
    assert AuditRecord.objects.filter(chain="EMK", actor="admin").count() == 4


def test_a_head_from_another_entity_is_refused(cast: Any) -> None:
    client = english(signed_in(cast.admin))
    before = audit_count()
    response = client.post(
        f"/administration/EMK/units/{cast.rights.public_id}/",
        {"act": "heads", "heads-heads": ["outsider"]},
    )
    assert response.status_code == 400
    assert "A head must be an active person of this entity: outsider" in response.content.decode()
    assert audit_count() == before


def test_a_duplicate_unit_code_is_refused(cast: Any) -> None:
    response = signed_in(cast.admin).post(
        "/administration/EMK/units/", {"code": "RIGHTS", "name_ar": "مكرر"}
    )
    assert response.status_code == 400
    assert "في الجهة إدارة بهذا الرمز من قبل" in response.content.decode()


def test_holidays_in_both_calendars(cast: Any) -> None:
    client = signed_in(cast.admin)
    response = client.post(
        "/administration/EMK/calendar/", {"day": "1448/09/01", "name_ar": "بداية رمضان"}
    )
    assert response.status_code == 302
    holiday = Holiday.objects.get()
    assert holiday.date.isoformat() == "2027-02-08"
    page = client.get("/administration/EMK/calendar/").content.decode()
    assert "1448/09/01" in page and "2027" in page
    client.post(f"/administration/EMK/calendar/{holiday.date.isoformat()}/remove/")
    assert not Holiday.objects.exists()
    assert list(
        AuditRecord.objects.filter(chain="EMK", action__startswith="registry.holiday")
        .order_by("seq")
        .values_list("action", flat=True)
    ) == ["registry.holiday.added", "registry.holiday.removed"]


@pytest.mark.parametrize("language", ["ar", "en"])
def test_a_holiday_date_that_is_not_a_date(cast: Any, language: str) -> None:
    client = signed_in(cast.admin)
    if language == "en":
        english(client)
    response = client.post("/administration/EMK/calendar/", {"day": "1448/13/40", "name_ar": "س"})
    assert response.status_code == 400
    words = "Not a date" if language == "en" else "تاريخ غير صحيح"
    assert words in response.content.decode()
    assert not Holiday.objects.exists()


def test_a_governorates_administrator_reads_the_holidays(cast: Any) -> None:
    user, _ = directory.ensure_person(username="jed_admin", first_name="س", last_name="ع")
    directory.grant(user, cast.jed_office, "entity_admin")
    client = Client()
    client.force_login(user)
    page = client.get("/administration/GOV-JED/calendar/").content.decode()
    assert 'name="day"' not in page
    client.post("/administration/GOV-JED/calendar/", {"day": "2027-02-08", "name_ar": "س"})
    assert not Holiday.objects.exists()


def test_due_times_are_shown_read_only(cast: Any) -> None:
    page = english(signed_in(cast.admin)).get("/administration/EMK/due-times/")
    text = page.content.decode()
    assert "Working days" in text and "<form" not in text.split("<main")[1]


def test_keys_show_fingerprints_and_rotate(cast: Any) -> None:
    client = signed_in(cast.admin)
    assert (
        "not a member"
        in english(signed_in(cast.admin)).get("/administration/EMK/keys/").content.decode()
    )
    members.init_node("NODE-T", "http://testserver")
    members.join(cast.emk)
    (key,) = MemberKey.objects.filter(member__code="EMK")
    page = client.get("/administration/EMK/keys/").content.decode()
    assert key.key_id in page and key.key_id.upper()[:4] in page
    assert key.sealed_private_key not in page
    client.post("/administration/EMK/keys/")
    assert MemberKey.objects.filter(member__code="EMK").count() == 2
    assert AuditRecord.objects.filter(
        action="exchange.key.rotation_requested", actor="admin"
    ).exists()


ADMIN_PAGES = [
    ("people", "/administration/EMK/"),
    ("invite", "/administration/EMK/people/new/"),
    ("person", "/administration/EMK/people/clerk/"),
    ("units", "/administration/EMK/units/"),
    ("unit", "/administration/EMK/units/{rights}/"),
    ("calendar", "/administration/EMK/calendar/"),
    ("due-times", "/administration/EMK/due-times/"),
    ("keys", "/administration/EMK/keys/"),
]


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("language", ["ar", "en"])
def test_the_pages_in_a_browser(
    chromium: Any, live_server: Any, cast: Any, language: str, tmp_path: Any
) -> None:
    """At 390 and 1366 px, in both languages: no sideways scrolling, axe-core finds nothing,
    and an error typed by keyboard alone is announced beside its field."""
    from tests.web.conftest import screenshot_path
    from tests.web.test_axe import choose_language, open_in, sign_in, too_wide, violations
    from wasl.registry import holidays

    members.init_node("NODE-T", "http://testserver")
    members.join(cast.emk)
    holidays.add_holiday(
        cast.admin.actor,
        cast.emk,
        day=date(2027, 2, 22),
        name_ar="يوم التأسيس",
        name_en="Founding Day",
    )
    context, page = open_in(chromium, live_server, language)
    failures: dict[str, Any] = {}
    try:
        choose_language(page, language)
        sign_in(page, "admin")
        for name, path in ADMIN_PAGES:
            page.goto(path.format(rights=cast.rights.public_id))
            assert "/signin/" not in page.url
            if found := violations(page) + too_wide(page):
                failures[path] = found
            for width in (390, 1366):
                page.set_viewport_size({"width": width, "height": 900})
                shot = screenshot_path(f"administration-{name}-{language}-{width}.png", tmp_path)
                page.screenshot(path=str(shot), full_page=True)
                assert shot.stat().st_size > 10_000
        # The one-time link, given and opened.
        page.set_viewport_size({"width": 1280, "height": 900})
        page.goto("/administration/EMK/people/clerk/")
        page.locator("form[action$='/reset/'] button").click()
        page.wait_for_selector("#one-time-link")
        link = page.locator("#one-time-link").input_value()
        for name, url in [("link", None), ("set-password", link)]:
            if url:
                page.context.clear_cookies()
                choose_language(page, language)
                page.goto(url)
                page.wait_for_selector("#id_new_password1")
            if found := violations(page) + too_wide(page):
                failures[name] = found
            for width in (390, 1366):
                page.set_viewport_size({"width": width, "height": 900})
                shot = screenshot_path(f"administration-{name}-{language}-{width}.png", tmp_path)
                page.screenshot(path=str(shot), full_page=True)
        page.context.clear_cookies()
        choose_language(page, language)
        sign_in(page, "admin")
        # A holiday date that is not a date, by keyboard alone.
        page.set_viewport_size({"width": 1280, "height": 900})
        page.goto("/administration/EMK/calendar/")
        page.locator("#id_day").focus()
        page.keyboard.type("1448/13/40")
        page.keyboard.press("Tab")
        page.keyboard.type("عطلة")
        page.keyboard.press("Enter")
        page.wait_for_selector(".field__error")
        assert page.locator("#id_day").get_attribute("aria-invalid") == "true"
        if found := violations(page):
            failures["calendar with an error"] = found
    finally:
        context.close()
    assert failures == {}, failures


def test_the_password_rules_apply_on_the_link_page(cast: Any) -> None:
    response = signed_in(cast.admin).post("/administration/EMK/people/clerk/reset/")
    (link,) = re.findall(r'value="(http://testserver/password/[^"]+)"', response.content.decode())
    person = Client()
    page = person.get(link, follow=True)
    short = person.post(
        page.redirect_chain[-1][0], {"new_password1": "abc", "new_password2": "abc"}
    )
    assert short.status_code == 200
    assert (
        "كلمة المرور" in short.content.decode() and 'aria-invalid="true"' in short.content.decode()
    )
    cast.clerk.user.refresh_from_db()
    assert not cast.clerk.user.has_usable_password()


# Session, person, memberships, units of the header; then the page's own reads.
QUERIES = {"/administration/EMK/": 8, "/administration/EMK/units/": 7}


@pytest.mark.parametrize("path", list(QUERIES))
def test_the_lists_take_the_same_queries_however_long(
    cast: Any, path: str, django_assert_num_queries: Any
) -> None:
    client = signed_in(cast.admin)
    client.get(path)  # the session and the first reads settle
    with django_assert_num_queries(QUERIES[path]):
        assert client.get(path).status_code == 200
    for i in range(5):
        unit, _ = directory.ensure_unit(
            entity=cast.emk, code=f"U{i}", name_ar=f"إدارة {i}", name_en="", parent=cast.rights
        )
        user, _ = directory.ensure_person(username=f"p{i}", first_name="س", last_name="ع")
        directory.grant(user, unit, "clerk")
        directory.grant(user, cast.rights, "unit_head")
    with django_assert_num_queries(QUERIES[path]):
        page = client.get(path)
    assert "p4" in page.content.decode() or "U4" in page.content.decode()
