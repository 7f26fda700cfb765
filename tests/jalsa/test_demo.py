"""The demo's audience sessions: published by the offices' clerks, once."""

from __future__ import annotations

from typing import Any

from django.core.management import call_command
from django.utils import timezone

from wasl.portal.jalsa.models import AudienceSession


def test_loadportaldemo_publishes_a_few_sessions_once(db: Any) -> None:
    call_command("loaddemo", verbosity=0)
    call_command("loadportaldemo", verbosity=0)
    sessions = AudienceSession.objects.filter(starts_at__gt=timezone.now())
    assert sessions.count() == 3
    assert {s.unit.entity.code for s in sessions} == {"GOV-JED", "AMN-JED"}
    assert all(timezone.localtime(s.starts_at).weekday() not in (4, 5) for s in sessions)
    call_command("loadportaldemo", verbosity=0)
    assert AudienceSession.objects.count() == 3
