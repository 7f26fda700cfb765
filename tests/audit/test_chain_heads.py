"""A chain's head moves in one statement after this process's own append, and whatever
else happened meanwhile (another writer, a rollback) sends it back to reading the head."""

from __future__ import annotations

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from wasl import chains
from wasl.audit import services as audit
from wasl.audit.models import AuditRecord


class Boom(Exception):
    pass


def _append(n: int = 1, chain: str = "EMK") -> list[AuditRecord]:
    made = []
    with transaction.atomic():
        for _ in range(n):
            made.append(audit.record("test.appended", chain=chain, object_type="t", object_id="1"))
    return made


def _head_statements(chain: str = "EMK") -> int:
    with CaptureQueriesContext(connection) as seen:
        _append(chain=chain)
    return sum("audit_chainhead" in q["sql"] for q in seen.captured_queries)


@pytest.fixture(autouse=True)
def _fresh_heads():
    chains.forget()
    yield
    chains.forget()


@pytest.mark.django_db
def test_after_its_own_append_a_process_moves_the_head_in_one_statement():
    assert _head_statements() >= 2  # the first: the head is read (and made)
    assert _head_statements() == 1
    assert _head_statements() == 1
    assert audit.verify_chain("EMK") is None
    assert list(AuditRecord.objects.filter(chain="EMK").values_list("seq", flat=True)) == [1, 2, 3]


@pytest.mark.django_db
def test_a_rolled_back_append_is_not_taken_for_the_head():
    _append()
    with pytest.raises(Boom), transaction.atomic():
        _append()  # remembered by the process, then undone
        raise Boom
    assert _head_statements() >= 2  # the remembered head no longer matches: read again
    assert audit.verify_chain("EMK") is None
    assert AuditRecord.objects.filter(chain="EMK").count() == 2


@pytest.mark.django_db
def test_an_append_by_another_process_meanwhile_is_found():
    _append()
    mine = dict(chains._written)
    chains.forget()  # "another process" (which knows nothing of this one) appends twice
    _append(2)
    chains._written.update(mine)  # this process still remembers its own last append
    records = _append()
    assert records[0].seq == 4
    assert records[0].prev_hash == AuditRecord.objects.get(chain="EMK", seq=3).hash
    assert audit.verify_chain("EMK") is None


@pytest.mark.django_db
def test_chains_do_not_share_remembered_heads():
    _append(chain="EMK")
    assert _head_statements("AMN-JED") >= 2
    assert _head_statements("EMK") == 1
    assert audit.verify_chain("EMK") is None and audit.verify_chain("AMN-JED") is None


@pytest.mark.django_db(transaction=True)
def test_a_chain_advances_only_inside_a_transaction():
    with pytest.raises(RuntimeError):
        chains.advance("audit_chainhead", "EMK", lambda seq, prev: "0" * 64)
