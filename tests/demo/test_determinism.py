"""The same data files, seed and end moment give the same history, to the minute."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import transaction

from wasl.demo.loader import load_demo
from wasl.registry.models import Event, Referral, Transaction

from .conftest import END


def fingerprint() -> list[tuple[object, ...]]:
    """What a person sees of the history (public ids and message ids are random by design)."""
    txns = list(
        Transaction.objects.order_by("reference").values_list(
            "reference", "subject", "state", "urgency", "party_name", "registered_at", "closed_at"
        )
    )
    refs = list(
        Referral.objects.order_by("transaction__reference", "id").values_list(
            "transaction__reference", "to_unit__code", "state", "due_date", "finished_at"
        )
    )
    events = list(
        Event.objects.order_by("transaction__reference", "id").values_list(
            "transaction__reference", "action", "actor__username", "created_at"
        )
    )
    return [*txns, *refs, *events]


@pytest.mark.django_db
def test_two_loads_with_the_same_end_are_the_same():
    # The region once (a year earlier, with no history), then the same fortnight twice.
    load_demo(end=END - timedelta(days=365), months=0)
    prints = []
    for _ in range(2):
        with transaction.atomic():
            counts = load_demo(end=END, months=0.5)
            prints.append(fingerprint())
            transaction.set_rollback(True)
        assert counts.transactions_created > 20
    assert prints[0] == prints[1]
