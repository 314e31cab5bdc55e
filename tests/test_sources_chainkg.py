"""Chain-KG loaders on the real files (counts of SOURCE.md) and on broken copies of them."""

from __future__ import annotations

import shutil
import zipfile
from pathlib import Path

import pytest

from matcher.sources import all_loaders
from matcher.sources.base import SourceError
from matcher.sources.chainkg import (
    FOLDER,
    SQL_FOLDER,
    SQL_MEMBER,
    SQL_ZIP,
    load_company,
    load_company_industry,
    load_company_product,
    load_industry,
    load_industry_hierarchy,
    load_industry_up,
    load_product,
    load_product_relation,
)


def _reasons(res) -> dict[str, int]:
    return res.quarantine["reason"].value_counts().to_dict()


def test_loaders_are_registered() -> None:
    names = {n for n in all_loaders() if n.startswith("chainkg.")}
    assert names == {
        "chainkg.company", "chainkg.company_industry", "chainkg.industry", "chainkg.industry_hierarchy",
        "chainkg.industry_up", "chainkg.product", "chainkg.company_product", "chainkg.product_relation",
    }


@pytest.mark.realdata
def test_entity_and_industry_files(data_dir: Path) -> None:
    comp = load_company(data_dir)
    assert comp.rows_read == 4654
    r = _reasons(comp)
    assert r["duplicate stock code (renamed firm; first row kept, name in alt_names)"] == 68
    f = comp.frame.set_index("stock_code")
    assert f.loc["300054", "exchange"] == "SZ" and f.loc["300054", "repair"].startswith("location held the listing date")
    assert f.loc["000510", "alt_names"] == "金路集团"
    assert f.loc["601326", "legal_name"] == "秦皇岛港股份有限公司"
    assert set(comp.frame["exchange"]) == {"SZ", "SH"}
    assert comp.frame["stock_code"].is_unique

    ind = load_industry(data_dir).frame
    assert len(ind) == 511 and ind["level"].value_counts().to_dict() == {3: 346, 2: 134, 1: 31}
    hier = load_industry_hierarchy(data_dir).frame
    assert len(hier) == 480
    # the hierarchy file agrees with the code digits for every row
    assert (hier["parent_code"] == hier["child_code"].map(ind.set_index("sw_code")["parent_code"])).all()

    ci = load_company_industry(data_dir)
    assert (ci.rows_read, ci.rows_accepted) == (4430, 4430)
    assert ci.frame["repair"].notna().sum() == 196
    glass = ci.frame.set_index("stock_code").loc["601636"]  # 旗滨集团: 610202 in the file = 玻璃制造
    assert (glass["sw_code"], glass["sw_name"]) == ("610201", "玻璃制造")
    row = ci.frame.set_index("stock_code").loc["601326"]
    assert (row["sw_code"], row["industry_code_raw"], row["sw_l2_code"]) == ("421102", "420101", "421100")
    assert ci.frame["sw_code"].isin(set(ind["sw_code"])).all()
    assert "300957.SZ" in set(ci.frame["ts_code"])  # written 300957.sz in the file

    up = load_industry_up(data_dir)
    assert (up.rows_read, up.rows_accepted) == (5256, 5223)
    assert _reasons(up) == {"industry name not in industry.json": 24, "upstream industry name not in industry.json": 9}

    prod = load_product(data_dir)
    assert prod.rows_accepted == 95559


@pytest.mark.realdata
def test_relations_from_the_original_sql(data_dir: Path) -> None:
    cp = load_company_product(data_dir)
    assert cp.rows_read == 53785  # SOURCE.md statement count
    r = _reasons(cp)
    assert r["exact duplicate (first kept)"] == 578
    # 763 negative rows in the file; 6 of them are duplicates of an earlier negative row
    assert r["negative weight (segment elimination)"] == 757
    assert r["zero weight"] == 285
    kinds = cp.frame["weight_kind"].value_counts().to_dict()
    assert kinds["placeholder"] == 14714 and kinds["over_one"] == 46
    fr = cp.frame
    fixed = fr[(fr["ts_code"] == "300265.SZ") & (fr["product"] == "光纤复合架空地线")]
    assert sorted(fixed["weight"].round(6)) == [0.388503, 0.401137]  # two segment rows; one had line breaks
    port = fr[fr["ts_code"] == "601326.SH"].set_index("product")["weight"]
    assert port["干散杂货服务"] == pytest.approx(0.926, abs=1e-3)

    pr = load_product_relation(data_dir)
    assert pr.rows_read == 110153
    assert _reasons(pr) == {"self-relation (from == to)": 108}
    # SOURCE.md: 56,826 / 52,937 / 390 before the 108 self-relations are refused
    assert pr.frame["rel"].value_counts().to_dict() == {"上游材料": 56722, "产品小类": 52936, "下游产品": 387}
    rel = pr.frame.set_index(["from_product", "to_product"])["rel"]
    assert rel[("浮法玻璃", "矿石石英砂")] == "上游材料"
    assert rel[("葡萄酒烧鸡翅", "葱段")] == "上游材料"  # a recipe: kept by the loader, dropped by cleaning
    assert rel[("硝酸", "苯胺")] == "下游产品"


def _copy_sql(data_dir: Path, tmp_path: Path, edit) -> Path:
    dst = tmp_path / "raw"
    (dst / SQL_FOLDER).mkdir(parents=True)
    with zipfile.ZipFile(data_dir / SQL_FOLDER / SQL_ZIP) as zf:
        text = zf.read(SQL_MEMBER).decode("utf-8")
    text = edit(text)
    with zipfile.ZipFile(dst / SQL_FOLDER / SQL_ZIP, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr(SQL_MEMBER, text)
    return dst


@pytest.mark.realdata
def test_broken_sql_statements_are_quarantined(data_dir: Path, tmp_path: Path) -> None:
    first = (
        "RELATE company:688268SH->company_product_relation->(SELECT * FROM product WHERE name = '特种气体') "
        "SET name = '主营产品', weight = 0.510725;\n"
    )

    def edit(text: str) -> str:
        assert first in text
        broken = "RELATE company:688268SH->company_product_relation->(SELECT * FROM product WHERE name = 'X') SET oops;\n"
        extra = first.replace("0.510725", "abc")
        return text.replace(first, first + broken + extra, 1)

    raw = _copy_sql(data_dir, tmp_path, edit)
    res = load_company_product(raw)
    assert res.rows_read == 53785 + 2
    r = _reasons(res)
    assert r["unparseable statement"] == 1 and r["unparseable weight"] == 1
    assert res.rows_accepted == 52165


def test_missing_or_corrupt_zip_names_the_file(tmp_path: Path) -> None:
    with pytest.raises(SourceError, match=r"data\.zip.*missing"):
        load_company_product(tmp_path)
    (tmp_path / SQL_FOLDER).mkdir()
    (tmp_path / SQL_FOLDER / SQL_ZIP).write_bytes(b"not a zip at all")
    with pytest.raises(SourceError, match=r"data\.zip.*cannot read"):
        load_product_relation(tmp_path)


@pytest.mark.realdata
def test_truncated_json_lines_names_the_line(data_dir: Path, tmp_path: Path) -> None:
    dst = tmp_path / "raw" / FOLDER
    shutil.copytree(data_dir / FOLDER, dst)
    path = dst / "company.json"
    lines = path.read_text(encoding="utf-8").splitlines()
    lines[9] = lines[9][:20]
    path.write_text("\n".join(lines), encoding="utf-8")
    with pytest.raises(SourceError, match=r"company\.json.*row 10"):
        load_company(tmp_path / "raw")
