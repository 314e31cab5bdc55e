"""The planners' workbench from the command line.

    matcher serve    --workdir DIR [--db URL] [--host 127.0.0.1 --port 8000] [--city 秦皇岛]
    matcher users    add|list|disable|enable|passwd
    matcher report   --period week|half-month|month --out DIR [--date YYYY-MM-DD]
    matcher db       upgrade|backup|restore|import-targets
    matcher outcomes export

The database is ``--db URL`` or ``$MATCHER_WORKBENCH_DB``, else the SQLite file ``WORKDIR/workbench.db``.
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path
from typing import Annotated

import typer

DB_ENV = "MATCHER_WORKBENCH_DB"

WorkdirOpt = Annotated[Path, typer.Option("--workdir", help="work directory (holds workbench.db and outcomes.parquet)")]
DbOpt = Annotated[str | None, typer.Option("--db", help=f"database URL (default ${DB_ENV}, else WORKDIR/workbench.db)")]
CityOpt = Annotated[str, typer.Option("--city", help="the city the workbench serves")]
DataOpt = Annotated[Path | None, typer.Option("--data", help="raw data directory (default $MATCHER_DATA)")]

users_app = typer.Typer(help="Workbench users: add, list, disable, enable, passwd.", no_args_is_help=True)
db_app = typer.Typer(help="Workbench database: upgrade, backup, restore, import-targets.", no_args_is_help=True)
outcomes_app = typer.Typer(help="Labelled outcomes (signed/landed leads) for the ranking.", no_args_is_help=True)


def _settings(workdir: Path, db: str | None, city: str = "秦皇岛", data: Path | None = None, **kw: object):  # noqa: ANN202
    from matcher.workbench.config import Settings

    return Settings(workdir=workdir, db_url=db or os.environ.get(DB_ENV) or None, city=city, data_dir=data, **kw)


def _workbench(workdir: Path, db: str | None, city: str = "秦皇岛", data: Path | None = None, *, migrate: bool = True):  # noqa: ANN202
    from matcher.workbench.db import Database, upgrade
    from matcher.workbench.link import WorkdirLink
    from matcher.workbench.services import Workbench

    settings = _settings(workdir, db, city, data)
    database = Database(settings.database_url())
    if migrate:
        upgrade(database)
    return Workbench(database, WorkdirLink(data, workdir), settings)


def _cli_actor():  # noqa: ANN202
    from matcher.workbench.services import Actor

    return Actor(0, "命令行", "命令行", "leader", None)


def _fail(exc: Exception) -> None:
    typer.echo(f"错误：{exc}", err=True)
    raise typer.Exit(1)


def serve(
    workdir: WorkdirOpt = Path("work"),
    db: DbOpt = None,
    host: Annotated[str, typer.Option(help="address to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="port")] = 8000,
    city: CityOpt = "秦皇岛",
    data: DataOpt = None,
    insecure_cookies: Annotated[bool, typer.Option("--insecure-cookies", help="send the session cookie over plain http "
                                                   "(only behind a trusted network; use https otherwise)")] = False,
) -> None:
    """Start the workbench web server (migrations run first; the city's targets are imported once)."""
    import uvicorn

    from matcher.workbench.web.app import build

    settings = _settings(workdir, db, city, data, secure_cookies=not insecure_cookies)
    typer.echo(f"数据库：{settings.database_url().split('@')[-1]}；首次启动时导入{city}的推荐目标（可能需要一两分钟）…")
    app, wb = build(settings)
    if not wb.list_users(None):
        typer.echo("还没有用户：先运行 matcher users add … --role admin 创建管理员。", err=True)
    typer.echo(f"工作台已启动：http://{host}:{port}/")
    uvicorn.run(app, host=host, port=port, log_level="warning")


@users_app.command("add")
def users_add(
    username: Annotated[str, typer.Argument(help="login name")],
    role: Annotated[str, typer.Option("--role", help="dispatcher | county | leader | admin")],
    unit: Annotated[str | None, typer.Option("--unit", help="county unit code or name (county users)")] = None,
    name: Annotated[str | None, typer.Option("--name", help="display name")] = None,
    password: Annotated[str | None, typer.Option("--password", help="initial password (asked when omitted)")] = None,
    workdir: WorkdirOpt = Path("work"), db: DbOpt = None, city: CityOpt = "秦皇岛", data: DataOpt = None,
) -> None:
    """Add a user."""
    from matcher.workbench.services import WorkbenchError

    wb = _workbench(workdir, db, city, data)
    if not wb.county_units():
        try:
            wb.ensure_units()
        except Exception as exc:  # the link needs the data to list the units
            _fail(exc)
    code = None
    if unit:
        names = wb.unit_names()
        code = unit if unit in names else next((c for c, n in names.items() if n == unit or n.startswith(unit)), None)
        if code is None:
            _fail(ValueError(f"没有单位“{unit}”；可选：{'、'.join(n for _, n in wb.county_units())}"))
    pw = password or typer.prompt("密码", hide_input=True, confirmation_prompt=True)
    try:
        wb.add_user(None, username, name or username, pw, role, code)
    except WorkbenchError as exc:
        _fail(exc)
    typer.echo(f"已添加用户 {username}（{role}{'，' + wb.unit_name(code) if code else ''}）")


@users_app.command("list")
def users_list(workdir: WorkdirOpt = Path("work"), db: DbOpt = None) -> None:
    """List users."""
    from matcher.workbench.config import ROLES

    wb = _workbench(workdir, db)
    for u in wb.list_users(None):
        typer.echo(f"{u.username}\t{u.display_name}\t{ROLES.get(u.role, u.role)}\t{u.unit_code or ''}\t{'启用' if u.active else '停用'}")


@users_app.command("disable")
def users_disable(username: str, workdir: WorkdirOpt = Path("work"), db: DbOpt = None) -> None:
    """Disable a user (their sessions end at once)."""
    from matcher.workbench.services import WorkbenchError

    try:
        _workbench(workdir, db).set_active(None, username, False)
    except WorkbenchError as exc:
        _fail(exc)
    typer.echo(f"已停用 {username}")


@users_app.command("enable")
def users_enable(username: str, workdir: WorkdirOpt = Path("work"), db: DbOpt = None) -> None:
    """Enable a user again."""
    from matcher.workbench.services import WorkbenchError

    try:
        _workbench(workdir, db).set_active(None, username, True)
    except WorkbenchError as exc:
        _fail(exc)
    typer.echo(f"已启用 {username}")


@users_app.command("passwd")
def users_passwd(username: str, password: Annotated[str | None, typer.Option("--password")] = None,
                 workdir: WorkdirOpt = Path("work"), db: DbOpt = None) -> None:
    """Set a user's password (their sessions end)."""
    from matcher.workbench.services import WorkbenchError

    pw = password or typer.prompt("新密码", hide_input=True, confirmation_prompt=True)
    try:
        _workbench(workdir, db).set_password(None, username, pw)
    except WorkbenchError as exc:
        _fail(exc)
    typer.echo(f"已重设 {username} 的密码")


def report(
    period: Annotated[str, typer.Option("--period", help="week | half-month | month")] = "week",
    out: Annotated[Path, typer.Option("--out", help="output directory")] = Path("out/reports"),
    date: Annotated[str | None, typer.Option("--date", help="a day in the period (default today)")] = None,
    workdir: WorkdirOpt = Path("work"), db: DbOpt = None, city: CityOpt = "秦皇岛",
) -> None:
    """Weekly dispatch / half-monthly bulletin / monthly assessment as Excel and CSV (for cron)."""
    from matcher.workbench import reports as R

    if period not in R.PERIODS:
        _fail(ValueError(f"--period 应为 {' | '.join(R.PERIODS)}"))
    day = dt.date.fromisoformat(date) if date else None
    wb = _workbench(workdir, db, city)
    paths = R.write_report_files(wb, _cli_actor(), period, out, day)
    frame = R.report_frame(R.build_report(wb, _cli_actor(), period, day))
    typer.echo(frame.to_string(index=False))
    for p in paths.values():
        typer.echo(str(p))


@db_app.command("upgrade")
def db_upgrade(workdir: WorkdirOpt = Path("work"), db: DbOpt = None) -> None:
    """Create or upgrade the workbench schema (Alembic migrations)."""
    from matcher.workbench.db import current_revision

    wb = _workbench(workdir, db)
    typer.echo(f"数据库已是最新版本（{current_revision(wb.db)}）")


@db_app.command("backup")
def db_backup(out: Annotated[Path, typer.Option("--out", help="backup file (.zip)")],
              workdir: WorkdirOpt = Path("work"), db: DbOpt = None) -> None:
    """Write a consistent backup of every workbench table to one zip file."""
    from matcher.workbench.db import backup

    m = backup(_workbench(workdir, db).db, out)
    typer.echo(f"已备份到 {out}：" + "，".join(f"{k} {v}" for k, v in m["rows"].items()))


@db_app.command("restore")
def db_restore(backup_file: Annotated[Path, typer.Argument(help="a file written by matcher db backup")],
               force: Annotated[bool, typer.Option("--force", help="replace the data of a database that is not empty")] = False,
               workdir: WorkdirOpt = Path("work"), db: DbOpt = None) -> None:
    """Restore a backup into the database (an empty one, or any with --force)."""
    from matcher.workbench.db import restore

    try:
        m = restore(_workbench(workdir, db, migrate=False).db, backup_file, force=force)
    except ValueError as exc:
        _fail(exc)
        return
    typer.echo("已恢复：" + "，".join(f"{k} {v}" for k, v in m["rows"].items()))


@db_app.command("import-targets")
def db_import_targets(workdir: WorkdirOpt = Path("work"), db: DbOpt = None, city: CityOpt = "秦皇岛",
                      data: DataOpt = None) -> None:
    """Import the city's current recommendations as a new dated snapshot (after a rebuild)."""
    wb = _workbench(workdir, db, city, data)
    wb.ensure_units()
    snap = wb.import_targets(None)
    typer.echo(f"已导入推荐目标（批次 {snap}）")


@outcomes_app.command("export")
def outcomes_export(workdir: WorkdirOpt = Path("work"), db: DbOpt = None, city: CityOpt = "秦皇岛",
                    data: DataOpt = None) -> None:
    """Write WORKDIR/outcomes.parquet from the workbench (signed and later leads)."""
    from matcher.workbench.outcomes import read_outcomes

    wb = _workbench(workdir, db, city, data)
    path = wb.export_outcomes()
    typer.echo(f"{path}：{len(read_outcomes(workdir))} 条")


def register(app: typer.Typer) -> None:
    app.command("serve")(serve)
    app.command("report")(report)
    app.add_typer(users_app, name="users")
    app.add_typer(db_app, name="db")
    app.add_typer(outcomes_app, name="outcomes")
