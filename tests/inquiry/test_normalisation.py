"""The letters people swap meet in the index and in the query (issue 20, item 2): every hamza
seat, ى/ي, ة/ه, kashida, diacritics, Arabic and Persian digits — a table of cases, checked on
the analysis and end to end through the API on the database of the run."""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import make_transaction
from wasl.core.arabic import normalise
from wasl.inquiry import analysis
from wasl.registry.services import Party

# (what, one spelling, the other spelling)
CASES = [
    ("hamza on alef (أ)", "أرض", "ارض"),
    ("hamza under alef (إ)", "إعفاء", "اعفاء"),
    ("madda (آ)", "آبار", "ابار"),
    ("hamza on waw (ؤ), typed bare", "مؤقت", "موقت"),
    ("hamza on waw (ؤ) or on yeh (ئ)", "مسؤول", "مسئول"),
    ("hamza on yeh (ئ), typed bare", "الشاطئ", "الشاطي"),
    ("hamza on yeh (ئ), typed on alef maqsura", "المرافئ", "المرافىء"),
    ("hamza on yeh (ئ) inside a word", "الجزائري", "الجزايري"),
    ("hamza on the line (ء) or on yeh (ئ)", "مساءلة", "مسائلة"),
    ("hamza on the line (ء) after alef", "إنشاء", "انشاء"),
    ("hamza as a combining mark", "مسو\u0654ول", "مسؤول"),
    ("alef maqsura (ى) or yeh (ي)", "مستشفى", "مستشفي"),
    ("alef maqsura (ى) at the end of a name", "المتوفى", "المتوفي"),
    ("taa marbuta (ة) or heh (ه)", "رخصة", "رخصه"),
    ("kashida (tatweel)", "تعويـــض", "تعويض"),
    ("diacritics (harakat, tanween)", "تَعْوِيضٌ", "تعويض"),
    ("shadda", "مُحَمَّد", "محمد"),
    ("superscript alef", "هٰذا", "هذا"),
    ("Arabic-Indic digits", "١٤٤٨", "1448"),
    ("Persian digits", "۱۴۴۸", "1448"),
    ("Persian yeh and keheh", "کریم", "كريم"),
    ("lam-alef ligature", "ﻻئحة", "لائحة"),
    ("Latin case", "SIEMENS", "siemens"),
]


def _meets(document: str, query: str) -> bool:
    indexed = analysis.index_text(document)
    keys, exact = set(indexed.keys), set(indexed.exact)
    words = [w for w in analysis.query_words(query) if not w.optional]
    return bool(words) and all(w.keys & keys or w.exact & exact for w in words)


@pytest.mark.parametrize(("what", "one", "other"), CASES, ids=[c[0] for c in CASES])
def test_both_spellings_meet_at_index_and_query_time(what: str, one: str, other: str) -> None:
    assert _meets(one, other), f"{what}: indexed {one}, typed {other}"
    assert _meets(other, one), f"{what}: indexed {other}, typed {one}"


@pytest.mark.parametrize(("what", "one", "other"), CASES, ids=[c[0] for c in CASES])
def test_the_core_normaliser_is_the_one_that_folds_them(what: str, one: str, other: str) -> None:
    # Search adds one rule on top of `wasl.core.arabic.normalise` (ؤ and ئ meet as ء, and a
    # bare seat meets them through its keys); everything else is the core's.
    folded = analysis.search_normalise(one)
    assert folded == analysis.search_normalise(folded)  # idempotent
    assert analysis.search_normalise(normalise(one)) in (folded, normalise(one))


def test_every_case_is_found_through_the_api_both_ways(cast: Any, api: Any) -> None:
    made = {}
    for _, one, other in CASES:
        for spelling in (one, other):
            made[spelling] = make_transaction(
                cast,
                subject=f"معاملة رقم {len(made)} بشأن {spelling}",
                party=Party(type="none"),
                direction="internal",
            )
    failures = []
    for what, one, other in CASES:
        for indexed, typed in ((one, other), (other, one)):
            body = api(cast.clerk).get("/inquiry", q=typed).json()
            first_tier = [r["reference"] for r in body["results"] if r["tier"] == "all_words"]
            if made[indexed].reference not in first_tier:
                failures.append(f"{what}: indexed {indexed}, typed {typed}")
    assert not failures, failures
