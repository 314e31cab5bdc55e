"""Settings, roles, stages, the deadline rules and the pre-review card (the last two are data files in
``data/workbench/``)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, Field, field_validator

from matcher import resources


def data_file(name: str) -> Path:
    """A file of ``data/workbench/`` (shipped package data)."""
    return resources.data_path(f"workbench/{name}")


DEADLINES_FILE = data_file("deadlines.yaml")
CARD_FILE = data_file("prereview_card.yaml")

# roles ---------------------------------------------------------------------------------------------
DISPATCHER, COUNTY, LEADER, ADMIN = "dispatcher", "county", "leader", "admin"
ROLES: dict[str, str] = {DISPATCHER: "市投促局调度", COUNTY: "县区/园区招商人员", LEADER: "领导", ADMIN: "系统管理员"}

# stages --------------------------------------------------------------------------------------------
MAIN_STAGES: tuple[str, ...] = ("线索", "研判", "在谈", "签约", "落地", "开工", "投产")
SIDE_STAGES: tuple[str, ...] = ("暂缓", "终止")
STAGES: tuple[str, ...] = MAIN_STAGES + SIDE_STAGES
STAGE_LABELS: dict[str, str] = {s: s for s in STAGES} | {"研判": "研判/预审", "落地": "落地(注册)"}
#: stages from which a project may not be re-entered by another unit
COMMITTED_STAGES: tuple[str, ...] = ("在谈", "签约", "落地", "开工", "投产")
#: stages that need the contract amount (合同额)
CONTRACT_STAGES: tuple[str, ...] = ("签约", "落地", "开工", "投产")
#: stages that end the clock of the progress deadlines
CLOSED_STAGES: tuple[str, ...] = ("投产", "终止", "暂缓")

ROUTE_POOL, ROUTE_PENDING, ROUTE_ACCEPTED = "未分派", "待接收", "已接收"
CAPITAL_TYPES = ("内资", "外资")
CONCLUSIONS = ("通过", "有条件通过", "不通过")


def allowed_moves(stage: str) -> list[str]:
    """Stages a lead may move to from ``stage``: any later main stage, or a side state; from a side
    state back to any main stage (a paused project resumes where the planner says)."""
    if stage in SIDE_STAGES:
        return [s for s in MAIN_STAGES] + [s for s in SIDE_STAGES if s != stage]
    i = MAIN_STAGES.index(stage)
    return list(MAIN_STAGES[i + 1:]) + list(SIDE_STAGES)


class Settings(BaseModel):
    """How the workbench runs (``matcher serve`` options)."""

    workdir: Path = Path("work")
    db_url: str | None = None
    city: str = "秦皇岛"
    data_dir: Path | None = None
    #: cookies carry the Secure flag (browsers accept it on https and on localhost)
    secure_cookies: bool = True
    session_hours: int = Field(12, ge=1, le=24 * 14)
    #: failed logins allowed per user name within the window (then that name is locked for the window)
    login_max_failures: int = Field(5, ge=1)
    #: failed logins allowed per address (higher: an office shares one address behind its gateway)
    login_max_failures_per_address: int = Field(50, ge=1)
    login_window_minutes: int = Field(15, ge=1)
    max_upload_mb: int = Field(10, ge=1, le=100)
    page_size: int = Field(50, ge=10, le=500)
    #: write WORKDIR/outcomes.parquet after every move into 签约/落地/开工/投产
    auto_export_outcomes: bool = True

    @field_validator("workdir", mode="before")
    @classmethod
    def _path(cls, v: Any) -> Path:
        return Path(v)

    def database_url(self) -> str:
        return self.db_url or f"sqlite:///{(Path(self.workdir) / 'workbench.db').resolve()}"


# deadlines -------------------------------------------------------------------------------------------
class DeadlineRule(BaseModel):
    key: str
    name: str
    working_days: int | None = None
    calendar_days: int | None = None
    applies: str = ""


class Deadlines(BaseModel):
    version: int = 1
    holidays: list[dt.date] = []
    workdays: list[dt.date] = []
    rules: list[DeadlineRule]

    def rule(self, key: str) -> DeadlineRule | None:
        return next((r for r in self.rules if r.key == key), None)

    def is_workday(self, day: dt.date) -> bool:
        if day in self.workdays:
            return True
        return day.weekday() < 5 and day not in self.holidays

    def add_working_days(self, start: dt.datetime, n: int) -> dt.datetime:
        """The moment ``n`` working days after ``start`` (end of that working day)."""
        day = start.date()
        left = n
        while left > 0:
            day += dt.timedelta(days=1)
            if self.is_workday(day):
                left -= 1
        return dt.datetime.combine(day, dt.time(23, 59, 59))

    def due(self, key: str, start: dt.datetime) -> dt.datetime | None:
        r = self.rule(key)
        if r is None:
            return None
        if r.working_days is not None:
            return self.add_working_days(start, r.working_days)
        if r.calendar_days is not None:
            return start + dt.timedelta(days=r.calendar_days)
        return None


def load_deadlines(path: str | Path = DEADLINES_FILE) -> Deadlines:
    return Deadlines.model_validate(yaml.safe_load(Path(path).read_text(encoding="utf-8")))


# pre-review card ---------------------------------------------------------------------------------------
class CardItem(BaseModel):
    key: str
    name: str
    points: int = Field(ge=0)
    source: str = ""


class CardVeto(BaseModel):
    key: str
    name: str
    source: str = ""


class Card(BaseModel):
    id: str
    version: int
    name: str
    pass_score: float
    conditional_score: float
    items: list[CardItem]
    vetoes: list[CardVeto] = []

    @property
    def total_points(self) -> int:
        return sum(i.points for i in self.items)

    def evaluate(self, scores: dict[str, float], vetoes: list[str]) -> tuple[float, str]:
        """Total score (each item clipped to 0..its points) and the conclusion."""
        total = 0.0
        for item in self.items:
            v = float(scores.get(item.key, 0) or 0)
            total += min(max(v, 0.0), float(item.points))
        if any(v in {x.key for x in self.vetoes} for v in vetoes):
            return total, "不通过"
        if total >= self.pass_score:
            return total, "通过"
        if total >= self.conditional_score:
            return total, "有条件通过"
        return total, "不通过"


def load_card(path: str | Path = CARD_FILE) -> Card:
    return Card.model_validate(yaml.safe_load(Path(path).read_text(encoding="utf-8")))
