"""《财富》中国500强 (Fortune China 500) 2014–2021 (``fortune_china500_2014_2021/``).

Read from the ORIGINAL markdown tables ``t500-cn2014.md`` … ``t500-cn2021.md`` (verbatim copies of
yiliyassh/authority-data), not from the derived ``fortune_china500_2014_2021.csv``: the derivation is
done here, in code, so that it can be checked (tests reconcile both, row for row).

Canonical schema of ``fortune500`` (``load_fortune500``), one row per (year, rank):
    year (int64, ranking year = the file's year = its ``**YYYY年榜单**`` heading; each ranking uses the
    previous fiscal year's figures), rank (int64, 1–500), prev_rank (Int64, 上年排名; null for ``--``,
    a new entrant), company_name (公司名称(中文), stripped of the trailing spaces some rows carry;
    otherwise as published — full- and half-width brackets both occur), revenue_mn_cny,
    profit_mn_cny (float, million CNY; the markdown mixes ``2880311`` with ``16,351.79``; a negative
    profit is a loss).

Parsing: the table is every ``|``-delimited line after the header and the ``|:----|`` separator; the
files have CRLF line ends and some header lines end with a ``|``. **2019 repeats its header row**
inside the table (line 7, just below the separator): that line is read as a data row and
quarantined with the reason "repeated header row", so it is counted, not silently skipped.
Real-data figures: 4,001 table rows read, 4,000 accepted (8 × 500), 1 quarantined (2019).

Other quarantine reasons: wrong number of cells, unparseable rank / prev_rank / revenue / profit,
missing company name, duplicate rank within a year (first kept). A file without its year heading,
or whose heading names another year than its file name, or with no table, raises SourceError.
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

from matcher.sources.base import (
    LoadResult,
    SourceError,
    concat_quarantine,
    parse_numbers,
    quarantine_rows,
    read_text,
)

FOLDER = "fortune_china500_2014_2021"
YEARS = tuple(range(2014, 2022))
HEADER = ["排名", "上年排名", "公司名称(中文)", "营业收入(百万元)", "利润(百万元)"]
_SEPARATOR = re.compile(r"^\|?\s*:?-{3,}:?\s*(\|\s*:?-{3,}:?\s*)*\|?$")
_HEADING = re.compile(r"\*\*(\d{4})年榜单\*\*")


def file_for(year: int) -> str:
    return f"t500-cn{year}.md"


def _cells(line: str) -> list[str]:
    body = line.strip()
    if body.startswith("|"):
        body = body[1:]
    if body.endswith("|"):
        body = body[:-1]
    return [c.strip() for c in body.split("|")]


def parse_markdown_table(path: Path, year: int) -> tuple[pd.DataFrame, list[int]]:
    """The table rows of one year's file as strings (columns = HEADER), plus their line numbers.

    Every line after the header and separator that starts with ``|`` is a row, including a repeated
    header (left for the caller to quarantine). Rows with the wrong number of cells are padded or cut
    to the header width and marked in the extra column ``_cells`` (their original cell count).
    """
    text = read_text(path)
    lines = text.splitlines()
    heading = next((m for m in map(_HEADING.search, lines) if m), None)
    if heading is None:
        raise SourceError(path, "no '**YYYY年榜单**' heading")
    if int(heading.group(1)) != year:
        raise SourceError(path, f"heading says {heading.group(1)}, file name says {year}")
    start = None
    for i, line in enumerate(lines):
        if line.strip().startswith("|") and _cells(line)[: len(HEADER)] == HEADER:
            if i + 1 < len(lines) and _SEPARATOR.match(lines[i + 1].strip()):
                start = i + 2
                break
    if start is None:
        raise SourceError(path, f"no markdown table with header {HEADER}", column=HEADER[0])
    rows, numbers, widths = [], [], []
    for i in range(start, len(lines)):
        line = lines[i].strip()
        if not line.startswith("|"):
            if line:
                break  # the table has ended
            continue
        cells = _cells(line)
        widths.append(len(cells))
        rows.append((cells + [""] * len(HEADER))[: len(HEADER)])
        numbers.append(i + 1)
    if not rows:
        raise SourceError(path, "the table has no rows")
    frame = pd.DataFrame(rows, columns=HEADER, dtype="string")
    frame["_cells"] = widths
    return frame, numbers


def _load_year(source: str, path: Path, year: int) -> tuple[pd.DataFrame, pd.DataFrame, int]:
    raw, line_numbers = parse_markdown_table(path, year)
    raw.index = pd.RangeIndex(len(raw))
    lines = pd.Series(line_numbers, index=raw.index)
    record = raw[HEADER]
    repeated = raw["排名"] == HEADER[0]
    wrong_width = (raw["_cells"] != len(HEADER)) & ~repeated
    rank, bad_rank = parse_numbers(raw["排名"])
    prev_text = raw["上年排名"].mask(raw["上年排名"].isin(["--", "-", ""]))
    prev, bad_prev = parse_numbers(prev_text)
    revenue, bad_rev = parse_numbers(raw["营业收入(百万元)"])
    profit, bad_profit = parse_numbers(raw["利润(百万元)"])
    name = raw["公司名称(中文)"].str.strip()
    checks = [
        (repeated, "repeated header row", "排名"),
        (wrong_width, "wrong number of cells", None),
        (bad_rank | rank.isna() | (rank % 1 != 0), "unparseable 排名", "排名"),
        (bad_prev | (prev.notna() & (prev % 1 != 0)), "unparseable 上年排名", "上年排名"),
        (name.isna() | (name == ""), "missing 公司名称(中文)", "公司名称(中文)"),
        (bad_rev | revenue.isna(), "unparseable 营业收入(百万元)", "营业收入(百万元)"),
        (bad_profit | profit.isna(), "unparseable 利润(百万元)", "利润(百万元)"),
    ]
    keep = pd.Series(True, index=raw.index)
    parts = []
    for mask, reason, column in checks:
        mask = mask.fillna(False).astype(bool)
        hit = keep & mask
        parts.append(quarantine_rows(source, path, record[hit], reason, column=column, row_numbers=lines[hit]))
        keep &= ~mask
    dup = rank.where(keep).duplicated(keep="first") & keep
    parts.append(
        quarantine_rows(source, path, record[dup], "duplicate 排名 in the year (first kept)", column="排名", row_numbers=lines[dup])
    )
    keep &= ~dup
    frame = pd.DataFrame(
        {
            "year": year,
            "rank": rank[keep].astype("int64"),
            "prev_rank": prev[keep].astype("Int64"),
            "company_name": name[keep],
            "revenue_mn_cny": revenue[keep],
            "profit_mn_cny": profit[keep],
        }
    )
    return frame, concat_quarantine(parts), len(raw)


def load_fortune500(data_dir: Path) -> LoadResult:
    """Fortune China 500, 2014–2021, parsed from the original markdown files (see module docstring).

    Quarantine ``row`` is the line number in the markdown file.
    """
    source = "fortune500"
    frames, quarantines, read, files = [], [], 0, []
    for year in YEARS:
        path = Path(data_dir) / FOLDER / file_for(year)
        frame, q, n = _load_year(source, path, year)
        frames.append(frame)
        quarantines.append(q)
        read += n
        files.append(str(path))
    frame = pd.concat(frames, ignore_index=True)
    frame["year"] = frame["year"].astype("int64")
    return LoadResult(source, frame, concat_quarantine(quarantines), read, files)


LOADERS = {"fortune500": load_fortune500}
