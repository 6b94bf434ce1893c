"""Files that are not what they seem, and valid files other programs write (issue 15, 7 and 9).

Each variant is the sample workbook with one thing changed the way some producer or some
accident changes it. Valid ones must read exactly as the original does (the same findings) and
refresh cleanly; the others get one line, exit 1, quickly, under a 2 GB address-space cap, with
the file untouched. The command runs in a child process (see test_hostile.run_cli).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import sys
import zipfile
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

import pytest
from libreoffice import roundtrip_xlsx
from test_hostile import run_cli
from xlsxkit import STYLES, make_package, sheet_xml

from crmxl import validate
from crmxl.starter.templates import init_workbook
from crmxl.workbook import WorkbookWriter

AS_OF = datetime(2026, 11, 20, 9, 0)
posix = pytest.mark.skipif(sys.platform == "win32", reason="address-space cap and FIFOs: POSIX")

Variant = Callable[[zipfile.ZipFile, zipfile.ZipFile], None]


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return init_workbook(
        tmp_path_factory.mktemp("sample") / "crm.xlsx", sample=True, as_of=AS_OF
    ).path


def variant(src: Path, dest: Path, edit: Callable[[str, bytes], tuple[str, bytes] | None]) -> Path:
    """``src`` rewritten member by member: ``edit(name, data)`` -> (name, data), or None to drop."""
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dest, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            out = edit(info.filename, zin.read(info))
            if out is not None:
                zout.writestr(out[0], out[1])
    return dest


def lying_counts(name: str, data: bytes) -> tuple[str, bytes]:
    if name == "xl/sharedStrings.xml":
        data = re.sub(rb'count="\d+" uniqueCount="\d+"', b'count="4294967295" '
                      b'uniqueCount="4294967295"', data)  # fmt: skip
    return name, data


def backslashes(name: str, data: bytes) -> tuple[str, bytes]:
    return (name.replace("/", "\\") if name.startswith("xl/") else name), data


def other_case(name: str, data: bytes) -> tuple[str, bytes]:
    for old, new in [("xl/workbook.xml", "xl/WorkBook.xml"), ("styles.xml", "Styles.xml"),
                     ("worksheets/sheet2.xml", "Worksheets/Sheet2.XML")]:  # fmt: skip
        name = name.replace(old, new)
    return name, data


def utf16_workbook(name: str, data: bytes) -> tuple[str, bytes]:
    if name == "xl/workbook.xml":
        data = data.decode().replace('encoding="UTF-8"', 'encoding="UTF-16"').encode("utf-16")
    return name, data


def minimal_styles(name: str, data: bytes) -> tuple[str, bytes]:
    if name == "xl/styles.xml":
        data = b'<?xml version="1.0"?><styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"/>'
    return name, data


MACRO = (
    b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><xm:macrosheet xmlns="http://schemas'
    b'.openxmlformats.org/spreadsheetml/2006/main" xmlns:xm="http://schemas.microsoft.com/office/'
    b'excel/2006/main"><sheetData><row r="1"><c r="A1"><f>HALT()</f></c></row></sheetData>'
    b"</xm:macrosheet>"
)


def macro_sheet(name: str, data: bytes) -> tuple[str, bytes]:
    if name == "[Content_Types].xml":
        data = data.replace(b"</Types>", b'<Override PartName="/xl/macrosheets/sheet1.xml" '
                            b'ContentType="application/vnd.ms-excel.macrosheet+xml"/></Types>')  # fmt: skip
    elif name == "xl/_rels/workbook.xml.rels":
        data = data.replace(b"</Relationships>", b'<Relationship Id="rId99" Type="http://schemas.'
                            b'microsoft.com/office/2006/relationships/xlMacrosheet" '
                            b'Target="macrosheets/sheet1.xml"/></Relationships>')  # fmt: skip
    elif name == "xl/workbook.xml":
        data = data.replace(
            b"</sheets>", b'<sheet name="Macro1" sheetId="99" r:id="rId99"/></sheets>'
        )
    return name, data


READABLE = {
    "lying-counts": lying_counts,
    "backslashes": backslashes,
    "other-case": other_case,
    "utf16-workbook": utf16_workbook,
    "minimal-styles": minimal_styles,
    "macro-sheet": macro_sheet,
}


def make(sample: Path, tmp: Path, kind: str) -> Path:
    path = variant(sample, tmp / f"{kind}.xlsx", READABLE[kind])
    if kind == "macro-sheet":
        with zipfile.ZipFile(path, "a") as zf:
            zf.writestr("xl/macrosheets/sheet1.xml", MACRO)
    return path


def findings(path: Path) -> list[tuple[str, str, str]]:
    result = validate([path], as_of=AS_OF)
    return sorted((f.sheet, f.cell, f.code) for f in result.findings)


@pytest.mark.parametrize("kind", sorted(READABLE))
def test_valid_variants_read_as_the_original(sample: Path, tmp_path: Path, kind: str) -> None:
    path = make(sample, tmp_path, kind)
    expected = findings(sample)
    if kind == "macro-sheet":  # read as the original, and the macro sheet is named
        expected = sorted([*expected, ("Macro1", "", "macro-sheet")])
    assert findings(path) == expected


@posix
@pytest.mark.parametrize("kind", sorted(READABLE))
def test_valid_variants_refresh_under_2gb(sample: Path, tmp_path: Path, kind: str) -> None:
    path = make(sample, tmp_path, kind)
    code, out, err, _ = run_cli(
        "refresh", str(path), "--as-of", "2026-11-20", "--lang", "en", "--json"
    )
    # exit 1: the sample's planted errors in rule inputs are findings (docs/spec-notes.md), read
    # here exactly as in the original
    assert code == 1, err
    assert "Traceback" not in err
    codes = {f["code"] for f in json.loads(out)["findings"]}
    assert codes == {"future-date", "resolved-before-logged", "unknown-customer"}
    with zipfile.ZipFile(path) as zf:
        names = zf.namelist()
    assert not any("\\" in n for n in names)  # written back with slashes
    assert len(names) == len({n.casefold() for n in names})


def test_backslash_names_are_written_normalized_with_data_intact(
    sample: Path, tmp_path: Path
) -> None:
    path = make(sample, tmp_path, "backslashes")
    with zipfile.ZipFile(path) as zf:
        before = {i.filename.replace("\\", "/"): zf.read(i) for i in zf.infolist()}
    writer = WorkbookWriter(path)
    writer.set_cell("客户档案", 2, 40, "x")
    writer.save(backup=False)
    with zipfile.ZipFile(path) as zf:
        after = {i.filename: zf.read(i) for i in zf.infolist()}
    assert set(after) == set(before)
    changed = {n for n in after if after[n] != before[n]}
    assert "xl/worksheets/sheet2.xml" in changed  # (and workbook.xml, for fullCalcOnLoad)
    assert changed <= {"xl/worksheets/sheet2.xml", "xl/workbook.xml"}
    roundtrip_xlsx([path], tmp_path / "lo")  # LibreOffice opens it


def test_no_second_styles_relationship(tmp_path: Path) -> None:
    """The workbook names a styles part the package lacks: the one made goes where the
    relationship points, and no relationship or content type is added twice."""
    path = make_package(tmp_path / "s.xlsx", {"S": sheet_xml('<row r="1"><c r="A1"><v>1</v></c></row>')},
                        styles=STYLES)  # fmt: skip
    variant(path, tmp_path / "nostyles.xlsx", lambda n, d: None if n == "xl/styles.xml" else (n, d))
    writer = WorkbookWriter(tmp_path / "nostyles.xlsx")
    writer.set_cell("S", 2, 1, datetime(2026, 11, 20))
    writer.save(backup=False)
    with zipfile.ZipFile(tmp_path / "nostyles.xlsx") as zf:
        rels = zf.read("xl/_rels/workbook.xml.rels").decode()
        types = zf.read("[Content_Types].xml").decode()
        assert "xl/styles.xml" in zf.namelist()
    assert rels.count("relationships/styles") == 1
    assert types.count('PartName="/xl/styles.xml"') == 1


def duplicate_member(sample: Path, tmp: Path) -> Path:
    path = variant(sample, tmp / "dup.xlsx", lambda n, d: (n, d))
    with (
        zipfile.ZipFile(sample) as zin,
        zipfile.ZipFile(path, "a") as zf,
        pytest.warns(UserWarning),
    ):
        zf.writestr("xl/worksheets/sheet2.xml", zin.read("xl/worksheets/sheet2.xml"))
    return path


def fifo(sample: Path, tmp: Path) -> Path:
    path = tmp / "pipe.xlsx"
    os.mkfifo(path)
    return path


def folder(sample: Path, tmp: Path) -> Path:
    path = tmp / "folder.xlsx"
    path.mkdir()
    return path


def utf16_sheet(sample: Path, tmp: Path) -> Path:
    def edit(name: str, data: bytes) -> tuple[str, bytes]:
        if name == "xl/worksheets/sheet2.xml":
            data = data.decode().replace('encoding="UTF-8"', 'encoding="UTF-16"').encode("utf-16")
        return name, data

    return variant(sample, tmp / "utf16sheet.xlsx", edit)


def huge_shared_strings(sample: Path, tmp: Path) -> Path:
    """A valid table of 300 MB (one long text item repeated), compressed to a few MB."""
    path = tmp / "huge.xlsx"
    with zipfile.ZipFile(sample) as zin, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            if info.filename != "xl/sharedStrings.xml":
                zout.writestr(info, zin.read(info))
                continue
            data = zin.read(info)
            item = b"<si><t>" + b"x" * 30_000 + b"</t></si>"
            head, tail = data.rsplit(b"</sst>", 1)
            with zout.open("xl/sharedStrings.xml", "w", force_zip64=True) as fh:
                fh.write(head)
                for _ in range(10_000):
                    fh.write(item)
                fh.write(b"</sst>" + tail)
    return path


REFUSED: dict[str, tuple[Callable[[Path, Path], Path], str]] = {
    "duplicate-member": (duplicate_member, "twice"),
    "fifo": (fifo, "not a regular file"),
    "folder": (folder, "is a folder"),
    "utf16-sheet": (utf16_sheet, "UTF-16"),
    "huge-shared-strings": (huge_shared_strings, "shared-strings table"),
}


@posix
@pytest.mark.parametrize("command", ["validate", "refresh"])
@pytest.mark.parametrize("kind", sorted(REFUSED))
def test_refused_in_one_line_under_2gb(
    sample: Path, tmp_path: Path, kind: str, command: str
) -> None:
    build, words = REFUSED[kind]
    path = build(sample, tmp_path)
    before = path.read_bytes() if path.is_file() else None
    code, out, err, seconds = run_cli(command, str(path), "--lang", "en")
    assert code == 1, (out, err)
    assert err.startswith("Error: ") and err.count("\n") == 1 and words in err, err
    assert seconds < 30
    if before is not None:
        assert path.read_bytes() == before
    left = [p.name for p in tmp_path.glob(".*crmxl*") if not p.name.endswith(".crmxl-lock")]
    assert not left  # crmxl's (empty) write lock file stays on POSIX: docs/write-path.md


@posix
@pytest.mark.parametrize("command", ["validate", "import", "merge"])
def test_lying_counts_no_longer_abort(sample: Path, tmp_path: Path, command: str) -> None:
    path = make(sample, tmp_path, "lying-counts")
    args = {
        "validate": ["validate", str(path)],
        "import": ["import", str(path), "--into", str(sample), "--sheet", "线索", "--dry-run"],
        "merge": ["merge", str(sample), str(path)],
    }[command]
    before = sample.read_bytes()
    code, _out, err, _ = run_cli(*args, "--lang", "en")
    assert code in (0, 1), err  # findings or a refusal with a reason, never an abort (134)
    assert "Traceback" not in err and "panicked" not in err
    assert command != "merge" or sample.read_bytes() == before


@posix
def test_annotate_with_too_many_notes_is_refused(sample: Path, tmp_path: Path) -> None:
    path = tmp_path / "notes.xlsx"
    shape = None

    def edit(name: str, data: bytes) -> tuple[str, bytes]:
        nonlocal shape
        if name == "xl/drawings/vmlDrawing1.vml":
            shape = re.search(rb"<v:shape .*?</v:shape>", data, re.S)
            assert shape is not None
            many = b"".join(
                shape.group().replace(b"_s1025", b"_s%d" % (9000 + i)) for i in range(120_000)
            )
            data = data.replace(b"</xml>", many + b"</xml>")
        return name, data

    variant(sample, path, edit)
    out_path = tmp_path / "annotated.xlsx"
    code, _out, err, _ = run_cli("validate", str(path), "--annotate", str(out_path), "--lang", "en")
    assert code == 1 and "too many notes" in err and err.count("\n") == 1, err
    assert not out_path.exists()
    shutil.rmtree(tmp_path / ".crmxl-backups", ignore_errors=True)
