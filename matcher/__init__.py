"""matcher: whom a city should court for investment, and where in the city each should land.

The public API is :mod:`matcher.api`, also reachable from the package itself::

    import matcher
    matcher.build()                            # firm master, chain graph, positions, profiles (cached)
    nav = matcher.navmap("秦皇岛")               # the navigation map: nav.targets, nav.chains, nav.counties …
    matcher.write_navmap(nav, "out/秦皇岛")

Stages (each a subpackage; imports run one way down this list): ``geo`` and the ground floor
(``cache``, ``resources``, ``relatedness``) → ``sources`` (loaders) → ``firms`` (firm master) →
``chain`` (industry-chain graph) → ``regions`` (county profiles) → ``model`` (features, rankers) →
``bench`` (benchmarks) → ``outputs`` (navigation map, trips) → ``pipeline`` (orchestration and the
work-directory cache) → ``api`` → ``cli``.
"""

from __future__ import annotations

from typing import Any

__version__ = "0.1.0"

#: names of :mod:`matcher.api` re-exported here (imported on first use, so that importing a low stage
#: does not load the whole stack)
_API = (
    "benchmark_results", "build", "chain_analysis", "chain_figure", "chain_graph", "chain_positions",
    "chain_statistics", "chain_templates", "county_profiles", "entry_evaluation", "expansion_events", "firm_master",
    "firm_name_index", "firm_report", "geocode", "local_presence", "mlflow_runs", "navmap", "open_pipeline",
    "plan_trip", "quarantine", "registry_county_industries", "registry_frame", "registry_report", "resolve_city",
    "run_benchmark", "score_matches", "write_navmap", "write_trip",
)
__all__ = [*_API, "__version__"]


def __getattr__(name: str) -> Any:
    if name in _API:
        from matcher import api

        return getattr(api, name)
    raise AttributeError(f"module 'matcher' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_API))
