"""The expansion models (issue 16 part 2) on a toy history whose right answers are known by construction:
features come from rows before t0 only (the leakage check can fail), the rankers follow the scikit-learn
contract and recover known rules, and a landed lead of the city changes the next scores the documented way."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from matcher.bench.expansion import leakage_check, same_snapshot
from matcher.model import expansion as X
from matcher.model import expansion_tasks as T
from matcher.regions.investors import ENTITY_COLUMNS, outcome_entities

CITIES = pd.DataFrame({"city_code": ["110000", "130200", "130300", "320500"], "name": ["北京市", "唐山市", "秦皇岛市", "苏州市"],
                       "province_code": ["110000", "130000", "130000", "320000"], "lon": [116.4, 118.2, 119.6, 120.6],
                       "lat": [39.9, 39.6, 39.9, 31.3]})
UNITS = pd.DataFrame({"county_code": ["110101", "110102", "130202", "130203", "130302", "130371", "320505", "320571"],
                      "county": ["甲区", "乙区", "路南区", "路北区", "海港区", "经开区", "虎丘区", "园区"],
                      "city_code": ["110000", "110000", "130200", "130200", "130300", "130300", "320500", "320500"],
                      "province_code": ["110000", "110000", "130000", "130000", "130000", "130000", "320000", "320000"],
                      "lon": [116.4, 116.3, 118.2, 118.1, 119.6, np.nan, 120.6, 120.7], "lat": [39.9, 39.8, 39.6, 39.6, 39.9, np.nan, 31.3, 31.3]})
GEO = X.geography(UNITS, CITIES)


def _firms() -> pd.DataFrame:
    return pd.DataFrame({
        "firm_id": ["S:1", "S:2", "S:3", "S:4"], "city_code": pd.array(["110000", "110000", "320500", "130200"], dtype="string"),
        "province_code": pd.array(["110000", "110000", "320000", "130000"], dtype="string"),
        "sw_l1_code": pd.array(["270000", "270000", "280000", "730000"], dtype="string"),
        "county_code": pd.array([None, None, None, None], dtype="string"),
        "division": pd.array(["35", "35", "26", None], dtype="string"),
        "setup_date": pd.to_datetime(["1995-01-01", "1998-01-01", "2000-01-01", "1990-01-01"]),
        "list_date": pd.to_datetime(["2001-01-01", pd.NaT, "2004-01-01", "1999-01-01"]),
        "network": [False, False, False, True],
    })


def _entity(fid: str, date: str, county: str, kind: str = "branch", division: str = "35") -> dict[str, object]:
    u = UNITS.set_index("county_code").loc[county]
    return {"firm_id": fid, "reg_date": pd.Timestamp(date), "province_code": u["province_code"], "city_code": u["city_code"],
            "county_code": county, "link_type": kind, "division": division, "entity_name": f"{fid}{county}{kind}", "source": "registry"}


def toy_data() -> X.ExpansionData:
    rows = [_entity("S:1", "2003-05-01", "130302"), _entity("S:1", "2004-02-01", "320505", "subsidiary"),
            _entity("S:2", "2005-03-01", "130202"), _entity("S:3", "2002-01-01", "130203", "sales_outlet", "52"),
            _entity("S:4", "2004-01-01", "130302"),  # a network firm: never an event
            _entity("S:1", "2010-06-01", "130371", "subsidiary"), _entity("S:2", "2011-01-01", "130302"),
            _entity("S:3", "2010-01-01", "110101")]
    ent = pd.DataFrame(rows, columns=ENTITY_COLUMNS)
    counts = pd.DataFrame({"province_code": ["130000", "130000", "130000", "320000", "130000"],
                           "city_code": ["130300", "130300", "130200", "320500", "130300"],
                           "county_code": ["130302", "130371", "130202", "320505", "130302"], "division": ["35", "35", "26", "35", "35"],
                           "reg_year": [2004, 2007, 2006, 2005, 2012], "branch": [False, True, False, False, True], "n": [40, 5, 7, 30, 9]})
    return X.ExpansionData(ent, counts, _firms())


def test_t0_must_be_a_year_start() -> None:
    with pytest.raises(ValueError, match="1 January"):
        X.snapshot(toy_data(), GEO, "2009-06-01")


def test_expansion_events_are_branches_and_subsidiaries_away_from_home() -> None:
    d = toy_data()
    ev = d.entities[X.is_expansion(d.entities, d.firms)]
    assert set(ev["link_type"]) <= {"branch", "subsidiary"}  # no sales outlet
    assert "S:4" not in set(ev["firm_id"])  # service networks are left out
    assert (ev["city_code"] != ev["firm_id"].map(d.firms.set_index("firm_id")["city_code"])).all()


def test_features_use_only_rows_before_t0_and_the_check_can_fail() -> None:
    d, t0 = toy_data(), pd.Timestamp("2009-01-01")
    assert leakage_check(d, GEO, t0) == {"removed": True, "shuffled": True}
    # a row moved before t0 is seen: the same check then reports a difference
    moved = d.entities.copy()
    moved.loc[moved["reg_date"] >= t0, "reg_date"] = pd.Timestamp("2008-12-31")
    ref = X.snapshot(d, GEO, t0)
    assert not same_snapshot(ref, X.snapshot(X.ExpansionData(moved, d.counts, d.firms), GEO, t0))


def test_snapshot_counts_what_was_there() -> None:
    s = X.snapshot(toy_data(), GEO, "2009-01-01")
    assert list(s.firms["firm_id"]) == ["S:1", "S:2", "S:3"]  # the network firm is not in the universe
    f = s.firm_features.set_index(s.firms["firm_id"])
    assert f.at["S:1", "firm_expansions"] == pytest.approx(np.log1p(2)) and f.at["S:3", "firm_expansions"] == 0.0
    assert f.at["S:1", "firm_listed"] == 1.0 and f.at["S:2", "firm_listed"] == 0.0
    grid = X.city_grid(s, np.arange(3), np.arange(4))
    qhd = s.city_ix["130300"]
    assert grid["firm_in_city"][0, qhd] == pytest.approx(np.log1p(1))  # S:1's branch in 海港区, before t0
    assert grid["same_province"][0, qhd] == 0.0 and grid["city_size"][0, qhd] == pytest.approx(np.log1p(45))  # 2012 row not counted
    u = X.unit_frame(s, np.array([0, 0]), np.array([s.unit_ix["130302"], s.unit_ix["130371"]]))
    assert u["firm_in_unit"].tolist() == [pytest.approx(np.log1p(1)), 0.0]
    assert u["is_zone"].tolist() == [0.0, 1.0] and u["is_district"].tolist() == [1.0, 0.0]


def test_propensity_follows_the_estimator_contract_and_a_known_rule() -> None:
    rng = np.random.default_rng(0)
    x = pd.DataFrame(rng.normal(size=(3000, len(X.PROPENSITY_FEATURES))), columns=list(X.PROPENSITY_FEATURES))
    y = (rng.random(3000) < 1 / (1 + np.exp(-(2.0 * x["firm_in_city"] - 1.5 * x["log_distance"] - 2)))).astype(int)
    m = X.ExpansionPropensity()
    assert m.fit(x, y) is m and m.n_features_in_ == len(X.PROPENSITY_FEATURES)
    assert m.coef_["firm_in_city"] > 1.0 and m.coef_["log_distance"] < -0.8 and abs(m.coef_["city_size"]) < 0.3
    np.testing.assert_allclose(m.decision_function(x), m.intercept_ + x.to_numpy() @ m.coef_.to_numpy())
    back = X.ExpansionPropensity.from_dict(m.to_dict())
    np.testing.assert_allclose(back.decision_function(x), m.decision_function(x))


def test_place_choice_recovers_a_known_choice_rule() -> None:
    rng = np.random.default_rng(1)
    n_sets, k = 300, 6
    x = pd.DataFrame(rng.normal(size=(n_sets * k, len(X.UNIT_FEATURES))), columns=list(X.UNIT_FEATURES))
    x["group"] = np.repeat(np.arange(n_sets), k)
    util = 3.0 * x["firm_in_unit"] + 1.0 * x["unit_size"] + rng.gumbel(size=len(x))
    y = (util == util.groupby(x["group"]).transform("max")).astype(float)
    m = X.PlaceChoice()
    assert m.fit(x, y) is m
    assert m.coef_["firm_in_unit"] > 2.0 and 0.5 < m.coef_["unit_size"] < 1.6
    lp = X.log_probabilities(m.decision_function(x), x["group"].to_numpy())
    np.testing.assert_allclose(np.exp(lp).reshape(n_sets, k).sum(axis=1), 1.0)


def _hand_model() -> T.Fitted:
    """Known weights: presence in the city +1, presence in the unit +2, nothing else."""
    prop = {"kind": "expansion_propensity", "C": 1.0, "intercept": -3.0,
            "coef": {f: (1.0 if f == "firm_in_city" else 0.0) for f in X.PROPENSITY_FEATURES},
            "mean": {f: 0.0 for f in X.PROPENSITY_FEATURES}}
    unit = {"kind": "place_choice", "l2": 1.0, "coef": {f: (2.0 if f == "firm_in_unit" else 0.0) for f in X.UNIT_FEATURES},
            "center": {f: 0.0 for f in X.UNIT_FEATURES}}
    city = {"kind": "place_choice", "l2": 1.0, "coef": {f: 0.0 for f in X.CITY_FEATURES}, "center": {f: 0.0 for f in X.CITY_FEATURES}}
    return T.fitted_from_dict({"propensity": prop, "unit": unit, "city": city})


def test_a_landed_lead_raises_the_firm_for_the_city_and_its_unit() -> None:
    """The documented way (matcher/model/match.py): a signed or landed lead counts as an entity of the firm in
    that unit from its stage date, so the presence features move by the fitted weights."""
    d = toy_data()
    units = UNITS[UNITS["city_code"] == "130300"][["county_code", "lon", "lat"]].assign(lon=[119.6, 119.5], lat=[39.9, 39.8])
    before = T.city_scores(_hand_model(), d, GEO, "130300", units).set_index(["firm_id", "county_code"])
    out = pd.DataFrame({"lead_id": [7], "firm_id": ["S:3"], "city_code": ["130300"], "county_code": ["130371"], "stage": ["落地"],
                        "stage_date": [pd.Timestamp("2026-03-01")]})
    extra = outcome_entities(out, d.firms, "130300")
    after = T.city_scores(_hand_model(), d, GEO, "130300", units, extra).set_index(["firm_id", "county_code"])
    assert after.at[("S:3", "130371"), "expansion_logit"] - before.at[("S:3", "130371"), "expansion_logit"] == pytest.approx(np.log(2))
    assert after.at[("S:3", "130371"), "in_unit"] == 1 and before.at[("S:3", "130371"), "in_unit"] == 0
    assert after.at[("S:3", "130371"), "unit_logp"] > before.at[("S:3", "130371"), "unit_logp"]
    assert np.exp(after.loc["S:3", "unit_logp"]).sum() == pytest.approx(1.0)
    # other firms do not move; the network firm is not scored by the propensity model
    assert after.loc["S:1", "expansion_logit"].tolist() == before.loc["S:1", "expansion_logit"].tolist()
    assert after.loc["S:4", "expansion_logit"].isna().all()
