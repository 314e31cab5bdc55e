"""Results files that outputs quote are never older than the code that makes them.

Each ``benchmarks/results/<name>.json`` records the fingerprint of the code that wrote it (the
benchmark's modules and everything they import: :func:`matcher.bench.results.provenance`). A quoted
results file whose code has changed since fails here, naming the command that regenerates it. The cheap
benchmarks are also recomputed here and compared with what is committed.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from matcher import resources
from matcher.bench import BENCHMARKS
from matcher.bench.results import read_results, stale_reason

QUOTED = sorted(n for n, spec in BENCHMARKS.items() if spec.quoted and n != "travel")


@pytest.mark.parametrize("name", QUOTED)
def test_quoted_results_match_their_code(name: str) -> None:
    spec = BENCHMARKS[name]
    why = stale_reason(name, spec.code, data=spec.data)
    assert why is None, why


def test_the_check_can_fail(tmp_path: Path) -> None:
    doc = read_results("relocation")
    assert doc is not None
    doc["provenance"]["code"] = "0" * 16
    (tmp_path / "relocation.json").write_text(json.dumps(doc), encoding="utf-8")
    assert "rerun" in str(stale_reason("relocation", BENCHMARKS["relocation"].code, tmp_path))
    assert "missing" in str(stale_reason("relocation", BENCHMARKS["relocation"].code, tmp_path / "none"))
    doc["provenance"]["code"] = read_results("relocation")["provenance"]["code"]
    doc["provenance"]["data"]["shipped"] = "0" * 16  # made from other shipped files than those now in data/
    (tmp_path / "relocation.json").write_text(json.dumps(doc), encoding="utf-8")
    assert stale_reason("relocation", BENCHMARKS["relocation"].code, tmp_path) is None
    assert "shipped data" in str(stale_reason("relocation", BENCHMARKS["relocation"].code, tmp_path, data=("eligibility.yaml",)))


@pytest.mark.realdata
def test_relocation_results_recomputed_equal_the_committed(data_dir: Path, tmp_path: Path, pipe) -> None:  # noqa: ANN001
    from matcher.api import run_benchmark

    res = run_benchmark("relocation", data_dir, pipe.workdir, out_dir=tmp_path, track=False)
    committed = read_results("relocation")
    assert committed is not None
    assert res["n_movers"] == committed["n_movers"]
    for name, m in res["rankers"].items():
        assert m["mrr"] == pytest.approx(committed["rankers"][name]["mrr"], abs=1e-9), name


def test_travel_times_recomputed_equal_the_committed(tmp_path: Path) -> None:
    from matcher.bench.travel import run

    run(tmp_path)
    now = pd.read_csv(tmp_path / "travel_times.csv", dtype=str)
    committed = pd.read_csv(resources.results_dir() / "travel_times.csv", dtype=str)
    pd.testing.assert_frame_equal(now, committed)
