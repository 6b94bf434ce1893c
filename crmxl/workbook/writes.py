"""What a :class:`~crmxl.workbook.WorkbookWriter` is asked to write, collected and checked as it is
asked: cell values (one, a row's, or a column at a time), highlights, comments, header rows, new
sheets. Nothing touches the file until :meth:`~crmxl.workbook.WorkbookWriter.save`
(:mod:`crmxl.workbook.patch`)."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from operator import attrgetter
from pathlib import Path

from crmxl.errors import UsageError
from crmxl.i18n import register
from crmxl.workbook import parts
from crmxl.workbook.cellxml import MAX_COL, MAX_ROW, CellValue, encode_value
from crmxl.workbook.guard import GuardReport, check_workbook
from crmxl.workbook.package import Package
from crmxl.workbook.save import (
    Fingerprint,
    fingerprint,
)
from crmxl.workbook.sheetxml import (
    COL_BITS,
    KEEP,
    CellPatch,
    patch_key,
)


@dataclass
class _NewSheet:
    name: str
    rows: list[list[CellValue]]
    widths: list[float] | None
    bold_header: bool
    freeze_header: bool
    part: str = ""
    rel_id: str = ""
    sheet_id: int = 0


_HEX = frozenset("0123456789ABCDEF")


def _argb(color: str) -> str:
    """``#ffc7ce``, ``FFC7CE`` or ``FFFFC7CE`` -> ``FFFFC7CE`` (opaque when no alpha is given)."""
    text = color.strip().lstrip("#").upper()
    if len(text) == 6:
        text = "FF" + text
    if len(text) != 8 or not set(text) <= _HEX:
        raise ValueError(f"{color!r} is not a colour (RRGGBB or AARRGGBB hex)")
    return text


def _check_coords(row: int, col: int) -> None:
    if not (1 <= row <= MAX_ROW and 1 <= col <= MAX_COL):
        raise ValueError(f"cell ({row}, {col}) is outside the sheet")


def _fingerprint(path: Path) -> Fingerprint:
    try:
        return fingerprint(path)
    except OSError:
        check_workbook(path)  # says what is wrong (missing, a folder, no permission)
        raise


# Values whose validity set_cell can see from their type alone (and a length or finiteness).
_PLAIN = frozenset(
    [type(None), str, int, float, bool, dt.date, dt.datetime]
)  # measured: see benchmarks/bench_patch.py

#: Highlight colours (ARGB): Excel's own "Bad" (light red) and "Neutral" (light yellow) fills.
ERROR_FILL = "FFFFC7CE"

WARNING_FILL = "FFFFEB9C"

_YEAR = attrgetter("year")


class CellWrites:
    """The writes asked of one workbook, and the workbook's structure they are checked against."""

    def __init__(
        self, path: Path, fingerprint: Fingerprint | None = None, guard: GuardReport | None = None
    ) -> None:
        """``fingerprint`` and ``guard``: what the caller saw when it read the file (taken in
        that order: the save refuses a file whose bytes differ from the fingerprint, so the
        guard's verdict still holds for them). Without them the file is checked here."""
        self.path = Path(path)
        self.fingerprint = fingerprint if fingerprint is not None else _fingerprint(self.path)
        if guard is None or fingerprint is None:
            guard = check_workbook(self.path)
        self._extents = guard.extents
        with Package(self.path) as pkg:
            self._sheets = {s.name: s for s in pkg.sheets}
            self._names = set(pkg.names)
            self.date1904 = pkg.date1904
            self.strict = pkg.strict
            self.workbook_part = pkg.workbook_part
            self.workbook_rels_part = pkg.workbook_rels_part
            self.styles_part = pkg.styles_part
        self._patches: dict[str, dict[int, object]] = {}
        self._probes: dict[str, set[int]] = {}
        self._header_rows: dict[str, int] = {}
        self._new_sheets: dict[str, _NewSheet] = {}
        self._formula_cells: list[tuple[str, int, int]] = []
        self._bboxes: dict[str, tuple[int, int, int, int] | None] = {}
        self._saved_in_place = False
        self._writable: dict[str, dict[int, object]] = {}  # the name a caller used -> patches
        self._highlighted = False
        self._comments: dict[str, dict[tuple[int, int], tuple[str, str]]] = {}
        self._column_formats: dict[str, dict[int, str]] = {}
        self._in_process = False  # True: deflate and check every part in this process

    def _sheet_key(self, sheet: str) -> str:
        if sheet in self._sheets or sheet in self._new_sheets:
            return sheet
        folded = sheet.casefold()
        for name in [*self._sheets, *self._new_sheets]:
            if name.casefold() == folded:
                return name
        raise UsageError("write-unknown-sheet", path=self.path, sheet=sheet)

    def set_cell(
        self,
        sheet: str,
        row: int,
        col: int,
        value: CellValue,
        *,
        style_like: tuple[int, int] | None = None,
        number_format: str | None = None,
    ) -> None:
        """Write ``value`` at (``row``, ``col``) (1-based) of ``sheet`` when saving.

        ``None`` clears the value and keeps the cell and its style. ``style_like`` gives the
        cell the style of another cell of the sheet, at or above this row (a new header cell
        styled like the one to its left). ``number_format`` (``"yyyy-mm-dd"``, ``"#,##0"``) is
        the format the value needs; the cell gets a style with it if its own lacks it.
        """
        patches = self._writable.get(sheet)
        if patches is None:
            patches = self._sheet_patches(sheet)
        if not (0 < row <= MAX_ROW and 0 < col <= MAX_COL):
            raise ValueError(f"cell ({row}, {col}) is outside the sheet")
        kind = type(value)
        if (kind is str and len(value) > 8191) or kind not in _PLAIN:  # type: ignore[arg-type]
            encode_value(value, self.date1904)  # refuse what a cell cannot hold, now
        elif kind is float and not math.isfinite(value):  # type: ignore[arg-type]
            raise ValueError(f"cannot write {value!r} to a cell")
        elif (kind is dt.date or kind is dt.datetime) and value.year < 1905:  # type: ignore[union-attr]
            encode_value(value, self.date1904)  # before the epoch?
        key = patch_key(row, col)
        if style_like is not None:
            _check_coords(*style_like)
            if style_like[0] > row:
                raise ValueError("style_like must name a cell at or above the written cell")
            self._probes.setdefault(self._sheet_key(sheet), set()).add(patch_key(*style_like))
        if self._highlighted:  # a highlight of this cell stays
            old = patches.get(key)
            if type(old) is CellPatch and old.fill is not None:
                patches[key] = CellPatch(value, style_like, number_format, old.fill)
                return
        if style_like is None and number_format is None:
            patches[key] = value
        else:
            patches[key] = CellPatch(value, style_like, number_format)

    def set_cells(
        self,
        sheet: str,
        col: int,
        cells: Iterable[tuple[int, CellValue]],
        *,
        number_format: str | None = None,
    ) -> int:
        """:meth:`set_cell` for many rows of one column: ``(row, value)`` pairs, one format.
        Returns how many cells were set (see :meth:`set_column`)."""
        pairs = list(cells)
        rows = [row for row, _ in pairs]
        values = [value for _, value in pairs]
        return self.set_column(sheet, col, rows, values, number_format=number_format)

    def set_column(
        self,
        sheet: str,
        col: int,
        rows: Sequence[int],
        values: Sequence[CellValue],
        *,
        number_format: str | None = None,
    ) -> int:
        """:meth:`set_cell` for ``rows`` of one column, with ``values`` (as many), one format.

        What a computed column needs, without a call and a record per cell: the format is
        remembered once for the column, and the checks :meth:`set_cell` makes of each value
        are made by type, a column at a time (a million cells in ~0.2 s). Returns how many
        cells were set.
        """
        if len(rows) != len(values):
            raise ValueError(f"{len(rows)} rows but {len(values)} values")
        name = self._sheet_key(sheet)
        formats = self._column_formats.setdefault(name, {})
        if (number_format is not None and formats.get(col, number_format) != number_format) or (
            self._highlighted
        ):  # a second format for this column, or highlights to keep: cell by cell
            for row, value in zip(rows, values, strict=True):
                self.set_cell(sheet, row, col, value, number_format=number_format)
            return len(rows)
        if number_format is not None:
            formats[col] = number_format
        patches = self._writable.get(sheet)
        if patches is None:
            patches = self._sheet_patches(sheet)
        if not 0 < col <= MAX_COL:
            raise ValueError(f"column {col} is outside the sheet")
        if not rows:
            return 0
        if not (min(rows) > 0 and max(rows) <= MAX_ROW):
            row = next(r for r in rows if not 0 < r <= MAX_ROW)
            raise ValueError(f"cell ({row}, {col}) is outside the sheet")
        self._check_values(values)
        c1 = col - 1
        patches.update(zip([row << COL_BITS | c1 for row in rows], values, strict=True))
        return len(rows)

    def _check_values(self, values: Sequence[CellValue]) -> None:
        """Refuse what a cell cannot hold (as :meth:`set_cell` does), a type at a time."""
        kinds = set(map(type, values))
        if not kinds <= _PLAIN:
            for value in values:  # encode_value says what is wrong
                if type(value) not in _PLAIN:
                    encode_value(value, self.date1904)
        if str in kinds:
            texts = [v for v in values if type(v) is str]
            if max(map(len, texts)) > 8191:
                encode_value(next(v for v in texts if len(v) > 8191), self.date1904)
        if float in kinds:
            floats = [v for v in values if type(v) is float]
            if not all(map(math.isfinite, floats)):
                bad = next(v for v in floats if not math.isfinite(v))
                raise ValueError(f"cannot write {bad!r} to a cell")
        for kind in (dt.date, dt.datetime):
            if kind in kinds:
                dates = [v for v in values if type(v) is kind]
                if min(map(_YEAR, dates)) < 1905:  # before the epoch?
                    encode_value(next(v for v in dates if _YEAR(v) < 1905), self.date1904)

    def highlight(self, sheet: str, row: int, col: int, color: str = ERROR_FILL) -> None:
        """Give cell (``row``, ``col``) of ``sheet`` a solid fill of ``color`` when saving.

        The cell keeps its value (formulas too) and its look, but for the fill: it gets a
        derived style, its own with the fill. A cell that does not exist becomes an empty
        one, styled as a new cell would be. ``color``: ``RRGGBB`` or ``AARRGGBB`` hex, with or
        without ``#`` (:data:`ERROR_FILL`, :data:`WARNING_FILL`).
        """
        patches = self._writable.get(sheet)
        if patches is None:
            patches = self._sheet_patches(sheet)
        _check_coords(row, col)
        argb = _argb(color)
        key = patch_key(row, col)
        old = patches.get(key)
        if old is None:
            patches[key] = CellPatch(KEEP, fill=argb)
        elif type(old) is CellPatch:
            old.fill = argb
        else:
            patches[key] = CellPatch(old, fill=argb)
        self._highlighted = True

    def add_comment(self, sheet: str, row: int, col: int, text: str, author: str = "crmxl") -> None:
        """Put a comment with ``text`` on cell (``row``, ``col``) of ``sheet`` when saving.

        A legacy comment (a note), the kind every client shows. A cell that has a comment
        already keeps it, and ``text`` is appended to it; a second call for the same cell adds
        a line. The sheet's other comments, and its drawing, stay as they are.
        """
        name = self._sheet_key(sheet)
        if name in self._new_sheets:
            raise ValueError("comments on a sheet added by this writer are not supported")
        if self._sheets[name].kind != "worksheet":
            raise UsageError("write-not-worksheet", path=self.path, sheet=name)
        _check_coords(row, col)
        if not isinstance(text, str) or not text:
            raise ValueError("a comment needs some text")
        if not isinstance(author, str) or not author:
            raise ValueError("a comment needs an author")
        notes = self._comments.setdefault(name, {})
        if (row, col) in notes:
            first_author, earlier = notes[(row, col)]
            notes[(row, col)] = (first_author, earlier + "\n" + text)
        else:
            notes[(row, col)] = (author, text)

    def _sheet_patches(self, sheet: str) -> dict[int, object]:
        """The patches of ``sheet`` (found case-insensitively), remembered under the name the
        caller used; refuses a sheet that does not exist or holds no cells."""
        name = self._sheet_key(sheet)
        if name in self._sheets and self._sheets[name].kind != "worksheet":
            raise UsageError("write-not-worksheet", path=self.path, sheet=name)
        patches = self._patches.setdefault(name, {})
        self._writable[sheet] = patches
        return patches

    def set_header_row(self, sheet: str, row: int) -> None:
        """Tell the writer where ``sheet``'s header is: new cells below it never take their
        style from a cell at or above it (a header's bold fill should not spread into data)."""
        self._header_rows[self._sheet_key(sheet)] = row

    def add_sheet(
        self,
        name: str,
        rows: list[list[CellValue]],
        *,
        widths: list[float] | None = None,
        bold_header: bool = True,
        freeze_header: bool = True,
    ) -> None:
        """Append a new worksheet (the last tab) holding ``rows``; its first row is the header."""
        parts.check_sheet_name(name, [*self._sheets, *self._new_sheets])
        for row in rows:
            for value in row:
                encode_value(value, self.date1904)
        self._new_sheets[name] = _NewSheet(
            name, [list(r) for r in rows], widths, bold_header, freeze_header
        )

    def formula_cells(self) -> list[tuple[str, int, int]]:
        """After :meth:`save` or :meth:`plan`: (sheet, row, col) of the cells not written
        because they hold a formula (or lie in an array formula's range)."""
        return list(self._formula_cells)

    @property
    def pending(self) -> bool:
        """Is there anything to write?"""
        return any(self._patches.values()) or bool(self._new_sheets) or bool(self._comments)


register(
    {
        "write-unknown-sheet": (
            "{path} 中没有名为「{sheet}」的工作表",
            "{path} has no sheet named '{sheet}'",
        ),
        "write-not-worksheet": (
            "{path} 的「{sheet}」不是普通工作表（可能是图表页），无法写入单元格",
            "'{sheet}' in {path} is not a worksheet (perhaps a chart sheet); cells cannot be "
            "written there",
        ),
    }
)
