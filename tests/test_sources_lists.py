"""Firm-list loaders (exchange lists, 2015 geo list, Fortune China 500, unicorns) on the real files,
and on broken copies of them. Expected figures are the ones SOURCE.md of each folder states."""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest

from matcher.sources import all_loaders
from matcher.sources.base import SourceError
from matcher.sources.exchanges import load_sse, load_szse, normalize_short_name, read_excel_text
from matcher.sources.fortune import load_fortune500
from matcher.sources.geo2015 import load_listed_geo_2015
from matcher.sources.unicorns import (
    load_cbinsights,
    load_maven,
    load_panel,
    load_snapshots,
    parse_money_bn,
    parse_us_dates,
)

pytestmark = pytest.mark.realdata


@pytest.fixture(scope="module")
def szse(data_dir: Path):
    return load_szse(data_dir)


@pytest.fixture(scope="module")
def geo(data_dir: Path):
    return load_listed_geo_2015(data_dir)


def test_loaders_are_registered() -> None:
    names = set(all_loaders())
    assert {
        "exchanges.szse",
        "exchanges.sse",
        "listed_geo_2015",
        "fortune500",
        "unicorns.cbinsights",
        "unicorns.panel",
        "unicorns.snapshots",
        "unicorns.maven",
    } <= names


# --- exchanges ---------------------------------------------------------------------------------


def test_szse_counts_and_qinhuangdao(szse) -> None:
    f = szse.frame
    assert (szse.rows_read, szse.rows_accepted, szse.rows_quarantined) == (2875, 2875, 0)
    assert f["board"].value_counts().to_dict() == {"主板": 1486, "创业板": 1389}
    assert f["stock_code"].is_unique and f["stock_code"].str.fullmatch(r"\d{6}").all()
    assert f["province"].notna().all() and f["province"].nunique() == 31
    assert f["city"].notna().all() and f["city"].nunique() == 247
    assert f["csrc_sector_code"].nunique() == 19 and f["csrc_sector_code"].notna().all()
    assert f["b_code"].notna().sum() == 34
    assert f["website"].isna().sum() == 17
    assert f["list_date"].max() == pd.Timestamp("2025-10-22")
    qhd = f[f["city"] == "秦皇岛市"].set_index("stock_code")
    assert sorted(qhd.index) == ["000889", "300869", "300922", "301552", "301580"]
    assert "海港区" in qhd.loc["000889", "reg_address"]
    assert qhd.loc["301552", "list_date"] == pd.Timestamp("2024-07-22")
    assert qhd.loc["301580", "list_date"] == pd.Timestamp("2024-06-26")
    zone = qhd.drop(index="000889")["reg_address"]
    assert zone.str.startswith("河北省秦皇岛市经济技术开发区").all()


def test_szse_short_names_and_headers(szse) -> None:
    f = szse.frame.set_index("stock_code")
    assert f.loc["000002", "short_name_raw"] == "万  科Ａ"
    assert f.loc["000002", "short_name"] == "万科A"
    assert not f["short_name"].str.contains(r"\s").any()
    # header padding (省    份, 地      区) is gone: the columns came through
    assert f.loc["000001", "province"] == "广东" and f.loc["000001", "region"] == "华南"
    assert f.loc["000001", "total_shares"] == 19405918198.0
    assert normalize_short_name("  ＴＣＬ科技 ") == "TCL科技"


def test_sse_counts(data_dir: Path) -> None:
    res = load_sse(data_dir)
    f = res.frame
    assert (res.rows_read, res.rows_accepted) == (1696, 1696)
    assert f["stock_code"].str.slice(0, 3).value_counts().to_dict() == {"600": 755, "603": 604, "601": 224, "605": 113}
    assert f["list_date"].max() == pd.Timestamp("2025-10-17")
    assert f["b_code"].notna().sum() == 38 and f["b_code"].str.startswith("9").all()
    assert f.set_index("stock_code").loc["600000", "short_name"] == "浦发银行"


def test_szse_bad_rows_are_quarantined(data_dir: Path, tmp_path: Path) -> None:
    raw = read_excel_text(data_dir / "szse_sse_lists_2025" / "szse_a_share_list.xlsx")
    raw.loc[3, "A股代码"] = raw.loc[2, "A股代码"]  # duplicate
    raw.loc[5, "A股上市日期"] = "1991-02-30"  # impossible date
    raw.loc[7, "A股代码"] = "12345"  # malformed
    raw = raw.rename(columns={"省份": "省    份", "城市": "城\u3000市"})  # padded headers, as published
    dst = tmp_path / "raw" / "szse_sse_lists_2025"
    dst.mkdir(parents=True)
    raw.to_excel(dst / "szse_a_share_list.xlsx", index=False, engine="xlsxwriter")
    res = load_szse(tmp_path / "raw")
    assert res.rows_read == 2875 and res.rows_accepted == 2872
    reasons = dict(zip(res.quarantine["row"], res.quarantine["reason"], strict=True))
    assert reasons == {
        4: "duplicate A股代码 (first occurrence kept)",
        6: "unparseable A股上市日期",
        8: "malformed A股代码 (not 6 digits)",
    }
    assert res.frame["city"].eq("秦皇岛市").sum() == 5


# --- 2015 geo list -----------------------------------------------------------------------------


def test_geo2015_counts_and_mojibake(geo) -> None:
    f = geo.frame.set_index("stock_code")
    assert (geo.rows_read, geo.rows_accepted) == (2814, 2814)
    assert f["has_mojibake"].sum() == 28
    assert f["mojibake_columns"].str.contains("addr_reg").sum() == 17
    assert f["mojibake_columns"].str.contains("addr_work").sum() == 24
    assert f.loc["000333", "has_mojibake"] and "?" in f.loc["000333", "reg_address"]
    assert not f.loc["000538", "has_mojibake"]
    assert f["market"].value_counts().to_dict() == {"上海证券交易所": 1071, "中小企业板": 781, "创业板": 494, "深圳证券交易所": 467}
    assert f.loc["000538", "market_value_yi"] == pytest.approx(717.81)
    assert f.loc["601857", "market_value_yi"] == pytest.approx(14297.72)
    assert f["lon"].between(80.2, 131.0).all() and f["lat"].between(18.2, 48.4).all()
    assert f["province_short"].nunique() == 31
    assert "601326" not in f.index  # A-share listed 2017, after this file
    assert f.loc["002459", "legal_name"] == "秦皇岛天业通联重工股份有限公司"
    assert f["listing_date"].isna().sum() == 35 and f["listing_date"].max().year == 2015


def test_geo2015_bad_rows_and_missing_column(data_dir: Path, tmp_path: Path) -> None:
    src = data_dir / "listed_geo_2015" / "company_info.csv"
    dst = tmp_path / "listed_geo_2015" / "company_info.csv"
    dst.parent.mkdir()
    raw = pd.read_csv(src, dtype=str, keep_default_na=False)
    raw.loc[1, "pos_x"] = "0"  # outside China
    raw.loc[2, "register_date"] = "2001/13/45"
    raw.loc[3, "stock_code"] = raw.loc[0, "stock_code"]
    raw.to_csv(dst, index=False, encoding="gb18030")  # GB18030 re-encoding must be accepted too
    res = load_listed_geo_2015(tmp_path)
    assert res.rows_read == 2814 and res.rows_accepted == 2811
    assert dict(zip(res.quarantine["row"], res.quarantine["column"], strict=True)) == {
        2: "pos_x",
        3: "register_date",
        4: "stock_code",
    }
    raw.drop(columns=["addr_reg"]).to_csv(dst, index=False)
    with pytest.raises(SourceError, match=r"company_info\.csv.*column 'addr_reg'"):
        load_listed_geo_2015(tmp_path)


# --- Fortune China 500 -------------------------------------------------------------------------


def test_fortune_counts_and_repeated_header(data_dir: Path) -> None:
    res = load_fortune500(data_dir)
    f = res.frame
    assert (res.rows_read, res.rows_accepted, res.rows_quarantined) == (4001, 4000, 1)
    q = res.quarantine.iloc[0]
    assert (q["file"], q["row"], q["reason"]) == ("t500-cn2019.md", 7, "repeated header row")
    assert f.groupby("year").size().to_dict() == {y: 500 for y in range(2014, 2022)}
    assert (f.groupby("year")["rank"].apply(lambda s: sorted(s) == list(range(1, 501)))).all()
    assert f["prev_rank"].isna().sum() == 370
    assert str(f["prev_rank"].dtype) == "Int64"
    top = f[(f["year"] == 2014) & (f["rank"] == 1)].iloc[0]
    assert top["company_name"] == "中国石油化工股份有限公司" and top["revenue_mn_cny"] == 2880311
    assert not f["company_name"].str.contains(r"^\s|\s$").any()
    assert (f["profit_mn_cny"] < 0).any()


def test_fortune_reconciles_with_derived_csv(data_dir: Path) -> None:
    f = load_fortune500(data_dir).frame
    csv = pd.read_csv(data_dir / "fortune_china500_2014_2021" / "fortune_china500_2014_2021.csv", dtype={"prev_rank": str})
    assert len(csv) == len(f) == 4000
    m = f.merge(csv, left_on=["year", "rank"], right_on=["file_year", "rank"], how="outer", indicator=True, validate="1:1")
    assert (m["_merge"] == "both").all()
    assert (m["company_name"] == m["company_name_cn"]).all()
    assert (m["revenue_mn_cny_x"] == m["revenue_mn_cny_y"]).all()
    assert (m["profit_mn_cny_x"] == m["profit_mn_cny_y"]).all()
    csv_prev = pd.to_numeric(m["prev_rank_y"].replace("--", None)).astype("Int64")
    assert m["prev_rank_x"].equals(csv_prev.rename("prev_rank_x"))


def test_fortune_bad_rows(data_dir: Path, tmp_path: Path) -> None:
    folder = tmp_path / "fortune_china500_2014_2021"
    shutil.copytree(data_dir / "fortune_china500_2014_2021", folder)
    path = folder / "t500-cn2014.md"
    lines = path.read_text(encoding="utf-8").splitlines()
    n1 = next(i for i, line in enumerate(lines) if line.startswith("|1|1|"))
    assert lines[n1 + 1].startswith("|2|2|") and lines[n1 + 2].startswith("|3|3|")
    lines[n1] = lines[n1].replace("|2880311|", "|2,88x,311|")  # rank 1: revenue garbled
    lines[n1 + 2] = "|2|" + lines[n1 + 2][len("|3|") :]  # rank 3 written as 2: duplicate rank
    path.write_text("\n".join(lines), encoding="utf-8")
    res = load_fortune500(tmp_path)
    assert (res.rows_read, res.rows_accepted) == (4001, 3998)
    q = res.quarantine[res.quarantine["file"] == "t500-cn2014.md"]
    assert dict(zip(q["row"], q["reason"], strict=True)) == {
        n1 + 1: "unparseable 营业收入(百万元)",
        n1 + 3: "duplicate 排名 in the year (first kept)",
    }


def test_fortune_heading_year_must_match(data_dir: Path, tmp_path: Path) -> None:
    folder = tmp_path / "fortune_china500_2014_2021"
    shutil.copytree(data_dir / "fortune_china500_2014_2021", folder)
    path = folder / "t500-cn2016.md"
    path.write_text(path.read_text(encoding="utf-8").replace("2016年榜单", "2015年榜单"), encoding="utf-8")
    with pytest.raises(SourceError, match=r"t500-cn2016\.md.*heading says 2015"):
        load_fortune500(tmp_path)


# --- unicorns ----------------------------------------------------------------------------------


def test_cbinsights_head_snapshot(data_dir: Path) -> None:
    res = load_cbinsights(data_dir)
    f = res.frame
    assert (res.rows_read, res.rows_accepted) == (1233, 1233)
    assert (f["country"] == "China").sum() == 171
    china = f[f["country"] == "China"]
    assert china["city"].notna().all()
    assert china["city"].value_counts()["Beijing"] == 65  # 64 + 1 "Beijing " stripped
    assert not f["name"].str.contains(r"^\s|\s$").any()
    assert f["year_joined"].value_counts()[2021] == 504
    assert f["date_joined"].min() == pd.Timestamp("2007-07-02")
    assert f["date_joined"].max() == pd.Timestamp("2024-02-19")
    # reconcile with the derived clean CSV, row for row
    clean = pd.read_csv(data_dir / "cbinsights_unicorns_scraper" / "unicorns_2024-02-27_clean.csv", dtype=str)
    assert (f["name"].to_numpy() == clean["company"].to_numpy()).all()
    assert (f["date_joined"].dt.strftime("%Y-%m-%d").to_numpy() == clean["date_joined"].to_numpy()).all()
    assert (f["valuation_usd_bn"].to_numpy() == clean["valuation_usd_bn"].astype(float).to_numpy()).all()


def test_cbinsights_panel_and_snapshots(data_dir: Path) -> None:
    panel = load_panel(data_dir).frame
    assert len(panel) == 1522 and panel["in_final_snapshot"].sum() == 1233
    assert (panel["country"] == "China").sum() == 217
    assert ((panel["country"] == "China") & panel["in_final_snapshot"]).sum() == 171
    assert panel["date_joined"].notna().all()  # incl. the tab-padded values
    assert (panel["first_seen_snapshot"] <= panel["last_seen_snapshot"]).all()

    snaps = load_snapshots(data_dir)
    assert snaps.rows_read == 710 + 796 + 1208 + 1224 + 1233
    assert snaps.rows_quarantined == 2
    assert snaps.quarantine["record"].str.contains("QuintoAndar").sum() == 1
    assert snaps.quarantine["record"].str.contains("iCapital").sum() == 1
    sizes = snaps.frame.groupby(snaps.frame["snapshot_date"].dt.strftime("%Y-%m-%d")).size().to_dict()
    assert sizes == {"2021-06-16": 710, "2021-08-23": 794, "2022-12-31": 1208, "2023-12-31": 1224, "2024-02-27": 1233}
    head = snaps.frame[snaps.frame["snapshot_date"] == pd.Timestamp("2024-02-27")]
    assert (head["country"] == "China").sum() == 171
    first = snaps.frame[snaps.frame["schema"] == "2021"].set_index(["snapshot_date", "name"])
    byte = first.loc[(pd.Timestamp("2021-06-16"), "Bytedance")]
    assert byte["valuation_usd_bn"] == 140 and byte["funding_usd_bn"] == pytest.approx(4.44)


def test_maven(data_dir: Path) -> None:
    res = load_maven(data_dir)
    f = res.frame
    assert (res.rows_read, res.rows_accepted) == (1074, 1074)
    assert (f["country"] == "China").sum() == 173
    assert f["funding_usd_bn"].isna().sum() == 9
    assert f["date_joined"].min() == pd.Timestamp("2007-07-02")
    assert f["date_joined"].max() == pd.Timestamp("2022-04-05")
    assert f.loc[f["name"] == "Bytedance", "valuation_usd_bn"].item() == 180
    clean = pd.read_csv(data_dir / "maven_unicorn_companies_2022" / "unicorn_companies_2022_clean.csv")
    assert (f["date_joined"].dt.strftime("%Y-%m-%d").to_numpy() == clean["date_joined"].to_numpy()).all()
    assert ((f["valuation_usd_bn"] * 1e9).to_numpy() == clean["valuation_usd"].to_numpy()).all()
    funding = (f["funding_usd_bn"] * 1e9).round()
    assert funding.fillna(-1).to_numpy().tolist() == clean["funding_usd"].fillna(-1).tolist()


def test_money_and_date_parsers() -> None:
    values = pd.Series(["   $180B   ", "$572M", "$140", "Unknown", None, "$1.5T", "abc"])
    parsed, bad = parse_money_bn(values)
    assert parsed.tolist()[:3] == [180.0, 0.572, 140.0]
    assert pd.isna(parsed[3]) and pd.isna(parsed[4]) and parsed[5] == 1500.0
    assert bad.tolist() == [False, False, False, False, False, False, True]
    dates, bad = parse_us_dates(pd.Series(["04-07-2017", "7-13-21", "\t2/7/2021", "2021-02-03", "7/27/202/td>", None]))
    assert [d.strftime("%Y-%m-%d") for d in dates[:4]] == ["2017-04-07", "2021-07-13", "2021-02-07", "2021-02-03"]
    assert bad.tolist() == [False, False, False, False, True, False]
