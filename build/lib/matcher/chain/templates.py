"""Named chains as data: curated templates in ``data/chains/*.yaml`` (see that folder's README).

A template is a planner's chain map: segments 上游 / 中游 / 下游, each with Shenwan industries, key
product terms, the GB/T 4754-2017 codes it covers and a ``source``; chain-level ``why`` facts cite the
city facts file. Validation is strict because templates are hand-written: an unknown segment, a
malformed code or a missing source raises naming the file.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from matcher import resources
from matcher.sources.base import SourceError

#: the shipped templates (``data/chains/*.yaml``)
CHAINS = "chains"
SEGMENT_ORDER = ("上游", "中游", "下游")


@dataclass(frozen=True)
class Segment:
    segment: str  # 上游 / 中游 / 下游
    name: str
    industries: tuple[str, ...]
    products: tuple[str, ...]
    gb_codes: tuple[str, ...]
    source: str


@dataclass(frozen=True)
class ChainTemplate:
    chain: str
    code: str
    description: str
    segments: tuple[Segment, ...]
    why: tuple[dict, ...] = field(default_factory=tuple)
    local_evidence: tuple[dict, ...] = field(default_factory=tuple)
    path: str = ""

    def segment(self, name: str) -> Segment:
        for s in self.segments:
            if s.segment == name:
                return s
        raise KeyError(name)


def _parse(path: Path) -> ChainTemplate:
    try:
        obj = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise SourceError(path, f"invalid YAML: {exc}") from exc
    if not isinstance(obj, dict):
        raise SourceError(path, "a chain template must be a mapping")
    for key in ("chain", "code", "segments"):
        if not obj.get(key):
            raise SourceError(path, "required field missing", column=key)
    segs = []
    for i, s in enumerate(obj["segments"], start=1):
        if s.get("segment") not in SEGMENT_ORDER:
            raise SourceError(path, f"segment must be one of {SEGMENT_ORDER}", row=i, column="segment")
        if not s.get("source"):
            raise SourceError(path, "every segment needs a source", row=i, column="source")
        codes = [str(c) for c in s.get("industries", [])]
        bad = [c for c in codes if not re.fullmatch(r"\d{6}", c)]
        if bad:
            raise SourceError(path, f"malformed Shenwan code {bad[0]!r}", row=i, column="industries")
        segs.append(
            Segment(
                segment=s["segment"],
                name=str(s.get("name", s["segment"])),
                industries=tuple(codes),
                products=tuple(str(p) for p in s.get("products", [])),
                gb_codes=tuple(str(c) for c in s.get("gb_codes", [])),
                source=str(s["source"]),
            )
        )
    for j, w in enumerate(obj.get("why", []), start=1):
        if not w.get("source"):
            raise SourceError(path, "every 'why' fact needs a source", row=j, column="why")
    for j, w in enumerate(obj.get("local_evidence", []), start=1):
        if not w.get("source") or w.get("segment") not in SEGMENT_ORDER or not re.fullmatch(r"\d{6}", str(w.get("region", ""))):
            raise SourceError(path, "local_evidence needs region (6 digits), segment and source", row=j, column="local_evidence")
    segs.sort(key=lambda s: SEGMENT_ORDER.index(s.segment))
    return ChainTemplate(
        chain=str(obj["chain"]),
        code=str(obj["code"]),
        description=str(obj.get("description", "")),
        segments=tuple(segs),
        why=tuple(obj.get("why", [])),
        local_evidence=tuple({**w, "region": str(w["region"])} for w in obj.get("local_evidence", [])),
        path=str(path),
    )


def load_chain_templates(names: list[str] | None = None, folder: Path | None = None) -> list[ChainTemplate]:
    """All templates (the shipped ones unless ``folder`` is given; sorted by file name), or those whose
    chain name or code is in ``names``."""
    files = sorted(Path(folder).glob("*.yaml")) if folder is not None else [
        Path(str(f)) for f in resources.data_files(CHAINS, ".yaml")]
    out = [_parse(p) for p in files]
    if names:
        wanted = set(names)
        unknown = wanted - {t.chain for t in out} - {t.code for t in out}
        if unknown:
            raise KeyError(f"unknown chain(s) {sorted(unknown)}; known: {[t.chain for t in out]}")
        out = [t for t in out if t.chain in wanted or t.code in wanted]
    return out
