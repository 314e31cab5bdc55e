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
# # 1 · The firm universe and its data quality (企业库与数据质量)
#
# Who is in the firm master, where the firms come from, how precisely each is placed on the map, what
# the loaders and the master refused (quarantine), and how well names from different lists were
# matched to one another (entity resolution). Everything comes from the public API of `matcher` on
# the real data; nothing here is typed in by hand.
#
# Parameters come from the environment, so CI and an analyst run the same file:
# `MATCHER_DATA` (raw data, required), `MATCHER_WORKDIR` (the work directory whose cached firm
# master is reused), `MATCHER_FIGURES` (where the PNG figures go).

# %%
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

import matcher  # noqa: E402
from matcher.plotting import notebook_paths, save_figure, use_cjk_font  # noqa: E402

DATA, WORKDIR, FIG_DIR, RESULTS = notebook_paths(globals().get("__file__"))

use_cjk_font()
pd.set_option("display.width", 160)
pd.set_option("display.max_columns", 20)


def save(fig: plt.Figure, name: str) -> Path:
    """Write a figure as PNG into FIG_DIR and close it."""
    return save_figure(fig, FIG_DIR / f"{name}.png")


# %% [markdown]
# ## The firm master
#
# `matcher.firm_master` returns the master from the work directory when it is fresh (and builds it, about
# half a minute, when it is not). One row per real firm: listed firms (A-shares on 2024-05-13 plus
# the exchanges' 2025 lists), Chinese unicorns that are not listed, and firms from user files
# (e.g. the MIIT 专精特新"小巨人" lists) when such files are given. `matcher.quarantine` holds every
# row a loader or the master refused; `matcher.firm_report` the build's counts (the ones `matcher
# build` prints: firms by type, geocoding levels, quarantine by reason, links between the lists).

# %%
firms = matcher.firm_master(DATA, WORKDIR)
quarantine = matcher.quarantine(DATA, WORKDIR)
report = matcher.firm_report(DATA, WORKDIR)
print(f"{len(firms):,} firms; {len(quarantine):,} quarantined rows")
print(pd.Series(report["firms_by_type"], name="firms").to_string())

# %% [markdown]
# ## Sources (数据来源)
#
# Rows read, accepted and quarantined by each loader the master reads (a loader guarantees
# read = accepted + quarantined), and how many firms each source contributes to. `matcher data
# summary` prints the same table for every loader of the data directory.

# %%
sources = pd.DataFrame(report["loaders"]).T.astype(int)
assert (sources["read"] == sources["accepted"] + sources["quarantined"]).all(), "a loader broke its row contract"
contrib = firms["sources"].dropna().str.split(";").explode().value_counts()
sources["firms_using"] = sources.index.map(contrib).fillna(0).astype(int)
print(sources.to_string())

fig, ax = plt.subplots(1, 2, figsize=(13, 5), sharey=True)
order = sources.sort_values("read").index
ax[0].barh(order, sources.loc[order, "accepted"], color="#4c72b0", label="accepted")
ax[0].barh(order, sources.loc[order, "quarantined"], left=sources.loc[order, "accepted"], color="#dd8452", label="quarantined")
ax[0].set_xlabel("rows")
ax[0].set_title("Rows per loader")
ax[0].legend()
ax[1].barh(order, sources.loc[order, "firms_using"], color="#55a868")
ax[1].set_xlabel("firms in the master")
ax[1].set_title("Firms each source contributes to")
save(fig, "01_sources")

# %% [markdown]
# ## Where the firms are: coverage by province (省份覆盖)
#
# Each firm is placed at the finest level its best address allows: county (区县, incl. functional
# zones such as 秦皇岛市经济技术开发区), city (地级市) or only the province. The dot map plots each
# placed firm at its point (county or city centroid); no map tiles are needed.

# %%
level_order = ["county", "city", "province", "none"]
by_prov = (
    firms.assign(province=firms["province"].fillna("(unplaced)"))
    .pivot_table(index="province", columns="geo_level", values="firm_id", aggfunc="count", fill_value=0)
    .reindex(columns=level_order, fill_value=0)
)
by_prov["total"] = by_prov.sum(axis=1)
by_prov["county_share"] = by_prov["county"] / by_prov["total"]
by_prov = by_prov.sort_values("total", ascending=False)
print(by_prov.head(12).to_string(float_format="{:.2f}".format))
print(f"{len(by_prov)} provinces; median county-level share {by_prov['county_share'].median():.2f}")
# a county code without a point: firms placed in functional zones (e.g. 130371) whose centroid the
# division table lacks; they count in every table here but cannot be drawn
no_point = firms[(firms["geo_level"] == "county") & firms["lon"].isna()]
print(f"county-level firms without a point: {len(no_point)}; most common units:")
print(no_point["county"].value_counts().head(8).to_string())

colours = {"county": "#2e7d32", "city": "#66bb6a", "province": "#fbc02d", "none": "#bdbdbd"}
fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(16, 9), gridspec_kw={"width_ratios": [1, 1.3]})
bp = by_prov.iloc[::-1]
left = pd.Series(0, index=bp.index)
for lvl in level_order:
    ax1.barh(bp.index, bp[lvl], left=left, color=colours[lvl], label=lvl)
    left = left + bp[lvl]
ax1.set_xlabel("firms")
ax1.set_title("Firms per province by geocoding level")
ax1.legend(title="geo_level", loc="lower right")
ax1.tick_params(axis="y", labelsize=8)
placed = firms.dropna(subset=["lon", "lat"])
for lvl in ["city", "province", "county"]:
    pts = placed[placed["geo_level"] == lvl]
    ax2.scatter(pts["lon"], pts["lat"], s=6 if lvl == "county" else 14, alpha=0.5, color=colours[lvl], label=f"{lvl} ({len(pts):,})")
qhd = placed[placed["city_code"] == "130300"]
n_qhd = int((firms["city_code"] == "130300").sum())
ax2.scatter(qhd["lon"], qhd["lat"], s=60, facecolors="none", edgecolors="#c62828", label=f"秦皇岛 ({len(qhd)} of {n_qhd} with a point)")
ax2.set_xlabel("longitude")
ax2.set_ylabel("latitude")
ax2.set_aspect(1.2)
ax2.set_title("Firms on the map (point = county or city centroid)")
ax2.legend(loc="lower left")
save(fig, "01_coverage_by_province")

# %% [markdown]
# ## Geocoding levels (地理编码精度)
#
# Which address placed each firm, in the order of trust: the SZSE registered address (2025), the
# 2015 registered address, the Tushare city, the Tushare province; unicorns by their (English) city.

# %%
geo = pd.crosstab(firms["geo_source"].fillna("(none)"), firms["geo_level"]).reindex(columns=level_order, fill_value=0)
geo["total"] = geo.sum(axis=1)
print(geo.to_string())
listed = firms[firms["is_listed"].fillna(False)]
print(f"listed firms placed at county level: {(listed['geo_level'] == 'county').mean():.1%}; "
      f"with at least a city: {listed['city_code'].notna().mean():.1%}")

fig, ax = plt.subplots(figsize=(9, 4))
g = geo.drop(columns="total").sort_values("county")
left = pd.Series(0, index=g.index)
for lvl in level_order:
    ax.barh(g.index, g[lvl], left=left, color=colours[lvl], label=lvl)
    left = left + g[lvl]
ax.set_xlabel("firms")
ax.set_title("Geocoding level by the address that placed the firm")
ax.legend(title="geo_level")
save(fig, "01_geocoding_levels")

# %% [markdown]
# ## Quarantine (隔离记录): what was refused, and why
#
# Rows a loader could not accept (e.g. superseded Tushare snapshots, a repeated header row) and
# records the master refused (codes no longer listed: an old list can carry a delisted firm).
# Nothing is dropped silently: every refused row keeps its file, row number and the record itself.

# %%
reasons = quarantine.groupby(["source", "reason"]).size().rename("rows").reset_index().sort_values("rows", ascending=False)
print(reasons.to_string(index=False))

fig, ax = plt.subplots(figsize=(11, 0.45 * len(reasons) + 1.2))
labels = [f"{s}: {r[:70]}" for s, r in zip(reasons["source"], reasons["reason"], strict=True)]
vals = reasons["rows"].to_numpy()[::-1]
ax.barh(labels[::-1], vals, color="#dd8452")
for y, v in enumerate(vals):
    ax.text(v, y, f" {v:,}", va="center", fontsize=8)
ax.set_xscale("log")
ax.set_xlabel("rows (log scale)")
ax.set_title(f"Quarantine: {len(quarantine):,} rows by source and reason")
ax.tick_params(axis="y", labelsize=8)
save(fig, "01_quarantine_reasons")

# %% [markdown]
# ## Entity resolution (实体对齐)
#
# Listed firms are joined by stock code, an exact key. Names have to be matched where no code
# exists: unicorns (CB Insights vs Maven, then to listed firms' English names) and the 财富中国500强
# names (to listed firms' current and former legal names). The master's report counts those links;
# the ER benchmark (`matcher bench er`) measures the name matcher against truth the data carries —
# stock codes shared by two lists, hidden from the matcher — with the threshold chosen on one half
# of the codes and precision/recall reported on the other half. Its stored results are read with
# `matcher.benchmark_results("er")`; when none are stored (a fresh clone before `matcher bench er`
# ran), the benchmark is run here into the work directory (a few minutes: it rebuilds the master).

# %%
un = report.get("unicorns", {})
fo = report.get("fortune500", {})
print(f"unicorns: CB Insights China {un.get('cb_china')}, Maven China {un.get('maven_china')}, "
      f"CB~Maven links {un.get('cb_maven_links')}, distinct unicorns {un.get('unicorns')}, linked to listed {un.get('linked_to_listed')}")
print(f"Fortune China 500: distinct names 2014–2021 linked {fo.get('distinct_names_linked')}/{fo.get('distinct_names')}; "
      f"2021 list {fo.get('linked_2021')}/{fo.get('names_2021')}; listed firms with a rank {fo.get('listed_firms_with_rank')}")
print(f"firms with a Fortune rank in the master: {int(firms['fortune500_best_rank'].notna().sum())}")

er = matcher.benchmark_results("er", RESULTS)
origin = "stored results"
if er is None:  # no stored benchmark: measure it here (one small synthetic scale; results go to the work directory)
    er = matcher.run_benchmark("er", DATA, WORKDIR, out_dir=WORKDIR / "results", track=False, scales="1", base=1000)
    origin = "computed now"
q = er["listed_lists"]
sweep = pd.DataFrame(er["train_sweep"])
per_pair = pd.DataFrame(q["test_per_pair"])
print(f"ER benchmark ({origin}): threshold {q['threshold']}; test half precision {q['test_pooled']['precision']:.4f}, "
      f"recall {q['test_pooled']['recall']:.4f}")
print(per_pair[["left", "right", "links", "precision", "recall", "false_merges", "false_splits"]].to_string(index=False))

fig, (ax1, ax3, ax2) = plt.subplots(1, 3, figsize=(19, 4.5))
ax1.plot(sweep["threshold"], sweep["precision"], label="precision")
ax1.plot(sweep["threshold"], sweep["recall"], label="recall")
ax1.plot(sweep["threshold"], sweep["f1"], label="F1", linestyle="--")
ax1.axvline(q["threshold"], color="grey", linestyle=":", label=f"chosen {q['threshold']}")
ax1.set_xlabel("name-score threshold")
ax1.set_title("Name matching on the train half of the codes")
ax1.legend()
pairs = per_pair.assign(lists=per_pair["left"] + " × " + per_pair["right"]).set_index("lists")
x = np.arange(len(pairs))
ax3.bar(x - 0.2, pairs["precision"], width=0.4, label="precision")
ax3.bar(x + 0.2, pairs["recall"], width=0.4, label="recall")
ax3.set_xticks(x, pairs.index, rotation=25, fontsize=8)
ax3.set_ylim(0.5, 1.0)
ax3.set_title(f"Test half, per list pair (threshold {q['threshold']})")
ax3.legend(loc="lower left")
years = pd.Series(fo.get("match_rate_by_year", {}), dtype="float64")
if len(years):
    ax2.bar(years.index, years.to_numpy(), color="#8172b2")
    ax2.set_ylim(0, 1)
    ax2.set_ylabel("share of names linked to a listed firm")
    ax2.set_title("财富中国500强 names linked, by year")
save(fig, "01_entity_resolution")
