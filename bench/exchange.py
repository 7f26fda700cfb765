#!/usr/bin/env python3
"""Benchmark: letters between two Wasl nodes on loopback, sent through the API over HTTP by
concurrent client processes, delivered by the nodes' own servers and workers.

    make bench-exchange                       # SQLite, one database per node
    python bench/exchange.py --database postgres --rounds 3 --seconds 10

The nodes are the real processes of tests/exchange/nodes.py (`wasl serve` and `wasl worker`
per node, each node with its own database; the workers are restarted here with their
production polling interval, not the tests' shorter one). Client processes post letters from the Makkah Region
Emirate (node A) to the Jeddah Amanah (node B): `POST /api/v1/exchange/letters` with the
clerk's bearer token. A letter counts as delivered when node B's signed receipt is verified
and recorded on node A. Each round:
- flat out: the clients send for `--seconds` as fast as node A takes them; printed: letters
  sent per second (the API), delivered end to end per second (first sent → last receipt
  recorded), and the latency sent → receipt recorded (p50, p95);
- paced: the clients offer half the flat-out delivery rate (or `--rate`) for `--seconds`;
  printed: the latency p50 / p95 at that load — how soon a letter reaches the other node —
  and the pick-up p50 / p95: from a letter queued to the next start of the delivery task
  by node A's worker, read from its task rows (django-tasks-db);
beside the floors, in the same run: the bare WSGI application under gunicorn with the nodes'
server settings, and `GET /api/v1/me` on node A's server.
"""

from __future__ import annotations

import argparse
import bisect
import contextlib
import os
import statistics
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import load, report, servers  # noqa: E402

# `wasl serve --workers` of every node (tests/exchange/nodes.py): the bare floor runs as many.
NODE_WORKERS = 2
DELIVERY_TASK = "wasl.exchange.tasks.deliver_outbox"
SUBJECT = "طلب إفادة بشأن تعديات على أرض حكومية رقم {}"
BODY = "نأمل التكرم بالاطلاع واتخاذ اللازم حيال التعديات الموضحة، وإفادتنا بما يتم."


def sender(sending: dict[str, str], rate: float) -> load.Work:
    """Post one letter per call; with `rate` > 0, at most `rate` letters/s from this client."""
    state: dict[str, float] = {}

    def run(client: load.Client, i: int) -> None:
        if rate > 0:
            first = state.setdefault("first", time.monotonic())
            state["sent"] = state.get("sent", 0) + 1
            wait = first + (state["sent"] - 1) / rate - time.monotonic()
            if wait > 0:
                time.sleep(wait)
        client.call(
            "send",
            "POST",
            "/api/v1/exchange/letters",
            token=sending["token"],
            data={
                "unit": sending["unit"],
                "to": ["AMN-JED"],
                "subject": SUBJECT.format(i),
                "body": BODY,
                "urgency": "urgent",
            },
        )

    return run


def _when(value: Any) -> datetime:
    """A timestamp as SQLite (naive UTC text) or PostgreSQL (aware) gives it, aware."""
    when = value if isinstance(value, datetime) else datetime.fromisoformat(value)
    return when if when.tzinfo else when.replace(tzinfo=UTC)


def percentiles(samples: list[float]) -> tuple[float, float]:
    """(p50, p95) of `samples`."""
    ordered = sorted(samples)
    if len(ordered) == 1:
        return ordered[0], ordered[0]
    return statistics.median(ordered), statistics.quantiles(ordered, n=100, method="inclusive")[94]


def picked_up(node: Any, since: int) -> tuple[float, float]:
    """(p50 s, p95 s) from a letter queued (message `since` onwards) to the start of the next
    run of the delivery task on `node` — when a worker first looked at the outbox with the
    letter in it. Any run counts, not only the one its own commit enqueued: under load the
    worker is still busy with runs queued earlier, and those take the letter."""
    starts = sorted(
        _when(row[0])
        for row in node.sql(
            "SELECT started_at FROM django_tasks_database_dbtaskresult "
            "WHERE task_path = ? AND started_at IS NOT NULL",
            (DELIVERY_TASK,),
        )
    )
    waits = []
    for (created,) in node.sql(
        "SELECT created_at FROM exchange_outgoingmessage WHERE id > ? AND kind = 'letter'",
        (since,),
    ):
        queued = _when(created)
        later = bisect.bisect_left(starts, queued)
        if later < len(starts):
            waits.append((starts[later] - queued).total_seconds())
    return percentiles(waits) if waits else (0.0, 0.0)


def last_id(node: Any) -> int:
    return int(node.one("SELECT coalesce(max(id), 0) FROM exchange_outgoingmessage"))


def undelivered(node: Any, since: int) -> int:
    return int(
        node.one(
            "SELECT count(*) FROM exchange_outgoingmessage WHERE id > ? AND kind = 'letter' "
            "AND state <> 'delivered'",
            (since,),
        )
    )


def delivered(node: Any, since: int) -> tuple[int, float, float, float]:
    """(letters, letters/s first sent → last delivered, p50 s, p95 s) since message `since`."""
    rows = node.sql(
        "SELECT created_at, delivered_at FROM exchange_outgoingmessage WHERE id > ? "
        "AND kind = 'letter'",
        (since,),
    )
    sent = [_when(r[0]) for r in rows]
    done = [_when(r[1]) for r in rows]
    latencies = [(d - s).total_seconds() for s, d in zip(sent, done, strict=True)]
    span = max((max(done) - min(sent)).total_seconds(), 1e-6)
    p50, p95 = percentiles(latencies)
    return len(rows), len(rows) / span, p50, p95


def one_round(
    url: str, node: Any, sending: dict[str, str], clients: int, seconds: float, rate: float
) -> dict[str, float]:
    from tests.exchange.nodes import wait_for

    start = last_id(node)
    flat = load.run(url, sender(sending, 0), clients, seconds)
    wait_for(lambda: undelivered(node, start) == 0, 600, "the letters sent flat out")
    count, e2e, p50, p95 = delivered(node, start)
    offered = rate or max(e2e / 2, 1.0)
    start = last_id(node)
    paced = load.run(url, sender(sending, offered / clients), clients, seconds)
    wait_for(lambda: undelivered(node, start) == 0, 600, "the paced letters")
    _, paced_e2e, paced_p50, paced_p95 = delivered(node, start)
    pickup_p50, pickup_p95 = picked_up(node, start)
    return {
        "letters": count,
        "sent": flat.rate,
        "send p50": flat.percentile("send", 50),
        "send p95": flat.percentile("send", 95),
        "delivered": e2e,
        "p50": p50 * 1000,
        "p95": p95 * 1000,
        "offered": offered,
        "paced sent": paced.rate,
        "paced": paced_e2e,
        "paced p50": paced_p50 * 1000,
        "paced p95": paced_p95 * 1000,
        "pickup p50": pickup_p50 * 1000,
        "pickup p95": pickup_p95 * 1000,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--clients", type=int, default=4, help="client processes sending")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seconds", type=float, default=5.0, help="per phase")
    parser.add_argument("--rate", type=float, default=0.0, help="paced: letters/s offered")
    parser.add_argument("--write", type=Path, help="put the medians in this table")
    parser.add_argument("--command", default="", help="the command to name in the table")
    args = parser.parse_args()
    command = args.command or "python bench/exchange.py " + " ".join(sys.argv[1:])

    from tests.exchange.nodes import WASL, Cluster

    print(f"== exchange between two nodes over HTTP, {args.database}", flush=True)
    with contextlib.ExitStack() as stack:
        if args.database == "postgres":
            os.environ["DATABASE_URL"] = stack.enter_context(servers.durable_postgres())
            database = "PostgreSQL 15 (fsync=on, synchronous_commit=on, full_page_writes=on)"
        else:
            database = "SQLite (WAL, synchronous=NORMAL), one file per node"
        pair = stack.enter_context(
            contextlib.closing(
                Cluster({"NODE-A": ("EMK",), "NODE-B": ("AMN-JED",)}, database=args.database)
            )
        )
        pair.start()
        for each in pair.nodes.values():  # the production polling interval (settings.py)
            each.stop_worker()
            each.worker = each.spawn(WASL, "worker", log="worker.log")
        node, sending = pair["NODE-A"], pair.tokens["EMK"]
        bare_url = stack.enter_context(servers.serving(servers.BARE_APP, NODE_WORKERS, {}))
        # Warm-up, not counted: fresh processes import and compile on their first letters.
        start = last_id(node)
        load.run(node.url, sender(sending, 0), args.clients, 1.0)
        from tests.exchange.nodes import wait_for

        wait_for(lambda: undelivered(node, start) == 0, 600, "the warm-up letters")
        floors = load.rounds(
            [("bare", bare_url, load.bare), ("me", node.url, load.me(sending["token"]))],
            args.rounds,
            args.clients,
            min(args.seconds, 3.0),
        )
        rounds = []
        for r in range(args.rounds):
            res = one_round(node.url, node, sending, args.clients, args.seconds, args.rate)
            rounds.append(res)
            print(
                f"round {r + 1}: flat out: {res['letters']} letters, sent {res['sent']:.1f}/s "
                f"(POST p50 {res['send p50']:.0f} ms), delivered {res['delivered']:.1f}/s end to "
                f"end, latency p50 {res['p50']:.0f} ms, p95 {res['p95']:.0f} ms | paced at "
                f"{res['offered']:.1f}/s (sent {res['paced sent']:.1f}/s): latency p50 "
                f"{res['paced p50']:.0f} ms, p95 {res['paced p95']:.0f} ms; picked up p50 "
                f"{res['pickup p50']:.0f} ms, p95 {res['pickup p95']:.0f} ms",
                flush=True,
            )
        verified = pair["NODE-B"].run("exchange", "verify").stdout.strip()
        print(f"receiving node: {verified}")
    med = {k: statistics.median(r[k] for r in rounds) for k in rounds[0]}
    bare = load.summary(floors["bare"], "bare")
    me = load.summary(floors["me"], "me")
    print(
        f"\nmedians of {args.rounds} rounds of {args.seconds:g} s per phase, "
        f"{args.clients} client processes:\n"
        f"  flat out: sent {med['sent']:.1f} letters/s (POST p50 / p95 {med['send p50']:.0f} / "
        f"{med['send p95']:.0f} ms), delivered end to end {med['delivered']:.1f} letters/s, "
        f"latency p50 / p95 {med['p50']:.0f} / {med['p95']:.0f} ms\n"
        f"  paced at {med['offered']:.1f}/s: latency p50 / p95 {med['paced p50']:.0f} / "
        f"{med['paced p95']:.0f} ms; picked up p50 / p95 "
        f"{med['pickup p50']:.0f} / {med['pickup p95']:.0f} ms\n"
        f"  floors: bare WSGI {bare[0]:,.0f} req/s; GET /api/v1/me on node A {me[0]:,.0f} req/s"
    )
    row = {
        "benchmark": "exchange: letters between two nodes, sent over the API",
        "database": database,
        "server · clients": f"each node: its server and one worker (tests/exchange/nodes.py) · "
        f"{args.clients} client processes",
        "figures": f"flat out: **{med['delivered']:.1f} letters/s delivered end to end**, sent "
        f"{med['sent']:.1f}/s (POST p50 / p95 {med['send p50']:.0f} / {med['send p95']:.0f} ms), "
        f"latency p50 / p95 {med['p50']:.0f} / {med['p95']:.0f} ms; paced at "
        f"{med['offered']:.1f}/s: latency p50 / p95 {med['paced p50']:.0f} / "
        f"{med['paced p95']:.0f} ms, picked up p50 / p95 "
        f"{med['pickup p50']:.0f} / {med['pickup p95']:.0f} ms",
        "floors": f"bare WSGI {bare[0]:,.0f} req/s (gunicorn, {NODE_WORKERS} workers); "
        f"`GET /api/v1/me` on node A {me[0]:,.0f} req/s",
        "ratios": f"letters sent ÷ /me {med['sent'] / me[0]:.2f}; "
        f"delivered ÷ sent {med['delivered'] / med['sent']:.2f}",
        "run": f"{report.today()}; median of {args.rounds} rounds × {args.seconds:g} s; `{command}`",
    }
    if args.write:
        report.write_row(args.write, row)


if __name__ == "__main__":
    main()
