"""Ranker contract tests (run against every ranker) and toy cases where the answer is known.

All data here is synthetic: random feature columns built in the fixtures below.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone

from matcher.model.features import FEATURE_COLUMNS
from matcher.model.rank import (
    NO_REASON,
    REASON_TEXT,
    LearnedRanker,
    Ranker,
    SizeRanker,
    baseline_rankers,
    reason_text,
)


def synthetic_cells(n: int = 600, seed: int = 0) -> pd.DataFrame:
    """Synthetic cells: 20 cities × 30 industries, random non-negative features, and an outcome
    driven by ``spill_ind`` and ``city_recent`` (so a learned model must beat size)."""
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame(
        {
            "province": [f"省{i % 4}" for i in range(n)],
            "city": [f"市{i % 20}" for i in range(n)],
            "industry": [f"业{i // 20}" for i in range(n)],
        }
    )
    for col in FEATURE_COLUMNS:
        frame[col] = rng.gamma(1.0, 3.0, n).round(0)
    frame["density"] = rng.random(n)
    frame["size"] = frame["city_firms"] * frame["ind_firms"]
    logit = -4 + 1.2 * np.log1p(frame["spill_ind"]) + 0.8 * np.log1p(frame["city_recent"])
    frame["entered"] = (rng.random(n) < 1 / (1 + np.exp(-logit))).astype(int)
    return frame


def all_rankers() -> list[Ranker]:
    return [
        *baseline_rankers().values(),
        LearnedRanker(),
        LearnedRanker(tuple(FEATURE_COLUMNS), C=0.1),
        LearnedRanker(model="hgb", max_iter=30),
    ]


@pytest.fixture(scope="module")
def cells() -> pd.DataFrame:
    return synthetic_cells()


@pytest.mark.parametrize("ranker", all_rankers(), ids=lambda r: f"{r.name}-{getattr(r, 'model', '')}")
def test_contract(ranker: Ranker, cells: pd.DataFrame) -> None:
    fitted = ranker.fit(cells, cells["entered"].to_numpy())
    assert fitted is ranker
    assert ranker.n_features_in_ == len(ranker.features)
    s1, s2 = ranker.decision_function(cells), ranker.decision_function(cells.copy())
    assert s1.shape == (len(cells),) and s1.dtype == np.float64 and np.isfinite(s1).all()
    np.testing.assert_array_equal(s1, s2)  # deterministic
    # the score of a row does not depend on the other rows
    np.testing.assert_allclose(ranker.decision_function(cells.iloc[::-1])[::-1], s1)

    ranked = ranker.rank(cells, group_col="city", keys=["city", "industry"], top_k=5)
    assert list(ranked.columns) == ["city", "industry", "score", "rank", "reasons"]
    assert (ranked.groupby("city")["rank"].apply(list) == pd.Series({c: [1, 2, 3, 4, 5] for c in ranked["city"].unique()})).all()
    assert (ranked.groupby("city")["score"].apply(lambda s: s.is_monotonic_decreasing)).all()
    best = cells.assign(s=s1).groupby("city")["s"].max()
    top1 = ranked[ranked["rank"] == 1].set_index("city")["score"]
    np.testing.assert_allclose(top1.sort_index(), best.sort_index())
    assert ranked["reasons"].map(lambda t: isinstance(t, str) and len(t) > 0).all()

    overall = ranker.rank(cells, keys=["city", "industry"])
    assert overall["rank"].tolist() == list(range(1, len(cells) + 1))
    # clone keeps the configuration (scikit-learn contract) and a clone refits to the same scores
    again = clone(ranker).fit(cells, cells["entered"].to_numpy())
    np.testing.assert_allclose(again.decision_function(cells), s1)
    with pytest.raises(KeyError):
        ranker.decision_function(cells.drop(columns=ranker.features[0]))


def test_size_ranker_is_the_product(cells: pd.DataFrame) -> None:
    s = SizeRanker().fit(cells).decision_function(cells)
    np.testing.assert_array_equal(s, cells["city_firms"] * cells["ind_firms"])


def test_learned_beats_size_when_the_signal_is_elsewhere() -> None:
    from sklearn.metrics import average_precision_score

    train, test = synthetic_cells(4000, seed=1), synthetic_cells(4000, seed=2)
    learned = LearnedRanker().fit(train, train["entered"])
    ap_learned = average_precision_score(test["entered"], learned.decision_function(test))
    ap_size = average_precision_score(test["entered"], SizeRanker().fit(train).decision_function(test))
    assert ap_learned > ap_size + 0.05
    coefs = learned.coefficients
    assert coefs["spill_ind"] > 0.3 and coefs["city_recent"] > 0.2
    assert abs(coefs["ind_firms"]) < 0.15  # pure noise in this synthetic outcome


def test_reasons_name_the_driving_features() -> None:
    train = synthetic_cells(4000, seed=1)
    learned = LearnedRanker().fit(train, train["entered"])
    row = pd.DataFrame([{c: 0.0 for c in learned.features}])
    row.loc[0, "spill_ind"] = 40.0
    text = learned.reasons(row)[0]
    assert text.startswith("周边城市同行业集聚（距离加权40.0家）")
    # a row below the reference on every feature has no reason
    assert learned.reasons(row.assign(spill_ind=0.0))[0] == NO_REASON


def test_reason_templates_cover_every_feature_and_stay_per_ranker() -> None:
    from matcher.model.match import FirmCountyRanker

    assert set(FEATURE_COLUMNS) <= set(REASON_TEXT)
    assert reason_text("prov_ind", 3) == "同省其他城市已有3家同行业上市公司"
    assert reason_text("distance_km", 12.4, {"distance_km": "距离{v:.0f}公里"}) == "距离12公里"
    # the pair ranker's templates are its own: importing it changes nothing of the entry task's
    assert "chain_customers" not in REASON_TEXT and "chain_customers" in FirmCountyRanker.reason_templates


def test_score_is_a_metric_as_in_scikit_learn(cells: pd.DataFrame) -> None:
    from sklearn.metrics import average_precision_score

    r = SizeRanker().fit(cells)
    y = (cells["size"] > cells["size"].median()).astype(int) if "size" in cells.columns else (np.arange(len(cells)) % 2)
    assert r.score(cells, y) == pytest.approx(average_precision_score(y, r.decision_function(cells)))


def test_learned_needs_an_outcome(cells: pd.DataFrame) -> None:
    with pytest.raises(ValueError):
        LearnedRanker().fit(cells)
    with pytest.raises(ValueError):
        LearnedRanker(model="nope").fit(cells, cells["entered"])
