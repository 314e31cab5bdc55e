"""Firm → county matching: a transparent linear ranker and :func:`score_matches` for the navigation map.

The score of a (firm, county) pair is ``Σ_k w_k · x_k`` over the pair features of
:mod:`matcher.model.pairs`. Where each weight comes from is recorded, never implied:

- **fitted** — the place features that the relocation benchmark can measure
  (:data:`matcher.model.relocation.RELOCATION_FEATURES`: size, same-industry presence, RCA, density,
  provincial/neighbouring presence, momentum, distance, home province/region, size × size) take the
  weights of a conditional logit fitted on all 2015→2024 movers (``matcher bench relocation`` prints
  them; a real-data test re-fits and checks that :data:`RELOCATION_WEIGHTS` still matches). Their
  out-of-fold quality is in ``benchmarks/results/relocation.md``.
- **evidence** — weights set by hand for what the benchmark cannot identify: curated targets,
  constraints and anchors (exist for 秦皇岛 only) and the firm's own standing (constant across the
  places of one firm, so a choice model cannot identify it; it orders firms for a county). Chain
  complementarity *was* measured (``matcher bench relocation``, "model + chain features": 2015 labels
  mapped to Shenwan level 2, chain-stage edges) and did not improve the out-of-fold ranking, with
  unstable weights, so it keeps a modest hand-set weight: it is the product's reason to exist and
  what planners ask for, not a proven predictor of where firms go. Each has a one-line reason in
  :data:`EVIDENCE_WEIGHTS`. They are opinions until a benchmark measures them.

**With the registry stage built** (the default) the score is instead (:data:`LEARNED_WEIGHTS`)::

    score = expansion_logit + unit_logp + 1.0·is_target − 10·is_excluded + 0.35·anchor_chain

where ``expansion_logit`` is the log-odds, from :class:`matcher.model.expansion.ExpansionPropensity`, that the
firm opens a branch or subsidiary in the city, and ``unit_logp`` the log-probability of the county unit given the
city from :class:`matcher.model.expansion.PlaceChoice` — both fitted on the registry's expansion events
(2009–2011, features at 2009; measured on held-out windows in ``benchmarks/results/expansion.md``, where the
fitted unit choice beat the hand-set chain-link weights, MRR 0.60 against 0.35, so those weights are 0 here).
The relocation-fitted and firm-standing weights above are the fallback when the registry stage is skipped.

**Outcomes feed the ranking — the documented way.** The city's own signed and landed leads (the workbench's
``WORKDIR/outcomes.parquet``, read by its documented schema in :func:`matcher.pipeline.read_outcome_file`, a
declared input of the city's scores) count as entities of the firm in the lead's unit from the stage date
(:func:`matcher.regions.investors.outcome_entities`). So at the next ranking the firm's presence features change
— ``firm_in_city`` and ``firm_in_unit`` (and its footprint: ``network_distance``, ``footprint_affinity``) — and its
score moves by the fitted weights (with the 2009–2011 fit, one entity in the city adds about
``coef_["firm_in_city"]·log 2`` to ``expansion_logit`` and the unit's ``unit_logp`` rises); the map then tags the
firm 已在本地 in that unit, gives it the action 增资扩产 and lands it there (:mod:`matcher.outputs.investors`).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from matcher import geo
from matcher.chain.analysis import product_matches
from matcher.chain.positions import primary_positions
from matcher.chain.templates import ChainTemplate
from matcher.model.choice import fit_conditional_logit, pack_choice_sets, standardise
from matcher.model.pairs import (
    FEATURES,
    FirmArrays,
    UnitTables,
    _str_array,
    build_unit_tables,
    distance_grid,
    feature_grid,
    firm_arrays,
    supply_matrix,
    to_level,
    travel_hours,
)
from matcher.model.rank import REASON_TEXT, Ranker
from matcher.regions import city_units
from matcher.regions.pack import CityPack
from matcher.regions.units import resolve_city

#: Conditional-logit weights fitted on the relocation benchmark (all movers, l2 = 1), raw feature scales.
RELOCATION_WEIGHTS: dict[str, float] = {
    "unit_size": 0.817,
    "local_count": 0.367,
    "rca": 0.168,
    "density": 0.040,
    "province_count": -0.027,
    "neighbour_count": -0.432,
    "momentum": -0.398,
    "log_distance": -0.516,
    "same_province": 1.053,
    "same_region": 0.133,
    "size_x_unit_size": 0.086,
}

#: Hand-set weights (not measured) with the reason for each.
EVIDENCE_WEIGHTS: dict[str, float] = {
    # one log-unit of edge-weighted local buyers / suppliers ≈ one log-unit of own-industry presence
    # (the fitted local_count weight), since a chain link is the product's reason to exist
    "chain_customers": 0.35,
    "chain_suppliers": 0.35,
    # a curated target is a stated policy: worth about as much as being in the home province
    "is_target": 1.0,
    # a constraint (e.g. tourism zone excluding heavy industry) should put the county last
    "is_excluded": -10.0,
    # a named anchor firm of the firm's chain on site is a customer/supplier a planner can point to:
    # worth about one log-unit of local buyers (chain_customers)
    "anchor_chain": 0.35,
    # firm standing orders firms for a county; small, so that fit with the place dominates
    "firm_size": 0.05,
    "firm_assets": 0.05,
    "firm_valuation": 0.2,
    "is_unicorn": 0.3,
    "is_little_giant": 0.3,
    "fortune500": 0.5,
    "is_listed": 0.0,
    "is_soe": 0.0,
    # travel time and raw distance duplicate log_distance (fitted)
    "distance_km": 0.0,
    "travel_hours": 0.0,
}

DEFAULT_WEIGHTS: dict[str, float] = {f: RELOCATION_WEIGHTS.get(f, EVIDENCE_WEIGHTS.get(f, 0.0)) for f in FEATURES}
WEIGHT_SOURCE: dict[str, str] = {f: ("fitted:relocation" if f in RELOCATION_WEIGHTS else "evidence") for f in FEATURES}

#: The learned scores of :mod:`matcher.model.expansion` (fitted on the registry's expansion events; their
#: quality in ``benchmarks/results/expansion.md``), in log-odds units so that they add:
#: ``expansion_logit`` — log-odds that the firm opens a branch or subsidiary in the city (ranks firms for the
#: city; replaces the relocation-fitted city features and the firm-standing weights, which rank like a sort by
#: size); ``unit_logp`` — log-probability of the county unit given the city (the fitted place choice; it beat
#: the hand-set chain-link weights on held-out events, MRR 0.60 against 0.35, so those weights are 0 here).
LEARNED_FEATURES: tuple[str, ...] = ("expansion_logit", "unit_logp")

#: The weights used when the registry stage is built: the learned scores at 1 (they are log-odds), and the
#: city pack's stated policy — targets, constraints, anchors — at their hand-set weights (:data:`EVIDENCE_WEIGHTS`;
#: the pack exists for 秦皇岛 only, so no held-out event can measure them).
LEARNED_WEIGHTS: dict[str, float] = {**{f: 0.0 for f in FEATURES}, "expansion_logit": 1.0, "unit_logp": 1.0,
                                     **{f: EVIDENCE_WEIGHTS[f] for f in ("is_target", "is_excluded", "anchor_chain")}}
LEARNED_SOURCE: dict[str, str] = {f: ("fitted:expansion" if f in LEARNED_FEATURES else
                                      ("evidence" if LEARNED_WEIGHTS[f] else "not used")) for f in LEARNED_WEIGHTS}

#: Chinese reason templates of the pair features (on top of the entry task's), used by this ranker only
PAIR_REASONS: dict[str, str] = {
    "chain_customers": "本地有其下游客户（链上加权{v:.2f}）",
    "chain_suppliers": "本地有其上游供应商（链上加权{v:.2f}）",
    "rca": "本地该行业比较优势（log RCA {v:.2f}）",
    "local_count": "本地同行业企业基础（log {v:.2f}）",
    "province_count": "本省同行业企业（log {v:.2f}）",
    "neighbour_count": "周边城市同行业企业（log {v:.2f}）",
    "momentum": "本地该行业近五年新增（log {v:.2f}）",
    "unit_size": "本地企业规模（log {v:.2f}）",
    "same_province": "同省",
    "same_region": "同一大区",
    "is_target": "属本地重点招商产业链",
    "firm_size": "企业规模较大（log员工{v:.1f}）",
    "firm_valuation": "独角兽估值（log {v:.2f}）",
    "fortune500": "财富中国500强",
    "size_x_unit_size": "大企业偏好大城市",
    "log_distance": "距离（log公里{v:.2f}）",
}


#: grid features that are NaN where a firm has no coordinates
_MAY_BE_NAN = frozenset({"distance_km", "log_distance", "travel_hours"})


class FirmCountyRanker(Ranker):
    """Linear, transparent firm × county scorer: ``score = Σ coef_[f] · x_f``.

    Parameters
    ----------
    weights : feature → weight; default :data:`DEFAULT_WEIGHTS` (fitted where measurable, else evidence).
    fit_features : features whose weights :meth:`fit` re-estimates by conditional logit when ``y``
        (1 = the chosen place, one per group) is given; the others keep ``weights``.
    l2 : ridge penalty of the conditional logit (on standardised features).
    group_col : the choice-set column in ``X`` (one firm's candidate places).
    """

    name = "firm_county"
    reason_templates = {**REASON_TEXT, **PAIR_REASONS}

    def __init__(
        self,
        weights: Mapping[str, float] | None = None,
        fit_features: Sequence[str] | None = None,
        l2: float = 1.0,
        group_col: str = "firm_id",
    ) -> None:
        self.weights = weights
        self.fit_features = fit_features
        self.l2 = l2
        self.group_col = group_col

    @property
    def features(self) -> list[str]:
        return list((self.weights if self.weights is not None else DEFAULT_WEIGHTS).keys())

    def fit(self, X: pd.DataFrame, y: Sequence[float] | np.ndarray | None = None) -> FirmCountyRanker:
        self._check(X)
        w = dict(self.weights if self.weights is not None else DEFAULT_WEIGHTS)
        named = WEIGHT_SOURCE if self.weights is None else (LEARNED_SOURCE if self.weights is LEARNED_WEIGHTS else {})
        source = {f: named.get(f, "given") for f in w}
        if y is not None and self.fit_features:
            feats = list(self.fit_features)
            x3, valid, truth = pack_choice_sets(X, np.asarray(y, dtype=np.float64), feats, self.group_col)
            xs, _, sd = standardise(x3, valid)
            coef = fit_conditional_logit(xs, valid, truth, l2=self.l2)
            for f, b, s in zip(feats, coef, sd, strict=True):
                w[f] = float(b / s)
                source[f] = "fitted"
        self.coef_ = pd.Series(w, dtype="float64")
        self.weight_source_ = source
        x = X[list(w)].to_numpy(np.float64)
        self.center_ = pd.Series(np.nan_to_num(np.nanmean(x, axis=0), nan=0.0) if len(x) else np.zeros(len(w)), index=list(w))
        self.n_features_in_ = len(w)
        self.feature_names_in_ = np.array(list(w), dtype=object)
        return self

    def _values(self, X: pd.DataFrame) -> np.ndarray:
        x = X[list(self.coef_.index)].to_numpy(np.float64)
        return np.where(np.isnan(x), self.center_.to_numpy()[None, :], x)

    def _raw_score(self, X: pd.DataFrame) -> np.ndarray:
        return self._values(X) @ self.coef_.to_numpy()

    def contributions(self, X: pd.DataFrame) -> pd.DataFrame:
        """coef × (value − mean at fit): how much each feature lifts this pair above an average pair."""
        c = (self._values(X) - self.center_.to_numpy()[None, :]) * self.coef_.to_numpy()[None, :]
        return pd.DataFrame(c, index=X.index, columns=list(self.coef_.index))

    def score_grid(self, grid: Mapping[str, np.ndarray]) -> np.ndarray:
        """Scores for a feature grid (firms × units) from :func:`matcher.model.pairs.feature_grid`."""
        out: np.ndarray | None = None
        for f, w in self.coef_.items():
            if w == 0.0:
                continue
            g = np.asarray(grid[str(f)], dtype=np.float32)
            if str(f) in _MAY_BE_NAN and np.isnan(g).any():
                g = np.where(np.isnan(g), np.float32(self.center_[str(f)]), g)
            term = np.float32(w) * g
            out = term if out is None else out + term
        if out is None:
            first = next(iter(grid.values()))
            return np.zeros(np.shape(first), dtype=np.float32)
        return out

    def score_firms(self, firms: FirmArrays, tables: UnitTables) -> np.ndarray:
        """Scores (firms × units) without building the feature grid: because the score is linear, every
        industry × unit feature folds into ONE matrix ``Σ_k w_k M_k`` (a single row gather per firm),
        firm-only features into one number per firm, and only distance and home-region terms are
        computed per pair. Equal to ``score_grid(feature_grid(...))`` up to float rounding."""
        coef = {str(k): float(v) for k, v in self.coef_.items() if v != 0.0}
        n = len(firms)
        split_target = tables.chain_target is not None and len(tables.chains) > 0
        comb = np.zeros_like(next(iter(tables.matrices.values())), dtype=np.float32)
        for f, w in coef.items():
            if f in tables.matrices and not (split_target and f == "is_target"):
                comb += np.float32(w) * tables.matrices[f]
        if "unit_size" in coef:
            comb += np.float32(coef["unit_size"]) * tables.unit_size[None, :]
        s = comb[firms.industry_idx]
        const = np.zeros(n, dtype=np.float32)
        for f, w in coef.items():
            if f in firms.standing:
                const += np.float32(w) * firms.standing[f]
        s += const[:, None]
        if "same_province" in coef:
            s += np.float32(coef["same_province"]) * (firms.province_id[:, None] == tables.province_id[None, :])
        if "same_region" in coef:
            s += np.float32(coef["same_region"]) * (firms.region_id[:, None] == tables.region_id[None, :])
        if "size_x_unit_size" in coef:
            s += np.float32(coef["size_x_unit_size"]) * np.outer(firms.size_z, tables.unit_size).astype(np.float32)
        if "anchor_chain" in coef and tables.chain_anchor is not None and len(tables.chains):
            s += np.float32(coef["anchor_chain"]) * tables.chain_anchor[firms.chain_idx]
        if split_target and "is_target" in coef:
            t = np.maximum(tables.matrices["is_target"][firms.industry_idx], tables.chain_target[firms.chain_idx])  # type: ignore[index]
            s += np.float32(coef["is_target"]) * t
        dist_terms = [f for f in ("distance_km", "log_distance", "travel_hours") if f in coef]
        if dist_terms:
            d = distance_grid(firms.lon, firms.lat, tables.lon, tables.lat)
            for f in dist_terms:
                v = d if f == "distance_km" else (np.log1p(d) if f == "log_distance" else travel_hours(d).astype(np.float32))
                if np.isnan(v).any():
                    v = np.where(np.isnan(v), np.float32(self.center_[f]), v)
                s += np.float32(coef[f]) * v
        return s

    def weight_table(self) -> pd.DataFrame:
        """feature, weight, source — for reports and the model card."""
        return pd.DataFrame({
            "feature": list(self.coef_.index),
            "weight": self.coef_.to_numpy(),
            "source": [self.weight_source_[f] for f in self.coef_.index],
        })


# --------------------------------------------------------------------------------------------------
# inputs for a city: units, national reference, chain edges, curated targets/constraints
# --------------------------------------------------------------------------------------------------
def national_counties(data_dir: Path) -> pd.DataFrame:
    """Every mainland county-level unit with a point: county_code, name, city_code, province_code, lon, lat."""
    c = geo.county_points(data_dir)
    return pd.DataFrame({
        "county_code": c["county_code"], "name": c["county_name"], "city_code": c["city_code"],
        "province_code": c["province_code"], "lon": c["lon"], "lat": c["lat"],
    })


def city_units_for(city: str, data_dir: Path, pack: CityPack | None) -> pd.DataFrame:
    """The city's county-level units with points (:func:`matcher.regions.city_units`: division table,
    overlaid with the city pack's points for functional zones): county_code, name, lon, lat, city_code,
    province_code."""
    u = city_units(city, data_dir, pack)
    code, _ = resolve_city(city, data_dir, pack)
    units = pd.DataFrame({
        "county_code": u["county_code"].astype("string"),
        "name": u["county_name"].astype("string"),
        "lon": pd.to_numeric(u["lon"], errors="coerce"),
        "lat": pd.to_numeric(u["lat"], errors="coerce"),
    })
    units["city_code"] = code
    units["province_code"] = code[:2] + "0000"
    units = units.astype({"county_code": "string", "name": "string", "city_code": "string", "province_code": "string"})
    return units.reset_index(drop=True)


def industry_names(data_dir: Path) -> dict[str, str]:
    """Shenwan code → name (``chainkg.industry``, name without the Ⅱ/Ⅲ marks)."""
    from matcher.sources.chainkg import load_industry

    ind = load_industry(data_dir).frame
    return dict(zip(ind["sw_code"].astype(str), ind["name_clean"].astype(str), strict=True))


def product_chain_lookup(templates: Sequence[ChainTemplate]) -> Callable[[Sequence[str]], list[str]]:
    """A function products → chain names whose template segments list one of them (suffix match, the
    chain stage's :func:`~matcher.chain.analysis.product_matches`)."""

    def lookup(products: Sequence[str]) -> list[str]:
        terms = [re.sub(r"\s*[（(].*$", "", str(p)).strip() for p in products]
        terms = [t for t in terms if len(t) >= 2]
        if not terms:
            return []
        ser = pd.Series(terms, dtype="object")
        return sorted({t.chain for t in templates for seg in t.segments if product_matches(ser, seg.products).notna().any()})

    return lookup


@dataclass
class CityInputs:
    """Everything :func:`score_matches` needs about a city besides the firms (:func:`city_inputs`)."""

    city_code: str
    units: pd.DataFrame  # county_code, name, lon, lat, city_code, province_code
    national: pd.DataFrame  # every mainland county: county_code, name, city_code, province_code, lon, lat
    pack: CityPack | None
    industry_names: dict[str, str]
    curated: pd.DataFrame  # county_code, kind (exclude/target/anchor), industry, chain, note, source
    positions: pd.DataFrame  # the accepted positions (matcher.chain.positions.assign_positions): firm_id, chain, segment, evidence, score, best
    edges: pd.DataFrame  # from_sw, to_sw, weight at Shenwan level 2
    #: the learned expansion scores (matcher.model.expansion_tasks.city_scores): firm_id, county_code, expansion_logit,
    #: unit_logp, in_city, in_unit; None without the registry stage (the relocation weights are used then)
    expansion: pd.DataFrame | None = None
    #: the city's existing investors (matcher.regions.investors.existing_investors), None without the registry stage
    investors: pd.DataFrame | None = None


def city_inputs(city: str, data_dir: Path, pack: CityPack | None, chain: Mapping[str, pd.DataFrame],
                templates: Sequence[ChainTemplate]) -> CityInputs:
    """The city's inputs from the division tables, its pack and the chain stage's frames
    (:func:`matcher.chain.chain_inputs`: ``chain_positions``, ``chain_template_industries``, ``chain_edges``)."""
    units = city_units_for(city, data_dir, pack)
    names = industry_names(data_dir)
    # targets match a firm through its own chain positions only (not through its industry code alone,
    # which would mark a steel maker placed in 汽车零部件 as a target of 装配式建筑 and cite that chain)
    curated = curated_from_pack(pack, names, product_chain_lookup(templates))
    return CityInputs(str(units["city_code"].iloc[0]), units, national_counties(data_dir), pack, names, curated,
                      chain["chain_positions"], chain["chain_edges"])


def curated_from_pack(
    pack: object | None,
    names: Mapping[str, str],
    product_chains: Callable[[Sequence[str]], list[str]] | None = None,
) -> pd.DataFrame:
    """Curated rows ``county_code, kind, industry, chain, note, source`` from a city pack.

    Constraints become ``exclude`` rows per excluded Shenwan level-1 industry (names → codes);
    targeted chains become ``target`` rows naming the chain; unit-level anchor firms become ``anchor``
    rows, one per chain they are listed under or their stated products belong to (``product_chains``),
    ``note`` = the firm's name.
    """
    cols = ["county_code", "kind", "industry", "chain", "note", "source"]
    if pack is None:
        return pd.DataFrame(columns=cols, dtype="string")
    l1 = {v: k for k, v in names.items() if k.endswith("0000")}
    rows = []
    for u in pack.units:  # type: ignore[attr-defined]
        for c in u.constraints:
            for nm in c.excludes_sw_l1:
                code = l1.get(nm)
                if code:
                    rows.append({"county_code": u.code, "kind": "exclude", "industry": code, "chain": None, "note": str(c.value), "source": c.source})
        for t in u.targeted_chains:
            rows.append({"county_code": u.code, "kind": "target", "industry": None, "chain": str(t.value), "note": t.note, "source": t.source})
        for a in u.anchor_firms:
            chains = set(a.chains) | set(product_chains(a.products) if product_chains is not None and a.products else [])
            for ch in sorted(chains):
                rows.append({"county_code": u.code, "kind": "anchor", "industry": None, "chain": str(ch), "note": a.name, "source": a.source})
    return pd.DataFrame(rows, columns=cols).astype("string")


def prepare_firms(firms: pd.DataFrame) -> pd.DataFrame:
    """Firm-master rows with an ``industry`` column at Shenwan level 2 (from level 3, else level 2)."""
    out = firms.copy()
    out["industry"] = to_level(out["sw_l3_code"].astype("string").fillna(out["sw_l2_code"].astype("string")), 2)
    return out


# --------------------------------------------------------------------------------------------------
# scoring a city
# --------------------------------------------------------------------------------------------------
MATCH_COLUMNS = ["firm_id", "name", "county_code", "county_name", "score", "rank", "firm_rank", "is_best"]


def match_tables(
    units: pd.DataFrame,
    firms: pd.DataFrame,
    national: pd.DataFrame,
    *,
    edges: pd.DataFrame | None = None,
    curated: pd.DataFrame | None = None,
    as_of: pd.Timestamp | None = None,
) -> UnitTables:
    """Unit tables for ``units`` with the national picture (every county) as reference."""
    ref = pd.concat([national[~national["county_code"].isin(units["county_code"])], units[national.columns.intersection(units.columns)]], ignore_index=True)
    ref = ref.sort_values("county_code", kind="stable").reset_index(drop=True)
    presence = firms[firms["county_code"].notna()]
    if as_of is None and firms["list_date"].notna().any():
        as_of = pd.Timestamp(firms["list_date"].max())
    industries = sorted({c for c in _str_array(firms["industry"]) if c is not None})
    return build_unit_tables(
        units, presence, unit_col="county_code", industry_col="industry", industries=industries,
        edges=edges, edge_level=2, curated=curated, as_of=as_of, reference_units=ref,
    )  # fmt: skip


def score_matches(
    firms: pd.DataFrame,
    inputs: CityInputs,
    top: int | None = None,
    *,
    ranker: FirmCountyRanker | None = None,
    with_reasons: bool = True,
) -> pd.DataFrame:
    """Every eligible firm (not already in the city) × every county-level unit of the city, scored.

    Returns a long frame, one row per firm × county: ``firm_id, name, county_code, county_name, score,
    rank`` (1 = the firm's best landing county), ``firm_rank`` (1 = the county's best firm), ``is_best``,
    every pair feature, ``chain, segment`` (the firm's primary position, the city's targeted chains
    first) and ``reasons`` (Chinese). ``top`` keeps the ``top`` firms with the highest best score (all
    their counties). Deterministic: ties break by firm order (firm_id) and county code.
    """
    units, national, edges, curated = inputs.units, inputs.national, inputs.edges, inputs.curated
    fr = prepare_firms(firms).sort_values("firm_id", kind="stable").reset_index(drop=True)
    targeted = set(_str_array(curated.loc[curated["kind"] == "target", "chain"])) - {None}
    fr = fr.merge(primary_positions(inputs.positions, targeted), on="firm_id", how="left")
    tables = match_tables(units, fr, national, edges=edges, curated=curated)

    eligible = fr[fr["city_code"].astype("string").fillna("") != inputs.city_code].reset_index(drop=True)
    options = chain_options(eligible, inputs.positions)
    fa = firm_arrays(options, tables, industry_col="industry", chain_col="chain")
    grid = feature_grid(fa, tables, FEATURES)
    grid = with_city_level_place_features(grid, options, fr, units, national, edges)
    if inputs.expansion is not None:
        grid = with_learned_features(grid, options, units, inputs.expansion)
    if ranker is None:
        ranker = FirmCountyRanker(weights=LEARNED_WEIGHTS if inputs.expansion is not None else None)
    if not hasattr(ranker, "coef_"):
        sample = pd.DataFrame({f: np.asarray(v, dtype=np.float64).ravel() for f, v in grid.items()})
        ranker.fit(sample)
    scores = np.asarray(ranker.score_grid(grid), dtype=np.float64)
    keep = choose_chain_options(options, scores, targeted)
    eligible = options.iloc[keep].reset_index(drop=True)
    grid = {f: np.asarray(v)[keep] for f, v in grid.items()}
    out = _long_frame(eligible, tables, grid, scores[keep])
    if top is not None:
        best = out[out["rank"] == 1].sort_values(["score", "firm_id"], ascending=[False, True], kind="stable")
        keep = set(best["firm_id"].head(top))
        out = out[out["firm_id"].isin(keep)].reset_index(drop=True)
    if with_reasons:
        out["reasons"] = match_reasons(out, eligible, fr, tables, edges, curated, inputs.industry_names)
    return out


def chain_options(eligible: pd.DataFrame, positions: pd.DataFrame | None) -> pd.DataFrame:
    """``eligible`` with one row per (firm, chain) among the firm's best-evidenced positions (``best``
    rows of :func:`matcher.chain.positions.assign_positions`: a steel maker's own industry places it
    upstream of several chains alike); firms with one or none keep one row. Column ``_firm`` numbers the
    firms (0-based, in ``eligible`` order)."""
    base = eligible.reset_index(drop=True).assign(_firm=np.arange(len(eligible)))
    if positions is None or positions.empty or "best" not in positions.columns:
        return base
    p = positions[positions["best"].astype(bool)].sort_values(["firm_id", "score", "segment"], ascending=[True, False, True], kind="stable")
    p = p.drop_duplicates(["firm_id", "chain"])
    multi = p[p.duplicated("firm_id", keep=False)][["firm_id", "chain", "segment"]]
    if multi.empty:
        return base
    single = base[~base["firm_id"].isin(multi["firm_id"])]
    many = base[base["firm_id"].isin(multi["firm_id"])].drop(columns=["chain", "segment"]).merge(multi, on="firm_id", how="left")
    out = pd.concat([single, many[base.columns]], ignore_index=True)
    return out.sort_values(["_firm", "chain"], kind="stable").reset_index(drop=True)


def choose_chain_options(options: pd.DataFrame, scores: np.ndarray, preferred: set[str]) -> np.ndarray:
    """Row positions of ``options`` to keep, one per firm: the (chain, unit) pair with the highest score
    among the firm's equally evidenced chains; on a tie the city's targeted chains first, then the chain's
    name. Firms keep their order."""
    best = np.round(scores.max(axis=1), 6)
    key = pd.DataFrame({"_firm": options["_firm"].to_numpy(), "_s": -best,
                        "_p": ~options["chain"].astype("string").fillna("").isin(preferred).to_numpy(),
                        "_c": options["chain"].astype("string").fillna("").to_numpy(), "_i": np.arange(len(options))})
    key = key.sort_values(["_firm", "_s", "_p", "_c", "_i"], kind="stable").drop_duplicates("_firm")
    return key["_i"].to_numpy()


#: Place features whose weights were fitted on the relocation benchmark, where the units are
#: prefecture cities. They are computed at that level (every firm counted in its city, every city of
#: the country as reference) and shared by all counties of the city, so that they rank firms for the
#: city but do not pick the county: at county level they would measure only where the few listed firms
#: of a city happen to be registered (in 秦皇岛, 4 of its 6 in the 经开区), which sent almost every
#: firm to one county. The county is chosen by what differs between counties: chain links with local
#: firms, curated targets and constraints, anchor firms.
#:
#: Distance and travel time are city-level too (from the firm's home to the city's point, the mean of
#: its units' points): the fitted distance weight comes from the choice between cities hundreds of
#: kilometres apart, and a firm's home is equally far from every unit of one city to planning
#: precision (秦皇岛's units lie within about 100 km of each other; for a firm 300 km away the log
#: distance differs by a few per cent). Measured per county it sent every firm to the unit nearest its
#: home (卢龙县 for firms from Beijing and Tangshan: 84 of 秦皇岛's 200 targets; 玉田县: 151 of 唐山's
#: 200), a choice no data supports.
CITY_LEVEL_FEATURES: tuple[str, ...] = (
    "unit_size", "local_count", "rca", "density", "province_count", "neighbour_count", "momentum", "size_x_unit_size",
    "distance_km", "log_distance", "travel_hours",
)


def city_level_tables(city_code: str, firms: pd.DataFrame, national: pd.DataFrame, edges: pd.DataFrame | None) -> UnitTables:
    """Unit tables with prefecture cities as units (a city's point = mean of its counties' points)."""
    cities = (
        national.groupby("city_code", sort=True)
        .agg(lon=("lon", "mean"), lat=("lat", "mean"), province_code=("province_code", "first"))
        .reset_index()
    )
    cities = cities.assign(county_code=cities["city_code"], name=cities["city_code"]).astype(
        {"county_code": "string", "city_code": "string", "province_code": "string", "name": "string"}
    )
    at_city = firms.assign(county_code=firms["city_code"])
    return match_tables(cities[cities["county_code"] == city_code], at_city, cities, edges=edges)


def with_city_level_place_features(
    grid: Mapping[str, np.ndarray],
    eligible: pd.DataFrame,
    firms: pd.DataFrame,
    units: pd.DataFrame,
    national: pd.DataFrame,
    edges: pd.DataFrame | None,
) -> dict[str, np.ndarray]:
    """``grid`` with :data:`CITY_LEVEL_FEATURES` replaced by their city-level values (see there)."""
    out = dict(grid)
    want = [f for f in CITY_LEVEL_FEATURES if f in out]
    city_code = str(units["city_code"].iloc[0])
    if not want or not (national["city_code"] == city_code).any():
        return out
    tables = city_level_tables(city_code, firms, national, edges)
    fa = firm_arrays(eligible, tables, industry_col="industry", chain_col="chain")
    city_grid = feature_grid(fa, tables, want)
    n, m = next(iter(out.values())).shape
    for f in want:
        out[f] = np.ascontiguousarray(np.broadcast_to(city_grid[f][:, :1], (n, m)), dtype=np.float32)
    return out


def with_learned_features(grid: Mapping[str, np.ndarray], options: pd.DataFrame, units: pd.DataFrame,
                          scores: pd.DataFrame) -> dict[str, np.ndarray]:
    """``grid`` with :data:`LEARNED_FEATURES` from the city's expansion scores, and ``expansion_known`` (1 where
    the propensity model scored the firm). A firm it did not score (a service network, or no home city in the
    division tables) gets the 1st percentile of the city's ``expansion_logit`` (nothing it learned applies) and
    a uniform ``unit_logp`` when the unit model did not score it either."""
    out = dict(grid)
    n, m = len(options), len(units)
    known = scores.dropna(subset=["expansion_logit"]).drop_duplicates("firm_id")["firm_id"].astype(str)
    out["expansion_known"] = np.broadcast_to(options["firm_id"].astype(str).isin(set(known)).to_numpy(np.float32)[:, None], (n, m)).copy()
    for f in LEARNED_FEATURES:
        wide = scores.pivot_table(index="firm_id", columns="county_code", values=f, aggfunc="first")
        wide = wide.reindex(index=options["firm_id"].astype(str), columns=units["county_code"].astype(str))
        fill = float(np.nanpercentile(scores[f], 1)) if f == "expansion_logit" and len(scores) else float(np.log(1.0 / max(m, 1)))
        out[f] = np.nan_to_num(wide.to_numpy(np.float64), nan=fill).astype(np.float32).reshape(n, m)
    return out


def _long_frame(eligible: pd.DataFrame, tables: UnitTables, grid: Mapping[str, np.ndarray], scores: np.ndarray) -> pd.DataFrame:
    n, m = scores.shape
    # county rank within firm: by score desc, then county code
    order = np.lexsort((np.broadcast_to(np.arange(m)[None, :], (n, m)), -scores), axis=1)
    rank = np.empty_like(order)
    np.put_along_axis(rank, order, np.arange(1, m + 1)[None, :].repeat(n, axis=0), axis=1)
    # firm rank within county: by score desc, then firm order
    forder = np.lexsort((np.broadcast_to(np.arange(n)[:, None], (n, m)), -scores), axis=0)
    frank = np.empty_like(forder)
    np.put_along_axis(frank, forder, np.arange(1, n + 1)[:, None].repeat(m, axis=1), axis=0)
    fi = np.repeat(np.arange(n), m)
    ui = np.tile(np.arange(m), n)
    out = pd.DataFrame({
        "firm_id": pd.array(_str_array(eligible["firm_id"])[fi], dtype="string"),
        "name": pd.array(_str_array(eligible["name"])[fi], dtype="string"),
        "county_code": pd.array(tables.unit_codes[ui], dtype="string"),
        "county_name": pd.array(tables.unit_names[ui], dtype="string"),
        "score": scores.ravel(),
        "rank": rank.ravel().astype("int64"),
        "firm_rank": frank.ravel().astype("int64"),
    })
    out["is_best"] = out["rank"] == 1
    for f, v in grid.items():
        out[f] = np.asarray(v, dtype=np.float64).ravel()
    out["industry"] = pd.array(_str_array(eligible["industry"])[fi], dtype="string")
    out["chain"] = pd.array(_str_array(eligible["chain"])[fi], dtype="string")
    out["segment"] = pd.array(_str_array(eligible["segment"])[fi], dtype="string")
    return out


# --------------------------------------------------------------------------------------------------
# reasons
# --------------------------------------------------------------------------------------------------
def _local_firms(fr: pd.DataFrame, unit_codes: np.ndarray) -> dict[tuple[str, str], list[str]]:
    """(county, industry) → local firm names, biggest first (employees), at most 3."""
    loc = fr[fr["county_code"].isin(list(unit_codes)) & fr["industry"].notna()].copy()
    loc["_emp"] = pd.to_numeric(loc["employees"], errors="coerce").fillna(0)
    loc = loc.sort_values(["_emp", "firm_id"], ascending=[False, True], kind="stable")
    out: dict[tuple[str, str], list[str]] = {}
    for (c, i), g in loc.groupby(["county_code", "industry"], sort=True):
        out[(str(c), str(i))] = [str(x) for x in g["name"].head(3)]
    return out


#: controller types worth saying (the source's "无" and other placeholders are left out)
CONTROLLER_KINDS = frozenset({"中央国企", "地方国企", "民营企业", "外资企业", "公众企业", "集体企业"})


def standing_text(firms: pd.DataFrame) -> dict[str, str]:
    """firm_id → '企业：上市公司（code），员工…人，总资产…亿元，…' (only facts the master has)."""
    out: dict[str, str] = {}
    cols = ["firm_id", "is_listed", "stock_code", "is_unicorn", "valuation_usd_bn", "is_little_giant",
            "employees", "total_assets_yi", "fortune500_best_rank", "controller_type"]  # fmt: skip
    f = firms.reindex(columns=cols)
    r: Any
    for r in f.itertuples(index=False):
        parts = []
        if pd.notna(r.is_listed) and bool(r.is_listed):
            parts.append("上市公司" + (f"（{r.stock_code}）" if pd.notna(r.stock_code) else ""))
        if pd.notna(r.is_unicorn) and bool(r.is_unicorn):
            parts.append("独角兽" + (f"（估值约{float(r.valuation_usd_bn) * 10:.0f}亿美元）" if pd.notna(r.valuation_usd_bn) else ""))
        if pd.notna(r.is_little_giant) and bool(r.is_little_giant):
            parts.append("专精特新“小巨人”")
        if pd.notna(r.employees):
            parts.append(f"员工{int(float(r.employees)):,}人")
        if pd.notna(r.total_assets_yi):
            parts.append(f"总资产{float(r.total_assets_yi):.1f}亿元")
        if pd.notna(r.fortune500_best_rank):
            parts.append(f"财富中国500强第{int(r.fortune500_best_rank)}名")
        if isinstance(r.controller_type, str) and r.controller_type in CONTROLLER_KINDS:
            parts.append(str(r.controller_type))
        out[str(r.firm_id)] = ("企业：" + "，".join(parts)) if parts else ""
    return out


#: smallest share of an industry's supply evidence that a reason will name as a chain link
MIN_LINK_SHARE = 0.02


def chain_text(
    industry: str | None, county_code: str, county_name: str, tables: UnitTables, w: np.ndarray,
    local: Mapping[tuple[str, str], list[str]], names: Mapping[str, str],
) -> str:
    """The chain link a firm of ``industry`` fills in the county: the local buyer industry it would
    supply, the local supplier industry it would buy from, and own-industry presence (with firm names)."""
    ipos = {c: k for k, c in enumerate(tables.industries)}
    i = ipos.get(industry) if industry else None
    if i is None:
        return ""
    u = int(np.flatnonzero(tables.unit_codes == county_code)[0])
    count = tables.matrices["_count"][:-1, u]
    ind_name = names.get(industry or "", industry or "")
    parts = []

    def who(j: int) -> str:
        fs = local.get((county_code, str(tables.industries[j])), [])
        return f"（{'、'.join(fs)}等）" if fs else ""

    # links carrying < MIN_LINK_SHARE of the industry's supply evidence are too thin to name
    out_w, in_w = w[i], w[:, i]
    out_w = np.where(out_w >= MIN_LINK_SHARE * out_w.sum(), out_w, 0.0)
    in_w = np.where(in_w >= MIN_LINK_SHARE * in_w.sum(), in_w, 0.0)
    buy = out_w * count
    if buy.max() > 0:
        j = int(np.argmax(buy))
        parts.append(f"补链：{ind_name}可为{county_name}的{names.get(tables.industries[j], tables.industries[j])}企业供货{who(j)}")
    sup = in_w * count
    if sup.max() > 0:
        j = int(np.argmax(sup))
        parts.append(f"可就近采购{county_name}的{names.get(tables.industries[j], tables.industries[j])}企业产品{who(j)}")
    if count[i] > 0:
        parts.append(f"强链：{county_name}已有{int(count[i])}家{ind_name}企业{who(i)}")
    return "；".join(parts)


def match_reasons(
    out: pd.DataFrame,
    eligible: pd.DataFrame,
    fr: pd.DataFrame,
    tables: UnitTables,
    edges: pd.DataFrame | None,
    curated: pd.DataFrame | None,
    names: Mapping[str, str],
) -> list[str]:
    """Chinese text per row a planner can read: the chain link it fills (whose local firms it would
    supply or buy from), targets and constraints, the firm's standing, distance and region."""
    w = supply_matrix(edges, tables.industries, level=2)
    local = _local_firms(fr, tables.unit_codes)
    excl_note: dict[str, str] = {}
    anchors: dict[tuple[str, str], list[str]] = {}
    targets: set[tuple[str, str]] = set()  # (county, chain)
    if curated is not None and len(curated):
        for r in curated[curated["kind"] == "exclude"].itertuples():
            excl_note[str(r.county_code)] = str(r.note)
        for r in curated[curated["kind"] == "anchor"].itertuples():
            names_ = anchors.setdefault((str(r.county_code), str(r.chain)), [])
            if str(r.note) not in names_:
                names_.append(str(r.note))
        targets = {(str(r.county_code), str(r.chain)) for r in curated[(curated["kind"] == "target") & curated["chain"].notna()].itertuples()}

    standing = standing_text(eligible)
    home = dict(zip(_str_array(eligible["firm_id"]), _str_array(eligible["city"]), strict=True))
    rail = _rail_hours(dict(zip(_str_array(eligible["firm_id"]), _str_array(eligible["city_code"]), strict=True)))
    chain_cache: dict[tuple[str | None, str], str] = {}
    texts: list[str] = []
    cols = [_str_array(out[c]) for c in ("firm_id", "industry", "county_code", "county_name", "chain")]
    nums = [out[c].to_numpy(np.float64) for c in ("is_target", "is_excluded", "anchor_chain", "distance_km", "same_province", "same_region")]
    for fid, ind, cc, cn, chain, tgt, exc, anc, dist, sp, sr in zip(*cols, *nums, strict=True):
        key = (ind, cc)
        if key not in chain_cache:
            chain_cache[key] = chain_text(ind, cc, cn, tables, w, local, names)
        parts = [chain_cache[key]] if chain_cache[key] else []
        # only the firm's own chain is cited (a target or an anchor of another chain is no reason for it)
        if anc > 0 and chain and anchors.get((cc, chain)):
            parts.append(f"{cn}已有“{chain}”链上重点企业（{'、'.join(anchors[(cc, chain)][:3])}）")
        if tgt > 0 and chain and (cc, chain) in targets:
            parts.append(f"“{chain}”是{cn}的重点招商产业链")
        if exc > 0:
            parts.append(f"注意：{cn}{excl_note.get(cc, '有用地约束')}，{names.get(ind or '', '该行业')}不宜落地")
        if standing.get(fid):
            parts.append(standing[fid])
        if np.isfinite(dist):
            region = "同省" if sp > 0 else ("同属一大区" if sr > 0 else "跨区域")
            by_rail = rail(fid, cc)
            parts.append(f"区位：距{home.get(fid) or '总部'}直线约{dist:.0f}公里" + (f"，铁路约{by_rail:.1f}小时（估算）" if by_rail else "")
                         + f"，{region}")
        texts.append("；".join(parts))
    return texts


def _rail_hours(home_city: Mapping[str, str]) -> Callable[[str, str], float | None]:
    """(firm id, unit code) → hours by the rail-corridor estimate (:mod:`matcher.geo.travel`) from the firm's
    home city to the unit's city, None where there is no estimate (never a straight line over sea)."""
    from matcher.geo.travel import TravelError, rail_time_fn

    hours = rail_time_fn()

    def get(fid: str, unit: str) -> float | None:
        a = home_city.get(fid)
        if not a or a in ("None", "nan", "<NA>") or not str(unit)[:4].isdigit():
            return None
        try:
            return float(hours(a, str(unit)[:4] + "00"))
        except TravelError:
            return None

    return get


def best_landing(matches: pd.DataFrame) -> pd.DataFrame:
    """One row per firm: its best county (``rank == 1``), firms ordered by score (desc), then firm_id."""
    best = matches[matches["rank"] == 1]
    return best.sort_values(["score", "firm_id"], ascending=[False, True], kind="stable").reset_index(drop=True)
