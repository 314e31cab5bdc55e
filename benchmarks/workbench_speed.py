"""Workbench speed benchmark (a command, not a test; figures only, no threshold is asserted):

    .venv/bin/python benchmarks/workbench_speed.py [--pg URL] [--samples 200]

A database with 6,000 invented firms (targets), 10,000 leads (about 35,000 events) and 20 users is
filled directly, a real server process is started on 127.0.0.1, and one client measures page latency
(sequential requests over HTTP): lead lists, target lists, firm pages and lead pages as the city
dispatcher and as a county user, and the monthly report (page and Excel). The issue's targets are p95
≤ 300 ms for lists and firm pages and ≤ 2 s for the monthly report; this script reports, it does not
judge. Runs on SQLite, and on PostgreSQL when ``--pg`` (or ``$MATCHER_TEST_PG_URL``) names a server.

Writes ``benchmarks/results/workbench_speed.{json,md}`` with the commit it ran on.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import random
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.workbench.fakes import CITY, UNITS, FakeLink  # noqa: E402
from tests.workbench.server import Server  # noqa: E402

RESULTS = ROOT / "benchmarks" / "results"
PASSWORD = "基准测试口令123"
N_FIRMS, N_LEADS = 6000, 10_000


def commit() -> str:
    try:
        head = subprocess.run(["git", "rev-parse", "HEAD"], cwd=ROOT, capture_output=True, text=True, check=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no", "--", ".", ":!benchmarks/results"], cwd=ROOT, capture_output=True, text=True).stdout.strip()
        return head + ("+uncommitted" if dirty else "")
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def machine() -> dict:
    return {"python": platform.python_version(), "cpus": os.cpu_count(), "platform": platform.platform(),
            "load_average_1min_at_start": round(os.getloadavg()[0], 1)}


def users() -> list[tuple[str, str, str | None]]:
    out = [("admin", "admin", None), ("city1", "dispatcher", None), ("city2", "dispatcher", None),
           ("boss1", "leader", None), ("boss2", "leader", None)]
    out += [(f"county{i}", "county", UNITS[i % len(UNITS)][0]) for i in range(15)]
    return out


def populate(url: str, workdir: Path, seed: int = 0) -> dict:
    """Fill the database: 6,000 targets, 20 users, 10,000 leads with their events (bulk inserts)."""
    from argon2 import PasswordHasher

    from matcher.workbench import services
    from matcher.workbench.config import MAIN_STAGES, Settings
    from matcher.workbench.db import Database, upgrade
    from matcher.workbench.models import Audit, Lead, LeadEvent, utcnow
    from matcher.workbench.services import Workbench

    t0 = time.perf_counter()
    services._hasher = lambda: PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)  # type: ignore[assignment]
    link = FakeLink(N_FIRMS)
    db = Database(url)
    upgrade(db)
    wb = Workbench(db, link, Settings(workdir=workdir, db_url=url, city=CITY))
    wb.ensure_units()
    wb.import_targets(None)
    ids = {name: wb.add_user(None, name, name, PASSWORD, role, unit) for name, role, unit in users()}
    rng = random.Random(seed)
    firms = link.firms.to_dict("records")
    now = utcnow()
    stages = list(MAIN_STAGES) + ["暂缓", "终止"]
    leads, events, audits = [], [], []
    ev_id = 0
    for i in range(1, N_LEADS + 1):
        f = rng.choice(firms)
        unit = rng.choice([None] + [u for u, _ in UNITS] * 3)
        created = now - dt.timedelta(days=rng.randint(0, 365), minutes=rng.randint(0, 1440))
        stage = rng.choice(stages)
        last = created + dt.timedelta(days=rng.randint(0, max(0, (now - created).days)))
        contract = rng.choice([None, 1000.0 * rng.randint(1, 500)]) if stage in ("签约", "落地", "开工", "投产") else None
        if stage in ("签约", "落地", "开工", "投产") and contract is None:
            contract = 5000.0
        leads.append({
            "id": i, "firm_id": f["firm_id"], "firm_name": f["legal_name"], "project_name": f"{f['name']}项目{i}",
            "source": "推荐目标", "chain": None, "unit_code": unit,
            "route_status": "未分派" if unit is None else rng.choice(["待接收", "已接收", "已接收"]),
            "stage": stage, "stage_date": last.date(), "owner_name": f"责任人{i % 97}", "contract_amount_wan": contract,
            "paid_in_wan": rng.choice([None, 100.0, 500.0]), "routed_at": created if unit else None,
            "accepted_at": created if unit else None, "last_progress_at": last, "created_at": created,
            "created_by": ids["city1"], "updated_at": last, "version": 1 + rng.randint(0, 5),
        })
        ev_id += 1
        events.append({"id": ev_id, "lead_id": i, "kind": "录入", "at": created, "event_date": created.date(),
                       "user_id": ids["city1"], "unit_code": None, "from_stage": None, "to_stage": "线索", "contract_amount_wan": None})
        k = MAIN_STAGES.index(stage) if stage in MAIN_STAGES else 2
        for j in range(1, k + 1):
            when = created + (last - created) * j / max(k, 1)
            ev_id += 1
            events.append({"id": ev_id, "lead_id": i, "kind": "环节", "at": when, "event_date": when.date(), "user_id": ids["county0"],
                           "unit_code": unit, "from_stage": MAIN_STAGES[j - 1], "to_stage": MAIN_STAGES[j],
                           "contract_amount_wan": contract if MAIN_STAGES[j] == "签约" else None})
        audits.append({"at": created, "user_id": ids["city1"], "username": "city1", "action": "新增项目", "entity": "lead",
                       "entity_id": str(i), "before_json": None, "after_json": "{}"})
    with db.writer() as s:
        for table, rows in ((Lead.__table__, leads), (LeadEvent.__table__, events), (Audit.__table__, audits)):
            for k in range(0, len(rows), 2000):
                s.execute(table.insert(), rows[k:k + 2000])
    if db.engine.dialect.name == "postgresql":
        from sqlalchemy import text

        with db.writer() as s:
            for t in ("wb_lead", "wb_lead_event"):
                s.execute(text(f"SELECT setval(pg_get_serial_sequence('{t}', 'id'), (SELECT MAX(id) FROM {t}))"))
            s.execute(text("ANALYZE"))
    db.dispose()
    return {"firms": N_FIRMS, "leads": len(leads), "events": len(events), "users": len(ids),
            "fill_s": round(time.perf_counter() - t0, 1)}


def login(base: str, username: str) -> httpx.Client:
    c = httpx.Client(base_url=base, timeout=60, follow_redirects=False)
    token = re.search(r'name="csrf_token" value="([^"]+)"', c.get("/login").text).group(1)
    r = c.post("/login", data={"username": username, "password": PASSWORD, "csrf_token": token, "next": "/"})
    assert r.status_code == 303, r.text
    return c


def measure(c: httpx.Client, urls: list[str]) -> dict:
    times = []
    for u in urls:
        t0 = time.perf_counter()
        r = c.get(u)
        times.append(time.perf_counter() - t0)
        if r.status_code != 200:
            raise RuntimeError(f"{u}: {r.status_code}")
    a = np.array(times) * 1000
    return {"n": len(a), "p50_ms": round(float(np.percentile(a, 50)), 1), "p95_ms": round(float(np.percentile(a, 95)), 1),
            "max_ms": round(float(a.max()), 1)}


def run_one(url: str, workdir: Path, samples: int, seed: int = 1) -> dict:
    filled = populate(url, workdir)
    server = Server(url, workdir, n_firms=N_FIRMS, secure_cookies=False)
    rng = random.Random(seed)
    try:
        city, county = login(server.url, "city1"), login(server.url, "county0")
        chains = ["测试新材料链", "测试装备链", "测试健康链"]
        stages = ["线索", "研判", "在谈", "签约", "落地"]
        firm_ids = [f"T:{rng.randrange(N_FIRMS):05d}" for _ in range(samples)]
        county_unit = UNITS[0][0]
        own_leads = [x["id"] for x in county.get("/api/leads", params={"page_no": 1}).json()["leads"]]
        warm = ["/leads", "/targets", f"/firms/{firm_ids[0]}"]
        measure(city, warm)
        measure(county, warm)
        rows = {
            "项目库列表（调度，随机页、环节、搜索）": measure(city, [rng.choice([
                f"/leads?page_no={rng.randint(1, 200)}", f"/leads?stage={rng.choice(stages)}",
                f"/leads?q=测试{rng.choice('甲乙丙丁戊')}", "/leads?overdue=1", "/leads"]) for _ in range(samples)]),
            "项目库列表（县区）": measure(county, [rng.choice([f"/leads?page_no={rng.randint(1, 60)}", f"/leads?stage={rng.choice(stages)}", "/leads"])
                                           for _ in range(samples)]),
            "推荐目标列表（调度，随机筛选与翻页）": measure(city, [rng.choice([
                f"/targets?page_no={rng.randint(1, 120)}", f"/targets?chain={rng.choice(chains)}", f"/targets?county={county_unit}",
                "/targets?tag=上市", "/targets?q=测试丙"]) for _ in range(samples)]),
            "推荐目标列表（县区）": measure(county, [f"/targets?page_no={rng.randint(1, 40)}" for _ in range(samples)]),
            "企业页（调度）": measure(city, [f"/firms/{f}" for f in firm_ids]),
            "项目页（调度）": measure(city, [f"/leads/{rng.randint(1, N_LEADS)}" for _ in range(samples)]),
            "项目页（县区，本单位）": measure(county, [f"/leads/{rng.choice(own_leads)}" for _ in range(samples)]) if own_leads else None,
            "月考核（页面）": measure(city, ["/reports?period=month"] * 10),
            "月考核（导出表格）": measure(city, ["/reports/export.xlsx?period=month"] * 10),
            "周调度（页面）": measure(city, ["/reports?period=week"] * 10),
        }
    finally:
        server.kill()
    return {"data": filled, "latency": {k: v for k, v in rows.items() if v is not None}}


def write(results: dict) -> None:
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "workbench_speed.json").write_text(json.dumps(results, ensure_ascii=False, indent=1), encoding="utf-8")
    lines = ["# Workbench speed benchmark", "",
             "`benchmarks/workbench_speed.py`: a real server process on 127.0.0.1, one client sending requests one after "
             "another; invented firms and leads. Figures only: nothing here is asserted. Targets from issue 17: p95 ≤ 300 ms "
             "for lists and firm pages, monthly report ≤ 2 s.", "",
             f"Commit: `{results['commit']}` · run {results['ran_at']} · machine {results['machine']}", ""]
    for dbname, r in results["databases"].items():
        d = r["data"]
        lines += [f"## {dbname}", "", f"{d['firms']:,} firms (targets), {d['leads']:,} leads, {d['events']:,} events, "
                  f"{d['users']} users (filled in {d['fill_s']} s).", "", "| page | requests | p50 ms | p95 ms | max ms |", "|---|---:|---:|---:|---:|"]
        for k, v in r["latency"].items():
            lines.append(f"| {k} | {v['n']} | {v['p50_ms']} | {v['p95_ms']} | {v['max_ms']} |")
        lines.append("")
    (RESULTS / "workbench_speed.md").write_text("\n".join(lines), encoding="utf-8")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--pg", default=os.environ.get("MATCHER_TEST_PG_URL"), help="PostgreSQL server URL (a database wb_bench is created)")
    ap.add_argument("--samples", type=int, default=200)
    args = ap.parse_args()
    results: dict = {"benchmark": "workbench_speed", "commit": commit(), "ran_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
                     "machine": machine(), "databases": {}}
    with tempfile.TemporaryDirectory() as tmp:
        results["databases"]["SQLite"] = run_one(f"sqlite:///{tmp}/bench.db", Path(tmp) / "work", args.samples)
        print(json.dumps(results["databases"]["SQLite"], ensure_ascii=False, indent=1))
        if args.pg:
            from sqlalchemy import create_engine, text

            admin = create_engine(args.pg, isolation_level="AUTOCOMMIT")
            with admin.connect() as c:
                c.execute(text("DROP DATABASE IF EXISTS wb_bench"))
                c.execute(text("CREATE DATABASE wb_bench"))
            pg_url = args.pg.rsplit("/", 1)[0] + "/wb_bench"
            results["databases"]["PostgreSQL"] = run_one(pg_url, Path(tmp) / "work-pg", args.samples)
            print(json.dumps(results["databases"]["PostgreSQL"], ensure_ascii=False, indent=1))
            with admin.connect() as c:
                c.execute(text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = 'wb_bench' AND pid <> pg_backend_pid()"))
                c.execute(text("DROP DATABASE IF EXISTS wb_bench"))
    write(results)


if __name__ == "__main__":
    main()
