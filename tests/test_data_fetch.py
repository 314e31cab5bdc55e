"""``matcher data fetch``: real HTTP (a local http.server on 127.0.0.1) and folder mirrors.

The served tree is a COPY of the real raw-data directory under tmp_path; the corruption tests alter
only that copy. Origin downloads are exercised against the same local server with synthetic entries
(no network beyond 127.0.0.1).
"""

from __future__ import annotations

import filecmp
import functools
import http.server
import io
import shutil
import threading
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from matcher.cli import build_app
from matcher.sources.fetch import fetch_all, fetch_file, mirror_location
from matcher.sources.manifest import ManifestEntry, check_dir, data_files, file_sha256, load_manifest

runner = CliRunner()


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - stdlib signature
        pass


@pytest.fixture(scope="module")
def served(data_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, str]]:
    """(folder, base URL): a copy of the real raw directory served over HTTP on a random local port."""
    root = tmp_path_factory.mktemp("served") / "raw"
    shutil.copytree(data_dir, root)
    handler = functools.partial(_QuietHandler, directory=str(root))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield root, f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()


def _identical(a: Path, b: Path, rels: list[str]) -> bool:
    return all(filecmp.cmp(a / r, b / r, shallow=False) for r in rels)


@pytest.mark.realdata
def test_fetch_everything_over_http_then_refuse_a_corrupt_file(
    served: tuple[Path, str], data_dir: Path, tmp_path: Path
) -> None:
    root, url = served
    entries = load_manifest()
    rels = [e.path for e in entries]
    target = tmp_path / "fetched"
    report = fetch_all(target, entries, mirror=url, use_origin=False, timeout=10)
    assert report.ok, report.failures
    assert report.count("fetched") == len(entries) == 50
    assert _identical(data_dir, target, rels)
    assert data_files(target) == sorted(rels)  # nothing else left behind (.part files, wheel cache)
    assert not (target / ".fetch-wheels").exists()

    # second run: everything present and valid, nothing downloaded
    again = fetch_all(target, entries, mirror=url, use_origin=False, timeout=10)
    assert again.count("present") == 50 and again.count("fetched") == 0

    # corrupt one served file; a fresh fetch of it is refused and not kept
    victim = "wiod2013_chn/sectors.csv"
    served_file = root / victim
    original = served_file.read_bytes()
    try:
        served_file.write_bytes(original.replace(b"Mining", b"Minung"))  # same size, other bytes
        (target / victim).unlink()
        bad = fetch_all(target, entries, mirror=url, use_origin=False, timeout=10)
        assert [f.path for f in bad.failures] == [victim]
        assert "sha256" in bad.failures[0].errors[0] and "refused, not kept" in bad.failures[0].errors[0]
        assert not (target / victim).exists()
        assert not (target / (victim + ".part")).exists()
        assert bad.count("present") == 49

        # the CLI exits non-zero naming the file
        res = runner.invoke(
            build_app(),
            ["data", "fetch", "--to", str(target), "--mirror", url, "--no-origin", "--timeout", "10"],
        )
        assert res.exit_code == 1
        assert f"error: {victim}:" in res.stderr and "49 present, 0 fetched, 1 failed" in res.stdout
    finally:
        served_file.write_bytes(original)

    # restored mirror: the CLI fetches the one missing file and check passes
    res = runner.invoke(build_app(), ["data", "fetch", "--to", str(target), "--mirror", url, "--no-origin"])
    assert res.exit_code == 0, res.output
    assert f"fetched  {victim}" in res.stdout
    assert all(c.ok for c in check_dir(target, entries))


@pytest.mark.realdata
def test_fetch_from_folder_mirror(served: tuple[Path, str], data_dir: Path, tmp_path: Path) -> None:
    root, _ = served
    entries = load_manifest()
    target = tmp_path / "fetched"
    # an altered local copy is replaced by the verified mirror copy
    (target / "wiod2013_chn").mkdir(parents=True)
    (target / "wiod2013_chn" / "sectors.csv").write_text("synthetic, wrong\n", encoding="utf-8")
    report = fetch_all(target, entries, mirror=root, use_origin=False)
    assert report.ok and report.count("fetched") == 50
    assert _identical(data_dir, target, [e.path for e in entries])


@pytest.mark.realdata
def test_fetch_missing_from_folder_mirror_fails_naming_it(served: tuple[Path, str], tmp_path: Path) -> None:
    root, _ = served
    entry = next(e for e in load_manifest() if e.path == "qinhuangdao_facts/FACTS.md")
    mirror = tmp_path / "partial_mirror"
    mirror.mkdir()
    res = fetch_file(entry, tmp_path / "out", mirror=mirror, use_origin=True)
    assert res.status == "failed"
    assert "not in the mirror folder" in res.errors[0]
    assert "no public origin (mirror_only)" in res.errors[1]  # and no network was attempted


# ------------------------------------------------------------------ origins (synthetic, local server)


@pytest.fixture()
def synthetic_origin(tmp_path: Path) -> Iterator[tuple[Path, str]]:
    """A local HTTP server standing in for GitHub/PyPI, holding a synthetic file and a synthetic wheel."""
    root = tmp_path / "synthetic_origin"
    root.mkdir()
    (root / "plain.csv").write_bytes("code,名称\n01,农业\n".encode())
    inner = io.BytesIO()
    with zipfile.ZipFile(inner, "w") as z:
        z.writestr("table.txt", "synthetic nested member\n")
    with zipfile.ZipFile(root / "pkg-1.0-py3-none-any.whl", "w") as z:
        z.writestr("pkg/resources/codes.csv", "adcode,name\n130300,秦皇岛市\n")
        z.writestr("pkg/dictionary/table.zip", inner.getvalue())
    handler = functools.partial(_QuietHandler, directory=str(root))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield root, f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def _entry(rel: str, data: bytes, kind: str, url: str, origin_path: str = "") -> ManifestEntry:
    import hashlib

    return ManifestEntry(
        rel, len(data), hashlib.sha256(data).hexdigest(), kind, origin_path=origin_path, url=url
    )


def test_fetch_from_origin_urls_and_wheel_members(synthetic_origin: tuple[Path, str], tmp_path: Path) -> None:
    root, base = synthetic_origin
    wheel = f"{base}/pkg-1.0-py3-none-any.whl"
    entries = [
        _entry("g/plain.csv", (root / "plain.csv").read_bytes(), "github", f"{base}/plain.csv", "plain.csv"),
        _entry(
            "w/codes.csv",
            "adcode,name\n130300,秦皇岛市\n".encode(),
            "pypi_wheel",
            wheel,
            "pkg/resources/codes.csv",
        ),
        _entry(
            "w/table.txt",
            b"synthetic nested member\n",
            "pypi_wheel",
            wheel,
            "pkg/dictionary/table.zip!table.txt",
        ),
        _entry("w/absent.txt", b"x", "pypi_wheel", wheel, "pkg/nothing.txt"),
        _entry("g/gone.csv", b"x", "github", f"{base}/gone.csv", "gone.csv"),
        _entry("g/wrong.csv", b"not these bytes", "github", f"{base}/plain.csv", "plain.csv"),
        _entry("d/derived.csv", b"x", "derived", ""),
    ]
    report = fetch_all(tmp_path / "out", entries, timeout=10)
    status = {r.path: r.status for r in report.results}
    assert status == {
        "g/plain.csv": "fetched",
        "w/codes.csv": "fetched",
        "w/table.txt": "fetched",
        "w/absent.txt": "failed",
        "g/gone.csv": "failed",
        "g/wrong.csv": "failed",
        "d/derived.csv": "failed",
    }
    errors = {r.path: " ".join(r.errors) for r in report.failures}
    assert "member 'pkg/nothing.txt' not found" in errors["w/absent.txt"]
    assert "HTTP 404" in errors["g/gone.csv"]
    assert "size" in errors["g/wrong.csv"] and "refused, not kept" in errors["g/wrong.csv"]
    assert "no public origin (derived)" in errors["d/derived.csv"]
    out = tmp_path / "out"
    assert (out / "w" / "table.txt").read_bytes() == b"synthetic nested member\n"
    assert file_sha256(out / "g" / "plain.csv") == entries[0].sha256
    assert not (out / "g" / "wrong.csv").exists() and not (out / "g" / "gone.csv").exists()
    assert sorted(data_files(out)) == ["g/plain.csv", "w/codes.csv", "w/table.txt"]


def test_mirror_first_then_origin_fallback(synthetic_origin: tuple[Path, str], tmp_path: Path) -> None:
    root, base = synthetic_origin
    data = (root / "plain.csv").read_bytes()
    entry = _entry("g/plain.csv", data, "github", f"{base}/plain.csv", "plain.csv")
    empty_mirror = tmp_path / "mirror"
    empty_mirror.mkdir()
    res = fetch_file(entry, tmp_path / "out", mirror=empty_mirror, timeout=10)
    assert res.status == "fetched" and res.source == f"{base}/plain.csv"
    # a mirror that has the file wins over the origin
    (empty_mirror / "g").mkdir()
    (empty_mirror / "g" / "plain.csv").write_bytes(data)
    (tmp_path / "out" / "g" / "plain.csv").unlink()
    res = fetch_file(entry, tmp_path / "out", mirror=empty_mirror, timeout=10)
    assert res.source == str(empty_mirror / "g" / "plain.csv")


def test_mirror_location_encodes_urls() -> None:
    assert mirror_location("http://h:1/base/", "a/数据.csv") == "http://h:1/base/a/%E6%95%B0%E6%8D%AE.csv"
    assert mirror_location("/srv/raw", "a/b.csv") == "/srv/raw/a/b.csv"


def test_unreachable_origin_fails_fast_and_names_file(tmp_path: Path) -> None:
    """A refused connection on 127.0.0.1 (nothing listens on port 9) is a clean failure, not a crash."""
    entry = _entry("g/x.csv", b"x", "github", "http://127.0.0.1:9/x.csv", "x.csv")
    res = fetch_file(entry, tmp_path, timeout=5)
    assert res.status == "failed" and "127.0.0.1:9" in res.errors[0]
    assert not (tmp_path / "g" / "x.csv").exists()
