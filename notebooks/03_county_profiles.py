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
# # 3 · County profiles and the opportunity view (县区画像与招商机会)
#
# For each of 秦皇岛's nine county-level units (区县, incl. the functional zones 经开区 130371 and
# 北戴河新区 130372): which industries it already has, how specialised it is in them (RCA, 区位熵),
# and which industries it lacks but is *related* to (relatedness density, 关联密度) — the industries
# where attracting a firm is most plausible. The layout follows Metroverse's strength/opportunity
# view: RCA on one axis, density on the other, four quadrants.
#
# Everything comes from `matcher.county_profiles` (firm master + the city pack
# `data/cities/秦皇岛.yaml`, whose facts each cite a source). Industries are Shenwan 2021 level 2.
# The firm universe is mostly listed firms, so a county holds few of them: read RCA and density here
# as indications, and the curated facts (leading industries, anchor firms) as the local evidence.

# %%
import os
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

import matcher  # noqa: E402
from matcher.plotting import notebook_paths, save_figure, use_cjk_font  # noqa: E402

DATA, WORKDIR, FIG_DIR, _ = notebook_paths(globals().get("__file__"))
CITY = os.environ.get("MATCHER_CITY", "秦皇岛")

use_cjk_font()
pd.set_option("display.width", 160)
pd.set_option("display.max_columns", 20)


def save(fig: plt.Figure, name: str) -> Path:
    """Write a figure as PNG into FIG_DIR and close it."""
    return save_figure(fig, FIG_DIR / f"{name}.png")


# %% [markdown]
# ## The units and what the data holds about them
#
# `matcher.county_profiles` reuses the firm master and the national profile tables cached in the work
# directory. Firms counts are firms placed at county level; anchor firms (龙头企业) are the pack's
# cited facts — many are unlisted, so no public list contains them.

# %%
prof = matcher.county_profiles(CITY, DATA, WORKDIR)
units = prof.units.copy()
anchors_n = prof.anchors.groupby("region_code").size()
units["anchor_firms"] = units["county_code"].map(anchors_n).fillna(0).astype(int)
units["targeted_chains"] = units["county_code"].map(lambda c: "、".join(prof.targets(c)))
print(f"{prof.city_name} ({prof.city_code}); city pack: {prof.has_pack}; parameters: {prof.params}")
print(units[["county_code", "county_name", "is_zone", "firms", "firms_with_industry", "anchor_firms", "targeted_chains"]].to_string(index=False))

fig, ax = plt.subplots(figsize=(8, 6))
size = 80 + 120 * (units["firms"] + units["anchor_firms"])
ax.scatter(units["lon"], units["lat"], s=size, c=np.where(units["is_zone"], "#ef6c00", "#1565c0"), alpha=0.6)
for r in units.itertuples(index=False):
    ax.annotate(f"{r.county_name}\n上市{r.firms} · 龙头{r.anchor_firms}", (r.lon, r.lat), fontsize=8,
                xytext=(6, 6), textcoords="offset points")
ax.set_xlabel("longitude")
ax.set_ylabel("latitude")
ax.set_title(f"{prof.city_name}: county-level units (blue: districts/counties, orange: functional zones)\n"
             "marker size = firms in the data + anchor firms of the city pack", fontsize=10)
ax.margins(0.15)
save(fig, "03_units_map")

# %% [markdown]
# ## Strength against opportunity, per unit (RCA × relatedness density)
#
# For each unit and industry: **RCA** (revealed comparative advantage, 区位熵) — the unit's share of
# firms in the industry over the nation's share; ≥ 1 means specialised. **Density** — how much of
# what is related to the industry (proximity from co-location across the nation's cities) the unit
# already has. Quadrants, as in Metroverse, split at RCA = 1 and at the unit's own mean density:
#
# | | density ≥ unit mean | density < unit mean |
# |---|---|---|
# | **RCA ≥ 1** | 优势·强链 — strong and embedded: consolidate | 优势·孤立 — strong but isolated: extend (延链) |
# | **RCA < 1** | 机会·补链 — related capabilities exist: attract (招商重点) | 远期 — distant |
#
# A unit with no firm with an industry code has density 0 everywhere: the data says nothing about
# its opportunities (its curated facts still do).

# %%
QUADRANTS = ["优势·强链", "优势·孤立", "机会·补链", "远期"]


def quadrants(profile: pd.DataFrame) -> pd.DataFrame:
    """Add each row's quadrant: RCA ≥ 1 vs < 1, density ≥ vs < the region's own mean density."""
    mean = profile.groupby("region_code")["density"].transform("mean")
    strong = profile["rca"] >= 1
    related = (profile["density"] >= mean) & (profile["density"] > 0)
    q = np.select([strong & related, strong, related], QUADRANTS[:3], default=QUADRANTS[3])
    return profile.assign(quadrant=pd.Categorical(q, categories=QUADRANTS))


templates = matcher.chain_templates()


def chain_codes(chains: list[str]) -> set[str]:
    """Shenwan codes named by the segments of the given chains' templates (any level)."""
    return {str(c) for t in templates if t.chain in chains for s in t.segments for c in s.industries}


def in_chain(industry: str, codes: set[str]) -> bool:
    """A level-2 industry belongs to a chain when a template code is it, its parent (L1) or its child (L3)."""
    return any(c == industry or (c.endswith("0000") and c[:2] == industry[:2]) or c[:4] == industry[:4] for c in codes)


county = quadrants(prof.county)
city = quadrants(prof.city)
table = pd.crosstab(county["region_code"], county["quadrant"]).reindex(columns=QUADRANTS, fill_value=0)
table.index = table.index.map(units.set_index("county_code")["county_name"])
table.loc[f"{prof.city_name} (city)"] = city["quadrant"].value_counts().reindex(QUADRANTS, fill_value=0)
print("industries per quadrant (Shenwan L2):")
print(table.to_string())

panels = [*units["county_code"], prof.city_code]
names = {**units.set_index("county_code")["county_name"].to_dict(), prof.city_code: f"{prof.city_name}（全市）"}
both = pd.concat([county, city], ignore_index=True)
colours = {"优势·强链": "#2e7d32", "优势·孤立": "#1565c0", "机会·补链": "#ef6c00", "远期": "#bdbdbd"}
fig, axes = plt.subplots(2, 5, figsize=(22, 9), sharey=True)
for ax, code in zip(axes.ravel(), panels, strict=True):
    d = both[both["region_code"] == code]
    for q in QUADRANTS[::-1]:
        dq = d[d["quadrant"] == q]
        ax.scatter(dq["density"], dq["rca"], s=18 if q == "远期" else 40, color=colours[q], label=q, alpha=0.8)
    ax.axhline(1, color="grey", lw=0.8, ls="--")
    if d["density"].max() > 0:
        ax.axvline(d["density"].mean(), color="grey", lw=0.8, ls=":")
    for r in d[d["quadrant"] != "远期"].sort_values("density", ascending=False).head(6).itertuples(index=False):
        ax.annotate(str(r.industry_name), (r.density, r.rca), fontsize=7, xytext=(3, 3), textcoords="offset points")
    n = int(d["count"].sum())
    ax.set_title(f"{names[code]} ({n} firms with an industry)", fontsize=9)
    if n == 0:
        ax.text(0.5, 0.5, "no firm with an industry code:\ndensity undefined here", ha="center", va="center",
                transform=ax.transAxes, fontsize=8, color="#757575")
    ax.set_yscale("symlog", linthresh=1)
    ax.set_xlabel("relatedness density")
axes[0, 0].set_ylabel("RCA (symlog)")
axes[1, 0].set_ylabel("RCA (symlog)")
axes[0, 0].legend(fontsize=7, loc="upper left")
fig.suptitle(f"{prof.city_name}: strength (RCA) against opportunity (density) per unit, Shenwan L2 industries", fontsize=12)
save(fig, "03_opportunity_quadrants")

# %% [markdown]
# ## The opportunity table (招商机会表)
#
# Per unit, the industries it does not yet have (RCA < 1) ranked by density, and whether each lies in a
# chain the unit targets (目标产业链, from the pack). This is the list a planner would start from; the
# matching stage turns it into named firms.

# %%
rows = []
for code in panels:
    d = both[(both["region_code"] == code) & (both["rca"] < 1) & (both["density"] > 0)]
    codes = chain_codes(prof.targets(code))
    for r in d.sort_values(["density", "industry"], ascending=[False, True]).head(5).itertuples(index=False):
        rows.append({"unit": names[code], "industry": r.industry, "industry_name": r.industry_name,
                     "density": round(float(r.density), 4), "quadrant": r.quadrant,
                     "in_targeted_chain": in_chain(str(r.industry), codes)})
opportunities = pd.DataFrame(rows)
print(opportunities.to_string(index=False))

city_opp = city[(city["rca"] < 1)].sort_values(["density", "industry"], ascending=[False, True]).head(20).copy()
city_codes = chain_codes(prof.targets(prof.city_code))
city_opp["in_targeted_chain"] = [in_chain(str(i), city_codes) for i in city_opp["industry"]]
fig, ax = plt.subplots(figsize=(9, 7))
ax.barh(city_opp["industry_name"].astype(str)[::-1], city_opp["density"][::-1],
        color=np.where(city_opp["in_targeted_chain"][::-1], "#ef6c00", "#90a4ae"))
ax.set_xlabel("relatedness density")
ax.set_title(f"{prof.city_name}: the 20 most related industries it lacks\n(orange: in a chain the city targets)", fontsize=10)
save(fig, "03_opportunity_table")

# %% [markdown]
# ## Chain coverage (产业链覆盖): firms and anchor firms per chain segment
#
# For each unit, chain (`data/chains/*.yaml`) and segment (上游 / 中游 / 下游): firms of the data in the
# segment's industries plus the pack's anchor firms whose stated products match the segment's key
# products. Hatched cells are chains the unit targets.

# %%
cov = prof.coverage.copy()
cov["n"] = cov["firms"] + cov["anchor_firms"]
cov["column"] = cov["chain"] + "·" + cov["segment"]
cols = list(dict.fromkeys(cov["column"]))
mat = cov.pivot_table(index="region_code", columns="column", values="n", aggfunc="sum").reindex(index=panels, columns=cols)
tgt = cov.pivot_table(index="region_code", columns="column", values="targeted", aggfunc="max").reindex(index=panels, columns=cols)
print(cov[cov["n"] > 0][["region_code", "chain", "segment", "firms", "anchor_firms", "anchor_names", "targeted"]].to_string(index=False))

fig, ax = plt.subplots(figsize=(0.42 * len(cols) + 3, 5.5))
im = ax.imshow(mat.to_numpy(dtype=float), cmap="YlGn", aspect="auto", vmin=0)
for i in range(mat.shape[0]):
    for j in range(mat.shape[1]):
        v = mat.iat[i, j]
        if bool(tgt.iat[i, j]):
            ax.add_patch(plt.Rectangle((j - 0.5, i - 0.5), 1, 1, fill=False, hatch="//", edgecolor="#ef6c00", lw=0))
        if v > 0:
            ax.text(j, i, int(v), ha="center", va="center", fontsize=8,
                    color="white" if v >= 0.6 * np.nanmax(mat.to_numpy(dtype=float)) else "black")
ax.set_xticks(range(len(cols)), cols, rotation=90, fontsize=8)
ax.set_yticks(range(len(panels)), [names[c] for c in panels], fontsize=9)
fig.colorbar(im, ax=ax, label="firms + anchor firms", shrink=0.7)
ax.set_title(f"{prof.city_name}: chain coverage per unit (hatched: targeted chain)", fontsize=11)
save(fig, "03_chain_coverage")

# %% [markdown]
# ## One unit in words
#
# The same profile as the summary `matcher profile` writes: the unit's firms and industries, the
# related industries it lacks, the chains it targets, and the pack's facts with numbered sources.

# %%
focus = units.sort_values(["firms", "anchor_firms"], ascending=False)["county_code"].iloc[0]
print(prof.summary(focus))
