"""Travel-time check: the rail-corridor estimate (:mod:`matcher.geo.travel`) against published times.

The validation pairs and their published times live in ``data/travel/validation.csv``, one public page
per pair (press releases and news reports quoting the timetable: the fastest scheduled train, in the
year the page gives). They were chosen before the network's constants were set and are never read
when the network is built (``build_network`` reads ``lines.csv`` only: lengths and speeds).

Pairs whose two cities lie on one line (no change of line needed) test only the speed assumption and
are reported apart from the pairs where the route itself had to be found; a pair that is a single edge
(adjacent stops of one line) is marked too. Pairs without a citable published time are listed with
their estimate and no error.

``run(out_dir)`` writes ``travel_times.csv`` and ``travel_times.md``.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np
import pandas as pd

from matcher import resources
from matcher.bench.results import git_commit
from matcher.geo.travel import LINES, RailAssumptions, RailNetwork, build_network, journey, load_lines
from matcher.outputs.safe import to_csv

__all__ = ["VALIDATION", "compare", "run", "summary"]

#: the published times the estimate is checked against (never read by the network build)
VALIDATION = "travel/validation.csv"


def _relation(net: RailNetwork, a: str, b: str) -> str:
    """'单段' (adjacent stops of one line), '同一线路' (both on one line), else '需换乘或接驳'."""
    for ln in net.lines.itertuples(index=False):
        codes = [c for _, c in ln.stops]
        if a in codes and b in codes:
            return "单段" if abs(codes.index(a) - codes.index(b)) == 1 else "同一线路"
    return "需换乘或接驳"


def compare(net: RailNetwork | None = None, validation: pd.DataFrame | None = None) -> pd.DataFrame:
    """One row per validation pair: estimate, route, published time, absolute error (hours), group."""
    net = net or build_network()
    v = pd.read_csv(resources.data_path(VALIDATION), dtype=str).fillna("") if validation is None else validation
    rows = []
    for r in v.itertuples(index=False):
        j = journey(net, r.from_code, r.to_code, {r.from_code: r.from_name, r.to_code: r.to_name})
        pub = float(r.published_hours) if str(r.published_hours).strip() else np.nan
        rows.append({
            "出发": r.from_name, "到达": r.to_name, "from_code": r.from_code, "to_code": r.to_code,
            "估算小时": round(j.hours, 2), "估算线路": j.describe(), "估算里程公里": round(j.km),
            "公布小时": pub, "公布原文": r.published_text,
            "估算减公布小时": round(j.hours - pub, 2) if pub == pub else np.nan, "绝对误差小时": round(abs(j.hours - pub), 2) if pub == pub else np.nan,
            "关系": _relation(net, j.from_code, j.to_code), "来源": r.source_url, "来源年份": r.source_year, "说明": r.note,
        })
    return pd.DataFrame(rows)


def summary(table: pd.DataFrame) -> pd.DataFrame:
    """Median and worst absolute error (hours) per group, with counts."""
    out = []
    groups = [("需换乘或接驳（路线靠模型寻找）", table["关系"] == "需换乘或接驳"),
              ("同一线路（只检验速度假设，含单段）", table["关系"] != "需换乘或接驳"),
              ("全部", pd.Series(True, index=table.index))]
    for label, mask in groups:
        e = table.loc[mask, "绝对误差小时"].dropna()
        out.append({"组别": label, "有公布时间的城市对": int(len(e)),
                    "中位绝对误差小时": round(float(e.median()), 2) if len(e) else np.nan,
                    "最大绝对误差小时": round(float(e.max()), 2) if len(e) else np.nan})
    return pd.DataFrame(out)


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()[:16]


def _commit() -> str:
    commit, dirty = git_commit()
    return (commit[:7] if commit else "unknown") + ("（含未提交的修改）" if dirty else "")


def _md_table(df: pd.DataFrame) -> str:
    cols = list(df.columns)
    lines = ["| " + " | ".join(cols) + " |", "|" + "---|" * len(cols)]
    for r in df.itertuples(index=False):
        cells = ["" if (isinstance(x, float) and x != x) else (f"{x:g}" if isinstance(x, float) else str(x)) for x in r]
        lines.append("| " + " | ".join(c.replace("|", "/") for c in cells) + " |")
    return "\n".join(lines)


def run(out_dir: str | Path | None = None, assumptions: RailAssumptions | None = None) -> dict[str, Path]:
    """Compare, and write ``travel_times.csv`` and ``travel_times.md`` into ``out_dir``."""
    out = Path(out_dir) if out_dir else resources.results_dir()
    out.mkdir(parents=True, exist_ok=True)
    a = assumptions or RailAssumptions()
    net = build_network(load_lines(), assumptions=a)
    table = compare(net)
    summ = summary(table)
    csv_path, md_path = out / "travel_times.csv", out / "travel_times.md"
    to_csv(table, csv_path, encoding="utf-8")  # matcher.outputs.safe: the one CSV rule
    no_pub = table[table["公布小时"].isna()]
    shown = table.drop(columns=["from_code", "to_code", "说明"])
    md = [
        "# 城际铁路时间：估算与公开时刻对比",
        "",
        f"由 `matcher bench travel`（`matcher/bench/travel.py`）生成。代码版本 {_commit()}；"
        f"线路数据 `data/travel/lines.csv`（sha256 {_sha(resources.data_path(LINES))}…，{len(net.lines)}条线路、{len(net.edges)}段）；"
        f"对照数据 `data/travel/validation.csv`（sha256 {_sha(resources.data_path(VALIDATION))}…）。",
        "",
        "## 误差",
        "",
        _md_table(summ),
        "",
        f"共{len(table)}个城市对，其中{len(table) - len(no_pub)}个找到可引用的公开时间。"
        "“同一线路”的城市对不需要换乘，只检验速度假设，单独列出；“单段”指线路上相邻两站。",
        "",
        f"估算偏长的{int((table['估算减公布小时'] > 0).sum())}对、偏短的{int((table['估算减公布小时'] < 0).sum())}对。"
        "参数（平均速度取线路时速的比例、换乘时间、接驳速度）在与对照时间比较之前确定，没有按对照结果调整。",
        "",
        "## 估算假设（规划人员请先读）",
        "",
        *[f"- {s}" for s in a.describe()],
        "",
        "## 估算不能反映的情况",
        "",
        "- 不知道实际开行哪些车次、是否有直达车、发车间隔和当天余票；公布时间是最快一班车，多数车次更慢；",
        "- 线路上的城市按地级市计，不区分同城的不同车站（如北京南、北京朝阳），也不含市内到车站的时间；",
        "- 不在线路表中的高铁（如京津城际、津保、京港、合福、贵广、南广、兰新等）按接驳或绕行计，相关城市之间的时间可能偏长；",
        "- 冬季运行图（东北高铁冬季降速）、施工限速和调图后提速都不反映；对照时间来自不同年份的报道，与现行时刻可能不同；",
        "- 部分线路的里程或时速没有找到公开出处，已在线路表中注明“未见引用”并按统一默认值估计。",
        "",
        "## 逐对结果",
        "",
        _md_table(shown),
        "",
        "对照时间只用于本表，不参与构建线路网络；线路网络只用公开资料中的线路里程和时速。"
        "津秦高铁、宝兰高铁的里程/时速与对应对照时间出自同一篇报道，但只取了里程和时速。",
    ]
    if len(no_pub):
        md += ["", "未找到可引用公开时间的城市对：" + "、".join(f"{r.出发}—{r.到达}" for r in no_pub.itertuples()) +
               "（只列估算，不计误差）。"]
    md_path.write_text("\n".join(md) + "\n", encoding="utf-8")
    return {"csv": csv_path, "md": md_path}
