"""Reporting from the portal (signed in or not): the open reports of the same category nearby
are offered first ("already reported"); the reporter follows one of them instead, or submits a
new report. Bad input is refused beside its field, in the person's language, saving nothing."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from wasl.reports.models import Report, ReportFollower

from .conftest import HISTORIC_BALAD, RED_SEA, report_data

URL = "/reports/new/"
NEAR = HISTORIC_BALAD[0] + 0.0005


def form(**overrides: Any) -> dict[str, Any]:
    data = {
        "lat": str(HISTORIC_BALAD[0]),
        "lon": str(HISTORIC_BALAD[1]),
        "description": "حفرة عميقة أمام المسجد",
        "q_size": "large",
        "caller_phone": "0561111111",
    }
    data.update(overrides)
    return data


def existing(api: Any) -> str:
    response = api(None).post("/reports", report_data(lat=NEAR))
    assert response.status_code == 201, response.content
    reference: str = response.json()["reference"]
    return reference


def test_anyone_chooses_a_category_then_sees_the_form(municipal):
    page = Client(HTTP_ACCEPT_LANGUAGE="en").get(URL)
    assert page.status_code == 200
    assert "/reports/new/pothole/" in page.content.decode()
    assert (
        "What is the problem?"
        in Client(HTTP_ACCEPT_LANGUAGE="en").get(URL + "pothole/").content.decode()
    )
    assert Client().get(URL + "nope/").status_code == 404


def test_a_report_nearby_is_offered_and_the_reporter_follows_it(municipal, api):
    first = existing(api)
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    offered = client.post(URL + "pothole/", form())
    text = offered.content.decode()
    assert offered.status_code == 200
    assert "Already reported nearby" in text and f'name="join" value="{first}"' in text
    assert Report.objects.count() == 1
    joined = client.post(URL + "pothole/", form(join=first))
    assert joined.status_code == 302 and joined["Location"] == f"/reports/p/{first}/"
    follower = ReportFollower.objects.get()
    assert (follower.phone, follower.language, follower.user_id) == ("+966561111111", "en", None)
    assert Report.objects.count() == 1


def test_a_signed_in_reporter_follows_without_contact_details(municipal, api):
    first = existing(api)
    client = Client()
    client.force_login(municipal.cast.clerk.user)
    response = client.post(URL + "pothole/", form(caller_phone="", join=first))
    assert response.status_code == 302
    assert ReportFollower.objects.get().user_id == municipal.cast.clerk.user.pk


def test_none_of_these_submits_a_new_report_from_the_portal(municipal, api):
    existing(api)
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    response = client.post(URL + "pothole/", form(confirm_new="on"))
    assert response.status_code == 302
    report = Report.objects.select_related("transaction").latest("pk")
    assert response["Location"] == f"/reports/p/{report.transaction.reference}/"
    assert (report.channel, report.reported_by_id, report.contact_language) == (
        "portal",
        None,
        "en",
    )
    assert report.contact_phone == "+966561111111"


@pytest.mark.parametrize(
    ("language", "words"), [("ar", "خارج نطاق الخدمة"), ("en", "outside the service area")]
)
def test_a_point_at_sea_is_refused_beside_its_field(municipal, language, words):
    response = Client(HTTP_ACCEPT_LANGUAGE=language).post(
        URL + "pothole/", form(lat=str(RED_SEA[0]), lon=str(RED_SEA[1]))
    )
    assert response.status_code == 400
    assert words in response.content.decode()
    assert Report.objects.count() == 0


def test_joining_a_closed_or_unknown_report_is_refused(municipal, api):
    response = Client().post(URL + "pothole/", form(join="940-NOPE"))
    assert response.status_code == 400
    assert "البلاغ غير موجود" in response.content.decode()
    assert ReportFollower.objects.count() == 0 and Report.objects.count() == 0


def test_the_portal_is_flood_limited_per_address(municipal, settings):
    settings.WASL_REPORT_FLOOD_PER_ADDRESS = 2
    client = Client(REMOTE_ADDR="192.0.2.50")
    codes = [client.post(URL + "pothole/", form(confirm_new="on")).status_code for _ in range(3)]
    assert codes == [302, 302, 429]
    assert Report.objects.count() == 2
