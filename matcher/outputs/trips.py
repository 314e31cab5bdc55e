"""Outbound visit planner (出访行程): whom to visit, in which order, on which day.

A planning delegation leaves its home city (e.g. 秦皇岛) for a few days to visit target firms in other
cities (走出去). This module turns the ranking of :func:`matcher.model.match.score_matches` into an
itinerary a planner can hand out:

1. **targets** — :func:`select_targets`: the best-ranked firms whose home is in the requested cities
   (``--cities`` or a region group of ``data/regions_groups.yaml``), must-visit firms first
   (:func:`resolve_must_visit`: named by the user, fuzzy-matched, ambiguous names are an error);
2. **route** — :func:`route`: the order of the cities, from the home city and back, minimising total
   travel time (exact for up to :data:`EXACT_TSP_MAX` cities, else networkx's Christofides
   approximation); deterministic (ties break by the city-code sequence);
3. **days** — :func:`schedule`: visits assigned to days in route order within the day's capacity
   (``visits_per_day`` and a working-hours budget that includes travel between cities);
   :func:`plan_trip` adds visits greedily, best score first, keeping only those that still fit;
4. **outputs** — :func:`write_xlsx`, :func:`to_markdown`, :func:`to_json` (one :class:`TripPlan`).

Travel time is an **assumption**, not a timetable (no rail network is available offline): great-circle
distance × a detour factor / an average rail speed + a fixed overhead per leg (to and from stations,
waiting). Every assumption lives in :class:`TripAssumptions`, is printed with the plan and is a CLI
option. Addresses come from the exchange lists (SZSE 2025 registered address, else the 2015 listed-firm
address file); where neither has one the plan says ``地址不详`` — nothing is invented.
"""

from __future__ import annotations

import itertools
import json
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import networkx as nx
import numpy as np
import pandas as pd

from matcher import geo
from matcher.model.match import best_landing
from matcher.outputs.safe import excel_writer, md_text
from matcher.outputs.safe import out_dir as ensure_out_dir

__all__ = [
    "EXACT_TSP_MAX",
    "NO_ADDRESS",
    "RANKED_COLUMNS",
    "Schedule",
    "TripAssumptions",
    "TripError",
    "TripPlan",
    "build_trip",
    "firm_addresses",
    "plan_trip",
    "ranked_targets",
    "region_cities",
    "resolve_cities",
    "resolve_must_visit",
    "route",
    "schedule",
    "select_targets",
    "to_json",
    "to_markdown",
    "travel_time_fn",
    "write_trip",
    "write_xlsx",
]

#: up to this many cities (besides home) the route is exact (all orders tried: 8! = 40,320)
EXACT_TSP_MAX = 8
NO_ADDRESS = "地址不详"

#: the ranked-target frame :func:`plan_trip` reads (one row per firm); only the first four are required
RANKED_COLUMNS: list[str] = [
    "firm_id", "name", "home_city_code", "score",
    "home_city", "legal_name", "stock_code", "county_name", "chain", "segment", "chain_basis",
    "industry", "reasons", "address", "address_source", "national_rank",
]  # fmt: skip
_REQUIRED = RANKED_COLUMNS[:4]


class TripError(ValueError):
    """An infeasible or ill-posed trip request; the message says what to change."""


# --------------------------------------------------------------------------------------------------
# assumptions and travel time
# --------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class TripAssumptions:
    """Everything the plan assumes, in one place (the CLI exposes each field as an option).

    Defaults: 高铁 averages about 200 km/h over a whole journey including stops; rail lines are
    about 1.3 × the straight line; each city-to-city leg costs an hour more for getting to and from
    stations and waiting. A visit (meeting + site tour) takes 1.5 h plus 0.5 h to get there inside
    the city. Visits happen in business hours (within ``visit_window_hours`` = 10 h of the day's
    start, 08:00–18:00); trains may run until ``day_hours`` = 12 h after it (20:00), the day's whole
    budget, travel included.
    """

    rail_speed_kmh: float = 200.0
    detour_factor: float = 1.3
    leg_overhead_hours: float = 1.0
    visit_hours: float = 1.5
    local_transfer_hours: float = 0.5
    day_hours: float = 12.0
    visit_window_hours: float = 10.0
    day_start_hour: float = 8.0
    visits_per_day: int = 4
    backups_per_city: int = 2

    def __post_init__(self) -> None:
        for name in ("rail_speed_kmh", "detour_factor", "visit_hours", "day_hours", "visit_window_hours"):
            if not getattr(self, name) > 0:
                raise TripError(f"assumption {name} must be > 0 (got {getattr(self, name)})")
        for name in ("leg_overhead_hours", "local_transfer_hours", "backups_per_city"):
            if getattr(self, name) < 0:
                raise TripError(f"assumption {name} must be >= 0 (got {getattr(self, name)})")
        if self.visits_per_day < 1:
            raise TripError(f"visits per day must be >= 1 (got {self.visits_per_day})")
        if self.visit_window_hours > self.day_hours:
            raise TripError("visit_window_hours (business hours for visits) cannot exceed day_hours (the whole day)")
        if self.visit_hours + self.local_transfer_hours > self.visit_window_hours:
            raise TripError("one visit (visit_hours + local_transfer_hours) does not fit into the visiting hours (visit_window_hours)")

    @property
    def visit_block_hours(self) -> float:
        """Hours one visit takes out of a day (the visit itself plus getting there)."""
        return self.visit_hours + self.local_transfer_hours

    def describe(self) -> list[str]:
        """The assumptions as sentences for the itinerary (Chinese)."""
        return [
            f"城际交通：按直线距离×{self.detour_factor:g}（绕行系数）÷{self.rail_speed_kmh:g}公里/小时（高铁全程平均速度）"
            f"估算，每段另加{self.leg_overhead_hours:g}小时（往返车站、候车）；为估算，非实际车次",
            f"每次拜访{self.visit_hours:g}小时，另加市内交通{self.local_transfer_hours:g}小时",
            f"拜访安排在{_clock(self.day_start_hour)}–{_clock(self.day_start_hour + self.visit_window_hours)}，每天最多拜访{self.visits_per_day}家；"
            f"城际交通可延至{_clock(self.day_start_hour + self.day_hours)}（每天合计不超过{self.day_hours:g}小时）",
            f"每个城市列出{self.backups_per_city}家备选企业，以备临时调整",
        ]


def travel_time_fn(points: Mapping[str, tuple[float, float]], assumptions: TripAssumptions) -> Callable[[str, str], float]:
    """Hours between two places of ``points`` (code → (lon, lat)) under ``assumptions``; 0 within a place."""

    def hours(a: str, b: str) -> float:
        if a == b:
            return 0.0
        if a not in points or b not in points:
            missing = a if a not in points else b
            raise TripError(f"no coordinates for {missing!r}")
        km = geo.point_km(points[a], points[b])
        return assumptions.leg_overhead_hours + km * assumptions.detour_factor / assumptions.rail_speed_kmh

    return hours


def _distance_km(points: Mapping[str, tuple[float, float]], a: str, b: str) -> float:
    if a == b or a not in points or b not in points:
        return 0.0
    return geo.point_km(points[a], points[b])


def _clock(hours: float) -> str:
    m = int(round(hours * 60))
    return f"{m // 60:02d}:{m % 60:02d}"


# --------------------------------------------------------------------------------------------------
# route
# --------------------------------------------------------------------------------------------------
def _tour_cost(tour: Sequence[str], tt: Callable[[str, str], float]) -> float:
    return float(sum(tt(a, b) for a, b in itertools.pairwise(tour)))


def route(home: str, cities: Sequence[str], travel_time_fn: Callable[[str, str], float], *, exact_max: int = EXACT_TSP_MAX) -> list[str]:
    """The order of ``cities`` from ``home`` and back with the least total travel time.

    Returns ``[home, c1, …, ck, home]`` (``[home, home]`` when there is nothing to visit). Exact (every
    order) for up to ``exact_max`` cities, else networkx's Christofides approximation (within 1.5 × the
    optimum for metric times, which great-circle times are). Deterministic: cities are deduplicated and
    sorted first, and among equally short tours the one with the smaller city-code sequence wins (so
    of a tour and its reverse, the same one is always chosen).
    """
    stops = sorted({str(c) for c in cities} - {str(home)})
    if not stops:
        return [home, home]
    if len(stops) <= exact_max:
        nodes = [home, *stops]
        m = np.array([[travel_time_fn(a, b) for b in nodes] for a in nodes], dtype=np.float64)
        # every order at once; permutations come in lexicographic order of the sorted stops, so the
        # first minimum is the one with the smallest city-code sequence
        perms = np.array(list(itertools.permutations(range(1, len(nodes)))), dtype=np.int64)
        cost = m[0, perms[:, 0]] + m[perms[:, -1], 0]
        if perms.shape[1] > 1:
            cost = cost + m[perms[:, :-1], perms[:, 1:]].sum(axis=1)
        best = int(np.flatnonzero(np.round(cost, 9) == np.round(cost, 9).min())[0])
        return [home, *(nodes[i] for i in perms[best]), home]
    g = nx.Graph()
    nodes = [home, *stops]
    g.add_nodes_from(nodes)
    for a, b in itertools.combinations(nodes, 2):
        g.add_edge(a, b, weight=(travel_time_fn(a, b) + travel_time_fn(b, a)) / 2)
    cycle = nx.approximation.traveling_salesman_problem(g, weight="weight", nodes=nodes, cycle=True, method=nx.approximation.christofides)
    cycle = cycle[:-1] if cycle[0] == cycle[-1] else cycle
    # drop repeated nodes (shortcutting keeps a metric tour no longer), rotate to start at home
    seen: list[str] = []
    for n in cycle:
        if n not in seen:
            seen.append(n)
    i = seen.index(home)
    order = seen[i + 1:] + seen[:i]
    fwd, back = tuple(order), tuple(reversed(order))
    cf = round(_tour_cost((home, *fwd, home), travel_time_fn), 9)
    cb = round(_tour_cost((home, *back, home), travel_time_fn), 9)
    chosen = min((cf, fwd), (cb, back))[1]
    return [home, *chosen, home]


# --------------------------------------------------------------------------------------------------
# days
# --------------------------------------------------------------------------------------------------
@dataclass
class Schedule:
    """Events of a trip, day by day. ``feasible`` is False (with ``problem`` saying why) when the
    route and visits do not fit into ``days`` under the assumptions."""

    feasible: bool
    problem: str
    days_used: int
    events: pd.DataFrame  # day, kind (travel/visit), from_code, to_code, city_code, firm_id, start_h, end_h, hours

    def day_totals(self) -> pd.DataFrame:
        """day, visits, visit_hours, travel_hours, total_hours (hours from the day's start to its last
        event), visits_end_h (hours from the day's start to the end of its last visit)."""
        e = self.events
        rows = []
        for d in range(1, self.days_used + 1):
            g = e[e["day"] == d]
            visits = g[g["kind"] == "visit"]
            travel = g[g["kind"] == "travel"]
            rows.append({
                "day": d, "visits": len(visits), "visit_hours": float(visits["hours"].sum()),
                "travel_hours": float(travel["hours"].sum()),
                "total_hours": float(g["end_h"].max()) if len(g) else 0.0,
                "visits_end_h": float(visits["end_h"].max()) if len(visits) else 0.0,
            })
        return pd.DataFrame(rows, columns=["day", "visits", "visit_hours", "travel_hours", "total_hours", "visits_end_h"])


_EVENT_COLUMNS = ["day", "kind", "from_code", "to_code", "city_code", "firm_id", "start_h", "end_h", "hours"]


def schedule(
    route: Sequence[str],
    visits_by_city: Mapping[str, Sequence[str]],
    days: int,
    visits_per_day: int,
    assumptions: TripAssumptions,
    travel_time_fn: Callable[[str, str], float],
) -> Schedule:
    """Lay the route out over days: travel to each city in turn, visit its firms (in the given order),
    and return home.

    A day holds at most ``visits_per_day`` visits (``visit_hours + local_transfer_hours`` each), all
    ending within ``visit_window_hours`` of the day's start, and at most ``day_hours`` of activity,
    travel included. A leg that no longer fits today is taken first thing the next morning; a leg that
    fits is taken today (an evening train after the visits).
    The return home must end within ``days``. Never raises for an over-full trip: the result says
    ``feasible=False`` and why, so a planner can try fewer visits.
    """
    a = assumptions
    ev: list[dict[str, Any]] = []
    day, t, n = 1, 0.0, 0
    problem = ""
    stops = list(route)
    if len(stops) < 2 or stops[0] != stops[-1]:
        raise TripError("a route starts and ends at the home city")
    cur = stops[0]
    block = a.visit_block_hours
    for k, city in enumerate(stops[1:], start=1):
        leg = float(travel_time_fn(cur, city))
        if leg > a.day_hours + 1e-9:
            problem = f"leg {cur}→{city} takes {leg:.1f} h, more than a working day ({a.day_hours:g} h)"
            break
        if leg > 0:
            if t + leg > a.day_hours + 1e-9:
                day, t, n = day + 1, 0.0, 0
            ev.append({"day": day, "kind": "travel", "from_code": cur, "to_code": city, "city_code": None,
                       "firm_id": None, "start_h": t, "end_h": t + leg, "hours": leg})
            t += leg
        cur = city
        if k == len(stops) - 1:
            break
        for firm in visits_by_city.get(city, ()):
            if n >= visits_per_day or t + block > a.visit_window_hours + 1e-9:
                day, t, n = day + 1, 0.0, 0
            ev.append({"day": day, "kind": "visit", "from_code": None, "to_code": None, "city_code": city,
                       "firm_id": str(firm), "start_h": t, "end_h": t + block, "hours": block})
            t += block
            n += 1
    if not problem and day > days:
        problem = f"needs {day} days, {days} available"
    events = pd.DataFrame(ev, columns=_EVENT_COLUMNS)
    return Schedule(feasible=not problem, problem=problem, days_used=day, events=events)


# --------------------------------------------------------------------------------------------------
# targets
# --------------------------------------------------------------------------------------------------
def _norm(text: object) -> str:
    from matcher.firms.names import clean_text

    if text is None or text is pd.NA or (isinstance(text, float) and math.isnan(text)):
        return ""
    return clean_text(str(text)).lower()


def resolve_must_visit(names: Sequence[str], firms: pd.DataFrame) -> list[str]:
    """firm_id for each user-named firm (short name, legal name or stock code), in the given order.

    Exact (after width/space normalisation) matches win; else names containing the query (or
    contained in it); else rapidfuzz's WRatio ≥ 80. More than one firm left → :class:`TripError`
    listing the candidates (with city and stock code) so the user can be precise; none → error with
    the closest names.
    """
    from rapidfuzz import fuzz, process

    if not names:
        return []
    f = firms.drop_duplicates("firm_id").reset_index(drop=True)
    cols = [c for c in ("name", "legal_name", "stock_code") if c in f.columns]
    keys = {c: f[c].map(_norm) for c in cols}

    def describe(idx: Sequence[int]) -> str:
        out = []
        for i in idx[:10]:
            r = f.iloc[i]
            bits = [str(r.get("name"))]
            for c in ("legal_name", "city", "stock_code"):
                v = r.get(c)
                if v is not None and not (isinstance(v, float) and math.isnan(v)) and v is not pd.NA and str(v) != bits[0]:
                    bits.append(str(v))
            out.append(" / ".join(bits))
        more = f" … and {len(idx) - 10} more" if len(idx) > 10 else ""
        return "; ".join(out) + more

    ids: list[str] = []
    for raw in names:
        q = _norm(raw)
        if not q:
            continue
        exact = sorted({i for c in cols for i in np.flatnonzero((keys[c] == q).to_numpy())})
        hits = exact
        if not hits:
            sub = set()
            for c in ("name", "legal_name"):
                if c in keys:
                    k = keys[c]
                    sub |= set(np.flatnonzero(k.map(lambda s, q=q: bool(s) and (q in s or (len(s) >= 2 and s in q))).to_numpy()))
            hits = sorted(sub)
        if not hits:
            choices = {i: keys["name"].iloc[i] for i in range(len(f)) if keys["name"].iloc[i]}
            found = process.extract(q, choices, scorer=fuzz.WRatio, limit=5, score_cutoff=80)
            if found:
                top = found[0][1]
                hits = sorted(int(k) for _, s, k in found if s >= top - 2)
            else:
                near = process.extract(q, choices, scorer=fuzz.WRatio, limit=5)
                raise TripError(f"must-visit firm {raw!r} not found in the firm master; closest: "
                                f"{describe([int(k) for _, _, k in near]) or 'none'}")
        if len(hits) > 1:
            raise TripError(f"must-visit firm {raw!r} is ambiguous ({len(hits)} firms match): {describe(hits)}; "
                            "give the full name or the stock code")
        fid = str(f["firm_id"].iloc[hits[0]])
        if fid not in ids:
            ids.append(fid)
    return ids


def select_targets(ranked: pd.DataFrame, cities: Sequence[str], n_needed: int, must_visit: Sequence[str] = (), *, backups: int = 0) -> pd.DataFrame:
    """The candidate pool of a trip, in priority order: must-visit firms (in the given order), then the
    firms whose home city is in ``cities`` by score (desc), firm_id (asc).

    ``n_needed`` caps the non-must candidates per city (a trip of ``n_needed`` visits never needs more
    from one city) plus ``backups`` per city. Columns: those of ``ranked`` plus ``priority`` (1 = first),
    ``city_rank`` (rank within its city) and ``must_visit``. Must-visit firms missing from ``ranked`` →
    :class:`TripError` (e.g. a firm of the home city, which the ranking leaves out).
    """
    missing = [c for c in _REQUIRED if c not in ranked.columns]
    if missing:
        raise TripError(f"ranked targets lack columns {missing}")
    r = ranked.drop_duplicates("firm_id").copy()
    r["home_city_code"] = r["home_city_code"].astype("string")
    known = set(r["firm_id"].astype(str))
    absent = [m for m in must_visit if m not in known]
    if absent:
        raise TripError(f"must-visit firm(s) {absent} are not among the ranked targets (a firm of the home city, or "
                        "one without a known home city, cannot be an outbound visit)")
    cityset = {str(c) for c in cities}
    must = r.set_index("firm_id").loc[list(must_visit)].reset_index() if must_visit else r.iloc[0:0]
    rest = r[r["home_city_code"].isin(cityset) & ~r["firm_id"].isin(list(must_visit))]
    rest = rest.sort_values(["score", "firm_id"], ascending=[False, True], kind="stable")
    rest = rest.groupby("home_city_code", sort=False).head(max(int(n_needed), 0) + max(int(backups), 0))
    out = pd.concat([must.assign(must_visit=True), rest.assign(must_visit=False)], ignore_index=True)
    out["priority"] = np.arange(1, len(out) + 1, dtype="int64")
    ordered = out.sort_values(["home_city_code", "must_visit", "score", "firm_id"], ascending=[True, False, False, True], kind="stable")
    out["city_rank"] = (ordered.groupby("home_city_code", sort=False).cumcount() + 1).reindex(out.index).astype("int64")
    return out.reset_index(drop=True)


# --------------------------------------------------------------------------------------------------
# the plan
# --------------------------------------------------------------------------------------------------
@dataclass
class TripPlan:
    """A planned trip: route, visits by day, backups, travel legs, totals and the assumptions."""

    home_code: str
    home_name: str
    route: list[str]  # codes, home first and last
    city_names: dict[str, str]
    days: int
    start: date | None
    assumptions: TripAssumptions
    visits: pd.DataFrame  # one row per visit (see VISIT_COLUMNS)
    legs: pd.DataFrame  # one row per city-to-city leg
    day_summary: pd.DataFrame  # one row per day
    backups: pd.DataFrame  # per city, the next candidates
    notes: list[str] = field(default_factory=list)

    @property
    def totals(self) -> dict[str, Any]:
        return {
            "days_planned": int(self.day_summary["day"].max()) if len(self.day_summary) else 0,
            "days_available": self.days,
            "cities": len(self.route) - 2,
            "visits": len(self.visits),
            "must_visits": int(self.visits["must_visit"].sum()) if len(self.visits) else 0,
            "travel_km": round(float(self.legs["distance_km"].sum()), 1) if len(self.legs) else 0.0,
            "travel_hours": round(float(self.legs["hours"].sum()), 2) if len(self.legs) else 0.0,
            "visit_hours": round(float(self.day_summary["visit_hours"].sum()), 2) if len(self.day_summary) else 0.0,
            "capacity_visits": self.days * self.assumptions.visits_per_day,
        }

    def day_label(self, day: int) -> str:
        if self.start is None:
            return f"第{day}天"
        d = self.start + timedelta(days=day - 1)
        return f"第{day}天（{d.isoformat()}）"


VISIT_COLUMNS = [
    "day", "date", "order", "time", "city_code", "city", "firm_id", "name", "legal_name", "stock_code", "address",
    "address_source", "county_name", "chain", "segment", "score", "trip_rank", "national_rank", "must_visit", "why",
]  # fmt: skip


def _s(row: Mapping[str, Any], col: str) -> str | None:
    v = row.get(col)
    if v is None or v is pd.NA or (isinstance(v, float) and math.isnan(v)):
        return None
    s = str(v)
    return s or None


def why_text(row: Mapping[str, Any], trip_rank: int, home_name: str) -> str:
    """Why this firm, in a planner's words: must-visit, rank, chain link, the county it fits, the
    model's reasons. Never empty: the rank and score are always there."""
    parts: list[str] = []
    if bool(row.get("must_visit")):
        parts.append("用户指定必访")
    parts.append(f"本次出访候选第{trip_rank}名（匹配得分{float(row['score']):.3f}"
                 + (f"，全国候选第{int(row['national_rank'])}名" if _s(row, "national_rank") else "") + "）")
    chain, seg = _s(row, "chain"), _s(row, "segment")
    if chain:
        basis = _s(row, "chain_basis")
        parts.append(f"产业链：{chain}" + (f"·{seg}" if seg and seg != chain else "") + (f"（{basis}）" if basis else ""))
    elif _s(row, "industry"):
        parts.append(f"行业：{_s(row, 'industry')}")
    county = _s(row, "county_name")
    if county:
        parts.append(f"建议落地{home_name}{county}" if not county.startswith(home_name) else f"建议落地{county}")
    reasons = _s(row, "reasons")
    if reasons:
        parts.append(reasons)
    return "；".join(parts)


def _trip_pool(home: str, cities: Sequence[str], ranked: pd.DataFrame, points: Mapping[str, tuple[float, float]],
               days: int, a: TripAssumptions, must_visit: Sequence[str], names: dict[str, str],
               ) -> tuple[pd.DataFrame, list[str], list[str], list[str]]:
    """(candidate firms, cities of the trip, cities without targets, notes) of a request, refusing one that
    cannot be planned (no days, no destination, no points, too many must-visits, no targets at all)."""
    if days < 1:
        raise TripError(f"days must be >= 1 (got {days})")
    cityset = [str(c) for c in dict.fromkeys(cities) if str(c) != home]
    if not cityset:
        raise TripError("no destination city other than the home city")
    if home not in points:
        raise TripError(f"no coordinates for the home city {names.get(home, home)} ({home})")
    capacity = days * a.visits_per_day
    if len(must_visit) > capacity:
        raise TripError(f"{len(must_visit)} must-visit firms but only {days} days × {a.visits_per_day} visits = {capacity} "
                        "slots; give fewer must-visits or more days")
    pool = select_targets(ranked, cityset, capacity, must_visit, backups=a.backups_per_city)
    notes: list[str] = []
    # must-visit firms outside the requested cities add their city (said in the notes)
    extra = [c for c in pool.loc[pool["must_visit"], "home_city_code"].astype(str) if c not in cityset]
    for c in dict.fromkeys(extra):
        if c == home or c not in points:
            raise TripError(f"a must-visit firm is based in {names.get(c, c)} ({c}), which is "
                            + ("the home city" if c == home else "a city without coordinates"))
        cityset.append(c)
        notes.append(f"{names.get(c, c)}不在所选城市中，因必访企业在此而加入行程")
    empty = [c for c in cityset if not (pool["home_city_code"].astype(str) == c).any()]
    if len(empty) == len(cityset):
        raise TripError("no target firms are based in " + "、".join(names.get(c, c) for c in cityset)
                        + " (the ranking has none there); choose other cities or a region")
    for c in empty:
        notes.append(f"{names.get(c, c)}：无排名目标企业，未安排行程")
    for c in cityset:
        if c not in empty and c not in points:
            raise TripError(f"no coordinates for city {names.get(c, c)} ({c})")
    return pool, cityset, empty, notes


def plan_trip(
    home: str,
    cities: Sequence[str],
    ranked: pd.DataFrame,
    points: Mapping[str, tuple[float, float]],
    days: int,
    *,
    assumptions: TripAssumptions | None = None,
    must_visit: Sequence[str] = (),
    cover_all: bool = True,
    city_names: Mapping[str, str] | None = None,
    start: date | None = None,
    max_per_city: int | None = None,
) -> TripPlan:
    """Plan a trip from ``home`` (a city code with a point) to firms of ``cities`` over ``days``.

    ``ranked``: one row per firm (:data:`RANKED_COLUMNS`; ``home_city_code`` and ``score`` decide);
    ``points``: code → (lon, lat) for home and every city; ``must_visit``: firm_ids that must be in the
    plan. Greedy and deterministic: must-visits first, then (``cover_all``) the best firm of each city,
    then every remaining candidate best score first, each kept only if the whole trip — re-routed —
    still fits into ``days``. ``cover_all=False`` (a region) lets cities drop out.

    Raises :class:`TripError` when ``days < 1``, there are no targets in the cities, the must-visits
    alone exceed ``days × visits_per_day`` or do not fit, or (``cover_all``) the cities cannot all be
    visited in ``days``.
    """
    a = assumptions or TripAssumptions()
    names = dict(city_names or {})
    names.setdefault(home, home)
    capacity = days * a.visits_per_day
    pool, cityset, empty, notes = _trip_pool(home, cities, ranked, points, days, a, must_visit, names)
    tt_raw = travel_time_fn(points, a)
    tt_cache: dict[tuple[str, str], float] = {}

    def tt(x: str, y: str) -> float:
        if (x, y) not in tt_cache:
            tt_cache[(x, y)] = tt_raw(x, y)
        return tt_cache[(x, y)]

    routes: dict[frozenset[str], list[str]] = {}

    def try_plan(chosen: Mapping[str, list[str]]) -> tuple[list[str], Schedule]:
        key = frozenset(c for c, v in chosen.items() if v)
        if key not in routes:
            routes[key] = route(home, sorted(key), tt)
        return routes[key], schedule(routes[key], chosen, days, a.visits_per_day, a, tt)

    rows = pool.set_index("firm_id")
    chosen: dict[str, list[str]] = {}

    def add(fid: str) -> dict[str, list[str]]:
        c = str(rows.at[fid, "home_city_code"])
        trial = {k: list(v) for k, v in chosen.items()}
        trial.setdefault(c, []).append(fid)
        return trial

    for fid in pool.loc[pool["must_visit"], "firm_id"]:
        chosen = add(str(fid))
    if chosen:
        _, sch = try_plan(chosen)
        if not sch.feasible:
            raise TripError(f"the {len(must_visit)} must-visit firms do not fit into {days} days ({sch.problem}); "
                            "give more days, fewer must-visits, or change the assumptions (e.g. --day-hours)")
    if cover_all:
        seeds = pool[~pool["must_visit"]].drop_duplicates("home_city_code")
        for r in seeds.itertuples():
            if str(r.home_city_code) in chosen:
                continue
            trial = add(str(r.firm_id))
            _, sch = try_plan(trial)
            if not sch.feasible:
                raise TripError(f"visiting all {len(cityset) - len(empty)} cities with firms needs more than {days} days "
                                f"({sch.problem} when adding {names.get(str(r.home_city_code), r.home_city_code)}); "
                                "give more days, fewer cities, or a region (cities may then drop out)")
            chosen = trial
    for r in pool[~pool["must_visit"]].itertuples():
        if sum(len(v) for v in chosen.values()) >= capacity:
            break
        fid, c = str(r.firm_id), str(r.home_city_code)
        if fid in chosen.get(c, []):
            continue
        if max_per_city is not None and len(chosen.get(c, [])) >= max_per_city:
            continue
        trial = add(fid)
        if try_plan(trial)[1].feasible:
            chosen = trial
    if not chosen:
        raise TripError(f"not one visit fits into {days} days under the assumptions; give more days or change --day-hours")
    # visit order within a city: must-visits first, then by score
    order = {str(f): i for i, f in enumerate(pool.sort_values(["must_visit", "score", "firm_id"], ascending=[False, False, True], kind="stable")["firm_id"])}
    chosen = {c: sorted(v, key=lambda f: order[f]) for c, v in chosen.items()}
    rt, sch = try_plan(chosen)
    assert sch.feasible, sch.problem
    # rank among every ranked firm of the trip's cities (the pool is capped per city)
    scope = ranked[ranked["home_city_code"].astype("string").isin(cityset) | ranked["firm_id"].isin(list(must_visit))]
    scope = scope.drop_duplicates("firm_id").sort_values(["score", "firm_id"], ascending=[False, True], kind="stable")
    trip_rank = {str(f): i + 1 for i, f in enumerate(scope["firm_id"])}
    return _assemble(home, rt, names, days, start, a, pool, sch, notes, points, trip_rank)


def _assemble(home: str, rt: list[str], names: dict[str, str], days: int, start: date | None, a: TripAssumptions,
              pool: pd.DataFrame, sch: Schedule, notes: list[str], points: Mapping[str, tuple[float, float]],
              trip_rank: Mapping[str, int]) -> TripPlan:
    rows = pool.set_index("firm_id")
    ev = sch.events
    visits = ev[ev["kind"] == "visit"].copy()
    visits["order"] = visits.groupby("day").cumcount() + 1
    home_name = names.get(home, home).removesuffix("市")
    recs = []
    for e in visits.itertuples():
        r = rows.loc[e.firm_id].to_dict()
        r["must_visit"] = bool(r.get("must_visit"))
        d = start + timedelta(days=int(e.day) - 1) if start else None
        recs.append({
            "day": int(e.day), "date": d.isoformat() if d else None, "order": int(e.order),
            "time": f"{_clock(a.day_start_hour + e.start_h)}–{_clock(a.day_start_hour + e.end_h)}",
            "city_code": e.city_code, "city": names.get(e.city_code, e.city_code), "firm_id": e.firm_id,
            "name": _s(r, "name"), "legal_name": _s(r, "legal_name"), "stock_code": _s(r, "stock_code"),
            "address": _s(r, "address") or NO_ADDRESS, "address_source": _s(r, "address_source"),
            "county_name": _s(r, "county_name"), "chain": _s(r, "chain"), "segment": _s(r, "segment"),
            "score": round(float(r["score"]), 4), "trip_rank": trip_rank[e.firm_id],
            "national_rank": int(r["national_rank"]) if _s(r, "national_rank") else None,
            "must_visit": r["must_visit"], "why": why_text(r, trip_rank[e.firm_id], home_name),
        })
    vis = pd.DataFrame(recs, columns=VISIT_COLUMNS)
    legs = ev[ev["kind"] == "travel"].copy()
    legs = pd.DataFrame({
        "day": legs["day"].astype("int64"), "from_code": legs["from_code"], "to_code": legs["to_code"],
        "from": [names.get(c, c) for c in legs["from_code"]], "to": [names.get(c, c) for c in legs["to_code"]],
        "distance_km": [round(_distance_km(points, f, t), 1) for f, t in zip(legs["from_code"], legs["to_code"], strict=True)],
        "hours": legs["hours"].round(2),
        "time": [f"{_clock(a.day_start_hour + s)}–{_clock(a.day_start_hour + t)}" for s, t in zip(legs["start_h"], legs["end_h"], strict=True)],
    }).reset_index(drop=True)
    summary = sch.day_totals()
    day_cities = []
    for d in summary["day"]:
        g = ev[ev["day"] == d]
        seq: list[str] = []
        for r in g.itertuples():
            c = r.city_code if r.kind == "visit" else r.to_code
            if not seq or seq[-1] != c:
                seq.append(c)
        if len(g) and g.iloc[0]["kind"] == "travel":
            seq.insert(0, g.iloc[0]["from_code"])
        day_cities.append("→".join(names.get(c, c) for c in seq))
    summary.insert(1, "date", [(start + timedelta(days=int(d) - 1)).isoformat() if start else None for d in summary["day"]])
    summary.insert(2, "cities", day_cities)
    summary["within_capacity"] = ((summary["visits"] <= a.visits_per_day) & (summary["total_hours"] <= a.day_hours + 1e-9)
                                  & (summary["visits_end_h"] <= a.visit_window_hours + 1e-9))
    for c in ("visit_hours", "travel_hours", "total_hours", "visits_end_h"):
        summary[c] = summary[c].round(2)
    # backups: per routed city, the next candidates not visited
    visited = set(vis["firm_id"])
    brows = []
    for c in rt[1:-1]:
        cand = pool[(pool["home_city_code"].astype(str) == c) & ~pool["firm_id"].isin(visited)]
        cand = cand.sort_values(["score", "firm_id"], ascending=[False, True], kind="stable").head(a.backups_per_city)
        for k, r in enumerate(cand.to_dict(orient="records"), start=1):
            brows.append({
                "city_code": c, "city": names.get(c, c), "backup": k, "firm_id": r["firm_id"], "name": _s(r, "name"),
                "address": _s(r, "address") or NO_ADDRESS, "county_name": _s(r, "county_name"),
                "score": round(float(r["score"]), 4), "trip_rank": trip_rank[str(r["firm_id"])],
                "why": why_text({**r, "must_visit": False}, trip_rank[str(r["firm_id"])], home_name),
            })
    backups = pd.DataFrame(brows, columns=["city_code", "city", "backup", "firm_id", "name", "address", "county_name", "score", "trip_rank", "why"])
    unrouted = sorted({str(c) for c in pool["home_city_code"]} - set(rt))
    for c in unrouted:
        notes.append(f"{names.get(c, c)}：有候选企业，但在{days}天内排不下，未安排")
    return TripPlan(home_code=home, home_name=names.get(home, home), route=list(rt), city_names=dict(names), days=days,
                    start=start, assumptions=a, visits=vis, legs=legs, day_summary=summary, backups=backups, notes=notes)


# --------------------------------------------------------------------------------------------------
# writers
# --------------------------------------------------------------------------------------------------
def to_json(plan: TripPlan) -> dict[str, Any]:
    """A JSON-ready dict for other tools (keys in English; text fields in Chinese as shown to planners)."""

    def recs(frame: pd.DataFrame) -> list[dict[str, Any]]:
        out = []
        for r in frame.to_dict(orient="records"):
            out.append({k: (None if (v is pd.NA or (isinstance(v, float) and math.isnan(v))) else
                            (v.item() if isinstance(v, np.generic) else v)) for k, v in r.items()})
        return out

    return {
        "home": {"code": plan.home_code, "name": plan.home_name},
        "route": [{"code": c, "name": plan.city_names.get(c, c)} for c in plan.route],
        "days_available": plan.days,
        "start": plan.start.isoformat() if plan.start else None,
        "assumptions": asdict(plan.assumptions),
        "assumptions_text": plan.assumptions.describe(),
        "totals": plan.totals,
        "days": recs(plan.day_summary),
        "visits": recs(plan.visits),
        "legs": recs(plan.legs),
        "backups": recs(plan.backups),
        "notes": list(plan.notes),
    }


def _md_cell(v: object) -> str:
    if v is None or v is pd.NA or (isinstance(v, float) and math.isnan(v)):
        return ""
    return md_text(str(v).replace("|", "／"))  # HTML in data escaped (matcher.outputs.safe)


def to_markdown(plan: TripPlan) -> str:
    """The itinerary as Markdown: route, assumptions, day by day (travel and visits), backups, totals."""
    t = plan.totals
    names = {c: md_text(n) for c, n in plan.city_names.items()}  # text from the data: HTML escaped
    home = md_text(plan.home_name)
    lines = [
        f"# 出访行程：{home} → " + " → ".join(names.get(c, md_text(c)) for c in plan.route[1:-1]) + f" → {home}",
        "",
        f"共{t['days_planned']}天（可用{plan.days}天），{t['cities']}个城市，拜访{t['visits']}家企业"
        f"（其中必访{t['must_visits']}家；容量{t['capacity_visits']}家），城际约{t['travel_km']:.0f}公里、约{t['travel_hours']:.1f}小时。",
        "",
        "## 假设（可修改）",
        "",
        *[f"- {s}" for s in plan.assumptions.describe()],
        "",
    ]
    if plan.notes:
        lines += ["## 说明", "", *[f"- {md_text(n)}" for n in plan.notes], ""]
    lines += ["## 每日安排", ""]
    for d in plan.day_summary.itertuples():
        lines += [f"### {plan.day_label(int(d.day))}：{md_text(d.cities)}", "",
                  f"拜访{d.visits}家，拜访{d.visit_hours:g}小时，交通{d.travel_hours:g}小时，合计{d.total_hours:g}小时。", ""]
        legs = plan.legs[plan.legs["day"] == d.day]
        for g in legs.to_dict(orient="records"):
            lines.append(f"- {g['time']} 城际交通 {md_text(g['from'])} → {md_text(g['to'])}（直线约{g['distance_km']:.0f}公里，约{g['hours']:.1f}小时，估算）")
        v = plan.visits[plan.visits["day"] == d.day]
        if len(v):
            lines += ["", "| 序 | 时间 | 城市 | 企业 | 地址 | 建议落地 | 产业链 | 理由 |", "|---|---|---|---|---|---|---|---|"]
            for r in v.itertuples():
                firm = r.name + (f"（{r.stock_code}）" if r.stock_code else "")
                chain = (r.chain or "") + (f"·{r.segment}" if r.segment and r.segment != r.chain else "")
                lines.append("| " + " | ".join(_md_cell(x) for x in (r.order, r.time, r.city, firm, r.address, r.county_name, chain, r.why)) + " |")
        lines.append("")
    if len(plan.backups):
        lines += ["## 备选企业", "", "| 城市 | 备选 | 企业 | 地址 | 建议落地 | 理由 |", "|---|---|---|---|---|---|"]
        for r in plan.backups.itertuples():
            lines.append("| " + " | ".join(_md_cell(x) for x in (r.city, r.backup, r.name, r.address, r.county_name, r.why)) + " |")
        lines.append("")
    lines += ["## 合计", "", "| 项目 | 数值 |", "|---|---|"]
    labels = {"days_planned": "行程天数", "days_available": "可用天数", "cities": "城市数", "visits": "拜访企业数",
              "must_visits": "必访企业数", "travel_km": "城际距离（公里，直线）", "travel_hours": "城际交通（小时，估算）",
              "visit_hours": "拜访时间（小时）", "capacity_visits": "拜访容量（天数×每天家数）"}
    lines += [f"| {labels[k]} | {v} |" for k, v in t.items()]
    lines += ["", "匹配得分与理由来自 matcher 排名模型（matcher.model.match.score_matches）；地址来自深交所2025年名录注册地址"
              "或2015年上市公司地址表，缺失处标“地址不详”。", ""]
    return "\n".join(lines)


_VISIT_HEADERS = {
    "day": "天", "date": "日期", "order": "序", "time": "时间", "city_code": "城市代码", "city": "城市", "firm_id": "企业ID",
    "name": "企业", "legal_name": "企业全称", "stock_code": "股票代码", "address": "地址", "address_source": "地址来源",
    "county_name": "建议落地县区", "chain": "产业链", "segment": "环节", "score": "匹配得分", "trip_rank": "本次候选排名",
    "national_rank": "全国候选排名", "must_visit": "必访", "why": "拜访理由",
}
_DAY_HEADERS = {"day": "天", "date": "日期", "cities": "城市", "visits": "拜访数", "visit_hours": "拜访小时",
                "travel_hours": "交通小时", "total_hours": "合计小时", "visits_end_h": "拜访结束（距开始小时）",
                "within_capacity": "在容量内"}
_LEG_HEADERS = {"day": "天", "from_code": "出发代码", "to_code": "到达代码", "from": "出发", "to": "到达",
                "distance_km": "直线距离（公里）", "hours": "估算小时", "time": "时间"}
_BACKUP_HEADERS = {"city_code": "城市代码", "city": "城市", "backup": "备选序", "firm_id": "企业ID", "name": "企业",
                   "address": "地址", "county_name": "建议落地县区", "score": "匹配得分", "trip_rank": "本次候选排名", "why": "理由"}


def write_xlsx(plan: TripPlan, path: str | Path) -> Path:
    """An Excel workbook (xlsxwriter): 行程 (visits by day), 每日 (day totals), 交通 (legs), 备选 (backups),
    假设与说明 (assumptions, notes, totals)."""
    p = Path(path)
    p.parent.mkdir(parents=True, exist_ok=True)
    sheets = [
        ("行程", plan.visits, _VISIT_HEADERS, {"why": 90, "address": 40, "legal_name": 30, "name": 14, "county_name": 18}),
        ("每日", plan.day_summary, _DAY_HEADERS, {"cities": 40}),
        ("交通", plan.legs, _LEG_HEADERS, {}),
        ("备选", plan.backups, _BACKUP_HEADERS, {"why": 90, "address": 40}),
    ]
    with excel_writer(p) as xw:  # text cells stay text (matcher.outputs.safe)
        wb = xw.book
        head = wb.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1, "text_wrap": True, "valign": "top"})
        wrap = wb.add_format({"text_wrap": True, "valign": "top"})
        for title, frame, headers, widths in sheets:
            f = frame.rename(columns=headers)
            f.to_excel(xw, sheet_name=title, index=False)
            ws = xw.sheets[title]
            for j, col in enumerate(frame.columns):
                ws.write(0, j, headers.get(col, col), head)
                ws.set_column(j, j, widths.get(col, 12), wrap)
            ws.freeze_panes(1, 0)
            if len(frame):
                ws.autofilter(0, 0, len(frame), len(frame.columns) - 1)
        info = [("出发城市", plan.home_name), ("路线", " → ".join(plan.city_names.get(c, c) for c in plan.route)),
                ("开始日期", plan.start.isoformat() if plan.start else "未指定")]
        info += [("假设", s) for s in plan.assumptions.describe()]
        info += [("说明", n) for n in plan.notes]
        info += [(k, str(v)) for k, v in plan.totals.items()]
        pd.DataFrame(info, columns=["项目", "内容"]).to_excel(xw, sheet_name="假设与说明", index=False)
        ws = xw.sheets["假设与说明"]
        ws.set_column(0, 0, 16, wrap)
        ws.set_column(1, 1, 110, wrap)
    return p


def write_trip(plan: TripPlan, out_dir: str | Path, stem: str = "trip") -> dict[str, Path]:
    """Write ``<stem>.xlsx``, ``<stem>.md`` and ``<stem>.json`` into ``out_dir``."""
    out = ensure_out_dir(out_dir)  # a file in the way or no permission: OutputError naming the folder
    paths = {"xlsx": write_xlsx(plan, out / f"{stem}.xlsx"), "md": out / f"{stem}.md", "json": out / f"{stem}.json"}
    paths["md"].write_text(to_markdown(plan), encoding="utf-8")
    paths["json"].write_text(json.dumps(to_json(plan), ensure_ascii=False, indent=1), encoding="utf-8")
    return paths


# --------------------------------------------------------------------------------------------------
# real data: cities, regions, ranked targets, addresses
# --------------------------------------------------------------------------------------------------
def _city_table(data_dir: Path) -> pd.DataFrame:
    """One row per prefecture-level city: city_code, city, city_short, province_code, province."""
    d = geo.load_divisions(data_dir)
    d = d[~d["city"].isin(["市辖区", "县", "省直辖县级行政区划", "自治区直辖县级行政区划"])]
    return d.drop_duplicates("city_code")[["city_code", "city", "city_short", "province_code", "province"]].reset_index(drop=True)


def resolve_cities(names: Sequence[str], data_dir: str | Path) -> pd.DataFrame:
    """City names (``大连``, ``大连市``) or 6-digit codes → code, name, lon, lat (one row each, in order), by
    :func:`matcher.geo.resolve_cities`; an unknown name → :class:`TripError` naming it with the nearest
    city names (``大廉`` → 大连市)."""
    try:
        table = geo.resolve_cities([str(n) for n in names], data_dir)
    except geo.UnknownPlace as exc:
        raise TripError(str(exc)) from None
    missing = table[table["lon"].isna()]
    if len(missing):
        r = missing.iloc[0]
        raise TripError(f"city {r['name']} ({r['code']}) has no coordinates in the division table")
    return table


def region_cities(region: str, data_dir: str | Path) -> list[str]:
    """City codes of a region group of ``data/regions_groups.yaml`` (read through
    :func:`matcher.outputs.navmap.load_region_groups`): provinces expand to their prefecture cities,
    counties to theirs. Unknown group → :class:`TripError` listing the groups."""
    from matcher.outputs.navmap import group_members, load_region_groups

    groups = load_region_groups()
    members = group_members(groups, region)
    if not len(members):
        names = list(dict.fromkeys(groups["group"].astype(str)))
        raise TripError(f"unknown region {region!r}; region groups: {'、'.join(names)}")
    table = _city_table(Path(data_dir))
    codes: list[str] = []
    for r in members.itertuples():
        code = str(r.code)
        if r.level == "province":
            codes += table.loc[table["province_code"] == code, "city_code"].astype(str).tolist()
        elif r.level == "city":
            codes.append(code)
        else:
            codes.append(code[:4] + "00")
    return sorted(dict.fromkeys(codes))


def firm_addresses(firms: pd.DataFrame, data_dir: str | Path) -> pd.DataFrame:
    """firm_id, address, address_source for listed firms: the SZSE list's registered address (2025),
    else the 2015 listed-firm file's registered address (rows with lost characters skipped). Others
    get none (the caller writes 地址不详)."""
    from matcher.sources.exchanges import load_szse
    from matcher.sources.geo2015 import load_listed_geo_2015

    dd = Path(data_dir)
    f = firms[["firm_id", "stock_code"]].dropna(subset=["stock_code"]).astype("string")
    szse = load_szse(dd).frame[["stock_code", "reg_address"]].dropna().drop_duplicates("stock_code")
    g15 = load_listed_geo_2015(dd).frame
    g15 = g15[~g15["has_mojibake"].astype(bool) | ~g15["mojibake_columns"].astype("string").fillna("").str.contains("addr_reg")]
    g15 = g15[["stock_code", "reg_address"]].dropna().drop_duplicates("stock_code")
    a1 = f["stock_code"].map(szse.set_index("stock_code")["reg_address"])
    a2 = f["stock_code"].map(g15.set_index("stock_code")["reg_address"])
    addr = a1.fillna(a2)
    src = pd.Series(np.where(a1.notna(), "深交所名录2025注册地址", np.where(a2.notna(), "2015年上市公司注册地址", None)), index=f.index)
    out = pd.DataFrame({"firm_id": f["firm_id"], "address": addr.astype("string"), "address_source": src.astype("string")})
    return out.dropna(subset=["address"]).reset_index(drop=True)


def ranked_targets(matches: pd.DataFrame, firms: pd.DataFrame, city_codes: Sequence[str], data_dir: str | Path) -> pd.DataFrame:
    """:data:`RANKED_COLUMNS` for every firm based in ``city_codes``, from the home city's scored matches
    (:func:`matcher.model.match.score_matches` over every eligible firm of the master: the ranking's own
    scaling, e.g. the standardised firm size, depends on the whole set, so it is not re-run on a
    subset); each firm's best landing county, its score and reasons, and its rank among all eligible
    firms (``national_rank``).
    """
    dd = Path(data_dir)
    full = best_landing(matches)
    full["national_rank"] = np.arange(1, len(full) + 1, dtype="int64")
    f = firms.drop_duplicates("firm_id").set_index("firm_id")
    home_city = full["firm_id"].map(f["city_code"]).astype("string")
    sub = full[home_city.isin([str(c) for c in city_codes]).fillna(False).to_numpy()].reset_index(drop=True)
    ids = sub["firm_id"].astype(str)
    out = pd.DataFrame({
        "firm_id": ids.to_numpy(),
        "name": sub["name"].astype("string").to_numpy(),
        "home_city_code": f.loc[ids, "city_code"].astype("string").to_numpy(),
        "score": sub["score"].astype("float64").to_numpy(),
        "home_city": f.loc[ids, "city"].astype("string").to_numpy(),
        "legal_name": f.loc[ids, "legal_name"].astype("string").to_numpy(),
        "stock_code": f.loc[ids, "stock_code"].astype("string").to_numpy(),
        "county_name": sub["county_name"].astype("string").to_numpy(),
    })
    tmpl_chain = sub["chain"].astype("string").to_numpy()
    tmpl_seg = sub["segment"].astype("string").to_numpy()
    l1 = f.loc[ids, "sw_l1_name"].astype("string").to_numpy()
    l2 = f.loc[ids, "sw_l2_name"].astype("string").to_numpy()
    has_t = pd.notna(tmpl_chain)
    out["chain"] = pd.array(np.where(has_t, tmpl_chain, l1), dtype="string")
    out["segment"] = pd.array(np.where(has_t, tmpl_seg, l2), dtype="string")
    out["chain_basis"] = pd.array(np.where(has_t, "产业链模板", np.where(pd.notna(l1), "申万行业", None)), dtype="string")
    out["industry"] = pd.array(l2, dtype="string")
    out["reasons"] = sub["reasons"].astype("string").to_numpy()
    addr = firm_addresses(firms, dd).set_index("firm_id")
    out["address"] = out["firm_id"].map(addr["address"]).astype("string")
    out["address_source"] = out["firm_id"].map(addr["address_source"]).astype("string")
    out["national_rank"] = pd.array(sub["national_rank"].to_numpy(), dtype="Int64")
    return out[RANKED_COLUMNS].sort_values(["score", "firm_id"], ascending=[False, True], kind="stable").reset_index(drop=True)


def build_trip(
    home: str,
    *,
    matches: pd.DataFrame,
    firms: pd.DataFrame,
    data_dir: str | Path,
    cities: Sequence[str] = (),
    region: str | None = None,
    days: int,
    assumptions: TripAssumptions | None = None,
    must_visit: Sequence[str] = (),
    start: date | None = None,
    max_per_city: int | None = None,
) -> TripPlan:
    """The whole request: resolve cities (or a region), rank the firms based there from the home city's
    scored ``matches`` (:func:`matcher.model.match.score_matches`), plan.

    ``cities`` must all be covered (error if the days do not allow it); with ``region`` the cities of
    the group are candidates and the best-ranked ones that fit are visited.
    """
    if bool(cities) == bool(region):
        raise TripError("give either cities or a region (not both, not neither)")
    dd = Path(data_dir)
    home_row = resolve_cities([home], dd)
    if not len(home_row):
        raise TripError("no home city given")
    home_code = str(home_row["code"].iloc[0])
    if region:
        codes = [c for c in region_cities(region, dd) if c != home_code]
    else:
        codes = [c for c in resolve_cities(cities, dd)["code"].astype(str) if c != home_code]
    must_ids = resolve_must_visit(list(must_visit), firms) if must_visit else []
    must_cities = firms.drop_duplicates("firm_id").set_index("firm_id").loc[must_ids, "city_code"].astype("string").tolist() if must_ids else []
    for fid, c in zip(must_ids, must_cities, strict=True):
        if c is pd.NA or c is None:
            raise TripError(f"must-visit firm {fid} has no known home city")
    ranked = ranked_targets(matches, firms, sorted(set(codes) | {str(c) for c in must_cities}), dd)
    # points and names for every city in play (only cities with firms need a point)
    in_play = sorted(({str(c) for c in codes} & set(ranked["home_city_code"].astype(str))) | {str(c) for c in must_cities})
    table = resolve_cities([home_code, *in_play], dd)
    points = {str(r.code): (float(r.lon), float(r.lat)) for r in table.itertuples()}
    names = {str(r.code): str(r.name) for r in table.itertuples()}
    for c in codes:
        if c not in names:
            hit = _city_table(dd).set_index("city_code")
            names[c] = str(hit.at[c, "city"]) if c in hit.index else c
    plan_cities = codes if not region else in_play
    plan = plan_trip(home_code, plan_cities, ranked, points, days, assumptions=assumptions, must_visit=must_ids,
                     cover_all=not region, city_names=names, start=start, max_per_city=max_per_city)
    if region:
        plan.notes.insert(0, f"区域“{region}”（data/regions_groups.yaml）共{len(codes)}个城市，其中{len(in_play)}个有排名目标企业")
    return plan
