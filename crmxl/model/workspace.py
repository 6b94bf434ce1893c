"""The workspace: the standard sheets of one or more workbooks, as frames, and the settings.

Rules of SPEC section 1: sheets are found by name (Chinese or English, width- and
case-insensitive; the manuals' file names count too); the header row is the first of the first
10 rows that matches enough of the sheet's headers; columns may be in any order; unknown columns
are the user's and are only listed; rows whose known input cells are all empty are skipped.
Every record keeps its Excel row number (the frame's index) so findings can name cells.

The xlsx side (the package, the guards, fastexcel) is :mod:`crmxl.workbook`'s: this module
matches what :mod:`crmxl.workbook.reader` reads against :mod:`crmxl.model.schema`.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from crmxl.a1 import column_letter
from crmxl.errors import WorkspaceError
from crmxl.i18n import register
from crmxl.model import settings as settings_mod
from crmxl.model.findings import Finding, Severity
from crmxl.model.schema import (
    SETTINGS,
    SPLIT_MANIFEST_SHEET,
    Column,
    SheetSpec,
    fold,
    match_column,
    match_sheet,
)
from crmxl.model.settings import SettingEntry, Settings
from crmxl.workbook.guard import GuardReport, check_workbook, sniff
from crmxl.workbook.package import Package, SheetPart
from crmxl.workbook.reader import SheetSource, read_sheets
from crmxl.workbook.save import Fingerprint, fingerprint

#: SPEC 1: the header row is among the first 10 rows.
HEADER_SEARCH_ROWS = 10


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
    split_copy: bool = False  # a salesperson's split workbook is among the files

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
    source: SheetSource,
    spec: SheetSpec,
    findings: list[Finding],
    keys: Collection[str] | None = None,
) -> Table | None:
    """Read one standard sheet; structural problems become findings.

    ``keys`` limits the columns loaded into the frame (the header is still read whole, so
    missing required columns are still findings); a row counts as empty when the loaded input
    columns are. ``Table.last_row`` then only sees those columns: append only to whole tables.
    """
    sheet = source.sheet
    rows = source.first_rows(HEADER_SEARCH_ROWS)
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
    load = None
    if keys is not None:
        load = sorted({columns[k] for k in keys if k in columns})
    frame, excel_columns = source.columns(header_row, load)
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
        file=source.path,
        sheet_name=sheet.name,
        header_row=header_row,
        columns=columns,
        headers=headers,
        extra=extra,
        data=table_data,
        lang=lang,
        last_row=last_row,
        date1904=source.date1904,
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
    split_copy = False
    for path in paths:
        # Fingerprint first, then guard: a file that changes in between fails the save's
        # fingerprint check, so the guard's verdict always covers the bytes that get written.
        sniff(path)
        prints[path] = fingerprint(path)
        guards[path] = report = check_workbook(path, sheets=())
        with Package(path) as pkg:
            split_copy = split_copy or any(s.name == SPLIT_MANIFEST_SHEET for s in pkg.sheets)
            # an Excel 4.0 macro sheet is kept byte for byte but never read: say it is there
            findings += [
                Finding.make(s.name, "", "macro-sheet", Severity.WARNING)
                for s in pkg.sheets
                if s.kind == "macrosheet"
            ]
            todo: list[tuple[SheetSpec, SheetPart]] = []
            for spec, sheet in _match_sheets(pkg, path):
                if spec.key in seen:
                    raise WorkspaceError(
                        "duplicate-sheet", sheet=spec.zh, first=seen[spec.key], second=path
                    )
                seen[spec.key] = path
                if wanted is not None and spec.key not in wanted and spec.key != SETTINGS.key:
                    continue
                todo.append((spec, sheet))
            specs = {sheet.part: spec for spec, sheet in todo}
            read = _table_reader(specs, columns or {})
            results = read_sheets(pkg, [sheet for _, sheet in todo], read)
            for (spec, _), ((table, found), extent) in zip(todo, results, strict=True):
                report.extents[extent.part] = extent
                findings += found
                if table is not None:
                    tables[spec.key] = table
    if not seen:
        names = ", ".join(p.name for p in paths)
        raise WorkspaceError("no-standard-sheets", files=names)
    entries = _settings_entries(tables["settings"]) if "settings" in tables else []
    if config is not None:
        entries += settings_mod.read_toml(Path(config))
    settings, setting_findings = settings_mod.build_settings(entries)
    findings += setting_findings
    # Any subset of the standard sheets is a workspace: a sheet that is not there is no
    # finding; each command says in one line what it skipped for want of it (model.skips).
    return Workspace(
        files=paths,
        tables=tables,
        settings=settings,
        findings=findings,
        fingerprints=prints,
        guards=guards,
        sheet_files={k: t.file for k, t in tables.items()},
        split_copy=split_copy,
    )


def _table_reader(
    specs: Mapping[str, SheetSpec], columns: Mapping[str, Collection[str]]
) -> Callable[[SheetSource], tuple[Table | None, list[Finding]]]:
    """What :func:`read_sheets` does with each sheet: :func:`read_table` against the standard
    sheet its part was matched to (``specs``: sheet part -> spec), keeping its findings apart."""

    def read(source: SheetSource) -> tuple[Table | None, list[Finding]]:
        spec = specs[source.sheet.part]
        found: list[Finding] = []
        return read_table(source, spec, found, columns.get(spec.key)), found

    return read


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


register(
    {
        "macro-sheet": (
            "“{sheet}”是 Excel 4.0 宏表（旧式宏，可含可执行的代码）：crmxl 不读取它，保存时原样保留",
            "{sheet!r} is an Excel 4.0 macro sheet (old-style macros, which can run code): crmxl"
            " does not read it and keeps it unchanged when it saves",
        ),
        "header-not-found": (
            "在前10行中找不到表头（应包含：{expected}）",
            "No header row in the first 10 rows (expected: {expected})",
        ),
        "missing-column": ("缺少必填列“{header}”", "Required column {header!r} is missing"),
        "duplicate-column": (
            "列“{value}”重复出现（首次在 {first} 列），本列被忽略",
            "Column {value!r} appears twice (first in column {first}); this one is ignored",
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
