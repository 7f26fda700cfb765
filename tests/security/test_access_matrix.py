"""The access matrix (issue 15, items 1 and 2): every role × every read path × transactions of
every kind of distance from the reader, with links and letters between them.

A world built through the real services: transactions of the reader's own unit, of another
unit, of another entity, confidential, top secret, routed; links from what a reader may see
to what they may not; a letter sent through Wasl and answered, also for an original the
answering copy's readers may not see. Then every person reads everything:

- every GET operation of the API, enumerated from /api/v1/openapi.json (a new operation is
  read here without a change; a new kind of path parameter fails until the matrix is told
  how to fill it);
- every staff page that names an object (enumerated from the URL patterns, each step), the
  inbox, the inquiry and its exports, the dashboards, their drill-down lists and exports,
  the receipts (PDF, read with pdftotext) and the attachments.

A leak is a response that holds anything identifying a transaction the reader may not see
(`visible_transactions`): its reference, its public id, the marker word of its subject, body
and files — unless the very same text belongs to one the reader may see (a letter and its
copy at the receiver share a subject; a delivery names the receiver's number, an incoming
letter the sender's: those are the correspondence itself). An existence oracle is a read
that answers differently for an object that exists but is hidden and for one that does not
exist.
"""

from __future__ import annotations

import csv
import html
import io
import json
import re
import shutil
import subprocess
import uuid
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django.urls import URLPattern, reverse

from tests.conftest import Cast, Person
from tests.security.report import record
from wasl import demo as demo_data
from wasl.core.arabic import fold_digits
from wasl.directory import services as directory
from wasl.directory.models import Membership, Unit
from wasl.directory.tokens import create_token
from wasl.exchange import delivery, members, proofs, ratelimit
from wasl.exchange import services as exchange
from wasl.exchange.models import IncomingMessage, OutgoingMessage
from wasl.registry import services as registry
from wasl.registry import states
from wasl.registry.models import Attachment, Event, Referral, Transaction
from wasl.registry.queries import visible_transactions
from wasl.web import urls as web_urls
from wasl.web.views import exchange as exchange_pages
from wasl.web.workspace import UNIT_SESSION_KEY

DEMO_PEOPLE = Path(demo_data.__file__).parent / "data" / "people.csv"

# The marker word in a transaction's subject, body, files and instructions (none is a part
# of another: each ends with the only Z it holds).
MARKER = re.compile(r"MK[A-Y]+Z")
# Poppler's pdftotext reads the PDFs (receipts, exports); missing, the matrix fails.
PDFTOTEXT = shutil.which("pdftotext") or "pdftotext: apt-get install poppler-utils"
MISSING = uuid.UUID("00000000-0000-4000-8000-00000000dead")


# ---------------------------------------------------------------------------------------------
# The world


@dataclass
class World:
    cast: Cast
    people: dict[str, Person]
    txns: dict[str, Transaction]
    # The public ids of transactions whose receipts are read: one that names others by its
    # links, one that came in answering a letter.
    naming: set[str] = field(default_factory=set)

    def all_transactions(self) -> list[Transaction]:
        return list(Transaction.objects.order_by("id"))


def _register(person: Person, unit: Unit, marker: str, **fields: Any) -> Transaction:
    base: dict[str, Any] = {
        "unit": unit,
        "direction": "incoming",
        "kind": "petition",
        "subject": f"{marker} طلب إفادة بشأن أرض",
        "body": f"نص المعروض {marker}",
        "party": registry.Party(type="citizen", name="محمد بن علي الحربي", id_number="1058529940"),
    }
    base.update(fields)
    return registry.register_transaction(person.actor, **base)


def _attach(person: Person, txn: Transaction, marker: str) -> None:
    registry.add_attachment(
        person.actor,
        txn.public_id,
        chunks=[f"محتوى {marker}\n".encode()],
        filename=f"{marker}.txt",
        declared_type="text/plain",
    )


def build_world(cast: Cast) -> World:
    people = {
        name: getattr(cast, name)
        for name in (
            "clerk",
            "head",
            "rights_clerk",
            "rights_head",
            "security_clerk",
            "executive",
            "auditor",
            "admin",
            "governor_office",
            "outsider",
        )
    }
    # A clerk of two entities (links across entities), and a person with no membership.
    people["liaison"] = cast.person("liaison", "وليد", "الحازمي", cast.registry, "clerk")
    directory.grant(people["liaison"].user, cast.amanah_registry, "clerk")
    nobody, _ = directory.ensure_person(username="nobody", first_name="بلا", last_name="عضوية")
    people["nobody"] = Person(user=nobody, token=create_token("nobody"))

    ratelimit.reset()
    members.init_node("NODE-T", "http://testserver")
    for entity in (cast.emk, cast.jed, cast.amanah):
        members.join(entity)

    t: dict[str, Transaction] = {}
    t["own"] = _register(cast.clerk, cast.registry, "MKOWNZ")
    t["other_unit"] = _register(cast.rights_clerk, cast.rights, "MKRIGHTSZ")
    t["other_entity"] = _register(cast.outsider, cast.amanah_registry, "MKAMANAHZ")
    t["governorate"] = _register(cast.governor_office, cast.jed_office, "MKJEDZ")
    t["confidential"] = _register(
        cast.rights_clerk, cast.rights, "MKCONFZ", confidentiality="confidential"
    )
    t["top_secret"] = _register(
        cast.rights_clerk, cast.rights, "MKTOPSECRETZ", confidentiality="top_secret"
    )
    t["routed_confidential"] = _register(
        cast.clerk, cast.registry, "MKROUTEDZ", confidentiality="confidential"
    )
    registry.refer(
        cast.clerk.actor,
        t["routed_confidential"].public_id,
        to_units=[cast.security],
        instruction="MKROUTEDZ للاطلاع",
    )
    t["routed_to_rights"] = _register(cast.clerk, cast.registry, "MKREFERREDZ")
    registry.refer(
        cast.clerk.actor,
        t["routed_to_rights"].public_id,
        to_units=[cast.rights],
        instruction="MKREFERREDZ للإفادة",
    )
    for name in ("own", "confidential", "top_secret", "other_entity"):
        owner = {
            "own": cast.clerk,
            "other_entity": cast.outsider,
        }.get(name, cast.rights_clerk)
        _attach(owner, t[name], f"MKFILE{name.upper().replace('_', '')}Z")

    # Links from what many may see to what few may: the linked events name their targets.
    t["hub"] = _register(cast.rights_head, cast.rights, "MKHUBZ")
    for target in ("confidential", "top_secret", "other_unit"):
        registry.link(cast.rights_head.actor, t["hub"].public_id, t[target].public_id)
    registry.link(cast.clerk.actor, t["own"].public_id, t["routed_confidential"].public_id)
    t["bridge"] = _register(people["liaison"], cast.registry, "MKBRIDGEZ")
    registry.link(people["liaison"].actor, t["bridge"].public_id, t["other_entity"].public_id)

    # Letters through Wasl: the registry writes to the Amanah, which answers; the rights
    # administration writes too, and its answer comes into the registry's inbox, where the
    # registry's clerks may see the answer but not the letter it answers. The registry's
    # letter is about a transaction referred to the rights administration, whose readers
    # there see its receipt on the timeline (`letter_delivered`) but not the letter.
    for unit, person, marker in (
        (cast.registry, cast.clerk, "MKLETTERZ"),
        (cast.rights, cast.rights_clerk, "MKRIGHTSLETTERZ"),
    ):
        sent = exchange.send_letter(
            person.actor,
            unit=unit,
            to=["AMN-JED"],
            subject=f"{marker} طلب إزالة التعديات",
            body=f"نص الخطاب {marker}",
            concerning=t["routed_to_rights"].public_id if unit == cast.registry else None,
        )
        name = marker[2:-1].lower()
        t[name] = sent.transaction
        delivery.deliver_due()
        copy = IncomingMessage.objects.get(
            message_id=OutgoingMessage.objects.get(transaction=sent.transaction).message_id
        ).transaction
        t[f"{name}_copy"] = copy
        answer = exchange.send_letter(
            cast.outsider.actor,
            unit=cast.amanah_registry,
            to=[],
            subject=f"{marker[:-1]}ANSWERZ الرد بشأن التعديات",
            body=f"نص الرد {marker[:-1]}ANSWERZ",
            answers=copy.public_id,
        )
        t[f"{name}_answer"] = answer.transaction
        delivery.deliver_due()
        incoming = IncomingMessage.objects.filter(
            message_id__in=OutgoingMessage.objects.filter(transaction=answer.transaction).values(
                "message_id"
            )
        ).first()
        assert incoming is not None and incoming.transaction is not None
        t[f"{name}_answer_copy"] = incoming.transaction
    naming = {str(t[n].public_id) for n in ("hub", "rightsletter_answer_copy")}
    return World(cast=cast, people=people, txns=t, naming=naming)


# ---------------------------------------------------------------------------------------------
# What identifies a transaction, and what a reader may not read


def identifying(txn: Transaction) -> set[str]:
    """Its reference, its public id, its subject and body, and the marker words of its
    subject, body, files and referrals' instructions."""
    texts = {txn.reference, str(txn.public_id), txn.public_id.hex, txn.subject}
    if txn.body:
        texts.add(txn.body)
    words = [txn.subject, txn.body]
    words += Attachment.objects.filter(transaction=txn).values_list("filename", flat=True)
    words += Referral.objects.filter(transaction=txn).values_list("instruction", flat=True)
    for text in words:
        texts.update(MARKER.findall(text))
    return texts


def correspondence(txns: list[Transaction]) -> set[str]:
    """The other side's numbers that belong to these transactions' letters."""
    ids = [t.pk for t in txns]
    known = {t.external_reference for t in txns if t.external_reference}
    known.update(
        OutgoingMessage.objects.filter(transaction_id__in=ids)
        .exclude(their_reference="")
        .values_list("their_reference", flat=True)
    )
    known.update(
        IncomingMessage.objects.filter(transaction_id__in=ids)
        .exclude(their_reference="")
        .values_list("their_reference", flat=True)
    )
    return known


def forbidden_for(person: Person, everything: list[Transaction]) -> tuple[set[int], set[str]]:
    """The transactions `person` may see, and the texts they must never be shown."""
    seen = set(visible_transactions(person.actor).values_list("pk", flat=True))
    allowed: set[str] = set()
    for txn in everything:
        if txn.pk in seen:
            allowed |= identifying(txn)
    allowed |= correspondence([t for t in everything if t.pk in seen])
    hidden: set[str] = set()
    for txn in everything:
        if txn.pk not in seen:
            hidden |= identifying(txn)
    return seen, hidden - allowed


# ---------------------------------------------------------------------------------------------
# Reading a response as text


def body_text(response: Any) -> str:
    if getattr(response, "streaming", False):
        raw = b"".join(response.streaming_content)
    else:
        raw = response.content
    kind = response.get("Content-Type", "")
    if "pdf" in kind and raw.startswith(b"%PDF"):
        done = subprocess.run(  # noqa: S603 — Poppler's pdftotext on our own PDF
            [PDFTOTEXT, "-q", "-", "-"], input=raw, capture_output=True, timeout=60, check=False
        )
        text = done.stdout.decode("utf-8", "replace")
    elif "spreadsheetml" in kind:
        with zipfile.ZipFile(io.BytesIO(raw)) as book:
            text = " ".join(
                book.read(name).decode("utf-8", "replace")
                for name in book.namelist()
                if name.endswith(".xml")
            )
    elif "json" in kind:
        try:
            text = json.dumps(json.loads(raw), ensure_ascii=False)
        except ValueError:
            text = raw.decode("utf-8", "replace")
    else:
        text = raw.decode("utf-8", "replace")
    return fold_digits(html.unescape(text))


def comparable(text: str, oid: str) -> str:
    """A page as compared with another: its id and its per-request CSRF token set aside."""
    text = text.replace(oid, "{id}")
    return CSRF.sub("csrfmiddlewaretoken", text)


CSRF = re.compile(r'csrfmiddlewaretoken" value="[^"]*"')


# ---------------------------------------------------------------------------------------------
# The read paths


def api_reads(world: World) -> list[tuple[str, dict[str, Any], str | None]]:
    """(path, query, id in the path) for every GET operation of the API's schema."""
    schema = Client().get("/api/v1/openapi.json").json()
    t = world.txns
    txn_ids = [str(x.public_id) for x in t.values()]
    att_ids = [str(a.public_id) for a in Attachment.objects.all()]
    msg_ids = [str(m) for m in OutgoingMessage.objects.values_list("message_id", flat=True)]
    msg_ids += [str(m) for m in IncomingMessage.objects.values_list("message_id", flat=True)]
    # A 940 report's public version is found by its transaction's reference (wasl/reports).
    refs = [x.reference for x in t.values()]
    path_values = {"tid": txn_ids, "aid": att_ids, "mid": msg_ids, "reference": refs}
    markers = [m for x in t.values() for m in MARKER.findall(x.subject)]
    units = [str(u) for u in Unit.objects.values_list("public_id", flat=True)]
    query_values: dict[str, list[str]] = {
        "q": markers + [t[n].reference for n in ("own", "confidential", "top_secret", "hub")],
        "unit": units,
        "scope": ["region", "entity:EMK", "entity:GOV-JED", "entity:AMN-JED"]
        + [f"unit:{u}" for u in units]
        + [f"person:{p}" for p in ("clerk", "rights_clerk", "executive", "outsider", "nobody")],
        "format": ["csv", "xlsx"],
        "include_finished": ["true"],
    }
    reads: list[tuple[str, dict[str, Any], str | None]] = []
    for path, item in schema["paths"].items():
        operation = item.get("get")
        if operation is None:
            continue
        assert path.startswith("/api/v1/")
        if operation.get("security") == [] and path.endswith("/public/inquiry"):
            # The public inquiry answers the holder of a reference and an ID number, not a
            # role: `test_the_public_inquiry_answers_a_wrong_pair_as_a_missing_one`.
            continue
        params = operation.get("parameters", [])
        in_path = [p["name"] for p in params if p["in"] == "path"]
        in_query = [p["name"] for p in params if p["in"] == "query"]
        assert len(in_path) <= 1, f"{path}: teach the matrix to fill {in_path}"
        if in_path:
            name = in_path[0]
            assert name in path_values, f"{path}: teach the matrix to fill {{{name}}}"
            for value in [*path_values[name], str(MISSING)]:
                reads.append((path.replace("{" + name + "}", value), {}, value))
            continue
        reads.append((path, {}, None))
        for name in in_query:
            if name == "q" and "format" in in_query:
                # An export: the words, in both formats by turns.
                for i, marker in enumerate(markers):
                    reads.append((path, {"q": marker, "format": ("csv", "xlsx")[i % 2]}, None))
                continue
            reads += [(path, {name: value}, None) for value in query_values.get(name, [])]
    return reads


def page_reads(world: World) -> list[tuple[str, dict[str, Any], str | None]]:
    """Every staff page that names an object (each step), and the pages that list them."""
    txn_ids = [x.public_id for x in world.txns.values()]
    ids = {
        "tid": txn_ids,
        "rid": list(Referral.objects.values_list("public_id", flat=True)),
        "aid": list(Attachment.objects.values_list("public_id", flat=True)),
        "mid": [
            *OutgoingMessage.objects.values_list("message_id", flat=True),
            *IncomingMessage.objects.values_list("message_id", flat=True),
        ],
    }
    t = world.txns
    chosen = [t[n] for n in ("own", "confidential", "top_secret", "other_entity", "hub")]
    sample = {MISSING, *(x.public_id for x in chosen)}
    sample |= set(
        Referral.objects.filter(transaction__in=chosen).values_list("public_id", flat=True)
    )
    sample |= set(
        Attachment.objects.filter(transaction__in=chosen).values_list("public_id", flat=True)
    )
    reads: list[tuple[str, dict[str, Any], str | None]] = []
    for pattern in web_urls.urlpatterns:
        assert isinstance(pattern, URLPattern)
        converters = set(pattern.pattern.converters)
        if not converters or pattern.name == "verify_receipt":
            # The receipt's verification is open to anyone holding its signed code, as the
            # printed receipt is (tests/web/test_receipt_verification.py forges codes).
            continue
        if pattern.name.startswith("admin_") or pattern.name == "set_password":
            # An entity's administration names no transaction; who reaches it is probed in
            # tests/security/test_administration_scope.py, the one-time link in
            # tests/web/test_administration.py.
            continue
        (name,) = converters - {"step"}
        assert name in ids, f"{pattern.name}: teach the matrix to fill <{name}>"
        every: list[str | None] = [None]
        if "step" in converters:
            every = list(states.REFERRAL_STEPS if name == "rid" else states.TRANSACTION_STEPS)
            if name == "mid":
                every = list(exchange_pages.DELIVERY_STEPS)
        for value in [*ids[name], MISSING]:
            # One guard serves every step: each step of a sample, one step of the rest.
            steps = every if value in sample else every[-1:]
            for step in steps:
                kwargs: dict[str, Any] = {name: value}
                if step:
                    kwargs["step"] = step
                reads.append((reverse(f"web:{pattern.name}", kwargs=kwargs), {}, str(value)))
    reads += [("/inbox/", {}, None), ("/inbox/", {"all": "1"}, None), ("/register/", {}, None)]
    reads += [("/inbox/", {"box": "incoming"}, None), ("/letters/", {}, None)]
    reads += [("/letters/", {"state": s}, None) for s in ("pending", "delivered", "failed")]
    for x in [*chosen, t["letter_answer_copy"], t["rightsletter_answer_copy"]]:
        (marker,) = MARKER.findall(x.subject)[:1]
        reads.append(("/inquiry/", {"q": marker}, None))
    reads.append(("/inquiry/export.csv", {"q": "MK"}, None))
    reads.append(("/inquiry/export.xlsx", {"q": "MK"}, None))
    reads.append(("/inquiry/", {}, None))
    scopes = ["region", "entity:EMK", "entity:GOV-JED", "entity:AMN-JED"]
    scopes += [f"unit:{u.public_id}" for u in (world.cast.registry, world.cast.rights)]
    scopes += [f"person:{p}" for p in ("clerk", "rights_clerk")]
    reads += [
        ("/dashboards/", {}, None),
        ("/dashboards/region/", {}, None),
        ("/dashboards/me/", {}, None),
        ("/dashboards/control-room/", {}, None),
    ]
    reads += [(f"/dashboards/entity/{c}/", {}, None) for c in ("EMK", "GOV-JED", "AMN-JED")]
    reads += [
        (f"/dashboards/unit/{u}/", {}, None)
        for u in Unit.objects.values_list("public_id", flat=True)
    ]
    reads += [(f"/dashboards/person/{p.username}/", {}, None) for p in world.people.values()]
    for scope in scopes:
        reads.append(("/dashboards/list/", {"scope": scope, "measure": "received"}, None))
        if scope.startswith("unit"):
            reads.append(
                ("/dashboards/list/", {"scope": scope, "measure": "open", "item": "referral"}, None)
            )
        reads.append(("/dashboards/export.xlsx", {"scope": scope}, None))
    reads.append(("/dashboards/export.pdf", {"scope": "entity:EMK"}, None))
    return reads


# ---------------------------------------------------------------------------------------------
# Reading everything as everyone


@dataclass
class Tally:
    attempts: int = 0
    leaks: list[str] = field(default_factory=list)
    errors_5xx: list[str] = field(default_factory=list)
    oracle_attempts: int = 0
    oracles: list[str] = field(default_factory=list)
    rendered: set[tuple[str, str]] = field(default_factory=set)


def hidden_ids(world: World, seen: set[int]) -> set[str]:
    """The ids (in addresses) of objects that exist but belong to transactions not seen."""
    ids = {str(x.public_id) for x in Transaction.objects.exclude(pk__in=seen)}
    ids |= {
        str(r)
        for r in Referral.objects.exclude(transaction_id__in=seen).values_list(
            "public_id", flat=True
        )
    }
    ids |= {
        str(a)
        for a in Attachment.objects.exclude(transaction_id__in=seen).values_list(
            "public_id", flat=True
        )
    }
    # A message is hidden when no copy of it names only what the reader sees (on one node a
    # letter is in the sender's outbox and in the receiver's inbox: each reader is given the
    # copy of their own entity, `proofs.readable_by`).
    copies: dict[str, list[Any]] = {}
    for row in [*OutgoingMessage.objects.all(), *IncomingMessage.objects.all()]:
        copies.setdefault(str(row.message_id), []).append(row)
    for mid, rows in copies.items():
        readable = False
        for row in rows:
            named = proofs.named_transactions(row)
            readable |= bool(named) and all(txn.pk in seen for txn in named)
        if not readable:
            ids.add(mid)
    return ids


def read_all(
    world: World,
    person: Person,
    client: Client,
    reads: list[tuple[str, dict[str, Any], str | None]],
    headers: dict[str, str],
    tally: Tally,
    everything: list[Transaction],
) -> None:
    seen, forbidden = forbidden_for(person, everything)
    hidden = hidden_ids(world, seen)
    answers: dict[tuple[str, str], tuple[int, str]] = {}
    for path, query, oid in reads:
        if path.endswith(".pdf") and oid not in hidden and oid != str(MISSING):
            # A PDF takes a second to render and is the same for everyone who may read it:
            # each is read once, and of the receipts (which name only their own transaction)
            # those of the transactions that name others.
            if (path, str(query)) in tally.rendered or (oid and oid not in world.naming):
                continue
            tally.rendered.add((path, str(query)))
        response = client.get(path, query, **headers)
        tally.attempts += 1
        where = f"{person.username} GET {path} {query or ''} -> {response.status_code}"
        if response.status_code >= 500:
            tally.errors_5xx.append(where)
            continue
        text = body_text(response)
        # The id the reader wrote in the address may come back to them (a "next" link).
        # So may the words they searched for.
        asked = {oid, oid.replace("-", "")} if oid else set()
        asked |= {str(v) for v in query.values()}
        found = sorted(s for s in forbidden - asked if s in text)
        if found:
            tally.leaks.append(f"{where}: {found[:3]}")
        if oid is not None and (oid in hidden or oid == str(MISSING)):
            template = path.replace(oid, "{id}") + json.dumps(query, sort_keys=True)
            answers[(template, oid)] = (response.status_code, comparable(text, oid))
    # The existence oracle: each hidden object answered as the missing one.
    for (template, oid), answer in answers.items():
        if oid == str(MISSING):
            continue
        tally.oracle_attempts += 1
        missing = answers[(template, str(MISSING))]
        if answer != missing:
            tally.oracles.append(
                f"{person.username} {template}: hidden {answer[0]} vs missing {missing[0]}"
                + ("" if answer[0] != missing[0] else " (bodies differ)")
            )


@pytest.fixture
def world(cast: Cast) -> World:
    return build_world(cast)


def test_no_read_path_names_a_transaction_its_reader_may_not_see(world: World) -> None:
    everything = world.all_transactions()
    api = api_reads(world)
    pages = page_reads(world)
    tally = Tally()
    for person in world.people.values():
        api_client = Client(raise_request_exception=False)
        read_all(
            world,
            person,
            api_client,
            api,
            {"HTTP_AUTHORIZATION": f"Bearer {person.token}"},
            tally,
            everything,
        )
        web = Client(raise_request_exception=False)
        web.force_login(person.user)
        units = person.actor.unit_ids
        if len(units) > 1:
            session = web.session
            session[UNIT_SESSION_KEY] = str(
                Unit.objects.filter(pk__in=units).order_by("id").first().public_id  # type: ignore[union-attr]
            )
            session.save()
        read_all(world, person, web, pages, {}, tally, everything)
    print(
        f"access matrix: {tally.attempts} reads, {len(tally.leaks)} leaks, "
        f"{len(tally.errors_5xx)} 5xx; existence oracle: {tally.oracle_attempts} pairs, "
        f"{len(tally.oracles)} differ"
    )
    record(
        "access matrix",
        attempts=tally.attempts,
        leaks=len(tally.leaks),
        errors_5xx=len(tally.errors_5xx),
    )
    record("existence oracle", attempts=tally.oracle_attempts, leaks=len(tally.oracles))
    # The matrix reads what it claims: every role, the API and the pages, and the hidden
    # objects of each distance answered as missing ones.
    assert len(world.people) >= 12
    # Every role the demo region gives is a reader here (a new role there fails this until
    # someone with it reads everything here).
    with DEMO_PEOPLE.open(encoding="utf-8") as rows:
        demo_roles = {row["role"] for row in csv.DictReader(rows)}
    held = set(
        Membership.objects.filter(
            user_id__in=[p.user.pk for p in world.people.values()]
        ).values_list("role", flat=True)
    )
    assert demo_roles and demo_roles <= held, demo_roles - held
    assert Event.objects.filter(
        transaction=world.txns["routed_to_rights"], action="letter_delivered"
    ).exists()
    for distance in ("other_unit", "other_entity", "confidential", "top_secret"):
        seen_by = {
            p.username
            for p in world.people.values()
            if visible_transactions(p.actor).filter(pk=world.txns[distance].pk).exists()
        }
        assert seen_by and seen_by != set(world.people), distance
    assert len(api) > 100 and len(pages) > 150
    assert tally.oracle_attempts > 1000
    assert tally.errors_5xx == [], "\n".join(tally.errors_5xx[:20])
    assert tally.leaks == [], f"{len(tally.leaks)} leaks:\n" + "\n".join(tally.leaks[:30])
    assert tally.oracles == [], f"{len(tally.oracles)} oracles:\n" + "\n".join(tally.oracles[:30])
