"""Entity resolution, step 3 (classify): which candidate pairs are links — exact keys, one-to-one
mutual best pairs above a threshold, or the evidence model's probability; and how good links are
against truth. See :mod:`matcher.firms.resolve`."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from matcher.firms.compare import score_pairs
from matcher.firms.index import DEFAULT_BLOCKING, BlockingConfig, _ensure_prepared, candidate_pairs

#: score threshold chosen by ``matcher bench er`` on the train half of the codes (max F1 with precision >= 0.99
#: over the six pairs of code-carrying lists); reported on the other half in benchmarks/results/er.md
DEFAULT_THRESHOLD = 0.73

LINK_COLUMNS = ["left_id", "right_id", "score", "method"]


# ----------------------------------------------------------------------------------------------
# evidence model: names + dates + location learnt from labelled pairs

#: the comparison columns the evidence model reads (never a code: stock codes and credit codes are
#: exact keys of :func:`link`, not features)
EVIDENCE_FEATURES = (
    "score", "sim_name", "sim_legal", "sim_short", "sim_cross", "sim_en", "sim_addr", "loc_shift", "ind_shift",
    "ld_same", "ld_days", "sd_same", "ld_n_left", "ld_n_right",
)


def evidence_matrix(scored: pd.DataFrame) -> np.ndarray:
    """Feature matrix of scored pairs: each similarity (0 where missing) with a 'known' flag, date
    agreement, the ambiguity of a shared listing date (1 / records sharing it) and how far each pair's
    rule score falls below the best other candidate of its left and of its right record."""
    f = {}
    for c in ("sim_name", "sim_legal", "sim_short", "sim_cross", "sim_en", "sim_addr", "ld_same", "sd_same"):
        v = scored[c].to_numpy(dtype=float) if c in scored.columns else np.full(len(scored), np.nan)
        f[c] = np.nan_to_num(v, nan=0.0)
        f[c + "_known"] = (~np.isnan(v)).astype(float)
    days = scored["ld_days"].to_numpy(dtype=float) if "ld_days" in scored.columns else np.full(len(scored), np.nan)
    f["ld_close"] = np.where(np.isnan(days), 0.0, (days <= 31).astype(float))
    f["ld_far"] = np.where(np.isnan(days), 0.0, (days > 366).astype(float))
    for side in ("left", "right"):
        n = scored[f"ld_n_{side}"].to_numpy(dtype=float) if f"ld_n_{side}" in scored.columns else np.zeros(len(scored))
        f[f"ld_excl_{side}"] = np.where(n > 0, 1.0 / np.maximum(n, 1.0), 0.0) * f["ld_same"]
    f["score"] = scored["score"].to_numpy(dtype=float)
    f["loc_shift"] = scored["loc_shift"].to_numpy(dtype=float)
    f["ind_shift"] = scored["ind_shift"].to_numpy(dtype=float)
    for side, col in (("left", "left_id"), ("right", "right_id")):
        top, second = _top_two(scored[col].to_numpy(), f["score"])
        sc = f["score"]
        f[f"margin_{side}"] = np.where(sc >= top, sc - second, sc - top)
    f["date_x_weakname"] = f["ld_same"] * (1.0 - f["sim_name"])
    f["date_x_setup"] = f["ld_same"] * f["sd_same"]
    return np.column_stack([f[k] for k in sorted(f)])


def _top_two(keys: np.ndarray, vals: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per row: the largest and second-largest value among rows with the same key (0 if none)."""
    if len(keys) == 0:
        return np.zeros(0), np.zeros(0)
    codes, inv = np.unique(keys.astype(str), return_inverse=True)
    order = np.lexsort((-vals, inv))
    first = np.ones(len(order), dtype=bool)
    first[1:] = inv[order][1:] != inv[order][:-1]
    top = np.zeros(len(codes))
    top[inv[order][first]] = vals[order][first]
    pos = np.flatnonzero(first) + 1
    sec = np.zeros(len(codes))
    ok = (pos < len(order))
    ok[ok] = inv[order][pos[ok]] == inv[order][first][ok]
    sec[inv[order][first][ok]] = vals[order][pos[ok]]
    return top[inv], sec[inv]


@dataclass
class EvidenceModel:
    """A logistic model over :func:`evidence_matrix`, fitted on labelled candidate pairs. Its
    ``predict`` is the probability that a pair is one firm; used as the ``score`` by :func:`link`
    (``model=``) with a threshold chosen on labelled pairs (``threshold``)."""

    estimator: object
    threshold: float = 0.5

    def predict(self, scored: pd.DataFrame) -> np.ndarray:
        if scored.empty:
            return np.zeros(0)
        return self.estimator.predict_proba(evidence_matrix(scored))[:, 1]  # type: ignore[attr-defined]


def fit_evidence_model(scored: pd.DataFrame, labels: np.ndarray, threshold: float = 0.5) -> EvidenceModel:
    """Fit a standardised L2 logistic regression on scored candidate pairs and their 0/1 labels."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    est = make_pipeline(StandardScaler(), LogisticRegression(C=1.0, max_iter=2000))
    est.fit(evidence_matrix(scored), np.asarray(labels, dtype=int))
    return EvidenceModel(est, threshold)


def model_links(scored: pd.DataFrame, model: EvidenceModel, threshold: float | None = None, rounds: int = 2) -> pd.DataFrame:
    """Mutual-best links by the model's probability, in ``rounds``: after each round the linked
    records leave, and the remaining pairs are re-judged with the listing-date ambiguity counted
    among the records still unlinked (the one firm left on a listing date on both sides)."""
    t = model.threshold if threshold is None else threshold
    if scored.empty:
        return scored.assign(rule_score=[]).iloc[0:0]
    rest = scored
    found = []
    for _ in range(max(1, rounds)):
        if rest.empty:
            break
        judged = rest.assign(rule_score=rest["score"], score=model.predict(rest))
        got = mutual_best(judged, t)
        if got.empty:
            break
        found.append(got)
        rest = rest[~rest["left_id"].isin(got["left_id"]) & ~rest["right_id"].isin(got["right_id"])]
        rest = _recount_dates(rest, scored)
    if not found:
        return scored.assign(rule_score=scored["score"]).iloc[0:0]
    return pd.concat(found, ignore_index=True)


def _recount_dates(rest: pd.DataFrame, scored: pd.DataFrame) -> pd.DataFrame:
    """Scale the records-sharing-a-date counts to the records still unlinked (a candidate pair's
    ``ld_n_*`` becomes the number of unlinked records of that side among its date block)."""
    if rest.empty or "ld_same" not in rest.columns:
        return rest
    same = rest[rest["ld_same"] == 1.0]
    n_right = same.groupby("left_id")["right_id"].nunique()
    n_left = same.groupby("right_id")["left_id"].nunique()
    out = rest.copy()
    m = out["ld_same"] == 1.0
    out.loc[m, "ld_n_right"] = out.loc[m, "left_id"].map(n_right).to_numpy(dtype=float)
    out.loc[m, "ld_n_left"] = out.loc[m, "right_id"].map(n_left).to_numpy(dtype=float)
    return out


# ----------------------------------------------------------------------------------------------
# classification


def mutual_best(scored: pd.DataFrame, threshold: float) -> pd.DataFrame:
    """Keep pairs that are each side's best candidate (ties broken by id) and reach ``threshold``."""
    if scored.empty:
        return scored.iloc[0:0]
    s = scored.sort_values(["score", "left_id", "right_id"], ascending=[False, True, True], kind="mergesort")
    best_l = ~s["left_id"].duplicated(keep="first")
    best_r = ~s["right_id"].duplicated(keep="first")
    return s[best_l & best_r & (s["score"] >= threshold)].reset_index(drop=True)


def _exact_links(left: pd.DataFrame, right: pd.DataFrame, keys: Sequence[str]) -> pd.DataFrame:
    parts = []
    for key in keys:
        if key not in left.columns or key not in right.columns:
            continue
        lk = left[["rec_id", key]].dropna()
        rk = right[["rec_id", key]].dropna()
        lk = lk[~lk[key].duplicated(keep=False)]
        rk = rk[~rk[key].duplicated(keep=False)]
        m = lk.merge(rk, on=key, suffixes=("_l", "_r"))
        parts.append(pd.DataFrame({"left_id": m["rec_id_l"], "right_id": m["rec_id_r"], "score": 1.0, "method": f"exact:{key}"}))
    if not parts:
        return pd.DataFrame({c: pd.Series(dtype="object" if c != "score" else "float64") for c in LINK_COLUMNS})
    out = pd.concat(parts, ignore_index=True)
    out = out.drop_duplicates("left_id", keep="first")
    return out.drop_duplicates("right_id", keep="first").reset_index(drop=True)


def link(
    left: pd.DataFrame,
    right: pd.DataFrame,
    threshold: float = DEFAULT_THRESHOLD,
    *,
    exact_keys: Sequence[str] = ("stock_code", "uscc"),
    config: BlockingConfig = DEFAULT_BLOCKING,
    use_english: bool = True,
    use_chinese: bool = True,
    model: EvidenceModel | None = None,
) -> pd.DataFrame:
    """One-to-one links ``[left_id, right_id, score, method]``: exact keys first, then names.

    Records linked by an exact key leave the name matching; the rest are blocked, scored and kept
    when mutual best with ``score >= threshold`` (method ``name``). With an evidence ``model``
    (:func:`fit_evidence_model`) the score is its probability, judged against ``model.threshold``
    in :func:`model_links` rounds (method ``model``; ``threshold`` is then ignored).
    """
    lp, rp = _ensure_prepared(left), _ensure_prepared(right)
    exact = _exact_links(lp, rp, exact_keys)
    lrest = lp[~lp["rec_id"].isin(exact["left_id"])]
    rrest = rp[~rp["rec_id"].isin(exact["right_id"])]
    pairs = candidate_pairs(lrest, rrest, config, use_english=use_english, use_chinese=use_chinese)
    scored = score_pairs(pairs, lrest, rrest)
    if model is not None:
        named = model_links(scored, model).assign(method="model")[LINK_COLUMNS]
    else:
        named = mutual_best(scored, threshold).assign(method="name")[LINK_COLUMNS]
    out = pd.concat([exact.astype({"score": "float64"}), named], ignore_index=True) if len(exact) else named
    return out.sort_values(["left_id", "right_id"], kind="mergesort").reset_index(drop=True)


def choose_threshold(
    scored: pd.DataFrame,
    truth: pd.DataFrame,
    *,
    min_precision: float = 0.995,
    grid: Iterable[float] | None = None,
) -> tuple[float, pd.DataFrame]:
    """The threshold that maximises F1 among those whose mutual-best links reach ``min_precision``
    on the labelled pairs ``truth[left_id, right_id]`` (falls back to the best-precision one).

    Returns (threshold, the sweep table)."""
    grid = list(grid) if grid is not None else [round(x, 3) for x in np.arange(0.50, 1.001, 0.01)]
    rows = []
    for t in grid:
        m = evaluate_links(mutual_best(scored, t), truth)
        rows.append({"threshold": t, **m})
    sweep = pd.DataFrame(rows)
    ok = sweep[sweep["precision"] >= min_precision]
    pick = ok if len(ok) else sweep.sort_values("precision", ascending=False).head(1)
    best = pick.sort_values(["f1", "threshold"], ascending=[False, True]).iloc[0]
    return float(best["threshold"]), sweep


def evaluate_links(links: pd.DataFrame, truth: pd.DataFrame) -> dict[str, float]:
    """Precision/recall of ``links[left_id, right_id]`` against ``truth[left_id, right_id]``.

    False merges: linked pairs that truth says are different firms. False splits: truth pairs
    that were not linked (reported apart, as they cost differently)."""
    pred = set(zip(links["left_id"], links["right_id"], strict=True))
    true = set(zip(truth["left_id"], truth["right_id"], strict=True))
    tp = len(pred & true)
    fm = len(pred - true)
    fs = len(true - pred)
    precision = tp / len(pred) if pred else 1.0
    recall = tp / len(true) if true else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"links": len(pred), "truth": len(true), "true_links": tp, "false_merges": fm, "false_splits": fs,
            "precision": precision, "recall": recall, "f1": f1}


