"""The navigation map: targets.csv contract, options (filters really filter), actions, region groups,
determinism; on synthetic frames (known answers) and on the real data (秦皇岛, and 唐山 without a pack).

``synthetic_inputs`` / ``synthetic_navmap`` build a tiny SYNTHETIC city (codes 9901xx, firms named
合成企业…) whose right answers are known by construction; the Excel and HTML tests import them too.
"""

from __future__ import annotations

import functools
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from matcher.firms.schema import conform, validate_firms
from matcher.outputs.navmap import (
    ACTIONS,
    TARGET_COLUMNS,
    Navmap,
    NavmapOptions,
    assemble_navmap,
    assign_region_groups,
    classify_action,
    load_region_groups,
    read_targets_csv,
    write_navmap,
)

SYN_CITY = "990100"


# ---------------------------------------------------------------------------------------- synthetic
def synthetic_inputs() -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """(matches, firms, units) of a synthetic city with three units and eight firms.

    Local firms: L1 (装备·专用设备) and L2 (装备·通用设备). Outside firms: F1 装备·专用设备 (→ 强链),
    F2 装备·工程机械 (chain present, segment missing → 补链), F3 医药·化学制药 (→ 延链), F4 unicorn in
    上海, F5 in 深圳, F6 in 赤峰 (东北 by the plan, not 西部). Scores are set so that every firm's best
    county is 990103 except F3 (990101), and F1's second best is 990101.
    """
    units = pd.DataFrame({
        "county_code": pd.array(["990101", "990102", "990103"], dtype="string"),
        "county_name": pd.array(["合成甲区", "合成乙县", "合成丙开发区"], dtype="string"),
        "lon": [119.0, 119.2, 119.4], "lat": [39.9, 40.0, 39.8],
    })
    rows = [
        # firm_id, name, prov_code, province, city_code, city, l1, l2, listed, unicorn, assets, lon, lat
        ("S:L1", "合成本地一", "990000", "合成省", SYN_CITY, "合成市", "装备", "专用设备", True, False, 50.0, 119.1, 39.9),
        ("S:L2", "合成本地二", "990000", "合成省", SYN_CITY, "合成市", "装备", "通用设备", True, False, 20.0, 119.3, 39.9),
        ("S:F1", "合成企业一", "110000", "北京市", "110000", "北京市", "装备", "专用设备", True, False, 300.0, 116.4, 39.9),
        ("S:F2", "合成企业二", "120000", "天津市", "120000", "天津市", "装备", "工程机械", True, False, 100.0, 117.2, 39.1),
        ("S:F3", "合成企业三", "130000", "河北省", "130100", "石家庄市", "医药", "化学制药", True, False, 80.0, 114.5, 38.0),
        ("U:F4", "合成企业四", "310000", "上海市", "310000", "上海市", "医药", "医疗器械", False, True, np.nan, 121.5, 31.2),
        ("S:F5", "合成企业五", "440000", "广东省", "440300", "深圳市", "电子", "半导体", True, False, 60.0, 114.1, 22.5),
        ("S:F6", "合成企业六", "150000", "内蒙古自治区", "150400", "赤峰市", "装备", "专用设备", True, False, 10.0, 118.9, 42.3),
    ]
    cols = ["firm_id", "name", "province_code", "province", "city_code", "city", "sw_l1_name", "sw_l2_name",
            "is_listed", "is_unicorn", "total_assets_yi", "lon", "lat"]
    firms = pd.DataFrame(rows, columns=cols)
    firms["legal_name"] = firms["name"] + "股份有限公司"
    firms["stock_code"] = [f"99000{i}" if fid.startswith("S:") else None for i, fid in enumerate(firms["firm_id"])]
    firms["county_code"] = [None] * len(firms)
    firms.loc[firms["firm_id"] == "S:L1", "county_code"] = "990103"
    firms.loc[firms["firm_id"] == "S:L2", "county_code"] = "990101"
    firms["is_little_giant"] = False
    firms["sources"] = "synthetic"
    firms["list_date"] = pd.to_datetime(["2010-01-01", "2011-01-01", "2012-01-01", "2013-01-01", "2020-06-01", pd.NaT, "2015-01-01", "2016-01-01"])
    firms["setup_date"] = pd.to_datetime(["2000-01-01"] * 5 + ["2019-01-01"] + ["2000-01-01"] * 2)
    firms["controller_type"] = "民营企业"
    firms["fortune500_best_rank"] = pd.array([pd.NA] * len(firms), dtype="Int64")
    firms["geo_level"] = np.where(firms["county_code"].notna(), "county", "city")
    firms = validate_firms(conform(firms))  # the firm master's schema, as every stage receives it
    base = {"S:F1": 3.0, "S:F2": 2.5, "S:F3": 2.0, "U:F4": 1.5, "S:F5": 1.0, "S:F6": 0.5}
    offset = {"990101": -0.1, "990102": -0.5, "990103": 0.0}
    recs = []
    for fid, b in base.items():
        for cc, off in offset.items():
            score = b + (0.3 if (fid == "S:F3" and cc == "990101") else off)
            recs.append({"firm_id": fid, "county_code": cc, "score": score, "chain_customers": 0.0,
                         "chain_suppliers": 0.0, "reasons": f"合成理由：{fid}@{cc}"})
    matches = pd.DataFrame(recs)
    matches["county_name"] = matches["county_code"].map(dict(zip(units["county_code"], units["county_name"], strict=True)))
    matches["name"] = matches["firm_id"].map(dict(zip(firms["firm_id"], firms["name"], strict=True)))
    return matches, firms, units


def synthetic_navmap(options: NavmapOptions | None = None) -> Navmap:
    """A navigation map of the synthetic city (no file read except the region groups)."""
    matches, firms, units = synthetic_inputs()
    quality = pd.DataFrame({"benchmark": ["entry"], "model": ["rankers.synthetic"], "metric": ["roc_auc"], "value": [0.75]})
    return assemble_navmap("合成市", SYN_CITY, matches, firms, units, options or NavmapOptions(top=0), quality=quality)


def test_synthetic_targets_rank_every_eligible_firm_with_reasons_and_county() -> None:
    nav = synthetic_navmap()
    t = nav.targets
    assert list(t.columns) == TARGET_COLUMNS
    assert sorted(t["firm_id"]) == ["S:F1", "S:F2", "S:F3", "S:F5", "S:F6", "U:F4"]  # locals excluded
    assert t["rank"].tolist() == list(range(1, 7))
    assert t["score"].is_monotonic_decreasing
    assert t["reasons"].str.len().gt(20).all()
    best = dict(zip(t["firm_id"], t["county_code"], strict=True))
    assert best["S:F3"] == "990101" and best["S:F1"] == "990103"
    assert t.set_index("firm_id").at["S:F1", "alt_county_name"] == "合成甲区"


def test_synthetic_actions_follow_local_presence() -> None:
    t = synthetic_navmap().targets.set_index("firm_id")
    assert t.at["S:F1", "action"] == "强链"  # 装备·专用设备 exists locally (L1)
    assert t.at["S:F2", "action"] == "补链"  # 装备 exists, 工程机械 does not
    assert t.at["S:F3", "action"] == "延链"  # no 医药 locally
    assert t["action"].isin(ACTIONS).all()
    assert t.at["S:F1", "reasons"].startswith("强链：合成已有1家") and "合成本地一" in t.at["S:F1", "reasons"]
    assert "合成本地一" in t.at["S:F2", "reasons"] and "工程机械" in t.at["S:F2", "reasons"]


def test_classify_action_rules() -> None:
    seg = {("A", "x"): ["f"]}
    ch = {"A": ["f"]}
    assert classify_action("A", "x", seg, ch, 0.0) == "强链"
    assert classify_action("A", "y", seg, ch, 0.0) == "补链"
    assert classify_action("B", "y", seg, ch, 3.0) == "延链"


@pytest.mark.parametrize(
    ("options", "expected"),
    [
        (NavmapOptions(top=0, firm_types=("unicorn",)), {"U:F4"}),
        (NavmapOptions(top=0, home_regions=("长三角",)), {"U:F4"}),
        (NavmapOptions(top=0, home_regions=("东北",)), {"S:F6"}),  # 赤峰 is in the 东北 plan's scope
        (NavmapOptions(top=0, home_regions=("深圳",)), {"S:F5"}),
        (NavmapOptions(top=0, home_regions=("河北",)), {"S:F3"}),
        (NavmapOptions(top=0, chains=("医药",)), {"S:F3", "U:F4"}),
        (NavmapOptions(top=0, chains=("工程机械",)), {"S:F2"}),
        (NavmapOptions(top=2), {"S:F1", "S:F2"}),
        (NavmapOptions(top=0, exclude_local=False), {"S:F1", "S:F2", "S:F3", "U:F4", "S:F5", "S:F6"}),
        (NavmapOptions(top=0, snapshot=pd.Timestamp("2018-12-31").date()), {"S:F1", "S:F2", "S:F5", "S:F6"}),
    ],
)
def test_filters_really_filter(options: NavmapOptions, expected: set[str]) -> None:
    assert set(synthetic_navmap(options).targets["firm_id"]) == expected


def test_county_filter_moves_the_landing_county() -> None:
    t = synthetic_navmap(NavmapOptions(top=0, counties=("合成乙县",))).targets
    assert len(t) == 6 and (t["county_code"] == "990102").all()
    with pytest.raises(ValueError, match="unknown county"):
        synthetic_navmap(NavmapOptions(counties=("不存在区",)))


def test_options_are_validated() -> None:
    with pytest.raises(ValueError):
        NavmapOptions(firm_types=("startup",))
    with pytest.raises(ValueError):
        NavmapOptions(top=-1)


def test_tables_counties_outbound_chains() -> None:
    nav = synthetic_navmap()
    c = nav.counties
    assert set(c["county_code"]) == {"990101", "990102", "990103"}
    assert (c.groupby("county_code")["fit_rank"].min() == 1).all()
    first = c[(c["county_code"] == "990101") & (c["fit_rank"] == 1)]  # F1 fits 甲区 best, but prefers 丙开发区
    assert first["firm_id"].item() == "S:F1" and first["is_first_choice"].item() == "否"
    f3 = c[(c["county_code"] == "990101") & (c["firm_id"] == "S:F3")]
    assert f3["fit_rank"].item() == 3 and f3["is_first_choice"].item() == "是"
    o = nav.outbound
    assert o["targets"].sum() == len(nav.targets)
    assert o["home_region"].iloc[0] == "京津冀"  # file order of the groups
    ch = nav.chains.set_index(["chain", "segment"])
    assert ch.at[("装备", "专用设备"), "firms_local"] == 1 and ch.at[("装备", "专用设备"), "action"] == "强链"
    assert ch.at[("装备", "工程机械"), "action"] == "补链"
    assert ch.at[("医药", "化学制药"), "action"] == "延链"


def test_targets_csv_roundtrip_and_determinism(tmp_path: Path) -> None:
    nav = synthetic_navmap()
    a = write_navmap(nav, tmp_path / "a")
    b = write_navmap(synthetic_navmap(), tmp_path / "b")
    for name in a:
        same = a[name].read_bytes() == b[name].read_bytes()
        assert same, name  # a boolean: pytest would spend hours diffing megabytes
    back = read_targets_csv(a["targets.csv"])
    assert list(back.columns) == TARGET_COLUMNS
    assert back["firm_id"].tolist() == nav.targets["firm_id"].tolist()
    assert back["county_code"].str.fullmatch(r"\d{6}").all()
    md = a["navmap.md"].read_text(encoding="utf-8")
    assert "合成市招商导航图" in md and "合成企业一" in md and "合成丙开发区" in md


# ---------------------------------------------------------------------------------------- region groups
def test_region_groups_first_match_wins() -> None:
    g = load_region_groups()
    frame = pd.DataFrame({
        "province_code": ["110000", "440000", "440000", "150000", "150000", "420000", "420000", "500000", None],
        "city_code": ["110000", "440300", "440500", "150400", "150100", "420100", "429000", "500000", None],
        "county_code": [None, None, None, None, None, None, "429004", None, None],
    })
    got = assign_region_groups(frame, g).tolist()
    assert got == ["京津冀", "珠三角", "东部其他", "东北", "西部其他", "长江中游", "长江中游", "成渝", "未知"]
    assert g.groupby("group")["source"].first().str.len().gt(10).all()  # every group cites its document


@pytest.mark.realdata
def test_region_group_codes_match_the_division_table(data_dir: Path) -> None:
    from matcher.geo import load_divisions

    div = load_divisions(data_dir)
    g = load_region_groups()
    names = {}
    for level, col, name_col in (("province", "province_code", "province"), ("city", "city_code", "city"), ("county", "county_code", "county")):
        names.update({(level, str(k)): str(v) for k, v in zip(div[col], div[name_col], strict=True)})
    listed_outside = {"710000", "810000", "820000"}  # 台湾, 香港, 澳门: not in the mainland division table
    bad = [(r.level, r.code, r.name) for r in g.itertuples()
           if r.code not in listed_outside and names.get((r.level, r.code)) != r.name]
    assert bad == []
    # every mainland county-level unit falls in exactly one group (none is 未知)
    assigned = assign_region_groups(div[["county_code", "city_code", "province_code"]], g)
    assert (assigned != "未知").all()
    assert assigned[div["province_code"] == "130000"].eq("京津冀").all()


# ---------------------------------------------------------------------------------------- real data
@functools.cache
def real_navmap(data_dir: str, workdir: str) -> Navmap:
    """The 秦皇岛 map with every eligible firm (top 0), built once per session (Excel/HTML tests reuse it)."""
    from matcher.api import navmap

    return navmap("秦皇岛", NavmapOptions(top=0), Path(data_dir), Path(workdir))


@pytest.mark.realdata
@pytest.mark.slow
def test_real_qinhuangdao_targets_contract(data_dir: Path, registry_workdir: Path) -> None:
    nav = real_navmap(str(data_dir), str(registry_workdir))
    t = nav.targets
    assert list(t.columns) == TARGET_COLUMNS
    n_outside = int((nav.firms["city_code"].astype("string").fillna("") != "130300").sum())
    left_out = nav.not_recommended[nav.not_recommended["scope"] == "全市"]
    assert nav.meta["n_scored"] == n_outside
    assert len(t) + len(left_out) == n_outside and len(t) > 4000  # every firm of the master: ranked, or listed in 未推荐
    assert t["rank"].tolist() == list(range(1, len(t) + 1))
    assert t["score"].is_monotonic_decreasing
    assert t["firm_id"].is_unique
    units = set(nav.units["county_code"])
    assert len(units) == 9 and {"130371", "130372"} <= units
    assert t["county_code"].isin(units).all() and t["county_name"].notna().all()
    assert t["reasons"].notna().all() and t["reasons"].str.len().gt(30).all()
    assert t["reasons"].str.contains("推荐落地").all()
    placed = t["chain"] != "未归链"
    local = t["tags"].astype("string").fillna("").str.contains("已在本地", regex=False)
    assert t.loc[placed & ~local, "action"].isin(ACTIONS).all() and t.loc[placed, "action"].nunique() >= 3
    assert (t.loc[~placed & ~local, "action"] == "").all()
    assert t.loc[local, "action"].isin(["增资扩产", "以商招商"]).all() and local.sum() >= 5
    assert (t.loc[local, "local_presence"].str.len() > 0).all() and t["evidence"].notna().all()
    assert (t["home_city_code"].astype("string").fillna("") != "130300").all()
    assert t["home_region"].ne("未知").mean() > 0.95
    # the curated chains of the pack are used, and each placement says its evidence
    assert t.loc[placed, "chain_basis"].str.match(r"^(申万行业|主营产品|行业（Tushare）)：").all()
    assert set(nav.counties["county_code"]) == units


@pytest.mark.realdata
@pytest.mark.slow
def test_real_filters_really_filter(data_dir: Path, registry_workdir: Path) -> None:
    nav = real_navmap(str(data_dir), str(registry_workdir))
    from matcher.pipeline import Pipeline

    elig = Pipeline.open(data_dir, registry_workdir, user_files=[]).eligibility("秦皇岛")
    kw = {"positions": nav.positions, "quality": nav.quality, "eligibility": elig}

    def run(**opts: object) -> pd.DataFrame:
        return assemble_navmap(nav.city, nav.city_code, nav.matches, nav.firms, nav.units, NavmapOptions(**opts), **kw).targets

    fi = nav.firms.set_index("firm_id")
    uni = run(top=0, firm_types=("unicorn",))
    assert len(uni) > 50 and fi.loc[uni["firm_id"], "is_unicorn"].all()
    yrd = run(top=0, home_regions=("长三角",))
    assert len(yrd) > 500 and set(yrd["home_province"]) <= {"上海市", "江苏省", "浙江省", "安徽省"}
    hg = run(top=0, counties=("海港区",))
    assert len(hg) == len(nav.targets) and (hg["county_code"] == "130302").all()
    chain = nav.targets["chain"].iloc[0]
    ch = run(top=0, chains=(chain,))
    assert 0 < len(ch) < len(nav.targets) and (ch["chain"] == chain).all()
    top = run(top=25)  # the cut comes after the ranking (compared with the same inputs, uncut)
    assert top["firm_id"].tolist() == run(top=0)["firm_id"].head(25).tolist()


@pytest.mark.realdata
@pytest.mark.slow
def test_real_outputs_are_deterministic(data_dir: Path, registry_workdir: Path, tmp_path: Path) -> None:
    nav = real_navmap(str(data_dir), str(registry_workdir))
    from matcher.api import navmap

    again = navmap("秦皇岛", NavmapOptions(top=0), data_dir, registry_workdir)
    pd.testing.assert_frame_equal(nav.targets, again.targets)
    a = write_navmap(nav, tmp_path / "a")
    b = write_navmap(again, tmp_path / "b")
    for name in a:
        same = a[name].read_bytes() == b[name].read_bytes()
        assert same, name  # a boolean: pytest would spend hours diffing megabytes


@pytest.mark.realdata
@pytest.mark.slow
def test_cli_works_for_a_city_without_a_pack(data_dir: Path, registry_workdir: Path, tmp_path: Path,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    from typer.testing import CliRunner

    import matcher.cli
    from matcher.regions.pack import CITIES_ENV, find_pack_file

    (tmp_path / "no_packs").mkdir()
    monkeypatch.setenv(CITIES_ENV, str(tmp_path / "no_packs"))  # whatever packs exist, use none
    assert find_pack_file("唐山") is None
    out = tmp_path / "ts"
    res = CliRunner().invoke(matcher.cli.build_app(), [
        "navmap", "--city", "唐山", "--data", str(data_dir), "--workdir", str(registry_workdir), "--out", str(out),
        "--top", "30", "--region", "京津冀,长三角",
    ])
    assert res.exit_code == 0, res.output
    t = read_targets_csv(out / "targets.csv")
    assert len(t) == 30 and t["county_code"].str.startswith("1302").all()
    assert t["home_region"].isin(["京津冀", "长三角"]).all()
    assert (t["home_city_code"] != "130200").all() and t["reasons"].str.len().gt(30).all()
    for f in ("navmap.xlsx", "navmap.html", "navmap.md"):
        assert (out / f).stat().st_size > 1000


# ------------------------------------------------------------------------ chain templates (issue 16)
def synthetic_template_navmap(options: NavmapOptions | None = None) -> Navmap:
    """The synthetic city with one chain template 合成链: F1 on 中游 by its industry, F2 on 上游 by its
    products, every other firm 未归链; F5 is left out by an eligibility rule (a bank, say)."""
    matches, firms, units = synthetic_inputs()
    seg = {"S:F1": "中游", "S:F2": "上游"}
    matches["chain"] = matches["firm_id"].map({f: "合成链" for f in seg})
    matches["segment"] = matches["firm_id"].map(seg)
    names = {("合成链", "上游"): "上游·材料", ("合成链", "中游"): "中游·整机", ("合成链", "下游"): "下游·应用"}
    positions = pd.DataFrame({"firm_id": ["S:F1", "S:F2", "S:L1"], "chain": "合成链",
                              "segment": ["中游·整机", "上游·材料", "中游·整机"],
                              "evidence_text": ["申万行业：专用设备", "主营产品：合成材料 0.60", "申万行业：专用设备"]})
    analysis = pd.DataFrame({
        "chain": "合成链", "segment": ["上游·材料", "中游·整机", "下游·应用"], "segment_name": ["材料", "整机", "应用"],
        "local_firms": [0, 1, 0], "national_firms": [5, 9, 4], "rca": [0.0, 3.1, 0.0], "strength": ["缺", "强", "缺"],
        "action": ["补链", "延链", "补链"], "reason": "", "leaders": ["合成企业二", "合成企业一", ""],
        "local_firm_names": ["", "合成本地一", ""], "curated_local": "", "links_from_previous": 0, "template_flag": "",
    })
    elig = pd.DataFrame({"firm_id": ["S:F5"], "rule": ["finance"], "rule_name": ["金融机构"], "reason": ["合成原因：持牌金融机构"],
                         "source": ["https://example.org/synthetic"]}).astype("string")
    quality = pd.DataFrame({"benchmark": ["entry"], "model": ["rankers.synthetic"], "metric": ["roc_auc"], "value": [0.75]})
    return assemble_navmap("合成市", SYN_CITY, matches, firms, units, options or NavmapOptions(top=0), quality=quality,
                           positions=positions, analysis=analysis, segment_names=names, eligibility=elig)


def test_one_action_per_segment_in_every_sheet() -> None:
    """Issue 16: the same segment was 强链 in targets.csv and 延链 in 产业链图谱."""
    nav = synthetic_template_navmap()
    t = nav.targets.set_index("firm_id")
    chain_action = {(r.chain, r.segment): r.action for r in nav.chains.itertuples()}
    assert t.at["S:F1", "action"] == chain_action[("合成链", "中游·整机")] == "延链"
    assert t.at["S:F2", "action"] == chain_action[("合成链", "上游·材料")] == "补链"
    county_action = {(r.firm_id, r.chain, r.segment): r.action for r in nav.counties.itertuples()}
    for (fid, ch, sg), a in county_action.items():
        if ch != "未归链":
            assert a == chain_action[(ch, sg)], (fid, ch, sg)
    assert t.at["S:F1", "reasons"].startswith("延链：合成“合成链·中游·整机”")
    assert "归链依据：申万行业：专用设备" in t.at["S:F1", "reasons"]


def test_weak_evidence_is_said_to_be_unplaced() -> None:
    t = synthetic_template_navmap().targets.set_index("firm_id")
    assert t.at["S:F3", "chain"] == "未归链" and t.at["S:F3", "action"] == ""
    assert t.at["S:F3", "reasons"].startswith("未归链") and "化学制药" in t.at["S:F3", "reasons"]
    assert t.at["S:F1", "chain_basis"] == "申万行业：专用设备"


def test_excluded_firms_are_listed_with_their_reason(tmp_path: Path) -> None:
    """Issue 16: banks and the like were recommended; now they are left out and listed in 未推荐."""
    nav = synthetic_template_navmap()
    assert "S:F5" not in set(nav.targets["firm_id"])
    nr = nav.not_recommended.set_index("firm_id")
    assert nr.at["S:F5", "rule"] == "金融机构" and nr.at["S:F5", "scope"] == "全市"
    assert nr.at["S:F5", "reason"] == "合成原因：持牌金融机构" and nr.at["S:F5", "rank_if_eligible"] == 5
    paths = write_navmap(nav, tmp_path)
    back = pd.read_csv(paths["not_recommended.csv"], dtype=str, encoding="utf-8-sig")
    assert back["firm_id"].tolist() == ["S:F5"]
    from matcher.outputs.excel import read_sheet

    sheet = read_sheet(paths["navmap.xlsx"], "未推荐")
    assert sheet["企业简称"].tolist() == ["合成企业五"] and sheet["原因"].iloc[0] == "合成原因：持牌金融机构"
    assert any("未推荐" in str(v) for v in nav.overview["item"])


# ------------------------------------------------------------- issue 16 part 2: existing investors (synthetic)
def synthetic_investor_navmap() -> Navmap:
    """The synthetic city where 合成企业二 has a subsidiary in 合成乙县 (since 2015), 合成企业三 a branch in 合成甲区,
    合成企业五 a shop only; 合成企业一 opened branches elsewhere (its expansion record)."""
    from matcher.regions.investors import existing_investors

    matches, firms, units = synthetic_inputs()
    e = pd.DataFrame({
        "firm_id": ["S:F2", "S:F3", "S:F5", "S:F1", "S:F1"],
        "reg_date": pd.to_datetime(["2015-03-01", "2012-01-01", "2018-01-01", "2016-05-01", "2014-02-01"]),
        "province_code": ["990000", "990000", "990000", "120000", "130000"],
        "city_code": [SYN_CITY, SYN_CITY, SYN_CITY, "120000", "130200"],
        "county_code": ["990102", "990101", "990103", "120101", "130203"],
        "link_type": ["subsidiary", "branch", "sales_outlet", "subsidiary", "branch"], "division": [None] * 5,
        "entity_name": ["合成企业二(乙县)有限公司", "合成企业三股份有限公司合成分公司", "合成企业五专卖店", "合成企业一(天津)有限公司",
                        "合成企业一股份有限公司唐山分公司"], "source": "registry"})
    inv = existing_investors(e[e["city_code"] == SYN_CITY], units["county_code"])
    history = e[e["city_code"] != SYN_CITY]
    quality = pd.DataFrame({"benchmark": ["entry"], "model": ["rankers.synthetic"], "metric": ["roc_auc"], "value": [0.75]})
    return assemble_navmap("合成市", SYN_CITY, matches, firms, units, NavmapOptions(top=0), quality=quality, investors=inv,
                           history=history, city_names={"120000": "天津市", "130200": "唐山市"})


def test_existing_investors_are_recognised_and_never_new_targets(tmp_path: Path) -> None:
    """Issue 16: 益海嘉里 (金龙鱼) settled in 山海关区 and the 天威 plant of 保变电气 were not mentioned; existing investors
    are the first source of new projects (增资扩产, 以商招商)."""
    t = synthetic_investor_navmap().targets.set_index("firm_id")
    f2 = t.loc["S:F2"]
    assert "已在本地" in f2["tags"] and f2["action"] == "增资扩产"
    assert f2["county_code"] == "990102"  # it expands where it is, though 990103 scores higher
    assert f2["local_presence"] == "合成乙县（2015年起，子公司）"
    assert f2["reasons"].startswith("已在本地：2015年在合成乙县设立子公司（合成企业二(乙县)有限公司），宜对接增资扩产；补链：")
    assert "合成企业二(乙县)有限公司" in f2["evidence"] and "工商登记样本" in f2["evidence"]
    assert t.at["S:F3", "action"] == "以商招商" and "已在本地" in t.at["S:F3", "tags"]
    f5 = t.loc["S:F5"]  # a shop makes no investor: a new target, its outlet stated
    assert "已在本地" not in str(f5["tags"]) and f5["action"] not in ("增资扩产", "以商招商")
    assert f5["local_presence"] == "合成丙开发区（2018年起，销售网点）" and "尚无生产经营实体" in f5["reasons"]
    f1 = t.loc["S:F1"]  # a new target: no presence, its expansion record cited
    assert f1["local_presence"] == "" and "近年外地扩张：2016年在天津市设立子公司（合成企业一(天津)有限公司）、2014年在唐山市设立分公司" in f1["reasons"]
    assert "近年外地扩张" in f1["evidence"] and f1["evidence"].startswith("产业链：")
    back = read_targets_csv(write_navmap(synthetic_investor_navmap(), tmp_path)["targets.csv"])
    assert {"local_presence", "evidence"} <= set(back.columns) and list(back.columns) == TARGET_COLUMNS


# ------------------------------------------------------------- issue 16 on the real data (top 200)
@functools.cache
def real_top200(data_dir: str, workdir: str, city: str) -> Navmap:
    """The default map (top 200) of ``city``, built once per session."""
    from matcher.api import navmap

    return navmap(city, NavmapOptions(), Path(data_dir), Path(workdir))


FINANCE_TUSHARE = {"银行", "证券", "保险", "多元金融"}
PROPERTY_TUSHARE = {"全国地产", "区域地产", "园区开发"}


@pytest.mark.realdata
@pytest.mark.slow
@pytest.mark.parametrize("city", ["秦皇岛", "唐山"])
def test_real_top200_holds_no_bank_broker_insurer_st_or_developer(data_dir: Path, registry_workdir: Path, city: str) -> None:
    """Issue 16: 10 banks, insurers and brokers, 11 developers (华夏幸福 and 荣盛发展 in default) and two *ST
    firms were in 秦皇岛's top 200; 唐山's top four were big banks. 唐山 has no pack: national defaults."""
    nav = real_top200(str(data_dir), str(registry_workdir), city)
    t = nav.targets
    assert len(t) == 200
    f = nav.firms.set_index("firm_id").loc[t["firm_id"]]
    sw = f["sw_l1_code"].astype("string").fillna("") + "|" + f["sw_l2_code"].astype("string").fillna("") + "|" + \
        f["sw_l3_code"].astype("string").fillna("")
    finance = sw.str.contains(r"(?:^|\|)4[89]\d{4}") & ~sw.str.contains("490306")
    assert not finance.any(), list(f.index[finance])
    assert not f["industry_tushare"].isin(FINANCE_TUSHARE | PROPERTY_TUSHARE).fillna(False).any()
    assert not sw.str.contains(r"(?:^|\|)4301\d\d").any()  # 房地产开发, defaulted developers included
    assert not t["name"].isin(["华夏幸福", "荣盛发展", "绿地控股"]).any()
    assert not t["name"].str.contains(r"^\*?S?\*?ST|^退市|退$").any()
    # every left-out firm is listed, with a rule and a reason
    nr = nav.not_recommended
    assert {"金融机构", "房地产开发", "风险警示或退市"} <= set(nr["rule"])
    assert nr["reason"].str.len().gt(10).all() and nr["source"].str.startswith("http").all()
    assert {"农业银行", "华夏幸福"} <= set(nr["name"])


@pytest.mark.realdata
@pytest.mark.slow
def test_real_every_named_unit_receives_its_chain(data_dir: Path, registry_workdir: Path) -> None:
    """Issue 16: 北戴河新区 (the State Council's 生命健康 demonstration zone) got none of the 16 生命健康 targets,
    which all went to 卢龙县; 卢龙县 got 84 of 200 (nearest Beijing and Tangshan)."""
    nav = real_top200(str(data_dir), str(registry_workdir), "秦皇岛")
    t = nav.targets
    from matcher.regions import load_city_pack

    pack = load_city_pack("秦皇岛")
    named = [(u.code, str(c.value)) for u in pack.units for c in u.targeted_chains]
    assert ("130372", "生命健康") in named
    have = set(zip(t["county_code"], t["chain"], strict=True))
    missing = [(u, c) for u, c in named if (u, c) not in have]
    assert missing == [x for x in missing if x in {(g["county_code"], g["chain"]) for g in nav.meta["uncovered_unit_chains"]}]
    assert ("130372", "生命健康") in have
    life = t[t["chain"] == "生命健康"]
    assert life["county_code"].nunique() >= 2
    assert (t["county_code"] == "130324").sum() < 84


@pytest.mark.realdata
@pytest.mark.slow
def test_real_tangshan_targets_are_not_sent_to_the_unit_nearest_beijing(data_dir: Path, registry_workdir: Path) -> None:
    """Issue 16: 151 of 唐山's 200 landed in 玉田县, the unit nearest most firms' homes, and the county features were
    identical across a row's counties. Now the unit comes from the place choice learned on expansion events: it
    differs between a firm's units, and each target lands where its score is highest (no pack: no policy terms)."""
    nav = real_top200(str(data_dir), str(registry_workdir), "唐山")
    t, m = nav.targets, nav.matches
    assert (t["county_code"] == "130229").sum() < 20  # 玉田县
    mm = m[m["firm_id"].isin(t["firm_id"])]
    assert (mm.groupby("firm_id")["unit_logp"].nunique() > 1).mean() > 0.9
    best = mm.sort_values(["firm_id", "score"], ascending=[True, False]).drop_duplicates("firm_id").set_index("firm_id")["county_code"]
    local = t["tags"].astype("string").fillna("").str.contains("已在本地", regex=False)
    assert (t.loc[~local, "county_code"].to_numpy() == best.loc[t.loc[~local, "firm_id"]].to_numpy()).mean() > 0.95


@pytest.mark.realdata
@pytest.mark.slow
@pytest.mark.parametrize("city", ["秦皇岛", "唐山"])
def test_real_reasons_are_clean_and_cite_the_firm_s_own_chain(data_dir: Path, registry_workdir: Path, city: str) -> None:
    """Issue 16: a stray "，无；" in 159 rows; 冀中能源 (港口物流) cited "重点招商产业链 装配式建筑"."""
    import re

    t = real_top200(str(data_dir), str(registry_workdir), city).targets
    assert not t["reasons"].str.contains("，无；|；无；|nan|None|<NA>|NaN").any()
    for chain, text in zip(t["chain"], t["reasons"], strict=True):
        for cited in re.findall(r"“([^”]+)”是[^；]*?的重点招商产业链", text):
            assert cited == chain, (chain, text)
        for cited in re.findall(r"已有“([^”]+)”链上重点企业", text):
            assert cited == chain, (chain, text)


@pytest.mark.realdata
@pytest.mark.slow
def test_real_leaders_follow_the_same_evidence(data_dir: Path, registry_workdir: Path) -> None:
    """Issue 16: the 链主 column named 世纪华通 (games) for auto parts and 盐田港 (ports) for prefab buildings."""
    nav = real_top200(str(data_dir), str(registry_workdir), "秦皇岛")
    c = nav.chains.set_index(["chain", "segment"])
    auto = c.loc[("汽车零部件", "中游·汽车零部件"), "leaders_national"]
    prefab = c.loc[("装配式建筑", "中游·预制构件、钢结构与部品"), "leaders_national"]
    assert "世纪华通" not in auto and "盐田港" not in prefab and auto and prefab
    t = nav.targets
    assert not ((t["name"] == "王府井") & (t["chain"] == "粮油食品")).any()
    on_chain = nav.chains[nav.chains["chain"] != "未归链"]
    assert "爱迪特" not in " ".join(on_chain["local_firms"].astype(str))  # no longer the city’s grain-and-oil firm


# ------------------------------------------------------------- issue 16 part 2 on the real data
@pytest.mark.realdata
@pytest.mark.slow
def test_real_existing_investors_are_recognised(data_dir: Path, registry_workdir: Path) -> None:
    """Issue 16: "the pack says 益海嘉里 settled in 山海关区, yet 金龙鱼 ranks #417 with no mention; 保变电气 ranks #107
    with no word of the 天威 plant in the city"."""
    t = real_navmap(str(data_dir), str(registry_workdir)).targets.set_index("name")
    jly = t.loc["金龙鱼"]
    assert "已在本地" in jly["tags"] and jly["action"] == "增资扩产" and "山海关区" in jly["local_presence"]
    assert jly["reasons"].startswith("已在本地：") and "益海嘉里" in jly["evidence"]
    bb = t.loc["保变电气"]
    assert "山海关区（2006年起，子公司）" in bb["local_presence"] and bb["action"] == "增资扩产"
    assert "天威保变(秦皇岛)变压器有限公司" in bb["reasons"] and "天威保变(秦皇岛)变压器有限公司" in bb["evidence"]
    assert bb["county_code"] == "130303"


@pytest.mark.realdata
@pytest.mark.slow
def test_real_a_landed_lead_changes_the_next_ranking(data_dir: Path, registry_workdir: Path, tmp_path: Path) -> None:
    """Issue 17 item 7, the documented way (matcher/model/match.py, README): a lead the workbench records as landed
    counts as the firm's entity in that unit from its stage date — the firm is tagged 已在本地 there, its action is
    增资扩产, it lands in that unit, and its learned score rises by the fitted presence weights."""
    from matcher.api import navmap
    from matcher.workbench.outcomes import conform

    work = tmp_path / "work"
    work.mkdir()
    for f in Path(registry_workdir).iterdir():  # the cached stages, shared read-only (writes replace the links)
        if f.is_file() and f.suffix in (".parquet", ".json"):
            (work / f.name).symlink_to(f)
    nav = real_top200(str(data_dir), str(registry_workdir), "秦皇岛")
    before, m = nav.targets, nav.matches
    allowed = set(m.loc[(m["county_code"] == "130322") & (m["is_excluded"] <= 0), "firm_id"])
    new = before[before["local_presence"].eq("") & before["county_code"].ne("130322") & before["firm_id"].isin(allowed)].iloc[5]
    conform(pd.DataFrame({"lead_id": [1], "firm_id": [new["firm_id"]], "firm_name": [new["name"]], "city_code": ["130300"],
                          "county_code": ["130322"], "county_name": ["昌黎县"], "stage": ["落地"],
                          "stage_date": [pd.Timestamp("2026-03-02")]})).to_parquet(work / "outcomes.parquet", index=False)
    after = navmap("秦皇岛", NavmapOptions(top=0), data_dir, work).targets.set_index("firm_id")
    row = after.loc[new["firm_id"]]
    assert "已在本地" in row["tags"] and row["action"] == "增资扩产" and row["county_code"] == "130322"
    assert row["local_presence"] == "昌黎县（2026年起，签约或落地项目）" and "本系统项目库" in row["evidence"]
    # its score in that unit rises by the presence weights (its rank may fall: 昌黎县 may fit it worse than its
    # earlier best unit, where it no longer lands)
    in_unit = m.loc[(m["firm_id"] == new["firm_id"]) & (m["county_code"] == "130322"), "score"].iloc[0]
    assert row["score"] > round(float(in_unit), 4)
    assert not (Path(registry_workdir) / "outcomes.parquet").exists()
