"""Registry evidence on toy data whose right answers are known by construction (invented names: edge cases)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from matcher.firms import registry_industry as RI
from matcher.firms.registry_links import LINK_THRESHOLD, link_registrations, link_type, score_link
from matcher.regions.registry_presence import expansion_events, local_presence
from matcher.regions.registry_profiles import county_industries, division_profiles

FIRMS = pd.DataFrame({
    "firm_id": ["S:1", "S:2", "S:3", "S:4"],
    "name": ["亚普股份", "保变电气", "天沃科技", "鄂尔多斯"],
    "legal_name": ["亚普汽车部件股份有限公司", "保定天威保变电气股份有限公司", "苏州天沃科技股份有限公司", "内蒙古鄂尔多斯资源股份有限公司"],
    "city_code": ["321000", "130600", "320500", "150600"],
})


def test_links_by_name_key() -> None:
    reg = pd.DataFrame({"row": [1, 2, 3, 4, 5, 6], "legal_name": [
        "亚普汽车部件股份有限公司长春分厂",       # branch of the legal entity
        "亚普汽车部件股份有限公司",               # the firm itself
        "天威保变(秦皇岛)变压器有限公司",          # no: the key 天威保变 is no key of the master (short name is 保变电气)
        "武汉天沃科技开发有限公司",               # starts with a place: never linked
        "天沃科技开发有限公司",                   # the brand continues into another firm's name
        "鄂尔多斯市东胜区某商贸有限公司",          # a place, not the firm
    ]})
    links = link_registrations(reg, FIRMS).set_index("row")
    assert links.loc[1, "firm_id"] == "S:1" and links.loc[1, "link_type"] == "branch" and links.loc[1, "score"] >= 0.95
    assert links.loc[2, "link_type"] == "self"
    assert 4 not in links.index and 3 not in links.index
    assert links.loc[5, "score"] < LINK_THRESHOLD
    assert links.loc[6, "score"] < LINK_THRESHOLD


def test_link_types_and_scores() -> None:
    assert link_type("legal", "长沙支行") == "sales_outlet"
    assert link_type("brand", "(秦皇岛)重型装备有限公司") == "subsidiary"
    assert score_link("stem", "晨光生物科技集团", "喀什有限公司") >= LINK_THRESHOLD
    assert score_link("brand", "天威保变", "(秦皇岛)变压器有限公司") > score_link("brand", "天威保变", "变压器有限公司")


def test_weak_labels_follow_the_rule() -> None:
    assert RI.weak_label("中国工商银行股份有限公司秦皇岛海港支行", None) == "66"
    assert RI.weak_label("某某餐饮管理有限公司", "餐饮服务") == "62"
    assert RI.weak_label("某某服装厂", "服装加工") == "18"
    assert RI.weak_label("某某服装有限公司", "服装销售") is None  # a product word without production evidence
    assert RI.weak_label("某某科技有限公司", "技术开发") is None


def test_hashed_ngrams_are_deterministic_and_separate_fields() -> None:
    a = RI.hashed_ngrams(["葡萄酒", "葡萄酒"], salt=1)
    b = RI.hashed_ngrams(["葡萄酒"], salt=2)
    assert a.shape == (2, RI.N_FEATURES)
    assert (a[0] != a[1]).nnz == 0 and a[0].sum() == 3 + 2 + 1  # 3 unigrams, 2 bigrams, 1 trigram
    assert set(a[0].indices).isdisjoint(set(b[0].indices)) or len(set(a[0].indices) & set(b[0].indices)) < 2
    empty = RI.hashed_ngrams(["", "酒"], salt=1)
    assert empty[0].nnz == 0 and empty[1].sum() == 1


def _toy_registry() -> pd.DataFrame:
    rows = []
    # unit A: wine; unit B: ships; other units: trade, in two cities
    for _i in range(20):
        rows.append(("130322", "130300", "15"))
    for _i in range(10):
        rows.append(("130303", "130300", "37"))
    for _i in range(30):
        rows.append(("110105", "110000", "51"))
    for _i in range(5):
        rows.append(("130322", "130300", "51"))
    df = pd.DataFrame(rows, columns=["county_code", "city_code", "division"])
    df["row"] = np.arange(1, len(df) + 1)
    df["reg_year"] = 2010
    df["reg_date"] = pd.Timestamp("2010-01-01")
    df["legal_name"] = [f"公司{i}" for i in range(len(df))]
    df["uscc"] = [f"U{i}" for i in range(len(df))]
    df["province_code"] = df["city_code"].str.slice(0, 2) + "0000"
    df["geo_level"] = "county"
    return df


def test_profiles_differ_where_the_data_differs() -> None:
    reg = _toy_registry()
    prof = division_profiles(reg, windows=(("all", 1949, 2019),))
    units = pd.DataFrame({"county_code": ["130322", "130303"], "county_name": ["昌黎县", "山海关区"]})
    ind = county_industries(prof, units, {"15": "酒、饮料和精制茶制造业", "37": "铁路、船舶、航空航天和其他运输设备制造业",
                                          "51": "批发业"}).set_index(["unit_code", "division_code"])
    assert ind.loc[("130322", "15"), "n_registry"] == 20 and ind.loc[("130303", "15"), "n_registry"] == 0
    assert ind.loc[("130303", "37"), "rca"] > 1 and ind.loc[("130322", "37"), "rca"] == 0
    assert len(ind) == 2 * 3


def test_presence_and_events() -> None:
    reg = _toy_registry()
    links = pd.DataFrame({"row": [1, 2, 21, 31], "firm_id": ["S:2", "S:2", "S:2", "S:1"], "key_kind": "legal", "key": "k",
                          "remainder": "", "link_type": ["subsidiary", "branch", "branch", "self"],
                          "score": [0.9, 0.9, 0.5, 0.97]})
    firms = FIRMS.assign(city_code=["110000", "130600", "320500", "150600"])
    pr = local_presence(links, reg, firms, LINK_THRESHOLD)
    assert pr.set_index(["firm_id", "county_code"]).loc[("S:2", "130322"), "n_entities"] == 2
    assert ("S:2", "130303") not in set(zip(pr["firm_id"], pr["county_code"], strict=False))  # below the threshold
    ev = expansion_events(links, reg, firms, LINK_THRESHOLD)
    assert set(ev["firm_id"]) == {"S:2"} and len(ev) == 2  # the firm's own registration is no event
