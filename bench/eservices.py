#!/usr/bin/env python3
"""Benchmark: citizens submitting an e-service application on Tawasul, over HTTP, from
concurrent client processes, against the production server — beside the floors measured in
the same run.

    make bench-eservices                                    # SQLite
    python bench/eservices.py --database postgres
    python bench/eservices.py --rounds 1 --seconds 1        # a quick look

Publishes a two-step service (every kind of field but a file, a rule) received by a unit of
its own, and signs in one person per client process (a portal session, as the national
sign-on leaves it). An application is what a person's browser sends: start the application,
then for each step the page and the answers (urlencoded, with the form's CSRF token), the
review page and "Submit" — which registers a transaction in the receiving unit. Each round
measures, with the same client processes and server: the bare WSGI application
(bench/bare.py) and `GET /api/v1/me` (the floors of bench/lifecycle.py), then applications.
Prints applications/s and the requests/s they make, p50/p95 of each kind of request, and the
ratios to the floor: `/me` requests/s ÷ the applications' requests/s, and each kind's p95 ÷
`/me`'s p95 (the issue's target: within 3× of the floor). Queries per application are counted
in-process through Django's test client, on the same database, after a warm-up.
"""

from __future__ import annotations

import argparse
import os
import secrets
import string
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import load, report, servers  # noqa: E402

CODE = "bench-waiver"
KINDS = ("start", "step page", "step answer", "review page", "submit")
REQUESTS_PER_APPLICATION = 8  # start; page and answers of 2 steps; review page; submit


def T(ar: str, en: str) -> dict[str, str]:
    return {"ar": ar, "en": en}


SERVICE: dict[str, Any] = {
    "code": CODE,
    "name": T("طلب التنازل عن الحق الخاص", "Waive a private right"),
    "description": T("تنازل عن حق خاص في قضية.", "Waive a private right in a case."),
    "audience": "both",
    "receiver": {"entity": "BENCH", "unit": "REG"},
    "kind": "petition",
    "sla_working_days": 10,
    "subject_field": "summary",
    "steps": [
        {
            "key": "case",
            "title": T("القضية", "The case"),
            "fields": [
                {
                    "key": "summary",
                    "type": "text",
                    "label": T("الموضوع", "Summary"),
                    "required": True,
                },
                {
                    "key": "case_type",
                    "type": "choice",
                    "label": T("نوع القضية", "Kind of case"),
                    "required": True,
                    "options": [
                        {"value": "traffic", "label": T("حادث مروري", "Traffic accident")},
                        {"value": "other", "label": T("أخرى", "Other")},
                    ],
                },
                {
                    "key": "case_other",
                    "type": "text",
                    "label": T("نوع القضية الأخرى", "What kind of case"),
                    "hidden": True,
                },
                {
                    "key": "other_party",
                    "type": "id_number",
                    "label": T("هوية الطرف الآخر", "The other party's ID"),
                    "required": True,
                },
                {"key": "amount", "type": "number", "label": T("المبلغ", "Amount"), "min": 0},
                {
                    "key": "happened_on",
                    "type": "date",
                    "label": T("تاريخ الواقعة", "When"),
                    "calendar": "hijri",
                    "when": "past",
                },
            ],
        },
        {
            "key": "contact",
            "title": T("التواصل", "Contact"),
            "fields": [
                {"key": "phone", "type": "phone", "label": T("الجوال", "Mobile"), "required": True},
                {
                    "key": "details",
                    "type": "text",
                    "multiline": True,
                    "label": T("التفاصيل", "Details"),
                },
            ],
        },
    ],
    "rules": [
        {
            "when": {"==": [{"var": "case_type"}, "other"]},
            "show": ["case_other"],
            "require": ["case_other"],
        }
    ],
}
STEP_ANSWERS = (
    {
        "f_summary": "التنازل عن الحق الخاص في قضية حادث مروري رقم {}",
        "f_case_type": "other",
        "f_case_other": "مطالبة مالية",
        "f_other_party": "1058529940",
        "f_amount": "٥٠٠٠",
        "f_happened_on": "1445/01/10",
    },
    {"f_phone": "0501234567", "f_details": "أتنازل عن حقي الخاص في القضية المذكورة لوجه الله."},
)


def prepare(clients: int) -> dict[str, Any]:
    """The service and its receiving unit, a staff token for the `/me` floor, and one signed-in
    person per client process (a session cookie each, a CSRF secret shared)."""
    from django.conf import settings
    from django.contrib.sessions.backends.db import SessionStore

    from wasl.core.identity import make_national_id
    from wasl.directory import services as directory
    from wasl.directory.tokens import create_token
    from wasl.portal import services as portal
    from wasl.portal import sessions
    from wasl.portal.eservices import services as eservices

    entity, _ = directory.ensure_entity(
        code="BENCH", kind="other", name_ar="جهة القياس", name_en="Benchmark entity"
    )
    directory.ensure_unit(
        entity=entity,
        code="REG",
        name_ar="الاتصالات الإدارية",
        name_en="Registry",
        is_registry=True,
    )
    directory.ensure_person(username="bench.clerk", first_name="سعد", last_name="الحربي")
    imported = eservices.import_services(
        {"format": "wasl.eservices/1", "services": [SERVICE]}, by="bench"
    )
    assert not imported.missing_units, imported.missing_units
    csrf = "".join(secrets.choice(string.ascii_letters + string.digits) for _ in range(32))
    cookies = []
    for n in range(max(clients, 1) + 1):  # one more for the in-process count
        id_number = make_national_id(f"10{n:07d}")
        person = portal.sign_in_with_claims(
            {"sub": f"bench-{n}", "national_id": id_number, "name": f"مواطن {n}"}
        )
        session = SessionStore()
        now = int(__import__("time").time())
        session[sessions.KEY] = {
            "person": str(person.public_id),
            "since": now,
            "seen": now,
            "via": "bench",
            "id_token": "",
        }
        session.create()
        cookies.append(
            f"{settings.SESSION_COOKIE_NAME}={session.session_key}; "
            f"{settings.CSRF_COOKIE_NAME}={csrf}"
        )
    return {"token": create_token("bench.clerk"), "csrf": csrf, "cookies": cookies}


def applying(data: dict[str, Any]) -> load.Work:
    """One application through `call`, as the person's browser makes it: each request goes
    where the previous answer sent it."""
    csrf, cookies = data["csrf"], data["cookies"]

    def run(client: Any, i: int) -> None:
        cookie = cookies[(i // 1_000_000) % (len(cookies) - 1)]
        token = {"csrfmiddlewaretoken": csrf}
        client.call(
            "start",
            "POST",
            f"/portal/services/{CODE}/start/",
            form=token,
            cookie=cookie,
            expect=(302,),
        )
        at = client.location
        for number, answers in enumerate(STEP_ANSWERS, start=1):
            if not at.endswith(f"/step/{number}/"):
                raise load.CallFailed(f"step {number}: sent to {at!r}")
            client.call("step page", "GET", at, cookie=cookie, expect=(200,))
            form = {k: v.format(i) for k, v in answers.items()}
            client.call(
                "step answer",
                "POST",
                at,
                form={**token, **form, "action": "next"},
                cookie=cookie,
                expect=(302,),
            )
            at = client.location
        if not at.endswith("/review/"):
            raise load.CallFailed(f"review: sent to {at!r}")
        client.call("review page", "GET", at, cookie=cookie, expect=(200,))
        client.call("submit", "POST", at, form=token, cookie=cookie, expect=(302,))
        if client.location.endswith("/review/") or "/applications/" not in client.location:
            raise load.CallFailed(f"submit: sent to {client.location!r}")

    return run


class InProcess:
    """Django's test client behind `call`: the same requests in this process, each one's
    queries counted by its kind."""

    def __init__(self) -> None:
        from django.test import Client

        self.client = Client()
        self.queries: dict[str, int] = {}
        self.location = ""

    def call(
        self,
        kind: str,
        method: str,
        path: str,
        *,
        form: dict[str, str] | None = None,
        cookie: str = "",
        expect: tuple[int, ...] = (200,),
    ) -> None:
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        for pair in cookie.split("; "):
            name, _, value = pair.partition("=")
            self.client.cookies[name] = value
        with CaptureQueriesContext(connection) as captured:
            if method == "GET":
                response = self.client.get(path)
            else:
                response = self.client.post(path, data=form or {})
        assert response.status_code in expect, (path, response.status_code, response.content[:500])
        self.location = response.get("Location", "")
        self.queries[kind] = self.queries.get(kind, 0) + len(captured)


def count_queries(data: dict[str, Any]) -> dict[str, int]:
    """Queries of each kind of request of one application, after one of warm-up, as the
    last person (not one of the client processes')."""
    work = applying(data)
    last = (len(data["cookies"]) - 1) * 1_000_000 + len(data["cookies"]) - 1
    probe = InProcess()
    work(probe, last)
    probe.queries = {}
    work(probe, last)
    return probe.queries


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
    command = args.command or "python bench/eservices.py " + " ".join(sys.argv[1:])
    from django.db import connections

    print(f"== e-service applications over HTTP, {args.database}", flush=True)
    with servers.django_on(args.database) as env:
        data = prepare(args.clients)
        queries = count_queries(data)
        described = servers.describe_database()
        connections.close_all()  # the client processes are forked from this one
        server = servers.describe_server(args.workers)
        print(f"{described}; {server}; {args.clients} client processes")
        print(f"queries per application: {sum(queries.values())} {queries}", flush=True)
        with (
            servers.serving(servers.BARE_APP, args.workers, env) as bare_url,
            servers.serving(servers.WASL_APP, args.workers, env) as wasl_url,
        ):
            runs = [
                ("bare", bare_url, load.bare),
                ("me", wasl_url, load.me(data["token"])),
                ("applications", wasl_url, applying(data)),
            ]

            def show(res: dict[str, list[load.Result]]) -> str:
                a = res["applications"][-1]
                return (
                    f"bare {res['bare'][-1].rate:,.0f}/s | /me {res['me'][-1].rate:,.0f}/s | "
                    f"applications {a.rate:.1f}/s ({a.rate * REQUESTS_PER_APPLICATION:.0f} "
                    f"requests/s, submit p95 {a.percentile('submit', 95):.0f} ms)"
                )

            results = load.rounds(runs, args.rounds, args.clients, args.seconds, show)
    bare = load.summary(results["bare"], "bare")
    me = load.summary(results["me"], "me")
    rate = report.median([r.rate for r in results["applications"]])
    requests = rate * REQUESTS_PER_APPLICATION
    kinds = {k: load.summary(results["applications"], k)[1:] for k in KINDS}
    print(f"\nmedians of {args.rounds} rounds of {args.seconds:g} s:")
    print(
        f"  bare WSGI        {bare[0]:9,.0f} requests/s  p50 {bare[1]:6.1f} ms  p95 {bare[2]:6.1f} ms"
    )
    print(f"  GET /api/v1/me   {me[0]:9,.0f} requests/s  p50 {me[1]:6.1f} ms  p95 {me[2]:6.1f} ms")
    print(f"  applications     {rate:9,.1f} /s, {requests:,.0f} requests/s")
    for kind, (p50, p95) in kinds.items():
        print(
            f"    {kind:<14} p50 {p50:6.1f} ms  p95 {p95:6.1f} ms  (p95 ÷ /me p95 {p95 / me[2]:.1f})"
        )
    per_kind = ", ".join(f"{k} {queries.get(k, 0)}" for k in KINDS)
    print(f"  queries per application: {sum(queries.values())} ({per_kind})")
    slower = me[0] / requests if requests else float("inf")
    print(f"  ratio: /me requests/s ÷ application requests/s = {slower:.2f}")
    times = "; ".join(f"{k} {p50:.0f} / {p95:.0f}" for k, (p50, p95) in kinds.items())
    row = {
        "benchmark": "e-service applications over HTTP (start → 2 steps → review → submit)",
        "database": described,
        "server · clients": f"{server} · {args.clients} client processes",
        "figures": f"**{rate:.1f} applications/s** ({requests:,.0f} requests/s); "
        f"p50 / p95 ms: {times}; {sum(queries.values())} queries per application ({per_kind})",
        "floors": f"bare WSGI {bare[0]:,.0f} req/s; `GET /api/v1/me` {me[0]:,.0f} req/s "
        f"(p95 {me[2]:.1f} ms)",
        "ratios": f"/me req/s ÷ application req/s {slower:.2f}; submit p95 ÷ /me p95 "
        f"{kinds['submit'][1] / me[2]:.1f}",
        "run": f"{report.today()}; median of {args.rounds} rounds × {args.seconds:g} s; "
        f"`{command}`",
    }
    if args.write:
        report.write_row(args.write, row)


if __name__ == "__main__":
    main()
