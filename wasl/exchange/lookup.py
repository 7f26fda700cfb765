"""Reading the directory on the hot path: a member by its code or entity with its node,
whether it has a current key — each one small statement compiled once per process
(`wasl.rows`).

Nothing here is cached between calls: a revocation or a new key takes effect in every
process at its next message. (Building these reads through the ORM's query compiler cost
more than running them: about a third of the time of sending and receiving a letter.)
"""

from __future__ import annotations

from django.db import connection

from wasl import rows

from .models import Member

CODE_MAX = 20


def member(code: object, *, with_node: bool = True) -> Member | None:
    """The member with this code (its `node` loaded unless told); None for anything else."""
    if not isinstance(code, str) or not code or len(code) > CODE_MAX:
        return None
    found = (
        rows.fetch_one_with(Member, "code", code, "node")
        if with_node
        else rows.fetch_one(Member, "code", code)
    )
    return found if isinstance(found, Member) else None


def member_of_entity(entity_id: int) -> Member | None:
    """The member of this entity, its `node` loaded."""
    found = rows.fetch_one_with(Member, "entity_id", entity_id, "node")
    return found if isinstance(found, Member) else None


def has_current_key(member_id: int) -> bool:
    """Whether the member has a key that signs now (neither retired nor revoked)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT 1 FROM exchange_memberkey WHERE member_id = %s AND valid_until IS NULL "
            "AND revoked_at IS NULL LIMIT 1",
            [member_id],
        )
        return cursor.fetchone() is not None
