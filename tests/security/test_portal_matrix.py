"""The portal's part of the access matrix (issues 15 and 18): every portal page, read by each
demo person signed in through the real OpenID Connect provider and by someone not signed in,
over the matters of three people (each with a matter in the Emirate, a confidential one and
one in another entity, with a document each; an e-service application submitted through the
pages and one left a draft) and of nobody (an internal memo).

The portal's pages are enumerated from its URL patterns, and its JSON API (/api/v1/portal/,
the same session) from the API's OpenAPI schema: a new page or read is read here without a
change; a new kind of path parameter fails until the matrix is told how to fill it. A leak is
an answer that holds anything identifying a matter that is not the reader's own (its
reference, public id, the marker word of its subject and its document); an existence oracle
is a document or application of someone else answered differently from one that does not
exist.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, reverse

from tests.conftest import Cast, make_transaction
from tests.jalsa.conftest import make_session
from tests.portal.conftest import provider, sign_in, sso  # noqa: F401 — the portal's fixtures
from tests.portal.eservice_fixtures import WAIVER, deed, services_file, step_one
from tests.security.report import record
from tests.security.test_access_matrix import MISSING, body_text, comparable
from wasl.api import api
from wasl.portal import urls as portal_urls
from wasl.portal.eservices import services as eservices
from wasl.portal.eservices.models import Application
from wasl.portal.jalsa.models import Booking
from wasl.portal.people import DEMO_PEOPLE
from wasl.registry import services as registry
from wasl.registry.models import Attachment, Transaction

MARKER = re.compile(r"MP[A-Y]+Z")
PDF = b"%PDF-1.4\n%% MARKER\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
# Pages that take no object and are no read: the sign-in flow (its redirects are tested in
# tests/portal/test_signin.py), signing out, and the demo's one-time code to a phone.
NOT_READS = {"signin", "callback", "signout", "code", "demo_phone"}
API_PREFIX = "/api/v1/portal/"


@dataclass
class World:
    # Per person (by national ID; "nobody" for the memo): the identifying strings of their
    # matters.
    owned: dict[str, set[str]] = field(default_factory=dict)
    documents: dict[str, list[str]] = field(default_factory=dict)
    # Per person: the documents offered to them (those of their non-confidential matters:
    # `portal.queries.own_documents`).
    offered: dict[str, set[str]] = field(default_factory=dict)
    # Per person: their e-service applications (a draft and a submitted one).
    applications: dict[str, list[str]] = field(default_factory=dict)
    # Per person: their Jalsa bookings; and the sessions (public to whoever is signed in).
    bookings: dict[str, list[str]] = field(default_factory=dict)
    sessions: list[str] = field(default_factory=list)


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


def patterns(resolvers: list[Any], namespace: str = "portal") -> list[tuple[str, URLPattern]]:
    """Every URL pattern of the portal with its namespaced name, included ones too."""
    out = []
    for pattern in resolvers:
        if isinstance(pattern, URLResolver):
            inner = f"{namespace}:{pattern.namespace}" if pattern.namespace else namespace
            out += patterns(pattern.url_patterns, inner)
        else:
            assert isinstance(pattern, URLPattern)
            out.append((f"{namespace}:{pattern.name}", pattern))
    return out


def api_reads() -> list[str]:
    """Every GET of the portal's JSON API, from the OpenAPI schema."""
    out = []
    for path, operations in api.get_openapi_schema()["paths"].items():
        if path.startswith(API_PREFIX) and "get" in operations:
            assert "{" not in path, f"{path}: teach the portal matrix to fill its parameter"
            out.append(path)
    return out


def reads(world: World) -> list[tuple[str, str | None]]:
    """Every portal page: those without an object once, those with one for every object of
    everyone and for one that does not exist."""
    ids = {
        "did": [d for docs in world.documents.values() for d in docs],
        "aid": [a for apps in world.applications.values() for a in apps],
        "code": [WAIVER["code"]],  # the catalogue is public to whoever may apply
        "bid": [b for bookings in world.bookings.values() for b in bookings],
        "sid": world.sessions,
        # The offline notice, the same for everyone: drawn without the session.
        "language": ["ar", "en"],
    }
    public = ("code", "sid", "language")
    out: list[tuple[str, str | None]] = []
    for name, pattern in patterns(portal_urls.urlpatterns):
        if pattern.name in NOT_READS:
            continue
        converters = set(pattern.pattern.converters)
        if not converters:
            out.append((reverse(name), None))
            continue
        (kind,) = converters - {"step"}
        assert kind in ids, f"{name}: teach the portal matrix to fill <{kind}>"
        steps = [1, 2] if "step" in converters else [None]
        values = [*ids[kind], *([] if kind in public else [str(MISSING)])]
        for value in values:
            for step in steps:
                kwargs: dict[str, Any] = {kind: value}
                if step is not None:
                    kwargs["step"] = step
                out.append((reverse(name, kwargs=kwargs), None if kind in public else value))
    return out + [(path, None) for path in api_reads()]


@dataclass
class Tally:
    attempts: int = 0
    leaks: list[str] = field(default_factory=list)
    errors_5xx: list[str] = field(default_factory=list)
    oracle_attempts: int = 0
    oracles: list[str] = field(default_factory=list)
    own_documents_read: int = 0
    api_reads: int = 0


def read_all(
    who: str, client: Client, paths: list[tuple[str, str | None]], world: World, tally: Tally
) -> None:
    mine = world.owned.get(who, set())
    forbidden = set().union(*(s for key, s in world.owned.items() if key != who)) - mine
    answers: dict[tuple[str, str], tuple[int, str]] = {}
    for path, oid in paths:
        response = client.get(path)
        tally.attempts += 1
        where = f"{who} GET {path} -> {response.status_code}"
        if response.status_code >= 500:
            tally.errors_5xx.append(where)
            continue
        # The body, and the file name a download is offered under.
        if path.startswith(API_PREFIX):
            # The JSON API answers its owner and nobody else: 401 to anyone not signed in.
            assert response.status_code == (401 if who == "anonymous" else 200), where
            assert "no-store" in response["Cache-Control"], where
            tally.api_reads += who != "anonymous"
        text = body_text(response) + response.get("Content-Disposition", "")
        found = sorted(s for s in forbidden - {oid} if s in text)
        if found:
            tally.leaks.append(f"{where}: {found[:3]}")
        if oid is not None and oid in world.offered.get(who, set()):
            assert response.status_code == 200, where  # one's own document is readable
            tally.own_documents_read += 1
        elif oid is not None and oid not in mine:
            template = path.replace(oid, "{id}")
            answers[(template, oid)] = (response.status_code, comparable(text, oid))
    for (template, oid), answer in answers.items():
        if oid == str(MISSING):
            continue
        tally.oracle_attempts += 1
        missing = answers[(template, str(MISSING))]
        if answer != missing:
            tally.oracles.append(f"{who} {template} {oid}: {answer[0]} vs {missing[0]}")


@pytest.fixture
def world(cast: Cast) -> World:
    return build_world(cast)


def apply(client: Client, world: World, who: str) -> None:
    """Through the pages, as the person: one application submitted, then one left a draft."""
    started = client.post(f"/portal/services/{WAIVER['code']}/start/")
    assert started.status_code == 302, started.content[:500]
    answer = client.post(started["Location"], step_one(DEMO_PEOPLE[3].id_number))
    assert answer.status_code == 302, answer.content.decode()[:2000]
    answer = client.post(
        answer["Location"],
        {"f_deed": deed(), "f_place_lat": "21.4", "f_place_lon": "39.8", "f_phone": "0501234567"},
    )
    assert answer.status_code == 302 and answer["Location"].endswith("/review/")
    assert client.post(answer["Location"]).status_code == 302
    draft = client.post(f"/portal/services/{WAIVER['code']}/start/")
    assert draft.status_code == 302, draft.content[:500]
    apps = Application.objects.filter(person__id_number=who)
    assert sorted(apps.values_list("state", flat=True)) == ["draft", "submitted"]
    world.applications[who] = [str(a) for a in apps.values_list("public_id", flat=True)]
    world.owned[who] |= set(world.applications[who])
    submitted = apps.get(state="submitted").transaction
    assert submitted is not None
    world.owned[who] |= {submitted.reference, str(submitted.public_id)}


def book(client: Client, world: World, who: str) -> None:
    """Through the pages, as the person: a slot in the Jalsa session."""
    (sid,) = world.sessions
    answer = client.post(reverse("portal:jalsa:session", kwargs={"sid": sid}), {"subject": "ل"})
    assert answer.status_code == 302, answer.content.decode()[:2000]
    booking = Booking.objects.select_related("transaction").get(person__id_number=who)
    assert booking.transaction is not None
    world.bookings[who] = [str(booking.public_id)]
    world.owned[who] |= {
        str(booking.public_id),
        booking.transaction.reference,
        str(booking.transaction.public_id),
    }


def test_no_portal_page_shows_a_person_what_is_not_theirs(cast: Cast, world: World) -> None:
    eservices.import_services(services_file({**WAIVER, "audience": "both"}), by="test")
    world.sessions = [str(make_session(cast).public_id)]
    clients = {}
    for person in DEMO_PEOPLE[:3]:
        client = clients[person.id_number] = Client(raise_request_exception=False)
        signed = sign_in(client, person.subject)
        assert signed.status_code == 302, signed.content[:300]
        apply(client, world, person.id_number)
        book(client, world, person.id_number)
    paths = reads(world)
    tally = Tally()
    read_all("anonymous", Client(raise_request_exception=False), paths, world, tally)
    for person in DEMO_PEOPLE[:3]:
        client = clients[person.id_number]
        # Signed in for real: the person's own matters are on their page (by reference; a
        # confidential matter's subject is not shown, as the public inquiry does not).
        matters = client.get(reverse("portal:matters")).content.decode()
        references = {
            ref for ref in world.owned[person.id_number] if re.fullmatch(r"[A-Z-]+-\d+-\d+", ref)
        }
        assert len(references) == 5 and all(ref in matters for ref in references)
        # And in the JSON API, with the person's booking.
        answer = client.get(f"{API_PREFIX}matters").content.decode()
        assert all(ref in answer for ref in references)
        answer = client.get(f"{API_PREFIX}jalsa/bookings").content.decode()
        assert world.bookings[person.id_number][0] in answer
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
    # The matrix read what it claims: every page, every document and application as its
    # owner and as the others.
    assert len(paths) >= len(patterns(portal_urls.urlpatterns)) - len(NOT_READS)
    assert tally.own_documents_read == 3 * 2
    assert tally.api_reads == 3 * len(api_reads()) >= 3 * 5
    # Others' documents (12, or 9 for a person) and applications (6, or 4) on every page
    # that takes one, as the missing one is answered.
    application_pages = sum(
        1 + ("step" in p.pattern.converters)
        for _, p in patterns(portal_urls.urlpatterns)
        if "aid" in p.pattern.converters
    )
    booking_pages = sum(
        1 for _, p in patterns(portal_urls.urlpatterns) if "bid" in p.pattern.converters
    )
    assert tally.oracle_attempts == (12 + 9 * 3) + application_pages * (6 + 4 * 3) + (
        booking_pages * (3 + 2 * 3)
    )
    assert tally.errors_5xx == [], "\n".join(tally.errors_5xx[:20])
    assert tally.leaks == [], f"{len(tally.leaks)} leaks:\n" + "\n".join(tally.leaks[:30])
    assert tally.oracles == [], f"{len(tally.oracles)} oracles:\n" + "\n".join(tally.oracles[:30])
