"""A killed build never breaks the work directory (issue 14, defect 2).

``matcher build --force --no-registry`` (with a user file recorded in the work directory) is killed with SIGKILL at
twelve moments drawn at random (recorded seed, one draw in each twelfth of a measured build time, so that
every phase is hit: loading, each artifact's write, the meta files); after each, ``matcher navmap``
on the same work directory must succeed and give outputs byte-identical to those of an undisturbed
work directory, and every cached artifact the two directories share must be byte-identical too (the firm report without
its timings). The
user file's rows must still be in the master and in the quarantine. The registry-evidence stage is left
out to keep the run short (its artifact is written by the same code, :func:`matcher.cache.write_artifact`);
navmap does not read it.
"""

from __future__ import annotations

import json
import os
import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest
from faults_helpers import USER_FORMATS, run_cli

SEED = 14
KILLS = 12  # drawn; at least 10 must land while the build still runs
NAVMAP_FILES = ("targets.csv", "navmap.xlsx", "navmap.html", "navmap.md")
BAD_ROWS = USER_FORMATS / "synthetic_registry_bad_rows.csv"


def _navmap(wd: Path, out: Path, data_dir: Path) -> subprocess.CompletedProcess[str]:
    return run_cli("navmap", "--city", "秦皇岛", "--workdir", wd, "--out", out, "--top", "50", data_dir=data_dir)


@pytest.fixture(scope="module")
def reference(data_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, float]:
    """(work directory, navmap outputs, seconds a forced build takes) of an undisturbed run."""
    wd = tmp_path_factory.mktemp("kill_ref")
    res = run_cli("build", "--workdir", wd, "--registry", BAD_ROWS, "--no-registry", data_dir=data_dir)
    assert res.returncode == 0, res.stderr[-3000:]
    out = tmp_path_factory.mktemp("kill_ref_out")
    res = _navmap(wd, out, data_dir)
    assert res.returncode == 0, res.stderr[-3000:]
    probe = tmp_path_factory.mktemp("kill_probe")
    shutil.copytree(wd, probe, dirs_exist_ok=True)
    t0 = time.monotonic()
    res = run_cli("build", "--force", "--no-registry", "--workdir", probe, data_dir=data_dir)
    assert res.returncode == 0, res.stderr[-3000:]
    return wd, out, time.monotonic() - t0


def _kill_at(wd: Path, seconds: float, data_dir: Path) -> tuple[int | None, float]:
    """Start a forced build and SIGKILL it after ``seconds``: (its return code if it ended first, else
    None; seconds it ran)."""
    env = dict(os.environ, MATCHER_DATA=str(data_dir))
    t0 = time.monotonic()
    proc = subprocess.Popen([sys.executable, "-m", "matcher", "build", "--force", "--no-registry", "--workdir", str(wd)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
    try:
        proc.wait(timeout=seconds)
        return proc.returncode, time.monotonic() - t0
    except subprocess.TimeoutExpired:
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        return None, seconds


def _artifacts(wd: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in wd.iterdir()
            if p.suffix in (".parquet", ".json") and not p.name.endswith(".meta.json") and not p.name.startswith(".")
            and p.name not in ("data_verified.json", "user_files.json")}


@pytest.mark.realdata
@pytest.mark.slow
def test_killed_builds_leave_a_usable_work_directory(reference, data_dir: Path, tmp_path: Path) -> None:  # noqa: ANN001
    ref_wd, ref_out, seconds = reference
    rnd = random.Random(SEED)
    span = seconds * 0.95
    moments = [span * (k + rnd.random()) / KILLS for k in range(KILLS)]
    ref_art = _artifacts(ref_wd)
    killed = 0
    for i, t in enumerate(moments):
        wd = tmp_path / f"w{i}"
        shutil.copytree(ref_wd, wd)
        rc, ran = _kill_at(wd, t, data_dir)
        if rc is not None:  # the machine was faster this time: draw again within the time the build took
            t = rnd.uniform(0.1, 0.9) * ran
            shutil.rmtree(wd)
            shutil.copytree(ref_wd, wd)
            rc, _ = _kill_at(wd, t, data_dir)
        killed += rc is None
        out = tmp_path / f"o{i}"
        res = _navmap(wd, out, data_dir)
        assert res.returncode == 0 and "Traceback" not in res.stderr, (f"kill at {t:.1f}s", res.stderr[-3000:])
        for name in NAVMAP_FILES:  # compared as a boolean: pytest would spend hours diffing megabytes of bytes
            same = (out / name).read_bytes() == (ref_out / name).read_bytes()
            assert same, f"kill at {t:.1f}s: {name} differs"
        art = _artifacts(wd)
        for name in sorted(set(art) & set(ref_art)):
            if name == "firms_report.json":  # carries the build's timings: compared without them
                a, b = (json.loads(x) for x in (art[name], ref_art[name]))
                a.pop("timing_s", None), b.pop("timing_s", None)
                assert a == b, f"kill at {t:.1f}s: {name} differs"
                continue
            same = art[name] == ref_art[name]
            assert same, f"kill at {t:.1f}s: {name} differs"
        firms = pd.read_parquet(wd / "firms.parquet")
        q = pd.read_parquet(wd / "quarantine.parquet")
        assert firms["sources"].astype(str).str.contains("registry.export").sum() == 2
        assert (q["source"] == "registry.export").sum() == 7
        shutil.rmtree(wd)
        shutil.rmtree(out)
    assert killed >= 10, f"only {killed} of {KILLS} builds were still running when killed"
