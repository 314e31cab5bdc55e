"""County profiles: synthetic firm frames where the answer is known by construction, then the real
data (秦皇岛 with its pack, 唐山 without one) and the ``matcher profile`` command."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from matcher import relatedness as metrics
from matcher.regions.profile import (
    PROFILE_COLUMNS,
    chain_coverage,
    flatten_templates,
    industry_proximity,
    profile_regions,
)


def _synthetic_firms(seed: int = 0, n: int = 600) -> pd.DataFrame:
    """Synthetic firms: 6 cities × 3 counties, 8 level-2 industries with level-1 parents."""
    rng = np.random.default_rng(seed)
    city = rng.integers(1, 7, n)
    county = rng.integers(1, 4, n)
    ind = rng.integers(1, 9, n)
    frame = pd.DataFrame(
        {
            "firm_id": [f"F{i}" for i in range(n)],
            "city_code": [f"99{c:02d}00" for c in city],
            "county_code": [f"99{c:02d}{k:02d}" for c, k in zip(city, county, strict=True)],
            "sw_l2_code": [f"{10 + i}0100" for i in ind],
            "sw_l2_name": [f"行业{i}" for i in ind],
            "sw_l1_code": [f"{10 + i}0000" for i in ind],
            "sw_l3_code": pd.Series([None] * n, dtype="string"),
        }
    )
    frame.loc[rng.random(n) < 0.2, "county_code"] = None  # placed at city level only
    return frame


def test_profile_regions_counts_rca_density_by_construction() -> None:
    firms = _synthetic_firms()
    out = profile_regions(firms, ["990101", "990102", "999999"], "county", "sw_l2_code")
    assert list(out.columns) == PROFILE_COLUMNS
    assert set(out["region_code"]) == {"990101", "990102", "999999"}
    assert out.groupby("region_code").size().nunique() == 1  # every region lists every industry
    # counts
    direct = firms[firms["county_code"] == "990101"]["sw_l2_code"].value_counts()
    got = out[out["region_code"] == "990101"].set_index("industry")["count"]
    assert got[got > 0].sort_index().to_dict() == direct.sort_index().to_dict()
    # RCA against the national distribution of ALL firms (also those without a county)
    nat = firms["sw_l2_code"].value_counts()
    row = out[(out["region_code"] == "990101")].set_index("industry")
    expect = (direct / direct.sum()) / (nat / nat.sum())
    np.testing.assert_allclose(row.loc[expect.index, "rca"].to_numpy(), expect.to_numpy(), rtol=1e-12)
    assert (row["present"] == (row["rca"] >= 1)).all()
    # the empty region: zeros, not NaN
    empty = out[out["region_code"] == "999999"]
    assert (empty["count"] == 0).all() and (empty["rca"] == 0).all() and (empty["density"] == 0).all()
    # density = county presence × CITY proximity
    phi = industry_proximity(firms, "sw_l2_code", "city")
    m = row["present"].astype(int).to_frame().T
    d = metrics.density(m, phi)
    np.testing.assert_allclose(row.loc[phi.index, "density"].to_numpy(), d.iloc[0].to_numpy(), atol=1e-12)
    assert row["industry_name"].notna().all()


def test_profile_city_level_and_shares() -> None:
    firms = _synthetic_firms(1)
    out = profile_regions(firms, None, "city", "sw_l2_code")
    assert out["region_code"].nunique() == 6
    assert int(out["count"].sum()) == len(firms)
    np.testing.assert_allclose(out.groupby("region_code")["share"].sum().to_numpy(), 1.0)


def test_product_matching_rule() -> None:
    from matcher.regions.profile import product_matches

    assert product_matches("电力变压器", ["变压器"]) and not product_matches("变压器油", ["变压器"])
    assert product_matches("面粉 (12万吨)", ["面粉"]) and not product_matches("", ["面粉"])


def test_chain_coverage_by_construction() -> None:
    firms = _synthetic_firms(2)
    templates = [
        {"chain": "链A", "segments": [
            {"segment": "上游", "name": "材料", "industries": ["110100", "120000"], "products": ["铝锭"]},
            {"segment": "下游", "name": "整车", "industries": ["170100"], "products": ["车轮", "变压器"]},
        ]},
    ]
    seg = flatten_templates(templates)
    assert set(seg["chain"]) == {"链A"} and set(seg["segment"]) == {"上游", "下游"}
    anchors = pd.DataFrame([
        {"region_code": "990101", "name": "本地厂", "products": ["铝合金车轮 (10万只)"], "chains": []},
        {"region_code": "990101", "name": "别的", "products": ["服装", "变压器油"], "chains": ["链A"]},
    ])
    targeted = pd.DataFrame({"region_code": ["990101"], "chain": ["链A"]})
    cov = chain_coverage(firms, seg, "county_code", ["990101", "990203"], anchors, targeted)
    up = cov[(cov["region_code"] == "990101") & (cov["segment"] == "上游")].iloc[0]
    local = firms[firms["county_code"] == "990101"]
    # 110100 matches sw_l2; 120000 matches sw_l1 of industry 2 (120100)
    assert up["firms"] == int(local["sw_l2_code"].isin(["110100", "120100"]).sum())
    assert up["industries_total"] == 2
    assert up["industries_present"] == int(local["sw_l2_code"].eq("110100").any()) + int(local["sw_l1_code"].eq("120000").any())
    down = cov[(cov["region_code"] == "990101") & (cov["segment"] == "下游")].iloc[0]
    assert down["anchor_firms"] == 1 and down["anchor_names"] == "本地厂"  # 铝合金车轮 ends with 车轮; 变压器油 ≠ 变压器
    assert up["anchor_firms"] == 0    # no 铝锭 product
    assert list(cov.loc[cov["region_code"] == "990101", "segment"]) == ["上游", "下游"]
    assert cov.loc[cov["region_code"] == "990101", "targeted"].all()
    assert not cov.loc[cov["region_code"] == "990203", "targeted"].any()


# ---- real data ---------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def qhd(pipe):  # noqa: ANN001, ANN201
    return pipe.county_profiles("秦皇岛")


@pytest.mark.realdata
def test_qinhuangdao_profiles(qhd, data_dir: Path) -> None:
    assert qhd.has_pack and qhd.city_code == "130300"
    assert sorted(qhd.units["county_code"]) == [
        "130302", "130303", "130304", "130306", "130321", "130322", "130324", "130371", "130372"]
    assert qhd.units[["lon", "lat"]].notna().all().all()
    assert qhd.units.set_index("county_code").loc["130371", "source"].startswith("pack (derived)")
    # every unit has a row for every industry; counts equal the master's firms with an industry
    n_ind = qhd.city["industry"].nunique()
    assert (qhd.county.groupby("region_code").size() == n_ind).all()
    assert set(qhd.curated["kind"]) >= {"leading_industry", "park", "targeted_chain", "constraint", "fact", "centroid"}
    assert qhd.targets("130372") == ["生命健康"]
    assert len(qhd.constraints("130304")) == 1
    unlisted = qhd.anchors[qhd.anchors["listed"].eq(False).fillna(False)]
    assert "中信戴卡" in set(unlisted["name"])
    text = qhd.summary("130371")
    assert "秦皇岛市经济技术开发区" in text and "中信戴卡" in text


@pytest.mark.realdata
def test_unlisted_anchors_count_in_chain_coverage(qhd) -> None:
    """Local firms no public list contains (中信戴卡, 山船重工) sit in their chains' segments."""
    cov = qhd.coverage.set_index(["region_code", "chain", "segment"])
    assert not cov.empty
    assert "中信戴卡" in cov.loc[("130371", "汽车零部件", "中游"), "anchor_names"].split("|")
    assert bool(cov.loc[("130371", "汽车零部件", "中游"), "targeted"])
    assert "山船重工" in cov.loc[("130303", "船舶修造与海工", "中游"), "anchor_names"].split("|")
    assert "秦港股份" in cov.loc[("130300", "港口物流", "中游"), "anchor_names"].split("|")
    # the city row counts every unit's anchors and targets
    assert bool(cov.loc[("130300", "葡萄酒", "中游"), "targeted"])
    pres = qhd.local_presence()
    row = pres[pres["name"] == "中信戴卡"]
    assert set(row["product"]) == {"铝合金车轮", "底盘零部件"} and (row["region_code"] == "130371").all()
    excl = qhd.excluded()
    assert set(excl["region_code"]) == {"130304", "130372"} and "钢铁" in set(excl["sw_l1_name"])


@pytest.mark.realdata
def test_qinhuangdao_counts_match_the_firm_master(qhd, pipe) -> None:  # noqa: ANN001
    firms = pipe.firms
    ind = qhd.params["industry_col"]
    for code in qhd.units["county_code"]:
        want = int(((firms["county_code"] == code) & firms[ind].notna()).sum())
        assert int(qhd.county.loc[qhd.county["region_code"] == code, "count"].sum()) == want
    want_city = int(((firms["city_code"] == "130300") & firms[ind].notna()).sum())
    assert int(qhd.city["count"].sum()) == want_city


@pytest.mark.realdata
def test_tangshan_without_a_pack(data_dir: Path, pipe) -> None:  # noqa: ANN001
    from matcher.regions import city_units, load_city_pack

    assert load_city_pack("唐山") is None
    units = city_units("唐山", data_dir)
    assert units["county_code"].str.startswith("1302").all() and len(units) >= 14
    assert {"130203", "130209", "130273"} <= set(units["county_code"])
    assert units[["lon", "lat"]].notna().all().all()
    prof = pipe.county_profiles("130200")
    assert not prof.has_pack and prof.city_name == "唐山市"
    assert prof.curated.empty and prof.anchors.empty
    assert int(prof.city["count"].sum()) > 0
    assert prof.city.loc[prof.city["count"] > 0, "rca"].gt(0).all()
    assert "No city pack" in prof.summary("130203")


@pytest.mark.realdata
def test_profile_command_writes_tables_and_summary(data_dir: Path, real_workdir: Path, tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from matcher.cli import build_app

    out = tmp_path / "prof"
    res = CliRunner().invoke(build_app(), ["profile", "--city", "秦皇岛", "--data", str(data_dir), "--out", str(out),
                                           "--workdir", str(real_workdir)])
    assert res.exit_code == 0, res.output
    for name in ("units", "county_profiles", "city_profile", "chain_coverage", "curated_facts", "anchor_firms"):
        assert (out / f"{name}.csv").is_file() and (out / f"{name}.parquet").is_file()
    summary = (out / "summary.md").read_text(encoding="utf-8")
    assert summary.count("\n## ") == 9 and "北戴河新区 130372" in summary
    back = pd.read_parquet(out / "county_profiles.parquet")
    assert back["region_code"].nunique() == 9
    res = CliRunner().invoke(build_app(), ["profile", "--city", "不存在市", "--data", str(data_dir), "--out", str(out),
                                           "--workdir", str(real_workdir)])
    assert res.exit_code == 2 and "不存在市" in res.output
