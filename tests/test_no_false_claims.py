"""Claims the outputs make to planners must be true of the method (issue: the map said "无信息泄漏"
about a benchmark whose firm population is the firms still listed in 2024)."""

from __future__ import annotations

import pandas as pd

from matcher.outputs.navmap import NavmapOptions, overview_table


def test_overview_states_the_survivorship_limit_and_claims_no_leak_freedom() -> None:
    meta = {"city": "合成市", "city_code": "990100", "n_units": 1, "data_vintage": "2024-05-13", "n_firms": 1,
            "n_scored": 1, "n_local": 0}
    t = overview_table(meta, NavmapOptions(), pd.DataFrame(columns=["action", "home_region"]),
                       pd.DataFrame(columns=["benchmark", "model", "metric", "value"]))
    text = "".join(t["value"].astype(str))
    assert "无信息泄漏" not in text and "没有信息泄漏" not in text
    assert "仍在上市" in text and "退市" in text
