"""Leads: the home page, the lead list, entry (with the firm-master match and duplicates), the lead page,
routing (精准推送), accept/return, pre-review (预审评估), stage moves, progress, comments and attached files.

``/leads/new`` and ``/leads/match`` come before ``/leads/{lead_id}`` (routes match in order).
"""

from __future__ import annotations

import urllib.parse

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from matcher.workbench import config as C
from matcher.workbench.models import utcnow
from matcher.workbench.services import Actor, DuplicateLead, Forbidden
from matcher.workbench.web.deps import Form, Scope, Wb, back, download, page

router = APIRouter()


@router.get("/", response_class=HTMLResponse)
def home(request: Request, wb: Wb, actor: Scope) -> Response:
    pending = wb.list_leads(actor, page=1, size=20) if actor.role != C.ADMIN else None
    waiting = None
    if actor.role == C.COUNTY:
        waiting = [x for x in wb.list_leads(actor, size=200).rows if x.route_status == C.ROUTE_PENDING]
    overdue = wb.list_leads(actor, overdue=True, size=20) if actor.role != C.ADMIN else None
    return page(request, "home.html", {"recent": pending, "waiting": waiting, "overdue": overdue,
                                       "snapshot": wb.current_snapshot()})


@router.get("/leads", response_class=HTMLResponse)
def leads(request: Request, wb: Wb, actor: Scope, stage: str = "", unit: str = "", q: str = "", overdue: str = "",
          page_no: int = 1) -> Response:
    res = wb.list_leads(actor, stage=stage, unit=unit, q=q, overdue=bool(overdue), page=page_no)
    now = utcnow()
    flags = {x.id: wb.overdue_flags(x, now) for x in res.rows}
    f = {"stage": stage, "unit": unit, "q": q, "overdue": overdue}
    return page(request, "leads.html", {"res": res, "flags": flags, "units": wb.county_units(), "f": f,
                                        "qs": urllib.parse.urlencode(f)})


def _may_enter(actor: Actor) -> None:
    if actor.role not in (C.DISPATCHER, C.COUNTY):
        raise Forbidden("您的角色不能录入项目")


@router.get("/leads/new", response_class=HTMLResponse)
def lead_new_page(request: Request, actor: Scope) -> Response:
    _may_enter(actor)
    return page(request, "lead_new.html", {})


@router.get("/leads/match", response_class=HTMLResponse)
def lead_match(request: Request, wb: Wb, actor: Scope, firm_name: str = "") -> Response:
    """Firm-master candidates and existing leads for a typed name (an htmx fragment)."""
    _may_enter(actor)
    cands = wb.link.match_name(firm_name, top=5) if firm_name.strip() else None
    dups = []
    if cands is not None and len(cands):
        for fid in cands["firm_id"].tolist():
            dups += wb.duplicates(actor, fid, "")
    if firm_name.strip():
        dups += wb.duplicates(actor, None, firm_name.strip())
    return page(request, "_match.html", {"cands": cands, "dups": dups, "typed": firm_name})


@router.post("/leads/new")
def lead_new(request: Request, wb: Wb, actor: Scope, form: Form) -> Response:
    try:
        lead_id = wb.create_manual(actor, form)
    except DuplicateLead as exc:
        return page(request, "lead_new.html", {"error": str(exc), "duplicates": exc.duplicates, "form": form}, status=409)
    return back(f"/leads/{lead_id}", "已录入")


@router.get("/leads/{lead_id}", response_class=HTMLResponse)
def lead(request: Request, lead_id: int, wb: Wb, actor: Scope, msg: str = "") -> Response:
    d = wb.lead_detail(actor, lead_id)
    return page(request, "lead.html", {"d": d, "l": d["lead"], "msg": msg, "units": wb.county_units(),
                                       "moves": C.allowed_moves(d["lead"].stage), "card": wb.card})


@router.post("/leads/{lead_id}/edit")
def lead_edit(lead_id: int, wb: Wb, actor: Scope, form: Form) -> Response:
    wb.update_lead(actor, lead_id, form.get("version"), form)
    return back(f"/leads/{lead_id}", "已保存")


@router.post("/leads/{lead_id}/route")
def lead_route(lead_id: int, wb: Wb, actor: Scope, form: Form) -> Response:
    wb.route(actor, lead_id, form.get("version"), str(form.get("unit_code") or ""), str(form.get("note") or ""))
    return back(f"/leads/{lead_id}", "已推送")


@router.post("/leads/{lead_id}/accept")
def lead_accept(lead_id: int, wb: Wb, actor: Scope, form: Form) -> Response:
    wb.accept(actor, lead_id, form.get("version"))
    return back(f"/leads/{lead_id}", "已接收")


@router.post("/leads/{lead_id}/return")
def lead_return(lead_id: int, wb: Wb, actor: Scope, form: Form) -> Response:
    wb.return_lead(actor, lead_id, form.get("version"), str(form.get("reason") or ""))
    return back("/leads", "已退回市投促局")


@router.post("/leads/{lead_id}/stage")
def lead_stage(lead_id: int, wb: Wb, actor: Scope, form: Form) -> Response:
    wb.move_stage(actor, lead_id, form.get("version"), form, form.get("file"))
    return back(f"/leads/{lead_id}", "环节已更新")


@router.post("/leads/{lead_id}/progress")
def lead_progress(lead_id: int, wb: Wb, actor: Scope, form: Form) -> Response:
    wb.add_progress(actor, lead_id, form.get("version"), form, form.get("file"))
    return back(f"/leads/{lead_id}", "进展已记录")


@router.post("/leads/{lead_id}/comment")
def lead_comment(lead_id: int, wb: Wb, actor: Scope, form: Form) -> Response:
    wb.comment(actor, lead_id, str(form.get("note") or ""))
    return back(f"/leads/{lead_id}", "已发表")


@router.get("/leads/{lead_id}/review", response_class=HTMLResponse)
def lead_review_page(request: Request, lead_id: int, wb: Wb, actor: Scope) -> Response:
    return page(request, "review.html", {"l": wb.get_lead(actor, lead_id), "card": wb.card})


@router.post("/leads/{lead_id}/review")
def lead_review(lead_id: int, wb: Wb, actor: Scope, form: Form) -> Response:
    total, conclusion = wb.review(actor, lead_id, form.get("version"), form)
    return back(f"/leads/{lead_id}", f"预审完成：{total:g} 分，{conclusion}")


@router.get("/files/{file_id}")
def file(file_id: int, wb: Wb, actor: Scope) -> Response:
    f = wb.get_file(actor, file_id)
    return download(f.content, f.filename, "application/octet-stream")
