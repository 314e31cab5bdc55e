"""Evaluation: time splits, ranking metrics, and the bootstrap over cities.

Metrics (all tie-aware, so a baseline with many equal scores is neither helped nor hurt by the
row order): ROC-AUC, average precision (scikit-learn's step definition), best F1 over thresholds,
P@100 and P@1000 (expected precision when ties at the cut are broken at random), and mean NDCG@10
per city (over cities with ≥ 1 positive).

Confidence intervals resample *cities* with replacement (the unit that makes rows dependent): each
replicate gives every row its city's multiplicity as a weight, so one replicate costs one pass over
the pre-sorted scores. Paired differences use the same replicates for both rankers.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd
from sklearn.base import clone

from matcher.model.cells import (
    BACK_TEST,
    BACK_TRAIN,
    MAIN_TEST,
    MAIN_TRAIN,
    Window,
    entry_cells,
)
from matcher.model.features import FEATURE_COLUMNS, FeatureSettings, cell_features
from matcher.model.rank import ENTRY_FEATURES, LearnedRanker

METRICS = ["roc_auc", "average_precision", "best_f1", "p_at_100", "p_at_1000", "ndcg_at_10"]


@dataclass
class _Sorted:
    """Scores sorted descending, grouped into ties: row order, and the end index of each tie group."""

    order: np.ndarray
    ends: np.ndarray  # exclusive end position of each tie group in sorted order


def _sort(score: np.ndarray) -> _Sorted:
    order = np.argsort(-score, kind="stable")
    s = score[order]
    change = np.nonzero(np.diff(s) != 0)[0] + 1
    ends = np.append(change, len(s))
    return _Sorted(order, ends)


def weighted_metrics(score: np.ndarray, y: np.ndarray, w: np.ndarray | None = None, srt: _Sorted | None = None) -> dict[str, float]:
    """ROC-AUC, AP, best F1, P@100, P@1000 with row weights (weights = 1 reproduces scikit-learn)."""
    score = np.asarray(score, float)
    y = np.asarray(y, float)
    w = np.ones_like(y) if w is None else np.asarray(w, float)
    srt = srt or _sort(score)
    ys, ws = y[srt.order], w[srt.order]
    ctp = np.cumsum(ws * ys)[srt.ends - 1]
    cw = np.cumsum(ws)[srt.ends - 1]
    cfp = cw - ctp
    pos, neg = ctp[-1] if len(ctp) else 0.0, cfp[-1] if len(cfp) else 0.0
    out: dict[str, float] = {}
    if pos <= 0 or neg <= 0:
        return dict.fromkeys(["roc_auc", "average_precision", "best_f1", "p_at_100", "p_at_1000"], float("nan"))
    tpr = np.concatenate([[0.0], ctp / pos])
    fpr = np.concatenate([[0.0], cfp / neg])
    out["roc_auc"] = float(np.trapezoid(tpr, fpr))
    with np.errstate(divide="ignore", invalid="ignore"):
        precision = np.where(cw > 0, ctp / cw, 0.0)
    recall_step = np.diff(np.concatenate([[0.0], ctp / pos]))
    out["average_precision"] = float(np.sum(recall_step * precision))
    out["best_f1"] = float(np.max(2 * ctp / (cw + pos)))
    for k in (100, 1000):
        out[f"p_at_{k}"] = _precision_at(k, ctp, cw)
    return out


def _precision_at(k: float, ctp: np.ndarray, cw: np.ndarray) -> float:
    """Expected precision of the top ``k`` (by weight) when the tie group at the cut is split at random."""
    if cw[-1] < k:
        return float(ctp[-1] / cw[-1])
    g = int(np.searchsorted(cw, k, side="left"))
    tp_before = ctp[g - 1] if g > 0 else 0.0
    w_before = cw[g - 1] if g > 0 else 0.0
    group_w = cw[g] - w_before
    rate = (ctp[g] - tp_before) / group_w if group_w > 0 else 0.0
    return float((tp_before + (k - w_before) * rate) / k)


def ndcg_at_k(y: np.ndarray, score: np.ndarray, k: int = 10) -> float:
    """NDCG@k of one list with tie-averaged gains (scikit-learn's ``ndcg_score`` with ignore_ties=False)."""
    y = np.asarray(y, float)
    score = np.asarray(score, float)
    order = np.argsort(-score, kind="stable")
    s, g = score[order], y[order]
    discount = 1.0 / np.log2(np.arange(len(s)) + 2.0)
    discount[k:] = 0.0
    change = np.nonzero(np.diff(s) != 0)[0] + 1
    starts = np.concatenate([[0], change])
    ends = np.append(change, len(s))
    gain_sum = np.add.reduceat(g, starts)
    disc_sum = np.add.reduceat(discount, starts)
    dcg = float(np.sum(gain_sum / (ends - starts) * disc_sum))
    ideal = float(np.sum(np.sort(y)[::-1] * discount))
    return dcg / ideal if ideal > 0 else float("nan")


def ndcg_per_group(score: np.ndarray, y: np.ndarray, groups: np.ndarray, k: int = 10) -> pd.Series:
    """NDCG@k of each group (city) with ≥ 1 positive, ties averaged."""
    score = np.asarray(score, float)
    y = np.asarray(y, float)
    codes, idx = np.unique(np.asarray(groups), return_inverse=True)
    order = np.argsort(idx, kind="stable")
    bounds = np.searchsorted(idx[order], np.arange(len(codes) + 1))
    out = {}
    for j, code in enumerate(codes):
        rows = order[bounds[j] : bounds[j + 1]]
        if len(rows) < 2 or y[rows].sum() <= 0:
            continue
        out[code] = ndcg_at_k(y[rows], score[rows], k)
    return pd.Series(out, dtype="float64")


def metrics(score: np.ndarray, y: np.ndarray, groups: np.ndarray) -> dict[str, float]:
    """Every metric of the entry benchmark, point estimates."""
    out = weighted_metrics(score, y)
    per_city = ndcg_per_group(score, y, groups)
    out["ndcg_at_10"] = float(per_city.mean()) if len(per_city) else float("nan")
    return out


def evaluate_rankers(
    scores: Mapping[str, np.ndarray],
    y: np.ndarray,
    groups: np.ndarray,
    *,
    n_boot: int = 1000,
    seed: int = 0,
    pairs: list[tuple[str, str]] | None = None,
    alpha: float = 0.05,
) -> dict[str, object]:
    """Point metrics and percentile bootstrap CIs (cities resampled) for every ranker, side by side.

    ``pairs`` lists (model, baseline) comparisons: each gets the paired bootstrap of the metric
    differences (model − baseline), their CI, and the share of replicates where the model is not better.
    Returns ``{"rankers": {name: {metric: value, metric + "_ci": [lo, hi]}}, "pairs": {...},
    "n_rows", "n_positive", "n_cities", "n_boot"}``.
    """
    y = np.asarray(y, float)
    groups = np.asarray(groups)
    city_codes, city_idx = np.unique(groups, return_inverse=True)
    n_c = len(city_codes)
    rng = np.random.default_rng(seed)
    mult = rng.multinomial(n_c, np.full(n_c, 1.0 / n_c), size=n_boot).astype(float)

    point: dict[str, dict[str, float]] = {}
    boots: dict[str, np.ndarray] = {}
    for name, s in scores.items():
        s = np.asarray(s, float)
        srt = _sort(s)
        point[name] = metrics(s, y, groups)
        ndcg = ndcg_per_group(s, y, groups)
        ndcg_vec = np.full(n_c, np.nan)
        pos_of = {c: i for i, c in enumerate(city_codes)}
        for c, v in ndcg.items():
            ndcg_vec[pos_of[c]] = v
        has = ~np.isnan(ndcg_vec)
        b = np.empty((n_boot, len(METRICS)))
        for r in range(n_boot):
            w = mult[r][city_idx]
            m = weighted_metrics(s, y, w, srt)
            mw = mult[r][has]
            nd = float(np.sum(mw * ndcg_vec[has]) / mw.sum()) if mw.sum() > 0 else np.nan
            b[r] = [m["roc_auc"], m["average_precision"], m["best_f1"], m["p_at_100"], m["p_at_1000"], nd]
        boots[name] = b

    lo_q, hi_q = 100 * alpha / 2, 100 * (1 - alpha / 2)
    rankers: dict[str, dict[str, object]] = {}
    for name, b in boots.items():
        entry: dict[str, object] = {}
        for j, metric in enumerate(METRICS):
            entry[metric] = point[name][metric]
            entry[metric + "_ci"] = [float(np.nanpercentile(b[:, j], lo_q)), float(np.nanpercentile(b[:, j], hi_q))]
        rankers[name] = entry
    paired: dict[str, dict[str, object]] = {}
    for model, base in pairs or []:
        d = boots[model] - boots[base]
        entry = {}
        for j, metric in enumerate(METRICS):
            entry[metric] = point[model][metric] - point[base][metric]
            entry[metric + "_ci"] = [float(np.nanpercentile(d[:, j], lo_q)), float(np.nanpercentile(d[:, j], hi_q))]
            entry[metric + "_p_not_better"] = float(np.mean(d[:, j] <= 0))
        paired[f"{model}_vs_{base}"] = entry
    return {
        "rankers": rankers,
        "pairs": paired,
        "n_rows": int(len(y)),
        "n_positive": int(y.sum()),
        "n_cities": int(n_c),
        "n_boot": int(n_boot),
    }


def best_baseline(result: Mapping[str, object], baselines: list[str], metric: str = "average_precision") -> str:
    """The baseline with the highest point ``metric`` in an :func:`evaluate_rankers` result."""
    rankers = result["rankers"]
    assert isinstance(rankers, Mapping)
    return max(baselines, key=lambda n: (rankers[n][metric], n))


# -- the entry benchmark ---------------------------------------------------------------------------

#: the window pairs used to choose the learned model (never the main test window)
SELECTION_PAIRS: dict[str, tuple[Window, Window]] = {
    "inner": (Window("2004-01-01", "2009-01-01"), Window("2009-01-01", "2014-01-01")),
    "backtest": (BACK_TRAIN, BACK_TEST),
}


def entry_windows() -> dict[str, tuple[Window, Window]]:
    """(train window, test window) by name: the main window, the back-test (one window earlier) and,
    for completeness, the inner selection pair (two windows earlier)."""
    return {"main": (MAIN_TRAIN, MAIN_TEST), "backtest": (BACK_TRAIN, BACK_TEST), "inner": SELECTION_PAIRS["inner"]}


def window_frame(
    firms: pd.DataFrame, window: Window, settings: FeatureSettings | None = None, coords: pd.DataFrame | None = None
) -> pd.DataFrame:
    """Candidates of ``window`` with their t0 features and outcome (``entered``)."""
    return cell_features(firms, entry_cells(firms, window), window.t0, settings, coords)


def candidate_models() -> dict[str, LearnedRanker]:
    """The learned configurations compared during selection (seeds fixed)."""
    size2 = ("city_firms", "ind_firms")
    momentum = (*size2, "city_recent", "ind_recent")
    grid: dict[str, LearnedRanker] = {
        "logit_size": LearnedRanker(size2),
        "logit_size_momentum": LearnedRanker(momentum),
        "logit_size_momentum_spill": LearnedRanker(ENTRY_FEATURES),
        "logit_size_momentum_spill_C0.1": LearnedRanker(ENTRY_FEATURES, C=0.1),
        "logit_plus_related": LearnedRanker((*ENTRY_FEATURES, "related_firms", "density", "prov_ind")),
        "logit_all": LearnedRanker(tuple(FEATURE_COLUMNS)),
        "hgb_size_momentum_spill": LearnedRanker(ENTRY_FEATURES, model="hgb"),
        "hgb_all": LearnedRanker(tuple(FEATURE_COLUMNS), model="hgb"),
    }
    return grid


def select_model(
    frames: Mapping[Window, pd.DataFrame], pairs: Mapping[str, tuple[Window, Window]] | None = None
) -> tuple[str, pd.DataFrame]:
    """Fit every candidate on each selection pair's train window, score its validation window, and
    choose the best mean average precision. Returns (name, table of AP per candidate and pair)."""
    from sklearn.metrics import average_precision_score

    pairs = pairs or SELECTION_PAIRS
    rows = []
    for name, model in candidate_models().items():
        row: dict[str, object] = {"candidate": name}
        for pname, (tr, va) in pairs.items():
            fitted = clone(model).fit(frames[tr], frames[tr]["entered"].to_numpy())
            row[pname] = float(average_precision_score(frames[va]["entered"], fitted.decision_function(frames[va])))
        rows.append(row)
    table = pd.DataFrame(rows)
    table["mean"] = table[list(pairs)].mean(axis=1)
    table = table.sort_values(["mean", "candidate"], ascending=[False, True], kind="stable").reset_index(drop=True)
    return str(table.loc[0, "candidate"]), table


def noise_robustness(
    frames: Mapping[Window, pd.DataFrame], chosen: str, n_noise: int = 6, seed: int = 0
) -> pd.DataFrame:
    """Average precision on each selection pair of the chosen model and of gradient boosting, with and
    without ``n_noise`` pure-noise columns added (a stability check; selection pairs only)."""
    from sklearn.metrics import average_precision_score

    rng = np.random.default_rng(seed)
    noisy = {w: f.assign(**{f"noise_{j}": rng.gamma(1.0, 3.0, len(f)).round(0) for j in range(n_noise)}) for w, f in frames.items()}
    noise_cols = tuple(f"noise_{j}" for j in range(n_noise))
    base = candidate_models()[chosen]
    models = {
        chosen: base,
        f"{chosen} + {n_noise} noise": clone(base).set_params(columns=(*base.columns, *noise_cols)),
        "hgb_size_momentum_spill": candidate_models()["hgb_size_momentum_spill"],
        f"hgb_size_momentum_spill + {n_noise} noise": LearnedRanker((*ENTRY_FEATURES, *noise_cols), model="hgb"),
    }
    rows = []
    for name, model in models.items():
        row: dict[str, object] = {"model": name}
        for pname, (tr, va) in SELECTION_PAIRS.items():
            fitted = clone(model).fit(noisy[tr], noisy[tr]["entered"].to_numpy())
            row[pname] = float(average_precision_score(noisy[va]["entered"], fitted.decision_function(noisy[va])))
        rows.append(row)
    return pd.DataFrame(rows)
