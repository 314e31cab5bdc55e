"""The investment navigation map (招商导航图): whom to approach, where they are, where each should land.

:func:`build_navmap` scores every eligible firm of the firm master against every county-level unit of
the city (:func:`matcher.model.match.score_matches`), then turns the long frame into the planners'
tables with pure functions (each testable on a small synthetic frame):

- :func:`select_targets` — one row per firm (its best landing county among the allowed ones), the
  filters (chains, counties, firm types, home regions, local firms), action 补链/强链/延链, reasons;
- :func:`chain_table` — chain × segment: local strength, 链主企业 (leading firms), suggested action;
- :func:`county_table` — per county its best-fitting firms (the county's own ranking of firms);
- :func:`outbound_table` — targets grouped by home region (京津冀, 长三角 …, ``data/regions_groups.yaml``)
  and home city, with counts (走出去).

:func:`write_navmap` writes ``targets.csv`` (the machine-readable contract, :data:`TARGET_COLUMNS`),
``navmap.xlsx``, ``navmap.html`` and ``navmap.md``. Everything is deterministic: stable sorts with
firm_id as the last key, scores rounded, no wall-clock time in any file.

Chains: when the chain stage supplies curated chain templates (firm → chain, segment) they are used;
otherwise a firm's chain is its Shenwan level-1 industry and its segment its level-2 industry (the
``chain_basis`` column says which), and firms without a Shenwan code fall back to their Tushare label.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import yaml

from matcher import geo, resources
from matcher.chain.positions import choose_positions
from matcher.outputs.safe import out_dir as ensure_out_dir
from matcher.outputs.safe import to_csv, unneutralise_csv
from matcher.outputs.wording import feature_label, quality_sentences

#: the shipped region groups (``data/regions_groups.yaml``)
REGION_GROUPS = "regions_groups.yaml"

#: the machine-readable contract of targets.csv, in this order (best first)
TARGET_COLUMNS: list[str] = [
    "rank", "firm_id", "stock_code", "name", "legal_name", "tags", "home_province", "home_city",
    "home_city_code", "home_region", "lon", "lat", "chain", "segment", "chain_basis", "industry",
    "action", "county_code", "county_name", "score", "county_fit_rank", "alt_county_name", "reasons",
    "local_presence", "evidence",
]

#: Chinese headers of the target table (Excel / HTML / Markdown)
TARGET_HEADERS: dict[str, str] = {
    "rank": "排名", "firm_id": "企业编号", "stock_code": "股票代码", "name": "企业简称", "legal_name": "企业全称",
    "tags": "企业标签", "home_province": "总部所在省", "home_city": "总部所在市", "home_city_code": "总部城市代码",
    "home_region": "所属区域", "lon": "经度", "lat": "纬度", "chain": "产业链", "segment": "环节",
    "chain_basis": "链归属依据", "industry": "申万行业", "action": "招商方向", "county_code": "建议落地县区代码",
    "county_name": "建议落地县区", "score": "匹配得分", "county_fit_rank": "该县区内排名",
    "alt_county_name": "备选县区", "reasons": "推荐理由", "local_presence": "本地已有布局", "evidence": "依据",
}

ACTIONS = ("补链", "强链", "延链")
#: actions of existing investors (matcher.outputs.investors), in the same column
INVESTOR_ACTIONS = ("增资扩产", "以商招商")
FIRM_TYPES = ("listed", "unicorn", "little_giant", "registry")
FIRM_TYPE_NAMES = {"listed": "上市公司", "unicorn": "独角兽", "little_giant": "专精特新小巨人", "registry": "工商登记导入"}
UNCLASSIFIED = "未分类"
#: a firm whose evidence places it on no template segment (chain templates in use)
UNPLACED = "未归链"
UNPLACED_BASIS = "证据不足：本行业与主营产品均不在产业链模板的环节中"

#: vintages of the public sources (from the data README / each folder's SOURCE.md)
SOURCE_VINTAGES: list[tuple[str, str, str]] = [
    ("tushare", "Tushare A股上市公司基础信息、公司信息、资产（2024-05-13快照）", "2024-05"),
    ("exchanges", "深交所、上交所上市公司名录（含注册地址）", "2025-10"),
    ("listed_geo_2015", "2015年上市公司注册/办公地址及经纬度", "2015"),
    ("chainkg", "产业链知识图谱（企业—申万2021行业、产品、上下游）", "2021-10"),
    ("unicorns", "CB Insights 独角兽名单（2024-02-27快照）及其2022年整理版", "2021–2024"),
    ("fortune500", "财富中国500强", "2014–2021"),
    ("wiod", "世界投入产出数据库（2013年版）中国2011年投入产出表（35部门）", "2011"),
    ("divisions", "行政区划与县级单位经纬度（开源行政区划库）", "2020–2025"),
    ("city_pack", "城市资料包（随软件提供，逐条注明出处）", "2010–2024"),
]


# --------------------------------------------------------------------------------------------------
# region groups (走出去)
# --------------------------------------------------------------------------------------------------
def load_region_groups(path: str | Path | None = None) -> pd.DataFrame:
    """``data/regions_groups.yaml`` flattened: one row per (group, level, code).

    Columns: order, group, label, kind, level (province/city/county), code, name, source. A firm takes
    the first group in file order that contains its county, city or province (see
    :func:`assign_region_groups`).
    """
    text = Path(path).read_text(encoding="utf-8") if path is not None else resources.read_text(REGION_GROUPS)
    raw = yaml.safe_load(text) or {}
    rows: list[dict[str, object]] = []
    for order, g in enumerate(raw.get("groups") or []):
        for level, key in (("province", "provinces"), ("city", "cities"), ("county", "counties")):
            for item in g.get(key) or []:
                rows.append({
                    "order": order, "group": str(g["name"]), "label": str(g.get("label") or g["name"]),
                    "kind": str(g.get("kind", "")), "level": level, "code": str(item["code"]),
                    "name": str(item.get("name", "")), "source": str(g.get("source", "")),
                })
    out = pd.DataFrame(rows, columns=["order", "group", "label", "kind", "level", "code", "name", "source"])
    return out.astype({"order": "int64", **{c: "string" for c in out.columns if c != "order"}})


def assign_region_groups(frame: pd.DataFrame, groups: pd.DataFrame) -> pd.Series:
    """The region group of each row of ``frame`` (columns county_code, city_code, province_code; any
    may be missing or null), by the first group in file order containing the county, else the city,
    else the province. Rows in no group get ``"未知"``."""
    none = 1 << 30
    best = np.full(len(frame), none, dtype=np.int64)
    for level, col in (("county", "county_code"), ("city", "city_code"), ("province", "province_code")):
        if col not in frame.columns:
            continue
        g = groups[groups["level"] == level]
        order = dict(zip(g["code"].astype(str), g["order"].astype(int), strict=True))
        codes = frame[col].astype("object").to_numpy()
        hit = np.array([order.get(str(c), none) if isinstance(c, str) else none for c in codes], dtype=np.int64)
        best = np.minimum(best, hit)
    names = dict(zip(groups["order"].astype(int), groups["group"].astype(str), strict=False))
    return pd.Series([names.get(int(o), "未知") for o in best], index=frame.index, dtype="string")


def group_members(groups: pd.DataFrame, name: str) -> pd.DataFrame:
    """The (level, code, name) rows of one group, by its name or label."""
    return groups[(groups["group"] == name) | (groups["label"] == name)].reset_index(drop=True)


# --------------------------------------------------------------------------------------------------
# options and result
# --------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class NavmapOptions:
    """What the planner asks for. Empty tuples mean "no filter".

    chains: keep firms whose chain (or segment) is one of these names.
    counties: landing counties allowed (codes or names); a firm's landing county is its best among them.
    firm_types: any of listed / unicorn / little_giant / registry (a firm passes if it has any).
    home_regions: region groups (京津冀 …), provinces (广东 / 广东省 / 440000) or cities (深圳 / 440300).
    top: number of targets to keep, best first; 0 keeps every eligible firm.
    exclude_local: leave out firms already located in the city (default); False scores them too.
    snapshot: as-of date: firms listed or set up after it are left out; None keeps all (the data's vintage).
    user_files: (kind, path) pairs passed to the firm master (kind little_giants or registry).
    per_county: targets listed per county in 县区落地建议.
    """

    chains: tuple[str, ...] = ()
    counties: tuple[str, ...] = ()
    firm_types: tuple[str, ...] = ()
    home_regions: tuple[str, ...] = ()
    top: int = 200
    exclude_local: bool = True
    snapshot: date | None = None
    user_files: tuple[tuple[str, Path], ...] = ()
    per_county: int = 10

    def __post_init__(self) -> None:
        bad = [t for t in self.firm_types if t not in FIRM_TYPES]
        if bad:
            raise ValueError(f"unknown firm type(s) {bad}: choose from {', '.join(FIRM_TYPES)}")
        if self.top < 0:
            raise ValueError("top must be >= 0 (0 = every eligible firm)")
        if self.per_county < 1:
            raise ValueError(f"per-county must be >= 1 (targets listed per county), got {self.per_county}")

    def describe(self) -> dict[str, str]:
        """Options in planners' words (for 总览 and the brief)."""
        return {
            "产业链筛选": "、".join(self.chains) or "全部",
            "落地县区筛选": "、".join(self.counties) or "全部",
            "企业类型": "、".join(FIRM_TYPE_NAMES[t] for t in self.firm_types) or "全部",
            "来源地区": "、".join(self.home_regions) or "全国",
            "目标数量": "全部符合条件的企业" if self.top == 0 else f"前{self.top}家",
            "排除本地已有企业": "是" if self.exclude_local else "否",
            "数据截止日期": self.snapshot.isoformat() if self.snapshot else "数据最新版本",
        }


@dataclass
class Navmap:
    """The navigation map's tables (all pandas frames, Chinese text) and its metadata."""

    city: str
    city_code: str
    options: NavmapOptions
    targets: pd.DataFrame
    chains: pd.DataFrame
    counties: pd.DataFrame
    outbound: pd.DataFrame
    units: pd.DataFrame
    overview: pd.DataFrame
    data_notes: pd.DataFrame
    quality: pd.DataFrame
    meta: dict[str, Any] = field(default_factory=dict)
    #: firms left out and why (rule, reason in Chinese): the sheet 未推荐 and not_recommended.csv
    not_recommended: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=NOT_RECOMMENDED_COLUMNS))
    #: the inputs (kept so that other outputs, e.g. trips, and tests can re-filter without rescoring)
    matches: pd.DataFrame | None = None
    firms: pd.DataFrame | None = None
    positions: pd.DataFrame | None = None


# --------------------------------------------------------------------------------------------------
# firm-level helpers (pure)
# --------------------------------------------------------------------------------------------------
def _flag(frame: pd.DataFrame, col: str) -> pd.Series:
    return frame[col].astype("boolean").fillna(False).astype(bool)


def firm_type_mask(firms: pd.DataFrame, types: Sequence[str]) -> pd.Series:
    """True for firms of any of ``types`` (listed / unicorn / little_giant / registry)."""
    if not types:
        return pd.Series(True, index=firms.index)
    src = firms["sources"].astype("string").fillna("")
    masks = {
        "listed": _flag(firms, "is_listed"),
        "unicorn": _flag(firms, "is_unicorn"),
        "little_giant": _flag(firms, "is_little_giant"),
        "registry": src.str.contains("registry", regex=False).astype(bool),
    }
    out = pd.Series(False, index=firms.index)
    for t in types:
        out |= masks[t]
    return out


def firm_tags(firms: pd.DataFrame) -> pd.Series:
    """'上市;独角兽;小巨人;财富500强;央企/地方国企' — what a planner reads first about a firm."""
    src = firms["sources"].astype("string").fillna("")
    ctrl = firms["controller_type"].astype("object")
    f500 = firms["fortune500_best_rank"].notna().to_numpy()
    cols = [
        ("上市", _flag(firms, "is_listed").to_numpy()),
        ("独角兽", _flag(firms, "is_unicorn").to_numpy()),
        ("小巨人", _flag(firms, "is_little_giant").to_numpy()),
        ("工商登记", src.str.contains("registry", regex=False).astype(bool).to_numpy()),
        ("财富500强", f500),
    ]
    kinds = {"中央国企", "地方国企", "外资企业", "民营企业", "公众企业", "集体企业"}
    out = []
    for i, c in enumerate(ctrl.to_numpy()):
        t = [label for label, mask in cols if mask[i]]
        if isinstance(c, str) and c in kinds:
            t.append(c)
        out.append(";".join(t))
    return pd.Series(out, index=firms.index, dtype="string")


def chain_labels(firms: pd.DataFrame, positions: pd.DataFrame | None = None) -> pd.DataFrame:
    """chain, segment, chain_basis per firm (index aligned with ``firms``).

    With chain templates (``positions``: one row per placed firm — firm_id, chain, segment and, when
    known, evidence_text) a placed firm takes its position and ``chain_basis`` says the evidence
    (申万行业：… / 主营产品：…); any other firm is 未归链 (its segment column names its industry for
    reference) — never forced onto a chain. Without templates (``positions`` None) a firm's chain is its
    Shenwan level-1 industry and its segment its level-2 industry; else the Tushare label; else 未分类.
    """
    idx = firms.index
    l1 = firms["sw_l1_name"].astype("string")
    l2 = firms["sw_l2_name"].astype("string")
    ts = firms["industry_tushare"].astype("string")
    if positions is not None:
        pos = positions.dropna(subset=["chain"]).drop_duplicates("firm_id").set_index("firm_id")
        fid = firms["firm_id"].astype("string")
        has = fid.isin(pos.index).to_numpy()
        chain = pd.Series(UNPLACED, index=idx, dtype="string")
        segment = l2.fillna(ts).fillna("行业不详")
        basis = pd.Series(UNPLACED_BASIS, index=idx, dtype="string")
        chain[has] = fid[has].map(pos["chain"]).astype("string")
        segment[has] = fid[has].map(pos["segment"]).astype("string")
        ev = pos["evidence_text"] if "evidence_text" in pos.columns else pd.Series("产业链模板", index=pos.index)
        basis[has] = fid[has].map(ev).astype("string").fillna("产业链模板")
        return pd.DataFrame({"chain": chain, "segment": segment, "chain_basis": basis}, index=idx)
    chain = l1.copy()
    segment = l2.fillna(l1)
    basis = pd.Series(np.where(l1.notna(), "申万行业", None), index=idx, dtype="string")
    no_sw = l1.isna()
    chain[no_sw & ts.notna()] = "其他（" + ts[no_sw & ts.notna()] + "）"
    segment[no_sw & ts.notna()] = ts[no_sw & ts.notna()]
    basis[no_sw & ts.notna()] = "Tushare行业"
    return pd.DataFrame({"chain": chain.fillna(UNCLASSIFIED), "segment": segment.fillna(UNCLASSIFIED),
                         "chain_basis": basis.fillna("未识别")}, index=idx)


def _match_name(value: str, *candidates: object) -> bool:
    v = str(value).strip().removesuffix("市").removesuffix("省")
    for c in candidates:
        if c is None or c is pd.NA or (isinstance(c, float) and math.isnan(c)):
            continue
        s = str(c)
        if v == s or v == s.removesuffix("市").removesuffix("省") or (len(v) >= 2 and s.startswith(v)):
            return True
    return False


def home_region_mask(firms: pd.DataFrame, wanted: Sequence[str], groups: pd.DataFrame) -> pd.Series:
    """True for firms whose home is in any of ``wanted``: region group names/labels, province or city
    names (with or without 省/市) or 6-digit codes."""
    if not wanted:
        return pd.Series(True, index=firms.index)
    region = assign_region_groups(firms, groups)
    group_names = set(groups["group"].astype(str)) | set(groups["label"].astype(str))
    out = pd.Series(False, index=firms.index)
    for w in wanted:
        w = str(w).strip()
        if w in group_names:
            name = groups.loc[(groups["group"] == w) | (groups["label"] == w), "group"].iloc[0]
            out |= region == name
            continue
        if w.isdigit():
            for col in ("province_code", "city_code", "county_code"):
                out |= firms[col].astype("string").fillna("") == w
            continue
        prov, city = firms["province"], firms["city"]
        out |= pd.Series([_match_name(w, p, c) for p, c in zip(prov, city, strict=True)], index=firms.index)
    return out


def check_filter_values(firms: pd.DataFrame, options: NavmapOptions, groups: pd.DataFrame) -> None:
    """A chain or home-region filter value that matches no firm at all is a typo, not an empty answer:
    ValueError listing the valid values (chains and segments; region groups, provinces)."""
    for w in options.chains:
        w = str(w).strip()
        if not (firms["chain"].eq(w).any() or firms["segment"].eq(w).any()):
            chains = sorted(firms["chain"].dropna().astype(str).unique())
            raise ValueError(f"unknown chain {w!r}; chains: {'、'.join(chains)} (or one of their segments)")
    group_names = set(groups["group"].astype(str)) | set(groups["label"].astype(str))
    for w in options.home_regions:
        if str(w).strip() not in group_names and not home_region_mask(firms, [w], groups).any():
            names = list(dict.fromkeys(groups["group"].astype(str)))
            provs = sorted(firms["province"].dropna().astype(str).unique()) if "province" in firms.columns else []
            raise ValueError(f"unknown home region {str(w).strip()!r}; region groups: {'、'.join(names)}; "
                             f"or a province ({'、'.join(provs)}), a city name or a 6-digit code")


def resolve_counties(wanted: Sequence[str], units: pd.DataFrame) -> list[str]:
    """County codes for names or codes (海港 / 海港区 / 130302); unknown names raise ValueError."""
    codes: list[str] = []
    for w in wanted:
        w = str(w).strip()
        hit = units[(units["county_code"] == w) | units["county_name"].map(lambda n, w=w: _match_name(w, n))]
        if hit.empty:
            raise ValueError(f"unknown county {w!r}; the city's units are: " + "、".join(units["county_name"].astype(str)))
        codes += [str(c) for c in hit["county_code"]]
    return sorted(set(codes))


def snapshot_mask(firms: pd.DataFrame, snapshot: date | None) -> pd.Series:
    """Firms known at ``snapshot``: listed (or, when not listed, set up) on or before it."""
    if snapshot is None:
        return pd.Series(True, index=firms.index)
    ts = pd.Timestamp(snapshot)
    keep = pd.Series(True, index=firms.index)
    for col in ("list_date", "setup_date"):
        d = pd.to_datetime(firms[col], errors="coerce")
        keep &= ~(d > ts).fillna(False).astype(bool)
    return keep


# --------------------------------------------------------------------------------------------------
# targets
# --------------------------------------------------------------------------------------------------
def local_presence(local: pd.DataFrame) -> tuple[dict[tuple[str, str], list[str]], dict[str, list[str]]]:
    """(chain, segment) → local firm names and chain → local firm names (biggest first)."""
    if local.empty:
        return {}, {}
    lf = local.copy()
    lf["_size"] = pd.to_numeric(lf["total_assets_yi"], errors="coerce").fillna(0)
    lf = lf.sort_values(["_size", "firm_id"], ascending=[False, True], kind="stable")
    seg = {(str(c), str(s)): [str(n) for n in g["name"]] for (c, s), g in lf.groupby(["chain", "segment"], sort=True)}
    ch = {str(c): [str(n) for n in g["name"]] for c, g in lf.groupby("chain", sort=True)}
    return seg, ch


CURATED_PRESENCE = "城市资料包记载的本地企业或园区"


def add_curated_presence(seg_local: dict[tuple[str, str], list[str]], chain_local: dict[str, list[str]],
                         analysis: pd.DataFrame | None) -> tuple[dict[tuple[str, str], list[str]], dict[str, list[str]]]:
    """Count a template segment as present when the chain stage rates it 强/弱 (local firms in the
    data, or a cited local fact of the city pack such as a firm that is not listed)."""
    if analysis is None or analysis.empty:
        return seg_local, chain_local
    seg, ch = dict(seg_local), dict(chain_local)
    for r in analysis.itertuples(index=False):
        if str(r.strength) in ("强", "弱"):
            key = (str(r.chain), str(r.segment))
            if not seg.get(key):
                seg[key] = [CURATED_PRESENCE]
            if not ch.get(str(r.chain)):
                ch[str(r.chain)] = [CURATED_PRESENCE]
    return seg, ch


def classify_action(chain: str, segment: str, seg_local: Mapping[tuple[str, str], list[str]],
                    chain_local: Mapping[str, list[str]], links: float) -> str:
    """补链 / 强链 / 延链 for a firm of (chain, segment) in the city.

    强链: the city already has firms in this segment (the firm strengthens an existing link);
    补链: the segment is missing, but the city has the chain's other segments: the firm fills the gap;
    延链: the city has nothing of this chain: the firm extends the city's industry into it — along
    existing supply relations when ``links`` > 0 (local buyers or suppliers of the firm's industry),
    else as a new chain.
    """
    if seg_local.get((chain, segment)):
        return "强链"
    if chain_local.get(chain):
        return "补链"
    return "延链"


def _names(xs: Sequence[str], k: int = 3) -> str:
    return "、".join(xs[:k]) + ("等" if len(xs) > k else "")


def action_sentence(action: str, city: str, chain: str, segment: str,
                    seg_local: Mapping[tuple[str, str], list[str]], chain_local: Mapping[str, list[str]],
                    links: float) -> str:
    """The first sentence of a target's reasons: which chain link it fills and with whom."""
    if action == "强链":
        names = seg_local.get((chain, segment), [])
        if names == [CURATED_PRESENCE]:
            return f"强链：{city}“{chain}·{segment}”已有{CURATED_PRESENCE}（企业库中尚无），引进可壮大该环节"
        return f"强链：{city}已有{len(names)}家“{chain}·{segment}”企业（{_names(names)}），引进可壮大该环节"
    if action == "补链":
        names = chain_local.get(chain, [])
        have = CURATED_PRESENCE if names == [CURATED_PRESENCE] else _names(names)
        return f"补链：{city}“{chain}”链已有{have}，尚缺“{segment}”环节，引进可补齐缺口"
    if links > 0:
        return f"延链：{city}尚无“{chain}”链企业，本地有其上下游配套，引进“{segment}”企业可沿链延伸"
    return f"延链：{city}尚无“{chain}”链企业，引进“{segment}”企业可拓展新链条"


def _clean_model_reasons(text: object) -> str:
    """The model's county-level reasons, relabelled so that they never contradict the action column."""
    if text is None or text is pd.NA or (isinstance(text, float) and math.isnan(text)):
        return ""
    return str(text).replace("补链：", "配套：").replace("强链：", "同业基础：")


def segment_sentence(row: Mapping[str, Any], city: str) -> str:
    """The first sentence of a target's reasons from its segment's analysis row (chain, segment, strength,
    action, local firm names, curated facts): the same action, for the same reason, as 产业链图谱."""
    chain, seg, action = str(row["chain"]), str(row["segment"]), str(row["action"])
    names = [n for n in str(row.get("local_firm_names") or "").split("; ") if n]
    have = f"{len(names)}家（{_names(names)}）" if names else f"{CURATED_PRESENCE}（企业库中尚无）"
    if action == "补链":
        return f"补链：{city}“{chain}”链尚缺“{seg}”环节（本地无此环节企业），引进可补齐缺口"
    if action == "延链":
        return f"延链：{city}“{chain}·{seg}”基础较强，已有{have}，引进可带动向相邻薄弱环节延伸"
    if str(row.get("strength")) == "强":
        return f"强链：{city}“{chain}·{seg}”基础较强，已有{have}，引进可巩固提升"
    return f"强链：{city}“{chain}·{seg}”已有{have}，但尚不成规模，引进可壮大该环节"


def segment_actions(analysis: pd.DataFrame | None, city: str) -> dict[tuple[str, str], tuple[str, str]]:
    """(chain, segment label) → (action, first sentence), from the city's chain analysis."""
    if analysis is None or analysis.empty:
        return {}
    return {(str(r["chain"]), str(r["segment"])): (str(r["action"]), segment_sentence(r, city)) for _, r in analysis.iterrows()}


NOT_RECOMMENDED_COLUMNS = ["rank_if_eligible", "firm_id", "stock_code", "name", "home_city", "scope", "rule", "reason",
                           "source"]
NOT_RECOMMENDED_HEADERS = {
    "rank_if_eligible": "若不排除时的排名", "firm_id": "企业编号", "stock_code": "股票代码", "name": "企业简称",
    "home_city": "总部所在市", "scope": "不推荐范围", "rule": "规则", "reason": "原因", "source": "依据出处",
}


def _would_be_ranks(matches: pd.DataFrame) -> pd.Series:
    """firm_id → rank by best score among every scored firm (as if no firm were left out)."""
    best = matches.groupby("firm_id")["score"].max().sort_values(ascending=False, kind="stable")
    best = best.reset_index().sort_values(["score", "firm_id"], ascending=[False, True], kind="stable")
    return pd.Series(np.arange(1, len(best) + 1), index=best["firm_id"].astype(str))


def not_recommended_table(matches: pd.DataFrame, firms: pd.DataFrame, breaches: pd.DataFrame | None,
                          unit_rows: pd.DataFrame | None = None) -> pd.DataFrame:
    """未推荐: every scored firm that an eligibility rule leaves out (scope 全市), and every target that a
    unit's constraint keeps out of the unit it would otherwise have fitted best (scope = the unit), with the
    rule, the reason and its source; ordered by the rank the firm would have had."""
    rank = _would_be_ranks(matches)
    f = firms.drop_duplicates("firm_id").set_index("firm_id")
    parts = []
    if breaches is not None and len(breaches):
        b = breaches[breaches["firm_id"].astype(str).isin(rank.index)].drop_duplicates("firm_id")
        parts.append(pd.DataFrame({"firm_id": b["firm_id"].astype(str), "scope": "全市", "rule": b["rule_name"],
                                   "reason": b["reason"], "source": b["source"]}))
    if unit_rows is not None and len(unit_rows):
        parts.append(unit_rows[["firm_id", "scope", "rule", "reason", "source"]])
    if not parts:
        return pd.DataFrame(columns=NOT_RECOMMENDED_COLUMNS)
    out = pd.concat(parts, ignore_index=True)
    out["rank_if_eligible"] = out["firm_id"].map(rank).astype("int64")
    out["stock_code"] = out["firm_id"].map(f["stock_code"]).astype("string")
    out["name"] = out["firm_id"].map(f["name"]).astype("string")
    out["home_city"] = out["firm_id"].map(f["city"]).astype("string")
    out = out.sort_values(["rank_if_eligible", "scope"], kind="stable").reset_index(drop=True)
    return out[NOT_RECOMMENDED_COLUMNS]


def constrained_units(matches: pd.DataFrame, curated: pd.DataFrame | None, excl_weight: float) -> pd.DataFrame:
    """firm_id, county_code, county_name of the pairs a unit's constraint forbids (``is_excluded``), with
    the score the pair would have without the constraint (``free_score``)."""
    if "is_excluded" not in matches.columns:
        return pd.DataFrame(columns=["firm_id", "county_code", "county_name", "free_score"])
    x = matches[matches["is_excluded"].astype("float64") > 0]
    return x.assign(free_score=x["score"] - excl_weight * x["is_excluded"].astype("float64"))[
        ["firm_id", "county_code", "county_name", "free_score"]]


@dataclass
class TargetContext:
    """What :func:`select_targets` needs besides the scores and the firms."""

    city: str
    city_code: str
    options: NavmapOptions
    groups: pd.DataFrame
    units: pd.DataFrame
    positions: pd.DataFrame | None = None
    analysis: pd.DataFrame | None = None
    eligibility: pd.DataFrame | None = None  # firm_id, rule, rule_name, reason, source (matcher.model.eligibility)
    segment_names: Mapping[tuple[str, str], str] = field(default_factory=dict)
    unit_chains: Sequence[tuple[str, str]] = ()  # (unit code, chain) the pack names as the home of a chain
    constraints: pd.DataFrame | None = None  # county_code, note, source: the pack's unit constraints
    investors: pd.DataFrame | None = None  # existing investors (matcher.regions.investors.existing_investors)
    history: pd.DataFrame | None = None  # expansion events of the firms: firm_id, reg_date, city_code, link_type, entity_name
    city_names: Mapping[str, str] = field(default_factory=dict)  # city code → name (for the expansion record)
    shortfall: list[dict[str, str]] = field(default_factory=list)


def _labelled_firms(firms: pd.DataFrame, ctx: TargetContext) -> pd.DataFrame:
    f = firms.copy()
    f[["chain", "segment", "chain_basis"]] = chain_labels(f, ctx.positions)
    f["home_region"] = assign_region_groups(f, ctx.groups)
    return f


def _eligible_mask(f: pd.DataFrame, ctx: TargetContext) -> pd.Series:
    o = ctx.options
    check_filter_values(f, o, ctx.groups)  # a chain or region that matches no firm at all: ValueError listing the valid ones
    keep = firm_type_mask(f, o.firm_types) & home_region_mask(f, o.home_regions, ctx.groups)
    if o.exclude_local:
        keep &= f["city_code"].astype("string").fillna("") != ctx.city_code
    if o.chains:
        wanted = {str(c).strip() for c in o.chains}
        keep &= f["chain"].isin(wanted) | f["segment"].isin(wanted)
    keep &= snapshot_mask(f, o.snapshot)
    if ctx.eligibility is not None and len(ctx.eligibility):
        keep &= ~f["firm_id"].astype(str).isin(set(ctx.eligibility["firm_id"].astype(str)))
    return keep.astype(bool)


def _allowed_pairs(matches: pd.DataFrame, eligible_ids: set[str], ctx: TargetContext) -> pd.DataFrame:
    """The (firm, unit) pairs a target may land on: eligible firms, allowed units, no unit constraint."""
    m = matches[matches["firm_id"].isin(eligible_ids)]
    if "is_excluded" in m.columns:
        m = m[m["is_excluded"].astype("float64").fillna(0) <= 0]
    if ctx.options.counties:
        m = m[m["county_code"].isin(resolve_counties(ctx.options.counties, ctx.units))]
    if ctx.options.chains and "chain" in m.columns:  # the chain shown is the pair's: keep the pairs on a wanted chain
        wanted = {str(c).strip() for c in ctx.options.chains}
        seg = pd.Series([ctx.segment_names.get((str(c), str(s)), str(s)) for c, s in zip(m["chain"], m["segment"], strict=True)],
                        index=m.index)
        m = m[m["chain"].isna() | m["chain"].isin(wanted) | seg.isin(wanted)]
    return m.sort_values(["firm_id", "score", "county_code"], ascending=[True, False, True], kind="stable")


def _target_rows(best: pd.DataFrame, e: pd.DataFrame, ctx: TargetContext) -> pd.DataFrame:
    """The target table's firm columns (index firm_id) from the best pair and the firm master."""
    t = pd.DataFrame(index=best.index)
    for col, src in (("stock_code", "stock_code"), ("name", "name"), ("legal_name", "legal_name"), ("home_province", "province"),
                     ("home_city", "city"), ("home_city_code", "city_code"), ("home_region", "home_region"),
                     ("chain_basis", "chain_basis")):
        t[col] = e[src].astype("string")
    t["tags"] = firm_tags(e.reset_index()).to_numpy()
    t["lon"] = pd.to_numeric(e["lon"], errors="coerce").round(4)
    t["lat"] = pd.to_numeric(e["lat"], errors="coerce").round(4)
    t["chain"], t["segment"] = e["chain"].astype("string"), e["segment"].astype("string")
    if ctx.positions is not None and "chain" in best.columns:  # the chain chosen jointly with the unit
        placed = best["chain"].notna() & e["chain"].ne(UNPLACED)
        t.loc[placed, "chain"] = best.loc[placed, "chain"].astype("string")
        seg = [ctx.segment_names.get((str(c), str(s)), str(s)) for c, s in zip(best["chain"], best["segment"], strict=True)]
        t.loc[placed, "segment"] = pd.Series(seg, index=best.index)[placed].astype("string")
    t["industry"] = e["sw_l2_name"].astype("string")
    t["county_code"] = best["county_code"].astype("string")
    t["score"] = best["score"].astype("float64").round(4)
    return t


def _land(t: pd.DataFrame, m: pd.DataFrame, ctx: TargetContext, fixed: Iterable[str] = ()) -> pd.DataFrame:
    """Units after ties are spread and the pack's unit chains covered (:mod:`matcher.outputs.landing`; ``fixed``
    firms, the existing investors, keep theirs); county_name, county_fit_rank, alt_county_name and a landing
    note per target."""
    from matcher.outputs.landing import allocate_units

    tt = t.reset_index().rename(columns={"index": "firm_id"})
    wanted = [(u, c) for u, c in ctx.unit_chains if not ctx.options.counties or u in set(m["county_code"])]
    tt, short = allocate_units(tt, m, ctx.units["county_code"].astype(str), wanted, fixed)
    names = dict(zip(ctx.units["county_code"].astype(str), ctx.units["county_name"].astype(str), strict=True))
    ctx.shortfall = [{**g, "county_name": names.get(g["county_code"], g["county_code"])} for g in short]
    score = m.set_index(["firm_id", "county_code"])["score"]
    r = m.sort_values(["county_code", "score", "firm_id"], ascending=[True, False, True], kind="stable")
    fit = r.assign(k=r.groupby("county_code", sort=False).cumcount() + 1).set_index(["firm_id", "county_code"])["k"]
    tt["county_name"] = tt["county_code"].map(names).astype("string")
    tt["county_fit_rank"] = [int(fit.get((f, c), 0)) for f, c in zip(tt["firm_id"], tt["county_code"], strict=True)]
    ranked = m.groupby("firm_id", sort=False)["county_code"].agg(lambda s: [str(c) for c in s.head(2)])  # m: best first
    alt = []
    for fid, cc in zip(tt["firm_id"], tt["county_code"], strict=True):
        rest = [c for c in ranked.get(fid, []) if c != str(cc)]
        alt.append(names.get(rest[0]) if rest else None)
    tt["alt_county_name"] = pd.array(alt, dtype="string")
    notes = []
    for fid, cc, tied, moved in zip(tt["firm_id"], tt["county_code"], tt["tied_units"], tt["moved_from"], strict=True):
        if moved:
            notes.append(f"为使{names.get(cc)}的重点产业链有对接企业，由{names.get(moved)}调整至此（得分{score.get((fid, cc), float('nan')):.2f}，"
                         f"原{score.get((fid, moved), float('nan')):.2f}）")
        elif tied:
            notes.append(f"{'、'.join(names.get(u, u) for u in str(tied).split('、'))}条件相当（得分相同），按均衡分配")
        else:
            notes.append("")
    tt["_landing"] = notes
    return tt.set_index("firm_id")


def _chain_action(t: pd.DataFrame, best: pd.DataFrame, f_local: pd.DataFrame, ctx: TargetContext) -> dict[str, tuple[str, str]]:
    """firm_id → (action, first sentence) of its chain segment: the chain analysis's (so that every sheet says
    the same), else by local presence; empty for firms 未归链."""
    city = ctx.city
    seg_act = segment_actions(ctx.analysis, city)
    seg_local, chain_local = local_presence(f_local)
    seg_local, chain_local = add_curated_presence(seg_local, chain_local, ctx.analysis)
    links = (best.get("chain_customers", 0) + best.get("chain_suppliers", 0)).astype("float64").fillna(0.0)
    out = {}
    for fid, r in t.iterrows():
        chain, seg = str(r["chain"]), str(r["segment"])
        if chain == UNPLACED:
            out[str(fid)] = ("", f"未归链：本行业与主营产品均不在产业链模板的环节中，不作产业链归属（所属行业：{seg}）")
        elif (chain, seg) in seg_act:
            out[str(fid)] = seg_act[(chain, seg)]
        else:
            lk = float(links.get(fid, 0.0))
            a = classify_action(chain, seg, seg_local, chain_local, lk)
            out[str(fid)] = (a, action_sentence(a, city, chain, seg, seg_local, chain_local, lk))
    return out


def _learned_sentences(best: pd.DataFrame) -> dict[str, str]:
    """firm_id → what the learned expansion models say (when the registry stage is built), in words."""
    if "expansion_logit" not in best.columns:
        return {}
    pct = best["expansion_logit"].astype("float64").rank(ascending=False, pct=True)
    pct = pct[best["expansion_known"].astype(bool)] if "expansion_known" in best.columns else pct
    return {str(f): f"扩张倾向：据登记样本中的外地扩张记录估计，来本市设立分支机构或子公司的可能性居参评企业前{max(1, math.ceil(q * 100))}%"
            for f, q in pct.items()}


def _reasons(t: pd.DataFrame, best: pd.DataFrame, m: pd.DataFrame, f_local: pd.DataFrame, ctx: TargetContext,
             pres: Mapping[str, Mapping[str, Any]]) -> pd.DataFrame:
    """action, reasons, local_presence and evidence per target: an existing investor's presence first (its action
    增资扩产 / 以商招商), the segment's action, the landing unit, the learned models' view, the unit-level reasons,
    the firm's expansion record, the home region."""
    from matcher.outputs.investors import history_by_firm

    chain_act = _chain_action(t, best, f_local, ctx)
    hist = history_by_firm(ctx.history, ctx.city_names, ctx.city_code)
    learned = _learned_sentences(best)
    unit_reasons = m.set_index(["firm_id", "county_code"])["reasons"] if "reasons" in m.columns else pd.Series(dtype="object")
    actions, reasons, where, evidence = [], [], [], []
    for fid, r in t.iterrows():
        a, first = chain_act[str(fid)]
        p = pres.get(str(fid), {})
        parts = [str(p["sentence"])] if p.get("action") else []
        parts.append(first)
        if str(r["chain"]) != UNPLACED and ctx.positions is not None:
            parts.append(f"归链依据：{r['chain_basis']}")
        rank_txt = f"推荐落地{r['county_name']}（该县区匹配第{r['county_fit_rank']}名"
        rank_txt += f"，备选{r['alt_county_name']}）" if pd.notna(r["alt_county_name"]) else "）"
        parts.append(rank_txt + (f"；{r['_landing']}" if r["_landing"] else ""))
        parts += [learned.get(str(fid), ""), _clean_model_reasons(unit_reasons.get((fid, str(r["county_code"])))), hist.get(str(fid), "")]
        if p and not p.get("action"):
            parts.append(str(p["sentence"]))
        if pd.notna(r["home_region"]) and r["home_region"] != "未知":
            parts.append(f"来源地区：{r['home_region']}")
        actions.append(str(p.get("action") or a))
        reasons.append("；".join(x for x in parts if x))
        where.append(str(p.get("text", "")))
        basis = f"产业链：{r['chain_basis']}" if str(r["chain"]) != UNPLACED else ""
        evidence.append("；".join(x for x in (basis, str(p.get("evidence", "")), hist.get(str(fid), "")) if x))
    return t.assign(action=pd.array(actions, dtype="string"), reasons=pd.array(reasons, dtype="string"),
                    local_presence=pd.array(where, dtype="string"), evidence=pd.array(evidence, dtype="string"))


def _investor_pairs(m: pd.DataFrame, pres: Mapping[str, Mapping[str, Any]]) -> pd.DataFrame:
    """The best allowed pair of each firm, an existing investor's taken among the units where it already is
    (it expands there) when one of them is allowed."""
    best = m.drop_duplicates("firm_id").set_index("firm_id")
    own = [(f, u) for f, p in pres.items() if p.get("action") for u in p["units"]]
    if not own:
        return best
    keys = pd.MultiIndex.from_tuples(own, names=["firm_id", "county_code"])
    at_home = m.set_index(["firm_id", "county_code"]).reindex(keys).dropna(subset=["score"]).reset_index()
    at_home = at_home.sort_values(["firm_id", "score", "county_code"], ascending=[True, False, True], kind="stable").drop_duplicates("firm_id")
    at_home = at_home.set_index("firm_id")[best.columns]
    return pd.concat([best.drop(index=at_home.index), at_home]).loc[best.index]


def select_targets(matches: pd.DataFrame, firms: pd.DataFrame, ctx: TargetContext) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(targets, allowed long frame): one row per recommended firm, best first (:data:`TARGET_COLUMNS`).

    ``matches`` is the long frame of :func:`matcher.model.match.score_matches` (firm × county with
    ``score``, ``chain``, ``segment``, ``chain_customers``, ``chain_suppliers``, ``is_excluded`` and
    ``reasons``); ``firms`` the firm master. Left out: firms an eligibility rule excludes
    (``ctx.eligibility``, listed in 未推荐 by :func:`not_recommended_table`), firms the filters remove, and
    the (firm, unit) pairs a unit's constraint forbids. Ranking is by each firm's best allowed score;
    ``options.top`` (0 = all) cuts afterwards; then the landing unit (:func:`_land`).
    """
    from matcher.outputs.investors import LOCAL_TAG, presence_by_firm

    f = _labelled_firms(firms, ctx)
    is_local = f["city_code"].astype("string").fillna("") == ctx.city_code
    eligible = f[_eligible_mask(f, ctx)]
    m = _allowed_pairs(matches, set(eligible["firm_id"]), ctx)
    pres = presence_by_firm(ctx.investors, dict(zip(ctx.units["county_code"].astype(str), ctx.units["county_name"].astype(str), strict=True)))
    best = _investor_pairs(m, pres)
    e = eligible.set_index("firm_id").loc[best.index]
    t = _target_rows(best, e, ctx)
    t = t.reset_index().sort_values(["score", "firm_id"], ascending=[False, True], kind="stable").set_index("firm_id")
    if ctx.options.top:
        t = t.head(ctx.options.top)
    investors = [fid for fid in t.index if pres.get(str(fid), {}).get("action")]
    t = _land(t, m, ctx, investors)
    t = _reasons(t, best, m, f[is_local], ctx, pres)
    t.loc[investors, "tags"] = [";".join(x for x in (str(g) if pd.notna(g) else "", LOCAL_TAG) if x) for g in t.loc[investors, "tags"]]
    t = t.reset_index()
    t.insert(0, "rank", np.arange(1, len(t) + 1, dtype="int64"))
    return t[TARGET_COLUMNS].reset_index(drop=True), m


# --------------------------------------------------------------------------------------------------
# chain map, counties, outbound
# --------------------------------------------------------------------------------------------------
CHAIN_COLUMNS = [
    "chain", "segment", "chain_basis", "firms_national", "firms_local", "local_firms", "location_quotient",
    "leaders_national", "anchors_local", "action", "targets", "top_targets", "targeted", "anchors_source",
]
CHAIN_HEADERS = {
    "chain": "产业链", "segment": "环节", "chain_basis": "链归属依据", "firms_national": "全国企业数",
    "firms_local": "本地企业数", "local_firms": "本地企业", "location_quotient": "区位商",
    "leaders_national": "全国链主企业", "anchors_local": "本地链主/骨干企业（资料包）", "action": "建议方向",
    "targets": "目标企业数", "top_targets": "首选目标企业", "targeted": "本市重点产业链",
    "anchors_source": "本地资料原文与出处",
}


def chain_table(
    firms: pd.DataFrame,
    targets: pd.DataFrame,
    *,
    city_code: str,
    anchors: pd.DataFrame | None = None,
    targeted_chains: Iterable[str] = (),
    positions: pd.DataFrame | None = None,
    analysis: pd.DataFrame | None = None,
    excluded: Iterable[str] = (),
) -> pd.DataFrame:
    """产业链图谱: chain × segment with national and local firm counts, the location quotient, the
    national leading firms (链主), local anchors from the city pack, the suggested action and the targets
    in it. With chain templates (``positions`` given) the rows are the city's chain analysis (its strength
    and action definitions, leaders placed by their own industry, curated local evidence) and one row for
    the firms that are 未归链; without, a firm's chain is its Shenwan level-1 industry (:func:`_industry_chain_rows`).
    ``excluded``: firm ids an eligibility rule leaves out; they are never named as 链主 (no *ST firm, bank or
    developer is held up as a chain's leader)."""
    if positions is None or analysis is None or analysis.empty:
        out = _industry_chain_rows(firms, targets, city_code=city_code, anchors=anchors, targeted_chains=targeted_chains)
    else:
        out = _template_chain_rows(firms, targets, city_code=city_code, anchors=anchors, targeted_chains=targeted_chains,
                                   positions=positions, analysis=analysis)
        codes = set(firms.loc[firms["firm_id"].astype(str).isin(set(map(str, excluded))), "stock_code"].dropna().astype(str))
        kept = [_drop_leaders(s, codes) for s in out["leaders_national"]]
        had = out["leaders_national"].astype(str).str.len() > 0
        out["leaders_national"] = [k or ("（该环节规模领先的企业均在“未推荐”之列）" if h else "") for k, h in zip(kept, had, strict=True)]
    order = {"强链": 0, "补链": 1, "延链": 2}
    out["_a"] = out["action"].map(order).fillna(3)
    out["_u"] = out["chain"] == UNPLACED
    out = out.sort_values(["_u", "targeted", "_a", "targets", "chain", "segment"], ascending=[True, False, True, False, True, True], kind="stable")
    return out.drop(columns=["_a", "_u"]).reset_index(drop=True)


def _drop_leaders(leaders: object, codes: set[str]) -> str:
    """'name(code)、…' without the firms whose code is in ``codes``, the first five."""
    if not isinstance(leaders, str) or not leaders:
        return ""
    kept = [x for x in leaders.split("、") if not any(f"({c})" in x for c in codes)]
    return "、".join(kept[:5])


def _anchor_names(anchors: pd.DataFrame | None) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    if anchors is not None and len(anchors):
        for a in anchors.itertuples(index=False):
            keys = set(list(a.chains) if a.chains is not None else [])
            sw = getattr(a, "sw_l1", None)
            if isinstance(sw, str) and sw:
                keys.add(sw)
            for k in keys:
                if str(a.name) not in out.setdefault(str(k), []):
                    out[str(k)].append(str(a.name))
    return out


def _template_chain_rows(firms: pd.DataFrame, targets: pd.DataFrame, *, city_code: str, anchors: pd.DataFrame | None,
                         targeted_chains: Iterable[str], positions: pd.DataFrame, analysis: pd.DataFrame) -> pd.DataFrame:
    tgt = targets.sort_values("rank", kind="stable")
    tgt_by = {k: list(g["name"].astype(str)) for k, g in tgt.groupby(["chain", "segment"], sort=False)}
    anchor_by = _anchor_names(anchors)
    targeted = {str(c) for c in targeted_chains}
    rows = []
    for (c, s_), r in analysis.set_index(["chain", "segment"]).iterrows():
        tg = tgt_by.get((c, s_), [])
        rows.append({
            "chain": c, "segment": s_, "chain_basis": "产业链模板", "firms_national": int(r["national_firms"]),
            "firms_local": int(r["local_firms"]), "local_firms": str(r["local_firm_names"]).replace("; ", "、"),
            "location_quotient": float(r["rca"]), "leaders_national": str(r["leaders"]).replace("; ", "、"),
            "anchors_local": "、".join(x for x in ["、".join(anchor_by.get(str(c), [])), _text(r.get("curated_text"))] if x),
            "action": str(r["action"]), "targets": len(tg), "top_targets": "、".join(tg[:3]),
            "targeted": "是" if c in targeted else "", "anchors_source": _text(r["curated_local"]),
        })
    lab = chain_labels(firms, positions)
    unplaced = lab["chain"] == UNPLACED
    local = firms["city_code"].astype("string").fillna("") == city_code
    tg = tgt[tgt["chain"] == UNPLACED]
    rows.append({
        "chain": UNPLACED, "segment": "（各行业）", "chain_basis": UNPLACED_BASIS, "firms_national": int(unplaced.sum()),
        "firms_local": int((unplaced & local).sum()), "local_firms": _names(list(firms.loc[unplaced & local, "name"].astype(str)), 5),
        "location_quotient": float("nan"), "leaders_national": "", "anchors_local": "", "action": "", "targets": len(tg),
        "top_targets": "、".join(tg["name"].astype(str).head(3)), "targeted": "", "anchors_source": "",
    })
    return pd.DataFrame(rows, columns=CHAIN_COLUMNS)


def _text(v: object) -> str:
    """A cell's text ('' for None/NaN)."""
    return "" if v is None or v is pd.NA or (isinstance(v, float) and math.isnan(v)) else str(v)


def _industry_chain_rows(firms: pd.DataFrame, targets: pd.DataFrame, *, city_code: str, anchors: pd.DataFrame | None,
                         targeted_chains: Iterable[str]) -> pd.DataFrame:
    """Rows of 产业链图谱 without chain templates: Shenwan level 1 × level 2, national leaders by size."""
    f = firms.copy()
    f[["chain", "segment", "chain_basis"]] = chain_labels(f, None)
    f["_size"] = pd.to_numeric(f["total_assets_yi"], errors="coerce")
    f = f.sort_values(["_size", "firm_id"], ascending=[False, True], kind="stable", na_position="last")
    f["_local"] = (f["city_code"].astype("string").fillna("") == city_code).astype(bool)
    n_all, n_loc = len(f), int(f["_local"].sum())
    seg_local, chain_local = local_presence(f[f["_local"]])
    tgt = targets.sort_values("rank", kind="stable")
    tgt_by = {k: list(g["name"].astype(str)) for k, g in tgt.groupby(["chain", "segment"], sort=False)}
    anchor_by = _anchor_names(anchors)
    targeted = {str(c) for c in targeted_chains}
    rows = []
    for (c, s), g in f.groupby(["chain", "segment"], sort=True):
        loc = g[g["_local"]]
        nat = len(g)
        lq = (len(loc) / n_loc) / (nat / n_all) if n_loc and nat else 0.0
        tg = tgt_by.get((c, s), [])
        rows.append({
            "chain": c, "segment": s, "chain_basis": str(g["chain_basis"].iat[0]),
            "firms_national": nat, "firms_local": len(loc), "local_firms": _names(list(loc["name"].astype(str)), 5),
            "location_quotient": round(lq, 2),
            "leaders_national": "、".join(g.loc[~g["_local"], "name"].astype(str).head(3)),
            "anchors_local": "、".join(anchor_by.get(str(c), []) + [x for x in anchor_by.get(str(s), []) if x not in anchor_by.get(str(c), [])]),
            "action": classify_action(str(c), str(s), seg_local, chain_local, 0.0),
            "targets": len(tg), "top_targets": "、".join(tg[:3]),
            "targeted": "是" if (c in targeted or s in targeted) else "", "anchors_source": "",
        })
    return pd.DataFrame(rows, columns=CHAIN_COLUMNS)


COUNTY_COLUMNS = ["county_code", "county_name", "fit_rank", "name", "firm_id", "chain", "segment", "action",
                  "home_city", "score", "is_first_choice", "reasons"]
COUNTY_HEADERS = {
    "county_code": "县区代码", "county_name": "县区", "fit_rank": "县区内排名", "name": "企业", "firm_id": "企业编号",
    "chain": "产业链", "segment": "环节", "action": "招商方向", "home_city": "总部所在市", "score": "匹配得分",
    "is_first_choice": "是否该企业首选县区", "reasons": "推荐理由",
}


def county_table(allowed: pd.DataFrame, targets: pd.DataFrame, units: pd.DataFrame, per_county: int = 10) -> pd.DataFrame:
    """县区落地建议: for each county, the ``per_county`` targets that fit it best (the county's own
    ranking of the target firms, so every county gets its list even when most firms' first choice is
    one large unit); ``is_first_choice`` says whether it is also the firm's best county."""
    tg = targets.set_index("firm_id")
    m = allowed[allowed["firm_id"].isin(tg.index)]
    m = m.sort_values(["firm_id", "score", "county_code"], ascending=[True, False, True], kind="stable")
    m = m.assign(firm_county_rank=m.groupby("firm_id", sort=False).cumcount() + 1)
    m = m.sort_values(["county_code", "score", "firm_id"], ascending=[True, False, True], kind="stable")
    m = m.assign(fit_rank=m.groupby("county_code", sort=False).cumcount() + 1)
    m = m[m["fit_rank"] <= per_county]
    out = pd.DataFrame({
        "county_code": m["county_code"].astype("string"), "county_name": m["county_name"].astype("string"),
        "fit_rank": m["fit_rank"].astype("int64"), "name": m["firm_id"].map(tg["name"]).astype("string"),
        "firm_id": m["firm_id"].astype("string"), "chain": m["firm_id"].map(tg["chain"]).astype("string"),
        "segment": m["firm_id"].map(tg["segment"]).astype("string"), "action": m["firm_id"].map(tg["action"]).astype("string"),
        "home_city": m["firm_id"].map(tg["home_city"]).astype("string"), "score": m["score"].astype("float64").round(4),
        "is_first_choice": np.where(m["firm_id"].map(tg["county_code"]) == m["county_code"], "是", "否"),
        "reasons": [
            str(tg.at[fid, "reasons"]) if str(cc) == str(tg.at[fid, "county_code"]) else "；".join(
                x for x in (str(tg.at[fid, "reasons"]).split("；")[0], f"该企业首选{tg.at[fid, 'county_name']}，本县区为其第{k}选择",
                            _clean_model_reasons(r)) if x)
            for fid, cc, r, k in zip(m["firm_id"], m["county_code"], m["reasons"] if "reasons" in m.columns else [""] * len(m),
                                     m["firm_county_rank"], strict=True)
        ],
    })
    order = {c: i for i, c in enumerate(units["county_code"].astype(str))}
    out["_o"] = out["county_code"].map(order)
    return out.sort_values(["_o", "fit_rank"], kind="stable").drop(columns="_o").reset_index(drop=True)[COUNTY_COLUMNS]


OUTBOUND_COLUMNS = ["home_region", "home_province", "home_city", "targets", "best_rank", "chains", "top_targets"]
OUTBOUND_HEADERS = {
    "home_region": "区域", "home_province": "省份", "home_city": "城市", "targets": "目标企业数",
    "best_rank": "最高排名", "chains": "涉及产业链", "top_targets": "重点企业（前5）",
}


def outbound_table(targets: pd.DataFrame, groups: pd.DataFrame) -> pd.DataFrame:
    """走出去: targets grouped by home region (file order of the groups), then city by count."""
    if targets.empty:
        return pd.DataFrame(columns=OUTBOUND_COLUMNS)
    t = targets.assign(home_city=targets["home_city"].fillna("城市不详"), home_province=targets["home_province"].fillna("不详"))
    rows = []
    for (reg, prov, cty), g in t.groupby(["home_region", "home_province", "home_city"], sort=True, dropna=False):
        g = g.sort_values("rank", kind="stable")
        rows.append({
            "home_region": reg, "home_province": prov, "home_city": cty, "targets": len(g),
            "best_rank": int(g["rank"].min()),
            "chains": "、".join(g["chain"].astype(str).value_counts().sort_index(kind="stable").sort_values(ascending=False, kind="stable").index[:3]),
            "top_targets": "、".join(g["name"].astype(str).head(5)),
        })
    out = pd.DataFrame(rows, columns=OUTBOUND_COLUMNS)
    order = {g: i for i, g in enumerate(groups.drop_duplicates("group").sort_values("order")["group"].astype(str))}
    out["_o"] = out["home_region"].map(lambda r: order.get(str(r), len(order)))
    out = out.sort_values(["_o", "targets", "best_rank"], ascending=[True, False, True], kind="stable")
    return out.drop(columns="_o").reset_index(drop=True)


def region_summary(outbound: pd.DataFrame) -> pd.DataFrame:
    """Counts per region group (for the overview and the brief)."""
    if outbound.empty:
        return pd.DataFrame(columns=["home_region", "targets", "cities", "best_rank"])
    g = outbound.groupby("home_region", sort=False).agg(targets=("targets", "sum"), cities=("home_city", "nunique"), best_rank=("best_rank", "min"))
    return g.reset_index()


# --------------------------------------------------------------------------------------------------
# overview, quality, data notes
# --------------------------------------------------------------------------------------------------
METRIC_LABELS = {
    "roc_auc": "ROC-AUC", "average_precision": "AP", "best_f1": "best-F1", "p_at_100": "P@100",
    "p_at_1000": "P@1000", "ndcg_at_10": "NDCG@10", "mrr": "MRR", "median_rank": "中位名次",
    "recall_at_10": "recall@10", "recall_at_30": "recall@30",
}


def _metric_rows(obj: object, path: tuple[str, ...] = ()) -> list[tuple[str, str, float]]:
    """(section, model, metric, value) rows: every dict that holds known metric names as numbers."""
    out: list[tuple[str, str, float]] = []
    if not isinstance(obj, Mapping) or len(path) > 4:
        return out
    found = [(k, v) for k, v in obj.items() if k in METRIC_LABELS and isinstance(v, (int, float)) and not isinstance(v, bool)]
    for k, v in found:
        out.append((".".join(path), k, float(v)))
    for k, v in obj.items():
        out += _metric_rows(v, (*path, str(k)))
    return out


def _headline_rows(data: Mapping[str, Any]) -> list[tuple[str, str, float]]:
    """(model, metric, value) rows of a results file's ``headline`` (the expansion benchmark's: per task the
    learned ranker and the best baseline)."""
    out: list[tuple[str, str, float]] = []
    for task, e in (data.get("headline") or {}).items():
        if isinstance(e, Mapping) and "metric" in e:
            out += [(f"{task}.learned", str(e["metric"]), float(e["learned"])),
                    (f"{task}.{e['baseline']}", str(e["metric"]), float(e["baseline_value"]))]
    return out


def model_quality(results_dir: Path | None = None, names: Sequence[str] = ("entry", "relocation", "expansion")) -> pd.DataFrame:
    """Measured quality from ``benchmarks/results/<name>.json``: benchmark, model (the path of the
    result inside the file, e.g. ``rankers.learned``), metric, value. A benchmark not yet run gets one
    row saying so."""
    rows = []
    results_dir = Path(results_dir) if results_dir is not None else resources.results_dir()
    for n in names:
        p = results_dir / f"{n}.json"
        try:
            data = json.loads(p.read_text(encoding="utf-8")) if p.is_file() else None
        except json.JSONDecodeError:
            data = None
        found = (_headline_rows(data) or _metric_rows(data)) if data is not None else []
        if not found:
            rows.append({"benchmark": n, "model": "", "metric": f"（无结果：matcher bench {n}）", "value": np.nan})
        for model, metric, value in found:
            rows.append({"benchmark": n, "model": model, "metric": metric, "value": value})
    return pd.DataFrame(rows, columns=["benchmark", "model", "metric", "value"])


def model_weights(learned: bool = False) -> pd.DataFrame:
    """The ranker's weights and where each comes from: with the registry stage, the learned expansion scores and
    the pack's policy (:data:`matcher.model.match.LEARNED_WEIGHTS`); without it, the relocation-fitted and
    hand-set weights."""
    from matcher.model.match import DEFAULT_WEIGHTS, LEARNED_SOURCE, LEARNED_WEIGHTS, WEIGHT_SOURCE

    weights, source = (LEARNED_WEIGHTS, LEARNED_SOURCE) if learned else (DEFAULT_WEIGHTS, WEIGHT_SOURCE)
    rows = [{"feature": k, "weight": float(v), "source": source.get(k, "")} for k, v in weights.items() if v != 0.0]
    return pd.DataFrame(rows, columns=["feature", "weight", "source"])


def overview_table(nav_meta: Mapping[str, Any], options: NavmapOptions, targets: pd.DataFrame, quality: pd.DataFrame) -> pd.DataFrame:
    """总览: item, value — what this is, for whom, from which data, by which model, how good it is."""
    rows: list[tuple[str, str]] = [
        ("名称", f"{nav_meta['city']}招商导航图"),
        ("城市", f"{nav_meta['city']}（{nav_meta['city_code']}），{nav_meta['n_units']}个县级单位"),
        ("数据版本", f"企业库截至{nav_meta['data_vintage']}（最晚上市日期）；企业库共{nav_meta['n_firms']}家企业"),
        ("参与排序企业", f"{nav_meta['n_scored']}家逐一与各县区匹配打分，其中{nav_meta.get('n_eligible', nav_meta['n_scored'])}家符合筛选条件"),
        ("本地已有企业", f"{nav_meta['n_local']}家（企业库中总部在本市的企业）"),
        ("推荐目标", f"{len(targets)}家"),
    ]
    if len(targets):
        for a in ACTIONS + INVESTOR_ACTIONS:
            rows.append((f"其中{a}", f"{int((targets['action'] == a).sum())}家"))
        local = targets["tags"].astype("string").fillna("").str.contains("已在本地", regex=False)
        rows.append(("已在本地的企业", f"{int(local.sum())}家（在本市已有子公司、分公司或本系统记录的签约落地项目：招商方向为增资扩产或以商招商，"
                     "不作为新引进目标）"))
        top_reg = targets["home_region"].value_counts().head(5)
        rows.append(("主要来源地区", "、".join(f"{k}{v}家" for k, v in top_reg.items())))
    if nav_meta.get("not_recommended"):
        rows.append(("未推荐", "；".join(f"{k}{v}家" for k, v in nav_meta["not_recommended"].items()) + "（逐家列于“未推荐”表，含原因）"))
    for gap in nav_meta.get("uncovered_unit_chains") or []:
        rows.append(("县区重点产业链未覆盖", f"{gap.get('county_name', gap['county_code'])}“{gap['chain']}”：{gap['reason']}"))
    for k, v in options.describe().items():
        rows.append((f"筛选：{k}", v))
    if nav_meta.get("learned"):
        rows.append(("模型", "按工商登记样本中企业在外地新设分公司、子公司的记录学习：企业来本市设立分支机构的倾向与在各县区落地的可能性；"
                     "城市资料包中的重点产业链、县区约束与链上重点企业另加人工设定的权重（逐项见“数据说明”）"))
    else:
        rows.append(("模型", "透明的线性打分：区位特征的权重由上市公司迁址记录拟合，产业链配套、重点产业链与企业实力的权重为人工设定"
                     "（逐项见“数据说明”；工商登记样本未构建，未用扩张记录学习）"))
    rows += quality_sentences(quality)
    rows.append(("检验的局限", "回测只用当时以前的数据，对照之后实际出现的情况；上市公司数据只含2024年5月仍在上市的公司，此前已退市的公司不在其中，"
                 "早年的产业基础因此被低估；工商登记是抽样，缺整省整年的数据；数值用于比较排序方法的好坏，不是命中率的保证。"
                 "各方法的全部指标见“模型检验”表（供分析人员）"))
    rows.append(("生成方式", "同样的输入得到同样的文件（文件中不含生成时间）"))
    return pd.DataFrame(rows, columns=["item", "value"])


def chain_assignment_notes(results_dir: Path | None = None) -> list[tuple[str, str, str]]:
    """The measured quality of the chain assignment (``benchmarks/results/chain_assignment.json``), in words."""
    p = (Path(results_dir) if results_dir is not None else resources.results_dir()) / "chain_assignment.json"
    try:
        res = json.loads(p.read_text(encoding="utf-8"))
        h = res["holdout"]
        v1 = res["headline"]["blind_v1"]
    except (OSError, ValueError, KeyError, TypeError):
        return [("质量", "产业链归属准确率", "尚未测量")]
    return [("质量", "产业链归属准确率",
             f"随机抽取{h['firms']}家留作检验的企业（另一半用于确定规则）：归链的{h['placed']}家中{h['correct']}家正确，"
             f"准确率{h['precision']:.0%}（95%区间{h['precision_ci'][0]:.0%}–{h['precision_ci'][1]:.0%}），归链比例{h['coverage']:.0%}；"
             f"模板修订前的首次检验为{v1['precision']:.0%}")]


def data_notes_table(firms: pd.DataFrame, weights: pd.DataFrame) -> pd.DataFrame:
    """数据说明: section, item, note — sources with vintages and firm counts, definitions, weights."""
    src = firms["sources"].astype("string").fillna("")
    rows: list[tuple[str, str, str]] = []
    for key, what, vintage in SOURCE_VINTAGES:
        n = int(src.str.contains(key.split("_")[0], regex=False).sum()) if key not in ("divisions", "city_pack", "wiod") else None
        rows.append(("数据来源", what, f"版本 {vintage}" + (f"；贡献企业 {n} 家" if n is not None else "")))
    rows += [
        ("口径", "招商方向", "有产业链模板时，目标企业的招商方向即其所在环节的方向（与产业链图谱一致）：本地无该环节企业→补链；"
         "已有但不成规模（或仅有城市资料包记载的本地企业/园区）→强链；基础较强且相邻环节薄弱→延链，否则强链。"
         "无模板时：本市已有该环节企业→强链；有该链其他环节→补链；尚无该链企业→延链"),
        ("口径", "产业链归属", "企业只凭自身证据归链：本身的申万行业在该环节；或无申万行业时，其Tushare行业的同类上市公司多数属该环节；"
         "或主营产品与该环节关键产品相符且权重不低于0.2、不低于其最大产品的三分之一。名称分类器的推测、经营范围中的提及、"
         "泛称（如“新材料”）均不作依据。证据不足的企业标为“未归链”，不给招商方向。抽样核验结果见数据说明中的归链准确率"),
        ("口径", "未推荐", "金融机构、房地产开发、风险警示或退市、能源开采与公用事业（按产品归入制造环节的除外）不作为目标，"
         "逐家列于“未推荐”表，注明规则、原因与出处；县区约束（如旅游示范区不宜落地重化工）使企业改荐其他县区的，也一并列出"),
        ("口径", "县区选择", "按企业与各县区的匹配得分取最高者。建有工商登记样本时，县区部分为按以往企业在外地设立分公司、子公司时选择县区的记录"
         "学习所得的落地可能性（该县区登记企业多少、近年新增、同行业企业、以往外来设立、开发区、到企业总部距离等），外加城市资料包的重点产业链"
         "与约束；以往分支机构多设在中心城区，故中心城区常居首位，“县区落地建议”表为每个县区单独列出最匹配的企业。城市资料包列为某链重点承载地的县区，"
         "若名单中无该链企业落地，则将该链在该县区得分最高的企业调整至此（理由中注明）；已在本地的企业落在其已有布局的县区"),
        ("口径", "已在本地", "工商登记样本中该企业在本市有子公司、分公司或注册地，或随软件提供的企业关联表中有公开出处记载其在本市的企业，"
         "或本系统项目库中已签约、落地的项目：标注“已在本地”，招商方向为增资扩产（有子公司、注册地或项目）或以商招商（仅有分公司），不作为新引进目标；"
         "只有销售网点（银行网点、加油站、门店等）的不算，列于“本地已有布局”"),
        ("口径", "扩张倾向", "按工商登记样本中企业以往在外地设立分公司、子公司的记录学习：以往扩张多少、近年扩张、已覆盖城市、在本市与本省已有布局、"
         "距离、本市登记企业与同行业规模、以往外来设立等；电信、成品油销售、航空、有线电视等网络型企业的网点不算扩张，也不参与此项估计"),
        ("口径", "全国链主企业", "产业链模板中的链：本身申万行业属该环节的企业，按规模与下游覆盖综合排名；其余：该环节总资产最大的外地企业"),
        ("口径", "产业链与环节", "有产业链模板时按模板归链（见“产业链归属”）；否则以申万一级行业为“链”、申万二级行业为“环节”；无申万代码的按Tushare行业"),
        ("口径", "建议落地县区", "模型对每家企业在各县区的匹配得分最高者；“该县区内排名”为该企业在该县区全部候选中的名次"),
        ("口径", "区位商", "（本地该环节企业数/本地企业数）÷（全国该环节企业数/全国企业数）"),
        ("口径", "所属区域", "区域分组表（随软件提供）：国家区域战略规划范围（京津冀、长三角、粤港澳大湾区、成渝、长江中游、东北），其余按国家统计局四大区域"),
        ("口径", "距离与时间", "推荐理由中的距离为两地直线距离；出访行程的城际时间按铁路干线估算（不跨海取直线），均非实际车次与路程"),
        ("局限", "企业范围", "以上市公司、独角兽为主；专精特新“小巨人”与工商登记企业需用户导入名单"),
        ("局限", "本地企业", "产业链强弱判断中的本地企业仅指企业库中总部在本市的企业；外地企业在本地的子公司、分公司见“本地已有布局”列"
         "（工商登记样本为抽样，并非全量：没有记录不等于没有布局）"),
    ]
    rows += chain_assignment_notes()
    for r in weights.itertuples(index=False):
        how = {"fitted:expansion": "由扩张记录学习", "fitted:relocation": "由迁址记录拟合"}.get(str(r.source), "人工设定")
        rows.append(("模型权重", feature_label(str(r.feature)), f"{r.weight:+.3f}（{how}）"))
    return pd.DataFrame(rows, columns=["section", "item", "note"])


# --------------------------------------------------------------------------------------------------
# the build
# --------------------------------------------------------------------------------------------------
def segment_label(segment: object, name: object) -> str:
    """'上游·原料药' — the template's position and its segment name, as planners write it."""
    if isinstance(name, str) and name and name != segment:
        return f"{segment}·{name}"
    return str(segment)


def segment_names(templates: Sequence[Any]) -> dict[tuple[str, str], str]:
    """(chain, segment) → the label planners write (``上游·原料药与中药材``)."""
    return {(t.chain, s.segment): segment_label(s.segment, s.name) for t in templates for s in t.segments}


def labelled_positions(positions: pd.DataFrame, templates: Sequence[Any], targeted: Iterable[str] = ()) -> pd.DataFrame:
    """One (chain, segment label, evidence) per placed firm (:func:`matcher.chain.positions.choose_positions`:
    among its best-evidenced positions, the targeted chains first), the segment written as planners do
    (``上游·原料药``)."""
    names = segment_names(templates)
    pos = choose_positions(positions, targeted)
    pos["segment"] = [names.get((c, s), s) for c, s in zip(pos["chain"], pos["segment"], strict=True)]
    return pos


def labelled_analysis(analysis: pd.DataFrame) -> pd.DataFrame:
    """The city's chain analysis with segment labels (``上游·原料药``)."""
    return analysis.assign(segment=[segment_label(s, n) for s, n in zip(analysis["segment"], analysis["segment_name"], strict=True)])


def targeted_chains(pack: object | None) -> list[str]:
    """Every chain the city or one of its units targets (from the pack)."""
    if pack is None:
        return []
    out = [str(t.value) for t in getattr(pack, "targeted_chains", []) or []]
    for u in getattr(pack, "units", []) or []:
        out += [str(t.value) for t in getattr(u, "targeted_chains", []) or []]
    return sorted(set(out))


def city_display_name(city: str, city_code: str, pack: object | None, data_dir: Path) -> str:
    """The city's name as the map prints it (the pack's, else the division table's)."""
    name = str(getattr(pack, "city", "") or "") if pack is not None else ""
    return name or geo.resolve_city(city_code, data_dir)[1]


def unit_exclusion_rows(targets: pd.DataFrame, matches: pd.DataFrame, constraints: pd.DataFrame | None,
                        excl_weight: float) -> pd.DataFrame:
    """未推荐 rows with a unit as scope: targets whose best unit, without the unit's constraint, would be a
    unit the constraint forbids to their industry (firm_id, scope, rule, reason, source)."""
    cols = ["firm_id", "scope", "rule", "reason", "source"]
    if constraints is None or constraints.empty or targets.empty:
        return pd.DataFrame(columns=cols)
    free = constrained_units(matches[matches["firm_id"].isin(targets["firm_id"])], constraints, excl_weight)
    got = targets.set_index("firm_id")["score"]
    free = free[free["free_score"] > free["firm_id"].map(got).astype("float64") + 1e-3]  # float32 sums: a real gain, not rounding
    free = free.sort_values(["firm_id", "free_score"], ascending=[True, False]).drop_duplicates("firm_id")
    note = constraints.drop_duplicates("county_code").set_index("county_code")
    rows = [{"firm_id": r.firm_id, "scope": str(r.county_name), "rule": "县区约束",
             "reason": f"{r.county_name}：{note.at[r.county_code, 'note']}，该行业不宜落地（已改荐其他县区）",
             "source": str(note.at[r.county_code, "source"])} for r in free.itertuples(index=False) if r.county_code in note.index]
    return pd.DataFrame(rows, columns=cols)


def assemble_navmap(
    city_name: str,
    city_code: str,
    matches: pd.DataFrame,
    firms: pd.DataFrame,
    units: pd.DataFrame,
    options: NavmapOptions,
    *,
    positions: pd.DataFrame | None = None,
    analysis: pd.DataFrame | None = None,
    anchors: pd.DataFrame | None = None,
    targeted: Sequence[str] = (),
    has_pack: bool = False,
    groups: pd.DataFrame | None = None,
    quality: pd.DataFrame | None = None,
    eligibility: pd.DataFrame | None = None,
    segment_names: Mapping[tuple[str, str], str] | None = None,
    unit_chains: Sequence[tuple[str, str]] = (),
    constraints: pd.DataFrame | None = None,
    excl_weight: float = -10.0,
    investors: pd.DataFrame | None = None,
    history: pd.DataFrame | None = None,
    city_names: Mapping[str, str] | None = None,
) -> Navmap:
    """The navigation map from its inputs (pure: no file is read except the region groups and the
    benchmark results when ``groups``/``quality`` are not given). ``eligibility``: the firms an
    eligibility rule leaves out (:func:`matcher.model.eligibility.evaluate`); ``unit_chains``: the (unit,
    chain) pairs the pack names; ``constraints``: the pack's unit constraints (county_code, note, source);
    ``investors``: the city's existing investors (:func:`matcher.regions.investors.existing_investors`);
    ``history``: the firms' expansion events (cited in the reasons), ``city_names`` naming their cities."""
    groups = load_region_groups() if groups is None else groups
    short = city_name.removesuffix("市") if len(city_name) > 2 else city_name
    ctx = TargetContext(short, city_code, options, groups, units, positions, analysis, eligibility,
                        dict(segment_names or {}), list(unit_chains), constraints, investors, history, dict(city_names or {}))
    targets, allowed = select_targets(matches, firms, ctx)
    chains = chain_table(firms, targets, city_code=city_code, anchors=anchors, targeted_chains=targeted,
                         positions=positions, analysis=analysis,
                         excluded=eligibility["firm_id"] if eligibility is not None and len(eligibility) else ())
    counties = county_table(allowed, targets, units, per_county=options.per_county)
    outbound = outbound_table(targets, groups)
    excluded = not_recommended_table(matches, firms, eligibility, unit_exclusion_rows(targets, matches, constraints, excl_weight))
    quality = model_quality() if quality is None else quality
    vintage = pd.to_datetime(firms["list_date"], errors="coerce").max()
    if options.snapshot is not None:
        vintage = min(vintage, pd.Timestamp(options.snapshot)) if pd.notna(vintage) else pd.Timestamp(options.snapshot)
    eligible = matches["firm_id"].isin(allowed["firm_id"]) if len(allowed) else matches["firm_id"].isin([])
    meta: dict[str, Any] = {
        "city": city_name, "city_short": short, "city_code": city_code, "n_units": len(units),
        "n_firms": len(firms), "n_scored": int(matches["firm_id"].nunique()),
        "n_eligible": int(matches.loc[eligible, "firm_id"].nunique()),
        "n_local": int((firms["city_code"].astype("string") == city_code).sum()),
        "data_vintage": vintage.date().isoformat() if pd.notna(vintage) else "不详",
        "has_pack": has_pack, "targeted_chains": list(targeted),
        "chain_source": "产业链模板" if positions is not None and len(positions) else "申万行业（产业链模板未提供）",
        "not_recommended": excluded["rule"].value_counts().to_dict() if len(excluded) else {},
        "uncovered_unit_chains": ctx.shortfall,
        "learned": "expansion_logit" in matches.columns,
    }
    overview = overview_table(meta, options, targets, quality)
    notes = data_notes_table(firms, model_weights(bool(meta["learned"])))
    return Navmap(city=city_name, city_code=city_code, options=options, targets=targets, chains=chains,
                  counties=counties, outbound=outbound, units=units, overview=overview, data_notes=notes,
                  quality=quality, meta=meta, matches=matches, firms=firms, positions=positions,
                  not_recommended=excluded)


def write_navmap(navmap: Navmap, out_dir: str | Path) -> dict[str, Path]:
    """Write targets.csv, not_recommended.csv, navmap.xlsx, navmap.html, navmap.md and the maps as PNG
    (navmap_china.png, navmap_city.png, when the city has boundary data) into ``out_dir``; return their paths."""
    from matcher.outputs.brief import write_brief
    from matcher.outputs.excel import write_excel
    from matcher.outputs.html import write_html
    from matcher.outputs.maps import map_pngs

    out = ensure_out_dir(out_dir)  # a file in the way or no permission: OutputError naming the folder
    paths = {
        "targets.csv": out / "targets.csv", "navmap.xlsx": out / "navmap.xlsx",
        "navmap.html": out / "navmap.html", "navmap.md": out / "navmap.md",
    }
    images = map_pngs(navmap.targets, navmap.units, navmap.city_code, navmap.city)  # the brief and 总览 show them
    for name, png in images.items():
        paths[name] = out / name
        paths[name].write_bytes(png)
    write_targets_csv(navmap.targets, paths["targets.csv"])
    paths["not_recommended.csv"] = out / "not_recommended.csv"
    to_csv(navmap.not_recommended[NOT_RECOMMENDED_COLUMNS], paths["not_recommended.csv"], encoding="utf-8-sig",
           lineterminator="\n")  # formula prefixes neutralised (matcher.outputs.safe)
    write_excel(navmap, paths["navmap.xlsx"], images=images)
    write_html(navmap, paths["navmap.html"])
    write_brief(navmap, paths["navmap.md"], images=list(images))
    return paths


def write_targets_csv(targets: pd.DataFrame, path: str | Path) -> None:
    """targets.csv: UTF-8 with BOM (opens correctly in Excel), '\\n' line ends, fixed float format."""
    t = targets[TARGET_COLUMNS].copy()
    to_csv(t, path, encoding="utf-8-sig", lineterminator="\n", float_format="%.4f")  # formula prefixes neutralised


def read_targets_csv(path: str | Path) -> pd.DataFrame:
    """targets.csv read back with its dtypes (codes stay strings)."""
    str_cols = {c: "string" for c in TARGET_COLUMNS if c not in ("rank", "score", "lon", "lat", "county_fit_rank")}
    return unneutralise_csv(pd.read_csv(path, dtype=str_cols, encoding="utf-8-sig"))
