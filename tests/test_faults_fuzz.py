"""Fuzz suite (issue 14): every loader and every writer on malformed and hostile input.

- **Loaders**: the user formats (MIIT lists, registry exports) on generated tables — random headers
  from the synonym lists, title lines, hostile and odd values, five encodings, CSV and .xlsx, garbage
  bytes — and every real-data loader on its own files damaged (emptied, cut in half, bytes flipped,
  replaced by noise). The only outcomes allowed: a ``LoadResult`` whose counts reconcile (read =
  accepted + quarantined), or a ``SourceError`` naming the file. Anything else is a raw traceback.
- **Writers**: the navigation map (CSV, xlsx, HTML, Markdown) and trips (xlsx, Markdown, JSON) with
  hostile names, reasons and cities: no ``<f>`` (formula) element in any sheet XML, no CSV cell that a
  spreadsheet runs, no tag from the data in HTML or Markdown; and in headless Chromium no dialog fires
  and no injected element appears, with every tooltip shown.
- A guard that no module writes CSV or xlsx except through :mod:`matcher.outputs.safe`.

Run time stays small in CI: Hypothesis examples are bounded (profile ``ci``); ``HYPOTHESIS_PROFILE=deep``
runs many more (``make fuzz``).
"""

from __future__ import annotations

import json
import os
import random
import re
import sys
import zipfile
from pathlib import Path

import pandas as pd
import pytest
from faults_helpers import HOSTILE
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from matcher.sources.base import LoadResult, SourceError

settings.register_profile("ci", max_examples=25, deadline=None, derandomize=True,
                          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
settings.register_profile("deep", max_examples=1000, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))

# ------------------------------------------------------------------------------------------------
# generated user files


def _synonyms() -> list[str]:
    from matcher.sources import miit, registry

    return sorted({s for d in (miit.SYNONYMS, registry.SYNONYMS) for names in d.values() for s in names})


ODD_VALUES = ["1e3万", "500万元整", "2099-01-01", "1800-01-01", "2010-02-30", "第三批", "第3批", "三", "宁波", "-", "—",
              "91130302MA0XL0001Y", "1,000万元", "100万美元", "0", "-1", "NaN", "None", "  ", "\u3000", "１２３", "（集团）"]

cell = st.one_of(st.sampled_from(HOSTILE + ODD_VALUES), st.text(max_size=12), st.none())


@st.composite
def user_table(draw: st.DrawFn) -> list[list[str | None]]:
    headers = draw(st.lists(st.one_of(st.sampled_from(_synonyms()), st.text(max_size=6)), min_size=1, max_size=8))
    width = len(headers)
    rows = draw(st.lists(st.lists(cell, min_size=0, max_size=width + 2), max_size=12))
    titles = draw(st.lists(st.lists(cell, max_size=3), max_size=2))
    return [*titles, list(headers), *rows]


def _csv_bytes(rows: list[list[str | None]], encoding: str) -> bytes:
    import csv
    import io

    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerows([["" if v is None else v for v in r] for r in rows])
    return buf.getvalue().encode(encoding, errors="ignore")


def _xlsx_bytes(rows: list[list[str | None]], path: Path) -> None:
    import xlsxwriter

    wb = xlsxwriter.Workbook(str(path), {"strings_to_formulas": False, "strings_to_numbers": False, "strings_to_urls": False})
    ws = wb.add_worksheet()
    for i, r in enumerate(rows):
        for j, v in enumerate(r):
            if v is not None:
                ws.write_string(i, j, v)
    wb.close()


def _load_user(kind: str, path: Path) -> None:
    from matcher.firms.master import load_user_file, user_file_duplicates

    try:
        res = load_user_file(kind, path)
    except SourceError as exc:
        assert path.name in str(exc)
        return
    assert isinstance(res, LoadResult)
    assert res.rows_read == res.rows_accepted + res.rows_quarantined
    dedup = user_file_duplicates(res)
    assert dedup.rows_read == dedup.rows_accepted + dedup.rows_quarantined == res.rows_read


@settings(max_examples=100 if os.environ.get("HYPOTHESIS_PROFILE", "ci") == "ci" else 3000)
@given(table=user_table(), encoding=st.sampled_from(["utf-8", "utf-8-sig", "gb18030", "big5", "latin-1"]),
       kind=st.sampled_from(["little_giants", "registry"]))
@example(table=[["细分领域"], ["\r=1+1", None], ["@SUM(1,1)"]], encoding="utf-8", kind="little_giants")  # found: a bare CR (csv.Error)
def test_user_loaders_on_generated_csv(table, encoding, kind, tmp_path_factory) -> None:  # noqa: ANN001
    p = tmp_path_factory.mktemp("csv") / "第三批名单.csv"
    p.write_bytes(_csv_bytes(table, encoding))
    _load_user(kind, p)


@settings(max_examples=10)
@given(table=user_table(), kind=st.sampled_from(["little_giants", "registry"]))
def test_user_loaders_on_generated_xlsx(table, kind, tmp_path_factory) -> None:  # noqa: ANN001
    p = tmp_path_factory.mktemp("xlsx") / "第三批名单.xlsx"
    _xlsx_bytes(table, p)
    _load_user(kind, p)


@given(data=st.binary(max_size=2000), suffix=st.sampled_from([".csv", ".xlsx", ".xls", ".txt", ".pdf"]),
       kind=st.sampled_from(["little_giants", "registry"]))
def test_user_loaders_on_garbage_bytes(data, suffix, kind, tmp_path_factory) -> None:  # noqa: ANN001
    p = tmp_path_factory.mktemp("bin") / f"第三批名单{suffix}"
    p.write_bytes(data)
    _load_user(kind, p)


@pytest.mark.parametrize("name", sorted(p.name for p in (Path(__file__).parent / "fixtures" / "faults").iterdir()
                                        if p.suffix in (".csv", ".xlsx")))
def test_user_loaders_on_fault_fixtures(name: str) -> None:
    p = Path(__file__).parent / "fixtures" / "faults" / name
    for kind in ("little_giants", "registry"):
        _load_user(kind, p)


# ------------------------------------------------------------------------------------------------
# every real-data loader on its own files, damaged


DISCOVER = r"""
import json, sys
from pathlib import Path
from matcher.sources import all_loaders
root = Path(sys.argv[1]).resolve()
seen = []
sys.addaudithook(lambda ev, args: seen.append(str(args[0])) if ev == "open" and args and isinstance(args[0], (str, Path)) else None)
out = {}
for name, fn in all_loaders().items():
    seen.clear()
    fn(Path(sys.argv[1]))
    rels = {Path(s).resolve() for s in list(seen)}
    out[name] = sorted(r.relative_to(root).as_posix() for r in rels if r.is_relative_to(root))
print(json.dumps(out))
"""


@pytest.fixture(scope="module")
def loader_files(data_dir: Path) -> dict[str, list[str]]:
    """The files each registered loader opens, seen by an audit hook on one clean run in a fresh
    interpreter (in this one, loaders' caches may already hold what they read)."""
    import subprocess

    res = subprocess.run([sys.executable, "-c", DISCOVER, str(data_dir)], capture_output=True, text=True, check=False,
                         timeout=600)
    assert res.returncode == 0, res.stderr[-2000:]
    return json.loads(res.stdout.strip().splitlines()[-1])


def _damage(data: bytes, how: str, rnd: random.Random) -> bytes:
    if how == "empty":
        return b""
    if how == "half":
        return data[: len(data) // 2]
    if how == "noise":
        return bytes(rnd.getrandbits(8) for _ in range(min(len(data), 4096)))
    out = bytearray(data)  # "flip": 16 bytes changed at random places
    for _ in range(16):
        if out:
            out[rnd.randrange(len(out))] ^= 0xFF
    return bytes(out)


LOADER_NAMES = [
    "chainkg.company", "chainkg.company_industry", "chainkg.company_product", "chainkg.industry", "chainkg.industry_hierarchy",
    "chainkg.industry_up", "chainkg.product", "divisions.changes", "divisions.county_coords", "divisions.jionlp",
    "exchanges.sse", "exchanges.szse", "fortune500", "gbcrosswalk", "gbt4754", "listed_geo_2015", "registry.sample", "tushare.bak_basic",
    "tushare.stock_basic", "tushare.stock_company", "unicorns.cbinsights", "unicorns.maven", "unicorns.panel",
    "unicorns.snapshots", "wiod.sectors", "wiod.totals", "wiod.z",
]


#: files read by native code (pyarrow), which the audit hook does not see
FILES_NOT_SEEN = {"registry.sample": ["registry_sample_2019/registrations.parquet"]}
#: loaders of large files: the "flip" mode (a full read of the damaged copy) only in the deep run (`make fuzz`)
BIG = {"registry.sample": "170 MB"} if os.environ.get("HYPOTHESIS_PROFILE") != "deep" else {}


@pytest.mark.realdata
@pytest.mark.slow
@pytest.mark.parametrize(("name", "how"), [(n, h) for n in LOADER_NAMES for h in ("empty", "half", "noise", "flip")
                                            if not (n in BIG and h == "flip")])
def test_every_loader_on_damaged_files(name: str, how: str, loader_files, data_dir: Path, tmp_path: Path) -> None:  # noqa: ANN001
    from matcher.sources import all_loaders

    files = loader_files.get(name)
    if not files and name in FILES_NOT_SEEN:
        files = FILES_NOT_SEEN[name]
    if files is None:
        pytest.fail(f"loader {name} is no longer registered: update LOADER_NAMES")
    assert files, f"loader {name} opened no file of the data directory"
    rnd = random.Random(f"{name}|{how}")
    target = rnd.choice(files)
    for rel in files:
        q = tmp_path / rel
        q.parent.mkdir(parents=True, exist_ok=True)
        src = (data_dir / rel).read_bytes()
        q.write_bytes(_damage(src, how, rnd) if rel == target else src)
    try:
        res = all_loaders()[name](tmp_path)
    except SourceError as exc:
        assert Path(target).name in str(exc) or Path(target).parent.name in str(exc), str(exc)
        return
    assert res.rows_read == res.rows_accepted + res.rows_quarantined


def test_loader_list_is_complete() -> None:
    from matcher.sources import all_loaders

    missing = set(all_loaders()) - set(LOADER_NAMES) - {"chainkg.product_relation", "divisions.towns"}
    assert not missing, f"add these loaders to LOADER_NAMES: {sorted(missing)}"


# ------------------------------------------------------------------------------------------------
# writers


text = st.one_of(st.sampled_from(HOSTILE), st.text(min_size=1, max_size=20))


def hostile_navmap(names: list[str], reason: str, city: str):  # noqa: ANN201 - Navmap
    from test_outputs_navmap import synthetic_inputs

    from matcher.outputs.navmap import NavmapOptions, assemble_navmap

    matches, firms, units = synthetic_inputs()
    ids = firms["firm_id"].tolist()
    mapping = {fid: names[i % len(names)] for i, fid in enumerate(ids)}
    firms["name"] = firms["firm_id"].map(mapping)
    firms["legal_name"] = firms["name"] + "有限公司"
    firms.loc[firms["firm_id"] == "S:F2", "city"] = city
    matches["name"] = matches["firm_id"].map(mapping)
    matches["reasons"] = reason + "；" + matches["reasons"]
    quality = pd.DataFrame({"benchmark": ["entry"], "model": [reason], "metric": ["roc_auc"], "value": [0.75]})
    return assemble_navmap("合成市", "990100", matches, firms, units, NavmapOptions(top=0), quality=quality)


def sheet_formulas(xlsx: Path) -> list[str]:
    with zipfile.ZipFile(xlsx) as z:
        return [m for n in z.namelist() if n.startswith("xl/worksheets/")
                for m in re.findall(r"<f[ >/]", z.read(n).decode("utf-8"))]


def _csv_cells_inert(path: Path) -> None:
    import csv

    with open(path, encoding="utf-8-sig", newline="") as fh:
        for row in csv.reader(fh):
            for v in row:
                if v.startswith(("=", "+", "-", "@", "\t", "\r", "\n")):
                    try:
                        float(v)
                    except ValueError:
                        pytest.fail(f"{path.name}: cell {v!r} would run as a formula")


def _no_data_tags(page: str) -> None:
    # outside <script> elements, no tag but the page's own; inside the JSON data, no '<' at all
    data = re.search(r'<script type="application/json" id="navmap-data">(.*?)</script>', page, re.S)
    assert data is not None and "<" not in data.group(1)
    body = re.sub(r"<script\b.*?</script>", "", page, flags=re.S)
    tags = set(re.findall(r"<([a-zA-Z][a-zA-Z0-9]*)", body))
    assert tags <= {"html", "head", "meta", "title", "style", "body", "header", "h1", "h2", "p", "nav", "a", "div", "b",
                    "section", "input", "span", "footer"}, tags


@given(names=st.lists(text, min_size=1, max_size=8), reason=text, city=text)
def test_navmap_writers_keep_hostile_text_as_text(names, reason, city, tmp_path_factory) -> None:  # noqa: ANN001
    from matcher.outputs.navmap import read_targets_csv, write_navmap

    nav = hostile_navmap(names, reason, city)
    out = tmp_path_factory.mktemp("nav")
    paths = write_navmap(nav, out)
    assert sheet_formulas(paths["navmap.xlsx"]) == []
    _csv_cells_inert(paths["targets.csv"])
    back = read_targets_csv(paths["targets.csv"])  # the contract reads back the text itself
    want = nav.targets["name"].astype(str).str.replace("\r\n", "\n").str.replace("\r", "\n")
    assert back["name"].tolist() == want.tolist()
    _no_data_tags(paths["navmap.html"].read_text(encoding="utf-8"))
    md = paths["navmap.md"].read_text(encoding="utf-8")
    assert "<" not in md


@given(names=st.lists(text, min_size=3, max_size=9), why=text)
def test_trip_writers_keep_hostile_text_as_text(names, why, tmp_path_factory) -> None:  # noqa: ANN001
    from test_outputs_trips import SQUARE, hour_legs, synthetic_ranked

    from matcher.outputs import trips as T

    ranked = synthetic_ranked({"A": (0.9, 3), "B": (0.8, 3), "C": (0.7, 3)})
    ranked["name"] = [names[i % len(names)] for i in range(len(ranked))]
    ranked["reasons"] = why
    plan = T.plan_trip("H", ["A", "B", "C"], ranked, SQUARE, 3, assumptions=hour_legs(), city_names={"A": why})
    paths = T.write_trip(plan, tmp_path_factory.mktemp("trip"))
    assert sheet_formulas(paths["xlsx"]) == []
    assert "<" not in paths["md"].read_text(encoding="utf-8")
    json.loads(paths["json"].read_text(encoding="utf-8"))


@given(values=st.lists(st.one_of(text, st.none()), min_size=1, max_size=10))
def test_csv_neutralisation_round_trips(values, tmp_path_factory) -> None:  # noqa: ANN001
    from matcher.outputs.safe import to_csv, unneutralise_csv

    p = tmp_path_factory.mktemp("csv") / "t.csv"
    frame = pd.DataFrame({"text": pd.array(values, dtype="string"), "n": range(len(values))})
    to_csv(frame, p, encoding="utf-8")
    _csv_cells_inert(p)
    back = unneutralise_csv(pd.read_csv(p, dtype={"text": "string"}, keep_default_na=False, na_values=[""]))
    frame["text"] = frame["text"].str.replace("\r\n", "\n").str.replace("\r", "\n")  # CR is written as LF
    want = frame["text"].where(frame["text"].str.strip().ne("").fillna(False), pd.NA)  # blanks read back as missing
    got = back["text"].where(back["text"].str.strip().ne("").fillna(False), pd.NA)
    assert got.fillna("∅").tolist() == want.fillna("∅").tolist()


def test_every_csv_and_xlsx_writer_goes_through_safe() -> None:
    """No module writes CSV or a workbook except through matcher.outputs.safe (one rule, one place)."""
    root = Path(__file__).resolve().parents[1] / "matcher"
    # bench/entry.py: the model-selection table (no data text); workbench/reports.py: its own formula-safe
    # writers (csv_safe, workbook), tested in tests/workbench
    allowed = {"outputs/safe.py", "bench/entry.py", "workbench/reports.py"}
    bad = []
    for p in root.rglob("*.py"):
        rel = p.relative_to(root).as_posix()
        if rel in allowed:
            continue
        src = p.read_text(encoding="utf-8")
        for pat in (r"\.to_csv\(", r"xlsxwriter\.Workbook\(", r"pd\.ExcelWriter\(", r"csv\.writer\("):
            if re.search(pat, src):
                bad.append(f"{rel}: {pat}")
    assert not bad, bad


# ------------------------------------------------------------------------------------------------
# the page in Chromium: no dialog fires, no injected element, every tooltip shown

HARNESS_HEAD = """<script>
window.__dialogs = [];
['alert','confirm','prompt','print','open'].forEach(function(k){ window[k] = function(m){
  window.__dialogs.push(k + ':' + m); document.documentElement.setAttribute('data-dialog', window.__dialogs.join('|')); }; });
</script>"""
HARNESS_TAIL = """<script>
setTimeout(function(){
  ['map','chains','regions','counties'].forEach(function(id){
    var c = echarts.getInstanceByDom(document.getElementById(id)); if(!c) return;
    var opt = c.getOption();
    (opt.series||[]).forEach(function(s, si){
      (s.data||[]).forEach(function(_, di){ c.dispatchAction({type:'showTip', seriesIndex:si, dataIndex:di}); });
    });
  });
  var tips = document.querySelectorAll('div').length;
  document.documentElement.setAttribute('data-tips-done', String(tips));
}, 500);
</script>"""


@pytest.mark.slow
def test_hostile_page_in_chromium(tmp_path: Path) -> None:
    from test_outputs_html import console_messages, run_chromium

    from matcher.outputs.html import render_html

    nav = hostile_navmap(HOSTILE[8:] + HOSTILE[:8], "<img src=x onerror=alert(99)>=1+1", "<svg onload=alert(98)>")
    page = render_html(nav)
    head, _, tail = page.rpartition("</body>")
    page = (head + HARNESS_TAIL + "</body>" + tail).replace("<head>", "<head>" + HARNESS_HEAD, 1)
    html = tmp_path / "navmap.html"
    html.write_text(page, encoding="utf-8")
    dom = run_chromium(html, "--dump-dom")
    assert "data-tips-done" in dom.stdout, dom.stderr[-2000:]
    assert 'data-rendered="4"' in dom.stdout
    opening = re.search(r"<html[^>]*>", dom.stdout)
    assert opening is not None and "data-tips-done" in opening.group(0)
    assert "data-dialog" not in opening.group(0), opening.group(0)  # alert/confirm/prompt never called
    # the hostile names are on the page as text, and no element they describe exists
    assert "&lt;img src=x onerror=alert(9)&gt;" in dom.stdout and "&lt;img src=x onerror=alert(99)&gt;" in dom.stdout
    assert not re.search(r"<img[^>]*onerror", dom.stdout) and not re.search(r"<svg[^>]*onload", dom.stdout)
    assert [m for m in console_messages(dom.stderr) if "alert" in m or "Uncaught" in m] == []
