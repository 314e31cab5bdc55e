"""Unicorns carry Chinese names from a cited table and appear once (issue 16: 元气森林 appeared twice,
as "Genki Forest" and "Yuanqi Senlin", and every unicorn had only its English name)."""

from __future__ import annotations

import pandas as pd
import pytest

from matcher.firms.unicorn_names import apply_unicorn_names, load_unicorn_names

TABLE = """name_en,name_zh,same_as,source,note
Genki Forest,元气森林,,https://example.org/a,quote
Yuanqi Senlin,元气森林,Genki Forest,https://example.org/a,pinyin of the same
Xiaoice,,Xiaobing,https://example.org/b,same firm
Xiaobing,,,,no source
Keep,,,,no source
"""


def _unicorns() -> pd.DataFrame:
    return pd.DataFrame({
        "firm_id": ["U:genki-forest", "U:yuanqi-senlin", "U:xiaobing-0", "U:xiaobing-1", "U:keep"],
        "name": ["Genki Forest", "Yuanqi Senlin", "Xiaoice", "Xiaobing", "Keep"],
        "name_en": ["Genki Forest", "Yuanqi Senlin", "Xiaoice", "Xiaobing", "Keep"],
        "valuation_usd_bn": [15.0, 15.0, 1.0, 1.0, 2.0],
        "sources": ["unicorns.maven", "unicorns.cbinsights", "unicorns.cbinsights", "unicorns.maven", "unicorns.maven"],
        "geo_level": ["city", "city", "city", "none", "city"],
    })


def test_chinese_names_and_one_row_per_firm() -> None:
    got = apply_unicorn_names(_unicorns(), load_unicorn_names(TABLE)).set_index("firm_id")
    assert list(got.index) == ["U:genki-forest", "U:keep", "U:xiaobing-1"]
    assert got.at["U:genki-forest", "name"] == "元气森林" and got.at["U:genki-forest", "name_en"] == "Genki Forest"
    assert got.at["U:genki-forest", "sources"] == "unicorns.cbinsights;unicorns.maven"
    assert got.at["U:xiaobing-1", "name"] == "Xiaobing"  # merged, but no citable Chinese name: English kept
    assert got.at["U:keep", "name"] == "Keep"


def test_a_claim_needs_a_source() -> None:
    with pytest.raises(ValueError, match="source"):
        load_unicorn_names("name_en,name_zh,same_as,source,note\nKeep,保持,,,\n")


def test_the_shipped_table_is_cited() -> None:
    t = load_unicorn_names()
    named = t[t["name_zh"] != ""]
    assert len(named) >= 5 and named["source"].str.startswith("http").all()
    assert all(z in n for z, n in zip(named["name_zh"], named["note"], strict=True))  # each quotes its page's passage
    assert t.set_index("name_en").at["Yuanqi Senlin", "same_as"] == "Genki Forest"


@pytest.mark.realdata
def test_the_master_lists_yuanqi_senlin_once(real_firms) -> None:  # noqa: ANN001
    u = real_firms[real_firms["is_unicorn"].fillna(False)]
    assert (u["name"] == "元气森林").sum() == 1
    assert not u["name"].isin(["Yuanqi Senlin", "Genki Forest"]).any()
    assert (u["name"] == "字节跳动").sum() == 1


def test_a_unicorn_listed_since_is_linked_by_its_cited_chinese_name() -> None:
    from matcher.firms.master import link_unicorns_to_listed

    # invented firms (unit test only): same Chinese name and city → one firm; same name, other city → not linked
    unicorns = pd.DataFrame({"firm_id": ["U:1", "U:2"], "name": ["测甲医疗", "测乙科技"], "name_en": ["Ceshi Jia Medical", "Ceshi Yi Tech"],
                             "city_code": ["310100", "110100"], "province_code": ["310000", "110000"]})
    listed = pd.DataFrame({"firm_id": ["S:1", "S:2"], "name": ["测甲医疗", "测乙科技"], "name_en": [None, None],
                           "city_code": ["310100", "440300"], "province_code": ["310000", "440000"]})
    links = link_unicorns_to_listed(unicorns, listed)
    assert links[["firm_id", "listed_firm_id"]].values.tolist() == [["U:1", "S:1"]]
