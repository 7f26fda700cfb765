"""Each field type read from a form as the server reads it, whatever the browser sent."""

from __future__ import annotations

from typing import Any

import pytest
from django.http import QueryDict

from wasl.portal.eservices.answers import read_step
from wasl.portal.people import DEMO_PEOPLE

from .eservice_fixtures import T

CITIZEN, _, RESIDENT, _ = DEMO_PEOPLE
FIELDS: list[dict[str, Any]] = [
    {"key": "count", "type": "number", "label": T("العدد", "Count"), "min": 1, "integer": True},
    {"key": "cap", "type": "number", "label": T("الحد", "Cap"), "max": 10},
    {"key": "born", "type": "date", "label": T("الميلاد", "Born"), "calendar": "gregorian"},
    {"key": "day", "type": "date", "label": T("اليوم", "Day"), "calendar": "hijri"},
    {
        "key": "harm",
        "type": "choice",
        "label": T("الضرر", "Harm"),
        "multiple": True,
        "options": [
            {"value": "a", "label": T("أ", "A")},
            {"value": "b", "label": T("ب", "B")},
        ],
    },
    {"key": "iqama", "type": "id_number", "label": T("الإقامة", "Iqama"), "kinds": ["resident"]},
    {"key": "mobile", "type": "phone", "label": T("الجوال", "Mobile")},
    {"key": "where", "type": "location", "label": T("المكان", "Place")},
]
DEFINITION = {"steps": [{"key": "s", "title": T("خ", "S"), "fields": FIELDS}], "rules": []}


def read(**values: Any) -> Any:
    post = QueryDict(mutable=True)
    for key, value in values.items():
        for item in value if isinstance(value, list) else [value]:
            post.appendlist(key, item)
    return read_step(DEFINITION, 0, post, {}, {}, "citizen", complete=True)


def test_good_answers_are_kept_in_their_stored_form() -> None:
    got = read(
        f_count="٣",
        f_cap="7.5",
        f_born="1990-05-01",
        f_day="١٤٤٥/٠١/١٠",
        f_harm=["b", "a"],
        f_iqama=RESIDENT.id_number,
        f_mobile="٠٥٠١٢٣٤٥٦٧",
        f_where_lat="21.5",
        f_where_lon="39.2",
    )
    assert not got.errors
    assert got.answers == {
        "count": 3,
        "cap": 7.5,
        "born": "1990-05-01",
        "day": "2023-07-28",
        "harm": ["a", "b"],
        "iqama": RESIDENT.id_number,
        "mobile": "+966501234567",
        "where": {"lat": 21.5, "lon": 39.2},
    }


@pytest.mark.parametrize(
    ("values", "field", "message"),
    [
        ({"f_count": "0"}, "count", "must be at least 1"),
        ({"f_count": "2.5"}, "count", "whole number"),
        ({"f_cap": "11"}, "cap", "must be at most 10"),
        ({"f_born": "1990-02-30"}, "born", "Born"),
        ({"f_harm": ["a", "z"]}, "harm", "choose one of the options"),
        ({"f_iqama": CITIZEN.id_number}, "iqama", "an iqama number"),
        ({"f_mobile": "0112345678"}, "mobile", "Invalid mobile number"),
        ({"f_where_lat": "51.5", "f_where_lon": "-0.1"}, "where", "outside the Kingdom"),
        ({"f_where_lat": "21.5"}, "where", "latitude and longitude"),
    ],
)
def test_a_wrong_answer_gets_its_own_error(
    values: dict[str, Any], field: str, message: str
) -> None:
    got = read(**values)
    assert field in got.errors and message in got.errors[field].message_en
    assert got.errors[field].message_ar and got.errors[field].field == field
    assert field not in got.answers
