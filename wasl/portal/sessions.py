"""Who is signed in to the portal: a `Person` kept under one key of Django's session.

Never `request.user`: a person signed in here is anonymous to the staff pages, the admin and
the API. The portal's session ends WASL_PORTAL_SESSION_SECONDS after sign-in, and sooner after
WASL_PORTAL_IDLE_SECONDS without a request.
"""

from __future__ import annotations

import time

from django.conf import settings
from django.http import HttpRequest

from .models import Person

KEY = "wasl_portal"


def sign_in(request: HttpRequest, person: Person, *, via: str, id_token: str = "") -> None:
    """Start the person's portal session, under a new session key (no fixation)."""
    request.session.cycle_key()
    now = int(time.time())
    request.session[KEY] = {
        "person": str(person.public_id),
        "since": now,
        "seen": now,
        "via": via,
        "id_token": id_token,
    }


def sign_out(request: HttpRequest) -> dict[str, object]:
    """End the portal session; what it held (the ID token, to sign out at the provider)."""
    held = request.session.pop(KEY, None) or {}
    request.session.cycle_key()
    return dict(held)


def current_person(request: HttpRequest) -> tuple[Person | None, bool]:
    """The signed-in person, and whether a session has just expired (to say so)."""
    held = request.session.get(KEY)
    if not isinstance(held, dict):
        return None, False
    now = time.time()
    since, seen = held.get("since", 0), held.get("seen", 0)
    if (
        now - since > settings.WASL_PORTAL_SESSION_SECONDS
        or now - seen > settings.WASL_PORTAL_IDLE_SECONDS
    ):
        request.session.pop(KEY, None)
        return None, True
    person = Person.objects.filter(public_id=held.get("person")).first()
    if person is None:
        request.session.pop(KEY, None)
        return None, False
    if now - seen > 30:  # not a session write on every request
        held["seen"] = int(now)
        request.session[KEY] = held
    return person, False
