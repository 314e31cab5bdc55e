"""RCA, proximity and density checked against independent computations on synthetic random matrices:
a direct element-by-element numpy/loop formula, and the ``ecomplexity`` package (Harvard Growth Lab
formulas) on the same input where it is installed."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from matcher.relatedness import counts_matrix, density, presence, proximity, rca, to_long


def _synthetic_counts(seed: int, n_regions: int = 40, n_inds: int = 15) -> pd.DataFrame:
    """Synthetic region × industry firm counts (Poisson with region size and industry size effects)."""
    rng = np.random.default_rng(seed)
    size = rng.gamma(1.5, 2.0, size=(n_regions, 1))
    ind = rng.gamma(1.0, 1.0, size=(1, n_inds))
    x = rng.poisson(size * ind).astype(float)
    x[x.sum(axis=1) == 0, 0] = 1.0  # every region and industry non-empty (ecomplexity drops empty ones)
    x[0, x.sum(axis=0) == 0] = 1.0
    return pd.DataFrame(x, index=[f"r{i:02d}" for i in range(n_regions)], columns=[f"i{j:02d}" for j in range(n_inds)])


def _loop_rca(x: np.ndarray, ref: np.ndarray) -> np.ndarray:
    out = np.zeros_like(x)
    total = ref.sum()
    for c in range(x.shape[0]):
        for i in range(x.shape[1]):
            rc = x[c].sum()
            out[c, i] = (x[c, i] / rc) / (ref[i] / total) if rc > 0 and ref[i] > 0 else 0.0
    return out


def _loop_proximity(m: np.ndarray) -> np.ndarray:
    n = m.shape[1]
    phi = np.zeros((n, n))
    for i in range(n):
        for j in range(n):
            ui, uj = m[:, i].sum(), m[:, j].sum()
            both = float(np.sum(m[:, i] * m[:, j]))
            phi[i, j] = both / max(ui, uj) if max(ui, uj) > 0 else 0.0
    return phi


def _loop_density(m: np.ndarray, phi: np.ndarray, exclude_self: bool) -> np.ndarray:
    out = np.zeros((m.shape[0], phi.shape[0]))
    for c in range(m.shape[0]):
        for i in range(phi.shape[0]):
            js = [j for j in range(phi.shape[0]) if not (exclude_self and j == i)]
            den = sum(phi[i, j] for j in js)
            out[c, i] = sum(m[c, j] * phi[i, j] for j in js) / den if den > 0 else 0.0
    return out


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_rca_matches_direct_formula(seed: int) -> None:
    x = _synthetic_counts(seed)
    got = rca(x)
    np.testing.assert_allclose(got.to_numpy(), _loop_rca(x.to_numpy(), x.sum(axis=0).to_numpy()), rtol=1e-12)
    assert list(got.index) == list(x.index) and list(got.columns) == list(x.columns)
    # share-weighted mean RCA of each industry over all regions is 1 when the reference is the matrix itself
    w = x.sum(axis=1) / x.to_numpy().sum()
    np.testing.assert_allclose((got.mul(w, axis=0)).sum(axis=0).to_numpy(), 1.0, rtol=1e-12)


def test_rca_against_an_external_reference() -> None:
    x = _synthetic_counts(3).iloc[:5]
    ref = _synthetic_counts(3).sum(axis=0) * 3  # a "nation" larger than the regions shown
    got = rca(x, ref)
    np.testing.assert_allclose(got.to_numpy(), _loop_rca(x.to_numpy(), ref.to_numpy()), rtol=1e-12)


def test_rca_zero_rows_and_unknown_industries_are_zero_not_nan() -> None:
    x = pd.DataFrame([[0.0, 0.0], [2.0, 1.0]], index=["empty", "r"], columns=["a", "b"])
    got = rca(x, pd.Series({"a": 10.0}))  # industry b absent from the reference
    assert np.isfinite(got.to_numpy()).all()
    assert got.loc["empty"].tolist() == [0.0, 0.0]
    assert got.loc["r", "b"] == 0.0
    assert got.loc["r", "a"] == pytest.approx((2 / 3) / 1.0)


@pytest.mark.parametrize("seed", [0, 5])
def test_proximity_and_density_match_loops(seed: int) -> None:
    x = _synthetic_counts(seed)
    m = presence(rca(x))
    phi = proximity(m)
    np.testing.assert_allclose(phi.to_numpy(), _loop_proximity(m.to_numpy()), atol=1e-12)
    assert np.allclose(phi.to_numpy(), phi.to_numpy().T)
    for excl in (True, False):
        d = density(m, phi, exclude_self=excl)
        np.testing.assert_allclose(d.to_numpy(), _loop_density(m.to_numpy(), phi.to_numpy(), excl), atol=1e-12)
        assert ((d.to_numpy() >= 0) & (d.to_numpy() <= 1 + 1e-12)).all()


def test_density_applies_city_proximity_to_other_regions() -> None:
    """Presence of a different region set (counties) with missing industry columns is aligned."""
    x = _synthetic_counts(7)
    phi = proximity(presence(rca(x)))
    county = pd.DataFrame({"i03": [1, 0], "i07": [1, 1]}, index=["c1", "c2"])
    d = density(county, phi)
    full = county.reindex(columns=phi.columns, fill_value=0)
    np.testing.assert_allclose(d.to_numpy(), _loop_density(full.to_numpy(), phi.to_numpy(), True), atol=1e-12)
    assert list(d.columns) == list(phi.columns)


def test_counts_matrix_and_to_long_round_trip() -> None:
    frame = pd.DataFrame({"county_code": ["a", "a", "b", None, "b"], "ind": ["x", "y", "x", "x", None]})
    mat = counts_matrix(frame, "county_code", "ind")
    assert mat.to_dict() == {"x": {"a": 1.0, "b": 1.0}, "y": {"a": 1.0, "b": 0.0}}
    long = to_long(mat, "count")
    assert list(long.columns) == ["region_code", "industry", "count"] and len(long) == 4


@pytest.mark.parametrize("seed", [0, 11])
def test_against_ecomplexity_package(seed: int) -> None:
    """The ecomplexity package (Growth Lab) on the same long data: RCA, presence, proximity and
    density (its density sums over j including i, i.e. ``exclude_self=False``)."""
    import ecomplexity as ec

    x = _synthetic_counts(seed, 30, 12)
    long = x.stack().rename("val").reset_index()
    long.columns = ["loc", "prod", "val"]
    long["year"] = 2020
    cols = {"time": "year", "loc": "loc", "prod": "prod", "val": "val"}
    with warnings.catch_warnings():  # the package's own pandas deprecation warnings
        warnings.simplefilter("ignore")
        out = ec.ecomplexity(long, cols, verbose=False, check_logsupermodularity=False)
    out = out.set_index(["loc", "prod"])
    r = rca(x)
    m = presence(r)
    phi = proximity(m)
    d = density(m, phi, exclude_self=False)
    ours = pd.DataFrame({"rca": r.stack(), "mcp": m.stack(), "density": d.stack()})
    ours.index.names = ["loc", "prod"]
    theirs = out[["rca", "mcp", "density"]].add_suffix("_ec")
    joined = ours.join(theirs, how="inner")
    assert len(joined) == x.size
    np.testing.assert_allclose(joined["rca"], joined["rca_ec"], rtol=1e-10)
    assert (joined["mcp"] == joined["mcp_ec"]).all()
    np.testing.assert_allclose(joined["density"], joined["density_ec"], rtol=1e-10, atol=1e-12)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        prox_long = ec.proximity(long, cols)
    prox = prox_long.pivot(index="prod_1", columns="prod_2", values="proximity")
    np.testing.assert_allclose(phi.loc[prox.index, prox.columns].to_numpy(), prox.to_numpy(), atol=1e-12)

