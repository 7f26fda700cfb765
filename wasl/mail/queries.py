"""Reads of the incoming mail, always from the registry's access rule."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from wasl.directory.actors import Actor
from wasl.registry.queries import visible_to

from .models import InboundMessage
from .vocabulary import TO_TRIAGE

TRIAGE_PAGE = 100


def visible_messages(actor: Actor) -> QuerySet[InboundMessage]:
    """The messages `actor` may read: those about a transaction they may see, and — for an
    entity's administrators — the messages that found no transaction (somebody must read
    them; they name nothing the reader may not see)."""
    about_visible = visible_to(actor)
    if actor.admin_entity_ids:
        return InboundMessage.objects.filter(about_visible | Q(transaction__isnull=True))
    return InboundMessage.objects.filter(about_visible)


def to_triage(actor: Actor) -> list[InboundMessage]:
    """The items a clerk decides on (untrusted senders, no transaction found, a matter that
    takes no more mail), newest first; bounded (2 queries)."""
    return list(
        visible_messages(actor)
        .filter(outcome__in=sorted(TO_TRIAGE))
        .select_related("transaction")
        .order_by("-received_at", "-id")[:TRIAGE_PAGE]
    )
