#!/usr/bin/env python3
"""Benchmark of the unified inquiry: load N synthetic transactions, build the index, and time
each kind of query through the inquiry's layers beside the same query written directly
against the database, in the same run.

    make bench-inquiry N=1000000            # SQLite (WAL) in a temporary folder
    DATABASE_URL=postgres://… make bench-inquiry N=20000

Prints the load and index-build times, then one line per query kind with p50/p95/p99 in ms
for the inquiry (`queries.search` for an executive of one entity, i.e. with the access rule,
facets, highlighting; `public.status` for the public inquiry) and for the direct SQL, and the
ratio of the medians; then recall@10 and MRR over the planted needles (bench/generate.py).
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

ONE_WORD = ["تعويض", "الأراضي", "رخصة", "شكوى", "مخالفات", "المياه", "الموظفين", "بلاغ",
            "صيانة", "الميزانية", "مشروع", "تأخر"]  # fmt: skip
THREE_WORDS = ["تعويض أرض مشروع", "رخصة بناء منزل", "شكوى تأخر صرف", "بلاغ تجمعات عمالة",
               "طلب إعفاء غرامة", "صيانة مراكز الخدمة", "اعتماد مناقلة الميزانية",
               "تعدي أرض زراعية"]  # fmt: skip


def setup_django(var_dir: str = "") -> str:
    if not os.environ.get("DATABASE_URL"):
        if var_dir:
            Path(var_dir).mkdir(parents=True, exist_ok=True)
        os.environ["WASL_VAR_DIR"] = var_dir or tempfile.mkdtemp(prefix="wasl-bench-inquiry-")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "wasl.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", verbosity=0, interactive=False)
    return connection.vendor


def percentiles(samples: list[float]) -> tuple[float, float, float]:
    if len(samples) < 2:
        value = samples[0] if samples else 0.0
        return value, value, value
    cuts = statistics.quantiles(samples, n=100, method="inclusive")
    return statistics.median(samples), cuts[94], cuts[98]


def timed(fn: Callable[[Any], Any], inputs: list[Any]) -> list[float]:
    out = []
    for item in inputs:
        started = time.perf_counter()
        fn(item)
        out.append((time.perf_counter() - started) * 1000)
    return out


def lucene_vs_ours(needles: list[Any]) -> None:
    """Which needle queries can match their needle at all, with Lucene's Arabic analysis
    (normalise + light stem, every query word required; the baseline the issue names) and
    with ours (keys: clitics, broken plurals, hamza, compound names). Matching, not ranking:
    a query whose words the analysis cannot meet is lost however the results are ranked."""
    from wasl.core.arabic import light_stem, tokens
    from wasl.inquiry import analysis
    from wasl.registry.models import Transaction

    texts = dict(
        Transaction.objects.filter(reference__in=[n.reference for n in needles]).values_list(
            "reference", "subject"
        )
    )
    bodies = dict(
        Transaction.objects.filter(reference__in=[n.reference for n in needles]).values_list(
            "reference", "body"
        )
    )
    lucene = ours = total = 0
    for needle in needles:
        text = f"{texts.get(needle.reference, '')} {bodies.get(needle.reference, '')}"
        doc_stems = {light_stem(t) for t in tokens(text)}
        indexed = analysis.index_text(text)
        doc_keys, doc_exact = set(indexed.keys), set(indexed.exact)
        for q in needle.queries:
            total += 1
            wanted = {light_stem(t) for t in tokens(q) if t not in analysis.STOP_WORDS}
            lucene += wanted <= doc_stems
            ours += all(
                w.keys & doc_keys or w.exact & doc_exact
                for w in analysis.query_words(q)
                if not w.optional
            )
    if total:
        print(
            f"matching: Lucene-equivalent analysis meets {lucene}/{total} needle queries "
            f"({lucene / total:.0%}); ours {ours}/{total} ({ours / total:.0%})"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=20_000, help="transactions to generate")
    parser.add_argument("--queries", type=int, default=200, help="queries per kind")
    parser.add_argument("--seed", type=int, default=1448)
    parser.add_argument(
        "--var-dir", default="", help="SQLite: keep the database in this folder (to --reuse)"
    )
    parser.add_argument(
        "--reuse",
        action="store_true",
        help="time the queries on the data of an earlier --var-dir run",
    )
    args = parser.parse_args()
    vendor = setup_django(args.var_dir)

    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.db import transaction as db

    from bench.generate import Needle, Stats, generate, reindex
    from wasl.directory.actors import actor_for
    from wasl.directory.models import Entity
    from wasl.inquiry import analysis, indexer, public, queries
    from wasl.inquiry.backends import Group, get_backend
    from wasl.inquiry.management.commands.reindex import progress_bar
    from wasl.inquiry.reindex import _FIELDS
    from wasl.registry.models import Transaction

    print(f"database: {vendor}; N = {args.n:,}", flush=True)
    saved = Path(args.var_dir or ".") / "needles.json"
    if args.reuse:
        if not saved.exists():
            sys.exit(f"--reuse needs {saved} from an earlier run with --var-dir")
        stats = Stats(**{**json.loads(saved.read_text()), "needles": []})
        stats.needles = [Needle(**n) for n in json.loads(saved.read_text())["needles"]]
        load_s = index_s = 0.0
        print(f"reusing {Transaction.objects.count():,} transactions in {args.var_dir}")
    else:
        started, cpu = time.perf_counter(), time.process_time()
        stats = generate(
            args.n, seed=args.seed, events=False, progress=progress_bar(sys.stdout, "load  ")
        )
        load_s = time.perf_counter() - started
        print(f"loaded {stats.transactions:,} transactions, {stats.referrals:,} referrals "
              f"in {load_s:.1f} s (CPU {time.process_time() - cpu:.0f} s)", flush=True)  # fmt: skip
        # Wall time on a shared machine depends on the neighbours; the process's own CPU time
        # (and the database server's, on PostgreSQL) is what the build itself costs.
        started, cpu = time.perf_counter(), time.process_time()
        indexed = reindex(progress=progress_bar(sys.stdout, "index "))
        index_s = time.perf_counter() - started
        print(f"index build: {indexed:,} documents in {index_s:.1f} s "
              f"({indexed / index_s:,.0f}/s; CPU {time.process_time() - cpu:.0f} s)",
              flush=True)  # fmt: skip
        if args.var_dir:
            saved.write_text(json.dumps(dataclasses.asdict(stats), ensure_ascii=False))
    if vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA page_count")
            pages = cursor.fetchone()[0]
            cursor.execute("PRAGMA page_size")
            size = pages * cursor.fetchone()[0]
        print(f"database file: {size / 1e9:.2f} GB", flush=True)

    rng = random.Random(args.seed)
    User = get_user_model()
    # Executives (entity-wide readers) of the entities holding the needles: the access rule
    # applies to every query (they do not see confidential matters of other units).
    chosen = sorted({n.entity_code for n in stats.needles})[:12] or list(
        Entity.objects.order_by("code").values_list("code", flat=True)[:10]
    )
    executives = {
        code: actor_for(User.objects.get(username=f"gen.{code.lower()}.exec")) for code in chosen
    }
    codes = list(executives)

    def sample(field: str, k: int) -> list[tuple[str, str]]:
        out = []
        for code in codes:
            rows = list(
                Transaction.objects.filter(entity__code=code, confidentiality="normal")
                .exclude(**{field: ""})
                .order_by("?" if args.n <= 50_000 else "id")
                .values_list(field, flat=True)[: max(1, k // len(codes) + 1) * 7 : 7]
            )
            out += [(code, value) for value in rows]
        rng.shuffle(out)
        return out[:k]

    k = args.queries
    refs = sample("reference", k)
    ids = sample("party_id_number", k)
    pairs = list(
        Transaction.objects.exclude(party_id_number="")
        .order_by("id")
        .values_list("reference", "party_id_number")[: k * 50 : 50]
    )
    words1 = [(rng.choice(codes), rng.choice(ONE_WORD)) for _ in range(k)]
    words3 = [(rng.choice(codes), rng.choice(THREE_WORDS)) for _ in range(k)]
    entity_ids = dict(Entity.objects.values_list("code", "id"))

    def ours(item: tuple[str, str]) -> Any:
        code, q = item
        return queries.search(executives[code], q)

    def raw_one(sql: str) -> Callable[[Any], Any]:
        def run(params: list[Any]) -> Any:
            with connection.cursor() as cursor:
                cursor.execute(sql, params)
                return cursor.fetchall()

        return run

    backend = get_backend()

    # The same words matched directly: the backend's own full-text match (words and the
    # entity's scope token), joined to the registry, the entity filtered, the best 20 by
    # score. What the inquiry adds on top: the access rule row by row, the total and facets
    # over every match, names, highlighting and snippets.
    def words_sql(item: tuple[str, str]) -> tuple[str, list[Any]]:
        groups = [Group(w.exact, w.keys) for w in analysis.query_words(item[1]) if not w.optional]
        match_sql, match_params = backend.match_sql(groups, [f"e{entity_ids[item[0]]}"])
        sql = (
            f"SELECT t.id FROM ({match_sql}) m JOIN registry_transaction t ON t.id = m.id "
            "WHERE t.entity_id = %s ORDER BY m.score DESC LIMIT 20"
        )
        return sql, [*match_params, entity_ids[item[0]]]

    def raw_words(item: tuple[str, list[Any]]) -> Any:
        with connection.cursor() as cursor:
            cursor.execute(item[0], item[1])
            return cursor.fetchall()

    clients = iter(f"10.{i // 65536 % 256}.{i // 256 % 256}.{i % 256}" for i in range(10**7))

    def public_ours(pair: tuple[str, str]) -> Any:
        try:
            return public.status(pair[0], pair[1], client=next(clients))
        except Exception:
            return None

    kinds: list[tuple[str, Callable[[Any], Any], list[Any], Callable[[Any], Any], list[Any]]] = [
        (
            "reference lookup",
            ours,
            [(c, r) for c, r in refs],
            raw_one("SELECT id, state FROM registry_transaction WHERE reference = %s"),
            [[r] for _, r in refs],
        ),
        (
            "ID lookup",
            ours,
            ids,
            raw_one(
                "SELECT id, state FROM registry_transaction WHERE party_id_number = %s "
                "AND entity_id = %s ORDER BY registered_at DESC LIMIT 20"
            ),
            [[i, entity_ids[c]] for c, i in ids],
        ),
        ("1-word Arabic", ours, words1, raw_words, [words_sql(w) for w in words1]),
        ("3-word Arabic", ours, words3, raw_words, [words_sql(w) for w in words3]),
        (
            "public inquiry",
            public_ours,
            pairs,
            raw_one(
                "SELECT state, unit_id, updated_at, due_date FROM registry_transaction "
                "WHERE reference = %s AND party_id_number = %s"
            ),
            [list(p) for p in pairs],
        ),
    ]
    # Warm up caches (pages of the database file, the analysis caches).
    for _, fn, inputs, raw, raw_inputs in kinds:
        timed(fn, inputs[:10])
        timed(raw, raw_inputs[:10])

    print()
    print(f"{'query kind':<18} {'inquiry p50/p95/p99 ms':>26} {'direct SQL p50/p95/p99 ms':>28} "
          f"{'ratio p50':>10}")  # fmt: skip
    for label, fn, inputs, raw, raw_inputs in kinds:
        mine = timed(fn, inputs)
        base = timed(raw, raw_inputs)
        m, b = percentiles(mine), percentiles(base)
        ratio = m[0] / b[0] if b[0] else float("inf")
        print(
            f"{label:<18} {m[0]:8.2f} {m[1]:8.2f} {m[2]:8.2f} "
            f"{b[0]:9.2f} {b[1]:8.2f} {b[2]:8.2f} {ratio:10.1f}",
            flush=True,
        )

    # Keeping the index in step: one document rewritten in its own transaction (what a
    # referral naming a person costs; a registration skips taking the old entries out),
    # beside the floor of any write: the same row touched and committed, nothing analysed.
    top = Transaction.objects.order_by("-id").values_list("id", flat=True).first() or 1
    picked = sorted(rng.sample(range(1, top + 1), min(k, top)))
    txns = list(Transaction.objects.filter(pk__in=picked).only(*_FIELDS))

    def rewrite(txn: Any) -> None:
        with db.atomic():
            indexer.write([indexer.document_row(txn)])

    def touch(txn_id: int) -> None:
        with db.atomic(), connection.cursor() as cursor:
            cursor.execute(
                "UPDATE inquiry_document SET version = version WHERE transaction_id = %s",
                [txn_id],
            )

    timed(rewrite, txns[:10])
    mine, base = timed(rewrite, txns), timed(touch, [t.pk for t in txns])
    m, b = percentiles(mine), percentiles(base)
    print(
        f"{'index one write':<18} {m[0]:8.2f} {m[1]:8.2f} {m[2]:8.2f} "
        f"{b[0]:9.2f} {b[1]:8.2f} {b[2]:8.2f} {m[0] / b[0] if b[0] else 0:10.1f}",
        flush=True,
    )
    if vendor == "sqlite":
        backend.check()  # type: ignore[attr-defined]

    # Relevance over the planted needles.
    ranks = []
    for needle in stats.needles:
        actor = executives.get(needle.entity_code) or actor_for(
            User.objects.get(username=f"gen.{needle.entity_code.lower()}.exec")
        )
        for q in needle.queries:
            found = [h.transaction.reference for h in queries.search(actor, q, per_page=10).hits]
            ranks.append(found.index(needle.reference) + 1 if needle.reference in found else None)
    if ranks:
        recall = sum(1 for r in ranks if r) / len(ranks)
        mrr = sum(1 / r for r in ranks if r) / len(ranks)
        print(f"\nrelevance: {len(ranks)} queries over {len(stats.needles)} needles: "
              f"recall@10 = {recall:.3f}, MRR = {mrr:.3f}")  # fmt: skip
    lucene_vs_ours(stats.needles)
    print(f"summary: N={args.n:,} database={vendor} load={load_s:.0f}s index={index_s:.0f}s")


if __name__ == "__main__":
    main()
