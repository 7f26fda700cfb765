#!/usr/bin/env python3
"""Realistic synthetic transactions, written straight into the database in bulk.

    from bench.generate import generate
    stats = generate(1_000_000)                      # Django must be set up and migrated

    python bench/generate.py --n 20000               # into the database of the settings

What it makes, reproducibly from `seed`:

- the directory: `entities` entities (the real ones of the Makkah Region first, from
  wasl/demo/data/region.json, then synthetic ones), each with its registry unit and
  up to five other units, a clerk in every unit, a head of the registry and an executive
  (usernames `gen.<entity>.<unit>`, `gen.<entity>.head`, `gen.<entity>.exec`; no password);
- `n` transactions spread over the entities (a few big ones, many small: Zipf-like) and over
  the last `years` Umm al-Qura years up to today, with subjects, bodies and names from
  wasl/demo/data/texts.json (citizens, residents and companies with valid ID
  numbers, mobiles and CRs), all the kinds, urgencies and confidentiality levels, and states
  with the referrals (and timeline events) that lead to them;
- the registry's invariants hold: reference numbers `CODE-YEAR-NNNNNN` are unique and gap-free
  per entity per Hijri year (continuing after what is already there), NumberSequence is
  updated to match, every state is one the state machine can reach, referrals go to other
  units of the same entity, closed transactions have `closed_at`.

Nothing goes through the services (that would take hours for a million): no audit records and
no search documents are written — run `wasl reindex` (or `bench.generate.reindex`) afterwards.
`generate()` returns the counts and the "needles": planted transactions with the queries that
must find them, for measuring recall and MRR.
"""

from __future__ import annotations

import json
import random
import sys
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

Progress = Callable[[int, int], None]

MOBILE_PREFIXES = ("050", "053", "054", "055", "056", "058", "059")
URGENCY = {"normal": 64, "urgent": 20, "very_urgent": 11, "immediate": 5}
CONFIDENTIALITY = {"normal": 95, "confidential": 4, "top_secret": 1}
# Final states and how often a transaction of the past ends in each; recent ones are open.
STATES_OLD = {"closed": 70, "cancelled": 4, "answered": 8, "referred": 8, "registered": 4,
              "returned": 3, "reopened": 3}  # fmt: skip
STATES_RECENT = {"registered": 25, "referred": 40, "answered": 15, "returned": 5, "closed": 13,
                 "cancelled": 2}  # fmt: skip
SYNTHETIC_KINDS = ("municipality", "ministry_branch", "police", "other")
SYNTHETIC_NAMES = (
    ("فرع وزارة التعليم", "Ministry of Education branch"),
    ("فرع وزارة الصحة", "Ministry of Health branch"),
    ("شرطة", "Police"),
    ("بلدية", "Municipality"),
    ("فرع وزارة الموارد البشرية", "Human Resources branch"),
    ("مكتب الضمان الاجتماعي", "Social Security office"),
)
GOVERNORATES = ("مكة المكرمة", "جدة", "الطائف", "القنفذة", "الليث", "رابغ", "الجموم", "خليص",
                "الكامل", "الخرمة", "رنية", "تربة", "المويه", "ميسان", "أضم", "العرضيات", "بحرة")  # fmt: skip


@dataclass
class Needle:
    """A planted transaction and the queries (as people type them) that must find it."""

    reference: str
    entity_code: str
    queries: list[str]
    transaction_id: int = 0


@dataclass
class Stats:
    entities: int = 0
    units: int = 0
    people: int = 0
    transactions: int = 0
    referrals: int = 0
    events: int = 0
    states: dict[str, int] = field(default_factory=dict)
    needles: list[Needle] = field(default_factory=list)


# ---------------------------------------------------------------------------------------------
# The directory


def _directory(rng: random.Random, count: int) -> list[dict[str, Any]]:
    """Entities with their units and people, created through the directory's services."""
    from wasl.demo.files import derive_unit_code, entities_parents_first, load_region
    from wasl.directory import services as directory

    region = load_region()
    specs = entities_parents_first(region["entities"])[:count]
    n = len(specs)
    while len(specs) < count:
        name_ar, name_en = SYNTHETIC_NAMES[n % len(SYNTHETIC_NAMES)]
        gov = GOVERNORATES[n % len(GOVERNORATES)]
        specs.append(
            {
                "code": f"SYN-{n:03d}",
                "type": SYNTHETIC_KINDS[n % len(SYNTHETIC_KINDS)],
                "name_ar": f"{name_ar} بمحافظة {gov}",
                "name_en": f"{name_en} {n}",
                "parent": None,
            }
        )
        n += 1
    made: dict[str, Any] = {}
    out = []
    for spec in specs:
        parent = made.get(spec.get("parent") or "")
        entity, _ = directory.ensure_entity(
            code=spec["code"],
            kind=spec["type"],
            name_ar=spec["name_ar"],
            name_en=spec["name_en"],
            parent=parent,
        )
        made[entity.code] = entity
        unit_specs = region["units_by_type"].get(spec["type"], region["units_by_type"]["default"])
        registry_spec = next((u for u in unit_specs if u.get("registry")), None)
        others = [u for u in unit_specs if not u.get("registry")][:5]
        taken: set[str] = set()
        units = []
        for unit_spec in ([registry_spec] if registry_spec else []) + others:
            unit, _ = directory.ensure_unit(
                entity=entity,
                code=derive_unit_code(unit_spec, taken),
                name_ar=unit_spec["name_ar"],
                name_en=unit_spec["name_en"],
                is_registry=bool(unit_spec.get("registry")),
            )
            units.append(unit)
        if not registry_spec:
            unit, _ = directory.ensure_unit(
                entity=entity,
                code="REG",
                name_ar="الاتصالات الإدارية",
                name_en="Administrative Communications",
                is_registry=True,
            )
            units.insert(0, unit)
        clerks: dict[int, int] = {}
        for unit in units:
            user, _ = directory.ensure_person(
                username=f"gen.{entity.code.lower()}.{unit.code.lower()}",
                first_name=rng.choice(("سعد", "نورة", "فهد", "هند", "ماجد", "ريم")),
                last_name=rng.choice(("الحربي", "العتيبي", "الغامدي", "الزهراني")),
            )
            directory.grant(user, unit, "clerk")
            clerks[unit.pk] = user.pk
        head, _ = directory.ensure_person(
            username=f"gen.{entity.code.lower()}.head", first_name="خالد", last_name="القحطاني"
        )
        directory.grant(head, units[0], "unit_head")
        executive, _ = directory.ensure_person(
            username=f"gen.{entity.code.lower()}.exec", first_name="عبدالله", last_name="المالكي"
        )
        directory.grant(executive, units[0], "executive")
        out.append(
            {
                "entity": entity,
                "units": units,
                "clerks": clerks,
                "head": head.pk,
                "executive": executive.pk,
            }
        )
    return out


# ---------------------------------------------------------------------------------------------
# Text


class Texts:
    def __init__(self, rng: random.Random) -> None:
        from wasl.demo.files import load_texts

        self.rng = rng
        self.data = load_texts()
        self.subjects = self.data["subjects"]
        self.places = sorted({p for group in self.data["places"].values() for p in group})
        self.male = self.data["first_names"]["male"]
        self.female = self.data["first_names"]["female"]
        self.families = self.data["family_names"]
        self.answers = self.data["answers"]["any"]
        self.instructions = self.data["instructions"]["any"]

    def pick(self, items: list[Any]) -> Any:
        return items[self.rng.randrange(len(items))]

    def digits(self, k: int) -> str:
        return "".join(str(self.rng.randrange(10)) for _ in range(k))

    def person(self) -> tuple[str, str, bool]:
        from wasl.core.identity import make_national_id

        female = self.rng.random() < 0.25
        first = self.pick(self.female if female else self.male)
        name = (
            f"{first} {'بنت' if female else 'بن'} {self.pick(self.male)} {self.pick(self.families)}"
        )
        return name, make_national_id("1" + self.digits(8)), female

    def resident(self) -> tuple[str, str, bool]:
        from wasl.core.identity import make_national_id

        group = self.pick(self.data["residents"])
        return self.pick(group["names"]), make_national_id("2" + self.digits(8)), False

    def mobile(self) -> str:
        return "+966" + self.pick(MOBILE_PREFIXES)[1:] + self.digits(7)


def _fill(template: str, values: dict[str, str]) -> str:
    out = template
    for key, value in values.items():
        out = out.replace("{" + key + "}", value)
    return out


# ---------------------------------------------------------------------------------------------
# Rows


def _columns(model: Any) -> tuple[str, list[Any]]:
    from django.db.models.fields import AutoFieldMixin

    fields = [f for f in model._meta.concrete_fields if not isinstance(f, AutoFieldMixin)]
    return model._meta.db_table, fields


class Writer:
    """Bulk INSERTs with the fields' own conversions (UUIDs, datetimes, JSON)."""

    def __init__(self, model: Any) -> None:
        from django.db import connection

        self.connection = connection
        self.table, self.fields = _columns(model)
        quote = connection.ops.quote_name
        columns = ", ".join(quote(f.column) for f in self.fields)
        marks = ", ".join(["%s"] * len(self.fields))
        self.sql = f"INSERT INTO {quote(self.table)} ({columns}) VALUES ({marks})"
        sqlite = connection.vendor == "sqlite"
        self.converters = [(f.attname, _converter(f, sqlite), f.get_default()) for f in self.fields]
        self.rows: list[list[Any]] = []

    def add(self, values: dict[str, Any]) -> None:
        row = []
        for name, convert, default in self.converters:
            value = values.get(name, default)
            row.append(value if convert is None or value is None else convert(value))
        self.rows.append(row)

    def flush(self) -> int:
        count = len(self.rows)
        if self.rows:
            with self.connection.cursor() as cursor:
                cursor.executemany(self.sql, self.rows)
            self.rows = []
        return count


def _sqlite_datetime(value: datetime) -> str:
    # What Django's SQLite backend stores for an aware datetime: naive UTC, space-separated.
    # Every datetime made here is already in UTC: drop the "+00:00" of str().
    if value.tzinfo is not UTC:
        value = value.astimezone(UTC)
    return str(value)[:-6]


def _converter(f: Any, sqlite: bool) -> Callable[[Any], Any] | None:
    """The conversion Django would apply to a value of field `f`, without its per-call cost
    (the same results as `get_db_prep_save` for the values this module makes)."""
    kind = f.get_internal_type()
    if kind == "JSONField":
        return lambda v: json.dumps(v, ensure_ascii=False)
    if not sqlite:
        return None
    if kind == "UUIDField":
        return lambda v: v.hex
    if kind == "DateTimeField":
        return _sqlite_datetime
    if kind == "DateField":
        return str
    return None


def _ids(model: Any, column: str, values: list[str]) -> dict[str, int]:
    from django.db import connection

    found: dict[str, int] = {}
    for start in range(0, len(values), 500):
        part = values[start : start + 500]
        marks = ", ".join(["%s"] * len(part))
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT {column}, id FROM {model._meta.db_table} WHERE {column} IN ({marks})",
                part,
            )
            found.update({str(k): v for k, v in cursor.fetchall()})
    return found


def _spread(rng: random.Random, n: int, entities: int) -> list[int]:
    """How many transactions each entity gets: Zipf-like, summing to n."""
    weights = [1 / (i + 1) ** 0.6 for i in range(entities)]
    rng.shuffle(weights)
    total = sum(weights)
    counts = [int(n * w / total) for w in weights]
    for i in range(n - sum(counts)):
        counts[i % entities] += 1
    return counts


def generate(
    n: int,
    *,
    seed: int = 1448,
    years: int = 3,
    entities: int = 100,
    batch: int = 10_000,
    progress: Progress | None = None,
    events: bool = True,
    needles: int = 40,
) -> Stats:
    """Write `n` synthetic transactions (see the module docstring) and return the counts and
    the planted needles. `progress(done, n)` is called after each batch of `batch`
    transactions; each batch is one database transaction."""
    from django.db import connection
    from django.db import transaction as db
    from django.utils import timezone

    from wasl.core import hijri
    from wasl.registry.models import Event, Referral, Transaction

    rng = random.Random(seed)
    stats = Stats()
    directory = _directory(rng, entities)
    stats.entities = len(directory)
    stats.units = sum(len(d["units"]) for d in directory)
    stats.people = sum(len(d["clerks"]) + 2 for d in directory)
    texts = Texts(rng)
    today = timezone.localdate()
    this_year = hijri.hijri_year(today)
    year_list = list(range(this_year - years + 1, this_year + 1))
    year_span = {
        y: (hijri.from_hijri(y, 1, 1), min(today, hijri.from_hijri(y + 1, 1, 1) - timedelta(1)))
        for y in year_list
    }
    counts = _spread(rng, n, len(directory))
    # Spread needles over the biggest entities, at evenly spaced positions.
    needle_plan = _needle_plan(rng, texts, needles)

    txn_writer, ref_writer, event_writer = Writer(Transaction), Writer(Referral), Writer(Event)
    done = 0
    pending: list[dict[str, Any]] = []  # transactions of the current batch, for referrals/events

    def flush() -> None:
        nonlocal done, pending
        with db.atomic():
            done += txn_writer.flush()
            ids = _ids(Transaction, "reference", [p["reference"] for p in pending])
            for p in pending:
                p["id"] = ids[p["reference"]]
                _children(p, ref_writer, event_writer, events, rng)
                if p.get("needle"):
                    p["needle"].transaction_id = p["id"]
            stats.referrals += ref_writer.flush()
            stats.events += event_writer.flush()
        pending = []
        if progress is not None:
            progress(done, n)

    needle_every = max(1, n // max(1, len(needle_plan))) if needle_plan else 0
    position = 0
    for spec, count in zip(directory, counts, strict=True):
        entity = spec["entity"]
        per_year = _split_years(rng, count, len(year_list))
        for year, k in zip(year_list, per_year, strict=True):
            if not k:
                continue
            start = _last_number(entity.pk, year)
            first, last = year_span[year]
            days = sorted(
                first + timedelta(days=rng.randrange((last - first).days + 1)) for _ in range(k)
            )
            for i, day in enumerate(days):
                sequence = start + i + 1
                position += 1
                needle = None
                if needle_every and position % needle_every == 0 and needle_plan:
                    needle = needle_plan.pop()
                row = _transaction(rng, texts, spec, year, sequence, day, today, needle)
                stats.states[row["state"]] = stats.states.get(row["state"], 0) + 1
                txn_writer.add(row)
                pending.append(row)
                if needle is not None:
                    needle_obj = Needle(row["reference"], entity.code, needle["queries"])
                    row["needle"] = needle_obj
                    stats.needles.append(needle_obj)
                if len(pending) >= batch:
                    flush()
            _set_number(entity.pk, year, start + k)
    if pending:
        flush()
    stats.transactions = done
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("ANALYZE")
        else:
            cursor.execute("ANALYZE registry_transaction")
    return stats


def _split_years(rng: random.Random, count: int, years: int) -> list[int]:
    # Growth: each year a little busier than the one before.
    weights = [1.0 + 0.25 * i for i in range(years)]
    total = sum(weights)
    out = [int(count * w / total) for w in weights]
    out[-1] += count - sum(out)
    return out


def _last_number(entity_id: int, year: int) -> int:
    from wasl.registry.models import NumberSequence, Transaction

    row = NumberSequence.objects.filter(entity_id=entity_id, hijri_year=year).first()
    last = row.last_value if row else 0
    # Trust the transactions over the sequence row if they disagree.
    top = (
        Transaction.objects.filter(entity_id=entity_id, hijri_year=year)
        .order_by("-sequence")
        .values_list("sequence", flat=True)
        .first()
    )
    return max(last, top or 0)


def _set_number(entity_id: int, year: int, value: int) -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO registry_numbersequence (entity_id, hijri_year, last_value) "
            "VALUES (%s, %s, %s) ON CONFLICT (entity_id, hijri_year) "
            "DO UPDATE SET last_value = excluded.last_value",
            [entity_id, year, value],
        )


def _riyadh(day: date, seconds: int) -> datetime:
    # Riyadh is UTC+3 all year; working hours 07:30–15:30 local.
    local = datetime.combine(day, time(7, 30)) + timedelta(seconds=seconds)
    return (local - timedelta(hours=3)).replace(tzinfo=UTC)


def _weighted(rng: random.Random, weights: dict[str, int]) -> str:
    keys = list(weights)
    return rng.choices(keys, weights=[weights[k] for k in keys])[0]


def _transaction(
    rng: random.Random,
    texts: Texts,
    spec: dict[str, Any],
    year: int,
    sequence: int,
    day: date,
    today: date,
    needle: dict[str, Any] | None,
) -> dict[str, Any]:
    entity = spec["entity"]
    units = spec["units"]
    unit = units[0] if rng.random() < 0.7 else units[rng.randrange(len(units))]
    template = texts.pick(texts.subjects)
    party_kind = template["party"]
    values = {
        "place": texts.pick(texts.places),
        "ext_ref": texts.digits(6),
        "ext_date": f"{year}/{rng.randint(1, 12):02d}/{rng.randint(1, 28):02d}",
        "year": str(year),
        "h": "ه",
        "y": "ي",
        "t": "",
    }
    party: dict[str, Any] = {"party_type": "none"}
    if party_kind in ("citizen", "resident"):
        name, number, female = texts.person() if party_kind == "citizen" else texts.resident()
        word = ("المواطنة" if female else "المواطن") if party_kind == "citizen" else "المقيم"
        values["party"] = f"{word} {name} (رقم الهوية {number})"
        if female:
            values.update(h="ها", y="ت", t="ت")
        party = {
            "party_type": party_kind,
            "party_name": name,
            "party_id_number": number,
            "party_phone": texts.mobile() if rng.random() < 0.85 else "",
        }
    elif party_kind == "company":
        name = texts.pick(texts.data["companies"])
        cr = "40" + texts.digits(8)
        values["party"] = f"{name} (سجل تجاري رقم {cr})"
        party = {"party_type": "company", "party_name": name, "party_cr": cr}
    else:
        values["party"] = entity.name_ar
    subject = _fill(template["subject"], values)
    if party_kind == "citizen" and rng.random() < 0.3:
        subject = f"{subject} — {party['party_name']}"
    body = _fill(template["body"], values)
    if needle is not None:
        subject, body = needle["subject"], needle["body"]
    direction = template["direction"]
    correspondent_id = None
    if direction != "internal" and party_kind == "none":
        correspondent_id = spec["entity"].parent_id or spec["entity"].pk
        if correspondent_id == entity.pk:
            correspondent_id = None
        if correspondent_id is None:
            direction = "internal"
    age = (today - day).days
    state = _weighted(rng, STATES_RECENT if age < 30 else STATES_OLD)
    if len(units) < 2 and state in ("referred", "answered", "returned"):
        state = "registered"
    registered_at = _riyadh(day, rng.randrange(8 * 3600))
    moved = min(
        _riyadh(today, 0),
        registered_at + timedelta(days=rng.randint(0, min(age, 40)), seconds=rng.randrange(3600)),
    )
    if state == "registered":
        moved = registered_at
    urgency = _weighted(rng, URGENCY)
    due = None
    if rng.random() < 0.4:
        due = day + timedelta(days={"immediate": 1, "very_urgent": 5, "urgent": 7}.get(urgency, 14))
    return {
        "public_id": uuid.UUID(int=rng.getrandbits(128), version=4),
        "entity_id": entity.pk,
        "unit_id": unit.pk,
        "reference": f"{entity.code}-{year}-{sequence:06d}",
        "hijri_year": year,
        "sequence": sequence,
        "direction": direction,
        "kind": template["kind"],
        "classification": template["classification"],
        "urgency": urgency,
        "confidentiality": "normal" if needle else _weighted(rng, CONFIDENTIALITY),
        "subject": subject[:500],
        "body": body,
        "state": state,
        "registered_at": registered_at,
        "registered_on": day,
        "registered_by_id": spec["clerks"][unit.pk],
        "updated_at": moved,
        "due_date": due,
        "closed_at": moved if state == "closed" else None,
        "correspondent_id": correspondent_id,
        "external_reference": values["ext_ref"] if direction == "incoming" else "",
        "external_date": None,
        "party_name": "",
        "party_id_number": "",
        "party_phone": "",
        "party_cr": "",
        "party_entity_id": None,
        **party,
        "_spec": spec,
        "_unit": unit,
    }


# The referral a final state implies: (referral state, transaction reached it by answering).
_REFERRAL_FOR = {
    "referred": "pending",
    "answered": "answered",
    "returned": "returned",
    "closed": "answered",
    "reopened": "answered",
    "cancelled": "cancelled",
}


def _children(
    row: dict[str, Any], refs: Writer, events: Writer, with_events: bool, rng: random.Random
) -> None:
    spec, unit, state = row["_spec"], row["_unit"], row["state"]
    actor = row["registered_by_id"]
    at = row["registered_at"]
    if with_events:
        events.add(_event(row, "registered", actor, unit.pk, at, {"reference": row["reference"]}))
    referral_state = _REFERRAL_FOR.get(state)
    if state == "closed" and rng.random() < 0.3:
        referral_state = None  # closed directly, without a referral
    targets = [u for u in spec["units"] if u.pk != unit.pk]
    if referral_state is None or not targets:
        if with_events and state in ("closed", "cancelled"):
            events.add(_event(row, state, actor, unit.pk, row["updated_at"], {}))
        return
    target = targets[rng.randrange(len(targets))]
    if referral_state == "pending" and rng.random() < 0.5:
        referral_state = "acknowledged"
    finished = referral_state in ("answered", "returned", "cancelled")
    referred_at = at + (row["updated_at"] - at) / 3
    refs.add(
        {
            "public_id": uuid.UUID(int=rng.getrandbits(128), version=4),
            "transaction_id": row["id"],
            "from_unit_id": unit.pk,
            "to_unit_id": target.pk,
            "to_user_id": None,
            "parent_id": None,
            "instruction": "للدراسة والإفادة",
            "due_date": (referred_at + timedelta(days=14)).date(),
            "state": referral_state,
            "created_by_id": actor,
            "created_at": referred_at,
            "acknowledged_at": referred_at + timedelta(hours=2)
            if referral_state != "pending"
            else None,
            "finished_at": row["updated_at"] if finished else None,
            "finished_by_id": spec["clerks"][target.pk] if finished else None,
            "answer": "تمت دراسة الموضوع ونفيد بالتالي." if referral_state == "answered" else "",
        }
    )
    if with_events:
        events.add(_event(row, "referred", actor, unit.pk, referred_at, {}))
        if finished and referral_state != "cancelled":
            events.add(
                _event(
                    row, referral_state, spec["clerks"][target.pk], target.pk, row["updated_at"], {}
                )
            )
        if state in ("closed", "cancelled", "reopened"):
            events.add(_event(row, state, actor, unit.pk, row["updated_at"], {}))


def _event(
    row: dict[str, Any], action: str, actor: int, unit_id: int, at: datetime, data: dict[str, Any]
) -> dict[str, Any]:
    return {
        "transaction_id": row["id"],
        "referral_id": None,
        "action": action,
        "actor_id": actor,
        "actor_unit_id": unit_id,
        "created_at": at,
        "note": "",
        "data": data,
    }


# ---------------------------------------------------------------------------------------------
# Needles: transactions with known content, and the ways people ask for them


_NEEDLES = [
    (
        "طلب صرف تعويض عن أرض منزوعة لصالح مشروع طريق الملك عبدالعزيز في حي النزهة",
        "ورد معروض المواطن عبد الرحمن بن فهد الغامدي بشأن الأراضي المنزوعة في حي النزهة.",
        ["تعويض الأراضي حي النزهه", "عبدالرحمن الغامدي النزهة", "تعويضات حي النزهة"],
    ),
    (
        "شكوى من تأخر إصدار رخصة بناء لمنزل في مخطط الفيصلية",
        "يشكو المقيم محمد عمران خان من تأخر إصدار الرخصة رغم استكمال المتطلبات.",
        ["رخص البناء الفيصلية", "الرخصه مخطط الفيصليه", "محمد عمران خان رخصة"],
    ),
    (
        "تكليف مسؤول عن متابعة شئون الموظفين في مكتب الضمان الاجتماعي بمحافظة رابغ",
        "بشأن تكليف مسئول لمتابعة المعاملات المتأخرة لدى المكتب.",
        ["مسئول شؤون الموظفين رابغ", "المعاملات المتأخره رابغ", "تكليف مسؤول رابغ"],
    ),
    (
        "بلاغ عن تسرب مياه الصرف الصحي في شارع الأمير سلطان بحي السلامة",
        "يبلغ المواطن ضيف الله بن سالم العتيبي عن تسرب مياه في الشارع منذ أسبوعين.",
        ["تسرب المياه السلامه", "ضيفالله العتيبي", "شوارع حي السلامة تسرب"],
    ),
    (
        "طلب إعفاء من غرامة مخالفة بلدية على محل تجاري في حي البوادي",
        "تطلب مؤسسة أنوار الحرم للخدمات الإعفاء من الغرامة المفروضة على محلها.",
        ["اعفاء غرامه البوادي", "مخالفات بلدية البوادي", "أنوار الحرم غرامة"],
    ),
]


def _needle_plan(rng: random.Random, texts: Texts, count: int) -> list[dict[str, Any]]:
    plan = []
    for i in range(count):
        subject, body, queries = _NEEDLES[i % len(_NEEDLES)]
        tag = texts.pick(texts.places)
        # Each copy differs by a place, so that the copies compete with one another too.
        plan.append(
            {
                "subject": f"{subject} ({tag})",
                "body": body,
                "queries": [f"{q} {tag}" for q in queries[:2]] + [queries[2]],
            }
        )
    rng.shuffle(plan)
    return plan


def reindex(progress: Progress | None = None, batch: int = 5000) -> int:
    """Build the inquiry's index over everything generated (`wasl reindex`)."""
    from wasl.inquiry.reindex import reindex as run

    return run(batch=batch, progress=progress)


def main() -> None:
    import argparse
    import os
    import time as clock

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=20_000)
    parser.add_argument("--seed", type=int, default=1448)
    parser.add_argument("--entities", type=int, default=100)
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "wasl.settings")
    import django

    django.setup()
    from django.core.management import call_command

    from wasl.inquiry.management.commands.reindex import progress_bar

    call_command("migrate", verbosity=0, interactive=False)
    started = clock.monotonic()
    stats = generate(
        args.n,
        seed=args.seed,
        entities=args.entities,
        progress=progress_bar(sys.stdout, "generate "),
    )
    print(
        json.dumps({k: v for k, v in stats.__dict__.items() if k != "needles"}, ensure_ascii=False),
        f"in {clock.monotonic() - started:.1f} s",
    )


if __name__ == "__main__":
    main()
