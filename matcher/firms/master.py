"""The firm master: one row per real firm across every list (``WORKDIR/firms.parquet``).

How it is assembled (each step a small function over frames):

1. **Listed firms** — the universe is every code listed on 2024-05-13 (Tushare ``stock_basic``) plus
   every code on the exchanges' October-2025 lists (so 301552 科力装备 and 301580 爱迪特, listed in
   mid-2024, are in). Attributes are joined by stock code — an exact key, so no name matching is
   needed here: Tushare ``stock_company`` (city, employees, capital, setup date), ``bak_basic``
   (assets), the SZSE list (legal name, English name, registered address), the SSE list (English
   name), the 2015 address file and the chain KG (Shenwan 2021 industry). Old lists can carry a
   code's previous owner (002459 天业通联 → 晶澳科技): a 2021/2015 legal name is used only when it
   still fits the current short name, and a 2015 address only when it lies in the current city.
2. **Geocoding** in the order of trust: SZSE registered address → 2015 registered address →
   Tushare city → Tushare province (``matcher.firms.geo``).
3. **Unicorns** — the Chinese rows of CB Insights 2024-02-27 and of Maven 2022, resolved to each
   other by English name and city (:mod:`matcher.firms.resolve`), then to listed firms by English
   name; unmatched ones become their own rows (``U:<slug>``).
4. **Fortune China 500** — every distinct company name of 2014–2021 linked to the listed firms'
   legal names (current and former); the best rank over the years lands in ``fortune500_best_rank``.
5. **User files** (MIIT little giants, registry exports) — linked by credit code, then by name.

Everything refused lands in one quarantine frame (loaders' quarantines + the master's refusals).
"""

from __future__ import annotations

import hashlib
import re
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from matcher import geo
from matcher.firms import names, resolve
from matcher.firms.locate import (
    GEO_COLUMNS,
    LEVEL_RANK,
    address_evidence,
    first_col,
    geo_frame,
    geocode_listed,
    user_geo,
)
from matcher.firms.schema import FIRM_COLUMNS, conform, validate_firms
from matcher.firms.unicorn_names import apply_unicorn_names, load_unicorn_names
from matcher.sources.base import (
    QUARANTINE_COLUMNS,
    LoadResult,
    concat_quarantine,
    empty_quarantine,
    quarantine_rows,
)

#: loaders the master reads (all run on the real data directory)
MASTER_LOADERS = (
    "tushare.stock_basic", "tushare.stock_company", "tushare.bak_basic", "exchanges.szse", "exchanges.sse",
    "listed_geo_2015", "chainkg.company", "chainkg.company_industry", "chainkg.industry",
    "unicorns.cbinsights", "unicorns.maven", "fortune500",
)
#: raw-data folders those loaders read (for the build fingerprint)
MASTER_FOLDERS = (
    "tushare_dump_2024", "szse_sse_lists_2025", "listed_geo_2015", "chainkg_liuhuanyong",
    "cbinsights_unicorns_scraper", "maven_unicorn_companies_2022", "fortune_china500_2014_2021",
    "jionlp_location", "admin_county_coords_derived",
)
#: shipped data files the master reads (for the build fingerprint, and for benchmarks that measure on it)
MASTER_DATA = ("zone_host_counties.csv", "unicorn_names.csv")
#: the threshold for links by legal/short names (Fortune, user files) and by English names
NAME_THRESHOLD = resolve.DEFAULT_THRESHOLD
#: Fortune names carry no location or industry evidence, so links need stronger name agreement; set
#: from the hand-checked links (tests/fixtures/fortune_links_checked.csv): every link in 0.80–0.84
#: was wrong (瑞声科技控股 → 海天瑞声, 北京城建投资发展 → 合肥城建)
FORTUNE_THRESHOLD = 0.85
#: a unicorn's brand name against a listed firm's English legal name (Maimai vs Aima Technology
#: scores 0.76, Huasun vs Huasu Holdings 0.86): only near-identical names in a compatible city link
UNICORN_LISTED_THRESHOLD = 0.90
MASTER_SOURCE = "firm_master"


# ----------------------------------------------------------------------------------------------
# loading


def load_inputs(data_dir: Path) -> dict[str, LoadResult]:
    """Run the loaders the master needs."""
    from matcher.sources import all_loaders

    loaders = all_loaders()
    missing = [n for n in MASTER_LOADERS if n not in loaders]
    if missing:
        raise RuntimeError(f"firm master needs loaders that are not available: {missing}")
    return {n: loaders[n](Path(data_dir)) for n in MASTER_LOADERS}


def _s(frame: pd.DataFrame, col: str) -> pd.Series:
    return frame[col] if col in frame.columns else pd.Series(pd.NA, index=frame.index, dtype="object")


def _nonnull(v: Any) -> bool:
    try:
        return not bool(pd.isna(v))
    except (TypeError, ValueError):
        return True


# ----------------------------------------------------------------------------------------------
# listed firms


def listed_universe(res: dict[str, LoadResult]) -> pd.DataFrame:
    """One row per listed code: stock_basic ∪ SZSE 2025 ∪ SSE 2025, with the lists it appears in."""
    parts = [
        res["tushare.stock_basic"].frame[["stock_code"]].assign(src="tushare"),
        res["exchanges.szse"].frame[["stock_code"]].assign(src="szse"),
        res["exchanges.sse"].frame[["stock_code"]].assign(src="sse"),
    ]
    allc = pd.concat(parts, ignore_index=True)
    return (
        allc.groupby("stock_code", sort=True)["src"].agg(lambda s: ";".join(sorted(set(s)))).rename("in_lists").reset_index()
    )


def _fits_current(
    current_short: pd.Series, legal: pd.Series, old_short: pd.Series, threshold: float = NAME_THRESHOLD
) -> pd.Series:
    """Does an older list's record (its legal and short name) still belong to the firm that now
    trades under ``current_short``?

    Scored by the resolver (short names compared, and the current short name inside the old legal
    name), so 002459 晶澳科技 refuses the 2021 record 天业通联股份有限公司 while 600000 浦发银行 keeps
    上海浦东发展银行股份有限公司 and 601326 秦港股份 keeps 秦皇岛港股份有限公司."""
    idx = current_short.index[current_short.notna() & legal.notna()]
    out = pd.Series(False, index=current_short.index)
    if len(idx) == 0:
        return out
    left = pd.DataFrame({"rec_id": [f"a{i}" for i in range(len(idx))], "short_name": current_short[idx].to_numpy()})
    right = pd.DataFrame({
        "rec_id": [f"b{i}" for i in range(len(idx))], "legal_name": legal[idx].to_numpy(), "short_name": old_short[idx].to_numpy(),
    })
    pairs = pd.DataFrame({"left_id": left["rec_id"], "right_id": right["rec_id"]})
    scored = resolve.score_pairs(pairs, left, right)
    out.loc[idx] = (scored["score"] >= threshold).to_numpy()
    return out

def _join_listed_records(res: dict[str, LoadResult]) -> pd.DataFrame:
    """Every list's record of each listed code side by side (prefixed ``sz_``, ``sh_``, ``g15_``, ``ck_``),
    joined by stock code — an exact key, so no name matching is needed here."""
    uni = listed_universe(res)
    sb = res["tushare.stock_basic"].frame
    sc = res["tushare.stock_company"].frame
    bb = res["tushare.bak_basic"].frame
    sz = res["exchanges.szse"].frame
    sh = res["exchanges.sse"].frame
    g15 = res["listed_geo_2015"].frame
    ck = res["chainkg.company"].frame

    df = uni.merge(
        sb[["stock_code", "short_name", "area", "industry_tushare", "list_date", "controller_type"]],
        on="stock_code", how="left",
    )
    df = df.merge(
        sc[["stock_code", "province", "city", "employees", "reg_capital_wan", "setup_date"]].rename(
            columns={"province": "ts_province", "city": "ts_city"}
        ),
        on="stock_code", how="left",
    )
    df = df.merge(bb[["stock_code", "total_assets_yi"]], on="stock_code", how="left")
    df = df.merge(
        sz[["stock_code", "legal_name", "name_en", "reg_address", "short_name", "list_date", "province", "city"]].add_prefix("sz_").rename(
            columns={"sz_stock_code": "stock_code"}
        ),
        on="stock_code", how="left",
    )
    df = df.merge(
        sh[["stock_code", "short_name", "name_en", "list_date"]].add_prefix("sh_").rename(columns={"sh_stock_code": "stock_code"}),
        on="stock_code", how="left",
    )
    df = df.merge(
        g15[["stock_code", "legal_name", "short_name", "name_en", "province_short", "reg_address", "has_mojibake", "lon", "lat"]]
        .add_prefix("g15_").rename(columns={"g15_stock_code": "stock_code"}),
        on="stock_code", how="left",
    )
    df = df.merge(
        ck[["stock_code", "legal_name", "short_name"]].add_prefix("ck_").rename(columns={"ck_stock_code": "stock_code"}),
        on="stock_code", how="left",
    )

    return df


def assemble_listed(res: dict[str, LoadResult]) -> tuple[pd.DataFrame, pd.DataFrame, dict[str, Any]]:
    """Listed firms joined by stock code (before geocoding), the refused records, and counts."""
    df = _join_listed_records(res)
    ci = res["chainkg.company_industry"].frame
    ind = res["chainkg.industry"].frame
    df["name"] = df["short_name"].fillna(df["sz_short_name"]).fillna(df["sh_short_name"])
    df["list_date"] = df["list_date"].fillna(df["sz_list_date"]).fillna(df["sh_list_date"])
    # legal name: SZSE 2025, else chain KG 2021 / 2015 list when it still fits the current short name
    ck_ok = _fits_current(df["name"], df["ck_legal_name"], df["ck_short_name"])
    g15_ok = _fits_current(df["name"], df["g15_legal_name"], df["g15_short_name"]) & ~df["g15_has_mojibake"].fillna(False).astype(bool)
    df["legal_name"] = df["sz_legal_name"]
    df.loc[df["legal_name"].isna() & ck_ok, "legal_name"] = df["ck_legal_name"]
    df.loc[df["legal_name"].isna() & g15_ok, "legal_name"] = df["g15_legal_name"]
    # former legal names: every older name the code carried (A-share codes are not reused; a backdoor
    # listing renames the same legal entity), for matching lists of earlier years such as Fortune 2014
    df["former_legal_names"] = [
        ";".join(sorted({str(x) for x in (a, b) if _nonnull(x) and not (_nonnull(cur) and x == cur) and not (x is b and moj)}))
        for a, b, cur, moj in zip(
            df["ck_legal_name"], df["g15_legal_name"], df["legal_name"], df["g15_has_mojibake"].fillna(False).astype(bool), strict=True
        )
    ]
    df["g15_fits"] = g15_ok | (df["g15_legal_name"].isna() & df["g15_short_name"].notna())
    en_g15 = df["g15_name_en"].where(g15_ok)
    df["name_en"] = df["sz_name_en"].fillna(df["sh_name_en"]).fillna(en_g15)

    # Shenwan 2021 industry from the chain KG (one row per code)
    sw = ci.drop_duplicates("stock_code")[["stock_code", "sw_l1_code", "sw_l2_code", "sw_l3_code"]]
    df = df.merge(sw, on="stock_code", how="left")
    sw_names = dict(zip(ind["sw_code"], ind["name_clean"] if "name_clean" in ind.columns else ind["name"], strict=True))
    for lvl in (1, 2, 3):
        df[f"sw_l{lvl}_name"] = df[f"sw_l{lvl}_code"].map(sw_names)
    df["industry_source"] = pd.Series("chainkg", index=df.index, dtype="object").where(df["sw_l1_code"].notna(), None)

    df["sources"] = _listed_sources(df)
    df["firm_id"] = "S:" + df["stock_code"]
    df["is_listed"] = True
    df["is_unicorn"] = False
    df["is_little_giant"] = False
    refused = _refused_codes(res, set(df["stock_code"]))
    counts = {
        "listed_codes": len(df),
        "listed_only_in_2025_lists": int((~df["in_lists"].str.contains("tushare")).sum()),
        "legal_name_from": {
            "szse": int(df["sz_legal_name"].notna().sum()),
            "chainkg_2021": int((df["sz_legal_name"].isna() & ck_ok).sum()),
            "geo2015": int((df["sz_legal_name"].isna() & ~ck_ok & g15_ok).sum()),
        },
        "stale_legal_names_refused": {
            "chainkg_2021": int((df["ck_legal_name"].notna() & ~ck_ok).sum()),
            "geo2015": int((df["g15_legal_name"].notna() & ~g15_ok).sum()),
        },
    }
    return df, concat_quarantine(refused), counts


def _listed_sources(df: pd.DataFrame) -> list[str]:
    """Per listed firm, the loaders that contributed a fact about it (``;``-joined, sorted)."""
    srcs = []
    for row in df[["in_lists", "ts_city", "total_assets_yi", "g15_legal_name", "ck_legal_name", "sw_l1_code"]].itertuples(index=False):
        s = set(str(row.in_lists).split(";"))
        s = {{"tushare": "tushare.stock_basic", "szse": "exchanges.szse", "sse": "exchanges.sse"}[x] for x in s}
        if _nonnull(row.ts_city):
            s.add("tushare.stock_company")
        if _nonnull(row.total_assets_yi):
            s.add("tushare.bak_basic")
        if _nonnull(row.g15_legal_name):
            s.add("listed_geo_2015")
        if _nonnull(row.ck_legal_name):
            s.add("chainkg.company")
        if _nonnull(row.sw_l1_code):
            s.add("chainkg.company_industry")
        srcs.append(";".join(sorted(s)))
    return srcs


def _refused_codes(res: dict[str, LoadResult], codes: set[str]) -> list[pd.DataFrame]:
    """Quarantine rows for records of code-keyed lists whose code is not in the listed universe."""
    refused = []
    for name, reason in (
        ("tushare.stock_company", "code not listed on 2024-05-13 nor on the 2025 exchange lists (delisted or superseded)"),
        ("tushare.bak_basic", "code not listed on 2024-05-13 nor on the 2025 exchange lists (delisted or superseded)"),
        ("listed_geo_2015", "2015 code no longer listed (delisted or superseded)"),
        ("chainkg.company", "2021 code no longer listed (delisted or superseded)"),
        ("chainkg.company_industry", "2021 code no longer listed (delisted or superseded)"),
    ):
        fr = res[name].frame
        bad = fr[~fr["stock_code"].isin(codes)]
        file = Path(res[name].files[0]).name if res[name].files else name
        q = quarantine_rows(MASTER_SOURCE, file, bad, reason, column="stock_code")
        q["source"] = f"{MASTER_SOURCE}:{name}"
        refused.append(q)
    return refused


# ----------------------------------------------------------------------------------------------
# unicorns


def _slug(url: object, name: object) -> str:
    if _nonnull(url):
        m = re.search(r"/company/([^/?#]+)", str(url))
        if m:
            return m.group(1).lower()
    return re.sub(r"[^a-z0-9]+", "-", str(name).lower()).strip("-")


def chinese_unicorns(res: dict[str, LoadResult], data_dir: Path) -> tuple[pd.DataFrame, dict[str, Any]]:
    """Chinese unicorns of CB Insights 2024 and Maven 2022, one row per firm (CB ⋈ Maven by name)."""
    cb = res["unicorns.cbinsights"].frame
    mv = res["unicorns.maven"].frame
    cb = cb[cb["country"].eq("China")].reset_index(drop=True)
    mv = mv[mv["country"].eq("China")].reset_index(drop=True)
    cbg = geo_frame(geo.geocode_english_cities(cb["city"], country=cb["country"], data_dir=data_dir), cb.index)
    mvg = geo_frame(geo.geocode_english_cities(mv["city"], country=mv["country"], data_dir=data_dir), mv.index)
    left = pd.DataFrame({"rec_id": "cb:" + cb.index.astype(str), "name_en": cb["name"], "city": cbg["city_code"], "province": cbg["province_code"], "source": "cb"})
    right = pd.DataFrame({"rec_id": "mv:" + mv.index.astype(str), "name_en": mv["name"], "city": mvg["city_code"], "province": mvg["province_code"], "source": "mv"})
    links = resolve.link(left, right, NAME_THRESHOLD, exact_keys=(), use_chinese=False)
    pair = dict(zip(links["right_id"], links["left_id"], strict=True))
    rows = []
    for i, (url, nm, val) in enumerate(zip(cb["cb_url"], cb["name"], cb["valuation_usd_bn"], strict=True)):
        rows.append({
            "firm_id": "U:" + _slug(url, nm), "name": nm, "name_en": nm,
            "valuation_usd_bn": val, "sources": "unicorns.cbinsights", "_geo": cbg.iloc[i], "rec_id": f"cb:{i}",
        })
    by_rec = {r["rec_id"]: r for r in rows}
    for i, (nm, val) in enumerate(zip(mv["name"], mv["valuation_usd_bn"], strict=True)):
        rid = f"mv:{i}"
        if rid in pair:
            by_rec[pair[rid]]["sources"] = "unicorns.cbinsights;unicorns.maven"
            if by_rec[pair[rid]]["_geo"]["geo_level"] == "none":
                by_rec[pair[rid]]["_geo"] = mvg.iloc[i]
            continue
        rows.append({
            "firm_id": "U:" + _slug(None, nm), "name": nm, "name_en": nm,
            "valuation_usd_bn": val, "sources": "unicorns.maven", "_geo": mvg.iloc[i], "rec_id": rid,
        })
    out = pd.DataFrame([{k: v for k, v in r.items() if k != "_geo"} for r in rows])
    geo_part = pd.DataFrame([r["_geo"] for r in rows]).reset_index(drop=True)
    out = pd.concat([out.reset_index(drop=True), geo_part[GEO_COLUMNS]], axis=1)
    out["geo_source"] = pd.Series("unicorn_city", index=out.index, dtype="object").where(out["geo_level"].ne("none"), None)
    out["is_listed"] = False
    out["is_unicorn"] = True
    out["is_little_giant"] = False
    out["name_norm"] = out["name_en"].map(names.normalize_english_name)
    # two different firms with one slug (renames, shared names) keep apart by a suffix
    dup = out["firm_id"].duplicated(keep=False)
    out.loc[dup, "firm_id"] = out.loc[dup, "firm_id"] + "-" + out.loc[dup].groupby("firm_id").cumcount().astype(str)
    counts = {"cb_china": len(cb), "maven_china": len(mv), "cb_maven_links": len(links), "unicorns": len(out)}
    return out, counts


def link_unicorns_to_listed(unicorns: pd.DataFrame, listed: pd.DataFrame) -> pd.DataFrame:
    """Links ``[firm_id (unicorn), listed_firm_id, score]`` by English name with city evidence, and by the
    cited Chinese name (:mod:`matcher.firms.unicorn_names`) equal to a listed firm's short name in the same
    city (score 1.0; a unicorn listed since, e.g. 联影医疗, is one firm, not two)."""
    lw = listed[listed["name_en"].notna()]
    left = pd.DataFrame({"rec_id": unicorns["firm_id"], "name_en": unicorns["name_en"], "city": unicorns["city_code"], "province": unicorns["province_code"]})
    right = pd.DataFrame({"rec_id": lw["firm_id"], "name_en": lw["name_en"], "city": lw["city_code"], "province": lw["province_code"]})
    links = resolve.link(left, right, UNICORN_LISTED_THRESHOLD, exact_keys=(), use_chinese=False)
    links = links.rename(columns={"left_id": "firm_id", "right_id": "listed_firm_id"})[["firm_id", "listed_firm_id", "score"]]
    return pd.concat([_unicorns_listed_by_chinese_name(unicorns, listed), links], ignore_index=True).drop_duplicates("firm_id")


def _unicorns_listed_by_chinese_name(unicorns: pd.DataFrame, listed: pd.DataFrame) -> pd.DataFrame:
    renamed = unicorns[unicorns["name"].astype("string") != unicorns["name_en"].astype("string")]
    m = renamed[["firm_id", "name", "city_code"]].merge(
        listed[["firm_id", "name", "city_code"]].rename(columns={"firm_id": "listed_firm_id", "city_code": "listed_city"}),
        on="name")
    m = m[m["city_code"].astype("string") == m["listed_city"].astype("string")]
    return m.assign(score=1.0)[["firm_id", "listed_firm_id", "score"]]


# ----------------------------------------------------------------------------------------------
# Fortune China 500


def listed_name_records(listed: pd.DataFrame) -> pd.DataFrame:
    """One resolver record per (listed firm, legal name): current and former legal names."""
    rows = []
    former_all = listed["former_legal_names"] if "former_legal_names" in listed.columns else pd.Series("", index=listed.index)
    for fid, short, legal, former in zip(listed["firm_id"], listed["name"], listed["legal_name"], former_all, strict=True):
        variants = [legal] if _nonnull(legal) else []
        variants += [v for v in (str(former).split(";") if _nonnull(former) else []) if v]
        if not variants:
            variants = [None]
        for k, v in enumerate(dict.fromkeys(variants)):
            rows.append({"rec_id": f"{fid}#{k}", "firm_id": fid, "legal_name": v, "short_name": short})
    return pd.DataFrame(rows)


@dataclass
class NameIndex:
    """The firm master's names prepared once for entity resolution (a search box asks many times)."""

    firms: pd.DataFrame
    records: pd.DataFrame  # prepared resolver records: current, former and short names
    firm_of: dict[str, str]

    def match(self, queries: list[str], *, threshold: float | None = None, candidates: int = 3) -> pd.DataFrame:
        """Names typed by a person (a lead, a search box) → firms of the master: one row per query and
        candidate (best first, at most ``candidates``) with query, rank, firm_id, name, legal_name, score,
        linked (score ≥ ``threshold``, default :data:`NAME_THRESHOLD`). A query with no candidate gets
        one row with a null firm_id."""
        threshold = NAME_THRESHOLD if threshold is None else threshold
        left = resolve.prepare(pd.DataFrame({"rec_id": [f"q{i}" for i in range(len(queries))], "legal_name": queries,
                                             "short_name": queries}))
        scored = resolve.score_pairs(resolve.candidate_pairs(left, self.records), left, self.records)
        scored["firm_id"] = scored["right_id"].map(self.firm_of)
        scored = (scored.sort_values(["left_id", "score", "firm_id"], ascending=[True, False, True], kind="stable")
                  .drop_duplicates(["left_id", "firm_id"]))
        scored["rank"] = scored.groupby("left_id").cumcount() + 1
        scored = scored[scored["rank"] <= candidates]
        info = self.firms.drop_duplicates("firm_id").set_index("firm_id")
        rows = []
        for i, q in enumerate(queries):
            hits = scored[scored["left_id"] == f"q{i}"]
            if hits.empty:
                rows.append({"query": q, "rank": 1, "firm_id": None, "name": None, "legal_name": None, "score": 0.0,
                             "linked": False})
            for h in hits.itertuples(index=False):
                rows.append({"query": q, "rank": int(h.rank), "firm_id": h.firm_id, "name": info.at[h.firm_id, "name"],
                             "legal_name": info.at[h.firm_id, "legal_name"], "score": round(float(h.score), 4),
                             "linked": bool(h.score >= threshold)})
        return pd.DataFrame(rows, columns=["query", "rank", "firm_id", "name", "legal_name", "score", "linked"])


def name_index(firms: pd.DataFrame) -> NameIndex:
    """:class:`NameIndex` of the firm master (legal, former and short names)."""
    right = listed_name_records(firms)
    return NameIndex(firms, resolve.prepare(right.drop(columns="firm_id")),
                     dict(zip(right["rec_id"], right["firm_id"], strict=True)))


def match_names(queries: list[str], firms: pd.DataFrame, *, threshold: float | None = None, candidates: int = 3
                ) -> pd.DataFrame:
    """:meth:`NameIndex.match` on a fresh index of ``firms``."""
    return name_index(firms).match(queries, threshold=threshold, candidates=candidates)


def link_fortune_years(fortune: pd.DataFrame, listed: pd.DataFrame, threshold: float | None = None) -> pd.DataFrame:
    """Link each year's Fortune China 500 list to the listed firms: one row per (year, name) with
    year, company_name, rank, firm_id (null when unmatched), score, matched_legal_name.

    Each year is linked on its own (one-to-one within a year: a parent and its listed subsidiary
    cannot both take the firm), against every legal name a listed firm has carried, so the 2014
    name 兖州煤业 and the 2021 name of the same code both find 600188. Fortune lists no location,
    so the threshold is stricter (:data:`FORTUNE_THRESHOLD`)."""
    threshold = FORTUNE_THRESHOLD if threshold is None else threshold
    right = listed_name_records(listed)
    firm_of = dict(zip(right["rec_id"], right["firm_id"], strict=True))
    legal_of = dict(zip(right["rec_id"], right["legal_name"], strict=True))
    rprep = resolve.prepare(right.drop(columns="firm_id"))
    per_year = []
    for year, part in fortune.groupby("year", sort=True):
        part = part.reset_index(drop=True)
        left = pd.DataFrame({"rec_id": [f"f{year}:{i}" for i in part.index], "legal_name": part["company_name"]})
        links = resolve.link(left, rprep, threshold, exact_keys=()).set_index("left_id")
        rid = left["rec_id"].map(links["right_id"])
        per_year.append(pd.DataFrame({
            "year": year, "company_name": part["company_name"], "rank": part["rank"],
            "firm_id": rid.map(firm_of), "score": left["rec_id"].map(links["score"]), "matched_legal_name": rid.map(legal_of),
        }))
    return pd.concat(per_year, ignore_index=True)


def link_fortune(fortune: pd.DataFrame, listed: pd.DataFrame, threshold: float | None = None) -> pd.DataFrame:
    """One row per distinct Fortune China 500 name (2014–2021): company_name, firm_id (the firm it
    was linked to in most years; null when never), score, matched_legal_name, matched_short_name,
    best_rank, rank_2021, years. See :func:`link_fortune_years`."""
    return summarise_fortune_links(link_fortune_years(fortune, listed, threshold), listed)


def summarise_fortune_links(py: pd.DataFrame, listed: pd.DataFrame) -> pd.DataFrame:
    agg = py.groupby("company_name", sort=True).agg(
        best_rank=("rank", "min"), years=("year", lambda s: ";".join(map(str, sorted(s)))),
    ).reset_index()
    r21 = py[py["year"] == 2021].groupby("company_name")["rank"].min()
    agg["rank_2021"] = agg["company_name"].map(r21).astype("Int64")
    linked = py.dropna(subset=["firm_id"])
    best = (
        linked.groupby(["company_name", "firm_id"]).agg(
            n=("year", "size"), score=("score", "max"), matched_legal_name=("matched_legal_name", "first")
        ).reset_index()
        .sort_values(["company_name", "n", "score", "firm_id"], ascending=[True, False, False, True], kind="mergesort")
        .drop_duplicates("company_name")
        .set_index("company_name")
    )
    agg["firm_id"] = agg["company_name"].map(best["firm_id"])
    agg["score"] = agg["company_name"].map(best["score"])
    agg["matched_legal_name"] = agg["company_name"].map(best["matched_legal_name"])
    agg["matched_short_name"] = agg["firm_id"].map(dict(zip(listed["firm_id"], listed["name"], strict=True)))
    return agg


def fortune_best_rank(per_year: pd.DataFrame) -> pd.Series:
    """Best (lowest) rank over 2014–2021 per listed firm id, from the per-year links."""
    return per_year.dropna(subset=["firm_id"]).groupby("firm_id")["rank"].min()


# ----------------------------------------------------------------------------------------------
# user files (little giants, registry exports)


def load_user_file(kind: str, path: Path) -> LoadResult:
    """Load one user file: ``little_giants`` (MIIT list) or ``registry`` (企查查/天眼查-style export)."""
    if kind == "little_giants":
        from matcher.sources.miit import load_little_giants

        return load_little_giants(Path(path))
    if kind == "registry":
        from matcher.sources.registry import load_registry_export

        return load_registry_export(Path(path))
    raise ValueError(f"unknown user-file kind {kind!r} (little_giants or registry)")



def same_trade_names(links: pd.DataFrame, left: pd.DataFrame, right: pd.DataFrame) -> pd.Series:
    """For each link, whether it may stand: links by a shared code always; links by name only when the
    two names share their trade name (字号), which comes first once region and legal form are removed —
    the first two characters of the core names agree, or the known firm's short name begins with
    characters found in the user's name. A long shared tail (生物医药科技, 智能装备) is not a firm."""
    if links.empty:
        return pd.Series(True, index=links.index)
    lname = left.set_index("rec_id")["legal_name"]
    rname = right.set_index("rec_id")["legal_name"]
    rshort = right.set_index("rec_id")["short_name"] if "short_name" in right.columns else pd.Series(dtype="object")

    def ok(row: Any) -> bool:
        if row.method not in ("name", "model"):
            return True
        a = names.normalize_name(lname.get(row.left_id)) if _nonnull(lname.get(row.left_id)) else ""
        b = names.normalize_name(rname.get(row.right_id)) if _nonnull(rname.get(row.right_id)) else ""
        if len(a) >= 2 and a[:2] == b[:2]:
            return True
        short = rshort.get(row.right_id)
        s = names.normalize_short_name(short) if _nonnull(short) else ""
        return len(s) >= 2 and s[:2] in a

    return pd.Series([ok(r) for r in links.itertuples(index=False)], index=links.index, dtype=bool)


def user_file_duplicates(res: LoadResult) -> LoadResult:
    """Rows of one user file that are the same firm as an earlier row of it — the same credit code, or
    without one the same name once legal form, brackets and region are normalised (测壬精密机械有限公司 /
    测壬精密机械股份有限公司) — move to the quarantine naming that earlier row, so that every accepted
    row becomes exactly one firm or one link and the counts reconcile."""
    fr = res.frame.reset_index(drop=True)
    if fr.empty:
        return res
    legal = first_col(fr, ("legal_name", "company_name", "name", "企业名称"))
    uscc = first_col(fr, ("uscc", "credit_code", "unified_social_credit_code", "统一社会信用代码"))
    byname = legal.map(lambda v: "n:" + names.normalize_name(v) if _nonnull(v) and names.normalize_name(v) else None)
    key = uscc.astype("object").where(uscc.notna(), byname)
    dup = (key.notna() & key.duplicated(keep="first")).to_numpy()
    if not dup.any():
        return res
    rows = pd.Series(res.row_numbers if res.row_numbers is not None else range(1, len(fr) + 1), index=fr.index)
    first = {k: int(rows[i]) for i, k in key[~dup & key.notna().to_numpy()].items()}
    reasons = [f"same firm as row {first[k]} (the name differs only in legal form, brackets or spacing)" for k in key[dup]]
    file = res.files[0] if res.files else res.source
    q = quarantine_rows(res.source, file, fr[dup], reasons, column="legal_name", row_numbers=rows[dup])
    return LoadResult(res.source, fr[~dup].reset_index(drop=True), concat_quarantine([res.quarantine, q]), res.rows_read,
                      res.files, row_numbers=[int(n) for n in rows[~dup]])


def user_firms(
    kind: str, res: LoadResult, known: pd.DataFrame, data_dir: Path, evidence: pd.DataFrame | None = None
) -> tuple[pd.DataFrame, pd.DataFrame, dict[str, Any]]:
    """Firms of a user file, resolved against the ``known`` firms (listed firms and the user-file
    firms added before): credit code first, then name with location evidence.

    Returns (new firm rows, updates of known firms, counts). An update row carries the known
    ``firm_id``, the user file's ``source``, the flag it sets and what the user row knows (geo,
    capital, setup date), so that a registry export can complete a little giant and vice versa."""
    fr = res.frame.reset_index(drop=True)
    legal = first_col(fr, ("legal_name", "company_name", "name", "企业名称"))
    uscc = first_col(fr, ("uscc", "credit_code", "unified_social_credit_code", "统一社会信用代码"))
    g, geo_source = user_geo(kind, fr, legal, data_dir, evidence)
    left = pd.DataFrame({"rec_id": "u:" + fr.index.astype(str), "legal_name": legal, "uscc": uscc,
                         "city": g["city_code"], "province": g["province_code"]})
    right = listed_name_records(known)
    kn = known.set_index("firm_id")
    right["city"] = right["firm_id"].map(kn["city_code"])
    right["province"] = right["firm_id"].map(kn["province_code"])
    right["uscc"] = right["firm_id"].map(kn["uscc"]) if "uscc" in kn.columns else None
    links = resolve.link(left, right.drop(columns="firm_id"), NAME_THRESHOLD)
    links = links[same_trade_names(links, left, right)]  # 测乙生物医药科技 is not 君实生物医药科技
    firm_of = dict(zip(right["rec_id"], right["firm_id"], strict=True))
    matched = dict(zip(links["left_id"], links["right_id"].map(firm_of), strict=True))
    rid = left["rec_id"]
    is_match = rid.isin(list(matched)).to_numpy()
    source = getattr(res, "source", kind)
    attrs = pd.DataFrame({
        "name": legal, "legal_name": legal, "uscc": uscc,
        "name_norm": legal.map(lambda v: names.normalize_name(v) if _nonnull(v) else None),
        "is_listed": False, "is_unicorn": False, "is_little_giant": kind == "little_giants", "sources": source,
    })
    attrs = pd.concat([attrs, g[GEO_COLUMNS], geo_source.rename("geo_source")], axis=1)
    for col, cands in (("setup_date", ("setup_date", "成立日期")), ("reg_capital_wan", ("reg_capital_wan",)),
                       ("name_en", ("name_en",))):
        vals = first_col(fr, cands)
        if vals.notna().any():
            attrs[col] = vals
    updates = attrs[is_match].assign(
        firm_id=pd.Series([matched[r] for r in rid[is_match]], index=attrs.index[is_match], dtype="object"), source=source
    )
    firms = attrs[~is_match].copy()
    key = uscc[~is_match].fillna(legal[~is_match].map(lambda v: names.normalize_name(v) if _nonnull(v) else ""))
    firms.insert(0, "firm_id", "M:" + key.map(lambda k: hashlib.sha1(str(k).encode("utf-8")).hexdigest()[:12]))
    firms = firms.drop_duplicates("firm_id", keep="first").reset_index(drop=True)
    n_listed = int(updates["firm_id"].astype(str).str.startswith("S:").sum())
    return firms, updates.reset_index(drop=True), {
        "rows": len(fr), "linked_to_listed": n_listed, "linked_to_user_firms": len(updates) - n_listed, "new_firms": len(firms),
    }


def apply_user_updates(firms: pd.DataFrame, updates: pd.DataFrame) -> pd.DataFrame:
    """Apply :func:`user_firms` updates: set the flag, add the source; for firms that are not listed,
    also fill missing attributes and take a finer location."""
    if updates.empty:
        return firms
    out = firms.set_index("firm_id")
    for _, u in updates.iterrows():
        fid = u["firm_id"]
        if fid not in out.index:
            continue
        if bool(u.get("is_little_giant", False)):
            out.at[fid, "is_little_giant"] = True
        out.at[fid, "sources"] = str(out.at[fid, "sources"]) + ";" + str(u["source"])
        if bool(out.at[fid, "is_listed"]) is True:
            continue
        for col in ("uscc", "setup_date", "reg_capital_wan", "name_en", "legal_name"):
            if col in u.index and col in out.columns and not _nonnull(out.at[fid, col]) and _nonnull(u[col]):
                out.at[fid, col] = u[col]
        if LEVEL_RANK.get(str(u["geo_level"]), 0) > LEVEL_RANK.get(str(out.at[fid, "geo_level"]), 0):
            for col in [*GEO_COLUMNS, "geo_source"]:
                out.at[fid, col] = u[col]
    return out.reset_index()


# ----------------------------------------------------------------------------------------------
# the master


@dataclass
class FirmMaster:
    """The firm stage's result: the firms (:data:`FIRM_COLUMNS`), every refused row with its reason,
    the build report (counts by source, links, timings) and the address rules the geocoder used
    (:func:`matcher.firms.locate.address_evidence`), which later stages reuse for their own addresses."""

    firms: pd.DataFrame
    quarantine: pd.DataFrame
    report: dict[str, Any]
    address_rules: pd.DataFrame


def build_firm_master(data_dir: Path, user_files: Iterable[tuple[str, Path]] = ()) -> FirmMaster:
    """Assemble the firm master from the raw data directory and the user's files.

    ``user_files`` are ``(kind, path)`` pairs, kind ``little_giants`` or ``registry``."""
    t0, c0 = time.perf_counter(), time.process_time()
    data_dir = Path(data_dir)
    res = load_inputs(data_dir)
    report: dict[str, Any] = {"loaders": {n: {"read": r.rows_read, "accepted": r.rows_accepted, "quarantined": r.rows_quarantined} for n, r in res.items()}}
    t_load = time.perf_counter()

    listed, refused, counts = assemble_listed(res)
    report["listed"] = counts
    _, rules = address_evidence(res["exchanges.szse"].frame, res["listed_geo_2015"].frame, data_dir)
    geo_cols = geocode_listed(listed, data_dir, rules)
    listed = pd.concat([listed.drop(columns=[c for c in GEO_COLUMNS if c in listed.columns]), geo_cols], axis=1)
    listed["name_norm"] = [
        names.normalize_name(lg) if _nonnull(lg) else (names.normalize_short_name(sn) if _nonnull(sn) else None)
        for lg, sn in zip(listed["legal_name"], listed["name"], strict=True)
    ]
    t_listed = time.perf_counter()

    unicorns, ucounts = chinese_unicorns(res, data_dir)
    n_before = len(unicorns)
    unicorns = apply_unicorn_names(unicorns, load_unicorn_names())  # cited Chinese names; one row per firm
    ucounts["merged_by_name_table"] = n_before - len(unicorns)
    ul = link_unicorns_to_listed(unicorns, listed)
    ucounts["linked_to_listed"] = len(ul)
    ucounts["links_to_listed"] = [
        {"unicorn": u, "listed": lf, "score": round(float(s), 3)} for u, lf, s in zip(ul["firm_id"], ul["listed_firm_id"], ul["score"], strict=True)
    ]
    if len(ul):
        m = listed["firm_id"].isin(ul["listed_firm_id"])
        val = dict(zip(ul["listed_firm_id"], ul["firm_id"].map(unicorns.set_index("firm_id")["valuation_usd_bn"]), strict=True))
        usrc = dict(zip(ul["listed_firm_id"], ul["firm_id"].map(unicorns.set_index("firm_id")["sources"]), strict=True))
        listed.loc[m, "is_unicorn"] = True
        listed.loc[m, "valuation_usd_bn"] = listed.loc[m, "firm_id"].map(val)
        listed.loc[m, "sources"] = listed.loc[m, "sources"] + ";" + listed.loc[m, "firm_id"].map(usrc)
        unicorns = unicorns[~unicorns["firm_id"].isin(ul["firm_id"])]
    report["unicorns"] = ucounts

    fy = link_fortune_years(res["fortune500"].frame, listed)
    fl = summarise_fortune_links(fy, listed)
    best = fortune_best_rank(fy)
    listed["fortune500_best_rank"] = listed["firm_id"].map(best).astype("Int64")
    m = listed["fortune500_best_rank"].notna()
    listed.loc[m, "sources"] = listed.loc[m, "sources"] + ";fortune500"
    report["fortune500"] = fortune_summary(fl, fy)
    t_link = time.perf_counter()

    others = pd.DataFrame(columns=["firm_id"])
    user_q = []
    report["user_files"] = {}
    # registry exports first: they carry credit codes and addresses, the best anchors for the rest
    for kind, path in sorted(user_files, key=lambda kp: (kp[0] != "registry", str(kp[1]))):
        ures = user_file_duplicates(load_user_file(kind, Path(path)))
        user_q.append(ures.quarantine)
        known = pd.concat([listed, others], ignore_index=True) if len(others) else listed
        new, updates, ucount = user_firms(kind, ures, known, data_dir, rules)
        to_listed = updates["firm_id"].astype(str).str.startswith("S:")
        listed = apply_user_updates(listed, updates[to_listed])
        if len(others):
            others = apply_user_updates(others, updates[~to_listed])
        others = _merge_duplicate_ids(pd.concat([others, new], ignore_index=True)) if len(others) else new
        report["user_files"][str(path)] = {"kind": kind, "read": ures.rows_read, **ucount, "loader_quarantined": ures.rows_quarantined,
                                           "reconciles": ures.rows_read == ucount["linked_to_listed"] + ucount["linked_to_user_firms"]
                                           + ucount["new_firms"] + ures.rows_quarantined}
    frames = [listed, unicorns, others]

    firms = pd.concat([f for f in frames if len(f)], ignore_index=True)
    firms = _merge_duplicate_ids(firms)
    firms["sources"] = firms["sources"].map(lambda s: ";".join(sorted(set(str(s).split(";")))) if _nonnull(s) else None)
    firms = validate_firms(conform(firms).sort_values("firm_id", kind="mergesort").reset_index(drop=True))

    quarantine = concat_quarantine([r.quarantine for r in res.values()] + [refused] + user_q)
    quarantine = quarantine.astype({"row": "int64"}) if len(quarantine) else empty_quarantine()
    quarantine = quarantine.astype({c: "string" for c in QUARANTINE_COLUMNS if c != "row"})
    report.update(summarise(firms, quarantine))
    report["timing_s"] = {
        "load": round(t_load - t0, 2), "listed_and_geo": round(t_listed - t_load, 2),
        "unicorns_fortune_links": round(t_link - t_listed, 2), "total": round(time.perf_counter() - t0, 2),
        "cpu_total": round(time.process_time() - c0, 2),  # wall time inflates on a shared machine; CPU does not
    }
    return FirmMaster(firms, quarantine, report, rules)


def _merge_duplicate_ids(firms: pd.DataFrame) -> pd.DataFrame:
    """Rows of user files can share a hash id (same credit code twice): keep the first, join sources."""
    if not firms["firm_id"].duplicated().any():
        return firms
    srcs = firms.groupby("firm_id")["sources"].agg(lambda s: ";".join(str(x) for x in s if _nonnull(x)))
    out = firms.drop_duplicates("firm_id", keep="first").copy()
    out["sources"] = out["firm_id"].map(srcs)
    return out


def fortune_summary(fl: pd.DataFrame, per_year: pd.DataFrame | None = None) -> dict[str, Any]:
    """Fortune match rates: distinct names over 2014–2021, each year's list, and the 2021 list."""
    in21 = fl["rank_2021"].notna()
    by_year = (
        {str(y): round(float(g["firm_id"].notna().mean()), 4) for y, g in per_year.groupby("year")} if per_year is not None else {}
    )
    return {
        "match_rate_by_year": by_year,
        "distinct_names": len(fl),
        "distinct_names_linked": int(fl["firm_id"].notna().sum()),
        "match_rate_all_years": round(float(fl["firm_id"].notna().mean()), 4) if len(fl) else 0.0,
        "names_2021": int(in21.sum()),
        "linked_2021": int((in21 & fl["firm_id"].notna()).sum()),
        "match_rate_2021": round(float(fl.loc[in21, "firm_id"].notna().mean()), 4) if in21.any() else 0.0,
        "listed_firms_with_rank": int(fl["firm_id"].dropna().nunique()),
    }


def summarise(firms: pd.DataFrame, quarantine: pd.DataFrame) -> dict[str, Any]:
    """The counts ``matcher build`` prints: firms by type, geo levels, quarantine by reason."""
    kind = np.select(
        [firms["is_listed"].fillna(False).astype(bool) & firms["is_unicorn"].fillna(False).astype(bool),
         firms["is_listed"].fillna(False).astype(bool), firms["is_unicorn"].fillna(False).astype(bool),
         firms["is_little_giant"].fillna(False).astype(bool)],
        ["listed unicorn", "listed", "unicorn", "little giant"], default="other",
    )
    reasons = quarantine.groupby(["source", "reason"]).size().sort_values(ascending=False) if len(quarantine) else pd.Series(dtype=int)
    return {
        "firms": len(firms),
        "firms_by_type": {str(k): int(v) for k, v in pd.Series(kind).value_counts().sort_index().items()},
        "geo_level": {str(k): int(v) for k, v in firms["geo_level"].value_counts().sort_index().items()},
        "geo_source": {str(k): int(v) for k, v in firms["geo_source"].value_counts().sort_index().items()},
        "listed_with_city": int((firms["is_listed"].fillna(False) & firms["city_code"].notna()).sum()),
        "unicorns_with_city": int((firms["is_unicorn"].fillna(False) & firms["city_code"].notna()).sum()),
        "quarantine_rows": len(quarantine),
        "quarantine_by_reason": [
            {"source": str(row.source), "reason": str(row.reason), "rows": int(row.rows)}  # type: ignore[arg-type]
            for row in reasons.rename("rows").reset_index().itertuples(index=False)
        ] if len(reasons) else [],
    }


__all__ = [
    "FIRM_COLUMNS", "FirmMaster", "MASTER_FOLDERS", "NameIndex", "build_firm_master", "link_fortune", "match_names",
    "name_index", "summarise",
]
