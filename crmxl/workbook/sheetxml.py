"""Patch one worksheet's XML by streaming its bytes.

A worksheet part can be 100+ MB (a million-row follow-up log). Building a DOM of it, or
re-serialising every row, costs minutes and gigabytes (XLSX-FACTS.md). This module reads the part
in chunks and copies every row that has no patch as a byte slice, untouched; only a row that gets
a cell is parsed (by regular expressions over its bytes) and rebuilt. Rows and cells that do not
exist yet are inserted in order. ``<dimension>`` grows to cover the written cells.

What it refuses (:class:`SheetXmlError`) rather than guess: an encoding other than UTF-8, rows or
cells out of order, comments, CDATA or processing instructions among the rows, a missing
``<sheetData>``.

Rules kept here (see :class:`SheetPatcher` for the details):

- a cell holding a formula, or inside the range of an array or data-table formula, is never
  written: it is reported in :attr:`SheetResult.skipped`;
- an existing cell keeps its style; a new cell takes the style of the nearest existing cell
  above it in its column (among the rows this pass parses, below the header row), else the
  row's style, else the column's, else the default;
- a date gets a date number format (a derived style) when its style has none;
- a highlight (:data:`KEEP` with a fill) keeps the cell's value and bytes and only points it at
  a derived style with that fill, formulas included; a missing cell becomes an empty styled one;
- ``SheetOptions.tail_edit`` may rewrite what follows the rows (to add ``<legacyDrawing>``);
- rows and cells without ``r=`` are handled: a rebuilt row and every cell written get an
  explicit ``r=`` (the same meaning, now explicit); the other cells and rows keep their bytes,
  which keeps their meaning too, since a new row or cell can only go where no implicitly
  numbered neighbour follows it (such a neighbour sits right after the one before).

Speed: a row is located by one regular-expression search for its start tag. In a rebuilt row,
when every cell starts ``<c r="`` (checked by counting), the cells of interest are found by
their reference directly; otherwise every cell's start tag is scanned. The common large writes
(a computed column filled for the first time: new cells after every row's last cell; a weekly
refresh: existing cells replaced) are done a chunk of rows at a time
(:meth:`SheetPatcher._bulk_append`), checked once for the whole run and copied in slices, with
the bytes the row-by-row path would give.
"""

from __future__ import annotations

import datetime as dt
import re
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from itertools import islice, repeat
from operator import lt

from crmxl.a1 import column_index, column_letter
from crmxl.workbook.cellxml import (
    MAX_COL,
    EncodedValue,
    cell_xml,
    encode_value,
    parse_range,
    range_ref,
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


class SheetPatcher:
    """One streaming pass over one worksheet part.

    ``read(n)`` gives the part's next bytes (``b""`` at the end), ``write(data)`` takes the new
    part's bytes in order. ``rows`` comes from :func:`group_rows`. The styles of the probed cells
    (the models of ``style_like``) land in ``options.style_models`` when their row is read, so a
    model must not lie below the cell that copies it.
    """

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

    # -- driving ---------------------------------------------------------------------------

    def run(self) -> SheetResult:
        buf, sd = self._head()
        if sd.group(2):  # <sheetData/>: nothing to stream, every patched row is new
            p = self.p
            self.write(b"<" + p + b"sheetData>")
            self._insert_rows_before(None)
            self.write(b"</" + p + b"sheetData>")
            tail = buf[sd.end() :]
        else:
            tail = self._body(buf, sd.end())
        edit = self.opt.tail_edit
        if edit is None:
            self.write(tail)
            while chunk := self.read(CHUNK):
                self.write(chunk)
        else:  # what follows the rows is small: edit it whole
            pieces = [tail]
            while chunk := self.read(CHUNK):
                pieces.append(chunk)
            self.write(edit(b"".join(pieces), self.root_tag, self.p))
            self.result.tail_edited = True
        return self.result

    def _fill(self, buf: bytes) -> bytes:
        chunk = self.read(CHUNK)
        if not chunk:
            self.eof = True
        return buf + chunk

    def _head(self) -> tuple[bytes, re.Match[bytes]]:
        """Everything before the rows: find the prefix, fix ``<dimension>``, read ``<cols>``."""
        buf = b""
        while True:
            buf = self._fill(buf)
            root = _ROOT.search(buf)
            if root is not None:
                break
            if self.eof or len(buf) > 1 << 22:
                raise SheetXmlError("no <worksheet> root element")
        decl = _ENCODING.search(buf.lstrip(b"\xef\xbb\xbf"))
        if decl is not None and decl.group(1).lower() not in _UTF8:
            raise SheetXmlError(f"encoding {decl.group(1).decode('ascii', 'replace')}")
        if buf.startswith((b"\xff\xfe", b"\xfe\xff")):
            raise SheetXmlError("UTF-16 encoding")
        self.p = p = root.group(1) or b""
        self._root_start = root.start()
        ep = re.escape(p)
        self._row_re = re.compile(rb"<" + ep + rb"row(?=[\s/>])[^>]*>")
        self._row_end = b"</" + p + b"row>"
        self._row_open = b"<" + p + b"row"
        self._bulk_row_re = re.compile(rb"<" + ep + rb"row r=\"(\d+)\"")
        self._cell_no_ref = re.compile(rb"<" + ep + rb"c(?=[\s/>])(?! r=\")")
        self._cell_start = re.compile(
            rb"<" + ep + rb"c(?=[\s/>])(?:[^>]*?\sr\s*=\s*[\"']([A-Z]{1,3})\d*[\"'])?"
        )
        self._cell_end = b"</" + p + b"c>"
        self._cell_r_first = b"<" + p + b'c r="'
        self._cell_open = b"<" + p + b"c"  # also counts <color>/<charset> in rich text: safe
        self._any_cell = re.compile(rb"<" + ep + rb"c(?=[\s/>])")
        self._formula = re.compile(rb"<" + ep + rb"f[\s/>]")
        self._f_open = b"<" + p + b"f"
        self._extlst = b"<" + p + b"extLst"
        self._sd_end = re.compile(rb"</" + ep + rb"sheetData\s*>")
        self._sd_end_literal = b"</" + p + b"sheetData"
        self._array_re = re.compile(rb"<" + ep + rb"f\s[^>]*>")
        sd_re = re.compile(rb"<" + ep + rb"sheetData(?=[\s/>])([^>]*?)(/?)>")
        while True:
            sd = sd_re.search(buf)
            if sd is not None:
                break
            if self.eof or len(buf) > 1 << 26:
                raise SheetXmlError("no <sheetData>")
            buf = self._fill(buf)
        head = buf[: sd.start()]
        self.root_tag = buf[self._root_start : buf.find(b">", self._root_start) + 1]
        self._read_cols(head)
        self.write(self._fix_dimension(head))
        self.write(buf[sd.start() : sd.end()] if not sd.group(2) else b"")
        return buf, sd

    def _read_cols(self, head: bytes) -> None:
        col_re = re.compile(rb"<" + re.escape(self.p) + rb"col(?=[\s/>])[^>]*>")
        for m in col_re.finditer(head):
            tag = m.group()
            lo, hi, style = get_attr(tag, b"min"), get_attr(tag, b"max"), get_attr(tag, b"style")
            if lo and hi and style and lo.isdigit() and hi.isdigit() and style.isdigit():
                self.col_styles.append((int(lo), int(hi), int(style)))

    def _fix_dimension(self, head: bytes) -> bytes:
        if self.bbox is None:
            return head
        dim = re.compile(rb"<" + re.escape(self.p) + rb"dimension(?=[\s/>])[^>]*>").search(head)
        if dim is None:
            return head
        old = get_attr(dim.group(), b"ref")
        old_box = parse_range(old.decode("ascii", "replace")) if old else None
        r1, c1, r2, c2 = self.bbox
        if old_box is not None:
            r1, c1 = min(r1, old_box[0]), min(c1, old_box[1])
            r2, c2 = max(r2, old_box[2]), max(c2, old_box[3])
        new_ref = range_ref(r1, c1, r2, c2).encode("ascii")
        if old is not None and new_ref == old:
            return head
        return head[: dim.start()] + set_attr(dim.group(), b"ref", new_ref) + head[dim.end() :]

    def _body(self, buf: bytes, scan: int) -> bytes:
        """Copy rows, rebuilding the patched ones, up to and including ``</sheetData>``;
        returns the bytes read past it."""
        pos = scan  # first byte of buf not yet written
        checked = scan  # bytes before this were checked for arrays and comments
        row_re = self._row_re
        while True:
            m = row_re.search(buf, scan)
            if m is None or m.start() >= checked:
                further = self._check_region(buf, checked)
                if further > checked:
                    checked = further
                    continue
                end = self._sd_end.search(buf, scan)
                if end is not None and end.start() < checked:
                    self.write(buf[pos : end.start()])
                    self._insert_rows_before(None)
                    self.write(buf[end.start() : end.end()])
                    return buf[end.end() :]
                if self.eof:
                    raise SheetXmlError("no </sheetData>")
                cut = max(scan, min(checked, len(buf)))
                self.write(buf[pos:cut])
                buf = self._fill(buf[cut:])
                pos = scan = checked = self._bulk_after = 0
                continue
            tag = m.group()
            rnum_m = _R_ATTR.search(tag)
            rnum = int(rnum_m.group(1)) if rnum_m else self.cur_row + 1
            if rnum <= self.cur_row:
                raise SheetXmlError(f"row {rnum} comes after row {self.cur_row}")
            self.cur_row = rnum
            nxt = self._next
            if nxt is None or nxt[0] > rnum:
                scan = m.end()
                continue
            if nxt[0] < rnum:
                self.write(buf[pos : m.start()])
                pos = m.start()
                self._insert_rows_before(rnum)
                nxt = self._next
                if nxt is None or nxt[0] != rnum:
                    scan = m.end()
                    continue
            # This row has patches: try the bulk path on the rows read so far, else rebuild it.
            if not nxt[2] and not self.arrays and m.start() >= self._bulk_after:
                self.write(buf[pos : m.start()])
                pos = m.start()
                done = self._bulk_append(buf, pos, min(checked, len(buf)))
                if done is not None:
                    pos = scan = done
                    continue
            if tag.endswith(b"/>"):
                inner: bytes | None = None
                row_end = m.end()
            else:
                close = buf.find(self._row_end, m.end())
                if close < 0:  # the row goes on in the next chunk: drop what is done first
                    self.write(buf[pos : m.start()])
                    buf = buf[m.start() :]
                    checked = max(0, checked - m.start())
                    pos = scan = self._bulk_after = 0
                    while close < 0:
                        if self.eof:
                            raise SheetXmlError(f"row {rnum} is not closed")
                        buf = self._fill(buf)
                        close = buf.find(self._row_end)
                    m = row_re.match(buf)
                    assert m is not None and m.group() == tag
                inner = buf[m.end() : close]
                row_end = close + len(self._row_end)
                if row_end > checked:
                    checked = self._check_region(buf, checked, row_end)
            self.write(buf[pos : m.start()])
            self.write(
                self._patch_row(tag, inner, rnum, nxt[1], nxt[2]) or buf[m.start() : row_end]
            )
            self._next = next(self.rows, None)
            pos = scan = row_end

    def _bulk_append(self, buf: bytes, start: int, checked: int) -> int | None:
        """Patch the run of rows from ``buf[start]`` (the start tag of a patched row) up to the
        last row closed in the checked part of the buffer a column at a time, where the run
        allows it; write the result and return the offset after the last row done, or None
        (nothing done) when the run does not qualify.

        It qualifies as a whole (checked once over its bytes): every row has ``r=``, increasing,
        and a closing tag; every cell starts ``<c r="``; no ``extLst``, ``customFormat`` or
        array formula. The patched columns with no cell in the run or after it get their new
        cells a column at a time, put before each ``</row>`` (no cell of theirs in the run:
        their style cannot change within it). A plain value for a column that has cells
        replaces the row's existing cell in place (:meth:`_cells_in_place`). A row that needs
        more (such a cell is missing, a :class:`CellPatch`, a probe) is rebuilt by
        :meth:`_patch_row` in its turn, with the styles the row-by-row path would have noted by
        then. The run stops before a new row to insert. The bytes are those of the row-by-row
        path (a test compares them).
        """
        queue = self.rows
        if type(queue) is not RowQueue or queue.by_row is not None:
            return None
        limit = buf.find(self._sd_end_literal, start, checked)  # ends the rows (if here)
        if limit < 0:
            limit = checked
        last = buf.rfind(self._row_end, start, limit)
        self._bulk_after = limit  # one attempt per buffer: a failed check is not repeated
        if last < 0 or last - start < BULK_MIN:
            return None
        row_end = self._row_end
        region = buf[start : last + len(row_end)]
        if _has(region, b"extLst", b"x") or _has(region, b"customFormat", b"m"):
            return None
        parts = region.split(row_end)
        n_rows = len(parts) - 1
        digits = self._bulk_row_re.findall(region)  # a row without r= or an empty <row/>
        rows = list(map(int, digits))  # makes the counts differ
        if len(rows) != n_rows or rows[0] != self.cur_row:
            return None
        if not all(map(lt, rows, islice(rows, 1, None))):
            return None
        split = self._append_split(region, queue.cols)
        if split is None:
            return None  # a cell without r=
        inner, appended = queue.cols[:split], queue.cols[split:]
        # The rows with patches or probes, and the first one not in the run (to insert).
        k = n_rows
        pending = queue.rows[queue.pos : bisect_right(queue.rows, rows[-1])]
        present = set(rows)
        for r in pending:
            if r not in present:
                k = bisect_left(rows, r)
                break
        del parts[k:], rows[k:], digits[k:]
        special: set[int] = set()  # rows rebuilt by _patch_row
        for r in queue.probe_rows[bisect_left(queue.probe_rows, rows[0]) :]:
            if r > rows[k - 1]:
                break
            special.add(bisect_left(rows, r))
        columns: list[tuple[int, list[object]]] = []
        for col in appended:
            values = self._column_values(rows, col)
            kinds = set(map(type, values))
            if CellPatch in kinds or _Keep in kinds:
                special.update(i for i, v in enumerate(values) if type(v) in (CellPatch, _Keep))
            columns.append((col, values))
        # Rows with a patch in a column that has cells: each such cell that exists is replaced
        # in place (its start and end found by its reference); a row missing one is rebuilt.
        in_place = [(col, self._column_values(rows, col)) for col in inner]
        found: dict[int, list[tuple[int, int, int, object]]] = {}
        touched: set[int] = set()
        for _, values in in_place:
            touched.update(i for i, v in enumerate(values) if v is not _NO)
        for i in touched.difference(special):
            cells = self._cells_in_place(parts[i], rows[i], digits[i], in_place, i)
            if cells is None:
                special.add(i)
            else:
                found[i] = cells
        for _, values in columns:
            for i in special:
                values[i] = _NO
        # The new bytes, a row at a time: what precedes the row's end, then per column the
        # new cell's start, row number and rest (all b"" where there is none), then </row>.
        width = 2 + 3 * len(columns)
        out: list[bytes] = [row_end] * (width * k)
        no_cell: list[set[int]] = []
        for j, (col, values) in enumerate(columns):
            try:
                tails = self._bulk_tails_of(col, values)
            except TypeError:  # an unhashable value: the row-by-row path says what is wrong
                return None
            blank = _positions(tails, b"")
            heads = [self._cell_r_first + _letters(col)] * k
            nums = digits[:]
            for i in blank:
                heads[i] = nums[i] = b""
            out[1 + 3 * j :: width], out[2 + 3 * j :: width], out[3 + 3 * j :: width] = (
                heads,
                nums,
                tails,
            )
            no_cell.append(set(blank))
        untouched = set.intersection(*no_cell) if no_cell else set(range(k))  # no new cell
        with_spans = _has(region, b"spans", b"p")
        spans: dict[tuple[bytes, int, int], bytes] = {}
        if with_spans:
            for i in range(k):
                if i not in untouched and i not in found:
                    patched = [c for c, values in columns if values[i] is not _NO]
                    parts[i] = self._bulk_spans(parts[i], patched[0], patched[-1], spans)
        out[0::width] = parts
        patched_rows = present.intersection(pending)
        patched_rows.add(rows[0])
        back = 0
        blank_row = [b""] * (width - 2)
        rebuilt = 0  # rows changed by a replaced cell only
        for i in sorted(special.union(found)):
            cells = found.get(i)
            if cells is not None:  # in the order of the rows: skipped cells are listed so
                new = self._replace_cells(parts[i], rows[i], cells)
                if new is not None or i not in untouched:
                    part = parts[i] if new is None else new
                    if with_spans:
                        patched = [c for c, *_ in cells]
                        patched += [c for c, values in columns if values[i] is not _NO]
                        part = self._bulk_spans(part, min(patched), max(patched), spans)
                    out[width * i] = part
                    rebuilt += i in untouched
                continue
            self._track_styles(parts, rows, digits, inner, patched_rows, back, i)
            out[width * i : width * (i + 1)] = [
                *self._rebuild(parts[i], rows[i], rows[i] << COL_BITS),
                *blank_row,
            ]
            back = i + 1
        self._track_styles(parts, rows, digits, inner, patched_rows, back, k)
        self.write(b"".join(out))
        self.result.written += sum(k - len(blank) for blank in no_cell)
        self.result.rows_rebuilt += k - len(untouched) + rebuilt
        self.result.rows_bulk += k
        self.cur_row = rows[k - 1]
        queue.pos = bisect_right(queue.rows, rows[k - 1])
        self._next = next(queue, None)
        return start + sum(map(len, parts)) + k * len(row_end)

    def _cells_in_place(
        self,
        part: bytes,
        rnum: int,
        digits: bytes,
        in_place: list[tuple[int, list[object]]],
        i: int,
    ) -> list[tuple[int, int, int, object]] | None:
        """(column, start, end, patch) of the existing cells of row ``i`` of a bulk run that
        its plain patches in ``in_place`` replace, in order; None when one is missing (a new
        cell would go among the others) or a patch is more than a value: rebuild the row."""
        tag_start = part.rfind(self._row_open)
        head = self._cell_r_first
        cells: list[tuple[int, int, int, object]] = []
        after = tag_start
        for col, values in in_place:
            patch = values[i]
            if patch is _NO:
                continue
            if type(patch) in (CellPatch, _Keep):
                return None
            start = part.find(head + _letters(col) + digits + b'"', after)
            if start < 0:
                return None
            try:
                end = self._cell_end_at(part, start, rnum)
            except SheetXmlError:
                return None  # the row-by-row path says what is wrong
            cells.append((col, start, end, patch))
            after = end
        return cells

    def _replace_cells(
        self, part: bytes, rnum: int, cells: list[tuple[int, int, int, object]]
    ) -> bytes | None:
        """``part`` with ``cells`` (from :meth:`_cells_in_place`) replaced by their new bytes,
        or None when none changes (formulas stay)."""
        pieces: list[bytes] = []
        cursor = 0
        for col, start, end, patch in cells:
            new = self._existing_cell(rnum, col, part[start:end], patch)
            if new is not None:
                pieces += (part[cursor:start], new)
                cursor = end
        if not pieces:
            return None
        pieces.append(part[cursor:])
        return b"".join(pieces)

    def _column_values(self, rows: list[int], col: int) -> list[object]:
        """The patches of column ``col`` in ``rows`` (``_NO`` where there is none)."""
        queue = self.rows
        assert isinstance(queue, RowQueue)
        c1 = col - 1
        keys = [r << COL_BITS | c1 for r in rows]
        return list(map(queue.patches.get, keys, repeat(_NO, len(keys))))

    def _append_split(self, region: bytes, cols: list[int]) -> int | None:
        """How many of the patched columns ``cols`` have a cell in the run, or one after them
        (the rest get only new cells after every row's last one); None when a cell in the run
        has no ``r=``. Usually one search answers: no cell without ``r=`` and none in or after
        the first column not known to have cells."""
        split = self._bulk_split
        if split >= len(cols):
            return split
        odd = self._odd_cells.get(cols[split])
        if odd is None:
            odd = self._odd_cells[cols[split]] = _cell_odd(self.p, cols[split])
        if not odd.search(region):
            return split
        if self._cell_no_ref.search(region):
            return None
        while split < len(cols):
            pattern = self._cells_from.get(cols[split])
            if pattern is None:
                pattern = self._cells_from[cols[split]] = _cell_in_or_after(self.p, cols[split])
            if not pattern.search(region):
                break
            split += 1
        self._bulk_split = split
        return split

    def _track_styles(
        self,
        parts: list[bytes],
        rows: list[int],
        digits: list[bytes],
        cols: list[int],
        patched_rows: set[int],
        lo: int,
        hi: int,
    ) -> None:
        """Note in :attr:`last_style` what the row-by-row path would have noted in rows
        ``lo..hi-1`` of a run: per column, the style of its cell in the last patched row
        below the header that has one with ``s=``."""
        header = self.opt.header_row
        for col in cols:
            head = self._cell_r_first + _letters(col)
            for i in range(hi - 1, lo - 1, -1):
                if rows[i] <= header:
                    break
                if rows[i] not in patched_rows:
                    continue
                part = parts[i]
                pos = part.find(head + digits[i] + b'"')
                if pos >= 0:
                    style = _style_at(part, pos, part.find(b">", pos))
                    if style is not None:
                        self.last_style[col] = style
                        break

    def _rebuild(self, part: bytes, rnum: int, key: int) -> tuple[bytes, bytes]:
        """A row of a bulk run done by :meth:`_patch_row`: (what precedes its start tag, the
        row's bytes). ``part`` is the bytes up to its ``</row>``."""
        queue = self.rows
        assert isinstance(queue, RowQueue)
        tag_start = part.rfind(self._row_open)
        m = self._row_re.match(part, tag_start)
        assert m is not None
        patches = queue.patches
        cells = [(c, patches[k]) for c in queue.cols if (k := key | (c - 1)) in patches]
        probes = [c for c in queue.probe_cols if key | (c - 1) in queue.probe_set]
        inner = part[m.end() :]
        new = self._patch_row(m.group(), inner, rnum, cells, probes)
        return part[:tag_start], new if new is not None else part[tag_start:] + self._row_end

    def _bulk_tails_of(self, col: int, values: list[object]) -> list[bytes]:
        """What follows ``<c r="`` + the reference's letters and digits in the new cells of
        column ``col`` (b"" where there is none), one per row."""
        style = self._bulk_style(col)
        tails = self._bulk_tails.setdefault((col, style), {(_NoPatch, _NO): b""})
        if len(tails) > 65536:
            tails.clear()
            tails[(_NoPatch, _NO)] = b""
        keys = list(zip(map(type, values), values, strict=True))  # with the class: 1, 1.0, True
        for key in set(keys):
            if key not in tails:
                tail = self._bulk_tail(col, style, key[1])
                tails[key] = b'"' + tail if tail else b""
        return list(map(tails.__getitem__, keys))

    def _bulk_style(self, col: int) -> int:
        """The style a new cell of ``col`` takes in a bulk run (as :meth:`_new_cell` picks it
        for a row without a row style)."""
        style = self.last_style.get(col)
        return self.column_style(col) if style is None else style

    def _bulk_tail(self, col: int, style: int, value: object) -> bytes:
        """What follows the reference of a new cell holding ``value`` (b"" for no cell)."""
        encoded = self._encode(value)
        number_format = self._column_format(col, value)
        if encoded.kind == "none" and number_format is None:
            return b""
        style = self._style_for(style, encoded, value, number_format)
        return self._cell_bytes(1, 1, style, encoded)[len(self._cell_r_first) + 3 :]

    def _bulk_spans(
        self, part: bytes, lo: int, hi: int, done: dict[tuple[bytes, int, int], bytes]
    ) -> bytes:
        """``part`` (the bytes up to a row's end) with its row's ``spans`` widened as
        :meth:`_fix_spans` does. ``done`` remembers the new tag of each (tag without its
        ``r=``, lo, hi): most rows of a sheet have the same."""
        tag_start = part.rfind(self._row_open)
        tag_end = part.find(b">", tag_start) + 1
        tag = part[tag_start:tag_end]
        if b"spans" not in tag:
            return part
        quote = tag.find(b'"', len(self._row_open) + 4)  # a bulk run's rows start <row r="N"
        key = (tag[quote:], lo, hi)
        new = done.get(key)
        if new is None:
            new = done[key] = self._fix_spans(tag[quote:], [lo, hi])
        return part[:tag_start] + tag[:quote] + new + part[tag_end:]

    def _check_region(self, buf: bytes, start: int, stop: int | None = None) -> int:
        """Look at ``buf[start:stop]`` once (stop defaults to the last complete tag): note array
        formula ranges; refuse comments, CDATA and processing instructions in the rows."""
        if stop is None:
            stop = buf.rfind(b"<", start)
            if stop < 0 or self.eof:
                stop = len(buf)
        if stop <= start:
            return start
        region = buf[start:stop]
        if _has(region, b"<!", b"!") or _has(region, b"<?", b"?"):
            end = self._sd_end.search(buf, start)
            bad = min(i for i in (region.find(b"<!"), region.find(b"<?")) if i >= 0) + start
            if end is None or bad < end.start():
                raise SheetXmlError("comments, CDATA or processing instructions among the rows")
        arrays = _has(region, b"array", b"y") or _has(region, b"dataTable", b"T")
        if arrays and self._f_open in region:
            for f in self._array_re.finditer(region):
                kind = get_attr(f.group(), b"t")
                ref = get_attr(f.group(), b"ref")
                if kind in (b"array", b"dataTable") and ref:
                    box = parse_range(ref.decode("ascii", "replace"))
                    if box is not None:
                        self.arrays.append(box)
        return stop

    # -- rows and cells ----------------------------------------------------------------------

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
                self.write(
                    b"<" + self.p + b'row r="' + str(rnum).encode() + b'">'
                    + b"".join(cells) + self._row_end
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
