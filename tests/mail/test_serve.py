# ruff: noqa: S603 — runs our own command and talks to it on loopback
"""`wasl mail serve` as a real process on loopback, spoken to by smtplib: what it takes, and
what it refuses before keeping a byte (a 50 MB message, ten thousand recipients)."""

from __future__ import annotations

import os
import smtplib
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from .conftest import US, mail_from_visitor, stop

WASL = str(Path(sys.executable).with_name("wasl"))
MB = 1024 * 1024


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def served(tmp_path_factory: Any) -> Any:
    folder = tmp_path_factory.mktemp("mail-serve")
    drop = ("DATABASE_URL", "WASL_", "DEBUG", "PRODUCTION", "SECRET_KEY")
    env = {k: v for k, v in os.environ.items() if not k.startswith(drop)}
    env.update(WASL_VAR_DIR=str(folder), WASL_MAIL_MAX_RECIPIENTS="50")
    subprocess.run([WASL, "migrate", "--no-input", "-v0"], env=env, check=True, timeout=300)
    port = free_port()
    proc = subprocess.Popen(
        [WASL, "mail", "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    try:
        line = proc.stdout.readline() if proc.stdout else ""
        assert line.startswith("wasl mail listening on "), line
        yield port, folder
    finally:
        stop(proc)


def client(port: int) -> smtplib.SMTP:
    return smtplib.SMTP("127.0.0.1", port, timeout=120)


def test_a_message_is_taken_and_its_raw_bytes_kept(served):
    port, folder = served
    raw = mail_from_visitor("استفسار عام").replace(b"\n", b"\r\n")  # as SMTP carries it
    with client(port) as smtp:
        smtp.ehlo()
        smtp.mail("visitor@example.sa")
        smtp.rcpt(US)
        code, answer = smtp.data(raw)
    assert code == 250 and answer.startswith(b"2.0.0 Received ")
    kept = list((folder / "media" / "mail").rglob("*.eml"))
    assert any(path.read_bytes() == raw for path in kept)


def test_a_50_mb_message_is_refused_at_its_declared_size(served):
    port, _ = served
    big = b"Subject: big\r\n\r\n" + (b"x" * 998 + b"\r\n") * (50 * MB // 1000)
    with client(port) as smtp, pytest.raises(smtplib.SMTPSenderRefused) as refused:
        smtp.sendmail("visitor@example.sa", [US], big)  # smtplib declares SIZE=
    assert refused.value.smtp_code == 552


def test_a_50_mb_message_that_does_not_declare_its_size_is_refused_at_data(served):
    port, folder = served
    before = len(list(folder.rglob("*.eml")))
    big = b"Subject: big\r\n\r\n" + (b"x" * 998 + b"\r\n") * (50 * MB // 1000)
    with client(port) as smtp:
        smtp.ehlo()
        smtp.mail("visitor@example.sa")  # no SIZE=
        smtp.rcpt(US)
        code, _ = smtp.data(big)
        assert code == 552
        assert smtp.rset()[0] == 250  # the session goes on
        smtp.mail("visitor@example.sa")
        smtp.rcpt(US)
        assert smtp.data(mail_from_visitor("بعد الكبيرة"))[0] == 250
    assert len(list(folder.rglob("*.eml"))) == before + 1  # the big one was never kept


def test_ten_thousand_recipients_are_bounded(served):
    port, _ = served
    started = time.monotonic()
    with client(port) as smtp:
        smtp.ehlo()
        smtp.mail("visitor@example.sa")
        codes = [smtp.rcpt(f"r{i}@wasl.localhost")[0] for i in range(10_000)]
        assert smtp.data(mail_from_visitor("كثير"))[0] == 250
    assert codes.count(250) == 50
    assert set(codes[50:]) == {452}
    assert time.monotonic() - started < 600  # a liveness bound, not a speed claim
