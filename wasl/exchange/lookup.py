"""Reading the directory of members: by code or by entity, with the node that hosts them and
whether they hold a key that signs now. Read afresh for every message, so a revocation or a
new key takes effect in every process at the next one."""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import Exists, OuterRef, QuerySet

from .models import Member, MemberKey

CODE_MAX = 20


def _members() -> QuerySet[Member]:
    """Members with their node, each marked `has_current_key`."""
    current = MemberKey.objects.filter(
        member=OuterRef("pk"), valid_until__isnull=True, revoked_at__isnull=True
    )
    return Member.objects.select_related("node").annotate(has_current_key=Exists(current))


def member(code: object) -> Member | None:
    """The member with this code; None for anything else."""
    if not isinstance(code, str) or not code or len(code) > CODE_MAX:
        return None
    return _members().filter(code=code).first()


def members(codes: Iterable[str]) -> dict[str, Member]:
    """The members with these codes, by code (one statement)."""
    wanted = [c for c in codes if isinstance(c, str) and 0 < len(c) <= CODE_MAX]
    return {m.code: m for m in _members().filter(code__in=wanted)} if wanted else {}


def member_of_entity(entity_id: int) -> Member | None:
    """The member of this entity."""
    return _members().filter(entity_id=entity_id).first()
