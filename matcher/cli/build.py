"""``matcher build``: build the firm master (and what later stages cache) into the work directory."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer


def register(app: typer.Typer) -> None:
    @app.command("build")
    def build(
        data: Annotated[Optional[Path], typer.Option(help="raw data directory (default $MATCHER_DATA)")] = None,
        workdir: Annotated[Optional[Path], typer.Option(help="work directory (default ./work)")] = None,
        force: Annotated[bool, typer.Option(help="rebuild even when artifacts are fresh")] = False,
    ) -> None:
        """Load every source and summarise it (the firm master lands here with issue 3)."""
        from matcher.sources import all_loaders, data_dir_from

        data_dir = data_dir_from(data)
        for name, loader in all_loaders().items():
            res = loader(data_dir)
            typer.echo(f"{name:32s} read {res.rows_read:7d}  accepted {res.rows_accepted:7d}  quarantined {res.rows_quarantined:6d}")
