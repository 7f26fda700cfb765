"""The call-centre agent's form: the shape of what the caller says. The services decide what
is valid; their errors are put back beside the field they name."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from .models import Category
from .services import ADDRESS_MAX, DESCRIPTION_MAX
from .vocabulary import QuestionType

# Where a service's error belongs on the page: its `field` -> the form field.
SERVICE_FIELDS = {
    "location": "lat",
    "lat": "lat",
    "lon": "lon",
    "description": "description",
    "address": "address",
    "contact.name": "caller_name",
    "contact.phone": "caller_phone",
    "contact.email": "caller_email",
    "photos": "photos",
    "note": "note",
    "contact": "phone",
    "into": "into",
}


class MultipleFileInput(forms.FileInput):
    allow_multiple_selected = True


class PhotosField(forms.FileField):
    """Several photos from one input; what they are is checked by `photos.prepare_all`."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault(
            "widget",
            MultipleFileInput(
                attrs={"accept": "image/jpeg,image/png,image/webp", "multiple": True}
            ),
        )
        super().__init__(**kwargs)

    def clean(self, data: Any, initial: Any = None) -> list[Any]:
        items = data if isinstance(data, list | tuple) else ([data] if data else [])
        if self.required and not items:
            raise forms.ValidationError(self.error_messages["required"], code="required")
        return [forms.FileField.clean(self, item, initial) for item in items]


PHOTOS_HELP = _(
    "Up to 5 photos (JPEG, PNG or WebP), 10 MB each. Location and camera details are removed."
)


class CallForm(forms.Form):
    lat = forms.CharField(label=_("Latitude"), max_length=32)
    lon = forms.CharField(label=_("Longitude"), max_length=32)
    address = forms.CharField(
        label=_("Address or landmark"), max_length=ADDRESS_MAX, required=False
    )
    description = forms.CharField(
        label=_("What the caller reports"),
        max_length=DESCRIPTION_MAX,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    caller_name = forms.CharField(label=_("Caller's name"), max_length=200, required=False)
    caller_phone = forms.CharField(label=_("Caller's mobile"), max_length=20, required=False)
    caller_email = forms.CharField(label=_("Caller's e-mail"), max_length=254, required=False)
    photos = PhotosField(label=_("Photos"), required=False, help_text=PHOTOS_HELP)
    confirm_new = forms.BooleanField(
        label=_("None of these is the same problem: register a new report"), required=False
    )

    def __init__(self, category: Category, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.category = category
        english = (get_language() or "ar").startswith("en")
        for ltr in ("lat", "lon", "caller_phone", "caller_email"):
            self.fields[ltr].widget.attrs["dir"] = "ltr"
        self.fields["lat"].widget.attrs["inputmode"] = "decimal"
        self.fields["lon"].widget.attrs["inputmode"] = "decimal"
        for q in category.questions:
            label = q["label_en"] if english else q["label_ar"]
            choices = [
                (v["key"], v["name_en"] if english else v["name_ar"]) for v in q.get("values", [])
            ]
            required = bool(q.get("required"))
            field: forms.Field
            if q["type"] == QuestionType.SINGLE:
                field = forms.ChoiceField(
                    label=label, choices=[("", "—"), *choices], required=required
                )
            elif q["type"] == QuestionType.MULTI:
                field = forms.MultipleChoiceField(
                    label=label,
                    choices=choices,
                    required=required,
                    widget=forms.CheckboxSelectMultiple,
                )
            else:
                field = forms.CharField(label=label, max_length=200, required=required)
            self.fields[f"q_{q['code']}"] = field

    def question_fields(self) -> list[Any]:
        return [self[name] for name in self.fields if name.startswith("q_")]

    def answers(self) -> dict[str, Any]:
        return {
            name[2:]: value
            for name, value in self.cleaned_data.items()
            if name.startswith("q_") and value not in ("", [], None)
        }

    def field_for(self, service_field: str | None) -> str | None:
        if not service_field:
            return None
        if service_field.startswith("answers."):
            name = "q_" + service_field.split(".", 1)[1]
            return name if name in self.fields else None
        return SERVICE_FIELDS.get(service_field)


class PortalReportForm(CallForm):
    """A citizen's own report on the portal: the call centre's fields in the reporter's words
    (the contact details are how they are told of the outcome)."""

    def __init__(self, category: Category, *args: Any, **kwargs: Any) -> None:
        super().__init__(category, *args, **kwargs)
        labels = {
            "description": _("What is the problem?"),
            "caller_name": _("Your name"),
            "caller_phone": _("Your mobile"),
            "caller_email": _("Your e-mail"),
            "confirm_new": _("None of these is my problem: submit a new report"),
        }
        for name, label in labels.items():
            self.fields[name].label = label
        self.fields["caller_phone"].widget.attrs.update(inputmode="tel", autocomplete="tel")
        self.fields["caller_email"].widget.attrs.update(inputmode="email", autocomplete="email")


class CloseForm(forms.Form):
    """Staff close a report with proof: a note and the photos of the fix."""

    note = forms.CharField(
        label=_("What was done"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    photos = PhotosField(label=_("Photos of the fix"), required=True, help_text=PHOTOS_HELP)

    def field_for(self, service_field: str | None) -> str | None:
        return SERVICE_FIELDS.get(service_field or "")


class FollowForm(forms.Form):
    """Someone with the same problem joins a report on its public page: a signed-in person
    needs nothing more; anyone else gives a mobile number or an e-mail address."""

    phone = forms.CharField(label=_("Your mobile"), max_length=20, required=False)
    email = forms.CharField(label=_("Your e-mail"), max_length=254, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in ("phone", "email"):
            self.fields[name].widget.attrs["dir"] = "ltr"
        self.fields["phone"].widget.attrs.update(inputmode="tel", autocomplete="tel")
        self.fields["email"].widget.attrs.update(inputmode="email", autocomplete="email")

    def field_for(self, service_field: str | None) -> str | None:
        return {"contact": "phone", "contact.phone": "phone", "contact.email": "email"}.get(
            service_field or ""
        )


class MergeForm(forms.Form):
    """Staff merge this report, a duplicate, into the report filed first."""

    into = forms.CharField(
        label=_("Reference of the report filed first"),
        max_length=40,
        help_text=_("Choose one of the open reports nearby, or type its reference."),
    )
    across_categories = forms.BooleanField(
        label=_("The two reports are the same problem although their categories differ"),
        required=False,
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["into"].widget.attrs["dir"] = "ltr"

    def field_for(self, service_field: str | None) -> str | None:
        return "into" if service_field == "into" else None


STATUS_CHOICES = [("", _("Open and closed")), ("open", _("Open")), ("closed", _("Closed"))]


class MapFilterForm(forms.Form):
    """The map's filters: category, status and a range of dates, all optional."""

    category = forms.ChoiceField(label=_("Category"), required=False)
    status = forms.ChoiceField(label=_("Status"), choices=STATUS_CHOICES, required=False)
    since = forms.DateField(
        label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    until = forms.DateField(
        label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, categories: list[Category], *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        english = (get_language() or "ar").startswith("en")
        self.fields["category"].choices = [  # type: ignore[attr-defined]
            ("", _("All categories")),
            *((c.code, c.name_en if english else c.name_ar) for c in categories),
        ]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        since, until = data.get("since"), data.get("until")
        if since and until and since > until:
            self.add_error("until", _("The end date is before the start date."))
        return data
