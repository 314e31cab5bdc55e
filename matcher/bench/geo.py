"""``matcher bench geo``: geocoding coverage by source, accuracy on labelled addresses, the plain-cpca
baseline, and the checks of the zone table and the data-derived rules."""

from __future__ import annotations

import json
import re
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from matcher.firms.locate import address_evidence
from matcher.geo.address import _clean, cpca_baseline, geocode_addresses
from matcher.geo.evidence import _INFER_ORDER, _ZONE_RE, RULE_THRESHOLDS, _evidence_keys
from matcher.geo.index import _index
from matcher.geo.names import geocode_city_names, geocode_english_cities
from matcher.geo.tables import load_divisions
from matcher.geo.zones import _zone_table_index, _zone_table_match, load_zone_table
from matcher.sources.exchanges import load_szse
from matcher.sources.geo2015 import load_listed_geo_2015
from matcher.sources.tushare import load_stock_company
from matcher.sources.unicorns import load_cbinsights


def read_labelled(path: str | Path) -> pd.DataFrame:
    """A hand-labelled address file: ``#`` header lines, then CSV with reg_address and code columns."""
    lines = Path(path).read_text(encoding="utf-8").splitlines()
    body = "\n".join(line for line in lines if not line.startswith("#"))
    import io

    return pd.read_csv(io.StringIO(body), dtype=str, keep_default_na=False)


def labelled_accuracy(labelled: pd.DataFrame, predicted: pd.DataFrame) -> dict[str, float]:
    """County- and city-level agreement with hand labels (an empty label must be predicted empty)."""
    def agree(col: str) -> float:
        return float((predicted[col].fillna("").astype(str).to_numpy() == labelled[col].to_numpy()).mean())

    return {"county_accuracy": agree("county_code"), "city_accuracy": agree("city_code"), "n": int(len(labelled))}


def _level_shares(frame: pd.DataFrame) -> dict:
    n = len(frame)
    lv = frame["geo_level"].value_counts().to_dict()
    return {
        "n": int(n),
        "share_county": round(float(lv.get("county", 0)) / n, 4) if n else None,
        "share_city_or_finer": round(float(lv.get("county", 0) + lv.get("city", 0)) / n, 4) if n else None,
        "levels": {str(k): int(v) for k, v in lv.items()},
        "zones": int(frame["county_code"].fillna("").str[4:5].eq("7").sum()),
        "county_without_point": int(((frame["geo_level"] == "county") & frame["lon"].isna()).sum()),
    }


#: the fresh holdout: registry addresses (a source the rules were never tuned on), labelled before the
#: geocoder ran on them (``data/labels/geo_holdout_registry.md`` is the rule)
REGISTRY_HOLDOUT = "labels/geo_holdout_registry.csv"
#: the SZSE addresses labelled while the rules were written: a development set, not a measurement
SZSE_DEV = "labels/geo_labelled_szse.csv"


def score_holdout(labels: pd.DataFrame, pred: pd.DataFrame) -> dict[str, Any]:
    """Agreement with county/city labels, by the rule fixed before the geocoder was run on the rows:
    a county-labelled row is *right* when placed at that county, *wrong* when placed at another, and
    *unplaced* when left at city level or above; a city-labelled row counts on its prefecture (a county
    the geocoder adds there cannot be checked and is counted apart)."""
    lvl = labels["label_level"].to_numpy()
    code = labels["label_code"].astype(str).to_numpy()
    pl = pred["geo_level"].fillna("none").astype(str).to_numpy()
    pc = pred["county_code"].fillna("").astype(str).to_numpy()
    pcity = pred["city_code"].fillna("").astype(str).to_numpy()
    county = lvl == "county"
    right = county & (pl == "county") & (pc == code)
    wrong = county & (pl == "county") & (pc != code)
    n_c = int(county.sum())
    placed = int((right | wrong).sum())
    label_city = np.array([c[:2] + "0000" if c[:2] in ("11", "12", "31", "50") else c[:4] + "00" for c in code])
    city_rows = lvl == "city"
    return {
        "n": int(len(labels)), "county_labelled": n_c,
        "county_right": int(right.sum()), "county_wrong": int(wrong.sum()), "county_unplaced": n_c - placed,
        "county_precision": round(float(right.sum()) / placed, 4) if placed else None,
        "county_recall": round(float(right.sum()) / n_c, 4) if n_c else None,
        "city_labelled": int(city_rows.sum()),
        "city_right": int((city_rows & (pcity == code)).sum()),
        "city_rows_given_a_county": int((city_rows & (pl == "county")).sum()),
        "prefecture_accuracy_all_rows": round(float((pcity == label_city).mean()), 4) if len(labels) else None,
    }


def registry_holdout(data_dir: Path, rules: pd.DataFrame) -> dict[str, Any]:
    """The registry addresses' labels scored per stratum and half (the geocoder as the firm master runs it:
    text rules, the cited zone table and the master's co-occurrence evidence; the row's city as hint)."""
    from matcher import resources

    lab = pd.read_csv(resources.data_path(REGISTRY_HOLDOUT), dtype=str, keep_default_na=False)
    hint = lab["city"].where(lab["city"].str.len() > 0, None)
    pred = geocode_addresses(lab["address"], hint, data_dir=data_dir, evidence=rules)
    out: dict[str, Any] = {"rule": "data/labels/geo_holdout_registry.md"}
    for (stratum, half), idx in lab.groupby(["stratum", "half"]).groups.items():
        out[f"{stratum}/{half}"] = score_holdout(lab.loc[idx], pred.loc[idx])
    hold = lab["half"] == "holdout"
    out["holdout"] = score_holdout(lab[hold], pred[hold])
    return out


def geo_benchmark(data_dir: str | Path, labelled_path: str | Path | None = None) -> dict:
    """Share of firms placed at county level by source, accuracy on the labelled sample, cpca baseline."""
    d = Path(data_dir)
    out: dict = {"sources": {}}
    t0 = time.perf_counter()
    load_divisions(d)
    _index(str(d.resolve()))
    out["index_build_seconds"] = round(time.perf_counter() - t0, 2)

    szse = load_szse(d).frame
    geo15 = load_listed_geo_2015(d).frame
    t0 = time.perf_counter()
    corpus, rules = address_evidence(szse, geo15, d)
    out["evidence_build_seconds"] = round(time.perf_counter() - t0, 2)
    t0 = time.perf_counter()
    g = geocode_addresses(szse["reg_address"], szse["city"], data_dir=d, evidence=rules)
    out["szse_seconds"] = round(time.perf_counter() - t0, 2)
    g_text = geocode_addresses(szse["reg_address"], szse["city"], data_dir=d, infer=False)
    base = cpca_baseline(szse["reg_address"])
    out["sources"]["szse_address"] = _level_shares(g) | {"methods": {str(k): int(v) for k, v in
                                                                     g["geo_method"].value_counts().items()}}
    out["sources"]["szse_address_text_rules"] = _level_shares(g_text)
    out["cooccurrence"] = _cooccurrence_report(d, szse, g, corpus, rules)
    out["zone_table"] = _zone_table_report(d, szse, g, corpus)
    out["sources"]["szse_address_plain_cpca"] = {
        "n": int(len(base)), "share_county": round(float((base["geo_level"] == "county").mean()), 4)}
    qhd = szse["stock_code"].isin(["000889", "300869", "300922", "301552", "301580"])
    out["qinhuangdao"] = dict(zip(szse.loc[qhd, "stock_code"], g.loc[qhd, "county_code"].astype(str), strict=True))

    usable = ~geo15["has_mojibake"].astype(bool)
    g15 = geocode_addresses(geo15.loc[usable, "reg_address"], data_dir=d, evidence=rules)
    out["sources"]["geo2015_address"] = _level_shares(g15) | {"skipped_mojibake": int((~usable).sum())}
    out["coords_nearest_check"] = coords_nearest_check(d, szse, g_text)

    comp = load_stock_company(d).frame
    gt = geocode_city_names(comp["city"], comp["province"], data_dir=d)
    out["sources"]["tushare_city"] = _level_shares(gt)

    uni = load_cbinsights(d).frame
    cn = uni[uni["country"].isin(["China", "Hong Kong"])]
    gu = geocode_english_cities(cn["city"], cn["country"], data_dir=d)
    out["sources"]["unicorn_city"] = _level_shares(gu) | {
        "unplaced": sorted(cn.loc[gu["geo_level"] == "none", "city"].fillna("").astype(str).unique().tolist())}

    out["registry_holdout"] = registry_holdout(d, rules)
    from matcher import resources

    labelled_path = labelled_path or resources.data_path(SZSE_DEV)
    if Path(labelled_path).is_file():
        lab = read_labelled(labelled_path)
        hint = lab["stock_code"].map(szse.set_index("stock_code")["city"])
        # the labels say which county the TEXT names; inferred placements are checked by cross-validation
        pred = geocode_addresses(lab["reg_address"], hint, data_dir=d, infer=False)
        full = geocode_addresses(lab["reg_address"], hint, data_dir=d, evidence=rules)
        inferred = (full["geo_method"].str.endswith("cooccurrence") | full["geo_method"].eq("zone_table")
                    ).fillna(False).to_numpy()
        b = cpca_baseline(lab["reg_address"])
        bl = pd.DataFrame({"county_code": b["county_code"], "city_code": pd.NA})
        hold = (lab["set"] == "holdout").to_numpy()
        out["labelled"] = labelled_accuracy(lab, pred) | {
            "holdout_county_accuracy": labelled_accuracy(lab[hold], pred[hold])["county_accuracy"],
            "plain_cpca_county_accuracy": labelled_accuracy(lab, bl)["county_accuracy"],
            "inferred_rows": int(inferred.sum()),
            "inferred_rows_with_text_label": int((inferred & (lab["county_code"] != "").to_numpy()).sum()),
            "text_placements_changed_by_inference": int(
                (~inferred & (full["county_code"].fillna("") != pred["county_code"].fillna("")).to_numpy()).sum()),
            "inferred": [{"reg_address": a, "county_code": c, "geo_method": m, "set": st} for a, c, m, st in zip(
                lab.loc[inferred, "reg_address"], full.loc[inferred, "county_code"], full.loc[inferred, "geo_method"],
                lab.loc[inferred, "set"], strict=True)],
        }
    return out


def _cooccurrence_report(d: Path, szse: pd.DataFrame, g: pd.DataFrame, corp: pd.DataFrame, rules: pd.DataFrame) -> dict:
    """Rule counts, leave-one-firm-out accuracy and the rules that placed SZSE firms (with support)."""
    ix = _index(str(d.resolve()))
    r = rules.set_index(["city_code", "kind", "key"])
    fired: dict[tuple, int] = defaultdict(int)
    sel = g["geo_method"].str.endswith("cooccurrence").fillna(False)
    for text, city, method in zip(szse.loc[sel, "reg_address"].map(_clean), g.loc[sel, "city_code"],
                                  g.loc[sel, "geo_method"], strict=True):
        kind = method.split("_")[0]
        key = next(k for kd, k in _evidence_keys(ix, text, city) if kd == kind and (city, kd, k) in r.index)
        fired[(city, kind, key)] += 1
    used = [{"city_code": c, "kind": k, "key": key, "county_code": str(r.loc[(c, k, key), "county_code"]),
             "support": int(r.loc[(c, k, key), "support"]), "total": int(r.loc[(c, k, key), "total"]), "szse_rows": n}
            for (c, k, key), n in sorted(fired.items())]
    # why the rest stays at city level: the evidence each unplaced address has
    firms = corp.dropna(subset=["county_code"]).groupby(["city_code", "kind", "key"])["firm"].nunique().to_dict()
    why: dict[str, int] = defaultdict(int)
    for text, city, level in zip(szse["reg_address"].map(_clean), g["city_code"], g["geo_level"], strict=True):
        if level == "county":
            continue
        keys = _evidence_keys(ix, text, city) if isinstance(city, str) else []
        zones = [k for kd, k in keys if kd == "zone"]
        if zones:
            n = max(firms.get((city, "zone", k), 0) for k in zones)
            why["zone named, no firm co-names a county" if n == 0 else
                "zone named, 1 firm co-names a county" if n == 1 else "zone named, no dominant county"] += 1
        else:
            why["street address only, no evidence" if keys else "no street number / other"] += 1
    return {"thresholds": {k: {"min_support": v[0], "min_share": v[1]} for k, v in RULE_THRESHOLDS.items()},
            "rules": {str(k): int(v) for k, v in rules["kind"].value_counts().sort_index().items()},
            "validation_leave_one_firm_out": cooccurrence_validation(corp), "rules_used_on_szse": used,
            "szse_unplaced": dict(sorted(why.items(), key=lambda kv: -kv[1]))}


def _zone_table_report(d: Path, szse: pd.DataFrame, g: pd.DataFrame, corp: pd.DataFrame) -> dict:
    """Rows of the curated table, SZSE rows it placed (by zone), SZSE rows naming a table zone it could not
    place (multi-host zone without a host's town), and the leave-one-out check."""
    dd = str(d.resolve())
    ix = _index(dd)
    ztab = _zone_table_index(dd)
    table = load_zone_table()
    placed: dict[str, int] = defaultdict(int)
    left: dict[str, int] = defaultdict(int)
    for text, city, level, method in zip(szse["reg_address"].map(_clean), g["city_code"], g["geo_level"],
                                         g["geo_method"], strict=True):
        if not isinstance(city, str) or (level == "county" and method != "zone_table"):
            continue
        e = _zone_table_match(ix, ztab, text, city)
        if e is not None:
            (placed if method == "zone_table" else left)[f"{city} {e.zone}"] += 1
    return {"rows": int(len(table)), "single_host_rows": int((~table["county_code"].str.contains("|", regex=False)).sum()),
            "distinct_sources": int(table["source_url"].nunique()), "szse_placed_by_zone": dict(sorted(placed.items())),
            "szse_named_but_unplaced": dict(sorted(left.items())), "validation_leave_one_out": zone_table_validation(d, corp)}


def coords_nearest_check(d: Path, szse: pd.DataFrame, g_text: pd.DataFrame) -> dict:
    """Would the 2015 file's lon/lat place a county? Nearest county centroid within the city the SZSE text
    names, scored on firms whose county that text names (zones excluded: they have no centroid).
    Measured only; not used for placement unless accurate (it is not: see the benchmark)."""
    import numpy as np

    pts = load_divisions(d).dropna(subset=["lon"])
    g15 = load_listed_geo_2015(d).frame.dropna(subset=["lon", "lat"]).drop_duplicates("stock_code")
    m = pd.DataFrame({"stock_code": szse["stock_code"].to_numpy(), "county": g_text["county_code"].to_numpy(),
                      "city": g_text["city_code"].to_numpy()}).merge(g15[["stock_code", "lon", "lat"]], on="stock_code")
    m = m[m["county"].notna() & (m["county"].astype(str).str[4] != "7")]
    by_city = {c: (f["county_code"].to_numpy(), f["lon"].to_numpy(float), f["lat"].to_numpy(float))
               for c, f in pts.groupby("city_code")}
    hits = n = 0
    for county, city, lon, lat in zip(m["county"], m["city"], m["lon"], m["lat"], strict=True):
        if city not in by_city:
            continue
        codes, lons, lats = by_city[city]
        dist = ((lons - lon) * np.cos(np.radians(lat))) ** 2 + (lats - lat) ** 2
        n += 1
        hits += int(codes[int(np.argmin(dist))] == county)
    return {"n": n, "accuracy": round(hits / n, 4) if n else None, "used": False}



def zone_table_validation(data_dir: str | Path, corpus: pd.DataFrame) -> dict:
    """Accuracy of the zone table where checkable: reference addresses (SZSE + 2015 file) whose text names a
    county; the county's name is removed from the text (leave-one-out: hide the answer) and, when the rest
    names a table zone, the table's host (single-host rows; for multi-host rows: is the named county among
    the hosts) is compared with the named county. The table is curated from cited pages, never from these
    addresses, so no firm vouches for itself."""
    dd = str(Path(data_dir).resolve())
    ix = _index(dd)
    ztab = _zone_table_index(dd)
    corp = corpus.dropna(subset=["county_code"]).drop_duplicates(["firm", "source", "text"])
    per: dict[str, dict[str, int]] = defaultdict(lambda: {"n": 0, "correct": 0})
    for text, city, county in zip(corp["text"], corp["city_code"], corp["county_code"], strict=True):
        u = ix.by_code.get(county, {})
        names = [n for n in (u.get("county"), u.get("county_short")) if n and len(n) >= 2]
        # the county's own zone (望城经济技术开发区) is not a table zone: hiding 望城 would fake one
        if any(_ZONE_RE.match(text, m.end()) for n in names for m in re.finditer(re.escape(n), text)):
            continue
        hidden = text
        for n in sorted(names, key=len, reverse=True):
            hidden = hidden.replace(n, "")  # hide the named county: can the table recover it?
        if hidden == text:
            continue
        e = _zone_table_match(ix, ztab, hidden, city)
        if e is None:
            continue
        v = per[f"{city} {e.zone}"]
        v["n"] += 1
        v["correct"] += int(county in e.hosts)
        v["hosts"] = len(e.hosts)
    single = [v for v in per.values() if v["hosts"] == 1]
    n1, c1 = sum(v["n"] for v in single), sum(v["correct"] for v in single)
    nm, cm = (sum(v["n"] for v in per.values() if v["hosts"] > 1),
              sum(v["correct"] for v in per.values() if v["hosts"] > 1))
    return {"single_host": {"n": n1, "correct": c1, "accuracy": round(c1 / n1, 4) if n1 else None},
            "multi_host_named_county_in_hosts": {"n": nm, "correct": cm, "share": round(cm / nm, 4) if nm else None},
            "by_zone": {k: dict(v) for k, v in sorted(per.items())}}

def cooccurrence_validation(corpus: pd.DataFrame) -> dict:
    """Leave-one-firm-out check of each rule kind on SZSE addresses whose county the text names.

    For every such address and key, the rules are rebuilt without that firm's addresses (for
    ``address`` keys: without every address of the same text, so an identical copy in the 2015 file
    does not vouch for itself) and the prediction is compared with the named county. Returns per
    kind: n_predicted, n_correct, accuracy."""
    corp = corpus
    named = corp.dropna(subset=["county_code"]).drop_duplicates(["firm", "city_code", "kind", "key", "county_code"])
    full = named.groupby(["city_code", "kind", "key", "county_code"])["firm"].nunique()
    totals = full.groupby(level=[0, 1, 2]).sum()
    same_text = corp.dropna(subset=["county_code"]).groupby(["text", "city_code", "kind", "key", "county_code"])["firm"]
    text_firms = {k: set(v) for k, v in same_text}
    ev = corp[(corp["source"] == "szse") & corp["county_code"].notna()].drop_duplicates(["firm", "kind", "key"])
    cands = {k: g.droplevel([0, 1, 2]) for k, g in full.groupby(level=[0, 1, 2])}
    out: dict = {}
    for kind in _INFER_ORDER:
        sub = ev[ev["kind"] == kind]
        pred_n = correct = 0
        for firm, text, city, key, county in zip(sub["firm"], sub["text"], sub["city_code"], sub["key"],
                                                 sub["county_code"], strict=True):
            counts = cands.get((city, kind, key))
            if counts is None:
                continue
            counts = counts.copy()
            if kind == "address":
                drop = text_firms.get((text, city, kind, key, county), set()) | {firm}
                removed = len(named[(named["firm"].isin(drop)) & (named["city_code"] == city) & (named["kind"] == kind)
                                    & (named["key"] == key) & (named["county_code"] == county)])
                counts[county] -= removed
            else:
                counts[county] -= 1
            total = int(totals[(city, kind, key)]) - (int(full[(city, kind, key, county)]) - int(counts[county]))
            if total <= 0:
                continue
            top = counts.sort_values(ascending=False, kind="stable")
            best, n = top.index[0], int(top.iloc[0])
            lo, share = RULE_THRESHOLDS[kind]
            if n >= lo and n / total >= share:
                pred_n += 1
                correct += int(best == county)
        out[kind] = {"n_predicted": pred_n, "n_correct": correct,
                     "accuracy": round(correct / pred_n, 4) if pred_n else None}
    return out


def registry_holdout_lines(h: dict[str, Any]) -> list[str]:
    """The fresh registry-address sample as a table: per stratum and half, and the untouched holdout."""
    lines = ["", "## Accuracy on registry addresses (the measurement)", "",
             f"Registry addresses drawn at random with a recorded seed, labelled by a written rule ({h['rule']}) before "
             "the geocoder ran on them, half kept untouched (holdout; never tuned on). Precision: right among rows "
             "placed at county level; recall: right among county-labelled rows.", "",
             "| part | rows | county-labelled | right | wrong | unplaced | county precision | county recall | prefecture accuracy |",
             "|---|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for key in sorted(k for k in h if "/" in k) + ["holdout"]:
        r = h[key]
        name = "**holdout, all strata**" if key == "holdout" else key
        lines.append(f"| {name} | {r['n']} | {r['county_labelled']} | {r['county_right']} | {r['county_wrong']} | "
                     f"{r['county_unplaced']} | {r['county_precision']} | {r['county_recall']} | {r['prefecture_accuracy_all_rows']} |")
    return lines


def markdown(res: dict) -> str:
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
    if "registry_holdout" in res:
        lines += registry_holdout_lines(res["registry_holdout"])
    if "labelled" in res:
        lab = res["labelled"]
        lines += ["", f"SZSE development sample (n={lab['n']}; labelled while the rules were written, so not a measurement; "
                  f"labels = the county the text names): text-rule county accuracy "
                  f"{lab['county_accuracy']:.3f} (its 'holdout' half {lab['holdout_county_accuracy']:.3f}, also seen while tuning), "
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


