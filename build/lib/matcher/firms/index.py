"""Entity resolution, step 1 (index): records prepared once, then candidate pairs by blocking.

See :mod:`matcher.firms.resolve` for the whole method."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd
import scipy.sparse as sp

from matcher.firms import names

#: record columns the resolver understands
RECORD_COLUMNS = (
    "rec_id", "source", "legal_name", "short_name", "name_en", "province", "city", "industry",
    "list_date", "setup_date", "address", "stock_code", "uscc",
)


@dataclass(frozen=True)
class BlockingConfig:
    """Blocking parameters. ``max_df`` caps the records sharing a token; ``top_k`` candidates per record."""

    max_df: int = 60
    top_k: int = 8
    chunk: int = 5000
    #: records sharing one listing date on a side, above which the date is no block (IPO batch days)
    max_date_block: int = 40


#: the default blocking parameters
DEFAULT_BLOCKING = BlockingConfig()



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
    config: BlockingConfig = DEFAULT_BLOCKING,
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
