"""navmap.xlsx against its contract: the six sheets in planners' terms, Chinese headers, frozen header
rows, autofilters, fitted widths, number formats, one row per target, deterministic bytes."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest
from test_outputs_navmap import real_navmap, synthetic_navmap

from matcher.outputs.excel import SHEETS, display_width, read_sheet, write_excel
from matcher.outputs.navmap import TARGET_HEADERS


def test_display_width_counts_cjk_double() -> None:
    assert display_width("abc") == 3
    assert display_width("秦皇岛") == 6
    assert display_width(None) == 0


def test_workbook_contract_on_synthetic_map(tmp_path: Path) -> None:
    nav = synthetic_navmap()
    path = write_excel(nav, tmp_path / "navmap.xlsx")
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames == list(SHEETS)
    ws = wb["目标企业清单"]
    headers = [c.value for c in ws[1]]
    assert headers[:3] == [TARGET_HEADERS["rank"], TARGET_HEADERS["name"], TARGET_HEADERS["stock_code"]]
    assert "推荐理由" in headers and "建议落地县区" in headers and "招商方向" in headers
    assert ws.freeze_panes == "C2"
    assert ws.auto_filter.ref is not None and ws.auto_filter.ref.startswith("A1:")
    assert ws.max_row == len(nav.targets) + 1
    score_col = headers.index("匹配得分") + 1
    assert ws.cell(row=2, column=score_col).number_format == "0.000"
    reasons_col = openpyxl.utils.get_column_letter(headers.index("推荐理由") + 1)
    assert ws.column_dimensions[reasons_col].width >= 30
    assert ws.cell(row=2, column=headers.index("推荐理由") + 1).alignment.wrap_text
    for name in SHEETS:
        s = wb[name]
        assert s.freeze_panes is not None, name
        assert s.auto_filter.ref, name
    assert wb["总览"]["A1"].value == "合成市招商导航图"
    ov = read_sheet(path, "总览")
    assert {"项目", "内容"} <= set(ov.columns)
    assert ov["项目"].astype(str).str.startswith("模型质量").any()
    chains = read_sheet(path, "产业链图谱")
    assert {"产业链", "环节", "本地企业数", "全国链主企业", "建议方向"} <= set(chains.columns)
    counties = read_sheet(path, "县区落地建议")
    assert set(counties["县区"]) == {"合成甲区", "合成乙县", "合成丙开发区"}
    out = read_sheet(path, "走出去")
    assert out["目标企业数"].sum() == len(nav.targets)
    notes = read_sheet(path, "数据说明")
    assert notes["类别"].isin(["数据来源", "口径", "模型权重"]).all() or len(notes) > 10


def test_workbook_bytes_are_deterministic(tmp_path: Path) -> None:
    a = write_excel(synthetic_navmap(), tmp_path / "a.xlsx").read_bytes()
    b = write_excel(synthetic_navmap(), tmp_path / "b.xlsx").read_bytes()
    assert a == b


@pytest.mark.realdata
@pytest.mark.slow
def test_real_workbook(data_dir: Path, registry_workdir: Path, tmp_path: Path) -> None:
    nav = real_navmap(str(data_dir), str(registry_workdir))
    path = write_excel(nav, tmp_path / "navmap.xlsx")
    t = read_sheet(path, "目标企业清单")
    assert len(t) == len(nav.targets)
    assert t["推荐理由"].notna().all() and t["建议落地县区"].notna().all()
    assert t["排名"].tolist()[:5] == [1, 2, 3, 4, 5]
    c = read_sheet(path, "县区落地建议")
    assert c["县区"].nunique() == 9
    chains = read_sheet(path, "产业链图谱")
    assert (chains["链归属依据"] == "产业链模板").sum() >= 10
    assert chains.loc[chains["链归属依据"] == "产业链模板", "全国链主企业"].notna().all()
    out = read_sheet(path, "走出去")
    assert {"京津冀", "长三角", "珠三角", "东北"} <= set(out["区域"])
