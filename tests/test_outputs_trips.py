"""Outbound visit planner (matcher.outputs.trips, matcher trip).

Unit tests run on a synthetic toy geography near (0°, 0°) whose best route and day split are known by
construction: points in convex position (the optimal tour follows the polygon), and legs of exactly
one hour (a straight-line travel model at km per degree, no detour, no overhead) so that the day
arithmetic is exact. The real-data tests plan the 秦皇岛 → 东北 trip of the issue from the city's
navigation-map targets with the rail-corridor travel model, and check every day's capacity and time,
that every visit carries the map's own chain, segment and reasons, that no leg crosses the sea, and
that the plan is deterministic.
"""

from __future__ import annotations

import itertools
import json
import math
import random

import numpy as np
import pandas as pd
import pytest

from matcher.outputs import trips as T
from matcher.outputs.trips import TripAssumptions, TripError

# one degree of latitude (and of longitude on the equator), km, as haversine computes it
KM_PER_DEG = 2 * math.pi * 6371.0088 / 360


def hour_legs(**kw: float) -> TripAssumptions:
    """Synthetic assumptions: no overhead per leg, 2 h per visit, visits 08:00–18:00, trains until 20:00."""
    base = dict(leg_overhead_hours=0.0, visit_hours=1.5,
                local_transfer_hours=0.5, day_hours=12.0, visit_window_hours=10.0, visits_per_day=4, backups_per_city=1)
    base.update(kw)
    return TripAssumptions(**base)  # type: ignore[arg-type]


def toy(points: dict[str, tuple[float, float]]) -> T.StraightLine:
    """The toy geography's travel model: 1° = 1 h (straight line at km per degree, no detour)."""
    return T.StraightLine(points, speed_kmh=KM_PER_DEG, detour=1.0)


def synthetic_ranked(per_city: dict[str, tuple[float, int]]) -> pd.DataFrame:
    """Synthetic ranked targets: city → (best score, number of firms); firm k of a city scores best − 0.01k."""
    rows = []
    for city, (best, n) in per_city.items():
        for k in range(n):
            rows.append({"firm_id": f"{city}{k}", "name": f"合成企业{city}{k}", "home_city_code": city,
                         "score": best - 0.01 * k, "county_name": "合成区", "chain": "合成链", "segment": "中游",
                         "reasons": f"合成理由{city}{k}"})
    return pd.DataFrame(rows)


SQUARE = {"H": (0.0, 0.0), "A": (0.0, 1.0), "B": (1.0, 1.0), "C": (1.0, 0.0)}


# --------------------------------------------------------------------------------------------------
# route
# --------------------------------------------------------------------------------------------------
def _circle(n: int) -> dict[str, tuple[float, float]]:
    """Home and n cities evenly on a circle of radius 2° (convex position): the optimal tour is the polygon."""
    pts = {}
    for k in range(n + 1):
        ang = 2 * math.pi * k / (n + 1)
        pts["H" if k == 0 else f"P{k:02d}"] = (2 * math.cos(ang), 2 * math.sin(ang))
    return pts


def test_route_exact_follows_the_polygon_and_breaks_ties_by_code() -> None:
    pts = _circle(6)
    tt = T.travel_time_fn(toy(pts), hour_legs())
    cities = [c for c in pts if c != "H"]
    random.Random(3).shuffle(cities)
    got = T.route("H", cities, tt)
    polygon = ["H", *[f"P{k:02d}" for k in range(1, 7)], "H"]
    # polygon and its reverse are equally short; the smaller code sequence (P01 first) is chosen
    assert got == polygon
    # and it is the optimum among all orders (brute force here, independently)
    best = min(sum(tt(a, b) for a, b in itertools.pairwise(("H", *p, "H"))) for p in itertools.permutations(cities))
    assert sum(tt(a, b) for a, b in itertools.pairwise(got)) == pytest.approx(best)


def test_route_square_and_trivial_cases() -> None:
    tt = T.travel_time_fn(toy(SQUARE), hour_legs())
    assert T.route("H", ["C", "B", "A"], tt) == ["H", "A", "B", "C", "H"]
    assert T.route("H", ["B"], tt) == ["H", "B", "H"]
    assert T.route("H", [], tt) == ["H", "H"]
    assert T.route("H", ["H", "A", "A"], tt) == ["H", "A", "H"]


def test_route_approximation_for_many_cities_is_valid_bounded_and_deterministic() -> None:
    n = T.EXACT_TSP_MAX + 3
    pts = _circle(n)
    tt = T.travel_time_fn(toy(pts), hour_legs())
    cities = [c for c in pts if c != "H"]
    got = T.route("H", cities, tt)
    assert got[0] == got[-1] == "H" and sorted(got[1:-1]) == sorted(cities)
    optimum = sum(tt(a, b) for a, b in itertools.pairwise(["H", *sorted(cities), "H"]))  # the polygon
    cost = sum(tt(a, b) for a, b in itertools.pairwise(got))
    assert cost <= 1.5 * optimum + 1e-9  # Christofides' guarantee
    shuffled = cities[:]
    random.Random(7).shuffle(shuffled)
    assert T.route("H", shuffled, tt) == got


# --------------------------------------------------------------------------------------------------
# days
# --------------------------------------------------------------------------------------------------
def test_plan_on_the_square_gives_the_known_route_and_day_split() -> None:
    """Legs of 1 h, visits of 2 h, 4 a day: day 1 = H→A + 4 visits (9 h) + evening train A→B (10 h);
    day 2 = 4 visits in B + B→C (9 h); day 3 = 4 visits in C + C→H (9 h). 12 visits = the full
    capacity of 3 days × 4, so no split is better."""
    ranked = synthetic_ranked({"A": (0.9, 4), "B": (0.8, 4), "C": (0.7, 4)})
    plan = T.plan_trip("H", ["C", "A", "B"], ranked, SQUARE, 3, assumptions=hour_legs(), travel=toy(SQUARE))
    assert plan.route == ["H", "A", "B", "C", "H"]
    by_day = plan.visits.groupby("day")["firm_id"].apply(list).to_dict()
    assert by_day == {1: ["A0", "A1", "A2", "A3"], 2: ["B0", "B1", "B2", "B3"], 3: ["C0", "C1", "C2", "C3"]}
    s = plan.day_summary.set_index("day")
    assert s["total_hours"].tolist() == pytest.approx([10.0, 9.0, 9.0], abs=1e-3)
    assert s["travel_hours"].tolist() == pytest.approx([2.0, 1.0, 1.0], abs=1e-3)
    assert s["within_capacity"].all()
    assert plan.legs[["day", "from_code", "to_code"]].values.tolist() == [[1, "H", "A"], [1, "A", "B"], [2, "B", "C"], [3, "C", "H"]]
    assert plan.visits["time"].iloc[0] == "09:00–11:00"
    assert plan.totals["visits"] == 12 == plan.totals["capacity_visits"]
    assert plan.backups.empty  # no firm left over


def test_plan_takes_the_best_scores_when_capacity_binds() -> None:
    """Five firms a city (A > B > C): 12 slots, all usable, so the plan is the 12 best scores (A0–A4,
    B0–B4, C0–C1) — the score-optimal choice — laid out as: day 1 = H→A + A0–A3 (9 h; A4 is still due,
    so no evening train); day 2 = A4, A→B, B0–B2 (9 h); day 3 = B3, B4, B→C, C0, C1, C→H (10 h)."""
    ranked = synthetic_ranked({"A": (0.9, 5), "B": (0.8, 5), "C": (0.7, 5)})
    plan = T.plan_trip("H", ["A", "B", "C"], ranked, SQUARE, 3, assumptions=hour_legs(), travel=toy(SQUARE))
    best12 = ranked.sort_values("score", ascending=False)["firm_id"].head(12)
    assert set(plan.visits["firm_id"]) == set(best12)
    by_day = plan.visits.groupby("day")["firm_id"].apply(list).to_dict()
    assert by_day == {1: ["A0", "A1", "A2", "A3"], 2: ["A4", "B0", "B1", "B2"], 3: ["B3", "B4", "C0", "C1"]}
    assert plan.day_summary["total_hours"].tolist() == pytest.approx([9.0, 9.0, 10.0], abs=1e-3)
    # backups: the next firms of each routed city (1 per city here)
    assert plan.backups["firm_id"].tolist() == ["C2"]


def test_schedule_long_leg_moves_to_the_next_day_and_reports_too_few_days() -> None:
    pts = {"H": (0.0, 0.0), "F": (9.0, 0.0)}  # 9 h away
    a = hour_legs()
    tt = T.travel_time_fn(toy(pts), a)
    sch = T.schedule(["H", "F", "H"], {"F": ["f1", "f2", "f3", "f4"]}, 3, 4, a, tt)
    # day 1: 9 h on the train, no time for a 2 h visit before 18:00; day 2: 4 visits; day 3: home
    assert sch.feasible and sch.days_used == 3
    assert sch.events["day"].tolist() == [1, 2, 2, 2, 2, 3]
    short = T.schedule(["H", "F", "H"], {"F": ["f1", "f2", "f3", "f4"]}, 2, 4, a, tt)
    assert not short.feasible and "needs 3 days" in short.problem
    far = T.schedule(["H", "F", "H"], {"F": ["f1"]}, 5, 4, hour_legs(day_hours=8.0, visit_window_hours=8.0), tt)
    assert not far.feasible and "more than a working day" in far.problem


def test_visits_per_day_caps_the_day_even_with_hours_left() -> None:
    a = hour_legs(visits_per_day=2)
    tt = T.travel_time_fn(toy(SQUARE), a)
    sch = T.schedule(["H", "A", "H"], {"A": ["a1", "a2", "a3"]}, 3, 2, a, tt)
    v = sch.events[sch.events["kind"] == "visit"]
    assert v["day"].tolist() == [1, 1, 2]
    assert (sch.day_totals()["visits"] <= 2).all()


def test_greedy_keeps_only_visits_that_fit_and_region_mode_drops_far_cities() -> None:
    # F is 5 h away and holds the best firm; one day: F alone fits (5 + 2 + 5 = 12 h), nothing else does
    pts = {"H": (0.0, 0.0), "A": (0.0, 1.0), "F": (5.0, 0.0)}
    ranked = synthetic_ranked({"F": (0.99, 3), "A": (0.5, 3)})
    plan = T.plan_trip("H", ["A", "F"], ranked, pts, 1, assumptions=hour_legs(), cover_all=False, travel=toy(pts))
    assert plan.visits["firm_id"].tolist() == ["F0"]
    assert plan.route == ["H", "F", "H"]
    assert any("A" in n and "排不下" in n for n in plan.notes)
    # cover_all: A and F cannot both be visited in one day → a clear error
    with pytest.raises(TripError, match="visiting all 2 cities"):
        T.plan_trip("H", ["A", "F"], ranked, pts, 1, assumptions=hour_legs(), travel=toy(pts))


# --------------------------------------------------------------------------------------------------
# must-visits and infeasible requests
# --------------------------------------------------------------------------------------------------
def test_must_visits_come_first_and_add_their_city() -> None:
    ranked = synthetic_ranked({"A": (0.9, 5), "B": (0.8, 5), "C": (0.1, 2)})
    plan = T.plan_trip("H", ["A", "B"], ranked, SQUARE, 2, assumptions=hour_legs(), must_visit=["A4", "C1"], travel=toy(SQUARE))
    got = plan.visits.set_index("firm_id")
    assert {"A4", "C1"} <= set(got.index)
    assert bool(got.at["A4", "must_visit"]) and bool(got.at["C1", "must_visit"])
    assert plan.visits[plan.visits["city_code"] == "A"]["firm_id"].iloc[0] == "A4"  # first in its city
    assert "C" in plan.route
    assert any("必访" in n for n in plan.notes)
    assert got.at["A4", "why"].startswith("用户指定必访")


def test_infeasible_requests_raise_clear_errors() -> None:
    ranked = synthetic_ranked({"A": (0.9, 9), "B": (0.8, 9), "C": (0.7, 9)})
    a = hour_legs()
    with pytest.raises(TripError, match="9 must-visit firms but only 2 days × 4 visits = 8 slots"):
        T.plan_trip("H", ["A"], ranked, SQUARE, 2, assumptions=a, must_visit=[f"A{k}" for k in range(9)], travel=toy(SQUARE))
    # 4 must-visits in three cities fit the count of one day but not its hours
    with pytest.raises(TripError, match="do not fit into 1 days"):
        T.plan_trip("H", ["A", "B", "C"], ranked, SQUARE, 1, assumptions=a, must_visit=["A0", "A1", "B0", "C0"], travel=toy(SQUARE))
    with pytest.raises(TripError, match="no target firms"):
        T.plan_trip("H", ["X"], ranked, {**SQUARE, "X": (3.0, 3.0)}, 2, assumptions=a, travel=toy({**SQUARE, "X": (3.0, 3.0)}))
    with pytest.raises(TripError, match="not among the ranked targets"):
        T.plan_trip("H", ["A"], ranked, SQUARE, 2, assumptions=a, must_visit=["nope"], travel=toy(SQUARE))
    with pytest.raises(TripError, match="days must be >= 1"):
        T.plan_trip("H", ["A"], ranked, SQUARE, 0, assumptions=a, travel=toy(SQUARE))
    with pytest.raises(TripError, match="visits per day"):
        hour_legs(visits_per_day=0)
    with pytest.raises(TripError, match="visiting hours"):
        hour_legs(visit_hours=9.0, visit_window_hours=9.0)


SYNTHETIC_FIRMS = pd.DataFrame({
    "firm_id": ["S:000001", "S:000002", "S:000003", "S:000004"],
    "name": ["合成科技", "合成科技集团", "远山重工", "近水药业"],
    "legal_name": ["合成科技股份有限公司", "合成科技集团股份有限公司", "远山重工股份有限公司", "近水药业有限公司"],
    "stock_code": ["000001", "000002", "000003", "000004"],
    "city": ["甲市", "乙市", "丙市", "丁市"],
})


def test_resolve_must_visit_exact_fuzzy_and_ambiguous() -> None:
    f = SYNTHETIC_FIRMS
    assert T.resolve_must_visit(["远山重工"], f) == ["S:000003"]
    assert T.resolve_must_visit(["000004"], f) == ["S:000004"]
    assert T.resolve_must_visit(["合成科技股份有限公司"], f) == ["S:000001"]
    assert T.resolve_must_visit(["合成科技"], f) == ["S:000001"]  # exact short name beats the longer one
    assert T.resolve_must_visit(["近水"], f) == ["S:000004"]  # unique substring
    assert T.resolve_must_visit(["远山重工股份"], f) == ["S:000003"]
    with pytest.raises(TripError, match="ambiguous") as e:
        T.resolve_must_visit(["合成"], f)
    assert "合成科技集团" in str(e.value) and "000001" in str(e.value)
    with pytest.raises(TripError, match="not found"):
        T.resolve_must_visit(["完全无关"], f)


# --------------------------------------------------------------------------------------------------
# outputs and determinism
# --------------------------------------------------------------------------------------------------
def test_plan_is_deterministic_under_input_order(tmp_path) -> None:
    ranked = synthetic_ranked({"A": (0.9, 6), "B": (0.85, 6), "C": (0.7, 6)})
    pts = {"H": (0.0, 0.0), "A": (0.0, 1.5), "B": (1.2, 1.0), "C": (2.5, 0.3)}
    a = hour_legs()
    p1 = T.plan_trip("H", ["A", "B", "C"], ranked, pts, 3, assumptions=a, travel=toy(pts))
    p2 = T.plan_trip("H", ["C", "B", "A"], ranked.sample(frac=1.0, random_state=1), pts, 3, assumptions=a, travel=toy(pts))
    assert T.to_json(p1) == T.to_json(p2)
    d1, d2 = T.write_trip(p1, tmp_path / "1"), T.write_trip(p2, tmp_path / "2")
    assert d1["md"].read_bytes() == d2["md"].read_bytes()
    assert d1["json"].read_bytes() == d2["json"].read_bytes()


def test_writers_carry_every_visit_with_its_reason(tmp_path) -> None:
    from openpyxl import load_workbook

    ranked = synthetic_ranked({"A": (0.9, 5), "B": (0.8, 5), "C": (0.7, 5)})
    plan = T.plan_trip("H", ["A", "B", "C"], ranked, SQUARE, 3, assumptions=hour_legs(), start=pd.Timestamp("2026-12-01").date(),
                       city_names={"H": "家", "A": "甲", "B": "乙", "C": "丙"}, travel=toy(SQUARE))
    paths = T.write_trip(plan, tmp_path)
    wb = load_workbook(paths["xlsx"], read_only=True)
    assert wb.sheetnames == ["行程", "每日", "交通", "备选", "假设与说明"]
    rows = list(wb["行程"].iter_rows(values_only=True))
    assert len(rows) == 1 + len(plan.visits) and "拜访理由" in rows[0]
    md = paths["md"].read_text(encoding="utf-8")
    assert "第1天（2026-12-01）" in md and "仅用于示例地理" in md
    assert "True" not in md and "False" not in md
    for sheet in ("行程", "每日"):  # 是/否, never True/False
        cells = {c for row in wb[sheet].iter_rows(min_row=2, values_only=True) for c in row}
        assert not {True, False, "True", "False"} & {c for c in cells if isinstance(c, (bool, str))}
    assert {"是", "否"} & {c for row in wb["行程"].iter_rows(min_row=2, values_only=True) for c in row}
    for r in plan.visits.itertuples():
        assert r.name in md and f"合成理由{r.firm_id}" in r.why
        assert r.address == T.NO_ADDRESS  # nothing invented
    js = json.loads(paths["json"].read_text(encoding="utf-8"))
    assert len(js["visits"]) == 12 and js["assumptions"]["visits_per_day"] == 4
    assert js["route"][1]["name"] == "甲" and js["totals"]["days_planned"] == 3
    assert js["days"][0]["date"] == "2026-12-01"


# --------------------------------------------------------------------------------------------------
# real data: 秦皇岛 → 东北
# --------------------------------------------------------------------------------------------------
NORTHEAST = ["大连", "长春", "哈尔滨", "齐齐哈尔"]


@pytest.fixture(scope="module")
def northeast(data_dir, real_workdir, pipe):
    """The 秦皇岛 navigation map's targets for every city of the 东北 region group (one ranking serves all tests)."""
    from test_outputs_navmap import real_navmap

    firms = pipe.firms
    codes = T.region_cities("东北", data_dir)
    nav = real_navmap(str(data_dir), str(real_workdir))
    ranked = T.ranked_targets(nav.targets, firms, codes, data_dir)
    return firms, codes, ranked, nav.targets


def _check_plan(plan: T.TripPlan, allowed_cities: set[str]) -> None:
    a = plan.assumptions
    s = plan.day_summary
    assert len(s) <= plan.days
    assert (s["visits"] <= a.visits_per_day).all()
    assert (s["total_hours"] <= a.day_hours + 1e-6).all()
    assert (s["visits_end_h"] <= a.visit_window_hours + 1e-6).all()
    assert s["within_capacity"].all()
    assert plan.route[0] == plan.route[-1] == "130300"
    assert set(plan.visits["city_code"]) <= allowed_cities
    assert plan.visits["firm_id"].is_unique
    for r in plan.visits.itertuples():
        assert r.why and "匹配得分" in r.why
        assert isinstance(r.address, str) and r.address
    # hours add up: visits × block + legs
    total = len(plan.visits) * a.visit_block_hours + plan.legs["hours"].sum()
    assert s["visit_hours"].sum() + s["travel_hours"].sum() == pytest.approx(total, abs=0.05)


@pytest.mark.realdata
def test_northeast_four_cities_plan(northeast, data_dir) -> None:
    firms, _, ranked, targets = northeast
    cities = T.resolve_cities(NORTHEAST, data_dir)
    assert cities["code"].tolist() == ["210200", "220100", "230100", "230200"]
    home = T.resolve_cities(["秦皇岛"], data_dir)
    pts = {r.code: (r.lon, r.lat) for r in pd.concat([home, cities]).itertuples()}
    names = {r.code: r.name for r in pd.concat([home, cities]).itertuples()}
    plan = T.plan_trip("130300", cities["code"].tolist(), ranked, pts, 4, city_names=names)
    _check_plan(plan, set(cities["code"]))
    # every requested city with firms is on the route
    with_firms = set(cities["code"]) & set(ranked["home_city_code"])
    assert set(plan.route[1:-1]) == with_firms
    # every visit carries the navigation map's own chain, segment, landing unit and reasons (targets.csv)
    by_id = targets.set_index("firm_id")
    for r in plan.visits.itertuples():
        assert str(by_id.at[r.firm_id, "reasons"]).strip()
        assert str(by_id.at[r.firm_id, "reasons"]) in r.why
        assert (r.chain, r.segment, r.county_name) == (by_id.at[r.firm_id, "chain"], by_id.at[r.firm_id, "segment"],
                                                       by_id.at[r.firm_id, "county_name"])
    assert ranked.sort_values("score", ascending=False)["national_rank"].is_monotonic_increasing
    # no firm the map leaves out (e.g. a power utility) is visited
    assert set(plan.visits["firm_id"]) <= set(targets["firm_id"])
    # travel by rail corridor: 秦皇岛 → 大连 goes round by 沈阳, never across the Bohai Sea
    legs = plan.legs.set_index(["from_code", "to_code"])
    for (a, b), g in legs.iterrows():
        if {a, b} == {"130300", "210200"}:
            assert "沈阳" in g["via"] and g["distance_km"] > 600 and g["hours"] > 3.5
    # within a city, no unvisited firm outranks a visited (non-must) one
    for c, g in plan.visits.groupby("city_code"):
        pool = ranked[ranked["home_city_code"] == c]
        worst_visited = g["score"].min()
        unvisited = pool[~pool["firm_id"].isin(g["firm_id"])]
        assert (unvisited["score"] <= worst_visited + 1e-4).all()
    # deterministic
    again = T.plan_trip("130300", cities["code"].tolist()[::-1], ranked.iloc[::-1], pts, 4, city_names=names)
    assert T.to_json(again) == T.to_json(plan)
    # addresses: from the exchange lists where they have one, never invented
    addr = T.firm_addresses(firms, data_dir).set_index("firm_id")["address"]
    for r in plan.visits.itertuples():
        assert r.address == (addr.get(r.firm_id) if r.firm_id in addr.index else T.NO_ADDRESS)


@pytest.mark.realdata
def test_northeast_region_plan(northeast, data_dir) -> None:
    _, codes, ranked, _ = northeast
    assert {"210100", "220100", "230100", "150700"} <= set(codes)  # provinces expanded, 呼伦贝尔 cited
    in_play = sorted(set(codes) & set(ranked["home_city_code"]))
    table = T.resolve_cities(["130300", *in_play], data_dir)
    pts = {r.code: (r.lon, r.lat) for r in table.itertuples()}
    plan = T.plan_trip("130300", in_play, ranked, pts, 4, cover_all=False)
    _check_plan(plan, set(in_play))
    assert len(plan.visits) >= 8


@pytest.mark.realdata
def test_unknown_city_and_region_errors(data_dir) -> None:
    with pytest.raises(TripError, match="大连市"):
        T.resolve_cities(["大廉"], data_dir)
    with pytest.raises(TripError, match="东北"):
        T.region_cities("东东北北", data_dir)


@pytest.mark.realdata
def test_cli_reports_infeasible_requests_with_exit_2(data_dir, tmp_path) -> None:
    from typer.testing import CliRunner

    from matcher.cli import build_app

    runner = CliRunner()
    res = runner.invoke(build_app(), ["trip", "--city", "秦皇岛", "--cities", "大廉,长春", "--days", "4",
                                      "--data", str(data_dir), "--workdir", str(tmp_path / "w"), "--out", str(tmp_path / "o")])
    assert res.exit_code == 2
    assert "unknown city" in res.output and "大连市" in res.output
    assert not (tmp_path / "o").exists()


def test_assumption_text_names_every_number() -> None:
    a = TripAssumptions(leg_overhead_hours=0.75, visit_hours=1.0)
    text = " ".join(a.describe())
    for s in ("0.75", "1小时"):
        assert s in text
    assert np.isclose(a.visit_block_hours, 1.5)
    rail = " ".join(T.RailTravel().describe())
    assert "铁路干线" in rail and "不跨海" in rail and "80%" in rail


def test_rail_travel_goes_round_the_bohai_sea() -> None:
    """The default travel model: 秦皇岛 → 大连 by rail via 沈阳 (no line crosses the Bohai Sea), far longer
    than the 210 km straight line; a code without a point is a TripError naming it."""
    rail = T.RailTravel(names={"130300": "秦皇岛", "210200": "大连"})
    assert rail.km("130300", "210200") > 600 and rail.hours("130300", "210200") > 3.0
    assert rail.route("130300", "210200").startswith("秦皇岛") and "沈阳" in rail.route("130300", "210200")
    assert rail.route("210200", "130300").startswith("大连")
    assert rail.hours("130300", "130300") == 0.0
    with pytest.raises(TripError, match="990100"):
        rail.hours("130300", "990100")
