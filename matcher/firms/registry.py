"""Registry evidence, stage 1: the registrations of the registry sample placed at county level and
classified by industry (:func:`build_registry`). A pure function of the loaded registrations, the
division tables, the firm master's address rules and the GB/T 4754 table; the orchestrator caches it.

Placement (:func:`place_registrations`), finest level the evidence allows, recorded in ``geo_source``:

1. ``authority_code`` — the registering authority's code (characters 3–8 of the credit code, 1–6 of a
   15-digit registration number) is a county-level unit of the NBS tree (zones such as 130371 included);
2. ``address:<method>`` — otherwise the address through the project's geocoder
   (:func:`matcher.geo.geocode_addresses` with the firm master's co-occurrence rules), with the
   authority's prefecture as the city hint (else the row's 地区): a county or coded zone when the text
   names one (``<method>`` is the geocoder's ``geo_method``);
3. ``authority_city`` / ``address_city`` — else the prefecture (the authority's when it is one);
   ``address_province`` / ``none`` below that.

Authority codes that are no NBS unit (130351, 130392 in 秦皇岛: branch bureaus of development zones;
130301 市辖区; county codes retired by a reorganisation, e.g. 130323 抚宁县) therefore go through the
address.

Columns of the ``registry`` frame (:data:`REGISTRY_COLUMNS`): row, uscc, uscc_valid, code_kind,
authority_code, legal_name, reg_date, reg_year, org_type, reg_capital_wan, reg_capital_currency,
province_code, city_code, county_code, geo_level (county/city/province/none), geo_source, division
(GB/T 4754-2017 大类, 2 digits), section (门类 letter), industry_source (``name_rule`` when an industry
word of the name decided, ``model`` otherwise, null without text), industry_margin (the model's margin
of the best class over the second; null for name rules).
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from matcher import geo
from matcher.firms import registry_industry as RI
from matcher.geo.tables import MUNICIPALITIES

REGISTRY_COLUMNS = [
    "row", "uscc", "uscc_valid", "code_kind", "authority_code", "legal_name", "reg_date", "reg_year", "org_type",
    "reg_capital_wan", "reg_capital_currency", "province_code", "city_code", "county_code", "geo_level",
    "geo_source", "division", "section", "industry_source", "industry_margin",
]  # fmt: skip

#: training rows drawn for the industry model (weakly labelled among them: ~60%)
TRAIN_DRAW = 250_000
TRAIN_SEED = 20261210


def authority_places(codes: pd.Series, divisions: pd.DataFrame) -> pd.DataFrame:
    """Per authority code: county_code (when the code is a county-level unit), city_code (its prefecture,
    when that is a prefecture of the tree), province_code."""
    county = set(divisions["county_code"].astype(str))
    cities = set(divisions["city_code"].astype(str))
    provinces = set(divisions["province_code"].astype(str))
    uniq = pd.Series(codes.dropna().unique(), dtype="string")
    c2city = dict(zip(divisions["county_code"].astype(str), divisions["city_code"].astype(str), strict=True))
    rows = []
    for a in uniq:
        a = str(a)
        prov = a[:2] + "0000"
        city = prov if prov in MUNICIPALITIES else a[:4] + "00"
        rows.append({
            "authority_code": a,
            "a_county": a if a in county else None,
            "a_city": c2city.get(a) if a in county else (city if city in cities else None),
            "a_province": prov if prov in provinces else None,
        })
    return pd.DataFrame(rows, columns=["authority_code", "a_county", "a_city", "a_province"]).astype("string")


def place_registrations(reg: pd.DataFrame, data_dir: Path, evidence: pd.DataFrame | None = None) -> pd.DataFrame:
    """province_code, city_code, county_code, geo_level, geo_source for every registration (same index)."""
    divisions = geo.load_divisions(data_dir)
    ap = authority_places(reg["authority_code"], divisions).set_index("authority_code")
    auth = reg["authority_code"].astype("string")
    a_county = auth.map(ap["a_county"]).astype("string")
    a_city = auth.map(ap["a_city"]).astype("string")
    a_prov = auth.map(ap["a_province"]).astype("string")
    out = pd.DataFrame({"province_code": a_prov, "city_code": a_city, "county_code": a_county},
                       index=reg.index).astype("string")
    out["geo_level"] = pd.Series(np.where(a_county.notna(), "county", np.where(a_city.notna(), "city",
                                                                               np.where(a_prov.notna(), "province", "none"))),
                                 index=reg.index, dtype="string")
    out["geo_source"] = pd.Series(np.where(a_county.notna(), "authority_code",
                                           np.where(a_city.notna(), "authority_city", None)), index=reg.index, dtype="string")
    todo = a_county.isna()
    if todo.any():
        sub = reg.loc[todo]
        hint = a_city[todo].astype("object")
        # no authority prefecture: the row's 地区 (outside the municipalities, where it is a district tag)
        need = sub.index[hint.isna().to_numpy()]
        if len(need):
            prov_ok = sub.loc[need, "province"].astype("object").map(lambda p: isinstance(p, str) and p not in ("北京", "天津", "上海", "重庆"))
            cities = sub.loc[need, "city"].astype("object").where(prov_ok, None).map(lambda v: v if isinstance(v, str) else "")
            res = geo.geocode_city_names(pd.Series(cities.to_numpy(), dtype="object"),
                                         pd.Series(sub.loc[need, "province"].astype("object").map(lambda v: v if isinstance(v, str) else "").to_numpy()),
                                         data_dir=data_dir)
            codes = res["city_code"].astype("object").to_numpy()
            hint.loc[need] = [c if isinstance(c, str) and cities.iloc[i] else None for i, c in enumerate(codes)]
        parts = []
        # the geocoder takes code hints, or none at all: two calls, each on a RangeIndex, mapped back
        for with_hint in (True, False):
            m = hint.map(lambda v: isinstance(v, str)).to_numpy() == with_hint
            if not m.any():
                continue
            s_idx = sub.index[m]
            addr = pd.Series(sub.loc[s_idx, "address"].fillna("").astype(str).to_numpy())
            h = pd.Series(hint.loc[s_idx].to_numpy(), dtype="object") if with_hint else None
            gg = geo.geocode_addresses(addr, h, data_dir=data_dir, evidence=evidence)
            gg.index = s_idx
            parts.append(gg)
        g = pd.concat(parts).reindex(sub.index)
        is_c = (g["geo_level"] == "county").fillna(False).to_numpy()
        idx = sub.index
        ci = idx[is_c]
        out.loc[ci, "county_code"] = g.loc[ci, "county_code"].astype("string")
        out.loc[ci, "city_code"] = g.loc[ci, "city_code"].astype("string")
        out.loc[ci, "province_code"] = g.loc[ci, "province_code"].astype("string")
        out.loc[ci, "geo_level"] = "county"
        out.loc[ci, "geo_source"] = ("address:" + g.loc[ci, "geo_method"].astype("string")).astype("string")
        rest = idx[~is_c]
        no_city = rest[out.loc[rest, "city_code"].isna().to_numpy()]
        gcity = g.loc[no_city, "city_code"].astype("string")
        has = no_city[gcity.notna().to_numpy()]
        out.loc[has, "city_code"] = g.loc[has, "city_code"].astype("string")
        out.loc[has, "province_code"] = g.loc[has, "province_code"].astype("string")
        out.loc[has, "geo_level"] = "city"
        out.loc[has, "geo_source"] = "address_city"
        noc = no_city[gcity.isna().to_numpy()]
        gp = g.loc[noc, "province_code"].astype("string")
        hp = noc[gp.notna().to_numpy() & out.loc[noc, "province_code"].isna().to_numpy()]
        out.loc[hp, "province_code"] = gp[hp]
        prov_only = noc[out.loc[noc, "province_code"].notna().to_numpy()]
        out.loc[prov_only, "geo_level"] = "province"
        out.loc[prov_only, "geo_source"] = out.loc[prov_only, "geo_source"].fillna("address_province")
    out["geo_source"] = out["geo_source"].fillna("none")
    return out


def classify_registrations(reg: pd.DataFrame, gbt: pd.DataFrame, exclude_rows: set[int] | None = None, *,
                           draw: int = TRAIN_DRAW, seed: int = TRAIN_SEED, scopes: pd.Series | None = None,
                           ) -> tuple[pd.DataFrame, RI.IndustryModel]:
    """division, section, industry_source, industry_margin for every registration, and the fitted model.

    The model is trained on weakly labelled rows of a random draw (``seed``); rows in ``exclude_rows``
    (the labelled evaluation sample's file rows) are never trained on."""
    names = reg["legal_name"].astype("object").tolist()
    sc = (scopes if scopes is not None else reg["business_scope"]).astype("object")
    scope_list = [s if isinstance(s, str) else None for s in sc.tolist()]
    rng = np.random.default_rng(seed)
    pick = rng.choice(len(reg), size=min(draw, len(reg)), replace=False)
    if exclude_rows:
        rows = reg["row"].to_numpy()
        pick = pick[~np.isin(rows[pick], list(exclude_rows))]
    wl = RI.weak_labels([names[i] for i in pick], [scope_list[i] for i in pick])
    m = wl != None  # noqa: E711 - elementwise on an object array
    model = RI.fit_industry_model([names[i] for i in pick[m]], [scope_list[i] for i in pick[m]], wl[m].tolist(), kind="nb",
                                  alpha=0.1)
    model.info["draw"], model.info["seed"] = int(len(pick)), seed
    pred, margin = model.predict(names, scope_list)
    rule = RI.weak_labels(names, scope_list)
    has_rule = rule != None  # noqa: E711
    division = np.where(has_rule, rule, pred)
    sections = RI.division_sections(gbt)
    out = pd.DataFrame({
        "division": pd.array(division, dtype="string"),
        "section": pd.array([sections.get(d) for d in division], dtype="string"),
        "industry_source": pd.array(np.where(has_rule, "name_rule", "model"), dtype="string"),
        "industry_margin": np.where(has_rule, np.nan, margin).astype("float64"),
    }, index=reg.index)
    return out, model


def build_registry(reg: pd.DataFrame, data_dir: Path, gbt: pd.DataFrame, evidence: pd.DataFrame | None = None,
                   exclude_rows: set[int] | None = None) -> tuple[pd.DataFrame, dict[str, Any]]:
    """The ``registry`` frame (:data:`REGISTRY_COLUMNS`) from the loaded registrations and a report."""
    t0 = time.perf_counter()
    place = place_registrations(reg, data_dir, evidence)
    t1 = time.perf_counter()
    ind, model = classify_registrations(reg, gbt, exclude_rows)
    t2 = time.perf_counter()
    out = pd.DataFrame({
        "row": reg["row"].astype("int64"), "uscc": reg["uscc"], "uscc_valid": reg["uscc_valid"].astype(bool),
        "code_kind": reg["code_kind"], "authority_code": reg["authority_code"], "legal_name": reg["legal_name"],
        "reg_date": reg["reg_date"], "reg_year": reg["reg_date"].dt.year.astype("Int16"), "org_type": reg["org_type"],
        "reg_capital_wan": reg["reg_capital_wan"], "reg_capital_currency": reg["reg_capital_currency"],
    })
    out = pd.concat([out, place, ind], axis=1)[REGISTRY_COLUMNS].reset_index(drop=True)
    report = {"rows": len(out), "placement": placement_summary(out), "industry_model": model.info,
              "industry_source": {str(k): int(v) for k, v in out["industry_source"].value_counts().items()},
              "seconds": {"place": round(t1 - t0, 1), "classify": round(t2 - t1, 1)}}
    return out, report


def placement_summary(reg: pd.DataFrame, city_code: str = "130300") -> dict[str, Any]:
    """Share at county level nationally and in one city (default 秦皇岛), and rows by geo_source."""
    q = reg["city_code"] == city_code
    return {
        "county_share": round(float((reg["geo_level"] == "county").mean()), 4) if len(reg) else 0.0,
        "county_share_city": round(float((reg.loc[q, "geo_level"] == "county").mean()), 4) if q.any() else None,
        "city": city_code, "rows_city": int(q.sum()),
        "by_level": {str(k): int(v) for k, v in reg["geo_level"].value_counts().items()},
        "by_source": {str(k): int(v) for k, v in reg["geo_source"].value_counts().items()},
        "by_source_city": {str(k): int(v) for k, v in reg.loc[q, "geo_source"].value_counts().items()},
    }


__all__ = ["REGISTRY_COLUMNS", "authority_places", "build_registry", "classify_registrations", "place_registrations",
           "placement_summary"]
