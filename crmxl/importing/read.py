"""Reading an import's source: a CSV file (its encoding and delimiter found) or a sheet of an
``.xlsx``/``.xls`` workbook, every cell as text, each row with its source line; a cell cleaned
before parsing (the apostrophe before ``=+-@``, phones in E-notation)."""

from __future__ import annotations

import codecs
import csv
import io
import math
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from crmxl.errors import InputFileError, UsageError
from crmxl.i18n import register
from crmxl.model.schema import (
    LEADS,
    ColType,
    Column,
    SheetSpec,
    fold,
    match_sheet,
)
from crmxl.workbook.guard import check_workbook
from crmxl.workbook.reader import EmptySheetError, RawBook

#: A CSV larger than this is refused (it is read into memory whole).
MAX_CSV_BYTES = 512 * 1024**2

#: An .xls file larger than this is refused (the xlsx guards cannot look inside one).
MAX_XLS_BYTES = 256 * 1024**2

#: Characters that make spreadsheet programs read a typed cell as a formula (OWASP).
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


@dataclass
class Source:
    """The cells of a source file as text, each row with its source line."""

    path: Path
    kind: str  # "csv", "xlsx" or "xls"
    rows: list[tuple[int, list[str | None]]]  # (line or Excel row, cells); blank rows left out
    encoding: str | None = None  # what a CSV was decoded as
    delimiter: str | None = None
    sheet: str | None = None  # the workbook sheet read
    first_col: int = 1  # Excel column of each row's first cell

    @property
    def label(self) -> str:
        """How findings name the source: ``leads.csv`` or ``[leads.xlsx]Sheet1``."""
        return self.path.name if self.sheet is None else f"[{self.path.name}]{self.sheet}"


ENCODING_LABELS = {"utf-8-sig": "UTF-8 BOM", "utf-8": "UTF-8", "utf-16": "UTF-16"}

_ENCODING_ALIASES = {
    "gbk": "gb18030",
    "gb2312": "gb18030",
    "cp936": "gb18030",
    "ansi": "gb18030",
    "utf8": "utf-8",
    "utf-8-bom": "utf-8-sig",
    "utf8-bom": "utf-8-sig",
}


def decode_csv(data: bytes, encoding: str | None, path: Path) -> tuple[str, str]:
    """``(text, encoding name)`` of a CSV's bytes.

    Without ``encoding``: a UTF-8 or UTF-16 byte-order mark decides; else strict UTF-8, else
    GB18030 (which reads every GBK and GB2312 file the same way). The name reported is ``gbk``
    when the bytes are plain GBK. ``encoding`` forces one (GBK, GB2312, CP936 and "ansi" are read
    as GB18030, their superset).
    """
    if encoding:
        wanted = encoding.strip().lower()
        codec = _ENCODING_ALIASES.get(wanted, wanted)
        try:
            codecs.lookup(codec)
        except LookupError as exc:
            raise UsageError("import-bad-encoding", encoding=encoding) from exc
        if codec.replace("_", "-") in ("utf-8", "utf8") and data.startswith(codecs.BOM_UTF8):
            codec = "utf-8-sig"
        return _decode(data, codec, path), wanted
    if data.startswith(codecs.BOM_UTF8):
        return _decode(data, "utf-8-sig", path), "utf-8-sig"
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return _decode(data, "utf-16", path), "utf-16"
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        text = data.decode("gb18030")
    except UnicodeDecodeError as exc:
        raise InputFileError(
            "import-undecodable", path=path, line=data[: exc.start].count(b"\n") + 1
        ) from exc
    try:
        data.decode("gbk")
    except UnicodeDecodeError:
        return text, "gb18030"
    return text, "gbk"


def _decode(data: bytes, codec: str, path: Path) -> str:
    try:
        return data.decode(codec)
    except UnicodeDecodeError as exc:
        raise InputFileError(
            "import-decode-failed",
            path=path,
            encoding=codec,
            line=data[: exc.start].count(b"\n") + 1,
        ) from exc


def _delimiter(text: str) -> str:
    first = next((line for line in text.splitlines() if line.strip()), "")
    counts = {d: first.count(d) for d in (",", "\t", ";")}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ","


def is_blank_cell(cell: str | None) -> bool:
    return cell is None or not cell.strip()


def read_csv(path: Path, encoding: str | None = None) -> Source:
    """The rows of a CSV file (see :func:`decode_csv` for how its encoding is found)."""
    if path.stat().st_size > MAX_CSV_BYTES:
        raise InputFileError("import-too-large", path=path, size=path.stat().st_size)
    data = path.read_bytes()
    if not data.strip():
        raise InputFileError("import-empty", path=path)
    text, used = decode_csv(data, encoding, path)
    delimiter = _delimiter(text)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    rows: list[tuple[int, list[str | None]]] = []
    previous = 0
    try:
        for record in reader:
            start = previous + 1
            previous = reader.line_num
            cells: list[str | None] = [c if c != "" else None for c in record]
            if not all(is_blank_cell(c) for c in cells):
                rows.append((start, cells))
    except csv.Error as exc:
        raise InputFileError(
            "import-csv-error", path=path, line=reader.line_num, detail=str(exc)
        ) from exc
    return Source(path, "csv", rows, encoding=used, delimiter=delimiter)


def read_workbook_sheet(path: Path, sheet: str | None, spec: SheetSpec) -> Source:
    """The rows of one sheet of an ``.xlsx``/``.xls`` file, every cell as text.

    ``sheet`` names the sheet; by default the one whose name means ``spec``, else the first.
    An xlsx passes the input guards first (calamine, inside fastexcel, aborts the process on
    some hostile files); an ``.xls`` cannot be guarded that way and is only size-limited.
    """
    kind = _workbook_kind(path)
    if kind == "xlsx":
        check_workbook(path)
    elif path.stat().st_size > MAX_XLS_BYTES:
        raise InputFileError("import-too-large", path=path, size=path.stat().st_size)
    book = RawBook(path)
    name = _pick_sheet(book.sheet_names, sheet, spec, path)
    try:
        frame, first_col = book.load(name, as_text=True)
    except EmptySheetError as exc:
        raise InputFileError("import-empty", path=path) from exc
    except ImportError:
        raise  # a broken install is not a damaged file: keep its traceback
    except Exception as exc:
        raise InputFileError("file-corrupt", path=path) from exc
    rows: list[tuple[int, list[str | None]]] = []
    for i, record in enumerate(frame.itertuples(index=False, name=None), start=1):
        cells: list[str | None] = [None if is_missing(v) else str(v) for v in record]
        if not all(is_blank_cell(c) for c in cells):
            rows.append((i, cells))
    return Source(path, kind, rows, sheet=name, first_col=first_col)


def is_missing(value: Any) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA


def _workbook_kind(path: Path) -> str:
    with path.open("rb") as fh:
        head = fh.read(8)
    if head.startswith(b"PK"):
        return "xlsx"
    if head.startswith(b"\xd0\xcf\x11\xe0") and path.suffix.lower() == ".xls":
        return "xls"
    check_workbook(path)  # says what the file is instead (encrypted, HTML, ...)
    return "xlsx"


def _pick_sheet(names: list[str], wanted: str | None, spec: SheetSpec, path: Path) -> str:
    if not names:
        raise InputFileError("import-empty", path=path)
    if wanted:
        for name in names:
            if name == wanted or fold(name) == fold(wanted):
                return name
        raise UsageError("import-no-source-sheet", path=path, sheet=wanted, sheets="、".join(names))
    for name in names:
        if match_sheet(name) is spec:
            return name
    return names[0]


def read_source(
    path: Path, *, encoding: str | None = None, sheet: str | None = None, spec: SheetSpec = LEADS
) -> Source:
    """A CSV (``.csv``, ``.txt``, ``.tsv`` or anything that is not a workbook) or a sheet of an
    ``.xlsx``/``.xlsm``/``.xls`` file."""
    if not path.exists():
        raise InputFileError("file-missing", path=path)
    if path.is_dir():
        raise InputFileError("file-is-folder", path=path)
    with path.open("rb") as fh:
        head = fh.read(8)
    if head.startswith((b"PK\x03\x04", b"\xd0\xcf\x11\xe0")) or path.suffix.lower() in (
        ".xlsx",
        ".xlsm",
        ".xls",
    ):
        return read_workbook_sheet(path, sheet, spec)
    return read_csv(path, encoding)


_E_NOTATION = re.compile(r"^\s*(\d)(?:\.(\d+))?[eE]\+?(\d{1,2})\s*$")


def fix_phone_text(text: str) -> str:
    """A phone Excel exported in E-notation (``1.3812345678E+10``) back to its digits.

    Only when the mantissa carries every digit; Excel writes ``1.38123E+10`` for a number too
    wide for its column, which has lost digits: that one is returned as it is (and fails as a
    bad phone, see :func:`lost_digits`).
    """
    m = _E_NOTATION.match(text)
    if not m:
        return text
    digits = m.group(1) + (m.group(2) or "")
    if len(digits) - 1 != int(m.group(3)):
        return text
    return digits


def lost_digits(text: object) -> bool:
    """True for an E-notation number whose mantissa is shorter than the number."""
    if not isinstance(text, str):
        return False
    m = _E_NOTATION.match(text)
    return m is not None and len(m.group(1) + (m.group(2) or "")) - 1 < int(m.group(3))


def clean_cell(cell: str | None, col: Column | None, csv_source: bool) -> str | None:
    """A source cell before parsing: the apostrophe Excel (and our rejects file) puts before
    ``=+-@`` removed; E-notation phones expanded."""
    if cell is None:
        return None
    if csv_source and len(cell) > 1 and cell[0] == "'" and cell[1] in "=+-@":
        cell = cell[1:]
    if col is not None and col.type is ColType.PHONE:
        return fix_phone_text(cell)
    return cell


register(
    {
        "import-bad-encoding": (
            "不认识的编码“{encoding}”（可用 utf-8、utf-8-sig、gbk、gb18030）",
            "Unknown encoding {encoding!r} (use utf-8, utf-8-sig, gbk or gb18030)",
        ),
        "import-decode-failed": (
            "{path} 第 {line} 行无法按 {encoding} 解码；请换用 --encoding",
            "{path} line {line} cannot be decoded as {encoding}; try another --encoding",
        ),
        "import-undecodable": (
            "{path} 第 {line} 行既不是 UTF-8 也不是 GBK/GB18030，请用 --encoding 指定编码",
            "{path} line {line} is neither UTF-8 nor GBK/GB18030; name the encoding with "
            "--encoding",
        ),
        "import-csv-error": (
            "{path} 第 {line} 行不是有效的 CSV：{detail}",
            "{path} line {line} is not valid CSV: {detail}",
        ),
        "import-too-large": (
            "{path} 太大（{size} 字节），请拆分后导入",
            "{path} is too large ({size:~byte|bytes}); split it first",
        ),
        "import-empty": ("{path} 中没有数据", "{path} holds no data"),
        "import-no-source-sheet": (
            "{path} 中没有工作表“{sheet}”（有：{sheets}）",
            "{path} has no sheet {sheet!r} (it has: {sheets})",
        ),
    }
)
