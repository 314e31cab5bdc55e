"""Training data and fitting for the expansion rankers (:mod:`matcher.model.expansion`): time windows, the
three tasks' frames, the fitted models, and the scores the navigation map uses for one city.

**Windows** (:data:`WINDOWS`): features from rows dated strictly before ``t0``; outcomes the expansion events
dated in ``[t0, t1)``, counted only in provinces present in every year of the window
(:func:`covered_provinces`: the registry sample lacks whole province-years). Why these windows:
:mod:`matcher.bench.expansion`. The map's models are fitted on :data:`PRODUCTION_WINDOW` (2009–2011, the
most recent window with broad coverage; features at 2009) and applied to the state of the registry at its
end (:data:`NOW`, features from every row of the sample).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from matcher.model import expansion as X


@dataclass(frozen=True)
class Window:
    name: str
    t0: pd.Timestamp
    t1: pd.Timestamp  # exclusive

    @property
    def years(self) -> range:
        last = (self.t1 - pd.Timedelta(days=1)).year
        return range(self.t0.year, last + 1)


def window(name: str, t0: int, t1: str) -> Window:
    return Window(name, pd.Timestamp(f"{t0}-01-01"), pd.Timestamp(t1))


WINDOWS: dict[str, Window] = {
    "backtest": window("backtest", 2003, "2006-01-01"),
    "train": window("train", 2006, "2009-01-01"),
    "test": window("test", 2009, "2012-01-01"),
    "recent": window("recent", 2019, "2019-05-01"),
}
#: the window the navigation map's models are fitted on, and the date of the state they are applied to
PRODUCTION_WINDOW = "test"
NOW = pd.Timestamp("2020-01-01")

#: (fitted on, evaluated on)
SPLITS: tuple[tuple[str, str], ...] = (("backtest", "train"), ("train", "test"), ("test", "recent"))


def covered_provinces(absent: pd.DataFrame, provinces: Iterable[str], years: Iterable[int]) -> set[str]:
    """Province codes with no absent file in any of ``years`` (``absent``: year, province_code)."""
    ys = set(years)
    gone = set(absent.loc[absent["year"].isin(ys), "province_code"].astype(str))
    return {p for p in provinces if p not in gone}


# --------------------------------------------------------------------------------------------------
# tasks
# --------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class WindowTasks:
    window: Window
    snap: X.Snapshot
    cities: np.ndarray          # candidate city indices (covered provinces)
    events: pd.DataFrame        # fi, ci, ui (-1 when placed at city level), firm_id, city_code, county_code
    covered: frozenset[str]


def build_window(data: X.ExpansionData, geo: X.Geography, w: Window, absent: pd.DataFrame, excluded: set[str],
                 restrict: Iterable[str] | None = None) -> WindowTasks:
    """The snapshot at ``w.t0`` (eligible firms only) and the window's events in covered provinces."""
    eligible = set(data.firms["firm_id"]) - set(excluded)
    keep = eligible if restrict is None else eligible & set(restrict)
    snap = X.snapshot(data, geo, w.t0, restrict=keep)
    cov = covered_provinces(absent, set(geo.cities["province_code"]), w.years)
    cities = np.flatnonzero(geo.cities["province_code"].isin(cov).to_numpy())
    e = data.entities
    e = e[(e["reg_date"] >= w.t0) & (e["reg_date"] < w.t1)]
    e = e[X.is_expansion(e, data.firms)]
    fix = snap.firm_ix
    e = e.assign(fi=e["firm_id"].map(fix), ci=e["city_code"].map(snap.city_ix))
    e = e[e["fi"].notna() & e["ci"].isin(set(cities))]
    unit_city = snap.geo.units.set_index("county_code")["city_code"]
    ui = e["county_code"].map(snap.unit_ix)
    same_city = e["county_code"].map(unit_city) == e["city_code"]
    e = e.assign(ui=ui.where(same_city.fillna(False)).fillna(-1))
    ev = e[["fi", "ci", "ui", "firm_id", "city_code", "county_code"]].astype({"fi": int, "ci": int, "ui": int})
    return WindowTasks(w, snap, cities, ev.reset_index(drop=True), frozenset(cov))


def propensity_task(t: WindowTasks, cities: np.ndarray | None = None) -> tuple[pd.DataFrame, np.ndarray]:
    """Task 1's frame (every universe firm × ``cities``, default all candidates; a firm's home city left
    out) and y (1 = the firm opened a branch or subsidiary there in the window)."""
    ci = t.cities if cities is None else np.asarray(cities, dtype=int)
    fr = X.propensity_frame(t.snap, np.arange(len(t.snap.firms)), ci)
    fr = fr[fr["ci"].to_numpy() != t.snap.firms["home"].to_numpy()[fr["fi"].to_numpy()]].reset_index(drop=True)
    pos = set(zip(t.events["fi"], t.events["ci"], strict=True))
    y = np.array([(a, b) in pos for a, b in zip(fr["fi"], fr["ci"], strict=True)], dtype=np.float64)
    return fr, y


def city_choice_sets(t: WindowTasks) -> pd.DataFrame:
    """Task 2's choice sets: one per (firm, destination city), over the candidate cities minus the firm's home
    and its other destinations; columns group, fi, ci, chosen and :data:`~matcher.model.expansion.CITY_FEATURES`."""
    pairs = t.events.drop_duplicates(["fi", "ci"])
    parts = []
    for fi, g in pairs.groupby("fi", sort=True):
        dest = set(g["ci"])
        home = int(t.snap.firms["home"].iloc[fi])
        base = np.array([c for c in t.cities if c != home and c not in dest], dtype=int)
        grid = X.city_grid(t.snap, np.array([fi]), t.cities)
        col = {c: k for k, c in enumerate(t.cities)}
        for c in sorted(dest):
            cand = np.append(base, c)
            rows = {f: np.asarray(grid[f])[0, [col[x] for x in cand]] for f in X.CITY_FEATURES}
            parts.append(pd.DataFrame({"group": f"{fi}:{c}", "fi": fi, "ci": cand, "chosen": (cand == c).astype(float), **rows}))
    return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=["group", "fi", "ci", "chosen", *X.CITY_FEATURES])


def unit_choice_sets(t: WindowTasks) -> pd.DataFrame:
    """Task 3's choice sets: one per (firm, unit) event placed at county level, over the units of its city
    minus the firm's other destination units there; cities with a single unit are left out. Columns group,
    fi, ui, city_code, chosen and :data:`~matcher.model.expansion.UNIT_FEATURES`."""
    units = t.snap.geo.units
    by_city = {c: np.flatnonzero(units["city_code"].to_numpy() == c) for c in units["city_code"].unique()}
    ev = t.events[t.events["ui"] >= 0].drop_duplicates(["fi", "ui"])
    fis, uis, groups, chosen, city = [], [], [], [], []
    for (fi, cc), g in ev.groupby(["fi", "city_code"], sort=True):
        all_u = by_city.get(cc, np.array([], dtype=int))
        if len(all_u) < 2:
            continue
        dest = set(g["ui"])
        for u in sorted(dest):
            cand = np.array([x for x in all_u if x not in dest or x == u], dtype=int)
            fis += [fi] * len(cand)
            uis += list(cand)
            groups += [f"{fi}:{u}"] * len(cand)
            chosen += list((cand == u).astype(float))
            city += [cc] * len(cand)
    if not fis:
        return pd.DataFrame(columns=["group", "fi", "ui", "city_code", "chosen", *X.UNIT_FEATURES])
    feats = X.unit_frame(t.snap, np.array(fis), np.array(uis))
    return pd.concat([pd.DataFrame({"group": groups, "fi": fis, "ui": uis, "city_code": city, "chosen": chosen}), feats], axis=1)



@dataclass(frozen=True)
class Fitted:
    propensity: X.ExpansionPropensity
    city: X.PlaceChoice
    unit: X.PlaceChoice


def fit_windows(ts: Sequence[WindowTasks], *, C: float = 1.0, l2: float = 1.0) -> Fitted:
    """The three learned rankers fitted on the outcomes of the windows ``ts`` pooled (each window's features at
    its own t0; choice sets are kept apart by window)."""
    frs, ys, css, uss = [], [], [], []
    for k, t in enumerate(ts):
        fr, y = propensity_task(t)
        frs.append(fr)
        ys.append(y)
        css.append(city_choice_sets(t).assign(group=lambda d, k=k: f"{k}/" + d["group"].astype(str)))
        uss.append(unit_choice_sets(t).assign(group=lambda d, k=k: f"{k}/" + d["group"].astype(str)))
    prop = X.ExpansionPropensity(C=C).fit(pd.concat(frs, ignore_index=True), np.concatenate(ys))
    cs, us = pd.concat(css, ignore_index=True), pd.concat(uss, ignore_index=True)
    city = X.PlaceChoice(X.CITY_FEATURES, l2=l2).fit(cs, cs["chosen"])
    unit = X.PlaceChoice(X.UNIT_FEATURES, l2=l2).fit(us, us["chosen"])
    return Fitted(prop, city, unit)




def fit_production(data: X.ExpansionData, geo: X.Geography, absent: pd.DataFrame, excluded: set[str], *,
                   C: float = 1.0, l2: float = 1.0) -> Fitted:
    """The models the navigation map uses: fitted on :data:`PRODUCTION_WINDOW` with the benchmark's settings."""
    return fit_windows([build_window(data, geo, WINDOWS[PRODUCTION_WINDOW], absent, excluded)], C=C, l2=l2)


def fitted_to_dict(f: Fitted) -> dict[str, object]:
    return {"propensity": f.propensity.to_dict(), "city": f.city.to_dict(), "unit": f.unit.to_dict(),
            "window": PRODUCTION_WINDOW, "t0": WINDOWS[PRODUCTION_WINDOW].t0.date().isoformat()}


def fitted_from_dict(d: dict[str, object]) -> Fitted:
    return Fitted(X.ExpansionPropensity.from_dict(d["propensity"]), X.PlaceChoice.from_dict(d["city"]),  # type: ignore[arg-type]
                  X.PlaceChoice.from_dict(d["unit"]))  # type: ignore[arg-type]


CITY_SCORE_COLUMNS = ["firm_id", "county_code", "expansion_logit", "unit_logp", "in_city", "in_unit"]


def city_scores(fitted: Fitted, data: X.ExpansionData, geo: X.Geography, city_code: str, units: pd.DataFrame,
                extra: pd.DataFrame | None = None, t0: pd.Timestamp = NOW) -> pd.DataFrame:
    """For every firm of the master with a home city (``city_code``'s own firms and service networks included:
    the map decides whom to show) × every unit of ``units`` (county_code, lon, lat; the city pack's points):
    ``expansion_logit`` (log-odds that the firm opens a branch or subsidiary in the city, features at ``t0``;
    missing for service-network firms, whose branches the models never learned from),
    ``unit_logp`` (log-probability of the unit given the city), and the firm's entities in the city and the
    unit (``extra``: presence from the pack and the city's outcomes, counted whatever its date)."""
    geo = X.with_unit_points(geo, units)
    s = X.snapshot(data, geo, t0, extra=extra, everyone=True)
    ci = s.city_ix[city_code]
    fr = X.propensity_frame(s, np.arange(len(s.firms)), np.array([ci]))
    logit = np.where(s.firms["network"].to_numpy(bool), np.nan, fitted.propensity.decision_function(fr))
    ui = np.array([s.unit_ix[c] for c in units["county_code"].astype(str)])
    n, m = len(s.firms), len(ui)
    fi = np.repeat(np.arange(n), m)
    uu = np.tile(ui, n)
    uf = X.unit_frame(s, fi, uu)
    logp = X.log_probabilities(fitted.unit.decision_function(uf), fi)
    return pd.DataFrame({
        "firm_id": s.firms["firm_id"].to_numpy()[fi], "county_code": s.geo.units["county_code"].to_numpy()[uu],
        "expansion_logit": np.repeat(logit, m), "unit_logp": logp,
        "in_city": np.repeat(s.firm_city[:, ci], m).astype(np.int64),
        "in_unit": np.array([s.firm_unit.get((int(a), int(b)), 0.0) for a, b in zip(fi, uu, strict=True)], dtype=np.int64),
    })[CITY_SCORE_COLUMNS]
