"""Stage: chain — the industry-chain graph, named chain templates and region chain analysis.

Public API (other stages code against these):

- :func:`ensure_chain` ``(data_dir, workdir) -> ChainData`` — graph + tables, cached in the work directory
- :func:`load_chain_templates` ``(names=None) -> list[ChainTemplate]`` — ``data/chains/*.yaml``
- :func:`industry_supply_edges` ``(chain_data, level=3) -> DataFrame[from_sw, to_sw, evidence, weight, …]``
- :func:`firm_chain_positions` ``(firms, chain_data, templates) -> DataFrame[firm_id, chain, segment, match_via, weight]``
- :func:`analyze_region` ``(firms, region_codes, level, chain_data, templates) -> DataFrame[chain, segment,
  local_firms, national_firms, rca, strength, action, reason, leaders, …]``
- :func:`classify_industries` ``(firms, products=None) -> DataFrame[firm_id, sw_l1_code, sw_l2_code, sw_l3_code, proba, source]``
"""

from matcher.chain.analysis import analyze_region, check_templates, firm_chain_positions, segment_links
from matcher.chain.classify import classify_industries, evaluate_classifier
from matcher.chain.export import chain_subgraph, plot_chain, write_graph
from matcher.chain.graph import ChainData, ensure_chain, graph_stats, industry_supply_edges
from matcher.chain.templates import ChainTemplate, load_chain_templates

__all__ = [
    "ChainData",
    "ChainTemplate",
    "analyze_region",
    "chain_subgraph",
    "check_templates",
    "classify_industries",
    "ensure_chain",
    "evaluate_classifier",
    "firm_chain_positions",
    "graph_stats",
    "industry_supply_edges",
    "load_chain_templates",
    "plot_chain",
    "segment_links",
    "write_graph",
]
