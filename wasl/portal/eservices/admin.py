"""An administrator edits a service by publishing its definition again (JSON, checked against
the schema): each save that changes it is a new version; earlier versions are never edited."""

from __future__ import annotations

import json
from typing import Any

from django import forms
from django.contrib import admin
from django.http import HttpRequest

from wasl.core.errors import WaslError

from . import services
from .definitions import check_definition
from .models import Service


class PublishForm(forms.ModelForm):
    definition = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 30, "dir": "ltr", "cols": 100}),
        help_text="تعريف الخدمة بصيغة JSON — the service definition as JSON (a new version "
        "when it changes).",
    )

    class Meta:
        model = Service
        fields = ["is_active"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk and self.instance.current is not None:
            self.initial["definition"] = json.dumps(
                self.instance.current.definition, ensure_ascii=False, indent=1
            )

    def clean_definition(self) -> dict[str, Any]:
        try:
            data = json.loads(self.cleaned_data["definition"])
            checked = check_definition(data)
        except ValueError as exc:
            raise forms.ValidationError(f"JSON: {exc}") from exc
        except WaslError as exc:
            raise forms.ValidationError(f"{exc.message_ar} — {exc.message_en}") from exc
        if self.instance.pk and checked["code"] != self.instance.code:
            raise forms.ValidationError("رمز الخدمة لا يتغير — a service's code does not change.")
        return checked


@admin.register(Service)
class ServiceAdmin(admin.ModelAdmin):
    form = PublishForm
    list_display = ["code", "current", "is_active"]
    search_fields = ["code"]

    def save_model(self, request: HttpRequest, obj: Service, form: Any, change: bool) -> None:
        definition = form.cleaned_data["definition"]
        services.publish(definition, by=request.user.get_username())
        saved = Service.objects.get(code=definition["code"])
        if saved.is_active != obj.is_active:
            saved.is_active = obj.is_active
            saved.save(update_fields=["is_active"])
        obj.pk = saved.pk
        obj.refresh_from_db()
