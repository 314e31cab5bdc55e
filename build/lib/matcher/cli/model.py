"""``matcher model …``: the exported entry ranker."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

model_app = typer.Typer(help="Trained rankers: rank with the exported champion.", no_args_is_help=True)


def register(app: typer.Typer) -> None:
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
        from matcher.sources.base import data_dir_from

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
