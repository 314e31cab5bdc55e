"""The data manifest (data/manifest.csv) and ``matcher data check / manifest / summary``."""

from __future__ import annotations

import base64
import csv
import hashlib
import io
import re
import shutil
from importlib import metadata
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

import matcher.sources
from matcher.cli import build_app
from matcher.sources.base import LoadResult, SourceError
from matcher.sources.manifest import (
    MANIFEST_COLUMNS,
    ManifestEntry,
    ManifestError,
    check_dir,
    data_files,
    default_manifest,
    file_sha256,
    format_manifest,
    github_raw_url,
    load_manifest,
    parse_manifest,
    refresh_manifest,
)

runner = CliRunner()


def _entry_for(path: Path, rel: str, **kw: str) -> ManifestEntry:
    return ManifestEntry(
        rel, path.stat().st_size, file_sha256(path), kw.pop("origin_kind", "mirror_only"), **kw
    )


# ---------------------------------------------------------------------------- the committed manifest


def test_committed_manifest_is_valid_and_complete_in_its_columns() -> None:
    entries = load_manifest()
    assert default_manifest().read_text(encoding="utf-8").splitlines()[0] == ",".join(MANIFEST_COLUMNS)
    assert len(entries) == 50
    kinds = pd.Series([e.origin_kind for e in entries]).value_counts().to_dict()
    assert kinds == {"github": 31, "derived": 7, "mirror_only": 8, "pypi_wheel": 4}
    for e in entries:
        assert e.licence, e.path
        if e.origin_kind in ("derived", "mirror_only"):
            assert "mirror" in e.note, e.path  # says how to obtain it
    # the one non-ASCII origin path is percent-encoded in its URL
    szse = next(e for e in entries if e.path.endswith("szse_a_share_list.xlsx"))
    assert szse.origin_path == "A股列表.xlsx"
    assert szse.url.endswith("/073b749252ccfe7f4005cffbe52bb6f23ceed4a1/A%E8%82%A1%E5%88%97%E8%A1%A8.xlsx")
    assert szse.url.isascii()
    # a round trip through format_manifest is byte-identical (the file is written by this code)
    assert format_manifest(entries) == default_manifest().read_text(encoding="utf-8")


@pytest.mark.realdata
def test_manifest_lists_exactly_the_data_files_and_they_verify(data_dir: Path) -> None:
    entries = load_manifest()
    assert sorted(e.path for e in entries) == data_files(data_dir)
    bad = [c for c in check_dir(data_dir, entries) if not c.ok]
    assert bad == []


@pytest.mark.realdata
def test_git_blob_ids_in_notes_match_the_files(data_dir: Path) -> None:
    """Where SOURCE.md named the git blob, the file's bytes are that blob (so the URL serves them)."""
    checked = 0
    for e in load_manifest():
        m = re.search(r"\bblob ([0-9a-f]{40})\b", e.note)
        if not m:
            continue
        data = (data_dir / e.path).read_bytes()
        assert hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest() == m.group(1), e.path
        checked += 1
    assert checked == 3


def test_cpca_adcodes_are_the_installed_wheel_member() -> None:
    """The manifest's pypi_wheel claim for cpca/adcodes.csv, checked against the wheel's RECORD."""
    entry = next(e for e in load_manifest() if e.path == "cpca/adcodes.csv")
    dist = metadata.distribution("cpca")
    assert dist.version == entry.origin_repo.split("==")[1]
    record = next(f for f in dist.files or [] if str(f) == entry.origin_path)
    assert record.hash is not None and record.hash.mode == "sha256"
    digest = base64.urlsafe_b64decode(record.hash.value + "==").hex()
    assert (digest, record.size) == (entry.sha256, entry.size)


# ------------------------------------------------------------------------------- parsing bad input


def _manifest_text(rows: list[dict[str, str]], header: list[str] = MANIFEST_COLUMNS) -> str:
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=header, lineterminator="\n")
    w.writeheader()
    for r in rows:
        w.writerow({c: r.get(c, "") for c in header})
    return buf.getvalue()


GOOD = {
    "path": "a/x.csv",
    "size": "3",
    "sha256": "a" * 64,
    "origin_kind": "github",
    "origin_repo": "o/r",
    "origin_commit": "b" * 40,
    "origin_path": "data/x.csv",
    "url": github_raw_url("o/r", "b" * 40, "data/x.csv"),
    "licence": "MIT",
}


@pytest.mark.parametrize(
    ("change", "column"),
    [
        ({"sha256": "XYZ"}, "sha256"),
        ({"size": "three"}, "size"),
        ({"path": "/abs/x.csv"}, "path"),
        ({"path": "../x.csv"}, "path"),
        ({"origin_kind": "ftp"}, "origin_kind"),
        ({"origin_commit": "main"}, "origin_commit"),
        ({"url": "https://example.org/x.csv"}, "url"),
        ({"origin_kind": "derived"}, "url"),  # derived files have no URL
    ],
)
def test_parse_manifest_names_row_and_column(change: dict[str, str], column: str) -> None:
    text = _manifest_text([GOOD, {**GOOD, "path": "a/y.csv", **change}])
    with pytest.raises(ManifestError, match=rf"row 2, column '{column}'"):
        parse_manifest(text, "synthetic.csv")


def test_parse_manifest_refuses_duplicates_header_and_empty() -> None:
    with pytest.raises(ManifestError, match="row 2, column 'path': duplicate"):
        parse_manifest(_manifest_text([GOOD, GOOD]))
    with pytest.raises(ManifestError, match="header must be"):
        parse_manifest(_manifest_text([GOOD], MANIFEST_COLUMNS[:-1]))
    with pytest.raises(ManifestError, match="no rows"):
        parse_manifest(_manifest_text([]))
    assert parse_manifest(_manifest_text([GOOD]))[0].size == 3


def test_github_raw_url_encodes_non_ascii() -> None:
    assert github_raw_url("o/r", "c" * 40, "数据/a b.csv") == (
        "https://raw.githubusercontent.com/o/r/" + "c" * 40 + "/%E6%95%B0%E6%8D%AE/a%20b.csv"
    )


# ----------------------------------------------------------------------------- refresh and check


def _small_tree(tmp_path: Path) -> tuple[Path, list[ManifestEntry]]:
    """A synthetic data directory of three tiny files and its manifest entries."""
    root = tmp_path / "synthetic_raw"
    for rel, text in {"a/one.csv": "x,y\n1,2\n", "a/two.txt": "two\n", "b/three.json": "{}"}.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text, encoding="utf-8")
    (root / "a" / "SOURCE.md").write_text("# docs, not data\n", encoding="utf-8")
    return root, [_entry_for(root / rel, rel) for rel in ("a/one.csv", "a/two.txt", "b/three.json")]


def test_check_dir_reports_missing_size_and_hash(tmp_path: Path) -> None:
    root, entries = _small_tree(tmp_path)
    assert [c.status for c in check_dir(root, entries)] == ["ok", "ok", "ok"]
    (root / "a" / "one.csv").write_text("x,y\n1,3\n", encoding="utf-8")  # same size, other bytes
    (root / "a" / "two.txt").write_text("two!\n", encoding="utf-8")
    (root / "b" / "three.json").unlink()
    assert [c.status for c in check_dir(root, entries)] == ["sha256", "size", "missing"]
    assert [c.status for c in check_dir(tmp_path / "nowhere", entries)] == ["missing"] * 3


def test_refresh_manifest_updates_adds_and_keeps_absent(tmp_path: Path) -> None:
    root, entries = _small_tree(tmp_path)
    entries = [
        e if e.path != "a/two.txt" else ManifestEntry(e.path, 1, "0" * 64, "mirror_only", note="n")
        for e in entries
    ]
    (root / "b" / "three.json").unlink()
    (root / "c.csv").write_text("new\n", encoding="utf-8")
    (root / "a" / "one.csv.part").write_text("partial", encoding="utf-8")
    report = refresh_manifest(root, entries)
    assert (
        report.changed == ["a/two.txt"] and report.added == ["c.csv"] and report.missing == ["b/three.json"]
    )
    by_path = {e.path: e for e in report.entries}
    assert by_path["a/two.txt"].size == 4 and by_path["a/two.txt"].note == "n"  # origin columns survive
    assert by_path["c.csv"].note == "origin not recorded"
    assert by_path["b/three.json"] == next(e for e in entries if e.path == "b/three.json")
    assert "a/SOURCE.md" not in by_path and "a/one.csv.part" not in by_path


def test_cli_check_and_manifest(tmp_path: Path) -> None:
    root, entries = _small_tree(tmp_path)
    manifest = tmp_path / "manifest.csv"
    manifest.write_text(format_manifest(entries), encoding="utf-8")
    app = build_app()
    ok = runner.invoke(app, ["data", "check", "--data", str(root), "--manifest", str(manifest)])
    assert ok.exit_code == 0, ok.output
    assert "3/3 files ok" in ok.stdout and "b/three.json" in ok.stdout
    quiet = runner.invoke(app, ["data", "check", "--data", str(root), "--manifest", str(manifest), "--quiet"])
    assert quiet.exit_code == 0 and "b/three.json" not in quiet.stdout
    (root / "a" / "two.txt").write_text("TWO\n", encoding="utf-8")
    (root / "b" / "three.json").unlink()
    bad = runner.invoke(app, ["data", "check", "--data", str(root), "--manifest", str(manifest), "-q"])
    assert bad.exit_code == 1
    assert "a/two.txt: altered: sha256" in bad.stderr and "b/three.json: missing" in bad.stderr
    assert "a/one.csv" not in bad.stderr
    # dry run leaves the manifest alone; --write refreshes it and the result validates
    before = manifest.read_text(encoding="utf-8")
    dry = runner.invoke(app, ["data", "manifest", "--data", str(root), "--manifest", str(manifest)])
    assert dry.exit_code == 0 and "changed        a/two.txt" in dry.stdout
    assert manifest.read_text(encoding="utf-8") == before
    wrote = runner.invoke(
        app, ["data", "manifest", "--data", str(root), "--manifest", str(manifest), "--write"]
    )
    assert wrote.exit_code == 0, wrote.output
    again = runner.invoke(app, ["data", "check", "--data", str(root), "--manifest", str(manifest), "-q"])
    assert again.exit_code == 1 and "b/three.json: missing" in again.stderr and "two.txt" not in again.stderr


def test_cli_check_bad_manifest_exits_2(tmp_path: Path) -> None:
    manifest = tmp_path / "manifest.csv"
    manifest.write_text("path,size\nx,1\n", encoding="utf-8")
    res = runner.invoke(build_app(), ["data", "check", "--data", str(tmp_path), "--manifest", str(manifest)])
    assert res.exit_code == 2 and "header must be" in res.stderr


@pytest.mark.realdata
def test_cli_check_real_data_quiet(data_dir: Path, tmp_path: Path) -> None:
    res = runner.invoke(build_app(), ["data", "check", "--data", str(data_dir), "--quiet"])
    assert res.exit_code == 0, res.output
    assert res.stdout.strip() == f"50/50 files ok in {data_dir}"
    # one altered copy: the command names it
    copy = tmp_path / "raw"
    shutil.copytree(data_dir / "wiod2013_chn", copy / "wiod2013_chn")
    res = runner.invoke(build_app(), ["data", "check", "--data", str(copy), "-q"])
    assert res.exit_code == 1 and "3/50 files ok" in res.stdout
    assert "tushare_dump_2024/stock_basic.json: missing" in res.stderr


# ----------------------------------------------------------------------------------------- summary


def _synthetic_loaders(tmp_path: Path) -> dict:
    frame = pd.DataFrame({"a": [1, 2, 3]})

    def good(data_dir: Path) -> LoadResult:
        return LoadResult("synthetic.good", frame, rows_read=3)

    def broken(data_dir: Path) -> LoadResult:
        raise SourceError(data_dir / "synthetic.csv", "required column missing", column="code")

    return {"synthetic.good": good, "synthetic.broken": broken}


def test_cli_summary_iterates_registered_loaders(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(matcher.sources, "all_loaders", lambda: _synthetic_loaders(tmp_path))
    out = tmp_path / "summary.csv"
    res = runner.invoke(build_app(), ["data", "summary", "--data", str(tmp_path), "--out", str(out)])
    assert res.exit_code == 1
    assert "synthetic.broken" in res.stderr and "column 'code'" in res.stderr
    table = pd.read_csv(out, dtype=str, keep_default_na=False)
    assert list(table.columns) == [
        "source",
        "rows_read",
        "accepted",
        "quarantined",
        "check",
        "seconds",
        "error",
    ]
    good = table.set_index("source").loc["synthetic.good"]
    assert (good["rows_read"], good["accepted"], good["quarantined"], good["check"]) == ("3", "3", "0", "ok")
    assert table.set_index("source").loc["synthetic.broken", "check"] == "error"


@pytest.mark.realdata
def test_cli_summary_on_real_reference_loaders(
    data_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The real command over this module's reference loaders (the full set runs in `make run`)."""
    real = matcher.sources.all_loaders()
    subset = {k: v for k, v in real.items() if k in ("gbt4754", "gbcrosswalk", "wiod.z")}
    monkeypatch.setattr(matcher.sources, "all_loaders", lambda: subset)
    out = tmp_path / "summary.csv"
    res = runner.invoke(build_app(), ["data", "summary", "--data", str(data_dir), "--out", str(out)])
    assert res.exit_code == 0, res.output
    table = pd.read_csv(out, dtype=str, keep_default_na=False).set_index("source")
    assert table.loc["gbt4754", ["rows_read", "accepted", "quarantined", "check"]].tolist() == [
        "1971",
        "1971",
        "0",
        "ok",
    ]
    assert table.loc["wiod.z", "rows_read"] == "1225" and table.loc["gbcrosswalk", "accepted"] == "2037"
