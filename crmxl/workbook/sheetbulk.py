"""Patching one worksheet's XML, the bulk path: a run of rows checked once as a whole, new cells
of a computed column appended a column at a time, existing cells replaced in place, with the
same bytes the row-by-row path (:class:`~crmxl.workbook.sheetrows.RowPatcher`) would give."""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from itertools import accumulate, islice, repeat
from operator import lt

from crmxl.workbook.byparts import CELLS, ROWS, TAG
from crmxl.workbook.cellxml import (
    parse_range,
)
from crmxl.workbook.sheetrows import (
    _NO,
    BULK_MIN,
    COL_BITS,
    CellPatch,
    RowPatcher,
    RowQueue,
    SheetXmlError,
    _cell_in_or_after,
    _cell_odd,
    _has,
    _Keep,
    _letters,
    _NoPatch,
    _positions,
    _style_at,
)
from crmxl.workbook.styles import (
    get_attr,
)


class BulkPatcher(RowPatcher):
    """A :class:`RowPatcher` that also patches runs of rows at a time."""

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
        # What replaced bytes inside a row's own part (its start tag, its cells), per row:
        # (start, end, kind, old bytes) in the new part, for the ledger (byparts.py).
        inside: dict[int, list[tuple[int, int, int, bytes]]] = {}
        if with_spans:
            for i in range(k):
                if i not in untouched and i not in found:
                    patched = [c for c, values in columns if values[i] is not _NO]
                    parts[i], tag = self._bulk_spans(parts[i], patched[0], patched[-1], spans)
                    if tag is not None:
                        inside[i] = [tag]
        out[0::width] = parts
        patched_rows = present.intersection(pending)
        patched_rows.add(rows[0])
        back = 0
        blank_row = [b""] * (width - 2)
        rebuilt = 0  # rows changed by a replaced cell only
        rows_made: dict[int, bytes] = {}  # rows rebuilt whole: the bytes they replace
        for i in sorted(special.union(found)):
            cells = found.get(i)
            if cells is not None:  # in the order of the rows: skipped cells are listed so
                new, edits = self._replace_cells(parts[i], rows[i], cells)
                if new is not None or i not in untouched:
                    part = parts[i] if new is None else new
                    if with_spans:
                        patched = [c for c, *_ in cells]
                        patched += [c for c, values in columns if values[i] is not _NO]
                        part, tag = self._bulk_spans(part, min(patched), max(patched), spans)
                        if tag is not None:
                            shift = tag[1] - tag[0] - len(tag[3])
                            edits = [tag] + [(a + shift, b + shift, c, d) for a, b, c, d in edits]
                    out[width * i] = part
                    if edits:
                        inside[i] = edits
                    rebuilt += i in untouched
                continue
            self._track_styles(parts, rows, digits, inner, patched_rows, back, i)
            prefix, row, old = self._rebuild(parts[i], rows[i], rows[i] << COL_BITS)
            out[width * i : width * (i + 1)] = [prefix, row, *blank_row]
            rows_made[i] = old
            back = i + 1
        self._track_styles(parts, rows, digits, inner, patched_rows, back, k)
        data = b"".join(out)
        if self.ledger is not None:
            self._record(out, width, k, inside, rows_made)
        self.out += len(data)
        self.write(data)
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
    ) -> tuple[bytes | None, list[tuple[int, int, int, bytes]]]:
        """``part`` with ``cells`` (from :meth:`_cells_in_place`) replaced by their new bytes,
        or None when none changes (formulas stay); and where each new cell is in it (start,
        end, kind, old bytes)."""
        pieces: list[bytes] = []
        edits: list[tuple[int, int, int, bytes]] = []
        cursor = 0
        at = 0  # length of the new part so far
        for col, start, end, patch in cells:
            old = part[start:end]
            new = self._existing_cell(rnum, col, old, patch)
            if new is not None:
                at += start - cursor
                edits.append((at, at + len(new), CELLS, old))
                at += len(new)
                pieces += (part[cursor:start], new)
                cursor = end
        if not pieces:
            return None, edits
        pieces.append(part[cursor:])
        return b"".join(pieces), edits

    def _record(
        self,
        out: list[bytes],
        width: int,
        k: int,
        inside: dict[int, list[tuple[int, int, int, bytes]]],
        rows_made: dict[int, bytes],
    ) -> None:
        """Record the new bytes of a bulk run in the ledger: per row, those inside its part,
        then its new cells (or the row rebuilt whole)."""
        ledger = self.ledger
        assert ledger is not None
        pos = list(accumulate(map(len, out), initial=self.out))
        starts = pos[1::width][:k]
        ends = pos[width - 1 :: width][:k]
        if not rows_made:
            ledger.add_cells(starts, ends)
        else:
            kinds = [CELLS] * k
            removed: list[bytes | None] = [b""] * k
            for i, old in rows_made.items():
                kinds[i] = ROWS
                removed[i] = old
                # [prefix, row, blanks...]: without columns (width 2) no blank marks its end
                ends[i] = starts[i] + len(out[width * i + 1])
            ledger.extend(kinds, starts, ends, removed)
        for i, edits in inside.items():
            at = pos[width * i]
            for start, end, kind, old in edits:
                ledger.add(kind, at + start, at + end, old)

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

    def _rebuild(self, part: bytes, rnum: int, key: int) -> tuple[bytes, bytes, bytes]:
        """A row of a bulk run done by :meth:`_patch_row`: (what precedes its start tag, the
        row's bytes, the bytes they replace). ``part`` is the bytes up to its ``</row>``."""
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
        old = part[tag_start:] + self._row_end
        return part[:tag_start], new if new is not None else old, old

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
    ) -> tuple[bytes, tuple[int, int, int, bytes] | None]:
        """``part`` (the bytes up to a row's end) with its row's ``spans`` widened as
        :meth:`_fix_spans` does, and where the new start tag is (start, end, kind, old tag;
        None when the tag stays). ``done`` remembers the new tag of each (tag without its
        ``r=``, lo, hi): most rows of a sheet have the same."""
        tag_start = part.rfind(self._row_open)
        tag_end = part.find(b">", tag_start) + 1
        tag = part[tag_start:tag_end]
        if b"spans" not in tag:
            return part, None
        quote = tag.find(b'"', len(self._row_open) + 4)  # a bulk run's rows start <row r="N"
        key = (tag[quote:], lo, hi)
        new = done.get(key)
        if new is None:
            new = done[key] = self._fix_spans(tag[quote:], [lo, hi])
        if new == tag[quote:]:
            return part, None
        new_tag = tag[:quote] + new
        edit = (tag_start, tag_start + len(new_tag), TAG, tag)
        return part[:tag_start] + new_tag + part[tag_end:], edit

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
