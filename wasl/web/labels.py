"""Names people read for Wasl's codes, in the page's language.

Every vocabulary is declared once, with its label, where it belongs (`registry.vocabulary`,
`registry.states`); pages find it here by the name templates use (``{{ txn.kind|label:"kind"
}}``). The label is translated by the i18n catalogues.
"""

from __future__ import annotations

from collections.abc import Mapping

from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from wasl.exchange.states import DeliveryState, Role
from wasl.registry.states import Action, ReferralState, State, Step
from wasl.registry.vocabulary import (
    Classification,
    Confidentiality,
    Direction,
    Kind,
    LinkKind,
    PartyType,
    Urgency,
)

# The one table left: `directory.Role` still carries literal Arabic labels (used as such by
# the demo's summary and the admin site); until it takes translated ones, pages name the
# roles from here.
ROLES = {
    "clerk": _("Clerk"),
    "unit_head": _("Unit head"),
    "entity_admin": _("Entity administrator"),
    "executive": _("Executive"),
    "auditor": _("Auditor"),
}

VOCABULARIES: dict[str, type[models.TextChoices]] = {
    "kind": Kind,
    "direction": Direction,
    "classification": Classification,
    "urgency": Urgency,
    "confidentiality": Confidentiality,
    "party_type": PartyType,
    "state": State,
    "referral_state": ReferralState,
    "link_kind": LinkKind,
    "action": Action,
    "step": Step,
    "delivery_state": DeliveryState,
    "addressed": Role,
}


def label(vocabulary: type[models.TextChoices] | dict[str, object], code: str | None) -> str:
    """The label of ``code`` in ``vocabulary``, or the code itself when it has none."""
    if not code:
        return ""
    if isinstance(vocabulary, dict):
        return str(vocabulary.get(code, code))
    if code not in vocabulary.values:
        return code
    return str(vocabulary(code).label)


def is_arabic() -> bool:
    return (get_language() or "ar").startswith("ar")


def name_of(obj: object) -> str:
    """An entity's or unit's name in the page's language (Arabic when English is missing)."""
    if obj is None:
        return ""
    if isinstance(obj, Mapping):  # a presenter's row: {"name_ar": …, "name_en": …}
        name_ar, name_en = obj.get("name_ar", ""), obj.get("name_en", "")
    else:
        name_ar, name_en = getattr(obj, "name_ar", ""), getattr(obj, "name_en", "")
    return str(name_ar if is_arabic() or not name_en else name_en)


def error_message(error: object) -> str:
    """A WaslError's message in the page's language."""
    if is_arabic():
        return str(getattr(error, "message_ar", error))
    return str(getattr(error, "message_en", error))
