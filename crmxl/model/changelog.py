"""Appending rows to 变更日志 (SPEC 1.10), for every command that writes.

The changelog is append-only: rows go after the sheet's last row, through the same
:class:`~crmxl.workbook.WorkbookWriter` as the command's other cells, so they are saved in the
same atomic write. A workspace without a 变更日志 sheet gets one (in the workbook's language) in
the file that holds 客户档案. Every command that writes (``refresh``, ``import``, ``assign``,
``split``, ``merge``) appends through :func:`append_changelog`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from pathlib import Path

from crmxl.model.schema import CHANGELOG
from crmxl.model.workspace import Workspace
from crmxl.workbook import CellValue, Text, WorkbookWriter

#: Number format of the 时间 column.
TIME_FORMAT = "yyyy-mm-dd hh:mm:ss"


class Writers:
    """One :class:`WorkbookWriter` per file of a workspace, made on first use.

    A command collects all its cell writes (and its changelog rows) here, then saves each file
    once: what it changes lands in one atomic write per file, or not at all.
    """

    def __init__(self, ws: Workspace) -> None:
        self.ws = ws
        self.by_path: dict[Path, WorkbookWriter] = {}

    def __call__(self, path: Path) -> WorkbookWriter:
        if path not in self.by_path:
            self.by_path[path] = WorkbookWriter(
                path, self.ws.fingerprints.get(path), self.ws.guards.get(path)
            )
        return self.by_path[path]

    def pending(self) -> list[WorkbookWriter]:
        """The writers that have something to write, in the order they were made."""
        return [w for w in self.by_path.values() if w.pending]


def changelog_row(
    when: datetime,
    command: str,
    sheet: str,
    record: str,
    field: str,
    old: object,
    new: object,
    reason: str,
) -> list[CellValue]:
    """One 变更日志 row in column order (时间, 命令, 工作表, 记录, 字段, 原值, 新值, 原因).

    Every text is :class:`Text`: it may carry a customer's data, which must never become a
    formula.
    """
    return [
        when.replace(microsecond=0),
        Text(command),
        Text(sheet),
        Text(record),
        Text(field),
        _text(old),
        _text(new),
        Text(reason),
    ]


def _text(value: object) -> CellValue:
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.replace(microsecond=0)
    return Text(str(value))


def append_changelog(
    writer_for: Callable[[Path], WorkbookWriter], ws: Workspace, rows: Sequence[list[CellValue]]
) -> None:
    """Append ``rows`` (see :func:`changelog_row`) to the workspace's 变更日志.

    The sheet is added when the workspace has none. New rows are styled like the last row of
    the sheet (when it has one). ``ws.tables["changelog"].last_row`` moves on, so a second call
    appends after the first.
    """
    if not rows:
        return
    table = ws.tables.get("changelog")
    if table is None:
        lang = ws.lang
        header: list[CellValue] = [c.name(lang) for c in CHANGELOG.columns]
        writer_for(ws.primary_file).add_sheet(
            CHANGELOG.name(lang),
            [header, *[list(r) for r in rows]],
            widths=[c.width for c in CHANGELOG.columns],
        )
        return
    writer = writer_for(table.file)
    writer.set_header_row(table.sheet_name, table.header_row)
    model = table.last_row if table.last_row > table.header_row else None
    keys = [c.key for c in CHANGELOG.columns]
    for i, row in enumerate(rows, start=1):
        excel_row = table.last_row + i
        for key, value in zip(keys, row, strict=True):
            if key not in table.columns:
                continue
            col = table.columns[key]
            writer.set_cell(
                table.sheet_name,
                excel_row,
                col,
                value,
                style_like=(model, col) if model is not None else None,
                number_format=TIME_FORMAT if key == "time" else None,
            )
    table.last_row += len(rows)
