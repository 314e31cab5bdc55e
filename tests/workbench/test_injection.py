"""Hostile text is stored verbatim and inert everywhere: pages (escaped), search (parameterised), Excel
(text cells, no formula), CSV (OWASP prefix). Also the conflict message over HTTP."""

from __future__ import annotations

import csv
import io
import re
import zipfile

import pytest
from sqlalchemy import select

from matcher.workbench.models import Lead
from matcher.workbench.reports import csv_safe
from matcher.workbench.web.app import create_app

from .conftest import JIA, actor, login, make_workbench, version_of
from .fakes import FakeLink

PAYLOADS = [
    "<script>alert('x')</script>测试",
    "' OR 1=1 --",
    '=HYPERLINK("http://127.0.0.1/","点我")',
    "+1+2",
    "-3+4",
    "@SUM(1,2)",
    '"><img src=x onerror=alert(1)>',
]
FORMULA_START = ("=", "+", "-", "@")


@pytest.fixture
def hostile(db_url: str, tmp_path):  # noqa: ANN001, ANN201
    extra = [{"rank": 999, "firm_id": "T:EVIL", "name": PAYLOADS[0], "legal_name": PAYLOADS[2], "tags": PAYLOADS[3],
              "home_province": PAYLOADS[4], "chain": PAYLOADS[5], "segment": PAYLOADS[6], "county_code": JIA,
              "county_name": "甲区", "score": 0.1, "reasons": PAYLOADS[1]}]
    wb = make_workbench(db_url, tmp_path / "work", FakeLink(extra_targets=extra))
    yield wb, create_app(wb, migrate=False, import_targets=False)
    wb.db.dispose()


def sheet_xml(content: bytes) -> dict[str, str]:
    with zipfile.ZipFile(io.BytesIO(content)) as z:
        return {n: z.read(n).decode("utf-8") for n in z.namelist() if n.endswith(".xml")}


def test_hostile_text_is_stored_verbatim_and_inert(hostile) -> None:  # noqa: ANN001
    wb, app = hostile
    city = login(app, "city")
    ids = []
    for p in PAYLOADS:
        r = city.post("/leads/new", {"firm_name": p, "project_name": p, "notes": p, "evidence": p, "owner_name": p[:50]})
        assert r.status_code == 303, r.text
        ids.append(int(re.search(r"/leads/(\d+)", r.headers["location"]).group(1)))
    for lid, p in zip(ids, PAYLOADS, strict=True):
        city.post(f"/leads/{lid}/comment", {"note": p})
        with wb.db.reader() as s:
            lead = s.get(Lead, lid)
        assert (lead.firm_name, lead.project_name, lead.notes) == (p, p, p)  # verbatim
        page = city.get(f"/leads/{lid}").text
        assert "<script>alert" not in page and "<img src=x" not in page
    page = city.get(f"/leads/{ids[0]}").text
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;测试" in page
    # the CSP forbids inline script even if something slipped through
    assert "script-src 'self'" in city.get("/").headers["content-security-policy"]

    # lists and targets render the hostile names escaped
    for url in ["/leads", "/targets", "/targets?q=<script>", "/firms/T:EVIL", f"/counties/{JIA}", "/reports"]:
        text = city.get(url).text
        assert "<script>alert" not in text and "<img src=x" not in text, url

    # search is parameterised: the SQL-looking text matches only itself
    res = city.get("/api/leads", params={"q": "' OR 1=1 --"}).json()
    assert [x["firm_name"] for x in res["leads"]] == ["' OR 1=1 --"]
    assert city.get("/api/leads", params={"q": "%"}).json()["total"] == 0  # LIKE wildcards are escaped
    assert city.get("/api/leads", params={"q": "_"}).json()["total"] == 0

    # Excel: every hostile text is a text cell; no formula anywhere
    for url in ["/leads/export.xlsx", "/reports/export.xlsx?period=week"]:
        xml = sheet_xml(city.get(url).content)
        assert not any(re.search(r"<f[ >]", body) for body in xml.values()), url
    strings = sheet_xml(city.get("/leads/export.xlsx").content)["xl/sharedStrings.xml"]
    for p in PAYLOADS:
        esc = p.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
        assert esc in strings or esc.replace('"', "&quot;") in strings, p

    # CSV: a cell that starts like a formula gets the apostrophe, the rest is unchanged
    rows = list(csv.reader(io.StringIO(city.get("/leads/export.csv").content.decode("utf-8-sig"))))
    names = {r[1] for r in rows[1:]}
    for p in PAYLOADS:
        assert (("'" + p) if p.startswith(FORMULA_START) else p) in names
    assert not any(cell.startswith(FORMULA_START) for r in rows for cell in r)


def test_csv_safe() -> None:
    assert [csv_safe(x) for x in ["=1", "+1", "-1", "@a", "\tx", "ok", 3.5]] == ["'=1", "'+1", "'-1", "'@a", "'\tx", "ok", 3.5]


def test_second_save_over_http_is_refused_with_a_clear_message(wb, app) -> None:  # noqa: ANN001
    city_a, jia = actor(wb, "city"), actor(wb, "jia")
    lid = wb.create_manual(city_a, {"firm_name": "测试并发有限公司"})
    wb.route(city_a, lid, version_of(wb, lid), JIA)
    wb.accept(jia, lid, version_of(wb, lid))
    a, b = login(app, "city"), login(app, "jia")
    va = re.search(r'name="version" value="(\d+)"', a.get(f"/leads/{lid}").text).group(1)
    vb = re.search(r'name="version" value="(\d+)"', b.get(f"/leads/{lid}").text).group(1)
    assert va == vb
    assert a.post(f"/leads/{lid}/edit", {"version": va, "owner_name": "调度员"}).status_code == 303
    r = b.post(f"/leads/{lid}/edit", {"version": vb, "owner_name": "县区员"})
    assert r.status_code == 409
    assert "已被他人修改" in r.text and "请刷新页面" in r.text
    with wb.db.reader() as s:
        assert s.scalar(select(Lead.owner_name).where(Lead.id == lid)) == "调度员"
