"""``crmxl import``: append rows from a CSV or a workbook sheet to a standard sheet, safely.

What happens, in order (SPEC 3 and 4, seed 002 二.(一)):

1. **Read the source.** A CSV is decoded as UTF-8 (with or without BOM), else GB18030 (a
   superset of GBK, what Excel on Chinese Windows writes), unless ``encoding`` forces one; the
   delimiter is the commonest of ``,`` tab ``;`` on the first line. An ``.xlsx`` passes the input
   guards first; ``.xlsx``/``.xls`` sheets are read by fastexcel, every cell as text. Each row
   keeps its source line (the CSV line it starts on, or the Excel row) for reports.
2. **Map the headers** by the schema's Chinese and English names and aliases, after the
   ``--map`` TOML file (``"手机号码" = "电话"``; ``"内部编号" = ""`` ignores a column; a
   ``[defaults]`` table fills blanks), and to the target sheet's own extra columns by name.
   Columns that map to nothing are reported, never silently dropped; computed (auto) columns
   are ignored (``refresh`` computes them).
3. **Validate every row as ``validate`` does** (types, required values, enumerations from 配置,
   ranges, future dates, references to 客户档案/销售团队, …) using :mod:`crmxl.commands.validate`'s own
   checks; a row with an error is rejected and reported with its source line.
4. **查重**: a lead (or customer) whose company, normalised by
   :func:`~crmxl.model.values.normalize_company`, or whose phone matches an existing customer, contact
   (手机), lead, or an earlier row of the same file is rejected as a duplicate, naming what it
   matched. A given ID that the sheet already holds is rejected too.
5. **IDs**: a blank ID is generated after the largest existing one of the sheet's style
   (``C0200`` → ``C0201``, ``L-2026-007`` → ``L-2026-008``); see :func:`id_sequence`.
6. **Write** through :class:`~crmxl.workbook.WorkbookWriter` after ``Table.last_row``: typed
   values (dates as dates, amounts as numbers, enumerations in the workbook's language, phones
   normalised), every text as an inline string, which can never become a formula or a link
   (``=HYPERLINK(...)``, ``@SUM(...)`` stay text). New cells take the style of the sheet's last
   row. One 变更日志 row per import. A target sheet that does not exist yet is added.

``dry_run`` does everything but save. ``rejects`` writes the rows not imported to a CSV with
their source line and the reasons, so they can be fixed and imported again.
"""

from __future__ import annotations

import codecs
import csv
import dataclasses
import io
import math
import re
import time
import tomllib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any, ClassVar

import pandas as pd

from crmxl.a1 import column_letter
from crmxl.checks.cells import cell_findings
from crmxl.checks.cross import cross_findings
from crmxl.errors import InputFileError, UsageError, WriteRefusedError
from crmxl.i18n import pick, register, t
from crmxl.model import values
from crmxl.model.changelog import Writers, append_changelog, changelog_row
from crmxl.model.findings import Finding, Severity
from crmxl.model.frames import typed
from crmxl.model.schema import (
    CHANGELOG,
    ENUMS,
    LEADS,
    SETTINGS,
    SHEETS,
    ColType,
    Column,
    SheetSpec,
    fold,
    match_column,
    match_sheet,
)
from crmxl.model.textout import render_table
from crmxl.model.workspace import Table, Workspace, open_workspace
from crmxl.workbook import CellValue, SaveReport, Text, write_locked
from crmxl.workbook.cellxml import MAX_ROW, MAX_TEXT, text_length
from crmxl.workbook.guard import check_workbook
from crmxl.workbook.package import Package
from crmxl.workbook.readcopy import open_reader

#: A CSV larger than this is refused (it is read into memory whole).
MAX_CSV_BYTES = 512 * 1024**2
#: An .xls file larger than this is refused (the xlsx guards cannot look inside one).
MAX_XLS_BYTES = 256 * 1024**2
#: How many rows from the top may be titles before the header row.
HEADER_SEARCH_ROWS = 10
#: Characters that make spreadsheet programs read a typed cell as a formula (OWASP).
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
#: The columns a rejects file adds; ignored when that file is imported again.
REJECT_COLUMNS = {
    "line": ("源行号", "Source Line"),
    "reason": ("拒绝原因", "Reject Reason"),
}
_REJECT_NAMES = {fold(n) for pair in REJECT_COLUMNS.values() for n in pair}
#: IDs made for a sheet whose ID column is still empty: (prefix, digits).
DEFAULT_ID_STYLE: dict[str, tuple[str, int]] = {
    "customers": ("C", 4),
    "leads": ("XS", 4),
    "follow_ups": ("GJ", 5),
    "transactions": ("HT", 4),
    "needs": ("XQ", 4),
    "issues": ("WT", 4),
}
#: Sheets that cannot be imported into.
NOT_IMPORTABLE = (SETTINGS.key, CHANGELOG.key)
#: Validation codes replaced by the importer's own 查重, which says what a row matched.
_REPLACED_CODES = {"duplicate-customer"}


# ------------------------------------------------------------------------------ the source


@dataclass
class Source:
    """The cells of a source file as text, each row with its source line."""

    path: Path
    kind: str  # "csv", "xlsx" or "xls"
    rows: list[tuple[int, list[str | None]]]  # (line or Excel row, cells); blank rows left out
    encoding: str | None = None  # what a CSV was decoded as
    delimiter: str | None = None
    sheet: str | None = None  # the workbook sheet read
    first_col: int = 1  # Excel column of each row's first cell

    @property
    def label(self) -> str:
        """How findings name the source: ``leads.csv`` or ``[leads.xlsx]Sheet1``."""
        return self.path.name if self.sheet is None else f"[{self.path.name}]{self.sheet}"


_ENCODING_LABELS = {"utf-8-sig": "UTF-8 BOM", "utf-8": "UTF-8", "utf-16": "UTF-16"}
_ENCODING_ALIASES = {
    "gbk": "gb18030",
    "gb2312": "gb18030",
    "cp936": "gb18030",
    "ansi": "gb18030",
    "utf8": "utf-8",
    "utf-8-bom": "utf-8-sig",
    "utf8-bom": "utf-8-sig",
}


def decode_csv(data: bytes, encoding: str | None, path: Path) -> tuple[str, str]:
    """``(text, encoding name)`` of a CSV's bytes.

    Without ``encoding``: a UTF-8 or UTF-16 byte-order mark decides; else strict UTF-8, else
    GB18030 (which reads every GBK and GB2312 file the same way). The name reported is ``gbk``
    when the bytes are plain GBK. ``encoding`` forces one (GBK, GB2312, CP936 and "ansi" are read
    as GB18030, their superset).
    """
    if encoding:
        wanted = encoding.strip().lower()
        codec = _ENCODING_ALIASES.get(wanted, wanted)
        try:
            codecs.lookup(codec)
        except LookupError as exc:
            raise UsageError("import-bad-encoding", encoding=encoding) from exc
        if codec.replace("_", "-") in ("utf-8", "utf8") and data.startswith(codecs.BOM_UTF8):
            codec = "utf-8-sig"
        return _decode(data, codec, path), wanted
    if data.startswith(codecs.BOM_UTF8):
        return _decode(data, "utf-8-sig", path), "utf-8-sig"
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return _decode(data, "utf-16", path), "utf-16"
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        text = data.decode("gb18030")
    except UnicodeDecodeError as exc:
        raise InputFileError(
            "import-undecodable", path=path, line=data[: exc.start].count(b"\n") + 1
        ) from exc
    try:
        data.decode("gbk")
    except UnicodeDecodeError:
        return text, "gb18030"
    return text, "gbk"


def _decode(data: bytes, codec: str, path: Path) -> str:
    try:
        return data.decode(codec)
    except UnicodeDecodeError as exc:
        raise InputFileError(
            "import-decode-failed",
            path=path,
            encoding=codec,
            line=data[: exc.start].count(b"\n") + 1,
        ) from exc


def _delimiter(text: str) -> str:
    first = next((line for line in text.splitlines() if line.strip()), "")
    counts = {d: first.count(d) for d in (",", "\t", ";")}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ","


def _blank(cell: str | None) -> bool:
    return cell is None or not cell.strip()


def read_csv(path: Path, encoding: str | None = None) -> Source:
    """The rows of a CSV file (see :func:`decode_csv` for how its encoding is found)."""
    if path.stat().st_size > MAX_CSV_BYTES:
        raise InputFileError("import-too-large", path=path, size=path.stat().st_size)
    data = path.read_bytes()
    if not data.strip():
        raise InputFileError("import-empty", path=path)
    text, used = decode_csv(data, encoding, path)
    delimiter = _delimiter(text)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    rows: list[tuple[int, list[str | None]]] = []
    previous = 0
    try:
        for record in reader:
            start = previous + 1
            previous = reader.line_num
            cells: list[str | None] = [c if c != "" else None for c in record]
            if not all(_blank(c) for c in cells):
                rows.append((start, cells))
    except csv.Error as exc:
        raise InputFileError(
            "import-csv-error", path=path, line=reader.line_num, detail=str(exc)
        ) from exc
    return Source(path, "csv", rows, encoding=used, delimiter=delimiter)


def read_workbook_sheet(path: Path, sheet: str | None, spec: SheetSpec) -> Source:
    """The rows of one sheet of an ``.xlsx``/``.xls`` file, every cell as text.

    ``sheet`` names the sheet; by default the one whose name means ``spec``, else the first.
    An xlsx passes the input guards first (calamine, inside fastexcel, aborts the process on
    some hostile files); an ``.xls`` cannot be guarded that way and is only size-limited.
    """
    kind = _workbook_kind(path)
    if kind == "xlsx":
        check_workbook(path)
    elif path.stat().st_size > MAX_XLS_BYTES:
        raise InputFileError("import-too-large", path=path, size=path.stat().st_size)
    try:
        reader = open_reader(path)
        names = list(reader.sheet_names)
    except Exception as exc:  # fastexcel raises its own hierarchy
        raise InputFileError("file-corrupt", path=path) from exc
    name = _pick_sheet(names, sheet, spec, path)
    try:
        loaded = reader.load_sheet(name, header_row=None, dtypes="string", skip_rows=0)
        frame = loaded.to_pandas()
        columns = loaded.available_columns()
    except Exception as exc:
        if "empty" in str(exc).lower() or "no data" in str(exc).lower():
            raise InputFileError("import-empty", path=path) from exc
        raise InputFileError("file-corrupt", path=path) from exc
    first_col = int(columns[0].absolute_index) + 1 if columns else 1
    rows: list[tuple[int, list[str | None]]] = []
    for i, record in enumerate(frame.itertuples(index=False, name=None), start=1):
        cells: list[str | None] = [None if _missing(v) else str(v) for v in record]
        if not all(_blank(c) for c in cells):
            rows.append((i, cells))
    return Source(path, kind, rows, sheet=name, first_col=first_col)


def _missing(value: Any) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA


def _workbook_kind(path: Path) -> str:
    with path.open("rb") as fh:
        head = fh.read(8)
    if head.startswith(b"PK"):
        return "xlsx"
    if head.startswith(b"\xd0\xcf\x11\xe0") and path.suffix.lower() == ".xls":
        return "xls"
    check_workbook(path)  # says what the file is instead (encrypted, HTML, ...)
    return "xlsx"


def _pick_sheet(names: list[str], wanted: str | None, spec: SheetSpec, path: Path) -> str:
    if not names:
        raise InputFileError("import-empty", path=path)
    if wanted:
        for name in names:
            if name == wanted or fold(name) == fold(wanted):
                return name
        raise UsageError("import-no-source-sheet", path=path, sheet=wanted, sheets="、".join(names))
    for name in names:
        if match_sheet(name) is spec:
            return name
    return names[0]


def read_source(
    path: Path, *, encoding: str | None = None, sheet: str | None = None, spec: SheetSpec = LEADS
) -> Source:
    """A CSV (``.csv``, ``.txt``, ``.tsv`` or anything that is not a workbook) or a sheet of an
    ``.xlsx``/``.xlsm``/``.xls`` file."""
    if not path.exists():
        raise InputFileError("file-missing", path=path)
    if path.is_dir():
        raise InputFileError("file-is-folder", path=path)
    with path.open("rb") as fh:
        head = fh.read(8)
    if head.startswith((b"PK\x03\x04", b"\xd0\xcf\x11\xe0")) or path.suffix.lower() in (
        ".xlsx",
        ".xlsm",
        ".xls",
    ):
        return read_workbook_sheet(path, sheet, spec)
    return read_csv(path, encoding)


# ----------------------------------------------------------------------------- the mapping


@dataclass
class MapFile:
    """A ``--map`` TOML file: source header -> target column, and default values."""

    path: Path | None = None
    columns: dict[str, str] = field(default_factory=dict)  # folded source header -> target
    defaults: dict[str, str] = field(default_factory=dict)  # target column -> value


def read_map(path: Path | None) -> MapFile:
    """Read a mapping file.

    Top-level ``"source header" = "target column"`` pairs (or a ``[columns]`` table) map
    headers; an empty target ignores the column on purpose. A ``[defaults]`` table gives
    values for blank cells (``"来源" = "官网表单"``), also for columns the source lacks.
    """
    if path is None:
        return MapFile()
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8-sig"))
    except FileNotFoundError as exc:
        raise InputFileError("file-missing", path=path) from exc
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise InputFileError("import-map-bad", path=path, detail=str(exc)) from exc
    result = MapFile(path)
    pairs: dict[str, Any] = {}
    for key, value in data.items():
        if key in ("columns", "map") and isinstance(value, dict):
            pairs.update(value)
        elif key == "defaults" and isinstance(value, dict):
            for target, default in value.items():
                if isinstance(default, dict | list):
                    raise InputFileError("import-map-bad", path=path, detail=f"defaults.{target}")
                result.defaults[str(target)] = _default_text(default)
        else:
            pairs[key] = value
    for source, target in pairs.items():
        if target is False:
            target = ""
        if not isinstance(target, str):
            raise InputFileError("import-map-bad", path=path, detail=f"{source} = {target!r}")
        result.columns[fold(source)] = target
    return result


def _default_text(value: Any) -> str:
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, datetime | date):
        return value.isoformat()
    return str(value)


@dataclass
class Mapped:
    """One source column and where it goes."""

    index: int  # position in the source row
    header: str  # as the source spells it
    key: str | None = None  # schema column key
    extra: int | None = None  # or the target sheet's own (unknown to crmxl) column


@dataclass
class Mapping:
    """What each source column became."""

    header_line: int
    columns: list[Mapped]
    unmapped: list[str]
    ignored: list[tuple[str, str]]  # (header, reason code)


def _target_of(
    spec: SheetSpec, target: str, table: Table | None, map_path: Path | None
) -> tuple[str | None, int | None]:
    col = match_column(spec, target)
    if col is not None:
        return col.key, None
    if table is not None:
        for col_no, header in table.extra.items():
            if fold(header) == fold(target):
                return None, col_no
    raise InputFileError(
        "import-map-unknown-column", path=map_path or "", column=target, sheet=spec.zh
    )


def map_headers(
    spec: SheetSpec,
    rows: list[tuple[int, list[str | None]]],
    mapping: MapFile,
    table: Table | None,
    path: Path,
) -> Mapping:
    """Find the header row (the row among the first ten that maps most columns) and map it.

    Every target the mapping file names must be a column of the sheet, even when the source
    lacks that header (a mistake in the map is reported, not ignored).
    """
    extras = {fold(h): c for c, h in table.extra.items()} if table is not None else {}
    for target in mapping.columns.values():
        if target.strip():
            _target_of(spec, target, table, mapping.path)

    def resolve(header: str) -> tuple[str | None, int | None, str | None]:
        """(key, extra column, ignore reason)."""
        folded = fold(header)
        if folded in _REJECT_NAMES:
            return None, None, "rejects-column"
        if folded in mapping.columns:
            target = mapping.columns[folded]
            if not target.strip():
                return None, None, "map-ignore"
            key, extra = _target_of(spec, target, table, mapping.path)
            if key is not None and spec.column(key).auto:
                return None, None, "auto-column"
            return key, extra, None
        col = match_column(spec, header)
        if col is not None:
            return (None, None, "auto-column") if col.auto else (col.key, None, None)
        if folded in extras:
            return None, extras[folded], None
        return None, None, None

    best, best_hits = 0, 0
    for i, (_, cells) in enumerate(rows[:HEADER_SEARCH_ROWS]):
        hits = 0
        for cell in cells:
            if not _blank(cell):
                key, extra, _ = resolve(str(cell))
                hits += key is not None or extra is not None
        if hits > best_hits:
            best, best_hits = i, hits
    if best_hits == 0:
        expected = "、".join(c.zh for c in spec.required_columns)
        raise InputFileError("import-no-columns", path=path, sheet=spec.zh, expected=expected)
    line, header_cells = rows[best]
    columns: list[Mapped] = []
    unmapped: list[str] = []
    ignored: list[tuple[str, str]] = []
    seen_keys: set[str] = set()
    seen_extra: set[int] = set()
    width = max(len(cells) for _, cells in rows[best:])
    for j in range(width):
        header = header_cells[j] if j < len(header_cells) else None
        if _blank(header):
            if any(j < len(cells) and not _blank(cells[j]) for _, cells in rows[best + 1 :]):
                unmapped.append(f"#{j + 1}")
            continue
        text = str(header).strip()
        key, extra, why = resolve(text)
        if why is not None:
            ignored.append((text, why))
        elif key is not None:
            if key in seen_keys:
                ignored.append((text, "duplicate-source-column"))
                continue
            seen_keys.add(key)
            columns.append(Mapped(j, text, key=key))
        elif extra is not None:
            if extra in seen_extra:
                ignored.append((text, "duplicate-source-column"))
                continue
            seen_extra.add(extra)
            columns.append(Mapped(j, text, extra=extra))
        else:
            unmapped.append(text)
    return Mapping(line, columns, unmapped, ignored)


# -------------------------------------------------------------------------------- the result


@dataclass
class RowRef:
    """An imported row: where it came from and where it went."""

    line: int
    row: int  # Excel row in the target sheet
    record: str  # its ID ("" when the sheet has none)


@dataclass
class Rejected:
    """A source row that was not imported, with every reason."""

    line: int
    cells: list[str | None]
    findings: list[Finding]

    @property
    def duplicate(self) -> bool:
        return any(f.code.startswith("import-dup") for f in self.findings)

    def reason(self, lang: str) -> str:
        """Every reason, joined: ``电话: “123”不是有效电话…；公司名称: 与已有客户 …``."""
        return pick(lang, "；", "; ").join(_reason(f, lang) for f in self.findings)


def _reason(f: Finding, lang: str) -> str:
    return f"{f.column}: {f.message(lang)}" if f.column else f.message(lang)


@dataclass
class ImportResult:
    """What an import read, wrote and turned away."""

    source: Path
    into: Path
    sheet: str  # the target sheet as the workbook names it
    kind: str
    encoding: str | None
    source_sheet: str | None
    header_line: int
    dry_run: bool
    columns: list[tuple[str, str]] = field(default_factory=list)  # (source header, target header)
    unmapped: list[str] = field(default_factory=list)
    ignored: list[tuple[str, str]] = field(default_factory=list)
    added_columns: list[str] = field(default_factory=list)
    created_sheet: bool = False
    rows_read: int = 0
    imported: list[RowRef] = field(default_factory=list)
    rejected: list[Rejected] = field(default_factory=list)
    warnings: list[Finding] = field(default_factory=list)
    ids_generated: int = 0
    formula_like: list[tuple[int, str]] = field(default_factory=list)  # (line, source header)
    formula_cells: list[str] = field(default_factory=list)  # target cells left (formulas)
    rejects_file: Path | None = None
    saved: list[SaveReport] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def duplicates(self) -> int:
        return sum(1 for r in self.rejected if r.duplicate)

    @property
    def ok(self) -> bool:
        """True when every row was imported (the command's exit code is 0)."""
        return not self.rejected

    def to_dict(self, lang: str = "zh") -> dict[str, Any]:
        return {
            "source": str(self.source),
            "kind": self.kind,
            "encoding": self.encoding,
            "source_sheet": self.source_sheet,
            "header_line": self.header_line,
            "into": str(self.into),
            "sheet": self.sheet,
            "created_sheet": self.created_sheet,
            "dry_run": self.dry_run,
            "columns": [{"source": s, "target": d} for s, d in self.columns],
            "unmapped": self.unmapped,
            "ignored": [
                {"column": c, "reason": t(f"import-ignored-{w}", lang)} for c, w in self.ignored
            ],
            "added_columns": self.added_columns,
            "rows_read": self.rows_read,
            "imported": len(self.imported),
            "rejected": len(self.rejected),
            "duplicates": self.duplicates,
            "ids_generated": self.ids_generated,
            "rows": [{"line": r.line, "row": r.row, "id": r.record} for r in self.imported],
            "rejects": [
                {
                    "line": r.line,
                    "duplicate": r.duplicate,
                    "reason": r.reason(lang),
                    "findings": [f.to_dict(lang) for f in r.findings],
                }
                for r in self.rejected
            ],
            "warnings": [f.to_dict(lang) for f in self.warnings],
            "formula_like": [{"line": n, "column": c} for n, c in self.formula_like],
            "formula_cells": self.formula_cells,
            "rejects_file": str(self.rejects_file) if self.rejects_file else None,
            "saved": [s.to_dict() for s in self.saved],
            "seconds": round(self.seconds, 2),
        }

    def render(self, lang: str = "zh") -> str:
        """A summary, the rows turned away (with their source lines) and the warnings."""
        kind = self.kind.upper() + (
            f", {_ENCODING_LABELS.get(self.encoding, self.encoding.upper())}"
            if self.encoding
            else ""
        )
        if self.source_sheet:
            kind += f", {self.source_sheet}"
        title = "import-title-dry" if self.dry_run else "import-title"
        lines = [
            t(
                title,
                lang,
                source=self.source.name,
                kind=kind,
                into=self.into.name,
                sheet=self.sheet,
            )
        ]
        sep = "、" if lang != "en" else ", "
        if self.columns:
            pairs = [f"{s}→{d}" if fold(s) != fold(d) else s for s, d in self.columns]
            lines.append(t("import-columns", lang, columns=sep.join(pairs)))
        if self.unmapped:
            lines.append(t("import-unmapped", lang, columns=sep.join(self.unmapped)))
        for column, why in self.ignored:
            lines.append(
                t("import-ignored", lang, column=column, why=t(f"import-ignored-{why}", lang))
            )
        if self.created_sheet:
            lines.append(t("import-created-sheet", lang, sheet=self.sheet))
        for header in self.added_columns:
            lines.append(t("import-added-column", lang, column=header, sheet=self.sheet))
        lines.append(
            t(
                "import-summary",
                lang,
                read=self.rows_read,
                imported=len(self.imported),
                rejected=len(self.rejected),
                duplicates=self.duplicates,
            )
        )
        if self.imported:
            first, last = self.imported[0], self.imported[-1]
            ids = f"{first.record}–{last.record}" if first.record else "-"
            lines.append(
                t(
                    "import-rows",
                    lang,
                    first=first.row,
                    last=last.row,
                    ids=ids,
                    generated=self.ids_generated,
                )
            )
        if self.rejected:
            lines.append("")
            lines.append(t("import-rejected-title", lang))
            rows = [
                [
                    r.line,
                    pick(lang, "重复", "duplicate") if r.duplicate else pick(lang, "错误", "error"),
                    r.reason(lang),
                ]
                for r in self.rejected[:100]
            ]
            lines.append(
                render_table(
                    [
                        pick(lang, "源行号", "Line"),
                        pick(lang, "类型", "Kind"),
                        pick(lang, "原因", "Reason"),
                    ],
                    rows,
                    max_width={2: 90},
                )
            )
            if len(self.rejected) > 100:
                lines.append(t("import-more", lang, n=len(self.rejected) - 100))
        if self.warnings:
            lines.append("")
            lines.append(t("import-warnings", lang, n=len(self.warnings)))
            for f in self.warnings[:50]:
                lines.append(f"  {f.row}  {_reason(f, lang)}")
            if len(self.warnings) > 50:
                lines.append(t("import-more", lang, n=len(self.warnings) - 50))
        if self.formula_like:
            where = sep.join(f"{n}:{c}" for n, c in self.formula_like[:10])
            lines.append(t("import-formula-like", lang, n=len(self.formula_like), cells=where))
        if self.formula_cells:
            lines.append(
                t(
                    "import-formula-cells",
                    lang,
                    n=len(self.formula_cells),
                    cells=sep.join(self.formula_cells[:10]),
                )
            )
        if self.rejects_file:
            lines.append(
                t("import-rejects-file", lang, path=self.rejects_file, n=len(self.rejected))
            )
        for report in self.saved:
            if not report.dry_run:
                lines.append(t("import-saved", lang, path=report.path, backup=report.backup or "-"))
        return "\n".join(lines)


# ------------------------------------------------------------------------------ IDs


_ID = re.compile(r"^(.*?)(\d+)(\D*)$")


def id_sequence(
    existing: Sequence[str], default: tuple[str, int] = ("ID", 4), numeric: bool = False
) -> Iterator[str]:
    """New IDs after the largest existing one, in the sheet's style.

    The style (prefix, zero-padded width, suffix) is that of the last ID in ``existing`` that
    ends in a number (the sheet's newest convention: ``C0200`` → ``C``, 4 digits;
    ``L-2026-007`` → ``L-2026-``, 3 digits); numbering continues after the largest number among
    the IDs of that prefix and suffix. IDs in ``existing`` are never repeated. Without any
    numbered ID, ``default`` (prefix, digits) starts at 1. ``numeric`` (IDs stored as numbers
    with no prefix) yields plain numbers as text.
    """
    style: tuple[str, int, str] | None = None
    for value in reversed(existing):
        m = _ID.match(value)
        if m:
            style = (m.group(1), len(m.group(2)), m.group(3))
            break
    if style is None:
        style = (default[0], default[1], "")
    prefix, width, suffix = style
    if numeric and not prefix and not suffix:
        width = 1
    top = 0
    for value in existing:
        m = _ID.match(value)
        if m and m.group(1) == prefix and m.group(3) == suffix:
            top = max(top, int(m.group(2)))
    taken = set(existing)
    n = top
    while True:
        n += 1
        candidate = f"{prefix}{n:0{width}d}{suffix}"
        if candidate not in taken:
            yield candidate


# ------------------------------------------------------------------------------ 查重


@dataclass(frozen=True)
class Match:
    """What a row duplicates: a customer, a contact's phone, a lead, or an earlier line.

    Only where it is (sheet, row, column) is kept; the words for a message are looked up when
    a duplicate is found, so registering 100k customers stays cheap.
    """

    kind: str  # "customer", "contact", "lead", "file"
    table: Table  # the sheet (for "file": the source as a table)
    row: int  # Excel row (for "file": the source line)
    key: str  # the column that matched

    _RECORD: ClassVar[dict[str, str]] = {
        "customer": "customer_id",
        "contact": "customer_id",
        "lead": "lead_id",
    }

    def params(self) -> dict[str, str]:
        """``record``, ``name`` and ``where`` for the duplicate's message."""
        table, row = self.table, self.row
        record_key = self._RECORD.get(self.kind)
        name_key = "company" if table.spec.key == "leads" else "name"
        record = str(row) if record_key is None else _raw_text(table, record_key, row, ids=True)
        return {
            "record": record,
            "name": _raw_text(table, name_key, row),
            "where": table.cell(self.key, row),
        }


def _raw_text(table: Table, key: str, row: int, ids: bool = False) -> str:
    if key not in table.data.columns:
        return ""
    value = table.data.at[row, key]
    if value is None or _missing(value):
        return ""
    return values.parse_id(value) if ids else values.parse_text(value)


_MOBILE_TEXT = re.compile(r"^1[3-9]\d{9}$")


def phone_key(raw: Any) -> str | None:
    """A phone cell normalised for 查重 (:func:`~crmxl.model.values.parse_phone`), None when it is
    not a phone; the common case (an 11-digit mobile) without the full parser."""
    if raw is None or _missing(raw):
        return None
    if isinstance(raw, str):
        if _MOBILE_TEXT.match(raw):
            return raw
    elif isinstance(raw, float) and raw.is_integer():
        raw = str(int(raw))
        if _MOBILE_TEXT.match(raw):
            return raw
    try:
        return values.parse_phone(raw)
    except values.BadValue:
        return None


class Registry:
    """Normalised company names and phones already taken, and by what."""

    def __init__(self) -> None:
        self.names: dict[str, Match] = {}
        self.phones: dict[str, Match] = {}

    def add_names(self, table: Table, key: str, kind: str) -> None:
        """Every company name of ``table``'s column ``key``."""
        if not table.has(key):
            return
        names = self.names
        for row, raw in zip(table.data.index.tolist(), table.data[key].tolist(), strict=True):
            if isinstance(raw, str) and raw.strip():
                folded = values.normalize_company(raw)
                if folded not in names:
                    names[folded] = Match(kind, table, int(row), key)

    def add_phones(self, table: Table, key: str, kind: str) -> None:
        """Every phone of ``table``'s column ``key``."""
        if not table.has(key):
            return
        phones = self.phones
        for row, raw in zip(table.data.index.tolist(), table.data[key].tolist(), strict=True):
            phone = phone_key(raw)
            if phone is not None and phone not in phones:
                phones[phone] = Match(kind, table, int(row), key)


def existing_registry(ws: Workspace, spec: SheetSpec) -> Registry:
    """Company names and phones of the workspace that an imported ``spec`` row must not repeat.

    Leads: 客户档案.客户名称, 联系人.手机, 线索.公司名称 and 线索.电话. Customers: 客户名称.
    Other sheets: nothing (their duplicates are only checked by ID).
    """
    reg = Registry()
    if spec.key not in ("leads", "customers"):
        return reg
    customers = ws.tables.get("customers")
    if customers is not None:
        reg.add_names(customers, "name", "customer")
    if spec.key != "leads":
        return reg
    contacts = ws.tables.get("contacts")
    if contacts is not None:
        reg.add_phones(contacts, "mobile", "contact")
    leads = ws.tables.get("leads")
    if leads is not None:
        reg.add_names(leads, "company", "lead")
        reg.add_phones(leads, "phone", "lead")
    return reg


def _dup_finding(source: Table, key: str, line: int, value: Any, match: Match) -> Finding:
    return Finding.make(
        source.sheet_name,
        source.cell(key, line),
        f"import-dup-{match.kind}",
        Severity.ERROR,
        value,
        row=line,
        column=source.header(key),
        **match.params(),
    )


def cell_value(col: Column, value: Any, raw: Any, lang: str) -> CellValue:
    """What an imported cell holds: the typed value as the workbook shows it.

    Dates are dates, amounts and numbers are numbers, enumerations are in the workbook's
    language, phones and e-mails normalised, yes/no as 是/否. A placeholder (待核实) or a cell
    the column keeps as typed (lists, free text) is written as :class:`Text`.
    """
    return converter(col, lang)(value, raw)


def _raw_or_none(raw: Any) -> CellValue:
    return Text(raw.strip()) if isinstance(raw, str) and raw.strip() else None


def converter(col: Column, lang: str) -> Any:
    """``(typed value, raw cell) -> CellValue`` for one column (see :func:`cell_value`)."""
    kind = col.type

    def blank(value: Any) -> bool:
        return value is None or value is pd.NaT or (isinstance(value, float) and value != value)

    if kind is ColType.ENUM:
        enum = ENUMS.get(col.enum or "")

        def enum_value(value: Any, raw: Any) -> CellValue:
            if blank(value):
                return _raw_or_none(raw)
            return Text(enum.label(str(value), lang) if enum is not None else str(value))

        return enum_value
    if kind in (ColType.DATE, ColType.DATETIME):
        as_date = kind is ColType.DATE

        def date_value(value: Any, raw: Any) -> CellValue:
            if blank(value):
                return _raw_or_none(raw)
            stamp = pd.Timestamp(value)
            return stamp.date() if as_date else stamp.to_pydatetime().replace(microsecond=0)

        return date_value
    if kind in (ColType.INT, ColType.AMOUNT, ColType.NUMBER):
        whole = kind is ColType.INT

        def number_value(value: Any, raw: Any) -> CellValue:
            if blank(value):
                return _raw_or_none(raw)
            return int(value) if whole else float(value)

        return number_value
    if kind is ColType.YESNO:
        yes, no = (ENUMS["yesno"].label(v, lang) for v in ("是", "否"))

        def yesno_value(value: Any, raw: Any) -> CellValue:
            if blank(value):
                return _raw_or_none(raw)
            return Text(yes if value else no)

        return yesno_value

    def other_value(value: Any, raw: Any) -> CellValue:
        if blank(value):
            return _raw_or_none(raw)
        if kind is ColType.BUDGET:
            return float(value) if isinstance(value, int | float) else Text(str(value))
        if kind is ColType.MONTHDAY:
            try:
                return values.parse_date(raw)
            except values.BadValue:
                return Text(str(raw).strip())
        if kind is ColType.LIST:
            return Text(str(raw).strip())
        return Text(str(value))

    return other_value


_E_NOTATION = re.compile(r"^\s*(\d)(?:\.(\d+))?[eE]\+?(\d{1,2})\s*$")


def fix_phone_text(text: str) -> str:
    """A phone Excel exported in E-notation (``1.3812345678E+10``) back to its digits.

    Only when the mantissa carries every digit; Excel writes ``1.38123E+10`` for a number too
    wide for its column, which has lost digits: that one is returned as it is (and fails as a
    bad phone, see :func:`lost_digits`).
    """
    m = _E_NOTATION.match(text)
    if not m:
        return text
    digits = m.group(1) + (m.group(2) or "")
    if len(digits) - 1 != int(m.group(3)):
        return text
    return digits


def lost_digits(text: object) -> bool:
    """True for an E-notation number whose mantissa is shorter than the number."""
    if not isinstance(text, str):
        return False
    m = _E_NOTATION.match(text)
    return m is not None and len(m.group(1) + (m.group(2) or "")) - 1 < int(m.group(3))


def _clean(cell: str | None, col: Column | None, csv_source: bool) -> str | None:
    """A source cell before parsing: the apostrophe Excel (and our rejects file) puts before
    ``=+-@`` removed; E-notation phones expanded."""
    if cell is None:
        return None
    if csv_source and len(cell) > 1 and cell[0] == "'" and cell[1] in "=+-@":
        cell = cell[1:]
    if col is not None and col.type is ColType.PHONE:
        return fix_phone_text(cell)
    return cell


# ------------------------------------------------------------------------------ the import


@dataclass
class _Target:
    """Where the rows go: an existing table, or a sheet to add."""

    spec: SheetSpec
    table: Table | None
    name: str
    lang: str
    columns: dict[str, int]  # key -> Excel column (existing and to be added)
    added: list[str] = field(default_factory=list)  # keys whose header is added


def _resolve_spec(sheet: str) -> SheetSpec:
    spec = match_sheet(sheet)
    if spec is None:
        names = "、".join(s.zh for s in SHEETS if s.key not in NOT_IMPORTABLE)
        raise UsageError("import-unknown-sheet", sheet=sheet, sheets=names)
    if spec.key in NOT_IMPORTABLE:
        raise UsageError("import-sheet-not-allowed", sheet=sheet)
    return spec


def _target(ws: Workspace, spec: SheetSpec, into: Path) -> _Target:
    table = ws.tables.get(spec.key)
    if table is None:
        with Package(into) as pkg:
            present = [s.name for s in pkg.worksheets() if match_sheet(s.name) is spec]
        if present:
            raise WriteRefusedError("import-target-unreadable", path=into, sheet=present[0])
        lang = ws.lang
        columns = {c.key: i for i, c in enumerate(spec.columns, start=1)}
        return _Target(spec, None, spec.name(lang), lang, columns)
    return _Target(spec, table, table.sheet_name, table.lang, dict(table.columns))


@write_locked("into", unless="dry_run")
def import_rows(
    src: Path | str,
    into: Path | str,
    sheet: str,
    *,
    map_file: Path | str | None = None,
    encoding: str | None = None,
    dry_run: bool = False,
    rejects: Path | str | None = None,
    as_of: datetime | None = None,
    source_sheet: str | None = None,
    config: Path | str | None = None,
    backup: bool = True,
) -> ImportResult:
    """Append the rows of ``src`` to the standard sheet ``sheet`` of the workbook ``into``.

    Returns what was imported and what was not (and why); raises
    :class:`~crmxl.errors.CrmxlError` subclasses when nothing can be done (an unreadable source,
    an unknown sheet, a workbook open in Excel). Nothing is written with ``dry_run``, except
    the ``rejects`` CSV when one is asked for.
    """
    started = time.perf_counter()
    src, into = Path(src), Path(into)
    as_of = as_of or datetime.now().replace(microsecond=0)
    spec = _resolve_spec(sheet)
    rejects_path = Path(rejects) if rejects is not None else None
    if rejects_path is not None and rejects_path.resolve() in (src.resolve(), into.resolve()):
        raise UsageError("import-rejects-overwrites", path=rejects_path)
    mapping_file = read_map(Path(map_file) if map_file is not None else None)
    source = read_source(src, encoding=encoding, sheet=source_sheet, spec=spec)
    if not source.rows:
        raise InputFileError("import-empty", path=src)
    wanted = [spec.key, "customers", "contacts", "leads", "team", "changelog"]
    ws = open_workspace([into], config=config, sheets=wanted)
    target = _target(ws, spec, into)
    mapping = map_headers(spec, source.rows, mapping_file, target.table, src)
    result = ImportResult(
        source=src,
        into=into,
        sheet=target.name,
        kind=source.kind,
        encoding=source.encoding,
        source_sheet=source.sheet,
        header_line=mapping.header_line,
        dry_run=dry_run,
        unmapped=mapping.unmapped,
        ignored=mapping.ignored,
        created_sheet=target.table is None,
    )
    plan = _plan_rows(source, mapping, mapping_file, spec, ws, target, as_of, result)
    writers = Writers(ws)
    if plan:
        _write(writers, ws, target, plan, result)
        stamp = datetime.now().replace(microsecond=0)
        append_changelog(writers, ws, [_changelog(stamp, source, target, result)])
        for writer in writers.pending():
            report = writer.plan() if dry_run else writer.save(backup=backup)
            result.saved.append(report)
            result.formula_cells += [
                f"{s}!{column_letter(c)}{r}" for s, r, c in writer.formula_cells()
            ]
    if rejects_path is not None:
        write_rejects(rejects_path, source, mapping, result.rejected, ws.lang)
        result.rejects_file = rejects_path
    result.seconds = time.perf_counter() - started
    return result


@dataclass
class _Row:
    line: int
    cells: dict[int, CellValue]  # Excel column -> value
    record: str


def _source_table(
    source: Source,
    mapping: Mapping,
    spec: SheetSpec,
    defaults: dict[str, str],
    data_rows: list[tuple[int, list[str | None]]],
    lang: str,
) -> Table:
    """The source rows as a :class:`Table` of ``spec``, indexed by source line, so that
    :func:`~crmxl.model.frames.typed` and validate's checks run on them unchanged."""
    index = pd.Index([line for line, _ in data_rows], dtype="int64")
    data: dict[str, list[str | None]] = {}
    columns: dict[str, int] = {}
    headers: dict[str, str] = {}
    is_csv = source.kind == "csv"
    for m in mapping.columns:
        if m.key is None:
            continue
        col = spec.column(m.key)
        data[m.key] = [
            _clean(cells[m.index] if m.index < len(cells) else None, col, is_csv)
            for _, cells in data_rows
        ]
        columns[m.key] = source.first_col + m.index
        headers[m.key] = m.header
    next_col = source.first_col + max((len(c) for _, c in data_rows), default=0)
    for key, value in defaults.items():
        if key not in data:
            data[key] = [None] * len(data_rows)
            columns[key] = next_col
            headers[key] = spec.column(key).name(lang)
            next_col += 1
        data[key] = [value if _blank(v) else v for v in data[key]]
    frame = pd.DataFrame(
        {k: pd.Series(v, index=index, dtype=object) for k, v in data.items()}, index=index
    )
    return Table(
        spec=spec,
        file=source.path,
        sheet_name=source.label,
        header_row=mapping.header_line,
        columns=columns,
        headers=headers,
        extra={},
        data=frame,
        lang=lang,
        last_row=int(index.max()) if len(index) else mapping.header_line,
    )


def _defaults(spec: SheetSpec, mapping_file: MapFile) -> dict[str, str]:
    out: dict[str, str] = {}
    for target, value in mapping_file.defaults.items():
        col = match_column(spec, target)
        if col is None or col.auto:
            raise InputFileError(
                "import-map-unknown-column",
                path=mapping_file.path or "",
                column=target,
                sheet=spec.zh,
            )
        out[col.key] = value
    return out


def _plan_rows(
    source: Source,
    mapping: Mapping,
    mapping_file: MapFile,
    spec: SheetSpec,
    ws: Workspace,
    target: _Target,
    as_of: datetime,
    result: ImportResult,
) -> list[_Row]:
    """Validate, 查重 and give IDs to the source rows; the rows to write, in source order."""
    lang = target.lang
    header_index = next(i for i, (line, _) in enumerate(source.rows) if line == mapping.header_line)
    data_rows = source.rows[header_index + 1 :]
    keys = [m.key for m in mapping.columns if m.key is not None]
    extras = [m for m in mapping.columns if m.extra is not None]
    # Rows whose mapped cells are all blank are skipped, like empty rows in a sheet.
    used = [m.index for m in mapping.columns]
    data_rows = [(n, c) for n, c in data_rows if any(i < len(c) and not _blank(c[i]) for i in used)]
    result.rows_read = len(data_rows)
    result.columns = [
        (m.header, spec.column(m.key).name(lang) if m.key else _extra_header(target, m.extra))
        for m in mapping.columns
    ]
    if not data_rows:
        return []
    defaults = _defaults(spec, mapping_file)
    id_key = spec.id_column
    missing = [
        c.name(lang)
        for c in spec.required_columns
        if c.key not in keys and c.key not in defaults and c.key != id_key
    ]
    if missing:
        raise InputFileError(
            "import-missing-required", path=source.path, columns="、".join(missing)
        )
    table = _source_table(source, mapping, spec, defaults, data_rows, lang)
    if spec is LEADS and "status" not in defaults:
        _default_lead_status(table)
    settings = ws.settings
    tt = typed(table, settings)
    findings = [f for f in cell_findings(tt, ws, as_of) if not _generated_id(f, table, id_key)]
    refs = {spec.key: tt}
    if (
        spec.key != "customers"
        and "customers" in ws.tables
        and any(
            c.customer_ref or c.key == "converted_customer_id"
            for c in spec.columns
            if c.key in table.columns
        )
    ):
        refs["customers"] = typed(ws.tables["customers"], settings, ["customer_id"])
    if "team" in ws.tables and any(c.owner_ref for c in spec.columns if c.key in table.columns):
        refs["team"] = typed(ws.tables["team"], settings, ["name"])
    findings += [
        f
        for f in cross_findings(refs, ws, as_of)
        if f.sheet == table.sheet_name and f.code not in _REPLACED_CODES
    ]
    findings += _length_findings(table)
    findings = [
        dataclasses.replace(f, code="phone-lost-digits")
        if f.code == "bad-phone" and lost_digits(f.value)
        else f
        for f in findings
    ]
    by_line: dict[int, list[Finding]] = {}
    for f in findings:
        if f.severity is Severity.ERROR:
            by_line.setdefault(int(f.row or 0), []).append(f)
        else:
            result.warnings.append(f)
    frame = tt.frame
    registry = existing_registry(ws, spec)
    existing_ids = _existing_ids(target, settings)
    keyed = _KeyValues.of(spec, table, frame)
    checker = _Checker(spec, table, registry, set(existing_ids), target)
    kept: list[int] = []
    for i, (line, cells) in enumerate(data_rows):
        errors = by_line.get(line) or checker.duplicates(line, keyed, i)
        if errors:
            result.rejected.append(Rejected(line, list(cells), errors))
            continue
        kept.append(line)
        checker.register(line, keyed, i)
    kept_set = set(kept)
    result.warnings = [w for w in result.warnings if int(w.row or 0) in kept_set]
    ids = _assign_ids(spec, target, keyed, data_rows, kept, existing_ids, result)
    return _rows(source, table, tt.frame, kept, ids, extras, target, lang, result)


@dataclass
class _KeyValues:
    """The typed ID, company/name and phone of every source row, as plain lists (fast)."""

    ids: list[str | None]
    names: list[str | None]
    phones: list[str | None]

    @classmethod
    def of(cls, spec: SheetSpec, table: Table, frame: pd.DataFrame) -> _KeyValues:
        def column(key: str | None) -> list[str | None]:
            if key is None or key not in table.columns:
                return [None] * len(frame)
            return [v if isinstance(v, str) and v else None for v in frame[key].tolist()]

        name_key = {"leads": "company", "customers": "name"}.get(spec.key)
        phone_key = "phone" if spec.key == "leads" else None
        id_key = spec.id_column if spec.id_column else None
        return cls(column(id_key), column(name_key), column(phone_key))


class _Checker:
    """查重 of one import: against the workspace, then against the rows already kept."""

    def __init__(
        self,
        spec: SheetSpec,
        table: Table,
        registry: Registry,
        existing_ids: set[str],
        target: _Target,
    ) -> None:
        self.spec = spec
        self.table = table
        self.registry = registry
        self.existing_ids = existing_ids
        self.target = target
        self.name_key = {"leads": "company", "customers": "name"}.get(spec.key)
        self._id_cells: dict[str, str] | None = None

    def duplicates(self, line: int, keyed: _KeyValues, i: int) -> list[Finding]:
        out: list[Finding] = []
        table = self.table
        rid, name, phone = keyed.ids[i], keyed.names[i], keyed.phones[i]
        id_key = self.spec.id_column
        if rid is not None and id_key and rid in self.existing_ids:
            out.append(
                Finding.make(
                    table.sheet_name,
                    table.cell(id_key, line),
                    "import-id-exists",
                    Severity.ERROR,
                    rid,
                    row=line,
                    column=table.header(id_key),
                    where=self.id_cell(rid),
                )
            )
        if name is not None and self.name_key:
            match = self.registry.names.get(values.normalize_company(name))
            if match is not None:
                out.append(_dup_finding(table, self.name_key, line, name, match))
        if phone is not None and phone in self.registry.phones:
            out.append(_dup_finding(table, "phone", line, phone, self.registry.phones[phone]))
        return out

    def id_cell(self, rid: str) -> str:
        """Where the sheet already holds ``rid`` (``线索!A7``)."""
        if self._id_cells is None:
            self._id_cells = {}
            table, id_key = self.target.table, self.spec.id_column
            if table is not None and id_key is not None and table.has(id_key):
                for row, value in table.data[id_key].items():
                    if not _missing(value):
                        cell = table.cell(id_key, int(row))
                        self._id_cells.setdefault(values.parse_id(value), cell)
        return self._id_cells.get(rid, self.target.name)

    def register(self, line: int, keyed: _KeyValues, i: int) -> None:
        """A kept row: later rows of the file must not repeat its name or phone."""
        name, phone = keyed.names[i], keyed.phones[i]
        if name is not None and self.name_key:
            folded = values.normalize_company(name)
            if folded not in self.registry.names:
                self.registry.names[folded] = Match("file", self.table, line, self.name_key)
        if phone is not None and phone not in self.registry.phones:
            self.registry.phones[phone] = Match("file", self.table, line, "phone")


def _default_lead_status(table: Table) -> None:
    """A lead imported without 线索状态 and without 分配给 is 待分配 (waiting for ``assign``)."""
    data = table.data
    status = data["status"] if "status" in data else pd.Series(None, index=data.index, dtype=object)
    owner = (
        data["assigned_to"]
        if "assigned_to" in data
        else pd.Series(None, index=data.index, dtype=object)
    )
    waiting = status.map(_blank_value) & owner.map(_blank_value)
    if not waiting.any():
        return
    if "status" not in data:
        table.columns["status"] = max(table.columns.values(), default=0) + 1
        table.headers["status"] = table.spec.column("status").name(table.lang)
    data["status"] = status.astype(object).where(~waiting, "待分配")


def _blank_value(value: Any) -> bool:
    return values.is_blank(value)


def _generated_id(f: Finding, table: Table, id_key: str | None) -> bool:
    """validate's "required value missing" on the ID column: the importer fills it in."""
    return (
        id_key is not None
        and f.code == "missing-value"
        and id_key in table.columns
        and f.column == table.header(id_key)
    )


def _length_findings(table: Table) -> list[Finding]:
    """Cells longer than an Excel cell holds (the writer would refuse them)."""
    out: list[Finding] = []
    for key in table.data.columns:
        series = table.data[key]
        try:
            lengths = series.astype(object).str.len().fillna(0)
        except AttributeError:  # not a column of text
            continue
        for line in series.index[lengths > MAX_TEXT // 2]:
            value = series.at[line]
            if text_length(value) > MAX_TEXT:
                out.append(
                    Finding.make(
                        table.sheet_name,
                        table.cell(key, int(line)),
                        "import-text-too-long",
                        Severity.ERROR,
                        value[:40] + "…",
                        row=int(line),
                        column=table.header(key),
                        limit=MAX_TEXT,
                    )
                )
    return out


def _existing_ids(target: _Target, settings: Any) -> list[str]:
    table = target.table
    id_key = target.spec.id_column
    if table is None or id_key is None or not table.has(id_key):
        return []
    ids = typed(table, settings, [id_key]).frame[id_key]
    return [str(v) for v in ids.tolist() if isinstance(v, str) and v]


def _assign_ids(
    spec: SheetSpec,
    target: _Target,
    keyed: _KeyValues,
    data_rows: list[tuple[int, list[str | None]]],
    kept: list[int],
    existing: list[str],
    result: ImportResult,
) -> dict[int, str]:
    """The ID of each kept row: its own, or a new one in the sheet's style."""
    id_key = spec.id_column
    if id_key is None or spec.column(id_key).type is not ColType.ID:
        return {}
    given = {line: rid for (line, _), rid in zip(data_rows, keyed.ids, strict=True)}
    ids = {line: rid for line in kept if (rid := given[line]) is not None}
    blank = [line for line in kept if line not in ids]
    if not blank:
        return ids
    ordered = existing + [ids[line] for line in kept if line in ids]
    fresh = id_sequence(
        ordered, DEFAULT_ID_STYLE.get(spec.key, ("ID", 4)), numeric=_numeric_ids(target)
    )
    for line in blank:
        ids[line] = next(fresh)
    result.ids_generated = len(blank)
    return ids


def _numeric_ids(target: _Target) -> bool:
    """Does the sheet store its IDs as numbers (the last one written is a number)?"""
    id_key = target.spec.id_column
    if target.table is None or id_key is None or not target.table.has(id_key):
        return False
    raw = target.table.data[id_key].dropna()
    return (
        len(raw) > 0
        and isinstance(raw.iloc[-1], int | float)
        and not isinstance(raw.iloc[-1], bool)
    )


def _extra_header(target: _Target, col: int | None) -> str:
    if target.table is None or col is None:
        return ""
    return target.table.extra.get(col, "")


def _rows(
    source: Source,
    table: Table,
    frame: pd.DataFrame,
    kept: list[int],
    ids: dict[int, str],
    extras: list[Mapped],
    target: _Target,
    lang: str,
    result: ImportResult,
) -> list[_Row]:
    """Cell values per kept row, by target column (adding the columns the sheet lacks)."""
    spec = target.spec
    keys = [k for k in table.columns if k in frame.columns]
    id_key = spec.id_column
    if id_key and ids and id_key not in keys:
        keys.insert(0, id_key)
    for key in keys:
        if key not in target.columns:
            target.columns[key] = _next_column(target)
            target.added.append(key)
    kept_index = pd.Index(kept)
    columns: dict[str, list[CellValue]] = {}
    for key in keys:
        col = spec.column(key)
        if key == id_key and ids:
            numeric = _numeric_ids(target)
            columns[key] = [
                int(ids[line]) if numeric and ids[line].isdigit() else Text(ids[line])
                for line in kept
            ]
            continue
        typed_values = frame[key].reindex(kept_index).tolist()
        raws = table.data[key].reindex(kept_index).tolist()
        convert = converter(col, lang)
        columns[key] = [convert(v, r) for v, r in zip(typed_values, raws, strict=True)]
        if col.type in (ColType.TEXT, ColType.ID, ColType.LIST):
            header = table.header(key)
            for line, raw in zip(kept, raws, strict=True):
                if isinstance(raw, str) and raw.startswith(FORMULA_START):
                    result.formula_like.append((line, header))
    extra_values: dict[int, list[CellValue]] = {}
    positions = {line: cells for line, cells in source.rows}
    for m in extras:
        assert m.extra is not None
        vals: list[CellValue] = []
        for line in kept:
            source_cells = positions[line]
            raw = source_cells[m.index] if m.index < len(source_cells) else None
            raw = _clean(raw, None, source.kind == "csv")
            vals.append(Text(raw.strip()) if isinstance(raw, str) and raw.strip() else None)
            if isinstance(raw, str) and raw.startswith(FORMULA_START):
                result.formula_like.append((line, m.header))
        extra_values[m.extra] = vals
    result.formula_like.sort()
    out: list[_Row] = []
    for i, line in enumerate(kept):
        cells: dict[int, CellValue] = {}
        for key, vals in columns.items():
            if vals[i] is not None:
                cells[target.columns[key]] = vals[i]
        for col_no, vals in extra_values.items():
            if vals[i] is not None:
                cells[col_no] = vals[i]
        out.append(_Row(line, cells, ids.get(line, "")))
    return out


def _next_column(target: _Target) -> int:
    used = list(target.columns.values())
    if target.table is not None:
        used += list(target.table.extra)
    return max(used, default=0) + 1


_FORMATS = {
    ColType.DATE: "yyyy-mm-dd",
    ColType.DATETIME: "yyyy-mm-dd hh:mm",
    ColType.AMOUNT: "#,##0",
}


def _write(
    writers: Writers, ws: Workspace, target: _Target, rows: list[_Row], result: ImportResult
) -> None:
    """Collect the writes: new header cells (or a new sheet), then the rows after the sheet's
    last row, each cell styled like the last row's cell in its column."""
    spec = target.spec
    table = target.table
    lang = target.lang
    name = target.name
    if table is None:
        # A header-only sheet, then the same cell writes as an append (measured faster than
        # handing every row to add_sheet).
        path, header_row, last_row = ws.primary_file, 1, 1
        writer = writers(path)
        header: list[CellValue] = [c.header(lang) for c in spec.columns]
        writer.add_sheet(name, [header], widths=[c.width for c in spec.columns])
    else:
        path, header_row, last_row = table.file, table.header_row, table.last_row
        writer = writers(path)
    first = last_row + 1
    if first + len(rows) - 1 > MAX_ROW:
        raise WriteRefusedError("import-too-many-rows", path=path, sheet=name, n=len(rows))
    writer.set_header_row(name, header_row)
    left = max(target.columns.values(), default=1)
    for key in target.added:
        text = spec.column(key).header(lang)
        writer.set_cell(
            name, header_row, target.columns[key], Text(text), style_like=(header_row, left)
        )
        result.added_columns.append(text)
    model = last_row if last_row > header_row else None
    formats = {
        target.columns[c.key]: _FORMATS.get(c.type) for c in spec.columns if c.key in target.columns
    }
    for i, row in enumerate(rows):
        excel_row = first + i
        for col_no, value in row.cells.items():
            if model is not None:
                writer.set_cell(name, excel_row, col_no, value, style_like=(model, col_no))
            else:
                fmt = formats.get(col_no) if not isinstance(value, str) else None
                writer.set_cell(name, excel_row, col_no, value, number_format=fmt)
        result.imported.append(RowRef(row.line, excel_row, row.record))
    if table is not None:
        table.last_row = first + len(rows) - 1


def _changelog(
    stamp: datetime, source: Source, target: _Target, result: ImportResult
) -> list[CellValue]:
    lang = target.lang
    n = len(result.imported)
    first, last = result.imported[0], result.imported[-1]
    record = f"{first.record}–{last.record}" if first.record else f"{first.row}–{last.row}"
    what = source.path.name + (f" [{source.sheet}]" if source.sheet else "")
    reason = t(
        "import-changelog",
        lang,
        n=n,
        source=what,
        rejected=len(result.rejected),
        first=first.row,
        last=last.row,
    )
    return changelog_row(
        stamp, "import", target.name, record, pick(lang, "新增行", "new rows"), None, n, reason
    )


# ------------------------------------------------------------------------------ rejects file


def write_rejects(
    path: Path, source: Source, mapping: Mapping, rejected: list[Rejected], lang: str
) -> None:
    """The rejected rows as CSV: the source's header and cells, then 源行号 and 拒绝原因.

    Written in the source's encoding (UTF-8 with BOM for UTF-8 and workbook sources, so Excel
    opens it right). A cell starting with ``=``, ``+``, ``-`` or ``@`` gets Excel's text
    apostrophe, so that opening the file cannot run it (OWASP); importing the file again takes
    the apostrophe off.
    """
    header_cells = next(cells for line, cells in source.rows if line == mapping.header_line)
    encoding = source.encoding or "utf-8-sig"
    if encoding in ("utf-8", "utf8"):
        encoding = "utf-8-sig"
    if encoding in ("gbk", "gb2312", "cp936", "ansi"):
        encoding = "gb18030"
    width = max([len(header_cells), *(len(r.cells) for r in rejected)])
    names = [REJECT_COLUMNS["line"][lang == "en"], REJECT_COLUMNS["reason"][lang == "en"]]
    with path.open("w", encoding=encoding, newline="", errors="replace") as fh:
        writer = csv.writer(fh, lineterminator="\r\n", delimiter=source.delimiter or ",")
        writer.writerow([_safe(c) for c in _pad(header_cells, width)] + names)
        for r in rejected:
            writer.writerow(
                [_safe(c) for c in _pad(r.cells, width)] + [r.line, _safe(r.reason(lang))]
            )


def _pad(cells: list[str | None], width: int) -> list[str | None]:
    return list(cells) + [None] * (width - len(cells))


def _safe(cell: str | None) -> str:
    if cell is None:
        return ""
    return "'" + cell if cell.startswith(FORMULA_START[:4]) else cell


register(
    {
        "import-title": (
            "导入 {source}（{kind}）→ {into}「{sheet}」",
            "Imported {source} ({kind}) into {into} / {sheet}",
        ),
        "import-title-dry": (
            "试运行，未写入工作簿：{source}（{kind}）→ {into}「{sheet}」",
            "Dry run, the workbook was not written: {source} ({kind}) into {into} / {sheet}",
        ),
        "import-columns": ("列对应：{columns}", "Columns: {columns}"),
        "import-unmapped": (
            "未识别的列（未导入，可用 --map 指定）：{columns}",
            "Columns not recognised (not imported; name them with --map): {columns}",
        ),
        "import-ignored": ("已忽略列“{column}”：{why}", "Ignored column {column!r}: {why}"),
        "import-ignored-auto-column": (
            "自动计算列，由 crmxl refresh 计算",
            "a computed column; crmxl refresh fills it",
        ),
        "import-ignored-map-ignore": ("映射文件中设为忽略", "ignored by the mapping file"),
        "import-ignored-rejects-column": (
            "拒绝文件附加的列",
            "a column a rejects file adds",
        ),
        "import-ignored-duplicate-source-column": (
            "与前面的列对应同一列",
            "maps to the same column as an earlier one",
        ),
        "import-created-sheet": (
            "工作簿中没有“{sheet}”，已新建该工作表",
            "The workbook had no {sheet} sheet; it was added",
        ),
        "import-added-column": (
            "已在“{sheet}”末尾添加列“{column}”",
            "Added column {column!r} at the end of {sheet}",
        ),
        "import-summary": (
            "读取 {read} 行：导入 {imported} 行，拒绝 {rejected} 行（其中重复 {duplicates} 行）",
            "Read {read} rows: {imported} imported, {rejected} rejected ({duplicates} duplicates)",
        ),
        "import-rows": (
            "目标行 {first}–{last}，编号 {ids}（新生成 {generated} 个）",
            "Rows {first}–{last}, IDs {ids} ({generated} generated)",
        ),
        "import-rejected-title": ("未导入的行：", "Rows not imported:"),
        "import-more": ("……另有 {n} 条", "... and {n} more"),
        "import-warnings": (
            "{n} 条警告（这些行已导入）：",
            "{n} warnings (these rows were imported):",
        ),
        "import-formula-like": (
            "{n} 个以 = + - @ 开头的单元格已按文本保存，不会变成公式：{cells}",
            "{n} cells starting with = + - @ were stored as text and cannot become formulas: "
            "{cells}",
        ),
        "import-formula-cells": (
            "{n} 个目标单元格含有公式，未覆盖：{cells}",
            "{n} target cells hold formulas and were left as they are: {cells}",
        ),
        "import-rejects-file": (
            "{n} 行未导入的数据已写入 {path}（含拒绝原因，修改后可再次导入）",
            "{n} rows not imported were written to {path} (with the reasons; fix and import again)",
        ),
        "import-saved": ("已保存 {path}（备份：{backup}）", "Saved {path} (backup: {backup})"),
        "import-changelog": (
            "从 {source} 导入 {n} 行（第 {first}–{last} 行），拒绝 {rejected} 行",
            "Imported {n} rows from {source} (rows {first}–{last}); {rejected} rejected",
        ),
        "import-dup-customer": (
            "与已有客户 {record}“{name}”重复（{where}）",
            "duplicates customer {record} {name!r} ({where})",
        ),
        "import-dup-contact": (
            "与客户 {record} 的联系人 {name} 的手机相同（{where}）",
            "matches the mobile of {name}, a contact of customer {record} ({where})",
        ),
        "import-dup-lead": (
            "与已有线索 {record}“{name}”重复（{where}）",
            "duplicates lead {record} {name!r} ({where})",
        ),
        "import-dup-file": (
            "与本文件第 {record} 行重复（{where}）",
            "duplicates line {record} of this file ({where})",
        ),
        "import-id-exists": (
            "编号“{value}”在工作表中已存在（{where}）",
            "ID {value!r} is already in the sheet ({where})",
        ),
        "import-text-too-long": (
            "文本超过 Excel 单元格上限（{limit} 个字符）",
            "Text is longer than an Excel cell holds ({limit} characters)",
        ),
        "phone-lost-digits": (
            "“{value}”是 Excel 截断成科学计数法的号码，已丢失位数，请从原始数据补全",
            "{value!r} is a number Excel cut to E-notation; digits are lost, take it from the "
            "original",
        ),
        "import-bad-encoding": (
            "不认识的编码“{encoding}”（可用 utf-8、utf-8-sig、gbk、gb18030）",
            "Unknown encoding {encoding!r} (use utf-8, utf-8-sig, gbk or gb18030)",
        ),
        "import-decode-failed": (
            "{path} 第 {line} 行无法按 {encoding} 解码；请换用 --encoding",
            "{path} line {line} cannot be decoded as {encoding}; try another --encoding",
        ),
        "import-undecodable": (
            "{path} 第 {line} 行既不是 UTF-8 也不是 GBK/GB18030，请用 --encoding 指定编码",
            "{path} line {line} is neither UTF-8 nor GBK/GB18030; name the encoding with "
            "--encoding",
        ),
        "import-csv-error": (
            "{path} 第 {line} 行不是有效的 CSV：{detail}",
            "{path} line {line} is not valid CSV: {detail}",
        ),
        "import-too-large": (
            "{path} 太大（{size} 字节），请拆分后导入",
            "{path} is too large ({size} bytes); split it first",
        ),
        "import-empty": ("{path} 中没有数据", "{path} holds no data"),
        "import-no-source-sheet": (
            "{path} 中没有工作表“{sheet}”（有：{sheets}）",
            "{path} has no sheet {sheet!r} (it has: {sheets})",
        ),
        "import-no-columns": (
            "{path} 的前10行中找不到能对应“{sheet}”的表头（应包含：{expected}）；可用 --map 指定",
            "No header in the first 10 rows of {path} matches the {sheet} sheet (expected: "
            "{expected}); name the columns with --map",
        ),
        "import-missing-required": (
            "{path} 缺少必填列：{columns}；可用 --map 对应到源文件的列，或在映射文件 [defaults] 中给出默认值",
            "{path} lacks required columns: {columns}; map them with --map or give a value in "
            "the mapping file's [defaults]",
        ),
        "import-map-bad": (
            "映射文件 {path} 有误：{detail}",
            "The mapping file {path} is not valid: {detail}",
        ),
        "import-map-unknown-column": (
            "映射文件 {path} 中的“{column}”不是“{sheet}”的列",
            "{column!r} in the mapping file {path} is not a column of {sheet}",
        ),
        "import-unknown-sheet": (
            "不认识的工作表“{sheet}”（可导入：{sheets}）",
            "Unknown sheet {sheet!r} (can import into: {sheets})",
        ),
        "import-sheet-not-allowed": (
            "不能向“{sheet}”导入数据",
            "Rows cannot be imported into {sheet!r}",
        ),
        "import-target-unreadable": (
            "{path} 的“{sheet}”找不到表头，未导入：请先运行 crmxl validate 查看",
            "The header of {sheet!r} in {path} cannot be found; nothing was imported (run "
            "crmxl validate)",
        ),
        "import-too-many-rows": (
            "{path} 的“{sheet}”放不下 {n} 行（超过 Excel 的 1048576 行），未写入",
            "{n} rows do not fit in {sheet!r} of {path} (Excel's limit is 1,048,576); nothing "
            "was written",
        ),
        "import-rejects-overwrites": (
            "拒绝文件 {path} 不能是源文件或目标工作簿",
            "The rejects file {path} cannot be the source or the target workbook",
        ),
    }
)
