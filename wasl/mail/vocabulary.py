"""What became of an incoming e-mail, declared once (models, pages, translations)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from wasl.registry.vocabulary import Vocabulary


class Outcome(Vocabulary):
    ADDED = "added", _("Added to the transaction")
    UNTRUSTED = "untrusted", _("Sender not the visitor: to triage")
    UNMATCHED = "unmatched", _("No transaction found: to triage")
    BOUNCE = "bounce", _("Delivery failure report")
    AUTOMATIC = "automatic", _("Automatic message, not processed")
    OVER_CAP = "over_cap", _("Over the daily limit of this address")
    DUPLICATE = "duplicate", pgettext_lazy("e-mail", "Already received")
    REFUSED = "refused", pgettext_lazy("e-mail", "Refused")


# What a clerk looks at: items that may concern a matter but were not added to one.
TO_TRIAGE = frozenset({Outcome.UNTRUSTED, Outcome.UNMATCHED, Outcome.REFUSED})
