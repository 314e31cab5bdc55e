"""The whole loop in a real browser: Playwright driving Debian's Chromium (/usr/bin/chromium, never a
downloaded browser) against a real server process, as the city dispatcher and as a county user:
log in, filter targets, add a lead, route it, accept it, move it to 签约, see it in the weekly
report. Screenshots are checked non-blank; the pages log no console error."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from .conftest import CHROMIUM, JIA, PASSWORD, make_workbench, require_chromium
from .server import Server

pytestmark = pytest.mark.browser
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run"]


def assert_not_blank(path: Path) -> None:
    from PIL import Image, ImageStat

    img = Image.open(path).convert("L")
    assert img.size[0] > 300 and img.size[1] > 200
    assert ImageStat.Stat(img).stddev[0] > 10, f"{path.name} looks blank"
    assert len(img.getcolors(maxcolors=1 << 16) or range(1 << 16)) > 20, f"{path.name} has almost no detail"


@pytest.fixture(scope="module")
def browser():  # noqa: ANN201
    require_chromium()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield b
        b.close()


def test_the_whole_loop_in_a_browser(browser, db_url: str, tmp_path: Path) -> None:  # noqa: ANN001
    wb = make_workbench(db_url, tmp_path / "work")
    wb.db.dispose()
    server = Server(db_url, tmp_path / "work")  # Secure cookies: Chromium keeps them on 127.0.0.1
    shots = tmp_path / "shots"
    shots.mkdir()
    errors: list[str] = []

    def new_page(user: str):  # noqa: ANN202
        ctx = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
        page = ctx.new_page()
        page.on("console", lambda m: errors.append(f"{user}: {m.text}") if m.type == "error" else None)
        page.on("pageerror", lambda e: errors.append(f"{user}: {e}"))
        page.goto(server.url + "/")
        assert "/login" in page.url
        page.fill("input[name=username]", user)
        page.fill("input[name=password]", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_url(server.url + "/")
        return page

    def shot(page, name: str) -> None:  # noqa: ANN001
        path = shots / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        assert_not_blank(path)

    try:
        city = new_page("city")
        shot(city, "01-city-home")
        # filter targets by chain, then add the first one
        city.click("text=推荐目标")
        city.select_option("select[name=chain]", "测试装备链")
        city.click("#filters button[type=submit]")
        city.wait_for_url("**/targets?*")
        rows = city.locator("#targets tr").all()[1:]
        assert rows and all("测试装备链" in r.inner_text() for r in rows)
        firm = rows[0].locator("td").nth(1).locator("a").inner_text()
        shot(city, "02-targets-filtered")
        rows[0].locator("button", has_text="加入项目库").click()
        city.wait_for_url("**/leads/*")
        assert "已加入项目库" in city.inner_text(".msg")
        lead_url = city.url.split("?")[0]
        # route it to 甲区 (the suggestion is shown)
        assert "建议" in city.inner_text("#route")
        city.select_option("#route-unit", JIA)
        city.click("#route button[type=submit]")
        city.wait_for_selector("text=已推送")
        assert city.inner_text("#route-status") == "待接收" and city.inner_text("#unit") == "甲区"
        shot(city, "03-routed")

        county = new_page("jia")
        assert firm in county.inner_text("main")  # waiting on the county's home page
        county.goto(lead_url)
        county.click("#accept")
        county.wait_for_selector("text=已接收")
        assert county.inner_text("#route-status") == "已接收"
        # the hand-typed lead lookup (htmx) answers from the firm master
        county.goto(server.url + "/leads/new")
        county.fill("#firm_name", "测试乙材料有限公司")
        county.wait_for_selector("#match >> text=企业库中相近的企业")
        assert "测试乙材料" in county.inner_text("#match")
        shot(county, "04-county-lookup")
        # move to 签约 with the contract amount
        county.goto(lead_url)
        county.select_option("#to-stage", "签约")
        county.fill("input[name=stage_date]", dt.date.today().isoformat())
        county.fill("#contract", "5000")
        county.click("#stage-submit")
        county.wait_for_selector("text=环节已更新")
        assert county.inner_text("#stage") == "签约"
        shot(county, "05-signed")
        # the weekly report shows it, for the county and for the city
        for page, name in ((county, "06-county-week"), (city, "07-city-week")):
            page.goto(server.url + "/reports?period=week")
            summary = page.inner_text("#summary")
            row = next(line for line in summary.splitlines() if line.startswith("甲区"))
            assert row.split("\t")[4] == "1", row  # 签约（个）
            assert firm in page.inner_text("main")
            shot(page, name)
    finally:
        server.kill()
    assert not errors, errors
