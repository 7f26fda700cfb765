"""The words of Balagh 940: priorities, channels, area kinds, question types, public status."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from wasl.registry.vocabulary import Urgency, Vocabulary


class Priority(Vocabulary):
    """أولوية الفئة — how urgent a category of report is."""

    LOW = "low", _("Low")
    NORMAL = "normal", _("Normal priority")
    HIGH = "high", _("High")
    URGENT = "urgent", _("Urgent")


# The registry's urgency a report is registered with, by its category's priority.
URGENCY_OF = {
    Priority.LOW: Urgency.NORMAL,
    Priority.NORMAL: Urgency.NORMAL,
    Priority.HIGH: Urgency.URGENT,
    Priority.URGENT: Urgency.VERY_URGENT,
}


class Channel(Vocabulary):
    """قناة البلاغ — how a report reached the amanah."""

    API = "api", _("API")
    CALL_CENTRE = "call_centre", _("940 call centre")
    OPEN311 = "open311", _("Open311")
    PORTAL = "portal", _("Portal")


class AreaKind(Vocabulary):
    SUB_MUNICIPALITY = "sub_municipality", _("Sub-municipality")
    DISTRICT = "district", _("District")


class QuestionType(Vocabulary):
    """The attribute types of Open311 GeoReport v2, used for a category's questions."""

    STRING = "string", _("Short text")
    TEXT = "text", _("Text")
    NUMBER = "number", _("Number")
    DATETIME = "datetime", _("Date and time")
    SINGLE = "singlevaluelist", _("One of a list")
    MULTI = "multivaluelist", _("Several of a list")


class PhotoKind(Vocabulary):
    """What a report's photo shows: the problem as reported, or the proof that it was fixed."""

    REPORTED = "reported", _("Reported")
    PROOF = "proof", _("Proof of the fix")


class ReportAct(Vocabulary):
    """The acts that change a report's state after it is submitted (one service each)."""

    CLOSE = "close", _("Closed with proof")
    CONFIRM = "confirm", _("Confirmed by the reporter")
    REOPEN = "reopen", _("Reopened by the reporter")
    RATE = "rate", _("Rated by the reporter")
    FOLLOW = "follow", _("Joined by another reporter")
    MERGE = "merge", _("Closed as a duplicate")


class FollowerSource(Vocabulary):
    """How someone besides the reporter came to follow a report."""

    JOINED = "joined", _("Said it was already reported")
    MERGED = "merged", _("Their report was merged into it")
