"""``crmxl merge``: the split workbooks handed back, merged into the master
(:mod:`crmxl.splitmerge`)."""

from __future__ import annotations

from crmxl.splitmerge.merge import merge, merge_files
from crmxl.splitmerge.merge_result import MergeResult

__all__ = ["MergeResult", "merge", "merge_files"]
