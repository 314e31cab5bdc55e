"""``matcher bench er``: entity-resolution quality and speed (writes benchmarks/results/er.json, er.md)."""

from __future__ import annotations

import json
import platform
import time
from pathlib import Path
from typing import Annotated, Any

import typer


def run_er_benchmark(data_dir: Path, scales: list[int], base: int) -> dict[str, Any]:
    """All figures of the ER benchmark as one dict (see :func:`er_markdown`)."""
    from matcher.firms import master, resolve

    t0, c0 = time.perf_counter(), time.process_time()
    quality = resolve.benchmark_listed_er(data_dir)
    t_quality, c_quality = time.perf_counter() - t0, time.process_time() - c0
    t1, c1 = time.perf_counter(), time.process_time()
    _, _, report = master.build_firm_master(data_dir)
    t_build, c_build = time.perf_counter() - t1, time.process_time() - c1
    scaling = resolve.synthetic_scaling([base * s for s in scales])
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


def register(app: typer.Typer) -> None:
    from matcher.cli.bench import RESULTS_DIR, bench_app

    @bench_app.command("er")
    def bench_er(
        data: Annotated[Path | None, typer.Option(help="raw data directory (default $MATCHER_DATA)")] = None,
        out: Annotated[Path, typer.Option(help="results folder")] = RESULTS_DIR,
        base: Annotated[int, typer.Option(help="records per side of the 1x synthetic run (about the real lists)")] = 5000,
        scales: Annotated[str, typer.Option(help="comma-separated multiples of --base for the synthetic runs")] = "1,10,100",
        quick: Annotated[bool, typer.Option(help="while iterating: synthetic 1x and 10x only (the committed results keep 100x)")] = False,
    ) -> None:
        """ER precision/recall per list pair, Fortune match rate, ER time; synthetic 1x/10x/100x scaling."""
        from matcher.sources import data_dir_from

        data_dir = data_dir_from(data)
        if quick:
            scales = "1,10"
        res = run_er_benchmark(data_dir, [int(s) for s in scales.split(",") if s.strip()], base)
        out.mkdir(parents=True, exist_ok=True)
        (out / "er.json").write_text(json.dumps(res, ensure_ascii=False, indent=1, default=str), encoding="utf-8")
        md = er_markdown(res)
        (out / "er.md").write_text(md, encoding="utf-8")
        typer.echo(md)
