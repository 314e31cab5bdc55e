"""One loader per public source and per user-file format; see :mod:`matcher.sources.base`.

Each loader module declares ``LOADERS: dict[str, Callable[[Path], LoadResult]]``; :func:`all_loaders`
collects them, so adding a source is adding a module.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable
from pathlib import Path

from matcher.sources.base import LoadResult, SourceError, data_dir_from

__all__ = ["LoadResult", "SourceError", "all_loaders", "data_dir_from", "load"]

Loader = Callable[[Path], LoadResult]


def all_loaders() -> dict[str, Loader]:
    """Every real-data loader by source name, in a stable (sorted) order."""
    found: dict[str, Loader] = {}
    for info in pkgutil.iter_modules(__path__):
        module = importlib.import_module(f"{__name__}.{info.name}")
        for name, fn in getattr(module, "LOADERS", {}).items():
            if name in found:
                raise RuntimeError(f"loader {name!r} declared twice")
            found[name] = fn
    return dict(sorted(found.items()))


def load(name: str, data_dir: str | Path | None = None) -> LoadResult:
    """Run one loader by name on the data directory (argument or ``$MATCHER_DATA``)."""
    loaders = all_loaders()
    if name not in loaders:
        raise KeyError(f"unknown source {name!r}; known: {', '.join(loaders)}")
    return loaders[name](data_dir_from(data_dir))
