"""Firms' places on the named chains, with the evidence for each, as the ranking and the map use them.

Two steps, kept apart so that the second can be measured (``matcher bench chain-assignment``):

1. :func:`candidate_positions` — every (firm, chain, segment) for which the firm has *any* evidence, with
   the evidence spelled out: the firm's own Shenwan code inside the segment (chain KG or registry; a code
   from the name classifier is kept but marked), its own Tushare industry label where the firm has no
   chain-KG code (with the share of chain-KG firms of that label that sit in the segment), and its main
   products matching the segment's key products (stated weights and business-scope mentions apart).
2. :func:`assign_positions` — which candidates count (:class:`AssignmentRule`): its own industry, or its
   own products with a real weight; never the name classifier alone, never a business-scope mention,
   never a generic key word. A firm with no accepted candidate is 未归链 (not placed), and is said to be.

:func:`choose_positions` picks one position per firm among its best-evidenced ones (a city's targeted
chains first only among equally good evidence). :func:`chain_inputs` computes, once per firm master and
chain graph, the candidates, the accepted positions, the templates' industries and the supply edges.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass

import numpy as np
import pandas as pd

from matcher.chain.analysis import _with_codes, product_matches
from matcher.chain.graph import ChainData, industry_supply_edges
from matcher.chain.templates import ChainTemplate

#: shipped data the positions depend on
POSITION_DATA = ("chains",)

#: columns of :func:`candidate_positions`
CANDIDATE_COLUMNS = [
    "firm_id", "chain", "segment", "ind_code", "ind_name", "ind_source", "ind_proba", "ts_label", "ts_share",
    "prod_weight", "prod_keys", "prod_terms", "mentions", "top_product_weight",
]
#: columns of :func:`assign_positions`
POSITION_COLUMNS = ["firm_id", "chain", "segment", "evidence", "score", "evidence_text", "best"]
UNPLACED = "未归链"


@dataclass(frozen=True)
class AssignmentRule:
    """When a candidate counts. Chosen on the ``tune`` half of ``data/labels/chain_assignment.csv``; the
    ``holdout`` half measures it (``benchmarks/results/chain_assignment.md``).

    - industry: the firm's own Shenwan code (chain KG or registry) lies in the segment — always counts;
      a code from the name classifier never counts by itself.
    - tushare: for a firm without a chain-KG code, its own Tushare 2024 label counts when at least
      ``tushare_min_share`` of the chain-KG firms with that label (and at least ``tushare_min_firms``
      of them) sit in the segment (a majority: the label means the segment).
    - product: the stated weights of its main products matching the segment's key products (not the
      ``generic_terms``, which name a field rather than a product) sum to ``min_product_weight`` or more
      and to ``min_product_share`` of its largest stated product or more (the labelling rule's "about a
      third": a principal line, or a substantial second one). Business-scope mentions never count.
    """

    min_product_weight: float = 0.2
    min_product_share: float = 1 / 3
    tushare_min_share: float = 0.5
    tushare_min_firms: int = 5
    generic_terms: tuple[str, ...] = ("新材料", "工程总承包")

    def as_dict(self) -> dict[str, object]:
        return {k: (list(v) if isinstance(v, tuple) else v) for k, v in asdict(self).items()}


DEFAULT_RULE = AssignmentRule()


# --------------------------------------------------------------------------------------------------
# candidates
# --------------------------------------------------------------------------------------------------
def _industry_hits(f: pd.DataFrame, codes: set[str]) -> pd.DataFrame:
    """firm_id, ind_code (the firm's deepest Shenwan code inside the segment), ind_source, ind_proba."""
    hit_code = pd.Series(pd.NA, index=f.index, dtype="string")
    for col in ("sw_l1_code", "sw_l2_code", "sw_l3_code"):  # deepest last, so it wins
        c = f[col].astype("string")
        hit_code = hit_code.mask(c.isin(codes).fillna(False).astype(bool), c)
    m = hit_code.notna()
    return pd.DataFrame({
        "firm_id": f.loc[m, "firm_id"].astype("string"), "ind_code": hit_code[m],
        "ind_source": f.loc[m, "industry_source"].astype("string").fillna("chainkg"),
        "ind_proba": pd.to_numeric(f.loc[m, "industry_proba"], errors="coerce"),
    })


def _product_hits(fp: pd.DataFrame, terms: tuple[str, ...]) -> pd.DataFrame:
    """firm_id, prod_weight (Σ stated weights of the firm's main products matching a key term, capped at
    1; business-scope mentions apart), prod_keys ('key=weight;…' by matched key term), prod_terms
    ('变压器 0.45、…'), mentions (the business-scope mentions that match)."""
    key = product_matches(fp["product"], terms)
    hit = fp.assign(key=key)[key.notna()]
    if hit.empty:
        return pd.DataFrame(columns=["firm_id", "prod_weight", "prod_keys", "prod_terms", "mentions"])
    real = hit[hit["weight_kind"] != "placeholder"].sort_values(["firm_id", "eff_weight", "product"], ascending=[True, False, True])
    men = hit[hit["weight_kind"] == "placeholder"]
    w = real.groupby("firm_id")["eff_weight"].sum().clip(upper=1.0).rename("prod_weight")
    by_key = real.groupby(["firm_id", "key"])["eff_weight"].sum().reset_index()
    keys = by_key.groupby("firm_id").apply(lambda g: ";".join(f"{k}={x:.4f}" for k, x in zip(g["key"], g["eff_weight"], strict=True)),
                                           include_groups=False).rename("prod_keys")
    txt = real.groupby("firm_id").apply(lambda g: "、".join(f"{p} {x:.2f}" for p, x in zip(g["product"], g["eff_weight"], strict=True)),
                                        include_groups=False).rename("prod_terms")
    mtxt = men.groupby("firm_id")["product"].agg(lambda s: "、".join(sorted(set(s)))).rename("mentions")
    return pd.concat([w, keys, txt, mtxt], axis=1).reset_index().rename(columns={"index": "firm_id"})


def tushare_segment_shares(f: pd.DataFrame, templates: list[ChainTemplate]) -> pd.DataFrame:
    """For each Tushare label, the share of chain-KG firms carrying it whose Shenwan code lies in each
    segment: ts_label, n_firms, chain, segment, ts_share (an empirical crosswalk, from the data)."""
    kg = f[f["industry_source"].astype("string").fillna("").eq("chainkg") & f["industry_tushare"].notna()]
    rows = []
    for label, g in kg.groupby(kg["industry_tushare"].astype(str), sort=True):
        for t in templates:
            for s in t.segments:
                codes = set(s.industries)
                hit = (g["sw_l1_code"].isin(codes) | g["sw_l2_code"].isin(codes) | g["sw_l3_code"].isin(codes)).sum()
                if hit:
                    rows.append((label, len(g), t.chain, s.segment, hit / len(g)))
    return pd.DataFrame(rows, columns=["ts_label", "n_firms", "chain", "segment", "ts_share"])


#: a Tushare label is evidence for a segment only where most chain-KG firms of the label sit in it
TUSHARE_MAJORITY = 0.5


def _tushare_hits(f: pd.DataFrame, shares: pd.DataFrame, chain: str, segment: str) -> pd.DataFrame:
    """firm_id, ts_label, ts_share, ts_firms for firms without a chain-KG code whose label has a majority
    of its chain-KG firms in the segment (:data:`TUSHARE_MAJORITY`)."""
    sh = shares[(shares["chain"] == chain) & (shares["segment"] == segment) & (shares["ts_share"] >= TUSHARE_MAJORITY)]
    sh = sh.set_index("ts_label")
    own = f[~f["industry_source"].astype("string").fillna("").isin(["chainkg", "registry"]) & f["industry_tushare"].notna()]
    lab = own["industry_tushare"].astype(str)
    m = lab.isin(sh.index)
    return pd.DataFrame({"firm_id": own.loc[m, "firm_id"].astype("string"), "ts_label": lab[m],
                         "ts_share": lab[m].map(sh["ts_share"]).astype("float64"), "ts_firms": lab[m].map(sh["n_firms"])})


def candidate_positions(firms: pd.DataFrame, chain_data: ChainData, templates: list[ChainTemplate]) -> pd.DataFrame:
    """Every (firm, chain, segment) for which the firm has any evidence (:data:`CANDIDATE_COLUMNS`);
    which of them count is :func:`assign_positions`' decision."""
    f = _with_codes(firms, chain_data)
    ref = chain_data.firms.set_index("firm_id")
    f["industry_proba"] = f["firm_id"].map(ref["industry_proba"])
    f["industry_tushare"] = f["firm_id"].map(ref["industry_tushare"]) if "industry_tushare" not in f.columns else f["industry_tushare"]
    fp = chain_data.firm_products[chain_data.firm_products["firm_id"].isin(f["firm_id"])]
    top = fp[fp["weight_kind"] != "placeholder"].groupby("firm_id")["eff_weight"].max()
    shares = tushare_segment_shares(f, templates)
    names = chain_data.industries.set_index("sw_code")["name"].astype(str).str.replace(r"[ⅡⅢ]", "", regex=True)
    parts = []
    for t in templates:
        for seg in t.segments:
            m = _industry_hits(f, set(seg.industries)).merge(_product_hits(fp, seg.products), on="firm_id", how="outer")
            m = m.merge(_tushare_hits(f, shares, t.chain, seg.segment), on="firm_id", how="outer")
            if len(m):
                parts.append(m.assign(chain=t.chain, segment=seg.segment))
    if not parts:
        return pd.DataFrame({c: pd.Series(dtype="object") for c in CANDIDATE_COLUMNS})
    out = pd.concat(parts, ignore_index=True)
    out = out.drop(columns=[c for c in ("ts_firms",) if c in out.columns]).merge(
        shares[["ts_label", "chain", "segment", "n_firms"]].rename(columns={"n_firms": "ts_firms"}),
        on=["ts_label", "chain", "segment"], how="left")
    out["ind_name"] = out["ind_code"].map(names)
    out["prod_weight"] = pd.to_numeric(out["prod_weight"], errors="coerce").fillna(0.0)
    out["top_product_weight"] = out["firm_id"].map(top).astype("float64").fillna(0.0)
    out["ts_share"] = out["ts_share"].where(out["ts_firms"].notna())
    out = out.sort_values(["firm_id", "chain", "segment"], kind="stable").reset_index(drop=True)
    return out[[*CANDIDATE_COLUMNS, "ts_firms"]].astype({"firm_id": "string", "chain": "string", "segment": "string"})


# --------------------------------------------------------------------------------------------------
# the rule
# --------------------------------------------------------------------------------------------------
def specific_product_weight(prod_keys: pd.Series, generic: Iterable[str]) -> pd.Series:
    """Σ weights of the matched key terms that are not generic (from ``prod_keys`` 'key=weight;…'), capped at 1."""
    gen = set(generic)

    def one(s: object) -> float:
        if not isinstance(s, str) or not s:
            return 0.0
        total = 0.0
        for item in s.split(";"):
            k, _, w = item.rpartition("=")
            if k and k not in gen:
                total += float(w)
        return min(total, 1.0)

    return pd.Series([one(s) for s in prod_keys], index=prod_keys.index, dtype="float64")


def _evidence_text(c: pd.DataFrame, kind: np.ndarray) -> list[str]:
    """The evidence of each accepted row in planners' words (Chinese)."""
    out = []
    for k, ind, ts, share, terms in zip(kind, c["ind_name"], c["ts_label"], c["ts_share"], c["prod_terms"], strict=True):
        if k == "industry":
            out.append(f"申万行业：{ind}")
        elif k == "tushare":
            out.append(f"行业（Tushare）：{ts}，同类上市公司{float(share):.0%}属此环节")
        else:
            first = "、".join(str(terms).split("、")[:3]) if isinstance(terms, str) else ""
            out.append(f"主营产品：{first}（数值为产业链知识图谱记载的该产品在企业业务中的权重）")
    return out


def assign_positions(candidates: pd.DataFrame, rule: AssignmentRule = DEFAULT_RULE) -> pd.DataFrame:
    """The accepted positions (:data:`POSITION_COLUMNS`), strongest evidence first per firm.

    evidence: ``industry`` (score 1, plus the segment's specific product weight / 10 as corroboration),
    ``tushare`` (score = the label's share, below any industry match), ``product`` (score = the specific
    product weight, below both). ``best`` marks the firm's best-evidenced rows: every industry row when it
    has one (a steel maker is upstream of several chains alike), else its single best row. Firms without
    an accepted row are not in the frame: they are 未归链.
    """
    c = candidates.copy()
    spec = specific_product_weight(c["prod_keys"], rule.generic_terms)
    top = c["top_product_weight"].astype("float64")
    share = np.where(top > 0, spec / top.where(top > 0, 1.0), 0.0)
    ind = c["ind_code"].notna() & c["ind_source"].astype("string").fillna("").isin(["chainkg", "registry"])
    ts = c["ts_share"].notna() & (c["ts_share"] >= rule.tushare_min_share) & (c["ts_firms"].fillna(0) >= rule.tushare_min_firms)
    prod = (spec >= rule.min_product_weight) & (share >= rule.min_product_share - 1e-9)
    kind = np.where(ind, "industry", np.where(ts, "tushare", np.where(prod, "product", "")))
    score = np.where(ind, 2.0 + spec / 10, np.where(ts, 1.0 + c["ts_share"].fillna(0), spec))
    c = c.assign(evidence=kind, score=score)
    c = c[c["evidence"] != ""]
    if c.empty:
        return pd.DataFrame({k: pd.Series(dtype="object") for k in POSITION_COLUMNS})
    c["evidence_text"] = _evidence_text(c, c["evidence"].to_numpy())
    c = c.sort_values(["firm_id", "score", "chain", "segment"], ascending=[True, False, True, True], kind="stable")
    has_ind = c.groupby("firm_id")["evidence"].transform(lambda s: (s == "industry").any())
    first = c.groupby("firm_id").cumcount() == 0
    c["best"] = np.where(has_ind, c["evidence"] == "industry", first)
    return c[POSITION_COLUMNS].astype({"firm_id": "string", "chain": "string", "segment": "string"}).reset_index(drop=True)


def choose_positions(positions: pd.DataFrame | None, preferred: Iterable[str] = ()) -> pd.DataFrame:
    """One (chain, segment) per firm among its best-evidenced rows (``best``): the ``preferred`` chains
    (a city's targeted chains) first *only among those*, then the score, then chain and segment name.
    Weaker evidence is never passed over for a preferred chain. Columns: firm_id, chain, segment,
    evidence, evidence_text."""
    cols = ["firm_id", "chain", "segment", "evidence", "evidence_text"]
    if positions is None or positions.empty:
        return pd.DataFrame(columns=cols, dtype="string")
    pref = {str(c) for c in preferred}
    p = positions[positions["best"].astype(bool)]
    p = p.assign(_pref=~p["chain"].astype(str).isin(pref), _s=-pd.to_numeric(p["score"], errors="coerce").fillna(0))
    p = p.sort_values(["firm_id", "_pref", "_s", "chain", "segment"], kind="stable")
    return p.drop_duplicates("firm_id")[cols].astype("string").reset_index(drop=True)


def primary_positions(positions: pd.DataFrame | None, preferred: Iterable[str] = ()) -> pd.DataFrame:
    """Alias of :func:`choose_positions` returning firm_id, chain, segment (kept for callers of the old name)."""
    return choose_positions(positions, preferred)[["firm_id", "chain", "segment"]]


# --------------------------------------------------------------------------------------------------
# what the ranking and the map use
# --------------------------------------------------------------------------------------------------
def template_industries(templates: list[ChainTemplate]) -> pd.DataFrame:
    """chain, sw_code: every industry a template's segments name."""
    rows = [{"chain": t.chain, "sw_code": code} for t in templates for seg in t.segments for code in seg.industries]
    return pd.DataFrame(rows, columns=["chain", "sw_code"]).astype("string")


def chain_inputs(firms: pd.DataFrame, chain_data: ChainData, templates: list[ChainTemplate],
                 rule: AssignmentRule = DEFAULT_RULE) -> dict[str, pd.DataFrame]:
    """``chain_candidates`` (:func:`candidate_positions`), ``chain_positions`` (the accepted ones,
    :func:`assign_positions`), ``chain_template_industries`` (chain, sw_code) and ``chain_edges``
    (from_sw, to_sw, weight at Shenwan level 2)."""
    cand = candidate_positions(firms, chain_data, templates)
    edges = industry_supply_edges(chain_data, level=2)[["from_sw", "to_sw", "weight"]]
    return {
        "chain_candidates": cand,
        "chain_positions": assign_positions(cand, rule),
        "chain_template_industries": template_industries(templates),
        "chain_edges": edges.reset_index(drop=True),
    }
