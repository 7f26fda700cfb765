#!/usr/bin/env python3
"""Benchmark: full transaction lifecycles through the API, over HTTP, from concurrent client
processes, against the production server — beside two floors measured in the same run.

    make bench                                   # SQLite, then PostgreSQL (durable)
    python bench/lifecycle.py --database sqlite --rounds 1 --seconds 1   # a quick look

A lifecycle is the four calls a client makes for one transaction (register → refer → answer
→ close), each with a bearer token; the answer is given by a clerk of the unit referred to.
Every round measures, with the same client processes against the same server and worker
count: the bare WSGI application (bench/bare.py, the machine's limit), `GET /api/v1/me` (a
trivial authenticated Wasl request) and the lifecycles. It prints each round, then medians:
lifecycles/s, p50 and p95 of each call, the floors and the ratios `/me ÷ bare` and
`lifecycles/s ÷ (/me per s ÷ 4)`. Queries per lifecycle are counted in-process through
Django's test client under CaptureQueriesContext, on the same database, after a warm-up.

PostgreSQL is a throw-away cluster with durable settings (fsync, synchronous_commit and
full_page_writes on); SQLite is Wasl's default (WAL). `--write docs/performance.md` puts the
medians in the table there.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import load, report, servers  # noqa: E402

STEPS = ("register", "refer", "answer", "close")
SUBJECT = "معروض المواطن بشأن تعويض أرض منزوعة لصالح مشروع الطريق الدائري رقم {}"
BODY = "يطلب المواطن صرف تعويض أرضه المنزوعة لصالح مشروع الطريق الدائري، ويرفق صك الملكية."


def make_cast() -> dict[str, str]:
    """An entity with its registry unit and a unit to refer to, a clerk in each, a token
    each: what the client processes need."""
    from wasl.directory import services as directory
    from wasl.directory.tokens import create_token

    entity, _ = directory.ensure_entity(
        code="BENCH", kind="other", name_ar="جهة القياس", name_en="Benchmark entity"
    )
    registry, _ = directory.ensure_unit(
        entity=entity,
        code="REG",
        name_ar="الاتصالات الإدارية",
        name_en="Registry",
        is_registry=True,
    )
    target, _ = directory.ensure_unit(
        entity=entity, code="RIGHTS", name_ar="الحقوق", name_en="Rights"
    )
    clerk, _ = directory.ensure_person(username="bench.clerk", first_name="سعد", last_name="الحربي")
    answerer, _ = directory.ensure_person(
        username="bench.rights", first_name="نورة", last_name="الزهراني"
    )
    directory.grant(clerk, registry, "clerk")
    directory.grant(answerer, target, "clerk")
    return {
        "clerk": create_token("bench.clerk"),
        "answerer": create_token("bench.rights"),
        "registry": str(registry.public_id),
        "target": str(target.public_id),
    }


def answered(kind: str, answer: Any, state: str) -> Any:
    """A step answers with the transaction's new state (docs/api.md, "What a step answers"):
    check it, so that a run against an API that changed fails instead of timing errors."""
    if not isinstance(answer, dict) or answer.get("state") != state:
        raise load.CallFailed(f"{kind}: expected the state {state!r}, got {answer!r:.300}")
    return answer


def lifecycle(cast: dict[str, str]) -> Callable[[Any, int], None]:
    """One lifecycle through `call(kind, method, path, token, data) -> JSON`, the way a client
    of the API makes it: each step reads what it needs from the previous step's answer."""

    def run(client: Any, i: int) -> None:
        call = client.call
        txn = call(
            "register",
            "POST",
            "/api/v1/transactions",
            token=cast["clerk"],
            data={
                "unit": cast["registry"],
                "direction": "incoming",
                "kind": "petition",
                "subject": SUBJECT.format(i),
                "body": BODY,
                "party": {
                    "type": "citizen",
                    "name": "محمد بن علي الحربي",
                    "id_number": "1058529940",
                },
            },
        )
        tid = answered("register", txn, "registered")["id"]
        made = call(
            "refer",
            "POST",
            f"/api/v1/transactions/{tid}/referrals",
            token=cast["clerk"],
            data={"to_units": [cast["target"]], "instruction": "للدراسة والإفادة"},
        )
        (referral,) = answered("refer", made, "referred")["referrals"]
        if referral["to_unit"] != cast["target"]:
            raise load.CallFailed(f"refer: referred to {referral['to_unit']}, not the target")
        done = call(
            "answer",
            "POST",
            f"/api/v1/referrals/{referral['id']}/answer",
            token=cast["answerer"],
            data={"text": "تمت دراسة الطلب ولا مانع من الصرف."},
        )
        answered("answer", done, "answered")
        closed = call(
            "close",
            "POST",
            f"/api/v1/transactions/{tid}/close",
            token=cast["clerk"],
            data={"reason": "تمت الإفادة"},
        )
        answered("close", closed, "closed")

    return run


class InProcess:
    """Django's test client behind the `call` of a load.Client: the same requests, in this
    process, each call's queries counted by its kind."""

    def __init__(self) -> None:
        from django.test import Client

        self.client = Client()
        self.queries: dict[str, int] = {}

    def call(
        self, kind: str, method: str, path: str, *, token: str = "", data: Any = None, **_: Any
    ) -> Any:
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"} if token else {}
        with CaptureQueriesContext(connection) as captured:
            if method == "GET":
                response = self.client.get(path, **headers)
            else:
                response = self.client.post(
                    path, data=data, content_type="application/json", **headers
                )
        assert response.status_code in (200, 201), (path, response.status_code, response.content)
        self.queries[kind] = self.queries.get(kind, 0) + len(captured)
        return response.json()


def count_queries(work: Callable[[Any, int], None]) -> dict[str, int]:
    """Queries of each call of one lifecycle, after one lifecycle of warm-up (the first
    requests fill caches: content types, translations…)."""
    probe = InProcess()
    work(probe, 0)
    probe.queries = {}
    work(probe, 1)
    return probe.queries


def measure(
    database: str, workers: int, clients: int, rounds: int, seconds: float
) -> dict[str, Any]:
    from django.db import connections

    with servers.django_on(database) as env:
        cast = make_cast()
        described = servers.describe_database()
        work = lifecycle(cast)
        queries = count_queries(work)
        connections.close_all()  # the client processes are forked from this one
        print(f"{described}; {servers.describe_server(workers)}; {clients} client processes")
        print(f"queries per lifecycle: {sum(queries.values())} {queries}", flush=True)
        with (
            servers.serving(servers.BARE_APP, workers, env) as bare_url,
            servers.serving(servers.WASL_APP, workers, env) as wasl_url,
        ):
            runs = [
                ("bare", bare_url, load.bare),
                ("me", wasl_url, load.me(cast["clerk"])),
                ("lifecycle", wasl_url, work),
            ]
            results = load.rounds(runs, rounds, clients, seconds, lambda res: line(res, -1))
    return {
        "database": described,
        "server": servers.describe_server(workers),
        "clients": clients,
        "queries": queries,
        "results": results,
        "rounds": rounds,
        "seconds": seconds,
    }


def line(results: dict[str, list[load.Result]], at: int) -> str:
    b, m, lc = (results[k][at] for k in ("bare", "me", "lifecycle"))
    steps = ", ".join(f"{s} {lc.percentile(s, 50):.0f}/{lc.percentile(s, 95):.0f}" for s in STEPS)
    return (
        f"bare {b.rate:,.0f}/s | /me {m.rate:,.0f}/s (p50 {m.percentile('me', 50):.1f} ms) | "
        f"lifecycles {lc.rate:.1f}/s (ms p50/p95: {steps})"
    )


def summarize(measured: dict[str, Any], command: str) -> dict[str, str]:
    med = report.median
    res = measured["results"]
    bare = med([r.rate for r in res["bare"]])
    me = med([r.rate for r in res["me"]])
    rate = med([r.rate for r in res["lifecycle"]])

    def pct(name: str, kind: str, q: float) -> float:
        return med([r.percentile(kind, q) for r in res[name]])

    steps = "; ".join(
        f"{s} {pct('lifecycle', s, 50):.0f} / {pct('lifecycle', s, 95):.0f}" for s in STEPS
    )
    queries = measured["queries"]
    per_step = ", ".join(f"{s} {queries.get(s, 0)}" for s in STEPS)
    print(
        f"\nmedians of {measured['rounds']} rounds of {measured['seconds']:g} s:\n"
        f"  bare WSGI          {bare:9,.0f} requests/s  p50 {pct('bare', 'bare', 50):6.1f} ms  "
        f"p95 {pct('bare', 'bare', 95):6.1f} ms\n"
        f"  GET /api/v1/me     {me:9,.0f} requests/s  p50 {pct('me', 'me', 50):6.1f} ms  "
        f"p95 {pct('me', 'me', 95):6.1f} ms\n"
        f"  lifecycles         {rate:9,.1f} /s          p50 / p95 ms: {steps}\n"
        f"  queries per lifecycle: {sum(queries.values())} ({per_step})\n"
        f"  ratios: /me ÷ bare = {me / bare:.2f}; lifecycles ÷ (/me ÷ 4) = {rate / (me / 4):.2f}"
    )
    return {
        "benchmark": "lifecycles over the API (register → refer → answer → close)",
        "database": measured["database"],
        "server · clients": f"{measured['server']} · {measured['clients']} client processes",
        "figures": (
            f"**{rate:.1f} lifecycles/s**; p50 / p95 ms: {steps}; "
            f"{sum(queries.values())} queries per lifecycle ({per_step})"
        ),
        "floors": f"bare WSGI {bare:,.0f} req/s; `GET /api/v1/me` {me:,.0f} req/s "
        f"(p50 {pct('me', 'me', 50):.1f} ms)",
        "ratios": f"/me ÷ bare {me / bare:.2f}; lifecycles ÷ (/me ÷ 4) {rate / (me / 4):.2f}",
        "run": f"{report.today()}; median of {measured['rounds']} rounds × "
        f"{measured['seconds']:g} s; `{command}`",
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", choices=("sqlite", "postgres", "both"), default="both")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 2)
    parser.add_argument("--clients", type=int, default=4, help="client processes")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--seconds", type=float, default=4.0, help="per measurement")
    parser.add_argument("--write", type=Path, help="put the medians in this table")
    parser.add_argument("--command", default="", help="the command to name in the table")
    args = parser.parse_args()
    command = args.command or "python bench/lifecycle.py " + " ".join(sys.argv[1:])
    if args.database == "both":  # one process per database: Django reads its settings once
        for database in ("sqlite", "postgres"):
            subprocess.run(  # noqa: S603 — this script, on one database
                [sys.executable, __file__, "--database", database, "--command", command]
                + ["--workers", str(args.workers), "--clients", str(args.clients)]
                + ["--rounds", str(args.rounds), "--seconds", str(args.seconds)]
                + (["--write", str(args.write)] if args.write else []),
                check=True,
            )
        return
    print(f"== lifecycles over HTTP, {args.database}", flush=True)
    measured = measure(args.database, args.workers, args.clients, args.rounds, args.seconds)
    row = summarize(measured, command)
    if args.write:
        report.write_row(args.write, row)


if __name__ == "__main__":
    main()
