"""``matcher match`` (firm → county matches for a city) and ``matcher bench relocation|speed``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer

from matcher.cli.bench import RESULTS_DIR, bench_app


def _write(out: Path, name: str, result: dict, markdown: str) -> tuple[Path, Path]:
    out.mkdir(parents=True, exist_ok=True)
    j, m = out / f"{name}.json", out / f"{name}.md"
    j.write_text(json.dumps(result, ensure_ascii=False, indent=1, default=str) + "\n", encoding="utf-8")
    m.write_text(markdown, encoding="utf-8")
    return j, m


def register(app: typer.Typer) -> None:
    @app.command("match")
    def match(
        city: Annotated[str, typer.Argument(help="city name or code, e.g. 秦皇岛 / 130300")],
        data: Annotated[Path | None, typer.Option(help="raw data directory (default $MATCHER_DATA)")] = None,
        workdir: Annotated[Path | None, typer.Option(help="work directory (default ./work)")] = None,
        top: Annotated[int | None, typer.Option(help="keep the best N firms (all their counties)")] = 50,
        out: Annotated[Path | None, typer.Option(help="write the long frame here (.csv or .parquet)")] = None,
    ) -> None:
        """Score every firm outside CITY against each of its county-level units; print each firm's best county."""
        from matcher.model.match import best_landing, score_matches
        from matcher.pipeline import workdir_from
        from matcher.sources import data_dir_from

        m = score_matches(city, None, data_dir_from(data), workdir_from(workdir), top=top)
        if out is not None:
            out.parent.mkdir(parents=True, exist_ok=True)
            m.to_parquet(out, index=False) if out.suffix == ".parquet" else m.to_csv(out, index=False, encoding="utf-8-sig")
            typer.echo(f"wrote {len(m)} rows to {out}")
        for r in best_landing(m).head(20).itertuples():
            typer.echo(f"{r.score:7.3f}  {r.name}  → {r.county_name}  {str(r.reasons)[:120]}")

    @bench_app.command("relocation")
    def bench_relocation(
        data: Annotated[Path | None, typer.Option(help="raw data directory (default $MATCHER_DATA)")] = None,
        workdir: Annotated[Path | None, typer.Option(help="work directory (default ./work); holds mlflow.db")] = None,
        out: Annotated[Path, typer.Option(help="results folder")] = RESULTS_DIR,
        folds: Annotated[int, typer.Option(help="cross-fitting folds over movers")] = 5,
        track: Annotated[bool, typer.Option(help="log the run to MLflow (experiment 'relocation')")] = True,
        chain: Annotated[bool, typer.Option(help="also measure the chain features (builds the chain stage in the work directory)")] = True,
    ) -> None:
        """Relocation benchmark: rank every city for firms that moved between 2015 and 2024."""
        from matcher.model.relocation import relocation_markdown, run_relocation_benchmark
        from matcher.pipeline import workdir_from
        from matcher.sources import data_dir_from

        dd, wd = data_dir_from(data), workdir_from(workdir)
        edges = None
        if chain:
            from matcher.model.match import supply_edges

            edges = supply_edges(dd, wd)
        res: Any = run_relocation_benchmark(dd, folds=folds, edges=edges)
        j, md = _write(out, "relocation", res, relocation_markdown(res))
        for name, m in res["rankers"].items():
            typer.echo(f"{name:42s} MRR {m['mrr']:.3f}  median {m['median_rank']:6.1f}  R@10 {m['recall_at_10']:.3f}  R@30 {m['recall_at_30']:.3f}")
        if track:
            try:
                from matcher.model.tracking import log_run

                metrics = {f"{k.split(':')[0].split(' ')[0]}.{mk}": float(v) for k, m in res["rankers"].items() for mk, v in m.items()}
                log_run(wd, "relocation", "relocation-benchmark",
                        params={"folds": folds, "n_movers": res["n_movers"], "features": ",".join(res["features"])},
                        metrics=metrics, artifacts=[j, md])  # fmt: skip
            except Exception as exc:  # noqa: BLE001 - tracking is a side record, the results files are written
                typer.echo(f"(MLflow logging skipped: {type(exc).__name__}: {exc})", err=True)
        typer.echo(f"wrote {j} and {md}")

    @bench_app.command("speed")
    def bench_speed(
        data: Annotated[Path | None, typer.Option(help="raw data directory (default $MATCHER_DATA)")] = None,
        out: Annotated[Path, typer.Option(help="results folder")] = RESULTS_DIR,
        multiples: Annotated[str, typer.Option(help="synthetic sizes as multiples of the real firm count")] = "1,10,100",
        real: Annotated[bool, typer.Option(help="also time the build and scoring on the real data")] = True,
        k: Annotated[int, typer.Option(help="top-k firms kept per county")] = 50,
    ) -> None:
        """Speed benchmark: pairs scored per second, build time, and growth on 10× / 100× synthetic universes."""
        from matcher.model.speed import run_speed_benchmark, speed_markdown
        from matcher.sources import data_dir_from

        mult = tuple(int(x) for x in multiples.split(",") if x.strip())
        res: Any = run_speed_benchmark(data_dir_from(data) if real else None, multiples=mult, k=k, real=real)
        j, md = _write(out, "speed", res, speed_markdown(res))
        for r in res["synthetic"]:
            if "error" in r:
                typer.echo(f"{r['firms']:>9,} firms: failed {r['error']}")
            else:
                typer.echo(f"{r['firms']:>9,} firms × {r['units']:,} units: {r['score_topk_s']:.1f} s, {r['pairs_per_s']:,.0f} pairs/s, peak {r['peak_rss_mb']:.0f} MB")
        typer.echo(f"wrote {j} and {md}")
