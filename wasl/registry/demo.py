"""`wasl loaddemo`: a realistic demo Makkah Region, built only through the services.

Three steps, each idempotent:

1. the directory: every entity of `wasl/directory/data/makkah_region.json` (parents first)
   with the units of its type (a tree), matched on their codes;
2. the demo people, matched on their usernames, with their roles (password `PASSWORD`);
3. a few hundred transactions from `wasl/registry/data/demo_subjects.json`, registered and
   moved through referrals, answers, returns, forwards, closing, reopening and cancelling by
   the people whose job it is, with a seeded random generator. They are registered only once:
   when the Emirate already holds transactions registered by `emk.clerk`, the step is skipped.

It lives in the registry (and not in the directory) because it uses the registry's services,
and the directory must not depend on the registry.
"""

from __future__ import annotations

import json
import random
import re
import time
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from django.contrib.auth import get_user_model
from django.db import transaction as db
from django.utils import timezone

import wasl.directory
from wasl.core import hijri
from wasl.core.identity import make_national_id
from wasl.directory import services as directory
from wasl.directory.actors import Actor, actor_for
from wasl.directory.models import Entity, Membership, Role, Unit

from . import services as registry
from .models import (
    Confidentiality,
    Direction,
    Event,
    Link,
    PartyType,
    Referral,
    Transaction,
    Urgency,
)
from .states import State

PASSWORD = "wasl-demo-1448"  # noqa: S105 — the published password of the demo accounts
SEED = 1448
REGION_FILE = Path(wasl.directory.__file__).parent / "data" / "makkah_region.json"
SUBJECTS_FILE = Path(__file__).parent / "data" / "demo_subjects.json"

# The marker of step 3: the Emirate's registry clerk has registered transactions.
MARKER_ENTITY = "EMK"
MARKER_USER = "emk.clerk"

# How many transactions each entity registers (replies to incoming letters come on top).
VOLUME = {"EMK": 150, "GOV-JED": 35, "AMN-JED": 35, "GOV-TIF": 25}
TOP_SECRET_COUNT = 3  # in the Emirate


@dataclass(frozen=True)
class DemoPerson:
    username: str
    first_name: str
    last_name: str
    entity: str
    unit: str
    role: str


C, H = Role.CLERK, Role.UNIT_HEAD
PEOPLE: tuple[DemoPerson, ...] = (
    # The Emirate: its registry, the administrations transactions are referred to, and the
    # entity-wide roles.
    DemoPerson("emk.clerk", "سعد", "الحربي", "EMK", "REG", C),
    DemoPerson("emk.head", "فهد", "العتيبي", "EMK", "REG", H),
    DemoPerson("emk.rights.clerk", "نورة", "الزهراني", "EMK", "RIGHTS", C),
    DemoPerson("emk.rights.head", "خالد", "القحطاني", "EMK", "RIGHTS", H),
    DemoPerson("emk.security.head", "ماجد", "الشهري", "EMK", "SECURITY", H),
    DemoPerson("emk.security.clerk", "بدر", "الثبيتي", "EMK", "SECURITY", C),
    DemoPerson("emk.prisoners.clerk", "ناصر", "السلمي", "EMK", "PRISONERS", C),
    DemoPerson("emk.legal.clerk", "مها", "الجهني", "EMK", "LEGAL", C),
    DemoPerson("emk.dev.clerk", "عبدالعزيز", "البقمي", "EMK", "DEVELOPMENT", C),
    DemoPerson("emk.govs.clerk", "سلطان", "الحارثي", "EMK", "GOVERNORATES", C),
    DemoPerson("emk.hr.clerk", "أمل", "الصاعدي", "EMK", "HR", C),
    DemoPerson("emk.finance.clerk", "يوسف", "باعشن", "EMK", "FINANCE", C),
    DemoPerson("emk.admin", "تركي", "الدوسري", "EMK", "IT", Role.ENTITY_ADMIN),
    DemoPerson("emk.executive", "عبدالله", "المالكي", "EMK", "UNDERSEC", Role.EXECUTIVE),
    DemoPerson("emk.auditor", "هند", "السبيعي", "EMK", "FOLLOWUP", Role.AUDITOR),
    # Jeddah governorate.
    DemoPerson("jed.clerk", "سلمان", "الغامدي", "GOV-JED", "REG", C),
    DemoPerson("jed.head", "مشعل", "العمري", "GOV-JED", "REG", H),
    DemoPerson("jed.office.clerk", "ريم", "الأحمدي", "GOV-JED", "GOVERNOR", C),
    DemoPerson("jed.rights.clerk", "عبدالرحمن", "اللحياني", "GOV-JED", "RIGHTS", C),
    DemoPerson("jed.security.clerk", "نايف", "المطيري", "GOV-JED", "SECURITY", C),
    DemoPerson("jed.centres.clerk", "حسن", "خياط", "GOV-JED", "CENTRES", C),
    # Jeddah Amanah.
    DemoPerson("amnjed.clerk", "لمياء", "فلمبان", "AMN-JED", "REG", C),
    DemoPerson("amnjed.head", "وليد", "باناجه", "AMN-JED", "REG", H),
    DemoPerson("amnjed.office.clerk", "سارة", "المولد", "AMN-JED", "MAYOR", C),
    DemoPerson("amnjed.services.clerk", "منصور", "الزبيدي", "AMN-JED", "SERVICES", C),
    DemoPerson("amnjed.inspection.clerk", "هشام", "المغربي", "AMN-JED", "INSPECTION", C),
    DemoPerson("amnjed.permits.clerk", "زياد", "بخاري", "AMN-JED", "BUILDING", C),
    DemoPerson("amnjed.lands.clerk", "عادل", "الجحدلي", "AMN-JED", "LANDS", C),
    DemoPerson("amnjed.investment.clerk", "طلال", "عطار", "AMN-JED", "INVESTMENT", C),
    # Amanah of the Holy Capital.
    DemoPerson("amnhc.clerk", "عبدالإله", "القرشي", "AMN-HC", "REG", C),
    # Taif governorate.
    DemoPerson("taif.clerk", "حمد", "الطويرقي", "GOV-TIF", "REG", C),
    DemoPerson("taif.head", "راشد", "النفيعي", "GOV-TIF", "REG", H),
    DemoPerson("taif.office.clerk", "لطيفة", "البركاتي", "GOV-TIF", "GOVERNOR", C),
    DemoPerson("taif.rights.clerk", "منيرة", "الجعيد", "GOV-TIF", "RIGHTS", C),
    DemoPerson("taif.security.clerk", "مساعد", "العصيمي", "GOV-TIF", "SECURITY", C),
    DemoPerson("taif.centres.clerk", "صالح", "الهذلي", "GOV-TIF", "CENTRES", C),
)

# Where a registry refers a transaction, by the entity's kind and the classification; only
# units with demo people in them are used.
ROUTES: dict[str, dict[str, list[str]]] = {
    "emirate": {
        "rights": ["RIGHTS"],
        "security": ["SECURITY"],
        "prisoners": ["PRISONERS", "SECURITY"],
        "legal": ["LEGAL"],
        "municipal": ["DEVELOPMENT", "GOVERNORATES"],
        "development": ["DEVELOPMENT", "GOVERNORATES"],
        "financial": ["FINANCE"],
        "personnel": ["HR"],
        "general": ["GOVERNORATES", "DEVELOPMENT"],
    },
    "governorate": {
        "rights": ["RIGHTS"],
        "security": ["SECURITY"],
        "prisoners": ["SECURITY"],
        "legal": ["RIGHTS"],
        "municipal": ["CENTRES", "GOVERNOR"],
        "development": ["CENTRES"],
        "financial": ["GOVERNOR"],
        "personnel": ["GOVERNOR"],
        "general": ["GOVERNOR", "CENTRES"],
    },
    "amanah": {
        "rights": ["LANDS", "MAYOR"],
        "security": ["INSPECTION"],
        "prisoners": ["MAYOR"],
        "legal": ["MAYOR", "LANDS"],
        "municipal": ["SERVICES", "INSPECTION", "BUILDING"],
        "development": ["LANDS", "BUILDING"],
        "financial": ["INVESTMENT"],
        "personnel": ["MAYOR"],
        "general": ["MAYOR", "SERVICES"],
    },
}

# What happens to a transaction after it is registered, with weights.
SCENARIOS: dict[str, int] = {
    "registered": 12,
    "pending": 13,
    "acknowledged": 10,
    "answered": 12,
    "returned": 6,
    "forwarded": 8,
    "closed": 18,
    "closed_direct": 4,
    "reopened": 5,
    "cancelled": 4,
    "multi": 5,
    "rerouted": 3,
}
SCENARIOS_NOTICE = {"registered": 3, "closed_direct": 4, "pending": 2, "closed": 2}
SCENARIOS_OUTGOING = {"registered": 3, "closed_direct": 5, "pending": 1, "cancelled": 1}
SCENARIOS_TOP_SECRET = {"pending": 1, "acknowledged": 1, "answered": 1, "closed": 1}
URGENCY_WEIGHTS = {
    Urgency.NORMAL: 64,
    Urgency.URGENT: 20,
    Urgency.VERY_URGENT: 11,
    Urgency.IMMEDIATE: 5,
}
MOBILE_PREFIXES = ("050", "053", "054", "055", "056", "058", "059")
CR_PREFIX = {"GOV-JED": "4030", "AMN-JED": "4030", "GOV-TIF": "4032", "AMN-TIF": "4032"}

# Words left out when a unit's code is derived from its English name.
_CODE_STOP_WORDS = frozenset(
    "OF THE AND FOR GENERAL ADMINISTRATION OFFICE SECTION AFFAIRS AGENCY DEPARTMENT CENTRE "
    "MUNICIPALITY".split()
)

Write = Callable[[str], None]


# ---------------------------------------------------------------------------------------------
# Data


def load_region() -> dict[str, Any]:
    with REGION_FILE.open(encoding="utf-8") as f:
        return json.load(f)  # type: ignore[no-any-return]


def load_texts() -> dict[str, Any]:
    with SUBJECTS_FILE.open(encoding="utf-8") as f:
        return json.load(f)  # type: ignore[no-any-return]


def derive_unit_code(spec: dict[str, Any], taken: set[str]) -> str:
    """REG for the registry unit, the spec's `code`, or the first meaningful word of the
    English name (``General Administration of Rights`` → ``RIGHTS``); unique in `taken`."""
    if spec.get("registry"):
        base = "REG"
    elif spec.get("code"):
        base = str(spec["code"])
    else:
        name = str(spec["name_en"]).replace("'s", "")
        words = [w.upper() for w in re.findall(r"[A-Za-z0-9]+", name)]
        meaningful = [w for w in words if w not in _CODE_STOP_WORDS] or words or ["UNIT"]
        base = meaningful[0]
    code, n = base, 2
    while code in taken:
        code, n = f"{base}-{n}", n + 1
    taken.add(code)
    return code


def entities_parents_first(entities: list[dict[str, Any]]) -> list[dict[str, Any]]:
    by_code = {e["code"]: e for e in entities}
    ordered: list[dict[str, Any]] = []
    done: set[str] = set()

    def visit(item: dict[str, Any], path: tuple[str, ...] = ()) -> None:
        code = item["code"]
        if code in done:
            return
        if code in path:
            raise ValueError(f"entity parents form a cycle: {' → '.join((*path, code))}")
        parent = item.get("parent")
        if parent:
            if parent not in by_code:
                raise ValueError(f"entity {code}: unknown parent {parent}")
            visit(by_code[parent], (*path, code))
        done.add(code)
        ordered.append(item)

    for item in entities:
        visit(item)
    return ordered


# ---------------------------------------------------------------------------------------------
# Steps 1 and 2: the directory and the people


@dataclass
class Counts:
    entities_created: int = 0
    entities: int = 0
    units_created: int = 0
    units: int = 0
    people_created: int = 0
    memberships_created: int = 0
    transactions_created: int = 0
    transactions_skipped: bool = False
    seconds: float = 0.0
    states: Counter[str] = field(default_factory=Counter)


def load_directory(counts: Counts) -> dict[str, Entity]:
    region = load_region()
    units_by_type: dict[str, list[dict[str, Any]]] = region["units_by_type"]
    entities: dict[str, Entity] = {}
    for item in entities_parents_first(region["entities"]):
        parent = entities[item["parent"]] if item.get("parent") else None
        entity, created = directory.ensure_entity(
            code=item["code"],
            kind=item["type"],
            name_ar=item["name_ar"],
            name_en=item["name_en"],
            parent=parent,
        )
        entities[entity.code] = entity
        counts.entities_created += created
        specs = units_by_type.get(item["type"], units_by_type["default"])
        _ensure_units(entity, specs, None, set(), counts)
    counts.entities = len(entities)
    return entities


def _ensure_units(
    entity: Entity,
    specs: Iterable[dict[str, Any]],
    parent: Unit | None,
    taken: set[str],
    counts: Counts,
) -> None:
    for spec in specs:
        unit, created = directory.ensure_unit(
            entity=entity,
            code=derive_unit_code(spec, taken),
            name_ar=spec["name_ar"],
            name_en=spec["name_en"],
            parent=parent,
            is_registry=bool(spec.get("registry")),
        )
        counts.units += 1
        counts.units_created += created
        _ensure_units(entity, spec.get("children", ()), unit, taken, counts)


def load_people(counts: Counts) -> list[tuple[DemoPerson, Unit]]:
    rows = []
    for person in PEOPLE:
        unit = Unit.objects.select_related("entity").get(
            entity__code=person.entity, code=person.unit
        )
        user, created = directory.ensure_person(
            username=person.username,
            first_name=person.first_name,
            last_name=person.last_name,
            password=PASSWORD,
        )
        counts.people_created += created
        _, granted = directory.grant(user, unit, person.role)
        counts.memberships_created += granted
        rows.append((person, unit))
    return rows


# ---------------------------------------------------------------------------------------------
# Step 3: the transactions


@dataclass
class Staff:
    """Who works where, as actors."""

    actors: dict[str, Actor] = field(default_factory=dict)
    user_ids: dict[str, int] = field(default_factory=dict)
    workers: dict[int, list[str]] = field(default_factory=dict)  # unit id -> usernames
    heads: dict[int, list[str]] = field(default_factory=dict)
    admins: dict[int, list[str]] = field(default_factory=dict)  # entity id -> usernames

    @classmethod
    def build(cls) -> Staff:
        staff = cls()
        User = get_user_model()
        names = [p.username for p in PEOPLE]
        for user in User.objects.filter(username__in=names):
            staff.actors[user.username] = actor_for(user)
            staff.user_ids[user.username] = user.pk
        memberships = Membership.objects.filter(
            user__username__in=names, is_active=True
        ).values_list("user__username", "unit_id", "unit__entity_id", "role")
        for username, unit_id, entity_id, role in memberships.order_by("user__username", "id"):
            if role in (Role.CLERK, Role.UNIT_HEAD):
                staff.workers.setdefault(unit_id, []).append(username)
            if role == Role.UNIT_HEAD:
                staff.heads.setdefault(unit_id, []).append(username)
            if role == Role.ENTITY_ADMIN:
                staff.admins.setdefault(entity_id, []).append(username)
        return staff


@dataclass
class Made:
    """A registered demo transaction, as the demo remembers it."""

    txn: Transaction
    registrar: str
    correspondent: Entity | None
    external_reference: str
    external_date: date | None
    answer: str = ""


class TransactionLoader:
    def __init__(self, entities: dict[str, Entity], staff: Staff) -> None:
        self.rng = random.Random(SEED)  # noqa: S311 — reproducible demo data, not secrets
        self.texts = load_texts()
        self.entities = entities
        self.staff = staff
        self.today = timezone.localdate()
        self.year = hijri.hijri_year(self.today)
        self.units: dict[tuple[str, str], Unit] = {
            (u.entity.code, u.code): u
            for u in Unit.objects.select_related("entity").filter(
                entity__code__in=list(VOLUME), is_active=True
            )
        }
        self.made: dict[str, list[Made]] = {}

    # -- choices ---------------------------------------------------------------------------

    def pick(self, items: list[Any]) -> Any:
        return items[self.rng.randrange(len(items))]

    def weighted(self, weights: dict[str, int]) -> str:
        keys = list(weights)
        return self.rng.choices(keys, weights=[weights[k] for k in keys])[0]

    def digits(self, n: int) -> str:
        return "".join(str(self.rng.randrange(10)) for _ in range(n))

    def text(self, key: str, classification: str | None = None) -> str:
        """An instruction or an answer: specific to the classification more often than not."""
        group = self.texts[key]
        specific = group.get("by_classification", {}).get(classification or "", [])
        if specific and self.rng.random() < 0.6:
            return str(self.pick(specific))
        return str(self.pick(group["any"]))

    # -- people ----------------------------------------------------------------------------

    def actor(self, username: str) -> Actor:
        return self.staff.actors[username]

    def worker_units(self, entity: Entity) -> list[Unit]:
        return [
            u
            for (code, _), u in sorted(self.units.items(), key=lambda kv: kv[0])
            if code == entity.code and self.staff.workers.get(u.pk)
        ]

    def someone_in(self, unit: Unit, *, head: bool = False) -> str:
        pool = self.staff.heads.get(unit.pk, []) if head else self.staff.workers[unit.pk]
        return str(self.pick(pool))

    def boss_of(self, txn: Transaction) -> str | None:
        """Who may reopen or cancel: the owning unit's head, else the entity administrator
        (who does not see confidential transactions)."""
        heads = self.staff.heads.get(txn.unit_id)
        if heads:
            return str(self.pick(heads))
        admins = self.staff.admins.get(txn.entity_id)
        if admins and txn.confidentiality == Confidentiality.NORMAL:
            return str(self.pick(admins))
        return None

    def targets(
        self, txn: Transaction, *, exclude: set[int], heads_only: bool = False
    ) -> list[Unit]:
        """Units a transaction may be referred to: the route for its classification first."""
        entity = txn.entity
        pool = [
            u
            for u in self.worker_units(entity)
            if u.pk not in exclude
            and u.pk != txn.unit_id
            and (not heads_only or self.staff.heads.get(u.pk))
        ]
        route = ROUTES.get(entity.kind, {}).get(txn.classification, [])
        routed = [u for u in pool if u.code in route]
        return routed or pool

    # -- a party ---------------------------------------------------------------------------

    def party(
        self, kind: str, entity: Entity, correspondent: Entity | None
    ) -> tuple[registry.Party, dict[str, str]]:
        """The party and the words that refer to them in a body (with the right gender)."""
        masculine = {"h": "ه", "y": "ي", "t": ""}
        feminine = {"h": "ها", "y": "ت", "t": "ت"}
        names = self.texts["first_names"]
        if kind == PartyType.CITIZEN:
            female = self.rng.random() < 0.25
            first = self.pick(names["female"] if female else names["male"])
            father = self.pick(names["male"])
            family = self.pick(self.texts["family_names"])
            name = f"{first} {'بنت' if female else 'بن'} {father} {family}"
            number = make_national_id("1" + self.digits(8))
            words = {
                "party": f"{'المواطنة' if female else 'المواطن'} {name} (هوية وطنية رقم {number})",
                **(feminine if female else masculine),
            }
            return registry.Party(
                type=kind, name=name, id_number=number, phone=self.mobile()
            ), words
        if kind == PartyType.RESIDENT:
            group = self.pick(self.texts["residents"])
            female = bool(group.get("female_names")) and self.rng.random() < 0.25
            name = self.pick(group["female_names"] if female else group["names"])
            nationality = group["nationality"] + ("ة" if female else "")
            number = make_national_id("2" + self.digits(8))
            words = {
                "party": (
                    f"{'المقيمة' if female else 'المقيم'} {name} "
                    f"({nationality} الجنسية، إقامة رقم {number})"
                ),
                **(feminine if female else masculine),
            }
            return registry.Party(
                type=kind, name=name, id_number=number, phone=self.mobile()
            ), words
        if kind == PartyType.COMPANY:
            name = self.pick(self.texts["companies"])
            cr = CR_PREFIX.get(entity.code, "4031") + self.digits(6)
            words = {"party": f"{name} (سجل تجاري رقم {cr})", **feminine}
            return registry.Party(type=kind, name=name, cr=cr, phone=self.mobile()), words
        if kind == PartyType.ENTITY:
            assert correspondent is not None, "an entity party is the correspondent"
            words = {"party": correspondent.name_ar, **feminine}
            party = registry.Party(
                type=kind, name=correspondent.name_ar, entity_code=correspondent.code
            )
            return party, words
        return registry.Party(), {"party": "", **masculine}

    def mobile(self) -> str:
        if self.rng.random() < 0.15:
            return ""
        return self.pick(list(MOBILE_PREFIXES)) + self.digits(7)

    def correspondent(self, subject: dict[str, Any], entity: Entity) -> Entity | None:
        candidates: list[Entity] = []
        for code in subject.get("correspondents", ()):
            if code == "@parent":
                if entity.parent_id:
                    candidates += [e for e in self.entities.values() if e.pk == entity.parent_id]
            elif code == "@children":
                candidates += sorted(
                    (e for e in self.entities.values() if e.parent_id == entity.pk),
                    key=lambda e: e.code,
                )
            elif code in self.entities:
                candidates.append(self.entities[code])
        candidates = [e for e in candidates if e.pk != entity.pk]
        return self.pick(candidates) if candidates else None

    # -- registering -----------------------------------------------------------------------

    def subjects_for(self, entity: Entity) -> list[dict[str, Any]]:
        return [s for s in self.texts["subjects"] if entity.kind in s["for"]]

    def register(
        self, entity: Entity, subject: dict[str, Any], *, top_secret: bool = False
    ) -> Made | None:
        correspondent = self.correspondent(subject, entity)
        party_kind = subject["party"]
        if party_kind == PartyType.ENTITY and correspondent is None:
            return None
        if (
            subject["direction"] != Direction.INTERNAL
            and correspondent is None
            and party_kind == PartyType.NONE
        ):
            return None  # no correspondent here (e.g. "@children" of an entity without any)
        party, words = self.party(party_kind, entity, correspondent)
        places = self.texts["places"]
        place = self.pick(places.get(entity.code) or places["EMK"])
        external_date = self.today - timedelta(days=self.rng.randint(1, 25))
        external_reference = self.digits(self.rng.choice((5, 6)))
        fill = {
            **words,
            "place": place,
            "ext_ref": external_reference,
            "ext_date": hijri.format_hijri(external_date),
            "year": str(self.year),
        }
        subject_text = subject["subject"].format_map(fill)
        body = subject["body"].format_map(fill)

        # The registry registers what comes and goes; a unit registers its internal memos.
        if subject["direction"] == Direction.INTERNAL:
            own = [u for u in self.worker_units(entity) if u.code != "REG"]
            unit = self.pick(own) if own else self.units[(entity.code, "REG")]
        else:
            unit = self.units[(entity.code, "REG")]
        registrar = self.someone_in(unit)
        if unit.code == "REG":  # the registry's clerk registers; the head signs
            clerks = [
                u for u in self.staff.workers[unit.pk] if u not in self.staff.heads.get(unit.pk, [])
            ]
            registrar = self.pick(clerks) if clerks else registrar

        urgency = self.weighted({str(k): v for k, v in URGENCY_WEIGHTS.items()})
        if subject.get("urgent") and urgency == Urgency.NORMAL and self.rng.random() < 0.7:
            urgency = self.pick([Urgency.URGENT, Urgency.VERY_URGENT, Urgency.IMMEDIATE])
        confidentiality = Confidentiality.NORMAL
        if top_secret:
            confidentiality = Confidentiality.TOP_SECRET
        elif subject.get("sensitive") and self.rng.random() < 0.6:
            confidentiality = Confidentiality.CONFIDENTIAL
        due_date = None
        if self.rng.random() < 0.25:
            due_date = self.today + timedelta(days=self.rng.randint(7, 45))
        incoming_letter = subject["direction"] == Direction.INCOMING and correspondent is not None
        txn = registry.register_transaction(
            self.actor(registrar),
            unit=unit,
            direction=subject["direction"],
            kind=subject["kind"],
            subject=subject_text,
            body=body,
            classification=subject["classification"],
            urgency=urgency,
            confidentiality=confidentiality,
            due_date=due_date,
            party=party,
            correspondent_code=correspondent.code if correspondent else "",
            external_reference=external_reference if incoming_letter else "",
            external_date=external_date if incoming_letter else None,
        )
        made = Made(
            txn=txn,
            registrar=registrar,
            correspondent=correspondent,
            external_reference=external_reference if incoming_letter else "",
            external_date=external_date if incoming_letter else None,
        )
        self.made.setdefault(entity.code, []).append(made)
        return made

    # -- steps -----------------------------------------------------------------------------

    def refer(self, made: Made, units: list[Unit], *, to_user: str | None = None) -> list[Referral]:
        txn = made.txn
        due = None if self.rng.random() < 0.6 else self.pick([3, 5, 7, 10, 15])
        return registry.refer(
            self.actor(self.owner_worker(made)),
            txn.public_id,
            to_units=units,
            instruction=self.text("instructions", txn.classification),
            due_in_days=due,
            to_user_id=self.staff.user_ids[to_user] if to_user else None,
        )

    def owner_worker(self, made: Made) -> str:
        """Someone of the owning unit who sees the transaction: its registrar for top secret."""
        if made.txn.confidentiality == Confidentiality.TOP_SECRET:
            return made.registrar
        return made.registrar if self.rng.random() < 0.7 else self.someone_in(made.txn.unit)

    def holder(self, made: Made, ref: Referral) -> str:
        """Someone of the referral's unit who sees the transaction."""
        head = made.txn.confidentiality == Confidentiality.TOP_SECRET
        return self.someone_in(ref.to_unit, head=head)

    def acknowledge(self, made: Made, ref: Referral) -> Referral:
        return registry.acknowledge(self.actor(self.holder(made, ref)), ref.public_id)

    def answer(self, made: Made, ref: Referral) -> Referral:
        text = self.text("answers", made.txn.classification)
        made.answer = text
        return registry.answer(self.actor(self.holder(made, ref)), ref.public_id, text=text)

    def return_(self, made: Made, ref: Referral) -> Referral:
        return registry.return_referral(
            self.actor(self.holder(made, ref)),
            ref.public_id,
            reason=self.pick(self.texts["return_reasons"]),
        )

    def forward(self, made: Made, ref: Referral, to: Unit) -> Referral:
        return registry.forward(
            self.actor(self.holder(made, ref)),
            ref.public_id,
            to_unit=to,
            instruction=self.pick(self.texts["forward_instructions"]),
        )

    def close(self, made: Made, reason: str | None = None) -> None:
        made.txn = registry.close(
            self.actor(self.owner_worker(made)),
            made.txn.public_id,
            reason=reason or self.pick(self.texts["closing_reasons"]),
        )

    def comment(self, made: Made) -> None:
        registry.comment(
            self.actor(self.owner_worker(made)),
            made.txn.public_id,
            text=self.pick(self.texts["comments"]),
        )

    # -- scenarios -------------------------------------------------------------------------

    def drive(self, made: Made) -> None:
        txn = made.txn
        if txn.confidentiality == Confidentiality.TOP_SECRET:
            scenario = self.weighted(SCENARIOS_TOP_SECRET)
        elif txn.direction == Direction.OUTGOING:
            scenario = self.weighted(SCENARIOS_OUTGOING)
        elif txn.kind in ("circular", "invitation"):
            scenario = self.weighted(SCENARIOS_NOTICE)
        else:
            scenario = self.weighted(SCENARIOS)
        boss = self.boss_of(txn)
        if scenario in ("reopened", "cancelled") and boss is None:
            scenario = "closed"
        top_secret = txn.confidentiality == Confidentiality.TOP_SECRET
        targets = self.targets(txn, exclude=set(), heads_only=top_secret)
        if not targets and scenario not in ("registered", "closed_direct", "cancelled"):
            scenario = "registered"

        if scenario == "registered":
            pass
        elif scenario == "closed_direct":
            reason = "تم الإرسال إلى الجهة عبر منصة الربط." if txn.direction == "outgoing" else None
            self.close(made, reason or self.pick(["للعلم والحفظ.", "للحفظ لانتهاء الغرض."]))
        elif scenario == "cancelled":
            if targets and self.rng.random() < 0.5:
                self.refer(made, [self.pick(targets)])
            assert boss is not None
            registry.cancel(
                self.actor(boss), txn.public_id, reason=self.pick(self.texts["cancel_reasons"])
            )
        else:
            first = self.pick(targets)
            to_user = None
            if top_secret:
                to_user = self.someone_in(first, head=True)
            elif self.rng.random() < 0.1:
                to_user = self.someone_in(first)
            (ref,) = self.refer(made, [first], to_user=to_user)
            self.after_referral(made, ref, scenario, boss)
        # The services worked on their own copies: read where it stands now.
        made.txn.refresh_from_db(fields=["state", "closed_at", "updated_at"])
        if self.rng.random() < 0.12 and made.txn.state != State.CANCELLED:
            self.comment(made)

    def after_referral(self, made: Made, ref: Referral, scenario: str, boss: str | None) -> None:
        acknowledged = self.rng.random() < 0.7
        if scenario == "pending":
            return
        if acknowledged or scenario == "acknowledged":
            ref = self.acknowledge(made, ref)
        if scenario == "acknowledged":
            return
        if scenario == "answered":
            self.answer(made, ref)
        elif scenario == "returned":
            self.return_(made, ref)
        elif scenario == "forwarded":
            others = self.targets(made.txn, exclude={ref.to_unit_id})
            if not others:
                self.answer(made, ref)
                return
            new = self.forward(made, ref, self.pick(others))
            then = self.rng.random()
            if then < 0.35:
                return
            new = self.acknowledge(made, new)
            if then < 0.6:
                return
            self.answer(made, new)
            if then > 0.85:
                self.close(made)
        elif scenario == "closed":
            self.answer(made, ref)
            if not (self.rng.random() < 0.4 and self.reply(made)):
                self.close(made)
        elif scenario == "reopened":
            self.answer(made, ref)
            self.close(made)
            assert boss is not None
            made.txn = registry.reopen(
                self.actor(boss),
                made.txn.public_id,
                reason=self.pick(self.texts["reopen_reasons"]),
            )
            again = self.targets(made.txn, exclude=set())
            if again and self.rng.random() < 0.5:
                self.refer(made, [self.pick(again)])
        elif scenario == "multi":
            others = self.targets(made.txn, exclude={ref.to_unit_id})
            if others:
                (second,) = self.refer(made, [self.pick(others)])
                if self.rng.random() < 0.5:
                    self.acknowledge(made, second)
            self.answer(made, ref)
        elif scenario == "rerouted":
            self.return_(made, ref)
            others = self.targets(made.txn, exclude={ref.to_unit_id})
            if others:
                (second,) = self.refer(made, [self.pick(others)])
                self.answer(made, second)
                self.close(made)

    def reply(self, made: Made) -> Made | None:
        """An outgoing letter answering an incoming one, linked to it; both are then closed."""
        txn = made.txn
        if (
            made.correspondent is None
            or made.external_date is None
            or txn.direction != Direction.INCOMING
            or txn.confidentiality != Confidentiality.NORMAL
        ):
            return None
        template = self.texts["reply"]
        fill = {
            "subject": txn.subject,
            "answer": made.answer,
            "ext_ref": made.external_reference,
            "ext_date": hijri.format_hijri(made.external_date),
        }
        out = registry.register_transaction(
            self.actor(made.registrar),
            unit=txn.unit,
            direction=Direction.OUTGOING,
            kind="letter",
            subject=template["subject"].format_map(fill)[: registry.SUBJECT_MAX],
            body=template["body"].format_map(fill),
            classification=txn.classification,
            urgency=txn.urgency,
            confidentiality=txn.confidentiality,
            correspondent_code=made.correspondent.code,
        )
        registry.link(self.actor(made.registrar), out.public_id, txn.public_id, kind="answers")
        reply = Made(
            txn=out,
            registrar=made.registrar,
            correspondent=made.correspondent,
            external_reference="",
            external_date=None,
        )
        self.made.setdefault(txn.entity.code, []).append(reply)
        self.close(reply, "تم الإرسال إلى الجهة عبر منصة الربط.")
        self.close(made, "تم الرد على الجهة بالخطاب الصادر.")
        return reply

    # -- the whole step --------------------------------------------------------------------

    def run(self) -> int:
        for code, volume in VOLUME.items():
            entity = self.entities[code]
            subjects = self.subjects_for(entity)
            secret_subjects = [
                s
                for s in subjects
                if s.get("sensitive") and s["classification"] in ("security", "prisoners", "legal")
            ]
            secret_at = (
                {volume * (i + 1) // (TOP_SECRET_COUNT + 1) for i in range(TOP_SECRET_COUNT)}
                if code == MARKER_ENTITY
                else set()
            )
            done = attempts = 0
            while done < volume:
                attempts += 1
                if attempts > volume * 10:
                    raise RuntimeError(f"{code}: the demo subjects do not suit this entity")
                top_secret = done in secret_at and bool(secret_subjects)
                subject = self.pick(secret_subjects if top_secret else subjects)
                with db.atomic():
                    made = self.register(entity, subject, top_secret=top_secret)
                    if made is None:
                        continue
                    self.drive(made)
                    done += 1
            self.link_some(entity)
        return sum(len(made) for made in self.made.values())

    def link_some(self, entity: Entity) -> None:
        """A few "related" and "follows" links between the registry's own transactions."""
        pool = [
            m
            for m in self.made.get(entity.code, [])
            if m.txn.unit.code == "REG"
            and m.txn.confidentiality == Confidentiality.NORMAL
            and m.txn.state != State.CANCELLED
        ]
        wanted = max(2, len(pool) // 20)
        pairs: set[tuple[int, int]] = set()
        for _ in range(wanted * 3):
            if len(pairs) >= wanted or len(pool) < 2:
                break
            source, target = self.rng.sample(pool, 2)
            key = (source.txn.pk, target.txn.pk)
            if key in pairs or (key[1], key[0]) in pairs:
                continue
            with db.atomic():
                registry.link(
                    self.actor(source.registrar),
                    source.txn.public_id,
                    target.txn.public_id,
                    kind=self.pick([Link.LinkKind.RELATED, Link.LinkKind.FOLLOWS]),
                )
            pairs.add(key)


def demo_marker_exists() -> bool:
    return Transaction.objects.filter(
        entity__code=MARKER_ENTITY, registered_by__username=MARKER_USER
    ).exists()


# ---------------------------------------------------------------------------------------------
# All of it


def load_demo(write: Write | None = None) -> Counts:
    """Build (or complete) the demo region; returns what was found and created."""
    say = write or (lambda _line: None)
    started = time.monotonic()
    counts = Counts()

    entities = load_directory(counts)
    say(
        f"الجهات: {counts.entities} (جديدة {counts.entities_created}) — "
        f"entities: {counts.entities}, {counts.entities_created} new"
    )
    say(
        f"الإدارات: {counts.units} (جديدة {counts.units_created}) — "
        f"units: {counts.units}, {counts.units_created} new"
    )

    people = load_people(counts)
    say(
        f"الحسابات التجريبية: {len(people)} (جديدة {counts.people_created}) — "
        f"demo accounts: {len(people)}, {counts.people_created} new"
    )

    if demo_marker_exists():
        counts.transactions_skipped = True
        say(
            "المعاملات التجريبية موجودة من قبل؛ لم تُسجَّل معاملات جديدة — "
            "demo transactions already exist; none registered"
        )
    else:
        loader = TransactionLoader(entities, Staff.build())
        counts.transactions_created = loader.run()
        say(
            f"المعاملات المسجلة: {counts.transactions_created} — "
            f"transactions registered: {counts.transactions_created}"
        )

    demo_entities = Transaction.objects.filter(entity__code__in=list(VOLUME))
    counts.states = Counter(demo_entities.values_list("state", flat=True))
    counts.seconds = time.monotonic() - started
    if write:
        write_summary(write, people, counts)
    return counts


def write_summary(write: Write, people: list[tuple[DemoPerson, Unit]], counts: Counts) -> None:
    write("")
    write(f"كلمة المرور لجميع الحسابات التجريبية — password of every demo account: {PASSWORD}")
    write("")
    header = ("username", "role", "unit", "entity")
    rows = [
        (
            person.username,
            f"{person.role} ({Role(person.role).label})",
            f"{unit.code} — {unit.name_ar}",
            person.entity,
        )
        for person, unit in people
    ]
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(3)]
    for row in [header, (*("-" * w for w in widths), "------"), *rows]:
        write("  ".join(cell.ljust(widths[i]) if i < 3 else cell for i, cell in enumerate(row)))
    write("")
    states = ", ".join(
        f"{State(s).label} {n}" for s, n in sorted(counts.states.items(), key=lambda kv: -kv[1])
    )
    total = sum(counts.states.values())
    write(f"معاملات الجهات التجريبية: {total} — {states}")
    referrals = Counter(
        Referral.objects.filter(transaction__entity__code__in=list(VOLUME)).values_list(
            "state", flat=True
        )
    )
    write("الإحالات — referrals: " + ", ".join(f"{k} {v}" for k, v in sorted(referrals.items())))
    write(
        f"روابط {Link.objects.count()} — links; "
        f"تعليقات {Event.objects.filter(action='commented').count()} — comments"
    )
    write(f"المدة — time: {counts.seconds:.1f} s")


__all__ = ["PASSWORD", "PEOPLE", "Counts", "derive_unit_code", "load_demo"]
