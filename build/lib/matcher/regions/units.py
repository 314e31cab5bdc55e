"""County-level units of a city: from the division tables, overlaid with the city pack when there is one.

``city_units(city, data_dir)`` works for every prefecture city: units, names and centroids come from
the division table (:func:`matcher.geo.load_divisions`); a pack adds aliases and the points of
functional zones that the table lacks. A zone without a pack point gets one derived from its host
units (:func:`derive_zone_point`), else the city's mean point, and the ``source`` column says which.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from matcher import geo
from matcher.geo.tables import load_towns
from matcher.regions.pack import CityPack, load_city_pack

UNIT_COLUMNS = ["county_code", "county_name", "aliases", "lon", "lat", "is_zone", "source"]

_TOWN_SUFFIXES = ("管理区办事处", "管理处", "办事处", "管理区", "街道", "镇", "乡")
_is_zone_code = geo.is_zone_code


def resolve_city(city: str, data_dir: Path, pack: CityPack | None = None) -> tuple[str, str]:
    """(city_code, city name) for a city given as 唐山 / 唐山市 / 130200: the pack's when the city has
    one, else :func:`matcher.geo.resolve_city`."""
    if pack is not None:
        return pack.city_code, pack.city
    return geo.resolve_city(city, data_dir)


def _town_key(name: str) -> str:
    for suffix in _TOWN_SUFFIXES:
        if name.endswith(suffix) and len(name) > len(suffix) + 1:
            return name[: -len(suffix)]
    return name


def city_towns(data_dir: Path, city_code: str) -> pd.DataFrame:
    """Town-level units (depth 3 of the NBS tree in jionlp) of one city: county_code, town, town_key."""
    towns = load_towns(Path(data_dir)).frame
    out = towns.loc[towns["city_code"] == city_code, ["county_code", "town"]].astype(str).reset_index(drop=True)
    out["town_key"] = out["town"].map(_town_key)
    return out


def derive_zone_point(zone_code: str, divisions: pd.DataFrame, towns: pd.DataFrame) -> tuple[float, float, str] | None:
    """A point for a functional zone from its host units: the zone's town-level units are matched by
    name (suffix-stripped: 团林管理处 ~ 团林乡) to towns of the city's regular units; the point is the
    mean of those hosts' points weighted by matched towns. None when no town matches."""
    zone_towns = set(towns.loc[towns["county_code"] == zone_code, "town_key"])
    others = towns[(towns["county_code"] != zone_code) & ~towns["county_code"].map(_is_zone_code)]
    hits = others[others["town_key"].isin(zone_towns)]
    if hits.empty:
        return None
    pts = divisions.set_index("county_code")[["lon", "lat", "county"]]
    weights = hits.groupby("county_code").size()
    weights = weights[weights.index.isin(pts.index)]
    weights = weights[pts.loc[weights.index, "lon"].notna().to_numpy()]
    if weights.empty:
        return None
    lon = float((pts.loc[weights.index, "lon"] * weights).sum() / weights.sum())
    lat = float((pts.loc[weights.index, "lat"] * weights).sum() / weights.sum())
    detail = ", ".join(
        f"{pts.loc[c, 'county']}×{int(w)} ({'、'.join(sorted(hits.loc[hits['county_code'] == c, 'town_key']))})"
        for c, w in weights.sort_index().items()
    )
    return lon, lat, f"derived: host units {detail}"


def city_units(city: str, data_dir: Path, pack: CityPack | None = None, *, use_pack: bool = True) -> pd.DataFrame:
    """The county-level units of ``city``: county_code, county_name, aliases, lon, lat, is_zone, source.

    ``source`` names where the point came from (division table, pack, derivation, city mean).
    """
    divisions = geo.load_divisions(Path(data_dir))
    if pack is None and use_pack:
        pack = load_city_pack(city)
    city_code, _ = resolve_city(city, data_dir, pack)
    rows = divisions[divisions["city_code"] == city_code].copy()
    towns: pd.DataFrame | None = None
    records = []
    pack_units = {u.code: u for u in pack.units} if pack else {}
    codes = sorted(set(rows["county_code"]) | set(pack_units))
    by_code: dict[str, dict] = {str(r["county_code"]): r for r in rows.to_dict("records")}
    city_mean = (float(rows["lon"].mean()), float(rows["lat"].mean())) if rows["lon"].notna().any() else (None, None)
    for code in codes:
        div = by_code.get(code)
        unit = pack_units.get(code)
        name = unit.name if unit else str((div or {}).get("county", code))
        aliases: list[str] = list(unit.aliases) if unit else []
        short = div.get("county_short") if div is not None else None
        if isinstance(short, str):
            if short not in aliases and short != name:
                aliases.append(short)
        lon = lat = None
        source = None
        if unit is not None and unit.centroid is not None:
            lon, lat = unit.centroid.lon, unit.centroid.lat
            source = f"pack ({unit.centroid.basis}): {unit.centroid.source}"
        elif div is not None and pd.notna(div.get("lon")):
            lon, lat, source = float(div["lon"]), float(div["lat"]), "division table: admin_county_coords_derived/county_coords_merged.csv"
        elif _is_zone_code(code):
            if towns is None:
                towns = city_towns(Path(data_dir), city_code)
            got = derive_zone_point(code, divisions[divisions["city_code"] == city_code], towns)
            if got:
                lon, lat, source = got
        if lon is None and city_mean[0] is not None:
            lon, lat, source = city_mean[0], city_mean[1], "derived: mean of the city's unit points (unit not located)"
        records.append(
            {
                "county_code": code,
                "county_name": name,
                "aliases": aliases,
                "lon": lon,
                "lat": lat,
                "is_zone": bool(unit.is_zone) if unit else _is_zone_code(code),
                "source": source,
            }
        )
    out = pd.DataFrame.from_records(records, columns=UNIT_COLUMNS)
    out["lon"] = out["lon"].astype("float64")
    out["lat"] = out["lat"].astype("float64")
    out["is_zone"] = out["is_zone"].astype("boolean")
    return out
