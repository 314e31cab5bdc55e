"""Building and caching the profiles: ``ensure_profiles`` (national tables) and ``county_profiles`` (one city).

The national tables are computed once per firm master and industry level and cached in the work
directory (``regions_county.parquet``, ``regions_city.parquet``, ``regions_proximity.parquet``);
``county_profiles`` then selects one city's units, adds chain coverage and the pack's facts.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from matcher.pipeline import cached_frames, code_fingerprint, fingerprint
from matcher.regions import profile as P
from matcher.regions.pack import find_pack_file, load_city_pack
from matcher.regions.units import city_units, load_divisions, resolve_city

STAGE = "regions"


def firm_master(data_dir: Path, workdir: Path) -> pd.DataFrame:
    """The firm master of the work directory (``matcher.firms.master.ensure_firms``, cached there)."""
    from matcher.firms.master import ensure_firms

    return ensure_firms(Path(data_dir), Path(workdir))


def _industry_names(data_dir: Path) -> pd.Series | None:
    """Shenwan code → name (the chain KG's industry table), for codes whose firms lack a name."""
    from matcher.sources.chainkg import load_industry

    try:
        table = load_industry(data_dir).frame
    except Exception:  # noqa: BLE001 — names are cosmetic; a missing file must not stop the profiles
        return None
    return table.set_index("sw_code")["name_clean"]


def _params(industry_col: str, rca_threshold: float, proximity_level: str, exclude_self: bool) -> dict[str, object]:
    return {"industry_col": industry_col, "rca_threshold": rca_threshold, "proximity_level": proximity_level,
            "exclude_self": exclude_self}


def ensure_profiles(
    data_dir: Path,
    workdir: Path,
    *,
    industry_col: str = P.DEFAULT_INDUSTRY_COL,
    rca_threshold: float = 1.0,
    proximity_level: str = "city",
    exclude_self: bool = True,
    force: bool = False,
    firms: pd.DataFrame | None = None,
) -> dict[str, pd.DataFrame]:
    """National profile tables, cached: ``regions_county`` and ``regions_city`` (PROFILE_COLUMNS, only
    regions with at least one firm) and ``regions_proximity`` (industry_i, industry_j, proximity > 0).

    ``firms`` defaults to the firm master of the work directory."""
    workdir = Path(workdir)
    if firms is None:
        firms = firm_master(Path(data_dir), workdir)
    params = _params(industry_col, rca_threshold, proximity_level, exclude_self)
    up = str(int(pd.util.hash_pandas_object(firms, index=False).sum()))  # the frame itself, wherever it came from
    fp = fingerprint(upstream=[up], stage=STAGE, code=code_fingerprint("regions"), params=params)

    def build() -> dict[str, pd.DataFrame]:
        prox = P.industry_proximity(firms, industry_col, proximity_level, rca_threshold)
        kw = dict(industry_col=industry_col, proximity=prox, rca_threshold=rca_threshold, exclude_self=exclude_self,
                  industry_names=_industry_names(Path(data_dir)))
        county = P.profile_regions(firms, None, "county", **kw)  # type: ignore[arg-type]
        city = P.profile_regions(firms, None, "city", **kw)  # type: ignore[arg-type]
        long = pd.Series(prox.stack(), name="proximity").reset_index()
        long.columns = ["industry_i", "industry_j", "proximity"]
        long = long[long["proximity"] > 0].astype({"industry_i": "string", "industry_j": "string"})
        return {"regions_county": county, "regions_city": city, "regions_proximity": long.reset_index(drop=True)}

    return cached_frames(workdir, STAGE, fp, build, force=force)


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
    data_dir: Path,
    workdir: Path,
    *,
    industry_col: str = P.DEFAULT_INDUSTRY_COL,
    rca_threshold: float = 1.0,
    proximity_level: str = "city",
    exclude_self: bool = True,
    force: bool = False,
) -> P.CountyProfiles:
    """Profiles of one city's county-level units and of the city itself, with the pack's facts
    when the city has a pack (``data/cities``), else from the division tables and the data alone."""
    data_dir, workdir = Path(data_dir), Path(workdir)
    pack = load_city_pack(city)
    divisions = load_divisions(data_dir)
    city_code, city_name = resolve_city(city, divisions, pack)
    units = city_units(city, data_dir, pack, use_pack=pack is not None)
    firms = firm_master(data_dir, workdir)
    tables = ensure_profiles(data_dir, workdir, industry_col=industry_col, rca_threshold=rca_threshold,
                             proximity_level=proximity_level, exclude_self=exclude_self, force=force, firms=firms)
    codes = [str(c) for c in units["county_code"]]
    placed = firms["county_code"].astype("string").value_counts()
    with_ind = firms.loc[firms[industry_col].notna(), "county_code"].astype("string").value_counts()
    units = units.assign(firms=units["county_code"].map(placed).fillna(0).astype("int64"),
                         firms_with_industry=units["county_code"].map(with_ind).fillna(0).astype("int64"))
    county = _fill_units(tables["regions_county"], codes, "county", tables["regions_city"])
    city_rows = _fill_units(tables["regions_city"], [city_code], "city", tables["regions_city"])
    curated, anchors = P.curated_facts(pack)
    segments = P.chain_segments()
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
    params: dict[str, object] = _params(industry_col, rca_threshold, proximity_level, exclude_self)
    params["pack"] = str(find_pack_file(city)) if pack else None
    return P.CountyProfiles(city_code, city_name, units, county, city_rows, coverage, curated, anchors,
                            has_pack=pack is not None, params=params)


def _city_anchors(anchors: pd.DataFrame, city_code: str) -> pd.DataFrame:
    """Every anchor of the city's units also counts for the city as a whole."""
    return anchors.assign(region_code=city_code) if not anchors.empty else anchors
