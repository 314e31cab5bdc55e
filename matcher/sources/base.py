"""The loader contract shared by every source.

Every loader is a function ``load_<source>(data_dir: Path) -> LoadResult``. It reads the raw files,
returns one frame in the source's canonical schema (documented in the loader's module) and a
quarantine frame holding every row it refused, with the reason. Nothing is dropped silently:
``rows_read == len(frame) + len(quarantine)`` always holds, and :func:`LoadResult.check` asserts it.

Errors that make a whole file unusable (missing, unreadable, wrong encoding, truncated JSON, a
required column missing) raise :class:`SourceError`, whose message names the file, and where it
applies the row and the column.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

#: Columns of every quarantine frame.
QUARANTINE_COLUMNS = ["source", "file", "row", "column", "reason", "record"]

#: Encodings tried, in order, for text files whose encoding the publisher does not state.
TEXT_ENCODINGS = ("utf-8-sig", "gb18030")

#: The environment variable naming the raw data directory.
DATA_ENV = "MATCHER_DATA"


class SourceError(ValueError):
    """A raw file cannot be used. The message names the file and, where known, the row and column."""

    def __init__(self, file: str | Path, message: str, *, row: int | None = None, column: str | None = None):
        self.file = str(file)
        self.row = row
        self.column = column
        where = [f"file {self.file}"]
        if row is not None:
            where.append(f"row {row}")
        if column is not None:
            where.append(f"column {column!r}")
        super().__init__(f"{', '.join(where)}: {message}")


@dataclass
class LoadResult:
    """What a loader returns: the accepted rows, the refused rows, and how many rows were read."""

    source: str
    frame: pd.DataFrame
    quarantine: pd.DataFrame = field(default_factory=lambda: empty_quarantine())
    rows_read: int = -1
    files: list[str] = field(default_factory=list)
    #: where known, the file's data-row number of each accepted row (user files), for later quarantines
    row_numbers: list[int] | None = None

    def __post_init__(self) -> None:
        if self.rows_read < 0:
            self.rows_read = len(self.frame) + len(self.quarantine)
        self.check()

    @property
    def rows_accepted(self) -> int:
        return len(self.frame)

    @property
    def rows_quarantined(self) -> int:
        return len(self.quarantine)

    def check(self) -> None:
        """Counts must reconcile: every row read is either accepted or quarantined."""
        if self.rows_read != len(self.frame) + len(self.quarantine):
            raise AssertionError(
                f"{self.source}: rows read {self.rows_read} != accepted {len(self.frame)} "
                f"+ quarantined {len(self.quarantine)}"
            )


def data_dir_from(value: str | Path | None) -> Path:
    """Resolve the data directory: the argument, else ``$MATCHER_DATA``; it must exist."""
    raw = value if value not in (None, "") else os.environ.get(DATA_ENV)
    if not raw:
        raise SourceError("<data dir>", f"no data directory given: pass --data or set {DATA_ENV}")
    path = Path(raw).expanduser()
    if not path.is_dir():
        raise SourceError(path, "data directory does not exist")
    return path


def empty_quarantine() -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype="object") for c in QUARANTINE_COLUMNS})


def quarantine_rows(
    source: str,
    file: str | Path,
    rows: pd.DataFrame,
    reason: str | Sequence[str],
    column: str | None = None,
    row_numbers: Iterable[int] | None = None,
) -> pd.DataFrame:
    """Build quarantine records for ``rows``.

    ``row_numbers`` are the 1-based data-row numbers in the file (header not counted); by default
    the frame's index + 1, which is right when the loader kept the default RangeIndex.
    """
    if rows.empty:
        return empty_quarantine()
    numbers = list(row_numbers) if row_numbers is not None else [int(i) + 1 for i in rows.index]
    reasons = [reason] * len(rows) if isinstance(reason, str) else list(reason)
    records = [
        json.dumps({k: (None if _isna(v) else str(v)) for k, v in rec.items()}, ensure_ascii=False)
        for rec in rows.to_dict(orient="records")
    ]
    return pd.DataFrame(
        {
            "source": source,
            "file": Path(file).name,
            "row": numbers,
            "column": column,
            "reason": reasons,
            "record": records,
        },
        columns=QUARANTINE_COLUMNS,
    ).astype({"row": "int64"})


def concat_quarantine(parts: Iterable[pd.DataFrame]) -> pd.DataFrame:
    parts = [p for p in parts if not p.empty]
    if not parts:
        return empty_quarantine()
    return pd.concat(parts, ignore_index=True)[QUARANTINE_COLUMNS]


def _isna(v: object) -> bool:
    try:
        return bool(pd.isna(v))  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return False


def require_file(path: Path) -> Path:
    if not path.is_file():
        raise SourceError(path, "file is missing")
    if path.stat().st_size == 0:
        raise SourceError(path, "file is empty")
    return path


def require_columns(frame: pd.DataFrame, required: Iterable[str], file: str | Path) -> None:
    """Raise naming the first required column that the file lacks (and what it has instead)."""
    have = set(map(str, frame.columns))
    for col in required:
        if col not in have:
            raise SourceError(file, f"required column missing (columns present: {sorted(have)})", column=col)


def read_text(path: Path, encodings: Sequence[str] = TEXT_ENCODINGS) -> str:
    """Read a text file in UTF-8 (with or without BOM) or GB18030; refuse anything else."""
    require_file(path)
    data = path.read_bytes()
    for enc in encodings:
        try:
            return data.decode(enc)
        except UnicodeDecodeError:
            continue
    raise SourceError(path, f"cannot decode as any of {list(encodings)}")


#: full-width punctuation common in simplified Chinese text
_CN_PUNCT = frozenset("，。、；：？！“”‘’（）《》【】—…·％＋－／　")


def plain_chinese_share(text: str) -> float:
    """Share of the non-ASCII characters of ``text`` that are common simplified Chinese (GB2312 hanzi or
    full-width punctuation). Text in another encoding decoded as GB18030 scores low: Big5 bytes come
    out as kana, Greek letters, box-drawing signs and rare hanzi."""
    chars = [c for c in text if ord(c) > 0x7F and not c.isspace()]
    if not chars:
        return 1.0
    ok = 0
    for c in chars:
        if c in _CN_PUNCT:
            ok += 1
            continue
        try:
            c.encode("gb2312")
            ok += "\u4e00" <= c <= "\u9fff"
        except UnicodeEncodeError:
            pass
    return ok / len(chars)


def read_user_text(path: Path) -> str:
    """:func:`read_text` for a file a person saved: a Big5 (traditional Chinese) file, which GB18030
    decodes without error into nonsense, is refused naming its encoding."""
    text = read_text(path)
    data = path.read_bytes()
    try:
        data.decode("utf-8-sig")
        return text
    except UnicodeDecodeError:
        pass
    share = plain_chinese_share(text[:20000])
    if share < 0.8:
        try:
            big5 = data.decode("big5")
        except UnicodeDecodeError:
            big5 = None
        if big5 is not None:
            raise SourceError(path, "the file is encoded in Big5 (traditional Chinese), not UTF-8 or GB18030; "
                                    "open it and save it as UTF-8 (CSV UTF-8) or as .xlsx, then try again")
    if share < 0.5:
        raise SourceError(path, "the text does not read as Chinese in UTF-8 or GB18030 (another encoding?); "
                                "save the file as UTF-8 (CSV UTF-8) or as .xlsx")
    return text


def read_csv_text(path: Path, required: Iterable[str] = (), **kwargs: object) -> pd.DataFrame:
    """Read a CSV as strings, in UTF-8, UTF-8 with BOM or GB18030, checking required columns.

    Every cell stays a string (codes keep leading zeros); empty cells become missing values.
    """
    import io

    text = read_text(path)
    if not text.strip():
        raise SourceError(path, "file is empty")
    try:
        frame = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False, na_values=[""], **kwargs)  # type: ignore[arg-type]
    except pd.errors.ParserError as exc:
        raise SourceError(path, f"CSV cannot be parsed: {exc}") from exc
    frame.columns = [str(c).strip().replace(" ", "").replace("\u3000", "") for c in frame.columns]
    require_columns(frame, required, path)
    return frame


def read_json_columns(path: Path, required: Iterable[str] = ()) -> pd.DataFrame:
    """Read a pandas ``to_json()`` default ("columns" orient) file as strings, in file row order."""
    text = read_text(path)
    try:
        obj = json.loads(text)
    except json.JSONDecodeError as exc:
        raise SourceError(path, f"invalid or truncated JSON at line {exc.lineno} column {exc.colno}: {exc.msg}") from exc
    if not isinstance(obj, dict) or not all(isinstance(v, dict) for v in obj.values()):
        raise SourceError(path, "expected a JSON object of columns ({column: {row: value}})")
    frame = pd.DataFrame(obj)
    # pandas' "columns" orient keys rows by their original position; keep that order.
    frame.index = frame.index.astype(int)
    frame = frame.sort_index().reset_index(drop=True)
    frame = frame.astype("object").where(frame.notna(), None).map(lambda v: None if v is None else str(v))
    require_columns(frame, required, path)
    return frame


def read_json_lines(path: Path, required: Iterable[str] = ()) -> pd.DataFrame:
    """Read JSON Lines; a malformed line raises naming its line number."""
    text = read_text(path)
    records = []
    for lineno, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            records.append(json.loads(line))
        except json.JSONDecodeError as exc:
            raise SourceError(path, f"invalid or truncated JSON line: {exc.msg}", row=lineno) from exc
    if not records:
        raise SourceError(path, "file has no records")
    frame = pd.DataFrame.from_records(records)
    require_columns(frame, required, path)
    return frame


def parse_dates(values: pd.Series, fmt: str | None = None) -> tuple[pd.Series, pd.Series]:
    """Parse dates; return (parsed, bad) where ``bad`` marks non-empty values that failed to parse."""
    parsed = pd.to_datetime(values, format=fmt, errors="coerce")
    bad = values.notna() & (values.astype("string").str.strip() != "") & parsed.isna()
    return parsed, bad


def parse_numbers(values: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Parse numbers written with optional thousands separators; (parsed, bad) as :func:`parse_dates`."""
    cleaned = values.astype("string").str.replace(",", "", regex=False).str.strip()
    parsed = pd.to_numeric(cleaned, errors="coerce")
    bad = cleaned.notna() & (cleaned != "") & parsed.isna()
    return parsed.astype("float64"), bad.fillna(False).astype(bool)


def strip_text(frame: pd.DataFrame) -> pd.DataFrame:
    """Strip every cell as text (spaces, tabs, newlines); empty strings become nulls."""
    out = frame.copy()
    for col in out.columns:
        s = out[col].astype("string").str.strip()
        out[col] = s.mask(s == "")
    return out


class RowScreen:
    """Refuse rows check by check: a row goes to the quarantine for its first failing check only,
    so the reasons are disjoint and ``rows_read == accepted + quarantined`` holds by construction.

    ``keep`` is the running mask of rows still accepted; later checks may be computed from it.
    """

    def __init__(self, source: str, file: str | Path, raw: pd.DataFrame, keep: pd.Series | None = None):
        self.source, self.file, self.raw = source, file, raw
        self.keep = pd.Series(True, index=raw.index) if keep is None else keep.copy()
        self.parts: list[pd.DataFrame] = []

    def refuse(self, mask: pd.Series, reason: str, column: str | None = None) -> None:
        """Quarantine the still-accepted rows where ``mask`` is true (missing counts as false)."""
        bad = mask.reindex(self.raw.index).fillna(False).astype(bool) & self.keep
        self.parts.append(quarantine_rows(self.source, self.file, self.raw[bad], reason, column=column))
        self.keep &= ~bad

    def refuse_all(self, checks: Iterable[tuple[pd.Series, str, str | None]]) -> RowScreen:
        for mask, reason, column in checks:
            self.refuse(mask, reason, column)
        return self

    @property
    def quarantine(self) -> pd.DataFrame:
        return concat_quarantine(self.parts)
