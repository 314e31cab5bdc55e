"""City packs: ``data/cities/<city>.yaml`` — the curated, cited profile of one prefecture city.

A pack names the city's county-level units (incl. functional zones such as 130371 经开区) and, per
unit, what the public record says about it: aliases, a centroid, leading industries, parks, the
chains it targets, constraints (e.g. tourism zones), anchor firms with their main products (listed
or not), projects and other facts. Every fact carries its ``source``: a URL that the raw data's
``qinhuangdao_facts/FACTS.md`` (or an equivalent facts file) cites, a ``FACTS.md#<section>`` for a
fact whose page has no address, or ``data:<folder>/<file>`` for a figure derived from the raw data.
``basis`` says whether the fact is stated by the source, derived from data, or the project's reading
(inferred) of a stated fact. Unknown facts are left out — empty lists, null fields — never guessed.

Validation errors name the field path, e.g. ``units[3].constraints[0].source``.
"""

from __future__ import annotations

import os
import re
import unicodedata
from functools import cache
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from matcher import resources

#: Where packs live: ``$MATCHER_CITIES`` or the shipped ``data/cities`` (package data).
CITIES_ENV = "MATCHER_CITIES"

_URL = re.compile(r"^https?://\S+$")
_FACTS = re.compile(r"^FACTS\.md#\S.*$")
_DATA = re.compile(r"^data:[\w\-]+/[\w\-./]+(#.+)?$")
_CODE = re.compile(r"^\d{6}$")

Basis = Literal["stated", "derived", "inferred"]


def _check_source(value: str) -> str:
    value = value.strip()
    if not (_URL.match(value) or _FACTS.match(value) or _DATA.match(value)):
        raise ValueError(
            "source must be an http(s) URL, 'FACTS.md#<section>' or 'data:<folder>/<file>[#detail]', "
            f"got {value!r}"
        )
    return value


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class _Sourced(_Strict):
    """Anything that carries a source, a note and a basis."""

    source: str
    note: str | None = None
    basis: Basis = "stated"

    @field_validator("source")
    @classmethod
    def _source_form(cls, v: str) -> str:
        return _check_source(v)


class Fact(_Sourced):
    """One cited fact. ``value`` is the fact in a few words (a name, a figure, a phrase) as the pack's
    author noted it from the source (kept as the original in every output's source column); ``text`` is
    the same fact in plain Chinese for planners, required where ``value`` is not already Chinese."""

    value: str | int | float
    text: str | None = None

    @field_validator("value")
    @classmethod
    def _non_empty(cls, v: str | int | float) -> str | int | float:
        if isinstance(v, str) and not v.strip():
            raise ValueError("value is empty: leave the fact out instead")
        return v


class ChainTarget(Fact):
    """A chain the unit targets; ``value`` is a chain name from ``data/chains/*.yaml``."""


class Constraint(Fact):
    """A restriction on what may land in the unit. ``excludes_sw_l1`` lists Shenwan-2021 level-1
    industry names that the constraint rules out (used by matching); empty means advisory only."""

    kind: Literal["tourism_zone", "ecological_zone", "designated_use", "other"]
    excludes_sw_l1: list[str] = Field(default_factory=list)


class Centroid(_Sourced):
    lon: float = Field(ge=73.0, le=136.0)
    lat: float = Field(ge=3.0, le=54.0)


class AnchorFirm(_Sourced):
    """A firm the sources place in the unit, with the products they state (may be empty).

    ``listed`` is True only with a ``stock_code`` verified in the data (Tushare); False when the
    firm is known to be an unlisted local operation; None when unknown. Unlisted anchors count as
    local presence of their products/industries in chain analysis and matching.
    """

    name: str
    products: list[str] = Field(default_factory=list)
    chains: list[str] = Field(default_factory=list)
    sw_l1: str | None = None
    listed: bool | None = None
    stock_code: str | None = None

    @field_validator("stock_code")
    @classmethod
    def _code(cls, v: str | None) -> str | None:
        if v is not None and not _CODE.match(v):
            raise ValueError(f"stock_code must be 6 digits, got {v!r}")
        return v

    @model_validator(mode="after")
    def _listed_needs_code(self) -> AnchorFirm:
        if self.listed and not self.stock_code:
            raise ValueError("listed anchors need a stock_code (verified in the data)")
        if self.stock_code and self.listed is False:
            raise ValueError("an anchor with a stock_code cannot be marked unlisted")
        return self


class Unit(_Strict):
    code: str
    name: str
    aliases: list[str] = Field(default_factory=list)
    is_zone: bool = False
    centroid: Centroid | None = None
    leading_industries: list[Fact] = Field(default_factory=list)
    parks: list[Fact] = Field(default_factory=list)
    targeted_chains: list[ChainTarget] = Field(default_factory=list)
    constraints: list[Constraint] = Field(default_factory=list)
    anchor_firms: list[AnchorFirm] = Field(default_factory=list)
    projects: list[Fact] = Field(default_factory=list)
    facts: list[Fact] = Field(default_factory=list)

    @field_validator("code")
    @classmethod
    def _code(cls, v: str) -> str:
        if not _CODE.match(v):
            raise ValueError(f"code must be a 6-digit adcode, got {v!r}")
        return v


class EligibilityRule(_Strict):
    """A pack's own eligibility rule, in the format of ``data/eligibility.yaml`` (see
    :mod:`matcher.model.eligibility`): every rule names its reason and its sources."""

    id: str
    name: str
    reason: str
    sources: list[str] = Field(min_length=1)
    basis: Basis = "stated"
    note: str | None = None
    match: dict[str, list[str]] = Field(default_factory=dict)
    except_placed_by: list[Literal["industry", "product"]] = Field(default_factory=list)

    @field_validator("sources")
    @classmethod
    def _sources_form(cls, v: list[str]) -> list[str]:
        return [_check_source(s) for s in v]

    @field_validator("match")
    @classmethod
    def _match_keys(cls, v: dict[str, list[str]]) -> dict[str, list[str]]:
        bad = set(v) - {"sw", "except_sw", "tushare", "name", "legal_name"}
        if bad:
            raise ValueError(f"unknown match keys {sorted(bad)}: use sw, except_sw, tushare, name, legal_name")
        return v


class DisabledRule(_Sourced):
    """A national eligibility rule the city switches off, with the source that says why."""

    rule: str


class EligibilityOverride(_Strict):
    """The pack's changes to the national eligibility rules (``data/eligibility.yaml``)."""

    disable: list[DisabledRule] = Field(default_factory=list)
    rules: list[EligibilityRule] = Field(default_factory=list)


class CityPack(_Strict):
    city: str
    city_code: str
    province: str
    aliases: list[str] = Field(default_factory=list)
    facts_file: str | None = None  # the facts file the pack cites, relative to the data directory
    leading_industries: list[Fact] = Field(default_factory=list)
    targeted_chains: list[ChainTarget] = Field(default_factory=list)
    anchor_firms: list[AnchorFirm] = Field(default_factory=list)
    facts: list[Fact] = Field(default_factory=list)
    eligibility: EligibilityOverride | None = None
    units: list[Unit]

    @field_validator("city_code")
    @classmethod
    def _city_code(cls, v: str) -> str:
        if not _CODE.match(v) or not v.endswith("00"):
            raise ValueError(f"city_code must be a 6-digit prefecture adcode ending in 00, got {v!r}")
        return v

    @model_validator(mode="after")
    def _units_in_city(self) -> CityPack:
        seen: set[str] = set()
        for k, unit in enumerate(self.units):
            if unit.code[:4] != self.city_code[:4]:
                raise ValueError(f"units[{k}].code {unit.code} is not in city {self.city_code}")
            if unit.code in seen:
                raise ValueError(f"units[{k}].code {unit.code} appears twice")
            seen.add(unit.code)
        return self

    # ---- convenience -------------------------------------------------------------------------
    def unit(self, code_or_name: str) -> Unit | None:
        key = _norm(code_or_name)
        for u in self.units:
            if key in {u.code, _norm(u.name), *(_norm(a) for a in u.aliases)}:
                return u
        return None

    def names(self) -> set[str]:
        """Every name the city goes by (normalised): name, name without 市, code, aliases."""
        return {_norm(self.city), _norm(self.city).removesuffix("市"), self.city_code, *(_norm(a) for a in self.aliases)}

    def all_sources(self) -> list[str]:
        """Every source string cited anywhere in the pack (with repeats), for audits."""
        out: list[str] = []

        def walk(obj: object) -> None:
            if isinstance(obj, BaseModel):
                src = getattr(obj, "source", None)
                if isinstance(src, str):
                    out.append(src)
                for name in type(obj).model_fields:
                    walk(getattr(obj, name))
            elif isinstance(obj, list):
                for item in obj:
                    walk(item)

        walk(self)
        return out


class PackError(ValueError):
    """A city pack does not validate. ``errors`` holds (field path, message) pairs."""

    def __init__(self, path: str | Path, errors: list[tuple[str, str]]):
        self.path = str(path)
        self.errors = errors
        lines = "\n".join(f"  {loc}: {msg}" for loc, msg in errors)
        super().__init__(f"city pack {self.path} is invalid ({len(errors)} error(s)):\n{lines}")


def _norm(text: str) -> str:
    return unicodedata.normalize("NFKC", str(text)).strip()


def field_path(loc: tuple[int | str, ...]) -> str:
    """Pydantic's error location → ``units[3].constraints[0].source``."""
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out or "<root>"


def parse_pack(raw: object, path: str | Path = "<memory>") -> CityPack:
    """Validate a loaded YAML document; raise :class:`PackError` naming each bad field."""
    try:
        return CityPack.model_validate(raw)
    except ValidationError as exc:
        errors = [(field_path(tuple(e["loc"])), e["msg"]) for e in exc.errors()]
        raise PackError(path, errors) from None


def read_pack(path: str | Path) -> CityPack:
    """Read and validate one pack file."""
    path = Path(path)
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise PackError(path, [("<yaml>", str(exc))]) from None
    return parse_pack(raw, path)


def packs_dir(value: str | Path | None = None) -> Path:
    if value:
        return Path(value)
    env = os.environ.get(CITIES_ENV)
    return Path(env) if env else Path(str(resources.root().joinpath("cities")))


@cache
def _index(directory: str) -> dict[str, str]:
    """name/code → pack file, from each pack's city, city_code and aliases (read without validation)."""
    out: dict[str, str] = {}
    for f in sorted(Path(directory).glob("*.yaml")):
        try:
            raw = yaml.safe_load(f.read_text(encoding="utf-8")) or {}
        except yaml.YAMLError:
            continue
        if not isinstance(raw, dict):
            continue
        keys = [raw.get("city", ""), str(raw.get("city_code", "")), f.stem, *(raw.get("aliases") or [])]
        for k in keys:
            k = _norm(k)
            if k:
                out.setdefault(k, str(f))
                out.setdefault(k.removesuffix("市"), str(f))
    return out


def find_pack_file(city: str, directory: str | Path | None = None) -> Path | None:
    """The pack file for a city named by Chinese name (秦皇岛 / 秦皇岛市), adcode or file stem."""
    key = _norm(city)
    idx = _index(str(packs_dir(directory)))
    hit = idx.get(key) or idx.get(key.removesuffix("市"))
    return Path(hit) if hit else None


def load_city_pack(city: str, directory: str | Path | None = None) -> CityPack | None:
    """The validated pack of ``city``, or None when the city has no pack (profiles then come from
    the division tables and the data alone). Raises :class:`PackError` when the pack is invalid."""
    path = find_pack_file(city, directory)
    return read_pack(path) if path else None
