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
# # 4 · Model evaluation (模型评估)
#
# How well can we tell, before it happens, in which city an industry will gain its first listed firm?
# That is the entry benchmark (region × industry diversification): candidates are (city, industry)
# cells with no listed firm at t0; the outcome is a first listed firm in the test window. Every
# ranker — the baselines (size, RCA, density, density × size) and the learned model — is scored on
# the same cells, with confidence intervals from a bootstrap over cities.
#
# This notebook does not rerun the benchmark: `matcher.entry_evaluation` reads the stored results
# (`benchmarks/results/entry.json`, written by `matcher bench entry`). The precision-recall curves
# and feature importances need scores, so it refits the rankers on the two windows (a logistic
# regression on ~27k rows: seconds). The MLflow part reads the runs back from the SQLite store of the
# work directory (`matcher.mlflow_runs`); when the store has none, it first logs the evaluation
# computed here, then reads it back.

# %%
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from sklearn.metrics import average_precision_score, precision_recall_curve  # noqa: E402

import matcher  # noqa: E402
from matcher.plotting import notebook_paths, save_figure, use_cjk_font  # noqa: E402

DATA, WORKDIR, FIG_DIR, RESULTS = notebook_paths(globals().get("__file__"))
EXPERIMENT = "entry"

use_cjk_font()
pd.set_option("display.width", 200)
pd.set_option("display.max_columns", 20)


def save(fig: plt.Figure, name: str) -> Path:
    """Write a figure as PNG into FIG_DIR and close it."""
    return save_figure(fig, FIG_DIR / f"{name}.png")


# %% [markdown]
# ## The entry benchmark's table
#
# Read from the stored results. When no results file exists (a fresh clone before `matcher bench
# entry` ran), the same evaluation is computed here on the main and back-test windows with a small
# bootstrap (200 replicates) and no model re-selection — the configuration chosen earlier is used.

# %%
WINDOWS = ["main", "backtest"]
ev = matcher.entry_evaluation(DATA, results_dir=RESULTS, windows=WINDOWS, n_boot=200, seed=0)
frames, models, scores, results, chosen = ev.frames, ev.models, ev.scores, ev.results, ev.chosen
if ev.stored:
    print(f"read the stored entry results: learned model {chosen}, {results['main']['n_boot']} bootstrap replicates")
else:
    print(f"no stored entry results: computed the evaluation here (learned model {chosen}, 200 bootstrap replicates)")

rows = []
for w in WINDOWS:
    for name, m in results[w]["rankers"].items():
        rows.append({"window": w, "ranker": name, **{k: round(float(m[k]), 3) for k in ev.metrics}})
table = pd.DataFrame(rows)
print(table.to_string(index=False))

fig, axes = plt.subplots(1, 3, figsize=(16, 4.5))
for ax, metric in zip(axes, ["average_precision", "roc_auc", "ndcg_at_10"], strict=True):
    names = list(results["main"]["rankers"])
    x = np.arange(len(names))
    for k, w in enumerate(WINDOWS):
        m = results[w]["rankers"]
        v = np.array([m[n][metric] for n in names])
        ci = np.array([m[n].get(metric + "_ci", [np.nan, np.nan]) for n in names])
        ax.bar(x + (k - 0.5) * 0.38, v, width=0.38, label=w, yerr=[v - ci[:, 0], ci[:, 1] - v], capsize=3)
    ax.set_xticks(x, names, rotation=20)
    ax.set_title(metric + " (95% CI over cities)")
axes[0].legend()
fig.suptitle("Entry benchmark: every ranker on the main window and the back-test", fontsize=11)
fig.tight_layout()
save(fig, "04_entry_table")

# %% [markdown]
# ## Precision–recall curves per ranker
#
# The learned model's refitted scores reproduce the stored average precision (the check below prints
# both); the curves show where along the ranking each ranker gains or loses. Few cells gain a first
# listed firm (under 2 %), so precision is low in absolute terms: compare against the base rate.

# %%
fig, axes = plt.subplots(1, len(WINDOWS), figsize=(13, 4.8))
for ax, w in zip(axes, WINDOWS, strict=True):
    y = frames[w][1]["entered"].to_numpy()
    for name, s in scores[w].items():
        p, r, _ = precision_recall_curve(y, s)
        ap = average_precision_score(y, s)
        stored_ap = float(results[w]["rankers"][name]["average_precision"])
        print(f"{w:9s} {name:15s} AP refitted {ap:.4f} | reported {stored_ap:.4f}")
        ax.plot(r, p, label=f"{name} (AP {ap:.3f})", lw=2 if name == "learned" else 1)
    ax.axhline(y.mean(), color="grey", ls=":", label=f"base rate {y.mean():.3f}")
    ax.set_title(f"{w}: test from t0 {ev.windows[w][1].t0}")
    ax.set_xlabel("recall")
    ax.set_ylabel("precision")
    ax.set_ylim(0, 1)
    ax.legend(fontsize=8)
fig.tight_layout()
save(fig, "04_pr_curves")

# %% [markdown]
# ## Feature importances
#
# Two views of the learned model on the main window: its standardised coefficients (features enter
# as log1p, then standardised, so coefficients are comparable), and permutation importance — how much
# average precision on the test window drops when one feature's values are shuffled (5 shuffles,
# fixed seed).

# %%
learned = models["main"]["learned"]
test = frames["main"][1]
y = test["entered"].to_numpy()
base_ap = average_precision_score(y, learned.decision_function(test))
rng = np.random.default_rng(0)
perm = {}
for f in learned.features:
    drops = []
    for _ in range(5):
        shuffled = test.copy()
        shuffled[f] = rng.permutation(shuffled[f].to_numpy())
        drops.append(base_ap - average_precision_score(y, learned.decision_function(shuffled)))
    perm[f] = (float(np.mean(drops)), float(np.std(drops)))
imp = pd.DataFrame({
    "coefficient": pd.Series(learned.coefficients),
    "permutation_ap_drop": pd.Series({k: v[0] for k, v in perm.items()}),
    "permutation_sd": pd.Series({k: v[1] for k, v in perm.items()}),
}).sort_values("permutation_ap_drop", ascending=False)
print(f"learned model {chosen}; test AP {base_ap:.4f}")
print(imp.to_string(float_format="{:.4f}".format))

fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(12, 3.8))
order = imp.index[::-1]
ax1.barh(order, imp.loc[order, "coefficient"], color=np.where(imp.loc[order, "coefficient"] > 0, "#4c72b0", "#c44e52"))
ax1.axvline(0, color="black", lw=0.6)
ax1.set_title("Standardised logistic coefficients")
ax2.barh(order, imp.loc[order, "permutation_ap_drop"], xerr=imp.loc[order, "permutation_sd"], color="#55a868")
ax2.set_title("Permutation importance (drop in AP, main test window)")
fig.tight_layout()
save(fig, "04_feature_importance")

# %% [markdown]
# ## The MLflow runs, read back from the store
#
# `matcher bench entry` logs each benchmark run into the work directory's SQLite store
# (`sqlite:///WORKDIR/mlflow.db`, experiment `entry`): parameters (settings, data hash, windows),
# every ranker's metrics as `<window>.<ranker>.<metric>`, the result files and the champion model.
# `matcher.mlflow_runs` reads them back (`mlflow.search_runs`). An empty store gets one run first:
# the evaluation this notebook just computed (`ev.log_run`).

# %%
runs = matcher.mlflow_runs(EXPERIMENT, WORKDIR)
if runs.empty:
    info = ev.log_run(WORKDIR, "notebook-04", experiment=EXPERIMENT, artifacts=[FIG_DIR / "04_pr_curves.png"],
                      tags={"task": "entry benchmark", "origin": "notebooks/04_model_evaluation.py"})
    print(f"store was empty: logged run {info['run_id']}")
    runs = matcher.mlflow_runs(EXPERIMENT, WORKDIR)
print(f"{len(runs)} run(s) in the MLflow store of {WORKDIR} (experiment {EXPERIMENT!r})")
shown = ["run_id", "tags.mlflow.runName", "start_time", "params.chosen",
         "metrics.main.learned.average_precision", "metrics.main.size.average_precision",
         "metrics.backtest.learned.average_precision"]
print(runs[[c for c in shown if c in runs.columns]].to_string(index=False))

latest = runs.iloc[0]
# rankers (not the paired "learned_vs_…" differences) whose main-window AP the run logged
names = [n for n in results["main"]["rankers"] if f"metrics.main.{n}.average_precision" in runs.columns]
vals = np.array([float(latest[f"metrics.main.{n}.average_precision"]) for n in names])
lo = np.array([float(latest.get(f"metrics.main.{n}.average_precision_ci_lo", np.nan)) for n in names])
hi = np.array([float(latest.get(f"metrics.main.{n}.average_precision_ci_hi", np.nan)) for n in names])
fig, ax = plt.subplots(figsize=(8, 4))
err = None if np.isnan(lo).all() else [vals - lo, hi - vals]
ax.bar(names, vals, yerr=err, capsize=3, color=["#dd8452" if n == "learned" else "#4c72b0" for n in names])
for i, v in enumerate(vals):
    ax.text(i, v, f" {v:.3f}", ha="left", va="bottom", fontsize=8)
ax.set_ylabel("average precision (main window)")
ax.set_title(f"Read back from MLflow: run '{latest.get('tags.mlflow.runName', '')}' ({len(runs)} run(s) in the store)", fontsize=10)
save(fig, "04_mlflow_runs")
