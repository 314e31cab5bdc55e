"""``matcher profile``: county profiles of one city (tables + a readable summary per unit)."""

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
    ) -> None:
        """Write county profiles (CSV + Parquet) and summary.md for CITY's county-level units."""
        from matcher.api import county_profiles

        prof = county_profiles(city, data, workdir)
        target = out or Path("out") / prof.city_name / "profiles"
        written = prof.write(target)
        n_firms = int(prof.city["count"].sum())
        typer.echo(
            f"{prof.city_name} ({prof.city_code}): {len(prof.units)} units, {n_firms} firms with an industry, "
            f"pack: {'yes' if prof.has_pack else 'no'}; wrote {len(written)} files to {target}"
        )
