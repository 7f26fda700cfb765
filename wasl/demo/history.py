"""Six months of work in the demo region, played through the real services under the demo's
clock (`clock.py`).

Each piece of work is a *story*: a generator that takes one step (register, refer, answer,
send a letter through Wasl …) and yields the moment of its next step. The stories of every
entity are played together in the order of their moments, so that each service sees the
world as it was at that moment: reference numbers follow the days, a referral is answered
after it was made, the audit chain runs forward. A story stops where the end of the history
finds it: the recent ones are still open, some old ones were forgotten and are late.

Besides the stories, the worker's periodic jobs run at their times: the day's follow-up
(reminders and escalations, `dashboards.followup`) each working morning, the exchange's
outbox and the SMS outbox every hour of the working day.

Each story draws from its own random generator, seeded from the history's seed and its
place in the plan: the same files, seed and end moment give the same history.
"""

from __future__ import annotations

import heapq
import itertools
import math
import random
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from django.contrib.auth import get_user_model
from django.utils import timezone

from wasl.core import hijri
from wasl.core.errors import WaslError
from wasl.core.identity import make_national_id
from wasl.dashboards import followup
from wasl.directory.actors import Actor, actor_for
from wasl.directory.models import Entity, Membership, Role, Unit
from wasl.exchange import delivery
from wasl.exchange import services as exchange
from wasl.exchange.models import IncomingMessage
from wasl.notifications import sending
from wasl.registry import calendar
from wasl.registry import services as registry
from wasl.registry.models import (
    Confidentiality,
    Direction,
    Link,
    PartyType,
    Referral,
    Transaction,
    Urgency,
)
from wasl.registry.states import HELD_BY_OWNER, OPEN_REFERRAL_STATES, State

from . import files
from .clock import Clock

MOBILE_PREFIXES = ("050", "053", "054", "055", "056", "058", "059")
CR_PREFIX = {"GOV-JED": "4030", "AMN-JED": "4030", "GOV-TIF": "4032", "AMN-TIF": "4032"}
STALLED = frozenset({"registered", "pending", "acknowledged", "answered"})
SENT_THROUGH_WASL = "تم الإرسال إلى الجهة عبر منصة وصل."

Story = Iterator[datetime]


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
        names = [p.username for p in files.load_people()]
        for user in get_user_model().objects.filter(username__in=names):
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
    """A demo transaction, as its story remembers it."""

    txn: Transaction
    registrar: str
    correspondent: Entity | None = None
    external_reference: str = ""
    external_date: date | None = None
    answer: str = ""


class WorkingTime:
    """Moments within the working hours of working days (Riyadh time)."""

    def __init__(self, settings: dict[str, Any]) -> None:
        self.starts = time.fromisoformat(settings["day_starts"])
        self.ends = time.fromisoformat(settings["day_ends"])
        self.tz = timezone.get_current_timezone()

    def minutes(self) -> int:
        return (self.ends.hour * 60 + self.ends.minute) - (
            self.starts.hour * 60 + self.starts.minute
        )

    def on(self, day: date, minute: int) -> datetime:
        """`minute` minutes into the working day `day`."""
        start = datetime.combine(day, self.starts, tzinfo=self.tz)
        return start + timedelta(minutes=minute)

    def is_working_day(self, day: date) -> bool:
        return hijri.is_working_day(day, calendar.holidays())

    def next_working_day(self, day: date, n: int = 1) -> date:
        return hijri.add_working_days(day, n, calendar.holidays())

    def fit(self, moment: datetime, rng: random.Random) -> datetime:
        """`moment`, or the start of the next working hours after it (with some minutes)."""
        local = timezone.localtime(moment, self.tz)
        day = local.date()
        if self.is_working_day(day) and self.starts <= local.time() <= self.ends:
            return moment
        if not self.is_working_day(day) or local.time() > self.ends:
            day = self.next_working_day(day)
        return self.on(day, rng.randint(0, 75))

    def later(self, moment: datetime, rng: random.Random, lo: int, hi: int) -> datetime:
        """`lo` to `hi` working minutes after `moment` (continuing the next working day)."""
        return self.fit(moment + timedelta(minutes=rng.randint(lo, hi)), rng)

    def after_days(self, moment: datetime, rng: random.Random, days: int) -> datetime:
        """Some time on the working day `days` working days after `moment`'s day (later the
        same day when `days` is 0)."""
        if days <= 0:
            return self.later(moment, rng, 20, 240)
        day = self.next_working_day(timezone.localtime(moment, self.tz).date(), days)
        return self.on(day, rng.randint(0, self.minutes()))


class History:
    """Plays the history from `start` to `end` (see the module docstring)."""

    def __init__(
        self,
        entities: dict[str, Entity],
        staff: Staff,
        clock: Clock,
        *,
        start: datetime,
        end: datetime,
    ) -> None:
        self.settings = files.load_history()
        self.texts = files.load_texts()
        self.entities = entities
        self.staff = staff
        self.clock = clock
        self.start, self.end = start, end
        self.hours = WorkingTime(self.settings)
        self.seed = self.settings["seed"]
        self.units: dict[tuple[str, str], Unit] = {
            (u.entity.code, u.code): u
            for u in Unit.objects.select_related("entity").filter(
                entity__code__in=list(self.settings["per_day"]), is_active=True
            )
        }
        self.entities_by_id = {e.pk: e for e in entities.values()}
        self._worker_units: dict[str, list[Unit]] = {}
        self.memos: Counter[int] = Counter()
        self.refused: list[str] = []
        self.made: dict[str, list[Made]] = {}
        self.steps = 0

    # -- the plan and the play ---------------------------------------------------------------

    def rng(self, *parts: object) -> random.Random:
        # A string seed is hashed with SHA-512: the same on every run and every machine.
        return random.Random("-".join(str(p) for p in (self.seed, *parts)))  # noqa: S311

    def days(self) -> list[date]:
        first = timezone.localtime(self.start).date()
        last = timezone.localtime(self.end).date()
        return [first + timedelta(days=n) for n in range((last - first).days + 1)]

    def beginnings(self) -> list[tuple[datetime, Story]]:
        """When each story and each periodic job begins."""
        plan = self.rng("plan")
        working = [d for d in self.days() if self.hours.is_working_day(d)]
        minutes = self.hours.minutes()
        begun: list[tuple[datetime, Story]] = []
        slots: list[tuple[datetime, str, int]] = []
        for day in working:
            begun.append((self.hours.on(day, -60), self.morning(day)))
            for hour in range(0, minutes + 60, 60):
                begun.append((self.hours.on(day, hour + 59), self.worker_pass()))
            for code, per_day in self.settings["per_day"].items():
                for i in range(_poisson(plan, per_day)):
                    slots.append((self.hours.on(day, plan.randint(0, minutes)), code, i))
            if plan.random() < self.settings["exchange"]["per_day"]:
                sender, receiver = plan.choice(self.settings["exchange"]["pairs"])
                at = self.hours.on(day, plan.randint(0, minutes - 60))
                begun.append((at, self.letter(sender, receiver, self.rng("letter", day))))
        slots.sort()
        secret: set[int] = set()
        for code, count in self.settings["top_secret"].items():
            own = [n for n, slot in enumerate(slots) if slot[1] == code]
            secret |= set(plan.sample(own, min(count, len(own))))
        for n, (at, code, i) in enumerate(slots):
            rng = self.rng("story", at.date(), code, i)
            begun.append((at, self.ordinary(code, rng, top_secret=n in secret)))
        return begun

    def play(self) -> int:
        """Play every story and job up to the end; returns the number of steps taken."""
        order = itertools.count()
        queue = [(at, next(order), story) for at, story in self.beginnings() if at >= self.start]
        heapq.heapify(queue)
        while queue:
            at, _, story = heapq.heappop(queue)
            if at > self.end:
                break
            self.clock.set(at)
            try:
                following = next(story, None)
            except WaslError as refusal:
                # A step the services refuse ends its story, not the whole history (the
                # step itself changed nothing); the loader says how many there were.
                self.refused.append(f"{at:%Y-%m-%d %H:%M} {refusal.code}: {refusal.message_en}")
                following = None
            if following is not None:
                heapq.heappush(queue, (max(following, at), next(order), story))
        return self.steps

    # -- the worker's jobs ---------------------------------------------------------------------

    def morning(self, day: date) -> Story:
        """The day's follow-up: reminders to holders, escalations to heads."""
        followup.run(day)
        return
        yield

    def worker_pass(self) -> Story:
        """What the worker does every few seconds, done every working hour here."""
        self.deliver()
        while sending.send_due().claimed:
            pass
        return
        yield

    def deliver(self) -> None:
        while delivery.deliver_due().claimed:
            pass

    # -- choices ---------------------------------------------------------------------------

    @staticmethod
    def pick(rng: random.Random, items: list[Any]) -> Any:
        return items[rng.randrange(len(items))]

    @staticmethod
    def weighted(rng: random.Random, weights: dict[str, int]) -> str:
        keys = list(weights)
        return rng.choices(keys, weights=[weights[k] for k in keys])[0]

    @staticmethod
    def digits(rng: random.Random, n: int) -> str:
        return "".join(str(rng.randrange(10)) for _ in range(n))

    def text(self, rng: random.Random, key: str, classification: str | None = None) -> str:
        """An instruction or an answer: specific to the classification more often than not."""
        group = self.texts[key]
        specific = group.get("by_classification", {}).get(classification or "", [])
        if specific and rng.random() < 0.6:
            return str(self.pick(rng, specific))
        return str(self.pick(rng, group["any"]))

    # -- people ----------------------------------------------------------------------------

    def actor(self, username: str) -> Actor:
        return self.staff.actors[username]

    def worker_units(self, entity: Entity) -> list[Unit]:
        """The units of `entity` with demo people working in them, by code."""
        if entity.code not in self._worker_units:
            self._worker_units[entity.code] = [
                u
                for (code, _), u in sorted(self.units.items(), key=lambda kv: kv[0])
                if code == entity.code and self.staff.workers.get(u.pk)
            ]
        return self._worker_units[entity.code]

    def someone_in(self, rng: random.Random, unit: Unit, *, head: bool = False) -> str:
        pool = self.staff.heads.get(unit.pk, []) if head else self.staff.workers[unit.pk]
        return str(self.pick(rng, pool))

    def registry_clerk(self, rng: random.Random, entity: Entity) -> str:
        """The registry's clerk registers and sends; its head signs."""
        unit = self.units[(entity.code, "REG")]
        heads = self.staff.heads.get(unit.pk, [])
        clerks = [u for u in self.staff.workers[unit.pk] if u not in heads]
        return str(self.pick(rng, clerks or self.staff.workers[unit.pk]))

    def boss_of(self, rng: random.Random, txn: Transaction) -> str | None:
        """Who may reopen or cancel: the owning unit's head, else the entity administrator
        (who does not see confidential transactions)."""
        heads = self.staff.heads.get(txn.unit_id)
        if heads:
            return str(self.pick(rng, heads))
        admins = self.staff.admins.get(txn.entity_id)
        if admins and txn.confidentiality == Confidentiality.NORMAL:
            return str(self.pick(rng, admins))
        return None

    def targets(
        self, txn: Transaction, *, exclude: set[int], heads_only: bool = False
    ) -> list[Unit]:
        """Units a transaction may be referred to: the route for its classification first."""
        entity = self.entities_by_id[txn.entity_id]
        pool = [
            u
            for u in self.worker_units(entity)
            if u.pk not in exclude
            and u.pk != txn.unit_id
            and (not heads_only or self.staff.heads.get(u.pk))
        ]
        route = self.settings["routes"].get(entity.kind, {}).get(txn.classification, [])
        routed = [u for u in pool if u.code in route]
        return routed or pool

    # -- a party ---------------------------------------------------------------------------

    def party(
        self, rng: random.Random, kind: str, entity: Entity, correspondent: Entity | None
    ) -> tuple[registry.Party, dict[str, str]]:
        """The party and the words that refer to them in a body (with the right gender)."""
        masculine = {"h": "ه", "y": "ي", "t": ""}
        feminine = {"h": "ها", "y": "ت", "t": "ت"}
        names = self.texts["first_names"]
        if kind == PartyType.CITIZEN:
            female = rng.random() < 0.25
            first = self.pick(rng, names["female"] if female else names["male"])
            father = self.pick(rng, names["male"])
            family = self.pick(rng, self.texts["family_names"])
            name = f"{first} {'بنت' if female else 'بن'} {father} {family}"
            number = make_national_id("1" + self.digits(rng, 8))
            words = {
                "party": f"{'المواطنة' if female else 'المواطن'} {name} (هوية وطنية رقم {number})",
                **(feminine if female else masculine),
            }
            return registry.Party(
                type=kind, name=name, id_number=number, phone=self.mobile(rng)
            ), words
        if kind == PartyType.RESIDENT:
            group = self.pick(rng, self.texts["residents"])
            female = bool(group.get("female_names")) and rng.random() < 0.25
            name = self.pick(rng, group["female_names"] if female else group["names"])
            nationality = group["nationality"] + ("ة" if female else "")
            number = make_national_id("2" + self.digits(rng, 8))
            words = {
                "party": (
                    f"{'المقيمة' if female else 'المقيم'} {name} "
                    f"({nationality} الجنسية، إقامة رقم {number})"
                ),
                **(feminine if female else masculine),
            }
            return registry.Party(
                type=kind, name=name, id_number=number, phone=self.mobile(rng)
            ), words
        if kind == PartyType.COMPANY:
            name = self.pick(rng, self.texts["companies"])
            cr = CR_PREFIX.get(entity.code, "4031") + self.digits(rng, 6)
            words = {"party": f"{name} (سجل تجاري رقم {cr})", **feminine}
            return registry.Party(type=kind, name=name, cr=cr, phone=self.mobile(rng)), words
        if kind == PartyType.ENTITY:
            assert correspondent is not None, "an entity party is the correspondent"
            words = {"party": correspondent.name_ar, **feminine}
            party = registry.Party(
                type=kind, name=correspondent.name_ar, entity_code=correspondent.code
            )
            return party, words
        return registry.Party(), {"party": "", **masculine}

    def mobile(self, rng: random.Random) -> str:
        if rng.random() < 0.15:
            return ""
        return self.pick(rng, list(MOBILE_PREFIXES)) + self.digits(rng, 7)

    def correspondent(
        self, rng: random.Random, subject: dict[str, Any], entity: Entity
    ) -> Entity | None:
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
        return self.pick(rng, candidates) if candidates else None

    # -- registering -----------------------------------------------------------------------

    def subjects_for(self, entity: Entity) -> list[dict[str, Any]]:
        return [s for s in self.texts["subjects"] if entity.kind in s["for"]]

    def register(
        self, rng: random.Random, entity: Entity, subject: dict[str, Any], *, top_secret: bool
    ) -> Made | None:
        correspondent = self.correspondent(rng, subject, entity)
        party_kind = subject["party"]
        if party_kind == PartyType.ENTITY and correspondent is None:
            return None
        if (
            subject["direction"] != Direction.INTERNAL
            and correspondent is None
            and party_kind == PartyType.NONE
        ):
            return None  # no correspondent here (e.g. "@children" of an entity without any)
        today = timezone.localdate()
        party, words = self.party(rng, party_kind, entity, correspondent)
        places = self.texts["places"]
        place = self.pick(rng, places.get(entity.code) or places["EMK"])
        external_date = today - timedelta(days=rng.randint(1, 25))
        external_reference = self.digits(rng, rng.choice((5, 6)))
        fill = {
            **words,
            "place": place,
            "ext_ref": external_reference,
            "ext_date": hijri.format_hijri(external_date),
            "year": str(hijri.hijri_year(today)),
        }
        # The registry registers what comes and goes; a unit registers its internal memos.
        if subject["direction"] == Direction.INTERNAL:
            # Each unit in turn, the one with the fewest memos first: every unit has some.
            own = [u for u in self.worker_units(entity) if u.code != "REG"]
            fewest = min((self.memos[u.pk] for u in own), default=0)
            turn = [u for u in own if self.memos[u.pk] == fewest]
            unit = self.pick(rng, turn) if turn else self.units[(entity.code, "REG")]
            self.memos[unit.pk] += 1
            registrar = self.someone_in(rng, unit)
        else:
            unit = self.units[(entity.code, "REG")]
            registrar = self.registry_clerk(rng, entity)
        if top_secret:
            registrar = self.someone_in(rng, unit, head=True) if unit.code != "REG" else registrar

        urgency = self.weighted(rng, self.settings["urgency"])
        if subject.get("urgent") and urgency == Urgency.NORMAL and rng.random() < 0.7:
            urgency = self.pick(rng, [Urgency.URGENT, Urgency.VERY_URGENT, Urgency.IMMEDIATE])
        confidentiality = Confidentiality.NORMAL
        if top_secret:
            confidentiality = Confidentiality.TOP_SECRET
        elif subject.get("sensitive") and rng.random() < 0.6:
            confidentiality = Confidentiality.CONFIDENTIAL
        due_date = None
        if rng.random() < self.settings["timing"]["own_due_date"]:
            due_date = self.hours.next_working_day(today, rng.randint(5, 30))
        incoming_letter = subject["direction"] == Direction.INCOMING and correspondent is not None
        txn = registry.register_transaction(
            self.actor(registrar),
            unit=unit,
            direction=subject["direction"],
            kind=subject["kind"],
            subject=subject["subject"].format_map(fill),
            body=subject["body"].format_map(fill),
            classification=subject["classification"],
            urgency=urgency,
            confidentiality=confidentiality,
            due_date=due_date,
            party=party,
            correspondent_code=correspondent.code if correspondent else "",
            external_reference=external_reference if incoming_letter else "",
            external_date=external_date if incoming_letter else None,
        )
        self.steps += 1
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

    def refer(
        self, rng: random.Random, made: Made, units: list[Unit], *, to_user: str | None = None
    ) -> list[Referral]:
        timing = self.settings["timing"]
        due = None
        if rng.random() >= timing["default_due"]:
            due = self.pick(rng, timing["due_days"])
        self.steps += 1
        return registry.refer(
            self.actor(self.owner_worker(rng, made)),
            made.txn.public_id,
            to_units=units,
            instruction=self.text(rng, "instructions", made.txn.classification),
            due_in_days=due,
            to_user_id=self.staff.user_ids[to_user] if to_user else None,
        )

    def owner_worker(self, rng: random.Random, made: Made) -> str:
        """Someone of the owning unit who sees the transaction: its registrar for top secret."""
        if made.txn.confidentiality == Confidentiality.TOP_SECRET:
            return made.registrar
        return made.registrar if rng.random() < 0.7 else self.someone_in(rng, made.txn.unit)

    def holder(self, rng: random.Random, made: Made, ref: Referral) -> str:
        """Someone of the referral's unit who sees the transaction."""
        if ref.to_user_id:
            for name, pk in self.staff.user_ids.items():
                if pk == ref.to_user_id:
                    return name
        head = made.txn.confidentiality == Confidentiality.TOP_SECRET
        return self.someone_in(rng, ref.to_unit, head=head)

    def answer_after(self, rng: random.Random, ref: Referral) -> datetime:
        """When the referral's holder answers: in time mostly, late sometimes."""
        timing = self.settings["timing"]
        today = timezone.localdate()
        allowed = max(0, hijri.working_days_between(today, ref.due_date, calendar.holidays()))
        if rng.random() < timing["on_time"]:
            days = min(rng.randint(0, allowed), rng.randint(0, allowed))
        else:
            days = allowed + rng.randint(1, timing["late_by"])
        return self.hours.after_days(self.clock.now(), rng, days)

    def acknowledge(self, rng: random.Random, made: Made, ref: Referral) -> Referral:
        self.steps += 1
        return registry.acknowledge(self.actor(self.holder(rng, made, ref)), ref.public_id)

    def answer(self, rng: random.Random, made: Made, ref: Referral) -> Referral:
        text = self.text(rng, "answers", made.txn.classification)
        made.answer = text
        self.steps += 1
        return registry.answer(self.actor(self.holder(rng, made, ref)), ref.public_id, text=text)

    def return_(self, rng: random.Random, made: Made, ref: Referral) -> Referral:
        self.steps += 1
        return registry.return_referral(
            self.actor(self.holder(rng, made, ref)),
            ref.public_id,
            reason=self.pick(rng, self.texts["return_reasons"]),
        )

    def forward(self, rng: random.Random, made: Made, ref: Referral, to: Unit) -> Referral:
        self.steps += 1
        return registry.forward(
            self.actor(self.holder(rng, made, ref)),
            ref.public_id,
            to_unit=to,
            instruction=self.pick(rng, self.texts["forward_instructions"]),
        )

    def close(self, rng: random.Random, made: Made, reason: str | None = None) -> None:
        self.steps += 1
        made.txn = registry.close(
            self.actor(self.owner_worker(rng, made)),
            made.txn.public_id,
            reason=reason or self.pick(rng, self.texts["closing_reasons"]),
        )

    def comment(self, rng: random.Random, made: Made) -> None:
        self.steps += 1
        registry.comment(
            self.actor(self.owner_worker(rng, made)),
            made.txn.public_id,
            text=self.pick(rng, self.texts["comments"]),
        )

    def link_to_earlier(self, rng: random.Random, made: Made) -> None:
        """A "related" or "follows" link to an earlier transaction of the same registry."""
        pool = [
            m
            for m in self.made.get(self.entities_by_id[made.txn.entity_id].code, [])[:-1]
            if m.txn.unit_id == made.txn.unit_id
            and m.txn.confidentiality == Confidentiality.NORMAL
            and m.txn.state != State.CANCELLED
        ]
        if not pool or made.txn.confidentiality != Confidentiality.NORMAL:
            return
        earlier = self.pick(rng, pool[-40:])
        self.steps += 1
        registry.link(
            self.actor(made.registrar),
            made.txn.public_id,
            earlier.txn.public_id,
            kind=self.pick(rng, [Link.LinkKind.RELATED, Link.LinkKind.FOLLOWS]),
        )

    # -- an ordinary transaction -----------------------------------------------------------

    def ordinary(self, code: str, rng: random.Random, *, top_secret: bool) -> Story:
        entity = self.entities[code]
        subjects = self.subjects_for(entity)
        if top_secret:
            subjects = [
                s
                for s in subjects
                if s.get("sensitive") and s["classification"] in ("security", "prisoners", "legal")
            ] or subjects
        made = None
        for _ in range(20):
            made = self.register(rng, entity, self.pick(rng, subjects), top_secret=top_secret)
            if made is not None:
                break
        if made is None:
            return
        if rng.random() < self.settings["timing"]["link_per_entity"]:
            self.link_to_earlier(rng, made)
        yield from self.drive(rng, made)

    def scenario(self, rng: random.Random, txn: Transaction) -> str:
        groups = self.settings["scenarios"]
        if txn.confidentiality == Confidentiality.TOP_SECRET:
            scenario = self.weighted(rng, groups["top_secret"])
        elif txn.direction == Direction.OUTGOING:
            scenario = self.weighted(rng, groups["outgoing"])
        elif txn.kind in ("circular", "invitation"):
            scenario = self.weighted(rng, groups["notice"])
        else:
            scenario = self.weighted(rng, groups["ordinary"])
        if scenario in STALLED and self.settled(rng, txn):
            scenario = "closed"
        return scenario

    def settled(self, rng: random.Random, txn: Transaction) -> bool:
        """Whether the work on an old transaction was finished (not forgotten)."""
        groups = self.settings["scenarios"]
        age = self.end - txn.registered_at
        return (
            age > timedelta(days=groups["settled_after_days"])
            and rng.random() >= groups["forgotten"]
        )

    def settle(self, rng: random.Random, made: Made) -> Story:
        """Finish what the scenario left open: answer the open referrals, then close."""
        open_referrals = Referral.objects.filter(
            transaction_id=made.txn.pk, state__in=list(OPEN_REFERRAL_STATES)
        ).select_related("to_unit")
        for ref in list(open_referrals.order_by("id")):
            yield self.answer_after(rng, ref)
            self.answer(rng, made, ref)
        yield self.hours.after_days(self.clock.now(), rng, rng.randint(0, 2))
        made.txn.refresh_from_db(fields=["state"])
        if made.txn.state in HELD_BY_OWNER:
            self.close(rng, made)

    def drive(self, rng: random.Random, made: Made) -> Story:
        txn = made.txn
        scenario = self.scenario(rng, txn)
        boss = self.boss_of(rng, txn)
        if scenario in ("reopened", "cancelled") and boss is None:
            scenario = "closed"
        top_secret = txn.confidentiality == Confidentiality.TOP_SECRET
        targets = self.targets(txn, exclude=set(), heads_only=top_secret)
        if not targets and scenario not in ("registered", "closed_direct", "cancelled"):
            scenario = "registered"
        if scenario == "registered":
            return
        now = self.clock.now
        if scenario == "closed_direct":
            yield self.hours.later(now(), rng, 10, 180)
            reason = SENT_THROUGH_WASL if txn.direction == Direction.OUTGOING else None
            self.close(
                rng, made, reason or self.pick(rng, ["للعلم والحفظ.", "للحفظ لانتهاء الغرض."])
            )
            return
        if scenario == "cancelled":
            if targets and rng.random() < 0.5:
                yield self.hours.later(now(), rng, 10, 180)
                self.refer(rng, made, [self.pick(rng, targets)])
            yield self.hours.after_days(now(), rng, rng.randint(0, 3))
            assert boss is not None
            self.steps += 1
            registry.cancel(
                self.actor(boss), txn.public_id, reason=self.pick(rng, self.texts["cancel_reasons"])
            )
            return
        first = self.pick(rng, targets)
        to_user = None
        if top_secret:
            to_user = self.someone_in(rng, first, head=True)
        elif rng.random() < 0.1:
            to_user = self.someone_in(rng, first)
        yield self.hours.later(now(), rng, 10, 180)
        (ref,) = self.refer(rng, made, [first], to_user=to_user)
        yield from self.after_referral(rng, made, ref, scenario, boss)
        # A reopened matter often stays open a long while: something came up.
        lingers = scenario == "reopened" and rng.random() < 0.4
        if self.settled(rng, txn) and not lingers:
            yield from self.settle(rng, made)
        if rng.random() < self.settings["timing"]["comment"]:
            made.txn.refresh_from_db(fields=["state"])
            if made.txn.state != State.CANCELLED:
                yield self.hours.later(now(), rng, 30, 600)
                self.comment(rng, made)

    def after_referral(
        self, rng: random.Random, made: Made, ref: Referral, scenario: str, boss: str | None
    ) -> Story:
        now = self.clock.now
        if scenario == "pending":
            return
        if rng.random() < 0.75 or scenario == "acknowledged":
            yield self.hours.later(now(), rng, 5, 600)
            ref = self.acknowledge(rng, made, ref)
        if scenario == "acknowledged":
            return
        yield self.answer_after(rng, ref)
        if scenario == "answered":
            self.answer(rng, made, ref)
        elif scenario == "returned":
            self.return_(rng, made, ref)
        elif scenario == "forwarded":
            others = self.targets(made.txn, exclude={ref.to_unit_id})
            if not others:
                self.answer(rng, made, ref)
                return
            new = self.forward(rng, made, ref, self.pick(rng, others))
            then = rng.random()
            if then < 0.2:
                return
            yield self.hours.later(now(), rng, 5, 600)
            new = self.acknowledge(rng, made, new)
            if then < 0.35:
                return
            yield self.answer_after(rng, new)
            self.answer(rng, made, new)
            if then > 0.6:
                yield self.hours.after_days(now(), rng, rng.randint(0, 2))
                self.close(rng, made)
        elif scenario == "closed":
            self.answer(rng, made, ref)
            yield self.hours.after_days(now(), rng, rng.randint(0, 2))
            if not (rng.random() < 0.4 and self.reply(rng, made)):
                self.close(rng, made)
        elif scenario == "reopened":
            self.answer(rng, made, ref)
            yield self.hours.after_days(now(), rng, rng.randint(0, 2))
            self.close(rng, made)
            yield self.hours.after_days(now(), rng, rng.randint(1, 10))
            assert boss is not None
            self.steps += 1
            made.txn = registry.reopen(
                self.actor(boss),
                made.txn.public_id,
                reason=self.pick(rng, self.texts["reopen_reasons"]),
            )
            again = self.targets(made.txn, exclude=set())
            if again and rng.random() < 0.5:
                yield self.hours.later(now(), rng, 10, 240)
                (second,) = self.refer(rng, made, [self.pick(rng, again)])
                yield self.answer_after(rng, second)
                self.answer(rng, made, second)
                yield self.hours.after_days(now(), rng, rng.randint(0, 2))
                self.close(rng, made)
        elif scenario == "multi":
            others = self.targets(made.txn, exclude={ref.to_unit_id})
            if others:
                (second,) = self.refer(rng, made, [self.pick(rng, others)])
                if rng.random() < 0.5:
                    yield self.hours.later(now(), rng, 5, 600)
                    self.acknowledge(rng, made, second)
            self.answer(rng, made, ref)
        elif scenario == "rerouted":
            self.return_(rng, made, ref)
            others = self.targets(made.txn, exclude={ref.to_unit_id})
            if others:
                yield self.hours.later(now(), rng, 10, 240)
                (second,) = self.refer(rng, made, [self.pick(rng, others)])
                yield self.answer_after(rng, second)
                self.answer(rng, made, second)
                yield self.hours.after_days(now(), rng, rng.randint(0, 2))
                self.close(rng, made)

    def reply(self, rng: random.Random, made: Made) -> Made | None:
        """An outgoing letter answering an incoming paper letter, linked to it; both are then
        closed."""
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
        self.steps += 1
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
        self.steps += 1
        registry.link(self.actor(made.registrar), out.public_id, txn.public_id, kind="answers")
        reply = Made(txn=out, registrar=made.registrar, correspondent=made.correspondent)
        self.made.setdefault(self.entities_by_id[txn.entity_id].code, []).append(reply)
        self.close(rng, reply, "تم الإرسال إلى الجهة.")
        self.close(rng, made, "تم الرد على الجهة بالخطاب الصادر.")
        return reply

    # -- a letter through Wasl, and its answer -----------------------------------------------

    def letter(self, sender_code: str, receiver_code: str, rng: random.Random) -> Story:
        """A letter from one demo entity to another through the exchange, delivered, taken
        by the receiver's registry, referred, answered by a letter back through Wasl (or
        read and filed), and the sender files both."""
        sender, receiver = self.entities[sender_code], self.entities[receiver_code]
        letters = [
            item
            for item in self.texts["letters"]
            if sender.kind in item["from"] and receiver.kind in item["to"]
        ]
        item = self.pick(rng, letters)
        today = timezone.localdate()
        fill = {"year": str(hijri.hijri_year(today)), "receiver": receiver.name_ar}
        clerk = self.registry_clerk(rng, sender)
        reply_due = self.hours.next_working_day(today, self.pick(rng, [5, 7, 10]))
        self.steps += 1
        sent = exchange.send_letter(
            self.actor(clerk),
            unit=self.units[(sender.code, "REG")],
            to=[receiver.code],
            subject=item["subject"].format_map(fill),
            body=item["body"].format_map(fill),
            classification=item["classification"],
            urgency=self.weighted(rng, self.settings["urgency"]),
            reply_due=reply_due,
        )
        ours = Made(txn=sent.transaction, registrar=clerk, correspondent=receiver)
        self.made.setdefault(sender.code, []).append(ours)
        self.deliver()
        (message,) = sent.messages
        arrived = (
            IncomingMessage.objects.filter(message_id=message.message_id)
            .select_related("transaction__unit")
            .first()
        )
        if arrived is None or arrived.transaction is None:
            return
        theirs = Made(
            txn=arrived.transaction,
            registrar=self.registry_clerk(rng, receiver),
            correspondent=sender,
        )
        self.made.setdefault(receiver.code, []).append(theirs)
        now = self.clock.now
        targets = self.targets(theirs.txn, exclude=set())
        if not targets:  # nobody to refer it to: read and filed
            self.close(rng, theirs, "للعلم والحفظ.")
            return
        yield self.hours.later(now(), rng, 15, 300)
        (ref,) = self.refer(rng, theirs, [self.pick(rng, targets)])
        yield self.hours.later(now(), rng, 5, 400)
        ref = self.acknowledge(rng, theirs, ref)
        yield self.answer_after(rng, ref)
        self.answer(rng, theirs, ref)
        self.deliver()
        yield self.hours.after_days(now(), rng, rng.randint(0, 2))
        if rng.random() < self.settings["exchange"]["answered"]:
            self.steps += 1
            answer = exchange.send_letter(
                self.actor(theirs.registrar),
                unit=theirs.txn.unit,
                subject=self.texts["reply"]["subject"].format_map({"subject": theirs.txn.subject})[
                    : registry.SUBJECT_MAX
                ],
                body=theirs.answer,
                classification=theirs.txn.classification,
                urgency=theirs.txn.urgency,
                to=[],
                answers=theirs.txn.public_id,
            )
            self.made.setdefault(receiver.code, []).append(
                Made(txn=answer.transaction, registrar=theirs.registrar, correspondent=sender)
            )
            self.close(rng, theirs, "تم الرد على الجهة عبر منصة وصل.")
            self.close(rng, Made(answer.transaction, theirs.registrar), SENT_THROUGH_WASL)
            self.deliver()
            (back,) = answer.messages
            reply = (
                IncomingMessage.objects.filter(message_id=back.message_id)
                .select_related("transaction__unit")
                .first()
            )
            yield self.hours.later(now(), rng, 30, 600)
            if reply is not None and reply.transaction is not None:
                self.close(rng, Made(reply.transaction, clerk), "للعلم والحفظ.")
            self.close(rng, ours, "وردت إفادة الجهة.")
        else:
            self.close(rng, theirs, "للعلم والحفظ.")
            self.deliver()
            yield self.hours.later(now(), rng, 30, 600)
            self.close(rng, ours, "أفادت الجهة بالاطلاع والحفظ.")
        self.deliver()


def _poisson(rng: random.Random, mean: float) -> int:
    """How many, on average `mean` (Knuth's method; means here are small)."""
    limit, k, p = math.exp(-mean), 0, 1.0
    while True:
        p *= rng.random()
        if p <= limit:
            return k
        k += 1
