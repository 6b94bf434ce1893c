"""Test helpers for the write path: hand-made packages and part-by-part comparisons.

``make_package`` builds a minimal xlsx from XML text, so a test can say exactly what a sheet
holds (namespace prefixes, rows without ``r=``, a missing styles part). ``members`` and
``raw_members`` read a package back: decompressed bytes, or the compressed bytes as stored.
"""

from __future__ import annotations

import math
import struct
import warnings
import zipfile
from pathlib import Path
from typing import Any

import fastexcel
import openpyxl
from openpyxl.worksheet.formula import ArrayFormula

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PKG_REL = "http://schemas.openxmlformats.org/package/2006/relationships"
STYLES = (
    f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<styleSheet xmlns="{MAIN}">'
    '<fonts count="1"><font><sz val="11"/><name val="Calibri"/></font></fonts>'
    '<fills count="2"><fill><patternFill patternType="none"/></fill>'
    '<fill><patternFill patternType="gray125"/></fill></fills>'
    '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
    '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
    '<cellXfs count="3"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
    '<xf numFmtId="14" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
    '<xf numFmtId="3" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
    "</cellXfs>"
    '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
    "</styleSheet>"
)


def sheet_xml(rows: str, *, prefix: str = "", head: str = "", tail: str = "") -> str:
    """A worksheet part around ``rows`` (XML text of the ``<row>`` elements)."""
    p = f"{prefix}:" if prefix else ""
    ns = f'xmlns:{prefix}="{MAIN}"' if prefix else f'xmlns="{MAIN}"'
    return (
        f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<{p}worksheet {ns} '
        f'xmlns:r="{REL}">{head}<{p}sheetData>{rows}</{p}sheetData>{tail}</{p}worksheet>'
    )


def make_package(
    path: Path,
    sheets: dict[str, str],
    *,
    styles: str | None = STYLES,
    workbook_pr: str = "<workbookPr/>",
    workbook_tail: str = "",
    extra: dict[str, bytes] | None = None,
) -> Path:
    """An xlsx with one worksheet per ``{name: sheet XML}``, in order."""
    names = list(sheets)
    overrides = "".join(
        f'<Override PartName="/xl/worksheets/sheet{i}.xml" ContentType="application/'
        f'vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
        for i in range(1, len(names) + 1)
    )
    if styles is not None:
        overrides += (
            '<Override PartName="/xl/styles.xml" ContentType="application/'
            'vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>'
        )
    content_types = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Types xmlns="http://'
        'schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" '
        'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/><Override '
        'PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-'
        f'officedocument.spreadsheetml.sheet.main+xml"/>{overrides}</Types>'
    )
    root_rels = (
        f'<?xml version="1.0" encoding="UTF-8"?>\n<Relationships xmlns="{PKG_REL}">'
        f'<Relationship Id="rId1" Type="{REL}/officeDocument" Target="xl/workbook.xml"/>'
        "</Relationships>"
    )
    sheet_entries = "".join(
        f'<sheet name="{n}" sheetId="{i}" r:id="rId{i}"/>' for i, n in enumerate(names, 1)
    )
    workbook = (
        f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<workbook xmlns="{MAIN}" '
        f'xmlns:r="{REL}">{workbook_pr}<sheets>{sheet_entries}</sheets>{workbook_tail}'
        "</workbook>"
    )
    rels = "".join(
        f'<Relationship Id="rId{i}" Type="{REL}/worksheet" Target="worksheets/sheet{i}.xml"/>'
        for i in range(1, len(names) + 1)
    )
    if styles is not None:
        rels += f'<Relationship Id="rId{len(names) + 1}" Type="{REL}/styles" Target="styles.xml"/>'
    wb_rels = f'<?xml version="1.0" encoding="UTF-8"?>\n<Relationships xmlns="{PKG_REL}">{rels}</Relationships>'
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("[Content_Types].xml", content_types)
        zf.writestr("_rels/.rels", root_rels)
        zf.writestr("xl/workbook.xml", workbook)
        zf.writestr("xl/_rels/workbook.xml.rels", wb_rels)
        for i, name in enumerate(names, 1):
            zf.writestr(f"xl/worksheets/sheet{i}.xml", sheets[name])
        if styles is not None:
            zf.writestr("xl/styles.xml", styles)
        for name, data in (extra or {}).items():
            zf.writestr(name, data)
    return path


def members(path: Path) -> dict[str, bytes]:
    """Every member, decompressed."""
    with zipfile.ZipFile(path) as zf:
        return {i.filename: zf.read(i) for i in zf.infolist()}


def raw_members(path: Path) -> dict[str, bytes]:
    """Every member's compressed bytes as stored (read from its local header on)."""
    out = {}
    with zipfile.ZipFile(path) as zf, path.open("rb") as fh:
        for info in zf.infolist():
            fh.seek(info.header_offset)
            header = fh.read(30)
            name_len, extra_len = struct.unpack("<HH", header[26:30])
            fh.seek(info.header_offset + 30 + name_len + extra_len)
            out[info.filename] = fh.read(info.compress_size)
    return out


def part(path: Path, name: str) -> str:
    """One member as text."""
    with zipfile.ZipFile(path) as zf:
        return zf.read(name).decode("utf-8")


def openpyxl_cells(path: Path, *, data_only: bool = False) -> dict[str, dict[tuple[int, int], Any]]:
    """{sheet: {(row, col): value}} of the non-empty cells, as openpyxl reads them."""
    with warnings.catch_warnings():  # "extension is not supported" and the like
        warnings.simplefilter("ignore")
        wb = openpyxl.load_workbook(path, data_only=data_only)
    out: dict[str, dict[tuple[int, int], Any]] = {}
    for ws in wb.worksheets:
        cells = {}
        for cell in existing_cells(ws):
            if cell.value is not None:
                value = cell.value
                if isinstance(value, ArrayFormula):
                    value = (value.ref, value.text)
                cells[(cell.row, cell.column)] = value
        out[ws.title] = cells
    wb.close()
    return out


def existing_cells(ws: Any) -> list[Any]:
    """The cells a sheet really has, in row order. ``iter_rows()`` would walk the whole
    dimension, which a comment at XFD1048576 makes 17 billion cells."""
    return [ws._cells[key] for key in sorted(ws._cells)]


def calamine_frame(path: Path, sheet: int | str) -> list[list[str | None]]:
    """A sheet as fastexcel (calamine) reads it: every value as text, rows from row 1,
    columns from the first column that holds a value."""
    reader = fastexcel.read_excel(str(path))
    frame = reader.load_sheet(sheet, header_row=None, dtypes="string", skip_rows=0).to_pandas()
    return [
        [None if v is None or (isinstance(v, float) and math.isnan(v)) else str(v) for v in row]
        for row in frame.itertuples(index=False)
    ]


def frame_cells(frame: list[list[str | None]], origin_col: int) -> dict[tuple[int, int], str]:
    """A :func:`calamine_frame` as {(row, col): text} with ``origin_col`` its first column."""
    return {
        (r, origin_col + c): v
        for r, row in enumerate(frame, 1)
        for c, v in enumerate(row)
        if v is not None
    }
