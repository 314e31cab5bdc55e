"""Which province-years the registry sample lacks: ``registry_sample_2019/absent_files.txt`` (one origin path
``csv/<year>/<province>.csv`` per line, the 190 files the snapshot did not hold; SOURCE.md).

:func:`load_absent_files` returns year (int) and province (the short name as in the path, e.g. 河北, 内蒙古);
lines of another shape are refused with the file and line named. An event in an absent province-year cannot
be seen, so the expansion benchmark only counts destinations in provinces present in every year of a window.
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

from matcher.sources.base import SourceError

FILE = "registry_sample_2019/absent_files.txt"
_LINE = re.compile(r"^csv/(\d{4})/([^/]+)\.csv$")


def load_absent_files(data_dir: Path) -> pd.DataFrame:
    """year, province of every absent origin file."""
    path = Path(data_dir) / FILE
    if not path.is_file():
        raise SourceError(path, "file is missing (the registry sample's list of absent files)")
    rows = []
    for k, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        m = _LINE.match(line.strip())
        if m is None:
            raise SourceError(path, f"line {k}: expected csv/<year>/<province>.csv, got {line.strip()[:60]!r}")
        rows.append({"year": int(m.group(1)), "province": m.group(2)})
    return pd.DataFrame(rows, columns=["year", "province"]).astype({"year": "int64", "province": "string"})


__all__ = ["FILE", "load_absent_files"]
