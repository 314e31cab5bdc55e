"""The work-directory cache: artifacts keyed by a fingerprint of everything they were built from.

Ground floor: this module imports no stage. Stages never call it; only the orchestrator
(:mod:`matcher.pipeline`) decides what to read from and write to the work directory.

An artifact is a set of frames (``<key>.parquet``) and JSON documents (``<key>.json``) with one
sidecar ``<name>.meta.json``. The fingerprint covers every declared input (:class:`Inputs`):

- raw files (path, size, modification time);
- shipped data files (``data/**``, by content, through :mod:`matcher.resources`);
- code: every source file of the named modules *and of every project module they import*,
  found by walking the imports with :mod:`ast` — so a change in a loader invalidates the firm
  master that reads it, without anyone remembering to list it;
- parameters (any JSON-serialisable values) and upstream artifacts' fingerprints.

Writes are atomic: each file goes to a temporary name and is renamed into place, the meta file last;
the meta records each file's size and sha256. A reader that finds a file missing, of another size, with
other bytes (replaced by another valid file) or unreadable treats the artifact as stale and rebuilds it, so a build killed at any moment leaves a work
directory the next command can use.
"""

from __future__ import annotations

import ast
import hashlib
import json
import os
import tempfile
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import pandas as pd

from matcher import __version__, resources

WORKDIR_ENV = "MATCHER_WORKDIR"
PACKAGE_ROOT = Path(__file__).resolve().parent


class CacheError(RuntimeError):
    """The work directory cannot be used (not a directory, not writable)."""


def workdir_from(value: str | Path | None) -> Path:
    """The work directory: the argument, else ``$MATCHER_WORKDIR``, else ``./work`` (created)."""
    raw = value if value not in (None, "") else os.environ.get(WORKDIR_ENV, "work")
    path = Path(str(raw)).expanduser()
    if path.exists() and not path.is_dir():
        raise CacheError(f"work directory {path} is a file; give a folder with --workdir")
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise CacheError(f"work directory {path} cannot be created ({exc.strerror}); give another with --workdir") from None
    return path


# --------------------------------------------------------------------------------------------------
# fingerprints


def _module_file(module: str, root: Path, *, whole_package: bool) -> list[Path]:
    """Source files of a project module name. A package is its ``__init__.py`` when imported (its own
    imports are then followed), or every .py file under it when declared (``whole_package``)."""
    rel = Path(*module.split(".")[1:]) if module != "matcher" else Path()
    base = root / rel
    if base.is_dir():
        if whole_package:
            return sorted(p for p in base.rglob("*.py") if "__pycache__" not in p.parts)
        init = base / "__init__.py"
        return [init] if init.is_file() else []
    f = base.with_suffix(".py")
    return [f] if f.is_file() else []


def _imports(path: Path, root: Path = PACKAGE_ROOT) -> set[str]:
    """Project modules imported by a source file (module level and inside functions)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    # a module's lazy ``__getattr__`` (the package root re-exporting the facade) is not a dependency
    for fn in [n for n in tree.body if isinstance(n, ast.FunctionDef) and n.name == "__getattr__"]:
        tree.body.remove(fn)
    out: set[str] = set()
    pkg_parts = path.relative_to(root.parent).with_suffix("").parts
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out |= {a.name for a in node.names if a.name == "matcher" or a.name.startswith("matcher.")}
        elif isinstance(node, ast.ImportFrom):
            if node.level:  # relative import
                base = list(pkg_parts[: len(pkg_parts) - node.level])
                mod = ".".join(base + ([node.module] if node.module else []))
            else:
                mod = node.module or ""
            if mod == "matcher" or mod.startswith("matcher."):
                out.add(mod)
                out |= {f"{mod}.{a.name}" for a in node.names}
    return out


@lru_cache(maxsize=64)
def module_closure(modules: tuple[str, ...], root: str = str(PACKAGE_ROOT)) -> tuple[Path, ...]:
    """Every project source file that ``modules`` consist of (a package: all its files) or import,
    transitively. Modules loaded by name at run time (the loader registry of :mod:`matcher.sources`)
    are not seen by this walk: declare their package."""
    base = Path(root)
    seen: set[Path] = set()
    todo = [f for m in modules for f in _module_file(m, base, whole_package=True)]
    if not todo:
        raise ValueError(f"no source files for modules {modules}")
    while todo:
        f = todo.pop()
        if f in seen:
            continue
        seen.add(f)
        for mod in _imports(f, base):
            todo += [g for g in _module_file(mod, base, whole_package=False) if g not in seen]
    return tuple(sorted(seen))


def code_fingerprint(*modules: str, root: Path = PACKAGE_ROOT) -> str:
    """Hash of the source of ``modules`` (e.g. ``"matcher.firms"``) and every project module they import."""
    h = hashlib.sha256()
    for f in module_closure(tuple(sorted(modules)), str(root)):
        h.update(str(f.relative_to(root)).encode())
        h.update(f.read_bytes())
    return h.hexdigest()[:16]


def files_fingerprint(files: Iterable[Path]) -> str:
    """Hash of files' paths, sizes and modification times (cheap: raw data can be large)."""
    h = hashlib.sha256()
    for f in sorted(Path(p) for p in files):
        st = f.stat()
        h.update(f"{f.resolve()}|{st.st_size}|{st.st_mtime_ns}".encode())
    return h.hexdigest()[:16]


@dataclass(frozen=True)
class Inputs:
    """Everything an artifact is built from; :meth:`fingerprint` hashes it all.

    ``raw`` raw files; ``data`` shipped data files or folders (relative to ``data/``); ``code``
    project modules (their imports are followed); ``params`` parameters; ``upstream`` fingerprints
    of artifacts this one reads."""

    raw: tuple[Path, ...] = ()
    data: tuple[str, ...] = ()
    code: tuple[str, ...] = ()
    params: Mapping[str, Any] = field(default_factory=dict)
    upstream: tuple[str, ...] = ()

    def fingerprint(self, *, code_root: Path = PACKAGE_ROOT, data_root: Path | None = None) -> str:
        """``code_root`` and ``data_root`` replace the package's source and shipped-data folders (a test
        edits copies of them)."""
        h = hashlib.sha256(__version__.encode())
        h.update(files_fingerprint(self.raw).encode())
        h.update(resources.fingerprint(self.data, data_root).encode() if self.data else b"")
        h.update(code_fingerprint(*self.code, root=code_root).encode() if self.code else b"")
        h.update(json.dumps(dict(self.params), sort_keys=True, default=str).encode())
        for u in self.upstream:
            h.update(u.encode())
        return h.hexdigest()[:16]


# --------------------------------------------------------------------------------------------------
# artifacts


@dataclass
class Artifact:
    """What a stage's build returns: frames (written as Parquet) and JSON documents."""

    frames: dict[str, pd.DataFrame]
    docs: dict[str, Any] = field(default_factory=dict)


def _meta_path(workdir: Path, name: str) -> Path:
    return workdir / f"{name}.meta.json"


def read_meta(workdir: Path, name: str) -> dict[str, Any] | None:
    """The meta record of an artifact, or None when absent or unreadable (= stale)."""
    p = _meta_path(workdir, name)
    if not p.is_file():
        return None
    try:
        meta = json.loads(p.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return meta if isinstance(meta, dict) and isinstance(meta.get("files"), dict) else None


def artifact_fingerprint(workdir: Path, name: str) -> str | None:
    meta = read_meta(workdir, name)
    return str(meta["fingerprint"]) if meta else None


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


_FILE_MODE = 0o666 & ~_umask()


def _atomic_write(path: Path, write: Callable[[Path], None]) -> int:
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    try:
        write(Path(tmp))
        os.chmod(tmp, _FILE_MODE)  # mkstemp makes 0600; the artifact gets the mode a plain write would give
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path.stat().st_size


def _write_json(path: Path, doc: Any) -> None:
    path.write_text(json.dumps(doc, ensure_ascii=False, indent=1, default=str), encoding="utf-8")


def is_fresh(workdir: Path, name: str, fp: str) -> bool:
    """Built with fingerprint ``fp`` and every file present at its recorded size."""
    meta = read_meta(workdir, name)
    if not meta or meta.get("fingerprint") != fp:
        return False
    for fname, size in meta["files"].items():
        p = workdir / fname
        if not p.is_file() or p.stat().st_size != size:
            return False
    return True


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        while block := fh.read(1 << 20):
            h.update(block)
    return h.hexdigest()


class _Replaced(ValueError):
    """A cached file's bytes are not the ones written (replaced, or damaged without changing size)."""


def _read(workdir: Path, meta: dict[str, Any]) -> Artifact:
    frames, docs = {}, {}
    digests = meta.get("sha256") or {}
    for fname in meta["files"]:
        p = workdir / fname
        if fname in digests and _sha256(p) != digests[fname]:
            raise _Replaced(f"{fname}: content differs from what was written")
        if fname.endswith(".parquet"):
            frames[fname.removesuffix(".parquet")] = pd.read_parquet(p)
        else:
            docs[fname.removesuffix(".json")] = json.loads(p.read_text(encoding="utf-8"))
    return Artifact(frames, docs)


def write_artifact(workdir: Path, name: str, fp: str, artifact: Artifact, **info: Any) -> None:
    """Write every file atomically, then the meta record (atomically, last)."""
    files: dict[str, int] = {}
    digests: dict[str, str] = {}

    def keep(fname: str, p: Path) -> None:  # the digest of exactly the bytes renamed into place
        digests[fname] = _sha256(p)

    for key, frame in artifact.frames.items():
        fname = f"{key}.parquet"
        files[fname] = _atomic_write(workdir / fname, lambda p, f=frame, n=fname: (f.to_parquet(p, index=False), keep(n, p)))
    for key, doc in artifact.docs.items():
        fname = f"{key}.json"
        files[fname] = _atomic_write(workdir / fname, lambda p, d=doc, n=fname: (_write_json(p, d), keep(n, p)))
    meta = {"fingerprint": fp, "version": __version__, "files": files, "sha256": digests, **info}
    _atomic_write(_meta_path(workdir, name), lambda p: _write_json(p, meta))


def cached(
    workdir: Path, name: str, inputs: Inputs | str, build: Callable[[], Artifact], *, force: bool = False,
    log: Callable[[str], None] | None = None,
) -> tuple[Artifact, str]:
    """The artifact ``name`` from the work directory when fresh, else built and written; with its fingerprint.

    An artifact whose files cannot be read (a truncated Parquet, a corrupt JSON) is rebuilt."""
    fp = inputs if isinstance(inputs, str) else inputs.fingerprint()
    if not force and is_fresh(workdir, name, fp):
        meta = read_meta(workdir, name)
        assert meta is not None
        try:
            return _read(workdir, meta), fp
        except Exception as exc:  # noqa: BLE001 - any unreadable file means: rebuild
            if log:
                log(f"{name}: cached files unreadable ({type(exc).__name__}); rebuilding")
    artifact = build()
    write_artifact(workdir, name, fp, artifact)
    return artifact, fp
