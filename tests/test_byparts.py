"""The check by parts of a rewritten sheet (crmxl/workbook/byparts.py) against the whole-file
parse it stands in for.

The patcher records where it put new bytes and what they replaced; the check certifies the
output without parsing the copied bytes again. The oracle is the whole-file parse (expat, as
``verify_package`` parses a part it has no certificate for). The mutation test flips,
truncates and repeats bytes in every new span and at every splice point of outputs of every
shape the patcher makes, and checks that the check never certifies an output the oracle
rejects (and that it does certify the unmutated outputs, so it is not merely refusing
everything).
"""

from __future__ import annotations

import io
import zlib
from collections.abc import Callable, Iterator
from typing import Any
from unittest import mock
from xml.parsers import expat

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from test_patch import STYLES, _column_sheets, _sheets, _writes
from xlsxkit import sheet_xml

from crmxl.workbook import sheetbulk, sheetxml
from crmxl.workbook.byparts import (
    CELLS,
    HEAD,
    ROWS,
    SWAP,
    TAG,
    TAIL,
    Failed,
    Ledger,
    PartsCheck,
    Undecided,
    decode,
)
from crmxl.workbook.deflater import DATA, LEDGER
from crmxl.workbook.styles import StyleBook

Frames = list[tuple[bytes, bytes]]


def patch(
    xml: bytes,
    patches: dict[int, Any],
    *,
    chunk: int = 1 << 20,
    bulk_min: int | None = None,
    tail_edit: Callable[[bytes, bytes, bytes], bytes] | None = None,
) -> tuple[bytes, Frames]:
    """Patch ``xml``; the output and the frames a deflating child would get (each write's
    ledger entries, then its bytes)."""
    frames: Frames = []
    ledger = Ledger()

    def write(data: bytes) -> None:
        entries = ledger.take()
        if entries:
            frames.append((LEDGER, entries))
        frames.append((DATA, data))

    columns = {(k & (sheetxml.MAX_COL - 1)) + 1 for k in patches}
    options = sheetxml.SheetOptions(StyleBook(STYLES.encode()), tail_edit=tail_edit)
    with (
        mock.patch.object(sheetxml, "CHUNK", chunk),
        mock.patch.object(sheetbulk, "BULK_MIN", 1 << 15 if bulk_min is None else bulk_min),
    ):
        patcher = sheetxml.SheetPatcher(
            io.BytesIO(xml).read, write, sheetxml.group_rows(patches), options, None, columns
        )
        patcher.ledger = ledger
        patcher.run()
    assert not ledger.take(), "entries recorded after the last write"
    return b"".join(d for k, d in frames if k == DATA), frames


def certify(source: bytes, frames: Frames) -> str:
    """ "certified", "undecided" or "failed"."""
    check = PartsCheck(zlib.crc32(source), len(source))
    try:
        for kind, payload in frames:
            if kind == LEDGER:
                check.ledger(payload)
            else:
                check.data(payload)
        check.end()
    except Failed:
        return "failed"
    except Undecided:
        return "undecided"
    return "certified"


def oracle(data: bytes) -> bool:
    """The whole-file parse: is ``data`` well-formed XML?"""
    parser = expat.ParserCreate()
    try:
        parser.Parse(data, True)
    except (expat.ExpatError, LookupError):  # LookupError: an encoding it does not know
        return False
    return True


def entries_of(frames: Frames) -> list[tuple[int, int, int, bytes | None]]:
    out = []
    for kind, payload in frames:
        if kind == LEDGER:
            kinds, starts, ends, removed = decode(payload)
            out += zip(starts, ends, kinds, removed, strict=True)
    return out


def rechunk(frames: Frames, data: bytes, size: int) -> Frames:
    """Every ledger entry first, then ``data`` in pieces of ``size``."""
    ledger = Ledger()
    for start, end, kind, removed in entries_of(frames):
        ledger.add(kind, start, end, removed)
    out: Frames = [(LEDGER, ledger.take())]
    out += [(DATA, data[i : i + size]) for i in range(0, len(data), size)]
    return out


def _k(r: int, c: int) -> int:
    return sheetxml.patch_key(r, c)


# -- outputs of every shape --------------------------------------------------------------------


def _rows(n: int, *, spans: bool = False, prefix: str = "") -> str:
    p = prefix
    attrs = ' spans="1:2"' if spans else ""
    return "".join(
        f'<{p}row r="{r}"{attrs}><{p}c r="A{r}" s="1"><{p}v>{r}</{p}v></{p}c>'
        f'<{p}c r="B{r}" t="inlineStr"><{p}is><{p}t>名{r}</{p}t></{p}is></{p}c></{p}row>'
        for r in range(1, n + 1)
    )


def _prefixed(rows: str) -> bytes:
    ns = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
    return (
        f'<?xml version="1.0" encoding="UTF-8"?><x:worksheet xmlns:x="{ns}">'
        f'<x:dimension ref="A1"/><x:sheetData>{rows}</x:sheetData></x:worksheet>'
    ).encode()


def _tail_edit(tail: bytes, root: bytes, prefix: bytes) -> bytes:
    return tail.replace(b"</" + prefix + b"worksheet>", b"<" + prefix + b"legacyDrawing "
                        b'xmlns:r="urn:r" r:id="rId9"/></' + prefix + b"worksheet>")  # fmt: skip


def shapes() -> dict[str, tuple[bytes, bytes, Frames]]:
    """name -> (source, output, frames), one of each kind of span the patcher records."""
    many = sheet_xml(_rows(200)).encode()
    out: dict[str, tuple[bytes, bytes, Frames]] = {}

    def add(name: str, source: bytes, patches: dict[int, Any], **kw: Any) -> None:
        output, frames = patch(source, patches, **kw)
        out[name] = (source, output, frames)

    add("new column (bulk)", many, {_k(r, 3): f"v{r % 3}" for r in range(1, 201)}, bulk_min=0)
    add("new column (row by row)", many, {_k(r, 3): r for r in range(1, 201)}, bulk_min=1 << 40)
    add("values in place (bulk)", many, {_k(r, 1): r * 2 for r in range(2, 201, 3)}, bulk_min=0)
    add("values in place, row by row", many, {_k(r, 2): "新" for r in range(2, 201, 5)},
        bulk_min=1 << 40)  # fmt: skip
    add("spans widened", sheet_xml(_rows(150, spans=True)).encode(),
        {_k(r, 4): r for r in range(1, 151)}, bulk_min=0)  # fmt: skip
    add("spans and values in place", sheet_xml(_rows(150, spans=True)).encode(),
        {**{_k(r, 1): -r for r in range(1, 151, 2)}, **{_k(r, 5): "x" for r in range(1, 151)}},
        bulk_min=0)  # fmt: skip
    add("rows inserted", sheet_xml(_rows(5) + '<row r="9"><c r="A9"><v>9</v></c></row>').encode(),
        {_k(7, 1): "new", _k(8, 2): 8, _k(12, 1): 12})  # fmt: skip
    add("a cell among the others (rebuilt)", many, {_k(5, 1): 1, _k(6, 3): "c", _k(6, 1): 2},
        bulk_min=0)  # fmt: skip
    add("empty sheetData", sheet_xml("").replace("<sheetData></sheetData>", "<sheetData/>")
        .encode(), {_k(1, 1): "h", _k(2, 2): 2})  # fmt: skip
    add("prefixed", _prefixed(_rows(50, prefix="x:")), {_k(r, 3): r for r in range(1, 51)})
    add("tail edited", many, {_k(3, 3): 1}, tail_edit=_tail_edit)
    add("small chunks", many, {_k(r, 3): r for r in range(1, 201, 2)}, chunk=97, bulk_min=0)
    return out


SHAPES = shapes()


@pytest.mark.parametrize("name", list(SHAPES))
def test_every_shape_is_certified(name: str) -> None:
    source, output, frames = SHAPES[name]
    assert oracle(output)
    assert certify(source, frames) == "certified"
    for size in (7, 4096):  # however the bytes come
        assert certify(source, rechunk(frames, output, size)) == "certified", size


def test_the_shapes_cover_every_kind() -> None:
    kinds = {kind for _, _, f in SHAPES.values() for _, _, kind, _ in entries_of(f)}
    assert kinds == {CELLS, ROWS, TAG, HEAD, TAIL, SWAP}


# -- the mutation test -------------------------------------------------------------------------

_FLIPS = (b"<", b">", b'"', b"/", b"&", b"\x00")


def _mutations(data: bytes, points: list[int]) -> Iterator[tuple[str, bytes]]:
    for p in points:
        if not 0 <= p < len(data):
            continue
        for b in _FLIPS:
            if data[p : p + 1] != b:
                yield f"flip {p} to {b!r}", data[:p] + b + data[p + 1 :]
        for n in (1, 5):
            yield f"cut {n} at {p}", data[:p] + data[p + n :]
            yield f"repeat {n} at {p}", data[: p + n] + data[p : p + n] + data[p + n :]
        yield f"truncate at {p}", data[:p]


def _points(output: bytes, frames: Frames) -> list[int]:
    """Every splice point (each span's first and last byte and the bytes either side of it),
    and bytes inside each new span."""
    points: set[int] = set()
    for start, end, _, _ in entries_of(frames):
        points.update((start - 1, start, start + 1, end - 1, end, end + 1))
        points.update(range(start, end, max(1, (end - start) // 5)))
    return sorted(points)


@pytest.mark.parametrize("name", list(SHAPES))
def test_no_corruption_the_whole_parse_rejects_is_certified(name: str) -> None:
    source, output, frames = SHAPES[name]
    points = _points(output, frames)
    if len(points) > 60:  # a bulk run: every kind of point is met in the first rows
        points = points[:30] + points[-30:]
    rejected = certified_bad = 0
    for what, bad in _mutations(output, points):
        whole = oracle(bad)
        parts = certify(source, rechunk(frames, bad, 4096))
        if not whole:
            rejected += 1
            if parts == "certified":
                certified_bad += 1
                pytest.fail(f"{name}: {what} is not well-formed, yet certified by parts")
    assert rejected > 100  # the mutations do break things, often
    assert certified_bad == 0


def test_a_copied_byte_changed_is_caught_though_still_well_formed() -> None:
    """What the whole-file parse cannot see: a copied value that changed."""
    source, output, frames = SHAPES["new column (bulk)"]
    at = output.index(b"<v>123</v>") + 3
    bad = output[:at] + b"7" + output[at + 1 :]
    assert oracle(bad)
    assert certify(source, rechunk(frames, bad, 4096)) == "failed"


def test_spans_out_of_place_or_in_disorder_are_refused() -> None:
    source, output, frames = SHAPES["rows inserted"]
    entries = entries_of(frames)
    rows = [e for e in entries if e[2] == ROWS]
    assert rows
    start, end, _, _ = rows[0]
    ledger = Ledger()
    for s, e, k, r in entries:  # the first new row said to be new cells: out of place
        ledger.add(CELLS if (s, e) == (start, end) else k, s, e, r)
    assert certify(source, [(LEDGER, ledger.take()), (DATA, output)]) == "failed"
    swapped = output.replace(b'<row r="7">', b'<row r="3">', 1)
    assert oracle(swapped)
    assert certify(source, rechunk(frames, swapped, 64)) == "failed"  # row 3 after row 5


def test_comments_among_the_rows_are_not_certified() -> None:
    """The patcher refuses such a sheet; the check does not rely on it (a ``</row>`` inside a
    comment or CDATA section is text, not the end of a row)."""
    source = sheet_xml(_rows(3)).replace('</row><row r="2"', '</row><!--x--><row r="2"').encode()
    new = b'<c r="C1"><v>1</v></c>'
    at = source.index(b"</row>")
    output = source[:at] + new + source[at:]
    head = source.index(b"<sheetData>") + len(b"<sheetData>")
    tail = output.index(b"</sheetData>")
    ledger = Ledger()
    ledger.add(HEAD, 0, head, None)
    ledger.add(CELLS, at, at + len(new), b"")
    ledger.add(TAIL, tail, tail, None)
    assert oracle(output)
    assert certify(source, [(LEDGER, ledger.take()), (DATA, output)]) == "undecided"


# -- the patcher's ledger on generated sheets ---------------------------------------------------


@settings(max_examples=120, deadline=None)
@given(sheet=_column_sheets(), chunk=st.integers(40, 4000), size=st.integers(1, 5000))
def test_excel_like_sheets_are_certified(sheet: tuple[str, dict[int, Any]], chunk: int,
                                         size: int) -> None:  # fmt: skip
    xml, patches = sheet
    source = xml.encode()
    output, frames = patch(source, patches, chunk=chunk, bulk_min=0)
    assert oracle(output)
    assert certify(source, frames) == "certified"
    assert certify(source, rechunk(frames, output, size)) == "certified"


@settings(max_examples=120, deadline=None)
@given(
    sheet=_sheets(),
    writes=_writes(),
    chunk=st.integers(5, 300),
)
def test_sheets_without_references_are_never_refused_wrongly(
    sheet: tuple[str, dict[tuple[int, int], Any], set[tuple[int, int]]],
    writes: dict[tuple[int, int], Any],
    chunk: int,
) -> None:
    """Rows and cells without ``r=`` may leave a neighbour's number unknown: then the check
    does not decide (the whole part is parsed), but it never fails a good output."""
    xml, _, _ = sheet
    source = xml.encode()
    output, frames = patch(source, {_k(r, c): v for (r, c), v in writes.items()}, chunk=chunk)
    assert oracle(output)
    assert certify(source, frames) in ("certified", "undecided")
