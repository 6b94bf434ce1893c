"""Input guards: turn hostile or broken files away before any parser sees them.

Measured on this kind of machine (XLSX-FACTS.md): calamine, and so fastexcel, aborts the whole
process, uncatchably, on a zip bomb or on cells at A1 and XFD1048576; openpyxl runs out of memory
on the same files. So every file a command opens, and every file it is about to replace, goes
through :func:`check_workbook` first. It reads the zip's central directory, the first bytes of
every XML part and the cell references of every worksheet (streamed, with a byte cap), and raises
:class:`~crmxl.errors.InputFileError` with a one-line reason. It never loads a part whole.
"""

from __future__ import annotations

import re
import zipfile
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from crmxl.errors import InputFileError
from crmxl.findings import column_index, column_letter
from crmxl.i18n import register


@dataclass(frozen=True)
class Limits:
    """What a workbook may be. The defaults leave room for a million-row follow-up log."""

    max_file_bytes: int = 2 * 1024**3
    max_members: int = 10_000
    max_member_bytes: int = 1536 * 1024**2  # uncompressed, one part
    max_total_bytes: int = 4 * 1024**3  # uncompressed, all parts
    max_ratio: float = 250.0  # uncompressed / compressed, for parts over ratio_floor
    ratio_floor: int = 16 * 1024**2
    max_cells: int = 60_000_000  # bounding-box area of one worksheet
    max_rows: int = 1_048_576
    max_cols: int = 16_384


DEFAULT_LIMITS = Limits()

_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ZIP_MAGIC = (b"PK\x03\x04", b"PK\x05\x06")
_ENCRYPTED_MARK = "EncryptedPackage".encode("utf-16-le")
_DOCTYPE = re.compile(rb"<!\s*(?:DOCTYPE|ENTITY)", re.IGNORECASE)
_ROOT_START = re.compile(rb"<[A-Za-z_]")
_CHUNK = 8 * 1024 * 1024
_XML_SUFFIXES = (".xml", ".rels", ".vml")


@dataclass
class SheetExtent:
    """How far a worksheet's cells reach (from its cell references)."""

    part: str
    max_row: int = 0
    max_col: int = 0


@dataclass
class GuardReport:
    """What the guard saw; callers may use it to size their work."""

    path: Path
    members: int = 0
    uncompressed_bytes: int = 0
    extents: dict[str, SheetExtent] = field(default_factory=dict)


def sniff(path: Path) -> None:
    """Refuse what is not an xlsx package, by its first bytes, with a hint of what it is."""
    if not path.exists():
        raise InputFileError("file-missing", path=path)
    if path.is_dir():
        raise InputFileError("file-is-folder", path=path)
    try:
        with path.open("rb") as fh:
            head = fh.read(8)
            if head.startswith(_OLE_MAGIC):
                blob = fh.read(1024 * 1024)
                if _ENCRYPTED_MARK in blob:
                    raise InputFileError("file-encrypted", path=path)
                raise InputFileError("file-xls", path=path)
    except PermissionError as exc:
        raise InputFileError("file-no-permission", path=path) from exc
    if not head:
        raise InputFileError("file-empty", path=path)
    if not head.startswith(_ZIP_MAGIC):
        text = head.lstrip(b"\xef\xbb\xbf").lstrip().lower()
        if text.startswith((b"<html", b"<!doc", b"<?xml", b"<table")):
            raise InputFileError("file-html", path=path)
        raise InputFileError("file-not-xlsx", path=path)


def check_workbook(
    path: Path, limits: Limits = DEFAULT_LIMITS, *, sheets: Iterable[str] | None = None
) -> GuardReport:
    """Check ``path`` is an xlsx/xlsm package a parser can safely read; raise otherwise.

    ``sheets`` names the worksheet parts whose cell extents to scan (the costly part of the
    check: every reference of the sheet is looked at); None scans every worksheet, an empty
    list none — then call :func:`scan_sheet` for each sheet before a parser reads it.
    """
    path = Path(path)
    sniff(path)
    if path.stat().st_size > limits.max_file_bytes:
        raise InputFileError("file-too-large", path=path, size=path.stat().st_size)
    try:
        zf = zipfile.ZipFile(path)
    except zipfile.BadZipFile as exc:
        raise InputFileError("file-corrupt", path=path) from exc
    report = GuardReport(path)
    wanted = set(sheets) if sheets is not None else None
    with zf:
        infos = zf.infolist()
        report.members = len(infos)
        if len(infos) > limits.max_members:
            raise InputFileError("file-too-many-parts", path=path, count=len(infos))
        names = {i.filename for i in infos}
        if "[Content_Types].xml" not in names or not any(
            n.endswith("workbook.xml") or n.endswith("workbook.bin") for n in names
        ):
            raise InputFileError("file-not-xlsx", path=path)
        if any(n.endswith("workbook.bin") for n in names):
            raise InputFileError("file-xlsb", path=path)
        total = 0
        for info in infos:
            if info.flag_bits & 0x1:
                raise InputFileError("file-encrypted", path=path)
            total += info.file_size
            if info.file_size > limits.max_member_bytes or total > limits.max_total_bytes:
                raise InputFileError("file-bomb", path=path, part=info.filename)
            if info.file_size > limits.ratio_floor and info.file_size > limits.max_ratio * max(
                info.compress_size, 1
            ):
                raise InputFileError("file-bomb", path=path, part=info.filename)
        report.uncompressed_bytes = total
        for info in infos:
            name = info.filename
            if not name.lower().endswith(_XML_SUFFIXES):
                continue
            is_sheet = name.startswith("xl/worksheets/") and name.endswith(".xml")
            if is_sheet and wanted is not None and name not in wanted:
                is_sheet = False
            try:
                extent = _scan_part(zf, info, limits, full=is_sheet)
            except (zipfile.BadZipFile, zlib.error, EOFError, OSError) as exc:
                raise InputFileError("file-corrupt", path=path) from exc
            except _Refused as refusal:
                raise InputFileError(refusal.code, path=path, part=name, **refusal.params) from None
            if extent is not None:
                report.extents[name] = extent
    return report


def scan_sheet(path: Path, part: str, limits: Limits = DEFAULT_LIMITS) -> SheetExtent:
    """Bound one worksheet's cells (see :func:`check_workbook`); raise if it reaches too far."""
    path = Path(path)
    try:
        with zipfile.ZipFile(path) as zf:
            extent = _scan_part(zf, zf.getinfo(part), limits, full=True)
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError, KeyError) as exc:
        raise InputFileError("file-corrupt", path=path) from exc
    except _Refused as refusal:
        raise InputFileError(refusal.code, path=path, part=part, **refusal.params) from None
    assert extent is not None
    return extent


class _Refused(Exception):
    def __init__(self, code: str, **params: object) -> None:
        super().__init__(code)
        self.code = code
        self.params = params


def _windows(zf: zipfile.ZipFile, info: zipfile.ZipInfo) -> Iterator[bytes]:
    """The part's bytes in chunks, each with the previous chunk's last 64 bytes in front.

    Reads at most the declared size plus one byte: a part that inflates beyond what the zip
    directory says is a bomb (or corrupt), and is refused there.
    """
    budget = info.file_size + 1
    seen = 0
    tail = b""
    with zf.open(info) as fh:
        while True:
            chunk = fh.read(min(_CHUNK, budget - seen))
            if not chunk:
                return
            seen += len(chunk)
            if seen > info.file_size:
                raise _Refused("file-bomb")
            yield tail + chunk
            tail = chunk[-64:]


def _check_prolog(head: bytes) -> bool:
    """Refuse a DOCTYPE or ENTITY before the root element; True once the root is seen."""
    root = _ROOT_START.search(head)
    prolog = head if root is None else head[: root.start()]
    if _DOCTYPE.search(prolog):
        raise _Refused("file-doctype")
    if root is None and len(head) > 1024 * 1024:
        raise _Refused("file-doctype")
    return root is not None


def _scan_part(
    zf: zipfile.ZipFile, info: zipfile.ZipInfo, limits: Limits, *, full: bool
) -> SheetExtent | None:
    """Check a part's prolog for DOCTYPE/ENTITY; for a worksheet (``full``), bound its cells."""
    extent = SheetExtent(info.filename) if full else None
    prolog_done = False
    head = b""
    for data in _windows(zf, info):
        if not prolog_done:
            head += data
            prolog_done = _check_prolog(head)
        if extent is None:
            if prolog_done:
                break
            continue
        _extend(extent, data)
        _check_extent(extent, limits)
    if extent is not None and extent.max_col * limits.max_rows > limits.max_cells:
        # Wide enough that a far row hidden out of order would matter: read every reference.
        for data in _windows(zf, info):
            _extend(extent, data, exact=True)
            _check_extent(extent, limits)
    return extent


def _check_extent(extent: SheetExtent, limits: Limits) -> None:
    if extent.max_row > limits.max_rows or extent.max_col > limits.max_cols:
        raise _Refused("file-far-cell", rows=extent.max_row, cols=extent.max_col)
    if extent.max_row * extent.max_col > limits.max_cells:
        raise _Refused("file-too-many-cells", rows=extent.max_row, cols=extent.max_col)


_ANY_REF = re.compile(rb' r="([A-Z]{0,3})([0-9]{1,10})"')


def _further_cols(max_col: int) -> bytes:
    """A regex alternation for column letters beyond ``max_col`` (``AF``.. for ``AE``)."""
    if max_col <= 0:
        return b"[A-Z]"
    text = column_letter(max_col)
    parts = [f"[A-Z]{{{len(text) + 1},}}"]
    for i, ch in enumerate(text):
        if ch != "Z":
            rest = len(text) - i - 1
            tail = f"[A-Z]{{{rest}}}" if rest else ""
            parts.append(f"{text[:i]}[{chr(ord(ch) + 1)}-Z]{tail}")
    return "|".join(parts).encode()


def _suspects(max_col: int) -> re.Pattern[bytes]:
    """References a normal chunk does not have: rows of 7+ digits, or columns beyond max_col."""
    return re.compile(rb' r="(?:[A-Z]{0,3}[0-9]{7}|(?:' + _further_cols(max_col) + rb")[0-9])")


def _take(extent: SheetExtent, letters: bytes, digits: bytes) -> None:
    if letters:
        extent.max_col = max(extent.max_col, column_index(letters))
    extent.max_row = max(extent.max_row, int(digits))


def _extend(extent: SheetExtent, data: bytes, exact: bool = False) -> None:
    """Grow ``extent`` with the largest row number and column referenced in ``data``.

    A million-row sheet has millions of references, so by default this does not match each
    one. Rows come in order, so the chunk's last rows give its largest row; one search
    then finds the references a normal chunk lacks (a row of 7+ digits, a column beyond those
    seen). A far row hidden out of order in a narrow sheet is still bounded by the grid
    (1,048,576 rows × its few columns); :func:`_scan_part` re-reads wide sheets ``exact``-ly.
    Cell references count, not only row elements: calamine places a cell by its reference.
    """
    for sep in (b"\nr=", b"\tr=", b"\rr="):
        if sep in data:  # attributes split by other white space: make them findable
            data = data.replace(sep, b" r=")
    if exact:
        for letters, digits in _ANY_REF.findall(data):
            _take(extent, letters, digits)
        return
    # The last few hundred rows, read exactly, set the baseline for this window.
    for letters, digits in _ANY_REF.findall(data, max(0, len(data) - 65536)):
        _take(extent, letters, digits)
    for m in _suspects(extent.max_col).finditer(data):
        ref = _ANY_REF.match(data, m.start())
        if ref:
            _take(extent, ref.group(1), ref.group(2))


register(
    {
        "file-missing": ("找不到文件 {path}，请检查路径", "{path} does not exist; check the path"),
        "file-is-folder": (
            "{path} 是文件夹，请给出 .xlsx 文件",
            "{path} is a folder; give an .xlsx file",
        ),
        "file-no-permission": ("没有权限读取 {path}", "No permission to read {path}"),
        "file-empty": (
            "{path} 是空文件，请用 crmxl init 新建工作簿",
            "{path} is empty; make a workbook with crmxl init",
        ),
        "file-xls": (
            "{path} 是旧版 .xls 格式，请在 Excel/WPS 中另存为 .xlsx 后再试",
            "{path} is an old .xls file; save it as .xlsx in Excel/WPS and try again",
        ),
        "file-xlsb": (
            "{path} 是 .xlsb 二进制格式，请另存为 .xlsx 后再试",
            "{path} is an .xlsb file; save it as .xlsx and try again",
        ),
        "file-encrypted": (
            "{path} 有密码保护，请在 Excel/WPS 中取消密码后另存再试",
            "{path} is password-protected; remove the password in Excel/WPS and save again",
        ),
        "file-html": (
            "{path} 不是 xlsx，而是网页/XML 文本（常见于系统导出），请用 Excel 打开后另存为 .xlsx",
            "{path} is HTML/XML text, not xlsx (common in system exports); open it "
            "in Excel and save as .xlsx",
        ),
        "file-not-xlsx": (
            "{path} 不是 xlsx 工作簿（可能是改了扩展名的 CSV 或文本）；CSV 请用 crmxl import",
            "{path} is not an xlsx workbook (perhaps a renamed CSV or text "
            "file); for CSV use crmxl import",
        ),
        "file-corrupt": (
            "{path} 已损坏或不完整（可能复制中断），请从备份恢复或重新导出",
            "{path} is damaged or truncated; restore it from a backup or export it again",
        ),
        "file-too-large": (
            "{path} 太大（{size} 字节），crmxl 不读取超过 2 GB 的文件",
            "{path} is too large ({size} bytes); crmxl reads files up to 2 GB",
        ),
        "file-too-many-parts": (
            "{path} 内部部件过多（{count} 个），疑似恶意文件，已拒绝",
            "{path} has too many parts ({count}); refused as hostile",
        ),
        "file-bomb": (
            "{path} 的 {part} 解压后过大（压缩炸弹），已拒绝",
            "{path}: {part} expands far too much (a zip bomb); refused",
        ),
        "file-doctype": (
            "{path} 的 {part} 含有 DOCTYPE/实体声明（XML 炸弹风险），已拒绝",
            "{path}: {part} declares a DOCTYPE or entities (an XML bomb risk); refused",
        ),
        "file-far-cell": (
            "{path} 的 {part} 有超出 Excel 范围的单元格（第 {rows} 行，第 {cols} 列），已拒绝",
            "{path}: {part} has a cell beyond Excel's grid (row {rows}, column {cols}); refused",
        ),
        "file-too-many-cells": (
            "{path} 的 {part} 单元格范围过大（{rows} 行 × {cols} 列，可能有远处的零散单元格），"
            "请删除多余的行列后另存",
            "{path}: {part} spans too many cells ({rows} rows × {cols} "
            "columns, perhaps a stray far-away cell); delete the extra rows "
            "and columns and save again",
        ),
    }
)
