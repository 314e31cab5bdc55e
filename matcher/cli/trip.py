"""``matcher trip``: an outbound visit itinerary (出访行程) — Excel, Markdown and JSON.

Thin over :func:`matcher.api.plan_trip`; an infeasible or ill-posed request (unknown city,
too many must-visits for the days, no targets) prints the planner's error and exits with code 2.
"""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from typing import Annotated

import typer


def _split(value: str | None) -> list[str]:
    if not value:
        return []
    return [v.strip() for v in value.replace("，", ",").replace("、", ",").split(",") if v.strip()]


def register(app: typer.Typer) -> None:
    from matcher.outputs.trips import TripAssumptions

    d = TripAssumptions()

    @app.command("trip")
    def trip(
        city: Annotated[str, typer.Option(help="home city (出发城市): name (秦皇岛) or adcode (130300)")],
        days: Annotated[int, typer.Option(help="days available, travel home included")],
        cities: Annotated[str | None, typer.Option(help="destination cities, comma-separated (大连,长春,哈尔滨); all are visited")] = None,
        region: Annotated[str | None, typer.Option(help="or a region group of data/regions_groups.yaml (东北); the best cities that fit are visited")] = None,
        visits_per_day: Annotated[int, typer.Option(help="at most this many visits a day")] = d.visits_per_day,
        start: Annotated[str | None, typer.Option(help="first day, YYYY-MM-DD (dates in the itinerary)")] = None,
        must_visit: Annotated[str | None, typer.Option(help="firms that must be visited, comma-separated (names or stock codes; fuzzy-matched)")] = None,
        max_per_city: Annotated[int | None, typer.Option(help="at most this many visits in one city")] = None,
        leg_overhead: Annotated[float, typer.Option(help="hours added to every city-to-city leg (stations, waiting)")] = d.leg_overhead_hours,
        visit_hours: Annotated[float, typer.Option(help="hours per visit")] = d.visit_hours,
        transfer_hours: Annotated[float, typer.Option(help="hours to reach each firm within a city")] = d.local_transfer_hours,
        day_hours: Annotated[float, typer.Option(help="hours a day from its start, travel included (trains may run late)")] = d.day_hours,
        visit_window: Annotated[float, typer.Option(help="visits end within this many hours of the day's start")] = d.visit_window_hours,
        day_start: Annotated[float, typer.Option(help="hour the day starts (8.5 = 08:30)")] = d.day_start_hour,
        backups: Annotated[int, typer.Option(help="backup firms listed per city")] = d.backups_per_city,
        data: Annotated[Path | None, typer.Option(help="raw data directory (default $MATCHER_DATA)")] = None,
        out: Annotated[Path | None, typer.Option(help="output folder (default out/<city>/trip)")] = None,
        workdir: Annotated[Path | None, typer.Option(help="work directory (default ./work)")] = None,
    ) -> None:
        """Plan visits to the best-ranked target firms of CITIES (or a REGION) from CITY and back:
        route, day-by-day schedule within capacity, reasons, backups → trip.xlsx, trip.md, trip.json."""
        from matcher.api import plan_trip, write_trip
        from matcher.outputs.trips import TripError

        try:
            first: date | None = datetime.strptime(start, "%Y-%m-%d").date() if start else None
        except ValueError:
            typer.echo(f"error: --start {start!r} is not a date YYYY-MM-DD", err=True)
            raise typer.Exit(2) from None
        try:
            assumptions = TripAssumptions(
                leg_overhead_hours=leg_overhead,
                visit_hours=visit_hours, local_transfer_hours=transfer_hours, day_hours=day_hours, visit_window_hours=visit_window,
                day_start_hour=day_start, visits_per_day=visits_per_day, backups_per_city=backups,
            )
            plan = plan_trip(city, cities=_split(cities), region=region, days=days, data_dir=data, workdir=workdir,
                              assumptions=assumptions, must_visit=_split(must_visit), start=first,
                              max_per_city=max_per_city)
        except TripError as exc:
            typer.echo(f"error: {exc}", err=True)
            raise typer.Exit(2) from None
        target = out or Path("out") / plan.home_name / "trip"
        paths = write_trip(plan, target)
        t = plan.totals
        typer.echo(" → ".join(plan.city_names.get(c, c) for c in plan.route))
        for r in plan.day_summary.itertuples():
            typer.echo(f"  {plan.day_label(int(r.day))}: {r.cities} — {r.visits} visits, {r.total_hours:g} h")
        typer.echo(f"{t['visits']} visits in {t['days_planned']} of {t['days_available']} days; wrote "
                   + ", ".join(str(p) for p in paths.values()))
