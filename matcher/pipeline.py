"""Build orchestration: the work directory and its artifact cache.

Every stage writes its artifacts (Parquet, JSON, GraphML …) into one work directory. An artifact is
rebuilt when it is missing or stale: its sidecar ``<name>.meta.json`` records a fingerprint of what
it was built from (input files' sizes and mtimes, upstream artifacts' fingerprints, the package
version, the stage's parameters). Later commands take the same ``--workdir`` and reuse what is fresh.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import pandas as pd

from matcher import __version__

WORKDIR_ENV = "MATCHER_WORKDIR"


def workdir_from(value: str | Path | None) -> Path:
    """The work directory: the argument, else ``$MATCHER_WORKDIR``, else ``./work`` (git-ignored)."""
    raw = value if value not in (None, "") else os.environ.get(WORKDIR_ENV, "work")
    path = Path(str(raw)).expanduser()
    path.mkdir(parents=True, exist_ok=True)
    return path


def fingerprint(files: Iterable[Path] = (), upstream: Iterable[str] = (), **params: Any) -> str:
    """A short hash of input files (path, size, mtime), upstream fingerprints and parameters."""
    h = hashlib.sha256(__version__.encode())
    for f in sorted(Path(p) for p in files):
        st = f.stat()
        h.update(f"{f.resolve()}|{st.st_size}|{st.st_mtime_ns}".encode())
    for u in upstream:
        h.update(u.encode())
    h.update(json.dumps(params, sort_keys=True, default=str).encode())
    return h.hexdigest()[:16]


def code_fingerprint(*packages: str) -> str:
    """Hash of the source files of ``packages`` (e.g. ``"firms"``, ``"model"``: subpackages of
    matcher), so that a code change invalidates the artifacts that code shapes, not only a version bump."""
    h = hashlib.sha256()
    root = Path(__file__).resolve().parent
    for pkg in packages:
        for f in sorted((root / pkg).glob("*.py")):
            h.update(f.read_bytes())
    return h.hexdigest()[:12]


def _meta_path(workdir: Path, name: str) -> Path:
    return workdir / f"{name}.meta.json"


def artifact_fingerprint(workdir: Path, name: str) -> str | None:
    """The fingerprint recorded for artifact ``name``, or None when it was never built."""
    meta = _meta_path(workdir, name)
    if not meta.is_file():
        return None
    return str(json.loads(meta.read_text(encoding="utf-8")).get("fingerprint"))


def is_fresh(workdir: Path, name: str, fp: str, outputs: Iterable[str]) -> bool:
    return artifact_fingerprint(workdir, name) == fp and all((workdir / o).exists() for o in outputs)


def mark_built(workdir: Path, name: str, fp: str, **info: Any) -> None:
    payload = {"fingerprint": fp, "version": __version__, **info}
    _meta_path(workdir, name).write_text(json.dumps(payload, ensure_ascii=False, indent=1, default=str), encoding="utf-8")


def cached_frames(
    workdir: Path,
    name: str,
    fp: str,
    build: Callable[[], dict[str, pd.DataFrame]],
    *,
    force: bool = False,
) -> dict[str, pd.DataFrame]:
    """Return the named frames of a stage, from ``workdir/<key>.parquet`` when fresh, else built.

    ``build`` returns ``{key: frame}``; each frame is written as ``<key>.parquet``.
    """
    meta = _meta_path(workdir, name)
    keys: list[str] = json.loads(meta.read_text(encoding="utf-8")).get("keys", []) if meta.is_file() else []
    if not force and keys and is_fresh(workdir, name, fp, [f"{k}.parquet" for k in keys]):
        return {k: pd.read_parquet(workdir / f"{k}.parquet") for k in keys}
    frames = build()
    for key, frame in frames.items():
        frame.to_parquet(workdir / f"{key}.parquet", index=False)
    mark_built(workdir, name, fp, keys=list(frames))
    return frames


def build_all(
    data_dir: Path,
    workdir: Path,
    *,
    force: bool = False,
    user_files: Iterable[tuple[str, Path]] = (),
    log: Callable[[str], None] = lambda _msg: None,
) -> dict[str, float]:
    """Build (or reuse when fresh) every cached stage in order: firm master → chain graph → national
    profiles → the firms' chain positions used by matching. Later commands (navmap, trip, profile,
    chain) then only score and write. Returns seconds per stage."""
    import time

    from matcher.chain import ensure_chain
    from matcher.firms.master import ensure_firms
    from matcher.model.match import chain_inputs
    from matcher.regions import ensure_profiles

    seconds: dict[str, float] = {}
    t = time.perf_counter()
    firms = ensure_firms(data_dir, workdir, force=force, user_files=list(user_files))
    seconds["firms"] = time.perf_counter() - t
    log(f"firm master: {len(firms)} firms ({seconds['firms']:.1f} s)")
    t = time.perf_counter()
    ensure_chain(data_dir, workdir, force=force)
    seconds["chain"] = time.perf_counter() - t
    log(f"chain graph ({seconds['chain']:.1f} s)")
    t = time.perf_counter()
    ensure_profiles(data_dir, workdir, force=force, firms=firms)
    seconds["profiles"] = time.perf_counter() - t
    log(f"regional profiles ({seconds['profiles']:.1f} s)")
    t = time.perf_counter()
    chain_inputs(firms, data_dir, workdir)
    seconds["chain_positions"] = time.perf_counter() - t
    log(f"firms' chain positions ({seconds['chain_positions']:.1f} s)")
    return seconds
