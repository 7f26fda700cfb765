"""Administrators keep the directory and the holiday calendar on the admin site; every change
there is in the audit log, and nothing can be deleted."""

from __future__ import annotations

from django.contrib.auth import get_user_model

from wasl.audit.models import AuditRecord
from wasl.audit.services import verify_all
from wasl.registry import calendar
from wasl.registry.models import Holiday


def test_a_holiday_added_on_the_admin_site_is_audited_and_counts_at_once(cast, client):
    admin = get_user_model().objects.create_superuser("root", "root@example.org", "x" * 20)
    client.force_login(admin)
    calendar.holidays()  # warm the cache
    r = client.post(
        "/admin/registry/holiday/add/",
        {"date": "2027-02-22", "name_ar": "يوم التأسيس", "name_en": "Founding Day"},
    )
    assert r.status_code == 302, r.content[:500]
    holiday = Holiday.objects.get()
    record = AuditRecord.objects.get(action="registry.holiday.created")
    assert record.actor == "root"
    assert record.data["name_ar"] == "يوم التأسيس"
    assert holiday.date in calendar.holidays()
    assert verify_all()[1] == []


def test_nothing_can_be_deleted_on_the_admin_site(cast, client):
    admin = get_user_model().objects.create_superuser("root", "root@example.org", "x" * 20)
    client.force_login(admin)
    r = client.get(f"/admin/directory/entity/{cast.emk.pk}/delete/")
    assert r.status_code in (302, 403)
    assert client.get("/admin/registry/transaction/").status_code == 404
