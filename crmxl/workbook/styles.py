"""The styles part (``xl/styles.xml``): reading cell formats and *appending* derived ones.

A date written into a cell is a serial number; only a date number format makes it look like a
date. When the cell's current style has none (or a caller asks for a format the style lacks),
the writer gives the cell a *derived* style: a copy of its ``cellXfs`` entry that differs only in
the number format. Likewise a bold header is a copy with a bold copy of its font.

A highlighted cell (``validate --annotate``) gets a copy of its entry that differs only in the
fill, so the cell keeps its font, borders, number format and alignment.

The only change this module makes to the part is appending: new ``<numFmt>`` (ids from 164 up),
new ``<font>``, ``<fill>`` and ``<xf>`` entries, with their ``count`` attributes updated. Existing
indices never change, so every cell of the workbook keeps meaning what it meant.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable

# ECMA-376 Part 1, 18.8.30: the built-in number formats that have a fixed code.
BUILTIN_FORMATS: dict[int, str] = {
    0: "General",
    1: "0",
    2: "0.00",
    3: "#,##0",
    4: "#,##0.00",
    9: "0%",
    10: "0.00%",
    11: "0.00E+00",
    12: "# ?/?",
    13: "# ??/??",
    14: "mm-dd-yy",
    15: "d-mmm-yy",
    16: "d-mmm",
    17: "mmm-yy",
    18: "h:mm AM/PM",
    19: "h:mm:ss AM/PM",
    20: "h:mm",
    21: "h:mm:ss",
    22: "m/d/yy h:mm",
    37: "#,##0 ;(#,##0)",
    38: "#,##0 ;[Red](#,##0)",
    39: "#,##0.00;(#,##0.00)",
    40: "#,##0.00;[Red](#,##0.00)",
    45: "mm:ss",
    46: "[h]:mm:ss",
    47: "mmss.0",
    48: "##0.0E+0",
    49: "@",
}
# Date/time built-ins, including the East Asian locale ones (27-36, 50-58) that have no fixed code.
DATE_FORMAT_IDS = frozenset([*range(14, 23), *range(27, 37), *range(45, 48), *range(50, 59)])
# Codes that may be referred to by their built-in id (the locale-independent, non-date ones).
_BUILTIN_BY_CODE = {
    code.lower(): fid for fid, code in BUILTIN_FORMATS.items() if fid not in DATE_FORMAT_IDS
}
FIRST_CUSTOM_ID = 164
DEFAULT_DATE_FORMAT = "yyyy-mm-dd"
DEFAULT_DATETIME_FORMAT = "yyyy-mm-dd hh:mm"

# Quoted text, escaped characters, fill/space characters and [bracketed] parts carry no meaning
# as date tokens: "m" in "[Red]" or in "min" quoted is not a month.
_NON_TOKENS = re.compile(r'"[^"]*"|\\.|[_*].|\[[^\]]*\]', re.DOTALL)
_DATE_TOKENS = re.compile(r"[ymdhs]", re.IGNORECASE)
_GENERAL = re.compile(r"general", re.IGNORECASE)


def is_date_format(code: str) -> bool:
    """Does this number-format code show a number as a date or a time?"""
    section = _first_section(code)
    cleaned = _GENERAL.sub("", _NON_TOKENS.sub("", section))
    return _DATE_TOKENS.search(cleaned) is not None


def _first_section(code: str) -> str:
    """The part of a format code before the first unquoted, unescaped ``;``."""
    quoted = False
    escaped = False
    for i, ch in enumerate(code):
        if escaped:
            escaped = False
        elif ch == "\\":
            escaped = True
        elif ch == '"':
            quoted = not quoted
        elif ch == ";" and not quoted:
            return code[:i]
    return code


_SECTION_ORDER = (
    "numFmts",
    "fonts",
    "fills",
    "borders",
    "cellStyleXfs",
    "cellXfs",
    "cellStyles",
    "dxfs",
    "tableStyles",
    "colors",
    "extLst",
)
_DEFAULT_CHILDREN = {
    "fonts": b'<font><sz val="11"/><name val="Calibri"/><family val="2"/></font>',
    "fills": b'<fill><patternFill patternType="none"/></fill>'
    b'<fill><patternFill patternType="gray125"/></fill>',
    "borders": b"<border><left/><right/><top/><bottom/><diagonal/></border>",
    "cellStyleXfs": b'<xf numFmtId="0" fontId="0" fillId="0" borderId="0"/>',
    "cellXfs": b'<xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>',
    "cellStyles": b'<cellStyle name="Normal" xfId="0" builtinId="0"/>',
}
_CHILD_TAG = {
    "numFmts": "numFmt",
    "fonts": "font",
    "fills": "fill",
    "borders": "border",
    "cellStyleXfs": "xf",
    "cellXfs": "xf",
    "cellStyles": "cellStyle",
}
NS_MAIN = b"http://schemas.openxmlformats.org/spreadsheetml/2006/main"
NS_STRICT_MAIN = b"http://purl.oclc.org/ooxml/spreadsheetml/main"


def minimal_styles(strict: bool = False) -> bytes:
    """A styles part for a workbook that has none: the defaults Excel itself writes."""
    ns = NS_STRICT_MAIN if strict else NS_MAIN
    body = b"".join(
        b"<" + name.encode() + b' count="' + str(_count(name)).encode() + b'">'
        + _DEFAULT_CHILDREN[name] + b"</" + name.encode() + b">"
        for name in ("fonts", "fills", "borders", "cellStyleXfs", "cellXfs", "cellStyles")
    )  # fmt: skip
    return (
        b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<styleSheet xmlns="'
        + ns + b'">' + body + b"</styleSheet>"
    )  # fmt: skip


def _count(section: str) -> int:
    return len(_child_re(b"", _CHILD_TAG[section]).findall(_DEFAULT_CHILDREN[section]))


def _child_re(prefix: bytes, tag: str) -> re.Pattern[bytes]:
    p = re.escape(prefix) + tag.encode()
    return re.compile(rb"<" + p + rb"(?=[\s/>])[^>]*?(?:/>|>.*?</" + p + rb">)", re.DOTALL)


def _section_re(prefix: bytes, name: str) -> re.Pattern[bytes]:
    p = re.escape(prefix) + name.encode()
    return re.compile(rb"<" + p + rb"(?=[\s/>])([^>]*?)(?:/>|>(.*?)</" + p + rb">)", re.DOTALL)


_ATTR_CACHE: dict[bytes, re.Pattern[bytes]] = {}


def get_attr(tag: bytes, name: bytes) -> bytes | None:
    """An attribute's raw value in a start tag (first match), or None."""
    pattern = _ATTR_CACHE.get(name)
    if pattern is None:
        pattern = re.compile(rb"\s" + re.escape(name) + rb"\s*=\s*(?:\"([^\"]*)\"|'([^']*)')")
        _ATTR_CACHE[name] = pattern
    m = pattern.search(tag)
    if m is None:
        return None
    return m.group(1) if m.group(1) is not None else m.group(2)


def set_attr(element: bytes, name: bytes, value: bytes) -> bytes:
    """``element`` with attribute ``name`` set on its start tag (replaced or added at the end)."""
    end = element.index(b">")
    tag, rest = element[:end], element[end:]
    pattern = re.compile(rb"(\s" + re.escape(name) + rb"\s*=\s*)(?:\"[^\"]*\"|'[^']*')")
    if pattern.search(tag):
        tag = pattern.sub(lambda m: m.group(1) + b'"' + value + b'"', tag, count=1)
    else:
        if tag.endswith(b"/"):
            tag = tag[:-1].rstrip() + b" " + name + b'="' + value + b'"/'
        else:
            tag = tag.rstrip() + b" " + name + b'="' + value + b'"'
    return tag + rest


def _open_root(data: bytes, prefix: bytes) -> bytes:
    """A styles part whose root is an empty element (``<styleSheet/>``, valid and minimal) with
    the root opened and closed instead, so that sections can go inside it."""
    root = re.search(rb"<" + re.escape(prefix) + rb"styleSheet(?=[\s/>])[^>]*?/>", data)
    if root is None:
        return data
    tag = root.group()[:-2].rstrip()
    closed = tag + b"></" + prefix + b"styleSheet>"
    return data[: root.start()] + closed + data[root.end() :]


class StyleBook:
    """The styles part of one workbook, read once, appended to as derived styles are needed."""

    def __init__(self, data: bytes | None, *, strict: bool = False) -> None:
        self.created = data is None
        self.original = minimal_styles(strict) if data is None else data
        root = re.search(rb"<([A-Za-z_][\w.-]*:)?styleSheet[\s/>]", self.original)
        self.prefix = (root.group(1) or b"") if root else b""
        sections = {name: self._children(name) for name in ("numFmts", "fonts", "fills", "cellXfs")}
        self.xfs: list[bytes] = sections["cellXfs"]
        self.fonts: list[bytes] = sections["fonts"]
        self.fills: list[bytes] = sections["fills"]
        self.custom_formats: dict[int, str] = {}
        for elem in sections["numFmts"]:
            fid, code = get_attr(elem, b"numFmtId"), get_attr(elem, b"formatCode")
            if fid is not None and fid.isdigit() and code is not None:
                self.custom_formats[int(fid)] = html.unescape(code.decode("utf-8"))
        ids = [int(x) for x in re.findall(rb'numFmtId\s*=\s*["\'](\d+)["\']', self.original)]
        self._next_format_id = max([FIRST_CUSTOM_ID - 1, *ids]) + 1
        self._new: dict[str, list[bytes]] = {"numFmts": [], "fonts": [], "fills": [], "cellXfs": []}
        self._cache: dict[tuple[str, int, str], int] = {}
        self._fill_ids: dict[str, int] = {}  # colour -> the fill appended for it
        self._is_date: dict[int, bool] = {}

    def _children(self, name: str) -> list[bytes]:
        m = _section_re(self.prefix, name).search(self.original)
        if m is None or m.group(2) is None:
            return []
        return _child_re(self.prefix, _CHILD_TAG[name]).findall(m.group(2))

    @property
    def changed(self) -> bool:
        """Has anything been appended (or the part created)?"""
        return self.created or any(self._new.values())

    def format_id(self, style: int) -> int:
        """The number-format id of cell style ``style`` (0 for an unknown style)."""
        if not 0 <= style < len(self.xfs):
            return 0
        fid = get_attr(self.xfs[style], b"numFmtId")
        return int(fid) if fid is not None and fid.isdigit() else 0

    def format_code(self, style: int) -> str:
        """The number-format code of cell style ``style`` (``""`` for a locale built-in)."""
        fid = self.format_id(style)
        return self.custom_formats.get(fid, BUILTIN_FORMATS.get(fid, ""))

    def is_date(self, style: int) -> bool:
        """Does cell style ``style`` show numbers as dates or times?"""
        known = self._is_date.get(style)
        if known is None:
            fid = self.format_id(style)
            if fid in self.custom_formats:
                known = is_date_format(self.custom_formats[fid])
            else:
                known = fid in DATE_FORMAT_IDS
            self._is_date[style] = known
        return known

    def has_format(self, style: int, code: str) -> bool:
        """Does cell style ``style`` already use number format ``code``?"""
        return self.format_code(style).lower() == code.lower()

    def with_format(self, style: int, code: str) -> int:
        """A cell style like ``style`` but with number format ``code`` (appended once, cached)."""
        cached = self._cache.get(("fmt", style, code))
        if cached is not None:
            return cached
        if self.has_format(style, code):
            self._cache[("fmt", style, code)] = style
            return style
        fid = self._format_id_for(code)
        return self._derive(
            ("fmt", style, code),
            style,
            lambda xf: set_attr(
                set_attr(xf, b"numFmtId", str(fid).encode()), b"applyNumberFormat", b"1"
            ),
        )

    def bold(self, style: int) -> int:
        """A cell style like ``style`` but with a bold font."""
        font_id = get_attr(self._xf(style), b"fontId")
        base_font = int(font_id) if font_id is not None and font_id.isdigit() else 0
        key = ("bold", style, "")
        if key in self._cache:
            return self._cache[key]
        font = self.fonts[base_font] if base_font < len(self.fonts) else _DEFAULT_CHILDREN["fonts"]
        already = re.search(rb"<" + re.escape(self.prefix) + rb"b(\s[^>]*)?/?>", font)
        if already and get_attr(already.group(), b"val") not in (b"0", b"false"):
            return style
        open_end = font.index(b">")
        if font[open_end - 1 : open_end] == b"/":
            head = font[: open_end - 1].rstrip()
            bold_font = head + b"><" + self.prefix + b"b/></" + self.prefix + b"font>"
        else:
            bold_font = font[: open_end + 1] + b"<" + self.prefix + b"b/>" + font[open_end + 1 :]
        new_font_id = self._append("fonts", bold_font, self.fonts)
        return self._derive(
            key,
            style,
            lambda xf: set_attr(
                set_attr(xf, b"fontId", str(new_font_id).encode()), b"applyFont", b"1"
            ),
        )

    def with_fill(self, style: int, argb: str) -> int:
        """A cell style like ``style`` but with a solid fill of colour ``argb`` (``FFFFC7CE``).

        Only the fill changes: font, borders, number format, alignment and protection stay.
        """
        key = ("fill", style, argb)
        cached = self._cache.get(key)
        if cached is not None:
            return cached
        fill_id = self._fill_ids.get(argb)
        if fill_id is None:
            p = self.prefix
            fill = (
                b"<" + p + b"fill><" + p + b'patternFill patternType="solid"><' + p
                + b'fgColor rgb="' + argb.encode("ascii") + b'"/><' + p
                + b'bgColor indexed="64"/></' + p + b"patternFill></" + p + b"fill>"
            )  # fmt: skip
            fill_id = self._fill_ids[argb] = self._append("fills", fill, self.fills)
        return self._derive(
            key,
            style,
            lambda xf: set_attr(set_attr(xf, b"fillId", str(fill_id).encode()), b"applyFill", b"1"),
        )

    def _xf(self, style: int) -> bytes:
        if 0 <= style < len(self.xfs):
            return self.xfs[style]
        return self._prefixed(_DEFAULT_CHILDREN["cellXfs"])

    def _prefixed(self, element: bytes) -> bytes:
        if not self.prefix:
            return element
        return re.sub(rb"<(/?)(?=[A-Za-z])", rb"<\1" + self.prefix, element)

    def _append(self, section: str, element: bytes, existing: list[bytes]) -> int:
        """Append ``element`` to a section; an empty section first gets its default entry, so
        that index 0 keeps meaning "the default" for the cells that rely on it."""
        if not existing and section in _DEFAULT_CHILDREN:
            defaults = self._prefixed(_DEFAULT_CHILDREN[section])
            for default in _child_re(self.prefix, _CHILD_TAG[section]).findall(defaults):
                existing.append(default)  # fills have two defaults (none, gray125)
                self._new[section].append(default)
        existing.append(element)
        self._new[section].append(element)
        return len(existing) - 1

    def _derive(self, key: tuple[str, int, str], style: int, edit: Callable[[bytes], bytes]) -> int:
        cached = self._cache.get(key)
        if cached is None:
            cached = self._append("cellXfs", edit(self._xf(style)), self.xfs)
            self._cache[key] = cached
        return cached

    def _format_id_for(self, code: str) -> int:
        for fid, existing in self.custom_formats.items():
            if existing == code:
                return fid
        builtin = _BUILTIN_BY_CODE.get(code.lower())
        if builtin is not None:
            return builtin
        fid = self._next_format_id
        self._next_format_id += 1
        self.custom_formats[fid] = code
        element = (
            b"<" + self.prefix + b'numFmt numFmtId="' + str(fid).encode() + b'" formatCode="'
            + html.escape(code, quote=True).encode("utf-8") + b'"/>'
        )  # fmt: skip
        self._new["numFmts"].append(element)
        return fid

    def to_bytes(self) -> bytes:
        """The part with every appended entry in place and counts updated."""
        data = _open_root(self.original, self.prefix)
        for section in ("numFmts", "fonts", "fills", "cellXfs"):
            new = self._new[section]
            if new:
                data = self._add_to_section(data, section, b"".join(new))
        if self._new["cellXfs"]:
            # An xf refers to font, fill and border 0: make sure those exist.
            for section in ("fonts", "fills", "borders"):
                if _section_re(self.prefix, section).search(data) is None:
                    data = self._add_to_section(
                        data, section, self._prefixed(_DEFAULT_CHILDREN[section])
                    )
        return data

    def _add_to_section(self, data: bytes, section: str, children: bytes) -> bytes:
        p = self.prefix
        m = _section_re(p, section).search(data)
        name = p + section.encode()
        if m is not None:
            inner = m.group(2) or b""
            total = len(_child_re(p, _CHILD_TAG[section]).findall(inner + children))
            open_tag = set_attr(b"<" + name + m.group(1) + b">", b"count", str(total).encode())
            replacement = open_tag + inner + children + b"</" + name + b">"
            return data[: m.start()] + replacement + data[m.end() :]
        total = len(_child_re(p, _CHILD_TAG[section]).findall(children))
        element = (
            b"<" + name + b' count="' + str(total).encode() + b'">' + children + b"</" + name + b">"
        )
        later = _SECTION_ORDER[_SECTION_ORDER.index(section) + 1 :]
        follower = re.compile(
            rb"<" + re.escape(p) + rb"(?:" + b"|".join(s.encode() for s in later) + rb")[\s/>]"
        ).search(data)
        if follower is None:
            follower = re.compile(rb"</" + re.escape(p) + rb"styleSheet\s*>").search(data)
        if follower is None:
            raise ValueError("styles part has no </styleSheet>")
        return data[: follower.start()] + element + data[follower.start() :]
