"""A green run must mean the tests ran: a real-data test that cannot find its data fails, unless the user
opts out explicitly (MATCHER_SKIP_REALDATA=1, outside CI)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PROBE = "tests/test_geo_tables.py::test_jionlp_counties"


def _run(tmp_path: Path, **env: str) -> subprocess.CompletedProcess[str]:
    base = {k: v for k, v in os.environ.items() if k not in ("CI", "MATCHER_SKIP_REALDATA", "MATCHER_DATA")}
    base.update(MATCHER_DATA=str(tmp_path / "nowhere"), **env)
    return subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", PROBE], cwd=ROOT, env=base,
                          capture_output=True, text=True, timeout=300)


def test_missing_data_fails_unless_skipped_explicitly(tmp_path: Path) -> None:
    failed = _run(tmp_path)
    assert failed.returncode != 0 and "real data directory not found" in failed.stdout
    in_ci = _run(tmp_path, CI="1", MATCHER_SKIP_REALDATA="1")  # CI cannot opt out
    assert in_ci.returncode != 0
    skipped = _run(tmp_path, MATCHER_SKIP_REALDATA="1")
    assert skipped.returncode == 0 and "1 skipped" in skipped.stdout
