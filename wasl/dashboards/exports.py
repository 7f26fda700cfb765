"""The figures of a dashboard page as an Excel workbook (openpyxl) and as a PDF report
(WeasyPrint: Arabic shaped by Pango, the charts drawn with the same HTML and CSS as the
page)."""

from __future__ import annotations

import io
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from wasl.registry.vocabulary import Direction, Kind, Urgency

from . import charts
from .measures import Figures
from .presenters import age_label

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
HEADER = PatternFill("solid", fgColor="E3F1EA")
BOLD = Font(bold=True)


def _filename(context: dict[str, Any], ext: str) -> str:
    scope = context["scope"]
    base = slugify(scope.token.replace(":", "-")) or "region"
    return f"wasl-{base}-{context['period'].start:%Y%m%d}-{context['period'].end:%Y%m%d}.{ext}"


def _sheet(wb: Workbook, title: str, header: list[str], rows: list[list[Any]]) -> None:
    ws = wb.create_sheet(title)
    ws.sheet_view.rightToLeft = True
    ws.append(header)
    for cell in ws[1]:
        cell.font, cell.fill = BOLD, HEADER
    for row in rows:
        ws.append(row)
    for i in range(1, len(header) + 1):
        ws.column_dimensions[get_column_letter(i)].width = 18 if i > 1 else 42
    ws.freeze_panes = "A2"


def _figure_rows(f: Figures) -> list[list[Any]]:
    rate = f.on_time_rate
    rows: list[list[Any]] = [
        ["الوارد", f.received],
        ["المنجز", f.completed],
        ["المنجز في الموعد", f.on_time],
        ["نسبة الإنجاز في الموعد", None if rate is None else round(rate, 4)],
        ["قيد الإجراء", f.open],
        ["المتأخر", f.overdue],
        ["وسيط مدة الإنجاز (أيام عمل)", f.median_days],
        ["المئين 90 لمدة الإنجاز (أيام عمل)", f.p90_days],
    ]
    if f.item == "t":
        per = f.referrals_per_transaction
        rows.append(["الإحالات لكل معاملة", None if per is None else round(per, 3)])
    return rows


def workbook(context: dict[str, Any]) -> Workbook:
    m = context["measures"]
    wb = Workbook()
    summary = wb.active
    summary.title = "الملخص"
    summary.sheet_view.rightToLeft = True
    summary.append(["وصل — لوحة المتابعة"])
    summary["A1"].font = Font(bold=True, size=14)
    summary.append(["النطاق", m.scope.name_ar])
    summary.append(["الفترة", f"{m.period.label} ({m.period.start} – {m.period.end})"])
    summary.append(["قيد الإجراء والمتأخر في", m.today.isoformat()])
    summary.append([])
    summary.append(["المقياس", "المعاملات", "الإحالات"])
    for cell in summary[summary.max_row]:
        cell.font, cell.fill = BOLD, HEADER
    referrals = dict(_figure_rows(m.referrals)) if m.referrals is not None else {}
    for label, value in _figure_rows(m.transactions):
        summary.append([label, value, referrals.get(label)])
    summary.column_dimensions["A"].width = 40
    summary.column_dimensions["B"].width = 44
    summary.column_dimensions["C"].width = 18
    for row in summary.iter_rows():
        for cell in row:
            cell.alignment = Alignment(horizontal="right")
    t = m.transactions
    _sheet(
        wb,
        "الاتجاه الشهري",
        ["الشهر", "من", "إلى", "الوارد", "المنجز"],
        [[p.period.label, p.period.start, p.period.end, p.received, p.completed] for p in m.trend],
    )
    _sheet(
        wb,
        "التوزيع",
        ["التصنيف", "القيمة", "الوارد"],
        # There is no channel on a transaction yet: its direction stands for it
        # (docs/measures.md). The sheet is in Arabic whatever the page's language.
        [["نوع المعاملة", Kind(k).label_ar, n] for k, n in t.by_kind.items()]
        + [["درجة الاستعجال", Urgency(k).label_ar, n] for k, n in t.by_urgency.items()]
        + [["القناة (الاتجاه)", Direction(k).label_ar, n] for k, n in t.by_direction.items()],
    )
    _sheet(
        wb,
        "أعمار قيد الإجراء",
        ["العمر منذ الورود", "المعاملات", "الإحالات"],
        [
            [age_label(i), n, None if m.referrals is None else m.referrals.ages[i]]
            for i, n in enumerate(t.ages)
        ],
    )
    _sheet(
        wb,
        "مدة الإنجاز",
        ["أيام العمل", "المعاملات المنجزة"],
        [[d, n] for d, n in sorted(t.histogram.items())],
    )
    children = context["children"]
    if children.get("entities"):
        _sheet(
            wb,
            "الجهات",
            [
                "الجهة",
                "الوارد",
                "المنجز",
                "قيد الإجراء",
                "المتأخر",
                "نسبة الإنجاز في الموعد",
                "وسيط الأيام",
            ],
            [
                [
                    r["name_ar"],
                    r["received"],
                    r["completed"],
                    r["in_progress"],
                    r["overdue"],
                    r["on_time_rate"],
                    r["completion_days_median"],
                ]
                for r in children["entities"]
            ],
        )
        _sheet(
            wb,
            "المحافظات",
            ["المحافظة", "الوارد", "المنجز", "قيد الإجراء", "المتأخر", "نسبة الإنجاز في الموعد"],
            [
                [
                    r["name_ar"],
                    r["received"],
                    r["completed"],
                    r["in_progress"],
                    r["overdue"],
                    r["on_time_rate"],
                ]
                for r in children["governorates"]
            ],
        )
    if children.get("units"):
        _sheet(
            wb,
            "الإدارات",
            [
                "الإدارة",
                "الإحالات الواردة",
                "المنجزة",
                "بانتظار الإنجاز",
                "المتأخرة",
                "نسبة الإنجاز في الموعد",
                "وسيط الأيام",
                "معاملاتها قيد الإجراء",
            ],
            [
                [
                    u["name_ar"],
                    u["r"]["received"],
                    u["r"]["completed"],
                    u["r"]["in_progress"],
                    u["r"]["overdue"],
                    u["r"]["on_time_rate"],
                    u["r"]["completion_days_median"],
                    u["t"]["in_progress"],
                ]
                for u in children["units"]
            ],
        )
    return wb


def xlsx_response(context: dict[str, Any]) -> HttpResponse:
    buffer = io.BytesIO()
    workbook(context).save(buffer)
    response = HttpResponse(buffer.getvalue(), content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="{_filename(context, "xlsx")}"'
    return response


def _svg_bars(bars: list[Any]) -> list[dict[str, Any]]:
    # The report is in Arabic: a bar starts at the right edge of its track.
    out = []
    for b in bars:
        x, w = charts.bar_span(b.share, rtl=True)
        out.append({"label": b.label, "value": b.value, "x": x, "w": w})
    return out


def _block(title: str, data: dict[str, Any]) -> dict[str, Any]:
    return {
        "title": title,
        "data": data,
        "panels": [
            {
                "title": _("In progress, by time since received"),
                "bars": _svg_bars(data["ages"]),
                "colour": "#6b8f7d",
            },
            {
                "title": _("Received by urgency"),
                "bars": _svg_bars(data["by_urgency"]),
                "colour": "#0b5d3b",
            },
            {
                "title": _("Completion time (working days)"),
                "bars": _svg_bars(data["histogram"]),
                "colour": "#0b5d3b",
            },
        ],
    }


def _trend_svg(points: list[dict[str, Any]]) -> dict[str, Any]:
    """Columns of the monthly trend, the oldest month on the right (right to left)."""
    slot, bar = 20, 7
    width = slot * max(1, len(points))
    cols = []
    for i, p in enumerate(points):
        right = width - i * slot - 3
        h_in, h_out = round(95 * p["received_share"], 2), round(95 * p["completed_share"], 2)
        cols.append(
            {
                "x_in": right - bar,
                "y_in": 100 - h_in,
                "h_in": h_in,
                "x_out": right - 2 * bar - 1,
                "y_out": 100 - h_out,
                "h_out": h_out,
            }
        )
    return {"width": width, "bar": bar, "cols": cols}


def pdf_bytes(request: HttpRequest | None, context: dict[str, Any]) -> bytes:
    from weasyprint import HTML

    blocks = [_block(_("Transactions"), context["t"])]
    if context.get("r"):
        blocks.append(_block(_("Referrals"), context["r"]))
    html = render_to_string(
        "dashboards/report.html",
        {
            **context,
            "blocks": blocks,
            "trend_svg": _trend_svg(context["trend"]),
            "printed_at": timezone.localtime(),
        },
        request=request,
    )
    return HTML(string=html).write_pdf()  # type: ignore[no-any-return]


def pdf_response(request: HttpRequest, context: dict[str, Any]) -> HttpResponse:
    response = HttpResponse(pdf_bytes(request, context), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{_filename(context, "pdf")}"'
    return response
