"""The unified inquiry's reads: one box that understands a reference, an ID, a phone or words,
with filters and facets — always inside the access rule.

Every result, count and facet comes from rows that passed
`wasl.registry.queries.visible_transactions(actor)`: the full-text index only narrows the
candidates (by words and by the actor's *scope*: the entities they belong to and their own
name), and the access rule decides, row by row, in the same SQL statement. A person never
learns that a hidden transaction exists.
"""

from __future__ import annotations

import math
import re
import uuid
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from typing import Any

from django.db import connection
from django.db.models import QuerySet
from django.db.models.expressions import RawSQL

from wasl.core import hijri, identity
from wasl.core.arabic import fold_digits
from wasl.core.errors import InvalidInput
from wasl.directory.actors import Actor
from wasl.registry.models import Kind, Transaction, Urgency
from wasl.registry.queries import visible_transactions
from wasl.registry.states import State

from . import analysis, names
from .backends import Group, get_backend
from .indexer import entity_token, user_token

MAX_QUERY = 500
PER_PAGE = 20
MAX_PER_PAGE = 100
MAX_PAGE = 500
EXPORT_LIMIT = 10_000

# Separators people type inside numbers, and the direction marks RTL pages wrap them in.
_SEPARATORS = re.compile(
    r"[\s\-/_.\u2010-\u2015\u2212\u200e\u200f\u061c\u202a-\u202e\u2066-\u2069]"
)
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_YEAR_SEQ = re.compile(r"[0-9]{4}\s*[-/\s]\s*[0-9]{1,6}")

KINDS = ("empty", "reference", "id_number", "phone", "words", "filters")


# ---------------------------------------------------------------------------------------------
# Input


@dataclass(frozen=True)
class Filters:
    """Narrowing a search: all optional. Dates are registration dates (Riyadh), inclusive."""

    entity: str = ""
    unit: uuid.UUID | None = None
    kind: str = ""
    state: str = ""
    urgency: str = ""
    date_from: date | None = None
    date_to: date | None = None

    @property
    def any(self) -> bool:
        return bool(
            self.entity
            or self.unit
            or self.kind
            or self.state
            or self.urgency
            or self.date_from
            or self.date_to
        )

    def as_params(self) -> dict[str, str]:
        """The filters as query-string parameters (for links and exports)."""
        out = {
            "entity": self.entity,
            "unit": str(self.unit) if self.unit else "",
            "kind": self.kind,
            "state": self.state,
            "urgency": self.urgency,
            "from": self.date_from.isoformat() if self.date_from else "",
            "to": self.date_to.isoformat() if self.date_to else "",
        }
        return {k: v for k, v in out.items() if v}


def _choice(value: str, allowed: Sequence[str], field: str, label_ar: str) -> str:
    if value and value not in allowed:
        raise InvalidInput(
            f"قيمة غير صحيحة في «{label_ar}».",
            f"'{field}' must be one of: {', '.join(allowed)}.",
            code="invalid_filter",
            field=field,
        )
    return value


def _date(value: str, field: str) -> date | None:
    if not value:
        return None
    try:
        return hijri.parse_date(value)
    except InvalidInput as error:
        error.field = field
        raise


def parse_filters(raw: Mapping[str, Any]) -> Filters:
    """Filters from query parameters (`entity`, `unit`, `kind`, `state`, `urgency`, `from`,
    `to`); dates in Hijri (1448/03/01هـ) or Gregorian (2026-08-14). Raises InvalidInput."""

    def get(name: str) -> str:
        value = raw.get(name) or ""
        return str(value).strip()[:64]

    unit = None
    if get("unit"):
        try:
            unit = uuid.UUID(get("unit"))
        except ValueError:
            raise InvalidInput(
                "الإدارة غير صحيحة.", "Invalid unit.", code="invalid_filter", field="unit"
            ) from None
    entity = fold_digits(get("entity")).upper()
    if entity and not re.fullmatch(r"[A-Z][A-Z0-9-]{0,19}", entity):
        raise InvalidInput(
            "رمز الجهة غير صحيح.", "Invalid entity code.", code="invalid_filter", field="entity"
        )
    filters = Filters(
        entity=entity,
        unit=unit,
        kind=_choice(get("kind"), Kind.values, "kind", "نوع المعاملة"),
        state=_choice(get("state"), State.values, "state", "الحالة"),
        urgency=_choice(get("urgency"), Urgency.values, "urgency", "درجة الاستعجال"),
        date_from=_date(get("from"), "from"),
        date_to=_date(get("to"), "to"),
    )
    if filters.date_from and filters.date_to and filters.date_from > filters.date_to:
        raise InvalidInput(
            "تاريخ البداية بعد تاريخ النهاية.",
            "The start date is after the end date.",
            code="invalid_filter",
            field="from",
        )
    return filters


def clean_query(q: object) -> str:
    """The query text, stripped; too long or not text is a clear error, never a 500."""
    if q is None:
        return ""
    if not isinstance(q, str):
        raise InvalidInput("نص البحث غير صحيح.", "Invalid query.", code="invalid_query", field="q")
    if len(q) > MAX_QUERY:
        raise InvalidInput(
            f"نص البحث أطول من المسموح ({MAX_QUERY} حرف).",
            f"The query is too long (at most {MAX_QUERY} characters).",
            code="query_too_long",
            field="q",
        )
    return _CONTROL.sub(" ", q).strip()


# ---------------------------------------------------------------------------------------------
# Understanding the box


@dataclass(frozen=True)
class Understood:
    """What the box was taken to mean."""

    kind: str
    references: tuple[str, ...] = ()
    id_number: str = ""
    phone: str = ""
    words: tuple[analysis.QueryWord, ...] = ()

    @property
    def wanted(self) -> frozenset[str]:
        """Every key the query looks for (for highlighting)."""
        keys: set[str] = set()
        for word in self.words:
            keys |= word.keys
        for number in (self.id_number, *self.phone_tokens):
            if number:
                keys.add(number)
        return frozenset(keys)

    @property
    def phone_tokens(self) -> tuple[str, ...]:
        if not self.phone:
            return ()
        return (self.phone[1:], "0" + self.phone[4:])


def _compact_codes() -> dict[str, list[str]]:
    return names.current().codes


def reference_candidates(
    text: str, *, default_codes: Sequence[str] = (), codes: dict[str, list[str]] | None = None
) -> list[str]:
    """The canonical references (`EMK-1448-000042`) that `text` may stand for.

    Accepts any case, Arabic or Persian digits, dashes, slashes, spaces or no separators at
    all, and sequences without their leading zeros. Without an entity code (``1448/42``), the
    references of `default_codes` are tried — only when year and sequence are separated, so
    that a bare 10-digit number stays an ID.
    """
    folded = fold_digits(text).strip().upper()
    if not folded or len(folded) > 40:
        return []
    compact = _SEPARATORS.sub("", folded)
    if not compact.isascii() or not compact.isalnum():
        return []
    splits = []
    for i in range(len(compact)):
        prefix, rest = compact[:i], compact[i:]
        if not rest.isdigit() or not 5 <= len(rest) <= 10:
            continue
        year, seq = int(rest[:4]), int(rest[4:])
        if 1300 <= year <= 1600 and seq >= 1:
            splits.append((prefix, year, seq))
    if codes is None and any(prefix for prefix, _, _ in splits):
        codes = _compact_codes()
    found: list[str] = []
    for prefix, year, seq in splits:
        if prefix:
            names = (codes or {}).get(prefix, [])
        elif _YEAR_SEQ.fullmatch(_strip_marks(folded)):
            names = list(default_codes)
        else:
            names = []
        found.extend(f"{name}-{year}-{seq:06d}" for name in names)
    return list(dict.fromkeys(found))


def _strip_marks(text: str) -> str:
    return re.sub(r"[\u200e\u200f\u061c\u202a-\u202e\u2066-\u2069]", "", text)


def understand(q: str, actor_entity_codes: Sequence[str] = ()) -> Understood:
    """Decide what the box means: a reference, an ID number, a mobile number, or words."""
    if not q:
        return Understood("empty")
    references = reference_candidates(q, default_codes=actor_entity_codes)
    if references:
        return Understood("reference", references=tuple(references))
    digits = _SEPARATORS.sub("", fold_digits(q))
    if len(digits) == 10 and digits.isdigit() and digits[0] in "12":
        try:
            return Understood("id_number", id_number=identity.validate_national_id(digits))
        except InvalidInput:
            pass
    if digits.lstrip("+").isdigit() and 9 <= len(digits) <= 14:
        try:
            return Understood("phone", phone=identity.normalise_phone(q))
        except InvalidInput:
            pass
    words = analysis.query_words(q)
    if not words:
        return Understood("empty")
    return Understood("words", words=tuple(words))


# ---------------------------------------------------------------------------------------------
# Results


@dataclass
class Facet:
    value: str
    label: str
    count: int


# The tiers of a search by words, best first.
TIER_ALL = 1  # every word, exactly or through a derived form
TIER_MOST = 2  # all but one word (or most words, when some are nowhere)
TIER_FORGIVING = 3  # a word corrected from a one-letter slip
TIER_NAMES = {TIER_ALL: "all_words", TIER_MOST: "most_words", TIER_FORGIVING: "forgiving"}


@dataclass
class Hit:
    transaction: Transaction
    score: float
    subject: list[tuple[str, bool]] = field(default_factory=list)
    snippet: list[tuple[str, bool]] = field(default_factory=list)
    tier: int = TIER_ALL
    missing: tuple[str, ...] = ()


@dataclass(frozen=True)
class Correction:
    """A word of the query found nowhere the reader may see, and the word of the index, one
    letter away, that transactions they may see hold."""

    typed: str
    word: str


@dataclass
class Results:
    understood: Understood
    filters: Filters
    total: int
    page: int
    per_page: int
    hits: list[Hit]
    facets: dict[str, list[Facet]]
    tiers: dict[int, int] = field(default_factory=dict)
    not_found: tuple[str, ...] = ()
    corrections: tuple[Correction, ...] = ()
    suggestion: str = ""

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))

    @property
    def kind(self) -> str:
        return self.understood.kind


# (id, score, boost, state, kind, urgency, unit_id, entity_id)
_Row = tuple[int, float, int, str, str, str, int, int]


@dataclass(frozen=True)
class _Ranked:
    row: _Row
    tier: int = TIER_ALL
    score: float = 0.0
    missing: tuple[str, ...] = ()


def _filtered(actor: Actor, filters: Filters) -> QuerySet[Transaction]:
    qs = visible_transactions(actor)
    if filters.entity:
        qs = qs.filter(entity__code=filters.entity)
    if filters.unit:
        qs = qs.filter(unit__public_id=filters.unit)
    if filters.kind:
        qs = qs.filter(kind=filters.kind)
    if filters.state:
        qs = qs.filter(state=filters.state)
    if filters.urgency:
        qs = qs.filter(urgency=filters.urgency)
    if filters.date_from:
        qs = qs.filter(registered_on__gte=filters.date_from)
    if filters.date_to:
        qs = qs.filter(registered_on__lte=filters.date_to)
    return qs


def _sees_nothing(actor: Actor) -> bool:
    """The access rule leaves this person nothing (an empty queryset has no SQL to embed)."""
    return visible_transactions(actor).query.is_empty()


def scope_tokens(actor: Actor) -> list[str]:
    """Index tokens covering every transaction `actor` may see (a superset: the access rule
    decides). Referrals stay inside their entity, so the actor's entities cover all but
    transactions they registered or are named in elsewhere — hence their own token."""
    tokens = [entity_token(e) for e in sorted(actor.entity_ids)]
    if actor.user_id is not None:
        tokens.append(user_token(actor.user_id))
    return tokens


@lru_cache(maxsize=512)
def _access_sql(actor: Actor, filters: Filters) -> tuple[str, tuple[Any, ...]]:
    """The access rule and the filters as SQL on the row `t`, compiled once per person and
    filters (compiling the ORM query costs more than running it)."""
    inner = _filtered(actor, filters).filter(pk=RawSQL("t.id", ())).values("pk")
    sql, params = inner.query.sql_with_params()
    return sql, tuple(params)


def _index_rows(
    actor: Actor,
    filters: Filters,
    groups: Sequence[Group],
    boost: tuple[str, list[Any]] | None,
    weights: Sequence[float] = (),
    limit: int | None = None,
) -> list[_Row]:
    """Every visible, filtered transaction matching `groups` (the best `limit` of them), best
    first, in one statement."""
    match_sql, match_params = get_backend().match_sql(groups, scope_tokens(actor), weights)
    inner_sql, inner_params = _access_sql(actor, filters)
    boost_sql, boost_params = boost or ("0", [])
    limit_sql = f" LIMIT {int(limit)}" if limit else ""
    # Built from this module's constant fragments, the backend's SQL and the ORM's compiled
    # access rule; every value is a parameter (the limit is an int).
    sql = (
        f"SELECT t.id, m.score, {boost_sql} AS boost, t.state, t.kind, t.urgency, "  # noqa: S608
        f"t.unit_id, t.entity_id FROM ({match_sql}) m "
        "JOIN registry_transaction t ON t.id = m.id "
        f"WHERE EXISTS ({inner_sql}) "
        f"ORDER BY boost DESC, m.score DESC, t.registered_at DESC, t.id DESC{limit_sql}"
    )
    return _fetch(sql, [*boost_params, *match_params, *inner_params])


def _count_visible(actor: Actor, filters: Filters, keys: frozenset[str], cap: int) -> int:
    """How many transactions `actor` may see (with `filters`) hold one of `keys`, counted up
    to `cap`: through the same access rule as the results, so that neither a word's weight
    nor a correction depends on what the reader may not see."""
    match_sql, match_params = get_backend().match_sql(
        [Group(frozenset(), keys)], scope_tokens(actor)
    )
    inner_sql, inner_params = _access_sql(actor, filters)
    sql = (
        "SELECT COUNT(*) FROM (SELECT m.id FROM ("  # noqa: S608
        f"{match_sql}) m JOIN registry_transaction t ON t.id = m.id "
        f"WHERE EXISTS ({inner_sql}) LIMIT {int(cap)}) x"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [*match_params, *inner_params])
        return int(cursor.fetchone()[0])


def _fetch(sql: str, params: list[Any]) -> list[_Row]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return [tuple(row) for row in cursor.fetchall()]  # type: ignore[misc]


def _reference_rows(actor: Actor, filters: Filters, references: Sequence[str]) -> list[_Row]:
    inner_sql, inner_params = _access_sql(actor, filters)
    marks = ", ".join(["%s"] * len(references))
    sql = (
        "SELECT t.id, 1.0, 1, t.state, t.kind, t.urgency, t.unit_id, t.entity_id "  # noqa: S608
        f"FROM registry_transaction t WHERE t.reference IN ({marks}) "
        f"AND EXISTS ({inner_sql}) ORDER BY t.registered_at DESC, t.id DESC"
    )
    return _fetch(sql, [*references, *inner_params])


@dataclass
class _Found:
    ranked: list[_Ranked]
    not_found: tuple[str, ...] = ()
    corrections: tuple[Correction, ...] = ()


def _rows(actor: Actor, understood: Understood, filters: Filters) -> _Found:
    if understood.kind == "reference":
        return _plain(_reference_rows(actor, filters, understood.references))
    if understood.kind == "id_number":
        group = Group(frozenset({understood.id_number}), frozenset({understood.id_number}))
        boost = ("CASE WHEN t.party_id_number = %s THEN 1 ELSE 0 END", [understood.id_number])
        return _plain(_index_rows(actor, filters, [group], boost))
    if understood.kind == "phone":
        tokens = frozenset(understood.phone_tokens)
        boost = ("CASE WHEN t.party_phone = %s THEN 1 ELSE 0 END", [understood.phone])
        return _plain(_index_rows(actor, filters, [Group(tokens, tokens)], boost))
    if understood.kind == "words":
        return _word_rows(actor, filters, understood.words)
    if understood.kind == "filters":
        return _plain(_index_rows(actor, filters, [], None))
    return _Found([])


def _plain(rows: list[_Row]) -> _Found:
    return _Found([_Ranked(row, TIER_ALL, float(row[1] or 0)) for row in rows])


# ---------------------------------------------------------------------------------------------
# Words in tiers: all words, most words, forgiving matches

# Rows fetched by each query of the second and third tiers: a query that matches everything
# loosely stays bounded (the first tier is every match, as before, for the count and facets).
TIER_LIMIT = 1000
# The second tier is looked for when the first has fewer results than this: past a few pages
# of transactions with every word nobody reads on, and a query of common words that matches
# a large share of the registry costs one statement, not one per word.
MOST_WORDS_BELOW = 100
# Visible transactions counted to weigh a word: beyond this a word is simply common.
RARITY_CAP = 1000
# Each matched word adds this times its weight, whether it matched exactly or through a
# derived form; an exact form in the subject adds 10, in the body 4 (the backends' score).
MATCH_WEIGHT = 2
# Similar words of the vocabulary looked at, and corrections tried (most similar first, each
# confirmed through the access rule), per unknown word. The vocabulary holds every indexed
# word, hidden or not: words only hidden transactions hold are tried and passed over, so the
# answer depends on them only if more than CORRECTIONS_TRIED of them are closer than the
# first visible one — a word a slip away from twenty hidden words and no visible one.
SIMILAR_LOOKED_AT = 100
CORRECTIONS_TRIED = 20


def rarity(count: int) -> float:
    """A word's weight from how many visible transactions hold it (counted up to
    RARITY_CAP): 1.7 for a common word, 7.2 for a word in one transaction."""
    return 1.0 + math.log(1.0 + RARITY_CAP / (1.0 + min(count, RARITY_CAP)))


def _most(total: int, found: int) -> bool:
    """Whether `found` of `total` words is "most of them": all but one, or more than half."""
    return found >= 1 and (total - found == 1 or 2 * found > total)


def _word_rows(actor: Actor, filters: Filters, words: Sequence[analysis.QueryWord]) -> _Found:
    """The three tiers of a search by words, every query through the access rule:

    1. every required word (exactly or through a derived form), best first;
    2. all but one word (when the first tier has fewer than MOST_WORDS_BELOW results) — or,
       when some words are in no transaction the reader may see, the others, if they are
       most of the query — each row saying which words it lacks;
    3. with a word found nowhere replaced by the word of the index one letter away that
       transactions the reader may see hold (rows already in tier 2 that match it move to
       the top of tier 2).
    """
    required = [w for w in words if not w.optional]
    groups = [Group(w.exact, w.keys) for w in required]
    if not groups:
        return _Found([])
    k = len(groups)
    if k == 1:
        counts = [-1]  # not needed: the first tier tells whether the word is anywhere
        weights = [1.0]
    else:
        # The keys alone find what the group finds: an exact form's keys are in the stems.
        counts = [_count_visible(actor, filters, g.keys, RARITY_CAP) for g in groups]
        weights = [rarity(n) for n in counts]
    unknown = [i for i, n in enumerate(counts) if n == 0]
    ranked: list[_Ranked] = []
    seen: set[int] = set()

    def add(rows: list[_Row], tier: int, matched: Sequence[int], missing: tuple[str, ...]) -> None:
        base = MATCH_WEIGHT * sum(weights[i] for i in matched)
        for row in rows:
            if row[0] not in seen:
                seen.add(row[0])
                ranked.append(_Ranked(row, tier, float(row[1] or 0) + base, missing))

    if not unknown:
        add(_index_rows(actor, filters, groups, None, weights), TIER_ALL, range(k), ())
        if k == 1 and not ranked:
            unknown = [0]
    if k > 1 and not unknown and len(ranked) < MOST_WORDS_BELOW:
        for i in range(k):
            rest = [j for j in range(k) if j != i]
            rows = _index_rows(
                actor,
                filters,
                [groups[j] for j in rest],
                None,
                [weights[j] for j in rest],
                TIER_LIMIT,
            )
            add(rows, TIER_MOST, rest, (required[i].text,))
    elif k > 1 and unknown and _most(k, k - len(unknown)):
        rest = [j for j in range(k) if j not in unknown]
        rows = _index_rows(
            actor,
            filters,
            [groups[j] for j in rest],
            None,
            [weights[j] for j in rest],
            TIER_LIMIT,
        )
        add(rows, TIER_MOST, rest, tuple(required[i].text for i in unknown))
    most_end = len(ranked)

    corrections: dict[int, Correction] = {}
    for i in unknown:
        found = _correction(actor, filters, required[i])
        if found is not None:
            corrections[i] = found
    if corrections:
        forgiving: list[Group] = []
        forgiving_weights: list[float] = []
        for j in range(k):
            if j in corrections:
                word = corrections[j].word
                forgiving.append(Group(frozenset({word}), analysis.keys(word)))
                forgiving_weights.append(1.0)
            elif j not in unknown:
                forgiving.append(groups[j])
                forgiving_weights.append(weights[j])
        rows = _index_rows(actor, filters, forgiving, None, forgiving_weights, TIER_LIMIT)
        corrected = {row[0] for row in rows}
        # Rows of the second tier that also hold the corrections go first in it.
        head = [r for r in ranked[:most_end] if r.tier == TIER_MOST and r.row[0] in corrected]
        still_missing = tuple(required[i].text for i in unknown if i not in corrections)
        if head:
            # They lack only what was not corrected.
            head = [_Ranked(r.row, r.tier, r.score, still_missing) for r in head]
            first = [r for r in ranked[:most_end] if r.tier == TIER_ALL]
            rest_most = [
                r for r in ranked[:most_end] if r.tier == TIER_MOST and r.row[0] not in corrected
            ]
            ranked = [*first, *sorted(head, key=_by_score), *rest_most]
        add(rows, TIER_FORGIVING, [j for j in range(k) if j not in unknown], still_missing)

    # The first tier is in the database's order; the others are sorted by their total score
    # (the match, plus each matched word's weight), stably, within their tier.
    first = [r for r in ranked if r.tier == TIER_ALL]
    later = [r for r in ranked if r.tier != TIER_ALL]
    if not corrections:
        later.sort(key=lambda r: (r.tier, -r.score))
    else:
        later.sort(key=lambda r: r.tier)  # tier 2 is already in order (see above)
    return _Found(
        [*first, *later],
        not_found=tuple(required[i].text for i in unknown),
        corrections=tuple(corrections[i] for i in sorted(corrections)),
    )


def _by_score(ranked: _Ranked) -> float:
    return -ranked.score


def _correction(actor: Actor, filters: Filters, word: analysis.QueryWord) -> Correction | None:
    """The word of the index, one letter away from `word`, that the most similar of the
    transactions `actor` may see hold — or None. Candidates come from the vocabulary (every
    indexed word, whoever may see it); each is used only once a visible transaction is shown
    to hold it, so a correction never tells what hidden transactions say."""
    typed = word.text
    if len(word.exact) != 1 or typed not in word.exact:
        return None  # a compound name: not corrected letter by letter
    if not analysis.correctable(typed):
        return None
    candidates = analysis.rank_corrections(
        typed, get_backend().similar_words(typed, SIMILAR_LOOKED_AT)
    )
    for candidate in candidates[:CORRECTIONS_TRIED]:
        if _count_visible(actor, filters, analysis.keys(candidate), 1):
            return Correction(typed, candidate)
    return None


_FACETS = ("state", "kind", "urgency", "unit", "entity")


def _facets(rows: Sequence[_Row]) -> dict[str, list[Facet]]:
    counts: dict[str, Counter[Any]] = {name: Counter() for name in _FACETS}
    for _, _, _, state, kind, urgency, unit_id, entity_id in rows:
        counts["state"][state] += 1
        counts["kind"][kind] += 1
        counts["urgency"][urgency] += 1
        counts["unit"][unit_id] += 1
        counts["entity"][entity_id] += 1
    labels: dict[str, dict[Any, str]] = {
        "state": dict(State.choices),
        "kind": dict(Kind.choices),
        "urgency": dict(Urgency.choices),
    }
    top_units = [u for u, _ in counts["unit"].most_common(30)]
    known = names.current()
    units = {
        pk: (str(known.units[pk].public_id), known.units[pk].name_ar)
        for pk in top_units
        if pk in known.units
    }
    entities = {
        pk: (known.entities[pk].code, known.entities[pk].name_ar)
        for pk in counts["entity"]
        if pk in known.entities
    }
    facets: dict[str, list[Facet]] = {}
    for name in ("state", "kind", "urgency"):
        facets[name] = [
            Facet(value, labels[name].get(value, value), n)
            for value, n in counts[name].most_common()
        ]
    facets["unit"] = [
        Facet(units[u][0], units[u][1], counts["unit"][u]) for u in top_units if u in units
    ]
    facets["entity"] = [
        Facet(entities[e][0], entities[e][1], n)
        for e, n in counts["entity"].most_common(30)
        if e in entities
    ]
    return facets


def _transactions(ids: Sequence[int]) -> dict[int, Transaction]:
    """The transactions `ids` with their entity and unit attached from the names cache."""
    if not ids:
        return {}
    marks = ", ".join(["%s"] * len(ids))
    found = {
        t.pk: t
        for t in Transaction.objects.raw(
            f"SELECT * FROM registry_transaction WHERE id IN ({marks})",  # noqa: S608
            list(ids),
        )
    }
    known = names.current()
    for txn in found.values():
        entity = known.entities.get(txn.entity_id)
        unit = known.units.get(txn.unit_id)
        if entity is not None and unit is not None:
            txn.entity, txn.unit = entity, unit
    return found


def _hits(
    ranked: Sequence[_Ranked], understood: Understood, corrections: Sequence[Correction] = ()
) -> list[Hit]:
    by_id = _transactions([r.row[0] for r in ranked])
    wanted = understood.wanted
    for correction in corrections:
        wanted = wanted | analysis.keys(correction.word)
    hits = []
    for r in ranked:
        txn = by_id.get(r.row[0])
        if txn is None:
            continue
        hits.append(
            Hit(
                transaction=txn,
                score=r.score,
                subject=analysis.segments(txn.subject, wanted)
                if wanted
                else [(txn.subject, False)],
                snippet=analysis.snippet(txn.body, wanted) if txn.body else [],
                tier=r.tier,
                missing=r.missing,
            )
        )
    return hits


def suggestion(
    understood: Understood,
    corrections: Sequence[Correction],
    typed: dict[str, str] | None = None,
    shown: dict[str, str] | None = None,
) -> str:
    """The query with its corrections: what "did you mean" offers, each word as the person
    typed it (`typed`) and each correction as a result on the page writes it (`shown`)."""
    if not corrections:
        return ""
    fixed = {c.typed: (shown or {}).get(c.word, c.word) for c in corrections}
    return " ".join(
        fixed.get(w.text) or (typed or {}).get(w.text, w.text) for w in understood.words
    )


def as_typed(text: str) -> dict[str, str]:
    """Each normalised word of a query → the way it was typed (رخضه → رخضة), for showing the
    person their own words back."""
    out: dict[str, str] = {}
    for chunk in text.split():
        found = analysis.words(chunk)
        if len(found) == 1 and found[0] not in out:
            out[found[0]] = chunk.strip("\"'«»()[]{}،,.؛;:!؟?")
    return out


def shown_forms(hits: Sequence[Hit], words: Sequence[str]) -> dict[str, str]:
    """Each of `words` (normalised) → how a marked word of the results writes it (رخصه →
    رخصة). Only from the hits on the page: text the reader may see."""
    wanted = set(words)
    out: dict[str, str] = {}
    for hit in hits:
        for piece, marked in [*hit.subject, *hit.snippet]:
            if marked and wanted - set(out):
                found = analysis.words(piece)
                if len(found) == 1 and found[0] in wanted and found[0] not in out:
                    out[found[0]] = piece
    return out


def _entity_codes(actor: Actor) -> list[str]:
    known = names.current().entities
    return sorted(known[e].code for e in actor.entity_ids if e in known)


def _understand_for(actor: Actor, q: str, filters: Filters) -> Understood:
    separated = _YEAR_SEQ.search(fold_digits(q)) if q else None
    understood = understand(q, _entity_codes(actor) if separated else ())
    if understood.kind == "empty" and filters.any:
        return Understood("filters")
    return understood


def search(
    actor: Actor,
    q: object,
    filters: Filters | None = None,
    *,
    page: int = 1,
    per_page: int = PER_PAGE,
) -> Results:
    """One page of what `actor` may see that matches `q` and `filters`, best first, with the
    total and facets (counts) over every visible match.

    `q` is understood as a reference, an ID number, a mobile number or words (see
    `understand`). An empty query without filters finds nothing (and costs nothing).
    """
    filters = filters or Filters()
    text = clean_query(q)
    per_page = max(1, min(int(per_page), MAX_PER_PAGE))
    page = max(1, min(int(page), MAX_PAGE))
    if _sees_nothing(actor):
        understood = understand(text) if text else Understood("empty")
        return Results(understood, filters, 0, page, per_page, [], {})
    understood = _understand_for(actor, text, filters)
    found = _rows(actor, understood, filters)
    ranked = found.ranked
    start = (page - 1) * per_page
    hits = _hits(ranked[start : start + per_page], understood, found.corrections)
    # Words are shown as the person typed them, corrections as the results write them.
    typed = as_typed(text)
    for hit in hits:
        hit.missing = tuple(typed.get(w, w) for w in hit.missing)
    shown = shown_forms(hits, [c.word for c in found.corrections])
    return Results(
        understood=understood,
        filters=filters,
        total=len(ranked),
        page=page,
        per_page=per_page,
        hits=hits,
        facets=_facets([r.row for r in ranked]) if ranked else {},
        tiers=dict(Counter(r.tier for r in ranked)),
        not_found=tuple(typed.get(w, w) for w in found.not_found),
        corrections=tuple(
            Correction(typed.get(c.typed, c.typed), shown.get(c.word, c.word))
            for c in found.corrections
        ),
        suggestion=suggestion(understood, found.corrections, typed, shown),
    )


def export(actor: Actor, q: object, filters: Filters | None = None) -> list[Transaction]:
    """Every visible match (at most EXPORT_LIMIT), best first, for CSV and XLSX."""
    filters = filters or Filters()
    text = clean_query(q)
    if _sees_nothing(actor):
        return []
    understood = _understand_for(actor, text, filters)
    ids = [r.row[0] for r in _rows(actor, understood, filters).ranked[:EXPORT_LIMIT]]
    by_id: dict[int, Transaction] = {}
    for start in range(0, len(ids), 500):
        by_id.update(_transactions(ids[start : start + 500]))
    return [by_id[i] for i in ids if i in by_id]
