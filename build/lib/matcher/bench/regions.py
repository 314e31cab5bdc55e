"""``matcher bench regions``: why relatedness is estimated at city level — the split-half stability of
industry proximity at city vs county level → ``benchmarks/results/regions.{json,md}``."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from matcher.regions.profile import DEFAULT_INDUSTRY_COL, industry_proximity


def proximity_stability(
    firms: pd.DataFrame, level: str, industry_col: str = DEFAULT_INDUSTRY_COL, *, repeats: int = 20, seed: int = 0
) -> dict[str, object]:
    """Split-half agreement of proximity estimated at ``level``: firms are split at random into two
    halves, proximity is estimated on each, and the two matrices are correlated (Pearson, over all
    off-diagonal industry pairs, and over the pairs co-located in either half). Also reports how
    sparse the level is."""
    region_col = f"{level}_code"
    placed = firms.dropna(subset=[region_col, industry_col]).reset_index(drop=True)
    per_region = placed.groupby(region_col).size()
    rng = np.random.default_rng(seed)
    corrs: list[float] = []
    corrs_all: list[float] = []
    for _ in range(repeats):
        half = rng.random(len(placed)) < 0.5
        pa = industry_proximity(placed[half], industry_col, level)
        pb = industry_proximity(placed[~half], industry_col, level)
        inds = pa.index.union(pb.index)
        a = pa.reindex(index=inds, columns=inds, fill_value=0.0).to_numpy()
        b = pb.reindex(index=inds, columns=inds, fill_value=0.0).to_numpy()
        offdiag = ~np.eye(len(inds), dtype=bool)
        either = offdiag & ((a > 0) | (b > 0))
        if either.sum() > 2:
            corrs.append(float(np.corrcoef(a[either], b[either])[0, 1]))
        corrs_all.append(float(np.corrcoef(a[offdiag], b[offdiag])[0, 1]))
    return {
        "level": level,
        "industry_col": industry_col,
        "firms_placed": int(len(placed)),
        "regions_with_firms": int(len(per_region)),
        "median_firms_per_region": float(per_region.median()) if len(per_region) else 0.0,
        "share_regions_1_firm": round(float((per_region == 1).mean()), 3) if len(per_region) else 0.0,
        "split_half_corr_all_pairs": round(float(np.mean(corrs_all)), 3),
        "split_half_corr_all_pairs_sd": round(float(np.std(corrs_all)), 3),
        "split_half_corr_colocated_pairs": round(float(np.mean(corrs)), 3) if corrs else None,
        "repeats": repeats,
    }


def run(firms: pd.DataFrame, industry_col: str = DEFAULT_INDUSTRY_COL, repeats: int = 20) -> dict[str, Any]:
    """Both levels, as the results document."""
    return {"levels": [proximity_stability(firms, level, industry_col, repeats=repeats) for level in ("city", "county")]}


def markdown(result: dict[str, Any]) -> str:
    rows = result["levels"]
    keys = list(rows[0])
    md = ["# Proximity level: split-half stability", "",
          "Firms split at random into two halves; industry proximity estimated on each half; agreement "
          "= Pearson correlation of the two proximity matrices over all off-diagonal industry pairs, "
          "and over the pairs co-located in either half. Higher = the level supports a stable estimate.", "",
          "| " + " | ".join(keys) + " |", "|" + "---|" * len(keys)]
    md += ["| " + " | ".join(str(r[k]) for k in keys) + " |" for r in rows]
    return "\n".join(md) + "\n"
