#!/usr/bin/env python3
# ruff: noqa: S603 — starts our own processes (fake provider, SMTP server, worker) on loopback
"""Benchmark: notifications through the outbox — SMS to the fake provider process and e-mail
to the local SMTP server — from steps taken over HTTP against the production server, beside
the lifecycle rate of the foundation benchmark (bench/lifecycle.py) in the same run.

    make bench-notify                            # SQLite (DB=postgres for PostgreSQL)
    python bench/notify.py --database sqlite --rounds 1 --seconds 1   # a quick look

Processes: `wasl serve` (bench/servers.py), one `wasl worker` at its production polling
interval (the outbox's sender, django-tasks-db), the fake SMS provider
(`python -m wasl.notifications.fakesms`, its throttle raised out of the way so that what is
measured is Wasl's outbox, receipts posted back signed) and the local SMTP server
(`python -m wasl.mail.devserver`).

Each round measures, with the same client processes and server: the bare WSGI floor,
`GET /api/v1/me`, the foundation's lifecycles (bench/lifecycle.py's, a party without a mobile
number: nothing to notify), then a burst of the same lifecycles for a visitor with a mobile
number and an e-mail address — register over the API, the visitor's address through the
transaction page's form (a signed-in session; the API has no call for it), then refer, answer
and close over the API: 7 messages per lifecycle (the registration's SMS, then an SMS and an
e-mail at each of the three steps). After the burst it waits until the outbox has handed every
message over and reads, from the outbox rows, the time from the step (the row is written in
the step's transaction) to the provider's acceptance (the fake provider's 201, or the SMTP
server's 250): messages/s over the burst (from the first step to the last acceptance), p50 and
p95, and the lag of the last acceptance after the last step. A burst's rate is bounded by the
steps that make its messages; the outbox's own capacity is measured last: the same burst with
the worker stopped, then a worker started, the messages/s at which it empties the backlog —
beside the foundation's lifecycles/s × 7, the rate the peak lifecycle rate would make
messages at. `--write docs/performance.md` puts the medians in the table there.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import secrets
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import lifecycle, load, report, servers  # noqa: E402

PHONE = "0501234567"
EMAIL = "visitor@example.test"
PER_LIFECYCLE = 7  # SMS at registration; SMS and e-mail at referral, answer and closing
DRAIN_TIMEOUT = 300.0
# The fake provider: receipts after 0.2 s, its throttle (429 above --rate a second) out of the
# way, receipts signed with the run's secret (the last argument).
FAKE_SMS = ["--port", "0", "--delay", "0.2", "--rate", "1000000", "--secret"]


# ---------------------------------------------------------------------------------------------
# The outside world's stand-ins, as processes


@contextlib.contextmanager
def process(command: list[str], ready: str, env: dict[str, str] | None = None) -> Iterator[str]:
    """Start `command` in its own process group and yield the first line it prints that starts
    with `ready` (where it listens); stop it (and its children) at the end."""
    proc = subprocess.Popen(
        command,
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT), **(env or {})},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    try:
        line = proc.stdout.readline() if proc.stdout else ""
        if not line.startswith(ready):
            rest = proc.stdout.read(3000) if proc.stdout and proc.poll() is not None else ""
            raise RuntimeError(f"{command[2:4]} did not start: {line}{rest}")
        yield line.strip()
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(10)
        if proc.stdout:
            proc.stdout.close()


@contextlib.contextmanager
def worker(env: dict[str, str]) -> Iterator[None]:
    """`wasl worker` at its production polling interval, logging to a file removed after."""
    log = Path(tempfile.mkstemp(prefix="wasl-bench-worker-", suffix=".log")[1])
    with log.open("ab") as handle:
        proc = subprocess.Popen(
            [sys.executable, "-m", "wasl", "worker"],
            cwd=ROOT,
            env={**os.environ, "PYTHONPATH": str(ROOT), **env},
            stdout=handle,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        time.sleep(0.5)
        if proc.poll() is not None:
            raise RuntimeError(f"wasl worker did not start:\n{log.read_text()[-3000:]}")
        yield
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(10)
        log.unlink(missing_ok=True)


# ---------------------------------------------------------------------------------------------
# The work: a visitor's lifecycle


def signed_in_form(username: str) -> dict[str, str]:
    """A session of `username` (in the database, as signing in makes one) and a CSRF secret:
    the cookie and token a browser would post the transaction page's forms with."""
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.test import Client

    browser = Client()
    browser.force_login(get_user_model().objects.get(username=username))
    session = browser.cookies[settings.SESSION_COOKIE_NAME].value
    csrf = secrets.token_hex(16)  # 32 characters: a CSRF secret as Django makes one
    return {
        "cookie": f"{settings.SESSION_COOKIE_NAME}={session}; {settings.CSRF_COOKIE_NAME}={csrf}",
        "csrf": csrf,
    }


def post_form(client: load.Client, kind: str, path: str, fields: dict[str, str], form: Any) -> None:
    """POST a page's form (urlencoded, with the session and CSRF token) on the client's own
    connection, timed as `kind`; the page answers with a redirect."""
    body = urlencode({**fields, "csrfmiddlewaretoken": form["csrf"]}).encode()
    headers = {
        "Content-Type": "application/x-www-form-urlencoded",
        "Cookie": form["cookie"],
        "Connection": "keep-alive",
    }
    started = time.perf_counter()
    for attempt in (1, 2):
        try:
            client.conn.request("POST", path, body=body, headers=headers)
            response = client.conn.getresponse()
            payload = response.read()
            break
        except (ConnectionError, OSError):
            client.conn.close()  # an idle kept-alive connection the server had closed
            if attempt == 2:
                raise
    if response.getheader("Connection", "").lower() == "close":
        client.conn.close()
    client.times.setdefault(kind, []).append(time.perf_counter() - started)
    location = response.getheader("Location", "")
    if response.status != 302 or "#notifications" not in location:
        raise load.CallFailed(f"POST {path}: {response.status} {payload[:300]!r}")


def visitor_lifecycle(cast: dict[str, str], form: dict[str, str]) -> load.Work:
    """The foundation's lifecycle for a citizen with a mobile number, who also leaves an
    e-mail address on the transaction page right after registration."""

    def run(client: load.Client, i: int) -> None:
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
                "subject": lifecycle.SUBJECT.format(i),
                "body": lifecycle.BODY,
                "party": {
                    "type": "citizen",
                    "name": "محمد بن علي الحربي",
                    "id_number": "1058529940",
                    "phone": PHONE,
                },
            },
        )
        tid = lifecycle.answered("register", txn, "registered")["id"]
        post_form(
            client,
            "contact",
            f"/notifications/t/{tid}/contact",
            {"phone": PHONE, "language": "ar", "sms": "1", "optional": "1", "email": EMAIL},
            form,
        )
        made = call(
            "refer",
            "POST",
            f"/api/v1/transactions/{tid}/referrals",
            token=cast["clerk"],
            data={"to_units": [cast["target"]], "instruction": "للدراسة والإفادة"},
        )
        (referral,) = lifecycle.answered("refer", made, "referred")["referrals"]
        done = call(
            "answer",
            "POST",
            f"/api/v1/referrals/{referral['id']}/answer",
            token=cast["answerer"],
            data={"text": "تمت دراسة الطلب ولا مانع من الصرف."},
        )
        lifecycle.answered("answer", done, "answered")
        closed = call(
            "close",
            "POST",
            f"/api/v1/transactions/{tid}/close",
            token=cast["clerk"],
            data={"reason": "تمت الإفادة"},
        )
        lifecycle.answered("close", closed, "closed")

    return run


# ---------------------------------------------------------------------------------------------
# Measuring the outbox


@dataclass
class Burst:
    lifecycles: int
    lifecycle_rate: float  # visitor lifecycles/s during the burst
    messages: int
    sms: int
    email: int
    not_sent: int  # failed for good (should be none)
    rate: float  # messages/s, first step to last acceptance
    p50: float  # ms, step to acceptance
    p95: float
    lag: float  # ms, last step to last acceptance


def drained(since: Any) -> tuple[int, int]:
    """(messages of the burst still waiting, messages of the burst)."""
    from wasl.notifications.models import Notification
    from wasl.notifications.states import DUE

    rows = Notification.objects.filter(created_at__gte=since)
    return rows.filter(status__in=DUE).count(), rows.count()


def burst(url: str, work: load.Work, clients: int, seconds: float) -> Burst:
    from django.db import connections
    from django.utils import timezone

    from wasl.notifications.models import Notification
    from wasl.notifications.states import Status

    since = timezone.now()
    connections.close_all()  # the client processes are forked from this one
    result = load.run(url, work, clients, seconds)
    deadline = time.monotonic() + DRAIN_TIMEOUT
    while (waiting := drained(since))[0]:
        if time.monotonic() > deadline:
            raise RuntimeError(f"the outbox did not drain: {waiting[0]} of {waiting[1]} left")
        time.sleep(0.1)
    rows = list(
        Notification.objects.filter(created_at__gte=since).values_list(
            "channel", "status", "created_at", "sent_at"
        )
    )
    sent = [(c, made, at) for c, status, made, at in rows if at is not None]
    delays = sorted((at - made).total_seconds() for _, made, at in sent)
    first = min((made for _, _, made, _ in rows), default=since)
    last_step = max((made for _, _, made, _ in rows), default=since)
    last_sent = max((at for _, _, at in sent), default=since)
    span = (last_sent - first).total_seconds()
    failed = {Status.PERMANENT_FAILURE, Status.TECHNICAL_FAILURE}
    return Burst(
        lifecycles=result.units,
        lifecycle_rate=result.rate,
        messages=len(rows),
        sms=sum(1 for c, *_ in sent if c == "sms"),
        email=sum(1 for c, *_ in sent if c == "email"),
        not_sent=sum(1 for _, status, *_ in rows if status in failed),
        rate=len(sent) / span if span > 0 else 0.0,
        p50=percentile(delays, 50) * 1000,
        p95=percentile(delays, 95) * 1000,
        lag=(last_sent - last_step).total_seconds() * 1000,
    )


def backlog(
    url: str, work: load.Work, clients: int, seconds: float, worker_env: dict[str, str]
) -> tuple[int, float]:
    """The outbox's capacity: lifecycles for `seconds` with no worker running (their messages
    wait in the outbox), then a worker; returns (messages, messages/s from the first
    acceptance to the last), the rate at which one worker empties a backlog."""
    from django.db import connections
    from django.utils import timezone

    from wasl.notifications.models import Notification

    since = timezone.now()
    connections.close_all()
    load.run(url, work, clients, seconds)
    with worker(worker_env):
        deadline = time.monotonic() + DRAIN_TIMEOUT
        while (waiting := drained(since))[0]:
            if time.monotonic() > deadline:
                raise RuntimeError(f"the backlog did not drain: {waiting[0]} of {waiting[1]} left")
            time.sleep(0.1)
    sent = sorted(
        Notification.objects.filter(created_at__gte=since, sent_at__isnull=False).values_list(
            "sent_at", flat=True
        )
    )
    span = (sent[-1] - sent[0]).total_seconds() if len(sent) > 1 else 0.0
    return len(sent), (len(sent) - 1) / span if span > 0 else 0.0


def percentile(values: list[float], q: int) -> float:
    if not values:
        return 0.0
    if len(values) == 1:
        return values[0]
    import statistics

    return statistics.quantiles(values, n=100, method="inclusive")[q - 1]


def measure(
    database: str, workers: int, clients: int, rounds: int, seconds: float
) -> dict[str, Any]:
    from django.db import connections

    receipt_secret = secrets.token_urlsafe(24)
    mail_dir = tempfile.mkdtemp(prefix="wasl-bench-mail-")
    with (
        servers.django_on(database) as env,
        process(
            [sys.executable, "-m", "wasl.notifications.fakesms", *FAKE_SMS, receipt_secret],
            "fake-sms listening on ",
        ) as sms_line,
        process(
            [sys.executable, "-m", "wasl.mail.devserver", "--port", "0", "--dir", mail_dir],
            "mail-dev listening on ",
        ) as mail_line,
    ):
        sms_url = sms_line.split()[-1]
        mail_host, mail_port = mail_line.split()[-1].rsplit(":", 1)
        cast = lifecycle.make_cast()
        form = signed_in_form("bench.clerk")
        described = servers.describe_database()
        connections.close_all()
        notify_env = {
            **env,
            "WASL_SMS_PROVIDER": "http",
            "WASL_SMS_URL": sms_url,
            "WASL_SMS_RECEIPT_SECRET": receipt_secret,
            "WASL_EMAIL_HOST": mail_host,
            "WASL_EMAIL_PORT": mail_port,
        }
        print(f"{described}; {servers.describe_server(workers)}; {clients} client processes")
        print(f"fake SMS provider {sms_url}; SMTP server {mail_host}:{mail_port}", flush=True)
        with (
            servers.serving(servers.BARE_APP, workers, env) as bare_url,
            servers.serving(servers.WASL_APP, workers, notify_env) as wasl_url,
        ):
            worker_env = {
                **notify_env,
                "WASL_SMS_CALLBACK_URL": f"{wasl_url}/notifications/receipts/sms",
            }
            runs = [
                ("bare", bare_url, load.bare),
                ("me", wasl_url, load.me(cast["clerk"])),
                ("lifecycle", wasl_url, lifecycle.lifecycle(cast)),
            ]
            work = visitor_lifecycle(cast, form)
            with worker(worker_env):
                load.run(wasl_url, work, clients, min(seconds, 1.0))  # warm-up of the burst
                results = load.rounds(runs, rounds, clients, seconds)
                bursts = []
                for r in range(rounds):
                    bursts.append(burst(wasl_url, work, clients, seconds))
                    print(f"round {r + 1}: {line(results, bursts, r)}", flush=True)
            backlogs = []
            for r in range(rounds):
                backlogs.append(backlog(wasl_url, work, clients, seconds, worker_env))
                print(
                    f"backlog {r + 1}: {backlogs[-1][0]} messages sent at "
                    f"{backlogs[-1][1]:.1f} messages/s",
                    flush=True,
                )
    return {
        "database": described,
        "server": servers.describe_server(workers),
        "clients": clients,
        "results": results,
        "bursts": bursts,
        "backlogs": backlogs,
        "rounds": rounds,
        "seconds": seconds,
    }


def line(results: dict[str, list[load.Result]], bursts: list[Burst], at: int) -> str:
    b = bursts[at]
    return (
        f"lifecycles {results['lifecycle'][at].rate:.1f}/s | burst: {b.lifecycles} visitor "
        f"lifecycles ({b.lifecycle_rate:.1f}/s), {b.messages} messages ({b.sms} SMS, "
        f"{b.email} e-mail, {b.not_sent} failed), {b.rate:.1f} messages/s, step → accepted "
        f"p50 {b.p50:,.0f} ms p95 {b.p95:,.0f} ms, last accepted {b.lag:,.0f} ms after the "
        "last step"
    )


def summarize(measured: dict[str, Any], command: str) -> dict[str, str]:
    med = report.median
    res, bursts = measured["results"], measured["bursts"]
    bare = med([r.rate for r in res["bare"]])
    me = med([r.rate for r in res["me"]])
    rate = med([r.rate for r in res["lifecycle"]])
    messages = med([b.rate for b in bursts])
    p50, p95 = med([b.p50 for b in bursts]), med([b.p95 for b in bursts])
    lag = med([b.lag for b in bursts])
    produced = med([b.lifecycle_rate for b in bursts])
    sent = sum(b.sms + b.email for b in bursts)
    failed = sum(b.not_sent for b in bursts)
    needed = rate * PER_LIFECYCLE
    capacity = med([rate_ for _, rate_ in measured["backlogs"]])
    print(
        f"\nmedians of {measured['rounds']} rounds of {measured['seconds']:g} s:\n"
        f"  bare WSGI          {bare:9,.0f} requests/s\n"
        f"  GET /api/v1/me     {me:9,.0f} requests/s\n"
        f"  lifecycles         {rate:9,.1f} /s (the foundation's, no notification)\n"
        f"  visitor lifecycles {produced:9,.1f} /s during the bursts ({PER_LIFECYCLE} messages "
        "each)\n"
        f"  outbox             {messages:9,.1f} messages/s; step → provider's acceptance p50 "
        f"{p50:,.0f} ms, p95 {p95:,.0f} ms; last accepted {lag:,.0f} ms after the last step\n"
        f"  backlog            {capacity:9,.1f} messages/s (one worker emptying a backlog)\n"
        f"  messages sent: {sent}, failed: {failed}\n"
        f"  ratios: messages/s ÷ (visitor lifecycles/s × {PER_LIFECYCLE}) = "
        f"{messages / (produced * PER_LIFECYCLE) if produced else 0:.2f} (1: kept up); "
        f"backlog messages/s ÷ (lifecycles/s × {PER_LIFECYCLE}) = "
        f"{capacity / needed if needed else 0:.2f} (over 1: keeps up with the peak lifecycle "
        "rate)"
    )
    return {
        "benchmark": "notifications through the outbox (SMS to the fake provider, e-mail to "
        "the local SMTP server)",
        "database": measured["database"],
        "server · clients": f"{measured['server']}, 1 `wasl worker` · "
        f"{measured['clients']} client processes",
        "figures": (
            f"**{messages:.1f} messages/s**; step → provider's acceptance p50 / p95 "
            f"{p50:,.0f} / {p95:,.0f} ms; last accepted {lag:,.0f} ms after the last step; "
            f"{sent} messages sent, {failed} failed; a backlog emptied at {capacity:.1f} "
            "messages/s by one worker"
        ),
        "floors": f"lifecycles (bench/lifecycle.py) {rate:.1f}/s; bare WSGI {bare:,.0f} req/s; "
        f"`GET /api/v1/me` {me:,.0f} req/s",
        "ratios": f"burst messages/s ÷ (visitor lifecycles/s × {PER_LIFECYCLE}) "
        f"{messages / (produced * PER_LIFECYCLE) if produced else 0:.2f}; backlog messages/s ÷ "
        f"(lifecycles/s × {PER_LIFECYCLE}) {capacity / needed if needed else 0:.2f}",
        "run": f"{report.today()}; median of {measured['rounds']} rounds × "
        f"{measured['seconds']:g} s; `{command}`",
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 2)
    parser.add_argument("--clients", type=int, default=4, help="client processes")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seconds", type=float, default=4.0, help="per measurement")
    parser.add_argument("--write", type=Path, help="put the medians in this table")
    parser.add_argument("--command", default="", help="the command to name in the table")
    args = parser.parse_args()
    command = args.command or "python bench/notify.py " + " ".join(sys.argv[1:])
    print(f"== notifications through the outbox, {args.database}", flush=True)
    measured = measure(args.database, args.workers, args.clients, args.rounds, args.seconds)
    row = summarize(measured, command)
    if args.write:
        report.write_row(args.write, row)


if __name__ == "__main__":
    main()
