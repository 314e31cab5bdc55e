"""``matcher bench geo``: geocoding coverage by source, labelled-sample accuracy, plain-cpca baseline."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

DEFAULT_LABELLED = Path("tests/fixtures/geo_labelled_addresses.csv")


def _markdown(res: dict) -> str:
    lines = ["# Geocoding benchmark", "", "Share of firms placed at each level, by source (county = county-level "
             "unit incl. NBS functional zones).", "", "| source | n | county | city or finer | zones | county w/o point |",
             "|---|---|---|---|---|---|"]
    for name, s in res["sources"].items():
        lines.append(f"| {name} | {s['n']} | {s.get('share_county')} | {s.get('share_city_or_finer', '')} | "
                     f"{s.get('zones', '')} | {s.get('county_without_point', '')} |")
    if "labelled" in res:
        lab = res["labelled"]
        lines += ["", f"Labelled sample (n={lab['n']}): county accuracy {lab['county_accuracy']:.3f}, "
                  f"city accuracy {lab['city_accuracy']:.3f}; plain cpca county accuracy "
                  f"{lab['plain_cpca_county_accuracy']:.3f}."]
    lines += ["", f"秦皇岛 firms: {res['qinhuangdao']}",
              f"Index build {res['index_build_seconds']} s; SZSE addresses geocoded in {res['szse_seconds']} s.",
              "", "SZSE methods: " + json.dumps(res["sources"]["szse_address"]["methods"], ensure_ascii=False)]
    return "\n".join(lines) + "\n"


def register(app: typer.Typer) -> None:
    from matcher.cli.bench import RESULTS_DIR, bench_app

    @bench_app.command("geo")
    def bench_geo(
        data: Annotated[Path | None, typer.Option(help="raw data directory (default $MATCHER_DATA)")] = None,
        labelled: Annotated[Path, typer.Option(help="hand-labelled address CSV")] = DEFAULT_LABELLED,
        out: Annotated[Path, typer.Option(help="results folder")] = RESULTS_DIR,
    ) -> None:
        """County-level share by source, labelled accuracy and the plain-cpca baseline."""
        from matcher.firms.geo import geo_benchmark
        from matcher.sources import data_dir_from

        res = geo_benchmark(data_dir_from(data), labelled)
        out.mkdir(parents=True, exist_ok=True)
        (out / "geo.json").write_text(json.dumps(res, ensure_ascii=False, indent=2), encoding="utf-8")
        (out / "geo.md").write_text(_markdown(res), encoding="utf-8")
        typer.echo(_markdown(res))
