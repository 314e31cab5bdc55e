"""Firms' places on the named chains, as the ranking and the map use them.

:func:`chain_inputs` computes, once per firm master and chain graph, every (firm, chain, segment)
position (:func:`matcher.chain.analysis.firm_chain_positions`), the templates' industries and the
level-2 supply edges; :func:`primary_positions` picks one position per firm.
"""

from __future__ import annotations

from collections.abc import Iterable

import pandas as pd

from matcher.chain.analysis import _with_codes, firm_chain_positions, product_matches
from matcher.chain.graph import ChainData, industry_supply_edges
from matcher.chain.templates import ChainTemplate

#: shipped data the positions depend on
POSITION_DATA = ("chains",)


#: columns of :func:`candidate_positions`
CANDIDATE_COLUMNS = [
    "firm_id", "chain", "segment", "ind_code", "ind_source", "ind_proba", "prod_weight", "prod_terms", "mentions",
    "top_product_weight",
]


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
        "ind_proba": pd.to_numeric(f.loc[m, "industry_proba"], errors="coerce") if "industry_proba" in f.columns else float("nan"),
    })


def _product_hits(fp: pd.DataFrame, terms: tuple[str, ...]) -> pd.DataFrame:
    """firm_id, prod_weight (Σ stated weights of the firm's main products matching a key term, capped at
    1; business-scope mentions excluded), prod_terms ('变压器 0.45、…'), mentions (placeholder matches)."""
    hit = fp[product_matches(fp["product"], terms).notna()]
    if hit.empty:
        return pd.DataFrame(columns=["firm_id", "prod_weight", "prod_terms", "mentions"])
    real = hit[hit["weight_kind"] != "placeholder"].sort_values(["firm_id", "eff_weight"], ascending=[True, False])
    men = hit[hit["weight_kind"] == "placeholder"]
    w = real.groupby("firm_id")["eff_weight"].sum().clip(upper=1.0).rename("prod_weight")
    txt = real.groupby("firm_id").apply(lambda g: "、".join(f"{p} {x:.2f}" for p, x in zip(g["product"], g["eff_weight"], strict=True)),
                                        include_groups=False).rename("prod_terms")
    mtxt = men.groupby("firm_id")["product"].agg(lambda s: "、".join(sorted(set(s)))).rename("mentions")
    return pd.concat([w, txt, mtxt], axis=1).reset_index().rename(columns={"index": "firm_id"})


def candidate_positions(firms: pd.DataFrame, chain_data: ChainData, templates: list[ChainTemplate]) -> pd.DataFrame:
    """Every (firm, chain, segment) for which the firm has any evidence, with the evidence spelled out
    (:data:`CANDIDATE_COLUMNS`): the firm's own Shenwan code inside the segment (``ind_code``, with its
    source: chain KG, registry or the name classifier and its probability), the stated weight of its
    main products that match the segment's key products (``prod_weight``, ``prod_terms``; business-scope
    mentions apart, in ``mentions``) and the weight of its largest stated product (``top_product_weight``).
    Which candidates count is :func:`assign_positions`' decision."""
    f = _with_codes(firms, chain_data)
    f["industry_proba"] = f["firm_id"].map(chain_data.firms.set_index("firm_id")["industry_proba"])
    fp = chain_data.firm_products[chain_data.firm_products["firm_id"].isin(f["firm_id"])]
    top = fp[fp["weight_kind"] != "placeholder"].groupby("firm_id")["eff_weight"].max()
    parts = []
    for t in templates:
        for seg in t.segments:
            a = _industry_hits(f, set(seg.industries))
            b = _product_hits(fp, seg.products)
            m = a.merge(b, on="firm_id", how="outer")
            m = m[m["ind_code"].notna() | m["prod_weight"].notna() | m["mentions"].notna()]
            if len(m):
                parts.append(m.assign(chain=t.chain, segment=seg.segment))
    if not parts:
        return pd.DataFrame({c: pd.Series(dtype="object") for c in CANDIDATE_COLUMNS})
    out = pd.concat(parts, ignore_index=True)
    out["prod_weight"] = pd.to_numeric(out["prod_weight"], errors="coerce").fillna(0.0)
    out["top_product_weight"] = out["firm_id"].map(top).astype("float64").fillna(0.0)
    out = out.sort_values(["firm_id", "chain", "segment"], kind="stable").reset_index(drop=True)
    return out[CANDIDATE_COLUMNS].astype({"firm_id": "string", "chain": "string", "segment": "string"})


def template_industries(templates: list[ChainTemplate]) -> pd.DataFrame:
    """chain, sw_code: every industry a template's segments name."""
    rows = [{"chain": t.chain, "sw_code": code} for t in templates for seg in t.segments for code in seg.industries]
    return pd.DataFrame(rows, columns=["chain", "sw_code"]).astype("string")


def chain_inputs(firms: pd.DataFrame, chain_data: ChainData, templates: list[ChainTemplate]) -> dict[str, pd.DataFrame]:
    """``chain_positions`` (firm_id, chain, segment, weight), ``chain_template_industries`` (chain,
    sw_code) and ``chain_edges`` (from_sw, to_sw, weight at Shenwan level 2)."""
    pos = firm_chain_positions(firms, chain_data, templates)[["firm_id", "chain", "segment", "weight"]]
    edges = industry_supply_edges(chain_data, level=2)[["from_sw", "to_sw", "weight"]]
    return {
        "chain_positions": pos.astype({"firm_id": "string", "chain": "string", "segment": "string"}),
        "chain_template_industries": template_industries(templates),
        "chain_edges": edges.reset_index(drop=True),
    }


def primary_positions(positions: pd.DataFrame | None, preferred: Iterable[str] = ()) -> pd.DataFrame:
    """One (chain, segment) per firm (a firm may sit in several): the ``preferred`` chains first (the
    city's targeted chains), then the largest weight, then chain and segment name."""
    if positions is None or positions.empty:
        return pd.DataFrame(columns=["firm_id", "chain", "segment"], dtype="string")
    pref = {str(c) for c in preferred}
    p = positions.assign(_pref=~positions["chain"].astype(str).isin(pref),
                         _w=-pd.to_numeric(positions["weight"], errors="coerce").fillna(0))
    p = p.sort_values(["firm_id", "_pref", "_w", "chain", "segment"], kind="stable")
    return p.drop_duplicates("firm_id")[["firm_id", "chain", "segment"]].astype("string").reset_index(drop=True)
