"""Rail-corridor travel times (matcher.geo.travel) and their check (matcher.bench.travel)."""

from __future__ import annotations

import pandas as pd
import pytest

from matcher.geo.distance import haversine_km
from matcher.geo.travel import RailAssumptions, TravelError, build_network, journey, load_lines, rail_time_fn


@pytest.fixture(scope="module")
def net():
    return build_network()


def test_every_line_cites_a_source_and_states_its_figures():
    lines = load_lines()
    assert len(lines) >= 15
    assert (lines["source_url"].str.startswith("http")).all()
    assert (lines["source_says"].str.len() > 5).all()
    assert set(lines["speed_basis"]) and (lines["speed_kmh"] >= 160).all()


def test_qinhuangdao_dalian_goes_round_by_shenyang_not_across_the_sea(net):
    j = journey(net, "130300", "210200")
    assert "沈阳" in j.via
    straight = float(haversine_km(119.52, 39.89, 121.61, 38.91))
    assert j.km > 2.5 * straight  # ~210 km straight across the Bohai; the rail route is ~770 km
    assert 3.0 < j.hours < 6.0


def test_same_place_is_zero_and_times_are_symmetric(net):
    assert journey(net, "130300", "130300").hours == 0
    tt = rail_time_fn(net=net)
    assert tt("130300", "230100") == pytest.approx(tt("230100", "130300"))


def test_off_network_city_reaches_a_hub_of_its_own_province(net):
    # 烟台 (370600) is not on a line in the table: it must enter at a Shandong city, never cross to 大连
    j = journey(net, "370600", "210200")
    assert j.lines[0] == "接驳" and j.via[1] in {"青岛", "潍坊", "淄博", "济南"}
    assert j.access_hours > 0


def test_municipality_codes_are_one_place(net):
    assert journey(net, "110000", "110100").hours == 0


def test_transfer_cost_changes_multi_line_journeys_only(net):
    slow = build_network(assumptions=RailAssumptions(transfer_hours=1.25))
    assert journey(slow, "130300", "210200").hours == pytest.approx(journey(net, "130300", "210200").hours + 1.0)
    assert journey(slow, "130300", "210100").hours == pytest.approx(journey(net, "130300", "210100").hours)


def test_unknown_place_is_an_error(net):
    with pytest.raises(TravelError):
        journey(net, "999900", "130300")


def test_bench_writes_table_with_errors(tmp_path):
    from matcher.bench.travel import run

    paths = run(tmp_path)
    t = pd.read_csv(paths["csv"])
    assert len(t) >= 20 and t["公布小时"].notna().sum() >= 20
    qhd = t[t["出发"] == "秦皇岛"]
    assert {"大连", "沈阳", "长春", "哈尔滨", "北京", "天津", "石家庄", "济南", "上海", "郑州"} <= set(qhd["到达"])
    md = paths["md"].read_text(encoding="utf-8")
    assert "中位绝对误差小时" in md and "最大绝对误差小时" in md
