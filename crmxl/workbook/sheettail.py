"""The part of a worksheet after its rows: finding and adding ``<legacyDrawing>``.

Legacy cell comments need the sheet to point at a VML drawing with ``<legacyDrawing r:id=.../>``.
A sheet has at most one, and the schema (ECMA-376 Part 1, CT_Worksheet) fixes where it goes:
after ``<drawing>`` and before ``<legacyDrawingHF>``, ``<picture>``, ``<oleObjects>``,
``<controls>``, ``<tableParts>``, ``<extLst>`` (and the ``mc:AlternateContent`` Excel wraps
``<controls>``/``<oleObjects>`` in). Excel refuses a sheet with its children out of order.

Only the top-level children count: ``<extLst>`` also occurs inside ``<conditionalFormatting>``,
so the tail is walked tag by tag with its depth. Attribute values may hold ``>``; the tag
pattern reads them as quoted strings.
"""

from __future__ import annotations

import re
from collections.abc import Callable

#: CT_Worksheet children that come after ``<legacyDrawing>``, in schema order.
AFTER_LEGACY_DRAWING = frozenset(
    [
        b"legacyDrawingHF",
        b"drawingHF",
        b"picture",
        b"oleObjects",
        b"controls",
        b"webPublishItems",
        b"tableParts",
        b"extLst",
        b"AlternateContent",
    ]
)

_TAG = re.compile(
    rb"<(/?)((?:[A-Za-z_][\w.-]*:)?([A-Za-z_][\w.-]*))"
    rb"((?:\s+[^\s=/>]+\s*=\s*(?:\"[^\"]*\"|'[^']*'))*)\s*(/?)>"
    rb"|<!--.*?-->|<\?.*?\?>|<!\[CDATA\[.*?\]\]>",
    re.DOTALL,
)
_LEGACY = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?legacyDrawing(?=[\s/>])[^>]*>")
_ID_ATTR = re.compile(rb"""\s[A-Za-z_][\w.-]*:id\s*=\s*(?:"([^"]*)"|'([^']*)')""")
_SHEET_DATA_END = re.compile(
    rb"</(?:[A-Za-z_][\w.-]*:)?sheetData\s*>|<(?:[A-Za-z_][\w.-]*:)?sheetData[^>]*/>"
)
_CHUNK = 1 << 20


def top_level_children(tail: bytes) -> list[tuple[bytes, int]]:
    """(local name, start offset) of each element of ``tail`` at depth 0, where ``tail`` is
    what follows ``</sheetData>`` (so depth 0 holds the worksheet's remaining children)."""
    found: list[tuple[bytes, int]] = []
    depth = 0
    for m in _TAG.finditer(tail):
        if m.group(2) is None:  # comment, processing instruction, CDATA
            continue
        if m.group(1):  # an end tag
            depth -= 1
            if depth < 0:  # </worksheet>
                break
            continue
        if depth == 0:
            found.append((m.group(3), m.start()))
        if not m.group(5):
            depth += 1
    return found


def root_close(tail: bytes) -> int:
    """Where the root's end tag (``</worksheet>``) starts in ``tail``."""
    depth = 0
    for m in _TAG.finditer(tail):
        if m.group(2) is None:
            continue
        if m.group(1):
            depth -= 1
            if depth < 0:
                return m.start()
        elif not m.group(5):
            depth += 1
    raise ValueError("the worksheet has no end tag")


def legacy_drawing_element(root_tag: bytes, prefix: bytes, rel_id: str, rel_ns: str) -> bytes:
    """``<legacyDrawing r:id="..."/>`` with the relationships prefix the root declares (or a
    local declaration when it declares none)."""
    ns = re.escape(rel_ns.encode())
    declared = re.search(rb"xmlns:([\w.-]+)\s*=\s*[\"']" + ns + rb"[\"']", root_tag)
    if declared is not None:
        attr = declared.group(1) + b':id="' + rel_id.encode() + b'"'
    else:
        attr = b'xmlns:r="' + rel_ns.encode() + b'" r:id="' + rel_id.encode() + b'"'
    return b"<" + prefix + b"legacyDrawing " + attr + b"/>"


def insert_legacy_drawing(tail: bytes, element: bytes) -> bytes:
    """``tail`` (what follows ``</sheetData>``) with ``element`` in its schema place."""
    for local, start in top_level_children(tail):
        if local in AFTER_LEGACY_DRAWING:
            return tail[:start] + element + tail[start:]
    at = root_close(tail)
    return tail[:at] + element + tail[at:]


def find_legacy_drawing(read: Callable[[int], bytes]) -> str | None:
    """The relationship id of a worksheet's ``<legacyDrawing>``, reading the part's bytes
    (``read(n)``) as a stream; None when it has none. Only what follows the rows is searched."""
    carry = b""
    after_rows = False
    while True:
        chunk = read(_CHUNK)
        data = carry + chunk
        if not after_rows:
            end = _SHEET_DATA_END.search(data)
            if end is not None:
                after_rows = True
                data = data[end.end() :]
        if after_rows:
            m = _LEGACY.search(data)
            if m is not None and m.group().endswith(b">"):
                ident = _ID_ATTR.search(m.group())
                if ident is not None:
                    return (ident.group(1) or ident.group(2)).decode("utf-8")
        if not chunk:
            return None
        carry = data[-4096:]
