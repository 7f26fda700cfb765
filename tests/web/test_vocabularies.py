"""Every vocabulary is declared once: the API's schema, the envelope, the forms and the pages
take their values from the `TextChoices`, and every value has an Arabic and an English label
from the catalogues."""

from __future__ import annotations

import ast
import json
from pathlib import Path
from typing import Any

import pytest
from django.db import models
from django.utils import translation

from wasl.exchange import envelope
from wasl.exchange import states as exchange_states
from wasl.registry import states, vocabulary
from wasl.web import forms, labels

ROOT = Path(__file__).resolve().parents[2]

VOCABULARIES: list[type[models.TextChoices]] = [
    vocabulary.Direction,
    vocabulary.Kind,
    vocabulary.Classification,
    vocabulary.Urgency,
    vocabulary.Confidentiality,
    vocabulary.PartyType,
    vocabulary.LinkKind,
    states.State,
    states.ReferralState,
    states.Step,
    states.Action,
    exchange_states.Kind,
    exchange_states.DeliveryState,
    exchange_states.Outcome,
    exchange_states.Role,
]


@pytest.mark.parametrize("words", VOCABULARIES, ids=lambda w: f"{w.__module__}.{w.__name__}")
def test_every_value_has_an_arabic_and_an_english_label(words: Any) -> None:
    for word in words:
        assert word.label_en.isascii() and word.label_en.strip(), word
        assert not word.label_ar.isascii(), f"{word!r} has no Arabic label: {word.label_ar!r}"
        assert word.label_ar != word.label_en
        with translation.override("ar"):
            assert str(word.label) == word.label_ar
        with translation.override("en"):
            assert str(word.label) == word.label_en


def test_the_api_schema_lists_the_values_of_the_vocabularies(client: Any) -> None:
    spec = json.loads(client.get("/api/v1/openapi.json").content)
    schemas = spec["components"]["schemas"]

    def values(schema: str, field: str) -> list[str]:
        prop = schemas[schema]["properties"][field]
        ref = prop.get("$ref") or prop["allOf"][0]["$ref"]
        return list(schemas[ref.rsplit("/", 1)[1]]["enum"])

    expected = {
        ("RegisterIn", "direction"): vocabulary.Direction,
        ("RegisterIn", "kind"): vocabulary.Kind,
        ("RegisterIn", "classification"): vocabulary.Classification,
        ("RegisterIn", "urgency"): vocabulary.Urgency,
        ("RegisterIn", "confidentiality"): vocabulary.Confidentiality,
        ("PartyIn", "type"): vocabulary.PartyType,
        ("LinkIn", "kind"): vocabulary.LinkKind,
        ("LetterIn", "kind"): vocabulary.Kind,
        ("LetterIn", "classification"): vocabulary.Classification,
        ("LetterIn", "urgency"): vocabulary.Urgency,
        ("RestrictionIn", "level"): vocabulary.Confidentiality,
    }
    for (schema, field), words in expected.items():
        assert values(schema, field) == words.values, (schema, field)


def test_the_envelope_accepts_the_values_of_the_vocabularies() -> None:
    assert envelope.KINDS == set(vocabulary.Kind.values)
    assert envelope.CLASSIFICATIONS == set(vocabulary.Classification.values)
    assert envelope.URGENCIES == set(vocabulary.Urgency.values)
    assert envelope.LEVELS == set(vocabulary.Confidentiality.values)
    assert envelope.STATUS_STATES < set(states.State.values)
    assert envelope.OUTCOMES == set(exchange_states.Outcome.values)
    assert envelope.ROLES == set(exchange_states.Role.values)


def test_forms_and_pages_offer_the_values_of_the_vocabularies() -> None:
    form = forms.RegisterForm(entities=[])
    assert [v for v, _ in form.fields["kind"].choices] == vocabulary.Kind.values
    assert [v for v, _ in form.fields["urgency"].choices] == vocabulary.Urgency.values
    assert [v for v, _ in forms.LinkForm().fields["kind"].choices] == vocabulary.LinkKind.values
    for name, words in labels.VOCABULARIES.items():
        for word in words:
            assert labels.label(words, word.value) == str(word.label), name


def test_the_steps_of_the_state_machine_are_the_declared_steps() -> None:
    assert set(states.TRANSACTION_STEPS) | set(states.REFERRAL_STEPS) == set(states.Step.values)


def _string_sets(path: Path) -> list[tuple[int, frozenset[str]]]:
    """Sets of three or more string constants written out in a module (set, list, tuple or
    dict keys, and `Literal[...]`)."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        items: list[ast.expr] = []
        if isinstance(node, ast.Set | ast.List | ast.Tuple):
            items = list(node.elts)
        elif isinstance(node, ast.Dict):
            items = [k for k in node.keys if k is not None]
        elif isinstance(node, ast.Subscript) and isinstance(node.slice, ast.Tuple):
            items = list(node.slice.elts)
        strings = [
            i.value for i in items if isinstance(i, ast.Constant) and isinstance(i.value, str)
        ]
        if len(strings) >= 3 and len(strings) == len(items):
            found.append((node.lineno, frozenset(strings)))
    return found


def test_no_vocabulary_is_written_out_a_second_time() -> None:
    """Only the declarations name all the values of a vocabulary: a set, a list, a table or
    a `Literal` repeating three or more of them elsewhere is a second declaration."""
    declared = {
        words.__name__: frozenset(words.values)
        for words in VOCABULARIES
        if len(words.values) >= 3 and words is not states.Action
    }
    places = [
        ROOT / "wasl" / "registry" / "api.py",
        ROOT / "wasl" / "exchange" / "api.py",
        ROOT / "wasl" / "exchange" / "envelope.py",
        ROOT / "wasl" / "web" / "labels.py",
        ROOT / "wasl" / "web" / "forms.py",
        *sorted((ROOT / "wasl" / "web" / "views").glob("*.py")),
    ]
    repeated = []
    for path in places:
        for line, strings in _string_sets(path):
            for name, values in declared.items():
                if len(strings & values) >= 3:
                    repeated.append(f"{path.relative_to(ROOT)}:{line} repeats {name}")
    assert repeated == []


def test_the_models_choices_are_the_vocabularies() -> None:
    from wasl.exchange.models import IncomingMessage, OutgoingMessage
    from wasl.registry.models import Event, Link, Referral, Transaction

    fields = {
        (Transaction, "direction"): vocabulary.Direction,
        (Transaction, "kind"): vocabulary.Kind,
        (Transaction, "classification"): vocabulary.Classification,
        (Transaction, "urgency"): vocabulary.Urgency,
        (Transaction, "confidentiality"): vocabulary.Confidentiality,
        (Transaction, "party_type"): vocabulary.PartyType,
        (Transaction, "state"): states.State,
        (Referral, "state"): states.ReferralState,
        (Event, "action"): states.Action,
        (Link, "kind"): vocabulary.LinkKind,
        (OutgoingMessage, "kind"): exchange_states.Kind,
        (OutgoingMessage, "state"): exchange_states.DeliveryState,
        (IncomingMessage, "kind"): exchange_states.Kind,
    }
    for (model, name), words in fields.items():
        choices = model._meta.get_field(name).choices
        assert [value for value, _ in choices] == words.values, (model, name)
