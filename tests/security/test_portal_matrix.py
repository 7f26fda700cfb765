"""The portal's part of the access matrix (issues 15 and 18): every portal page, read by each
demo person signed in through the real OpenID Connect provider and by someone not signed in,
over the matters of three people (each with a matter in the Emirate, a confidential one and
one in another entity, with a document each) and of nobody (an internal memo).

The portal's pages are enumerated from its URL patterns: a new page is read here without a
change; a new kind of path parameter fails until the matrix is told how to fill it. A leak is
an answer that holds anything identifying a matter that is not the reader's own (its
reference, public id, the marker word of its subject and its document); an existence oracle
is a document of someone else answered differently from one that does not exist.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import pytest
from django.test import Client
from django.urls import URLPattern, reverse

from tests.conftest import Cast, make_transaction
from tests.portal.conftest import provider, sign_in, sso  # noqa: F401 — the portal's fixtures
from tests.security.report import record
from tests.security.test_access_matrix import MISSING, body_text, comparable
from wasl.portal import urls as portal_urls
from wasl.portal.people import DEMO_PEOPLE
from wasl.registry import services as registry
from wasl.registry.models import Attachment, Transaction

MARKER = re.compile(r"MP[A-Y]+Z")
PDF = b"%PDF-1.4\n%% MARKER\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
# Pages that take no object and are no read: the sign-in flow (its redirects are tested in
# tests/portal/test_signin.py), signing out, and the demo's one-time code to a phone.
NOT_READS = {"signin", "callback", "signout", "code", "demo_phone"}


@dataclass
class World:
    # Per person (by national ID; "nobody" for the memo): the identifying strings of their
    # matters.
    owned: dict[str, set[str]] = field(default_factory=dict)
    documents: dict[str, list[str]] = field(default_factory=dict)
    # Per person: the documents offered to them (those of their non-confidential matters:
    # `portal.queries.own_documents`).
    offered: dict[str, set[str]] = field(default_factory=dict)


def _marker(n: int) -> str:
    letters = ""
    while True:
        letters += "ABCDEFGHIJKLMNOPQRSTUVWXY"[n % 25]
        n //= 25
        if not n:
            return f"MP{letters}Z"


def _matter(cast: Cast, owner: Any, n: int, **fields: Any) -> Transaction:
    marker = _marker(n)
    if owner is not None:
        fields["party"] = registry.Party(
            type="citizen" if owner.id_number.startswith("1") else "resident",
            name=owner.name_ar,
            id_number=owner.id_number,
        )
    else:
        # A memo between units: nobody outside is its party.
        fields.update(party=registry.Party(type="none"), direction="internal", kind="memo")
    txn = make_transaction(cast, subject=f"معاملة {marker} للاختبار", **fields)
    registry.add_attachment(
        (fields.get("by") or cast.clerk).actor,
        txn.public_id,
        chunks=[PDF.replace(b"MARKER", marker.encode())],
        filename=f"{marker}.pdf",
    )
    return txn


def build_world(cast: Cast) -> World:
    world = World()
    n = 0
    for owner in [*DEMO_PEOPLE[:3], None]:
        key = owner.id_number if owner else "nobody"
        made = []
        for fields in (
            {},
            {"confidentiality": "confidential"},
            {"by": cast.outsider, "unit": cast.amanah_registry},
        ):
            made.append(_matter(cast, owner, n, **fields))
            n += 1
        world.owned[key] = {
            s
            for txn in made
            for s in (txn.reference, str(txn.public_id), *MARKER.findall(txn.subject))
        }
        world.documents[key] = [
            str(a)
            for a in Attachment.objects.filter(transaction__in=made).values_list(
                "public_id", flat=True
            )
        ]
        world.owned[key] |= set(world.documents[key])
        world.offered[key] = {
            str(a)
            for a in Attachment.objects.filter(
                transaction__in=made, transaction__confidentiality="normal"
            ).values_list("public_id", flat=True)
        }
    return world


def reads(world: World) -> list[tuple[str, str | None]]:
    """Every portal page: those without an object once, those with one for every document
    of everyone and for one that does not exist."""
    ids = {"did": [d for docs in world.documents.values() for d in docs]}
    out: list[tuple[str, str | None]] = []
    for pattern in portal_urls.urlpatterns:
        assert isinstance(pattern, URLPattern)
        if pattern.name in NOT_READS:
            continue
        converters = set(pattern.pattern.converters)
        if not converters:
            out.append((reverse(f"portal:{pattern.name}"), None))
            continue
        (name,) = converters
        assert name in ids, f"{pattern.name}: teach the portal matrix to fill <{name}>"
        for value in [*ids[name], str(MISSING)]:
            out.append((reverse(f"portal:{pattern.name}", kwargs={name: value}), value))
    return out


@dataclass
class Tally:
    attempts: int = 0
    leaks: list[str] = field(default_factory=list)
    errors_5xx: list[str] = field(default_factory=list)
    oracle_attempts: int = 0
    oracles: list[str] = field(default_factory=list)
    own_documents_read: int = 0


def read_all(
    who: str, client: Client, paths: list[tuple[str, str | None]], world: World, tally: Tally
) -> None:
    mine = world.owned.get(who, set())
    forbidden = set().union(*(s for key, s in world.owned.items() if key != who)) - mine
    answers: dict[str, tuple[int, str]] = {}
    for path, oid in paths:
        response = client.get(path)
        tally.attempts += 1
        where = f"{who} GET {path} -> {response.status_code}"
        if response.status_code >= 500:
            tally.errors_5xx.append(where)
            continue
        # The body, and the file name a download is offered under.
        text = body_text(response) + response.get("Content-Disposition", "")
        found = sorted(s for s in forbidden - {oid} if s in text)
        if found:
            tally.leaks.append(f"{where}: {found[:3]}")
        if oid is not None and oid in world.offered.get(who, set()):
            assert response.status_code == 200, where  # one's own document is readable
            tally.own_documents_read += 1
        elif oid is not None:
            answers[oid] = (response.status_code, comparable(text, oid))
    missing = answers.pop(str(MISSING))
    for oid, answer in answers.items():
        tally.oracle_attempts += 1
        if answer != missing:
            tally.oracles.append(f"{who} {oid}: {answer[0]} vs {missing[0]}")


@pytest.fixture
def world(cast: Cast) -> World:
    return build_world(cast)


def test_no_portal_page_shows_a_person_what_is_not_theirs(cast: Cast, world: World) -> None:
    paths = reads(world)
    tally = Tally()
    read_all("anonymous", Client(raise_request_exception=False), paths, world, tally)
    for person in DEMO_PEOPLE[:3]:
        client = Client(raise_request_exception=False)
        signed = sign_in(client, person.subject)
        assert signed.status_code == 302, signed.content[:300]
        # Signed in for real: the person's own matters are on their page (by reference; a
        # confidential matter's subject is not shown, as the public inquiry does not).
        matters = client.get(reverse("portal:matters")).content.decode()
        references = {
            ref for ref in world.owned[person.id_number] if re.fullmatch(r"[A-Z-]+-\d+-\d+", ref)
        }
        assert len(references) == 3 and all(ref in matters for ref in references)
        read_all(person.id_number, client, paths, world, tally)
    print(
        f"portal matrix: {tally.attempts} reads, {len(tally.leaks)} leaks, "
        f"{len(tally.errors_5xx)} 5xx; existence oracle: {tally.oracle_attempts} pairs, "
        f"{len(tally.oracles)} differ"
    )
    record(
        "portal access matrix",
        attempts=tally.attempts,
        leaks=len(tally.leaks) + len(tally.oracles),
        errors_5xx=len(tally.errors_5xx),
    )
    # The matrix read what it claims: every page, every document as its owner and as others.
    assert len(paths) >= len(portal_urls.urlpatterns) - len(NOT_READS)
    assert tally.own_documents_read == 3 * 2
    assert tally.oracle_attempts == 4 * (4 * 3) - 3 * 2
    assert tally.errors_5xx == [], "\n".join(tally.errors_5xx[:20])
    assert tally.leaks == [], f"{len(tally.leaks)} leaks:\n" + "\n".join(tally.leaks[:30])
    assert tally.oracles == [], f"{len(tally.oracles)} oracles:\n" + "\n".join(tally.oracles[:30])
