"""The texts of Jalsa's notices are data an administrator edits; sessions and bookings change
only through the services (the pages), so the admin does not offer them."""

from __future__ import annotations

from django.contrib import admin

from .models import NoticeText


@admin.register(NoticeText)
class NoticeTextAdmin(admin.ModelAdmin):
    list_display = ("notice", "language", "body")
    list_filter = ("notice", "language")
    readonly_fields = ("notice", "language")

    def has_add_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False  # one text per notice and language, written by migration 0002

    def has_delete_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False
