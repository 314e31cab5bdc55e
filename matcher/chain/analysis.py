"""Chain analysis for a region: who sits in each segment, how strong the region is there, what to do.

Definitions (all counts are distinct firms of the firm table passed in):
- a firm sits in a segment when one of its Shenwan codes (level 1, 2 or 3) is a segment industry
  (``match_via`` = industry, or ``classifier`` when the code was predicted by the text classifier), or one of its main products ends with a key product term of the segment
  (``product``: 电力变压器 matches 变压器, 变压器油 does not), or both;
- only positions with weight ≥ :data:`MIN_WEIGHT` count (business-scope mentions alone do not);
- ``rca`` = (local firms in segment / local firms located at that level) ÷ (national firms in segment
  / all firms located at that level) — the revealed comparative advantage of the region's firm base;
- ``strength``: 强 = local firms ≥ 1 and RCA ≥ 1; 弱 = local firms ≥ 1 and RCA < 1, or no firm in the
  data but a curated local fact (``local_evidence`` in the template, with its source); 缺 = neither;
- ``action``: 缺 → 补链 (attract firms into the missing segment); 弱 → 强链 (strengthen it); 强 → 延链
  when an adjacent segment is 弱/缺 (extend the chain from a strength), else 强链;
- ``leaders`` (链主 candidates): national firms of the segment ranked by the mean percentile of size
  (total assets, else employees) and downstream reach (downstream industries of the firm's level-3
  industry in the supply graph + downstream products of its own products); firms placed only by a
  classifier-predicted code are counted (marked "(分类器)" in ``local_firm_names``) but never proposed
  as leaders: the name-only classifier is right at Shenwan level 1 about half the time.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from matcher.chain.graph import ChainData, industry_supply_edges
from matcher.chain.templates import SEGMENT_ORDER, ChainTemplate
from matcher.relatedness import balassa

POSITION_COLUMNS = ["firm_id", "chain", "segment", "match_via", "weight"]
#: ``curated_text``: the curated facts in plain Chinese for planners (``text``; the originals stay in curated_local)
ANALYSIS_COLUMNS = [
    "chain", "segment", "segment_name", "local_firms", "national_firms", "rca", "strength", "action", "reason",
    "leaders", "local_firm_names", "curated_local", "links_from_previous", "template_flag", "curated_text",
]
LEVEL_COLUMN = {"city": "city_code", "county": "county_code"}
#: leaders listed per segment (the map shows the first five that are eligible targets)
N_LEADERS = 10
#: a firm counts in a segment's analysis when its position weight reaches this (an industry match is 1;
#: a product match counts its share, and a business-scope mention alone, 0.05, does not)
MIN_WEIGHT = 0.1


def _with_codes(firms: pd.DataFrame, chain_data: ChainData) -> pd.DataFrame:
    """Fill missing Shenwan codes from the chain stage's firm table (chain KG or classifier)."""
    out = firms.copy()
    ref = chain_data.firms.set_index("firm_id")
    for col in ("sw_l1_code", "sw_l2_code", "sw_l3_code", "total_assets_yi", "employees", "name", "industry_source"):
        fill = out["firm_id"].map(ref[col])
        try:
            out[col] = out[col].astype(fill.dtype).fillna(fill)
        except (TypeError, ValueError):
            out[col] = out[col].fillna(fill)
    return out


def product_matches(products: pd.Series, terms: tuple[str, ...]) -> pd.Series:
    """For each product term, the first key term it equals or ends with (None when none)."""
    keys = {t for t in terms if len(t) >= 2}
    if not keys:
        return pd.Series(None, index=products.index, dtype="object")

    def longest_suffix(p: str) -> str | None:
        for i in range(0, len(p) - 1):  # longest suffix first: the product itself, then shorter tails
            if p[i:] in keys:
                return p[i:]
        return None

    uniq = {p: longest_suffix(p) for p in pd.unique(products)}
    return products.map(uniq)


def firm_chain_positions(firms: pd.DataFrame, chain_data: ChainData, templates: list[ChainTemplate]) -> pd.DataFrame:
    """One row per (firm, chain, segment) the firm sits in: firm_id, chain, segment, match_via, weight.

    weight: 1.0 for an industry match; for a product match, the firm's effective weight on the
    matched products (capped at 1); the larger of the two when both match.
    """
    f = _with_codes(firms, chain_data)
    fp = chain_data.firm_products[chain_data.firm_products["firm_id"].isin(f["firm_id"])]
    parts = []
    for t in templates:
        for s in t.segments:
            codes = set(s.industries)
            ind_hit = f["sw_l1_code"].isin(codes) | f["sw_l2_code"].isin(codes) | f["sw_l3_code"].isin(codes)
            src = f.loc[ind_hit, "industry_source"]
            a = pd.DataFrame({"firm_id": f.loc[ind_hit, "firm_id"], "w_ind": 1.0, "by_clf": src.fillna("").eq("classifier")})
            hit = product_matches(fp["product"], s.products).notna()
            b = fp[hit].groupby("firm_id", as_index=False)["eff_weight"].sum().rename(columns={"eff_weight": "w_prod"})
            m = a.drop_duplicates("firm_id").merge(b, on="firm_id", how="outer")
            if m.empty:
                continue
            ind_word = np.where(m["by_clf"].fillna(False).astype(bool), "classifier", "industry")
            via = np.where(
                m["w_ind"].notna() & m["w_prod"].notna(),
                np.char.add(ind_word.astype(str), "+product"),
                np.where(m["w_ind"].notna(), ind_word, "product"),
            )
            parts.append(
                pd.DataFrame(
                    {
                        "firm_id": m["firm_id"],
                        "chain": t.chain,
                        "segment": s.segment,
                        "match_via": via,
                        "weight": np.fmax(m["w_ind"].fillna(0), m["w_prod"].fillna(0).clip(upper=1.0)),
                    }
                )
            )
    if not parts:
        return pd.DataFrame({c: pd.Series(dtype="object") for c in POSITION_COLUMNS})
    out = pd.concat(parts, ignore_index=True)
    return out.sort_values(["chain", "segment", "firm_id"]).reset_index(drop=True)[POSITION_COLUMNS]


def expand_codes(codes: tuple[str, ...] | list[str], industries: pd.DataFrame) -> set[str]:
    """Level-3 Shenwan codes under the given codes of any level."""
    l3 = industries[industries["level"] == 3]
    cs = set(codes)
    hit = l3["sw_code"].isin(cs) | l3["sw_l2_code"].isin(cs) | l3["sw_l1_code"].isin(cs)
    return set(l3.loc[hit, "sw_code"])


def segment_links(chain_data: ChainData, template: ChainTemplate) -> pd.DataFrame:
    """Counted supply evidence between consecutive segments, both directions (level-3 industry edges)."""
    e = industry_supply_edges(chain_data)
    rows = []
    segs = template.segments
    for up, down in zip(segs[:-1], segs[1:], strict=False):
        a, b = expand_codes(up.industries, chain_data.industries), expand_codes(down.industries, chain_data.industries)
        fwd = e[e["from_sw"].isin(a) & e["to_sw"].isin(b)]
        bwd = e[e["from_sw"].isin(b) & e["to_sw"].isin(a)]
        rows.append(
            {
                "chain": template.chain,
                "from_segment": up.segment,
                "to_segment": down.segment,
                "forward_evidence": int(fwd["evidence"].sum()),
                "backward_evidence": int(bwd["evidence"].sum()),
                "forward_edges": int(len(fwd)),
                "backward_edges": int(len(bwd)),
            }
        )
    return pd.DataFrame(rows)


def check_templates(chain_data: ChainData, templates: list[ChainTemplate]) -> pd.DataFrame:
    """Where the data contradicts a template: reversed supply evidence, segments or products with no firm.

    Columns: chain, segment, check, flag (bool), detail.
    """
    made = set(chain_data.firm_products["product"])
    positions = firm_chain_positions(chain_data.firms, chain_data, templates)
    positions = positions[positions["weight"] >= MIN_WEIGHT]
    rows = []
    for t in templates:
        links = segment_links(chain_data, t)
        for r in links.itertuples(index=False):
            rows.append(
                {
                    "chain": t.chain,
                    "segment": f"{r.from_segment}→{r.to_segment}",
                    "check": "supply direction",
                    "flag": bool(r.backward_evidence > r.forward_evidence),
                    "detail": f"forward evidence {r.forward_evidence} ({r.forward_edges} industry edges), "
                    f"backward {r.backward_evidence} ({r.backward_edges})",
                }
            )
        for s in t.segments:
            n = int(positions[(positions["chain"] == t.chain) & (positions["segment"] == s.segment)]["firm_id"].nunique())
            rows.append({"chain": t.chain, "segment": s.segment, "check": "firms in segment", "flag": n == 0, "detail": f"{n} firms"})
            unmade = [p for p in s.products if not any(m == p or m.endswith(p) for m in made)]
            rows.append(
                {
                    "chain": t.chain,
                    "segment": s.segment,
                    "check": "key products made by a firm",
                    "flag": len(unmade) == len(s.products) and len(s.products) > 0,
                    "detail": f"{len(s.products) - len(unmade)}/{len(s.products)} made; not made: {', '.join(unmade) or '-'}",
                }
            )
    return pd.DataFrame(rows)


def firm_reach(chain_data: ChainData) -> pd.Series:
    """Downstream reach per firm: downstream industries of its level-3 industry + downstream products of its products."""
    e = industry_supply_edges(chain_data)
    out_deg = e.groupby("from_sw")["to_sw"].nunique()
    rel = chain_data.relations[chain_data.relations["kept"]]
    down_of = rel.groupby("up")["down"].nunique()
    prod_reach = chain_data.firm_products.assign(n=chain_data.firm_products["product"].map(down_of).fillna(0)).groupby("firm_id")["n"].sum()
    f = chain_data.firms.set_index("firm_id")
    ind_reach = f["sw_l3_code"].map(out_deg).fillna(0)
    return (ind_reach + prod_reach.reindex(f.index).fillna(0)).rename("reach")


def leaders_for(firm_ids: pd.Index | list[str], firms: pd.DataFrame, reach: pd.Series, n: int = N_LEADERS) -> list[str]:
    """Top firms by the mean percentile rank of size and downstream reach, as 'name(code)' strings."""
    f = firms[firms["firm_id"].isin(list(firm_ids))].drop_duplicates("firm_id").set_index("firm_id")
    if f.empty:
        return []
    size = pd.to_numeric(f["total_assets_yi"], errors="coerce")
    if size.isna().all():
        size = pd.to_numeric(f["employees"], errors="coerce")
    score = (size.rank(pct=True).fillna(0) + f.index.to_series().map(reach).fillna(0).rank(pct=True)) / 2
    order = score.sort_values(ascending=False, kind="mergesort").index[:n]
    out = []
    for fid in order:
        code = f.at[fid, "stock_code"]
        label = str(f.at[fid, "name"])
        out.append(f"{label}({code})" if isinstance(code, str) else label)
    return out


def _curated(template: ChainTemplate, segment: str, region_codes: list[str], level: str) -> list[dict]:
    out = []
    for ev in template.local_evidence:
        if ev["segment"] != segment:
            continue
        r = ev["region"]
        if r in region_codes or (level == "city" and any(r[:4] == c[:4] for c in region_codes)):
            out.append(ev)
    return out


def _counted_positions(f: pd.DataFrame, chain_data: ChainData, templates: list[ChainTemplate],
                       positions: pd.DataFrame | None) -> pd.DataFrame:
    """The positions a region's analysis counts: the accepted ones when given (match_via ``industry`` for
    firms placed by their own industry, the only 链主 candidates; ``classifier`` marks the others, which
    count but are never leaders), else the weight rule of :func:`firm_chain_positions`."""
    if positions is not None:
        return positions.assign(match_via=np.where(positions["evidence"] == "industry", "industry", "classifier"))
    pos = firm_chain_positions(f, chain_data, templates)
    return pos[pos["weight"] >= MIN_WEIGHT]


def analyze_region(
    firms: pd.DataFrame,
    region_codes: list[str],
    level: str,
    chain_data: ChainData,
    templates: list[ChainTemplate],
    positions: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Per chain and segment: local and national firms, RCA, strength, action with its reason, leaders.

    ``positions``: the accepted positions (:func:`matcher.chain.positions.assign_positions`: firm_id,
    chain, segment, evidence). When given, a firm counts in a segment only on that evidence, and only
    firms placed there by their own Shenwan industry are proposed as 链主 (a leader of a segment is a firm
    of its industry, not one with a side line in it). Without it, the older weight rule applies."""
    if level not in LEVEL_COLUMN:
        raise ValueError(f"level must be 'city' or 'county', not {level!r}")
    col = LEVEL_COLUMN[level]
    f = _with_codes(firms, chain_data)
    located = f[f[col].notna()]
    local_ids = set(located.loc[located[col].isin(region_codes), "firm_id"])
    n_all, n_local = located["firm_id"].nunique(), len(local_ids)
    located_ids = set(located["firm_id"])
    pos = _counted_positions(f, chain_data, templates, positions)
    reach = firm_reach(chain_data)
    names = f.drop_duplicates("firm_id").set_index("firm_id")["name"]
    rows = []
    for t in templates:
        links = segment_links(chain_data, t).set_index("to_segment") if len(t.segments) > 1 else pd.DataFrame()
        for s in t.segments:
            ids = pos.loc[(pos["chain"] == t.chain) & (pos["segment"] == s.segment), "firm_id"].unique()
            nat = [i for i in ids if i in located_ids]
            seg_pos = pos[(pos["chain"] == t.chain) & (pos["segment"] == s.segment)]
            evidenced = set(seg_pos.loc[seg_pos["match_via"] != "classifier", "firm_id"]) & located_ids
            counted = set(seg_pos["firm_id"]) if positions is not None else evidenced
            loc = sorted(i for i in ids if i in local_ids)
            rca = balassa(len(loc), n_local, len(nat), n_all)
            cur = _curated(t, s.segment, region_codes, level)
            if loc:
                strength = "强" if rca >= 1 else "弱"
            else:
                strength = "弱" if cur else "缺"
            flag = ""
            if s.segment in links.index:
                lk = links.loc[s.segment]
                if lk["backward_evidence"] > lk["forward_evidence"]:
                    flag = f"supply evidence runs {s.segment}→{lk['from_segment']} ({lk['backward_evidence']} vs {lk['forward_evidence']})"
            rows.append(
                {
                    "chain": t.chain,
                    "segment": s.segment,
                    "segment_name": s.name,
                    "local_firms": len(loc),
                    "national_firms": len(nat),
                    "rca": round(rca, 3),
                    "strength": strength,
                    "leaders": "; ".join(leaders_for(sorted(evidenced), f, reach)),
                    "local_firm_names": "; ".join(str(names.get(i, i)) + ("" if i in counted else "(分类器)") for i in loc),
                    "curated_local": "; ".join(f"{c['fact']} [{c['source']}]" for c in cur),
                    "links_from_previous": int(links.loc[s.segment, "forward_evidence"]) if s.segment in links.index else 0,
                    "template_flag": flag, "curated_text": "；".join(str(c.get("text") or c["fact"]) for c in cur),
                }
            )
    out = pd.DataFrame(rows)
    if out.empty:
        return pd.DataFrame({c: pd.Series(dtype="object") for c in ANALYSIS_COLUMNS})
    actions, reasons = [], []
    for r in out.itertuples(index=False):
        segs = out[out["chain"] == r.chain].set_index("segment")["strength"]
        i = SEGMENT_ORDER.index(r.segment)
        adj = [SEGMENT_ORDER[j] for j in (i - 1, i + 1) if 0 <= j < 3 and SEGMENT_ORDER[j] in segs.index]
        gaps = [a for a in adj if segs[a] in ("弱", "缺")]
        lead = r.leaders.split("; ")[0] if r.leaders else "-"
        if r.strength == "缺":
            actions.append("补链")
            reasons.append(f"no local firm among {r.national_firms} national firms in {r.segment_name}; candidates to attract start with {lead}")
        elif r.strength == "弱":
            actions.append("强链")
            if r.local_firms:
                reasons.append(f"{r.local_firms} local firm(s) ({r.local_firm_names}) but RCA {r.rca:.2f} < 1; strengthen with suppliers/partners such as {lead}")
            else:
                reasons.append(f"no firm in the data, but a curated local fact: {r.curated_local}; strengthen it")
        elif gaps:
            actions.append("延链")
            reasons.append(
                f"strong locally ({r.local_firms} firm(s): {r.local_firm_names}; RCA {r.rca:.2f}); extend into adjacent "
                f"{'/'.join(gaps)} segment(s), which are {'/'.join(segs[g] for g in gaps)}"
            )
        else:
            actions.append("强链")
            reasons.append(f"strong locally ({r.local_firms} firm(s): {r.local_firm_names}; RCA {r.rca:.2f}) and adjacent segments present; consolidate")
    out["action"] = actions
    out["reason"] = reasons
    return out[ANALYSIS_COLUMNS]
