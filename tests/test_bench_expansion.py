"""The expansion benchmark (issue 16 part 2): its metrics on known answers, and a reduced run on the real
data that exercises every task, the baselines, the bootstrap and the leakage check (the full run:
``matcher bench expansion``; figures in benchmarks/results/expansion.md)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from matcher.bench.expansion import (
    TASKS,
    bootstrap_diff,
    firm_city_metrics,
    per_city_metrics,
    precision_at_k,
    set_ranks,
    splits_from,
)
from matcher.bench.results import read_results


def test_precision_at_k_counts_ties_at_their_expected_value() -> None:
    assert precision_at_k(np.array([3, 2, 2, 2, 1.0]), np.array([1, 0, 1, 0, 0]), 2) == pytest.approx((1 + 1 / 3) / 2)
    assert precision_at_k(np.array([1.0, 1.0]), np.array([1, 0]), 1) == pytest.approx(0.5)


def test_set_ranks_and_firm_metrics() -> None:
    sets = pd.DataFrame({"group": ["0:1"] * 3 + ["0:2"] * 3 + ["1:5"] * 2, "chosen": [1, 0, 0, 0, 1, 0, 0, 1]})
    scores = np.array([0.5, 0.9, 0.1, 0.3, 0.3, 0.2, 2.0, 1.0])
    r = set_ranks(sets, scores)
    assert r["0:1"] == 2 and r["0:2"] == 1.5 and r["1:5"] == 2  # ties at half
    m = firm_city_metrics(sets, scores).set_index("firm")
    assert m.at["0", "rr"] == pytest.approx(1 / 1.5) and m.at["0", "r_at_10"] == 1.0 and m.at["1", "rr"] == 0.5


def test_average_precision_per_city_skips_cities_without_events() -> None:
    fr = pd.DataFrame({"ci": [0, 0, 0, 1, 1]})
    m = per_city_metrics(fr, np.array([3.0, 2.0, 1.0, 1.0, 2.0]), np.array([0.0, 1.0, 0.0, 0.0, 0.0]))
    assert list(m["group"]) == [0] and m["ap"].iloc[0] == pytest.approx(0.5)


def test_bootstrap_interval_is_paired_and_reproducible() -> None:
    a, b = np.array([0.5, 0.6, 0.7, 0.8]), np.array([0.4, 0.5, 0.6, 0.7])
    assert bootstrap_diff(a, b, n=200) == bootstrap_diff(a, b, n=200) == pytest.approx((0.1, 0.1))
    assert splits_from("train:test") == (("train", "test"),)
    with pytest.raises(ValueError, match="unknown window"):
        splits_from("train:later")


@pytest.mark.realdata
@pytest.mark.slow
def test_reduced_run_on_the_real_data_exercises_every_task(data_dir: Path, registry_workdir: Path, tmp_path: Path) -> None:
    """CI's reduced form: 400 sampled firms plus every firm with an event, the main split, 100 bootstrap
    replicates; logged to MLflow like the full run."""
    from matcher.api import mlflow_runs, run_benchmark

    res = run_benchmark("expansion", data_dir, registry_workdir, out_dir=tmp_path, firms=400, splits="train:test", n_boot=100)
    assert res["leakage_ok"] and set(res["leakage"]) == {"2006-01-01", "2009-01-01"}
    h = res["headline"]
    assert set(h) == set(TASKS)
    for task, e in h.items():
        assert {"learned", "baseline", "baseline_value", "metric", "ci"} <= set(e), task
        assert e["ci"][0] <= e["ci"][1] and np.isfinite(e["learned"])
    split = res["splits"]["train→test"]
    assert split["evaluated_on"]["events"] > 100 and "130000" in split["evaluated_on"]["provinces_covered"]
    # every learned ranker beats chance by far; the fitted unit choice beats the hand-set county weights
    assert split["units_within_city"]["rankers"]["learned"]["mrr"] > split["units_within_city"]["random_mrr"] + 0.1
    assert split["units_within_city"]["rankers"]["learned"]["mrr"] > split["units_within_city"]["rankers"]["hand-set county weights (match.py)"]["mrr"]
    assert split["cities_per_firm"]["rankers"]["learned"]["mrr"] > 5 / split["cities_per_firm"]["candidates_per_firm"]
    assert (tmp_path / "expansion.md").is_file() and "Headline" in (tmp_path / "expansion.md").read_text(encoding="utf-8")
    runs = mlflow_runs("expansion", registry_workdir)
    assert len(runs) >= 1


def test_committed_results_have_the_headline_the_issue_asks_for() -> None:
    doc = read_results("expansion")
    assert doc is not None, "run `matcher bench expansion`"
    assert set(doc["headline"]) == set(TASKS) and doc["leakage_ok"]
    for e in doc["headline"].values():
        assert {"learned", "baseline", "baseline_value", "metric", "ci"} <= set(e) and len(e["ci"]) == 2
    assert not doc["settings"]["restricted_universe"]
