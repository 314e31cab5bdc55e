"""Geography, below every stage: division tables, name → code resolution, centroids, distance and
address parsing — one implementation of each.

- :mod:`matcher.geo.tables` — the NBS division tree (jionlp), renamings, county centroids;
  :func:`load_divisions` (one row per county-level unit, zones included), :func:`county_points`,
  :func:`prefecture_points`;
- :mod:`matcher.geo.names` — THE resolver of place names and codes (:func:`resolve_city`,
  :func:`resolve_cities`, :func:`resolve_counties`, :func:`geocode_city_names`,
  :func:`geocode_english_cities`);
- :mod:`matcher.geo.address` — THE address parser (:func:`geocode_addresses`);
- :mod:`matcher.geo.zones`, :mod:`matcher.geo.evidence` — the cited zone host table and the
  data-derived co-occurrence rules the address parser may use;
- :mod:`matcher.geo.distance` — THE haversine.

Imports only the ground floor (:mod:`matcher.resources`, the loader contract
:mod:`matcher.sources.base`).
"""

from matcher.geo.address import cpca_baseline, geocode_addresses
from matcher.geo.distance import EARTH_RADIUS_KM, distance_grid, haversine_km, point_km
from matcher.geo.evidence import reference_corpus, rule_table
from matcher.geo.index import GEO_COLUMNS
from matcher.geo.names import (
    UnknownPlace,
    geocode_city_names,
    geocode_english_cities,
    resolve_cities,
    resolve_city,
    resolve_counties,
)
from matcher.geo.tables import MUNICIPALITIES, county_points, is_zone_code, load_divisions, prefecture_points
from matcher.geo.zones import load_zone_table

__all__ = [
    "EARTH_RADIUS_KM",
    "GEO_COLUMNS",
    "MUNICIPALITIES",
    "UnknownPlace",
    "county_points",
    "cpca_baseline",
    "distance_grid",
    "geocode_addresses",
    "geocode_city_names",
    "geocode_english_cities",
    "haversine_km",
    "is_zone_code",
    "load_divisions",
    "load_zone_table",
    "point_km",
    "prefecture_points",
    "reference_corpus",
    "resolve_cities",
    "resolve_city",
    "resolve_counties",
    "rule_table",
]
