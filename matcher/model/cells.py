"""Region × industry cells for the entry benchmark: the firm table, time windows, candidates, outcomes.

The entry question (economic-complexity style): which (city, industry) cells that have *no* listed
firm at a cut-off date ``t0`` gain their first one in the following window ``[t0, t1)``?

- firms: Tushare ``stock_basic`` ⋈ ``stock_company`` (inner join on ts_code) with a city and an industry;
  the unit is the prefecture city of ``stock_company.city`` (keyed by province + city name).
- presence at t0: firms listed strictly before ``t0``.
- candidates: every (city, industry) with no firm at t0, over cities with ≥ 1 firm at t0 and
  industries with ≥ 1 firm anywhere at t0 (an industry label nobody carried yet is not knowable at t0).
- outcome ``entered``: ≥ 1 firm of the cell listed in ``[t0, t1)``.

Everything that describes a cell at t0 reads only firms listed before t0; only :func:`entry_cells`
looks past t0, and only to fill ``entered``/``n_entries``.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from matcher import geo

#: Columns of the firm table used by the model stage.
FIRM_TABLE_COLUMNS = ["ts_code", "short_name", "province", "city", "industry", "list_date"]

#: Key columns of a cell.
CELL_KEYS = ["province", "city", "industry"]

#: Last day covered by the 2024-05-13 Tushare dump (the end of the main window is exclusive).
DUMP_END = "2024-05-14"


@dataclass(frozen=True)
class Window:
    """Presence before ``t0``; outcomes from firms listed in ``[t0, t1)``."""

    t0: str
    t1: str

    @property
    def label(self) -> str:
        return f"{self.t0[:4]}-{pd.Timestamp(self.t1).year - (1 if self.t1.endswith('01-01') else 0)}"

    def shifted(self, years: int) -> Window:
        """The same window ``years`` earlier (negative) or later."""
        off = pd.DateOffset(years=years)
        return Window(str((pd.Timestamp(self.t0) + off).date()), str((pd.Timestamp(self.t1) + off).date()))


#: The windows of the benchmark (DESIGN.md): test on 2019–2024-05, train one window earlier;
#: the back-test repeats the protocol one window earlier again.
MAIN_TEST = Window("2019-01-01", DUMP_END)
MAIN_TRAIN = Window("2014-01-01", "2019-01-01")
BACK_TEST = Window("2014-01-01", "2019-01-01")
BACK_TRAIN = Window("2009-01-01", "2014-01-01")


def firms_from_tushare(stock_basic: pd.DataFrame, stock_company: pd.DataFrame) -> pd.DataFrame:
    """The firm table: listed firms with a city and an industry label (Tushare's own labels).

    Firms without a company record (no city) or without a label are left out; Hong Kong-registered
    firms keep their city ("香港") like any other unit.
    """
    joined = stock_basic.merge(stock_company[["ts_code", "province", "city"]], on="ts_code", how="inner")
    out = pd.DataFrame(
        {
            "ts_code": joined["ts_code"].astype("string"),
            "short_name": joined["short_name"].astype("string"),
            "province": joined["province"].astype("string"),
            "city": joined["city"].astype("string"),
            "industry": joined["industry_tushare"].astype("string"),
            "list_date": pd.to_datetime(joined["list_date"]),
        }
    )
    out = out.dropna(subset=["city", "industry", "list_date"])
    out["province"] = out["province"].fillna("")
    return out.sort_values(["list_date", "ts_code"], kind="stable").reset_index(drop=True)[FIRM_TABLE_COLUMNS]


def load_entry_firms(data_dir: Path, taxonomy: str = "tushare") -> pd.DataFrame:
    """Load the firm table from the raw data. ``taxonomy``: "tushare" (default), "sw2" or "sw3".

    The Shenwan variants relabel each firm with its Shenwan-2021 level-2/3 code from the chain
    knowledge graph (``chainkg.company_industry``); firms without a Shenwan code are dropped. They
    need the chainkg loader and raise :class:`LookupError` when it is not available.
    """
    from matcher.sources.tushare import load_stock_basic, load_stock_company

    firms = firms_from_tushare(load_stock_basic(data_dir).frame, load_stock_company(data_dir).frame)
    if taxonomy == "tushare":
        return firms
    if taxonomy not in ("sw2", "sw3"):
        raise ValueError(f"unknown taxonomy {taxonomy!r} (tushare, sw2, sw3)")
    codes = _shenwan_codes(data_dir)
    level = 4 if taxonomy == "sw2" else 6
    mapped = firms.drop(columns="industry").merge(codes, on="ts_code", how="inner")
    mapped["industry"] = mapped["sw_code"].str.slice(0, level).str.ljust(6, "0")
    return mapped.sort_values(["list_date", "ts_code"], kind="stable").reset_index(drop=True)[FIRM_TABLE_COLUMNS]


def _shenwan_codes(data_dir: Path) -> pd.DataFrame:
    """ts_code → Shenwan-2021 level-3 code, from the chain KG's company → industry table."""
    from matcher.sources.chainkg import load_company_industry

    frame = load_company_industry(data_dir).frame
    out = pd.DataFrame({"ts_code": frame["ts_code"].astype("string"), "sw_code": frame["sw_code"].astype("string")})
    return out.dropna().drop_duplicates("ts_code")


def before(firms: pd.DataFrame, t0: str | pd.Timestamp) -> pd.DataFrame:
    """Firms listed strictly before ``t0`` — the only rows any t0 description may read."""
    return firms[firms["list_date"] < pd.Timestamp(t0)]


def presence(firms: pd.DataFrame, t0: str | pd.Timestamp) -> pd.DataFrame:
    """Firm counts per cell at t0: columns province, city, industry, n (only cells with n ≥ 1)."""
    pre = before(firms, t0)
    return pre.groupby(CELL_KEYS, observed=True, sort=True).size().rename("n").reset_index()


def candidate_cells(firms: pd.DataFrame, t0: str | pd.Timestamp) -> pd.DataFrame:
    """Cells empty at t0 in cities with ≥ 1 firm at t0, for industries present somewhere at t0."""
    pre = before(firms, t0)
    cities = pre[["province", "city"]].drop_duplicates().sort_values(["province", "city"])
    industries = pd.DataFrame({"industry": sorted(pre["industry"].unique())})
    grid = cities.merge(industries, how="cross")
    have = presence(firms, t0)[CELL_KEYS]
    grid = grid.merge(have.assign(_present=True), on=CELL_KEYS, how="left")
    return grid[grid["_present"].isna()].drop(columns="_present").reset_index(drop=True)


def entry_cells(firms: pd.DataFrame, window: Window) -> pd.DataFrame:
    """Candidates at ``window.t0`` with the outcome: ``n_entries`` firms listed in the window, ``entered``."""
    cand = candidate_cells(firms, window.t0)
    post = firms[(firms["list_date"] >= pd.Timestamp(window.t0)) & (firms["list_date"] < pd.Timestamp(window.t1))]
    counts = post.groupby(CELL_KEYS, observed=True).size().rename("n_entries").reset_index()
    out = cand.merge(counts, on=CELL_KEYS, how="left")
    out["n_entries"] = out["n_entries"].fillna(0).astype("int64")
    out["entered"] = (out["n_entries"] > 0).astype("int64")
    return out


def city_coordinates(cities: pd.DataFrame, data_dir: Path | None = None) -> pd.DataFrame:
    """Centroid lon/lat for (province, city) units: columns province, city, lon, lat (NaN when unknown),
    by the one place-name resolver (:func:`matcher.geo.geocode_city_names`; ``data_dir`` defaults to
    ``$MATCHER_DATA``). A name it cannot place gets NaN, never a guess."""
    units = cities[["province", "city"]].drop_duplicates().reset_index(drop=True)
    placed = geo.geocode_city_names(units["city"], units["province"], data_dir=data_dir)
    return units.assign(
        lon=pd.to_numeric(placed["lon"], errors="coerce").astype("float64").to_numpy(),
        lat=pd.to_numeric(placed["lat"], errors="coerce").astype("float64").to_numpy(),
    )
