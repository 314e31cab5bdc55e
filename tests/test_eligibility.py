"""Eligibility as data (issue 16): which firms are not investment targets, and why.

Each test builds firms whose right answer is known by construction (synthetic names 合成…); the real
top-200 checks are in tests/test_outputs_navmap.py.
"""

from __future__ import annotations

import pandas as pd
import pytest

from matcher.model.eligibility import evaluate, first_rule, load_rules, rule_from_dict, rules_for_pack
from matcher.regions.pack import PackError, parse_pack


def _firms() -> pd.DataFrame:
    rows = [
        # firm_id, name, legal_name, sw_l1, sw_l2, sw_l3, source, tushare
        ("S:B1", "合成银行", "合成银行股份有限公司", "480000", "480300", "480301", "chainkg", "银行"),
        ("S:B2", "合成农商", None, None, None, None, None, "银行"),          # no Shenwan code: the Tushare label decides
        ("S:B3", "合成城商银行", None, None, None, None, None, None),        # only the name says it
        ("S:S1", "合成证券", None, "490000", "490100", "490101", "chainkg", "证券"),
        ("S:I1", "合成人寿", "合成人寿保险股份有限公司", "490000", "490200", "490201", "chainkg", "保险"),
        ("S:F1", "合成财经数据", None, "490000", "490300", "490306", "chainkg", "软件服务"),  # 金融信息服务: software, eligible
        ("S:P1", "合成幸福", None, "430000", "430100", "430103", "chainkg", "区域地产"),  # 产业地产 is development
        ("S:P2", "合成物业", None, "430000", "430300", "430301", "chainkg", "房产服务"),  # property services: eligible
        ("S:T1", "*ST合成", None, "270000", "270100", "270101", "chainkg", "元器件"),
        ("S:T2", "ST合成", None, "340000", "340400", "340401", "chainkg", "食品"),
        ("S:T3", "合成退", None, "640000", "640200", "640203", "chainkg", "专用机械"),
        ("S:E1", "合成电力", None, "410000", "410100", "410101", "chainkg", "火力发电"),
        ("S:E2", "合成煤业", None, "740000", "740100", "740101", "chainkg", "煤炭开采"),
        ("S:E3", "合成焦化", None, "740000", "740200", "740201", "chainkg", "焦炭加工"),  # coking is manufacturing
        ("S:E4", "合成风机", None, "410000", "410100", "410107", "chainkg", "新型电力"),  # a utility placed by its products
        ("S:C1", "合成数字", None, "480000", "480300", "480301", "classifier", None),  # a classifier code never excludes
        ("S:M1", "合成制造", None, "640000", "640100", "640101", "chainkg", "专用机械"),
    ]
    cols = ["firm_id", "name", "legal_name", "sw_l1_code", "sw_l2_code", "sw_l3_code", "industry_source", "industry_tushare"]
    return pd.DataFrame(rows, columns=cols).astype("string")


def test_national_rules_have_a_reason_and_a_source() -> None:
    rules = load_rules()
    assert [r.id for r in rules] == ["finance", "property", "risk_warning", "energy_utilities"]
    for r in rules:
        assert r.reason and any("\u4e00" <= ch <= "\u9fff" for ch in r.reason)  # Chinese
        assert r.sources and all(s.startswith("http") for s in r.sources)
        assert r.basis in ("stated", "inferred")


def test_who_is_left_out_and_why() -> None:
    got = first_rule(evaluate(_firms(), load_rules(), placed_by={"S:E4": "product"})).set_index("firm_id")["rule"].to_dict()
    assert got == {
        "S:B1": "finance", "S:B2": "finance", "S:B3": "finance", "S:S1": "finance", "S:I1": "finance",
        "S:P1": "property", "S:T1": "risk_warning", "S:T2": "risk_warning", "S:T3": "risk_warning",
        "S:E1": "energy_utilities", "S:E2": "energy_utilities",
    }  # eligible: 金融信息服务, 物业, 焦化, a utility whose products place it on a chain, a classifier code, a maker


def test_energy_is_excluded_when_placed_by_its_industry_only() -> None:
    b = evaluate(_firms(), load_rules(), placed_by={"S:E4": "industry"})
    assert "S:E4" in set(b["firm_id"])


def test_rule_format_is_checked() -> None:
    with pytest.raises(ValueError, match="source"):
        rule_from_dict({"id": "x", "name": "某规则", "reason": "原因", "match": {"sw": ["480000"]}})
    with pytest.raises(ValueError, match="unknown match keys"):
        rule_from_dict({"id": "x", "name": "某规则", "reason": "原因", "sources": ["https://example.org"], "match": {"city": ["x"]}})
    with pytest.raises(ValueError, match="6 digits"):
        rule_from_dict({"id": "x", "name": "某规则", "reason": "原因", "sources": ["https://example.org"], "match": {"sw": ["48"]}})


def _pack(eligibility: dict) -> object:
    return parse_pack({"city": "合成市", "city_code": "990100", "province": "合成省", "eligibility": eligibility,
                       "units": [{"code": "990101", "name": "甲区"}]})


def test_a_pack_switches_a_rule_off_and_adds_its_own() -> None:
    pack = _pack({"disable": [{"rule": "property", "source": "FACTS.md#synthetic", "note": "synthetic"}],
                  "rules": [{"id": "coke", "name": "焦化", "reason": "本市禁止新增焦化产能（合成示例）", "sources": ["FACTS.md#synthetic"],
                             "match": {"sw": ["740200"]}}]})
    rules = rules_for_pack(load_rules(), pack)
    assert "property" not in {r.id for r in rules} and rules[-1].id == "coke" and rules[-1].origin == "合成市"
    got = set(evaluate(_firms(), rules)["firm_id"])
    assert "S:P1" not in got and "S:E3" in got


def test_a_pack_rule_needs_sources_and_known_rules() -> None:
    with pytest.raises(PackError, match="sources"):
        _pack({"rules": [{"id": "x", "name": "某规则", "reason": "原因", "sources": [], "match": {"sw": ["740200"]}}]})
    with pytest.raises(PackError, match="source"):
        _pack({"disable": [{"rule": "property"}]})
    with pytest.raises(ValueError, match="unknown rules"):
        rules_for_pack(load_rules(), _pack({"disable": [{"rule": "nope", "source": "FACTS.md#synthetic"}]}))
