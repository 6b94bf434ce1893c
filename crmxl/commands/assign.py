"""``crmxl assign``: assign the waiting leads (SPEC 2.5), or with ``pool`` hand out the public
pool's customers (SPEC 2.9), and write the result in place.

The assignment (region, then industry, then load, within each rep's cap; 查重 against the
customers) is :mod:`crmxl.leads.assign`'s; the pool's hand-out, by the same chooser with the
former owner's cool-down, is :mod:`crmxl.leads.poolassign`'s.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from pathlib import Path

from crmxl.leads.assign import assign as assign_leads
from crmxl.leads.poolassign import assign_pool
from crmxl.leads.result import AssignResult
from crmxl.progress import Progress

__all__ = ["AssignResult", "assign", "assign_pool"]


def assign(
    files: Sequence[Path | str],
    *,
    as_of: datetime | None = None,
    dry_run: bool = False,
    config: Path | str | None = None,
    backup: bool = True,
    pool: bool = False,
    progress: Progress | None = None,
) -> AssignResult:
    """Assign the waiting leads of ``files``; with ``pool``, hand out the pool's customers."""
    run = assign_pool if pool else assign_leads
    return run(files, as_of=as_of, dry_run=dry_run, config=config, backup=backup, progress=progress)
