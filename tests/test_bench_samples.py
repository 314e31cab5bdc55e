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


def test_chain_assignment_labels_are_the_recorded_draw(pipe) -> None:  # noqa: ANN001
    """The 360 firms are the seeded draw from the recorded population; every candidate the code now
    gives those firms is labelled (rows of the templates before amendment A3 stay, marked current = no)."""
    from matcher.bench.samples import chain_assignment_sample

    labels = _labels("chain_assignment")
    pop = pd.read_csv(resources.data_path("labels/chain_assignment_population.csv"), dtype=str)
    drawn = chain_assignment_sample(pop, pipe.chain_positions["chain_candidates"]).astype(str)
    cur = labels[labels["current"] == "yes"]
    key = ["sample_id", "firm_no", "half", "firm_id", "chain", "segment"]
    pd.testing.assert_frame_equal(cur[key].reset_index(drop=True), drawn[key].reset_index(drop=True), check_dtype=False)
    assert cur.loc[cur["chain"] != "", "label"].isin(["0", "1", "?"]).all()
    firms = labels.drop_duplicates("firm_id")
    assert len(firms) == 360 and firms["half"].value_counts().to_dict() == {"tune": 180, "holdout": 180}
    assert (labels["chain"] != "").sum() >= 400


def test_blind_chain_assignment_sample_is_the_recorded_draw(pipe) -> None:  # noqa: ANN001
    """Issue 16 part 2: 220 firms of the new top 500 (the recorded population), placed by the code, never in the first
    sample, drawn with seed 20261214; every row labelled by the written rule (§B of chain_assignment.md)."""
    from matcher.bench.samples import chain_assignment_blind_sample
    from matcher.chain.positions import choose_positions

    labels = _labels("chain_assignment_blind")
    pop = pd.read_csv(resources.data_path("labels/chain_assignment_population_v2.csv"), dtype=str)
    seen = set(_labels("chain_assignment")["firm_id"])
    drawn = chain_assignment_blind_sample(pop, choose_positions(pipe.chain_positions["chain_positions"]), seen)
    key = ["sample_id", "firm_id", "chain", "segment"]
    pd.testing.assert_frame_equal(labels[key].reset_index(drop=True), drawn[key].astype(str).reset_index(drop=True), check_dtype=False)
    assert len(labels) >= 200 and labels["label"].isin(["0", "1", "?"]).all() and labels["note"].str.strip().str.len().gt(0).all()
    assert not set(labels["firm_id"]) & seen and set(labels["firm_id"]) <= set(pop["firm_id"])
