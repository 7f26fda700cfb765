"""The 940 call centre's pages: an agent takes a caller's report; open reports nearby are
shown first; refusals are shown beside their field and save nothing."""

from __future__ import annotations

from typing import Any

from django.test import Client

from wasl.directory import services as directory
from wasl.reports.models import Report

from .conftest import HISTORIC_BALAD, RED_SEA

URL = "/reports/call-centre/"


def agent(municipal: Any, language: str = "ar") -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE=language)
    client.force_login(municipal.cast.outsider.user)  # a clerk of the Jeddah Amanah
    return client


def call(**overrides: Any) -> dict[str, Any]:
    data = {
        "lat": str(HISTORIC_BALAD[0]),
        "lon": str(HISTORIC_BALAD[1]),
        "address": "سوق العلوي",
        "description": "المتصل يفيد بحفرة كبيرة عند مدخل السوق.",
        "q_size": "large",
        "q_lane": "carriageway",
        "caller_name": "سعيد باخشب",
        "caller_phone": "٠٥٥٩٨٧٦٥٤٣",
    }
    data.update(overrides)
    return data


def test_the_agent_chooses_a_category_then_takes_the_call(municipal):
    client = agent(municipal)
    page = client.get(URL)
    assert page.status_code == 200
    assert "حفرة أو هبوط في الطريق" in page.content.decode()
    form = client.get(URL + "pothole/")
    assert "حجم الحفرة" in form.content.decode()
    response = client.post(URL + "pothole/", call())
    assert response.status_code == 302, response.content.decode()[:2000]
    report = Report.objects.select_related("transaction").get()
    assert response["Location"] == f"/reports/taken/{report.transaction.reference}/"
    assert report.channel == "call_centre"
    assert report.reported_by_id == municipal.cast.outsider.user.pk
    assert report.contact_phone == "+966559876543"  # Arabic digits folded
    assert report.answers == {"size": "large", "lane": "carriageway"}
    taken = client.get(response["Location"])
    text = taken.content.decode()
    assert report.transaction.reference in text
    assert "سعيد" not in text and "0559876543" not in text


def test_open_reports_nearby_are_shown_before_a_new_one_is_registered(municipal):
    client = agent(municipal)
    client.post(URL + "pothole/", call())
    first = Report.objects.get().transaction.reference
    again = client.post(URL + "pothole/", call(lat=str(HISTORIC_BALAD[0] + 0.0003)))
    assert again.status_code == 200
    assert "سبق الإبلاغ عنه بالقرب" in again.content.decode()
    assert first in again.content.decode()
    assert Report.objects.count() == 1
    confirmed = client.post(
        URL + "pothole/", call(lat=str(HISTORIC_BALAD[0] + 0.0003), confirm_new="on")
    )
    assert confirmed.status_code == 302
    assert Report.objects.count() == 2


def test_a_point_at_sea_is_refused_beside_the_location_in_the_page_language(municipal):
    for language, words in (("ar", "خارج نطاق الخدمة"), ("en", "outside the service area")):
        response = agent(municipal, language).post(
            URL + "pothole/", call(lat=str(RED_SEA[0]), lon=str(RED_SEA[1]))
        )
        assert response.status_code == 400
        assert words in response.content.decode()
    assert Report.objects.count() == 0


def test_missing_and_wrong_answers_are_shown_and_save_nothing(municipal):
    client = agent(municipal)
    for change in ({"q_size": ""}, {"q_size": "huge"}, {"description": ""}, {"lat": "شمال"}):
        response = client.post(URL + "pothole/", call(**change))
        assert response.status_code == 400, change
        assert 'aria-invalid="true"' in response.content.decode()
    big = client.post(URL + "pothole/", call(description="x" * 4001))
    assert big.status_code == 400
    assert Report.objects.count() == 0


def test_only_staff_take_calls(municipal):
    assert Client().get(URL).status_code == 302  # to the sign-in page
    user, _ = directory.ensure_person(username="citizen", first_name="م", last_name="ع")
    client = Client()
    client.force_login(user)
    assert client.get(URL).status_code == 403
    assert client.post(URL + "pothole/", call()).status_code == 403
    assert Report.objects.count() == 0
    assert agent(municipal).get(URL + "no-such/").status_code == 404
