"""JSON Schemas of Open311 GeoReport v2 answers, written from the specification
(http://wiki.open311.org/GeoReport_v2): field names, types and enumerations as it lists them.
XML answers are checked against the same schemas after conversion (every leaf a string)."""

from __future__ import annotations

from typing import Any

W3C_DATETIME = r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$"


def _nullable(kind: str | list[str], **more: Any) -> dict[str, Any]:
    kinds = kind if isinstance(kind, list) else [kind]
    return {"type": [*kinds, "null"], **more}


ERRORS = {
    "type": "array",
    "minItems": 1,
    "items": {
        "type": "object",
        "required": ["code", "description"],
        "additionalProperties": False,
        "properties": {"code": {"type": "integer"}, "description": {"type": "string"}},
    },
}

DISCOVERY = {
    "type": "object",
    "required": ["changeset", "contact", "key_service", "endpoints"],
    "properties": {
        "changeset": {"type": "string", "pattern": W3C_DATETIME},
        "contact": {"type": "string"},
        "key_service": {"type": "string"},
        "endpoints": {
            "type": "array",
            "minItems": 1,
            "items": {
                "type": "object",
                "required": ["specification", "url", "changeset", "type", "formats"],
                "properties": {
                    "specification": {"const": "http://wiki.open311.org/GeoReport_v2"},
                    "url": {"type": "string", "pattern": "^https?://"},
                    "changeset": {"type": "string", "pattern": W3C_DATETIME},
                    "type": {"enum": ["production", "test"]},
                    "formats": {
                        "type": "array",
                        "items": {"enum": ["text/xml", "application/json"]},
                    },
                },
            },
        },
    },
}

SERVICES = {
    "type": "array",
    "items": {
        "type": "object",
        "required": [
            "service_code",
            "service_name",
            "description",
            "metadata",
            "type",
            "keywords",
            "group",
        ],
        "properties": {
            "service_code": {"type": "string", "minLength": 1},
            "service_name": {"type": "string", "minLength": 1},
            "description": {"type": "string"},
            "metadata": {"type": "boolean"},
            "type": {"enum": ["realtime", "batch", "blackbox"]},
            "keywords": {"type": "string"},
            "group": {"type": "string"},
        },
    },
}

SERVICE_DEFINITION = {
    "type": "object",
    "required": ["service_code", "attributes"],
    "properties": {
        "service_code": {"type": "string"},
        "attributes": {
            "type": "array",
            "items": {
                "type": "object",
                "required": [
                    "variable",
                    "code",
                    "datatype",
                    "required",
                    "datatype_description",
                    "order",
                    "description",
                ],
                "properties": {
                    "variable": {"type": "boolean"},
                    "code": {"type": "string", "minLength": 1},
                    "datatype": {
                        "enum": [
                            "string",
                            "number",
                            "datetime",
                            "text",
                            "singlevaluelist",
                            "multivaluelist",
                        ]
                    },
                    "required": {"type": "boolean"},
                    "datatype_description": _nullable("string"),
                    "order": {"type": "integer", "minimum": 1},
                    "description": {"type": "string"},
                    "values": {
                        "type": "array",
                        "items": {
                            "type": "object",
                            "required": ["key", "name"],
                            "properties": {"key": {"type": "string"}, "name": {"type": "string"}},
                        },
                    },
                },
                # A list type has values to choose from.
                "if": {"properties": {"datatype": {"enum": ["singlevaluelist", "multivaluelist"]}}},
                "then": {"required": ["values"]},
            },
        },
    },
}

POST_RESPONSE = {
    "type": "array",
    "minItems": 1,
    "maxItems": 1,
    "items": {
        "type": "object",
        "properties": {
            "service_request_id": _nullable("string"),
            "token": _nullable("string"),
            "service_notice": _nullable("string"),
            "account_id": _nullable("string"),
        },
        "anyOf": [{"required": ["service_request_id"]}, {"required": ["token"]}],
    },
}

REQUEST_FIELDS = {
    "service_request_id": {"type": "string", "minLength": 1},
    "status": {"enum": ["open", "closed"]},
    "status_notes": _nullable("string"),
    "service_name": _nullable("string"),
    "service_code": _nullable("string"),
    "description": _nullable("string", maxLength=4000),
    "agency_responsible": _nullable("string"),
    "service_notice": _nullable("string"),
    "requested_datetime": {"type": "string", "pattern": W3C_DATETIME},
    "updated_datetime": _nullable("string", pattern=W3C_DATETIME),
    "expected_datetime": _nullable("string", pattern=W3C_DATETIME),
    "address": _nullable("string"),
    "address_id": _nullable("string"),
    "zipcode": _nullable("string"),
    "lat": {"type": ["number", "string"]},
    "long": {"type": ["number", "string"]},
    "media_url": _nullable("string"),
}

REQUESTS = {
    "type": "array",
    "items": {
        "type": "object",
        "required": ["service_request_id", "status", "requested_datetime", "lat", "long"],
        # Nothing beyond the standard's fields: no reporter, no contact, no answers.
        "additionalProperties": False,
        "properties": REQUEST_FIELDS,
    },
}


def from_xml(element: Any, lists: frozenset[str] = frozenset()) -> Any:
    """An ElementTree element as JSON-like data: children named in `lists` become arrays,
    empty leaves None, other leaves strings."""
    children = list(element)
    if not children:
        return element.text if element.text not in (None, "") else None
    if element.tag in lists:
        return [from_xml(child, lists) for child in children]
    return {child.tag: from_xml(child, lists) for child in children}
