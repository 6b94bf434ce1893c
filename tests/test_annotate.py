"""``validate --annotate``: bad cells highlighted and commented in a copy that loses nothing.

The workbooks come from ``crmxl init --sample`` (zh and en), from openpyxl (shared strings, a
user's comments on a bad cell and a good one, an Excel Table, a chart), from LibreOffice (the
openpyxl book saved again), from the manual's three separate files, and from the Excel corpus
(a button's VML drawing, a header image's VML, comments, a table) for the writer alone. Every
copy is read back with openpyxl, compared part by part with its input, and opened in
LibreOffice (one soffice call for all of them), whose re-saved copy must show the comments.
"""

from __future__ import annotations

import json
import re
import warnings
import xml.etree.ElementTree as ET
import zipfile
from copy import copy
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from click.testing import CliRunner
from conftest import CORPUS, build_workbook
from libreoffice import roundtrip_xlsx
from openpyxl.chart import BarChart, Reference
from openpyxl.comments import Comment
from openpyxl.worksheet.table import Table
from xlsxkit import STYLES, existing_cells, make_package, members, raw_members, sheet_xml

from crmxl.checks.annotate import annotate, destinations
from crmxl.cli import cli
from crmxl.commands.validate import ValidationResult, validate
from crmxl.errors import UsageError, WriteRefusedError
from crmxl.i18n import catalog
from crmxl.model.findings import Finding, Severity
from crmxl.starter.templates import init_separate, init_workbook
from crmxl.workbook import ERROR_FILL, WARNING_FILL, WorkbookWriter
from crmxl.workbook.cellxml import cell_ref
from crmxl.workbook.package import NS_REL as REL_NS
from crmxl.workbook.package import Package, rels_path
from crmxl.workbook.vml import BLOCK

AS_OF = datetime(2026, 11, 20)
GOOD = {
    "customer_id": "C001",
    "name": "上海华信科技有限公司",
    "industry": "制造业",
    "source": "展会",
    "first_contact": date(2026, 1, 5),
    "stage": "成交",
    "owner": "张三",
}
TEAM = [
    {"name": "张三", "role": "销售专员", "active": "是"},
    {"name": "李四", "role": "销售专员", "active": "可能"},
]
USER_NOTE = "客户说行业以后再补 <待定>"
COLOR = {Severity.ERROR: ERROR_FILL, Severity.WARNING: WARNING_FILL}


def _load(path: Path) -> openpyxl.Workbook:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return openpyxl.load_workbook(path)


@dataclass
class Case:
    source: Path
    out: Path
    result: ValidationResult
    lang: str = "zh"
    config: Path | None = None


def _rich_book(path: Path) -> Path:
    """openpyxl: shared strings, a user's comment on a bad cell and on a good one, a chart
    beside them, and an Excel Table on a sheet with a bad cell and no comments."""
    customers = [
        GOOD,
        {**GOOD, "customer_id": "C002", "name": "北京远航物流有限公司", "industry": "养猪"},
        {**GOOD, "customer_id": "C003", "name": "华信"},
        {**GOOD, "customer_id": "C004", "name": "杭州云帆网络有限公司", "source": "待核实"},
    ]
    columns = {"customers": [*GOOD, "employees"], "team": ["name", "role", "active"]}
    rows = [{**c, "employees": 10 * i} for i, c in enumerate(customers, 1)]
    build_workbook(path, {"customers": rows, "team": TEAM}, columns=columns)
    wb = openpyxl.load_workbook(path)
    ws = wb["客户档案"]
    ws["C3"].comment = Comment(USER_NOTE, "王芳")
    ws["A2"].comment = Comment("老客户", "王芳")
    chart = BarChart()
    chart.add_data(Reference(ws, min_col=8, min_row=1, max_row=5), titles_from_data=True)
    ws.add_chart(chart, "J2")
    team = wb["销售团队"]
    team.add_table(Table(displayName="Team", ref="A1:C3"))
    wb.save(path)
    return path


@pytest.fixture(scope="module")
def cases(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Case]:
    folder = tmp_path_factory.mktemp("annotate")
    out: dict[str, Case] = {}
    for name, lang in (("sample", "zh"), ("sample-en", "en")):
        src = folder / f"{name}.xlsx"
        init_workbook(src, lang=lang, sample=True, as_of=AS_OF)
        dest = folder / f"{name}-annotated.xlsx"
        out[name] = Case(src, dest, validate([src], as_of=AS_OF, annotate=dest), lang)
    rich = _rich_book(folder / "rich.xlsx")
    lo_rich = roundtrip_xlsx([rich], folder / "lo")[0].rename(folder / "rich-lo.xlsx")
    for src in (rich, lo_rich):
        dest = folder / f"{src.stem}-annotated.xlsx"
        out[src.stem] = Case(src, dest, validate([src], as_of=AS_OF, annotate=dest))
    # A missing column, missing sheets and a bad setting in a --config file.
    src = build_workbook(
        folder / "workspace.xlsx",
        {"customers": [GOOD]},
        columns={"customers": [k for k in GOOD if k != "source"]},
    )
    config = folder / "crmxl.toml"
    config.write_text('tier_scheme = "XYZ"\n', encoding="utf-8")
    dest = folder / "workspace-annotated.xlsx"
    result = validate([src], as_of=AS_OF, config=config, annotate=dest)
    out["workspace"] = Case(src, dest, result, config=config)
    return out


@pytest.fixture(scope="module")
def separate(tmp_path_factory: pytest.TempPathFactory) -> tuple[list[Path], Path, ValidationResult]:
    folder = tmp_path_factory.mktemp("separate")
    files = [r.path for r in init_separate(folder / "in", sample=True, as_of=AS_OF)]
    out = folder / "annotated"
    return files, out, validate(files, as_of=AS_OF, annotate=out)


CORPUS_WRITES = {
    # file: what it has that the comments must live with
    "button01.xlsx": "a form button's VML drawing and no comments",
    "header_image01.xlsx": "a header image's VML (legacyDrawingHF) and no comments",
    "comment01.xlsx": "a comment on B2 (Excel's own)",
    "table04.xlsx": "comments, a hyperlink and a table",
    "button07.xlsm": "macros and a button calling one",
}


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Each corpus file with B2 and D5 of its first sheet highlighted and commented."""
    folder = tmp_path_factory.mktemp("corpus-notes")
    out = {}
    for name in CORPUS_WRITES:
        dest = folder / f"noted-{name}"
        writer = WorkbookWriter(CORPUS / name)
        sheet = _first_sheet(CORPUS / name)
        for row, col, color in ((2, 2, ERROR_FILL), (5, 4, WARNING_FILL)):
            writer.highlight(sheet, row, col, color)
            writer.add_comment(sheet, row, col, f"crmxl note on {cell_ref(row, col)}")
        writer.save(dest)
        out[name] = dest
    return out


@pytest.fixture(scope="module")
def libreoffice(
    cases: dict[str, Case],
    separate: tuple[list[Path], Path, ValidationResult],
    corpus: dict[str, Path],
    tmp_path_factory: pytest.TempPathFactory,
) -> dict[Path, Path]:
    """Every annotated copy opened and saved again by LibreOffice, in one soffice call."""
    copies = [c.out for c in cases.values()]
    copies += [f.path for f in separate[2].annotated.files]  # type: ignore[union-attr]
    copies += list(corpus.values())
    assert len({p.stem for p in copies}) == len(copies)
    saved = roundtrip_xlsx(copies, tmp_path_factory.mktemp("lo-annotated"))
    return dict(zip(copies, saved, strict=True))


def _first_sheet(path: Path) -> str:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return openpyxl.load_workbook(path, read_only=True).sheetnames[0]


def _cell(f: Finding) -> tuple[str, str]:
    sheet, ref = f.cell.rsplit("!", 1)
    return sheet, ref


def _expected(result: ValidationResult, lang: str) -> dict[tuple[str, str], tuple[str, list[str]]]:
    """(sheet, ref) -> (fill colour, messages) for every finding that names a cell."""
    out: dict[tuple[str, str], tuple[str, list[str]]] = {}
    for f in result.findings:
        if "!" not in f.cell:
            continue
        color, messages = out.get(_cell(f), (WARNING_FILL, []))
        if f.severity is Severity.ERROR:
            color = ERROR_FILL
        out[_cell(f)] = (color, [*messages, f.message(lang)])
    return out


CASE_NAMES = ["sample", "sample-en", "rich", "rich-lo", "workspace"]
WITH_COMMENTS = ["sample", "sample-en", "rich", "rich-lo"]


# -- every bad cell is marked, with what is wrong --------------------------------------------


def test_the_sample_has_its_thirteen_problems(cases: dict[str, Case]) -> None:
    result = cases["sample"].result
    assert (result.errors, result.warnings) == (5, 8)
    assert result.annotated is not None and result.annotated.files[0].cells == 13


@pytest.mark.parametrize("name", CASE_NAMES)
def test_every_bad_cell_is_filled_and_commented(cases: dict[str, Case], name: str) -> None:
    case = cases[name]
    wb = _load(case.out)
    expected = _expected(case.result, case.lang)
    assert expected
    for (sheet, ref), (color, messages) in expected.items():
        cell = wb[sheet][ref]
        assert cell.fill.fill_type == "solid" and cell.fill.fgColor.rgb == color, (sheet, ref)
        assert cell.comment is not None, (sheet, ref)
        for message in messages:
            assert message in cell.comment.text


@pytest.mark.parametrize("name", CASE_NAMES)
def test_every_other_cell_keeps_its_value_and_style(cases: dict[str, Case], name: str) -> None:
    case = cases[name]
    before, after = _load(case.source), _load(case.out)
    marked = set(_expected(case.result, case.lang))
    assert after.sheetnames[:-1] == before.sheetnames
    for ws in before.worksheets:
        new = after[ws.title]
        for cell in existing_cells(ws):
            other = new.cell(cell.row, cell.column)
            assert other.value == cell.value, (ws.title, cell.coordinate)
            assert _look(other) == _look(cell), (ws.title, cell.coordinate)
            if (ws.title, cell.coordinate) not in marked:
                assert copy(other.fill) == copy(cell.fill), (ws.title, cell.coordinate)


def _look(cell: Any) -> tuple[Any, ...]:
    """Everything of a cell's style but its fill (openpyxl's proxies compare by identity)."""
    parts = [copy(getattr(cell, a)) for a in ("font", "border", "alignment", "protection")]
    return (*parts, cell.number_format)


def _sheet_parts(path: Path) -> dict[str, str]:
    """Sheet name -> part."""
    with Package(path) as pkg:
        return {sheet.name: sheet.part for sheet in pkg.sheets}


def _related(path: Path, part: str) -> set[str]:
    """A sheet's rels part and the comments and VML parts it points at."""
    with Package(path) as pkg:
        rels = pkg.rels(part)
    if not rels:
        return set()
    wanted = [r.target for r in rels if r.type.endswith(("/comments", "/vmlDrawing"))]
    return {rels_path(part), *wanted}


@pytest.mark.parametrize("name", CASE_NAMES)
def test_parts_not_touched_keep_their_bytes(cases: dict[str, Case], name: str) -> None:
    case = cases[name]
    before, after = raw_members(case.source), raw_members(case.out)
    sheets = _sheet_parts(case.out)
    marked = {sheets[sheet] for sheet, _ in _expected(case.result, case.lang)}
    allowed = {"[Content_Types].xml", "xl/styles.xml", "xl/workbook.xml"}
    allowed |= {"xl/_rels/workbook.xml.rels", *marked}
    for part in marked:
        allowed |= _related(case.out, part)
    changed = {p for p in before if after.get(p) != before[p]}
    assert changed <= allowed
    assert "xl/styles.xml" in changed and marked <= changed
    summary = sheets[list(sheets)[-1]]
    added = set(after) - set(before)
    assert summary in added and added <= allowed | {summary}


def test_charts_tables_and_images_are_copied_raw(cases: dict[str, Case]) -> None:
    case = cases["rich"]
    before, after = raw_members(case.source), raw_members(case.out)
    kept = [p for p in before if re.match(r"xl/(charts|tables|drawings/drawing|media)", p)]
    assert len(kept) >= 3  # chart, its drawing, the table
    assert all(after[p] == before[p] for p in kept)


@pytest.mark.parametrize("name", WITH_COMMENTS)
def test_existing_comments_survive_with_their_text(cases: dict[str, Case], name: str) -> None:
    case = cases[name]
    before, after = _load(case.source), _load(case.out)
    seen = 0
    for ws in before.worksheets:
        for cell in existing_cells(ws):
            if cell.comment is not None:
                new = after[ws.title][cell.coordinate].comment
                assert new is not None and new.text.startswith(cell.comment.text.rstrip())
                seen += 1
    assert seen > 0


def test_a_user_comment_on_a_bad_cell_is_kept_and_ours_appended(cases: dict[str, Case]) -> None:
    for name in ("rich", "rich-lo"):
        comment = _load(cases[name].out)["客户档案"]["C3"].comment
        assert comment.text.startswith(USER_NOTE)
        assert "“养猪”不在可选值中" in comment.text.split(USER_NOTE, 1)[1]


def test_messages_follow_the_workbook_language(cases: dict[str, Case]) -> None:
    en = _load(cases["sample-en"].out)
    assert "Validation" in en.sheetnames
    texts = [c.comment.text for ws in en.worksheets for c in existing_cells(ws) if c.comment]
    assert any(text.startswith("[Error] ") for text in texts)
    assert "校验结果" in _load(cases["sample"].out).sheetnames


def test_several_findings_on_one_cell_make_one_comment(tmp_path: Path) -> None:
    rows = [{**GOOD, "name": "华信"}, {**GOOD, "customer_id": "C002", "name": "华信"}]
    src = build_workbook(tmp_path / "crm.xlsx", {"customers": rows, "team": TEAM[:1]})
    result = validate([src], as_of=AS_OF, annotate=tmp_path / "out.xlsx")
    both = [f for f in result.findings if f.cell == "客户档案!B3"]
    assert {f.code for f in both} == {"short-name", "duplicate-customer"}
    cell = _load(tmp_path / "out.xlsx")["客户档案"]["B3"]
    assert cell.comment.text.split("\n") == [
        ("【错误】" if f.severity is Severity.ERROR else "【警告】") + f.message("zh") for f in both
    ]
    assert cell.fill.fgColor.rgb == ERROR_FILL  # an error among them: red
    assert _load(tmp_path / "out.xlsx")["客户档案"]["B2"].fill.fgColor.rgb == WARNING_FILL


def test_the_summary_sheet_lists_every_finding(cases: dict[str, Case]) -> None:
    case = cases["sample"]
    ws = _load(case.out)["校验结果"]
    rows = list(ws.iter_rows(values_only=True))
    assert rows[0] == ("单元格", "列", "值", "级别", "说明")
    listed = {(r[0], r[4]) for r in rows[1:]}
    assert listed == {(f.cell, f.message("zh")) for f in case.result.findings}


def test_the_copy_validates_like_the_input(cases: dict[str, Case]) -> None:
    for case in cases.values():
        again = validate([case.out], as_of=AS_OF, config=case.config)
        assert [(f.cell, f.code) for f in again.findings] == [
            (f.cell, f.code) for f in case.result.findings
        ]


def test_annotating_an_annotated_copy_appends(cases: dict[str, Case], tmp_path: Path) -> None:
    first = cases["sample"]
    result = validate([first.out], as_of=AS_OF, annotate=tmp_path / "twice.xlsx")
    wb = _load(tmp_path / "twice.xlsx")
    assert wb.sheetnames[-2:] == ["校验结果", "校验结果 2"]
    sheet, ref = _cell(result.findings[0])
    assert wb[sheet][ref].comment.text.count(result.findings[0].message("zh")) == 2


# -- LibreOffice ------------------------------------------------------------------------


@pytest.mark.libreoffice
@pytest.mark.parametrize("name", CASE_NAMES)
def test_libreoffice_opens_the_copy_and_shows_the_comments(
    cases: dict[str, Case], libreoffice: dict[Path, Path], name: str
) -> None:
    case = cases[name]
    wb = _load(libreoffice[case.out])
    for (sheet, ref), (color, messages) in _expected(case.result, case.lang).items():
        cell = wb[sheet][ref]
        assert cell.fill.fgColor.rgb == color, (sheet, ref)
        assert all(m in cell.comment.text for m in messages), (sheet, ref)


@pytest.mark.libreoffice
def test_libreoffice_opens_the_separate_copies(
    separate: tuple[list[Path], Path, ValidationResult], libreoffice: dict[Path, Path]
) -> None:
    _, _, result = separate
    assert result.annotated is not None
    for annotated in result.annotated.files:
        wb = _load(libreoffice[annotated.path])
        mine = [f for f in result.findings if f.file == annotated.source and f.cell]
        for f in mine:
            sheet, ref = _cell(f)
            assert f.message("zh") in wb[sheet][ref].comment.text


@pytest.mark.libreoffice
@pytest.mark.parametrize("name", list(CORPUS_WRITES))
def test_libreoffice_opens_corpus_files_with_added_comments(
    corpus: dict[str, Path], libreoffice: dict[Path, Path], name: str
) -> None:
    for path in (corpus[name], libreoffice[corpus[name]]):
        ws = _load(path).worksheets[0]
        for ref, color in (("B2", ERROR_FILL), ("D5", WARNING_FILL)):
            assert ws[ref].fill.fgColor.rgb == color
            assert f"crmxl note on {ref}" in ws[ref].comment.text


# -- the writer with other producers' drawings --------------------------------------------


def test_a_button_drawing_gets_the_comment_boxes(corpus: dict[str, Path]) -> None:
    parts = members(corpus["button01.xlsx"])
    vml = parts["xl/drawings/vmlDrawing1.vml"].decode()
    assert vml.count('ObjectType="Button"') == 1 and vml.count('ObjectType="Note"') == 2
    sheet = parts["xl/worksheets/sheet1.xml"].decode()
    assert sheet.count("<legacyDrawing ") == 1
    assert not any(p.endswith(".vml") and p != "xl/drawings/vmlDrawing1.vml" for p in parts)
    ids = re.findall(r'id="_x0000_s(\d+)"', vml)
    assert len(ids) == len(set(ids)) == 3


def test_a_header_image_drawing_is_left_alone(corpus: dict[str, Path]) -> None:
    before = raw_members(CORPUS / "header_image01.xlsx")
    after = raw_members(corpus["header_image01.xlsx"])
    assert after["xl/drawings/vmlDrawing1.vml"] == before["xl/drawings/vmlDrawing1.vml"]
    sheet = members(corpus["header_image01.xlsx"])["xl/worksheets/sheet1.xml"].decode()
    assert sheet.index("<legacyDrawing ") < sheet.index("<legacyDrawingHF ")
    new = [p for p in after if p.endswith(".vml") and p not in before]
    assert len(new) == 1
    blocks = [
        re.search(r'data="([^"]+)"', members(corpus["header_image01.xlsx"])[p].decode()).group(1)
        for p in ("xl/drawings/vmlDrawing1.vml", new[0])
    ]
    assert blocks[0] != blocks[1]


def test_an_excel_comment_keeps_its_author_and_box(corpus: dict[str, Path]) -> None:
    ws = _load(corpus["comment01.xlsx"]).worksheets[0]
    original = _load(CORPUS / "comment01.xlsx").worksheets[0]["B2"].comment
    assert ws["B2"].comment.author == original.author
    assert ws["B2"].comment.text == original.text + "\n\ncrmxl note on B2"
    authors = members(corpus["comment01.xlsx"])["xl/comments1.xml"].decode()
    assert re.findall(r"<author>([^<]*)</author>", authors) == [original.author, "crmxl"]


@pytest.mark.parametrize("name", list(CORPUS_WRITES))
def test_corpus_parts_not_touched_keep_their_bytes(corpus: dict[str, Path], name: str) -> None:
    before, after = raw_members(CORPUS / name), raw_members(corpus[name])
    part = _sheet_parts(corpus[name])[_first_sheet(corpus[name])]
    allowed = {"[Content_Types].xml", "xl/styles.xml", part, *_related(corpus[name], part)}
    assert {p for p in before if after.get(p) != before[p]} <= allowed
    assert set(after) - set(before) <= allowed
    with Package(corpus[name]) as pkg:
        assert pkg.worksheets()[0].part == part


# -- the sheet XML: where <legacyDrawing> goes ------------------------------------------------


def _tail(p: str) -> str:
    """What follows the rows: nested <extLst>, a drawing, tables, a '>' in an attribute."""
    return (
        f'<{p}conditionalFormatting sqref="A1"><{p}cfRule type="expression" priority="1">'
        f"<{p}formula>1</{p}formula><{p}extLst><{p}ext uri='x'/></{p}extLst></{p}cfRule>"
        f'</{p}conditionalFormatting><{p}pageMargins left="0.7" right="0.7" top="0.75" '
        f'bottom="0.75" header="0.3" footer="0.3"/><{p}drawing r:id="rId9"/>'
        f'<{p}tableParts count="0"/><{p}extLst><{p}ext uri="{{78C0D931}}" note="a > b"/>'
        f"</{p}extLst>"
    )


ORDER = ["sheetData", "conditionalFormatting", "pageMargins", "drawing", "legacyDrawing",
         "tableParts", "extLst"]  # fmt: skip


@pytest.mark.parametrize("prefix", ["", "x"])
def test_legacy_drawing_goes_where_the_schema_says(tmp_path: Path, prefix: str) -> None:
    p = f"{prefix}:" if prefix else ""
    rows = f'<{p}row r="1"><{p}c r="A1"><{p}v>1</{p}v></{p}c></{p}row>'
    sheet = sheet_xml(rows, prefix=prefix, tail=_tail(p))
    src = make_package(tmp_path / "in.xlsx", {"S": sheet})
    writer = WorkbookWriter(src)
    writer.add_comment("S", 1, 1, "note")
    writer.save(tmp_path / "out.xlsx")
    parts = members(tmp_path / "out.xlsx")
    root = ET.fromstring(parts["xl/worksheets/sheet1.xml"])
    assert [child.tag.rsplit("}", 1)[-1] for child in root] == ORDER
    legacy = root[ORDER.index("legacyDrawing")]
    rel_id = legacy.get(f"{{{REL_NS}}}id")
    rels = parts["xl/worksheets/_rels/sheet1.xml.rels"].decode()
    assert re.search(rf'Id="{rel_id}" Type="[^"]+/vmlDrawing"', rels)
    assert '<t xml:space="preserve">note</t>' in parts["xl/comments1.xml"].decode()


def test_comments_on_a_sheet_without_relationships(tmp_path: Path) -> None:
    rows = '<row r="2"><c r="B2" s="2"><v>1234</v></c><c r="C2"><f>B2*2</f><v>2468</v></c></row>'
    src = make_package(tmp_path / "in.xlsx", {"S": sheet_xml(rows)})
    writer = WorkbookWriter(src)
    for col in (2, 3, 5):
        writer.highlight("S", 2, col, ERROR_FILL)
        writer.add_comment("S", 2, col, f'值 <{col}> & "引号"\x01', author="王 <芳>")
    report = writer.save(tmp_path / "out.xlsx")
    assert (report.cells_written, report.cells_styled, report.comments) == (0, 3, 3)
    ws = _load(tmp_path / "out.xlsx")["S"]
    assert ws["B2"].value == 1234 and ws["B2"].number_format == "#,##0"
    assert ws["C2"].value == "=B2*2" and ws["E2"].value is None
    assert ws["E2"].comment.text.startswith('值 <5> & "引号"')
    assert ws["E2"].comment.author == "王 <芳>"
    parts = members(tmp_path / "out.xlsx")
    assert "_x0001_" in parts["xl/comments1.xml"].decode()
    assert "fullCalcOnLoad" not in parts["xl/workbook.xml"].decode()
    types = parts["[Content_Types].xml"].decode()
    assert 'Extension="vml"' in types and "/xl/comments1.xml" in types


def test_highlight_keeps_the_value_and_a_write_keeps_the_highlight(tmp_path: Path) -> None:
    rows = '<row r="1"><c r="A1" t="inlineStr"><is><t>x</t></is></c></row>'
    src = make_package(tmp_path / "in.xlsx", {"S": sheet_xml(rows)})
    writer = WorkbookWriter(src)
    writer.highlight("S", 1, 1, "#ffc7ce")
    writer.set_cell("S", 1, 2, 5)
    writer.highlight("S", 1, 2, WARNING_FILL)
    writer.set_cell("S", 1, 2, 6)
    writer.save(tmp_path / "out.xlsx")
    ws = _load(tmp_path / "out.xlsx")["S"]
    assert (ws["A1"].value, ws["A1"].fill.fgColor.rgb) == ("x", ERROR_FILL)
    assert (ws["B1"].value, ws["B1"].fill.fgColor.rgb) == (6, WARNING_FILL)
    with pytest.raises(ValueError):
        writer.highlight("S", 1, 1, "red")


def test_highlights_share_one_fill_per_colour(tmp_path: Path) -> None:
    rows = "".join(
        f'<row r="{r}"><c r="A{r}" s="{r % 3}"><v>{r}</v></c></row>' for r in range(1, 7)
    )
    src = make_package(tmp_path / "in.xlsx", {"S": sheet_xml(rows)})
    writer = WorkbookWriter(src)
    for r in range(1, 7):
        writer.highlight("S", r, 1, ERROR_FILL)
    writer.save(tmp_path / "out.xlsx")
    styles = members(tmp_path / "out.xlsx")["xl/styles.xml"].decode()
    assert styles.count(ERROR_FILL) == 1 and '<fills count="3">' in styles
    assert '<cellXfs count="6">' in styles  # three derived styles, one per original


NO_FILLS = STYLES.replace(re.search(r"<fills.*?</fills>", STYLES).group(), "")


@pytest.mark.parametrize("styles", [None, NO_FILLS], ids=["no-styles-part", "no-fills"])
def test_a_highlight_where_the_styles_lack_fills(tmp_path: Path, styles: str | None) -> None:
    rows = '<row r="1"><c r="A1"><v>7</v></c></row>'
    src = make_package(tmp_path / "in.xlsx", {"S": sheet_xml(rows)}, styles=styles)
    writer = WorkbookWriter(src)
    writer.highlight("S", 1, 1, WARNING_FILL)
    writer.save(tmp_path / "out.xlsx")
    cell = _load(tmp_path / "out.xlsx")["S"]["A1"]
    assert (cell.value, cell.fill.fgColor.rgb) == (7, WARNING_FILL)
    fills = re.search(
        r"<fills.*?</fills>", members(tmp_path / "out.xlsx")["xl/styles.xml"].decode()
    )
    assert fills and fills.group().count("<fill>") == 3  # none, gray125, ours


def test_a_dry_run_counts_comments_and_writes_nothing(tmp_path: Path) -> None:
    src = make_package(tmp_path / "in.xlsx", {"S": sheet_xml("")})
    before = src.read_bytes()
    writer = WorkbookWriter(src)
    writer.highlight("S", 2, 2)
    writer.add_comment("S", 2, 2, "note")
    report = writer.plan()
    assert report.dry_run and (report.cells_styled, report.comments) == (1, 1)
    assert src.read_bytes() == before and sorted(p.name for p in tmp_path.iterdir()) == ["in.xlsx"]


def test_many_comments_take_more_id_blocks(tmp_path: Path) -> None:
    src = make_package(tmp_path / "in.xlsx", {"S": sheet_xml(""), "T": sheet_xml("")})
    writer = WorkbookWriter(src)
    for r in range(1, BLOCK + 10):
        writer.add_comment("S", r, 1, f"n{r}")
    writer.add_comment("T", 1, 1, "t")
    writer.save(tmp_path / "out.xlsx")
    parts = members(tmp_path / "out.xlsx")
    vmls = [parts[p].decode() for p in sorted(parts) if p.endswith(".vml")]
    ids = [i for v in vmls for i in re.findall(r'id="_x0000_s(\d+)"', v)]
    assert len(ids) == len(set(ids)) == BLOCK + 10
    blocks = [re.search(r'data="([^"]+)"', v).group(1) for v in vmls]
    assert blocks == ["1,2", "3"]
    assert _load(tmp_path / "out.xlsx")["S"][f"A{BLOCK + 9}"].comment.text == f"n{BLOCK + 9}"


def test_vml_that_is_not_xml_is_still_added_to(tmp_path: Path) -> None:
    """Old Excel writes ``<br>`` in VML text boxes; the drawing is edited on its bytes."""
    with zipfile.ZipFile(CORPUS / "button01.xlsx") as zf:
        vml = zf.read("xl/drawings/vmlDrawing1.vml").replace(b"Button 1<", b"Button<br>1<")
    assert b"<br>" in vml
    src = tmp_path / "in.xlsx"
    with zipfile.ZipFile(CORPUS / "button01.xlsx") as zin, zipfile.ZipFile(src, "w") as zout:
        for info in zin.infolist():
            data = vml if info.filename.endswith(".vml") else zin.read(info)
            zout.writestr(info, data)
    writer = WorkbookWriter(src)
    writer.add_comment(_first_sheet(src), 3, 3, "note")
    writer.save(tmp_path / "out.xlsx")
    new = members(tmp_path / "out.xlsx")["xl/drawings/vmlDrawing1.vml"]
    assert b"Button<br>1" in new and new.count(b'ObjectType="Note"') == 1


def test_a_long_comment_gets_a_taller_box(tmp_path: Path) -> None:
    src = make_package(tmp_path / "in.xlsx", {"S": sheet_xml("")})
    writer = WorkbookWriter(src)
    writer.add_comment("S", 1, 1, "短")
    writer.add_comment("S", 10, 1, "\n".join(["很长的一行说明文字，很长的一行说明文字"] * 8))
    writer.save(tmp_path / "out.xlsx")
    vml = members(tmp_path / "out.xlsx")["xl/drawings/vmlDrawing1.vml"].decode()
    anchors = [[int(x) for x in a.split(",")] for a in re.findall(r"<x:Anchor>([^<]+)<", vml)]
    heights = [a[6] - a[2] for a in anchors]
    assert heights[0] == 4 and heights[1] > 8
    assert anchors[0][0] == 1 and anchors[1][2] == 8  # right of the cell, a row above


# -- several files, sheet-level findings, refusals ---------------------------------------------


def test_several_files_get_one_copy_each_with_findings(
    separate: tuple[list[Path], Path, ValidationResult],
) -> None:
    files, out, result = separate
    assert result.annotated is not None
    written = {f.source.name: f.path for f in result.annotated.files}
    with_findings = {f.file.name for f in result.findings if f.file is not None}
    assert set(written) == with_findings and len(written) >= 2
    assert all(path == out / name for name, path in written.items())
    assert [p.name for p in result.annotated.clean] == sorted(
        {p.name for p in files} - with_findings
    )
    assert not any((out / p.name).exists() for p in result.annotated.clean)


def test_findings_without_a_cell_are_listed_first(cases: dict[str, Case]) -> None:
    """A --config setting has no cell: the summary sheet lists it first."""
    case = cases["workspace"]
    codes = {f.code for f in case.result.findings}
    assert {"missing-column", "bad-setting"} <= codes
    wb = _load(case.out)
    missing = next(f for f in case.result.findings if f.code == "missing-column")
    sheet, ref = _cell(missing)
    assert missing.message("zh") in wb[sheet][ref].comment.text
    listed = [r[4] for r in wb["校验结果"].iter_rows(min_row=2, values_only=True)]
    in_cells = [f for f in case.result.findings if "!" in f.cell]
    elsewhere = [f for f in case.result.findings if "!" not in f.cell]
    assert {f.code for f in elsewhere} >= {"bad-setting"}
    assert listed == [f.message("zh") for f in elsewhere + in_cells]


def test_an_input_is_never_overwritten(tmp_path: Path) -> None:
    src = init_workbook(tmp_path / "crm.xlsx", sample=True, as_of=AS_OF).path
    other = build_workbook(tmp_path / "other.xlsx", {"needs": []})
    before = src.read_bytes()
    for out in (src, tmp_path / "." / "crm.xlsx", tmp_path):
        with pytest.raises(WriteRefusedError) as info:
            validate([src], as_of=AS_OF, annotate=out)
        assert info.value.code == "annotate-overwrites-input"
    with pytest.raises(WriteRefusedError):
        validate([src, other], as_of=AS_OF, annotate=tmp_path)
    link = tmp_path / "link.xlsx"
    link.symlink_to(src)
    with pytest.raises(WriteRefusedError):
        validate([src], as_of=AS_OF, annotate=link)
    assert src.read_bytes() == before and not list(tmp_path.glob(".crmxl-backups"))


def test_an_out_that_is_open_is_refused_before_reading(tmp_path: Path) -> None:
    src = init_workbook(tmp_path / "crm.xlsx", sample=True, as_of=AS_OF).path
    (tmp_path / ".~lock.out.xlsx#").write_text("王芳,wf,pc,23.11.2026 10:15,file:///x;")
    with pytest.raises(WriteRefusedError) as info:
        destinations([src], tmp_path / "out.xlsx")
    assert info.value.code == "file-locked-libreoffice"
    with pytest.raises(WriteRefusedError):
        validate([tmp_path / "missing.xlsx"], annotate=tmp_path / "out.xlsx")
    assert not (tmp_path / "out.xlsx").exists()


def test_an_input_open_in_excel_can_still_be_annotated(tmp_path: Path) -> None:
    src = init_workbook(tmp_path / "crm.xlsx", sample=True, as_of=AS_OF).path
    (tmp_path / "~$crm.xlsx").write_bytes(b"\x04zhan" + b" " * 60)
    result = validate([src], as_of=AS_OF, annotate=tmp_path / "out.xlsx")
    assert result.annotated is not None and (tmp_path / "out.xlsx").exists()


@pytest.mark.parametrize(
    "files, out, code",
    [
        (["crm.xlsx"], "out.xlsm", "annotate-suffix"),
        (["crm.xlsx"], "out", "annotate-suffix"),
        (["crm.xlsx", "b.xlsx"], "crm.xlsx", "annotate-needs-folder"),
    ],
)
def test_targets_that_make_no_sense(tmp_path: Path, files: list[str], out: str, code: str) -> None:
    for name in files:
        (tmp_path / name).write_bytes(b"PK")
    with pytest.raises(UsageError) as info:
        destinations([tmp_path / f for f in files], tmp_path / out)
    assert info.value.code == code


def test_same_names_from_two_folders_do_not_collide(tmp_path: Path) -> None:
    a = tmp_path / "a" / "crm.xlsx"
    b = tmp_path / "b" / "CRM.xlsx"
    targets = destinations([a, b], tmp_path / "out")
    assert [p.name for p in targets.values()] == ["crm.xlsx", "CRM-2.xlsx"]


def test_a_replaced_copy_is_backed_up(cases: dict[str, Case], tmp_path: Path) -> None:
    dest = tmp_path / "out.xlsx"
    src = cases["sample"].source
    validate([src], as_of=AS_OF, annotate=dest)
    second = validate([src], as_of=AS_OF, annotate=dest).annotated
    assert second is not None and second.files[0].backup is not None
    assert second.files[0].backup.parent == tmp_path / ".crmxl-backups"


def test_a_clean_workbook_gets_no_copy(tmp_path: Path) -> None:
    src = build_workbook(tmp_path / "crm.xlsx", {"customers": [GOOD], "team": TEAM[:1]})
    result = validate([src], as_of=AS_OF)
    done = annotate(result.files, [], result.sources, tmp_path / "out.xlsx")
    assert done.files == [] and done.clean == [src] and not (tmp_path / "out.xlsx").exists()
    assert "未生成" in done.render("zh")


def test_messages_are_registered_in_both_languages() -> None:
    messages = catalog()
    for code in ("annotate-error", "annotate-warning", "annotate-written", "annotate-suffix",
                 "annotate-needs-folder", "annotate-overwrites-input", "annotate-clean",
                 "annotate-nothing", "annotate-replaced"):  # fmt: skip
        zh, en = messages[code]
        assert zh and en and zh != en


# -- the command line -------------------------------------------------------------------------


def test_cli_annotate(cases: dict[str, Case], tmp_path: Path) -> None:
    src = cases["sample"].source
    out = tmp_path / "标注.xlsx"
    args = ["validate", str(src), "--as-of", "2026-11-20", "--annotate", str(out)]
    run = CliRunner().invoke(cli, args)
    assert run.exit_code == 1, run.output
    assert str(out) in run.output and "13 个单元格" in run.output
    assert _load(out)["联系人"]["D12"].comment is not None


def test_cli_json_carries_the_copies(cases: dict[str, Case], tmp_path: Path) -> None:
    src = cases["sample"].source
    out = tmp_path / "annotated.xlsx"
    args = ["--lang", "en", "validate", str(src), "--as-of", "2026-11-20", "--json"]
    run = CliRunner().invoke(cli, [*args, "--annotate", str(out)])
    assert run.exit_code == 1
    data = json.loads(run.output)
    library = validate([src], as_of=AS_OF).to_dict("en")
    assert {k: data[k] for k in library} == library
    assert data["annotated"]["files"][0]["path"] == str(out)
    assert data["annotated"]["files"][0]["cells"] == 13


def test_cli_refusal_is_one_line(cases: dict[str, Case]) -> None:
    src = cases["sample"].source
    run = CliRunner().invoke(cli, ["validate", str(src), "--annotate", str(src)])
    assert run.exit_code == 1
    assert run.output.startswith("Error: ") and run.output.count("\n") == 1
