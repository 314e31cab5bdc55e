"""Run the workbench over an existing database with the invented-firm link (tests/workbench/fakes.py;
``WB_FAKE_GEO=1``: :class:`GeoFakeLink`, on real units, for the maps), for tests and benchmarks that need
a real server process:

    python -m tests.workbench.serve_fake DB_URL WORKDIR PORT [N_FIRMS]
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import uvicorn

from matcher.workbench.config import Settings
from matcher.workbench.db import Database
from matcher.workbench.services import Workbench
from matcher.workbench.web.app import create_app

from .fakes import CITY, GEO_CITY, FakeLink, GeoFakeLink


def main() -> None:
    url, workdir, port = sys.argv[1], Path(sys.argv[2]), int(sys.argv[3])
    n = int(sys.argv[4]) if len(sys.argv) > 4 else 30
    # plain-http clients (httpx) do not send Secure cookies back; browsers do on localhost
    secure = os.environ.get("WB_SECURE_COOKIES", "1") == "1"
    geo = os.environ.get("WB_FAKE_GEO") == "1"  # the invented firms on 秦皇岛's real units (the maps' tests)
    settings = Settings(workdir=workdir, db_url=url, city=GEO_CITY if geo else CITY, login_max_failures=1000, secure_cookies=secure)
    wb = Workbench(Database(url), GeoFakeLink(n) if geo else FakeLink(n), settings)
    app = create_app(wb, migrate=True, import_targets=False)
    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning")


if __name__ == "__main__":
    main()
