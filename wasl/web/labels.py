"""Names people read for the registry's codes, in the page's language.

The registry's choices carry Arabic labels for the admin site and the API; pages are
translated, so they take their labels from here, through the i18n catalogues.
"""

from __future__ import annotations

from django.utils.translation import get_language, pgettext_lazy
from django.utils.translation import gettext_lazy as _

KINDS = {
    "letter": _("Letter"),
    "request": _("Request"),
    "complaint": _("Complaint"),
    "petition": _("Petition"),
    "memo": _("Memo"),
    "report": _("Report"),
    "circular": _("Circular"),
    "invitation": _("Invitation"),
}
DIRECTIONS = {
    "incoming": _("Incoming"),
    "outgoing": _("Outgoing"),
    "internal": _("Internal"),
}
CLASSIFICATIONS = {
    "general": _("General"),
    "rights": _("Rights"),
    "security": _("Security affairs"),
    "legal": _("Legal affairs"),
    "municipal": _("Municipal services"),
    "development": _("Development affairs"),
    "financial": _("Financial affairs"),
    "personnel": _("Personnel affairs"),
    "prisoners": _("Prisoners' affairs"),
}
URGENCIES = {
    "normal": pgettext_lazy("urgency", "Normal"),
    "urgent": _("Urgent"),
    "very_urgent": _("Very urgent"),
    "immediate": _("Immediate"),
}
CONFIDENTIALITIES = {
    "normal": pgettext_lazy("confidentiality", "Normal"),
    "confidential": _("Confidential"),
    "top_secret": _("Top secret"),
}
PARTY_TYPES = {
    "none": _("No party"),
    "citizen": _("Citizen"),
    "resident": _("Resident"),
    "company": _("Company"),
    "entity": _("Government entity"),
}
STATES = {
    "registered": _("Registered"),
    "referred": _("Referred"),
    "answered": pgettext_lazy("transaction state", "Answered"),
    "returned": pgettext_lazy("transaction state", "Returned"),
    "closed": _("Closed"),
    "reopened": _("Reopened"),
    "cancelled": pgettext_lazy("transaction state", "Cancelled"),
}
REFERRAL_STATES = {
    "pending": _("Awaiting receipt"),
    "acknowledged": _("Received"),
    "answered": pgettext_lazy("referral state", "Answered"),
    "returned": pgettext_lazy("referral state", "Returned"),
    "forwarded": _("Forwarded"),
    "cancelled": pgettext_lazy("referral state", "Cancelled"),
}
LINK_KINDS = {
    "related": _("Related"),
    "answers": _("Answers"),
    "follows": _("Follows up"),
}
ROLES = {
    "clerk": _("Clerk"),
    "unit_head": _("Unit head"),
    "entity_admin": _("Entity administrator"),
    "executive": _("Executive"),
    "auditor": _("Auditor"),
}
# Timeline events, as sentences about what happened.
ACTIONS = {
    "registered": pgettext_lazy("event", "Registered"),
    "referred": pgettext_lazy("event", "Referred"),
    "acknowledged": _("Receipt acknowledged"),
    "answered": _("Answer given"),
    "returned": _("Returned without action"),
    "forwarded": _("Forwarded to another unit"),
    "commented": _("Comment"),
    "closed": _("Closed (filed)"),
    "reopened": pgettext_lazy("event", "Reopened"),
    "cancelled": pgettext_lazy("event", "Cancelled"),
    "attached": _("File attached"),
    "linked": _("Linked to another transaction"),
}
# The steps a person may take, as button labels.
STEPS = {
    "refer": _("Refer"),
    "acknowledge": _("Acknowledge receipt"),
    "answer": _("Answer"),
    "return": _("Return"),
    "forward": _("Forward"),
    "comment": _("Comment"),
    "close": _("Close"),
    "reopen": _("Reopen"),
    "cancel": _("Cancel transaction"),
    "attach": _("Attach a file"),
    "link": _("Link"),
}


def label(table: dict[str, object], code: str | None) -> str:
    """The label of ``code`` in ``table``, or the code itself when it has none."""
    if not code:
        return ""
    return str(table.get(code, code))


def is_arabic() -> bool:
    return (get_language() or "ar").startswith("ar")


def name_of(obj: object) -> str:
    """An entity's or unit's name in the page's language (Arabic when English is missing)."""
    if obj is None:
        return ""
    name_ar = getattr(obj, "name_ar", "")
    name_en = getattr(obj, "name_en", "")
    return str(name_ar if is_arabic() or not name_en else name_en)


def error_message(error: object) -> str:
    """A WaslError's message in the page's language."""
    if is_arabic():
        return str(getattr(error, "message_ar", error))
    return str(getattr(error, "message_en", error))
