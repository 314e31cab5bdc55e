"""Registry evidence, stage 2: links of registrations to firms of the master, by name (:func:`link_registrations`).

A registration is linked to a firm when its name *begins* with one of the firm's name keys:

- ``legal`` — the full legal name (``亚普汽车部件股份有限公司`` + ``长春分厂``): the firm itself (nothing
  follows), its branch (a branch word follows) or its sales outlet (bank 支行, insurer 支公司, telecom
  营业厅, fuel station, shop …);
- ``stem`` — the legal name without its legal form (``晨光生物科技集团`` + ``喀什有限公司``);
- ``core`` — the legal name without region prefix and legal form (``天威保变电气``), ≥ 4 characters;
- ``brand`` — the short name without listing markers (``天威保变``, ``哈电``), ≥ 3 characters.

Candidates come from a DuckDB join on the first three characters and a ``starts_with`` filter (no
Python loop over the 3 million names; hot blocks such as 中国邮政 stay cheap because the join is on a
key and filtered in the engine). Each registration keeps its best candidate (key kind, then longest key).

The score (:func:`score_link`) is a hand-set, readable function of the key kind, the key's length,
what follows the key (a branch / outlet word, a place, a legal form) and whether a place name sits
between key and legal form; its operating threshold was chosen on the *tune* half of the labelled links
(``data/labels/registry_links.csv``) and its precision is reported on the held-out half
(``matcher bench registry``). Name-only links can be wrong (``武汉天沃科技开发有限公司`` need not belong to
天沃科技): a registration that starts with a place and only then the brand is never linked here.

Columns of ``registry_links`` (:data:`LINK_COLUMNS`): row (the registration's file row), firm_id,
key_kind, key, remainder (the name after the key), link_type (``self`` / ``branch`` / ``sales_outlet`` /
``subsidiary``), score.
"""

from __future__ import annotations

import re
import unicodedata

import pandas as pd

from matcher.firms import names as N

LINK_COLUMNS = ["row", "firm_id", "key_kind", "key", "remainder", "link_type", "score"]
#: operating threshold (chosen on the tune half of the labelled links; see ``matcher bench registry``)
LINK_THRESHOLD = 0.75

OUTLET_WORDS = re.compile(
    r"支行|分行|分理处|储蓄所|营业厅|营业部|加油站|加气站|加油加气站|支公司|营销服务部|营销部|门店|分店|超市|便利店|专卖店|"
    r"药店|药房|营业所|代办点|代办处|服务部|服务网点|网点|服务站|销售部|直营店|体验店|旗舰店|邮政所|邮政支局|支局")
BRANCH_WORDS = re.compile(r"分公司|分厂|分部|办事处|经营部|项目部|项目经理部|分院|工厂|制造厂|分中心|基地|车间|分所|代表处|分社|"
                          r"工程处|指挥部|事业部|仓库|物流中心|研究院|分站")
LEGAL_FORM_END = re.compile(r"(股份有限公司|有限责任公司|有限公司|集团公司|公司|厂|合伙企业|\(有限合伙\)|\(普通合伙\))$")
_KIND_BASE = {"legal": 0.97, "stem": 0.86, "core": 0.80, "brand": 0.70}
_KIND_ORDER = {"legal": 0, "stem": 1, "core": 2, "brand": 3}


def clean_name(name: object) -> str:
    """NFKC (full-width brackets → ASCII), spaces removed."""
    if not isinstance(name, str):
        return ""
    return "".join(unicodedata.normalize("NFKC", name).split())


def firm_keys(firms: pd.DataFrame) -> pd.DataFrame:
    """firm_id, key_kind, key for every firm with a Chinese legal or short name (one row per distinct key;
    a key shared by two firms is dropped: it cannot tell them apart)."""
    rows = []
    for fid, legal, short in zip(firms["firm_id"], firms["legal_name"], firms["name"], strict=True):
        lg = clean_name(legal)
        if lg:
            rows.append((fid, "legal", lg))
            stem = clean_name(N.strip_legal_form(lg))
            if len(stem) >= 4 and stem != lg:
                rows.append((fid, "stem", stem))
            core = clean_name(N.normalize_name(lg))
            if len(core) >= 4 and core not in (lg, stem):
                rows.append((fid, "core", core))
        sn = clean_name(N.normalize_short_name(short)) if isinstance(short, str) else ""
        if len(sn) >= 3 and re.search(r"[\u4e00-\u9fff]", sn):
            rows.append((fid, "brand", sn))
    keys = pd.DataFrame(rows, columns=["firm_id", "key_kind", "key"]).drop_duplicates()
    # a key two firms share is no evidence for either
    n_firms = keys.groupby("key")["firm_id"].transform("nunique")
    keys = keys[n_firms == 1]
    keys = keys.sort_values(["key", "key_kind"], key=lambda s: s.map(_KIND_ORDER) if s.name == "key_kind" else s)
    return keys.drop_duplicates("key").reset_index(drop=True)


_PLACE_RE: re.Pattern[str] | None = None


def _place_re() -> re.Pattern[str]:
    global _PLACE_RE
    if _PLACE_RE is None:
        words = sorted({w for w in N.region_names() if len(w) >= 2}, key=len, reverse=True)
        _PLACE_RE = re.compile("|".join(map(re.escape, words)))
    return _PLACE_RE


def _has_place(text: str) -> bool:
    """A bracket or a province / prefecture name anywhere in the text after the key."""
    if not text:
        return False
    return text.startswith("(") or bool(_place_re().search(text))


def link_type(key_kind: str, remainder: str) -> str:
    if key_kind == "legal" and remainder == "":
        return "self"
    if OUTLET_WORDS.search(remainder):
        return "sales_outlet"
    if BRANCH_WORDS.search(remainder):
        return "branch"
    if key_kind == "legal":
        return "branch"
    return "subsidiary"


def score_link(key_kind: str, key: str, remainder: str) -> float:
    """A readable score in [0, 1] (see module docstring)."""
    s = _KIND_BASE[key_kind]
    t = link_type(key_kind, remainder)
    if key_kind != "legal":
        if _has_place(remainder):
            s += 0.08  # 天威保变(秦皇岛)…, 晨光生物科技集团喀什…: the brand, then where
        if t in ("branch", "sales_outlet") and not LEGAL_FORM_END.search(remainder.split("分公司")[0] or ""):
            s += 0.03
        if len(key) <= 3:
            s -= 0.15
        elif len(key) == 4:
            s -= 0.05
        if not remainder or remainder[0] in "0123456789":
            s -= 0.10
        if re.match(r"[市省区县州盟旗镇乡]", remainder):
            s = min(s, 0.30)  # the key is a place name (鄂尔多斯 + 市东胜区…), not the firm
        if key_kind in ("core", "brand") and re.match(r"(科技|技术|实业|发展|贸易|商贸|投资|工程|建设|开发)", remainder):
            s -= 0.10  # the key continues as a different firm's name: 天沃 + 科技开发有限公司
    else:
        if remainder and not (t in ("branch", "sales_outlet") or remainder.startswith("(")):
            s -= 0.12  # legal name + something that is no branch word
    return round(float(min(max(s, 0.0), 1.0)), 3)


def candidate_links(reg_names: pd.DataFrame, keys: pd.DataFrame) -> pd.DataFrame:
    """(row, firm_id, key_kind, key) where the registration's cleaned name starts with the key (DuckDB)."""
    import duckdb

    con = duckdb.connect()
    try:
        con.execute("SET threads TO 2")
        r = pd.DataFrame({"row": reg_names["row"].astype("int64").to_numpy(),
                          "name": [clean_name(n) for n in reg_names["legal_name"]]})
        r["k"] = r["name"].str.slice(0, 3)
        k = keys.assign(k=keys["key"].str.slice(0, 3))
        con.register("r", r)
        con.register("kk", k)
        out = con.execute(
            "SELECT r.row, kk.firm_id, kk.key_kind, kk.key, substr(r.name, length(kk.key) + 1) AS remainder "
            "FROM r JOIN kk ON r.k = kk.k WHERE starts_with(r.name, kk.key)").df()
    finally:
        con.close()
    return out


def link_registrations(reg: pd.DataFrame, firms: pd.DataFrame) -> pd.DataFrame:
    """Every registration's best link to a firm of the master, scored (:data:`LINK_COLUMNS`)."""
    keys = firm_keys(firms)
    cand = candidate_links(reg[["row", "legal_name"]], keys)
    if cand.empty:
        return pd.DataFrame(columns=LINK_COLUMNS)
    cand["_o"] = cand["key_kind"].map(_KIND_ORDER)
    cand["_l"] = -cand["key"].str.len()
    cand = cand.sort_values(["row", "_o", "_l"], kind="stable").drop_duplicates("row")
    cand["link_type"] = [link_type(k, r) for k, r in zip(cand["key_kind"], cand["remainder"], strict=True)]
    cand["score"] = [score_link(k, key, r) for k, key, r in zip(cand["key_kind"], cand["key"], cand["remainder"], strict=True)]
    out = cand[LINK_COLUMNS].reset_index(drop=True)
    return out.astype({"row": "int64", "firm_id": "string", "key_kind": "string", "key": "string",
                       "remainder": "string", "link_type": "string", "score": "float64"})


__all__ = ["LINK_COLUMNS", "LINK_THRESHOLD", "candidate_links", "firm_keys", "link_registrations", "link_type",
           "score_link"]
