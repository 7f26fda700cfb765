# ruff: noqa: S310 — talks to our own server on loopback
"""Exactly once for clients: `wasl serve` killed (kill -9 of its process group) in the middle
of a load of registrations sent with Idempotency-Keys, started again, and every request whose
answer did not arrive sent again with its key. Each key must end as exactly one transaction,
and every answer a client got must name that transaction."""

from __future__ import annotations

import http.client
import json
import os
import secrets
import signal
import threading
import time
import urllib.error
import urllib.request
import uuid
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tests.server.test_serve import Server, wasl

from .report import record

CLIENTS = 6
KILL_AFTER = 40  # answers received before the kill
HOLD_SECONDS = "3"  # a key held by a killed request is free again after this
DEADLINE = 45  # seconds for the retries after the restart

SETUP = """
import json
from wasl.directory import services as directory
from wasl.directory.tokens import create_token
entity, _ = directory.ensure_entity(code="EMK", kind="emirate", name_ar="إمارة منطقة مكة المكرمة", name_en="Emirate")
unit, _ = directory.ensure_unit(entity=entity, code="REG", name_ar="الاتصالات الإدارية", name_en="Communications", is_registry=True)
user, _ = directory.ensure_person(username="{username}", first_name="سعد", last_name="الحربي", password="{password}")
directory.grant(user, unit, "clerk")
print(json.dumps({{"token": create_token("{username}"), "unit": str(unit.public_id)}}))
"""

COUNT = """
import json
from wasl.directory.models import IdempotentRequest
from wasl.registry.models import Transaction
rows = Transaction.objects.filter(subject__startswith="{prefix}")
answers = IdempotentRequest.objects.filter(user__username="{username}")
print(json.dumps({{
    "transactions": [[t.subject, str(t.public_id)] for t in rows],
    "answers": [[a.key, a.status, bytes(a.body).decode()] for a in answers],
}}))
"""


@dataclass
class Client:
    """What one client sent and what it got back, key by key."""

    server: Server
    token: str
    unit: str
    prefix: str
    answers: dict[str, dict[str, Any]] = field(default_factory=dict)
    unanswered: list[str] = field(default_factory=list)
    sent: list[str] = field(default_factory=list)
    errors_5xx: int = 0
    replayed: int = 0  # retries answered with the stored answer: committed, answer lost
    surprises: list[str] = field(default_factory=list)

    def payload(self, key: str) -> bytes:
        return json.dumps(
            {
                "unit": self.unit,
                "direction": "incoming",
                "kind": "petition",
                "subject": f"{self.prefix} {key}",
                "party": {
                    "type": "citizen",
                    "name": "محمد بن علي الحربي",
                    "id_number": "1058529940",
                },
            }
        ).encode()

    def send(self, key: str, timeout: float = 10) -> tuple[int, dict[str, str], bytes] | None:
        """Status, headers and body; None when no answer arrived."""
        request = urllib.request.Request(
            f"http://127.0.0.1:{self.server.port}/api/v1/transactions",
            data=self.payload(key),
            method="POST",
            headers={
                "Authorization": f"Bearer {self.token}",
                "Content-Type": "application/json",
                "Idempotency-Key": f'"{key}"',
            },
        )
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:
                return response.status, dict(response.headers), response.read()
        except urllib.error.HTTPError as error:
            return error.code, dict(error.headers), error.read()
        except (OSError, urllib.error.URLError, http.client.HTTPException):
            # Refused, reset, or cut off in the middle of the answer (IncompleteRead) by the
            # kill: no answer arrived.
            return None

    def load(self, stop: threading.Event) -> None:
        while not stop.is_set():
            key = str(uuid.uuid4())
            self.sent.append(key)
            got = self.send(key)
            if got is None:
                self.unanswered.append(key)
            elif got[0] == 201:
                self.answers[key] = json.loads(got[2])
            else:
                self.errors_5xx += got[0] >= 500
                self.surprises.append(f"{got[0]}: {got[2][:300]!r}")
                return


def retry(client: Client, key: str, deadline: float) -> dict[str, Any]:
    """Send `key`'s request again until its answer arrives (a held key answers 409)."""
    while time.monotonic() < deadline:
        got = client.send(key)
        if got is None:
            time.sleep(0.2)
            continue
        status, headers, body = got
        if status == 409 and json.loads(body)["code"] == "idempotency_key_in_flight":
            time.sleep(min(float(headers.get("Retry-After", "1")), 3))
            continue
        client.errors_5xx += status >= 500
        assert status == 201, body[:300]
        client.replayed += headers.get("Idempotent-Replayed") == "true"
        return dict(json.loads(body))
    raise AssertionError(f"no answer for {key} before the deadline")


def test_no_letter_is_lost_or_registered_twice_when_the_server_is_killed(tmp_path: Path):
    database = {"DATABASE_URL": os.environ["DATABASE_URL"]} if "DATABASE_URL" in os.environ else {}
    env = {**database, "WASL_IDEMPOTENCY_HOLD_SECONDS": HOLD_SECONDS}
    done = wasl(tmp_path, "migrate", "--no-input", "-v0", **env)
    assert done.returncode == 0, done.stderr
    username = f"kill.{secrets.token_hex(4)}"
    made = wasl(
        tmp_path,
        "shell",
        "-c",
        SETUP.format(username=username, password=secrets.token_hex(16)),
        **env,
    )
    assert made.returncode == 0, made.stderr
    person = json.loads(made.stdout.strip().splitlines()[-1])
    prefix = f"kill-{secrets.token_hex(4)}"

    server = Server(tmp_path, "--workers", "2", "--collectstatic", **env)
    clients = [Client(server, person["token"], person["unit"], prefix) for _ in range(CLIENTS)]
    stop = threading.Event()
    threads = [threading.Thread(target=c.load, args=(stop,)) for c in clients]
    try:
        for thread in threads:
            thread.start()
        started = time.monotonic()
        while sum(len(c.answers) for c in clients) < KILL_AFTER:
            assert not any(c.surprises for c in clients), [c.surprises for c in clients]
            assert time.monotonic() - started < 60, "the load did not start"
            time.sleep(0.01)
    finally:
        os.killpg(server.process.pid, signal.SIGKILL)
        stop.set()
        for thread in threads:
            thread.join(30)
    assert server.process.wait(10) == -signal.SIGKILL
    assert not any(c.surprises for c in clients), [c.surprises for c in clients]
    cut = sum(len(c.unanswered) for c in clients)
    assert cut >= 1, "the kill left no request without its answer: it proved nothing"

    restarted = Server(tmp_path, "--workers", "2", **env)
    deadline = time.monotonic() + DEADLINE
    try:
        for client in clients:
            client.server = restarted
            for key in client.unanswered:
                client.answers[key] = retry(client, key, deadline)
        seen = wasl(tmp_path, "shell", "-c", COUNT.format(prefix=prefix, username=username), **env)
    finally:
        restarted.stop()
    assert seen.returncode == 0, seen.stderr
    stored = json.loads(seen.stdout.strip().splitlines()[-1])

    keys = [key for c in clients for key in c.sent]
    per_key = Counter(subject.removeprefix(prefix + " ") for subject, _ in stored["transactions"])
    lost = sum(1 for key in keys if per_key[key] == 0)
    duplicated = sum(n - 1 for n in per_key.values() if n > 1)
    strays = set(per_key) - set(keys)
    committed = {subject.removeprefix(prefix + " "): tid for subject, tid in stored["transactions"]}
    # Every answer a client holds names the one transaction its key made, first answer or not.
    wrong = [
        key
        for c in clients
        for key, answer in c.answers.items()
        if answer["id"] != committed.get(key)
    ]
    errors_5xx = sum(c.errors_5xx for c in clients)
    replayed = sum(c.replayed for c in clients)
    print(f"{len(keys)} keys, {cut} without an answer, {replayed} of them committed before")
    record(
        "exactly once after kill -9",
        attempts=len(keys) + cut,
        lost=lost,
        duplicated=duplicated,
        errors_5xx=errors_5xx,
    )
    assert (lost, duplicated, strays, wrong, errors_5xx) == (0, 0, set(), [], 0)
    assert sorted(key for key, status, _ in stored["answers"] if status == 201) == sorted(keys)
