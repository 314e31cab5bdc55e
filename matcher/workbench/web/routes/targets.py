"""Discover: the recommended targets with filters, a firm's page, a county's page, and "加入项目库"."""

from __future__ import annotations

import urllib.parse

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from matcher.workbench import maps
from matcher.workbench.web.deps import Form, Scope, Wb, back, page

router = APIRouter()


@router.get("/targets", response_class=HTMLResponse)
def targets(request: Request, wb: Wb, actor: Scope, chain: str = "", county: str = "", tag: str = "", province: str = "",
            q: str = "", page_no: int = 1) -> Response:
    f = {"chain": chain, "county": county, "tag": tag, "province": province, "q": q}
    res = wb.list_targets(actor, page=page_no, **f)
    return page(request, "targets.html", {"res": res, "f": f, "options": wb.target_options(), "units": wb.county_units(),
                                          "qs": urllib.parse.urlencode(f), "map": maps.china_map(wb, actor, f)})


@router.post("/targets/{target_id}/lead")
def target_to_lead(target_id: int, wb: Wb, actor: Scope, form: Form) -> Response:
    lead_id = wb.create_from_target(actor, target_id)
    return back(f"/leads/{lead_id}", "已加入项目库")


@router.get("/firms/{firm_id}", response_class=HTMLResponse)
def firm(request: Request, firm_id: str, wb: Wb, actor: Scope) -> Response:
    return page(request, "firm.html", {"d": wb.firm_page(actor, firm_id), "firm_id": firm_id})


@router.get("/counties/{code}", response_class=HTMLResponse)
def county(request: Request, code: str, wb: Wb, actor: Scope) -> Response:
    d = wb.county_page(actor, code)  # refuses a unit the user may not see before any map is drawn
    return page(request, "county.html", {"d": d, "map": maps.county_map(wb, actor, code)})
