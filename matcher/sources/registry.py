"""User-supplied business-registry exports in the 企查查 / 天眼查 style (工商登记信息导出).

Planners export firm lists from commercial registry services; no copy exists offline. The loader is
a function of the file the user names — ``load_registry_export(path)`` — so it is not in ``LOADERS``.
Files: .xlsx, .xls or .csv (UTF-8, UTF-8 with BOM or GB18030); title/notice lines above the header
are skipped (see :func:`matcher.sources.miit.read_user_table`).

Header synonyms (whitespace and full-width brackets ignored; first match wins):

==================  ==================================================================
canonical           headers accepted
==================  ==================================================================
legal_name          企业名称, 公司名称, 名称                                  (required)
uscc                统一社会信用代码, 社会统一信用代码, 信用代码               (required)
legal_rep           法定代表人, 法人代表, 法人, 负责人
reg_capital_raw     注册资本, 注册资金, 注册资本(万元)
setup_date          成立日期, 成立时间, 注册日期, 登记日期
status              登记状态, 经营状态, 企业状态, 状态
province            所属省份, 省份, 所属省
city                所属城市, 城市, 所属市
county              所属区县, 区县, 所属县区
reg_address         注册地址, 企业地址, 地址, 住所
gb_section          国标行业门类, 行业门类
gb_division         国标行业大类, 行业大类
gb_group            国标行业中类, 行业中类
gb_class            国标行业小类, 行业小类
industry            所属行业, 行业, 所属行业(国标)       (single-column exports: kept as given)
company_type        企业类型, 公司类型, 企业(机构)类型
insured_staff       参保人数
former_names        曾用名
name_en             英文名称, 英文名
website             网址, 官网, 企业网址
business_scope      经营范围
==================  ==================================================================

Canonical schema: the columns above (text, as given, stripped; blanks and ``-`` null), plus
    uscc (upper-case, NFKC), uscc_region (characters 3–8 of the code: the 6-digit division code of
    the registering authority — a location hint, not the firm's current address),
    reg_capital_amount_wan (float: the amount in 万 of its own currency), reg_capital_currency (ISO
    code: CNY, USD, HKD, EUR, JPY, GBP, …; the text itself if unknown), reg_capital_wan (float,
    万元 CNY — null unless the currency is CNY), reg_capital_non_cny (boolean flag: capital in another
    currency, not converted since no exchange rate is implied by the export), setup_date
    (datetime64), insured_staff (Int64).

Capital strings: ``5000万元人民币``, ``5000万人民币``, ``1,000万元``, ``1.2亿元``, ``50000元``, ``100万美元``,
``500万(港元)``, ``500万元整`` (整: "exactly"), ``1e3万`` (scientific notation); a bare number is read as 万元 (exports state capital in 万 by convention; a header
``注册资本(万元)`` says so). Dates: ``2010-05-12``, ``2010/5/12``, ``2010.05.12``, ``2010年5月12日``,
``20100512``, Excel date cells.

Quarantine reasons: missing 企业名称; missing 统一社会信用代码; invalid 统一社会信用代码 (wrong length, a
character outside the GB 32100-2015 set ``0-9 A-H J-N P-R T U W-Y``, unknown registering-authority
code, non-digit division code, or a wrong check character — the 18th, computed with the standard's
weights 3^(i-1) mod 31); duplicate 统一社会信用代码 (first kept); unparseable 成立日期; impossible 成立日期
(before 1900 or after today); unparseable 注册资本 (also an amount followed by text that is no currency,
``1e3x万``); unparseable 参保人数. Quarantine ``row`` numbers count data rows below the header.
"""

from __future__ import annotations

import math
import re
import unicodedata
from pathlib import Path

import pandas as pd

from matcher.sources.base import LoadResult, concat_quarantine, quarantine_rows
from matcher.sources.miit import read_user_table

SOURCE = "registry.export"

SYNONYMS: dict[str, tuple[str, ...]] = {
    "legal_name": ("企业名称", "公司名称", "名称"),
    "uscc": ("统一社会信用代码", "社会统一信用代码", "信用代码"),
    "legal_rep": ("法定代表人", "法人代表", "法人", "负责人"),
    "reg_capital_raw": ("注册资本", "注册资金", "注册资本(万元)", "注册资本（万元）"),
    "setup_date": ("成立日期", "成立时间", "注册日期", "登记日期"),
    "status": ("登记状态", "经营状态", "企业状态", "状态"),
    "province": ("所属省份", "省份", "所属省"),
    "city": ("所属城市", "城市", "所属市"),
    "county": ("所属区县", "区县", "所属县区"),
    "reg_address": ("注册地址", "企业地址", "地址", "住所"),
    "gb_section": ("国标行业门类", "行业门类"),
    "gb_division": ("国标行业大类", "行业大类"),
    "gb_group": ("国标行业中类", "行业中类"),
    "gb_class": ("国标行业小类", "行业小类"),
    "industry": ("所属行业", "行业", "所属行业(国标)"),
    "company_type": ("企业类型", "公司类型", "企业(机构)类型"),
    "insured_staff": ("参保人数",),
    "former_names": ("曾用名",),
    "name_en": ("英文名称", "英文名"),
    "website": ("网址", "官网", "企业网址"),
    "business_scope": ("经营范围",),
}
REQUIRED = ("legal_name", "uscc")
TEXT_COLUMNS = [
    "legal_name", "legal_rep", "status", "province", "city", "county", "reg_address", "gb_section",
    "gb_division", "gb_group", "gb_class", "industry", "company_type", "former_names", "name_en",
    "website", "business_scope",
]  # fmt: skip
COLUMNS = [
    "legal_name", "uscc", "uscc_region", "legal_rep", "reg_capital_raw", "reg_capital_amount_wan",
    "reg_capital_currency", "reg_capital_wan", "reg_capital_non_cny", "setup_date", "status",
    "province", "city", "county", "reg_address", "gb_section", "gb_division", "gb_group", "gb_class",
    "industry", "company_type", "insured_staff", "former_names", "name_en", "website", "business_scope",
]  # fmt: skip

# --- unified social credit code (GB 32100-2015) ---------------------------------------------------

#: The 31 characters allowed (no I, O, S, V, Z), in the order that gives their values 0..30.
USCC_CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
#: Weights of positions 1..17: 3^(i-1) mod 31.
USCC_WEIGHTS = tuple(pow(3, i, 31) for i in range(17))
#: Registering-authority codes (position 1): 1 机构编制, 5 民政, 9 工商(市场监管), Y 其他, and the others.
USCC_AUTHORITIES = set("123456789ANY")


def uscc_check_char(first17: str) -> str:
    """The 18th (check) character for the first 17 characters of a code."""
    total = sum(USCC_CHARSET.index(c) * w for c, w in zip(first17, USCC_WEIGHTS, strict=True))
    return USCC_CHARSET[(31 - total % 31) % 31]


def uscc_problem(code: str) -> str | None:
    """Why ``code`` is not a valid unified social credit code, or None if it is."""
    if len(code) != 18:
        return f"length {len(code)}, expected 18"
    bad = [c for c in code if c not in USCC_CHARSET]
    if bad:
        return f"character {bad[0]!r} not allowed"
    if code[0] not in USCC_AUTHORITIES:
        return f"unknown registering-authority code {code[0]!r}"
    if not code[2:8].isdigit():
        return "division code (characters 3-8) not digits"
    expected = uscc_check_char(code[:17])
    if code[17] != expected:
        return f"check character {code[17]!r}, expected {expected!r}"
    return None


def uscc_is_valid(code: object) -> bool:
    return isinstance(code, str) and uscc_problem(code) is None


# --- registered capital ----------------------------------------------------------------------------

_CAPITAL = re.compile(r"^(?P<num>(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?)(?P<unit>百万|万|亿|千)?(?P<rest>.*)$")
#: words that follow an amount without changing it (``500万元整``: "500万元 exactly")
_AMOUNT_SUFFIXES = ("整", "正")
_UNIT_TO_WAN = {"千": 0.1, "万": 1.0, "百万": 100.0, "亿": 10000.0}
_CURRENCIES = {
    "": "CNY", "元": "CNY", "人民币": "CNY", "元人民币": "CNY", "人民币元": "CNY", "RMB": "CNY", "CNY": "CNY",
    "美元": "USD", "USD": "USD", "港元": "HKD", "港币": "HKD", "HKD": "HKD", "欧元": "EUR", "EUR": "EUR",
    "日元": "JPY", "JPY": "JPY", "英镑": "GBP", "GBP": "GBP", "澳元": "AUD", "澳大利亚元": "AUD",
    "加元": "CAD", "加拿大元": "CAD", "新加坡元": "SGD", "瑞士法郎": "CHF", "韩元": "KRW", "新台币": "TWD",
    "台币": "TWD", "澳门元": "MOP",
}  # fmt: skip


#: an unknown currency must still look like one: a Chinese name ending in 元/币/镑/法郎/卢布/… or an ISO code
_CURRENCY_WORD = re.compile(r"[\u4e00-\u9fff]{0,8}(?:元|币|镑|法郎|马克|卢布|比索|里拉|卢比|克朗|克郎|兰特|第纳尔|林吉特|铢|盾|雷亚尔|先令|比塞塔|埃斯库多|兹罗提|福林|列伊|里亚尔|迪拉姆|谢克尔|比尔)|[A-Z]{3}")


def parse_capital(value: object) -> tuple[float | None, str | None, bool]:
    """``"5000万元人民币"`` → (5000.0, "CNY", True): amount in 万 of its currency, currency, parsed ok.

    Blank / ``-`` → (None, None, True). Unparseable → (None, None, False). An unknown currency text
    is returned as the currency (the row is then flagged non-CNY, not refused).
    """
    if value is None or value is pd.NA:
        return None, None, True
    text = unicodedata.normalize("NFKC", str(value))
    text = "".join(text.split()).replace(",", "")
    if text in ("", "-", "--", "—"):
        return None, None, True
    m = _CAPITAL.match(text)
    if not m:
        return None, None, False
    rest = re.sub(r"[()\[\]]", "", m.group("rest"))
    for word in _AMOUNT_SUFFIXES:
        rest = rest.removesuffix(word)
    unit = m.group("unit")
    if unit:
        factor = _UNIT_TO_WAN[unit]
    else:
        factor = 1.0 if rest == "" else 1e-4  # bare number: 万 by convention; "50000元" / "50000美元": units
    if rest.startswith("元"):
        rest = rest[1:]  # "万元人民币" → "人民币", "元" → ""
    currency = _CURRENCIES.get(rest, _CURRENCIES.get(rest.upper()))
    if currency is None:
        if not _CURRENCY_WORD.fullmatch(rest):
            return None, None, False  # "1e3x万", "12abc": not a currency, not an amount
        currency = rest  # a currency the table does not know (e.g. 卢布): kept as given, flagged non-CNY
    amount = float(m.group("num")) * factor
    if not math.isfinite(amount) or amount < 0:
        return None, None, False
    return amount, currency, True


# --- dates ------------------------------------------------------------------------------------------

#: A 成立日期 before this (or after today) is a typo, not a firm: no registry export dates a firm so.
EARLIEST_SETUP = pd.Timestamp("1900-01-01")


def parse_cn_dates(values: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Parse the date spellings of Chinese exports; returns (parsed, bad) like base.parse_dates."""
    text = values.astype("string").str.strip()
    text = text.mask(text.isin(["-", "--", "—"]))
    norm = (
        text.str.replace(r"\s.*$", "", regex=True)  # drop a time part
        .str.replace(r"[年月./]", "-", regex=True)
        .str.replace("日", "", regex=False)
    )
    out = pd.Series(pd.NaT, index=values.index, dtype="datetime64[us]")
    dashed = norm.str.fullmatch(r"\d{4}-\d{1,2}-\d{1,2}").fillna(False).astype(bool)
    compact = norm.str.fullmatch(r"\d{8}").fillna(False).astype(bool)
    if dashed.any():
        out[dashed] = pd.to_datetime(norm[dashed], format="%Y-%m-%d", errors="coerce")
    if compact.any():
        out[compact] = pd.to_datetime(norm[compact], format="%Y%m%d", errors="coerce")
    bad = text.notna() & (text != "") & out.isna()
    return out, bad.astype(bool)


# --- loader -----------------------------------------------------------------------------------------


def load_registry_export(path: Path) -> LoadResult:
    """Load a 企查查/天眼查-style registry export (see module docstring)."""
    path = Path(path)
    raw, mapping = read_user_table(path, SYNONYMS, REQUIRED)
    for col in SYNONYMS:
        if col not in raw.columns:
            raw[col] = pd.Series(pd.NA, index=raw.index, dtype="string")
        raw[col] = raw[col].mask(raw[col].isin(["-", "--", "—"]))
    record = raw[list(SYNONYMS)].rename(columns={c: mapping.get(c, c) for c in SYNONYMS})
    rows = pd.Series(raw.index + 1, index=raw.index)
    uscc = raw["uscc"].map(lambda v: pd.NA if v is pd.NA else "".join(unicodedata.normalize("NFKC", v).split()).upper())
    uscc = uscc.astype("string")
    problem = uscc.map(lambda v: None if v is pd.NA else uscc_problem(v))
    capital = raw["reg_capital_raw"].map(parse_capital)
    cap_ok = capital.map(lambda t: t[2]).astype(bool)
    setup, bad_setup = parse_cn_dates(raw["setup_date"])
    staff = pd.to_numeric(raw["insured_staff"].str.replace(",", "", regex=False), errors="coerce")
    bad_staff = raw["insured_staff"].notna() & (staff.isna() | (staff % 1 != 0) | (staff < 0))
    header = {c: mapping.get(c, SYNONYMS[c][0]) for c in SYNONYMS}
    parts = []
    keep = pd.Series(True, index=raw.index)
    checks = [
        (raw["legal_name"].isna(), f"missing {header['legal_name']}", header["legal_name"]),
        (uscc.isna(), f"missing {header['uscc']}", header["uscc"]),
        (problem.notna(), None, header["uscc"]),
    ]
    for mask, reason, column in checks:
        hit = keep & mask.fillna(False).astype(bool)
        reasons = reason if reason is not None else [f"invalid {header['uscc']} ({p})" for p in problem[hit]]
        parts.append(quarantine_rows(SOURCE, path, record[hit], reasons, column=column, row_numbers=rows[hit]))
        keep &= ~hit
    dup = uscc.where(keep).duplicated(keep="first") & keep & uscc.notna()
    parts.append(
        quarantine_rows(
            SOURCE, path, record[dup], f"duplicate {header['uscc']} (first occurrence kept)", column=header["uscc"], row_numbers=rows[dup]
        )
    )
    keep &= ~dup
    impossible = setup.notna() & ((setup < EARLIEST_SETUP) | (setup > pd.Timestamp.today().normalize()))
    for mask, col, what, why in ((bad_setup, "setup_date", "unparseable", ""),
                                 (impossible, "setup_date", "impossible", f" (before {EARLIEST_SETUP.year} or after today)"),
                                 (~cap_ok, "reg_capital_raw", "unparseable", ""), (bad_staff, "insured_staff", "unparseable", "")):
        hit = keep & mask
        parts.append(
            quarantine_rows(SOURCE, path, record[hit], f"{what} {header[col]}{why}", column=header[col], row_numbers=rows[hit])
        )
        keep &= ~hit
    r = raw[keep]
    cap = capital[keep]
    amount = pd.Series([t[0] for t in cap], index=r.index, dtype="float64")
    currency = pd.Series([t[1] for t in cap], index=r.index, dtype="string")
    is_cny = currency == "CNY"
    frame = pd.DataFrame(
        {
            "legal_name": r["legal_name"],
            "uscc": uscc[keep],
            "uscc_region": uscc[keep].str.slice(2, 8),
            "legal_rep": r["legal_rep"],
            "reg_capital_raw": r["reg_capital_raw"],
            "reg_capital_amount_wan": amount,
            "reg_capital_currency": currency,
            "reg_capital_wan": amount.where(is_cny.fillna(False).astype(bool)),
            "reg_capital_non_cny": (currency.notna() & (currency != "CNY")).astype("boolean"),
            "setup_date": setup[keep],
            "insured_staff": staff[keep].astype("Int64"),
            **{c: r[c] for c in TEXT_COLUMNS if c not in ("legal_name", "legal_rep")},
        }
    )[COLUMNS].reset_index(drop=True)
    return LoadResult(SOURCE, frame, concat_quarantine(parts), len(raw), [str(path)],
                      row_numbers=[int(n) for n in rows[keep]])


__all__ = [
    "load_registry_export",
    "parse_capital",
    "parse_cn_dates",
    "uscc_check_char",
    "uscc_is_valid",
    "uscc_problem",
]
