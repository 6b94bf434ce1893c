"""Helpers for tests that run crmxl in real processes: start one, wait for a barrier event it
announces (``CRMXL_TEST_BARRIER``, see :func:`crmxl.workbook.lock.barrier_event`), release it,
and look at what a run left in a folder."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from crmxl.workbook.fileops import BACKUP_DIR


def start(
    args: Sequence[str | Path],
    *,
    barrier: Path | None = None,
    wait: float | None = None,
    lang: str = "zh",
    new_session: bool = False,
) -> subprocess.Popen[str]:
    """``crmxl ARGS`` in a child process (stdout and stderr captured as text)."""
    env = {**os.environ, "CRMXL_LANG": lang, "PYTHONIOENCODING": "utf-8"}
    env.pop("CRMXL_TEST_BARRIER", None)
    if barrier is not None:
        env["CRMXL_TEST_BARRIER"] = str(barrier)
    if wait is not None:
        env["CRMXL_LOCK_TIMEOUT"] = str(wait)
    return subprocess.Popen(
        [sys.executable, "-m", "crmxl", *map(str, args)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        encoding="utf-8",
        env=env,
        start_new_session=new_session,
    )


def finish(proc: subprocess.Popen[str], timeout: float = 180) -> tuple[int, str]:
    """Wait for ``proc``; its exit code and everything it printed."""
    out, err = proc.communicate(timeout=timeout)
    return proc.returncode, out + err


def wait_until(what: Callable[[], bool], timeout: float = 120, step: float = 0.01) -> bool:
    """Poll ``what`` until it is true (True) or ``timeout`` seconds pass (False)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if what():
            return True
        time.sleep(step)
    return what()


def event(barrier: Path, name: str, proc: subprocess.Popen[str]) -> Path:
    """The file by which ``proc`` announces the barrier event ``name``."""
    return barrier / f"{name}.{proc.pid}"


def release(barrier: Path, name: str = "replace") -> None:
    """Let every process paused at ``name`` go on."""
    (barrier / f"go-{name}").touch()


def temps(folder: Path) -> list[str]:
    """crmxl's temporary files in ``folder`` and its backup folder."""
    found = []
    for where in (folder, folder / BACKUP_DIR):
        if where.is_dir():
            found += [p.name for p in where.iterdir() if ".crmxl-tmp-" in p.name]
    return sorted(found)


def backups(folder: Path) -> list[Path]:
    """The files in ``folder``'s backup folder (temporary ones aside)."""
    where = folder / BACKUP_DIR
    if not where.is_dir():
        return []
    return sorted(p for p in where.iterdir() if ".crmxl-tmp-" not in p.name)
