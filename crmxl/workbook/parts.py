"""Small edits to the package's structural parts, made on their bytes.

``xl/workbook.xml``, its relationships and ``[Content_Types].xml`` are edited by inserting or
changing one element or attribute, never by re-serialising them: whatever else they hold
(``mc:AlternateContent`` blocks, extensions, defined names, namespaces nobody here knows) keeps
its bytes. Also here: the XML of a brand-new worksheet (:func:`new_sheet_xml`).
"""

from __future__ import annotations

import re

from crmxl.workbook.cellxml import escape_attr, range_ref
from crmxl.workbook.styles import get_attr, set_attr

NS_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
NS_STRICT_MAIN = "http://purl.oclc.org/ooxml/spreadsheetml/main"
NS_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
NS_STRICT_REL = "http://purl.oclc.org/ooxml/officeDocument/relationships"
CT_WORKSHEET = "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"
CT_STYLES = "application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"
CT_COMMENTS = "application/vnd.openxmlformats-officedocument.spreadsheetml.comments+xml"
CT_VML = "application/vnd.openxmlformats-officedocument.vmlDrawing"

# CT_Workbook children that come after <calcPr>, in schema order.
_AFTER_CALCPR = (
    "oleSize",
    "customWorkbookViews",
    "pivotCaches",
    "smartTagPr",
    "smartTagTypes",
    "webPublishing",
    "fileRecoveryPr",
    "webPublishObjects",
    "extLst",
)


class PartError(Exception):
    """A structural part lacks what the edit needs (the message says what)."""


def root_prefix(data: bytes, local: str) -> bytes:
    """The namespace prefix (with its colon) of the root element ``local``, or ``b""``."""
    m = re.search(rb"<([A-Za-z_][\w.-]*:)?" + local.encode() + rb"[\s/>]", data)
    if m is None:
        raise PartError(f"no <{local}> element")
    return m.group(1) or b""


def _insert_before_close(data: bytes, prefix: bytes, local: str, element: bytes) -> bytes:
    m = re.search(rb"</" + re.escape(prefix) + local.encode() + rb"\s*>", data)
    if m is None:
        raise PartError(f"no </{local}>")
    return data[: m.start()] + element + data[m.start() :]


def set_full_calc_on_load(workbook: bytes) -> bytes:
    """Ask Excel to recalculate every formula when the file is next opened.

    Written cells may feed formulas whose cached results are now stale; ``fullCalcOnLoad``
    makes Excel (and LibreOffice, when it is set to honour it) recompute them on open. The
    price: Excel asks to save on close even if the user changed nothing.
    """
    p = root_prefix(workbook, "workbook")
    m = re.search(rb"<" + re.escape(p) + rb"calcPr(?=[\s/>])[^>]*>", workbook)
    if m is not None:
        tag = set_attr(m.group(), b"fullCalcOnLoad", b"1")
        return workbook[: m.start()] + tag + workbook[m.end() :]
    element = b"<" + p + b'calcPr fullCalcOnLoad="1"/>'
    names = b"|".join(n.encode() for n in _AFTER_CALCPR)
    follower = re.search(rb"<" + re.escape(p) + rb"(?:" + names + rb")[\s/>]", workbook)
    if follower is not None:
        return workbook[: follower.start()] + element + workbook[follower.start() :]
    return _insert_before_close(workbook, p, "workbook", element)


def add_sheet_entry(workbook: bytes, name: str, sheet_id: int, rel_id: str, strict: bool) -> bytes:
    """Append ``<sheet>`` to ``<sheets>`` (last tab, so ``localSheetId`` of names stay valid)."""
    p = root_prefix(workbook, "workbook")
    root = re.search(rb"<" + re.escape(p) + rb"workbook(?=[\s>])[^>]*>", workbook)
    assert root is not None
    ns = (NS_STRICT_REL if strict else NS_REL).encode()
    declared = re.search(rb"xmlns:([\w.-]+)\s*=\s*[\"']" + re.escape(ns) + rb"[\"']", root.group())
    if declared is not None:
        rel_attr = declared.group(1) + b':id="' + rel_id.encode() + b'"'
    else:
        rel_attr = b'xmlns:r="' + ns + b'" r:id="' + rel_id.encode() + b'"'
    element = (
        b"<" + p + b'sheet name="' + escape_attr(name).encode("utf-8") + b'" sheetId="'
        + str(sheet_id).encode() + b'" ' + rel_attr + b"/>"
    )  # fmt: skip
    return _insert_before_close(workbook, p, "sheets", element)


def sheet_ids(workbook: bytes) -> list[int]:
    """The ``sheetId`` of every sheet."""
    return [int(x) for x in re.findall(rb"<(?:[\w.-]+:)?sheet\s[^>]*?sheetId=\"(\d+)\"", workbook)]


def new_rel_id(rels: bytes) -> str:
    """An ``Id`` not used in a relationships part."""
    ids = set(re.findall(rb"\sId\s*=\s*[\"']([^\"']*)[\"']", rels))
    n = len(ids) + 1
    while f"rId{n}".encode() in ids:
        n += 1
    return f"rId{n}"


def add_relationship(rels: bytes | None, rel_id: str, rel_type: str, target: str) -> bytes:
    """Add one relationship (creating the part when there is none)."""
    if rels is None:
        rels = (
            b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Relationships xmlns='
            b'"http://schemas.openxmlformats.org/package/2006/relationships"></Relationships>'
        )
    p = root_prefix(rels, "Relationships")
    element = (
        b"<" + p + b'Relationship Id="' + rel_id.encode() + b'" Type="'
        + escape_attr(rel_type).encode() + b'" Target="' + escape_attr(target).encode("utf-8")
        + b'"/>'
    )  # fmt: skip
    return _insert_before_close(rels, p, "Relationships", element)


def has_override(content_types: bytes, part: str) -> bool:
    """Does ``[Content_Types].xml`` declare part ``part`` already? (Part names compare
    case-insensitively, as OPC says.)"""
    wanted = "/" + part.lstrip("/").casefold()
    for m in re.finditer(rb"<(?:[\w.-]+:)?Override(?=[\s/>])[^>]*>", content_types):
        name = get_attr(m.group(), b"PartName")
        if name is not None and name.decode("utf-8", "replace").casefold() == wanted:
            return True
    return False


def add_override(content_types: bytes, part: str, content_type: str) -> bytes:
    """Declare the content type of a new part in ``[Content_Types].xml`` (unless it is)."""
    if has_override(content_types, part):
        return content_types
    p = root_prefix(content_types, "Types")
    element = (
        b"<" + p + b'Override PartName="/' + escape_attr(part).encode("utf-8")
        + b'" ContentType="' + content_type.encode() + b'"/>'
    )  # fmt: skip
    return _insert_before_close(content_types, p, "Types", element)


def has_default(content_types: bytes, extension: str) -> bool:
    """Does ``[Content_Types].xml`` give a default content type for ``extension``?
    (Extensions compare case-insensitively, as OPC says.)"""
    for m in re.finditer(rb"<(?:[\w.-]+:)?Default(?=[\s/>])[^>]*>", content_types):
        ext = get_attr(m.group(), b"Extension")
        if ext is not None and ext.decode("utf-8", "replace").lower() == extension.lower():
            return True
    return False


def add_default(content_types: bytes, extension: str, content_type: str) -> bytes:
    """Declare the content type of every part named ``*.extension`` (before the overrides)."""
    p = root_prefix(content_types, "Types")
    element = (
        b"<" + p + b'Default Extension="' + escape_attr(extension).encode("utf-8")
        + b'" ContentType="' + content_type.encode() + b'"/>'
    )  # fmt: skip
    first = re.search(rb"<" + re.escape(p) + rb"Override[\s/>]", content_types)
    if first is not None:
        return content_types[: first.start()] + element + content_types[first.start() :]
    return _insert_before_close(content_types, p, "Types", element)


def rel_type(kind: str, strict: bool) -> str:
    """The relationship type URI for ``worksheet``/``styles``/``comments``/``vmlDrawing``."""
    return f"{NS_STRICT_REL if strict else NS_REL}/{kind}"


_INVALID_SHEET_CHARS = re.compile(r"[\[\]:*?/\\\x00-\x1f]")


def check_sheet_name(name: str, existing: list[str]) -> None:
    """Raise ``ValueError`` unless ``name`` is a sheet name Excel accepts and is new."""
    if not name or len(name) > 31 or _INVALID_SHEET_CHARS.search(name):
        raise ValueError(f"{name!r} is not a valid sheet name (1-31 characters, none of []:*?/\\)")
    if name.startswith("'") or name.endswith("'") or name.casefold() == "history":
        raise ValueError(f"{name!r} is not a valid sheet name")
    if name.casefold() in {n.casefold() for n in existing}:
        raise ValueError(f"the workbook already has a sheet named {name!r}")


def new_sheet_xml(
    rows_xml: list[bytes],
    n_rows: int,
    n_cols: int,
    *,
    widths: list[float] | None,
    freeze_header: bool,
    strict: bool,
) -> bytes:
    """A worksheet part around already-encoded ``<row>`` elements."""
    ns = NS_STRICT_MAIN if strict else NS_MAIN
    ref = range_ref(1, 1, max(n_rows, 1), max(n_cols, 1)) if n_rows else "A1"
    if freeze_header:
        view = (
            '<sheetView workbookViewId="0"><pane ySplit="1" topLeftCell="A2" '
            'activePane="bottomLeft" state="frozen"/><selection pane="bottomLeft" '
            'activeCell="A2" sqref="A2"/></sheetView>'
        )
    else:
        view = '<sheetView workbookViewId="0"/>'
    cols = ""
    if widths:
        cols = (
            "<cols>"
            + "".join(
                f'<col min="{i}" max="{i}" width="{float(w):g}" customWidth="1"/>'
                for i, w in enumerate(widths, 1)
                if w and w > 0
            )
            + "</cols>"
        )
        if cols == "<cols></cols>":
            cols = ""
    head = (
        f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<worksheet xmlns="{ns}">'
        f'<dimension ref="{ref}"/><sheetViews>{view}</sheetViews>'
        f'<sheetFormatPr defaultRowHeight="15"/>{cols}'
    ).encode()
    data = b"<sheetData>" + b"".join(rows_xml) + b"</sheetData>" if rows_xml else b"<sheetData/>"
    tail = (
        b'<pageMargins left="0.7" right="0.7" top="0.75" bottom="0.75" header="0.3" '
        b'footer="0.3"/></worksheet>'
    )
    return head + data + tail
