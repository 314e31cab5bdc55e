"""The firm master (matcher.firms.master): built once per test session into ``real_workdir`` and
checked against facts the raw data states; the Fortune linker against hand-checked links; user
files on synthetic data."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from matcher.firms import master
from matcher.firms.schema import FIRM_COLUMNS
from matcher.sources.base import QUARANTINE_COLUMNS, LoadResult


@pytest.fixture(scope="session")
def firms(pipe) -> pd.DataFrame:  # noqa: ANN001
    return pipe.firms


@pytest.fixture(scope="session")
def quarantine(pipe) -> pd.DataFrame:  # noqa: ANN001
    return pipe.firm_master.frames["quarantine"]


def _row(firms: pd.DataFrame, code: str) -> pd.Series:
    hit = firms[firms["stock_code"] == code]
    assert len(hit) == 1, f"{code}: {len(hit)} rows"
    return hit.iloc[0]


@pytest.mark.realdata
def test_schema_and_identity(firms: pd.DataFrame) -> None:
    assert list(firms.columns) == list(FIRM_COLUMNS)
    for col, dtype in FIRM_COLUMNS.items():
        assert str(firms[col].dtype) == dtype, col
    assert firms["firm_id"].is_unique
    listed = firms[firms["is_listed"]]
    assert listed["stock_code"].is_unique and listed["stock_code"].str.fullmatch(r"\d{6}").all()
    assert (listed["firm_id"] == "S:" + listed["stock_code"]).all()
    assert firms["geo_level"].isin(["county", "city", "province", "none"]).all()
    # codes are strings, missing values nulls, never empty strings
    for col in ("province_code", "city_code", "county_code", "legal_name", "sw_l1_code"):
        assert not (firms[col] == "").any(), col
    assert firms["county_code"].dropna().str.fullmatch(r"\d{6}").all()


@pytest.mark.realdata
def test_listed_universe_and_locations(firms: pd.DataFrame, data_dir: Path) -> None:
    listed = firms[firms["is_listed"]]
    assert listed["city_code"].notna().sum() >= 5300
    # every code listed on 2024-05-13 and every code on the 2025 exchange lists is a firm
    from matcher.sources import all_loaders

    ld = all_loaders()
    codes = set(ld["tushare.stock_basic"](data_dir).frame["stock_code"]) | set(ld["exchanges.szse"](data_dir).frame["stock_code"])
    assert codes <= set(listed["stock_code"])
    for code in ("300869", "300922", "301552", "301580"):  # 秦皇岛市经济技术开发区
        assert _row(firms, code)["county_code"] == "130371", code
    assert _row(firms, "000889")["county_code"] == "130302"  # 海港区
    assert _row(firms, "601326")["city_code"] == "130300"  # 秦港股份: at least the city
    # SZSE-listed firms are placed from their registered address, in the province the list names
    sz = listed[listed["geo_source"] == "szse_address"]
    assert len(sz) >= 2800
    assert (sz["geo_level"] == "county").mean() >= 0.8


@pytest.mark.realdata
def test_attributes_joined_by_code(firms: pd.DataFrame) -> None:
    r = _row(firms, "601326")
    assert r["name"] == "秦港股份" and r["industry_tushare"] == "港口" and r["employees"] == pytest.approx(9826)
    assert r["legal_name"] == "秦皇岛港股份有限公司"  # from the 2021 chain KG: it still fits the short name
    # 002459: the 2021 chain KG still calls the code 天业通联; that stale legal name is refused
    r = _row(firms, "002459")
    assert r["name"] == "晶澳科技" and "天业通联" not in str(r["legal_name"])
    listed = firms[firms["is_listed"]]
    assert listed["sw_l1_code"].notna().sum() >= 4000
    assert listed["sw_l1_code"].dropna().str.fullmatch(r"\d{2}0000").all()
    assert listed["total_assets_yi"].notna().sum() >= 5300


@pytest.mark.realdata
def test_unicorns(firms: pd.DataFrame, data_dir: Path) -> None:
    from matcher.sources import all_loaders

    cb = all_loaders()["unicorns.cbinsights"](data_dir).frame
    n_cb_china = int((cb["country"] == "China").sum())
    uni = firms[firms["is_unicorn"]]
    in_cb = uni[uni["sources"].str.contains("unicorns.cbinsights", regex=False)]
    assert len(in_cb) == n_cb_china  # one row per CB Insights Chinese unicorn, none lost or merged
    assert in_cb["city_code"].notna().sum() >= 165
    assert uni["firm_id"].is_unique
    assert uni["valuation_usd_bn"].notna().all()
    # CB 2024 and Maven 2022 are resolved to each other: most Maven Chinese rows join a CB row
    both = uni["sources"].str.contains("unicorns.maven", regex=False) & uni["sources"].str.contains("unicorns.cbinsights", regex=False)
    assert both.sum() >= 120
    bd = uni[uni["name_en"].str.casefold() == "bytedance"]
    assert len(bd) == 1 and bd.iloc[0]["city_code"] == "110000"


@pytest.mark.realdata
def test_fortune_ranks(firms: pd.DataFrame, data_dir: Path) -> None:
    from matcher.sources import load

    f = load("fortune500", data_dir).frame
    boc = int(f.loc[f["company_name"] == "中国银行股份有限公司", "rank"].min())
    assert _row(firms, "601988")["fortune500_best_rank"] == boc
    assert firms["fortune500_best_rank"].notna().sum() >= 450
    assert firms.loc[~firms["is_listed"], "fortune500_best_rank"].isna().all()


@pytest.mark.realdata
def test_quarantine_and_report(quarantine: pd.DataFrame, real_workdir: Path) -> None:
    assert list(quarantine.columns) == QUARANTINE_COLUMNS
    reasons = set(quarantine["reason"])
    assert any("superseded snapshot" in r for r in reasons)  # a loader's quarantine
    assert any("no longer listed" in r for r in reasons)  # the master's own refusals
    assert quarantine["source"].str.startswith("firm_master:").any()
    report = json.loads((real_workdir / "firms_report.json").read_text(encoding="utf-8"))
    assert report["firms"] == len(pd.read_parquet(real_workdir / "firms.parquet"))
    assert report["fortune500"]["match_rate_2021"] > 0.5
    assert report["quarantine_rows"] == len(quarantine)


@pytest.mark.realdata
def test_cache_reuses_fresh_artifacts(firms: pd.DataFrame, data_dir: Path, real_workdir: Path,
                                      monkeypatch: pytest.MonkeyPatch) -> None:
    """A fresh artifact is read back, never rebuilt: the build is made to fail, and is not called."""
    from matcher import pipeline

    def no_build(*_a, **_k):  # noqa: ANN002, ANN003, ANN202
        raise AssertionError("the firm master was rebuilt although it is fresh")

    monkeypatch.setattr(pipeline, "build_firm_master", no_build)
    again = pipeline.Pipeline.open(data_dir, real_workdir, user_files=[]).firms
    pd.testing.assert_frame_equal(again, firms)


@pytest.mark.realdata
def test_fortune_linker_against_hand_checked_links(data_dir: Path, fixtures_dir: Path) -> None:
    """Every link judged correct is made; links judged wrong are not, except the noted known error;
    precision over the sample's links ≥ 0.95."""
    checked = pd.read_csv(fixtures_dir / "fortune_links_checked.csv", comment="#", dtype=str)
    assert len(checked) >= 50
    res = master.load_inputs(data_dir)
    listed, _, _ = master.assemble_listed(res)
    for c in master.GEO_COLUMNS:
        listed[c] = None
    fy = master.link_fortune_years(res["fortune500"].frame, listed)
    made = set(zip(fy["company_name"], fy["firm_id"].str.slice(2), strict=True))
    correct = checked[checked["label"] == "correct"]
    wrong = checked[checked["label"] == "wrong"]
    missed = [(n, c) for n, c in zip(correct["company_name"], correct["stock_code"], strict=True) if (n, c) not in made]
    assert not missed, missed
    false = [(n, c) for n, c in zip(wrong["company_name"], wrong["stock_code"], strict=True) if (n, c) in made]
    assert len(false) <= 1, false
    sample_names = set(checked["company_name"])
    sample_links = {(n, c) for n, c in made if n in sample_names and isinstance(c, str)}
    good = {(n, c) for n, c in zip(correct["company_name"], correct["stock_code"], strict=True)}
    assert len(sample_links & good) / len(sample_links) >= 0.95


def test_user_file_firms_synthetic(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """synthetic: a little-giant list with one firm that is a (synthetic) listed firm and one that is
    not: the first flags the listed row, the second becomes a new ``M:`` firm."""
    from matcher import geo

    listed = pd.DataFrame({
        "firm_id": ["S:900001"], "name": ["甲乙机械"], "legal_name": ["河北甲乙丙机械制造股份有限公司"],
        "former_legal_names": [""], "province_code": ["130000"], "city_code": ["130300"],
    })
    fr = pd.DataFrame({"legal_name": ["河北甲乙丙机械制造股份有限公司", "秦皇岛戊己庚新材料有限公司"],
                       "province": ["河北", "河北"], "batch": [3, 3]})
    res = LoadResult("miit.little_giants", fr)

    def fake_cities(names, province_hint=None, data_dir=None):  # no data directory needed
        out = pd.DataFrame({c: [None] * len(names) for c in master.GEO_COLUMNS}, index=names.index)
        out["province_code"] = "130000"
        out["province"] = "河北省"
        out["geo_level"] = "province"
        return out

    monkeypatch.setattr(geo, "geocode_city_names", fake_cities)
    new, updates, counts = master.user_firms("little_giants", res, listed, tmp_path)
    assert counts == {"rows": 2, "linked_to_listed": 1, "linked_to_user_firms": 0, "new_firms": 1}
    assert updates["firm_id"].tolist() == ["S:900001"] and updates["is_little_giant"].all()
    assert new["firm_id"].str.startswith("M:").all() and new["is_little_giant"].all()
    assert new["province_code"].tolist() == ["130000"] and new["geo_level"].tolist() == ["province"]
