"""GET /api/v1/inquiry: one box for references, ID and mobile numbers and words, inside the
access rule — results, counts and facets alike."""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import make_transaction
from tests.inquiry.conftest import all_words, refs
from wasl.registry import services as registry


def test_it_requires_a_token(cast: Any, api: Any) -> None:
    assert api(None).get("/inquiry", q="تعويض").status_code == 401


def test_it_finds_a_transaction_by_its_reference(cast: Any, corpus: Any, api: Any) -> None:
    response = api(cast.clerk).get("/inquiry", q=corpus["land"].reference)
    assert refs(response) == [corpus["land"].reference]
    assert response.json()["understood_as"] == "reference"


@pytest.mark.parametrize(
    "typed",
    [
        lambda r: r.lower(),
        lambda r: r.replace("-", ""),
        lambda r: r.replace("-", " "),
        lambda r: r.replace("-", "/"),
        lambda r: r.translate(str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")),
        lambda r: r.replace("-00000", "-"),
        lambda r: "\u200f" + r + "\u200f",
    ],
    ids=["lowercase", "no dashes", "spaces", "slashes", "arabic digits", "no zeros", "rlm"],
)
def test_a_reference_is_understood_however_it_is_typed(
    cast: Any, corpus: Any, api: Any, typed: Any
) -> None:
    reference = corpus["land"].reference
    assert refs(api(cast.clerk).get("/inquiry", q=typed(reference))) == [reference]


def test_a_reference_without_the_entity_code_is_looked_up_in_my_entities(
    cast: Any, corpus: Any, api: Any
) -> None:
    txn = corpus["land"]
    typed = f"{txn.hijri_year}/{txn.sequence}"
    assert refs(api(cast.clerk).get("/inquiry", q=typed)) == [txn.reference]


def test_someone_else_s_reference_finds_nothing(cast: Any, corpus: Any, api: Any) -> None:
    response = api(cast.outsider).get("/inquiry", q=corpus["land"].reference)
    assert response.json()["total"] == 0
    assert response.json()["facets"] == {}


def test_it_finds_transactions_by_the_person_s_id_number_person_first(
    cast: Any, corpus: Any, api: Any
) -> None:
    response = api(cast.clerk).get("/inquiry", q="١٠٥٨٥٢٩٩٤٠")
    assert response.json()["understood_as"] == "id_number"
    # The Emirate's one, not the Amanah's with the same person.
    assert refs(response) == [corpus["land"].reference]


def test_it_finds_transactions_by_mobile_number_in_any_format(
    cast: Any, corpus: Any, api: Any
) -> None:
    for typed in ("0551234567", "+966551234567", "00966 55 123 4567", "٠٥٥١٢٣٤٥٦٧"):
        response = api(cast.clerk).get("/inquiry", q=typed)
        assert response.json()["understood_as"] == "phone", typed
        assert refs(response) == [corpus["land"].reference], typed


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("تعويض", ["land"]),
        ("ارض", ["land", "lands"]),
        ("الاراضي", ["lands", "land"]),
        ("بالأراضي", ["lands", "land"]),  # neither has this exact form: no order asked
        ("عبد الله", ["land", "complaint"]),  # both spellings rank alike: no order asked
        ("عبدالله", ["complaint", "land"]),
        ("مسؤول", ["official"]),
        ("مسئول", ["official"]),
        ("شؤون الموظفين", ["official"]),
        ("المعاملة المتأخرة", ["official"]),
        ("مُسْتَحَقّات", ["complaint"]),
        ("شكوى من تأخر", ["complaint"]),
        ("محافظة جدة", ["lands"]),
    ],
)
def test_words_are_found_in_any_form_exact_matches_first(
    cast: Any, corpus: Any, api: Any, query: str, expected: list[str]
) -> None:
    found = all_words(api(cast.clerk).get("/inquiry", q=query))
    assert sorted(found) == sorted(corpus[name].reference for name in expected)
    if "عبد" not in query and query != "بالأراضي":
        assert found[0] == corpus[expected[0]].reference


def test_an_exact_word_ranks_before_a_stem_only_match(cast: Any, api: Any) -> None:
    stem_only = make_transaction(cast, subject="حصر المعاملات الواردة", body="")
    exact = make_transaction(cast, subject="متابعة معاملة مواطن", body="")
    found = refs(api(cast.clerk).get("/inquiry", q="معاملة"))
    assert found == [exact.reference, stem_only.reference]


def test_results_and_counts_never_include_what_the_person_may_not_see(
    cast: Any, corpus: Any, api: Any
) -> None:
    # "تعويض" is in the clerk's transaction, a confidential one of the rights unit and one
    # of the Amanah. The executive sees the Emirate's normal ones only; the rights clerk
    # sees the confidential one too.
    executive = api(cast.executive).get("/inquiry", q="تعويض").json()
    assert [r["reference"] for r in executive["results"]] == [corpus["land"].reference]
    assert executive["total"] == 1
    assert sum(f["count"] for f in executive["facets"]["state"]) == 1
    rights = api(cast.rights_clerk).get("/inquiry", q="تعويض").json()
    assert [r["reference"] for r in rights["results"]] == [corpus["secret"].reference]
    outsider = api(cast.outsider).get("/inquiry", q="تعويض").json()
    assert [r["reference"] for r in outsider["results"]] == [corpus["amanah"].reference]


def test_a_referral_opens_the_transaction_to_the_unit_it_went_to(
    cast: Any, corpus: Any, api: Any
) -> None:
    assert refs(api(cast.rights_clerk).get("/inquiry", q="مستحقات")) == []
    registry.refer(
        cast.clerk.actor,
        corpus["complaint"].public_id,
        to_units=[cast.rights],
        instruction="للإفادة",
    )
    assert refs(api(cast.rights_clerk).get("/inquiry", q="مستحقات")) == [
        corpus["complaint"].reference
    ]


def test_facets_count_every_visible_match(cast: Any, corpus: Any, api: Any) -> None:
    registry.refer(
        cast.clerk.actor, corpus["land"].public_id, to_units=[cast.rights], instruction="للإفادة"
    )
    facets = api(cast.clerk).get("/inquiry", q="أرض").json()["facets"]
    assert {f["value"]: f["count"] for f in facets["state"]} == {"referred": 1, "registered": 1}
    assert {f["value"]: f["count"] for f in facets["kind"]} == {"petition": 1, "letter": 1}
    assert {f["label"] for f in facets["state"]} == {"محالة", "مسجلة"}
    assert [f["value"] for f in facets["entity"]] == ["EMK"]


def test_filters_narrow_the_results(cast: Any, corpus: Any, api: Any) -> None:
    a = api(cast.clerk)
    assert refs(a.get("/inquiry", q="أرض", kind="letter")) == [corpus["lands"].reference]
    assert refs(a.get("/inquiry", q="أرض", urgency="urgent")) == [corpus["lands"].reference]
    assert refs(a.get("/inquiry", q="أرض", state="closed")) == []
    assert len(refs(a.get("/inquiry", q="أرض", entity="emk"))) == 2
    assert refs(a.get("/inquiry", q="أرض", entity="AMN-JED")) == []
    unit = str(cast.registry.public_id)
    assert len(refs(a.get("/inquiry", q="أرض", unit=unit))) == 2


def test_dates_filter_in_hijri_or_gregorian(cast: Any, corpus: Any, api: Any) -> None:
    from wasl.core import hijri

    day = corpus["land"].registered_on
    h = hijri.to_hijri(day)
    a = api(cast.clerk)
    assert len(refs(a.get("/inquiry", q="أرض", date_from=day.isoformat()))) == 2
    hijri_text = f"{h.year}/{h.month:02d}/{h.day:02d}هـ"
    assert len(refs(a.get("/inquiry", q="أرض", date_from=hijri_text, date_to=hijri_text))) == 2
    assert refs(a.get("/inquiry", q="أرض", date_to="1440/01/01")) == []


def test_filters_alone_list_what_i_may_see(cast: Any, corpus: Any, api: Any) -> None:
    response = api(cast.clerk).get("/inquiry", kind="memo")
    assert response.json()["understood_as"] == "filters"
    assert refs(response) == [corpus["official"].reference]


def test_an_empty_query_finds_nothing_and_says_so(cast: Any, corpus: Any, api: Any) -> None:
    response = api(cast.clerk).get("/inquiry", q="   ")
    assert response.status_code == 200
    assert response.json()["understood_as"] == "empty"
    assert response.json()["total"] == 0


def test_matched_words_are_highlighted_in_the_original_spelling(
    cast: Any, corpus: Any, api: Any
) -> None:
    result = api(cast.clerk).get("/inquiry", q="الارض").json()["results"]
    land = next(r for r in result if r["reference"] == corpus["land"].reference)
    assert [s["text"] for s in land["highlight"]["subject"] if s["match"]] == ["أرض"]
    assert [s["text"] for s in land["highlight"]["body"] if s["match"]] == ["الأرض"]
    assert "".join(s["text"] for s in land["highlight"]["subject"]) == corpus["land"].subject


def test_results_are_paged(cast: Any, api: Any) -> None:
    for i in range(5):
        make_transaction(cast, subject=f"طلب صيانة رقم {i}", body="")
    page = api(cast.clerk).get("/inquiry", q="صيانة", per_page=2, page=3).json()
    assert (page["total"], page["pages"], page["page"], len(page["results"])) == (5, 3, 3, 1)


# Hostile input and what the clerk must get back: "land" is the only transaction with
# تعويض the clerk may see; nothing else must match (and nothing may be read as search syntax:
# `e1` and `scope:e1` name the index's own access tokens).
HOSTILE = [
    ('"', []),
    ('"تعويض', ["land"]),
    ('تعويض"', ["land"]),
    ("تعويض*", ["land"]),
    ("*", []),
    ("NEAR(تعويض أرض)", []),
    ("NEAR", []),
    ("-تعويض", ["land"]),
    ("تعويض -أرض", ["land"]),
    ("subject:تعويض", []),
    (":تعويض:", ["land"]),
    ("scope:e1", []),
    ("e1", []),
    ("u1 OR e1", []),
    ("'; DROP TABLE registry_transaction; --", []),
    ("1' OR '1'='1", []),
    ("تعويض' OR 1=1 --", []),
    ("تعويض AND OR NOT", []),
    ("(((", []),
    ("تعويض)", ["land"]),
    ("\u202eتعويض\u202c", ["land"]),
    ("\u200fتعويض\u200e", ["land"]),
    ("\u2067تعويض\u2069 \u200b", ["land"]),
    ("Makkah تعويض ١٤٤٨ compensation", []),
    ("تَعْوِيـــض", ["land"]),
    ("ﷺ ﻻ ﷲ", []),
    ("\x00\x01", []),
    ("%_\\", []),
    ("x" * 500, []),
    ("تعويض " * 80, ["land"]),
]


@pytest.mark.parametrize(("query", "expected"), HOSTILE)
def test_hostile_queries_get_a_sensible_answer(
    cast: Any, corpus: Any, api: Any, query: str, expected: list[str]
) -> None:
    response = api(cast.clerk).get("/inquiry", q=query)
    assert all_words(response) == [corpus[name].reference for name in expected]
    # Results missing a word come after, never one the clerk may not see.
    assert set(refs(response)).isdisjoint({corpus["secret"].reference, corpus["amanah"].reference})


@pytest.mark.parametrize(("query", "expected"), HOSTILE)
def test_hostile_queries_on_the_page_never_fail(
    cast: Any, corpus: Any, query: str, expected: list[str]
) -> None:
    from django.test import Client

    client = Client()
    client.force_login(cast.clerk.user)
    response = client.get("/inquiry/", {"q": query})
    assert response.status_code == 200
    text = response.content.decode()
    for name in expected:
        assert corpus[name].reference in text, name
    for name in ("secret", "amanah"):
        assert corpus[name].reference not in text, name


def test_a_query_too_long_is_a_clear_error(cast: Any, api: Any) -> None:
    response = api(cast.clerk).get("/inquiry", q="ت" * 10_000)
    assert response.status_code == 400
    assert response.json()["code"] == "query_too_long"


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"state": "lost"}, "state"),
        ({"kind": "x"}, "kind"),
        ({"urgency": "soon"}, "urgency"),
        ({"date_from": "1448/13/40"}, "from"),
        ({"date_to": "yesterday"}, "to"),
        ({"date_from": "2026-05-01", "date_to": "2026-04-01"}, "from"),
        ({"unit": "not-a-uuid"}, "unit"),
        ({"entity": "e'; --"}, "entity"),
    ],
)
def test_bad_filters_are_clear_errors(
    cast: Any, api: Any, params: dict[str, str], field: str
) -> None:
    response = api(cast.clerk).get("/inquiry", q="تعويض", **params)
    assert response.status_code == 400
    assert response.json()["field"] == field


def test_search_runs_a_fixed_number_of_queries(
    cast: Any, corpus: Any, api: Any, django_assert_max_num_queries: Any
) -> None:
    for i in range(10):
        make_transaction(cast, subject=f"طلب تعويض رقم {i}")
    client = api(cast.clerk)
    client.get("/inquiry", q="تعويض")  # warm the per-process caches
    with django_assert_max_num_queries(5):
        response = client.get("/inquiry", q="تعويض")
    assert response.json()["total"] == 11


def test_export_gives_the_same_visible_rows_as_csv_and_xlsx(
    cast: Any, corpus: Any, api: Any
) -> None:
    import io

    from openpyxl import load_workbook

    response = api(cast.executive).get("/inquiry/export", q="تعويض", format="csv")
    assert response.status_code == 200
    text = response.content.decode("utf-8-sig")
    assert corpus["land"].reference in text
    assert corpus["secret"].reference not in text and corpus["amanah"].reference not in text
    response = api(cast.executive).get("/inquiry/export", q="تعويض", format="xlsx")
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert sheet.sheet_view.rightToLeft
    assert [row[0] for row in sheet.iter_rows(min_row=2, values_only=True)] == [
        corpus["land"].reference
    ]


def test_export_defuses_formulas(cast: Any, api: Any) -> None:
    make_transaction(cast, subject='=HYPERLINK("http://x") تعويض')
    text = api(cast.clerk).get("/inquiry/export", q="تعويض").content.decode("utf-8-sig")
    assert "'=HYPERLINK" in text
