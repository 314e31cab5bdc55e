"""``matcher chain``: the chain analysis of a city or of counties — CSV, figures, GraphML/JSON per chain."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer


def register(app: typer.Typer) -> None:
    @app.command("chain")
    def chain(
        city: Annotated[str | None, typer.Option(help="city name or code, e.g. 秦皇岛 or 130300")] = None,
        county: Annotated[list[str] | None, typer.Option(help="county name/code (repeatable) instead of a city")] = None,
        data: Annotated[Path | None, typer.Option(help="raw data directory (default $MATCHER_DATA)")] = None,
        out: Annotated[Path, typer.Option(help="output directory")] = Path("out/chain"),
        workdir: Annotated[Path | None, typer.Option(help="work directory (default ./work)")] = None,
        chains: Annotated[list[str] | None, typer.Option("--chain", help="only these chains (name or code)")] = None,
        graph: Annotated[bool, typer.Option(help="also export the whole graph (node-link JSON + GraphML)")] = False,
    ) -> None:
        """Per named chain and segment: local/national firms, RCA, 强/弱/缺, 补链/强链/延链, leaders; CSV + figures."""
        from matcher import api, geo
        from matcher.chain import load_chain_templates, write_graph
        from matcher.outputs.chain_report import write_region_report

        p = api.open_pipeline(data, workdir)
        if county:
            found = geo.resolve_counties(list(county), p.data_dir)
            codes, level, label = [c for c, _ in found], "county", "+".join(n for _, n in found)
        elif city:
            code, label = geo.resolve_city(city, p.data_dir)
            codes, level = [code], "city"
        else:
            raise typer.BadParameter("give --city or --county")
        cd = p.chain
        paths = write_region_report(cd, codes, level, label, out, load_chain_templates(chains or None))
        if graph:
            paths.update({f"graph.{k}": pth for k, pth in write_graph(cd.graph, out, "chain_graph").items()})
        typer.echo(f"{label} ({level} {','.join(codes)}): wrote {len(paths)} files to {out}")
        typer.echo(f"analysis: {paths['analysis']}")
