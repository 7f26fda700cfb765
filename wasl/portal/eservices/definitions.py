"""A service definition: JSON checked against schema/service.schema.json, then against what a
schema cannot say (field keys unique within a service, rules naming fields that exist).

Everything here reads plain JSON (dicts and lists); nothing touches the database.
"""

from __future__ import annotations

import functools
import hashlib
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator
from jsonschema.exceptions import best_match

from wasl.core.errors import InvalidInput

SCHEMA_FILE = Path(__file__).parent / "schema" / "service.schema.json"
FORMAT = "wasl.eservices/1"


@functools.cache
def _validator() -> Draft202012Validator:
    with SCHEMA_FILE.open(encoding="utf-8") as f:
        schema = json.load(f)
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema)


class InvalidDefinition(InvalidInput):
    """A services file or definition that does not match the schema (or names a field that
    does not exist): refused whole, nothing loaded."""

    code = "invalid_service_definition"

    def __init__(self, where: str, detail: str) -> None:
        super().__init__(
            f"تعريف الخدمة لا يطابق المخطط عند {where}: {detail}",
            f"The service definition does not match the schema at {where}: {detail}",
            field="definition",
        )
        self.where = where
        self.detail = detail


def _where(path: Any) -> str:
    text = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in path)
    return text.lstrip(".") or "(root)"


def check_file(data: object) -> list[dict[str, Any]]:
    """The definitions of a services file (format wasl.eservices/1), each checked; raise
    `InvalidDefinition` naming the first place that is wrong."""
    error = best_match(_validator().iter_errors(data))
    if error is not None:
        raise InvalidDefinition(_where(error.absolute_path), error.message[:300])
    assert isinstance(data, dict)
    services: list[dict[str, Any]] = data["services"]
    seen: set[str] = set()
    for i, service in enumerate(services):
        if service["code"] in seen:
            raise InvalidDefinition(f"services[{i}].code", f"'{service['code']}' appears twice")
        seen.add(service["code"])
        _check_references(service, f"services[{i}]")
    return services


def check_definition(definition: object) -> dict[str, Any]:
    """One service's definition, checked as a file of one."""
    services = check_file({"format": FORMAT, "services": [definition]})
    return services[0]


def _check_references(service: dict[str, Any], where: str) -> None:
    keys: dict[str, dict[str, Any]] = {}
    for s, step in enumerate(service["steps"]):
        for f, field in enumerate(step["fields"]):
            if field["key"] in keys:
                raise InvalidDefinition(
                    f"{where}.steps[{s}].fields[{f}].key", f"'{field['key']}' appears twice"
                )
            keys[field["key"]] = field
            if field["type"] == "number" and field.get("min", 0) > field.get("max", 1e18):
                raise InvalidDefinition(f"{where}.steps[{s}].fields[{f}]", "min is above max")
            if field["type"] == "choice":
                values = [o["value"] for o in field["options"]]
                if len(set(values)) != len(values):
                    raise InvalidDefinition(
                        f"{where}.steps[{s}].fields[{f}].options", "a value appears twice"
                    )
    subject = service.get("subject_field")
    if subject is not None and keys.get(subject, {}).get("type") != "text":
        raise InvalidDefinition(f"{where}.subject_field", f"'{subject}' is not a text field")
    for r, rule in enumerate(service.get("rules", [])):
        for action in ("show", "hide", "require"):
            for key in rule.get(action, []):
                if key not in keys:
                    raise InvalidDefinition(
                        f"{where}.rules[{r}].{action}", f"no field '{key}' in this service"
                    )
        for name in _variables(rule["when"]):
            root = name.split(".")[0]
            if root not in keys and name != "applicant.kind":
                raise InvalidDefinition(
                    f"{where}.rules[{r}].when", f"no field '{name}' in this service"
                )


def _variables(logic: Any) -> Iterator[str]:
    """The variable names a JSON-Logic expression reads."""
    if isinstance(logic, list):
        for item in logic:
            yield from _variables(item)
    elif isinstance(logic, dict):
        for op, operand in logic.items():
            if op in ("var", "missing"):
                names = operand if isinstance(operand, list) else [operand]
                for name in names[:1] if op == "var" else names:
                    if isinstance(name, str):
                        yield name
            else:
                yield from _variables(operand)


def canonical(definition: dict[str, Any]) -> str:
    return json.dumps(definition, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def digest(definition: dict[str, Any]) -> str:
    return hashlib.sha256(canonical(definition).encode()).hexdigest()


def fields(definition: dict[str, Any]) -> Iterator[tuple[int, dict[str, Any]]]:
    """Every field of a definition with the index of its step."""
    for s, step in enumerate(definition["steps"]):
        for field in step["fields"]:
            yield s, field
