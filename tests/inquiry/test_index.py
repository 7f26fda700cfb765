"""The index follows the registry inside the same database transaction, and `wasl reindex`
rebuilds it."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.core.management import call_command
from django.db import connection
from django.db import transaction as db

from tests.conftest import make_referred, make_transaction
from tests.inquiry.conftest import refs
from wasl.inquiry import indexer
from wasl.inquiry.backends import get_backend
from wasl.inquiry.models import Document
from wasl.registry import services as registry


def test_a_registered_transaction_is_searchable_at_once(cast: Any, api: Any) -> None:
    txn = make_transaction(cast, subject="طلب ترميم مسجد الحي")
    assert Document.objects.filter(transaction_id=txn.pk).exists()
    assert refs(api(cast.clerk).get("/inquiry", q="ترميم")) == [txn.reference]


def test_a_registration_that_rolls_back_leaves_nothing_in_the_index(cast: Any) -> None:
    class Boom(Exception):
        pass

    with pytest.raises(Boom), db.atomic():
        make_transaction(cast, subject="طلب لن يكتمل")
        raise Boom
    assert not Document.objects.exists()


def test_an_index_failure_rolls_the_step_back(cast: Any, monkeypatch: Any) -> None:
    from wasl.registry.models import Transaction

    def broken(rows: Any, **options: Any) -> None:
        raise RuntimeError("index down")

    monkeypatch.setattr(indexer, "write", broken)
    with pytest.raises(RuntimeError):
        make_transaction(cast, subject="طلب")
    assert not Transaction.objects.exists()


def test_state_changes_show_in_filters_without_touching_the_index(
    cast: Any, api: Any, django_assert_max_num_queries: Any
) -> None:
    txn, ref = make_referred(cast, subject="طلب إنارة الشارع")
    before = Document.objects.values_list("subject", "body", "stems", "scope").get(
        transaction_id=txn.pk
    )
    registry.answer(cast.rights_clerk.actor, ref.public_id, text="تمت الإنارة")
    registry.close(cast.clerk.actor, txn.public_id, reason="انتهى")
    after = Document.objects.values_list("subject", "body", "stems", "scope").get(
        transaction_id=txn.pk
    )
    assert before == after
    assert refs(api(cast.clerk).get("/inquiry", q="إنارة", state="closed")) == [txn.reference]
    assert refs(api(cast.clerk).get("/inquiry", q="إنارة", state="referred")) == []


def test_a_referral_naming_a_person_opens_the_index_to_them(cast: Any, api: Any) -> None:
    # A top-secret transaction is visible to a person a referral names, even outside the
    # entity: the index scope follows, so search finds it for them.
    txn = make_transaction(cast, subject="موضوع سري للغاية عن الحدود", confidentiality="top_secret")
    assert refs(api(cast.outsider).get("/inquiry", q="الحدود")) == []
    registry.refer(
        cast.clerk.actor,
        txn.public_id,
        to_units=[cast.rights],
        instruction="للاطلاع",
        to_user_id=cast.outsider.user.pk,
    )
    assert f"u{cast.outsider.user.pk}" in Document.objects.get(transaction_id=txn.pk).scope
    assert refs(api(cast.outsider).get("/inquiry", q="الحدود")) == [txn.reference]


def test_the_common_steps_add_no_query_to_the_step(
    cast: Any, django_assert_num_queries: Any
) -> None:
    txn = make_transaction(cast)
    from wasl.registry.events import Published

    event = type("E", (), {"action": "answered", "referral": None})()
    with django_assert_num_queries(0):
        indexer.on_published(Published(event, txn))  # type: ignore[arg-type]


def test_reindex_rebuilds_the_index_with_a_progress_bar(cast: Any, api: Any) -> None:
    made = [make_transaction(cast, subject=f"طلب رخصة بناء رقم {i}") for i in range(5)]
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM inquiry_document")
    assert refs(api(cast.clerk).get("/inquiry", q="رخصة")) == []
    out = io.StringIO()
    call_command("reindex", "--batch", "2", stdout=out)
    text = out.getvalue()
    assert "5/5" in text and "100.0%" in text and "Indexed 5 transactions" in text
    assert sorted(refs(api(cast.clerk).get("/inquiry", q="رخصة"))) == sorted(
        t.reference for t in made
    )
    if connection.vendor == "sqlite":
        get_backend().check()  # type: ignore[attr-defined]


def test_reindex_is_safe_to_run_twice_and_only_missing_adds_the_missing(cast: Any) -> None:
    made = [make_transaction(cast, subject=f"طلب رقم {i}") for i in range(3)]
    Document.objects.filter(transaction_id=made[0].pk).delete()
    out = io.StringIO()
    call_command("reindex", "--missing", stdout=out)
    assert "Indexed 1 transactions" in out.getvalue()
    call_command("reindex", verbosity=0)
    call_command("reindex", verbosity=0)
    assert Document.objects.count() == 3
    if connection.vendor == "sqlite":
        get_backend().check()  # type: ignore[attr-defined]


def test_the_index_agrees_with_the_documents_after_every_kind_of_write(cast: Any, api: Any) -> None:
    secret = make_transaction(
        cast, subject="موضوع سري للغاية عن المنافذ", confidentiality="top_secret"
    )
    other = make_transaction(cast, subject="طلب صيانة المنافذ")
    registry.refer(  # rewrites the document: the old entries must leave the index
        cast.clerk.actor,
        secret.public_id,
        to_units=[cast.rights],
        instruction="للاطلاع",
        to_user_id=cast.outsider.user.pk,
    )
    call_command("reindex", verbosity=0)
    Document.objects.filter(transaction_id=other.pk).delete()
    if connection.vendor == "sqlite":
        get_backend().check()  # type: ignore[attr-defined]
    assert refs(api(cast.outsider).get("/inquiry", q="المنافذ")) == [secret.reference]
    assert refs(api(cast.clerk).get("/inquiry", q="المنافذ")) == [secret.reference]


def test_reindex_missing_also_rewrites_documents_of_an_older_analysis(cast: Any) -> None:
    made = [make_transaction(cast, subject=f"طلب رقم {i}") for i in range(3)]
    Document.objects.filter(transaction_id=made[1].pk).update(version=1)
    out = io.StringIO()
    call_command("reindex", "--missing", stdout=out)
    assert "Indexed 1 transactions" in out.getvalue()
    assert set(Document.objects.values_list("version", flat=True)) == {indexer.VERSION}
    if connection.vendor == "sqlite":
        get_backend().check()  # type: ignore[attr-defined]


def _documents() -> list[tuple[Any, ...]]:
    return list(
        Document.objects.order_by("transaction_id").values_list(
            "transaction_id", "subject", "body", "stems", "scope", "version"
        )
    )


def test_reindex_in_worker_processes_writes_exactly_what_one_process_writes(cast: Any) -> None:
    subjects = ["طلب رخصة بناء لعبدالله", "شكوى من تعديات على الشوارع", "معروض بشأن تعويض أرض"]
    made = [make_transaction(cast, subject=f"{subjects[i % 3]} رقم {i}") for i in range(7)]
    registry.refer(
        cast.clerk.actor,
        made[2].public_id,
        to_units=[cast.rights],
        instruction="للاطلاع",
        to_user_id=cast.outsider.user.pk,
    )
    call_command("reindex", "--workers", "0", verbosity=0)
    alone = _documents()
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM inquiry_document")
    out = io.StringIO()
    # Batches of 2 over 2 workers: the batches come back in turn and are written in order.
    call_command("reindex", "--batch", "2", "--workers", "2", stdout=out)
    assert "Indexed 7 transactions" in out.getvalue() and "7/7" in out.getvalue()
    assert _documents() == alone
    assert len(alone) == 7 and f"u{cast.outsider.user.pk}" in alone[2][4]
    if connection.vendor == "sqlite":
        get_backend().check()  # type: ignore[attr-defined]


def test_a_rebuild_whose_worker_dies_stops_with_a_clear_error() -> None:
    from wasl.inquiry import documents

    with documents.Workers(1) as pool:
        pool.procs[0].kill()
        pool.procs[0].wait()
        with pytest.raises((RuntimeError, OSError)):
            pool.submit([(1, "طلب", "نص", "e1")])
            list(pool.rest())


def test_the_analysis_needs_no_django_settings() -> None:
    import subprocess
    import sys

    # What the rebuild's worker processes run: a bare interpreter, no DJANGO_SETTINGS_MODULE.
    code = "from wasl.inquiry import documents; print(documents.analyse((7, 'الطلبات', 'عبد الله', 'e1')))"
    done = subprocess.run(  # noqa: S603
        [sys.executable, "-c", code], capture_output=True, text=True, env={"PATH": ""}, check=False
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "(7, 'الطلبات', 'عبد الله عبدالله', 'طلب عبد عبدالل له', 'e1')"
