"""The curated zone → host county table (``data/zone_host_counties.csv``: every row cites a public page
and quotes it): development zones without a statistical code, placed at the county that hosts them."""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import pandas as pd

from matcher import resources
from matcher.geo.evidence import _zone_keys
from matcher.geo.index import _ROAD_AFTER, _Index, _index, _mentions

#: the shipped table (package data, relative to data/)
ZONE_TABLE = "zone_host_counties.csv"
ZONE_TABLE_COLUMNS = ["city_code", "zone", "aliases", "county_code", "county_name", "basis", "source_url",
                      "source_title", "quote"]


def load_zone_table(path: str | Path | None = None) -> pd.DataFrame:
    """The curated zone table (the shipped one unless ``path`` is given): one row per (city_code, zone);
    ``aliases`` and ``county_code`` / ``county_name`` are ``|``-separated (several host counties when the
    cited page says the zone spans them). Every row carries the page (``source_url``, ``source_title``)
    and the ``quote`` stating it."""
    where = Path(path) if path is not None else resources.data_path(ZONE_TABLE)
    t = pd.read_csv(where, dtype=str, keep_default_na=False, encoding="utf-8")
    missing = [c for c in ZONE_TABLE_COLUMNS if c not in t.columns]
    if missing:
        raise ValueError(f"{where}: missing columns {missing}")
    return t[ZONE_TABLE_COLUMNS]


@dataclass(frozen=True)
class _ZoneEntry:
    zone: str
    keys: frozenset[str]  # zone keys (``|gx``, ``东湖|dev``) of the zone's written forms
    literals: tuple[str, ...]  # forms without a zone-type word (麓谷, 高新西区): matched as substrings
    hosts: tuple[str, ...]


@lru_cache(maxsize=4)
def _zone_table_index(data_dir: str, relative: str = ZONE_TABLE) -> dict[str, list[_ZoneEntry]]:
    """city code → its table entries, the aliases turned into the same keys the co-occurrence evidence uses."""
    path = resources.data_path(relative)
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

