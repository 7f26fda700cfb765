"""The directory of Wasl: this node, the other nodes, the member entities each hosts, and
their public keys (نظير دليل الأعضاء في X-Road).

Members hosted here get a key pair and a system account (`wasl-exchange`, no password, no
token) that is a clerk of each local member's registry unit: incoming letters are registered
by it. Other nodes' members come in as a descriptor (`export_descriptor` on their node,
`import_descriptor` here), handed over by a channel the two operators trust.

Every change records an audit entry (`exchange.*`); no private key is ever part of one. A
change to a key records the digest of each key row it wrote (`integrity`), so that a key
inserted or edited by hand shows in `wasl audit verify`.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.contrib.auth import get_user_model
from django.db import transaction as db
from django.utils import timezone

from wasl.audit import services as audit
from wasl.core.errors import Conflict, InvalidInput, NotFound
from wasl.directory import services as directory
from wasl.directory.actors import Actor, actor_for
from wasl.directory.models import Entity, Unit

from . import envelope, integrity, keys
from .errors import ExchangeError
from .models import Member, MemberKey, Node

SYSTEM_USERNAME = "wasl-exchange"
DESCRIPTOR_FORMAT = "wasl-members-v1"


def _audit(action: str, chain: str, object_id: str, data: dict[str, Any]) -> None:
    audit.record(
        f"exchange.{action}",
        chain=chain,
        object_type="exchange",
        object_id=object_id,
        actor=SYSTEM_USERNAME,
        data=data,
    )


def _check_node_code(code: str) -> str:
    code = (code or "").strip()
    if not code or len(code) > 40 or not envelope.CODE_RE.match(code):
        raise InvalidInput(
            "رمز العقدة حروف لاتينية كبيرة وأرقام وشرطات.",
            "A node code is capital Latin letters, digits and dashes.",
            code="invalid_node_code",
            field="node",
        )
    return code


def check_url(url: str) -> str:
    url = (url or "").strip().rstrip("/")
    if url and not (url.startswith("http://") or url.startswith("https://")):
        raise InvalidInput(
            "عنوان العقدة يبدأ بـ http:// أو https://.",
            "A node URL starts with http:// or https://.",
            code="invalid_node_url",
            field="url",
        )
    return url[:300]


def self_node() -> Node | None:
    return Node.objects.filter(is_self=True).first()


def init_node(code: str, url: str = "", name: str = "") -> Node:
    """Name this deployment as a node (once); later calls may change its URL."""
    code, url = _check_node_code(code), check_url(url)
    with db.atomic():
        node = Node.objects.select_for_update().filter(is_self=True).first()
        if node is None:
            if Node.objects.filter(code=code).exists():
                raise Conflict(
                    "يوجد عقدة أخرى بهذا الرمز في الدليل.",
                    "Another node has this code in the directory.",
                    code="node_code_taken",
                )
            node = Node.objects.create(code=code, base_url=url, name=name, is_self=True)
            _audit("node.initialised", "system", code, {"code": code, "url": url})
        elif node.code != code:
            raise Conflict(
                f"هذه العقدة مسماة من قبل «{node.code}».",
                f"This node is already named {node.code!r}.",
                code="node_already_named",
            )
        elif url and node.base_url != url:
            old = node.base_url
            node.base_url = url
            node.save(update_fields=["base_url", "updated_at"])
            _audit("node.url_changed", "system", code, {"url": [old, url]})
    return node


def _require_self_node() -> Node:
    node = self_node()
    if node is None:
        raise InvalidInput(
            "لم تُعرّف هذه العقدة بعد: wasl exchange setup --node CODE --url URL",
            "This node has no name yet: wasl exchange setup --node CODE --url URL",
            code="node_not_initialised",
        )
    return node


def system_user() -> Any:
    user, _ = directory.ensure_person(
        username=SYSTEM_USERNAME, first_name="وصل", last_name="التبادل الإلكتروني"
    )
    return user


def system_actor(member: Member) -> Actor:
    """The actor that registers incoming letters for `member` (a clerk of its inbox unit)."""
    if member.system_user_id is None or member.inbox_unit_id is None:
        raise ExchangeError("no_inbox_unit", member.code)
    return actor_for(get_user_model()(pk=member.system_user_id, username=SYSTEM_USERNAME))


def _registry_unit(entity: Entity) -> Unit:
    unit = (
        Unit.objects.filter(entity=entity, is_registry=True, is_active=True)
        .order_by("code", "id")
        .first()
    )
    if unit is None:
        raise InvalidInput(
            f"لا توجد إدارة اتصالات إدارية (سجل وارد) للجهة {entity.code}.",
            f"Entity {entity.code} has no active registry unit for incoming letters.",
            code="no_registry_unit",
        )
    return unit


def _add_key(member: Member, now: datetime) -> MemberKey:
    made = keys.generate()
    return MemberKey.objects.create(
        member=member,
        key_id=made.key_id,
        public_key=made.public_b64,
        sealed_private_key=made.sealed,
        valid_from=now,
    )


def join(entity: Entity, *, inbox_unit: Unit | None = None) -> tuple[Member, bool]:
    """Make an entity of this deployment a member hosted on this node, with a key pair, an
    inbox (its registry unit) and the system account as a clerk there. Idempotent."""
    node = _require_self_node()
    with db.atomic():
        member = Member.objects.select_for_update().filter(entity=entity).first()
        if member is not None and member.node_id != node.pk:
            raise Conflict(
                f"الجهة {entity.code} مستضافة في عقدة أخرى ({member.node}).",
                f"Entity {entity.code} is hosted on another node ({member.node}).",
                code="hosted_elsewhere",
            )
        if member is not None and not member.is_active:
            raise Conflict(
                "عضوية هذه الجهة ملغاة.",
                "This entity's membership has been revoked.",
                code="member_revoked",
            )
        unit = inbox_unit or (member.inbox_unit if member and member.inbox_unit_id else None)
        unit = unit or _registry_unit(entity)
        if unit.entity_id != entity.pk:
            raise InvalidInput(
                "إدارة الوارد من غير الجهة.",
                "The inbox unit belongs to another entity.",
                code="unit_outside_entity",
            )
        user = system_user()
        directory.grant(user, unit, "clerk")
        created = member is None
        if member is None:
            member = Member.objects.create(
                entity=entity, code=entity.code, node=node, inbox_unit=unit, system_user=user
            )
        elif member.inbox_unit_id != unit.pk or member.system_user_id != user.pk:
            member.inbox_unit, member.system_user = unit, user
            member.save(update_fields=["inbox_unit", "system_user"])
        key = None
        if not MemberKey.objects.filter(
            member=member, valid_until__isnull=True, revoked_at__isnull=True
        ).exists():
            key = _add_key(member, timezone.now())
        if created or key:
            _audit(
                "member.joined" if created else "key.generated",
                entity.code,
                entity.code,
                {
                    "node": node.code,
                    "inbox_unit": unit.code,
                    "key_id": key.key_id if key else None,
                    "keys": integrity.digests([key] if key else []),
                },
            )
    return member, created


def local_member(code: str) -> Member:
    member = Member.objects.select_related("node").filter(code=code).first()
    if member is None or not member.node.is_self:
        raise NotFound(
            "الجهة ليست عضواً مستضافاً في هذه العقدة.",
            f"{code} is not a member hosted on this node.",
            code="not_a_local_member",
        )
    return member


def rotate_key(code: str) -> MemberKey:
    """Give a local member a new key; the old one stops signing now but keeps verifying what
    it signed before. Records `exchange.key.rotated`."""
    with db.atomic():
        member = local_member(code)
        now = timezone.now()
        old = list(
            MemberKey.objects.select_for_update().filter(
                member=member, valid_until__isnull=True, revoked_at__isnull=True
            )
        )
        for key in old:
            key.valid_until = now
            key.save(update_fields=["valid_until"])
        new = _add_key(member, now)
        _audit(
            "key.rotated",
            code,
            code,
            {
                "old": [k.key_id for k in old],
                "new": new.key_id,
                "keys": integrity.digests([*old, new]),
            },
        )
    keys.forget_opened()
    return new


def revoke_key(code: str, key_id: str, reason: str) -> MemberKey:
    """Revoke a key (compromised, lost): nothing signed with it is accepted any more. A local
    member whose current key is revoked gets a new one. Records `exchange.key.revoked` (or
    `exchange.key.generated` when only the new key was made)."""
    reason = (reason or "").strip()[:300]
    with db.atomic():
        key = (
            MemberKey.objects.select_for_update()
            .select_related("member__node")
            .filter(key_id=key_id, member__code=code)
            .first()
        )
        if key is None:
            raise NotFound("المفتاح غير موجود.", "No such key.", code="key_not_found")
        written = []
        revoked = key.revoked_at is None
        if revoked:
            key.revoked_at = timezone.now()
            key.revocation_reason = reason
            key.valid_until = key.valid_until or key.revoked_at
            key.save(update_fields=["revoked_at", "revocation_reason", "valid_until"])
            written.append(key)
        new = None
        if key.member.node.is_self and key.member.is_active:
            current = MemberKey.objects.filter(
                member=key.member, valid_until__isnull=True, revoked_at__isnull=True
            ).exists()
            if not current:
                new = _add_key(key.member, timezone.now())
                written.append(new)
        if written:
            chain = code if key.member.node.is_self else "system"
            data: dict[str, Any] = {"member": code, "keys": integrity.digests(written)}
            if revoked:
                _audit("key.revoked", chain, key_id, {**data, "reason": reason})
            else:
                _audit("key.generated", chain, new.key_id if new else key_id, data)
    keys.forget_opened()
    return key


def revoke_member(code: str, reason: str) -> Member:
    """Revoke a membership: the entity can neither send nor receive any more. Records
    `exchange.member.revoked`."""
    reason = (reason or "").strip()[:300]
    with db.atomic():
        member = Member.objects.select_for_update().filter(code=code).first()
        if member is None:
            raise NotFound("العضو غير موجود.", "No such member.", code="member_not_found")
        if member.is_active:
            member.is_active = False
            member.revoked_at = timezone.now()
            member.revocation_reason = reason
            member.save(update_fields=["is_active", "revoked_at", "revocation_reason"])
            _audit("member.revoked", "system", code, {"reason": reason})
    return member


# ---------------------------------------------------------------------------------------------
# Descriptors: the public part of the directory, exported by one node, imported by another


def _when(value: datetime | None) -> str | None:
    return envelope.timestamp(value) if value else None


def export_descriptor(codes: list[str] | None = None) -> dict[str, Any]:
    """This node and its members with their public keys (never a private key)."""
    node = _require_self_node()
    members = Member.objects.filter(node=node).select_related("entity").order_by("code")
    if codes:
        members = members.filter(code__in=codes)
    key_rows = MemberKey.objects.filter(member__in=members).order_by("valid_from", "id")
    by_member: dict[int, list[dict[str, Any]]] = {}
    for key in key_rows:
        by_member.setdefault(key.member_id, []).append(
            {
                "key_id": key.key_id,
                "algorithm": "Ed25519",
                "public_key": key.public_key,
                "valid_from": _when(key.valid_from),
                "valid_until": _when(key.valid_until),
                "revoked_at": _when(key.revoked_at),
            }
        )
    return {
        "format": DESCRIPTOR_FORMAT,
        "node": {"code": node.code, "url": node.base_url, "name": node.name},
        "members": [
            {
                "entity": m.code,
                "kind": m.entity.kind,
                "name_ar": m.entity.name_ar,
                "name_en": m.entity.name_en,
                "active": m.is_active,
                "revoked_at": _when(m.revoked_at),
                "keys": by_member.get(m.pk, []),
            }
            for m in members
        ],
    }


def _bad_descriptor(detail: str) -> InvalidInput:
    return InvalidInput(
        f"ملف الدليل غير صحيح: {detail}",
        f"The directory descriptor is not valid: {detail}",
        code="bad_descriptor",
    )


def _descriptor_time(value: object, what: str) -> datetime | None:
    if value is None:
        return None
    try:
        return envelope.parse_timestamp(value, what)
    except envelope.EnvelopeError:
        raise _bad_descriptor(what) from None


def import_descriptor(data: Any) -> dict[str, int]:
    """Add or update another node and its members' public keys.

    A key is never un-revoked and its validity never widened; members hosted here are never
    touched by an import. Records `exchange.directory.imported`."""
    if not isinstance(data, dict) or data.get("format") != DESCRIPTOR_FORMAT:
        raise _bad_descriptor("format")
    node_data = data.get("node")
    members = data.get("members")
    if not isinstance(node_data, dict) or not isinstance(members, list):
        raise _bad_descriptor("node / members")
    code = _check_node_code(str(node_data.get("code", "")))
    url = check_url(str(node_data.get("url", "")))
    counts = {"members": 0, "keys_added": 0, "keys_revoked": 0, "members_revoked": 0}
    written: list[MemberKey] = []
    with db.atomic():
        node = Node.objects.select_for_update().filter(code=code).first()
        if node is not None and node.is_self:
            raise Conflict(
                "لا يُستورد دليل هذه العقدة نفسها.",
                "A node does not import its own descriptor.",
                code="own_descriptor",
            )
        if node is None:
            node = Node.objects.create(
                code=code, base_url=url, name=str(node_data.get("name", ""))[:200]
            )
        elif url and node.base_url != url:
            node.base_url = url
            node.save(update_fields=["base_url", "updated_at"])
        for item in members:
            if not isinstance(item, dict):
                raise _bad_descriptor("member")
            _import_member(node, item, counts, written)
        _audit(
            "directory.imported",
            "system",
            code,
            {"node": code, "url": url, **counts, "keys": integrity.digests(written)},
        )
    return counts


def _import_member(
    node: Node, item: dict[str, Any], counts: dict[str, int], written: list[MemberKey]
) -> None:
    code = str(item.get("entity", ""))
    if len(code) > 20 or not envelope.CODE_RE.match(code):
        raise _bad_descriptor("entity code")
    entity = Entity.objects.filter(code=code).first()
    if entity is None:
        kind = str(item.get("kind", "other"))
        if kind not in Entity.Kind.values:
            kind = Entity.Kind.OTHER
        entity, _ = directory.ensure_entity(
            code=code,
            kind=kind,
            name_ar=str(item.get("name_ar", code))[:200] or code,
            name_en=str(item.get("name_en", code))[:200] or code,
        )
    member = Member.objects.select_related("node").filter(code=code).first()
    if member is not None and member.node.is_self:
        raise Conflict(
            f"الجهة {code} مستضافة في هذه العقدة؛ لا يغيرها استيراد.",
            f"{code} is hosted on this node; an import does not change it.",
            code="hosted_here",
        )
    if member is None:
        member = Member.objects.create(entity=entity, code=code, node=node)
    elif member.node_id != node.pk:
        member.node = node  # the entity moved to another node
        member.save(update_fields=["node"])
    counts["members"] += 1
    revoked_at = _descriptor_time(item.get("revoked_at"), "revoked_at")
    if (item.get("active") is False or revoked_at) and member.is_active:
        member.is_active = False
        member.revoked_at = revoked_at or timezone.now()
        member.save(update_fields=["is_active", "revoked_at"])
        counts["members_revoked"] += 1
    key_items = item.get("keys")
    if not isinstance(key_items, list):
        raise _bad_descriptor("keys")
    for key_item in key_items:
        _import_key(member, key_item, counts, written)


def _import_key(
    member: Member, item: Any, counts: dict[str, int], written: list[MemberKey]
) -> None:
    if not isinstance(item, dict) or item.get("algorithm") != "Ed25519":
        raise _bad_descriptor("key")
    try:
        raw = envelope.b64decode(item.get("public_key"), "public_key", 32)
    except envelope.EnvelopeError:
        raise _bad_descriptor("public_key") from None
    key_id = envelope.key_id_for(raw)
    if item.get("key_id") != key_id:
        raise _bad_descriptor("key_id does not match the public key")
    valid_from = _descriptor_time(item.get("valid_from"), "valid_from")
    if valid_from is None:
        raise _bad_descriptor("valid_from")
    valid_until = _descriptor_time(item.get("valid_until"), "valid_until")
    revoked_at = _descriptor_time(item.get("revoked_at"), "revoked_at")
    key = MemberKey.objects.filter(key_id=key_id).first()
    if key is None:
        key = MemberKey.objects.create(
            member=member,
            key_id=key_id,
            public_key=envelope.b64encode(raw),
            valid_from=valid_from,
            valid_until=valid_until,
            revoked_at=revoked_at,
        )
        counts["keys_added"] += 1
        written.append(key)
        return
    if key.member_id != member.pk:
        raise _bad_descriptor(f"key {key_id} belongs to another member")
    changed = []
    if valid_until and (key.valid_until is None or valid_until < key.valid_until):
        key.valid_until = valid_until
        changed.append("valid_until")
    if revoked_at and key.revoked_at is None:
        key.revoked_at = revoked_at
        changed.append("revoked_at")
        counts["keys_revoked"] += 1
    if changed:
        key.save(update_fields=changed)
        written.append(key)


def keys_of(entity: Entity) -> tuple[Member | None, list[MemberKey]]:
    """An entity's membership and its keys, newest first (public parts only are read)."""
    member = Member.objects.select_related("node").filter(entity=entity).first()
    if member is None:
        return None, []
    rows = MemberKey.objects.filter(member=member).defer("sealed_private_key")
    return member, list(rows.order_by("-valid_from", "-id"))


def rotate_key_for(actor: Actor, entity: Entity) -> MemberKey:
    """The entity administrator rotates their entity's key (its administration pages): as
    `rotate_key`, and `exchange.key.rotation_requested` names the person who asked, in the
    same transaction. Anyone else gets NotFound, as for an entity that does not exist."""
    if not actor.administers(entity.pk):
        raise NotFound()
    with db.atomic():
        new = rotate_key(entity.code)
        audit.record(
            "exchange.key.rotation_requested",
            chain=entity.code,
            object_type="exchange",
            object_id=entity.code,
            actor_id=actor.user_id,
            actor=actor.username,
            data={"new": new.key_id},
        )
    return new
