"""Open311 GeoReport v2: every answer, JSON and XML, checked against schemas written from the
specification; keys, filters, errors in the standard format, no personal data, never a 500."""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from xml.etree import ElementTree as ET

import jsonschema
import pytest
from django.test import Client
from django.utils import timezone

from wasl.reports import services
from wasl.reports.models import Report

from . import open311_schemas as schemas
from .conftest import HARAM_NORTH, HISTORIC_BALAD, RED_SEA, close_with_proof

BASE = "/open311/v2"
PERSONAL = ("محمد", "العمودي", "0501112233", "501112233", "m@example.sa", "balad-device")
LISTS = frozenset(
    {"errors", "services", "service_requests", "attributes", "values", "endpoints", "formats"}
)


@pytest.fixture
def key(municipal: Any) -> str:
    return services.create_open311_key("تطبيق جدة الذكية")


def get(path: str, **params: Any) -> Any:
    return Client().get(BASE + path, params)


def post(data: dict[str, Any], fmt: str = "json") -> Any:
    return Client().post(f"{BASE}/requests.{fmt}", data)


def valid(response: Any, schema: dict[str, Any]) -> Any:
    data = response.json()
    jsonschema.validate(data, schema)
    return data


def xml(response: Any) -> Any:
    assert response["Content-Type"].startswith("text/xml")
    assert response.content.startswith(b'<?xml version="1.0" encoding="UTF-8"?>')
    return schemas.from_xml(ET.fromstring(response.content), LISTS)  # noqa: S314 — our own answer


def as_strings(data: Any) -> Any:
    """JSON data as its XML form says it: leaves as text."""
    if isinstance(data, list):
        return [as_strings(x) for x in data] or None  # an empty list is an empty element
    if isinstance(data, dict):
        return {k: as_strings(v) for k, v in data.items()}
    if isinstance(data, bool):
        return "true" if data else "false"
    return None if data is None or data == "" else str(data)


def same_in_xml(path: str, **params: Any) -> Any:
    """The JSON answer valid; the XML answer saying the same."""
    as_json = get(f"{path}.json", **params)
    as_xml = get(f"{path}.xml", **params)
    assert as_json.status_code == as_xml.status_code
    assert xml(as_xml) == as_strings(as_json.json())
    return as_json


def request_data(key: str, **overrides: Any) -> dict[str, Any]:
    data = {
        "api_key": key,
        "service_code": "pothole",
        "lat": str(HISTORIC_BALAD[0]),
        "long": str(HISTORIC_BALAD[1]),
        "address_string": "شارع قابل، البلد",
        "description": "حفرة عميقة في منتصف شارع قابل.",
        "attribute[size]": "medium",
        "first_name": "محمد",
        "last_name": "العمودي",
        "phone": "0501112233",
        "email": "m@example.sa",
        "device_id": "balad-device",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def test_discovery_and_services_follow_the_specification(municipal):
    valid(same_in_xml("/discovery"), schemas.DISCOVERY)
    assert valid(get("/"), schemas.DISCOVERY)["endpoints"][0]["url"].endswith("/open311/v2")
    listed = valid(same_in_xml("/services"), schemas.SERVICES)
    assert {"pothole", "street_light", "waste", "water_leak", "building_violation"} <= {
        s["service_code"] for s in listed
    }
    by_code = {s["service_code"]: s for s in listed}
    assert by_code["pothole"]["service_name"] == "حفرة أو هبوط في الطريق"
    assert by_code["sidewalk"]["metadata"] is False


def test_names_follow_the_requested_language(municipal):
    english = Client().get(f"{BASE}/services.json", HTTP_ACCEPT_LANGUAGE="en")
    assert {s["service_name"] for s in english.json()} >= {"Pothole or road subsidence"}


@pytest.mark.parametrize("code", ["pothole", "building_violation", "water_leak", "sidewalk"])
def test_service_definitions_carry_the_category_questions(municipal, code):
    data = valid(same_in_xml(f"/services/{code}"), schemas.SERVICE_DEFINITION)
    assert data["service_code"] == code
    if code == "building_violation":
        types = {a["code"]: a["datatype"] for a in data["attributes"]}
        assert types == {"violation": "multivaluelist", "floors": "number"}


def test_a_keyed_client_posts_a_request_and_reads_it_back(municipal, key):
    response = post(request_data(key))
    assert response.status_code == 201, response.content
    (made,) = valid(response, schemas.POST_RESPONSE)
    report = Report.objects.select_related("transaction__unit__entity").get()
    assert made["service_request_id"] == report.transaction.reference
    assert report.channel == "open311" and report.api_key is not None
    assert report.answers == {"size": "medium"}
    assert report.contact_name == "محمد العمودي" and report.contact_phone == "+966501112233"
    assert report.transaction.unit.entity.code == "SUB-JED-BLD"
    one = valid(same_in_xml(f"/requests/{made['service_request_id']}"), schemas.REQUESTS)
    assert one[0]["status"] == "open" and one[0]["service_code"] == "pothole"
    assert one[0]["expected_datetime"] is not None
    token = get(f"/tokens/{made['token']}.json").json()
    assert token == [{"service_request_id": made["service_request_id"], "token": made["token"]}]
    for response in (
        get("/requests.json"),
        get("/requests.xml"),
        get(f"/requests/{made['service_request_id']}.xml"),
    ):
        text = response.content.decode()
        assert not any(p in text for p in PERSONAL), text


def test_xml_posts_answer_in_xml(municipal, key):
    response = post(request_data(key), fmt="xml")
    assert response.status_code == 201
    data = xml(response)
    jsonschema.validate(data, schemas.POST_RESPONSE)


def test_multivalue_attributes_are_taken_as_lists(municipal, key):
    response = post(
        request_data(
            key,
            service_code="building_violation",
            **{"attribute[violation][]": ["extra_floor", "encroachment"], "attribute[size]": None},
        )
    )
    assert response.status_code == 201, response.content
    assert Report.objects.get().answers == {"violation": ["encroachment", "extra_floor"]}


def test_requests_are_filtered_as_the_standard_says(municipal, key):
    first = post(request_data(key)).json()[0]["service_request_id"]
    second = post(
        request_data(
            key,
            service_code="waste",
            lat=str(HARAM_NORTH[0]),
            long=str(HARAM_NORTH[1]),
            **{"attribute[waste_type]": "debris", "attribute[size]": None},
        )
    ).json()[0]["service_request_id"]
    cleaner = municipal.cast.person(
        "zahir_cleaner", "سامي", "اللحياني", municipal.units[("SUB-HC-ZHR", "CLEANING")], "clerk"
    )
    close_with_proof(cleaner, second, "رفعت المخلفات")

    def ids(**params: Any) -> list[str]:
        data = valid(same_in_xml("/requests", **params), schemas.REQUESTS)
        return [r["service_request_id"] for r in data]

    assert ids() == [second, first]
    assert ids(service_code="waste") == [second]
    assert ids(service_code="waste,pothole") == [second, first]
    assert ids(status="open") == [first]
    assert ids(status="closed") == [second]
    assert ids(service_request_id=first, status="closed") == [first]  # the id overrides
    assert ids(service_request_id=f"{first},{second}") == [second, first]
    now = timezone.now()
    later = (now + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    earlier = (now - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert ids(start_date=later) == []
    assert ids(start_date=earlier, end_date=later) == [second, first]
    assert ids(end_date=earlier) == []
    closed = get("/requests.json", status="closed").json()[0]
    assert closed["status"] == "closed" and closed["expected_datetime"] is None


@pytest.mark.parametrize(
    ("params", "status"),
    [
        ({"start_date": "yesterday"}, 400),
        ({"start_date": "2026-01-01T00:00:00"}, 400),  # no time zone
        ({"start_date": "2026-01-01T00:00:00Z", "end_date": "2026-06-01T00:00:00Z"}, 400),
        ({"status": "pending"}, 400),
        ({"service_request_id": ",".join(["X"] * 101)}, 400),
    ],
)
def test_bad_filters_get_errors_in_the_standard_format(municipal, params, status):
    response = get("/requests.json", **params)
    assert response.status_code == status
    valid(response, schemas.ERRORS)
    as_xml = get("/requests.xml", **params)
    assert as_xml.status_code == status
    jsonschema.validate([{**e, "code": int(e["code"])} for e in xml(as_xml)], schemas.ERRORS)


def test_unknown_things_are_404_in_the_standard_format(municipal):
    for path in ("/services/no-such.json", "/requests/JED-0000.json", "/tokens/abc.json"):
        response = get(path)
        assert response.status_code == 404
        valid(response, schemas.ERRORS)
    assert get("/services.yaml").status_code == 404


@pytest.mark.parametrize(
    ("change", "status", "word"),
    [
        ({"api_key": ""}, 403, "api_key"),
        ({"api_key": "o311_wrong"}, 403, "api_key"),
        ({"service_code": "nope"}, 400, "service_code"),
        ({"lat": ""}, 400, "lat and long"),
        ({"lat": str(RED_SEA[0]), "long": str(RED_SEA[1])}, 400, "outside the service area"),
        ({"lat": "north"}, 400, "number"),
        ({"description": "x" * 4001}, 400, "4000"),
        ({"attribute[size]": "enormous"}, 400, "Wrong answer"),
        ({"attribute[colour]": "red"}, 400, "Unknown question"),
        ({"phone": "123"}, 400, "mobile"),
    ],
)
def test_bad_posts_are_refused_in_the_standard_format_and_save_nothing(
    municipal, key, change, status, word
):
    response = post(request_data(key, **change))
    assert response.status_code == status, response.content
    (error,) = valid(response, schemas.ERRORS)
    assert error["code"] == status
    assert word in error["description"]
    assert Report.objects.count() == 0


def test_a_description_of_4000_characters_is_taken_and_10_mb_refused(municipal, key):
    assert post(request_data(key, description="ب" * 4000)).status_code == 201
    response = post(request_data(key, description="x" * 10_000_000))
    assert response.status_code == 413
    valid(response, schemas.ERRORS)
    assert Report.objects.count() == 1


def test_a_revoked_key_is_refused(municipal, key):
    from wasl.reports.models import Open311Key

    Open311Key.objects.update(is_active=False)
    assert post(request_data(key)).status_code == 403


def test_the_key_is_stored_only_as_its_hash(municipal, key):
    from wasl.reports.models import Open311Key

    stored = Open311Key.objects.get()
    assert key not in (stored.key_hash, stored.prefix)
    assert stored.key_hash == services._key_hash(key)


def test_other_methods_are_refused(municipal):
    assert Client().delete(f"{BASE}/requests.json").status_code == 405
    assert Client().post(f"{BASE}/services.json").status_code == 405
