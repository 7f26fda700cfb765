"""The staff inquiry page (session sign-in) and its export."""

from __future__ import annotations

from typing import Any

from django.test import Client

from tests.conftest import make_transaction


def signed_in(person: Any) -> Client:
    client = Client()
    client.force_login(person.user)
    return client


def test_the_page_needs_a_signed_in_person(cast: Any) -> None:
    response = Client().get("/inquiry/", {"q": "تعويض"})
    assert response.status_code == 302


def test_the_page_shows_highlighted_results_facets_and_export_links(cast: Any, corpus: Any) -> None:
    response = signed_in(cast.clerk).get("/inquiry/", {"q": "الأرض"})
    text = response.content.decode()
    assert response.status_code == 200
    assert corpus["land"].reference in text and corpus["lands"].reference in text
    assert "<mark>أرض</mark>" in text
    assert "الحالة" in text and "مسجلة" in text  # the state facet
    assert "export.csv?q=" in text and "export.xlsx?q=" in text
    assert corpus["secret"].reference not in text and corpus["amanah"].reference not in text


def test_a_facet_link_narrows_and_is_marked_current(cast: Any, corpus: Any) -> None:
    client = signed_in(cast.clerk)
    text = client.get("/inquiry/", {"q": "أرض", "kind": "letter"}).content.decode()
    assert corpus["lands"].reference in text and corpus["land"].reference not in text
    assert 'aria-current="true"' in text


def test_a_bad_filter_is_shown_as_a_form_error(cast: Any) -> None:
    response = signed_in(cast.clerk).get("/inquiry/", {"q": "أرض", "from": "غدا"})
    assert response.status_code == 400
    assert "صيغة التاريخ" in response.content.decode()


def test_the_page_runs_a_fixed_number_of_queries(
    cast: Any, django_assert_max_num_queries: Any
) -> None:
    for i in range(15):
        make_transaction(cast, subject=f"طلب تعويض رقم {i}")
    client = signed_in(cast.clerk)
    client.get("/inquiry/", {"q": "تعويض"})
    # session, user, memberships, the search, the page of transactions
    with django_assert_max_num_queries(6):
        response = client.get("/inquiry/", {"q": "تعويض"})
    assert response.content.decode().count('class="hit tier-1"') == 15


def test_the_page_exports_through_the_same_access_rule(cast: Any, corpus: Any) -> None:
    response = signed_in(cast.executive).get("/inquiry/export.csv", {"q": "تعويض"})
    assert response.status_code == 200
    assert response["Content-Disposition"].endswith('.csv"')
    text = response.content.decode("utf-8-sig")
    assert corpus["land"].reference in text and corpus["secret"].reference not in text
    assert signed_in(cast.clerk).get("/inquiry/export.pdf").status_code == 404


def test_someone_without_memberships_sees_nothing(cast: Any, corpus: Any) -> None:
    from wasl.directory import services as directory

    user, _ = directory.ensure_person(username="nobody", first_name="أ", last_name="ب")
    client = Client()
    client.force_login(user)
    text = client.get("/inquiry/", {"q": "تعويض"}).content.decode()
    assert corpus["land"].reference not in text


def test_each_result_names_its_entity_and_unit_in_the_pages_language(
    cast: Any, corpus: Any
) -> None:
    land = corpus["land"]
    client = signed_in(cast.clerk)
    arabic = client.get("/inquiry/", {"q": "الأرض"}).content.decode()
    meta_ar = arabic.split(land.reference, 1)[1].split('class="meta"', 1)[1].split("</p>", 1)[0]
    assert f"<bdi>{land.entity.name_ar}</bdi>" in meta_ar
    assert f"<bdi>{land.unit.name_ar}</bdi>" in meta_ar
    assert "هـ" in meta_ar  # the Hijri date first, the Gregorian beside it
    client.cookies["django_language"] = "en"
    english = client.get("/inquiry/", {"q": "الأرض"}).content.decode()
    meta_en = english.split(land.reference, 1)[1].split('class="meta"', 1)[1].split("</p>", 1)[0]
    assert f"<bdi>{land.entity.name_en}</bdi>" in meta_en
    assert f"<bdi>{land.unit.name_en}</bdi>" in meta_en
    assert land.entity.name_ar not in meta_en and "هـ" not in meta_en
    assert land.registered_on.isoformat() in meta_en and " AH" in meta_en
