"""Reference loaders: GB/T 4754-2017, the 2011→2017 crosswalk, the WIOD China 2011 IO block.

Real counts come from the SOURCE.md files; bad-input cases edit copies of the real files under tmp_path.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from matcher.sources import all_loaders
from matcher.sources.base import SourceError
from matcher.sources.gbcrosswalk import load_gbcrosswalk
from matcher.sources.gbt4754 import load_gbt4754
from matcher.sources.wiod import (
    SECTOR_CODES,
    load_wiod_sectors,
    load_wiod_totals,
    load_wiod_z,
    wiod_technical_coefficients,
    z_matrix,
)


def test_reference_loaders_are_registered() -> None:
    names = set(all_loaders())
    assert {"gbt4754", "gbcrosswalk", "wiod.z", "wiod.sectors", "wiod.totals"} <= names


def _copy(data_dir: Path, tmp_path: Path, folder: str) -> Path:
    dst = tmp_path / "raw"
    shutil.copytree(data_dir / folder, dst / folder)
    return dst


def _edit_lines(path: Path, edit) -> None:
    lines = path.read_text(encoding="utf-8-sig").splitlines()
    path.write_text("\n".join(edit(lines)) + "\n", encoding="utf-8")


def _reasons(q: pd.DataFrame) -> dict[int, str]:
    return dict(zip(q["row"], q["reason"], strict=True))


# ------------------------------------------------------------------------------------------- gbt4754


@pytest.mark.realdata
def test_gbt4754_real(data_dir: Path) -> None:
    res = load_gbt4754(data_dir)
    f = res.frame
    assert (res.rows_read, res.rows_accepted, res.rows_quarantined) == (1971, 1971, 0)
    assert f["level"].value_counts().sort_index().tolist() == [20, 97, 473, 1381]
    assert list(f.columns) == [
        "level",
        "code",
        "name",
        "parent_code",
        "section",
        "division",
        "group",
        "klass",
        "description",
    ]
    by_code = f.set_index("code")
    assert by_code.loc["I", "name"] == "信息传输、软件和信息技术服务业"
    assert by_code.loc["6513", ["name", "parent_code", "section", "division"]].tolist() == [
        "应用软件开发",
        "651",
        "I",
        "65",
    ]
    assert by_code.loc["3741", ["level", "parent_code"]].tolist() == [4, "374"]  # the stager's fix
    assert by_code.loc["019", "description"].startswith("(derived:")
    assert f["description"].notna().sum() == 1261
    assert set(f.loc[f["level"] > 1, "parent_code"]) <= set(f["code"])
    assert f["code"].is_unique


def _at(lines: list[str], prefix: str) -> int:
    """Index of the one line starting with ``prefix`` (= its 1-based data-row number)."""
    hits = [i for i, line in enumerate(lines) if line.startswith(prefix)]
    assert len(hits) == 1, prefix
    return hits[0]


def _codes(q: pd.DataFrame) -> list[str]:
    return [json.loads(r)["code"] for r in q["record"]]


@pytest.mark.realdata
def test_gbt4754_bad_rows(data_dir: Path, tmp_path: Path) -> None:
    raw = _copy(data_dir, tmp_path, "gbt4754_2017")
    path = raw / "gbt4754_2017" / "gbt4754_2017.csv"
    rows: dict[str, int] = {}

    def edit(lines: list[str]) -> list[str]:
        lines = list(lines)
        rows["0113"] = i = _at(lines, "4,小类,0113,")
        lines[i] = "5" + lines[i][1:]  # unknown level
        rows["0119"] = i = _at(lines, "4,小类,0119,")
        lines[i] = lines[i].replace("0119", "01X9", 1)  # malformed code
        rows["0121"] = i = _at(lines, "4,小类,0121,")
        fields = lines[i].split(",", 9)
        fields[8] = ""  # klass missing
        lines[i] = ",".join(fields)
        rows["dup"] = len(lines)
        lines.append(lines[_at(lines, "4,小类,0112,")])  # duplicate code
        # a 大类 whose section disagrees with its parent: refused, and its 中类/小类 become orphans
        rows["02"] = i = _at(lines, "2,大类,02,")
        lines[i] = lines[i].replace("2,大类,02,林业,A,A,02", "2,大类,02,林业,A,B,02", 1)
        return lines

    _edit_lines(path, edit)
    res = load_gbt4754(raw)
    assert res.rows_read == 1972
    reasons = _reasons(res.quarantine)
    assert reasons[rows["0113"]] == "unknown level (expected 1-4)"
    assert reasons[rows["0119"]] == "malformed code for its level"
    assert reasons[rows["0121"]] == "klass inconsistent with code"
    assert reasons[rows["dup"]] == "duplicate code (first occurrence kept)"
    assert reasons[rows["02"]] == "parent_code inconsistent with code"
    orphans = res.quarantine[res.quarantine["reason"] == "parent code absent (orphan)"]
    orphan_codes = _codes(orphans)
    assert orphan_codes and all(c.startswith("02") for c in orphan_codes)
    assert {"021", "0211", "0232"} <= set(orphan_codes)  # cascades 大类 → 中类 → 小类
    assert len(orphan_codes) == 5 + 9  # 林业's 5 中类 (021-025) and 9 小类
    assert res.rows_quarantined == 5 + len(orphan_codes)
    assert res.rows_accepted + res.rows_quarantined == res.rows_read
    assert "02" not in set(res.frame["code"]) and "0113" not in set(res.frame["code"])


@pytest.mark.realdata
def test_gbt4754_hierarchy_mismatch_and_missing_column(data_dir: Path, tmp_path: Path) -> None:
    raw = _copy(data_dir, tmp_path, "gbt4754_2017")
    path = raw / "gbt4754_2017" / "gbt4754_2017.csv"
    where: dict[str, int] = {}

    def edit(lines: list[str]) -> list[str]:
        where["0112"] = i = _at(lines, "4,小类,0112,")
        lines[i] = lines[i].replace(",011,A,01,011,0112,", ",012,A,01,011,0112,", 1)
        return lines

    _edit_lines(path, edit)
    bad = load_gbt4754(raw).quarantine.set_index("row")
    assert bad.loc[where["0112"], "reason"] == "parent_code inconsistent with code"
    assert bad.loc[where["0112"], "column"] == "parent_code" and len(bad) == 1
    _edit_lines(path, lambda ls: [ls[0].replace(",parent_code,", ",parent,"), *ls[1:]])
    with pytest.raises(SourceError, match=r"gbt4754_2017\.csv.*column 'parent_code'"):
        load_gbt4754(raw)
    path.unlink()
    with pytest.raises(SourceError, match="file is missing"):
        load_gbt4754(raw)


# --------------------------------------------------------------------------------------- gbcrosswalk


@pytest.mark.realdata
def test_gbcrosswalk_real(data_dir: Path) -> None:
    res = load_gbcrosswalk(data_dir)
    f = res.frame
    assert (res.rows_read, res.rows_accepted, res.rows_quarantined) == (2037, 2037, 0)
    assert f["level"].value_counts().to_dict() == {"S": 1401, "M": 518, "L": 118}
    assert set(f["from_year"]) == {2011} and set(f["to_year"]) == {2017}
    # the 2017 side of the S and M levels is exactly the standard's 小类 and 中类 (cross-source check)
    std = load_gbt4754(data_dir).frame
    assert set(f.loc[f["level"] == "S", "to_code"]) == set(std.loc[std["level"] == 4, "code"])
    assert set(f.loc[f["level"] == "M", "to_code"]) == set(std.loc[std["level"] == 3, "code"])
    assert set(f.loc[f["level"] == "L", "to_code"]) == set(std.loc[std["level"] == 2, "code"])
    # documented quirks: 11 repeated (level, from, to) pairs; 30 M rows with a 2-digit to_code_all token
    assert f.duplicated(["level", "from_code", "to_code"]).sum() == 11
    width = f["level"].map({"L": 2, "M": 3, "S": 4})
    odd = f["to_code_all"].str.split("_").combine(width, lambda toks, w: any(len(t) != w for t in toks))
    assert odd.sum() == 30 and set(f.loc[odd, "level"]) == {"M"}
    # a split: 2011 小类 0169 maps to 0164 and 0169 in 2017
    assert sorted(f.loc[(f["level"] == "S") & (f["from_code"] == "0169"), "to_code"]) == ["0164", "0169"]


@pytest.mark.realdata
def test_gbcrosswalk_bad_rows(data_dir: Path, tmp_path: Path) -> None:
    raw = _copy(data_dir, tmp_path, "gbcrosswalk")
    path = raw / "gbcrosswalk" / "gb_2011_2017.csv"

    def edit(lines: list[str]) -> list[str]:
        lines = list(lines)
        assert lines[1] == '"2011","2017","L","01","01","01","2011_2017"'
        lines[1] = '"2011","2017","X","01","01","01","2011_2017"'
        lines[2] = '"2011","2017","L","2","02","02","2011_2017"'
        lines[3] = '"2002","2017","L","03","03","03","2011_2017"'
        lines[4] = '"2011","2017","L","03","8A","82","2011_2017"'
        lines.append(lines[5])
        return lines

    _edit_lines(path, edit)
    res = load_gbcrosswalk(raw)
    assert res.rows_read == 2038 and res.rows_accepted == 2033
    assert _reasons(res.quarantine) == {
        1: "unknown level (expected L, M or S)",
        2: "from_code malformed for its level",
        3: "from_year is not 2011",
        4: "to_code malformed for its level",
        2038: "exact duplicate row (first occurrence kept)",
    }
    _edit_lines(path, lambda ls: [ls[0].replace('"to_code",', '"target",'), *ls[1:]])
    with pytest.raises(SourceError, match="column 'to_code'"):
        load_gbcrosswalk(raw)


# ---------------------------------------------------------------------------------------------- wiod


@pytest.mark.realdata
def test_wiod_real(data_dir: Path) -> None:
    z, totals, sectors = load_wiod_z(data_dir), load_wiod_totals(data_dir), load_wiod_sectors(data_dir)
    assert (z.rows_read, z.rows_accepted, z.rows_quarantined) == (1225, 1225, 0)
    assert (totals.rows_accepted, sectors.rows_accepted) == (35, 35)
    assert z.frame["value_musd"].sum() == 13_407_505
    assert totals.frame["output_musd"].sum() == 22_271_024
    assert z.frame["from_sector"].iloc[[0, 35, -1]].tolist() == ["c1", "c2", "c35"]
    assert sectors.frame.set_index("code").loc["c14", "label_en"] == "Electrical and Optical Equipment"
    # Z's column sums are the totals file's domestic intermediate inputs
    m = z_matrix(z.frame)
    t = totals.frame.set_index("code")
    np.testing.assert_allclose(
        m.sum(axis=0).to_numpy(), t.loc[m.columns, "intermediate_inputs_domestic_musd"].to_numpy()
    )
    zero = sorted(t.index[t["output_musd"] == 0])
    assert zero == ["c19", "c35"]


@pytest.mark.realdata
def test_wiod_technical_coefficients(data_dir: Path) -> None:
    z, totals = load_wiod_z(data_dir).frame, load_wiod_totals(data_dir).frame
    a = wiod_technical_coefficients(z, totals)
    assert a.shape == (35, 35) and list(a.index) == SECTOR_CODES and list(a.columns) == SECTOR_CODES
    assert sorted(a.columns[a.isna().all()]) == ["c19", "c35"]
    assert int(a.isna().sum().sum()) == 70  # exactly those two columns, nothing else
    out = totals.set_index("code")["output_musd"]
    cell = z[(z["from_sector"] == "c12") & (z["to_sector"] == "c14")]["value_musd"].iloc[0]
    assert a.loc["c12", "c14"] == pytest.approx(cell / out["c14"])
    defined = a.drop(columns=["c19", "c35"])
    assert (defined >= 0).all().all() and (defined.sum(axis=0) < 1).all()  # domestic inputs < output
    assert len(a.stack().dropna()) == 35 * 33


@pytest.mark.realdata
def test_wiod_bad_cells_and_headers(data_dir: Path, tmp_path: Path) -> None:
    raw = _copy(data_dir, tmp_path, "wiod2013_chn")
    zpath = raw / "wiod2013_chn" / "chn_2011_Z_domestic_musd.csv"

    def edit(lines: list[str]) -> list[str]:
        lines = list(lines)
        cells = lines[1].split(",")
        cells[1], cells[2], cells[3] = "-5.0", "n/a", ""
        lines[1] = ",".join(cells)
        lines[2] = "c99" + lines[2][lines[2].index(",") :]  # unknown row code
        return lines

    _edit_lines(zpath, edit)
    res = load_wiod_z(raw)
    assert res.rows_read == 1225 and res.rows_quarantined == 3 + 35
    q = res.quarantine
    assert sorted(q.loc[q["row"] == 1, "reason"]) == [
        "empty cell",
        "negative intermediate use",
        "not a number",
    ]
    assert (q.loc[q["row"] == 2, "reason"] == "unknown row sector code (expected c1..c35)").sum() == 35
    # a repeated column header is refused as a duplicate, cell by cell
    _edit_lines(zpath, lambda ls: [ls[0].replace(",c5,", ",c4,", 1), *ls[1:]])
    dup = load_wiod_z(raw).quarantine
    # 35 cells of the repeated column, less the one already refused with the c99 row
    assert (dup["reason"] == "duplicate column sector (first occurrence kept)").sum() == 34
    # the corner label is part of the format
    _edit_lines(zpath, lambda ls: [ls[0].replace("from\\to", "sector", 1), *ls[1:]])
    with pytest.raises(SourceError, match="column 'from\\\\\\\\to'"):
        load_wiod_z(raw)
    tpath = raw / "wiod2013_chn" / "chn_2011_sector_totals_musd.csv"
    _edit_lines(tpath, lambda ls: [ls[0], ls[1].replace("1261050.0", "lots", 1), *ls[2:]])
    tres = load_wiod_totals(raw)
    assert _reasons(tres.quarantine) == {1: "output_musd missing, not a number or negative"}
    # with c1 quarantined from the totals, c1's coefficients are undefined, not zero
    a = wiod_technical_coefficients(load_wiod_z(data_dir).frame, tres.frame)
    assert a["c1"].isna().all() and sorted(a.columns[a.isna().all()]) == ["c1", "c19", "c35"]
