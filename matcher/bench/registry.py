"""``matcher bench registry``: the registry stage measured — reconciliation, placement, industry accuracy on the
held-out labels, link precision on the held-out labelled links, cold / warm seconds and peak memory.

JSON keys (stable; documented again in the Markdown):

- ``rows``: read, accepted, quarantined, quarantine_by_reason;
- ``placement``: county_share (national), county_share_city and rows_city (秦皇岛 130300), by_source,
  accuracy_geo_holdout (county code right, on the held-out half of ``data/labels/geo_holdout_registry.csv``
  rows whose label is at county level: n, correct, accuracy);
- ``industry``: holdout / tune — n (rows with a label), division, section, division_f51_f52_merged
  accuracy of the model, and the same for ``baseline`` (GB/T keyword baseline); model info;
- ``links``: threshold, candidates, at_threshold, by_type, holdout and tune — n (labelled 1/0),
  precision_sample (share correct among labelled links at or above the threshold), precision_weighted
  (strata weighted by the candidates' stratum sizes at or above the threshold), recall_in_sample (share of
  true candidate links at or above the threshold), false_links (names of wrong links at threshold);
- ``timing``: cold_seconds (the firm master and the registry stage from an empty work directory, in a
  child process), registry_stage_seconds (of that), build_without_registry_seconds, warm_seconds (the same
  command again, cached), peak_rss_gb (child process); null when ``--no-timing``.
"""

from __future__ import annotations

import json
import resource
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from matcher import resources
from matcher.firms import registry_industry as RI
from matcher.firms.registry_links import LINK_THRESHOLD
from matcher.sources.gbt4754 import load_gbt4754

_CHILD = r"""
import json, sys, time
from matcher.pipeline import Pipeline
t0 = time.perf_counter()
p = Pipeline.open(sys.argv[1], sys.argv[2], user_files=[])
for s in ("firm_master", "chain", "chain_positions", "national_profiles"):
    getattr(p, s)
t1 = time.perf_counter()
p.registry
t2 = time.perf_counter()
print(json.dumps({"without_registry": t1 - t0, "registry": t2 - t1, "total": t2 - t0}))
"""


def _child(data_dir: Path, workdir: Path) -> dict[str, float]:
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    out = subprocess.run([sys.executable, "-c", _CHILD, str(data_dir), str(workdir)], capture_output=True, text=True,
                         check=True)
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    res = json.loads(out.stdout.strip().splitlines()[-1])
    res["peak_rss_gb"] = round(max(peak, before) / 1024 / 1024, 2)
    return res


def timing(data_dir: Path) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="matcher-registry-bench-") as wd:
        cold = _child(data_dir, Path(wd))
        warm = _child(data_dir, Path(wd))
    return {"cold_seconds": round(cold["total"], 1), "registry_stage_seconds": round(cold["registry"], 1),
            "build_without_registry_seconds": round(cold["without_registry"], 1), "warm_seconds": round(warm["total"], 1),
            "peak_rss_gb": cold["peak_rss_gb"]}


def _acc(pred: np.ndarray, y: np.ndarray, ys: np.ndarray, sections: dict[str, str]) -> dict[str, Any]:
    ok = y != "?"
    oks = ys != "?"
    p = np.array([x if isinstance(x, str) else "" for x in pred], dtype=object)
    merge = np.vectorize(lambda a: "51/52" if a in ("51", "52") else a, otypes=[object])
    ps = np.array([sections.get(x, "") for x in p], dtype=object)
    return {"n": int(ok.sum()), "division": round(float((p[ok] == y[ok]).mean()), 4),
            "section": round(float((ps[oks] == ys[oks]).mean()), 4),
            "division_f51_f52_merged": round(float((merge(p[ok]) == merge(y[ok])).mean()), 4)}


def industry_accuracy(registry: pd.DataFrame, gbt: pd.DataFrame) -> dict[str, Any]:
    labels = pd.read_csv(resources.data_path("labels/registry_industry.csv"), dtype=str, keep_default_na=False)
    sections = RI.division_sections(gbt)
    div = registry.set_index("row")["division"]
    out: dict[str, Any] = {}
    for half in ("holdout", "tune"):
        lab = labels[labels["half"] == half]
        rows = lab["row_index"].astype(int).to_numpy() + 1
        pred = np.array([v if isinstance(v, str) else "" for v in div.reindex(rows).astype("object")], dtype=object)
        base = RI.keyword_baseline(lab["name"].tolist(), [s or None for s in lab["scope"]], gbt)
        y, ys = lab["label_division"].to_numpy(), lab["label_section"].to_numpy()
        out[half] = {"model": _acc(pred, y, ys, sections), "baseline": _acc(base, y, ys, sections)}
    return out


def link_precision(links: pd.DataFrame, threshold: float) -> dict[str, Any]:
    lab = pd.read_csv(resources.data_path("labels/registry_links.csv"), dtype=str, keep_default_na=False)
    cur = links.set_index("row")
    lab["row_i"] = lab["row"].astype(int)
    lab["score"] = cur["score"].reindex(lab["row_i"]).to_numpy()
    cur_firm = np.array([v if isinstance(v, str) else "" for v in cur["firm_id"].reindex(lab["row_i"]).astype("object")], dtype=object)
    lab["same_firm"] = cur_firm == lab["firm_id"].to_numpy()
    lab.loc[~lab["same_firm"], "score"] = 0.0
    above_pop = links[links["score"] >= threshold]["key_kind"].value_counts()
    out: dict[str, Any] = {}
    for half in ("holdout", "tune"):
        h = lab[(lab["half"] == half) & lab["label"].isin(["0", "1"])]
        at = h[h["score"] >= threshold]
        true = h["label"] == "1"
        weighted_num, weighted_den = 0.0, 0.0
        for stratum, g in at.groupby("stratum"):
            w = float(above_pop.get(stratum, 0))
            weighted_num += w * float((g["label"] == "1").mean())
            weighted_den += w
        out[half] = {
            "n": len(h), "at_threshold": len(at),
            "precision_sample": round(float((at["label"] == "1").mean()), 4) if len(at) else None,
            "precision_weighted": round(weighted_num / weighted_den, 4) if weighted_den else None,
            "recall_in_sample": round(float(((h["score"] >= threshold) & true).sum() / max(int(true.sum()), 1)), 4),
            "by_stratum": {str(s): {"n": len(g), "at_threshold": int((g["score"] >= threshold).sum()),
                                    "precision": round(float((g.loc[g["score"] >= threshold, "label"] == "1").mean()), 4)
                                    if (g["score"] >= threshold).any() else None}
                           for s, g in h.groupby("stratum")},
            "false_links": [f"{r.reg_name} → {r.firm_name}" for r in at[at["label"] == "0"].itertuples()],
            "unknown_excluded": int(((lab["half"] == half) & (lab["label"] == "?")).sum()),
        }
    return out


def placement_accuracy(registry: pd.DataFrame) -> dict[str, Any]:
    lab = pd.read_csv(resources.data_path("labels/geo_holdout_registry.csv"), dtype=str, keep_default_na=False)
    h = lab[(lab["half"] == "holdout") & (lab["label_level"] == "county")]
    placed = registry.set_index("row")["county_code"].reindex(h["row_index"].astype(int).to_numpy() + 1)
    got = np.array([v if isinstance(v, str) else "" for v in placed.astype("object")], dtype=object)
    correct = int((got == h["label_code"].to_numpy()).sum())
    return {"n": len(h), "correct": correct, "placed_at_county": int((got != "").sum()),
            "accuracy": round(correct / len(h), 4) if len(h) else None}


def run_registry_benchmark(p: Any, timing_run: bool = True, **_: Any) -> dict[str, Any]:
    art = p.registry
    rep = art.docs.get("registry_report", {})
    reg = art.frames["registry"]
    gbt = load_gbt4754(p.data_dir).frame
    placement = dict(rep.get("placement", {}))
    placement["accuracy_geo_holdout"] = placement_accuracy(reg)
    links = art.frames["registry_links"]
    res: dict[str, Any] = {
        "rows": rep.get("loader", {}),
        "placement": placement,
        "industry": {**industry_accuracy(reg, gbt), "model_info": rep.get("industry_model", {}),
                     "source": rep.get("industry_source", {})},
        "links": {"threshold": LINK_THRESHOLD, "candidates": len(links),
                  "at_threshold": int((links["score"] >= LINK_THRESHOLD).sum()),
                  "by_type": rep.get("links", {}).get("by_type", {}), **link_precision(links, LINK_THRESHOLD)},
        "artifacts": {"local_presence_rows": rep.get("local_presence_rows"), "expansion_events": rep.get("expansion_events")},
        "stage_seconds": rep.get("seconds", {}),
        "timing": timing(p.data_dir) if timing_run else None,
    }
    return res


def markdown(r: dict[str, Any]) -> str:
    rows, pl, ind, ln, tm = r["rows"], r["placement"], r["industry"], r["links"], r.get("timing")
    h, t = ind["holdout"], ind["tune"]
    lines = [
        "# Registry evidence benchmark (registry_sample_2019)", "",
        "The registry is a **sample** (3.0 million registrations 1978–2019-04, 190 large province-year files absent):",
        "figures describe the sample.", "",
        "## Rows",
        f"read {rows.get('read')} = accepted {rows.get('accepted')} + quarantined {rows.get('quarantined')}; "
        + "; ".join(f"{k}: {v}" for k, v in rows.get("quarantine_by_reason", {}).items()), "",
        "## Placement",
        f"- county level, national: **{pl.get('county_share', 0):.1%}**; 秦皇岛 (130300): **{(pl.get('county_share_city') or 0):.1%}** "
        f"of {pl.get('rows_city')} rows",
        f"- on the held-out half of the geocoder's labelled registry addresses (county-level labels): "
        f"{pl['accuracy_geo_holdout']['correct']}/{pl['accuracy_geo_holdout']['n']} right "
        f"({(pl['accuracy_geo_holdout']['accuracy'] or 0):.1%})",
        "- by source: " + ", ".join(f"{k} {v}" for k, v in pl.get("by_source", {}).items()), "",
        "## Industry (GB/T 4754-2017), held-out half of data/labels/registry_industry.csv",
        "| | n | division | section | division, F51+F52 merged |", "|---|---|---|---|---|",
        f"| model (holdout) | {h['model']['n']} | **{h['model']['division']:.3f}** | **{h['model']['section']:.3f}** | {h['model']['division_f51_f52_merged']:.3f} |",
        f"| GB/T keyword baseline (holdout) | {h['baseline']['n']} | {h['baseline']['division']:.3f} | {h['baseline']['section']:.3f} | {h['baseline']['division_f51_f52_merged']:.3f} |",
        f"| model (tune half, used to edit the name rules: optimistic) | {t['model']['n']} | {t['model']['division']:.3f} | {t['model']['section']:.3f} | {t['model']['division_f51_f52_merged']:.3f} |",
        "",
        "Labels: one AI reader, by the written rule `data/labels/registry_industry.md`, before any classifier existed.",
        "", "## Links to the firm master",
        f"threshold {ln['threshold']}; candidates {ln['candidates']}, at threshold {ln['at_threshold']} "
        + "(" + ", ".join(f"{k} {v}" for k, v in ln.get("by_type", {}).items()) + ")", "",
        "| half | labelled | at threshold | precision (sample) | precision (strata weighted) | recall among labelled candidates |",
        "|---|---|---|---|---|---|",
    ]
    for half in ("holdout", "tune"):
        x = ln[half]
        lines.append(f"| {half} | {x['n']} | {x['at_threshold']} | {x['precision_sample']} | **{x['precision_weighted']}** | {x['recall_in_sample']} |")
    lines += ["", "False links at threshold (holdout): " + ("; ".join(ln["holdout"]["false_links"]) or "none"),
              "", "Labels: one AI reader by `data/labels/registry_links.md`, before the threshold was chosen (on the tune half). "
              "Recall is measured only among the labelled *candidates*; a recall sample of registrations that carry a "
              "listed brand anywhere in the name is not drawn yet.", ""]
    if tm:
        lines += ["## Time and memory (2 cores)",
                  f"- cold (firm master + registry stage from an empty work directory): **{tm['cold_seconds']} s**, of which the "
                  f"registry stage {tm['registry_stage_seconds']} s; without the registry {tm['build_without_registry_seconds']} s",
                  f"- warm (cached): **{tm['warm_seconds']} s**; peak RSS **{tm['peak_rss_gb']} GB**", ""]
    lines += ["## JSON keys",
              "rows.{read, accepted, quarantined, quarantine_by_reason}; placement.{county_share, county_share_city, rows_city, "
              "by_source, accuracy_geo_holdout}; industry.{holdout, tune}.{model, baseline}.{n, division, section, "
              "division_f51_f52_merged}, industry.model_info; links.{threshold, candidates, at_threshold, by_type}, "
              "links.{holdout, tune}.{n, at_threshold, precision_sample, precision_weighted, recall_in_sample, by_stratum, "
              "false_links}; artifacts.{local_presence_rows, expansion_events}; stage_seconds; "
              "timing.{cold_seconds, registry_stage_seconds, build_without_registry_seconds, warm_seconds, peak_rss_gb} (null with --no-timing)."]
    return "\n".join(lines)


__all__ = ["industry_accuracy", "link_precision", "markdown", "placement_accuracy", "run_registry_benchmark", "timing"]
