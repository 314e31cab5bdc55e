"""Existing investors and expansion records in planners' words (the navigation map's ``local_presence``,
``evidence`` and reasons).

A firm with a business of its own in the city — a subsidiary, a branch, its seat, or a lead the city signed or
landed (:data:`matcher.regions.investors.INVESTOR_KINDS`) — is an **existing investor** (已在本地): it is never
reported as a new target; its action is

- **增资扩产** when it has a subsidiary, its seat or a signed or landed project in the city (an operation that
  can expand there), and
- **以商招商** when it has branches only (an office or a service branch: the relation is a channel to bring in
  its partners),

and its landing unit is the unit where it already is (the best-scoring one of them). Sales outlets alone (bank
branches, fuel stations, shops) are listed in ``local_presence`` but make no investor.
"""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd

from matcher.regions.investors import INVESTOR_KINDS, KIND_NAMES

EXPAND = "增资扩产"
VIA_INVESTOR = "以商招商"
INVESTOR_ACTIONS = (EXPAND, VIA_INVESTOR)
LOCAL_TAG = "已在本地"
#: how many earlier expansions a reason cites
HISTORY_CITED = 2


def investor_action(kinds: set[str]) -> str:
    """增资扩产 / 以商招商 / '' (not an investor) from the kinds of a firm's entities in the city."""
    if kinds & {"subsidiary", "self", "outcome"}:
        return EXPAND
    if kinds & INVESTOR_KINDS:
        return VIA_INVESTOR
    return ""


def _kinds(rows: pd.DataFrame) -> set[str]:
    return {k for ks in rows["kinds"].astype(str) for k in ks.split("|")}


def _since(d: object) -> str:
    return f"{pd.Timestamp(d).year}年起" if pd.notna(d) else "时间不详"


def presence_by_firm(investors: pd.DataFrame | None, unit_names: Mapping[str, str]) -> dict[str, dict[str, object]]:
    """firm_id → {action, units (codes where it invests, oldest first), text (``local_presence``), sentence
    (first sentence of the reasons), evidence}."""
    if investors is None or investors.empty:
        return {}
    out: dict[str, dict[str, object]] = {}
    inv = investors.sort_values(["firm_id", "first_date", "county_code"], kind="stable", na_position="last")
    for fid, g in inv.groupby("firm_id", sort=False):
        parts = [f"{unit_names.get(str(r.county_code), str(r.county_code))}（{_since(r.first_date)}，"
                 f"{'、'.join(KIND_NAMES.get(k, k) for k in str(r.kinds).split('|'))}）" for r in g.itertuples(index=False)]
        action = investor_action(_kinds(g))
        own = g[[bool(set(str(k).split("|")) & INVESTOR_KINDS) for k in g["kinds"]]]
        out[str(fid)] = {"action": action, "units": [str(c) for c in own["county_code"]], "text": "；".join(parts),
                         "sentence": _sentence(own if len(own) else g, action, unit_names),
                         "evidence": "；".join(str(e) for e in g["evidence"])}
    return out


#: the kind a sentence names first when a unit holds several
KIND_ORDER = ("subsidiary", "self", "outcome", "branch", "sales_outlet")


def _sentence(g: pd.DataFrame, action: str, unit_names: Mapping[str, str]) -> str:
    r = g.iloc[0]
    ks = sorted(str(r.kinds).split("|"), key=lambda k: KIND_ORDER.index(k) if k in KIND_ORDER else len(KIND_ORDER))
    kinds = [KIND_NAMES.get(k, k) for k in ks]
    first = str(r.examples).split("|")[0]
    when = f"{pd.Timestamp(r.first_date).year}年" if pd.notna(r.first_date) else ""
    where = unit_names.get(str(r.county_code), str(r.county_code))
    more = f"等{len(g)}处" if len(g) > 1 else ""
    if not action:
        return f"本地已有其{'、'.join(kinds)}（{where}，{first}{more}），尚无生产经营实体"
    verb = "设立" if kinds[0] in ("子公司", "分公司") else "有"
    return f"已在本地：{when}在{where}{verb}{kinds[0]}（{first}）{more}，宜对接{action}"


def history_by_firm(history: pd.DataFrame | None, city_names: Mapping[str, str], city_code: str) -> dict[str, str]:
    """firm_id → '近年外地扩张：2016年在天津市设立子公司（…）、2014年在唐山市设立分公司；共12处' from the firm's
    expansion events (branches and subsidiaries outside its home city), the city's own left out."""
    if history is None or history.empty:
        return {}
    h = history[history["city_code"] != city_code].sort_values(["firm_id", "reg_date"], ascending=[True, False], kind="stable")
    out = {}
    for fid, g in h.groupby("firm_id", sort=False):
        cited = [f"{pd.Timestamp(r.reg_date).year}年在{city_names.get(str(r.city_code), str(r.city_code))}设立"
                 f"{KIND_NAMES.get(str(r.link_type), str(r.link_type))}（{r.entity_name}）" for r in g.head(HISTORY_CITED).itertuples(index=False)]
        out[str(fid)] = "近年外地扩张：" + "、".join(cited) + (f"；登记样本中共{len(g)}处" if len(g) > HISTORY_CITED else "")
    return out


__all__ = ["EXPAND", "INVESTOR_ACTIONS", "LOCAL_TAG", "VIA_INVESTOR", "history_by_firm", "investor_action", "presence_by_firm"]
