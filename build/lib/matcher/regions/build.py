"""The profiles: national tables (:func:`national_profiles`, computed once per firm master and cached by
the orchestrator) and one city's county profiles (:func:`county_profiles`).

``county_profiles`` selects one city's units from the national tables and adds chain coverage and
the pack's curated facts. Both are functions of the frames they are given.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from matcher.regions import profile as P
from matcher.regions.pack import CityPack, find_pack_file
from matcher.regions.units import resolve_city


def profile_params(industry_col: str = P.DEFAULT_INDUSTRY_COL, rca_threshold: float = 1.0, proximity_level: str = "city",
                   exclude_self: bool = True) -> dict[str, object]:
    """The parameters of a profile build (they enter the cache key and every profile's header)."""
    return {"industry_col": industry_col, "rca_threshold": rca_threshold, "proximity_level": proximity_level,
            "exclude_self": exclude_self}


def national_profiles(firms: pd.DataFrame, industry_names: pd.Series | None = None,
                      params: dict[str, object] | None = None) -> dict[str, pd.DataFrame]:
    """National profile tables: ``regions_county`` and ``regions_city`` (PROFILE_COLUMNS, only regions with
    at least one firm) and ``regions_proximity`` (industry_i, industry_j, proximity > 0).

    ``industry_names`` (code → name) names the codes whose firms lack a name."""
    p = profile_params(**(params or {}))  # type: ignore[arg-type]
    industry_col, level, rca_t = str(p["industry_col"]), str(p["proximity_level"]), float(p["rca_threshold"])  # type: ignore[arg-type]
    prox = P.industry_proximity(firms, industry_col, level, rca_t)
    kw = dict(industry_col=industry_col, proximity=prox, rca_threshold=rca_t, exclude_self=bool(p["exclude_self"]),
              industry_names=industry_names)
    county = P.profile_regions(firms, None, "county", **kw)  # type: ignore[arg-type]
    city = P.profile_regions(firms, None, "city", **kw)  # type: ignore[arg-type]
    long = pd.Series(prox.stack(), name="proximity").reset_index()
    long.columns = ["industry_i", "industry_j", "proximity"]
    long = long[long["proximity"] > 0].astype({"industry_i": "string", "industry_j": "string"})
    return {"regions_county": county, "regions_city": city, "regions_proximity": long.reset_index(drop=True)}


def _fill_units(profile: pd.DataFrame, codes: list[str], level: str, national: pd.DataFrame) -> pd.DataFrame:
    """Rows for the requested regions; a region with no firm gets count 0 and its density from nothing (0)."""
    have = profile[profile["region_code"].isin(codes)]
    missing = [c for c in codes if c not in set(have["region_code"])]
    if not missing:
        return have.reset_index(drop=True)
    inds = national.drop_duplicates("industry")[["industry", "industry_name", "national_count", "national_share"]]
    blank = pd.concat([inds.assign(region_code=c) for c in missing], ignore_index=True)
    blank = blank.assign(level=level, count=0, region_total=0, share=0.0, rca=0.0, present=False, density=0.0)
    out = pd.concat([have, blank[P.PROFILE_COLUMNS]], ignore_index=True)
    out["region_code"] = out["region_code"].astype("string")
    return out.sort_values(["region_code", "industry"], kind="stable").reset_index(drop=True)


def county_profiles(
    city: str,
    firms: pd.DataFrame,
    tables: dict[str, pd.DataFrame],
    units: pd.DataFrame,
    pack: CityPack | None,
    data_dir: Path,
    segments: pd.DataFrame,
    params: dict[str, object] | None = None,
) -> P.CountyProfiles:
    """Profiles of one city's county-level units (``units``: :func:`matcher.regions.city_units`) and of the
    city itself, from the national ``tables`` (:func:`national_profiles`), with the pack's facts when
    the city has a pack, else from the division tables and the data alone. ``segments`` are the chain
    templates flattened (:func:`matcher.regions.profile.flatten_templates`)."""
    p = profile_params(**(params or {}))  # type: ignore[arg-type]
    industry_col = str(p["industry_col"])
    city_code, city_name = resolve_city(city, data_dir, pack)
    codes = [str(c) for c in units["county_code"]]
    placed = firms["county_code"].astype("string").value_counts()
    with_ind = firms.loc[firms[industry_col].notna(), "county_code"].astype("string").value_counts()
    units = units.assign(firms=units["county_code"].map(placed).fillna(0).astype("int64"),
                         firms_with_industry=units["county_code"].map(with_ind).fillna(0).astype("int64"))
    county = _fill_units(tables["regions_county"], codes, "county", tables["regions_city"])
    city_rows = _fill_units(tables["regions_city"], [city_code], "city", tables["regions_city"])
    curated, anchors = P.curated_facts(pack)
    targeted = curated.loc[curated["kind"] == "targeted_chain", ["region_code", "value"]].rename(columns={"value": "chain"})
    # the city targets what any of its units targets
    targeted = pd.concat([targeted, targeted.assign(region_code=city_code)], ignore_index=True).drop_duplicates()
    coverage = pd.concat(
        [
            P.chain_coverage(firms, segments, "county_code", codes, anchors, targeted),
            P.chain_coverage(firms, segments, "city_code", [city_code], _city_anchors(anchors, city_code), targeted),
        ],
        ignore_index=True,
    )
    params_out: dict[str, object] = dict(p)
    params_out["pack"] = find_pack_file(city).name if pack else None  # type: ignore[union-attr]
    return P.CountyProfiles(city_code, city_name, units, county, city_rows, coverage, curated, anchors,
                            has_pack=pack is not None, params=params_out)


def _city_anchors(anchors: pd.DataFrame, city_code: str) -> pd.DataFrame:
    """Every anchor of the city's units also counts for the city as a whole."""
    return anchors.assign(region_code=city_code) if not anchors.empty else anchors
