"""The demo: `make demo` starts the provider (Procfile) and gives the demo people matters."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from django.core.management import call_command

from wasl.core.identity import validate_national_id
from wasl.portal.people import DEMO_PEOPLE
from wasl.portal.provider import arguments
from wasl.registry.models import Transaction

ROOT = Path(__file__).resolve().parents[2]


def test_the_procfile_starts_the_provider_where_the_settings_look_for_it() -> None:
    lines = dict(
        line.split(":", 1) for line in (ROOT / "Procfile").read_text().splitlines() if line
    )
    command = lines["oidc"].split()
    assert command[:3] == ["python", "-m", "wasl.portal.provider"]
    port = command[command.index("--port") + 1]
    env = {k: v for k, v in os.environ.items() if not k.startswith(("WASL_OIDC", "PRODUCTION"))}
    default = subprocess.run(
        [sys.executable, "-c", "from wasl import settings; print(settings.WASL_OIDC_ISSUER)"],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    assert default == f"http://127.0.0.1:{port}"
    assert "loadportaldemo" in (ROOT / "Makefile").read_text()


def test_demo_people_are_citizens_and_residents_with_valid_ids() -> None:
    kinds = {validate_national_id(p.id_number)[0] for p in DEMO_PEOPLE}
    assert kinds == {"1", "2"}
    args = arguments(8001)
    assert "--require-nonce" in args
    assert args.count("--user-claims") == len(DEMO_PEOPLE)


def test_loadportaldemo_registers_matters_once(db: Any) -> None:
    call_command("loaddemo", "--months=0", verbosity=0)  # the people, without the history
    call_command("loadportaldemo", verbosity=0)
    ids = {p.id_number for p in DEMO_PEOPLE}
    mine = Transaction.objects.filter(party_id_number__in=ids)
    first = mine.count()
    assert first >= len(DEMO_PEOPLE)
    assert set(mine.values_list("party_id_number", flat=True)) == ids
    call_command("loadportaldemo", verbosity=0)
    assert mine.count() == first
