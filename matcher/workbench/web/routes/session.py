"""Health check, log in and log out. The login form uses a double-submit cookie (there is no session yet)."""

from __future__ import annotations

import hmac
import secrets

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from matcher.workbench.services import WorkbenchError
from matcher.workbench.web.deps import LOGIN_CSRF_COOKIE, SESSION_COOKIE, Form, Scope, Wb, page

router = APIRouter()


def _safe_next(nxt: str) -> str:
    """A local path to go to after logging in (``/`` for anything else)."""
    return nxt if nxt.startswith("/") and not nxt.startswith("//") else "/"


def _login_form(request: Request, wb: Wb, ctx: dict, status: int = 200) -> Response:
    """The login page with a fresh double-submit token (in the form and in a strict cookie)."""
    token = secrets.token_urlsafe(24)
    resp = page(request, "login.html", ctx | {"login_csrf": token}, status=status)
    resp.set_cookie(LOGIN_CSRF_COOKIE, token, httponly=True, secure=wb.settings.secure_cookies, samesite="strict",
                    max_age=3600)
    return resp


@router.get("/healthz")
def healthz() -> dict[str, str]:
    return {"status": "ok"}


@router.get("/login", response_class=HTMLResponse)
def login_page(request: Request, wb: Wb, next: str = "/") -> Response:
    return _login_form(request, wb, {"next": _safe_next(next)})


@router.post("/login")
async def login(request: Request, wb: Wb) -> Response:
    form = await request.form()
    sent, cookie = str(form.get("csrf_token") or ""), request.cookies.get(LOGIN_CSRF_COOKIE) or ""
    if not sent or not cookie or not hmac.compare_digest(sent, cookie):
        return page(request, "error.html", {"message": "登录页面已过期，请刷新后重试。"}, status=403)
    ip = request.client.host if request.client else "unknown"
    nxt = _safe_next(str(form.get("next") or "/"))
    try:
        token, _ = wb.login(str(form.get("username") or "").strip(), str(form.get("password") or ""), ip)
    except WorkbenchError as exc:
        return _login_form(request, wb, {"error": str(exc), "next": nxt}, status=exc.status)
    resp = RedirectResponse(nxt, status_code=303)
    resp.set_cookie(SESSION_COOKIE, token, httponly=True, secure=wb.settings.secure_cookies, samesite="lax",
                    max_age=wb.settings.session_hours * 3600)
    resp.delete_cookie(LOGIN_CSRF_COOKIE)
    return resp


@router.post("/logout")
def logout(request: Request, wb: Wb, actor: Scope, form: Form) -> Response:
    wb.logout(request.cookies.get(SESSION_COOKIE, ""))
    resp = RedirectResponse("/login", status_code=303)
    resp.delete_cookie(SESSION_COOKIE)
    return resp
