"""The access-control matrix: every route × every role × own/other unit, on SQLite and PostgreSQL.

The matrix below must name every route the app has (a new route without an entry fails
``test_matrix_covers_every_route``). A county user (``jia``, unit 甲区) reaching anything of another
unit (乙县) by URL, form or API gets 403/404, and the lists, search, exports and reports it can reach
hold nothing of the other unit.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Callable
from dataclasses import dataclass

from fastapi.routing import APIRoute
from sqlalchemy import func, select

from matcher.workbench.models import Audit, Target

from .conftest import JIA, YI, actor, login, version_of

ROLES = ["city", "jia", "boss", "admin"]
SECRET = "乙县保密项目甲乙丙"  # the other unit's project name: must never reach jia


@dataclass
class World:
    own_lead: int
    other_lead: int
    pending_own: int
    pending_other: int
    own_target: int
    other_target: int
    own_file: int
    other_file: int


def make_world(wb) -> World:  # noqa: ANN001
    """Fresh objects for one case: leads held by 甲区 and 乙县, leads waiting for each, files on each."""
    city, jia, yi = actor(wb, "city"), actor(wb, "jia"), actor(wb, "yi")
    with wb.db.reader() as s:
        own_t = s.scalar(select(Target.id).where(Target.county_code == JIA).order_by(Target.rank).limit(1))
        other_t = s.scalar(select(Target.id).where(Target.county_code == YI).order_by(Target.rank).limit(1))

    def held(unit_user, unit: str, name: str) -> int:  # noqa: ANN001
        lid = wb.create_manual(city, {"firm_name": name, "project_name": name})
        wb.route(city, lid, version_of(wb, lid), unit)
        wb.accept(unit_user, lid, version_of(wb, lid))
        return lid

    own = held(jia, JIA, "测试本单位有限公司")
    other = held(yi, YI, SECRET)
    p_own = wb.create_manual(city, {"firm_name": "测试待接收甲有限公司"})
    wb.route(city, p_own, version_of(wb, p_own), JIA)
    p_other = wb.create_manual(city, {"firm_name": SECRET + "待接收"})
    wb.route(city, p_other, version_of(wb, p_other), YI)
    wb.add_progress(jia, own, version_of(wb, own), {"note": "本单位进展"}, ("own.txt", "text/plain", b"own"))
    wb.add_progress(yi, other, version_of(wb, other), {"note": SECRET}, ("other.txt", "text/plain", SECRET.encode()))
    own_file = wb.lead_detail(city, own)["files"][0][0]
    other_file = wb.lead_detail(city, other)["files"][0][0]
    return World(own, other, p_own, p_other, own_t, other_t, own_file, other_file)


OK, REDIRECT = 200, 303
READ_ALL = {"city": OK, "jia": OK, "boss": OK, "admin": OK}


def same(code: int) -> dict[str, int]:
    return {r: code for r in ROLES}


@dataclass
class Case:
    method: str
    template: str
    url: Callable[[World, str], str]
    own: dict[str, int]
    other: dict[str, int] | None = None  # None: the route has no unit-owned object
    form: Callable[[object, World, str], dict] | None = None
    anonymous: int | None = None  # expected status without a session (default: 303 for GET pages, 401 otherwise)


def v(wb, lid: int) -> dict:  # noqa: ANN001
    return {"version": str(version_of(wb, lid))}


def lead_url(suffix: str = "") -> Callable[[World, str], str]:
    return lambda w, side: f"/leads/{w.own_lead if side == 'own' else w.other_lead}{suffix}"


def pending_url(suffix: str) -> Callable[[World, str], str]:
    return lambda w, side: f"/leads/{w.pending_own if side == 'own' else w.pending_other}{suffix}"


def lead_id(w: World, side: str) -> int:
    return w.own_lead if side == "own" else w.other_lead


def pending_id(w: World, side: str) -> int:
    return w.pending_own if side == "own" else w.pending_other


WRITE_OWN = {"city": REDIRECT, "jia": REDIRECT, "boss": 403, "admin": 403}
WRITE_OTHER = {"city": REDIRECT, "jia": 404, "boss": 403, "admin": 403}
VIEW_OTHER = {"city": OK, "jia": 404, "boss": OK, "admin": OK}
ADMIN_ONLY = {"city": 403, "jia": 403, "boss": 403, "admin": OK}

CASES: list[Case] = [
    Case("GET", "/", lambda w, s: "/", READ_ALL),
    Case("GET", "/healthz", lambda w, s: "/healthz", READ_ALL, anonymous=200),
    Case("GET", "/login", lambda w, s: "/login", READ_ALL, anonymous=200),
    Case("GET", "/targets", lambda w, s: "/targets", READ_ALL),
    Case("GET", "/firms/{firm_id}", lambda w, s: "/firms/T:00000" if s == "own" else "/firms/T:00001", READ_ALL, VIEW_OTHER),
    Case("GET", "/counties/{code}", lambda w, s: f"/counties/{JIA if s == 'own' else YI}", READ_ALL,
         {"city": OK, "jia": 403, "boss": OK, "admin": OK}),
    Case("GET", "/leads", lambda w, s: "/leads", READ_ALL),
    Case("GET", "/leads/export.xlsx", lambda w, s: "/leads/export.xlsx", READ_ALL),
    Case("GET", "/leads/export.csv", lambda w, s: "/leads/export.csv", READ_ALL),
    Case("GET", "/leads/new", lambda w, s: "/leads/new", {"city": OK, "jia": OK, "boss": 403, "admin": 403}),
    Case("GET", "/leads/match", lambda w, s: "/leads/match?firm_name=测试甲科技", {"city": OK, "jia": OK, "boss": 403, "admin": 403}),
    Case("GET", "/leads/{lead_id}", lead_url(), READ_ALL, VIEW_OTHER),
    Case("GET", "/leads/{lead_id}/review", lead_url("/review"), READ_ALL, VIEW_OTHER),
    Case("GET", "/files/{file_id}", lambda w, s: f"/files/{w.own_file if s == 'own' else w.other_file}", READ_ALL, VIEW_OTHER),
    Case("GET", "/reports", lambda w, s: "/reports", READ_ALL),
    Case("GET", "/reports/export.xlsx", lambda w, s: "/reports/export.xlsx?period=month", READ_ALL),
    Case("GET", "/admin/users", lambda w, s: "/admin/users", ADMIN_ONLY),
    Case("GET", "/admin/audit", lambda w, s: "/admin/audit", ADMIN_ONLY),
    Case("GET", "/api/leads", lambda w, s: "/api/leads", READ_ALL),
    Case("GET", "/api/leads/{lead_id}", lambda w, s: f"/api/leads/{lead_id(w, s)}", READ_ALL, VIEW_OTHER),
    Case("POST", "/targets/{target_id}/lead", lambda w, s: f"/targets/{w.own_target if s == 'own' else w.other_target}/lead",
         WRITE_OWN, WRITE_OTHER),
    Case("POST", "/leads/new", lambda w, s: "/leads/new", WRITE_OWN, form=lambda wb, w, s: {"firm_name": "测试新录入有限公司"}),
    Case("POST", "/leads/{lead_id}/edit", lead_url("/edit"), WRITE_OWN, WRITE_OTHER,
         form=lambda wb, w, s: v(wb, lead_id(w, s)) | {"notes": "改"}),
    Case("POST", "/leads/{lead_id}/route", lead_url("/route"), {"city": REDIRECT, "jia": 403, "boss": 403, "admin": 403},
         {"city": REDIRECT, "jia": 403, "boss": 403, "admin": 403}, form=lambda wb, w, s: v(wb, lead_id(w, s)) | {"unit_code": JIA}),
    Case("POST", "/leads/{lead_id}/accept", pending_url("/accept"), {"city": 403, "jia": REDIRECT, "boss": 403, "admin": 403},
         {"city": 403, "jia": 404, "boss": 403, "admin": 403}, form=lambda wb, w, s: v(wb, pending_id(w, s))),
    Case("POST", "/leads/{lead_id}/return", pending_url("/return"), {"city": 403, "jia": REDIRECT, "boss": 403, "admin": 403},
         {"city": 403, "jia": 404, "boss": 403, "admin": 403}, form=lambda wb, w, s: v(wb, pending_id(w, s)) | {"reason": "不合适"}),
    Case("POST", "/leads/{lead_id}/stage", lead_url("/stage"), WRITE_OWN, WRITE_OTHER,
         form=lambda wb, w, s: v(wb, lead_id(w, s)) | {"to_stage": "暂缓", "note": "等待"}),
    Case("POST", "/leads/{lead_id}/progress", lead_url("/progress"), WRITE_OWN, WRITE_OTHER,
         form=lambda wb, w, s: v(wb, lead_id(w, s)) | {"note": "进展"}),
    Case("POST", "/leads/{lead_id}/comment", lead_url("/comment"), {"city": REDIRECT, "jia": REDIRECT, "boss": REDIRECT, "admin": 403},
         {"city": REDIRECT, "jia": 404, "boss": REDIRECT, "admin": 403}, form=lambda wb, w, s: {"note": "请加快"}),
    Case("POST", "/leads/{lead_id}/review", lead_url("/review"), WRITE_OWN, WRITE_OTHER,
         form=lambda wb, w, s: v(wb, lead_id(w, s)) | {"score_policy": "10"}),
    Case("POST", "/admin/users", lambda w, s: "/admin/users", {"city": 403, "jia": 403, "boss": 403, "admin": REDIRECT},
         form=lambda wb, w, s: {"username": f"new{w.own_lead}", "password": "口令口令口令口令", "role": "leader"}),
    Case("POST", "/admin/users/{username}/active", lambda w, s: "/admin/users/yi/active",
         {"city": 403, "jia": 403, "boss": 403, "admin": REDIRECT}, form=lambda wb, w, s: {"active": "1"}),
    Case("POST", "/logout", lambda w, s: "/logout", same(REDIRECT)),
    Case("POST", "/login", lambda w, s: "/login", same(403), anonymous=403),  # without the login form's token
]


def test_matrix_covers_every_route(app) -> None:  # noqa: ANN001
    routes = {(m, r.path) for r in app.routes if isinstance(r, APIRoute) for m in r.methods if m != "HEAD"}
    covered = {(c.method, c.template) for c in CASES}
    assert routes == covered, f"missing: {routes - covered}; stale: {covered - routes}"


def test_every_route_depends_on_the_unit_scope(app) -> None:  # noqa: ANN001
    public = {"/login", "/healthz"}
    for r in app.routes:
        if not isinstance(r, APIRoute) or r.path in public:
            continue
        names = {d.call.__name__ for d in r.dependant.dependencies if d.call is not None}
        assert "scope" in names, f"{r.path} has no unit-scope dependency"
        if "POST" in r.methods:
            assert "csrf" in names, f"{r.path} has no CSRF check"


def run(wb, web, case: Case, side: str, w: World):  # noqa: ANN001, ANN201
    url = case.url(w, side)
    if case.method == "GET":
        return web.get(url)
    if case.template == "/login":
        return web.client.post(url, data={"username": "city", "password": "x"}, follow_redirects=False)
    return web.post(url, case.form(wb, w, side) if case.form else {})


def test_access_matrix(wb, app) -> None:  # noqa: ANN001
    failures = []
    sessions: dict[str, object] = {}
    shared = make_world(wb)
    for case in CASES:
        for side in ("own", "other") if case.other is not None else ("own",):
            expected = case.own if side == "own" else case.other
            for role in ROLES:
                if role not in sessions:
                    sessions[role] = login(app, role)
                w = make_world(wb) if case.method == "POST" else shared
                r = run(wb, sessions[role], case, side, w)
                if case.template == "/logout":
                    sessions.pop(role)
                if r.status_code != expected[role]:
                    failures.append(f"{case.method} {case.url(w, side)} as {role} ({side}): {r.status_code}, expected {expected[role]}")
    assert not failures, "\n".join(failures)


def test_anonymous_gets_nothing(wb, app) -> None:  # noqa: ANN001
    from fastapi.testclient import TestClient

    w = make_world(wb)
    c = TestClient(app, base_url="https://testserver")
    for case in CASES:
        url = case.url(w, "own")
        r = c.get(url, follow_redirects=False) if case.method == "GET" else c.post(url, data={}, follow_redirects=False)
        expected = case.anonymous if case.anonymous is not None else (303 if case.method == "GET" and not url.startswith("/api/") else 401)
        assert r.status_code == expected, f"{case.method} {url}: {r.status_code}"
        if r.status_code == 303:
            assert r.headers["location"].startswith("/login")


def test_every_form_needs_its_csrf_token(wb, app) -> None:  # noqa: ANN001
    w = make_world(wb)
    for case in CASES:
        if case.method != "POST" or case.template == "/login":
            continue
        role = "admin" if case.template.startswith("/admin") else ("jia" if "accept" in case.template or "return" in case.template else "city")
        web = login(app, role)
        with wb.db.reader() as s:
            before = s.scalar(select(func.count()).select_from(Audit))
        form = case.form(wb, w, "own") if case.form else {}
        for token in (None, "wrong-token"):
            data = dict(form) | ({"csrf_token": token} if token else {})
            r = web.client.post(case.url(w, "own"), data=data, follow_redirects=False)
            assert r.status_code == 403, f"{case.template} without a valid token: {r.status_code}"
        with wb.db.reader() as s:
            assert s.scalar(select(func.count()).select_from(Audit)) == before, case.template


def _xlsx_text(content: bytes) -> str:
    with zipfile.ZipFile(io.BytesIO(content)) as z:
        return "".join(z.read(n).decode("utf-8") for n in z.namelist() if n.endswith(".xml"))


def test_nothing_of_another_unit_leaks_to_a_county_user(wb, app) -> None:  # noqa: ANN001
    w = make_world(wb)
    jia = login(app, "jia")
    pages = ["/", "/leads", "/leads?q=保密项目", "/leads?overdue=1", f"/leads?unit={YI}", "/leads?unit=pool", "/targets",
             f"/targets?county={YI}", "/targets?q=保密项目", "/firms/T:00000", f"/counties/{JIA}", "/reports",
             "/reports?period=half-month", "/reports?period=month", "/api/leads", "/api/leads?q=保密项目",
             "/leads/match?firm_name=保密项目", "/leads/export.csv"]
    for url in pages:
        r = jia.get(url)
        assert r.status_code == 200, url
        assert SECRET not in r.text, f"{url} shows another unit's project"
        assert "乙县" not in r.text, f"{url} names another unit"
    for url in ["/leads/export.xlsx", "/reports/export.xlsx?period=week", "/reports/export.xlsx?period=month"]:
        r = jia.get(url)
        assert r.status_code == 200
        text = _xlsx_text(r.content)
        assert SECRET not in text and "乙县" not in text, url
    api = jia.get("/api/leads").json()
    ids = {x["id"] for x in api["leads"]}
    assert w.own_lead in ids and w.other_lead not in ids and w.pending_other not in ids
    # targets: only those suggested for 甲区
    assert set(re.findall(r'href="/counties/(\d+)"', jia.get("/targets").text)) <= {JIA}
    # the dispatcher does see both
    city = login(app, "city")
    assert SECRET in city.get("/leads").text and SECRET in city.get(f"/api/leads/{w.other_lead}").text


def test_cookies_are_httponly_secure_samesite(app) -> None:  # noqa: ANN001
    from fastapi.testclient import TestClient

    c = TestClient(app, base_url="https://testserver")
    r = c.get("/login")
    pre = r.headers["set-cookie"].lower()
    assert "httponly" in pre and "secure" in pre and "samesite=strict" in pre
    token = re.search(r'name="csrf_token" value="([^"]+)"', r.text).group(1)
    r = c.post("/login", data={"username": "city", "password": "测试口令-123456", "csrf_token": token}, follow_redirects=False)
    cookie = [h for h in r.headers.get_list("set-cookie") if h.startswith("wb_session=")][0].lower()
    assert "httponly" in cookie and "secure" in cookie and "samesite=lax" in cookie
    home = c.get("/")
    for h in ("content-security-policy", "x-frame-options", "x-content-type-options"):
        assert h in home.headers
    assert home.headers["cache-control"] == "no-store"
