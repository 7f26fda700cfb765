"""The demo region's data files (`data/`), read and checked, and the rules that turn them into
codes. No database here: the benchmark's generator reads the same files.

- `region.json`: the region's public bodies (entities, parents first) and the unit trees of
  each kind of entity;
- `people.csv`: the demo accounts, one a line (username, names, entity, unit code, role);
- `texts.json`: the Arabic texts the history is written with (subjects, bodies, names,
  instructions, answers, reasons);
- `history.toml`: how much work, of what kind, over how long, and the seed;
- `holidays.csv`: the official holidays, by Hijri or Gregorian date, year after year.
"""

from __future__ import annotations

import csv
import json
import re
import tomllib
from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache
from pathlib import Path
from typing import Any

from wasl.core import hijri

DATA = Path(__file__).parent / "data"

# Words left out when a unit's code is derived from its English name.
_CODE_STOP_WORDS = frozenset(
    "OF THE AND FOR GENERAL ADMINISTRATION OFFICE SECTION AFFAIRS AGENCY DEPARTMENT CENTRE "
    "MUNICIPALITY".split()
)


@dataclass(frozen=True)
class DemoPerson:
    username: str
    first_name: str
    last_name: str
    entity: str
    unit: str
    role: str


@dataclass(frozen=True)
class HolidayRule:
    """عطلة رسمية — a holiday every year, from a Hijri or Gregorian month and day."""

    calendar: str
    month: int
    day: int
    days: int
    name_ar: str
    name_en: str

    def dates(self, first: date, last: date) -> list[tuple[date, str, str]]:
        """Its days between `first` and `last`, with the holiday's names."""
        found = []
        if self.calendar == "hijri":
            years = range(hijri.hijri_year(first) - 1, hijri.hijri_year(last) + 1)
            starts = [hijri.from_hijri(y, self.month, self.day) for y in years]
        else:
            starts = [date(y, self.month, self.day) for y in range(first.year, last.year + 1)]
        for start in starts:
            for n in range(self.days):
                day = start + timedelta(days=n)
                if first <= day <= last:
                    found.append((day, self.name_ar, self.name_en))
        return found


@lru_cache(maxsize=1)
def load_region() -> dict[str, Any]:
    with (DATA / "region.json").open(encoding="utf-8") as f:
        return json.load(f)  # type: ignore[no-any-return]


@lru_cache(maxsize=1)
def load_texts() -> dict[str, Any]:
    with (DATA / "texts.json").open(encoding="utf-8") as f:
        return json.load(f)  # type: ignore[no-any-return]


@lru_cache(maxsize=1)
def load_history() -> dict[str, Any]:
    with (DATA / "history.toml").open("rb") as f:
        return tomllib.load(f)


@lru_cache(maxsize=1)
def load_people() -> tuple[DemoPerson, ...]:
    with (DATA / "people.csv").open(encoding="utf-8", newline="") as f:
        return tuple(DemoPerson(**row) for row in csv.DictReader(f))


@lru_cache(maxsize=1)
def load_holidays() -> tuple[HolidayRule, ...]:
    with (DATA / "holidays.csv").open(encoding="utf-8", newline="") as f:
        return tuple(
            HolidayRule(
                calendar=row["calendar"],
                month=int(row["month"]),
                day=int(row["day"]),
                days=int(row["days"]),
                name_ar=row["name_ar"],
                name_en=row["name_en"],
            )
            for row in csv.DictReader(f)
        )


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
