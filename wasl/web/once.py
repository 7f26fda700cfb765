"""The one guard against a form acting twice: a second click never records a step or a
registration twice.

Every form carries a one-time token: a random nonce signed for the person it was given to,
with the time it was given. Submitting claims the nonce in `web.SubmittedForm` inside the
act's own database transaction, so the claim and the act are saved together or not at all:
an act the registry refuses leaves the token unclaimed (the person corrects and sends
again), and a second POST of the same form (a double click, a resent page, a racing request)
finds the claim and is shown what the first one did. Signed, the tokens need no session
storage, so a page may carry as many forms as it has dialogs.
"""

from __future__ import annotations

import secrets
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.core import signing
from django.db import IntegrityError
from django.db import transaction as db

from wasl.registry.models import Transaction

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
    assert db.get_connection().in_atomic_block, "claim inside the act's transaction"
    try:
        with db.atomic():
            SubmittedForm.objects.create(token=nonce, user_id=user_id, result=result)
    except IntegrityError:
        return False
    return True


@dataclass(frozen=True)
class Submitted:
    """What became of a form sent once: ``expired`` (its token is forged, someone else's or
    too old: nothing was done), ``again`` (an earlier POST of the same form acted, on the
    transaction ``result``; None while that POST is still at work), or done: ``transaction``
    is what the act returned."""

    expired: bool = False
    again: bool = False
    result: uuid.UUID | None = None
    transaction: Transaction | None = None


def submit(user_id: int, token: str, act: Callable[[], Transaction]) -> Submitted:
    """Run ``act`` once for the form that carried ``token``, in one database transaction
    with the claim of its token. ``act`` returns the transaction it acted on (or made); an
    error it raises undoes the act and the claim alike."""
    nonce = nonce_of(user_id, token)
    if nonce is None:
        return Submitted(expired=True)
    with db.atomic():
        if not claim(user_id, nonce, None):
            earlier = SubmittedForm.objects.filter(token=nonce, user_id=user_id).first()
            return Submitted(again=True, result=earlier.result if earlier else None)
        txn = act()
        SubmittedForm.objects.filter(token=nonce).update(result=txn.public_id)
    return Submitted(result=txn.public_id, transaction=txn)
