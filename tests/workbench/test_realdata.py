"""The real link (:class:`WorkdirLink`) on the real data: the one place the workbench meets today's
pipeline. Fails (not skips) under CI when the data is missing (tests/conftest.py's ``data_dir``)."""

from __future__ import annotations

from pathlib import Path

import pytest

from matcher.workbench.link import TARGET_COLUMNS, MatcherLink, WorkdirLink

pytestmark = pytest.mark.realdata


def test_workdir_link_on_the_real_data(data_dir: Path, real_workdir: Path, tmp_path: Path) -> None:
    link = WorkdirLink(data_dir, real_workdir)
    assert isinstance(link, MatcherLink)
    targets = link.targets("秦皇岛")
    assert list(targets.columns) == TARGET_COLUMNS
    assert len(targets) > 100 and targets["rank"].tolist()[:3] == [1, 2, 3]
    units = link.units("秦皇岛")
    assert len(units) >= 7 and units["county_code"].str.startswith("1303").all()
    assert link.city_code("秦皇岛") == "130300"

    top = targets.iloc[0]
    ranking = link.county_ranking("秦皇岛", top["firm_id"])
    assert ranking.iloc[0]["county_code"] == top["county_code"] and ranking["rank"].tolist()[0] == 1
    assert set(ranking["county_code"]) == set(units["county_code"])
    profile = link.firm(top["firm_id"])
    assert profile is not None and profile["name"] == top["name"]
    # the entity resolution finds a firm of the master by its registered name
    found = link.match_name(str(top["legal_name"]))
    assert found.iloc[0]["firm_id"] == top["firm_id"]
    assert link.local_entities("秦皇岛", top["firm_id"]).empty and link.expansion_history(top["firm_id"]).empty

    # imported once into a workbench database, the targets serve the pages
    from matcher.workbench.config import Settings
    from matcher.workbench.db import Database, upgrade
    from matcher.workbench.services import Actor, Workbench

    db = Database(f"sqlite:///{tmp_path / 'wb.db'}")
    upgrade(db)
    wb = Workbench(db, link, Settings(workdir=tmp_path, city="秦皇岛"))
    wb.ensure_units()
    wb.import_targets(None)
    assert wb.current_snapshot().n_targets == len(targets)
    dispatcher = Actor(1, "d", "d", "dispatcher", None)
    page = wb.list_targets(dispatcher, county=str(top["county_code"]))
    assert page.total >= 1 and all(t.county_code == top["county_code"] for t in page.rows)
    assert wb.firm_page(dispatcher, top["firm_id"])["target"].firm_id == top["firm_id"]
