"""Workbench fixtures: every test that takes ``db_url`` runs on SQLite and on PostgreSQL.

PostgreSQL comes from ``$MATCHER_TEST_PG_URL`` (a server URL; ``.ci/run`` starts one and exports it).
Without it the PostgreSQL half FAILS, unless skipped explicitly outside CI (MATCHER_SKIP_POSTGRES=1);
``make test`` starts a server itself when PostgreSQL is installed (.ci/with-postgres.sh).
Each test gets an empty database: a new SQLite file, or a PostgreSQL database created for the test
session whose schema is dropped and migrated again per test.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from argon2 import PasswordHasher
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text

from matcher.workbench import services
from matcher.workbench.config import Settings
from matcher.workbench.db import Database, upgrade
from matcher.workbench.services import Workbench
from matcher.workbench.web.app import create_app

from .fakes import CITY, UNITS, FakeLink

PG_ENV = "MATCHER_TEST_PG_URL"
PASSWORD = "测试口令-123456"
JIA, YI, BING = UNITS[0][0], UNITS[1][0], UNITS[2][0]
#: the users every test database gets: username → (role, unit)
USERS = {
    "city": ("dispatcher", None),
    "jia": ("county", JIA),
    "yi": ("county", YI),
    "boss": ("leader", None),
    "admin": ("admin", None),
}


def in_ci() -> bool:
    return os.environ.get("CI", "").lower() not in ("", "0", "false")


#: Debian's Chromium (never a downloaded browser)
CHROMIUM = os.environ.get("MATCHER_CHROMIUM", "/usr/bin/chromium")


def require_chromium() -> None:
    """Fail when Chromium is missing; outside CI, MATCHER_SKIP_BROWSER=1 skips the browser tests explicitly
    (as for the other browser tests: a missing browser never passes silently)."""
    if Path(CHROMIUM).exists():
        return
    if os.environ.get("MATCHER_SKIP_BROWSER") == "1" and not in_ci():
        pytest.skip("browser tests skipped on request (MATCHER_SKIP_BROWSER=1)")
    pytest.fail(f"Chromium not found at {CHROMIUM} (.ci/run installs Debian's chromium); outside CI, "
                "MATCHER_SKIP_BROWSER=1 skips the browser tests explicitly")


@pytest.fixture(autouse=True)
def fast_argon2(monkeypatch: pytest.MonkeyPatch) -> None:
    """Cheap argon2 parameters in tests (hashes carry their parameters, so verification follows)."""
    monkeypatch.setattr(services, "_hasher", lambda: PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))
    monkeypatch.setattr(services, "_DUMMY_HASH", None)


@pytest.fixture(scope="session")
def pg_server_url() -> str | None:
    url = os.environ.get(PG_ENV)
    if not url:
        if os.environ.get("MATCHER_SKIP_POSTGRES") == "1" and not in_ci():
            return None
        pytest.fail(f"no PostgreSQL for the workbench tests: `make test` starts one when Debian's postgresql is "
                    f"installed (or set {PG_ENV}); outside CI, MATCHER_SKIP_POSTGRES=1 skips them explicitly")
    return url


@pytest.fixture(scope="session")
def pg_test_url(pg_server_url: str | None) -> Iterator[str | None]:
    """A database created for this test session on the PostgreSQL server (dropped at the end)."""
    if pg_server_url is None:
        yield None
        return
    name = f"wb_test_{os.getpid()}"
    admin = create_engine(pg_server_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as c:
        c.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        c.execute(text(f'CREATE DATABASE "{name}"'))
    url = pg_server_url.rsplit("/", 1)[0] + f"/{name}"
    yield url
    with admin.connect() as c:
        c.execute(text(f"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{name}' AND pid <> pg_backend_pid()"))
        c.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
    admin.dispose()


def reset_pg(url: str) -> None:
    eng = create_engine(url, isolation_level="AUTOCOMMIT")
    with eng.connect() as c:
        c.execute(text("DROP SCHEMA public CASCADE"))
        c.execute(text("CREATE SCHEMA public"))
    eng.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path, pg_test_url: str | None) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'workbench.db'}"
    if pg_test_url is None:
        pytest.skip("PostgreSQL tests skipped on request (MATCHER_SKIP_POSTGRES=1)")
    reset_pg(pg_test_url)
    return pg_test_url


def make_workbench(db_url: str, workdir: Path, link: FakeLink | None = None, **settings: object) -> Workbench:
    s = Settings(workdir=workdir, db_url=db_url, city=CITY, **settings)
    db = Database(db_url)
    upgrade(db)
    wb = Workbench(db, link or FakeLink(), s)
    wb.ensure_units()
    wb.import_targets(None)
    for username, (role, unit) in USERS.items():
        wb.add_user(None, username, f"{username}（测试用户）", PASSWORD, role, unit)
    return wb


@pytest.fixture
def wb(db_url: str, tmp_path: Path) -> Iterator[Workbench]:
    w = make_workbench(db_url, tmp_path / "work")
    yield w
    w.db.dispose()


def actor(wb: Workbench, username: str) -> services.Actor:
    with wb.db.reader() as s:
        from sqlalchemy import select

        from matcher.workbench.models import User

        u = s.scalar(select(User).where(User.username == username))
    assert u is not None
    return services.Actor(u.id, u.username, u.display_name, u.role, u.unit_code)


@dataclass
class Web:
    """A logged-in test client with its CSRF token."""

    client: TestClient
    csrf: str

    def post(self, url: str, data: dict | None = None, **kw: object):  # noqa: ANN201
        return self.client.post(url, data={"csrf_token": self.csrf, **(data or {})}, follow_redirects=False, **kw)

    def get(self, url: str, **kw: object):  # noqa: ANN201
        return self.client.get(url, follow_redirects=False, **kw)


def login(app, username: str, password: str = PASSWORD) -> Web:  # noqa: ANN001
    c = TestClient(app, base_url="https://testserver")
    r = c.get("/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', r.text).group(1)  # type: ignore[union-attr]
    r = c.post("/login", data={"username": username, "password": password, "csrf_token": token, "next": "/"},
               follow_redirects=False)
    assert r.status_code == 303, r.text
    home = c.get("/")
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', home.text).group(1)  # type: ignore[union-attr]
    return Web(c, csrf)


@pytest.fixture
def app(wb: Workbench):  # noqa: ANN201
    return create_app(wb, migrate=False, import_targets=False)


@pytest.fixture
def web(app):  # noqa: ANN001, ANN201
    """``web(username)`` → a logged-in client (cached per user within the test)."""
    cache: dict[str, Web] = {}

    def get(username: str) -> Web:
        if username not in cache:
            cache[username] = login(app, username)
        return cache[username]

    return get


def version_of(wb: Workbench, lead_id: int) -> int:
    from matcher.workbench.models import Lead

    with wb.db.reader() as s:
        return s.get(Lead, lead_id).version  # type: ignore[union-attr]
