"""``matcher bench entry`` and ``matcher model …``: the entry benchmark and the exported entry ranker."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from matcher.cli.bench import RESULTS_DIR, bench_app

model_app = typer.Typer(help="Trained rankers: rank with the exported champion.", no_args_is_help=True)


def register(app: typer.Typer) -> None:
    @bench_app.command("entry")
    def bench_entry(
        data: Annotated[Path | None, typer.Option(help="raw data directory (default $MATCHER_DATA)")] = None,
        workdir: Annotated[Path | None, typer.Option(help="work directory (default ./work); holds mlflow.db")] = None,
        out: Annotated[Path, typer.Option(help="results folder")] = RESULTS_DIR,
        models: Annotated[Path, typer.Option(help="folder the champion is exported to (…/entry_ranker)")] = Path("models"),
        n_boot: Annotated[int, typer.Option(help="bootstrap replicates over cities")] = 1000,
        seed: Annotated[int, typer.Option(help="bootstrap seed")] = 0,
        variants: Annotated[bool, typer.Option(help="also run the Shenwan level-2/3 variants")] = True,
        track: Annotated[bool, typer.Option(help="log the run to MLflow and register the champion")] = True,
    ) -> None:
        """Entry benchmark: every ranker, main window and back-test, with bootstrap CIs over cities."""
        from matcher.model.evaluate import write_entry_benchmark
        from matcher.pipeline import workdir_from
        from matcher.sources import data_dir_from

        report = write_entry_benchmark(
            data_dir_from(data),
            workdir_from(workdir),
            out_dir=out,
            models_dir=models,
            n_boot=n_boot,
            seed=seed,
            variants=("sw2", "sw3") if variants else (),
            track=track,
        )
        for wname, h in report["headline"].items():
            typer.echo(
                f"{wname:9s} learned AP {h['learned']:.3f} vs {h['baseline']} {h['baseline_value']:.3f}: "
                f"{h['average_precision']:+.3f} [{h['average_precision_ci'][0]:+.3f}, {h['average_precision_ci'][1]:+.3f}] "
                f"{h['verdict']}"
            )
        typer.echo(f"wrote {out / 'entry.json'} and {out / 'entry.md'}")

    @model_app.command("entry-rank")
    def entry_rank(
        city: Annotated[str, typer.Option(help="prefecture city as in stock_company, e.g. 秦皇岛市")],
        data: Annotated[Path | None, typer.Option(help="raw data directory (default $MATCHER_DATA)")] = None,
        model: Annotated[Path, typer.Option(help="exported ranker folder")] = Path("models/entry_ranker"),
        top: Annotated[int, typer.Option(help="rows to show")] = 15,
        as_of: Annotated[str, typer.Option(help="t0: presence from firms listed before this date")] = "2024-05-14",
    ) -> None:
        """Industries a city has no listed firm in, ranked by the exported entry ranker, with reasons."""
        from matcher.model.card import load_exported
        from matcher.model.cells import candidate_cells, city_coordinates, load_entry_firms
        from matcher.model.features import cell_features
        from matcher.sources import data_dir_from

        data_dir = data_dir_from(data)
        firms = load_entry_firms(data_dir)
        ranker = load_exported(model)
        cells = candidate_cells(firms, as_of)
        name = city if city in set(cells["city"]) else next((c for c in cells["city"].unique() if c.startswith(city)), None)
        if name is None:
            raise typer.BadParameter(f"no listed firm in {city!r} before {as_of}")
        feats = cell_features(firms, cells, as_of, coords=city_coordinates(firms, data_dir))
        ranked = ranker.rank(feats[feats["city"] == name], keys=["city", "industry"], top_k=top)
        for row in ranked.itertuples():
            typer.echo(f"{row.rank:3d}. {row.industry:8s} {row.score:.3f}  {row.reasons}")

    app.add_typer(model_app, name="model")
