"""Planners' words for what the model measured: one sentence per benchmark a leader can read, and the
technical table (metric acronyms kept) for analysts.

Every figure in a sentence is read from the benchmark results (``benchmarks/results/<name>.json``, the
frame of :func:`matcher.outputs.navmap.model_quality`); nothing is written in by hand. A benchmark not yet
run gives a sentence saying so.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pandas as pd

from matcher import resources

__all__ = [
    "BENCHMARK_NAMES",
    "FEATURE_LABELS",
    "METHOD_NAMES",
    "analyst_quality_table",
    "quality_sentences",
    "yes_no",
]

#: the benchmarks in planners' words
BENCHMARK_NAMES = {
    "entry": "产业进入回测（能否提前看出某城市某行业将出现首家上市公司）",
    "relocation": "企业迁址检验（上市公司迁往哪座城市）",
    "expansion": "企业扩张记录检验（在外地新设分支机构）",
}
#: the rankers of the benchmark files in planners' words (the original key is kept beside it)
METHOD_NAMES = {
    "rankers.size": "按城市规模排序", "rankers.rca": "按区位商排序", "rankers.density": "按产业关联密度排序",
    "rankers.density_x_size": "关联密度×城市规模", "rankers.learned": "本模型（学习所得）",
    "rankers.random (expected)": "随机排序（期望值）", "rankers.city_size": "按城市规模排序",
    "rankers.same_industry_count": "按同行业企业数排序", "rankers.same_province_then_size": "先同省、再按规模",
    "rankers.distance_decay": "按距离远近排序", "rankers.gravity_size_over_distance": "引力模型（规模÷距离）",
    "rankers.model: conditional logit (out-of-fold)": "区位模型（交叉检验）",
    "rankers.model + chain features (out-of-fold)": "区位模型加产业链特征（交叉检验）",
    "headline.main": "本模型减城市规模（主检验期）", "headline.backtest": "本模型减城市规模（更早一期）",
    "headline.inner": "本模型减城市规模（内层检验期）",
}
#: the ranker's features in planners' words (数据说明: 模型权重)
FEATURE_LABELS = {
    "chain_customers": "本地有下游客户（按链上供需加权）", "chain_suppliers": "本地有上游供应商（按链上供需加权）",
    "density": "产业关联密度", "rca": "本地该行业比较优势（区位商）", "local_count": "本地同行业企业数",
    "province_count": "本省同行业企业数", "neighbour_count": "周边城市同行业企业数",
    "momentum": "本地该行业近五年新增企业数", "unit_size": "县区企业总数（县区规模）",
    "distance_km": "距企业总部的距离", "log_distance": "距企业总部的距离（取对数）",
    "travel_hours": "估算交通时间", "same_province": "与企业总部同省", "same_region": "与企业总部同属一大区",
    "is_target": "属县区重点招商产业链", "is_excluded": "县区约束（如旅游区不宜重化工）",
    "anchor_chain": "县区有本链重点企业", "size_x_unit_size": "大企业偏好大县区（企业规模×县区规模）",
    "firm_size": "企业员工规模", "firm_assets": "企业总资产", "firm_valuation": "独角兽估值", "is_listed": "上市公司",
    "is_unicorn": "独角兽", "is_little_giant": "专精特新小巨人", "fortune500": "财富中国500强名次", "is_soe": "国有企业",
    "expansion_logit": "企业来本市设分支机构的倾向（由扩张记录学习）", "unit_logp": "落在该县区的可能性（由扩张记录学习）",
}


def yes_no(v: object) -> object:
    """是/否 for a boolean (numpy and pandas ones too); anything else unchanged."""
    if isinstance(v, bool) or type(v).__name__ in ("bool_", "bool"):
        return "是" if bool(v) else "否"
    return v


def _value(q: pd.DataFrame, bench: str, model: str, metric: str) -> float | None:
    hit = q[(q["benchmark"] == bench) & (q["model"] == model) & (q["metric"] == metric)]["value"].dropna()
    return float(hit.iloc[0]) if len(hit) else None


def _context(results_dir: Path | None) -> dict[str, Any]:
    """Test window years of the entry benchmark and the number of movers of the relocation benchmark."""
    d = Path(results_dir) if results_dir is not None else resources.results_dir()
    out: dict[str, Any] = {}
    try:
        w = json.loads((d / "entry.json").read_text(encoding="utf-8"))["windows"]["main"]["test_window"]
        out["entry_years"] = (str(w["t0"])[:4], str(w["t1"])[:4])
    except (OSError, ValueError, KeyError, TypeError):
        pass
    try:
        r = json.loads((d / "relocation.json").read_text(encoding="utf-8"))
        out["movers"] = int(r["n_movers"])
    except (OSError, ValueError, KeyError, TypeError):
        pass
    try:
        x = json.loads((d / "expansion.json").read_text(encoding="utf-8"))
        out["expansion"] = x["headline"]
        test = [v for k, v in x["splits"].items() if k.endswith("→test")][0]
        out["expansion_years"] = tuple(str(test[w][k])[:4] for w in ("fitted_on", "evaluated_on") for k in ("t0", "outcomes_until"))
    except (OSError, ValueError, KeyError, TypeError, IndexError):
        pass
    return out


def _relocation_model(q: pd.DataFrame) -> str | None:
    models = [str(m) for m in q.loc[q["benchmark"] == "relocation", "model"].unique()]
    plain = [m for m in models if m.startswith("rankers.model") and "+" not in m]
    return plain[0] if plain else None


def quality_sentences(quality: pd.DataFrame, results_dir: Path | None = None) -> list[tuple[str, str]]:
    """(item, sentence) for 总览: the entry back-test ("在2019–2024年的回测中，排名前100的…有45个…，
    按城市规模排序为36个") and the relocation check, each computed from ``quality`` (the benchmark
    results) and the result files' test windows; a benchmark without results says so."""
    ctx = _context(results_dir)
    out = []
    learned, size = _value(quality, "entry", "rankers.learned", "p_at_100"), _value(quality, "entry", "rankers.size", "p_at_100")
    if learned is not None and size is not None:
        y0, y1 = ctx.get("entry_years", ("", ""))
        when = f"在{y0}–{y1}年的回测中" if y0 else "在回测中"
        out.append(("模型质量：产业进入回测", f"{when}，模型排名前100的“城市—行业”组合有{round(learned * 100)}个当期出现了首家上市公司，"
                             f"按城市规模排序为{round(size * 100)}个（只用此前的数据排序）"))
    else:
        out.append(("模型质量：产业进入回测", "产业进入回测尚无结果"))
    model = _relocation_model(quality)
    r_model = _value(quality, "relocation", model, "recall_at_10") if model else None
    r_size = _value(quality, "relocation", "rankers.city_size", "recall_at_10")
    n = ctx.get("movers")
    if r_model is not None and r_size is not None and n:
        out.append(("模型质量：企业迁址检验", f"对{n}家2015年以来迁址的上市公司，区位模型把实际迁入城市排进前10名的有{round(r_model * n)}家，"
                                 f"按城市规模排序为{round(r_size * n)}家（未构建工商登记样本时，排序所用的区位权重由此拟合）"))
    else:
        out.append(("模型质量：企业迁址检验", "企业迁址检验尚无结果"))
    out.append(("模型质量：扩张记录检验", _expansion_sentence(ctx)))
    return out


#: the expansion benchmark's tasks in planners' words
EXPANSION_TASKS = {"firms_per_city": "哪些企业会来本市设分支机构", "cities_per_firm": "一家企业会去哪座城市",
                   "units_within_city": "在城市内落在哪个县区"}


def _expansion_sentence(ctx: Mapping[str, Any]) -> str:
    """How the learned expansion models compare with the best simple ordering, task by task, in words: the
    ratio, and whether the difference is sure (its 95% interval above zero)."""
    head = ctx.get("expansion")
    if not head:
        return "企业扩张记录检验尚无结果"
    parts = []
    for task, label in EXPANSION_TASKS.items():
        e = head.get(task)
        if not isinstance(e, Mapping) or not e.get("baseline_value"):
            continue
        sure = "差距在统计上可靠" if float(e["ci"][0]) > 0 else "差距尚不确定"
        parts.append(f"“{label}”为最好的简单排序的{float(e['learned']) / float(e['baseline_value']):.2f}倍（{sure}）")
    years = ctx.get("expansion_years")
    when = f"以{years[0]}–{years[1]}年的记录学习、{years[2]}–{years[3]}年的记录检验" if years else "按时间先后学习与检验"
    met = [bool(e.get("goal_met")) for e in head.values() if isinstance(e, Mapping)]
    goal = "预设目标（1.25倍且差距可靠）均已达到" if met and all(met) else "预设目标（1.25倍且差距可靠）尚未全部达到"
    return f"本清单的排序模型（构建了工商登记样本时）学自企业在外地新设分支机构的记录，{when}：" + "；".join(parts) + f"。{goal}"



def _method_name(model: str) -> str:
    """A ranker of a results file in planners' words; the expansion tasks' ``<task>.learned`` and
    ``<task>.<baseline>`` too."""
    if model in METHOD_NAMES:
        return METHOD_NAMES[model]
    task, _, ranker = model.partition(".")
    if task in EXPANSION_TASKS:
        return f"{EXPANSION_TASKS[task]}：" + ("本模型（学习所得）" if ranker == "learned" else "最好的简单排序")
    return model


def analyst_quality_table(quality: pd.DataFrame) -> pd.DataFrame:
    """模型检验 (for analysts: acronyms kept): 检验, 方法, 方法原名, 指标, 数值."""
    q = quality.copy()
    return pd.DataFrame({
        "检验": [BENCHMARK_NAMES.get(str(b), str(b)) for b in q["benchmark"]],
        "方法": [_method_name(str(m)) for m in q["model"]],
        "方法原名": q["model"].astype(str).to_numpy(),
        "指标": q["metric"].astype(str).to_numpy(),
        "数值": pd.to_numeric(q["value"], errors="coerce").round(4).to_numpy(),
    })


def feature_label(feature: str, labels: Mapping[str, str] = FEATURE_LABELS) -> str:
    """A ranker feature in planners' words (the key itself when unknown)."""
    return labels.get(feature, feature)
