"""Private keys: made here, sealed here, used here — and nowhere else.

A member hosted on this node has an Ed25519 key pair. The private key is stored in the
database sealed with AES-256-GCM under a key derived (HKDF-SHA256) from
`WASL_EXCHANGE_KEY_SECRET` (default: `SECRET_KEY`), with the key id as associated data, so a
sealed key copied onto another key's row does not open. Changing the secret makes the sealed
keys unusable: rotate every member's key right after (`wasl exchange keys rotate --all`).

A private key is opened once per process and kept in memory for signing; it is never
logged, printed, returned by the API or shown on a page (`tests/exchange/test_keys.py`).
"""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings

from . import conf, envelope
from .models import MemberKey

SEAL_PREFIX = "aesgcm1:"


@lru_cache(maxsize=4)
def _sealing_key(secret: str) -> bytes:
    return HKDF(
        algorithm=hashes.SHA256(),
        length=32,
        salt=b"wasl-exchange private keys",
        info=b"seal v1",
    ).derive(secret.encode("utf-8"))


def _secret() -> str:
    return str(conf.get("WASL_EXCHANGE_KEY_SECRET") or settings.SECRET_KEY)


def seal(private_raw: bytes, key_id: str) -> str:
    nonce = os.urandom(12)
    sealed = AESGCM(_sealing_key(_secret())).encrypt(nonce, private_raw, key_id.encode())
    return SEAL_PREFIX + envelope.b64encode(nonce + sealed)


def unseal(text: str, key_id: str) -> bytes:
    if not text.startswith(SEAL_PREFIX):
        raise KeyUnavailable(key_id)
    data = envelope.b64decode(text[len(SEAL_PREFIX) :], "sealed")
    try:
        return AESGCM(_sealing_key(_secret())).decrypt(data[:12], data[12:], key_id.encode())
    except InvalidTag:
        raise KeyUnavailable(key_id) from None


class KeyUnavailable(Exception):
    """The private key cannot be opened here (another secret, or a remote member)."""


@dataclass(frozen=True)
class NewKey:
    key_id: str
    public_b64: str
    sealed: str


def generate() -> NewKey:
    private = Ed25519PrivateKey.generate()
    public_raw = private.public_key().public_bytes(
        serialization.Encoding.Raw, serialization.PublicFormat.Raw
    )
    private_raw = private.private_bytes(
        serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption()
    )
    key_id = envelope.key_id_for(public_raw)
    return NewKey(key_id, envelope.b64encode(public_raw), seal(private_raw, key_id))


_opened: dict[str, Ed25519PrivateKey] = {}
_lock = threading.Lock()


@dataclass(frozen=True)
class Signer:
    member_code: str
    key_id: str
    private_key: Ed25519PrivateKey

    def __repr__(self) -> str:
        return f"<Signer {self.member_code} {self.key_id}>"

    def sign(self, kind: str, body: dict[str, object]) -> envelope.Signed:
        return envelope.sign(self.private_key, self.key_id, kind, body)


def signer_for(member_id: int, member_code: str) -> Signer:
    """The current signing key of a member hosted here (one query; opened once per process)."""
    return signer_from(signing_key_row(member_id), member_code)


def signing_key_row(member_id: int) -> tuple[str, str] | None:
    """(key id, sealed private key) of the member's current signing key, or None."""
    return (
        MemberKey.objects.filter(
            member_id=member_id, valid_until__isnull=True, revoked_at__isnull=True
        )
        .exclude(sealed_private_key="")
        .order_by("-valid_from", "-id")
        .values_list("key_id", "sealed_private_key")
        .first()
    )


def signer_from(row: tuple[str, str] | None, member_code: str) -> Signer:
    """The signer of a `signing_key_row`; KeyUnavailable for None."""
    if row is None:
        raise KeyUnavailable(member_code)
    key_id, sealed = row
    with _lock:
        private = _opened.get(key_id)
    if private is None:
        private = Ed25519PrivateKey.from_private_bytes(unseal(sealed, key_id))
        with _lock:
            _opened[key_id] = private
    return Signer(member_code, key_id, private)


def forget_opened() -> None:
    """Drop opened private keys from memory (after a rotation or revocation)."""
    with _lock:
        _opened.clear()


@dataclass(frozen=True)
class PublicKey:
    key_id: str
    member_code: str
    member_active: bool
    public_raw: bytes
    valid_from: datetime
    valid_until: datetime | None
    revoked_at: datetime | None

    def valid_at(self, moment: datetime) -> bool:
        return self.valid_from <= moment and (self.valid_until is None or moment < self.valid_until)


def public_key(key_id: str) -> PublicKey | None:
    """A key of the directory with its member's code and state (read every time, never
    kept: a revocation takes effect at once in every process)."""
    if not isinstance(key_id, str) or not key_id or len(key_id) > 32:
        return None
    key = MemberKey.objects.select_related("member").filter(key_id=key_id).first()
    if key is None:
        return None
    return PublicKey(
        key.key_id,
        key.member.code,
        key.member.is_active,
        envelope.b64decode(key.public_key, "public_key", 32),
        key.valid_from,
        key.valid_until,
        key.revoked_at,
    )
