"""The ``matcher`` command: thin commands over the public API.

Each module in this package defines ``register(app: typer.Typer) -> None`` and adds its commands;
:func:`build_app` discovers them, so every stage owns its own commands.
"""

from __future__ import annotations

import functools
import importlib
import pkgutil
import sys
from collections.abc import Callable
from typing import Any

import typer


def build_app() -> typer.Typer:
    app = typer.Typer(
        help="matcher — investment-targeting recommender (招商引资): firm master, chain graph, "
        "county profiles, ranked matches, the navigation map.",
        no_args_is_help=True,
        add_completion=False,
        pretty_exceptions_enable=False,
    )

    @app.callback()
    def _root() -> None:
        """matcher — investment-targeting recommender."""

    for info in sorted(pkgutil.iter_modules(__path__), key=lambda i: i.name):
        module = importlib.import_module(f"{__name__}.{info.name}")
        register = getattr(module, "register", None)
        if register is not None:
            register(app)
    _guard(app)
    return app


def _guarded(fn: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(fn)
    def run(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except _user_errors() as exc:
            typer.echo(f"error: {exc}", err=True)
            raise typer.Exit(2) from None
        except OSError as exc:
            if exc.filename is None:
                raise
            typer.echo(f"error: {_os_error_line(exc)}", err=True)
            raise typer.Exit(2) from None

    return run


def _os_error_line(exc: OSError) -> str:
    """A file-system error as one line naming the path and what to do."""
    what = exc.strerror or type(exc).__name__
    return (f"{exc.filename}: {what}; check that the path exists, is the kind expected (file or folder) "
            "and that you may read or write it")


def _guard(app: typer.Typer) -> None:
    """Every command turns a user error (bad input, bad setting) into one line on stderr and exit code 2."""
    for cmd in app.registered_commands:
        if cmd.callback is not None and not getattr(cmd.callback, "__wrapped__", None):
            cmd.callback = _guarded(cmd.callback)
    for group in app.registered_groups:
        if group.typer_instance is not None:
            _guard(group.typer_instance)


def _user_errors() -> tuple[type[BaseException], ...]:
    """Errors that mean bad input or a bad setting: one line naming the thing, exit code 2, no traceback."""
    from matcher.cache import CacheError
    from matcher.firms.schema import SchemaViolation
    from matcher.geo import UnknownPlace
    from matcher.outputs.safe import OutputError
    from matcher.outputs.trips import TripError
    from matcher.regions.pack import PackError
    from matcher.sources.base import SourceError
    from matcher.sources.manifest import ManifestError

    return (SourceError, CacheError, UnknownPlace, PackError, TripError, SchemaViolation, OutputError, ManifestError)


def main() -> None:
    app = build_app()
    try:
        app()
    except _user_errors() as exc:
        typer.echo(f"error: {exc}", err=True)
        sys.exit(2)
    except OSError as exc:
        if exc.filename is None:
            raise
        typer.echo(f"error: {_os_error_line(exc)}", err=True)
        sys.exit(2)
