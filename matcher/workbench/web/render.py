"""How pages look: the Jinja2 environment (autoescaped) and its filters, in planners' terms."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

from fastapi.templating import Jinja2Templates
from jinja2 import Undefined

from matcher.workbench import config as C
from matcher.workbench import reports as R

HERE = Path(__file__).resolve().parent

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


def fmt_num(v: Any, digits: int = 2) -> str:
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


def _audit_value(k: str, v: Any) -> str:
    if v is None:
        return ""
    if isinstance(v, bool):
        return "是" if v else "否"
    if k == "role":
        return C.ROLES.get(str(v), str(v))
    return str(v)


def fmt_audit(raw: str | None) -> str:
    """An audit row's JSON in planners' words: 字段：值；…"""
    if not raw:
        return ""
    try:
        data = json.loads(raw)
    except ValueError:
        return raw
    if not isinstance(data, dict):
        return str(data)
    return "；".join(f"{FIELD_LABELS.get(k, k)}：{_audit_value(k, v)}" for k, v in data.items())


def fmt_time(v: Any) -> str:
    if v is None:
        return ""
    if isinstance(v, dt.datetime):
        # stored in UTC; shown in China Standard Time
        return (v + dt.timedelta(hours=8)).strftime("%Y-%m-%d %H:%M")
    return str(v)


def make_templates(city: str) -> Jinja2Templates:
    """The page templates with the filters and the globals every page uses (``city`` names the city)."""
    templates = Jinja2Templates(directory=str(HERE / "templates"))
    env = templates.env
    env.filters["num"] = fmt_num
    env.filters["t"] = fmt_time
    env.filters["plain"] = fmt_plain
    env.filters["audit"] = fmt_audit
    env.globals["ENTITY_LABELS"] = ENTITY_LABELS
    env.globals.update(STAGES=C.STAGES, MAIN_STAGES=C.MAIN_STAGES, SIDE_STAGES=C.SIDE_STAGES, STAGE_LABELS=C.STAGE_LABELS,
                       ROLES=C.ROLES, CAPITAL_TYPES=C.CAPITAL_TYPES, city=city, C=C, PERIODS=R.PERIODS)
    return templates
