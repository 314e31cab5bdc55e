"""Which county unit a target lands in when the scores do not decide it (issue 16): ties are spread,
and every unit a pack names as the home of a target chain receives targets of that chain unless a
constraint forbids it. Synthetic units 甲/乙/丙 (codes 9901xx)."""

from __future__ import annotations

import pandas as pd

from matcher.outputs.landing import allocate_units, cover_target_chains, spread_ties

UNITS = ["990101", "990102", "990103"]


def _allowed(scores: dict[str, dict[str, float]]) -> pd.DataFrame:
    rows = [{"firm_id": f, "county_code": u, "score": s} for f, by in scores.items() for u, s in by.items()]
    return pd.DataFrame(rows).sort_values(["firm_id", "score", "county_code"], ascending=[True, False, True])


def test_ties_are_spread_not_sent_to_the_first_code() -> None:
    # four 生命健康 firms level in all three units (old behaviour: all four to 990101, the lowest code)
    allowed = _allowed({f"F{i}": {u: 1.0 for u in UNITS} for i in range(4)})
    t = pd.DataFrame({"firm_id": [f"F{i}" for i in range(4)], "chain": "生命健康", "county_code": "990101"})
    got = spread_ties(t, allowed, UNITS)
    assert got["county_code"].tolist() == ["990101", "990102", "990103", "990101"]
    assert (got["tied_units"] == "990101、990102、990103").all()


def test_a_real_score_difference_is_kept() -> None:
    allowed = _allowed({"F0": {"990101": 1.0, "990102": 1.2, "990103": 1.0}})
    t = pd.DataFrame({"firm_id": ["F0"], "chain": "生命健康", "county_code": ["990102"]})
    got = spread_ties(t, allowed, UNITS)
    assert got["county_code"].tolist() == ["990102"] and got["tied_units"].tolist() == [""]


def test_every_named_unit_gets_its_chain() -> None:
    # all three 生命健康 firms prefer 990101 a little; 990103 names 生命健康 as its chain
    allowed = _allowed({"F0": {"990101": 2.0, "990103": 1.5}, "F1": {"990101": 1.9, "990103": 1.0},
                        "F2": {"990101": 1.8, "990103": 1.7}})
    t = pd.DataFrame({"firm_id": ["F0", "F1", "F2"], "chain": "生命健康", "county_code": "990101"})
    got, short = cover_target_chains(t.assign(tied_units=""), allowed, [("990103", "生命健康")])
    assert short == []
    moved = got.set_index("firm_id")
    assert moved.at["F2", "county_code"] == "990103" and moved.at["F2", "moved_from"] == "990101"  # the best fit there
    assert (moved["county_code"] == "990101").sum() == 2


def test_a_forbidden_unit_is_reported_not_filled() -> None:
    # the pair (F0, 990103) is not allowed (a constraint): the unit stays uncovered, and it is said why
    allowed = _allowed({"F0": {"990101": 2.0}, "F1": {"990101": 1.0}})
    t = pd.DataFrame({"firm_id": ["F0", "F1"], "chain": "生命健康", "county_code": "990101"})
    got, short = allocate_units(t, allowed, UNITS, [("990103", "生命健康"), ("990102", "葡萄酒")])
    assert (got["county_code"] == "990101").all()
    assert [(s["county_code"], s["chain"]) for s in short] == [("990103", "生命健康"), ("990102", "葡萄酒")]
    assert short[1]["reason"] == "清单中没有该链目标企业"


def test_the_only_target_of_a_chain_in_a_unit_is_not_taken_away() -> None:
    allowed = _allowed({"F0": {"990101": 2.0, "990103": 1.9}})
    t = pd.DataFrame({"firm_id": ["F0"], "chain": "生命健康", "county_code": ["990101"], "tied_units": [""]})
    got, short = cover_target_chains(t, allowed, [("990101", "生命健康"), ("990103", "生命健康")])
    assert got["county_code"].tolist() == ["990101"] and len(short) == 1
