"""``matcher match``: firm → county matches for a city (the best county of each firm, with reasons)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer


def register(app: typer.Typer) -> None:
    @app.command("match")
    def match(
        city: Annotated[str, typer.Argument(help="city name or code, e.g. 秦皇岛 / 130300")],
        data: Annotated[Path | None, typer.Option(help="raw data directory (default $MATCHER_DATA)")] = None,
        workdir: Annotated[Path | None, typer.Option(help="work directory (default ./work)")] = None,
        top: Annotated[int | None, typer.Option(help="keep the best N firms (all their counties)")] = 50,
        out: Annotated[Path | None, typer.Option(help="write the long frame here (.csv or .parquet)")] = None,
    ) -> None:
        """Score every firm outside CITY against each of its county-level units; print each firm's best county."""
        from matcher.api import score_matches
        from matcher.model.match import best_landing

        m = score_matches(city, data, workdir, top=top)
        if out is not None:
            from matcher.outputs.safe import out_dir

            out_dir(out.parent)
            from matcher.outputs.safe import to_csv

            m.to_parquet(out, index=False) if out.suffix == ".parquet" else to_csv(m, out, encoding="utf-8-sig")
            typer.echo(f"wrote {len(m)} rows to {out}")
        for r in best_landing(m).head(20).itertuples():
            typer.echo(f"{r.score:7.3f}  {r.name}  → {r.county_name}  {str(r.reasons)[:120]}")
