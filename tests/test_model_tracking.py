"""MLflow tracking (temporary SQLite store), model export and the model card.

The ranker here is fitted on synthetic cells (:func:`synthetic_cells`).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from matcher.model import tracking
from matcher.model.card import export_model, load_exported
from matcher.model.features import FEATURE_COLUMNS
from matcher.model.rank import LearnedRanker


def synthetic_cells(n: int, seed: int) -> pd.DataFrame:
    """Synthetic cells: random non-negative features; the outcome follows spill_ind."""
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame({"city": [f"市{i % 20}" for i in range(n)], "industry": [f"业{i // 20}" for i in range(n)]})
    for col in FEATURE_COLUMNS:
        frame[col] = rng.gamma(1.0, 3.0, n).round(0)
    frame["entered"] = (rng.random(n) < 0.02 + 0.02 * np.log1p(frame["spill_ind"])).astype(int)
    return frame


def test_log_read_register_load(tmp_path: Path) -> None:
    cells = synthetic_cells(800, seed=5)
    ranker = LearnedRanker().fit(cells, cells["entered"])
    table = tmp_path / "table.csv"
    cells.head(5).to_csv(table, index=False)
    res = tracking.log_run(
        tmp_path,
        "unit-test",
        "run-1",
        params={"seed": 0, "data_sha": tracking.frame_hash(cells)},
        metrics={"main.learned.average_precision": 0.25},
        artifacts=[table],
        model=ranker,
        model_name="toy_ranker",
    )
    assert (tmp_path / "mlflow.db").is_file()
    assert tracking.tracking_uri(tmp_path).startswith("sqlite:///")
    runs = tracking.read_runs(tmp_path, "unit-test")
    assert len(runs) == 1 and runs.loc[0, "run_id"] == res["run_id"]
    assert runs.loc[0, "metrics.main.learned.average_precision"] == 0.25
    assert runs.loc[0, "params.data_sha"] == tracking.frame_hash(cells)
    assert str(res["model_version"]) == "1"
    loaded = tracking.load_registered(tmp_path, "toy_ranker")
    np.testing.assert_allclose(loaded.decision_function(cells), ranker.decision_function(cells))
    ranked = loaded.rank(cells, group_col="city", keys=["city", "industry"], top_k=3)
    assert len(ranked) == 3 * cells["city"].nunique()
    # a second run moves the alias to version 2
    tracking.log_run(tmp_path, "unit-test", "run-2", params={}, metrics={}, model=ranker, model_name="toy_ranker")
    assert len(tracking.read_runs(tmp_path, "unit-test")) == 2


def test_flatten_metrics() -> None:
    results = {"main": {"rankers": {"size": {"average_precision": 0.2, "average_precision_ci": [0.1, 0.3], "x": float("nan")}}, "pairs": {}}}
    flat = tracking.flatten_metrics(results)
    assert flat == {"main.size.average_precision": 0.2, "main.size.average_precision_ci_lo": 0.1, "main.size.average_precision_ci_hi": 0.3}


def test_export_and_card(tmp_path: Path) -> None:
    cells = synthetic_cells(800, seed=6)
    ranker = LearnedRanker().fit(cells, cells["entered"])
    meta = {
        "name": "toy",
        "data": {"firms": "synthetic"},
        "metrics": {"main": {"description": "d", "rankers": {"learned": {"average_precision": 0.3, "average_precision_ci": [0.2, 0.4]}},
                             "vs_best_baseline": {"baseline": "size", "average_precision": 0.05, "average_precision_ci": [0.01, 0.09]}}},
        "limits": ["synthetic data only"],
    }
    folder = export_model(ranker, tmp_path / "toy", meta)
    again = load_exported(folder)
    np.testing.assert_allclose(again.decision_function(cells), ranker.decision_function(cells))
    card = (folder / "MODEL_CARD.md").read_text(encoding="utf-8")
    for part in ("## Data", "## Features", "## Evaluation", "## Limits", "spill_ind", "0.300 [0.200, 0.400]", "+0.050 [+0.010, +0.090]"):
        assert part in card
    assert (folder / "model.pkl").stat().st_size < 100_000
