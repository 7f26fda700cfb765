"""API bearer tokens: made once, shown once, stored as SHA-256."""

from __future__ import annotations

import hashlib
import secrets

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.utils import timezone

from wasl.audit import services as audit
from wasl.core.errors import NotFound

from .models import ApiToken

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
    if not token.startswith(PREFIX) or len(token) > 100:
        return None
    row = (
        ApiToken.objects.select_related("user")
        .filter(key_hash=_hash(token), revoked_at__isnull=True, user__is_active=True)
        .first()
    )
    return row.user if row else None


def revoke_tokens(username: str) -> int:
    return ApiToken.objects.filter(user__username=username, revoked_at__isnull=True).update(
        revoked_at=timezone.now()
    )
