"""Closing with proof: staff close a report only with a photo and a note; the reporter may
confirm or reopen within the window and rate the service. Every change records its timeline
event and its audit entry in the same database transaction."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from wasl.audit.models import AuditRecord
from wasl.core.errors import WaslError
from wasl.registry import services as registry
from wasl.reports import photos, services
from wasl.reports.models import Report

from .conftest import close_with_proof, jpeg, report_data


def submit(person: Any = None) -> dict[str, Any]:
    headers = {"HTTP_AUTHORIZATION": f"Bearer {person.token}"} if person else {}
    response = Client().post(
        "/api/v1/reports", json.dumps(report_data()), content_type="application/json", **headers
    )
    assert response.status_code == 201, response.content
    body: dict[str, Any] = response.json()
    return body


def post(path: str, data: dict[str, Any], person: Any = None) -> Any:
    headers = {"HTTP_AUTHORIZATION": f"Bearer {person.token}"} if person else {}
    return Client().post(
        "/api/v1" + path, json.dumps(data), content_type="application/json", **headers
    )


def close_by_api(person: Any, reference: str, **data: Any) -> Any:
    return Client().post(
        f"/api/v1/reports/{reference}/close",
        data,
        HTTP_AUTHORIZATION=f"Bearer {person.token}",
    )


def proof() -> SimpleUploadedFile:
    return SimpleUploadedFile("fixed.jpg", jpeg(gps=True), content_type="image/jpeg")


def actions(reference: str) -> list[str]:
    return list(
        AuditRecord.objects.filter(data__reference=reference)
        .order_by("pk")
        .values_list("action", flat=True)
    )


def test_staff_close_with_a_photo_and_a_note_and_the_public_sees_the_proof(municipal):
    made = submit()
    ref = made["reference"]
    response = close_by_api(municipal.inspector, ref, note="رُدمت الحفرة وسُفلتت", photos=[proof()])
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["status"] == "closed" and body["resolution_note"] == "رُدمت الحفرة وسُفلتت"
    assert len(body["proof_photos"]) == 1
    report = Report.objects.get()
    assert report.transaction.state == "closed"
    assert report.feedback_until is not None
    assert report.feedback_until - timezone.now() > timedelta(days=6)
    assert report.transaction.events.filter(action="closed").get().note == "رُدمت الحفرة وسُفلتت"
    assert actions(ref)[-3:] == [
        "registry.transaction.attached",
        "registry.transaction.closed",
        "reports.report.closed",
    ]
    public = Client().get(f"/reports/p/{ref}/")
    assert public.status_code == 200
    assert "رُدمت الحفرة" in public.content.decode()
    assert "أحمد الزهراني" not in public.content.decode()


@pytest.mark.parametrize(
    "data, field",
    [({"note": "تم"}, "photos"), ({"note": ""}, "note")],
)
def test_a_report_is_not_closed_without_photo_or_note(municipal, data, field):
    ref = submit()["reference"]
    if field == "note":
        data = {**data, "photos": [proof()]}
    response = close_by_api(municipal.inspector, ref, **data)
    assert response.status_code == 400
    assert response.json()["code"] == "proof_required"
    report = Report.objects.get()
    assert report.transaction.state != "closed"
    assert report.photos.count() == 0 and report.transaction.attachments.count() == 0


def test_the_registrys_own_close_is_refused_for_a_report(municipal):
    ref = submit()["reference"]
    txn = Report.objects.get().transaction
    with pytest.raises(WaslError) as refused:
        registry.close(municipal.inspector.actor, txn.public_id, reason="أغلقت")
    assert refused.value.code == "proof_required"
    txn.refresh_from_db()
    assert txn.state != "closed"
    assert "registry.transaction.closed" not in actions(ref)


def test_the_same_close_sent_twice_closes_once(municipal):
    ref = submit()["reference"]
    first = close_by_api(municipal.inspector, ref, note="تم", photos=[proof()])
    second = close_by_api(municipal.inspector, ref, note="تم", photos=[proof()])
    assert first.status_code == 200
    assert second.status_code == 409 and second.json()["code"] == "report_not_open"
    report = Report.objects.get()
    assert report.photos.count() == 1
    assert report.transaction.events.filter(action="closed").count() == 1
    assert actions(ref).count("reports.report.closed") == 1


def test_the_same_close_sent_twice_with_one_idempotency_key_gets_the_first_answer(municipal):
    ref = submit()["reference"]
    client = Client()
    answers = [
        client.post(
            f"/api/v1/reports/{ref}/close",
            {"note": "تم", "photos": [proof()]},
            HTTP_AUTHORIZATION=f"Bearer {municipal.inspector.token}",
            HTTP_IDEMPOTENCY_KEY="close-once-7f3a",
        )
        for _ in range(2)
    ]
    assert [a.status_code for a in answers] == [200, 200]
    assert answers[0].json() == answers[1].json()
    assert Report.objects.get().photos.count() == 1


def test_someone_outside_the_unit_cannot_close(municipal):
    ref = submit()["reference"]
    response = close_by_api(municipal.makkah_inspector, ref, note="تم", photos=[proof()])
    assert response.status_code == 404
    assert Report.objects.get().transaction.state != "closed"


def test_the_anonymous_reporter_confirms_with_the_key_and_rates(municipal):
    made = submit()
    ref, key = made["reference"], made["reporter_key"]
    close_with_proof(municipal.inspector, ref)
    assert post(f"/reports/{ref}/confirm", {"reporter_key": "r940_wrong"}).status_code == 403
    confirmed = post(f"/reports/{ref}/confirm", {"reporter_key": key})
    assert confirmed.status_code == 200, confirmed.content
    assert confirmed.json()["confirmed"] is True
    again = post(f"/reports/{ref}/confirm", {"reporter_key": key})
    assert again.status_code == 409 and again.json()["code"] == "report_not_closed"
    rated = post(f"/reports/{ref}/rate", {"reporter_key": key, "rating": 4, "note": "سريع"})
    assert rated.status_code == 200 and rated.json()["rating"] == 4
    twice = post(f"/reports/{ref}/rate", {"reporter_key": key, "rating": 1})
    assert twice.status_code == 409 and twice.json()["code"] == "already_rated"
    assert post(f"/reports/{ref}/rate", {"reporter_key": key, "rating": 9}).status_code in (
        400,
        409,
    )
    assert "reports.report.confirmed" in actions(ref)
    assert "reports.report.rated" in actions(ref)
    txn = Report.objects.get().transaction
    assert txn.events.filter(action="commented").count() == 2


def test_a_rating_out_of_range_is_refused(municipal):
    made = submit()
    close_with_proof(municipal.inspector, made["reference"])
    for bad in (0, 6, "5", True, None, 4.5):
        response = post(
            f"/reports/{made['reference']}/rate",
            {"reporter_key": made["reporter_key"], "rating": bad},
        )
        assert response.status_code in (400, 422), (bad, response.content)
    assert Report.objects.get().rating is None


def test_the_signed_in_reporter_reopens_within_the_window(municipal):
    citizen = municipal.cast.clerk  # any person with a token who reported
    made = submit(citizen)
    ref = made["reference"]
    assert "reporter_key" not in made
    close_with_proof(municipal.inspector, ref)
    stranger = post(f"/reports/{ref}/reopen", {"reason": "لم تُصلح"}, municipal.inspector)
    assert stranger.status_code == 403 and stranger.json()["code"] == "not_the_reporter"
    reopened = post(f"/reports/{ref}/reopen", {"reason": "الحفرة ما زالت"}, citizen)
    assert reopened.status_code == 200, reopened.content
    assert reopened.json()["status"] == "open"
    report = Report.objects.get()
    assert report.transaction.state == "reopened"
    assert "الحفرة ما زالت" in report.transaction.events.get(action="reopened").note
    # Closed again, it needs new proof.
    close_with_proof(municipal.inspector, ref, "أعيد السفلتة")
    assert report.photos.filter(kind="proof").count() == 2


def test_a_reopen_after_the_window_is_refused(municipal, settings):
    made = submit()
    ref, key = made["reference"], made["reporter_key"]
    close_with_proof(municipal.inspector, ref)
    Report.objects.update(feedback_until=timezone.now() - timedelta(seconds=1))
    response = post(f"/reports/{ref}/reopen", {"reporter_key": key, "reason": "لم تُصلح"})
    assert response.status_code == 409
    body = response.json()
    assert body["code"] == "feedback_window_over" and body["message_ar"]
    assert Report.objects.get().transaction.state == "closed"
    # Rating is still welcome after the window.
    assert post(f"/reports/{ref}/rate", {"reporter_key": key, "rating": 2}).status_code == 200


def test_the_window_is_a_setting(municipal, settings):
    settings.WASL_REPORT_FEEDBACK_DAYS = 2
    made = submit()
    report = close_with_proof(municipal.inspector, made["reference"])
    assert timedelta(days=1) < report.feedback_until - timezone.now() <= timedelta(days=2)


def test_a_call_centre_report_is_not_the_agents_to_confirm(municipal):
    agent = municipal.inspector
    report = services.submit_report(
        category="pothole",
        lat=21.485,
        lon=39.185,
        description="حفرة",
        answers={"size": "small"},
        channel="call_centre",
        reported_by_id=agent.user.pk,
    )
    ref = report.transaction.reference
    close_with_proof(agent, ref)
    with pytest.raises(WaslError) as refused:
        services.confirm_report(services.Reporter(user_id=agent.user.pk), ref)
    assert refused.value.code == "not_the_reporter"


def test_a_failed_step_leaves_no_event_and_no_audit_entry(municipal, monkeypatch):
    made = submit()
    ref = made["reference"]
    close_with_proof(municipal.inspector, ref)
    before = (AuditRecord.objects.count(), Report.objects.get().transaction.events.count())

    def broken(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("the audit log is unavailable")

    monkeypatch.setattr(services.audit, "record", broken)
    with pytest.raises(RuntimeError):
        services.confirm_report(services.Reporter(key=made["reporter_key"]), ref)
    monkeypatch.undo()
    report = Report.objects.get()
    assert report.confirmed_at is None
    assert (AuditRecord.objects.count(), report.transaction.events.count()) == before


def test_the_staff_close_page_takes_the_proof(municipal, client):
    ref = submit()["reference"]
    client.force_login(municipal.inspector.user)
    page = client.get(f"/reports/close/{ref}/")
    assert page.status_code == 200
    empty = client.post(f"/reports/close/{ref}/", {"note": "تم"})
    assert empty.status_code == 400
    assert Report.objects.get().transaction.state != "closed"
    done = client.post(f"/reports/close/{ref}/", {"note": "تم الردم", "photos": [proof()]})
    assert done.status_code == 302
    assert Report.objects.get().transaction.state == "closed"
    client.force_login(municipal.makkah_inspector.user)
    assert client.get(f"/reports/close/{ref}/").status_code == 404


def test_the_signed_in_reporter_answers_on_the_public_page(municipal, client):
    citizen = municipal.cast.clerk
    ref = submit(citizen)["reference"]
    close_with_proof(municipal.inspector, ref)
    client.force_login(citizen.user)
    page = client.get(f"/reports/p/{ref}/")
    assert "reopen" in page.content.decode()
    response = client.post(f"/reports/p/{ref}/confirm/")
    assert response.status_code == 302
    assert Report.objects.get().confirmed_at is not None
    response = client.post(f"/reports/p/{ref}/rate/", {"rating": "٥"})
    assert Report.objects.get().rating == 5


def test_the_prepared_proof_has_no_metadata():
    photo = photos.prepare([jpeg(gps=True)])
    assert b"PhoneMaker" not in photo.data and b"Exif" not in photo.data
