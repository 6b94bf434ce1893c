"""Patching one worksheet's XML, the row-by-row part: the types the patcher works with (a
patch, the options, the result), the state of one pass over a sheet (:class:`RowPatcher`), and
rebuilding one row: locating its cells, keeping or writing each, choosing a new cell's style.

:class:`~crmxl.workbook.sheetxml.SheetPatcher` streams the sheet; see :mod:`crmxl.workbook.sheetxml`.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field

from crmxl.a1 import column_index, column_letter
from crmxl.workbook.byparts import ROWS, Ledger
from crmxl.workbook.cellxml import (
    MAX_COL,
    EncodedValue,
    cell_xml,
    encode_value,
)
from crmxl.workbook.styles import (
    DEFAULT_DATE_FORMAT,
    DEFAULT_DATETIME_FORMAT,
    StyleBook,
    get_attr,
    set_attr,
)

CHUNK = 1 << 20

BULK_MIN = 1 << 15  # the bulk path (SheetPatcher._bulk_append) is tried on this many bytes or more

_EMPTY = encode_value(None)

COL_BITS = 14  # a patch key is row << COL_BITS | (col - 1); MAX_COL == 1 << COL_BITS

assert 1 << COL_BITS == MAX_COL


class SheetXmlError(Exception):
    """The sheet's XML is of a shape the patcher will not touch (the message says which)."""


class _NoPatch:
    """No patch for this cell (in a bulk run's column of values)."""

    __slots__ = ()


_NO = _NoPatch()


class _Keep:
    """The value of a patch that only restyles a cell."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "KEEP"


#: A patch value meaning "keep the cell's value" (a highlight changes only the style).
KEEP: object = _Keep()


@dataclass(slots=True)
class CellPatch:
    """A value with options; a bare value stands for ``CellPatch(value)``.

    ``fill`` (an ARGB colour) gives the cell a solid fill on top of whatever style it ends up
    with; with ``value`` :data:`KEEP` that is all that changes.
    """

    value: object
    style_like: tuple[int, int] | None = None
    number_format: str | None = None
    fill: str | None = None


@dataclass
class SheetOptions:
    """What the patcher needs to know beyond the sheet's own bytes."""

    styles: StyleBook
    date1904: bool = False
    header_row: int = 0  # new cells never borrow the style of a cell at or above this row
    style_models: dict[tuple[int, int], int | None] = field(default_factory=dict)
    # The number format a column's bare values need (set by WorkbookWriter.set_cells).
    column_formats: dict[int, str] = field(default_factory=dict)
    # Rewrites what follows </sheetData> (tail, root start tag, namespace prefix) -> new tail.
    tail_edit: Callable[[bytes, bytes, bytes], bytes] | None = None


@dataclass
class SheetResult:
    """What one pass did."""

    written: int = 0
    skipped: list[tuple[int, int]] = field(default_factory=list)
    rows_rebuilt: int = 0
    styled: int = 0  # cells restyled only (highlights)
    tail_edited: bool = False
    rows_bulk: int = 0  # rows passed through the bulk path (patched or not)


def patch_key(row: int, col: int) -> int:
    return row << COL_BITS | (col - 1)


RowPatches = tuple[int, list[tuple[int, object]], list[int]]


class RowQueue:
    """Patches (by :func:`patch_key`) and probes (cells whose style is wanted as a model),
    grouped by row: iterating gives ``(row, [(col, patch), ...], [probe col, ...])`` in row
    order, columns in order.

    The rows are sorted once; a row's cells are looked up by column when it comes up, so a
    million-row column costs a set and a sort, not a sort of every cell. With many columns
    (over :attr:`WIDE` of them) the cells are grouped in one sorted pass instead.
    """

    WIDE = 64

    def __init__(self, patches: dict[int, object], probes: Iterable[int] = ()) -> None:
        mask = MAX_COL - 1
        self.patches = patches
        self.probe_set = set(probes)
        self.cols = sorted({(k & mask) + 1 for k in patches})
        rows = {k >> COL_BITS for k in patches}
        self.probe_rows = sorted({k >> COL_BITS for k in self.probe_set})
        self.probe_cols = sorted({(k & mask) + 1 for k in self.probe_set})
        self.rows = sorted(rows.union(self.probe_rows))
        self.pos = 0  # index in rows of the next row to give
        self.by_row: dict[int, list[tuple[int, object]]] | None = None
        if len(self.cols) > self.WIDE:
            self.by_row = {}
            for key in sorted(patches):
                self.by_row.setdefault(key >> COL_BITS, []).append(((key & mask) + 1, patches[key]))

    def __iter__(self) -> RowQueue:
        return self

    def __next__(self) -> RowPatches:
        if self.pos >= len(self.rows):
            raise StopIteration
        row = self.rows[self.pos]
        self.pos += 1
        base = row << COL_BITS
        if self.by_row is not None:
            cells = self.by_row.get(row, [])
        else:
            patches = self.patches
            cells = [(c, patches[k]) for c in self.cols if (k := base | (c - 1)) in patches]
        probes: list[int] = []
        if self.probe_set:
            probes = [c for c in self.probe_cols if base | (c - 1) in self.probe_set]
        return row, cells, probes


def group_rows(patches: dict[int, object], probes: Iterable[int] = ()) -> RowQueue:
    """The patches and probes of one sheet, grouped by row (see :class:`RowQueue`)."""
    return RowQueue(patches, probes)


_ROOT = re.compile(rb"<([A-Za-z_][\w.-]*:)?worksheet[\s/>]")

_ENCODING = re.compile(rb"""^\s*<\?xml[^>]*\sencoding\s*=\s*["']([^"']+)["']""")

_UTF8 = {b"utf-8", b"utf8"}

_R_ATTR = re.compile(rb"""\sr\s*=\s*["'](\d+)["']""")

_S_ATTR = re.compile(rb"""\ss\s*=\s*["'](\d+)["']""")

_DROP_ON_WRITE = re.compile(rb"""\s(?:r|s|t|cm|vm)\s*=\s*(?:"[^"]*"|'[^']*')""")

_COLUMNS: dict[bytes, int] = {}


def _column(letters: bytes) -> int:
    col = _COLUMNS[letters] = column_index(letters)
    return col


_LETTER_BYTES: dict[int, bytes] = {}

_REF_LETTERS = re.compile(rb"[A-Z]{1,3}(?=\d)")


def _letters(col: int) -> bytes:
    letters = _LETTER_BYTES.get(col)
    if letters is None:
        letters = _LETTER_BYTES[col] = column_letter(col).encode("ascii")
    return letters


_SPANS = re.compile(rb"""\sspans\s*=\s*(?:"([^"]*)"|'([^']*)')""")


def _letters_from(col: int) -> str:
    """A regular expression for the column letters of ``col`` and every column after it."""
    letters = column_letter(col)
    n = len(letters)
    alternatives = [f"[A-Z]{{{n + 1},3}}"] if n < 3 else []
    for i, ch in enumerate(letters):
        if i == n - 1:
            alternatives.append(f"{letters[:i]}[{ch}-Z]")
        elif ch < "Z":
            alternatives.append(f"{letters[:i]}[{chr(ord(ch) + 1)}-Z][A-Z]{{{n - i - 1}}}")
    return "(?:" + "|".join(alternatives) + ")"


def _cell_in_or_after(prefix: bytes, col: int) -> re.Pattern[bytes]:
    """Finds a cell whose reference is in column ``col`` or after it."""
    after = _letters_from(col).encode("ascii")
    return re.compile(b"<" + re.escape(prefix) + b'c r="' + after + rb"\d")


def _letters_before(col: int) -> str | None:
    """A regular expression for the column letters of every column before ``col`` (None for
    column A: there are none)."""
    letters = column_letter(col)
    n = len(letters)
    alternatives = [f"[A-Z]{{1,{n - 1}}}"] if n > 1 else []
    for i, ch in enumerate(letters):
        if ch > "A":
            rest = n - i - 1
            tail = f"[A-Z]{{{rest}}}" if rest else ""
            alternatives.append(f"{letters[:i]}[A-{chr(ord(ch) - 1)}]{tail}")
    return "(?:" + "|".join(alternatives) + ")" if alternatives else None


def _cell_odd(prefix: bytes, col: int) -> re.Pattern[bytes]:
    """Finds a cell that does not start ``<c r="`` with a column before ``col``: one without
    ``r=`` first, or one in ``col`` or after it. (One search, as fast as either alone.)"""
    before = _letters_before(col)
    if before is None:
        return re.compile(b"<" + re.escape(prefix) + rb"c[\s/>]")
    return re.compile(
        b"<" + re.escape(prefix) + rb'c(?! r="' + before.encode("ascii") + rb"\d)[\s/>]"
    )


def _positions(items: list[bytes], value: bytes) -> list[int]:
    """Where ``items`` holds ``value`` (list.index searches in C: fast when they are few)."""
    found: list[int] = []
    i = -1
    try:
        while True:
            i = items.index(value, i + 1)
            found.append(i)
    except ValueError:
        return found


def _has(data: bytes, needle: bytes, rare: bytes) -> bool:
    """``needle in data``, answered first by a one-byte search (a memchr, ~50x faster) for
    ``rare``, a byte of ``needle`` that sheet XML seldom holds."""
    return rare in data and needle in data


def _style_at(data: bytes, start: int, end: int) -> int | None:
    """The ``s=`` of the start tag ``data[start:end]``; None when it has none."""
    i = data.find(b' s="', start, end)
    if i >= 0:
        j = data.find(b'"', i + 4, end)
        if j > i + 4 and data[i + 4 : j].isdigit():
            return int(data[i + 4 : j])
    m = _S_ATTR.search(data, start, end)  # other spacing or quotes
    return int(m.group(1)) if m is not None else None


def _has_time(value: object) -> bool:
    return isinstance(value, dt.datetime)


class RowPatcher:
    """The state of one pass over a sheet, and how one row is patched (see
    :class:`~crmxl.workbook.sheetxml.SheetPatcher`)."""

    # Set by SheetPatcher._head from the root element's namespace prefix ``p``: the tags and
    # patterns every part of the patcher looks for.
    p: bytes
    _row_re: re.Pattern[bytes]
    _row_end: bytes
    _row_open: bytes
    _bulk_row_re: re.Pattern[bytes]
    _cell_no_ref: re.Pattern[bytes]
    _cell_start: re.Pattern[bytes]
    _cell_end: bytes
    _cell_r_first: bytes
    _cell_open: bytes
    _any_cell: re.Pattern[bytes]
    _formula: re.Pattern[bytes]
    _f_open: bytes
    _extlst: bytes
    _sd_end: re.Pattern[bytes]
    _sd_end_literal: bytes
    _array_re: re.Pattern[bytes]

    def __init__(
        self,
        read: Callable[[int], bytes],
        write: Callable[[bytes], None],
        rows: Iterator[RowPatches],
        options: SheetOptions,
        bbox: tuple[int, int, int, int] | None,
        columns: set[int],
    ) -> None:
        self.read = read
        self.write = write
        self.rows = rows
        self.opt = options
        self.bbox = bbox  # of the cells that will hold values, to grow <dimension>
        self.columns = columns  # every column that gets a patch: their styles are tracked
        self._tracked = sorted(columns)
        self.result = SheetResult()
        self.last_style: dict[int, int] = {}
        self.col_styles: list[tuple[int, int, int]] = []
        self.arrays: list[tuple[int, int, int, int]] = []
        self.cur_row = 0
        self.eof = False
        self._encoded: dict[tuple[type, object], EncodedValue] = {}
        self._tails: dict[tuple[int, str, str], bytes] = {}
        self._wanted = sorted(columns)
        self._next: RowPatches | None = next(self.rows, None)
        self._bulk_after = 0  # offset in the current buffer before which bulk is not retried
        self._bulk_split = 0  # patched columns (in order) known to have cells in a run
        self._cells_from: dict[int, re.Pattern[bytes]] = {}
        self._odd_cells: dict[int, re.Pattern[bytes]] = {}
        self._bulk_tails: dict[tuple[int, int], dict[tuple[type, object], bytes]] = {}
        self.out = 0  # bytes written so far
        self.ledger: Ledger | None = None  # where new bytes are recorded (byparts.py)

    def _put(self, data: bytes) -> None:
        """Write bytes copied from the sheet as they were."""
        self.out += len(data)
        self.write(data)

    def _made(self, data: bytes, kind: int, removed: bytes | None) -> None:
        """Write new bytes of ``kind`` that replace ``removed`` (see :mod:`.byparts`)."""
        if self.ledger is not None:
            self.ledger.add(kind, self.out, self.out + len(data), removed)
        self.out += len(data)
        self.write(data)

    def _insert_rows_before(self, limit: int | None) -> None:
        """Write new rows for every pending patch row before ``limit`` (None: all of them)."""
        while self._next is not None and (limit is None or self._next[0] < limit):
            rnum, patches, _ = self._next
            cells = [
                xml
                for col, patch in patches
                if (xml := self._new_cell(rnum, col, patch, row_style=None)) is not None
            ]
            if cells:
                self._made(
                    b"<" + self.p + b'row r="' + str(rnum).encode() + b'">'
                    + b"".join(cells) + self._row_end, ROWS, b"",
                )  # fmt: skip
                self.result.rows_rebuilt += 1
            self._next = next(self.rows, None)

    def _patch_row(
        self,
        tag: bytes,
        inner: bytes | None,
        rnum: int,
        patches: list[tuple[int, object]],
        probes: list[int],
    ) -> bytes | None:
        """The rebuilt row, or None when no cell of it changes (the row is then copied).

        Only the cells of interest are located (by their reference when the row allows, else
        by scanning the cells' start tags); untouched cells are copied as slices between them. A cell
        without ``r=`` never needs one added: a new cell can only go where no implicitly
        numbered cell follows it (such a cell sits right after its neighbour).
        """
        inner = inner or b""
        if inner and not probes and not self.arrays:
            appended = self._append_cells(tag, inner, rnum, patches)
            if appended is not None:
                return appended if appended else None
        limit = inner.find(self._extlst)
        if limit < 0:
            limit = len(inner)
        cells = self._locate_cells(inner, limit, rnum, patches, probes)
        if cells is None:
            cells = self._scan_cells(inner, limit, rnum)
        if probes:
            for col in probes:
                self.opt.style_models[(rnum, col)] = self._cell_style(inner, cells, col)
        row_style = None
        if b"customFormat" in tag and get_attr(tag, b"customFormat") in (b"1", b"true"):
            s = get_attr(tag, b"s")
            row_style = int(s) if s and s.isdigit() else None
        out: list[bytes] = []
        cursor = 0
        written = 0  # cells whose bytes change (values written or restyled)
        i = 0
        n = len(cells)
        for col, patch in patches:
            while i < n and cells[i][0] < col:
                i += 1
            if i < n and cells[i][0] == col:
                start = cells[i][1]
                end = self._cell_end_at(inner, start, rnum)
                new = self._existing_cell(rnum, col, inner[start:end], patch)
                if new is not None:
                    out.append(inner[cursor:start])
                    out.append(new)
                    cursor = end
                    written += 1
                i += 1
            else:
                new = self._new_cell(rnum, col, patch, row_style)
                if new is not None:
                    at = cells[i][1] if i < n else limit
                    out.append(inner[cursor:at])
                    out.append(new)
                    cursor = at
                    written += 1
        if rnum > self.opt.header_row:
            for col, start in cells:
                if col in self.columns:
                    style = _style_at(inner, start, inner.find(b">", start))
                    if style is not None:
                        self.last_style[col] = style
        if not written:
            return None
        out.append(inner[cursor:])
        self.result.rows_rebuilt += 1
        new_tag = tag if _R_ATTR.search(tag) else set_attr(tag, b"r", str(rnum).encode())
        if b"spans" in new_tag:
            new_tag = self._fix_spans(new_tag, [c for c, _ in patches])
        if new_tag.endswith(b"/>"):
            new_tag = new_tag[:-2].rstrip() + b">"
        return new_tag + b"".join(out) + self._row_end

    def _append_cells(
        self, tag: bytes, inner: bytes, rnum: int, patches: list[tuple[int, object]]
    ) -> bytes | None:
        """The fastest path: every patch goes after the row's last cell (a computed column
        never written before), so the row's bytes stay and the new cells follow them.

        Taken only when that is certain: every cell's start tag begins ``<c r="`` (so the last
        one is found from the end), the row has no ``extLst``, and no patch column is at or
        before the last cell. Tracked columns' styles are noted as the general path does.
        Returns None when it does not apply, b"" when the row needs no change.
        """
        start_tag = self._cell_r_first
        last = inner.rfind(start_tag)
        if last < 0 or inner.count(self._cell_open) != inner.count(start_tag):
            return None
        letters = _REF_LETTERS.match(inner, last + len(start_tag))
        if letters is None:
            return None
        last_col = _COLUMNS.get(letters.group()) or _column(letters.group())
        if patches[0][0] <= last_col or self._extlst in inner:
            return None
        if rnum > self.opt.header_row:
            digits = str(rnum).encode()
            for col in self._tracked:
                if col > last_col:
                    break
                pos = inner.find(start_tag + _letters(col) + digits + b'"')
                if pos >= 0:
                    style = _style_at(inner, pos, inner.find(b">", pos))
                    if style is not None:
                        self.last_style[col] = style
        row_style = None
        if b"customFormat" in tag and get_attr(tag, b"customFormat") in (b"1", b"true"):
            s = get_attr(tag, b"s")
            row_style = int(s) if s and s.isdigit() else None
        new = [
            cell
            for col, patch in patches
            if (cell := self._new_cell(rnum, col, patch, row_style)) is not None
        ]
        if not new:
            return b""
        self.result.rows_rebuilt += 1
        new_tag = tag if _R_ATTR.search(tag) else set_attr(tag, b"r", str(rnum).encode())
        if b"spans" in new_tag:
            new_tag = self._fix_spans(new_tag, [c for c, _ in patches])
        return new_tag + inner + b"".join(new) + self._row_end

    def _locate_cells(
        self,
        inner: bytes,
        limit: int,
        rnum: int,
        patches: list[tuple[int, object]],
        probes: list[int],
    ) -> list[tuple[int, int]] | None:
        """The fast path of :meth:`_scan_cells`: (column, start) of just the cells of interest
        (patched, probed, tracked), found by their reference, in column order. It applies when
        every cell's start tag begins ``<c r="`` (counted: text cannot hold a ``<``) and every
        cell of interest that is missing would go after the last cell; else None."""
        start_tag = self._cell_r_first
        n_cells = inner.count(start_tag, 0, limit)
        if n_cells == 0 or n_cells != len(self._any_cell.findall(inner, 0, limit)):
            return None
        last = inner.rfind(start_tag, 0, limit)
        letters = _REF_LETTERS.match(inner, last + len(start_tag))
        if letters is None:
            return None
        last_col = _COLUMNS.get(letters.group()) or _column(letters.group())
        digits = str(rnum).encode()
        wanted = self._wanted
        if probes or any(col not in self.columns for col, _ in patches):
            wanted = sorted(self.columns.union(col for col, _ in patches).union(probes))
        found: list[tuple[int, int]] = []
        for col in wanted:
            pos = inner.find(start_tag + _letters(col) + digits + b'"', 0, limit)
            if pos >= 0:
                found.append((col, pos))
            elif col < last_col:
                return None  # it may be in the middle (or be numbered oddly): scan properly
        return found

    def _scan_cells(self, inner: bytes, limit: int, rnum: int) -> list[tuple[int, int]]:
        """(column, start offset) of every cell of the row, in order. Raises if the columns
        are not increasing (a new cell could not be put in its place)."""
        cells: list[tuple[int, int]] = []
        col = 0
        columns = _COLUMNS
        for m in self._cell_start.finditer(inner, 0, limit):
            letters = m.group(1)
            new_col = col + 1 if letters is None else columns.get(letters) or _column(letters)
            if new_col <= col:
                raise SheetXmlError(f"cells of row {rnum} are out of order")
            col = new_col
            cells.append((col, m.start()))
        return cells

    def _cell_end_at(self, inner: bytes, start: int, rnum: int) -> int:
        """Where the cell element starting at ``start`` ends."""
        tag_end = inner.find(b">", start)
        if inner[tag_end - 1] == 47:  # "/": self-closing
            return tag_end + 1
        close = inner.find(self._cell_end, tag_end)
        if close < 0:
            raise SheetXmlError(f"a cell of row {rnum} is not closed")
        return close + len(self._cell_end)

    def _cell_style(self, inner: bytes, cells: list[tuple[int, int]], col: int) -> int | None:
        """The ``s=`` of the cell in column ``col`` (0 if it has none; None if no such cell)."""
        for c, start in cells:
            if c == col:
                style = _style_at(inner, start, inner.find(b">", start))
                return style if style is not None else 0
        return None

    def _existing_cell(self, rnum: int, col: int, element: bytes, patch: object) -> bytes | None:
        """The new bytes of an existing cell, or None if it must stay (a formula)."""
        fill = None
        if type(patch) is CellPatch:
            value, style_like, number_format = patch.value, patch.style_like, patch.number_format
            fill = patch.fill
            if value is KEEP:
                return self._restyled(element, fill)
        else:
            value, style_like, number_format = patch, None, self._column_format(col, patch)
        if (self._f_open in element and self._formula.search(element)) or (
            self.arrays and self._in_array(rnum, col)
        ):
            self.result.skipped.append((rnum, col))
            return self._restyled(element, fill) if fill is not None else None
        encoded = self._encode(value)
        open_end = element.index(b">")
        style = _style_at(element, 0, open_end)
        if style is None:
            style = 0
        if style_like is not None:
            model = self.opt.style_models.get(style_like)
            if model is not None:
                style = model
        style = self._style_for(style, encoded, value, number_format)
        if fill is not None:
            style = self.opt.styles.with_fill(style, fill)
        attrs = element[len(self.p) + 2 : open_end]
        keep_attrs = b""
        if b"ph" in attrs or b":" in attrs:  # attributes other than r, s, t, cm, vm
            keep_attrs = _DROP_ON_WRITE.sub(b"", attrs.rstrip(b"/")).rstrip()
        keep_children = b""
        if self._extlst in element:
            keep_children = element[element.find(self._extlst) : -len(self._cell_end)]
        self.result.written += 1
        return self._cell_bytes(rnum, col, style, encoded, keep_attrs, keep_children)

    def _new_cell(self, rnum: int, col: int, patch: object, row_style: int | None) -> bytes | None:
        fill = None
        if type(patch) is CellPatch:
            value, style_like, number_format = patch.value, patch.style_like, patch.number_format
            fill = patch.fill
        else:
            value, style_like, number_format = patch, None, self._column_format(col, patch)
        if value is KEEP:
            return self._new_styled_cell(rnum, col, fill, row_style)
        if self.arrays and self._in_array(rnum, col):
            self.result.skipped.append((rnum, col))
            return None
        encoded = self._encode(value)
        model = self.opt.style_models.get(style_like) if style_like is not None else None
        if encoded.kind == "none" and model is None and number_format is None and fill is None:
            return None  # clearing a cell that does not exist
        if model is not None:
            style = model
        elif col in self.last_style:
            style = self.last_style[col]
        elif row_style is not None:
            style = row_style
        else:
            style = self.column_style(col)
        style = self._style_for(style, encoded, value, number_format)
        if fill is not None:
            style = self.opt.styles.with_fill(style, fill)
        self.result.written += 1
        return self._cell_bytes(rnum, col, style, encoded)

    def _restyled(self, element: bytes, fill: str | None) -> bytes:
        """An existing cell with only its style changed: value, formula, attributes and
        children keep their bytes; ``s=`` points at its style with ``fill``."""
        if fill is None:
            return element
        open_end = element.index(b">")
        style = _style_at(element, 0, open_end) or 0
        self.result.styled += 1
        return set_attr(element, b"s", str(self.opt.styles.with_fill(style, fill)).encode())

    def _new_styled_cell(
        self, rnum: int, col: int, fill: str | None, row_style: int | None
    ) -> bytes | None:
        """An empty cell that exists only to carry a fill, styled as a new cell would be."""
        if fill is None:
            return None
        if col in self.last_style:
            style = self.last_style[col]
        elif row_style is not None:
            style = row_style
        else:
            style = self.column_style(col)
        self.result.styled += 1
        return cell_xml(self.p, rnum, col, self.opt.styles.with_fill(style, fill), _EMPTY)

    def _cell_bytes(
        self,
        rnum: int,
        col: int,
        style: int,
        encoded: EncodedValue,
        keep_attrs: bytes = b"",
        keep_children: bytes = b"",
    ) -> bytes:
        """:func:`cell_xml`, with what follows the reference remembered per (style, value)."""
        if keep_attrs or keep_children:
            return cell_xml(self.p, rnum, col, style, encoded, keep_attrs, keep_children)
        key = (style, encoded.kind, encoded.payload)
        tail = self._tails.get(key)
        if tail is None:
            tail = cell_xml(self.p, 1, 1, style, encoded)[len(self._cell_r_first) + 3 :]
            if len(self._tails) > 4096:
                self._tails.clear()
            self._tails[key] = tail
        return self._cell_r_first + _letters(col) + str(rnum).encode() + b'"' + tail

    def _encode(self, value: object) -> EncodedValue:
        """:func:`encode_value`, remembered: a column of tiers or due dates repeats itself."""
        try:
            key = (type(value), value)
            cached = self._encoded.get(key)
        except TypeError:  # unhashable: let encode_value say what is wrong with it
            return encode_value(value, self.opt.date1904)
        if cached is None:
            cached = encode_value(value, self.opt.date1904)
            if len(self._encoded) > 4096:
                self._encoded.clear()
            self._encoded[key] = cached
        return cached

    def _column_format(self, col: int, value: object) -> str | None:
        """The format :meth:`WorkbookWriter.set_cells` gave the column, for a non-text value
        (a header's text in the same column keeps its own style)."""
        formats = self.opt.column_formats
        if not formats or value is None or isinstance(value, str):
            return None
        return formats.get(col)

    def column_style(self, col: int) -> int:
        """The ``<col style=...>`` of column ``col`` (0 when none)."""
        for lo, hi, style in self.col_styles:
            if lo <= col <= hi:
                return style
        return 0

    def _style_for(
        self, style: int, encoded: EncodedValue, value: object, number_format: str | None
    ) -> int:
        styles = self.opt.styles
        if number_format is not None:
            return styles.with_format(style, number_format)
        if encoded.is_date and not styles.is_date(style):
            code = DEFAULT_DATETIME_FORMAT if _has_time(value) else DEFAULT_DATE_FORMAT
            return styles.with_format(style, code)
        return style

    def _in_array(self, rnum: int, col: int) -> bool:
        return any(r1 <= rnum <= r2 and c1 <= col <= c2 for r1, c1, r2, c2 in self.arrays)

    def _fix_spans(self, tag: bytes, cols: list[int]) -> bytes:
        """Widen a single-range ``spans`` to the written columns; drop any other kind."""
        m = _SPANS.search(tag)
        if m is None:
            return tag
        value = m.group(1) if m.group(1) is not None else m.group(2)
        parts = value.split(b":")
        if len(parts) == 2 and all(p.isdigit() for p in parts):
            lo, hi = min(int(parts[0]), *cols), max(int(parts[1]), *cols)
            return set_attr(tag, b"spans", f"{lo}:{hi}".encode())
        return tag[: m.start()] + tag[m.end() :]
