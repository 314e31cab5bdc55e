"""Shared fixtures. ``data_dir`` is the real raw-data directory: $MATCHER_DATA, else ../shared/data/raw.

Real-data tests are marked ``realdata``. A real-data test that cannot find the data FAILS — a green
run must mean the tests ran — unless the user opts out explicitly with ``MATCHER_SKIP_REALDATA=1``
(then they are skipped, and pytest's summary says so). Tests that alter data work on copies under
``tmp_path`` (the shared directory is read-only in CI).
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
        if os.environ.get("MATCHER_SKIP_REALDATA") == "1" and not os.environ.get("CI"):
            pytest.skip("real-data tests skipped on request (MATCHER_SKIP_REALDATA=1)")
        pytest.fail("real data directory not found: set MATCHER_DATA to it "
                    "(or, outside CI, MATCHER_SKIP_REALDATA=1 to skip the real-data tests explicitly)")
    return path


@pytest.fixture(scope="session")
def fixtures_dir() -> Path:
    return FIXTURES


@pytest.fixture(scope="session")
def real_workdir(data_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One work directory for the whole test session, so that stages built on the real data
    (firm master, chain graph, profiles …) are built once and reused through the artifact cache."""
    return tmp_path_factory.mktemp("work")


@pytest.fixture(scope="session")
def pipe(data_dir: Path, real_workdir: Path):  # noqa: ANN201 - matcher.pipeline.Pipeline
    """The orchestrator on the real data, one work directory for the session (no user files)."""
    from matcher.pipeline import Pipeline

    return Pipeline.open(data_dir, real_workdir, user_files=[])


@pytest.fixture(scope="session")
def real_firms(pipe):  # noqa: ANN001, ANN201
    """The firm master built on the real data (once per session)."""
    return pipe.firms


@pytest.fixture(scope="session")
def registry_workdir(pipe, real_workdir: Path) -> Path:  # noqa: ANN001
    """The session's work directory with the registry stage built (once per session: ~4 min cold, then read
    from the cache by every pipeline opened on it). Tests of the learned ranking and the existing investors
    use it, so that they never see the fallback ranking that a work directory without the registry gets."""
    pipe.registry_fingerprint()
    return real_workdir
