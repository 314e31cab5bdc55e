"""The alias index of county-level units: every written form of a county, zone or town by city,
and the result rows every geocoder returns (:data:`GEO_COLUMNS`).

Built once per division table (``data_dir``) and kept in memory; used by the address parser
(:mod:`matcher.geo.address`), the zone table (:mod:`matcher.geo.zones`), the data-derived evidence
(:mod:`matcher.geo.evidence`) and the name resolver (:mod:`matcher.geo.names`).
"""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import pandas as pd

from matcher.geo.tables import (
    MUNICIPALITIES,
    SAR,
    _cpca_points,
    _load_divisions_cached,
    load_changes,
    load_towns,
)

#: columns returned by every geocode_* function (same index as the input)
GEO_COLUMNS = [
    "province_code", "city_code", "county_code", "province", "city", "county", "geo_level", "lon", "lat",
    "coord_source", "geo_method",
]


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


@dataclass
class _Names:
    """Province and prefecture names, and every county-level unit by code (the index's raw material)."""

    by_code: dict[str, dict]
    province_alias: dict[str, str] = field(default_factory=dict)
    province_names: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))
    city_alias: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))
    city_names: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))
    unit_names_by_city: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))


def _place_names(units: pd.DataFrame) -> _Names:
    nm = _Names({r["county_code"]: r for r in units.to_dict(orient="records")})
    for r in units.drop_duplicates("province_code").to_dict(orient="records"):
        for n in (r["province"], r["province_short"]):
            if n and len(n) >= 2:
                nm.province_alias.setdefault(n, r["province_code"])
                nm.province_names[r["province_code"]].append(n)
    for r in units.drop_duplicates("city_code").to_dict(orient="records"):
        if r["city"] in ("省直辖行政区划", "自治区直辖县级行政区划"):
            continue
        for n in (r["city"], r["city_short"]):
            if n and len(n) >= 2 and r["city_code"] not in nm.city_alias[n]:
                nm.city_alias[n].append(r["city_code"])
                nm.city_names[r["city_code"]].append(n)
    for r in nm.by_code.values():
        nm.unit_names_by_city[r["city_code"]].add(r["county"])
    return nm


def _unit_aliases(nm: _Names, aliases: dict[str, list[_Alias]]) -> None:
    """Each county-level unit's written forms: full and short names, a district's former ``X新区`` name,
    and a zone's usual forms (with and without the city, the type word alone)."""
    for code, r in nm.by_code.items():
        city = r["city_code"]
        lst = aliases[city]
        full, short = r["county"], r["county_short"] or ""
        if r["is_city_direct"] or code in SAR:
            continue  # the city itself is the unit: handled when the city is known
        if r["is_zone"] or "开发区" in full or "高新" in full:
            prefixes = _zone_prefixes(r, nm.city_names.get(city, []))
            forms = _zone_forms(full, prefixes, nm.city_names.get(city, []))
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
            if short and len(short) >= 2 and short != full and short not in nm.city_alias and short not in nm.province_alias:
                lst.append(_Alias(short, code, True, "short"))
            m = re.match(r"^(.+)区$", full)
            if m and len(m.group(1)) >= 2 and f"{m.group(1)}新区" not in nm.unit_names_by_city[city]:
                lst.append(_Alias(f"{m.group(1)}新区", code, False, "oldname"))  # 光明新区 → 光明区


def _renamed_aliases(nm: _Names, changes: pd.DataFrame, aliases: dict[str, list[_Alias]]) -> None:
    """Renamed units: the old county name → the new unit in the new city."""
    name_to_code = {(r["city"], r["county"]): c for c, r in nm.by_code.items()}
    for r in changes[changes["level"] == "county"].to_dict(orient="records"):
        new = name_to_code.get((r["new_city"], r["new_county"]))
        if new and r["old_county"] and r["old_county"] not in nm.unit_names_by_city[nm.by_code[new]["city_code"]]:
            aliases[nm.by_code[new]["city_code"]].append(_Alias(r["old_county"], new, False, "oldname"))


def _town_table(nm: _Names, towns: pd.DataFrame) -> pd.DataFrame:
    """Towns/streets with their city, plus the forms they are also written in: a 镇 that became a 街道 (or
    back) keeps its name (贾家镇 ↔ 贾家街道); a town-level zone named with its city in front (天津空港经济区
    under 东丽区) is written without it too (天津自贸试验区(空港经济区))."""
    towns = towns[towns["county_code"].isin(set(nm.by_code))]
    towns = towns.assign(city_code=towns["county_code"].map({c: u["city_code"] for c, u in nm.by_code.items()}))
    short = towns["town"].str.replace(_TOWN_SUFFIX.pattern, "", regex=True)
    has_suffix = short != towns["town"]
    swapped = pd.concat([towns[has_suffix].assign(town=short[has_suffix] + sfx) for sfx in ("镇", "街道", "乡")])
    towns = pd.concat([towns, swapped[~swapped["town"].isin(towns["town"])]], ignore_index=True)
    stripped = []
    for r in towns[["city_code", "town"]].drop_duplicates().to_dict(orient="records"):
        for n in sorted(nm.city_names.get(r["city_code"], []), key=len, reverse=True):
            rest = r["town"].removeprefix(n).removeprefix("市")
            if rest != r["town"] and len(rest) >= 4 and not _GENERIC_WORDS.match(rest):
                stripped.append((r["city_code"], r["town"], rest))
                break
    if stripped:
        extra = towns.merge(pd.DataFrame(stripped, columns=["city_code", "town", "rest"]), on=["city_code", "town"])
        extra = extra.assign(town=extra["rest"]).drop(columns="rest")
        towns = pd.concat([towns, extra[~extra["town"].isin(towns["town"])]], ignore_index=True)
    return towns


def _town_aliases(nm: _Names, towns: pd.DataFrame, aliases: dict[str, list[_Alias]]) -> None:
    """Towns/streets whose name (full, or without 镇/街道 …) is unique within their city."""
    for kind, col in (("town", "town"), ("townshort", "short")):
        t = towns.assign(short=towns["town"].str.replace(_TOWN_SUFFIX.pattern, "", regex=True))
        t = t[t[col].str.len() >= (3 if kind == "town" else 2)]
        t = t.drop_duplicates(["city_code", col, "county_code"])
        uniq = t.groupby(["city_code", col])["county_code"].transform("nunique") == 1
        sel = t.loc[uniq, ["city_code", col, "county_code"]].astype(object)
        for city, name, code in zip(sel["city_code"].tolist(), sel[col].tolist(), sel["county_code"].tolist(), strict=True):
            if name in nm.unit_names_by_city[city] or name in nm.city_alias:
                continue
            if _GENERIC_WORDS.match(name):
                # a "town" called 开发区 says nothing; the city's one bonded zone does, right after the city name
                # (珠海市保税区 → the 保税区 town of 香洲区)
                if name in _BONDED_TOWNS:
                    aliases[city].append(_Alias(name, code, True, kind))
                continue
            aliases[city].append(_Alias(name, code, kind == "townshort", kind))


def _town_zone_aliases(nm: _Names, towns: pd.DataFrame, aliases: dict[str, list[_Alias]]) -> None:
    """Zones listed at town level (北京经济技术开发区 under 大兴区): their usual forms, if the name is more
    than generic words (a "town" called 市经济技术开发区 or 开发区 is not told apart from other zones)."""
    zt = towns.drop_duplicates(["county_code", "town"])
    zt = zt[zt["town"].str.contains("开发区|高新|园区")]
    for city, name, code in zip(zt["city_code"].tolist(), zt["town"].tolist(), zt["county_code"].tolist(), strict=True):
        r = nm.by_code[code]
        prefixes = _zone_prefixes(r, nm.city_names.get(city, []))
        core = _strip_place_prefix(name, prefixes)
        stem = next((core[: -len(k)] for k in _ZONE_GENERIC_SUFFIXES if core.endswith(k)), None)
        named = any(name.startswith(n) or name[2:].startswith(n) for n in nm.city_names.get(city, []))
        if stem is None or (not stem and not named):
            continue  # not a zone name, or only generic words without the city's name
        for f in _zone_forms(name, prefixes, nm.city_names.get(city, [])):
            if len(f) >= 3 and f not in nm.unit_names_by_city[city]:
                aliases[city].append(_Alias(f, code, bool(_GENERIC_WORDS.match(f)), "townzone"))


#: where one spelling points to several units of a city, the best kind wins if it is unique
_KIND_RANK = {"county": 0, "zone": 1, "zonegeneric": 2, "oldname": 2, "short": 3, "town": 4, "townzone": 4, "townshort": 5}


def _one_unit_per_alias(lst: list[_Alias]) -> list[_Alias]:
    """One alias, one unit: the best kind wins when it names one unit (a county-level zone over a
    town-level one); otherwise the alias is dropped (开发区 in a city with two zones). Longest first."""
    by_text: dict[str, list[_Alias]] = defaultdict(list)
    for a in lst:
        by_text[a.text].append(a)
    kept = []
    for group in by_text.values():
        top = min(_KIND_RANK[a.kind] for a in group)
        best_group = [a for a in group if _KIND_RANK[a.kind] == top]
        if len({a.code for a in best_group}) != 1:
            continue
        kept.append(min(best_group, key=lambda a: a.needs_context))
    return sorted(kept, key=lambda a: (-len(a.text), a.text))


@lru_cache(maxsize=4)
def _index(data_dir: str) -> _Index:
    d = Path(data_dir)
    units = _load_divisions_cached(data_dir)
    nm = _place_names(units)
    aliases: dict[str, list[_Alias]] = defaultdict(list)
    _unit_aliases(nm, aliases)
    _renamed_aliases(nm, load_changes(d).frame, aliases)
    towns = _town_table(nm, load_towns(d).frame.astype(object))
    _town_aliases(nm, towns, aliases)
    _town_zone_aliases(nm, towns, aliases)
    aliases = {city: _one_unit_per_alias(lst) for city, lst in aliases.items()}
    full_count: dict[str, list[str]] = defaultdict(list)
    for r in nm.by_code.values():
        full_count[r["county"]].append(r["county_code"])
    national = {n: codes[0] for n, codes in full_count.items() if len(codes) == 1 and len(n) >= 3}
    province_cities: dict[str, list[str]] = defaultdict(list)
    for c in sorted({u["city_code"] for u in nm.by_code.values()}):
        province_cities[c[:2] + "0000"].append(c)
    return _Index(units, nm.by_code, nm.province_alias, dict(nm.city_alias), dict(nm.city_names),
                  dict(nm.province_names), aliases, national, dict(province_cities))


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



def default_data_dir() -> str:
    """``$MATCHER_DATA`` (resolved), for callers that do not pass a data directory."""
    from matcher.sources.base import data_dir_from

    return str(data_dir_from(None).resolve())


def data_key(data_dir: str | Path | None) -> str:
    """The key the in-memory indexes are cached by."""
    return str(Path(data_dir).resolve()) if data_dir is not None else default_data_dir()


def _mentions(text: str, amap: dict[str, _Alias], lengths: list[int]):
    """Every alias occurrence, at every start position (a longer alias does not hide a later one)."""
    n = len(text)
    for i in range(n):
        for length in lengths:
            if i + length <= n:
                a = amap.get(text[i:i + length])
                if a is not None:
                    yield i, a
