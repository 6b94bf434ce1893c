"""Saving safely (SPEC 4): lock files, fingerprints, verify, backup, atomic replace.

A write goes: take crmxl's write lock of the file (:mod:`crmxl.workbook.lock`; commands take it
before they read) -> fingerprint the file when it is read -> build the new package in a
temporary file in the same folder (``.NAME.crmxl-tmp-XXXX.xlsx``), flushed to the disk -> verify
it -> keep the original as ``.crmxl-backups/NAME.YYYYMMDD-HHMMSS.xlsx`` beside it (a hard link,
else a copy under a temporary name renamed when complete; the last ``keep_backups`` are kept)
-> check again that nobody holds the file open, that it is not read-only and that it has not
changed since it was read -> ``os.replace`` the temporary file over the original, with the
original's permission bits, retried while another program holds it for a moment
(:mod:`crmxl.workbook.fileops`) -> flush the folder.

Any refusal or failure raises :class:`~crmxl.errors.WriteRefusedError` (a one-line message in
Chinese and English naming the file and what to do), removes the temporary file and leaves the
original untouched. Excel's own save works the same way: temporary file, then rename.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import os
import re
import shutil
import stat
import xml.parsers.expat
import zipfile
from collections.abc import Callable, Collection, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

from crmxl.errors import CrmxlError, WriteRefusedError
from crmxl.i18n import register
from crmxl.workbook.fileops import (
    BACKUP_DIR,
    held,
    native,
    new_temp,
    remove_file,
    replace_file,
    retrying,
    sync_file,
    sync_folder,
    temp_name,
)
from crmxl.workbook.guard import check_workbook
from crmxl.workbook.lock import barrier_event, locked
from crmxl.workbook.xmlcheck import Checked, Verdict

__all__ = ["BACKUP_DIR"]  # re-exported: where backups go
_HASH_CHUNK = 1 << 20


@dataclass(frozen=True)
class Fingerprint:
    """What a file was when it was read: size, modification time and content hash."""

    size: int
    mtime_ns: int
    sha256: str

    def same_content(self, other: Fingerprint) -> bool:
        """Same bytes (a touched but unchanged file is not a change)."""
        return self.size == other.size and self.sha256 == other.sha256


def fingerprint(path: Path) -> Fingerprint:
    """The :class:`Fingerprint` of ``path`` now."""
    digest = hashlib.sha256()
    with open(native(path), "rb") as fh:
        st = os.fstat(fh.fileno())
        while chunk := fh.read(_HASH_CHUNK):
            digest.update(chunk)
    return Fingerprint(st.st_size, st.st_mtime_ns, digest.hexdigest())


def excel_lock_path(path: Path) -> Path:
    """The owner file Excel and WPS keep beside a workbook they have open."""
    return path.with_name("~$" + path.name)


def libreoffice_lock_path(path: Path) -> Path:
    """The lock file LibreOffice keeps beside a document it has open."""
    return path.with_name(f".~lock.{path.name}#")


def wps_linux_lock_path(path: Path) -> Path:
    """The lock file WPS Office for Linux keeps beside a workbook it has open."""
    return path.with_name(".~" + path.name)


def _printable(name: str) -> bool:
    return bool(name.strip()) and all(ch.isprintable() for ch in name)


def excel_lock_owner(data: bytes) -> str | None:
    """The user name in an Excel/WPS owner file, when it can be read.

    The file starts with the name's length and the name in the system code page, padded to 54
    bytes; then the length again and the name in UTF-16. The UTF-16 copy is preferred (it
    survives any code page); the first copy is tried as GBK (Chinese Windows), then UTF-8.
    """
    if not data:
        return None
    n = data[0]
    if n == 0 or n > 53:
        return None
    for offset in (0x36, 0x37):
        if len(data) >= offset + 2 + 2 * n and data[offset] == n:
            with contextlib.suppress(UnicodeDecodeError):
                name = data[offset + 2 : offset + 2 + 2 * n].decode("utf-16-le")
                if _printable(name):
                    return name.strip()
    # The length may count characters or bytes: read the code-page copy up to its padding.
    first = data[1:54].rstrip(b" \x00")
    for encoding in ("gbk", "utf-8"):
        with contextlib.suppress(UnicodeDecodeError):
            name = first.decode(encoding)
            if _printable(name):
                return name.strip()
    return None


def libreoffice_lock_owner(data: bytes) -> str | None:
    """Who holds a LibreOffice lock: ``name,user,host,date,profile;`` -> ``name (user@host)``.

    Fields may escape ``,`` ``;`` and ``\\`` with a backslash.
    """
    text = data.decode("utf-8", "replace")
    fields: list[str] = []
    current: list[str] = []
    escaped = False
    for ch in text:
        if escaped:
            current.append(ch)
            escaped = False
        elif ch == "\\":
            escaped = True
        elif ch in ",;":
            fields.append("".join(current).strip())
            current = []
            if ch == ";":
                break
        else:
            current.append(ch)
    if len(fields) < 3:
        return None
    name, user, host = fields[0], fields[1], fields[2]
    account = f"{user}@{host}" if user and host else user or host
    if name and account:
        return f"{name} ({account})"
    return name or account or None


def _read_small(path: Path, limit: int = 4096) -> bytes | None:
    try:
        with path.open("rb") as fh:
            return fh.read(limit)
    except OSError:
        return None


def check_not_open(path: Path) -> None:
    """Refuse (``WriteRefusedError``) if Excel, WPS or LibreOffice has ``path`` open, as told by
    the lock file each keeps beside it. A lock file left by a crash refuses too; the message
    says to delete it if the file is not really open."""
    path = Path(path)
    lock = excel_lock_path(path)
    if lock.exists():
        owner = excel_lock_owner(_read_small(lock) or b"")
        code = "file-locked-excel" if owner else "file-locked-excel-anon"
        raise WriteRefusedError(code, path=path, owner=owner or "", lock=lock.name)
    lock = libreoffice_lock_path(path)
    if lock.exists():
        owner = libreoffice_lock_owner(_read_small(lock) or b"")
        code = "file-locked-libreoffice" if owner else "file-locked-libreoffice-anon"
        raise WriteRefusedError(code, path=path, owner=owner or "", lock=lock.name)
    lock = wps_linux_lock_path(path)
    if lock.exists():
        raise WriteRefusedError("file-locked-wps", path=path, lock=lock.name)


def read_only(path: Path) -> bool:
    """Is ``path`` read-only: no write bit at all (``chmod 444``; the Windows read-only
    attribute shows so), or not writable by this user?"""
    st = os.stat(native(path))
    return not st.st_mode & 0o222 or not os.access(native(path), os.W_OK)


def check_writable(path: Path) -> None:
    """Refuse (``file-read-only``) an existing ``path`` that is read-only: replacing the file
    would go around what its owner asked for."""
    try:
        if read_only(path):
            raise WriteRefusedError("file-read-only", path=path)
    except FileNotFoundError:
        pass


def check_unchanged(path: Path, seen: Fingerprint, *, quick: bool = False) -> None:
    """Refuse (``file-changed``) if ``path`` is not what was read. ``quick`` compares size and
    modification time only (an early, cheap check; the last check before replacing is full)."""
    try:
        if quick:
            st = path.stat()
            if st.st_size == seen.size and st.st_mtime_ns == seen.mtime_ns:
                return
        now = fingerprint(path)
    except OSError:
        raise WriteRefusedError("file-changed", path=path) from None
    if not now.same_content(seen):
        raise WriteRefusedError("file-changed", path=path)


@dataclass(frozen=True)
class SaveReport:
    """What a save did."""

    path: Path
    backup: Path | None
    cells_written: int
    cells_skipped: int
    parts_changed: tuple[str, ...]
    seconds: float
    formula_cells: tuple[tuple[str, int, int], ...] = field(default=(), repr=False)
    dry_run: bool = False
    cells_styled: int = 0  # cells only restyled (highlights)
    comments: int = 0  # cell comments added (or appended to)

    def to_dict(self) -> dict[str, Any]:
        return {
            "path": str(self.path),
            "backup": str(self.backup) if self.backup else None,
            "cells_written": self.cells_written,
            "cells_skipped": self.cells_skipped,
            "parts_changed": list(self.parts_changed),
            "seconds": round(self.seconds, 3),
            "formula_cells": [list(c) for c in self.formula_cells],
            "dry_run": self.dry_run,
            "cells_styled": self.cells_styled,
            "comments": self.comments,
        }


# -- backups -------------------------------------------------------------------------------


def _backup_pattern(path: Path) -> re.Pattern[str]:
    return re.compile(
        re.escape(path.stem) + r"\.(\d{8}-\d{6})(?:-(\d+))?" + re.escape(path.suffix) + r"$"
    )


def make_backup(path: Path, backup_dir: Path | None = None, now: dt.datetime | None = None) -> Path:
    """Keep ``path`` in ``backup_dir`` (default ``.crmxl-backups`` beside it) under a name that
    says when: ``NAME.20261123-101502.xlsx`` (``-2``, ``-3`` ... within the same second).

    The backup appears complete or not at all: a hard link to the file (instant; the replace
    that follows gives the workbook a new file, so the link keeps the old bytes alone), or where
    the file system has no hard links, a copy written under a temporary name, flushed to the
    disk and then renamed."""
    folder = backup_dir if backup_dir is not None else path.parent / BACKUP_DIR
    os.makedirs(native(folder), exist_ok=True)
    stamp = (now or dt.datetime.now()).strftime("%Y%m%d-%H%M%S")
    target = folder / f"{path.stem}.{stamp}{path.suffix}"
    n = 2
    while os.path.lexists(native(target)):
        target = folder / f"{path.stem}.{stamp}-{n}{path.suffix}"
        n += 1
    try:
        os.link(native(path), native(target))
    except OSError:  # no hard links here (FAT, exFAT, some shares), or not allowed
        _copy_then_rename(path, target)
    sync_folder(folder)
    return target


def _copy_then_rename(path: Path, target: Path) -> None:
    tmp = temp_name(target.with_name(path.name))
    try:
        retrying(lambda: shutil.copy2(native(path), native(tmp)))
        with open(native(tmp), "rb+") as fh:
            sync_file(fh.fileno())
        replace_file(tmp, target)
    finally:
        remove_file(tmp)


def backups_of(path: Path, backup_dir: Path | None = None) -> list[Path]:
    """The backups of ``path``, oldest first."""
    folder = backup_dir if backup_dir is not None else path.parent / BACKUP_DIR
    if not folder.is_dir():
        return []
    pattern = _backup_pattern(path)
    found = []
    for entry in folder.iterdir():
        m = pattern.match(entry.name)
        if m and entry.is_file():
            found.append(((m.group(1), int(m.group(2) or 1)), entry))
    return [entry for _, entry in sorted(found)]


def prune_backups(path: Path, keep: int, backup_dir: Path | None = None) -> list[Path]:
    """Delete all but the newest ``keep`` backups of ``path``; returns the deleted ones."""
    old = backups_of(path, backup_dir)
    doomed = old[: max(len(old) - max(keep, 1), 0)]
    for entry in doomed:
        remove_file(entry)
    return doomed


# -- verification --------------------------------------------------------------------------


def verify_package(
    path: Path,
    originals: Iterable[zipfile.ZipInfo],
    rewritten: set[str],
    added: set[str],
    lenient: Collection[str] = (),
    checks: Mapping[str, Checked] | None = None,
) -> None:
    """Check a freshly written package before it may replace anything.

    The zip opens; it holds exactly the original members plus ``added``; a member copied raw
    has the original's CRC and sizes and its local header agrees with the directory; every
    rewritten or added part reads back (zipfile checks the CRC) and is well-formed XML, but
    for the ``lenient`` ones, which were not well-formed before either (old Excel's VML): those
    only have to read back. A part in ``checks`` was inflated and parsed while it was written
    (:mod:`~crmxl.workbook.xmlcheck`): its verdict's CRC and size must be the directory's, and
    without a verdict it is read back here like the others. Raises ``ValueError`` (or
    ``zipfile.BadZipFile``) with what is wrong.
    """
    originals = list(originals)
    with zipfile.ZipFile(path) as zf:
        infos = zf.infolist()
        names = [i.filename for i in infos]
        if len(names) != len(set(names)):
            raise ValueError("duplicate members")
        expected = {i.filename for i in originals} | added
        if set(names) != expected:
            missing = sorted(expected - set(names))
            extra = sorted(set(names) - expected)
            raise ValueError(f"members differ: missing {missing}, unexpected {extra}")
        by_name = {i.filename: i for i in infos}
        for old in originals:
            new = by_name[old.filename]
            if old.filename in rewritten:
                continue
            if (new.CRC, new.compress_size, new.file_size, new.compress_type) != (
                old.CRC,
                old.compress_size,
                old.file_size,
                old.compress_type,
            ):
                raise ValueError(f"{old.filename} was not copied intact")
            with zf.open(new):  # checks the local header against the directory
                pass
        checks = checks or {}
        for name in sorted(rewritten | added):
            if name in checks and name not in lenient:
                verdict = checks[name].verdict()
                if verdict is not None:
                    _check_verdict(zf, by_name[name], verdict)
                    if verdict.certified:
                        continue  # else (not proved well-formed by its parts): parsed here
            if name in lenient:
                with zf.open(by_name[name]) as fh:
                    while fh.read(_HASH_CHUNK):
                        pass
            else:
                _check_xml(zf, by_name[name])


def _check_verdict(zf: zipfile.ZipFile, info: zipfile.ZipInfo, verdict: Verdict) -> None:
    """A part checked as it was written: the bytes checked are the bytes the directory states."""
    if verdict.problem:
        raise ValueError(f"{info.filename}: {verdict.problem}")
    if (verdict.crc, verdict.size) != (info.CRC, info.file_size):
        raise ValueError(f"{info.filename} does not hold the bytes that were checked")
    with zf.open(info):  # checks the local header against the directory
        pass


def _check_xml(zf: zipfile.ZipFile, info: zipfile.ZipInfo) -> None:
    parser = xml.parsers.expat.ParserCreate()
    with zf.open(info) as fh:
        try:
            while chunk := fh.read(_HASH_CHUNK):
                parser.Parse(chunk, False)
            parser.Parse(b"", True)
        except xml.parsers.expat.ExpatError as exc:
            raise ValueError(f"{info.filename} is not well-formed XML: {exc}") from None


# -- the safe write ------------------------------------------------------------------------


def write_safely(
    source: Path,
    dest: Path,
    build: Callable[[BinaryIO], None],
    verify: Callable[[Path], None],
    *,
    seen: Fingerprint | None,
    backup: bool = True,
    backup_dir: Path | None = None,
    keep_backups: int = 10,
) -> Path | None:
    """Build the new file with ``build`` and put it at ``dest`` safely; returns the backup.

    ``source`` is the workbook that was read (fingerprinted as ``seen``); ``dest`` is where the
    result goes (``source`` itself for an in-place save). ``verify`` raises if the temporary
    file is not fit to replace anything. ``dest``'s write lock is held throughout (the command
    that read ``source`` already holds it for an in-place save).

    The input guard is not run again on ``source`` in place: the fingerprint check proves it
    holds the bytes the guard passed when the writer opened it. A different ``dest`` that
    exists is guarded, so that nothing but a workbook is ever replaced; for such a copy only
    ``dest`` is checked for lock files (reading a workbook someone has open is fine). A
    ``dest`` that is a symbolic link has the file it points to replaced (the link stays);
    permission bits (and owner, where allowed) are carried over.
    """
    source, dest = Path(source), Path(dest)
    in_place = dest.resolve() == source.resolve()
    if dest.is_symlink():  # replace the file the link points to, not the link
        dest = dest.resolve()
    with locked([dest]):
        _check_target(source, dest, seen, in_place, quick=True)
        try:
            tmp, fd = new_temp(dest)
        except OSError as exc:
            raise WriteRefusedError("write-failed", path=dest, detail=_reason(exc)) from exc
        try:
            with os.fdopen(fd, "wb") as fh:
                try:
                    build(fh)
                    fh.flush()
                except OSError as exc:
                    raise WriteRefusedError("write-failed", path=dest, detail=_reason(exc)) from exc
            try:
                verify(tmp)
            except CrmxlError:
                raise
            except Exception as exc:
                raise WriteRefusedError("verify-failed", path=dest, detail=str(exc)) from exc
            return replace_safely(
                tmp,
                dest,
                source=source,
                seen=seen,
                backup=backup,
                backup_dir=backup_dir,
                keep_backups=keep_backups,
            )
        finally:
            remove_file(tmp)


def replace_safely(
    tmp: Path,
    dest: Path,
    *,
    source: Path | None = None,
    seen: Fingerprint | None = None,
    backup: bool = True,
    backup_dir: Path | None = None,
    keep_backups: int = 10,
) -> Path | None:
    """Put the finished (verified) file ``tmp`` at ``dest``; returns the backup.

    ``source`` is the workbook ``tmp`` was made from (None: ``tmp`` is a new file, such as a
    report). Holding ``dest``'s write lock: flushes ``tmp`` to the disk; refuses a ``dest``
    other than ``source`` that is not a workbook; keeps a backup of ``dest`` when asked; checks
    for the last time that no editor has ``dest`` (or ``source``) open, that ``dest`` is not
    read-only and that ``source`` still holds the bytes ``seen``; then replaces ``dest``
    (retried while another program holds it) and flushes the folder. Any refusal removes the
    backup it made and leaves ``dest`` as it was; the caller removes ``tmp``."""
    in_place = source is not None and dest.resolve() == Path(source).resolve()
    with locked([dest]):
        try:
            with open(native(tmp), "rb+") as fh:  # on the disk before it takes the name
                sync_file(fh.fileno())
        except OSError as exc:
            raise WriteRefusedError("write-failed", path=dest, detail=_reason(exc)) from exc
        if not in_place and dest.exists():
            check_workbook(dest)  # never replace something that is not a workbook
        backup_path = None
        if backup and dest.exists():
            try:
                backup_path = make_backup(dest, backup_dir)
            except OSError as exc:
                raise WriteRefusedError("backup-failed", path=dest, detail=_reason(exc)) from exc
        try:
            _check_target(Path(source or dest), dest, seen, in_place)
            if dest.exists():
                st = os.stat(native(dest))
                os.chmod(native(tmp), stat.S_IMODE(st.st_mode))
                if hasattr(os, "chown"):
                    with contextlib.suppress(OSError):  # allowed only to the owner's admin
                        os.chown(native(tmp), st.st_uid, st.st_gid)
            barrier_event("replace", pause=True)
            try:
                replace_file(tmp, dest)
            except OSError as exc:
                if held(exc):
                    raise WriteRefusedError("file-in-use", path=dest) from exc
                raise WriteRefusedError("write-failed", path=dest, detail=_reason(exc)) from exc
        except BaseException:
            if backup_path is not None:
                remove_file(backup_path)
            raise
        sync_folder(dest.parent)
        if backup_path is not None:
            prune_backups(dest, keep_backups, backup_dir)
        return backup_path


def _check_target(
    source: Path, dest: Path, seen: Fingerprint | None, in_place: bool, *, quick: bool = False
) -> None:
    """What is checked before building (``quick``) and again just before replacing: no
    editor has the file open, it is writable, and it holds what was read."""
    for path in {source, dest} if in_place else {dest}:
        check_not_open(path)
    check_writable(dest)
    if seen is not None:
        check_unchanged(source, seen, quick=quick)


def _reason(exc: OSError) -> str:
    return exc.strerror or type(exc).__name__


register(
    {
        "file-locked-excel": (
            "{path} 正在被 {owner} 用 Excel/WPS 打开，未写入：请先关闭文件再运行；"
            "如确认没有打开，请删除锁文件 {lock}",
            "{path} is open in Excel/WPS by {owner}; nothing was written: close it and run "
            "again (if it is not open, delete the lock file {lock})",
        ),
        "file-locked-excel-anon": (
            "{path} 正在被 Excel/WPS 打开，未写入：请先关闭文件再运行；如确认没有打开，请删除锁文件 {lock}",
            "{path} is open in Excel/WPS; nothing was written: close it and run again (if it is "
            "not open, delete the lock file {lock})",
        ),
        "file-locked-libreoffice": (
            "{path} 正在被 {owner} 用 LibreOffice 打开，未写入：请先关闭文件再运行；"
            "如确认没有打开，请删除锁文件 {lock}",
            "{path} is open in LibreOffice by {owner}; nothing was written: close it and run "
            "again (if it is not open, delete the lock file {lock})",
        ),
        "file-locked-libreoffice-anon": (
            "{path} 正在被 LibreOffice 打开，未写入：请先关闭文件再运行；如确认没有打开，请删除锁文件 {lock}",
            "{path} is open in LibreOffice; nothing was written: close it and run again (if it "
            "is not open, delete the lock file {lock})",
        ),
        "file-changed": (
            "{path} 在读取之后被修改过（可能有人正在编辑），为免覆盖别人的修改，未写入：请重新运行",
            "{path} changed on disk after it was read (someone may be editing it); nothing was "
            "written, so no one's changes are lost: run the command again",
        ),
        "file-in-use": (
            "无法替换 {path}：文件被其他程序占用（多次重试后仍未释放），原文件未改动。"
            "可能占用它的有：Excel、WPS（含云同步）、OneDrive、杀毒软件、资源管理器的预览窗格；"
            "请关闭这些程序或暂停同步后重试",
            "Cannot replace {path}: another program still holds it after several retries; the "
            "file is unchanged. Likely holders: Excel, WPS (or its cloud sync), OneDrive, "
            "antivirus, Explorer's preview pane; close them or pause syncing and try again",
        ),
        "file-locked-wps": (
            "{path} 正在被 WPS 打开，未写入：请先关闭文件再运行；如确认没有打开，请删除锁文件 {lock}",
            "{path} is open in WPS; nothing was written: close it and run again (if it is not "
            "open, delete the lock file {lock})",
        ),
        "file-read-only": (
            "{path} 是只读文件，未写入：如要让 crmxl 写入，请先取消只读"
            "（Windows：右键→属性→取消勾选“只读”；macOS/Linux：chmod u+w）",
            "{path} is read-only; nothing was written: to let crmxl write it, clear the "
            "read-only flag first (Windows: Properties, untick Read-only; macOS/Linux: "
            "chmod u+w)",
        ),
        "verify-failed": (
            "写入 {path} 的新文件未通过校验（{detail}），原文件未改动：请把此信息报告给 crmxl 维护者",
            "The new version of {path} failed verification ({detail}); the file is unchanged: "
            "please report this to the crmxl maintainers",
        ),
        "write-failed": (
            "无法写入 {path}（{detail}），原文件未改动：请检查磁盘空间和文件夹权限",
            "Could not write {path} ({detail}); the file is unchanged: check disk space and "
            "folder permissions",
        ),
        "backup-failed": (
            "无法为 {path} 创建备份（{detail}），未写入：请检查文件夹权限",
            "Could not back up {path} ({detail}); nothing was written: check folder permissions",
        ),
    }
)
