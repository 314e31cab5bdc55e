"""FirmCountyRanker and score_matches: contract, known-answer toys, and the real 秦皇岛 run."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from test_model_pairs import EDGES, synthetic_firms, synthetic_presence, synthetic_units

from matcher.model.match import (
    DEFAULT_WEIGHTS,
    EVIDENCE_WEIGHTS,
    RELOCATION_WEIGHTS,
    WEIGHT_SOURCE,
    FirmCountyRanker,
    best_landing,
    curated_from_pack,
    score_matches,
)
from matcher.model.pairs import FEATURES, build_unit_tables, feature_grid, firm_arrays, pair_features


def synthetic_pairs() -> pd.DataFrame:
    t = build_unit_tables(synthetic_units(), synthetic_presence(), industry_col="industry", edges=EDGES,
                          as_of=pd.Timestamp("2024-01-01"), neighbour_km=100)  # fmt: skip
    return pair_features(synthetic_firms(), t, industry_col="industry")


def test_weights_are_labelled() -> None:
    assert set(DEFAULT_WEIGHTS) == set(FEATURES)
    assert not set(RELOCATION_WEIGHTS) & set(EVIDENCE_WEIGHTS)
    for f in FEATURES:
        assert WEIGHT_SOURCE[f] == ("fitted:relocation" if f in RELOCATION_WEIGHTS else "evidence")
    assert DEFAULT_WEIGHTS["is_excluded"] < -5  # a constraint must sink a county


def test_learned_weights_are_labelled() -> None:
    """With the registry stage the ranking adds the learned log-odds (issue 16 part 2); the hand-set chain-link
    weights lost to the fitted place choice on held-out events, so they are 0; the pack's policy keeps its weights."""
    from matcher.model.match import LEARNED_FEATURES, LEARNED_SOURCE, LEARNED_WEIGHTS

    assert set(LEARNED_WEIGHTS) == set(FEATURES) | set(LEARNED_FEATURES)
    assert {f: LEARNED_SOURCE[f] for f in LEARNED_FEATURES} == {"expansion_logit": "fitted:expansion", "unit_logp": "fitted:expansion"}
    assert LEARNED_WEIGHTS["chain_customers"] == LEARNED_WEIGHTS["chain_suppliers"] == LEARNED_WEIGHTS["firm_size"] == 0.0
    assert LEARNED_WEIGHTS["is_excluded"] < -5 and LEARNED_SOURCE["is_target"] == "evidence"
    r = FirmCountyRanker(weights=LEARNED_WEIGHTS)
    grid = {f: np.zeros((2, 3)) for f in LEARNED_WEIGHTS}
    grid["expansion_logit"] = np.array([[1.0] * 3, [2.0] * 3])
    grid["unit_logp"] = np.log(np.array([[0.5, 0.3, 0.2]] * 2))
    r.fit(pd.DataFrame({f: v.ravel() for f, v in grid.items()}))
    assert r.weight_source_["expansion_logit"] == "fitted:expansion"
    np.testing.assert_allclose(r.score_grid(grid), grid["expansion_logit"] + grid["unit_logp"], rtol=1e-6)


def test_ranker_contract() -> None:
    X = synthetic_pairs()
    r = FirmCountyRanker()
    assert r.fit(X) is r
    assert hasattr(r, "coef_") and hasattr(r, "center_") and r.n_features_in_ == len(FEATURES)
    s = r.decision_function(X)
    assert s.shape == (len(X),) and np.isfinite(s).all()
    np.testing.assert_allclose(s, X[list(r.coef_.index)].to_numpy(float) @ r.coef_.to_numpy())
    ranked = r.rank(X, group_col="firm_id", keys=["firm_id", "county_code"])
    assert list(ranked.columns) == ["firm_id", "county_code", "score", "rank", "reasons"]
    assert ranked.groupby("firm_id")["rank"].min().eq(1).all()
    assert ranked["reasons"].map(lambda t: isinstance(t, str) and len(t) > 0).all()
    pd.testing.assert_frame_equal(ranked, FirmCountyRanker().fit(X).rank(X, group_col="firm_id", keys=["firm_id", "county_code"]))
    wt = r.weight_table()
    assert set(wt["source"]) == {"fitted:relocation", "evidence"}


def test_score_grid_matches_long_frame() -> None:
    t = build_unit_tables(synthetic_units(), synthetic_presence(), industry_col="industry", edges=EDGES, as_of=pd.Timestamp("2024-01-01"))
    firms = synthetic_firms()
    grid = feature_grid(firm_arrays(firms, t, industry_col="industry"), t, FEATURES)
    long = pd.DataFrame({f: np.asarray(v, dtype=float).ravel() for f, v in grid.items()})
    r = FirmCountyRanker().fit(long)
    np.testing.assert_allclose(np.asarray(r.score_grid(grid)).ravel(), r.decision_function(long), rtol=1e-5, atol=1e-5)


def test_known_answer_chain_and_exclusion() -> None:
    """Two synthetic counties identical except that B has the firm's buyers; a third excludes its industry."""
    units = pd.DataFrame({
        "county_code": ["900101", "900102", "900103"], "name": ["A", "B", "Z"], "city_code": ["900100"] * 3,
        "province_code": ["900000"] * 3, "lon": [110.0, 110.0, 110.0], "lat": [30.0, 30.0, 30.0],
    })  # fmt: skip
    presence = pd.DataFrame({"county_code": ["900102", "900102", "900101", "900103"], "province_code": ["900000"] * 4,
                             "industry": ["220100", "220100", "440100", "440100"]})  # fmt: skip
    curated = pd.DataFrame({"county_code": ["900103"], "kind": ["exclude"], "industry": ["110000"], "chain": [None]})
    t = build_unit_tables(units, presence, industry_col="industry", edges=EDGES, curated=curated)
    firm = pd.DataFrame({"firm_id": ["F"], "industry": ["110100"], "province_code": ["800000"], "city_code": ["800100"],
                         "lon": [100.0], "lat": [25.0]})  # fmt: skip
    grid = feature_grid(firm_arrays(firm, t, industry_col="industry"), t, FEATURES)
    r = FirmCountyRanker().fit(pd.DataFrame({f: np.asarray(v, float).ravel() for f, v in grid.items()}))
    s = np.asarray(r.score_grid(grid))[0]
    assert s[1] > s[0] > s[2]  # B (buyers present) > A > Z (excluded)


def test_fit_recovers_a_known_choice_rule() -> None:
    """Synthetic choices drawn from a conditional logit with known weights: the fit must find them."""
    rng = np.random.default_rng(3)
    n_firms, n_places = 400, 20
    x1 = rng.normal(size=(n_firms, n_places))
    x2 = rng.normal(size=(n_firms, n_places))
    util = 1.5 * x1 - 1.0 * x2 + rng.gumbel(size=(n_firms, n_places))
    chosen = util.argmax(axis=1)
    X = pd.DataFrame({
        "firm_id": np.repeat(np.arange(n_firms), n_places).astype(str),
        "a": x1.ravel(), "b": x2.ravel(),
    })  # fmt: skip
    y = np.zeros(n_firms * n_places)
    y[np.arange(n_firms) * n_places + chosen] = 1
    r = FirmCountyRanker(weights={"a": 0.0, "b": 0.0}, fit_features=["a", "b"], l2=0.01).fit(X, y)
    assert r.coef_["a"] == pytest.approx(1.5, abs=0.3) and r.coef_["b"] == pytest.approx(-1.0, abs=0.3)
    assert r.weight_source_ == {"a": "fitted", "b": "fitted"}
    with pytest.raises(ValueError):
        FirmCountyRanker(weights={"a": 0.0}, fit_features=["a"]).fit(X, np.zeros(len(X)))


def test_targeted_chain_wins_only_among_equally_evidenced_positions() -> None:
    """Issue 16: a firm was put on a city-targeted chain at any weight (王府井 → 粮油 at a business-scope
    mention). Now the preference breaks ties among the best-evidenced positions only."""
    from matcher.chain.positions import choose_positions

    pos = pd.DataFrame({
        "firm_id": ["a", "a", "b", "b"], "chain": ["甲链", "乙链", "甲链", "乙链"], "segment": ["上游", "下游", "中游", "中游"],
        "evidence": ["industry", "product", "industry", "industry"], "score": [2.0, 0.3, 2.0, 2.0],
        "evidence_text": ["x", "y", "x", "x"], "best": [True, False, True, True],
    })  # fmt: skip
    got = choose_positions(pos, {"乙链"}).set_index("firm_id")
    assert got.loc["a", "chain"] == "甲链"  # its own industry beats a side product on the targeted chain
    assert got.loc["b", "chain"] == "乙链"  # equal evidence: the targeted chain
    assert choose_positions(pos, set()).set_index("firm_id").loc["b", "chain"] == min("甲链", "乙链")  # then the name


def test_curated_from_pack() -> None:
    from matcher.regions.pack import parse_pack

    pack = parse_pack({
        "city": "合成市", "city_code": "990100", "province": "合成省",
        "units": [{"code": "990101", "name": "甲区",
                   "constraints": [{"value": "synthetic tourism zone", "kind": "tourism_zone", "excludes_sw_l1": ["钢铁", "不存在的行业"],
                                    "source": "FACTS.md#synthetic"}],
                   "targeted_chains": [{"value": "生命健康", "source": "FACTS.md#synthetic"}],
                   "anchor_firms": [{"name": "合成甲厂", "products": ["面粉 (12万吨)"], "source": "FACTS.md#synthetic"},
                                    {"name": "合成乙厂", "chains": ["生命健康"], "source": "FACTS.md#synthetic"}]}],
    })  # fmt: skip
    cur = curated_from_pack(pack, {"230000": "钢铁", "230100": "普钢"}, lambda products: ["粮油食品"] if "面粉 (12万吨)" in products else [])
    anchors = cur[cur["kind"] == "anchor"]
    assert sorted(zip(anchors["note"], anchors["chain"], strict=True)) == [("合成乙厂", "生命健康"), ("合成甲厂", "粮油食品")]
    cur = curated_from_pack(pack, {"230000": "钢铁", "230100": "普钢"})
    assert cur[cur["kind"] == "exclude"]["industry"].tolist() == ["230000"]  # unknown names are skipped
    assert cur[cur["kind"] == "target"]["chain"].tolist() == ["生命健康"]
    assert curated_from_pack(None, {}).empty


# ------------------------------------------------------------------------------------------ real data
@pytest.mark.realdata
def test_score_matches_qinhuangdao(pipe) -> None:  # noqa: ANN001
    real_firms = pipe.firms
    inputs = pipe.city_inputs("秦皇岛")
    m = score_matches(real_firms, inputs)
    units = set(m["county_code"])
    assert {"130302", "130304", "130371", "130372"} <= units and len(units) == 9
    assert not (real_firms.set_index("firm_id").loc[m["firm_id"].unique(), "city_code"] == "130300").any()
    n_firms = m["firm_id"].nunique()
    assert len(m) == n_firms * 9
    assert (m.groupby("firm_id")["rank"].apply(lambda r: sorted(r) == list(range(1, 10)))).all()
    assert (m.groupby("county_code")["firm_rank"].min() == 1).all()
    for col in ["firm_id", "county_code", "county_name", "score", "rank", "chain", "segment", "reasons", *FEATURES]:
        assert col in m.columns
    assert m["reasons"].str.len().gt(0).mean() > 0.9
    # 北戴河区 (a tourism zone in the pack) excludes heavy industry: there are such firms, and for every one of
    # them 北戴河区 is flagged and ranked last or next to last among the nine units
    excluded = inputs.curated[(inputs.curated["kind"] == "exclude") & (inputs.curated["county_code"] == "130304")]
    assert len(excluded) > 0
    prefixes = tuple(str(c)[:2] for c in excluded["industry"])
    heavy = m[m["industry"].astype("string").str[:2].isin(prefixes).fillna(False)]
    assert heavy["firm_id"].nunique() > 20
    bdh = heavy[heavy["county_code"] == "130304"]
    assert (bdh["is_excluded"] == 1).all() and (bdh["rank"] >= 8).all()
    # issue 16: distance to the firm's home no longer picks the unit inside the city (卢龙县 took 84 of 200)
    located = m[m["distance_km"].notna()]
    assert located.groupby("firm_id")["distance_km"].nunique().eq(1).all()
    best = best_landing(m)
    assert best["firm_id"].is_unique and len(best) == n_firms
    # deterministic, and `top` keeps the best firms
    m2 = score_matches(real_firms, inputs, top=20)
    assert m2["firm_id"].nunique() == 20
    top20 = set(best["firm_id"].head(20))
    assert set(m2["firm_id"]) == top20
    pd.testing.assert_frame_equal(m[m["firm_id"].isin(top20)].reset_index(drop=True), m2.reset_index(drop=True))


def test_fused_scoring_equals_grid_scoring() -> None:
    """score_firms (one gather per firm) must equal scoring the materialised feature grid."""
    curated = pd.DataFrame({"county_code": ["100101", "100201"], "kind": ["exclude", "target"],
                            "industry": ["110000", None], "chain": [None, "synthetic-chain"]})  # fmt: skip
    t = build_unit_tables(synthetic_units(), synthetic_presence(), industry_col="industry", edges=EDGES,
                          curated=curated, as_of=pd.Timestamp("2024-01-01"), neighbour_km=100)  # fmt: skip
    firms = pd.concat([synthetic_firms(), synthetic_firms().assign(firm_id=["F3", "F4"], lon=[np.nan, 110.0])], ignore_index=True)
    firms["chain"] = ["synthetic-chain", None, None, "synthetic-chain"]
    fa = firm_arrays(firms, t, industry_col="industry")
    grid = feature_grid(fa, t, FEATURES)
    r = FirmCountyRanker().fit(pd.DataFrame({f: np.asarray(v, float).ravel() for f, v in grid.items()}))
    np.testing.assert_allclose(r.score_firms(fa, t), r.score_grid(grid), rtol=1e-5, atol=1e-5)


def test_standing_text_says_no_placeholder_controller() -> None:
    """Issue 16: "，无；" stood in 159 reasons (the source's controller type "无")."""
    from matcher.model.match import standing_text

    f = pd.DataFrame({"firm_id": ["a", "b"], "is_listed": [True, True], "stock_code": ["000001", "000002"],
                      "employees": [10.0, 20.0], "controller_type": ["无", "民营企业"]})
    got = standing_text(f)
    assert "无" not in got["a"] and got["a"].endswith("员工10人")
    assert got["b"].endswith("民营企业")
