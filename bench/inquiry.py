#!/usr/bin/env python3
"""Benchmark of the unified inquiry over HTTP: generate N synthetic transactions, build the
search index, then search through the API (`GET /api/v1/inquiry?q=…`, bearer tokens of
entity executives, so the access rule applies) from concurrent client processes against the
production server — beside the floors measured in the same run.

    make bench-inquiry                        # 100,000 transactions, SQLite
    make bench-inquiry N=1000000              # a million (generation and index take minutes)
    python bench/inquiry.py --database postgres --n 100000

Prints how long generation and the index build took, then per query kind (a reference, an
ID number, one Arabic word, three Arabic words) requests/s and p50/p95 over the rounds
(medians), the floors (bare WSGI, `GET /api/v1/me`), and recall@10 and MRR of the planted
needles (bench/generate.py) as the API ranks them.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import load, report, servers  # noqa: E402

ONE_WORD = ["تعويض", "الأراضي", "رخصة", "شكوى", "مخالفات", "المياه", "الموظفين", "بلاغ",
            "صيانة", "الميزانية", "مشروع", "تأخر"]  # fmt: skip
THREE_WORDS = ["تعويض أرض مشروع", "رخصة بناء منزل", "شكوى تأخر صرف", "بلاغ تجمعات عمالة",
               "طلب إعفاء غرامة", "صيانة مراكز الخدمة", "اعتماد مناقلة الميزانية",
               "تعدي أرض زراعية"]  # fmt: skip
KINDS = ("reference", "ID number", "1 word", "3 words")


def search_path(q: str, per_page: int = 20) -> str:
    return "/api/v1/inquiry?" + urlencode({"q": q, "per_page": per_page})


def prepare(n: int, seed: int, queries: int, entities: int) -> dict[str, Any]:
    """Generate, index, and choose the queries: (token, query) pairs per kind."""
    from django.contrib.auth import get_user_model

    from bench.generate import generate, reindex
    from wasl.directory.tokens import create_token
    from wasl.inquiry.management.commands.reindex import progress_bar
    from wasl.registry.models import Transaction

    started = time.perf_counter()
    stats = generate(
        n,
        seed=seed,
        entities=entities,
        events=False,
        progress=progress_bar(sys.stdout, "generate "),
    )
    generated = time.perf_counter() - started
    print(f"generated {stats.transactions:,} transactions in {generated:.0f} s", flush=True)
    started = time.perf_counter()
    indexed = reindex(progress=progress_bar(sys.stdout, "index    "))
    built = time.perf_counter() - started
    print(f"indexed {indexed:,} documents in {built:.0f} s", flush=True)

    rng = random.Random(seed)
    codes = sorted({needle.entity_code for needle in stats.needles})[:12]
    users = get_user_model().objects
    tokens = {code: create_token(f"gen.{code.lower()}.exec") for code in codes}
    assert all(users.filter(username=f"gen.{c.lower()}.exec").exists() for c in codes)

    def sample(field: str) -> list[tuple[str, str]]:
        out = []
        for code in codes:
            values = (
                Transaction.objects.filter(entity__code=code, confidentiality="normal")
                .exclude(**{field: ""})
                .order_by("id")
                .values_list(field, flat=True)
            )
            step = max(1, values.count() // (queries // len(codes) + 1))
            out += [(tokens[code], v) for v in values[::step][: queries // len(codes) + 1]]
        rng.shuffle(out)
        return out[:queries]

    return {
        "tokens": tokens,
        "inputs": {
            "reference": sample("reference"),
            "ID number": sample("party_id_number"),
            "1 word": [(tokens[rng.choice(codes)], rng.choice(ONE_WORD)) for _ in range(queries)],
            "3 words": [
                (tokens[rng.choice(codes)], rng.choice(THREE_WORDS)) for _ in range(queries)
            ],
        },
        "needles": [(tokens.get(x.entity_code), x.reference, x.queries) for x in stats.needles],
        "transactions": stats.transactions,
        "generated": generated,
        "built": built,
    }


def searches(kind: str, inputs: list[tuple[str, str]]) -> load.Work:
    def run(client: load.Client, i: int) -> None:
        token, q = inputs[i % len(inputs)]
        client.call(kind, "GET", search_path(q), token=token)

    return run


def relevance(url: str, needles: list[tuple[str | None, str, list[str]]]) -> tuple[float, float]:
    """recall@10 and MRR of the planted needles, as the API ranks them."""
    client = load.Client(url)
    ranks: list[int | None] = []
    for token, reference, queries in needles:
        if token is None:
            continue
        for q in queries:
            found = client.call("relevance", "GET", search_path(q, 10), token=token)
            refs = [hit["reference"] for hit in found["results"]]
            ranks.append(refs.index(reference) + 1 if reference in refs else None)
    if not ranks:
        return 0.0, 0.0
    return (
        sum(1 for r in ranks if r) / len(ranks),
        sum(1 / r for r in ranks if r) / len(ranks),
    )


def analysis_reach(needles: list[tuple[str | None, str, list[str]]]) -> tuple[float, float]:
    """Share of the needle queries whose words can meet their needle at all: with Lucene's
    Arabic analysis (normalise + light stem, every word required: the baseline the inquiry
    was held to) and with ours. Matching, not ranking; in-process, as it measures no speed."""
    from wasl.core.arabic import light_stem, tokens
    from wasl.inquiry import analysis
    from wasl.registry.models import Transaction

    texts = {
        ref: f"{subject} {body}"
        for ref, subject, body in Transaction.objects.filter(
            reference__in=[n[1] for n in needles]
        ).values_list("reference", "subject", "body")
    }
    lucene = ours = total = 0
    for _, reference, queries in needles:
        text = texts.get(reference, "")
        doc_stems = {light_stem(t) for t in tokens(text)}
        indexed = analysis.index_text(text)
        keys, exact = set(indexed.keys), set(indexed.exact)
        for q in queries:
            total += 1
            lucene += {
                light_stem(t) for t in tokens(q) if t not in analysis.STOP_WORDS
            } <= doc_stems
            ours += all(
                w.keys & keys or w.exact & exact for w in analysis.query_words(q) if not w.optional
            )
    return (lucene / total, ours / total) if total else (0.0, 0.0)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=100_000, help="transactions to generate")
    parser.add_argument("--database", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--queries", type=int, default=200, help="distinct queries per kind")
    parser.add_argument("--seed", type=int, default=1448)
    parser.add_argument("--entities", type=int, default=100)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 2)
    parser.add_argument("--clients", type=int, default=4, help="client processes")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seconds", type=float, default=3.0, help="per measurement")
    parser.add_argument("--write", type=Path, help="put the medians in this table")
    parser.add_argument("--command", default="", help="the command to name in the table")
    args = parser.parse_args()
    command = args.command or "python bench/inquiry.py " + " ".join(sys.argv[1:])
    from django.db import connections

    print(f"== inquiry over HTTP, {args.database}, N = {args.n:,}", flush=True)
    with servers.django_on(args.database) as env:
        data = prepare(args.n, args.seed, args.queries, args.entities)
        lucene, ours = analysis_reach(data["needles"])
        described = servers.describe_database()
        connections.close_all()  # the client processes are forked from this one
        print(f"{described}; {servers.describe_server(args.workers)}; {args.clients} clients")
        any_token = next(iter(data["tokens"].values()))
        with (
            servers.serving(servers.BARE_APP, args.workers, env) as bare_url,
            servers.serving(servers.WASL_APP, args.workers, env) as wasl_url,
        ):
            runs = [("bare", bare_url, load.bare), ("me", wasl_url, load.me(any_token))]
            runs += [(k, wasl_url, searches(k, data["inputs"][k])) for k in KINDS]

            def show(res: dict[str, list[load.Result]]) -> str:
                return " | ".join(f"{k} {v[-1].rate:,.0f}/s" for k, v in res.items())

            results = load.rounds(runs, args.rounds, args.clients, args.seconds, show)
            recall, mrr = relevance(wasl_url, data["needles"])
    bare = load.summary(results["bare"], "bare")
    me = load.summary(results["me"], "me")
    kinds = {k: load.summary(results[k], k) for k in KINDS}
    print(f"\nmedians of {args.rounds} rounds of {args.seconds:g} s:")
    for name, (rate, p50, p95) in [("bare WSGI", bare), ("GET /api/v1/me", me), *kinds.items()]:
        print(f"  {name:<16} {rate:9,.0f} requests/s  p50 {p50:7.1f} ms  p95 {p95:7.1f} ms")
    print(f"  relevance: recall@10 {recall:.3f}, MRR {mrr:.3f}")
    print(
        f"  needle queries an analysis can match: Lucene-equivalent {lucene:.0%}, ours {ours:.0%}"
    )
    figures = "; ".join(
        f"{k} {rate:,.0f} req/s, p50 / p95 {p50:.0f} / {p95:.0f} ms"
        for k, (rate, p50, p95) in kinds.items()
    )
    row = {
        "benchmark": f"inquiry search over the API, {data['transactions']:,} transactions",
        "database": described,
        "server · clients": f"{servers.describe_server(args.workers)} · {args.clients} client processes",
        "figures": f"{figures}; recall@10 {recall:.3f}, MRR {mrr:.3f} (needle queries matchable: "
        f"Lucene-equivalent analysis {lucene:.0%}, ours {ours:.0%}); generated in "
        f"{data['generated']:.0f} s, index built in {data['built']:.0f} s",
        "floors": f"bare WSGI {bare[0]:,.0f} req/s; `GET /api/v1/me` {me[0]:,.0f} req/s",
        "ratios": "; ".join(f"{k} ÷ /me {v[0] / me[0]:.2f}" for k, v in kinds.items()),
        "run": f"{report.today()}; median of {args.rounds} rounds × {args.seconds:g} s; `{command}`",
    }
    if args.write:
        report.write_row(args.write, row)


if __name__ == "__main__":
    main()
