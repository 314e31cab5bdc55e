"""``matcher bench chain``: graph statistics, the relation cleaning's precision, the industry
classifier's accuracy and the 秦皇岛 chain analysis → ``benchmarks/results/chain.{json,md}``."""

from __future__ import annotations

import json
import time
from pathlib import Path

from matcher import geo
from matcher.chain import clean
from matcher.chain.analysis import analyze_region
from matcher.chain.classify import evaluate_classifier
from matcher.chain.graph import ChainData, graph_stats
from matcher.chain.templates import load_chain_templates


def bench_chain(chain_data: ChainData, data_dir: Path) -> dict:
    """Graph statistics, relation-cleaning precision, classifier accuracy and the 秦皇岛 analysis."""
    t0 = time.time()
    out: dict = {"graph": graph_stats(chain_data)}
    noise = chain_data.noise
    out["source_noise"] = [
        {"source": r.source, "item": r.item, "count": int(r.count)} for r in noise.itertuples(index=False)
    ]
    sizes = {str(k): int(v) for k, v in chain_data.relations["stratum"].value_counts().items()}
    tune, holdout = clean.load_labelled(half="tune"), clean.load_labelled(half="holdout")
    out["cleaning"] = {
        "labelled_relations": int(len(tune) + len(holdout)),
        "stratum_sizes": sizes,
        "default_rule": clean.DEFAULT_RULE,
        "chosen_on_tune": clean.choose_rule(tune, sizes),
        "min_precision": clean.MIN_PRECISION,
        "rules_tune": clean.evaluate_rules(tune, sizes).to_dict(orient="records"),
        "rules": clean.evaluate_rules(holdout, sizes).to_dict(orient="records"),
    }
    clf = evaluate_classifier(chain_data.firms, chain_data.firm_products)
    out["classifier"] = clf.to_dict(orient="records")
    code, label = geo.resolve_city("秦皇岛", data_dir)
    codes, level = [code], "city"
    templates = load_chain_templates()
    res = analyze_region(chain_data.firms, codes, level, chain_data, templates)
    summary = {}
    for chain, g in res.groupby("chain", sort=False):
        summary[chain] = {
            "strong": g.loc[g["strength"] == "强", "segment"].tolist(),
            "weak": g.loc[g["strength"] == "弱", "segment"].tolist(),
            "missing": g.loc[g["strength"] == "缺", "segment"].tolist(),
            "segments": g[["segment", "local_firms", "national_firms", "rca", "strength", "action", "leaders", "local_firm_names", "template_flag"]].to_dict(orient="records"),
        }
    out["qinhuangdao"] = {"region_codes": codes, "level": level, "chains": summary}
    out["seconds"] = round(time.time() - t0, 1)
    return out


def bench_markdown(b: dict) -> str:
    g = b["graph"]
    lines = ["# Chain graph benchmark", "", "Written by `matcher bench chain`.", "", "## Graph", ""]
    lines += ["| node type | count |", "|---|---|"] + [f"| {k} | {v} |" for k, v in g["nodes_by_type"].items()]
    lines += ["", "| edge kind | count |", "|---|---|"] + [f"| {k} | {v} |" for k, v in g["edges_by_kind"].items()]
    lines += [
        "",
        f"Firms: {g['firms']}; attached to an industry node {g['firms_attached_to_industry']} "
        f"({g['share_firms_attached_to_industry']:.1%}); to product nodes {g['firms_attached_to_products']} "
        f"({g['share_firms_attached_to_products']:.1%}). Industry source: {g['firm_industry_source']}.",
        f"Industry→industry supply edges (level 3, no self-loops): {g['industry_edges']}; with a WIOD 2011 coefficient "
        f"{g['industry_edges_with_io_coef']}; with a chain-KG co-occurrence count {g['industry_edges_with_cooc']}.",
        "",
        "Evidence per industry edge (product relations): " + ", ".join(f"{k}: {v}" for k, v in g["industry_edge_evidence_histogram"].items()),
        "",
        "## Source noise handled",
        "",
        "| source | item | count |",
        "|---|---|---|",
    ]
    lines += [f"| {r['source']} | {r['item']} | {r['count']} |" for r in b["source_noise"]]
    c = b["cleaning"]
    lines += [
        "",
        "## Relation cleaning (hand-labelled sample)",
        "",
        f"{c['labelled_relations']} relations, 60 per stratum, split in halves within each stratum; precision is "
        f"stratum-weighted to the whole set (stratum sizes {c['stratum_sizes']}). The rule is chosen on the tune half "
        f"(most true links kept at an estimated precision above {c['min_precision']}): `{c['chosen_on_tune']}`; the graph "
        f"uses `{c['default_rule']}`. The table below is the holdout half, which no choice has seen.",
        "",
        "| rule | kept | precision (est.) | labelled kept | labelled precision | labelled true lost | true links lost (est.) | recall (est.) |",
        "|---|---|---|---|---|---|---|---|",
    ]
    lines += [
        f"| {r['rule']} | {r['relations_kept']} | {r['precision_est']:.3f} | {r['labelled_kept']} | {r['labelled_precision']:.3f} | "
        f"{r['labelled_true_lost']} | {r['true_links_lost_est']} | {r['recall_est']:.3f} |"
        for r in c["rules"]
    ]
    lines += ["", "## Industry classifier (held-out, listed firms)", "", "| input | level | n_test | accuracy | majority baseline |", "|---|---|---|---|---|"]
    lines += [f"| {r['input']} | {r['level']} | {r['n_test']} | {r['accuracy']:.3f} | {r['majority_baseline']:.3f} |" for r in b["classifier"]]
    lines += ["", "## 秦皇岛 (130300), every named chain", ""]
    for chain, s in b["qinhuangdao"]["chains"].items():
        lines.append(f"### {chain}")
        lines.append(f"强: {', '.join(s['strong']) or '-'} · 弱: {', '.join(s['weak']) or '-'} · 缺: {', '.join(s['missing']) or '-'}")
        lines.append("")
        lines.append("| segment | local | national | RCA | strength | action | leaders (national) | local firms | flag |")
        lines.append("|---|---|---|---|---|---|---|---|---|")
        for r in s["segments"]:
            lines.append(
                f"| {r['segment']} | {r['local_firms']} | {r['national_firms']} | {r['rca']} | {r['strength']} | {r['action']} | "
                f"{r['leaders']} | {r['local_firm_names']} | {r['template_flag']} |"
            )
        lines.append("")
    lines.append(f"Benchmark time: {b['seconds']} s (after the graph was built).")
    return "\n".join(lines) + "\n"


def write_bench(b: dict, results_dir: Path) -> dict[str, Path]:
    results_dir.mkdir(parents=True, exist_ok=True)
    j, m = results_dir / "chain.json", results_dir / "chain.md"
    j.write_text(json.dumps(b, ensure_ascii=False, indent=1, default=str), encoding="utf-8")
    m.write_text(bench_markdown(b), encoding="utf-8")
    return {"json": j, "md": m}
