"""``matcher bench geo``: geocoding coverage by source, labelled-sample accuracy, plain-cpca baseline."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

DEFAULT_LABELLED = Path("tests/fixtures/geo_labelled_addresses.csv")


def _markdown(res: dict) -> str:
    lines = ["# Geocoding benchmark", "", "Share of firms placed at each level, by source (county = county-level "
             "unit incl. NBS functional zones).", "", "| source | n | county | city or finer | zones | county w/o point |",
             "|---|---|---|---|---|---|"]
    for name, s in res["sources"].items():
        lines.append(f"| {name} | {s['n']} | {s.get('share_county')} | {s.get('share_city_or_finer', '')} | "
                     f"{s.get('zones', '')} | {s.get('county_without_point', '')} |")
    co = res.get("cooccurrence")
    if co:
        lines += ["", "## Data-derived placement (co-occurrence in the SZSE + 2015 addresses)", "",
                  "An address the text rules leave at city level is placed at the county that other addresses of the "
                  "same city name together with the same street address, zone or road, when it dominates "
                  f"(thresholds {json.dumps(co['thresholds'], ensure_ascii=False)}).", "",
                  "| kind | rules | LOFO predicted | correct | accuracy | SZSE rows placed |", "|---|---|---|---|---|---|"]
        placed = res["sources"]["szse_address"]["methods"]
        for kind, v in co["validation_leave_one_firm_out"].items():
            lines.append(f"| {kind} | {co['rules'].get(kind, 0)} | {v['n_predicted']} | {v['n_correct']} | "
                         f"{v['accuracy']} | {placed.get(kind + '_cooccurrence', 0)} |")
        lines += ["", "Rules used on the SZSE list (support = firms naming key and county / firms naming key with "
                  "any county):", ""]
        lines += [f"- {u['city_code']} {u['kind']} `{u['key']}` → {u['county_code']} "
                  f"({u['support']}/{u['total']}; {u['szse_rows']} rows)" for u in co["rules_used_on_szse"]]
        lines += ["", "SZSE addresses still at city level: " + json.dumps(co.get("szse_unplaced", {}), ensure_ascii=False)]
    zt = res.get("zone_table")
    if zt:
        v = zt["validation_leave_one_out"]
        lines += ["", "## Curated zone → host county table (`data/zone_host_counties.csv`)", "",
                  f"{zt['rows']} rows ({zt['single_host_rows']} single-host) from {zt['distinct_sources']} cited pages "
                  "(each row: source_url, source_title, quote). A zone without a statistical code is placed at its host "
                  "county (method `zone_table`); a zone the page says spans several counties only when the address also "
                  "names a town/street of one of them.", "",
                  f"Leave-one-out check (reference addresses naming a table zone and a county; county name hidden): "
                  f"single-host {v['single_host']['correct']}/{v['single_host']['n']} correct; multi-host, named county "
                  f"among the hosts {v['multi_host_named_county_in_hosts']['correct']}/"
                  f"{v['multi_host_named_county_in_hosts']['n']} (few addresses pair these zones with a county — the "
                  "reason the table exists).", "",
                  "SZSE rows placed: " + json.dumps(zt["szse_placed_by_zone"], ensure_ascii=False),
                  "", "SZSE rows naming a table zone, left at city level (multi-host, no host town named): "
                  + json.dumps(zt["szse_named_but_unplaced"], ensure_ascii=False)]
    cn = res.get("coords_nearest_check")
    if cn:
        lines += ["", f"2015 lon/lat → nearest county centroid within the SZSE city: accuracy {cn['accuracy']} "
                  f"on {cn['n']} firms whose county the text names — too low, not used."]
    if "labelled" in res:
        lab = res["labelled"]
        lines += ["", f"Labelled sample (n={lab['n']}; labels = the county the text names): text-rule county accuracy "
                  f"{lab['county_accuracy']:.3f} (holdout {lab['holdout_county_accuracy']:.3f}), "
                  f"city accuracy {lab['city_accuracy']:.3f}; plain cpca county accuracy "
                  f"{lab['plain_cpca_county_accuracy']:.3f}. Inference placed {lab['inferred_rows']} sample rows "
                  f"whose text names no county ({lab['inferred_rows_with_text_label']} had a text label; "
                  f"{lab['text_placements_changed_by_inference']} text placements changed):"]
        lines += [f"- {r['reg_address']} → {r['county_code']} ({r['geo_method']}, {r['set']})" for r in lab["inferred"]]
    lines += ["", f"秦皇岛 firms: {res['qinhuangdao']}",
              f"Index build {res['index_build_seconds']} s; evidence build {res.get('evidence_build_seconds')} s; "
              f"SZSE addresses geocoded in {res['szse_seconds']} s.",
              "", "SZSE methods: " + json.dumps(res["sources"]["szse_address"]["methods"], ensure_ascii=False)]
    return "\n".join(lines) + "\n"


def register(app: typer.Typer) -> None:
    from matcher.cli.bench import RESULTS_DIR, bench_app

    @bench_app.command("geo")
    def bench_geo(
        data: Annotated[Path | None, typer.Option(help="raw data directory (default $MATCHER_DATA)")] = None,
        labelled: Annotated[Path, typer.Option(help="hand-labelled address CSV")] = DEFAULT_LABELLED,
        out: Annotated[Path, typer.Option(help="results folder")] = RESULTS_DIR,
    ) -> None:
        """County-level share by source, labelled accuracy and the plain-cpca baseline."""
        from matcher.firms.geo import geo_benchmark
        from matcher.sources import data_dir_from

        res = geo_benchmark(data_dir_from(data), labelled)
        out.mkdir(parents=True, exist_ok=True)
        (out / "geo.json").write_text(json.dumps(res, ensure_ascii=False, indent=2), encoding="utf-8")
        (out / "geo.md").write_text(_markdown(res), encoding="utf-8")
        typer.echo(_markdown(res))
