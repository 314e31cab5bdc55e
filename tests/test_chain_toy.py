"""Chain analysis on a synthetic toy graph whose segments, gaps and strengths are known by construction.

Toy (synthetic, invented for this test): three level-3 industries 110101 矿石 → 110201 金属 → 110301 机器,
five firms; city 100100 has one ore firm, city 200100 the other four.
"""

from __future__ import annotations

from pathlib import Path

import networkx as nx
import numpy as np
import pandas as pd
import pytest

from matcher.chain import (
    ChainData,
    analyze_region,
    chain_subgraph,
    check_templates,
    classify_industries,
    firm_chain_positions,
    industry_supply_edges,
    load_chain_templates,
    plot_chain,
    write_graph,
)
from matcher.chain.analysis import product_matches
from matcher.chain.graph import build_graph
from matcher.firms.schema import conform
from matcher.sources.base import SourceError

TEMPLATE = """
chain: 玩具链
code: toy
description: synthetic toy chain
segments:
  - segment: 上游
    name: 矿石
    industries: ["110101"]
    products: [矿石]
    source: synthetic
  - segment: 中游
    name: 金属
    industries: ["110200"]
    products: []
    source: synthetic
  - segment: 下游
    name: 机器
    industries: ["999999"]
    products: [机器]
    source: synthetic
"""

REVERSED = """
chain: 反向链
code: reversed
segments:
  - {segment: 上游, name: 机器, industries: ["110301"], products: [], source: synthetic}
  - {segment: 中游, name: 金属, industries: ["110201"], products: [], source: synthetic}
  - {segment: 下游, name: 矿石, industries: ["110101"], products: [], source: synthetic}
local_evidence:
  - {region: "100101", segment: 中游, fact: synthetic park, source: synthetic}
"""


def _industries() -> pd.DataFrame:
    rows = [("110000", "玩具", 1, None)]
    for l2, l3, name in (("110100", "110101", "矿石"), ("110200", "110201", "金属"), ("110300", "110301", "机器")):
        rows += [(l2, name + "Ⅱ", 2, "110000"), (l3, name, 3, l2)]
    f = pd.DataFrame(rows, columns=["sw_code", "name", "level", "parent_code"])
    f["name_clean"] = f["name"]
    f["sw_l1_code"] = "110000"
    f["sw_l2_code"] = (f["sw_code"].str.slice(0, 4) + "00").where(f["level"] >= 2)
    f["gb_division"], f["gb_section"], f["gb_division_name"], f["gb_section_name"], f["wiod_sector"] = "01", "A", "农业", "农、林、牧、渔业", "c1"
    return f


def toy_chain() -> ChainData:
    firms = pd.DataFrame(
        {
            "firm_id": ["F1", "F2", "F3", "F4", "F5"],
            "name": ["甲矿业", "乙矿业", "丙金属", "丁金属", "戊机器"],
            "stock_code": ["000001", "000002", "000003", "000004", "000005"],
            "city_code": ["100100", "200100", "200100", "200100", "200100"],
            "county_code": ["100101", "200101", "200101", "200102", "200102"],
            "sw_l1_code": ["110000"] * 5,
            "sw_l2_code": ["110100", "110100", "110200", "110200", None],
            "sw_l3_code": ["110101", "110101", "110201", "110201", None],
            "industry_source": ["chainkg"] * 4 + [None],
            "total_assets_yi": [1.0, 5.0, 10.0, 2.0, 3.0],
            "employees": [10.0, 50, 100, 20, 30],
        }
    )
    fp = pd.DataFrame(
        {
            "firm_id": ["F1", "F3", "F5", "F5"],
            "product": ["铁矿石", "钢材", "数控机器", "机器油"],
            "weight": [1.0, 1.0, 0.6, 0.4],
            "eff_weight": [1.0, 1.0, 0.6, 0.4],
            "weight_kind": ["share"] * 4,
        }
    )
    rel = pd.DataFrame(
        {
            "down": ["钢材", "数控机器"], "up": ["铁矿石", "钢材"], "rel": ["上游材料"] * 2, "firms_down": [1, 1],
            "firms_up": [1, 1], "stratum": ["both_made"] * 2, "evidence": [2, 2], "weight": [np.log1p(2)] * 2, "kept": [True, True],
        }
    )
    pi = pd.DataFrame({"product": ["铁矿石", "钢材"], "sw_l3_code": ["110101", "110201"], "share": [1.0, 1.0], "n_firms": [1, 1]})
    edges = pd.DataFrame(
        {
            "from_sw": ["110101", "110201", "110201"], "to_sw": ["110201", "110301", "110201"], "evidence": [3, 2, 1],
            "weight": [1.5, 0.5, 0.2], "same_industry": [False, False, True], "io_coef": [0.1, np.nan, 0.0], "cooc": [1, 0, 0],
        }
    )
    data = ChainData(
        industries=_industries(), firms=firms, firm_products=fp, relations=rel, product_industry=pi,
        industry_edges=edges, noise=pd.DataFrame({"source": [], "item": [], "count": []}),
    )
    data.graph = build_graph(data)
    return data


@pytest.fixture()
def templates(tmp_path: Path):
    (tmp_path / "a.yaml").write_text(TEMPLATE, encoding="utf-8")
    (tmp_path / "b.yaml").write_text(REVERSED, encoding="utf-8")
    return load_chain_templates(folder=tmp_path)


def test_graph_nodes_edges_by_construction() -> None:
    data = toy_chain()
    g = data.graph
    assert g.edges["sw:110101", "sw:110201"]["evidence"] == 3
    assert ("sw:110201", "sw:110201") not in g.edges  # same-industry edges stay out of the graph
    assert g.edges["p:铁矿石", "p:钢材"]["kind"] == "supplies"
    assert g.edges["f:F1", "sw:110101"]["kind"] == "in_industry"
    assert g.edges["f:F5", "sw:110000"]["kind"] == "in_industry"  # deepest code the firm has
    assert g.edges["sw:110101", "sw:110100"]["kind"] == "part_of"
    e2 = industry_supply_edges(data, level=2)
    assert e2.set_index(["from_sw", "to_sw"])["evidence"].to_dict() == {("110100", "110200"): 3, ("110200", "110300"): 2}


def test_positions_by_industry_and_product_suffix(templates) -> None:
    data = toy_chain()
    pos = firm_chain_positions(data.firms, data, templates)
    toy = pos[pos["chain"] == "玩具链"].set_index("firm_id")
    assert toy.loc["F1", "match_via"] == "industry+product"  # 110101 and 铁矿石 ends with 矿石
    assert set(toy.index) == {"F1", "F2", "F3", "F4", "F5"}
    assert toy.loc["F5", "match_via"] == "product" and toy.loc["F5", "weight"] == pytest.approx(0.6)  # 数控机器, not 机器油
    assert toy.loc["F3", "segment"] == "中游"  # level-2 code 110200 covers 110201
    m = product_matches(pd.Series(["电力变压器", "变压器油", "变压器"]), ("变压器",))
    assert m.isna().tolist() == [False, True, False] and m[0] == m[2] == "变压器"


def test_region_strength_and_actions_known_by_construction(templates) -> None:
    data = toy_chain()
    x = analyze_region(data.firms, ["100100"], "city", data, templates).set_index(["chain", "segment"])
    assert x.loc[("玩具链", "上游"), ["local_firms", "national_firms"]].tolist() == [1, 2]
    assert x.loc[("玩具链", "上游"), "rca"] == pytest.approx((1 / 1) / (2 / 5))
    assert x.loc[("玩具链", "上游"), "strength"] == "强" and x.loc[("玩具链", "上游"), "action"] == "延链"
    assert x.loc[("玩具链", "中游"), "strength"] == "缺" and x.loc[("玩具链", "中游"), "action"] == "补链"
    assert x.loc[("玩具链", "中游"), "leaders"].startswith("丙金属(000003)")  # larger, and its industry supplies 110301
    assert x.loc[("玩具链", "下游"), "strength"] == "缺"
    assert x.loc[("玩具链", "中游"), "links_from_previous"] == 3

    y = analyze_region(data.firms, ["200100"], "city", data, templates).set_index(["chain", "segment"])
    assert y.loc[("玩具链", "上游"), "rca"] == pytest.approx((1 / 4) / (2 / 5))
    assert y.loc[("玩具链", "上游"), ["strength", "action"]].tolist() == ["弱", "强链"]
    assert y.loc[("玩具链", "中游"), ["strength", "action"]].tolist() == ["强", "延链"]
    assert y.loc[("玩具链", "下游"), ["strength", "action"]].tolist() == ["强", "强链"]

    # county level: a curated local fact lifts a data gap to 弱, with its source in the reason
    c = analyze_region(data.firms, ["100101"], "county", data, templates).set_index(["chain", "segment"])
    assert c.loc[("反向链", "中游"), ["local_firms", "strength", "action"]].tolist() == [0, "弱", "强链"]
    assert "synthetic park" in c.loc[("反向链", "中游"), "reason"]


def test_reversed_template_is_flagged(templates) -> None:
    data = toy_chain()
    checks = check_templates(data, templates)
    direction = checks[checks["check"] == "supply direction"].set_index(["chain", "segment"])["flag"]
    assert direction[("反向链", "上游→中游")] and direction[("反向链", "中游→下游")]
    assert not direction[("玩具链", "上游→中游")] and not direction[("玩具链", "中游→下游")]
    x = analyze_region(data.firms, ["200100"], "city", data, templates).set_index(["chain", "segment"])
    assert x.loc[("反向链", "中游"), "template_flag"].startswith("supply evidence runs 中游→上游")


def test_export_round_trip_and_figure(templates, tmp_path: Path) -> None:
    data = toy_chain()
    res = analyze_region(data.firms, ["100100"], "city", data, templates)
    g = chain_subgraph(data, templates[0], res)
    assert g.nodes["seg:上游"]["strength"] == "强"
    assert g.edges["seg:上游", "seg:中游"]["evidence"] == 3
    paths = write_graph(g, tmp_path, "toy")
    back = nx.read_graphml(paths["graphml"])
    assert set(back.nodes) == set(g.nodes)
    assert '"edges"' in paths["json"].read_text(encoding="utf-8")
    png = plot_chain(g, tmp_path / "toy.png")
    assert png.stat().st_size > 5000
    full = write_graph(data.graph, tmp_path, "toy_full")
    assert nx.read_graphml(full["graphml"]).number_of_edges() == data.graph.number_of_edges()


def test_bad_template_is_refused(tmp_path: Path) -> None:
    (tmp_path / "bad.yaml").write_text(TEMPLATE.replace("segment: 中游", "segment: 旁游"), encoding="utf-8")
    with pytest.raises(SourceError, match=r"bad\.yaml.*segment"):
        load_chain_templates(folder=tmp_path)
    (tmp_path / "bad.yaml").write_text(TEMPLATE.replace("    source: synthetic\n", "", 1), encoding="utf-8")
    with pytest.raises(SourceError, match=r"bad\.yaml.*source"):
        load_chain_templates(folder=tmp_path)


def test_classifier_learns_name_cues_and_keeps_levels_consistent() -> None:
    """Synthetic firm names: 药业 → 370101, 钢铁 → 230401, 软件 → 710401 (60 firms each)."""
    rows = []
    for i in range(60):
        for cue, code in (("药业", "370101"), ("钢铁", "230401"), ("软件", "710401")):
            rows.append({"firm_id": f"{cue}{i}", "name": f"华{i}{cue}", "sw_l1_code": code[:2] + "0000", "sw_l2_code": code[:4] + "00", "sw_l3_code": code})
    rows += [{"firm_id": "new1", "name": "东方药业", "sw_l1_code": None, "sw_l2_code": None, "sw_l3_code": None},
             {"firm_id": "new2", "name": "北方钢铁", "sw_l1_code": None, "sw_l2_code": None, "sw_l3_code": None}]
    firms = pd.DataFrame(rows)
    firms["industry_source"] = np.where(firms["sw_l1_code"].notna(), "chainkg", None)
    firms["geo_level"] = "none"
    firms = conform(firms)  # the firm master's schema (invented firms)
    pred = classify_industries(firms).set_index("firm_id")
    assert pred.loc["new1", "sw_l3_code"] == "370101" and pred.loc["new2", "sw_l3_code"] == "230401"
    assert (pred["sw_l2_code"].str.slice(0, 2) == pred["sw_l1_code"].str.slice(0, 2)).all()
    assert (pred["sw_l3_code"].str.slice(0, 4) == pred["sw_l2_code"].str.slice(0, 4)).all()
    assert pred["source"].eq("classifier").all() and pred["proba"].between(0, 1).all()
