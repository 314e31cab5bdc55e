"""Chains you can defend (issue 16): a firm sits on a segment only on its own industry, its own Tushare
label (majority crosswalk) or its own main products with a real weight; never on the name classifier
alone, a business-scope mention, a generic word or a small side line. Unit tests on candidates built by
hand; real-data tests on the firms the issue names."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from matcher.chain.positions import CANDIDATE_COLUMNS, AssignmentRule, assign_positions, choose_positions


def _cand(**kw: object) -> dict[str, object]:
    row: dict[str, object] = {c: None for c in CANDIDATE_COLUMNS}
    row.update({"prod_weight": 0.0, "top_product_weight": 0.0, "ts_share": np.nan, "ts_firms": np.nan})
    row.update(kw)
    return row


CANDS = pd.DataFrame([
    # an industry match
    _cand(firm_id="A", chain="甲链", segment="中游", ind_code="370501", ind_name="医疗设备", ind_source="chainkg"),
    # a business-scope mention only (王府井 → 粮油 via 定型包装食品)
    _cand(firm_id="B", chain="甲链", segment="中游", mentions="定型包装食品", top_product_weight=0.97),
    # the name classifier alone (爱迪特 → 食品添加剂 at p = 0.16)
    _cand(firm_id="C", chain="甲链", segment="中游", ind_code="220315", ind_source="classifier", ind_proba=0.16),
    # a small side line (美的 → 船用配套 via 电机 0.05)
    _cand(firm_id="D", chain="乙链", segment="上游", prod_weight=0.05, prod_keys="电机=0.05", prod_terms="电机 0.05", top_product_weight=0.66),
    # a principal product
    _cand(firm_id="E", chain="乙链", segment="中游", prod_weight=0.6, prod_keys="变压器=0.6", prod_terms="变压器 0.60", top_product_weight=0.6),
    # a generic word (化工新材料 → 新材料)
    _cand(firm_id="F", chain="丙链", segment="中游", prod_weight=0.54, prod_keys="新材料=0.54", prod_terms="化工新材料 0.54", top_product_weight=0.54),
    # a real line, but under a third of the firm's largest product (华创云信 → 型材 0.28 next to 证券 1.0)
    _cand(firm_id="G", chain="丁链", segment="上游", prod_weight=0.28, prod_keys="型材=0.28", prod_terms="型材 0.28", top_product_weight=1.0),
    # no chain-KG code, a Tushare label most of whose firms sit in the segment
    _cand(firm_id="H", chain="甲链", segment="中游", ind_code="370501", ind_source="classifier", ts_label="生物制药", ts_share=0.9, ts_firms=51),
    # a Tushare label with too few firms behind it
    _cand(firm_id="I", chain="甲链", segment="下游", ts_label="电器连锁", ts_share=0.5, ts_firms=2),
    # two industry matches (a steel maker upstream of two chains) and a product match elsewhere
    _cand(firm_id="J", chain="甲链", segment="上游", ind_code="230402", ind_name="板材", ind_source="chainkg"),
    _cand(firm_id="J", chain="乙链", segment="上游", ind_code="230402", ind_name="板材", ind_source="chainkg"),
    _cand(firm_id="J", chain="丙链", segment="中游", prod_weight=0.9, prod_keys="钢结构=0.9", prod_terms="钢结构 0.90", top_product_weight=0.9),
])


def test_only_stated_evidence_places_a_firm() -> None:
    a = assign_positions(CANDS)
    placed = set(a["firm_id"])
    assert placed == {"A", "E", "H", "J"}  # B, C, D, F, G and I are 未归链
    kinds = a.drop_duplicates("firm_id").set_index("firm_id")["evidence"].to_dict()
    assert kinds == {"A": "industry", "E": "product", "H": "tushare", "J": "industry"}
    assert a.set_index("firm_id").loc["A", "evidence_text"] == "申万行业：医疗设备"
    assert "变压器" in a.set_index("firm_id").loc["E", "evidence_text"]


def test_industry_beats_products_and_ties_are_marked_best() -> None:
    j = assign_positions(CANDS)
    j = j[j["firm_id"] == "J"].set_index("chain")
    assert j["best"].to_dict() == {"甲链": True, "乙链": True, "丙链": False}
    got = choose_positions(assign_positions(CANDS), {"乙链"}).set_index("firm_id")
    assert got.loc["J", "chain"] == "乙链"  # the targeted chain, among the equally evidenced ones
    assert choose_positions(assign_positions(CANDS), {"丙链"}).set_index("firm_id").loc["J", "chain"] != "丙链"


def test_thresholds_are_the_rule_s() -> None:
    loose = AssignmentRule(min_product_weight=0.01, min_product_share=0.0, generic_terms=())
    assert {"D", "F", "G"} <= set(assign_positions(CANDS, loose)["firm_id"])
    assert not {"D", "F", "G"} & set(assign_positions(CANDS)["firm_id"])


# ------------------------------------------------------------------------------------------ real data
@pytest.mark.realdata
def test_issue_16_named_firms_are_placed_on_evidence(pipe) -> None:  # noqa: ANN001
    pos = pipe.chain_positions["chain_positions"]
    firms = pipe.firms.set_index("firm_id")
    by_name = {str(firms.at[f, "name"]): f for f in firms.index}

    def chains(name: str) -> set[str]:
        return set(pos.loc[pos["firm_id"] == by_name[name], "chain"].astype(str))

    assert "粮油食品" not in chains("王府井")          # a department store, placed by a business-scope mention
    assert "装配式建筑" not in chains("华创云信")       # a broker, placed by 型材 at 0.28
    assert "船舶修造与海工" not in chains("美的集团")    # 电机 at 0.05
    assert "生命健康" not in chains("中信出版")         # a publisher, placed by a mention
    assert chains("爱迪特") == set()                   # the classifier's food additive at p = 0.16: 未归链
    assert "汽车零部件" not in chains("世纪华通")       # a game company with a small auto-parts line
    assert chains("冀东水泥") == {"装配式建筑"}          # its own industry (水泥制造)
