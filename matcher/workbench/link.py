"""The one seam between the workbench and the rest of matcher.

Every read of matcher's recommendations goes through a :class:`MatcherLink`. The workbench's services,
routes and reports depend on this Protocol only; :class:`WorkdirLink` implements it over a data
directory and a work directory with today's code (the navigation map, the firm × county scores, the
firm master and its entity resolution). It is kept small on purpose: the lead rewires it to the
public facade ``matcher.api`` after merging.

Frames returned (column names are the contract):

- ``targets(city)``: the columns of ``targets.csv`` (:data:`TARGET_COLUMNS`), plus ``local_presence``
  and ``evidence`` (empty until the registry stage fills them);
- ``units(city)``: ``county_code, county_name`` and, where known, ``lon, lat, profile`` (the maps: where a
  zone without a boundary is pinned, the unit's profile on hover);
- ``county_ranking(city, firm_id)``: ``county_code, county_name, score, rank, reasons``;
- ``match_name(text)``: ``firm_id, name, legal_name, score`` (best first);
- ``local_entities(city, firm_id)`` / ``expansion_history(firm_id)``: empty frames with their columns
  for now (the registry stage that fills them is being built).
"""

from __future__ import annotations

from functools import cached_property
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

import pandas as pd

from matcher import api
from matcher.outputs.navmap import NavmapOptions

#: targets.csv columns the workbench stores (a subset of matcher.outputs.navmap.TARGET_COLUMNS, plus two to come)
TARGET_COLUMNS: list[str] = [
    "rank", "firm_id", "stock_code", "name", "legal_name", "tags", "home_province", "home_city",
    "home_region", "chain", "segment", "industry", "action", "county_code", "county_name", "score", "reasons",
    "local_presence", "evidence",
]
RANKING_COLUMNS = ["county_code", "county_name", "score", "rank", "reasons"]
MATCH_COLUMNS = ["firm_id", "name", "legal_name", "score"]
LOCAL_ENTITY_COLUMNS = ["entity_name", "county_code", "county_name", "setup_date", "kind", "source"]
EXPANSION_COLUMNS = ["entity_name", "city", "county_name", "setup_date", "kind", "source"]
#: firm-profile keys (``firm(firm_id)`` returns these; missing values are None)
FIRM_FIELDS = [
    "firm_id", "name", "legal_name", "stock_code", "province", "city", "county", "industry",
    "employees", "total_assets_yi", "reg_capital_wan", "list_date", "setup_date", "controller_type",
    "tags", "chain", "segment",
]


@runtime_checkable
class MatcherLink(Protocol):
    """What the workbench reads from matcher."""

    def targets(self, city: str) -> pd.DataFrame: ...

    def units(self, city: str) -> pd.DataFrame: ...

    def city_code(self, city: str) -> str: ...

    def firm(self, firm_id: str) -> dict[str, Any] | None: ...

    def county_ranking(self, city: str, firm_id: str) -> pd.DataFrame: ...

    def match_name(self, text: str, top: int = 5) -> pd.DataFrame: ...

    def local_entities(self, city: str, firm_id: str) -> pd.DataFrame: ...

    def expansion_history(self, firm_id: str) -> pd.DataFrame: ...

    def data_date(self) -> str: ...


def empty(columns: list[str]) -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype="object") for c in columns})


def conform_targets(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with exactly :data:`TARGET_COLUMNS` (missing ones empty)."""
    out = frame.copy()
    for col in TARGET_COLUMNS:
        if col not in out.columns:
            out[col] = None
    return out[TARGET_COLUMNS].reset_index(drop=True)


class WorkdirLink:
    """:class:`MatcherLink` over today's pipeline (``build_navmap`` and the firm master), cached in memory.

    The first ``targets``/``county_ranking`` call of a city builds (or reads from the work-directory
    cache) its navigation map with every eligible firm; the workbench imports the targets once into its
    own database as a dated snapshot, so pages never wait for this.
    """

    def __init__(self, data_dir: str | Path | None, workdir: str | Path | None) -> None:
        self.data_dir = data_dir
        self.workdir = workdir
        self._navmaps: dict[str, Any] = {}

    def _navmap(self, city: str) -> Any:
        if city not in self._navmaps:
            options = NavmapOptions(top=0)  # every eligible firm: the workbench filters and pages itself
            self._navmaps[city] = api.navmap(city, options, self.data_dir, self.workdir)
        return self._navmaps[city]

    @cached_property
    def _firms(self) -> pd.DataFrame:
        return api.firm_master(self.data_dir, self.workdir)

    @cached_property
    def _names(self) -> Any:
        return api.firm_name_index(self.data_dir, self.workdir)

    def targets(self, city: str) -> pd.DataFrame:
        return conform_targets(self._navmap(city).targets)

    def units(self, city: str) -> pd.DataFrame:
        u = self._navmap(city).units
        out = u[["county_code", "county_name"]].astype(str)
        for c in ("lon", "lat", "profile"):  # where a zone's pin goes, the unit's profile (the maps)
            if c in u.columns:
                out[c] = u[c]
        return out.reset_index(drop=True)

    def city_code(self, city: str) -> str:
        return str(self._navmap(city).city_code)

    def firm(self, firm_id: str) -> dict[str, Any] | None:
        hit = self._firms[self._firms["firm_id"] == firm_id]
        if hit.empty:
            return None
        row = hit.iloc[0]
        from matcher.outputs.navmap import firm_tags

        out: dict[str, Any] = {k: None for k in FIRM_FIELDS}
        for k in FIRM_FIELDS:
            if k in row.index and pd.notna(row[k]):
                out[k] = row[k]
        out["industry"] = row.get("sw_l2_name") if pd.notna(row.get("sw_l2_name")) else row.get("industry_tushare")
        out["tags"] = str(firm_tags(hit).iloc[0])
        for k in ("list_date", "setup_date"):
            if out[k] is not None:
                out[k] = pd.Timestamp(out[k]).date().isoformat()
        for nav in self._navmaps.values():
            t = nav.targets[nav.targets["firm_id"] == firm_id]
            if len(t):
                out["chain"], out["segment"] = t["chain"].iloc[0], t["segment"].iloc[0]
        return out

    def county_ranking(self, city: str, firm_id: str) -> pd.DataFrame:
        m = self._navmap(city).matches
        hit = m[m["firm_id"] == firm_id].sort_values("rank", kind="stable")
        return hit[RANKING_COLUMNS].reset_index(drop=True)

    def match_name(self, text: str, top: int = 5) -> pd.DataFrame:
        text = (text or "").strip()
        if not text:
            return empty(MATCH_COLUMNS)
        hits = self._names.match([text], candidates=top).dropna(subset=["firm_id"])
        return hits[MATCH_COLUMNS].reset_index(drop=True)

    def local_entities(self, city: str, firm_id: str) -> pd.DataFrame:
        return empty(LOCAL_ENTITY_COLUMNS)

    def expansion_history(self, firm_id: str) -> pd.DataFrame:
        return empty(EXPANSION_COLUMNS)

    def data_date(self) -> str:
        for nav in self._navmaps.values():
            return str(nav.meta.get("data_vintage", ""))
        return ""
