"""``matcher bench …``: benchmark commands. Each writes its figures into ``benchmarks/results/``.

Stage modules add their own subcommands to :data:`bench_app` (``from matcher.cli.bench import bench_app``).
"""

from __future__ import annotations

from pathlib import Path

import typer

bench_app = typer.Typer(help="Benchmarks: each writes JSON + Markdown into benchmarks/results/.", no_args_is_help=True)

#: default folder for benchmark results (relative to the current directory, i.e. the project root)
RESULTS_DIR = Path("benchmarks/results")


def register(app: typer.Typer) -> None:
    app.add_typer(bench_app, name="bench")
