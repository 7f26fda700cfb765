"""Administrators keep the holiday calendar here. Transactions are not on the admin site:
every read of them goes through the access rule, every change through a service."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.forms import ModelForm
from django.http import HttpRequest

from wasl.audit.admin import AuditedAdmin

from . import calendar
from .models import Holiday


@admin.register(Holiday)
class HolidayAdmin(AuditedAdmin):
    list_display = ["date", "name_ar", "name_en"]
    ordering = ["-date"]

    def save_model(self, request: HttpRequest, obj: Any, form: ModelForm, change: bool) -> None:
        super().save_model(request, obj, form, change)
        calendar.forget_holidays()
