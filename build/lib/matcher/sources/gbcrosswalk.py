"""GB/T 4754-2011 → 2017 crosswalk (``gbcrosswalk/gb_2011_2017.csv``, R package gbcrosswalk 0.0.9).

Used to carry industry codes of older (2011-coded) data onto the 2017 vocabulary of
:mod:`matcher.sources.gbt4754`. The mapping is many-to-many: one 2011 code may split into several
2017 codes and several may merge into one, so callers must not assume a function.

Canonical schema of ``load_gbcrosswalk`` — one row per (level, from_code, to_code, to_code_all) line,
2,037 in the file (118 大类 L, 518 中类 M, 1,401 小类 S), in file order; codes are strings:

    level        "L" (大类, 2 digits), "M" (中类, 3 digits), "S" (小类, 4 digits)
    level_name   大类 / 中类 / 小类
    from_code    GB/T 4754-2011 code
    to_code      GB/T 4754-2017 code
    to_code_all  as published: every 2017 code the 2011 code maps to, "_"-joined (e.g. "0164_0169").
                  Kept verbatim for reference only: at level M eleven (from_code, to_code) pairs occur
                 twice with different to_code_all values, and 30 M rows carry a 2-digit 大类 token
                 there (e.g. 709→791 has "70") — residue of the extraction. Use to_code for joins.
    from_year    2011 (int)
    to_year      2017 (int)

Quarantine reasons: year pair other than 2011→2017, unknown level, from_code / to_code malformed for
the level, exact duplicate row (first kept).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from matcher.sources.base import LoadResult, RowScreen, read_csv_text

FOLDER = "gbcrosswalk"
FILE = "gb_2011_2017.csv"
SOURCE = "gbcrosswalk"

COLUMNS = ["level", "level_name", "from_code", "to_code", "to_code_all", "from_year", "to_year"]
LEVELS = {"L": ("大类", 2), "M": ("中类", 3), "S": ("小类", 4)}


def load_gbcrosswalk(data_dir: Path) -> LoadResult:
    path = Path(data_dir) / FOLDER / FILE
    raw = read_csv_text(path, ["from_year", "to_year", "level", "from_code", "to_code", "to_code_all"])
    raw = raw.apply(lambda s: s.str.strip())
    screen = RowScreen(SOURCE, path, raw)
    refuse = screen.refuse

    refuse(raw["from_year"] != "2011", "from_year is not 2011", "from_year")
    refuse(raw["to_year"] != "2017", "to_year is not 2017", "to_year")
    level = raw["level"].fillna("")
    refuse(~level.isin(list(LEVELS)), "unknown level (expected L, M or S)", "level")
    for column in ("from_code", "to_code"):
        ok = pd.Series(False, index=raw.index)
        for lv, (_, width) in LEVELS.items():
            at = level == lv
            ok[at] = raw.loc[at, column].fillna("").str.fullmatch(rf"\d{{{width}}}").astype(bool)
        refuse(~ok, f"{column} malformed for its level", column)
    refuse(raw.duplicated(keep="first"), "exact duplicate row (first occurrence kept)", "from_code")
    out = raw[screen.keep]
    frame = pd.DataFrame(
        {
            "level": out["level"],
            "level_name": out["level"].map({k: v[0] for k, v in LEVELS.items()}),
            "from_code": out["from_code"],
            "to_code": out["to_code"],
            "to_code_all": out["to_code_all"],
            "from_year": out["from_year"].astype("int64"),
            "to_year": out["to_year"].astype("int64"),
        }
    ).reset_index(drop=True)
    return LoadResult(SOURCE, frame[COLUMNS], screen.quarantine, len(raw), [str(path)])


LOADERS = {SOURCE: load_gbcrosswalk}
