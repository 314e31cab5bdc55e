"""Cells and features on a synthetic firm table small enough to count by hand."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from matcher.geo import EARTH_RADIUS_KM
from matcher.model.cells import Window, candidate_cells, entry_cells, presence
from matcher.model.features import FEATURE_COLUMNS, FeatureSettings, _relatedness, cell_features


def synthetic_firms() -> pd.DataFrame:
    """Synthetic: province P1 has cities A and B (48 km apart), P2 has city C (~900 km away)."""
    rows = [
        ("f1", "P1", "A", "x", "2000-05-01"),
        ("f2", "P1", "A", "x", "2016-03-01"),
        ("f3", "P1", "A", "y", "2017-07-01"),
        ("f4", "P1", "B", "x", "2010-01-01"),
        ("f5", "P1", "B", "z", "2012-01-01"),
        ("f6", "P2", "C", "z", "2005-01-01"),
        ("f7", "P2", "C", "y", "2020-01-01"),  # after t0
        ("f8", "P1", "A", "z", "2020-06-01"),  # after t0
        ("f9", "P2", "D", "x", "2021-01-01"),  # after t0, in a city with no firm at t0
    ]
    frame = pd.DataFrame(rows, columns=["ts_code", "province", "city", "industry", "list_date"])
    frame["short_name"] = frame["ts_code"]
    frame["list_date"] = pd.to_datetime(frame["list_date"])
    return frame


COORDS = pd.DataFrame(
    {"province": ["P1", "P1", "P2", "P2"], "city": ["A", "B", "C", "D"], "lon": [120.0, 120.5, 110.0, 111.0], "lat": [30.0] * 4}
)
T0 = "2019-01-01"


def _km(lon1: float, lon2: float, lat: float = 30.0) -> float:
    """Great-circle distance between two points on the same latitude (haversine)."""
    p = math.radians(lat)
    a = math.cos(p) ** 2 * math.sin(math.radians(lon2 - lon1) / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(math.sqrt(a))


def test_candidates_and_outcome() -> None:
    firms = synthetic_firms()
    assert len(presence(firms, T0)) == 5
    cand = candidate_cells(firms, T0)
    assert set(zip(cand["city"], cand["industry"], strict=True)) == {("A", "z"), ("B", "y"), ("C", "x"), ("C", "y")}
    out = entry_cells(firms, Window(T0, "2024-05-14")).set_index(["city", "industry"])
    assert out.loc[("A", "z"), "entered"] == 1 and out.loc[("C", "y"), "entered"] == 1
    assert out["entered"].sum() == 2  # D has no firm at t0: not a candidate city


def test_features_count_by_hand() -> None:
    firms = synthetic_firms()
    cells = candidate_cells(firms, T0)
    f = cell_features(firms, cells, T0, FeatureSettings(k_neighbours=1, spill_km=150), COORDS).set_index(["city", "industry"])
    az = f.loc[("A", "z")]
    assert (az["city_firms"], az["city_inds"], az["city_recent"]) == (3, 2, 2)
    assert (az["ind_firms"], az["ind_recent"], az["size"]) == (2, 0, 6)
    assert (az["prov_ind"], az["prov_firms"], az["nbr_ind"]) == (1, 5, 1)
    assert az["rca_prov"] == pytest.approx((1 / 5) / (2 / 6))
    # B's z at d(A,B) plus C's z at d(A,C) (~960 km), each decayed with exp(-d / 150 km)
    assert az["spill_ind"] == pytest.approx(math.exp(-_km(120, 120.5) / 150) + math.exp(-_km(120, 110) / 150), rel=1e-9)
    cx = f.loc[("C", "x")]
    assert cx["nbr_ind"] == 2  # nearest city to C is A (10° of longitude, B is 10.5°): two x firms
    assert cx["prov_ind"] == 0 and cx["city_recent"] == 0
    assert f[FEATURE_COLUMNS].notna().all().all()
    assert ((f["density"] >= 0) & (f["density"] <= 1)).all()


def test_features_ignore_firms_after_t0() -> None:
    firms = synthetic_firms()
    cells = candidate_cells(firms, T0)
    a = cell_features(firms, cells, T0, coords=COORDS)
    b = cell_features(firms[firms["list_date"] < T0], cells, T0, coords=COORDS)
    pd.testing.assert_frame_equal(a, b)


def test_density_of_always_co_located_industries() -> None:
    """Industries 0 and 1 always appear together, 2 never with them: the city holding 0 has density 1
    for industry 1, and 0 for industry 2."""
    idx = pd.MultiIndex.from_tuples([("P", "c1"), ("P", "c2"), ("P", "c3")], names=["province", "city"])
    counts = pd.DataFrame([[1.0, 0.0, 0.0], [1.0, 1.0, 0.0], [0.0, 0.0, 5.0]], index=idx, columns=["i0", "i1", "i2"])
    density, related = _relatedness(counts)
    assert density.loc[("P", "c1"), "i1"] == pytest.approx(1.0)
    assert density.loc[("P", "c1"), "i2"] == pytest.approx(0.0)
    assert related.loc[("P", "c1"), "i1"] > 0 and related.loc[("P", "c3"), "i1"] == 0
    assert np.all(np.isfinite(density.to_numpy()))
