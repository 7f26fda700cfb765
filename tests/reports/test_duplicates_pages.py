"""Already reported, on the pages: the call centre adds a caller to a report nearby, anyone
with the same problem follows a report from its public page, staff merge a duplicate from its
page. Refusals are shown in the person's language and save nothing."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from wasl.reports.models import Report, ReportFollower

from .conftest import HISTORIC_BALAD, close_with_proof, report_data
from .test_call_centre import agent, call

NEAR = HISTORIC_BALAD[0] + 0.0005


def submit(api: Any, **overrides: Any) -> str:
    response = api(None).post("/reports", report_data(**overrides))
    assert response.status_code == 201, response.content
    reference: str = response.json()["reference"]
    return reference


def staff(person: Any, language: str = "ar") -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE=language)
    client.force_login(person.user)
    return client


def test_the_call_centre_adds_the_caller_to_a_report_already_there(municipal, api):
    first = submit(api, lat=NEAR)
    client = agent(municipal, "en")
    offered = client.post("/reports/call-centre/pothole/", call())
    text = offered.content.decode()
    assert "Already reported nearby" in text
    assert f'name="join" value="{first}"' in text
    assert Report.objects.count() == 1
    response = client.post("/reports/call-centre/pothole/", call(join=first))
    assert response.status_code == 302
    assert response["Location"] == f"/reports/taken/{first}/?joined=1"
    assert Report.objects.count() == 1
    follower = ReportFollower.objects.get()
    assert (follower.phone, follower.name, follower.user_id) == (
        "+966559876543",
        "سعيد باخشب",
        None,  # the agent is not the one to tell
    )
    page = client.get(response["Location"]).content.decode()
    assert "Caller added to a report" in page and first in page


def test_the_call_centre_refuses_to_join_a_closed_report(municipal, api):
    first = submit(api, lat=NEAR)
    close_with_proof(municipal.inspector, first)
    response = agent(municipal).post("/reports/call-centre/pothole/", call(join=first))
    assert response.status_code == 400
    assert "ليس مفتوحاً" in response.content.decode()
    assert ReportFollower.objects.count() == 0


@pytest.mark.parametrize(
    ("language", "words"),
    [("ar", "رقم جوال أو بريداً"), ("en", "give a mobile number or an e-mail address")],
    ids=["ar", "en"],
)
def test_anyone_follows_a_report_from_its_public_page(municipal, api, language, words):
    first = submit(api)
    client = Client(HTTP_ACCEPT_LANGUAGE=language)
    page = client.get(f"/reports/p/{first}/").content.decode()
    assert f'action="/reports/p/{first}/follow/"' in page
    refused = client.post(f"/reports/p/{first}/follow/", {"phone": "", "email": ""})
    assert refused.status_code == 400
    assert words in refused.content.decode()
    assert ReportFollower.objects.count() == 0
    done = client.post(f"/reports/p/{first}/follow/", {"phone": "٠٥٥٩٨٧٦٥٤٣"})
    assert done.status_code == 302
    assert ReportFollower.objects.get().language == language
    # The follower's number is never shown on the public page.
    assert "559876543" not in client.get(f"/reports/p/{first}/").content.decode()


def test_the_follow_form_is_not_offered_on_a_closed_report(municipal, api):
    first = submit(api)
    close_with_proof(municipal.inspector, first)
    assert "/follow/" not in Client().get(f"/reports/p/{first}/").content.decode()
    response = Client().post(f"/reports/p/{first}/follow/", {"phone": "0559876543"})
    assert response.status_code == 400
    assert Client().post("/reports/p/940-NOPE/follow/", {"phone": "1"}).status_code == 404


def test_staff_merge_a_duplicate_from_its_page(municipal, api):
    first = submit(api)
    second = submit(api, lat=NEAR)
    client = staff(municipal.inspector, "en")
    assert f"/reports/merge/{second}/" in client.get(f"/reports/close/{second}/").content.decode()
    page = client.get(f"/reports/merge/{second}/")
    assert page.status_code == 200
    assert f'name="pick" value="{first}"' in page.content.decode()
    response = client.post(f"/reports/merge/{second}/", {"pick": first, "into": ""})
    assert response.status_code == 302, response.content.decode()[:3000]
    merged = Report.objects.get(transaction__reference=second)
    assert merged.duplicate_of is not None
    assert merged.duplicate_of.transaction.reference == first
    public = Client(HTTP_ACCEPT_LANGUAGE="en").get(f"/reports/p/{second}/").content.decode()
    assert "Closed as a duplicate" in public and f"/reports/p/{first}/" in public


@pytest.mark.parametrize(
    ("language", "words"), [("ar", "في نفسه"), ("en", "into itself")], ids=["ar", "en"]
)
def test_merge_refusals_on_the_page_are_in_the_persons_language(municipal, api, language, words):
    first = submit(api)
    client = staff(municipal.inspector, language)
    response = client.post(f"/reports/merge/{first}/", {"into": first})
    assert response.status_code == 400
    assert words in response.content.decode()
    assert not Report.objects.filter(duplicate_of__isnull=False).exists()


def test_staff_who_may_not_act_get_no_merge_page(municipal, api):
    first, second = submit(api), submit(api, lat=NEAR)
    client = staff(municipal.makkah_inspector)
    assert client.get(f"/reports/merge/{second}/").status_code == 404
    assert client.post(f"/reports/merge/{second}/", {"into": first}).status_code == 404
    assert Client().get(f"/reports/merge/{second}/").status_code == 302  # to sign in
    assert not Report.objects.filter(duplicate_of__isnull=False).exists()
