"""The registry's words: what a transaction is (direction, kind, classification), how urgent
and how secret it is, who it concerns, and how two transactions are linked.

Each vocabulary is declared here once, as Django `TextChoices`: the models' choices, the API's
schemas (pydantic reads the enumerations), the exchange's envelope, the forms and the pages all
take their values from here. The label of each value is an English message id translated by
the catalogues in `wasl/locale` (Arabic first), so a page shows it in its own language;
`label_ar` and `label_en` give one language whatever the request's.
"""

from __future__ import annotations

from django.db import models
from django.utils import translation
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class Vocabulary(models.TextChoices):
    """A set of codes with their labels; the base of every vocabulary in Wasl."""

    @property
    def label_ar(self) -> str:
        with translation.override("ar"):
            return str(self.label)

    @property
    def label_en(self) -> str:
        with translation.override("en"):
            return str(self.label)


class Direction(Vocabulary):
    """اتجاه المعاملة — where a transaction comes from or goes to."""

    INCOMING = "incoming", _("Incoming")
    OUTGOING = "outgoing", _("Outgoing")
    INTERNAL = "internal", _("Internal")


class Kind(Vocabulary):
    """نوع المعاملة."""

    LETTER = "letter", _("Letter")
    REQUEST = "request", _("Request")
    COMPLAINT = "complaint", _("Complaint")
    PETITION = "petition", _("Petition")
    MEMO = "memo", _("Memo")
    REPORT = "report", _("Report")
    CIRCULAR = "circular", _("Circular")
    INVITATION = "invitation", _("Invitation")


class Classification(Vocabulary):
    """تصنيف المعاملة — the subject area."""

    GENERAL = "general", _("General")
    RIGHTS = "rights", _("Rights")
    SECURITY = "security", _("Security affairs")
    LEGAL = "legal", _("Legal affairs")
    MUNICIPAL = "municipal", _("Municipal services")
    DEVELOPMENT = "development", _("Development affairs")
    FINANCIAL = "financial", _("Financial affairs")
    PERSONNEL = "personnel", _("Personnel affairs")
    PRISONERS = "prisoners", _("Prisoners' affairs")


class Urgency(Vocabulary):
    """درجة الاستعجال."""

    NORMAL = "normal", pgettext_lazy("urgency", "Normal")
    URGENT = "urgent", _("Urgent")
    VERY_URGENT = "very_urgent", _("Very urgent")
    IMMEDIATE = "immediate", _("Immediate")


class Confidentiality(Vocabulary):
    """درجة السرية — who may read a transaction besides the units that hold it."""

    NORMAL = "normal", pgettext_lazy("confidentiality", "Normal")
    CONFIDENTIAL = "confidential", _("Confidential")
    TOP_SECRET = "top_secret", _("Top secret")


class PartyType(Vocabulary):
    """صاحب المعاملة — the kind of person or body a transaction concerns."""

    NONE = "none", _("No party")
    CITIZEN = "citizen", _("Citizen")
    RESIDENT = "resident", _("Resident")
    COMPANY = "company", _("Company")
    ENTITY = "entity", _("Government entity")


# The parties who are people or companies outside government — the visitors Wasl tells about
# their matters and may ask for a document.
VISITORS = frozenset({PartyType.CITIZEN, PartyType.RESIDENT, PartyType.COMPANY})


class LinkKind(Vocabulary):
    """نوع الربط — how one transaction relates to another."""

    RELATED = "related", _("Related")
    ANSWERS = "answers", _("Answers")
    FOLLOWS = "follows", _("Follows up")
