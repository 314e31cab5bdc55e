"""Alembic environment of the workbench: run by ``matcher db upgrade`` and at ``matcher serve`` start
(:func:`matcher.workbench.db.upgrade`), which passes an open connection in ``config.attributes``."""

from __future__ import annotations

from alembic import context

from matcher.workbench.models import Base

config = context.config
target_metadata = Base.metadata


def run() -> None:
    connection = config.attributes.get("connection")
    if connection is None:
        from sqlalchemy import create_engine

        engine = create_engine(config.get_main_option("sqlalchemy.url"))
        with engine.begin() as conn:
            _migrate(conn)
        return
    _migrate(connection)


def _migrate(connection) -> None:  # type: ignore[no-untyped-def]
    context.configure(
        connection=connection, target_metadata=target_metadata, render_as_batch=True,
        version_table="wb_alembic_version", compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


run()
