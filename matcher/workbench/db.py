"""Engines, sessions, migrations, backup and restore.

- SQLite (the default, ``WORKDIR/workbench.db``): WAL journal, ``synchronous=FULL``, foreign keys on,
  a 30 s busy timeout; write transactions start with ``BEGIN IMMEDIATE`` so that two writers queue
  instead of failing half-way.
- PostgreSQL by URL (``postgresql+psycopg://user:pass@host/db``).
- :func:`upgrade` runs the Alembic migrations shipped in ``migrations/``.
- :func:`backup` / :func:`restore`: a logical backup (one zip: a manifest and one JSON-lines file per
  table), the same for both databases, so a backup of the SQLite file restores into PostgreSQL.
"""

from __future__ import annotations

import base64
import contextlib
import datetime as dt
import json
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event, inspect, select, text
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import NullPool

from matcher.workbench.models import TABLE_ORDER, Base, utcnow

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
BACKUP_FORMAT = "matcher-workbench-backup/1"


def make_engine(url: str, *, pool: bool = True) -> Engine:
    """An engine for ``url`` with the workbench's connection settings."""
    if url.startswith("sqlite"):
        if url.startswith("sqlite:///") and url != "sqlite:///:memory:":
            Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"timeout": 30, "check_same_thread": False},
                               **({} if pool else {"poolclass": NullPool}))

        @event.listens_for(engine, "connect")
        def _connect(dbapi_conn: Any, _rec: Any) -> None:
            dbapi_conn.isolation_level = None  # we emit BEGIN ourselves (see _begin)
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA synchronous=FULL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA busy_timeout=30000")
            cur.close()

        @event.listens_for(engine, "begin")
        def _begin(conn: Any) -> None:
            conn.exec_driver_sql("BEGIN IMMEDIATE" if conn.get_execution_options().get("immediate") else "BEGIN")

        return engine
    kwargs: dict[str, Any] = {"pool_pre_ping": True}
    if pool:
        kwargs |= {"pool_size": 10, "max_overflow": 20}
    else:
        kwargs["poolclass"] = NullPool
    return create_engine(url, **kwargs)


class Database:
    """An engine and its two session factories (reads; writes that take the write lock first)."""

    def __init__(self, url: str, *, pool: bool = True) -> None:
        self.url = url
        self.engine = make_engine(url, pool=pool)
        self._read = sessionmaker(self.engine, expire_on_commit=False)
        self._write = sessionmaker(self.engine.execution_options(immediate=True), expire_on_commit=False)

    @property
    def is_sqlite(self) -> bool:
        return self.engine.dialect.name == "sqlite"

    @contextlib.contextmanager
    def reader(self) -> Iterator[Session]:
        with self._read() as s:
            yield s
            s.expunge_all()  # objects stay usable (loaded) after the read transaction ends
            s.rollback()

    @contextlib.contextmanager
    def writer(self) -> Iterator[Session]:
        """A session whose transaction commits when the block ends without error."""
        with self._write() as s, s.begin():
            yield s

    def dispose(self) -> None:
        self.engine.dispose()


def alembic_config(engine: Engine) -> Any:
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option("sqlalchemy.url", engine.url.render_as_string(hide_password=False).replace("%", "%%"))
    return cfg


def upgrade(db: Database, revision: str = "head") -> None:
    """Bring the schema to ``revision`` (the Alembic migrations shipped with the package)."""
    from alembic import command

    cfg = alembic_config(db.engine)
    with db.engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, revision)


def current_revision(db: Database) -> str | None:
    with db.engine.connect() as conn:
        if not inspect(conn).has_table("wb_alembic_version"):
            return None
        return conn.execute(text("SELECT version_num FROM wb_alembic_version")).scalar()


# ---------------------------------------------------------------------------------------------------
# backup / restore
# ---------------------------------------------------------------------------------------------------
def _encode(v: Any) -> Any:
    if isinstance(v, bytes | bytearray | memoryview):
        return {"$b64": base64.b64encode(bytes(v)).decode("ascii")}
    if isinstance(v, dt.datetime | dt.date):
        return v.isoformat()
    return v


def _decoder(col: Any) -> Any:
    from sqlalchemy import Date, DateTime

    if isinstance(col.type, DateTime):
        return lambda v: None if v is None else dt.datetime.fromisoformat(v)
    if isinstance(col.type, Date):
        return lambda v: None if v is None else dt.date.fromisoformat(v)
    return lambda v: base64.b64decode(v["$b64"]) if isinstance(v, dict) and "$b64" in v else v


def backup(db: Database, path: str | Path) -> dict[str, Any]:
    """Write every workbench table to the zip ``path`` in one consistent read; return the manifest."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tables = Base.metadata.tables
    manifest: dict[str, Any] = {"format": BACKUP_FORMAT, "revision": current_revision(db),
                                "created_at": utcnow().isoformat(), "dialect": db.engine.dialect.name, "rows": {}}
    tmp = path.with_suffix(path.suffix + ".part")
    with db.reader() as s:
        if db.engine.dialect.name == "postgresql":
            s.execute(text("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ"))
        with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_DEFLATED) as zf:
            for name in TABLE_ORDER:
                table = tables[name]
                order = list(table.primary_key.columns)
                n = 0
                with zf.open(f"{name}.jsonl", "w") as fh:
                    for row in s.execute(select(table).order_by(*order)).mappings():
                        fh.write((json.dumps({k: _encode(v) for k, v in row.items()}, ensure_ascii=False) + "\n").encode("utf-8"))
                        n += 1
                manifest["rows"][name] = n
            zf.writestr("manifest.json", json.dumps(manifest, ensure_ascii=False, indent=1))
    tmp.replace(path)
    return manifest


def is_empty(db: Database) -> bool:
    with db.reader() as s:
        return all(s.execute(select(Base.metadata.tables[t]).limit(1)).first() is None for t in TABLE_ORDER)


def clear(db: Database) -> None:
    """Delete every row of every workbench table (schema kept)."""
    with db.writer() as s:
        for name in reversed(TABLE_ORDER):
            s.execute(Base.metadata.tables[name].delete())


def restore(db: Database, path: str | Path, *, force: bool = False) -> dict[str, Any]:
    """Load a :func:`backup` zip into ``db`` (schema upgraded first). Refuses a database that holds
    data unless ``force`` (which deletes it first)."""
    upgrade(db)
    with zipfile.ZipFile(path) as zf:
        manifest = json.loads(zf.read("manifest.json"))
        if manifest.get("format") != BACKUP_FORMAT:
            raise ValueError(f"不是工作台备份文件：{path}")
        if manifest.get("revision") != current_revision(db):
            raise ValueError(f"备份的数据库版本 {manifest.get('revision')} 与当前版本 {current_revision(db)} 不同")
        if not is_empty(db):
            if not force:
                raise ValueError("目标数据库已有数据；确认覆盖请加 --force")
            clear(db)
        tables = Base.metadata.tables
        with db.writer() as s:
            for name in TABLE_ORDER:
                table = tables[name]
                dec = {c.name: _decoder(c) for c in table.columns}
                batch: list[dict[str, Any]] = []
                with zf.open(f"{name}.jsonl") as fh:
                    for line in fh:
                        row = json.loads(line)
                        batch.append({k: dec[k](v) for k, v in row.items() if k in dec})
                        if len(batch) >= 2000:
                            s.execute(table.insert(), batch)
                            batch = []
                if batch:
                    s.execute(table.insert(), batch)
        if db.engine.dialect.name == "postgresql":
            with db.writer() as s:
                for name in TABLE_ORDER:
                    table = tables[name]
                    if "id" in table.c and table.c.id.primary_key:
                        s.execute(text(
                            f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), "
                            f"COALESCE((SELECT MAX(id) FROM {name}), 0) + 1, false)"))
    return manifest


def table_counts(db: Database) -> dict[str, int]:
    from sqlalchemy import func

    with db.reader() as s:
        return {t: int(s.execute(select(func.count()).select_from(Base.metadata.tables[t])).scalar() or 0) for t in TABLE_ORDER}
