"""Issue 14, "Nothing lost, nothing injected": one test (or a few) per defect found against bdaa6b0, each
written so that it fails on that commit's behaviour. The fuzz suite (test_faults_fuzz.py) and the kill
test (test_faults_kill.py) cover the same ground with generated input.

Defects: 1 user files kept; 2 killed builds (test_faults_kill.py, plus cache checks here); 3 formula
injection; 4 script injection (the browser check is in test_faults_fuzz.py); 5 inputs verified; 6
values; 7 raw tracebacks; 8 filters that match nothing; 9 unclear errors; 10 summary of user files.
"""

from __future__ import annotations

import json
import re
import shutil
import zipfile
from pathlib import Path

import pandas as pd
import pytest
from faults_helpers import FAULTS, HOSTILE, USER_FORMATS, data_copy, one_clear_line, run_cli

BAD_ROWS = USER_FORMATS / "synthetic_registry_bad_rows.csv"
VARIANTS = FAULTS / "little_giants_variants.csv"


# ------------------------------------------------------------------------------------------------
# a work directory built with user files (real data), shared by the tests below


@pytest.fixture(scope="module")
def user_workdir(data_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    wd = tmp_path_factory.mktemp("user_work")
    res = run_cli("build", "--workdir", wd, "--registry", BAD_ROWS, "--little-giants", VARIANTS, "--no-registry",
                  data_dir=data_dir)  # the registry-evidence stage (minutes) is not what these tests are about
    assert res.returncode == 0, res.stderr[-3000:]
    return wd


def _user_rows(wd: Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    firms = pd.read_parquet(wd / "firms.parquet")
    q = pd.read_parquet(wd / "quarantine.parquet")
    return (firms[firms["sources"].astype(str).str.contains("registry.export|miit.little_giants")],
            q[q["source"].isin(["registry.export", "miit.little_giants"])])


# ------------------------------------------------------------------------------------------------
# 1. user files are kept through build → navmap → profile


@pytest.mark.realdata
@pytest.mark.slow
def test_1_user_files_survive_build_navmap_profile(user_workdir: Path, data_dir: Path, tmp_path: Path) -> None:
    def check() -> None:
        firms, q = _user_rows(user_workdir)
        # registry: 9 rows read = 2 firms + 7 quarantined; little giants: 8 rows = 4 firms + 4 legal-form repeats
        assert firms["sources"].str.contains("registry.export").sum() == 2
        assert firms["is_little_giant"].sum() >= 4
        assert (q["source"] == "registry.export").sum() == 7
        assert (q["source"] == "miit.little_giants").sum() == 4

    check()
    # a user file given to navmap joins the recorded ones (the little-giant list is not dropped)
    res = run_cli("navmap", "--city", "秦皇岛", "--workdir", user_workdir, "--out", tmp_path / "nav", "--top", "20",
                  "--registry", BAD_ROWS, data_dir=data_dir)
    assert res.returncode == 0, res.stderr[-3000:]
    check()
    res = run_cli("profile", "--city", "秦皇岛", "--workdir", user_workdir, "--out", tmp_path / "prof", "--no-registry",
                  data_dir=data_dir)
    assert res.returncode == 0, res.stderr[-3000:]
    check()
    report = json.loads((user_workdir / "firms_report.json").read_text(encoding="utf-8"))
    for info in report["user_files"].values():
        assert info["reconciles"], info


# ------------------------------------------------------------------------------------------------
# 2. the cache: broken or replaced artifacts are rebuilt (the kill test is test_faults_kill.py)


def test_2_cache_rebuilds_truncated_replaced_and_same_size_artifacts(tmp_path: Path) -> None:
    from matcher.cache import Artifact, cached

    calls: list[int] = []

    def build() -> Artifact:
        calls.append(1)
        return Artifact({"t": pd.DataFrame({"firm_id": ["a", "b"], "v": [1, 2]})})

    art, fp = cached(tmp_path, "t", "fp1", build)
    assert len(calls) == 1
    p = tmp_path / "t.parquet"
    good = p.read_bytes()
    # a valid Parquet of the same size with other content (a replaced file): rebuilt, not read
    other = pd.DataFrame({"firm_id": ["x", "y"], "v": [7, 9]})
    other.to_parquet(p, index=False)
    if p.stat().st_size == len(good):
        again, _ = cached(tmp_path, "t", "fp1", build)
        assert again.frames["t"]["firm_id"].tolist() == ["a", "b"]
    # same size, bytes flipped in the middle
    bad = bytearray(good)
    bad[len(bad) // 2] ^= 0xFF
    p.write_bytes(bytes(bad))
    again, _ = cached(tmp_path, "t", "fp1", build)
    assert again.frames["t"]["firm_id"].tolist() == ["a", "b"]
    assert p.read_bytes() == good
    # truncated to 0 bytes beside a fresh meta file
    p.write_bytes(b"")
    again, _ = cached(tmp_path, "t", "fp1", build)
    assert again.frames["t"]["firm_id"].tolist() == ["a", "b"] and p.read_bytes() == good
    # a corrupt meta file
    (tmp_path / "t.meta.json").write_text("{bad", encoding="utf-8")
    again, _ = cached(tmp_path, "t", "fp1", build)
    assert again.frames["t"]["firm_id"].tolist() == ["a", "b"]
    assert len(calls) >= 4


# ------------------------------------------------------------------------------------------------
# 3. formula injection, 4. script injection (static checks; the browser check is in the fuzz suite)


def _hostile_navmap():  # noqa: ANN202 - matcher.outputs.navmap.Navmap
    from test_outputs_navmap import synthetic_inputs

    from matcher.outputs.navmap import NavmapOptions, assemble_navmap

    matches, firms, units = synthetic_inputs()
    picks = {"S:F1": 0, "S:F2": 8, "S:F3": 1, "U:F4": 9, "S:F5": 2, "S:F6": 12, "S:L1": 3, "S:L2": 10}
    names = {fid: HOSTILE[i] for fid, i in picks.items()}
    firms["name"] = firms["firm_id"].map(names)
    firms["city"] = firms["city"].where(firms["firm_id"] != "S:F1", "<img src=x onerror=alert(1)>")
    matches["name"] = matches["firm_id"].map(names)
    matches["reasons"] = "=1+1；" + matches["reasons"] + "<script>alert(2)</script>"
    quality = pd.DataFrame({"benchmark": ["entry"], "model": ["rankers.synthetic"], "metric": ["roc_auc"], "value": [0.75]})
    return assemble_navmap("合成市", "990100", matches, firms, units, NavmapOptions(top=0), quality=quality)


def sheet_formulas(xlsx: Path) -> list[str]:
    """Every <f> (formula) element in the workbook's sheet XML."""
    with zipfile.ZipFile(xlsx) as z:
        return [m for n in z.namelist() if n.startswith("xl/worksheets/") for m in re.findall(r"<f[ >].*?</f>|<f/>", z.read(n).decode())]


def test_3_navmap_xlsx_has_no_formulas_and_csv_is_neutralised(tmp_path: Path) -> None:
    from matcher.outputs.navmap import write_navmap

    nav = _hostile_navmap()
    paths = write_navmap(nav, tmp_path)
    assert sheet_formulas(paths["navmap.xlsx"]) == []
    from openpyxl import load_workbook

    wb = load_workbook(paths["navmap.xlsx"])
    names = [c.value for c in wb["目标企业清单"]["B"][1:]]
    assert "=cmd|' /C calc'!A0" in names  # the text itself, as a string cell
    raw = pd.read_csv(paths["targets.csv"], dtype=str, encoding="utf-8-sig", keep_default_na=False)
    for col in raw.columns:
        for v in raw[col]:
            assert not v.startswith(("=", "+", "-", "@", "\t", "\r")) or _is_number(v), (col, v)
    assert "'=cmd|' /C calc'!A0" in set(raw["name"])


def _is_number(v: str) -> bool:
    try:
        float(v)
        return True
    except ValueError:
        return False


def test_3_trip_xlsx_has_no_formulas(tmp_path: Path) -> None:
    from test_outputs_trips import SQUARE, hour_legs, synthetic_ranked

    from matcher.outputs import trips as T

    ranked = synthetic_ranked({"A": (0.9, 3), "B": (0.8, 3), "C": (0.7, 3)})
    ranked["name"] = [HOSTILE[i % len(HOSTILE)] for i in range(len(ranked))]
    ranked["reasons"] = "=HYPERLINK(\"http://example.invalid\")"
    plan = T.plan_trip("H", ["A", "B", "C"], ranked, SQUARE, 3, assumptions=hour_legs())
    paths = T.write_trip(plan, tmp_path)
    assert sheet_formulas(paths["xlsx"]) == []
    md = paths["md"].read_text(encoding="utf-8")
    assert "<img" not in md and "<script" not in md


def test_4_navmap_html_and_markdown_escape_data(tmp_path: Path) -> None:
    from matcher.outputs.navmap import write_navmap

    paths = write_navmap(_hostile_navmap(), tmp_path)
    page = paths["navmap.html"].read_text(encoding="utf-8")
    # data travel only as JSON with every '<' escaped: no tag from the data anywhere in the page
    for tag in ("<img src=x", "<svg onload", "<script>alert"):
        assert tag not in page
    # the tooltip formatter escapes what it joins into HTML
    assert "esc(d.name)" in page and "esc(d.firms)" in page
    md = paths["navmap.md"].read_text(encoding="utf-8")
    assert "<" not in md and "&lt;img src=x onerror=alert(9)&gt;" in md


# ------------------------------------------------------------------------------------------------
# 5. build verifies its inputs against the manifest


UNICORNS = "cbinsights_unicorns_scraper/unicorns_2024-02-27_clean.csv"


@pytest.mark.realdata
def test_5_build_refuses_a_same_size_edit_naming_the_file(data_dir: Path, tmp_path: Path) -> None:
    text = (data_dir / UNICORNS).read_bytes()
    assert b",225.0," in text
    edited = text.replace(b",225.0,", b",925.0,", 1)
    assert len(edited) == len(text)
    dd = data_copy(data_dir, tmp_path / "data", {UNICORNS: edited})
    res = run_cli("build", "--data", dd, "--workdir", tmp_path / "w", data_dir=dd)
    one_clear_line(res, "unicorns_2024-02-27_clean.csv", "manifest", "--accept-altered-data")
    assert not (tmp_path / "w" / "firms.parquet").exists()


@pytest.mark.realdata
def test_5_verification_is_cached_and_acceptance_is_recorded(data_dir: Path, tmp_path: Path) -> None:
    from matcher.sources.verify import DataAltered, verify_data

    text = (data_dir / UNICORNS).read_bytes()
    dd = data_copy(data_dir, tmp_path / "data", {UNICORNS: text.replace(b",225.0,", b",925.0,", 1)})
    wd = tmp_path / "w"
    wd.mkdir()
    with pytest.raises(DataAltered, match="unicorns_2024-02-27_clean.csv"):
        verify_data(dd, wd)
    v = verify_data(dd, wd, accept_altered=True)
    assert v.altered == (UNICORNS,) and v.hashed == 0  # digests remembered by size and mtime
    assert verify_data(dd, wd).altered == (UNICORNS,)  # accepted once: later commands go on
    (dd / UNICORNS).write_bytes(text.replace(b",225.0,", b",926.0,", 1))  # changed again: refused again
    with pytest.raises(DataAltered):
        verify_data(dd, wd)


# ------------------------------------------------------------------------------------------------
# 6. values silently wrong


def test_6_capital_and_dates() -> None:
    from matcher.sources.registry import load_registry_export, parse_capital

    assert parse_capital("1e3万") == (1000.0, "CNY", True)
    assert parse_capital("500万元整") == (500.0, "CNY", True)
    assert parse_capital("2.5E2万美元") == (250.0, "USD", True)
    assert parse_capital("1e3x万")[2] is False
    res = load_registry_export(FAULTS / "registry_values.csv")
    f = res.frame.set_index("legal_name")
    assert f.at["测甲科技有限公司", "reg_capital_wan"] == 1000.0
    assert f.at["测丙科技有限公司", "reg_capital_wan"] == 500.0
    q = res.quarantine.set_index("row")["reason"]
    assert "impossible 成立日期" in q[3] and "impossible 成立日期" in q[4]  # 2099-01-01, 1800-01-01
    assert q[5] == "unparseable 注册资本"
    assert res.rows_read == res.rows_accepted + res.rows_quarantined == 6


def test_6_two_row_merged_header_reads_every_column() -> None:
    from matcher.sources.miit import load_little_giants

    res = load_little_giants(FAULTS / "little_giants_two_row_header.xlsx")
    f = res.frame
    assert len(f) == 4 and res.rows_quarantined == 0
    assert f["province"].tolist() == ["河北省", "河北省", "河北省", "浙江省"]  # merged down over three firms
    assert f["main_product"].tolist() == ["精密减速器", "医用导管", "特种玻璃纤维", "传感器"]
    assert f["field"].notna().all()


@pytest.mark.realdata
def test_6_planned_city_in_the_province_column_is_located(data_dir: Path) -> None:
    from matcher.firms.locate import user_geo
    from matcher.sources.miit import load_little_giants

    fr = load_little_giants(VARIANTS).frame
    g, src = user_geo("little_giants", fr, fr["legal_name"], data_dir)
    row = fr.index[fr["province"] == "宁波"][0]
    assert g.at[row, "city"] == "宁波市" and g.at[row, "geo_level"] == "city"


@pytest.mark.realdata
def test_6_legal_form_variants_reconcile_and_lookalikes_stay_apart(real_firms: pd.DataFrame, data_dir: Path) -> None:
    from matcher.firms.master import load_user_file, user_file_duplicates, user_firms

    res = user_file_duplicates(load_user_file("little_giants", VARIANTS))
    assert res.rows_read == 8 and res.rows_quarantined == 4
    assert res.quarantine["reason"].str.contains("same firm as row 1").all()
    new, updates, counts = user_firms("little_giants", res, real_firms, data_dir)
    assert counts["linked_to_listed"] + counts["linked_to_user_firms"] + counts["new_firms"] + res.rows_quarantined == 8
    linked_names = set(real_firms.set_index("firm_id").loc[updates["firm_id"], "name"]) if len(updates) else set()
    assert not any("君实" in n or "越剑" in n for n in linked_names), linked_names
    assert {"测乙生物医药科技有限公司 (上海)", "浙江测辛智能装备有限公司"} <= set(new["name"])


# ------------------------------------------------------------------------------------------------
# 7. raw tracebacks → one clear line, exit 2


@pytest.mark.realdata
@pytest.mark.parametrize("case", ["out_is_file", "out_under_file", "out_not_writable"])
def test_7_bad_out_folder(case: str, data_dir: Path, tmp_path: Path) -> None:
    blocker = tmp_path / "afile"
    blocker.write_text("x")
    out = {"out_is_file": blocker, "out_under_file": blocker / "x", "out_not_writable": Path("/sys/matcher-out")}[case]
    from matcher.outputs.safe import OutputError, out_dir

    with pytest.raises(OutputError, match=re.escape(str(out))):
        out_dir(out)
    if case != "out_not_writable":
        res = run_cli("trip", "--city", "秦皇岛", "--cities", "大连", "--days", "1", "--out", out,
                      "--workdir", tmp_path / "w", data_dir=data_dir)
        one_clear_line(res, str(out))


def test_7_workdir_is_a_file_and_missing_user_file(tmp_path: Path, data_dir: Path) -> None:
    f = tmp_path / "afile"
    f.write_text("x")
    one_clear_line(run_cli("build", "--workdir", f, data_dir=data_dir), str(f))
    one_clear_line(run_cli("build", "--workdir", tmp_path / "w", "--registry", tmp_path / "nope.csv", data_dir=data_dir),
                   "nope.csv", "missing")


@pytest.mark.realdata
@pytest.mark.slow
@pytest.mark.parametrize(("name", "how"), [
    ("firms.meta.json", "text"), ("regions.meta.json", "text"), ("regions_county.parquet", "cut"),
    ("chain_relations.parquet", "cut"),
])
def test_7_corrupt_cache_files_are_rebuilt(name: str, how: str, user_workdir: Path, data_dir: Path, tmp_path: Path) -> None:
    wd = tmp_path / "w"
    shutil.copytree(user_workdir, wd)
    p = wd / name
    if how == "text":
        p.write_text("{not json", encoding="utf-8")
    else:
        p.write_bytes(p.read_bytes()[:1000])
    res = run_cli("profile", "--city", "秦皇岛", "--workdir", wd, "--out", tmp_path / "p", "--no-registry", data_dir=data_dir)
    assert res.returncode == 0 and "Traceback" not in res.stderr, res.stderr[-3000:]
    res = run_cli("build", "--workdir", wd, "--no-registry", data_dir=data_dir)
    assert res.returncode == 0 and "Traceback" not in res.stderr, res.stderr[-3000:]
    firms, q = _user_rows(wd)  # the user files' rows are still there after the rebuild
    assert firms["sources"].str.contains("registry.export").sum() == 2 and (q["source"] == "registry.export").sum() == 7


# ------------------------------------------------------------------------------------------------
# 8. filters that match nothing are refused, listing the valid values


@pytest.mark.parametrize(("options", "message"), [
    ({"chains": ("不存在的链",)}, "unknown chain '不存在的链'; chains: 医药、"),
    ({"home_regions": ("火星",)}, "unknown home region '火星'; region groups: "),
    ({"per_county": -1}, "per-county must be >= 1"),
])
def test_8_filters_matching_nothing_are_refused(options: dict, message: str) -> None:
    from test_outputs_navmap import synthetic_navmap

    from matcher.outputs.navmap import NavmapOptions

    with pytest.raises(ValueError, match=re.escape(message)):
        synthetic_navmap(NavmapOptions(top=0, **options))


@pytest.mark.realdata
@pytest.mark.slow
def test_8_cli_refuses_unknown_chain(user_workdir: Path, data_dir: Path, tmp_path: Path) -> None:
    res = run_cli("navmap", "--city", "秦皇岛", "--workdir", user_workdir, "--out", tmp_path / "o", "--chain", "不存在的链",
                  data_dir=data_dir)
    line = one_clear_line(res, "不存在的链", "生命健康")
    assert not (tmp_path / "o" / "targets.csv").exists(), line
    res = run_cli("navmap", "--city", "秦皇岛", "--workdir", user_workdir, "--out", tmp_path / "o", "--per-county", "-1",
                  data_dir=data_dir)
    assert res.returncode == 2 and "Traceback" not in res.stderr and "per-county" in res.stderr


# ------------------------------------------------------------------------------------------------
# 9. unclear errors


def test_9_big5_is_named() -> None:
    from matcher.sources.base import SourceError
    from matcher.sources.miit import load_little_giants

    with pytest.raises(SourceError, match="Big5"):
        load_little_giants(FAULTS / "little_giants_big5.csv")
    # GB18030 files still read
    assert len(load_little_giants(USER_FORMATS / "synthetic_little_giants_gb18030.csv").frame) > 0


def test_9_cli_names_big5(tmp_path: Path, data_dir: Path) -> None:
    res = run_cli("data", "summary", "--little-giants", FAULTS / "little_giants_big5.csv", data_dir=data_dir)
    one_clear_line(res, "little_giants_big5.csv", "Big5")


# ------------------------------------------------------------------------------------------------
# 10. data summary reconciles user files, and a bad user file fails before the sources load


@pytest.mark.realdata
def test_10_summary_reconciles_user_files(data_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "summary.csv"
    res = run_cli("data", "summary", "--registry", BAD_ROWS, "--little-giants", VARIANTS, "--out", out, data_dir=data_dir)
    assert res.returncode == 0, res.stderr[-2000:]
    t = pd.read_csv(out, dtype=str).set_index("source")
    reg = t.loc[f"registry:{BAD_ROWS}"]
    lg = t.loc[f"little_giants:{VARIANTS}"]
    assert (reg["rows_read"], reg["accepted"], reg["quarantined"], reg["check"]) == ("9", "2", "7", "ok")
    assert (lg["rows_read"], lg["accepted"], lg["quarantined"], lg["check"]) == ("8", "4", "4", "ok")


def test_10_bad_user_file_fails_before_the_sources_load(tmp_path: Path, data_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from matcher import api
    from matcher.firms import master
    from matcher.sources.base import SourceError

    def no_sources(*_a, **_k):  # noqa: ANN002, ANN003, ANN202
        raise AssertionError("the sources were loaded before the user file was checked")

    monkeypatch.setattr(master, "load_inputs", no_sources)
    with pytest.raises(SourceError, match="Big5"):
        api.build(data_dir, tmp_path / "w", user_files=[("little_giants", FAULTS / "little_giants_big5.csv")])


@pytest.mark.realdata
def test_9_replaced_raw_parquet_is_named(data_dir: Path, tmp_path: Path) -> None:
    """A raw Parquet replaced by another valid Parquet is refused naming the file (was: error: 'firm_id')."""
    rel = "registry_sample_2019/registrations.parquet"
    other = tmp_path / "other.parquet"
    pd.DataFrame({"x": [1, 2, 3]}).to_parquet(other)
    dd = data_copy(data_dir, tmp_path / "data", {rel: other.read_bytes()})
    res = run_cli("build", "--data", dd, "--workdir", tmp_path / "w", data_dir=dd)
    one_clear_line(res, "registrations.parquet", "differs from the data manifest")
