#!/usr/bin/env python3
"""Verify a Wasl proof bundle with public keys only — no Wasl, no Django, no database.

    python3 tools/verify_proof.py proof.json --keys emk-node.json --keys police-node.json

A proof bundle (`wasl exchange export-proof MESSAGE_ID`) holds a signed envelope, the
receiver's signed receipt, the public keys that signed them and their places in the message
log. This script checks that:

1. the envelope is signed by a key of its sender, valid when it was signed;
2. the receipt is signed by a key of the envelope's receiver, valid when it was signed;
3. the receipt acknowledges exactly this envelope (message id and SHA-256 of the canonical
   signed envelope) and names the same two parties;
4. with `--keys` (directory descriptors obtained from the nodes' operators, or from
   `GET /exchange/v1/members` over HTTPS), the keys in the bundle are the directory's own.
   Without `--keys` the keys are taken from the bundle itself, which proves integrity but
   not identity: the script says so.

Exit status 0 when everything holds, 1 otherwise. Needs only the `cryptography` package.
The canonical form (sorted keys, no whitespace, UTF-8, integers only) is that of
`wasl/exchange/envelope.py`, repeated here on purpose.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import json
import sys
from datetime import UTC, datetime
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

DOMAIN = {
    "envelope": b"wasl-exchange-v1 envelope\n",
    "receipt": b"wasl-exchange-v1 receipt\n",
}


def canonical(value: Any) -> bytes:
    return json.dumps(
        value, sort_keys=True, ensure_ascii=False, separators=(",", ":"), allow_nan=False
    ).encode("utf-8")


def when(text: str | None) -> datetime | None:
    if text is None:
        return None
    return datetime.strptime(text, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=UTC)


def key_id_for(raw: bytes) -> str:
    return hashlib.sha256(raw).hexdigest()[:32]


class Keys:
    def __init__(self) -> None:
        self.by_id: dict[str, dict[str, Any]] = {}

    def add(self, entity: str, key: dict[str, Any]) -> None:
        raw = base64.b64decode(key["public_key"], validate=True)
        if len(raw) != 32 or key_id_for(raw) != key["key_id"]:
            raise ValueError(f"key {key.get('key_id')} does not match its public key")
        self.by_id[key["key_id"]] = {**key, "entity": entity, "raw": raw}

    @classmethod
    def from_descriptors(cls, paths: list[str]) -> Keys:
        keys = cls()
        for path in paths:
            with open(path, encoding="utf-8") as handle:
                data = json.load(handle)
            if data.get("format") != "wasl-members-v1":
                raise ValueError(f"{path}: not a Wasl directory descriptor")
            for member in data["members"]:
                for key in member["keys"]:
                    keys.add(member["entity"], key)
        return keys


def check_signed(
    kind: str, message: dict[str, Any], keys: Keys, signer: str, signed_at: str
) -> list[str]:
    problems = []
    signature = message["signature"]
    key = keys.by_id.get(signature["key_id"])
    if key is None:
        return [f"{kind}: signing key {signature['key_id']} is unknown"]
    if key["entity"] != signer:
        problems.append(f"{kind}: key {key['key_id']} belongs to {key['entity']}, not {signer}")
    moment = when(signed_at)
    start, end, revoked = (
        when(key["valid_from"]),
        when(key.get("valid_until")),
        when(key.get("revoked_at")),
    )
    if moment is None or start is None or moment < start or (end is not None and moment >= end):
        problems.append(f"{kind}: signed at {signed_at}, outside its key's validity")
    if revoked is not None and moment is not None and moment >= revoked:
        problems.append(f"{kind}: signed after its key was revoked")
    try:
        value = base64.b64decode(signature["value"], validate=True)
        Ed25519PublicKey.from_public_bytes(key["raw"]).verify(
            value, DOMAIN[kind] + canonical(message[kind])
        )
    except (InvalidSignature, ValueError):
        problems.append(f"{kind}: the signature does not verify")
    return problems


def verify(bundle: dict[str, Any], trusted: Keys | None) -> tuple[list[str], list[str]]:
    """(problems, notes)"""
    notes: list[str] = []
    if bundle.get("format") != "wasl-proof-v1":
        return ["not a Wasl proof bundle (format)"], notes
    embedded = Keys()
    for key in bundle.get("keys", []):
        embedded.add(key["entity"], key)
    keys = trusted or embedded
    if trusted is None:
        notes.append(
            "keys taken from the bundle itself: integrity proven, identity not — pass --keys"
        )
    else:
        for key_id, key in embedded.by_id.items():
            known = trusted.by_id.get(key_id)
            if (
                known is None
                or known["public_key"] != key["public_key"]
                or known["entity"] != key["entity"]
            ):
                notes.append(f"the bundle's key {key_id} is not in the directory given")
    message, receipt = bundle["message"], bundle.get("receipt")
    env = message["envelope"]
    problems = check_signed("envelope", message, keys, env["sender"], env["created_at"])
    if receipt is None:
        problems.append("no receipt: the message was not (yet) acknowledged by its receiver")
        return problems, notes
    body = receipt["receipt"]
    problems += check_signed("receipt", receipt, keys, env["receiver"], body["at"])
    digest = hashlib.sha256(canonical(message)).hexdigest()
    if body["message_id"] != env["message_id"]:
        problems.append("the receipt is for another message id")
    if body["envelope_sha256"] != digest:
        problems.append("the receipt acknowledges another envelope (SHA-256 differs)")
    if body["sender"] != env["receiver"] or body["receiver"] != env["sender"]:
        problems.append("the receipt names other parties than the envelope")
    return problems, notes


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("bundle")
    parser.add_argument("--keys", action="append", default=[], help="directory descriptor JSON")
    args = parser.parse_args(argv)
    with open(args.bundle, encoding="utf-8") as handle:
        bundle = json.load(handle)
    try:
        trusted = Keys.from_descriptors(args.keys) if args.keys else None
        problems, notes = verify(bundle, trusted)
    except (KeyError, TypeError, ValueError) as error:
        problems, notes = [f"malformed bundle or keys: {error}"], []
    for note in notes:
        print(f"note: {note}")
    if problems:
        for problem in problems:
            print(f"FAILED: {problem}")
        return 1
    env = bundle["message"]["envelope"]
    receipt = bundle["receipt"]["receipt"]
    print(
        f"OK: {env['type']} {env['message_id']} from {env['sender']} to {env['receiver']}, "
        f"signed {env['created_at']}; received as {receipt['reference'] or receipt['outcome']} "
        f"at {receipt['at']}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
