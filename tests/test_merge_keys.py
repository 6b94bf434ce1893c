"""Merge when the salesperson broke the hidden row key (issue 15.8).

Each exported row carries its token in the hidden column ``crmxl-row``. A salesperson may delete
that column, empty it, shuffle it (sort it on its own, paste it back in another order) or copy
it. Merge then matches such rows by their ID or natural key (客户编号 and the sheet's key
fields), says so, applies their edits, never appends a row that exists (a customer least of
all), and never writes and then fails.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import openpyxl
import pytest
from libreoffice import convert
from openpyxl.worksheet.worksheet import Worksheet
from splitkit import cells, diff, edit, put, rows, split_for

from crmxl.commands.merge import merge
from crmxl.model.schema import SHEETS_BY_KEY
from crmxl.splitmerge.manifest import TOKEN_HEADER

LOG = "变更日志"
#: Per sheet, an open text column the salesperson may edit.
EDITED = {
    "customers": "notes",
    "contacts": "title",
    "follow_ups": "next_action",
    "transactions": "payment_terms",
    "needs": "solution",
    "issues": "outcome",
    "leads": "source_detail",
}
NOTE = "已核对（测试）"


def token_column(ws: Worksheet) -> int:
    return next(c.column for c in ws[1] if c.value == TOKEN_HEADER)


def deleted(ws: Worksheet) -> None:
    ws.delete_cols(token_column(ws))


def emptied(ws: Worksheet) -> None:
    col = token_column(ws)
    for r in range(2, ws.max_row + 1):
        ws.cell(r, col).value = None


def shuffled(ws: Worksheet) -> None:
    """The token column sorted on its own: its values reversed against the rows."""
    col = token_column(ws)
    data = list(rows(ws))
    values = [ws.cell(r, col).value for r in data]
    for r, v in zip(data, reversed(values), strict=True):
        ws.cell(r, col).value = v


def duplicated(ws: Worksheet) -> None:
    """A copy of the token column pasted at the right."""
    col = token_column(ws)
    copy = ws.max_column + 1
    for r in range(1, ws.max_row + 1):
        ws.cell(r, copy).value = ws.cell(r, col).value


KINDS: dict[str, Callable[[Worksheet], None]] = {
    "deleted": deleted,
    "emptied": emptied,
    "shuffled": shuffled,
    "duplicated": duplicated,
}


@pytest.mark.parametrize("kind", list(KINDS))
def test_rows_that_lost_their_key_are_matched_by_their_own(master: Path, kind: str) -> None:
    """On every sheet at once: one edit each, and the key column broken the same way."""
    returned = split_for(master)
    counts: dict[str, int] = {}

    def change(wb: openpyxl.Workbook) -> None:
        for key, column in EDITED.items():
            ws = wb[SHEETS_BY_KEY[key].zh]
            data = list(rows(ws))
            counts[ws.title] = len(data)
            put(ws, data[0], column, NOTE)
            KINDS[kind](ws)

    edit(returned, change)
    result = merge([master], [returned], dry_run=True)
    report = result.files[0]
    assert report.added == [] and report.conflicts == [] and report.rejected == []
    assert sorted(c.sheet for c in report.applied) == sorted(counts)
    assert all(c.new == NOTE for c in report.applied)
    for name, n in counts.items():
        matched = report.by_key.get(name, 0)
        if kind in ("deleted", "emptied"):
            assert matched == n, name  # every row, by its key
        elif kind == "shuffled":
            assert n - 1 <= matched <= n, name  # (a row in the middle keeps its own token)
        else:
            assert matched == 0, name  # the first copy of the column is read
    assert result.clean


def test_the_key_deleted_everywhere_writes_only_the_edits(master: Path) -> None:
    """The issue's case: without its fix, 165 rows were appended again and merge exited 1."""
    returned = split_for(master)
    before = cells(master)

    def change(wb: openpyxl.Workbook) -> None:
        for key, column in EDITED.items():
            ws = wb[SHEETS_BY_KEY[key].zh]
            put(ws, next(rows(ws)), column, NOTE)
            deleted(ws)

    edit(returned, change)
    result = merge([master], [returned])
    report = result.files[0]
    assert result.clean and report.added == []
    assert len(report.applied) == len(EDITED)
    changed = {k: v for k, v in diff(before, cells(master)).items() if k[0] != LOG}
    assert sorted(v for _, v in changed.values()) == [NOTE] * len(EDITED)
    again = merge([master], [returned])  # a second merge of the same file changes nothing
    assert again.files[0].applied == [] and again.files[0].added == [] and again.clean
    assert len(convert([master], "csv", master.parent / "lo")) == 1  # LibreOffice opens it


def test_a_new_row_is_still_new_without_the_key_column(master: Path) -> None:
    returned = split_for(master)

    def change(wb: openpyxl.Workbook) -> None:
        ws = wb["跟进记录"]
        first = next(rows(ws))
        customer = ws.cell(first, 2).value
        new = ws.max_row + 1
        for c in range(1, ws.max_column + 1):
            ws.cell(new, c).value = ws.cell(first, c).value
        ws.cell(new, 1).value = None  # a new record: no 记录编号 yet
        put(ws, new, "summary", "新的一次回访")
        assert ws.cell(new, 2).value == customer
        deleted(ws)

    edit(returned, change)
    result = merge([master], [returned], dry_run=True)
    report = result.files[0]
    assert [(n.sheet, n.new_id) for n in report.added] == [("跟进记录", True)]
    assert report.rejected == [] and result.clean
