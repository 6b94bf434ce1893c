"""VML drawings: the boxes that legacy cell comments are drawn in.

Every client shows a legacy comment (``xl/commentsN.xml``) only where the sheet's VML drawing
(``xl/drawings/vmlDrawingN.vml``, the target of ``<legacyDrawing>``) has a "Note" shape for
its cell: ``<x:Row>``/``<x:Column>`` (0-based) name the cell, ``<x:Anchor>`` gives the box as
"left column, x offset, top row, y offset, right column, x offset, bottom row, y offset"
(cells, then pixels), which Excel and LibreOffice use to place it.

Excel's VML is not always well-formed XML (older versions write ``<br>``), so an existing
drawing is edited on its bytes: new shapes go before the closing ``</xml>``, a comment box
that gets more text grows downwards, nothing else changes.

Shape ids are ``_x0000_s{1024 * block + n}``; each drawing owns the blocks its
``<o:idmap data=...>`` lists, and the blocks must not repeat across the workbook's drawings.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Iterable

from crmxl.workbook.cellxml import MAX_COL, MAX_ROW, escape_attr

BLOCK = 1024
NS_V = b"urn:schemas-microsoft-com:vml"
NS_O = b"urn:schemas-microsoft-com:office:office"
NS_X = b"urn:schemas-microsoft-com:office:excel"

_IDMAP = re.compile(rb"<o:idmap\b[^>]*?\bdata\s*=\s*([\"'])([^\"']*)\1")
_SHAPE_ID = re.compile(rb"_x0000_s(\d+)")
_NOTE = re.compile(
    rb"<v:shape\b(?:(?!</v:shape>).)*?ObjectType\s*=\s*[\"']Note[\"'].*?</v:shape>", re.S
)
_ROW = re.compile(rb"<x:Row>\s*(\d+)\s*</x:Row>")
_COL = re.compile(rb"<x:Column>\s*(\d+)\s*</x:Column>")
_ANCHOR = re.compile(rb"(<x:Anchor>)([^<]*)(</x:Anchor>)")
_CLOSE = re.compile(rb"</xml\s*>\s*$")
_ROOT = re.compile(rb"<xml\b[^>]*>")

#: The comment box: three standard columns wide (64 px each), as Excel's default is about.
BOX_COLUMNS = 3
_UNITS_PER_LINE = 30  # Latin characters per box line at 9 pt (a CJK character counts 2)
_PX_PER_LINE = 15
_ROW_PX = 20
_COL_PT = 48.0
_ROW_PT = 15.0

SHAPETYPE_NOTE = (
    b'<v:shapetype id="_x0000_t202" coordsize="21600,21600" o:spt="202" '
    b'path="m,l,21600r21600,l21600,xe"><v:stroke joinstyle="miter"/>'
    b'<v:path gradientshapeok="t" o:connecttype="rect"/></v:shapetype>'
)


def blocks_in(data: bytes) -> set[int]:
    """The id blocks a drawing uses: those its ``o:idmap`` claims and those its shapes' ids
    fall in."""
    used: set[int] = set()
    for m in _IDMAP.finditer(data):
        used |= {int(x) for x in re.findall(rb"\d+", m.group(2))}
    used |= {int(n) // BLOCK for n in _SHAPE_ID.findall(data)}
    return used


def text_lines(text: str) -> int:
    """How many lines ``text`` takes in a comment box (a CJK character is two units wide)."""
    lines = 0
    for line in text.split("\n"):
        units = sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in line)
        lines += max(1, math.ceil(units / _UNITS_PER_LINE))
    return lines


def box_rows(text: str) -> int:
    """Rows (20 px) a box needs for ``text``: at least 4, at most 40."""
    height = text_lines(text) * _PX_PER_LINE + 12
    return min(40, max(4, math.ceil(height / _ROW_PX)))


def anchor(row: int, col: int, text: str) -> tuple[int, ...]:
    """The ``x:Anchor`` of a comment box for the cell (``row``, ``col``), 1-based: right of the
    cell, starting a row above it, as Excel places new comments; kept inside the sheet."""
    rows = box_rows(text)
    left = col  # 0-based: the column right of the cell
    if left + BOX_COLUMNS > MAX_COL - 1:
        left = max(0, col - 2 - BOX_COLUMNS)
    top, top_offset = (row - 2, 10) if row > 1 else (0, 2)
    top = min(top, MAX_ROW - 1 - rows)
    return (left, 15, top, top_offset, left + BOX_COLUMNS, 15, top + rows, 4)


def note_shape(shape_id: int, row: int, col: int, text: str, z_index: int) -> bytes:
    """A hidden comment box ("Note") for cell (``row``, ``col``), 1-based."""
    a = anchor(row, col, text)
    left_pt = a[0] * _COL_PT + 11.25
    top_pt = a[2] * _ROW_PT + a[3] * 0.75
    width_pt = BOX_COLUMNS * _COL_PT
    height_pt = (a[6] - a[2]) * _ROW_PT
    style = (
        f"position:absolute;margin-left:{left_pt:g}pt;margin-top:{top_pt:g}pt;"
        f"width:{width_pt:g}pt;height:{height_pt:g}pt;z-index:{z_index};visibility:hidden"
    )
    return (
        f'<v:shape id="_x0000_s{shape_id}" type="#_x0000_t202" style="{escape_attr(style)}" '
        'fillcolor="#ffffe1" o:insetmode="auto"><v:fill color2="#ffffe1"/>'
        '<v:shadow on="t" color="black" obscured="t"/><v:path o:connecttype="none"/>'
        '<v:textbox style="mso-direction-alt:auto"><div style="text-align:left"></div>'
        '</v:textbox><x:ClientData ObjectType="Note"><x:MoveWithCells/><x:SizeWithCells/>'
        f"<x:Anchor>{', '.join(str(n) for n in a)}</x:Anchor><x:AutoFill>False</x:AutoFill>"
        f"<x:Row>{row - 1}</x:Row><x:Column>{col - 1}</x:Column></x:ClientData></v:shape>"
    ).encode()


class VmlDrawing:
    """One VML drawing, new or existing, that comment boxes are added to."""

    def __init__(self, data: bytes | None, taken_blocks: set[int]) -> None:
        """``data`` None starts a new drawing. ``taken_blocks``: id blocks used anywhere in the
        workbook; blocks this drawing claims are added to it."""
        self.created = data is None
        self.original = data or b""
        self.taken = taken_blocks
        self._shapes: list[bytes] = []
        self._grown: dict[tuple[int, int], int] = {}
        self.own_blocks: list[int] = sorted(blocks_in(self.original)) if data else []
        self._new_blocks: list[int] = []
        used = {int(n) for n in _SHAPE_ID.findall(self.original)}
        self._free = [
            b * BLOCK + i
            for b in self.own_blocks
            for i in range(1, BLOCK)
            if b * BLOCK + i not in used
        ]
        self._free.reverse()
        self._z = len(re.findall(rb"<v:shape\b", self.original))

    @property
    def changed(self) -> bool:
        return self.created or bool(self._shapes) or bool(self._grown)

    def _next_id(self) -> int:
        if not self._free:
            block = max([0, *self.taken]) + 1
            self.taken.add(block)
            self.own_blocks.append(block)
            self._new_blocks.append(block)
            self._free = [block * BLOCK + i for i in range(BLOCK - 1, 0, -1)]
        return self._free.pop()

    def add_note(self, row: int, col: int, text: str) -> None:
        """A box for a new comment on cell (``row``, ``col``), sized for ``text``."""
        self._z += 1
        self._shapes.append(note_shape(self._next_id(), row, col, text, self._z))

    def notes(self) -> set[tuple[int, int]]:
        """The cells (1-based) the drawing has comment boxes for."""
        found = set()
        for m in _NOTE.finditer(self.original):
            r, c = _ROW.search(m.group()), _COL.search(m.group())
            if r is not None and c is not None:
                found.add((int(r.group(1)) + 1, int(c.group(1)) + 1))
        return found

    def grow_note(self, row: int, col: int, text: str) -> None:
        """Make the existing box of cell (``row``, ``col``) tall enough for ``text``, its
        whole new text (never shorter than it was)."""
        self._grown[(row, col)] = box_rows(text)

    def to_bytes(self) -> bytes:
        if self.created:
            return self._new_drawing()
        data = self.original
        if self._grown:
            data = _NOTE.sub(self._grow, data)
        if self._new_blocks:
            data = self._claim_blocks(data)
        if self._shapes:
            body = b"".join(self._shapes)
            if b'id="_x0000_t202"' not in data and b"id='_x0000_t202'" not in data:
                body = SHAPETYPE_NOTE + body
            data = self._declare_namespaces(data)
            close = _CLOSE.search(data)
            if close is None:
                raise ValueError("the VML drawing has no closing </xml>")
            data = data[: close.start()] + body + data[close.start() :]
        return data

    def _new_drawing(self) -> bytes:
        blocks = ",".join(str(b) for b in self.own_blocks)
        return (
            b'<xml xmlns:v="' + NS_V + b'" xmlns:o="' + NS_O + b'" xmlns:x="' + NS_X + b'">'
            b'<o:shapelayout v:ext="edit"><o:idmap v:ext="edit" data="' + blocks.encode()
            + b'"/></o:shapelayout>' + SHAPETYPE_NOTE + b"".join(self._shapes) + b"</xml>"
        )  # fmt: skip

    def _grow(self, m: re.Match[bytes]) -> bytes:
        shape = m.group()
        r, c = _ROW.search(shape), _COL.search(shape)
        if r is None or c is None:
            return shape
        rows = self._grown.get((int(r.group(1)) + 1, int(c.group(1)) + 1))
        a = _ANCHOR.search(shape)
        if rows is None or a is None:
            return shape
        numbers = [x.strip() for x in a.group(2).split(b",")]
        if len(numbers) != 8 or not all(x.isdigit() for x in numbers):
            return shape
        top, bottom = int(numbers[2]), int(numbers[6])
        if bottom - top >= rows:
            return shape
        numbers[6] = str(min(top + rows, MAX_ROW - 1)).encode()
        new_anchor = a.group(1) + b", ".join(numbers) + a.group(3)
        return shape[: a.start()] + new_anchor + shape[a.end() :]

    def _claim_blocks(self, data: bytes) -> bytes:
        """List the blocks taken for new shapes in the drawing's ``o:idmap``."""
        m = _IDMAP.search(data)
        extra = ",".join(str(b) for b in self._new_blocks).encode()
        if m is None:
            layout = (
                b'<o:shapelayout v:ext="edit"><o:idmap v:ext="edit" data="'
                + extra
                + b'"/></o:shapelayout>'
            )
            root = _ROOT.search(data)
            if root is None:
                raise ValueError("the VML drawing has no <xml> root")
            return data[: root.end()] + layout + data[root.end() :]
        value = m.group(2).strip()
        new_value = value + b"," + extra if value else extra
        start, end = m.span(2)
        return data[:start] + new_value + data[end:]

    def _declare_namespaces(self, data: bytes) -> bytes:
        """Bind the prefixes ``v``, ``o`` and ``x`` on the root when it does not yet."""
        root = _ROOT.search(data)
        if root is None:
            raise ValueError("the VML drawing has no <xml> root")
        tag = root.group()
        extra = b""
        for prefix, ns in ((b"v", NS_V), (b"o", NS_O), (b"x", NS_X)):
            if re.search(rb"xmlns:" + prefix + rb"\s*=", tag) is None:
                extra += b" xmlns:" + prefix + b'="' + ns + b'"'
        if not extra:
            return data
        new_tag = tag[:-1].rstrip() + extra + b">"
        return data[: root.start()] + new_tag + data[root.end() :]


def taken_blocks(drawings: Iterable[bytes]) -> set[int]:
    """Every id block used by any of the workbook's VML drawings."""
    used: set[int] = set()
    for data in drawings:
        used |= blocks_in(data)
    return used
