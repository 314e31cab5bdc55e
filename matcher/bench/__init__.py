"""Every benchmark, apart from the production code it measures. Each writes
``benchmarks/results/<name>.{json,md}`` (through :func:`matcher.bench.results.write_results`, with the
commit, code and data it came from). The orchestration that gathers a benchmark's inputs is in
:func:`matcher.api.run_benchmark`; this package only measures.

:data:`BENCHMARKS` declares, per benchmark, the modules whose code it measures (their fingerprint
goes into the results), the raw folders and shipped files it reads, and whether the navigation map
quotes its results (those must never be older than their code: ``tests/test_bench_results.py``).
"""

from __future__ import annotations

from dataclasses import dataclass

from matcher.firms.master import MASTER_DATA, MASTER_FOLDERS


@dataclass(frozen=True)
class BenchSpec:
    code: tuple[str, ...]
    raw: tuple[str, ...] = ()
    data: tuple[str, ...] = ()
    quoted: bool = False  # the navigation map or the README quotes its figures
    help: str = ""


_GEO_RAW = ("jionlp_location", "admin_county_coords_derived", "szse_sse_lists_2025", "listed_geo_2015",
            "tushare_dump_2024", "cbinsights_unicorns_scraper")

BENCHMARKS: dict[str, BenchSpec] = {
    "entry": BenchSpec(("matcher.bench.entry",), ("tushare_dump_2024", "chainkg_liuhuanyong", "jionlp_location",
                                                  "admin_county_coords_derived"), quoted=True,
                       help="will a city gain its first listed firm in an industry (time-split, every ranker)"),
    "relocation": BenchSpec(("matcher.bench.relocation",), ("listed_geo_2015", "tushare_dump_2024", "jionlp_location",
                                                            "admin_county_coords_derived", "chainkg_liuhuanyong"),
                            quoted=True, help="which city a moving listed firm chooses (2015 → 2024)"),
    "geo": BenchSpec(("matcher.bench.geo",), _GEO_RAW, ("zone_host_counties.csv", "labels/geo_holdout_registry.csv",
                                                     "labels/geo_labelled_szse.csv"),
                     help="geocoding levels by source and accuracy on labelled addresses"),
    "er": BenchSpec(("matcher.bench.er",), ("tushare_dump_2024", "szse_sse_lists_2025", "listed_geo_2015",
                                            "chainkg_liuhuanyong", "fortune_china500_2014_2021"),
                    help="entity resolution precision/recall and speed"),
    "chain_assignment": BenchSpec(("matcher.bench.chain_assignment", "matcher.chain.positions"),
                                  ("chainkg_liuhuanyong", "tushare_dump_2024"), ("chains", "labels"), quoted=True,
                                  help="firm → chain segment: precision on held-out labels, coverage"),
    "chain": BenchSpec(("matcher.bench.chain",), ("chainkg_liuhuanyong", "chainkg_surrealdb_sql", "wiod2013_chn"),
                       ("chains", "sw_gb4754_crosswalk.csv", "labels/chain_relations_labelled.csv"),
                       help="chain graph, relation cleaning, classifier"),
    "regions": BenchSpec(("matcher.bench.regions",), help="split-half stability of proximity by level"),
    "speed": BenchSpec(("matcher.bench.speed",), help="build and scoring time, synthetic 10×/100× growth"),
    "travel": BenchSpec(("matcher.bench.travel",), data=("travel",), quoted=True,
                        help="rail-corridor travel times against published timetables"),
    # registry and expansion measure on the firm master (name links, the firms' expansion): its inputs count too
    "registry": BenchSpec(("matcher.bench.registry", "matcher.regions.registry_evidence"),
                          ("registry_sample_2019", "gbt4754_2017", *MASTER_FOLDERS),
                          ("labels/registry_industry.csv", "labels/registry_links.csv", "labels/geo_holdout_registry.csv",
                           "chains", *MASTER_DATA), quoted=True,
                          help="registry stage: reconciliation, placement, industry accuracy, link precision, time, memory"),
    "expansion": BenchSpec(("matcher.bench.expansion", "matcher.regions.investors"),
                           ("registry_sample_2019", "gbt4754_2017", *MASTER_FOLDERS),
                           ("eligibility.yaml", "sw_gb4754_crosswalk.csv", *MASTER_DATA), quoted=True,
                           help="who opens a branch or subsidiary elsewhere, which city, which county unit (time split, baselines)"),
}

__all__ = ["BENCHMARKS", "BenchSpec"]
