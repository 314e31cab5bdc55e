"""Place names → division codes: THE resolver of city, county and province names (Chinese, with or
without 市/县 suffixes, 6-digit codes, English/pinyin names)."""

from __future__ import annotations

import re
from collections import defaultdict
from functools import lru_cache
from pathlib import Path

import pandas as pd

from matcher.geo.index import (
    MUNICIPALITIES,
    SAR,
    _clean,
    _empty_row,
    _frame,
    _Index,
    _index,
    _row_for_city,
    _row_for_county,
    _row_for_province,
    data_key,
)

__all__ = [
    "UnknownPlace",
    "geocode_city_names",
    "geocode_english_cities",
    "resolve_city",
    "resolve_cities",
    "resolve_counties",
]


class UnknownPlace(KeyError):
    """A place name or code that the division table does not know (or knows twice); the message
    names it and suggests the nearest names."""

    def __str__(self) -> str:  # KeyError quotes its argument; this one is a sentence
        return str(self.args[0]) if self.args else ""


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
    dd = data_key(data_dir)
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
            if pc in MUNICIPALITIES or pc in SAR:
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
        if pcode in MUNICIPALITIES or pcode in SAR:
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
    dd = data_key(data_dir)
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
        elif level == "city" or code in MUNICIPALITIES or code in SAR:
            rows.append(_row_for_city(ix, dd, code, "pinyin"))
        else:
            rows.append(_row_for_province(ix, code, "pinyin"))
    return _frame(rows, names.index)


# ---------------------------------------------------------------------------------------------
# one place given by a user: a city or county name or code


def _suggest(ix: _Index, text: str, level: str) -> str:
    """The three nearest names, by characters or by sound (a typo is often a homophone: 大廉 → 大连市)."""
    from rapidfuzz import fuzz

    names = sorted({u["city"] for u in ix.by_code.values() if u["city"] not in ("市辖区", "省直辖行政区划",
                                                                                 "自治区直辖县级行政区划")}
                   if level == "city" else {u["county"] for u in ix.by_code.values()})
    key = _pinyin(text)

    def score(name: str) -> float:
        core = re.sub(r"(市|地区|自治州|盟|县|区|旗)$", "", name)
        return max(fuzz.WRatio(text, name), fuzz.ratio(key, _pinyin(core)) if key else 0.0)

    near = sorted(names, key=lambda n: (-score(n), n))[:3]
    return "、".join(near)


def _city_name(ix: _Index, dd: str, city_code: str) -> str:
    r = _row_for_city(ix, dd, city_code, "code")
    name = str(r["city"])
    if name in ("市辖区", "县") or city_code in MUNICIPALITIES:
        name = str(r["province"])
    return name


def resolve_city(text: str, data_dir: str | Path | None = None, *, allow_county: bool = False) -> tuple[str, str]:
    """(city code, city name) of a prefecture given as 唐山 / 唐山市 / 130200 / Tangshan, or a municipality
    (北京 → 110000). A county-level name or code (昆山, 320583) gives its prefecture only with
    ``allow_county``; otherwise, like an unknown or ambiguous name, it raises :class:`UnknownPlace` with
    the nearest names."""
    dd = data_key(data_dir)
    ix = _index(dd)
    key = _clean(text)
    if re.fullmatch(r"\d{6}", key):
        if key in MUNICIPALITIES or key in SAR:
            return key, _city_name(ix, dd, key)
        city_codes = {u["city_code"] for u in ix.by_code.values()}
        if key in city_codes and not key.endswith("0000"):
            return key, _city_name(ix, dd, key)
        if key in ix.by_code and allow_county:
            c = ix.by_code[key]["city_code"]
            return c, _city_name(ix, dd, c)
        raise UnknownPlace(f"unknown city code {text!r}" + ("" if key not in ix.by_code else
                           f" ({ix.by_code[key]['county']} is a county-level unit of {ix.by_code[key]['city']})"))
    row = geocode_city_names(pd.Series([key]), data_dir=dd).iloc[0]
    if not key or row["geo_level"] == "none":
        english = geocode_english_cities(pd.Series([key]), data_dir=dd).iloc[0] if re.search("[a-zA-Z]", key) else None
        if english is not None and english["geo_level"] in ("city", "county"):
            row = english
        else:
            raise UnknownPlace(f"unknown city {text!r}; did you mean: {_suggest(ix, key, 'city')}?")
    if row["geo_level"] == "province":
        raise UnknownPlace(f"{text!r} is a province; give one of its cities")
    if row["geo_level"] == "county" and not allow_county and row["county_code"] != row["city_code"]:
        raise UnknownPlace(f"{text!r} is a county-level unit of {row['city']}; give the prefecture city")
    code = str(row["city_code"])
    return code, _city_name(ix, dd, code)


def resolve_cities(texts: list[str], data_dir: str | Path | None = None, *, allow_county: bool = True) -> pd.DataFrame:
    """Several cities (names or codes) → code, name, lon, lat (in order, duplicates dropped); the point is
    the prefecture's (cpca's city point; a prefecture without counties uses its own unit's)."""
    dd = data_key(data_dir)
    ix = _index(dd)
    rows = []
    for t in texts:
        if not str(t).strip():
            continue
        code, name = resolve_city(str(t), dd, allow_county=allow_county)
        r = _row_for_city(ix, dd, code, "code")
        rows.append({"code": code, "name": name, "lon": r["lon"], "lat": r["lat"]})
    out = pd.DataFrame(rows, columns=["code", "name", "lon", "lat"]).drop_duplicates("code").reset_index(drop=True)
    return out.astype({"lon": "float64", "lat": "float64"})


def resolve_counties(texts: list[str], data_dir: str | Path | None = None, *, city_code: str | None = None
                     ) -> list[tuple[str, str]]:
    """County-level units (names, short names or codes; zones included) → [(code, name)], within
    ``city_code`` when given; :class:`UnknownPlace` for a name that is unknown or not unique."""
    dd = data_key(data_dir)
    ix = _index(dd)
    out = []
    for t in texts:
        key = _clean(t)
        units = [(c, u) for c, u in ix.by_code.items() if city_code is None or u["city_code"] == city_code]
        hits = [c for c, u in units if key in (c, u["county"], u["county_short"])]
        if len(hits) != 1:
            what = "ambiguous" if hits else "unknown"
            raise UnknownPlace(f"{what} county {t!r}; did you mean: {_suggest(ix, key, 'county')}?")
        out.append((hits[0], str(ix.by_code[hits[0]]["county"])))
    return out
