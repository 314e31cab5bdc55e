"""Verified inputs: before anything is built from the raw-data directory, every file the manifest lists
is checked against its recorded size and sha256, so that an edited file (a valuation changed from 225
to 925 with the size kept) is refused instead of flowing into the outputs.

Hashing 200 MB on every command would be slow, so the digests are remembered in the work directory
(``data_verified.json``) keyed by each file's path, size and modification time: a file is re-hashed only
when one of those changes. A file that differs from the manifest raises :class:`DataAltered` naming
it, unless the caller accepts altered data explicitly (``matcher build --accept-altered-data``); the
accepted digest is recorded, so later commands of the same work directory use that version without
asking again, and any further change is refused again. Files missing from the directory are left to
the loaders (which say which file a stage needs); files not in the manifest are not checked.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from matcher.sources.base import SourceError
from matcher.sources.manifest import ManifestEntry, default_manifest, file_sha256, load_manifest

RECORD = "data_verified.json"


class DataAltered(SourceError):
    """A raw file differs from the manifest (size or sha256) and altered data was not accepted."""


@dataclass(frozen=True)
class Verification:
    checked: int  # manifest files present and compared
    hashed: int  # of which hashed now (the rest came from the record: same size and mtime)
    missing: tuple[str, ...]  # manifest files absent from the directory
    altered: tuple[str, ...]  # files that differ from the manifest (accepted, or the call raised)


def _read_record(path: Path) -> dict[str, Any]:
    try:
        rec = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return rec if isinstance(rec, dict) else {}


def _write_record(path: Path, rec: dict[str, Any]) -> None:
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(rec, fh, ensure_ascii=False, indent=0, sort_keys=True)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def verify_data(
    data_dir: Path,
    workdir: Path,
    *,
    accept_altered: bool = False,
    entries: Iterable[ManifestEntry] | None = None,
    log: Callable[[str], None] | None = None,
) -> Verification:
    """Check every manifest file present in ``data_dir`` (see the module docstring)."""
    data_dir, workdir = Path(data_dir), Path(workdir)
    if entries is None:
        manifest = default_manifest()
        if not manifest.is_file():
            return Verification(0, 0, (), ())
        entries = load_manifest(manifest)
    record_path = workdir / RECORD
    rec = _read_record(record_path)
    root = str(data_dir.resolve())
    same_root = rec.get("data_dir") == root
    known: dict[str, list[Any]] = dict(rec.get("files", {})) if same_root else {}
    before: dict[str, str] = dict(rec.get("accepted", {})) if same_root else {}
    accepted = dict(before)
    files: dict[str, list[Any]] = {}
    checked = hashed = 0
    missing: list[str] = []
    altered: list[tuple[str, str]] = []
    for e in entries:
        p = data_dir / e.path
        try:
            st = p.stat()
        except OSError:
            missing.append(e.path)
            continue
        if not p.is_file():
            missing.append(e.path)
            continue
        checked += 1
        prev = known.get(e.path)
        if prev and prev[0] == st.st_size and prev[1] == st.st_mtime_ns:
            digest = str(prev[2])
        else:
            digest = file_sha256(p) if st.st_size == e.size else hashlib.sha256(f"size:{st.st_size}".encode()).hexdigest()
            hashed += 1
        files[e.path] = [st.st_size, st.st_mtime_ns, digest]
        if st.st_size != e.size:
            altered.append((e.path, f"size {st.st_size} bytes, the manifest says {e.size}"))
        elif digest != e.sha256:
            altered.append((e.path, f"sha256 {digest[:12]}…, the manifest says {e.sha256[:12]}…"))
    refused = [(path, why) for path, why in altered if accepted.get(path) != files[path][2]]
    if refused and not accept_altered:
        path, why = refused[0]
        more = f" (and {len(refused) - 1} more: {', '.join(p for p, _ in refused[1:4])}{' …' if len(refused) > 4 else ''})" if len(refused) > 1 else ""
        _write_record(record_path, {"data_dir": root, "files": files, "accepted": accepted})
        raise DataAltered(
            data_dir / path,
            f"differs from the data manifest ({why}){more}; restore it with `matcher data fetch`, or, if the "
            "change is deliberate, pass --accept-altered-data to build from it (or refresh the manifest with "
            "`matcher data manifest --write`)",
        )
    for path, why in refused:
        if log:
            log(f"warning: {data_dir / path} differs from the data manifest ({why}); used as accepted")
        accepted[path] = files[path][2]
    accepted = {k: v for k, v in accepted.items() if k in files}
    if files != known or not same_root or accepted != before:
        _write_record(record_path, {"data_dir": root, "files": files, "accepted": accepted})
    return Verification(checked, hashed, tuple(missing), tuple(p for p, _ in altered))


__all__ = ["RECORD", "DataAltered", "Verification", "verify_data"]
