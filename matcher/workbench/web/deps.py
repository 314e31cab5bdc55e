"""The dependencies every route declares, and the responses they build.

Security lives here, not in templates:

- :func:`scope` is a dependency of every route except the login page and the health check: it resolves
  the session cookie to an :class:`~matcher.workbench.services.Actor` (role and unit) and every service
  call filters by it (``actor: Scope``);
- :func:`csrf` is a dependency of every POST (``form: Form``): the form's ``csrf_token`` (or the
  ``X-CSRF-Token`` header) must equal the session's token; it yields the submitted form;
- :func:`workbench` hands a route the app's :class:`~matcher.workbench.services.Workbench`
  (``wb: Wb``, kept in ``app.state``), so routers are plain modules with no closure over the app.
"""

from __future__ import annotations

import hmac
import urllib.parse
from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from matcher.workbench.services import Actor, Workbench

SESSION_COOKIE = "wb_session"
LOGIN_CSRF_COOKIE = "wb_login_csrf"


class NeedLogin(Exception):
    pass


class CsrfError(Exception):
    pass


async def workbench(request: Request) -> Workbench:
    """The app's workbench (``app.state.wb``, set by :func:`~matcher.workbench.web.app.create_app`)."""
    return request.app.state.wb


def session_of(request: Request) -> tuple[Actor, str]:
    """The session cookie's actor and CSRF token (:class:`NeedLogin` when there is no live session)."""
    got = request.app.state.wb.session(request.cookies.get(SESSION_COOKIE))
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


Wb = Annotated[Workbench, Depends(workbench)]
Scope = Annotated[Actor, Depends(scope)]
Form = Annotated[dict[str, Any], Depends(csrf)]


def page(request: Request, name: str, ctx: dict[str, Any], status: int = 200) -> HTMLResponse:
    """A rendered template, with the actor, the session's CSRF token and the unit names in its context."""
    state = request.app.state
    ctx = {"actor": getattr(request.state, "actor", None), "csrf": getattr(request.state, "csrf", ""),
           "unit_name": state.wb.unit_name, "request": request} | ctx
    return state.templates.TemplateResponse(request, name, ctx, status_code=status)


def back(url: str, msg: str = "") -> RedirectResponse:
    """303 to ``url`` with ``msg`` shown there."""
    if msg:
        url += ("&" if "?" in url else "?") + "msg=" + urllib.parse.quote(msg)
    return RedirectResponse(url, status_code=303)


def download(content: bytes, filename: str, media_type: str) -> Response:
    """An attachment named ``filename`` (UTF-8, RFC 5987)."""
    quoted = urllib.parse.quote(filename)
    return Response(content, media_type=media_type, headers={
        "Content-Disposition": f"attachment; filename=\"download\"; filename*=UTF-8''{quoted}"})
