"""The write path: only the cells asked for are written; every other part keeps its bytes.

The corpus tests write a string, a number, a date, a date-time and a phone-sized integer into
the first worksheet of each Excel-authored workbook (an existing cell, a new column, new rows),
then read everything back with openpyxl (formulas and cached values) and calamine (fastexcel),
compare every package part, and open the results in LibreOffice.
"""

from __future__ import annotations

import datetime as dt
import re
import shutil
import warnings
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import openpyxl
import pytest
import xlsxwriter
from conftest import corpus_files
from hypothesis import event, given, settings
from hypothesis import strategies as st
from libreoffice import roundtrip_xlsx
from xlsxkit import (
    STYLES,
    calamine_frame,
    existing_cells,
    frame_cells,
    make_package,
    members,
    openpyxl_cells,
    part,
    raw_members,
    sheet_xml,
)

from crmxl.errors import UsageError, WriteRefusedError
from crmxl.workbook import Text, WorkbookWriter
from crmxl.workbook.cellxml import cell_ref
from crmxl.workbook.package import Package

TEXT = 'crmxl 写入 <&> "引号"'
DATE = dt.date(2026, 11, 23)
STAMP = dt.datetime(2026, 11, 23, 10, 15)
PHONE = 13812345678
AMOUNT = 12345.5
# LibreOffice 7.4 needs minutes to load this *original* file (a comment anchored at
# XFD1048576), written or not; every other check runs on it.
LIBREOFFICE_TOO_SLOW = {"comment03.xlsx"}
MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"


def _load(path: Path) -> openpyxl.Workbook:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return openpyxl.load_workbook(path)


def _protected_cells(path: Path, part_name: str, ws: Any) -> set[tuple[int, int]]:
    """Cells a test should not pick as 'an ordinary cell': inside array/data-table formula
    ranges (the writer refuses them, tested apart) and table header cells (Excel keeps their
    text in the table part too)."""
    from crmxl.workbook.cellxml import parse_range

    boxes = []
    for ref in re.findall(
        r'<f [^>]*t="(?:array|dataTable)"[^>]*ref="([^"]+)"', part(path, part_name)
    ):
        boxes.append(parse_range(ref))
    for table in ws.tables.values():
        if table.headerRowCount != 0:
            r1, c1, _, c2 = parse_range(table.ref) or (0, 0, 0, 0)
            boxes.append((r1, c1, r1, c2))
    return {
        (r, c) for r1, c1, r2, c2 in filter(None, boxes)
        for r in range(r1, r2 + 1) for c in range(c1, c2 + 1)
    }  # fmt: skip


@dataclass
class Case:
    src: Path
    out: Path
    sheet: str
    part: str
    writes: dict[tuple[int, int], Any]
    skipped: list[tuple[str, int, int]] = field(default_factory=list)


def _write_corpus_file(src: Path, out: Path) -> Case:
    shutil.copyfile(src, out)  # the corpus is read-only; the copy is ours
    with Package(src) as pkg:
        first = pkg.worksheets()[0]
    ws = _load(src)[first.name]
    protected = _protected_cells(src, first.part, ws)
    cells = existing_cells(ws)  # not iter_rows(): comment03 spans A1:XFD1048576
    # How far the values and merged ranges reach (openpyxl's max_row counts comments too).
    spots = [(c.row, c.column) for c in cells if c.value is not None]
    spots += [(m.max_row, m.max_col) for m in ws.merged_cells.ranges]
    max_row = max((r for r, _ in spots), default=1)
    max_col = max((c for _, c in spots), default=1)
    # The text goes into the first ordinary value cell, else into a new row (in the first
    # column that has values, so that calamine's first column stays where it was).
    anchor = next(
        (
            (c.row, c.column)
            for c in cells
            if c.value is not None and c.data_type != "f" and (c.row, c.column) not in protected
        ),
        (max_row + 3, min((c for _, c in spots), default=1)),
    )
    writes = {
        anchor: TEXT,
        (anchor[0], max_col + 1): AMOUNT,
        (max_row + 1, anchor[1]): DATE,
        (max_row + 1, max_col + 1): STAMP,
        (max_row + 2, anchor[1]): PHONE,
    }
    writer = WorkbookWriter(out)
    for (r, c), value in writes.items():
        writer.set_cell(first.name, r, c, value)
    writer.save(backup=False)
    return Case(src, out, first.name, first.part, writes, writer.formula_cells())


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Case]:
    folder = tmp_path_factory.mktemp("corpus")
    return {src.name: _write_corpus_file(src, folder / src.name) for src in corpus_files()}


CORPUS_NAMES = [p.name for p in corpus_files()]
OWNED = {"xl/styles.xml", "xl/workbook.xml"}


@pytest.mark.parametrize("name", CORPUS_NAMES)
def test_corpus_other_parts_keep_their_bytes(corpus: dict[str, Case], name: str) -> None:
    case = corpus[name]
    assert case.skipped == []  # the cells picked hold no formula
    before_raw, after_raw = raw_members(case.src), raw_members(case.out)
    before, after = members(case.src), members(case.out)
    assert set(after) == set(before) and next(iter(after)) == next(iter(before))
    for member in before:
        if member not in OWNED | {case.part}:
            assert after[member] == before[member], member
            assert after_raw[member] == before_raw[member], f"{member} was recompressed"
    assert after[case.part] != before[case.part]
    assert 'fullCalcOnLoad="1"' in after["xl/workbook.xml"].decode()


def _expected(case: Case, before: dict[str, dict[tuple[int, int], Any]]) -> dict[str, Any]:
    expected = {sheet: dict(cells) for sheet, cells in before.items()}
    for (r, c), value in case.writes.items():
        if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
            value = dt.datetime.combine(value, dt.time())
        expected[case.sheet][(r, c)] = value
    return expected


@pytest.mark.parametrize("name", CORPUS_NAMES)
@pytest.mark.parametrize("data_only", [False, True], ids=["formulas", "cached"])
def test_corpus_cells_read_back_with_openpyxl(
    corpus: dict[str, Case], name: str, data_only: bool
) -> None:
    case = corpus[name]
    before = openpyxl_cells(case.src, data_only=data_only)
    after = openpyxl_cells(case.out, data_only=data_only)
    assert after == _expected(case, before)
    written = after[case.sheet]
    phone_cell = next(k for k, v in case.writes.items() if v == PHONE)
    assert type(written[phone_cell]) is int  # the phone number, not 1.38E+10
    date_cell = next(k for k, v in case.writes.items() if v == DATE)
    assert written[date_cell] == dt.datetime(2026, 11, 23)  # a date, by its number format


@pytest.mark.parametrize("name", CORPUS_NAMES)
def test_corpus_cells_read_back_with_calamine(corpus: dict[str, Case], name: str) -> None:
    case = corpus[name]
    with Package(case.src) as pkg:
        sheets = [s.name for s in pkg.worksheets()]
    for sheet in sheets:
        before, after = calamine_frame(case.src, sheet), calamine_frame(case.out, sheet)
        if sheet != case.sheet:
            assert after == before, sheet
            continue
        (row, col) = next(k for k, v in case.writes.items() if v == TEXT)
        at = [c for r, line in enumerate(after, 1) for c, v in enumerate(line) if v == TEXT]
        assert len(at) == 1 and after[row - 1][at[0]] == TEXT
        origin = col - at[0]
        expected = frame_cells(before, origin)
        texts = {TEXT: TEXT, AMOUNT: "12345.5", DATE: "2026-11-23 00:00:00",
                 STAMP: "2026-11-23 10:15:00", PHONE: "13812345678"}  # fmt: skip
        expected.update({k: texts[v] for k, v in case.writes.items()})
        assert frame_cells(after, origin) == expected


ADD_SHEET_FILES = ["defined_name01.xlsx", "hide01.xlsx", "macro01.xlsm", "chartsheet01.xlsx",
                   "table01.xlsx", "autofilter01.xlsx", "image01.xlsx"]  # fmt: skip
LOG_ROWS: list[list[Any]] = [
    ["时间", "命令", "工作表", "记录", "字段", "原值", "新值", "原因"],
    [STAMP, "refresh", "客户档案", "C001", "客户等级", "B", "A", "近12月成交 ¥620,000"],
    [dt.datetime(2026, 11, 23, 10, 16), "assign", "线索", "L7", "分配给", None, "王芳", None],
]


def _add_log(src: Path, out: Path) -> Path:
    shutil.copyfile(src, out)  # the corpus is read-only; the copy is ours
    writer = WorkbookWriter(out)
    writer.add_sheet("变更日志", LOG_ROWS, widths=[18, 10, 12, 10, 12, 10, 10, 30])
    writer.save(backup=False)
    return out


@pytest.fixture(scope="module")
def with_log(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("with_log")
    corpus = {p.name: p for p in corpus_files()}
    return {name: _add_log(corpus[name], folder / name) for name in ADD_SHEET_FILES}


@pytest.mark.parametrize("name", ADD_SHEET_FILES)
def test_add_sheet_appends_a_last_tab_and_keeps_the_rest(
    with_log: dict[str, Path], name: str
) -> None:
    src = next(p for p in corpus_files() if p.name == name)
    out = with_log[name]
    before, after = members(src), members(out)
    owned = {
        "xl/workbook.xml",
        "xl/styles.xml",
        "xl/_rels/workbook.xml.rels",
        "[Content_Types].xml",
    }
    new_parts = set(after) - set(before)
    assert len(new_parts) == 1 and re.fullmatch(r"xl/worksheets/sheet\d+\.xml", new_parts.pop())
    for member in before:
        if member not in owned:
            assert after[member] == before[member], member
    old, new = _load(src), _load(out)
    assert new.sheetnames == [*old.sheetnames, "变更日志"]
    assert [(d.name, d.localSheetId, d.attr_text) for d in _names(new)] == [
        (d.name, d.localSheetId, d.attr_text) for d in _names(old)
    ]
    log = new["变更日志"]
    assert [[c.value for c in row] for row in log.iter_rows()] == LOG_ROWS
    assert log["A1"].font.b and not log["A2"].font.b
    assert log["A2"].is_date and log.freeze_panes == "A2"
    assert log.column_dimensions["H"].width == 30
    assert openpyxl_cells(out)["Sheet1"] == openpyxl_cells(src)["Sheet1"]


def _names(wb: openpyxl.Workbook) -> list[Any]:
    names = list(wb.defined_names.values())
    for ws in wb.worksheets:
        names += list(ws.defined_names.values())
    return sorted(names, key=lambda d: (d.name, d.localSheetId or -1))


def test_corpus_results_open_in_libreoffice(
    corpus: dict[str, Case], with_log: dict[str, Path], tmp_path: Path
) -> None:
    cases = [c for c in corpus.values() if c.src.name not in LIBREOFFICE_TOO_SLOW]
    logs = list(with_log.values())
    # One soffice run for all (two files may share a name: give the logs their own names).
    renamed = []
    for path in logs:
        copy = tmp_path / f"log-{path.name}"
        shutil.copy(path, copy)
        renamed.append(copy)
    converted = roundtrip_xlsx([c.out for c in cases] + renamed, tmp_path / "lo")
    for case, path in zip(cases, converted, strict=False):
        ws = _load(path)[case.sheet]
        for (r, c), value in case.writes.items():
            got = ws.cell(r, c).value
            if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
                value = dt.datetime.combine(value, dt.time())
            assert got == value, (case.src.name, r, c, got)
    for path in converted[len(cases) :]:
        log = _load(path)["变更日志"]
        assert log["A2"].value == STAMP and log["G3"].value == "王芳", path.name


# -- hand-made sheets ----------------------------------------------------------------------


def _write(path: Path, sheet: str, cells: dict[tuple[int, int], Any], **kw: Any) -> WorkbookWriter:
    writer = WorkbookWriter(path)
    for (r, c), value in cells.items():
        writer.set_cell(sheet, r, c, value, **kw)
    writer.save(backup=False)
    return writer


def _sheet1(path: Path) -> str:
    return part(path, "xl/worksheets/sheet1.xml")


def test_prefixed_sheet_xml_is_patched(tmp_path: Path) -> None:
    rows = (
        '<x:row r="1"><x:c r="A1" t="inlineStr"><x:is><x:t>a</x:t></x:is></x:c>'
        '<x:c r="B1"><x:v>1</x:v></x:c></x:row><x:row r="3"><x:c r="B3"><x:v>3</x:v></x:c></x:row>'
    )
    head = '<x:dimension ref="A1:B3"/>'
    path = make_package(tmp_path / "p.xlsx", {"S": sheet_xml(rows, prefix="x", head=head)})
    _write(path, "S", {(1, 2): "b", (2, 1): 2, (3, 3): DATE, (5, 1): "e"})
    xml = _sheet1(path)
    assert "<row" not in xml and "<c " not in xml  # nothing unprefixed was added
    assert '<x:dimension ref="A1:C5"/>' in xml
    cells = openpyxl_cells(path)["S"]
    assert cells == {(1, 1): "a", (1, 2): "b", (2, 1): 2, (3, 2): 3,
                     (3, 3): dt.datetime(2026, 11, 23), (5, 1): "e"}  # fmt: skip


def test_rows_and_cells_without_references(tmp_path: Path) -> None:
    rows = (
        "<row><c><v>1</v></c><c><v>2</v></c><c><v>3</v></c></row>"
        '<row><c t="inlineStr"><is><t>x</t></is></c></row>'
        '<row r="5"><c><v>5</v></c><c r="C5"><v>7</v></c></row>'
    )
    path = make_package(tmp_path / "n.xlsx", {"S": sheet_xml(rows)})
    _write(path, "S", {(1, 2): "two", (2, 3): "new", (5, 2): 6, (6, 1): "last"})
    assert openpyxl_cells(path)["S"] == {
        (1, 1): 1, (1, 2): "two", (1, 3): 3, (2, 1): "x", (2, 3): "new",
        (5, 1): 5, (5, 2): 6, (5, 3): 7, (6, 1): "last",
    }  # fmt: skip
    xml = _sheet1(path)
    assert '<row r="1">' in xml and '<row r="2">' in xml  # rebuilt rows say which row they are
    assert frame_cells(calamine_frame(path, "S"), 1)[(5, 2)] == "6"


@pytest.mark.parametrize(
    ("rows", "writes", "expected_rows"),
    [
        (
            '<row r="2"/><row r="4"><c r="A4"><v>4</v></c></row>',
            {(1, 1): 1, (3, 1): 3},
            ["1", "2", "3", "4"],
        ),
        ("", {(2, 2): 2, (1, 1): 1}, ["1", "2"]),
        ('<row r="7" spans="1:1"><c r="A7"><v>7</v></c></row>', {(9, 3): 9, (7, 3): 8}, ["7", "9"]),
    ],
    ids=["before-between-self-closing", "empty-sheetData", "after-last"],
)
def test_rows_are_inserted_in_order(
    tmp_path: Path, rows: str, writes: dict[tuple[int, int], int], expected_rows: list[str]
) -> None:
    path = make_package(tmp_path / "o.xlsx", {"S": sheet_xml(rows)})
    _write(path, "S", writes)
    xml = _sheet1(path)
    assert re.findall(r'<row r="(\d+)"', xml) == expected_rows
    got = openpyxl_cells(path)["S"]
    assert all(got[k] == v for k, v in writes.items())


def test_empty_sheet_data_element(tmp_path: Path) -> None:
    xml = sheet_xml("").replace("<sheetData></sheetData>", '<dimension ref="A1"/><sheetData/>')
    path = make_package(tmp_path / "e.xlsx", {"S": xml})
    _write(path, "S", {(2, 2): "x"})
    assert openpyxl_cells(path)["S"] == {(2, 2): "x"}
    assert '<dimension ref="A1:B2"/>' in _sheet1(path)


def test_spans_cover_written_cells(tmp_path: Path) -> None:
    rows = '<row r="1" spans="2:3"><c r="B1"><v>1</v></c><c r="C1"><v>1</v></c></row>'
    path = make_package(tmp_path / "s.xlsx", {"S": sheet_xml(rows)})
    _write(path, "S", {(1, 5): 5})
    assert '<row r="1" spans="2:5">' in _sheet1(path)


def test_formula_cells_are_never_overwritten(tmp_path: Path) -> None:
    rows = (
        '<row r="1"><c r="A1"><v>2</v></c><c r="B1"><f>A1*2</f><v>4</v></c>'
        '<c r="C1"><f t="shared" ref="C1:C2" si="0">A1+1</f><v>3</v></c></row>'
        '<row r="2"><c r="C2"><f t="shared" si="0"/><v>1</v></c>'
        '<c r="D2"><f t="array" ref="D2:D3">A1:A2*2</f><v>4</v></c></row>'
        '<row r="3"><c r="D3"><v>0</v></c></row>'
    )
    path = make_package(tmp_path / "f.xlsx", {"S": sheet_xml(rows)})
    writer = _write(path, "S", {(1, 1): 5, (1, 2): 0, (2, 3): 0, (2, 4): 0, (3, 4): 0, (4, 4): 1})
    assert sorted(writer.formula_cells()) == [("S", 1, 2), ("S", 2, 3), ("S", 2, 4), ("S", 3, 4)]
    cells = openpyxl_cells(path)["S"]
    assert cells[(1, 1)] == 5 and cells[(1, 2)] == "=A1*2" and cells[(2, 3)] == "=A2+1"
    assert cells[(4, 4)] == 1
    assert '<c r="D3"><v>0</v></c>' in _sheet1(path)  # inside the array range: untouched


@pytest.mark.parametrize(
    "text",
    ['=HYPERLINK("http://evil.example","点我")', "+1+1", "-2", "@SUM(A1)", "=1+1",
     "控制\x01字符\x1f", "  前后空格  ", "\t制表\n换行\r回车", "_x0041_ 像转义", "a&b<c>d\"e'f"],
)  # fmt: skip
def test_text_stays_text(tmp_path: Path, text: str) -> None:
    path = make_package(tmp_path / "t.xlsx", {"S": sheet_xml("")})
    _write(path, "S", {(1, 1): text, (1, 2): Text(text)})
    xml = _sheet1(path)
    assert xml.count('t="inlineStr"') == 2 and "<f>" not in xml
    assert frame_cells(calamine_frame(path, "S"), 1) == {(1, 1): text, (1, 2): text}
    if not re.search("[\x00-\x08\x0b\x0c\x0e-\x1f]|_x[0-9A-F]{4}_", text):
        assert openpyxl_cells(path)["S"] == {(1, 1): text, (1, 2): text}


def test_numbers_and_booleans(tmp_path: Path) -> None:
    values = {(1, 1): PHONE, (1, 2): 0.1, (1, 3): -3.25e-7, (1, 4): 1e20, (1, 5): True,
              (1, 6): False, (1, 7): 2**53, (1, 8): 13812345678.0}  # fmt: skip
    path = make_package(tmp_path / "n.xlsx", {"S": sheet_xml("")})
    _write(path, "S", values)
    numbers = re.findall(r'<c r="([A-Z]+)1"(?: t="b")?><v>([^<]*)</v>', _sheet1(path))
    assert numbers == [
        ("A", "13812345678"),
        ("B", "0.1"),
        ("C", "-3.25e-07"),
        ("D", "1e+20"),
        ("E", "1"),
        ("F", "0"),
        ("G", "9007199254740992"),
        ("H", "13812345678"),
    ]
    assert '<c r="E1" t="b"><v>1</v></c>' in _sheet1(path)
    assert openpyxl_cells(path)["S"] == values


def test_clearing_keeps_the_cell_and_its_style(tmp_path: Path) -> None:
    rows = '<row r="1"><c r="A1" s="2" t="s"><v>0</v></c><c r="B1" s="2"><v>9</v></c></row>'
    path = make_package(tmp_path / "c.xlsx", {"S": sheet_xml(rows)})
    writer = _write(path, "S", {(1, 2): None, (1, 3): None, (1, 4): ""})
    assert '<c r="B1" s="2"/>' in _sheet1(path) and "D1" not in _sheet1(path)
    assert writer.formula_cells() == []


# -- styles --------------------------------------------------------------------------------


def _styles(path: Path) -> str:
    return part(path, "xl/styles.xml")


def _xf_formats(path: Path) -> list[str]:
    xfs = re.search(r"<cellXfs[^>]*>(.*)</cellXfs>", _styles(path))
    assert xfs is not None
    return re.findall(r'<xf [^>]*numFmtId="(\d+)"', xfs.group(1))


def test_dates_get_a_derived_date_style_once(tmp_path: Path) -> None:
    rows = '<row r="1"><c r="A1" s="2"><v>1</v></c><c r="B1" s="1"><v>1</v></c></row>'
    path = make_package(tmp_path / "d.xlsx", {"S": sheet_xml(rows)})
    original = _styles(path)
    _write(path, "S", {(1, 1): DATE, (2, 1): DATE, (3, 1): STAMP, (1, 2): DATE})
    xml = _sheet1(path)
    styles = _styles(path)
    # existing xfs keep their bytes and indices; two derived ones are appended
    old_xfs = re.search(r"<cellXfs[^>]*>(.*)</cellXfs>", original)
    new_xfs = re.search(r"<cellXfs[^>]*>(.*)</cellXfs>", styles)
    assert old_xfs and new_xfs and new_xfs.group(1).startswith(old_xfs.group(1))
    outside = r"<numFmts.*</numFmts>|<cellXfs.*</cellXfs>"
    assert re.sub(outside, "", styles) == re.sub(outside, "", original)
    assert _xf_formats(path) == ["0", "14", "3", "164", "165"]
    assert '<numFmt numFmtId="164" formatCode="yyyy-mm-dd"/>' in styles
    assert '<numFmt numFmtId="165" formatCode="yyyy-mm-dd hh:mm"/>' in styles
    assert '<c r="A1" s="3">' in xml and '<c r="A2" s="3">' in xml and '<c r="A3" s="4">' in xml
    assert '<c r="B1" s="1">' in xml  # already a date style (built-in 14): kept
    assert 'cellXfs count="5"' in styles and 'numFmts count="2"' in styles


def test_number_format_asked_for(tmp_path: Path) -> None:
    rows = '<row r="1"><c r="A1" s="2"><v>1</v></c><c r="B1"><v>1</v></c></row>'
    path = make_package(tmp_path / "f.xlsx", {"S": sheet_xml(rows)})
    _write(path, "S", {(1, 1): 5000, (1, 2): 0.25}, number_format="#,##0")
    assert _xf_formats(path) == ["0", "14", "3", "3"]  # A1 had it; B1 got built-in 3
    wb = _load(path)["S"]
    assert wb["A1"].number_format == "#,##0" and wb["B1"].number_format == "#,##0"


def test_a_new_cell_takes_the_style_above_then_the_column(tmp_path: Path) -> None:
    rows = (
        '<row r="1"><c r="A1" s="1" t="inlineStr"><is><t>h</t></is></c></row>'
        '<row r="2"><c r="A2" s="2"><v>1</v></c><c r="B2"><v>1</v></c></row>'
    )
    head = '<cols><col min="3" max="3" width="9" style="2" customWidth="1"/></cols>'
    path = make_package(tmp_path / "s.xlsx", {"S": sheet_xml(rows, head=head)})
    _write(path, "S", {(2, 2): 7, (3, 1): 5, (3, 3): 6, (4, 2): 1})
    xml = _sheet1(path)
    assert '<c r="A3" s="2">' in xml  # the cell above
    assert '<c r="C3" s="2">' in xml  # the column's style
    assert '<c r="B4"><v>1</v></c>' in xml  # B2 has no style


def test_style_like_and_the_header_row(tmp_path: Path) -> None:
    rows = (
        '<row r="1"><c r="A1" s="2" t="inlineStr"><is><t>客户编号</t></is></c></row>'
        '<row r="2"><c r="A2"><v>1</v></c></row>'
    )
    path = make_package(tmp_path / "h.xlsx", {"S": sheet_xml(rows)})
    writer = WorkbookWriter(path)
    writer.set_cell("S", 1, 2, "客户等级", style_like=(1, 1))
    writer.set_cell("S", 1, 3, "跟进状态", style_like=(1, 1))
    writer.set_header_row("S", 1)
    writer.set_cell("S", 2, 2, "A")
    writer.set_cell("S", 3, 1, 2)
    writer.save(backup=False)
    xml = _sheet1(path)
    assert '<c r="B1" s="2" t="inlineStr">' in xml and '<c r="C1" s="2" t="inlineStr">' in xml
    assert '<c r="B2" t="inlineStr">' in xml and '<c r="A3"><v>2</v></c>' in xml
    with pytest.raises(ValueError, match="at or above"):
        writer.set_cell("S", 1, 4, "x", style_like=(2, 1))


def test_styles_part_is_created_when_missing(tmp_path: Path) -> None:
    path = make_package(tmp_path / "m.xlsx", {"S": sheet_xml("")}, styles=None)
    _write(path, "S", {(1, 1): DATE, (1, 2): "t"})
    assert "xl/styles.xml" in members(path)
    assert "styles.xml" in part(path, "xl/_rels/workbook.xml.rels")
    assert "/xl/styles.xml" in part(path, "[Content_Types].xml")
    assert openpyxl_cells(path)["S"] == {(1, 1): dt.datetime(2026, 11, 23), (1, 2): "t"}
    assert _load(path)["S"]["A1"].number_format == "yyyy-mm-dd"


def test_date1904_workbooks(tmp_path: Path) -> None:
    path = make_package(
        tmp_path / "m.xlsx", {"S": sheet_xml("")}, workbook_pr='<workbookPr date1904="1"/>'
    )
    _write(path, "S", {(1, 1): DATE})
    assert "<v>44887</v>" in _sheet1(path)  # 46349 in the 1900 date system, 1462 days more
    assert openpyxl_cells(path)["S"][(1, 1)] == dt.datetime(2026, 11, 23)


# -- workbook.xml ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("tail", "expected"),
    [
        ("", '</sheets><calcPr fullCalcOnLoad="1"/></workbook>'),
        ('<calcPr calcId="191029"/>', '<calcPr calcId="191029" fullCalcOnLoad="1"/>'),
        ('<calcPr fullCalcOnLoad="0"/>', '<calcPr fullCalcOnLoad="1"/>'),
        ('<definedNames><definedName name="x">S!$A$1</definedName></definedNames><extLst/>',
         '</definedNames><calcPr fullCalcOnLoad="1"/><extLst/>'),
    ],
    ids=["absent", "present", "off", "before-extLst"],
)  # fmt: skip
def test_full_calc_on_load(tmp_path: Path, tail: str, expected: str) -> None:
    path = make_package(tmp_path / "w.xlsx", {"S": sheet_xml("")}, workbook_tail=tail)
    _write(path, "S", {(1, 1): 1})
    assert expected in part(path, "xl/workbook.xml")
    _load(path)  # still a workbook openpyxl reads


def test_nothing_to_write_leaves_the_file_alone(tmp_path: Path) -> None:
    rows = '<row r="1"><c r="A1"><f>1+1</f><v>2</v></c></row>'
    path = make_package(tmp_path / "z.xlsx", {"S": sheet_xml(rows)})
    before = path.read_bytes()
    writer = WorkbookWriter(path)
    assert writer.save().cells_written == 0
    writer.set_cell("S", 1, 1, "x")
    report = writer.save()
    assert report.cells_written == 0 and report.cells_skipped == 1 and report.backup is None
    assert path.read_bytes() == before and not (tmp_path / ".crmxl-backups").exists()


def test_plan_reports_without_writing(tmp_path: Path) -> None:
    rows = '<row r="1"><c r="A1"><f>1+1</f><v>2</v></c></row>'
    path = make_package(tmp_path / "p.xlsx", {"S": sheet_xml(rows)})
    before = path.read_bytes()
    writer = WorkbookWriter(path)
    writer.set_cell("S", 1, 1, "x")
    writer.set_cell("S", 2, 1, "y")
    report = writer.plan()
    assert report.dry_run and report.cells_written == 1
    assert writer.formula_cells() == [("S", 1, 1)]
    assert path.read_bytes() == before


# -- files from other producers -----------------------------------------------------------


def _xlsxwriter_file(path: Path) -> Path:
    wb = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    ws = wb.add_worksheet("客户档案")
    date = wb.add_format({"num_format": "yyyy/m/d"})
    ws.write_row(0, 0, ["客户编号", "客户名称", "首次接触日期", "金额", "公式"])
    for r in range(1, 30):
        ws.write_string(r, 0, f"C{r:03d}")
        ws.write_string(r, 1, f"客户{r}有限公司")
        ws.write_datetime(r, 2, dt.datetime(2026, 1, r % 28 + 1), date)
        ws.write_number(r, 3, r * 1000)
        ws.write_formula(r, 4, f"=D{r + 1}*2", None, r * 2000)
    wb.close()
    return path


def _openpyxl_file(path: Path) -> Path:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "客户档案"
    ws.append(["客户编号", "客户名称", "首次接触日期", "金额", "公式"])
    for r in range(1, 30):
        ws.append([f"C{r:03d}", f"客户{r}有限公司", dt.datetime(2026, 1, r % 28 + 1), r * 1000,
                   f"=D{r + 1}*2"])  # fmt: skip
    wb.save(path)
    return path


def _libreoffice_file(path: Path) -> Path:
    source = _openpyxl_file(path.with_name("lo-source.xlsx"))
    converted = roundtrip_xlsx([source], path.parent / "lo")[0]
    shutil.copy(converted, path)
    assert "xl/sharedStrings.xml" in members(path)
    return path


@pytest.mark.parametrize("make", [_xlsxwriter_file, _openpyxl_file, _libreoffice_file],
                         ids=["xlsxwriter", "openpyxl", "libreoffice"])  # fmt: skip
def test_files_from_other_producers(tmp_path: Path, make: Any) -> None:
    path = make(tmp_path / "crm.xlsx")
    before = openpyxl_cells(path)["客户档案"]
    writes = {
        (1, 6): "客户等级",
        (2, 6): "A",
        (3, 3): DATE,
        (5, 4): 99.5,
        (5, 5): 1,
        (31, 1): "C031",
    }
    writer = _write(path, "客户档案", writes)
    assert writer.formula_cells() == [("客户档案", 5, 5)]
    expected = dict(before)
    expected.update({k: v for k, v in writes.items() if k != (5, 5)})
    expected[(3, 3)] = dt.datetime(2026, 11, 23)
    assert openpyxl_cells(path)["客户档案"] == expected
    frame = frame_cells(calamine_frame(path, "客户档案"), 1)
    assert frame[(2, 6)] == "A" and frame[(3, 3)] == "2026-11-23 00:00:00"
    if make is not _openpyxl_file:  # openpyxl writes formulas without a cached value
        assert frame[(5, 5)] == "8000"  # the formula's cached value survives


# -- refusals -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("rows", "detail"),
    [
        ('<row r="2"><c r="A2"><v>1</v></c></row><row r="1"><c r="A1"><v>1</v></c></row>',
         "comes after"),
        ('<row r="1"><c r="B1"><v>1</v></c><c><v>2</v></c><c r="A1"><v>1</v></c></row>',
         "out of order"),
        ('<!-- <row r="1"> --><row r="1"><c r="A1"><v>1</v></c></row>', "comments"),
    ],
    ids=["rows-out-of-order", "cells-out-of-order", "comment"],
)  # fmt: skip
def test_sheet_xml_it_will_not_touch(tmp_path: Path, rows: str, detail: str) -> None:
    path = make_package(tmp_path / "r.xlsx", {"S": sheet_xml(rows)})
    before = path.read_bytes()
    writer = WorkbookWriter(path)
    writer.set_cell("S", 1, 1, "x")
    with pytest.raises(WriteRefusedError, match=detail) as info:
        writer.save()
    assert info.value.code == "sheet-xml-unsupported" and "S" in info.value.render("zh")
    assert path.read_bytes() == before and [
        p.name for p in tmp_path.iterdir() if not p.name.endswith(".crmxl-lock")
    ] == ["r.xlsx"]


@pytest.mark.parametrize(
    ("value", "error"),
    [(float("nan"), ValueError), (float("inf"), ValueError), (object(), TypeError),
     ("x" * 32_768, ValueError), (dt.date(1800, 1, 1), ValueError), (b"bytes", TypeError)],
)  # fmt: skip
def test_values_a_cell_cannot_hold(tmp_path: Path, value: Any, error: type) -> None:
    path = make_package(tmp_path / "v.xlsx", {"S": sheet_xml("")})
    with pytest.raises(error):
        WorkbookWriter(path).set_cell("S", 1, 1, value)
    # A column at a time: the same refusal, wherever the value is, and nothing set.
    writer = WorkbookWriter(path)
    good: list[Any] = ["文本", 1, 2.5, True, None, dt.date(2024, 1, 2), dt.datetime(2024, 1, 2, 3)]
    for at in (0, 3, len(good)):
        values = [*good[:at], value, *good[at:]]
        with pytest.raises(error):
            writer.set_column("S", 2, list(range(1, len(values) + 1)), values)
        with pytest.raises(error):
            writer.set_cells("S", 2, enumerate(values, start=1))
    assert writer.set_column("S", 2, list(range(1, len(good) + 1)), good) == len(good)
    writer.save(backup=False)
    assert openpyxl_cells(path)["S"][(1, 2)] == "文本"
    assert sorted(openpyxl_cells(path)["S"]) == [(r, 2) for r in (1, 2, 3, 4, 6, 7)]


def test_set_column_refuses_rows_outside_the_sheet(tmp_path: Path) -> None:
    path = make_package(tmp_path / "v.xlsx", {"S": sheet_xml("")})
    writer = WorkbookWriter(path)
    for rows in ([1, 0], [1_048_577], [3, 2, -1]):
        with pytest.raises(ValueError, match="outside the sheet"):
            writer.set_column("S", 1, rows, ["x"] * len(rows))
    with pytest.raises(ValueError, match="rows but"):
        writer.set_column("S", 1, [1, 2], ["x"])
    assert writer.set_column("S", 1, [], []) == 0
    assert writer.plan().cells_written == 0


def test_bad_coordinates_and_sheets(tmp_path: Path) -> None:
    path = make_package(tmp_path / "b.xlsx", {"S": sheet_xml("")})
    writer = WorkbookWriter(path)
    for row, col in [(0, 1), (1, 0), (1_048_577, 1), (1, 16_385)]:
        with pytest.raises(ValueError):
            writer.set_cell("S", row, col, 1)
    with pytest.raises(UsageError) as info:
        writer.set_cell("Nope", 1, 1, 1)
    assert info.value.code == "write-unknown-sheet"
    writer.set_cell("s", 1, 1, 1)  # sheet names match case-insensitively, as in Excel
    with pytest.raises(ValueError):
        writer.add_sheet("S", [])  # exists already
    with pytest.raises(ValueError):
        writer.add_sheet("a/b", [])


def test_a_far_cell_is_refused_before_writing(tmp_path: Path) -> None:
    rows = '<row r="1048576"><c r="A1048576"><v>1</v></c></row>'
    path = make_package(tmp_path / "far.xlsx", {"S": sheet_xml(rows)})
    writer = WorkbookWriter(path)
    writer.set_cell("S", 1, 16_384, "far")
    with pytest.raises(WriteRefusedError) as info:
        writer.save()
    assert info.value.code == "write-too-many-cells"


def test_set_cell_on_an_added_sheet(tmp_path: Path) -> None:
    path = make_package(tmp_path / "a.xlsx", {"S": sheet_xml("")})
    writer = WorkbookWriter(path)
    writer.add_sheet("变更日志", [["时间", "原因"], [STAMP, "x"]], freeze_header=False)
    writer.set_cell("变更日志", 3, 2, "added later")
    writer.save(backup=False)
    ws = _load(path)["变更日志"]
    assert [[c.value for c in row] for row in ws.iter_rows()] == [
        ["时间", "原因"],
        [STAMP, "x"],
        [None, "added later"],
    ]
    assert ws.freeze_panes is None


def test_zip_member_details_survive(tmp_path: Path) -> None:
    """A stored (uncompressed) member and the archive comment come through as they were."""
    path = make_package(tmp_path / "z.xlsx", {"S": sheet_xml("")})
    with zipfile.ZipFile(path, "a") as zf:
        zf.writestr(zipfile.ZipInfo("customXml/item1.xml"), b"<a/>", zipfile.ZIP_STORED)
        zf.comment = b"made by hand"
    _write(path, "S", {(1, 1): 1})
    with zipfile.ZipFile(path) as zf:
        assert zf.comment == b"made by hand"
        assert zf.getinfo("customXml/item1.xml").compress_type == zipfile.ZIP_STORED
        assert zf.testzip() is None


# -- the streaming patcher against a model --------------------------------------------------

_CELL = st.tuples(st.booleans(), st.sampled_from(["n", "s", "f"]), st.integers(0, 99))


@st.composite
def _sheets(draw: st.DrawFn) -> tuple[str, dict[tuple[int, int], Any], set[tuple[int, int]]]:
    """Sheet XML with rows and cells that may lack ``r=`` (only where that is unambiguous),
    empty self-closing rows, formulas; and the values a reader should see."""
    rows = sorted(draw(st.sets(st.integers(1, 25), max_size=12)))
    values: dict[tuple[int, int], Any] = {}
    formulas: set[tuple[int, int]] = set()
    xml, prev = [], 0
    for r in rows:
        r_attr = f' r="{r}"' if r != prev + 1 or draw(st.booleans()) else ""
        cols = sorted(draw(st.sets(st.integers(1, 8), max_size=5)))
        if not cols:
            xml.append(f"<row{r_attr}/>")
            prev = r
            continue
        cells, prev_col = [], 0
        for c in cols:
            explicit, kind, n = draw(_CELL)
            ref = f' r="{cell_ref(r, c)}"' if explicit or c != prev_col + 1 else ""
            if kind == "n":
                cells.append(f"<c{ref}><v>{n}</v></c>")
                values[(r, c)] = n
            elif kind == "s":
                cells.append(f'<c{ref} t="inlineStr"><is><t>v{n}</t></is></c>')
                values[(r, c)] = f"v{n}"
            else:
                cells.append(f"<c{ref}><f>{n}+0</f><v>{n}</v></c>")
                values[(r, c)] = n
                formulas.add((r, c))
            prev_col = c
        xml.append(f"<row{r_attr}>{''.join(cells)}</row>")
        prev = r
    return sheet_xml("".join(xml)), values, formulas


def _read_model(xml: bytes) -> dict[tuple[int, int], Any]:
    """An independent reading (ElementTree), numbering rows and cells without ``r=``."""
    import xml.etree.ElementTree as ET

    from crmxl.a1 import column_index as col_number

    ns = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
    out: dict[tuple[int, int], Any] = {}
    r = 0
    for row in ET.fromstring(xml).iter(f"{ns}row"):
        r = int(row.get("r") or r + 1)
        c = 0
        for cell in row.iter(f"{ns}c"):
            ref = cell.get("r")
            new_c = col_number(re.match(r"[A-Z]+", ref).group()) if ref else c + 1  # type: ignore[union-attr]
            assert new_c > c and (r, new_c) not in out, "cells out of order or repeated"
            c = new_c
            text = cell.find(f"{ns}is/{ns}t")
            v = cell.find(f"{ns}v")
            if text is not None:
                out[(r, c)] = text.text
            elif v is not None:
                out[(r, c)] = int(v.text or 0)
    return out


def _writes() -> st.SearchStrategy[dict[tuple[int, int], Any]]:
    """Writes into the first 27 rows and 9 columns of a :func:`_sheets` sheet: blanks,
    numbers and short texts."""
    return st.dictionaries(
        st.tuples(st.integers(1, 27), st.integers(1, 9)),
        st.one_of(st.none(), st.integers(0, 999), st.text("甲乙ab", min_size=1, max_size=3)),
        max_size=15,
    )


@settings(max_examples=150, deadline=None)
@given(
    sheet=_sheets(),
    writes=_writes(),
    chunk=st.integers(5, 300),
)
def test_streaming_patcher_matches_a_model(
    sheet: tuple[str, dict[tuple[int, int], Any], set[tuple[int, int]]],
    writes: dict[tuple[int, int], Any],
    chunk: int,
) -> None:
    import io
    from unittest import mock

    from crmxl.workbook import sheetxml
    from crmxl.workbook.styles import StyleBook

    xml, values, formulas = sheet
    patches = {sheetxml.patch_key(r, c): v for (r, c), v in writes.items()}
    out: list[bytes] = []
    options = sheetxml.SheetOptions(StyleBook(None))
    with mock.patch.object(sheetxml, "CHUNK", chunk):
        result = sheetxml.SheetPatcher(
            io.BytesIO(xml.encode()).read, out.append, sheetxml.group_rows(patches),
            options, None, {c for _, c in writes},
        ).run()  # fmt: skip
    expected = dict(values)
    for key, value in writes.items():
        if key in formulas:
            continue
        if value is None:
            expected.pop(key, None)
        else:
            expected[key] = value
    assert _read_model(b"".join(out)) == expected
    assert sorted(result.skipped) == sorted(k for k in writes if k in formulas)


@st.composite
def _column_sheets(draw: st.DrawFn) -> tuple[str, dict[int, Any]]:
    """A sheet as Excel writes one (every row and cell with ``r=``, often ``spans`` and
    styles), and patches that mostly fill new columns after the last cell (or a quarter of the
    time change values in the columns there are: a weekly refresh), sometimes with a row to
    insert, a cell patched in place, a highlight, a customFormat row, a cell already in a
    patched column or a cell without ``r=``."""
    from crmxl.workbook import sheetxml

    rows = sorted(draw(st.sets(st.integers(1, 60), min_size=1, max_size=40)))
    spans = draw(st.booleans())
    xml = []
    for r in rows:
        cols = sorted(draw(st.sets(st.integers(1, draw(st.sampled_from([5] * 30 + [7]))),
                                   max_size=4)))  # fmt: skip
        attrs = f' spans="1:{max(cols, default=1)}"' if spans else ""
        if draw(st.integers(0, 150)) == 0:
            attrs += ' s="2" customFormat="1"'
        style = draw(st.sampled_from(["", ' s="1"', ' s="2"']))
        refs = [f' r="{cell_ref(r, c)}"' for c in cols]
        for i, c in enumerate(cols):  # now and then a cell without r= (where that is allowed)
            if c == (cols[i - 1] if i else 0) + 1 and draw(st.integers(0, 60)) == 0:
                refs[i] = ""
        cells = "".join(
            f"<c{ref}{style}><v>{r * 10 + c}</v></c>" for c, ref in zip(cols, refs, strict=True)
        )
        xml.append(f'<row r="{r}"{attrs}>{cells}</row>')
    value = st.one_of(
        st.none(), st.integers(-5, 99), st.booleans(), st.text("甲乙ab<&", max_size=3),
        st.dates(dt.date(1990, 1, 1), dt.date(2030, 1, 1)),
    )  # fmt: skip
    patch_rows = draw(st.lists(st.sampled_from(rows), max_size=60))
    patch_rows += draw(st.lists(st.integers(1, 62), max_size=2))  # rows to insert
    patches: dict[int, Any] = {}
    new_columns = draw(st.sampled_from([(6, 9)] * 3 + [(1, 5)]))  # or values in place only
    for r in patch_rows:
        for c in draw(st.sets(st.integers(*new_columns), min_size=1, max_size=3)):
            patches[sheetxml.patch_key(r, c)] = draw(value)
    for _ in range(draw(st.integers(0, 4))):  # in place, or a highlight
        r, c = draw(st.sampled_from(rows)), draw(st.integers(1, 9))
        patches[sheetxml.patch_key(r, c)] = draw(
            st.one_of(value, st.just(sheetxml.CellPatch(sheetxml.KEEP, fill="FFFFFF00")))
        )
    return sheet_xml("".join(xml)), patches


@settings(max_examples=200, deadline=None)
@given(sheet=_column_sheets(), chunk=st.integers(40, 4000))
def test_bulk_path_writes_the_bytes_of_the_row_path(
    sheet: tuple[str, dict[int, Any]], chunk: int
) -> None:
    """The column-at-a-time path for new columns gives what patching row by row gives, byte
    for byte but for the numbers of derived styles (made in another order), wherever it
    applies and wherever it stops."""
    import io
    from unittest import mock

    from crmxl.workbook import sheetbulk, sheetxml
    from crmxl.workbook.styles import StyleBook

    xml, patches = sheet

    def run(bulk_min: int) -> tuple[bytes, sheetxml.SheetResult, bytes]:
        out: list[bytes] = []
        styles = StyleBook(STYLES.encode())
        options = sheetxml.SheetOptions(styles)
        with (
            mock.patch.object(sheetxml, "CHUNK", chunk),
            mock.patch.object(sheetbulk, "BULK_MIN", bulk_min),
        ):
            result = sheetxml.SheetPatcher(
                io.BytesIO(xml.encode()).read, out.append, sheetxml.group_rows(patches),
                options, None, {(k & (sheetxml.MAX_COL - 1)) + 1 for k in patches},
            ).run()  # fmt: skip
        return b"".join(out), result, styles.to_bytes()

    def resolved(sheet: bytes, styles: bytes) -> bytes:
        """The sheet with each ``s=`` replaced by what its style is (derived styles may be
        made in another order, so their numbers may differ)."""
        fmts = dict(re.findall(rb'<numFmt numFmtId="(\d+)" formatCode="([^"]*)"', styles))
        fills = re.findall(rb"<fill>.*?</fill>", styles)
        xfs = re.findall(rb"<xf [^>]*>", styles.split(b"<cellXfs")[1])
        xfs = [
            re.sub(rb'fillId="(\d+)"', lambda m: fills[int(m.group(1))],
                   re.sub(rb'numFmtId="(\d+)"', lambda m: fmts.get(m.group(1), m.group(1)), x))
            for x in xfs
        ]  # fmt: skip
        return re.sub(rb' s="(\d+)"', lambda m: b" s=[" + xfs[int(m.group(1))] + b"]", sheet)

    bulk, bulk_result, bulk_styles = run(0)
    event(f"bulk rows: {min(bulk_result.rows_bulk // 5 * 5, 20)}+")
    rows, row_result, row_styles = run(1 << 40)
    assert row_result.rows_bulk == 0
    assert resolved(bulk, bulk_styles) == resolved(rows, row_styles)
    assert len(bulk_styles) == len(row_styles)
    assert re.sub(rb' s="\d+"', b"", bulk) == re.sub(rb' s="\d+"', b"", rows)
    for name in ("written", "skipped", "rows_rebuilt", "styled"):
        assert getattr(bulk_result, name) == getattr(row_result, name), name


def test_letters_before_matches_exactly_the_columns_before() -> None:
    from crmxl.a1 import column_letter as col_letter
    from crmxl.workbook.sheetxml import _letters_before

    for col in [*range(1, 60), 676, 677, 702, 703, 704, 728, 800, 16383, 16384]:
        pattern = _letters_before(col)
        if col == 1:
            assert pattern is None
            continue
        assert pattern is not None
        for other in [*range(1, 900), 16383, 16384]:
            matched = re.fullmatch(pattern, col_letter(other)) is not None
            assert matched == (other < col), (col, other, pattern)


def test_bulk_path_is_taken_for_new_columns() -> None:
    """A million-row computed column is what the bulk path is for: check it is used."""
    import io

    from crmxl.workbook import sheetxml
    from crmxl.workbook.styles import StyleBook

    xml = sheet_xml(
        "".join(
            f'<row r="{r}" spans="1:2"><c r="A{r}"><v>{r}</v></c></row>' for r in range(1, 5001)
        )
    )
    patches = {sheetxml.patch_key(r, 3): f"v{r % 7}" for r in range(2, 5001)}
    patches[sheetxml.patch_key(1, 3)] = "header"
    out: list[bytes] = []
    result = sheetxml.SheetPatcher(
        io.BytesIO(xml.encode()).read, out.append, sheetxml.group_rows(patches),
        sheetxml.SheetOptions(StyleBook(None)), None, {3},
    ).run()  # fmt: skip
    assert result.rows_bulk > 4000 and result.written == 5000
    data = b"".join(out)
    assert (
        b'<row r="4321" spans="1:3"><c r="A4321"><v>4321</v></c><c r="C4321" t="inlineStr">' in data
    )
    assert _read_model(data)[(4321, 3)] == f"v{4321 % 7}"


# -- number formats and the styles part ------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "is_date"),
    [("yyyy-mm-dd", True), ("m/d/yy h:mm", True), ("[h]:mm:ss", True), ("mm:ss", True),
     ('yyyy"年"m"月"d"日"', True), ("[$-409]mmm d", True), ("h AM/PM", True), ("d;0", True),
     ("0.00", False), ("General", False), ('#,##0 "元"', False), ('"d"0', False),
     ("\\d0", False), ("[Red]0", False), ("[DBNum1]0", False), ("0.00E+00", False),
     ("_(* #,##0_)", False), ('0;[Red]-0;"zero d"', False), ("@", False)],
)  # fmt: skip
def test_date_formats_are_recognised(code: str, is_date: bool) -> None:
    from crmxl.workbook.styles import is_date_format

    assert is_date_format(code) is is_date


def test_styles_edits_keep_prefixes_ids_and_fonts() -> None:
    from crmxl.workbook.styles import StyleBook

    data = (
        f'<x:styleSheet xmlns:x="{MAIN_NS}"><x:numFmts count="1"><x:numFmt numFmtId="170" '
        'formatCode="0.0&quot;元&quot;"/></x:numFmts><x:fonts count="2"><x:font><x:sz val="11"/>'
        '</x:font><x:font><x:b/><x:sz val="11"/></x:font></x:fonts><x:cellXfs count="2">'
        '<x:xf numFmtId="170" fontId="0"/><x:xf numFmtId="0" fontId="1"/></x:cellXfs>'
        '<x:dxfs count="1"><x:dxf><x:numFmt numFmtId="180" formatCode="0"/></x:dxf></x:dxfs>'
        "</x:styleSheet>"
    ).encode()
    book = StyleBook(data)
    assert book.format_code(0) == '0.0"元"' and not book.is_date(0)
    assert book.bold(1) == 1  # already bold: nothing added
    bold = book.bold(0)
    dated = book.with_format(0, "yyyy-mm-dd")
    assert (bold, dated, book.with_format(0, "yyyy-mm-dd")) == (2, 3, 3)
    assert book.with_format(0, '0.0"元"') == 0 and book.with_format(1, "#,##0") == 4
    out = book.to_bytes().decode()
    assert '<x:numFmt numFmtId="181" formatCode="yyyy-mm-dd"/>' in out  # above the dxf's 180
    assert '<x:font><x:b/><x:sz val="11"/></x:font></x:fonts>' in out
    assert '<x:cellXfs count="5">' in out and '<x:fonts count="3">' in out
    assert out.count("<xf") == 0 and out.startswith(data.decode()[:40])
    import xml.etree.ElementTree as ET

    ET.fromstring(out)  # well-formed


def test_add_sheet_to_a_prefixed_workbook(tmp_path: Path) -> None:
    path = make_package(tmp_path / "x.xlsx", {"S": sheet_xml("")})
    with zipfile.ZipFile(path) as zf:
        parts_ = {i.filename: zf.read(i) for i in zf.infolist()}
    wb = parts_["xl/workbook.xml"].decode()
    wb = wb.replace(f'<workbook xmlns="{MAIN_NS}"', f'<x:workbook xmlns:x="{MAIN_NS}"')
    wb = re.sub(r"<(/?)(workbookPr|sheets|sheet)\b", r"<\1x:\2", wb).replace(
        "</workbook>", "</x:workbook>"
    )
    parts_["xl/workbook.xml"] = wb.encode()
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in parts_.items():
            zf.writestr(name, data)
    writer = WorkbookWriter(path)
    writer.add_sheet("变更日志", [["时间"], [STAMP]])
    writer.save(backup=False)
    workbook = part(path, "xl/workbook.xml")
    assert '<x:sheet name="变更日志" sheetId="2" r:id="rId3"/></x:sheets>' in workbook
    assert _load(path).sheetnames == ["S", "变更日志"]
