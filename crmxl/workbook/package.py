"""The xlsx package: which sheets a workbook has and where their parts are.

An ``.xlsx``/``.xlsm`` file is a zip of XML parts (OOXML). This module reads the small structural
parts (``_rels/.rels``, ``xl/workbook.xml`` and its relationships) to map each sheet's name to its
part, and reads the shared-string table when asked. It never loads a worksheet as a whole; the
reader (fastexcel) and the writer (:mod:`crmxl.workbook.patch`) stream those.

Call :func:`crmxl.workbook.guard.check_workbook` before opening a file someone gave us.
"""

from __future__ import annotations

import io
import posixpath
import re
import zipfile
import zlib
from dataclasses import dataclass, replace
from pathlib import Path
from types import TracebackType
from typing import IO
from xml.etree import ElementTree as ET

from crmxl.errors import InputFileError
from crmxl.workbook.names import canonical_names, find_member, folded_names, open_zip
from crmxl.workbook.sharedstrings import SharedStrings
from crmxl.workbook.xmltext import to_utf8, utf16_codec

NS_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
NS_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
NS_STRICT_MAIN = "http://purl.oclc.org/ooxml/spreadsheetml/main"
NS_STRICT_REL = "http://purl.oclc.org/ooxml/officeDocument/relationships"
REL_OFFICE_DOCUMENT = "/officeDocument"
REL_SHARED_STRINGS = "/sharedStrings"
REL_STYLES = "/styles"


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _attr(elem: ET.Element, name: str) -> str | None:
    """An attribute by local name, whatever its namespace."""
    for key, value in elem.attrib.items():
        if _local(key) == name:
            return value
    return None


def rels_path(part: str) -> str:
    """``xl/workbook.xml`` -> ``xl/_rels/workbook.xml.rels``."""
    folder, name = posixpath.split(part)
    return posixpath.join(folder, "_rels", f"{name}.rels")


def resolve(source_part: str, target: str) -> str:
    """A relationship target, relative to its source part, as a package path."""
    if target.startswith("/"):
        return target.lstrip("/")
    return posixpath.normpath(posixpath.join(posixpath.dirname(source_part), target))


@dataclass(frozen=True)
class Relationship:
    id: str
    type: str
    target: str  # resolved package path (or the raw target when external)
    external: bool


#: Excel 4.0 macro sheets' relationship types (Microsoft's namespace) as one kind
_MACRO_KINDS = {"xlMacrosheet": "macrosheet", "xlIntlMacrosheet": "macrosheet"}


@dataclass(frozen=True)
class SheetPart:
    """One sheet of the workbook, in tab order."""

    name: str
    part: str  # e.g. xl/worksheets/sheet1.xml
    rel_id: str
    sheet_id: int
    state: str  # visible, hidden, veryHidden
    index: int  # 0-based tab position
    kind: str = "worksheet"  # worksheet, chartsheet, dialogsheet, macrosheet


def parse_rels(data: bytes, source_part: str) -> list[Relationship]:
    root = ET.fromstring(data)
    out = []
    for rel in root:
        if _local(rel.tag) != "Relationship":
            continue
        external = (rel.get("TargetMode") or "").lower() == "external"
        target = rel.get("Target", "")
        out.append(
            Relationship(
                rel.get("Id", ""),
                rel.get("Type", ""),
                target if external else resolve(source_part, target),
                external,
            )
        )
    return out


class Package:
    """A read-only view of an xlsx package's structure."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        try:
            self.zip = open_zip(self.path)
        except (zipfile.BadZipFile, OSError) as exc:
            raise InputFileError("file-corrupt", path=self.path) from exc
        # Canonical names (backslashes as slashes); parts are found whatever their case.
        self.names = set(canonical_names(self.zip))
        self._folded = folded_names(self.names)
        try:
            self._load_structure()
        except (KeyError, ET.ParseError, zipfile.BadZipFile, EOFError) as exc:
            self.zip.close()
            raise InputFileError("file-corrupt", path=self.path) from exc
        part = self.shared_strings_part
        self._shared = SharedStrings(
            lambda: self.open(part or "") if part in self.names else io.BytesIO(), _text_of
        )

    def __enter__(self) -> Package:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        self._shared.close()
        self.zip.close()

    def member(self, part: str) -> str:
        """The member that package path ``part`` names (OPC part names ignore case)."""
        return find_member(self.names, self._folded, part)

    def read(self, part: str) -> bytes:
        """A part's bytes (UTF-8: a small UTF-16 part is converted, see :mod:`.xmltext`)."""
        return to_utf8(self.zip.read(self.member(part)))

    def open(self, part: str) -> IO[bytes]:
        """A part as a stream (UTF-8, as :meth:`read`)."""
        fh = self.zip.open(self.member(part))
        if not isinstance(fh, zipfile.ZipExtFile) or utf16_codec(fh.peek(4)[:4]) is None:
            return fh
        with fh:
            return io.BytesIO(to_utf8(fh.read()))

    def rels(self, part: str) -> list[Relationship]:
        path = self.member(rels_path(part))
        if path not in self.names:
            return []
        return [
            r if r.external else replace(r, target=self.member(r.target))
            for r in parse_rels(self.read(path), part)
        ]

    def _load_structure(self) -> None:
        root_rels = self.rels("")
        office = [r for r in root_rels if r.type.endswith(REL_OFFICE_DOCUMENT)]
        self.workbook_part = office[0].target if office else self.member("xl/workbook.xml")
        self.workbook_rels_part = self.member(rels_path(self.workbook_part))
        self.workbook_xml = self.read(self.workbook_part)
        wb = ET.fromstring(self.workbook_xml)
        self.strict = wb.tag.startswith("{" + NS_STRICT_MAIN)
        self.workbook_rels = self.rels(self.workbook_part)
        by_id = {r.id: r for r in self.workbook_rels}
        self.date1904 = date1904(wb)
        sheets: list[SheetPart] = []
        for elem in wb.iter():
            tag = _local(elem.tag)
            if tag == "sheet":
                rid = _attr(elem, "id") or ""
                rel = by_id.get(rid)
                if rel is None:
                    continue
                kind = rel.type.rsplit("/", 1)[-1]
                kind = _MACRO_KINDS.get(kind, kind)
                sheets.append(
                    SheetPart(
                        name=elem.get("name", ""),
                        part=rel.target,
                        rel_id=rid,
                        sheet_id=int(elem.get("sheetId", "0") or 0),
                        state=elem.get("state", "visible"),
                        index=len(sheets),
                        kind=kind,
                    )
                )
        self.sheets = sheets
        shared = [r for r in self.workbook_rels if r.type.endswith(REL_SHARED_STRINGS)]
        self.shared_strings_part = shared[0].target if shared else None
        styles = [r for r in self.workbook_rels if r.type.endswith(REL_STYLES)]
        self.styles_part = styles[0].target if styles else None

    def worksheets(self) -> list[SheetPart]:
        """The sheets that hold cells (not chart sheets)."""
        return [s for s in self.sheets if s.kind == "worksheet" and s.part in self.names]

    def sheet(self, name: str) -> SheetPart:
        for s in self.sheets:
            if s.name == name:
                return s
        raise KeyError(name)

    def shared_string(self, index: int) -> str | None:
        """Item ``index`` of the shared-string table (rich text flattened), None if there is no
        such item. Only this item is parsed (see :mod:`crmxl.workbook.sharedstrings`): a header
        row's strings may lie anywhere in a table of a million."""
        try:
            return self._shared.get(index)
        except (ET.ParseError, zlib.error, zipfile.BadZipFile, EOFError, OSError) as exc:
            raise InputFileError("file-corrupt", path=self.path) from exc


def date1904(workbook: ET.Element) -> bool:
    """Does the workbook count dates from 1904? Only the main ``<workbookPr>`` (a child of
    ``<workbook>`` in the SpreadsheetML namespace) says so: Excel 2013+ on a Mac also writes
    an ``<x15:workbookPr>`` inside ``<extLst>``, without the flag, which changes nothing."""
    for elem in workbook:
        if elem.tag in (f"{{{NS_MAIN}}}workbookPr", f"{{{NS_STRICT_MAIN}}}workbookPr"):
            return (_attr(elem, "date1904") or "").strip().lower() in ("1", "true")
    return False


_ESCAPE = re.compile(r"_x([0-9A-Fa-f]{4})_")


def unescape_ooxml(text: str) -> str:
    """Undo the OOXML ``_xHHHH_`` escape of control characters."""
    return _ESCAPE.sub(lambda m: chr(int(m.group(1), 16)), text)


def _text_of(si: ET.Element) -> str:
    """The text of a string item: its ``<t>``, or the ``<t>`` of each rich run (not phonetic)."""
    parts: list[str] = []
    for child in si:
        tag = _local(child.tag)
        if tag == "t":
            parts.append(child.text or "")
        elif tag == "r":
            for t in child:
                if _local(t.tag) == "t":
                    parts.append(t.text or "")
    return unescape_ooxml("".join(parts))
