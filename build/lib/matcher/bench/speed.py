"""The speed benchmark: how the cost of matching grows with the universe.

Measured, never asserted. Three parts:

- **real data** — wall time of each build stage on the real data in a fresh work directory (firm
  master, chain, county profiles), then :func:`matcher.model.match.score_matches` for one city (all
  firms × its counties, with reasons), and the real universe × every county in the country, top-k
  per county.
- **synthetic universes** — the same chunked top-k scoring on invented firms at 1×, 10× and 100× the
  real firm count against ~2,900 synthetic counties, each run in its own process so that peak memory
  (max resident set size) belongs to that size alone. Nothing here is a fact about a real firm.
- pairs scored per second = firms × units / scoring time.
"""

from __future__ import annotations

import json
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from matcher.model.match import CityInputs, FirmCountyRanker, prepare_firms, score_matches
from matcher.model.pairs import (
    FEATURES,
    FirmArrays,
    UnitTables,
    build_unit_tables,
    feature_grid,
    firm_arrays,
    top_k_pairs,
)

#: county-level units in the synthetic universes (≈ the real count of mainland county-level units)
SYNTHETIC_UNITS = 2900
SYNTHETIC_INDUSTRIES = 130  # ≈ Shenwan level 2


def synthetic_universe(n_firms: int, *, n_units: int = SYNTHETIC_UNITS, n_industries: int = SYNTHETIC_INDUSTRIES, seed: int = 0) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Synthetic (invented) firms, county units and supply edges with the real data's shapes.

    Units: random points in China's box, 9 per city, 12 cities per province. Firms: an industry
    (Zipf-like popularity), a home unit (size-skewed), standing columns. Edges: ~8 random suppliers
    per industry. Deterministic for a seed.
    """
    rng = np.random.default_rng(seed)
    u = np.arange(n_units)
    city = (u // 9).astype(str)
    units = pd.DataFrame({
        "county_code": pd.array([f"{i:06d}" for i in u], dtype="string"),
        "name": pd.array([f"synthetic-{i}" for i in u], dtype="string"),
        "city_code": pd.array([f"c{c}" for c in city], dtype="string"),
        "province_code": pd.array([f"p{int(c) // 12}" for c in city], dtype="string"),
        "lon": rng.uniform(75, 134, n_units),
        "lat": rng.uniform(18, 53, n_units),
    })
    ind_p = 1.0 / np.arange(1, n_industries + 1)
    ind_p /= ind_p.sum()
    unit_p = rng.pareto(1.2, n_units) + 0.05
    unit_p /= unit_p.sum()
    home = rng.choice(n_units, size=n_firms, p=unit_p)
    industries = np.array([f"{(10 + i // 10):02d}{i % 10:02d}00" for i in range(n_industries)])
    firms = pd.DataFrame({
        "firm_id": pd.array([f"X:{i:07d}" for i in range(n_firms)], dtype="string"),
        "industry": pd.array(industries[rng.choice(n_industries, size=n_firms, p=ind_p)], dtype="string"),
        "county_code": units["county_code"].to_numpy()[home],
        "city_code": units["city_code"].to_numpy()[home],
        "province_code": units["province_code"].to_numpy()[home],
        "lon": units["lon"].to_numpy()[home] + rng.normal(0, 0.05, n_firms),
        "lat": units["lat"].to_numpy()[home] + rng.normal(0, 0.05, n_firms),
        "employees": np.round(rng.lognormal(7, 1.5, n_firms)),
        "total_assets_yi": rng.lognormal(3, 1.5, n_firms),
        "is_listed": rng.random(n_firms) < 0.5,
        "list_date": pd.Timestamp("2000-01-01") + pd.to_timedelta(rng.integers(0, 8800, n_firms), unit="D"),
    })
    src = rng.integers(0, n_industries, n_industries * 8)
    dst = rng.integers(0, n_industries, n_industries * 8)
    edges = pd.DataFrame({"from_sw": industries[src], "to_sw": industries[dst], "weight": rng.integers(1, 50, len(src)).astype(float)})
    return firms, units, edges


def _scorer(ranker: FirmCountyRanker, *, fused: bool = True):  # noqa: ANN202 - a closure for top_k_pairs
    names = [str(f) for f, w in ranker.coef_.items() if w != 0.0]

    def score(chunk: FirmArrays, tables: UnitTables) -> np.ndarray:
        if fused:
            return ranker.score_firms(chunk, tables)
        return ranker.score_grid(feature_grid(chunk, tables, names))

    return score


def default_ranker() -> FirmCountyRanker:
    """The default-weight ranker, fitted on an empty frame (only records centres of 0)."""
    return FirmCountyRanker().fit(pd.DataFrame({f: [0.0] for f in FEATURES}))


def time_topk(firms: pd.DataFrame, units: pd.DataFrame, edges: pd.DataFrame, *, k: int = 50, chunk_size: int = 1000, reference: pd.DataFrame | None = None) -> dict[str, float]:
    """Build tables, encode firms, and keep the top ``k`` firms per unit in chunks; timings in seconds."""
    t0 = time.perf_counter()
    tables = build_unit_tables(units, firms, unit_col="county_code", industry_col="industry", edges=edges, edge_level=2,
                               as_of=pd.Timestamp(firms["list_date"].max()), reference_units=reference)
    t1 = time.perf_counter()
    fa = firm_arrays(firms, tables, industry_col="industry")
    t2 = time.perf_counter()
    top = top_k_pairs(fa, tables, _scorer(default_ranker()), k=k, by="unit", chunk_size=chunk_size)
    t3 = time.perf_counter()
    pairs = len(firms) * tables.n_units
    return {
        "firms": len(firms), "units": tables.n_units, "pairs": pairs, "k": k, "chunk_size": chunk_size,
        "tables_s": t1 - t0, "encode_s": t2 - t1, "score_topk_s": t3 - t2,
        "pairs_per_s": pairs / (t3 - t2) if t3 > t2 else float("nan"), "rows_out": len(top),
    }  # fmt: skip


def _max_rss_mb() -> float:
    """Peak resident memory of this process in MB: VmHWM from /proc (per address space, so a child
    started by exec does not inherit its parent's peak, unlike ``ru_maxrss``), else ``ru_maxrss``."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024.0  # kB
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0  # KiB on Linux


def synthetic_run(n_firms: int, *, k: int = 50, chunk_size: int = 1000, seed: int = 0) -> dict[str, float]:
    """One synthetic size, in this process: generation time, the top-k timings, peak RSS."""
    t0 = time.perf_counter()
    firms, units, edges = synthetic_universe(n_firms, seed=seed)
    gen = time.perf_counter() - t0
    out = time_topk(firms, units, edges, k=k, chunk_size=chunk_size)
    return {**out, "generate_s": gen, "peak_rss_mb": _max_rss_mb()}


def synthetic_run_isolated(n_firms: int, *, k: int = 50, chunk_size: int = 1000, timeout: float = 3600) -> dict[str, float]:
    """:func:`synthetic_run` in a child process, so peak memory is that size's alone."""
    code = (
        "import json, sys; from matcher.bench.speed import synthetic_run; "
        f"print(json.dumps(synthetic_run({int(n_firms)}, k={int(k)}, chunk_size={int(chunk_size)})))"
    )
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=timeout, check=False)
    if res.returncode != 0:
        return {"firms": n_firms, "error": res.stderr.strip().splitlines()[-1] if res.stderr.strip() else f"exit {res.returncode}"}  # type: ignore[dict-item]
    return json.loads(res.stdout.strip().splitlines()[-1])


#: builds every stage in a fresh work directory: (seconds per stage, the firm master, the city's inputs)
StageBuild = Callable[[Path], tuple[dict[str, float], pd.DataFrame, CityInputs]]


def real_data_run(build: StageBuild, city: str = "秦皇岛", *, k: int = 50) -> dict[str, object]:
    """Stage timings on the real data in a fresh work directory (``build`` is the orchestrator's, given by
    the caller: this module sits below it), then the scoring of ``city``."""
    out: dict[str, object] = {}
    with tempfile.TemporaryDirectory() as tmp:
        seconds, firms, inputs = build(Path(tmp))
        out["stages"] = {f"{k_}_s": v for k_, v in seconds.items()}
        t = time.perf_counter()
        m = score_matches(firms, inputs)
        out["score_matches"] = {"city": city, "rows": len(m), "firms": int(m["firm_id"].nunique()), "seconds": time.perf_counter() - t}
        t = time.perf_counter()
        m = score_matches(firms, inputs, with_reasons=False)
        out["score_matches_no_reasons_s"] = time.perf_counter() - t
        fr = prepare_firms(firms)
        fr = fr.assign(list_date=fr["list_date"].fillna(fr["list_date"].min()))
        out["national_topk"] = time_topk(fr, inputs.national, inputs.edges, k=k)
    out["peak_rss_mb"] = _max_rss_mb()
    return out


def run_speed_benchmark(build: StageBuild | None, *, multiples: tuple[int, ...] = (1, 10, 100), base_firms: int | None = None,
                        k: int = 50) -> dict[str, object]:
    """The whole benchmark: real-data stages (when ``build`` is given) and synthetic sizes ``base × multiples``."""
    result: dict[str, object] = {"benchmark": "speed", "k_per_unit": k}
    n_real = base_firms
    if build is not None:
        result["real"] = real_data_run(build, k=k)
        nt = result["real"].get("national_topk") if isinstance(result["real"], dict) else None
        if isinstance(nt, dict) and n_real is None:
            n_real = int(nt["firms"])
    n_real = n_real or 5600
    result["synthetic"] = [{"multiple": mlt, **synthetic_run_isolated(n_real * mlt, k=k)} for mlt in multiples]
    import os
    import platform

    result["machine"] = {"python": platform.python_version(), "cpus": os.cpu_count(), "platform": platform.platform()}
    return result


def speed_markdown(result: dict[str, Any]) -> str:
    lines = ["# Speed benchmark", "", "Measured on the machine below; figures only, no assertion anywhere. The machine is shared "
             "(other builds ran at the same time), so absolute times are pessimistic; the growth with size is the point.", ""]
    real = result.get("real")
    if isinstance(real, dict):
        lines += ["## Real data (fresh work directory)", "", "| stage | seconds |", "|---|---:|"]
        for k, v in (real.get("stages") or {}).items():
            lines.append(f"| {k} | {v:.1f} |" if isinstance(v, float) else f"| {k} | {v} |")
        st = [v for v in (real.get("stages") or {}).values() if isinstance(v, float)]
        if st:
            lines.append(f"| **build total (stages above)** | **{sum(st):.1f}** |")
        cold = real.get("score_matches_cold")
        if isinstance(cold, dict):
            lines.append(f"| score_matches {cold['city']}, first call (caches the firms' chain positions) | {cold['seconds']:.2f} |")
        sm = real.get("score_matches")
        if isinstance(sm, dict):
            lines.append(f"| score_matches {sm['city']} again ({sm['firms']} firms × counties = {sm['rows']} rows, with reasons) | {sm['seconds']:.2f} |")
        if "score_matches_no_reasons_s" in real:
            lines.append(f"| score_matches without reasons | {real['score_matches_no_reasons_s']:.2f} |")
        nt = real.get("national_topk")
        if isinstance(nt, dict):
            lines.append(f"| real firms × all {nt['units']} counties, top-{nt['k']} per county | {nt['score_topk_s']:.1f} ({nt['pairs_per_s']:,.0f} pairs/s) |")
        lines.append("")
    lines += [
        "## Synthetic universes (invented firms; each size in its own process)",
        "",
        "| multiple | firms | units | pairs | tables s | score + top-k s | pairs/s | peak RSS MB |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in result.get("synthetic", []):
        if "error" in r:
            lines.append(f"| {r.get('multiple')} | {r['firms']} | — | — | — | failed: {r['error']} | — | — |")
            continue
        lines.append(
            f"| {r['multiple']} | {r['firms']:,} | {r['units']:,} | {r['pairs']:,} | {r['tables_s']:.2f} | "
            f"{r['score_topk_s']:.1f} | {r['pairs_per_s']:,.0f} | {r['peak_rss_mb']:.0f} |"
        )
    ok = [r for r in result.get("synthetic", []) if "error" not in r]
    if len(ok) >= 2:
        a, b = ok[0], ok[-1]
        lines += [
            "",
            f"From {a['firms']:,} to {b['firms']:,} firms ({b['pairs'] / a['pairs']:.0f}× the pairs) scoring time grew "
            f"{b['score_topk_s'] / a['score_topk_s']:.0f}× and peak memory {b['peak_rss_mb'] / a['peak_rss_mb']:.2f}× "
            f"(+{b['peak_rss_mb'] - a['peak_rss_mb']:.0f} MB, mostly the firm table and its encoded arrays).",
        ]
    lines += [
        "",
        "Scoring walks firms in chunks of 1,000 against every unit and keeps a running top-k per unit: the work per "
        "pair is constant and at most 1,000 × units scores exist at a time, so the 1.6 billion pairs of the largest "
        "universe never materialise. pairs/s differs between sizes because of fixed per-run costs and varying load on the shared machine.",
        "",
        f"Machine: {result.get('machine')}",
        "",
        "Reproduce: `matcher bench speed` (writes speed.json and this file).",
    ]
    return "\n".join(lines) + "\n"
