"""A service's fields as a page shows them: in the reader's language, with the value to put
back in the input (what was typed, after a refusal; else the saved answer) and its error."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.utils.translation import get_language

from wasl.core import hijri
from wasl.core.errors import WaslError

from .answers import FILE_MAX_MB, FILE_TYPES, input_name
from .rules import Verdict

EXTENSIONS = {"application/pdf": ".pdf", "image/jpeg": ".jpg,.jpeg", "image/png": ".png"}


def tr(text: dict[str, str] | None) -> str:
    """A text of a definition in the reader's language (Arabic when unsure)."""
    if not text:
        return ""
    return text["en"] if (get_language() or "ar").startswith("en") else text["ar"]


def error_text(error: WaslError) -> str:
    return error.message_en if (get_language() or "ar").startswith("en") else error.message_ar


@dataclass
class Option:
    value: str
    label: str
    checked: bool


@dataclass
class FieldView:
    key: str
    type: str
    name: str
    label: str
    help: str
    required: bool
    hidden: bool
    value: str = ""
    lat: str = ""
    lon: str = ""
    kept: str = ""  # a file already given
    error: str = ""
    options: list[Option] = field(default_factory=list)
    multiple: bool = False
    multiline: bool = False
    calendar: str = ""
    accept: str = ""
    accept_names: str = ""
    max_mb: int = 0
    max_length: int = 0

    @property
    def as_radios(self) -> bool:
        return self.type == "choice" and not self.multiple and len(self.options) <= 6


def _saved(f: dict[str, Any], value: Any) -> str:
    if value is None:
        return ""
    if f["type"] == "date":
        d = date.fromisoformat(value)
        return hijri.format_hijri(d) if f.get("calendar") == "hijri" else d.isoformat()
    if f["type"] == "phone" and isinstance(value, str) and value.startswith("+966"):
        return "0" + value[4:]
    return str(value)


def field_views(
    definition: dict[str, Any],
    step: int,
    answers: dict[str, Any],
    verdict: Verdict,
    *,
    posted: Any = None,
    errors: dict[str, WaslError] | None = None,
) -> list[FieldView]:
    errors = errors or {}
    views = []
    for f in definition["steps"][step]["fields"]:
        key, name = f["key"], input_name(f["key"])
        saved = answers.get(key)
        accept = f.get("accept", list(FILE_TYPES))
        view = FieldView(
            key=key,
            type=f["type"],
            name=name,
            label=tr(f["label"]),
            help=tr(f.get("help")),
            required=key in verdict.required,
            hidden=key not in verdict.visible,
            error=error_text(errors[key]) if key in errors else "",
            multiple=bool(f.get("multiple")),
            multiline=bool(f.get("multiline")),
            calendar=f.get("calendar", ""),
            accept=",".join(EXTENSIONS[t] for t in accept),
            accept_names=", ".join(EXTENSIONS[t].split(",")[0][1:].upper() for t in accept),
            max_mb=f.get("max_mb", FILE_MAX_MB),
            max_length=f.get("max_length", 0),
        )
        if f["type"] == "choice":
            chosen = (
                posted.getlist(name)
                if posted is not None
                else (saved if isinstance(saved, list) else [saved])
            )
            view.options = [
                Option(o["value"], tr(o["label"]), o["value"] in chosen) for o in f["options"]
            ]
        elif f["type"] == "location":
            if posted is not None:
                view.lat, view.lon = posted.get(name + "_lat", ""), posted.get(name + "_lon", "")
            elif isinstance(saved, dict):
                view.lat, view.lon = str(saved["lat"]), str(saved["lon"])
        elif f["type"] == "file":
            if isinstance(saved, dict) and saved.get("sha256"):
                view.kept = saved.get("filename", "")
        else:
            view.value = posted.get(name, "") if posted is not None else _saved(f, saved)
        views.append(view)
    return views


@dataclass
class AnswerView:
    label: str
    text: str


def answer_text(f: dict[str, Any], value: Any) -> str:
    """An answer as the person reads it back, in their language."""
    if f["type"] == "choice":
        labels = {o["value"]: tr(o["label"]) for o in f["options"]}
        values = value if isinstance(value, list) else [value]
        return (
            "، ".join(labels.get(v, v) for v in values)
            if get_language() == "ar"
            else ", ".join(labels.get(v, v) for v in values)
        )
    if f["type"] == "date":
        d = date.fromisoformat(value)
        return f"{hijri.format_hijri(d)} — {hijri.format_gregorian(d)}"
    if f["type"] == "file":
        return str(value.get("filename", ""))
    if f["type"] == "location":
        return f"{value['lat']}, {value['lon']}"
    if f["type"] == "phone" and str(value).startswith("+966"):
        return "0" + str(value)[4:]
    return str(value)


def review(definition: dict[str, Any], answers: dict[str, Any]) -> list[dict[str, Any]]:
    """Each step with its answers, for the page before submitting."""
    return [
        {
            "index": s,
            "title": tr(step["title"]),
            "answers": [
                AnswerView(tr(f["label"]), answer_text(f, answers[f["key"]]))
                for f in step["fields"]
                if f["key"] in answers
            ],
        }
        for s, step in enumerate(definition["steps"])
    ]


def browser_rules(definition: dict[str, Any]) -> dict[str, Any]:
    """What the page's script needs to show, hide and require fields as the person types:
    the rules, the fields' defaults and types (the server decides again on submission)."""
    return {
        "rules": definition.get("rules", []),
        "fields": {
            f["key"]: {
                "type": f["type"],
                "hidden": bool(f.get("hidden")),
                "required": bool(f.get("required")),
            }
            for step in definition["steps"]
            for f in step["fields"]
        },
    }
