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
        registry: Annotated[bool, typer.Option(help="also write the registry tables (county_industries.csv, county_segments.csv, local_presence.csv, registry_summary.md)")] = True,
    ) -> None:
        """Write county profiles (CSV + Parquet) and summary.md for CITY's county-level units."""
        from matcher.api import county_profiles

        prof = county_profiles(city, data, workdir)
        target = out or Path("out") / prof.city_name / "profiles"
        written = prof.write(target)
        if registry:
            from matcher.api import local_presence, registry_county_industries, registry_frame
            from matcher.regions.registry_profiles import unit_summaries

            ind = registry_county_industries(city, data, workdir)
            from matcher.outputs.safe import md_escape, to_csv  # text stays text in CSV and Markdown

            to_csv(ind, target / "county_industries.csv", encoding="utf-8")
            segs = registry_frame("registry_segments", data, workdir)
            segs = segs[segs["county_code"].isin(prof.units["county_code"].astype(str))]
            to_csv(segs, target / "county_segments.csv", encoding="utf-8")
            pres = local_presence(city, data, workdir)
            to_csv(pres, target / "local_presence.csv", encoding="utf-8")
            (target / "registry_summary.md").write_text(md_escape(unit_summaries(ind, segs, prof.units, prof.city_name, pres)),
                                                        encoding="utf-8")
            written += [target / n for n in ("county_industries.csv", "county_segments.csv", "local_presence.csv", "registry_summary.md")]
        n_firms = int(prof.city["count"].sum())
        typer.echo(
            f"{prof.city_name} ({prof.city_code}): {len(prof.units)} units, {n_firms} firms with an industry, "
            f"pack: {'yes' if prof.has_pack else 'no'}; wrote {len(written)} files to {target}"
        )
