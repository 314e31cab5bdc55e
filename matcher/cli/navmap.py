"""``matcher navmap``: the investment navigation map (招商导航图) of a city — a thin call of
:func:`matcher.api.navmap` and :func:`matcher.api.write_navmap`."""

from __future__ import annotations

import datetime as dt
import time
from pathlib import Path
from typing import Annotated

import typer


def _split(values: list[str] | None) -> tuple[str, ...]:
    """Options may be repeated or comma-separated (either , or ，)."""
    out: list[str] = []
    for v in values or []:
        out += [p.strip() for p in v.replace("，", ",").split(",") if p.strip()]
    return tuple(out)


def register(app: typer.Typer) -> None:
    @app.command("navmap")
    def navmap(
        city: Annotated[str, typer.Option(help="city name or adcode, e.g. 秦皇岛 / 唐山 / 130300")],
        out: Annotated[Path, typer.Option(help="output folder (targets.csv, navmap.xlsx, navmap.html, navmap.md)")],
        data: Annotated[Path | None, typer.Option(help="raw data directory (default $MATCHER_DATA)")] = None,
        workdir: Annotated[Path | None, typer.Option(help="work directory, as for `matcher build` (default ./work)")] = None,
        chain: Annotated[list[str] | None, typer.Option("--chain", "--chains", help="keep these chains/segments (repeat or comma-separate)")] = None,
        county: Annotated[list[str] | None, typer.Option("--county", "--counties", help="landing counties allowed (names or codes)")] = None,
        firm_type: Annotated[list[str] | None, typer.Option("--firm-type", "--type", help="listed, unicorn, little_giant, registry")] = None,
        region: Annotated[list[str] | None, typer.Option("--region", "--home", help="home regions: 京津冀/长三角/珠三角/东北…, provinces or cities")] = None,
        top: Annotated[int, typer.Option(help="number of targets, best first; 0 = every eligible firm")] = 200,
        exclude_local: Annotated[bool, typer.Option("--exclude-local/--include-local", help="leave out firms already in the city")] = True,
        snapshot: Annotated[str | None, typer.Option(help="data snapshot date YYYY-MM-DD: firms listed/set up later are left out")] = None,
        per_county: Annotated[int, typer.Option(help="targets listed per county in 县区落地建议")] = 10,
        little_giants: Annotated[Path | None, typer.Option(help="MIIT 专精特新小巨人 list (user file)")] = None,
        registry: Annotated[Path | None, typer.Option(help="企查查/天眼查-style registry export (user file)")] = None,
    ) -> None:
        """Build the navigation map: whom to approach, where they are, where each should land."""
        from matcher.api import navmap as build_navmap
        from matcher.api import write_navmap
        from matcher.outputs.navmap import NavmapOptions

        user_files: list[tuple[str, Path]] = []
        if little_giants:
            user_files.append(("little_giants", little_giants))
        if registry:
            user_files.append(("registry", registry))
        try:
            snap = dt.date.fromisoformat(snapshot) if snapshot else None
            types = tuple(t.replace("-", "_") for t in _split(firm_type))
            options = NavmapOptions(
                chains=_split(chain), counties=_split(county), firm_types=types, home_regions=_split(region),
                top=top, exclude_local=exclude_local, snapshot=snap, user_files=tuple(user_files), per_county=per_county,
            )
        except ValueError as exc:
            raise typer.BadParameter(str(exc)) from None
        t0 = time.perf_counter()
        try:
            nav = build_navmap(city, options, data, workdir)
        except (LookupError, ValueError) as exc:
            typer.echo(f"error: {exc}", err=True)
            raise typer.Exit(2) from None
        paths = write_navmap(nav, out)
        t = nav.targets
        counts = "、".join(f"{a}{int((t['action'] == a).sum())}" for a in ("强链", "补链", "延链"))
        counts += f"、未归链{int((t['chain'] == '未归链').sum())}; {len(nav.not_recommended)} left out, see not_recommended.csv"
        typer.echo(f"{nav.city}: {len(t)} targets of {nav.meta['n_scored']} scored firms ({counts}) "
                   f"in {time.perf_counter() - t0:.1f}s")
        for p in paths.values():
            typer.echo(f"  {p}")
