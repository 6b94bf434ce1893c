"""One crmxl at a time writes a workbook: an OS-level lock from the read to the replace.

Saving checks that the file on disk is still the one that was read, just before replacing it;
but two crmxl runs could both pass that check and replace in turn, and the first one's changes
would be lost. So every command that writes holds an exclusive lock on each workbook it writes,
from before it reads the workbook until after the new file has replaced it
(:func:`write_locked` on the command, :func:`locked` in the write path itself). A second crmxl
waits up to :func:`wait_seconds` (``CRMXL_LOCK_TIMEOUT``, default 5 s) and then refuses, with
nothing written.

The lock is taken with `filelock <https://py-filelock.readthedocs.io/>`_ on a file beside the
workbook, ``.NAME.xlsx.crmxl-lock`` (never a name an editor uses: Excel and WPS write ``~$NAME``,
WPS on Linux ``.~NAME``, LibreOffice ``.~lock.NAME#``). It is a lock the operating system keeps
for the open file: ``flock`` on macOS and Linux, ``LockFileEx`` on Windows. The OS drops it when
the holder exits, however it ends (a crash, a kill, a power cut), so a lock file left on disk
never blocks the next run: on macOS and Linux the empty file stays (deleting it could let two
runs lock two different files), on Windows it is deleted on release. A file system without such
locks (some network shares) gets no lock; the fingerprint check still refuses a file that
changed (docs/write-path.md says what holds where).

Locks are re-entrant within a process: the command holds them, and the save inside it takes
them again without waiting. The first time a process takes a workbook's lock, it removes the
temporary files a killed run left beside the workbook and in its backup folder
(:func:`~crmxl.workbook.fileops.remove_stale_temps`): no other crmxl can be writing them then.
"""

from __future__ import annotations

import contextlib
import errno
import functools
import inspect
import os
import time
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import ParamSpec, TypeVar

from filelock import FileLock, Timeout

from crmxl.errors import WriteRefusedError
from crmxl.i18n import register
from crmxl.workbook.fileops import native, remove_stale_temps

P = ParamSpec("P")
R = TypeVar("R")

LOCK_SUFFIX = ".crmxl-lock"
DEFAULT_WAIT = 5.0
#: Test hook: a folder where a writer announces events and, at a pause point, waits for a
#: ``go-NAME`` file (see :func:`barrier_event`). Unset in normal use.
BARRIER_ENV = "CRMXL_TEST_BARRIER"
_BARRIER_LIMIT = 120.0
_NO_LOCK_HERE = frozenset({errno.ENOSYS, errno.ENOTSUP, errno.EOPNOTSUPP, errno.EROFS})


class _Held:
    def __init__(self, lock: FileLock | None) -> None:
        self.lock = lock  # None: the file system has no OS locks
        self.count = 1


_held: dict[str, _Held] = {}


def lock_path(path: Path) -> Path:
    """The lock file of the workbook ``path``: ``.NAME.xlsx.crmxl-lock`` beside it."""
    return path.with_name(f".{path.name}{LOCK_SUFFIX}")


def wait_seconds() -> float:
    """How long a writer waits for another crmxl's lock: ``CRMXL_LOCK_TIMEOUT`` seconds, else 5."""
    text = os.environ.get("CRMXL_LOCK_TIMEOUT", "")
    try:
        value = float(text)
    except ValueError:
        return DEFAULT_WAIT
    return value if value >= 0 else DEFAULT_WAIT


def _real(path: Path) -> Path:
    return Path(os.path.realpath(path))


def _key(path: Path) -> str:
    return os.path.normcase(str(path))


def _acquire(path: Path, wait: float) -> None:
    key = _key(path)
    held = _held.get(key)
    if held is not None:
        held.count += 1
        return
    lock = FileLock(native(lock_path(path)), thread_local=False, fallback_to_soft=False)
    try:
        try:
            lock.acquire(timeout=0)
        except Timeout:
            barrier_event("waiting")
            lock.acquire(timeout=wait, poll_interval=0.05)
    except Timeout:
        raise WriteRefusedError("file-being-written", path=path, seconds=f"{wait:g}") from None
    except OSError as exc:
        if exc.errno not in _NO_LOCK_HERE and not isinstance(exc, PermissionError):
            raise WriteRefusedError(
                "write-failed", path=path, detail=exc.strerror or type(exc).__name__
            ) from exc
        # No OS locks on this file system, or a folder this user cannot write (then this run
        # cannot replace the workbook either): go on without; the fingerprint check guards.
        _held[key] = _Held(None)
        return
    _held[key] = _Held(lock)
    try:
        remove_stale_temps(path)
    except BaseException:
        _release(key)
        raise


def _release(key: str) -> None:
    held = _held[key]
    held.count -= 1
    if held.count:
        return
    del _held[key]
    if held.lock is not None:
        held.lock.release(force=True)


@contextlib.contextmanager
def locked(paths: Iterable[str | os.PathLike[str]], *, wait: float | None = None) -> Iterator[None]:
    """Hold the write lock of each workbook in ``paths`` (in a fixed order, so that two runs
    never wait for each other's second lock). Raises ``WriteRefusedError``
    (``file-being-written``) when another crmxl still holds one after ``wait`` seconds
    (default :func:`wait_seconds`)."""
    seconds = wait_seconds() if wait is None else wait
    reals = sorted({_key(_real(Path(p))): _real(Path(p)) for p in paths}.items())
    taken: list[str] = []
    try:
        for key, real in reals:
            _acquire(real, seconds)
            taken.append(key)
        yield
    finally:
        for key in reversed(taken):
            _release(key)


def holds_lock(path: str | os.PathLike[str]) -> bool:
    """Does this process hold the write lock of ``path``?"""
    return _key(_real(Path(path))) in _held


def write_locked(
    param: str, *, unless: str | None = None
) -> Callable[[Callable[P, R]], Callable[P, R]]:
    """Run the decorated command holding the write lock of the workbooks in its argument
    ``param`` (a path or a sequence of paths), from before it reads them until it returns;
    not when its argument ``unless`` is true (a dry run writes nothing). Paths that are not
    files are left to the command, which says what is wrong with them."""

    def wrap(func: Callable[P, R]) -> Callable[P, R]:
        signature = inspect.signature(func)

        @functools.wraps(func)
        def run(*args: P.args, **kwargs: P.kwargs) -> R:
            bound = signature.bind(*args, **kwargs)
            bound.apply_defaults()
            if unless is not None and bound.arguments.get(unless):
                return func(*args, **kwargs)
            value = bound.arguments[param]
            paths = [value] if isinstance(value, str | os.PathLike) else list(value)
            with locked(p for p in paths if Path(p).is_file()):
                return func(*args, **kwargs)

        return run

    return wrap


def barrier_event(name: str, *, pause: bool = False) -> None:
    """Test hook (``CRMXL_TEST_BARRIER=FOLDER``): create ``FOLDER/NAME.PID``; with ``pause``,
    then wait until ``FOLDER/go-NAME`` exists (at most two minutes). Lets a test stop a writer
    at a precise point (between its last check and its replace) and start another meanwhile."""
    folder = os.environ.get(BARRIER_ENV)
    if not folder:
        return
    base = Path(folder)
    with contextlib.suppress(OSError):
        (base / f"{name}.{os.getpid()}").touch()
    if not pause:
        return
    deadline = time.monotonic() + _BARRIER_LIMIT
    while not (base / f"go-{name}").exists() and time.monotonic() < deadline:
        time.sleep(0.01)


register(
    {
        "file-being-written": (
            "另一个 crmxl 正在写入 {path}（已等待 {seconds} 秒），未写入：请等它完成后再运行",
            "another crmxl is writing {path} (waited {seconds} s); nothing was written: run "
            "again when it has finished",
        ),
    }
)
