"""Firms' places on the named chains, as the ranking and the map use them.

:func:`chain_inputs` computes, once per firm master and chain graph, every (firm, chain, segment)
position (:func:`matcher.chain.analysis.firm_chain_positions`), the templates' industries and the
level-2 supply edges; :func:`primary_positions` picks one position per firm.
"""

from __future__ import annotations

from collections.abc import Iterable

import pandas as pd

from matcher.chain.analysis import firm_chain_positions
from matcher.chain.graph import ChainData, industry_supply_edges
from matcher.chain.templates import ChainTemplate

#: shipped data the positions depend on
POSITION_DATA = ("chains",)


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
