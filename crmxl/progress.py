"""Progress reports: the callback a long command calls at each stage.

A command takes ``progress: Progress | None``; it calls ``progress(stage, done, total)`` as it
moves on (``"read"``, ``"compute"``, ``"write"``, ``"done"`` ...). The command line shows a bar on
a terminal; the library's default says nothing.
"""

from __future__ import annotations

from collections.abc import Callable

Progress = Callable[[str, int, int], None]


def quiet(stage: str, done: int, total: int) -> None:
    """A :data:`Progress` that says nothing."""


def reporter(progress: Progress | None) -> Progress:
    """``progress``, or :func:`quiet` when there is none."""
    return progress or quiet
