"""Durability: the server is killed with SIGKILL while users write; every write it acknowledged is
there afterwards, and the database is consistent (each lead with its entry event and audit row, no
half-written change). Then backup → restore round-trips every row, on both databases."""

from __future__ import annotations

import re
import threading
from pathlib import Path

import httpx
import pytest
from sqlalchemy import func, select, text

from matcher.workbench.db import Database, backup, restore, table_counts
from matcher.workbench.models import TABLE_ORDER, Audit, Base, Lead, LeadEvent

from .conftest import JIA, PASSWORD, actor, make_workbench, reset_pg, version_of
from .server import Server


def http_login(base: str, username: str) -> tuple[httpx.Client, str]:
    c = httpx.Client(base_url=base, timeout=30, follow_redirects=False)
    token = re.search(r'name="csrf_token" value="([^"]+)"', c.get("/login").text).group(1)
    r = c.post("/login", data={"username": username, "password": PASSWORD, "csrf_token": token, "next": "/"})
    assert r.status_code == 303, r.text
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', c.get("/").text).group(1)
    return c, csrf


def test_sigkill_during_writes_loses_no_acknowledged_change(db_url: str, tmp_path: Path) -> None:
    wb = make_workbench(db_url, tmp_path / "work")
    city = actor(wb, "city")
    lid = wb.create_manual(city, {"firm_name": "测试崩溃进展有限公司"})
    wb.route(city, lid, version_of(wb, lid), JIA)
    wb.accept(actor(wb, "jia"), lid, version_of(wb, lid))
    wb.db.dispose()

    server = Server(db_url, tmp_path / "work", secure_cookies=False)
    acked: list[str] = []
    acked_progress: list[str] = []
    lock = threading.Lock()
    stop = threading.Event()
    enough = threading.Event()

    def new_leads(user: str, tag: str) -> None:
        c, csrf = http_login(server.url, user)
        for i in range(10_000):
            if stop.is_set():
                return
            name = f"崩溃测试{tag}-{i}"
            try:
                r = c.post("/leads/new", data={"csrf_token": csrf, "firm_name": name})
            except httpx.HTTPError:
                return  # the server is gone: this write was not acknowledged
            if r.status_code == 303:
                with lock:
                    acked.append(name)
                    if len(acked) >= 60:
                        enough.set()

    def progress(user: str) -> None:
        c, csrf = http_login(server.url, user)
        for i in range(10_000):
            if stop.is_set():
                return
            try:
                ver = c.get(f"/api/leads/{lid}").json()["version"]
                note = f"进展{user}-{i}"
                r = c.post(f"/leads/{lid}/progress", data={"csrf_token": csrf, "version": str(ver), "note": note})
            except (httpx.HTTPError, ValueError):
                return
            if r.status_code == 303:
                with lock:
                    acked_progress.append(note)

    threads = [threading.Thread(target=new_leads, args=("city", "甲")), threading.Thread(target=new_leads, args=("jia", "乙")),
               threading.Thread(target=progress, args=("jia",)), threading.Thread(target=progress, args=("city",))]
    for t in threads:
        t.start()
    enough.wait(timeout=90)
    server.kill()  # SIGKILL while the writers are still sending
    stop.set()
    for t in threads:
        t.join(timeout=60)
    assert len(acked) >= 1

    db = Database(db_url)
    try:
        with db.reader() as s:
            names = set(s.scalars(select(Lead.firm_name)))
            notes = set(s.scalars(select(LeadEvent.note).where(LeadEvent.kind == "进展")))
            n_leads = s.scalar(select(func.count()).select_from(Lead))
            n_entries = s.scalar(select(func.count()).select_from(LeadEvent).where(LeadEvent.kind == "录入"))
            n_audit = s.scalar(select(func.count()).select_from(Audit).where(Audit.action == "新增项目"))
            lead = s.get(Lead, lid)
            n_progress = s.scalar(select(func.count()).select_from(LeadEvent).where(LeadEvent.lead_id == lid, LeadEvent.kind == "进展"))
            n_progress_audit = s.scalar(select(func.count()).select_from(Audit).where(Audit.entity_id == str(lid), Audit.action == "进展记录"))
            if db.is_sqlite:
                assert s.execute(text("PRAGMA integrity_check")).scalar() == "ok"
                assert s.execute(text("PRAGMA foreign_key_check")).first() is None
        missing = [n for n in acked if n not in names]
        assert not missing, f"acknowledged but lost: {missing[:5]}"
        assert not [n for n in acked_progress if n not in notes]
        # consistency: each lead has its entry event and audit row; every progress note bumped the version once
        assert n_leads == n_entries == n_audit
        assert n_progress == n_progress_audit
        assert lead.version == 3 + n_progress  # created 1, routed 2, accepted 3, then one per progress note
    finally:
        db.dispose()

    # the server starts again on the same database and serves the data
    again = Server(db_url, tmp_path / "work", secure_cookies=False)
    try:
        c, _ = http_login(again.url, "city")
        assert c.get("/api/leads", params={"q": acked[0]}).json()["total"] == 1
    finally:
        again.kill()


def _dump(db: Database) -> dict[str, list[tuple]]:
    out = {}
    with db.reader() as s:
        for name in TABLE_ORDER:
            t = Base.metadata.tables[name]
            out[name] = [tuple(r) for r in s.execute(select(t).order_by(*t.primary_key.columns))]
    return out


def test_backup_then_restore_round_trips(db_url: str, tmp_path: Path, pg_test_url: str | None) -> None:
    wb = make_workbench(db_url, tmp_path / "work")
    city, jia = actor(wb, "city"), actor(wb, "jia")
    lid = wb.create_manual(city, {"firm_name": "测试备份有限公司", "notes": "<b>备注</b> ' OR 1=1 --"})
    wb.route(city, lid, version_of(wb, lid), JIA)
    wb.accept(jia, lid, version_of(wb, lid))
    wb.move_stage(jia, lid, version_of(wb, lid), {"to_stage": "签约", "contract_amount_wan": "1234.5", "stage_date": "2026-02-03"},
                  ("证明.pdf", "application/pdf", bytes(range(256))))
    wb.review(jia, lid, version_of(wb, lid), {"score_policy": "12"})
    before = _dump(wb.db)
    zpath = tmp_path / "backup.zip"
    manifest = backup(wb.db, zpath)
    assert manifest["rows"] == table_counts(wb.db)

    # into a fresh database of the same kind
    if db_url.startswith("sqlite"):
        target_url = f"sqlite:///{tmp_path / 'restored.db'}"
    else:
        wb.db.dispose()
        reset_pg(db_url)
        target_url = db_url
    target = Database(target_url)
    restore(target, zpath)
    assert _dump(target) == before
    with pytest.raises(ValueError, match="已有数据"):
        restore(target, zpath)
    restore(target, zpath, force=True)
    assert _dump(target) == before
    # new rows get fresh ids after a restore (sequences moved past the restored ids)
    from matcher.workbench.services import Workbench

    wb2 = Workbench(target, wb.link, wb.settings)
    new = wb2.create_manual(city, {"firm_name": "测试恢复后新增有限公司"})
    assert new > lid
    target.dispose()
