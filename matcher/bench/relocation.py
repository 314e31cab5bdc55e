"""The relocation benchmark: "which city will this firm choose?", measured on firms that moved.

Movers are listed firms whose registered prefecture city in the 2015 address file
(``listed_geo_2015``, a snapshot of 2015-11) differs from their city in the 2024 Tushare
``stock_company`` table. For each mover every other prefecture-level unit of mainland China is a
candidate, and a ranker orders them.

**No post-move information.** Everything a ranker sees is built by :func:`pre_move_inputs` from the
2015 file alone: the incumbents (the 2015 firms, with their 2015 cities, 2015 industry labels and
listing dates), and for the mover its own 2015 industry, 2015 market value and 2015 coordinates.
The 2024 tables are read only by :func:`destinations`, and only the destination city leaves it —
never the 2024 controller (often the cause of a move), size, industry or the 2024 cities of other
firms. ``tests/test_bench_relocation.py`` checks this by scrambling every 2024 column except the
destination and asserting identical scores.

Geography (all through :mod:`matcher.geo`): cities are the prefecture-level units of the division
table (municipalities are one unit, e.g. 110000; province-administered county-level cities are
grouped, e.g. 429000), located at the mean of their counties' points. A 2015 address is placed by the
project's address parser with its text rules only (renamed units map to today's: 莱芜市 → 济南市,
吴江市 → 苏州市, so boundary changes do not create false movers). Only firms so placed can be movers;
the few placed by their 2015 coordinates (often the office) count as incumbents only.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from matcher import geo
from matcher.model.choice import (
    bootstrap_mrr_ci,
    fit_conditional_logit,
    random_metrics,
    rank_metrics,
    stack,
    standardise,
    truth_ranks,
)
from matcher.model.pairs import (
    FirmArrays,
    UnitTables,
    build_unit_tables,
    feature_grid,
    firm_arrays,
)

#: Date of the 2015 snapshot (commit date of the file); incumbents are firms listed by then.
SNAPSHOT_2015 = pd.Timestamp("2015-11-10")

#: Place features a relocation ranker may use (all computable from 2015 information).
RELOCATION_FEATURES: tuple[str, ...] = (
    "unit_size", "local_count", "rca", "density", "province_count", "neighbour_count", "momentum",
    "log_distance", "same_province", "same_region", "size_x_unit_size",
)  # fmt: skip

# --------------------------------------------------------------------------------------------------
# geography (all through matcher.geo)
# --------------------------------------------------------------------------------------------------
def address_city(addresses: pd.Series, data_dir: Path) -> tuple[pd.Series, pd.Series]:
    """Prefecture city code of each 2015 address by the project's address parser (text rules only: the
    benchmark must not learn from the same file), and how ('address'); text after a '?' (lost
    characters) is ignored. None when the text names no city."""
    text = addresses.fillna("").astype(str).str.split("?", n=1).str[0]
    g = geo.geocode_addresses(text, data_dir=data_dir, infer=False)
    city = g["city_code"].where(g["geo_level"].isin(["county", "city"])).astype("string")
    return city, city.notna().map({True: "address", False: None}).astype("string")


def nearest_city(lon: np.ndarray, lat: np.ndarray, counties: pd.DataFrame) -> np.ndarray:
    """City code of the nearest county point to each (lon, lat); None where the point is missing."""
    clon = counties["lon"].to_numpy(dtype=np.float64)
    clat = counties["lat"].to_numpy(dtype=np.float64)
    codes = counties["city_code"].to_numpy(dtype=object)
    out = np.full(len(lon), None, dtype=object)
    for k in range(0, len(lon), 512):
        lo, la = np.asarray(lon[k : k + 512], dtype=float), np.asarray(lat[k : k + 512], dtype=float)
        d = geo.haversine_km(lo[:, None], la[:, None], clon[None, :], clat[None, :])
        ok = np.isfinite(lo) & np.isfinite(la)
        best = np.argmin(np.where(np.isfinite(d), d, np.inf), axis=1)
        out[k : k + 512] = np.where(ok, codes[best], None)
    return out


def city_from_names(province: pd.Series, city: pd.Series, data_dir: Path) -> pd.Series:
    """City code for (province, city) names as Tushare writes them ('河北', '秦皇岛市'); None if unknown."""
    g = geo.geocode_city_names(city.astype("object"), province_hint=province, data_dir=data_dir)
    return g["city_code"].where(g["geo_level"].isin(["county", "city"])).astype("string")
















# --------------------------------------------------------------------------------------------------
# the task
# --------------------------------------------------------------------------------------------------
def firms_2015(geo2015: pd.DataFrame, counties: pd.DataFrame, data_dir: Path) -> pd.DataFrame:
    """The 2015 firms with their 2015 city: stock_code, city_code, province_code, city_source, lon, lat,
    industry_2015, market_value_yi, list_date. Reads the 2015 file only."""
    cities, how = address_city(geo2015["reg_address"], data_dir)
    near = pd.Series(nearest_city(geo2015["lon"].to_numpy(), geo2015["lat"].to_numpy(), counties), index=geo2015.index, dtype="string")
    source = how.fillna("coordinates").astype("string")
    city = cities.fillna(near)
    prov = dict(zip(counties["city_code"], counties["province_code"], strict=False))
    list_date = pd.to_datetime(geo2015["listing_date"]).fillna(pd.to_datetime(geo2015["offer_date"]))
    out = pd.DataFrame({
        "stock_code": geo2015["stock_code"].astype("string"),
        "firm_id": "S:" + geo2015["stock_code"].astype("string"),
        "city_code": city,
        "province_code": city.map(prov).astype("string"),
        "city_source": source,
        "lon": geo2015["lon"].astype("float64"),
        "lat": geo2015["lat"].astype("float64"),
        "industry_2015": geo2015["industry_2015"].astype("string"),
        "market_value_yi": geo2015["market_value_yi"].astype("float64"),
        "list_date": list_date,
    })
    return out.sort_values("stock_code", kind="stable").reset_index(drop=True)


def destinations(stock_company: pd.DataFrame, data_dir: Path) -> pd.DataFrame:
    """The 2024 city of each listed firm: stock_code, dest_city_code. The only 2024 fact the task reads."""
    code = stock_company["stock_code"] if "stock_code" in stock_company.columns else stock_company["ts_code"].str[:6]
    city = city_from_names(stock_company["province"], stock_company["city"], data_dir)
    out = pd.DataFrame({"stock_code": code.astype("string"), "dest_city_code": city})
    return out.dropna().drop_duplicates("stock_code").reset_index(drop=True)


def movers(f2015: pd.DataFrame, dest: pd.DataFrame) -> pd.DataFrame:
    """Firms whose 2015 city (read from the address text) differs from their 2024 city: the 2015 row
    plus ``dest_city_code``. Firms placed in 2015 only by coordinates are left out: the file's
    points are often the office, not the registered seat, and would make false movers."""
    m = f2015.merge(dest, on="stock_code", how="inner")
    m = m[m["city_code"].notna() & (m["city_source"] != "coordinates") & (m["city_code"] != m["dest_city_code"])]
    return m.sort_values("stock_code", kind="stable").reset_index(drop=True)


@dataclass(frozen=True)
class RelocationTask:
    """Movers × candidate cities, with the feature grid built from 2015 information only."""

    movers: pd.DataFrame            # one row per mover (2015 facts + dest_city_code)
    tables: UnitTables              # candidate cities, from 2015 incumbents
    firms: FirmArrays               # movers encoded against ``tables``
    grid: dict[str, np.ndarray]     # feature -> (n_movers, n_cities)
    valid: np.ndarray               # (n_movers, n_cities) bool: every city except the origin
    truth: np.ndarray               # (n_movers,) column index of the destination city

    @property
    def n_candidates(self) -> int:
        return int(self.valid.sum(axis=1).max()) if len(self.valid) else 0


def pre_move_inputs(f2015: pd.DataFrame, cities: pd.DataFrame, *, features: tuple[str, ...] = RELOCATION_FEATURES) -> tuple[UnitTables, FirmArrays, dict[str, np.ndarray], pd.DataFrame]:
    """Tables, firm arrays and the feature grid for every 2015 firm — a function of 2015 data only."""
    units = cities.rename(columns={"city_code": "unit_code"}).assign(city_code=cities["city_code"])
    presence = f2015.rename(columns={"city_code": "unit_code"})
    tables = build_unit_tables(
        units, presence, unit_col="unit_code", industry_col="industry_2015",
        as_of=SNAPSHOT_2015, recent_years=5.0, neighbour_km=150.0,
    )  # fmt: skip
    fa = firm_arrays(f2015, tables, industry_col="industry_2015", size_col="market_value_yi")
    grid = feature_grid(fa, tables, features)
    return tables, fa, grid, f2015


def build_task(f2015: pd.DataFrame, dest: pd.DataFrame, cities: pd.DataFrame, *, features: tuple[str, ...] = RELOCATION_FEATURES) -> RelocationTask:
    """Assemble the benchmark: features from :func:`pre_move_inputs`, targets from ``dest``."""
    mv = movers(f2015, dest)
    mv = mv[mv["dest_city_code"].isin(cities["city_code"])].reset_index(drop=True)
    sub = f2015.set_index("stock_code").loc[mv["stock_code"]].reset_index()
    tables, fa_all, grid_all, _ = pre_move_inputs(f2015, cities, features=features)
    row = pd.Series(np.arange(len(f2015)), index=f2015["stock_code"].to_numpy()).loc[sub["stock_code"]].to_numpy()
    grid = {k: np.ascontiguousarray(np.asarray(v)[row]) for k, v in grid_all.items()}
    fa = fa_all.take(row)
    col = {c: j for j, c in enumerate(tables.unit_codes)}
    truth = np.array([col[c] for c in mv["dest_city_code"]], dtype=np.int64)
    valid = tables.unit_codes[None, :] != mv["city_code"].to_numpy(dtype=object)[:, None]
    return RelocationTask(movers=mv, tables=tables, firms=fa, grid=grid, valid=valid, truth=truth)


def load_task(data_dir: Path) -> RelocationTask:
    """The benchmark on the real data (loaders: ``listed_geo_2015``, Tushare ``stock_company``)."""
    from matcher.sources.geo2015 import load_listed_geo_2015
    from matcher.sources.tushare import load_stock_company

    counties = geo.county_points(data_dir)
    f2015 = firms_2015(load_listed_geo_2015(data_dir).frame, counties, data_dir)
    dest = destinations(load_stock_company(data_dir).frame, data_dir)
    return build_task(f2015, dest, geo.prefecture_points(counties))








# --------------------------------------------------------------------------------------------------
# baselines (each a score grid from 2015 facts)
# --------------------------------------------------------------------------------------------------
def baseline_scores(task: RelocationTask) -> dict[str, np.ndarray]:
    """The benchmark's baselines: city size, same-industry count, same province then size, distance decay."""
    g = task.grid
    size = g["unit_size"]
    return {
        "city_size": size,
        "same_industry_count": g["local_count"] + 1e-3 * size,  # ties broken by size
        "same_province_then_size": g["same_province"] * 100.0 + size,
        "distance_decay": -g["log_distance"],
        "gravity_size_over_distance": size - g["log_distance"],
    }


# --------------------------------------------------------------------------------------------------
# the fitted ranker: conditional logit (matcher.model.choice), out of fold and on all movers
# --------------------------------------------------------------------------------------------------






def cross_fitted_scores(task: RelocationTask, features: tuple[str, ...] = RELOCATION_FEATURES, *, folds: int = 5, l2: float = 1.0) -> np.ndarray:
    """Out-of-fold scores: movers are split into ``folds`` groups by their order (stock code); each
    group is scored by a conditional logit fitted on the others. No mover scores itself."""
    x = stack(task.grid, features)
    out = np.zeros(task.valid.shape)
    fold = np.arange(len(task.truth)) % folds
    for f in range(folds):
        tr, te = fold != f, fold == f
        xs, mu, sd = standardise(x[tr], task.valid[tr])
        w = fit_conditional_logit(xs, task.valid[tr], task.truth[tr], l2=l2)
        out[te] = ((x[te] - mu) / sd) @ w
    return out


def fitted_weights(task: RelocationTask, features: tuple[str, ...] = RELOCATION_FEATURES, *, l2: float = 1.0) -> dict[str, float]:
    """Conditional-logit weights on all movers, converted back to the features' raw scales
    (score = Σ w_raw · x, up to a constant per firm), for use by :class:`FirmCountyRanker`."""
    x = stack(task.grid, features)
    xs, mu, sd = standardise(x, task.valid)
    w = fit_conditional_logit(xs, task.valid, task.truth, l2=l2)
    return {f: float(wi / si) for f, wi, si in zip(features, w, sd, strict=True)}


# --------------------------------------------------------------------------------------------------
# the benchmark run and its report
# --------------------------------------------------------------------------------------------------


def run_relocation_benchmark(
    data_dir: Path,
    *,
    folds: int = 5,
    l2: float = 1.0,
    task: RelocationTask | None = None,
    edges: pd.DataFrame | None = None,
) -> dict[str, object]:
    """Every baseline and the cross-fitted model on the same movers; figures as measured.

    With ``edges`` (industry supply edges, e.g. the chain stage's) a second model adds the chain
    complementarity features (see :func:`chain_grid`), so their weights are measured, not set.
    """
    task = task if task is not None else load_task(data_dir)
    chain_task: RelocationTask | None = None
    if edges is not None:
        from matcher.sources.chainkg import load_company_industry
        from matcher.sources.geo2015 import load_listed_geo_2015

        counties = geo.county_points(data_dir)
        f2015 = firms_2015(load_listed_geo_2015(data_dir).frame, counties, data_dir)
        ci = load_company_industry(data_dir).frame
        sw = pd.DataFrame({"stock_code": ci["stock_code"].astype("string"), "sw_l2_code": ci["sw_l2_code"].astype("string")})
        chain_task = with_chain(task, chain_grid(task, f2015, geo.prefecture_points(counties), sw, edges))
    n_cand = task.valid.sum(axis=1)
    results: dict[str, dict[str, float]] = {"random (expected)": random_metrics(n_cand)}
    all_ranks: dict[str, np.ndarray] = {}
    for name, s in baseline_scores(task).items():
        all_ranks[name] = truth_ranks(s, task.valid, task.truth)
    oof = cross_fitted_scores(task, RELOCATION_FEATURES, folds=folds, l2=l2)
    all_ranks["model: conditional logit (out-of-fold)"] = truth_ranks(oof, task.valid, task.truth)
    if chain_task is not None:
        oof_c = cross_fitted_scores(chain_task, RELOCATION_FEATURES + CHAIN_FEATURES, folds=folds, l2=l2)
        all_ranks["model + chain features (out-of-fold)"] = truth_ranks(oof_c, task.valid, task.truth)
    for name, r in all_ranks.items():
        m = rank_metrics(r)
        lo, hi = bootstrap_mrr_ci(r)
        results[name] = {**m, "mrr_ci95_low": lo, "mrr_ci95_high": hi}
    origin = task.movers["city_source"].value_counts().to_dict()
    return {
        "benchmark": "relocation",
        "question": "for a listed firm that changed city between the 2015 address file and 2024, rank every other prefecture city",
        "n_movers": int(len(task.truth)),
        "n_candidates_per_mover": int(n_cand.max()) if len(n_cand) else 0,
        "movers_by_origin_source": {str(k): int(v) for k, v in origin.items()},
        "information": "2015 only: incumbents = 2015 file (city from registered address, 2015 industry label, listing date ≤ 2015-11-10); mover's own 2015 industry, market value and coordinates. 2024 data gives the destination city only.",
        "features": list(RELOCATION_FEATURES),
        "folds": folds,
        "l2": l2,
        "rankers": results,
        "weights_all_movers": fitted_weights(task, RELOCATION_FEATURES, l2=l2),
        "weights_with_chain": fitted_weights(chain_task, RELOCATION_FEATURES + CHAIN_FEATURES, l2=l2) if chain_task is not None else None,
        "chain_variant": (
            "industries mapped 2015 label → Shenwan level 2 by the modal code among non-movers (chain KG 2021 "
            "classification); supply edges from the chain stage (2021 knowledge graph): industry structure, not "
            "facts about the movers or their destinations"
        ) if chain_task is not None else None,
    }


def reading(rankers: dict[str, dict[str, float]]) -> str:
    """One paragraph comparing the model with the best baseline, generated from the figures."""
    model = next((k for k in rankers if k.startswith("model")), None)
    base = {k: v for k, v in rankers.items() if not k.startswith("model") and not k.startswith("random")}
    if model is None or not base:
        return ""
    best = max(base, key=lambda k: base[k]["mrr"])
    m, b = rankers[model], base[best]
    inside = m["mrr_ci95_low"] <= b["mrr"] <= m["mrr_ci95_high"]
    return (
        f"Reading: best baseline on MRR is *{best}* ({b['mrr']:.3f}); the model scores {m['mrr']:.3f} "
        f"({'within' if inside else 'outside'} the model's 95% interval, so the MRR difference is "
        f"{'not' if inside else ''} distinguishable from noise at this sample size). Median rank: model "
        f"{m['median_rank']:.1f} vs {b['median_rank']:.1f}; recall@30: {m['recall_at_30']:.3f} vs {b['recall_at_30']:.3f}."
    ).replace("is  distinguishable", "is distinguishable")


def relocation_markdown(result: dict[str, object]) -> str:
    """The results as a Markdown report (for benchmarks/results/relocation.md)."""
    rk = result["rankers"]
    assert isinstance(rk, dict)
    lines = [
        "# Relocation benchmark: which city does a moving firm choose?",
        "",
        f"Movers: **{result['n_movers']}** listed firms whose registered city in the 2015 address file differs from their "
        f"2024 Tushare city; each ranks **{result['n_candidates_per_mover']}** candidate prefecture-level units (every one but its origin).",
        "",
        f"Information used: {result['information']}",
        "",
        "Ties count as the expected rank under a random tie-break. The model is a conditional logit (McFadden) on the "
        f"place features below, cross-fitted over {result['folds']} folds of movers (each mover scored by a model that never saw it), "
        f"ridge l2 = {result['l2']} on standardised features; the l2 was fixed before looking at the results.",
        "",
        "| ranker | MRR | MRR 95% CI (bootstrap) | median rank | recall@10 | recall@30 |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for name, m in rk.items():
        ci = f"{m['mrr_ci95_low']:.3f}–{m['mrr_ci95_high']:.3f}" if "mrr_ci95_low" in m else "—"
        lines.append(f"| {name} | {m['mrr']:.3f} | {ci} | {m['median_rank']:.1f} | {m['recall_at_10']:.3f} | {m['recall_at_30']:.3f} |")
    w = result["weights_all_movers"]
    assert isinstance(w, dict)
    lines += [
        "",
        "Weights fitted on all movers (raw feature scales; these are `RELOCATION_WEIGHTS` in `matcher/model/match.py`, "
        "the fitted part of `FirmCountyRanker`'s default weights):",
        "",
        "| feature | weight |",
        "|---|---:|",
        *[f"| {k} | {v:+.3f} |" for k, v in w.items()],
        "",
    ]
    wc = result.get("weights_with_chain")
    if isinstance(wc, dict):
        lines += [
            f"Chain variant ({result.get('chain_variant')}); weights fitted on all movers:",
            "",
            "| feature | weight |",
            "|---|---:|",
            *[f"| {k} | {v:+.3f} |" for k, v in wc.items()],
            "",
        ]
    lines += [
        reading(rk),
        "",
        "Known noise: the source does not say whether Tushare's `city` is the registered city or the head office "
        "(e.g. 600050 中国联通: 2015 registered address in 上海, Tushare city 北京), so some 'moves' may be head-office "
        "locations rather than re-registrations.",
        "",
        "Reproduce: `matcher bench relocation` (writes relocation.json and this file).",
    ]
    return "\n".join(lines) + "\n"


def task_frame(task: RelocationTask, features: tuple[str, ...] = RELOCATION_FEATURES) -> tuple[pd.DataFrame, np.ndarray]:
    """The task as a long frame (one row per mover × valid candidate city) and y (1 = the city chosen),
    the training data of :class:`matcher.model.match.FirmCountyRanker`."""
    mi, ci = np.nonzero(task.valid)
    frame = pd.DataFrame({
        "firm_id": task.movers["stock_code"].to_numpy()[mi],
        "county_code": task.tables.unit_codes[ci] if task.tables is not None else ci,
        **{f: np.asarray(task.grid[f], dtype=np.float64)[mi, ci] for f in features},
    })
    y = (ci == task.truth[mi]).astype(np.float64)
    return frame, y


def relocation_ranker(task: RelocationTask, *, l2: float = 1.0):  # noqa: ANN201 - avoids a circular import at module level
    """A :class:`~matcher.model.match.FirmCountyRanker` whose relocation-measurable weights are fitted
    on all movers (the others keep their evidence weights)."""
    from matcher.model.match import FirmCountyRanker

    frame, y = task_frame(task)
    return FirmCountyRanker(fit_features=list(RELOCATION_FEATURES), l2=l2).fit(frame.reindex(columns=[*frame.columns, *_missing_cols(frame)], fill_value=0.0), y)


def _missing_cols(frame: pd.DataFrame) -> list[str]:
    from matcher.model.pairs import FEATURES

    return [f for f in FEATURES if f not in frame.columns]


# --------------------------------------------------------------------------------------------------
# variant: chain complementarity, measured
# --------------------------------------------------------------------------------------------------
CHAIN_FEATURES: tuple[str, ...] = ("chain_customers", "chain_suppliers")


def label_crosswalk(f2015: pd.DataFrame, sw: pd.DataFrame, exclude: set[str]) -> dict[str, str]:
    """2015 industry label → the Shenwan level-2 code most common among firms carrying both (ties: lowest
    code). Built from non-movers only (``exclude``), so a mover's own later classification never enters."""
    j = f2015[~f2015["stock_code"].isin(list(exclude))][["stock_code", "industry_2015"]].merge(sw, on="stock_code", how="inner")
    j = j.dropna()
    if j.empty:
        return {}
    cnt = j.groupby(["industry_2015", "sw_l2_code"]).size().rename("n").reset_index()
    cnt = cnt.sort_values(["industry_2015", "n", "sw_l2_code"], ascending=[True, False, True], kind="stable")
    return dict(zip(cnt.drop_duplicates("industry_2015")["industry_2015"], cnt.drop_duplicates("industry_2015")["sw_l2_code"], strict=True))


def chain_grid(task: RelocationTask, f2015: pd.DataFrame, cities: pd.DataFrame, sw: pd.DataFrame, edges: pd.DataFrame) -> dict[str, np.ndarray]:
    """chain_customers / chain_suppliers for movers × cities, from 2015 presence with industries mapped
    label → Shenwan level 2 by :func:`label_crosswalk` (non-movers' codes), and the supply edges given."""
    xw = label_crosswalk(f2015, sw, set(task.movers["stock_code"]))
    f = f2015.assign(sw2=f2015["industry_2015"].map(xw).astype("string"))
    units = cities.rename(columns={"city_code": "unit_code"}).assign(city_code=cities["city_code"])
    tables = build_unit_tables(units, f.rename(columns={"city_code": "unit_code"}), unit_col="unit_code", industry_col="sw2",
                               edges=edges, edge_level=2, as_of=SNAPSHOT_2015)  # fmt: skip
    mv = f.set_index("stock_code").loc[task.movers["stock_code"]].reset_index()
    fa = firm_arrays(mv, tables, industry_col="sw2")
    g = feature_grid(fa, tables, CHAIN_FEATURES)
    col = {c: j for j, c in enumerate(tables.unit_codes)}
    order = np.array([col[c] for c in task.tables.unit_codes], dtype=np.int64)  # align to the task's city order
    return {k: np.asarray(v)[:, order] for k, v in g.items()}


def with_chain(task: RelocationTask, grid: dict[str, np.ndarray]) -> RelocationTask:
    """The task with the chain features added to its grid."""
    return RelocationTask(movers=task.movers, tables=task.tables, firms=task.firms, grid={**task.grid, **grid}, valid=task.valid, truth=task.truth)
