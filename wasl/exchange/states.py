"""The exchange's words, declared once: the kinds of message, the delivery states of the
outbox, the outcomes a receipt reports, the roles of a receiver, and which of a transaction's
states travel back to the sender. The envelope checks, the models' choices and the pages take
them from here; the transaction's own words come from `wasl.registry`."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from wasl.registry.states import State
from wasl.registry.vocabulary import Vocabulary


class Kind(Vocabulary):
    """What an envelope carries: a letter, or news of the state of a letter received."""

    LETTER = "letter", pgettext_lazy("exchange message", "Letter")
    STATUS = "status", pgettext_lazy("exchange message", "Status")


class DeliveryState(Vocabulary):
    """Where an outgoing envelope is: in the outbox, delivered (receipt kept), given up, or
    withdrawn by its sender before it was delivered."""

    PENDING = "pending", _("Being sent")
    DELIVERED = "delivered", _("Delivered")
    FAILED = "failed", _("Could not be delivered")
    WITHDRAWN = "withdrawn", pgettext_lazy("delivery", "Withdrawn")


class Outcome(Vocabulary):
    """What the receiver did with an envelope, as its receipt says."""

    REGISTERED = "registered", pgettext_lazy("receipt outcome", "Registered")
    APPLIED = "applied", pgettext_lazy("receipt outcome", "Applied")


class Role(Vocabulary):
    """How a letter is addressed to a receiver."""

    TO = "to", pgettext_lazy("addressed", "To")
    CC = "cc", pgettext_lazy("addressed", "Copy to")


# The states of an incoming letter that are news for its sender (status messages).
REPORTED_STATES = frozenset({State.ANSWERED, State.CLOSED, State.REOPENED, State.CANCELLED})
