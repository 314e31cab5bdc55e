"""Pair features on synthetic toy universes where each right answer is known by construction."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from matcher.geo import haversine_km
from matcher.model.pairs import (
    FEATURES,
    build_unit_tables,
    chain_complementarity,
    distance_grid,
    feature_grid,
    firm_arrays,
    firm_standing,
    industry_prefix,
    pair_features,
    rca_matrix,
    relatedness_density,
    supply_matrix,
    to_level,
    top_k_pairs,
    travel_hours,
)


def synthetic_units() -> pd.DataFrame:
    """Four synthetic units: A1, A2 in city A (province P1); B1 in city B (P1, 0.5° from A1); C1 far away (P2)."""
    return pd.DataFrame({
        "county_code": ["100101", "100102", "100201", "500101"],
        "name": ["A1", "A2", "B1", "C1"],
        "city_code": ["100100", "100100", "100200", "500100"],
        "province_code": ["100000", "100000", "100000", "500000"],
        "lon": [116.0, 116.2, 116.5, 104.0],
        "lat": [40.0, 40.0, 40.0, 30.0],
    })


def synthetic_presence() -> pd.DataFrame:
    """Incumbent synthetic firms: industry 110100 (steel-like) in A1 ×3; 220100 (its buyer) in B1 ×2,
    one of them listed recently; 330100 in C1 ×1."""
    return pd.DataFrame({
        "firm_id": [f"X{i}" for i in range(6)],
        "county_code": ["100101", "100101", "100101", "100201", "100201", "500101"],
        "province_code": ["100000", "100000", "100000", "100000", "100000", "500000"],
        "industry": ["110100", "110100", "110100", "220100", "220100", "330100"],
        "list_date": pd.to_datetime(["2000-01-01", "2001-01-01", "2002-01-01", "2005-01-01", "2023-06-01", "2010-01-01"]),
    })


EDGES = pd.DataFrame({"from_sw": ["110101"], "to_sw": ["220105"], "weight": [3.0]})  # level-3 codes, cut to level 2


def synthetic_tables(**kw):
    return build_unit_tables(
        synthetic_units(), synthetic_presence(), unit_col="county_code", industry_col="industry",
        edges=EDGES, edge_level=2, as_of=pd.Timestamp("2024-01-01"), recent_years=5, neighbour_km=100, **kw,
    )  # fmt: skip


def synthetic_firms() -> pd.DataFrame:
    """Candidate synthetic firms: F1 makes 110100 (supplies 220100), home in city A; F2 makes 220100, home far away."""
    return pd.DataFrame({
        "firm_id": ["F1", "F2"],
        "industry": ["110100", "220100"],
        "province_code": ["100000", "500000"],
        "city_code": ["100100", "500100"],
        "lon": [116.0, 104.0],
        "lat": [40.0, 30.0],
        "employees": [1000.0, np.nan],
        "fortune500_best_rank": pd.array([1, pd.NA], dtype="Int64"),
        "controller_type": ["地方国企", None],
    })


def test_distances() -> None:
    # Beijing (116.40, 39.90) – Shanghai (121.47, 31.23): about 1,067 km great-circle
    d = float(haversine_km(np.array(116.40), np.array(39.90), np.array(121.47), np.array(31.23)))
    assert 1050 < d < 1085
    g = distance_grid(np.array([116.40, 0.0]), np.array([39.90, 0.0]), np.array([121.47, 116.40]), np.array([31.23, 39.90]))
    assert g.shape == (2, 2)
    assert abs(g[0, 0] - d) < 0.01 and g[0, 1] < 0.01
    assert travel_hours(np.array([0.0]))[0] == 0.0
    assert travel_hours(np.array([1000.0]))[0] < travel_hours(np.array([2000.0]))[0]


def test_codes() -> None:
    assert industry_prefix("370000") == "37" and industry_prefix("370100") == "3701" and industry_prefix("370101") == "370101"
    out = to_level(pd.Series(["370101", "制药", None]), 2)
    assert out.iloc[0] == "370100" and out.iloc[1] == "制药" and pd.isna(out.iloc[2])


def test_rca_and_density_toy() -> None:
    # industries 0 and 1 always together (units 0, 1); industry 2 alone in unit 2
    count = np.array([[1, 1, 0], [1, 1, 0], [0, 0, 1]], dtype=float)
    rca = rca_matrix(count)
    assert rca[0, 0] == pytest.approx((1 / 2) / (2 / 5))
    assert rca[2, 2] == pytest.approx(5.0) and rca[2, 0] == 0.0
    dens = relatedness_density(count)
    # industry 0's only related industry (1) is present in units 0 and 1 but not in unit 2
    assert dens[0, 0] == pytest.approx(1.0) and dens[0, 2] == 0.0
    assert dens[2].max() == 0.0  # industry 2 is related to nothing


def test_chain_complementarity_direction() -> None:
    inds = ["110100", "220100"]
    w = supply_matrix(EDGES, inds, level=2)
    assert w[0, 1] == 3.0 and w[1, 0] == 0.0
    count = np.array([[0.0, 3.0], [2.0, 0.0]])  # unit 0 has the buyer (220100); unit 1 has the supplier (110100)
    customers, suppliers = chain_complementarity(w, count)
    assert customers[0, 0] == pytest.approx(np.log1p(2.0)) and customers[0, 1] == 0.0  # supplier finds buyers in unit 0
    assert suppliers[1, 1] == pytest.approx(np.log1p(3.0)) and suppliers[1, 0] == 0.0  # buyer finds suppliers in unit 1


def test_unit_tables_known_values() -> None:
    t = synthetic_tables()
    assert list(t.industries) == ["110100", "220100", "330100"]
    i_steel, i_buyer = 0, 1
    a1, a2, b1, c1 = range(4)
    m = t.matrices
    assert m["local_count"][i_steel, a1] == pytest.approx(np.log1p(3))
    assert m["local_count"][i_steel, a2] == 0.0
    # province P1 has 3 steel firms for every unit in it, P2 none
    assert m["province_count"][i_steel, a2] == pytest.approx(np.log1p(3)) and m["province_count"][i_steel, c1] == 0.0
    # B1 is ~25-43 km from A1/A2 in another city: its neighbours hold the 3 steel firms; A2's neighbours are B1 only
    assert m["neighbour_count"][i_steel, b1] == pytest.approx(np.log1p(3))
    assert m["neighbour_count"][i_steel, a2] == 0.0  # A1 is in A2's own city: not a neighbour
    assert m["neighbour_count"][i_buyer, a2] == pytest.approx(np.log1p(2))
    # momentum: one buyer listed within 5 years of 2024-01-01, in B1
    assert m["momentum"][i_buyer, b1] == pytest.approx(np.log1p(1)) and m["momentum"][i_steel, a1] == 0.0
    # chain: the steel industry's buyers sit in B1
    assert m["chain_customers"][i_steel, b1] > 0 and m["chain_customers"][i_steel, a1] == 0.0
    assert m["chain_suppliers"][i_buyer, a1] > 0 and m["chain_suppliers"][i_buyer, b1] == 0.0
    # the extra "unknown industry" row is all zeros
    assert all(np.all(v[-1] == 0) for v in m.values())


def test_as_of_hides_later_firms() -> None:
    t = build_unit_tables(synthetic_units(), synthetic_presence(), industry_col="industry", as_of=pd.Timestamp("2003-01-01"))
    assert "220100" not in list(t.industries)  # both buyers were listed after 2003
    assert t.matrices["local_count"][0, 0] == pytest.approx(np.log1p(3))


def test_curated_targets_and_exclusions() -> None:
    curated = pd.DataFrame({
        "county_code": ["100101", "100102", "100201", "500101", "500101"],
        "kind": ["exclude", "target", "target", "anchor", "anchor"],
        "industry": ["110000", "220105", None, None, None],
        "chain": [None, None, "synthetic-chain", "synthetic-chain", "synthetic-chain"],
    })
    t = synthetic_tables(curated=curated)
    assert t.matrices["is_excluded"][0, 0] == 1.0 and t.matrices["is_excluded"][1, 0] == 0.0  # level-1 prefix 11
    assert t.matrices["is_target"][1, 1] == 1.0  # a finer target inside the firm's level-2 industry
    firms = synthetic_firms().assign(chain=["synthetic-chain", None])
    g = feature_grid(firm_arrays(firms, t, industry_col="industry"), t, ["is_target", "anchor_chain"])
    assert g["is_target"][0, 2] == 1.0 and g["is_target"][1, 2] == 0.0  # chain target matches F1 only
    # two anchor firms of F1's chain sit in C1; none elsewhere; F2 has no chain
    assert g["anchor_chain"][0].tolist() == pytest.approx([0.0, 0.0, 0.0, float(np.log1p(2))])
    assert g["anchor_chain"][1].max() == 0.0


def test_pair_features_long_frame() -> None:
    t = synthetic_tables()
    pf = pair_features(synthetic_firms(), t, industry_col="industry")
    # F1 lives in city A: no pairs with A1/A2; F2 lives in city C: no pair with C1
    assert set(map(tuple, pf[["firm_id", "county_code"]].to_numpy())) == {("F1", "100201"), ("F1", "500101"), ("F2", "100101"), ("F2", "100102"), ("F2", "100201")}
    assert list(pf.columns[:3]) == ["firm_id", "county_code", "county_name"] and set(FEATURES) <= set(pf.columns)
    row = pf.set_index(["firm_id", "county_code"])
    assert row.loc[("F1", "100201"), "chain_customers"] > 0  # F1 would supply B1's buyers
    assert row.loc[("F1", "100201"), "same_province"] == 1.0 and row.loc[("F1", "500101"), "same_province"] == 0.0
    assert row.loc[("F1", "500101"), "same_region"] == 0.0 and row.loc[("F2", "100201"), "same_region"] == 0.0
    assert row.loc[("F1", "100201"), "distance_km"] == pytest.approx(float(haversine_km(np.array(116.0), np.array(40.0), np.array(116.5), np.array(40.0))), rel=1e-5)
    assert row.loc[("F1", "100201"), "fortune500"] == 1.0 and row.loc[("F1", "100201"), "is_soe"] == 1.0
    assert row.loc[("F2", "100101"), "firm_size"] == 0.0  # unknown employees → 0
    # deterministic
    pd.testing.assert_frame_equal(pf, pair_features(synthetic_firms(), t, industry_col="industry"))


def test_standing_missing_columns_are_zero() -> None:
    s = firm_standing(pd.DataFrame({"firm_id": ["a"]}))
    assert all(v.tolist() == [0.0] for v in s.values())


def _synthetic_many(n: int, seed: int = 1) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Random synthetic firms and 30 units for the chunking check."""
    rng = np.random.default_rng(seed)
    units = pd.DataFrame({
        "county_code": [f"{i:06d}" for i in range(30)], "name": [f"u{i}" for i in range(30)],
        "city_code": [f"c{i // 3}" for i in range(30)], "province_code": [f"p{i // 9}" for i in range(30)],
        "lon": rng.uniform(100, 120, 30), "lat": rng.uniform(25, 40, 30),
    })  # fmt: skip
    home = rng.integers(0, 30, n)
    firms = pd.DataFrame({
        "firm_id": [f"F{i:04d}" for i in range(n)], "industry": rng.choice(["1", "2", "3", "4"], n),
        "county_code": units["county_code"].to_numpy()[home], "city_code": units["city_code"].to_numpy()[home],
        "province_code": units["province_code"].to_numpy()[home], "lon": rng.uniform(100, 120, n), "lat": rng.uniform(25, 40, n),
        "employees": rng.integers(10, 10000, n).astype(float),
    })  # fmt: skip
    return firms, units


@pytest.mark.parametrize("chunk_size", [1, 7, 64, 1000])
def test_top_k_equals_brute_force(chunk_size: int) -> None:
    firms, units = _synthetic_many(200)
    t = build_unit_tables(units, firms, industry_col="industry")
    fa = firm_arrays(firms, t, industry_col="industry")

    def score(chunk, tables):  # noqa: ANN001, ANN202
        g = feature_grid(chunk, tables, ["local_count", "log_distance", "firm_size", "same_province"])
        return g["local_count"] - 0.3 * g["log_distance"] + 0.1 * g["firm_size"] + g["same_province"]

    full = np.asarray(score(fa, t), dtype=np.float64)
    full = np.where(fa.city_id[:, None] == t.city_id[None, :], -np.inf, full)
    k = 5
    top_u = top_k_pairs(fa, t, score, k=k, by="unit", chunk_size=chunk_size)
    for u in range(t.n_units):
        want = np.sort(full[:, u])[::-1][:k]
        got = top_u[top_u["unit_idx"] == u].sort_values("rank")["score"].to_numpy()
        np.testing.assert_allclose(got, want, rtol=1e-6)
    top_f = top_k_pairs(fa, t, score, k=3, by="firm", chunk_size=chunk_size)
    for f in (0, 17, 199):
        want = np.sort(full[f][np.isfinite(full[f])])[::-1][:3]
        got = top_f[top_f["firm_idx"] == f].sort_values("rank")["score"].to_numpy()
        np.testing.assert_allclose(got, want, rtol=1e-6)
    assert top_u["rank"].min() == 1 and top_u.groupby("unit_idx")["rank"].max().max() == k
