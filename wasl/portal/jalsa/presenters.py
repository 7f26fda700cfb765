"""Sessions and bookings as pages show them: in the reader's language, the slot's time."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.utils import timezone
from django.utils.translation import get_language

from wasl.core.errors import WaslError

from .models import AudienceSession, Booking, BookingState


def _en() -> bool:
    return (get_language() or "ar").startswith("en")


def error_text(error: WaslError) -> str:
    return error.message_en if _en() else error.message_ar


@dataclass(frozen=True)
class SessionView:
    public_id: str
    official: str
    place: str
    topics: str
    entity: str
    starts_at: datetime
    ends_at: datetime
    capacity: int
    free: int
    slot_minutes: int


def session_view(s: AudienceSession) -> SessionView:
    en = _en()
    held = getattr(s, "held", 0)
    return SessionView(
        public_id=str(s.public_id),
        official=s.official_en if en else s.official_ar,
        place=s.place_en if en else s.place_ar,
        topics=s.topics_en if en else s.topics_ar,
        entity=s.unit.entity.name_en if en else s.unit.entity.name_ar,
        starts_at=s.starts_at,
        ends_at=s.ends_at,
        capacity=s.capacity,
        free=max(0, s.capacity - held),
        slot_minutes=s.slot_minutes,
    )


@dataclass(frozen=True)
class BookingView:
    public_id: str
    official: str
    place: str
    slot_at: datetime
    subject: str
    state: str
    state_label: str
    reference: str
    seat: int
    may_cancel: bool


def booking_view(b: Booking) -> BookingView:
    en = _en()
    s = b.session
    state = BookingState(b.state)
    return BookingView(
        public_id=str(b.public_id),
        official=s.official_en if en else s.official_ar,
        place=s.place_en if en else s.place_ar,
        slot_at=b.slot_at,
        subject=b.subject,
        state=b.state,
        state_label=state.label_en if en else state.label_ar,
        reference=b.transaction.reference if b.transaction else "",
        seat=b.seat,
        may_cancel=state == BookingState.BOOKED and s.starts_at > timezone.now(),
    )
