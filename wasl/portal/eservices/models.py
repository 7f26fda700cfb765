"""E-services as data: a service, its versions (one per edit, never changed afterwards), and
the applications people make against one version.

A service's definition is JSON checked against schema/service.schema.json (definitions.py).
An application keeps the version it was started on: editing a service makes a new version
and leaves every draft and submitted application on the old one valid.
"""

from __future__ import annotations

import uuid

from django.db import models
from django.db.models import Q

from wasl.portal.models import Person
from wasl.registry.models import Transaction


class Audience(models.TextChoices):
    """Who may apply, by the ID type of the signed-in person."""

    CITIZEN = "citizen", "مواطن"
    RESIDENT = "resident", "مقيم"
    BOTH = "both", "مواطن ومقيم"


class Service(models.Model):
    """خدمة إلكترونية — one e-service; what it asks lives in its current version."""

    code = models.SlugField(max_length=60, unique=True)
    # The version new applications start on: the latest published.
    current = models.ForeignKey(
        "ServiceVersion", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    position = models.PositiveSmallIntegerField(default=0)  # order in the catalogue
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField()

    class Meta:
        verbose_name = "خدمة إلكترونية"
        verbose_name_plural = "الخدمات الإلكترونية"

    def __str__(self) -> str:
        return self.code


class ServiceVersion(models.Model):
    """إصدار خدمة — the definition of a service as it was published once; never edited."""

    service = models.ForeignKey(Service, on_delete=models.PROTECT, related_name="versions")
    number = models.PositiveIntegerField()
    definition = models.JSONField()
    # Of the definition, for lists and the eligibility check without reading the JSON.
    name_ar = models.CharField(max_length=300)
    name_en = models.CharField(max_length=300)
    audience = models.CharField(max_length=10, choices=Audience.choices)
    digest = models.CharField(max_length=64)  # SHA-256 of the canonical JSON
    published_at = models.DateTimeField()
    published_by = models.CharField(max_length=150)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["service", "number"], name="one_number_per_version")
        ]

    def __str__(self) -> str:
        return f"{self.service_id} v{self.number}"


class ApplicationState(models.TextChoices):
    DRAFT = "draft", "مسودة"
    SUBMITTED = "submitted", "مقدّم"


class Application(models.Model):
    """طلب خدمة — a person's application: a draft kept on the server (finished later, on any
    device) until it is submitted and becomes a registered transaction."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="applications")
    service = models.ForeignKey(Service, on_delete=models.PROTECT, related_name="applications")
    version = models.ForeignKey(ServiceVersion, on_delete=models.PROTECT, related_name="+")
    state = models.CharField(
        max_length=10, choices=ApplicationState.choices, default=ApplicationState.DRAFT
    )
    step = models.PositiveSmallIntegerField(default=0)  # the step to continue at
    answers = models.JSONField(default=dict)
    transaction = models.OneToOneField(
        Transaction, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()
    submitted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["person", "service"],
                condition=Q(state="draft"),
                name="one_draft_per_person_and_service",
            )
        ]
        indexes = [models.Index(fields=["person", "state", "-updated_at"])]

    def __str__(self) -> str:
        return f"{self.service_id} {self.state}"
