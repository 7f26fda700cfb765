"""A service's rules: which fields are shown and which are required, given the answers so far.

Rules are JSON-Logic (json-logic-modernized here; json-logic-js in the browser, on the same
data, in static/eservices/eservices.js). The browser's verdict only shapes the page: the
server evaluates every rule again on what it received, and that decides.

The data a rule reads: each answered field by its key (text, number, the choice's value or
list of values, the date as YYYY-MM-DD, a file's name, a location as {lat, lon}) and
`applicant.kind` ("citizen" or "resident"). An unanswered field is absent (null).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from json_logic import jsonLogic

from .definitions import fields

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Verdict:
    visible: frozenset[str]
    required: frozenset[str]


def logic_data(answers: dict[str, Any], applicant_kind: str) -> dict[str, Any]:
    """What the rules read: the answers (a kept file as its name) and the applicant's kind."""
    data: dict[str, Any] = {}
    for key, value in answers.items():
        if isinstance(value, dict) and "filename" in value:
            data[key] = value.get("filename", "")
        else:
            data[key] = value
    data["applicant"] = {"kind": applicant_kind}
    return data


def holds(logic: Any, data: dict[str, Any]) -> bool:
    """Whether a rule's condition holds; one that cannot be evaluated on these answers (a
    comparison of text with a number, say) does not hold."""
    try:
        return bool(jsonLogic(logic, data))
    except (TypeError, ValueError, ArithmeticError, KeyError, IndexError) as exc:
        log.info("e-service rule not evaluated: %s", exc)
        return False


def evaluate(definition: dict[str, Any], answers: dict[str, Any], applicant_kind: str) -> Verdict:
    """Fields start visible unless marked `hidden`, required if marked `required`; each rule
    whose condition holds then shows, hides or requires its fields, in order. A hidden field
    is never required."""
    visible = {f["key"] for _, f in fields(definition) if not f.get("hidden")}
    required = {f["key"] for _, f in fields(definition) if f.get("required")}
    data = logic_data(answers, applicant_kind)
    for rule in definition.get("rules", []):
        if not holds(rule["when"], data):
            continue
        visible.update(rule.get("show", []))
        visible.difference_update(rule.get("hide", []))
        required.update(rule.get("require", []))
    return Verdict(visible=frozenset(visible), required=frozenset(required & visible))
