"""Writing imported rows: IDs generated in the sheet's own style, typed cells in the workbook's
language (never a formula), the 变更日志 row, and the rejected rows as a CSV."""

from __future__ import annotations

import csv
import re
from collections.abc import Iterator, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

import pandas as pd

from crmxl.errors import WriteRefusedError
from crmxl.i18n import pick, register, t
from crmxl.importing.dedupe import KeyValues
from crmxl.importing.map import REJECT_COLUMNS, Mapped, Mapping
from crmxl.importing.read import FORMULA_START, Source, clean_cell
from crmxl.importing.result import ImportResult, Rejected, RowRef
from crmxl.importing.target import PlannedRow, Target
from crmxl.model import values
from crmxl.model.changelog import Writers, changelog_row
from crmxl.model.frames import typed
from crmxl.model.schema import (
    ENUMS,
    ColType,
    Column,
    SheetSpec,
    YesNo,
)
from crmxl.model.workspace import Table, Workspace
from crmxl.workbook import CellValue, Text
from crmxl.workbook.cellxml import MAX_ROW
from crmxl.workbook.fileops import replace_file

#: IDs made for a sheet whose ID column is still empty: (prefix, digits).
DEFAULT_ID_STYLE: dict[str, tuple[str, int]] = {
    "customers": ("C", 4),
    "leads": ("XS", 4),
    "follow_ups": ("GJ", 5),
    "transactions": ("HT", 4),
    "needs": ("XQ", 4),
    "issues": ("WT", 4),
}

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
        yes, no = (v.label(lang) for v in YesNo)

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


def ids_in_sheet(target: Target, settings: Any) -> list[str]:
    table = target.table
    id_key = target.spec.id_column
    if table is None or id_key is None or not table.has(id_key):
        return []
    ids = typed(table, settings, [id_key]).frame[id_key]
    return [str(v) for v in ids.tolist() if isinstance(v, str) and v]


def assign_ids(
    spec: SheetSpec,
    target: Target,
    keyed: KeyValues,
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


def _numeric_ids(target: Target) -> bool:
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


def extra_header(target: Target, col: int | None) -> str:
    if target.table is None or col is None:
        return ""
    return target.table.extra.get(col, "")


def cell_rows(
    source: Source,
    table: Table,
    frame: pd.DataFrame,
    kept: list[int],
    ids: dict[int, str],
    extras: list[Mapped],
    target: Target,
    lang: str,
    result: ImportResult,
) -> list[PlannedRow]:
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
            raw = clean_cell(raw, None, source.kind == "csv")
            vals.append(Text(raw.strip()) if isinstance(raw, str) and raw.strip() else None)
            if isinstance(raw, str) and raw.startswith(FORMULA_START):
                result.formula_like.append((line, m.header))
        extra_values[m.extra] = vals
    result.formula_like.sort()
    out: list[PlannedRow] = []
    for i, line in enumerate(kept):
        cells: dict[int, CellValue] = {}
        for key, vals in columns.items():
            if vals[i] is not None:
                cells[target.columns[key]] = vals[i]
        for col_no, vals in extra_values.items():
            if vals[i] is not None:
                cells[col_no] = vals[i]
        out.append(PlannedRow(line, cells, ids.get(line, "")))
    return out


def _next_column(target: Target) -> int:
    used = list(target.columns.values())
    if target.table is not None:
        used += list(target.table.extra)
    return max(used, default=0) + 1


_FORMATS = {
    ColType.DATE: "yyyy-mm-dd",
    ColType.DATETIME: "yyyy-mm-dd hh:mm",
    ColType.AMOUNT: "#,##0",
}


def write_rows(
    writers: Writers, ws: Workspace, target: Target, rows: list[PlannedRow], result: ImportResult
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


def changelog_rows(
    stamp: datetime, source: Source, target: Target, result: ImportResult
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
    tmp = path.with_name(f".{path.name}.crmxl-tmp")  # in place whole, or not at all
    try:
        with tmp.open("w", encoding=encoding, newline="", errors="replace") as fh:
            writer = csv.writer(fh, lineterminator="\r\n", delimiter=source.delimiter or ",")
            writer.writerow([_safe(c) for c in _pad(header_cells, width)] + names)
            for r in rejected:
                writer.writerow(
                    [_safe(c) for c in _pad(r.cells, width)] + [r.line, _safe(r.reason(lang))]
                )
        replace_file(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def _pad(cells: list[str | None], width: int) -> list[str | None]:
    return list(cells) + [None] * (width - len(cells))


def _safe(cell: str | None) -> str:
    if cell is None:
        return ""
    return "'" + cell if cell.startswith(FORMULA_START[:4]) else cell


register(
    {
        "import-changelog": (
            "从 {source} 导入 {n} 行（第 {first}–{last} 行），拒绝 {rejected} 行",
            "Imported {n:~row|rows} from {source} (rows {first}–{last}); {rejected} rejected",
        ),
        "import-too-many-rows": (
            "{path} 的“{sheet}”放不下 {n} 行（超过 Excel 的 1048576 行），未写入",
            "{n:~row|rows} {n:?does|do} not fit in {sheet!r} of {path} (Excel's limit is 1,048,576); "
            "nothing was written",
        ),
    }
)
