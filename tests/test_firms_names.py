"""Name normalisation on real firm names (SZSE list, Fortune China 500, Tushare short names)."""

from __future__ import annotations

import pandas as pd
import pytest

from matcher.firms.names import (
    clean_text,
    name_variants,
    normalize_english_name,
    normalize_name,
    normalize_short_name,
    region_names,
    strip_legal_form,
    strip_listing_markers,
    strip_region,
)


@pytest.mark.parametrize(
    "raw, expected",
    [
        ("秦皇岛港股份有限公司", "秦皇岛港"),  # 秦皇岛 is part of the name: '港' alone is too short
        ("中信戴卡股份有限公司", "中信戴卡"),
        ("万  科Ａ", "万科"),
        ("*ST中嘉", "中嘉"),
        ("北京字节跳动科技有限公司", "字节跳动科技"),
        ("宁德时代新能源科技股份有限公司", "时代新能源科技"),
        ("中国平安保险（集团）股份有限公司", "中国平安保险"),
        ("中国平安保险(集团)股份有限公司", "中国平安保险"),
        ("美的集团股份有限公司", "美的"),
        ("华辰精密装备（昆山）股份有限公司", "华辰精密装备"),
        ("北京银行股份有限公司", "北京银行"),  # region kept: '银行' would merge every city bank
        ("南京银行", "南京银行"),
        ("TCL科技集团股份有限公司", "tcl科技"),
        ("S*ST前锋", "前锋"),
        ("寒武纪-U", "寒武纪"),
        (None, ""),
        ("", ""),
        (float("nan"), ""),
    ],
)
def test_normalize_name(raw: object, expected: str) -> None:
    assert normalize_name(raw) == expected  # type: ignore[arg-type]


def test_full_and_half_width_and_spaces() -> None:
    assert clean_text("万  科Ａ") == "万科A"
    assert clean_text("中国平安保险【集团】") == "中国平安保险(集团)"
    assert clean_text("Ping An  Insurance") == "Ping An Insurance"  # Latin word spaces kept (collapsed)


def test_strip_legal_form_keeps_region_and_industry() -> None:
    assert strip_legal_form("宁德时代新能源科技股份有限公司") == "宁德时代新能源科技"
    assert strip_legal_form("中集集团") == "中集"
    assert strip_legal_form("泛海控股股份有限公司") == "泛海"
    assert strip_legal_form("集团有限公司") == "集团"  # never below two characters
    assert strip_legal_form("某某投资合伙企业(有限合伙)") == "某某投资"


def test_strip_region_returns_evidence() -> None:
    assert strip_region("北京字节跳动科技有限公司") == ("字节跳动科技有限公司", ["北京"])
    assert strip_region("河北省秦皇岛市某某科技有限公司") == ("某某科技有限公司", ["河北省", "秦皇岛市"])
    assert strip_region("华为技术（深圳）有限公司") == ("华为技术有限公司", ["深圳"])
    assert strip_region("东方财富信息股份有限公司") == ("东方财富信息股份有限公司", [])  # 东方 county short: not used
    assert strip_region(None) == ("", [])


def test_region_names_from_division_table() -> None:
    names = region_names()
    assert names["河北省"] == "130000" and names["河北"] == "130000"
    assert names["秦皇岛市"] == "130300" and names["秦皇岛"] == "130300"
    assert names["广西"] == "450000" and names["新疆"] == "650000" and names["延边"] == "222400"
    assert names["昆山市"] == "320583"
    assert "东方" not in names  # county short forms are common words
    assert len(names) > 3000


def test_short_names() -> None:
    assert normalize_short_name("万  科Ａ") == "万科"
    assert normalize_short_name("*ST中嘉") == "中嘉"
    assert normalize_short_name("XD万科A") == "万科"
    assert normalize_short_name("宁德时代") == "宁德时代"
    assert normalize_short_name("华瓷股份") == "华瓷"
    assert strip_listing_markers("TCL科技") == "TCL科技"  # no marker
    assert strip_listing_markers("ST路通") == "路通"


def test_english_names() -> None:
    assert normalize_english_name("ByteDance") == normalize_english_name("Bytedance") == "bytedance"
    assert normalize_english_name("Yunnan Baiyao Group Co., Ltd.") == "yunnan baiyao"
    assert normalize_english_name("CHINA INTERNATIONAL MARINE CONTAINERS (GROUP) CO., LTD") == (
        "china international marine containers"
    )
    assert normalize_english_name("YUEYANG XINGCHANG PETRO-CHEMICAL CO.，LTD.") == "yueyang xingchang petro chemical"
    assert normalize_english_name("The Group") == "group"  # at least one token kept
    assert normalize_english_name(None) == ""


def test_name_variants_vectorised() -> None:
    frame = pd.DataFrame({"name": ["万  科Ａ", None, "北京字节跳动科技有限公司", "万  科Ａ"]}, index=[10, 11, 12, 13])
    out = name_variants(frame, "name")
    assert list(out.index) == [10, 11, 12, 13]
    assert list(out["name_norm"]) == ["万科", "", "字节跳动科技", "万科"]
    assert out.loc[12, "name_regions"] == "北京"
    assert pd.isna(out.loc[10, "name_regions"])
    assert out.loc[12, "name_core"] == "字节跳动"
    assert frame.loc[10, "name"] == "万  科Ａ"  # original untouched


@pytest.mark.realdata
def test_szse_short_names_agree_with_legal_names(data_dir) -> None:
    """On the SZSE list, the normalised short name should mostly be recoverable from the legal name."""
    from matcher.sources.exchanges import load_szse

    frame = load_szse(data_dir).frame
    legal = name_variants(frame, "legal_name")
    short = frame["short_name_raw"].map(normalize_short_name)
    # the short name's characters appear in order inside the legal name (万科 in 万科企业, 中集 in 中国国际海运集装箱)
    def in_order(s: str, full: str) -> bool:
        it = iter(full)
        return all(ch in it for ch in s)

    agree = [in_order(s, f) for s, f in zip(short, frame["legal_name"].map(clean_text).str.lower(), strict=True)]
    assert sum(agree) / len(agree) > 0.9
    vk = frame.index[frame["stock_code"] == "000002"][0]
    assert short[vk] == "万科"
    # ST markers recognised where present, and no legal name normalises to the empty string
    assert (legal["legal_name_norm"] != "").all()
    assert (legal["legal_name_norm"].str.len() >= 2).all()
