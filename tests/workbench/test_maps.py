"""The maps in the workbench (issue 18): the China map on 推荐目标, the city map on a county's page with
that unit outlined — offline (ECharts and the boundaries served by the app itself), no inline script,
no English on the page, a county user sees only their own unit's figures; and in a real browser both
maps draw from their boundaries without a console message (CSP included)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from matcher.workbench.config import Settings
from matcher.workbench.db import Database, upgrade
from matcher.workbench.services import Workbench
from matcher.workbench.web.app import create_app

from .conftest import CHROMIUM, PASSWORD, login, require_chromium
from .fakes import GEO_CITY, GeoFakeLink
from .test_pages import visible_text

CHANGLI, ETDZ = "130322", "130371"


def geo_workbench(db_url: str, workdir: Path) -> Workbench:
    wb = Workbench(Database(db_url), GeoFakeLink(), Settings(workdir=workdir, db_url=db_url, city=GEO_CITY))
    upgrade(wb.db)
    wb.ensure_units()
    wb.import_targets(None)
    wb.add_user(None, "city", "城市调度（测试用户）", PASSWORD, "dispatcher")
    wb.add_user(None, "changli", "县区用户（测试用户）", PASSWORD, "county", CHANGLI)
    return wb


@pytest.fixture
def geo(db_url: str, tmp_path: Path):  # noqa: ANN201
    wb = geo_workbench(db_url, tmp_path / "work")
    yield wb, create_app(wb, migrate=False, import_targets=False)
    wb.db.dispose()


def map_data(page: str) -> dict:
    m = re.search(r'<script type="application/json" id="wb-map-data">(.*?)</script>', page, re.S)
    assert m is not None, "no map on the page"
    return json.loads(m.group(1))


def test_targets_page_has_the_china_map_served_offline(geo) -> None:  # noqa: ANN001
    _, app = geo
    web = login(app, "city")
    page = web.get("/targets?chain=测试装备链").text
    data = map_data(page)
    opt = data["views"]["目标企业"]
    cities = {d["name"] for s in opt["series"] if s["type"] == "scatter" for d in s["data"]}
    assert cities and cities <= {"北京市", "大连市", "上海市", "深圳市"}
    assert re.search(r"<script>(?!</script>)", page) is None  # no inline script (CSP: scripts from the server only)
    assert '<script src="/assets/echarts.min.js"' in page and '<script src="/static/maps.js"' in page
    js = web.client.get("/assets/echarts.min.js")
    assert js.status_code == 200 and "registerMap" in js.text
    prov = web.client.get(data["geojson_url"]).json()
    assert len(prov["features"]) == 34
    assert not set(re.findall(r"[A-Za-z][A-Za-z_./]{2,}", visible_text(page))) - {"city", "changli"}


def test_county_page_outlines_its_unit_and_pins_the_zones(geo) -> None:  # noqa: ANN001
    wb, app = geo
    page = login(app, "city").get(f"/counties/{CHANGLI}").text
    data = map_data(page)
    assert set(data["views"]) == {"推荐目标", "项目库"}
    opt = data["views"]["推荐目标"]
    areas = {d["name"]: d for d in opt["series"][0]["data"]}
    assert len(data["geojson"]["features"]) == 7 == len(areas)
    assert [r["name"] for r in opt["geo"]["regions"]] == ["昌黎县"]  # outlined
    pins = {p["name"] for p in opt["series"][1]["data"]}
    assert pins == {"秦皇岛市经济技术开发区", "北戴河新区"}
    assert "无独立行政边界" in visible_text(page)  # how the zones are drawn, said under the map
    assert "测试用概况" in areas["海港区"]["tooltip"]["formatter"]
    assert "测试用概况" in visible_text(page.split('id="unit-profile"', 1)[1])  # the unit's profile on its page too


def test_a_county_user_sees_only_their_own_figures_on_the_map(geo) -> None:  # noqa: ANN001
    wb, app = geo
    data = map_data(login(app, "changli").get(f"/counties/{CHANGLI}").text)
    areas = {d["name"]: d for d in data["views"]["推荐目标"]["series"][0]["data"]}
    assert areas["昌黎县"]["value"] > 0
    others = [d for n, d in areas.items() if n != "昌黎县"]
    assert all(d["value"] == 0 and "首选" not in d["tooltip"]["formatter"] for d in others)
    assert login(app, "changli").client.get(f"/counties/{ETDZ}").status_code == 403


def test_a_city_without_boundaries_says_so(wb, web) -> None:  # noqa: ANN001
    page = web("city").get(f"/counties/{wb.county_units()[0][0]}").text
    assert 'id="wb-map-missing"' in page and "未绘制县区地图" in page
    assert "城市资料包未载明本单位" in page  # no profile: said, not left blank



@pytest.mark.browser
def test_both_maps_draw_in_a_browser(db_url: str, tmp_path: Path) -> None:
    """A real server process and Chromium: both maps register their boundaries (34 provinces; 7 units), the
    pages log nothing to the console (no CSP violation), screenshots are not blank."""
    from .server import Server
    from .test_browser import ARGS, assert_not_blank

    require_chromium()
    from playwright.sync_api import sync_playwright

    geo_workbench(db_url, tmp_path / "work").db.dispose()
    server = Server(db_url, tmp_path / "work", geo=True)
    messages: list[str] = []
    try:
        with sync_playwright() as p:
            b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
            page = b.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN").new_page()
            page.on("console", lambda m: messages.append(m.text))
            page.on("pageerror", lambda e: messages.append(str(e)))
            page.goto(server.url + "/login")
            page.fill("input[name=username]", "city")
            page.fill("input[name=password]", PASSWORD)
            page.click("button[type=submit]")
            page.wait_for_url(server.url + "/")
            for url, regions, shot in (("/targets", "34", "targets"), (f"/counties/{CHANGLI}", "7", "county")):
                page.goto(server.url + url)
                page.wait_for_selector("#wb-map[data-regions]")
                page.wait_for_timeout(1500)  # let the entry animation settle before the screenshot (no timing is asserted)
                assert page.get_attribute("#wb-map", "data-regions") == regions
                page.locator("#wb-map").screenshot(path=str(tmp_path / f"{shot}.png"))
                assert_not_blank(tmp_path / f"{shot}.png")
            page.select_option("#wb-map-view", "项目库")
            b.close()
    finally:
        server.kill()
    assert messages == []
