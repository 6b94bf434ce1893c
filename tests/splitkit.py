"""Helpers for the split and merge tests: a sample master, reading every cell, editing a
split workbook the way a salesperson would (openpyxl), finding rows and columns by key."""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import openpyxl
from openpyxl.workbook.workbook import Workbook
from openpyxl.worksheet.worksheet import Worksheet

from crmxl.model.schema import match_column, match_sheet
from crmxl.splitmerge.manifest import MANIFEST_SHEET
from crmxl.splitmerge.split import split
from crmxl.starter.sample import SAMPLE_AS_OF
from crmxl.starter.templates import init_workbook

AS_OF = SAMPLE_AS_OF

_CACHE: dict[str, Path] = {}


def sample_master(folder: Path, cache: Path) -> Path:
    """A copy of the sample workbook (``init --sample``; built once per session in ``cache``)."""
    if "master" not in _CACHE:
        made = cache / "crm.xlsx"
        init_workbook(made, sample=True, as_of=AS_OF, overwrite=True)
        _CACHE["master"] = made
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / "crm.xlsx"
    shutil.copy(_CACHE["master"], target)
    return target


def split_for(master: Path, name: str = "李娜") -> Path:
    """``name``'s workbook split from ``master`` (into ``out`` beside the master's folder)."""
    result = split([master], master.parent.parent / "out", owners=[name], as_of=AS_OF)
    return result.files[0].path


def cells(path: Path, *, skip: tuple[str, ...] = ()) -> dict[tuple[str, str], Any]:
    """Every non-empty cell of every sheet (hidden ones too): (sheet, A1) -> value."""
    wb = openpyxl.load_workbook(path)
    out: dict[tuple[str, str], Any] = {}
    for ws in wb.worksheets:
        if ws.title in skip:
            continue
        for row in ws.iter_rows():
            for c in row:
                if c.value is not None and c.value != "":
                    out[(ws.title, c.coordinate)] = c.value
    return out


def diff(before: dict[Any, Any], after: dict[Any, Any]) -> dict[Any, tuple[Any, Any]]:
    """Cells whose value differs: key -> (before, after)."""
    keys = set(before) | set(after)
    return {k: (before.get(k), after.get(k)) for k in keys if before.get(k) != after.get(k)}


def edit(path: Path, change: Callable[[Workbook], None]) -> Path:
    """Open ``path`` in openpyxl, let ``change`` edit it, save it in place."""
    wb = openpyxl.load_workbook(path)
    change(wb)
    wb.save(path)
    return path


def column(ws: Worksheet, key: str) -> int:
    """The 1-based column of ``key`` on a standard sheet (row 1 is the header)."""
    spec = match_sheet(ws.title)
    assert spec is not None, ws.title
    for c in ws[1]:
        col = match_column(spec, c.value)
        if col is not None and col.key == key:
            return c.column
    raise AssertionError(f"no column {key} in {ws.title}")


def rows(ws: Worksheet) -> Iterator[int]:
    """The data rows of a sheet (every row below the header with a value)."""
    for r in range(2, ws.max_row + 1):
        if any(ws.cell(r, c).value not in (None, "") for c in range(1, ws.max_column + 1)):
            yield r


def row_where(ws: Worksheet, key: str, value: Any) -> int:
    """The first data row whose ``key`` column holds ``value``."""
    c = column(ws, key)
    for r in rows(ws):
        if ws.cell(r, c).value == value:
            return r
    raise AssertionError(f"no {key}={value!r} in {ws.title}")


def get(ws: Worksheet, row: int, key: str) -> Any:
    return ws.cell(row, column(ws, key)).value


def put(ws: Worksheet, row: int, key: str, value: Any) -> None:
    ws.cell(row, column(ws, key)).value = value


def data_sheets(path: Path) -> list[str]:
    """Every sheet of a workbook but the manifest."""
    wb = openpyxl.load_workbook(path, read_only=True)
    return [name for name in wb.sheetnames if name != MANIFEST_SHEET]
