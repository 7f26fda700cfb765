"""Every change of the e-services: publishing a definition (a new version on each edit),
importing a services file, and a person's application — started, saved step by step,
submitted as a registered transaction.

An application is registered through the registry's own `register_transaction` by the
channel's system account (`wasl-tawasul`, a clerk of every receiving unit, granted when the
services are imported), in the service's receiving unit, with the person as its party; the
application row changes in the same database transaction, so a refusal anywhere leaves
nothing behind.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction as db
from django.db.models import TextField
from django.db.models.functions import Cast
from django.utils import timezone

from wasl.audit import services as audit
from wasl.core import hijri
from wasl.core.errors import Forbidden, InvalidInput, NotFound, WaslError
from wasl.directory import services as directory
from wasl.directory.actors import Actor, actor_for
from wasl.directory.models import Unit, entity_code_of
from wasl.portal.models import Person
from wasl.registry import attachments as attachment_files
from wasl.registry import calendar
from wasl.registry import services as registry
from wasl.registry.models import Attachment, Transaction

from . import definitions
from .answers import StepAnswers, missing_answers
from .definitions import fields
from .models import Application, ApplicationState, Audience, Service, ServiceVersion

CHANNEL_USERNAME = "wasl-tawasul"
DEMO_FILE = Path(__file__).parent / "data" / "emirate_services.json"
SUBJECT_MAX = 500


# ---------------------------------------------------------------------------------------------
# Definitions


def publish(
    definition: object, *, by: str, position: int | None = None
) -> tuple[ServiceVersion, bool]:
    """نشر خدمة — publish a service's definition: a new version when it differs from the
    current one (the first version of a new service), else nothing. Earlier versions stay as
    they were, with every application made on them. Records `portal.eservice.published`."""
    checked = definitions.check_definition(definition)
    digest = definitions.digest(checked)
    now = timezone.now()
    with db.atomic():
        service, _ = Service.objects.select_for_update().get_or_create(
            code=checked["code"], defaults={"created_at": now}
        )
        if position is not None and service.position != position:
            service.position = position
            service.save(update_fields=["position"])
        current = service.current
        if current is not None and current.digest == digest:
            return current, False
        version = ServiceVersion.objects.create(
            service=service,
            number=(current.number if current else 0) + 1,
            definition=checked,
            name_ar=checked["name"]["ar"],
            name_en=checked["name"]["en"],
            audience=checked["audience"],
            digest=digest,
            published_at=now,
            published_by=by[:150],
        )
        service.current = version
        service.save(update_fields=["current"])
        audit.record(
            "portal.eservice.published",
            chain="portal",
            object_type="eservice",
            object_id=service.code,
            actor=by[:150],
            data={
                "version": [current.number if current else None, version.number],
                "digest": digest,
            },
            at=now,
        )
    return version, True


@dataclass
class Imported:
    services: int = 0
    new_versions: int = 0
    grants: int = 0
    missing_units: list[str] = field(default_factory=list)


def import_services(data: object, *, by: str) -> Imported:
    """Import a services file (format wasl.eservices/1): the whole file is checked against
    the schema first and refused whole if any part is wrong; then each service is published
    (a new version where it changed) and the channel's account is made a clerk of every
    receiving unit that exists. Receiving units that do not exist are named in
    `missing_units` (applications to those services are refused until they do)."""
    services = definitions.check_file(data)
    result = Imported()
    with db.atomic():
        user, _ = directory.ensure_person(
            username=CHANNEL_USERNAME, first_name="تواصل", last_name="الخدمات الإلكترونية"
        )
        for position, definition in enumerate(services):
            _, created = publish(definition, by=by, position=position)
            result.services += 1
            result.new_versions += created
            unit = _receiving_unit(definition)
            if unit is None:
                name = f"{definition['receiver']['entity']}/{definition['receiver']['unit']}"
                if name not in result.missing_units:
                    result.missing_units.append(name)
            else:
                result.grants += directory.grant(user, unit, "clerk")[1]
    return result


def load_demo_services(by: str = "loadportaldemo") -> Imported:
    """The demo Emirate's 33 e-services (data/emirate_services.json)."""
    with DEMO_FILE.open(encoding="utf-8") as f:
        return import_services(json.load(f), by=by)


def export_services() -> dict[str, Any]:
    """Every active service's current definition, as a services file."""
    current = (
        Service.objects.filter(is_active=True, current__isnull=False)
        .select_related("current")
        .order_by("position", "code")
    )
    return {
        "format": definitions.FORMAT,
        "services": [s.current.definition for s in current if s.current is not None],
    }


# ---------------------------------------------------------------------------------------------
# Who may apply


def may_apply(person: Person, version: ServiceVersion) -> bool:
    """The service's audience against the person's ID type (1… citizen, 2… resident)."""
    return version.audience in (Audience.BOTH, person.kind)


def _not_for_you(version: ServiceVersion) -> Forbidden:
    if version.audience == Audience.CITIZEN:
        return Forbidden(
            "هذه الخدمة للمواطنين فقط (برقم الهوية الوطنية). لا يمكن تقديمها برقم إقامة.",
            "This service is for citizens only (with a national ID). It cannot be applied for "
            "with an iqama.",
            code="service_not_for_applicant",
        )
    return Forbidden(
        "هذه الخدمة للمقيمين فقط (برقم الإقامة). لا يمكن تقديمها برقم الهوية الوطنية.",
        "This service is for residents only (with an iqama). It cannot be applied for with a "
        "national ID.",
        code="service_not_for_applicant",
    )


def active_service(code: object) -> Service:
    service = None
    if isinstance(code, str) and len(code) <= 60:
        service = (
            Service.objects.select_related("current")
            .filter(code=code, is_active=True, current__isnull=False)
            .first()
        )
    if service is None:
        raise NotFound("الخدمة غير موجودة.", "No such service.", code="unknown_service")
    return service


# ---------------------------------------------------------------------------------------------
# Applications


def start_application(person: Person, code: object) -> Application:
    """بدء طلب — the person's saved draft of this service, or a new one on the service's
    current version. Refused (`service_not_for_applicant`) when the service is not for the
    person's ID type. Records `portal.application.started` for a new one."""
    service = active_service(code)
    assert service.current is not None
    if not may_apply(person, service.current):
        raise _not_for_you(service.current)
    with db.atomic():
        Person.objects.select_for_update().filter(pk=person.pk).first()
        draft = Application.objects.filter(
            person=person, service=service, state=ApplicationState.DRAFT
        ).first()
        if draft is not None:
            return draft
        now = timezone.now()
        made = Application.objects.create(
            person=person,
            service=service,
            version=service.current,
            created_at=now,
            updated_at=now,
        )
        audit.record(
            "portal.application.started",
            chain="portal",
            object_type="application",
            object_id=str(made.public_id),
            data={"service": service.code, "version": service.current.number},
            at=now,
        )
    return made


def own_draft(person: Person, application_id: object) -> Application:
    """One of the person's drafts; anyone else's, or a submitted one, is "not found"."""
    found = (
        Application.objects.select_related("version", "service")
        .filter(person=person, state=ApplicationState.DRAFT, public_id=str(application_id))
        .first()
    )
    if found is None:
        raise NotFound()
    return found


def save_step(
    person: Person, application_id: object, read: StepAnswers, *, go_to: int
) -> Application:
    """حفظ الخطوة — keep a step's answers on the server (files stored by content), so that the
    person can finish later on any device, and remember the step to continue at. Refused with
    the first error when any answer is wrong: nothing is kept then."""
    if read.errors:
        raise next(iter(read.errors.values()))
    # Checked already (answers.check_upload); stored now, kept across requests: a draft's
    # files have no attachment row yet.
    for key, upload in read.uploads.items():
        stored = attachment_files.keep(
            upload.chunks(), filename=upload.name, declared_type=upload.content_type or ""
        )
        read.answers[key] = {
            "sha256": stored.sha256,
            "filename": stored.filename,
            "size": stored.size,
            "content_type": stored.content_type,
        }
    with db.atomic():
        app = (
            Application.objects.select_for_update()
            .select_related("version")
            .filter(person=person, state=ApplicationState.DRAFT, public_id=str(application_id))
            .first()
        )
        if app is None:
            raise NotFound()
        app.answers = read.answers
        app.step = max(0, min(go_to, len(app.version.definition["steps"])))
        app.updated_at = timezone.now()
        app.save(update_fields=["answers", "step", "updated_at"])
    return app


class Problems(InvalidInput):
    """Answers the rules require are missing: one error per field, and the step to fix."""

    code = "answers_incomplete"

    def __init__(self, errors: dict[str, WaslError], step: int) -> None:
        super().__init__(
            "بعض الإجابات المطلوبة ناقصة. أكملها ثم قدّم الطلب.",
            "Some required answers are missing. Complete them, then submit.",
            field=next(iter(errors)),
        )
        self.errors = errors
        self.step = step


def _receiving_unit(definition: dict[str, Any]) -> Unit | None:
    receiver = definition["receiver"]
    return (
        Unit.objects.select_related("entity")
        .filter(
            entity__code=receiver["entity"],
            code=receiver["unit"],
            is_active=True,
            entity__is_active=True,
        )
        .first()
    )


def _unavailable() -> WaslError:
    return WaslError(
        "لا يمكن استقبال طلبات هذه الخدمة الآن. حفظنا طلبك؛ حاول لاحقًا.",
        "This service cannot take applications now. Your application is saved; try later.",
        code="service_unavailable",
        status=503,
    )


def _channel_actor(unit: Unit) -> Actor:
    user = get_user_model().objects.filter(username=CHANNEL_USERNAME, is_active=True).first()
    actor = actor_for(user) if user is not None else None
    if actor is None or not actor.works_in(unit.pk):
        raise _unavailable()
    return actor


def _shown(f: dict[str, Any], value: Any) -> str:
    """An answer as the receiving unit reads it (in Arabic)."""
    if f["type"] == "choice":
        labels = {o["value"]: o["label"]["ar"] for o in f["options"]}
        values = value if isinstance(value, list) else [value]
        return "، ".join(labels.get(v, str(v)) for v in values)
    if f["type"] == "date":
        return hijri.format_dual(date.fromisoformat(value))
    if f["type"] == "file":
        return f"مرفق: {value.get('filename', '')}"
    if f["type"] == "location":
        return f"{value['lat']}, {value['lon']}"
    return str(value)


def _body(definition: dict[str, Any], answers: dict[str, Any]) -> str:
    lines = [f"طلب مقدّم عبر بوابة تواصل: {definition['name']['ar']}", ""]
    for step in definition["steps"]:
        rows = [
            f"{f['label']['ar']}: {_shown(f, answers[f['key']])}"
            for f in step["fields"]
            if f["key"] in answers
        ]
        if rows:
            lines += [f"— {step['title']['ar']}", *rows, ""]
    return "\n".join(lines).strip()[: registry.BODY_MAX]


def _subject(definition: dict[str, Any], answers: dict[str, Any]) -> str:
    subject = definition["name"]["ar"]
    extra = answers.get(definition.get("subject_field", ""))
    if isinstance(extra, str) and extra:
        subject = f"{subject}: {extra}"
    return " ".join(subject.split())[:SUBJECT_MAX]


def _blob_chunks(sha256: str) -> Iterator[bytes]:
    with attachment_files.blob_path(sha256).open("rb") as f:
        while chunk := f.read(64 * 1024):
            yield chunk


def submit_application(person: Person, application_id: object) -> Application:
    """تقديم الطلب — a draft becomes a registered transaction: incoming, in the service's
    receiving unit, the person as its party, due after the service's SLA in working days,
    with the files given as its attachments, on the version the draft was started on (a
    newer version of the service does not change what this application needed).

    Checked first, on the server, whatever the browser did: the person may apply (by ID
    type), every answer the rules require is there (`answers_incomplete`, with each field's
    error). Then in one database transaction: registration, attachments, the application
    marked submitted, `portal.application.submitted` recorded."""
    with db.atomic():
        app = (
            Application.objects.select_for_update()
            .select_related("version", "service")
            .filter(person=person, state=ApplicationState.DRAFT, public_id=str(application_id))
            .first()
        )
        if app is None:
            raise NotFound()
        version = app.version
        definition = version.definition
        if not may_apply(person, version):
            raise _not_for_you(version)
        answers, errors, first = missing_answers(definition, app.answers, person.kind)
        if errors:
            raise Problems(errors, first or 0)
        for _, f in fields(definition):
            value = answers.get(f["key"])
            if f["type"] == "file" and value is not None:
                sha256 = value.get("sha256")
                if not sha256 or not attachment_files.blob_path(sha256).exists():
                    raise InvalidInput(
                        f"«{f['label']['ar']}»: الملف لم يعد محفوظًا؛ أرفقه مرة أخرى.",
                        f"{f['label']['en']}: the file is no longer kept; attach it again.",
                        code="file_missing",
                        field=f["key"],
                    )
        unit = _receiving_unit(definition)
        if unit is None:
            raise _unavailable()
        actor = _channel_actor(unit)
        now = timezone.now()
        today = timezone.localdate(now)
        txn: Transaction = registry.register_transaction(
            actor,
            unit=unit,
            direction="incoming",
            kind=definition["kind"],
            subject=_subject(definition, answers),
            body=_body(definition, answers),
            due_date=calendar.due_after(today, definition["sla_working_days"]),
            party=registry.Party(
                type=person.kind,
                name=person.name or f"صاحب الهوية …{person.id_number[-4:]}",
                id_number=person.id_number,
                phone=person.phone,
            ),
            external_reference=f"TAWASUL-{app.public_id.hex[:12].upper()}",
        )
        for _, f in fields(definition):
            value = answers.get(f["key"])
            if f["type"] == "file" and value is not None:
                registry.add_attachment(
                    actor,
                    txn.public_id,
                    chunks=_blob_chunks(value["sha256"]),
                    filename=value["filename"],
                    declared_type=value["content_type"],
                )
        app.answers = answers
        app.state = ApplicationState.SUBMITTED
        app.transaction = txn
        app.submitted_at = now
        app.updated_at = now
        app.save(update_fields=["answers", "state", "transaction", "submitted_at", "updated_at"])
        audit.record(
            "portal.application.submitted",
            chain=entity_code_of(txn.entity_id),
            object_type="application",
            object_id=str(app.public_id),
            actor=CHANNEL_USERNAME,
            data={
                "service": app.service.code,
                "version": version.number,
                "reference": txn.reference,
                "unit": unit.code,
            },
            at=now,
        )
    return app


def _with_files(drafts: Any) -> Any:
    """Of `drafts`, those whose answers hold a stored file (read from the answers as text:
    a draft's files are answers, not rows)."""
    return drafts.annotate(answers_text=Cast("answers", TextField())).filter(
        answers_text__contains='"sha256"'
    )


def sweep_draft_files(now: datetime | None = None) -> int:
    """ملفات المسودات المتروكة — the files of drafts nobody has touched for
    `WASL_PORTAL_DRAFT_FILES_DAYS` days are let go. Each such draft loses its file answers
    (its other answers stay; to go on, the person attaches the files again and is told so
    beside the field), with `portal.application.files_swept` recorded, in one database
    transaction per draft, the draft locked and its age read again. Then each file let go
    is deleted unless an attachment or another draft still refers to it (files are stored
    by content and shared). Safe to run twice. Returns how many files were deleted."""
    now = now or timezone.now()
    days = settings.WASL_PORTAL_DRAFT_FILES_DAYS
    cutoff = now - timedelta(days=days)
    stale = Application.objects.filter(state=ApplicationState.DRAFT, updated_at__lt=cutoff)
    released: set[str] = set()
    for pk in list(_with_files(stale).values_list("pk", flat=True)):
        with db.atomic():
            app = stale.select_for_update().filter(pk=pk).first()
            if app is None:  # submitted or continued since it was read
                continue
            files = {
                key: value
                for key, value in app.answers.items()
                if isinstance(value, dict) and value.get("sha256")
            }
            if not files:
                continue
            app.answers = {k: v for k, v in app.answers.items() if k not in files}
            app.save(update_fields=["answers"])
            audit.record(
                "portal.application.files_swept",
                chain="portal",
                object_type="application",
                object_id=str(app.public_id),
                data={"fields": sorted(files), "untouched_days": days},
                at=now,
            )
        released.update(value["sha256"] for value in files.values())
    drafts = Application.objects.filter(state=ApplicationState.DRAFT)
    deleted = 0
    for sha256 in sorted(released):
        if Attachment.objects.filter(sha256=sha256).exists():
            continue
        still = drafts.annotate(answers_text=Cast("answers", TextField()))
        if still.filter(answers_text__contains=sha256).exists():
            continue
        attachment_files.blob_path(sha256).unlink(missing_ok=True)
        deleted += 1
    return deleted
