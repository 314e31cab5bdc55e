"""User-file formats: the MIIT little-giant list and 企查查/天眼查-style registry exports.

No real copy of either exists offline, so these run on SYNTHETIC fixtures (tests/fixtures/user_formats,
written by make_fixtures.py there: invented "示例…" firms) and on broken files written to tmp_path.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from matcher.sources import all_loaders
from matcher.sources.base import SourceError
from matcher.sources.miit import load_little_giants, parse_batch
from matcher.sources.registry import (
    load_registry_export,
    parse_capital,
    parse_cn_dates,
    uscc_check_char,
    uscc_is_valid,
    uscc_problem,
)


@pytest.fixture(scope="module")
def uf(fixtures_dir: Path) -> Path:
    return fixtures_dir / "user_formats"


def _write_csv(path: Path, lines: list[str], encoding: str = "utf-8") -> Path:
    path.write_bytes(("\n".join(lines) + "\n").encode(encoding))
    return path


# --- MIIT little giants ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name",
    [
        "synthetic_little_giants_utf8.csv",
        "synthetic_little_giants_bom.csv",
        "synthetic_little_giants_gb18030.csv",
        "synthetic_little_giants.xlsx",
    ],
)
def test_little_giants_all_encodings_and_xlsx_agree(uf: Path, name: str) -> None:
    res = load_little_giants(uf / name)
    f = res.frame
    assert (res.rows_read, res.rows_accepted, res.rows_quarantined) == (5, 5, 0)
    assert list(f.columns) == ["row_no", "legal_name", "province", "batch", "main_product", "field"]
    assert f["legal_name"].tolist() == [
        "示例精密机械有限公司",
        "示例生物医药科技有限公司",
        "示例新材料股份有限公司",
        "示例电子信息有限公司",
        "示例（秦皇岛）食品有限公司",
    ]
    assert f["batch"].tolist() == [3, 3, 3, 3, 5]  # 第三批 / 第3批 / 三 / 2021年第三批 / 第五批
    assert f["row_no"].tolist() == [1, 2, 3, 4, 5]
    assert f["province"].tolist()[3] == "宁波"
    assert f["main_product"].isna().tolist() == [False] * 4 + [True]
    assert str(f["batch"].dtype) == "Int64"


def test_little_giants_batch_from_argument_or_file_name(uf: Path, tmp_path: Path) -> None:
    src = uf / "synthetic_little_giants_no_batch.csv"
    assert set(load_little_giants(src, batch=5).frame["batch"]) == {5}
    named = tmp_path / "synthetic_专精特新小巨人_第四批.csv"
    named.write_bytes(src.read_bytes())
    assert set(load_little_giants(named).frame["batch"]) == {4}
    with pytest.raises(SourceError, match=r"no_batch\.csv.*column '批次'"):
        load_little_giants(src)


def test_little_giants_bad_rows(tmp_path: Path) -> None:
    path = _write_csv(
        tmp_path / "synthetic_bad.csv",
        [
            "序号,企业名称,省份,批次",
            "1,示例精密机械有限公司,河北省,第一批",
            "2,示例精密机械有限公司 ,河北省,第二批",  # duplicate (trailing space)
            "3,示例(秦皇岛)食品有限公司,河北省,第二批",
            "4,示例（秦皇岛）食品有限公司,河北省,第二批",  # duplicate (full-width brackets)
            "5,,河北省,第二批",  # no name
            "6,示例仪表有限公司,河北省,待定",  # garbage batch
            ",,,",  # blank line: not a row
            "八,示例光学仪器有限公司,河北省,第十二批",
        ],
    )
    res = load_little_giants(path)
    assert res.rows_read == 7 and res.rows_accepted == 3  # the blank line is not a row
    reasons = dict(zip(res.quarantine["row"], res.quarantine["reason"], strict=True))
    assert reasons == {
        2: "duplicate 企业名称 (first occurrence kept)",
        4: "duplicate 企业名称 (first occurrence kept)",
        5: "missing 企业名称",
        6: "unparseable 批次",
    }
    last = res.frame.iloc[-1]
    assert last["batch"] == 12 and pd.isna(last["row_no"])


def test_parse_batch() -> None:
    cases = {"第三批": 3, "第3批": 3, "三": 3, "3": 3, "第 五 批": 5, "２０２１年第三批": 3, "第十批": 10, "第二十一批": 21}
    for text, n in cases.items():
        assert parse_batch(text) == n, text
    for text in ("待定", "", None, "第零批", "三五"):
        assert parse_batch(text) is None, text


def test_little_giants_whole_file_errors(uf: Path, tmp_path: Path) -> None:
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    with pytest.raises(SourceError, match=r"empty\.csv.*empty"):
        load_little_giants(empty)
    blank = _write_csv(tmp_path / "blank.csv", ["", "  ", ""])
    with pytest.raises(SourceError, match=r"blank\.csv.*empty"):
        load_little_giants(blank)
    utf16 = tmp_path / "utf16.csv"
    utf16.write_bytes((uf / "synthetic_little_giants_utf8.csv").read_text(encoding="utf-8").encode("utf-16"))
    with pytest.raises(SourceError, match=r"utf16\.csv.*cannot decode"):
        load_little_giants(utf16)
    no_province = _write_csv(tmp_path / "no_province.csv", ["序号,企业名称,批次", "1,示例精密机械有限公司,第一批"])
    with pytest.raises(SourceError, match=r"no_province\.csv.*column '所属省份'"):
        load_little_giants(no_province)
    no_name = _write_csv(tmp_path / "no_name.csv", ["序号,省份,批次", "1,河北省,第一批"])
    with pytest.raises(SourceError, match=r"no_name\.csv.*column '企业名称'"):
        load_little_giants(no_name)
    header_only = _write_csv(tmp_path / "header_only.csv", ["序号,企业名称,省份,批次"])
    with pytest.raises(SourceError, match=r"header_only\.csv.*no data rows"):
        load_little_giants(header_only)
    not_excel = tmp_path / "broken.xlsx"
    not_excel.write_bytes(b"this is not a zip file")
    with pytest.raises(SourceError, match=r"broken\.xlsx.*Excel"):
        load_little_giants(not_excel)
    with pytest.raises(SourceError, match=r"missing\.csv.*missing"):
        load_little_giants(tmp_path / "missing.csv")


# --- registry exports -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name",
    [
        "synthetic_registry_qcc_utf8.csv",
        "synthetic_registry_qcc_gb18030.csv",
        "synthetic_registry_qcc.xlsx",
        "synthetic_registry_tyc_bom.csv",
    ],
)
def test_registry_formats_agree(uf: Path, name: str) -> None:
    res = load_registry_export(uf / name)
    f = res.frame.set_index("legal_name")
    assert (res.rows_read, res.rows_accepted, res.rows_quarantined) == (5, 5, 0)
    assert f["uscc"].map(uscc_is_valid).all()
    assert f["uscc_region"].tolist() == ["130302", "130371", "130322", "130324", "130306"]
    a = f.loc["示例精密机械有限公司"]
    assert (a["reg_capital_wan"], a["reg_capital_currency"], bool(a["reg_capital_non_cny"])) == (5000.0, "CNY", False)
    assert a["setup_date"] == pd.Timestamp("2012-03-15")
    assert a["county"] == "海港区" and a["city"] == "秦皇岛市"
    b = f.loc["示例生物医药科技有限公司"]
    assert pd.isna(b["reg_capital_wan"]) and b["reg_capital_amount_wan"] == 100.0
    assert b["reg_capital_currency"] == "USD" and bool(b["reg_capital_non_cny"])
    assert b["setup_date"] == pd.Timestamp("2015-06-01")
    c = f.loc["示例新材料股份有限公司"]
    assert c["reg_capital_wan"] == 12000.0 and c["setup_date"] == pd.Timestamp("2010-05-12")
    d = f.loc["示例电子信息有限公司"]
    assert pd.isna(d["reg_capital_wan"]) and pd.isna(d["reg_capital_currency"])  # "-": unknown, kept
    assert d["setup_date"] == pd.Timestamp("2018-01-01")
    e = f.loc["示例（秦皇岛）食品有限公司"]
    assert e["reg_capital_currency"] == "HKD" and bool(e["reg_capital_non_cny"])
    if "tyc" in name:
        assert a["reg_address"] == "河北省秦皇岛市海港区示例路1号" and a["industry"] == "通用设备制造业"
        assert pd.isna(a["gb_division"])
    else:
        assert a["gb_division"] == "通用设备制造业" and a["insured_staff"] == 56
        assert pd.isna(c["insured_staff"])


def test_registry_bad_rows(uf: Path) -> None:
    res = load_registry_export(uf / "synthetic_registry_bad_rows.csv")
    assert res.rows_read == 9 and res.rows_accepted == 2
    reasons = dict(zip(res.quarantine["row"], res.quarantine["reason"], strict=True))
    assert reasons[2].startswith("invalid 统一社会信用代码 (check character")
    assert reasons[3] == "duplicate 统一社会信用代码 (first occurrence kept)"
    assert reasons[4] == "unparseable 成立日期"
    assert reasons[5] == "missing 统一社会信用代码"
    assert reasons[7] == "unparseable 注册资本"
    assert reasons[8] == "invalid 统一社会信用代码 (character 'O' not allowed)"
    assert reasons[9] == "invalid 统一社会信用代码 (length 17, expected 18)"
    assert set(reasons) == {2, 3, 4, 5, 7, 8, 9}
    # the lower-case code of row 6 is accepted, upper-cased
    assert res.frame["uscc"].tolist()[1] == "91130303MA0XL0006W"
    assert res.quarantine["file"].eq("synthetic_registry_bad_rows.csv").all()


def test_registry_whole_file_errors(uf: Path, tmp_path: Path) -> None:
    lines = (uf / "synthetic_registry_qcc_utf8.csv").read_text(encoding="utf-8").splitlines()
    header = lines[1].split(",")
    i = header.index("统一社会信用代码")
    dropped = [",".join(c for j, c in enumerate(line.split(",")) if j != i) for line in lines[1:]]
    path = _write_csv(tmp_path / "no_code.csv", dropped)
    with pytest.raises(SourceError, match=r"no_code\.csv.*column '统一社会信用代码'"):
        load_registry_export(path)
    latin = tmp_path / "wrong_encoding.csv"
    latin.write_bytes("\n".join(lines).encode("utf-16-le"))
    with pytest.raises(SourceError, match=r"wrong_encoding\.csv.*cannot decode"):
        load_registry_export(latin)
    empty = tmp_path / "empty.xlsx"
    empty.write_bytes(b"")
    with pytest.raises(SourceError, match=r"empty\.xlsx.*empty"):
        load_registry_export(empty)
    other = tmp_path / "export.json"
    other.write_text("{}", encoding="utf-8")
    with pytest.raises(SourceError, match="unsupported file type"):
        load_registry_export(other)


def test_uscc_check_character() -> None:
    # published test vector of python-stdnum's stdnum.cn.uscc (doctest), an independent implementation
    assert uscc_is_valid("91110000600037341L")
    assert uscc_check_char("91110000600037341") == "L"
    assert uscc_problem("91110000600037341M") == "check character 'M', expected 'L'"
    assert uscc_problem("Z1110000600037341L") == "character 'Z' not allowed"
    assert uscc_problem("B1110000600037341L") == "unknown registering-authority code 'B'"
    assert uscc_problem("9111000060003734") == "length 16, expected 18"
    assert not uscc_is_valid(None)


def test_parse_capital_and_dates() -> None:
    assert parse_capital("5000万元人民币") == (5000.0, "CNY", True)
    assert parse_capital("1,000万元") == (1000.0, "CNY", True)
    assert parse_capital("1.2亿元") == (12000.0, "CNY", True)
    assert parse_capital("50000元") == (5.0, "CNY", True)
    assert parse_capital("5000") == (5000.0, "CNY", True)  # bare number: 万元 by convention
    assert parse_capital("100万美元") == (100.0, "USD", True)
    assert parse_capital("500万（港元）") == (500.0, "HKD", True)
    assert parse_capital("300万欧元") == (300.0, "EUR", True)
    assert parse_capital("-") == (None, None, True)
    assert parse_capital("五千万")[2] is False
    dates, bad = parse_cn_dates(
        pd.Series(["2010-05-12", "2010/5/12", "2010.05.12", "2010年5月12日", "20100512", "2010-05-12 00:00:00", "-", None, "2019-13-45", "去年"])
    )
    assert (dates[:6] == pd.Timestamp("2010-05-12")).all()
    assert bad.tolist() == [False] * 8 + [True, True]


def test_user_formats_are_not_registered_loaders() -> None:
    """User files are read only when given; the staged registry SAMPLE is real data and is a loader."""
    names = set(all_loaders())
    assert not any(n.startswith("miit") for n in names)
    assert {n for n in names if n.startswith("registry")} == {"registry.sample"}
