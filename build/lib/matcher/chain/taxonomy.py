"""Industry vocabulary: Shenwan 2021 levels 1–3 with their hierarchy, crosswalked to GB/T 4754-2017.

Shenwan (申万) codes are what firms carry; planners report in GB/T 4754-2017 门类/大类 names. The
crosswalk ``data/sw_gb4754_crosswalk.csv`` maps each of the 134 Shenwan level-2 industries to one
primary GB/T 4754-2017 大类 (division) and its 门类 (section), plus secondary divisions. It was made by
matching names and the standard's definitions and reviewed by judgement, one row at a time (see
``data/sw_gb4754_crosswalk.README.md``). Level-3 industries inherit their level-2 row; a level-1
industry takes the division most of its level-2 rows map to.

WIOD 2013 sectors (China 2011 input-output table, 35 sectors c1..c35) are reached from GB/T
divisions through :data:`GB_DIVISION_TO_WIOD`, a correspondence by ISIC Rev.3 scope written here from
the WIOD sector labels (``wiod2013_chn/sectors.csv``) and the GB/T 4754 division names.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from matcher import resources
from matcher.sources.base import SourceError, read_csv_text

#: the reviewed crosswalk, shipped as package data (``data/sw_gb4754_crosswalk.csv``)
CROSSWALK = "sw_gb4754_crosswalk.csv"


def _wiod_map() -> dict[str, str]:
    spans = {
        "c1": range(1, 6), "c2": range(6, 13), "c3": range(13, 17), "c4": range(17, 19), "c5": [19],
        "c6": [20], "c7": [22, 23, 86], "c8": [25], "c9": [26, 27, 28], "c10": [29], "c11": [30],
        "c12": [31, 32, 33], "c13": [34, 35, 43], "c14": [38, 39, 40], "c15": [36, 37],
        "c16": [21, 24, 41, 42], "c17": [44, 45, 46], "c18": range(47, 51), "c20": [51], "c21": [52],
        "c22": [61, 62], "c23": [53, 54, 57], "c24": [55], "c25": [56], "c26": [58, 59], "c27": [60, 63],
        "c28": range(66, 70), "c29": [70], "c30": [64, 65, 71, 72, 73, 74, 75], "c31": range(91, 98),
        "c32": [83], "c33": [84, 85], "c34": [76, 77, 78, 79, 80, 81, 82, 87, 88, 89, 90],
    }
    return {f"{d:02d}": sector for sector, ds in spans.items() for d in ds}


#: GB/T 4754-2017 division (2 digits) → WIOD 2013 sector code (c1..c35), by ISIC Rev.3 scope
GB_DIVISION_TO_WIOD: dict[str, str] = _wiod_map()


def load_crosswalk(path: Path | None = None) -> pd.DataFrame:
    """The reviewed Shenwan level-2 → GB/T 4754-2017 crosswalk (one row per level-2 industry); the shipped
    one unless ``path`` is given."""
    path = Path(path) if path is not None else resources.data_path(CROSSWALK)
    frame = read_csv_text(
        path, ["sw_l2_code", "sw_l2_name", "gb_section", "gb_division", "gb_divisions_other", "method"]
    )
    if frame["sw_l2_code"].duplicated().any():
        dup = frame.loc[frame["sw_l2_code"].duplicated(), "sw_l2_code"].iloc[0]
        raise SourceError(path, f"sw_l2_code {dup} listed twice", column="sw_l2_code")
    return frame


def industry_table(industry: pd.DataFrame, crosswalk: pd.DataFrame, gb: pd.DataFrame | None = None) -> pd.DataFrame:
    """Every Shenwan industry (levels 1–3) with its level-1/2 codes and the GB/T section/division.

    ``industry`` is the ``chainkg.industry`` frame; ``gb`` the ``gbt4754`` frame (names of sections
    and divisions); ``crosswalk`` from :func:`load_crosswalk`.
    """
    out = industry[["sw_code", "name", "name_clean", "level", "parent_code"]].copy()
    out["sw_l1_code"] = out["sw_code"].str.slice(0, 2) + "0000"
    out["sw_l2_code"] = (out["sw_code"].str.slice(0, 4) + "00").where(out["level"] >= 2)
    xw = crosswalk.set_index("sw_l2_code")
    out["gb_division"] = out["sw_l2_code"].map(xw["gb_division"])
    out["gb_section"] = out["sw_l2_code"].map(xw["gb_section"])
    # level 1: the division most of its level-2 children map to (ties: the smallest code)
    l1 = (
        out[out["level"] == 2]
        .dropna(subset=["gb_division"])
        .groupby(["sw_l1_code", "gb_division", "gb_section"])
        .size()
        .rename("n")
        .reset_index()
        .sort_values(["sw_l1_code", "n", "gb_division"], ascending=[True, False, True])
        .drop_duplicates("sw_l1_code")
        .set_index("sw_l1_code")
    )
    is1 = out["level"] == 1
    out.loc[is1, "gb_division"] = out.loc[is1, "sw_code"].map(l1["gb_division"])
    out.loc[is1, "gb_section"] = out.loc[is1, "sw_code"].map(l1["gb_section"])
    if gb is not None:
        names = dict(zip(gb["code"], gb["name"], strict=True))
        out["gb_division_name"] = out["gb_division"].map(names).astype("string")
        out["gb_section_name"] = out["gb_section"].map(names).astype("string")
    out["wiod_sector"] = out["gb_division"].map(GB_DIVISION_TO_WIOD).astype("string")
    return out.sort_values("sw_code").reset_index(drop=True)


def load_wiod_coefficients(data_dir: Path) -> pd.DataFrame:
    """WIOD China 2011 domestic technical coefficients A[i, j] = Z[i, j] / output[j], long form.

    Columns: from_sector, to_sector, z_musd, coef. Sectors with zero output (c19, c35) get no
    coefficients (0/0 is undefined, WIOD SOURCE.md).
    """
    folder = Path(data_dir) / "wiod2013_chn"
    z = read_csv_text(folder / "chn_2011_Z_domestic_musd.csv")
    first = z.columns[0]
    z = z.set_index(first)
    totals = read_csv_text(folder / "chn_2011_sector_totals_musd.csv", ["output_musd"])
    code_col = totals.columns[0]
    output = pd.to_numeric(totals.set_index(code_col)["output_musd"], errors="coerce")
    long = z.apply(pd.to_numeric, errors="coerce").stack().rename("z_musd").reset_index()
    long.columns = ["from_sector", "to_sector", "z_musd"]
    out_j = long["to_sector"].map(output)
    long["coef"] = (long["z_musd"] / out_j).where(out_j > 0)
    return long.dropna(subset=["coef"]).reset_index(drop=True)
