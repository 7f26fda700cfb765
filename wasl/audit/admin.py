from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db import transaction
from django.forms import ModelForm
from django.http import HttpRequest

from . import services
from .models import AuditRecord, ChainHead


class AuditedAdmin(admin.ModelAdmin):
    """Admin pages that record every change in the audit log, in the same transaction.
    Nothing is deleted from Wasl: deactivate instead."""

    audit_chain = "system"

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def save_model(self, request: HttpRequest, obj: Any, form: ModelForm, change: bool) -> None:
        meta = obj._meta
        with transaction.atomic():
            super().save_model(request, obj, form, change)
            services.record(
                f"{meta.app_label}.{meta.model_name}.{'changed' if change else 'created'}",
                chain=self.chain_for(obj),
                object_type=meta.model_name,
                object_id=str(getattr(obj, "public_id", obj.pk)),
                actor_id=request.user.pk,
                actor=request.user.get_username(),
                data={
                    name: str(form.cleaned_data.get(name))
                    for name in (form.changed_data if change else form.cleaned_data)
                    if name not in {"password"}
                },
            )

    def chain_for(self, obj: Any) -> str:
        return self.audit_chain


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(AuditRecord)
class AuditRecordAdmin(ReadOnlyAdmin):
    list_display = ["chain", "seq", "created_at", "actor", "action", "object_type", "object_id"]
    list_filter = ["chain", "action"]
    search_fields = ["object_id", "actor", "action"]
    ordering = ["-id"]


@admin.register(ChainHead)
class ChainHeadAdmin(ReadOnlyAdmin):
    list_display = ["chain", "last_seq", "last_hash"]
