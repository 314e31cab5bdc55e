"""The administrator's commands: users, report, db backup/restore/upgrade, outcomes export."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from matcher.cli import build_app
from matcher.workbench.db import Database, table_counts
from matcher.workbench.outcomes import read_outcomes

from .conftest import JIA, actor, make_workbench, version_of


def test_admin_commands(db_url: str, tmp_path: Path) -> None:
    work = tmp_path / "work"
    wb = make_workbench(db_url, work)
    city, jia = actor(wb, "city"), actor(wb, "jia")
    lid = wb.create_manual(city, {"firm_name": "测试命令行有限公司"})
    wb.route(city, lid, version_of(wb, lid), JIA)
    wb.accept(jia, lid, version_of(wb, lid))
    wb.settings.auto_export_outcomes = False
    wb.move_stage(jia, lid, version_of(wb, lid), {"to_stage": "签约", "contract_amount_wan": "100"})
    assert read_outcomes(work).empty  # not written automatically here: the command writes it
    wb.db.dispose()

    app, run = build_app(), CliRunner()
    common = ["--workdir", str(work), "--db", db_url]

    def ok(*args: str) -> str:
        r = run.invoke(app, list(args) + common)
        assert r.exit_code == 0, r.output
        return r.output

    out = ok("users", "add", "wang", "--role", "county", "--unit", "甲区", "--name", "王测试", "--password", "口令口令口令口令")
    assert "甲区" in out
    assert "wang" in ok("users", "list")
    r = run.invoke(app, ["users", "add", "li", "--role", "county", "--unit", "不存在县", "--password", "口令口令口令口令"] + common)
    assert r.exit_code == 1 and "没有单位" in r.output
    ok("users", "disable", "wang")
    assert "停用" in [line for line in ok("users", "list").splitlines() if line.startswith("wang")][0]
    ok("users", "passwd", "jia", "--password", "新口令新口令新口令")

    out = ok("report", "--period", "week", "--out", str(tmp_path / "reports"))
    assert "甲区" in out and "签约（个）" in out
    files = sorted(p.suffix for p in (tmp_path / "reports").iterdir())
    assert files == [".csv", ".xlsx"]

    ok("outcomes", "export")
    out = read_outcomes(work)
    assert out["lead_id"].tolist() == [lid] and out["stage"].tolist() == ["签约"]

    assert "0001" in ok("db", "upgrade")
    ok("db", "backup", "--out", str(tmp_path / "b.zip"))
    counts = table_counts(Database(db_url))
    r = run.invoke(app, ["db", "restore", str(tmp_path / "b.zip")] + common)
    assert r.exit_code == 1 and "已有数据" in r.output
    ok("db", "restore", str(tmp_path / "b.zip"), "--force")
    assert table_counts(Database(db_url)) == counts
