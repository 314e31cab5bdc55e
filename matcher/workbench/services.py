"""Every read and write of the workbench, scoped by the user's role and unit, every change audited.

The web routes and the CLI call these functions only; none of them trusts the caller to have hidden
anything. A county user (:data:`COUNTY`) sees and changes the leads held by their unit and nothing
else: :func:`lead_scope` is applied to every lead query (lists, search, pages, exports, reports).
A lead another unit holds answers "not found" (the same as one that does not exist), so its number
leaks nothing; the one deliberate exception is the duplicate rule (a project already 在谈 or later in
another unit cannot be entered again), which tells the county user that such a project exists, without
its unit, owner or figures.

Concurrency: every change to a lead carries the version the user saw; a stale version is refused with
:class:`Conflict` (and the database's own ``version`` column refuses a race between two requests).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import secrets
import threading
from dataclasses import dataclass, field
from typing import Any

import pandas as pd
from sqlalchemy import Select, and_, func, or_, select
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from matcher.workbench import config as C
from matcher.workbench.config import Card, Deadlines, Settings
from matcher.workbench.db import Database
from matcher.workbench.link import MatcherLink, conform_targets
from matcher.workbench.models import (
    Audit,
    Lead,
    LeadEvent,
    LoginAttempt,
    Review,
    StoredFile,
    Target,
    TargetSnapshot,
    Unit,
    User,
    WebSession,
    utcnow,
)


# ---------------------------------------------------------------------------------------------------
# errors (the web layer maps them to status codes; messages are for planners)
# ---------------------------------------------------------------------------------------------------
class WorkbenchError(Exception):
    status = 400


class Invalid(WorkbenchError):
    status = 400


class Forbidden(WorkbenchError):
    status = 403


class NotFound(WorkbenchError):
    status = 404


class Conflict(WorkbenchError):
    status = 409


class Throttled(WorkbenchError):
    status = 429


class DuplicateLead(Invalid):
    def __init__(self, message: str, duplicates: list[dict[str, Any]]) -> None:
        super().__init__(message)
        self.duplicates = duplicates


CONFLICT_MESSAGE = "保存未成功：该项目在您打开之后已被他人修改（{who}，{when}）。请刷新页面查看最新内容后重新填写。"


@dataclass(frozen=True)
class Actor:
    id: int
    username: str
    display_name: str
    role: str
    unit_code: str | None

    @property
    def reads_all(self) -> bool:
        return self.role in (C.DISPATCHER, C.LEADER, C.ADMIN)


@dataclass
class Page:
    rows: list[Any]
    total: int
    page: int
    size: int
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.size))


# ---------------------------------------------------------------------------------------------------
# password hashing (argon2id)
# ---------------------------------------------------------------------------------------------------
def _hasher() -> Any:
    from argon2 import PasswordHasher

    return PasswordHasher()


def hash_password(password: str) -> str:
    if len(password) < 8:
        raise Invalid("密码至少 8 位")
    return str(_hasher().hash(password))


def verify_password(stored: str, password: str) -> bool:
    from argon2.exceptions import InvalidHashError, VerificationError

    try:
        return bool(_hasher().verify(stored, password))
    except (VerificationError, InvalidHashError):
        return False


_DUMMY_HASH: str | None = None


def _dummy_verify(password: str) -> None:
    """Spend the same time on an unknown user name as on a wrong password."""
    global _DUMMY_HASH
    if _DUMMY_HASH is None:
        _DUMMY_HASH = hash_password("not-a-real-password")
    verify_password(_DUMMY_HASH, password)


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


# ---------------------------------------------------------------------------------------------------
# audit
# ---------------------------------------------------------------------------------------------------
LEAD_AUDIT_FIELDS = [
    "firm_id", "firm_name", "project_name", "unit_code", "route_status", "return_reason", "stage", "stage_date",
    "owner_name", "leader_name", "capital_type", "amount_wan", "fixed_investment_wan", "land_mu", "jobs",
    "expected_tax_wan", "contract_amount_wan", "paid_in_wan", "notes", "review_conclusion", "version",
]


def _jsonable(v: Any) -> Any:
    if isinstance(v, dt.datetime | dt.date):
        return v.isoformat()
    return v


def lead_dict(lead: Lead) -> dict[str, Any]:
    return {k: _jsonable(getattr(lead, k)) for k in LEAD_AUDIT_FIELDS}


def audit(s: Session, actor: Actor | None, action: str, entity: str, entity_id: Any,
          before: dict[str, Any] | None, after: dict[str, Any] | None) -> None:
    s.add(Audit(
        at=utcnow(), user_id=actor.id if actor else None, username=actor.username if actor else "系统",
        action=action, entity=entity, entity_id=str(entity_id),
        before_json=json.dumps(before, ensure_ascii=False) if before is not None else None,
        after_json=json.dumps(after, ensure_ascii=False) if after is not None else None,
    ))


# ---------------------------------------------------------------------------------------------------
# form values
# ---------------------------------------------------------------------------------------------------
def _num(v: Any, name: str, *, integer: bool = False) -> float | int | None:
    if v is None or (isinstance(v, str) and not v.strip()):
        return None
    try:
        x = float(str(v).replace(",", "").strip())
    except ValueError:
        raise Invalid(f"“{name}”应填数字") from None
    if x < 0 or x != x or x in (float("inf"),):
        raise Invalid(f"“{name}”不能为负数")
    return int(x) if integer else x


def _text(v: Any, name: str, max_len: int = 2000, required: bool = False) -> str | None:
    if v is None:
        v = ""
    v = str(v).replace("\x00", "").strip()
    if required and not v:
        raise Invalid(f"请填写“{name}”")
    if len(v) > max_len:
        raise Invalid(f"“{name}”不能超过 {max_len} 字")
    return v or None


def _date(v: Any, name: str, default: dt.date | None = None) -> dt.date:
    if v is None or (isinstance(v, str) and not v.strip()):
        if default is None:
            raise Invalid(f"请填写“{name}”")
        return default
    if isinstance(v, dt.date):
        return v
    try:
        return dt.date.fromisoformat(str(v).strip())
    except ValueError:
        raise Invalid(f"“{name}”应为日期（例如 2026-03-01）") from None


AMOUNT_FIELDS: dict[str, str] = {
    "amount_wan": "项目总投资（万元）", "fixed_investment_wan": "固定资产投资（万元）", "land_mu": "用地（亩）",
    "jobs": "带动就业（人）", "expected_tax_wan": "预计年税收（万元）", "contract_amount_wan": "合同额（万元）",
    "paid_in_wan": "本次到位资金（万元）",
}


def _amounts(form: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for k, label in AMOUNT_FIELDS.items():
        if k in form:
            out[k] = _num(form.get(k), label, integer=(k == "jobs"))
    if "capital_type" in form:
        ct = _text(form.get("capital_type"), "资金来源", 10)
        if ct is not None and ct not in C.CAPITAL_TYPES:
            raise Invalid("资金来源应为“内资”或“外资”")
        out["capital_type"] = ct
    return out


# ---------------------------------------------------------------------------------------------------
# the service
# ---------------------------------------------------------------------------------------------------
class Workbench:
    """The workbench's operations over one database and one :class:`MatcherLink`."""

    def __init__(self, db: Database, link: MatcherLink, settings: Settings,
                 deadlines: Deadlines | None = None, card: Card | None = None) -> None:
        self.db = db
        self.link = link
        self.settings = settings
        self.deadlines = deadlines or C.load_deadlines()
        self.card = card or C.load_card()
        self._unit_names: dict[str, str] | None = None
        self._geography: pd.DataFrame | None = None
        self._export_lock = threading.Lock()

    # -- units ------------------------------------------------------------------------------------
    def ensure_units(self) -> None:
        """Units of the city (from the link) and the city bureau itself, added when missing."""
        city_code = self.link.city_code(self.settings.city)
        units = self.link.units(self.settings.city)
        with self.db.writer() as s:
            have = set(s.scalars(select(Unit.code)))
            if city_code not in have:
                s.add(Unit(code=city_code, name=f"{self.settings.city.removesuffix('市')}市投资促进局", kind="city"))
            for code, name in zip(units["county_code"].astype(str), units["county_name"].astype(str), strict=True):
                if code not in have:
                    s.add(Unit(code=code, name=name, kind="county"))
        self._unit_names = None

    def unit_names(self) -> dict[str, str]:
        if self._unit_names is None:
            with self.db.reader() as s:
                self._unit_names = {u.code: u.name for u in s.scalars(select(Unit).order_by(Unit.code))}
        return self._unit_names

    def city_code(self) -> str:
        """The city's code (stored with the units, so that reports and exports need not ask the link)."""
        with self.db.reader() as s:
            code = s.scalar(select(Unit.code).where(Unit.kind == "city").limit(1))
        return code or self.link.city_code(self.settings.city)

    def county_units(self) -> list[tuple[str, str]]:
        with self.db.reader() as s:
            return [(u.code, u.name) for u in s.scalars(select(Unit).where(Unit.kind == "county").order_by(Unit.code))]

    def unit_name(self, code: str | None) -> str:
        if not code:
            return "市本级（未分派）"
        return self.unit_names().get(code, code)

    # -- users and sessions ---------------------------------------------------------------------------
    def add_user(self, actor: Actor | None, username: str, display_name: str, password: str, role: str,
                 unit_code: str | None = None) -> int:
        if actor is not None and actor.role != C.ADMIN:
            raise Forbidden("只有系统管理员可以管理用户")
        username = _text(username, "用户名", 64, required=True) or ""
        if not username.replace("_", "").replace("-", "").replace(".", "").isalnum():
            raise Invalid("用户名只能包含字母、数字、下划线、点和连字符")
        if role not in C.ROLES:
            raise Invalid(f"角色应为：{'、'.join(C.ROLES.values())}")
        if role == C.COUNTY:
            if not unit_code or unit_code not in self.unit_names():
                raise Invalid("县区/园区用户须指定所属单位")
        else:
            unit_code = None
        ph = hash_password(password)
        with self.db.writer() as s:
            if s.scalar(select(User.id).where(User.username == username)) is not None:
                raise Invalid(f"用户名“{username}”已存在")
            u = User(username=username, display_name=_text(display_name, "姓名", 100) or username,
                     password_hash=ph, role=role, unit_code=unit_code, active=True)
            s.add(u)
            s.flush()
            audit(s, actor, "新增用户", "user", u.id, None,
                  {"username": username, "role": role, "unit_code": unit_code, "active": True})
            return u.id

    def list_users(self, actor: Actor | None) -> list[User]:
        if actor is not None and actor.role != C.ADMIN:
            raise Forbidden("只有系统管理员可以管理用户")
        with self.db.reader() as s:
            return list(s.scalars(select(User).order_by(User.username)))

    def set_active(self, actor: Actor | None, username: str, active: bool) -> None:
        if actor is not None and actor.role != C.ADMIN:
            raise Forbidden("只有系统管理员可以管理用户")
        with self.db.writer() as s:
            u = s.scalar(select(User).where(User.username == username))
            if u is None:
                raise NotFound(f"没有用户“{username}”")
            before = {"active": u.active}
            u.active = active
            if not active:
                s.execute(WebSession.__table__.delete().where(WebSession.user_id == u.id))
            audit(s, actor, "启用用户" if active else "停用用户", "user", u.id, before, {"active": active})

    def set_password(self, actor: Actor | None, username: str, password: str) -> None:
        if actor is not None and actor.role != C.ADMIN:
            raise Forbidden("只有系统管理员可以管理用户")
        ph = hash_password(password)
        with self.db.writer() as s:
            u = s.scalar(select(User).where(User.username == username))
            if u is None:
                raise NotFound(f"没有用户“{username}”")
            u.password_hash = ph
            s.execute(WebSession.__table__.delete().where(WebSession.user_id == u.id))
            audit(s, actor, "重设密码", "user", u.id, None, {"password": "（已更改）"})

    def login(self, username: str, password: str, ip: str) -> tuple[str, str]:
        """A new session ``(token, csrf)``; raises :class:`Throttled` after too many failures for this
        user name or address within the window, :class:`Invalid` on a wrong name or password."""
        now = utcnow()
        since = now - dt.timedelta(minutes=self.settings.login_window_minutes)
        with self.db.reader() as s:
            failed = select(func.count()).select_from(LoginAttempt).where(LoginAttempt.at >= since, LoginAttempt.ok.is_(False))
            by_name = s.scalar(failed.where(LoginAttempt.username == username[:64])) or 0
            by_address = s.scalar(failed.where(LoginAttempt.ip == ip[:64])) or 0
        if by_name >= self.settings.login_max_failures or by_address >= self.settings.login_max_failures_per_address:
            raise Throttled(f"登录失败次数过多，请 {self.settings.login_window_minutes} 分钟后再试")
        with self.db.reader() as s:
            user = s.scalar(select(User).where(User.username == username))
        ok = user is not None and user.active and verify_password(user.password_hash, password)
        if user is None:
            _dummy_verify(password)
        if not ok:
            with self.db.writer() as s:
                s.add(LoginAttempt(username=username[:64], ip=ip[:64], at=now, ok=False))
            raise Invalid("用户名或密码不正确")
        assert user is not None
        with self.db.writer() as s:
            s.add(LoginAttempt(username=username[:64], ip=ip[:64], at=now, ok=True))
            token, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
            s.add(WebSession(token_hash=_token_hash(token), user_id=user.id, csrf=csrf, created_at=now,
                             expires_at=now + dt.timedelta(hours=self.settings.session_hours)))
            s.execute(WebSession.__table__.delete().where(WebSession.expires_at < now))
            audit(s, Actor(user.id, user.username, user.display_name, user.role, user.unit_code), "登录", "user", user.id, None, None)
        return token, csrf

    def session(self, token: str | None) -> tuple[Actor, str] | None:
        if not token:
            return None
        with self.db.reader() as s:
            row = s.execute(select(WebSession, User).join(User, User.id == WebSession.user_id)
                            .where(WebSession.token_hash == _token_hash(token))).first()
        if row is None:
            return None
        sess, user = row
        if sess.expires_at < utcnow() or not user.active:
            return None
        return Actor(user.id, user.username, user.display_name, user.role, user.unit_code), sess.csrf

    def logout(self, token: str) -> None:
        with self.db.writer() as s:
            s.execute(WebSession.__table__.delete().where(WebSession.token_hash == _token_hash(token)))

    # -- scope --------------------------------------------------------------------------------------
    @staticmethod
    def lead_scope(actor: Actor, stmt: Select) -> Select:
        """Restrict a query over :class:`Lead` to what ``actor`` may see."""
        if actor.reads_all:
            return stmt
        if actor.role == C.COUNTY and actor.unit_code:
            return stmt.where(Lead.unit_code == actor.unit_code)
        return stmt.where(False)

    def _visible(self, actor: Actor, lead: Lead | None) -> Lead:
        if lead is None or not (actor.reads_all or (actor.role == C.COUNTY and lead.unit_code == actor.unit_code)):
            raise NotFound("没有找到这个项目，或您无权查看")
        return lead

    def _county_allowed(self, actor: Actor, code: str | None) -> None:
        if actor.role == C.COUNTY and code != actor.unit_code:
            raise Forbidden("只能查看本单位的内容")

    # -- targets --------------------------------------------------------------------------------------
    def current_snapshot(self) -> TargetSnapshot | None:
        with self.db.reader() as s:
            return s.scalar(select(TargetSnapshot).order_by(TargetSnapshot.id.desc()).limit(1))

    def import_targets(self, actor: Actor | None = None, frame: pd.DataFrame | None = None) -> int:
        """Import the city's targets from the link as a new dated snapshot; returns its id."""
        city = self.settings.city
        t = conform_targets(self.link.targets(city) if frame is None else frame)
        records = []
        for r in t.to_dict("records"):
            rec = {k: (None if (v is None or (isinstance(v, float) and v != v) or v is pd.NA) else v) for k, v in r.items()}
            records.append({
                "rank": int(rec["rank"]) if rec["rank"] is not None else 0,
                "firm_id": str(rec["firm_id"]), "stock_code": _s(rec["stock_code"]), "name": str(rec["name"] or rec["firm_id"]),
                "legal_name": _s(rec["legal_name"]), "tags": _s(rec["tags"]), "home_province": _s(rec["home_province"]),
                "home_city": _s(rec["home_city"]), "home_region": _s(rec["home_region"]), "chain": _s(rec["chain"]), "segment": _s(rec["segment"]),
                "industry": _s(rec["industry"]), "action": _s(rec["action"]), "county_code": _s(rec["county_code"]),
                "county_name": _s(rec["county_name"]), "score": float(rec["score"]) if rec["score"] is not None else None,
                "reasons": _s(rec["reasons"]), "local_presence": _s(rec["local_presence"]), "evidence": _s(rec["evidence"]),
            })
        with self.db.writer() as s:
            snap = TargetSnapshot(city=city, city_code=self.link.city_code(city), taken_at=utcnow(),
                                  data_date=self.link.data_date() or "", n_targets=len(records))
            s.add(snap)
            s.flush()
            for i in range(0, len(records), 2000):
                s.execute(Target.__table__.insert(), [dict(r, snapshot_id=snap.id) for r in records[i:i + 2000]])
            audit(s, actor, "导入推荐目标", "target_snapshot", snap.id, None, {"n_targets": len(records), "city": city})
            return snap.id

    def target_options(self) -> dict[str, list[str]]:
        snap = self.current_snapshot()
        if snap is None:
            return {"chain": [], "province": [], "action": [], "region": []}
        with self.db.reader() as s:
            def distinct(col: Any) -> list[str]:
                return [v for v in s.scalars(select(col).where(Target.snapshot_id == snap.id, col.is_not(None)).distinct().order_by(col)) if v]
            return {"chain": distinct(Target.chain), "province": distinct(Target.home_province), "action": distinct(Target.action),
                    "region": distinct(Target.home_region)}

    def list_targets(self, actor: Actor, *, chain: str = "", county: str = "", tag: str = "", province: str = "",
                     q: str = "", page: int = 1) -> Page:
        """Targets of the current snapshot, filtered; a county user sees the targets suggested for their
        unit only."""
        snap = self.current_snapshot()
        size = self.settings.page_size
        if snap is None:
            return Page([], 0, 1, size)
        stmt = self._target_query(actor, snap.id, chain=chain, county=county, tag=tag, province=province, q=q)
        page = max(1, int(page))
        with self.db.reader() as s:
            total = s.scalar(select(func.count()).select_from(stmt.subquery())) or 0
            rows = list(s.scalars(stmt.order_by(Target.rank, Target.id).offset((page - 1) * size).limit(size)))
            firm_ids = [r.firm_id for r in rows]
            lead_rows = s.execute(self.lead_scope(actor, select(Lead.firm_id, Lead.id, Lead.stage)).where(Lead.firm_id.in_(firm_ids))).all()
        in_pipeline = {fid: (lid, st) for fid, lid, st in lead_rows}
        return Page(rows, int(total), page, size, {"snapshot": snap, "in_pipeline": in_pipeline})

    @staticmethod
    def _target_query(actor: Actor, snapshot_id: int, *, chain: str = "", county: str = "", tag: str = "", province: str = "",
                      q: str = "") -> Select:
        """The targets of a snapshot that ``actor`` may see, filtered (a county user: their unit's only)."""
        stmt = select(Target).where(Target.snapshot_id == snapshot_id)
        if actor.role == C.COUNTY:
            stmt = stmt.where(Target.county_code == actor.unit_code)
        elif county:
            stmt = stmt.where(Target.county_code == county)
        if chain:
            stmt = stmt.where(or_(Target.chain == chain, Target.segment == chain))
        if tag:
            stmt = stmt.where(Target.tags.contains(tag))
        if province:  # a region group (京津冀, 长三角 …) or a province
            stmt = stmt.where(or_(Target.home_region == province, Target.home_province == province))
        if q:
            like = f"%{_escape_like(q)}%"
            stmt = stmt.where(or_(Target.name.like(like, escape="\\"), Target.legal_name.like(like, escape="\\"),
                                  Target.stock_code == q))
        return stmt

    def map_targets(self, actor: Actor, **filters: str) -> pd.DataFrame:
        """Every target ``actor`` may see under ``filters`` (as :meth:`list_targets`, unpaged), with the columns
        the maps read: home_province, home_city, chain, tags, county_code, action, name, rank."""
        cols = ["home_province", "home_city", "chain", "tags", "county_code", "action", "name", "rank"]
        snap = self.current_snapshot()
        if snap is None:
            return pd.DataFrame(columns=cols)
        stmt = self._target_query(actor, snap.id, **filters).with_only_columns(*(getattr(Target, c) for c in cols))
        with self.db.reader() as s:
            return pd.DataFrame(s.execute(stmt.order_by(Target.rank, Target.id)).all(), columns=cols)

    def unit_pipeline(self, actor: Actor) -> dict[str, dict[str, int]]:
        """unit code → {stage: projects} of the pipeline ``actor`` may see."""
        with self.db.reader() as s:
            rows = s.execute(self.lead_scope(actor, select(Lead.unit_code, Lead.stage, func.count()))
                             .where(Lead.unit_code.is_not(None)).group_by(Lead.unit_code, Lead.stage)).all()
        out: dict[str, dict[str, int]] = {}
        for code, stage, n in rows:
            out.setdefault(str(code), {})[str(stage)] = int(n)
        return out

    def unit_geography(self) -> pd.DataFrame:
        """The city's units as the link gives them: county_code, county_name and, where known, lon, lat (where
        a zone's pin goes) and profile (the unit's profile for the map's hover)."""
        if self._geography is None:
            u = self.link.units(self.settings.city).copy()
            for c in ("lon", "lat", "profile"):
                if c not in u.columns:
                    u[c] = None
            self._geography = u[["county_code", "county_name", "lon", "lat", "profile"]]
        return self._geography

    def get_target(self, actor: Actor, target_id: int) -> Target:
        with self.db.reader() as s:
            t = s.get(Target, target_id)
        if t is None:
            raise NotFound("没有找到这个推荐目标")
        if actor.role == C.COUNTY and t.county_code != actor.unit_code:
            raise NotFound("没有找到这个推荐目标")
        return t

    # -- firm and county pages ----------------------------------------------------------------------------
    def firm_page(self, actor: Actor, firm_id: str) -> dict[str, Any]:
        profile = self.link.firm(firm_id)
        snap = self.current_snapshot()
        with self.db.reader() as s:
            target = None
            if snap is not None:
                target = s.scalar(select(Target).where(Target.snapshot_id == snap.id, Target.firm_id == firm_id).limit(1))
            leads = list(s.scalars(self.lead_scope(actor, select(Lead)).where(Lead.firm_id == firm_id).order_by(Lead.id)))
        if profile is None and target is None:
            raise NotFound("没有找到这家企业")
        if actor.role == C.COUNTY and (target is None or target.county_code != actor.unit_code) and not leads:
            # a county user sees firms recommended to their unit or held in their pipeline
            raise NotFound("没有找到这家企业，或它不在本单位的推荐目标和项目库中")
        ranking = self.link.county_ranking(self.settings.city, firm_id)
        if actor.role == C.COUNTY:  # a county sees its own unit's row of the suggestion
            ranking = ranking[ranking["county_code"].astype(str) == str(actor.unit_code)]
        return {
            "profile": profile or {}, "target": target, "leads": leads, "ranking": ranking,
            "local": self.link.local_entities(self.settings.city, firm_id), "expansion": self.link.expansion_history(firm_id),
        }

    def county_page(self, actor: Actor, code: str) -> dict[str, Any]:
        if code not in self.unit_names() or code == self.city_code():
            raise NotFound("没有这个县区")
        self._county_allowed(actor, code)
        targets = self.list_targets(actor, county=code) if actor.role != C.COUNTY else self.list_targets(actor)
        snap = self.current_snapshot()
        with self.db.reader() as s:
            stages = dict(s.execute(select(Lead.stage, func.count()).where(Lead.unit_code == code).group_by(Lead.stage)).all())
            chains = s.execute(select(Target.chain, Target.action, func.count()).where(
                Target.snapshot_id == (snap.id if snap else -1), Target.county_code == code)
                .group_by(Target.chain, Target.action).order_by(func.count().desc(), Target.chain)).all()
            leads = list(s.scalars(select(Lead).where(Lead.unit_code == code).order_by(Lead.updated_at.desc()).limit(50)))
        return {"code": code, "name": self.unit_name(code), "targets": targets, "stages": stages, "leads": leads,
                "chains": [(c or "未分类", a or "", int(n)) for c, a, n in chains], "profile": self.unit_profile(code)}

    def unit_profile(self, code: str) -> list[str]:
        """The unit's profile as the city pack states it, a line per kind (主导产业, 重点产业链, 园区, 约束);
        empty when the pack says nothing of the unit (or there is no pack)."""
        geo = self.unit_geography()
        hit = geo.loc[geo["county_code"].astype(str) == str(code), "profile"]
        text = hit.iloc[0] if len(hit) else None
        return [x for x in str(text).split("\n") if x.strip()] if isinstance(text, str) else []

    # -- leads: reading -------------------------------------------------------------------------------------
    def list_leads(self, actor: Actor, *, stage: str = "", unit: str = "", q: str = "", overdue: bool = False,
                   page: int = 1, size: int | None = None) -> Page:
        size = size or self.settings.page_size
        stmt = self.lead_scope(actor, select(Lead))
        if stage:
            stmt = stmt.where(Lead.stage == stage)
        if unit:
            stmt = stmt.where(Lead.unit_code.is_(None)) if unit == "pool" else stmt.where(Lead.unit_code == unit)
        if q:
            like = f"%{_escape_like(q)}%"
            stmt = stmt.where(or_(Lead.firm_name.like(like, escape="\\"), Lead.project_name.like(like, escape="\\")))
        if overdue:
            stmt = stmt.where(self.overdue_clause(utcnow()))
        page = max(1, int(page))
        with self.db.reader() as s:
            total = s.scalar(select(func.count()).select_from(stmt.subquery())) or 0
            rows = list(s.scalars(stmt.order_by(Lead.updated_at.desc(), Lead.id.desc()).offset((page - 1) * size).limit(size)))
        return Page(rows, int(total), page, size)

    def get_lead(self, actor: Actor, lead_id: int) -> Lead:
        with self.db.reader() as s:
            return self._visible(actor, s.get(Lead, lead_id))

    def lead_detail(self, actor: Actor, lead_id: int) -> dict[str, Any]:
        with self.db.reader() as s:
            lead = self._visible(actor, s.get(Lead, lead_id))
            events = s.execute(select(LeadEvent, User.display_name).join(User, User.id == LeadEvent.user_id)
                               .where(LeadEvent.lead_id == lead_id).order_by(LeadEvent.at, LeadEvent.id)).all()
            reviews = s.execute(select(Review, User.display_name).join(User, User.id == Review.reviewer_id)
                                .where(Review.lead_id == lead_id).order_by(Review.id)).all()
            files = list(s.execute(select(StoredFile.id, StoredFile.filename, StoredFile.size, StoredFile.at)
                                   .where(StoredFile.lead_id == lead_id).order_by(StoredFile.id)).all())
        dups = self.duplicates(actor, lead.firm_id, lead.firm_name, exclude=lead.id)
        ranking = self.link.county_ranking(self.settings.city, lead.firm_id) if lead.firm_id else pd.DataFrame()
        return {"lead": lead, "events": events, "reviews": reviews, "files": files, "duplicates": dups,
                "ranking": ranking, "overdue": self.overdue_flags(lead, utcnow())}

    def get_file(self, actor: Actor, file_id: int) -> StoredFile:
        with self.db.reader() as s:
            f = s.get(StoredFile, file_id)
            if f is None:
                raise NotFound("没有找到这个文件")
            self._visible(actor, s.get(Lead, f.lead_id))
            return f

    def duplicates(self, actor: Actor, firm_id: str | None, name: str, exclude: int | None = None) -> list[dict[str, Any]]:
        """Other leads of the same firm (same firm_id, or the same name). Rows the actor may not see
        carry only their stage and ``visible=False``."""
        conds = [Lead.firm_name == name]
        if firm_id:
            conds.append(Lead.firm_id == firm_id)
        stmt = select(Lead).where(or_(*conds))
        if exclude is not None:
            stmt = stmt.where(Lead.id != exclude)
        out = []
        with self.db.reader() as s:
            for lead in s.scalars(stmt.order_by(Lead.id)):
                visible = actor.reads_all or (actor.role == C.COUNTY and lead.unit_code == actor.unit_code)
                out.append({"visible": visible, "stage": lead.stage, "id": lead.id if visible else None,
                            "unit": self.unit_name(lead.unit_code) if visible else "其他单位",
                            "name": lead.firm_name if visible else None, "unit_code": lead.unit_code})
        return out

    # -- deadlines ----------------------------------------------------------------------------------------
    def _cutoff(self, key: str, now: dt.datetime) -> dt.datetime | None:
        """Latest start time whose deadline ``key`` has passed at ``now``."""
        rule = self.deadlines.rule(key)
        if rule is None:
            return None
        if rule.calendar_days is not None:
            return now - dt.timedelta(days=rule.calendar_days)
        day = now.date()
        for _ in range(400):
            due = self.deadlines.due(key, dt.datetime.combine(day, dt.time(12)))
            if due is not None and due < now:
                return dt.datetime.combine(day, dt.time(23, 59, 59, 999999))
            day -= dt.timedelta(days=1)
        return None

    def overdue_clause(self, now: dt.datetime) -> Any:
        """SQL condition: the lead is overdue on at least one rule."""
        conds = []
        c = self._cutoff("respond", now)
        if c is not None:
            conds.append(and_(Lead.route_status == C.ROUTE_PENDING, Lead.routed_at <= c))
        c = self._cutoff("prereview", now)
        if c is not None:
            conds.append(and_(Lead.route_status == C.ROUTE_ACCEPTED, Lead.reviewed_at.is_(None),
                              Lead.stage.in_(("线索", "研判")), Lead.accepted_at <= c))
        c = self._cutoff("progress", now)
        if c is not None:
            conds.append(and_(Lead.stage.not_in(C.CLOSED_STAGES), Lead.last_progress_at <= c))
        return or_(*conds) if conds else False

    def overdue_flags(self, lead: Lead, now: dt.datetime) -> list[str]:
        """The deadline rules ``lead`` has missed at ``now`` (their names from deadlines.yaml)."""
        out = []
        d = self.deadlines

        def passed(key: str, start: dt.datetime | None) -> bool:
            due = d.due(key, start) if start is not None else None
            return due is not None and now > due

        if lead.route_status == C.ROUTE_PENDING and passed("respond", lead.routed_at):
            out.append(d.rule("respond").name)  # type: ignore[union-attr]
        if (lead.route_status == C.ROUTE_ACCEPTED and lead.reviewed_at is None and lead.stage in ("线索", "研判")
                and passed("prereview", lead.accepted_at)):
            out.append(d.rule("prereview").name)  # type: ignore[union-attr]
        if lead.stage not in C.CLOSED_STAGES:
            if passed("written_reason", lead.last_progress_at):
                out.append(d.rule("written_reason").name)  # type: ignore[union-attr]
            elif passed("progress", lead.last_progress_at):
                out.append(d.rule("progress").name)  # type: ignore[union-attr]
        return out

    # -- leads: writing -------------------------------------------------------------------------------------
    def _check_duplicate(self, actor: Actor, firm_id: str | None, name: str) -> None:
        dups = self.duplicates(actor, firm_id, name)
        blocking = [d for d in dups if d["stage"] in C.COMMITTED_STAGES and d["unit_code"] != actor.unit_code]
        if actor.role == C.DISPATCHER:
            blocking = [d for d in dups if d["stage"] in C.COMMITTED_STAGES]
        if blocking:
            d = blocking[0]
            where = f"{d['unit']}（项目编号 {d['id']}）" if d["visible"] else "其他单位"
            raise DuplicateLead(f"该企业的项目已由{where}处于“{d['stage']}”阶段，不能重复录入。如有疑问请联系市投促局。", dups)

    def _new_lead(self, s: Session, actor: Actor, values: dict[str, Any]) -> Lead:
        now = utcnow()
        county = actor.role == C.COUNTY
        lead = Lead(
            **values, unit_code=actor.unit_code if county else None,
            route_status=C.ROUTE_ACCEPTED if county else C.ROUTE_POOL,
            accepted_at=now if county else None, stage="线索", stage_date=now.date(),
            last_progress_at=now, created_at=now, created_by=actor.id, updated_at=now,
        )
        s.add(lead)
        s.flush()
        s.add(LeadEvent(lead_id=lead.id, kind="录入", at=now, event_date=now.date(), user_id=actor.id,
                        unit_code=lead.unit_code, to_stage="线索", note=values.get("source")))
        audit(s, actor, "新增项目", "lead", lead.id, None, lead_dict(lead))
        return lead

    def _require_writer(self, actor: Actor) -> None:
        if actor.role not in (C.DISPATCHER, C.COUNTY):
            raise Forbidden("您的角色只能查看和批示，不能修改项目")

    def create_from_target(self, actor: Actor, target_id: int) -> int:
        """加入项目库: the target becomes a lead with its reasons attached as evidence."""
        self._require_writer(actor)
        t = self.get_target(actor, target_id)
        self._check_duplicate(actor, t.firm_id, t.name)
        evidence = "；".join(x for x in [
            f"推荐排名第{t.rank}名" if t.rank else None, f"建议落地：{t.county_name}" if t.county_name else None,
            f"产业链：{t.chain}·{t.segment}" if t.chain else None, f"招商方向：{t.action}" if t.action else None,
            t.reasons, t.evidence] if x)
        with self.db.writer() as s:
            lead = self._new_lead(s, actor, {
                "firm_id": t.firm_id, "firm_name": t.legal_name or t.name, "project_name": f"{t.name}投资项目",
                "source": "推荐目标", "chain": t.chain, "segment": t.segment, "home_province": t.home_province,
                "home_city": t.home_city, "suggested_county": t.county_code, "evidence": evidence,
            })
            return lead.id

    def create_manual(self, actor: Actor, form: dict[str, Any]) -> int:
        """A lead typed by hand; ``firm_id`` is the firm-master match the user confirmed (or empty)."""
        self._require_writer(actor)
        name = _text(form.get("firm_name"), "企业名称", 300, required=True) or ""
        firm_id = _text(form.get("firm_id"), "企业", 64)
        if firm_id and self.link.firm(firm_id) is None:
            raise Invalid("所选企业不在企业库中")
        self._check_duplicate(actor, firm_id, name)
        values = {
            "firm_id": firm_id, "firm_name": name,
            "project_name": _text(form.get("project_name"), "项目名称", 300) or f"{name}投资项目",
            "source": "手工录入", "chain": _text(form.get("chain"), "产业链", 100),
            "home_province": _text(form.get("home_province"), "来源地", 50),
            "owner_name": _text(form.get("owner_name"), "责任人", 100),
            "leader_name": _text(form.get("leader_name"), "包联领导", 100),
            "notes": _text(form.get("notes"), "备注", 5000),
            "evidence": _text(form.get("evidence"), "线索来源与依据", 5000),
        }
        values |= _amounts({k: form[k] for k in ("amount_wan", "capital_type") if k in form})
        with self.db.writer() as s:
            return self._new_lead(s, actor, values).id

    def _load_for_change(self, s: Session, actor: Actor, lead_id: int, version: Any) -> Lead:
        lead = self._visible(actor, s.get(Lead, lead_id))
        try:
            v = int(version)
        except (TypeError, ValueError):
            raise Invalid("缺少版本号，请刷新页面后重试") from None
        if v != lead.version:
            last = s.execute(select(Audit.username, Audit.at).where(Audit.entity == "lead", Audit.entity_id == str(lead_id))
                             .order_by(Audit.id.desc()).limit(1)).first()
            who, when = (last[0], last[1].strftime("%Y-%m-%d %H:%M")) if last else ("他人", "刚才")
            raise Conflict(CONFLICT_MESSAGE.format(who=who, when=when))
        return lead

    def _commit_change(self, fn: Any) -> Any:
        try:
            return fn()
        except StaleDataError:
            raise Conflict(CONFLICT_MESSAGE.format(who="他人", when="刚才")) from None

    def _holder(self, actor: Actor, lead: Lead) -> None:
        """Only the dispatcher, or the county unit that has accepted the lead, may work on it."""
        self._require_writer(actor)
        if actor.role == C.COUNTY and (lead.unit_code != actor.unit_code or lead.route_status != C.ROUTE_ACCEPTED):
            raise Forbidden("请先接收该项目")

    def update_lead(self, actor: Actor, lead_id: int, version: Any, form: dict[str, Any]) -> None:
        def run() -> None:
            with self.db.writer() as s:
                lead = self._load_for_change(s, actor, lead_id, version)
                self._holder(actor, lead)
                before = lead_dict(lead)
                for k, label, n in (("project_name", "项目名称", 300), ("owner_name", "责任人", 100),
                                    ("leader_name", "包联领导", 100), ("notes", "备注", 5000), ("firm_name", "企业名称", 300)):
                    if k in form:
                        val = _text(form.get(k), label, n, required=k in ("project_name", "firm_name"))
                        setattr(lead, k, val)
                for k, v in _amounts(form).items():
                    setattr(lead, k, v)
                lead.updated_at = utcnow()
                s.flush()
                audit(s, actor, "修改项目", "lead", lead.id, before, lead_dict(lead))
        self._commit_change(run)

    def route(self, actor: Actor, lead_id: int, version: Any, unit_code: str, note: str = "") -> None:
        if actor.role != C.DISPATCHER:
            raise Forbidden("只有市投促局调度可以推送项目")
        if unit_code not in dict(self.county_units()):
            raise Invalid("请选择要推送的县区或园区")

        def run() -> None:
            with self.db.writer() as s:
                lead = self._load_for_change(s, actor, lead_id, version)
                if lead.stage in ("终止",):
                    raise Invalid("已终止的项目不能推送")
                before = lead_dict(lead)
                now = utcnow()
                lead.unit_code, lead.route_status, lead.routed_at, lead.accepted_at = unit_code, C.ROUTE_PENDING, now, None
                lead.return_reason, lead.updated_at = None, now
                s.flush()
                s.add(LeadEvent(lead_id=lead.id, kind="推送", at=now, event_date=now.date(), user_id=actor.id,
                                unit_code=unit_code, note=_text(note, "推送说明", 2000)))
                audit(s, actor, "推送项目", "lead", lead.id, before, lead_dict(lead))
        self._commit_change(run)

    def _pending_for(self, actor: Actor, lead: Lead) -> None:
        if actor.role != C.COUNTY or lead.unit_code != actor.unit_code:
            raise Forbidden("只有被推送的县区/园区可以接收或退回")
        if lead.route_status != C.ROUTE_PENDING:
            raise Invalid("该项目不在待接收状态")

    def accept(self, actor: Actor, lead_id: int, version: Any) -> None:
        def run() -> None:
            with self.db.writer() as s:
                lead = self._load_for_change(s, actor, lead_id, version)
                self._pending_for(actor, lead)
                before = lead_dict(lead)
                now = utcnow()
                lead.route_status, lead.accepted_at, lead.last_progress_at, lead.updated_at = C.ROUTE_ACCEPTED, now, now, now
                s.flush()
                s.add(LeadEvent(lead_id=lead.id, kind="接收", at=now, event_date=now.date(), user_id=actor.id, unit_code=lead.unit_code))
                audit(s, actor, "接收项目", "lead", lead.id, before, lead_dict(lead))
        self._commit_change(run)

    def return_lead(self, actor: Actor, lead_id: int, version: Any, reason: str) -> None:
        reason_t = _text(reason, "退回原因", 2000, required=True)

        def run() -> None:
            with self.db.writer() as s:
                lead = self._load_for_change(s, actor, lead_id, version)
                self._pending_for(actor, lead)
                before = lead_dict(lead)
                now = utcnow()
                s.add(LeadEvent(lead_id=lead.id, kind="退回", at=now, event_date=now.date(), user_id=actor.id,
                                unit_code=lead.unit_code, note=reason_t))
                lead.unit_code, lead.route_status, lead.return_reason, lead.updated_at = None, C.ROUTE_POOL, reason_t, now
                s.flush()
                audit(s, actor, "退回项目", "lead", lead.id, before, lead_dict(lead))
        self._commit_change(run)

    def _store_file(self, s: Session, actor: Actor, lead: Lead, upload: tuple[str, str, bytes] | None) -> int | None:
        if not upload or not upload[2]:
            return None
        filename, ctype, content = upload
        if len(content) > self.settings.max_upload_mb * 1024 * 1024:
            raise Invalid(f"附件不能超过 {self.settings.max_upload_mb} MB")
        f = StoredFile(lead_id=lead.id, filename=(_text(filename, "文件名", 255) or "附件"), content_type=(ctype or "application/octet-stream")[:100],
                       sha256=hashlib.sha256(content).hexdigest(), size=len(content), content=content,
                       uploaded_by=actor.id, at=utcnow())
        s.add(f)
        s.flush()
        audit(s, actor, "上传附件", "file", f.id, None, {"lead_id": lead.id, "filename": f.filename, "sha256": f.sha256})
        return f.id

    def move_stage(self, actor: Actor, lead_id: int, version: Any, form: dict[str, Any],
                   upload: tuple[str, str, bytes] | None = None) -> None:
        """Move a lead to another stage, dated, with the figures of that move and an optional evidence file."""
        to = str(form.get("to_stage") or "")
        when = _date(form.get("stage_date"), "日期", default=utcnow().date())
        if when > utcnow().date() + dt.timedelta(days=1):
            raise Invalid("日期不能晚于今天")
        amounts = _amounts(form)
        note = _text(form.get("note"), "情况说明", 5000)
        moved_to_outcome = [False]

        def run() -> None:
            with self.db.writer() as s:
                lead = self._load_for_change(s, actor, lead_id, version)
                self._holder(actor, lead)
                if to not in C.allowed_moves(lead.stage):
                    raise Invalid(f"不能从“{C.STAGE_LABELS[lead.stage]}”转到“{C.STAGE_LABELS.get(to, to)}”")
                if to in C.CONTRACT_STAGES and amounts.get("contract_amount_wan") is None and lead.contract_amount_wan is None:
                    raise Invalid("签约及以后环节须填写合同额（万元）")
                if to in C.COMMITTED_STAGES:
                    others = s.scalar(select(func.count()).select_from(Lead).where(
                        Lead.id != lead.id, Lead.stage.in_(C.COMMITTED_STAGES),
                        or_(Lead.firm_id == lead.firm_id if lead.firm_id else False, Lead.firm_name == lead.firm_name)))
                    if others:
                        raise Invalid("同一企业已有项目在其他单位处于在谈或以后阶段，请联系市投促局协调后再推进")
                if to == "终止" and not note:
                    raise Invalid("终止项目须填写原因")
                before = lead_dict(lead)
                now = utcnow()
                file_id = self._store_file(s, actor, lead, upload)
                s.add(LeadEvent(lead_id=lead.id, kind="环节", at=now, event_date=when, user_id=actor.id, unit_code=lead.unit_code,
                                from_stage=lead.stage, to_stage=to, note=note, file_id=file_id, **amounts))
                lead.stage, lead.stage_date, lead.last_progress_at, lead.updated_at = to, when, now, now
                for k, v in amounts.items():
                    if v is not None:
                        setattr(lead, k, v)
                s.flush()
                audit(s, actor, "环节变更", "lead", lead.id, before, lead_dict(lead))
                moved_to_outcome[0] = to in C.CONTRACT_STAGES
        self._commit_change(run)
        if moved_to_outcome[0] and self.settings.auto_export_outcomes:
            self.export_outcomes()

    def add_progress(self, actor: Actor, lead_id: int, version: Any, form: dict[str, Any],
                     upload: tuple[str, str, bytes] | None = None) -> None:
        """进展记录 (also the written reason after a month without progress); restarts the progress clock."""
        note = _text(form.get("note"), "进展情况", 5000, required=True)
        paid = _amounts({"paid_in_wan": form.get("paid_in_wan")})

        def run() -> None:
            with self.db.writer() as s:
                lead = self._load_for_change(s, actor, lead_id, version)
                self._holder(actor, lead)
                before = lead_dict(lead)
                now = utcnow()
                file_id = self._store_file(s, actor, lead, upload)
                s.add(LeadEvent(lead_id=lead.id, kind="进展", at=now, event_date=now.date(), user_id=actor.id,
                                unit_code=lead.unit_code, note=note, file_id=file_id, paid_in_wan=paid.get("paid_in_wan")))
                lead.last_progress_at, lead.updated_at = now, now
                if paid.get("paid_in_wan") is not None:
                    lead.paid_in_wan = (lead.paid_in_wan or 0.0) + float(paid["paid_in_wan"])
                s.flush()
                audit(s, actor, "进展记录", "lead", lead.id, before, lead_dict(lead))
        self._commit_change(run)

    def comment(self, actor: Actor, lead_id: int, note: str) -> None:
        """批示 / 留言: any role that can see the lead (the lead's figures do not change)."""
        text = _text(note, "批示内容", 2000, required=True)
        if actor.role == C.ADMIN:
            raise Forbidden("系统管理员不参与项目批示")
        with self.db.writer() as s:
            lead = self._visible(actor, s.get(Lead, lead_id))
            now = utcnow()
            ev = LeadEvent(lead_id=lead.id, kind="批示" if actor.role == C.LEADER else "留言", at=now, event_date=now.date(),
                           user_id=actor.id, unit_code=lead.unit_code, note=text)
            s.add(ev)
            s.flush()
            audit(s, actor, "批示" if actor.role == C.LEADER else "留言", "lead_event", ev.id, None, {"lead_id": lead.id, "note": text})

    def review(self, actor: Actor, lead_id: int, version: Any, form: dict[str, Any]) -> tuple[float, str]:
        """Fill the pre-review card; returns (score, conclusion). Moves a 线索 to 研判."""
        scores: dict[str, float] = {}
        for item in self.card.items:
            v = _num(form.get(f"score_{item.key}"), item.name)
            if v is not None and v > item.points:
                raise Invalid(f"“{item.name}”最高 {item.points} 分")
            scores[item.key] = float(v or 0)
        vetoes = [v.key for v in self.card.vetoes if form.get(f"veto_{v.key}") in ("1", "on", "true", True)]
        total, conclusion = self.card.evaluate(scores, vetoes)
        note = _text(form.get("note"), "评审意见", 5000)

        def run() -> None:
            with self.db.writer() as s:
                lead = self._load_for_change(s, actor, lead_id, version)
                self._holder(actor, lead)
                before = lead_dict(lead)
                now = utcnow()
                s.add(Review(lead_id=lead.id, card_id=self.card.id, card_version=self.card.version,
                             scores_json=json.dumps(scores, ensure_ascii=False), vetoes_json=json.dumps(vetoes, ensure_ascii=False),
                             total=total, conclusion=conclusion, note=note, reviewer_id=actor.id, at=now))
                s.add(LeadEvent(lead_id=lead.id, kind="预审", at=now, event_date=now.date(), user_id=actor.id, unit_code=lead.unit_code,
                                from_stage=lead.stage, to_stage="研判" if lead.stage == "线索" else lead.stage,
                                note=f"预审得分 {total:g}，结论：{conclusion}" + (f"；{note}" if note else "")))
                if lead.stage == "线索":
                    lead.stage, lead.stage_date = "研判", now.date()
                lead.review_conclusion, lead.reviewed_at, lead.last_progress_at, lead.updated_at = conclusion, now, now, now
                s.flush()
                audit(s, actor, "预审评估", "lead", lead.id, before, lead_dict(lead))
        self._commit_change(run)
        return total, conclusion

    # -- outcomes ------------------------------------------------------------------------------------
    def outcome_frame(self) -> pd.DataFrame:
        from matcher.workbench.outcomes import OUTCOME_STAGES, conform

        city_code = self.city_code()
        with self.db.reader() as s:
            rows = s.execute(
                select(LeadEvent, Lead.firm_id, Lead.firm_name, Lead.unit_code).join(Lead, Lead.id == LeadEvent.lead_id)
                .where(LeadEvent.kind == "环节", LeadEvent.to_stage.in_(OUTCOME_STAGES)).order_by(LeadEvent.id)).all()
        now = utcnow()
        recs = []
        for ev, firm_id, firm_name, unit in rows:
            county = ev.unit_code or unit
            recs.append({
                "lead_id": ev.lead_id, "firm_id": firm_id or "", "firm_name": firm_name, "city_code": city_code,
                "county_code": county or "", "county_name": self.unit_name(county) if county else "",
                "stage": ev.to_stage, "stage_date": pd.Timestamp(ev.event_date), "amount_wan": ev.amount_wan,
                "fixed_investment_wan": ev.fixed_investment_wan, "contract_amount_wan": ev.contract_amount_wan,
                "paid_in_wan": ev.paid_in_wan, "capital_type": ev.capital_type, "recorded_at": ev.at, "exported_at": now,
            })
        frame = pd.DataFrame(recs)
        # one row per lead × stage: the latest move into that stage
        if len(frame):
            frame = frame.drop_duplicates(["lead_id", "stage"], keep="last")
        return conform(frame) if len(frame) else conform(pd.DataFrame(columns=["lead_id"]))

    def export_outcomes(self) -> Any:
        """Rewrite ``WORKDIR/outcomes.parquet`` from the database. Exports run one at a time and each
        reads the database inside the lock, so the last file written holds every committed move."""
        from matcher.workbench.outcomes import write_outcomes

        with self._export_lock:
            return write_outcomes(self.outcome_frame(), self.settings.workdir)

    # -- audit ---------------------------------------------------------------------------------------
    def audit_log(self, actor: Actor, limit: int = 200, entity: str = "", entity_id: str = "") -> list[Audit]:
        if actor.role != C.ADMIN:
            raise Forbidden("只有系统管理员可以查看操作日志")
        stmt = select(Audit)
        if entity:
            stmt = stmt.where(Audit.entity == entity)
        if entity_id:
            stmt = stmt.where(Audit.entity_id == entity_id)
        with self.db.reader() as s:
            return list(s.scalars(stmt.order_by(Audit.id.desc()).limit(limit)))


def _s(v: Any) -> str | None:
    if v is None:
        return None
    v = str(v)
    return v if v.strip() else None


def _escape_like(q: str) -> str:
    return q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


__all__ = [
    "Actor", "Conflict", "DuplicateLead", "Forbidden", "Invalid", "NotFound", "Page", "Throttled", "Workbench",
    "WorkbenchError", "hash_password", "verify_password",
]
