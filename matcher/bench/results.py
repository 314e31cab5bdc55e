"""Results files with their provenance: every ``benchmarks/results/<name>.json`` records the commit, the
code and the data it was made from, so that a test can tell when a results file that the outputs
quote is older than the code that makes it.

``provenance`` holds:

- ``commit`` — ``git rev-parse HEAD`` of the checkout that ran the benchmark (and ``dirty`` when it
  had uncommitted changes), or null outside a checkout;
- ``code`` — the fingerprint of the benchmark's modules and everything they import
  (:func:`matcher.cache.code_fingerprint`): the check that matters, since a commit cannot name itself;
- ``data`` — the manifest's sha256 of every raw file the benchmark reads (the manifest is verified
  by ``matcher data check``), and the fingerprint of the shipped data files it reads;
- ``command`` — how to regenerate it.
"""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from matcher import resources
from matcher.cache import PACKAGE_ROOT, code_fingerprint


def git_commit(root: Path = PACKAGE_ROOT.parent) -> tuple[str | None, bool]:
    """(HEAD commit, dirty) of the checkout the package runs from; (None, False) outside one."""
    try:
        head = subprocess.run(["git", "-C", str(root), "rev-parse", "HEAD"], capture_output=True, text=True, timeout=10)
        if head.returncode != 0:
            return None, False
        dirty = subprocess.run(["git", "-C", str(root), "status", "--porcelain", "--", "matcher", "data"],
                               capture_output=True, text=True, timeout=10)
        return head.stdout.strip(), bool(dirty.stdout.strip())
    except (OSError, subprocess.SubprocessError):
        return None, False


def manifest_hashes(folders: Iterable[str]) -> dict[str, str]:
    """path → sha256 of the manifest rows under the raw-data ``folders``."""
    from matcher.sources.manifest import load_manifest

    wanted = tuple(f.rstrip("/") + "/" for f in folders)
    return {e.path: e.sha256 for e in load_manifest() if e.path.startswith(wanted)}


def provenance(code: Iterable[str], raw_folders: Iterable[str] = (), data: Iterable[str] = (),
               command: str = "") -> dict[str, Any]:
    commit, dirty = git_commit()
    return {
        "commit": commit, "dirty": dirty, "code": code_fingerprint(*code), "code_modules": sorted(code),
        "data": {"raw": manifest_hashes(raw_folders), "shipped": resources.fingerprint(data) if data else None,
                 "shipped_files": sorted(data)},
        "command": command,
    }


def write_results(out_dir: Path, name: str, result: Mapping[str, Any], markdown: str, prov: Mapping[str, Any]) -> dict[str, Path]:
    """``<name>.json`` (the result with its ``provenance``) and ``<name>.md`` (the Markdown, with a
    provenance footer)."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    doc = {**dict(result), "provenance": dict(prov)}
    j, m = out_dir / f"{name}.json", out_dir / f"{name}.md"
    j.write_text(json.dumps(doc, ensure_ascii=False, indent=1, default=str) + "\n", encoding="utf-8")
    footer = (f"\n---\nMade by `{prov.get('command', '')}` at commit {prov.get('commit') or 'unknown'}"
              f"{' (with uncommitted changes)' if prov.get('dirty') else ''}; code fingerprint {prov.get('code')}.\n")
    m.write_text(markdown.rstrip("\n") + "\n" + footer, encoding="utf-8")
    return {"json": j, "md": m}


def read_results(name: str, results_dir: Path | None = None) -> dict[str, Any] | None:
    """A results document, or None when the benchmark has not been run (or its file is unreadable)."""
    p = (Path(results_dir) if results_dir is not None else resources.results_dir()) / f"{name}.json"
    try:
        return json.loads(p.read_text(encoding="utf-8")) if p.is_file() else None
    except (OSError, ValueError):
        return None


def stale_reason(name: str, code: Iterable[str], results_dir: Path | None = None, data: Iterable[str] = ()) -> str | None:
    """Why ``<name>.json`` does not match the code that makes it, or the shipped ``data`` files it reads
    (None when it matches both)."""
    doc = read_results(name, results_dir)
    if doc is None:
        return f"{name}.json is missing"
    prov = doc.get("provenance")
    if not isinstance(prov, dict):
        return f"{name}.json records no provenance"
    now = code_fingerprint(*code)
    if prov.get("code") != now:
        return f"{name}.json was made by code {prov.get('code')}, the code is now {now}: rerun `{prov.get('command')}`"
    data = tuple(data)
    if data:
        was = (prov.get("data") or {}).get("shipped")
        if was != resources.fingerprint(data):
            return f"{name}.json was made from other shipped data ({', '.join(data)}): rerun `{prov.get('command')}`"
    return None
