"""Local presence and expansion events: which firms of the master already have entities in a place, and who
opened a new entity where — from the registry sample's name links (:mod:`matcher.firms.registry_links`).

``local_presence`` (:data:`PRESENCE_COLUMNS`), one row per firm × county unit with at least one linked
entity at or above the link threshold: firm_id, firm_name, home_city_code, province_code, city_code,
county_code, n_entities, first_date (earliest registration date there: "since when"), last_date,
link_types ('|'-joined: self / branch / sales_outlet / subsidiary), divisions ('|'-joined GB/T 大类 of
the entities: "what"), examples (up to three entity names), min_score. Planners court these firms
for expansion (以商招商, 增资扩产).

``expansion_events`` (:data:`EVENT_COLUMNS`), one row per linked entity outside the firm's home city
(branch, subsidiary or sales outlet; the firm itself is no event): firm_id, uscc, entity_name,
province_code, city_code, county_code, geo_level, reg_date, link_type, score, division. The outcome the
ranking learns from and is evaluated on; the links are name-based, their precision is measured
(``matcher bench registry``). The registry is a sample: absence of an event is no evidence of absence.
"""

from __future__ import annotations

import pandas as pd

PRESENCE_COLUMNS = ["firm_id", "firm_name", "home_city_code", "province_code", "city_code", "county_code",
                    "n_entities", "first_date", "last_date", "link_types", "divisions", "examples", "min_score"]
EVENT_COLUMNS = ["firm_id", "uscc", "entity_name", "province_code", "city_code", "county_code", "geo_level", "reg_date",
                 "link_type", "score", "division"]


def _linked(links: pd.DataFrame, registry: pd.DataFrame, firms: pd.DataFrame, threshold: float) -> pd.DataFrame:
    ok = links[links["score"] >= threshold]
    cols = ["row", "uscc", "legal_name", "province_code", "city_code", "county_code", "geo_level", "reg_date", "division"]
    m = ok.merge(registry[cols], on="row", how="inner")
    f = firms.drop_duplicates("firm_id").set_index("firm_id")
    m["firm_name"] = m["firm_id"].map(f["name"]).astype("string")
    m["home_city_code"] = m["firm_id"].map(f["city_code"]).astype("string")
    return m


def local_presence(links: pd.DataFrame, registry: pd.DataFrame, firms: pd.DataFrame, threshold: float) -> pd.DataFrame:
    m = _linked(links, registry, firms, threshold)
    m = m[m["county_code"].notna()]
    if m.empty:
        return pd.DataFrame(columns=PRESENCE_COLUMNS)
    m = m.sort_values(["firm_id", "county_code", "reg_date"], kind="stable")
    g = m.groupby(["firm_id", "county_code"], sort=True)
    out = g.agg(firm_name=("firm_name", "first"), home_city_code=("home_city_code", "first"),
                province_code=("province_code", "first"), city_code=("city_code", "first"),
                n_entities=("row", "size"), first_date=("reg_date", "min"), last_date=("reg_date", "max"),
                link_types=("link_type", lambda s: "|".join(sorted(set(s)))),
                divisions=("division", lambda s: "|".join(sorted({str(x) for x in s if isinstance(x, str)}))),
                examples=("legal_name", lambda s: "|".join(list(s)[:3])), min_score=("score", "min")).reset_index()
    return out[PRESENCE_COLUMNS].astype({"firm_id": "string", "county_code": "string", "n_entities": "int64"})


def expansion_events(links: pd.DataFrame, registry: pd.DataFrame, firms: pd.DataFrame, threshold: float) -> pd.DataFrame:
    m = _linked(links, registry, firms, threshold)
    m = m[(m["link_type"] != "self") & m["city_code"].notna() & m["home_city_code"].notna()
          & (m["city_code"] != m["home_city_code"])]
    out = m.rename(columns={"legal_name": "entity_name"})[EVENT_COLUMNS]
    return out.sort_values(["firm_id", "reg_date", "uscc"], kind="stable").reset_index(drop=True)


__all__ = ["EVENT_COLUMNS", "PRESENCE_COLUMNS", "expansion_events", "local_presence"]
