"""Firm-name normalisation: Chinese legal and short names, English names.

Why: the same firm is written many ways across the sources — ``万  科Ａ`` (SZSE short name with
full-width letter and padding), ``*ST中嘉`` (risk marker), ``中国平安保险（集团）股份有限公司``
(full-width brackets, legal form), ``北京字节跳动科技有限公司`` (region prefix), ``ByteDance`` /
``Bytedance``. Entity resolution compares *normalised* names, so every source goes through the
same functions here. The original text is never overwritten: :func:`name_variants` returns new
columns next to it.

What counts as what (decided on the real lists, see ``tests/test_firms_names.py``):

* **Legal form** (always removed at the end of a name): 股份有限公司, 有限责任公司, 有限公司,
  股份公司, 集团公司, 总公司, 公司, (有限合伙)/(普通合伙)/合伙企业, and the organisational words
  集团, 控股, 股份 when they trail the name (``美的集团`` → ``美的``, ``泛海控股`` → ``泛海``,
  ``华瓷股份`` → ``华瓷``), plus the same words in brackets anywhere (``中国平安保险(集团)``).
  A name is never stripped below two characters (``中集集团`` → ``中集``).
* **Distinctive** (kept): industry words such as 科技, 技术, 银行, 新能源 — they tell 北京银行 from
  北京科技. :func:`strip_business_terms` removes the commonest generic ones for a looser ``core``
  key, which :func:`name_variants` also returns.
* **Region** (evidence for location, removed by :func:`strip_region`): a leading province,
  prefecture or county name (``河北省``, ``深圳市``, ``北京``, ``昆山市``) and a bracketed region
  anywhere (``（深圳）``, ``(中国)``, ``(香港)``). The names come from the division table that ships
  inside the ``cpca`` package (province/prefecture names in full and short form, county names in
  full form only, since short county names such as 东方 or 长城 are common words), so no data
  directory is needed. :func:`normalize_name` removes a leading region only when at least four
  characters remain (``北京字节跳动科技`` → ``字节跳动科技``) and keeps it otherwise, so that
  ``北京银行`` and ``南京银行`` do not both collapse to ``银行``.
* **Listing markers** in short names: ``*ST``, ``ST``, ``S*ST``, ``SST``, ``S``, ``XD``, ``XR``,
  ``DR``, ``N``, ``C``, ``退市`` prefixes, ``-U``/``-W``/``-UW`` and a trailing ``退`` suffix, and the
  share-class letter ``A``/``B`` (``万科A`` → ``万科``).
"""

from __future__ import annotations

import csv
import re
import unicodedata
from functools import lru_cache
from importlib import resources

import pandas as pd

__all__ = [
    "clean_text",
    "name_variants",
    "normalize_english_name",
    "normalize_name",
    "normalize_short_name",
    "region_names",
    "strip_business_terms",
    "strip_legal_form",
    "strip_listing_markers",
    "strip_region",
]

_CJK = "\u4e00-\u9fff"
_BRACKETS = str.maketrans({"（": "(", "）": ")", "【": "(", "】": ")", "〔": "(", "〕": ")", "[": "(", "]": ")",
                           "｛": "(", "｝": ")", "{": "(", "}": ")", "〈": "(", "〉": ")", "《": "(", "》": ")"})
_SPACE_RE = re.compile(r"\s+")
# spaces between two CJK characters (``万  科``) carry no meaning; between Latin words they do
_CJK_SPACE_RE = re.compile(rf"(?<=[{_CJK}()])\s+|\s+(?=[{_CJK}()])")

#: legal forms removed from the end of a name, longest first
LEGAL_FORMS: tuple[str, ...] = (
    "集团股份有限公司", "股份有限公司", "有限责任公司", "股份合作公司", "有限公司", "股份公司",
    "集团公司", "有限合伙", "普通合伙", "合伙企业", "总公司", "公司",
)
#: organisational words removed when they trail the name (after the legal form) or stand in brackets
ORG_WORDS: tuple[str, ...] = ("控股集团", "集团控股", "集团", "控股", "股份")
#: bracketed words that are neither the firm nor a division name (jurisdictions, org words)
_BRACKET_WORDS: tuple[str, ...] = (
    "集团", "控股", "股份", "有限合伙", "普通合伙", "国际", "中国", "香港", "澳门", "台湾", "开曼",
    "百慕大", "新加坡", "美国", "英属维尔京群岛", "BVI", "中国香港", "亚洲", "亚太",
)
#: generic business words dropped for the loose ``core`` key only (never by :func:`normalize_name`)
BUSINESS_TERMS: tuple[str, ...] = (
    "信息技术", "网络技术", "网络科技", "电子商务", "技术服务", "新材料", "新能源", "高科技", "科技",
    "技术", "实业", "发展", "投资", "贸易", "工业", "产业", "国际", "网络", "信息", "电子", "软件",
)

_MARKER_PREFIX_RE = re.compile(rf"^(?:S\*ST|\*ST|SST|ST|S|XD|XR|DR|N|C|U)(?=[{_CJK}])|^退市(?=[{_CJK}])")
_MARKER_SUFFIX_RE = re.compile(rf"(?<=[{_CJK}])(?:-(?:UW|WD|U|W|D)|退)$")
_SHARE_CLASS_RE = re.compile(rf"(?<=[{_CJK}])[AB](?:股)?$")

_MIN_CORE = 2  # never strip a name below this many characters
_MIN_AFTER_REGION = 4  # normalize_name drops a leading region only if this many characters remain


def _isnull(value: object) -> bool:
    if value is None:
        return True
    try:
        return bool(pd.isna(value))  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return False


def clean_text(name: str | None) -> str:
    """NFKC (full → half width), unify brackets to ``()``, drop spaces next to CJK, collapse the rest.

    ``'万  科Ａ'`` → ``'万科A'``; ``'中国平安保险（集团）'`` → ``'中国平安保险(集团)'``; null → ``''``.
    """
    if _isnull(name):
        return ""
    text = unicodedata.normalize("NFKC", str(name)).translate(_BRACKETS)
    text = text.replace("\u3000", " ").strip()
    text = _CJK_SPACE_RE.sub("", text)
    text = _SPACE_RE.sub(" ", text).strip()
    text = re.sub(r"\(\s*\)", "", text)
    return text


def strip_listing_markers(name: str | None) -> str:
    """Remove exchange markers (``*ST``, ``XD``, ``N``, ``-U`` …) and the share class (``A``/``B``)."""
    text = clean_text(name)
    for _ in range(3):
        new = _MARKER_PREFIX_RE.sub("", text)
        new = _MARKER_SUFFIX_RE.sub("", new)
        new = _SHARE_CLASS_RE.sub("", new)
        if new == text:
            break
        text = new
    return text


def _strip_bracket_words(text: str, words: frozenset[str]) -> str:
    def repl(m: re.Match[str]) -> str:
        return "" if m.group(1).strip() in words else m.group(0)

    return re.sub(r"\(([^()]*)\)", repl, text)


def strip_legal_form(name: str | None) -> str:
    """Clean the text and remove legal forms and trailing organisational words (keeps regions).

    ``'秦皇岛港股份有限公司'`` → ``'秦皇岛港'``; ``'中国平安保险（集团）股份有限公司'`` → ``'中国平安保险'``;
    ``'美的集团股份有限公司'`` → ``'美的'``.
    """
    return _strip_legal(clean_text(name), _MIN_CORE)


def _strip_legal(text: str, min_core: int) -> str:
    if not text:
        return ""
    text = _strip_bracket_words(text, frozenset(_BRACKET_WORDS))
    suffixes = LEGAL_FORMS + ORG_WORDS
    changed = True
    while changed:
        changed = False
        text = re.sub(r"\((?:有限合伙|普通合伙)\)$", "", text).rstrip()
        for suffix in suffixes:
            if text.endswith(suffix) and len(text) - len(suffix) >= min_core:
                text = text[: -len(suffix)].rstrip()
                changed = True
                break
    return text


def strip_business_terms(name: str | None) -> str:
    """Remove trailing generic business words (科技, 技术, 实业 …) for a loose key; never below 2 chars."""
    text = clean_text(name)
    changed = True
    while changed:
        changed = False
        for term in BUSINESS_TERMS:
            if text.endswith(term) and len(text) - len(term) >= _MIN_CORE:
                text = text[: -len(term)]
                changed = True
                break
    return text


# ---------------------------------------------------------------------------------------------
# regions, from the division table shipped in the cpca package


def _nations() -> list[str]:
    text = resources.files("cpca.resources").joinpath("56_nations.csv").read_text(encoding="utf-8")
    names = [line.strip() for line in text.splitlines() if line.strip()]
    return sorted(set(names), key=len, reverse=True)


def _short_division_name(full: str, level: int, nations: list[str]) -> str:
    """Short form of a province (level 0) or prefecture (level 1) name: 河北省 → 河北, 延边朝鲜族自治州 → 延边."""
    short = re.sub(r"(特别行政区|自治区|自治州|地区|省|市|盟)$", "", full)
    changed = True
    while changed:  # 广西壮族 → 广西, 湘西土家族苗族 → 湘西
        changed = False
        for n in nations:
            if short.endswith(n) and len(short) > len(n):
                short, changed = short[: -len(n)], True
                break
            base = n[:-1] if n.endswith("族") else n
            if level == 0 and short.endswith(base) and len(short) > len(base) + 1:
                short, changed = short[: -len(base)], True  # 新疆维吾尔 (no 族 in the province name)
                break
    return short if len(short) >= 2 else full


@lru_cache(maxsize=1)
def region_names() -> dict[str, str]:
    """Every region name usable as a firm-name prefix → its 6-digit code (from cpca's table).

    Province and prefecture names in full and short form (``河北省``/``河北``, ``深圳市``/``深圳``);
    county names in full form only (``昆山市``, ``海淀区``); placeholders (市辖区, 县) skipped.
    Where a short form is shared (吉林 the province and the city), the higher level wins.
    """
    nations = _nations()
    text = resources.files("cpca.resources").joinpath("adcodes.csv").read_text(encoding="utf-8")
    rows = list(csv.DictReader(text.splitlines()))
    out: dict[str, str] = {}
    for level in (0, 1, 2):
        for rec in rows:
            code = rec["adcode"][:6]
            name = rec["name"].strip()
            lvl = 0 if code.endswith("0000") else 1 if code.endswith("00") else 2
            if lvl != level or name in ("市辖区", "县", "省直辖县级行政区划", "自治区直辖县级行政区划") or len(name) < 2:
                continue
            out.setdefault(name, code)
            if level < 2:
                out.setdefault(_short_division_name(name, level, nations), code)
    for extra, code in (("香港", "810000"), ("澳门", "820000"), ("台湾", "710000")):
        out.setdefault(extra, code)
    return out


@lru_cache(maxsize=1)
def _region_regexes() -> tuple[re.Pattern[str], re.Pattern[str]]:
    names = sorted(region_names(), key=lambda s: (-len(s), s))
    alt = "|".join(map(re.escape, names))
    prefix = re.compile(rf"^({alt})")
    # inside brackets a short county name is unambiguous too: 华辰精密装备（昆山）
    bracketed = sorted(set(names) | _county_short_names(), key=lambda s: (-len(s), s))
    balt = "|".join(map(re.escape, bracketed))
    bracket = re.compile(rf"\(({balt}|中国|中国香港|亚洲|亚太)\)")
    return prefix, bracket


@lru_cache(maxsize=1)
def _county_short_names() -> frozenset[str]:
    out = set()
    for name, code in region_names().items():
        if not code.endswith("00"):
            short = re.sub(r"(自治县|自治旗|新区|县|区|市|旗)$", "", name)
            if len(short) >= 2:
                out.add(short)
    return frozenset(out)


def _strip_region(text: str, min_rest: int, prefix: bool = True) -> tuple[str, list[str]]:
    prefix_re, bracket_re = _region_regexes()
    found: list[str] = []

    def repl(m: re.Match[str]) -> str:
        found.append(m.group(1))
        return ""

    text = bracket_re.sub(repl, text)
    while prefix:
        m = prefix_re.match(text)
        # the remainder is measured without its legal form: 秦皇岛|港股份有限公司 keeps 秦皇岛
        if not m or len(_strip_legal(text[m.end():], 0)) < min_rest:
            break
        found.append(m.group(1))
        text = text[m.end():]
    return text, found


def strip_region(name: str | None) -> tuple[str, list[str]]:
    """Remove bracketed regions anywhere and leading region names; return (rest, regions found).

    ``'北京字节跳动科技有限公司'`` → (``'字节跳动科技有限公司'``, ``['北京']``);
    ``'华为技术（深圳）有限公司'`` → (``'华为技术有限公司'``, ``['深圳']``). The found names are evidence of
    location (map them with :func:`region_names`). At least two characters are always kept.
    """
    text = clean_text(name)
    if not text:
        return "", []
    return _strip_region(text, _MIN_CORE)


def normalize_short_name(s: str | None) -> str:
    """A listed firm's short name as a key: markers and share class removed, legal words stripped.

    ``'万  科Ａ'`` → ``'万科'``; ``'*ST中嘉'`` → ``'中嘉'``; ``'美的集团'`` → ``'美的'``. Regions are kept
    (a short name's region is usually part of the brand: 宁德时代, 北京银行).
    """
    text = strip_legal_form(strip_listing_markers(s))
    text, _ = _strip_region(text, _MIN_CORE, prefix=False)
    return text.lower()


def normalize_name(name: str | None) -> str:
    """The core name used for matching; ``''`` for null.

    Steps: clean (NFKC, brackets, spaces) → listing markers → legal form → bracketed regions →
    leading regions when ≥ 4 characters remain → lower-case Latin letters.
    ``'秦皇岛港股份有限公司'`` → ``'秦皇岛港'``; ``'北京字节跳动科技有限公司'`` → ``'字节跳动科技'``;
    ``'宁德时代新能源科技股份有限公司'`` → ``'时代新能源科技'`` (region 宁德 removed, recorded by
    :func:`strip_region`); ``'万  科Ａ'`` → ``'万科'``.
    """
    text = strip_listing_markers(name)
    if not text:
        return ""
    text = strip_legal_form(text)
    text, _ = _strip_region(text, _MIN_AFTER_REGION)
    text = strip_legal_form(text)  # a region can hide a legal word: 某某(集团)(深圳)
    return text.lower()


# ---------------------------------------------------------------------------------------------
# English names

#: English legal/organisational suffix tokens removed from the end (and 'the' from the start)
EN_SUFFIXES: frozenset[str] = frozenset({
    "inc", "incorporated", "ltd", "limited", "co", "company", "corp", "corporation", "group", "holdings",
    "holding", "technology", "technologies", "tech", "plc", "llc", "lp", "sa", "ag", "gmbh", "bv", "nv",
    "pte", "pty", "kk", "sci", "hi", "share", "shares", "stock", "joint", "jsc", "cayman", "intl", "international",
})
_EN_PUNCT_RE = re.compile(r"[^\w\s]|_")


def normalize_english_name(s: str | None) -> str:
    """Casefold, drop bracketed asides and punctuation, drop legal suffix tokens; tokens joined by ' '.

    ``'ByteDance'`` and ``'Bytedance'`` → ``'bytedance'``; ``'Yunnan Baiyao Group Co., Ltd.'`` →
    ``'yunnan baiyao'``; ``'Contemporary Amperex Technology Co., Limited'`` → ``'contemporary amperex'``.
    At least one token is kept. Remove the spaces yourself for a compact key.
    """
    text = clean_text(s)
    if not text:
        return ""
    text = text.casefold().replace("&", " and ")
    without = re.sub(r"\([^()]*\)", " ", text)
    if without.strip():
        text = without
    text = text.replace("co.,", "co ").replace(".,", " ").replace("'s", "s")
    tokens = _EN_PUNCT_RE.sub(" ", text).split()
    while len(tokens) > 1 and tokens[0] == "the":
        tokens = tokens[1:]
    while len(tokens) > 1 and tokens[-1] in EN_SUFFIXES:
        tokens = tokens[:-1]
    return " ".join(tokens)


# ---------------------------------------------------------------------------------------------
# vectorised helper


def name_variants(frame: pd.DataFrame, column: str) -> pd.DataFrame:
    """All normalised forms of ``frame[column]``, on the same index; the original is not touched.

    Columns (prefixed with ``column``): ``_clean`` (text cleaned), ``_norm`` (:func:`normalize_name`),
    ``_short`` (:func:`normalize_short_name`), ``_core`` (``_norm`` without generic business
    words), ``_en`` (:func:`normalize_english_name`, useful when the column holds English),
    ``_regions`` (';'-joined regions found by :func:`strip_region`, null if none) and ``_st``
    (True when the raw name carried an ST-type risk marker). Each distinct value is computed once.
    """
    raw = frame[column]
    uniq = pd.unique(raw.dropna())
    rows = {}
    for value in uniq:
        norm = normalize_name(value)
        _, regions = strip_region(strip_legal_form(strip_listing_markers(value)))
        clean = clean_text(value)
        rows[value] = (
            clean,
            norm,
            normalize_short_name(value),
            strip_business_terms(norm) if norm else "",
            normalize_english_name(value),
            ";".join(regions) if regions else None,
            bool(re.match(r"^(?:S?\*?S?ST)", clean)),
        )
    suffixes = ["clean", "norm", "short", "core", "en", "regions", "st"]
    out = pd.DataFrame(index=frame.index)
    for i, suffix in enumerate(suffixes):
        mapping = {k: v[i] for k, v in rows.items()}
        col = raw.map(mapping)
        if suffix == "st":
            out[f"{column}_st"] = col.fillna(False).astype(bool)
        elif suffix == "regions":
            out[f"{column}_regions"] = col.astype("string")
        else:
            out[f"{column}_{suffix}"] = col.fillna("").astype("string")
    return out
