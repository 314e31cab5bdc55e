"""The data manifest: every raw file the product reads, with its size, sha256 and public origin.

``data/manifest.csv`` (committed; metadata, not data) has one row per file under the raw-data
directory, keyed by its path relative to that directory. Columns:

``path``           relative path (``/``-separated) inside the data directory
``size``           bytes
``sha256``         hex digest of the file's bytes
``origin_kind``    ``github`` (verbatim file at a pinned commit), ``pypi_wheel`` (verbatim member of a
                   wheel on PyPI), ``derived`` (made by the data stager from other files listed here, by the
                   rule in ``note``) or ``mirror_only`` (no public origin that supplies these bytes)
``origin_repo``    ``OWNER/REPO`` on GitHub, or ``pypi:DIST==VERSION`` for wheels
``origin_commit``  the pinned commit (github), else empty
``origin_path``    path in the repository, or the member inside the wheel; ``outer.zip!inner`` names a
                   member of a zip that is itself a member of the wheel
``url``            where :mod:`matcher.sources.fetch` downloads it: the raw-file URL at the pinned commit,
                   or the wheel's URL; empty when only a mirror can supply the file
``licence``        as stated by the origin
``note``           provenance detail (renames, how a derived file was made)

SOURCE.md files are documentation of the data, not data, and are not listed. Refresh sizes and
hashes after re-staging with ``matcher data manifest --data DIR --write``; the origin columns are
edited by hand.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
from collections.abc import Iterable
from dataclasses import asdict, dataclass, replace
from pathlib import Path, PurePosixPath
from urllib.parse import quote

from matcher import resources

#: Columns of data/manifest.csv, in order.
MANIFEST_COLUMNS = [
    "path",
    "size",
    "sha256",
    "origin_kind",
    "origin_repo",
    "origin_commit",
    "origin_path",
    "url",
    "licence",
    "note",
]

ORIGIN_KINDS = ("github", "pypi_wheel", "derived", "mirror_only")

#: The shipped manifest (``data/manifest.csv``, package data).
MANIFEST = "manifest.csv"


def default_manifest() -> Path:
    """Where the shipped manifest is (the checkout's ``data/manifest.csv`` when run from one)."""
    return resources.data_path(MANIFEST)

#: File names in the data directory that are documentation, not data.
DOC_NAMES = frozenset({"SOURCE.md", "README.md"})

#: Suffix of partial downloads (never listed, never read).
PART_SUFFIX = ".part"

_SHA_RE = re.compile(r"^[0-9a-f]{64}$")
_COMMIT_RE = re.compile(r"^[0-9a-f]{40}$")


class ManifestError(ValueError):
    """The manifest file itself is malformed (names the manifest, the row and the column)."""


@dataclass(frozen=True)
class ManifestEntry:
    path: str
    size: int
    sha256: str
    origin_kind: str
    origin_repo: str = ""
    origin_commit: str = ""
    origin_path: str = ""
    url: str = ""
    licence: str = ""
    note: str = ""

    @property
    def is_wheel_member(self) -> bool:
        return self.origin_kind == "pypi_wheel"


@dataclass(frozen=True)
class FileCheck:
    """Result of checking one manifest file in a data directory."""

    path: str
    status: str  # ok | missing | size | sha256
    expected_size: int
    actual_size: int | None
    expected_sha256: str
    actual_sha256: str | None

    @property
    def ok(self) -> bool:
        return self.status == "ok"

    def describe(self) -> str:
        if self.status == "ok":
            return "ok"
        if self.status == "missing":
            return "missing"
        if self.status == "size":
            return f"altered: size {self.actual_size} != {self.expected_size}"
        return f"altered: sha256 {str(self.actual_sha256)[:12]}… != {self.expected_sha256[:12]}…"


# --------------------------------------------------------------------------------------------- hashing


def file_sha256(path: Path, chunk: int = 1 << 20) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        while block := fh.read(chunk):
            digest.update(block)
    return digest.hexdigest()


def github_raw_url(repo: str, commit: str, path: str) -> str:
    """The raw-file URL of ``path`` at ``commit``; non-ASCII path segments are percent-encoded."""
    return f"https://raw.githubusercontent.com/{repo}/{commit}/{quote(path, safe='/')}"


# ------------------------------------------------------------------------------------------ read/write


def _validate(entry: ManifestEntry, where: str, row: int) -> None:
    def bad(column: str, message: str) -> ManifestError:
        return ManifestError(f"{where}: row {row}, column {column!r}: {message}")

    p = PurePosixPath(entry.path)
    if not entry.path or p.is_absolute() or ".." in p.parts or "\\" in entry.path:
        raise bad("path", f"must be a relative path inside the data directory, got {entry.path!r}")
    if entry.size < 0:
        raise bad("size", "negative")
    if not _SHA_RE.match(entry.sha256):
        raise bad("sha256", f"not a lowercase 64-hex digest: {entry.sha256!r}")
    if entry.origin_kind not in ORIGIN_KINDS:
        raise bad("origin_kind", f"{entry.origin_kind!r} not one of {ORIGIN_KINDS}")
    if entry.origin_kind == "github":
        if not _COMMIT_RE.match(entry.origin_commit):
            raise bad("origin_commit", "github origin needs a 40-hex commit")
        if entry.url != github_raw_url(entry.origin_repo, entry.origin_commit, entry.origin_path):
            raise bad("url", "github url must be the raw-file URL of origin_repo/origin_commit/origin_path")
    if entry.origin_kind == "pypi_wheel" and not (entry.url.startswith("https://") and entry.origin_path):
        raise bad("url", "pypi_wheel origin needs the wheel URL and the member path")
    if entry.origin_kind in ("derived", "mirror_only") and entry.url:
        raise bad("url", f"{entry.origin_kind} files have no public URL; leave it empty")


def parse_manifest(text: str, where: str = "<manifest>") -> list[ManifestEntry]:
    """Parse manifest CSV text; raise :class:`ManifestError` naming the row and column of any defect."""
    reader = csv.DictReader(io.StringIO(text))
    if reader.fieldnames != MANIFEST_COLUMNS:
        raise ManifestError(f"{where}: header must be {MANIFEST_COLUMNS}, got {reader.fieldnames}")
    entries: list[ManifestEntry] = []
    seen: set[str] = set()
    for row_no, rec in enumerate(reader, start=1):
        if None in rec or any(v is None for v in rec.values()):
            raise ManifestError(f"{where}: row {row_no}: wrong number of fields")
        try:
            size = int(rec["size"])
        except ValueError:
            raise ManifestError(
                f"{where}: row {row_no}, column 'size': not an integer: {rec['size']!r}"
            ) from None
        entry = ManifestEntry(**{**rec, "size": size})  # type: ignore[arg-type]
        _validate(entry, where, row_no)
        if entry.path in seen:
            raise ManifestError(f"{where}: row {row_no}, column 'path': duplicate {entry.path!r}")
        seen.add(entry.path)
        entries.append(entry)
    if not entries:
        raise ManifestError(f"{where}: no rows")
    return entries


def load_manifest(path: Path | None = None) -> list[ManifestEntry]:
    """The manifest's entries in file order (default: the committed data/manifest.csv)."""
    path = Path(path) if path is not None else default_manifest()
    if not path.is_file():
        raise ManifestError(f"{path}: manifest file is missing")
    return parse_manifest(path.read_text(encoding="utf-8"), str(path))


def format_manifest(entries: Iterable[ManifestEntry]) -> str:
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=MANIFEST_COLUMNS, lineterminator="\n")
    writer.writeheader()
    for e in sorted(entries, key=lambda e: e.path):
        writer.writerow(asdict(e))
    return buf.getvalue()


def write_manifest(entries: Iterable[ManifestEntry], path: Path | None = None) -> Path:
    path = Path(path) if path is not None else default_manifest()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(format_manifest(entries), encoding="utf-8")
    return path


# ----------------------------------------------------------------------------------------- data dirs


def data_files(data_dir: Path) -> list[str]:
    """Relative paths of every data file under ``data_dir`` (docs, hidden and partial files excluded)."""
    data_dir = Path(data_dir)
    out = []
    for p in data_dir.rglob("*"):
        rel = p.relative_to(data_dir)
        if not p.is_file() or p.name in DOC_NAMES or p.name.endswith(PART_SUFFIX):
            continue
        if any(part.startswith(".") for part in rel.parts):
            continue
        out.append(rel.as_posix())
    return sorted(out)


def check_file(data_dir: Path, entry: ManifestEntry) -> FileCheck:
    """Presence, then size (cheap), then sha256 of one file."""
    path = Path(data_dir) / entry.path
    if not path.is_file():
        return FileCheck(entry.path, "missing", entry.size, None, entry.sha256, None)
    size = path.stat().st_size
    if size != entry.size:
        return FileCheck(entry.path, "size", entry.size, size, entry.sha256, None)
    digest = file_sha256(path)
    status = "ok" if digest == entry.sha256 else "sha256"
    return FileCheck(entry.path, status, entry.size, size, entry.sha256, digest)


def check_dir(data_dir: Path, entries: Iterable[ManifestEntry] | None = None) -> list[FileCheck]:
    """Check every manifest file in ``data_dir`` (a missing directory means every file is missing)."""
    entries = list(entries) if entries is not None else load_manifest()
    return [check_file(Path(data_dir), e) for e in entries]


@dataclass(frozen=True)
class RefreshReport:
    entries: list[ManifestEntry]
    changed: list[str]  # size/sha256 updated
    added: list[str]  # files present in the directory but not in the manifest
    missing: list[str]  # manifest files absent from the directory (kept unchanged)


def refresh_manifest(data_dir: Path, entries: Iterable[ManifestEntry]) -> RefreshReport:
    """Recompute size and sha256 of every manifest file present in ``data_dir``.

    Files found in the directory but not in the manifest are added as ``mirror_only`` with the note
    "origin not recorded" (fill the origin columns by hand). Manifest rows whose file is absent are
    kept unchanged and reported, so that refreshing from an incomplete copy never loses a row.
    """
    data_dir = Path(data_dir)
    by_path = {e.path: e for e in entries}
    present = set(data_files(data_dir))
    changed, added, missing = [], [], []
    out: list[ManifestEntry] = []
    for rel in sorted(set(by_path) | present):
        old = by_path.get(rel)
        if rel not in present:
            missing.append(rel)
            out.append(old)  # type: ignore[arg-type]
            continue
        path = data_dir / rel
        size, digest = path.stat().st_size, file_sha256(path)
        if old is None:
            added.append(rel)
            out.append(ManifestEntry(rel, size, digest, "mirror_only", note="origin not recorded"))
        else:
            if (old.size, old.sha256) != (size, digest):
                changed.append(rel)
            out.append(replace(old, size=size, sha256=digest))
    return RefreshReport(out, changed, added, missing)


def bootstrap_manifest(path: Path) -> list[ManifestEntry]:
    """Read a manifest whose size/sha256 cells may still be blank (while origins are first written)."""
    text = path.read_text(encoding="utf-8")
    rows = list(csv.DictReader(io.StringIO(text)))
    return [
        ManifestEntry(**{**r, "size": int(r["size"] or 0), "sha256": r["sha256"] or "0" * 64})  # type: ignore[arg-type]
        for r in rows
    ]
