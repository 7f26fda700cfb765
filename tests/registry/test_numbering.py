"""Reference numbers: unique and gap-free per entity per Umm al-Qura year, also under
concurrent registration."""

from __future__ import annotations

import threading

import pytest
from django.db import connection, connections
from django.db import transaction as db
from django.utils import timezone

from wasl.core import hijri
from wasl.registry.models import NumberSequence, Transaction

from ..conftest import Cast, make_transaction


def test_numbers_follow_each_other_per_entity_and_carry_the_hijri_year(cast):
    year = hijri.hijri_year(timezone.localdate())
    refs = [make_transaction(cast).reference for _ in range(3)]
    assert refs == [f"EMK-{year}-{n:06d}" for n in (1, 2, 3)]
    other = make_transaction(cast, by=cast.governor_office, unit=cast.jed_office)
    assert other.reference == f"GOV-JED-{year}-000001"


def test_a_failed_registration_gives_its_number_back(cast):
    make_transaction(cast)
    with pytest.raises(RuntimeError), db.atomic():
        make_transaction(cast)
        raise RuntimeError("the surrounding work failed after the number was taken")
    assert make_transaction(cast).sequence == 2
    assert NumberSequence.objects.get(entity=cast.emk).last_value == 2


def test_a_new_hijri_year_starts_again_at_one(cast, monkeypatch):
    first = make_transaction(cast)
    monkeypatch.setattr(hijri, "hijri_year", lambda d: first.hijri_year + 1)
    nxt = make_transaction(cast)
    assert nxt.reference == f"EMK-{first.hijri_year + 1}-000001"


@pytest.mark.django_db(transaction=True)
def test_concurrent_registrations_never_collide_or_leave_gaps():
    cast = Cast()
    threads_count, each = (8, 15) if connection.vendor == "postgresql" else (4, 10)
    errors: list[BaseException] = []
    start = threading.Barrier(threads_count)

    def work() -> None:
        try:
            start.wait()
            for _ in range(each):
                make_transaction(cast)
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
    numbers = sorted(Transaction.objects.filter(entity=cast.emk).values_list("sequence", flat=True))
    assert numbers == list(range(1, threads_count * each + 1))
    assert NumberSequence.objects.get(entity=cast.emk).last_value == threads_count * each
