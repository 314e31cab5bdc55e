"""The firm master's fixed schema (``WORKDIR/firms.parquet``): one row per real firm.

Later stages (chain, regions, model, outputs) read only these columns. Codes are strings
(``stock_code`` 6 digits, adcodes 6 digits), missing values are nulls, never empty strings.
"""

from __future__ import annotations

import pandas as pd

#: column -> pandas dtype of the firm master
FIRM_COLUMNS: dict[str, str] = {
    "firm_id": "string",            # stable id: "S:<stock_code>" for listed firms, "U:<slug>" unicorns, "M:<hash>" others
    "name": "string",               # display name (short name for listed firms, Chinese where known)
    "legal_name": "string",         # full legal (registered) name where known
    "name_norm": "string",          # normalised name used for matching (matcher.firms.names)
    "name_en": "string",            # English name where known (unicorns, exchange lists)
    "stock_code": "string",         # 6 digits, or null
    "is_listed": "boolean",
    "is_unicorn": "boolean",
    "is_little_giant": "boolean",   # 专精特新"小巨人" (user-supplied MIIT list)
    "province_code": "string",      # 6-digit adcode, e.g. 130000
    "city_code": "string",          # 6-digit adcode, e.g. 130300
    "county_code": "string",        # 6-digit NBS/adcode incl. functional zones, e.g. 130371
    "province": "string",
    "city": "string",
    "county": "string",
    "geo_level": "string",          # county / city / province / none
    "geo_source": "string",         # szse_address / geo2015_address / tushare_city / unicorn_city / ...
    "lon": "float64",
    "lat": "float64",
    "industry_tushare": "string",   # Tushare label (110 values)
    "sw_l1_code": "string",         # Shenwan 2021 level-1 code (6 digits, e.g. 270000)
    "sw_l2_code": "string",
    "sw_l3_code": "string",
    "sw_l1_name": "string",
    "sw_l2_name": "string",
    "sw_l3_name": "string",
    "industry_source": "string",    # chainkg / classifier / registry / null
    "employees": "float64",
    "total_assets_yi": "float64",   # 亿元
    "reg_capital_wan": "float64",   # 万元
    "valuation_usd_bn": "float64",  # unicorns
    "list_date": "datetime64[ns]",
    "setup_date": "datetime64[ns]",
    "controller_type": "string",    # 民营企业 / 地方国企 / 中央国企 / ...
    "fortune500_best_rank": "Int64",  # best 财富中国500强 rank 2014–2021
    "sources": "string",            # ';'-joined source names that contributed to this row
}


def empty_firms() -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype=t) for c, t in FIRM_COLUMNS.items()})


def conform(frame: pd.DataFrame) -> pd.DataFrame:
    """Return ``frame`` with exactly the master's columns and dtypes (missing columns become null)."""
    out = pd.DataFrame(index=frame.index)
    for col, dtype in FIRM_COLUMNS.items():
        out[col] = frame[col] if col in frame.columns else pd.Series(pd.NA, index=frame.index)
        out[col] = out[col].astype(dtype)  # type: ignore[call-overload]
    return out.reset_index(drop=True)
