"""Entity resolution: which records of different lists are the same real firm.

The verbs follow recordlinkage's index → compare → classify → measure:

* :func:`prepare` — normalise a record frame once (names through :mod:`matcher.firms.names`).
* :func:`candidate_pairs` — blocking. Every record gets tokens: the character bigrams of its
  normalised core name and short name, plus ``city|bigram`` tokens (a common bigram such as 科技
  is useless globally but discriminating inside one city), plus word / trigram tokens of its English
  name. Tokens shared by more than ``max_df`` records are dropped, so the work per record is bounded
  and the total grows about linearly with the number of records. Candidates are each record's
  ``top_k`` records of the other list by IDF-weighted token overlap, both directions (one sparse
  matrix product per chunk).
* :func:`score_pairs` — rapidfuzz similarities of legal names, short names, short-in-legal
  containment and English names; the name score is the best comparison the two records allow
  (:func:`name_score`), then location (same city / other province) and industry shift it a little.
  Two names whose only difference is their region (湖南有色金属 / 铜陵有色金属) are compared in full.
* :func:`link` — exact keys first (stock code, unified social credit code), then one-to-one
  links: a pair is kept only when each record is the other's best candidate and the score reaches
  the threshold. :func:`choose_threshold` picks it on labelled pairs.
* :func:`cluster` — groups records of many lists: merges in descending score order, never two
  records of one source in a cluster, and every cross pair of the merged cluster must itself
  score at least the threshold (complete linkage), so weak links cannot chain unrelated firms.
* :func:`evaluate_links` — precision, recall, false merges and false splits against truth.

Attributes other than names (never codes): records may carry ``list_date``, ``setup_date`` and
``address``. :func:`candidate_pairs` then also blocks on the listing date (:func:`date_block_pairs`:
a firm renamed between two lists shares no name bigram but keeps its listing date), and
:func:`score_pairs` adds date / address comparisons. The rule ``score`` ignores them; an
:class:`EvidenceModel` (:func:`fit_evidence_model`, a logistic regression over
:func:`evidence_matrix`, fitted on labelled pairs) turns names, dates and location into one
probability, linked one-to-one by :func:`model_links` (``link(..., model=...)``). Measured by
:func:`benchmark_listed_er` (``matcher bench er``) with model and threshold from the train half of
the codes.

Record frames carry ``rec_id`` (unique string) and any of ``legal_name``, ``short_name``,
``name_en``, ``province``, ``city``, ``industry``, ``list_date``, ``setup_date``, ``address``,
``stock_code``, ``uscc``, ``source``. ``stock_code`` and ``uscc`` are only ever exact keys of
:func:`link`, never comparison features.
"""

from __future__ import annotations

import hashlib
import os
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import scipy.sparse as sp
from rapidfuzz import fuzz
from rapidfuzz.distance import LCSseq

from matcher.firms import names

#: score threshold chosen by ``matcher bench er`` on the train half of the codes (max F1 with precision >= 0.99
#: over the six pairs of code-carrying lists); reported on the other half in benchmarks/results/er.md
DEFAULT_THRESHOLD = 0.73

#: record columns the resolver understands
RECORD_COLUMNS = (
    "rec_id", "source", "legal_name", "short_name", "name_en", "province", "city", "industry",
    "list_date", "setup_date", "address", "stock_code", "uscc",
)

LINK_COLUMNS = ["left_id", "right_id", "score", "method"]


@dataclass(frozen=True)
class BlockingConfig:
    """Blocking parameters. ``max_df`` caps the records sharing a token; ``top_k`` candidates per record."""

    max_df: int = 60
    top_k: int = 8
    chunk: int = 5000
    #: records sharing one listing date on a side, above which the date is no block (IPO batch days)
    max_date_block: int = 40


# ----------------------------------------------------------------------------------------------
# normalisation


def _mapped(values: pd.Series, fn: Callable[[str], str]) -> pd.Series:
    """Apply a name function once per distinct value; nulls and empty results become None."""
    uniq = pd.unique(values.dropna())
    mapping = {v: (fn(str(v)) or None) for v in uniq}
    return pd.Series([None if v is None else mapping.get(v) for v in values], index=values.index, dtype="object")


def _region_codes(legal: str) -> str:
    """';'-joined division codes of the regions a legal name carries (北京城建… → 110000)."""
    _, found = names.strip_region(names.strip_legal_form(legal))
    table = names.region_names()
    return ";".join(sorted({table[f] for f in found if f in table}))


def regions_conflict(a: str | None, b: str | None) -> bool:
    """Both names carry a region and none of one's regions contains or equals one of the other's
    (湖南有色金属 vs 铜陵有色金属: same core 有色金属, different firms)."""
    if not a or not b:
        return False

    def compatible(x: str, y: str) -> bool:
        level = 2 if x.endswith("0000") or y.endswith("0000") else 4 if x.endswith("00") or y.endswith("00") else 6
        return x[:level] == y[:level]

    return not any(compatible(x, y) for x in a.split(";") for y in b.split(";"))


def _text(frame: pd.DataFrame, col: str) -> pd.Series:
    if col not in frame.columns:
        return pd.Series([None] * len(frame), index=frame.index, dtype="object")
    return frame[col].astype("object").where(frame[col].notna(), None)


def prepare(records: pd.DataFrame) -> pd.DataFrame:
    """Add the normalised name columns the resolver works on (``_full``, ``_core``, ``_short``, ``_en``).

    ``_full`` keeps the region prefix (北京城建 vs 上海城建 differ only there), ``_core`` drops
    region and legal form, ``_short`` is the stock short name without ST/A/B markers.
    """
    out = records.copy()
    if "rec_id" not in out.columns:
        raise ValueError("records need a rec_id column")
    out["rec_id"] = out["rec_id"].astype(str)
    if out["rec_id"].duplicated().any():
        raise ValueError("rec_id must be unique")
    legal = _text(out, "legal_name")
    out["_full"] = _mapped(legal, lambda v: names.strip_legal_form(v).lower())
    out["_core"] = _mapped(legal, names.normalize_name)
    out["_regions"] = _mapped(legal, _region_codes)
    out["_short"] = _mapped(_text(out, "short_name"), names.normalize_short_name)
    out["_en"] = _mapped(_text(out, "name_en"), names.normalize_english_name)
    for col in ("province", "city", "industry", "stock_code", "uscc", "source"):
        out[col] = _text(out, col)
    out["_ld"] = _iso_dates(out, "list_date")
    out["_sd"] = _iso_dates(out, "setup_date")
    out["_addr"] = _mapped(_text(out, "address"), _norm_address)
    out["city"] = out["city"].map(lambda c: None if c is None else str(c).strip() or None)
    return out


def _iso_dates(frame: pd.DataFrame, col: str) -> pd.Series:
    """``YYYY-MM-DD`` strings of a date column (None where missing or unparseable)."""
    if col not in frame.columns:
        return pd.Series([None] * len(frame), index=frame.index, dtype="object")
    d = pd.to_datetime(frame[col], errors="coerce")
    return d.dt.strftime("%Y-%m-%d").astype("object").where(d.notna(), None)


def _norm_address(a: str) -> str:
    """An address without spaces and brackets, full-width digits folded (for similarity only)."""
    import unicodedata

    a = unicodedata.normalize("NFKC", a)
    return "".join(ch for ch in a if not ch.isspace() and ch not in "()（）,，、").lower()


def _ensure_prepared(records: pd.DataFrame) -> pd.DataFrame:
    return records if "_full" in records.columns else prepare(records)


# ----------------------------------------------------------------------------------------------
# blocking


def _bigrams(s: str | None) -> set[str]:
    if not s:
        return set()
    if len(s) < 2:
        return {s}
    return {s[i : i + 2] for i in range(len(s) - 1)}


def _en_tokens(s: str | None) -> set[str]:
    if not s:
        return set()
    words = s.split()
    grams = {f"e3:{w[i:i + 3]}" for w in words for i in range(max(1, len(w) - 2))}
    return {f"ew:{w}" for w in words} | grams


def record_tokens(rec: pd.DataFrame, use_english: bool = True, use_chinese: bool = True) -> list[set[str]]:
    """Blocking tokens of each prepared record: name bigrams, ``city|bigram`` and English tokens."""
    out: list[set[str]] = []
    for full, core, short, en, city in zip(
        rec["_full"], rec["_core"], rec["_short"], rec["_en"], rec["city"], strict=True
    ):
        toks: set[str] = set()
        if use_chinese:
            grams = _bigrams(core) | _bigrams(short) | (_bigrams(full) if not core else set())
            toks |= {f"z:{g}" for g in grams}
            if city:
                toks |= {f"c:{city}|{g}" for g in grams}
        if use_english:
            toks |= _en_tokens(en)
        out.append(toks)
    return out


def _token_matrix(
    left_toks: list[set[str]], right_toks: list[set[str]], max_df: int
) -> tuple[sp.csr_matrix, sp.csr_matrix]:
    """Binary token matrices of both sides over tokens shared by both, rare enough, IDF-weighted."""
    vocab: dict[str, int] = {}
    df_left: dict[str, int] = {}
    for toks in left_toks:
        for t in toks:
            df_left[t] = df_left.get(t, 0) + 1
    df_right: dict[str, int] = {}
    for toks in right_toks:
        for t in toks:
            df_right[t] = df_right.get(t, 0) + 1
    for t, n in df_left.items():
        m = df_right.get(t, 0)
        if m and n <= max_df and m <= max_df:
            vocab[t] = len(vocab)
    n_all = len(left_toks) + len(right_toks)
    idf = np.zeros(len(vocab))
    for t, j in vocab.items():
        idf[j] = np.log(1.0 + n_all / (df_left[t] + df_right[t]))

    def build(toks_list: list[set[str]], weighted: bool) -> sp.csr_matrix:
        rows, cols = [], []
        for i, toks in enumerate(toks_list):
            for t in toks:
                j = vocab.get(t)
                if j is not None:
                    rows.append(i)
                    cols.append(j)
        data = idf[cols] if weighted else np.ones(len(cols))
        return sp.csr_matrix((data, (rows, cols)), shape=(len(toks_list), len(vocab)))

    return build(left_toks, True), build(right_toks, False)


def candidate_pairs(
    left: pd.DataFrame,
    right: pd.DataFrame,
    config: BlockingConfig = BlockingConfig(),
    *,
    use_english: bool = True,
    use_chinese: bool = True,
    use_dates: bool = True,
) -> pd.DataFrame:
    """Blocked candidate pairs ``[left_id, right_id, block_score]``, up to ``top_k`` per record of
    either side (the union of left→right and right→left top-k, so that mutual best can be judged),
    plus, with ``use_dates``, every pair sharing a listing date (:func:`date_block_pairs`: a firm
    renamed between two lists shares no name token but keeps its listing date)."""
    lp, rp = _ensure_prepared(left), _ensure_prepared(right)
    named = _name_candidate_pairs(lp, rp, config, use_english=use_english, use_chinese=use_chinese)
    if not use_dates:
        return named
    dated = date_block_pairs(lp, rp, config.max_date_block)
    if dated.empty:
        return named
    dated = dated[~dated.set_index(["left_id", "right_id"]).index.isin(named.set_index(["left_id", "right_id"]).index)]
    return pd.concat([named, dated.assign(block_score=0.0)], ignore_index=True)


def date_block_pairs(lp: pd.DataFrame, rp: pd.DataFrame, max_block: int = 40) -> pd.DataFrame:
    """All pairs ``[left_id, right_id]`` of records sharing a listing date. A date carried by more
    than ``max_block`` records on a side (an IPO batch day, or a registry-sized list) is split by
    province; a block still too large is dropped, so the pairs stay at most ``max_block`` per record."""
    if "_ld" not in lp.columns or "_ld" not in rp.columns:
        return pd.DataFrame({"left_id": [], "right_id": []})

    def keyed(rec: pd.DataFrame) -> pd.DataFrame:
        k = rec.loc[rec["_ld"].notna(), ["rec_id", "_ld", "province"]].copy()
        k["_key"] = k["_ld"]
        return k

    a, b = keyed(lp), keyed(rp)
    big = set(a.loc[a.groupby("_key")["rec_id"].transform("size") > max_block, "_key"]) | set(
        b.loc[b.groupby("_key")["rec_id"].transform("size") > max_block, "_key"]
    )
    def split_big(k: pd.DataFrame) -> pd.DataFrame:
        split = k["_key"].isin(big)
        prov = k.loc[split, "province"].map(_province_key)
        k.loc[split, "_key"] = (k.loc[split, "_key"] + "|" + prov.fillna("")).where(prov.notna(), None)
        return k[k["_key"].notna()]

    a, b = split_big(a), split_big(b)
    a = a[a.groupby("_key")["rec_id"].transform("size") <= max_block]
    b = b[b.groupby("_key")["rec_id"].transform("size") <= max_block]
    m = a.merge(b, on="_key", suffixes=("_l", "_r"))
    return pd.DataFrame({"left_id": m["rec_id_l"].to_numpy(), "right_id": m["rec_id_r"].to_numpy()})


def _name_candidate_pairs(
    lp: pd.DataFrame, rp: pd.DataFrame, config: BlockingConfig, *, use_english: bool, use_chinese: bool
) -> pd.DataFrame:
    """Name-token blocking (see :func:`candidate_pairs`)."""
    lt = record_tokens(lp, use_english, use_chinese)
    rt = record_tokens(rp, use_english, use_chinese)
    L, R = _token_matrix(lt, rt, config.max_df)
    found: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []
    RT = R.T.tocsc()
    for start in range(0, L.shape[0], config.chunk):
        S = (L[start : start + config.chunk] @ RT).tocsr()
        found.append(_top_k_rows(S, config.top_k, start, transpose=False))
    # the other direction: for each right record its top-k left records
    Lb = (L > 0).astype(np.float64)
    Rw = R.multiply(np.asarray(L.max(axis=0).todense()).ravel()).tocsr() if L.nnz else R
    LT = Lb.T.tocsc()
    for start in range(0, Rw.shape[0], config.chunk):
        S = (Rw[start : start + config.chunk] @ LT).tocsr()
        found.append(_top_k_rows(S, config.top_k, start, transpose=True))
    if not found:
        return pd.DataFrame({"left_id": [], "right_id": [], "block_score": []})
    li = np.concatenate([f[0] for f in found])
    ri = np.concatenate([f[1] for f in found])
    sc = np.concatenate([f[2] for f in found])
    out = pd.DataFrame({"li": li, "ri": ri, "block_score": sc})
    out = out.sort_values(["li", "ri", "block_score"], ascending=[True, True, False]).drop_duplicates(["li", "ri"])
    return pd.DataFrame(
        {
            "left_id": lp["rec_id"].to_numpy()[out["li"].to_numpy()],
            "right_id": rp["rec_id"].to_numpy()[out["ri"].to_numpy()],
            "block_score": out["block_score"].to_numpy(),
        }
    ).reset_index(drop=True)


def _top_k_rows(S: sp.csr_matrix, k: int, offset: int, transpose: bool) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The ``k`` best entries of every row of ``S`` (highest score, then lowest column), vectorised:
    one lexsort over all stored entries, then each entry's rank within its row."""
    S.sum_duplicates()
    n_per_row = np.diff(S.indptr)
    rows = np.repeat(np.arange(S.shape[0]), n_per_row)
    cols, vals = S.indices, S.data
    order = np.lexsort((cols, -vals, rows))
    rows, cols, vals = rows[order], cols[order], vals[order]
    rank = np.arange(len(rows)) - np.repeat(S.indptr[:-1], n_per_row)
    keep = rank < k
    r, c, v = rows[keep] + offset, cols[keep].astype(np.int64), vals[keep]
    return (c, r, v) if transpose else (r, c, v)


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


def _province_key(p: str | None) -> str | None:
    if not p:
        return None
    p = str(p)
    for suffix in ("省", "市", "壮族自治区", "回族自治区", "维吾尔自治区", "特别行政区", "自治区"):
        if p.endswith(suffix):
            return p[: -len(suffix)][:2]
    return p[:2]


def _city_key(c: str | None) -> str | None:
    if not c:
        return None
    c = str(c).strip()
    return c[:-1] if c.endswith("市") and len(c) > 2 else c


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


# ----------------------------------------------------------------------------------------------
# evidence model: names + dates + location learnt from labelled pairs

#: the comparison columns the evidence model reads (never a code: stock codes and credit codes are
#: exact keys of :func:`link`, not features)
EVIDENCE_FEATURES = (
    "score", "sim_name", "sim_legal", "sim_short", "sim_cross", "sim_en", "sim_addr", "loc_shift", "ind_shift",
    "ld_same", "ld_days", "sd_same", "ld_n_left", "ld_n_right",
)


def evidence_matrix(scored: pd.DataFrame) -> np.ndarray:
    """Feature matrix of scored pairs: each similarity (0 where missing) with a 'known' flag, date
    agreement, the ambiguity of a shared listing date (1 / records sharing it) and how far each pair's
    rule score falls below the best other candidate of its left and of its right record."""
    f = {}
    for c in ("sim_name", "sim_legal", "sim_short", "sim_cross", "sim_en", "sim_addr", "ld_same", "sd_same"):
        v = scored[c].to_numpy(dtype=float) if c in scored.columns else np.full(len(scored), np.nan)
        f[c] = np.nan_to_num(v, nan=0.0)
        f[c + "_known"] = (~np.isnan(v)).astype(float)
    days = scored["ld_days"].to_numpy(dtype=float) if "ld_days" in scored.columns else np.full(len(scored), np.nan)
    f["ld_close"] = np.where(np.isnan(days), 0.0, (days <= 31).astype(float))
    f["ld_far"] = np.where(np.isnan(days), 0.0, (days > 366).astype(float))
    for side in ("left", "right"):
        n = scored[f"ld_n_{side}"].to_numpy(dtype=float) if f"ld_n_{side}" in scored.columns else np.zeros(len(scored))
        f[f"ld_excl_{side}"] = np.where(n > 0, 1.0 / np.maximum(n, 1.0), 0.0) * f["ld_same"]
    f["score"] = scored["score"].to_numpy(dtype=float)
    f["loc_shift"] = scored["loc_shift"].to_numpy(dtype=float)
    f["ind_shift"] = scored["ind_shift"].to_numpy(dtype=float)
    for side, col in (("left", "left_id"), ("right", "right_id")):
        top, second = _top_two(scored[col].to_numpy(), f["score"])
        sc = f["score"]
        f[f"margin_{side}"] = np.where(sc >= top, sc - second, sc - top)
    f["date_x_weakname"] = f["ld_same"] * (1.0 - f["sim_name"])
    f["date_x_setup"] = f["ld_same"] * f["sd_same"]
    return np.column_stack([f[k] for k in sorted(f)])


def _top_two(keys: np.ndarray, vals: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per row: the largest and second-largest value among rows with the same key (0 if none)."""
    if len(keys) == 0:
        return np.zeros(0), np.zeros(0)
    codes, inv = np.unique(keys.astype(str), return_inverse=True)
    order = np.lexsort((-vals, inv))
    first = np.ones(len(order), dtype=bool)
    first[1:] = inv[order][1:] != inv[order][:-1]
    top = np.zeros(len(codes))
    top[inv[order][first]] = vals[order][first]
    pos = np.flatnonzero(first) + 1
    sec = np.zeros(len(codes))
    ok = (pos < len(order))
    ok[ok] = inv[order][pos[ok]] == inv[order][first][ok]
    sec[inv[order][first][ok]] = vals[order][pos[ok]]
    return top[inv], sec[inv]


@dataclass
class EvidenceModel:
    """A logistic model over :func:`evidence_matrix`, fitted on labelled candidate pairs. Its
    ``predict`` is the probability that a pair is one firm; used as the ``score`` by :func:`link`
    (``model=``) with a threshold chosen on labelled pairs (``threshold``)."""

    estimator: object
    threshold: float = 0.5

    def predict(self, scored: pd.DataFrame) -> np.ndarray:
        if scored.empty:
            return np.zeros(0)
        return self.estimator.predict_proba(evidence_matrix(scored))[:, 1]  # type: ignore[attr-defined]


def fit_evidence_model(scored: pd.DataFrame, labels: np.ndarray, threshold: float = 0.5) -> EvidenceModel:
    """Fit a standardised L2 logistic regression on scored candidate pairs and their 0/1 labels."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    est = make_pipeline(StandardScaler(), LogisticRegression(C=1.0, max_iter=2000))
    est.fit(evidence_matrix(scored), np.asarray(labels, dtype=int))
    return EvidenceModel(est, threshold)


def model_links(scored: pd.DataFrame, model: EvidenceModel, threshold: float | None = None, rounds: int = 2) -> pd.DataFrame:
    """Mutual-best links by the model's probability, in ``rounds``: after each round the linked
    records leave, and the remaining pairs are re-judged with the listing-date ambiguity counted
    among the records still unlinked (the one firm left on a listing date on both sides)."""
    t = model.threshold if threshold is None else threshold
    if scored.empty:
        return scored.assign(rule_score=[]).iloc[0:0]
    rest = scored
    found = []
    for _ in range(max(1, rounds)):
        if rest.empty:
            break
        judged = rest.assign(rule_score=rest["score"], score=model.predict(rest))
        got = mutual_best(judged, t)
        if got.empty:
            break
        found.append(got)
        rest = rest[~rest["left_id"].isin(got["left_id"]) & ~rest["right_id"].isin(got["right_id"])]
        rest = _recount_dates(rest, scored)
    if not found:
        return scored.assign(rule_score=scored["score"]).iloc[0:0]
    return pd.concat(found, ignore_index=True)


def _recount_dates(rest: pd.DataFrame, scored: pd.DataFrame) -> pd.DataFrame:
    """Scale the records-sharing-a-date counts to the records still unlinked (a candidate pair's
    ``ld_n_*`` becomes the number of unlinked records of that side among its date block)."""
    if rest.empty or "ld_same" not in rest.columns:
        return rest
    same = rest[rest["ld_same"] == 1.0]
    n_right = same.groupby("left_id")["right_id"].nunique()
    n_left = same.groupby("right_id")["left_id"].nunique()
    out = rest.copy()
    m = out["ld_same"] == 1.0
    out.loc[m, "ld_n_right"] = out.loc[m, "left_id"].map(n_right).to_numpy(dtype=float)
    out.loc[m, "ld_n_left"] = out.loc[m, "right_id"].map(n_left).to_numpy(dtype=float)
    return out


# ----------------------------------------------------------------------------------------------
# classification


def mutual_best(scored: pd.DataFrame, threshold: float) -> pd.DataFrame:
    """Keep pairs that are each side's best candidate (ties broken by id) and reach ``threshold``."""
    if scored.empty:
        return scored.iloc[0:0]
    s = scored.sort_values(["score", "left_id", "right_id"], ascending=[False, True, True], kind="mergesort")
    best_l = ~s["left_id"].duplicated(keep="first")
    best_r = ~s["right_id"].duplicated(keep="first")
    return s[best_l & best_r & (s["score"] >= threshold)].reset_index(drop=True)


def _exact_links(left: pd.DataFrame, right: pd.DataFrame, keys: Sequence[str]) -> pd.DataFrame:
    parts = []
    for key in keys:
        if key not in left.columns or key not in right.columns:
            continue
        lk = left[["rec_id", key]].dropna()
        rk = right[["rec_id", key]].dropna()
        lk = lk[~lk[key].duplicated(keep=False)]
        rk = rk[~rk[key].duplicated(keep=False)]
        m = lk.merge(rk, on=key, suffixes=("_l", "_r"))
        parts.append(pd.DataFrame({"left_id": m["rec_id_l"], "right_id": m["rec_id_r"], "score": 1.0, "method": f"exact:{key}"}))
    if not parts:
        return pd.DataFrame({c: pd.Series(dtype="object" if c != "score" else "float64") for c in LINK_COLUMNS})
    out = pd.concat(parts, ignore_index=True)
    out = out.drop_duplicates("left_id", keep="first")
    return out.drop_duplicates("right_id", keep="first").reset_index(drop=True)


def link(
    left: pd.DataFrame,
    right: pd.DataFrame,
    threshold: float = DEFAULT_THRESHOLD,
    *,
    exact_keys: Sequence[str] = ("stock_code", "uscc"),
    config: BlockingConfig = BlockingConfig(),
    use_english: bool = True,
    use_chinese: bool = True,
    model: EvidenceModel | None = None,
) -> pd.DataFrame:
    """One-to-one links ``[left_id, right_id, score, method]``: exact keys first, then names.

    Records linked by an exact key leave the name matching; the rest are blocked, scored and kept
    when mutual best with ``score >= threshold`` (method ``name``). With an evidence ``model``
    (:func:`fit_evidence_model`) the score is its probability, judged against ``model.threshold``
    in :func:`model_links` rounds (method ``model``; ``threshold`` is then ignored).
    """
    lp, rp = _ensure_prepared(left), _ensure_prepared(right)
    exact = _exact_links(lp, rp, exact_keys)
    lrest = lp[~lp["rec_id"].isin(exact["left_id"])]
    rrest = rp[~rp["rec_id"].isin(exact["right_id"])]
    pairs = candidate_pairs(lrest, rrest, config, use_english=use_english, use_chinese=use_chinese)
    scored = score_pairs(pairs, lrest, rrest)
    if model is not None:
        named = model_links(scored, model).assign(method="model")[LINK_COLUMNS]
    else:
        named = mutual_best(scored, threshold).assign(method="name")[LINK_COLUMNS]
    out = pd.concat([exact.astype({"score": "float64"}), named], ignore_index=True) if len(exact) else named
    return out.sort_values(["left_id", "right_id"], kind="mergesort").reset_index(drop=True)


def choose_threshold(
    scored: pd.DataFrame,
    truth: pd.DataFrame,
    *,
    min_precision: float = 0.995,
    grid: Iterable[float] | None = None,
) -> tuple[float, pd.DataFrame]:
    """The threshold that maximises F1 among those whose mutual-best links reach ``min_precision``
    on the labelled pairs ``truth[left_id, right_id]`` (falls back to the best-precision one).

    Returns (threshold, the sweep table)."""
    grid = list(grid) if grid is not None else [round(x, 3) for x in np.arange(0.50, 1.001, 0.01)]
    rows = []
    for t in grid:
        m = evaluate_links(mutual_best(scored, t), truth)
        rows.append({"threshold": t, **m})
    sweep = pd.DataFrame(rows)
    ok = sweep[sweep["precision"] >= min_precision]
    pick = ok if len(ok) else sweep.sort_values("precision", ascending=False).head(1)
    best = pick.sort_values(["f1", "threshold"], ascending=[False, True]).iloc[0]
    return float(best["threshold"]), sweep


def evaluate_links(links: pd.DataFrame, truth: pd.DataFrame) -> dict[str, float]:
    """Precision/recall of ``links[left_id, right_id]`` against ``truth[left_id, right_id]``.

    False merges: linked pairs that truth says are different firms. False splits: truth pairs
    that were not linked (reported apart, as they cost differently)."""
    pred = set(zip(links["left_id"], links["right_id"], strict=True))
    true = set(zip(truth["left_id"], truth["right_id"], strict=True))
    tp = len(pred & true)
    fm = len(pred - true)
    fs = len(true - pred)
    precision = tp / len(pred) if pred else 1.0
    recall = tp / len(true) if true else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"links": len(pred), "truth": len(true), "true_links": tp, "false_merges": fm, "false_splits": fs,
            "precision": precision, "recall": recall, "f1": f1}


# ----------------------------------------------------------------------------------------------
# clustering


def cluster(
    records: pd.DataFrame,
    links: pd.DataFrame,
    threshold: float = DEFAULT_THRESHOLD,
    *,
    source_col: str = "source",
    pair_scores: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Cluster ids ``[rec_id, cluster_id]`` for ``records`` of several sources given pairwise ``links``.

    With ``pair_scores`` (``[left_id, right_id, score]`` of every judged candidate pair, e.g. the
    :class:`EvidenceModel` probabilities) the complete-linkage check reads those scores only, and a
    cross pair that was never a candidate counts as failing.

    Links are merged in descending score (exact keys first). Two clusters merge only when they share
    no source (one record per list per firm) and every cross pair of their members scores at least
    ``threshold`` (or is an exact-key link) — complete linkage: A~B and B~C never pull in an
    unrelated C. ``cluster_id`` is the smallest ``rec_id`` of the cluster.
    """
    rec = _ensure_prepared(records)
    ids = rec["rec_id"].tolist()
    src = dict(zip(ids, rec[source_col] if source_col in rec.columns else ids, strict=True))
    by_id = rec.set_index("rec_id")
    members: dict[str, list[str]] = {i: [i] for i in ids}
    owner: dict[str, str] = {i: i for i in ids}
    exact = {
        frozenset((a, b))
        for a, b, m in zip(links["left_id"], links["right_id"], links["method"], strict=True)
        if str(m).startswith("exact")
    }
    known: dict = {}
    if pair_scores is not None:
        known = {frozenset((a, b)): s for a, b, s in zip(pair_scores["left_id"], pair_scores["right_id"], pair_scores["score"], strict=True)}
    for a, b, s_ in zip(links["left_id"], links["right_id"], links["score"], strict=True):
        known[frozenset((a, b))] = max(s_, known.get(frozenset((a, b)), s_))
    order = links.assign(_ex=links["method"].astype(str).str.startswith("exact")).sort_values(
        ["_ex", "score", "left_id", "right_id"], ascending=[False, False, True, True], kind="mergesort"
    )
    for a, b in zip(order["left_id"], order["right_id"], strict=True):
        if a not in owner or b not in owner:
            continue
        ca, cb = owner[a], owner[b]
        if ca == cb:
            continue
        ma, mb = members[ca], members[cb]
        if {src[x] for x in ma} & {src[x] for x in mb}:
            continue
        if not _all_pairs_ok(ma, mb, by_id, known, exact, threshold, rescore=pair_scores is None):
            continue
        keep, drop = (ca, cb) if ca < cb else (cb, ca)
        members[keep] = sorted(members[keep] + members[drop])
        for x in members[drop]:
            owner[x] = keep
        del members[drop]
    return pd.DataFrame({"rec_id": ids, "cluster_id": [owner[i] for i in ids]})


def _all_pairs_ok(
    ma: list[str], mb: list[str], by_id: pd.DataFrame, known: dict, exact: set, threshold: float, rescore: bool = True
) -> bool:
    todo = []
    for x in ma:
        for y in mb:
            key = frozenset((x, y))
            if key in exact:
                continue
            if key in known:
                if known[key] < threshold:
                    return False
                continue
            todo.append((x, y))
    if not todo:
        return True
    if not rescore:
        return False
    pairs = pd.DataFrame({"left_id": [x for x, _ in todo], "right_id": [y for _, y in todo]})
    sub = by_id.reset_index()
    scored = score_pairs(pairs, sub[sub["rec_id"].isin(pairs["left_id"])], sub[sub["rec_id"].isin(pairs["right_id"])])
    for (x, y), s in zip(todo, scored["score"], strict=True):
        known[frozenset((x, y))] = s
    return bool((scored["score"] >= threshold).all())


# ----------------------------------------------------------------------------------------------
# measurement: name matching on the listed-firm lists, truth = shared stock codes

#: the lists whose records carry stock codes: the names each offers and where it is
ER_LISTS = ("szse", "chainkg", "geo2015", "tushare")


def listed_er_lists(data_dir: str | os.PathLike[str]) -> dict[str, pd.DataFrame]:
    """Record frames of the four code-carrying lists, with the code kept apart as ``truth_code``.

    SZSE 2025 (legal, short and English name, province, city, listing date, registered address),
    chain KG 2021 (legal + short name, listing date), the 2015 list (legal, short and English name,
    province, listing and registration date, registered address), Tushare 2024 (short name,
    province, city, listing and setup date). The matcher never sees ``truth_code``."""
    from matcher.sources import all_loaders

    ld = all_loaders()
    d = Path(data_dir)
    sz = ld["exchanges.szse"](d).frame
    ck = ld["chainkg.company"](d).frame
    g15 = ld["listed_geo_2015"](d).frame
    sb = ld["tushare.stock_basic"](d).frame
    sc = ld["tushare.stock_company"](d).frame[["stock_code", "province", "city", "setup_date"]].drop_duplicates("stock_code")
    sb = sb.merge(sc, on="stock_code", how="left")
    out = {
        "szse": pd.DataFrame({"truth_code": sz["stock_code"], "legal_name": sz["legal_name"], "short_name": sz["short_name"],
                              "name_en": sz["name_en"], "province": sz["province"], "city": sz["city"],
                              "list_date": sz["list_date"], "address": sz["reg_address"]}),
        "chainkg": pd.DataFrame({"truth_code": ck["stock_code"], "legal_name": ck["legal_name"], "short_name": ck["short_name"],
                                 "list_date": ck["list_date"]}),
        "geo2015": pd.DataFrame({"truth_code": g15["stock_code"], "legal_name": g15["legal_name"], "short_name": g15["short_name"],
                                 "name_en": g15["name_en"], "province": g15["province_short"], "list_date": g15["listing_date"],
                                 "setup_date": g15["register_date"], "address": g15["reg_address"]}),
        "tushare": pd.DataFrame({"truth_code": sb["stock_code"], "short_name": sb["short_name"],
                                 "province": sb["province"].fillna(sb["area"]), "city": sb["city"],
                                 "list_date": sb["list_date"], "setup_date": sb["setup_date"]}),
    }
    for name, fr in out.items():
        fr = fr.drop_duplicates("truth_code").reset_index(drop=True)
        # record ids carry the row number, not the code: ids break ties, so they must not hold the truth
        fr.insert(0, "rec_id", [f"{name}:{i}" for i in range(len(fr))])
        out[name] = fr
    return out


def code_half(codes: pd.Series, half: int) -> pd.Series:
    """Deterministic half of the codes (by a hash of the code), so the split is the same every run."""
    return codes.map(lambda c: int(hashlib.sha1(str(c).encode()).hexdigest(), 16) % 2 == half)


def _truth(left: pd.DataFrame, right: pd.DataFrame) -> pd.DataFrame:
    m = left[["rec_id", "truth_code"]].merge(right[["rec_id", "truth_code"]], on="truth_code")
    return pd.DataFrame({"left_id": m["rec_id_x"], "right_id": m["rec_id_y"]})


def score_list_pairs(lists: dict[str, pd.DataFrame], config: BlockingConfig = BlockingConfig()) -> dict[tuple[str, str], dict]:
    """For every pair of lists: blocked + scored candidate pairs, the truth pairs, blocking recall.
    The matcher gets the records without ``truth_code``; the code only builds ``truth``."""
    prepared = {k: prepare(v.drop(columns="truth_code")) for k, v in lists.items()}
    out: dict[tuple[str, str], dict] = {}
    names_ = list(lists)
    for i, a in enumerate(names_):
        for b in names_[i + 1 :]:
            t0 = time.perf_counter()
            pairs = candidate_pairs(prepared[a], prepared[b], config)
            scored = score_pairs(pairs, prepared[a], prepared[b])
            secs = time.perf_counter() - t0
            truth = _truth(lists[a], lists[b])
            cand = set(zip(pairs["left_id"], pairs["right_id"], strict=True))
            reach = sum((x, y) in cand for x, y in zip(truth["left_id"], truth["right_id"], strict=True))
            out[(a, b)] = {"scored": scored, "truth": truth, "seconds": secs, "candidates": len(pairs),
                           "blocking_recall": reach / len(truth) if len(truth) else 1.0,
                           "records": (len(lists[a]), len(lists[b]))}
    return out


def _name_only(scored: pd.DataFrame) -> pd.DataFrame:
    """The pairs found by name blocking alone (date-block-only pairs carry ``block_score`` 0)."""
    return scored[scored["block_score"] > 0] if "block_score" in scored.columns else scored


def pair_labels(v: dict) -> np.ndarray:
    """0/1 labels of a list pair's scored candidates: 1 where the two records share a code."""
    truth = set(zip(v["truth"]["left_id"], v["truth"]["right_id"], strict=True))
    return np.array([(a, b) in truth for a, b in zip(v["scored"]["left_id"], v["scored"]["right_id"], strict=True)], dtype=int)


def pooled_sweep(
    scored_pairs: dict[tuple[str, str], dict], grid: Iterable[float], model: EvidenceModel | None = None
) -> pd.DataFrame:
    """Precision/recall summed over all list pairs for each threshold (one threshold for all):
    the rule score on name-blocked pairs, or with ``model`` its probability (:func:`model_links`)."""
    rows = []
    for t in grid:
        tot: dict[str, float] = {"links": 0, "true_links": 0, "truth": 0}
        for v in scored_pairs.values():
            links = model_links(v["scored"], model, t) if model is not None else mutual_best(_name_only(v["scored"]), t)
            m = evaluate_links(links, v["truth"])
            for k in tot:
                tot[k] += m[k]
        p = tot["true_links"] / tot["links"] if tot["links"] else 1.0
        r = tot["true_links"] / tot["truth"] if tot["truth"] else 1.0
        rows.append({"threshold": t, **tot, "precision": p, "recall": r, "f1": 2 * p * r / (p + r) if p + r else 0.0})
    return pd.DataFrame(rows)


def _pick_threshold(sweep: pd.DataFrame, min_precision: float) -> float:
    ok = sweep[sweep["precision"] >= min_precision]
    pick = ok if len(ok) else sweep.sort_values("precision", ascending=False).head(1)
    return float(pick.sort_values(["f1", "threshold"], ascending=[False, True]).iloc[0]["threshold"])


def benchmark_listed_er(data_dir: str | os.PathLike[str], min_precision: float = 0.99) -> dict:
    """Entity-resolution quality on the real lists, WITHOUT the codes: everything learnt (the
    evidence model, both thresholds) comes from the firms of one half of the codes (hash split);
    the figures are those of the other half.

    Two matchers are reported per list pair and pooled: *before* — names only (rule score on
    name-blocked pairs, the matcher as first committed), *after* — names, listing / setup dates,
    location, address and English names, date blocking, the :class:`EvidenceModel` in two
    mutual-best rounds. Per list pair: precision, recall, false merges, false splits, blocking
    recall, truth pairs whose names share no bigram (renamed). Also the clusters of all four lists
    (complete linkage over the judged candidate pairs) against the codes."""
    lists = listed_er_lists(data_dir)
    rule_grid = [round(x, 3) for x in np.arange(0.60, 1.0001, 0.01)]
    prob_grid = [round(x, 3) for x in np.arange(0.05, 0.9901, 0.01)]
    halves = {}
    for half, role in ((0, "train"), (1, "test")):
        sub = {k: v[code_half(v["truth_code"], half)].reset_index(drop=True) for k, v in lists.items()}
        halves[role] = (sub, score_list_pairs(sub))
    train_scored = halves["train"][1]
    rule_sweep = pooled_sweep(train_scored, rule_grid)
    rule_t = _pick_threshold(rule_sweep, min_precision)
    t0 = time.perf_counter()
    model = fit_evidence_model(
        pd.concat([v["scored"] for v in train_scored.values()], ignore_index=True),
        np.concatenate([pair_labels(v) for v in train_scored.values()]),
    )
    model_sweep = pooled_sweep(train_scored, prob_grid, model)
    model.threshold = _pick_threshold(model_sweep, min_precision)
    fit_secs = time.perf_counter() - t0
    test_lists, test_scored = halves["test"]
    per_pair = []
    before_links, after_links = [], []
    for (a, b), v in test_scored.items():
        before = mutual_best(_name_only(v["scored"]), rule_t)
        t1 = time.perf_counter()
        after = model_links(v["scored"], model)
        link_secs = time.perf_counter() - t1
        mb, ma = evaluate_links(before, v["truth"]), evaluate_links(after, v["truth"])
        name_cand = set(zip(_name_only(v["scored"])["left_id"], _name_only(v["scored"])["right_id"], strict=True))
        reach_names = sum((x, y) in name_cand for x, y in zip(v["truth"]["left_id"], v["truth"]["right_id"], strict=True))
        unreachable = _no_shared_bigram(v["truth"], test_lists[a], test_lists[b])
        per_pair.append({"left": a, "right": b, "records_left": v["records"][0], "records_right": v["records"][1],
                         **ma, "blocking_recall": v["blocking_recall"], "truth_renamed_no_shared_bigram": unreachable,
                         "before": {**mb, "blocking_recall": reach_names / len(v["truth"]) if len(v["truth"]) else 1.0},
                         "candidates": v["candidates"], "seconds": round(v["seconds"] + link_secs, 3)})
        before_links.append(before.assign(method="name")[LINK_COLUMNS])
        after_links.append(after.assign(method="model")[LINK_COLUMNS])
    judged = pd.concat([v["scored"].assign(score=model.predict(v["scored"])) for v in test_scored.values()], ignore_index=True)
    return {
        "threshold": model.threshold, "rule_threshold": rule_t, "min_precision_on_train": min_precision,
        "model": {"kind": "logistic regression (standardised, L2, C=1) over evidence_matrix",
                  "features": list(EVIDENCE_FEATURES), "train_pairs": int(sum(len(v["scored"]) for v in train_scored.values())),
                  "train_positive": int(sum(len(v["truth"]) for v in train_scored.values())), "fit_and_sweep_seconds": round(fit_secs, 2)},
        "train_at_threshold": model_sweep[model_sweep["threshold"] == model.threshold].iloc[0].to_dict(),
        "test_pooled": pooled_sweep(test_scored, [model.threshold], model).iloc[0].to_dict(),
        "test_pooled_before": pooled_sweep(test_scored, [rule_t]).iloc[0].to_dict(),
        "test_per_pair": per_pair,
        "test_clusters": _cluster_quality(test_lists, pd.concat(after_links, ignore_index=True), model.threshold, judged),
        "test_clusters_before": _cluster_quality(test_lists, pd.concat(before_links, ignore_index=True), rule_t),
        "train_sweep": model_sweep.to_dict(orient="records"), "train_sweep_before": rule_sweep.to_dict(orient="records"),
    }


def _no_shared_bigram(truth: pd.DataFrame, left: pd.DataFrame, right: pd.DataFrame) -> int:
    lp = prepare(left.drop(columns="truth_code")).set_index("rec_id")
    rp = prepare(right.drop(columns="truth_code")).set_index("rec_id")
    n = 0
    for a, b in zip(truth["left_id"], truth["right_id"], strict=True):
        ga = _bigrams(_opt_str(lp.at[a, "_core"])) | _bigrams(_opt_str(lp.at[a, "_short"]))
        gb = _bigrams(_opt_str(rp.at[b, "_core"])) | _bigrams(_opt_str(rp.at[b, "_short"]))
        n += not (ga & gb)
    return n


def _opt_str(v: object) -> str | None:
    return v if isinstance(v, str) else None


def _cluster_quality(
    lists: dict[str, pd.DataFrame], links: pd.DataFrame, threshold: float, pair_scores: pd.DataFrame | None = None
) -> dict:
    """Pairwise quality of :func:`cluster` over all lists: pairs of records in one cluster vs pairs
    sharing a code (false merges and false splits counted as record pairs)."""
    recs = pd.concat([v.assign(source=k) for k, v in lists.items()], ignore_index=True)
    t0 = time.perf_counter()
    cl = cluster(recs.drop(columns="truth_code"), links, threshold, pair_scores=pair_scores)
    secs = time.perf_counter() - t0
    df = recs[["rec_id", "truth_code"]].merge(cl, on="rec_id")
    pred = {frozenset(p) for _, g in df.groupby("cluster_id") for p in _pairs(list(g["rec_id"]))}
    true = {frozenset(p) for _, g in df.groupby("truth_code") for p in _pairs(list(g["rec_id"]))}
    tp = len(pred & true)
    return {"records": len(df), "clusters": int(df["cluster_id"].nunique()), "pairs_linked": len(pred), "pairs_true": len(true),
            "false_merges": len(pred - true), "false_splits": len(true - pred),
            "precision": tp / len(pred) if pred else 1.0, "recall": tp / len(true) if true else 1.0, "seconds": round(secs, 3)}


def _pairs(ids: list[str]) -> list[tuple[str, str]]:
    return [(ids[i], ids[j]) for i in range(len(ids)) for j in range(i + 1, len(ids))]


# ----------------------------------------------------------------------------------------------
# synthetic scaling (invented names only)

#: an invented-name alphabet: 600 CJK characters taken at a fixed stride from the common block
_SYN_CHARS = "".join(chr(0x4E00 + 31 * i) for i in range(600))
_SYN_TRADES = ("科技", "电子", "医药", "机械", "材料", "能源", "化工", "食品", "环保", "软件", "装备", "物流", "汽车", "智能", "生物")
_SYN_PLACES = ("北京", "上海", "深圳", "杭州", "苏州", "成都", "武汉", "南京", "天津", "重庆", "广州", "西安", "长沙", "合肥", "宁波")


def synthetic_lists(n: int, seed: int = 0) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Two invented lists of ``n`` firms each (synthetic): the left with legal names and cities, the
    right a noisy copy of 80% of them (short names only, or legal names with a character changed or
    the region dropped) plus 20% other invented firms. ``truth_code`` gives the true pairs."""
    rng = np.random.default_rng(seed)
    chars = np.array(list(_SYN_CHARS))
    seen: set[str] = set()
    core: list[str] = []
    while len(core) < n:  # distinct invented cores: a name shared by two firms is no test of a matcher
        c = "".join(rng.choice(chars, size=int(rng.integers(2, 5))))
        if c not in seen:
            seen.add(c)
            core.append(c)
    trade = rng.choice(_SYN_TRADES, size=n)
    place = rng.choice(_SYN_PLACES, size=n)
    legal = [f"{p}{c}{t}股份有限公司" for p, c, t in zip(place, core, trade, strict=True)]
    left = pd.DataFrame({"rec_id": [f"L{i}" for i in range(n)], "truth_code": [f"T{i}" for i in range(n)],
                         "legal_name": legal, "short_name": [c + t[:1] for c, t in zip(core, trade, strict=True)],
                         "city": [p + "市" for p in place]})
    k = int(0.8 * n)
    pick = rng.permutation(n)[:k]
    rows = []
    for j, i in enumerate(pick):
        kind = j % 3
        if kind == 0:
            rows.append({"short_name": left.at[i, "short_name"], "legal_name": None})
        elif kind == 1:
            nm = list(legal[i])
            pos = int(rng.integers(len(place[i]), len(place[i]) + len(core[i])))
            nm[pos] = str(rng.choice(chars))
            rows.append({"short_name": None, "legal_name": "".join(nm)})
        else:
            rows.append({"short_name": None, "legal_name": f"{core[i]}{trade[i]}有限公司"})
        rows[-1].update({"truth_code": f"T{i}", "city": left.at[i, "city"] if kind != 2 else None})
    extra = n - k
    for e in range(extra):
        c = "".join(rng.choice(chars, size=3))
        rows.append({"short_name": None, "legal_name": f"{rng.choice(_SYN_PLACES)}{c}{rng.choice(_SYN_TRADES)}有限公司",
                     "truth_code": f"X{e}", "city": None})
    right = pd.DataFrame(rows)
    right.insert(0, "rec_id", [f"R{i}" for i in range(len(right))])
    return left, right


def _scaling_run(n: int, seed: int, threshold: float) -> dict:
    """One synthetic run (in its own process, so its peak resident memory is its own)."""
    import resource

    left, right = synthetic_lists(n, seed)
    truth = _truth(left, right)
    rss0 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    c0 = time.process_time()
    t0 = time.perf_counter()
    lp, rp = prepare(left.drop(columns="truth_code")), prepare(right.drop(columns="truth_code"))
    t_prep = time.perf_counter()
    pairs = candidate_pairs(lp, rp)
    t_block = time.perf_counter()
    scored = score_pairs(pairs, lp, rp)
    t_score = time.perf_counter()
    links = mutual_best(scored, threshold)
    t_end = time.perf_counter()
    rss1 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    m = evaluate_links(links, truth)
    return {"records_per_side": n, "candidates": len(pairs), "candidates_per_record": len(pairs) / n,
            "seconds_total": round(t_end - t0, 3), "cpu_seconds_total": round(time.process_time() - c0, 3),
            "seconds_prepare": round(t_prep - t0, 3),
            "seconds_blocking": round(t_block - t_prep, 3), "seconds_scoring": round(t_score - t_block, 3),
            "pairs_scored_per_second": round(len(pairs) / max(t_score - t_block, 1e-9)),
            "peak_rss_mb": round(rss1 / 1024, 1), "peak_rss_growth_mb": round((rss1 - rss0) / 1024, 1),
            "precision": m["precision"], "recall": m["recall"]}


def synthetic_scaling(sizes: Sequence[int], seed: int = 0, threshold: float = DEFAULT_THRESHOLD) -> list[dict]:
    """Time and peak resident memory (``getrusage`` of a fresh process per size) of normalising,
    blocking, scoring and linking two invented lists of each size, with precision/recall against
    the invented truth. Growth near linear in the size shows that blocking bounds the work."""
    import multiprocessing as mp

    ctx = mp.get_context("fork")
    out = []
    for n in sizes:
        with ctx.Pool(1) as pool:
            out.append(pool.apply(_scaling_run, (n, seed, threshold)))
    return out
