"""`Idempotency-Key` on every API POST (IETF draft "The Idempotency-Key HTTP Header Field"): a
repeat gets the first answer and changes nothing; another body under the same key is refused;
a repeat while the first is in flight gets 409; answers are kept a day, then pruned."""

from __future__ import annotations

import json
import uuid
from datetime import timedelta
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import DatabaseError, connection
from django.db.models import QuerySet
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from wasl.api import api as wasl_api
from wasl.directory import idempotency
from wasl.directory.models import IdempotentRequest
from wasl.registry.models import Attachment, Transaction

from ..conftest import make_transaction
from .report import record


def register_payload(cast: Any, subject: str = "طلب إفادة عن أرض") -> dict[str, Any]:
    return {
        "unit": str(cast.registry.public_id),
        "direction": "incoming",
        "kind": "petition",
        "subject": subject,
        "party": {"type": "citizen", "name": "محمد بن علي الحربي", "id_number": "1058529940"},
    }


def post(api: Any, person: Any, path: str, data: Any, key: str | None) -> Any:
    client = api(person)
    headers = dict(client.headers)
    if key is not None:
        headers["HTTP_IDEMPOTENCY_KEY"] = key
    return client.client.post(
        "/api/v1" + path, json.dumps(data), content_type="application/json", **headers
    )


def test_a_repeat_gets_the_first_answer_and_registers_nothing_more(cast, api):
    key = f'"{uuid.uuid4()}"'
    first = post(api, cast.clerk, "/transactions", register_payload(cast), key)
    again = post(api, cast.clerk, "/transactions", register_payload(cast), key)
    assert first.status_code == again.status_code == 201
    assert again.content == first.content
    assert again["Idempotent-Replayed"] == "true"
    assert "Idempotent-Replayed" not in first
    assert Transaction.objects.count() == 1
    record("idempotency: repeats", attempts=2, duplicated=Transaction.objects.count() - 1)


def test_without_a_key_every_post_acts(cast, api):
    for _ in range(2):
        assert (
            post(api, cast.clerk, "/transactions", register_payload(cast), None).status_code == 201
        )
    assert Transaction.objects.count() == 2
    assert not IdempotentRequest.objects.exists()


def test_the_same_key_with_another_body_is_refused_in_both_languages(cast, api):
    key = str(uuid.uuid4())
    assert post(api, cast.clerk, "/transactions", register_payload(cast), key).status_code == 201
    other = post(api, cast.clerk, "/transactions", register_payload(cast, "موضوع آخر"), key)
    assert other.status_code == 422
    error = other.json()
    assert error["code"] == "idempotency_key_reused"
    assert "مفتاح" in error["message_ar"] and "Idempotency-Key" in error["message_en"]
    # Another endpoint under the same key is another request too.
    txn = Transaction.objects.get()
    elsewhere = post(api, cast.clerk, f"/transactions/{txn.public_id}/comments", {"text": "x"}, key)
    assert elsewhere.status_code == 422
    assert Transaction.objects.count() == 1
    assert not txn.events.filter(action="commented").exists()


def test_a_key_is_the_persons_own(cast, api):
    key = str(uuid.uuid4())
    mine = post(api, cast.clerk, "/transactions", register_payload(cast), key)
    theirs = post(api, cast.head, "/transactions", register_payload(cast), key)
    assert mine.status_code == theirs.status_code == 201
    assert mine.json()["id"] != theirs.json()["id"]
    assert Transaction.objects.count() == 2


def test_a_repeat_while_the_first_is_in_flight_gets_409_then_runs_once_its_hold_lapses(cast, api):
    payload = register_payload(cast)
    post(api, cast.clerk, "/transactions", payload, "first")
    fingerprint = IdempotentRequest.objects.get(key="first").fingerprint  # the same body
    held = IdempotentRequest.objects.create(
        user=cast.clerk.user,
        key="second",
        fingerprint=fingerprint,
        attempt=uuid.uuid4(),
        held_until=timezone.now() + timedelta(seconds=30),
        created_at=timezone.now(),
    )
    busy = post(api, cast.clerk, "/transactions", payload, "second")
    assert busy.status_code == 409
    assert busy.json()["code"] == "idempotency_key_in_flight"
    assert 1 <= int(busy["Retry-After"]) <= 31
    assert Transaction.objects.count() == 1

    # The attempt that held it died without committing (kill -9): once its hold lapses, a
    # repeat takes the key over and acts, once.
    IdempotentRequest.objects.filter(pk=held.pk).update(held_until=timezone.now())
    taken = post(api, cast.clerk, "/transactions", payload, "second")
    assert taken.status_code == 201
    assert post(api, cast.clerk, "/transactions", payload, "second").content == taken.content
    assert Transaction.objects.count() == 2


def test_an_error_is_the_answer_too_and_nothing_is_kept_half_done(cast, api):
    txn = make_transaction(cast)
    path = f"/transactions/{txn.public_id}/referrals"
    bad = {"to_units": [str(uuid.uuid4())], "instruction": "للإفادة"}
    first = post(api, cast.clerk, path, bad, "k")
    assert first.status_code == 400
    assert post(api, cast.clerk, path, bad, "k").content == first.content
    assert not txn.referrals.exists()


def test_a_key_that_is_not_printable_ascii_is_refused(cast, api):
    for key in ["", '""', "مفتاح", "a" * 256, "tab\there"]:
        answer = post(api, cast.clerk, "/transactions", register_payload(cast), key)
        assert answer.status_code == 400, key
        assert answer.json()["code"] == "idempotency_key_invalid"
    assert not Transaction.objects.exists()


def test_an_upload_repeated_is_attached_once(cast, api):
    txn = make_transaction(cast)
    client = api(cast.clerk)
    headers = {**client.headers, "HTTP_IDEMPOTENCY_KEY": "upload-1"}
    answers = []
    for _ in range(2):
        upload = SimpleUploadedFile("note.txt", "ملاحظة".encode(), content_type="text/plain")
        answers.append(
            client.client.post(
                f"/api/v1/transactions/{txn.public_id}/attachments", {"file": upload}, **headers
            )
        )
    assert [a.status_code for a in answers] == [201, 201]
    assert answers[0].content == answers[1].content
    assert Attachment.objects.filter(transaction=txn).count() == 1


def test_a_key_costs_a_fixed_number_of_queries_and_none_without_it(cast, api):
    def count(key: str | None) -> int:
        with CaptureQueriesContext(connection) as queries:
            answer = post(api, cast.clerk, "/transactions", register_payload(cast), key)
        assert answer.status_code == 201
        return len(queries)

    count(None)  # caches warmed
    plain = count(None)
    assert count(None) == plain
    keyed = count("q-1")
    assert count("q-2") == keyed
    # The token read before the operation, the claim's INSERT, the answer's UPDATE, the
    # savepoint the service's atomic block becomes (2); and here, inside the test's transaction,
    # the savepoints of the claim (2) and of the operation (2) instead of BEGIN and COMMIT.
    assert keyed - plain == 7
    with CaptureQueriesContext(connection) as queries:
        post(api, cast.clerk, "/transactions", register_payload(cast), "q-1")
    # The token, the refused INSERT (with its savepoint here: 4 statements), the stored answer.
    assert len(queries) == 6


def test_every_post_of_the_api_documents_the_header():
    schema = wasl_api.get_openapi_schema()
    posts = [(path, ops["post"]) for path, ops in schema["paths"].items() if "post" in ops]
    assert len(posts) >= 14
    for path, operation in posts:
        headers = [p for p in operation["parameters"] if p["in"] == "header"]
        assert [h["name"] for h in headers] == ["Idempotency-Key"], path
    for path, ops in schema["paths"].items():
        for method, operation in ops.items():
            if method != "post":
                names = [p["name"] for p in operation.get("parameters", [])]
                assert "Idempotency-Key" not in names, (method, path)


def test_answers_are_kept_a_day_then_pruned(cast, api):
    post(api, cast.clerk, "/transactions", register_payload(cast), "old")
    post(api, cast.clerk, "/transactions", register_payload(cast), "young")
    IdempotentRequest.objects.filter(key="old").update(
        created_at=timezone.now() - timedelta(hours=24, minutes=1)
    )
    IdempotentRequest.objects.filter(key="young").update(
        created_at=timezone.now() - timedelta(hours=23, minutes=59)
    )
    assert idempotency.prune_idempotent_requests.call() == 1
    assert list(IdempotentRequest.objects.values_list("key", flat=True)) == ["young"]


def test_the_change_and_its_stored_answer_commit_together(cast, api, monkeypatch):
    """If the answer cannot be stored, the registration is rolled back with it: a change never
    commits without the answer a retry will get."""
    update = QuerySet.update

    def failing(self: QuerySet, **fields: Any) -> int:
        if self.model is IdempotentRequest and "status" in fields:
            raise DatabaseError("the answer could not be written")
        return update(self, **fields)

    monkeypatch.setattr(QuerySet, "update", failing)
    client = api(cast.clerk)
    client.client.raise_request_exception = False
    answer = client.client.post(
        "/api/v1/transactions",
        json.dumps(register_payload(cast)),
        content_type="application/json",
        HTTP_IDEMPOTENCY_KEY="atomic-1",
        **client.headers,
    )
    assert answer.status_code == 500
    assert not Transaction.objects.exists()
    assert not IdempotentRequest.objects.exists()  # the key is free for the retry
    monkeypatch.undo()
    assert (
        post(api, cast.clerk, "/transactions", register_payload(cast), "atomic-1").status_code
        == 201
    )
    assert Transaction.objects.count() == 1
