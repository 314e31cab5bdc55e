"""The registry stage as one pure function (:func:`build_registry_evidence`): load the registry sample, place
and classify every registration (:mod:`matcher.firms.registry`), link them to the firm master
(:mod:`matcher.firms.registry_links`), and derive county profiles (:mod:`matcher.regions.registry_profiles`),
local presence and expansion events (:mod:`matcher.regions.registry_presence`). The orchestrator caches the frames:

``registry`` (:data:`matcher.firms.registry.REGISTRY_COLUMNS`), ``registry_links``
(:data:`matcher.firms.registry_links.LINK_COLUMNS`), ``registry_profiles`` / ``registry_segments``
(:mod:`matcher.regions.registry_profiles`), ``local_presence`` / ``expansion_events``
(:mod:`matcher.regions.registry_presence`), ``registry_quarantine`` (the loader's refused rows), and the
``registry_report`` document (rows read / accepted / quarantined, placement shares, model, seconds).
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pandas as pd

from matcher.firms.registry import build_registry
from matcher.firms.registry_links import LINK_THRESHOLD, link_registrations
from matcher.regions import registry_presence as PR
from matcher.regions import registry_profiles as RP
from matcher.sources.gbt4754 import load_gbt4754
from matcher.sources.registry_sample import load_registry_sample

#: raw folders the stage reads
REGISTRY_FOLDERS = ("registry_sample_2019", "gbt4754_2017", "jionlp_location", "admin_county_coords_derived")


def build_registry_evidence(data_dir: Path, firms: pd.DataFrame, address_rules: pd.DataFrame | None,
                            templates: Iterable[object], exclude_rows: set[int] | None = None,
                            threshold: float = LINK_THRESHOLD) -> tuple[dict[str, pd.DataFrame], dict[str, Any]]:
    t0 = time.perf_counter()
    res = load_registry_sample(Path(data_dir))
    gbt = load_gbt4754(Path(data_dir)).frame
    t1 = time.perf_counter()
    reg, report = build_registry(res.frame, Path(data_dir), gbt, address_rules, exclude_rows)
    names = res.frame[["row", "legal_name"]]
    loader = {"read": res.rows_read, "accepted": res.rows_accepted, "quarantined": res.rows_quarantined,
              "quarantine_by_reason": {str(k): int(v) for k, v in res.quarantine["reason"].value_counts().items()}}
    quarantine = res.quarantine
    del res  # the text columns are not needed any more
    t2 = time.perf_counter()
    links = link_registrations(names, firms)
    t3 = time.perf_counter()
    profiles = RP.division_profiles(reg)
    rules = RP.segment_rules(templates, gbt)
    members = RP.segment_members(reg, rules)
    segments = RP.segment_profiles(reg, members)
    presence = PR.local_presence(links, reg, firms, threshold)
    events = PR.expansion_events(links, reg, firms, threshold)
    t4 = time.perf_counter()
    report.update({
        "loader": loader,
        "links": {"candidates": len(links), "threshold": threshold, "at_threshold": int((links["score"] >= threshold).sum()),
                  "by_type": {str(k): int(v) for k, v in links.loc[links["score"] >= threshold, "link_type"].value_counts().items()}},
        "local_presence_rows": len(presence), "expansion_events": len(events),
    })
    report["seconds"].update({"load": round(t1 - t0, 1), "link": round(t3 - t2, 1), "profiles": round(t4 - t3, 1),
                              "total": round(t4 - t0, 1)})
    frames = {"registry": reg, "registry_links": links, "registry_profiles": profiles, "registry_segments": segments,
              "local_presence": presence, "expansion_events": events, "registry_quarantine": quarantine}
    return frames, report


def labelled_rows(labels: pd.DataFrame) -> set[int]:
    """File rows (1-based) of the labelled industry sample (its ``row_index`` is 0-based): never trained on."""
    return {int(i) + 1 for i in labels["row_index"]}


__all__ = ["REGISTRY_FOLDERS", "build_registry_evidence", "labelled_rows"]
