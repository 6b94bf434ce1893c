"""What fastexcel (calamine) is given to read: the file itself, or a copy it reads right.

calamine misreads a few valid files that Excel reads:

- the 1904 date system of a Mac Excel 2013+ file: calamine takes the flag from the *last*
  element called ``workbookPr``, and such a file has an ``<x15:workbookPr>`` (without the
  flag) after the main one, so every date-formatted cell comes back 1,462 days early;
- a ``workbook.xml`` (or another small part) stored as UTF-16: calamine expects UTF-8;
- Excel 4.0 macro sheets (``xl/macrosheets/``) and dialog sheets: calamine refuses the whole
  file ("unrecognized sheet type");
- a shared-string table whose ``uniqueCount`` lies (4294967295): calamine reserves room for
  that many strings first and aborts the process, uncatchably, when it cannot.

For such a file :func:`open_reader` hands calamine a temporary copy with only those parts
edited (the flag written on every ``workbookPr``, UTF-16 parts as UTF-8, the macro and dialog
sheets left out of the sheet list, the false count removed); every other member is copied
compressed, as is. The user's file is never changed, and every other file is read directly.
"""

from __future__ import annotations

import contextlib
import os
import re
import tempfile
import weakref
import zipfile
from collections.abc import Callable
from pathlib import Path

import fastexcel

from crmxl.errors import InputFileError
from crmxl.workbook.names import canonical, canonical_info, open_zip
from crmxl.workbook.package import Package
from crmxl.workbook.xmltext import MAX_UTF16_BYTES, to_utf8, utf16_codec
from crmxl.workbook.zipcopy import ZipWriter

Edit = Callable[[bytes], bytes]

_WORKBOOK_PR = re.compile(rb"<((?:[A-Za-z_][\w.-]*:)?workbookPr)(?=[\s/>])([^>]*?)(/?)>")
_DATE1904 = re.compile(rb"""\sdate1904\s*=\s*(["'])[^"']*\1""")
_SHEET = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?sheet(?=[\s/>])[^>]*?(?:/>|>.*?</[^>]*sheet>)", re.S)
_RID = re.compile(rb"""\s[\w.-]+:id\s*=\s*(["'])([^"']*)\1""")
_SST_START = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?sst(?=[\s/>])[^>]*>")
_UNIQUE = re.compile(rb"""\suniqueCount\s*=\s*(["'])\s*(\d+)\s*\1""")
#: The smallest string item, ``<si/>``: a table cannot hold more items than its bytes / 5.
_MIN_ITEM_BYTES = 5
#: Sheet kinds calamine reads; the others are left out of its copy's sheet list.
_CALAMINE_KINDS = ("worksheet", "chartsheet")


def calamine_date1904(workbook: bytes) -> bool:
    """The date system calamine takes: the flag of the last ``workbookPr``, whatever its
    namespace (measured on fastexcel 0.21; tests/test_date1904.py keeps this true)."""
    last = None
    for m in _WORKBOOK_PR.finditer(workbook):
        last = m
    if last is None:
        return False
    flag = _DATE1904.search(last.group(2))
    return flag is not None and flag.group().split(b"=", 1)[1].strip(b" \"'") in (b"1", b"true")


def _set_date1904(workbook: bytes, value: bool) -> bytes:
    """Every ``workbookPr`` saying ``value``, so calamine, reading the last, reads that."""
    flag = b' date1904="1"' if value else b""

    def one(m: re.Match[bytes]) -> bytes:
        attrs = _DATE1904.sub(b"", m.group(2))
        return b"<" + m.group(1) + attrs + flag + m.group(3) + b">"

    return _WORKBOOK_PR.sub(one, workbook)


def _drop_sheets(workbook: bytes, rel_ids: set[str]) -> bytes:
    def keep(m: re.Match[bytes]) -> bytes:
        rid = _RID.search(m.group())
        return b"" if rid is not None and rid.group(2).decode() in rel_ids else m.group()

    return _SHEET.sub(keep, workbook)


def _without_unique_count(head: bytes) -> bytes:
    start = _SST_START.search(head)
    if start is None:
        return head
    tag = _UNIQUE.sub(b"", start.group())
    return head[: start.start()] + tag + head[start.end() :]


def shared_strings_lie(zf: zipfile.ZipFile, part: str | None) -> bool:
    """Does the table's ``uniqueCount`` claim more items than its bytes could hold?"""
    if part is None or part not in zf.NameToInfo:
        return False
    info = zf.getinfo(part)
    with zf.open(part) as fh:
        head = fh.read(4096)
    start = _SST_START.search(head)
    unique = _UNIQUE.search(start.group()) if start else None
    if unique is None:
        return False
    return int(unique.group(2)) > info.file_size // _MIN_ITEM_BYTES + 1


def reader_edits(path: Path) -> dict[str, Edit]:
    """The parts of ``path`` (canonical names) calamine needs edited, each with its edit."""
    edits: dict[str, Edit] = {}
    with Package(path) as pkg:
        workbook = pkg.workbook_xml  # UTF-8 already
        wb_edits: list[Edit] = []
        if calamine_date1904(workbook) != pkg.date1904:
            wb_edits.append(lambda data: _set_date1904(data, pkg.date1904))
        others = {s.rel_id for s in pkg.sheets if s.kind not in _CALAMINE_KINDS}
        if others:
            wb_edits.append(lambda data: _drop_sheets(data, others))
        if wb_edits or workbook != pkg.zip.read(pkg.workbook_part):

            def edit_workbook(data: bytes) -> bytes:
                data = to_utf8(data)
                for edit in wb_edits:
                    data = edit(data)
                return data

            edits[pkg.workbook_part] = edit_workbook
        if shared_strings_lie(pkg.zip, pkg.shared_strings_part):
            edits[pkg.shared_strings_part or ""] = _without_unique_count
        for info in pkg.zip.infolist():
            name = canonical(info.filename)
            if name in edits or info.file_size > MAX_UTF16_BYTES:
                continue
            if name.lower().endswith((".xml", ".rels")):
                with pkg.zip.open(info) as fh:
                    if utf16_codec(fh.read(4)) is not None:
                        edits[name] = to_utf8
    return edits


def _write_copy(path: Path, edits: dict[str, Edit], dest: Path) -> None:
    with open_zip(path) as src, path.open("rb") as raw, dest.open("wb") as fh:
        zw = ZipWriter(fh)
        for info in src.infolist():
            name = canonical(info.filename)
            edit = edits.get(name)
            if edit is None:
                zw.copy_raw(raw, canonical_info(info))
                continue
            with src.open(name) as part:
                zw.write(name, edit(part.read()), None, level=1)
        zw.close()


def _unlink(path: str) -> None:
    with contextlib.suppress(OSError):
        os.unlink(path)


def open_reader(path: Path | str) -> fastexcel.ExcelReader:
    """``fastexcel.read_excel`` of ``path`` (guarded first by the caller), or of a copy that
    calamine reads as Excel reads the file (see the module's docstring)."""
    path = Path(path)
    try:
        edits = reader_edits(path)
    except InputFileError:
        edits = {}  # the caller's own reading says what is wrong
    try:
        if not edits:
            return fastexcel.read_excel(str(path))
        fd, tmp = tempfile.mkstemp(prefix="crmxl-read-", suffix=".xlsx")
        os.close(fd)
        try:
            _write_copy(path, edits, Path(tmp))
            reader = fastexcel.read_excel(tmp)
        except BaseException:
            _unlink(tmp)
            raise
        try:
            os.unlink(tmp)  # POSIX: the reader keeps its open handle
        except OSError:  # Windows: once the reader is gone
            weakref.finalize(reader, _unlink, tmp)
        return reader
    except (InputFileError, ImportError):
        raise  # a broken install is not a damaged file: keep its traceback
    except Exception as exc:  # fastexcel raises its own hierarchy, or ValueError
        raise InputFileError("file-corrupt", path=path) from exc
