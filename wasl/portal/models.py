"""The portal's own records: a citizen's or resident's account, apart from staff accounts.

A `Person` is never a Django user: a signed-in person holds a portal session (sessions.py),
not `request.user`, so no staff page, the admin or the API ever takes them for staff.
"""

from __future__ import annotations

import uuid

from django.db import models


class IdKind(models.TextChoices):
    CITIZEN = "citizen", "مواطن"
    RESIDENT = "resident", "مقيم"


class Person(models.Model):
    """صاحب حساب في تواصل — a citizen or resident, keyed by their national ID / iqama."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    id_number = models.CharField(max_length=10, unique=True)
    kind = models.CharField(max_length=10, choices=IdKind.choices)
    name = models.CharField(max_length=200, blank=True)
    phone = models.CharField(max_length=16, blank=True)
    # The provider's subject, kept to notice a provider that maps one ID to another subject.
    subject = models.CharField(max_length=255, blank=True)
    created_at = models.DateTimeField()
    last_signed_in_at = models.DateTimeField()

    class Meta:
        verbose_name = "صاحب حساب"
        verbose_name_plural = "أصحاب الحسابات"

    def __str__(self) -> str:
        return f"{self.kind} …{self.id_number[-4:]}"


class OneTimeCode(models.Model):
    """رمز تحقق لمرة واحدة — the demo's alternative sign-in: a code sent to a demo phone."""

    id_number = models.CharField(max_length=10, db_index=True)
    phone = models.CharField(max_length=16)
    code_hash = models.CharField(max_length=64)
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    attempts = models.PositiveSmallIntegerField(default=0)
    used_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"…{self.id_number[-4:]} {self.created_at:%H:%M}"


class DemoTextMessage(models.Model):
    """A text message to a demo phone: what a real SMS gateway would carry, shown on the
    demo phone page instead. Exists only in the demo (never sent in production)."""

    phone = models.CharField(max_length=16, db_index=True)
    body = models.CharField(max_length=300)
    created_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.phone} {self.created_at:%H:%M}"
