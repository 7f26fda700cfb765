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
}


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
