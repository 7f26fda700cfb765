"""The demo region's audience sessions: a few sessions of the governor of Jeddah and of the
mayor of Jeddah in the coming working days, published by their offices' clerks (after
`loaddemo`). Published once: nothing is added while a demo session is still to come."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, time, timedelta

from django.contrib.auth import get_user_model
from django.utils import timezone

from wasl.directory.actors import actor_for
from wasl.directory.models import Unit

from . import services
from .models import AudienceSession

# (office clerk, entity, unit, official ar/en, place ar/en, topics ar/en, capacity, hour)
SESSIONS = (
    (
        "jed.office.clerk",
        "GOV-JED",
        "GOVERNOR",
        ("صاحب السمو محافظ جدة", "HRH the Governor of Jeddah"),
        ("مبنى المحافظة، مجلس الاستقبال الأسبوعي", "Governorate building, weekly reception"),
        ("الحقوق الخاصة، الشكاوى، طلبات المساعدة", "Private rights, complaints, requests for help"),
        8,
        10,
    ),
    (
        "jed.office.clerk",
        "GOV-JED",
        "GOVERNOR",
        ("وكيل محافظة جدة", "Deputy Governor of Jeddah"),
        ("مبنى المحافظة، مكتب الوكيل", "Governorate building, Deputy's office"),
        ("شؤون المراكز، الخدمات", "Centres' affairs, services"),
        6,
        11,
    ),
    (
        "amnjed.office.clerk",
        "AMN-JED",
        "MAYOR",
        ("أمين محافظة جدة", "Mayor of Jeddah"),
        ("مبنى الأمانة، القاعة الرئيسية", "Amanah building, main hall"),
        ("رخص البناء، الخدمات البلدية", "Building permits, municipal services"),
        10,
        9,
    ),
)


def _working_days(count: int) -> list[datetime]:
    """The next `count` working days (Sunday to Thursday), as local midnights."""
    day = timezone.localdate()
    found: list[datetime] = []
    while len(found) < count:
        day += timedelta(days=1)
        if day.weekday() not in (4, 5):  # Friday, Saturday
            found.append(timezone.make_aware(datetime.combine(day, time())))
    return found


def load(write: Callable[[str], None] | None = None) -> int:
    """Publish the demo sessions unless some are still to come; the number published."""
    if AudienceSession.objects.filter(starts_at__gt=timezone.now()).exists():
        return 0
    users = get_user_model().objects
    made = 0
    for day, spec in zip(_working_days(len(SESSIONS)), SESSIONS, strict=True):
        clerk, entity, code, official, place, topics, capacity, hour = spec
        user = users.filter(username=clerk).first()
        unit = Unit.objects.filter(entity__code=entity, code=code).first()
        if user is None or unit is None:
            continue  # the directory's demo is not loaded
        services.publish_session(
            actor_for(user),
            unit,
            services.SessionDraft(
                official_ar=official[0],
                official_en=official[1],
                place_ar=place[0],
                place_en=place[1],
                topics_ar=topics[0],
                topics_en=topics[1],
                starts_at=day + timedelta(hours=hour),
                slot_minutes=15,
                capacity=capacity,
            ),
        )
        made += 1
    if write:
        write(f"جلسات المقابلة: {made} — Jalsa audience sessions: {made}")
    return made
