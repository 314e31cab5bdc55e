"""Stage: chain — the industry-chain graph, named chain templates and firms' positions on them.

Public API (other stages code against these; every function takes its inputs as arguments):

- :func:`build_tables` ``(data_dir, firms) -> {key: DataFrame}`` and :meth:`ChainData.from_frames` — the graph
- :func:`load_chain_templates` ``(names=None) -> list[ChainTemplate]`` — ``data/chains/*.yaml``
- :func:`industry_supply_edges` ``(chain_data, level=3) -> DataFrame[from_sw, to_sw, evidence, weight, …]``
- :func:`firm_chain_positions` ``(firms, chain_data, templates) -> DataFrame[firm_id, chain, segment, match_via, weight]``
- :func:`chain_inputs`, :func:`primary_positions` — what the ranking and the map use
- :func:`analyze_region` ``(firms, region_codes, level, chain_data, templates) -> DataFrame[chain, segment,
  local_firms, national_firms, rca, strength, action, reason, leaders, …]``
- :func:`classify_industries` ``(firms, products=None) -> DataFrame[firm_id, sw_l1_code, sw_l2_code, sw_l3_code, proba, source]``
"""

from matcher.chain.analysis import analyze_region, check_templates, firm_chain_positions, segment_links
from matcher.chain.classify import classify_industries, evaluate_classifier
from matcher.chain.export import chain_subgraph, plot_chain, write_graph
from matcher.chain.graph import (
    CHAIN_DATA,
    CHAIN_FOLDERS,
    ChainData,
    build_tables,
    graph_stats,
    industry_supply_edges,
)
from matcher.chain.positions import chain_inputs, primary_positions, template_industries
from matcher.chain.templates import ChainTemplate, load_chain_templates

__all__ = [
    "CHAIN_DATA",
    "CHAIN_FOLDERS",
    "ChainData",
    "ChainTemplate",
    "analyze_region",
    "build_tables",
    "chain_inputs",
    "chain_subgraph",
    "check_templates",
    "classify_industries",
    "evaluate_classifier",
    "firm_chain_positions",
    "graph_stats",
    "industry_supply_edges",
    "load_chain_templates",
    "plot_chain",
    "primary_positions",
    "segment_links",
    "template_industries",
    "write_graph",
]
