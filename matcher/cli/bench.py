"""``matcher bench NAME``: run one benchmark; it writes ``benchmarks/results/NAME.{json,md}`` with the
commit, code and data it came from (:func:`matcher.api.run_benchmark`)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Any

import typer

bench_app = typer.Typer(help="Benchmarks: each writes JSON + Markdown into benchmarks/results/.", no_args_is_help=True)

DataOpt = Annotated[Path | None, typer.Option(help="raw data directory (default $MATCHER_DATA)")]
WorkOpt = Annotated[Path | None, typer.Option(help="work directory (default ./work); holds the cache and mlflow.db")]
OutOpt = Annotated[Path | None, typer.Option(help="results folder (default benchmarks/results)")]


def _command_line(skip: tuple[str, ...] = ("--data", "--workdir", "--out")) -> str | None:
    """The bench command as it was typed, without the machine's folders: what a results file records as
    the way to regenerate it. None when not run as the ``matcher`` program (e.g. from a test)."""
    if not sys.argv or Path(sys.argv[0]).name not in ("matcher", "__main__.py"):
        return None
    args, out, i = sys.argv[1:], ["matcher"], 0
    while i < len(args):
        key = args[i].split("=", 1)[0]
        if key in skip:
            i += 1 if "=" in args[i] else 2
            continue
        out.append(args[i])
        i += 1
    return " ".join(out)


def _run(name: str, data: Path | None, workdir: Path | None, out: Path | None, **options: Any) -> dict[str, Any]:
    from matcher.api import run_benchmark

    res = run_benchmark(name, data, workdir, out_dir=out, command=_command_line(), **options)
    where = out or "benchmarks/results"
    typer.echo(f"wrote {where}/{name}.json and {name}.md")
    return res


def _register_chain_assignment() -> None:
    @bench_app.command("chain-assignment")
    def chain_assignment(data: DataOpt = None, workdir: WorkOpt = None, out: OutOpt = None,
                         n_boot: Annotated[int, typer.Option(help="bootstrap replicates over firms")] = 2000,
                         seed: Annotated[int, typer.Option(help="bootstrap seed")] = 0) -> None:
        """Firm → chain segment: precision on the held-out labelled firms, coverage (share placed)."""
        res = _run("chain_assignment", data, workdir, out, n_boot=n_boot, seed=seed)
        for half in ("tune", "holdout"):
            r = res[half]
            typer.echo(f"{half:8s} precision {r['precision']:.3f} [{r['precision_ci'][0]:.3f}, {r['precision_ci'][1]:.3f}]  "
                       f"coverage {r['coverage']:.3f} ({r['placed']}/{r['firms']})")


def _register_expansion() -> None:
    @bench_app.command("expansion")
    def expansion(data: DataOpt = None, workdir: WorkOpt = None, out: OutOpt = None,
                  n_boot: Annotated[int, typer.Option(help="bootstrap replicates (paired, over cities / firms / events)")] = 2000,
                  track: Annotated[bool, typer.Option(help="log the run to MLflow (experiment 'expansion')")] = True) -> None:
        """Who opens a branch or subsidiary elsewhere, in which city and county unit: learned rankers against size,
        gravity, same-province and distance baselines on a time split (registry sample), with a leakage check."""
        res = _run("expansion", data, workdir, out, n_boot=n_boot, track=track)
        for task, h in res["headline"].items():
            typer.echo(f"{task:18s} {h['metric']:18s} learned {h['learned']:.3f} vs {h['baseline']} {h['baseline_value']:.3f} "
                       f"(× {h['ratio']:.2f}; difference CI [{h['ci'][0]:+.3f}, {h['ci'][1]:+.3f}])")
        typer.echo(f"leakage check: {'passed' if res['leakage_ok'] else 'FAILED'}")


def register(app: typer.Typer) -> None:
    @bench_app.command("entry")
    def entry(data: DataOpt = None, workdir: WorkOpt = None, out: OutOpt = None,
              models: Annotated[Path, typer.Option(help="folder the champion is exported to (…/entry_ranker)")] = Path("models"),
              n_boot: Annotated[int, typer.Option(help="bootstrap replicates over cities")] = 1000,
              seed: Annotated[int, typer.Option(help="bootstrap seed")] = 0,
              variants: Annotated[bool, typer.Option(help="also run the Shenwan level-2/3 variants")] = True,
              track: Annotated[bool, typer.Option(help="log the run to MLflow and register the champion")] = True) -> None:
        """Entry benchmark: every ranker, main window and back-test, with bootstrap CIs over cities."""
        report = _run("entry", data, workdir, out, models_dir=models, n_boot=n_boot, seed=seed,
                      variants=("sw2", "sw3") if variants else (), track=track)
        for wname, h in report["headline"].items():
            typer.echo(f"{wname:9s} learned AP {h['learned']:.3f} vs {h['baseline']} {h['baseline_value']:.3f}: "
                       f"{h['average_precision']:+.3f} [{h['average_precision_ci'][0]:+.3f}, {h['average_precision_ci'][1]:+.3f}]")

    @bench_app.command("relocation")
    def relocation(data: DataOpt = None, workdir: WorkOpt = None, out: OutOpt = None,
                   folds: Annotated[int, typer.Option(help="cross-fitting folds over movers")] = 5,
                   track: Annotated[bool, typer.Option(help="log the run to MLflow (experiment 'relocation')")] = True,
                   chain: Annotated[bool, typer.Option(help="also measure the chain features")] = True) -> None:
        """Relocation benchmark: rank every city for firms that moved between 2015 and 2024."""
        res = _run("relocation", data, workdir, out, folds=folds, track=track, chain=chain)
        for name, m in res["rankers"].items():
            typer.echo(f"{name:42s} MRR {m['mrr']:.3f}  median {m['median_rank']:6.1f}  R@10 {m['recall_at_10']:.3f}")

    @bench_app.command("geo")
    def geo(data: DataOpt = None, workdir: WorkOpt = None, out: OutOpt = None) -> None:
        """Geocoding: county-level share by source, accuracy on labelled addresses, the plain-cpca baseline."""
        _run("geo", data, workdir, out)

    @bench_app.command("er")
    def er(data: DataOpt = None, workdir: WorkOpt = None, out: OutOpt = None,
           base: Annotated[int, typer.Option(help="records per side of the 1x synthetic run")] = 5000,
           scales: Annotated[str, typer.Option(help="comma-separated multiples of --base for the synthetic runs")] = "1,10,100") -> None:
        """Entity resolution precision/recall per list pair, Fortune match rate, synthetic 1×/10×/100× scaling."""
        _run("er", data, workdir, out, base=base, scales=scales)

    @bench_app.command("chain")
    def chain(data: DataOpt = None, workdir: WorkOpt = None, out: OutOpt = None) -> None:
        """Graph statistics, relation-cleaning precision, classifier accuracy, 秦皇岛 chains."""
        _run("chain", data, workdir, out)

    _register_chain_assignment()
    _register_expansion()

    @bench_app.command("regions")
    def regions(data: DataOpt = None, workdir: WorkOpt = None, out: OutOpt = None,
                repeats: Annotated[int, typer.Option(help="random half-splits")] = 20) -> None:
        """Split-half stability of proximity at city vs county level."""
        _run("regions", data, workdir, out, repeats=repeats)

    @bench_app.command("speed")
    def speed(data: DataOpt = None, workdir: WorkOpt = None, out: OutOpt = None,
              multiples: Annotated[str, typer.Option(help="synthetic sizes as multiples of the real firm count")] = "1,10,100",
              real: Annotated[bool, typer.Option(help="also time the build and scoring on the real data")] = True,
              k: Annotated[int, typer.Option(help="top-k firms kept per county")] = 50) -> None:
        """Speed: pairs scored per second, build time, growth on 10× / 100× synthetic universes."""
        _run("speed", data, workdir, out, multiples=multiples, real=real, k=k)

    @bench_app.command("travel")
    def travel(data: DataOpt = None, workdir: WorkOpt = None, out: OutOpt = None) -> None:
        """Rail-corridor travel times against published timetables → travel_times.{csv,md}."""
        from matcher.api import run_benchmark

        run_benchmark("travel", data, workdir, out_dir=out)
        typer.echo(f"wrote {out or 'benchmarks/results'}/travel_times.csv and travel_times.md")

    @bench_app.command("registry")
    def registry(data: DataOpt = None, workdir: WorkOpt = None, out: OutOpt = None,
                 timing: Annotated[bool, typer.Option(help="also time a cold and a warm build in a fresh work directory")] = True) -> None:
        """Registry stage: rows reconciled, county placement, industry accuracy and link precision on held-out labels, time, memory."""
        res = _run("registry", data, workdir, out, timing=timing)
        h = res["industry"]["holdout"]
        typer.echo(f"county share {res['placement']['county_share']:.3f} (秦皇岛 {res['placement']['county_share_city']:.3f}); "
                   f"industry holdout division {h['model']['division']:.3f} vs baseline {h['baseline']['division']:.3f}; "
                   f"link precision (holdout, weighted) {res['links']['holdout']['precision_weighted']}")

    app.add_typer(bench_app, name="bench")
