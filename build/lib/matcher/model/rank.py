"""Rankers: one interface for baselines and learned models, with Chinese reasons per ranked row.

Contract (scikit-learn style; shared contract tests run against every ranker in tests/test_model_rank.py):

- ``fit(X, y=None) -> self`` — ``X`` a DataFrame holding at least ``ranker.features``; fitted
  attributes end in ``_``. Baselines learn nothing but still record ``n_features_in_``.
- ``decision_function(X) -> ndarray`` — one float per row, higher = more promising; deterministic
  (scikit-learn's name for a continuous score, so rankers work with its scorers and tools);
  ``predict`` is an alias (what MLflow's pyfunc wrapper calls); ``score(X, y)`` is a metric, as in
  scikit-learn: the average precision of ``decision_function`` against the 0/1 outcome ``y``.
- ``contributions(X) -> DataFrame`` — one column per feature, how much it pushes each row's score up
  (linear models: coefficient × standardised value; otherwise an occlusion estimate).
- ``rank(X, group_col=None, top_k=None, keys=None) -> DataFrame`` — ``keys`` + ``score``, ``rank`` (1 = best,
  within ``group_col`` when given) and ``reasons`` (Chinese text from the top contributing features).

Reasons are rendered from the class's ``reason_templates`` (feature → template on the row's raw
value; :data:`REASON_TEXT` for the entry task). Other rankers (e.g. firm × county pairs) subclass
:class:`Ranker` with their own ``features`` and their own templates — nothing is registered globally.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import ClassVar

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, clone
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import FunctionTransformer, StandardScaler
from threadpoolctl import threadpool_limits

#: feature → Chinese template; ``{v}`` is the row's raw value of the feature.
REASON_TEXT: dict[str, str] = {
    "city_firms": "本市已有{v:.0f}家上市公司",
    "city_inds": "本市上市公司已覆盖{v:.0f}个行业",
    "city_recent": "本市近五年新增{v:.0f}家上市公司",
    "ind_firms": "全国该行业已有{v:.0f}家上市公司",
    "ind_recent": "该行业近五年全国新增{v:.0f}家上市公司",
    "size": "规模指数高（本市上市公司数×全国同行业数={v:.0f}）",
    "prov_ind": "同省其他城市已有{v:.0f}家同行业上市公司",
    "prov_ind_recent": "同省近五年新增{v:.0f}家同行业上市公司",
    "prov_firms": "本省已有{v:.0f}家上市公司",
    "rca_prov": "本省该行业显示性比较优势RCA为{v:.2f}",
    "nbr_ind": "邻近城市已有{v:.0f}家同行业上市公司",
    "spill_ind": "周边城市同行业集聚（距离加权{v:.1f}家）",
    "spill_firms": "周边城市上市公司集聚（距离加权{v:.0f}家）",
    "density": "相关产业密度高({v:.2f})",
    "related_firms": "本市相关产业基础好（邻近度加权{v:.1f}家）",
}

NO_REASON = "各项指标均不突出"


def reason_text(feature: str, value: float, templates: Mapping[str, str] = REASON_TEXT) -> str:
    """One feature's reason: its template filled with the row's value (``feature=value`` without one)."""
    template = templates.get(feature, feature + "={v:.3g}")
    try:
        return template.format(v=float(value))
    except (ValueError, TypeError):
        return f"{feature}={value}"


class Ranker(BaseEstimator):
    """Base class. Subclasses set ``name`` and ``features`` and implement :meth:`_raw_score`."""

    name: ClassVar[str] = "ranker"
    #: features a baseline reads (learned rankers take theirs as a parameter)
    base_features: ClassVar[tuple[str, ...]] = ()
    #: feature → Chinese reason template (``{v}`` = the row's value)
    reason_templates: ClassVar[Mapping[str, str]] = REASON_TEXT

    @property
    def features(self) -> list[str]:
        return list(self.base_features)

    # -- contract ---------------------------------------------------------------------------
    def fit(self, X: pd.DataFrame, y: Sequence[float] | np.ndarray | None = None) -> Ranker:
        self._check(X)
        self.n_features_in_ = len(self.features)
        self.feature_names_in_ = np.array(self.features, dtype=object)
        self._fit_reference(X)
        return self

    def decision_function(self, X: pd.DataFrame) -> np.ndarray:
        """One score per row, higher = more promising."""
        self._check(X)
        return np.asarray(self._raw_score(X), dtype="float64")

    def predict(self, X: pd.DataFrame) -> np.ndarray:
        """Alias of :meth:`decision_function` (what MLflow's pyfunc wrapper calls)."""
        return self.decision_function(X)

    def score(self, X: pd.DataFrame, y: Sequence[float] | np.ndarray) -> float:
        """Average precision of the scores against the 0/1 outcome ``y`` (scikit-learn's ``score`` contract)."""
        from sklearn.metrics import average_precision_score

        return float(average_precision_score(np.asarray(y), self.decision_function(X)))

    def contributions(self, X: pd.DataFrame) -> pd.DataFrame:
        """Default: how far each feature sits above its reference (median at fit), in reference-IQR units,
        for features the score increases with. Subclasses with a model override this."""
        self._check(X)
        ref = getattr(self, "reference_", None)
        cols = {}
        for f in self.features:
            x = np.log1p(np.clip(X[f].to_numpy(float), 0, None))
            med, scale = ref[f] if ref is not None else (0.0, 1.0)
            cols[f] = (x - med) / scale
        return pd.DataFrame(cols, index=X.index)

    def reasons(self, X: pd.DataFrame, top: int = 3) -> list[str]:
        """Chinese reasons: the ``top`` features with the largest positive contribution, with values."""
        contrib = self.contributions(X)
        names = list(contrib.columns)
        raw = X[names].to_numpy(float)
        # only features that raise the score *because they are high* make a reason: a negative
        # weight on a low value also adds to the score, but "only 0 firms" is no reason to invest
        values = np.where(self._high(X, names), contrib.to_numpy(), 0.0)
        order = np.argsort(-values, axis=1, kind="stable")[:, :top]
        out = []
        for r in range(len(X)):
            parts = [reason_text(names[j], raw[r, j], self.reason_templates) for j in order[r] if values[r, j] > 1e-9]
            out.append("；".join(parts) if parts else NO_REASON)
        return out

    def rank(
        self,
        X: pd.DataFrame,
        group_col: str | None = None,
        top_k: int | None = None,
        keys: Sequence[str] | None = None,
        with_reasons: bool = True,
    ) -> pd.DataFrame:
        """A tidy ranking: ``keys`` (default: every non-feature column), score, rank, reasons.

        Rows are sorted by group then rank; ties in score share order by their position in ``X``
        (stable). ``top_k`` keeps the best ``top_k`` rows overall, or per group with ``group_col``.
        """
        keys = list(keys) if keys is not None else [c for c in X.columns if c not in set(self.features)]
        if group_col is not None and group_col not in keys:
            keys = [group_col, *keys]
        out = X[keys].copy()
        out["score"] = self.decision_function(X)
        out["_pos"] = np.arange(len(out))
        if group_col is None:
            out = out.sort_values(["score", "_pos"], ascending=[False, True], kind="stable")
            out["rank"] = np.arange(1, len(out) + 1)
        else:
            out = out.sort_values([group_col, "score", "_pos"], ascending=[True, False, True], kind="stable")
            out["rank"] = out.groupby(group_col, sort=False).cumcount() + 1
        if top_k is not None:
            out = out[out["rank"] <= top_k]
        if with_reasons:
            chosen = X.iloc[out["_pos"].to_numpy()]
            out["reasons"] = self.reasons(chosen) if len(chosen) else []
        else:
            out["reasons"] = ""
        return out.drop(columns="_pos").reset_index(drop=True)

    # -- helpers ------------------------------------------------------------------------------
    def _high(self, X: pd.DataFrame, names: list[str]) -> np.ndarray:
        """Mask of values above the fit-time reference (median), per row and feature."""
        ref = getattr(self, "reference_", None) or {}
        x = np.log1p(np.clip(X[names].to_numpy(float), 0, None))
        med = np.array([ref.get(n, (0.0, 1.0))[0] for n in names])
        return x > med

    def _raw_score(self, X: pd.DataFrame) -> np.ndarray:
        raise NotImplementedError

    def _check(self, X: pd.DataFrame) -> None:
        missing = [f for f in self.features if f not in X.columns]
        if missing:
            raise KeyError(f"{type(self).__name__}: missing feature columns {missing}")

    def _fit_reference(self, X: pd.DataFrame) -> None:
        ref = {}
        for f in self.features:
            x = np.log1p(np.clip(X[f].to_numpy(float), 0, None))
            q25, med, q75 = (np.quantile(x, [0.25, 0.5, 0.75]) if len(x) else (0.0, 0.0, 1.0))
            ref[f] = (float(med), float(q75 - q25) if q75 > q25 else float(np.std(x)) or 1.0)
        self.reference_ = ref


class SizeRanker(Ranker):
    """Size baseline: city's listed firms × the industry's listed firms nationally (∝ expected count)."""

    name = "size"
    base_features = ("city_firms", "ind_firms")

    def _raw_score(self, X: pd.DataFrame) -> np.ndarray:
        return X["city_firms"].to_numpy(float) * X["ind_firms"].to_numpy(float)


class RCARanker(Ranker):
    """RCA autocorrelation baseline. A candidate's own RCA is zero by construction (no firm at t0), so
    the persistence signal is read one level up: the province's RCA in the industry."""

    name = "rca"
    base_features = ("rca_prov",)

    def _raw_score(self, X: pd.DataFrame) -> np.ndarray:
        return X["rca_prov"].to_numpy(float)


class DensityRanker(Ranker):
    """Relatedness density (Hidalgo et al. 2007): share of the industry's proximity mass the city holds."""

    name = "density"
    base_features = ("density",)

    def _raw_score(self, X: pd.DataFrame) -> np.ndarray:
        return X["density"].to_numpy(float)


class DensitySizeRanker(Ranker):
    """Density × size: relatedness scaled by the expected count."""

    name = "density_x_size"
    base_features = ("density", "city_firms", "ind_firms")

    def _raw_score(self, X: pd.DataFrame) -> np.ndarray:
        return X["density"].to_numpy(float) * X["city_firms"].to_numpy(float) * X["ind_firms"].to_numpy(float)


def _log1p_clip(x: np.ndarray) -> np.ndarray:
    return np.log1p(np.clip(x, 0, None))


#: the learned entry model's features, chosen on the earlier windows only (see benchmarks/results/entry.md)
ENTRY_FEATURES = ("city_firms", "ind_firms", "city_recent", "ind_recent", "spill_ind")


class LearnedRanker(Ranker):
    """A learned ranker: log1p(features) → standardise → a scikit-learn classifier.

    ``columns`` are the feature columns read. ``model="logistic"``: L2-regularised logistic regression (``C``); reasons are exact linear
    contributions. ``model="hgb"``: HistGradientBoosting with monotone-increasing constraints
    (``learning_rate``, ``max_iter``, ``max_depth``); reasons by occlusion. Seeds are fixed.
    """

    name = "learned"

    def __init__(
        self,
        columns: Sequence[str] = ENTRY_FEATURES,
        model: str = "logistic",
        C: float = 1.0,
        learning_rate: float = 0.05,
        max_iter: int = 200,
        max_depth: int = 3,
        random_state: int = 0,
    ) -> None:
        self.columns = columns
        self.model = model
        self.C = C
        self.learning_rate = learning_rate
        self.max_iter = max_iter
        self.max_depth = max_depth
        self.random_state = random_state

    @property
    def features(self) -> list[str]:
        return list(self.columns)

    def _estimator(self) -> Pipeline:
        if self.model == "logistic":
            clf: BaseEstimator = LogisticRegression(C=self.C, max_iter=5000)
        elif self.model == "hgb":
            clf = HistGradientBoostingClassifier(
                learning_rate=self.learning_rate,
                max_iter=self.max_iter,
                max_depth=self.max_depth,
                min_samples_leaf=50,
                l2_regularization=1.0,
                monotonic_cst=[1] * len(self.features),
                random_state=self.random_state,
            )
        else:
            raise ValueError(f"unknown model {self.model!r} (logistic, hgb)")
        return Pipeline(
            [("log1p", FunctionTransformer(_log1p_clip)), ("scale", StandardScaler()), ("clf", clf)]
        )

    def fit(self, X: pd.DataFrame, y: Sequence[float] | np.ndarray | None = None) -> LearnedRanker:
        if y is None:
            raise ValueError("LearnedRanker.fit needs the outcome y")
        super().fit(X, y)
        with _single_thread():
            self.estimator_ = clone(self._estimator()).fit(X[self.features].to_numpy(float), np.asarray(y))
        return self

    def _raw_score(self, X: pd.DataFrame) -> np.ndarray:
        with _single_thread():
            return self.estimator_.predict_proba(X[self.features].to_numpy(float))[:, 1]

    def contributions(self, X: pd.DataFrame) -> pd.DataFrame:
        self._check(X)
        x = X[self.features].to_numpy(float)
        if self.model == "logistic":
            z = self.estimator_[:-1].transform(x)
            return pd.DataFrame(z * self.estimator_[-1].coef_[0], index=X.index, columns=self.features)
        with _single_thread():
            return _occlusion(lambda a: self.estimator_.predict_proba(a)[:, 1], x, self.features, X.index)

    @property
    def coefficients(self) -> dict[str, float]:
        """Standardised coefficients of the logistic model (empty for other models)."""
        if self.model != "logistic":
            return {}
        return {f: float(c) for f, c in zip(self.features, self.estimator_[-1].coef_[0], strict=True)}


def _single_thread() -> threadpool_limits:
    """One OpenMP thread: HistGradientBoosting's thread pool spins badly on a busy 2-core machine, and
    these models are small. Results do not depend on the thread count."""
    return threadpool_limits(limits=1, user_api="openmp")


def _occlusion(
    predict: Callable[[np.ndarray], np.ndarray], x: np.ndarray, names: list[str], index: pd.Index
) -> pd.DataFrame:
    """Contribution of each feature = score − score with that feature set to its column median."""
    base = predict(x)
    med = np.median(x, axis=0) if len(x) else np.zeros(x.shape[1])
    cols = {}
    for j, name in enumerate(names):
        x2 = x.copy()
        x2[:, j] = med[j]
        cols[name] = base - predict(x2)
    return pd.DataFrame(cols, index=index)


def baseline_rankers() -> dict[str, Ranker]:
    """Every baseline of the entry benchmark, by name."""
    return {r.name: r for r in (SizeRanker(), RCARanker(), DensityRanker(), DensitySizeRanker())}
