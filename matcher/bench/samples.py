"""How each labelled evaluation sample was drawn, as code: the seeds and rules are recorded here, and
``tests/test_bench_samples.py`` redraws every sample from the raw data and checks that the committed
labels are exactly those rows (so no row was swapped after its label or the model's output was seen).

The labels themselves (``data/labels/*.csv``, with the written labelling rule beside each) were made
before any model that they measure was run on those rows; each has a ``tune``/``dev`` half (may be
used to choose rules) and a ``holdout`` half (only ever reported).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow.parquet as pq

REGISTRY_FILE = "registry_sample_2019/registrations.parquet"


def registry_industry_sample(data_dir: Path, n: int = 480, seed_draw: int = 20261202, seed_half: int = 20261203) -> pd.DataFrame:
    """``data/labels/registry_industry.csv``'s rows: ``n`` row positions uniformly without replacement over
    every registration (``default_rng(seed_draw)``), sample_id in draw order; a second generator
    permutes the sample ids: the first half is ``tune``, the rest ``holdout``."""
    cols = {"统一社会信用代码": "credit_code", "企业名称": "name", "企业类型": "org_type", "经营范围": "scope",
            "所在省份": "province", "地区": "city"}
    table = pq.read_table(Path(data_dir) / REGISTRY_FILE, columns=list(cols))
    pos = np.random.default_rng(seed_draw).choice(table.num_rows, size=n, replace=False)
    sub = table.take(pos).to_pandas().rename(columns=cols)
    perm = np.random.default_rng(seed_half).permutation(n)
    half = np.empty(n, dtype=object)
    half[perm[: n // 2]] = "tune"
    half[perm[n // 2:]] = "holdout"
    sub.insert(0, "half", half)
    sub.insert(0, "row_index", pos.astype(np.int64))
    sub.insert(0, "sample_id", np.arange(1, n + 1))
    return sub.reset_index(drop=True)


def geo_holdout_sample(data_dir: Path, seed_draw: int = 20261204, seed_half: int = 20261205) -> pd.DataFrame:
    """``data/labels/geo_holdout_registry.csv``'s rows: 300 registrations with an address uniformly at
    random (stratum ``national``), then 120 of 河北/秦皇岛 (stratum ``qinhuangdao``) from the same
    generator; per stratum a second generator's permutation makes the first half ``dev``, the rest
    ``holdout``. The credit code is never read (its authority code is another locating method)."""
    cols = ["企业名称", "所在省份", "地区", "注册地址"]
    df = pd.read_parquet(Path(data_dir) / REGISTRY_FILE, columns=cols).reset_index(drop=True)
    addr = df["注册地址"].fillna("").astype(str)
    prov = df["所在省份"].fillna("").astype(str).str.strip()
    city = df["地区"].fillna("").astype(str).str.strip()
    nat_pool = np.flatnonzero(addr.str.strip().ne("").to_numpy())
    qhd_pool = np.flatnonzero((prov.eq("河北") & (city.eq("秦皇岛") | (city.eq("") & addr.str.contains("秦皇岛")))).to_numpy())
    rng = np.random.default_rng(seed_draw)
    nat = rng.choice(nat_pool, size=300, replace=False)
    qhd = rng.choice(qhd_pool, size=120, replace=False)
    rng2 = np.random.default_rng(seed_half)
    parts = []
    for stratum, prefix, idx in (("national", "N", nat), ("qinhuangdao", "Q", qhd)):
        perm = rng2.permutation(len(idx))
        half = np.where(np.argsort(perm) < len(idx) // 2, "dev", "holdout")
        sub = df.loc[idx, cols]
        parts.append(pd.DataFrame({
            "sample_id": [f"{prefix}{i + 1:03d}" for i in range(len(idx))], "stratum": stratum, "half": half,
            "row_index": idx, "province": sub["所在省份"].to_numpy(), "city": sub["地区"].to_numpy(),
            "address": sub["注册地址"].to_numpy(), "name": sub["企业名称"].to_numpy(),
        }))
    return pd.concat(parts, ignore_index=True)


CHAIN_POPULATION_FILE = "labels/chain_assignment_population.csv"


def chain_assignment_sample(population: pd.DataFrame, candidates: pd.DataFrame, n_firms: int = 360,
                            seed_draw: int = 20261206, seed_half: int = 20261207) -> pd.DataFrame:
    """``data/labels/chain_assignment.csv``'s rows (before labels): ``n_firms`` firms drawn uniformly
    without replacement (``default_rng(seed_draw)``) from the population — the distinct firms of the top
    500 targets of 秦皇岛 and of 唐山 at the draw (``data/labels/chain_assignment_population.csv``), sorted
    by firm_id —, each with every candidate (chain, segment) it has any evidence for
    (:func:`matcher.chain.positions.candidate_positions`, sorted by chain and segment), or one row with
    empty chain and segment when it has none. A second generator permutes the drawn firms: the first
    half of the permutation is ``tune``, the rest ``holdout`` (a firm's rows stay in one half).
    Columns: sample_id (``F<draw order>-<k>``), firm_no (draw order, 1-based), half, firm_id, chain, segment."""
    pool = np.array(sorted(population["firm_id"].astype(str).unique()))
    pick = pool[np.random.default_rng(seed_draw).choice(len(pool), size=n_firms, replace=False)]
    perm = np.random.default_rng(seed_half).permutation(n_firms)
    half = np.empty(n_firms, dtype=object)
    half[perm[: n_firms // 2]] = "tune"
    half[perm[n_firms // 2:]] = "holdout"
    cand = candidates.assign(firm_id=candidates["firm_id"].astype(str))
    rows = []
    for i, fid in enumerate(pick):
        c = cand[cand["firm_id"] == fid].sort_values(["chain", "segment"], kind="stable")
        keys = list(zip(c["chain"].astype(str), c["segment"].astype(str), strict=True)) or [("", "")]
        for k, (ch, seg) in enumerate(keys, start=1):
            rows.append({"sample_id": f"F{i + 1:03d}-{k}", "firm_no": i + 1, "half": half[i], "firm_id": fid,
                         "chain": ch, "segment": seg})
    return pd.DataFrame(rows, columns=["sample_id", "firm_no", "half", "firm_id", "chain", "segment"])


LINK_STRATA = ("legal", "stem", "core", "brand")


def registry_link_sample(links: pd.DataFrame, firms: pd.DataFrame, reg_names: pd.Series, per_stratum: int = 100,
                         seed_draw: int = 20261206, seed_half: int = 20261207) -> pd.DataFrame:
    """``data/labels/registry_links.csv``'s rows: per key kind (:data:`LINK_STRATA`, fixed by the candidate
    rule, not by the score tuned afterwards) ``per_stratum`` candidate links (``links`` =
    :func:`matcher.firms.registry_links.link_registrations`, sorted by row) uniformly at random without
    replacement from one generator, in stratum order; a second generator's permutation per stratum makes
    the first half ``tune``, the rest ``holdout``. ``reg_names`` maps file row → 企业名称."""
    rng = np.random.default_rng(seed_draw)
    rng2 = np.random.default_rng(seed_half)
    links = links.sort_values("row", kind="stable").reset_index(drop=True)
    info = firms.drop_duplicates("firm_id").set_index("firm_id")
    parts = []
    for stratum in LINK_STRATA:
        pool = links[links["key_kind"] == stratum]
        k = min(per_stratum, len(pool))
        pick = pool.iloc[np.sort(rng.choice(len(pool), size=k, replace=False))]
        perm = rng2.permutation(k)
        half = np.where(np.argsort(perm) < k // 2, "tune", "holdout")
        parts.append(pd.DataFrame({
            "stratum": stratum, "half": half, "row": pick["row"].astype("int64").to_numpy(),
            "firm_id": pick["firm_id"].astype(str).to_numpy(),
            "reg_name": reg_names.reindex(pick["row"].to_numpy()).to_numpy(),
            "firm_legal_name": info["legal_name"].reindex(pick["firm_id"]).to_numpy(),
            "firm_name": info["name"].reindex(pick["firm_id"]).to_numpy(), "key": pick["key"].astype(str).to_numpy(),
        }))
    out = pd.concat(parts, ignore_index=True)
    out.insert(0, "sample_id", [f"L{i + 1:03d}" for i in range(len(out))])
    return out


CHAIN_POPULATION_V2_FILE = "labels/chain_assignment_population_v2.csv"


def chain_assignment_blind_sample(population: pd.DataFrame, chosen: pd.DataFrame, seen: set[str], n: int = 220,
                                  seed_draw: int = 20261214) -> pd.DataFrame:
    """``data/labels/chain_assignment_blind.csv``'s rows (before labels), drawn after issue 16 part 2 changed the
    ranking: the population is the distinct firms of the new top 500 targets of 秦皇岛 and of 唐山
    (``data/labels/chain_assignment_population_v2.csv``); the pool is those the code places on a segment
    (``chosen``: :func:`matcher.chain.positions.choose_positions` of the accepted positions, one per firm), less
    the firms of the first sample (``seen``: their labels were made and their errors studied); ``n`` firms are
    drawn uniformly without replacement (``default_rng(seed_draw)``, pool sorted by firm_id), each with its
    assignment. All are held out (nothing is tuned on them). Columns: sample_id (``B<draw order>``), firm_id,
    chain, segment."""
    placed = chosen.drop_duplicates("firm_id").set_index(chosen.drop_duplicates("firm_id")["firm_id"].astype(str))
    pool = np.array(sorted(set(population["firm_id"].astype(str)) & set(placed.index) - set(seen)))
    pick = pool[np.random.default_rng(seed_draw).choice(len(pool), size=min(n, len(pool)), replace=False)]
    return pd.DataFrame({"sample_id": [f"B{i + 1:03d}" for i in range(len(pick))], "firm_id": pick,
                         "chain": placed.loc[pick, "chain"].astype(str).to_numpy(),
                         "segment": placed.loc[pick, "segment"].astype(str).to_numpy()})
