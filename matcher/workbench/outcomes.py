"""Labelled outcomes: the city's own results, for the ranking's next fit.

A lead that reaches 签约, 落地(注册), 开工 or 投产 is an outcome: *this firm* chose *this county* of
*this city* at *this date*. The workbench writes every such stage reached to ``WORKDIR/outcomes.parquet``
(``matcher outcomes export``, and automatically after each move into one of these stages). The file
is rewritten whole from the workbench database each time (atomically: a temporary file renamed over
the old one), so it always equals the database's history.

Schema (one row per lead × outcome stage reached; stable — new columns are only ever appended):

==================== ========= =========================================================================
column               type      meaning
==================== ========= =========================================================================
lead_id              int64     the workbench's lead number
firm_id              string    matcher's firm_id (firm master); empty for a lead not matched to the master
firm_name            string    the name on the lead
city_code            string    6-digit code of the city running the workbench
county_code          string    6-digit code of the county-level unit (or coded zone) that holds the lead
county_name          string    its name
stage                string    签约 / 落地 / 开工 / 投产
stage_date           date      the business date the stage was reached (entered by the planner)
amount_wan           float64   project amount, 万元 (as on that move)
fixed_investment_wan float64   fixed-asset investment, 万元
contract_amount_wan  float64   合同额, 万元
paid_in_wan          float64   到位资金 entered on that move, 万元
capital_type         string    内资 / 外资
recorded_at          timestamp when the move was recorded (UTC, naive)
exported_at          timestamp when this file was written (UTC, naive)
==================== ========= =========================================================================

A lead later stopped (终止) keeps its rows: it did sign. This module depends on pandas only, so the
ranking side can read the file without importing the workbench.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pandas as pd

OUTCOMES_FILE = "outcomes.parquet"
OUTCOME_STAGES: tuple[str, ...] = ("签约", "落地", "开工", "投产")

#: column → pandas dtype, in file order
OUTCOME_SCHEMA: dict[str, str] = {
    "lead_id": "int64",
    "firm_id": "string",
    "firm_name": "string",
    "city_code": "string",
    "county_code": "string",
    "county_name": "string",
    "stage": "string",
    "stage_date": "datetime64[ns]",
    "amount_wan": "float64",
    "fixed_investment_wan": "float64",
    "contract_amount_wan": "float64",
    "paid_in_wan": "float64",
    "capital_type": "string",
    "recorded_at": "datetime64[ns]",
    "exported_at": "datetime64[ns]",
}


def empty_outcomes() -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype=t) for c, t in OUTCOME_SCHEMA.items()})


def conform(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with exactly the schema's columns, in order, with the schema's dtypes."""
    out = pd.DataFrame(index=frame.index)
    for col, dtype in OUTCOME_SCHEMA.items():
        values = frame[col] if col in frame.columns else pd.Series(pd.NA, index=frame.index)
        if dtype.startswith("datetime"):
            out[col] = pd.to_datetime(values, errors="coerce")
        elif dtype == "float64":
            out[col] = pd.to_numeric(values, errors="coerce").astype("float64")
        else:
            out[col] = values.astype(dtype)
    return out.reset_index(drop=True)


def write_outcomes(frame: pd.DataFrame, workdir: str | os.PathLike[str]) -> Path:
    """Write ``frame`` (conformed to the schema) to ``WORKDIR/outcomes.parquet`` atomically."""
    wd = Path(workdir)
    wd.mkdir(parents=True, exist_ok=True)
    path = wd / OUTCOMES_FILE
    data = conform(frame).sort_values(["stage_date", "lead_id", "stage"], kind="stable").reset_index(drop=True)
    fd, tmp = tempfile.mkstemp(prefix=".outcomes.", suffix=".parquet", dir=wd)
    os.close(fd)
    try:
        data.to_parquet(tmp, index=False)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return path


def read_outcomes(workdir: str | os.PathLike[str]) -> pd.DataFrame:
    """The labelled outcomes of ``WORKDIR/outcomes.parquet`` with the documented schema (an empty
    frame with the same columns when the file does not exist)."""
    path = Path(workdir) / OUTCOMES_FILE
    if not path.exists():
        return empty_outcomes()
    return conform(pd.read_parquet(path))
