"""Export: node-link JSON and GraphML of the graph or of one chain, and a figure of a chain.

The chain subgraph has one node per segment (``seg:<segment>``, with the region's strength when an
analysis is given), the segment's industries (``sw:<code>``) and key products (``p:<term>``), the
counted supply edges between the chain's industries (level-3 edges summed up to the codes the
template names) and ``flows_to`` edges between consecutive segments with their evidence.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import networkx as nx
import pandas as pd

from matcher.chain.analysis import expand_codes, segment_links
from matcher.chain.graph import ChainData, industry_supply_edges
from matcher.chain.templates import SEGMENT_ORDER, ChainTemplate

STRENGTH_COLOURS = {"强": "#2e7d32", "弱": "#f9a825", "缺": "#c62828", "": "#9e9e9e"}
_XML_BAD = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def _clean_attrs(g: nx.DiGraph) -> nx.DiGraph:
    """A copy whose attributes GraphML can hold: scalars only, no None, no XML control characters."""
    h = nx.DiGraph()

    def fix(d: dict) -> dict:
        out = {}
        for k, v in d.items():
            if v is None or (isinstance(v, float) and v != v):
                continue
            if isinstance(v, str):
                v = _XML_BAD.sub("", v)
            elif not isinstance(v, (int, float, bool)):
                v = str(v)
            out[k] = v
        return out

    for n, d in g.nodes(data=True):
        h.add_node(_XML_BAD.sub("", str(n)), **fix(d))
    for u, v, d in g.edges(data=True):
        h.add_edge(_XML_BAD.sub("", str(u)), _XML_BAD.sub("", str(v)), **fix(d))
    return h


def write_graph(g: nx.DiGraph, out_dir: str | Path, stem: str) -> dict[str, Path]:
    """Write ``<stem>.json`` (networkx node-link) and ``<stem>.graphml``; return the paths."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    h = _clean_attrs(g)
    jpath, gpath = out / f"{stem}.json", out / f"{stem}.graphml"
    jpath.write_text(json.dumps(nx.node_link_data(h, edges="edges"), ensure_ascii=False), encoding="utf-8")
    nx.write_graphml(h, gpath)
    return {"json": jpath, "graphml": gpath}


def chain_subgraph(chain_data: ChainData, template: ChainTemplate, analysis: pd.DataFrame | None = None) -> nx.DiGraph:
    """The named chain as a small graph (see the module docstring)."""
    g = nx.DiGraph(chain=template.chain)
    strength = {}
    if analysis is not None and len(analysis):
        a = analysis[analysis["chain"] == template.chain].set_index("segment")
        strength = a["strength"].to_dict()
        local = a["local_firms"].to_dict()
        national = a["national_firms"].to_dict()
    else:
        local, national = {}, {}
    names = chain_data.industries.set_index("sw_code")["name"]
    code_of: dict[str, str] = {}
    for s in template.segments:
        sid = f"seg:{s.segment}"
        g.add_node(
            sid, type="segment", segment=s.segment, name=s.name, strength=strength.get(s.segment, ""),
            local_firms=int(local.get(s.segment, 0)), national_firms=int(national.get(s.segment, 0)),
        )
        for c in s.industries:
            g.add_node(f"sw:{c}", type="industry", code=c, name=str(names.get(c, c)), segment=s.segment)
            g.add_edge(sid, f"sw:{c}", kind="contains")
            for l3 in expand_codes((c,), chain_data.industries):
                code_of.setdefault(l3, c)
        for p in s.products:
            g.add_node(f"p:{p}", type="product", name=p, segment=s.segment)
            g.add_edge(sid, f"p:{p}", kind="contains")
    e = industry_supply_edges(chain_data)
    e = e[e["from_sw"].isin(code_of) & e["to_sw"].isin(code_of)].copy()
    e["a"], e["b"] = e["from_sw"].map(code_of), e["to_sw"].map(code_of)
    e = e[e["a"] != e["b"]].groupby(["a", "b"], as_index=False).agg(evidence=("evidence", "sum"), weight=("weight", "sum"))
    for r in e.itertuples(index=False):
        g.add_edge(f"sw:{r.a}", f"sw:{r.b}", kind="supplies", evidence=int(r.evidence), weight=float(r.weight))
    for r in segment_links(chain_data, template).itertuples(index=False):
        g.add_edge(
            f"seg:{r.from_segment}", f"seg:{r.to_segment}", kind="flows_to",
            evidence=int(r.forward_evidence), backward_evidence=int(r.backward_evidence),
        )
    return g


def plot_chain(g: nx.DiGraph, path: str | Path, title: str | None = None) -> Path:
    """Draw a chain subgraph: one column per segment, industries coloured by the segment's local strength."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from matcher.plotting import use_cjk_font

    family = use_cjk_font() or "DejaVu Sans"
    segs = [n for n, d in g.nodes(data=True) if d.get("type") == "segment"]
    segs.sort(key=lambda n: SEGMENT_ORDER.index(g.nodes[n]["segment"]))
    pos: dict[str, tuple[float, float]] = {}
    colours: dict[str, str] = {}
    height = 1
    for x, sid in enumerate(segs):
        kids = [v for v in g.successors(sid) if g.edges[sid, v].get("kind") == "contains" and g.nodes[v]["type"] == "industry"]
        height = max(height, len(kids))
        pos[sid] = (x * 3.0, 1.2)
        colours[sid] = STRENGTH_COLOURS.get(g.nodes[sid].get("strength", ""), "#9e9e9e")
        for y, v in enumerate(kids):
            pos[v] = (x * 3.0, -y - 0.5)
            colours[v] = colours[sid]
    fig, ax = plt.subplots(figsize=(4 + 3.2 * len(segs), 2.5 + 0.6 * height))
    nodes = list(pos)
    sup = [(u, v) for u, v, d in g.edges(data=True) if d.get("kind") == "supplies" and u in pos and v in pos]
    widths = [0.5 + min(g.edges[u, v]["evidence"], 20) / 4 for u, v in sup]
    nx.draw_networkx_edges(g, pos, edgelist=sup, width=widths, edge_color="#607d8b", alpha=0.6, ax=ax, arrows=True,
                           connectionstyle="arc3,rad=0.15", arrowsize=10)
    flows = [(u, v) for u, v, d in g.edges(data=True) if d.get("kind") == "flows_to"]
    nx.draw_networkx_edges(g, pos, edgelist=flows, width=2.5, edge_color="#37474f", ax=ax, arrows=True, arrowsize=18)
    nx.draw_networkx_nodes(g, pos, nodelist=nodes, node_color=[colours[n] for n in nodes], node_size=[2600 if n in segs else 900 for n in nodes],
                           node_shape="s", alpha=0.9, ax=ax)
    labels = {}
    for n in nodes:
        d = g.nodes[n]
        if d["type"] == "segment":
            labels[n] = f"{d['segment']}·{d.get('strength', '') or '?'}\n{d['name']}\n本地{d.get('local_firms', 0)}/全国{d.get('national_firms', 0)}"
        else:
            labels[n] = f"{d['name']}\n{d['code']}"
    nx.draw_networkx_labels(g, pos, labels=labels, font_size=8, font_family=family, ax=ax)
    for u, v in flows:
        x = (pos[u][0] + pos[v][0]) / 2
        ax.text(x, 1.55, f"证据 {g.edges[u, v]['evidence']} / 逆向 {g.edges[u, v]['backward_evidence']}", ha="center", fontsize=7)
    handles = [plt.Line2D([0], [0], marker="s", color="w", markerfacecolor=c, markersize=10, label=k) for k, c in STRENGTH_COLOURS.items() if k]
    ax.legend(handles=handles, title="本地强弱", loc="lower right", fontsize=8)
    ax.set_title(title or g.graph.get("chain", ""), fontsize=12)
    ax.axis("off")
    ax.margins(0.15)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110, bbox_inches="tight")
    plt.close(fig)
    return path
