"""Planners read Chinese (issue 18): no English words, code paths or metric acronyms in the workbook, the
page, the brief, the trip files, not_recommended.csv or the reasons of targets.csv — only the explicit
allow-list of :mod:`planner_text` (names written in Latin letters, stock codes, units, the firms' own
names). The analysts' sheet 模型检验 keeps the metrics' acronyms; source columns keep URLs and the
original quotation. Booleans read 是/否."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from planner_text import ALLOWED_WORDS, latin_words, navmap_texts, not_allowed, trip_texts, xlsx_texts
from test_outputs_navmap import real_navmap, synthetic_navmap

from matcher import resources
from matcher.outputs import trips as T
from matcher.outputs.navmap import write_navmap


def test_the_scan_finds_english_and_keeps_to_its_allow_list() -> None:
    found = not_allowed([("产业链图谱", "中信戴卡 (aluminium wheels, chassis parts) in the 开发区"),
                         ("总览", "模型质量：ROC-AUC 0.894，matcher.model.match.FirmCountyRanker"),
                         ("行程", "True")])
    assert found["产业链图谱"] == {"aluminium", "wheels", "chassis", "parts", "in", "the"}
    assert {"ROC-AUC", "matcher", "FirmCountyRanker"} <= found["总览"]
    assert found["行程"] == {"True"}
    ok = [("x", "*ST中嘉、京东方A、TCL科技（000100）；企业编号 S:600050；见 navmap.xlsx；数据：Tushare；约776 km")]
    assert not_allowed(ok, firm_names=["TCL科技", "京东方A"]) == {}
    assert not_allowed(ok) == {"x": {"TCL"}}  # a Latin brand is allowed only as the name of a firm listed
    assert latin_words("600000.SH 与 S:600000") == set()
    assert len(ALLOWED_WORDS) <= 12  # explicit and short


def _pack_values(obj: object) -> list[tuple[str, str | None]]:
    """(value, text) of every fact of a city pack (dicts with a 'value')."""
    out: list[tuple[str, str | None]] = []
    if isinstance(obj, dict):
        if "value" in obj and "source" in obj:
            out.append((str(obj["value"]), obj.get("text")))
        for v in obj.values():
            out += _pack_values(v)
    elif isinstance(obj, list):
        for v in obj:
            out += _pack_values(v)
    return out


def test_city_pack_and_chain_facts_carry_a_chinese_text() -> None:
    """Every fact whose original note is not Chinese has a ``text`` a planner can read (the original stays
    as the source's quotation)."""
    pack = yaml.safe_load(resources.read_text("cities/qinhuangdao.yaml"))
    missing = [v for v, t in _pack_values(pack) if latin_words(v) - set(ALLOWED_WORDS) and (not t or latin_words(t) - set(ALLOWED_WORDS))]
    assert missing == []
    for path in resources.data_files("chains", ".yaml"):
        chain = yaml.safe_load(path.read_text(encoding="utf-8"))
        for ev in chain.get("local_evidence") or []:
            text = ev.get("text") or ev["fact"]
            assert not latin_words(str(text)) - set(ALLOWED_WORDS), (path.name, ev["fact"])


def _firm_names(nav) -> list[object]:  # noqa: ANN001 - Navmap
    return list(nav.firms["name"]) if nav.firms is not None else []


def test_synthetic_navmap_and_trip_speak_chinese(tmp_path: Path) -> None:
    nav = synthetic_navmap()
    paths = write_navmap(nav, tmp_path / "nav")
    assert not_allowed(navmap_texts(paths), _firm_names(nav)) == {}
    from test_outputs_trips import hour_legs, synthetic_ranked, toy

    square = {"990100": (0.0, 0.0), "990200": (0.0, 1.0), "990300": (1.0, 1.0), "990400": (1.0, 0.0)}  # synthetic codes
    ranked = synthetic_ranked({"990200": (0.9, 4), "990300": (0.8, 4), "990400": (0.7, 4)})
    plan = T.plan_trip("990100", ["990200", "990300", "990400"], ranked, square, 3, assumptions=hour_legs(), travel=toy(square),
                       city_names={"990100": "家", "990200": "甲", "990300": "乙", "990400": "丙"})
    files = T.write_trip(plan, tmp_path / "trip")
    assert not_allowed(trip_texts(files)) == {}


def test_the_workbook_keeps_acronyms_for_analysts_only(tmp_path: Path) -> None:
    from openpyxl import load_workbook

    nav = synthetic_navmap()
    paths = write_navmap(nav, tmp_path)
    wb = load_workbook(paths["navmap.xlsx"], read_only=True)
    assert "模型检验" in wb.sheetnames
    tech = [c for row in wb["模型检验"].iter_rows(values_only=True) for c in row if isinstance(c, str)]
    assert "roc_auc" in tech  # the metric as measured, for analysts
    overview = " ".join(t for w, t in xlsx_texts(paths["navmap.xlsx"]) if ":总览!" in w)
    assert "ROC" not in overview and "matcher." not in overview


@pytest.mark.realdata
@pytest.mark.slow
def test_real_outputs_speak_chinese(data_dir: Path, real_workdir: Path, tmp_path: Path) -> None:
    """秦皇岛's map with every eligible firm, and its 东北 trip: every text a planner reads."""
    nav = real_navmap(str(data_dir), str(real_workdir))
    paths = write_navmap(nav, tmp_path / "nav")
    names = _firm_names(nav)
    assert not_allowed(navmap_texts(paths), names) == {}
    plan = T.build_trip("秦皇岛", targets=nav.targets, firms=nav.firms, data_dir=data_dir, cities=["大连", "长春", "哈尔滨"], days=4)
    files = T.write_trip(plan, tmp_path / "trip")
    assert not_allowed(trip_texts(files), names) == {}
