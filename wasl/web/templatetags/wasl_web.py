"""Template helpers of the staff pages: dates in both calendars, labels in the page's
language, and fields rendered with their label, hint and error tied together."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from django import template
from django.utils import timezone
from django.utils.translation import gettext as _

from wasl.core import hijri
from wasl.web import labels

register = template.Library()


@register.filter
def label(code: str | None, table: str) -> str:
    """``{{ txn.kind|label:"kind" }}`` → the kind's name in the page's language."""
    if table == "role":
        return labels.label(labels.ROLES, code)
    return labels.label(labels.VOCABULARIES[table], code)


@register.filter
def name(obj: object) -> str:
    """An entity's or unit's name in the page's language."""
    return labels.name_of(obj)


def _as_date(value: date | datetime | None) -> date | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        return timezone.localtime(value).date() if timezone.is_aware(value) else value.date()
    return value


@register.filter
def hijri_date(value: date | datetime | None) -> str:
    d = _as_date(value)
    if d is None:
        return ""
    h = hijri.to_hijri(d)
    text = f"{h.year:04d}/{h.month:02d}/{h.day:02d}"
    return text + (hijri.HIJRI_SUFFIX if labels.is_arabic() else " " + _("AH"))


@register.filter
def gregorian_date(value: date | datetime | None) -> str:
    d = _as_date(value)
    if d is None:
        return ""
    if labels.is_arabic():
        return hijri.format_gregorian(d)
    return d.isoformat()


@register.inclusion_tag("web/_date.html")
def dual_date(value: date | datetime | None, with_time: bool = False) -> dict[str, Any]:
    """Hijri first, Gregorian beside it, in a <time> element that machines can read."""
    d = _as_date(value)
    moment = timezone.localtime(value) if isinstance(value, datetime) else None
    return {
        "value": d,
        "iso": (moment.isoformat() if moment else d.isoformat()) if d else "",
        "hijri": hijri_date(d),
        "gregorian": gregorian_date(d),
        "time": moment.strftime("%H:%M") if (with_time and moment) else "",
    }


@register.inclusion_tag("web/_field.html")
def field(bound_field: Any, extra_class: str = "") -> dict[str, Any]:
    """A field with its label, hint and error, tied with aria-describedby/aria-invalid."""
    widget = bound_field.field.widget
    describedby = []
    if bound_field.help_text:
        describedby.append(f"{bound_field.auto_id}_hint")
    if bound_field.errors:
        describedby.append(f"{bound_field.auto_id}_error")
    attrs = {}
    if describedby:
        attrs["aria-describedby"] = " ".join(describedby)
    if bound_field.errors:
        attrs["aria-invalid"] = "true"
    if bound_field.field.required and not getattr(widget, "allow_multiple_selected", False):
        attrs["aria-required"] = "true"
    multiple_choice = getattr(widget, "input_type", "") in ("radio", "checkbox") and hasattr(
        widget, "choices"
    )
    return {
        "field": bound_field,
        "widget_html": bound_field.as_widget(attrs=attrs),
        "is_group": multiple_choice,
        "is_checkbox": getattr(widget, "input_type", "") == "checkbox" and not multiple_choice,
        "extra_class": extra_class,
    }
