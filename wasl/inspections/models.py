"""Field inspection (الرقابة الميدانية): checklists as versioned data, sites, visits, inspectors
and the inspections they file.

A visit is planned (a routine visit to a shop or a building site), reactive (opened from a 940
report) or a follow-up (opened by a violation). It belongs to the inspection unit of the place
and is assigned to one of that unit's inspectors; the inspection filed for it keeps the
checklist version it was filled with and the idempotency key the inspector's browser made.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models

from wasl.directory.models import Unit
from wasl.reports.models import Area, Report

from .vocabulary import SiteKind, VisitKind, VisitState


class Checklist(models.Model):
    """قائمة التحقق — one version of a checklist; a version is never changed once loaded."""

    code = models.SlugField(max_length=60)
    version = models.PositiveIntegerField()
    name_ar = models.CharField(max_length=200)
    name_en = models.CharField(max_length=200)
    items = models.JSONField()
    site_kinds = models.JSONField(default=list, blank=True)
    report_categories = models.JSONField(default=list, blank=True)
    digest = models.CharField(max_length=64, help_text="SHA-256 of the version as loaded.")
    is_current = models.BooleanField(default=True)
    loaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "قائمة تحقق"
        verbose_name_plural = "قوائم التحقق"
        ordering = ["code", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["code", "version"], name="checklist_code_version")
        ]

    def __str__(self) -> str:
        return f"{self.code} v{self.version}"


class Violation(models.Model):
    """بند في جدول المخالفات — a violation and its fine, from the schedule's data file."""

    code = models.CharField(max_length=20, unique=True)
    name_ar = models.CharField(max_length=300)
    name_en = models.CharField(max_length=300)
    fine_sar = models.PositiveIntegerField()
    correct_within_days = models.PositiveSmallIntegerField(help_text="Working days.")

    class Meta:
        verbose_name = "مخالفة"
        verbose_name_plural = "جدول المخالفات"
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code} — {self.name_ar}"


class Inspector(models.Model):
    """مراقب — a clerk of an inspection unit who goes into the field, and the districts
    they cover (none: the whole of the unit's area)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+")
    districts = models.ManyToManyField(Area, blank=True, related_name="+")
    is_active = models.BooleanField(default=True)

    class Meta:
        verbose_name = "مراقب"
        verbose_name_plural = "المراقبون"
        constraints = [
            models.UniqueConstraint(fields=["user", "unit"], name="inspector_once_per_unit")
        ]

    def __str__(self) -> str:
        return f"{self.user} — {self.unit}"


class Site(models.Model):
    """منشأة — a shop or a building site visited on a routine round."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    kind = models.CharField(max_length=20, choices=SiteKind.choices)
    name = models.CharField(max_length=200)
    licence = models.CharField(max_length=40, blank=True)
    address = models.CharField(max_length=300, blank=True)
    lat = models.FloatField()
    lon = models.FloatField()
    area = models.ForeignKey(Area, on_delete=models.PROTECT, related_name="+")
    district = models.ForeignKey(
        Area, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = "منشأة"
        verbose_name_plural = "المنشآت"

    def __str__(self) -> str:
        return self.name


class Visit(models.Model):
    """زيارة رقابية — one trip of an inspector to a place, with the checklist to fill."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    kind = models.CharField(max_length=12, choices=VisitKind.choices)
    state = models.CharField(max_length=12, choices=VisitState.choices)
    checklist_code = models.SlugField(max_length=60)
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+")
    inspector = models.ForeignKey(
        Inspector, null=True, blank=True, on_delete=models.PROTECT, related_name="visits"
    )
    site = models.ForeignKey(
        Site, null=True, blank=True, on_delete=models.PROTECT, related_name="visits"
    )
    report = models.ForeignKey(
        Report, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    follows = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="follow_ups"
    )
    area = models.ForeignKey(Area, on_delete=models.PROTECT, related_name="+")
    district = models.ForeignKey(
        Area, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    lat = models.FloatField()
    lon = models.FloatField()
    place = models.CharField(max_length=300, help_text="What the inspector reads: name, address.")
    due_date = models.DateField()
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()

    class Meta:
        verbose_name = "زيارة رقابية"
        verbose_name_plural = "الزيارات الرقابية"
        indexes = [
            models.Index(fields=["inspector", "state", "due_date"], name="visit_inspector"),
            models.Index(fields=["unit", "state", "due_date"], name="visit_unit"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.public_id}"


class Inspection(models.Model):
    """محضر الرقابة — the filled checklist of a visit, with the version it was filled with."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    visit = models.OneToOneField(Visit, on_delete=models.PROTECT, related_name="inspection")
    checklist = models.ForeignKey(Checklist, on_delete=models.PROTECT, related_name="+")
    inspector = models.ForeignKey(Inspector, on_delete=models.PROTECT, related_name="+")
    # Made in the inspector's browser when the form was opened: the same inspection sent
    # twice (a connection that flickers) finds the first one instead of making a second.
    idempotency_key = models.UUIDField(unique=True)
    answers = models.JSONField()
    score = models.PositiveSmallIntegerField(help_text="Percent of the weighted items passed.")
    total_fine_sar = models.PositiveIntegerField(default=0)
    filled_at = models.DateTimeField(help_text="When the browser says it was filled.")
    received_at = models.DateTimeField()

    class Meta:
        verbose_name = "محضر رقابة"
        verbose_name_plural = "محاضر الرقابة"

    def __str__(self) -> str:
        return str(self.public_id)


class Finding(models.Model):
    """مخالفة مرصودة — a violation found in an inspection, with its fine from the schedule."""

    inspection = models.ForeignKey(Inspection, on_delete=models.PROTECT, related_name="findings")
    item_code = models.CharField(max_length=60)
    violation = models.ForeignKey(Violation, on_delete=models.PROTECT, related_name="+")
    fine_sar = models.PositiveIntegerField()

    class Meta:
        verbose_name = "مخالفة مرصودة"
        verbose_name_plural = "المخالفات المرصودة"

    def __str__(self) -> str:
        return f"{self.violation.code} ({self.item_code})"


class InspectionPhoto(models.Model):
    """صورة محضر — a photo of a checklist item: the clean copy (resized, no metadata)."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    inspection = models.ForeignKey(Inspection, on_delete=models.PROTECT, related_name="photos")
    item_code = models.CharField(max_length=60)
    sha256 = models.CharField(max_length=64)
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()
    original_sha256 = models.CharField(max_length=64)
    original_size = models.PositiveBigIntegerField()

    class Meta:
        verbose_name = "صورة محضر"
        verbose_name_plural = "صور المحاضر"

    def __str__(self) -> str:
        return str(self.public_id)
