"""The JSON API: the same unit scope as the pages (a county user gets 404 for another unit's lead)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from matcher.workbench.web.deps import Scope, Wb

router = APIRouter(prefix="/api")


def lead_json(x: Any) -> dict[str, Any]:
    return {"id": x.id, "firm_id": x.firm_id, "firm_name": x.firm_name, "project_name": x.project_name,
            "unit_code": x.unit_code, "route_status": x.route_status, "stage": x.stage,
            "stage_date": x.stage_date.isoformat() if x.stage_date else None, "version": x.version,
            "contract_amount_wan": x.contract_amount_wan}


@router.get("/leads")
def api_leads(wb: Wb, actor: Scope, stage: str = "", q: str = "", page_no: int = 1) -> dict[str, Any]:
    res = wb.list_leads(actor, stage=stage, q=q, page=page_no)
    return {"total": res.total, "page": res.page, "leads": [lead_json(x) for x in res.rows]}


@router.get("/leads/{lead_id}")
def api_lead(lead_id: int, wb: Wb, actor: Scope) -> dict[str, Any]:
    return lead_json(wb.get_lead(actor, lead_id))
