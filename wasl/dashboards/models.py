"""Roll-ups of the registry for the dashboards (شاشات التحكم): counters that pages read instead
of the millions of raw rows, and the follow-up reminders.

`Tally` is one table of counters in three parts, each at four grains:

- grain: ``R`` the region (scope 0), ``E`` an entity, ``U`` a unit, ``P`` a person;
- item: ``t`` transactions (معاملات) or ``r`` referrals (إحالات);
- part ``in``: items received on `day`; part ``out``: items completed on `day` that took
  `days` working days; part ``open``: items still open that were received on `day` and are
  due on `due` (a stock, not a flow); part ``otot``: all the items open now, one row per
  entity and unit.

Each row holds the number of items (`n`), how many of them were completed on time, the
referrals made for transactions received that day (`referrals`), and the same items counted
by kind, urgency and direction (`k_*`, `u_*`, `d_*`). What counts where is decided in one
place, `definitions.py`; `rollups.py` keeps the rows equal to a recount of the raw tables.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from wasl.directory.models import Unit
from wasl.registry.models import Direction, Kind, Referral, Transaction, Urgency
from wasl.registry.vocabulary import Vocabulary

KIND_FIELDS = [f"k_{value}" for value in Kind.values]
URGENCY_FIELDS = [f"u_{value}" for value in Urgency.values]
DIRECTION_FIELDS = [f"d_{value}" for value in Direction.values]
COUNTER_FIELDS = ["n", "on_time", "referrals", *KIND_FIELDS, *URGENCY_FIELDS, *DIRECTION_FIELDS]
KEY_FIELDS = ["grain", "scope_id", "entity_id", "item", "part", "day", "days", "due"]
# The unique key's index, in the order the pages ask: one scope's rows of one part over a
# range of days (entity_id last: a person's rows span entities, and pages do not know it).
KEY_INDEX_ORDER = ["grain", "scope_id", "item", "part", "day", "days", "due", "entity_id"]


class Tally(models.Model):
    """Counters of received, completed and open items per grain, scope and day."""

    grain = models.CharField(max_length=1)
    scope_id = models.BigIntegerField(help_text="0 for the region; else an entity, unit or user")
    entity_id = models.BigIntegerField(help_text="0 for the region")
    item = models.CharField(max_length=1)
    part = models.CharField(max_length=4)
    day = models.DateField()
    days = models.SmallIntegerField(help_text="Working days taken (part out); else -1")
    due = models.DateField(help_text="Due date (part open); else 0001-01-01")
    n = models.IntegerField(default=0)
    on_time = models.IntegerField(default=0)
    referrals = models.IntegerField(default=0)

    class Meta:
        verbose_name = "عداد"
        verbose_name_plural = "العدادات"
        constraints = [models.UniqueConstraint(fields=KEY_INDEX_ORDER, name="tally_scope_key")]
        indexes = [
            # Across the scopes of one grain (the region page lists entities).
            models.Index(fields=["grain", "item", "part", "day"], name="tally_grain_day"),
            # The units of one entity, the people of one entity.
            models.Index(fields=["grain", "entity_id", "item", "part", "day"], name="tally_entity"),
            # What is not yet due, across the scopes of one grain (overdue = open − that).
            models.Index(fields=["grain", "item", "part", "due"], name="tally_due"),
        ]

    def __str__(self) -> str:
        return f"{self.grain}{self.scope_id} {self.item} {self.part} {self.day}: {self.n}"


for _name in [*KIND_FIELDS, *URGENCY_FIELDS, *DIRECTION_FIELDS]:
    Tally.add_to_class(_name, models.IntegerField(default=0))


class Reminder(models.Model):
    """تذكير / تصعيد — a follow-up raised for a referral, or for a transaction its own unit
    holds (no referral open), that is due soon or late.

    `due_soon` and `overdue` go to the holder (the person the referral names, else the unit's
    staff; for a transaction, the person who registered it); `escalated` goes to the head of
    the holding unit. At most one of a kind per referral (or held transaction) per day, by
    the unique constraints, so a follow-up run that repeats sends nothing twice.
    """

    class Kind(Vocabulary):
        DUE_SOON = "due_soon", _("Reminder: due soon")
        OVERDUE = "overdue", _("Reminder: overdue")
        ESCALATED = "escalated", _("Escalated to the unit's head")

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    referral = models.ForeignKey(
        Referral,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
        help_text="Empty: the transaction itself, held by its own unit.",
    )
    transaction = models.ForeignKey(
        Transaction, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+", db_index=False)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
        help_text="The named person; empty when it goes to the unit (or its head).",
    )
    kind = models.CharField(max_length=10, choices=Kind.choices)
    day = models.DateField()
    due_date = models.DateField()
    late_days = models.SmallIntegerField(help_text="Working days past due (negative: before)")
    created_at = models.DateTimeField()

    class Meta:
        verbose_name = "تذكير"
        verbose_name_plural = "التذكيرات والتصعيدات"
        constraints = [
            models.UniqueConstraint(
                fields=["referral", "kind", "day"],
                condition=models.Q(referral__isnull=False),
                name="reminder_once_a_day",
            ),
            models.UniqueConstraint(
                fields=["transaction", "kind", "day"],
                condition=models.Q(referral__isnull=True),
                name="reminder_held_once_a_day",
            ),
        ]
        indexes = [
            models.Index(fields=["unit", "day"], name="reminder_unit_day"),
            models.Index(fields=["transaction", "kind"], name="reminder_transaction"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.referral_id or 'T' + str(self.transaction_id)} {self.day}"
