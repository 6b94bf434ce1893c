"""``crmxl todo``: each owner's agenda, grouped by owner then by kind, most urgent first.

The items and their order are :mod:`crmxl.reporting.agenda`'s, grouped and shown by
:mod:`crmxl.reporting.todolist` (its :class:`TodoResult` is this command's result); this command
reads the workbooks and picks the owner. Everything is computed as of ``as_of`` by the rules;
nothing is written.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from pathlib import Path

from crmxl.progress import Progress
from crmxl.reporting.facts import load
from crmxl.reporting.todolist import TodoResult, check_days, owner_agenda

__all__ = ["TodoResult", "todo"]


def todo(
    files: Sequence[Path | str],
    *,
    owner: str | None = None,
    days: int = 7,
    as_of: datetime | None = None,
    config: Path | str | None = None,
    progress: Progress | None = None,
) -> TodoResult:
    """The agenda of ``files`` as of ``as_of`` (default now), looking ``days`` days ahead, for
    everyone or for ``owner`` (matched ignoring case, width and spaces)."""
    check_days(days)
    facts = load(files, as_of=as_of, config=config, progress=progress)
    result = owner_agenda(facts, owner, days)
    if progress is not None:
        progress("done", 3, 3)
    return result
