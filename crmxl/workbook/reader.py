"""Reading a workspace: one or more workbooks, their standard sheets, as frames.

Values are read with fastexcel (Rust, Arrow), measured here at ~12 s for 1.1 M rows where
openpyxl needs minutes. fastexcel does not say where its data starts, so the header row is found
by streaming the first rows of the sheet XML ourselves (cheap), which also gives every header's
Excel column; the frame's columns are then lined up with those. Every record keeps its Excel row
number (the frame's index) so findings can name cells.

Rules of SPEC section 1: sheets are found by name (Chinese or English, width- and
case-insensitive; the manuals' file names count too); the header row is the first of the first
10 rows that matches enough of the sheet's headers; columns may be in any order; unknown columns
are the user's and are only listed; rows whose known input cells are all empty are skipped.
"""

from __future__ import annotations

import logging
import math
import re
import threading
import zipfile
from collections.abc import Collection, Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import fastexcel
import pandas as pd

from crmxl import settings as settings_mod
from crmxl.a1 import column_index, column_letter
from crmxl.errors import InputFileError, WorkspaceError
from crmxl.findings import Finding, Severity
from crmxl.i18n import register
from crmxl.schema import (
    CHANGELOG,
    SETTINGS,
    SHEETS,
    Column,
    SheetSpec,
    column_names,
    fold,
    match_column,
    match_sheet,
)
from crmxl.settings import SettingEntry, Settings
from crmxl.workbook.guard import (
    GuardReport,
    SheetExtent,
    SheetScan,
    check_workbook,
    scan_sheet,
    sniff,
)
from crmxl.workbook.package import Package, SheetPart, unescape_ooxml
from crmxl.workbook.save import Fingerprint, fingerprint

logging.getLogger("fastexcel").setLevel(logging.ERROR)

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
    with pkg.zip.open(sheet.part) as fh:
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


# -------------------------------------------------------------------------------- tables


@dataclass
class Table:
    """One standard sheet as found in a workbook."""

    spec: SheetSpec
    file: Path
    sheet_name: str
    header_row: int  # Excel row number of the header
    columns: dict[str, int]  # column key -> Excel column index (1-based)
    headers: dict[str, str]  # column key -> header text as the workbook spells it
    extra: dict[int, str]  # unknown columns: Excel column index -> header text
    data: pd.DataFrame  # index: Excel row numbers of non-empty rows; columns: keys present
    lang: str = "zh"  # the language of the headers
    last_row: int = 0  # the last Excel row holding anything (for appends)
    date1904: bool = False

    def has(self, key: str) -> bool:
        return key in self.columns

    def column(self, key: str) -> Column:
        return self.spec.column(key)

    def cell(self, key: str, row: int) -> str:
        """``客户档案!C7`` for column ``key`` at Excel row ``row``."""
        return f"{self.sheet_name}!{column_letter(self.columns[key])}{row}"

    def header(self, key: str) -> str:
        """The column's header as written in the workbook (or the schema's name)."""
        return self.headers.get(key) or self.spec.column(key).name(self.lang)

    def next_free_column(self) -> int:
        """The first column right of every header (where refresh adds a missing column)."""
        used = list(self.columns.values()) + list(self.extra)
        return max(used, default=0) + 1

    @property
    def rows(self) -> pd.Index:
        return self.data.index


@dataclass
class Workspace:
    """The standard sheets of one or more workbooks, the settings, and what was wrong."""

    files: list[Path]
    tables: dict[str, Table]
    settings: Settings
    findings: list[Finding] = field(default_factory=list)
    fingerprints: dict[Path, Fingerprint] = field(default_factory=dict)
    guards: dict[Path, GuardReport] = field(default_factory=dict)
    sheet_files: dict[str, Path] = field(default_factory=dict)  # sheet key -> file it lives in

    def get(self, key: str) -> Table | None:
        return self.tables.get(key)

    def __contains__(self, key: str) -> bool:
        return key in self.tables

    @property
    def lang(self) -> str:
        """The language most headers are in (what computed text should be written in)."""
        langs = [t.lang for t in self.tables.values()]
        return "en" if langs and langs.count("en") > len(langs) / 2 else "zh"

    @property
    def primary_file(self) -> Path:
        """The file holding 客户档案 (else the first file): where a new 变更日志 goes."""
        table = self.tables.get("customers")
        return table.file if table else self.files[0]


def _header_threshold(spec: SheetSpec) -> int:
    """How many known headers make a row the header row.

    SPEC 1 says "at least half of the sheet's known headers"; read literally, a customer sheet
    with only its 10 input columns would never be found (31 known). We read it as half of the
    *required* headers, and never fewer than two (so a title cell cannot pass). See docs/spec-notes.md.
    """
    required = len(spec.required_columns)
    return max(2, math.ceil(required / 2))


def find_header(spec: SheetSpec, rows: dict[int, dict[int, Any]]) -> int | None:
    """The Excel row number of the header row among the first rows, or None."""
    threshold = _header_threshold(spec)
    for row_no in sorted(rows):
        hits = {
            col.key
            for value in rows[row_no].values()
            if (col := match_column(spec, value)) is not None
        }
        if len(hits) >= min(threshold, len(spec.columns)):
            return row_no
    return None


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


def _language(spec: SheetSpec, headers: Iterable[str]) -> str:
    zh = en = 0
    for text in headers:
        folded = fold(text)
        for col in spec.columns:
            if folded == fold(col.en) and folded != fold(col.zh):
                en += 1
            elif folded == fold(col.zh):
                zh += 1
    return "en" if en > zh else "zh"


def _nonblank(series: pd.Series) -> pd.Series:
    mask = series.notna()
    if pd.api.types.is_string_dtype(series.dtype) and series.dtype != object:
        mask &= series.str.strip().fillna("") != ""
    elif series.dtype == object and mask.any():  # (a column not loaded is all None)
        present = series[mask]
        mask[mask] = present.map(lambda v: not (isinstance(v, str) and not v.strip()))
    return mask


def read_table(
    pkg: Package,
    reader: fastexcel.ExcelReader,
    sheet: SheetPart,
    spec: SheetSpec,
    findings: list[Finding],
    keys: Collection[str] | None = None,
) -> Table | None:
    """Read one standard sheet; structural problems become findings.

    ``keys`` limits the columns loaded into the frame (the header is still read whole, so
    missing required columns are still findings); a row counts as empty when the loaded input
    columns are. ``Table.last_row`` then only sees those columns: append only to whole tables.
    """
    rows = first_rows(pkg, sheet)
    header_row = find_header(spec, rows)
    if header_row is None:
        findings.append(
            Finding.make(
                sheet.name,
                f"{sheet.name}!A1",
                "header-not-found",
                Severity.ERROR,
                row=1,
                expected=", ".join(c.zh for c in spec.required_columns),
            )
        )
        return None
    header_cells = rows[header_row]
    columns: dict[str, int] = {}
    headers: dict[str, str] = {}
    extra: dict[int, str] = {}
    for col_no in sorted(header_cells):
        text = str(header_cells[col_no])
        col = match_column(spec, text)
        if col is None:
            extra[col_no] = text
        elif col.key in columns:
            findings.append(
                Finding.make(
                    sheet.name,
                    f"{sheet.name}!{column_letter(col_no)}{header_row}",
                    "duplicate-column",
                    Severity.WARNING,
                    text,
                    row=header_row,
                    column=text,
                    first=column_letter(columns[col.key]),
                )
            )
            extra[col_no] = text
        else:
            columns[col.key] = col_no
            headers[col.key] = text
    lang = _language(spec, headers.values())
    for col in spec.required_columns:
        if col.key not in columns:
            findings.append(
                Finding.make(
                    sheet.name,
                    f"{sheet.name}!{column_letter(1)}{header_row}",
                    "missing-column",
                    Severity.ERROR,
                    row=header_row,
                    column=col.name(lang),
                    header=col.header(lang),
                )
            )
    try:
        load = None
        if keys is not None:
            load = sorted({columns[k] for k in keys if k in columns})
        frame, excel_columns = _frame(reader, sheet.name, header_row, load)
    except (fastexcel.FastExcelError, ValueError) as exc:
        if "no data" in str(exc).lower() or "empty" in str(exc).lower():
            frame, excel_columns = pd.DataFrame(), []
        else:
            raise InputFileError("file-corrupt", path=pkg.path) from exc
    position = {col_no: j for j, col_no in enumerate(excel_columns)}
    index = pd.RangeIndex(header_row + 1, header_row + 1 + len(frame))
    frame.index = index
    frame.columns = range(len(frame.columns))  # positions; header names may repeat
    data: dict[str, pd.Series] = {}
    for key, col_no in columns.items():
        j = position.get(col_no, -1)
        if j >= 0:
            data[key] = frame[j]
        else:
            data[key] = pd.Series(None, index=index, dtype=object)
    table_data = pd.DataFrame(data, index=index, copy=False)
    any_value = frame.notna().any(axis=1) if len(frame.columns) else pd.Series(False, index=index)
    last_row = int(any_value[any_value].index.max()) if any_value.any() else header_row
    inputs = [c.key for c in spec.input_columns if c.key in table_data.columns]
    keep = pd.Series(False, index=index)
    for key in inputs:
        keep |= _nonblank(table_data[key])
    table_data = table_data[keep]
    return Table(
        spec=spec,
        file=pkg.path,
        sheet_name=sheet.name,
        header_row=header_row,
        columns=columns,
        headers=headers,
        extra=extra,
        data=table_data,
        lang=lang,
        last_row=last_row,
        date1904=pkg.date1904,
    )


def _settings_entries(table: Table) -> list[SettingEntry]:
    entries = []
    for row in table.data.index:
        key = table.data.at[row, "key"] if "key" in table.data else None
        value = table.data.at[row, "value"] if "value" in table.data else None
        if isinstance(value, float) and math.isnan(value):
            value = None
        if key is None or (isinstance(key, float) and math.isnan(key)):
            continue
        cell = table.cell("value", row) if table.has("value") else ""
        entries.append(SettingEntry(key, value, table.sheet_name, cell))
    return entries


#: Sheets are read in this many threads: fastexcel parses without holding the GIL, so one
#: sheet's guard scan and another's parse overlap (measured: 11.0 s -> 7.7 s on 2 cores).
READ_THREADS = 2
# A sheet this large (uncompressed) is guard-scanned in a child process, beside the other reads.
SCAN_CHILD_MIN = 32 * 1024**2


def open_workspace(
    files: Sequence[Path | str],
    *,
    config: Path | str | None = None,
    sheets: Sequence[str] | None = None,
    columns: Mapping[str, Collection[str]] | None = None,
) -> Workspace:
    """Read the standard sheets of ``files`` (each guarded first) and the settings.

    ``sheets`` limits which standard sheets are read (keys); None reads all. ``columns`` maps a
    sheet key to the column keys to load (see :func:`read_table`); sheets not named load whole. Raises
    :class:`InputFileError` for a file that cannot be read and :class:`WorkspaceError` when a
    standard sheet appears twice; everything else is a finding.
    """
    paths = [Path(f) for f in files]
    if not paths:
        raise WorkspaceError("no-files")
    findings: list[Finding] = []
    tables: dict[str, Table] = {}
    prints: dict[Path, Fingerprint] = {}
    guards: dict[Path, GuardReport] = {}
    wanted = set(sheets) if sheets is not None else None
    seen: dict[str, Path] = {}
    for path in paths:
        # Fingerprint first, then guard: a file that changes in between fails the save's
        # fingerprint check, so the guard's verdict always covers the bytes that get written.
        sniff(path)
        prints[path] = fingerprint(path)
        guards[path] = report = check_workbook(path, sheets=())
        with Package(path) as pkg:
            todo: list[tuple[SheetSpec, SheetPart]] = []
            for spec, sheet in _match_sheets(pkg, path):
                if wanted is not None and spec.key not in wanted and spec.key != SETTINGS.key:
                    continue
                if spec.key in seen:
                    raise WorkspaceError(
                        "duplicate-sheet", sheet=spec.zh, first=seen[spec.key], second=path
                    )
                seen[spec.key] = path
                todo.append((spec, sheet))
            for spec, (table, extent, found) in zip(
                [spec for spec, _ in todo], _read_tables(pkg, todo, columns or {}), strict=True
            ):
                report.extents[extent.part] = extent
                findings += found
                if table is not None:
                    tables[spec.key] = table
    if not set(seen) - {SETTINGS.key, CHANGELOG.key}:
        names = ", ".join(p.name for p in paths)
        raise WorkspaceError("no-standard-sheets", files=names)
    entries = _settings_entries(tables["settings"]) if "settings" in tables else []
    if config is not None:
        entries += settings_mod.read_toml(Path(config))
    settings, setting_findings = settings_mod.build_settings(entries)
    findings += setting_findings
    for spec in SHEETS:
        if spec.key in seen or spec.key in (SETTINGS.key, CHANGELOG.key):
            continue
        if wanted is not None and spec.key not in wanted:
            continue
        severity = Severity.ERROR if spec.key == "customers" else Severity.WARNING
        findings.append(
            Finding.make(spec.zh, "", "missing-sheet", severity, sheet_en=spec.en, sheet_zh=spec.zh)
        )
    return Workspace(
        files=paths,
        tables=tables,
        settings=settings,
        findings=findings,
        fingerprints=prints,
        guards=guards,
        sheet_files={k: t.file for k, t in tables.items()},
    )


def _read_tables(
    pkg: Package,
    todo: list[tuple[SheetSpec, SheetPart]],
    columns: Mapping[str, Collection[str]],
) -> list[tuple[Table | None, SheetExtent, list[Finding]]]:
    """Guard-scan then read each sheet, two at a time, each thread with its own reader.

    The largest sheet starts first: its scan and parse are the critical path, and the smaller
    sheets fit beside it on the other thread. Results come back in ``todo``'s order.
    """
    local = threading.local()
    sizes = {part: info.file_size for info in pkg.zip.infolist() if (part := info.filename)}
    order = sorted(range(len(todo)), key=lambda i: -sizes.get(todo[i][1].part, 0))
    # The largest sheet's scan (when large) starts at once in a child process; see SheetScan.
    scans: dict[str, SheetScan] = {}
    if len(todo) > 1 and sizes.get(todo[order[0]][1].part, 0) >= SCAN_CHILD_MIN:
        part = todo[order[0]][1].part
        scans[part] = SheetScan(pkg.path, part)

    def one(item: tuple[SheetSpec, SheetPart]) -> tuple[Table | None, SheetExtent, list[Finding]]:
        spec, sheet = item
        scan = scans.pop(sheet.part, None)  # before any parser sees the sheet:
        extent = scan.result() if scan is not None else scan_sheet(pkg.path, sheet.part)
        if not hasattr(local, "reader"):
            try:
                local.reader = fastexcel.read_excel(str(pkg.path))
            except Exception as exc:  # fastexcel raises its own hierarchy, or ValueError
                raise InputFileError("file-corrupt", path=pkg.path) from exc
        found: list[Finding] = []
        try:
            table = read_table(pkg, local.reader, sheet, spec, found, columns.get(spec.key))
        except (zipfile.BadZipFile, KeyError, OSError) as exc:
            raise InputFileError("file-corrupt", path=pkg.path) from exc
        return table, extent, found

    if len(todo) <= 1:
        return [one(item) for item in todo]
    try:
        with ThreadPoolExecutor(READ_THREADS) as pool:
            done = dict(zip(order, pool.map(one, [todo[i] for i in order]), strict=True))
    finally:
        for scan in scans.values():
            scan.stop()
    return [done[i] for i in range(len(todo))]


def _match_sheets(pkg: Package, path: Path) -> list[tuple[SheetSpec, SheetPart]]:
    """Standard sheets of one workbook, by sheet name; else by the file's name.

    The manual's separate files (需求清单.xlsx with a sheet called Sheet1) are recognised by
    their file name when no sheet in them has a standard name.
    """
    found: list[tuple[SheetSpec, SheetPart]] = []
    for sheet in pkg.worksheets():
        spec = match_sheet(sheet.name)
        if spec is not None:
            found.append((spec, sheet))
    if not found:
        spec = match_sheet(path.stem)
        sheets = pkg.worksheets()
        if spec is not None and sheets:
            found.append((spec, sheets[0]))
    return found


def known_header_names(spec: SheetSpec) -> set[str]:
    """Every folded header text any column of ``spec`` answers to."""
    names: set[str] = set()
    for col in spec.columns:
        names |= column_names(col)
    return names


register(
    {
        "header-not-found": (
            "在前10行中找不到表头（应包含：{expected}）",
            "No header row in the first 10 rows (expected: {expected})",
        ),
        "missing-column": ("缺少必填列“{header}”", "Required column {header!r} is missing"),
        "duplicate-column": (
            "列“{value}”重复出现（首次在 {first} 列），本列被忽略",
            "Column {value!r} appears twice (first in column {first}); this one is ignored",
        ),
        "missing-sheet": (
            "工作簿中没有“{sheet_zh}”（{sheet_en}）工作表",
            "No {sheet_en} ({sheet_zh}) sheet in the workbooks",
        ),
        "no-files": ("没有给出工作簿文件", "No workbook files given"),
        "duplicate-sheet": (
            "工作表“{sheet}”同时出现在 {first} 和 {second} 中，只能有一个",
            "Sheet {sheet!r} is in both {first} and {second}; keep only one",
        ),
        "no-standard-sheets": (
            "{files} 中没有任何标准工作表（客户档案、需求清单、问题跟踪、线索……）；"
            "可用 crmxl init 新建模板",
            "{files} has none of the standard sheets (Customers, Needs, "
            "Issues, Leads ...); crmxl init makes a template",
        ),
    }
)
