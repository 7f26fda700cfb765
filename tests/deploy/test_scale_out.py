"""Scaling out as docs/deploy.md describes it: one PostgreSQL database, two app servers
(`wasl serve`) and two workers (`wasl worker`), each a process of its own on loopback.

Concurrent lifecycles and exchange letters go through both servers at once. Every reference
number of the year is taken exactly once, none skipped; every letter is delivered exactly
once. Then the database is backed up with `pg_dump` and restored with `pg_restore` into a new
database, and the restored copy holds the same rows and verifies its audit chain — the
commands docs/deploy.md gives.
"""

from __future__ import annotations

import os
import re
import subprocess
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from django.db import connection

from ..exchange.nodes import Cluster, Node, free_port, wait_for

pytestmark = pytest.mark.postgres_only

PG_BIN = Path(os.environ.get("WASL_PG_BIN", "/usr/lib/postgresql/15/bin"))
LIFECYCLES = 24
LETTERS = 24

# A second unit in the Emirate, with a clerk and a token, for the referrals.
SECOND_UNIT = """
import json
from wasl.directory import services as directory
from wasl.directory.models import Entity
from wasl.directory.tokens import create_token
emk = Entity.objects.get(code="EMK")
unit, _ = directory.ensure_unit(entity=emk, code="RIGHTS", name_ar="إدارة الحقوق",
                                name_en="Rights Administration")
user, _ = directory.ensure_person(username="emk.rights", first_name="موظف", last_name="الحقوق")
directory.grant(user, unit, "clerk")
print(json.dumps({"unit": str(unit.public_id), "token": create_token("emk.rights")}))
"""


@pytest.fixture(scope="module")
def deployment():
    if connection.vendor != "postgresql":
        pytest.fail("the scale-out test runs on PostgreSQL (make test-postgres)")
    cluster = Cluster({"APP-1": ("EMK", "GOV-JED")}, database="postgres")
    second: Node | None = None
    try:
        cluster.start()  # the first app server and the first worker
        first = cluster["APP-1"]
        # The second app server and worker: same database, media folder and secret key.
        second = Node(
            "APP-2",
            first.entities,
            first.folder,
            free_port(),
            database_url=first.database_url,
            extra_env=first.extra_env,
            secret=first.secret,
        )
        second.start_server()
        second.start_worker()
        second.wait_ready()
        out = first.run("shell", "-c", SECOND_UNIT).stdout
        cluster.rights = __import__("json").loads(out.strip().splitlines()[-1])
        cluster.second = second
        yield cluster
    finally:
        if second is not None:
            second.stop()
        cluster.close()


def lifecycle(deployment, server: Node) -> str:
    """Register → refer → answer → close through one app server; the reference number."""
    clerk = deployment.tokens["EMK"]
    rights = deployment.rights
    status, txn = server.request(
        "POST",
        "/api/v1/transactions",
        clerk["token"],
        {"unit": clerk["unit"], "direction": "internal", "kind": "memo", "subject": "مذكرة داخلية"},
    )
    assert status == 201, server.log("server.log")
    status, made = server.request(
        "POST",
        f"/api/v1/transactions/{txn['id']}/referrals",
        clerk["token"],
        {"to_units": [rights["unit"]], "instruction": "للإفادة"},
    )
    assert status == 201, made
    status, body = server.request(
        "POST",
        f"/api/v1/referrals/{made['referrals'][0]['id']}/answer",
        rights["token"],
        {"text": "تمت الإفادة"},
    )
    assert status == 200, body
    status, body = server.request(
        "POST", f"/api/v1/transactions/{txn['id']}/close", clerk["token"], {"reason": "انتهت"}
    )
    assert status == 200, body
    return str(txn["reference"])


def letter(deployment, server: Node, n: int) -> str:
    clerk = deployment.tokens["EMK"]
    status, body = server.request(
        "POST",
        "/api/v1/exchange/letters",
        clerk["token"],
        {"unit": clerk["unit"], "to": ["GOV-JED"], "subject": f"خطاب رقم {n}"},
    )
    assert status == 201, body
    return str(body["transaction"]["id"])


def test_two_servers_and_two_workers_take_every_number_once_and_deliver_every_letter_once(
    deployment,
):
    servers = [deployment["APP-1"], deployment.second]
    with ThreadPoolExecutor(max_workers=6) as pool:
        lifecycles = [pool.submit(lifecycle, deployment, servers[i % 2]) for i in range(LIFECYCLES)]
        letters = [pool.submit(letter, deployment, servers[i % 2], i) for i in range(LETTERS)]
        references = [f.result() for f in lifecycles]
        sent = [f.result() for f in letters]

    # Both servers answered (each took half of the requests above), and the numbers of the
    # Emirate's year are 1..N with none taken twice and none skipped: the lifecycles' and the
    # letters' (each letter is an outgoing transaction of the Emirate) together.
    node = deployment["APP-1"]
    numbers = sorted(
        int(row[0])
        for row in node.sql(
            "SELECT t.sequence FROM registry_transaction t JOIN directory_entity e "
            "ON e.id = t.entity_id WHERE e.code = 'EMK'"
        )
    )
    assert numbers == list(range(1, LIFECYCLES + LETTERS + 1))
    assert len(set(references)) == LIFECYCLES
    assert all(re.fullmatch(r"EMK-\d{4}-\d{6}", r) for r in references), references

    # Every letter delivered exactly once: the Jeddah governorate registered each once.
    def delivered() -> bool:
        return (
            node.one("SELECT count(*) FROM exchange_outgoingmessage WHERE state = 'delivered'")
            == LETTERS
        )

    wait_for(delivered, 60, "every letter delivered")
    assert node.one("SELECT count(*) FROM exchange_incomingmessage") == LETTERS
    assert (
        node.one(
            "SELECT count(*) FROM registry_transaction t JOIN directory_entity e "
            "ON e.id = t.entity_id WHERE e.code = 'GOV-JED' AND t.direction = 'incoming'"
        )
        == LETTERS
    )
    assert len(set(sent)) == LETTERS
    for proc in (node.server, node.worker, deployment.second.server, deployment.second.worker):
        assert proc is not None and proc.poll() is None  # nobody died on the way


def test_a_backup_restores_into_a_database_that_verifies(deployment, tmp_path):
    node = deployment["APP-1"]
    dump = tmp_path / "wasl.dump"
    # The commands of docs/deploy.md, "Backups".
    subprocess.run(  # noqa: S603 — the PostgreSQL client programs on our own files
        [str(PG_BIN / "pg_dump"), "--format=custom", f"--file={dump}", node.database_url],
        check=True,
    )
    restored = node.database_url.rsplit("/", 1)[0] + "/wasl_restored"
    deployment._admin("CREATE DATABASE wasl_restored")
    deployment.databases.append("wasl_restored")
    subprocess.run(  # noqa: S603 — the PostgreSQL client programs on our own files
        [str(PG_BIN / "pg_restore"), "--no-owner", f"--dbname={restored}", str(dump)],
        check=True,
    )
    copy = Node(
        "RESTORED",
        node.entities,
        node.folder,
        0,
        database_url=restored,
        extra_env=node.extra_env,
        secret=node.secret,
    )
    for table in ("registry_transaction", "registry_event", "audit_auditrecord"):
        assert copy.one(f"SELECT count(*) FROM {table}") == node.one(
            f"SELECT count(*) FROM {table}"
        )
        assert copy.one(f"SELECT count(*) FROM {table}") > 0
    verified = copy.run("audit", "verify", check=False)
    assert verified.returncode == 0, verified.stdout + verified.stderr
    exchange = copy.run("exchange", "verify", check=False)
    assert exchange.returncode == 0, exchange.stdout + exchange.stderr
