"""Input guards: hostile or broken files are turned away before any parser sees them.

Each file is made here; each must raise :class:`InputFileError` with the right code, quickly
(the time limit is loose: it catches a hang, not a slow machine), from the guard itself and from
the writer, which runs the guard before it reads anything.
"""

from __future__ import annotations

import struct
import time
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest
from xlsxkit import MAIN, make_package, sheet_xml

from crmxl.errors import InputFileError
from crmxl.workbook import WorkbookWriter
from crmxl.workbook.guard import check_workbook

OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


def good(path: Path) -> Path:
    rows = '<row r="1"><c r="A1" t="inlineStr"><is><t>客户编号</t></is></c></row>'
    return make_package(path, {"客户档案": sheet_xml(rows)})


def truncated(path: Path) -> Path:
    data = good(path).read_bytes()
    path.write_bytes(data[: len(data) // 2])
    return path


def renamed_csv(path: Path) -> Path:
    path.write_bytes("客户编号,客户名称\nC001,甲有限公司\n".encode("gbk"))
    return path


def html_export(path: Path) -> Path:
    path.write_text("<html><body><table><tr><td>1</td></tr></table></body></html>")
    return path


def old_xls(path: Path) -> Path:
    path.write_bytes(OLE + b"\x00" * 504 + "Workbook".encode("utf-16-le") + b"\x00" * 1000)
    return path


def encrypted(path: Path) -> Path:
    stream = "EncryptedPackage".encode("utf-16-le")
    path.write_bytes(OLE + b"\x00" * 1000 + stream + b"\x00" * 1000)
    return path


def empty(path: Path) -> Path:
    path.write_bytes(b"")
    return path


def xlsb(path: Path) -> Path:
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("[Content_Types].xml", "<Types/>")
        zf.writestr("xl/workbook.bin", b"\x83\x01\x00")
    return path


def declared_bomb(path: Path) -> Path:
    """A sheet whose zip entry declares 2 GiB uncompressed (over the 1.5 GiB per-part limit);
    only the header says so, the file stays small."""
    good(path)
    data = bytearray(path.read_bytes())
    with zipfile.ZipFile(path) as zf:
        info = zf.getinfo("xl/worksheets/sheet1.xml")
    central = data.find(b"PK\x01\x02" + data[info.header_offset + 4 : info.header_offset + 6])
    while data[central + 46 : central + 46 + 24] != b"xl/worksheets/sheet1.xml":
        central = data.find(b"PK\x01\x02", central + 4)
    struct.pack_into("<I", data, central + 24, 2**31)
    struct.pack_into("<I", data, info.header_offset + 22, 2**31)
    path.write_bytes(bytes(data))
    return path


def compressible_bomb(path: Path) -> Path:
    """320 MiB of rows that deflate to under 1 MiB (over 250:1), written in a stream."""
    good(path)
    row = b'<row r="1"><c r="A1"><v>0</v></c></row>' * (1 << 15)
    with (
        zipfile.ZipFile(path, "a", zipfile.ZIP_DEFLATED, compresslevel=9) as zf,
        zf.open("xl/worksheets/sheet2.xml", "w") as fh,
    ):
        fh.write(f'<worksheet xmlns="{MAIN}"><sheetData>'.encode())
        for _ in range(320 * 1024 * 1024 // len(row)):
            fh.write(row)
    return path


def entity_bomb(path: Path) -> Path:
    lol = '<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;">]>'
    xml = sheet_xml('<row r="1"><c r="A1" t="inlineStr"><is><t>&lol2;</t></is></c></row>')
    xml = xml.replace("?>\n", "?>\n" + lol, 1)
    return make_package(path, {"S": xml})


def far_cell(path: Path) -> Path:
    rows = (
        '<row r="1"><c r="A1"><v>1</v></c></row>'
        '<row r="1048576"><c r="XFD1048576"><v>1</v></c></row>'
    )
    return make_package(path, {"S": sheet_xml(rows)})


def beyond_the_grid(path: Path) -> Path:
    return make_package(
        path, {"S": sheet_xml('<row r="1048577"><c r="A1048577"><v>1</v></c></row>')}
    )


HOSTILE: list[tuple[Callable[[Path], Path], str]] = [
    (truncated, "file-corrupt"),
    (renamed_csv, "file-not-xlsx"),
    (html_export, "file-html"),
    (old_xls, "file-xls"),
    (encrypted, "file-encrypted"),
    (empty, "file-empty"),
    (xlsb, "file-xlsb"),
    (declared_bomb, "file-bomb"),
    (compressible_bomb, "file-bomb"),
    (entity_bomb, "file-doctype"),
    (far_cell, "file-too-many-cells"),
    (beyond_the_grid, "file-far-cell"),
]


@pytest.mark.parametrize(("make", "code"), HOSTILE, ids=[m.__name__ for m, _ in HOSTILE])
def test_hostile_files_are_refused_quickly(
    tmp_path: Path, make: Callable[[Path], Path], code: str
) -> None:
    path = make(tmp_path / "crm.xlsx")
    before = path.read_bytes()
    for open_it in (check_workbook, WorkbookWriter):
        start = time.perf_counter()
        with pytest.raises(InputFileError) as info:
            open_it(path)
        assert time.perf_counter() - start < 5, "a guard must not hang"
        assert info.value.code == code
        message = info.value.render("zh")
        assert "crm.xlsx" in message and "\n" not in message and "Traceback" not in message
    assert path.read_bytes() == before


def test_missing_file_and_folder(tmp_path: Path) -> None:
    with pytest.raises(InputFileError) as info:
        check_workbook(tmp_path / "nope.xlsx")
    assert info.value.code == "file-missing"
    with pytest.raises(InputFileError) as info:
        WorkbookWriter(tmp_path)
    assert info.value.code == "file-is-folder"


def test_a_good_file_passes_and_is_measured(tmp_path: Path) -> None:
    report = check_workbook(good(tmp_path / "good.xlsx"))
    extent = report.extents["xl/worksheets/sheet1.xml"]
    assert (extent.max_row, extent.max_col) == (1, 1)
    assert report.members == 6  # content types, 2 rels, workbook, sheet, styles
