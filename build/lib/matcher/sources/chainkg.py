"""The industry-chain knowledge graph (ChainKnowledgeGraph, liuhuanyong, Oct 2021).

Entity and industry files come from ``chainkg_liuhuanyong/`` (JSON Lines). The two large relation
files exist only inside the SurrealDB script ``chainkg_surrealdb_sql/data.zip``; they are parsed here
from the ORIGINAL ``data.sql`` statements (not from the derived JSONL copies in that folder), one
statement per row, so row numbers in the quarantine are 1-based statement numbers of that relation.

Canonical schemas (codes are strings; ``stock_code`` is the bare 6-digit code, ``ts_code`` carries
the exchange suffix; Shenwan 2021 codes are 6 digits, level 1 ``XX0000``, level 2 ``XXYY00``):

``chainkg.company`` (4,654 rows read) — stock_code, ts_code, exchange, short_name, legal_name,
    list_date, alt_names (';'-joined names of the other rows for the same code), repair (null, or what
    was repaired: 86 rows repeat the exchange in ``time``, so their list_date is null). 752 codes come bare: the exchange is taken from ``location``. The column-shifted row
    (300054.SZ 鼎龙股份, location = its listing date) is repaired from its code suffix and counted.
    Codes listed twice (renamed firms: 新金路 / 金路集团) keep the first row; the others are quarantined
    and their names kept in ``alt_names``.
``chainkg.company_industry`` (4,430; one code written in lower case, 300957.sz, is upper-cased) — ts_code, stock_code, exchange, company_name, sw_code, sw_name,
    sw_l1_code, sw_l2_code, sw_l3_code (every code in the file is a level-3 code), industry_code_raw,
    repair. The file's codes disagree with industry.json in 196 rows: 8 codes are absent there (420101
    港口) and 4 name another industry (610202 = 玻璃制造 here, 玻纤制造 in industry.json); the name is
    unique in industry.json, so the code is remapped by name (421102 港口, 610201 玻璃制造), said in ``repair``.
``chainkg.industry`` (511) — sw_code, name, name_clean (without the Ⅱ/Ⅲ disambiguators), level, parent_code.
``chainkg.industry_hierarchy`` (480) — child_code, child_name, parent_code, parent_name.
``chainkg.industry_up`` (5,256 pairs read, one row per key of ``ups``) — industry_code, industry_name,
    up_code, up_name, count. Names are resolved to codes through industry.json (a trailing Ⅱ/Ⅲ that the
    table lacks is dropped when that makes the name unique); unresolved names are quarantined.
``chainkg.product`` (95,559) — product (the term, whitespace removed).
``chainkg.company_product`` (53,785 statements) — ts_code, stock_code, product, weight, weight_kind.
    weight_kind: ``share`` (0 < w ≤ 1, a revenue share from segment tables), ``placeholder`` (exactly
    0.001: the flat value given to items taken from business-scope text, 14,714 rows), ``over_one``
    (w > 1, 48 rows: unnormalised segment values). Quarantined: exact duplicates (578), negative weights
    (763: segment eliminations such as 分部间抵销), zero weights, unparseable statements.
``chainkg.product_relation`` (110,153 statements) — from_product, rel, to_product, kind. rel is the
    source's label: 上游材料 (to is an upstream material of from; kind ``upstream``), 产品小类 (to is a
    subcategory of from; ``subcategory``), 下游产品 (to is a downstream product of from; ``downstream``).
    Quarantined: self-relations (from == to) and exact duplicates.

Product names with embedded newlines (6 in company→product) are repaired by removing the line
breaks; :func:`product_repairs` counts them. Counts reproduce SOURCE.md exactly.
"""

from __future__ import annotations

import functools
import re
import zipfile
from pathlib import Path

import pandas as pd

from matcher.sources.base import (
    LoadResult,
    SourceError,
    concat_quarantine,
    parse_dates,
    quarantine_rows,
    read_json_lines,
    require_file,
)

FOLDER = "chainkg_liuhuanyong"
SQL_FOLDER = "chainkg_surrealdb_sql"
SQL_ZIP = "data.zip"
SQL_MEMBER = "data.sql"

#: the flat weight given to products extracted from business-scope text
PLACEHOLDER_WEIGHT = 0.001

EXCHANGE_BY_LOCATION = {"深圳证券交易所": "SZ", "上海证券交易所": "SH", "北京证券交易所": "BJ"}
REL_KIND = {"上游材料": "upstream", "产品小类": "subcategory", "下游产品": "downstream"}

_CODE_RE = re.compile(r"^(\d{6})(?:\.(SZ|SH|BJ))?$")
_STATEMENT_SPLIT = re.compile(r";\n(?=CREATE |RELATE )")
_COMPANY_PRODUCT = re.compile(
    r"RELATE company:(\d{6})(SZ|SH|BJ)?->company_product_relation->"
    r"\(SELECT \* FROM product WHERE name = '(.*)'\) SET name = '(.*?)', weight = (\S+?);?\s*",
    re.S,
)
_PRODUCT_PRODUCT = re.compile(
    r"RELATE \(SELECT \* FROM product WHERE name = '(.*)'\)->product_product_relation->"
    r"\(SELECT \* FROM product WHERE name = '(.*)'\) SET name = '(.*?)';?\s*",
    re.S,
)
_ROMAN_SUFFIX = re.compile(r"[ⅠⅡⅢ]$")


def clean_term(value: str) -> str:
    """A product term without line breaks or surrounding blanks (the SQL kept raw PDF line breaks)."""
    return re.sub(r"\s*\n\s*", "", str(value)).strip()


def shenwan_levels(code: str) -> tuple[str, str, str | None]:
    """(level-1, level-2, level-3 or None) codes of a 6-digit Shenwan 2021 code, from its digits."""
    l1 = code[:2] + "0000"
    l2 = code[:4] + "00"
    return l1, l2, (code if not code.endswith("00") else None)


def shenwan_level(code: str) -> int:
    return 1 if code.endswith("0000") else 2 if code.endswith("00") else 3


# ---------------------------------------------------------------------------- company


def load_company(data_dir: Path) -> LoadResult:
    source = "chainkg.company"
    path = Path(data_dir) / FOLDER / "company.json"
    raw = read_json_lines(path, ["name", "fullname", "code", "location", "time"]).astype("string")
    m = raw["code"].str.strip().str.extract(_CODE_RE)
    stock, suffix = m[0], m[1]
    from_location = raw["location"].map(EXCHANGE_BY_LOCATION)
    shifted = from_location.isna() & raw["location"].str.match(r"^\d{4}-\d{2}-\d{2}$").fillna(False)
    exchange = suffix.fillna(from_location.astype("string"))
    repair = pd.Series(pd.NA, index=raw.index, dtype="string")
    repair[shifted & suffix.notna()] = "location held the listing date; exchange from the code suffix"
    # 86 rows repeat the exchange in ``time``: the listing date is unknown there, the row is kept
    time_is_exchange = raw["time"].isin(list(EXCHANGE_BY_LOCATION))
    repair[time_is_exchange] = "time held the exchange name; list_date unknown"
    no_time = time_is_exchange | (raw["time"].str.strip() == "-")  # 5 rows write "-" for unknown
    list_date, bad_date = parse_dates(raw["time"].mask(no_time), "%Y-%m-%d")

    bad_code = stock.isna()
    no_exchange = ~bad_code & exchange.isna()
    parts = [
        quarantine_rows(source, path, raw[bad_code], "malformed code", column="code"),
        quarantine_rows(source, path, raw[no_exchange], "exchange unknown (bare code, location not an exchange)", column="location"),
    ]
    keep = ~bad_code & ~no_exchange
    parts.append(quarantine_rows(source, path, raw[keep & bad_date], "unparseable time", column="time"))
    keep &= ~bad_date
    dup = stock.where(keep).duplicated(keep="first") & keep
    parts.append(
        quarantine_rows(source, path, raw[dup], "duplicate stock code (renamed firm; first row kept, name in alt_names)", column="code")
    )
    ts_code = stock + "." + exchange
    alt = (
        pd.DataFrame({"stock_code": stock[dup], "name": raw.loc[dup, "name"]})
        .groupby("stock_code")["name"]
        .agg(lambda s: ";".join(sorted(set(s))))
    )
    keep &= ~dup
    frame = pd.DataFrame(
        {
            "stock_code": stock[keep],
            "ts_code": ts_code[keep],
            "exchange": exchange[keep],
            "short_name": raw.loc[keep, "name"].str.strip(),
            "legal_name": raw.loc[keep, "fullname"].str.strip(),
            "list_date": list_date[keep],
            "alt_names": stock[keep].map(alt).astype("string"),
            "repair": repair[keep],
        }
    ).reset_index(drop=True)
    return LoadResult(source, frame, concat_quarantine(parts), len(raw), [str(path)])


def load_company_industry(data_dir: Path) -> LoadResult:
    source = "chainkg.company_industry"
    path = Path(data_dir) / FOLDER / "company_industry.json"
    raw = read_json_lines(path, ["company_code", "industry_code", "industry_name", "company_name"]).astype("string")
    m = raw["company_code"].str.strip().str.upper().str.extract(_CODE_RE)  # one code is written 300957.sz
    ind = raw["industry_code"].str.strip()
    bad_code = m[0].isna() | m[1].isna()
    bad_ind = ~bad_code & ~ind.str.fullmatch(r"\d{6}").fillna(False)
    keep = ~bad_code & ~bad_ind
    dup = raw["company_code"].where(keep).duplicated(keep="first") & keep
    parts = [
        quarantine_rows(source, path, raw[bad_code], "malformed company_code", column="company_code"),
        quarantine_rows(source, path, raw[bad_ind], "malformed industry_code", column="industry_code"),
        quarantine_rows(source, path, raw[dup], "duplicate company_code (first row kept)", column="company_code"),
    ]
    # The file uses a slightly different code list than industry.json: 8 codes are absent there (420101
    # 港口; the table has 421102 港口) and 4 mean another industry (610202 is 玻璃制造 in this file, 玻纤制造
    # in industry.json). The industry *name* is the reliable key: where it resolves to another code, the
    # code is remapped by name (196 rows); where it does not resolve (其他能源设备Ⅲ) the code is kept.
    index = _industry_name_index(data_dir)
    known = set(index.values())
    by_name = raw["industry_name"].map(lambda n: _resolve_industry(str(n), index) if isinstance(n, str) else None)
    remap = keep & by_name.notna() & (by_name.astype("string") != ind).fillna(False)
    unresolved = keep & by_name.isna() & ~ind.isin(known).fillna(False)
    parts.append(quarantine_rows(source, path, raw[unresolved], "industry_code not in industry.json and name unknown", column="industry_code"))
    keep &= ~dup & ~unresolved
    ind = ind.where(~remap, by_name.astype("string"))
    repair = pd.Series(pd.NA, index=raw.index, dtype="string")
    repair[remap] = "industry_code " + raw.loc[remap, "industry_code"] + " disagrees with industry.json for this name; remapped by name"
    codes = ind[keep]
    frame = pd.DataFrame(
        {
            "ts_code": m.loc[keep, 0] + "." + m.loc[keep, 1],
            "stock_code": m.loc[keep, 0],
            "exchange": m.loc[keep, 1],
            "company_name": raw.loc[keep, "company_name"],
            "sw_code": codes,
            "sw_name": raw.loc[keep, "industry_name"],
            "sw_l1_code": codes.str.slice(0, 2) + "0000",
            "sw_l2_code": codes.str.slice(0, 4) + "00",
            "sw_l3_code": codes.where(~codes.str.endswith("00")),
            "industry_code_raw": raw.loc[keep, "industry_code"],
            "repair": repair[keep],
        }
    ).reset_index(drop=True)
    return LoadResult(source, frame, concat_quarantine(parts), len(raw), [str(path)])


# ---------------------------------------------------------------------------- industries


def load_industry(data_dir: Path) -> LoadResult:
    source = "chainkg.industry"
    path = Path(data_dir) / FOLDER / "industry.json"
    raw = read_json_lines(path, ["code", "name"]).astype("string")
    code = raw["code"].str.strip()
    bad = ~code.str.fullmatch(r"\d{6}").fillna(False)
    dup = code.where(~bad).duplicated(keep="first") & ~bad
    keep = ~bad & ~dup
    parts = [
        quarantine_rows(source, path, raw[bad], "malformed code", column="code"),
        quarantine_rows(source, path, raw[dup], "duplicate code (first row kept)", column="code"),
    ]
    c = code[keep]
    level = c.map(shenwan_level).astype("int64")
    parent = pd.Series(
        [None if lv == 1 else (x[:2] + "0000" if lv == 2 else x[:4] + "00") for x, lv in zip(c, level, strict=True)],
        index=c.index,
        dtype="string",
    )
    name = raw.loc[keep, "name"].str.strip()
    frame = pd.DataFrame(
        {
            "sw_code": c,
            "name": name,
            "name_clean": name.str.replace(_ROMAN_SUFFIX, "", regex=True),
            "level": level,
            "parent_code": parent,
        }
    ).reset_index(drop=True)
    return LoadResult(source, frame, concat_quarantine(parts), len(raw), [str(path)])


def load_industry_hierarchy(data_dir: Path) -> LoadResult:
    source = "chainkg.industry_hierarchy"
    path = Path(data_dir) / FOLDER / "industry_industry.json"
    raw = read_json_lines(path, ["from_code", "from_industry", "rel", "to_industry", "to_code"]).astype("string")
    bad_rel = raw["rel"] != "上级行业"
    bad_code = ~(raw["from_code"].str.fullmatch(r"\d{6}") & raw["to_code"].str.fullmatch(r"\d{6}")).fillna(False)
    keep = ~bad_rel & ~bad_code
    parts = [
        quarantine_rows(source, path, raw[bad_rel], "rel is not 上级行业", column="rel"),
        quarantine_rows(source, path, raw[~bad_rel & bad_code], "malformed code", column="from_code"),
    ]
    frame = pd.DataFrame(
        {
            "child_code": raw.loc[keep, "from_code"],
            "child_name": raw.loc[keep, "from_industry"],
            "parent_code": raw.loc[keep, "to_code"],
            "parent_name": raw.loc[keep, "to_industry"],
        }
    ).reset_index(drop=True)
    return LoadResult(source, frame, concat_quarantine(parts), len(raw), [str(path)])


def _industry_name_index(data_dir: Path) -> dict[str, str]:
    """Industry name → code, plus names without a trailing Ⅱ/Ⅲ where that stays unambiguous."""
    ind = load_industry(data_dir).frame
    index = dict(zip(ind["name"], ind["sw_code"], strict=True))
    return index


def _resolve_industry(name: str, index: dict[str, str]) -> str | None:
    if name in index:
        return index[name]
    stripped = _ROMAN_SUFFIX.sub("", name)
    if stripped != name and stripped in index:
        return index[stripped]
    return None


def load_industry_up(data_dir: Path) -> LoadResult:
    source = "chainkg.industry_up"
    path = Path(data_dir) / FOLDER / "industry_up.json"
    raw = read_json_lines(path, ["industry", "ups"])
    index = _industry_name_index(data_dir)
    records = []
    for lineno, (industry, ups) in enumerate(zip(raw["industry"], raw["ups"], strict=True), start=1):
        if not isinstance(ups, dict):
            raise SourceError(path, "ups is not an object", row=lineno, column="ups")
        for up, count in ups.items():
            records.append({"line": lineno, "industry_name": str(industry), "up_name": str(up), "count": count})
    pairs = pd.DataFrame.from_records(records)
    pairs["industry_code"] = pairs["industry_name"].map(lambda n: _resolve_industry(n, index)).astype("string")
    pairs["up_code"] = pairs["up_name"].map(lambda n: _resolve_industry(n, index)).astype("string")
    counts = pd.to_numeric(pairs["count"], errors="coerce")
    rows = pairs.index + 1
    bad_ind = pairs["industry_code"].isna()
    bad_up = ~bad_ind & pairs["up_code"].isna()
    bad_count = ~bad_ind & ~bad_up & ~(counts > 0)
    parts = [
        quarantine_rows(source, path, pairs[bad_ind], "industry name not in industry.json", column="industry", row_numbers=rows[bad_ind]),
        quarantine_rows(source, path, pairs[bad_up], "upstream industry name not in industry.json", column="ups", row_numbers=rows[bad_up]),
        quarantine_rows(source, path, pairs[bad_count], "count not a positive number", column="ups", row_numbers=rows[bad_count]),
    ]
    keep = ~bad_ind & ~bad_up & ~bad_count
    frame = pd.DataFrame(
        {
            "industry_code": pairs.loc[keep, "industry_code"],
            "industry_name": pairs.loc[keep, "industry_name"].astype("string"),
            "up_code": pairs.loc[keep, "up_code"],
            "up_name": pairs.loc[keep, "up_name"].astype("string"),
            "count": counts[keep].astype("int64"),
        }
    ).reset_index(drop=True)
    return LoadResult(source, frame, concat_quarantine(parts), len(pairs), [str(path)])


# ---------------------------------------------------------------------------- products


def load_product(data_dir: Path) -> LoadResult:
    source = "chainkg.product"
    path = Path(data_dir) / FOLDER / "product.json"
    raw = read_json_lines(path, ["name"]).astype("string")
    term = raw["name"].map(lambda v: clean_term(v) if isinstance(v, str) else "").astype("string")
    empty = term == ""
    dup = term.duplicated(keep="first") & ~empty
    parts = [
        quarantine_rows(source, path, raw[empty], "empty product name", column="name"),
        quarantine_rows(source, path, raw[dup], "duplicate product name (first kept)", column="name"),
    ]
    keep = ~empty & ~dup
    frame = pd.DataFrame({"product": term[keep]}).reset_index(drop=True)
    return LoadResult(source, frame, concat_quarantine(parts), len(raw), [str(path)])


def read_sql_statements(data_dir: Path) -> list[str]:
    """The statements of ``data.sql`` inside ``data.zip``, in file order (each without its ';\\n').

    Cached per (path, size, mtime): both relation loaders read the same 32 MB script.
    """
    path = require_file(Path(data_dir) / SQL_FOLDER / SQL_ZIP)
    st = path.stat()
    return list(_read_sql_cached(str(path.resolve()), st.st_size, st.st_mtime_ns))


@functools.lru_cache(maxsize=2)
def _read_sql_cached(path_str: str, size: int, mtime_ns: int) -> tuple[str, ...]:
    path = Path(path_str)
    try:
        with zipfile.ZipFile(path) as zf:
            data = zf.read(SQL_MEMBER)
    except (zipfile.BadZipFile, KeyError, OSError) as exc:
        raise SourceError(path, f"cannot read {SQL_MEMBER} from the zip: {exc}") from exc
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise SourceError(path, f"{SQL_MEMBER} is not UTF-8: {exc}") from exc
    return tuple(_STATEMENT_SPLIT.split(text))


def _statements_of(data_dir: Path, marker: str) -> tuple[Path, list[str]]:
    path = Path(data_dir) / SQL_FOLDER / SQL_ZIP
    statements = [s for s in read_sql_statements(data_dir) if marker in s]
    if not statements:
        raise SourceError(path, f"no {marker} statements in {SQL_MEMBER}")
    return path, statements


def load_company_product(data_dir: Path) -> LoadResult:
    source = "chainkg.company_product"
    path, statements = _statements_of(data_dir, "->company_product_relation->")
    rows = []
    for s in statements:
        m = _COMPANY_PRODUCT.fullmatch(s)
        if m is None:
            rows.append({"statement": s[:300], "stock_code": None, "exchange": None, "raw_product": None, "rel": None, "raw_weight": None})
        else:
            rows.append(
                {"statement": None, "stock_code": m[1], "exchange": m[2], "raw_product": m[3], "rel": m[4], "raw_weight": m[5]}
            )
    raw = pd.DataFrame.from_records(rows).astype("string")
    rown = raw.index + 1
    malformed = raw["stock_code"].isna()
    weight = pd.to_numeric(raw["raw_weight"], errors="coerce")
    product = raw["raw_product"].map(lambda v: clean_term(v) if isinstance(v, str) else None).astype("string")
    bad_weight = ~malformed & weight.isna()
    no_exchange = ~malformed & raw["exchange"].isna()
    empty = ~malformed & (product.fillna("") == "")
    negative = ~malformed & (weight < 0)
    zero = ~malformed & (weight == 0)
    usable = ~(malformed | bad_weight | no_exchange | empty)
    key = raw["stock_code"] + "|" + product + "|" + raw["raw_weight"]
    dup = key.where(usable).duplicated(keep="first") & usable
    negative &= ~dup
    zero &= ~dup
    keep = usable & ~dup & ~negative & ~zero
    parts = [
        quarantine_rows(source, path, raw[malformed], "unparseable statement", column="statement", row_numbers=rown[malformed]),
        quarantine_rows(source, path, raw[bad_weight], "unparseable weight", column="weight", row_numbers=rown[bad_weight]),
        quarantine_rows(source, path, raw[no_exchange], "company id without exchange", column="company", row_numbers=rown[no_exchange]),
        quarantine_rows(source, path, raw[empty], "empty product name", column="product", row_numbers=rown[empty]),
        quarantine_rows(source, path, raw[negative], "negative weight (segment elimination)", column="weight", row_numbers=rown[negative]),
        quarantine_rows(source, path, raw[zero & ~negative], "zero weight", column="weight", row_numbers=rown[zero & ~negative]),
        quarantine_rows(source, path, raw[dup], "exact duplicate (first kept)", column="product", row_numbers=rown[dup]),
    ]
    w = weight[keep]
    kind = pd.Series("share", index=w.index, dtype="string")
    kind[w == PLACEHOLDER_WEIGHT] = "placeholder"
    kind[w > 1] = "over_one"
    frame = pd.DataFrame(
        {
            "ts_code": raw.loc[keep, "stock_code"] + "." + raw.loc[keep, "exchange"],
            "stock_code": raw.loc[keep, "stock_code"],
            "product": product[keep],
            "weight": w.astype("float64"),
            "weight_kind": kind,
        }
    ).reset_index(drop=True)
    return LoadResult(source, frame, concat_quarantine(parts), len(raw), [str(path)])


def load_product_relation(data_dir: Path) -> LoadResult:
    source = "chainkg.product_relation"
    path, statements = _statements_of(data_dir, "->product_product_relation->")
    rows = []
    for s in statements:
        m = _PRODUCT_PRODUCT.fullmatch(s)
        rows.append(
            {"statement": s[:300], "from": None, "to": None, "rel": None}
            if m is None
            else {"statement": None, "from": clean_term(m[1]), "to": clean_term(m[2]), "rel": m[3]}
        )
    raw = pd.DataFrame.from_records(rows).astype("string")
    rown = raw.index + 1
    malformed = raw["from"].isna()
    empty = ~malformed & ((raw["from"] == "") | (raw["to"] == ""))
    bad_rel = ~malformed & ~empty & ~raw["rel"].isin(list(REL_KIND))
    self_rel = ~malformed & ~empty & ~bad_rel & (raw["from"] == raw["to"])
    keep = ~(malformed | empty | bad_rel | self_rel)
    dup = (raw["from"] + "|" + raw["rel"] + "|" + raw["to"]).where(keep).duplicated(keep="first") & keep
    keep &= ~dup
    parts = [
        quarantine_rows(source, path, raw[malformed], "unparseable statement", column="statement", row_numbers=rown[malformed]),
        quarantine_rows(source, path, raw[empty], "empty product name", column="from", row_numbers=rown[empty]),
        quarantine_rows(source, path, raw[bad_rel], "unknown relation label", column="rel", row_numbers=rown[bad_rel]),
        quarantine_rows(source, path, raw[self_rel], "self-relation (from == to)", column="to", row_numbers=rown[self_rel]),
        quarantine_rows(source, path, raw[dup], "exact duplicate (first kept)", column="to", row_numbers=rown[dup]),
    ]
    frame = pd.DataFrame(
        {
            "from_product": raw.loc[keep, "from"],
            "rel": raw.loc[keep, "rel"],
            "to_product": raw.loc[keep, "to"],
            "kind": raw.loc[keep, "rel"].map(REL_KIND).astype("string"),
        }
    ).reset_index(drop=True)
    return LoadResult(source, frame, concat_quarantine(parts), len(raw), [str(path)])


def product_repairs(data_dir: Path) -> dict[str, int]:
    """How many relation statements carried product names with embedded line breaks (repaired)."""
    out = {"company_product": 0, "product_relation": 0}
    for s in read_sql_statements(data_dir):
        body = s.split(" SET name = ")[0]
        if "\n" in body:
            if "->company_product_relation->" in s:
                out["company_product"] += 1
            elif "->product_product_relation->" in s:
                out["product_relation"] += 1
    return out


LOADERS = {
    "chainkg.company": load_company,
    "chainkg.company_industry": load_company_industry,
    "chainkg.industry": load_industry,
    "chainkg.industry_hierarchy": load_industry_hierarchy,
    "chainkg.industry_up": load_industry_up,
    "chainkg.product": load_product,
    "chainkg.company_product": load_company_product,
    "chainkg.product_relation": load_product_relation,
}
