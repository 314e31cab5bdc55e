"""``matcher chain``: the chain analysis of a city or of counties as files — the analysis CSV, the
template checks, and per chain a figure (PNG + SVG) and its subgraph (JSON + GraphML)."""

from __future__ import annotations

from pathlib import Path

from matcher.chain.analysis import analyze_region, check_templates
from matcher.chain.export import chain_subgraph, plot_chain, write_graph
from matcher.chain.graph import ChainData
from matcher.chain.templates import ChainTemplate, load_chain_templates
from matcher.outputs.safe import out_dir as ensure_out_dir
from matcher.outputs.safe import to_csv


def write_region_report(
    chain_data: ChainData,
    region_codes: list[str],
    level: str,
    label: str,
    out_dir: Path,
    templates: list[ChainTemplate] | None = None,
) -> dict[str, Path]:
    """Analysis CSV, template checks CSV, per chain a figure (PNG + SVG) and the subgraph (JSON + GraphML)."""
    templates = templates or load_chain_templates()
    out_dir = ensure_out_dir(out_dir)  # a file in the way or no permission: OutputError naming the folder
    res = analyze_region(chain_data.firms, region_codes, level, chain_data, templates)
    paths = {"analysis": out_dir / f"chain_analysis_{label}.csv", "checks": out_dir / "chain_template_checks.csv"}
    to_csv(res, paths["analysis"], encoding="utf-8-sig")
    to_csv(check_templates(chain_data, templates), paths["checks"], encoding="utf-8-sig")
    for t in templates:
        g = chain_subgraph(chain_data, t, res)
        for ext in ("png", "svg"):
            paths[f"{t.code}.{ext}"] = plot_chain(g, out_dir / f"chain_{t.code}.{ext}", title=f"{label} · {t.chain}")
        for k, p in write_graph(g, out_dir, f"chain_{t.code}").items():
            paths[f"{t.code}.{k}"] = p
    return paths
