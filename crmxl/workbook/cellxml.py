"""Cell values as worksheet XML: references, escaping and the ``<c>`` element.

The write path never asks a library to serialise a cell; it writes the bytes of one ``<c>``
element itself, so that it controls exactly what a cell becomes:

- every ``str`` (and :class:`Text`) is an *inline string* (``t="inlineStr"``). An inline string
  can never be a formula, so ``=HYPERLINK(...)`` typed into a CRM stays text;
- numbers are written so that they read back equal (``repr`` for floats, never E-notation for
  whole numbers such as phone numbers stored as numbers);
- dates are Excel serial numbers (the caller gives the cell a date style);
- control characters use the OOXML ``_xHHHH_`` escape, which XML itself cannot carry.
"""

from __future__ import annotations

import datetime as dt
import math
import numbers
import re
from typing import TypeAlias

from crmxl.a1 import column_index, column_letter

MAX_ROW = 1_048_576
MAX_COL = 16_384
MAX_TEXT = 32_767  # Excel's limit, in UTF-16 code units


class Text(str):
    """A string that is always written as text, never interpreted.

    The patcher writes every ``str`` as text anyway; :class:`Text` marks values whose origin
    (an imported CSV cell, a user's note) makes that a promise other writers must keep too.
    """

    __slots__ = ()


#: Day 0 of Excel's two date systems (1900, with its phantom 29 Feb 1900 before March, and 1904).
EXCEL_EPOCH = dt.datetime(1899, 12, 30)
EXCEL_EPOCH_1904 = dt.datetime(1904, 1, 1)


def datetime_to_serial(value: dt.date | dt.datetime, date1904: bool = False) -> float:
    """The Excel serial number of a date or date-time."""
    if not isinstance(value, dt.datetime):
        value = dt.datetime.combine(value, dt.time())
    epoch = EXCEL_EPOCH_1904 if date1904 else EXCEL_EPOCH
    delta = value.replace(tzinfo=None) - epoch
    serial = delta.days + delta.seconds / 86400 + delta.microseconds / 86_400_000_000
    return round(serial, 10)


CellValue: TypeAlias = str | Text | int | float | bool | dt.date | dt.datetime | None


_LETTERS: dict[int, str] = {}


def cell_ref(row: int, col: int) -> str:
    """(7, 2) -> ``B7``."""
    letters = _LETTERS.get(col)
    if letters is None:
        letters = _LETTERS[col] = column_letter(col)
    return f"{letters}{row}"


_REF = re.compile(r"\$?([A-Za-z]{1,3})\$?(\d{1,7})")


def parse_range(ref: str) -> tuple[int, int, int, int] | None:
    """``A1:C3`` (or ``B2``) -> (min_row, min_col, max_row, max_col); None if not a range."""
    parts = ref.strip().split(":")
    if not 1 <= len(parts) <= 2:
        return None
    coords = []
    for part in parts:
        m = _REF.fullmatch(part)
        if m is None:
            return None
        coords.append((int(m.group(2)), column_index(m.group(1))))
    (r1, c1), (r2, c2) = coords[0], coords[-1]
    return min(r1, r2), min(c1, c2), max(r1, r2), max(c1, c2)


def range_ref(min_row: int, min_col: int, max_row: int, max_col: int) -> str:
    """The inverse of :func:`parse_range` (a single cell when the range is one cell)."""
    first = cell_ref(min_row, min_col)
    if (min_row, min_col) == (max_row, max_col):
        return first
    return f"{first}:{cell_ref(max_row, max_col)}"


# XML 1.0 cannot carry C0 controls (other than tab, LF, CR), lone surrogates, U+FFFE/U+FFFF.
_NEEDS_OOXML_ESCAPE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
# Text that already looks like an escape must have its underscore escaped to survive.
_LOOKS_ESCAPED = re.compile("_(?=x[0-9A-Fa-f]{4}_)")


def escape_text(text: str) -> str:
    """XML-escape ``text`` and apply the OOXML ``_xHHHH_`` escape where XML cannot go.

    Text that already reads like an escape (``_x0041_``) gets its underscore escaped
    (``_x005F_``), so that readers which undo the escape give back what was written.
    """
    text = _LOOKS_ESCAPED.sub("_x005F_", text)
    text = _NEEDS_OOXML_ESCAPE.sub(lambda m: f"_x{ord(m.group()):04X}_", text)
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return text.replace("\r", "&#13;")  # a raw CR would be read back as LF


def escape_attr(text: str) -> str:
    """XML-escape ``text`` for a double-quoted attribute value."""
    return (
        text.replace("&", "&amp;")
        .replace("<", "&lt;")
        .replace(">", "&gt;")
        .replace('"', "&quot;")
        .replace("\t", "&#9;")
        .replace("\n", "&#10;")
        .replace("\r", "&#13;")
    )


def format_number(value: float) -> str:
    """A number as a ``<v>`` text that reads back equal; whole numbers without an exponent."""
    if not math.isfinite(value):
        raise ValueError(f"cannot write {value!r} to a cell")
    if value.is_integer() and abs(value) < 1e16:
        return str(int(value))
    return repr(value)


def text_length(text: str) -> int:
    """Length as Excel counts it (UTF-16 code units)."""
    return len(text.encode("utf-16-le", "surrogatepass")) // 2


class EncodedValue:
    """A cell value ready for XML: the ``t=`` type (or None) and the child elements' bytes."""

    __slots__ = ("cell_type", "is_date", "kind", "payload")

    def __init__(self, kind: str, cell_type: bytes | None, payload: str, is_date: bool) -> None:
        self.kind = kind  # "none", "text", "number", "bool", "date"
        self.cell_type = cell_type
        self.payload = payload  # the escaped text, or the number's text
        self.is_date = is_date


_NONE = EncodedValue("none", None, "", False)


def encode_value(value: object, date1904: bool = False) -> EncodedValue:
    """Classify and encode ``value``; raise ``TypeError``/``ValueError`` for what a cell cannot hold.

    An empty string clears the cell, as ``None`` does: an empty text cell is invisible in Excel
    but makes readers return ``""`` instead of a blank.
    """
    if value is None:
        return _NONE
    kind = type(value)
    if kind is int:  # the common cases first, without the abstract-base-class checks
        return EncodedValue("number", None, str(value), False)
    if kind is float:
        return EncodedValue("number", None, format_number(value), False)  # type: ignore[arg-type]
    if isinstance(value, str):
        if value == "":
            return _NONE
        if text_length(value) > MAX_TEXT:
            raise ValueError(f"text of {text_length(value)} characters is over Excel's {MAX_TEXT}")
        return EncodedValue("text", b"inlineStr", value, False)
    if isinstance(value, bool):
        return EncodedValue("bool", b"b", "1" if value else "0", False)
    if isinstance(value, dt.date):  # datetime too (a subclass of date)
        if value != value:  # pandas.NaT
            raise ValueError("cannot write a missing date (NaT); pass None to clear a cell")
        serial = datetime_to_serial(value, date1904)
        if serial < 0:
            raise ValueError(f"{value!r} is before Excel's first date")
        return EncodedValue("date", None, format_number(serial), True)
    if isinstance(value, numbers.Integral):
        return EncodedValue("number", None, str(int(value)), False)
    if isinstance(value, numbers.Real):
        return EncodedValue("number", None, format_number(float(value)), False)
    raise TypeError(f"cannot write a {type(value).__name__} to a cell")


def cell_xml(
    prefix: bytes,
    row: int,
    col: int,
    style: int,
    encoded: EncodedValue,
    keep_attrs: bytes = b"",
    keep_children: bytes = b"",
) -> bytes:
    """One ``<c>`` element. ``keep_attrs``/``keep_children`` carry what the old cell had that
    the new value does not replace (``ph``, an ``extLst``)."""
    attrs = f' r="{cell_ref(row, col)}"'
    if style:
        attrs += f' s="{style}"'
    head = b"<" + prefix + b"c" + attrs.encode("ascii")
    if encoded.cell_type is not None:
        head += b' t="' + encoded.cell_type + b'"'
    head += keep_attrs
    if encoded.kind == "none":
        if keep_children:
            return head + b">" + keep_children + b"</" + prefix + b"c>"
        return head + b"/>"
    if encoded.kind == "text":
        text = encoded.payload
        space = ' xml:space="preserve"' if text[:1].isspace() or text[-1:].isspace() else ""
        body = (
            b"<" + prefix + b"is><" + prefix + b"t" + space.encode("ascii") + b">"
            + escape_text(text).encode("utf-8")
            + b"</" + prefix + b"t></" + prefix + b"is>"
        )  # fmt: skip
    else:
        body = b"<" + prefix + b"v>" + encoded.payload.encode("ascii") + b"</" + prefix + b"v>"
    return head + b">" + body + keep_children + b"</" + prefix + b"c>"
