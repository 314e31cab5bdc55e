"""The package's own data files (the repository's ``data/`` folder, shipped as ``matcher.data``).

One accessor for every curated file — city packs, chain templates, the Shenwan→GB/T crosswalk, the
zone host table, region groups, the data manifest, labelled evaluation samples — read through
:mod:`importlib.resources`, so the same code works from a checkout, an editable install and an
installed wheel. Ground floor: imports nothing of the project.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path

PACKAGE = "matcher.data"
#: the measured figures written by ``matcher bench …`` (``benchmarks/results/``, shipped as this package)
RESULTS_PACKAGE = "matcher.results"


def root() -> Traversable:
    """The shipped data folder."""
    return resources.files(PACKAGE)


def data_file(relative: str) -> Traversable:
    """One shipped file, e.g. ``data_file("chains/wine.yaml")``; :class:`FileNotFoundError` when absent."""
    node = root()
    for part in Path(relative).parts:
        node = node.joinpath(part)
    if not node.is_file():
        raise FileNotFoundError(f"package data file {relative!r} is missing from {PACKAGE}")
    return node


def data_path(relative: str) -> Path:
    """A real filesystem path for a shipped file (wheels installed as directories, the usual case)."""
    return Path(str(data_file(relative)))


def read_text(relative: str) -> str:
    return data_file(relative).read_text(encoding="utf-8")


def data_files(folder: str, suffix: str = "") -> list[Traversable]:
    """The files of a shipped folder (sorted by name), optionally only those ending in ``suffix``."""
    node = root()
    for part in Path(folder).parts:
        node = node.joinpath(part)
    if not node.is_dir():
        return []
    return sorted((f for f in node.iterdir() if f.is_file() and f.name.endswith(suffix)), key=lambda f: f.name)


def results_dir() -> Path:
    """The folder of the shipped benchmark results (``benchmarks/results`` in a checkout)."""
    return Path(str(resources.files(RESULTS_PACKAGE)))


def _walk(node: Traversable, prefix: str) -> Iterator[tuple[str, Traversable]]:
    for child in sorted(node.iterdir(), key=lambda c: c.name):
        rel = f"{prefix}{child.name}"
        if child.is_dir():
            if child.name in ("raw", "__pycache__"):
                continue
            yield from _walk(child, rel + "/")
        elif child.is_file() and not child.name.endswith((".pyc",)):
            yield rel, child


def fingerprint(relatives: Iterable[str], base: Traversable | Path | None = None) -> str:
    """Hash of the contents of shipped files or folders (a folder means every file under it); ``base``
    replaces the shipped folder (a test edits a copy)."""
    h = hashlib.sha256()
    for rel in sorted(set(relatives)):
        node = base if base is not None else root()
        for part in Path(rel).parts:
            node = node.joinpath(part)
        items = [(rel, node)] if node.is_file() else list(_walk(node, rel.rstrip("/") + "/")) if node.is_dir() else []
        if not items:
            h.update(f"{rel}|missing".encode())
        for name, f in items:
            h.update(name.encode())
            h.update(hashlib.sha256(f.read_bytes()).digest())
    return h.hexdigest()[:16]
