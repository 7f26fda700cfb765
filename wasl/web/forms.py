"""The shapes of what people type. Forms check the shape and fold digits; the registry's
services decide what is valid, and their errors are put back beside the field they name."""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from wasl.core import hijri, identity
from wasl.core.arabic import fold_digits
from wasl.core.errors import WaslError
from wasl.directory.models import Entity, Unit
from wasl.registry.services import DOCUMENT_MAX
from wasl.registry.vocabulary import (
    Classification,
    Confidentiality,
    Direction,
    Kind,
    LinkKind,
    PartyType,
    Urgency,
)

from .labels import error_message, name_of

SUBJECT_MAX = 500
BODY_MAX = 20_000
NOTE_MAX = 5_000
# Files kept from an earlier POST of the register form (web.views.KeptFile), at most.
MAX_KEPT_FILES = 20

# Where a service's error belongs on a page: its `field` -> the form field.
SERVICE_FIELDS = {
    "party.type": "party_type",
    "party.name": "party_name",
    "party.id_number": "party_id_number",
    "party.phone": "party_phone",
    "party.email": "party_email",
    "party.cr": "party_cr",
    "party.entity_code": "party_entity",
    "file": "attachments",
    "text": "text",
    "reason": "reason",
    # The exchange's letter (wasl.exchange.services.send_letter)
    "restriction.level": "confidentiality",
    "restriction.legal_basis": "legal_basis",
    "restriction.until": "legal_basis",
    "files": "attachments",
}


ENGLISH_ERA = re.compile(r"\s*(AH|H|CE|AD)\.?\s*$", re.IGNORECASE)


class DualDateField(forms.Field):
    """A date typed in Hijri (1448/06/10هـ) or Gregorian (2026-12-01), any digits."""

    widget = forms.TextInput
    max_length = 32

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault(
            "help_text",
            _("Hijri (1448/06/10) or Gregorian (2026-12-01), in Arabic or Latin digits."),
        )
        super().__init__(**kwargs)
        self.widget.attrs.update(
            {
                "inputmode": "numeric",
                "dir": "ltr",
                "autocomplete": "off",
                "maxlength": str(self.max_length),
            }
        )

    def to_python(self, value: Any) -> date | None:
        text = str(value or "").strip()
        if not text:
            return None
        # The English marks of the calendars, as an English page invites them to be typed.
        text = ENGLISH_ERA.sub(lambda m: "" if m[1].upper() in ("CE", "AD") else "هـ", text)
        try:
            return hijri.parse_date(text[: self.max_length + 1])
        except WaslError as error:
            raise ValidationError(
                _(
                    "Not a date: write it as 1448/06/10 (Hijri) or 2026-12-01 (Gregorian),"
                    " between 1343 and 1500 AH (1924 to 2077)."
                ),
                code=error.code,
            ) from None


class FoldedIntegerField(forms.IntegerField):
    """An integer typed with Latin, Arabic-Indic or Persian digits: a text box, because a
    browser's number box refuses Arabic digits."""

    widget = forms.TextInput

    def to_python(self, value: Any) -> int | None:
        if isinstance(value, str):
            value = fold_digits(value).strip()
        return super().to_python(value)

    def widget_attrs(self, widget: forms.Widget) -> dict[str, Any]:
        attrs = super().widget_attrs(widget)
        # A text box, so that Arabic digits can be typed (type=number refuses them).
        attrs.update({"inputmode": "numeric", "dir": "ltr"})
        return attrs


class FoldedTextInput(forms.TextInput):
    input_type = "text"


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files from one <input type=file multiple> (or the drop zone that fills it)."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("widget", MultipleFileInput())
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)

    def clean(self, data: Any, initial: Any = None) -> list[Any]:  # type: ignore[override]
        if not data:
            if self.required:
                raise ValidationError(self.error_messages["required"], code="required")
            return []
        files = data if isinstance(data, (list, tuple)) else [data]
        return [super(MultipleFileField, self).clean(f, initial) for f in files]


class WaslForm(forms.Form):
    """A form that can take a service's error and put it beside the right field, and that
    carries a one-time token (`web.once`) so that it acts once."""

    form_token = forms.CharField(widget=forms.HiddenInput, required=False, max_length=200)

    def add_service_error(self, error: WaslError, default_field: str | None = None) -> None:
        field = SERVICE_FIELDS.get(error.field or "", error.field)
        if field not in self.fields:
            field = default_field if default_field in self.fields else None
        self.add_error(field, ValidationError(error_message(error), code=error.code))


def entity_choices(entities: Iterable[Entity]) -> list[tuple[str, str]]:
    return [("", _("— None —"))] + [(e.code, f"{name_of(e)} ({e.code})") for e in entities]


class RegisterForm(WaslForm):
    """تسجيل معاملة — everything about a new transaction on one page."""

    direction = forms.ChoiceField(
        label=_("Direction"), choices=Direction.choices, initial=Direction.INCOMING
    )
    kind = forms.ChoiceField(label=_("Kind"), choices=Kind.choices)
    classification = forms.ChoiceField(
        label=_("Classification"), choices=Classification.choices, initial=Classification.GENERAL
    )
    urgency = forms.ChoiceField(
        label=_("Urgency"),
        choices=Urgency.choices,
        initial="normal",
        widget=forms.RadioSelect,
    )
    confidentiality = forms.ChoiceField(
        label=_("Confidentiality"),
        choices=Confidentiality.choices,
        initial="normal",
        widget=forms.RadioSelect,
    )
    subject = forms.CharField(label=_("Subject"), max_length=SUBJECT_MAX)
    body = forms.CharField(
        label=_("Summary"),
        required=False,
        max_length=BODY_MAX,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    correspondent = forms.ChoiceField(
        label=_("Correspondent entity"),
        required=False,
        help_text=_("The entity the letter comes from or goes to."),
    )
    external_reference = forms.CharField(
        label=_("Sender's reference"), required=False, max_length=60
    )
    external_date = DualDateField(label=_("Sender's letter date"), required=False)
    due_date = DualDateField(label=_("Due date"), required=False)
    party_type = forms.ChoiceField(
        label=_("Party type"), choices=PartyType.choices, initial=PartyType.NONE
    )
    party_name = forms.CharField(label=_("Party name"), required=False, max_length=200)
    party_id_number = forms.CharField(
        label=_("National ID or iqama number"),
        required=False,
        max_length=32,
        help_text=_("10 digits: 1… for citizens, 2… for residents."),
    )
    party_phone = forms.CharField(
        label=_("Mobile number"), required=False, max_length=32, help_text=_("05XXXXXXXX")
    )
    party_email = forms.CharField(
        label=_("E-mail"),
        required=False,
        max_length=254,
        help_text=_("Optional: the person also hears about the matter by e-mail, and may answer."),
    )
    party_cr = forms.CharField(label=_("Commercial registration"), required=False, max_length=32)
    party_entity = forms.ChoiceField(label=_("Party entity"), required=False)
    attachments = MultipleFileField(
        label=_("Files to attach"),
        help_text=_("PDF, images, Word, Excel or text; several files at once."),
    )

    def __init__(self, *args: Any, entities: Iterable[Entity] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        options = entity_choices(entities)
        self.fields["correspondent"].choices = options
        self.fields["party_entity"].choices = options
        self.fields["party_id_number"].widget.attrs.update(
            {
                "inputmode": "numeric",
                "dir": "ltr",
                "autocomplete": "off",
                "data-national-id": "",
                "data-msg-length": _("The number must be 10 digits."),
                "data-msg-start": _("It must start with 1 (citizen) or 2 (resident)."),
                "data-msg-check": _("The check digit does not match; check the number."),
            }
        )
        self.fields["party_phone"].widget.attrs.update(
            {"inputmode": "tel", "dir": "ltr", "autocomplete": "off"}
        )
        # A text box with the e-mail keyboard: an e-mail box refuses what some people type.
        self.fields["party_email"].widget.attrs.update(
            {"inputmode": "email", "dir": "ltr", "autocomplete": "off"}
        )
        self.fields["party_cr"].widget.attrs.update({"inputmode": "numeric", "dir": "ltr"})
        self.fields["attachments"].widget.attrs.update({"data-dropzone": ""})

    def clean_party_id_number(self) -> str:
        value = self.cleaned_data.get("party_id_number", "")
        if not value.strip():
            return ""
        try:
            return identity.validate_national_id(value)
        except WaslError as error:
            raise ValidationError(error_message(error), code=error.code) from None

    def clean_party_phone(self) -> str:
        value = self.cleaned_data.get("party_phone", "")
        if not value.strip():
            return ""
        try:
            return identity.normalise_phone(value)
        except WaslError as error:
            raise ValidationError(error_message(error), code=error.code) from None

    def clean_party_cr(self) -> str:
        value = self.cleaned_data.get("party_cr", "")
        if not value.strip():
            return ""
        try:
            return identity.validate_cr(value)
        except WaslError as error:
            raise ValidationError(error_message(error), code=error.code) from None


class ReasonForm(WaslForm):
    reason = forms.CharField(
        label=_("Reason"), max_length=NOTE_MAX, widget=forms.Textarea(attrs={"rows": 3})
    )


class DocumentForm(WaslForm):
    document = forms.CharField(
        label=_("Document needed"),
        max_length=DOCUMENT_MAX,
        help_text=_("The visitor reads this in their SMS and e-mail: name the document plainly."),
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class TextForm(WaslForm):
    text = forms.CharField(
        label=_("Text"), max_length=BODY_MAX, widget=forms.Textarea(attrs={"rows": 4})
    )


class WithFiles(forms.Form):
    """A step that may carry the documents that go with it (the reply, the reason…), with
    the rules of every upload (`registry.attachments.UploadLimits`)."""

    attachments = MultipleFileField(
        label=_("Attach documents"),
        help_text=_("Optional: the reply or its supporting documents (PDF, images, Word, Excel)."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["attachments"].widget.attrs.update({"data-dropzone": ""})
        # The step's own fields first, its documents last.
        self.order_fields([name for name in self.fields if name != "attachments"] + ["attachments"])


class TextWithFilesForm(TextForm, WithFiles):
    pass


class ReasonWithFilesForm(ReasonForm, WithFiles):
    pass


def unit_choices(units: Iterable[Unit]) -> list[tuple[str, str]]:
    return [(str(u.public_id), name_of(u)) for u in units]


class ReferForm(WaslForm, WithFiles):
    to_units = forms.MultipleChoiceField(label=_("Refer to"), widget=forms.CheckboxSelectMultiple)
    instruction = forms.CharField(
        label=_("Instruction"), max_length=NOTE_MAX, widget=forms.Textarea(attrs={"rows": 3})
    )
    due_in_days = FoldedIntegerField(
        label=_("Due in (working days)"),
        required=False,
        min_value=1,
        max_value=365,
        help_text=_("Leave empty to use the default for the urgency."),
    )

    def __init__(self, *args: Any, units: Iterable[Unit] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["to_units"].choices = unit_choices(units)


class ForwardForm(WaslForm, WithFiles):
    to_unit = forms.ChoiceField(label=_("Forward to"))
    instruction = forms.CharField(
        label=_("Instruction"), max_length=NOTE_MAX, widget=forms.Textarea(attrs={"rows": 3})
    )
    due_in_days = FoldedIntegerField(
        label=_("Due in (working days)"), required=False, min_value=1, max_value=365
    )

    def __init__(self, *args: Any, units: Iterable[Unit] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["to_unit"].choices = [("", _("— Choose a unit —")), *unit_choices(units)]


class AttachForm(WaslForm):
    attachments = MultipleFileField(label=_("Files"), required=True)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["attachments"].widget.attrs.update({"data-dropzone": ""})


class LetterForm(WaslForm):
    """خطاب إلى جهة عبر وصل — a letter to other entities, signed and delivered by Wasl."""

    to = forms.ChoiceField(label=_("To"))
    cc = forms.MultipleChoiceField(
        label=_("Copy to"),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 4}),
        help_text=_("Optional; hold Ctrl (or ⌘) to choose several."),
    )
    subject = forms.CharField(label=_("Subject"), max_length=SUBJECT_MAX)
    body = forms.CharField(
        label=_("Text of the letter"),
        required=False,
        max_length=BODY_MAX,
        widget=forms.Textarea(attrs={"rows": 6}),
    )
    kind = forms.ChoiceField(label=_("Kind"), choices=Kind.choices, initial=Kind.LETTER)
    classification = forms.ChoiceField(
        label=_("Classification"), choices=Classification.choices, initial=Classification.GENERAL
    )
    urgency = forms.ChoiceField(
        label=_("Urgency"), choices=Urgency.choices, initial="normal", widget=forms.RadioSelect
    )
    reply_due = DualDateField(label=_("Reply wanted by"), required=False)
    confidentiality = forms.ChoiceField(
        label=_("Confidentiality"),
        choices=Confidentiality.choices,
        initial="normal",
        widget=forms.RadioSelect,
    )
    legal_basis = forms.CharField(
        label=_("Legal basis of the restriction"),
        required=False,
        max_length=500,
        help_text=_("Required for a confidential letter."),
    )
    attachments = MultipleFileField(
        label=_("Files to send"),
        help_text=_("PDF, images, Word, Excel or text; several files at once."),
    )
    answers = forms.UUIDField(required=False, widget=forms.HiddenInput)

    def __init__(
        self, *args: Any, receivers: Iterable[tuple[str, str]] = (), **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        options = list(receivers)
        self.fields["to"].choices = [("", _("— Choose an entity —")), *options]
        self.fields["cc"].choices = options
        self.fields["attachments"].widget.attrs.update({"data-dropzone": ""})

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("to") and data.get("to") in (data.get("cc") or []):
            self.add_error("cc", _("An entity is either a receiver or a copy receiver."))
        return data


class LinkForm(WaslForm):
    target = forms.CharField(
        label=_("Reference number of the other transaction"),
        max_length=40,
        help_text=_("For example EMK-1448-000042."),
    )
    kind = forms.ChoiceField(label=_("Link kind"), choices=LinkKind.choices)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["target"].widget.attrs.update({"dir": "ltr", "autocomplete": "off"})

    def clean_target(self) -> str:
        return fold_digits(self.cleaned_data["target"]).strip().upper()


SORTS = {
    "due": _("Due date, soonest first"),
    "newest": _("Newest first"),
    "oldest": _("Oldest first"),
}
BOXES = ("open", "new", "in_progress", "due_soon", "overdue", "incoming", "held")


class InboxFilterForm(forms.Form):
    """The inbox's filters; every one optional, bad values are reported beside the field."""

    box = forms.ChoiceField(choices=[(b, b) for b in BOXES], required=False)
    kind = forms.ChoiceField(
        label=_("Kind"), required=False, choices=[("", _("All")), *Kind.choices]
    )
    urgency = forms.ChoiceField(
        label=_("Urgency"), required=False, choices=[("", _("All")), *Urgency.choices]
    )
    confidentiality = forms.ChoiceField(
        label=_("Confidentiality"),
        required=False,
        choices=[("", _("All")), *Confidentiality.choices],
    )
    entity = forms.ChoiceField(label=_("Correspondent entity"), required=False)
    date_from = DualDateField(label=_("Registered from"), required=False, help_text="")
    date_to = DualDateField(label=_("Registered to"), required=False, help_text="")
    mine = forms.BooleanField(label=_("Only those addressed to me by name"), required=False)
    sort = forms.ChoiceField(label=_("Sort"), required=False, choices=list(SORTS.items()))
    after = forms.CharField(required=False, max_length=40)

    def __init__(self, *args: Any, entities: Iterable[Entity] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["entity"].choices = [("", _("All")), *entity_choices(entities)[1:]]
        for name in ("date_from", "date_to"):
            self.fields[name].widget.attrs["placeholder"] = "1448/01/01"

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and start > end:
            self.add_error("date_to", _("The end of the range is before its start."))
        return data
