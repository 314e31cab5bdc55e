"""Who expands, and where: features at a date and two learned rankers, from the registry's expansion events.

An **expansion event** is a new branch or subsidiary of a firm of the master outside its home city
(:data:`EXPANSION_KINDS`; sales outlets — bank branches, 营业厅, fuel stations, shops — are not). Firms
whose out-of-home entities are service networks by licence or trade (telecom operators, fuel sellers,
airlines' ticket offices, cable-TV networks: :func:`network_firms`) are left out of the events and the
universe: a county branch of a telecom operator is not an investment a city can court.

Everything is computed **as of a date** ``t0`` (always 1 January of a year, because the registration counts
are by year) by :func:`snapshot`, from rows dated strictly before ``t0`` only — so removing or shuffling
later rows changes no feature (:func:`leakage_check`, run by the expansion benchmark and the tests).
Presence known from other evidence (a city pack's cited anchor firms, the city's own signed or landed
leads) can be added as ``extra`` entities: they count as presence whatever their date.

Features (all ``log1p`` of counts unless said otherwise):

- firm (:data:`FIRM_FEATURES`): expansions before ``t0`` and in the five years before, cities reached
  (any linked entity), age at ``t0`` (from the setup date), listed by ``t0``, and industry momentum
  (expansions per firm of its Shenwan level-1 industry in the three years before ``t0``);
- firm × city (:data:`CITY_FEATURES`): the firm's entities in the city and elsewhere in its province,
  distance from the firm's home city (log km), same province, same macro region, the city's
  registrations (all, and in the firm's GB/T division), expansions into the city by any firm and by
  firms of the same level-1 industry;
- firm × county unit (:data:`UNIT_FEATURES`): the same at county level (the unit's registrations, in the
  firm's division, their RCA, expansions into the unit, the firm's own entities there), log distance
  from the firm's home to the unit, and whether the unit is a coded development zone or an urban district.

Rankers (scikit-learn contract: ``fit`` returns self, fitted attributes end in ``_``,
``decision_function`` gives scores):

- :class:`ExpansionPropensity` — logistic regression of "the firm opens a branch or subsidiary in this
  city during the window" on firm and firm × city features: ranks firms for a city (and, being a log-odds,
  adds to a unit's log-probability);
- :class:`PlaceChoice` — McFadden's conditional logit over a choice set (:mod:`matcher.model.choice`):
  which city a firm that expands chooses, or which county unit within the chosen city.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from matcher.geo.distance import haversine_km
from matcher.model.choice import fit_conditional_logit, pack_choice_sets, standardise

EXPANSION_KINDS: tuple[str, ...] = ("branch", "subsidiary")
#: Tushare labels of service-network firms (see the module docstring)
NETWORK_TUSHARE: tuple[str, ...] = ("电信运营", "石油开采", "石油加工", "石油贸易", "空运")
#: Shenwan 2021 level-3 codes of the same trades: 电视广播 (cable-TV networks), 电信运营商, 航空运输, 油品石化贸易
NETWORK_SW: tuple[str, ...] = ("721001", "730102", "421001", "750302")

FIRM_FEATURES: tuple[str, ...] = ("firm_expansions", "firm_recent", "firm_reach", "firm_age", "firm_listed",
                                  "industry_momentum")
CITY_FEATURES: tuple[str, ...] = ("firm_in_city", "firm_in_province", "log_distance", "same_province", "same_region",
                                  "city_size", "city_division", "city_branches", "city_firms", "is_capital", "city_pull",
                                  "city_peer_pull", "home_habit", "capital_habit", "network_distance",
                                  "footprint_affinity")
UNIT_FEATURES: tuple[str, ...] = ("firm_in_unit", "unit_size", "unit_recent", "unit_division", "unit_rca", "unit_branches",
                                  "unit_firms", "unit_pull", "unit_peer_pull", "unit_log_distance", "is_zone", "is_district")
PROPENSITY_FEATURES: tuple[str, ...] = FIRM_FEATURES + CITY_FEATURES

RECENT_YEARS = 5
MOMENTUM_YEARS = 3


# --------------------------------------------------------------------------------------------------
# inputs
# --------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Geography:
    """Prefecture cities (city_code, name, province_code, lon, lat) and county-level units (county_code,
    county_name, city_code, province_code, lon, lat; a unit without a point takes its city's)."""

    cities: pd.DataFrame
    units: pd.DataFrame


def geography(counties: pd.DataFrame, cities: pd.DataFrame) -> Geography:
    """From :func:`matcher.geo.load_divisions`-like ``counties`` (county_code, county, city_code,
    province_code, lon, lat) and :func:`matcher.geo.prefecture_points` ``cities``."""
    u = pd.DataFrame({"county_code": counties["county_code"].astype(str), "county_name": counties["county"].astype(str),
                      "city_code": counties["city_code"].astype(str), "province_code": counties["province_code"].astype(str),
                      "lon": pd.to_numeric(counties["lon"], errors="coerce"), "lat": pd.to_numeric(counties["lat"], errors="coerce")})
    u = u[u["city_code"].isin(set(cities["city_code"].astype(str)))].drop_duplicates("county_code")
    cp = cities.set_index(cities["city_code"].astype(str))
    u["lon"] = u["lon"].fillna(u["city_code"].map(cp["lon"]))
    u["lat"] = u["lat"].fillna(u["city_code"].map(cp["lat"]))
    c = cities.assign(city_code=cities["city_code"].astype(str), province_code=cities["province_code"].astype(str))
    return Geography(c.reset_index(drop=True), u.sort_values("county_code", kind="stable").reset_index(drop=True))


def with_unit_points(geo: Geography, units: pd.DataFrame) -> Geography:
    """``geo`` with the points of ``units`` (county_code, lon, lat: e.g. a city pack's points for its zones)."""
    u = geo.units.copy()
    pts = units.dropna(subset=["lon", "lat"]).assign(county_code=lambda d: d["county_code"].astype(str))
    pts = pts.drop_duplicates("county_code").set_index("county_code")
    for col in ("lon", "lat"):
        u[col] = u["county_code"].map(pts[col]).astype("float64").fillna(u[col])
    return Geography(geo.cities, u)


def network_firms(firms: pd.DataFrame) -> set[str]:
    """firm_ids of service-network firms (:data:`NETWORK_TUSHARE`, :data:`NETWORK_SW`)."""
    label = firms["industry_tushare"].astype("string").fillna("").isin(NETWORK_TUSHARE)
    sw = firms["sw_l3_code"].astype("string").fillna("").isin(NETWORK_SW)
    return set(firms.loc[label | sw, "firm_id"].astype(str))


def expansion_firms(firms: pd.DataFrame, crosswalk: pd.DataFrame) -> pd.DataFrame:
    """The firm master reduced to what the features need: firm_id, city_code, province_code, sw_l1_code,
    county_code, division (GB/T 4754 division of the firm's Shenwan level-2 industry by the shipped crosswalk),
    setup_date, list_date, network (a service-network firm)."""
    xw = dict(zip(crosswalk["sw_l2_code"].astype(str), crosswalk["gb_division"].astype(str), strict=False))
    l2 = firms["sw_l2_code"].astype("string").fillna(firms["sw_l3_code"].astype("string").str[:4] + "00")
    out = pd.DataFrame({
        "firm_id": firms["firm_id"].astype(str), "city_code": firms["city_code"].astype("string"),
        "province_code": firms["province_code"].astype("string"), "sw_l1_code": firms["sw_l1_code"].astype("string"),
        "division": l2.map(xw).astype("string"),
        "county_code": firms["county_code"].astype("string"),
        "setup_date": pd.to_datetime(firms["setup_date"]), "list_date": pd.to_datetime(firms["list_date"]),
    })
    out["network"] = out["firm_id"].isin(network_firms(firms))
    return out.drop_duplicates("firm_id").reset_index(drop=True)


@dataclass(frozen=True)
class ExpansionData:
    """The history: linked entities and registration counts (:mod:`matcher.regions.investors`) and the firms
    (:func:`expansion_firms`)."""

    entities: pd.DataFrame
    counts: pd.DataFrame
    firms: pd.DataFrame

    def without_after(self, t0: pd.Timestamp) -> ExpansionData:
        """The same history with every row dated at or after ``t0`` removed (for the leakage check)."""
        e = self.entities[self.entities["reg_date"] < t0]
        return ExpansionData(e, self.counts[self.counts["reg_year"] < t0.year], self.firms)

    def shuffled_after(self, t0: pd.Timestamp, seed: int = 0) -> ExpansionData:
        """Rows dated at or after ``t0`` with their firms, places and industries permuted among themselves."""
        rng = np.random.default_rng(seed)
        e = self.entities.copy()
        late = np.flatnonzero((e["reg_date"] >= t0).to_numpy())
        for col in ("firm_id", "city_code", "county_code", "province_code", "division", "link_type"):
            e.iloc[late, e.columns.get_loc(col)] = e[col].to_numpy()[rng.permutation(late)]
        c = self.counts.copy()
        lc = np.flatnonzero((c["reg_year"] >= t0.year).to_numpy())
        for col in ("n", "division", "city_code", "county_code", "branch"):
            c.iloc[lc, c.columns.get_loc(col)] = c[col].to_numpy()[rng.permutation(lc)]
        return ExpansionData(e, c, self.firms)


def is_expansion(entities: pd.DataFrame, firms: pd.DataFrame) -> pd.Series:
    """Rows of ``entities`` that are expansion events: a branch or subsidiary outside the firm's home city,
    of a firm that is not a service network."""
    home = firms.set_index("firm_id")["city_code"]
    net = set(firms.loc[firms["network"], "firm_id"])
    h = entities["firm_id"].map(home)
    kind = entities["link_type"].isin(EXPANSION_KINDS)
    return (kind & h.notna() & (entities["city_code"] != h) & ~entities["firm_id"].isin(net)).fillna(False).astype(bool)


# --------------------------------------------------------------------------------------------------
# the snapshot: everything known at t0
# --------------------------------------------------------------------------------------------------
def _index(values: Iterable[str]) -> dict[str, int]:
    return {v: i for i, v in enumerate(values)}


@dataclass(frozen=True)
class Snapshot:
    """Counts as of ``t0`` over the universe of firms that existed then (see :func:`snapshot`); row ``i`` of
    ``firms`` is firm ``i`` of every firm-indexed array."""

    t0: pd.Timestamp
    geo: Geography
    firms: pd.DataFrame            # firm_id, city_code, province_code, sw_l1_code, division, home (city index)
    firm_features: pd.DataFrame    # FIRM_FEATURES, one row per firm
    city_ix: dict[str, int]
    unit_ix: dict[str, int]
    div_ix: dict[str, int]
    l1_ix: dict[str, int]
    firm_city: np.ndarray          # (firms, cities) linked entities before t0 (+ extra presence)
    firm_prov: np.ndarray          # (firms, provinces)
    firm_unit: Mapping[tuple[int, int], float]
    city_div: np.ndarray           # (cities, divisions + 1) registrations before t0; last column: unknown division
    unit_div: np.ndarray           # (units, divisions + 1)
    city_pull: np.ndarray          # (l1 + 1, cities) expansions into the city by firms of each level-1 industry
    unit_pull: np.ndarray          # (l1 + 1, units)
    place: Mapping[str, np.ndarray]  # city_branches, city_firms (per city); unit_branches, unit_recent, unit_firms (per unit)

    @property
    def firm_ix(self) -> dict[str, int]:
        return _index(self.firms["firm_id"])


def check_t0(t0: pd.Timestamp | str) -> pd.Timestamp:
    t = pd.Timestamp(t0)
    if (t.month, t.day) != (1, 1) or t != t.normalize():
        raise ValueError(f"t0 must be 1 January of a year (registration counts are by year), got {t.date()}")
    return t


def universe(data: ExpansionData, hist: pd.DataFrame, t0: pd.Timestamp, cities: set[str]) -> pd.DataFrame:
    """Firms that existed before ``t0`` (set up, listed, or with a linked entity by then), with a home city
    among ``cities``, not service networks."""
    f = data.firms
    seen = set(hist["firm_id"].astype(str))
    exists = (f["setup_date"] < t0).fillna(False) | (f["list_date"] < t0).fillna(False) | f["firm_id"].isin(seen)
    keep = exists.astype(bool) & ~f["network"].astype(bool) & f["city_code"].isin(cities)
    return f[keep].sort_values("firm_id", kind="stable").reset_index(drop=True)


def snapshot(data: ExpansionData, geo: Geography, t0: pd.Timestamp | str, *, extra: pd.DataFrame | None = None,
             restrict: Iterable[str] | None = None, everyone: bool = False) -> Snapshot:
    """The state of the history at ``t0``: rows dated strictly before ``t0`` (registration counts: years
    before ``t0``'s year), plus ``extra`` entities counted as presence whatever their date. ``restrict``
    keeps only those firms in the universe; ``everyone`` takes every firm with a home city (for scoring
    today's firms, not for learning)."""
    t0 = check_t0(t0)
    hist = data.entities[data.entities["reg_date"] < t0]
    city_ix, unit_ix = _index(geo.cities["city_code"]), _index(geo.units["county_code"])
    if everyone:
        f = data.firms[data.firms["city_code"].isin(set(city_ix))].sort_values("firm_id", kind="stable").reset_index(drop=True)
    else:
        f = universe(data, hist, t0, set(city_ix))
    if restrict is not None:
        f = f[f["firm_id"].isin(set(restrict))].reset_index(drop=True)
    divs = sorted(set(data.counts["division"].dropna().astype(str)) | set(f["division"].dropna().astype(str)))
    l1s = sorted(set(data.firms["sw_l1_code"].dropna().astype(str)))
    div_ix, l1_ix = _index(divs), _index(l1s)
    f = f.assign(home=f["city_code"].map(city_ix).astype("int64"))
    presence = hist if extra is None or extra.empty else pd.concat([hist, extra], ignore_index=True)
    firm_city, firm_prov, firm_unit = _firm_presence(presence, f, city_ix, unit_ix, geo)
    exp = hist[is_expansion(hist, data.firms)]
    l1_of = data.firms.set_index("firm_id")["sw_l1_code"]
    city_pull = _pull(exp, l1_of, l1_ix, city_ix, "city_code")
    unit_pull = _pull(exp, l1_of, l1_ix, unit_ix, "county_code")
    counts = data.counts[data.counts["reg_year"] < t0.year]
    city_div = _place_division(counts, "city_code", city_ix, div_ix)
    unit_div = _place_division(counts[counts["county_code"] != ""], "county_code", unit_ix, div_ix)
    feats = firm_features(f, hist, exp, data.firms, t0)
    place = _place_counts(counts, data.firms, t0, city_ix, unit_ix)
    return Snapshot(t0, geo, f, feats, city_ix, unit_ix, div_ix, l1_ix, firm_city, firm_prov, firm_unit,
                    city_div, unit_div, city_pull, unit_pull, place)


def _bincount(codes: pd.Series, index: dict[str, int], weights: pd.Series | None = None) -> np.ndarray:
    i = codes.map(index)
    ok = i.notna()
    w = None if weights is None else weights[ok].to_numpy(np.float64)
    return np.bincount(i[ok].astype(int).to_numpy(), weights=w, minlength=len(index)).astype(np.float64)


def _place_counts(counts: pd.DataFrame, firms: pd.DataFrame, t0: pd.Timestamp, city_ix: dict[str, int],
                  unit_ix: dict[str, int]) -> dict[str, np.ndarray]:
    """Per place: branch registrations, registrations of the last :data:`RECENT_YEARS` years (units), and
    firms of the master that existed by ``t0`` with their seat there (a size that does not depend on the
    registry's coverage)."""
    br = counts[counts["branch"].astype(bool)]
    recent = counts[counts["reg_year"] >= t0.year - RECENT_YEARS]
    exists = ((firms["setup_date"] < t0).fillna(False) | (firms["list_date"] < t0).fillna(False)).astype(bool)
    f = firms[exists]
    return {"city_branches": _bincount(br["city_code"], city_ix, br["n"]),
            "unit_branches": _bincount(br["county_code"], unit_ix, br["n"]),
            "unit_recent": _bincount(recent["county_code"], unit_ix, recent["n"]),
            "city_firms": _bincount(f["city_code"], city_ix), "unit_firms": _bincount(f["county_code"].astype("string"), unit_ix)}


def _firm_presence(ent: pd.DataFrame, f: pd.DataFrame, city_ix: dict[str, int], unit_ix: dict[str, int],
                   geo: Geography) -> tuple[np.ndarray, np.ndarray, dict[tuple[int, int], float]]:
    fix = _index(f["firm_id"])
    prov_ix = _index(sorted(set(geo.cities["province_code"])))
    fi = ent["firm_id"].map(fix)
    ci = ent["city_code"].map(city_ix)
    ok = fi.notna() & ci.notna()
    firm_city = np.zeros((len(f), len(city_ix)), dtype=np.float32)
    np.add.at(firm_city, (fi[ok].astype(int).to_numpy(), ci[ok].astype(int).to_numpy()), 1.0)
    pi = ent["city_code"].map(geo.cities.set_index("city_code")["province_code"]).map(prov_ix)
    okp = fi.notna() & pi.notna()
    firm_prov = np.zeros((len(f), len(prov_ix)), dtype=np.float32)
    np.add.at(firm_prov, (fi[okp].astype(int).to_numpy(), pi[okp].astype(int).to_numpy()), 1.0)
    ui = ent["county_code"].map(unit_ix)
    oku = fi.notna() & ui.notna()
    pairs = pd.Series(1.0, index=pd.MultiIndex.from_arrays([fi[oku].astype(int), ui[oku].astype(int)]))
    firm_unit = {(int(a), int(b)): float(v) for (a, b), v in pairs.groupby(level=[0, 1]).sum().items()}
    return firm_city, firm_prov, firm_unit


def _pull(exp: pd.DataFrame, l1_of: pd.Series, l1_ix: dict[str, int], place_ix: dict[str, int], col: str) -> np.ndarray:
    out = np.zeros((len(l1_ix) + 1, len(place_ix)), dtype=np.float32)
    li = exp["firm_id"].map(l1_of).map(l1_ix).fillna(len(l1_ix)).astype(int)
    pi = exp[col].map(place_ix)
    ok = pi.notna()
    np.add.at(out, (li[ok].to_numpy(), pi[ok].astype(int).to_numpy()), 1.0)
    return out


def _place_division(counts: pd.DataFrame, col: str, place_ix: dict[str, int], div_ix: dict[str, int]) -> np.ndarray:
    out = np.zeros((len(place_ix), len(div_ix) + 1), dtype=np.float64)
    pi = counts[col].map(place_ix)
    di = counts["division"].map(div_ix)
    ok = pi.notna() & di.notna()
    np.add.at(out, (pi[ok].astype(int).to_numpy(), di[ok].astype(int).to_numpy()), counts.loc[ok, "n"].to_numpy(np.float64))
    return out


def firm_features(f: pd.DataFrame, hist: pd.DataFrame, exp: pd.DataFrame, all_firms: pd.DataFrame, t0: pd.Timestamp) -> pd.DataFrame:
    """:data:`FIRM_FEATURES` for the universe ``f`` from the history before ``t0`` (``exp``: its expansion rows)."""
    ids = f["firm_id"]
    n_exp = exp.groupby("firm_id").size()
    recent = exp[exp["reg_date"] >= t0 - pd.DateOffset(years=RECENT_YEARS)].groupby("firm_id").size()
    reach = hist.groupby("firm_id")["city_code"].nunique()
    age = ((t0 - f["setup_date"]).dt.days / 365.25).clip(lower=0)
    age = age.fillna(age.median() if age.notna().any() else 0.0)
    l1 = all_firms.set_index("firm_id")["sw_l1_code"]
    mom_rows = exp[exp["reg_date"] >= t0 - pd.DateOffset(years=MOMENTUM_YEARS)]
    per_l1 = mom_rows["firm_id"].map(l1).value_counts()
    size_l1 = f["sw_l1_code"].value_counts()
    rate = (per_l1.reindex(size_l1.index).fillna(0) / size_l1).to_dict()
    prov = all_firms.set_index("firm_id")["province_code"]
    in_home = (exp["province_code"] == exp["firm_id"].map(prov)).groupby(exp["firm_id"]).sum()
    to_cap = exp["city_code"].astype(str).map(lambda c: c[2:4] == "01" or c[2:] == "0000").groupby(exp["firm_id"]).sum()
    n = ids.map(n_exp).fillna(0).to_numpy(np.float64)
    return pd.DataFrame({
        "firm_expansions": np.log1p(ids.map(n_exp).fillna(0).to_numpy(np.float64)),
        "firm_recent": np.log1p(ids.map(recent).fillna(0).to_numpy(np.float64)),
        "firm_reach": np.log1p(ids.map(reach).fillna(0).to_numpy(np.float64)),
        "firm_age": np.log1p(age.to_numpy(np.float64)),
        "firm_listed": (f["list_date"] < t0).fillna(False).astype(np.float64).to_numpy(),
        "industry_momentum": np.log1p(f["sw_l1_code"].map(rate).fillna(0.0).to_numpy(np.float64)),
        # habits (smoothed shares of the firm's earlier expansions): into its home province, into provincial capitals
        "home_share": (ids.map(in_home).fillna(0).to_numpy(np.float64) + 0.5) / (n + 1.0),
        "capital_share": (ids.map(to_cap).fillna(0).to_numpy(np.float64) + 0.5) / (n + 1.0),
    })


# --------------------------------------------------------------------------------------------------
# pair features
# --------------------------------------------------------------------------------------------------
def _home_points(s: Snapshot, fi: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    c = s.geo.cities
    return c["lon"].to_numpy(np.float64)[s.firms["home"].to_numpy()[fi]], c["lat"].to_numpy(np.float64)[s.firms["home"].to_numpy()[fi]]


def _div_col(s: Snapshot, fi: np.ndarray) -> np.ndarray:
    return s.firms["division"].map(s.div_ix).fillna(len(s.div_ix)).astype(int).to_numpy()[fi]


def _l1_row(s: Snapshot, fi: np.ndarray) -> np.ndarray:
    return s.firms["sw_l1_code"].map(s.l1_ix).fillna(len(s.l1_ix)).astype(int).to_numpy()[fi]


def city_grid(s: Snapshot, fi: np.ndarray, ci: np.ndarray) -> dict[str, np.ndarray]:
    """:data:`CITY_FEATURES` for firms ``fi`` × cities ``ci`` (index arrays), each (len(fi), len(ci))."""
    fi, ci = np.asarray(fi, dtype=int), np.asarray(ci, dtype=int)
    cities = s.geo.cities
    prov_ix = _index(sorted(set(cities["province_code"])))
    cprov = cities["province_code"].map(prov_ix).to_numpy()[ci]
    in_city = s.firm_city[np.ix_(fi, ci)].astype(np.float64)
    in_prov = s.firm_prov[np.ix_(fi, cprov)].astype(np.float64) - in_city
    hlon, hlat = _home_points(s, fi)
    d = haversine_km(hlon[:, None], hlat[:, None], cities["lon"].to_numpy(np.float64)[None, ci], cities["lat"].to_numpy(np.float64)[None, ci])
    fprov = s.firms["province_code"].astype(str).to_numpy()[fi]
    cp = cities["province_code"].astype(str).to_numpy()[ci]
    size = s.city_div[ci].sum(axis=1)
    capital = np.array([c[2:4] == "01" or c[2:] == "0000" for c in cities["city_code"].astype(str).to_numpy()[ci]], dtype=np.float64)
    same_prov = (fprov[:, None] == cp[None, :]).astype(np.float64)
    home_share = s.firm_features["home_share"].to_numpy(np.float64)[fi]
    capital_share = s.firm_features["capital_share"].to_numpy(np.float64)[fi]
    return {
        "firm_in_city": np.log1p(in_city),
        "firm_in_province": np.log1p(np.maximum(in_prov, 0.0)),
        "log_distance": np.log1p(np.nan_to_num(d, nan=np.nanmean(d) if np.isfinite(d).any() else 0.0)),
        "same_province": same_prov,
        "same_region": (np.array([p[:1] for p in fprov])[:, None] == np.array([p[:1] for p in cp])[None, :]).astype(np.float64),
        "city_size": np.broadcast_to(np.log1p(size)[None, :], (len(fi), len(ci))),
        "city_division": np.log1p(s.city_div[ci][:, _div_col(s, fi)].T),
        "city_branches": np.broadcast_to(np.log1p(s.place["city_branches"][ci])[None, :], (len(fi), len(ci))),
        "city_firms": np.broadcast_to(np.log1p(s.place["city_firms"][ci])[None, :], (len(fi), len(ci))),
        "is_capital": np.broadcast_to(capital[None, :], (len(fi), len(ci))),
        "city_pull": np.broadcast_to(np.log1p(s.city_pull[:, ci].sum(axis=0))[None, :], (len(fi), len(ci))),
        "city_peer_pull": np.log1p(s.city_pull[_l1_row(s, fi)][:, ci]),
        "network_distance": np.log1p(_network_distance(s, fi, ci)),
        "footprint_affinity": _affinity(s, fi, ci),
        "home_habit": same_prov * home_share[:, None],
        "capital_habit": capital[None, :] * capital_share[:, None],
    }


def _network_distance(s: Snapshot, fi: np.ndarray, ci: np.ndarray) -> np.ndarray:
    """km from each city ``ci`` to the nearest city where firm ``fi`` had an entity before t0 (its home included)."""
    c = s.geo.cities
    lon, lat = c["lon"].to_numpy(np.float64), c["lat"].to_numpy(np.float64)
    dd = np.nan_to_num(haversine_km(lon[:, None], lat[:, None], lon[None, :], lat[None, :]), nan=0.0)
    home = s.firms["home"].to_numpy()
    out = np.empty((len(fi), len(ci)))
    for k, f in enumerate(fi):
        where = np.union1d(np.flatnonzero(s.firm_city[f] > 0), [home[f]])
        out[k] = dd[np.ix_(where, ci)].min(axis=0)
    return out


def _affinity(s: Snapshot, fi: np.ndarray, ci: np.ndarray) -> np.ndarray:
    """Mean cosine similarity between each city ``ci`` and the cities where firm ``fi`` had an entity before t0
    (its home included), the similarity being how often two cities share firms (every firm's footprint before
    t0): firms that are where this firm is went to that city too. Item-based collaborative filtering."""
    pres = (s.firm_city > 0).astype(np.float64)
    home = s.firms["home"].to_numpy()
    pres[np.arange(len(home)), home] = 1.0
    co = pres.T @ pres
    d = np.sqrt(np.diag(co))
    cos = co / np.where(np.outer(d, d) > 0, np.outer(d, d), 1.0)
    np.fill_diagonal(cos, 0.0)
    sub = pres[fi]
    return (sub @ cos[:, ci]) / sub.sum(axis=1, keepdims=True)


def propensity_frame(s: Snapshot, fi: np.ndarray, ci: np.ndarray) -> pd.DataFrame:
    """Long frame, one row per firm × city (firm-major): ``fi``/``ci`` (indices) and
    :data:`PROPENSITY_FEATURES`."""
    fi, ci = np.asarray(fi, dtype=int), np.asarray(ci, dtype=int)
    grid = city_grid(s, fi, ci)
    out = {"fi": np.repeat(fi, len(ci)), "ci": np.tile(ci, len(fi))}
    for name in FIRM_FEATURES:
        out[name] = np.repeat(s.firm_features[name].to_numpy(np.float64)[fi], len(ci))
    for name in CITY_FEATURES:
        out[name] = np.asarray(grid[name], dtype=np.float64).ravel()
    return pd.DataFrame(out)


def unit_frame(s: Snapshot, fi: np.ndarray, ui: np.ndarray) -> pd.DataFrame:
    """:data:`UNIT_FEATURES` for the (firm, unit) pairs ``fi[k], ui[k]`` (index arrays of equal length)."""
    fi, ui = np.asarray(fi, dtype=int), np.asarray(ui, dtype=int)
    units = s.geo.units
    div = _div_col(s, fi)
    tot = s.unit_div.sum(axis=1)
    nat = s.unit_div.sum(axis=0)
    share_u = (s.unit_div[ui, div] + 0.5) / (tot[ui] + 1.0)
    share_n = (nat[div] + 0.5) / (nat.sum() + 1.0)
    known = div < len(s.div_ix)
    hlon, hlat = _home_points(s, fi)
    d = haversine_km(hlon, hlat, units["lon"].to_numpy(np.float64)[ui], units["lat"].to_numpy(np.float64)[ui])
    codes = units["county_code"].astype(str).to_numpy()[ui]
    names = units["county_name"].astype(str).to_numpy()[ui]
    zone = np.array([c[4] == "7" for c in codes], dtype=np.float64)
    return pd.DataFrame({
        "firm_in_unit": np.log1p([s.firm_unit.get((int(a), int(b)), 0.0) for a, b in zip(fi, ui, strict=True)]),
        "unit_size": np.log1p(tot[ui]),
        "unit_recent": np.log1p(s.place["unit_recent"][ui]),
        "unit_division": np.log1p(s.unit_div[ui, div]),
        "unit_rca": np.where(known, np.log(share_u / share_n), 0.0),
        "unit_branches": np.log1p(s.place["unit_branches"][ui]),
        "unit_firms": np.log1p(s.place["unit_firms"][ui]),
        "unit_pull": np.log1p(s.unit_pull[:, ui].sum(axis=0)),
        "unit_peer_pull": np.log1p(s.unit_pull[_l1_row(s, fi), ui]),
        "unit_log_distance": np.log1p(np.nan_to_num(d, nan=0.0)),
        "is_zone": zone,
        "is_district": np.array([n.endswith("区") for n in names], dtype=np.float64) * (1.0 - zone),
    })


# --------------------------------------------------------------------------------------------------
# rankers
# --------------------------------------------------------------------------------------------------
class ExpansionPropensity:
    """Logistic regression of "opens a branch or subsidiary in the city during the window" on
    ``features`` (standardised; ridge ``C`` as in scikit-learn). ``coef_`` / ``intercept_`` are on the
    features' raw scales, so ``decision_function`` is the log-odds ``intercept_ + X @ coef_`` (a missing
    value counts as the training mean)."""

    name = "expansion_propensity"

    def __init__(self, features: Sequence[str] = PROPENSITY_FEATURES, C: float = 1.0) -> None:
        self.features = features
        self.C = C

    def fit(self, X: pd.DataFrame, y: Sequence[float] | np.ndarray) -> ExpansionPropensity:
        from sklearn.linear_model import LogisticRegression

        feats = list(self.features)
        x = X[feats].to_numpy(np.float64)
        mu = np.nanmean(x, axis=0)
        sd = np.nanstd(x, axis=0)
        sd = np.where(sd > 0, sd, 1.0)
        z = np.nan_to_num((x - mu) / sd, nan=0.0)
        m = LogisticRegression(C=self.C, max_iter=2000).fit(z, np.asarray(y, dtype=int))
        b = m.coef_[0] / sd
        self.coef_ = pd.Series(b, index=feats, dtype="float64")
        self.intercept_ = float(m.intercept_[0] - (m.coef_[0] * mu / sd).sum())
        self.mean_ = pd.Series(mu, index=feats, dtype="float64")
        self.n_features_in_ = len(feats)
        self.feature_names_in_ = np.array(feats, dtype=object)
        return self

    def decision_function(self, X: pd.DataFrame) -> np.ndarray:
        x = X[list(self.coef_.index)].to_numpy(np.float64)
        x = np.where(np.isnan(x), self.mean_.to_numpy()[None, :], x)
        return self.intercept_ + x @ self.coef_.to_numpy()

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.name, "C": self.C, "coef": self.coef_.to_dict(), "intercept": self.intercept_, "mean": self.mean_.to_dict()}

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> ExpansionPropensity:
        m = cls(list(d["coef"]), float(d["C"]))
        m.coef_ = pd.Series(d["coef"], dtype="float64")
        m.intercept_ = float(d["intercept"])
        m.mean_ = pd.Series(d["mean"], dtype="float64")
        m.n_features_in_ = len(m.coef_)
        m.feature_names_in_ = np.array(list(m.coef_.index), dtype=object)
        return m


class PlaceChoice:
    """McFadden's conditional logit: which place (row) of each choice set (``group_col``) is chosen.
    ``coef_`` on raw scales; ``decision_function`` is the utility ``(X − center_) @ coef_`` (comparable
    within a choice set only; :func:`log_probabilities` normalises it)."""

    name = "place_choice"

    def __init__(self, features: Sequence[str] = UNIT_FEATURES, l2: float = 1.0, group_col: str = "group") -> None:
        self.features = features
        self.l2 = l2
        self.group_col = group_col

    def fit(self, X: pd.DataFrame, y: Sequence[float] | np.ndarray) -> PlaceChoice:
        feats = list(self.features)
        x3, valid, truth = pack_choice_sets(X, np.asarray(y, dtype=np.float64), feats, self.group_col)
        xs, mu, sd = standardise(x3, valid)
        w = fit_conditional_logit(xs, valid, truth, l2=self.l2)
        self.coef_ = pd.Series(w / sd, index=feats, dtype="float64")
        self.center_ = pd.Series(mu, index=feats, dtype="float64")
        self.n_features_in_ = len(feats)
        self.feature_names_in_ = np.array(feats, dtype=object)
        return self

    def decision_function(self, X: pd.DataFrame) -> np.ndarray:
        x = np.nan_to_num(X[list(self.coef_.index)].to_numpy(np.float64), nan=0.0)
        return (x - self.center_.to_numpy()[None, :]) @ self.coef_.to_numpy()

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.name, "l2": self.l2, "coef": self.coef_.to_dict(), "center": self.center_.to_dict()}

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> PlaceChoice:
        m = cls(list(d["coef"]), float(d["l2"]))
        m.coef_ = pd.Series(d["coef"], dtype="float64")
        m.center_ = pd.Series(d["center"], dtype="float64")
        m.n_features_in_ = len(m.coef_)
        m.feature_names_in_ = np.array(list(m.coef_.index), dtype=object)
        return m


def log_probabilities(utility: np.ndarray, groups: np.ndarray) -> np.ndarray:
    """log P(row | its group) = utility − logsumexp(utility over the group)."""
    u = pd.Series(np.asarray(utility, dtype=np.float64))
    g = pd.Series(np.asarray(groups))
    mx = u.groupby(g).transform("max")
    lse = np.log(np.exp(u - mx).groupby(g).transform("sum")) + mx
    return (u - lse).to_numpy()
