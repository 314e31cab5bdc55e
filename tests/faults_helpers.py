"""Helpers shared by the fault tests (issue 14): run the command line as a user does, in a fresh process,
and the hostile texts every writer must keep as text."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

FAULTS = Path(__file__).resolve().parent / "fixtures" / "faults"
USER_FORMATS = Path(__file__).resolve().parent / "fixtures" / "user_formats"

#: texts that a spreadsheet, a browser or a Markdown viewer would run if written raw
HOSTILE = [
    "=cmd|' /C calc'!A0",
    '=HYPERLINK("http://example.invalid/?x=1","点击")',
    "=1+1",
    "+1+1",
    "-2+3",
    "@SUM(1,1)",
    "\t=1+1",
    "\r=1+1",
    "<img src=x onerror=alert(9)>",
    "<script>alert(10)</script>",
    "</script><script>alert(11)</script>",
    "<svg onload=alert(12)>",
    "\"><img src=x onerror=alert(13)>",
    "'><img src=x onerror=alert(14)>",
    "<!--<img src=x onerror=alert(15)>-->",
    "[点我](javascript:alert(16))",
    "测试|管道|企业",
    "换行\n企业",
]


def run_cli(*args: str | Path, data_dir: Path | None = None, timeout: float = 900) -> subprocess.CompletedProcess[str]:
    """``python -m matcher ARGS`` in a fresh process (stdout/stderr captured, never raises)."""
    env = dict(os.environ)
    if data_dir is not None:
        env["MATCHER_DATA"] = str(data_dir)
    return subprocess.run([sys.executable, "-m", "matcher", *map(str, args)], capture_output=True, text=True,
                          env=env, timeout=timeout, check=False)


def one_clear_line(res: subprocess.CompletedProcess[str], *must: str) -> str:
    """Exit code 2, no traceback, one ``error:`` line on stderr naming each of ``must``; returns it."""
    assert "Traceback" not in res.stderr, res.stderr[-3000:]
    assert res.returncode == 2, (res.returncode, res.stdout[-1000:], res.stderr[-2000:])
    lines = [ln for ln in res.stderr.splitlines() if ln.startswith("error:")]
    assert len(lines) == 1, res.stderr
    for m in must:
        assert m in lines[0], (m, lines[0])
    return lines[0]


def data_copy(src: Path, dst: Path, replace: dict[str, bytes] | None = None) -> Path:
    """A data directory of symbolic links to ``src`` (cheap), with the files named in ``replace`` written
    as real files with the given bytes."""
    for p in sorted(src.rglob("*")):
        rel = p.relative_to(src)
        q = dst / rel
        if p.is_dir():
            q.mkdir(parents=True, exist_ok=True)
        else:
            q.parent.mkdir(parents=True, exist_ok=True)
            if replace and rel.as_posix() in replace:
                q.write_bytes(replace[rel.as_posix()])
            else:
                q.symlink_to(p.resolve())
    return dst
