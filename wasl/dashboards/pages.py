"""What the dashboard pages show, prepared for the templates: figures with the link to the
list behind each, and the geometry of the charts (`charts.py`: SVG drawn on the server, in
the page's direction; they print in the PDF and need no script)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from functools import cache
from typing import Any
from urllib.parse import urlencode

from django.urls import reverse
from django.utils.translation import get_language, get_language_bidi, gettext_noop, pgettext
from django.utils.translation import gettext as _

from wasl.core import hijri
from wasl.registry.models import Direction, Kind, Urgency

from . import charts, measures, presenters
from .definitions import MAX_DAYS, REFERRAL, TRANSACTION
from .measures import AGE_BUCKETS, Figures, Measures
from .periods import GREGORIAN_MONTHS_AR, Period
from .scopes import Scope


@dataclass
class Bar:
    label: str
    value: int
    share: float  # of the largest bar, 0..1
    href: str
    x: float = 0.0  # where the bar starts and how long it is, in a box 100 wide
    w: float = 0.0


ENGLISH = {
    "letter": gettext_noop("Letter"),
    "request": gettext_noop("Request"),
    "complaint": gettext_noop("Complaint"),
    "petition": gettext_noop("Petition"),
    "memo": gettext_noop("Memo"),
    "report": gettext_noop("Report"),
    "circular": gettext_noop("Circular"),
    "invitation": gettext_noop("Invitation"),
    "normal": gettext_noop("Normal"),
    "urgent": gettext_noop("Urgent"),
    "very_urgent": gettext_noop("Very urgent"),
    "immediate": gettext_noop("Immediate"),
    "incoming": gettext_noop("Incoming"),
    "outgoing": gettext_noop("Outgoing"),
    "internal": gettext_noop("Internal"),
}


def choices(enum: Any) -> list[tuple[str, str]]:
    """The values of a registry choice with their names in the page's language."""
    return [(value, _(ENGLISH[value])) for value in enum.values]


def list_url(scope_token: str, period: Period, item: str, measure: str, **filters: str) -> str:
    # Hundreds of these per page: the list's address is looked up once per process.
    query = {"scope": scope_token, "item": item, "measure": measure, **filters}
    return f"{_list_path()}?{urlencode(query)}&{period.token}"


@cache
def _list_path() -> str:
    return reverse("dashboards:list")


def page_url(scope_token: str, period: Period | None = None) -> str:
    kind, _, value = scope_token.partition(":")
    if kind == "region":
        url = reverse("dashboards:region")
    elif kind == "entity":
        url = reverse("dashboards:entity", args=[value])
    elif kind == "unit":
        url = reverse("dashboards:unit", args=[value])
    else:
        url = reverse("dashboards:person", args=[value])
    return url if period is None else f"{url}?{period.token}"


def bars(rows: list[tuple[str, int, str]]) -> list[Bar]:
    top = max((v for _, v, _ in rows), default=0) or 1
    rtl = get_language_bidi()
    out = []
    for label, value, href in rows:
        x, w = charts.bar_span(value / top, rtl=rtl)
        out.append(Bar(label, value, value / top, href, x, w))
    return out


def age_label(index: int) -> str:
    low, high = AGE_BUCKETS[index]
    if high is None:
        return _("over %(days)s working days") % {"days": low - 1}
    return _("%(low)s–%(high)s working days") % {"low": low, "high": high}


def percent(value: float | None) -> str:
    return "—" if value is None else f"{round(value * 100)}%"


def days(value: int | None) -> str:
    if value is None:
        return "—"
    return f"{value}+" if value >= MAX_DAYS else str(value)


def figures_block(f: Figures, scope: Scope, period: Period) -> dict[str, Any]:
    token, item = scope.token, f.item

    def link(measure: str, **filters: str) -> str:
        return list_url(token, period, item, measure, **filters)

    ages = bars([(age_label(i), n, link(f"age-{i}")) for i, n in enumerate(f.ages)])
    hist = sorted(f.histogram.items())
    return {
        "item": item,
        "cards": [
            {
                "key": "received",
                "label": pgettext("dashboard", "Received"),
                "value": f.received,
                "href": link("received"),
            },
            {
                "key": "completed",
                "label": _("Completed"),
                "value": f.completed,
                "href": link("completed"),
            },
            {"key": "open", "label": _("In progress"), "value": f.open, "href": link("open")},
            {
                "key": "overdue",
                "label": _("Overdue"),
                "value": f.overdue,
                "href": link("overdue"),
                "alarm": f.overdue > 0,
            },
            {
                "key": "on_time",
                "label": _("Completed on time"),
                "value": percent(f.on_time_rate),
                "href": link("completed"),
                "note": _("%(on_time)s of %(completed)s")
                % {"on_time": f.on_time, "completed": f.completed},
            },
            {
                "key": "days",
                "label": _("Completion time (working days)"),
                "value": days(f.median_days),
                "href": link("completed"),
                "note": _("median; 90%% within %(days)s") % {"days": days(f.p90_days)},
            },
        ],
        "referrals_per": (
            None
            if item != TRANSACTION or f.referrals_per_transaction is None
            else f"{f.referrals_per_transaction:.2f}"
        ),
        "ages": ages,
        "by_urgency": bars(
            [
                (label, f.by_urgency.get(value, 0), link("received", urgency=value))
                for value, label in reversed(choices(Urgency))
            ]
        ),
        "by_kind": bars(
            sorted(
                (
                    (label, f.by_kind.get(value, 0), link("received", kind=value))
                    for value, label in choices(Kind)
                ),
                key=lambda row: -row[1],
            )
        ),
        "by_channel": bars(
            [
                (label, f.by_direction.get(value, 0), link("received", direction=value))
                for value, label in choices(Direction)
            ]
        ),
        "histogram": bars([(days(d), n, link("completed", days=str(d))) for d, n in hist]),
    }


def trend_block(m: Measures, item: str = TRANSACTION) -> list[dict[str, Any]]:
    points = m.trend if item == TRANSACTION else m.referral_trend
    rtl = get_language_bidi()
    top = max((max(p.received, p.completed) for p in points), default=0) or 1
    return [
        {
            "label": month_name(p.period),
            "year": p.period.year,
            "received": p.received,
            "completed": p.completed,
            "received_share": p.received / top,
            "completed_share": p.completed / top,
            "svg": charts.month_columns(p.received / top, p.completed / top, rtl=rtl),
            # Heights in points for the PDF (percentages of a table cell do not print).
            "received_pt": round(80 * p.received / top, 1),
            "completed_pt": round(80 * p.completed / top, 1),
            "received_href": list_url(m.scope.token, p.period, item, "received"),
            "completed_href": list_url(m.scope.token, p.period, item, "completed"),
        }
        for p in points
    ]


def _arabic() -> bool:
    return (get_language() or "ar").startswith("ar")


def month_name(period: Period) -> str:
    """A month's name in the page's language."""
    if period.calendar == "hijri":
        return hijri.hijri_month_name(period.month, "ar" if _arabic() else "en")
    if _arabic():
        return GREGORIAN_MONTHS_AR[period.month - 1]
    return period.start.strftime("%B")


def shown_name(row: dict[str, Any]) -> str:
    """A presenter row's name in the page's language (Arabic when English is missing)."""
    return str(row["name_ar"] if _arabic() or not row.get("name_en") else row["name_en"])


def period_label(period: Period) -> str:
    return period.label if _arabic() else period.label_en


def children_block(scope: Scope, period: Period, data: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if "entities" in data:
        out["entities"] = [
            {
                **row,
                "href": page_url(row["scope"], period),
                "received_href": list_url(row["scope"], period, TRANSACTION, "received"),
                "open_href": list_url(row["scope"], period, TRANSACTION, "open"),
                "overdue_href": list_url(row["scope"], period, TRANSACTION, "overdue"),
                "completed_href": list_url(row["scope"], period, TRANSACTION, "completed"),
                "rate": percent(row["on_time_rate"]),
                "median": days(row["completion_days_median"]),
            }
            for row in data["entities"]
        ]
        out["governorates"] = []
        for row in data["governorates"]:
            code = row["scope"].partition(":")[2]

            def gov_link(measure: str, code: str = code) -> str:
                return list_url("region", period, TRANSACTION, measure, governorate=code or "-")

            out["governorates"].append(
                {
                    **row,
                    "code": code,
                    "rate": percent(row["on_time_rate"]),
                    "median": days(row["completion_days_median"]),
                    "received_href": gov_link("received"),
                    "completed_href": gov_link("completed"),
                    "open_href": gov_link("open"),
                    "overdue_href": gov_link("overdue"),
                }
            )
        out["overdue_bars"] = bars(
            [(shown_name(row), row["overdue"], row["overdue_href"]) for row in out["entities"][:10]]
        )
    if "units" in data:
        rows = []
        for row in data["units"]:
            t, r = row["transactions"], row["referrals"]
            rows.append(
                {
                    "name_ar": row["name_ar"],
                    "name_en": row.get("name_en", ""),
                    "href": page_url(row["scope"], period),
                    "t": {**t, "open_href": list_url(row["scope"], period, TRANSACTION, "open")},
                    "r": {
                        **r,
                        "received_href": list_url(row["scope"], period, REFERRAL, "received"),
                        "open_href": list_url(row["scope"], period, REFERRAL, "open"),
                        "overdue_href": list_url(row["scope"], period, REFERRAL, "overdue"),
                        "completed_href": list_url(row["scope"], period, REFERRAL, "completed"),
                        "rate": percent(r["on_time_rate"]),
                        "median": days(r["completion_days_median"]),
                    },
                }
            )
        out["units"] = rows
        # The referrals each unit keeps waiting past their due date (the bar's number is
        # the list it opens).
        late = sorted(rows, key=lambda row: -row["r"]["overdue"])[:10]
        out["overdue_bars"] = bars(
            [(shown_name(row), row["r"]["overdue"], row["r"]["overdue_href"]) for row in late]
        )
    return out


def is_empty(f: Figures) -> bool:
    return not (f.received or f.completed or f.open)


def section_title(scope: Scope, item: str) -> str:
    if item == TRANSACTION:
        return {
            "person": _("Transactions I registered"),
            "unit": _("Transactions registered in this unit"),
        }.get(scope.kind, _("Transactions"))
    return {
        "person": _("Referrals addressed to me or completed by me"),
        "unit": _("Referrals received by this unit"),
    }.get(scope.kind, _("Referrals between the entity's units"))


def period_nav(scope: Scope, period: Period, today: date) -> dict[str, Any]:
    nav: dict[str, Any] = {"label": period_label(period), "from": period.start, "to": period.end}
    if period.calendar in ("hijri", "gregorian"):
        nav["previous"] = page_url(scope.token, period.shifted(-1))
        following = period.shifted(1)
        if following.start <= today:
            nav["next"] = page_url(scope.token, following)
        other = "gregorian" if period.calendar == "hijri" else "hijri"
        nav["other_calendar"] = other
    return nav


def page_context(scope: Scope, period: Period, today: date) -> dict[str, Any]:
    m = measures.measures(scope, period, today=today)
    kids = presenters.children_data(scope, measures.children(scope, period, today=today))
    t = figures_block(m.transactions, scope, period)
    r = None if m.referrals is None else figures_block(m.referrals, scope, period)
    # A unit's or a person's work is mostly referrals (a registry's, transactions): the
    # busier of the two comes first, and the trend follows it.
    primary = TRANSACTION
    if r is not None and scope.kind in ("unit", "person"):
        ft, fr = m.transactions, m.referrals
        assert fr is not None
        if fr.received + fr.open + fr.completed > ft.received + ft.open + ft.completed:
            primary = REFERRAL
    sections = [
        {
            "item": TRANSACTION,
            "block": t,
            "title": section_title(scope, TRANSACTION),
            "empty": is_empty(m.transactions),
        },
    ]
    if r is not None:
        assert m.referrals is not None
        sections.append(
            {
                "item": REFERRAL,
                "block": r,
                "title": section_title(scope, REFERRAL),
                "empty": is_empty(m.referrals),
            }
        )
    if primary == REFERRAL:
        sections.reverse()
    context: dict[str, Any] = {
        "scope": scope,
        "period": period,
        "today": today,
        "nav": period_nav(scope, period, today),
        "t": t,
        "r": r,
        "sections": sections,
        "primary": primary,
        "trend": trend_block(m, primary),
        "children": children_block(scope, period, kids),
        "measures": m,
        "export_query": f"scope={scope.token}&{period.token}",
        "age_buckets": AGE_BUCKETS,
    }
    return context
