"""Shared fixtures. ``data_dir`` is the real raw-data directory: $MATCHER_DATA, else ../shared/data/raw.

Real-data tests are marked ``realdata``; CI sets MATCHER_DATA so they always run there. Tests that
alter data work on copies under ``tmp_path`` (the shared directory is read-only in CI).
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

PROJECT_ROOT = Path(__file__).resolve().parents[1]
FIXTURES = Path(__file__).resolve().parent / "fixtures"


def _real_data_dir() -> Path | None:
    raw = os.environ.get("MATCHER_DATA")
    path = Path(raw) if raw else PROJECT_ROOT.parent / "shared" / "data" / "raw"
    return path if path.is_dir() else None


@pytest.fixture(scope="session")
def data_dir() -> Path:
    path = _real_data_dir()
    if path is None:
        if os.environ.get("CI"):
            pytest.fail("CI must set MATCHER_DATA to the real data directory")
        pytest.skip("real data directory not available (set MATCHER_DATA)")
    return path


@pytest.fixture(scope="session")
def fixtures_dir() -> Path:
    return FIXTURES


@pytest.fixture(scope="session")
def real_workdir(data_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One work directory for the whole test session, so that stages built on the real data
    (firm master, chain graph, profiles …) are built once and reused through the artifact cache."""
    return tmp_path_factory.mktemp("work")
