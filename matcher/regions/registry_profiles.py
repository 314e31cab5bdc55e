"""County profiles from the registry sample: registrations by GB/T 4754 division and by chain segment, per
time window, with RCA / presence / density from the one relatedness implementation (:mod:`matcher.relatedness`).

The registry is a **sample** (190 large province-year files absent, e.g. 河北 2015–2018; SOURCE.md), so
counts are for comparisons between a city's units and within a window, never totals; every table says
so in its ``note`` column and the summaries say it in Chinese.

Tables (pure functions of the ``registry`` frame of :func:`matcher.firms.registry.build_registry`):

``registry_profiles`` (:data:`PROFILE_COLUMNS`) — one row per window × county unit × division with at
least one registration, or with a positive density: window, county_code, division, n_registry, share
(of the unit's registrations in the window), rca (Balassa against the nation's registrations of the
window), present (rca ≥ 1), density (relatedness density of the division given the unit's present
divisions; proximity from co-location across prefecture cities, as the listed-firm profiles do).

``registry_segments`` (:data:`SEGMENT_COLUMNS`) — window × county unit × chain × segment: n_registry of
registrations in the segment (a registration is in a segment when its division is one of the
segment's GB/T codes' divisions and, for a code finer than a division, its name contains one of the
segment's product terms or the GB/T class's name), rca against the nation.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

import numpy as np
import pandas as pd

from matcher import relatedness as R

#: (label, first year, last year) — the last window reaches to the sample's end (2019-04)
WINDOWS: tuple[tuple[str, int, int], ...] = (("all", 1949, 2019), ("2004-2008", 2004, 2008),
                                             ("2009-2013", 2009, 2013), ("2014-2019", 2014, 2019))
PROFILE_COLUMNS = ["window", "county_code", "division", "n_registry", "share", "rca", "present", "density"]
SEGMENT_COLUMNS = ["window", "county_code", "chain", "segment", "segment_name", "n_registry", "rca"]
SAMPLE_NOTE = "登记样本（非全量）：仅用于同一窗口内各县区之间的比较"


def _in_window(reg: pd.DataFrame, first: int, last: int) -> pd.Series:
    y = reg["reg_year"].astype("float64")
    return (y >= first) & (y <= last)


def division_profiles(reg: pd.DataFrame, windows: Sequence[tuple[str, int, int]] = WINDOWS) -> pd.DataFrame:
    """:data:`PROFILE_COLUMNS` for every county unit with registrations, per window."""
    parts = []
    base = reg[reg["county_code"].notna() & reg["division"].notna()]
    for label, first, last in windows:
        sub = base[_in_window(base, first, last)]
        if sub.empty:
            continue
        counts = R.counts_matrix(sub, "county_code", "division")
        rca = R.rca(counts)
        pres = R.presence(rca)
        city_counts = R.counts_matrix(sub, "city_code", "division").reindex(columns=counts.columns, fill_value=0.0)
        phi = R.proximity(R.presence(R.rca(city_counts)))
        dens = R.density(pres, phi)
        long = R.to_long(counts, "n_registry", "county_code", "division")
        long["rca"] = R.to_long(rca, "rca", "county_code", "division")["rca"].to_numpy()
        long["present"] = long["rca"] >= 1.0
        long["density"] = R.to_long(dens.reindex(index=counts.index, columns=counts.columns, fill_value=0.0),
                                    "density", "county_code", "division")["density"].to_numpy()
        long = long[(long["n_registry"] > 0) | (long["density"] > 0)].copy()
        tot = long.groupby("county_code")["n_registry"].transform("sum")
        long["share"] = np.where(tot > 0, long["n_registry"] / tot.where(tot > 0, 1), 0.0)
        long["window"] = label
        parts.append(long)
    if not parts:
        return pd.DataFrame(columns=PROFILE_COLUMNS)
    out = pd.concat(parts, ignore_index=True)[PROFILE_COLUMNS]
    return out.astype({"window": "string", "county_code": "string", "division": "string", "n_registry": "int64",
                       "share": "float64", "rca": "float64", "present": bool, "density": "float64"})


def segment_rules(templates: Iterable[object], gbt: pd.DataFrame) -> pd.DataFrame:
    """chain, segment, segment_name, division, terms (regex or empty: the whole division counts)."""
    names = dict(zip(gbt["code"].astype(str), gbt["name"].astype(str), strict=True))
    rows = []
    for t in templates:
        for s in t.segments:  # type: ignore[attr-defined]
            by_div: dict[str, set[str]] = {}
            whole: set[str] = set()
            for code in s.gb_codes:
                code = str(code)
                div = code[:2]
                if len(code) == 2:
                    whole.add(div)
                else:
                    nm = re.sub(r"[(（].*?[)）]", "", names.get(code, ""))
                    core = re.sub(r"(及相关产品|及配件)?(制造|种植|加工|批发|零售|服务|业)$", "", nm)
                    terms = {p for p in s.products if len(p) >= 2} | ({core} if len(core) >= 2 else set())
                    by_div.setdefault(div, set()).update(terms)
            for div in sorted(set(by_div) | whole):
                terms = "" if div in whole else "|".join(sorted(map(re.escape, by_div[div]), key=len, reverse=True))
                rows.append({"chain": t.chain, "segment": s.segment, "segment_name": s.name,  # type: ignore[attr-defined]
                             "division": div, "terms": terms})
    return pd.DataFrame(rows, columns=["chain", "segment", "segment_name", "division", "terms"])


def segment_members(reg: pd.DataFrame, rules: pd.DataFrame) -> pd.DataFrame:
    """(row, chain, segment, segment_name) for every registration in a segment."""
    parts = []
    base = reg[reg["division"].notna()][["row", "division", "legal_name"]]
    for rule in rules.itertuples(index=False):
        sub = base[base["division"] == rule.division]
        if rule.terms:
            sub = sub[sub["legal_name"].astype("string").str.contains(rule.terms, regex=True).fillna(False).astype(bool)]
        if len(sub):
            parts.append(pd.DataFrame({"row": sub["row"].to_numpy(), "chain": rule.chain, "segment": rule.segment,
                                       "segment_name": rule.segment_name}))
    if not parts:
        return pd.DataFrame(columns=["row", "chain", "segment", "segment_name"])
    return pd.concat(parts, ignore_index=True).drop_duplicates(["row", "chain", "segment"])


def segment_profiles(reg: pd.DataFrame, members: pd.DataFrame, windows: Sequence[tuple[str, int, int]] = WINDOWS
                     ) -> pd.DataFrame:
    """:data:`SEGMENT_COLUMNS`: registrations per county unit × chain segment per window, RCA against the
    nation (the unit's share of its registrations in the segment over the nation's share)."""
    placed = reg[reg["county_code"].notna()][["row", "county_code", "reg_year"]]
    m = members.merge(placed, on="row")
    parts = []
    for label, first, last in windows:
        win = placed[_in_window(placed, first, last)]
        mw = m[_in_window(m, first, last)]
        if mw.empty:
            continue
        tot_unit = win.groupby("county_code").size()
        tot_nat = len(win)
        g = mw.groupby(["county_code", "chain", "segment", "segment_name"]).size().rename("n_registry").reset_index()
        nat = mw.groupby(["chain", "segment"]).size()
        unit_share = g["n_registry"] / g["county_code"].map(tot_unit).astype("float64")
        nat_share = pd.Series([nat[(c, s)] for c, s in zip(g["chain"], g["segment"], strict=True)], index=g.index) / tot_nat
        g["rca"] = (unit_share / nat_share).fillna(0.0)
        g["window"] = label
        parts.append(g)
    if not parts:
        return pd.DataFrame(columns=SEGMENT_COLUMNS)
    return pd.concat(parts, ignore_index=True)[SEGMENT_COLUMNS].astype(
        {"window": "string", "county_code": "string", "chain": "string", "segment": "string", "segment_name": "string",
         "n_registry": "int64", "rca": "float64"})


def county_industries(profiles: pd.DataFrame, units: pd.DataFrame, division_names: dict[str, str],
                      window: str = "all") -> pd.DataFrame:
    """One row per unit × division of ``units`` (county_code, county_name) for ``matcher profile``:
    unit_code, unit_name, division_code, division_name, n_registry, share, rca, present, density, window, note.
    Units with no registration of a division get n_registry 0 (and their density)."""
    p = profiles[(profiles["window"] == window) & profiles["county_code"].isin(units["county_code"].astype(str))]
    divs = sorted(division_names)
    grid = pd.MultiIndex.from_product([units["county_code"].astype(str).tolist(), divs], names=["county_code", "division"])
    full = p.set_index(["county_code", "division"]).reindex(grid).reset_index()
    full["n_registry"] = full["n_registry"].fillna(0).astype("int64")
    for c in ("share", "rca", "density"):
        full[c] = full[c].fillna(0.0).astype("float64")
    full["present"] = full["present"].fillna(False).astype(bool)
    names = dict(zip(units["county_code"].astype(str), units["county_name"].astype(str), strict=True))
    out = pd.DataFrame({
        "unit_code": full["county_code"], "unit_name": full["county_code"].map(names),
        "division_code": full["division"], "division_name": full["division"].map(division_names),
        "n_registry": full["n_registry"], "share": full["share"].round(4), "rca": full["rca"].round(3),
        "present": full["present"], "density": full["density"].round(3), "window": window, "note": SAMPLE_NOTE,
    })
    return out.reset_index(drop=True)


def unit_summaries(ind: pd.DataFrame, segs: pd.DataFrame, units: pd.DataFrame, city_name: str,
                   presence: pd.DataFrame | None = None, top: int = 6) -> str:
    """A readable Markdown summary per unit (Chinese): the registry's leading divisions (count, RCA), the
    chain segments with registrations, the master's firms with entities there."""
    lines = [f"# {city_name}：各县区登记企业行业画像", "",
             f"> 数据：工商登记样本（1978—2019年4月，约300万条，缺190个省份-年份文件，河北2015—2018年缺失），{SAMPLE_NOTE}。"
             "行业由企业名称和经营范围自动判定（国民经济行业分类大类），准确率见基准结果。", ""]
    for code, name in zip(units["county_code"].astype(str), units["county_name"].astype(str), strict=True):
        u = ind[ind["unit_code"] == code]
        total = int(u["n_registry"].sum())
        lines.append(f"## {name}（{code}）")
        lines.append(f"- 样本中登记企业：{total} 家")
        top_n = u[u["n_registry"] > 0].sort_values(["n_registry", "rca"], ascending=False).head(top)
        if len(top_n):
            lines.append("- 登记最多的行业（家数，区位商）：" + "；".join(
                f"{r.division_name}（{r.n_registry}，{r.rca:.1f}）" for r in top_n.itertuples()))
        spec = u[(u["n_registry"] >= 3) & (u["rca"] >= 1.5)].sort_values("rca", ascending=False).head(top)
        if len(spec):
            lines.append("- 相对全国的优势行业（区位商≥1.5，至少3家）：" + "；".join(
                f"{r.division_name}（{r.rca:.1f}）" for r in spec.itertuples()))
        s = segs[(segs["county_code"] == code) & (segs["window"] == "all")].sort_values("n_registry", ascending=False).head(top)
        if len(s):
            lines.append("- 产业链环节（登记家数）：" + "；".join(
                f"{r.chain}·{r.segment}{r.segment_name}（{r.n_registry}）" for r in s.itertuples()))
        if presence is not None and len(presence):
            pz = presence[presence["county_code"] == code].sort_values("first_date").head(top)
            if len(pz):
                lines.append("- 已在本地设立机构的上市/独角兽企业：" + "；".join(
                    f"{r.firm_name}（{r.n_entities}家，始于{str(r.first_date)[:4]}年）" for r in pz.itertuples()))
        lines.append("")
    return "\n".join(lines)


__all__ = ["PROFILE_COLUMNS", "SAMPLE_NOTE", "SEGMENT_COLUMNS", "WINDOWS", "county_industries", "division_profiles",
           "segment_members", "segment_profiles", "segment_rules", "unit_summaries"]
