"""Reading the directory on the hot path: a member by its code or entity with its node,
whether it has a current key — each one small statement compiled once per process
(`wasl.rows`). (Building these reads through the ORM's query compiler cost more than
running them: about a third of the time of sending and receiving a letter.)

`directory()` keeps these reads between calls while the directory does not change: database
triggers give the directory a new random version token in every transaction that changes a
node, member, key or entity (migration 0002), and each call reads the token — one statement — and
starts afresh when it is not the one the kept reads were made under. A revocation or a new
key still takes effect in every process at its next message.
"""

from __future__ import annotations

from typing import Any

from django.db import connection, connections

from wasl import rows
from wasl.directory.models import Entity

from . import keys
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


class View:
    """The directory as read under one version token. Read-only: the members it gives are
    shared by every caller while the token holds."""

    def __init__(self, token: str | None) -> None:
        self.token = token
        self._members: dict[object, Member | None] = {}
        self._of_entity: dict[int, Member | None] = {}
        self._current: dict[int, bool] = {}
        self._signers: dict[int, tuple[str, str] | None] = {}
        self._entities: dict[int, Entity | None] = {}

    def member(self, code: object) -> Member | None:
        """As `member(code)`, its node loaded."""
        if code not in self._members:
            self._members[code] = member(code)
        return self._members[code]

    def member_of_entity(self, entity_id: int) -> Member | None:
        if entity_id not in self._of_entity:
            self._of_entity[entity_id] = member_of_entity(entity_id)
        return self._of_entity[entity_id]

    def has_current_key(self, member_id: int) -> bool:
        if member_id not in self._current:
            self._current[member_id] = has_current_key(member_id)
        return self._current[member_id]

    def entity(self, entity_id: int) -> Entity | None:
        if entity_id not in self._entities:
            found = rows.fetch_one(Entity, "id", entity_id)
            self._entities[entity_id] = found if isinstance(found, Entity) else None
        return self._entities[entity_id]

    def signer(self, found: Member) -> keys.Signer:
        """The member's current signing key (opened once per process, `keys.signer_for`)."""
        if found.pk not in self._signers:
            self._signers[found.pk] = keys.signing_key_row(found.pk)
        return keys.signer_from(self._signers[found.pk], found.code)


# Per database (tests use more than one): the view of the last token read.
_views: dict[str, View] = {}


def directory() -> View:
    """The directory as it is now: the view kept from earlier calls if the version token is
    still the one it was read under, else a new one. Without a token yet (no change since
    the table was made or emptied) nothing is kept between calls."""
    conn: Any = connections["default"]
    cursor = rows.cursor(conn)
    cursor.execute("SELECT token FROM exchange_directoryversion WHERE id = 1")
    row = cursor.fetchone()
    token = str(row[0]) if row else None
    key = str(conn.settings_dict["NAME"])
    view = _views.get(key)
    if view is None or token is None or view.token != token:
        view = View(token)
        if token is not None:
            _views[key] = view
    return view


def forget() -> None:
    """Drop the kept views (the next call reads the directory again)."""
    _views.clear()
