"""Placing firms: each list's location evidence turned into county/city/province codes through
:mod:`matcher.geo`, in the order of trust, with ``geo_source`` saying which evidence won.

The address parser's data-derived rules (:func:`address_evidence`) are built here, once per firm
master, from the reference addresses the master reads anyway (SZSE registered addresses, the 2015
file's registered and office addresses), and passed to every address geocoded afterwards.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from matcher import geo
from matcher.firms import names

GEO_COLUMNS = ["province_code", "city_code", "county_code", "province", "city", "county", "geo_level", "lon", "lat"]
LEVEL_RANK = {"county": 3, "city": 2, "province": 1, "none": 0}


def _nonnull(v: Any) -> bool:
    try:
        return not bool(pd.isna(v))
    except (TypeError, ValueError):
        return True


def address_evidence(szse: pd.DataFrame, geo2015: pd.DataFrame, data_dir: Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(reference corpus, rule table) of the address parser's co-occurrence evidence
    (:func:`matcher.geo.reference_corpus`, :func:`matcher.geo.rule_table`): SZSE registered addresses
    with the list's city, and the 2015 file's registered and office addresses (rows without lost
    characters)."""
    g = geo2015[~geo2015["has_mojibake"].astype(bool)]
    parts = [("szse", szse["stock_code"], szse["reg_address"], szse["city"]),
             ("g15_reg", g["stock_code"], g["reg_address"], None), ("g15_office", g["stock_code"], g["office_address"], None)]
    corpus = geo.reference_corpus(parts, data_dir)
    return corpus, geo.rule_table(corpus)


def empty_geo(index: pd.Index) -> pd.DataFrame:
    out = pd.DataFrame(index=index)
    for c in GEO_COLUMNS:
        out[c] = pd.Series(np.nan if c in ("lon", "lat") else None, index=index, dtype="float64" if c in ("lon", "lat") else "object")
    out["geo_level"] = "none"
    return out


def geo_frame(result: pd.DataFrame | None, index: pd.Index) -> pd.DataFrame:
    out = empty_geo(index)
    if result is None or len(result) == 0:
        return out
    result = result.set_axis(index) if len(result) == len(index) else result.reindex(index)
    for c in GEO_COLUMNS:
        if c in result.columns:
            vals = result[c]
            out[c] = pd.to_numeric(vals, errors="coerce").astype("float64").to_numpy() if c in ("lon", "lat") else vals.astype("object").to_numpy()
    level = out["geo_level"].astype("object")
    out["geo_level"] = level.where(level.notna(), "none")
    return out


def geocode_listed(df: pd.DataFrame, data_dir: Path, evidence: pd.DataFrame | None = None) -> pd.DataFrame:
    """Geo columns for listed firms, in the order of trust (SZSE registered address, the 2015 registered
    address when it lies in the current city, Tushare city, Tushare province); adds ``geo_source``."""
    out = empty_geo(df.index)
    out["geo_source"] = None

    def better(cand: pd.DataFrame, source: str, mask: pd.Series) -> None:
        rank = {"county": 3, "city": 2, "province": 1, "none": 0}
        cand = cand.reindex(out.index)
        mask = mask.reindex(out.index, fill_value=False)
        cur = out["geo_level"].map(rank).fillna(0)
        new = cand["geo_level"].map(rank).fillna(0)
        take = mask & (new > cur)
        for c in GEO_COLUMNS:
            out.loc[take, c] = cand.loc[take, c]
        out.loc[take, "geo_source"] = source

    # 1. SZSE registered address (with the list's own province/city as context)
    m = df["sz_reg_address"].notna()
    if m.any():
        sub = df[m]
        g = geo.geocode_addresses(sub["sz_reg_address"], city_hint=sub["sz_city"], data_dir=data_dir, evidence=evidence)
        better(geo_frame(g, sub.index), "szse_address", m)
    # Tushare city (needed to vet the 2015 address)
    m = df["ts_city"].notna() | df["ts_province"].notna() | df["area"].notna()
    ts = empty_geo(df.index)
    if m.any():
        sub = df[m]
        prov = sub["ts_province"].fillna(sub["area"])
        names_ = sub["ts_city"].where(sub["ts_city"].notna(), None).astype("object")
        ts = geo_frame(geo.geocode_city_names(names_, province_hint=prov, data_dir=data_dir), sub.index).reindex(df.index)
        ts["geo_level"] = ts["geo_level"].fillna("none")
    # 2. 2015 registered address, only when it lies in the current city (or province if no city)
    m = df["g15_reg_address"].notna() & df["g15_fits"] & ~df["g15_has_mojibake"].fillna(False).astype(bool)
    if m.any():
        sub = df[m]
        g = geo_frame(geo.geocode_addresses(sub["g15_reg_address"], data_dir=data_dir, evidence=evidence), sub.index)
        cur_city = ts.loc[sub.index, "city_code"]
        cur_prov = ts.loc[sub.index, "province_code"]
        agree = (cur_city.isna() | (g["city_code"] == cur_city)) & (cur_prov.isna() | (g["province_code"] == cur_prov))
        agree = agree & (cur_city.notna() | cur_prov.notna())
        better(g, "geo2015_address", agree.reindex(df.index, fill_value=False))
    # 3. Tushare city / province
    better(ts, "tushare_city", pd.Series(True, index=df.index))
    out.loc[out["geo_source"].eq("tushare_city") & out["geo_level"].eq("province"), "geo_source"] = "tushare_province"
    return out



def first_col(frame: pd.DataFrame, candidates: Sequence[str]) -> pd.Series:
    for c in candidates:
        if c in frame.columns:
            return frame[c]
    return pd.Series(pd.NA, index=frame.index, dtype="object")



def user_geo(kind: str, fr: pd.DataFrame, legal: pd.Series, data_dir: Path,
             evidence: pd.DataFrame | None = None) -> tuple[pd.DataFrame, pd.Series]:
    """Geo columns of user-file rows: registered address, else the file's province/city, else a
    region named in the firm name (秦皇岛甲乙有限公司 → 秦皇岛市) when it agrees with the province."""
    address = first_col(fr, ("reg_address", "address", "注册地址"))
    prov = first_col(fr, ("province", "省份"))
    city = first_col(fr, ("city", "城市"))
    g = geo_frame(None, fr.index)
    src = pd.Series(None, index=fr.index, dtype="object")

    def take_better(cand: pd.DataFrame, label: str, allowed: pd.Series | None = None) -> None:
        better = cand["geo_level"].map(LEVEL_RANK).fillna(0) > g["geo_level"].map(LEVEL_RANK).fillna(0)
        if allowed is not None:
            better &= allowed
        for c in GEO_COLUMNS:
            g.loc[better, c] = cand.loc[better, c]
        src[better] = label

    if address.notna().any():
        take_better(geo_frame(geo.geocode_addresses(address, city_hint=city, data_dir=data_dir, evidence=evidence), fr.index), f"{kind}_address")
    if (prov.notna() | city.notna()).any():
        # MIIT lists give a 计划单列市 (宁波, 青岛, 深圳, 厦门, 大连) in the province column: a city name there is a city
        names_ = city.astype("object").where(city.notna(), prov.astype("object"))
        take_better(geo_frame(geo.geocode_city_names(names_, province_hint=prov, data_dir=data_dir), fr.index), f"{kind}_city")
    region = pd.Series([name_region(v) for v in legal], index=legal.index, dtype="object")
    if region.notna().any():
        gr = geo_frame(geo.geocode_city_names(region.astype("object"), province_hint=prov, data_dir=data_dir), fr.index)
        same_prov = g["province_code"].isna() | (gr["province_code"] == g["province_code"]).fillna(False)
        take_better(gr, f"{kind}_name_region", same_prov.astype(bool))
    return g, src


def name_region(legal: Any) -> str | None:
    """The first region a firm name carries (秦皇岛甲乙有限公司 → 秦皇岛), or None."""
    if not _nonnull(legal):
        return None
    found = names.strip_region(names.strip_legal_form(str(legal)))[1]
    return found[0] if found else None

