"""Reads of the registry. Every one starts from `visible_transactions`: the access rule.

The rule is written once, in `visible_transactions`. Every other question about access is
that queryset narrowed (`visible_transactions(actor).filter(pk=…)`) or applied to rows that
belong to a transaction (`visible_to`); `tests/registry/test_access_properties.py` checks
over generated people, units and matters that every such check agrees with it.
"""

from __future__ import annotations

from django.db.models import Exists, OuterRef, Q, QuerySet

from wasl.directory.actors import Actor

from .models import Confidentiality, Referral, Transaction
from .states import OPEN_REFERRAL_STATES


def visible_transactions(actor: Actor) -> QuerySet[Transaction]:
    """The one rule that decides what a person may see (DESIGN.md "Access").

    - normal: everything registered in or routed through one of the person's units, and
      everything of an entity where the person has an entity-wide role (administrator,
      executive, auditor);
    - confidential (سري): only the units on its path (the owning unit and the units it was
      referred to), whatever the person's entity-wide role;
    - top secret (سري للغاية): only the person who registered it, the heads of the units on
      its path, and a person a referral names.

    A person without an active membership sees nothing.
    """
    if actor.is_anonymous or not actor.memberships:
        return Transaction.objects.none()
    # Written so that each part is built once and only the parts that can match this person
    # are built at all (no heads' part for a person who heads no unit…): the rule is compiled
    # on every read, and each EXISTS compiles a whole subquery.
    on_my_path = Q(unit_id__in=actor.unit_ids) | Exists(
        Referral.objects.filter(transaction=OuterRef("pk"), to_unit_id__in=actor.unit_ids)
    )
    rule = (
        Q(confidentiality__in=(Confidentiality.NORMAL, Confidentiality.CONFIDENTIAL)) & on_my_path
    )
    if actor.entity_wide_ids:
        rule |= Q(confidentiality=Confidentiality.NORMAL, entity_id__in=actor.entity_wide_ids)
    named_by_a_referral = Q(to_user_id=actor.user_id)
    top_secret_for_me = Q(registered_by_id=actor.user_id)
    if actor.head_unit_ids:
        named_by_a_referral |= Q(to_unit_id__in=actor.head_unit_ids)
        top_secret_for_me |= Q(unit_id__in=actor.head_unit_ids)
    top_secret_for_me |= Exists(
        Referral.objects.filter(named_by_a_referral, transaction=OuterRef("pk"))
    )
    rule |= Q(confidentiality=Confidentiality.TOP_SECRET) & top_secret_for_me
    return Transaction.objects.filter(rule)


def visible_to(actor: Actor, transaction: str = "transaction") -> Exists:
    """The access rule for rows that belong to a transaction (a referral, an attachment, a
    reminder…), whose foreign key is `transaction`: the row shows when its transaction is one
    of `visible_transactions(actor)`.

    An EXISTS per row rather than `transaction__in=`: a list cut by an index (a unit's open
    referrals, one attachment) then checks only the rows it reads, where SQLite would first
    read every transaction the person may see into a temporary table.
    """
    return Exists(visible_transactions(actor).filter(pk=OuterRef(transaction)))


def inbox(
    actor: Actor,
    *,
    unit_id: int | None = None,
    only_open: bool = True,
) -> QuerySet[Referral]:
    """Referrals waiting in the person's working units (الوارد), newest due first."""
    units = actor.working_unit_ids if unit_id is None else actor.working_unit_ids & {unit_id}
    qs = (
        Referral.objects.filter(to_unit_id__in=sorted(units))
        .filter(visible_to(actor))
        .select_related("transaction", "to_unit", "from_unit")
    )
    if only_open:
        qs = qs.filter(state__in=sorted(OPEN_REFERRAL_STATES))
    return qs.order_by("due_date", "-created_at", "-id")


def owned_transactions(actor: Actor, *, unit_id: int | None = None) -> QuerySet[Transaction]:
    """Transactions owned by the person's working units (the unit's own registry)."""
    units = actor.working_unit_ids if unit_id is None else actor.working_unit_ids & {unit_id}
    return visible_transactions(actor).filter(unit_id__in=sorted(units))
