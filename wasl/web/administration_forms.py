"""The shapes of what an entity's administrator types. The forms check the shape; the
directory's and the registry's services decide what is valid, and their errors come back
beside the field they name (`WaslForm.add_service_error`)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from wasl.directory.models import Role, Unit

from .forms import DualDateField, WaslForm
from .labels import ROLES, name_of


def _unit_choices(units: Iterable[Unit], *, blank: str | None = None) -> list[tuple[str, str]]:
    rows = [
        (str(u.public_id), "— " * getattr(u, "depth", 0) + f"{name_of(u)} ({u.code})")
        for u in units
        if u.is_active
    ]
    return ([("", blank)] if blank is not None else []) + rows


def _bilingual(form: forms.Form) -> None:
    """Each name box in the direction and language of what is typed in it."""
    form.fields["name_ar"].widget.attrs.update({"dir": "rtl", "lang": "ar"})
    form.fields["name_en"].widget.attrs.update({"dir": "ltr", "lang": "en"})


def role_choices() -> list[tuple[str, Any]]:
    return [(role, ROLES[role]) for role in Role.values]


class PlaceForm(WaslForm):
    """A person's unit and roles in the entity."""

    unit = forms.ChoiceField(label=_("Unit"))
    roles = forms.MultipleChoiceField(
        label=_("Roles"), widget=forms.CheckboxSelectMultiple, choices=role_choices
    )

    def __init__(self, *args: Any, units: Iterable[Unit] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.units = {str(u.public_id): u for u in units}
        self.fields["unit"].choices = _unit_choices(units, blank=_("— Choose a unit —"))

    def chosen_unit(self) -> Unit:
        return self.units[self.cleaned_data["unit"]]


class InviteForm(PlaceForm):
    """إضافة موظف: the account and its first place."""

    first_name = forms.CharField(label=_("First name"), max_length=150)
    last_name = forms.CharField(label=_("Last name"), max_length=150)
    username = forms.CharField(
        label=_("Username"),
        max_length=40,
        help_text=_("3 to 40 small Latin letters, digits, dots and dashes; it never changes."),
        widget=forms.TextInput(attrs={"dir": "ltr", "autocomplete": "off"}),
    )
    email = forms.EmailField(
        label=_("E-mail"),
        required=False,
        widget=forms.EmailInput(attrs={"dir": "ltr", "autocomplete": "off"}),
    )

    field_order = ["first_name", "last_name", "username", "email", "unit", "roles"]


class UnitForm(WaslForm):
    """إضافة إدارة."""

    code = forms.CharField(
        label=_("Code"),
        max_length=40,
        help_text=_("Capital Latin letters, digits and dashes; it never changes."),
        widget=forms.TextInput(attrs={"dir": "ltr", "autocomplete": "off"}),
    )
    name_ar = forms.CharField(label=_("Name in Arabic"), max_length=200)
    name_en = forms.CharField(label=_("Name in English"), max_length=200, required=False)
    parent = forms.ChoiceField(label=_("Under"), required=False)

    def __init__(self, *args: Any, units: Iterable[Unit] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _bilingual(self)
        self.units = {str(u.public_id): u for u in units}
        self.fields["parent"].choices = _unit_choices(units, blank=_("— At the top —"))

    def chosen_parent(self) -> Unit | None:
        return self.units.get(self.cleaned_data.get("parent") or "")


class RenameForm(WaslForm):
    name_ar = forms.CharField(label=_("Name in Arabic"), max_length=200)
    name_en = forms.CharField(label=_("Name in English"), max_length=200, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _bilingual(self)


class HeadsForm(WaslForm):
    """The unit's heads, from the entity's people. A name that is not offered is put to the
    service anyway, which says why it is refused."""

    heads = forms.MultipleChoiceField(
        label=_("Heads of the unit"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Leave all unticked for a unit without a head."),
    )

    def __init__(self, *args: Any, people: Iterable[tuple[str, str]] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["heads"].choices = [(u, f"{n} ({u})") for u, n in people]
        self.fields["heads"].valid_value = lambda value: True  # type: ignore[method-assign]


class HolidayForm(WaslForm):
    day = DualDateField(label=_("Date"))
    name_ar = forms.CharField(label=_("Name in Arabic"), max_length=120)
    name_en = forms.CharField(label=_("Name in English"), max_length=120, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _bilingual(self)
