"""API bearer tokens: made once, shown once, stored as SHA-256."""

from __future__ import annotations

import hashlib
import secrets

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.utils import timezone

from wasl.audit import services as audit
from wasl.core.errors import NotFound

from .actors import MEMBERSHIP_COLUMNS, build_actor, remember_actor
from .models import ApiToken

# In the order of the user model's fields (`Model.from_db` reads them in that order).
USER_FIELDS = ("id", "username", "first_name", "last_name", "is_active")

PREFIX = "wasl_"


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_token(username: str, *, label: str = "") -> str:
    """Create a token for `username`; the only time the token itself is seen."""
    from django.db import transaction

    user = get_user_model().objects.filter(username=username, is_active=True).first()
    if user is None:
        raise NotFound(
            "المستخدم غير موجود.", f"No active user {username!r}.", code="user_not_found"
        )
    token = PREFIX + secrets.token_urlsafe(32)
    with transaction.atomic():
        made = ApiToken.objects.create(
            user=user, key_hash=_hash(token), prefix=token[:12], label=label[:100]
        )
        audit.record(
            "directory.token.created",
            chain="system",
            object_type="api_token",
            object_id=str(made.pk),
            actor=username,
            actor_id=user.pk,
            data={"prefix": made.prefix, "label": made.label},
        )
    return token


def user_for_token(token: str) -> AbstractBaseUser | None:
    """The active person a live token belongs to, with their actor already built: one query.

    The token is 256 random bits, so a plain SHA-256 digest is the right lookup key (a slow
    password hash would buy nothing and cost every request). The person's memberships come
    in the same query through a LEFT JOIN (one row per membership, one empty row when there
    is none), so that authenticating a request costs one query.
    """
    if not token.startswith(PREFIX) or len(token) > 100:
        return None
    rows = list(
        ApiToken.objects.filter(
            key_hash=_hash(token), revoked_at__isnull=True, user__is_active=True
        ).values_list(
            *(f"user__{name}" for name in USER_FIELDS),
            *(f"user__memberships__{column}" for column in MEMBERSHIP_COLUMNS),
        )
    )
    if not rows:
        return None
    width = len(USER_FIELDS)
    model = get_user_model()
    # A user loaded with these fields only (the others deferred, read if ever asked for).
    user = model.from_db(ApiToken.objects.db, list(USER_FIELDS), rows[0][:width])
    remember_actor(user, build_actor(user.pk, user.get_username(), [r[width:] for r in rows]))
    return user


def revoke_tokens(username: str) -> int:
    """Revoke every live token of `username`; records `directory.token.revoked` with their
    prefixes, in the same database transaction."""
    from django.db import transaction

    now = timezone.now()
    with transaction.atomic():
        live = ApiToken.objects.select_for_update().filter(
            user__username=username, revoked_at__isnull=True
        )
        revoked = list(live.values_list("pk", "prefix"))
        if not revoked:
            return 0
        ApiToken.objects.filter(pk__in=[pk for pk, _ in revoked]).update(revoked_at=now)
        audit.record(
            "directory.token.revoked",
            chain="system",
            object_type="user",
            object_id=username[:64],
            actor=username,
            data={"prefixes": [prefix for _, prefix in revoked], "revoked_at": now.isoformat()},
            at=now,
        )
    return len(revoked)
