"""navmap.html against its contract: one self-contained offline file (vendored ECharts inlined with its
licence, no external URL loaded), the data as JSON, and in headless Chromium: it renders, the console
has no message at all (so no error), every chart is drawn, and the screenshot is not blank.

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


def check_in_browser(html: Path, tmp_path: Path) -> None:
    shot = tmp_path / "shot.png"
    res = run_chromium(html, f"--screenshot={shot}")
    assert shot.is_file(), res.stderr[-2000:]
    assert console_messages(res.stderr) == []
    dom = run_chromium(html, "--dump-dom")
    assert console_messages(dom.stderr) == []
    assert 'data-rendered="4"' in dom.stdout, "the page did not finish drawing its four charts"
    assert dom.stdout.count("<canvas") >= 4
    assert "<table>" in dom.stdout and "<td>" in dom.stdout
    from PIL import Image

    img = np.asarray(Image.open(shot).convert("RGB"), dtype=np.float64)
    assert img.shape[0] >= 1000 and img.shape[1] >= 1000
    assert img.std() > 20, "screenshot is blank"
    colours = len(np.unique(img.reshape(-1, 3)[::7], axis=0))
    assert colours > 50, f"screenshot has only {colours} colours"


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
    assert {p["name"] for p in data["points"]} == set(nav.targets["home_city"])
    assert sum(data["actions"].values()) == len(nav.targets)
    write_html(nav, tmp_path / "a.html")
    write_html(synthetic_navmap(), tmp_path / "b.html")
    assert (tmp_path / "a.html").read_bytes() == (tmp_path / "b.html").read_bytes()


def test_vendored_asset_matches_its_record() -> None:
    record = (ASSETS / "VENDORED.md").read_text(encoding="utf-8")
    digest = hashlib.sha256(ECHARTS_FILE.read_bytes()).hexdigest()
    assert digest in record
    assert "5.6.0" in record and "Apache-2.0" in record
    for f in ("LICENSE-echarts", "LICENSE-echarts-NOTICE", "LICENSE-d3"):
        assert (ASSETS / f).stat().st_size > 100


@pytest.mark.slow
def test_synthetic_page_renders_in_chromium(tmp_path: Path) -> None:
    html = write_html(synthetic_navmap(), tmp_path / "navmap.html")
    check_in_browser(html, tmp_path)


@pytest.mark.realdata
@pytest.mark.slow
def test_real_page_renders_in_chromium(data_dir: Path, registry_workdir: Path, tmp_path: Path) -> None:
    nav = real_navmap(str(data_dir), str(registry_workdir))
    html = write_html(nav, tmp_path / "navmap.html")
    assert html.stat().st_size < 20_000_000
    check_in_browser(html, tmp_path)
