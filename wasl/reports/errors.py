"""The refusals of Balagh 940, each with a stable code and a message in Arabic and English."""

from __future__ import annotations

from wasl.core.errors import Conflict, InvalidInput


class OutsideServiceArea(InvalidInput):
    code = "outside_service_area"
    message_ar = (
        "الموقع المحدد خارج نطاق الخدمة: لا يقع في أي بلدية فرعية تخدمها أمانة جدة أو أمانة "
        "العاصمة المقدسة (قد يكون في البحر أو خارج المنطقة). حدد موقع البلاغ على الخريطة من جديد."
    )
    message_en = (
        "The location is outside the service area: it lies in no sub-municipality served by "
        "the Jeddah or Holy Capital amanah (it may be at sea or outside the region). "
        "Pick the report's location on the map again."
    )


class NoReceivingUnit(Conflict):
    code = "no_receiving_unit"
    message_ar = "لا توجد إدارة مستقبلة لهذه الفئة في هذا النطاق؛ أبلغ مسؤول المنصة."
    message_en = "No unit receives this category in this area; tell the platform administrator."
