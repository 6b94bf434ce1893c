"""Ctrl-C that tells the truth: which files a command had finished writing when it stopped.

Every file crmxl writes is built under a temporary name and put in place by one rename
(:func:`crmxl.workbook.fileops.replace_file`, inside :func:`committing`). That rename and the note that it happened run with Ctrl-C held off: a Ctrl-C
arriving in between is raised just after, so :func:`written` always lists exactly the files
that took their new content. Before the rename, the temporary file is removed on the way out
and the old file is untouched; after it, the new file is whole. The command line says which
(``已中断，未写入任何内容`` or the files that were written) and exits 130.
"""

from __future__ import annotations

import contextlib
import signal
import threading
from collections.abc import Iterator
from pathlib import Path
from types import FrameType
from typing import Any

from crmxl.i18n import register

_written: list[Path] = []


def written() -> list[Path]:
    """The files put in place since the last :func:`forget`, in order."""
    return list(_written)


def forget() -> None:
    """Start a new command: nothing written yet."""
    _written.clear()


@contextlib.contextmanager
def held() -> Iterator[None]:
    """Run the body with Ctrl-C (SIGINT) held off; one that arrived is raised at the end.

    Only the main thread can change signal handlers; elsewhere the body just runs (a thread
    gets no KeyboardInterrupt anyway).
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    caught: list[int] = []

    def note(signum: int, frame: FrameType | None) -> None:
        caught.append(signum)

    try:
        previous: Any = signal.signal(signal.SIGINT, note)
    except (ValueError, OSError):  # no signals here (an embedded interpreter)
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)
        if caught:
            if callable(previous):
                previous(signal.SIGINT, None)
            elif previous == signal.SIG_DFL:
                raise KeyboardInterrupt


@contextlib.contextmanager
def committing(dest: Path | str) -> Iterator[None]:
    """Around the one call that puts ``dest`` in place (a rename): Ctrl-C held off, and
    ``dest`` noted as written when the call returns, both or neither. A call that raises
    notes nothing."""
    with held():
        yield
        _written.append(Path(dest))


register(
    {
        "interrupted": ("已中断，未写入任何内容", "Interrupted; nothing was written"),
        "interrupted-after": (
            "已中断；中断前已完整写入：{paths}；其余未写入",
            "Interrupted; {paths} had been written in full before that; nothing else was written",
        ),
    }
)
