"""County (and city) profiles: what each region has, what it is related to, what it targets.

Per region and industry: firm count, share, Balassa RCA against the nation, presence (RCA ≥ 1) and
relatedness density (:mod:`matcher.relatedness`). Per region, chain and segment: how many firms
(and unlisted anchor firms named in the city pack) sit in the segment's industries. Per unit: the
curated facts of the city pack (leading industries, parks, targeted chains, constraints, anchors).

Why proximity comes from co-location across *cities*, not counties: the firm universe is mostly
listed firms (~5,400). Spread over ~3,000 county-level units, most counties hold 0–2 firms, so the
county presence matrix is nearly empty and co-occurrence counts of industry pairs are dominated by
chance; over ~340 prefecture cities each city holds ~16 firms on average and each industry pair has
enough joint occurrences to estimate. Counties and cities share one industry space, so the
city-level proximity is applied to county presence. ``proximity_stability`` measures the choice
(split-half agreement of proximities at both levels; ``matcher bench regions`` writes the figures).
Measured on the real firm master (Shenwan level 2, 20 random half-splits): cities — 4,273 placed firms
in 277 cities, median 4 per city, split-half correlation of proximities 0.35 (sd 0.02); counties —
~2,600 firms in ~750 counties, median 1, 51 % of counties with a single firm, correlation 0.19 (sd
0.02). Both are noisy (the universe is small), the county level clearly more so.

National RCA: the reference distribution is every firm with an industry (not only those placed at
county level), so that a county is compared with the nation, not with the geocoded subset.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from matcher import relatedness as metrics
from matcher.regions.pack import CityPack

#: columns of the long profile frame (one row per region × industry)
PROFILE_COLUMNS = [
    "region_code", "level", "industry", "industry_name", "count", "region_total", "share",
    "national_count", "national_share", "rca", "present", "density",
]
#: industry columns the firm master carries, with their name columns
INDUSTRY_NAME_COLUMN = {"sw_l1_code": "sw_l1_name", "sw_l2_code": "sw_l2_name", "sw_l3_code": "sw_l3_name",
                        "industry_tushare": "industry_tushare"}
DEFAULT_INDUSTRY_COL = "sw_l2_code"


def _names(firms: pd.DataFrame, industry_col: str) -> pd.Series:
    name_col = INDUSTRY_NAME_COLUMN.get(industry_col)
    if name_col is None or name_col not in firms.columns:
        return pd.Series(dtype="string")
    pairs = firms[[industry_col, name_col]].dropna().astype(str).drop_duplicates(industry_col)
    return pairs.set_index(industry_col)[name_col]


def industry_proximity(
    firms: pd.DataFrame, industry_col: str = DEFAULT_INDUSTRY_COL, level: str = "city", rca_threshold: float = 1.0
) -> pd.DataFrame:
    """Industry × industry proximity from co-location of firms across all regions of ``level``."""
    counts = metrics.counts_matrix(firms, f"{level}_code", industry_col)
    reference = firms[industry_col].dropna().astype(str).value_counts()
    # every industry in the nation gets a row/column, even if no firm of it is placed at this level
    counts = counts.reindex(columns=sorted(set(counts.columns) | set(reference.index)), fill_value=0.0)
    pres = metrics.presence(metrics.rca(counts, reference), rca_threshold)
    return metrics.proximity(pres)


def profile_regions(
    firms: pd.DataFrame,
    units: pd.DataFrame | Sequence[str] | None = None,
    level: str = "county",
    industry_col: str = DEFAULT_INDUSTRY_COL,
    *,
    proximity: pd.DataFrame | None = None,
    proximity_level: str = "city",
    rca_threshold: float = 1.0,
    exclude_self: bool = True,
    industry_names: pd.Series | None = None,
) -> pd.DataFrame:
    """Long profile (see :data:`PROFILE_COLUMNS`) of regions at ``level`` ("county" or "city").

    RCA and presence are computed over every region of the level in the nation (the reference is
    the national count per industry); ``units`` (codes, or a frame with ``county_code`` /
    ``region_code``) restricts the output to those regions, listing units with no firm too (count 0).
    ``industry_names`` (code → name) fills names the firms' own name column lacks.
    """
    region_col = f"{level}_code"
    reference = firms[industry_col].dropna().astype(str).value_counts().sort_index()
    inds = pd.Index(sorted(reference.index), name=industry_col)
    counts = metrics.counts_matrix(firms, region_col, industry_col).reindex(columns=inds, fill_value=0.0)
    wanted = _unit_codes(units)
    if wanted is not None:
        counts = counts.reindex(sorted(set(counts.index) | set(wanted)), fill_value=0.0)
    rca = metrics.rca(counts, reference)
    pres = metrics.presence(rca, rca_threshold)
    if proximity is None:
        proximity = industry_proximity(firms, industry_col, proximity_level, rca_threshold)
    dens = metrics.density(pres, proximity.reindex(index=inds, columns=inds, fill_value=0.0), exclude_self)
    if wanted is not None:
        keep = sorted(wanted)
        counts, rca, pres, dens = (m.loc[keep] for m in (counts, rca, pres, dens))
    out = metrics.to_long(counts, "count")
    out["rca"] = metrics.to_long(rca, "rca")["rca"].to_numpy()
    out["present"] = metrics.to_long(pres, "present")["present"].astype(bool).to_numpy()
    out["density"] = metrics.to_long(dens, "density")["density"].to_numpy()
    out["count"] = out["count"].astype("int64")
    totals = out.groupby("region_code")["count"].transform("sum")
    out["region_total"] = totals.astype("int64")
    out["share"] = np.where(totals > 0, out["count"] / totals.where(totals > 0, 1), 0.0)
    out["national_count"] = out["industry"].map(reference).fillna(0).astype("int64")
    out["national_share"] = out["national_count"] / max(int(reference.sum()), 1)
    out["level"] = level
    names = _names(firms, industry_col)
    if industry_names is not None:
        names = names.combine_first(industry_names.astype(str))
    out["industry_name"] = out["industry"].map(names).astype("string")
    out["region_code"] = out["region_code"].astype("string")
    out["industry"] = out["industry"].astype("string")
    return out[PROFILE_COLUMNS]


def _unit_codes(units: pd.DataFrame | Sequence[str] | None) -> list[str] | None:
    if units is None:
        return None
    if isinstance(units, pd.DataFrame):
        col = "county_code" if "county_code" in units.columns else "region_code"
        return [str(c) for c in units[col].dropna()]
    return [str(c) for c in units]


# ---- chain coverage ----------------------------------------------------------------------------

SEGMENT_COLUMNS = ["chain", "segment", "segment_name", "industry_code", "product"]
COVERAGE_COLUMNS = [
    "region_code", "chain", "segment", "segment_name", "firms", "industries_present", "industries_total",
    "coverage", "anchor_firms", "anchor_names", "targeted",
]


def _as_dict(obj: object) -> dict:
    if isinstance(obj, dict):
        return obj
    if hasattr(obj, "model_dump"):
        return dict(obj.model_dump())
    return dict(vars(obj))


def flatten_templates(templates: Iterable[object]) -> pd.DataFrame:
    """Chain templates (the chain stage's ``ChainTemplate`` objects, or dicts of the YAML shape:
    ``chain``, ``segments: [{segment: 上游, name, industries: [codes], products: [terms]}]``) →
    one row per segment industry and per segment key product."""
    rows: list[dict[str, object]] = []
    for tpl in templates:
        t = _as_dict(tpl)
        chain = t.get("chain") or t.get("name")
        for seg in t.get("segments", ()) or ():
            sd = _as_dict(seg)
            position = sd.get("segment") or sd.get("name")
            name = sd.get("name") or position
            for code in sd.get("industries", ()) or ():
                c = code.get("code") if isinstance(code, dict) else code
                rows.append({"chain": chain, "segment": position, "segment_name": name, "industry_code": str(c), "product": None})
            for prod in sd.get("products", ()) or ():
                rows.append({"chain": chain, "segment": position, "segment_name": name, "industry_code": None, "product": str(prod)})
    return pd.DataFrame(rows, columns=SEGMENT_COLUMNS).astype("string").drop_duplicates().reset_index(drop=True)


def _clean_product(text: str) -> str:
    return re.sub(r"\s*[(（].*?[)）]\s*", "", str(text)).strip()


def product_matches(product: str, key_terms: Iterable[str]) -> bool:
    """The chain templates' rule: a product matches a key term it ends with (电力变压器 ~ 变压器,
    变压器油 does not); a parenthetical remark in the product (e.g. a capacity) is ignored."""
    p = _clean_product(product)
    return bool(p) and any(p.endswith(str(k)) for k in key_terms if k)


def chain_coverage(
    firms: pd.DataFrame,
    segments: pd.DataFrame,
    region_col: str,
    regions: Iterable[str],
    anchors: pd.DataFrame | None = None,
    targeted: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Firms per region × chain × segment, and the share of the segment's industries present.

    A firm is in a segment when any of its Shenwan codes (levels 1–3) is one of the segment's
    industry codes (templates give codes at any level). ``anchors`` (region_code, name, products)
    adds the pack's anchor firms — listed or not — whose stated products match a segment's key
    products (:func:`product_matches`); so local firms that no public list contains count too.
    ``targeted`` (region_code, chain) marks the chains a unit targets.
    """
    regions = [str(r) for r in regions]
    if segments.empty:
        return pd.DataFrame(columns=COVERAGE_COLUMNS)
    code_cols = [c for c in ("sw_l1_code", "sw_l2_code", "sw_l3_code") if c in firms.columns]
    local = firms[firms[region_col].astype("string").isin(regions)].reset_index(drop=True)
    parts = [
        pd.DataFrame({"region_code": local[region_col].astype(str), "firm": local.index, "industry_code": local[c].astype("string")})
        for c in code_cols
    ]
    firm_codes = (
        pd.concat(parts, ignore_index=True).dropna(subset=["industry_code"])
        if parts else pd.DataFrame(columns=["region_code", "firm", "industry_code"])
    )
    key = ["region_code", "chain", "segment"]
    seg_ind = segments.dropna(subset=["industry_code"])[["chain", "segment", "industry_code"]].drop_duplicates()
    hits = firm_codes.merge(seg_ind, on="industry_code")
    firms_n = hits.drop_duplicates([*key, "firm"]).groupby(key).size()
    present = hits.drop_duplicates([*key, "industry_code"]).groupby(key).size()
    total = seg_ind.groupby(["chain", "segment"]).size()
    segs = segments[["chain", "segment", "segment_name"]].drop_duplicates(["chain", "segment"])
    out = pd.concat([segs.assign(region_code=r) for r in regions], ignore_index=True)
    idx = pd.MultiIndex.from_frame(out[key])
    out["firms"] = pd.Series(firms_n, dtype="float64").reindex(idx).fillna(0).astype("int64").to_numpy()
    out["industries_present"] = pd.Series(present, dtype="float64").reindex(idx).fillna(0).astype("int64").to_numpy()
    out["industries_total"] = (
        pd.Series(total, dtype="float64").reindex(pd.MultiIndex.from_frame(out[["chain", "segment"]])).fillna(0).astype("int64").to_numpy()
    )
    out["coverage"] = np.where(out["industries_total"] > 0, out["industries_present"] / out["industries_total"].clip(lower=1), 0.0)
    names: dict[tuple[str, str, str], list[str]] = {}
    if anchors is not None and not anchors.empty:
        grouped = segments.dropna(subset=["product"]).groupby(["chain", "segment"])["product"].agg(list)
        prods = [(str(c), str(sg), list(t)) for (c, sg), t in zip(grouped.index, grouped.to_numpy(), strict=True)]
        for _, a in anchors.iterrows():
            for chain, seg, terms in prods:
                if any(product_matches(p, terms) for p in (a["products"] if a["products"] is not None else [])):
                    names.setdefault((str(a["region_code"]), str(chain), str(seg)), []).append(str(a["name"]))
    out["anchor_names"] = [
        "|".join(names.get((r, c, s), [])) for r, c, s in zip(out["region_code"], out["chain"], out["segment"], strict=True)
    ]
    out["anchor_firms"] = [len(names.get((r, c, s), [])) for r, c, s in zip(out["region_code"], out["chain"], out["segment"], strict=True)]
    tset: set[tuple[str, str]] = set()
    if targeted is not None and not targeted.empty:
        tset = set(zip(targeted["region_code"].astype(str), targeted["chain"].astype(str), strict=True))
    out["targeted"] = [(r, c) in tset for r, c in zip(out["region_code"], out["chain"], strict=True)]
    order = {s: i for i, s in enumerate(("上游", "中游", "下游"))}
    out["_o"] = out["segment"].map(order).fillna(9)
    out = out.sort_values(["region_code", "chain", "_o"], kind="stable")
    return out[COVERAGE_COLUMNS].reset_index(drop=True)


# ---- curated facts of the pack ----------------------------------------------------------------

CURATED_COLUMNS = ["region_code", "kind", "value", "source", "basis", "note", "excludes_sw_l1"]
ANCHOR_COLUMNS = ["region_code", "name", "products", "chains", "sw_l1", "listed", "stock_code", "source", "basis", "note"]


def curated_facts(pack: CityPack | None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The pack flattened: (facts table, anchors table), keyed by region_code (the city's code for
    city-level facts)."""
    facts: list[dict[str, object]] = []
    anchors: list[dict[str, object]] = []
    if pack is None:
        return pd.DataFrame(columns=CURATED_COLUMNS), pd.DataFrame(columns=ANCHOR_COLUMNS)

    def add(code: str, holder: object) -> None:
        for kind, attr in (("leading_industry", "leading_industries"), ("park", "parks"),
                           ("targeted_chain", "targeted_chains"), ("constraint", "constraints"),
                           ("project", "projects"), ("fact", "facts")):
            for f in getattr(holder, attr, []) or []:
                facts.append({"region_code": code, "kind": kind, "value": str(f.value), "source": f.source,
                              "basis": f.basis, "note": f.note,
                              "excludes_sw_l1": "|".join(getattr(f, "excludes_sw_l1", []) or [])})
        for a in getattr(holder, "anchor_firms", []) or []:
            anchors.append({"region_code": code, "name": a.name, "products": list(a.products), "chains": list(a.chains),
                            "sw_l1": a.sw_l1, "listed": a.listed, "stock_code": a.stock_code, "source": a.source,
                            "basis": a.basis, "note": a.note})
        centroid = getattr(holder, "centroid", None)
        if centroid is not None:
            facts.append({"region_code": code, "kind": "centroid", "value": f"{centroid.lon}, {centroid.lat}",
                          "source": centroid.source, "basis": centroid.basis, "note": centroid.note, "excludes_sw_l1": ""})

    add(pack.city_code, pack)
    for unit in pack.units:
        add(unit.code, unit)
    f = pd.DataFrame(facts, columns=CURATED_COLUMNS)
    a = pd.DataFrame(anchors, columns=ANCHOR_COLUMNS)
    a["listed"] = a["listed"].astype("boolean")
    return f, a


def anchor_presence(anchors: pd.DataFrame) -> pd.DataFrame:
    """Anchor firms as local presence, one row per (unit, firm, product): region_code, name, product,
    chains, sw_l1, listed, stock_code, source. Unlisted firms (``listed`` False or unknown) are the
    ones no public list contains; matching and chain analysis count their products as present."""
    if anchors.empty:
        return pd.DataFrame(columns=["region_code", "name", "product", "chains", "sw_l1", "listed", "stock_code", "source"])
    rows = anchors.assign(product=anchors["products"].map(lambda p: list(p) if len(p) else [None])).explode("product")
    rows["chains"] = rows["chains"].map(lambda c: "|".join(c))
    cols = ["region_code", "name", "product", "chains", "sw_l1", "listed", "stock_code", "source"]
    return rows[cols].astype({"product": "string"}).reset_index(drop=True)


def excluded_industries(curated: pd.DataFrame) -> pd.DataFrame:
    """Constraints as (region_code, sw_l1_name, constraint, basis, source): industries a unit's
    constraints rule out (for matching: a firm of that Shenwan level-1 industry should not land there)."""
    c = curated[(curated["kind"] == "constraint") & (curated["excludes_sw_l1"].fillna("") != "")]
    rows = [
        {"region_code": r["region_code"], "sw_l1_name": name, "constraint": r["value"], "basis": r["basis"], "source": r["source"]}
        for _, r in c.iterrows() for name in str(r["excludes_sw_l1"]).split("|")
    ]
    return pd.DataFrame(rows, columns=["region_code", "sw_l1_name", "constraint", "basis", "source"])


# ---- the city's profiles ----------------------------------------------------------------------


@dataclass
class CountyProfiles:
    """Everything known about one city's county-level units (and the city itself)."""

    city_code: str
    city_name: str
    units: pd.DataFrame            # city_units(): county_code, county_name, aliases, lon, lat, is_zone, source
    county: pd.DataFrame           # long profile rows (PROFILE_COLUMNS) of the units
    city: pd.DataFrame             # long profile rows of the city
    coverage: pd.DataFrame         # COVERAGE_COLUMNS for units and the city
    curated: pd.DataFrame          # CURATED_COLUMNS (pack facts; empty without a pack)
    anchors: pd.DataFrame          # ANCHOR_COLUMNS
    has_pack: bool = False
    params: dict[str, object] = field(default_factory=dict)

    def targets(self, code: str) -> list[str]:
        c = self.curated
        return list(c.loc[(c["region_code"] == code) & (c["kind"] == "targeted_chain"), "value"].drop_duplicates())

    def constraints(self, code: str) -> pd.DataFrame:
        c = self.curated
        return c[(c["region_code"] == code) & (c["kind"] == "constraint")]

    def excluded(self) -> pd.DataFrame:
        """(region_code, sw_l1_name, constraint, basis, source) — see :func:`excluded_industries`."""
        return excluded_industries(self.curated)

    def local_presence(self) -> pd.DataFrame:
        """Anchor firms × products per unit — see :func:`anchor_presence`."""
        return anchor_presence(self.anchors)

    def summary(self, code: str, top: int = 5) -> str:
        """A short readable summary of one unit (Markdown)."""
        return unit_summary(self, code, top)

    def summaries(self) -> dict[str, str]:
        return {code: self.summary(code) for code in self.units["county_code"]}

    def write(self, out_dir: str | Path) -> list[Path]:
        """Write the tables (CSV + Parquet) and the summaries (one Markdown file, one section per unit)."""
        from matcher.outputs.safe import md_escape, to_csv  # and for text in CSV and Markdown
        from matcher.outputs.safe import out_dir as ensure_out_dir  # a writer: the one rule for folders

        out = ensure_out_dir(out_dir)
        written: list[Path] = []
        tables = {
            "units": self.units.assign(aliases=self.units["aliases"].map(lambda a: "|".join(a))),
            "county_profiles": self.county, "city_profile": self.city, "chain_coverage": self.coverage,
            "curated_facts": self.curated,
            "anchor_firms": self.anchors.assign(products=self.anchors["products"].map(lambda a: "|".join(a)),
                                                chains=self.anchors["chains"].map(lambda a: "|".join(a))),
        }
        for name, frame in tables.items():
            for ext in ("csv", "parquet"):
                p = out / f"{name}.{ext}"
                if ext == "csv":
                    to_csv(frame, p, encoding="utf-8")  # formula prefixes neutralised (matcher.outputs.safe)
                else:
                    frame.to_parquet(p, index=False)
                written.append(p)
        parts = [f"# {self.city_name} ({self.city_code}) — county profiles\n", _params_line(self.params), ""]
        parts += [self.summary(code) for code in self.units["county_code"]]
        p = out / "summary.md"
        # names come from the data and the pack: no HTML of theirs reaches a Markdown viewer (the summary
        # itself is plain Markdown, so escaping the whole text escapes nothing of its own)
        p.write_text(md_escape("\n".join(parts)), encoding="utf-8")
        written.append(p)
        return written


def _params_line(params: dict[str, object]) -> str:
    return "Parameters: " + ", ".join(f"{k}={v}" for k, v in params.items())


def _fmt_ind(row: pd.Series) -> str:
    name = row["industry_name"] if isinstance(row["industry_name"], str) else row["industry"]
    return name


def unit_summary(p: CountyProfiles, code: str, top: int = 5) -> str:
    """Markdown: the unit's point, its firms and industries (count, RCA), the most related industries
    it lacks (density), coverage of the chains it targets, then the pack's facts with numbered sources."""
    u = p.units.set_index("county_code").loc[code]
    prof = p.county[p.county["region_code"] == code]
    total = int(prof["count"].to_numpy().sum())
    sources: list[str] = []

    def cite(src: str) -> str:
        if src not in sources:
            sources.append(src)
        return f"[{sources.index(src) + 1}]"

    zone = " (functional zone)" if bool(u["is_zone"]) else ""
    lines = [f"## {u['county_name']} {code}{zone}", ""]
    point = f"{u['lon']:.4f}, {u['lat']:.4f}" if pd.notna(u["lon"]) else "unknown"
    lines.append(f"- Point: {point} ({u['source']})")
    n_firms = u.get("firms")
    n_all = int(n_firms) if isinstance(n_firms, (int, np.integer)) else total
    few = " — few firms: RCA and density are indicative only" if 0 < total < 5 else ""
    lines.append(f"- Firms in the data: {n_all} ({total} with an industry code){few}")
    if total:
        strong = prof[prof["count"] > 0].sort_values(["count", "rca"], ascending=[False, False], kind="stable").head(top)
        lines.append("- Industries (firms, RCA): " + "; ".join(f"{_fmt_ind(r)} ({r['count']}, {r['rca']:.1f})" for _, r in strong.iterrows()))
    near = prof[~prof["present"]].sort_values(["density", "industry"], ascending=[False, True], kind="stable").head(top)
    if len(near) and near["density"].max() > 0:
        lines.append("- Most related industries not yet present (density): "
                     + "; ".join(f"{_fmt_ind(r)} ({r['density']:.2f})" for _, r in near.iterrows()))
    cov = p.coverage[(p.coverage["region_code"] == code) & p.coverage["targeted"]]
    for chain, g in cov.groupby("chain", sort=True):
        segs = "; ".join(
            f"{r['segment']} {r['firms']} firms" + (f" + {r['anchor_names'].replace('|', '、')}" if r["anchor_firms"] else "")
            for _, r in g.iterrows()
        )
        lines.append(f"- Chain {chain} (targeted): {segs}")
    c = p.curated[p.curated["region_code"] == code]
    labels = {"leading_industry": "Leading industries", "targeted_chain": "Targeted chains", "park": "Parks",
              "constraint": "Constraints", "project": "Projects"}
    for kind, label in labels.items():
        rows = c[c["kind"] == kind]
        if len(rows):
            lines.append(f"- {label}: " + "; ".join(
                f"{r['value']}{' (' + r['basis'] + ')' if r['basis'] != 'stated' else ''} {cite(r['source'])}"
                for _, r in rows.iterrows()))
    a = p.anchors[p.anchors["region_code"] == code]
    if len(a):
        lines.append("- Anchor firms: " + "; ".join(
            f"{r['name']}" + (f" ({'、'.join(r['products'])})" if len(r["products"]) else "")
            + (f" [{r['stock_code']}]" if isinstance(r["stock_code"], str) else "")
            + (" (unlisted)" if r["listed"] is False else "") + f" {cite(r['source'])}" for _, r in a.iterrows()))
    if not p.has_pack:
        lines.append("- No city pack: units and points from the division tables, profile from the data alone.")
    if sources:
        lines.append("- Sources: " + " ".join(f"[{i + 1}] {s}" for i, s in enumerate(sources)))
    lines.append("")
    return "\n".join(lines)
