from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import Cast
from tests.notifications.conftest import make_visitor_transaction
from wasl.notifications import services as notify

PYTHON = str(Path(sys.executable))
VISITOR = "mohammed.alharbi@example.sa"


class MailDev:
    """The local SMTP server as a real process on loopback (`python -m wasl.mail.devserver`)."""

    def __init__(self, host: str, port: int, folder: Path, proc: subprocess.Popen[str]) -> None:
        self.host, self.port, self.folder, self.proc = host, port, folder, proc

    def index(self) -> list[dict[str, Any]]:
        path = self.folder / "index.jsonl"
        if not path.exists():
            return []
        return [json.loads(line) for line in path.read_text("utf-8").splitlines()]

    def raw(self) -> list[bytes]:
        return [(self.folder / entry["file"]).read_bytes() for entry in self.index()]

    def messages(self) -> list[EmailMessage]:
        return [message_from_bytes(raw, policy=policy.default) for raw in self.raw()]  # type: ignore[misc]


@pytest.fixture
def mail_dev(tmp_path: Path) -> Any:
    folder = tmp_path / "mail-dev"
    proc = subprocess.Popen(  # noqa: S603 — our own module
        [PYTHON, "-m", "wasl.mail.devserver", "--port", "0", "--dir", str(folder)],
        stdout=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    try:
        line = proc.stdout.readline() if proc.stdout else ""
        assert line.startswith("mail-dev listening on "), line
        host, port = line.split()[-1].rsplit(":", 1)
        yield MailDev(host, int(port), folder, proc)
    finally:
        stop(proc)


def stop(proc: subprocess.Popen[Any]) -> None:
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
    if proc.stdout:
        proc.stdout.close()


@pytest.fixture
def smtp_out(settings: Any, mail_dev: MailDev) -> MailDev:
    """The outbox sends its e-mail through Django's SMTP backend to the local server."""
    settings.WASL_EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.WASL_EMAIL_HOST = mail_dev.host
    settings.WASL_EMAIL_PORT = mail_dev.port
    return mail_dev


def visitor_with_email(cast: Cast, email: str = VISITOR, language: str = "ar", **kw: Any) -> Any:
    """A citizen's transaction whose visitor gave an e-mail address (saved by the clerk)."""
    txn = make_visitor_transaction(cast, **kw)
    notify.set_contact(
        cast.clerk.actor,
        txn.public_id,
        phone="0501234567",
        language=language,
        sms=True,
        optional=True,
        email=email,
    )
    return txn


def wait_for(check: Any, timeout: float = 30.0, what: str = "condition") -> Any:
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)


US = "wasl@wasl.localhost"


def mail_from_visitor(
    subject: str,
    body: str = "أرفق لكم صورة الصك المطلوبة.",
    *,
    sender: str = VISITOR,
    in_reply_to: str = "",
    headers: dict[str, str] | None = None,
    attachments: tuple[tuple[str, str, bytes], ...] = (),
) -> bytes:
    """An e-mail as a visitor's mail client writes it."""
    from email.message import EmailMessage as Message
    from email.utils import make_msgid

    message = Message()
    message["From"] = f"محمد الحربي <{sender}>"
    message["To"] = US
    message["Subject"] = subject
    message["Message-ID"] = make_msgid(domain="mail.example.sa")
    if in_reply_to:
        message["In-Reply-To"] = in_reply_to
        message["References"] = in_reply_to
    for name, value in (headers or {}).items():
        message[name] = value
    message.set_content(body)
    for filename, content_type, data in attachments:
        main, _, sub = content_type.partition("/")
        message.add_attachment(data, maintype=main, subtype=sub, filename=filename)
    return message.as_bytes()


def receive(raw: bytes) -> Any:
    from wasl.mail import services as mail

    return mail.receive(raw, mail.Envelope(via="smtp", mail_from=VISITOR, recipients=(US,)))
