"""File operations of the write path that behave alike on Windows, macOS and Linux.

- **Retries.** On Windows a file that antivirus, OneDrive, WPS's cloud sync, Explorer's preview
  pane or the search indexer has open for a moment cannot be replaced, copied or removed: the
  call fails with a sharing violation (``PermissionError``, ``winerror`` 32 or 33, or 5). Such
  failures are retried with a growing pause (:data:`RETRY_DELAYS`, a few seconds in all) before
  they are reported.
- **Long paths.** The Win32 file calls refuse paths of ``MAX_PATH`` (260) characters or more
  unless long paths are enabled machine-wide; a path that long gets the extended-length prefix
  ``\\\\?\\`` (:func:`native`). Elsewhere paths are used as they are.
- **Durability.** :func:`sync_file` and :func:`sync_folder` flush a file's bytes and a folder's
  entries to the disk where the platform allows (folders cannot be opened on Windows, where
  ``MoveFileEx`` is relied on instead).
- **Our temporary files** are named ``.NAME.crmxl-tmp-XXXXXXXX.xlsx`` (:func:`new_temp`), in the
  target's folder and in the backup folder; :func:`remove_stale_temps` removes those of a run
  that was killed, by that pattern only, and never one this process made.
"""

from __future__ import annotations

import contextlib
import ntpath
import os
import re
import secrets
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TypeVar

from crmxl import interrupt

T = TypeVar("T")

BACKUP_DIR = ".crmxl-backups"
TEMP_MARK = ".crmxl-tmp-"
#: Pauses between attempts when a file is held by another program (~3.9 s in all).
RETRY_DELAYS: Sequence[float] = (0.05, 0.1, 0.2, 0.3, 0.5, 0.75, 1.0, 1.0)
# ERROR_ACCESS_DENIED, ERROR_SHARING_VIOLATION, ERROR_LOCK_VIOLATION
_HELD_WINERRORS = frozenset({5, 32, 33})
# CreateDirectoryW's limit (MAX_PATH less room for an 8.3 name); files allow 259 characters.
_WIN_PATH_LIMIT = 248
_ours: set[str] = set()  # temporary files this process named: never "stale"


def _key(path: str | os.PathLike[str]) -> str:
    return os.path.normcase(os.path.realpath(path))


def held(exc: OSError) -> bool:
    """Is ``exc`` what Windows says when another program has the file open (or what a
    permission error looks like elsewhere)? Such a failure may pass in a moment."""
    return isinstance(exc, PermissionError) or getattr(exc, "winerror", None) in _HELD_WINERRORS


def retrying(
    op: Callable[[], T],
    *,
    delays: Sequence[float] | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> T:
    """``op()``, tried again after each of ``delays`` (default :data:`RETRY_DELAYS`) while it
    fails because the file is held (:func:`held`); any other error, or the last one, is raised."""
    pauses = RETRY_DELAYS if delays is None else delays
    for pause in pauses:
        try:
            return op()
        except OSError as exc:
            if not held(exc):
                raise
        sleep(pause)
    return op()


def extended(path: str) -> str:
    """A Windows path of 248 characters or more with the extended-length prefix (``\\\\?\\C:\\…``,
    ``\\\\?\\UNC\\server\\share\\…``); shorter or already prefixed paths unchanged."""
    if path.startswith("\\\\?\\"):
        return path
    full = ntpath.normpath(ntpath.abspath(path))
    if len(full) < _WIN_PATH_LIMIT:
        return path
    if full.startswith("\\\\"):
        return "\\\\?\\UNC\\" + full[2:]
    return "\\\\?\\" + full


def native(path: str | os.PathLike[str]) -> str:
    """``path`` as the OS file calls want it (see :func:`extended`; unchanged off Windows)."""
    text = os.fspath(path)
    return extended(text) if os.name == "nt" else text


def replace_file(
    src: Path, dst: Path, *, replace: Callable[[str, str], None] | None = None
) -> None:
    """Move ``src`` over ``dst`` in one step (``replace``, default ``os.replace``), retrying
    while ``dst`` is held."""
    move = replace or os.replace

    def attempt() -> None:
        with interrupt.committing(dst):  # Ctrl-C cannot fall between the rename and its note
            move(native(src), native(dst))

    retrying(attempt)
    _ours.discard(_key(src))


def remove_file(path: Path) -> None:
    """Remove ``path`` if it is there, retrying while it is held; failures are ignored (a
    leftover temporary file is removed by the next run)."""
    with contextlib.suppress(OSError):
        retrying(lambda: Path(native(path)).unlink(missing_ok=True))
    _ours.discard(_key(path))


def sync_file(fd: int) -> None:
    """Flush a written file's bytes to the disk."""
    os.fsync(fd)


def sync_folder(folder: Path) -> None:
    """Make a rename in ``folder`` durable (POSIX); a no-op where folders cannot be opened."""
    with contextlib.suppress(OSError, AttributeError):
        fd = os.open(native(folder), os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def temp_name(dest: Path) -> Path:
    """A fresh temporary name beside ``dest`` (``.NAME.crmxl-tmp-1a2b3c4d.xlsx``), known to this
    process as its own."""
    tmp = dest.with_name(f".{dest.stem}{TEMP_MARK}{secrets.token_hex(4)}{dest.suffix}")
    _ours.add(_key(tmp))
    return tmp


def new_temp(dest: Path) -> tuple[Path, int]:
    """Create an empty temporary file beside ``dest``; returns it and its open descriptor."""
    for _ in range(100):
        candidate = temp_name(dest)
        try:
            fd = os.open(
                native(candidate),
                os.O_RDWR | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0),
                0o666,
            )
        except FileExistsError:
            _ours.discard(_key(candidate))
            continue
        except OSError:
            _ours.discard(_key(candidate))
            raise
        return candidate, fd
    raise FileExistsError(dest.parent)


def _temp_pattern(path: Path) -> re.Pattern[str]:
    return re.compile(
        r"\."
        + re.escape(path.stem)
        + re.escape(TEMP_MARK)
        + r"[0-9a-f]{8}"
        + re.escape(path.suffix)
    )


def stale_temps(path: Path, backup_dir: Path | None = None) -> list[Path]:
    """Temporary files of ``path`` (beside it and in its backup folder) that this process did
    not make: what a killed run left. Only names of our exact pattern."""
    pattern = _temp_pattern(path)
    found = []
    for folder in (path.parent, backup_dir or path.parent / BACKUP_DIR):
        try:
            entries = list(os.scandir(native(folder)))
        except OSError:
            continue
        for entry in entries:
            candidate = folder / entry.name
            if pattern.fullmatch(entry.name) and _key(candidate) not in _ours:
                with contextlib.suppress(OSError):
                    if entry.is_file(follow_symlinks=False):
                        found.append(candidate)
    return found


def remove_stale_temps(path: Path, backup_dir: Path | None = None) -> list[Path]:
    """Remove what :func:`stale_temps` finds. Call it only while holding ``path``'s write lock
    (:mod:`crmxl.workbook.lock`): then no other crmxl is writing one of them."""
    removed = stale_temps(path, backup_dir)
    for tmp in removed:
        remove_file(tmp)
    return removed
