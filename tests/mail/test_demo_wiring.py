"""`make demo` starts the local SMTP server and the listener where Wasl is told to find them."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_the_procfile_and_the_makefile_agree_on_the_mail_ports() -> None:
    lines = dict(
        line.split(":", 1) for line in (ROOT / "Procfile").read_text().splitlines() if line
    )
    smtp, listener = lines["smtp"].split(), lines["mail"].split()
    assert smtp[:3] == ["python", "-m", "wasl.mail.devserver"]
    assert listener[:3] == ["wasl", "mail", "serve"]
    makefile = (ROOT / "Makefile").read_text()
    sent_to = re.search(r"WASL_EMAIL_PORT=(\d+)", makefile)
    received_on = re.search(r"WASL_MAIL_PORT=(\d+)", makefile)
    assert sent_to and sent_to.group(1) == smtp[smtp.index("--port") + 1]
    assert received_on and received_on.group(1) == listener[listener.index("--port") + 1]
    assert "WASL_EMAIL_BACKEND=django.core.mail.backends.smtp.EmailBackend" in makefile
    # The demo page reads the folder the server writes (VAR_DIR/mail-dev, VAR_DIR = ./var).
    assert smtp[smtp.index("--dir") + 1] == "var/mail-dev"
