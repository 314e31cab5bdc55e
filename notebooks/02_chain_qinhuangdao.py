# ---
# jupyter:
#   jupytext:
#     formats: py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # 2 · The industry-chain graph and 秦皇岛's chains (产业链图谱)
#
# The chain graph links industries (Shenwan 2021, crosswalked to GB/T 4754), products and firms by
# counted supply relations (upstream → downstream). A named chain (产业链) is a curated template
# in `data/chains/*.yaml`: segments 上游 / 中游 / 下游, each with its industries and key products,
# every fact with a source. For each of the chains 秦皇岛 targets this notebook shows
#
# - the segments and how strong the city is in each (强 / 弱 / 缺, from its firms' RCA and the
#   city's cited facts), and the action that follows (补链 / 强链 / 延链);
# - the leading firms (链主企业 candidates) of each segment, nationally;
# - one chain drawn as a graph, with the supply evidence between its segments.

# %%
import os
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402
from matplotlib.colors import ListedColormap  # noqa: E402

import matcher  # noqa: E402
from matcher.plotting import notebook_paths, save_figure, use_cjk_font  # noqa: E402

DATA, WORKDIR, FIG_DIR, _ = notebook_paths(globals().get("__file__"))
CITY = os.environ.get("MATCHER_CITY", "秦皇岛")  # name or code
CHAIN = os.environ.get("MATCHER_CHAIN", "生命健康")  # the chain drawn at the end (name or code)

use_cjk_font()
pd.set_option("display.width", 200)
pd.set_option("display.max_columns", 20)
pd.set_option("display.max_colwidth", 60)


def save(fig: plt.Figure, name: str) -> Path:
    """Write a figure as PNG into FIG_DIR and close it."""
    return save_figure(fig, FIG_DIR / f"{name}.png")


# %% [markdown]
# ## The graph
#
# `matcher.chain_graph` builds the graph from the firm master and the chain knowledge graph (and
# caches its tables in the work directory, next to the firm master it reads). `matcher.chain_statistics`
# counts nodes and edges by kind, and how much evidence a supply edge between two industries carries
# (the number of product relations behind it).

# %%
chain = matcher.chain_graph(DATA, WORKDIR)
stats = matcher.chain_statistics(DATA, WORKDIR)
print(pd.Series(stats["nodes_by_type"], name="nodes").to_string())
print(pd.Series(stats["edges_by_kind"], name="edges").to_string())
print(f"firms attached to an industry: {stats['share_firms_attached_to_industry']:.1%}; "
      f"to products: {stats['share_firms_attached_to_products']:.1%}; industry sources: {stats['firm_industry_source']}")

fig, (ax1, ax2, ax3) = plt.subplots(1, 3, figsize=(16, 4))
nodes = pd.Series(stats["nodes_by_type"]).sort_values()
ax1.barh(nodes.index, nodes.to_numpy(), color="#4c72b0")
ax1.set_xscale("log")
ax1.set_title("Nodes by type (log)")
edges = pd.Series(stats["edges_by_kind"]).sort_values()
ax2.barh(edges.index, edges.to_numpy(), color="#55a868")
ax2.set_xscale("log")
ax2.set_title("Edges by kind (log)")
hist = pd.Series(stats["industry_edge_evidence_histogram"])
ax3.bar(hist.index, hist.to_numpy(), color="#8172b2")
ax3.set_title("Industry supply edges by evidence\n(product relations behind each edge)")
ax3.set_xlabel("evidence")
save(fig, "02_graph_overview")

# %% [markdown]
# ## 秦皇岛's chains: segments and local strength (强链 / 补链 / 延链)
#
# `matcher.chain_analysis` counts, for the city, the firms of each chain segment (by industry code or key
# product), compares the city's share with the nation's (RCA), and reads the templates' cited local
# facts: 强 = local firms with RCA ≥ 1; 弱 = local firms with RCA < 1, or no firm in the data but a
# cited local fact; 缺 = neither. Actions: 缺 → 补链 (attract the missing segment); 弱 → 强链;
# 强 → 延链 when a neighbouring segment is weak or missing. It is the analysis the navigation map
# (`matcher navmap`) shows planners.

# %%
city_code, city_name = matcher.resolve_city(CITY, DATA)
templates = matcher.chain_templates()
SEGMENTS = [s.segment for s in templates[0].segments]  # 上游 / 中游 / 下游: every template has the three, in order
template = next(t for t in templates if CHAIN in (t.chain, t.code))  # the chain of the last two figures
analysis = matcher.chain_analysis(city_code, DATA, WORKDIR)
print(f"{city_name} ({city_code}): {analysis['chain'].nunique()} chains")
print(analysis[["chain", "segment", "segment_name", "local_firms", "national_firms", "rca", "strength", "action"]].to_string(index=False))
print(analysis.groupby("action").size().rename("segments").to_string())

chains = list(dict.fromkeys(analysis["chain"]))
strength_val = {"强": 2, "弱": 1, "缺": 0}
grid = analysis.pivot(index="chain", columns="segment", values="strength").reindex(index=chains, columns=SEGMENTS)
fig, ax = plt.subplots(figsize=(8, 0.55 * len(chains) + 1.5))
ax.imshow(grid.apply(lambda c: c.map(strength_val)).to_numpy(dtype=float), cmap=ListedColormap(["#ef9a9a", "#fff59d", "#a5d6a7"]),
          vmin=0, vmax=2, aspect="auto")
cell = analysis.set_index(["chain", "segment"])
for i, c in enumerate(chains):
    for j, s in enumerate(SEGMENTS):
        if (c, s) in cell.index:
            r = cell.loc[(c, s)]
            ax.text(j, i, f"{r['strength']} · {r['action']}\n本地{r['local_firms']}/全国{r['national_firms']}", ha="center", va="center", fontsize=8)
ax.set_xticks(range(len(SEGMENTS)), SEGMENTS)
ax.set_yticks(range(len(chains)), chains)
ax.set_title(f"{city_name}: local strength per chain segment (green 强, yellow 弱, red 缺)", fontsize=10)
save(fig, "02_segment_strength")

# %% [markdown]
# ## Reasons, in words
#
# Each action comes with its reason (and the cited local fact where the data has no firm). Template
# checks flag segments whose supply evidence runs the other way (a template to review, not a fact).

# %%
for r in analysis.itertuples(index=False):
    print(f"{r.chain} {r.segment} [{r.strength} → {r.action}] {r.reason}")
print(stats["template_checks"].to_string(index=False))

# %% [markdown]
# ## Leading firms (链主企业) per segment
#
# National candidates ranked by the mean percentile of size (total assets) and downstream reach
# in the supply graph; firms placed only by the industry classifier are never proposed. Local
# planners would approach these to anchor a segment the city lacks (补链).

# %%
firms = chain.firms.set_index("firm_id")
assets = firms.dropna(subset=["stock_code"]).drop_duplicates("stock_code").set_index("stock_code")["total_assets_yi"]
leaders = (
    analysis[["chain", "segment", "strength", "action", "leaders"]]
    .assign(leader=analysis["leaders"].str.split("; "))
    .explode("leader")
    .dropna(subset=["leader"])
)
leaders = leaders[leaders["leader"] != ""]
leaders["stock_code"] = leaders["leader"].str.extract(r"\((\d{6})\)$")[0]
leaders["total_assets_yi"] = leaders["stock_code"].map(assets)
leaders["rank"] = leaders.groupby(["chain", "segment"]).cumcount() + 1
print(leaders[leaders["rank"] <= 3][["chain", "segment", "action", "rank", "leader", "total_assets_yi"]].to_string(index=False))

one = leaders[leaders["chain"] == template.chain]
fig, axes = plt.subplots(1, len(SEGMENTS), figsize=(15, 3.8), sharex=False)
for ax, seg in zip(axes, SEGMENTS, strict=True):
    d = one[one["segment"] == seg].iloc[::-1]
    ax.barh(d["leader"], d["total_assets_yi"].fillna(0), color="#4c72b0")
    row = analysis[(analysis["chain"] == template.chain) & (analysis["segment"] == seg)]
    label = f"{row['strength'].iloc[0]} → {row['action'].iloc[0]}" if len(row) else ""
    ax.set_title(f"{template.chain} · {seg} ({label})", fontsize=10)
    ax.set_xlabel("total assets (亿元)")
    ax.tick_params(axis="y", labelsize=8)
fig.suptitle(f"{template.chain}: leading-firm candidates per segment", fontsize=11)
fig.tight_layout()
save(fig, "02_leading_firms")

# %% [markdown]
# ## One chain drawn (产业链图)
#
# `matcher.chain_figure` draws the chain as a small graph: segments, their industries and key
# products, the counted supply edges between the chain's industries and the flow between
# consecutive segments (forward evidence / evidence running backwards), coloured by the city's
# strength per segment. It returns the graph and the segment links it drew.

# %%
drawn = matcher.chain_figure(template.chain, FIG_DIR / f"02_chain_{template.code}.png", city_code, DATA, WORKDIR)
print(drawn.links.to_string(index=False))
print(f"{template.chain}: {drawn.graph.number_of_nodes()} nodes, {drawn.graph.number_of_edges()} edges")
print("wrote", drawn.path)
assert drawn.path.is_file() and drawn.path.stat().st_size > 0
