"""Reports by period and unit: 周调度 (weekly dispatch), 半月通报 (half-monthly bulletin), 月考核 (monthly
assessment); as tables for the pages and the CLI, and as Excel in planners' terms.

Counting rules (stated on the report's 说明 sheet):

- a lead counts for the unit that held it when the event happened (a lead created by the city bureau
  and not yet routed counts for 市本级（未分派）);
- 新增项目: leads entered in the period; 环节推进: stage moves in the period; 预审: pre-reviews filled;
- 签约 / 落地 / 开工 / 投产: moves into that stage dated in the period (the date the planner entered);
  签约额 is the contract amount entered on the 签约 move; 到位资金 adds up the amounts entered as
  newly arrived on moves and progress records in the period;
- 在库项目: leads the unit holds at the time of the report, not 终止; 逾期 and 逾期占比: those of them
  overdue on a deadline rule (``data/workbench/deadlines.yaml``) at that time.
"""

from __future__ import annotations

import calendar
import csv
import datetime as dt
import io
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
from sqlalchemy import func, select

from matcher.workbench import config as C
from matcher.workbench.models import Lead, LeadEvent, utcnow
from matcher.workbench.services import Actor, Workbench

PERIODS = {"week": "周调度", "half-month": "半月通报", "month": "月考核"}

SUMMARY_COLUMNS: list[tuple[str, str]] = [
    ("unit", "单位"), ("new_leads", "新增项目"), ("stage_moves", "环节推进"), ("reviews", "预审"),
    ("signed", "签约（个）"), ("signed_amount", "签约额（万元）"), ("landed", "落地（个）"), ("started", "开工（个）"),
    ("producing", "投产（个）"), ("paid_in", "到位资金（万元）"), ("active", "在库项目"), ("overdue", "逾期项目"),
    ("overdue_share", "逾期占比"),
]


@dataclass
class Period:
    kind: str
    start: dt.date
    end: dt.date  # inclusive

    @property
    def title(self) -> str:
        return f"{PERIODS[self.kind]}（{self.start.isoformat()} 至 {self.end.isoformat()}）"


def period_of(kind: str, day: dt.date) -> Period:
    """The period of ``kind`` that contains ``day`` (weeks run Monday–Sunday; half-months 1–15, 16–end)."""
    if kind not in PERIODS:
        raise ValueError(f"period must be one of {', '.join(PERIODS)}")
    if kind == "week":
        start = day - dt.timedelta(days=day.weekday())
        return Period(kind, start, start + dt.timedelta(days=6))
    last = calendar.monthrange(day.year, day.month)[1]
    if kind == "month":
        return Period(kind, day.replace(day=1), day.replace(day=last))
    if day.day <= 15:
        return Period(kind, day.replace(day=1), day.replace(day=15))
    return Period(kind, day.replace(day=16), day.replace(day=last))


def build_report(wb: Workbench, actor: Actor, kind: str, day: dt.date | None = None,
                 now: dt.datetime | None = None) -> dict[str, Any]:
    """The report of the period ``kind`` containing ``day``: a per-unit summary and, for the weekly
    dispatch and the bulletin, the lists behind it (new leads, stage moves, overdue). Scoped: a county
    user gets their own unit only."""
    now = now or utcnow()
    period = period_of(kind, day or now.date())
    units = [(c, n) for c, n in wb.county_units()]
    if actor.role == C.COUNTY:
        units = [(c, n) for c, n in units if c == actor.unit_code]
        keys: list[str | None] = [c for c, _ in units]
    else:
        keys = [None] + [c for c, _ in units]
    start_at = dt.datetime.combine(period.start, dt.time())
    end_at = dt.datetime.combine(period.end + dt.timedelta(days=1), dt.time())

    def unit_filter(col: Any) -> Any:
        if actor.role == C.COUNTY:
            return col == actor.unit_code
        return True

    with wb.db.reader() as s:
        ev_at = (LeadEvent.at >= start_at) & (LeadEvent.at < end_at)
        ev_date = (LeadEvent.event_date >= period.start) & (LeadEvent.event_date <= period.end)

        def count_by(cond: Any, value: Any = None) -> dict[str | None, float]:
            agg = func.count() if value is None else func.coalesce(func.sum(value), 0.0)
            rows = s.execute(select(LeadEvent.unit_code, agg).where(cond, unit_filter(LeadEvent.unit_code)).group_by(LeadEvent.unit_code)).all()
            return {u: float(n) for u, n in rows}

        new = count_by(ev_at & (LeadEvent.kind == "录入"))
        moves = count_by(ev_date & (LeadEvent.kind == "环节"))
        reviews = count_by(ev_at & (LeadEvent.kind == "预审"))
        stage_counts = {st: count_by(ev_date & (LeadEvent.kind == "环节") & (LeadEvent.to_stage == st)) for st in ("签约", "落地", "开工", "投产")}
        signed_amount = count_by(ev_date & (LeadEvent.kind == "环节") & (LeadEvent.to_stage == "签约"), LeadEvent.contract_amount_wan)
        paid = count_by(ev_date & LeadEvent.kind.in_(("环节", "进展")), LeadEvent.paid_in_wan)
        active_rows = s.execute(select(Lead.unit_code, func.count()).where(Lead.stage != "终止", unit_filter(Lead.unit_code)).group_by(Lead.unit_code)).all()
        overdue_rows = s.execute(select(Lead.unit_code, func.count()).where(Lead.stage != "终止", unit_filter(Lead.unit_code), wb.overdue_clause(now))
                                 .group_by(Lead.unit_code)).all()
        active = {u: int(n) for u, n in active_rows}
        overdue = {u: int(n) for u, n in overdue_rows}

        summary = []
        for key in keys:
            a, o = active.get(key, 0), overdue.get(key, 0)
            summary.append({
                "unit_code": key, "unit": wb.unit_name(key), "new_leads": int(new.get(key, 0)),
                "stage_moves": int(moves.get(key, 0)), "reviews": int(reviews.get(key, 0)),
                "signed": int(stage_counts["签约"].get(key, 0)), "signed_amount": round(signed_amount.get(key, 0.0), 2),
                "landed": int(stage_counts["落地"].get(key, 0)), "started": int(stage_counts["开工"].get(key, 0)),
                "producing": int(stage_counts["投产"].get(key, 0)), "paid_in": round(paid.get(key, 0.0), 2),
                "active": a, "overdue": o, "overdue_share": round(o / a, 4) if a else 0.0,
            })
        total = {"unit_code": "", "unit": "合计"}
        for k, _ in SUMMARY_COLUMNS[1:]:
            total[k] = round(sum(r[k] for r in summary), 2) if k != "overdue_share" else 0.0
        total["overdue_share"] = round(total["overdue"] / total["active"], 4) if total["active"] else 0.0

        details: dict[str, list[dict[str, Any]]] = {}
        if kind in ("week", "half-month"):
            def lead_rows(cond: Any, limit: int = 500) -> list[dict[str, Any]]:
                stmt = wb.lead_scope(actor, select(LeadEvent, Lead).join(Lead, Lead.id == LeadEvent.lead_id)).where(
                    cond, unit_filter(LeadEvent.unit_code))
                out = []
                for ev, lead in s.execute(stmt.order_by(LeadEvent.event_date, LeadEvent.id).limit(limit)).all():
                    out.append({"lead_id": lead.id, "unit": wb.unit_name(ev.unit_code), "firm_name": lead.firm_name,
                                "project_name": lead.project_name, "date": ev.event_date.isoformat(),
                                "from_stage": ev.from_stage or "", "to_stage": ev.to_stage or "",
                                "contract_amount_wan": ev.contract_amount_wan, "note": ev.note or ""})
                return out

            details["新增项目"] = lead_rows(ev_at & (LeadEvent.kind == "录入"))
            details["环节推进"] = lead_rows(ev_date & (LeadEvent.kind == "环节"))
            od = s.scalars(wb.lead_scope(actor, select(Lead)).where(Lead.stage != "终止", wb.overdue_clause(now))
                           .order_by(Lead.unit_code, Lead.id).limit(1000)).all()
            details["逾期事项"] = [{"lead_id": x.id, "unit": wb.unit_name(x.unit_code), "firm_name": x.firm_name,
                                 "project_name": x.project_name, "stage": x.stage, "owner_name": x.owner_name or "",
                                 "overdue": "；".join(wb.overdue_flags(x, now))} for x in od]
    return {"period": period, "summary": summary, "total": total, "details": details, "generated_at": now}


# ---------------------------------------------------------------------------------------------------
# Excel and CSV (formula-safe)
# ---------------------------------------------------------------------------------------------------
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def csv_safe(value: Any) -> Any:
    """OWASP CSV-injection rule: a text cell starting with = + - @ tab or CR gets a leading apostrophe."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def write_csv(rows: list[list[Any]], header: list[str]) -> bytes:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow(header)
    for r in rows:
        w.writerow(["" if v is None else csv_safe(v) for v in r])
    return buf.getvalue().encode("utf-8-sig")


def workbook(target: Any) -> Any:
    """An xlsxwriter workbook that never turns text into formulas, numbers or links."""
    import xlsxwriter

    return xlsxwriter.Workbook(target, {"strings_to_formulas": False, "strings_to_numbers": False,
                                        "strings_to_urls": False, "in_memory": True})


def write_sheet(wbk: Any, name: str, header: list[str], rows: list[list[Any]], widths: list[int] | None = None,
                title: str | None = None) -> None:
    """One sheet: an optional title row, a bold header, then rows; text always written as text."""
    ws = wbk.add_worksheet(name[:31])
    bold = wbk.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1, "text_wrap": True})
    head = wbk.add_format({"bold": True, "font_size": 13})
    num = wbk.add_format({"num_format": "#,##0.##"})
    r0 = 0
    if title:
        ws.write_string(0, 0, title, head)
        r0 = 2
    for j, h in enumerate(header):
        ws.write_string(r0, j, h, bold)
        ws.set_column(j, j, (widths[j] if widths and j < len(widths) else 14))
    for i, row in enumerate(rows, start=r0 + 1):
        for j, v in enumerate(row):
            if v is None or (isinstance(v, float) and v != v):
                ws.write_blank(i, j, None)
            elif isinstance(v, bool):
                ws.write_string(i, j, "是" if v else "否")
            elif isinstance(v, int | float):
                ws.write_number(i, j, float(v), num)
            else:
                ws.write_string(i, j, str(v))
    ws.freeze_panes(r0 + 1, 0)


def report_xlsx(report: dict[str, Any], city: str, target: Any) -> None:
    """Write the report to ``target`` (a path or a binary stream)."""
    period: Period = report["period"]
    wbk = workbook(target)
    header = [h for _, h in SUMMARY_COLUMNS]
    rows = []
    for r in report["summary"] + [report["total"]]:
        rows.append([r[k] if k != "overdue_share" else f"{100 * r[k]:.1f}%" for k, _ in SUMMARY_COLUMNS])
    write_sheet(wbk, "汇总", header, rows, [22] + [12] * (len(header) - 1), title=f"{city}招商项目{period.title}")
    if "新增项目" in report["details"]:
        cols = [("lead_id", "项目编号"), ("unit", "单位"), ("firm_name", "企业"), ("project_name", "项目"), ("date", "日期"), ("note", "说明")]
        write_sheet(wbk, "新增项目", [h for _, h in cols], [[d[k] for k, _ in cols] for d in report["details"]["新增项目"]], [10, 20, 30, 30, 12, 40])
        cols = [("lead_id", "项目编号"), ("unit", "单位"), ("firm_name", "企业"), ("from_stage", "原环节"), ("to_stage", "新环节"),
                ("date", "日期"), ("contract_amount_wan", "合同额（万元）"), ("note", "说明")]
        write_sheet(wbk, "环节推进", [h for _, h in cols], [[d[k] for k, _ in cols] for d in report["details"]["环节推进"]], [10, 20, 30, 10, 10, 12, 14, 40])
        cols = [("lead_id", "项目编号"), ("unit", "单位"), ("firm_name", "企业"), ("project_name", "项目"), ("stage", "环节"),
                ("owner_name", "责任人"), ("overdue", "逾期事项")]
        write_sheet(wbk, "逾期事项", [h for _, h in cols], [[d[k] for k, _ in cols] for d in report["details"]["逾期事项"]], [10, 20, 30, 30, 10, 12, 40])
    notes = [
        ["统计口径"],
        ["项目按事项发生时所在单位统计；市投促局录入、尚未推送的项目计入“市本级（未分派）”。"],
        ["新增项目：本期录入的项目；环节推进：本期的环节变更；预审：本期完成的预审评估。"],
        ["签约、落地、开工、投产：本期内（按填报的日期）进入该环节的项目个数；签约额为签约时填报的合同额。"],
        ["到位资金：本期环节变更和进展记录中填报的本次到位资金之和。"],
        ["在库项目：报表生成时各单位持有、未终止的项目；逾期项目与逾期占比按工作时限规则计算。"],
        [f"报表生成时间（协调世界时）：{report['generated_at'].strftime('%Y-%m-%d %H:%M')}"],
    ]
    write_sheet(wbk, "说明", ["说明"], notes, [100])
    wbk.close()


def write_report_files(wb: Workbench, actor: Actor, kind: str, out_dir: str | Path, day: dt.date | None = None) -> dict[str, Path]:
    """The report as ``<city><title>.xlsx`` and its summary as CSV in ``out_dir`` (for cron)."""
    rep = build_report(wb, actor, kind, day)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    period: Period = rep["period"]
    stem = f"{wb.settings.city}_{PERIODS[kind]}_{period.start.isoformat()}_{period.end.isoformat()}"
    xlsx = out / f"{stem}.xlsx"
    report_xlsx(rep, wb.settings.city, str(xlsx))
    rows = [[r[k] for k, _ in SUMMARY_COLUMNS] for r in rep["summary"] + [rep["total"]]]
    csvp = out / f"{stem}.csv"
    csvp.write_bytes(write_csv(rows, [h for _, h in SUMMARY_COLUMNS]))
    return {"xlsx": xlsx, "csv": csvp}


def report_frame(report: dict[str, Any]) -> pd.DataFrame:
    rows = report["summary"] + [report["total"]]
    return pd.DataFrame([[r[k] for k, _ in SUMMARY_COLUMNS] for r in rows], columns=[h for _, h in SUMMARY_COLUMNS])


LEAD_EXPORT_COLUMNS: list[tuple[str, str]] = [
    ("id", "项目编号"), ("firm_name", "企业名称"), ("project_name", "项目名称"), ("unit", "所在单位"), ("route_status", "推送状态"),
    ("stage", "环节"), ("stage_date", "环节日期"), ("owner_name", "责任人"), ("leader_name", "包联领导"), ("chain", "产业链"),
    ("capital_type", "资金来源"), ("amount_wan", "项目总投资（万元）"), ("fixed_investment_wan", "固定资产投资（万元）"),
    ("land_mu", "用地（亩）"), ("jobs", "带动就业（人）"), ("expected_tax_wan", "预计年税收（万元）"),
    ("contract_amount_wan", "合同额（万元）"), ("paid_in_wan", "累计到位资金（万元）"), ("review_conclusion", "预审结论"),
    ("overdue", "逾期事项"), ("notes", "备注"),
]


def lead_export_rows(wb: Workbench, actor: Actor, **filters: Any) -> list[list[Any]]:
    """Every lead the actor may see (with the list's filters), as export rows."""
    now = utcnow()
    page = wb.list_leads(actor, page=1, size=100_000, **filters)
    rows = []
    for lead in page.rows:
        d = {k: getattr(lead, k, None) for k, _ in LEAD_EXPORT_COLUMNS}
        d["unit"] = wb.unit_name(lead.unit_code)
        d["stage"] = C.STAGE_LABELS.get(lead.stage, lead.stage)
        d["stage_date"] = lead.stage_date.isoformat() if lead.stage_date else ""
        d["overdue"] = "；".join(wb.overdue_flags(lead, now))
        rows.append([d[k] for k, _ in LEAD_EXPORT_COLUMNS])
    return rows
