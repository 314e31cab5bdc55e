"""The analyst notebooks (``notebooks/*.py``, jupytext percent format) run end to end on the real data.

Each notebook is executed as a script in a subprocess (as splink runs its notebooks), with
MATCHER_DATA = the real data, MATCHER_WORKDIR = the session's ``real_workdir`` (so the firm master,
chain tables and profiles built by other tests are reused, and vice versa) and MATCHER_FIGURES = a
fresh folder per notebook. A notebook passes when it exits 0 and writes exactly the figures listed
here, each a non-empty PNG written by this run.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

PROJECT_ROOT = Path(__file__).resolve().parents[1]
NOTEBOOK_DIR = PROJECT_ROOT / "notebooks"
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"

#: notebook → the figures (PNG stems) it must write
NOTEBOOKS: dict[str, list[str]] = {
    "01_firm_universe.py": [
        "01_sources", "01_coverage_by_province", "01_geocoding_levels", "01_quarantine_reasons", "01_entity_resolution",
    ],
    "02_chain_qinhuangdao.py": ["02_graph_overview", "02_segment_strength", "02_leading_firms", "02_chain_life_health"],
    "03_county_profiles.py": ["03_units_map", "03_opportunity_quadrants", "03_opportunity_table", "03_chain_coverage"],
    "04_model_evaluation.py": ["04_entry_table", "04_pr_curves", "04_feature_importance", "04_mlflow_runs"],
}


def test_every_notebook_is_listed_and_is_a_percent_notebook() -> None:
    """The list above covers every notebook, and each parses as a jupytext percent notebook with
    explanatory markdown cells and code cells."""
    import jupytext

    found = sorted(p.name for p in NOTEBOOK_DIR.glob("[0-9][0-9]_*.py"))
    assert found == sorted(NOTEBOOKS)
    for name in found:
        nb = jupytext.read(NOTEBOOK_DIR / name, fmt="py:percent")
        kinds = [c.cell_type for c in nb.cells]
        assert kinds.count("markdown") >= 3, name
        assert kinds.count("code") >= 3, name
        assert nb.cells[0].cell_type == "markdown" and nb.cells[0].source.startswith("# "), name


#: what a notebook may import: the facade (``import matcher``), the notebooks' plotting helper, and
#: the analysis libraries (notebooks/README.md says so)
ALLOWED_IMPORTS = {
    "matcher", "matcher.plotting", "os", "pathlib", "pandas", "numpy", "matplotlib", "matplotlib.pyplot",
    "matplotlib.colors", "sklearn.metrics",
}
#: calls that read a file by path (a notebook asks the facade instead)
PATH_READS = {"read_parquet", "read_csv", "read_excel", "read_json", "read_text", "read_bytes", "open", "loads", "load"}


def notebook_imports_and_reads(source: str) -> tuple[set[str], set[str]]:
    """(modules imported, path-reading calls made) by a notebook's source."""
    import ast

    tree = ast.parse(source)
    imported: set[str] = set()
    reads: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            imported |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom):
            imported.add(node.module or "")
        elif isinstance(node, ast.Call):
            f = node.func
            name = f.attr if isinstance(f, ast.Attribute) else f.id if isinstance(f, ast.Name) else ""
            if name in PATH_READS:
                reads.add(name)
    return imported, reads


def test_the_import_check_can_fail() -> None:
    imported, reads = notebook_imports_and_reads(
        "from matcher.firms.master import build_firm_master\nimport pandas as pd\nq = pd.read_parquet(W / 'q.parquet')\n"
    )
    assert imported - ALLOWED_IMPORTS == {"matcher.firms.master"} and reads == {"read_parquet"}


@pytest.mark.parametrize("notebook", sorted(NOTEBOOKS))
def test_notebook_uses_only_the_public_api(notebook: str) -> None:
    """A notebook imports only the facade (``matcher``), ``matcher.plotting`` and the analysis
    libraries, and reads no file by path (work-directory tables come from facade calls)."""
    imported, reads = notebook_imports_and_reads((NOTEBOOK_DIR / notebook).read_text(encoding="utf-8"))
    assert imported <= ALLOWED_IMPORTS, f"{notebook} imports {sorted(imported - ALLOWED_IMPORTS)}"
    assert not reads, f"{notebook} reads files by path: {sorted(reads)}"


@pytest.mark.realdata
@pytest.mark.slow
@pytest.mark.parametrize("notebook", sorted(NOTEBOOKS))
def test_notebook_runs_and_writes_its_figures(
    notebook: str, data_dir: Path, real_workdir: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    fig_dir = tmp_path_factory.mktemp("figures_" + notebook[:2])
    env = {
        **os.environ,
        "MATCHER_DATA": str(data_dir),
        "MATCHER_WORKDIR": str(real_workdir),
        "MATCHER_FIGURES": str(fig_dir),
        "MPLBACKEND": "Agg",
    }
    started = time.time()
    proc = subprocess.run(
        [sys.executable, str(NOTEBOOK_DIR / notebook)],
        cwd=PROJECT_ROOT, env=env, capture_output=True, text=True, timeout=900, check=False,
    )
    assert proc.returncode == 0, f"{notebook} failed:\n{proc.stdout[-3000:]}\n{proc.stderr[-5000:]}"
    written = sorted(p.stem for p in fig_dir.glob("*.png"))
    assert written == sorted(NOTEBOOKS[notebook]), f"{notebook} wrote {written}"
    for stem in NOTEBOOKS[notebook]:
        path = fig_dir / f"{stem}.png"
        assert path.stat().st_size > 5_000, f"{path} is (nearly) empty"
        assert path.read_bytes()[:8] == PNG_MAGIC, f"{path} is not a PNG"
        assert path.stat().st_mtime >= started - 1
