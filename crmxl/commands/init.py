"""``crmxl init``: a new workbook (or the manual's three files) to start a CRM from.

The workbooks themselves are :mod:`crmxl.starter`'s: every standard sheet, dropdowns fed by 配置,
grey computed columns, a 说明 guide, and with ``sample`` the demo data of
:mod:`crmxl.starter.sample`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from crmxl.starter.templates import InitResult, init_separate, init_workbook

__all__ = ["InitResult", "Initialized", "init", "init_separate", "init_workbook"]


@dataclass(frozen=True)
class Initialized:
    """The files ``init`` wrote: one workbook, or the manual's three (``separate``)."""

    results: list[InitResult]
    separate: bool = False

    def to_dict(self) -> dict[str, Any] | list[dict[str, Any]]:
        """One workbook's dict, or a list of them for the separate layout."""
        if self.separate:
            return [r.to_dict() for r in self.results]
        return self.results[0].to_dict()

    def render(self, lang: str = "zh") -> str:
        return "\n".join(r.render(lang) for r in self.results)


def sheet_names(items: Sequence[str]) -> list[str]:
    """``--sheets`` as given (repeated, or comma lists with either comma) as one list."""
    return [n.strip() for item in items for n in item.replace("，", ",").split(",") if n.strip()]


def init(
    path: Path | str,
    *,
    lang: str = "zh",
    sample: bool = False,
    sheets: Sequence[str] = (),
    layout: str = "all",
    as_of: datetime | None = None,
    overwrite: bool = False,
) -> Initialized:
    """A new workbook at ``path`` (``layout="all"``), or the manual's three files in the folder
    ``path`` (``layout="separate"``; ``sheets`` is then not used)."""
    if layout == "separate":
        results = init_separate(
            Path(path), lang=lang, sample=sample, as_of=as_of, overwrite=overwrite
        )
        return Initialized(results, separate=True)
    names = sheet_names(sheets)
    result = init_workbook(
        Path(path),
        lang=lang,
        sample=sample,
        sheets=names or None,
        as_of=as_of,
        overwrite=overwrite,
    )
    return Initialized([result])
