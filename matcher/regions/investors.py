"""The registry history that the expansion models read, and the existing investors of a city.

Two compact frames derived from the registry stage (:mod:`matcher.regions.registry_evidence`), small
enough to cache apart and read quickly (the orchestrator builds them once from the registry frames):

``expansion_entities`` (:data:`ENTITY_COLUMNS`) — every registration linked to a firm of the master at
or above the link threshold, whatever its kind (self / branch / subsidiary / sales outlet), with its
date, place and industry: firm_id, reg_date, province_code, city_code, county_code (null when placed
at city level only), link_type, division, entity_name, source (``registry``; other entity frames of the
same columns say ``outcome`` or the page of a curated link).

``registration_counts`` (:data:`COUNT_COLUMNS`) — registrations of the whole sample per place, GB/T
division and year: province_code, city_code, county_code (empty string when placed at city level),
division, reg_year, branch (the name ends in a branch word: 分公司, 分厂, 办事处 …, or an outlet word), n.
The sample lacks whole province-years (``SOURCE.md``), so counts compare places
within a year range, never totals.

:func:`existing_investors` — the firms already present in a city, per county unit, from three kinds of
evidence, each kept with its source: the registry's linked entities, the cited links of
``data/investor_links.csv`` (local operations the name links miss, :func:`curated_entities`), and the city's
own signed or landed leads (the workbench's outcomes: a lead counts as the firm being present in that unit
from its stage date, :func:`outcome_entities`).
Columns :data:`INVESTOR_COLUMNS`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import pandas as pd

from matcher.firms.registry_links import BRANCH_WORDS, OUTLET_WORDS

ENTITY_COLUMNS = ["firm_id", "reg_date", "province_code", "city_code", "county_code", "link_type", "division",
                  "entity_name", "source"]
COUNT_COLUMNS = ["province_code", "city_code", "county_code", "division", "reg_year", "branch", "n"]
INVESTOR_COLUMNS = ["firm_id", "county_code", "first_date", "kinds", "n_entities", "examples", "sources", "evidence"]

#: a registration whose name ends in a branch or outlet word (optionally followed by a bracketed note)
BRANCH_TAIL = rf"(?:{BRANCH_WORDS.pattern}|{OUTLET_WORDS.pattern})(?:[（(][^）)]*[）)])?$"

#: link types and evidence kinds in planners' words
KIND_NAMES: Mapping[str, str] = {"self": "注册地", "branch": "分公司", "subsidiary": "子公司", "sales_outlet": "销售网点",
                                 "outcome": "签约或落地项目"}
#: kinds that make a firm an existing investor (a business of its own in the unit); sales outlets alone do not
INVESTOR_KINDS = frozenset({"self", "branch", "subsidiary", "outcome"})


def linked_entities(links: pd.DataFrame, registry: pd.DataFrame, threshold: float) -> pd.DataFrame:
    """:data:`ENTITY_COLUMNS` from the registry stage's ``registry_links`` and ``registry`` frames."""
    ok = links.loc[links["score"] >= threshold, ["row", "firm_id", "link_type"]]
    cols = ["row", "reg_date", "province_code", "city_code", "county_code", "division", "legal_name"]
    m = ok.merge(registry[cols], on="row", how="inner")
    m = m[m["city_code"].notna() & m["reg_date"].notna()].rename(columns={"legal_name": "entity_name"}).assign(source="registry")
    out = m[ENTITY_COLUMNS].sort_values(["firm_id", "reg_date", "entity_name"], kind="stable").reset_index(drop=True)
    return out.astype({"firm_id": "string", "province_code": "string", "city_code": "string", "county_code": "string",
                       "link_type": "string", "division": "string", "entity_name": "string", "source": "string"})


def registration_counts(registry: pd.DataFrame) -> pd.DataFrame:
    """:data:`COUNT_COLUMNS`: registrations per place × division × year (rows placed at least at city level)."""
    r = registry[registry["city_code"].notna() & registry["division"].notna() & registry["reg_year"].notna()]
    branch = r["legal_name"].astype("string").fillna("").str.contains(BRANCH_TAIL, regex=True)
    r = r.assign(county_code=r["county_code"].astype("string").fillna(""), branch=branch.astype(bool))
    g = r.groupby(["province_code", "city_code", "county_code", "division", "reg_year", "branch"], sort=True, observed=True).size()
    out = g.rename("n").reset_index()
    return out.astype({"province_code": "string", "city_code": "string", "county_code": "string", "division": "string",
                       "reg_year": "int64", "branch": bool, "n": "int64"})[COUNT_COLUMNS]


INVESTOR_LINKS = "investor_links.csv"
LINK_TABLE_COLUMNS = ["city_code", "county_code", "local_name", "registry_name", "stock_code", "kind", "source_url", "note"]


def curated_entities(table: pd.DataFrame, registry: pd.DataFrame, firms: pd.DataFrame) -> pd.DataFrame:
    """Entities from the cited link table (``data/investor_links.csv``, :data:`LINK_TABLE_COLUMNS`): one row per
    link whose parent is a firm of the master, at the table's unit, dated at the registration of
    ``registry_name`` when the registry sample holds it (else unknown), ``source`` = the page."""
    missing = [c for c in LINK_TABLE_COLUMNS if c not in table.columns]
    if missing:
        raise ValueError(f"{INVESTOR_LINKS}: missing columns {missing}")
    by_code = firms.dropna(subset=["stock_code"]).drop_duplicates("stock_code").set_index("stock_code")["firm_id"]
    t = table[table["stock_code"].astype(str).isin(by_code.index)]
    reg = registry[registry["legal_name"].isin(set(t["registry_name"]) - {""})].sort_values("reg_date")
    when = reg.drop_duplicates("legal_name").set_index("legal_name")
    rows = [{"firm_id": str(by_code[str(r.stock_code)]), "reg_date": when["reg_date"].get(r.registry_name, pd.NaT),
             "province_code": str(r.city_code)[:2] + "0000", "city_code": str(r.city_code), "county_code": str(r.county_code),
             "link_type": str(r.kind), "division": when["division"].get(r.registry_name) if "division" in when else None,
             "entity_name": str(r.registry_name or r.local_name), "source": str(r.source_url)} for r in t.itertuples(index=False)]
    return _typed(pd.DataFrame(rows, columns=ENTITY_COLUMNS))


def outcome_entities(outcomes: pd.DataFrame | None, firms: pd.DataFrame, city_code: str) -> pd.DataFrame:
    """Entities from the city's own outcomes (signed / landed … leads of the workbench, read by their documented
    schema): one row per firm × unit, dated at its earliest stage date; leads not matched to the firm master
    (empty firm_id) or of another city are ignored."""
    if outcomes is None or outcomes.empty:
        return _typed(pd.DataFrame(columns=ENTITY_COLUMNS))
    o = outcomes[(outcomes["city_code"].astype("string") == city_code) & outcomes["firm_id"].astype("string").fillna("").ne("")]
    o = o[o["firm_id"].astype(str).isin(set(firms["firm_id"].astype(str))) & o["county_code"].notna()]
    if o.empty:
        return _typed(pd.DataFrame(columns=ENTITY_COLUMNS))
    o = o.sort_values(["stage_date", "lead_id"], kind="stable").drop_duplicates(["firm_id", "county_code"])
    out = pd.DataFrame({
        "firm_id": o["firm_id"].astype(str), "reg_date": pd.to_datetime(o["stage_date"]), "province_code": city_code[:2] + "0000",
        "city_code": city_code, "county_code": o["county_code"].astype(str), "link_type": "outcome", "division": None,
        "entity_name": [f"项目库第{int(i)}号（{s}，{pd.Timestamp(d).date().isoformat()}）" for i, s, d in
                        zip(o["lead_id"], o["stage"], o["stage_date"], strict=True)],
        "source": "outcome",
    })
    return _typed(out[ENTITY_COLUMNS])


def _typed(frame: pd.DataFrame) -> pd.DataFrame:
    frame = frame.copy()
    frame["reg_date"] = pd.to_datetime(frame["reg_date"])
    return frame.astype({c: "string" for c in ENTITY_COLUMNS if c != "reg_date"}).reset_index(drop=True)


def existing_investors(entities: pd.DataFrame, units: Iterable[str]) -> pd.DataFrame:
    """:data:`INVESTOR_COLUMNS`: per firm × unit of the city (``units``: county codes) with at least one entity
    there — since when (``first_date``; NaT when no dated record says so), which kinds ('|'-joined link types),
    how many, up to three examples, the sources (registry, outcome or a page) and one line of evidence in
    Chinese. Rows with a kind in :data:`INVESTOR_KINDS` make the firm an existing investor; sales outlets alone
    are listed but do not."""
    e = entities[entities["county_code"].isin(list(units))]
    if e.empty:
        return pd.DataFrame(columns=INVESTOR_COLUMNS)
    e = e.sort_values(["firm_id", "county_code", "reg_date", "entity_name"], kind="stable", na_position="last")
    g = e.groupby(["firm_id", "county_code"], sort=True)
    out = g.agg(first_date=("reg_date", "min"), kinds=("link_type", lambda s: "|".join(sorted(set(s)))),
                n_entities=("link_type", "size"), examples=("entity_name", lambda s: "|".join(list(dict.fromkeys(s))[:3])),
                sources=("source", lambda s: "|".join(sorted(set(s))))).reset_index()
    out["evidence"] = [_evidence_line(k, d, x, s) for k, d, x, s in
                       zip(out["kinds"], out["first_date"], out["examples"], out["sources"], strict=True)]
    return out[INVESTOR_COLUMNS]


SOURCE_NAMES: Mapping[str, str] = {"registry": "工商登记样本", "outcome": "本系统项目库"}


def _evidence_line(kinds: str, first: object, examples: str, sources: str) -> str:
    words = "、".join(KIND_NAMES.get(k, k) for k in kinds.split("|"))
    since = f"{pd.Timestamp(first).year}年起" if pd.notna(first) else "起始时间不详"
    src = "、".join(SOURCE_NAMES.get(x, x) for x in sources.split("|"))
    return f"{words}（{since}）：{examples.replace('|', '、')}（来源：{src}）"


def is_investor(kinds: str) -> bool:
    """True when the '|'-joined kinds include a business of the firm's own (not only sales outlets)."""
    return bool(set(str(kinds).split("|")) & INVESTOR_KINDS)


__all__ = ["COUNT_COLUMNS", "ENTITY_COLUMNS", "INVESTOR_COLUMNS", "INVESTOR_KINDS", "INVESTOR_LINKS", "KIND_NAMES",
           "curated_entities", "existing_investors", "is_investor", "linked_entities", "outcome_entities", "registration_counts"]
