"""The 1904 date system (Mac Excel): read and written as Excel, openpyxl and LibreOffice do.

Excel 2013+ on a Mac writes ``<workbookPr date1904="1">`` and, inside ``<extLst>``, an
``<x15:workbookPr>`` without the flag; only the first counts. The public ``1904.xlsx`` (SheetJS's
test files; Excel for Mac) holds serials 1, 11, 111 ... with Excel's own ``TEXT(B1,"YYYY-MM-DD")``
results cached beside them: the expected dates come from Excel, not from crmxl.
"""

from __future__ import annotations

import re
import shutil
import zipfile
from datetime import date, datetime
from pathlib import Path

import openpyxl
import pytest
from libreoffice import roundtrip_xlsx

from crmxl import refresh
from crmxl.starter.templates import init_workbook
from crmxl.workbook import WorkbookWriter
from crmxl.workbook.package import Package
from crmxl.workbook.readcopy import open_reader
from crmxl.workbook.styles import StyleBook

MAC = Path(__file__).parent / "fixtures" / "producers" / "excel-mac"
AS_OF = datetime(2026, 11, 20, 9, 0)
X15 = "http://schemas.microsoft.com/office/spreadsheetml/2010/11/main"
DAYS_1900_TO_1904 = 1462  # 1904-01-01 is serial 1462 in the 1900 system


def excel_dates(path: Path) -> list[date]:
    """Column C of the SheetJS file: what Excel computed for column B, as text."""
    wb = openpyxl.load_workbook(path, data_only=True)  # the cached results
    return [date.fromisoformat(c.value) for c in wb.active["C"] if c.value]


@pytest.mark.parametrize(("name", "flag"), [("1904.xlsx", True), ("1900.xlsx", False)])
def test_date_system_of_excel_files(name: str, flag: bool) -> None:
    with Package(MAC / name) as pkg:
        assert pkg.date1904 is flag
        assert b"x15:workbookPr" in pkg.workbook_xml  # the extension that reset the flag


@pytest.mark.parametrize("name", ["1904.xlsx", "1900.xlsx"])
def test_fast_reader_reads_dates_as_excel_computed_them(name: str) -> None:
    frame = open_reader(MAC / name).load_sheet(0, header_row=None).to_pandas()
    read = [ts.date() for ts in frame.iloc[:, 1]]
    assert read == excel_dates(MAC / name)
    assert read[0] == (date(1904, 1, 2) if name == "1904.xlsx" else date(1900, 1, 1))


def test_dates_written_into_a_1904_file_are_1904_serials(tmp_path: Path) -> None:
    path = tmp_path / "mac.xlsx"
    shutil.copy(MAC / "1904.xlsx", path)
    writer = WorkbookWriter(path)
    writer.set_cell("Sheet1", 7, 2, date(2026, 11, 20))
    writer.set_cell("Sheet1", 8, 2, datetime(2026, 11, 20, 10, 30))
    writer.save()
    sheet = zipfile.ZipFile(path).read("xl/worksheets/sheet1.xml").decode()
    # 2026-11-20 is 46346 in the 1900 system (Excel's DATE(2026,11,20)), so 44884 in 1904's
    assert re.search(r'<c r="B7"[^>]*><v>44884</v>', sheet)
    wb = openpyxl.load_workbook(path)
    assert wb.active["B7"].value == datetime(2026, 11, 20)
    assert wb.active["B8"].value == datetime(2026, 11, 20, 10, 30)
    (back,) = roundtrip_xlsx([path], tmp_path / "lo")
    wb = openpyxl.load_workbook(back)
    assert wb.active["B7"].value == datetime(2026, 11, 20)
    assert wb.active["B8"].value == datetime(2026, 11, 20, 10, 30)


def to_1904(src: Path, dest: Path) -> int:
    """Copy ``src`` (1900 system) as Mac Excel 2013+ would save it in the 1904 system: the
    flag on the main workbookPr, an x15:workbookPr in extLst, every date-formatted number
    1462 less. Returns how many date cells were shifted."""
    shifted = 0
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dest, "w", zipfile.ZIP_DEFLATED) as zout:
        styles = StyleBook(zin.read("xl/styles.xml"))
        for info in zin.infolist():
            data = zin.read(info)
            if info.filename == "xl/workbook.xml":
                text = re.sub(r"<workbookPr\b", '<workbookPr date1904="1"', data.decode(), count=1)
                ext = (
                    f'<extLst><ext uri="{{140A7094-0E35-4892-8432-C4D2E57EDEB5}}" '
                    f'xmlns:x15="{X15}"><x15:workbookPr chartTrackingRefBase="1"/></ext></extLst>'
                )
                data = text.replace("</workbook>", ext + "</workbook>").encode()
            elif info.filename.startswith("xl/worksheets/sheet"):

                def shift(m: re.Match[str]) -> str:
                    nonlocal shifted
                    style = re.search(r'\ss="(\d+)"', m.group(1))
                    if style is None or ' t="' in m.group(1):
                        return m.group()
                    if not styles.is_date(int(style.group(1))):
                        return m.group()
                    shifted += 1
                    value = float(m.group(3)) - DAYS_1900_TO_1904
                    return f"{m.group(1)}{m.group(2)}<v>{value!r}</v>"

                text = re.sub(r"(<c\b[^>]*>)((?:<f\b[^>]*/>|<f\b.*?</f>)?)<v>([^<]*)</v>",
                              shift, data.decode())  # fmt: skip
                data = text.encode()
            zout.writestr(info, data)
    return shifted


def cells(path: Path) -> dict[str, list[tuple[object, ...]]]:
    wb = openpyxl.load_workbook(path)
    return {ws.title: list(ws.iter_rows(values_only=True)) for ws in wb.worksheets}


def test_same_workbook_in_both_systems_refreshes_the_same(tmp_path: Path) -> None:
    a = init_workbook(tmp_path / "crm1900.xlsx", sample=True, as_of=AS_OF).path
    b = tmp_path / "crm1904.xlsx"
    assert to_1904(a, b) > 1000
    with Package(b) as pkg:
        assert pkg.date1904
    assert cells(a) == cells(b)  # openpyxl sees the same workbook
    one = refresh([a], as_of=AS_OF, backup=False)
    two = refresh([b], as_of=AS_OF, backup=False)
    assert one.render("en").replace("crm1900", "crm") == two.render("en").replace("crm1904", "crm")
    after_a, after_b = cells(a), cells(b)
    assert after_a == after_b  # every computed date written as a 1904 serial
    assert after_a != cells(init_workbook(tmp_path / "fresh.xlsx", sample=True, as_of=AS_OF).path)
    lo_a, lo_b = roundtrip_xlsx([a, b], tmp_path / "lo")
    assert cells(lo_a) == cells(lo_b)  # and LibreOffice reads them alike
