"""The industry-chain graph: industries, products and firms, with counted supply edges.

Nodes (``type`` attribute; ids are prefixed so kinds never collide):
    ``sw:<code>``   Shenwan 2021 industry, levels 1–3 (name, level, gb_division, gb_section, n_firms)
    ``gb:<code>``   GB/T 4754-2017 门类 (section letter) or 大类 (2-digit division)
    ``p:<term>``    product term of the chain KG (made by firms, or an end of a kept relation)
    ``f:<firm_id>`` firm of the firm master

Edges (``kind`` attribute; supply edges point upstream → downstream):
    part_of      sw child → sw parent; gb division → gb section
    maps_to      sw level-2 → its primary GB/T division (the reviewed crosswalk)
    supplies     p up → p down (kept relations: evidence = firms making either term, stratum)
                 sw → sw at level 3 (evidence = product relations supporting it, weight = Σ share_up ×
                 share_down, io_coef = WIOD China 2011 technical coefficient where the sectors exist,
                 cooc = the chain KG's co-occurrence upstream count where present)
    made_in      p → sw level 3 (share of the product's firm-weighted output made in that industry)
    in_industry  f → sw (deepest code the firm has; source chainkg / classifier / registry)
    makes        f → p (the firm's main products, effective weight)

Product → industry shares use firms' *weighted* main products: a segment share counts as given, a
value above 1 as 1, and the flat 0.001 placeholder (a business-scope mention) as
:data:`PLACEHOLDER_EFFECTIVE` — a mention is evidence that the firm makes it, but not its main line.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import networkx as nx
import numpy as np
import pandas as pd

from matcher.chain import clean
from matcher.chain.taxonomy import industry_table, load_crosswalk, load_wiod_coefficients
from matcher.sources import chainkg
from matcher.sources.base import LoadResult

#: effective weight of a product listed with the 0.001 placeholder (business-scope mention)
PLACEHOLDER_EFFECTIVE = 0.05

TABLE_KEYS = (
    "chain_industries",
    "chain_firms",
    "chain_firm_products",
    "chain_relations",
    "chain_product_industry",
    "chain_industry_edges",
    "chain_noise",
)


@dataclass
class ChainData:
    """The graph and the tables it is built from (all cached in the work directory)."""

    industries: pd.DataFrame
    firms: pd.DataFrame
    firm_products: pd.DataFrame
    relations: pd.DataFrame
    product_industry: pd.DataFrame
    industry_edges: pd.DataFrame
    noise: pd.DataFrame
    graph: nx.DiGraph = field(default_factory=nx.DiGraph)

    @classmethod
    def from_frames(cls, frames: dict[str, pd.DataFrame]) -> ChainData:
        data = cls(**{k.removeprefix("chain_"): frames[k] for k in TABLE_KEYS})
        data.graph = build_graph(data)
        return data


# ---------------------------------------------------------------------------- tables


def _noise_rows(res: LoadResult) -> list[dict]:
    rows = [{"source": res.source, "item": "rows read", "count": res.rows_read}]
    rows.append({"source": res.source, "item": "rows accepted", "count": res.rows_accepted})
    if len(res.quarantine):
        for reason, n in res.quarantine["reason"].value_counts().sort_index().items():
            rows.append({"source": res.source, "item": f"quarantined: {reason}", "count": int(n)})
    return rows


def effective_weights(company_product: pd.DataFrame) -> pd.Series:
    """Weight used to spread a firm over its products (see module docstring)."""
    w = company_product["weight"].clip(upper=1.0)
    return w.where(company_product["weight_kind"] != "placeholder", PLACEHOLDER_EFFECTIVE)


def product_industry_shares(firm_products: pd.DataFrame, company_industry: pd.DataFrame) -> pd.DataFrame:
    """For each product term, the share of its firm-weighted output in each Shenwan level-3 industry."""
    fp = firm_products.merge(company_industry[["stock_code", "sw_l3_code"]], on="stock_code", how="inner")
    fp = fp.dropna(subset=["sw_l3_code"])
    g = fp.groupby(["product", "sw_l3_code"]).agg(w=("eff_weight", "sum"), n_firms=("stock_code", "nunique")).reset_index()
    g["share"] = g["w"] / g.groupby("product")["w"].transform("sum")
    return g[["product", "sw_l3_code", "share", "n_firms"]].sort_values(["product", "sw_l3_code"]).reset_index(drop=True)


def aggregate_industry_edges(relations: pd.DataFrame, product_industry: pd.DataFrame) -> pd.DataFrame:
    """Industry → industry supply edges (level 3) from kept product relations with makers on both sides.

    evidence = distinct product relations (down ← up) linking the two industries; weight = Σ over those
    relations of share_up(from industry) × share_down(to industry).
    """
    rel = relations[relations["kept"] & (relations["stratum"] == "both_made")][["down", "up"]]
    pi = product_industry[["product", "sw_l3_code", "share"]]
    m = rel.merge(pi.rename(columns={"product": "up", "sw_l3_code": "from_sw", "share": "s_up"}), on="up")
    m = m.merge(pi.rename(columns={"product": "down", "sw_l3_code": "to_sw", "share": "s_down"}), on="down")
    m["w"] = m["s_up"] * m["s_down"]
    edges = (
        m.groupby(["from_sw", "to_sw"])
        .agg(evidence=("w", "size"), weight=("w", "sum"))
        .reset_index()
        .sort_values(["from_sw", "to_sw"])
        .reset_index(drop=True)
    )
    edges["same_industry"] = edges["from_sw"] == edges["to_sw"]
    return edges


def attach_io_weights(edges: pd.DataFrame, industries: pd.DataFrame, wiod: pd.DataFrame, cooc: pd.DataFrame) -> pd.DataFrame:
    """Attach WIOD China 2011 technical coefficients (by the industries' sectors) and KG co-occurrence counts."""
    sector = industries.set_index("sw_code")["wiod_sector"]
    out = edges.copy()
    out["from_sector"] = out["from_sw"].map(sector)
    out["to_sector"] = out["to_sw"].map(sector)
    coef = wiod.set_index(["from_sector", "to_sector"])["coef"]
    keys = list(zip(out["from_sector"], out["to_sector"], strict=True))
    out["io_coef"] = [float(coef.get(k, np.nan)) if isinstance(k[0], str) and isinstance(k[1], str) else np.nan for k in keys]
    c = cooc.groupby(["up_code", "industry_code"])["count"].sum()
    out["cooc"] = [int(c.get((a, b), 0)) for a, b in zip(out["from_sw"], out["to_sw"], strict=True)]
    return out




def attach_industries(firms: pd.DataFrame, company_industry: pd.DataFrame, industries: pd.DataFrame) -> pd.DataFrame:
    """Fill missing Shenwan codes: first from the chain KG by stock code, then by the text classifier."""
    from matcher.chain.classify import classify_industries

    out = firms.copy()
    # the chain KG's codes (remapped by name by the loader) are authoritative for the firms it lists; codes
    # the industry table does not know are dropped and left to the classifier
    ci = company_industry.set_index("stock_code")
    listed = out["stock_code"].isin(ci.index)
    for col in ("sw_l1_code", "sw_l2_code", "sw_l3_code"):
        out.loc[listed, col] = out.loc[listed, "stock_code"].map(ci[col])
    out.loc[listed, "industry_source"] = "chainkg"
    known = set(industries["sw_code"])
    stale = out["sw_l3_code"].notna() & ~out["sw_l3_code"].isin(known)
    out.loc[stale, ["sw_l1_code", "sw_l2_code", "sw_l3_code", "industry_source"]] = pd.NA
    pred = classify_industries(out)
    if len(pred):
        p = pred.set_index("firm_id")
        todo = out["sw_l1_code"].isna() & out["firm_id"].isin(p.index)
        for col in ("sw_l1_code", "sw_l2_code", "sw_l3_code"):
            out.loc[todo, col] = out.loc[todo, "firm_id"].map(p[col])
        out.loc[todo, "industry_source"] = "classifier"
        out["industry_proba"] = out["firm_id"].map(p["proba"]).where(todo)
    else:
        out["industry_proba"] = np.nan
    names = industries.set_index("sw_code")["name"]
    for lv in ("1", "2", "3"):
        out[f"sw_l{lv}_name"] = out[f"sw_l{lv}_code"].map(names)
    return out


#: raw-data folders the chain stage reads (for the orchestrator's fingerprint)
CHAIN_FOLDERS = ("chainkg_liuhuanyong", "chainkg_surrealdb_sql", "wiod2013_chn", "gbt4754_2017")
#: shipped data files the chain stage reads
CHAIN_DATA = ("sw_gb4754_crosswalk.csv",)


def build_tables(data_dir: Path, firms: pd.DataFrame, rule: str = clean.DEFAULT_RULE) -> dict[str, pd.DataFrame]:
    """The chain tables (``TABLE_KEYS``) from the raw chain KG, the crosswalk, WIOD and the firm master."""
    from matcher.sources.gbt4754 import load_gbt4754

    loads = {name: fn(data_dir) for name, fn in chainkg.LOADERS.items()}
    gb = load_gbt4754(data_dir).frame
    industries = industry_table(loads["chainkg.industry"].frame, load_crosswalk(), gb)
    company_industry = loads["chainkg.company_industry"].frame

    cp = loads["chainkg.company_product"].frame.copy()
    cp["eff_weight"] = effective_weights(cp)
    product_industry = product_industry_shares(cp, company_industry)

    rel = clean.stratify(clean.supply_relations(loads["chainkg.product_relation"].frame), clean.product_makers(cp))
    rel["kept"] = clean.apply_rule(rel, rule)

    edges = aggregate_industry_edges(rel, product_industry)
    edges = attach_io_weights(edges, industries, load_wiod_coefficients(data_dir), loads["chainkg.industry_up"].frame)

    firms = attach_industries(firms, company_industry, industries)
    keep_cols = [
        "firm_id", "name", "legal_name", "stock_code", "is_listed", "is_unicorn", "is_little_giant",
        "province_code", "city_code", "county_code", "city", "county", "employees", "total_assets_yi",
        "sw_l1_code", "sw_l2_code", "sw_l3_code", "sw_l1_name", "sw_l2_name", "sw_l3_name",
        "industry_source", "industry_proba", "industry_tushare",
    ]
    firms = firms[keep_cols].reset_index(drop=True)

    fp = cp.merge(firms[["firm_id", "stock_code"]].dropna(subset=["stock_code"]), on="stock_code", how="inner")
    fp = fp.groupby(["firm_id", "product"], as_index=False).agg(
        weight=("weight", "max"), eff_weight=("eff_weight", "max"), weight_kind=("weight_kind", "first")
    )

    noise = [r for res in loads.values() for r in _noise_rows(res)]
    repairs = chainkg.product_repairs(data_dir)
    noise.append({"source": "chainkg.company_product", "item": "repaired: line breaks in product name", "count": repairs["company_product"]})
    n_remap = int(company_industry["repair"].notna().sum())
    noise.append({"source": "chainkg.company_industry", "item": "repaired: industry_code remapped by name", "count": n_remap})
    comp = loads["chainkg.company"].frame
    for reason, n in comp["repair"].value_counts().sort_index().items():
        noise.append({"source": "chainkg.company", "item": f"repaired: {reason}", "count": int(n)})
    for kind, n in cp["weight_kind"].value_counts().sort_index().items():
        noise.append({"source": "chainkg.company_product", "item": f"weight kind: {kind}", "count": int(n)})
    for st, n in rel["stratum"].value_counts().sort_index().items():
        noise.append({"source": "chain.relations", "item": f"stratum: {st}", "count": int(n)})
    noise.append({"source": "chain.relations", "item": f"kept by rule {rule}", "count": int(rel["kept"].sum())})

    return {
        "chain_industries": industries,
        "chain_firms": firms,
        "chain_firm_products": fp,
        "chain_relations": rel,
        "chain_product_industry": product_industry,
        "chain_industry_edges": edges,
        "chain_noise": pd.DataFrame(noise),
    }




# ---------------------------------------------------------------------------- graph


def build_graph(data: ChainData) -> nx.DiGraph:
    """The networkx graph over the chain tables (see the module docstring for nodes and edges)."""
    g = nx.DiGraph()
    ind = data.industries
    firm_counts = _industry_firm_counts(data.firms)
    for r in ind.itertuples(index=False):
        g.add_node(
            f"sw:{r.sw_code}", type="industry", code=r.sw_code, name=r.name, level=int(r.level),
            gb_division=_s(r.gb_division), gb_section=_s(r.gb_section), n_firms=int(firm_counts.get(r.sw_code, 0)),
        )
        if isinstance(r.parent_code, str):
            g.add_edge(f"sw:{r.sw_code}", f"sw:{r.parent_code}", kind="part_of")
    gbcols = ["gb_division", "gb_division_name", "gb_section", "gb_section_name"]
    for r in ind[ind["level"] == 2].dropna(subset=["gb_division"])[["sw_code", *gbcols]].itertuples(index=False):
        g.add_node(f"gb:{r.gb_section}", type="gb_section", code=r.gb_section, name=_s(r.gb_section_name))
        g.add_node(f"gb:{r.gb_division}", type="gb_division", code=r.gb_division, name=_s(r.gb_division_name))
        g.add_edge(f"gb:{r.gb_division}", f"gb:{r.gb_section}", kind="part_of")
        g.add_edge(f"sw:{r.sw_code}", f"gb:{r.gb_division}", kind="maps_to")

    makers = data.firm_products.groupby("product")["firm_id"].nunique()
    rel = data.relations[data.relations["kept"]]
    products = set(makers.index) | set(rel["down"]) | set(rel["up"])
    for p in sorted(products):
        g.add_node(f"p:{p}", type="product", name=p, n_firms=int(makers.get(p, 0)))
    for r in rel.itertuples(index=False):
        g.add_edge(f"p:{r.up}", f"p:{r.down}", kind="supplies", evidence=int(r.evidence), weight=float(r.weight), stratum=r.stratum)
    for r in data.product_industry.itertuples(index=False):
        if f"p:{r.product}" in g:
            g.add_edge(f"p:{r.product}", f"sw:{r.sw_l3_code}", kind="made_in", share=float(r.share), n_firms=int(r.n_firms))
    for r in data.industry_edges.itertuples(index=False):
        if r.same_industry:
            continue
        g.add_edge(
            f"sw:{r.from_sw}", f"sw:{r.to_sw}", kind="supplies", evidence=int(r.evidence), weight=float(r.weight),
            io_coef=float(r.io_coef) if pd.notna(r.io_coef) else -1.0, cooc=int(r.cooc),
        )
    for r in data.firms.itertuples(index=False):
        fid = f"f:{r.firm_id}"
        g.add_node(fid, type="firm", name=_s(r.name), city_code=_s(r.city_code), county_code=_s(r.county_code))
        code = next((c for c in (r.sw_l3_code, r.sw_l2_code, r.sw_l1_code) if isinstance(c, str)), None)
        if code and f"sw:{code}" in g:
            g.add_edge(fid, f"sw:{code}", kind="in_industry", source=_s(r.industry_source))
    for r in data.firm_products.itertuples(index=False):
        g.add_edge(f"f:{r.firm_id}", f"p:{r.product}", kind="makes", weight=float(r.eff_weight))
    return g


def _s(v: object) -> str:
    return "" if v is None or (isinstance(v, float) and np.isnan(v)) or v is pd.NA else str(v)


def _industry_firm_counts(firms: pd.DataFrame) -> dict[str, int]:
    counts: dict[str, int] = {}
    for col in ("sw_l1_code", "sw_l2_code", "sw_l3_code"):
        for code, n in firms[col].dropna().value_counts().items():
            counts[str(code)] = counts.get(str(code), 0) + int(n)
    return counts


def industry_supply_edges(chain_data: ChainData, level: int = 3, *, include_self: bool = False) -> pd.DataFrame:
    """Industry → industry supply edges (upstream → downstream) at Shenwan level 1, 2 or 3.

    Columns: from_sw, to_sw, evidence, weight (plus io_coef, cooc at level 3).
    """
    e = chain_data.industry_edges
    if level == 3:
        out = e if include_self else e[~e["same_industry"]]
        return out[["from_sw", "to_sw", "evidence", "weight", "io_coef", "cooc"]].reset_index(drop=True)
    width = {1: 2, 2: 4}[level]
    pad = "0" * (6 - width)
    agg = e.assign(from_sw=e["from_sw"].str.slice(0, width) + pad, to_sw=e["to_sw"].str.slice(0, width) + pad)
    agg = agg.groupby(["from_sw", "to_sw"], as_index=False).agg(evidence=("evidence", "sum"), weight=("weight", "sum"))
    if not include_self:
        agg = agg[agg["from_sw"] != agg["to_sw"]]
    return agg.sort_values(["from_sw", "to_sw"]).reset_index(drop=True)


def graph_stats(chain_data: ChainData) -> dict:
    """Nodes and edges by type, share of firms attached, edge evidence distribution."""
    g = chain_data.graph
    nodes = pd.Series([d.get("type") for _, d in g.nodes(data=True)]).value_counts().sort_index()
    kinds = pd.Series([d.get("kind") for _, _, d in g.edges(data=True)]).value_counts().sort_index()
    firms = chain_data.firms
    fnodes = [n for n, d in g.nodes(data=True) if d.get("type") == "firm"]
    attached_ind = sum(1 for n in fnodes if any(g.edges[n, m]["kind"] == "in_industry" for m in g.successors(n)))
    attached_prod = sum(1 for n in fnodes if any(g.edges[n, m]["kind"] == "makes" for m in g.successors(n)))
    ind_edges = industry_supply_edges(chain_data)
    ev = ind_edges["evidence"]
    pev = chain_data.relations.loc[chain_data.relations["kept"], "evidence"]
    q = [0.25, 0.5, 0.75, 0.9, 0.99]
    return {
        "nodes_by_type": {str(k): int(v) for k, v in nodes.items()},
        "edges_by_kind": {str(k): int(v) for k, v in kinds.items()},
        "firms": int(len(firms)),
        "firms_attached_to_industry": int(attached_ind),
        "share_firms_attached_to_industry": round(attached_ind / max(len(fnodes), 1), 4),
        "firms_attached_to_products": int(attached_prod),
        "share_firms_attached_to_products": round(attached_prod / max(len(fnodes), 1), 4),
        "firm_industry_source": {str(k): int(v) for k, v in firms["industry_source"].fillna("none").value_counts().items()},
        "industry_edges": int(len(ind_edges)),
        "industry_edges_with_io_coef": int(ind_edges["io_coef"].notna().sum()),
        "industry_edges_with_cooc": int((ind_edges["cooc"] > 0).sum()),
        "industry_edge_evidence_quantiles": {str(k): float(v) for k, v in ev.quantile(q).items()} if len(ev) else {},
        "industry_edge_evidence_histogram": {
            str(k): int(v)
            for k, v in pd.cut(ev, [0, 1, 2, 5, 10, 50, np.inf], labels=["1", "2", "3-5", "6-10", "11-50", ">50"]).value_counts().sort_index().items()
        },
        "product_relation_evidence_quantiles": {str(k): float(v) for k, v in pev.quantile(q).items()} if len(pev) else {},
    }
