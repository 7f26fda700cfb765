"""Administrators keep the holiday calendar here. Transactions are not on the admin site:
every read of them goes through the access rule, every change through a service."""

from __future__ import annotations

from django.contrib import admin

from wasl.audit.admin import AuditedAdmin

from .models import Holiday


@admin.register(Holiday)
class HolidayAdmin(AuditedAdmin):
    list_display = ["date", "name_ar", "name_en"]
    ordering = ["-date"]
