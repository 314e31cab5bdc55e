"""Reports and exports: the lead list as Excel and CSV, the weekly/half-monthly/monthly reports as pages and Excel.

Mounted before :mod:`.leads`, so ``/leads/export.*`` is matched before ``/leads/{lead_id}``.
"""

from __future__ import annotations

import datetime as dt
import io

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from matcher.workbench import reports as R
from matcher.workbench.web.deps import Scope, Wb, download, page
from matcher.workbench.web.render import fmt_time

router = APIRouter()
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _lead_filters(stage: str, unit: str, q: str, overdue: str) -> dict[str, object]:
    return {"stage": stage, "unit": unit, "q": q, "overdue": bool(overdue)}


@router.get("/leads/export.xlsx")
def leads_xlsx(wb: Wb, actor: Scope, stage: str = "", unit: str = "", q: str = "", overdue: str = "") -> Response:
    rows = R.lead_export_rows(wb, actor, **_lead_filters(stage, unit, q, overdue))
    buf = io.BytesIO()
    wbk = R.workbook(buf)
    R.write_sheet(wbk, "项目库", [h for _, h in R.LEAD_EXPORT_COLUMNS], rows, [10, 30, 30, 20, 10, 10, 12, 10, 10, 14] + [14] * 11,
                  title=f"{wb.settings.city}招商项目库（导出时间 {fmt_time(dt.datetime.now(dt.UTC).replace(tzinfo=None))}）")
    wbk.close()
    return download(buf.getvalue(), "项目库.xlsx", XLSX)


@router.get("/leads/export.csv")
def leads_csv(wb: Wb, actor: Scope, stage: str = "", unit: str = "", q: str = "", overdue: str = "") -> Response:
    rows = R.lead_export_rows(wb, actor, **_lead_filters(stage, unit, q, overdue))
    return download(R.write_csv(rows, [h for _, h in R.LEAD_EXPORT_COLUMNS]), "项目库.csv", "text/csv; charset=utf-8")


def _report_day(day: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(day) if day else None
    except ValueError:
        return None


@router.get("/reports", response_class=HTMLResponse)
def reports(request: Request, wb: Wb, actor: Scope, period: str = "week", day: str = "") -> Response:
    if period not in R.PERIODS:
        period = "week"
    rep = R.build_report(wb, actor, period, _report_day(day))
    return page(request, "reports.html", {"rep": rep, "period": period, "day": day, "cols": R.SUMMARY_COLUMNS})


@router.get("/reports/export.xlsx")
def reports_xlsx(wb: Wb, actor: Scope, period: str = "week", day: str = "") -> Response:
    if period not in R.PERIODS:
        period = "week"
    rep = R.build_report(wb, actor, period, _report_day(day))
    buf = io.BytesIO()
    R.report_xlsx(rep, wb.settings.city, buf)
    return download(buf.getvalue(), f"{R.PERIODS[period]}_{rep['period'].start.isoformat()}.xlsx", XLSX)
