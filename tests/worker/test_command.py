"""`wasl worker` as a process: a database it cannot reach is a clear error, not a trace."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

WASL = Path(sys.executable).with_name("wasl")


def test_the_worker_says_clearly_that_it_cannot_reach_the_database(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_URL", "WASL_"))}
    env.update(
        {
            "WASL_VAR_DIR": str(tmp_path),
            "DATABASE_URL": "postgres://wasl@127.0.0.1:9/wasl?connect_timeout=2",
        }
    )
    done = subprocess.run(  # noqa: S603 — our own command
        [str(WASL), "worker"], env=env, capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode == 1
    assert "the worker cannot use the database" in done.stderr
    assert "Traceback" not in done.stderr
