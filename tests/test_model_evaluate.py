"""Metrics and the city bootstrap, on synthetic scores where the right answer is known."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.metrics import average_precision_score, f1_score, roc_auc_score

from matcher.bench.entry import headline
from matcher.model.evaluate import evaluate_rankers, metrics, ndcg_per_group, weighted_metrics


def synthetic(n: int = 3000, seed: int = 0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Synthetic labels, tied scores (rounded) with some signal, and 60 groups."""
    rng = np.random.default_rng(seed)
    y = (rng.random(n) < 0.05).astype(int)
    s = np.round(rng.random(n) + 0.4 * y, 1)
    g = rng.integers(0, 60, n)
    return y, s, g


def test_unit_weights_reproduce_scikit_learn() -> None:
    y, s, _ = synthetic()
    m = weighted_metrics(s, y)
    assert m["roc_auc"] == pytest.approx(roc_auc_score(y, s), abs=1e-12)
    assert m["average_precision"] == pytest.approx(average_precision_score(y, s), abs=1e-12)
    best = max(f1_score(y, s >= t) for t in np.unique(s))
    assert m["best_f1"] == pytest.approx(best, abs=1e-12)


def test_integer_weights_equal_duplicated_rows() -> None:
    y, s, _ = synthetic(800, seed=3)
    w = np.random.default_rng(4).integers(0, 4, len(y))
    m = weighted_metrics(s, y, w)
    yy, ss = np.repeat(y, w), np.repeat(s, w)
    assert m["roc_auc"] == pytest.approx(roc_auc_score(yy, ss), abs=1e-12)
    assert m["average_precision"] == pytest.approx(average_precision_score(yy, ss), abs=1e-12)
    assert m["p_at_100"] == pytest.approx(weighted_metrics(ss, yy)["p_at_100"], abs=1e-12)


def test_precision_at_k_and_ties() -> None:
    y = np.array([1, 0, 1, 0, 0, 0])
    s = np.array([6, 5, 4, 3, 2, 1], float)
    assert weighted_metrics(s, y)["p_at_100"] == pytest.approx(2 / 6)  # k larger than the list
    # all scores tied: expected precision is the base rate, whatever the row order
    assert weighted_metrics(np.zeros(6), y)["p_at_100"] == pytest.approx(2 / 6)
    y = np.array([1] * 50 + [0] * 1000)
    s = np.concatenate([np.full(50, 2.0), np.full(1000, 1.0)])
    m = weighted_metrics(s, y)
    assert m["p_at_100"] == pytest.approx(0.5) and m["average_precision"] == pytest.approx(1.0)
    assert m["roc_auc"] == pytest.approx(1.0) and m["best_f1"] == pytest.approx(1.0)


def test_ndcg_per_group_skips_groups_without_positives() -> None:
    y = np.array([0, 1, 0, 0, 0, 0])
    s = np.array([3.0, 2.0, 1.0, 3.0, 2.0, 1.0])
    g = np.array(["a", "a", "a", "b", "b", "b"])
    per = ndcg_per_group(s, y, g)
    assert list(per.index) == ["a"]
    assert per["a"] == pytest.approx(1 / np.log2(3))
    assert metrics(s, y, g)["ndcg_at_10"] == pytest.approx(1 / np.log2(3))


def test_bootstrap_intervals_and_paired_differences() -> None:
    y, s, g = synthetic()
    noise = np.random.default_rng(9).random(len(y))
    res = evaluate_rankers(
        {"good": s, "same": s.copy(), "random": noise}, y, g, n_boot=200, seed=1, pairs=[("good", "same"), ("good", "random")]
    )
    good = res["rankers"]["good"]
    lo, hi = good["average_precision_ci"]
    assert lo <= good["average_precision"] <= hi and hi - lo > 0
    same = res["pairs"]["good_vs_same"]
    assert same["average_precision"] == 0 and same["average_precision_ci"] == [0.0, 0.0]
    better = res["pairs"]["good_vs_random"]
    assert better["average_precision_ci"][0] > 0 and better["average_precision_p_not_better"] == 0.0
    assert res["n_cities"] == 60 and res["n_positive"] == int(y.sum())
    # deterministic for a seed
    again = evaluate_rankers({"good": s}, y, g, n_boot=200, seed=1)
    assert again["rankers"]["good"]["average_precision_ci"] == good["average_precision_ci"]
    res["best_baseline"] = "random"
    h = headline({**res, "rankers": {**res["rankers"], "learned": good}, "pairs": {"learned_vs_random": better}})
    assert h["verdict"].startswith("better")


def test_ndcg_matches_scikit_learn_with_ties() -> None:
    from sklearn.metrics import ndcg_score

    from matcher.model.evaluate import ndcg_at_k

    rng = np.random.default_rng(2)
    for _ in range(20):
        y = (rng.random(40) < 0.2).astype(float)
        if y.sum() == 0:
            continue
        s = np.round(rng.random(40), 1)
        assert ndcg_at_k(y, s, 10) == pytest.approx(ndcg_score(y[None, :], s[None, :], k=10), abs=1e-12)
