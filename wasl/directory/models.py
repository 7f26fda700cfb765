"""The directory: entities (جهات), their units (إدارات/أقسام), people's memberships and roles."""

from __future__ import annotations

import uuid
from typing import Any

from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models

code_validator = RegexValidator(
    r"^[A-Z][A-Z0-9]*(-[A-Z0-9]+)*$",
    "الرمز حروف لاتينية كبيرة وأرقام وشرطات — Code: capital Latin letters, digits and dashes.",
)


class Entity(models.Model):
    """جهة — a government body: the Emirate, a governorate, an amanah, the police…"""

    class Kind(models.TextChoices):
        EMIRATE = "emirate", "إمارة"
        GOVERNORATE = "governorate", "محافظة"
        CENTRE = "centre", "مركز"
        AMANAH = "amanah", "أمانة"
        MUNICIPALITY = "municipality", "بلدية"
        POLICE = "police", "شرطة"
        MINISTRY_BRANCH = "ministry_branch", "فرع وزارة"
        UNIVERSITY = "university", "جامعة"
        OTHER = "other", "جهة أخرى"

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    code = models.CharField(max_length=20, unique=True, validators=[code_validator])
    kind = models.CharField(max_length=20, choices=Kind.choices)
    name_ar = models.CharField(max_length=200)
    name_en = models.CharField(max_length=200)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "جهة"
        verbose_name_plural = "الجهات"
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code} — {self.name_ar}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        # The code names the entity's reference numbers and audit chain: it never changes.
        if self.pk is not None:
            stored = Entity.objects.filter(pk=self.pk).values_list("code", flat=True).first()
            if stored is not None and stored != self.code:
                raise ValueError("An entity's code cannot change once it is used.")
        else:
            _entity_codes.clear()  # ids of rolled-back entities can be given again
        super().save(*args, **kwargs)


_entity_codes: dict[int, str] = {}


def entity_code_of(entity_id: int) -> str:
    """The (immutable) code of an entity, cached per process."""
    code = _entity_codes.get(entity_id)
    if code is None:
        code = Entity.objects.values_list("code", flat=True).get(pk=entity_id)
        _entity_codes[entity_id] = code
    return code


class Unit(models.Model):
    """إدارة / قسم — a department or section inside an entity; units form a tree."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    entity = models.ForeignKey(Entity, on_delete=models.PROTECT, related_name="units")
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    code = models.CharField(max_length=40)
    name_ar = models.CharField(max_length=200)
    name_en = models.CharField(max_length=200)
    is_registry = models.BooleanField(
        default=False, help_text="Receives the entity's incoming correspondence."
    )
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "إدارة"
        verbose_name_plural = "الإدارات"
        ordering = ["entity__code", "code"]
        constraints = [
            models.UniqueConstraint(fields=["entity", "code"], name="unit_code_unique_in_entity")
        ]

    def __str__(self) -> str:
        return f"{self.name_ar} ({self.entity.code})"


class Role(models.TextChoices):
    CLERK = "clerk", "موظف"
    UNIT_HEAD = "unit_head", "مدير الإدارة"
    ENTITY_ADMIN = "entity_admin", "مسؤول الجهة"
    EXECUTIVE = "executive", "مسؤول تنفيذي"
    AUDITOR = "auditor", "مدقق"


# Roles that read everything of their entity that is not confidential.
ENTITY_WIDE_ROLES = frozenset({Role.ENTITY_ADMIN, Role.EXECUTIVE, Role.AUDITOR})
# Roles that work on transactions held by their unit.
WORKING_ROLES = frozenset({Role.CLERK, Role.UNIT_HEAD})


class Membership(models.Model):
    """A person's place in a unit, with a role."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="memberships"
    )
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="memberships")
    role = models.CharField(max_length=20, choices=Role.choices)
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "عضوية"
        verbose_name_plural = "العضويات"
        constraints = [
            models.UniqueConstraint(
                fields=["user", "unit", "role"], name="membership_unique_role_in_unit"
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} — {self.get_role_display()} — {self.unit}"


class ApiToken(models.Model):
    """A bearer token for the API. Only its SHA-256 is stored; the token is shown once."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens"
    )
    key_hash = models.CharField(max_length=64, unique=True)
    prefix = models.CharField(max_length=12)
    label = models.CharField(max_length=100, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "رمز وصول"
        verbose_name_plural = "رموز الوصول"

    def __str__(self) -> str:
        return f"{self.prefix}… ({self.user})"


class IdempotentRequest(models.Model):
    """A POST to the API made with an `Idempotency-Key`, and the answer it got: a repeat with
    the same key (by the same person) gets this answer instead of acting again.

    While `status` is empty the request is in flight, held by `attempt` until `held_until`;
    the answer is written in the database transaction of the change itself, so a change that
    committed always has its answer here (see `wasl.directory.idempotency`).
    """

    # Whose key: a staff user (a bearer token), or else `owner` (e.g. "person:<id>", the
    # portal's signed-in person, who is no user).
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    owner = models.CharField(max_length=60, blank=True, default="")
    key = models.CharField(max_length=255)
    fingerprint = models.CharField(max_length=64, help_text="SHA-256 of method, path and body")
    attempt = models.UUIDField(help_text="The request that holds the key now")
    held_until = models.DateTimeField()
    status = models.PositiveSmallIntegerField(null=True, blank=True)
    content_type = models.CharField(max_length=100, blank=True)
    body = models.BinaryField(blank=True)
    created_at = models.DateTimeField(db_index=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "key"], name="one_request_per_person_and_key"),
            models.UniqueConstraint(
                fields=["owner", "key"],
                condition=models.Q(user__isnull=True),
                name="one_request_per_owner_and_key",
            ),
            models.CheckConstraint(
                condition=models.Q(user__isnull=False, owner="")
                | models.Q(user__isnull=True) & ~models.Q(owner=""),
                name="idempotent_request_has_one_owner",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.key} ({self.status or 'in flight'})"
