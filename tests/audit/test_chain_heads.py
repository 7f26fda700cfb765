"""A chain's head: each append takes the next number under the head's lock and moves the head
to the new record's hash, in two statements; a rolled-back append gives its number back, and
concurrent writers never share or skip a number."""

from __future__ import annotations

import threading

import pytest
from django.db import connection, connections, transaction
from django.test.utils import CaptureQueriesContext

from wasl import chains
from wasl.audit import services as audit
from wasl.audit.models import AuditRecord, ChainHead


class Boom(Exception):
    pass


def _append(n: int = 1, chain: str = "EMK") -> list[AuditRecord]:
    made = []
    with transaction.atomic():
        for _ in range(n):
            made.append(audit.record("test.appended", chain=chain, object_type="t", object_id="1"))
    return made


def _statements(chain: str = "EMK") -> tuple[int, int]:
    """(statements on the head, statements on the roster of chains) of one append."""
    with CaptureQueriesContext(connection) as seen:
        _append(chain=chain)
    roster = [q["sql"] for q in seen.captured_queries if "audit_chainroster" in q["sql"]]
    head = [
        q["sql"]
        for q in seen.captured_queries
        if "audit_chainhead" in q["sql"] and q["sql"] not in roster
    ]
    return len(head), len(roster)


def _head_statements(chain: str = "EMK") -> int:
    return _statements(chain)[0]


@pytest.mark.django_db
def test_an_append_moves_the_head_in_two_statements_once_the_head_exists():
    head, roster = _statements()
    assert head == 4  # the first: the head is made, then taken
    assert roster > 0  # and the chain enrolled in the sealed roster
    assert _statements() == (2, 0)  # the number taken under the lock, then the hash
    assert _statements() == (2, 0)
    assert audit.verify_chain("EMK") is None
    assert list(AuditRecord.objects.filter(chain="EMK").values_list("seq", flat=True)) == [1, 2, 3]


@pytest.mark.django_db
def test_a_rolled_back_append_gives_its_number_back():
    _append()
    with pytest.raises(Boom), transaction.atomic():
        _append()
        raise Boom
    (record,) = _append()
    assert record.seq == 2
    assert record.prev_hash == AuditRecord.objects.get(chain="EMK", seq=1).hash
    assert audit.verify_chain("EMK") is None


@pytest.mark.django_db
def test_chains_are_numbered_on_their_own():
    _append(2, chain="EMK")
    (other,) = _append(chain="AMN-JED")
    assert other.seq == 1 and other.prev_hash == chains.GENESIS
    heads = dict(ChainHead.objects.values_list("chain", "last_seq"))
    assert heads == {"EMK": 2, "AMN-JED": 1}
    assert audit.verify_chain("EMK") is None and audit.verify_chain("AMN-JED") is None


@pytest.mark.django_db(transaction=True)
def test_concurrent_appends_never_share_or_skip_a_number():
    threads_count, each = (6, 10) if connection.vendor == "postgresql" else (3, 8)
    errors: list[BaseException] = []
    start = threading.Barrier(threads_count)

    def work() -> None:
        try:
            start.wait()
            for _ in range(each):
                _append()
        except BaseException as error:  # reported to the main thread
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=work) for _ in range(threads_count)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    seqs = sorted(AuditRecord.objects.filter(chain="EMK").values_list("seq", flat=True))
    assert seqs == list(range(1, threads_count * each + 1))
    assert audit.verify_chain("EMK") is None


@pytest.mark.django_db(transaction=True)
def test_a_chain_advances_only_inside_a_transaction():
    with pytest.raises(RuntimeError):
        chains.advance(ChainHead, "EMK", lambda seq, prev: "0" * 64)


@pytest.mark.django_db(transaction=True)
def test_chains_made_side_by_side_are_all_in_the_sealed_roster():
    threads_count = 6 if connection.vendor == "postgresql" else 3
    errors: list[BaseException] = []
    start = threading.Barrier(threads_count)

    def work(n: int) -> None:
        try:
            start.wait()
            # A chain of its own, and one every thread makes at once.
            _append(chain=f"NEW-{n}")
            _append(chain="SHARED")
        except BaseException as error:  # reported to the main thread
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=work, args=(n,)) for n in range(threads_count)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    names = {f"NEW-{n}" for n in range(threads_count)} | {"SHARED"}
    assert chains.roster_problems(ChainHead, names) == []
    assert audit.verify_all()[1] == []
