"""Offline maps (matcher.outputs.maps): boundary data, the China map, the city map, PNGs."""

from __future__ import annotations

import io
import json
import socket

import numpy as np
import pandas as pd
import pytest

from matcher.outputs import maps

QHD_UNITS = pd.DataFrame({
    "county_code": ["130302", "130303", "130304", "130306", "130321", "130322", "130324", "130371", "130372"],
    "county_name": ["海港区", "山海关区", "北戴河区", "抚宁区", "青龙满族自治县", "昌黎县", "卢龙县",
                    "秦皇岛经济技术开发区", "北戴河新区"],
    "value": [5, 1, 2, 3, 0, 4, 1, 12, 6],
    "hover": ["主导产业：港口物流"] * 9,
    # the zones' points as the city pack gives them (data/cities/qinhuangdao.yaml, centroid)
    "lon": [None] * 7 + [119.453, 119.2146],
    "lat": [None] * 7 + [39.8611, 39.7594],
})

TARGETS = pd.DataFrame({
    "home_city_code": ["110000", "310100", "210200", "210200", "440300", "999900"],
    "chain": ["生命健康", "高端装备", "高端装备", "港口物流", "生命健康", "生命健康"],
    "tags": ["上市公司", "上市公司、独角兽", "上市公司", "上市公司", "独角兽", "上市公司"],
    "name": ["甲", "乙", "丙", "丁", "戊", "己"],
})


@pytest.fixture
def no_network(monkeypatch):
    def refuse(*args, **kwargs):
        raise OSError("network used")

    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket.socket, "connect", refuse)


def test_boundary_data_loads_offline(no_network):
    maps._load.cache_clear()
    prov = maps.boundaries("province")
    assert len(prov["features"]) == 34
    names = {f["properties"]["name"] for f in prov["features"]}
    assert {"河北省", "台湾省", "海南省", "香港特别行政区"} <= names
    assert len(maps.boundaries("city")["features"]) > 300
    assert maps.boundaries("nanhai")["features"][0]["geometry"]["type"] == "MultiLineString"


def test_every_qinhuangdao_unit_has_a_shape_or_a_stated_stand_in():
    m = maps.city_map(QHD_UNITS, "130300")
    shaped = {d["name"] for d in m["option"]["series"][0]["data"]}
    assert shaped == {"海港区", "山海关区", "北戴河区", "抚宁区", "青龙满族自治县", "昌黎县", "卢龙县"}
    assert set(m["stand_ins"]) == {"130371", "130372"}
    assert all("无独立行政边界" in v for v in m["stand_ins"].values())
    pins = {p["name"] for p in m["option"]["series"][1]["data"]}
    assert pins == {"秦皇岛经济技术开发区", "北戴河新区"}
    assert maps.ZONE_NOTE in m["option"]["title"]["subtext"]
    json.dumps(m["option"], ensure_ascii=False)  # JSON-ready for the page
    hover = m["option"]["series"][0]["data"][0]["tooltip"]["formatter"]
    assert "主导产业" in hover


def test_a_unit_without_shape_or_point_is_an_error():
    units = QHD_UNITS.copy()
    units.loc[units["county_code"] == "130372", ["lon", "lat"]] = None
    with pytest.raises(maps.MapError, match="130372"):
        maps.city_map(units, "130300")


def test_china_map_counts_filters_and_flows():
    m = maps.china_map(TARGETS, "130300")
    assert m["unplaced"] == 1
    assert dict(zip(m["provinces"]["name"], m["provinces"]["count"], strict=True))["辽宁省"] == 2
    flows = [s for s in m["option"]["series"] if s["type"] == "lines" and not s.get("polyline")]
    assert {s["name"] for s in flows} == {"生命健康", "高端装备", "港口物流"}
    assert all(d["coords"][1] == [m["dest"]["lon"], m["dest"]["lat"]] for s in flows for d in s["data"])
    only = maps.china_map(TARGETS, "130300", chain="高端装备", firm_type="unicorn")
    assert only["cities"]["name"].tolist() == ["上海市"]
    assert "高端装备" in only["option"]["title"]["subtext"]
    json.dumps(m["option"], ensure_ascii=False)


def _ink(png: bytes) -> float:
    import matplotlib.image as mpimg

    img = mpimg.imread(io.BytesIO(png), format="png")
    return float(np.asarray(img)[..., :3].std())


def test_pngs_are_not_blank(tmp_path):
    city = maps.render_png(maps.city_map(QHD_UNITS, "130300"), tmp_path / "city.png")
    china = maps.render_png(maps.china_map(TARGETS, "130300"))
    assert (tmp_path / "city.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert _ink(city) > 0.05 and _ink(china) > 0.05


def test_vendored_echarts_can_register_geojson_maps():
    from pathlib import Path

    js = (Path(maps.__file__).parent / "assets" / "echarts.min.js").read_text(encoding="utf-8")
    assert "registerMap" in js and "parseGeoJSON" in js  # ECharts 5 reads GeoJSON itself (no china.js since 5.0)


def test_every_unit_of_the_shipped_pack_has_a_shape_or_a_stated_stand_in(no_network) -> None:
    """The city pack's units (shipped data only, no network): the seven districts and counties are drawn
    from their boundaries, the two zones — which have none — as pins at the pack's points, and the map
    says so."""
    import yaml

    from matcher import resources

    maps._load.cache_clear()
    pack = yaml.safe_load(resources.read_text("cities/qinhuangdao.yaml"))
    units = pd.DataFrame([{"county_code": u["code"], "county_name": u["name"], "value": 1,
                           "lon": (u.get("centroid") or {}).get("lon"), "lat": (u.get("centroid") or {}).get("lat")}
                          for u in pack["units"]])
    m = maps.city_map(units, pack["city_code"])
    drawn = {d["name"] for d in m["option"]["series"][0]["data"]} | {p["name"] for p in m["option"]["series"][1]["data"]}
    assert len(drawn) == len(units) == 9
    assert set(m["stand_ins"]) == {u["code"] for u in pack["units"] if u.get("is_zone")} == {"130371", "130372"}
    assert maps.ZONE_NOTE in m["notes"]


def test_china_views_cover_every_filter_and_tooltips_are_escaped() -> None:
    t = TARGETS.assign(tags=["上市", "上市;独角兽", "上市", "上市", "独角兽", "上市"], name=["甲", "乙", "丙", "丁", "戊", "己"])
    v = maps.china_views(t, "130300")
    assert v["chains"] == ["生命健康", "高端装备", "港口物流"]
    assert v["types"] == [["listed", "上市公司"], ["unicorn", "独角兽"]]
    assert set(v["views"]) == {f"{c}|{k}" for c in ["", *v["chains"]] for k in ["", "listed", "unicorn"]}
    def cities(key: str) -> set[str]:
        return {d["name"] for s in v["views"][key]["series"] if s["type"] == "scatter" for d in s["data"]}
    assert cities("高端装备|unicorn") == {"上海市"} and cities("|") == {"北京市", "上海市", "大连市", "深圳市"}
    assert all(s.get("name") != "南海诸岛海域线" for s in v["views"]["|"]["series"])  # added once by the page
    hostile = t.assign(chain="<img src=x onerror=alert(1)>")
    tips = [d["tooltip"]["formatter"] for s in maps.china_map(hostile, "130300")["option"]["series"]
            if s["type"] in ("lines", "scatter") and not s.get("polyline") for d in s["data"]]
    assert tips and all("<img" not in x and "&lt;img" in x for x in tips)


def test_unit_layer_and_profiles_give_values_hover_and_highlight() -> None:
    facts = pd.DataFrame({"region_code": ["130322", "130322", "130372"], "kind": ["leading_industry", "targeted_chain", "constraint"],
                          "text": ["葡萄酒（28家酒庄）", "葡萄酒", "生命健康产业创新示范区"]})
    prof = maps.unit_profiles(facts)
    assert prof["130322"] == "主导产业：葡萄酒（28家酒庄）\n重点产业链：葡萄酒" and prof["130372"] == "约束：生命健康产业创新示范区"
    units = QHD_UNITS[["county_code", "county_name", "lon", "lat"]].assign(profile=lambda d: d["county_code"].map(prof).fillna(""))
    targets = pd.DataFrame({"county_code": ["130322", "130322", "130371"], "action": ["补链", "强链", "补链"],
                            "name": ["<b>甲</b>", "乙", "丙"], "rank": [2, 1, 3]})
    layer = maps.unit_layer(units, targets, extra={"130371": "项目库：2个"})
    row = layer.set_index("county_code")
    assert row.at["130322", "value"] == 2 and row.at["130302", "value"] == 0
    assert row.at["130322", "hover"].split("\n")[-1] == "首选：乙、<b>甲</b>"  # best rank first
    assert "项目库：2个" in row.at["130371", "hover"]
    m = maps.city_map(layer, "130300", highlight="130322")
    area = next(d for d in m["option"]["series"][0]["data"] if d["name"] == "昌黎县")
    assert m["option"]["geo"]["regions"] == [{"name": "昌黎县", "itemStyle": {"borderColor": "#c0392b", "borderWidth": 3}}]
    assert "&lt;b&gt;甲&lt;/b&gt;" in area["tooltip"]["formatter"]
    pin = next(p for p in maps.city_map(layer, "130300", highlight="130371")["option"]["series"][1]["data"]
               if p["name"] == "秦皇岛经济技术开发区")
    assert pin["symbolSize"] > 30


def test_the_brief_and_the_workbook_show_the_maps(tmp_path) -> None:
    from openpyxl import load_workbook
    from test_outputs_html import qinhuangdao_geography
    from test_outputs_navmap import synthetic_navmap

    from matcher.outputs.navmap import write_navmap

    paths = write_navmap(qinhuangdao_geography(synthetic_navmap()), tmp_path)
    for name in maps.PNG_FILES.values():
        assert paths[name].read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and _ink(paths[name].read_bytes()) > 0.05
        assert f"]({name})" in paths["navmap.md"].read_text(encoding="utf-8")
    ws = load_workbook(paths["navmap.xlsx"])["总览"]
    assert len(ws._images) == 2
    # a city without boundary data: no city PNG, and nothing breaks
    plain = write_navmap(synthetic_navmap(), tmp_path / "plain")
    assert "navmap_city.png" not in plain and "navmap_china.png" in plain
