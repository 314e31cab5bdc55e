"""navmap.xlsx: the navigation map in planners' terms (xlsxwriter).

Sheets: 总览, 目标企业清单, 产业链图谱, 县区落地建议, 走出去, 未推荐 (who is left out, and why), 数据说明. Each has Chinese headers, a frozen
header row, an autofilter, column widths fitted to the text (CJK characters count double), number
formats for scores and coordinates, and wrapped long text. The workbook's document properties carry a
fixed date so that the same inputs give the same file.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd
import xlsxwriter

from matcher.outputs.navmap import (
    CHAIN_HEADERS,
    COUNTY_HEADERS,
    NOT_RECOMMENDED_HEADERS,
    OUTBOUND_HEADERS,
    TARGET_COLUMNS,
    TARGET_HEADERS,
)
from matcher.outputs.safe import workbook

if TYPE_CHECKING:
    from matcher.outputs.navmap import Navmap

SHEETS = ("总览", "目标企业清单", "产业链图谱", "县区落地建议", "走出去", "未推荐", "数据说明")

#: columns shown in 目标企业清单 (the CSV keeps every column)
TARGET_SHEET_COLUMNS = [
    "rank", "name", "stock_code", "tags", "home_region", "home_province", "home_city", "chain", "segment",
    "action", "county_name", "county_fit_rank", "alt_county_name", "score", "reasons", "legal_name", "firm_id",
    "county_code", "home_city_code", "industry", "chain_basis", "lon", "lat",
]
FIXED_DATE = dt.datetime(2000, 1, 1)


def display_width(text: object) -> int:
    """Width of a cell's text in Excel character units (CJK and full-width characters count 2)."""
    s = "" if text is None or (isinstance(text, float) and pd.isna(text)) else str(text)
    return sum(2 if ord(ch) > 0x2E80 else 1 for ch in s)


def column_widths(frame: pd.DataFrame, headers: Mapping[str, str], cap: int = 60, minimum: int = 6) -> dict[str, int]:
    """Per column: the wider of header and (90th-percentile) content, capped; long text wraps instead."""
    out = {}
    for c in frame.columns:
        w = [display_width(v) for v in frame[c].head(500)]
        content = int(pd.Series(w).quantile(0.9)) if w else 0
        out[c] = max(minimum, min(cap, max(display_width(headers.get(c, c)) + 2, content + 2)))
    return out


def _cell(v: Any) -> Any:
    if v is None or v is pd.NA:
        return None
    if isinstance(v, float) and pd.isna(v):
        return None
    if hasattr(v, "item"):
        return v.item()
    return v


def write_table(
    wb: xlsxwriter.Workbook,
    name: str,
    frame: pd.DataFrame,
    headers: Mapping[str, str],
    *,
    formats: Mapping[str, Any] | None = None,
    wrap: tuple[str, ...] = (),
    title: str | None = None,
) -> Any:
    """One sheet: optional title row, bold header row (frozen, with autofilter), data, widths."""
    ws = wb.add_worksheet(name)
    head = wb.add_format({"bold": True, "bg_color": "#1F4E79", "font_color": "#FFFFFF", "border": 1,
                          "text_wrap": True, "valign": "vcenter", "align": "center"})
    title_fmt = wb.add_format({"bold": True, "font_size": 14})
    wrap_fmt = wb.add_format({"text_wrap": True, "valign": "top"})
    top_fmt = wb.add_format({"valign": "top"})
    formats = dict(formats or {})
    r0 = 0
    if title:
        ws.write(0, 0, title, title_fmt)
        r0 = 1
    cols = list(frame.columns)
    widths = column_widths(frame, headers)
    for j, c in enumerate(cols):
        ws.write(r0, j, headers.get(c, c), head)
        fmt = formats.get(c) or (wrap_fmt if c in wrap else top_fmt)
        ws.set_column(j, j, widths[c] if c not in wrap else min(80, max(30, widths[c])), fmt)
    for i, row in enumerate(frame.itertuples(index=False), start=r0 + 1):
        for j, v in enumerate(row):
            val = _cell(v)
            if val is None:
                continue
            ws.write(i, j, val)
    ws.freeze_panes(r0 + 1, 0)
    if len(cols):
        ws.autofilter(r0, 0, r0 + max(len(frame), 1), len(cols) - 1)
    ws.set_row(r0, 30)
    return ws


def write_excel(navmap: Navmap, path: str | Path) -> Path:
    """Write the workbook; returns its path."""
    path = Path(path)
    wb = workbook(path)  # text cells stay text: no formulas, links or numbers made of data
    wb.set_properties({
        "title": f"{navmap.city}招商导航图", "subject": "招商引资目标企业与县区落地建议",
        "author": "matcher", "company": "", "created": FIXED_DATE,
    })
    score = wb.add_format({"num_format": "0.000", "valign": "top"})
    coord = wb.add_format({"num_format": "0.0000", "valign": "top"})
    integer = wb.add_format({"num_format": "#,##0", "valign": "top"})
    ratio = wb.add_format({"num_format": "0.00", "valign": "top"})

    ov = navmap.overview.rename(columns={"item": "项目", "value": "内容"})
    write_table(wb, "总览", ov, {}, wrap=("内容",), title=f"{navmap.city}招商导航图")

    t = navmap.targets[[c for c in TARGET_SHEET_COLUMNS if c in TARGET_COLUMNS]]
    ws = write_table(wb, "目标企业清单", t, TARGET_HEADERS, wrap=("reasons",),
                     formats={"score": score, "lon": coord, "lat": coord, "rank": integer, "county_fit_rank": integer})
    ws.freeze_panes(1, 2)  # keep rank and name visible when scrolling right

    write_table(wb, "产业链图谱", navmap.chains, CHAIN_HEADERS,
                wrap=("local_firms", "leaders_national", "anchors_local", "top_targets"),
                formats={"firms_national": integer, "firms_local": integer, "targets": integer, "location_quotient": ratio})
    write_table(wb, "县区落地建议", navmap.counties, COUNTY_HEADERS, wrap=("reasons",),
                formats={"score": score, "fit_rank": integer})
    write_table(wb, "走出去", navmap.outbound, OUTBOUND_HEADERS, wrap=("top_targets",),
                formats={"targets": integer, "best_rank": integer})
    write_table(wb, "未推荐", navmap.not_recommended, NOT_RECOMMENDED_HEADERS, wrap=("reason",),
                formats={"rank_if_eligible": integer})
    notes = navmap.data_notes.rename(columns={"section": "类别", "item": "项目", "note": "说明"})
    write_table(wb, "数据说明", notes, {}, wrap=("说明",))
    wb.close()
    return path


def read_sheet(path: str | Path, sheet: str) -> pd.DataFrame:
    """A sheet read back (headers in row 1, or row 2 for sheets with a title row)."""
    header = 1 if sheet == "总览" else 0
    return pd.read_excel(path, sheet_name=sheet, header=header, dtype=object)
