"""GB/T 4754-2017 国民经济行业分类 (``gbt4754_2017/gbt4754_2017.csv``): the official industry vocabulary.

Canonical schema of ``load_gbt4754`` — one row per code, 1,971 in the file (20 门类 + 97 大类 + 473 中类
+ 1,381 小类), in file order; every code is a string:

    level        int 1..4 (1 门类 section, 2 大类 division, 3 中类 group, 4 小类 class)
    code         "A" (level 1), 2 digits (2), 3 digits (3), 4 digits (4)
    name         the standard's name, stripped
    parent_code  the code one level up (missing for level 1)
    section      门类 letter, every level
    division     2-digit 大类 (levels 2-4), else missing
    group        3-digit 中类 (levels 3-4), else missing
    klass        4-digit 小类 (level 4), else missing
    description  the standard's 说明 text where the source had one (rows the data stager fixed or
                 derived say so here, e.g. "(derived: …)"), else missing

Why it is checked so strictly: the chain and region stages join on these codes, so a code whose
hierarchy columns disagree with the code itself would silently misplace an industry.
Quarantine reasons: unknown level, level_name not matching level, malformed code for its level, missing
name, duplicate code (first kept), hierarchy column (parent_code/section/division/group/klass)
inconsistent with the code, parent code absent (orphan; checked top-down so orphans cascade).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from matcher.sources.base import LoadResult, RowScreen, read_csv_text

FOLDER = "gbt4754_2017"
FILE = "gbt4754_2017.csv"
SOURCE = "gbt4754"

COLUMNS = ["level", "code", "name", "parent_code", "section", "division", "group", "klass", "description"]
LEVEL_NAMES = {"1": "门类", "2": "大类", "3": "中类", "4": "小类"}
CODE_PATTERNS = {"1": r"^[A-T]$", "2": r"^\d{2}$", "3": r"^\d{3}$", "4": r"^\d{4}$"}


def _expected_hierarchy(row: pd.Series) -> dict[str, str | None]:
    """What parent_code/division/group/klass must be for this row's level and code."""
    level, code = row["level"], row["code"]
    return {
        "parent_code": None if level == "1" else (row["section"] if level == "2" else code[: int(level) - 1]),
        "division": code[:2] if level in ("2", "3", "4") else None,
        "group": code[:3] if level in ("3", "4") else None,
        "klass": code if level == "4" else None,
    }


def _hierarchy_mismatch(frame: pd.DataFrame) -> pd.Series:
    """Name of the first hierarchy column that disagrees with the code (empty string when consistent)."""
    out = []
    for _, row in frame.iterrows():
        bad = ""
        for col, want in _expected_hierarchy(row).items():
            have = row[col] if isinstance(row[col], str) else None
            if have != want:
                bad = col
                break
        out.append(bad)
    return pd.Series(out, index=frame.index, dtype="object")


def load_gbt4754(data_dir: Path) -> LoadResult:
    path = Path(data_dir) / FOLDER / FILE
    raw = read_csv_text(
        path, ["level", "level_name", "code", "name", "parent_code", "section", "division", "group", "klass"]
    )
    if "description" not in raw.columns:
        raw["description"] = None
    raw = raw.apply(lambda s: s.str.strip())
    screen = RowScreen(SOURCE, path, raw)
    refuse = screen.refuse

    level = raw["level"].fillna("")
    refuse(~level.isin(list(LEVEL_NAMES)), "unknown level (expected 1-4)", "level")
    refuse(raw["level_name"] != level.map(LEVEL_NAMES), "level_name does not match level", "level_name")
    code = raw["code"].fillna("")
    code_ok = pd.Series(False, index=raw.index)
    for lv, pattern in CODE_PATTERNS.items():
        at = level == lv
        code_ok[at] = code[at].str.match(pattern).astype(bool)
    refuse(~code_ok, "malformed code for its level", "code")
    refuse(raw["name"].isna() | (raw["name"] == ""), "missing name", "name")
    refuse(
        raw["section"].isna() | ~raw["section"].fillna("").str.match(r"^[A-T]$"),
        "malformed section letter",
        "section",
    )
    refuse(raw["code"].duplicated(keep="first"), "duplicate code (first occurrence kept)", "code")
    if screen.keep.any():
        mismatch = pd.Series("", index=raw.index, dtype="object")
        mismatch[screen.keep] = _hierarchy_mismatch(raw[screen.keep])
        level1 = screen.keep & (level == "1")
        mismatch[level1 & (raw["section"] != raw["code"])] = "section"
        for col in ("parent_code", "section", "division", "group", "klass"):
            refuse(mismatch == col, f"{col} inconsistent with code", col)
    for lv in ("2", "3", "4"):  # top-down, so that a missing 大类 also orphans its 中类 and 小类
        accepted = set(raw.loc[screen.keep, "code"])
        refuse(
            (level == lv) & ~raw["parent_code"].isin(accepted), "parent code absent (orphan)", "parent_code"
        )
    frame = raw.loc[screen.keep, COLUMNS].copy()
    frame["level"] = frame["level"].astype("int64")
    return LoadResult(SOURCE, frame.reset_index(drop=True), screen.quarantine, len(raw), [str(path)])


LOADERS = {SOURCE: load_gbt4754}
