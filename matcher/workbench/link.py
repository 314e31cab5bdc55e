"""The one seam between the workbench and the rest of matcher.

Every read of matcher's recommendations goes through a :class:`MatcherLink`. The workbench's services,
routes and reports depend on this Protocol only; :class:`WorkdirLink` implements it over a data
directory and a work directory with today's code (the navigation map, the firm × county scores, the
firm master and its entity resolution). It is kept small on purpose: the lead rewires it to the
public facade ``matcher.api`` after merging.

Frames returned (column names are the contract):

- ``targets(city)``: the columns of ``targets.csv`` (:data:`TARGET_COLUMNS`), plus ``local_presence``
  and ``evidence`` (empty until the registry stage fills them);
- ``units(city)``: ``county_code, county_name``;
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


def name_records(firms: pd.DataFrame) -> pd.DataFrame:
    """Firm-master rows as entity-resolution records, prepared once (``matcher.firms.resolve.prepare``)."""
    from matcher.firms import resolve

    rec = pd.DataFrame({
        "rec_id": firms["firm_id"].astype(str),
        "legal_name": firms.get("legal_name"), "short_name": firms.get("name"),
        "province": firms.get("province"), "city": firms.get("city"),
    })
    return resolve.prepare(rec)


def resolve_name(text: str, records: pd.DataFrame, names: pd.DataFrame, top: int = 5) -> pd.DataFrame:
    """The firm-master rows whose names best match a hand-typed ``text`` (the project's entity
    resolution: blocking on name tokens, then the name score). ``records`` from :func:`name_records`,
    ``names`` with ``firm_id, name, legal_name``."""
    from matcher.firms import resolve

    text = (text or "").strip()
    if not text or records.empty:
        return empty(MATCH_COLUMNS)
    left = resolve.prepare(pd.DataFrame({"rec_id": ["q"], "legal_name": [text], "short_name": [text]}))
    pairs = resolve.candidate_pairs(left, records, use_dates=False)
    if pairs.empty:
        return empty(MATCH_COLUMNS)
    scored = resolve.score_pairs(pairs, left, records)
    best = scored.sort_values(["score", "right_id"], ascending=[False, True], kind="stable").head(top)
    out = best[["right_id", "score"]].rename(columns={"right_id": "firm_id"})
    out = out.merge(names[["firm_id", "name", "legal_name"]].astype({"firm_id": str}), on="firm_id", how="left")
    out["score"] = out["score"].astype(float).round(3)
    return out[MATCH_COLUMNS].reset_index(drop=True)


def _facade() -> Any:
    """``matcher.api`` (the public facade) when this version of matcher has it."""
    try:
        import matcher.api as api
    except ImportError:
        return None
    return api if hasattr(api, "navmap") and hasattr(api, "firm_master") else None


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
            from matcher.outputs.navmap import NavmapOptions

            options = NavmapOptions(top=0)  # every eligible firm: the workbench filters and pages itself
            api = _facade()
            if api is not None:
                self._navmaps[city] = api.navmap(city, options, self.data_dir, self.workdir)
            else:  # before the facade (matcher.api) exists
                from matcher.outputs.navmap import build_navmap  # type: ignore[attr-defined]

                self._navmaps[city] = build_navmap(city, self.data_dir, self.workdir, options)
        return self._navmaps[city]

    @cached_property
    def _firms(self) -> pd.DataFrame:
        api = _facade()
        if api is not None:
            return api.firm_master(self.data_dir, self.workdir)
        from matcher.firms.master import ensure_firms  # type: ignore[attr-defined]
        from matcher.pipeline import workdir_from
        from matcher.sources.base import data_dir_from

        return ensure_firms(data_dir_from(self.data_dir), workdir_from(self.workdir))

    @cached_property
    def _records(self) -> pd.DataFrame:
        return name_records(self._firms)

    def targets(self, city: str) -> pd.DataFrame:
        return conform_targets(self._navmap(city).targets)

    def units(self, city: str) -> pd.DataFrame:
        return self._navmap(city).units[["county_code", "county_name"]].astype(str).reset_index(drop=True)

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
        return resolve_name(text, self._records, self._firms, top)

    def local_entities(self, city: str, firm_id: str) -> pd.DataFrame:
        return empty(LOCAL_ENTITY_COLUMNS)

    def expansion_history(self, firm_id: str) -> pd.DataFrame:
        return empty(EXPANSION_COLUMNS)

    def data_date(self) -> str:
        for nav in self._navmaps.values():
            return str(nav.meta.get("data_vintage", ""))
        return ""
