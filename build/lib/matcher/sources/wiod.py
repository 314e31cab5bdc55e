"""China's 2011 domestic input-output block, WIOD 2013 release, 35 sectors (``wiod2013_chn/``).

A coarse, quantitative prior for sector-to-sector supply weights (the NBS tables are not available
offline). Units: millions of US dollars, current prices, stored as whole numbers.

Canonical schemas:

``load_wiod_z`` → ``wiod.z`` — the intermediate-use matrix in long format, one row per cell
(35 × 35 = 1,225 in the file), ordered by from_sector then to_sector (c1..c35):
    from_sector   supplying sector code, c1..c35
    to_sector     using sector code, c1..c35
    value_musd    float: Chinese sector from_sector's output used as intermediate input by to_sector
``load_wiod_sectors`` → ``wiod.sectors`` — 35 rows: code (c1..c35), label_en (WIOD-2013 names)
``load_wiod_totals`` → ``wiod.totals`` — 35 rows: code, output_musd, intermediate_inputs_domestic_musd,
    intermediate_inputs_imported_musd, domestic_final_demand_musd, exports_intermediate_musd,
    exports_final_musd (floats)

Rows read for ``wiod.z`` count matrix cells, not CSV lines. A cell is quarantined when it is empty,
not a number, or negative (intermediate use cannot be negative; inventory changes live in final
demand). A whole row or column whose sector code is not c1..c35, or duplicated, is quarantined cell by
cell with that reason. A matrix whose header is not "from\\to" + codes raises :class:`SourceError`.

:func:`wiod_technical_coefficients` gives A = Z / output, column by column. China's c19 (sale,
maintenance and repair of motor vehicles) and c35 (private households with employed persons) have
zero output in WIOD 2013 — that activity is booked in the trade sectors — so their A columns are 0/0
and returned as NaN, never 0, so that a caller cannot mistake "undefined" for "no inputs".
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd

from matcher.sources.base import (
    LoadResult,
    SourceError,
    concat_quarantine,
    parse_numbers,
    quarantine_rows,
    read_csv_text,
)

FOLDER = "wiod2013_chn"
Z_FILE = "chn_2011_Z_domestic_musd.csv"
TOTALS_FILE = "chn_2011_sector_totals_musd.csv"
SECTORS_FILE = "sectors.csv"
N_SECTORS = 35
SECTOR_CODES = [f"c{i}" for i in range(1, N_SECTORS + 1)]
CORNER = "from\\to"
TOTAL_COLUMNS = [
    "output_musd",
    "intermediate_inputs_domestic_musd",
    "intermediate_inputs_imported_musd",
    "domestic_final_demand_musd",
    "exports_intermediate_musd",
    "exports_final_musd",
]


def sector_sort_key(code: str) -> int:
    """c1 < c2 < … < c35 (numeric, not lexical)."""
    m = re.fullmatch(r"c(\d+)", str(code))
    return int(m.group(1)) if m else 10**6


def _refuse_codes(
    source: str, path: Path, frame: pd.DataFrame, column: str
) -> tuple[pd.Series, pd.DataFrame]:
    """Keep-mask refusing unknown and duplicated sector codes in ``column``."""
    codes = frame[column].fillna("").str.strip()
    unknown = ~codes.isin(SECTOR_CODES)
    dup = codes.duplicated(keep="first") & ~unknown
    q = concat_quarantine(
        [
            quarantine_rows(
                source, path, frame[unknown], "unknown sector code (expected c1..c35)", column=column
            ),
            quarantine_rows(
                source, path, frame[dup], "duplicate sector code (first occurrence kept)", column=column
            ),
        ]
    )
    return ~unknown & ~dup, q


def load_wiod_sectors(data_dir: Path) -> LoadResult:
    source = "wiod.sectors"
    path = Path(data_dir) / FOLDER / SECTORS_FILE
    raw = read_csv_text(path, ["code", "label_en"])
    keep, q1 = _refuse_codes(source, path, raw, "code")
    no_label = keep & (raw["label_en"].fillna("").str.strip() == "")
    q2 = quarantine_rows(source, path, raw[no_label], "missing label", column="label_en")
    keep &= ~no_label
    frame = pd.DataFrame(
        {"code": raw.loc[keep, "code"].str.strip(), "label_en": raw.loc[keep, "label_en"].str.strip()}
    )
    return LoadResult(
        source, frame.reset_index(drop=True), concat_quarantine([q1, q2]), len(raw), [str(path)]
    )


def load_wiod_totals(data_dir: Path) -> LoadResult:
    source = "wiod.totals"
    path = Path(data_dir) / FOLDER / TOTALS_FILE
    raw = read_csv_text(path, ["code", *TOTAL_COLUMNS])
    keep, q0 = _refuse_codes(source, path, raw, "code")
    parts = [q0]
    numbers = {}
    for col in TOTAL_COLUMNS:
        parsed, bad = parse_numbers(raw[col])
        bad = bad | parsed.isna() | (parsed < 0)
        parts.append(
            quarantine_rows(
                source, path, raw[keep & bad], f"{col} missing, not a number or negative", column=col
            )
        )
        keep &= ~bad
        numbers[col] = parsed
    frame = pd.DataFrame(
        {"code": raw.loc[keep, "code"].str.strip(), **{c: numbers[c][keep] for c in TOTAL_COLUMNS}}
    )
    return LoadResult(source, frame.reset_index(drop=True), concat_quarantine(parts), len(raw), [str(path)])


def load_wiod_z(data_dir: Path) -> LoadResult:
    source = "wiod.z"
    path = Path(data_dir) / FOLDER / Z_FILE
    raw = read_csv_text(path, [CORNER])
    if raw.columns[0] != CORNER:
        raise SourceError(
            path, f"first column must be {CORNER!r} (row sector codes)", column=str(raw.columns[0])
        )
    to_cols = [str(c) for c in raw.columns[1:]]
    if not to_cols:
        raise SourceError(path, "matrix has no sector columns")
    # Long format, keeping each cell's 1-based data-row number for the quarantine.
    long = raw.melt(id_vars=[CORNER], var_name="to_sector", value_name="value", ignore_index=False)
    long["row"] = long.index + 1
    long = long.rename(columns={CORNER: "from_sector"}).reset_index(drop=True)
    long["from_sector"] = long["from_sector"].fillna("").str.strip()
    long["to_sector"] = long["to_sector"].astype(str)
    keep = pd.Series(True, index=long.index)
    parts = []

    def refuse(mask: pd.Series, reason: str, column: str) -> None:
        nonlocal keep
        mask = mask.fillna(False).astype(bool) & keep
        rows = long.loc[mask, ["from_sector", "to_sector", "value"]]
        parts.append(
            quarantine_rows(source, path, rows, reason, column=column, row_numbers=long.loc[mask, "row"])
        )
        keep &= ~mask

    row_codes = raw[CORNER].fillna("").str.strip()
    bad_rows = set(row_codes[~row_codes.isin(SECTOR_CODES)])
    dup_rows = row_codes.duplicated(keep="first")
    dup_row_numbers = set((row_codes.index[dup_rows] + 1).tolist())
    refuse(long["from_sector"].isin(bad_rows), "unknown row sector code (expected c1..c35)", CORNER)
    refuse(long["row"].isin(dup_row_numbers), "duplicate row sector (first occurrence kept)", CORNER)
    # pandas renames a repeated header "c3" to "c3.1": refuse those as duplicates, not unknown codes.
    mangled = {c for c in to_cols if re.fullmatch(r"(c\d+)\.\d+", c) and c.split(".")[0] in SECTOR_CODES}
    refuse(long["to_sector"].isin(mangled), "duplicate column sector (first occurrence kept)", "to_sector")
    unknown_cols = {c for c in to_cols if c not in SECTOR_CODES} - mangled
    refuse(long["to_sector"].isin(unknown_cols), "unknown column sector code (expected c1..c35)", "to_sector")
    value, bad_number = parse_numbers(long["value"])
    refuse(long["value"].isna(), "empty cell", "value")
    refuse(bad_number, "not a number", "value")
    refuse(value < 0, "negative intermediate use", "value")
    out = long[keep]
    frame = pd.DataFrame(
        {"from_sector": out["from_sector"], "to_sector": out["to_sector"], "value_musd": value[keep]}
    )
    frame = frame.sort_values(
        ["from_sector", "to_sector"], key=lambda s: s.map(sector_sort_key), kind="stable"
    ).reset_index(drop=True)
    return LoadResult(source, frame, concat_quarantine(parts), len(long), [str(path)])


def z_matrix(z: pd.DataFrame) -> pd.DataFrame:
    """The long ``wiod.z`` frame as a square matrix (rows from_sector, columns to_sector, c1..c35 order).

    Cells absent from ``z`` (quarantined) are NaN.
    """
    codes = sorted(set(z["from_sector"]) | set(z["to_sector"]) | set(SECTOR_CODES), key=sector_sort_key)
    matrix = z.pivot(index="from_sector", columns="to_sector", values="value_musd")
    return matrix.reindex(index=codes, columns=codes).astype("float64")


def wiod_technical_coefficients(z: pd.DataFrame, totals: pd.DataFrame) -> pd.DataFrame:
    """A[i, j] = Z[i, j] / output[j]: the input from sector i per unit of sector j's output.

    ``z`` is the ``wiod.z`` frame (long), ``totals`` the ``wiod.totals`` frame. Returns a square
    float matrix (index from_sector, columns to_sector, c1..c35). Columns whose output is zero or
    unknown (China: c19, c35) are NaN: the coefficient is undefined there, not zero.
    ``A.stack()`` gives the long form.
    """
    matrix = z_matrix(z)
    output = totals.set_index("code")["output_musd"].astype("float64").reindex(matrix.columns)
    divisor = output.where(output > 0)
    coeffs = matrix.div(divisor, axis="columns")
    coeffs.index.name, coeffs.columns.name = "from_sector", "to_sector"
    return coeffs.astype("float64").replace([np.inf, -np.inf], np.nan)


LOADERS = {
    "wiod.z": load_wiod_z,
    "wiod.sectors": load_wiod_sectors,
    "wiod.totals": load_wiod_totals,
}
