"""The registry-sample loader on malformed rows (invented rows: edge cases only) and on the real file."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from matcher.sources.base import SourceError
from matcher.sources.registry import uscc_check_char
from matcher.sources.registry_sample import (
    RAW_COLUMNS,
    check_codes,
    load_registry_sample,
    normalise_org_type,
    parse_capital_text,
    parse_registrations,
)


def code(body17: str) -> str:
    return body17 + uscc_check_char(body17)


GOOD = code("91130300601149636")  # any 17 characters of the set, with the right check character


def row(**kw: str | None) -> dict[str, str | None]:
    base = {"企业名称": "某某机械制造有限公司", "统一社会信用代码": GOOD, "注册日期": "2010-05-12", "企业类型": None,
            "注册资金": "500(万元人民币)", "经营范围": "机械设备制造", "所在省份": "河北", "地区": "秦皇岛",
            "注册地址": "秦皇岛市海港区某路1号", "source_file": "csv/2010/河北.csv"}
    base.update(kw)
    return base


def frame(*rows: dict[str, str | None]) -> pd.DataFrame:
    return pd.DataFrame(list(rows), columns=RAW_COLUMNS).astype("string")


def test_check_codes_flags_without_dropping() -> None:
    wrong = GOOD[:17] + ("0" if GOOD[17] != "0" else "1")
    codes = pd.Series([GOOD, wrong, "130300600012345", "1234567890123", "91130300601149636I", None], dtype="string")
    out = check_codes(codes)
    assert out["uscc_valid"].tolist() == [True, False, False, False, False, False]
    assert out["code_kind"].tolist() == ["uscc", "uscc", "regno", "other", "uscc", "other"]
    assert out["uscc_problem"].iloc[1] == "wrong check character"
    assert out["uscc_problem"].iloc[3] == "length 13, expected 18"
    assert out["uscc_problem"].iloc[4] == "character outside the GB 32100-2015 set"
    # characters 3-8 of a credit code, 1-6 of a 15-digit registration number
    assert out["authority_code"].tolist()[:3] == ["130300", "130300", "130300"]
    assert out["authority_code"].isna().tolist()[3:] == [True, False, True]


@pytest.mark.parametrize("text, expected", [
    ("500(万元人民币)", (500.0, "CNY", True, False)),
    ("1,000(万元)", (1000.0, "CNY", True, False)),
    ("60万人民币", (60.0, "CNY", True, False)),
    ("50(万美元)", (50.0, "USD", True, False)),
    ("800(万香港元)", (800.0, "HKD", True, False)),
    ("50(万元(港币))", (50.0, "HKD", True, False)),
    ("500,000(人民币元)", (50.0, "CNY", True, False)),
    ("100()", (100.0, "CNY", True, True)),
    ("1E-06万人民币", (1e-06, "CNY", True, False)),
    ("20(万德国马克)", (20.0, "DEM", True, False)),
    ("N/A", (None, None, True, False)),
    ("-", (None, None, True, False)),
    ("万人民币", (None, None, True, False)),
    ("HWANG", (None, None, False, False)),
    ("10(元/万元)", (None, None, False, False)),
])
def test_capital_spellings(text: str, expected: tuple) -> None:
    assert parse_capital_text(text) == expected


def test_org_types_normalised() -> None:
    s = pd.Series(["有限责任公司", "个体户", "集体分支机构（非法人）", "有限责任公司 外商投资企业", None, "N/A", "奇怪类型"], dtype="string")
    assert normalise_org_type(s).tolist()[:4] == ["有限责任公司", "个体工商户", "分支机构", "外商投资企业"]
    assert normalise_org_type(s).isna().tolist()[4:6] == [True, True]
    assert normalise_org_type(s).iloc[6] == "其他"


def test_malformed_rows_quarantined_with_reasons_and_counts_reconcile() -> None:
    wrong = GOOD[:17] + ("0" if GOOD[17] != "0" else "1")
    raw = frame(
        row(),                                                  # 1 ok
        row(统一社会信用代码=wrong, 企业名称="甲公司"),           # 2 wrong check character: kept, flagged
        row(企业名称="  "),                                      # 3 missing name
        row(统一社会信用代码=code("92130302MA0000001"), 所在省份="生产和销售速食面", 注册资金="WAYNE"),  # 4 shifted
        row(统一社会信用代码=code("92130302MA0000002"), 注册资金="HWANG"),  # 5 capital holds a person's name
        row(统一社会信用代码=code("92130302MA0000003"), 注册日期="2010-13-45"),  # 6 bad date
        row(统一社会信用代码=code("92130302MA0000004"), 注册日期="1900-01-01"),  # 7 out of range
        row(企业名称="乙公司"),                                   # 8 duplicate of row 1's code
        row(统一社会信用代码="130300600012345", 注册资金="N/A", 企业名称="丙厂"),  # 9 registration number: kept
    )
    res = parse_registrations(raw, "registrations.parquet")
    assert res.rows_read == 9 == res.rows_accepted + res.rows_quarantined
    q = res.quarantine.set_index("row")["reason"].to_dict()
    assert q == {
        3: "missing 企业名称",
        4: "columns shifted: 所在省份 is not a province",
        5: "unparseable 注册资金",
        6: "unparseable 注册日期",
        7: "注册日期 outside 1949-10-01 .. 2019-05-31",
        8: "duplicate 统一社会信用代码 (first occurrence kept)",
    }
    f = res.frame.set_index("row")
    assert not bool(f.loc[2, "uscc_valid"])
    assert f.loc[2, "uscc_problem"] == "wrong check character"
    assert f.loc[9, "code_kind"] == "regno" and f.loc[9, "authority_code"] == "130300"
    assert pd.isna(f.loc[9, "reg_capital_wan"])
    assert f.loc[1, "reg_capital_wan"] == 500.0 and f.loc[1, "reg_date"] == pd.Timestamp("2010-05-12")
    # the quarantine keeps the raw record as JSON, with file and column
    assert set(res.quarantine["file"]) == {"registrations.parquet"}
    assert res.quarantine.set_index("row").loc[5, "column"] == "注册资金"


def test_file_level_errors(tmp_path: Path) -> None:
    with pytest.raises(SourceError, match="file is missing"):
        load_registry_sample(tmp_path)
    bad = tmp_path / "registrations.parquet"
    bad.write_bytes(b"not parquet at all")
    with pytest.raises(SourceError, match="registrations.parquet"):
        load_registry_sample(tmp_path, bad)
    p = tmp_path / "cols.parquet"
    frame(row()).drop(columns=["注册资金"]).to_parquet(p)
    with pytest.raises(SourceError, match="注册资金"):
        load_registry_sample(tmp_path, p)


def test_batches_number_rows_across_the_file(tmp_path: Path) -> None:
    rows = [row(统一社会信用代码=code(f"92130302MA{i:07d}"), 企业名称=f"公司{i}") for i in range(7)]
    rows.append(row(统一社会信用代码=code("92130302MA0000001"), 企业名称="重复"))
    p = tmp_path / "r.parquet"
    frame(*rows).to_parquet(p, row_group_size=3)
    import matcher.sources.registry_sample as rs

    res = rs.load_registry_sample(tmp_path, p, batch_rows=3)
    assert res.rows_read == 8 and res.rows_quarantined == 1
    assert res.quarantine["row"].tolist() == [8]
    assert res.frame["row"].tolist() == list(range(1, 8))


@pytest.mark.realdata
def test_real_file_reconciles(data_dir: Path) -> None:
    res = load_registry_sample(data_dir)
    assert res.rows_read == 3_002_665
    assert res.rows_read == res.rows_accepted + res.rows_quarantined
    assert res.rows_quarantined < 1000
    f = res.frame
    # the stager's check: ~99.7% pass the check character; the loader keeps the rest
    assert f["uscc_valid"].mean() > 0.99 and (~f["uscc_valid"]).sum() > 0
    assert f["authority_code"].notna().mean() > 0.999
    assert (f["reg_capital_currency"] == "USD").sum() > 10_000
