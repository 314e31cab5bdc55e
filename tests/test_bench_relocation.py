"""The relocation benchmark: metrics on toy ranks, the choice model on synthetic choices, and the
real task — including the proof that nothing from after the move reaches a ranker."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from matcher import geo
from matcher.bench import relocation as R
from matcher.model.match import RELOCATION_WEIGHTS


def test_truth_ranks_count_ties_as_expected_rank() -> None:
    scores = np.array([[3.0, 2.0, 2.0, 1.0], [5.0, 5.0, 5.0, 5.0]])
    valid = np.array([[True, True, True, True], [True, True, True, False]])
    ranks = R.truth_ranks(scores, valid, np.array([1, 0]))
    assert ranks.tolist() == [2.5, 2.0]  # tie of two at places 2-3; tie of three valid at 1-3
    # an invalid (origin) cell never counts, however high it scores
    ranks = R.truth_ranks(np.array([[9.0, 1.0, 0.0]]), np.array([[False, True, True]]), np.array([1]))
    assert ranks.tolist() == [1.0]


def test_rank_metrics_and_random() -> None:
    m = R.rank_metrics(np.array([1.0, 2.0, 10.0, 40.0]))
    assert m["mrr"] == pytest.approx((1 + 0.5 + 0.1 + 0.025) / 4)
    assert m["median_rank"] == 6.0 and m["recall_at_10"] == 0.75 and m["recall_at_30"] == 0.75
    rnd = R.random_metrics(np.array([100, 100]))
    rng = np.random.default_rng(0)
    sim = R.rank_metrics(rng.integers(1, 101, 200_000).astype(float))
    assert rnd["mrr"] == pytest.approx(sim["mrr"], rel=0.03)
    assert rnd["recall_at_10"] == pytest.approx(0.10)


def _synthetic_task(n: int = 300, m: int = 25, seed: int = 0) -> R.RelocationTask:
    """Synthetic movers choosing among m places by a known rule on two features."""
    rng = np.random.default_rng(seed)
    grid = {f: rng.normal(size=(n, m)) for f in R.RELOCATION_FEATURES}
    util = 1.2 * grid["unit_size"] - 0.8 * grid["log_distance"] + rng.gumbel(size=(n, m))
    valid = np.ones((n, m), dtype=bool)
    valid[np.arange(n), rng.integers(0, m, n)] = False  # each mover's origin
    truth = np.where(valid, util, -np.inf).argmax(axis=1)
    return R.RelocationTask(movers=pd.DataFrame({"stock_code": [f"{i:06d}" for i in range(n)]}), tables=None,  # type: ignore[arg-type]
                            firms=None, grid=grid, valid=valid, truth=truth)  # type: ignore[arg-type]


def test_conditional_logit_recovers_synthetic_rule() -> None:
    task = _synthetic_task()
    w = R.fitted_weights(task, R.RELOCATION_FEATURES, l2=0.01)
    assert w["unit_size"] == pytest.approx(1.2, abs=0.3) and w["log_distance"] == pytest.approx(-0.8, abs=0.3)
    others = [abs(v) for k, v in w.items() if k not in ("unit_size", "log_distance")]
    assert max(others) < 0.35
    oof = R.cross_fitted_scores(task, folds=5)
    model = R.rank_metrics(R.truth_ranks(oof, task.valid, task.truth))
    # the oracle knows the rule (not the noise): out of fold, the fitted model must come close to it
    oracle = 1.2 * task.grid["unit_size"] - 0.8 * task.grid["log_distance"]
    best = R.rank_metrics(R.truth_ranks(oracle, task.valid, task.truth))
    assert model["mrr"] >= 0.9 * best["mrr"], (model, best)
    # and a model with the rule's signs reversed would be far worse: the metric can tell them apart
    worst = R.rank_metrics(R.truth_ranks(-oracle, task.valid, task.truth))
    assert worst["mrr"] < 0.5 * best["mrr"]


def test_cross_fitting_never_scores_a_mover_with_its_own_choice() -> None:
    task = _synthetic_task(n=100)
    oof = R.cross_fitted_scores(task, folds=5)
    fold0 = np.arange(100) % 5 == 0
    rng = np.random.default_rng(9)
    truth = task.truth.copy()
    for i in np.flatnonzero(fold0):  # move fold-0 movers' destinations elsewhere
        truth[i] = rng.choice(np.flatnonzero(task.valid[i] & (np.arange(task.valid.shape[1]) != truth[i])))
    oof2 = R.cross_fitted_scores(replace(task, truth=truth), folds=5)
    np.testing.assert_allclose(oof2[fold0], oof[fold0])  # fold 0 is scored by models that never saw fold 0
    assert not np.allclose(oof2[~fold0], oof[~fold0])  # …and the others did learn from fold 0


@pytest.mark.realdata
def test_address_city_uses_current_names(data_dir: Path) -> None:
    city, how = R.address_city(pd.Series(["江苏省吴江市盛泽镇市场路", "河北省秦皇岛市海港区河北大街", "山东省莱芜市钢城区", "火星"]), data_dir)
    assert city.tolist()[:3] == ["320500", "130300", "370100"] and pd.isna(city.iloc[3])
    assert how.tolist()[:3] == ["address", "address", "address"]


# ------------------------------------------------------------------------------------------ real data
@pytest.fixture(scope="module")
def real(data_dir: Path) -> dict[str, object]:
    from matcher.sources.geo2015 import load_listed_geo_2015
    from matcher.sources.tushare import load_stock_company

    counties = geo.county_points(data_dir)
    cities = geo.prefecture_points(counties)
    g15 = load_listed_geo_2015(data_dir).frame
    f2015 = R.firms_2015(g15, counties, data_dir)
    company = load_stock_company(data_dir).frame
    dest = R.destinations(company, data_dir)
    return {"counties": counties, "cities": cities, "geo": g15, "f2015": f2015, "company": company, "dest": dest,
            "task": R.build_task(f2015, dest, cities)}  # fmt: skip


@pytest.mark.realdata
def test_real_task_shape(real: dict) -> None:
    task: R.RelocationTask = real["task"]
    n = len(task.truth)
    assert 100 <= n <= 250  # ~160 text-placed movers (the quick parse found 131)
    assert task.n_candidates == task.tables.n_units - 1 and task.tables.n_units > 300
    assert (task.movers["city_code"] != task.movers["dest_city_code"]).all()
    assert task.valid[np.arange(n), task.truth].all()  # the destination is always a candidate
    assert (task.movers["city_source"] != "coordinates").all()


@pytest.mark.realdata
def test_no_post_move_information(real: dict, data_dir: Path) -> None:
    """Features come from the 2015 file alone; the 2024 table only names each mover's destination."""
    task: R.RelocationTask = real["task"]
    f2015: pd.DataFrame = real["f2015"]
    # (1) the firm table features are built from has only 2015-derived columns, and incumbents end at the snapshot
    assert set(f2015.columns) == {"stock_code", "firm_id", "city_code", "province_code", "city_source", "lon", "lat",
                                  "industry_2015", "market_value_yi", "list_date"}  # fmt: skip
    assert (f2015["list_date"].dropna() <= R.SNAPSHOT_2015).all()
    # (2) scramble every 2024 fact that is not a mover's destination: controllers, sizes, and the 2024 city of
    #     every non-mover; the movers' features must not change at all
    company: pd.DataFrame = real["company"].copy()
    rng = np.random.default_rng(0)
    for col in company.columns:
        if col not in ("ts_code", "stock_code", "province", "city"):
            company[col] = company[col].sample(frac=1.0, random_state=1).to_numpy()
    movers = set(task.movers["stock_code"])
    others = ~company["stock_code"].isin(movers)
    company.loc[others, ["province", "city"]] = company.loc[others, ["province", "city"]].sample(frac=1.0, random_state=2).to_numpy()
    dest2 = R.destinations(company, data_dir)
    task2 = R.build_task(f2015, dest2, real["cities"])
    keep = task2.movers["stock_code"].isin(movers).to_numpy()
    assert keep.sum() == len(task.truth)
    for f in R.RELOCATION_FEATURES:
        np.testing.assert_array_equal(task2.grid[f][keep], task.grid[f])
    np.testing.assert_array_equal(task2.truth[keep], task.truth)
    # (3) moving a mover's destination changes its target only, never its features
    dest3 = real["dest"].copy()
    first = task.movers["stock_code"].iloc[0]
    new_city = next(c for c in task.tables.unit_codes if c not in (task.movers["city_code"].iloc[0], task.movers["dest_city_code"].iloc[0]))
    dest3.loc[dest3["stock_code"] == first, "dest_city_code"] = new_city
    task3 = R.build_task(f2015, dest3, real["cities"])
    for f in R.RELOCATION_FEATURES:
        np.testing.assert_array_equal(task3.grid[f], task.grid[f])
    assert task3.truth[0] != task.truth[0] and (task3.truth[1:] == task.truth[1:]).all()
    del rng


@pytest.mark.realdata
def test_real_benchmark_figures(real: dict, data_dir: Path) -> None:
    res = R.run_relocation_benchmark(data_dir, task=real["task"])
    rk = res["rankers"]
    rnd = rk["random (expected)"]["mrr"]
    assert rnd < 0.03
    size = rk["city_size"]
    assert size["mrr"] > 3 * rnd  # size is a strong baseline, as documented
    model = rk["model: conditional logit (out-of-fold)"]
    assert model["mrr_ci95_low"] < model["mrr"] < model["mrr_ci95_high"]
    # the fitted model contains size among its features: out of fold it must not fall behind its own strongest
    # ingredient (it does not beat gravity: benchmarks/results/relocation.md says so)
    assert model["mrr"] >= 0.9 * size["mrr"] and model["median_rank"] <= size["median_rank"]
    # the weights frozen into the default ranker are what the benchmark fits today
    for f, w in res["weights_all_movers"].items():
        assert RELOCATION_WEIGHTS[f] == pytest.approx(w, abs=0.01), f
    md = R.relocation_markdown(res)
    assert "| city_size |" in md and "Reading:" in md


@pytest.mark.realdata
def test_ranker_fit_on_relocation_reproduces_weights(real: dict) -> None:
    task: R.RelocationTask = real["task"]
    ranker = R.relocation_ranker(task)
    direct = R.fitted_weights(task)
    for f in R.RELOCATION_FEATURES:
        assert ranker.coef_[f] == pytest.approx(direct[f], rel=1e-3, abs=1e-4)
        assert ranker.weight_source_[f] == "fitted"
    assert ranker.weight_source_["chain_customers"] == "evidence"
    frame, y = R.task_frame(task)
    assert y.sum() == len(task.truth) and len(frame) == int(task.valid.sum())
