"""Two merges at once never leave a chain or a cycle: A into B and B into A at the same
moment, or one duplicate into two reports, each in its own thread and database connection.
Exactly one wins; the other gets a clear refusal, never an unexpected error."""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest

from tests.jalsa.test_concurrency import race
from wasl.reports import services
from wasl.reports.models import Report

from .conftest import HISTORIC_BALAD, report_data

pytestmark = pytest.mark.django_db(transaction=True)


def submit(n: int) -> str:
    data = report_data(lat=HISTORIC_BALAD[0] + 0.0002 * n)
    contact = services.Contact(**data.pop("contact"))
    report = services.submit_report(**data, contact=contact, channel="api")
    return report.transaction.reference


def no_chain_or_cycle() -> None:
    for report in Report.objects.filter(duplicate_of__isnull=False).select_related("duplicate_of"):
        assert report.duplicate_of.duplicate_of_id is None, "a chain of duplicates"
        assert report.duplicate_of_id != report.pk


def test_two_reports_merged_into_each_other_at_once(municipal: Any) -> None:
    a, b = submit(1), submit(2)
    actor = municipal.inspector.actor
    outcomes, unexpected = race(
        [
            lambda: services.merge_reports(actor, a, into=b),
            lambda: services.merge_reports(actor, b, into=a),
        ]
    )
    assert unexpected == []
    # The loser finds its own report closed, or the report it merges into closed.
    assert outcomes["ok"] == 1
    assert set(outcomes) - {"ok"} <= {"report_not_open", "merge_into_closed"}
    assert Report.objects.filter(duplicate_of__isnull=False).count() == 1
    no_chain_or_cycle()


def test_one_duplicate_merged_into_two_reports_at_once(municipal: Any) -> None:
    a, b, c = submit(1), submit(2), submit(3)
    actor = municipal.inspector.actor
    outcomes, unexpected = race(
        [
            lambda: services.merge_reports(actor, c, into=a),
            lambda: services.merge_reports(actor, c, into=b),
            lambda: services.merge_reports(actor, a, into=c),
        ]
    )
    assert unexpected == []
    assert outcomes["ok"] >= 1
    assert set(outcomes) - {"ok"} <= {"report_not_open", "merge_into_closed"}
    assert sum(outcomes.values()) == 3
    assert Report.objects.filter(transaction__reference=c).get().duplicate_of_id in (
        None,
        *Report.objects.filter(transaction__reference__in=[a, b]).values_list("pk", flat=True),
    )
    no_chain_or_cycle()
    assert (
        Counter(
            Report.objects.filter(duplicate_of__isnull=False).values_list("pk", flat=True)
        ).most_common(1)[0][1]
        == 1
    )
