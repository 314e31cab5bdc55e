"""navmap.md: a short Markdown brief — the top targets per chain and per county, and where they are.

Written for a meeting: a few lines of overview, then per chain (most targets first) its best three
targets with the action and landing county, then per county its best three, then the home regions.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from matcher.outputs.safe import md_text

if TYPE_CHECKING:
    from matcher.outputs.navmap import Navmap


def _md(text: object) -> str:
    s = "" if text is None or (isinstance(text, float) and pd.isna(text)) or text is pd.NA else str(text)
    return md_text(s)  # HTML escaped, | and line breaks neutralised (matcher.outputs.safe)


def _first_reason(reasons: object, n: int = 2) -> str:
    parts = _md(reasons).split("；")
    return "；".join(parts[:n])


def render_brief(navmap: Navmap, chains: int = 8, per_chain: int = 3, per_county: int = 3) -> str:
    t = navmap.targets
    m = navmap.meta
    lines = [f"# {navmap.city}招商导航图（简报）", ""]
    lines.append(
        f"数据截至 {m.get('data_vintage', '不详')}。全国 {m.get('n_scored', 0)} 家符合条件的企业逐一与"
        f"{navmap.city} {m.get('n_units', 0)} 个县级单位匹配打分，推荐 {len(t)} 家"
        + (f"（强链 {int((t['action'] == '强链').sum())}、补链 {int((t['action'] == '补链').sum())}、"
           f"延链 {int((t['action'] == '延链').sum())}）。" if len(t) else "。")
    )
    nr = getattr(navmap, "not_recommended", None)
    if nr is not None and len(nr):
        counts = nr["rule"].value_counts()
        lines += ["", "未推荐：" + "、".join(f"{k} {v} 家" for k, v in counts.items()) + "（名单与原因见 not_recommended.csv / navmap.xlsx“未推荐”）。"]
    opts = "；".join(f"{k}：{v}" for k, v in navmap.options.describe().items())
    lines += ["", f"筛选条件：{opts}。", "", "完整清单见 targets.csv / navmap.xlsx，图示见 navmap.html。", ""]
    if t.empty:
        lines.append("没有符合条件的目标企业。")
        return "\n".join(lines) + "\n"

    lines += ["## 按产业链：首选目标", ""]
    counts = t.groupby("chain").size().sort_values(ascending=False, kind="stable")
    for chain in counts.index[:chains]:
        g = t[t["chain"] == chain].sort_values("rank", kind="stable").head(per_chain)
        lines.append(f"### {_md(chain)}（{int(counts[chain])} 家）")
        lines.append("")
        lines.append("| 排名 | 企业 | 环节 | 方向 | 总部 | 建议落地 | 理由 |")
        lines.append("|---:|---|---|---|---|---|---|")
        for r in g.itertuples(index=False):
            lines.append(f"| {r.rank} | {_md(r.name)} | {_md(r.segment)} | {_md(r.action)} | {_md(r.home_city)} | "
                         f"{_md(r.county_name)} | {_first_reason(r.reasons)} |")
        lines.append("")

    lines += ["## 按县区：落地建议", ""]
    c = navmap.counties
    for code in navmap.units["county_code"].astype(str):
        g = c[(c["county_code"] == code)].sort_values("fit_rank", kind="stable").head(per_county)
        if g.empty:
            continue
        name = _md(g["county_name"].iloc[0])
        firms = "；".join(f"{_md(r.name)}（{_md(r.chain)}·{_md(r.segment)}，{_md(r.action)}，{_md(r.home_city)}）"
                         for r in g.itertuples(index=False))
        lines.append(f"- **{name}**：{firms}")
    lines.append("")

    lines += ["## 走出去：目标企业来源", ""]
    o = navmap.outbound
    if len(o):
        reg = o.groupby("home_region", sort=False).agg(n=("targets", "sum"))
        for region, row in reg.iterrows():
            top = o[o["home_region"] == region].head(3)
            cities = "、".join(f"{_md(r.home_city)} {r.targets} 家" for r in top.itertuples(index=False))
            lines.append(f"- **{_md(region)}**：{int(row['n'])} 家（{cities}）")
    lines.append("")
    return "\n".join(lines) + "\n"


def write_brief(navmap: Navmap, path: str | Path) -> Path:
    path = Path(path)
    path.write_text(render_brief(navmap), encoding="utf-8", newline="\n")
    return path
