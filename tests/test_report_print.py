"""The report prints: every sheet A4 landscape, one page wide, a footer with the sheet's name
and the page numbers, header rows repeated; lists with a filter and a frozen header.

Read back from the written file with openpyxl, and printed for real: LibreOffice exports the
report of a 2,000-customer workbook to PDF, and poppler reads the pages back (size, footer,
text). A list printed one page wide has, on every one of its pages, its header from the first
column to the last (repeated, since the header row repeats), and prints each of its rows once:
a column that spilled onto a page of its own would leave pages without the first column.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from crm_small import AS_OF, sheets
from libreoffice import convert

from crmxl.commands.report import ReportResult, report

FOOTER = {"zh": "&C&A — 第 &P 页，共 &N 页", "en": "&C&A — Page &P of &N"}


@pytest.fixture(scope="module")
def printed(
    big_workbook: Path, tmp_path_factory: pytest.TempPathFactory
) -> tuple[ReportResult, Path]:
    folder = tmp_path_factory.mktemp("printed")
    result = report([big_workbook], folder / "report.xlsx", as_of="2026-11-20")
    (pdf,) = convert([result.path], "pdf", folder / "pdf")
    return result, pdf


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_every_sheet_has_its_print_setup(make_workbook: Any, tmp_path: Path, lang: str) -> None:
    out = report([make_workbook(sheets())], tmp_path / "r.xlsx", as_of=AS_OF, lang=lang).path
    wb = openpyxl.load_workbook(out)
    lists = wb.sheetnames[1:-1]
    for ws in wb:
        setup = ws.page_setup
        assert (setup.orientation, setup.paperSize) == ("landscape", 9), ws.title  # A4
        assert ws.sheet_properties.pageSetUpPr.fitToPage, ws.title
        assert setup.fitToWidth in (None, 1) and setup.fitToHeight == 0, ws.title  # None: 1
        footer = ws.oddFooter.center.text
        assert "&C" + footer == FOOTER[lang], ws.title
    assert wb.worksheets[0].print_title_rows == "$1:$2"  # the title and the as-of
    for name in lists:
        ws = wb[name]
        (table,) = ws.tables.values()
        assert table.ref.startswith("A4:") and table.autoFilter is not None, name
        assert ws.freeze_panes == "A5" and ws.print_title_rows == "$4:$4", name


def _pdf_pages(pdf: Path) -> list[str]:
    text = subprocess.run(
        [_tool("pdftotext"), "-layout", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    return text.split("\f")[:-1]  # a form feed ends every page


def _tool(name: str) -> str:
    path = shutil.which(name)
    assert path, f"{name} (poppler-utils) is needed"
    return path


@pytest.mark.libreoffice
def test_the_pdf_pages_are_a4_landscape_and_numbered(printed: tuple[ReportResult, Path]) -> None:
    result, pdf = printed
    info = subprocess.run(
        [_tool("pdfinfo"), "-f", "1", "-l", "10000", str(pdf)],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    sizes = re.findall(r"Page\s+\d+ size:\s+([\d.]+) x ([\d.]+) pts", info)
    pages = _pdf_pages(pdf)
    assert len(sizes) == len(pages) > 40
    assert all((round(float(w)), round(float(h))) == (842, 595) for w, h in sizes)  # A4 across
    footers = [re.search(r"(\S+) — 第 (\d+) 页，共 (\d+) 页", page) for page in pages]
    assert all(footers), [i + 1 for i, f in enumerate(footers) if not f]
    numbers = [(int(f.group(2)), int(f.group(3))) for f in footers if f]
    assert numbers == [(i + 1, len(pages)) for i in range(len(pages))]
    named = {f.group(1) for f in footers if f}
    assert named == set(result.sheets)  # every sheet printed, each page naming its sheet


@pytest.mark.libreoffice
def test_every_list_prints_one_page_wide(printed: tuple[ReportResult, Path]) -> None:
    result, pdf = printed
    pages = _pdf_pages(pdf)
    wb = openpyxl.load_workbook(result.path, read_only=False)
    checked = 0
    for name in result.sheets[1:-1]:
        ws = wb[name]
        (table,) = ws.tables.values()
        headers = [c.value for c in ws[table.ref][0]]
        ids = [row[0].value for row in ws[table.ref][1:] if row[0].value is not None]
        own = [p for p in pages if re.search(rf"{re.escape(name)} — 第 \d+ 页", p)]
        assert own, name
        for page in own:
            top = next(
                line for line in page.splitlines() if headers[0] in line and headers[1] in line
            )
            assert headers[-1] in top, (name, top)
        printed_ids = [m for p in own for m in re.findall(r"^\s*(\S+)", p, re.M) if m in ids]
        assert sorted(printed_ids) == sorted(ids), name  # each row once, none on a spill page
        checked += len(own) > 1
    assert checked >= 2  # at least two lists ran over several pages
