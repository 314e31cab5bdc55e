"""Administration: users (add, enable/disable) and the audit log. The services refuse every role but admin."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from matcher.workbench.web.deps import Form, Scope, Wb, back, page

router = APIRouter(prefix="/admin")


@router.get("/users", response_class=HTMLResponse)
def users(request: Request, wb: Wb, actor: Scope, msg: str = "") -> Response:
    return page(request, "users.html", {"users": wb.list_users(actor), "units": wb.county_units(), "msg": msg})


@router.post("/users")
def users_add(wb: Wb, actor: Scope, form: Form) -> Response:
    wb.add_user(actor, str(form.get("username") or ""), str(form.get("display_name") or ""), str(form.get("password") or ""),
                str(form.get("role") or ""), str(form.get("unit_code") or "") or None)
    return back("/admin/users", "已添加用户")


@router.post("/users/{username}/active")
def users_active(username: str, wb: Wb, actor: Scope, form: Form) -> Response:
    wb.set_active(actor, username, str(form.get("active")) == "1")
    return back("/admin/users", "已更新")


@router.get("/audit", response_class=HTMLResponse)
def audit_page(request: Request, wb: Wb, actor: Scope, entity: str = "", entity_id: str = "") -> Response:
    return page(request, "audit.html", {"rows": wb.audit_log(actor, entity=entity, entity_id=entity_id)})
