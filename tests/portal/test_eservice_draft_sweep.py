"""The files of abandoned drafts: deleted after WASL_PORTAL_DRAFT_FILES_DAYS days untouched by
the worker's daily job, unless an attachment or another draft still refers to them; the draft
keeps its other answers and asks for the file again beside its field."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from django.test import Client
from django.utils import timezone

from tests.conftest import Cast
from wasl.audit.models import AuditRecord
from wasl.portal.eservices import services
from wasl.portal.eservices.models import Application, Service
from wasl.registry import attachments as attachment_files
from wasl.worker import schedule

from .conftest import CITIZEN, CITIZEN_2
from .eservice_fixtures import PDF, WAIVER, deed, services_file
from .test_eservices import fill_to_review, signed_in


@pytest.fixture
def waiver(cast: Cast) -> Service:
    services.import_services(services_file(WAIVER), by="test")
    return Service.objects.get(code="test-waiver")


def draft_of(client: Client, content: bytes = PDF) -> tuple[Application, Path, str]:
    """A draft through to the review, its deed `content`: the draft, the deed's file, and
    the review page's address."""
    review = fill_to_review(client)
    attach(client, review, content)
    app = Application.objects.filter(state="draft").latest("updated_at")
    path = attachment_files.blob_path(app.answers["deed"]["sha256"])
    assert path.exists()
    return app, path, review


def attach(client: Client, review: str, content: bytes) -> None:
    second = review.replace("/review/", "/step/2/")
    answer = client.post(second, {"f_deed": deed(content=content), "f_phone": "0501234567"})
    assert answer.status_code == 302, answer.content.decode()[:2000]


def age(app: Application, days: int) -> None:
    Application.objects.filter(pk=app.pk).update(updated_at=timezone.now() - timedelta(days=days))


def test_an_abandoned_drafts_file_is_deleted_and_the_draft_asks_for_it_again(
    cast: Cast, waiver: Service, settings
) -> None:
    settings.WASL_PORTAL_DRAFT_FILES_DAYS = 30
    client = signed_in(CITIZEN.subject)
    old, old_file, review = draft_of(client, PDF + b"% the first\n")
    recent, recent_file, _ = draft_of(signed_in(CITIZEN_2.subject), PDF + b"% the second\n")
    age(old, 31)
    age(recent, 29)

    assert services.sweep_draft_files() == 1
    assert not old_file.exists() and recent_file.exists()
    old.refresh_from_db()
    assert "deed" not in old.answers and old.answers["phone"] == "+966501234567"
    assert "deed" in Application.objects.get(pk=recent.pk).answers
    record = AuditRecord.objects.get(action="portal.application.files_swept")
    assert record.object_id == str(old.public_id)
    assert record.data == {"fields": ["deed"], "untouched_days": 30}
    # Run again: nothing left to do.
    assert services.sweep_draft_files() == 0
    assert AuditRecord.objects.filter(action="portal.application.files_swept").count() == 1
    # Submitting now: the file is asked for again, beside its field.
    answer = client.post(review)
    assert answer.status_code == 400
    assert 'id="f_deed_error"' in answer.content.decode()


def test_a_file_another_draft_or_an_attachment_still_uses_is_kept(
    cast: Cast, waiver: Service, settings
) -> None:
    settings.WASL_PORTAL_DRAFT_FILES_DAYS = 30
    mine = signed_in(CITIZEN.subject)
    old, shared_file, review = draft_of(mine)
    theirs = signed_in(CITIZEN_2.subject)
    _, same_file, their_review = draft_of(theirs)  # the same content: one file
    assert same_file == shared_file
    age(old, 40)
    assert services.sweep_draft_files() == 0
    assert shared_file.exists() and "deed" not in Application.objects.get(pk=old.pk).answers

    # The other draft is submitted: its file is now a transaction's attachment.
    assert theirs.post(their_review).status_code == 302
    attach(mine, review, PDF)
    age(old, 40)
    assert services.sweep_draft_files() == 0
    assert shared_file.exists() and "deed" not in Application.objects.get(pk=old.pk).answers


def test_the_days_come_from_the_setting(cast: Cast, waiver: Service, settings) -> None:
    old, old_file, _ = draft_of(signed_in(CITIZEN.subject))
    age(old, 31)
    settings.WASL_PORTAL_DRAFT_FILES_DAYS = 45
    assert services.sweep_draft_files() == 0 and old_file.exists()
    settings.WASL_PORTAL_DRAFT_FILES_DAYS = 30
    assert services.sweep_draft_files() == 1 and not old_file.exists()


def test_the_worker_runs_the_sweep_daily() -> None:
    (job,) = [j for j in schedule.SCHEDULE if j.name == "eservices.sweep_draft_files"]
    assert job.every == timedelta(days=1)
    assert job.task.func.__module__ == "wasl.portal.eservices.tasks"
