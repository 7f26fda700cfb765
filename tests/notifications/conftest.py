from __future__ import annotations

from typing import Any

from tests.conftest import Cast, make_transaction
from wasl.registry import services as registry

PHONE = "+966501234567"


def citizen(phone: str = "0501234567") -> registry.Party:
    return registry.Party(
        type="citizen", name="محمد بن علي الحربي", id_number="1058529940", phone=phone
    )


def make_visitor_transaction(cast: Cast, **overrides: Any) -> Any:
    return make_transaction(cast, party=citizen(), **overrides)
