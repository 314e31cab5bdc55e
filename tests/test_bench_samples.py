"""Every labelled evaluation sample is exactly the rows its recorded draw gives (real data)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from matcher import resources
from matcher.bench.samples import geo_holdout_sample, registry_industry_sample

pytestmark = pytest.mark.realdata


def _labels(name: str) -> pd.DataFrame:
    return pd.read_csv(resources.data_path(f"labels/{name}.csv"), dtype=str, keep_default_na=False)


@pytest.mark.parametrize("name, draw, cols", [
    ("registry_industry", registry_industry_sample, ["sample_id", "row_index", "half", "credit_code", "name", "scope"]),
    ("geo_holdout_registry", geo_holdout_sample, ["sample_id", "stratum", "half", "row_index", "address", "name"]),
])
def test_labelled_rows_are_the_recorded_draw(data_dir: Path, name: str, draw, cols: list[str]) -> None:  # noqa: ANN001
    labels = _labels(name)
    drawn = draw(data_dir).astype(str).fillna("")
    drawn = drawn.replace({"None": "", "nan": ""})
    assert len(labels) == len(drawn)
    pd.testing.assert_frame_equal(labels[cols].reset_index(drop=True), drawn[cols].reset_index(drop=True),
                                  check_dtype=False)
    # the two halves are disjoint and of equal size per stratum
    strata = labels["stratum"] if "stratum" in labels.columns else pd.Series("all", index=labels.index)
    sizes = labels.groupby([strata, labels["half"]]).size().unstack()
    assert (sizes.nunique(axis=1) == 1).all() and sizes.shape[1] == 2
