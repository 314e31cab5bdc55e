"""The work-directory cache: every declared input invalidates, writes are atomic, broken files rebuild.

The stale-cache defect this guards against: the firm master's key once covered the raw data and
``matcher/firms/*.py`` only, so editing ``data/zone_host_counties.csv`` or a loader in
``matcher/sources/`` left a stale ``firms.parquet`` in place. Each test edits one kind of input on a
COPY (raw folder, shipped data file, code of the stage or of a module it imports, a parameter) and shows
the artifact is no longer fresh; one rebuilds for real.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pandas as pd
import pytest

from matcher import cache, resources
from matcher.cache import Artifact, Inputs, cached, code_fingerprint, is_fresh, module_closure, write_artifact
from matcher.pipeline import Pipeline

PKG = cache.PACKAGE_ROOT


def test_code_fingerprint_follows_imports(tmp_path: Path) -> None:
    """Editing a module the stage imports (a loader in sources/, the geo package) changes the stage's key,
    and editing an unrelated module does not."""
    copy = tmp_path / "matcher"
    shutil.copytree(PKG, copy, ignore=shutil.ignore_patterns("__pycache__", "assets"))
    before = code_fingerprint("matcher.firms.master", root=copy)
    files = {str(f.relative_to(copy)) for f in module_closure(("matcher.firms.master",), str(copy))}
    assert "sources/base.py" in files and "geo/address.py" in files and "firms/resolve.py" in files
    assert "outputs/navmap.py" not in files
    (copy / "outputs" / "navmap.py").write_text((copy / "outputs" / "navmap.py").read_text() + "\n# unrelated\n")
    assert code_fingerprint("matcher.firms.master", root=copy) == before
    (copy / "geo" / "zones.py").write_text((copy / "geo" / "zones.py").read_text() + "\n# edited\n")
    assert code_fingerprint("matcher.firms.master", root=copy) != before


def test_declared_packages_cover_loaders_found_at_run_time(tmp_path: Path) -> None:
    """The master runs every loader by name (``sources.all_loaders``), which no import walk sees: the stage
    declares the whole ``matcher.sources`` package, so editing any loader invalidates it."""
    copy = tmp_path / "matcher"
    shutil.copytree(PKG, copy, ignore=shutil.ignore_patterns("__pycache__", "assets"))
    inputs = Inputs(code=("matcher.firms", "matcher.geo", "matcher.sources"))
    before = inputs.fingerprint(code_root=copy)
    f = copy / "sources" / "tushare.py"
    f.write_text(f.read_text() + "\n# a loader edited\n")
    assert inputs.fingerprint(code_root=copy) != before


def test_shipped_data_edit_invalidates(tmp_path: Path) -> None:
    data = tmp_path / "data"
    shutil.copytree(Path(str(resources.root())), data, ignore=shutil.ignore_patterns("raw", "__pycache__"))
    inputs = Inputs(data=("zone_host_counties.csv",))
    before = inputs.fingerprint(data_root=data)
    assert before == inputs.fingerprint(data_root=data)
    zt = data / "zone_host_counties.csv"
    zt.write_text(zt.read_text(encoding="utf-8") + "\n", encoding="utf-8")
    assert inputs.fingerprint(data_root=data) != before


def test_parameters_and_upstream_invalidate() -> None:
    a = Inputs(params={"rule": "down_made"}, upstream=("abc",))
    assert a.fingerprint() != Inputs(params={"rule": "both_made"}, upstream=("abc",)).fingerprint()
    assert a.fingerprint() != Inputs(params={"rule": "down_made"}, upstream=("abd",)).fingerprint()


def _tiny(workdir: Path, inputs: Inputs, calls: list[int]) -> pd.DataFrame:
    def build() -> Artifact:
        calls.append(1)
        return Artifact({"tiny": pd.DataFrame({"x": [1, 2, 3]})}, {"tiny_report": {"n": 3}})

    return cached(workdir, "tiny", inputs, build)[0].frames["tiny"]


def test_raw_file_edit_rebuilds(tmp_path: Path) -> None:
    raw = tmp_path / "raw.csv"
    raw.write_text("a\n1\n")
    calls: list[int] = []
    inputs = Inputs(raw=(raw,))
    _tiny(tmp_path, inputs, calls)
    _tiny(tmp_path, inputs, calls)
    assert calls == [1]  # fresh: read back
    raw.write_text("a\n12\n")
    _tiny(tmp_path, Inputs(raw=(raw,)), calls)
    assert calls == [1, 1]


def test_broken_or_partial_artifacts_rebuild(tmp_path: Path) -> None:
    """A file truncated (a build killed while writing), of another size, or missing → rebuilt, not read."""
    calls: list[int] = []
    inputs = Inputs(params={"k": 1})
    _tiny(tmp_path, inputs, calls)
    (tmp_path / "tiny.parquet").write_bytes(b"")  # what a kill during a non-atomic write left before
    assert not is_fresh(tmp_path, "tiny", inputs.fingerprint())
    assert _tiny(tmp_path, inputs, calls)["x"].tolist() == [1, 2, 3] and len(calls) == 2
    (tmp_path / "tiny_report.json").unlink()
    _tiny(tmp_path, inputs, calls)
    assert len(calls) == 3
    (tmp_path / "tiny.meta.json").write_text("{not json")
    _tiny(tmp_path, inputs, calls)
    assert len(calls) == 4
    # same size but unreadable content: the read fails, the artifact is rebuilt
    p = tmp_path / "tiny.parquet"
    p.write_bytes(b"\0" * p.stat().st_size)
    assert _tiny(tmp_path, inputs, calls)["x"].tolist() == [1, 2, 3] and len(calls) == 5


def test_writes_are_atomic(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A failure half-way through writing leaves the previous artifact intact and fresh."""
    inputs = Inputs(params={"k": 2})
    calls: list[int] = []
    _tiny(tmp_path, inputs, calls)
    before = (tmp_path / "tiny.parquet").read_bytes()
    fp = inputs.fingerprint()

    def boom(self: pd.DataFrame, path: Path, *a, **k) -> None:  # noqa: ANN002, ANN003
        Path(path).write_bytes(b"half")
        raise OSError("disk full")

    monkeypatch.setattr(pd.DataFrame, "to_parquet", boom)
    with pytest.raises(OSError):
        write_artifact(tmp_path, "tiny", fp, Artifact({"tiny": pd.DataFrame({"x": [9]})}))
    assert (tmp_path / "tiny.parquet").read_bytes() == before and is_fresh(tmp_path, "tiny", fp)
    assert not [f for f in os.listdir(tmp_path) if f.endswith(".tmp")]


def test_workdir_that_is_a_file_is_a_clear_error(tmp_path: Path) -> None:
    f = tmp_path / "file"
    f.write_text("x")
    with pytest.raises(cache.CacheError, match="is a file"):
        cache.workdir_from(f)


@pytest.mark.realdata
def test_firm_master_goes_stale_with_each_kind_of_input(pipe, data_dir: Path, tmp_path: Path) -> None:  # noqa: ANN001
    """On the real stage: its declared inputs include the raw folders, the zone table, the loaders and
    the user files; editing a raw file (on a copy of the data directory) rebuilds the master."""
    fp = pipe.firm_inputs().fingerprint()
    pipe.firm_master  # noqa: B018 - built (or read) so that the stored fingerprint is fp
    assert is_fresh(pipe.workdir, "firms", fp)
    inputs = pipe.firm_inputs()
    assert "zone_host_counties.csv" in inputs.data and "matcher.sources" in inputs.code
    # a copy of the data directory: every folder linked, one small file copied and edited
    data = tmp_path / "raw"
    data.mkdir()
    for folder in data_dir.iterdir():
        (data / folder.name).symlink_to(folder)
    fortune = data / "fortune_china500_2014_2021"
    fortune.unlink()
    shutil.copytree(data_dir / "fortune_china500_2014_2021", fortune)
    copied = Pipeline(data, pipe.workdir, ())
    assert copied.firm_inputs().fingerprint() != fp  # another path is another input
    f = sorted(fortune.glob("*.md"))[0]
    before = copied.firm_inputs().fingerprint()
    f.write_text(f.read_text(encoding="utf-8") + "\n", encoding="utf-8")
    assert copied.firm_inputs().fingerprint() != before
    # a user file is an input too
    user = tmp_path / "lg.csv"
    user.write_text("序号,企业名称,所在省份,批次\n1,测试甲乙科技有限公司,河北,3\n", encoding="utf-8")
    with_user = Pipeline(data_dir, pipe.workdir, (("little_giants", user),))
    assert with_user.firm_inputs().fingerprint() != fp
