"""The pipeline's rules, on SQLite and PostgreSQL, with invented firms (tests/workbench/fakes.py)."""

from __future__ import annotations

import datetime as dt
import json

import pandas as pd
import pytest
from sqlalchemy import select, update

from matcher.workbench import config as C
from matcher.workbench import reports as R
from matcher.workbench.db import current_revision
from matcher.workbench.models import Audit, Lead, LeadEvent
from matcher.workbench.outcomes import OUTCOME_SCHEMA, read_outcomes
from matcher.workbench.services import Conflict, DuplicateLead, Forbidden, Invalid, NotFound

from .conftest import BING, JIA, YI, actor, version_of


def target_id(wb, firm_id: str) -> int:  # noqa: ANN001
    from matcher.workbench.models import Target

    with wb.db.reader() as s:
        return s.scalar(select(Target.id).where(Target.firm_id == firm_id))


def routed_and_accepted(wb, firm_id: str = "T:00000", unit: str = JIA) -> int:  # noqa: ANN001
    city = actor(wb, "city")
    lid = wb.create_from_target(city, target_id(wb, firm_id))
    wb.route(city, lid, version_of(wb, lid), unit)
    county = actor(wb, {JIA: "jia", YI: "yi"}[unit])
    wb.accept(county, lid, version_of(wb, lid))
    return lid


def test_schema_is_the_migrations(wb) -> None:  # noqa: ANN001
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    from matcher.workbench.models import Base

    assert current_revision(wb.db) == "0001"
    with wb.db.engine.connect() as conn:
        ctx = MigrationContext.configure(conn, opts={"version_table": "wb_alembic_version", "compare_type": True})
        diff = compare_metadata(ctx, Base.metadata)
    assert diff == []


def test_target_becomes_lead_with_evidence_and_is_routed_accepted(wb) -> None:  # noqa: ANN001
    lid = routed_and_accepted(wb)
    lead = wb.get_lead(actor(wb, "city"), lid)
    assert lead.source == "推荐目标" and lead.firm_id == "T:00000"
    assert "推荐排名第1名" in lead.evidence and "测试用理由" in lead.evidence
    assert lead.unit_code == JIA and lead.route_status == C.ROUTE_ACCEPTED and lead.stage == "线索"
    kinds = [e.kind for e, _ in wb.lead_detail(actor(wb, "city"), lid)["events"]]
    assert kinds == ["录入", "推送", "接收"]


def test_return_with_reason_goes_back_to_the_pool(wb) -> None:  # noqa: ANN001
    city, yi = actor(wb, "city"), actor(wb, "yi")
    lid = wb.create_from_target(city, target_id(wb, "T:00001"))
    wb.route(city, lid, version_of(wb, lid), YI)
    with pytest.raises(Invalid):
        wb.return_lead(yi, lid, version_of(wb, lid), "  ")
    wb.return_lead(yi, lid, version_of(wb, lid), "本县无合适用地")
    lead = wb.get_lead(city, lid)
    assert lead.unit_code is None and lead.route_status == C.ROUTE_POOL and lead.return_reason == "本县无合适用地"
    with pytest.raises(NotFound):  # no longer visible to the county
        wb.get_lead(yi, lid)


def test_only_the_routed_unit_may_accept(wb) -> None:  # noqa: ANN001
    city = actor(wb, "city")
    lid = wb.create_from_target(city, target_id(wb, "T:00002"))
    wb.route(city, lid, version_of(wb, lid), JIA)
    with pytest.raises(NotFound):
        wb.accept(actor(wb, "yi"), lid, version_of(wb, lid))
    with pytest.raises(Forbidden):
        wb.accept(city, lid, version_of(wb, lid))
    with pytest.raises(Forbidden):  # the county must accept before working on it
        wb.move_stage(actor(wb, "jia"), lid, version_of(wb, lid), {"to_stage": "在谈"})


def test_stage_rules_contract_amount_and_outcomes(wb) -> None:  # noqa: ANN001
    jia = actor(wb, "jia")
    lid = routed_and_accepted(wb)
    with pytest.raises(Invalid, match="合同额"):
        wb.move_stage(jia, lid, version_of(wb, lid), {"to_stage": "签约"})
    wb.move_stage(jia, lid, version_of(wb, lid), {"to_stage": "在谈", "stage_date": "2026-03-02"})
    with pytest.raises(Invalid, match="不能从"):
        wb.move_stage(jia, lid, version_of(wb, lid), {"to_stage": "线索"})
    wb.move_stage(jia, lid, version_of(wb, lid), {
        "to_stage": "签约", "stage_date": "2026-03-10", "contract_amount_wan": "12000", "amount_wan": "15000",
        "fixed_investment_wan": "9000", "capital_type": "内资", "paid_in_wan": "500", "land_mu": "80", "jobs": "300",
        "expected_tax_wan": "600"}, ("合同.pdf", "application/pdf", b"%PDF-1.4 invented"))
    wb.move_stage(jia, lid, version_of(wb, lid), {"to_stage": "落地", "stage_date": "2026-04-01"})
    lead = wb.get_lead(jia, lid)
    assert lead.stage == "落地" and lead.contract_amount_wan == 12000 and lead.jobs == 300
    out = read_outcomes(wb.settings.workdir)
    assert list(out.columns) == list(OUTCOME_SCHEMA)
    assert out["stage"].tolist() == ["签约", "落地"]
    row = out.iloc[0]
    assert row["firm_id"] == "T:00000" and row["county_code"] == JIA and row["county_name"] == "甲区"
    assert row["city_code"] == "990100" and row["contract_amount_wan"] == 12000 and row["paid_in_wan"] == 500
    assert row["stage_date"] == pd.Timestamp("2026-03-10") and pd.notna(row["recorded_at"])
    files = wb.lead_detail(jia, lid)["files"]
    assert len(files) == 1 and wb.get_file(jia, files[0][0]).content == b"%PDF-1.4 invented"


def test_read_outcomes_without_a_file_is_empty_with_the_schema(tmp_path) -> None:  # noqa: ANN001
    out = read_outcomes(tmp_path)
    assert out.empty and list(out.columns) == list(OUTCOME_SCHEMA)


def test_side_states_and_stop_needs_a_reason(wb) -> None:  # noqa: ANN001
    jia = actor(wb, "jia")
    lid = routed_and_accepted(wb)
    with pytest.raises(Invalid, match="原因"):
        wb.move_stage(jia, lid, version_of(wb, lid), {"to_stage": "终止"})
    wb.move_stage(jia, lid, version_of(wb, lid), {"to_stage": "暂缓", "note": "企业资金调整"})
    assert "在谈" in C.allowed_moves("暂缓")
    wb.move_stage(jia, lid, version_of(wb, lid), {"to_stage": "在谈"})
    assert wb.get_lead(jia, lid).stage == "在谈"


def test_duplicate_in_talks_elsewhere_is_refused_and_shown_without_details(wb) -> None:  # noqa: ANN001
    jia, yi = actor(wb, "jia"), actor(wb, "yi")
    lid = routed_and_accepted(wb, "T:00003")
    wb.move_stage(jia, lid, version_of(wb, lid), {"to_stage": "在谈"})
    with pytest.raises(DuplicateLead) as exc:  # typed by hand in another unit, same firm
        wb.create_manual(yi, {"firm_name": "测试丁科技有限公司", "firm_id": "T:00003"})
    assert "其他单位" in str(exc.value) and "甲区" not in str(exc.value)
    assert exc.value.duplicates == [{"visible": False, "stage": "在谈", "id": None, "unit": "其他单位", "name": None, "unit_code": JIA}]
    with pytest.raises(DuplicateLead):  # by name alone
        wb.create_manual(yi, {"firm_name": "测试丁科技有限公司"})
    # the dispatcher sees where it is
    with pytest.raises(DuplicateLead, match="甲区"):
        wb.create_manual(actor(wb, "city"), {"firm_name": "测试丁科技有限公司", "firm_id": "T:00003"})


def test_duplicate_at_an_early_stage_is_allowed_and_listed(wb) -> None:  # noqa: ANN001
    routed_and_accepted(wb, "T:00004")  # 线索 in 甲区
    lid2 = wb.create_manual(actor(wb, "yi"), {"firm_name": "测试戊科技有限公司", "firm_id": "T:00004"})
    dups = wb.lead_detail(actor(wb, "city"), lid2)["duplicates"]
    assert len(dups) == 1 and dups[0]["visible"] and dups[0]["unit"] == "甲区"
    # the second cannot go into talks while the first is there … and vice versa once one is in talks
    lid1 = dups[0]["id"]
    wb.move_stage(actor(wb, "jia"), lid1, version_of(wb, lid1), {"to_stage": "在谈"})
    with pytest.raises(Invalid, match="其他单位"):
        wb.move_stage(actor(wb, "yi"), lid2, version_of(wb, lid2), {"to_stage": "在谈"})


def test_manual_lead_matched_against_the_firm_master(wb) -> None:  # noqa: ANN001
    m = wb.link.match_name("测试庚装备有限公司")
    assert not m.empty
    assert m.iloc[0]["name"] == "测试庚装备"
    lid = wb.create_manual(actor(wb, "city"), {"firm_name": "测试庚装备有限公司", "firm_id": m.iloc[0]["firm_id"], "amount_wan": "3000"})
    lead = wb.get_lead(actor(wb, "city"), lid)
    assert lead.firm_id == m.iloc[0]["firm_id"] and lead.source == "手工录入" and lead.unit_code is None
    with pytest.raises(Invalid):
        wb.create_manual(actor(wb, "city"), {"firm_name": "x", "firm_id": "T:99999"})


def test_prereview_card_score_conclusion_and_veto(wb) -> None:  # noqa: ANN001
    card = wb.card
    assert card.total_points == 100 and all(i.source for i in card.items) and card.vetoes
    jia = actor(wb, "jia")
    lid = routed_and_accepted(wb)
    full = {f"score_{i.key}": str(i.points) for i in card.items}
    with pytest.raises(Invalid, match="最高"):
        wb.review(jia, lid, version_of(wb, lid), full | {"score_policy": "99"})
    total, conclusion = wb.review(jia, lid, version_of(wb, lid), full | {"note": "材料齐全"})
    assert (total, conclusion) == (100, "通过")
    lead = wb.get_lead(jia, lid)
    assert lead.stage == "研判" and lead.review_conclusion == "通过" and lead.reviewed_at is not None
    total, conclusion = wb.review(jia, lid, version_of(wb, lid), full | {"veto_veto_environment": "1"})
    assert conclusion == "不通过"
    assert card.evaluate({i.key: 0 for i in card.items}, [])[1] == "不通过"
    reviews = wb.lead_detail(jia, lid)["reviews"]
    assert [r.conclusion for r, _ in reviews] == ["通过", "不通过"] and reviews[0][1] == "jia（测试用户）"


def test_deadlines_flag_overdue_items(wb) -> None:  # noqa: ANN001
    city = actor(wb, "city")
    lid = wb.create_from_target(city, target_id(wb, "T:00005"))
    wb.route(city, lid, version_of(wb, lid), JIA)
    # Wed 2026-03-04 10:00 routed: due end of Thu; overdue on Fri
    with wb.db.writer() as s:
        s.execute(update(Lead).where(Lead.id == lid).values(routed_at=dt.datetime(2026, 3, 4, 10), last_progress_at=dt.datetime(2026, 3, 4, 10)))
    lead = wb.get_lead(city, lid)
    assert wb.overdue_flags(lead, dt.datetime(2026, 3, 5, 20)) == []
    assert wb.overdue_flags(lead, dt.datetime(2026, 3, 6, 9)) == ["推送后接收或退回"]
    # routed on a Friday: the weekend does not count
    with wb.db.writer() as s:
        s.execute(update(Lead).where(Lead.id == lid).values(routed_at=dt.datetime(2026, 3, 6, 16)))
    lead = wb.get_lead(city, lid)
    assert wb.overdue_flags(lead, dt.datetime(2026, 3, 9, 20)) == []
    assert wb.overdue_flags(lead, dt.datetime(2026, 3, 10, 9)) == ["推送后接收或退回"]
    assert "在办项目至少每两周更新一次进展" in wb.overdue_flags(lead, dt.datetime(2026, 3, 19, 11))
    assert "超过一个月无进展须书面说明原因" in wb.overdue_flags(lead, dt.datetime(2026, 4, 5, 11))
    # the SQL filter agrees with the flags
    with wb.db.reader() as s:
        assert s.scalar(select(Lead.id).where(Lead.id == lid, wb.overdue_clause(dt.datetime(2026, 3, 10, 9)))) == lid
        assert s.scalar(select(Lead.id).where(Lead.id == lid, wb.overdue_clause(dt.datetime(2026, 3, 9, 20)))) is None


def test_progress_note_restarts_the_clock(wb) -> None:  # noqa: ANN001
    jia = actor(wb, "jia")
    lid = routed_and_accepted(wb)
    with wb.db.writer() as s:
        s.execute(update(Lead).where(Lead.id == lid).values(last_progress_at=dt.datetime(2020, 1, 1)))
    assert wb.list_leads(jia, overdue=True).total == 1
    wb.add_progress(jia, lid, version_of(wb, lid), {"note": "书面说明：企业董事会改期", "paid_in_wan": "200"})
    assert wb.list_leads(jia, overdue=True).total == 0
    assert wb.get_lead(jia, lid).paid_in_wan == 200


def test_every_change_is_audited_with_before_and_after(wb) -> None:  # noqa: ANN001
    lid = routed_and_accepted(wb)
    wb.update_lead(actor(wb, "jia"), lid, version_of(wb, lid), {"owner_name": "张测试", "project_name": "测试项目"})
    rows = wb.audit_log(actor(wb, "admin"), entity="lead", entity_id=str(lid))
    assert [a.action for a in reversed(rows)] == ["新增项目", "推送项目", "接收项目", "修改项目"]
    last = rows[0]
    assert last.username == "jia" and json.loads(last.before_json)["owner_name"] is None
    assert json.loads(last.after_json)["owner_name"] == "张测试"
    with pytest.raises(Forbidden):
        wb.audit_log(actor(wb, "city"))


def test_stale_version_is_refused_with_a_clear_message(wb) -> None:  # noqa: ANN001
    lid = routed_and_accepted(wb)
    v = version_of(wb, lid)
    wb.update_lead(actor(wb, "city"), lid, v, {"owner_name": "调度填写"})
    with pytest.raises(Conflict, match="已被他人修改") as exc:
        wb.update_lead(actor(wb, "jia"), lid, v, {"owner_name": "县区填写"})
    assert "city" in str(exc.value)
    assert wb.get_lead(actor(wb, "city"), lid).owner_name == "调度填写"
    with wb.db.reader() as s:
        assert s.scalar(select(Audit.id).where(Audit.after_json.contains("县区填写"))) is None


def test_two_concurrent_saves_one_wins_one_is_refused(wb) -> None:  # noqa: ANN001
    """Two requests that both saw version v save at the same moment, many times over: exactly one wins
    each round, the other gets the conflict message, and the stored value is the winner's."""
    import threading

    lid = routed_and_accepted(wb)
    users = [actor(wb, "city"), actor(wb, "jia")]
    for round_no in range(5):
        v = version_of(wb, lid)
        barrier = threading.Barrier(2)
        results: dict[str, str] = {}

        def save(who, value: str, barrier=barrier, v=v, results=results) -> None:  # noqa: ANN001
            barrier.wait()
            try:
                wb.update_lead(who, lid, v, {"owner_name": value})
                results[value] = "ok"
            except Conflict:
                results[value] = "conflict"

        threads = [threading.Thread(target=save, args=(u, f"{u.username}-{round_no}")) for u in users]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert sorted(results.values()) == ["conflict", "ok"], results
        winner = next(k for k, r in results.items() if r == "ok")
        lead = wb.get_lead(users[0], lid)
        assert lead.owner_name == winner and lead.version == v + 1


def test_reports_count_by_unit_and_period(wb) -> None:  # noqa: ANN001
    jia, city = actor(wb, "jia"), actor(wb, "city")
    today = dt.date.today()
    lid = routed_and_accepted(wb)
    wb.move_stage(jia, lid, version_of(wb, lid), {"to_stage": "签约", "contract_amount_wan": "8000", "paid_in_wan": "300",
                                                   "stage_date": today.isoformat()})
    lid2 = routed_and_accepted(wb, "T:00001", YI)
    wb.review(actor(wb, "yi"), lid2, version_of(wb, lid2), {})
    wb.create_from_target(city, target_id(wb, "T:00002"))  # stays in the city pool
    wb.create_manual(jia, {"firm_name": "测试手工录入有限公司"})  # entered by the county itself
    for kind in R.PERIODS:
        rep = R.build_report(wb, city, kind, today)
        by = {r["unit"]: r for r in rep["summary"]}
        assert by["甲区"]["signed"] == 1 and by["甲区"]["signed_amount"] == 8000 and by["甲区"]["paid_in"] == 300
        assert by["乙县"]["reviews"] == 1 and by["乙县"]["signed"] == 0
        assert by["市本级（未分派）"]["new_leads"] == 3 and by["甲区"]["new_leads"] == 1  # counted where it was entered
        assert rep["total"]["new_leads"] == 4 and rep["total"]["active"] == 4
    week = R.build_report(wb, city, "week", today)
    assert [d["lead_id"] for d in week["details"]["环节推进"]] == [lid]
    # a county user's report holds their unit only
    mine = R.build_report(wb, jia, "week", today)
    assert [r["unit"] for r in mine["summary"]] == ["甲区"]
    assert all(d["unit"] == "甲区" for rows in mine["details"].values() for d in rows)
    # last year's period holds nothing of this
    old = R.build_report(wb, city, "month", today - dt.timedelta(days=400))
    assert old["total"]["signed"] == 0 and old["total"]["new_leads"] == 0


def test_period_bounds() -> None:
    assert R.period_of("week", dt.date(2026, 3, 4)).start == dt.date(2026, 3, 2)
    assert R.period_of("week", dt.date(2026, 3, 4)).end == dt.date(2026, 3, 8)
    assert (R.period_of("half-month", dt.date(2026, 2, 20)).start, R.period_of("half-month", dt.date(2026, 2, 20)).end) == (dt.date(2026, 2, 16), dt.date(2026, 2, 28))
    assert R.period_of("half-month", dt.date(2026, 2, 15)).end == dt.date(2026, 2, 15)
    assert R.period_of("month", dt.date(2024, 2, 10)).end == dt.date(2024, 2, 29)


def test_shipped_calendar_counts_the_2026_holidays_and_make_up_days() -> None:
    d = C.load_deadlines()
    assert not d.is_workday(dt.date(2026, 10, 1)) and not d.is_workday(dt.date(2026, 2, 23))  # 国庆, 春节 (a Monday)
    assert d.is_workday(dt.date(2026, 10, 10)) and d.is_workday(dt.date(2026, 2, 14))  # Saturdays worked (调休)
    assert d.add_working_days(dt.datetime(2026, 9, 30, 10), 1).date() == dt.date(2026, 10, 8)


def test_login_throttling_and_disabled_users(wb) -> None:  # noqa: ANN001
    from matcher.workbench.services import Throttled

    for _ in range(wb.settings.login_max_failures):
        with pytest.raises(Invalid):
            wb.login("jia", "wrong-password", "127.0.0.9")
    with pytest.raises(Throttled):  # even with the right password now, from another address
        wb.login("jia", "测试口令-123456", "127.0.0.10")
    wb.login("city", "测试口令-123456", "127.0.0.9")  # another user behind the same address is not locked out
    wb.settings.login_max_failures_per_address = 3
    with pytest.raises(Throttled):  # but an address that tried too many names is
        wb.login("boss", "测试口令-123456", "127.0.0.9")
    token, _ = wb.login("yi", "测试口令-123456", "127.0.0.11")
    assert wb.session(token)[0].unit_code == YI
    wb.set_active(None, "yi", False)
    assert wb.session(token) is None
    with pytest.raises(Invalid):
        wb.login("yi", "测试口令-123456", "127.0.0.11")


def test_events_record_the_unit_at_the_time(wb) -> None:  # noqa: ANN001
    lid = routed_and_accepted(wb, "T:00002", JIA)
    with wb.db.reader() as s:
        units = [u for (u,) in s.execute(select(LeadEvent.unit_code).where(LeadEvent.lead_id == lid).order_by(LeadEvent.id))]
    assert units == [None, JIA, JIA]
    assert BING in dict(wb.county_units())


def test_overdue_items_reach_pages_and_reports(wb, web) -> None:  # noqa: ANN001
    lid = routed_and_accepted(wb, "T:00006")
    with wb.db.writer() as s:
        s.execute(update(Lead).where(Lead.id == lid).values(last_progress_at=dt.datetime(2020, 1, 1)))
    rep = R.build_report(wb, actor(wb, "city"), "week")
    assert [d["lead_id"] for d in rep["details"]["逾期事项"]] == [lid]
    assert "超过一个月无进展" in rep["details"]["逾期事项"][0]["overdue"]
    row = next(r for r in rep["summary"] if r["unit_code"] == JIA)
    assert row["overdue"] == 1 and row["overdue_share"] == 1.0
    assert "超过一个月无进展须书面说明原因" in web("jia").get(f"/leads/{lid}").text
    assert "超过一个月无进展须书面说明原因" in web("city").get("/leads?overdue=1").text


def test_sqlite_default_is_wal_in_the_work_directory(tmp_path) -> None:  # noqa: ANN001
    from sqlalchemy import text

    from matcher.workbench.config import Settings
    from matcher.workbench.db import Database

    url = Settings(workdir=tmp_path / "w").database_url()
    assert url == f"sqlite:///{(tmp_path / 'w' / 'workbench.db').resolve()}"
    db = Database(url)
    with db.reader() as s:
        assert s.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert s.execute(text("PRAGMA foreign_keys")).scalar() == 1
    db.dispose()


def test_outcomes_reader_stands_alone() -> None:
    import subprocess
    import sys

    code = ("import sys, matcher.workbench.outcomes as o; "
            "bad = [m for m in sys.modules if m.startswith('matcher.') and m not in ('matcher.workbench', 'matcher.workbench.outcomes')]; "
            "assert not bad, bad")
    subprocess.run([sys.executable, "-c", code], check=True)


def test_target_filters(wb) -> None:  # noqa: ANN001
    city = actor(wb, "city")
    opts = wb.target_options()
    assert opts["region"] == ["测试乙经济圈", "测试甲经济圈"] and "测试东省" in opts["province"]
    by_region = wb.list_targets(city, province="测试甲经济圈")
    assert by_region.total == 15 and all(t.home_region == "测试甲经济圈" for t in by_region.rows)
    assert all(t.home_province == "测试东省" for t in wb.list_targets(city, province="测试东省").rows)
    both = wb.list_targets(city, chain="测试装备链", county=YI, tag="上市")
    assert both.total >= 1 and all(t.chain == "测试装备链" and t.county_code == YI and "上市" in t.tags for t in both.rows)
    assert wb.list_targets(actor(wb, "jia"), county=YI).total == 10  # a county user's own unit, whatever is asked
