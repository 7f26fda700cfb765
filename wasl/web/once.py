"""Forms that act once: a second click on a step never records it twice.

Every step form carries a one-time token: a random nonce signed for the person it was given
to, with the time it was given. Submitting claims the nonce in `web.SubmittedForm` inside the
step's own database transaction, so the claim and the step are saved together or not at all:
a step the registry refuses leaves the token unclaimed (the person corrects and sends again),
and a second POST of the same form (a double click, a resent page, a racing request) finds
the claim and does nothing. Signed, the tokens need no session storage, so a page may carry
as many forms as it has dialogs.
"""

from __future__ import annotations

import secrets
from typing import Any

from django.core import signing
from django.db import IntegrityError
from django.db import transaction as db

from .models import SubmittedForm

# A form left open longer than this is shown again, with what was typed, to be sent anew.
MAX_AGE_SECONDS = 24 * 60 * 60


def _signer(user_id: int) -> signing.TimestampSigner:
    return signing.TimestampSigner(salt=f"wasl.web.once:{user_id}")


def new_token(user_id: int) -> str:
    return _signer(user_id).sign(secrets.token_urlsafe(24))


def nonce_of(user_id: int, token: str) -> str | None:
    """The token's nonce when it was given to ``user_id`` and is not too old, else None."""
    try:
        return _signer(user_id).unsign(token, max_age=MAX_AGE_SECONDS)
    except signing.BadSignature:  # also SignatureExpired
        return None


def claim(user_id: int, nonce: str, result: Any) -> bool:
    """Claim ``nonce`` inside the caller's transaction; False when it was claimed before."""
    assert db.get_connection().in_atomic_block, "claim inside the step's transaction"
    try:
        with db.atomic():
            SubmittedForm.objects.create(token=nonce, user_id=user_id, result=result)
    except IntegrityError:
        return False
    return True
