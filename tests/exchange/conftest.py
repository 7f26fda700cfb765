"""The exchange's fixtures: the cast's three entities as Wasl members of one node, and
helpers to send letters and let the outbox move (in-process, as the worker would)."""

from __future__ import annotations

from typing import Any

import pytest

from wasl.exchange import delivery, members, ratelimit, services
from wasl.exchange.models import OutgoingMessage

from ..conftest import Cast


@pytest.fixture(autouse=True)
def fresh_rate_limits() -> None:
    ratelimit.reset()


@pytest.fixture
def net(cast: Cast, settings: Any) -> Cast:
    """EMK, GOV-JED and AMN-JED are members hosted on this node (NODE-T)."""
    settings.WASL_EXCHANGE_DELIVER_LOCAL_ON_COMMIT = False
    members.init_node("NODE-T", "http://testserver")
    for entity in (cast.emk, cast.jed, cast.amanah):
        members.join(entity)
    return cast


def send(cast: Cast, **overrides: Any) -> services.SentLetter:
    fields: dict[str, Any] = {
        "unit": cast.registry,
        "to": ["AMN-JED"],
        "subject": "طلب إزالة التعديات على أرض مخطط الروضة",
        "body": "نأمل التكرم بالاطلاع واتخاذ اللازم حيال التعديات الموضحة في المعروض المرفق.",
    }
    fields.update(overrides)
    return services.send_letter(cast.clerk.actor, **fields)


def move() -> delivery.Counts:
    """Deliver everything due, as one pass of the worker."""
    return delivery.deliver_due()


def outbox() -> list[OutgoingMessage]:
    return list(OutgoingMessage.objects.order_by("id"))
