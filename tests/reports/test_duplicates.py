"""Already reported: a reporter joins an open report instead of filing a new one; staff merge
a duplicate into the report filed first; everyone who reported is told of the outcome, in
their language, through the notifications outbox."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from wasl.audit.models import AuditRecord
from wasl.notifications.models import Notification
from wasl.reports import photos, services
from wasl.reports.models import Report, ReportFollower

from .conftest import HISTORIC_BALAD, close_with_proof, jpeg, report_data

LAT, LON = HISTORIC_BALAD
NEAR = LAT + 0.0005  # about 55 m north


def submit(api: Any, person: Any = None, **overrides: Any) -> str:
    response = api(person).post("/reports", report_data(**overrides))
    assert response.status_code == 201, response.content
    reference: str = response.json()["reference"]
    return reference


def follow(reference: str, contact: Any = None, language: str = "ar", person: Any = None) -> Any:
    headers = {"HTTP_ACCEPT_LANGUAGE": language}
    if person is not None:
        headers["HTTP_AUTHORIZATION"] = f"Bearer {person.token}"
    body = {} if contact is None else {"contact": contact}
    return Client().post(
        f"/api/v1/reports/{reference}/follow", body, content_type="application/json", **headers
    )


def merge(person: Any, reference: str, into: str, language: str = "ar", **extra: Any) -> Any:
    return Client().post(
        f"/api/v1/reports/{reference}/merge",
        {"into": into, **extra},
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {person.token}",
        HTTP_ACCEPT_LANGUAGE=language,
    )


def actions(reference: str) -> list[str]:
    return list(
        AuditRecord.objects.filter(data__reference=reference)
        .order_by("pk")
        .values_list("action", flat=True)
    )


def report(reference: str) -> Report:
    return Report.objects.select_related("transaction").get(transaction__reference=reference)


# ---------------------------------------------------------------------------------------------
# Joining a report


def test_a_reporter_joins_an_open_report_and_is_recorded_once(municipal, api):
    first = submit(api)
    response = follow(first, {"name": "سارة", "phone": "0559876543"})
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["following"] is True and body["reference"] == first
    assert "0559876543" not in response.content.decode()
    assert "+966559876543" not in response.content.decode()
    # The same number again, and the reporter's own number: nobody is added twice.
    assert follow(first, {"phone": "+966559876543"}).status_code == 200
    assert follow(first, {"phone": "0551234567"}).status_code == 200
    (joined,) = ReportFollower.objects.all()
    assert (joined.phone, joined.source, joined.language) == ("+966559876543", "joined", "ar")
    txn = report(first).transaction
    assert txn.events.filter(action="commented").count() == 1
    assert actions(first).count("reports.report.followed") == 3
    assert Report.objects.count() == 1


def test_a_signed_in_person_joins_without_giving_contact_details(municipal, api):
    first = submit(api)
    response = follow(first, person=municipal.cast.clerk)
    assert response.status_code == 200, response.content
    assert ReportFollower.objects.get().user_id == municipal.cast.clerk.user.pk


@pytest.mark.parametrize(
    ("language", "words"), [("ar", "رقم جوال"), ("en", "mobile number")], ids=["ar", "en"]
)
def test_joining_without_a_way_to_be_told_is_refused_in_the_persons_language(
    municipal, api, language, words
):
    first = submit(api)
    response = follow(first, {"name": "بلا رقم"}, language=language)
    assert response.status_code == 400
    assert response.json()["code"] == "contact_required"
    assert words in response.json()["message_" + language]
    assert ReportFollower.objects.count() == 0
    assert "reports.report.followed" not in actions(first)


def test_joining_bad_input_gets_clear_errors(municipal, api):
    first = submit(api)
    assert follow("940-NOPE", {"phone": "0559876543"}).json()["code"] == "report_not_found"
    assert follow(first, {"phone": "12"}).status_code == 400
    assert follow(first, "0559876543").status_code == 422
    close_with_proof(municipal.inspector, first)
    closed = follow(first, {"phone": "0559876543"})
    assert (closed.status_code, closed.json()["code"]) == (409, "report_not_open")
    assert ReportFollower.objects.count() == 0


# ---------------------------------------------------------------------------------------------
# Merging duplicates


def submit_with_photo(**overrides: Any) -> Report:
    data = report_data(**overrides)
    contact = services.Contact(**data.pop("contact"))
    return services.submit_report(
        **data, contact=contact, channel="api", photos=[photos.prepare([jpeg()])], language="en"
    )


def test_staff_merge_a_duplicate_into_the_first_report(municipal, api):
    first = submit(api)
    follow(first, {"phone": "0559876543"})
    second = submit_with_photo(
        lat=NEAR,
        description="حفرة عند بيت نصيف مرة أخرى",
        contact={"name": "ليلى", "phone": "0561111111", "email": "layla@example.sa"},
    )
    dup = second.transaction.reference
    follow(dup, {"email": "omar@example.sa"}, language="en")
    response = merge(municipal.inspector, dup, first)
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["status"], body["duplicate_of"]) == ("closed", first)
    merged = report(dup)
    assert merged.duplicate_of == report(first)
    assert services.report_status(merged) == "duplicate"
    # The duplicate's reporter and follower now follow the first report; its own follower stays.
    kept = ReportFollower.objects.filter(report__transaction__reference=first)
    assert sorted((f.source, f.phone or f.email) for f in kept) == [
        ("joined", "+966559876543"),
        ("merged", "+966561111111"),
        ("merged", "omar@example.sa"),
    ]
    # Nothing is lost: staff still see the duplicate's description and photo.
    staff = api(municipal.inspector).get("/reports")
    row = next(r for r in staff.json() if r["reference"] == dup)
    assert row["description"] == "حفرة عند بيت نصيف مرة أخرى"
    assert next(r for r in staff.json() if r["reference"] == first)["followers"] == 3
    assert len(Client().get(f"/api/v1/reports/public/{dup}").json()["photos"]) == 1
    # The timeline and the audit trail of both, written together.
    assert merged.transaction.events.filter(action="closed").get().note.startswith("مكرر للبلاغ")
    assert report(first).transaction.events.filter(action="commented").count() == 2
    assert actions(dup)[-2:] == ["registry.transaction.closed", "reports.report.merged"]
    record = AuditRecord.objects.get(action="reports.report.merged")
    assert record.data["into"] == first and record.data["status"] == ["open", "duplicate"]
    # The public page of the duplicate links to the report it joined.
    page = Client().get(f"/reports/p/{dup}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert f"/reports/p/{first}/" in page


def refusal(response: Any, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.content
    body: dict[str, Any] = response.json()
    assert body["code"] == code
    assert body["message_ar"] and body["message_en"]
    return body


def test_merging_refusals_are_clear_and_change_nothing(municipal, api):
    first = submit(api)
    second = submit(api, lat=NEAR)
    # Received by the same unit as potholes, so only the category stands in the way.
    sidewalk = submit(api, category="sidewalk", lat=NEAR, answers={})
    waste = submit(api, category="waste", lat=NEAR, answers={"waste_type": "bin"})
    inspector = municipal.inspector
    body = refusal(merge(inspector, first, first, language="en"), 400, "merge_into_itself")
    assert "itself" in body["message_en"] and "نفسه" in body["message_ar"]
    refusal(merge(inspector, "940-NOPE", first), 404, "report_not_found")
    refusal(merge(inspector, second, "940-NOPE"), 404, "report_not_found")
    body = refusal(merge(inspector, second, sidewalk), 400, "merge_across_categories")
    assert "فئتين" in body["message_ar"]
    # The cleaning unit's report is not one the inspector works on.
    refusal(merge(inspector, waste, second, across_categories=True), 404, "report_not_found")
    # Staff of another amanah may not act on either: the same answer as "no such report".
    refusal(merge(municipal.makkah_inspector, second, first), 404, "report_not_found")
    assert Report.objects.filter(duplicate_of__isnull=False).count() == 0
    assert not AuditRecord.objects.filter(action="reports.report.merged").exists()
    assert report(second).transaction.state != "closed"
    # Into a closed report: refused; the duplicate itself merged already: refused.
    close_with_proof(inspector, first)
    refusal(merge(inspector, second, first), 409, "merge_into_closed")
    third = submit(api, lat=NEAR)
    assert merge(inspector, third, second).status_code == 200
    refusal(merge(inspector, third, second), 409, "report_not_open")
    refusal(merge(inspector, second, third), 409, "merge_into_closed")
    # Across categories only when staff say they are the same problem.
    response = merge(inspector, sidewalk, second, across_categories=True)
    assert response.status_code == 200, response.content


# ---------------------------------------------------------------------------------------------
# Telling everyone who reported


def test_everyone_who_reported_is_told_of_the_outcome_in_their_language(municipal, api):
    first = submit(api)  # the reporter: 0551234567 and ahmad@example.sa, Arabic
    follow(first, {"phone": "0559876543"}, language="en")
    clerk = municipal.cast.clerk.user
    clerk.email = "nora@example.sa"
    clerk.save(update_fields=["email"])
    follow(first, person=municipal.cast.clerk)  # signed in: told at the account's address
    second = submit(api, lat=NEAR, contact={"phone": "0561111111", "email": "layla@example.sa"})
    Client().post(
        "/api/v1/reports",
        report_data(lat=NEAR, contact={}),
        content_type="application/json",
    )  # anonymous, no contact: nobody to tell
    assert merge(municipal.inspector, second, first).status_code == 200
    merged = {
        (n.channel, n.to, n.step, n.language)
        for n in Notification.objects.filter(transaction__reference=second)
    }
    assert merged == {
        ("sms", "+966561111111", "report_merged", "ar"),
        ("email", "layla@example.sa", "report_merged", "ar"),
    }
    assert Notification.objects.filter(transaction__reference=first).count() == 0
    close_with_proof(municipal.inspector, first, "رُدمت الحفرة")
    told = Notification.objects.filter(transaction__reference=first)
    assert {(n.channel, n.to, n.language) for n in told} == {
        ("sms", "+966551234567", "ar"),
        ("email", "ahmad@example.sa", "ar"),
        ("sms", "+966559876543", "en"),
        ("email", "nora@example.sa", "ar"),
        ("sms", "+966561111111", "ar"),
        ("email", "layla@example.sa", "ar"),
    }
    assert {n.step for n in told} == {"report_closed"}
    english = told.get(to="+966559876543")
    assert english.body.startswith("Wasl: report " + first) and english.status == "queued"
    arabic = told.get(to="+966551234567")
    assert first in arabic.body and "عولج البلاغ" in arabic.body
    event = report(first).transaction.events.get(action="closed")
    assert {n.event_id for n in told} == {event.pk}


def test_a_report_merged_into_later_takes_its_duplicates_along(municipal, api):
    a, b, c = submit(api), submit(api, lat=NEAR), submit(api, lat=NEAR + 0.0002)
    inspector = municipal.inspector
    assert merge(inspector, a, c).status_code == 200
    assert merge(inspector, c, b).status_code == 200
    # No chain: the first duplicate now points at the open report too.
    assert report(a).duplicate_of == report(b)
    assert report(c).duplicate_of == report(b)
    record = AuditRecord.objects.filter(action="reports.report.merged").latest("pk")
    assert record.data["repointed"] == [a]
    public = Client().get(f"/api/v1/reports/public/{a}").json()
    assert public["duplicate_of"] == b


def test_a_reporters_email_carries_the_entitys_own_subject(municipal, api):
    from wasl.notifications import defaults
    from wasl.notifications.models import Template

    first = submit(api)  # the reporter gave ahmad@example.sa
    txn = report(first).transaction
    Template.objects.create(
        entity_id=txn.entity_id,
        step="report_closed",
        channel="email",
        language="ar",
        body=defaults.EMAIL["report_closed"][0],
        subject="عولج بلاغكم",
    )
    close_with_proof(municipal.inspector, first, "رُدمت الحفرة")
    mail = Notification.objects.get(transaction__reference=first, channel="email")
    assert mail.subject == f"{first} — عولج بلاغكم"
