"""Balagh 940 (بلاغات 940): categories, areas, reports and Open311 keys.

A report is a registry transaction (`Report.transaction`); this app keeps what only a
municipal report has: its category, where it is, who reported it and how.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models

from wasl.directory.models import Entity
from wasl.registry.models import Attachment, Transaction

from .vocabulary import AreaKind, Channel, FollowerSource, PhotoKind, Priority


class Category(models.Model):
    """فئة البلاغ — what a report is about, as data: who receives it, its SLA and questions."""

    code = models.SlugField(max_length=40, unique=True, help_text="Open311 service_code.")
    group = models.CharField(max_length=40, blank=True)
    name_ar = models.CharField(max_length=120)
    name_en = models.CharField(max_length=120)
    description_ar = models.CharField(max_length=400, blank=True)
    description_en = models.CharField(max_length=400, blank=True)
    unit_code = models.CharField(
        max_length=40, help_text="Receiving unit's code in the area's entity."
    )
    routes = models.JSONField(
        default=dict, blank=True, help_text="Per area code: 'ENTITY/UNIT' instead of unit_code."
    )
    sla_hours = models.PositiveIntegerField(help_text="Working hours to resolve.")
    priority = models.CharField(max_length=10, choices=Priority.choices)
    questions = models.JSONField(default=list, blank=True)
    is_active = models.BooleanField(default=True)

    class Meta:
        verbose_name = "فئة بلاغ"
        verbose_name_plural = "فئات البلاغات"
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code} — {self.name_ar}"


class Area(models.Model):
    """نطاق — a sub-municipality (served by a directory entity) or a district, as a polygon."""

    code = models.CharField(max_length=40, unique=True)
    kind = models.CharField(max_length=20, choices=AreaKind.choices)
    name_ar = models.CharField(max_length=120)
    name_en = models.CharField(max_length=120)
    entity = models.ForeignKey(
        Entity, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="districts"
    )
    # GeoJSON Polygon coordinates: rings of [lon, lat]; the first ring is the outline.
    polygon = models.JSONField()
    min_lat = models.FloatField()
    max_lat = models.FloatField()
    min_lon = models.FloatField()
    max_lon = models.FloatField()

    class Meta:
        verbose_name = "نطاق"
        verbose_name_plural = "النطاقات"
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code} — {self.name_ar}"


class Report(models.Model):
    """بلاغ — a citizen's report of a municipal problem; registered as a transaction."""

    transaction = models.OneToOneField(
        Transaction, on_delete=models.PROTECT, related_name="municipal_report"
    )
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    category = models.ForeignKey(Category, on_delete=models.PROTECT, related_name="reports")
    lat = models.FloatField()
    lon = models.FloatField()
    area = models.ForeignKey(Area, on_delete=models.PROTECT, related_name="reports")
    district = models.ForeignKey(
        Area, null=True, blank=True, on_delete=models.PROTECT, related_name="district_reports"
    )
    address = models.CharField(max_length=300, blank=True)
    description = models.TextField()
    answers = models.JSONField(default=dict, blank=True)
    channel = models.CharField(max_length=12, choices=Channel.choices)
    # Personal data: never in a public answer.
    contact_name = models.CharField(max_length=200, blank=True)
    contact_phone = models.CharField(max_length=16, blank=True)
    contact_email = models.EmailField(blank=True)
    reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
        help_text="The signed-in reporter or the call-centre agent who took the call.",
    )
    api_key = models.ForeignKey(
        "Open311Key", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField()
    # Proof and the reporter's word: set by the services of `ReportAct`.
    resolution_note = models.TextField(blank=True)
    feedback_until = models.DateTimeField(
        null=True, blank=True, help_text="The reporter may confirm or reopen until then."
    )
    confirmed_at = models.DateTimeField(null=True, blank=True)
    rating = models.PositiveSmallIntegerField(null=True, blank=True)
    rating_note = models.CharField(max_length=500, blank=True)
    # SHA-256 of the follow-up key given once to an anonymous reporter on the API.
    reporter_key_hash = models.CharField(max_length=64, blank=True)
    # The language the reporter is told of the outcome in (the request's, at submitting).
    contact_language = models.CharField(max_length=2, default="ar")
    # Set by `merge_reports`: this report was closed as a duplicate of that one (always open
    # when merged into, so no chain or cycle can form).
    duplicate_of = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="duplicates"
    )

    class Meta:
        verbose_name = "بلاغ"
        verbose_name_plural = "البلاغات"
        indexes = [
            # "Already reported nearby": a bounding box on these columns, then the distance.
            models.Index(fields=["category", "lat", "lon"], name="report_nearby"),
            models.Index(fields=["created_at"], name="report_created"),
        ]

    def __str__(self) -> str:
        return str(self.public_id)


class ReportFollower(models.Model):
    """متابع البلاغ — someone else who reported the same problem: they joined the report
    ("already reported nearby") or their own report was merged into it. Told of the outcome
    like the reporter. Personal data: never in a public answer."""

    report = models.ForeignKey(Report, on_delete=models.PROTECT, related_name="followers")
    source = models.CharField(max_length=10, choices=FollowerSource.choices)
    # The merged report they filed (source `merged`).
    merged_from = models.ForeignKey(
        Report, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
    )
    name = models.CharField(max_length=200, blank=True)
    phone = models.CharField(max_length=16, blank=True)
    email = models.EmailField(blank=True)
    language = models.CharField(max_length=2, default="ar")
    created_at = models.DateTimeField()

    class Meta:
        verbose_name = "متابع بلاغ"
        verbose_name_plural = "متابعو البلاغات"
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"{self.report_id} {self.source}"


class ReportPhoto(models.Model):
    """صورة البلاغ — a photo of a report, or of the proof that it was fixed.

    The file is the transaction's attachment (a resized JPEG with no metadata, the only copy
    kept: see `photos`); the original's digest and size are kept as a receipt."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    report = models.ForeignKey(Report, on_delete=models.PROTECT, related_name="photos")
    attachment = models.OneToOneField(Attachment, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=10, choices=PhotoKind.choices)
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()
    original_sha256 = models.CharField(max_length=64)
    original_size = models.PositiveBigIntegerField()
    created_at = models.DateTimeField()

    class Meta:
        verbose_name = "صورة بلاغ"
        verbose_name_plural = "صور البلاغات"
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return str(self.public_id)


class Open311Key(models.Model):
    """An Open311 client's API key. Only its SHA-256 is stored; the key is shown once."""

    name = models.CharField(max_length=120)
    key_hash = models.CharField(max_length=64, unique=True)
    prefix = models.CharField(max_length=12)
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "مفتاح Open311"
        verbose_name_plural = "مفاتيح Open311"

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"


class FloodCounter(models.Model):
    """Reports posted in the current window per hashed client (an address, an API key or a
    person): the flood limiter's memory, shared by every process (`flood`)."""

    key = models.CharField(max_length=64, unique=True)
    period = models.BigIntegerField()
    count = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = "عداد البلاغات المرسلة"
        verbose_name_plural = "عدادات البلاغات المرسلة"
        indexes = [models.Index(fields=["period"], name="report_flood_period")]

    def __str__(self) -> str:
        return f"{self.key[:8]}… {self.count}"
