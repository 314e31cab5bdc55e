# ruff: noqa: B008  (FastAPI dependencies are declared as parameter defaults)
"""FastAPI routes with server-rendered pages (Jinja2, autoescaped; htmx vendored for the name lookup).

Security on every route, not in templates:

- :func:`scope` is a dependency of every route except the login page, the health check and static
  files: it resolves the session cookie to an :class:`~matcher.workbench.services.Actor` (role and unit)
  and every service call filters by it;
- :func:`csrf` is a dependency of every POST: the form's ``csrf_token`` (or the ``X-CSRF-Token`` header)
  must equal the session's token; the login form uses a double-submit cookie;
- cookies are HttpOnly, SameSite=Lax and Secure (setting ``secure_cookies``); responses carry a strict
  Content-Security-Policy (no inline script), ``X-Frame-Options: DENY`` and ``nosniff``.
"""

from __future__ import annotations

import datetime as dt
import hmac
import io
import secrets
import urllib.parse
from pathlib import Path
from typing import Any

from fastapi import Depends, FastAPI, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates

from matcher.workbench import config as C
from matcher.workbench import reports as R
from matcher.workbench.db import Database, upgrade
from matcher.workbench.link import MatcherLink
from matcher.workbench.services import Actor, DuplicateLead, Forbidden, Workbench, WorkbenchError

HERE = Path(__file__).resolve().parent
SESSION_COOKIE = "wb_session"
LOGIN_CSRF_COOKIE = "wb_login_csrf"
CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
       "frame-ancestors 'none'; form-action 'self'; base-uri 'none'; object-src 'none'")


class NeedLogin(Exception):
    pass


class CsrfError(Exception):
    pass


def fmt_num(v: Any, digits: int = 2) -> str:
    from jinja2 import Undefined

    if v is None or v == "" or isinstance(v, Undefined):
        return ""
    try:
        x = float(v)
    except (TypeError, ValueError):
        return str(v)
    if x != x:
        return ""
    return f"{x:,.{digits}f}".rstrip("0").rstrip(".") if digits else f"{x:,.0f}"


def fmt_plain(v: Any) -> str:
    """A number for a form field: no grouping, no trailing .0 (empty for None)."""
    if v is None:
        return ""
    return f"{float(v):.6f}".rstrip("0").rstrip(".") if isinstance(v, float) else str(v)


ENTITY_LABELS = {"lead": "项目", "user": "用户", "file": "附件", "lead_event": "办理记录", "target_snapshot": "推荐目标导入"}
FIELD_LABELS = {
    "firm_id": "企业编号", "firm_name": "企业名称", "project_name": "项目名称", "unit_code": "所在单位", "route_status": "推送状态",
    "return_reason": "退回原因", "stage": "环节", "stage_date": "环节日期", "owner_name": "责任人", "leader_name": "包联领导",
    "capital_type": "资金来源", "amount_wan": "项目总投资（万元）", "fixed_investment_wan": "固定资产投资（万元）", "land_mu": "用地（亩）",
    "jobs": "带动就业（人）", "expected_tax_wan": "预计年税收（万元）", "contract_amount_wan": "合同额（万元）",
    "paid_in_wan": "累计到位资金（万元）", "notes": "备注", "review_conclusion": "预审结论", "version": "版本",
    "username": "用户名", "role": "角色", "active": "启用", "password": "密码", "lead_id": "项目编号", "note": "内容",
    "filename": "文件名", "sha256": "文件指纹", "n_targets": "目标数", "city": "城市",
}


def fmt_audit(raw: str | None) -> str:
    """An audit row's JSON in planners' words: 字段：值；…"""
    import json

    if not raw:
        return ""
    try:
        data = json.loads(raw)
    except ValueError:
        return raw
    if not isinstance(data, dict):
        return str(data)
    def val(k: str, v: Any) -> str:
        if v is None:
            return ""
        if isinstance(v, bool):
            return "是" if v else "否"
        if k == "role":
            return C.ROLES.get(str(v), str(v))
        return str(v)

    return "；".join(f"{FIELD_LABELS.get(k, k)}：{val(k, v)}" for k, v in data.items())


def fmt_time(v: Any) -> str:
    if v is None:
        return ""
    if isinstance(v, dt.datetime):
        # stored in UTC; shown in China Standard Time
        return (v + dt.timedelta(hours=8)).strftime("%Y-%m-%d %H:%M")
    return str(v)


def create_app(wb: Workbench, *, migrate: bool = True, import_targets: bool = True) -> FastAPI:
    """The web application over a :class:`Workbench` (migrations run and units/targets imported at start)."""
    if migrate:
        upgrade(wb.db)
    wb.ensure_units()
    if import_targets and wb.current_snapshot() is None:
        wb.import_targets(None)

    app = FastAPI(title="招商项目工作台", docs_url=None, redoc_url=None, openapi_url=None)
    app.state.wb = wb
    templates = Jinja2Templates(directory=str(HERE / "templates"))
    env = templates.env
    env.filters["num"] = fmt_num
    env.filters["t"] = fmt_time
    env.filters["plain"] = fmt_plain
    env.filters["audit"] = fmt_audit
    env.globals["ENTITY_LABELS"] = ENTITY_LABELS
    env.globals.update(STAGES=C.STAGES, MAIN_STAGES=C.MAIN_STAGES, SIDE_STAGES=C.SIDE_STAGES, STAGE_LABELS=C.STAGE_LABELS,
                       ROLES=C.ROLES, CAPITAL_TYPES=C.CAPITAL_TYPES, city=wb.settings.city, C=C, PERIODS=R.PERIODS)
    app.mount("/static", StaticFiles(directory=str(HERE / "static")), name="static")
    secure = wb.settings.secure_cookies

    # -- dependencies -----------------------------------------------------------------------------------
    def session_of(request: Request) -> tuple[Actor, str]:
        got = wb.session(request.cookies.get(SESSION_COOKIE))
        if got is None:
            raise NeedLogin()
        return got

    def scope(request: Request) -> Actor:
        """The unit-scope dependency: who is asking, with their role and unit (every query filters by it)."""
        actor, token = session_of(request)
        request.state.csrf = token
        request.state.actor = actor
        return actor

    async def csrf(request: Request) -> dict[str, Any]:
        """The submitted form, after its CSRF token has been checked against the session's."""
        actor, token = session_of(request)
        form = await request.form()
        sent = request.headers.get("x-csrf-token") or str(form.get("csrf_token") or "")
        if not sent or not hmac.compare_digest(sent, token):
            raise CsrfError()
        data: dict[str, Any] = {}
        for k, v in form.multi_items():
            if hasattr(v, "read"):
                content = await v.read()
                data[k] = (v.filename or "附件", v.content_type or "application/octet-stream", content) if content else None
            else:
                data[k] = v
        return data

    def page(request: Request, name: str, ctx: dict[str, Any], status: int = 200) -> HTMLResponse:
        ctx = {"actor": getattr(request.state, "actor", None), "csrf": getattr(request.state, "csrf", ""),
               "unit_name": wb.unit_name, "request": request} | ctx
        return templates.TemplateResponse(request, name, ctx, status_code=status)

    def back(url: str, msg: str = "") -> RedirectResponse:
        if msg:
            url += ("&" if "?" in url else "?") + "msg=" + urllib.parse.quote(msg)
        return RedirectResponse(url, status_code=303)

    # -- errors ---------------------------------------------------------------------------------------
    @app.exception_handler(NeedLogin)
    async def _need_login(request: Request, exc: NeedLogin) -> Response:
        if request.url.path.startswith("/api/"):
            return JSONResponse({"detail": "请先登录"}, status_code=401)
        if request.method != "GET":
            return HTMLResponse("请先登录", status_code=401)
        return RedirectResponse("/login?next=" + urllib.parse.quote(request.url.path), status_code=303)

    @app.exception_handler(CsrfError)
    async def _csrf(request: Request, exc: CsrfError) -> Response:
        return page(request, "error.html", {"message": "表单已过期或来源不明，请刷新页面后重试。"}, status=403)

    @app.exception_handler(WorkbenchError)
    async def _wb_error(request: Request, exc: WorkbenchError) -> Response:
        if request.url.path.startswith("/api/"):
            return JSONResponse({"detail": str(exc)}, status_code=exc.status)
        return page(request, "error.html", {"message": str(exc), "duplicates": getattr(exc, "duplicates", None)}, status=exc.status)

    @app.middleware("http")
    async def _headers(request: Request, call_next: Any) -> Response:
        response: Response = await call_next(request)
        response.headers["Content-Security-Policy"] = CSP
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["X-Frame-Options"] = "DENY"
        response.headers["Referrer-Policy"] = "same-origin"
        if not request.url.path.startswith("/static/"):
            response.headers["Cache-Control"] = "no-store"
        return response

    # -- login --------------------------------------------------------------------------------------------
    @app.get("/healthz")
    def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/login", response_class=HTMLResponse)
    def login_page(request: Request, next: str = "/") -> Response:
        token = secrets.token_urlsafe(24)
        resp = page(request, "login.html", {"login_csrf": token, "next": next if next.startswith("/") and not next.startswith("//") else "/"})
        resp.set_cookie(LOGIN_CSRF_COOKIE, token, httponly=True, secure=secure, samesite="strict", max_age=3600)
        return resp

    @app.post("/login")
    async def login(request: Request) -> Response:
        form = await request.form()
        sent, cookie = str(form.get("csrf_token") or ""), request.cookies.get(LOGIN_CSRF_COOKIE) or ""
        if not sent or not cookie or not hmac.compare_digest(sent, cookie):
            return page(request, "error.html", {"message": "登录页面已过期，请刷新后重试。"}, status=403)
        ip = request.client.host if request.client else "unknown"
        nxt = str(form.get("next") or "/")
        if not nxt.startswith("/") or nxt.startswith("//"):
            nxt = "/"
        try:
            token, _ = wb.login(str(form.get("username") or "").strip(), str(form.get("password") or ""), ip)
        except WorkbenchError as exc:
            new = secrets.token_urlsafe(24)
            resp = page(request, "login.html", {"error": str(exc), "login_csrf": new, "next": nxt}, status=exc.status)
            resp.set_cookie(LOGIN_CSRF_COOKIE, new, httponly=True, secure=secure, samesite="strict", max_age=3600)
            return resp
        resp = RedirectResponse(nxt, status_code=303)
        resp.set_cookie(SESSION_COOKIE, token, httponly=True, secure=secure, samesite="lax",
                        max_age=wb.settings.session_hours * 3600)
        resp.delete_cookie(LOGIN_CSRF_COOKIE)
        return resp

    @app.post("/logout")
    def logout(request: Request, actor: Actor = Depends(scope), form: dict = Depends(csrf)) -> Response:
        wb.logout(request.cookies.get(SESSION_COOKIE, ""))
        resp = RedirectResponse("/login", status_code=303)
        resp.delete_cookie(SESSION_COOKIE)
        return resp

    # -- home ----------------------------------------------------------------------------------------------
    @app.get("/", response_class=HTMLResponse)
    def home(request: Request, actor: Actor = Depends(scope)) -> Response:
        pending = wb.list_leads(actor, page=1, size=20) if actor.role != C.ADMIN else None
        waiting = None
        if actor.role == C.COUNTY:
            waiting = [x for x in wb.list_leads(actor, size=200).rows if x.route_status == C.ROUTE_PENDING]
        overdue = wb.list_leads(actor, overdue=True, size=20) if actor.role != C.ADMIN else None
        return page(request, "home.html", {"recent": pending, "waiting": waiting, "overdue": overdue,
                                           "snapshot": wb.current_snapshot()})

    # -- targets ---------------------------------------------------------------------------------------------
    @app.get("/targets", response_class=HTMLResponse)
    def targets(request: Request, chain: str = "", county: str = "", tag: str = "", province: str = "", q: str = "",
                page_no: int = 1, actor: Actor = Depends(scope)) -> Response:
        res = wb.list_targets(actor, chain=chain, county=county, tag=tag, province=province, q=q, page=page_no)
        return page(request, "targets.html", {"res": res, "f": {"chain": chain, "county": county, "tag": tag, "province": province, "q": q},
                                              "options": wb.target_options(), "units": wb.county_units(),
                                              "qs": urllib.parse.urlencode({"chain": chain, "county": county, "tag": tag, "province": province, "q": q})})

    @app.post("/targets/{target_id}/lead")
    def target_to_lead(target_id: int, actor: Actor = Depends(scope), form: dict = Depends(csrf)) -> Response:
        lead_id = wb.create_from_target(actor, target_id)
        return back(f"/leads/{lead_id}", "已加入项目库")

    # -- firm and county pages ----------------------------------------------------------------------------------
    @app.get("/firms/{firm_id}", response_class=HTMLResponse)
    def firm(request: Request, firm_id: str, actor: Actor = Depends(scope)) -> Response:
        return page(request, "firm.html", {"d": wb.firm_page(actor, firm_id), "firm_id": firm_id})

    @app.get("/counties/{code}", response_class=HTMLResponse)
    def county(request: Request, code: str, actor: Actor = Depends(scope)) -> Response:
        return page(request, "county.html", {"d": wb.county_page(actor, code)})

    # -- leads ---------------------------------------------------------------------------------------------------
    @app.get("/leads", response_class=HTMLResponse)
    def leads(request: Request, stage: str = "", unit: str = "", q: str = "", overdue: str = "", page_no: int = 1,
              actor: Actor = Depends(scope)) -> Response:
        res = wb.list_leads(actor, stage=stage, unit=unit, q=q, overdue=bool(overdue), page=page_no)
        from matcher.workbench.models import utcnow

        now = utcnow()
        flags = {x.id: wb.overdue_flags(x, now) for x in res.rows}
        qs = urllib.parse.urlencode({"stage": stage, "unit": unit, "q": q, "overdue": overdue})
        return page(request, "leads.html", {"res": res, "flags": flags, "units": wb.county_units(),
                                            "f": {"stage": stage, "unit": unit, "q": q, "overdue": overdue}, "qs": qs})

    def _lead_filters(stage: str, unit: str, q: str, overdue: str) -> dict[str, Any]:
        return {"stage": stage, "unit": unit, "q": q, "overdue": bool(overdue)}

    @app.get("/leads/export.xlsx")
    def leads_xlsx(stage: str = "", unit: str = "", q: str = "", overdue: str = "", actor: Actor = Depends(scope)) -> Response:
        rows = R.lead_export_rows(wb, actor, **_lead_filters(stage, unit, q, overdue))
        buf = io.BytesIO()
        wbk = R.workbook(buf)
        R.write_sheet(wbk, "项目库", [h for _, h in R.LEAD_EXPORT_COLUMNS], rows, [10, 30, 30, 20, 10, 10, 12, 10, 10, 14] + [14] * 11,
                      title=f"{wb.settings.city}招商项目库（导出时间 {fmt_time(dt.datetime.now(dt.UTC).replace(tzinfo=None))}）")
        wbk.close()
        return _download(buf.getvalue(), "项目库.xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")

    @app.get("/leads/export.csv")
    def leads_csv(stage: str = "", unit: str = "", q: str = "", overdue: str = "", actor: Actor = Depends(scope)) -> Response:
        rows = R.lead_export_rows(wb, actor, **_lead_filters(stage, unit, q, overdue))
        return _download(R.write_csv(rows, [h for _, h in R.LEAD_EXPORT_COLUMNS]), "项目库.csv", "text/csv; charset=utf-8")

    @app.get("/leads/new", response_class=HTMLResponse)
    def lead_new_page(request: Request, actor: Actor = Depends(scope)) -> Response:
        if actor.role not in (C.DISPATCHER, C.COUNTY):
            raise Forbidden("您的角色不能录入项目")
        return page(request, "lead_new.html", {})

    @app.get("/leads/match", response_class=HTMLResponse)
    def lead_match(request: Request, firm_name: str = "", actor: Actor = Depends(scope)) -> Response:
        """Firm-master candidates and existing leads for a typed name (an htmx fragment)."""
        if actor.role not in (C.DISPATCHER, C.COUNTY):
            raise Forbidden("您的角色不能录入项目")
        cands = wb.link.match_name(firm_name, top=5) if firm_name.strip() else None
        dups = []
        if cands is not None and len(cands):
            for fid in cands["firm_id"].tolist():
                dups += wb.duplicates(actor, fid, "")
        if firm_name.strip():
            dups += wb.duplicates(actor, None, firm_name.strip())
        return page(request, "_match.html", {"cands": cands, "dups": dups, "typed": firm_name})

    @app.post("/leads/new")
    def lead_new(request: Request, actor: Actor = Depends(scope), form: dict = Depends(csrf)) -> Response:
        try:
            lead_id = wb.create_manual(actor, form)
        except DuplicateLead as exc:
            return page(request, "lead_new.html", {"error": str(exc), "duplicates": exc.duplicates, "form": form}, status=409)
        return back(f"/leads/{lead_id}", "已录入")

    @app.get("/leads/{lead_id}", response_class=HTMLResponse)
    def lead(request: Request, lead_id: int, msg: str = "", actor: Actor = Depends(scope)) -> Response:
        d = wb.lead_detail(actor, lead_id)
        return page(request, "lead.html", {"d": d, "l": d["lead"], "msg": msg, "units": wb.county_units(),
                                           "moves": C.allowed_moves(d["lead"].stage), "card": wb.card})

    def _lead_post(lead_id: int, fn: Any, msg: str) -> Response:
        fn()
        return back(f"/leads/{lead_id}", msg)

    @app.post("/leads/{lead_id}/edit")
    def lead_edit(lead_id: int, actor: Actor = Depends(scope), form: dict = Depends(csrf)) -> Response:
        return _lead_post(lead_id, lambda: wb.update_lead(actor, lead_id, form.get("version"), form), "已保存")

    @app.post("/leads/{lead_id}/route")
    def lead_route(lead_id: int, actor: Actor = Depends(scope), form: dict = Depends(csrf)) -> Response:
        return _lead_post(lead_id, lambda: wb.route(actor, lead_id, form.get("version"), str(form.get("unit_code") or ""),
                                                    str(form.get("note") or "")), "已推送")

    @app.post("/leads/{lead_id}/accept")
    def lead_accept(lead_id: int, actor: Actor = Depends(scope), form: dict = Depends(csrf)) -> Response:
        return _lead_post(lead_id, lambda: wb.accept(actor, lead_id, form.get("version")), "已接收")

    @app.post("/leads/{lead_id}/return")
    def lead_return(lead_id: int, actor: Actor = Depends(scope), form: dict = Depends(csrf)) -> Response:
        wb.return_lead(actor, lead_id, form.get("version"), str(form.get("reason") or ""))
        return back("/leads", "已退回市投促局")

    @app.post("/leads/{lead_id}/stage")
    def lead_stage(lead_id: int, actor: Actor = Depends(scope), form: dict = Depends(csrf)) -> Response:
        return _lead_post(lead_id, lambda: wb.move_stage(actor, lead_id, form.get("version"), form, form.get("file")), "环节已更新")

    @app.post("/leads/{lead_id}/progress")
    def lead_progress(lead_id: int, actor: Actor = Depends(scope), form: dict = Depends(csrf)) -> Response:
        return _lead_post(lead_id, lambda: wb.add_progress(actor, lead_id, form.get("version"), form, form.get("file")), "进展已记录")

    @app.post("/leads/{lead_id}/comment")
    def lead_comment(lead_id: int, actor: Actor = Depends(scope), form: dict = Depends(csrf)) -> Response:
        return _lead_post(lead_id, lambda: wb.comment(actor, lead_id, str(form.get("note") or "")), "已发表")

    @app.get("/leads/{lead_id}/review", response_class=HTMLResponse)
    def lead_review_page(request: Request, lead_id: int, actor: Actor = Depends(scope)) -> Response:
        lead = wb.get_lead(actor, lead_id)
        return page(request, "review.html", {"l": lead, "card": wb.card})

    @app.post("/leads/{lead_id}/review")
    def lead_review(lead_id: int, actor: Actor = Depends(scope), form: dict = Depends(csrf)) -> Response:
        total, conclusion = wb.review(actor, lead_id, form.get("version"), form)
        return back(f"/leads/{lead_id}", f"预审完成：{total:g} 分，{conclusion}")

    @app.get("/files/{file_id}")
    def file(file_id: int, actor: Actor = Depends(scope)) -> Response:
        f = wb.get_file(actor, file_id)
        return _download(f.content, f.filename, "application/octet-stream")

    # -- reports ---------------------------------------------------------------------------------------------------
    def _report_day(day: str) -> dt.date | None:
        try:
            return dt.date.fromisoformat(day) if day else None
        except ValueError:
            return None

    @app.get("/reports", response_class=HTMLResponse)
    def reports(request: Request, period: str = "week", day: str = "", actor: Actor = Depends(scope)) -> Response:
        if period not in R.PERIODS:
            period = "week"
        rep = R.build_report(wb, actor, period, _report_day(day))
        return page(request, "reports.html", {"rep": rep, "period": period, "day": day, "cols": R.SUMMARY_COLUMNS})

    @app.get("/reports/export.xlsx")
    def reports_xlsx(period: str = "week", day: str = "", actor: Actor = Depends(scope)) -> Response:
        if period not in R.PERIODS:
            period = "week"
        rep = R.build_report(wb, actor, period, _report_day(day))
        buf = io.BytesIO()
        R.report_xlsx(rep, wb.settings.city, buf)
        return _download(buf.getvalue(), f"{R.PERIODS[period]}_{rep['period'].start.isoformat()}.xlsx",
                         "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")

    # -- administration --------------------------------------------------------------------------------------------
    @app.get("/admin/users", response_class=HTMLResponse)
    def users(request: Request, msg: str = "", actor: Actor = Depends(scope)) -> Response:
        return page(request, "users.html", {"users": wb.list_users(actor), "units": wb.county_units(), "msg": msg})

    @app.post("/admin/users")
    def users_add(actor: Actor = Depends(scope), form: dict = Depends(csrf)) -> Response:
        wb.add_user(actor, str(form.get("username") or ""), str(form.get("display_name") or ""), str(form.get("password") or ""),
                    str(form.get("role") or ""), str(form.get("unit_code") or "") or None)
        return back("/admin/users", "已添加用户")

    @app.post("/admin/users/{username}/active")
    def users_active(username: str, actor: Actor = Depends(scope), form: dict = Depends(csrf)) -> Response:
        wb.set_active(actor, username, str(form.get("active")) == "1")
        return back("/admin/users", "已更新")

    @app.get("/admin/audit", response_class=HTMLResponse)
    def audit_page(request: Request, entity: str = "", entity_id: str = "", actor: Actor = Depends(scope)) -> Response:
        return page(request, "audit.html", {"rows": wb.audit_log(actor, entity=entity, entity_id=entity_id)})

    # -- JSON API (the same scope) -------------------------------------------------------------------------------------
    def lead_json(x: Any) -> dict[str, Any]:
        return {"id": x.id, "firm_id": x.firm_id, "firm_name": x.firm_name, "project_name": x.project_name,
                "unit_code": x.unit_code, "route_status": x.route_status, "stage": x.stage,
                "stage_date": x.stage_date.isoformat() if x.stage_date else None, "version": x.version,
                "contract_amount_wan": x.contract_amount_wan}

    @app.get("/api/leads")
    def api_leads(stage: str = "", q: str = "", page_no: int = 1, actor: Actor = Depends(scope)) -> dict[str, Any]:
        res = wb.list_leads(actor, stage=stage, q=q, page=page_no)
        return {"total": res.total, "page": res.page, "leads": [lead_json(x) for x in res.rows]}

    @app.get("/api/leads/{lead_id}")
    def api_lead(lead_id: int, actor: Actor = Depends(scope)) -> dict[str, Any]:
        return lead_json(wb.get_lead(actor, lead_id))

    return app


def _download(content: bytes, filename: str, media_type: str) -> Response:
    quoted = urllib.parse.quote(filename)
    return Response(content, media_type=media_type, headers={
        "Content-Disposition": f"attachment; filename=\"download\"; filename*=UTF-8''{quoted}"})


def build(settings: C.Settings, link: MatcherLink | None = None, *, pool: bool = True) -> tuple[FastAPI, Workbench]:
    """The app for ``settings`` (``link`` defaults to :class:`~matcher.workbench.link.WorkdirLink`)."""
    if link is None:
        from matcher.workbench.link import WorkdirLink

        link = WorkdirLink(settings.data_dir, settings.workdir)
    wb = Workbench(Database(settings.database_url(), pool=pool), link, settings)
    return create_app(wb), wb
