"""The city pack format and the 秦皇岛 pack: it loads, validates, cites a source for every fact, and
its derived points are reproducible from the raw data."""

from __future__ import annotations

import copy
import re
from pathlib import Path

import pytest
import yaml

from matcher import resources
from matcher.regions.pack import (
    PackError,
    find_pack_file,
    load_city_pack,
    parse_pack,
    read_pack,
)

PACK_FILE = resources.data_path("cities/qinhuangdao.yaml")
QHD_UNITS = {
    "130302": "海港区", "130303": "山海关区", "130304": "北戴河区", "130306": "抚宁区", "130321": "青龙满族自治县",
    "130322": "昌黎县", "130324": "卢龙县", "130371": "秦皇岛市经济技术开发区", "130372": "北戴河新区",
}


@pytest.fixture(scope="module")
def raw_pack() -> dict:
    return yaml.safe_load(PACK_FILE.read_text(encoding="utf-8"))


def test_pack_loads_by_name_code_and_file_stem() -> None:
    for key in ("秦皇岛", "秦皇岛市", "130300", "qinhuangdao", " 秦皇岛 "):
        pack = load_city_pack(key)
        assert pack is not None, key
        assert pack.city_code == "130300"
    assert find_pack_file("唐山") is None and load_city_pack("130200") is None


def test_pack_has_the_nine_units() -> None:
    pack = read_pack(PACK_FILE)
    assert {u.code: u.name for u in pack.units} == QHD_UNITS
    zones = {u.code for u in pack.units if u.is_zone}
    assert zones == {"130371", "130372"}
    assert all(u.centroid is not None for u in pack.units if u.is_zone)
    assert pack.unit("开发区").code == "130371" and pack.unit("经开区").code == "130371"
    assert pack.unit("北戴河").code == "130304" and pack.unit("北戴河新区").code == "130372"


def test_every_fact_has_a_source_of_an_allowed_form() -> None:
    pack = read_pack(PACK_FILE)
    sources = pack.all_sources()
    n_items = sum(
        len(getattr(h, a))
        for h in [pack, *pack.units]
        for a in ("leading_industries", "targeted_chains", "anchor_firms", "facts")
    ) + sum(len(u.parks) + len(u.constraints) + len(u.projects) + (u.centroid is not None) for u in pack.units)
    assert len(sources) == n_items > 100
    assert all(re.match(r"^(https?://|FACTS\.md#|data:)", s) for s in sources)


def test_sources_are_cited_in_facts_md(data_dir: Path) -> None:
    """URLs must be ones FACTS.md cites; FACTS.md# sections must exist; data: files must exist."""
    pack = read_pack(PACK_FILE)
    facts_md = (data_dir / pack.facts_file).read_text(encoding="utf-8")
    sections = {line[3:].strip() for line in facts_md.splitlines() if line.startswith("## ")}
    for src in pack.all_sources():
        if src.startswith("http"):
            assert src in facts_md, f"{src} is not cited in FACTS.md"
        elif src.startswith("FACTS.md#"):
            assert src.removeprefix("FACTS.md#") in sections, src
        else:
            path = src.removeprefix("data:").split("#")[0]
            assert (data_dir / path).is_file(), src


def test_anchor_firms_are_named_in_the_facts(data_dir: Path) -> None:
    """Anchors cited to pages must be firms FACTS.md names (the data-derived one is checked below)."""
    pack = read_pack(PACK_FILE)
    facts_md = (data_dir / pack.facts_file).read_text(encoding="utf-8")
    for holder in [pack, *pack.units]:
        for a in holder.anchor_firms:
            if a.source.startswith("data:"):
                assert a.basis == "derived" and a.listed
                continue
            name = re.sub(r"\s*\(.*\)", "", a.name)
            assert name in facts_md, f"{a.name} is not named in FACTS.md"


def test_schema_errors_name_the_field(raw_pack: dict) -> None:
    bad = copy.deepcopy(raw_pack)
    bad["units"][3]["constraints"] = [{"value": "x", "kind": "other", "source": "somewhere I read"}]
    with pytest.raises(PackError) as err:
        parse_pack(bad, "bad.yaml")
    assert "units[3].constraints[0].source" in str(err.value)
    assert "bad.yaml" in str(err.value)

    bad = copy.deepcopy(raw_pack)
    bad["units"][1]["anchor_firms"][0]["stock_code"] = "60132"
    bad["units"][7]["centroid"]["lat"] = 95.0
    bad["units"][2]["unknown_field"] = 1
    with pytest.raises(PackError) as err:
        parse_pack(bad)
    paths = {p for p, _ in err.value.errors}
    assert {"units[1].anchor_firms[0].stock_code", "units[7].centroid.lat", "units[2].unknown_field"} <= paths


def test_pack_level_rules(raw_pack: dict) -> None:
    bad = copy.deepcopy(raw_pack)
    bad["units"][1]["code"] = "130202"  # a 唐山 code inside the 秦皇岛 pack
    with pytest.raises(PackError, match="not in city"):
        parse_pack(bad)
    bad = copy.deepcopy(raw_pack)
    bad["units"][0]["leading_industries"][0]["value"] = "  "
    with pytest.raises(PackError, match=r"units\[0\]\.leading_industries\[0\]\.value"):
        parse_pack(bad)
    bad = copy.deepcopy(raw_pack)
    bad["anchor_firms"][0]["stock_code"] = None  # listed: true without a code
    with pytest.raises(PackError, match="anchor_firms"):
        parse_pack(bad)


def test_targeted_chains_name_known_chains() -> None:
    """Targeted chains must be chains of data/chains/*.yaml (the chain stage's templates)."""
    chain_dir = resources.data_path("chains/wine.yaml").parent
    names: set[str] = set()
    for f in sorted(chain_dir.glob("*.yaml")):
        doc = yaml.safe_load(f.read_text(encoding="utf-8")) or {}
        docs = doc if isinstance(doc, list) else doc.get("chains", [doc]) if isinstance(doc, dict) else []
        for d in docs:
            if isinstance(d, dict) and d.get("chain"):
                names.add(str(d["chain"]))
    assert len(names) >= 10
    pack = read_pack(PACK_FILE)
    used = {t.value for h in [pack, *pack.units] for t in h.targeted_chains}
    used |= {c for h in [pack, *pack.units] for a in h.anchor_firms for c in a.chains}
    assert used <= names, f"unknown chains: {sorted(used - names)}"


@pytest.mark.realdata
def test_units_match_the_division_table(data_dir: Path) -> None:
    from matcher.geo import load_divisions

    div = load_divisions(data_dir)
    qhd = div[div["city_code"] == "130300"].set_index("county_code")["county"].to_dict()
    assert qhd == QHD_UNITS


@pytest.mark.realdata
def test_listed_anchor_codes_are_in_the_data(data_dir: Path) -> None:
    from matcher.sources.exchanges import load_szse
    from matcher.sources.tushare import load_stock_basic

    basic = load_stock_basic(data_dir).frame.set_index("stock_code")
    pack = read_pack(PACK_FILE)
    listed = [a for h in [pack, *pack.units] for a in h.anchor_firms if a.listed]
    assert {a.stock_code for a in listed} == {"601326", "002551"}
    assert basic.loc["601326", "short_name"] == "秦港股份" and basic.loc["601326", "industry_tushare"] == "港口"
    szse = load_szse(data_dir).frame
    legal = szse.set_index("stock_code")["legal_name"]
    assert legal["002551"] == "深圳市尚荣医疗股份有限公司"


@pytest.mark.realdata
def test_zone_points_are_reproducible(data_dir: Path) -> None:
    """130372: recomputed from host towns; 130371: the 2015 file's geocoded in-zone address."""
    import pandas as pd

    from matcher.geo import load_divisions
    from matcher.regions.units import city_towns, derive_zone_point

    pack = read_pack(PACK_FILE)
    div = load_divisions(data_dir)
    towns = city_towns(data_dir, "130300")
    got = derive_zone_point("130372", div[div["city_code"] == "130300"], towns)
    assert got is not None
    c = pack.unit("130372").centroid
    assert c.basis == "derived"
    assert (c.lon, c.lat) == pytest.approx(got[:2], abs=1e-4)
    assert "昌黎县×2" in got[2] and "抚宁区×1" in got[2]
    geo = pd.read_csv(data_dir / "listed_geo_2015" / "company_info.csv", dtype=str)
    row = geo[geo["stock_code"] == "002459"].iloc[0]
    assert row["addr_reg"].startswith("河北省秦皇岛市经济技术开发区")
    c = pack.unit("130371").centroid
    assert (c.lon, c.lat) == pytest.approx((float(row["pos_x"]), float(row["pos_y"])), abs=1e-6)
