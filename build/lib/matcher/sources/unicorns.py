"""Unicorn lists: CB Insights scrapes 2021–2024 (``cbinsights_unicorns_scraper/``) and the Maven
Analytics ``Unicorn_Companies.csv`` of April 2022 (``maven_unicorn_companies_2022/``).

All names are English/romanised; there is no Chinese name, province or county. Text cells are
stripped (the files carry trailing spaces and tabs: ``"Beijing "``, ``"1/27/2022\\t"``) and empty
cells become nulls. Valuations are USD billions; dates are datetime64. Investors are ``"; "``-joined.

Canonical schemas:

``unicorns.cbinsights`` — ``load_cbinsights`` on the ORIGINAL ``unicorns_2024-02-27.csv`` (not the
derived ``_clean`` copy), one row per listed unicorn on 2024-02-27 (1,233; China 171):
    name, cb_url (the column misnamed ``Crunchbase Url``: a CB Insights profile URL), valuation_usd_bn,
    date_joined, year_joined (Int64, from date_joined), city, country, industry, investors,
    scraped_at (datetime64, ``Updated at``). ``Company Website`` is empty in every row and dropped.
``unicorns.panel`` — ``load_panel`` on the derived panel of all 599 daily snapshots, one row per
(cb_url, name), 1,522 rows:
    cb_url, name, city, country, industry_first_seen, industry_latest, date_joined (the file mixes
    ``M/D/YYYY`` with tab-padded values; all parsed), valuation_usd_bn_first_seen,
    valuation_usd_bn_latest, investors_latest, first_seen_snapshot, last_seen_snapshot (datetime64),
    n_snapshots (Int64), in_final_snapshot (bool).
``unicorns.snapshots`` — ``load_snapshots``: the five JSON snapshots stacked (2021-06-16: 710,
2021-08-23: 796, 2022-12-31: 1,208, 2023-12-31: 1,224, 2024-02-27: 1,233 records = 5,171 read):
    snapshot_date (datetime64, from the file name), schema ("2021" or "2022"), name, cb_url,
    valuation_usd_bn (2021-06 writes ``"$140"``, later files a number), date_joined, year_joined,
    city, country, industry (15-category taxonomy in 2021, 7 sectors from 2022), investors
    (``investors`` in 2021-06, ``investor`` later), funding_usd_bn (2021-06 only, ``"$4440M"`` → 4.44;
    null elsewhere), scraped_at (``date``, 2022+ schema only).
    Two records of 2021-08-23 are quarantined: QuintoAndar (every field shifted one place —
    ``dateJoined`` holds ``$5.05``, ``country`` a date — and no valuation) and iCapital Network
    (``dateJoined`` is ``7/27/202/td>``, HTML debris). 5,169 rows are accepted.
``unicorns.maven`` — ``load_maven`` on the ORIGINAL ``Unicorn_Companies.csv`` (1,074; China 173):
    name, valuation_usd_bn (``"   $180B   "`` → 180.0), date_joined (``MM-DD-YYYY`` and ``M-DD-YY``,
    month first; two-digit years are 20YY — the list spans 2007..2022), industry (as given; note
    "Artificial intelligence" vs "Artificial Intelligence"), city, country, continent,
    year_founded (Int64), funding_usd_bn (``"$572M"`` → 0.572; ``"Unknown"`` → null, 9 rows, not
    quarantined), investors (the comma-separated ``Select Investors``, re-joined with ``"; "``).

Quarantine reasons: missing name, unparseable valuation / date / money / year, and exact duplicate
keys ((cb_url, name) for CB Insights — one cb_url can carry two real firms, see SOURCE.md; name plus
city for Maven, where "Bolt" is two different firms).
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pandas as pd

from matcher.sources.base import (
    LoadResult,
    RowScreen,
    SourceError,
    concat_quarantine,
    parse_dates,
    parse_numbers,
    read_csv_text,
    read_text,
    strip_text,
)

CB_FOLDER = "cbinsights_unicorns_scraper"
CB_FILE = "unicorns_2024-02-27.csv"
PANEL_FILE = "cbinsights_unicorn_panel_2021-06-16_to_2024-02-27.csv"
SNAPSHOT_FILES = [
    "unicorns_2021-06-16_first_snapshot.json",
    "unicorns_2021-08-23_snapshot.json",
    "unicorns_2022-12-31_snapshot.json",
    "unicorns_2023-12-31_snapshot.json",
    "unicorns_2024-02-27.json",
]
MAVEN_FOLDER = "maven_unicorn_companies_2022"
MAVEN_FILE = "Unicorn_Companies.csv"

_MONEY = re.compile(r"^\$?\s*([0-9][0-9,]*(?:\.[0-9]+)?)\s*([KMBT]?)$", re.IGNORECASE)
#: unit → (multiply, divide) to get billions; dividing keeps "$572M" → 0.572 exact, where * 1e-3 would not
_TO_BN = {"K": (1.0, 1e6), "M": (1.0, 1e3), "B": (1.0, 1.0), "T": (1e3, 1.0)}


def parse_money_bn(values: pd.Series, default_unit: str = "B", unknown: tuple[str, ...] = ("Unknown",)) -> tuple[pd.Series, pd.Series]:
    """Parse ``"$180B"``, ``"$572M"``, ``"$140"`` (``default_unit``) or plain numbers to USD billions.

    Returns (parsed, bad) like :func:`matcher.sources.base.parse_dates`; values in ``unknown`` and
    nulls parse to null without being bad.
    """
    text = values.astype("string").str.strip()
    parsed: list[float | None] = []
    bad: list[bool] = []
    for v in text.tolist():
        if v is None or v is pd.NA or v == "" or v in unknown:
            parsed.append(None)
            bad.append(False)
            continue
        m = _MONEY.match(str(v))
        if not m:
            parsed.append(None)
            bad.append(True)
            continue
        unit = (m.group(2) or default_unit).upper()
        mult, div = _TO_BN[unit]
        parsed.append(float(m.group(1).replace(",", "")) * mult / div)
        bad.append(False)
    return (
        pd.Series(parsed, index=values.index, dtype="float64"),
        pd.Series(bad, index=values.index, dtype=bool),
    )


def parse_us_dates(values: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Month-first dates in the formats these lists mix: ``M/D/YYYY``, ``MM-DD-YYYY``, ``M-DD-YY``
    (two-digit years are 20YY), and ISO ``YYYY-MM-DD``. Returns (parsed, bad)."""
    text = values.astype("string").str.strip().str.replace("-", "/", regex=False)
    iso = text.str.match(r"^\d{4}/\d{1,2}/\d{1,2}$").fillna(False).astype(bool)
    long_year = text.str.match(r"^\d{1,2}/\d{1,2}/\d{4}$").fillna(False).astype(bool)
    short_year = text.str.match(r"^\d{1,2}/\d{1,2}/\d{2}$").fillna(False).astype(bool)
    out = pd.Series(pd.NaT, index=values.index, dtype="datetime64[us]")
    for mask, fmt in ((iso, "%Y/%m/%d"), (long_year, "%m/%d/%Y"), (short_year, "%m/%d/%y")):
        if mask.any():
            out[mask] = pd.to_datetime(text[mask], format=fmt, errors="coerce")
    bad = text.notna() & out.isna()
    return out, bad.astype(bool)


def _join_list(value: object) -> object:
    """A JSON list (or list) of investors → ``"; "``-joined, blanks and ``N/A`` removed; empty → null."""
    if value is None or value is pd.NA or (isinstance(value, float) and pd.isna(value)):
        return pd.NA
    items = value
    if isinstance(value, str):
        try:
            items = json.loads(value)
        except json.JSONDecodeError:
            items = [value]
    if not isinstance(items, list):
        items = [items]
    names = [str(i).strip() for i in items if i is not None and str(i).strip() not in ("", "N/A")]
    return "; ".join(names) if names else pd.NA


def load_cbinsights(data_dir: Path) -> LoadResult:
    """CB Insights unicorns on 2024-02-27 from the original CSV (see module docstring)."""
    source = "unicorns.cbinsights"
    path = Path(data_dir) / CB_FOLDER / CB_FILE
    raw = strip_text(
        read_csv_text(
            path,
            ["Updatedat", "Company", "CrunchbaseUrl", "LastValuation(Billion$)", "DateJoined", "City", "Country", "Industry", "Investors"],
        )
    )
    valuation, bad_val = parse_numbers(raw["LastValuation(Billion$)"])
    joined, bad_joined = parse_us_dates(raw["DateJoined"])
    scraped, bad_scraped = parse_dates(raw["Updatedat"], "%m/%d/%Y, %I:%M:%S %p")
    missing_key = raw["Company"].isna() | raw["CrunchbaseUrl"].isna()
    dup = raw.duplicated(["CrunchbaseUrl", "Company"], keep="first") & ~missing_key
    screen = RowScreen(source, path, raw).refuse_all(
        [
            (missing_key, "missing Company or Crunchbase Url", "Company"),
            (dup, "duplicate (Crunchbase Url, Company) (first occurrence kept)", "Crunchbase Url"),
            (bad_val | valuation.isna(), "missing or unparseable valuation", "Last Valuation (Billion $)"),
            (bad_joined, "unparseable Date Joined", "Date Joined"),
            (bad_scraped, "unparseable Updated at", "Updated at"),
        ],
    )
    keep = screen.keep
    r = raw[keep]
    frame = pd.DataFrame(
        {
            "name": r["Company"],
            "cb_url": r["CrunchbaseUrl"],
            "valuation_usd_bn": valuation[keep],
            "date_joined": joined[keep],
            "year_joined": joined[keep].dt.year.astype("Int64"),
            "city": r["City"],
            "country": r["Country"],
            "industry": r["Industry"],
            "investors": r["Investors"].map(_join_list).astype("string"),
            "scraped_at": scraped[keep],
        }
    ).reset_index(drop=True)
    return LoadResult(source, frame, screen.quarantine, len(raw), [str(path)])


def load_panel(data_dir: Path) -> LoadResult:
    """The (cb_url, name) panel of all daily snapshots 2021-06-16..2024-02-27 (see module docstring)."""
    source = "unicorns.panel"
    path = Path(data_dir) / CB_FOLDER / PANEL_FILE
    cols = [
        "cb_url", "name", "city", "country", "industry_first_seen", "industry_latest", "date_joined",
        "valuation_usd_bn_first_seen", "valuation_usd_bn_latest", "investors_latest",
        "first_seen_snapshot", "last_seen_snapshot", "n_snapshots", "in_final_snapshot",
    ]  # fmt: skip
    raw = strip_text(read_csv_text(path, cols))
    joined, bad_joined = parse_us_dates(raw["date_joined"])
    v_first, bad_first = parse_numbers(raw["valuation_usd_bn_first_seen"])
    v_last, bad_last = parse_numbers(raw["valuation_usd_bn_latest"])
    first, bad_fs = parse_dates(raw["first_seen_snapshot"], "%Y-%m-%d")
    last, bad_ls = parse_dates(raw["last_seen_snapshot"], "%Y-%m-%d")
    n_snap, bad_n = parse_numbers(raw["n_snapshots"])
    final = raw["in_final_snapshot"].map({"True": True, "False": False})
    missing_key = raw["cb_url"].isna() | raw["name"].isna()
    dup = raw.duplicated(["cb_url", "name"], keep="first") & ~missing_key
    screen = RowScreen(source, path, raw).refuse_all(
        [
            (missing_key, "missing cb_url or name", "cb_url"),
            (dup, "duplicate (cb_url, name) (first occurrence kept)", "cb_url"),
            (bad_joined, "unparseable date_joined", "date_joined"),
            (bad_first | bad_last, "unparseable valuation", "valuation_usd_bn_latest"),
            (bad_fs | bad_ls, "unparseable snapshot date", "first_seen_snapshot"),
            (bad_n | (n_snap.notna() & (n_snap % 1 != 0)), "unparseable n_snapshots", "n_snapshots"),
            (final.isna(), "in_final_snapshot not True/False", "in_final_snapshot"),
        ],
    )
    keep = screen.keep
    r = raw[keep]
    frame = pd.DataFrame(
        {
            "cb_url": r["cb_url"],
            "name": r["name"],
            "city": r["city"],
            "country": r["country"],
            "industry_first_seen": r["industry_first_seen"],
            "industry_latest": r["industry_latest"],
            "date_joined": joined[keep],
            "valuation_usd_bn_first_seen": v_first[keep],
            "valuation_usd_bn_latest": v_last[keep],
            "investors_latest": r["investors_latest"],
            "first_seen_snapshot": first[keep],
            "last_seen_snapshot": last[keep],
            "n_snapshots": n_snap[keep].astype("Int64"),
            "in_final_snapshot": final[keep].astype(bool),
        }
    ).reset_index(drop=True)
    return LoadResult(source, frame, screen.quarantine, len(raw), [str(path)])


def _read_json_records(path: Path) -> list[dict]:
    text = read_text(path)
    try:
        obj = json.loads(text)
    except json.JSONDecodeError as exc:
        raise SourceError(path, f"invalid or truncated JSON at line {exc.lineno} column {exc.colno}: {exc.msg}") from exc
    if not isinstance(obj, list) or not all(isinstance(r, dict) for r in obj):
        raise SourceError(path, "expected a JSON array of objects")
    if not obj:
        raise SourceError(path, "file has no records")
    return obj


def _snapshot_date(path: Path) -> pd.Timestamp:
    m = re.search(r"(\d{4}-\d{2}-\d{2})", path.name)
    if not m:
        raise SourceError(path, "no snapshot date (YYYY-MM-DD) in the file name")
    return pd.Timestamp(m.group(1))


def _load_snapshot(source: str, path: Path) -> tuple[pd.DataFrame, pd.DataFrame, int]:
    records = _read_json_records(path)
    for i, rec in enumerate(records, start=1):
        missing = [k for k in ("name", "cbUrl", "valuation", "dateJoined") if k not in rec]
        if missing:
            raise SourceError(path, "record lacks a required field", row=i, column=missing[0])
    schema = "2022" if any("date" in r for r in records) else "2021"
    fields = ["name", "cbUrl", "valuation", "dateJoined", "city", "country", "industry", "funding", "date"]
    raw = strip_text(
        pd.DataFrame(
            {f: pd.Series([None if r.get(f) is None else str(r.get(f)) for r in records], dtype="string") for f in fields}
        )
    )
    investors = pd.Series([_join_list(r.get("investor", r.get("investors"))) for r in records], dtype="string")
    valuation, bad_val = parse_money_bn(raw["valuation"], default_unit="B", unknown=())
    joined, bad_joined = parse_us_dates(raw["dateJoined"])
    funding, bad_funding = parse_money_bn(raw["funding"], default_unit="M", unknown=())
    scraped, bad_scraped = parse_dates(raw["date"], "%m/%d/%Y, %I:%M:%S %p")
    missing_key = raw["name"].isna() | raw["cbUrl"].isna()
    dup = raw.duplicated(["cbUrl", "name"], keep="first") & ~missing_key
    screen = RowScreen(source, path, raw).refuse_all(
        [
            (missing_key, "missing name or cbUrl", "name"),
            (dup, "duplicate (cbUrl, name) (first occurrence kept)", "cbUrl"),
            (bad_joined, "unparseable dateJoined (fields shifted or HTML debris)", "dateJoined"),
            (bad_val | valuation.isna(), "missing or unparseable valuation", "valuation"),
            (bad_funding, "unparseable funding", "funding"),
            (bad_scraped, "unparseable date (scrape time)", "date"),
        ],
    )
    keep = screen.keep
    r = raw[keep]
    frame = pd.DataFrame(
        {
            "snapshot_date": _snapshot_date(path),
            "schema": schema,
            "name": r["name"],
            "cb_url": r["cbUrl"],
            "valuation_usd_bn": valuation[keep],
            "date_joined": joined[keep],
            "year_joined": joined[keep].dt.year.astype("Int64"),
            "city": r["city"],
            "country": r["country"],
            "industry": r["industry"],
            "investors": investors[keep],
            "funding_usd_bn": funding[keep],
            "scraped_at": scraped[keep],
        }
    )
    return frame, screen.quarantine, len(raw)


def load_snapshots(data_dir: Path) -> LoadResult:
    """The five JSON snapshots stacked, both schemas, with their snapshot date (see module docstring)."""
    source = "unicorns.snapshots"
    frames, quarantines, read, files = [], [], 0, []
    for name in SNAPSHOT_FILES:
        path = Path(data_dir) / CB_FOLDER / name
        frame, q, n = _load_snapshot(source, path)
        frames.append(frame)
        quarantines.append(q)
        read += n
        files.append(str(path))
    frame = pd.concat(frames, ignore_index=True)
    return LoadResult(source, frame, concat_quarantine(quarantines), read, files)


def load_maven(data_dir: Path) -> LoadResult:
    """Maven Analytics' Unicorn_Companies.csv of April 2022, original file (see module docstring)."""
    source = "unicorns.maven"
    path = Path(data_dir) / MAVEN_FOLDER / MAVEN_FILE
    raw = strip_text(
        read_csv_text(
            path,
            ["Company", "Valuation", "DateJoined", "Industry", "City", "Country/Region", "Continent", "YearFounded", "Funding", "SelectInvestors"],
        )
    )
    valuation, bad_val = parse_money_bn(raw["Valuation"], unknown=())
    joined, bad_joined = parse_us_dates(raw["DateJoined"])
    funding, bad_funding = parse_money_bn(raw["Funding"])
    founded, bad_founded = parse_numbers(raw["YearFounded"])
    dup = raw.duplicated(["Company", "City"], keep="first") & raw["Company"].notna()
    screen = RowScreen(source, path, raw).refuse_all(
        [
            (raw["Company"].isna(), "missing Company", "Company"),
            (dup, "duplicate (Company, City) (first occurrence kept)", "Company"),
            (bad_val | valuation.isna(), "missing or unparseable Valuation", "Valuation"),
            (bad_joined, "unparseable Date Joined", "Date Joined"),
            (bad_funding, "unparseable Funding", "Funding"),
            (bad_founded | (founded.notna() & (founded % 1 != 0)), "unparseable Year Founded", "Year Founded"),
        ],
    )
    keep = screen.keep
    r = raw[keep]
    investors = r["SelectInvestors"].map(
        lambda v: pd.NA if v is pd.NA or v is None else "; ".join(p.strip() for p in str(v).split(",") if p.strip()) or pd.NA
    )
    frame = pd.DataFrame(
        {
            "name": r["Company"],
            "valuation_usd_bn": valuation[keep],
            "date_joined": joined[keep],
            "industry": r["Industry"],
            "city": r["City"],
            "country": r["Country/Region"],
            "continent": r["Continent"],
            "year_founded": founded[keep].astype("Int64"),
            "funding_usd_bn": funding[keep],
            "investors": investors.astype("string"),
        }
    ).reset_index(drop=True)
    return LoadResult(source, frame, screen.quarantine, len(raw), [str(path)])


LOADERS = {
    "unicorns.cbinsights": load_cbinsights,
    "unicorns.panel": load_panel,
    "unicorns.snapshots": load_snapshots,
    "unicorns.maven": load_maven,
}
