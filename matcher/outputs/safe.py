"""Writing data as data: one place for every output format's rule that text from the data never
becomes code.

Firm names, reasons and addresses come from public lists and from the user's own files; a name such as
``=HYPERLINK("http://…")`` or ``<img src=x onerror=…>`` must reach the planner as the text it is.

- **xlsx** (:func:`workbook`, :func:`excel_writer`): xlsxwriter workbooks with ``strings_to_formulas``,
  ``strings_to_urls`` and ``strings_to_numbers`` off, so a string cell is always a string cell (no
  ``<f>`` element in the sheet XML); numbers stay numbers.
- **CSV** (:func:`csv_cell`, :func:`neutralise_csv`, :func:`to_csv`): a text cell beginning with one of
  ``= + - @`` or a tab, carriage return, line feed or NUL is prefixed with a single quote, as OWASP
  recommends against CSV (formula) injection; :func:`unneutralise_csv` undoes the prefix on reading
  back. A carriage return inside a text cell is written as a line feed (else the row would split). Numeric columns are untouched (a negative number is a number, not a formula).
- **HTML** (:func:`html_text`, :data:`JS_ESCAPE`): text escaped for element content and attributes;
  the JavaScript ``esc`` function for formatters (ECharts tooltips) that build HTML from data.
- **Markdown** (:func:`md_text`): text for a table cell or a line: HTML special characters escaped (a
  Markdown viewer renders raw HTML), ``|`` and line breaks neutralised.
"""

from __future__ import annotations

import html
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pandas as pd


class OutputError(RuntimeError):
    """An output folder cannot be used (a file is in the way, no permission …); the message names it."""


def out_dir(path: str | Path) -> Path:
    """``path`` as an output folder: created if missing, and proved writable; else :class:`OutputError`
    naming the folder and what to do."""
    p = Path(path).expanduser()
    if p.exists() and not p.is_dir():
        raise OutputError(f"output folder {p} is a file; give a folder with --out")
    blocker = next((a for a in p.parents if a.exists() and not a.is_dir()), None)
    if blocker is not None:
        raise OutputError(f"output folder {p} cannot be created: {blocker} is a file; give another folder with --out")
    try:
        p.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=p):
            pass
    except OSError as exc:
        raise OutputError(f"output folder {p} is not writable ({exc.strerror or type(exc).__name__}); "
                          "give a folder you can write to with --out") from None
    return p


#: xlsxwriter options that keep every string a string.
XLSX_OPTIONS: dict[str, Any] = {"strings_to_formulas": False, "strings_to_urls": False, "strings_to_numbers": False}

#: First characters that make a spreadsheet read a CSV cell as a formula (OWASP, ASVS 1.2.10).
CSV_TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "\n", "\0")


def workbook(path: str | Path, options: Mapping[str, Any] | None = None) -> Any:
    """An ``xlsxwriter.Workbook`` that writes text as text (``options`` may add others, never undo those)."""
    import xlsxwriter

    return xlsxwriter.Workbook(str(path), {**dict(options or {}), **XLSX_OPTIONS})


def excel_writer(path: str | Path) -> pd.ExcelWriter:
    """A ``pandas.ExcelWriter`` on xlsxwriter with :data:`XLSX_OPTIONS`."""
    return pd.ExcelWriter(path, engine="xlsxwriter", engine_kwargs={"options": dict(XLSX_OPTIONS)})


def csv_cell(value: Any) -> Any:
    """A text value that a spreadsheet would run as a formula, prefixed with ``'``; a carriage return
    inside a text becomes a line feed (Python's CSV writer leaves a field holding a lone CR unquoted
    when lines end in LF, and a reader then splits the row); others unchanged."""
    if isinstance(value, str):
        if "\r" in value:
            value = value.replace("\r\n", "\n").replace("\r", "\n")
        if value.startswith(CSV_TRIGGERS):
            return "'" + value
    return value


def _is_text(s: pd.Series) -> bool:
    return s.dtype == object or isinstance(s.dtype, pd.StringDtype) or str(s.dtype).startswith("string")


def neutralise_csv(frame: pd.DataFrame) -> pd.DataFrame:
    """The frame with every text cell passed through :func:`csv_cell` (column names too)."""
    out = frame.copy()
    for col in out.columns:
        if _is_text(out[col]):
            s = out[col]
            out[col] = s.map(csv_cell, na_action="ignore").astype(s.dtype) if s.dtype != object else s.map(csv_cell)
    out.columns = [csv_cell(c) for c in out.columns]
    return out


def unneutralise_csv(frame: pd.DataFrame) -> pd.DataFrame:
    """Undo :func:`neutralise_csv` on a frame read back (a leading ``'`` before a trigger is removed)."""
    out = frame.copy()

    def undo(v: Any) -> Any:
        if isinstance(v, str) and len(v) > 1 and v[0] == "'" and v[1:].startswith(CSV_TRIGGERS):
            return v[1:]
        return v

    for col in out.columns:
        if _is_text(out[col]):
            s = out[col]
            out[col] = s.map(undo, na_action="ignore").astype(s.dtype) if s.dtype != object else s.map(undo)
    out.columns = [undo(c) for c in out.columns]
    return out


def to_csv(frame: pd.DataFrame, path: str | Path, **kwargs: Any) -> Path:
    """``frame.to_csv(path, index=False, **kwargs)`` with text cells neutralised; returns the path."""
    kwargs.setdefault("index", False)
    neutralise_csv(frame).to_csv(path, **kwargs)
    return Path(path)


def html_text(value: Any) -> str:
    """Text for HTML element content or a quoted attribute (None/NaN → empty)."""
    if value is None or value is pd.NA or (isinstance(value, float) and pd.isna(value)):
        return ""
    return html.escape(str(value), quote=True)


def md_text(value: Any) -> str:
    """Text for a Markdown line or table cell: HTML special characters escaped, ``|`` → ``｜``,
    line breaks → spaces (None/NaN → empty)."""
    s = html_text(value)
    return s.replace("|", "｜").replace("\r\n", " ").replace("\n", " ").replace("\r", " ")


def md_escape(document: str) -> str:
    """A whole Markdown document built by the project (no HTML of its own) with ``& < >`` escaped, so that
    no tag from the data inside it reaches a Markdown viewer."""
    return document.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


#: JavaScript: ``esc(s)`` escapes text for HTML built in the page (tooltips, tables).
JS_ESCAPE = (
    "function esc(s){ return s===null||s===undefined ? '' : String(s).replace(/[&<>\"'`]/g,"
    "function(c){return {'&':'&amp;','<':'&lt;','>':'&gt;','\"':'&quot;',\"'\":'&#39;','`':'&#96;'}[c];}); }"
)

__all__ = [
    "CSV_TRIGGERS", "JS_ESCAPE", "OutputError", "out_dir", "XLSX_OPTIONS", "csv_cell", "excel_writer", "html_text", "md_escape", "md_text",
    "neutralise_csv", "to_csv", "unneutralise_csv", "workbook",
]
