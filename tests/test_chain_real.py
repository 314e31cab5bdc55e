"""The chain graph on the real data: relations the data contains, statistics, crosswalk, templates,
relation-cleaning precision on the hand-labelled sample, classifier accuracy and the 秦皇岛 analysis."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from matcher.chain import (
    analyze_region,
    clean,
    evaluate_classifier,
    graph_stats,
    industry_supply_edges,
    load_chain_templates,
)
from matcher.chain.taxonomy import load_crosswalk
from matcher.sources.gbt4754 import load_gbt4754

pytestmark = pytest.mark.realdata

QHD = "130300"


@pytest.fixture(scope="module")
def chain(pipe):
    return pipe.chain


def test_real_relations_are_in_the_graph(chain) -> None:
    g = chain.graph
    # product supply edges the data holds (upstream → downstream), kept by the cleaning
    for up, down in [("矿石石英砂", "浮法玻璃"), ("铁芯", "变压器"), ("锂辉石", "碳酸锂"), ("硝酸", "苯胺"), ("镁", "海绵钛"), ("聚乙烯", "农膜")]:
        assert g.edges[f"p:{up}", f"p:{down}"]["kind"] == "supplies", (up, down)
    # recipes and non-products are dropped
    for up, down in [("葱段", "葡萄酒烧鸡翅"), ("贝类附着物", "船舶清洗")]:
        assert not g.has_edge(f"p:{up}", f"p:{down}")
    # aggregated industry edge with its evidence and WIOD coefficient: 焦炭Ⅲ → 氯碱
    e = g.edges["sw:740201", "sw:220202"]
    assert e["evidence"] >= 10 and e["io_coef"] > 0
    assert g.edges["p:浮法玻璃", "sw:610201"]["kind"] == "made_in"
    # a firm is attached to its industry and products; hierarchy and crosswalk edges
    assert g.edges["f:S:601326", "sw:421102"]["kind"] == "in_industry"  # 秦港股份 → 港口 (code remapped by name)
    assert g.has_edge("f:S:601326", "p:干散杂货服务")
    assert g.edges["sw:280203", "sw:280200"]["kind"] == "part_of"
    assert g.has_edge("sw:280200", "gb:36") and g.nodes["gb:36"]["name"] == "汽车制造业"
    assert g.has_edge("gb:36", "gb:C")


def test_graph_statistics(chain) -> None:
    s = graph_stats(chain)
    assert s["nodes_by_type"]["industry"] == 511
    assert s["nodes_by_type"]["product"] > 30000
    assert s["share_firms_attached_to_industry"] > 0.99
    assert 0.5 < s["share_firms_attached_to_products"] < 1
    assert s["industry_edges"] > 1000 and s["industry_edges_with_io_coef"] > 0.8 * s["industry_edges"]
    e = industry_supply_edges(chain, level=1)
    assert (e["from_sw"].str.endswith("0000") & (e["from_sw"] != e["to_sw"])).all()
    noise = chain.noise.set_index(["source", "item"])["count"]
    assert noise[("chainkg.company_product", "quarantined: exact duplicate (first kept)")] == 578
    assert noise[("chainkg.company_product", "weight kind: placeholder")] == 14714


def test_crosswalk_is_complete_and_uses_real_gb_codes(data_dir: Path, chain) -> None:
    xw = load_crosswalk()
    gb = load_gbt4754(data_dir).frame.set_index("code")["name"]
    l2 = chain.industries[chain.industries["level"] == 2]
    assert set(xw["sw_l2_code"]) == set(l2["sw_code"]) and len(xw) == 134
    primary = xw["gb_division"].dropna()
    assert primary.isin(gb.index).all() and xw["gb_section"].dropna().isin(gb.index).all()
    assert (xw.dropna(subset=["gb_division"]).apply(lambda r: gb[r["gb_division"]] == r["gb_division_name"], axis=1)).all()
    m = xw.set_index("sw_l2_code")["gb_division"]
    assert (m["280200"], m["370500"], m["610200"], m["421100"], m["710400"]) == ("36", "35", "30", "55", "65")
    assert xw["method"].str.contains("reviewed").all()


def test_templates_cite_real_sources(data_dir: Path, chain) -> None:
    templates = load_chain_templates()
    assert len(templates) >= 10
    gb = load_gbt4754(data_dir).frame.set_index("code")["name"]
    codes = set(chain.industries["sw_code"])
    facts = (data_dir / "qinhuangdao_facts" / "FACTS.md").read_text(encoding="utf-8")
    for t in templates:
        assert [s.segment for s in t.segments] == ["上游", "中游", "下游"], t.chain
        assert t.why, t.chain
        for w in t.why:
            urls = re.findall(r"https?://\S+", w["source"])
            assert "FACTS.md" in w["source"] and all(u.rstrip(";,)") in facts for u in urls), (t.chain, w["source"])
        for s in t.segments:
            assert set(s.industries) <= codes, (t.chain, s.segment)
            for c in s.gb_codes:
                assert c in gb.index and f"{c} {gb[c]}" in s.source, (t.chain, c)


def test_relation_cleaning_rule_is_chosen_on_the_tune_half(chain) -> None:
    lab = clean.load_labelled()
    assert len(lab) >= 200 and set(lab["label"]) == {0, 1}
    assert lab.groupby("stratum")["half"].value_counts().unstack().eq(30).all().all()
    # every labelled relation is in the data, in the stratum it was sampled from
    rel = chain.relations.set_index(["down", "up"])["stratum"]
    assert all(rel[(d, u)] == s for d, u, s in zip(lab["down"], lab["up"], lab["stratum"], strict=True))
    sizes = {str(k): int(v) for k, v in chain.relations["stratum"].value_counts().items()}
    # the graph's rule is the one the written criterion picks on the tune half — never on the holdout
    assert clean.choose_rule(clean.load_labelled(half="tune"), sizes) == clean.DEFAULT_RULE


def test_relation_cleaning_precision_on_the_holdout_half(chain) -> None:
    lab = clean.load_labelled(half="holdout")
    sizes = {str(k): int(v) for k, v in chain.relations["stratum"].value_counts().items()}
    ev = clean.evaluate_rules(lab, sizes).set_index("rule")
    raw, chosen = ev.loc["raw"], ev.loc[clean.DEFAULT_RULE]
    assert raw["precision_est"] < 0.35  # the extracted relations are mostly noise
    assert chosen["precision_est"] > raw["precision_est"] + 0.3
    assert chosen["labelled_true_lost"] == lab.loc[~lab["stratum"].isin(clean.RULES[clean.DEFAULT_RULE]), "label"].sum()
    assert ev.loc["both_made", "precision_est"] >= chosen["precision_est"]


def test_classifier_beats_majority_baseline(chain) -> None:
    ev = evaluate_classifier(chain.firms, chain.firm_products).set_index(["input", "level"])
    for inp in ("name", "name+label", "name+label+products"):
        assert ev.loc[(inp, 1), "accuracy"] > 3 * ev.loc[(inp, 1), "majority_baseline"]
        assert ev.loc[(inp, 2), "accuracy"] > 3 * ev.loc[(inp, 2), "majority_baseline"]
    assert ev.loc[("name+label", 1), "accuracy"] > ev.loc[("name", 1), "accuracy"] + 0.1


def test_qinhuangdao_every_named_chain(chain) -> None:
    templates = load_chain_templates()
    res = analyze_region(chain.firms, [QHD], "city", chain, templates)
    assert set(res["chain"]) == {t.chain for t in templates}
    assert len(res) == 3 * len(templates)
    assert set(res["strength"]) <= {"强", "弱", "缺"} and set(res["action"]) <= {"补链", "强链", "延链"}
    r = res.set_index(["chain", "segment"])
    assert "秦港股份" in r.loc[("港口物流", "中游"), "local_firm_names"] and r.loc[("港口物流", "中游"), "strength"] == "强"
    assert "康泰医学" in r.loc[("生命健康", "中游"), "local_firm_names"]
    has_national = res[res["national_firms"] > 0]
    assert (has_national["leaders"].str.len() > 0).all()
    assert "上汽集团" in r.loc[("汽车零部件", "下游"), "leaders"]
    assert (res["reason"].str.len() > 10).all()


def test_cli_chain_writes_csv_and_figure(data_dir: Path, real_workdir: Path, chain, tmp_path: Path) -> None:
    from matcher.cli import build_app

    out = tmp_path / "out"
    result = CliRunner().invoke(
        build_app(),
        ["chain", "--city", "秦皇岛", "--data", str(data_dir), "--workdir", str(real_workdir), "--out", str(out), "--chain", "葡萄酒"],
    )
    assert result.exit_code == 0, result.output
    df = pd.read_csv(out / "chain_analysis_秦皇岛市.csv")
    assert df["segment"].tolist() == ["上游", "中游", "下游"]
    assert (out / "chain_wine.png").stat().st_size > 5000 and (out / "chain_wine.svg").exists()
    assert (out / "chain_wine.graphml").exists() and (out / "chain_wine.json").exists()
