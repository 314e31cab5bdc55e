"""Data-derived evidence: which county other addresses name together with a street address, a zone or a road."""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path

import pandas as pd

from matcher.geo.index import _clean, _Index, _index, data_key

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


CORPUS_COLUMNS = ["firm", "source", "text", "city_code", "kind", "key", "county_code"]
RULE_COLUMNS = ["city_code", "kind", "key", "county_code", "support", "total", "share"]

#: one part of a reference corpus: (source name, firm ids, addresses, city hints or None)
CorpusPart = tuple[str, pd.Series, pd.Series, "pd.Series | None"]


def reference_corpus(parts: Iterable[CorpusPart], data_dir: str | Path | None = None) -> pd.DataFrame:
    """Reference addresses placed by the text rules (no inference), as evidence rows.

    One row per (firm, source, kind, key) with the county the text names (empty when city-level):
    columns firm, source, text, city_code, kind, key, county_code. The firm stage passes the SZSE
    registered addresses and the 2015 file's registered and office addresses."""
    from matcher.geo.address import geocode_addresses

    dd = data_key(data_dir)
    ix = _index(dd)
    rows = []
    for src, codes, addr, hint in parts:
        geo = geocode_addresses(addr, hint, data_dir=dd, infer=False)
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
    return pd.DataFrame(rows, columns=CORPUS_COLUMNS)


def rule_table(obs: pd.DataFrame) -> pd.DataFrame:
    """The data-derived rules from a :func:`reference_corpus`: city_code, kind (address / zone / road), key,
    county_code, support (distinct firms whose address names key and county), total (firms naming key
    with any county), share — only where the winning county dominates (:data:`RULE_THRESHOLDS`)."""
    obs = obs.dropna(subset=["county_code"]).drop_duplicates(["firm", "city_code", "kind", "key", "county_code"])
    if obs.empty:
        return pd.DataFrame(columns=RULE_COLUMNS)
    t = obs.groupby(["city_code", "kind", "key", "county_code"]).size().rename("support").reset_index()
    t["total"] = t.groupby(["city_code", "kind", "key"])["support"].transform("sum")
    t["share"] = (t["support"] / t["total"]).round(3)
    t = t.sort_values(["city_code", "kind", "key", "support", "county_code"], ascending=[True, True, True, False, True],
                      kind="stable").drop_duplicates(["city_code", "kind", "key"])
    ok = [t["support"].ge(RULE_THRESHOLDS[k][0]) & t["share"].ge(RULE_THRESHOLDS[k][1]) for k in RULE_THRESHOLDS]
    keep = pd.concat([o & t["kind"].eq(k) for o, k in zip(ok, RULE_THRESHOLDS, strict=True)], axis=1).any(axis=1)
    return t[keep].reset_index(drop=True)


def evidence_lookup(rules: pd.DataFrame | None) -> dict[tuple[str, str, str], str]:
    """(city, kind, key) → county of a :func:`rule_table` (empty without one)."""
    if rules is None or rules.empty:
        return {}
    return {(c, k, key): cc for c, k, key, cc in zip(rules["city_code"], rules["kind"], rules["key"],
                                                    rules["county_code"], strict=True)}


def infer_county(ix: _Index, rules: dict, text: str, city: str) -> tuple[str, str] | None:
    """(county, method) of the first rule the address's keys fire (street address, then zone, then road)."""
    keys = _evidence_keys(ix, text, city)
    for kind in _INFER_ORDER:
        for k, key in keys:
            if k == kind and (city, kind, key) in rules:
                return rules[(city, kind, key)], _INFER_METHOD[kind]
    return None

