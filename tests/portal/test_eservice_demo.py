"""Every one of the demo Emirate's 33 e-services can be applied for, by the people it is for,
and becomes a registered transaction in its receiving unit."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import QueryDict
from django.utils import timezone

from tests.conftest import Cast
from wasl.directory import services as directory
from wasl.directory.models import Entity
from wasl.portal import services as portal
from wasl.portal.eservices import services
from wasl.portal.eservices.answers import input_name, read_step
from wasl.portal.eservices.models import Service
from wasl.registry.models import Attachment, Transaction

from .conftest import CITIZEN, CITIZEN_2, RESIDENT
from .eservice_fixtures import PDF


def answer(f: dict[str, Any], post: QueryDict, files: dict[str, Any]) -> None:
    """A valid answer to any field of the demo."""
    name = input_name(f["key"])
    kind = f["type"]
    if kind == "text":
        post[name] = "نص تجريبي"
    elif kind == "number":
        post[name] = str(max(f.get("min", 1), 1))
    elif kind == "date":
        soon = timezone.localdate() + timedelta(days=30)
        post[name] = soon.isoformat() if f.get("when") == "future" else "1440/01/01"
    elif kind == "choice":
        post.setlist(name, [f["options"][0]["value"]])
    elif kind == "id_number":
        post[name] = RESIDENT.id_number if f.get("kinds") == ["resident"] else CITIZEN_2.id_number
    elif kind == "phone":
        post[name] = "0501234567"
    elif kind == "file":
        files[name] = SimpleUploadedFile("ورقة.pdf", PDF, content_type="application/pdf")
    else:
        post[name + "_lat"], post[name + "_lon"] = "21.4", "39.8"


def test_each_demo_service_is_applied_for_and_registered_in_its_unit(cast: Cast) -> None:
    emirate = Entity.objects.get(code="EMK")
    for code in ("VISITORS", "FOLLOWUP", "PRISONERS", "DEVELOPMENT", "LEGAL", "UNDERSEC"):
        directory.ensure_unit(entity=emirate, code=code, name_ar=code, name_en=code)
    loaded = services.load_demo_services()
    assert loaded.missing_units == []
    people = {
        "citizen": portal.sign_in_with_claims(CITIZEN.claims()),
        "resident": portal.sign_in_with_claims(RESIDENT.claims()),
    }
    for service in Service.objects.select_related("current"):
        definition = service.current.definition
        person = people[service.current.audience]
        app = services.start_application(person, service.code)
        for index, step in enumerate(definition["steps"]):
            post, files = QueryDict(mutable=True), {}
            for f in step["fields"]:
                answer(f, post, files)
            read = read_step(
                definition, index, post, files, app.answers, person.kind, complete=True
            )
            assert not read.errors, (service.code, read.errors)
            app = services.save_step(person, app.public_id, read, go_to=index + 1)
        done = services.submit_application(person, app.public_id)
        txn = done.transaction
        assert txn is not None, service.code
        assert (txn.entity.code, txn.unit.code) == (
            definition["receiver"]["entity"],
            definition["receiver"]["unit"],
        )
        assert txn.party_id_number == person.id_number and txn.kind == definition["kind"]
    assert Transaction.objects.count() == 33
    assert Transaction.objects.filter(party_type="resident").count() == 15
    assert Attachment.objects.exists()
