"""Tushare loaders on the real dump and on broken copies of it."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from matcher.sources.base import SourceError
from matcher.sources.tushare import FOLDER, load_bak_basic, load_stock_basic, load_stock_company


@pytest.mark.realdata
def test_real_counts_match_source_md(data_dir: Path) -> None:
    basic = load_stock_basic(data_dir)
    company = load_stock_company(data_dir)
    bak = load_bak_basic(data_dir)
    assert (basic.rows_read, basic.rows_accepted) == (5363, 5363)
    assert (company.rows_read, company.rows_accepted) == (5500, 5500)
    assert (bak.rows_read, bak.rows_accepted, bak.rows_quarantined) == (7000, 5364, 1636)
    assert set(bak.frame["trade_date"]) == {"20240513"}
    qhd = company.frame[company.frame["city"] == "秦皇岛市"]
    assert sorted(qhd["stock_code"]) == ["000889", "300869", "300922", "601326"]
    row = basic.frame.set_index("stock_code").loc["601326"]
    assert row["industry_tushare"] == "港口" and row["exchange"] == "SH"
    assert company.frame["employees"].isna().sum() == 3


def _copy(data_dir: Path, tmp_path: Path) -> Path:
    dst = tmp_path / "raw"
    shutil.copytree(data_dir / FOLDER, dst / FOLDER)
    return dst


def _rewrite(path: Path, edit) -> None:
    obj = json.loads(path.read_text(encoding="utf-8"))
    edit(obj)
    path.write_text(json.dumps(obj, ensure_ascii=False), encoding="utf-8")


@pytest.mark.realdata
def test_bad_rows_are_quarantined_and_counts_reconcile(data_dir: Path, tmp_path: Path) -> None:
    raw = _copy(data_dir, tmp_path)
    path = raw / FOLDER / "stock_basic.json"

    def edit(obj: dict) -> None:
        obj["list_date"]["5"] = "2019-13-45"  # garbage date
        obj["ts_code"]["7"] = obj["ts_code"]["6"]  # duplicate key
        obj["ts_code"]["8"] = "ABC"  # malformed code

    _rewrite(path, edit)
    res = load_stock_basic(raw)
    assert res.rows_read == 5363 and res.rows_accepted == 5360
    reasons = dict(zip(res.quarantine["row"], res.quarantine["reason"], strict=True))
    assert reasons == {
        6: "unparseable list_date",
        8: "duplicate ts_code (first occurrence kept)",
        9: "malformed ts_code",
    }


@pytest.mark.realdata
def test_missing_column_names_file_and_column(data_dir: Path, tmp_path: Path) -> None:
    raw = _copy(data_dir, tmp_path)
    _rewrite(raw / FOLDER / "stock_company.json", lambda o: o.pop("city"))
    with pytest.raises(SourceError, match=r"stock_company\.json.*column 'city'"):
        load_stock_company(raw)


@pytest.mark.realdata
def test_truncated_and_empty_files(data_dir: Path, tmp_path: Path) -> None:
    raw = _copy(data_dir, tmp_path)
    path = raw / FOLDER / "stock_basic.json"
    path.write_bytes(path.read_bytes()[:5000])
    with pytest.raises(SourceError, match=r"stock_basic\.json.*truncated JSON"):
        load_stock_basic(raw)
    path.write_bytes(b"")
    with pytest.raises(SourceError, match=r"stock_basic\.json.*empty"):
        load_stock_basic(raw)


def test_wrong_encoding_is_refused(tmp_path: Path) -> None:
    path = tmp_path / FOLDER / "stock_basic.json"
    path.parent.mkdir(parents=True)
    path.write_bytes('{"ts_code": {"0": "000001.SZ"}, "name": {"0": "平安"}}'.encode("utf-16"))
    with pytest.raises(SourceError, match="cannot decode"):
        load_stock_basic(tmp_path)
