from __future__ import annotations

from typing import Any

from django.contrib import admin

from wasl.audit.admin import AuditedAdmin, ReadOnlyAdmin

from .models import ApiToken, Entity, Membership, Unit


@admin.register(Entity)
class EntityAdmin(AuditedAdmin):
    list_display = ["code", "name_ar", "name_en", "kind", "parent", "is_active"]
    list_filter = ["kind", "is_active"]
    search_fields = ["code", "name_ar", "name_en"]

    def get_readonly_fields(self, request: Any, obj: Any = None) -> list[str]:
        return ["code"] if obj else []

    def chain_for(self, obj: Any) -> str:
        return str(obj.code)


@admin.register(Unit)
class UnitAdmin(AuditedAdmin):
    list_display = ["name_ar", "code", "entity", "parent", "is_registry", "is_active"]
    list_filter = ["is_registry", "is_active", "entity__kind"]
    search_fields = ["code", "name_ar", "name_en", "entity__code"]
    list_select_related = ["entity", "parent"]
    autocomplete_fields = ["entity", "parent"]

    def chain_for(self, obj: Any) -> str:
        return str(obj.entity.code)


@admin.register(Membership)
class MembershipAdmin(AuditedAdmin):
    list_display = ["user", "role", "unit", "is_active"]
    list_filter = ["role", "is_active"]
    search_fields = ["user__username", "unit__name_ar", "unit__entity__code"]
    list_select_related = ["user", "unit", "unit__entity"]
    autocomplete_fields = ["unit"]

    def chain_for(self, obj: Any) -> str:
        return str(obj.unit.entity.code)


@admin.register(ApiToken)
class ApiTokenAdmin(ReadOnlyAdmin):
    list_display = ["prefix", "user", "label", "created_at", "revoked_at"]
    exclude = ["key_hash"]
