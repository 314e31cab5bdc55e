"""Features of (region, industry) cells at a cut-off date t0: pure functions over frames.

Every function here reads only firms listed strictly before ``t0`` (:func:`matcher.model.cells.before`),
so adding or removing firms listed at or after t0 cannot change a feature (tests/test_model_leakage.py
proves it on the real data).

Feature columns (per cell c = city, i = industry; "recent" = listed in the ``momentum_years`` before t0):

============== ==================================================================================
city_firms     listed firms in the city (the city's size)
city_inds      distinct industries in the city (diversity)
city_recent    city's firms listed recently (the city's listing momentum)
ind_firms      listed firms of the industry nationally
ind_recent     industry's firms listed recently, nationally (the industry's momentum)
size           city_firms × ind_firms (the size baseline; proportional to the expected count)
prov_ind       firms of the industry elsewhere in the same province
prov_ind_recent  … of which listed recently
prov_firms     listed firms in the province
rca_prov       the province's revealed comparative advantage in the industry (Balassa)
nbr_ind        firms of the industry in the k nearest other cities (by centroid)
spill_ind      distance-decayed firms of the industry in all other cities: Σ n_j,i · exp(−d/τ)
spill_firms    distance-decayed firms of all industries in other cities (normaliser)
density        relatedness density (Hidalgo et al. 2007) from city RCA ≥ 1 co-occurrence at t0
related_firms  Σ_j φ_ij · n_c,j: the city's firms in industries related to i, weighted by proximity
============== ==================================================================================
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np
import pandas as pd

from matcher import geo, relatedness
from matcher.model.cells import CELL_KEYS, before, city_coordinates

FEATURE_COLUMNS = [
    "city_firms",
    "city_inds",
    "city_recent",
    "ind_firms",
    "ind_recent",
    "size",
    "prov_ind",
    "prov_ind_recent",
    "prov_firms",
    "rca_prov",
    "nbr_ind",
    "spill_ind",
    "spill_firms",
    "density",
    "related_firms",
]


@dataclass(frozen=True)
class FeatureSettings:
    """Settings of the cell features (logged as run parameters)."""

    momentum_years: int = 5
    k_neighbours: int = 5
    spill_km: float = 150.0

    def as_dict(self) -> dict[str, float | int]:
        return asdict(self)


def cell_features(
    firms: pd.DataFrame,
    cells: pd.DataFrame,
    t0: str | pd.Timestamp,
    settings: FeatureSettings | None = None,
    coords: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Return ``cells`` (keys province, city, industry + any other columns) with the feature columns.

    ``firms`` is the firm table (:func:`matcher.model.cells.firms_from_tushare`); only rows listed
    before ``t0`` are read. ``coords`` (province, city, lon, lat) defaults to
    :func:`matcher.model.cells.city_coordinates`.
    """
    s = settings or FeatureSettings()
    t0 = pd.Timestamp(t0)
    pre = before(firms, t0)
    recent = pre[pre["list_date"] >= t0 - pd.DateOffset(years=s.momentum_years)]
    out = cells.copy()

    counts = _matrix(pre)  # cities × industries
    recent_counts = _matrix(recent).reindex(index=counts.index, columns=counts.columns, fill_value=0)
    cities = counts.index.to_frame(index=False)

    city = pd.DataFrame(
        {
            "city_firms": counts.sum(axis=1),
            "city_inds": (counts > 0).sum(axis=1),
            "city_recent": recent_counts.sum(axis=1),
        }
    )
    ind = pd.DataFrame({"ind_firms": counts.sum(axis=0), "ind_recent": recent_counts.sum(axis=0)})
    ind.index.name = "industry"

    prov_counts = counts.groupby(level="province").sum()
    prov_recent = recent_counts.groupby(level="province").sum()
    total = counts.to_numpy().sum()
    prov_share = prov_counts.div(prov_counts.sum(axis=1), axis=0)
    nat_share = counts.sum(axis=0) / max(total, 1)
    rca_prov = prov_share.div(nat_share.replace(0, np.nan), axis=1).fillna(0.0)
    prov = _long(prov_counts, "prov_ind").merge(_long(prov_recent, "prov_ind_recent"), on=["province", "industry"])
    prov = prov.merge(_long(rca_prov, "rca_prov"), on=["province", "industry"])
    prov = prov.merge(prov_counts.sum(axis=1).rename("prov_firms").reset_index(), on="province")

    nbr, spill, spill_firms = _spatial(counts, cities, s, coords)
    density, related = _relatedness(counts)

    cell_mat = pd.concat(
        {
            "nbr_ind": _long(nbr, "v").set_index(CELL_KEYS)["v"],
            "spill_ind": _long(spill, "v").set_index(CELL_KEYS)["v"],
            "density": _long(density, "v").set_index(CELL_KEYS)["v"],
            "related_firms": _long(related, "v").set_index(CELL_KEYS)["v"],
            "own": _long(counts, "v").set_index(CELL_KEYS)["v"],
        },
        axis=1,
    ).reset_index()

    out = out.merge(city.reset_index(), on=["province", "city"], how="left")
    out = out.merge(ind.reset_index(), on="industry", how="left")
    out = out.merge(prov, on=["province", "industry"], how="left")
    out = out.merge(spill_firms.rename("spill_firms").reset_index(), on=["province", "city"], how="left")
    out = out.merge(cell_mat, on=CELL_KEYS, how="left")
    # the cell's own firms are not "elsewhere in the province"
    out["prov_ind"] = out["prov_ind"] - out["own"].fillna(0)
    own_recent = _long(recent_counts, "own_recent")
    out = out.merge(own_recent, on=CELL_KEYS, how="left")
    out["prov_ind_recent"] = out["prov_ind_recent"] - out["own_recent"].fillna(0)
    out = out.drop(columns=["own", "own_recent"])
    out["size"] = out["city_firms"] * out["ind_firms"]
    for col in FEATURE_COLUMNS:
        out[col] = out[col].astype("float64").fillna(0.0)
    return out


def _matrix(frame: pd.DataFrame) -> pd.DataFrame:
    """Counts as a (province, city) × industry matrix."""
    if frame.empty:
        idx = pd.MultiIndex.from_arrays([[], []], names=["province", "city"])
        return pd.DataFrame(index=idx, dtype="float64")
    return (
        frame.groupby(["province", "city", "industry"], observed=True)
        .size()
        .unstack("industry", fill_value=0)
        .sort_index()
        .sort_index(axis=1)
        .astype("float64")
    )


def _long(mat: pd.DataFrame, name: str) -> pd.DataFrame:
    out = pd.Series(mat.stack(), name=name).reset_index()
    out.columns = [*mat.index.names, "industry", name]
    return out



def _spatial(
    counts: pd.DataFrame, cities: pd.DataFrame, s: FeatureSettings, coords: pd.DataFrame | None
) -> tuple[pd.DataFrame, pd.DataFrame, pd.Series]:
    """k-nearest-city counts and distance-decayed spillover, per city × industry."""
    xy = cities.merge(coords if coords is not None else city_coordinates(cities), on=["province", "city"], how="left")
    # units without coordinates sit at their province's mean centroid (none when the province has none)
    for col in ("lon", "lat"):
        xy[col] = xy[col].fillna(xy.groupby("province")[col].transform("mean"))
    lon, lat = xy["lon"].to_numpy(float), xy["lat"].to_numpy(float)
    dist = geo.haversine_km(lon[:, None], lat[:, None], lon[None, :], lat[None, :])
    dist = np.where(np.isnan(dist), np.inf, dist)
    np.fill_diagonal(dist, np.inf)
    n = len(cities)
    k = min(s.k_neighbours, max(n - 1, 0))
    near = np.zeros((n, n))
    if k > 0:
        order = np.argsort(dist, axis=1, kind="stable")[:, :k]
        rows = np.repeat(np.arange(n), k)
        ok = np.isfinite(dist[rows, order.ravel()])
        near[rows[ok], order.ravel()[ok]] = 1.0
    decay = np.exp(-dist / s.spill_km)
    m = counts.to_numpy()
    nbr = pd.DataFrame(near @ m, index=counts.index, columns=counts.columns)
    spill = pd.DataFrame(decay @ m, index=counts.index, columns=counts.columns)
    spill_firms = pd.Series(spill.sum(axis=1), index=counts.index)
    return nbr, spill, spill_firms


def _relatedness(counts: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Hidalgo et al. (2007) density (:func:`matcher.relatedness.density_from_counts`, cities as the
    reference) and proximity-weighted related firm counts ``related_ci = Σ_{j≠i} φ_ij n_cj``, per city ×
    industry."""
    density, phi = relatedness.density_from_counts(counts)
    w = phi.to_numpy(dtype="float64").copy()
    np.fill_diagonal(w, 0.0)
    related = counts.to_numpy(dtype="float64") @ w
    return density, pd.DataFrame(related, index=counts.index, columns=counts.columns)
