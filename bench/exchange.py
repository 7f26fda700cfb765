#!/usr/bin/env python3
"""Benchmark: letters between two Wasl nodes on loopback, beside the same count delivered
in-process on one node, measured in the same run.

    make bench-exchange N=2000              # or: python bench/exchange.py --n 2000 --rounds 3

Each node is a real process pair (`wasl runserver` + `wasl exchange worker`, one worker per
node) with its own SQLite database (WAL) in a temporary folder. A sender process on the
sending node registers and signs N letters through `exchange.services.send_letter`, paced at
`--rate` letters per second (default 200, the target). Between nodes, the worker delivers
them over HTTP in batches; in-process (both entities on one node), they are delivered as
Wasl does by default for entities of the same node: right after the sending commits, in the
sending process, through the same envelope, signature and receipt path. A letter counts as
delivered when its receiver's signed receipt is verified and recorded on the sending side.

Before the rounds, each cluster delivers `--warm-up` letters (300) that are not counted:
freshly started processes spend their first seconds importing and compiling.

Per round it prints:
- paced: letters/s end to end (N over first sent → last delivered) and the median and p95
  delivery latency (sent → receipt recorded) at the offered rate;
- flat out: the sender registers and signs N letters as fast as it can while the workers
  deliver: letters/s end to end (first sent → last receipt recorded), which the offered
  rate does not cap, and its p95 latency;
- drain: letters/s when N letters wait in the outbox and the worker empties it (the most
  one worker can move; in-process too, the worker then delivers to the entity of its node);
- CPU: the CPU time (user + system) of every process of the run — sender, servers, workers —
  per letter in the paced phase. On a shared machine the rates depend on what else runs;
  the CPU per letter hardly does, and bounds what the cores could do if they were idle;
then the medians over the rounds and the ratio between nodes / in-process.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import sys
import time
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


# ---------------------------------------------------------------------------------------------
# The sender, inside a node's environment


def run_sender(n: int, rate: float, tag: str) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "wasl.settings")
    import django

    django.setup()
    from django.contrib.auth import get_user_model

    from wasl.directory.actors import actor_for
    from wasl.directory.models import Unit
    from wasl.exchange import services

    actor = actor_for(get_user_model().objects.get(username="emk.clerk"))
    unit = Unit.objects.get(entity__code="EMK", code="REG")
    started = time.perf_counter()
    for i in range(n):
        if rate > 0:
            due = started + i / rate
            wait = due - time.perf_counter()
            if wait > 0:
                time.sleep(wait)
        services.send_letter(
            actor,
            unit=unit,
            to=["AMN-JED"],
            subject=f"طلب إفادة بشأن تعديات على أرض حكومية رقم {tag}-{i}",
            body="نأمل التكرم بالاطلاع واتخاذ اللازم حيال التعديات الموضحة، وإفادتنا بما يتم.",
            urgency="urgent",
        )
    print(f"{n / (time.perf_counter() - started):.1f}", flush=True)


def run_stages(n: int) -> None:
    """CPU time per letter of each stage, in this process, on a fresh node of both entities."""
    import tempfile

    os.environ["WASL_VAR_DIR"] = tempfile.mkdtemp(prefix="wasl-stages-")
    os.environ["WASL_EXCHANGE_DELIVER_LOCAL_ON_COMMIT"] = "0"
    os.environ.pop("DATABASE_URL", None)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "wasl.settings")
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.core.management import call_command

    from tests.exchange import nodes
    from wasl.directory.actors import actor_for
    from wasl.directory.models import Unit
    from wasl.exchange import delivery, services
    from wasl.registry import services as registry

    nodes.script_template(os.path.join(os.environ["WASL_VAR_DIR"], "tokens.json"))
    call_command("exchange", "setup", "--node", "NODE-L", "--entity", "EMK", "--entity", "AMN-JED")
    actor = actor_for(get_user_model().objects.get(username="emk.clerk"))
    unit = Unit.objects.get(entity__code="EMK", code="REG")
    fields = {"unit": unit, "subject": "طلب إفادة", "body": "نص الخطاب", "urgency": "urgent"}
    services.send_letter(actor, to=["AMN-JED"], **fields)  # warm up: keys opened, SQL compiled
    delivery.wait_until_idle()
    times: dict[str, float] = {}

    def stage(name, work):
        started = time.process_time()
        result = work()
        times[name] = (time.process_time() - started) * 1000 / n
        return result

    stage("send", lambda: [services.send_letter(actor, to=["AMN-JED"], **fields) for _ in range(n)])
    claimed = stage("claim", lambda: [r for _ in range(n // 50 + 1) for r in delivery.claim(50)])
    results = stage("receive", lambda: delivery._deliver_local(claimed))
    stage("settle", lambda: [delivery.settle(results[i : i + 50]) for i in range(0, n, 50)])
    stage(
        "registration alone",
        lambda: [
            registry.register_transaction(
                actor,
                unit=unit,
                direction="outgoing",
                kind="letter",
                subject="خطاب",
                body="نص الخطاب",
                classification="general",
                urgency="urgent",
                correspondent_code="AMN-JED",
            )
            for _ in range(n)
        ],
    )
    total = sum(v for k, v in times.items() if k != "registration alone")
    print(f"CPU ms per letter, N={n}: " + ", ".join(f"{k} {v:.2f}" for k, v in times.items()))
    print(f"total {total:.2f} ms -> at most ~{(os.cpu_count() or 1) * 1000 / total:.0f} letters/s")


# ---------------------------------------------------------------------------------------------
# The orchestration


def sender(node, n: int, rate: float, tag: str, **env: str) -> float:
    import subprocess

    result = subprocess.run(  # noqa: S603 — this script, in the node's environment
        [sys.executable, __file__, "--sender", "--n", str(n), "--rate", str(rate), "--tag", tag],
        env={**node.env(), **env},
        cwd=node.folder,
        capture_output=True,
        text=True,
        check=True,
    )
    return float(result.stdout.strip().splitlines()[-1])


def measure(node, since_id: int) -> tuple[float, float, float]:
    """(letters/s first sent → last delivered, median latency, p95 latency) in seconds."""
    rows = node.sql(
        "SELECT created_at, delivered_at FROM exchange_outgoingmessage WHERE id > ? "
        "AND kind = 'letter' ORDER BY id",
        (since_id,),
    )
    sent = [datetime.fromisoformat(r[0]) for r in rows]
    done = [datetime.fromisoformat(r[1]) for r in rows]
    latencies = sorted((d - s).total_seconds() for s, d in zip(sent, done, strict=True))
    span = (max(done) - min(sent)).total_seconds()
    p95 = latencies[max(0, int(len(latencies) * 0.95) - 1)]
    if TIMELINE:
        in_order = [(d - s).total_seconds() for s, d in zip(sent, done, strict=True)]
        tenth = max(1, len(in_order) // 10)
        parts = []
        for start in range(0, len(in_order), tenth):
            part = sorted(in_order[start : start + tenth])
            parts.append(
                f"{part[len(part) // 2]:.2f}/{part[max(0, int(len(part) * 0.95) - 1)]:.2f}"
            )
        print("    latency median/p95 s by tenth of the letters, in order:", " ".join(parts))
    return len(rows) / span, statistics.median(latencies), p95


TIMELINE = False


def drain_rate(node, since_id: int) -> float:
    rows = node.sql(
        "SELECT delivered_at FROM exchange_outgoingmessage WHERE id > ? AND kind = 'letter'",
        (since_id,),
    )
    done = sorted(datetime.fromisoformat(r[0]) for r in rows)
    return (len(done) - 1) / max((done[-1] - done[0]).total_seconds(), 1e-6)


def last_id(node) -> int:
    return int(node.one("SELECT coalesce(max(id), 0) FROM exchange_outgoingmessage"))


def undelivered(node, since_id: int) -> int:
    return int(
        node.one(
            "SELECT count(*) FROM exchange_outgoingmessage WHERE id > ? AND state <> 'delivered'",
            (since_id,),
        )
    )


def cpu_seconds(cluster) -> dict[str, float]:
    """CPU time (user + system) used so far by each server and worker of the cluster
    (`NODE-A server`, …), and by the children this process has waited for (`senders`)."""
    tick = os.sysconf("SC_CLK_TCK")
    used: dict[str, float] = {}
    for node in cluster.nodes.values():
        for role, proc in (("server", node.server), ("worker", node.worker)):
            if proc is not None and proc.poll() is None:
                fields = Path(f"/proc/{proc.pid}/stat").read_text().rsplit(")", 1)[1].split()
                used[f"{node.code} {role}"] = (int(fields[11]) + int(fields[12])) / tick
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    used["senders"] = children.ru_utime + children.ru_stime
    return used


def cpu_spent(before: dict[str, float], after: dict[str, float]) -> dict[str, float]:
    return {k: v - before.get(k, 0.0) for k, v in after.items()}


def one_round(cluster, node, n: int, rate: float, tag: str, wait_for) -> dict[str, float]:
    start = last_id(node)
    cpu_before = cpu_seconds(cluster)
    send_rate = sender(node, n, rate, f"{tag}p")
    wait_for(lambda: undelivered(node, start) == 0, 600, "the paced letters")
    spent = cpu_spent(cpu_before, cpu_seconds(cluster))
    cpu = sum(spent.values())
    throughput, median, p95 = measure(node, start)
    # Flat out: the sender as fast as it can, the workers delivering meanwhile.
    start = last_id(node)
    flat_send = sender(node, n, 0, f"{tag}f")
    wait_for(lambda: undelivered(node, start) == 0, 600, "the letters sent flat out")
    flat, _, flat_p95 = measure(node, start)
    # Drain: the letters wait in the outbox, then one worker empties it.
    node.stop_worker()
    start = last_id(node)
    sender(node, n, 0, f"{tag}d", WASL_EXCHANGE_DELIVER_LOCAL_ON_COMMIT="0")
    node.start_worker()
    wait_for(lambda: undelivered(node, start) == 0, 600, "the outbox to drain")
    return {
        "send": send_rate,
        "paced": throughput,
        "median": median,
        "p95": p95,
        "flat_send": flat_send,
        "flat": flat,
        "flat_p95": flat_p95,
        "drain": drain_rate(node, start),
        "cpu_ms": cpu * 1000 / n,
        **{f"cpu_ms {k}": v * 1000 / n for k, v in spent.items()},
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument(
        "--rate", type=float, default=200.0, help="offered letters/s (0: as fast as possible)"
    )
    parser.add_argument("--batch", type=int, default=0, help="messages per worker pass")
    parser.add_argument(
        "--warm-up", type=int, default=300, help="letters sent (and not counted) first"
    )
    parser.add_argument(
        "--stages", action="store_true", help="CPU per letter of each stage, in one process"
    )
    parser.add_argument(
        "--timeline", action="store_true", help="latency by tenth of the letters, in order"
    )
    parser.add_argument("--sender", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--tag", default="", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.sender:
        run_sender(args.n, args.rate, args.tag)
        return
    if args.stages:
        run_stages(args.n)
        return

    from tests.exchange.nodes import Cluster, wait_for

    global TIMELINE
    TIMELINE = args.timeline

    tuned = {"WASL_EXCHANGE_BATCH_SIZE": str(args.batch)} if args.batch else {}
    batch = args.batch or "default"
    print(
        f"exchange benchmark: N={args.n} letters per round, offered {args.rate:g}/s, "
        f"{args.rounds} rounds after {args.warm_up} warm-up letters, SQLite (WAL), one worker "
        f"per node (batch {batch}), "
        f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f}",
        flush=True,
    )
    results: dict[str, list[dict[str, float]]] = {"nodes": [], "in-process": []}
    pair = Cluster(
        {"NODE-A": ("EMK",), "NODE-B": ("AMN-JED",)}, extra_env={"NODE-A": tuned, "NODE-B": tuned}
    )
    single = Cluster({"NODE-L": ("EMK", "AMN-JED")}, extra_env={"NODE-L": tuned})
    try:
        pair.start()
        single.start()
        # Warm up, not counted: freshly started processes spend their first seconds
        # importing, compiling statements and opening keys; nodes in service are warm.
        for cluster in (pair, single):
            node = next(iter(cluster.nodes.values()))
            start = last_id(node)
            sender(node, args.warm_up, args.rate, "w")
            wait_for(lambda n=node, s=start: undelivered(n, s) == 0, 600, "the warm-up letters")
        for r in range(1, args.rounds + 1):
            for name, cluster in (("nodes", pair), ("in-process", single)):
                node = next(iter(cluster.nodes.values()))
                res = one_round(cluster, node, args.n, args.rate, f"{name[0]}{r}", wait_for)
                results[name].append(res)
                print(
                    f"round {r} {name:<10} sent {res['send']:7.1f}/s | paced: {res['paced']:7.1f} "
                    f"letters/s, latency median {res['median'] * 1000:6.0f} ms, p95 "
                    f"{res['p95'] * 1000:6.0f} ms | drain {res['drain']:7.1f} letters/s | "
                    f"CPU {res['cpu_ms']:5.1f} ms/letter",
                    flush=True,
                )
                print(
                    f"    flat out: sent {res['flat_send']:.1f}/s, delivered end to end "
                    f"{res['flat']:.1f} letters/s (first sent -> last receipt), p95 "
                    f"{res['flat_p95'] * 1000:.0f} ms",
                    flush=True,
                )
                parts = [f"{k[7:]} {v:.1f}" for k, v in res.items() if k.startswith("cpu_ms ")]
                print(f"    CPU ms/letter by process: {', '.join(parts)}", flush=True)
        check = pair["NODE-B"].run("exchange", "verify").stdout.strip()
        print(f"receiving node: {check}")
    finally:
        pair.close()
        single.close()
    med = {
        name: {k: statistics.median(r.get(k, 0.0) for r in rounds) for k in rounds[0]}
        for name, rounds in results.items()
    }
    for name, m in med.items():
        cores = os.cpu_count() or 1
        print(
            f"median {name:<10} paced {m['paced']:7.1f} letters/s, p95 {m['p95'] * 1000:6.0f} ms, "
            f"flat out {m['flat']:7.1f} letters/s, drain {m['drain']:7.1f} letters/s, CPU {m['cpu_ms']:5.1f} ms/letter "
            f"(at most ~{cores * 1000 / m['cpu_ms']:.0f} letters/s on {cores} idle cores)"
        )
    print(
        f"ratio nodes / in-process: paced {med['nodes']['paced'] / med['in-process']['paced']:.2f}, "
        f"flat out {med['nodes']['flat'] / med['in-process']['flat']:.2f}, "
        f"drain {med['nodes']['drain'] / med['in-process']['drain']:.2f}"
    )


if __name__ == "__main__":
    main()
