"""``matcher build``: build every city-independent stage into the work directory and print a summary."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer


def format_summary(report: dict[str, Any]) -> str:
    """The build summary as text: firms by type, geo levels, Fortune links, quarantine by reason."""
    lines = [f"firms: {report.get('firms', 0)}"]
    for k, v in report.get("firms_by_type", {}).items():
        lines.append(f"  {k:28s} {v:7d}")
    lines.append("geo_level:")
    for k, v in report.get("geo_level", {}).items():
        lines.append(f"  {k:28s} {v:7d}")
    lines.append("geo_source:")
    for k, v in report.get("geo_source", {}).items():
        lines.append(f"  {k:28s} {v:7d}")
    lines.append(f"listed firms with a city: {report.get('listed_with_city', 0)}; "
                 f"unicorns with a city: {report.get('unicorns_with_city', 0)}")
    fo = report.get("fortune500", {})
    if fo:
        lines.append(f"Fortune China 500: 2021 names linked {fo.get('linked_2021')}/{fo.get('names_2021')} "
                     f"({fo.get('match_rate_2021', 0):.1%}); distinct names 2014–2021 linked "
                     f"{fo.get('distinct_names_linked')}/{fo.get('distinct_names')}")
    un = report.get("unicorns", {})
    if un:
        lines.append(f"unicorns: CB 2024 China {un.get('cb_china')}, Maven China {un.get('maven_china')}, "
                     f"CB~Maven links {un.get('cb_maven_links')}, linked to listed {un.get('linked_to_listed')}")
    for path, info in report.get("user_files", {}).items():
        lines.append(f"user file {path} ({info.get('kind')}): rows {info.get('rows')}, linked to listed "
                     f"{info.get('linked_to_listed')}, to earlier user-file firms {info.get('linked_to_user_firms')}, "
                     f"new firms {info.get('new_firms')}, quarantined {info.get('loader_quarantined')}")
    lines.append(f"quarantine: {report.get('quarantine_rows', 0)} rows")
    for q in report.get("quarantine_by_reason", []):
        lines.append(f"  {q['rows']:7d}  {q['source']}: {q['reason']}")
    rg = report.get("registry")
    if rg:
        lo, pl = rg.get("loader", {}), rg.get("placement", {})
        lines.append(f"registry sample: read {lo.get('read')}, accepted {lo.get('accepted')}, quarantined {lo.get('quarantined')}; "
                     f"county level {pl.get('county_share', 0):.1%} (秦皇岛 {(pl.get('county_share_city') or 0):.1%}); "
                     f"links at threshold {rg.get('links', {}).get('at_threshold')}, expansion events {rg.get('expansion_events')}")
    t = report.get("seconds", {})
    if t:
        lines.append("seconds: " + ", ".join(f"{k} {v}" for k, v in t.items()))
    return "\n".join(lines)


def register(app: typer.Typer) -> None:
    @app.command("build")
    def build(
        data: Annotated[Path | None, typer.Option(help="raw data directory (default $MATCHER_DATA)")] = None,
        workdir: Annotated[Path | None, typer.Option(help="work directory (default $MATCHER_WORKDIR, else ./work)")] = None,
        little_giants: Annotated[list[Path] | None, typer.Option("--little-giants", help="MIIT 专精特新小巨人 list (.xlsx/.xls/.csv); repeatable")] = None,
        registry: Annotated[list[Path] | None, typer.Option("--registry", help="企查查/天眼查-style registry export; repeatable")] = None,
        no_user_files: Annotated[bool, typer.Option("--no-user-files", help="forget the user files recorded in the work directory")] = False,
        force: Annotated[bool, typer.Option(help="rebuild even when artifacts are fresh")] = False,
        no_registry: Annotated[bool, typer.Option("--no-registry", help="skip the registry stage (county profiles from registrations, local presence, expansion events)")] = False,
        accept_altered_data: Annotated[bool, typer.Option("--accept-altered-data", help="build from raw files that differ from the data manifest (default: refuse, naming the file)")] = False,
    ) -> None:
        """Build the firm master, the chain graph, the firms' chain positions and the national profiles.
        User files given here are recorded in the work directory and used by every later command."""
        from matcher.api import build as build_all

        files = [("little_giants", p) for p in (little_giants or [])] + [("registry", p) for p in (registry or [])]
        user_files = [] if no_user_files else (files or None)
        report = build_all(data, workdir, user_files=user_files, force=force, log=typer.echo, registry=not no_registry,
                           accept_altered=accept_altered_data)
        typer.echo(format_summary(report))
