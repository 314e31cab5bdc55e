"""``matcher chain``: chain analysis of a city or counties; ``matcher bench chain``: graph benchmark."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer


def register(app: typer.Typer) -> None:
    from matcher.cli.bench import RESULTS_DIR, bench_app

    @app.command("chain")
    def chain(
        city: Annotated[str | None, typer.Option(help="city name or code, e.g. 秦皇岛 or 130300")] = None,
        county: Annotated[list[str] | None, typer.Option(help="county name/code (repeatable) instead of a city")] = None,
        data: Annotated[Path | None, typer.Option(help="raw data directory (default $MATCHER_DATA)")] = None,
        out: Annotated[Path, typer.Option(help="output directory")] = Path("out/chain"),
        workdir: Annotated[Path | None, typer.Option(help="work directory (default ./work)")] = None,
        chains: Annotated[list[str] | None, typer.Option("--chain", help="only these chains (name or code)")] = None,
        graph: Annotated[bool, typer.Option(help="also export the whole graph (node-link JSON + GraphML)")] = False,
        force: Annotated[bool, typer.Option(help="rebuild the chain tables")] = False,
    ) -> None:
        """Per named chain and segment: local/national firms, RCA, 强/弱/缺, 补链/强链/延链, leaders; CSV + figures."""
        from matcher.chain import ensure_chain, load_chain_templates, write_graph
        from matcher.chain.report import resolve_region, write_region_report
        from matcher.sources import data_dir_from

        data_dir = data_dir_from(data)
        if city and not city.endswith("市") and not city.isdigit():
            city = city + "市"
        codes, level, label = resolve_region(data_dir, city=city, counties=county)
        cd = ensure_chain(data_dir, workdir, force=force)
        paths = write_region_report(cd, codes, level, label, out, load_chain_templates(chains or None))
        if graph:
            paths.update({f"graph.{k}": p for k, p in write_graph(cd.graph, out, "chain_graph").items()})
        typer.echo(f"{label} ({level} {','.join(codes)}): wrote {len(paths)} files to {out}")
        typer.echo(f"analysis: {paths['analysis']}")

    @bench_app.command("chain")
    def bench_chain_cmd(
        data: Annotated[Path | None, typer.Option(help="raw data directory (default $MATCHER_DATA)")] = None,
        workdir: Annotated[Path | None, typer.Option(help="work directory (default ./work)")] = None,
        results: Annotated[Path, typer.Option(help="results folder")] = RESULTS_DIR,
    ) -> None:
        """Graph statistics, relation-cleaning precision, classifier accuracy, 秦皇岛 chains → chain.json/.md."""
        from matcher.chain import ensure_chain
        from matcher.chain.report import bench_chain, write_bench
        from matcher.sources import data_dir_from

        data_dir = data_dir_from(data)
        b = bench_chain(ensure_chain(data_dir, workdir), data_dir)
        paths = write_bench(b, results)
        typer.echo(f"wrote {paths['json']} and {paths['md']}")
