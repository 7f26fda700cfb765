"""Probe: the entity administration pages answer only the entity's own administrator.

Every page and every act of `/administration/EMK/`, read and posted by everyone who is not
the Emirate's administrator — its clerks, heads, executive and auditor, a governorate's
administrator (a child entity), another entity's administrator and clerk — and the Emirate's
administrator reaching into other entities (their address, their people and units through
the Emirate's address). A leak is any answer but the 404 of a missing page, or any change
written (an audit record, an account, a membership, a unit, a holiday, a key).
"""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from tests.security.report import record
from wasl.audit.models import AuditRecord
from wasl.directory import services as directory
from wasl.directory.models import Membership, Unit
from wasl.exchange import members
from wasl.exchange.models import MemberKey
from wasl.registry.models import Holiday

pytestmark = pytest.mark.django_db


def state() -> tuple[Any, ...]:
    """Everything the pages could change."""
    return (
        AuditRecord.objects.count(),
        tuple(get_user_model().objects.order_by("pk").values_list("pk", "is_active", "password")),
        tuple(Membership.objects.order_by("pk").values_list("pk", "unit_id", "role", "is_active")),
        tuple(Unit.objects.order_by("pk").values_list("pk", "name_ar", "is_registry", "parent_id")),
        tuple(Holiday.objects.values_list("date", "name_ar")),
        tuple(MemberKey.objects.order_by("pk").values_list("key_id", "valid_until")),
    )


def test_no_one_else_reaches_the_administration_of_an_entity(cast: Any) -> None:
    members.init_node("NODE-T", "http://testserver")
    members.join(cast.emk)
    Holiday.objects.create(date="2027-02-22", name_ar="يوم التأسيس")
    people = {}
    for username, unit in [("amn_admin", cast.amanah_registry), ("jed_admin", cast.jed_office)]:
        user, _ = directory.ensure_person(username=username, first_name="س", last_name="ع")
        directory.grant(user, unit, "entity_admin")
        people[username] = user
    for name in (
        "clerk",
        "head",
        "executive",
        "auditor",
        "rights_head",
        "governor_office",
        "outsider",
    ):
        people[name] = getattr(cast, name).user
    rights = cast.rights.public_id
    base = "/administration/EMK"
    reads = [
        f"{base}/",
        f"{base}/people/new/",
        f"{base}/people/clerk/",
        f"{base}/people/admin/",
        f"{base}/units/",
        f"{base}/units/{rights}/",
        f"{base}/calendar/",
        f"{base}/due-times/",
        f"{base}/keys/",
    ]
    acts: list[tuple[str, dict[str, Any]]] = [
        (
            f"{base}/people/new/",
            {
                "username": "intruder",
                "first_name": "a",
                "last_name": "b",
                "unit": str(rights),
                "roles": ["entity_admin"],
            },
        ),
        (f"{base}/people/clerk/", {"unit": str(rights), "roles": ["entity_admin"]}),
        (f"{base}/people/clerk/deactivate/", {}),
        (f"{base}/people/admin/deactivate/", {}),
        (f"{base}/people/clerk/reset/", {}),
        (f"{base}/people/admin/reset/", {}),
        (f"{base}/units/", {"code": "X", "name_ar": "س"}),
        (f"{base}/units/{rights}/", {"act": "rename", "rename-name_ar": "س"}),
        (f"{base}/units/{rights}/", {"act": "registry"}),
        (f"{base}/units/{rights}/", {"act": "heads", "heads-heads": ["clerk"]}),
        (f"{base}/calendar/", {"day": "2027-03-01", "name_ar": "س"}),
        (f"{base}/calendar/2027-02-22/remove/", {}),
        (f"{base}/keys/", {}),
    ]
    attempts = leaks = errors = 0
    before = state()
    for name, user in people.items():
        client = Client()
        client.force_login(user)
        # /administration/ leads an administrator to their own entity, and no one else anywhere.
        home = client.get("/administration/")
        attempts += 1
        own = {"amn_admin": "/administration/AMN-JED/", "jed_admin": "/administration/GOV-JED/"}
        leaks += (home.status_code, getattr(home, "url", None)) != (
            (302, own[name]) if name in own else (404, None)
        )
        for path in reads:
            response = client.get(path)
            attempts += 1
            errors += response.status_code >= 500
            leaks += response.status_code != 404
        for path, data in acts:
            response = client.post(path, data)
            attempts += 1
            errors += response.status_code >= 500
            leaks += response.status_code != 404
    # The Emirate's administrator, reaching out of the Emirate.
    admin = Client()
    admin.force_login(cast.admin.user)
    outward = [
        ("get", "/administration/AMN-JED/", {}),
        ("get", "/administration/GOV-JED/", {}),
        ("get", f"{base}/people/outsider/", {}),
        ("post", f"{base}/people/outsider/deactivate/", {}),
        ("post", f"{base}/people/outsider/reset/", {}),
        ("get", f"{base}/units/{cast.amanah_registry.public_id}/", {}),
        ("post", f"{base}/units/{cast.jed_office.public_id}/", {"act": "registry"}),
        ("post", "/administration/AMN-JED/keys/", {}),
        ("post", "/administration/GOV-JED/calendar/", {"day": "2027-03-01", "name_ar": "س"}),
    ]
    for method, path, data in outward:
        response = getattr(admin, method)(path, data)
        attempts += 1
        errors += response.status_code >= 500
        leaks += response.status_code != 404
    changed = state() != before
    # Not blind: the same addresses answer the Emirate's administrator.
    assert all(admin.get(path).status_code == 200 for path in reads)
    record(
        "entity administration: outsiders and other entities",
        attempts=attempts,
        leaks=leaks + changed,
        errors_5xx=errors,
    )
    assert (leaks, errors, changed) == (0, 0, False)
    assert attempts == len(people) * (1 + len(reads) + len(acts)) + len(outward)
