"""Matplotlib helpers shared by the chain figures and the analyst notebooks.

Chinese labels need a CJK font; the Noto Sans CJK SC font (Debian's fonts-noto-cjk) is used where it
is installed, else matplotlib falls back silently to its default (labels render as boxes, nothing fails).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any


def use_cjk_font() -> str | None:
    """Select a CJK sans-serif font for matplotlib when one is installed; return its name (or None)."""
    import matplotlib.pyplot as plt
    from matplotlib import font_manager

    if not any("CJK SC" in f.name for f in font_manager.fontManager.ttflist):
        # matplotlib's font scan skips TrueType collections (.ttc), the form Debian's fonts-noto-cjk ships
        import glob

        for path in sorted(glob.glob("/usr/share/fonts/opentype/noto/NotoSansCJK-*.ttc")):
            try:
                font_manager.fontManager.addfont(path)
            except (OSError, RuntimeError):  # pragma: no cover - unreadable font file
                pass
    names = sorted({f.name for f in font_manager.fontManager.ttflist if "CJK SC" in f.name or "WenQuanYi" in f.name})
    chosen = [n for n in names if "Sans" in n] or names
    plt.rcParams["font.sans-serif"] = chosen + ["DejaVu Sans"]
    plt.rcParams["font.family"] = "sans-serif"
    plt.rcParams["axes.unicode_minus"] = False
    return chosen[0] if chosen else None


def save_figure(fig: Any, path: str | Path, dpi: int = 110) -> Path:
    """Write ``fig`` (PNG/SVG by suffix), close it, and say where it went."""
    import matplotlib.pyplot as plt

    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out, dpi=dpi, bbox_inches="tight")
    plt.close(fig)
    print("wrote", out)
    return out


def notebook_paths(notebook_file: str | None = None) -> tuple[Path, Path, Path, Path]:
    """(DATA, WORKDIR, FIG_DIR, RESULTS) for a notebook, from $MATCHER_DATA, $MATCHER_WORKDIR (default
    ``work``), $MATCHER_FIGURES (default ``notebooks/figures``) and $MATCHER_RESULTS (default the
    repository's ``benchmarks/results``, found from the notebook's file, or from the kernel's folder
    ``notebooks/`` inside Jupyter). The work and figure folders are created."""
    data = Path(os.environ["MATCHER_DATA"])
    workdir = Path(os.environ.get("MATCHER_WORKDIR", "work"))
    fig_dir = Path(os.environ.get("MATCHER_FIGURES", "notebooks/figures"))
    root = Path(notebook_file).resolve().parents[1] if notebook_file else Path.cwd().resolve().parent
    results = Path(os.environ.get("MATCHER_RESULTS", root / "benchmarks" / "results"))
    fig_dir.mkdir(parents=True, exist_ok=True)
    workdir.mkdir(parents=True, exist_ok=True)
    return data, workdir, fig_dir, results
