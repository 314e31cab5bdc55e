"""Stage: regions — city packs (curated, cited facts) and county profiles (counts, RCA, density,
chain coverage) for any set of county-level units.

Public API::

    load_city_pack(city) -> CityPack | None        # data/cities/<city>.yaml, by 秦皇岛 / 秦皇岛市 / 130300
    city_units(city, data_dir) -> DataFrame        # county_code, county_name, aliases, lon, lat, is_zone, source
    rca(counts), presence(rca), proximity(presence), density(presence, proximity)
    profile_regions(firms, units, level, industry_col, ...) -> long DataFrame
    county_profiles(city, data_dir, workdir) -> CountyProfiles
    ensure_profiles(data_dir, workdir, ...) -> {"regions_county", "regions_city", "regions_proximity"}
"""

from matcher.regions.build import county_profiles, ensure_profiles
from matcher.regions.metrics import counts_matrix, density, presence, proximity, rca
from matcher.regions.pack import CityPack, PackError, load_city_pack, read_pack
from matcher.regions.profile import (
    CountyProfiles,
    chain_coverage,
    industry_proximity,
    profile_regions,
)
from matcher.regions.units import city_units, derive_zone_point, resolve_city

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
    "ensure_profiles",
    "industry_proximity",
    "load_city_pack",
    "presence",
    "profile_regions",
    "proximity",
    "rca",
    "read_pack",
    "resolve_city",
]
