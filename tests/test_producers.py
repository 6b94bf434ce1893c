"""Workbooks written by many programs (tests/fixtures/producers, sources in SOURCES.md).

Each file is refreshed twice as it is (it has no standard sheet: one line, file untouched), and
twice after crmxl's own writer added a 客户档案 sheet to it, the producer's parts kept as they
are: the refresh succeeds, every part crmxl does not own keeps its bytes, and the second run
changes nothing.
"""

from __future__ import annotations

import shutil
import zipfile
from datetime import date, datetime
from pathlib import Path

import pytest

from crmxl import refresh
from crmxl.errors import CrmxlError, InputFileError
from crmxl.model.schema import SHEETS_BY_KEY
from crmxl.workbook import WorkbookWriter
from crmxl.workbook.guard import check_workbook
from crmxl.workbook.names import canonical
from crmxl.workbook.package import Package

PRODUCERS = Path(__file__).parent / "fixtures" / "producers"
FILES = sorted(p for p in PRODUCERS.rglob("*") if p.suffix.lower() in (".xlsx", ".xlsm"))
AS_OF = datetime(2026, 11, 20, 9, 0)
SHEET = SHEETS_BY_KEY["customers"].zh
#: Files the input guard turns away, and the words of the refusal (all hand-checked).
REFUSED = {
    "gnumeric/calamine-issue_174.xlsx": "spans too many cells",
    "libreoffice/phpspreadsheet-issue.3982.xlsx": "spans too many cells",
    "libreoffice/poi-poc-xmlbomb-empty.xlsx": "DOCTYPE",
    "libreoffice/poi-poc-xmlbomb.xlsx": "DOCTYPE",
    "libreoffice/poi-xlsx-corrupted.xlsx": "damaged",
    "unnamed/calamine-issue252.xlsx": "damaged",
    "unnamed/poi-invalid.xlsx": "not an xlsx",
}


def ids(path: Path) -> str:
    return str(path.relative_to(PRODUCERS))


def data_of(path: Path) -> dict[str, bytes]:
    """Every member's (uncompressed) data by canonical name."""
    with zipfile.ZipFile(path) as zf:
        return {canonical(i.filename): zf.read(i) for i in zf.infolist()}


def test_the_corpus_is_there() -> None:
    producers = {p.parent.name for p in FILES}
    assert len(FILES) >= 100 and len(producers) >= 10, (len(FILES), producers)
    assert sum(p.stat().st_size for p in FILES) < 15 * 1024**2
    listed = (PRODUCERS / "SOURCES.md").read_text(encoding="utf-8")
    assert all(ids(p) in listed for p in FILES)


@pytest.mark.parametrize("path", FILES, ids=ids)
def test_without_standard_sheets_one_line_and_untouched(tmp_path: Path, path: Path) -> None:
    work = tmp_path / path.name
    shutil.copy(path, work)
    with pytest.raises(CrmxlError) as caught:
        refresh([work], as_of=AS_OF, backup=False)
    assert "\n" not in str(caught.value) and str(caught.value)
    assert work.read_bytes() == path.read_bytes()


def customers_added(path: Path, dest: Path) -> Path:
    """``path`` with a 客户档案 sheet added by crmxl's writer (every other part as it was)."""
    spec = SHEETS_BY_KEY["customers"]
    keys = [c.key for c in spec.required_columns]
    rows: list[list[object]] = [[spec.column(k).zh for k in keys]]
    rows.append(["C0001", "甲科技有限公司", "制造业", "展会", date(2026, 10, 1), "潜在", "张三"])
    rows.append(["C0002", "乙集团", "金融", "客户推荐", date(2026, 11, 18), "意向", "李四"])
    shutil.copy(path, dest)
    writer = WorkbookWriter(dest)
    writer.add_sheet(SHEET, rows)
    writer.save(backup=False)
    return dest


def refusal(path: Path) -> str | None:
    """The one-line refusal of ``path`` by the input guard (a far cell, an XML bomb ...) or
    the package reader (a damaged part), or None."""
    try:
        check_workbook(path)
        Package(path).close()
    except InputFileError as exc:
        return str(exc)
    return None


@pytest.mark.parametrize("path", FILES, ids=ids)
def test_refresh_keeps_the_producers_parts(tmp_path: Path, path: Path) -> None:
    refused = refusal(path)
    if refused is not None:  # the test above saw refresh say so in one line, file untouched
        assert "\n" not in refused
        assert REFUSED.get(ids(path)) in refused, refused
        return
    assert ids(path) not in REFUSED
    work = customers_added(path, tmp_path / f"crm-{path.name}")
    before = data_of(work)
    first = refresh([work], as_of=AS_OF, backup=False)
    assert first.rows_read.get(SHEET, 2) == 2
    assert first.cells_changed > 0
    after = data_of(work)
    with Package(work) as pkg:
        # what a refresh may write: the sheet's cells, and for a new sheet or a date format
        # the workbook, its relationships, content types and styles (parts added are new)
        owned = {pkg.workbook_part, pkg.styles_part, pkg.sheet(SHEET).part}
        owned |= {"[Content_Types].xml", pkg.workbook_rels_part}
    for name, data in before.items():
        if name not in owned:
            assert after.get(name) == data, name
    assert not any("\\" in name for name in after)  # member names written normalized
    again = work.read_bytes()
    second = refresh([work], as_of=AS_OF, backup=False)
    assert second.cells_changed == 0
    assert work.read_bytes() == again
