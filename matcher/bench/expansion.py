"""The expansion benchmark: who opens a branch or subsidiary outside its home city, where, and in which
county unit — learned rankers (:mod:`matcher.model.expansion`) against plain baselines, on a time split.

**Windows.** Features come from rows dated strictly before ``t0``; outcomes are the expansion events
(new branches and subsidiaries outside the firm's home city, :func:`matcher.model.expansion.is_expansion`)
dated in ``[t0, t1)``. The registry is a sample with whole province-years absent (``absent_files.txt``):
an event in an absent province-year cannot be seen, so every window counts only destinations in the
provinces present in **every** year of its outcome window (:func:`covered_provinces`), and candidates
are the prefecture cities of those provinces. Windows (:data:`WINDOWS`), chosen from the data's coverage:

- *test* ``t0 = 2009``, outcomes 2009–2011: among the sample's largest years (143k–195k registrations a
  year), with 17 provinces (河北 among them) present throughout; from 2012 on, 13 or more provinces are
  absent each year and 2016–2017 hold almost nothing, so a later three-year window would test on a few
  provinces only;
- *train* ``t0 = 2006``, outcomes 2006–2008 (24 provinces present throughout): the models are fitted
  here and never see the test window;
- *back-test* (model development) ``t0 = 2003`` → 2003–2005 fitted, evaluated on the train window: the
  features and settings were chosen there, before the test window was scored;
- *recent* (supplementary) ``t0 = 2019``, outcomes 2019-01..2019-04 (every province present, four months):
  the models fitted on the test window, as a check that nothing collapses on recent data.

**Tasks** (:func:`evaluate_window`):

1. *firms per destination city* — for each candidate city with at least one event, rank every firm of
   the universe (firms that existed before ``t0``, eligible by the national rules, not service networks,
   home elsewhere): average precision and precision at 50, averaged over cities;
2. *cities per expanding firm* — for each firm with an event, rank the candidate cities (its home left
   out): reciprocal rank of its best-ranked destination (MRR) and the share of its destinations in the
   top 10 (R@10), averaged over firms (other destinations of the same firm never count against it);
3. *county units within the chosen city* — for each (firm, unit) event placed at county level, rank the
   city's county-level units (zones included): MRR.

Baselines: size (the firm's linked entities before ``t0``, or the place's registrations), gravity
(size − log distance), same province (then size), distance; for task 1 also the firm's 2024 head count
(not pre-``t0``: a stronger, leaky reference) and for task 3 the hand-set county weights of
:mod:`matcher.model.match` (chain links with listed firms at 0.35 each; pack targets and anchors exist
for 秦皇岛 only). Ties count at their expected rank. 95% intervals: paired bootstrap over cities / firms /
events of the difference learned − best baseline. Leakage: :func:`leakage_check` recomputes every feature
with the rows dated at or after ``t0`` removed, and with them shuffled, and requires identical features.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from matcher.model import expansion as X
from matcher.model.expansion_tasks import (
    SPLITS,
    WINDOWS,
    Fitted,
    WindowTasks,
    build_window,
    city_choice_sets,
    fit_windows,
    propensity_task,
    unit_choice_sets,
)

N_BOOT = 2000
P_AT = 50


# --------------------------------------------------------------------------------------------------
# metrics (ties at their expected value)
# --------------------------------------------------------------------------------------------------
def precision_at_k(scores: np.ndarray, y: np.ndarray, k: int) -> float:
    """Expected precision of the top ``k`` when tied scores are ordered at random."""
    s, y = np.asarray(scores, dtype=np.float64), np.asarray(y, dtype=np.float64)
    k = min(k, len(s))
    if k == 0:
        return 0.0
    kth = np.sort(s)[::-1][k - 1]
    above, tied = s > kth, s == kth
    got = y[above].sum() + (k - above.sum()) * (y[tied].sum() / tied.sum())
    return float(got / k)


def per_city_metrics(frame: pd.DataFrame, scores: np.ndarray, y: np.ndarray, group: str = "ci") -> pd.DataFrame:
    """Average precision and precision at :data:`P_AT` per group with at least one positive."""
    from sklearn.metrics import average_precision_score

    out = []
    g = frame[group].to_numpy()
    order = np.argsort(g, kind="stable")
    bounds = np.flatnonzero(np.diff(g[order])) + 1
    for idx in np.split(order, bounds):
        yy = y[idx]
        if yy.sum() == 0:
            continue
        out.append({"group": g[idx[0]], "ap": float(average_precision_score(yy, scores[idx])),
                    "p_at": precision_at_k(scores[idx], yy, P_AT), "positives": int(yy.sum())})
    return pd.DataFrame(out)


def set_ranks(frame: pd.DataFrame, scores: np.ndarray, group: str = "group", chosen: str = "chosen") -> pd.Series:
    """Expected rank of the chosen row within each choice set."""
    f = pd.DataFrame({"g": frame[group].to_numpy(), "s": scores, "c": frame[chosen].to_numpy() > 0})
    t = f[f["c"]].set_index("g")["s"]
    st = f["g"].map(t)
    higher = (f["s"] > st).groupby(f["g"]).sum()
    ties = (f["s"] == st).groupby(f["g"]).sum() - 1
    return (higher + 1 + ties / 2.0).rename("rank")


def firm_city_metrics(sets: pd.DataFrame, scores: np.ndarray) -> pd.DataFrame:
    """Per firm: reciprocal rank of its best-ranked destination, share of its destinations in the top 10."""
    r = set_ranks(sets, scores)
    firm = pd.Series([str(g).split(":")[0] for g in r.index], index=r.index)
    return pd.DataFrame({"rr": (1.0 / r).groupby(firm).max(), "r_at_10": (r <= 10).astype(float).groupby(firm).mean()}).reset_index(names="firm")


def bootstrap_diff(a: np.ndarray, b: np.ndarray, *, n: int = N_BOOT, seed: int = 0) -> tuple[float, float]:
    """95% percentile interval of mean(a − b) over units resampled with replacement (paired)."""
    d = np.asarray(a, dtype=np.float64) - np.asarray(b, dtype=np.float64)
    if len(d) == 0:
        return float("nan"), float("nan")
    idx = np.random.default_rng(seed).integers(0, len(d), size=(n, len(d)))
    means = d[idx].mean(axis=1)
    return float(np.quantile(means, 0.025)), float(np.quantile(means, 0.975))


# --------------------------------------------------------------------------------------------------
# baselines
# --------------------------------------------------------------------------------------------------
def firm_size(t: WindowTasks) -> np.ndarray:
    """log1p of the firm's linked entities before t0 (its registry footprint), per universe firm."""
    return np.log1p(t.snap.firm_city.sum(axis=1).astype(np.float64))


def firm_baselines(t: WindowTasks, fr: pd.DataFrame, employees: Mapping[str, float] | None) -> dict[str, np.ndarray]:
    size = firm_size(t)[fr["fi"].to_numpy()]
    out = {
        "size (firm's entities before t0)": size,
        "gravity (firm size − log distance)": size - fr["log_distance"].to_numpy(),
        "same province, then size": fr["same_province"].to_numpy() * 100.0 + size,
        "distance (nearest first)": -fr["log_distance"].to_numpy(),
    }
    if employees is not None:
        emp = t.snap.firms["firm_id"].map(employees).astype("float64").fillna(0.0).to_numpy()
        out["size (head count 2024, not pre-t0)"] = np.log1p(emp)[fr["fi"].to_numpy()]
    return out


def city_baselines(fr: pd.DataFrame) -> dict[str, np.ndarray]:
    size, d = fr["city_size"].to_numpy(), fr["log_distance"].to_numpy()
    return {"size (city's registrations before t0)": size, "gravity (city size − log distance)": size - d,
            "same province, then size": fr["same_province"].to_numpy() * 100.0 + size, "distance (nearest first)": -d}


def unit_baselines(sets: pd.DataFrame, handset: np.ndarray | None) -> dict[str, np.ndarray]:
    size, d = sets["unit_size"].to_numpy(), sets["unit_log_distance"].to_numpy()
    out = {"size (unit's registrations before t0)": size, "gravity (unit size − log distance)": size - d,
           "distance (nearest first)": -d}
    if handset is not None:
        out["hand-set county weights (match.py)"] = handset
    return out


def handset_county_scores(t: WindowTasks, sets: pd.DataFrame, master: pd.DataFrame, edges: pd.DataFrame | None) -> np.ndarray | None:
    """The county part of the hand-set score of :mod:`matcher.model.match` for each row of ``sets``: chain
    links with listed firms placed in the unit (known by t0) at their hand-set weights; the pack's targets
    and anchors exist for 秦皇岛 only and add nothing elsewhere."""
    from matcher.model.match import EVIDENCE_WEIGHTS, prepare_firms
    from matcher.model.pairs import build_unit_tables

    if edges is None or sets.empty:
        return None
    fr = prepare_firms(master)
    units = t.snap.geo.units.rename(columns={"county_name": "name"})
    pres = fr[fr["county_code"].notna() & fr["county_code"].isin(set(units["county_code"]))]
    tables = build_unit_tables(units, pres, unit_col="county_code", industry_col="industry", edges=edges, edge_level=2,
                               as_of=t.window.t0 - pd.Timedelta(days=1))
    ind = fr.set_index("firm_id")["industry"]
    ii = tables.industry_index(t.snap.firms["firm_id"].map(ind).astype("string"))[sets["fi"].to_numpy()]
    upos = {c: j for j, c in enumerate(tables.unit_codes)}
    uj = np.array([upos[c] for c in units["county_code"].to_numpy()[sets["ui"].to_numpy()]])
    m = tables.matrices
    return (EVIDENCE_WEIGHTS["chain_customers"] * m["chain_customers"][ii, uj]
            + EVIDENCE_WEIGHTS["chain_suppliers"] * m["chain_suppliers"][ii, uj]).astype(np.float64)


# --------------------------------------------------------------------------------------------------
# fitting and evaluating one split
# --------------------------------------------------------------------------------------------------
LEARNED = "learned"


def _summary(per: dict[str, pd.DataFrame], metrics: Sequence[str], head: str, n_boot: int) -> dict[str, Any]:
    """Per ranker the means of ``metrics``; the best baseline on ``head``; the paired interval of the difference."""
    rankers = {k: {m: float(v[m].mean()) for m in metrics} for k, v in per.items()}
    base = {k: v for k, v in rankers.items() if k != LEARNED}
    best = max(base, key=lambda k: base[k][head]) if base else None
    out: dict[str, Any] = {"rankers": rankers, "n": int(len(per[LEARNED])), "best_baseline": best}
    if best is not None and len(per[LEARNED]):
        lo, hi = bootstrap_diff(per[LEARNED][head].to_numpy(), per[best][head].to_numpy(), n=n_boot)
        out["difference_ci95"] = [lo, hi]
        out["ratio"] = rankers[LEARNED][head] / rankers[best][head] if rankers[best][head] > 0 else float("inf")
    return out


def evaluate_firms_per_city(t: WindowTasks, fitted: Fitted, employees: Mapping[str, float] | None, n_boot: int) -> dict[str, Any]:
    pos_cities = np.array(sorted(set(t.events["ci"])), dtype=int)
    fr, y = propensity_task(t, pos_cities)
    scores = {LEARNED: fitted.propensity.decision_function(fr), **firm_baselines(t, fr, employees)}
    per = {k: per_city_metrics(fr, s, y).rename(columns={"ap": "average_precision", "p_at": f"precision_at_{P_AT}"})
           for k, s in scores.items()}
    out = _summary(per, ["average_precision", f"precision_at_{P_AT}"], "average_precision", n_boot)
    out.update({"cities": int(len(pos_cities)), "firms": int(len(t.snap.firms)), "positive_pairs": int(y.sum())})
    return out


def evaluate_cities_per_firm(t: WindowTasks, fitted: Fitted, n_boot: int) -> dict[str, Any]:
    cs = city_choice_sets(t)
    scores = {LEARNED: fitted.city.decision_function(cs), **city_baselines(cs)}
    per = {k: firm_city_metrics(cs, s).rename(columns={"rr": "mrr", "r_at_10": "recall_at_10"}) for k, s in scores.items()}
    out = _summary(per, ["mrr", "recall_at_10"], "mrr", n_boot)
    out.update({"firms": int(cs["fi"].nunique()) if len(cs) else 0, "destinations": int(cs["group"].nunique()) if len(cs) else 0,
                "candidates_per_firm": int(len(t.cities))})
    return out


def evaluate_units_within_city(t: WindowTasks, fitted: Fitted, master: pd.DataFrame | None, edges: pd.DataFrame | None,
                               n_boot: int) -> dict[str, Any]:
    us = unit_choice_sets(t)
    hand = handset_county_scores(t, us, master, edges) if master is not None else None
    scores = {LEARNED: fitted.unit.decision_function(us), **unit_baselines(us, hand)}
    per = {k: pd.DataFrame({"mrr": 1.0 / set_ranks(us, s)}) for k, s in scores.items()}
    out = _summary(per, ["mrr"], "mrr", n_boot)
    sizes = us.groupby("group").size() if len(us) else pd.Series(dtype=float)
    out.update({"events": int(us["group"].nunique()) if len(us) else 0, "cities": int(us["city_code"].nunique()) if len(us) else 0,
                "mean_units_per_city": float(sizes.mean()) if len(sizes) else 0.0,
                "random_mrr": float(np.mean([np.mean(1.0 / np.arange(1, k + 1)) for k in sizes])) if len(sizes) else 0.0,
                "same_province": "constant within a city (no information): not a ranker here"})
    return out


def leakage_check(data: X.ExpansionData, geo: X.Geography, t0: pd.Timestamp, restrict: Iterable[str] | None = None) -> dict[str, bool]:
    """Do the features at ``t0`` stay identical when every row dated at or after ``t0`` is removed, or shuffled?"""
    ref = X.snapshot(data, geo, t0, restrict=restrict)
    return {"removed": same_snapshot(ref, X.snapshot(data.without_after(t0), geo, t0, restrict=restrict)),
            "shuffled": same_snapshot(ref, X.snapshot(data.shuffled_after(t0, seed=7), geo, t0, restrict=restrict))}


def same_snapshot(a: X.Snapshot, b: X.Snapshot) -> bool:
    """Every feature input of two snapshots equal (universe, firm features, presence, counts, pulls)."""
    if not a.firms["firm_id"].equals(b.firms["firm_id"]) or not np.allclose(a.firm_features.to_numpy(), b.firm_features.to_numpy()):
        return False
    arrays = ("firm_city", "firm_prov", "city_div", "unit_div", "city_pull", "unit_pull")
    same_place = a.place.keys() == b.place.keys() and all(np.array_equal(a.place[k], b.place[k]) for k in a.place)
    return all(np.array_equal(getattr(a, k), getattr(b, k)) for k in arrays) and dict(a.firm_unit) == dict(b.firm_unit) and same_place


# --------------------------------------------------------------------------------------------------
# the run
# --------------------------------------------------------------------------------------------------
TASKS = ("firms_per_city", "cities_per_firm", "units_within_city")
HEADLINE_METRIC = {"firms_per_city": "average_precision", "cities_per_firm": "mrr", "units_within_city": "mrr"}
MAIN_SPLIT = ("train", "test")
GOAL_RATIO = 1.25


def evaluate_split(data: X.ExpansionData, geo: X.Geography, absent: pd.DataFrame, excluded: set[str], split: tuple[str, str], *,
                   master: pd.DataFrame | None = None, edges: pd.DataFrame | None = None,
                   employees: Mapping[str, float] | None = None, restrict: Iterable[str] | None = None,
                   n_boot: int = N_BOOT, C: float = 1.0, l2: float = 1.0) -> tuple[dict[str, Any], Fitted]:
    """Fit on ``split[0]``'s window, evaluate every task on ``split[1]``'s."""
    keep = None if restrict is None else set(restrict)
    tr = build_window(data, geo, WINDOWS[split[0]], absent, excluded, keep)
    te = build_window(data, geo, WINDOWS[split[1]], absent, excluded, keep)
    fitted = fit_windows([tr], C=C, l2=l2)
    res = {
        "fitted_on": _window_doc(tr), "evaluated_on": _window_doc(te),
        "firms_per_city": evaluate_firms_per_city(te, fitted, employees, n_boot),
        "cities_per_firm": evaluate_cities_per_firm(te, fitted, n_boot),
        "units_within_city": evaluate_units_within_city(te, fitted, master, edges, n_boot),
        "weights": {"propensity": fitted.propensity.coef_.round(4).to_dict(), "city_choice": fitted.city.coef_.round(4).to_dict(),
                    "unit_choice": fitted.unit.coef_.round(4).to_dict()},
    }
    return res, fitted


def _window_doc(t: WindowTasks) -> dict[str, Any]:
    w = t.window
    return {"window": w.name, "t0": w.t0.date().isoformat(), "outcomes_until": (w.t1 - pd.Timedelta(days=1)).date().isoformat(),
            "provinces_covered": sorted(t.covered), "candidate_cities": int(len(t.cities)), "universe_firms": int(len(t.snap.firms)),
            "events": int(len(t.events)), "expanding_firms": int(t.events["fi"].nunique()),
            "events_at_county_level": int((t.events["ui"] >= 0).sum())}


def headline(main: Mapping[str, Any]) -> dict[str, Any]:
    """One entry per task: learned, the best baseline's name and value, the metric, the CI of the difference."""
    out = {}
    for task in TASKS:
        r = main[task]
        m = HEADLINE_METRIC[task]
        best = r["best_baseline"]
        out[task] = {"learned": round(r["rankers"][LEARNED][m], 4), "baseline": best, "baseline_value": round(r["rankers"][best][m], 4),
                     "metric": m, "ci": [round(x, 4) for x in r.get("difference_ci95", [float("nan")] * 2)],
                     "ratio": round(r.get("ratio", float("nan")), 3),
                     "goal_met": bool(r.get("ratio", 0) >= GOAL_RATIO and r.get("difference_ci95", [0])[0] > 0)}
    return out


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_\-]+", "_", text).strip("_")


def flat_metrics(result: Mapping[str, Any]) -> dict[str, float]:
    """``<split>.<task>.<ranker>.<metric>`` → value, keys as MLflow accepts them."""
    out = {}
    for split, s in result["splits"].items():
        for task in TASKS:
            for ranker, ms in s[task]["rankers"].items():
                for m, v in ms.items():
                    out[f"{_slug(split)}.{task}.{_slug(ranker)[:48]}.{m}"] = float(v)
    return out


def sample_firms(data: X.ExpansionData, n: int, seed: int = 0) -> set[str]:
    """A reduced universe for a quick run (CI): ``n`` firms drawn uniformly with ``seed`` (sorted ids first),
    plus every firm with an expansion event, so that every task keeps its events."""
    ids = np.array(sorted(data.firms["firm_id"].astype(str)))
    pick = set(ids[np.random.default_rng(seed).choice(len(ids), size=min(n, len(ids)), replace=False)])
    movers = set(data.entities.loc[X.is_expansion(data.entities, data.firms), "firm_id"].astype(str))
    return pick | movers


def splits_from(value: object) -> tuple[tuple[str, str], ...]:
    """Splits from an option: None → :data:`SPLITS`; 'train:test,test:recent' or a sequence of pairs."""
    if value is None:
        return SPLITS
    items = [x.split(":") for x in str(value).split(",")] if isinstance(value, str) else list(value)  # type: ignore[call-overload]
    out = tuple((str(a), str(b)) for a, b in items)
    unknown = [w for sp in out for w in sp if w not in WINDOWS]
    if unknown:
        raise ValueError(f"unknown window(s) {unknown}; known: {', '.join(WINDOWS)}")
    return out


def run_expansion_benchmark(data: X.ExpansionData, geo: X.Geography, absent: pd.DataFrame, excluded: set[str], *,
                            master: pd.DataFrame | None = None, edges: pd.DataFrame | None = None,
                            employees: Mapping[str, float] | None = None, splits: Sequence[tuple[str, str]] = SPLITS,
                            restrict: Iterable[str] | None = None, n_boot: int = N_BOOT, C: float = 1.0, l2: float = 1.0) -> dict[str, Any]:
    """Every split of ``splits`` (the main one, train → test, gives the headline), and the leakage check at
    every t0 used."""
    keep = None if restrict is None else set(restrict)
    results: dict[str, Any] = {}
    for sp in splits:
        results[f"{sp[0]}→{sp[1]}"], _ = evaluate_split(data, geo, absent, excluded, sp, master=master, edges=edges,
                                                       employees=employees, restrict=keep, n_boot=n_boot, C=C, l2=l2)
    t0s = sorted({WINDOWS[w].t0 for sp in splits for w in sp})
    leak = {t.date().isoformat(): leakage_check(data, geo, t, keep) for t in t0s}
    key = f"{MAIN_SPLIT[0]}→{MAIN_SPLIT[1]}"
    return {
        "benchmark": "expansion",
        "question": "who opens a branch or subsidiary outside its home city, in which city, in which county unit",
        "settings": {"C": C, "l2": l2, "n_boot": n_boot, "precision_at": P_AT, "restricted_universe": keep is not None,
                     "expansion_kinds": list(X.EXPANSION_KINDS), "network_tushare": list(X.NETWORK_TUSHARE), "network_sw": list(X.NETWORK_SW)},
        "windows": {k: {"t0": w.t0.date().isoformat(), "outcomes_until": (w.t1 - pd.Timedelta(days=1)).date().isoformat()}
                    for k, w in WINDOWS.items()},
        "splits": results,
        "headline": headline(results[key]) if key in results else {},
        "leakage": leak,
        "leakage_ok": all(all(v.values()) for v in leak.values()),
    }


# --------------------------------------------------------------------------------------------------
# report
# --------------------------------------------------------------------------------------------------
TASK_TITLES = {"firms_per_city": "Firms per destination city", "cities_per_firm": "Cities per expanding firm",
               "units_within_city": "County units within the chosen city"}


def _task_table(r: Mapping[str, Any], metrics: Sequence[str]) -> list[str]:
    lines = ["| ranker | " + " | ".join(metrics) + " |", "|---|" + "---:|" * len(metrics)]
    for name, m in r["rankers"].items():
        mark = " (best baseline)" if name == r.get("best_baseline") else ""
        lines.append(f"| {name}{mark} | " + " | ".join(f"{m[k]:.3f}" for k in metrics) + " |")
    return lines


def _split_section(key: str, s: Mapping[str, Any]) -> list[str]:
    a, b = s["fitted_on"], s["evaluated_on"]
    lines = [f"## {key}: fitted on {a['t0']} → {a['outcomes_until']}, evaluated on {b['t0']} → {b['outcomes_until']}", "",
             f"Evaluation window: {b['universe_firms']} firms in the universe, {b['events']} events by {b['expanding_firms']} firms "
             f"({b['events_at_county_level']} placed at county level), {b['candidate_cities']} candidate cities in "
             f"{len(b['provinces_covered'])} provinces present in every year of the window. Fitting window: {a['events']} events by "
             f"{a['expanding_firms']} firms.", ""]
    for task, metrics in (("firms_per_city", ["average_precision", f"precision_at_{P_AT}"]), ("cities_per_firm", ["mrr", "recall_at_10"]),
                          ("units_within_city", ["mrr"])):
        r = s[task]
        ci = r.get("difference_ci95", [float("nan")] * 2)
        lines += [f"**{TASK_TITLES[task]}** ({r['n']} evaluated; learned / best baseline = {r.get('ratio', float('nan')):.2f}, "
                  f"difference 95% CI [{ci[0]:+.3f}, {ci[1]:+.3f}])", "", *_task_table(r, metrics), ""]
        if task == "units_within_city":
            lines += [f"Random order: MRR {r['random_mrr']:.3f} over {r['mean_units_per_city']:.1f} units per city on average; "
                      "same province is constant within a city and ranks nothing here.", ""]
    return lines


def markdown(result: Mapping[str, Any]) -> str:
    """benchmarks/results/expansion.md."""
    h = result["headline"]
    lines = ["# Expansion benchmark: who opens a branch or subsidiary elsewhere, where, and in which county unit", "",
             "Events: new branches and subsidiaries (not sales outlets) of firms of the master outside their home city, linked by "
             "name in the registry sample (link precision 0.971 on held-out labelled links, `registry.md`); firms eligible by the "
             "national rules, service networks (telecom, fuel sellers, airlines, cable TV) left out. Features strictly before t0; "
             "destinations only in provinces present in every year of the window (the sample lacks whole province-years). "
             "How the windows were chosen: `matcher/bench/expansion.py`.", "",
             "## Headline (fitted on 2006–2008, evaluated on 2009–2011)", "",
             "| task | metric | learned | best baseline | baseline | ratio | difference 95% CI | goal (≥ 1.25×, CI > 0) |",
             "|---|---|---:|---|---:|---:|---|---|"]
    for task, e in h.items():
        lines.append(f"| {task} | {e['metric']} | {e['learned']:.3f} | {e['baseline']} | {e['baseline_value']:.3f} | {e['ratio']:.2f} | "
                     f"[{e['ci'][0]:+.3f}, {e['ci'][1]:+.3f}] | {'met' if e['goal_met'] else 'not met'} |")
    lines += ["", f"Leakage check (features recomputed with every row dated at or after t0 removed, and with those rows shuffled): "
              f"{'identical at every t0' if result['leakage_ok'] else 'FAILED'} ({', '.join(result['leakage'])}).", ""]
    for key, s in result["splits"].items():
        lines += _split_section(key, s)
    main = result["splits"].get(f"{MAIN_SPLIT[0]}→{MAIN_SPLIT[1]}")
    if main:
        lines += ["## Weights fitted on 2006–2008 (raw feature scales)", "", "| model | feature | weight |", "|---|---|---:|"]
        for model, w in main["weights"].items():
            lines += [f"| {model} | {k} | {v:+.3f} |" for k, v in w.items()]
        lines.append("")
    lines += ["Reproduce: `matcher bench expansion` (writes expansion.json and this file; logs an MLflow run)."]
    return "\n".join(lines) + "\n"
