"""Jalsa's cast: the Emirate's registry unit is the official's office (clerk, head), the
Jeddah Amanah's clerk is the outsider; the demo citizens and residents book."""

from __future__ import annotations

import time
from datetime import datetime, timedelta
from typing import Any

import pytest
from django.conf import settings
from django.test import Client
from django.utils import timezone

from tests.conftest import Cast
from wasl.core.identity import make_national_id
from wasl.portal import sessions
from wasl.portal.jalsa import services
from wasl.portal.jalsa.models import AudienceSession
from wasl.portal.models import Person
from wasl.portal.people import DEMO_PEOPLE


def make_person(n: int) -> Person:
    """The n-th demo person (0–3), or a made-up citizen beyond them (for crowds)."""
    now = timezone.now()
    if n < len(DEMO_PEOPLE):
        demo = DEMO_PEOPLE[n]
        number, name, phone = demo.id_number, demo.name_ar, demo.phone
    else:
        number, name, phone = make_national_id(f"1{n:08d}"), f"مواطن {n}", ""
    person, _ = Person.objects.get_or_create(
        id_number=number,
        defaults={
            "kind": "citizen" if number.startswith("1") else "resident",
            "name": name,
            "phone": phone,
            "created_at": now,
            "last_signed_in_at": now,
        },
    )
    return person


def make_session(
    cast: Cast, *, capacity: int = 3, starts_at: datetime | None = None, **overrides: Any
) -> AudienceSession:
    draft = services.SessionDraft(
        official_ar=overrides.get("official_ar", "سمو نائب أمير المنطقة"),
        official_en=overrides.get("official_en", "HRH the Deputy Emir"),
        place_ar="ديوان الإمارة، قاعة الاستقبال",
        place_en="Emirate Diwan, reception hall",
        topics_ar="الحقوق الخاصة، الشكاوى",
        topics_en="Private rights, complaints",
        starts_at=starts_at or timezone.now() + timedelta(days=2),
        slot_minutes=15,
        capacity=capacity,
    )
    return services.publish_session(cast.clerk.actor, cast.registry, draft)


def signed_in(person: Person, language: str = "ar") -> Client:
    """A browser of `person`, signed in to the portal (the session the sign-in writes)."""
    client = Client(raise_request_exception=False)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    session = client.session
    now = int(time.time())
    session[sessions.KEY] = {
        "person": str(person.public_id),
        "since": now,
        "seen": now,
        "via": "test",
        "id_token": "",
    }
    session.save()
    client.cookies[settings.SESSION_COOKIE_NAME] = session.session_key
    return client


@pytest.fixture
def office(cast: Cast) -> AudienceSession:
    return make_session(cast)
