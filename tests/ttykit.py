"""Run ``crmxl`` in a real child process with its output on pseudo-terminals or pipes.

A test of what a person sees needs the command to believe it writes to a terminal: the
standard output and error given as ``"tty"`` are each a pseudo-terminal (``pty``) of
``columns`` columns, read until the child closes them; ``"pipe"`` is an ordinary pipe.
"""

from __future__ import annotations

import os
import pty
import select
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path


@dataclass
class Run:
    returncode: int
    stdout: str
    stderr: str
    pid: int  # also the id of its process group


def crmxl(
    args: Sequence[str],
    *,
    stdout: str = "pipe",
    stderr: str = "pipe",
    columns: int = 80,
    env: dict[str, str] | None = None,
    cwd: Path | None = None,
    timeout: float = 300,
    watch: Callable[[subprocess.Popen[bytes], str, str], None] | None = None,
    encoding: str = "utf-8",
) -> Run:
    """``python -m crmxl ARGS``; ``watch(proc, stdout so far, stderr so far)`` is called as
    output arrives and every few milliseconds (a test may signal the child from there).
    ``encoding`` is the one the output is read in (the child's, when a test sets
    ``PYTHONIOENCODING``)."""
    full_env = dict(os.environ, COLUMNS=str(columns), CRMXL_LANG="zh", **(env or {}))
    fds: dict[str, int] = {}
    handles: dict[str, int] = {}
    for name, how in (("stdout", stdout), ("stderr", stderr)):
        if how == "tty":
            master, slave = pty.openpty()
            fds[name], handles[name] = master, slave
        else:
            read, write = os.pipe()
            fds[name], handles[name] = read, write
    proc = subprocess.Popen(
        [sys.executable, "-m", "crmxl", *args],
        stdin=subprocess.DEVNULL,
        stdout=handles["stdout"],
        stderr=handles["stderr"],
        env=full_env,
        cwd=cwd,
        start_new_session=True,  # its own process group, as a terminal's foreground job
    )
    for fd in handles.values():
        os.close(fd)
    chunks: dict[str, list[bytes]] = {"stdout": [], "stderr": []}
    open_fds = {fd: name for name, fd in fds.items()}
    deadline = time.monotonic() + timeout
    while open_fds and time.monotonic() < deadline:
        ready, _, _ = select.select(list(open_fds), [], [], 0.01 if watch else 1)
        for fd in ready:
            try:
                data = os.read(fd, 65536)
            except OSError:  # a pty whose child side is closed
                data = b""
            if not data:
                os.close(fd)
                del open_fds[fd]
                continue
            chunks[open_fds[fd]].append(data)
        if watch is not None:
            watch(proc, _text(chunks["stdout"], encoding), _text(chunks["stderr"], encoding))
    for fd in open_fds:
        os.close(fd)
    proc.wait(timeout=max(1.0, deadline - time.monotonic()))
    out, err = _text(chunks["stdout"], encoding), _text(chunks["stderr"], encoding)
    return Run(proc.returncode, out, err, proc.pid)


def _text(chunks: list[bytes], encoding: str = "utf-8") -> str:
    return b"".join(chunks).decode(encoding, "replace").replace("\r\n", "\n")
