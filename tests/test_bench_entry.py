"""``matcher bench entry`` end to end on the real data (few bootstrap replicates, temporary folders)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from matcher.cli import build_app
from matcher.model import tracking
from matcher.model.card import load_exported
from matcher.model.cells import MAIN_TEST
from matcher.model.rank import baseline_rankers

pytestmark = pytest.mark.realdata


@pytest.fixture(scope="module")
def bench_run(data_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("bench_entry")
    out, models, work = root / "results", root / "models", root / "work"
    result = CliRunner().invoke(
        build_app(),
        ["bench", "entry", "--data", str(data_dir), "--workdir", str(work), "--out", str(out),
         "--models", str(models), "--n-boot", "50", "--no-variants"],
    )
    assert result.exit_code == 0, result.output
    return {"out": out, "models": models, "work": work, "output": Path(result.output)}


def test_results_json_and_markdown(bench_run: dict[str, Path]) -> None:
    report = json.loads((bench_run["out"] / "entry.json").read_text(encoding="utf-8"))
    names = [*baseline_rankers(), "learned"]
    for name in names:
        ap = report["rankers"][name]["average_precision"]
        lo, hi = report["rankers"][name]["average_precision_ci"]
        assert 0 < lo <= ap <= hi < 1
    for window in ("main", "backtest", "inner"):
        res = report["windows"][window]
        assert set(res["rankers"]) == set(names)
        h = report["headline"][window]
        assert h["baseline"] in baseline_rankers()
        assert h["average_precision"] == pytest.approx(h["learned"] - h["baseline_value"])
    assert report["windows"]["main"]["n_rows"] == 28264 and report["windows"]["main"]["n_positive"] == 480
    # the size baseline is fixed by definition: it must reproduce its known value on this dump
    assert report["rankers"]["size"]["average_precision"] == pytest.approx(0.174, abs=0.001)
    md = (bench_run["out"] / "entry.md").read_text(encoding="utf-8")
    for name in names:
        assert f"| {name} |" in md
    assert "### main" in md and "### backtest" in md and "Learned vs best baseline" in md


def test_mlflow_run_and_registered_model(bench_run: dict[str, Path], data_dir: Path) -> None:
    runs = tracking.read_runs(bench_run["work"], "entry")
    assert len(runs) == 1
    row = runs.iloc[0]
    assert 0 < row["metrics.main.learned.average_precision"] < 1
    assert row["params.seed"] == "0" and len(row["params.firms_sha"]) == 16
    model = tracking.load_registered(bench_run["work"], "entry_ranker")
    exported = load_exported(bench_run["models"] / "entry_ranker")
    from matcher.model.cells import load_entry_firms
    from matcher.model.evaluate import window_frame

    test = window_frame(load_entry_firms(data_dir), MAIN_TEST)
    np.testing.assert_allclose(model.decision_function(test), exported.decision_function(test))
    ranked = model.rank(test, group_col="city", keys=["province", "city", "industry"], top_k=3)
    assert len(ranked) == 3 * test["city"].nunique()
    assert ranked["reasons"].str.len().min() > 0
    card = (bench_run["models"] / "entry_ranker" / "MODEL_CARD.md").read_text(encoding="utf-8")
    assert "## Limits" in card and "Tushare" in card


def test_entry_rank_command(bench_run: dict[str, Path], data_dir: Path) -> None:
    """The exported model ranks the industries 秦皇岛 has no listed firm in (as of the dump), with reasons."""
    result = CliRunner().invoke(
        build_app(),
        ["model", "entry-rank", "--city", "秦皇岛", "--data", str(data_dir),
         "--model", str(bench_run["models"] / "entry_ranker"), "--top", "5"],
    )
    assert result.exit_code == 0, result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 5 and lines[0].lstrip().startswith("1.")
    # 秦皇岛's four listed firms are in 专用机械, 通信设备, 医疗保健, 港口 (SOURCE.md): never candidates
    for present in ("专用机械", "通信设备", "医疗保健", "港口"):
        assert present not in result.output
    scores = [float(line.split()[2]) for line in lines]
    assert scores == sorted(scores, reverse=True)
