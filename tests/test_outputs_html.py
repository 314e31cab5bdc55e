"""navmap.html against its contract: one self-contained offline file (vendored ECharts and the boundary
data inlined with their licences, no external URL loaded), the data as JSON, and in headless Chromium: it
renders, the console has no message at all (so no error), every chart is drawn, both maps are drawn from
their boundaries (regions counted by ECharts, and filled on the screenshot), and the screenshot is not blank.

Chromium is Debian's ``chromium`` package; a missing browser fails the test (outside CI
``MATCHER_SKIP_BROWSER=1`` skips it explicitly); in CI
(``CI=true``) they fail instead.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

import numpy as np
import pytest
from test_outputs_navmap import real_navmap, synthetic_navmap

from matcher.outputs.html import ASSETS, ECHARTS_FILE, render_html, write_html

CHROMIUM_FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
    "--disable-sync", "--no-first-run", "--hide-scrollbars", "--enable-logging=stderr", "--v=0",
    "--virtual-time-budget=8000", "--window-size=1400,1600",
]


def _chromium() -> str:
    for name in ("chromium", "chromium-browser"):
        path = shutil.which(name)
        if path:
            return path
    if os.environ.get("MATCHER_SKIP_BROWSER") == "1" and not os.environ.get("CI"):
        pytest.skip("browser tests skipped on request (MATCHER_SKIP_BROWSER=1)")
    pytest.fail("chromium is required (Debian package 'chromium'; .ci/run installs it), or, outside CI, "
                "MATCHER_SKIP_BROWSER=1 to skip the browser tests explicitly")


def run_chromium(html: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """Chromium headless on a local file with a fresh profile; stdout/stderr captured."""
    exe = _chromium()
    with tempfile.TemporaryDirectory(prefix="navmap-chromium-") as profile:
        return subprocess.run(
            [exe, *CHROMIUM_FLAGS, f"--user-data-dir={profile}", *args, html.resolve().as_uri()],
            capture_output=True, text=True, timeout=180, check=False,
        )


def console_messages(stderr: str) -> list[str]:
    """Console lines that Chromium logs with --enable-logging=stderr (console.*, uncaught errors)."""
    return [line for line in stderr.splitlines() if ":CONSOLE" in line or "Uncaught" in line]


def check_in_browser(html: Path, tmp_path: Path, charts: int = 5) -> tuple[str, np.ndarray]:
    """Render the page: no console message, ``charts`` charts drawn, tables filled, a screenshot with
    detail (kept as ``tmp_path/shot.png``). Returns the DOM and the screenshot."""
    shot = tmp_path / "shot.png"
    res = run_chromium(html, f"--screenshot={shot}")
    assert shot.is_file(), res.stderr[-2000:]
    assert console_messages(res.stderr) == []
    dom = run_chromium(html, "--dump-dom")
    assert console_messages(dom.stderr) == []
    assert f'data-rendered="{charts}"' in dom.stdout, f"the page did not finish drawing its {charts} charts"
    assert dom.stdout.count("<canvas") >= charts
    assert "<table>" in dom.stdout and "<td>" in dom.stdout
    from PIL import Image

    img = np.asarray(Image.open(shot).convert("RGB"), dtype=np.float64)
    assert img.shape[0] >= 1000 and img.shape[1] >= 1000
    assert img.std() > 20, "screenshot is blank"
    colours = len(np.unique(img.reshape(-1, 3)[::7], axis=0))
    assert colours > 50, f"screenshot has only {colours} colours"
    return dom.stdout, img


def body_attr(dom: str, name: str) -> str:
    m = re.search(rf'<body[^>]*\b{name}="([^"]*)"', dom)
    assert m is not None, f"<body> has no {name}"
    return m.group(1)


def map_fill(img: np.ndarray, dom: str, map_id: str) -> float:
    """Share of the map's area on the screenshot that is not white: filled boundaries cover most of a map,
    flows and points alone very little."""
    rects = dict(x.split(":", 1) for x in body_attr(dom, "data-map-rects").split(";"))
    left, top, width, height = (int(v) for v in rects[map_id].split(","))
    crop = img[top + 60: top + height - 40, left + 40: left + width - 40]  # inside the title and the legend
    assert crop.size, f"{map_id} is off the screenshot"
    return float((crop.min(axis=2) < 247).mean())


def check_maps(dom: str, img: np.ndarray, city_regions: int, pins: int) -> None:
    """Both maps drawn from their boundaries: 34 provinces, the city's units as regions and its zones as
    pins, each map mostly filled on the screenshot."""
    assert body_attr(dom, "data-map-regions") == f"china:34;city:{city_regions}+{pins}"
    for map_id in ("chinamap", "citymap"):
        assert map_fill(img, dom, map_id) > 0.2, f"{map_id}: no boundaries on the screenshot"


def test_page_is_self_contained(tmp_path: Path) -> None:
    nav = synthetic_navmap()
    page = render_html(nav)
    assert re.search(r"<script[^>]+src=", page) is None
    assert re.search(r"<link[^>]+href=", page) is None
    assert re.search(r"""(src|href)\s*=\s*["']https?:""", page) is None
    assert "echarts" in page and ECHARTS_FILE.read_text(encoding="utf-8")[:200] in page
    assert "Apache License" in page and "Apache ECharts" in page  # licence and NOTICE inlined
    m = re.search(r'<script type="application/json" id="navmap-data">(.*?)</script>', page, re.S)
    assert m is not None
    data = json.loads(m.group(1))
    assert data["city"] == "合成市"
    assert len(data["tables"]["targets"]["rows"]) == len(nav.targets)
    china = data["maps"]["china"]
    assert china is not None and len(china["geojson"]["features"]) == 34  # the boundaries travel in the page
    homes = {c for c in nav.targets["home_city"]}
    shown = {d["name"] for s in china["views"]["|"]["series"] if s["type"] == "scatter" for d in s["data"]}
    assert shown == homes
    assert data["maps"]["city"] is None and data["maps"]["notes"]  # no boundaries for a synthetic city: said why
    assert sum(data["actions"].values()) == len(nav.targets)
    write_html(nav, tmp_path / "a.html")
    write_html(synthetic_navmap(), tmp_path / "b.html")
    same = (tmp_path / "a.html").read_bytes() == (tmp_path / "b.html").read_bytes()
    assert same  # a boolean: pytest would spend hours diffing a megabyte page


def test_vendored_asset_matches_its_record() -> None:
    record = (ASSETS / "VENDORED.md").read_text(encoding="utf-8")
    digest = hashlib.sha256(ECHARTS_FILE.read_bytes()).hexdigest()
    assert digest in record
    assert "5.6.0" in record and "Apache-2.0" in record
    for f in ("LICENSE-echarts", "LICENSE-echarts-NOTICE", "LICENSE-d3"):
        assert (ASSETS / f).stat().st_size > 100


@pytest.mark.slow
def test_synthetic_page_renders_in_chromium(tmp_path: Path) -> None:
    """The synthetic city has no boundary data: the China map and the three charts are drawn, the city
    map's place says why it is missing."""
    html = write_html(synthetic_navmap(), tmp_path / "navmap.html")
    dom, _ = check_in_browser(html, tmp_path, charts=4)
    assert body_attr(dom, "data-map-regions") == "china:34"
    assert "未绘制县区地图" in dom


def qinhuangdao_geography(nav):  # noqa: ANN001, ANN201 - Navmap
    """The synthetic map placed on 秦皇岛's real units (codes, names and the zones' pack points) — the
    firms stay synthetic — so that both maps draw from real boundaries without the real pipeline."""
    from test_outputs_maps import QHD_UNITS

    units = QHD_UNITS[["county_code", "county_name", "lon", "lat"]].copy()
    units["profile"] = "主导产业：合成产业"
    nav.city, nav.city_code, nav.units = "秦皇岛市", "130300", units
    codes = dict(zip(["990101", "990102", "990103"], ["130302", "130322", "130371"], strict=True))
    nav.targets = nav.targets.assign(county_code=nav.targets["county_code"].map(codes))
    return nav


@pytest.mark.slow
def test_both_maps_render_with_boundaries_in_chromium(tmp_path: Path) -> None:
    html = write_html(qinhuangdao_geography(synthetic_navmap()), tmp_path / "navmap.html")
    dom, img = check_in_browser(html, tmp_path, charts=5)
    check_maps(dom, img, city_regions=7, pins=2)


@pytest.mark.realdata
@pytest.mark.slow
def test_real_page_renders_in_chromium(data_dir: Path, registry_workdir: Path, tmp_path: Path) -> None:
    """秦皇岛's page: both maps with real boundaries (the screenshot is kept as tmp_path/shot.png)."""
    nav = real_navmap(str(data_dir), str(registry_workdir))
    html = write_html(nav, tmp_path / "navmap.html")
    assert html.stat().st_size < 20_000_000
    dom, img = check_in_browser(html, tmp_path)
    check_maps(dom, img, city_regions=7, pins=2)
    assert "北戴河新区" in dom and "无独立行政边界" in dom  # how the zones are drawn, said under the map
