"""Discrete choice: "which place does a firm choose?" — McFadden's conditional logit and the rank
metrics of a chosen alternative (MRR, median rank, recall@k, with a bootstrap interval).

Used by the firm → county ranker (:class:`matcher.model.match.FirmCountyRanker`) to fit its place
weights, and by the relocation and expansion benchmarks to score rankers.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy.optimize import minimize


def truth_ranks(scores: np.ndarray, valid: np.ndarray, truth: np.ndarray) -> np.ndarray:
    """Rank of the true city among valid candidates (1 = top); ties count half (expected rank under a
    random tie-break), so a ranker gains nothing from ties."""
    s = np.where(valid, scores, -np.inf)
    t = s[np.arange(len(truth)), truth][:, None]
    higher = ((s > t) & valid).sum(axis=1)
    ties = ((s == t) & valid).sum(axis=1) - 1
    return higher + 1 + ties / 2.0


def rank_metrics(ranks: np.ndarray) -> dict[str, float]:
    """MRR, median rank, recall@10 and @30 of the truth's rank (ties as expected values)."""
    r = np.asarray(ranks, dtype=np.float64)
    return {
        "mrr": float(np.mean(1.0 / r)),
        "median_rank": float(np.median(r)),
        "recall_at_10": float(np.mean(r <= 10)),  # on the expected rank when tied
        "recall_at_30": float(np.mean(r <= 30)),
    }


def random_metrics(n_candidates: np.ndarray) -> dict[str, float]:
    """Expected metrics of a random order over ``n`` candidates per mover (analytic)."""
    n = np.asarray(n_candidates, dtype=np.float64)
    mrr = np.mean([np.mean(1.0 / np.arange(1, k + 1)) for k in n.astype(int)])
    return {
        "mrr": float(mrr),
        "median_rank": float(np.median((n + 1) / 2)),
        "recall_at_10": float(np.mean(np.minimum(10 / n, 1))),
        "recall_at_30": float(np.mean(np.minimum(30 / n, 1))),
    }


def fit_conditional_logit(x: np.ndarray, valid: np.ndarray, truth: np.ndarray, *, l2: float = 1.0) -> np.ndarray:
    """Weights w maximising Σ_m log softmax_c(x_mc · w)[truth_m] over valid c, minus l2/2 ‖w‖².

    ``x``: (n_movers, n_candidates, n_features), already standardised. McFadden's conditional logit —
    the discrete-choice model of "which place does a firm choose", so firm-only features cancel.
    """
    n, _, k = x.shape
    mask = np.where(valid, 0.0, -np.inf)
    idx = np.arange(n)

    def loss(w: np.ndarray) -> tuple[float, np.ndarray]:
        s = x @ w + mask
        smax = s.max(axis=1, keepdims=True)
        e = np.exp(s - smax)
        z = e.sum(axis=1, keepdims=True)
        p = e / z
        ll = (s[idx, truth] - (np.log(z[:, 0]) + smax[:, 0])).sum()
        grad_ll = x[idx, truth].sum(axis=0) - np.einsum("nc,nck->k", p, x)
        return float(-ll + 0.5 * l2 * w @ w), -grad_ll + l2 * w

    res = minimize(loss, np.zeros(k), jac=True, method="L-BFGS-B")
    return np.asarray(res.x)


def standardise(x: np.ndarray, valid: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(x_std, mean, sd) over the valid cells; constant features get sd 1."""
    cells = x[valid]
    mu = cells.mean(axis=0)
    sd = cells.std(axis=0)
    sd = np.where(sd > 0, sd, 1.0)
    return (x - mu) / sd, mu, sd


def pack_choice_sets(X: pd.DataFrame, y: np.ndarray, features: Sequence[str], group_col: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A long frame of choice sets (``group_col``; ``y`` = 1 on the chosen row, one per set) as the arrays
    :func:`fit_conditional_logit` takes: x (sets, max set size, features; missing values 0), valid, truth."""
    groups = pd.factorize(X[group_col], sort=True)[0]
    sizes = np.bincount(groups)
    n, c = len(sizes), int(sizes.max())
    pos = pd.Series(groups).groupby(groups).cumcount().to_numpy()
    x3 = np.zeros((n, c, len(features)))
    valid = np.zeros((n, c), dtype=bool)
    x3[groups, pos] = np.nan_to_num(X[list(features)].to_numpy(np.float64), nan=0.0)
    valid[groups, pos] = True
    truth = np.full(n, -1)
    chosen = np.asarray(y) > 0
    truth[groups[chosen]] = pos[chosen]
    if (truth < 0).any() or np.bincount(groups[chosen], minlength=n).max() > 1:
        raise ValueError("every group needs exactly one chosen row (y = 1)")
    return x3, valid, truth


def stack(grid: dict[str, np.ndarray], features: tuple[str, ...]) -> np.ndarray:
    return np.stack([np.nan_to_num(np.asarray(grid[f], dtype=np.float64), nan=0.0) for f in features], axis=-1)


def bootstrap_mrr_ci(ranks: np.ndarray, *, n: int = 2000, seed: int = 0) -> tuple[float, float]:
    """95% percentile interval of the MRR over movers resampled with replacement (fixed seed)."""
    rng = np.random.default_rng(seed)
    rr = 1.0 / np.asarray(ranks, dtype=np.float64)
    idx = rng.integers(0, len(rr), size=(n, len(rr)))
    means = rr[idx].mean(axis=1)
    return float(np.quantile(means, 0.025)), float(np.quantile(means, 0.975))
