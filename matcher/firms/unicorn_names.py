"""Chinese names of unicorns from a cited table (``data/unicorn_names.csv``), and one row per unicorn.

The unicorn lists (CB Insights 2024, Maven 2022) give English or pinyin names only, and spell some
firms two ways (元气森林 as "Genki Forest" and as "Yuanqi Senlin"). The table gives, per English name
of the lists, the Chinese name where a public page states it (``source``, one per row, quoted in
``note``), and ``same_as`` where a page shows that two list names are one firm. A unicorn without a
citable Chinese name keeps its English name; the table lists it as such (empty ``name_zh``).

:func:`apply_unicorn_names` renames the unicorn rows and merges those the table names as one firm (the
row that ``same_as`` points to is kept; sources are joined, the larger valuation and the better located
row win).
"""

from __future__ import annotations

import io

import pandas as pd

from matcher import resources

NAMES_FILE = "unicorn_names.csv"
COLUMNS = ["name_en", "name_zh", "same_as", "source", "note"]


def load_unicorn_names(text: str | None = None) -> pd.DataFrame:
    """The table (every column a string, empty where unknown); a row with a Chinese name or a
    ``same_as`` must name its source."""
    raw = text if text is not None else resources.read_text(NAMES_FILE)
    t = pd.read_csv(io.StringIO(raw), dtype=str, keep_default_na=False)
    missing = [c for c in COLUMNS if c not in t.columns]
    if missing:
        raise ValueError(f"{NAMES_FILE}: missing columns {missing}")
    claims = (t["name_zh"] != "") | (t["same_as"] != "")
    bad = t[claims & ~t["source"].str.match(r"^https?://\S+$")]
    if len(bad):
        raise ValueError(f"{NAMES_FILE}: rows with a Chinese name or same_as need an http(s) source: {bad['name_en'].tolist()}")
    if t["name_en"].duplicated().any():
        raise ValueError(f"{NAMES_FILE}: duplicate name_en {t.loc[t['name_en'].duplicated(), 'name_en'].tolist()}")
    return t[COLUMNS]


_GEO_RANK = {"county": 0, "city": 1, "province": 2, "none": 3}


def apply_unicorn_names(unicorns: pd.DataFrame, table: pd.DataFrame) -> pd.DataFrame:
    """``unicorns`` (firm master rows: firm_id, name, name_en, valuation_usd_bn, sources, geo …) with the
    Chinese names of the table as ``name`` and the rows the table calls one firm merged."""
    if unicorns.empty:
        return unicorns
    t = table.set_index("name_en")
    out = unicorns.copy()
    en = out["name_en"].astype("string").fillna(out["name"].astype("string"))
    key = en.map(lambda n: t.at[n, "same_as"] if n in t.index and t.at[n, "same_as"] else n)
    zh = key.map(lambda n: t.at[n, "name_zh"] if n in t.index else "").fillna("")
    zh = zh.where(zh != "", en.map(lambda n: t.at[n, "name_zh"] if n in t.index else "").fillna(""))
    out["_key"] = key.to_numpy()
    out["_keep"] = (en == key).to_numpy()  # the row same_as points to
    out["_geo"] = out["geo_level"].map(_GEO_RANK).fillna(3) if "geo_level" in out.columns else 3
    out["name"] = [z if z else str(n) for z, n in zip(zh, out["name"], strict=True)]
    out = out.sort_values(["_key", "_keep", "_geo"], ascending=[True, False, True], kind="stable")
    merged = []
    for _, g in out.groupby("_key", sort=False):
        row = g.iloc[0].copy()
        if len(g) > 1:
            row["valuation_usd_bn"] = pd.to_numeric(g["valuation_usd_bn"], errors="coerce").max()
            row["sources"] = ";".join(sorted({s for v in g["sources"].dropna() for s in str(v).split(";")}))
        merged.append(row)
    res = pd.DataFrame(merged).drop(columns=["_key", "_keep", "_geo"])
    return res.sort_values("firm_id", kind="stable").reset_index(drop=True)


__all__ = ["NAMES_FILE", "apply_unicorn_names", "load_unicorn_names"]
