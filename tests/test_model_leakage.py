"""No leakage: every t0 description of a cell reads only firms listed before t0 (real data)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from matcher.model.cells import (
    MAIN_TEST,
    Window,
    candidate_cells,
    city_coordinates,
    entry_cells,
    load_entry_firms,
)
from matcher.model.features import cell_features

pytestmark = pytest.mark.realdata


@pytest.fixture(scope="module")
def firms(data_dir: Path) -> pd.DataFrame:
    return load_entry_firms(data_dir)


def test_entry_definition_counts(firms: pd.DataFrame) -> None:
    """The benchmark definition on the 2024-05-13 dump: 28,264 candidates and 480 entries in the main window."""
    cells = entry_cells(firms, MAIN_TEST)
    assert len(cells) == 28264 and int(cells["entered"].sum()) == 480
    assert cells["city"].nunique() == 275


@pytest.mark.parametrize("t0", ["2009-01-01", "2014-01-01", "2019-01-01"])
def test_features_at_t0_ignore_later_firms(firms: pd.DataFrame, t0: str) -> None:
    coords = city_coordinates(firms)
    cells = candidate_cells(firms, t0)
    full = cell_features(firms, cells, t0, coords=coords)

    # 1. remove every firm listed at or after t0
    pre = firms[firms["list_date"] < pd.Timestamp(t0)]
    assert len(pre) < len(firms)
    pd.testing.assert_frame_equal(candidate_cells(pre, t0), cells)
    pd.testing.assert_frame_equal(cell_features(pre, cells, t0, coords=coords), full)

    # 2. scramble the later firms (cities, industries, dates among themselves): nothing moves
    rng = np.random.default_rng(0)
    post = firms[firms["list_date"] >= pd.Timestamp(t0)].copy()
    for col in ("province", "city", "industry", "list_date"):
        post[col] = rng.permutation(post[col].to_numpy())
    scrambled = pd.concat([pre, post], ignore_index=True)
    pd.testing.assert_frame_equal(cell_features(scrambled, cells, t0, coords=coords), full)

    # 3. while the outcome does depend on them (the test can fail)
    window = Window(t0, (pd.Timestamp(t0) + pd.DateOffset(years=5)).strftime("%Y-%m-%d"))
    assert entry_cells(firms, window)["entered"].sum() > 0
    assert entry_cells(pre, window)["entered"].sum() == 0
