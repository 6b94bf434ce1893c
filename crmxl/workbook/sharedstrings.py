"""Items of a workbook's shared-string table, found by index without parsing what precedes them.

crmxl reads a sheet's first rows itself (to find the header row), and a text cell there holds
an index into the shared-string table. Excel writes that table in the order strings were met,
sheet by sheet, so the header of the third sheet of a 100k-customer workbook refers to items
near the end of a 100 MB table. Parsing the items up to there with ElementTree took ~11 s and
kept a million Python strings. Here the table's bytes are inflated once, in chunks cut at item
boundaries; each chunk's item starts are found with one regular-expression pass and kept as an
``array``; an item is parsed only when it is asked for (wrapped in the table's own root tag, so
that namespace prefixes resolve). The chunks are kept deflated again (zlib level 1), and one at a
time inflated for lookups: the table costs a fraction of its size in memory.

The part was checked by the input guard (no DOCTYPE or entity declaration in its prolog, sizes
within limits) before anything here reads it.
"""

from __future__ import annotations

import re
import threading
import zlib
from array import array
from bisect import bisect_right
from collections.abc import Callable
from typing import IO
from xml.etree import ElementTree as ET

_CHUNK = 8 * 1024 * 1024
_ROOT = re.compile(rb"<([A-Za-z_][\w.-]*:)?sst(?=[\s/>])[^>]*>")


class SharedStrings:
    """Item ``i`` of a shared-string table with :meth:`get`; thread-safe.

    ``open_part`` opens the table's uncompressed bytes (called once, on the first lookup);
    ``text_of`` makes an item's text from its parsed ``<si>`` element.
    """

    def __init__(self, open_part: Callable[[], IO[bytes]], text_of: Callable[[ET.Element], str]):
        self._open = open_part
        self._text_of = text_of
        self._fh: IO[bytes] | None = None
        self._lock = threading.Lock()
        self._chunks: list[bytes] = []  # deflated
        self._starts: list[int] = []  # index of each chunk's first item
        self._offsets: list[array[int]] = []  # where each item starts in its chunk
        self._count = 0
        self._done = False
        self._carry = b""
        self._wrap: tuple[bytes, bytes] | None = None  # the root's start and end tags
        self._item: re.Pattern[bytes] | None = None
        self._cached: tuple[int, bytes] = (-1, b"")  # the last chunk inflated
        self._texts: dict[int, str] = {}

    def get(self, index: int) -> str | None:
        """The text of item ``index`` (None when the table has no such item)."""
        with self._lock:
            text = self._texts.get(index)
            if text is not None:
                return text
            while self._count <= index and not self._done:
                self._advance()
            if not 0 <= index < self._count:
                return None
            n = bisect_right(self._starts, index) - 1
            chunk = self._chunk(n)
            offsets = self._offsets[n]
            k = index - self._starts[n]
            end = offsets[k + 1] if k + 1 < len(offsets) else len(chunk)
            text = self._parse(chunk[offsets[k] : end])
            self._texts[index] = text
            return text

    def count(self) -> int:
        """How many items the table holds (reading it to its end)."""
        with self._lock:
            while not self._done:
                self._advance()
            return self._count

    def close(self) -> None:
        if self._fh is not None:
            self._fh.close()

    def _chunk(self, n: int) -> bytes:
        if self._cached[0] != n:
            self._cached = (n, zlib.decompress(self._chunks[n]))
        return self._cached[1]

    def _advance(self) -> None:
        """Read the next chunk: the items that start in it, up to the last one's start."""
        if self._fh is None:
            self._fh = self._open()
        data = self._carry + self._fh.read(_CHUNK)
        eof = len(data) == len(self._carry)
        if self._wrap is None:
            root = _ROOT.search(data)
            if root is None:
                if eof or len(data) > 1 << 22:
                    self._done = True
                    return
                self._carry = data
                return
            prefix = root.group(1) or b""
            self._wrap = (root.group(), b"</" + prefix + b"sst>")
            self._item = re.compile(rb"<" + re.escape(prefix) + rb"si(?=[\s/>])")
            data = data[root.end() :]
        assert self._item is not None
        starts = [m.start() for m in self._item.finditer(data)]
        if eof:
            end = data.rfind(self._wrap[1])
            chunk, self._carry, self._done = data[: end if end >= 0 else len(data)], b"", True
        elif len(starts) > 1:
            chunk, self._carry = data[: starts[-1]], data[starts[-1] :]
            starts.pop()
        else:  # one item longer than a chunk: read on
            self._carry = data
            return
        if not starts:
            return
        base = starts[0]
        self._chunks.append(zlib.compress(chunk[base:], 1))
        self._starts.append(self._count)
        self._offsets.append(array("q", [s - base for s in starts]))
        self._count += len(starts)
        self._cached = (-1, b"")

    def _parse(self, item: bytes) -> str:
        assert self._wrap is not None
        start, end = self._wrap
        root = ET.fromstring(start + item + end)
        return self._text_of(root[0]) if len(root) else ""
