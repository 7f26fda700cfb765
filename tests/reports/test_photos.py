"""Photos of a report: up to five, from the API, Open311 and the call centre; decoded by Pillow,
resized, and stored without their location and camera metadata; a refused request stores
nothing."""

from __future__ import annotations

import hashlib
import io
import json
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from PIL import Image

from wasl.registry.models import Attachment, Transaction
from wasl.reports import services
from wasl.reports.models import Report, ReportPhoto

from .conftest import RED_SEA, jpeg, report_data

MB = 1024 * 1024


def upload(data: bytes, name: str = "photo.jpg", content_type: str = "image/jpeg") -> Any:
    return SimpleUploadedFile(name, data, content_type=content_type)


def post_with_photos(client: Client, photos: list[Any], **overrides: Any) -> Any:
    return client.post(
        "/api/v1/reports/with-photos",
        {"report": json.dumps(report_data(**overrides)), "photos": photos},
    )


def stored_files() -> list[Path]:
    root = Path(settings.MEDIA_ROOT)
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


def nothing_kept() -> None:
    assert Report.objects.count() == 0
    assert Transaction.objects.count() == 0
    assert Attachment.objects.count() == 0
    assert stored_files() == []


def test_a_phones_photo_is_stored_upright_small_and_without_its_metadata(municipal):
    sent = jpeg((2400, 1800), gps=True)
    response = post_with_photos(Client(), [upload(sent), upload(jpeg(fmt="PNG"), "b.png")])
    assert response.status_code == 201, response.content
    body = response.json()
    assert len(body["photos"]) == 2
    first = ReportPhoto.objects.order_by("pk").first()
    assert first is not None
    assert first.original_sha256 == hashlib.sha256(sent).hexdigest()
    assert first.original_size == len(sent)
    # Anyone (no sign-in) gets the clean copy.
    photo = Client().get(body["photos"][0]["url"])
    assert photo.status_code == 200 and photo["Content-Type"] == "image/jpeg"
    data = b"".join(photo.streaming_content)
    for secret in (b"PhoneMaker", b"Model X-940", b"SERIAL-123456", b"Ahmad", b"Exif"):
        assert secret not in data
    with Image.open(io.BytesIO(data)) as image:
        assert not image.getexif()
        assert image.info.get("comment") is None
        assert image.size == (1200, 1600)  # turned upright (EXIF orientation 6), long side 1600
    # The only file kept is the clean copy: no original anywhere under the media root.
    assert len(stored_files()) == 2
    assert not any(p.read_bytes() == sent for p in stored_files())
    txn = Report.objects.get().transaction
    assert txn.attachments.count() == 2
    assert txn.events.filter(action="attached").count() == 2


def test_a_file_that_is_not_an_image_is_refused_and_nothing_is_kept(municipal):
    for data, name in (
        (b"this is not a photo at all", "photo.jpg"),
        (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n", "photo.jpg"),
        (b"\xff\xd8\xff\xe0" + b"\x00" * 200, "truncated.jpg"),  # a JPEG's header, no image
    ):
        response = post_with_photos(Client(), [upload(jpeg()), upload(data, name)])
        assert response.status_code == 400, response.content
        assert response.json()["code"] == "photo_not_an_image"
        assert response.json()["message_ar"]
    nothing_kept()


def test_a_40_mb_photo_is_refused_before_it_is_read_whole(municipal):
    big = b"\xff\xd8\xff\xe0" + b"\x00" * (40 * MB)
    response = post_with_photos(Client(), [upload(big)])
    assert response.status_code == 413, response.content
    assert response.json()["code"] == "photo_too_large"
    nothing_kept()


def test_a_request_longer_than_five_photos_is_refused_from_its_length(municipal):
    client = Client()
    response = client.post(
        "/api/v1/reports/with-photos",
        b"x",
        content_type="multipart/form-data; boundary=xyz",
        CONTENT_LENGTH=str(60 * MB),
    )
    assert response.status_code == 413
    assert response.json()["code"] == "photo_too_large"
    nothing_kept()


def test_more_than_five_photos_are_refused(municipal):
    response = post_with_photos(Client(), [upload(jpeg(), f"{n}.jpg") for n in range(6)])
    assert response.status_code == 400
    assert response.json()["code"] == "too_many_photos"
    nothing_kept()


def test_a_decompression_bomb_is_refused(municipal):
    out = io.BytesIO()
    Image.new("1", (12_000, 9_000)).save(out, format="PNG")  # 108 million pixels, tiny file
    response = post_with_photos(Client(), [upload(out.getvalue(), "bomb.png", "image/png")])
    assert response.status_code == 400
    assert response.json()["code"] == "photo_not_an_image"
    nothing_kept()


def test_a_location_at_sea_with_a_good_photo_keeps_nothing(municipal):
    response = post_with_photos(Client(), [upload(jpeg())], lat=RED_SEA[0], lon=RED_SEA[1])
    assert response.status_code == 400
    assert response.json()["code"] == "outside_service_area"
    nothing_kept()


def test_a_failure_after_the_photos_were_stored_leaves_no_file(municipal, monkeypatch):
    def broken(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("the disk filled up between two writes")

    monkeypatch.setattr(ReportPhoto.objects, "create", broken)
    client = Client(raise_request_exception=False)
    response = post_with_photos(client, [upload(jpeg()), upload(jpeg((80, 60)), "2.jpg")])
    assert response.status_code == 500
    nothing_kept()


def test_the_report_field_must_be_the_reports_json(municipal):
    response = Client().post(
        "/api/v1/reports/with-photos", {"report": "{not json", "photos": [upload(jpeg())]}
    )
    assert response.status_code == 400
    assert response.json()["field"] == "report"
    nothing_kept()


def test_open311_takes_media_and_lists_its_url(municipal):
    key = services.create_open311_key("تطبيق بلدي")
    client = Client()
    response = client.post(
        "/open311/v2/requests.json",
        {
            "api_key": key,
            "service_code": "waste",
            "lat": "21.435",
            "long": "39.81",
            "description": "مخلفات بناء على الرصيف",
            "attribute[waste_type]": "debris",
            "media": upload(jpeg(gps=True)),
        },
    )
    assert response.status_code == 201, response.content
    rid = response.json()[0]["service_request_id"]
    listed = client.get(f"/open311/v2/requests/{rid}.json").json()[0]
    assert listed["media_url"].startswith("http://testserver/reports/photo/")
    photo = client.get(listed["media_url"])
    assert b"PhoneMaker" not in b"".join(photo.streaming_content)
    refused = client.post(
        "/open311/v2/requests.xml",
        {
            "api_key": key,
            "service_code": "waste",
            "lat": "21.435",
            "long": "39.81",
            "description": "x",
            "attribute[waste_type]": "debris",
            "media": upload(b"GIF89a not really", "a.jpg"),
        },
    )
    assert refused.status_code == 400
    assert b"<errors>" in refused.content and b"not a photo" in refused.content
    assert Report.objects.count() == 1


def test_the_call_centre_attaches_the_callers_photos(municipal, client):
    agent = municipal.inspector
    client.force_login(agent.user)
    form = {
        "lat": "٢١٫٤٨٥",
        "lon": "39.185",
        "description": "حفرة أمام المسجد",
        "q_size": "large",
        "caller_name": "سعيد",
        "confirm_new": "on",
    }
    bad = client.post(
        "/reports/call-centre/pothole/", {**form, "photos": [upload(b"not an image")]}
    )
    assert bad.status_code == 400
    assert "ليس صورة" in bad.content.decode()
    assert Report.objects.count() == 0
    good = client.post("/reports/call-centre/pothole/", {**form, "photos": [upload(jpeg())]})
    assert good.status_code == 302, good.content.decode()[:2000]
    report = Report.objects.get()
    assert report.photos.count() == 1
    page = client.get(good["Location"])
    assert ReportPhoto.objects.get().public_id.hex[:8] in page.content.decode().replace("-", "")


def test_the_call_centre_refuses_a_40_mb_photo_with_a_clear_message(municipal, client):
    client.force_login(municipal.inspector.user)
    big = b"\xff\xd8\xff\xe0" + b"\x00" * (40 * MB)
    response = client.post(
        "/reports/call-centre/pothole/",
        {"lat": "21.485", "lon": "39.185", "description": "x", "photos": [upload(big)]},
    )
    assert response.status_code == 413
    assert "ميجابايت" in response.content.decode()
    nothing_kept()
