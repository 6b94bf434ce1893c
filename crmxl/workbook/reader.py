"""Reading sheets' values: the first rows (to find a header) and the columns below it, as frames.

Values are read with fastexcel (Rust, Arrow), measured here at ~12 s for 1.1 M rows where
openpyxl needs minutes. fastexcel does not say where its data starts, so the header row is found
by streaming the first rows of the sheet XML ourselves (cheap), which also gives every header's
Excel column; the frame's columns are then lined up with those.

This module knows nothing of crmxl's sheets and columns: :mod:`crmxl.model.workspace` decides
which sheets are standard, which row is the header and which columns to load, and reads each
sheet through a :class:`SheetSource` that :func:`read_sheets` hands it (guard-scanned first,
two sheets at a time).
"""

from __future__ import annotations

import logging
import re
import threading
import zipfile
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import fastexcel
import pandas as pd

from crmxl import concurrency
from crmxl.a1 import column_index
from crmxl.errors import InputFileError
from crmxl.workbook.guard import SheetExtent, SheetScan, scan_sheet
from crmxl.workbook.names import canonical
from crmxl.workbook.package import Package, SheetPart, unescape_ooxml
from crmxl.workbook.readcopy import open_reader

logging.getLogger("fastexcel").setLevel(logging.ERROR)

#: Rows :meth:`SheetSource.first_rows` reads unless told (SPEC 1: the header is in the first 10).
HEADER_SEARCH_ROWS = 10


# ------------------------------------------------------------------ the first rows of a sheet

_ROW = re.compile(
    rb"<(?:[A-Za-z_][\w.-]*:)?row\b([^>]*?)(/>|>(.*?)</(?:[A-Za-z_][\w.-]*:)?row>)", re.S
)
_CELL = re.compile(
    rb"<(?:[A-Za-z_][\w.-]*:)?c\b([^>]*?)(/>|>(.*?)</(?:[A-Za-z_][\w.-]*:)?c>)", re.S
)
_ATTR = re.compile(rb'([\w:]+)="([^"]*)"')
_V = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?v>(.*?)</(?:[A-Za-z_][\w.-]*:)?v>", re.S)
_T = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?t(?:\s[^>]*)?>(.*?)</(?:[A-Za-z_][\w.-]*:)?t>", re.S)
_REF = re.compile(r"([A-Z]+)(\d+)")


def _unxml(raw: bytes) -> str:
    text = raw.decode("utf-8", "replace")
    text = (
        text.replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", '"').replace("&apos;", "'")
    )
    text = re.sub(r"&#x([0-9A-Fa-f]+);", lambda m: chr(int(m.group(1), 16)), text)
    text = re.sub(r"&#(\d+);", lambda m: chr(int(m.group(1))), text)
    return unescape_ooxml(text.replace("&amp;", "&"))


def first_rows(
    pkg: Package, sheet: SheetPart, limit: int = HEADER_SEARCH_ROWS
) -> dict[int, dict[int, Any]]:
    """The values of Excel rows 1..``limit`` as ``{row: {column: value}}``.

    Streams the start of the sheet XML only; shared strings are resolved on demand.
    """
    rows: dict[int, dict[int, Any]] = {}
    buf = b""
    with pkg.open(sheet.part) as fh:
        start = -1
        while True:
            chunk = fh.read(256 * 1024)
            buf += chunk
            if start < 0:
                m = re.search(rb"<(?:[A-Za-z_][\w.-]*:)?sheetData\b[^>]*?(/?)>", buf)
                if m:
                    if m.group(1):
                        return rows
                    start = m.end()
            if start >= 0:
                last = _parse_rows(buf[start:], rows, limit, pkg)
                if last is not None and last > limit:
                    break
                if re.search(rb"</(?:[A-Za-z_][\w.-]*:)?sheetData>", buf):
                    break
            if not chunk:
                break
    return {r: cells for r, cells in rows.items() if r <= limit}


def _parse_rows(
    data: bytes, rows: dict[int, dict[int, Any]], limit: int, pkg: Package
) -> int | None:
    rows.clear()
    row_no = 0
    for m in _ROW.finditer(data):
        attrs = dict(_ATTR.findall(m.group(1)))
        row_no = int(attrs[b"r"]) if b"r" in attrs else row_no + 1
        if row_no > limit:
            return row_no
        cells: dict[int, Any] = {}
        col_no = 0
        for c in _CELL.finditer(m.group(3) or b""):
            cattrs = dict(_ATTR.findall(c.group(1)))
            ref = cattrs.get(b"r")
            if ref:
                rm = _REF.match(ref.decode())
                col_no = column_index(rm.group(1)) if rm else col_no + 1
            else:
                col_no += 1
            value = _cell_value(cattrs.get(b"t", b"n"), c.group(3) or b"", pkg)
            if value is not None and value != "":
                cells[col_no] = value
        rows[row_no] = cells
    return row_no if rows else None


def _cell_value(kind: bytes, body: bytes, pkg: Package) -> Any:
    if kind == b"inlineStr":
        return _unxml(b"".join(_T.findall(body)))
    v = _V.search(body)
    if v is None:
        return None
    raw = v.group(1)
    if kind == b"s":
        try:
            return pkg.shared_string(int(raw))
        except ValueError:
            return None
    if kind in (b"str", b"e", b"d"):
        return _unxml(raw)
    if kind == b"b":
        return raw.strip() == b"1"
    try:
        number = float(raw)
    except ValueError:
        return _unxml(raw)
    return int(number) if number.is_integer() and abs(number) < 2**53 else number


# -------------------------------------------------------------------------------- columns


def _frame(
    reader: fastexcel.ExcelReader, name: str, header_row: int, load: list[int] | None = None
) -> tuple[pd.DataFrame, list[int]]:
    """The sheet below ``header_row`` as a frame, and each frame column's Excel column.

    ``schema_sample_rows=None`` types each column from all its rows: with the default 1000, a
    text cell after a thousand numbers would be coerced to null, silently. ``load`` (Excel
    column numbers) limits the columns converted (calamine still parses the whole sheet, but a
    million-row log converts a third as much).
    """
    if load is not None and not load:
        return pd.DataFrame(), []
    if load is not None:
        # Eager: an Arrow batch straight from the parse (~1 s less on a million rows than the
        # lazy sheet's conversion); columns come in the order asked for, so ``load``'s.
        batch = reader.load_sheet(
            name,
            header_row=header_row - 1,
            dtype_coercion="coerce",
            schema_sample_rows=None,
            use_columns=[c - 1 for c in load],
            eager=True,
        )
        if batch.num_columns != len(load):
            raise ValueError(f"{name}: {batch.num_columns} columns read, {len(load)} asked for")
        return batch.to_pandas(), list(load)
    sheet = reader.load_sheet(
        name, header_row=header_row - 1, dtype_coercion="coerce", schema_sample_rows=None
    )
    excel_columns = [c.absolute_index + 1 for c in sheet.available_columns()]
    return sheet.to_pandas(), excel_columns


@dataclass(frozen=True)
class SheetSource:
    """One sheet of an open workbook, for reading its values (see :func:`read_sheets`)."""

    pkg: Package
    reader: fastexcel.ExcelReader
    sheet: SheetPart

    @property
    def name(self) -> str:
        return self.sheet.name

    @property
    def path(self) -> Path:
        return self.pkg.path

    @property
    def date1904(self) -> bool:
        return self.pkg.date1904

    def first_rows(self, limit: int = HEADER_SEARCH_ROWS) -> dict[int, dict[int, Any]]:
        """The values of Excel rows 1..``limit`` (see :func:`first_rows`)."""
        return first_rows(self.pkg, self.sheet, limit)

    def columns(self, header_row: int, load: list[int] | None) -> tuple[pd.DataFrame, list[int]]:
        """The rows below ``header_row`` as a frame (columns by position), and each frame
        column's Excel column. ``load`` (Excel column numbers) limits the columns converted;
        None converts every column. A sheet with no data gives an empty frame; one that cannot
        be parsed raises :class:`InputFileError`."""
        try:
            return _frame(self.reader, self.sheet.name, header_row, load)
        except (fastexcel.FastExcelError, ValueError) as exc:
            if "no data" in str(exc).lower() or "empty" in str(exc).lower():
                return pd.DataFrame(), []
            raise InputFileError("file-corrupt", path=self.pkg.path) from exc


#: Sheets are read in this many threads (unless ``CRMXL_WORKERS`` says otherwise): fastexcel
#: parses without holding the GIL, so one sheet's guard scan and another's parse overlap
#: (measured: 11.0 s -> 7.7 s on 2 cores).
READ_THREADS = 2
# A sheet this large (uncompressed) is guard-scanned in a child process, beside the other reads.
SCAN_CHILD_MIN = 32 * 1024**2

T = TypeVar("T")


def read_sheets(
    pkg: Package, sheets: Sequence[SheetPart], read: Callable[[SheetSource], T]
) -> list[tuple[T, SheetExtent]]:
    """Guard-scan then ``read`` each sheet, two at a time, each thread with its own reader.

    The largest sheet starts first: its scan and parse are the critical path, and the smaller
    sheets fit beside it on the other thread. Results come back in ``sheets``' order, each with
    the guard's extent of its sheet.
    """
    local = threading.local()
    sizes = {canonical(info.filename): info.file_size for info in pkg.zip.infolist()}
    order = sorted(range(len(sheets)), key=lambda i: -sizes.get(sheets[i].part, 0))
    # The largest sheet's scan (when large) starts at once in a child process; see SheetScan.
    scans: dict[str, SheetScan] = {}
    if len(sheets) > 1 and sizes.get(sheets[order[0]].part, 0) >= SCAN_CHILD_MIN:
        part = sheets[order[0]].part
        scans[part] = SheetScan(pkg.path, part)

    def one(sheet: SheetPart) -> tuple[T, SheetExtent]:
        scan = scans.pop(sheet.part, None)  # before any parser sees the sheet:
        extent = scan.result() if scan is not None else scan_sheet(pkg.path, sheet.part)
        if not hasattr(local, "reader"):
            local.reader = open_reader(pkg.path)
        try:
            result = read(SheetSource(pkg, local.reader, sheet))
        except (zipfile.BadZipFile, KeyError, OSError) as exc:
            raise InputFileError("file-corrupt", path=pkg.path) from exc
        return result, extent

    threads = concurrency.workers(READ_THREADS) if concurrency.helpers() else 1
    if len(sheets) <= 1 or threads == 1:
        try:
            return [one(sheet) for sheet in sheets]
        finally:
            for scan in scans.values():
                scan.stop()
    try:
        with ThreadPoolExecutor(threads) as pool:
            done = dict(zip(order, pool.map(one, [sheets[i] for i in order]), strict=True))
    finally:
        for scan in scans.values():
            scan.stop()
    return [done[i] for i in range(len(sheets))]


# -------------------------------------------------------------------------- whole sheets


class EmptySheetError(ValueError):
    """The sheet asked for holds no data at all."""


class RawBook:
    """A workbook's sheets read whole (``.xlsx``, ``.xlsm`` or an old ``.xls``): an import's
    source, a split workbook's manifest. Raises :class:`InputFileError` when the file cannot be
    read as a workbook."""

    def __init__(self, path: Path) -> None:
        self.path = path
        try:
            self._reader = open_reader(path)  # a corrected copy where calamine would misread
            self.sheet_names: list[str] = list(self._reader.sheet_names)
        except (InputFileError, ImportError):
            raise  # a broken install is not a damaged file: keep its traceback
        except Exception as exc:  # fastexcel raises its own hierarchy, or ValueError
            raise InputFileError("file-corrupt", path=path) from exc

    def load(
        self,
        sheet: str,
        *,
        header_row: int | None = None,
        columns: Sequence[str] | None = None,
        as_text: bool = False,
    ) -> tuple[pd.DataFrame, int]:
        """A whole sheet as a frame (columns by position), and the Excel column of its first
        column.

        ``header_row`` (an Excel row number) names the columns and starts the data below it;
        None reads every row as data. ``columns`` picks columns by their header. ``as_text``
        reads every cell as text (as a CSV would give it), from row 1 (blank rows at the top
        included, so frame row ``i`` is Excel row ``i + 1``); otherwise each column is typed
        from all its cells. Raises :class:`EmptySheetError` for a sheet without data; the
        reader's other errors propagate.
        """
        options: dict[str, Any] = {"header_row": None if header_row is None else header_row - 1}
        if as_text:
            options.update(dtypes="string", skip_rows=0)
        else:
            options.update(dtype_coercion="coerce", schema_sample_rows=None)
        if columns is not None:
            options["use_columns"] = list(columns)
        try:
            loaded = self._reader.load_sheet(sheet, **options)
        except Exception as exc:
            if "empty" in str(exc).lower() or "no data" in str(exc).lower():
                raise EmptySheetError(sheet) from exc
            raise
        available = loaded.available_columns()
        first = int(available[0].absolute_index) + 1 if available else 1
        return loaded.to_pandas(), first
