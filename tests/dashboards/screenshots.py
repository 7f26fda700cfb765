"""Pictures of the dashboards for people to look at (not part of the test run):

    WASL_VAR_DIR=$(mktemp -d) .venv/bin/pytest tests/dashboards/screenshots.py

saves docs/screenshots/dashboards-*.png: a year of seeded work in the Emirate and Jeddah,
then every page, the control room at 1920×1080 and the first page of the PDF report.
"""

from __future__ import annotations

import random
import subprocess
from datetime import timedelta
from pathlib import Path

from tests.conftest import make_transaction
from wasl.core.errors import WaslError
from wasl.registry import services as registry

from .conftest import TODAY
from .test_browser import sign_in

SHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"


def busy_year(cast, clock):
    """A year of work in the Emirate and Jeddah for the pictures (seeded, not measured)."""
    rng = random.Random(6)
    people = {cast.rights.pk: cast.rights_clerk, cast.security.pk: cast.security_clerk}
    day = TODAY - timedelta(days=360)
    open_refs = []
    while day <= TODAY:
        clock.at(day)
        for _ in range(rng.randint(0, 3)):
            kind = rng.choice(["petition", "complaint", "request", "letter", "report"])
            urgency = rng.choices(["normal", "urgent", "very_urgent", "immediate"], [6, 2, 1, 1])[0]
            txn = make_transaction(cast, kind=kind, urgency=urgency)
            if rng.random() < 0.8:
                unit = rng.choice([cast.rights, cast.security])
                (ref,) = registry.refer(
                    cast.clerk.actor, txn.public_id, to_units=[unit], instruction="للإفادة"
                )
                open_refs.append(
                    (txn, ref, day + timedelta(days=rng.choice([1, 2, 3, 5, 8, 13, 21])))
                )
            if rng.random() < 0.5:
                make_transaction(cast, by=cast.governor_office, unit=cast.jed_office, kind=kind)
        for txn, ref, when in [x for x in open_refs if x[2] <= day]:
            open_refs.remove((txn, ref, when))
            if day > TODAY - timedelta(days=20) and rng.random() < 0.5:
                continue
            try:
                registry.answer(people[ref.to_unit_id].actor, ref.public_id, text="تمت الدراسة")
                if rng.random() < 0.9:
                    registry.close(cast.clerk.actor, txn.public_id, reason="تمت الإفادة")
            except WaslError:
                pass
        day += timedelta(days=1)
    clock.at(TODAY)


def test_take_the_screenshots(cast, clock, page, live_server):
    from wasl.dashboards import followup

    busy_year(cast, clock)
    followup.run(TODAY)
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.set_viewport_size({"width": 1280, "height": 900})
    for person, url, name in [
        (cast.executive, "/dashboards/region/?period=1447-05", "overview"),
        (cast.executive, "/dashboards/entity/EMK/?period=1447-05", "entity"),
        (cast.rights_head, f"/dashboards/unit/{cast.rights.public_id}/?period=1447-05", "unit"),
        (cast.rights_clerk, "/dashboards/person/rights_clerk/?period=1447-05", "person"),
        (
            cast.executive,
            "/dashboards/list/?scope=entity:EMK&item=t&measure=overdue&period=1447-05",
            "list",
        ),
    ]:
        sign_in(page, live_server, person)
        page.goto(url)
        page.screenshot(path=str(SHOTS / f"dashboards-{name}.png"), full_page=True)
    page.set_viewport_size({"width": 1920, "height": 1080})
    sign_in(page, live_server, cast.executive)
    page.goto("/dashboards/control-room/?scope=region&rotate=300")
    page.screenshot(path=str(SHOTS / "dashboards-control-room.png"))
    page.evaluate(
        "document.querySelectorAll('.cr__view').forEach((v, i) => v.classList.toggle('is-active', i === 2))"
    )
    page.screenshot(path=str(SHOTS / "dashboards-control-room-trend.png"))
    response = page.request.get("/dashboards/export.pdf?scope=region&period=1447-05")
    pdf = SHOTS / "dashboards-report.pdf"
    pdf.write_bytes(response.body())
    subprocess.run(  # noqa: S603 — a fixed program on our own file
        [
            "/usr/bin/pdftoppm",
            "-png",
            "-r",
            "60",
            "-f",
            "1",
            "-l",
            "1",
            str(pdf),
            str(SHOTS / "dashboards-report"),
        ],
        check=True,
    )
    pdf.unlink()
