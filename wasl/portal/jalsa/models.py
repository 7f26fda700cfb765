"""Jalsa (جلسة): an official's audience session, published by their office, and the bookings
people make in it — one seat (a slot of the session) each.

A booking is registered as a transaction of the office (a request for an audience, the person
as its party): it is one of the person's matters, follows the registry's steps (cancelled,
closed) and its messages go through the notifications outbox.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import pgettext_lazy

from wasl.directory.models import Unit
from wasl.notifications import states as notification_states
from wasl.portal.models import Person
from wasl.registry.models import Transaction
from wasl.registry.vocabulary import Vocabulary


class BookingState(Vocabulary):
    BOOKED = "booked", pgettext_lazy("audience booking", "Booked")
    CANCELLED = "cancelled", pgettext_lazy("audience booking", "Cancelled")
    ATTENDED = "attended", pgettext_lazy("audience booking", "Attended")
    ABSENT = "absent", pgettext_lazy("audience booking", "Did not attend")


# A seat is held by every booking but a cancelled one.
HOLDS_SEAT = Q(state__in=[BookingState.BOOKED, BookingState.ATTENDED, BookingState.ABSENT])


# What a person hears about a booking (one text per notice and language: `NoticeText`): steps
# of the notifications' vocabulary, so that a notification's page names them.
NOTICES = [(step.value, step.label) for step in notification_states.JALSA_NOTICES]


class AudienceSession(models.Model):
    """جلسة مقابلة — an official receives people: who, where, when, how many, on what."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+")  # the office
    official_ar = models.CharField(max_length=200)
    official_en = models.CharField(max_length=200)
    place_ar = models.CharField(max_length=300)
    place_en = models.CharField(max_length=300)
    topics_ar = models.CharField(max_length=500)
    topics_en = models.CharField(max_length=500)
    starts_at = models.DateTimeField()
    slot_minutes = models.PositiveSmallIntegerField()
    capacity = models.PositiveSmallIntegerField()  # slots, one person each
    published_at = models.DateTimeField()
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = "جلسة مقابلة"
        verbose_name_plural = "جلسات المقابلة"
        indexes = [models.Index(fields=["starts_at"]), models.Index(fields=["unit", "starts_at"])]

    def __str__(self) -> str:
        return f"{self.official_ar} {self.starts_at:%Y-%m-%d %H:%M}"

    @property
    def ends_at(self) -> datetime:
        return self.starts_at + timedelta(minutes=self.slot_minutes * self.capacity)

    def slot_time(self, seat: int) -> datetime:
        return self.starts_at + timedelta(minutes=self.slot_minutes * (seat - 1))


class Booking(models.Model):
    """حجز مقابلة — a person's seat in a session, with the subject they come about."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    session = models.ForeignKey(AudienceSession, on_delete=models.PROTECT, related_name="bookings")
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="bookings")
    seat = models.PositiveSmallIntegerField()
    subject = models.CharField(max_length=500)
    state = models.CharField(
        max_length=10, choices=BookingState.choices, default=BookingState.BOOKED
    )
    # The request for an audience as registered in the office.
    transaction = models.OneToOneField(
        Transaction, null=True, on_delete=models.PROTECT, related_name="+"
    )
    # The transaction an outcome that needs action became.
    follow_up = models.OneToOneField(
        Transaction, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    outcome = models.TextField(blank=True)
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()
    reminded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "حجز مقابلة"
        verbose_name_plural = "حجوزات المقابلة"
        constraints = [
            # No double booking, whatever the race: one holder per seat, one seat per person.
            models.UniqueConstraint(
                fields=["session", "seat"], condition=HOLDS_SEAT, name="jalsa_one_per_seat"
            ),
            models.UniqueConstraint(
                fields=["session", "person"], condition=HOLDS_SEAT, name="jalsa_one_seat_each"
            ),
        ]
        indexes = [models.Index(fields=["person", "-created_at"])]

    def __str__(self) -> str:
        return f"{self.session_id}#{self.seat} {self.state}"

    @property
    def slot_at(self) -> datetime:
        return self.session.slot_time(self.seat)


class NoticeText(models.Model):
    """نص إشعار — the SMS text of one notice in one language, kept as data (seeded by
    migration 0002, editable in the admin). Placeholders: {reference}, {entity}, {official},
    {date}, {time}."""

    notice = models.CharField(max_length=20, choices=NOTICES)
    language = models.CharField(max_length=2, choices=[("ar", "العربية"), ("en", "English")])
    body = models.TextField()

    class Meta:
        verbose_name = "نص إشعار جلسة"
        verbose_name_plural = "نصوص إشعارات الجلسات"
        constraints = [
            models.UniqueConstraint(fields=["notice", "language"], name="jalsa_notice_once")
        ]

    def __str__(self) -> str:
        return f"{self.notice}:{self.language}"
