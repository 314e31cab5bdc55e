"""Workbench load benchmark (a command, not a test): 50 concurrent sessions on localhost for a bounded
time; counts errors and checks that no acknowledged write is lost.

    .venv/bin/python benchmarks/workbench_load.py [--sessions 50] [--seconds 30] [--pg URL]

A real server process serves a database of invented firms (tests/workbench/fakes.py) and 30 leads
held by the units. Each session logs in (dispatchers and county users) and, until the time is up,
does one of: list leads, list targets, open a lead, open the weekly report, enter a new lead, or add
a progress note to a lead it may work on (reading the lead's version first: a 409 "changed by someone
else" is the correct refusal of a concurrent save and is counted apart, not as an error). Afterwards
every write the server acknowledged (303) is looked up in the database; the count of lost writes and
of errors (5xx, connection failures, any other status) is reported. Loops are bounded in time and in
count; traffic goes to 127.0.0.1 only.

Writes ``benchmarks/results/workbench_load.{json,md}`` with the commit it ran on.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import re
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx
import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.workbench_speed import commit, machine  # noqa: E402
from tests.workbench.fakes import CITY, UNITS, FakeLink  # noqa: E402
from tests.workbench.server import Server  # noqa: E402

RESULTS = ROOT / "benchmarks" / "results"
PASSWORD = "负载测试口令123"


def prepare(url: str, workdir: Path) -> tuple[list[tuple[str, str, str | None]], dict[str, list[int]]]:
    from argon2 import PasswordHasher
    from sqlalchemy import select

    from matcher.workbench import services
    from matcher.workbench.config import Settings
    from matcher.workbench.db import Database, upgrade
    from matcher.workbench.models import Lead
    from matcher.workbench.services import Actor, Workbench

    services._hasher = lambda: PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)  # type: ignore[assignment]
    db = Database(url)
    upgrade(db)
    wb = Workbench(db, FakeLink(300), Settings(workdir=workdir, db_url=url, city=CITY, auto_export_outcomes=False))
    wb.ensure_units()
    wb.import_targets(None)
    users = [(f"city{i}", "dispatcher", None) for i in range(4)] + [(f"county{i}", "county", UNITS[i % 3][0]) for i in range(12)]
    ids = {u: wb.add_user(None, u, u, PASSWORD, r, unit) for u, r, unit in users}
    city = Actor(ids["city0"], "city0", "city0", "dispatcher", None)
    for i in range(30):
        code = UNITS[i % 3][0]
        lid = wb.create_manual(city, {"firm_name": f"负载测试企业{i}有限公司"})
        with db.reader() as s:
            v = s.scalar(select(Lead.version).where(Lead.id == lid))
        wb.route(city, lid, v, code)
        holder = next(u for u, r, unit in users if unit == code)
        with db.reader() as s:
            v = s.scalar(select(Lead.version).where(Lead.id == lid))
        wb.accept(Actor(ids[holder], holder, holder, "county", code), lid, v)
    with db.reader() as s:
        held: dict[str, list[int]] = {}
        for lid, unit in s.execute(select(Lead.id, Lead.unit_code)):
            held.setdefault(unit, []).append(lid)
    db.dispose()
    return users, held


def session(base: str, user: str, unit: str | None, held: dict[str, list[int]], until: float, seed: int, out: dict) -> None:
    rng = random.Random(seed)
    c = httpx.Client(base_url=base, timeout=60, follow_redirects=False)
    lat: list[float] = []
    errors: list[str] = []
    acked_leads: list[str] = []
    acked_notes: list[str] = []
    refused = 0
    try:
        token = re.search(r'name="csrf_token" value="([^"]+)"', c.get("/login").text).group(1)
        r = c.post("/login", data={"username": user, "password": PASSWORD, "csrf_token": token, "next": "/"})
        if r.status_code != 303:
            errors.append(f"login {r.status_code}")
            return
        csrf = re.search(r'name="csrf_token" value="([^"]+)"', c.get("/").text).group(1)
        mine = held.get(unit, []) if unit else [x for v in held.values() for x in v]
        for i in range(100_000):
            if time.monotonic() >= until:
                break
            action = rng.choices(["leads", "targets", "lead", "report", "new", "progress"], [3, 2, 3, 1, 1, 2])[0]
            t0 = time.perf_counter()
            try:
                if action == "leads":
                    r, ok = c.get("/leads", params={"page_no": rng.randint(1, 3)}), 200
                elif action == "targets":
                    r, ok = c.get("/targets", params={"page_no": rng.randint(1, 6)}), 200
                elif action == "lead":
                    r, ok = c.get(f"/leads/{rng.choice(mine)}"), 200
                elif action == "report":
                    r, ok = c.get("/reports", params={"period": "week"}), 200
                elif action == "new":
                    name = f"负载录入-{user}-{seed}-{i}"
                    r, ok = c.post("/leads/new", data={"csrf_token": csrf, "firm_name": name}), 303
                    if r.status_code == 303:
                        acked_leads.append(name)
                else:
                    lid = rng.choice(mine)
                    ver = c.get(f"/api/leads/{lid}").json()["version"]
                    note = f"负载进展-{user}-{seed}-{i}"
                    r, ok = c.post(f"/leads/{lid}/progress", data={"csrf_token": csrf, "version": str(ver), "note": note}), 303
                    if r.status_code == 303:
                        acked_notes.append(note)
                    elif r.status_code == 409:
                        refused += 1
                        ok = 409
                lat.append(time.perf_counter() - t0)
                if r.status_code != ok:
                    errors.append(f"{action} {r.status_code}")
            except httpx.HTTPError as exc:
                errors.append(f"{action} {type(exc).__name__}")
    finally:
        c.close()
        out[user + str(seed)] = {"lat": lat, "errors": errors, "leads": acked_leads, "notes": acked_notes, "refused": refused}


def run_one(url: str, workdir: Path, sessions: int, seconds: float) -> dict:
    users, held = prepare(url, workdir)
    server = Server(url, workdir, n_firms=300, secure_cookies=False)
    out: dict = {}
    try:
        until = time.monotonic() + seconds
        threads = []
        for k in range(sessions):
            user, _, unit = users[k % len(users)]
            threads.append(threading.Thread(target=session, args=(server.url, user, unit, held, until, k, out)))
        t0 = time.perf_counter()
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=seconds + 120)
        wall = time.perf_counter() - t0
    finally:
        server.kill()

    from sqlalchemy import func, select

    from matcher.workbench.db import Database
    from matcher.workbench.models import Audit, Lead, LeadEvent

    db = Database(url)
    with db.reader() as s:
        names = set(s.scalars(select(Lead.firm_name)))
        notes = set(s.scalars(select(LeadEvent.note).where(LeadEvent.kind == "进展")))
        n_progress_events = s.scalar(select(func.count()).select_from(LeadEvent).where(LeadEvent.kind == "进展"))
        n_progress_audit = s.scalar(select(func.count()).select_from(Audit).where(Audit.action == "进展记录"))
    db.dispose()
    lat = np.array([x for r in out.values() for x in r["lat"]]) * 1000
    acked_leads = [n for r in out.values() for n in r["leads"]]
    acked_notes = [n for r in out.values() for n in r["notes"]]
    errors = [e for r in out.values() for e in r["errors"]]
    return {
        "sessions": sessions, "seconds": seconds, "wall_s": round(wall, 1), "sessions_finished": len(out),
        "requests": int(len(lat)), "requests_per_s": round(len(lat) / wall, 1),
        "p50_ms": round(float(np.percentile(lat, 50)), 1) if len(lat) else None,
        "p95_ms": round(float(np.percentile(lat, 95)), 1) if len(lat) else None,
        "errors": len(errors), "error_kinds": sorted(set(errors))[:10],
        "writes_acknowledged": len(acked_leads) + len(acked_notes),
        "writes_lost": sum(n not in names for n in acked_leads) + sum(n not in notes for n in acked_notes),
        "concurrent_saves_refused_409": sum(r["refused"] for r in out.values()),
        "progress_events_equal_audit_rows": n_progress_events == n_progress_audit,
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sessions", type=int, default=50)
    ap.add_argument("--seconds", type=float, default=30)
    ap.add_argument("--pg", default=os.environ.get("MATCHER_TEST_PG_URL"), help="PostgreSQL server URL (a database wb_load is created)")
    args = ap.parse_args()
    res: dict = {"benchmark": "workbench_load", "commit": commit(), "ran_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
                 "machine": machine(), "databases": {}}
    with tempfile.TemporaryDirectory() as tmp:
        res["databases"]["SQLite"] = run_one(f"sqlite:///{tmp}/load.db", Path(tmp) / "work", args.sessions, args.seconds)
        print(json.dumps(res["databases"]["SQLite"], ensure_ascii=False))
        if args.pg:
            from sqlalchemy import create_engine, text

            admin = create_engine(args.pg, isolation_level="AUTOCOMMIT")
            with admin.connect() as c:
                c.execute(text("DROP DATABASE IF EXISTS wb_load"))
                c.execute(text("CREATE DATABASE wb_load"))
            res["databases"]["PostgreSQL"] = run_one(args.pg.rsplit("/", 1)[0] + "/wb_load", Path(tmp) / "work-pg", args.sessions, args.seconds)
            print(json.dumps(res["databases"]["PostgreSQL"], ensure_ascii=False))
            with admin.connect() as c:
                c.execute(text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = 'wb_load' AND pid <> pg_backend_pid()"))
                c.execute(text("DROP DATABASE IF EXISTS wb_load"))
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "workbench_load.json").write_text(json.dumps(res, ensure_ascii=False, indent=1), encoding="utf-8")
    lines = ["# Workbench load benchmark", "",
             "`benchmarks/workbench_load.py`: concurrent sessions against a real server process on 127.0.0.1 for a bounded time "
             "(invented firms and leads). A 409 is the workbench refusing a save over someone else's newer change — the intended "
             "behaviour — and is counted apart from errors. Figures only; nothing is asserted.", "",
             f"Commit: `{res['commit']}` · run {res['ran_at']} · machine {res['machine']}", "",
             "| database | sessions | seconds | requests | req/s | p50 ms | p95 ms | errors | writes acknowledged | writes lost | saves refused (409) |",
             "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for name, r in res["databases"].items():
        lines.append(f"| {name} | {r['sessions']} | {r['seconds']:g} | {r['requests']} | {r['requests_per_s']} | {r['p50_ms']} | {r['p95_ms']} | "
                     f"{r['errors']} | {r['writes_acknowledged']} | {r['writes_lost']} | {r['concurrent_saves_refused_409']} |")
    errs = {n: r["error_kinds"] for n, r in res["databases"].items() if r["error_kinds"]}
    if errs:
        lines += ["", f"Errors seen: {errs}"]
    (RESULTS / "workbench_load.md").write_text("\n".join(lines) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
