"""User-supplied MIIT 专精特新"小巨人" lists (工业和信息化部 specialised-and-sophisticated "little giants").

No copy of the lists exists offline; planners hold them as published (one file per batch, 第一批 …
第五批, or a merged list) in .xlsx, .xls or .csv (UTF-8, UTF-8 with BOM or GB18030). The loader is a
function of the file the user names — ``load_little_giants(path)`` — and is therefore not in
``LOADERS`` (which only lists loaders of the staged data directory).

Accepted layout: one sheet (the first sheet holding a recognisable header is used) or CSV, optional
title lines above the header (e.g. ``第三批专精特新"小巨人"企业名单``) — the header is the first of
the first 15 non-empty rows that names the firm column. Header synonyms (whitespace and full-width
forms ignored):

=============  ============================================================================
canonical      headers accepted
=============  ============================================================================
row_no         序号, 编号, 排序
legal_name     企业名称, 公司名称, 单位名称, 企业全称, 名称          (required)
province       所属省份, 所属地区, 省份, 地区, 省（区、市）, 省(区、市), 推荐省份, 所在地区, 所在省份 (required)
batch          批次, 公示批次, 入选批次, 认定批次   (else the ``batch`` argument, else "第N批" in the file name)
main_product   主导产品, 主营产品, 主要产品
field          所属领域, 领域, 细分领域, 重点领域, 所属行业, 行业领域
=============  ============================================================================

Canonical schema (``LoadResult.frame``):
    row_no (Int64, 序号 as published; null if absent or not a number), legal_name (as published,
    stripped), province (as published: a province, or a 计划单列市 such as 宁波/青岛/深圳/厦门/大连, or
    新疆生产建设兵团), batch (Int64, 1..), main_product, field (str or null).

Quarantine reasons: missing 企业名称; unparseable 批次 (``第三批``, ``第3批``, ``三``, ``3``, ``2021年第三批``
parse; other text does not); duplicate 企业名称 (compared after NFKC, whitespace removal — first row
kept). Quarantine ``row`` numbers count data rows below the header (1 = first data row).

Whole-file errors (``SourceError`` naming the file, and the column where it applies): missing or
empty file, undecodable text (not UTF-8/GB18030), unreadable workbook, no header naming the firm
column, a required column missing, no batch to be found, header without data rows.

``read_user_table`` and ``name_key`` are shared with :mod:`matcher.sources.registry`.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from collections.abc import Mapping, Sequence
from pathlib import Path

import pandas as pd

from matcher.sources.base import (
    LoadResult,
    SourceError,
    concat_quarantine,
    quarantine_rows,
    read_user_text,
    require_file,
)
from matcher.sources.exchanges import clean_header, workbook_rows

SOURCE = "miit.little_giants"
HEADER_SCAN_ROWS = 15

SYNONYMS: dict[str, tuple[str, ...]] = {
    "row_no": ("序号", "编号", "排序"),
    "legal_name": ("企业名称", "公司名称", "单位名称", "企业全称", "名称"),
    "province": (
        "所属省份", "所属地区", "省份", "地区", "省（区、市）", "省(区、市)", "推荐省份", "所在地区", "所在省份",
    ),
    "batch": ("批次", "公示批次", "入选批次", "认定批次"),
    "main_product": ("主导产品", "主营产品", "主要产品"),
    "field": ("所属领域", "领域", "细分领域", "重点领域", "所属行业", "行业领域"),
}  # fmt: skip
REQUIRED = ("legal_name", "province")
COLUMNS = ["row_no", "legal_name", "province", "batch", "main_product", "field"]

_CN_DIGITS = {"零": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}


def _header_key(value: object) -> str:
    """Header as compared: NFKC (full-width brackets → ASCII) and no whitespace."""
    return clean_header(unicodedata.normalize("NFKC", str(value))) if value is not None else ""


def name_key(value: object) -> object:
    """Key for duplicate detection: NFKC (full-/half-width brackets agree), whitespace removed."""
    if value is None or value is pd.NA or (isinstance(value, float) and pd.isna(value)):
        return pd.NA
    key = "".join(unicodedata.normalize("NFKC", str(value)).split())
    return key or pd.NA


def _rows_from_csv(path: Path) -> list[list[str | None]]:
    text = read_user_text(path)  # a Big5 file is named as such, not read as GB18030 nonsense
    if not text.strip():
        raise SourceError(path, "file is empty")
    sample = "\n".join(text.splitlines()[:20])
    try:
        dialect: type[csv.Dialect] | csv.Dialect = csv.Sniffer().sniff(sample, delimiters=",\t;")
    except csv.Error:
        dialect = csv.excel
    try:  # newline="": a bare CR ends a line, as in any spreadsheet's CSV (else csv.Error)
        return [[c for c in row] for row in csv.reader(io.StringIO(text, newline=""), dialect)]
    except csv.Error as exc:
        raise SourceError(path, f"CSV cannot be parsed: {exc}") from None


def _is_blank(row: Sequence[object]) -> bool:
    return all(v is None or str(v).strip() == "" for v in row)


def _find_header(rows: list[list[str | None]], synonyms: Mapping[str, Sequence[str]], key: str) -> int | None:
    wanted = {_header_key(s) for s in synonyms[key]}
    seen = 0
    for i, row in enumerate(rows):
        if _is_blank(row):
            continue
        if any(_header_key(v) in wanted for v in row):
            return i
        seen += 1
        if seen >= HEADER_SCAN_ROWS:
            break
    return None


def _two_row_header(
    rows: list[list[str | None]], at: int, synonyms: Mapping[str, Sequence[str]], key: str
) -> tuple[list[str | None], int]:
    """The header cells and the first body row. A header over two rows — a group cell merged across
    sub-columns (``企业信息`` over ``主导产品 | 所属领域``) and the other cells merged down — is read as one:
    each column takes its sub-header where that is a known header, else the upper cell."""
    head = list(rows[at])
    nxt = next((i for i in range(at + 1, len(rows)) if not _is_blank(rows[i])), None)
    if nxt is None:
        return head, at + 1
    known = {_header_key(s) for names in synonyms.values() for s in names}
    below = list(rows[nxt]) + [None] * max(0, len(head) - len(rows[nxt]))
    head += [None] * max(0, len(below) - len(head))
    name_keys = {_header_key(s) for s in synonyms[key]}
    name_col = next(j for j, v in enumerate(head) if _header_key(v) in name_keys)
    new = [j for j, v in enumerate(below) if _header_key(v) in known and _header_key(v) != _header_key(head[j])]
    name_cell = below[name_col]
    if not new or not (name_cell is None or str(name_cell).strip() == "" or _header_key(name_cell) == _header_key(head[name_col])):
        return rows[at], at + 1
    merged = [b if (_header_key(b) in known or not _header_key(h)) and _header_key(b) else h for h, b in zip(head, below, strict=True)]
    return merged, nxt + 1


def read_user_table(
    path: Path,
    synonyms: Mapping[str, Sequence[str]],
    required: Sequence[str],
) -> tuple[pd.DataFrame, dict[str, str]]:
    """Read a user's .xlsx/.xls/.csv list into canonical column names.

    The header row is the first row (after optional title lines) naming ``required[0]``; each
    canonical column takes the first of its synonyms present. Returns the frame (canonical columns
    only, text stripped, blanks null, fully blank rows dropped, index = data-row number - 1) and the
    mapping canonical → header as found in the file. Raises SourceError for whole-file problems.
    """
    path = Path(path)
    require_file(path)
    suffix = path.suffix.lower()
    if suffix in (".xlsx", ".xlsm", ".xls"):
        sheets = workbook_rows(path, fill_merged=True)
    elif suffix in (".csv", ".txt", ".tsv"):
        sheets = [_rows_from_csv(path)]
    else:
        raise SourceError(path, f"unsupported file type {suffix!r} (expected .xlsx, .xls or .csv)")
    if all(_is_blank(r) for rows in sheets for r in rows):
        raise SourceError(path, "file is empty")
    key = required[0]
    found = next(((rows, i) for rows in sheets if (i := _find_header(rows, synonyms, key)) is not None), None)
    if found is None:
        raise SourceError(
            path,
            f"no header row naming the {key} column (accepted: {', '.join(synonyms[key])})",
            column=synonyms[key][0],
        )
    rows, at = found
    head_cells, body_from = _two_row_header(rows, at, synonyms, key)
    header = [_header_key(v) for v in head_cells]
    mapping: dict[str, str] = {}
    positions: dict[str, int] = {}
    for canon, names in synonyms.items():
        for name in names:
            k = _header_key(name)
            if k in header and header.index(k) not in positions.values():
                positions[canon] = header.index(k)
                mapping[canon] = str(head_cells[header.index(k)]).strip()
                break
    for canon in required:
        if canon not in positions:
            raise SourceError(
                path,
                f"required column missing (accepted headers: {', '.join(synonyms[canon])}; found: {[h for h in header if h]})",
                column=synonyms[canon][0],
            )
    body = rows[body_from:]
    data = {
        canon: [(r[pos] if pos < len(r) else None) for r in body] for canon, pos in positions.items()
    }
    frame = pd.DataFrame(data, dtype="string")
    for col in frame.columns:
        s = frame[col].str.strip()
        frame[col] = s.mask(s == "")
    frame = frame[~frame.isna().all(axis=1)]
    if frame.empty:
        raise SourceError(path, "the table has a header but no data rows")
    return frame, mapping


def parse_batch(value: object) -> int | None:
    """``第三批`` / ``第3批`` / ``三`` / ``3`` / ``2021年第三批`` → 3; anything else → None."""
    if value is None or value is pd.NA:
        return None
    text = "".join(unicodedata.normalize("NFKC", str(value)).split())
    m = re.search(r"第([0-9]+|[一二两三四五六七八九十]+)批", text) or re.fullmatch(r"([0-9]+|[一二两三四五六七八九十]+)批?", text)
    if not m:
        return None
    token = m.group(1)
    n = int(token) if token.isdigit() else _cn_number(token)
    return n if n is not None and n > 0 else None


def _cn_number(token: str) -> int | None:
    """Chinese numerals up to 99 (一 … 十 … 九十九)."""
    if "十" in token:
        tens, _, ones = token.partition("十")
        t = _CN_DIGITS.get(tens, None) if tens else 1
        o = _CN_DIGITS.get(ones, None) if ones else 0
        return None if t is None or o is None else t * 10 + o
    return _CN_DIGITS.get(token) if len(token) == 1 else None


def load_little_giants(path: Path, batch: int | None = None) -> LoadResult:
    """Load one MIIT little-giant list file (see module docstring).

    ``batch`` fills the batch where the file has no 批次 column (a single-batch list); without it the
    batch is read from the file name (``…第三批….xlsx``), else SourceError.
    """
    path = Path(path)
    raw, _mapping = read_user_table(path, SYNONYMS, REQUIRED)
    for col in COLUMNS:
        if col not in raw.columns:
            raw[col] = pd.Series(pd.NA, index=raw.index, dtype="string")
    if _mapping.get("batch") is None:
        fallback = batch if batch is not None else parse_batch(path.stem)
        if fallback is None:
            raise SourceError(
                path, "no batch column, no batch argument and no '第N批' in the file name", column=SYNONYMS["batch"][0]
            )
        raw["batch"] = str(fallback)
    record = raw[COLUMNS]
    rows = pd.Series(raw.index + 1, index=raw.index)
    batches = raw["batch"].map(parse_batch)
    key = raw["legal_name"].map(name_key)
    parts = []
    keep = pd.Series(True, index=raw.index)
    for mask, reason, column in (
        (key.isna(), "missing 企业名称", "legal_name"),
        (batches.isna(), "unparseable 批次", "batch"),
    ):
        hit = keep & mask
        parts.append(quarantine_rows(SOURCE, path, record[hit], reason, column=column, row_numbers=rows[hit]))
        keep &= ~mask
    dup = key.where(keep).duplicated(keep="first") & keep
    parts.append(
        quarantine_rows(
            SOURCE, path, record[dup], "duplicate 企业名称 (first occurrence kept)", column="legal_name", row_numbers=rows[dup]
        )
    )
    keep &= ~dup
    row_no = pd.to_numeric(raw["row_no"], errors="coerce")
    row_no = row_no.where(row_no % 1 == 0)
    frame = pd.DataFrame(
        {
            "row_no": row_no[keep].astype("Int64"),
            "legal_name": raw.loc[keep, "legal_name"],
            "province": raw.loc[keep, "province"],
            "batch": batches[keep].astype("Int64"),
            "main_product": raw.loc[keep, "main_product"],
            "field": raw.loc[keep, "field"],
        }
    ).reset_index(drop=True)
    return LoadResult(SOURCE, frame, concat_quarantine(parts), len(raw), [str(path)],
                      row_numbers=[int(n) for n in rows[keep]])


__all__ = ["load_little_giants", "name_key", "parse_batch", "read_user_table"]
