"""Reading the directory on the hot path: a member by its code or entity, its node, whether
it has a current key — each one small statement compiled once per process (`wasl.rows`).

Nothing here is cached between calls: a revocation or a new key takes effect in every
process at its next message. (Building these reads through the ORM's query compiler cost
more than running them: about a third of the time of sending and receiving a letter.)
"""

from __future__ import annotations

from django.db import connection

from wasl import rows

from .models import Member, Node

CODE_MAX = 20


def member(code: object, *, with_node: bool = True) -> Member | None:
    """The member with this code (its `node` loaded unless told); None for anything else."""
    if not isinstance(code, str) or not code or len(code) > CODE_MAX:
        return None
    found = rows.fetch_one(Member, "code", code)
    if not isinstance(found, Member):
        return None
    return _with_node(found) if with_node else found


def member_of_entity(entity_id: int) -> Member | None:
    found = rows.fetch_one(Member, "entity_id", entity_id)
    return _with_node(found) if isinstance(found, Member) else None


def _with_node(found: Member) -> Member:
    node = rows.fetch_one(Node, "id", found.node_id)
    assert isinstance(node, Node)  # a protected foreign key
    found.node = node
    return found


def has_current_key(member_id: int) -> bool:
    """Whether the member has a key that signs now (neither retired nor revoked)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT 1 FROM exchange_memberkey WHERE member_id = %s AND valid_until IS NULL "
            "AND revoked_at IS NULL LIMIT 1",
            [member_id],
        )
        return cursor.fetchone() is not None
