"""Stage: regions — city packs (curated, cited facts) and county profiles (counts, RCA, density,
chain coverage) for any set of county-level units.

Public API (functions of the frames they are given; the orchestrator caches)::

    load_city_pack(city) -> CityPack | None        # data/cities/<city>.yaml, by 秦皇岛 / 秦皇岛市 / 130300
    city_units(city, data_dir) -> DataFrame        # county_code, county_name, aliases, lon, lat, is_zone, source
    rca(counts), presence(rca), proximity(presence), density(presence, proximity)   # THE relatedness
    profile_regions(firms, units, level, industry_col, ...) -> long DataFrame
    national_profiles(firms, industry_names, params) -> {"regions_county", "regions_city", "regions_proximity"}
    county_profiles(city, firms, tables, units, pack, data_dir, segments) -> CountyProfiles
"""

from matcher.regions.build import county_profiles, national_profiles, profile_params
from matcher.regions.pack import CityPack, PackError, load_city_pack, read_pack
from matcher.regions.profile import (
    CountyProfiles,
    chain_coverage,
    flatten_templates,
    industry_proximity,
    profile_regions,
)
from matcher.regions.units import city_units, derive_zone_point, resolve_city
from matcher.relatedness import counts_matrix, density, presence, proximity, rca

__all__ = [
    "CityPack",
    "CountyProfiles",
    "PackError",
    "chain_coverage",
    "city_units",
    "counts_matrix",
    "county_profiles",
    "density",
    "derive_zone_point",
    "flatten_templates",
    "industry_proximity",
    "load_city_pack",
    "national_profiles",
    "presence",
    "profile_params",
    "profile_regions",
    "proximity",
    "rca",
    "read_pack",
    "resolve_city",
]
