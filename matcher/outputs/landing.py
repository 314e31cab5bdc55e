"""Which county unit each target lands in, when the scores alone do not decide it.

The ranking gives every (firm, unit) pair a score; a target's unit is its best-scoring allowed unit.
Two cases need a stated rule instead of an arbitrary one (:func:`allocate_units`):

1. **Ties.** Where several units score the same for a firm (to float precision, :data:`TIE`) — e.g. a
   生命健康 firm in 秦皇岛, whose chain 卢龙县, the 经开区 and 北戴河新区 all target, with no local partner
   firm anywhere — the data cannot choose between them. Such firms are spread over the tied units in
   rank order: each goes to the tied unit with the fewest targets of its chain so far (then the fewest
   targets, then the unit's order), and the reason says that the units are level. Before, the first code
   in the table won every tie.
2. **Every unit that a city pack names as the home of a target chain receives targets of that chain,
   unless a stated constraint forbids it** (for 秦皇岛: 北戴河新区, the State Council's 生命健康 demonstration
   zone). Where a unit still has none after step 1, the chain's target that fits the unit best moves
   there — only from a unit that keeps at least one target of the chain — and the reason says so, with
   both scores.

With the registry stage built, the scores' unit part is the place choice learned from expansion events
(:mod:`matcher.model.expansion`), so exact ties are rare; existing investors (``fixed``) keep the unit where
they already are.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

import numpy as np
import pandas as pd

#: two units whose scores for a firm differ by less than this are level (float precision)
TIE = 1e-6


def _tied_units(m: pd.DataFrame) -> dict[str, list[str]]:
    """firm_id → the units within :data:`TIE` of its best score (best first, then code)."""
    best = m.groupby("firm_id")["score"].transform("max")
    tied = m[m["score"] >= best - TIE].sort_values(["firm_id", "score", "county_code"], ascending=[True, False, True], kind="stable")
    return {str(f): [str(c) for c in g["county_code"]] for f, g in tied.groupby("firm_id", sort=False)}


def spread_ties(targets: pd.DataFrame, allowed: pd.DataFrame, unit_order: Iterable[str], fixed: Iterable[str] = ()) -> pd.DataFrame:
    """Step 1 (see the module docstring). ``targets`` (rank order; firm_id, chain, county_code) gains
    ``county_code`` reassigned among tied units and ``tied_units`` ('、'-joined codes, empty when not tied);
    ``fixed`` firms (existing investors: they expand where they are) keep their unit."""
    order = {str(c): i for i, c in enumerate(unit_order)}
    keep = set(fixed)
    tied = _tied_units(allowed[allowed["firm_id"].isin(targets["firm_id"]) & ~allowed["firm_id"].isin(keep)])
    per_chain: Counter[tuple[str, str]] = Counter()
    per_unit: Counter[str] = Counter()
    units, ties = [], []
    for fid, chain, cc in zip(targets["firm_id"].astype(str), targets["chain"].astype(str), targets["county_code"].astype(str), strict=True):
        opts = tied.get(fid, [cc])
        if len(opts) > 1:
            cc = min(opts, key=lambda u: (per_chain[(chain, u)], per_unit[u], order.get(u, len(order))))
        per_chain[(chain, cc)] += 1
        per_unit[cc] += 1
        units.append(cc)
        ties.append("、".join(opts) if len(opts) > 1 else "")
    return targets.assign(county_code=pd.array(units, dtype="string"), tied_units=pd.array(ties, dtype="string"))


def cover_target_chains(targets: pd.DataFrame, allowed: pd.DataFrame, wanted: Iterable[tuple[str, str]],
                        fixed: Iterable[str] = ()) -> tuple[pd.DataFrame, list[dict[str, str]]]:
    """Step 2 (see the module docstring). ``wanted``: (unit code, chain) pairs the pack names; ``fixed`` firms
    are never moved. Returns the targets with ``moved_from`` (the unit a moved target left, else empty) and the
    pairs that could not be covered (no target of the chain may land in the unit) with the reason."""
    keep = set(fixed)
    t = targets.copy()
    t["moved_from"] = pd.array([""] * len(t), dtype="string")
    score = allowed.set_index(["firm_id", "county_code"])["score"]
    short: list[dict[str, str]] = []
    for unit, chain in wanted:
        of_chain = t[t["chain"].astype(str) == chain]
        if (of_chain["county_code"].astype(str) == unit).any():
            continue
        counts = of_chain["county_code"].astype(str).value_counts()
        movable = of_chain[of_chain["county_code"].astype(str).map(counts).fillna(0).ge(2).to_numpy()
                           & of_chain["moved_from"].eq("").to_numpy() & ~of_chain["firm_id"].isin(keep).to_numpy()]
        at_unit = [(score.get((str(f), unit), np.nan), i) for i, f in zip(movable.index, movable["firm_id"], strict=True)]
        at_unit = [(s, i) for s, i in at_unit if pd.notna(s)]
        if not at_unit:
            why = "清单中没有该链目标企业" if of_chain.empty else "该链目标企业均不能落在此县区或已是其他县区的唯一对接企业"
            short.append({"county_code": unit, "chain": chain, "reason": why})
            continue
        _, i = max(at_unit, key=lambda x: (x[0], -x[1]))
        t.loc[i, "moved_from"] = str(t.at[i, "county_code"])
        t.loc[i, "county_code"] = unit
    return t, short


def allocate_units(targets: pd.DataFrame, allowed: pd.DataFrame, unit_order: Iterable[str],
                   wanted: Iterable[tuple[str, str]] = (), fixed: Iterable[str] = ()) -> tuple[pd.DataFrame, list[dict[str, str]]]:
    """Both steps: ties spread, then every named (unit, chain) covered where the list allows it; ``fixed``
    firms keep their unit."""
    order = list(unit_order)
    keep = list(fixed)
    t = spread_ties(targets, allowed, order, keep)
    return cover_target_chains(t, allowed, wanted, keep)


__all__ = ["TIE", "allocate_units", "cover_target_chains", "spread_ties"]
