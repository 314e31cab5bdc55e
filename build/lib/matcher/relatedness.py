"""THE relatedness implementation: RCA, presence, proximity, density on a region × industry matrix.

Ground floor (pure arithmetic, imports nothing of the project), so that every stage that measures
relatedness — the chain analysis (segment RCA), the county profiles, the entry features and the
firm × county pair features — calls this one module; it is checked against the ``ecomplexity``
package in ``tests/test_relatedness.py``.

The formulas follow Hidalgo, Klinger, Barabási & Hausmann (2007), "The Product Space Conditions the
Development of Nations" (Science 317:482), with firm counts in place of exports:

* RCA (Balassa):  ``RCA_ci = (x_ci / x_c) / (X_i / X)`` — region ``c``'s share of industry ``i``
  over the reference (nation's) share. The reference defaults to the column sums of the matrix; pass
  ``reference`` to compare a subset of regions against the whole nation.
* presence:       ``M_ci = 1[RCA_ci >= threshold]`` (threshold 1).
* proximity:      ``φ_ij = Σ_c M_ci M_cj / max(u_i, u_j)`` with ubiquity ``u_i = Σ_c M_ci`` — the
  smaller of the two conditional probabilities of co-location; ``φ_ii = 1`` where ``u_i > 0``.
* density:        ``ω_ci = Σ_j M_cj φ_ij / Σ_j φ_ij`` — how much of industry ``i``'s neighbourhood the
  region already has. By default ``j ≠ i`` (``exclude_self``): an industry's own presence says nothing
  about how related the region's *other* industries are to it. ``exclude_self=False`` is the
  ``ecomplexity`` package's variant (the sum includes ``j = i``).

All functions take and return labelled DataFrames (regions as index, industries as columns), so
that rows and columns never lose their codes; zeros, not NaN, where a denominator is empty.
"""

from __future__ import annotations

import numpy as np
import pandas as pd


def counts_matrix(
    frame: pd.DataFrame, region_col: str, industry_col: str, weight_col: str | None = None
) -> pd.DataFrame:
    """Region × industry counts (or sums of ``weight_col``) from a long frame; rows with a null
    region or industry are left out. Index and columns are sorted, so the matrix is deterministic."""
    sub = frame.dropna(subset=[region_col, industry_col])
    values = sub[weight_col].astype("float64") if weight_col else pd.Series(1.0, index=sub.index)
    mat = (
        pd.DataFrame({"r": sub[region_col].astype(str), "i": sub[industry_col].astype(str), "v": values})
        .groupby(["r", "i"], sort=True)["v"]
        .sum()
        .unstack(fill_value=0)
    )
    mat.index.name = region_col
    mat.columns.name = industry_col
    return mat.sort_index(axis=0).sort_index(axis=1).astype("float64")


def rca(counts: pd.DataFrame, reference: pd.Series | None = None) -> pd.DataFrame:
    """Balassa revealed comparative advantage of each region (row) in each industry (column).

    ``reference`` gives the national total per industry (index = industries); by default it is the
    column sums of ``counts``, i.e. the regions in the matrix are the whole nation. Regions with no
    firms and industries absent from the reference get RCA 0.
    """
    x = counts.astype("float64")
    ref = x.sum(axis=0) if reference is None else reference.reindex(x.columns).fillna(0.0).astype("float64")
    row_tot = x.sum(axis=1).to_numpy()[:, None]
    ref_share = (ref / ref.sum()).to_numpy()[None, :] if ref.sum() > 0 else np.zeros((1, x.shape[1]))
    with np.errstate(divide="ignore", invalid="ignore"):
        out = (x.to_numpy() / row_tot) / ref_share
    out = np.where(np.isfinite(out), out, 0.0)
    return pd.DataFrame(out, index=x.index, columns=x.columns)


def presence(rca_matrix: pd.DataFrame, threshold: float = 1.0) -> pd.DataFrame:
    """Binary presence ``M_ci`` (0/1 ints): RCA at or above ``threshold``."""
    return (rca_matrix >= threshold).astype("int64")


def proximity(presence_matrix: pd.DataFrame) -> pd.DataFrame:
    """Industry × industry proximity from co-location: ``co_ij / max(u_i, u_j)`` (symmetric).

    Industries present nowhere have proximity 0 to everything (including themselves).
    """
    m = presence_matrix.to_numpy(dtype="float64")
    co = m.T @ m
    u = np.diag(co).copy()
    denom = np.maximum(u[:, None], u[None, :])
    with np.errstate(divide="ignore", invalid="ignore"):
        phi = np.where(denom > 0, co / denom, 0.0)
    cols = presence_matrix.columns
    return pd.DataFrame(phi, index=pd.Index(cols, name="industry_i"), columns=pd.Index(cols, name="industry_j"))


def density(presence_matrix: pd.DataFrame, proximity_matrix: pd.DataFrame, exclude_self: bool = True) -> pd.DataFrame:
    """Relatedness density ``ω_ci`` of each region in each industry of the proximity matrix.

    ``presence_matrix`` may come from a different set of regions (e.g. counties) than the one the
    proximity was estimated on (e.g. cities); its columns are aligned to the proximity's industries
    (an industry the presence matrix lacks counts as absent). Industries whose neighbourhood is empty
    get density 0.
    """
    inds = proximity_matrix.index
    m = presence_matrix.reindex(columns=inds, fill_value=0).to_numpy(dtype="float64")
    phi = proximity_matrix.loc[inds, inds].to_numpy(dtype="float64").copy()
    if exclude_self:
        np.fill_diagonal(phi, 0.0)
    den = phi.sum(axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        out = (m @ phi.T) / den[None, :]
    out = np.where(np.isfinite(out), out, 0.0)
    return pd.DataFrame(out, index=presence_matrix.index, columns=inds)


def balassa(local: float, local_total: float, national: float, national_total: float) -> float:
    """One region's RCA in one category from four counts: ``(local / local_total) / (national / national_total)``;
    0 where a denominator is empty (the same rule as :func:`rca`)."""
    if local_total <= 0 or national <= 0 or national_total <= 0:
        return 0.0
    return (local / local_total) / (national / national_total)


def density_from_counts(counts: pd.DataFrame, threshold: float = 1.0, exclude_self: bool = True
                        ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(density, proximity) from a region × industry count matrix, with the regions themselves as the
    reference: ``rca`` → ``presence`` → ``proximity`` → ``density``."""
    m = presence(rca(counts), threshold)
    phi = proximity(m)
    return density(m, phi, exclude_self=exclude_self), phi


def to_long(matrix: pd.DataFrame, value_name: str, region_name: str = "region_code", industry_name: str = "industry") -> pd.DataFrame:
    """Matrix → long frame (region, industry, value), rows sorted by region then industry."""
    out = matrix.copy()
    out.index = out.index.rename(region_name)
    out.columns = out.columns.rename(industry_name)
    values = pd.Series(out.stack(), name=value_name)
    return values.reset_index().sort_values([region_name, industry_name], kind="stable").reset_index(drop=True)
