"""Every registry API call runs a fixed number of queries, whatever a transaction's history.

Each call is pinned at two sizes (a history of 1 and of 10 comments, attachments, links and
referrals; 1 and 10 rows in a list): the same pin for both proves the count does not grow.
The counts include the two SAVEPOINT statements of each step's atomic block (the test runs
inside a transaction).
"""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from wasl.directory import services as directory
from wasl.registry import services
from wasl.registry.models import Transaction

from ..conftest import is_postgres, make_referred, make_transaction
from .test_lifecycle import register_payload

SIZES = [1, 10]
# Resolving the bearer token with the person and their memberships.
AUTH = 1


def grow(cast, txn: Transaction, n: int) -> None:
    """Give `txn` a history of `n` comments, attachments, links each way and referrals (to
    `n` units, all answered, one of them forwarded first)."""
    clerk = cast.clerk.actor
    for i in range(n):
        services.comment(clerk, txn.public_id, text=f"ملاحظة رقم {i}")
        services.add_attachment(
            clerk,
            txn.public_id,
            chunks=[f"مرفق رقم {i}".encode()],
            filename=f"note-{i}.txt",
            declared_type="text/plain",
        )
        other = make_transaction(cast, subject=f"معاملة مرتبطة رقم {i}")
        if i % 2:
            services.link(clerk, txn.public_id, other.public_id)
        else:
            services.link(clerk, other.public_id, txn.public_id, kind="follows")
    units = [
        directory.ensure_unit(
            entity=cast.emk, code=f"U{i}", name_ar=f"الإدارة رقم {i}", name_en=f"Unit {i}"
        )[0]
        for i in range(n)
    ]
    answerer = cast.person("answerer", "منى", "العمري", units[0], "clerk")
    for unit in units[1:]:
        directory.grant(answerer.user, unit, "clerk")
    refs = services.refer(clerk, txn.public_id, to_units=units, instruction="للإفادة")
    refs[0] = services.forward(
        answerer.actor, refs[0].public_id, to_unit=cast.rights, instruction="من اختصاصكم"
    )
    services.answer(cast.rights_clerk.actor, refs[0].public_id, text="تم")
    for ref in refs[1:]:
        services.answer(answerer.actor, ref.public_id, text="تم")


def with_history(cast, n: int) -> Transaction:
    txn = make_transaction(cast)
    grow(cast, txn, n)
    assert Transaction.objects.get(pk=txn.pk).state == "answered"
    return txn


def test_a_whole_lifecycle_through_the_api_costs_a_fixed_number_of_queries(cast, api):
    clerk, rights = api(cast.clerk), api(cast.rights_clerk)
    # A first lifecycle, as a running server has had: the year's numbering row exists and
    # the holidays are read (once per process).
    make_referred(cast)
    counts = {}
    with CaptureQueriesContext(connection) as ctx:
        txn = clerk.post("/transactions", register_payload(cast)).json()
    counts["register"] = len(ctx)
    with CaptureQueriesContext(connection) as ctx:
        r = clerk.post(
            f"/transactions/{txn['id']}/referrals",
            {"to_units": [str(cast.rights.public_id)], "instruction": "للإفادة"},
        )
    counts["refer"] = len(ctx)
    ref_id = r.json()["referrals"][0]["id"]
    with CaptureQueriesContext(connection) as ctx:
        rights.post(f"/referrals/{ref_id}/answer", {"text": "تمت الدراسة"})
    counts["answer"] = len(ctx)
    with CaptureQueriesContext(connection) as ctx:
        r = clerk.post(f"/transactions/{txn['id']}/close", {"reason": "انتهى"})
    counts["close"] = len(ctx)
    assert r.json()["state"] == "closed"
    # Each step: AUTH, then its service (tests/registry/test_queries_per_step.py names every
    # statement; 2 of them are the SAVEPOINT and its RELEASE here, BEGIN and COMMIT under a
    # server), nothing after. Registering and referring also read the units they name.
    # Registering indexes the text for the inquiry (the document and its new words; one
    # statement more on SQLite, FTS5). The visitor has a mobile number: each step also queues
    # their SMS (the templates with the visitor's choices, read in one query; the
    # notification).
    register = 15 if is_postgres() else 16
    assert counts == {"register": register, "refer": 14, "answer": 14, "close": 12}
    assert sum(counts.values()) == register + 40


@pytest.mark.parametrize("size", SIZES)
def test_reading_a_transaction_does_not_grow_with_its_history(
    cast, api, size, django_assert_num_queries
):
    txn = with_history(cast, size)
    client = api(cast.clerk)
    # transaction, referrals, events, attachments, links (2), its entity and unit.
    with django_assert_num_queries(AUTH + 8):
        r = client.get(f"/transactions/{txn.public_id}")
    body = r.json()
    assert len(body["timeline"]) == 3 * size + size // 2 + 3
    assert len(body["attachments"]) == size
    assert len(body["links"]) == size
    assert len(body["referrals"]) == size + 1


@pytest.mark.parametrize("size", SIZES)
def test_the_steps_do_not_grow_with_the_history(cast, api, size, django_assert_num_queries):
    txn = with_history(cast, size)
    clerk, rights = api(cast.clerk), api(cast.rights_clerk)
    tid = txn.public_id
    # savepoint 2, transaction locked, touched, event, chain head 2, audit record
    with django_assert_num_queries(AUTH + 8):
        assert clerk.post(f"/transactions/{tid}/comments", {"text": "تعليق"}).status_code == 201
    # the unit named; savepoint 2, transaction locked, referral (a constraint refuses a
    # second open one to the unit), state, event, chain head 2, audit record, roll-ups; and,
    # when referring, answering and closing, the notifications' read of the visitor's
    # templates and choices (the party has no number: nothing is written)
    with django_assert_num_queries(AUTH + 1 + 11):
        r = clerk.post(
            f"/transactions/{tid}/referrals",
            {"to_units": [str(cast.rights.public_id)], "instruction": "للإفادة"},
        )
    ref_id = r.json()["referrals"][0]["id"]
    # savepoint 2, referral and transaction locked, referral saved, transaction touched,
    # event, chain head 2, audit record (no roll-up changes)
    with django_assert_num_queries(AUTH + 9):
        assert rights.post(f"/referrals/{ref_id}/acknowledge").status_code == 200
    # savepoint 2, referral and transaction locked, referral saved, other open referrals,
    # state, event, chain head 2, audit record, roll-ups
    with django_assert_num_queries(AUTH + 12):
        assert rights.post(f"/referrals/{ref_id}/answer", {"text": "تم"}).status_code == 200
    # savepoint 2, transaction locked, state, event, chain head 2, audit record, roll-ups
    with django_assert_num_queries(AUTH + 10):
        assert clerk.post(f"/transactions/{tid}/close", {"reason": "انتهى"}).status_code == 200
    # as closing, and when it was last closed (for the roll-ups)
    with django_assert_num_queries(AUTH + 10):
        r = api(cast.head).post(f"/transactions/{tid}/reopen", {"reason": "مراجعة"})
    assert r.json()["state"] == "reopened"
    other = make_transaction(cast, subject="معاملة أخرى للربط")
    # savepoint 2, source locked, target, an existing link, the link, source touched, event,
    # chain head 2, audit record
    with django_assert_num_queries(AUTH + 11):
        r = clerk.post(f"/transactions/{tid}/links", {"target": str(other.public_id)})
    assert r.json()["link"]["reference"] == other.reference
    # savepoint 2, transaction locked, open referrals cancelled, state, event, chain head 2,
    # audit record, roll-ups
    with django_assert_num_queries(AUTH + 10):
        assert api(cast.head).post(f"/transactions/{tid}/cancel", {"reason": "خطأ"}).json()[
            "state"
        ] == ("cancelled")


@pytest.mark.parametrize("size", SIZES)
def test_forwarding_and_returning_do_not_grow_with_the_history(
    cast, api, size, django_assert_num_queries
):
    txn = with_history(cast, size)
    (ref,) = services.refer(
        cast.clerk.actor, txn.public_id, to_units=[cast.rights], instruction="للإفادة"
    )
    # the unit named; savepoint 2, referral and transaction locked, referral saved, the new
    # referral, transaction touched, event, chain head 2, audit record, roll-ups
    with django_assert_num_queries(AUTH + 1 + 11):
        r = api(cast.rights_clerk).post(
            f"/referrals/{ref.public_id}/forward",
            {"to_unit": str(cast.security.public_id), "instruction": "من اختصاصكم"},
        )
    new_id = r.json()["referral"]["id"]
    # as answering
    with django_assert_num_queries(AUTH + 11):
        r = api(cast.security_clerk).post(f"/referrals/{new_id}/return", {"reason": "ليس لنا"})
    assert r.json()["state"] == "returned"


@pytest.mark.parametrize("size", SIZES)
def test_the_list_and_the_inbox_do_not_grow_with_their_rows(
    cast, api, size, django_assert_num_queries
):
    for i in range(size):
        txn, ref = make_referred(cast, subject=f"معروض رقم {i}")
        if i % 2:
            services.forward(
                cast.rights_clerk.actor, ref.public_id, to_unit=cast.security, instruction="لكم"
            )
            services.refer(
                cast.clerk.actor, txn.public_id, to_units=[cast.rights], instruction="مرة أخرى"
            )
    with django_assert_num_queries(AUTH + 2):  # count, page
        r = api(cast.clerk).get("/transactions")
    assert r.json()["count"] == size
    with django_assert_num_queries(AUTH + 2):  # count, page
        r = api(cast.rights_clerk).get("/inbox", include_finished="true")
    assert r.json()["count"] == size + size // 2


@pytest.mark.parametrize("size", SIZES)
def test_an_attachments_metadata_does_not_grow_with_the_history(
    cast, api, size, django_assert_num_queries
):
    txn = with_history(cast, size)
    att = txn.attachments.first()
    with django_assert_num_queries(AUTH + 1):
        r = api(cast.clerk).get(f"/attachments/{att.public_id}")
    assert r.json()["sha256"] == att.sha256
