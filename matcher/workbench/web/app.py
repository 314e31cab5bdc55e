"""The workbench's web application: FastAPI with server-rendered pages (Jinja2, autoescaped; htmx vendored
for the name lookup).

:func:`create_app` puts the :class:`~matcher.workbench.services.Workbench` and the templates in ``app.state``,
installs the error handlers and the security headers, and mounts one router per area
(:mod:`matcher.workbench.web.routes`). Security on every route, not in templates
(:mod:`matcher.workbench.web.deps`):

- :func:`~matcher.workbench.web.deps.scope` is a dependency of every route except the login page, the health
  check and static files: it resolves the session cookie to an :class:`~matcher.workbench.services.Actor`
  (role and unit) and every service call filters by it;
- :func:`~matcher.workbench.web.deps.csrf` is a dependency of every POST: the form's ``csrf_token`` (or the
  ``X-CSRF-Token`` header) must equal the session's token; the login form uses a double-submit cookie;
- cookies are HttpOnly, SameSite=Lax and Secure (setting ``secure_cookies``); responses carry a strict
  Content-Security-Policy (no inline script), ``X-Frame-Options: DENY`` and ``nosniff``.
"""

from __future__ import annotations

import urllib.parse
from importlib import resources
from typing import Any

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from fastapi.routing import APIRoute
from fastapi.staticfiles import StaticFiles

from matcher.workbench import config as C
from matcher.workbench.db import Database, upgrade
from matcher.workbench.link import MatcherLink
from matcher.workbench.services import Workbench, WorkbenchError
from matcher.workbench.web.deps import CsrfError, NeedLogin, page
from matcher.workbench.web.render import HERE, make_templates
from matcher.workbench.web.routes import admin, api, exports, leads, session, targets

CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
       "frame-ancestors 'none'; form-action 'self'; base-uri 'none'; object-src 'none'")
#: in matching order: exports' ``/leads/export.*`` before leads' ``/leads/{lead_id}``
ROUTERS = (session.router, targets.router, exports.router, leads.router, admin.router, api.router)


async def need_login(request: Request, exc: NeedLogin) -> Response:
    """No session: 401 for the API and for forms, a redirect to the login page (and back) for pages."""
    if request.url.path.startswith("/api/"):
        return JSONResponse({"detail": "请先登录"}, status_code=401)
    if request.method != "GET":
        return HTMLResponse("请先登录", status_code=401)
    return RedirectResponse("/login?next=" + urllib.parse.quote(request.url.path), status_code=303)


async def csrf_failed(request: Request, exc: CsrfError) -> Response:
    return page(request, "error.html", {"message": "表单已过期或来源不明，请刷新页面后重试。"}, status=403)


async def workbench_error(request: Request, exc: WorkbenchError) -> Response:
    """A refused action (forbidden, not found, conflict, duplicate …) with its status, as JSON or a page."""
    if request.url.path.startswith("/api/"):
        return JSONResponse({"detail": str(exc)}, status_code=exc.status)
    return page(request, "error.html", {"message": str(exc), "duplicates": getattr(exc, "duplicates", None)}, status=exc.status)


async def security_headers(request: Request, call_next: Any) -> Response:
    response: Response = await call_next(request)
    response.headers["Content-Security-Policy"] = CSP
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["X-Frame-Options"] = "DENY"
    response.headers["Referrer-Policy"] = "same-origin"
    if not request.url.path.startswith(("/static/", "/assets/")):
        response.headers["Cache-Control"] = "no-store"
    return response


def mount(app: FastAPI, router: APIRouter) -> None:
    """Add ``router``'s routes to ``app`` itself, in order: ``app.routes`` stays a flat list of :class:`APIRoute`.

    ``app.include_router`` copied routes so before FastAPI 0.137; since then it keeps the router as one node
    of a tree, and ``app.routes`` no longer shows the routes, their paths or their dependencies (the
    access-control matrix reads them there to prove every route has its unit scope and every form its CSRF
    check). The routes use only path, methods, response class and name; dependencies are in the endpoints'
    signatures, so the copy is the same route.
    """
    for route in router.routes:
        if not isinstance(route, APIRoute):
            raise TypeError(f"{route!r}: only path operations can be mounted")
        app.add_api_route(route.path, route.endpoint, methods=sorted(route.methods), response_class=route.response_class,
                          name=route.name)


def create_app(wb: Workbench, *, migrate: bool = True, import_targets: bool = True) -> FastAPI:
    """The web application over a :class:`Workbench` (migrations run and units/targets imported at start)."""
    if migrate:
        upgrade(wb.db)
    wb.ensure_units()
    if import_targets and wb.current_snapshot() is None:
        wb.import_targets(None)

    app = FastAPI(title="招商项目工作台", docs_url=None, redoc_url=None, openapi_url=None)
    app.state.wb = wb
    app.state.templates = make_templates(wb.settings.city)
    app.add_exception_handler(NeedLogin, need_login)
    app.add_exception_handler(CsrfError, csrf_failed)
    app.add_exception_handler(WorkbenchError, workbench_error)
    app.middleware("http")(security_headers)
    app.mount("/static", StaticFiles(directory=str(HERE / "static")), name="static")
    # the vendored chart library and boundary data of the maps (public files, no data of the bureau)
    app.mount("/assets", StaticFiles(directory=str(resources.files("matcher.outputs").joinpath("assets"))), name="assets")
    for router in ROUTERS:
        mount(app, router)
    return app


def build(settings: C.Settings, link: MatcherLink | None = None, *, pool: bool = True) -> tuple[FastAPI, Workbench]:
    """The app for ``settings`` (``link`` defaults to :class:`~matcher.workbench.link.WorkdirLink`)."""
    if link is None:
        from matcher.workbench.link import WorkdirLink

        link = WorkdirLink(settings.data_dir, settings.workdir)
    wb = Workbench(Database(settings.database_url(), pool=pool), link, settings)
    return create_app(wb), wb
