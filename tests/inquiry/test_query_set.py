"""The query set (tests/inquiry/query_set.py): every query finds its document in the first
ten, nearly always first — on the database the tests run on (SQLite, or PostgreSQL under
tools/with_postgres.py)."""

from __future__ import annotations

from typing import Any

from tests.inquiry import query_set
from wasl.inquiry import queries


def test_the_query_set_has_a_hundred_queries_of_every_kind() -> None:
    assert len(query_set.QUERIES) >= 100
    kinds = {what for _, _, what in query_set.QUERIES}
    for kind in ("extra word", "missing words", "hamza", "ta marbuta", "plural", "slip",
                 "digits", "mixed", "reference", "ID number"):  # fmt: skip
        assert kind in kinds, kind
    keys = {doc.key for doc in query_set.DOCUMENTS}
    assert {key for _, key, _ in query_set.QUERIES} <= keys


def test_every_query_finds_its_document_in_the_first_ten(cast: Any) -> None:
    made = query_set.register(cast)
    actor = cast.clerk.actor

    def search(q: str) -> list[int]:
        return [h.transaction.pk for h in queries.search(actor, q, per_page=10).hits]

    measured = query_set.measure(made, search)
    print(f"recall@10 {measured.recall:.3f} MRR {measured.mrr:.3f}", *measured.misses, sep="\n")
    assert measured.recall == 1.0, measured.misses
    assert measured.mrr >= 0.97, (measured.mrr, measured.misses)


def test_the_lucene_rules_of_the_benchmark_are_lucene_s() -> None:
    from bench.search_quality import Bm25, lucene_terms

    stop = frozenset({"في"})
    # Alef seats, alef maqsura, taa marbuta and harakat folded; ؤ and ئ left as they are.
    assert lucene_terms("أرض في مُسْتَشْفَى المدينة", stop) == ["ارض", "مستشف", "مدين"]
    assert lucene_terms("مؤقت الشاطئ", stop) == ["مؤقت", "شاطئ"]
    assert lucene_terms("١٤٤٨ EMK", stop) == ["1448", "emk"]
    index = Bm25({1: ["ارض", "طريق"], 2: ["ارض"], 3: ["مدرس"]})
    assert index.search(["طريق", "ارض"]) == [1, 2]  # OR, the rarer word weighs more
