"""``matcher profile``: county profiles of one city (tables + a readable summary per unit).

``matcher bench regions``: the measurement behind the proximity level (split-half stability of
industry proximity estimated across cities vs across counties).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer


def register(app: typer.Typer) -> None:
    @app.command("profile")
    def profile(
        city: Annotated[str, typer.Option(help="city: Chinese name (秦皇岛 / 秦皇岛市) or adcode (130300)")],
        data: Annotated[Path | None, typer.Option(help="raw data directory (default $MATCHER_DATA)")] = None,
        out: Annotated[Path | None, typer.Option(help="output folder (default out/<city>/profiles)")] = None,
        workdir: Annotated[Path | None, typer.Option(help="work directory (default ./work)")] = None,
        industry_col: Annotated[str, typer.Option(help="industry column: sw_l1_code / sw_l2_code / sw_l3_code / industry_tushare")] = "sw_l2_code",
        force: Annotated[bool, typer.Option(help="rebuild even when artifacts are fresh")] = False,
    ) -> None:
        """Write county profiles (CSV + Parquet) and summary.md for CITY's county-level units."""
        from matcher.pipeline import workdir_from
        from matcher.regions import county_profiles
        from matcher.regions.pack import PackError
        from matcher.sources import data_dir_from

        data_dir = data_dir_from(data)
        wd = workdir_from(workdir)
        try:
            prof = county_profiles(city, data_dir, wd, industry_col=industry_col, force=force)
        except PackError as exc:
            typer.echo(f"error: {exc}", err=True)
            raise typer.Exit(2) from None
        except KeyError as exc:
            typer.echo(f"error: {exc.args[0] if exc.args else exc}", err=True)
            raise typer.Exit(2) from None
        target = out or Path("out") / prof.city_name / "profiles"
        written = prof.write(target)
        n_firms = int(prof.city["count"].sum())
        typer.echo(
            f"{prof.city_name} ({prof.city_code}): {len(prof.units)} units, {n_firms} firms with an industry, "
            f"pack: {'yes' if prof.has_pack else 'no'}; wrote {len(written)} files to {target}"
        )

    from matcher.cli.bench import bench_app

    @bench_app.command("regions")
    def bench_regions(
        data: Annotated[Path | None, typer.Option(help="raw data directory (default $MATCHER_DATA)")] = None,
        workdir: Annotated[Path | None, typer.Option(help="work directory (default ./work)")] = None,
        industry_col: Annotated[str, typer.Option(help="industry column")] = "sw_l2_code",
        repeats: Annotated[int, typer.Option(help="random half-splits")] = 20,
        results: Annotated[Path | None, typer.Option(help="results folder")] = None,
    ) -> None:
        """Split-half stability of proximity at city vs county level → benchmarks/results/regions.json/.md."""
        import json

        from matcher.cli.bench import RESULTS_DIR
        from matcher.pipeline import workdir_from
        from matcher.regions.build import firm_master
        from matcher.regions.profile import proximity_stability
        from matcher.sources import data_dir_from

        firms = firm_master(data_dir_from(data), workdir_from(workdir))
        rows = [proximity_stability(firms, level, industry_col, repeats=repeats) for level in ("city", "county")]
        folder = results or RESULTS_DIR
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "regions.json").write_text(json.dumps(rows, ensure_ascii=False, indent=1), encoding="utf-8")
        keys = list(rows[0])
        md = ["# Proximity level: split-half stability", "",
              "Firms split at random into two halves; industry proximity estimated on each half; agreement "
              "= Pearson correlation of the two proximity matrices over all off-diagonal industry pairs, "
              "and over the pairs co-located in either half. Higher = the level supports a stable estimate.", "",
              "| " + " | ".join(keys) + " |", "|" + "---|" * len(keys)]
        md += ["| " + " | ".join(str(r[k]) for k in keys) + " |" for r in rows]
        (folder / "regions.md").write_text("\n".join(md) + "\n", encoding="utf-8")
        typer.echo("\n".join(md))
