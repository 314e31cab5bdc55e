"""Geocoded A-share company list of c. 2015 with registered and office addresses (``listed_geo_2015/``).

An old, secondary source (hoyoung2015/wfp, 2015-11): 2,814 listed firms as they were in 2015, with
street addresses and coordinates — the only staged source that has them for Shanghai-listed firms.

Canonical schema of ``listed_geo_2015`` (``load_listed_geo_2015``), one row per stock code:
    stock_code (6-digit str), short_name (``sname``, NFKC, whitespace removed), legal_name (``name``),
    name_en (``ename``), province_short (``area``, e.g. 河北), lon, lat (float, ``pos_x``/``pos_y``),
    industry_2015 (``industry``, 98 GICS-like Chinese labels), reg_address (``addr_reg``),
    office_address (``addr_work``), register_date, listing_date, offer_date (datetime64, Y/M/D in the
    file), market (上海证券交易所 / 深圳证券交易所 / 中小企业板 / 创业板), market_value_yi (float),
    has_mojibake (bool), mojibake_columns (str, ``;``-joined source columns holding a ``?``, else null).

**Mislabelled columns.** The file's numeric headers do not say what they hold. ``market_value_yi``
is read from the column headed ``shareholders``, which holds the market value in 100M CNY (亿元):
云南白药 717.81, 中国石油 14,297.72 — no shareholder count looks like that. The other three
(``institutional`` ≈ total shares in 10k shares, ``lootchips`` ≈ A-share float and ``pricelimit`` ≈
total shares, both in 100M shares) are not carried, since their meaning is only inferred.

**Mojibake.** 28 rows carry ``?`` where a GBK character was lost in a past re-encoding (e.g. 000333
美的集团 ``佛山顺德区北?蛘蛎赖拇蟮?6号``): 17 in ``addr_reg``, 24 in ``addr_work``, 2 in ``sname`` and
``name`` (300208, 002752). They are kept, text as given, with ``has_mojibake`` set and the damaged
columns named, because the stock code, province and coordinates are intact; consumers should not
parse a flagged address or match on a flagged name. A row would be unusable — and is quarantined —
only if its stock code or coordinates are damaged, which no real row is.

Other defects kept as given: 600291 has no legal name, register date or listing date; 35 rows lack a
listing date (``offer_date`` is present for 34 of them, mostly July 2015 IPOs); empty in every row and
dropped: ``addr``, ``create_date``, ``id``, ``web_site``.

Quarantine reasons: malformed or duplicate code, unparseable or out-of-China coordinates, unparseable
date or market value. The real file reads 2,814 rows, all accepted (the SOURCE.md count).
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
    read_csv_text,
)
from matcher.sources.exchanges import normalize_short_name

FOLDER = "listed_geo_2015"
FILE = "company_info.csv"
REQUIRED = [
    "stock_code", "sname", "area", "pos_x", "pos_y", "industry", "shareholders", "name", "ename",
    "register_date", "addr_reg", "addr_work", "market", "listing_date", "offer_date",
]  # fmt: skip
#: Text columns checked for the ``?`` left by lost characters.
MOJIBAKE_COLUMNS = ["sname", "name", "addr_reg", "addr_work"]
#: A generous box around China (incl. the South China Sea islands); outside it a coordinate is wrong.
LON_RANGE = (73.0, 136.0)
LAT_RANGE = (3.0, 54.0)


def _mojibake_columns(raw: pd.DataFrame) -> pd.Series:
    hits = pd.DataFrame({c: raw[c].fillna("").str.contains("?", regex=False) for c in MOJIBAKE_COLUMNS})
    names = hits.apply(lambda row: ";".join(c for c in MOJIBAKE_COLUMNS if row[c]), axis=1)
    return names.mask(names == "").astype("string")


def load_listed_geo_2015(data_dir: Path) -> LoadResult:
    """Listed firms of 2015 with addresses and coordinates (see module docstring)."""
    source = "listed_geo_2015"
    path = Path(data_dir) / FOLDER / FILE
    raw = read_csv_text(path, REQUIRED)
    code_ok = raw["stock_code"].fillna("").str.match(r"^\d{6}$").astype(bool)
    dup = raw["stock_code"].duplicated(keep="first") & code_ok
    parts = [
        quarantine_rows(source, path, raw[~code_ok], "malformed stock_code", column="stock_code"),
        quarantine_rows(source, path, raw[dup], "duplicate stock_code (first occurrence kept)", column="stock_code"),
    ]
    keep = code_ok & ~dup
    lon, bad_lon = parse_numbers(raw["pos_x"])
    lat, bad_lat = parse_numbers(raw["pos_y"])
    outside = ~(lon.between(*LON_RANGE) & lat.between(*LAT_RANGE))
    for mask, col, reason in (
        (bad_lon | bad_lat | outside, "pos_x", "missing, unparseable or out-of-China coordinates"),
    ):
        parts.append(quarantine_rows(source, path, raw[keep & mask], reason, column=col))
        keep &= ~mask
    dates = {}
    for col in ("register_date", "listing_date", "offer_date"):
        parsed, bad = parse_dates(raw[col], "%Y/%m/%d")
        parts.append(quarantine_rows(source, path, raw[keep & bad], f"unparseable {col}", column=col))
        keep &= ~bad
        dates[col] = parsed
    value, bad_value = parse_numbers(raw["shareholders"])
    parts.append(quarantine_rows(source, path, raw[keep & bad_value], "unparseable shareholders (market value)", column="shareholders"))
    keep &= ~bad_value
    r = raw[keep]
    damaged = _mojibake_columns(r)
    frame = pd.DataFrame(
        {
            "stock_code": r["stock_code"],
            "short_name": r["sname"].map(normalize_short_name).astype("string"),
            "legal_name": r["name"],
            "name_en": r["ename"],
            "province_short": r["area"],
            "lon": lon[keep],
            "lat": lat[keep],
            "industry_2015": r["industry"],
            "reg_address": r["addr_reg"],
            "office_address": r["addr_work"],
            "register_date": dates["register_date"][keep],
            "listing_date": dates["listing_date"][keep],
            "offer_date": dates["offer_date"][keep],
            "market": r["market"],
            "market_value_yi": value[keep],
            "has_mojibake": damaged.notna().astype(bool),
            "mojibake_columns": damaged,
        }
    ).reset_index(drop=True)
    return LoadResult(source, frame, concat_quarantine(parts), len(raw), [str(path)])


LOADERS = {"listed_geo_2015": load_listed_geo_2015}
