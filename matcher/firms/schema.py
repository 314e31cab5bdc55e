"""The firm master's fixed schema (``WORKDIR/firms.parquet``): one row per real firm.

Later stages (chain, regions, model, outputs) read only these columns, and may rely on every one of
them being there: :func:`validate_firms` checks the frame once at the stage boundary (when the
master is built and when it is read back from the cache), so no later function asks "is this column
there?". Codes are strings (``stock_code`` 6 digits, adcodes 6 digits), missing values are nulls,
never empty strings.
"""

from __future__ import annotations

import pandas as pd
import pandera.pandas as pa

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
        if col in frame.columns:
            out[col] = frame[col].astype(dtype)  # type: ignore[call-overload]
        else:  # a null of the column's own kind
            null = float("nan") if dtype == "float64" else (pd.NaT if dtype.startswith("datetime") else pd.NA)
            out[col] = pd.Series(null, index=frame.index, dtype=dtype)  # type: ignore[call-overload]
    return out.reset_index(drop=True)


_CODE6 = pa.Check.str_matches(r"^\d{6}$")


def _column(name: str, dtype: str) -> pa.Column:
    checks = []
    if name in ("stock_code", "province_code", "city_code", "county_code", "sw_l1_code", "sw_l2_code", "sw_l3_code"):
        checks.append(_CODE6)
    if name == "geo_level":
        checks.append(pa.Check.isin(["county", "city", "province", "none"]))
    if name == "lon":
        checks.append(pa.Check.in_range(73, 136))
    if name == "lat":
        checks.append(pa.Check.in_range(3, 54))
    return pa.Column(dtype, checks=checks, nullable=name not in ("firm_id", "geo_level"), unique=name == "firm_id")


#: the schema as pandera checks it: exactly these columns, in this order, with these dtypes and values
FIRM_SCHEMA = pa.DataFrameSchema({c: _column(c, t) for c, t in FIRM_COLUMNS.items()}, strict=True, ordered=True)


class SchemaViolation(ValueError):
    """A frame at a stage boundary does not have the schema the next stage relies on."""


def validate_firms(frame: pd.DataFrame, where: str = "firm master") -> pd.DataFrame:
    """The frame, when it has exactly :data:`FIRM_COLUMNS` with valid values; else :class:`SchemaViolation`
    naming the column and the failing values (a bug or a corrupted cache, never something to guess around)."""
    try:
        return FIRM_SCHEMA.validate(frame, lazy=False)
    except pa.errors.SchemaError as exc:
        raise SchemaViolation(f"{where}: {exc}") from None
