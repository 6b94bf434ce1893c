"""Child Pythons for work that would otherwise hold this process's GIL.

:func:`start` runs one crmxl module that uses only the standard library (and other such crmxl
modules) in a fresh interpreter, calling its ``child_main(args)``. The child does not import
crmxl's package (``crmxl/__init__`` loads pandas: ~1 s): :mod:`crmxl.__main__` stands in the
``crmxl`` and ``crmxl.workbook`` packages by empty modules whose ``__path__`` is the real
folders, so only the module asked for, and what it imports, is loaded. ``-I -S``: no
environment variables, no user or site packages, no current folder on the path. In a frozen
build the executable itself is the child (``crmxl __child MODULE ...``).

Callers treat a child as an optimisation: one that cannot start, dies or answers nonsense
gives no answer (None), and the caller then does the work in process.
"""

from __future__ import annotations

import contextlib
import functools
import importlib.util
import json
import os
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import IO

from crmxl import concurrency

try:
    import fcntl
except ImportError:  # Windows
    fcntl = None  # type: ignore[assignment]

#: The hidden command crmxl's ``__main__.py`` runs a child by (it cannot import this module).
CHILD_COMMAND = "__child"
#: ``__child --path FOLDERS MODULE ...``: folders a child adds to ``sys.path`` (see below).
PATH_OPTION = "--path"
_ENTRY = str(Path(__file__).resolve().parents[1] / "__main__.py")


def command(module: str, args: Sequence[str]) -> list[str]:
    """The command line of a child that runs ``module.child_main(args)``.

    A Python runs crmxl's ``__main__.py`` by its path with the hidden ``__child`` command; a
    frozen build (PyInstaller: ``sys.executable`` is crmxl itself, which takes no ``-c``) is
    started again with that command (see :mod:`crmxl.__main__`).
    """
    if getattr(sys, "frozen", False):
        return [sys.executable, CHILD_COMMAND, module, *args]
    extra = _extra_path()
    path = [PATH_OPTION, extra] if extra else []
    return [sys.executable, "-I", "-S", _ENTRY, CHILD_COMMAND, *path, module, *args]


#: Compiled packages a child may use (found where this Python finds them; a child without
#: them does the same work with the standard library).
_EXTRA_PACKAGES = ("isal",)


@functools.cache
def _extra_path() -> str:
    """The folders holding :data:`_EXTRA_PACKAGES` (the child runs with ``-I -S``)."""
    found: list[str] = []
    for name in _EXTRA_PACKAGES:
        try:
            spec = importlib.util.find_spec(name)
        except (ImportError, ValueError):
            continue
        if spec is not None and spec.submodule_search_locations:
            folder = os.path.dirname(next(iter(spec.submodule_search_locations)))
            if folder not in found:
                found.append(folder)
    return os.pathsep.join(found)


def start(
    module: str, args: Sequence[str], *, stdin: bool = False, pass_fds: Sequence[int] = ()
) -> subprocess.Popen[bytes]:
    """Start ``module.child_main(args)`` in a child; its stdout is a pipe (and its stdin, if
    asked); ``pass_fds`` are inherited (POSIX). Raises ``OSError`` when it cannot start, and
    when ``CRMXL_WORKERS=0`` asks for none (:mod:`crmxl.concurrency`)."""
    if not concurrency.helpers():
        raise OSError(f"{concurrency.ENV}=0: no child process")
    return subprocess.Popen(
        command(module, args),
        stdin=subprocess.PIPE if stdin else subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        pass_fds=tuple(pass_fds),
    )


def widen_pipe(stream: IO[bytes], size: int = 1 << 20) -> None:
    """Ask for a ``size``-byte pipe buffer (Linux; elsewhere, or when refused, nothing)."""
    set_size = getattr(fcntl, "F_SETPIPE_SZ", None) if fcntl is not None else None
    if set_size is None:
        return
    with contextlib.suppress(OSError):
        fcntl.fcntl(stream.fileno(), set_size, size)


def output(proc: subprocess.Popen[bytes] | None) -> bytes | None:
    """Everything the child writes, once it has exited cleanly; None if it did not."""
    if proc is None or proc.stdout is None:
        return None
    try:
        if proc.stdin is not None and not proc.stdin.closed:
            proc.stdin.close()
        with proc.stdout:
            out = proc.stdout.read()
        proc.wait()
    except OSError:
        stop(proc)
        return None
    return out if proc.returncode == 0 else None


def answer(proc: subprocess.Popen[bytes] | None) -> object:
    """The child's one-line JSON answer, or None."""
    out = output(proc)
    if not out:
        return None
    try:
        return json.loads(out)
    except ValueError:
        return None


def stop(proc: subprocess.Popen[bytes] | None) -> None:
    """End the child now and reap it."""
    if proc is None:
        return
    if proc.poll() is None:
        proc.kill()
    for stream in (proc.stdin, proc.stdout):
        if stream is not None:
            with contextlib.suppress(OSError):
                stream.close()
    proc.wait()
