"""Which firms are investment targets at all: rules as data, national defaults with per-pack overrides.

The national rules are ``data/eligibility.yaml`` (each with its Chinese reason, its public sources and
how they support it). A city pack may switch a rule off or add its own (``eligibility:`` in the pack,
:class:`matcher.regions.pack.EligibilityOverride`). :func:`evaluate` returns one row per firm and rule
it breaks; the navigation map leaves those firms out and lists them, with the reason, in 未推荐.

Matching (:class:`Rule`): a firm breaks a rule when any of its Shenwan codes (level 1, 2 or 3, from the
chain KG — never the name classifier, which is right at level 1 about half the time) falls under a
listed code and not under an excepted one, or its Tushare industry label is listed, or its short or
legal name matches a listed pattern. ``except_placed_by`` lifts the rule for a firm whose chain position
rests on that kind of evidence (``product``: its own main products).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import pandas as pd
import yaml

from matcher import resources

#: the shipped national rules
RULES_FILE = "eligibility.yaml"
ELIGIBILITY_COLUMNS = ["firm_id", "rule", "rule_name", "reason", "source"]


@dataclass(frozen=True)
class Rule:
    """One eligibility rule (see ``data/eligibility.yaml`` for the fields)."""

    id: str
    name: str
    reason: str
    sources: tuple[str, ...]
    basis: str = "inferred"
    note: str = ""
    sw: tuple[str, ...] = ()
    except_sw: tuple[str, ...] = ()
    tushare: tuple[str, ...] = ()
    name_patterns: tuple[str, ...] = ()
    legal_name_patterns: tuple[str, ...] = ()
    except_placed_by: tuple[str, ...] = ()
    origin: str = "national"
    extra: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not self.id or not self.name or not self.reason:
            raise ValueError(f"eligibility rule {self.id!r}: id, name and reason are required")
        if not self.sources:
            raise ValueError(f"eligibility rule {self.id!r}: at least one source is required")
        for p in (*self.name_patterns, *self.legal_name_patterns):
            re.compile(p)
        for c in (*self.sw, *self.except_sw):
            if not re.fullmatch(r"\d{6}", c):
                raise ValueError(f"eligibility rule {self.id!r}: Shenwan code {c!r} is not 6 digits")


def rule_from_dict(raw: Mapping[str, Any], origin: str = "national") -> Rule:
    """A :class:`Rule` from its YAML form (``match:`` block, ``sources`` list)."""
    m = raw.get("match") or {}
    unknown = set(m) - {"sw", "except_sw", "tushare", "name", "legal_name"}
    if unknown:
        raise ValueError(f"eligibility rule {raw.get('id')!r}: unknown match keys {sorted(unknown)}")
    sources = raw.get("sources") or ([raw["source"]] if raw.get("source") else [])
    return Rule(
        id=str(raw.get("id", "")), name=str(raw.get("name", "")), reason=str(raw.get("reason", "")),
        sources=tuple(str(s) for s in sources), basis=str(raw.get("basis", "inferred")), note=str(raw.get("note") or ""),
        sw=tuple(str(c) for c in m.get("sw") or ()), except_sw=tuple(str(c) for c in m.get("except_sw") or ()),
        tushare=tuple(str(c) for c in m.get("tushare") or ()), name_patterns=tuple(str(p) for p in m.get("name") or ()),
        legal_name_patterns=tuple(str(p) for p in m.get("legal_name") or ()),
        except_placed_by=tuple(str(x) for x in raw.get("except_placed_by") or ()), origin=origin,
    )


def load_rules(text: str | None = None) -> list[Rule]:
    """The national rules (``data/eligibility.yaml``, or ``text`` in the same format)."""
    raw = yaml.safe_load(text if text is not None else resources.read_text(RULES_FILE)) or {}
    rules = [rule_from_dict(r) for r in raw.get("rules") or []]
    ids = [r.id for r in rules]
    if len(ids) != len(set(ids)):
        raise ValueError(f"eligibility rules: duplicate ids in {ids}")
    return rules


def rules_for_pack(rules: Sequence[Rule], pack: object | None) -> list[Rule]:
    """The national rules with the pack's overrides: ``disable`` (rule ids switched off) and ``rules``
    (the pack's own, same format, origin = the pack's city)."""
    ov = getattr(pack, "eligibility", None) if pack is not None else None
    if ov is None:
        return list(rules)
    off = {d.rule for d in ov.disable}
    unknown = off - {r.id for r in rules}
    if unknown:
        raise ValueError(f"city pack {getattr(pack, 'city', '')}: eligibility.disable names unknown rules {sorted(unknown)}")
    own = [rule_from_dict(r.model_dump(), origin=str(getattr(pack, "city", "pack"))) for r in ov.rules]
    return [r for r in rules if r.id not in off] + own


def _under(codes: pd.Series, prefixes: Iterable[str]) -> pd.Series:
    """True where a 6-digit Shenwan code lies under one of ``prefixes`` (any level)."""
    stems = [p.rstrip("0") or p for p in prefixes]
    s = codes.astype("string").fillna("")
    out = pd.Series(False, index=codes.index)
    for stem in stems:
        out |= s.str.startswith(stem) & s.ne("")
    return out


def rule_mask(firms: pd.DataFrame, rule: Rule) -> pd.Series:
    """True for firms that ``rule`` matches (before ``except_placed_by``)."""
    sw_cols = [firms[c] for c in ("sw_l1_code", "sw_l2_code", "sw_l3_code") if c in firms.columns]
    hit = pd.Series(False, index=firms.index)
    if rule.sw and sw_cols:
        on = pd.concat([_under(c, rule.sw) for c in sw_cols], axis=1).any(axis=1)
        if rule.except_sw:
            on &= ~pd.concat([_under(c, rule.except_sw) for c in sw_cols], axis=1).any(axis=1)
        hit |= on
    if rule.tushare and "industry_tushare" in firms.columns:
        hit |= firms["industry_tushare"].astype("string").isin(list(rule.tushare)).fillna(False).astype(bool)
    for col, pats in (("name", rule.name_patterns), ("legal_name", rule.legal_name_patterns)):
        if pats and col in firms.columns:
            text = firms[col].astype("string").fillna("")
            hit |= text.str.contains("|".join(f"(?:{p})" for p in pats), regex=True).astype(bool)
    return hit.astype(bool)


def evaluate(firms: pd.DataFrame, rules: Sequence[Rule], placed_by: Mapping[str, str] | None = None) -> pd.DataFrame:
    """One row per (firm, rule it breaks): firm_id, rule, rule_name, reason, source (the first source).

    ``firms`` must carry chain-KG Shenwan codes only (the firm master's; rows whose ``industry_source``
    is ``classifier`` have their codes ignored). ``placed_by`` maps firm_id → the kind of evidence of its
    chain position (``industry`` / ``product``), for ``except_placed_by``.
    """
    f = firms.reset_index(drop=True)
    if "industry_source" in f.columns:
        clf = f["industry_source"].astype("string").fillna("").eq("classifier")
        for c in ("sw_l1_code", "sw_l2_code", "sw_l3_code"):
            if c in f.columns:
                f[c] = f[c].astype("string").mask(clf)
    kinds = dict(placed_by or {})
    placed = pd.Series([str(kinds.get(str(i), "")) for i in f["firm_id"]], index=f.index, dtype="object")
    parts = []
    for r in rules:
        m = rule_mask(f, r)
        if r.except_placed_by:
            m &= ~placed.isin(list(r.except_placed_by)).astype(bool)
        if m.any():
            parts.append(pd.DataFrame({"firm_id": f.loc[m, "firm_id"].astype("string"), "rule": r.id,
                                       "rule_name": r.name, "reason": r.reason, "source": r.sources[0]}))
    if not parts:
        return pd.DataFrame({c: pd.Series(dtype="string") for c in ELIGIBILITY_COLUMNS})
    return pd.concat(parts, ignore_index=True).astype("string")[ELIGIBILITY_COLUMNS]


def first_rule(breaches: pd.DataFrame) -> pd.DataFrame:
    """One row per firm: the first rule (file order) it breaks, and every rule name joined (、)."""
    if breaches.empty:
        return breaches.assign(rules=pd.Series(dtype="string"))
    names = breaches.groupby("firm_id", sort=False)["rule_name"].agg(lambda s: "、".join(dict.fromkeys(s)))
    first = breaches.drop_duplicates("firm_id").set_index("firm_id")
    first["rules"] = names
    return first.reset_index()


__all__ = ["ELIGIBILITY_COLUMNS", "RULES_FILE", "Rule", "evaluate", "first_rule", "load_rules", "rule_from_dict",
           "rule_mask", "rules_for_pack"]
