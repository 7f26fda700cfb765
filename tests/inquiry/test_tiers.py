"""Searches that forgive the way people type (issue 20): all words first, then most words, then
one-letter slips corrected — every tier, count and suggestion inside the access rule."""

from __future__ import annotations

import time
from typing import Any

import pytest
from django.test import Client

from tests.conftest import make_transaction
from tests.inquiry.conftest import refs
from tests.security.report import record
from wasl.inquiry import analysis
from wasl.inquiry.models import Word
from wasl.registry.services import Party

NONE = Party(type="none")


def internal(cast: Any, subject: str, body: str = "", **more: Any) -> Any:
    return make_transaction(
        cast, subject=subject, body=body, party=NONE, direction="internal", **more
    )


def page(person: Any, language: str = "ar", **params: Any) -> Any:
    client = Client()
    client.force_login(person.user)
    return client.get("/inquiry/", params, HTTP_ACCEPT_LANGUAGE=language)


def test_a_result_missing_one_word_ranks_below_every_result_with_all_of_them(
    cast: Any, api: Any
) -> None:
    complete = internal(cast, "طلب تعويض", "عن أرض في حي النزهة")
    # Newer, and both of its words in the subject: it would win on score alone.
    partial = internal(cast, "تعويض أرض طريق الملك فهد", "تعويض أرض")
    response = api(cast.clerk).get("/inquiry", q="تعويض أرض النزهة")
    body = response.json()
    assert refs(response) == [complete.reference, partial.reference]
    assert [r["tier"] for r in body["results"]] == ["all_words", "most_words"]
    assert body["results"][0]["missing_words"] == []
    assert body["results"][1]["missing_words"] == ["النزهة"]
    assert body["tiers"] == {"all_words": 1, "most_words": 1}
    assert body["total"] == 2


def test_a_word_found_nowhere_is_named_and_the_rest_still_finds(cast: Any, api: Any) -> None:
    land = internal(cast, "طلب تعويض عن أرض منزوعة لمشروع طريق")
    body = api(cast.clerk).get("/inquiry", q="تعويض أرض مشروع بريدة").json()
    assert [r["reference"] for r in body["results"]] == [land.reference]
    assert body["not_found"] == ["بريدة"]
    assert body["results"][0]["missing_words"] == ["بريدة"]
    text = page(cast.clerk, q="تعويض أرض مشروع بريدة").content.decode()
    assert "<s>بريدة</s>" in text and "لم تَرِد في أي معاملة" in text
    assert "لا توجد نتائج" not in text  # a search with a result never says nothing was found


def test_the_page_with_any_result_never_says_nothing_found(cast: Any) -> None:
    internal(cast, "صيانة جسر المشاة على طريق الحرمين")
    for language, nothing in (
        ("ar", "لا توجد نتائج"),
        ("en", "Nothing you may see matches"),
    ):
        found = page(cast.clerk, language, q="جسر المشاة الكورنيش").content.decode()
        assert nothing not in found
        missed = page(cast.clerk, language, q="كورنيش").content.decode()
        assert nothing in missed


def test_a_one_letter_slip_is_corrected_and_ranks_below_exact_and_derived_matches(
    cast: Any, api: Any
) -> None:
    exact = internal(cast, "طلب رخصة بناء منزل")
    other = internal(cast, "بناء سور حول مدرسة")
    # رخضة: a slip for رخصة (ض for ص): no transaction holds it.
    body = api(cast.clerk).get("/inquiry", q="بناء رخضة").json()
    assert [r["reference"] for r in body["results"]] == [exact.reference, other.reference]
    assert body["did_you_mean"] == "بناء رخصة"
    assert body["corrections"] == [{"typed": "رخضة", "word": "رخصة"}]
    assert body["not_found"] == ["رخضة"]
    # The transaction with the corrected word first, and its words marked.
    assert {"text": "رخصة", "match": True} in body["results"][0]["highlight"]["subject"]

    derived = internal(cast, "حصر التراخيص المنتهية")
    alone = api(cast.clerk).get("/inquiry", q="رخضة").json()
    assert [r["tier"] for r in alone["results"]] == ["forgiving", "forgiving"]
    assert [r["reference"] for r in alone["results"]] == [exact.reference, derived.reference]
    assert alone["did_you_mean"] == "رخصة"
    # Typed right, the same transactions are exact or derived matches, in the first tier.
    right = api(cast.clerk).get("/inquiry", q="رخصة").json()
    assert [r["tier"] for r in right["results"]] == ["all_words", "all_words"]
    assert [r["reference"] for r in right["results"]] == [exact.reference, derived.reference]
    assert right["did_you_mean"] is None


def test_the_page_offers_did_you_mean_and_heads_each_tier(cast: Any) -> None:
    internal(cast, "طلب رخصة بناء منزل")
    internal(cast, "بناء سور حول مدرسة")
    arabic = page(cast.clerk, q="بناء رخضة").content.decode()
    assert "هل تقصد:" in arabic and "?q=%D8%A8%D9%86%D8%A7%D8%A1+%D8%B1%D8%AE%D8%B5%D8%A9" in arabic
    assert "معاملات فيها أغلب الكلمات" in arabic and "ينقصها:" in arabic
    english = page(cast.clerk, "en", q="بناء رخضة").content.decode()
    assert "Did you mean:" in english and "With most of the words" in english
    assert "Missing:" in english


def test_rare_words_and_the_subject_rank_above_common_words_and_the_body(
    cast: Any, api: Any
) -> None:
    target = internal(cast, "طلب صيانة مدرسة حي الوزيرية")
    for i in range(12):
        internal(cast, f"طلب صيانة مبنى رقم {i}", "صيانة دورية")
    in_body = internal(cast, "متابعة أعمال", "صيانة مدرسة في حي الوزيرية")
    found = refs(api(cast.clerk).get("/inquiry", q="صيانة الوزيرية"))
    assert found[:2] == [target.reference, in_body.reference]
    # With a common word missing, the rare one still brings its transaction first.
    most = refs(api(cast.clerk).get("/inquiry", q="طلب الوزيرية"))
    assert most[0] == target.reference


# ---------------------------------------------------------------------------------------------
# The access rule: no tier, count, weight or suggestion tells what a reader may not see


SECRET_WORDS = "تعويض سري عن أرض في حي الخالدية لورثة الشمراني بجوار السامح"


def _answers(api: Any, person: Any, queries: list[str]) -> list[Any]:
    return [api(person).get("/inquiry", q=q).json() for q in queries]


PROBES = [
    "الخالدية",  # a word only the confidential transaction holds
    "الخالدبة",  # a slip of it
    "الشمرانى",  # alef maqsura of another
    "تعويض الخالدبة",  # a visible word with the slip
    "تعويض أرض الخالدية",  # most words visible, one only in the secret
    "أرض الشمراتي",
    "خالدية",
    # A slip as near to a hidden word (السامح, tried first) as to a visible one (السامر).
    "السامز",
    "تعويض السامز",
]


def test_a_confidential_transaction_changes_nothing_a_clerk_who_may_not_see_it_is_told(
    cast: Any, api: Any
) -> None:
    internal(cast, "طلب تعويض عن أرض في حي النزهة")
    internal(cast, "تعويضات الموظفين")
    internal(cast, "صيانة حديقة حي السامر")
    before = _answers(api, cast.clerk, PROBES)
    assert before[PROBES.index("السامز")]["did_you_mean"] == "السامر"
    secret = make_transaction(
        cast,
        by=cast.rights_clerk,
        unit=cast.rights,
        subject=SECRET_WORDS,
        confidentiality="confidential",
        party=NONE,
        direction="internal",
    )
    # The words are in the vocabulary: only the access rule keeps them from the clerk.
    assert Word.objects.filter(word="الخالديه").exists()
    assert Word.objects.filter(word="الشمراني").exists()
    assert Word.objects.filter(word="السامح").exists()
    assert analysis.rank_corrections("السامز", ["السامر", "السامح"])[0] == "السامح"
    after = _answers(api, cast.clerk, PROBES)
    leaks = sum(1 for b, a in zip(before, after, strict=True) if a != b)
    # What the clerk did not type: the hidden reference, subject or the corrected word.
    shown = sum(
        secret.reference in str(a["results"])
        or "سري" in str(a["results"])
        or "الخالدي" in str(a["did_you_mean"])
        or "الخالدي" in str(a["corrections"])
        for a in after
    )
    record(
        "inquiry tiers and did-you-mean on confidential words",
        attempts=len(PROBES),
        leaks=leaks + shown,
    )
    assert after == before
    assert shown == 0
    # Someone who may see it is offered the word and finds it.
    seen = api(cast.rights_clerk).get("/inquiry", q="الخالدبة").json()
    assert seen["did_you_mean"] == "الخالدية"
    assert [r["reference"] for r in seen["results"]] == [secret.reference]


def test_a_forgiving_match_on_the_page_shows_no_hidden_subject_or_count(
    cast: Any,
) -> None:
    make_transaction(
        cast,
        by=cast.rights_clerk,
        unit=cast.rights,
        subject=SECRET_WORDS,
        confidentiality="confidential",
        party=NONE,
        direction="internal",
    )
    visible = internal(cast, "طلب تعويض عن أرض في حي النزهة")
    text = page(cast.clerk, q="تعويض الخالدبة").content.decode()
    assert visible.reference in text
    assert "الخالدية" not in text and "الخالديه" not in text and "هل تقصد" not in text
    assert "1 transaction found" in page(cast.clerk, "en", q="تعويض الخالدبة").content.decode()


# ---------------------------------------------------------------------------------------------
# Bad input: a clear answer, quickly, never a 500


BAD = [
    ("a thousand words", " ".join(["تعويض"] * 1000)),
    ("a single letter", "ب"),
    ("a single Latin letter", "x"),
    ("only stop words", "في من على إلى عن"),
    ("only punctuation", "؟!،.؛:\"'()[]{}<>«»-_/\\|*&^%$#@~`"),
    ("mixed scripts", "رخصة permit ١٢٣ Ωμέγα 中文 ۴۵"),
    ("a long word", "ت" * 400),
    ("many different words", " ".join(f"كلمة{i}" for i in range(60))),
]


@pytest.mark.parametrize(("what", "query"), BAD, ids=[w for w, _ in BAD])
def test_bad_input_gets_a_clear_answer(cast: Any, api: Any, what: str, query: str) -> None:
    internal(cast, "طلب رخصة بناء منزل")
    started = time.monotonic()
    response = api(cast.clerk).get("/inquiry", q=query)
    shown = page(cast.clerk, q=query)
    elapsed = time.monotonic() - started
    record(
        "inquiry bad input",
        attempts=2,
        errors_5xx=(response.status_code >= 500) + (shown.status_code >= 500),
    )
    if len(query) > 500:
        assert response.status_code == 400
        assert response.json()["code"] == "query_too_long"
        assert shown.status_code == 400
        assert "نص البحث أطول من المسموح" in shown.content.decode()
    else:
        assert response.status_code == 200, response.content
        assert shown.status_code == 200
        assert response.json()["total"] in (0, 1)
    # Not a measure of speed (never asserted on this machine): a guard against a runaway.
    assert elapsed < 30, (what, elapsed)


# ---------------------------------------------------------------------------------------------
# Each result opens its transaction (issue 16, item 1)


@pytest.mark.parametrize("language", ["ar", "en"])
def test_each_result_opens_its_transaction_with_the_matched_words_marked(
    cast: Any, language: str
) -> None:
    made = [
        internal(cast, "طلب رخصة بناء منزل"),
        internal(cast, "حصر التراخيص المنتهية"),
        internal(cast, "بناء سور حول مدرسة"),
    ]
    client = Client()
    client.force_login(cast.clerk.user)
    text = client.get(
        "/inquiry/", {"q": "رخصة بناء"}, HTTP_ACCEPT_LANGUAGE=language
    ).content.decode()
    assert "<mark>رخصة</mark>" in text and "<mark>بناء</mark>" in text
    for txn in made:
        href = f'href="/t/{txn.public_id}/"'
        assert href in text, txn.subject
        opened = client.get(f"/t/{txn.public_id}/", HTTP_ACCEPT_LANGUAGE=language)
        assert opened.status_code == 200
        assert txn.subject in opened.content.decode()


def test_many_results_with_every_word_leave_the_second_tier_out(
    cast: Any, api: Any, monkeypatch: Any
) -> None:
    from wasl.inquiry import queries

    monkeypatch.setattr(queries, "MOST_WORDS_BELOW", 3)
    for i in range(3):
        internal(cast, f"طلب صيانة مبنى رقم {i}")
    internal(cast, "طلب صيانة", "")
    internal(cast, "صيانة مدرسة", "")
    body = api(cast.clerk).get("/inquiry", q="صيانة مبنى").json()
    assert body["tiers"] == {"all_words": 3}
    monkeypatch.setattr(queries, "MOST_WORDS_BELOW", 4)
    body = api(cast.clerk).get("/inquiry", q="صيانة مبنى").json()
    assert body["tiers"] == {"all_words": 3, "most_words": 2}
