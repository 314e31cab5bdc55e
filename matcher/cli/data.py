"""``matcher data …``: the raw-data directory — check it, fetch it, refresh the manifest, summarise loaders.

    matcher data check    --data DIR [--quiet]              presence, size, sha256 of every manifest file
    matcher data fetch    --to DIR [--mirror DIR_OR_URL]    obtain missing/altered files, verified
    matcher data manifest --data DIR [--write]              recompute size/sha256 (after re-staging)
    matcher data summary  --data DIR [--out CSV]            rows read / accepted / quarantined per loader

``--data`` defaults to ``$MATCHER_DATA``. Exit codes: 0 all good, 1 a file missing/altered/unfetchable or
a loader failed (each named on stderr), 2 bad input (e.g. a malformed manifest).
"""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Annotated

import pandas as pd
import typer

from matcher.sources.base import DATA_ENV

data_app = typer.Typer(help="The raw-data directory: check, fetch, manifest, summary.", no_args_is_help=True)

ManifestOpt = Annotated[
    Path | None, typer.Option("--manifest", help="manifest CSV (default: the project's data/manifest.csv)")
]


def _data_path(value: Path | None) -> Path:
    raw = value if value not in (None, Path("")) else os.environ.get(DATA_ENV)
    if not raw:
        typer.echo(f"error: no data directory given: pass --data or set {DATA_ENV}", err=True)
        raise typer.Exit(2)
    return Path(raw).expanduser()


def _entries(manifest: Path | None):  # noqa: ANN202
    from matcher.sources.manifest import ManifestError, load_manifest

    try:
        return load_manifest(manifest)
    except ManifestError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from exc


def _table(rows: list[list[str]], header: list[str]) -> str:
    widths = [max(len(str(x)) for x in col) for col in zip(header, *rows, strict=False)]
    lines = ["  ".join(str(v).ljust(w) for v, w in zip(header, widths, strict=True)).rstrip()]
    lines.append("  ".join("-" * w for w in widths))
    lines += ["  ".join(str(v).ljust(w) for v, w in zip(r, widths, strict=True)).rstrip() for r in rows]
    return "\n".join(lines)


@data_app.command("check")
def check(
    data: Annotated[Path | None, typer.Option(help=f"raw data directory (default ${DATA_ENV})")] = None,
    quiet: Annotated[
        bool, typer.Option("--quiet", "-q", help="print only problems and the summary line")
    ] = False,
    manifest: ManifestOpt = None,
) -> None:
    """Verify presence, size and sha256 of every file in the manifest; exit 1 naming each bad file."""
    from matcher.sources.manifest import check_dir

    data_dir = _data_path(data)
    entries = _entries(manifest)
    results = check_dir(data_dir, entries)
    bad = [r for r in results if not r.ok]
    if not quiet:
        rows = [[r.path, str(r.expected_size), r.expected_sha256[:12], r.describe()] for r in results]
        typer.echo(_table(rows, ["path", "size", "sha256", "status"]))
    typer.echo(f"{len(results) - len(bad)}/{len(results)} files ok in {data_dir}")
    if bad:
        for r in bad:
            typer.echo(f"error: {r.path}: {r.describe()}", err=True)
        raise typer.Exit(1)


@data_app.command("fetch")
def fetch(
    to: Annotated[
        Path | None, typer.Option("--to", help=f"data directory to fill (default ${DATA_ENV})")
    ] = None,
    mirror: Annotated[
        str | None,
        typer.Option(help="folder or http(s) base URL holding the same relative tree; tried first"),
    ] = None,
    origin: Annotated[bool, typer.Option(help="also try each file's public origin URL")] = True,
    timeout: Annotated[float, typer.Option(help="seconds per network request")] = 60.0,
    manifest: ManifestOpt = None,
) -> None:
    """Obtain every manifest file (verified by sha256); files already present and valid are skipped."""
    from matcher.sources.fetch import fetch_all

    to_dir = _data_path(to)
    entries = _entries(manifest)
    report = fetch_all(to_dir, entries, mirror=mirror, use_origin=origin, timeout=timeout)
    for r in report.results:
        if r.status == "fetched":
            typer.echo(f"fetched  {r.path}  <- {r.source}")
    typer.echo(
        f"{report.count('present')} present, {report.count('fetched')} fetched, "
        f"{len(report.failures)} failed (of {len(report.results)}) in {to_dir}"
    )
    if report.failures:
        for r in report.failures:
            typer.echo(f"error: {r.path}: " + " | ".join(r.errors), err=True)
        raise typer.Exit(1)


@data_app.command("manifest")
def manifest_cmd(
    data: Annotated[Path | None, typer.Option(help=f"raw data directory (default ${DATA_ENV})")] = None,
    write: Annotated[
        bool, typer.Option("--write", help="write the refreshed size/sha256 into the manifest")
    ] = False,
    manifest: ManifestOpt = None,
) -> None:
    """Recompute size and sha256 from a data directory; show the changes, or write them with --write."""
    from matcher.sources.manifest import (
        bootstrap_manifest,
        default_manifest,
        load_manifest,
        refresh_manifest,
        write_manifest,
    )

    data_dir = _data_path(data)
    if not data_dir.is_dir():
        typer.echo(f"error: data directory does not exist: {data_dir}", err=True)
        raise typer.Exit(2)
    path = manifest or default_manifest()
    report = refresh_manifest(data_dir, bootstrap_manifest(path))
    for label, items in (
        ("changed", report.changed),
        ("added", report.added),
        ("absent (kept)", report.missing),
    ):
        for item in items:
            typer.echo(f"{label:14s} {item}")
    typer.echo(
        f"{len(report.entries)} files: {len(report.changed)} changed, {len(report.added)} added, "
        f"{len(report.missing)} absent from {data_dir}"
    )
    if write:
        write_manifest(report.entries, path)
        load_manifest(path)  # re-read: the written file must validate
        typer.echo(f"wrote {path}")
    elif report.changed or report.added:
        typer.echo("(dry run: pass --write to update the manifest)")


@data_app.command("summary")
def summary(
    data: Annotated[Path | None, typer.Option(help=f"raw data directory (default ${DATA_ENV})")] = None,
    out: Annotated[Path | None, typer.Option(help="also write the table as CSV here")] = None,
    little_giants: Annotated[list[Path] | None, typer.Option("--little-giants", help="also a MIIT 小巨人 list (user file); repeatable")] = None,
    registry: Annotated[list[Path] | None, typer.Option("--registry", help="also a 企查查/天眼查 export (user file); repeatable")] = None,
) -> None:
    """Run every registered loader: rows read, accepted, quarantined and the reconciliation check.
    User files are read first (a file that cannot be used fails at once), as the firm master reads them:
    rows that repeat an earlier row's firm count as quarantined."""
    from matcher.firms.master import load_user_file, user_file_duplicates
    from matcher.sources import all_loaders, data_dir_from
    from matcher.sources.base import SourceError

    header = ["source", "rows_read", "accepted", "quarantined", "check", "seconds", "error"]
    rows: list[list[str]] = []
    failed = []
    user = [("little_giants", p) for p in little_giants or []] + [("registry", p) for p in registry or []]
    loaders: dict[str, object] = {}
    for kind, p in user:
        start = time.perf_counter()
        if not p.is_file():
            raise SourceError(p, "file is missing (give the path of an existing file)")
        res = user_file_duplicates(load_user_file(kind, p))  # SourceError: one line, exit 2, before the sources load
        loaders[f"{kind}:{p}"] = (res, time.perf_counter() - start)
    data_dir = data_dir_from(data)
    loaders.update(all_loaders())
    for name, loader in loaders.items():
        start = time.perf_counter()
        try:
            if isinstance(loader, tuple):  # a user file, already read
                res, took = loader
                start -= took
            else:
                res = loader(data_dir)  # type: ignore[operator]
        except (SourceError, AssertionError) as exc:
            failed.append(name)
            rows.append([name, "", "", "", "error", f"{time.perf_counter() - start:.2f}", str(exc)])
            continue
        ok = res.rows_read == res.rows_accepted + res.rows_quarantined
        if not ok:
            failed.append(name)
        rows.append(
            [
                name,
                str(res.rows_read),
                str(res.rows_accepted),
                str(res.rows_quarantined),
                "ok" if ok else "MISMATCH",
                f"{time.perf_counter() - start:.2f}",
                "",
            ]
        )
    typer.echo(_table([r[:6] for r in rows], header[:6]))
    if out is not None:
        from matcher.outputs.safe import out_dir

        out_dir(out.parent)
        from matcher.outputs.safe import to_csv

        to_csv(pd.DataFrame(rows, columns=header), out, encoding="utf-8", lineterminator="\n")
        typer.echo(f"wrote {out}")
    if failed:
        for r in rows:
            if r[0] in failed:
                typer.echo(f"error: {r[0]}: {r[6] or 'rows read != accepted + quarantined'}", err=True)
        raise typer.Exit(1)


def register(app: typer.Typer) -> None:
    app.add_typer(data_app, name="data")
