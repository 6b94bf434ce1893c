"""Findings: bad data reported as data, each naming its sheet and cell.

A :class:`Finding` has a stable kebab-case ``code`` (``missing-value``, ``bad-enum``,
``duplicate-id`` ...), a severity, and the parameters of its message; the message is rendered in
Chinese or English on demand (:mod:`crmxl.i18n`).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum
from pathlib import Path
from typing import Any

from crmxl.a1 import column_letter
from crmxl.i18n import t


class Severity(StrEnum):
    ERROR = "error"
    WARNING = "warning"


def json_value(value: Any) -> Any:
    """A cell value as JSON can carry it (dates as ISO text, NaN as null)."""
    if value is None:
        return None
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, datetime):
        return (
            value.isoformat(sep=" ")
            if value.time() != datetime.min.time()
            else (value.date().isoformat())
        )
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, tuple | list):
        return [json_value(v) for v in value]
    return str(value)


@dataclass(frozen=True)
class Finding:
    """One problem in one place."""

    sheet: str  # the sheet's name in the workbook ("客户档案"), or the settings file
    cell: str  # "客户档案!C7"; "" for a sheet-level finding
    row: int | None  # Excel row number
    column: str  # the header as the workbook spells it ("" for sheet-level)
    code: str
    severity: Severity
    value: Any = None
    params: Mapping[str, Any] = field(default_factory=dict)
    # The workbook the cell is in (None when the finding is about the workspace as a whole).
    # Not part of the JSON: the cell's sheet names it for people; annotate needs the file.
    file: Path | None = field(default=None, compare=False, repr=False)
    # The message to show when it is not the code's own (a variant of the same finding, such
    # as late-record counted in working days).
    template: str | None = field(default=None, repr=False)

    @classmethod
    def make(
        cls,
        sheet: str,
        cell: str,
        code: str,
        severity: Severity,
        value: Any = None,
        *,
        row: int | None = None,
        column: str = "",
        **params: Any,
    ) -> Finding:
        """A finding whose message parameters are ``params`` (plus sheet, cell, column, value)."""
        return cls(sheet, cell, row, column, code, severity, value, params)

    def message(self, lang: str = "zh") -> str:
        params = {
            "sheet": self.sheet,
            "cell": self.cell,
            "column": self.column,
            "value": "" if self.value is None else json_value(self.value),
            **self.params,
        }
        return t(self.template or self.code, lang, **params)

    def to_dict(self, lang: str = "zh") -> dict[str, Any]:
        return {
            "sheet": self.sheet,
            "cell": self.cell,
            "row": self.row,
            "column": self.column,
            "code": self.code,
            "severity": self.severity.value,
            "message": self.message(lang),
            "value": json_value(self.value),
        }


def cell_ref(sheet: str, col_index: int, row: int) -> str:
    """``客户档案!C7`` from a 1-based column index and an Excel row number."""
    return f"{sheet}!{column_letter(col_index)}{row}"


def count(findings: Iterable[Finding]) -> tuple[int, int]:
    """(errors, warnings)."""
    errors = warnings = 0
    for f in findings:
        if f.severity is Severity.ERROR:
            errors += 1
        else:
            warnings += 1
    return errors, warnings
