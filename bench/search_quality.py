#!/usr/bin/env python3
"""Search quality: recall@10 and MRR of the inquiry on the query set of the tests
(tests/inquiry/query_set.py), beside the Lucene Arabic analyzer's rules on the same documents.

    make bench-search-quality              # SQLite
    make bench-search-quality DB=postgres  # a throw-away PostgreSQL cluster

Wasl: `wasl.inquiry.queries.search` as the clerk who registered the documents (the access rule
applies; every document is visible to them).

Lucene's rules, written out here as Lucene 9's ArabicAnalyzer applies them: the standard
tokenizer (runs of letters and digits), lower case, decimal digits folded, stop words removed
(the inquiry's short list stands in for Lucene's longer one), ArabicNormalizationFilter
(أ إ آ → ا, ى → ي, ة → ه, tatweel and harakat removed; ؤ and ئ are left as they are),
ArabicStemFilter (the light stemmer, `wasl.core.arabic.light_stem`, a faithful copy); the
query parsed by the classic query parser (default operator OR) and ranked by BM25
(k1 = 1.2, b = 0.75) over one field holding what Wasl indexes of each transaction: subject,
body, party, numbers and correspondent. This measures relevance, not speed: no timings.
"""

from __future__ import annotations

import argparse
import math
import re
import sys
from collections import Counter, defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import servers  # noqa: E402

# ArabicNormalizer: the letters it folds and the marks it deletes (and nothing else).
_LUCENE_FOLD = str.maketrans(
    {
        "\u0622": "\u0627",
        "\u0623": "\u0627",
        "\u0625": "\u0627",
        "\u0649": "\u064a",
        "\u0629": "\u0647",
    }
)
_LUCENE_DELETE = dict.fromkeys(map(ord, "\u0640\u064b\u064c\u064d\u064e\u064f\u0650\u0651\u0652"))
# Letters and digits, with the marks and tatweel inside a word (UAX #29 keeps them in it).
_STANDARD_TOKEN = re.compile(r"(?:[^\W_]|[\u0610-\u061a\u064b-\u065f\u0670\u06d6-\u06ed\u0640])+")


def lucene_terms(text: str, stop_words: frozenset[str]) -> list[str]:
    """The terms Lucene's ArabicAnalyzer makes of `text` (see the module docstring)."""
    from wasl.core.arabic import fold_digits, light_stem

    out = []
    for token in _STANDARD_TOKEN.findall(text):
        token = fold_digits(token.lower())
        if token in stop_words:
            continue
        token = token.translate(_LUCENE_DELETE).translate(_LUCENE_FOLD)
        if token:
            out.append(light_stem(token))
    return out


class Bm25:
    """BM25 over one field, as Lucene computes it (k1 = 1.2, b = 0.75)."""

    def __init__(self, documents: dict[int, list[str]], k1: float = 1.2, b: float = 0.75) -> None:
        self.k1, self.b = k1, b
        self.lengths = {doc: len(terms) for doc, terms in documents.items()}
        self.average = sum(self.lengths.values()) / max(1, len(self.lengths))
        self.postings: dict[str, dict[int, int]] = defaultdict(dict)
        for doc, terms in documents.items():
            for term, count in Counter(terms).items():
                self.postings[term][doc] = count
        self.n = len(documents)

    def search(self, terms: list[str], top: int = 10) -> list[int]:
        scores: dict[int, float] = defaultdict(float)
        for term in set(terms):  # OR: any term
            posting = self.postings.get(term, {})
            if not posting:
                continue
            idf = math.log(1 + (self.n - len(posting) + 0.5) / (len(posting) + 0.5))
            for doc, tf in posting.items():
                norm = self.k1 * (1 - self.b + self.b * self.lengths[doc] / self.average)
                scores[doc] += idf * tf * (self.k1 + 1) / (tf + norm)
        # Ties: the newest first, as the inquiry breaks them.
        ranked = sorted(scores, key=lambda d: (-scores[d], -d))
        return ranked[:top]


def per_kind(ranks: list[int | None], kinds: list[str]) -> dict[str, tuple[float, float, int]]:
    grouped: dict[str, list[int | None]] = defaultdict(list)
    for rank, kind in zip(ranks, kinds, strict=True):
        grouped[kind].append(rank)
    return {
        kind: (
            sum(1 for r in rs if r) / len(rs),
            sum(1 / r for r in rs if r) / len(rs),
            len(rs),
        )
        for kind, rs in sorted(grouped.items())
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--misses", action="store_true", help="list the queries not ranked first")
    args = parser.parse_args()

    with servers.django_on(args.database):
        from tests.conftest import Cast
        from tests.inquiry import query_set
        from wasl.inquiry import analysis, indexer, queries
        from wasl.registry.models import Transaction

        cast = Cast()
        made = query_set.register(cast)
        actor = cast.clerk.actor
        described = servers.describe_database()

        def wasl(q: str) -> list[int]:
            return [h.transaction.pk for h in queries.search(actor, q, per_page=10).hits]

        texts = {
            txn.pk: f"{txn.subject} {txn.body} {indexer.searchable_extra(txn)}"
            for txn in Transaction.objects.all()
        }
        stop_words = analysis.STOP_WORDS
        index = Bm25({pk: lucene_terms(text, stop_words) for pk, text in texts.items()})

        def lucene(q: str) -> list[int]:
            return index.search(lucene_terms(q, stop_words))

        ours = query_set.measure(made, wasl)
        theirs = query_set.measure(made, lucene)

    kinds = [what for _, _, what in query_set.QUERIES]
    print(
        f"== search quality: {len(query_set.QUERIES)} queries, {len(query_set.DOCUMENTS)} "
        f"documents + {len(query_set.DISTRACTORS)} distractors; {described}"
    )
    print(f"  {'':<22} {'recall@10':>9} {'MRR':>7}")
    print(f"  {'Wasl':<22} {ours.recall:9.3f} {ours.mrr:7.3f}")
    print(f"  {'Lucene Arabic rules':<22} {theirs.recall:9.3f} {theirs.mrr:7.3f}")
    print("\n  by kind of query          Wasl recall / MRR    Lucene recall / MRR   queries")
    a, b = per_kind(ours.ranks, kinds), per_kind(theirs.ranks, kinds)
    for kind in a:
        print(
            f"  {kind:<24} {a[kind][0]:8.2f} / {a[kind][1]:.2f}"
            f"       {b[kind][0]:8.2f} / {b[kind][1]:.2f}   {a[kind][2]:5d}"
        )
    if args.misses:
        print("\n  Wasl, not first:", *ours.misses, sep="\n    ")
        print("\n  Lucene rules, not first:", *theirs.misses, sep="\n    ")


if __name__ == "__main__":
    main()
