"""Model card and export of the champion ranker to ``models/<name>/``.

An export folder holds ``model.pkl`` (the fitted ranker, pickled; a few kB), ``metadata.json``
(features, parameters, coefficients, metrics, data vintages and hashes) and ``MODEL_CARD.md``.
:func:`load_exported` loads the ranker back; it needs the ``matcher`` package (the class lives there).
"""

from __future__ import annotations

import json
import pickle
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from matcher.model.rank import REASON_TEXT, Ranker

MODEL_FILE = "model.pkl"
META_FILE = "metadata.json"
CARD_FILE = "MODEL_CARD.md"


def export_model(ranker: Ranker, folder: Path, metadata: Mapping[str, Any]) -> Path:
    """Write the ranker, its metadata and its model card into ``folder`` (created); returns the folder."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    with (folder / MODEL_FILE).open("wb") as fh:
        pickle.dump(ranker, fh, protocol=pickle.HIGHEST_PROTOCOL)
    meta = dict(metadata)
    meta.setdefault("features", ranker.features)
    meta.setdefault("params", {k: _jsonable(v) for k, v in ranker.get_params().items()})
    coefs = getattr(ranker, "coefficients", None)
    if coefs:
        meta.setdefault("coefficients", coefs)
    (folder / META_FILE).write_text(json.dumps(meta, ensure_ascii=False, indent=1, default=str) + "\n", encoding="utf-8")
    (folder / CARD_FILE).write_text(model_card(meta), encoding="utf-8")
    return folder


def load_exported(folder: Path) -> Ranker:
    """Load an exported ranker (pickle: only load folders you trust, e.g. this repository's models/)."""
    with (Path(folder) / MODEL_FILE).open("rb") as fh:
        ranker = pickle.load(fh)  # noqa: S301 - our own artifact
    if not isinstance(ranker, Ranker):
        raise TypeError(f"{folder}: not a matcher Ranker ({type(ranker).__name__})")
    return ranker


def _jsonable(v: Any) -> Any:
    if isinstance(v, tuple):
        return list(v)
    return v


def _fmt(v: Any) -> str:
    return f"{v:.3f}" if isinstance(v, float) else str(v)


def _ci(m: Mapping[str, Any], key: str) -> str:
    lo, hi = m.get(key + "_ci", [float("nan"), float("nan")])
    return f"{m.get(key, float('nan')):.3f} [{lo:.3f}, {hi:.3f}]"


def model_card(meta: Mapping[str, Any]) -> str:
    """The Markdown model card: what it ranks, data vintages, features, training, metrics, limits."""
    lines = [
        f"# Model card: {meta.get('name', 'model')}",
        "",
        str(meta.get("summary", "")),
        "",
        "## Intended use",
        str(meta.get("intended_use", "")),
        "",
        "## Data",
    ]
    for k, v in meta.get("data", {}).items():
        lines.append(f"- {k}: {v}")
    lines += ["", "## Features (all read at t0 only)", "", "| feature | reason text | coefficient (standardised) |", "|---|---|---|"]
    coefs = meta.get("coefficients", {})
    for f in meta.get("features", []):
        c = coefs.get(f)
        text = re.sub(r"\{v[^}]*\}", "N", REASON_TEXT.get(f, ""))
        lines.append(f"| {f} | {text} | {'' if c is None else f'{c:+.3f}'} |")
    lines += ["", "## Training", ""]
    for k, v in meta.get("training", {}).items():
        lines.append(f"- {k}: {_fmt(v)}")
    lines += ["", "## Evaluation (bootstrap 95% CIs over cities)", ""]
    for wname, block in meta.get("metrics", {}).items():
        lines.append(f"### {wname}: {block.get('description', '')}")
        lines.append("")
        lines.append("| ranker | average precision | ROC-AUC | P@100 | NDCG@10 per city |")
        lines.append("|---|---|---|---|---|")
        for name, m in block.get("rankers", {}).items():
            lines.append(
                f"| {name} | {_ci(m, 'average_precision')} | {_ci(m, 'roc_auc')} | {_ci(m, 'p_at_100')} | {_ci(m, 'ndcg_at_10')} |"
            )
        diff = block.get("vs_best_baseline")
        if diff:
            lines.append("")
            lines.append(
                f"Average precision, model − {diff['baseline']} (paired bootstrap): "
                f"{diff['average_precision']:+.3f} [{diff['average_precision_ci'][0]:+.3f}, {diff['average_precision_ci'][1]:+.3f}]"
            )
        lines.append("")
    lines += ["## Limits", ""]
    for item in meta.get("limits", []):
        lines.append(f"- {item}")
    lines += ["", "## Files", "", f"- `{MODEL_FILE}`: the fitted ranker (`matcher.model.card.load_exported`)",
              f"- `{META_FILE}`: everything on this card, machine-readable", ""]
    return "\n".join(lines)
