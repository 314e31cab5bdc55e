"""The public facade: what notebooks, the command line and the workbench call.

Every function takes the raw-data directory (``data_dir``, default ``$MATCHER_DATA``) and the work
directory (``workdir``, default ``$MATCHER_WORKDIR`` or ``./work``); stages are built or read from the
work-directory cache by :class:`matcher.pipeline.Pipeline`, so a second call is fast. Results are
pandas DataFrames (or the small dataclasses named below), never file paths.

>>> import matcher
>>> matcher.build()                                   # doctest: +SKIP
>>> targets = matcher.navmap("秦皇岛").targets          # doctest: +SKIP
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from matcher import geo
from matcher.bench import BENCHMARKS
from matcher.bench.entry import EntryEvaluation
from matcher.bench.results import provenance, read_results, write_results
from matcher.cache import workdir_from
from matcher.chain import (
    ChainData,
    ChainTemplate,
    chain_subgraph,
    check_templates,
    graph_stats,
    load_chain_templates,
    plot_chain,
    segment_links,
)
from matcher.firms.master import NameIndex, name_index
from matcher.outputs.maps import unit_profiles
from matcher.outputs.navmap import (
    Navmap,
    NavmapOptions,
    assemble_navmap,
    city_display_name,
    labelled_analysis,
    labelled_positions,
    segment_names,
    snapshot_mask,
    targeted_chains,
)
from matcher.outputs.navmap import write_navmap as _write_navmap
from matcher.outputs.trips import TripAssumptions, TripPlan, build_trip
from matcher.outputs.trips import write_trip as _write_trip
from matcher.pipeline import Pipeline
from matcher.regions import CountyProfiles
from matcher.regions.profile import curated_facts
from matcher.sources.base import data_dir_from

if TYPE_CHECKING:
    import networkx as nx

PathLike = str | Path
UserFiles = Sequence[tuple[str, PathLike]]


def open_pipeline(data_dir: PathLike | None = None, workdir: PathLike | None = None, *, user_files: UserFiles | None = None,
                  force: bool = False, log: Callable[[str], None] | None = None, accept_altered: bool = False) -> Pipeline:
    """The build context behind every call (for analysts who want the stages one by one). Raw files that
    differ from the data manifest are refused unless ``accept_altered``."""
    return Pipeline.open(data_dir, workdir, user_files=user_files, force=force, log=log or (lambda _m: None),
                         accept_altered=accept_altered)


def build(data_dir: PathLike | None = None, workdir: PathLike | None = None, *, user_files: UserFiles | None = None,
          force: bool = False, log: Callable[[str], None] | None = None, registry: bool = True,
          accept_altered: bool = False) -> dict[str, Any]:
    """Build (or reuse) every city-independent stage: firm master, chain graph, firms' chain positions,
    national profiles and (unless ``registry`` is False) the registry evidence. ``user_files`` — ``[("little_giants" | "registry", path), …]`` — replace the set
    recorded in the work directory (None keeps it); ``accept_altered`` builds from raw files that differ
    from the data manifest (recorded, so later commands accept the same version). Returns the firm
    report with ``seconds`` per stage."""
    p = open_pipeline(data_dir, workdir, user_files=user_files, force=force, log=log, accept_altered=accept_altered)
    seconds: dict[str, float] = {}
    for stage in ("firm_master", "chain", "chain_positions", "national_profiles") + (("registry",) if registry else ()):
        t = time.perf_counter()
        getattr(p, stage)
        seconds[stage] = round(time.perf_counter() - t, 2)
    report = dict(p.firm_master.docs.get("firms_report", {}))
    report["seconds"] = seconds
    if registry:
        report["registry"] = p.registry.docs.get("registry_report", {})
    return report


def firm_master(data_dir: PathLike | None = None, workdir: PathLike | None = None) -> pd.DataFrame:
    """The firm master: one row per real firm (columns in :data:`matcher.firms.schema.FIRM_COLUMNS`)."""
    return open_pipeline(data_dir, workdir).firms


def quarantine(data_dir: PathLike | None = None, workdir: PathLike | None = None) -> pd.DataFrame:
    """Every row any source or the firm master refused, with file, row, column and reason."""
    return open_pipeline(data_dir, workdir).firm_master.frames["quarantine"]


def firm_report(data_dir: PathLike | None = None, workdir: PathLike | None = None) -> dict[str, Any]:
    """The firm master's build report (counts by source, links, geocoding levels, quarantine by reason)."""
    return dict(open_pipeline(data_dir, workdir).firm_master.docs.get("firms_report", {}))


def chain_graph(data_dir: PathLike | None = None, workdir: PathLike | None = None) -> ChainData:
    """The industry-chain graph and its tables (:class:`matcher.chain.ChainData`)."""
    return open_pipeline(data_dir, workdir).chain


def chain_templates() -> list[ChainTemplate]:
    """The curated chain templates (``data/chains/*.yaml``)."""
    return load_chain_templates()


def chain_statistics(data_dir: PathLike | None = None, workdir: PathLike | None = None) -> dict[str, Any]:
    """The chain graph in numbers (:func:`matcher.chain.graph_stats`: nodes and edges by kind, firms
    attached to industries and products, the evidence behind supply edges) and, under
    ``template_checks``, every template checked against the graph (a DataFrame of
    :func:`matcher.chain.check_templates`: segments whose supply evidence runs the other way …)."""
    p = open_pipeline(data_dir, workdir)
    return {**graph_stats(p.chain), "template_checks": check_templates(p.chain, p.templates)}


def chain_analysis(city: str, data_dir: PathLike | None = None, workdir: PathLike | None = None) -> pd.DataFrame:
    """The chains of ``city`` (name or code), one row per chain template and segment: local and national
    firms, RCA, strength (强/弱/缺), action (补链/强链/延链) with its reason, leading firms — the analysis the
    navigation map uses (:func:`matcher.chain.analyze_region` at city level, cached in the work directory)."""
    p = open_pipeline(data_dir, workdir)
    code, _ = geo.resolve_city(city, p.data_dir)
    return p.city_chain_analysis(code)


@dataclass
class ChainFigure:
    """One chain drawn by :func:`chain_figure`."""

    template: ChainTemplate
    graph: nx.DiGraph  # :func:`matcher.chain.chain_subgraph`: segments, industries, key products, supply edges
    links: pd.DataFrame  # :func:`matcher.chain.segment_links`: evidence between consecutive segments, both ways
    path: Path  # the figure written


def chain_figure(chain: str, path: PathLike, city: str | None = None, data_dir: PathLike | None = None,
                 workdir: PathLike | None = None, *, title: str | None = None) -> ChainFigure:
    """Draw one chain template (``chain``: its name, e.g. 生命健康, or code, e.g. life_health) into
    ``path`` (PNG or SVG by suffix): one column per segment with its industries and the supply edges
    between them, coloured by ``city``'s strength per segment when a city is given
    (:func:`matcher.chain.chain_subgraph` + :func:`matcher.chain.plot_chain`)."""
    p = open_pipeline(data_dir, workdir)
    found = [t for t in p.templates if chain in (t.chain, t.code)]
    if not found:
        raise KeyError(f"no chain template {chain!r}; known: {', '.join(t.chain for t in p.templates)}")
    template = found[0]
    analysis, label = None, template.chain
    if city is not None:
        code, name = geo.resolve_city(city, p.data_dir)
        analysis = p.city_chain_analysis(code)
        label = f"{name} · {template.chain}"
    g = chain_subgraph(p.chain, template, analysis)
    out = plot_chain(g, path, title=title or label)
    return ChainFigure(template, g, segment_links(p.chain, template), out)


def chain_positions(data_dir: PathLike | None = None, workdir: PathLike | None = None) -> pd.DataFrame:
    """Every (firm, chain, segment) position with its weight."""
    return open_pipeline(data_dir, workdir).chain_positions["chain_positions"]


def county_profiles(city: str, data_dir: PathLike | None = None, workdir: PathLike | None = None) -> CountyProfiles:
    """One city's county-level units: counts, RCA, density, chain coverage, the pack's cited facts."""
    return open_pipeline(data_dir, workdir).county_profiles(city)


def score_matches(city: str, data_dir: PathLike | None = None, workdir: PathLike | None = None, *,
                  top: int | None = None) -> pd.DataFrame:
    """Every eligible firm × every county-level unit of ``city``, scored, with reasons (long frame; see
    :func:`matcher.model.match.score_matches`). ``top`` keeps the best firms (all their counties)."""
    m = open_pipeline(data_dir, workdir).city_matches(city)
    if top is None:
        return m
    best = m[m["rank"] == 1].sort_values(["score", "firm_id"], ascending=[False, True], kind="stable")
    return m[m["firm_id"].isin(set(best["firm_id"].head(top)))].reset_index(drop=True)


def navmap(city: str, options: NavmapOptions | None = None, data_dir: PathLike | None = None,
           workdir: PathLike | None = None) -> Navmap:
    """The navigation map (招商导航图) of ``city``: targets, chain table, county table, outbound groups."""
    options = options or NavmapOptions()
    user = None
    if options.user_files:  # files given for this map join those recorded by `matcher build`: none is dropped
        from matcher.cache import workdir_from
        from matcher.pipeline import recorded_user_files

        recorded = [(k, Path(p)) for k, p in recorded_user_files(workdir_from(workdir))]
        given = [(k, Path(p).expanduser().resolve()) for k, p in options.user_files]
        user = list(dict.fromkeys(recorded + [g for g in given if g not in recorded]))
    p = open_pipeline(data_dir, workdir, user_files=user)
    pack = p.pack(city)
    inputs = p.city_inputs(city)
    city_code = inputs.city_code
    all_firms = p.firms
    firms_ = all_firms if options.snapshot is None else all_firms[snapshot_mask(all_firms, options.snapshot)].reset_index(drop=True)
    scored, params, key = firms_, {}, ""
    if options.snapshot is not None:
        params["snapshot"] = options.snapshot.isoformat()
        key = "snap" + options.snapshot.isoformat().replace("-", "")
    if not options.exclude_local:
        # score local firms too: score_matches leaves out the city's firms by city_code only
        scored = firms_.copy()
        loc = scored["city_code"].astype("string") == city_code
        scored.loc[loc, "city_code"] = "local:" + city_code
        params["exclude_local"] = False
        key = (key + "_withlocal").strip("_")
    matches = p.city_matches(city, scored if params else None, key=key, **params)
    targeted = targeted_chains(pack)
    positions = labelled_positions(p.chain_positions["chain_positions"], p.templates, targeted)
    curated = inputs.curated
    unit_chains = [(str(r.county_code), str(r.chain)) for r in curated[curated["kind"] == "target"].itertuples()]
    constraints = curated[curated["kind"] == "exclude"][["county_code", "note", "source"]]
    analysis = labelled_analysis(p.city_chain_analysis(city_code, firms_ if options.snapshot is not None else None,
                                                       key=key if options.snapshot is not None else ""))
    anchors = curated_facts(pack)[1] if pack is not None else None
    units = pd.DataFrame({
        "county_code": inputs.units["county_code"].astype("string"), "county_name": inputs.units["name"].astype("string"),
        "lon": inputs.units["lon"].astype("float64"), "lat": inputs.units["lat"].astype("float64"),
    })
    profiles = unit_profiles(curated_facts(pack)[0] if pack is not None else None)  # the maps' hover text
    units["profile"] = units["county_code"].astype(str).map(profiles).fillna("").astype("string")
    history, city_names = _expansion_history(p) if inputs.investors is not None else (None, {})
    return assemble_navmap(city_display_name(city, city_code, pack, p.data_dir), city_code, matches, firms_, units, options,
                           positions=positions, analysis=analysis, anchors=anchors, targeted=targeted,
                           has_pack=pack is not None, eligibility=p.eligibility(city), segment_names=segment_names(p.templates),
                           unit_chains=unit_chains, constraints=constraints, investors=inputs.investors, history=history,
                           city_names=city_names)


def _expansion_history(p: Pipeline) -> tuple[pd.DataFrame, dict[str, str]]:
    """Every firm's expansion events (branches and subsidiaries outside its home city) and the cities' names."""
    from matcher.model.expansion import is_expansion

    data = p.expansion_data()
    e = data.entities[is_expansion(data.entities, data.firms)]
    cities = geo.prefecture_points(geo.county_points(p.data_dir))
    return e.reset_index(drop=True), dict(zip(cities["city_code"].astype(str), cities["name"].astype(str), strict=True))


def write_navmap(nav: Navmap, out_dir: PathLike) -> dict[str, Path]:
    """targets.csv, navmap.xlsx, navmap.html, navmap.md into ``out_dir``."""
    return _write_navmap(nav, out_dir)


def plan_trip(home: str, *, cities: Sequence[str] = (), region: str | None = None, days: int,
              assumptions: TripAssumptions | None = None, must_visit: Sequence[str] = (), start: date | None = None,
              max_per_city: int | None = None, data_dir: PathLike | None = None,
              workdir: PathLike | None = None) -> TripPlan:
    """An outbound visit plan from ``home`` to ``cities`` (or the cities of a ``region`` group): the firms,
    chains, landing units and reasons of ``home``'s navigation map, travel times by rail corridor."""
    p = open_pipeline(data_dir, workdir)
    targets = navmap(home, NavmapOptions(top=0), data_dir, workdir).targets  # the same targets, chains and reasons as the map
    return build_trip(home, targets=targets, firms=p.firms, data_dir=p.data_dir, cities=cities,
                      region=region, days=days, assumptions=assumptions, must_visit=must_visit, start=start,
                      max_per_city=max_per_city)


def write_trip(plan: TripPlan, out_dir: PathLike, stem: str = "trip") -> dict[str, Path]:
    """trip.xlsx, trip.md and trip.json into ``out_dir``."""
    return _write_trip(plan, out_dir, stem)


def resolve_city(city: str, data_dir: PathLike | None = None) -> tuple[str, str]:
    """(city code, name) of a prefecture given by name or code."""
    return geo.resolve_city(city, data_dir)


def geocode(addresses: pd.Series, city_hint: pd.Series | None = None, data_dir: PathLike | None = None,
            workdir: PathLike | None = None) -> pd.DataFrame:
    """Addresses → province/city/county codes (zones included), with the firm master's address evidence."""
    rules = open_pipeline(data_dir, workdir).firm_master.frames["address_rules"]
    return geo.geocode_addresses(addresses, city_hint, data_dir=data_dir, evidence=rules)


def firm_name_index(data_dir: PathLike | None = None, workdir: PathLike | None = None) -> NameIndex:
    """The firm master's names prepared for entity resolution: ``index.match(["金龙鱼", …])`` → per query its
    best candidate firms (query, rank, firm_id, name, legal_name, score, linked). Build it once, ask often
    (a search box, a hand-typed lead)."""
    return name_index(open_pipeline(data_dir, workdir).firms)


# --------------------------------------------------------------------------------------------------
# registry evidence (issue 15)


def registry_report(data_dir: PathLike | None = None, workdir: PathLike | None = None) -> dict[str, Any]:
    """The registry stage's report: rows read / accepted / quarantined, placement shares, classifier, links."""
    return dict(open_pipeline(data_dir, workdir).registry.docs.get("registry_report", {}))


def registry_frame(name: str = "registry", data_dir: PathLike | None = None, workdir: PathLike | None = None) -> pd.DataFrame:
    """One frame of the registry stage (``registry``, ``registry_links``, ``registry_profiles``,
    ``registry_segments``, ``local_presence``, ``expansion_events``, ``registry_quarantine``)."""
    return open_pipeline(data_dir, workdir).registry.frames[name]


def local_presence(city: str, data_dir: PathLike | None = None, workdir: PathLike | None = None, *,
                   county: str | None = None) -> pd.DataFrame:
    """Firms of the master with entities in ``city`` (name or code), per county unit: since when, how many,
    what (:data:`matcher.regions.registry_presence.PRESENCE_COLUMNS`), oldest presence first; ``county`` (code)
    keeps one unit."""
    p = open_pipeline(data_dir, workdir)
    code, _ = geo.resolve_city(city, p.data_dir)
    pr = p.registry.frames["local_presence"]
    out = pr[pr["city_code"] == code]
    if county is not None:
        out = out[out["county_code"] == county]
    return out.sort_values(["county_code", "first_date", "firm_id"], kind="stable").reset_index(drop=True)


def expansion_events(data_dir: PathLike | None = None, workdir: PathLike | None = None, *, firm_id: str | None = None,
                     city: str | None = None, since: str | None = None) -> pd.DataFrame:
    """New entities of master firms outside their home city (:data:`matcher.regions.registry_presence.EVENT_COLUMNS`),
    optionally of one firm, into one destination city, or from a date (``YYYY-MM-DD``) on."""
    p = open_pipeline(data_dir, workdir)
    ev = p.registry.frames["expansion_events"]
    if firm_id is not None:
        ev = ev[ev["firm_id"] == firm_id]
    if city is not None:
        code, _ = geo.resolve_city(city, p.data_dir)
        ev = ev[ev["city_code"] == code]
    if since is not None:
        ev = ev[ev["reg_date"] >= pd.Timestamp(since)]
    return ev.reset_index(drop=True)


def registry_county_industries(city: str, data_dir: PathLike | None = None, workdir: PathLike | None = None, *,
                               window: str = "all") -> pd.DataFrame:
    """One row per unit of ``city`` × GB/T division from the registry sample (``county_industries.csv``)."""
    from matcher.regions.registry_profiles import county_industries
    from matcher.sources.gbt4754 import load_gbt4754

    p = open_pipeline(data_dir, workdir)
    prof = p.county_profiles(city)
    gbt = load_gbt4754(p.data_dir).frame
    names = dict(zip(gbt.loc[gbt["level"].astype(int) == 2, "code"].astype(str),
                     gbt.loc[gbt["level"].astype(int) == 2, "name"].astype(str), strict=True))
    return county_industries(p.registry.frames["registry_profiles"], prof.units, names, window)


# --------------------------------------------------------------------------------------------------
# benchmarks


def _cli_option(key: str, value: Any) -> str:
    """One option as the command line spells it (a boolean as ``--flag`` / ``--no-flag``), so that the
    command a results file records can be run as written."""
    flag = key.replace("_", "-")
    if isinstance(value, bool):
        return f"--{flag}" if value else f"--no-{flag}"
    return f"--{flag} {value}"


def run_benchmark(name: str, data_dir: PathLike | None = None, workdir: PathLike | None = None, *,
                  out_dir: PathLike | None = None, track: bool = True, command: str | None = None,
                  **options: Any) -> dict[str, Any]:
    """Run one benchmark (:data:`matcher.bench.BENCHMARKS`) and write its results with their provenance
    into ``out_dir`` (default: the shipped results folder, ``benchmarks/results`` in a checkout).
    ``command``: how to regenerate them, as recorded (the command line does pass its own; by default it
    is spelled from ``options``)."""
    from matcher import resources

    if name not in BENCHMARKS:
        raise KeyError(f"unknown benchmark {name!r}; known: {', '.join(sorted(BENCHMARKS))}")
    spec = BENCHMARKS[name]
    out = Path(out_dir) if out_dir is not None else resources.results_dir()
    argv = " ".join(_cli_option(k, v) for k, v in sorted(options.items()))
    prov = provenance(spec.code, spec.raw, spec.data, command or f"matcher bench {name.replace('_', '-')} {argv}".strip())
    p = open_pipeline(data_dir, workdir)
    runner = _RUNNERS[name]
    result, markdown = runner(p, out, prov, track, **options)
    if markdown is not None:
        write_results(out, name, result, markdown, prov)
    return result


def benchmark_results(name: str, results_dir: PathLike | None = None) -> dict[str, Any] | None:
    """The stored results of benchmark ``name`` (``<name>.json`` of ``results_dir``, default the shipped
    results folder, ``benchmarks/results`` in a checkout) with their provenance, or None when that
    benchmark has not been run."""
    return read_results(name, Path(results_dir) if results_dir is not None else None)


def entry_evaluation(data_dir: PathLike | None = None, *, results_dir: PathLike | None = None,
                     windows: Sequence[str] = ("main", "backtest"), use_stored: bool = True, n_boot: int = 200,
                     seed: int = 0) -> EntryEvaluation:
    """The entry benchmark's figures' inputs (:class:`matcher.bench.entry.EntryEvaluation`): per window,
    the train/test cells, every baseline and the learned ranker fitted on the train cells, their scores
    on the test cells, and the results table — read from the stored ``entry`` results (learned
    configuration included) when there are some and ``use_stored``, else computed here with ``n_boot``
    bootstrap replicates (:func:`matcher.bench.entry.entry_evaluation`; seconds)."""
    from matcher.bench.entry import entry_evaluation as evaluate

    stored = benchmark_results("entry", results_dir) if use_stored else None
    return evaluate(data_dir_from(data_dir), stored, tuple(windows), n_boot=n_boot, seed=seed)


def mlflow_runs(experiment: str, workdir: PathLike | None = None) -> pd.DataFrame:
    """The MLflow runs of ``experiment`` (e.g. ``entry``, ``relocation``) in the work directory's store,
    newest first, with params, metrics and tags as columns (:func:`matcher.model.tracking.read_runs`)."""
    from matcher.model.tracking import read_runs

    return read_runs(workdir_from(workdir), experiment)


def _bench_entry(p: Pipeline, out: Path, prov: dict[str, Any], track: bool, **o: Any) -> tuple[dict[str, Any], None]:
    from matcher.bench.entry import write_entry_benchmark

    models = o.get("models_dir", Path("models"))
    report = write_entry_benchmark(p.data_dir, p.workdir, out_dir=out, models_dir=models, n_boot=o.get("n_boot", 1000),
                                   seed=o.get("seed", 0), variants=tuple(o.get("variants", ("sw2", "sw3"))),
                                   track=track, prov=prov)
    return report, None


def _bench_relocation(p: Pipeline, out: Path, prov: dict[str, Any], track: bool, **o: Any) -> tuple[dict[str, Any], None]:
    from matcher.bench.relocation import relocation_markdown, run_relocation_benchmark

    edges = p.chain_positions["chain_edges"] if o.get("chain", True) else None
    res: Any = run_relocation_benchmark(p.data_dir, folds=o.get("folds", 5), edges=edges)
    paths = write_results(out, "relocation", res, relocation_markdown(res), prov)
    if track:
        from matcher.model.tracking import log_run

        metrics = {f"{k.split(':')[0].split(' ')[0]}.{mk}": float(v) for k, m in res["rankers"].items() for mk, v in m.items()}
        log_run(p.workdir, "relocation", "relocation-benchmark",
                params={"folds": o.get("folds", 5), "n_movers": res["n_movers"], "features": ",".join(res["features"])},
                metrics=metrics, artifacts=[paths["json"], paths["md"]])
    return res, None


def _bench_geo(p: Pipeline, out: Path, prov: dict[str, Any], track: bool, **o: Any) -> tuple[dict[str, Any], str]:
    from matcher.bench.geo import geo_benchmark, markdown

    res = geo_benchmark(p.data_dir)
    return res, markdown(res)


def _bench_er(p: Pipeline, out: Path, prov: dict[str, Any], track: bool, **o: Any) -> tuple[dict[str, Any], str]:
    from matcher.bench.er import er_markdown, run_er_benchmark

    scales = [int(s) for s in str(o.get("scales", "1,10,100")).split(",") if s.strip()]
    res = run_er_benchmark(p.data_dir, scales, int(o.get("base", 5000)))
    return res, er_markdown(res)


def _bench_chain(p: Pipeline, out: Path, prov: dict[str, Any], track: bool, **o: Any) -> tuple[dict[str, Any], str]:
    from matcher.bench.chain import bench_chain, bench_markdown

    res = bench_chain(p.chain, p.data_dir)
    return res, bench_markdown(res)


def _bench_chain_assignment(p: Pipeline, out: Path, prov: dict[str, Any], track: bool, **o: Any) -> tuple[dict[str, Any], str]:
    from matcher import resources
    from matcher.bench.chain_assignment import markdown, run

    labels = pd.read_csv(resources.data_path("labels/chain_assignment.csv"), dtype=str, keep_default_na=False)
    blind = pd.read_csv(resources.data_path("labels/chain_assignment_blind.csv"), dtype=str, keep_default_na=False)
    population = pd.read_csv(resources.data_path("labels/chain_assignment_population_v2.csv"), dtype=str)
    res = run(labels, p.chain_positions["chain_candidates"], n_boot=int(o.get("n_boot", 2000)), seed=int(o.get("seed", 0)),
              blind=blind, population=population)
    return res, markdown(res)


def _bench_regions(p: Pipeline, out: Path, prov: dict[str, Any], track: bool, **o: Any) -> tuple[dict[str, Any], str]:
    from matcher.bench.regions import markdown, run

    res = run(p.firms, repeats=int(o.get("repeats", 20)))
    return res, markdown(res)


def _stage_build(data_dir: Path) -> Callable[[Path], tuple[dict[str, float], pd.DataFrame, Any]]:
    def build(wd: Path) -> tuple[dict[str, float], pd.DataFrame, Any]:
        fresh = Pipeline.open(data_dir, wd, user_files=[])
        seconds: dict[str, float] = {}
        for stage in ("firm_master", "chain", "chain_positions", "national_profiles"):
            t = time.perf_counter()
            getattr(fresh, stage)
            seconds[stage] = time.perf_counter() - t
        t = time.perf_counter()
        inputs = fresh.city_inputs("秦皇岛")
        seconds["city_inputs"] = time.perf_counter() - t
        return seconds, fresh.firms, inputs

    return build


def _bench_speed(p: Pipeline, out: Path, prov: dict[str, Any], track: bool, **o: Any) -> tuple[dict[str, Any], str]:
    from matcher.bench.speed import run_speed_benchmark, speed_markdown

    mult = tuple(int(x) for x in str(o.get("multiples", "1,10,100")).split(",") if x.strip())
    res: Any = run_speed_benchmark(_stage_build(p.data_dir) if o.get("real", True) else None, multiples=mult,
                                   k=int(o.get("k", 50)))
    return res, speed_markdown(res)


def _bench_travel(p: Pipeline, out: Path, prov: dict[str, Any], track: bool, **o: Any) -> tuple[dict[str, Any], None]:
    from matcher.bench.travel import run

    paths = run(out)
    return {"files": {k: str(v) for k, v in paths.items()}}, None


def _bench_registry(p: Pipeline, out: Path, prov: dict[str, Any], track: bool, **o: Any) -> tuple[dict[str, Any], str]:
    from matcher.bench.registry import markdown, run_registry_benchmark

    res = run_registry_benchmark(p, timing_run=bool(o.get("timing", True)))
    return res, markdown(res)


def _bench_expansion(p: Pipeline, out: Path, prov: dict[str, Any], track: bool, **o: Any) -> tuple[dict[str, Any], None]:
    from matcher.bench.expansion import markdown, run_expansion_benchmark, sample_firms, splits_from

    data = p.expansion_data()
    restrict = sample_firms(data, int(o["firms"])) if o.get("firms") else None
    res = run_expansion_benchmark(data, p.expansion_geography(), p.absent_province_years(), p.national_exclusions(),
                                  master=p.firms, edges=p.chain_positions["chain_edges"],
                                  employees=p.firms.set_index("firm_id")["employees"].to_dict(),
                                  splits=splits_from(o.get("splits")), restrict=restrict, n_boot=int(o.get("n_boot", 2000)))
    paths = write_results(out, "expansion", res, markdown(res), prov)
    if track:
        from matcher.bench.expansion import flat_metrics
        from matcher.model.tracking import log_run

        log_run(p.workdir, "expansion", "expansion-benchmark", params={"n_boot": res["settings"]["n_boot"],
                "splits": ",".join(res["splits"]), "restricted": res["settings"]["restricted_universe"]},
                metrics=flat_metrics(res), artifacts=[paths["json"], paths["md"]])
    return res, None


_RUNNERS: dict[str, Callable[..., tuple[dict[str, Any], str | None]]] = {
    "entry": _bench_entry, "relocation": _bench_relocation, "geo": _bench_geo, "er": _bench_er,
    "chain": _bench_chain, "chain_assignment": _bench_chain_assignment, "regions": _bench_regions, "speed": _bench_speed, "travel": _bench_travel,
    "registry": _bench_registry, "expansion": _bench_expansion,
}

__all__ = [
    "benchmark_results", "build", "chain_analysis", "chain_figure", "chain_graph", "chain_positions",
    "chain_statistics", "chain_templates", "county_profiles", "entry_evaluation", "expansion_events", "firm_master",
    "firm_name_index", "firm_report", "geocode", "local_presence", "mlflow_runs", "navmap", "open_pipeline",
    "plan_trip", "quarantine", "registry_county_industries", "registry_frame", "registry_report", "resolve_city",
    "run_benchmark", "score_matches", "write_navmap", "write_trip",
]
