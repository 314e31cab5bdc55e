"""``matcher bench er``: entity-resolution quality on the listed-firm lists (truth = stock codes shared
by two lists, never shown to the matcher), the Fortune/unicorn link rates of the real build, and speed
on synthetic lists 1×, 10×, 100× the real size."""

from __future__ import annotations

import hashlib
import os
import platform
import time
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from matcher.firms.classify import (
    DEFAULT_THRESHOLD,
    EVIDENCE_FEATURES,
    LINK_COLUMNS,
    EvidenceModel,
    evaluate_links,
    fit_evidence_model,
    model_links,
    mutual_best,
)
from matcher.firms.cluster import cluster
from matcher.firms.compare import score_pairs
from matcher.firms.index import DEFAULT_BLOCKING, BlockingConfig, _bigrams, candidate_pairs, prepare
from matcher.firms.master import build_firm_master

# ----------------------------------------------------------------------------------------------
# measurement: name matching on the listed-firm lists, truth = shared stock codes

#: the lists whose records carry stock codes: the names each offers and where it is
ER_LISTS = ("szse", "chainkg", "geo2015", "tushare")


def listed_er_lists(data_dir: str | os.PathLike[str]) -> dict[str, pd.DataFrame]:
    """Record frames of the four code-carrying lists, with the code kept apart as ``truth_code``.

    SZSE 2025 (legal, short and English name, province, city, listing date, registered address),
    chain KG 2021 (legal + short name, listing date), the 2015 list (legal, short and English name,
    province, listing and registration date, registered address), Tushare 2024 (short name,
    province, city, listing and setup date). The matcher never sees ``truth_code``."""
    from matcher.sources import all_loaders

    ld = all_loaders()
    d = Path(data_dir)
    sz = ld["exchanges.szse"](d).frame
    ck = ld["chainkg.company"](d).frame
    g15 = ld["listed_geo_2015"](d).frame
    sb = ld["tushare.stock_basic"](d).frame
    sc = ld["tushare.stock_company"](d).frame[["stock_code", "province", "city", "setup_date"]].drop_duplicates("stock_code")
    sb = sb.merge(sc, on="stock_code", how="left")
    out = {
        "szse": pd.DataFrame({"truth_code": sz["stock_code"], "legal_name": sz["legal_name"], "short_name": sz["short_name"],
                              "name_en": sz["name_en"], "province": sz["province"], "city": sz["city"],
                              "list_date": sz["list_date"], "address": sz["reg_address"]}),
        "chainkg": pd.DataFrame({"truth_code": ck["stock_code"], "legal_name": ck["legal_name"], "short_name": ck["short_name"],
                                 "list_date": ck["list_date"]}),
        "geo2015": pd.DataFrame({"truth_code": g15["stock_code"], "legal_name": g15["legal_name"], "short_name": g15["short_name"],
                                 "name_en": g15["name_en"], "province": g15["province_short"], "list_date": g15["listing_date"],
                                 "setup_date": g15["register_date"], "address": g15["reg_address"]}),
        "tushare": pd.DataFrame({"truth_code": sb["stock_code"], "short_name": sb["short_name"],
                                 "province": sb["province"].fillna(sb["area"]), "city": sb["city"],
                                 "list_date": sb["list_date"], "setup_date": sb["setup_date"]}),
    }
    for name, fr in out.items():
        fr = fr.drop_duplicates("truth_code").reset_index(drop=True)
        # record ids carry the row number, not the code: ids break ties, so they must not hold the truth
        fr.insert(0, "rec_id", [f"{name}:{i}" for i in range(len(fr))])
        out[name] = fr
    return out


def code_half(codes: pd.Series, half: int) -> pd.Series:
    """Deterministic half of the codes (by a hash of the code), so the split is the same every run."""
    return codes.map(lambda c: int(hashlib.sha1(str(c).encode()).hexdigest(), 16) % 2 == half)


def _truth(left: pd.DataFrame, right: pd.DataFrame) -> pd.DataFrame:
    m = left[["rec_id", "truth_code"]].merge(right[["rec_id", "truth_code"]], on="truth_code")
    return pd.DataFrame({"left_id": m["rec_id_x"], "right_id": m["rec_id_y"]})


def score_list_pairs(lists: dict[str, pd.DataFrame], config: BlockingConfig = DEFAULT_BLOCKING) -> dict[tuple[str, str], dict]:
    """For every pair of lists: blocked + scored candidate pairs, the truth pairs, blocking recall.
    The matcher gets the records without ``truth_code``; the code only builds ``truth``."""
    prepared = {k: prepare(v.drop(columns="truth_code")) for k, v in lists.items()}
    out: dict[tuple[str, str], dict] = {}
    names_ = list(lists)
    for i, a in enumerate(names_):
        for b in names_[i + 1 :]:
            t0 = time.perf_counter()
            pairs = candidate_pairs(prepared[a], prepared[b], config)
            scored = score_pairs(pairs, prepared[a], prepared[b])
            secs = time.perf_counter() - t0
            truth = _truth(lists[a], lists[b])
            cand = set(zip(pairs["left_id"], pairs["right_id"], strict=True))
            reach = sum((x, y) in cand for x, y in zip(truth["left_id"], truth["right_id"], strict=True))
            out[(a, b)] = {"scored": scored, "truth": truth, "seconds": secs, "candidates": len(pairs),
                           "blocking_recall": reach / len(truth) if len(truth) else 1.0,
                           "records": (len(lists[a]), len(lists[b]))}
    return out


def _name_only(scored: pd.DataFrame) -> pd.DataFrame:
    """The pairs found by name blocking alone (date-block-only pairs carry ``block_score`` 0)."""
    return scored[scored["block_score"] > 0] if "block_score" in scored.columns else scored


def pair_labels(v: dict) -> np.ndarray:
    """0/1 labels of a list pair's scored candidates: 1 where the two records share a code."""
    truth = set(zip(v["truth"]["left_id"], v["truth"]["right_id"], strict=True))
    return np.array([(a, b) in truth for a, b in zip(v["scored"]["left_id"], v["scored"]["right_id"], strict=True)], dtype=int)


def pooled_sweep(
    scored_pairs: dict[tuple[str, str], dict], grid: Iterable[float], model: EvidenceModel | None = None
) -> pd.DataFrame:
    """Precision/recall summed over all list pairs for each threshold (one threshold for all):
    the rule score on name-blocked pairs, or with ``model`` its probability (:func:`model_links`)."""
    rows = []
    for t in grid:
        tot: dict[str, float] = {"links": 0, "true_links": 0, "truth": 0}
        for v in scored_pairs.values():
            links = model_links(v["scored"], model, t) if model is not None else mutual_best(_name_only(v["scored"]), t)
            m = evaluate_links(links, v["truth"])
            for k in tot:
                tot[k] += m[k]
        p = tot["true_links"] / tot["links"] if tot["links"] else 1.0
        r = tot["true_links"] / tot["truth"] if tot["truth"] else 1.0
        rows.append({"threshold": t, **tot, "precision": p, "recall": r, "f1": 2 * p * r / (p + r) if p + r else 0.0})
    return pd.DataFrame(rows)


def _pick_threshold(sweep: pd.DataFrame, min_precision: float) -> float:
    ok = sweep[sweep["precision"] >= min_precision]
    pick = ok if len(ok) else sweep.sort_values("precision", ascending=False).head(1)
    return float(pick.sort_values(["f1", "threshold"], ascending=[False, True]).iloc[0]["threshold"])


def benchmark_listed_er(data_dir: str | os.PathLike[str], min_precision: float = 0.99) -> dict:
    """Entity-resolution quality on the real lists, WITHOUT the codes: everything learnt (the
    evidence model, both thresholds) comes from the firms of one half of the codes (hash split);
    the figures are those of the other half.

    Two matchers are reported per list pair and pooled: *before* — names only (rule score on
    name-blocked pairs, the matcher as first committed), *after* — names, listing / setup dates,
    location, address and English names, date blocking, the :class:`EvidenceModel` in two
    mutual-best rounds. Per list pair: precision, recall, false merges, false splits, blocking
    recall, truth pairs whose names share no bigram (renamed). Also the clusters of all four lists
    (complete linkage over the judged candidate pairs) against the codes."""
    lists = listed_er_lists(data_dir)
    rule_grid = [round(x, 3) for x in np.arange(0.60, 1.0001, 0.01)]
    prob_grid = [round(x, 3) for x in np.arange(0.05, 0.9901, 0.01)]
    halves = {}
    for half, role in ((0, "train"), (1, "test")):
        sub = {k: v[code_half(v["truth_code"], half)].reset_index(drop=True) for k, v in lists.items()}
        halves[role] = (sub, score_list_pairs(sub))
    train_scored = halves["train"][1]
    rule_sweep = pooled_sweep(train_scored, rule_grid)
    rule_t = _pick_threshold(rule_sweep, min_precision)
    t0 = time.perf_counter()
    model = fit_evidence_model(
        pd.concat([v["scored"] for v in train_scored.values()], ignore_index=True),
        np.concatenate([pair_labels(v) for v in train_scored.values()]),
    )
    model_sweep = pooled_sweep(train_scored, prob_grid, model)
    model.threshold = _pick_threshold(model_sweep, min_precision)
    fit_secs = time.perf_counter() - t0
    test_lists, test_scored = halves["test"]
    per_pair = []
    before_links, after_links = [], []
    for (a, b), v in test_scored.items():
        before = mutual_best(_name_only(v["scored"]), rule_t)
        t1 = time.perf_counter()
        after = model_links(v["scored"], model)
        link_secs = time.perf_counter() - t1
        mb, ma = evaluate_links(before, v["truth"]), evaluate_links(after, v["truth"])
        name_cand = set(zip(_name_only(v["scored"])["left_id"], _name_only(v["scored"])["right_id"], strict=True))
        reach_names = sum((x, y) in name_cand for x, y in zip(v["truth"]["left_id"], v["truth"]["right_id"], strict=True))
        unreachable = _no_shared_bigram(v["truth"], test_lists[a], test_lists[b])
        per_pair.append({"left": a, "right": b, "records_left": v["records"][0], "records_right": v["records"][1],
                         **ma, "blocking_recall": v["blocking_recall"], "truth_renamed_no_shared_bigram": unreachable,
                         "before": {**mb, "blocking_recall": reach_names / len(v["truth"]) if len(v["truth"]) else 1.0},
                         "candidates": v["candidates"], "seconds": round(v["seconds"] + link_secs, 3)})
        before_links.append(before.assign(method="name")[LINK_COLUMNS])
        after_links.append(after.assign(method="model")[LINK_COLUMNS])
    judged = pd.concat([v["scored"].assign(score=model.predict(v["scored"])) for v in test_scored.values()], ignore_index=True)
    return {
        "threshold": model.threshold, "rule_threshold": rule_t, "min_precision_on_train": min_precision,
        "model": {"kind": "logistic regression (standardised, L2, C=1) over evidence_matrix",
                  "features": list(EVIDENCE_FEATURES), "train_pairs": int(sum(len(v["scored"]) for v in train_scored.values())),
                  "train_positive": int(sum(len(v["truth"]) for v in train_scored.values())), "fit_and_sweep_seconds": round(fit_secs, 2)},
        "train_at_threshold": model_sweep[model_sweep["threshold"] == model.threshold].iloc[0].to_dict(),
        "test_pooled": pooled_sweep(test_scored, [model.threshold], model).iloc[0].to_dict(),
        "test_pooled_before": pooled_sweep(test_scored, [rule_t]).iloc[0].to_dict(),
        "test_per_pair": per_pair,
        "test_clusters": _cluster_quality(test_lists, pd.concat(after_links, ignore_index=True), model.threshold, judged),
        "test_clusters_before": _cluster_quality(test_lists, pd.concat(before_links, ignore_index=True), rule_t),
        "train_sweep": model_sweep.to_dict(orient="records"), "train_sweep_before": rule_sweep.to_dict(orient="records"),
    }


def _no_shared_bigram(truth: pd.DataFrame, left: pd.DataFrame, right: pd.DataFrame) -> int:
    lp = prepare(left.drop(columns="truth_code")).set_index("rec_id")
    rp = prepare(right.drop(columns="truth_code")).set_index("rec_id")
    n = 0
    for a, b in zip(truth["left_id"], truth["right_id"], strict=True):
        ga = _bigrams(_opt_str(lp.at[a, "_core"])) | _bigrams(_opt_str(lp.at[a, "_short"]))
        gb = _bigrams(_opt_str(rp.at[b, "_core"])) | _bigrams(_opt_str(rp.at[b, "_short"]))
        n += not (ga & gb)
    return n


def _opt_str(v: object) -> str | None:
    return v if isinstance(v, str) else None


def _cluster_quality(
    lists: dict[str, pd.DataFrame], links: pd.DataFrame, threshold: float, pair_scores: pd.DataFrame | None = None
) -> dict:
    """Pairwise quality of :func:`cluster` over all lists: pairs of records in one cluster vs pairs
    sharing a code (false merges and false splits counted as record pairs)."""
    recs = pd.concat([v.assign(source=k) for k, v in lists.items()], ignore_index=True)
    t0 = time.perf_counter()
    cl = cluster(recs.drop(columns="truth_code"), links, threshold, pair_scores=pair_scores)
    secs = time.perf_counter() - t0
    df = recs[["rec_id", "truth_code"]].merge(cl, on="rec_id")
    pred = {frozenset(p) for _, g in df.groupby("cluster_id") for p in _pairs(list(g["rec_id"]))}
    true = {frozenset(p) for _, g in df.groupby("truth_code") for p in _pairs(list(g["rec_id"]))}
    tp = len(pred & true)
    return {"records": len(df), "clusters": int(df["cluster_id"].nunique()), "pairs_linked": len(pred), "pairs_true": len(true),
            "false_merges": len(pred - true), "false_splits": len(true - pred),
            "precision": tp / len(pred) if pred else 1.0, "recall": tp / len(true) if true else 1.0, "seconds": round(secs, 3)}


def _pairs(ids: list[str]) -> list[tuple[str, str]]:
    return [(ids[i], ids[j]) for i in range(len(ids)) for j in range(i + 1, len(ids))]


# ----------------------------------------------------------------------------------------------
# synthetic scaling (invented names only)

#: an invented-name alphabet: 600 CJK characters taken at a fixed stride from the common block
_SYN_CHARS = "".join(chr(0x4E00 + 31 * i) for i in range(600))
_SYN_TRADES = ("科技", "电子", "医药", "机械", "材料", "能源", "化工", "食品", "环保", "软件", "装备", "物流", "汽车", "智能", "生物")
_SYN_PLACES = ("北京", "上海", "深圳", "杭州", "苏州", "成都", "武汉", "南京", "天津", "重庆", "广州", "西安", "长沙", "合肥", "宁波")


def synthetic_lists(n: int, seed: int = 0) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Two invented lists of ``n`` firms each (synthetic): the left with legal names and cities, the
    right a noisy copy of 80% of them (short names only, or legal names with a character changed or
    the region dropped) plus 20% other invented firms. ``truth_code`` gives the true pairs."""
    rng = np.random.default_rng(seed)
    chars = np.array(list(_SYN_CHARS))
    seen: set[str] = set()
    core: list[str] = []
    while len(core) < n:  # distinct invented cores: a name shared by two firms is no test of a matcher
        c = "".join(rng.choice(chars, size=int(rng.integers(2, 5))))
        if c not in seen:
            seen.add(c)
            core.append(c)
    trade = rng.choice(_SYN_TRADES, size=n)
    place = rng.choice(_SYN_PLACES, size=n)
    legal = [f"{p}{c}{t}股份有限公司" for p, c, t in zip(place, core, trade, strict=True)]
    left = pd.DataFrame({"rec_id": [f"L{i}" for i in range(n)], "truth_code": [f"T{i}" for i in range(n)],
                         "legal_name": legal, "short_name": [c + t[:1] for c, t in zip(core, trade, strict=True)],
                         "city": [p + "市" for p in place]})
    k = int(0.8 * n)
    pick = rng.permutation(n)[:k]
    rows = []
    for j, i in enumerate(pick):
        kind = j % 3
        if kind == 0:
            rows.append({"short_name": left.at[i, "short_name"], "legal_name": None})
        elif kind == 1:
            nm = list(legal[i])
            pos = int(rng.integers(len(place[i]), len(place[i]) + len(core[i])))
            nm[pos] = str(rng.choice(chars))
            rows.append({"short_name": None, "legal_name": "".join(nm)})
        else:
            rows.append({"short_name": None, "legal_name": f"{core[i]}{trade[i]}有限公司"})
        rows[-1].update({"truth_code": f"T{i}", "city": left.at[i, "city"] if kind != 2 else None})
    extra = n - k
    for e in range(extra):
        c = "".join(rng.choice(chars, size=3))
        rows.append({"short_name": None, "legal_name": f"{rng.choice(_SYN_PLACES)}{c}{rng.choice(_SYN_TRADES)}有限公司",
                     "truth_code": f"X{e}", "city": None})
    right = pd.DataFrame(rows)
    right.insert(0, "rec_id", [f"R{i}" for i in range(len(right))])
    return left, right


def _scaling_run(n: int, seed: int, threshold: float) -> dict:
    """One synthetic run (in its own process, so its peak resident memory is its own)."""
    import resource

    left, right = synthetic_lists(n, seed)
    truth = _truth(left, right)
    rss0 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    c0 = time.process_time()
    t0 = time.perf_counter()
    lp, rp = prepare(left.drop(columns="truth_code")), prepare(right.drop(columns="truth_code"))
    t_prep = time.perf_counter()
    pairs = candidate_pairs(lp, rp)
    t_block = time.perf_counter()
    scored = score_pairs(pairs, lp, rp)
    t_score = time.perf_counter()
    links = mutual_best(scored, threshold)
    t_end = time.perf_counter()
    rss1 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    m = evaluate_links(links, truth)
    return {"records_per_side": n, "candidates": len(pairs), "candidates_per_record": len(pairs) / n,
            "seconds_total": round(t_end - t0, 3), "cpu_seconds_total": round(time.process_time() - c0, 3),
            "seconds_prepare": round(t_prep - t0, 3),
            "seconds_blocking": round(t_block - t_prep, 3), "seconds_scoring": round(t_score - t_block, 3),
            "pairs_scored_per_second": round(len(pairs) / max(t_score - t_block, 1e-9)),
            "peak_rss_mb": round(rss1 / 1024, 1), "peak_rss_growth_mb": round((rss1 - rss0) / 1024, 1),
            "precision": m["precision"], "recall": m["recall"]}


def synthetic_scaling(sizes: Sequence[int], seed: int = 0, threshold: float = DEFAULT_THRESHOLD) -> list[dict]:
    """Time and peak resident memory (``getrusage`` of a fresh process per size) of normalising,
    blocking, scoring and linking two invented lists of each size, with precision/recall against
    the invented truth. Growth near linear in the size shows that blocking bounds the work."""
    import multiprocessing as mp

    ctx = mp.get_context("fork")
    out = []
    for n in sizes:
        with ctx.Pool(1) as pool:
            out.append(pool.apply(_scaling_run, (n, seed, threshold)))
    return out



def run_er_benchmark(data_dir: Path, scales: list[int], base: int) -> dict[str, Any]:
    """All figures of the ER benchmark as one dict (see :func:`er_markdown`)."""
    t0, c0 = time.perf_counter(), time.process_time()
    quality = benchmark_listed_er(data_dir)
    t_quality, c_quality = time.perf_counter() - t0, time.process_time() - c0
    t1, c1 = time.perf_counter(), time.process_time()
    report = build_firm_master(data_dir).report
    t_build, c_build = time.perf_counter() - t1, time.process_time() - c1
    scaling = synthetic_scaling([base * s for s in scales])
    return {
        "machine": {"python": platform.python_version(), "platform": platform.platform()},
        "listed_lists": {k: v for k, v in quality.items() if not k.startswith("train_sweep")},
        "train_sweep": quality["train_sweep"], "train_sweep_before": quality["train_sweep_before"],
        "benchmark_seconds": round(t_quality, 2), "benchmark_cpu_seconds": round(c_quality, 2),
        "real_build": {"seconds": round(t_build, 2), "cpu_seconds": round(c_build, 2), "timing_s": report.get("timing_s", {}),
                       "fortune500": report.get("fortune500", {}),
                       "unicorns": {k: v for k, v in report.get("unicorns", {}).items() if k != "links_to_listed"},
                       "firms": report.get("firms")},
        "synthetic_scaling": scaling,
    }


def er_markdown(res: dict[str, Any]) -> str:
    q = res["listed_lists"]
    tp, tb = q["test_pooled"], q["test_pooled_before"]
    lines = [
        "# Entity resolution benchmark (`matcher bench er`)",
        "",
        "Truth: stock codes shared by two lists. The codes are never shown to the matcher (they are kept apart as",
        "`truth_code`; `tests/test_firms_resolve.py` shuffles and blanks them and gets identical links). Everything",
        "learnt — the evidence model and both thresholds — comes from the firms of one half of the codes (hash split),",
        f"at precision >= {q['min_precision_on_train']} on that half; all figures below are from the other half.",
        "",
        "*Before*: names only (rule score on name-blocked pairs, the matcher as first committed; threshold "
        f"{q['rule_threshold']}). *After*: names + listing date + setup/registration date + province/city + registered "
        "address + English name, with listing-date blocking, scored by a logistic model over the comparisons "
        f"({len(q['model']['features'])} comparison columns, {q['model']['train_pairs']} train candidate pairs) in two "
        f"mutual-best rounds (threshold {q['threshold']} on its probability).",
        "",
        f"Pooled test half, after: **precision {tp['precision']:.4f}, recall {tp['recall']:.4f}** "
        f"({int(tp['links'])} links, {int(tp['truth'])} truth pairs, false merges {int(tp['links'] - tp['true_links'])}, "
        f"false splits {int(tp['truth'] - tp['true_links'])}); before: precision {tb['precision']:.4f}, recall {tb['recall']:.4f} "
        f"(false merges {int(tb['links'] - tb['true_links'])}, false splits {int(tb['truth'] - tb['true_links'])}).",
        "",
        "| lists | records | links | precision | recall | false merges | false splits | blocking recall | "
        "before: precision | recall | false merges | false splits | blocking recall | renamed (no shared bigram) | s |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for p in q["test_per_pair"]:
        b = p["before"]
        lines.append(
            f"| {p['left']} × {p['right']} | {p['records_left']} × {p['records_right']} | {p['links']} | {p['precision']:.4f} | "
            f"{p['recall']:.4f} | {p['false_merges']} | {p['false_splits']} | {p['blocking_recall']:.4f} | "
            f"{b['precision']:.4f} | {b['recall']:.4f} | {b['false_merges']} | {b['false_splits']} | {b['blocking_recall']:.4f} | "
            f"{p['truth_renamed_no_shared_bigram']} | {p['seconds']} |"
        )
    c, cb = q["test_clusters"], q["test_clusters_before"]
    lines += [
        "",
        f"Clusters over all four lists (complete linkage, one record per list per cluster), as record pairs, after: precision "
        f"{c['precision']:.4f}, recall {c['recall']:.4f}, false merges {c['false_merges']}, false splits {c['false_splits']} "
        f"({c['records']} records → {c['clusters']} clusters, {c['seconds']} s); before: precision {cb['precision']:.4f}, "
        f"recall {cb['recall']:.4f}, false merges {cb['false_merges']}, false splits {cb['false_splits']} ({cb['clusters']} clusters).",
        "",
        "## Fortune China 500 → listed firms (real build)",
        "",
    ]
    fo = res["real_build"]["fortune500"]
    lines.append(f"2021 list: {fo.get('linked_2021')}/{fo.get('names_2021')} names linked ({fo.get('match_rate_2021', 0):.1%}); "
                 f"distinct names 2014–2021: {fo.get('distinct_names_linked')}/{fo.get('distinct_names')} "
                 f"({fo.get('match_rate_all_years', 0):.1%}). Many Fortune firms are listed only in Hong Kong or abroad "
                 "(腾讯, 阿里巴巴, 碧桂园 …) and have no A-share to link to.")
    lines.append("")
    lines.append("By year: " + ", ".join(f"{y}: {r:.1%}" for y, r in fo.get("match_rate_by_year", {}).items()))
    un = res["real_build"]["unicorns"]
    lines += ["", f"Unicorns: CB Insights 2024 China {un.get('cb_china')}, Maven China {un.get('maven_china')}, "
              f"linked CB~Maven {un.get('cb_maven_links')}, to listed firms {un.get('linked_to_listed')}.", ""]
    t = res["real_build"]
    lines += ["## Speed", "",
              "Wall-clock seconds on a shared machine (other jobs running) overstate the cost; CPU seconds of this process are given too.", "",
              f"Real build of the firm master: {t['seconds']} s wall, {t['cpu_seconds']} s CPU (stages, wall: {t['timing_s']}).",
              f"ER benchmark on the real lists (both halves, 6 list pairs each, plus clustering): {res['benchmark_seconds']} s wall, "
              f"{res['benchmark_cpu_seconds']} s CPU. Name linking inside the real build (unicorns, Fortune 8 years): "
              f"{t['timing_s'].get('unicorns_fortune_links')} s wall.", "",
              "Synthetic scaling (invented names; two lists of n records each; blocking caps the records per token):", "",
              "| records per side | candidates | per record | total s (CPU s) | normalise s | blocking s | scoring s | pairs/s | peak RSS MB (growth) | precision | recall |",
              "|---|---|---|---|---|---|---|---|---|---|---|"]
    for s in res["synthetic_scaling"]:
        lines.append(f"| {s['records_per_side']} | {s['candidates']} | {s['candidates_per_record']:.2f} | {s['seconds_total']} ({s['cpu_seconds_total']}) | "
                     f"{s['seconds_prepare']} | {s['seconds_blocking']} | {s['seconds_scoring']} | {s['pairs_scored_per_second']} | "
                     f"{s['peak_rss_mb']} ({s['peak_rss_growth_mb']}) | "
                     f"{s['precision']:.4f} | {s['recall']:.4f} |")
    lines += ["", f"Machine: {res['machine']}", ""]
    return "\n".join(lines)


