"""Each step of a transaction's life runs a fixed, small number of queries through the
services, whatever the transaction's history: pinned here, so that one more query a step
fails a test instead of growing silently.

What a step runs (inside a test's transaction, so each step is a savepoint: SAVEPOINT and
RELEASE count 2): the access rule's read of the transaction, locked (a referral's step reads
the referral with its transaction, both locked, in one query); the step's
own checks and writes; the timeline event; the audit chain's head (the number taken under its
lock, then the new hash: 2) and the audit record; and the subscribers inside the transaction:
the dashboards' roll-ups (one statement for all the rows a step changes) and, for a
registration, the search document (plus its full-text entry on SQLite, where the indexer
writes FTS5 itself).
"""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection

from wasl.registry import services as registry

from ..conftest import make_transaction

PARTY = registry.Party(type="citizen", name="محمد بن علي الحربي", id_number="1058529940")


def register_queries() -> int:
    # savepoint 2, number, transaction, event, chain head 2, audit, document, its new words,
    # roll-ups
    return 11 + (connection.vendor == "sqlite")


@pytest.fixture
def actors(cast: Any) -> Any:
    return cast.clerk.actor, cast.rights_clerk.actor, cast.head.actor


@pytest.fixture
def warm(cast: Any, actors: Any) -> None:
    """One whole life first: what a process reads once (holidays, names) is read by then."""
    clerk, rights_clerk, _ = actors
    txn = make_transaction(cast)
    (ref,) = registry.refer(clerk, txn.public_id, to_units=[cast.rights], instruction="للإفادة")
    registry.answer(rights_clerk, ref.public_id, text="تمت الإفادة")
    registry.close(clerk, txn.public_id, reason="انتهت")


def register(cast: Any, clerk: Any) -> Any:
    return registry.register_transaction(
        clerk,
        unit=cast.registry,
        direction="incoming",
        kind="petition",
        subject="طلب إفادة عن معاملة تعويض أرض",
        body="نرفق لكم معروض المواطن.",
        party=PARTY,
    )


def test_register_refer_answer_close_run_a_fixed_number_of_queries_each(
    cast: Any, actors: Any, warm: None, django_assert_num_queries: Any
) -> None:
    clerk, rights_clerk, _ = actors
    with django_assert_num_queries(register_queries()):
        txn = register(cast, clerk)
    # savepoint 2, transaction locked, referral (a second open one to the unit is refused by
    # a constraint, not a read), state, event, chain 2, audit, roll-ups; and, for refer,
    # answer and close, the notifications' read of the visitor's templates and choices (a
    # number may have been given since the registration; none was: nothing is written)
    with django_assert_num_queries(11):
        (ref,) = registry.refer(clerk, txn.public_id, to_units=[cast.rights], instruction="للإفادة")
    # savepoint 2, visible referral and transaction locked, referral, other open referrals,
    # state, event, chain 2, audit, roll-ups
    with django_assert_num_queries(12):
        registry.answer(rights_clerk, ref.public_id, text="تمت الإفادة")
    # savepoint 2, transaction locked, state, event, chain 2, audit, roll-ups
    with django_assert_num_queries(10):
        registry.close(clerk, txn.public_id, reason="انتهت")


def test_the_other_steps_run_a_fixed_number_of_queries_each(
    cast: Any, actors: Any, warm: None, django_assert_num_queries: Any
) -> None:
    clerk, rights_clerk, head = actors
    txn = register(cast, clerk)
    for _ in range(3):  # a longer history costs a step nothing more
        registry.comment(clerk, txn.public_id, text="للمتابعة")
    (ref,) = registry.refer(clerk, txn.public_id, to_units=[cast.rights], instruction="للإفادة")
    with django_assert_num_queries(9):  # no roll-up changes; the transaction is touched
        registry.acknowledge(rights_clerk, ref.public_id)
    with django_assert_num_queries(11):  # the referral finished, a new one, both in roll-ups
        new = registry.forward(
            rights_clerk, ref.public_id, to_unit=cast.security, instruction="لاختصاصكم"
        )
    with django_assert_num_queries(8):  # no roll-up changes
        registry.comment(clerk, txn.public_id, text="تعليق")
    with django_assert_num_queries(11):  # its open referrals cancelled in one statement
        registry.cancel(head, txn.public_id, reason="سُجلت بالخطأ")
    assert new.to_unit_id == cast.security.pk
    other = register(cast, clerk)
    registry.close(clerk, other.public_id, reason="انتهت")
    with django_assert_num_queries(10):  # and when it was last closed, for the roll-ups
        registry.reopen(head, other.public_id, reason="وردت إفادة جديدة")
