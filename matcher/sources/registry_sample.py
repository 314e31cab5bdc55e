"""The business-registry sample (``registry_sample_2019/registrations.parquet``): 3.0 million
registrations 1978 – April 2019, a *sample* (190 large province-year files absent; SOURCE.md).

Loader ``registry.sample`` (in :data:`LOADERS`, so ``matcher data summary`` reconciles it). The file's
columns are strings: 企业名称, 统一社会信用代码, 注册日期, 企业类型, 注册资金, 经营范围, 所在省份, 地区,
注册地址, source_file. :func:`parse_registrations` does the work on any frame of those columns (the
unit tests feed it malformed rows).

Canonical schema (:data:`COLUMNS`), one row per accepted registration:

=======================  =========================================================================
row                      1-based row number in the file (the quarantine uses the same numbering)
uscc                     the code as given (NFKC, upper case, spaces removed)
code_kind                ``uscc`` (18 characters), ``regno`` (15-digit 工商注册号 of before 2015),
                         ``other`` (any other length)
uscc_valid               the code passes GB 32100-2015 (length, character set, check character);
                         rows that fail are **kept** and flagged, not dropped
uscc_problem             why not (null when valid, and for ``regno`` codes, which have no check here)
authority_code           the registering authority's 6-digit area code: characters 3–8 of a credit
                         code, 1–6 of a registration number; null when not six digits
legal_name               企业名称 (stripped)
reg_date                 注册日期 (datetime64)
org_type_raw / org_type  企业类型 as given / normalised (:data:`ORG_TYPES`; null when not stated)
reg_capital_raw          注册资金 as given
reg_capital_amount_wan   the amount in 万 of its own currency (null when not stated)
reg_capital_currency     ISO code (CNY, USD, HKD, EUR, JPY, GBP, DEM, …)
reg_capital_wan          万元 CNY (null unless the currency is CNY: no exchange rate is implied)
capital_unit_assumed     the text gave a number without a unit (``100()``, ``60``): read as 万
business_scope           经营范围 (first 120 characters, as staged)
province, city, address  所在省份, 地区, 注册地址
source_file              the origin's ``csv/<year>/<province>.csv``
=======================  =========================================================================

Capital spellings seen in the file: ``500(万元人民币)``, ``1,000(万元)``, ``60万人民币``, ``50(万美元)``,
``500,000(人民币元)`` (元, so 50 万), ``100()`` (no unit: 万 assumed and flagged), ``N(万元(港币))``,
``NE-06万人民币``; not stated: empty, ``-``, ``N/A``, a currency word without a number.

Quarantine reasons (first failing check only, so read = accepted + quarantined):
missing 企业名称; columns shifted (所在省份 is not a province — the origin's CSV split a 法人代表 with a
comma); unparseable 注册资金 (text with no amount — also a shifted row — or a number with an unknown
unit); unparseable 注册日期 / 注册日期 outside 1949-10-01 .. 2019-05-31; duplicate 统一社会信用代码 (the
first occurrence in file order is kept: 176 rows, mostly exact repeats).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pandas as pd

from matcher.sources.base import (
    LoadResult,
    SourceError,
    concat_quarantine,
    quarantine_rows,
    require_file,
)
from matcher.sources.registry import USCC_AUTHORITIES, USCC_CHARSET, parse_capital

SOURCE = "registry.sample"
FOLDER = "registry_sample_2019"
FILE = f"{FOLDER}/registrations.parquet"

RAW_COLUMNS = ["企业名称", "统一社会信用代码", "注册日期", "企业类型", "注册资金", "经营范围", "所在省份", "地区",
               "注册地址", "source_file"]
COLUMNS = [
    "row", "uscc", "code_kind", "uscc_valid", "uscc_problem", "authority_code", "legal_name", "reg_date",
    "org_type_raw", "org_type", "reg_capital_raw", "reg_capital_amount_wan", "reg_capital_currency",
    "reg_capital_wan", "capital_unit_assumed", "business_scope", "province", "city", "address", "source_file",
]  # fmt: skip

#: the 31 mainland provinces as the file writes them (short names)
PROVINCES = ("北京", "天津", "河北", "山西", "内蒙古", "辽宁", "吉林", "黑龙江", "上海", "江苏", "浙江", "安徽", "福建",
             "江西", "山东", "河南", "湖北", "湖南", "广东", "广西", "海南", "重庆", "四川", "贵州", "云南", "西藏",
             "陕西", "甘肃", "青海", "宁夏", "新疆")
DATE_MIN, DATE_MAX = pd.Timestamp("1949-10-01"), pd.Timestamp("2019-05-31")
_BLANKS = {"", "-", "--", "—", "N/A", "NA", "n/a", "null", "NULL", "None"}

#: 企业类型 normalised: (pattern, type), first match wins
ORG_TYPES: tuple[tuple[str, str], ...] = (
    (r"常驻代表", "外国企业常驻代表机构"),
    (r"个体", "个体工商户"),
    (r"农民专业合作|合作社", "农民专业合作社"),
    (r"分支机构|分公司|非法人|营业单位|经营单位|营业$", "分支机构"),
    (r"外商|外资|港、澳、台|港澳台|中外合资|中外合作|台港澳", "外商投资企业"),
    (r"股份合作", "股份合作制企业"),
    (r"股份有限公司|股份制", "股份有限公司"),
    (r"有限责任公司|有限公司", "有限责任公司"),
    (r"独资", "个人独资企业"),
    (r"合伙", "合伙企业"),
    (r"集体", "集体所有制企业"),
    (r"国有|全民", "国有企业"),
    (r"联营", "联营企业"),
    (r"私营", "私营企业"),
    (r"来料加工", "来料加工"),
)

_EXTRA_CURRENCY = {"香港元": "港元", "港币元": "港元", "美": "美元", "澳大利亚元": "澳元"}
_CURRENCY_CODES = {"德国马克": "DEM", "法国法郎": "FRF", "丹麦克郎": "DKK", "丹麦克朗": "DKK", "瑞典克朗": "SEK",
                   "挪威克朗": "NOK", "荷兰盾": "NLG", "意大利里拉": "ITL", "新西兰元": "NZD"}
_CURRENCY_WORDS = ("人民币", "元", "美元", "港元", "港币", "欧元", "日元", "英镑")
_NUM_EXP = re.compile(r"^(\d+(?:\.\d+)?)[Ee]([-+]?\d+)(.*)$")


# --- credit codes (vectorised GB 32100-2015) --------------------------------------------------------

_VALUE = np.full(128, -1, dtype=np.int64)
for _i, _c in enumerate(USCC_CHARSET):
    _VALUE[ord(_c)] = _i
_WEIGHTS = np.array([pow(3, i, 31) for i in range(17)], dtype=np.int64)


def clean_codes(values: pd.Series) -> pd.Series:
    """NFKC, spaces removed, upper case; blanks → null."""
    def one(v: object) -> object:
        if not isinstance(v, str):
            return None
        s = "".join(unicodedata.normalize("NFKC", v).split()).upper()
        return s or None

    return values.map(one).astype("string")


def check_codes(codes: pd.Series) -> pd.DataFrame:
    """code_kind, uscc_valid, uscc_problem and authority_code for a Series of cleaned codes
    (vectorised: 3 million codes in about a second)."""
    s = codes.astype("string")
    n = len(s)
    length = s.str.len().fillna(0).astype("int64").to_numpy()
    kind = np.where(length == 18, "uscc", np.where((length == 15) & s.str.fullmatch(r"\d{15}").fillna(False).to_numpy(),
                                                   "regno", "other"))
    problem = np.full(n, None, dtype=object)
    valid = np.zeros(n, dtype=bool)
    is18 = np.flatnonzero(length == 18)
    if len(is18):
        arr = np.array(s.iloc[is18].tolist(), dtype="<U18")
        cp = arr.view(np.uint32).reshape(-1, 18).astype(np.int64)
        vals = np.where(cp < 128, _VALUE[np.minimum(cp, 127)], -1)
        bad_char = (vals < 0).any(axis=1)
        total = (vals[:, :17] * _WEIGHTS).sum(axis=1)
        expect = (31 - total % 31) % 31
        auth_ok = np.isin(arr.astype("<U1"), list(USCC_AUTHORITIES))
        digits_ok = (cp[:, 2:8] >= 48).all(axis=1) & (cp[:, 2:8] <= 57).all(axis=1)
        check_ok = vals[:, 17] == expect
        ok = ~bad_char & auth_ok & digits_ok & check_ok
        valid[is18] = ok
        reasons = np.where(bad_char, "character outside the GB 32100-2015 set",
                           np.where(~auth_ok, "unknown registering-authority code",
                                    np.where(~digits_ok, "division code (characters 3-8) not digits",
                                             np.where(~check_ok, "wrong check character", None))))
        problem[is18] = reasons
    other = (kind == "other") & s.notna().to_numpy()
    problem[other] = [f"length {k}, expected 18" for k in length[other]]
    problem[s.isna().to_numpy()] = "missing"
    auth = pd.Series(pd.NA, index=codes.index, dtype="string")
    auth[kind == "uscc"] = s[kind == "uscc"].str.slice(2, 8)
    auth[kind == "regno"] = s[kind == "regno"].str.slice(0, 6)
    auth = auth.where(auth.str.fullmatch(r"\d{6}").fillna(False).astype(bool))
    return pd.DataFrame({"code_kind": kind, "uscc_valid": valid, "uscc_problem": pd.array(problem, dtype="string"),
                         "authority_code": auth}, index=codes.index)


# --- capital -----------------------------------------------------------------------------------------


def parse_capital_text(value: object) -> tuple[float | None, str | None, bool, bool]:
    """(amount in 万 of its currency, currency, parsed ok, unit assumed) for one 注册资金 text."""
    if not isinstance(value, str):
        return None, None, True, False
    text = "".join(unicodedata.normalize("NFKC", value).split())
    if text in _BLANKS:
        return None, None, True, False
    text = re.sub(r"[()\[\]]", "", text).replace(",", "")
    if text in _CURRENCY_WORDS or text in ("万人民币", "万元", "万元人民币", "万"):
        return None, None, True, False  # a unit without an amount: not stated
    m = _NUM_EXP.match(text)
    if m:
        text = f"{float(m.group(1)) * 10 ** int(m.group(2)):.10f}".rstrip("0").rstrip(".") + m.group(3)
    for k, v in _EXTRA_CURRENCY.items():
        if text.endswith(k):
            text = text[: -len(k)] + v
    if text == "" or not text[0].isdigit():
        return None, None, False, False
    assumed = bool(re.fullmatch(r"\d+(?:\.\d+)?", text))
    if "/" in text:
        return None, None, False, False  # 元/万元: the unit is not decided
    amount, currency, ok = parse_capital(text)
    if ok and currency is not None:
        currency = _CURRENCY_CODES.get(currency, currency)
        if not re.fullmatch(r"[A-Z]{3}", currency):
            return None, None, False, False
    return amount, currency, ok, assumed


def parse_capitals(values: pd.Series) -> pd.DataFrame:
    """:func:`parse_capital_text` over a Series, each distinct text parsed once."""
    uniq = pd.unique(values.astype("object"))
    table = {v: parse_capital_text(v) for v in uniq if isinstance(v, str)}
    none = (None, None, True, False)
    rows = [table.get(v, none) if isinstance(v, str) else none for v in values.astype("object")]
    out = pd.DataFrame(rows, columns=["amount", "currency", "ok", "assumed"], index=values.index)
    return out.astype({"amount": "float64", "currency": "string", "ok": bool, "assumed": bool})


def normalise_org_type(values: pd.Series) -> pd.Series:
    """企业类型 → one of the :data:`ORG_TYPES` names, ``其他`` for anything else, null when not stated."""
    uniq = pd.unique(values.astype("object"))
    table: dict[object, object] = {}
    for v in uniq:
        if not isinstance(v, str) or v.strip() in _BLANKS:
            table[v] = None
            continue
        t = unicodedata.normalize("NFKC", v)
        table[v] = next((name for pat, name in ORG_TYPES if re.search(pat, t)), "其他")
    return values.astype("object").map(table).astype("string")


# --- the loader ----------------------------------------------------------------------------------------


def _strip(s: pd.Series) -> pd.Series:
    t = s.astype("string").str.strip()
    return t.mask(t == "")


def parse_registrations(raw: pd.DataFrame, file: str | Path = FILE, *, first_row: int = 1,
                        duplicate: pd.Series | np.ndarray | None = None) -> LoadResult:
    """Screen and parse raw rows (the file's columns, as strings, in file order) into :data:`COLUMNS`.

    ``first_row`` numbers the rows of a chunk; ``duplicate`` (one flag per row) says which codes an
    earlier row of the whole file already had (default: computed within ``raw``)."""
    missing = [c for c in RAW_COLUMNS if c not in raw.columns]
    if missing:
        raise SourceError(file, f"required column missing (columns present: {sorted(map(str, raw.columns))})", column=missing[0])
    raw = raw.reset_index(drop=True)
    rows = pd.Series(np.arange(first_row, first_row + len(raw), dtype=np.int64), index=raw.index)
    name = _strip(raw["企业名称"])
    province = _strip(raw["所在省份"])
    uscc = clean_codes(raw["统一社会信用代码"])
    cap = parse_capitals(raw["注册资金"])
    date_text = _strip(raw["注册日期"])
    date = pd.to_datetime(date_text, format="%Y-%m-%d", errors="coerce")
    keep = pd.Series(True, index=raw.index)
    parts: list[pd.DataFrame] = []

    def refuse(mask: pd.Series, reason: str, column: str) -> None:
        nonlocal keep
        hit = keep & mask.fillna(False).astype(bool)
        if hit.any():
            parts.append(quarantine_rows(SOURCE, file, raw[hit], reason, column=column, row_numbers=rows[hit]))
        keep &= ~hit

    refuse(name.isna(), "missing 企业名称", "企业名称")
    refuse(province.notna() & ~province.isin(PROVINCES), "columns shifted: 所在省份 is not a province", "所在省份")
    refuse(~cap["ok"], "unparseable 注册资金", "注册资金")
    refuse(date.isna(), "unparseable 注册日期", "注册日期")
    refuse((date < DATE_MIN) | (date > DATE_MAX), "注册日期 outside 1949-10-01 .. 2019-05-31", "注册日期")
    dup = (pd.Series(np.asarray(duplicate, dtype=bool), index=raw.index) if duplicate is not None
           else uscc.duplicated(keep="first") & uscc.notna())
    refuse(dup, "duplicate 统一社会信用代码 (first occurrence kept)", "统一社会信用代码")

    k = keep.to_numpy()
    codes = check_codes(uscc[k])
    c = cap[k]
    is_cny = (c["currency"] == "CNY").fillna(False).astype(bool)
    frame = pd.DataFrame({
        "row": rows[k],
        "uscc": uscc[k],
        **{col: codes[col] for col in ("code_kind", "uscc_valid", "uscc_problem", "authority_code")},
        "legal_name": name[k],
        "reg_date": date[k].astype("datetime64[us]"),
        "org_type_raw": _strip(raw.loc[k, "企业类型"]),
        "org_type": normalise_org_type(raw.loc[k, "企业类型"]),
        "reg_capital_raw": _strip(raw.loc[k, "注册资金"]),
        "reg_capital_amount_wan": c["amount"],
        "reg_capital_currency": c["currency"],
        "reg_capital_wan": c["amount"].where(is_cny),
        "capital_unit_assumed": c["assumed"],
        "business_scope": _strip(raw.loc[k, "经营范围"]),
        "province": province[k],
        "city": _strip(raw.loc[k, "地区"]),
        "address": _strip(raw.loc[k, "注册地址"]),
        "source_file": raw.loc[k, "source_file"].astype("string"),
    })[COLUMNS].reset_index(drop=True)
    frame["code_kind"] = frame["code_kind"].astype("string")
    return LoadResult(SOURCE, frame, concat_quarantine(parts), len(raw), [str(file)])


def iter_raw(path: Path, batch_rows: int = 250_000) -> Iterator[pd.DataFrame]:
    """The file's columns as strings, in file order, in batches (bounded memory)."""
    import pyarrow.parquet as pq

    require_file(path)
    try:
        pf = pq.ParquetFile(path)
        have = set(pf.schema_arrow.names)
        miss = [c for c in RAW_COLUMNS if c not in have]
        if miss:
            raise SourceError(path, f"required column missing (columns present: {sorted(have)})", column=miss[0])
        for batch in pf.iter_batches(batch_size=batch_rows, columns=RAW_COLUMNS):
            df = batch.to_pandas()
            for col in RAW_COLUMNS:
                df[col] = df[col].astype("string")
            yield df
    except (OSError, ValueError, KeyError) as exc:  # pyarrow raises ArrowInvalid (a ValueError) on a bad file
        if isinstance(exc, SourceError):
            raise
        raise SourceError(path, f"cannot read as Parquet: {exc}") from exc


def duplicate_codes(path: Path) -> np.ndarray:
    """One flag per row of the file: an earlier row has the same (cleaned) code."""
    import pyarrow.parquet as pq

    codes = clean_codes(pq.read_table(path, columns=["统一社会信用代码"]).column(0).to_pandas().astype("string"))
    return (codes.duplicated(keep="first") & codes.notna()).to_numpy()


def load_registry_sample(data_dir: Path, path: Path | None = None, batch_rows: int = 250_000) -> LoadResult:
    """Load ``registry_sample_2019/registrations.parquet`` (see module docstring), batch by batch."""
    path = Path(path) if path is not None else Path(data_dir) / FILE
    require_file(path)
    try:
        dup = duplicate_codes(path)
    except (OSError, ValueError, KeyError) as exc:
        raise SourceError(path, f"cannot read as Parquet: {exc}", column="统一社会信用代码") from exc
    frames, quarantines, read, start = [], [], 0, 1
    for raw in iter_raw(path, batch_rows):
        res = parse_registrations(raw, path, first_row=start, duplicate=dup[start - 1:start - 1 + len(raw)])
        frames.append(res.frame)
        quarantines.append(res.quarantine)
        read += res.rows_read
        start += len(raw)
    frame = pd.concat(frames, ignore_index=True) if frames else parse_registrations(pd.DataFrame(columns=RAW_COLUMNS)).frame
    return LoadResult(SOURCE, frame, concat_quarantine(quarantines), read, [str(path)])


LOADERS = {SOURCE: load_registry_sample}

__all__ = ["COLUMNS", "FILE", "FOLDER", "LOADERS", "ORG_TYPES", "SOURCE", "check_codes", "load_registry_sample",
           "normalise_org_type", "parse_capital_text", "parse_capitals", "parse_registrations"]
