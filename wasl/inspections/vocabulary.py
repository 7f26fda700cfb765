"""The words of field inspection: visit kinds and states, answer types, photo rules."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from wasl.registry.vocabulary import Vocabulary


class VisitKind(Vocabulary):
    """نوع الزيارة — why an inspector goes."""

    PLANNED = "planned", _("Routine visit")
    REACTIVE = "reactive", _("From a report")
    FOLLOW_UP = "follow_up", _("Follow-up of a violation")


class VisitState(Vocabulary):
    """حالة الزيارة."""

    UNASSIGNED = "unassigned", _("Waiting for an inspector")
    ASSIGNED = "assigned", _("Assigned")
    DONE = "done", _("Inspected")


OPEN_STATES = (VisitState.UNASSIGNED, VisitState.ASSIGNED)


class SiteKind(Vocabulary):
    """نوع المنشأة."""

    FOOD_SHOP = "food_shop", _("Food shop")
    BUILDING_SITE = "building_site", _("Building site")


class AnswerType(Vocabulary):
    """How a checklist item is answered."""

    YES_NO = "yes_no", _("Yes or no")
    NUMBER = "number", _("Number")
    CHOICE = "choice", _("One of a list")
    TEXT = "text", _("Text")


class PhotoRule(Vocabulary):
    """When an item needs a photo."""

    NONE = "none", _("No photo")
    ALWAYS = "always", _("Always")
    ON_VIOLATION = "on_violation", _("When it is a violation")


class VisitAct(Vocabulary):
    """The acts that change a visit (one service each); the audit's action names."""

    PLANNED = "planned", _("Planned")
    OPENED = "opened", _("Opened from a report")
    ASSIGNED = "assigned", _("Assigned")
    REASSIGNED = "reassigned", _("Reassigned")
    INSPECTED = "inspected", _("Inspected")
