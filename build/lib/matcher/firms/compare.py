"""Entity resolution, step 2 (compare): rapidfuzz similarities of names, dates, addresses and location,
and the rule score of a pair. See :mod:`matcher.firms.resolve`."""

from __future__ import annotations

import numpy as np
import pandas as pd
from rapidfuzz import fuzz
from rapidfuzz.distance import LCSseq

from matcher.firms.index import _city_key, _ensure_prepared, _province_key, regions_conflict

# ----------------------------------------------------------------------------------------------
# comparison


def _ratio(a: str | None, b: str | None) -> float:
    return fuzz.ratio(a, b) / 100.0 if a and b else np.nan


def _short_in_legal(short: str | None, full: str | None, core: str | None) -> float:
    """How well a short name (陆家嘴) sits inside a legal name (上海陆家嘴金融贸易区开发…):
    half in-order character coverage, half best contiguous alignment."""
    if not short or not full:
        return np.nan
    cover = LCSseq.similarity(short, full) / len(short)
    align = fuzz.partial_ratio(short, core or full) / 100.0
    return 0.5 * cover + 0.5 * align


def _en_sim(a: str | None, b: str | None) -> float:
    """English names: word order ignored, and spaces ignored (We Doctor / WeDoctor, Leap Motor / Leapmotor)."""
    if not a or not b:
        return np.nan
    return max(fuzz.token_sort_ratio(a, b), fuzz.ratio(a.replace(" ", ""), b.replace(" ", ""))) / 100.0


def compare(a: dict, b: dict) -> dict[str, float]:
    """Similarities of two prepared records (NaN where a field is missing on either side)."""
    legal = np.nan
    if a["_full"] and b["_full"]:
        legal = _ratio(a["_full"], b["_full"])
        if not regions_conflict(a["_regions"], b["_regions"]):
            legal = max(legal, _ratio(a["_core"], b["_core"]))
    crosses = [
        c for c in (_short_in_legal(a["_short"], b["_full"], b["_core"]), _short_in_legal(b["_short"], a["_full"], a["_core"]))
        if c == c  # not NaN
    ]
    cross = max(crosses) if crosses else -1.0
    return {
        "sim_legal": legal,
        "sim_short": _ratio(a["_short"], b["_short"]),
        "sim_cross": cross if cross >= 0 else np.nan,
        "sim_en": _en_sim(a["_en"], b["_en"]),
    }


#: how much each comparison counts toward the name score when it is the best evidence available:
#: two legal names agreeing is the strongest; a short name inside a legal name is weaker, English
#: names are often translated loosely
NAME_WEIGHTS = {"sim_legal": 1.0, "sim_short": 0.97, "sim_cross": 0.93, "sim_en": 0.95}


def name_score(sims: dict[str, float], short_len: int) -> float:
    """Combine the comparisons into one name score, by the strongest kind both records allow.

    Both legal names known → the legal similarity, or the short names' when higher (a firm renamed
    好想你枣业 → 好想你健康食品 kept its short name 好想你). A short name inside a legal name is only
    used when one side has no legal name (兴业股份 sits inside 内蒙古兴业银锡矿业 by chance). Short
    names of 2–3 characters are discounted, inside a legal name much more (×0.8, ×0.9: 商城 fits
    京东商城) than against another short name (×0.95, ×1). English names only when no
    Chinese comparison exists.
    """
    short = NAME_WEIGHTS["sim_short"] * sims["sim_short"] * min(1.0, 0.85 + 0.05 * short_len)
    discount = min(1.0, 0.6 + 0.1 * short_len)
    if not np.isnan(sims["sim_legal"]):
        legal = NAME_WEIGHTS["sim_legal"] * sims["sim_legal"]
        return legal if np.isnan(short) else max(legal, short)
    best = short
    if not np.isnan(sims["sim_cross"]):
        cross = NAME_WEIGHTS["sim_cross"] * sims["sim_cross"] * discount
        best = cross if np.isnan(best) else max(best, cross)
    if np.isnan(best) and not np.isnan(sims["sim_en"]):
        best = NAME_WEIGHTS["sim_en"] * sims["sim_en"]
    return best


#: location / industry evidence
SAME_CITY, SAME_PROVINCE, OTHER_CITY, OTHER_PROVINCE = 0.04, 0.02, -0.08, -0.15
SAME_INDUSTRY, OTHER_INDUSTRY = 0.02, -0.02


def score_pairs(pairs: pd.DataFrame, left: pd.DataFrame, right: pd.DataFrame) -> pd.DataFrame:
    """Add similarity columns and the combined ``score`` (0..~1) to candidate ``pairs``."""
    lp, rp = _ensure_prepared(left), _ensure_prepared(right)
    lmap, rmap = _record_map(lp), _record_map(rp)
    sims: dict[str, list[float]] = {k: [] for k in NAME_WEIGHTS}
    loc: list[float] = []
    ind: list[float] = []
    names_s: list[float] = []
    for li, ri in zip(pairs["left_id"].tolist(), pairs["right_id"].tolist(), strict=True):
        a, b = lmap[li], rmap[ri]
        s = compare(a, b)
        for k in NAME_WEIGHTS:
            sims[k].append(s[k])
        names_s.append(name_score(s, min(len(a["_short"] or "xxxx"), len(b["_short"] or "xxxx"))))
        loc.append(_location_shift(a, b))
        ind.append(0.0 if not (a["industry"] and b["industry"]) else (SAME_INDUSTRY if a["industry"] == b["industry"] else OTHER_INDUSTRY))
    out = pairs.copy()
    for k, v in sims.items():
        out[k] = np.asarray(v, dtype=float)
    out["sim_name"] = np.asarray(names_s, dtype=float)
    out["loc_shift"] = np.asarray(loc, dtype=float)
    out["ind_shift"] = np.asarray(ind, dtype=float)
    out["score"] = (out["sim_name"].fillna(0.0) + out["loc_shift"] + out["ind_shift"]).clip(lower=0.0)
    return _add_attribute_comparisons(out, lp, rp, lmap, rmap)


def _add_attribute_comparisons(out: pd.DataFrame, lp: pd.DataFrame, rp: pd.DataFrame, lmap: dict, rmap: dict) -> pd.DataFrame:
    """Comparisons of the non-name attributes (evidence for :class:`EvidenceModel`; the rule
    ``score`` ignores them): listing date equal / days apart, setup date equal, address similarity,
    and how many records share the listing date on each side (a date shared by 30 IPOs proves less)."""
    lid, rid = out["left_id"].tolist(), out["right_id"].tolist()
    lds = pd.to_datetime(pd.Series([lmap[i]["_ld"] for i in lid], dtype="object"))
    rds = pd.to_datetime(pd.Series([rmap[i]["_ld"] for i in rid], dtype="object"))
    days = (lds - rds).dt.days.abs().astype("float64").to_numpy()
    out["ld_days"] = days
    out["ld_same"] = np.where(np.isnan(days), np.nan, (days == 0).astype(float))
    ls = [lmap[i]["_sd"] for i in lid]
    rs = [rmap[i]["_sd"] for i in rid]
    out["sd_same"] = np.array([np.nan if not (a and b) else float(a == b) for a, b in zip(ls, rs, strict=True)])
    out["sim_addr"] = np.array([
        _ratio(lmap[a]["_addr"], rmap[b]["_addr"]) for a, b in zip(lid, rid, strict=True)
    ], dtype=float)
    nl = lp["_ld"].value_counts() if "_ld" in lp.columns else pd.Series(dtype="int64")
    nr = rp["_ld"].value_counts() if "_ld" in rp.columns else pd.Series(dtype="int64")
    out["ld_n_left"] = np.array([nl.get(lmap[a]["_ld"], 0) if lmap[a]["_ld"] else 0 for a in lid], dtype=float)
    out["ld_n_right"] = np.array([nr.get(rmap[b]["_ld"], 0) if rmap[b]["_ld"] else 0 for b in rid], dtype=float)
    return out


def _record_map(rec: pd.DataFrame) -> dict[str, dict]:
    """rec_id → the fields compared, as plain Python values (fast per-pair access)."""
    cols = ["_full", "_core", "_regions", "_short", "_en", "industry", "_ld", "_sd", "_addr"]
    data = {c: rec[c].astype("object").where(rec[c].notna(), None).tolist() if c in rec.columns else [None] * len(rec)
            for c in cols}
    data["_pkey"] = [_province_key(v) for v in rec["province"].astype("object").where(rec["province"].notna(), None).tolist()]
    data["_ckey"] = [_city_key(v) for v in rec["city"].astype("object").where(rec["city"].notna(), None).tolist()]
    ids = rec["rec_id"].tolist()
    keys = list(data)
    cols_vals = [data[k] for k in keys]
    return {rid: dict(zip(keys, vals, strict=True)) for rid, vals in zip(ids, zip(*cols_vals, strict=True), strict=True)}


def _location_shift(a: dict, b: dict) -> float:
    pa, pb = a["_pkey"], b["_pkey"]
    ca, cb = a["_ckey"], b["_ckey"]
    if ca and cb:
        if ca == cb:
            return SAME_CITY
        if pa and pb and pa != pb:
            return OTHER_PROVINCE
        return OTHER_CITY
    if pa and pb:
        return SAME_PROVINCE if pa == pb else OTHER_PROVINCE
    return 0.0


