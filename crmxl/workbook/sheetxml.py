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

import re

from crmxl.workbook.byparts import HEAD, ROWS, SWAP, TAIL
from crmxl.workbook.cellxml import (
    MAX_COL,
    parse_range,
    range_ref,
)
from crmxl.workbook.sheetbulk import BulkPatcher
from crmxl.workbook.sheetrows import (
    _ENCODING,
    _R_ATTR,
    _ROOT,
    _UTF8,
    CHUNK,
    COL_BITS,
    KEEP,
    CellPatch,
    RowQueue,
    SheetOptions,
    SheetResult,
    SheetXmlError,
    _letters_before,
    group_rows,
    patch_key,
)
from crmxl.workbook.styles import (
    get_attr,
    set_attr,
)


class SheetPatcher(BulkPatcher):
    """One streaming pass over one worksheet part.

    ``read(n)`` gives the part's next bytes (``b""`` at the end), ``write(data)`` takes the new
    part's bytes in order. ``rows`` comes from :func:`group_rows`. The styles of the probed cells
    (the models of ``style_like``) land in ``options.style_models`` when their row is read, so a
    model must not lie below the cell that copies it.
    """

    def run(self) -> SheetResult:
        buf, sd = self._head()
        if sd.group(2):  # <sheetData/>: nothing to stream, every patched row is new
            self._insert_rows_before(None)
            self._mark_tail()
            self._made(b"</" + self.p + b"sheetData>", SWAP, b"")
            tail = buf[sd.end() :]
        else:
            tail = self._body(buf, sd.end())
        edit = self.opt.tail_edit
        if edit is None:
            self._put(tail)
            while chunk := self.read(CHUNK):
                self._put(chunk)
        else:  # what follows the rows is small: edit it whole
            pieces = [tail]
            while chunk := self.read(CHUNK):
                pieces.append(chunk)
            old = b"".join(pieces)
            self._made(edit(old, self.root_tag, self.p), SWAP, old)
            self.result.tail_edited = True
        return self.result

    def _mark_tail(self) -> None:
        """Note where ``</sheetData>`` starts (what follows is checked with the head)."""
        if self.ledger is not None:
            self.ledger.add(TAIL, self.out, self.out, None)

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
        new_head = self._fix_dimension(head)
        sd_tag = buf[sd.start() : sd.end()]
        if sd.group(2):  # <sheetData/> opens here; the rows and the close follow
            self._made(new_head + b"<" + self.p + b"sheetData>", HEAD, head + sd_tag)
        else:
            self._made(new_head + sd_tag, HEAD, None if new_head == head else head + sd_tag)
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
                    self._put(buf[pos : end.start()])
                    self._insert_rows_before(None)
                    self._mark_tail()
                    self._put(buf[end.start() : end.end()])
                    return buf[end.end() :]
                if self.eof:
                    raise SheetXmlError("no </sheetData>")
                cut = max(scan, min(checked, len(buf)))
                self._put(buf[pos:cut])
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
                self._put(buf[pos : m.start()])
                pos = m.start()
                self._insert_rows_before(rnum)
                nxt = self._next
                if nxt is None or nxt[0] != rnum:
                    scan = m.end()
                    continue
            # This row has patches: try the bulk path on the rows read so far, else rebuild it.
            if not nxt[2] and not self.arrays and m.start() >= self._bulk_after:
                self._put(buf[pos : m.start()])
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
                    self._put(buf[pos : m.start()])
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
            self._put(buf[pos : m.start()])
            new = self._patch_row(tag, inner, rnum, nxt[1], nxt[2])
            if new is None:
                self._put(buf[m.start() : row_end])
            else:
                self._made(new, ROWS, buf[m.start() : row_end])
            self._next = next(self.rows, None)
            pos = scan = row_end


__all__ = [
    "CHUNK",
    "COL_BITS",
    "KEEP",
    "MAX_COL",
    "CellPatch",
    "RowQueue",
    "SheetOptions",
    "SheetPatcher",
    "SheetResult",
    "SheetXmlError",
    "_letters_before",
    "group_rows",
    "patch_key",
]
