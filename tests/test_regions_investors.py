"""Existing investors of a city (issue 16 part 2): registry entities, cited links the name links miss, and the
city's own signed or landed leads — each with its source; sales outlets alone make no investor."""

from __future__ import annotations

import pandas as pd

from matcher.regions.investors import (
    ENTITY_COLUMNS,
    curated_entities,
    existing_investors,
    is_investor,
    outcome_entities,
    registration_counts,
)

FIRMS = pd.DataFrame({"firm_id": ["S:600550", "S:300999", "S:1"], "stock_code": ["600550", "300999", "000001"]})


def _e(fid: str, date: str | None, county: str, kind: str, name: str, source: str = "registry") -> dict[str, object]:
    return {"firm_id": fid, "reg_date": pd.Timestamp(date) if date else pd.NaT, "province_code": "130000", "city_code": "130300",
            "county_code": county, "link_type": kind, "division": None, "entity_name": name, "source": source}


def test_existing_investors_say_where_since_when_and_what() -> None:
    ent = pd.DataFrame([_e("S:1", "2010-01-01", "130302", "sales_outlet", "某银行海港支行"),
                        _e("S:1", "2004-05-01", "130302", "sales_outlet", "某银行秦皇岛分理处"),
                        _e("S:600550", "2006-04-06", "130303", "subsidiary", "天威保变(秦皇岛)变压器有限公司", "http://example.org/a"),
                        _e("S:300999", None, "130303", "subsidiary", "益海嘉里", "http://example.org/b"),
                        _e("S:300999", "2000-06-28", "130399", "subsidiary", "外市的单位")], columns=ENTITY_COLUMNS)
    inv = existing_investors(ent, ["130302", "130303"]).set_index(["firm_id", "county_code"])
    assert ("S:300999", "130399") not in inv.index  # not a unit of the city
    r = inv.loc[("S:600550", "130303")]
    assert r["first_date"] == pd.Timestamp("2006-04-06") and r["kinds"] == "subsidiary" and r["sources"] == "http://example.org/a"
    assert r["evidence"] == "子公司（2006年起）：天威保变(秦皇岛)变压器有限公司（来源：http://example.org/a）"
    assert "起始时间不详" in inv.loc[("S:300999", "130303"), "evidence"]
    bank = inv.loc[("S:1", "130302")]
    assert bank["n_entities"] == 2 and bank["first_date"] == pd.Timestamp("2004-05-01") and "工商登记样本" in bank["evidence"]
    assert is_investor(r["kinds"]) and not is_investor(bank["kinds"])  # outlets alone make no investor


def test_cited_links_take_their_date_from_the_registry_when_it_holds_them() -> None:
    table = pd.DataFrame({"city_code": ["130300", "130300", "130300"], "county_code": ["130303", "130303", "130302"],
                          "local_name": ["天威秦变", "益海嘉里", "某厂"], "registry_name": ["天威保变(秦皇岛)变压器有限公司", "", "某厂有限公司"],
                          "stock_code": ["600550", "300999", "999999"], "kind": ["subsidiary"] * 3,
                          "source_url": ["http://example.org/a", "http://example.org/b", "http://example.org/c"], "note": ["", "", ""]})
    reg = pd.DataFrame({"legal_name": ["天威保变(秦皇岛)变压器有限公司"], "reg_date": [pd.Timestamp("2006-04-06")], "division": ["38"]})
    out = curated_entities(table, reg, FIRMS).set_index("firm_id")
    assert set(out.index) == {"S:600550", "S:300999"}  # 999999 is no firm of the master
    assert out.at["S:600550", "reg_date"] == pd.Timestamp("2006-04-06") and out.at["S:600550", "division"] == "38"
    assert pd.isna(out.at["S:300999", "reg_date"]) and out.at["S:300999", "entity_name"] == "益海嘉里"


def test_outcomes_count_from_their_stage_date_in_their_unit() -> None:
    o = pd.DataFrame({"lead_id": [3, 3, 4, 5, 6], "firm_id": ["S:1", "S:1", "", "S:600550", "S:300999"],
                      "city_code": ["130300", "130300", "130300", "130300", "130200"],
                      "county_code": ["130322", "130322", "130302", "130371", "130203"],
                      "stage": ["签约", "落地", "落地", "签约", "落地"],
                      "stage_date": pd.to_datetime(["2026-01-05", "2026-03-01", "2026-02-01", "2026-04-01", "2026-01-01"])})
    e = outcome_entities(o, FIRMS, "130300").set_index("firm_id")
    assert set(e.index) == {"S:1", "S:600550"}  # no firm_id: not matched to the master; another city: not here
    assert e.at["S:1", "reg_date"] == pd.Timestamp("2026-01-05") and e.at["S:1", "county_code"] == "130322"
    assert e.at["S:1", "link_type"] == "outcome" and e.at["S:1", "source"] == "outcome"
    assert outcome_entities(None, FIRMS, "130300").empty


def test_registration_counts_mark_branch_names() -> None:
    reg = pd.DataFrame({"province_code": ["130000"] * 3, "city_code": ["130300"] * 3, "county_code": ["130302", "130302", None],
                        "division": ["35", "35", "35"], "reg_year": [2005, 2005, 2006],
                        "legal_name": ["某机械有限公司", "某机械有限公司秦皇岛分公司", "某机械有限公司(秦皇岛)"]})
    c = registration_counts(reg)
    assert c["n"].sum() == 3 and c.loc[c["branch"], "n"].sum() == 1
    assert (c.loc[c["reg_year"] == 2006, "county_code"] == "").all()  # placed at city level only
