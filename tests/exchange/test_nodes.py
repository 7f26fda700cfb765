"""Across real processes: three Wasl nodes on loopback, each with its own database, server
and worker, exchanging letters over HTTP.

- NODE-A hosts the Emirate (EMK) and the Jeddah governorate (GOV-JED);
- NODE-B hosts the Jeddah Amanah (AMN-JED);
- NODE-C hosts the police (POL-MKK), with a low rate limit for senders (and no worker: it
  only receives in these tests).

Each node has a database of its own on the database the suite runs on: an SQLite file each,
or, when the suite runs on PostgreSQL, a PostgreSQL database each on the same server.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.db import connection

from wasl.exchange import envelope

from .nodes import Cluster, wait_for

VERIFIER = Path(__file__).resolve().parents[2] / "tools" / "verify_proof.py"


@pytest.fixture(scope="module")
def cluster():
    nodes = Cluster(
        {"NODE-A": ("EMK", "GOV-JED"), "NODE-B": ("AMN-JED",), "NODE-C": ("POL-MKK",)},
        extra_env={
            # a claimed message comes back 3 s after its worker died (default: 120 s)
            "NODE-A": {"WASL_EXCHANGE_LEASE_SECONDS": "3"},
            "NODE-C": {"WASL_EXCHANGE_RATE_PER_SECOND": "5", "WASL_EXCHANGE_RATE_BURST": "5"},
        },
        workers=("NODE-A", "NODE-B"),  # the police only receive here
        database="postgres" if connection.vendor == "postgresql" else "sqlite",
    )
    try:
        nodes.start()
        yield nodes
    finally:
        nodes.close()  # every node's process group, also when a test or the start failed


def send(cluster, sender, to, cc=(), subject="خطاب بين العقد", **extra):
    node = cluster["NODE-A"] if sender in ("EMK", "GOV-JED") else cluster["NODE-B"]
    if sender == "POL-MKK":
        node = cluster["NODE-C"]
    me = cluster.tokens[sender]
    status, body = node.request(
        "POST",
        "/api/v1/exchange/letters",
        me["token"],
        {"unit": me["unit"], "to": list(to), "cc": list(cc), "subject": subject, **extra},
    )
    assert status == 201, body
    return body


def deliveries(cluster, node_code, sender, transaction_id):
    status, body = cluster[node_code].request(
        "GET", f"/api/v1/exchange/transactions/{transaction_id}", cluster.tokens[sender]["token"]
    )
    assert status == 200, body
    return body["deliveries"]


def all_delivered(cluster, node_code, sender, transaction_id):
    items = deliveries(cluster, node_code, sender, transaction_id)
    return items if all(d["state"] == "delivered" for d in items) else None


def incoming(node, sender_code):
    return node.one(
        "SELECT count(*) FROM registry_transaction t JOIN directory_entity e "
        "ON e.id = t.correspondent_id WHERE t.direction = 'incoming' AND e.code = ?",
        (sender_code,),
    )


QUEUED_DELIVERIES = (
    "SELECT count(*) FROM django_tasks_database_dbtaskresult "
    "WHERE task_path = 'wasl.exchange.tasks.deliver_outbox' AND status = 'READY'"
)


def pending(node):
    return node.one("SELECT count(*) FROM exchange_outgoingmessage WHERE state = 'pending'")


# ---------------------------------------------------------------------------------------------
# Delivery


def test_letters_cross_nodes_both_ways_with_answers_and_statuses(cluster):
    a, b = cluster["NODE-A"], cluster["NODE-B"]
    sent = send(cluster, "EMK", ["AMN-JED"], cc=["GOV-JED", "POL-MKK"], subject="طلب إزالة تعديات")
    txn_id = sent["transaction"]["id"]
    items = wait_for(lambda: all_delivered(cluster, "NODE-A", "EMK", txn_id), 30, "delivery")
    lines = {d["receiver"]["code"]: d["line_en"] for d in items}
    assert set(lines) == {"AMN-JED", "GOV-JED", "POL-MKK"}  # two remote nodes and this one
    theirs = b.sql(
        "SELECT public_id, reference FROM registry_transaction "
        "WHERE external_reference = ? AND direction = 'incoming'",
        (sent["transaction"]["reference"],),
    )
    assert len(theirs) == 1
    their_id, their_reference = theirs[0]
    assert lines["AMN-JED"].endswith(f"their reference {their_reference}")

    # The Amanah answers through Wasl: the answer lands at the Emirate linked to the original.
    their_uuid = str(uuid.UUID(their_id))
    answer = send(cluster, "AMN-JED", [], subject="الرد بشأن التعديات", answers=their_uuid)
    wait_for(
        lambda: all_delivered(cluster, "NODE-B", "AMN-JED", answer["transaction"]["id"]),
        30,
        "answer",
    )
    linked = a.sql(
        "SELECT t.reference FROM registry_link l JOIN registry_transaction t ON t.id = l.source_id "
        "JOIN registry_transaction o ON o.id = l.target_id "
        "WHERE o.reference = ? AND l.kind = 'answers'",
        (sent["transaction"]["reference"],),
    )
    assert len(linked) == 1

    # Closing on the Amanah's side flows back as a status message.
    status, body = b.request(
        "POST",
        f"/api/v1/transactions/{their_uuid}/close",
        cluster.tokens["AMN-JED"]["token"],
        {"reason": "تمت الإزالة"},
    )
    assert status == 200, body

    def closed_there():
        item = next(
            d
            for d in deliveries(cluster, "NODE-A", "EMK", txn_id)
            if d["receiver"]["code"] == "AMN-JED"
        )
        return item["their_state"] == "closed" and item

    item = wait_for(closed_there, 30, "the status to come back")
    assert item["answered_by"][0]["their_reference"] == answer["transaction"]["reference"]


def send_with_file(cluster, sender, to, filename, data):
    """A letter with a new file, through the multipart endpoint of the sender's node."""
    me, boundary = cluster.tokens[sender], uuid.uuid4().hex
    letter = json.dumps({"unit": me["unit"], "to": to, "subject": "خطاب مع مرفق بين العقد"})
    body = (
        (
            f'--{boundary}\r\nContent-Disposition: form-data; name="letter"\r\n\r\n{letter}\r\n'
            f'--{boundary}\r\nContent-Disposition: form-data; name="files"; filename="{filename}"\r\n'
            "Content-Type: application/pdf\r\n\r\n"
        ).encode()
        + data
        + f"\r\n--{boundary}--\r\n".encode()
    )
    status, answer = cluster["NODE-A"].request(
        "POST",
        "/api/v1/exchange/letters/with-files",
        me["token"],
        raw=body,
        content_type=f"multipart/form-data; boundary={boundary}",
    )
    assert status == 201, answer
    return answer


def test_an_attachment_travels_to_the_other_node_and_is_verified_by_hash(cluster):
    b = cluster["NODE-B"]
    data = b"%PDF-1.4\n% Wasl node test\n" + os.urandom(2048) + b"\n%%EOF\n"
    sha = hashlib.sha256(data).hexdigest()
    assert not b.sql("SELECT id FROM registry_attachment WHERE sha256 = ?", (sha,))
    sent = send_with_file(cluster, "EMK", ["AMN-JED"], "mahdar.pdf", data)
    wait_for(lambda: all_delivered(cluster, "NODE-A", "EMK", sent["transaction"]["id"]), 30)
    (reference,) = b.sql(
        "SELECT t.reference FROM registry_attachment a JOIN registry_transaction t "
        "ON t.id = a.transaction_id WHERE a.sha256 = ? AND t.direction = 'incoming' "
        "AND t.external_reference = ?",
        (sha, sent["transaction"]["reference"]),
    )[0]
    assert reference.startswith("AMN-JED-")
    stored = b.folder / "media" / "blobs" / sha[:2] / sha[2:4] / sha
    assert stored.read_bytes() == data  # uploaded by the sender, kept under its hash


def test_a_node_that_was_down_receives_everything_once_back(cluster):
    a, c = cluster["NODE-A"], cluster["NODE-C"]
    before = incoming(c, "EMK")
    c.stop_server()
    sent = [send(cluster, "EMK", ["POL-MKK"], subject=f"خطاب أثناء التوقف {i}") for i in range(5)]
    ids = tuple(s["transaction"]["id"].replace("-", "") for s in sent)

    def retried():
        rows = a.sql(
            "SELECT m.attempts, m.last_error_code FROM exchange_outgoingmessage m "
            "JOIN registry_transaction t ON t.id = m.transaction_id "
            f"WHERE t.public_id IN ({','.join('?' * len(ids))})",
            ids,
        )
        return len(rows) == 5 and all(n >= 2 and code == "unreachable" for n, code in rows)

    wait_for(retried, 30, "retries while the node is down")
    assert incoming(c, "EMK") == before
    c.start_server()
    c.wait_ready()
    for s in sent:
        wait_for(lambda s=s: all_delivered(cluster, "NODE-A", "EMK", s["transaction"]["id"]), 30)
    assert incoming(c, "EMK") == before + 5


def test_a_letter_sent_while_the_worker_is_down_is_queued_and_leaves_when_it_returns(cluster):
    a, b = cluster["NODE-A"], cluster["NODE-B"]
    a.stop_worker()
    before = incoming(b, "EMK")
    tasks_before = a.one(QUEUED_DELIVERIES)
    sent = send(cluster, "EMK", ["AMN-JED"], subject="خطاب والعامل متوقف")  # accepted: 201
    assert a.one(QUEUED_DELIVERIES) == tasks_before + 1  # its delivery task, waiting
    assert [
        d["state"] for d in deliveries(cluster, "NODE-A", "EMK", sent["transaction"]["id"])
    ] == ["pending"]
    assert incoming(b, "EMK") == before
    a.start_worker()
    wait_for(lambda: all_delivered(cluster, "NODE-A", "EMK", sent["transaction"]["id"]), 30)
    assert incoming(b, "EMK") == before + 1
    wait_for(lambda: a.one(QUEUED_DELIVERIES) == 0, 30, "the queue to empty")


def test_a_receiver_killed_mid_delivery_loses_nothing_and_registers_nothing_twice(cluster):
    a, b = cluster["NODE-A"], cluster["NODE-B"]
    a.stop_worker()
    before = b.one("SELECT count(*) FROM exchange_incomingmessage")
    count = 40
    for i in range(count):
        send(cluster, "EMK", ["AMN-JED"], subject=f"دفعة كبيرة {i}")
    a.start_worker()
    # Kill the receiver as soon as the first letters of the batch are committed there.
    wait_for(
        lambda: b.one("SELECT count(*) FROM exchange_incomingmessage") > before, 30, interval=0.005
    )
    b.stop_server(kill=True)
    at_kill = b.one("SELECT count(*) FROM exchange_incomingmessage") - before
    assert 0 < at_kill < count, "the receiver was killed in the middle of the batch"
    b.start_server()
    b.wait_ready()
    wait_for(lambda: pending(a) == 0, 60, "the outbox to empty")
    assert b.one("SELECT count(*) FROM exchange_incomingmessage") == before + count
    twice = b.sql(
        "SELECT external_reference FROM registry_transaction WHERE direction = 'incoming' "
        "GROUP BY external_reference HAVING count(*) > 1"
    )
    assert twice == []
    assert a.one("SELECT count(*) FROM exchange_outgoingmessage WHERE state = 'failed'") == 0


def test_a_sender_worker_killed_mid_delivery_loses_nothing_and_sends_nothing_twice(cluster):
    a, b = cluster["NODE-A"], cluster["NODE-B"]
    a.stop_worker()
    before = b.one("SELECT count(*) FROM exchange_incomingmessage")
    count = 20
    sent = [send(cluster, "EMK", ["AMN-JED"], subject=f"دفعة العامل {i}") for i in range(count)]
    a.start_worker()
    wait_for(
        lambda: b.one("SELECT count(*) FROM exchange_incomingmessage") > before, 30, interval=0.005
    )
    a.stop_worker(kill=True)  # kill -9 mid-task: the batch is with the receiver, its receipts lost
    refs = tuple(s["transaction"]["reference"] for s in sent)
    marks = ",".join("?" * count)
    mine = (
        "SELECT m.message_id, m.state, m.attempts, m.receipt FROM exchange_outgoingmessage m "
        f"JOIN registry_transaction t ON t.id = m.transaction_id WHERE t.reference IN ({marks})"
    )
    assert all(state == "pending" for _, state, _, _ in a.sql(mine, refs))
    # The killed task is not run again as such: its messages come due again when their lease
    # ends, and the worker's periodic run of the delivery task takes them.
    a.start_worker()
    wait_for(lambda: pending(a) == 0, 60, "the outbox to empty")
    assert b.one("SELECT count(*) FROM exchange_incomingmessage") == before + count
    twice = b.sql(
        f"SELECT external_reference FROM registry_transaction WHERE external_reference IN ({marks}) "
        "GROUP BY external_reference HAVING count(*) > 1",
        refs,
    )
    assert twice == []
    theirs = dict(b.sql("SELECT message_id, receipt FROM exchange_incomingmessage"))
    for message_id, state, attempts, receipt in a.sql(mine, refs):
        assert (state, attempts >= 2) == ("delivered", True)
        assert receipt == theirs[message_id]  # the repeat was answered with the original receipt


def test_a_flood_is_rate_limited_and_nothing_is_lost(cluster):
    a, c = cluster["NODE-A"], cluster["NODE-C"]
    before = incoming(c, "EMK")
    a.stop_worker()
    for i in range(12):  # in one batch; the police take 5 at once, then 5 a second
        send(cluster, "EMK", ["POL-MKK"], subject=f"سيل من الخطابات {i}")
    a.start_worker()
    wait_for(lambda: pending(a) == 0, 60, "the flood to get through")
    assert incoming(c, "EMK") == before + 12
    assert c.one("SELECT count(*) FROM exchange_logentry WHERE code = 'rate_limited'") >= 1
    assert a.one("SELECT count(*) FROM exchange_outgoingmessage WHERE attempts > 1") >= 1


# ---------------------------------------------------------------------------------------------
# Bad envelopes over HTTP


class Outsider:
    """A member whose private key this test holds, known to the nodes by a descriptor."""

    def __init__(self, code):
        self.code = code
        self.private = Ed25519PrivateKey.generate()
        raw = self.private.public_key().public_bytes(
            serialization.Encoding.Raw, serialization.PublicFormat.Raw
        )
        self.public_b64 = envelope.b64encode(raw)
        self.key_id = envelope.key_id_for(raw)

    def descriptor_entry(self):
        return {
            "entity": self.code,
            "kind": "other",
            "name_ar": "جهة اختبار",
            "name_en": "Test entity",
            "active": True,
            "revoked_at": None,
            "keys": [
                {
                    "key_id": self.key_id,
                    "algorithm": "Ed25519",
                    "public_key": self.public_b64,
                    "valid_from": envelope.timestamp(datetime.now(UTC) - timedelta(days=1)),
                    "valid_until": None,
                    "revoked_at": None,
                }
            ],
        }

    def letter(self, to="AMN-JED", subject="خطاب من جهة الاختبار"):
        now = datetime.now(UTC)
        return {
            "v": 1,
            "type": "letter",
            "message_id": str(uuid.uuid4()),
            "created_at": envelope.timestamp(now),
            "sender": self.code,
            "receiver": to,
            "letter": {
                "reference": f"{self.code}-1448-000001",
                "date": now.date().isoformat(),
                "kind": "letter",
                "subject": subject,
                "body": "",
                "classification": "general",
                "urgency": "normal",
                "restriction": {"level": "normal", "legal_basis": "", "until": None},
                "reply_due": None,
                "answers": None,
                "to": [to],
                "cc": [],
                "role": "to",
                "attachments": [],
            },
        }

    def status(self, of_message, seq, state, to="AMN-JED"):
        now = envelope.timestamp(datetime.now(UTC))
        return {
            "v": 1,
            "type": "status",
            "message_id": str(uuid.uuid4()),
            "created_at": now,
            "sender": self.code,
            "receiver": to,
            "status": {
                "of_message": of_message,
                "seq": seq,
                "state": state,
                "at": now,
                "reference": f"{self.code}-1448-000002",
            },
        }

    def sign(self, body, private=None):
        return envelope.sign(private or self.private, self.key_id, "envelope", body).text


@pytest.fixture(scope="module")
def strangers(cluster, tmp_path_factory):
    good, revoked = Outsider("TST-X"), Outsider("TST-R")
    path = tmp_path_factory.mktemp("descriptor") / "test-node.json"
    path.write_text(
        json.dumps(
            {
                "format": "wasl-members-v1",
                "node": {"code": "NODE-TEST", "url": "http://127.0.0.1:9"},
                "members": [good.descriptor_entry(), revoked.descriptor_entry()],
            }
        )
    )
    cluster.commands(
        {
            "NODE-A": [
                ["exchange", "keys", "import", str(path)],
                ["exchange", "members", "revoke", "TST-R", "--reason", "انتهت"],
            ],
            "NODE-B": [
                ["exchange", "keys", "import", str(path)],
                ["exchange", "keys", "revoke", "TST-R", revoked.key_id, "--reason", "سُرّب"],
            ],
        }
    )
    return good, revoked


def post(node, text):
    return node.request("POST", "/exchange/v1/envelopes", raw=text.encode("utf-8"))


def delivered_to_the_amanah(cluster, columns):
    """`columns` of a letter of the Emirate's delivered to the Amanah; one is sent now if none
    was yet, so that each test stands alone whatever order the tests run in."""
    query = (
        f"SELECT {columns} FROM exchange_outgoingmessage m JOIN exchange_member r "
        "ON r.id = m.receiver_id WHERE r.code = 'AMN-JED' AND m.state = 'delivered' LIMIT 1"
    )
    rows = cluster["NODE-A"].sql(query)
    if not rows:
        sent = send(cluster, "EMK", ["AMN-JED"], subject="خطاب للتحقق من السجل")
        txn_id = sent["transaction"]["id"]
        wait_for(lambda: all_delivered(cluster, "NODE-A", "EMK", txn_id), 30, "delivery")
        rows = cluster["NODE-A"].sql(query)
    return rows[0]


def test_bad_envelopes_are_refused_logged_and_never_registered(cluster, strangers):
    b = cluster["NODE-B"]
    good, revoked = strangers
    # A real envelope of the Emirate's, already delivered to the Amanah.
    text, receipt = delivered_to_the_amanah(cluster, "m.envelope, m.receipt")
    registered_before = b.one("SELECT count(*) FROM registry_transaction")
    rejected_before = b.one("SELECT count(*) FROM exchange_logentry WHERE what = 'rejected'")

    status, answer = post(b, text)  # replayed
    assert (status, answer["outcome"]) == (200, "duplicate")
    assert answer["receipt"] == json.loads(receipt)

    fresh = good.sign(good.letter())
    cases = {
        "tampered": (
            post(b, fresh.replace('"subject":"', '"subject":"مزور ')),
            403,
            "bad_signature",
        ),
        "tampered replay": (
            post(b, text.replace('"subject":"', '"subject":"مزور ')),
            409,
            "message_id_conflict",
        ),
        "wrongly signed": (
            post(b, good.sign(good.letter(), private=Ed25519PrivateKey.generate())),
            403,
            "bad_signature",
        ),
        "revoked key": (post(b, revoked.sign(revoked.letter())), 403, "key_revoked"),
        "unknown member": (
            post(b, Outsider("TST-NOBODY").sign(Outsider("TST-NOBODY").letter())),
            403,
            "unknown_member",
        ),
        "not hosted here": (post(b, good.sign(good.letter(to="EMK"))), 404, "unknown_receiver"),
        "bad base64": (
            post(b, text.replace('"value":"', '"value":"%%')),
            400,
            "bad_base64",
        ),
        "missing field": (post(b, text.replace('"sender":', '"sendr":')), 400, "missing_field"),
        "clock skew": (
            post(
                b,
                good.sign(
                    {
                        **good.letter(),
                        "created_at": envelope.timestamp(datetime.now(UTC) + timedelta(hours=1)),
                    }
                ),
            ),
            400,
            "clock_skew",
        ),
    }
    for name, ((status, answer), expected_status, code) in cases.items():
        assert (status, answer.get("code")) == (expected_status, code), (name, answer)
    assert b.one("SELECT count(*) FROM registry_transaction") == registered_before
    logged = b.one("SELECT count(*) FROM exchange_logentry WHERE what = 'rejected'")
    assert logged - rejected_before == len(cases)

    # An oversized envelope is refused before it is read.
    status, answer = b.request(
        "POST", "/exchange/v1/envelopes", raw=b"{" + b" " * (3 * 1024 * 1024)
    )
    assert (status, answer["code"]) == (413, "envelope_too_large")

    # And a good one from the same outside member goes through.
    status, answer = post(b, good.sign(good.letter()))
    assert (status, answer["outcome"]) == (200, "accepted")


def test_statuses_out_of_order_are_refused_until_the_earlier_one_arrives(cluster, strangers):
    b = cluster["NODE-B"]
    good, _ = strangers
    sent = send(cluster, "AMN-JED", ["TST-X"], subject="خطاب إلى جهة الاختبار")
    (message_id,) = b.sql(
        "SELECT m.message_id FROM exchange_outgoingmessage m JOIN registry_transaction t "
        "ON t.id = m.transaction_id WHERE t.reference = ?",
        (sent["transaction"]["reference"],),
    )[0]
    of = str(uuid.UUID(message_id))
    status, answer = post(b, good.sign(good.status(of, 2, "closed")))
    assert (status, answer["code"], answer["retryable"]) == (409, "out_of_order", True)
    assert post(b, good.sign(good.status(of, 1, "answered")))[0] == 200
    assert post(b, good.sign(good.status(of, 2, "closed")))[0] == 200
    state = b.one(
        "SELECT their_state FROM exchange_outgoingmessage WHERE message_id = ?", (message_id,)
    )
    assert state == "closed"


def test_letters_to_unknown_or_revoked_receivers_are_refused_at_sending(cluster, strangers):
    a = cluster["NODE-A"]
    me = cluster.tokens["EMK"]
    before = a.one("SELECT count(*) FROM registry_transaction")
    for to, code in (("NOPE-XYZ", "unknown_receiver"), ("TST-R", "receiver_revoked")):
        status, body = a.request(
            "POST",
            "/api/v1/exchange/letters",
            me["token"],
            {"unit": me["unit"], "to": [to], "subject": "خطاب لن يُرسل"},
        )
        assert (status, body["code"]) == (400, code)
        assert body["message_ar"] and body["message_en"]
    assert a.one("SELECT count(*) FROM registry_transaction") == before


# ---------------------------------------------------------------------------------------------
# Proof


def test_every_node_verifies_its_log_and_a_proof_verifies_with_public_keys_only(cluster, tmp_path):
    a, b = cluster["NODE-A"], cluster["NODE-B"]
    (message_id,) = delivered_to_the_amanah(cluster, "m.message_id")
    message_id = str(uuid.UUID(message_id))
    bundle = tmp_path / "proof.json"
    jobs = [
        subprocess.Popen(  # noqa: S603 — our own command
            [str(Path(sys.executable).parent / "wasl"), "exchange", "verify"],
            env=node.env(),
            cwd=node.folder,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
        )
        for node in cluster.nodes.values()
    ]
    a.run("exchange", "export-proof", message_id, "-o", str(bundle))
    for job in jobs:
        out, _ = job.communicate(timeout=120)
        assert job.returncode == 0, out.decode()
        assert b"exchange log OK" in out
    result = subprocess.run(  # noqa: S603 — our own script and files
        [
            sys.executable,
            "-I",
            str(VERIFIER),
            str(bundle),
            "--keys",
            str(a.descriptor),
            "--keys",
            str(b.descriptor),
        ],
        capture_output=True,
        text=True,
        env={"PATH": os.environ.get("PATH", "")},
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "from EMK to AMN-JED" in result.stdout


def test_no_node_process_died(cluster):
    for node in cluster.nodes.values():
        for proc in (node.server, node.worker) if node.has_worker else (node.server,):
            assert proc is not None and proc.poll() is None, node.log("server.log") + node.log(
                "worker.log"
            )
