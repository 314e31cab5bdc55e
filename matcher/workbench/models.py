"""The workbench's tables (SQLAlchemy 2). The schema is created and changed only by the Alembic
migrations in ``migrations/``; these classes must match them (a test compares the two).

Times are UTC without zone (``utcnow()``); business dates (a stage reached, a report period) are dates.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    Boolean,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


class Base(DeclarativeBase):
    pass


class Unit(Base):
    """A county-level unit or zone (kind ``county``), or the city bureau itself (kind ``city``)."""

    __tablename__ = "wb_unit"
    code: Mapped[str] = mapped_column(String(12), primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    kind: Mapped[str] = mapped_column(String(10))


class User(Base):
    __tablename__ = "wb_user"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(100))
    password_hash: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(20))
    unit_code: Mapped[str | None] = mapped_column(ForeignKey("wb_unit.code"), nullable=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)


class WebSession(Base):
    __tablename__ = "wb_session"
    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("wb_user.id"), index=True)
    csrf: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    expires_at: Mapped[dt.datetime] = mapped_column(DateTime)


class LoginAttempt(Base):
    __tablename__ = "wb_login_attempt"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(64), index=True)
    ip: Mapped[str] = mapped_column(String(64), index=True)
    at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow, index=True)
    ok: Mapped[bool] = mapped_column(Boolean)


class TargetSnapshot(Base):
    """One import of a city's recommended targets (the matcher's output on a date)."""

    __tablename__ = "wb_target_snapshot"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    city: Mapped[str] = mapped_column(String(50))
    city_code: Mapped[str] = mapped_column(String(12))
    taken_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    data_date: Mapped[str] = mapped_column(String(20), default="")
    n_targets: Mapped[int] = mapped_column(Integer, default=0)


class Target(Base):
    __tablename__ = "wb_target"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    snapshot_id: Mapped[int] = mapped_column(ForeignKey("wb_target_snapshot.id"))
    rank: Mapped[int] = mapped_column(Integer)
    firm_id: Mapped[str] = mapped_column(String(64))
    stock_code: Mapped[str | None] = mapped_column(String(20), nullable=True)
    name: Mapped[str] = mapped_column(String(200))
    legal_name: Mapped[str | None] = mapped_column(String(300), nullable=True)
    tags: Mapped[str | None] = mapped_column(String(200), nullable=True)
    home_province: Mapped[str | None] = mapped_column(String(50), nullable=True)
    home_city: Mapped[str | None] = mapped_column(String(50), nullable=True)
    home_region: Mapped[str | None] = mapped_column(String(50), nullable=True)
    chain: Mapped[str | None] = mapped_column(String(100), nullable=True)
    segment: Mapped[str | None] = mapped_column(String(200), nullable=True)
    industry: Mapped[str | None] = mapped_column(String(100), nullable=True)
    action: Mapped[str | None] = mapped_column(String(20), nullable=True)
    county_code: Mapped[str | None] = mapped_column(String(12), nullable=True)
    county_name: Mapped[str | None] = mapped_column(String(100), nullable=True)
    score: Mapped[float | None] = mapped_column(Float, nullable=True)
    reasons: Mapped[str | None] = mapped_column(Text, nullable=True)
    local_presence: Mapped[str | None] = mapped_column(Text, nullable=True)
    evidence: Mapped[str | None] = mapped_column(Text, nullable=True)

    __table_args__ = (
        Index("ix_wb_target_snap_county", "snapshot_id", "county_code", "rank"),
        Index("ix_wb_target_snap_rank", "snapshot_id", "rank"),
        Index("ix_wb_target_firm", "firm_id"),
    )


class Lead(Base):
    """A project in the pipeline (项目库). ``unit_code`` is the unit holding it (None: the city pool);
    ``version`` is the optimistic lock: an update with a stale version is refused."""

    __tablename__ = "wb_lead"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    firm_id: Mapped[str | None] = mapped_column(String(64), nullable=True, index=True)
    firm_name: Mapped[str] = mapped_column(String(300))
    project_name: Mapped[str] = mapped_column(String(300))
    source: Mapped[str] = mapped_column(String(20))  # 推荐目标 / 手工录入
    chain: Mapped[str | None] = mapped_column(String(100), nullable=True)
    segment: Mapped[str | None] = mapped_column(String(200), nullable=True)
    home_province: Mapped[str | None] = mapped_column(String(50), nullable=True)
    home_city: Mapped[str | None] = mapped_column(String(50), nullable=True)
    suggested_county: Mapped[str | None] = mapped_column(String(12), nullable=True)
    evidence: Mapped[str | None] = mapped_column(Text, nullable=True)
    unit_code: Mapped[str | None] = mapped_column(ForeignKey("wb_unit.code"), nullable=True, index=True)
    route_status: Mapped[str] = mapped_column(String(20))
    return_reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    stage: Mapped[str] = mapped_column(String(10), index=True)
    stage_date: Mapped[dt.date] = mapped_column(Date)
    owner_name: Mapped[str | None] = mapped_column(String(100), nullable=True)   # 责任人
    leader_name: Mapped[str | None] = mapped_column(String(100), nullable=True)  # 包联领导
    capital_type: Mapped[str | None] = mapped_column(String(10), nullable=True)
    amount_wan: Mapped[float | None] = mapped_column(Float, nullable=True)
    fixed_investment_wan: Mapped[float | None] = mapped_column(Float, nullable=True)
    land_mu: Mapped[float | None] = mapped_column(Float, nullable=True)
    jobs: Mapped[int | None] = mapped_column(Integer, nullable=True)
    expected_tax_wan: Mapped[float | None] = mapped_column(Float, nullable=True)
    contract_amount_wan: Mapped[float | None] = mapped_column(Float, nullable=True)
    paid_in_wan: Mapped[float | None] = mapped_column(Float, nullable=True)
    notes: Mapped[str | None] = mapped_column(Text, nullable=True)
    review_conclusion: Mapped[str | None] = mapped_column(String(20), nullable=True)
    routed_at: Mapped[dt.datetime | None] = mapped_column(DateTime, nullable=True)
    accepted_at: Mapped[dt.datetime | None] = mapped_column(DateTime, nullable=True)
    reviewed_at: Mapped[dt.datetime | None] = mapped_column(DateTime, nullable=True)
    last_progress_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow, index=True)
    created_by: Mapped[int] = mapped_column(ForeignKey("wb_user.id"))
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    version: Mapped[int] = mapped_column(Integer, nullable=False)

    __mapper_args__ = {"version_id_col": version}


class LeadEvent(Base):
    """Everything that happened to a lead: 录入, 推送, 接收, 退回, 环节变更, 预审, 进展, 批示, 修改."""

    __tablename__ = "wb_lead_event"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    lead_id: Mapped[int] = mapped_column(ForeignKey("wb_lead.id"), index=True)
    kind: Mapped[str] = mapped_column(String(10))
    at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow, index=True)
    event_date: Mapped[dt.date] = mapped_column(Date, index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("wb_user.id"))
    unit_code: Mapped[str | None] = mapped_column(String(12), nullable=True, index=True)
    from_stage: Mapped[str | None] = mapped_column(String(10), nullable=True)
    to_stage: Mapped[str | None] = mapped_column(String(10), nullable=True)
    note: Mapped[str | None] = mapped_column(Text, nullable=True)
    capital_type: Mapped[str | None] = mapped_column(String(10), nullable=True)
    amount_wan: Mapped[float | None] = mapped_column(Float, nullable=True)
    fixed_investment_wan: Mapped[float | None] = mapped_column(Float, nullable=True)
    land_mu: Mapped[float | None] = mapped_column(Float, nullable=True)
    jobs: Mapped[int | None] = mapped_column(Integer, nullable=True)
    expected_tax_wan: Mapped[float | None] = mapped_column(Float, nullable=True)
    contract_amount_wan: Mapped[float | None] = mapped_column(Float, nullable=True)
    paid_in_wan: Mapped[float | None] = mapped_column(Float, nullable=True)
    file_id: Mapped[int | None] = mapped_column(ForeignKey("wb_file.id"), nullable=True)


class Review(Base):
    __tablename__ = "wb_review"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    lead_id: Mapped[int] = mapped_column(ForeignKey("wb_lead.id"), index=True)
    card_id: Mapped[str] = mapped_column(String(50))
    card_version: Mapped[int] = mapped_column(Integer)
    scores_json: Mapped[str] = mapped_column(Text)
    vetoes_json: Mapped[str] = mapped_column(Text)
    total: Mapped[float] = mapped_column(Float)
    conclusion: Mapped[str] = mapped_column(String(20))
    note: Mapped[str | None] = mapped_column(Text, nullable=True)
    reviewer_id: Mapped[int] = mapped_column(ForeignKey("wb_user.id"))
    at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)


class StoredFile(Base):
    """An evidence file (kept in the database, so that one backup holds everything)."""

    __tablename__ = "wb_file"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    lead_id: Mapped[int] = mapped_column(ForeignKey("wb_lead.id"), index=True)
    filename: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(100))
    sha256: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(Integer)
    content: Mapped[bytes] = mapped_column(LargeBinary)
    uploaded_by: Mapped[int] = mapped_column(ForeignKey("wb_user.id"))
    at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)


class Audit(Base):
    """Every change: who, when, what, the row before and after (JSON)."""

    __tablename__ = "wb_audit"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow, index=True)
    user_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    username: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(40))
    entity: Mapped[str] = mapped_column(String(40))
    entity_id: Mapped[str] = mapped_column(String(64))
    before_json: Mapped[str | None] = mapped_column(Text, nullable=True)
    after_json: Mapped[str | None] = mapped_column(Text, nullable=True)


#: tables in an order that satisfies their foreign keys (backup / restore / truncate)
TABLE_ORDER = [
    "wb_unit", "wb_user", "wb_session", "wb_login_attempt", "wb_target_snapshot", "wb_target",
    "wb_lead", "wb_file", "wb_lead_event", "wb_review", "wb_audit",
]
