"""The notifications' words, declared once: the steps a visitor hears about, the channels,
the languages, and the statuses of a notification as a provider reports them (the statuses of
GOV.UK Notify). Models, pages and the receipt endpoint take their values from here."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from wasl.registry.vocabulary import Vocabulary


class Step(Vocabulary):
    """What a visitor is told about."""

    REGISTERED = "registered", _("Registered, with its reference")
    REFERRED = "referred", _("Referred onward")
    ANSWERED = "answered", _("Answer ready")
    CLOSED = "closed", pgettext_lazy("notification step", "Closed")
    # The owning unit asks the visitor for a document (registry step `request_document`).
    DOCUMENT_NEEDED = "document_needed", _("Document needed")
    # A letter about the matter was received by another entity (wasl.exchange's receipt).
    LETTER_RECEIVED = "letter_received", _("Letter received by another entity")
    # Balagh 940: to everyone who reported the problem (wasl.reports, `registry.followers`).
    REPORT_CLOSED = "report_closed", _("Report dealt with and closed")
    REPORT_MERGED = "report_merged", _("Report joined to the same problem reported before")
    # An automatic answer to the visitor's e-mail that joined their matter (wasl.mail).
    RECEIVED = "received", _("E-mail received")
    # The holding unit's own answer to the visitor's e-mail, written by a person (wasl.mail).
    REPLY = "reply", _("Answer to the visitor's e-mail")
    # A booking of an audience with an official (wasl.portal.jalsa: its texts are its own).
    JALSA_BOOKED = "jalsa_booked", _("Booking confirmed")
    JALSA_REMINDER = "jalsa_reminder", _("Reminder of the appointment")
    JALSA_CANCELLED = "jalsa_cancelled", _("Booking cancelled")


class Channel(Vocabulary):
    SMS = "sms", _("SMS")
    EMAIL = "email", _("E-mail")


class Language(Vocabulary):
    AR = "ar", _("Arabic")
    EN = "en", _("English")


class Status(Vocabulary):
    """Where a notification is."""

    QUEUED = "queued", pgettext_lazy("notification", "Queued")
    SENDING = "sending", pgettext_lazy("notification", "Sending")
    DELIVERED = "delivered", pgettext_lazy("notification", "Delivered")
    TEMPORARY_FAILURE = "temporary_failure", _("Temporary failure, will retry")
    PERMANENT_FAILURE = "permanent_failure", _("Permanent failure")
    TECHNICAL_FAILURE = "technical_failure", _("Technical failure")


# What a person hears about an audience booking (wasl.portal.jalsa's `NoticeText`).
JALSA_NOTICES = (Step.JALSA_BOOKED, Step.JALSA_REMINDER, Step.JALSA_CANCELLED)

# Statuses after which nothing changes a notification, not even a late receipt.
FINAL = frozenset({Status.DELIVERED, Status.PERMANENT_FAILURE, Status.TECHNICAL_FAILURE})
# Statuses in which the sender picks a notification up when it is due.
DUE = frozenset({Status.QUEUED, Status.TEMPORARY_FAILURE})
# Messages the visitor cannot switch off: the reference number is how they follow their matter,
# and a matter waiting for the visitor's document does not move until they hear of it.
MANDATORY = frozenset({Step.REGISTERED, Step.DOCUMENT_NEEDED})
