"""The one speed knob: how much crmxl may do beside its own main thread.

crmxl uses the second core in five places: the reader parses two sheets at once in threads
(:mod:`crmxl.workbook.reader`), the input guard scans the largest sheet in a child process
(:mod:`crmxl.workbook.guard`), a large rewritten sheet is deflated and checked in a child
(:mod:`crmxl.workbook.deflater`, else :mod:`crmxl.workbook.xmlcheck`), other rewritten parts are
deflated in a thread (:mod:`crmxl.workbook.zipcopy`), and ``split`` writes the workbooks of a
large team in a pool of processes. All of them ask this module.

The setting is the environment variable ``CRMXL_WORKERS`` (or :func:`configure` from Python,
which wins):

- unset (or ``auto``): each place decides for itself, as measured best on two cores;
- ``0``: everything in crmxl's own process and thread: no child process, no helper thread
  (for a locked-down machine, a debugger, or to measure what the helpers bring);
- ``N`` (1 or more): helpers allowed, and at most ``N`` workers wherever there is a pool.

Standard library only: child processes load this module without crmxl's package.
"""

from __future__ import annotations

import os

ENV = "CRMXL_WORKERS"

_configured: int | None = None
_is_configured = False


def configure(workers: int | None) -> None:
    """Set the knob from Python (``None``: automatic again); it wins over ``CRMXL_WORKERS``."""
    global _configured, _is_configured
    if workers is not None and workers < 0:
        raise ValueError(f"workers must be 0 or more, not {workers}")
    _configured, _is_configured = workers, workers is not None


def parse(text: str | None) -> int | None:
    """``CRMXL_WORKERS`` as a number (None: automatic). Raises ``ValueError`` for anything but
    blank, ``auto`` or a whole number of 0 or more."""
    value = (text or "").strip().lower()
    if value in ("", "auto"):
        return None
    number = int(value)
    if number < 0:
        raise ValueError(value)
    return number


def setting() -> int | None:
    """The knob: None (automatic), 0 (all in process) or a worker count. An unreadable
    ``CRMXL_WORKERS`` counts as automatic here; the command line refuses it (exit 2)."""
    if _is_configured:
        return _configured
    try:
        return parse(os.environ.get(ENV))
    except ValueError:
        return None


def helpers() -> bool:
    """May crmxl start a child process or a helper thread?"""
    return setting() != 0


def workers(auto: int) -> int:
    """How many workers a pool may have, where its own choice would be ``auto``."""
    chosen = setting()
    if chosen is None:
        return max(1, auto)
    return max(1, chosen)
