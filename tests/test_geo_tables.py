"""Division-table loaders on the real jionlp files, and their refusal of malformed input."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from matcher.geo.tables import load_changes, load_county_coords, load_jionlp, load_towns
from matcher.sources import all_loaders
from matcher.sources.base import SourceError


def test_loaders_registered() -> None:
    names = set(all_loaders())
    assert {"divisions.jionlp", "divisions.towns", "divisions.changes", "divisions.county_coords"} <= names


@pytest.mark.realdata
def test_jionlp_counties(data_dir: Path) -> None:
    res = load_jionlp(data_dir)
    res.check()
    assert res.rows_read == 3192 and len(res.frame) == 3043 and len(res.quarantine) == 149  # SOURCE.md counts
    assert set(res.quarantine["reason"]) == {"no code"}
    f = res.frame.set_index("county_code")
    qhd = res.frame[res.frame["city_code"] == "130300"]
    assert sorted(qhd["county_code"]) == ["130302", "130303", "130304", "130306", "130321", "130322", "130324",
                                          "130371", "130372"]
    assert f.loc["130371", "county"] == "秦皇岛市经济技术开发区" and bool(f.loc["130371", "is_zone"])
    assert f.loc["320571", "county"] == "苏州工业园区"
    assert not bool(f.loc["130302", "is_zone"])
    assert int(res.frame["is_zone"].sum()) == 144
    assert f.loc["441900", "is_city_direct"]  # 东莞: no county level
    assert f.loc["130302", "n_towns"] > 0


@pytest.mark.realdata
def test_towns_and_changes(data_dir: Path) -> None:
    towns = load_towns(data_dir)
    assert towns.rows_read == 43104 and len(towns.frame) == 43104
    tang = towns.frame[towns.frame["town"] == "唐家湾镇"]
    assert list(tang["county_code"]) == ["440402"]
    ch = load_changes(data_dir)
    assert ch.rows_read == len(ch.frame) + len(ch.quarantine) and len(ch.frame) >= 119
    haian = ch.frame[ch.frame["old_county"] == "海安县"]
    assert list(haian["new_county"]) == ["海安市"]
    assert str(ch.frame["date"].max().date()) == "2023-04-03"


@pytest.mark.realdata
def test_county_coords(data_dir: Path) -> None:
    res = load_county_coords(data_dir)
    assert len(res.frame) == 3043 and res.quarantine.empty
    f = res.frame.set_index("county_code")
    assert f["lon"].isna().loc[["130371", "130372"]].all()  # zones have no centroid in the table
    assert 119 < f.loc["130302", "lon"] < 120 and 39 < f.loc["130302", "lat"] < 40.5


def test_bad_files_raise_or_quarantine(tmp_path: Path) -> None:
    """Synthetic malformed files: a depth-5 line raises naming the row; a bad change line is quarantined."""
    d = tmp_path / "jionlp_location"
    d.mkdir()
    (d / "china_location.txt").write_text("河北省\t130000\t河北\n\t秦皇岛市\t130300\t秦皇岛\n\t\t海港区\t130302\t海港\n"
                                          "\t\t\t\t\t坏行\n", encoding="utf-8")
    with pytest.raises(SourceError, match="row 4"):
        load_jionlp(tmp_path)
    (d / "china_location_change.txt").write_text(
        "2018-02-22\t民批\t江苏省\t江苏\t南通市\t南通\t海安县\t海安=>江苏省\t南通市\t海安市\nbroken line\n", encoding="utf-8")
    ch = load_changes(tmp_path)
    assert len(ch.frame) == 1 and len(ch.quarantine) == 1 and ch.quarantine["row"].iloc[0] == 2


@pytest.mark.realdata
def test_coords_quarantine_bad_rows(data_dir: Path, tmp_path: Path) -> None:
    src = data_dir / "admin_county_coords_derived" / "county_coords_merged.csv"
    dst = tmp_path / "admin_county_coords_derived"
    dst.mkdir()
    shutil.copy(src, dst / src.name)
    with open(dst / src.name, "a", encoding="utf-8") as fh:
        fh.write("河北省,130000,秦皇岛市,130300,坏县,13030X,坏,119.1,39.9,synthetic\n")
        fh.write("河北省,130000,秦皇岛市,130300,远县,130399,远,10.0,39.9,synthetic\n")
    res = load_county_coords(tmp_path)
    assert len(res.frame) == 3043 and sorted(res.quarantine["reason"]) == ["coordinate outside China",
                                                                          "malformed county code"]
