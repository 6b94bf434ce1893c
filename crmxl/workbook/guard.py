"""Input guards: turn hostile or broken files away before any parser sees them.

Measured on this kind of machine (XLSX-FACTS.md): calamine, and so fastexcel, aborts the whole
process, uncatchably, on a zip bomb or on cells at A1 and XFD1048576; openpyxl runs out of memory
on the same files. So every file a command opens, and every file it is about to replace, goes
through :func:`check_workbook` first. It reads the zip's central directory, the first bytes of
every XML part and the cell references of every worksheet (streamed, with a byte cap), and raises
:class:`~crmxl.errors.InputFileError` with a one-line reason. It never loads a part whole.
"""

from __future__ import annotations

import posixpath
import stat
import subprocess
import zipfile
import zlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from crmxl.errors import InputFileError
from crmxl.i18n import register
from crmxl.workbook import child
from crmxl.workbook.extent import (
    DEFAULT_LIMITS,
    Corrupt,
    Limits,
    Refused,
    SheetExtent,
    limits_json,
    scan_member,
    scan_part,
)
from crmxl.workbook.names import canonical, duplicate_names, open_zip

__all__ = [
    "DEFAULT_LIMITS",
    "GuardReport",
    "Limits",
    "SheetExtent",
    "SheetScan",
    "check_workbook",
    "scan_sheet",
    "sniff",
]


_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ZIP_MAGIC = (b"PK\x03\x04", b"PK\x05\x06")
_ENCRYPTED_MARK = "EncryptedPackage".encode("utf-16-le")
_XML_SUFFIXES = (".xml", ".rels", ".vml")


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
        mode = path.stat().st_mode
    except OSError as exc:
        raise InputFileError("file-no-permission", path=path) from exc
    if not stat.S_ISREG(mode):  # a FIFO or a device would block or never end
        raise InputFileError("file-not-regular", path=path)
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
        zf = open_zip(path)
    except zipfile.BadZipFile as exc:
        raise InputFileError("file-corrupt", path=path) from exc
    report = GuardReport(path)
    wanted = set(sheets) if sheets is not None else None
    with zf:
        infos = zf.infolist()
        report.members = len(infos)
        if len(infos) > limits.max_members:
            raise InputFileError("file-too-many-parts", path=path, count=len(infos))
        twice = duplicate_names(i.filename for i in infos)
        if twice:  # which copy would a reader take? Excel calls such a file damaged
            raise InputFileError("file-duplicate-part", path=path, part=twice[0])
        names = {canonical(i.filename).casefold() for i in infos}
        if "[content_types].xml" not in names or not any(
            n.endswith(("workbook.xml", "workbook.bin")) for n in names
        ):
            raise InputFileError("file-not-xlsx", path=path)
        if any(n.endswith("workbook.bin") for n in names):
            raise InputFileError("file-xlsb", path=path)
        total = 0
        for info in infos:
            if info.flag_bits & 0x1:
                raise InputFileError("file-encrypted", path=path)
            if (
                _is_shared_strings(info.filename)
                and info.file_size > limits.max_shared_strings_bytes
            ):  # calamine holds the whole table in memory (and aborts when it cannot)
                size = info.file_size // 1024**2
                raise InputFileError("file-huge-shared-strings", path=path, size=size)
            total += info.file_size
            if info.file_size > limits.max_member_bytes or total > limits.max_total_bytes:
                raise InputFileError("file-bomb", path=path, part=info.filename)
            if info.file_size > limits.ratio_floor and info.file_size > limits.max_ratio * max(
                info.compress_size, 1
            ):
                raise InputFileError("file-bomb", path=path, part=info.filename)
        report.uncompressed_bytes = total
        for info in infos:
            name = canonical(info.filename)
            if not name.lower().endswith(_XML_SUFFIXES):
                continue
            is_sheet = name.lower().startswith("xl/worksheets/") and name.lower().endswith(".xml")
            if is_sheet and wanted is not None and name not in wanted:
                is_sheet = False
            try:
                extent = scan_part(zf, info, limits, full=is_sheet)
            except (zipfile.BadZipFile, zlib.error, EOFError, OSError) as exc:
                raise InputFileError("file-corrupt", path=path) from exc
            except Refused as refusal:
                raise InputFileError(refusal.code, path=path, part=name, **refusal.params) from None
            if extent is not None:
                report.extents[name] = extent
    return report


def _is_shared_strings(name: str) -> bool:
    return posixpath.basename(canonical(name)).lower() == "sharedstrings.xml"


def scan_sheet(path: Path, part: str, limits: Limits = DEFAULT_LIMITS) -> SheetExtent:
    """Bound one worksheet's cells (see :func:`check_workbook`); raise if it reaches too far."""
    path = Path(path)
    try:
        return scan_member(str(path), part, limits)
    except Corrupt as exc:
        raise InputFileError("file-corrupt", path=path) from exc
    except Refused as refusal:
        raise InputFileError(refusal.code, path=path, part=part, **refusal.params) from None


class SheetScan:
    """:func:`scan_sheet` in a child process, started now and answered by :meth:`result`.

    The scan of a million-row sheet is ~1 s of inflating (no GIL) and ~1.5 s of regular
    expressions (GIL held): in a child it runs beside the reading of the other sheets. A
    child that cannot start or gives no answer leaves the scan to :meth:`result`, in process.
    """

    def __init__(self, path: Path, part: str, limits: Limits = DEFAULT_LIMITS) -> None:
        self.path, self.part, self.limits = Path(path), part, limits
        self._proc: subprocess.Popen[bytes] | None
        try:
            self._proc = child.start(
                "crmxl.workbook.extent", [str(self.path), part, limits_json(limits)]
            )
        except OSError:
            self._proc = None

    def result(self) -> SheetExtent:
        """The extent, or :class:`InputFileError` as :func:`scan_sheet` raises it."""
        answer = child.answer(self._proc)
        self._proc = None
        if not isinstance(answer, dict):
            return scan_sheet(self.path, self.part, self.limits)
        if answer.get("corrupt"):
            raise InputFileError("file-corrupt", path=self.path)
        if "refused" in answer:
            params = answer.get("params") or {}
            raise InputFileError(str(answer["refused"]), path=self.path, part=self.part, **params)
        try:
            return SheetExtent(self.part, int(answer["max_row"]), int(answer["max_col"]))
        except (KeyError, TypeError, ValueError):
            return scan_sheet(self.path, self.part, self.limits)

    def stop(self) -> None:
        """Abandon the scan (the read failed elsewhere)."""
        child.stop(self._proc)
        self._proc = None


register(
    {
        "file-missing": ("找不到文件 {path}，请检查路径", "{path} does not exist; check the path"),
        "file-is-folder": (
            "{path} 是文件夹，请给出 .xlsx 文件",
            "{path} is a folder; give an .xlsx file",
        ),
        "file-no-permission": ("没有权限读取 {path}", "No permission to read {path}"),
        "file-not-regular": (
            "{path} 不是普通文件（可能是管道或设备），请给出 .xlsx 文件",
            "{path} is not a regular file (perhaps a pipe or a device); give an .xlsx file",
        ),
        "file-duplicate-part": (
            "{path} 内部有两个同名部件 {part}，无法确定该读哪一个（文件已损坏），"
            "请在 Excel 中打开并另存后再试",
            "{path} holds the part {part} twice, so which one counts is unclear (the file "
            "is damaged); open it in Excel, save it, and try again",
        ),
        "file-huge-shared-strings": (
            "{path} 的共享字符串表解压后有 {size} MB，超出 crmxl 能安全读取的大小，已拒绝：请删除"
            "不用的工作表或长文本后另存",
            "{path} has a shared-strings table of {size} MB uncompressed, more than crmxl can "
            "read safely; refused: delete unused sheets or long texts and save again",
        ),
        "file-utf16-part": (
            "{path} 的 {part} 以 UTF-16 编码保存（且是工作表或过大），crmxl 无法安全读取："
            "请在 Excel 中打开并另存后再试",
            "{path}: {part} is stored as UTF-16 text (a worksheet, or a large part), which "
            "crmxl cannot read safely; open it in Excel, save it, and try again",
        ),
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
            "{path} is too large ({size:~byte|bytes}); crmxl reads files up to 2 GB",
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
            "{path}: {part} spans too many cells ({rows:~row|rows} × "
            "{cols:~column|columns}, perhaps a stray far-away cell); delete the extra rows "
            "and columns and save again",
        ),
    }
)
