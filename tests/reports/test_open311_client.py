"""An outside Open311 client from PyPI (`georeport`) against a real `wasl serve` process:
it lists the services and their definitions, and, after a request is posted over HTTP with
an api_key, lists the requests and reads it back, in JSON and in XML.

`georeport` 0.3 has no method to post a request; the POST goes over HTTP with `requests`
(which georeport itself uses), form-encoded as the specification says."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import requests
from georeport import GeoReport

from tests.server.test_serve import Server, wasl

from .conftest import HISTORIC_BALAD

SETUP = """
from wasl.directory import services as directory
from wasl.reports import services
jed, _ = directory.ensure_entity(code="AMN-JED", kind="amanah", name_ar="أمانة محافظة جدة", name_en="Jeddah")
directory.ensure_unit(entity=jed, code="SERVICES", name_ar="وكالة الخدمات", name_en="Services")
sub, _ = directory.ensure_entity(code="SUB-JED-BLD", kind="municipality", name_ar="بلدية البلد", name_en="Al-Balad", parent=jed)
for code in ("INSPECTION", "BUILDING", "CLEANING"):
    directory.ensure_unit(entity=sub, code=code, name_ar=code, name_en=code)
services.load_reference_data()
print(services.create_open311_key("georeport test"))
"""


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Server, str]]:
    folder = tmp_path_factory.mktemp("open311")
    for step in (["migrate", "--no-input", "-v0"], ["collectstatic", "--no-input", "-v0"]):
        result = wasl(folder, *step)
        assert result.returncode == 0, result.stdout + result.stderr
    made = wasl(folder, "shell", "-c", SETUP)
    assert made.returncode == 0, made.stdout + made.stderr
    key = made.stdout.strip().splitlines()[-1]
    server = Server(folder)
    try:
        yield server, key
    finally:
        server.stop()


def test_an_outside_client_lists_posts_and_reads_back(served: Any):
    server, key = served
    root = f"http://127.0.0.1:{server.port}/open311/v2"
    for fmt in ("json", "xml"):
        client = GeoReport(root, output_format=fmt)
        services = client.get_service_list()
        assert "pothole" in {s["service_code"] for s in services}
        definition = client.get_service_definition("pothole")
        assert definition["service_code"] == "pothole"
    posted = requests.post(
        f"{root}/requests.json",
        data={
            "api_key": key,
            "service_code": "pothole",
            "lat": HISTORIC_BALAD[0],
            "long": HISTORIC_BALAD[1],
            "description": "حفرة أمام باب مكة",
            "attribute[size]": "small",
            "email": "reporter@example.sa",
        },
        timeout=30,
    )
    assert posted.status_code == 201, posted.text
    rid = posted.json()[0]["service_request_id"]
    assert rid.startswith("SUB-JED-BLD-")
    client = GeoReport(root)
    listed = client.get_service_requests(service_code="pothole", status="open")
    assert [r["service_request_id"] for r in listed] == [rid]
    one = client.get_service_request(rid)
    assert one["description"] == "حفرة أمام باب مكة"
    assert "reporter@example.sa" not in str(listed) + str(one)
    as_xml = GeoReport(root, output_format="xml").get_service_request(rid)
    assert as_xml["service_request_id"] == rid and as_xml["status"] == "open"
    refused = requests.post(
        f"{root}/requests.json", data={"api_key": "wrong", "service_code": "pothole"}, timeout=30
    )
    assert refused.status_code == 403
    assert refused.json()[0]["code"] == 403
