"""Tushare Pro dumps of 2024-05-13 (``tushare_dump_2024/``): stock_basic, stock_company, bak_basic.

Canonical schemas (all codes are strings; ``stock_code`` is the bare 6-digit code):

``load_stock_basic`` — one row per currently listed firm (5,363 in the file):
    ts_code, stock_code, exchange (SZ/SH/BJ), short_name, area, industry_tushare, market,
    list_date (datetime64), controller_name, controller_type
``load_stock_company`` — one row per firm with a company record (5,500):
    ts_code, stock_code, exchange, chairman, reg_capital_wan (float, 10k CNY), setup_date,
    province, city, employees (float)
``load_bak_basic`` — the size snapshot of trade_date 20240513 only (5,364 of 7,000 rows):
    ts_code, stock_code, trade_date, total_assets_yi, total_share_yi, float_share_yi (float)

Quarantine reasons: duplicate code, malformed code, unparseable date or number. The 1,636 rows of
bak_basic dated 20240510 are quarantined with the reason "superseded snapshot": the dump hit
Tushare's 7,000-row cap on the second day it pulled, so only 20240513 is complete (SOURCE.md).
The SOURCE.md row counts are reproduced exactly: 5,363 / 5,500 / 5,364 accepted (+1,636).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from matcher.sources.base import (
    LoadResult,
    concat_quarantine,
    parse_dates,
    parse_numbers,
    quarantine_rows,
    read_json_columns,
)

FOLDER = "tushare_dump_2024"
SNAPSHOT_DATE = "20240513"
TS_CODE_PATTERN = r"^\d{6}\.(SZ|SH|BJ)$"


def _split_ts_code(frame: pd.DataFrame) -> pd.DataFrame:
    out = frame.copy()
    out["stock_code"] = out["ts_code"].str.slice(0, 6)
    out["exchange"] = out["ts_code"].str.slice(7, 9)
    return out


def _bad_codes_and_duplicates(source: str, path: Path, frame: pd.DataFrame) -> tuple[pd.Series, pd.DataFrame]:
    """Mask of rows to keep after refusing malformed and duplicated ts_codes (first occurrence kept)."""
    code_ok = frame["ts_code"].fillna("").str.match(TS_CODE_PATTERN)
    dup = frame["ts_code"].duplicated(keep="first") & code_ok
    q = concat_quarantine(
        [
            quarantine_rows(source, path, frame[~code_ok], "malformed ts_code", column="ts_code"),
            quarantine_rows(source, path, frame[dup], "duplicate ts_code (first occurrence kept)", column="ts_code"),
        ]
    )
    return code_ok & ~dup, q


def load_stock_basic(data_dir: Path) -> LoadResult:
    source = "tushare.stock_basic"
    path = Path(data_dir) / FOLDER / "stock_basic.json"
    raw = read_json_columns(
        path, ["ts_code", "symbol", "name", "area", "industry", "market", "list_date", "act_name", "act_ent_type"]
    )
    keep, q1 = _bad_codes_and_duplicates(source, path, raw)
    list_date, bad_date = parse_dates(raw["list_date"], "%Y%m%d")
    q2 = quarantine_rows(source, path, raw[keep & bad_date], "unparseable list_date", column="list_date")
    keep &= ~bad_date
    out = _split_ts_code(raw[keep])
    frame = pd.DataFrame(
        {
            "ts_code": out["ts_code"],
            "stock_code": out["stock_code"],
            "exchange": out["exchange"],
            "short_name": out["name"],
            "area": out["area"],
            "industry_tushare": out["industry"],
            "market": out["market"],
            "list_date": list_date[keep],
            "controller_name": out["act_name"],
            "controller_type": out["act_ent_type"],
        }
    ).reset_index(drop=True)
    return LoadResult(source, frame, concat_quarantine([q1, q2]), len(raw), [str(path)])


def load_stock_company(data_dir: Path) -> LoadResult:
    source = "tushare.stock_company"
    path = Path(data_dir) / FOLDER / "stock_company.json"
    raw = read_json_columns(
        path, ["ts_code", "exchange", "chairman", "reg_capital", "setup_date", "province", "city", "employees"]
    )
    keep, q1 = _bad_codes_and_duplicates(source, path, raw)
    setup, bad_setup = parse_dates(raw["setup_date"], "%Y%m%d")
    capital, bad_capital = parse_numbers(raw["reg_capital"])
    employees, bad_emp = parse_numbers(raw["employees"])
    parts = [q1]
    for mask, col in ((bad_setup, "setup_date"), (bad_capital, "reg_capital"), (bad_emp, "employees")):
        parts.append(quarantine_rows(source, path, raw[keep & mask], f"unparseable {col}", column=col))
        keep &= ~mask
    out = _split_ts_code(raw[keep])
    frame = pd.DataFrame(
        {
            "ts_code": out["ts_code"],
            "stock_code": out["stock_code"],
            "exchange": out["exchange"],
            "chairman": out["chairman"],
            "reg_capital_wan": capital[keep],
            "setup_date": setup[keep],
            "province": out["province"],
            "city": out["city"],
            "employees": employees[keep],
        }
    ).reset_index(drop=True)
    return LoadResult(source, frame, concat_quarantine(parts), len(raw), [str(path)])


def load_bak_basic(data_dir: Path, trade_date: str = SNAPSHOT_DATE) -> LoadResult:
    source = "tushare.bak_basic"
    path = Path(data_dir) / FOLDER / "bak_basic.json"
    raw = read_json_columns(path, ["trade_date", "ts_code", "total_assets", "total_share", "float_share"])
    on_date = raw["trade_date"] == trade_date
    q0 = quarantine_rows(
        source, path, raw[~on_date], f"superseded snapshot (only trade_date {trade_date} is complete)", column="trade_date"
    )
    keep, q1 = _bad_codes_and_duplicates(source, path, raw[on_date])
    keep = keep.reindex(raw.index, fill_value=False)
    parts = [q0, q1]
    numbers = {}
    for col in ("total_assets", "total_share", "float_share"):
        parsed, bad = parse_numbers(raw[col])
        parts.append(quarantine_rows(source, path, raw[keep & bad], f"unparseable {col}", column=col))
        keep &= ~bad
        numbers[col] = parsed
    out = _split_ts_code(raw[keep])
    frame = pd.DataFrame(
        {
            "ts_code": out["ts_code"],
            "stock_code": out["stock_code"],
            "trade_date": out["trade_date"],
            "total_assets_yi": numbers["total_assets"][keep],
            "total_share_yi": numbers["total_share"][keep],
            "float_share_yi": numbers["float_share"][keep],
        }
    ).reset_index(drop=True)
    return LoadResult(source, frame, concat_quarantine(parts), len(raw), [str(path)])


LOADERS = {
    "tushare.stock_basic": load_stock_basic,
    "tushare.stock_company": load_stock_company,
    "tushare.bak_basic": load_bak_basic,
}
