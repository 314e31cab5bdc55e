"""Exchange-published A-share lists of October 2025 (``szse_sse_lists_2025/``).

Both files are the exchanges' own "download list" exports. Every cell is read as text (codes keep
their leading zeros); header names lose their padding spaces (``省    份`` → ``省份``).

Canonical schemas (codes are 6-digit strings; missing values are nulls, never empty strings):

``exchanges.szse`` — ``load_szse`` on ``szse_a_share_list.xlsx``, one row per SZSE-listed company
(2,875 rows: 主板 1,486, 创业板 1,389):
    stock_code, exchange ("SZ"), board (主板/创业板), legal_name (公司全称), name_en (英文名称),
    reg_address (注册地址), short_name (A股简称 NFKC-normalised, padding spaces removed: ``万  科Ａ`` →
    ``万科A``), short_name_raw (A股简称 exactly as given), list_date (datetime64, A股上市日期),
    total_shares, float_shares (float, shares; A股总股本/A股流通股本 without thousands separators),
    b_code, b_short_name (normalised like short_name), b_list_date (B-share fields; null for the
    2,841 rows without a B share), region (地区, e.g. 华南), province (省份, short form, e.g. 河北),
    city (城市, e.g. 秦皇岛市), csrc_sector (所属行业 as given, e.g. ``C 制造业``), csrc_sector_code
    (its letter, ``C``), website (公司网址), unprofitable, weighted_voting, vie_structure (boolean:
    未盈利 / 具有表决权差异安排 / 具有协议控制架构; ``-`` — the main-board rows — is null).
``exchanges.sse`` — ``load_sse`` on ``sse_main_board_list_GPLIST.xls`` (legacy .xls, read with xlrd),
SSE **main board only**, 1,696 rows:
    stock_code, exchange ("SH"), board ("主板"), b_code (null where ``-``), short_name (证券简称,
    normalised as above), short_name_raw, short_name_ext (扩位证券简称, normalised), name_en
    (公司英文全称), list_date (datetime64, 上市日期 YYYYMMDD). No address, industry or Chinese legal name.

Quarantine reasons: malformed code (not 6 digits), duplicate code (first occurrence kept), unparseable
list date or share count, missing legal name (SZSE). On the real files nothing is quarantined and the
SOURCE.md counts are reproduced exactly (2,875 and 1,696).

``normalize_short_name`` and ``read_excel_text`` are reused by the other list loaders.
"""

from __future__ import annotations

import datetime as dt
import unicodedata
import warnings
from collections.abc import Iterable
from pathlib import Path

import pandas as pd

from matcher.sources.base import (
    LoadResult,
    SourceError,
    concat_quarantine,
    parse_dates,
    parse_numbers,
    quarantine_rows,
    require_columns,
    require_file,
    strip_text,
)

FOLDER = "szse_sse_lists_2025"
SZSE_FILE = "szse_a_share_list.xlsx"
SSE_FILE = "sse_main_board_list_GPLIST.xls"
CODE_PATTERN = r"^\d{6}$"

SZSE_COLUMNS = [
    "板块", "公司全称", "英文名称", "注册地址", "A股代码", "A股简称", "A股上市日期", "A股总股本", "A股流通股本",
    "B股代码", "B股简称", "B股上市日期", "地区", "省份", "城市", "所属行业", "公司网址",
    "未盈利", "具有表决权差异安排", "具有协议控制架构",
]  # fmt: skip
SSE_COLUMNS = ["A股代码", "B股代码", "证券简称", "扩位证券简称", "公司英文全称", "上市日期"]


def clean_header(name: object) -> str:
    """Header without any whitespace (ASCII, full-width U+3000, NBSP): ``省    份`` → ``省份``."""
    return "".join(str(name).split()).replace("\u3000", "")


def normalize_short_name(value: object) -> object:
    """NFKC (full-width letters/digits → ASCII) and remove whitespace; nulls stay null.

    Exchange short names pad two-character names with spaces (``万  科Ａ``); the spaces carry no
    meaning, so ``万科A`` is the form to match on.
    """
    if value is None or (isinstance(value, float) and pd.isna(value)) or value is pd.NA:
        return pd.NA
    text = "".join(unicodedata.normalize("NFKC", str(value)).split())
    return text if text else pd.NA


def _xlrd_cell_text(cell: object, datemode: int) -> str | None:
    import xlrd

    ctype = cell.ctype  # type: ignore[attr-defined]
    value = cell.value  # type: ignore[attr-defined]
    if ctype in (xlrd.XL_CELL_EMPTY, xlrd.XL_CELL_BLANK):
        return None
    if ctype == xlrd.XL_CELL_NUMBER:
        return str(int(value)) if float(value).is_integer() else repr(value)
    if ctype == xlrd.XL_CELL_DATE:
        return xlrd.xldate.xldate_as_datetime(value, datemode).date().isoformat()
    if ctype == xlrd.XL_CELL_BOOLEAN:
        return "TRUE" if value else "FALSE"
    return str(value)


def _fill_merged(rows: list[list[str | None]], ranges: Iterable[tuple[int, int, int, int]]) -> list[list[str | None]]:
    """Give every cell of a merged range (0-based first_row, last_row, first_col, last_col, inclusive) the
    value of its top-left cell, as a reader of the sheet sees it."""
    for r0, r1, c0, c1 in ranges:
        if r0 >= len(rows) or c0 >= len(rows[r0]):
            continue
        value = rows[r0][c0]
        for r in range(r0, min(r1, len(rows) - 1) + 1):
            row = rows[r]
            if len(row) <= c1:
                row.extend([None] * (c1 + 1 - len(row)))
            for c in range(c0, c1 + 1):
                if (r, c) != (r0, c0):
                    row[c] = value
    return rows


def _openpyxl_merged(sheet: object) -> list[tuple[int, int, int, int]]:
    """Merged ranges of a read-only openpyxl sheet, read from its XML (read-only sheets do not parse them)."""
    import re

    from openpyxl.utils.cell import range_boundaries

    try:
        xml = sheet.parent._archive.read(sheet._worksheet_path).decode("utf-8", "replace")  # type: ignore[attr-defined]
    except Exception:  # noqa: BLE001 - no merged ranges known: the cells stay as stored
        return []
    out = []
    for ref in re.findall(r"<(?:\w+:)?mergeCell\s+ref=\"([A-Z]+[0-9]+:[A-Z]+[0-9]+)\"", xml):
        c0, r0, c1, r1 = range_boundaries(ref)
        out.append((r0 - 1, r1 - 1, c0 - 1, c1 - 1))
    return out


def workbook_rows(path: Path, first_sheet_only: bool = False, fill_merged: bool = False) -> list[list[list[str | None]]]:
    """Every sheet of an .xlsx (openpyxl) or .xls (xlrd) workbook as rows of text cells.

    Integral numbers are written without ``.0``, date cells as ISO dates, empty cells as None.
    ``fill_merged``: every cell of a merged range reads as its top-left cell (a 省份 merged over the
    firms of one province gives each firm its province). A file that is not a readable workbook raises
    SourceError.
    """
    require_file(path)
    try:
        if path.suffix.lower() == ".xls":
            import xlrd

            book = xlrd.open_workbook(str(path), on_demand=True, formatting_info=fill_merged)
            sheets = book.sheets()[:1] if first_sheet_only else book.sheets()
            return [
                _fill_merged([[_xlrd_cell_text(s.cell(r, c), book.datemode) for c in range(s.ncols)] for r in range(s.nrows)],
                             [(r0, r1 - 1, c0, c1 - 1) for r0, r1, c0, c1 in (s.merged_cells if fill_merged else [])])
                for s in sheets
            ]
        from openpyxl import load_workbook

        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)  # "Workbook contains no default style"
            wb = load_workbook(str(path), read_only=True, data_only=True)
            out = []
            for sheet in wb.worksheets[:1] if first_sheet_only else wb.worksheets:
                sheet.reset_dimensions()  # some exporters write a wrong <dimension> (SZSE: A1:A1)
                rows = [[_openpyxl_text(v) for v in row] for row in sheet.iter_rows(values_only=True)]
                out.append(_fill_merged(rows, _openpyxl_merged(sheet)) if fill_merged else rows)
            wb.close()
            return out
    except Exception as exc:  # xlrd/openpyxl/zipfile raise many unrelated types for a corrupt file
        raise SourceError(path, f"cannot read as an Excel workbook: {type(exc).__name__}: {exc}") from exc


def read_excel_text(path: Path, required: Iterable[str] = (), header_row: int = 0) -> pd.DataFrame:
    """Read the first sheet of an .xlsx or .xls file with every cell as text (see :func:`workbook_rows`).

    Headers lose all whitespace; empty cells become nulls; fully blank rows are skipped.
    """
    sheets = workbook_rows(path, first_sheet_only=True)
    rows = sheets[0] if sheets else []
    rows = [r for r in rows if any(v is not None and str(v).strip() != "" for v in r)]
    if len(rows) <= header_row:
        raise SourceError(path, "file is empty (no header row)")
    header = [clean_header(v) if v is not None else "" for v in rows[header_row]]
    width = len(header)
    body = [(list(r) + [None] * width)[:width] for r in rows[header_row + 1 :]]
    frame = pd.DataFrame(body, columns=header, dtype="string")
    frame = frame.loc[:, [c != "" for c in frame.columns]]
    frame = strip_text(frame)
    require_columns(frame, required, path)
    return frame.reset_index(drop=True)


def _openpyxl_text(value: object) -> str | None:
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time(0) else value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _flag(values: pd.Series) -> pd.Series:
    """是 → True, 否 → False, anything else (``-``) → null."""
    return values.map({"是": True, "否": False}).astype("boolean")


def _check_codes(source: str, path: Path, raw: pd.DataFrame, column: str) -> tuple[pd.Series, pd.DataFrame]:
    code_ok = raw[column].fillna("").str.match(CODE_PATTERN).astype(bool)
    dup = raw[column].duplicated(keep="first") & code_ok
    q = concat_quarantine(
        [
            quarantine_rows(source, path, raw[~code_ok], f"malformed {column} (not 6 digits)", column=column),
            quarantine_rows(source, path, raw[dup], f"duplicate {column} (first occurrence kept)", column=column),
        ]
    )
    return code_ok & ~dup, q


def load_szse(data_dir: Path) -> LoadResult:
    """The SZSE A-share list with full legal names and registered addresses (see module docstring)."""
    source = "exchanges.szse"
    path = Path(data_dir) / FOLDER / SZSE_FILE
    raw = read_excel_text(path, SZSE_COLUMNS)
    keep, q_codes = _check_codes(source, path, raw, "A股代码")
    parts = [q_codes]
    no_name = raw["公司全称"].isna()
    parts.append(quarantine_rows(source, path, raw[keep & no_name], "missing legal name", column="公司全称"))
    keep &= ~no_name
    list_date, bad_date = parse_dates(raw["A股上市日期"], "%Y-%m-%d")
    b_date, bad_b_date = parse_dates(raw["B股上市日期"], "%Y-%m-%d")
    total, bad_total = parse_numbers(raw["A股总股本"])
    floating, bad_float = parse_numbers(raw["A股流通股本"])
    for mask, col in (
        (bad_date, "A股上市日期"),
        (bad_b_date, "B股上市日期"),
        (bad_total, "A股总股本"),
        (bad_float, "A股流通股本"),
    ):
        parts.append(quarantine_rows(source, path, raw[keep & mask], f"unparseable {col}", column=col))
        keep &= ~mask
    r = raw[keep]
    sector = r["所属行业"]
    frame = pd.DataFrame(
        {
            "stock_code": r["A股代码"],
            "exchange": "SZ",
            "board": r["板块"],
            "legal_name": r["公司全称"],
            "name_en": r["英文名称"],
            "reg_address": r["注册地址"],
            "short_name": r["A股简称"].map(normalize_short_name).astype("string"),
            "short_name_raw": r["A股简称"],
            "list_date": list_date[keep],
            "total_shares": total[keep],
            "float_shares": floating[keep],
            "b_code": r["B股代码"],
            "b_short_name": r["B股简称"].map(normalize_short_name).astype("string"),
            "b_list_date": b_date[keep],
            "region": r["地区"],
            "province": r["省份"],
            "city": r["城市"],
            "csrc_sector": sector,
            "csrc_sector_code": sector.str.extract(r"^([A-Z])\b", expand=False),
            "website": r["公司网址"],
            "unprofitable": _flag(r["未盈利"]),
            "weighted_voting": _flag(r["具有表决权差异安排"]),
            "vie_structure": _flag(r["具有协议控制架构"]),
        }
    ).reset_index(drop=True)
    return LoadResult(source, frame, concat_quarantine(parts), len(raw), [str(path)])


def load_sse(data_dir: Path) -> LoadResult:
    """The SSE main-board list (no address, no Chinese legal name; see module docstring)."""
    source = "exchanges.sse"
    path = Path(data_dir) / FOLDER / SSE_FILE
    raw = read_excel_text(path, SSE_COLUMNS)
    keep, q_codes = _check_codes(source, path, raw, "A股代码")
    list_date, bad_date = parse_dates(raw["上市日期"], "%Y%m%d")
    q_date = quarantine_rows(source, path, raw[keep & bad_date], "unparseable 上市日期", column="上市日期")
    keep &= ~bad_date
    r = raw[keep]
    b_code = r["B股代码"].mask(r["B股代码"] == "-")
    frame = pd.DataFrame(
        {
            "stock_code": r["A股代码"],
            "exchange": "SH",
            "board": "主板",
            "b_code": b_code,
            "short_name": r["证券简称"].map(normalize_short_name).astype("string"),
            "short_name_raw": r["证券简称"],
            "short_name_ext": r["扩位证券简称"].map(normalize_short_name).astype("string"),
            "name_en": r["公司英文全称"],
            "list_date": list_date[keep],
        }
    ).reset_index(drop=True)
    return LoadResult(source, frame, concat_quarantine([q_codes, q_date]), len(raw), [str(path)])


LOADERS = {
    "exchanges.szse": load_szse,
    "exchanges.sse": load_sse,
}
