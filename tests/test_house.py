"""The shape of the house: imports run one way, and functions stay short enough to read.

Floors, low to high (a module may import its own floor and the floors below, never above):
ground (cache, resources, relatedness, plotting, the loader contract sources.base, the writers' rule
outputs.safe) → geo → sources →
firms → chain → regions → model → bench → outputs → pipeline → api → workbench (it reads matcher only
through the facade) → cli. The package
root re-exports the facade lazily (``matcher.__getattr__``): the one import that goes up, by design.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1] / "matcher"
FLOORS = ["ground", "geo", "sources", "firms", "chain", "regions", "model", "bench", "outputs", "pipeline", "api",
          "workbench", "cli"]
GROUND = {"matcher", "matcher.cache", "matcher.resources", "matcher.relatedness", "matcher.plotting",
          "matcher.sources.base",
          "matcher.outputs.safe"}  # imports nothing of the project: every writer (profiles, benchmarks) uses it
#: the root's lazy facade (module-level __getattr__) imports the api on first attribute access
ALLOWED_UP = {("matcher", "matcher.api")}
MAX_LINES = 80
REASON = "Long because"


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def floor(module: str) -> int:
    if module in GROUND:
        return 0
    parts = module.split(".")
    if parts[1] == "__main__":
        return FLOORS.index("cli")
    if parts[1] not in FLOORS:
        raise AssertionError(f"{module}: not on any floor; add it to FLOORS or GROUND in {__file__}")
    return FLOORS.index(parts[1])


def project_imports(path: Path) -> list[tuple[int, str]]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and (node.module == "matcher" or node.module.startswith("matcher.")):
            for a in node.names:
                full = f"{node.module}.{a.name}"
                target = full if (ROOT.parent / Path(*full.split("."))).with_suffix(".py").exists() or \
                    (ROOT.parent / Path(*full.split("."))).is_dir() else node.module
                out.append((node.lineno, target))
        elif isinstance(node, ast.Import):
            out += [(node.lineno, a.name) for a in node.names if a.name.startswith("matcher")]
    return out


MODULES = sorted(ROOT.rglob("*.py"))


def test_every_module_has_a_floor() -> None:
    for path in MODULES:
        floor(module_name(path))


def test_imports_run_one_way() -> None:
    back_edges = []
    for path in MODULES:
        me = module_name(path)
        for line, target in project_imports(path):
            if (me, target) in ALLOWED_UP or target.startswith(me + "."):
                continue
            if floor(target) > floor(me):
                back_edges.append(f"{path.relative_to(ROOT.parent)}:{line} {me} ({FLOORS[floor(me)]}) imports "
                                  f"{target} ({FLOORS[floor(target)]})")
    assert back_edges == [], "\n".join(back_edges)


def test_the_check_can_fail(tmp_path: Path) -> None:
    """A lower floor importing a higher one is caught (so the test above is not vacuous)."""
    bad = ROOT / "geo" / "__init__.py"
    fake = tmp_path / "probe.py"
    fake.write_text("from matcher.api import navmap\n", encoding="utf-8")
    imports = project_imports(fake)
    assert imports == [(1, "matcher.api")] and floor("matcher.api") > floor(module_name(bad))


def long_functions() -> list[str]:
    found = []
    for path in MODULES:
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                doc = ast.get_docstring(node) or ""
                body = node.body[1:] if doc and len(node.body) > 1 else node.body  # the docstring does not count
                n = (node.end_lineno or node.lineno) - body[0].lineno + 1
                if n > MAX_LINES and REASON not in doc:
                    found.append(f"{path.relative_to(ROOT.parent)}:{node.lineno} {node.name} ({n} lines)")
    return found


def test_no_long_function_without_a_reason() -> None:
    """A function over ~80 lines says why in its docstring ("Long because …"), or is split."""
    assert long_functions() == []


@pytest.mark.parametrize("module", ["matcher.api", "matcher"])
def test_the_facade_is_small_and_documented(module: str) -> None:
    import importlib

    m = importlib.import_module(module)
    names = m.__all__
    assert 10 <= len(names) <= 40
    api = importlib.import_module("matcher.api")
    for n in names:
        if n.startswith("__"):
            continue
        fn = getattr(api, n)
        assert (fn.__doc__ or "").strip(), f"{n} has no docstring"


def test_the_package_reexports_exactly_the_facade() -> None:
    """``matcher.<name>`` is every name of :mod:`matcher.api` and nothing else (``_API`` = ``api.__all__``),
    and stays the facade's function on every access, whatever was imported before."""
    import importlib

    import matcher
    from matcher import api

    assert sorted(matcher._API) == sorted(api.__all__)
    importlib.import_module("matcher.pipeline")  # loads every stage: their modules become package attributes
    for n in api.__all__:
        assert getattr(matcher, n) is getattr(api, n), f"matcher.{n} is not the facade's {n}"


def test_no_facade_name_is_a_module_of_the_package() -> None:
    """A facade name equal to a subpackage or module (``matcher.firms``, ``matcher.pipeline``) is shadowed
    by that module as soon as it is imported: ``matcher.firms()`` works once, then is a module."""
    from matcher import api

    modules = {p.stem for p in ROOT.glob("*.py")} | {p.name for p in ROOT.iterdir() if (p / "__init__.py").is_file()}
    assert not set(api.__all__) & modules
