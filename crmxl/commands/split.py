"""``crmxl split``: one least-privilege workbook per salesperson (:mod:`crmxl.splitmerge`)."""

from __future__ import annotations

from crmxl.splitmerge.split import SplitResult, split

__all__ = ["SplitResult", "split"]
