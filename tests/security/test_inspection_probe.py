"""Probe: field inspections sent again and again (a connection that flickers), with answers of
the wrong type, without a required photo, with a file that is not an image, and to someone
else's assignment: one record per inspection, every refusal a 4xx with a message in both
languages, nothing half-saved, no 5xx."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from tests.inspections.conftest import GOOD_SHOP, Field, filing, jpeg, signed_in
from tests.reports.conftest import Municipal
from tests.security.report import record
from wasl.inspections.models import Finding, Inspection, InspectionPhoto, Visit

REPEATS = 6


@pytest.fixture(name="field")
def _field(cast: Any) -> Field:
    return Field(Municipal(cast))


def photo(data: bytes | None = None) -> SimpleUploadedFile:
    return SimpleUploadedFile("p.jpg", data if data is not None else jpeg((320, 240)))


def test_inspections_sent_twice_or_wrong_make_one_record_or_a_clear_refusal(field):
    client = signed_in(field.hisham)
    codes: list[int] = []
    # The same two inspections, each sent REPEATS times with its own key.
    visits = [field.plan(), field.plan()]
    for visit in visits:
        key = str(uuid.uuid4())
        answers = GOOD_SHOP | {"item-fridge_temperature": "7"}  # a violation: a follow-up
        for _ in range(REPEATS):
            data = filing(visit, answers, key) | {"photo-fridge_temperature": photo()}
            codes.append(
                client.post(
                    f"/inspections/visit/{visit.public_id}/", data, HTTP_ACCEPT="application/json"
                ).status_code
            )
    kept = Inspection.objects.filter(visit__in=visits).count()
    follow_ups = Visit.objects.filter(follows__in=visits).count()
    duplicated = (kept - len(visits)) + (follow_ups - len(visits)) if kept >= len(visits) else 0
    lost = max(0, len(visits) - kept)
    # Bad input on a fresh visit: each refused, and nothing of it saved.
    target = field.plan()
    bad = [
        (field.hisham, GOOD_SHOP | {"item-fridge_temperature": "cold"}, photo()),
        (field.hisham, GOOD_SHOP | {"item-licence": "42"}, photo()),
        (field.hisham, GOOD_SHOP, None),
        (field.hisham, GOOD_SHOP, photo(b"GIF89a but not really")),
        (field.lina, GOOD_SHOP, photo()),
        (field.outsider, GOOD_SHOP, photo()),
    ]
    refusals = []
    for person, answers, file in bad:
        data = filing(target, answers, str(uuid.uuid4()))
        if file is not None:
            data["photo-fridge_temperature"] = file
        response = signed_in(person, "en").post(
            f"/inspections/visit/{target.public_id}/", data, HTTP_ACCEPT="application/json"
        )
        codes.append(response.status_code)
        refusals.append(response)
    undetected = sum(
        1
        for r in refusals
        if not (400 <= r.status_code < 500 and r.json()["message_ar"] and r.json()["message_en"])
    )
    half_saved = (
        Inspection.objects.filter(visit=target).count()
        + InspectionPhoto.objects.filter(inspection__visit=target).count()
        + Finding.objects.filter(inspection__visit=target).count()
    )
    errors_5xx = sum(1 for c in codes if c >= 500)
    record(
        "field inspection sent twice or wrong",
        attempts=len(codes),
        errors_5xx=errors_5xx,
        duplicated=duplicated,
        lost=lost + half_saved,
        undetected=undetected,
    )
    assert errors_5xx == 0 and duplicated == 0 and lost == 0
    assert undetected == 0 and half_saved == 0
    assert Visit.objects.get(pk=target.pk).state == "assigned"
