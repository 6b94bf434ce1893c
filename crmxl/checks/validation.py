"""Validation of a workspace: every finding, in one pass, in the order a person reads them.

:func:`check` types every standard sheet, runs the checks of each sheet's cells
(:mod:`crmxl.checks.cells`) and across sheets (:mod:`crmxl.checks.cross`), adds the reader's and
the settings' findings, names the workbook of each finding's cell, and sorts them by sheet, row
and column.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path
from typing import Any

from crmxl.checks.annotate import SourceFile, sources
from crmxl.checks.calendar import holiday_findings, worktime_coverage
from crmxl.checks.cells import cell_findings
from crmxl.checks.cross import cross_findings, cross_skips
from crmxl.model.findings import Finding
from crmxl.model.frames import typed
from crmxl.model.skips import Skip
from crmxl.model.workspace import Workspace
from crmxl.progress import Progress, reporter
from crmxl.rules.worktime import CoverageWarning
from crmxl.workbook.package import Package


@dataclass
class Validation:
    """The findings of a workspace, the rows checked per sheet, and what annotating needs."""

    findings: list[Finding] = field(default_factory=list)
    rows: dict[str, int] = field(default_factory=dict)  # sheet name -> rows checked
    sources: dict[Path, SourceFile] = field(default_factory=dict)
    skipped: list[Skip] = field(default_factory=list)  # checks the sheets present do not allow
    #: years the working-time clocks count through that no holiday schedule covers (SPEC 2.8)
    coverage: list[CoverageWarning] = field(default_factory=list)


def check(ws: Workspace, as_of: datetime, progress: Progress | None = None) -> Validation:
    """Every finding of ``ws`` as of ``as_of``; never raises for bad data.

    ``progress("check", done, total)`` hears of each sheet checked (and the checks across
    sheets, the last step)."""
    say = reporter(progress)
    out = Validation(_locate(ws, ws.findings), sources=sources(ws))
    tables = [(k, t) for k, t in ws.tables.items() if k not in ("settings", "changelog")]
    typed_tables = {}
    for i, (key, table) in enumerate(tables):
        say("check", i, len(tables) + 1)
        tt = typed_tables[key] = typed(table, ws.settings)
        out.rows[tt.table.sheet_name] = len(tt.frame)
        out.findings += cell_findings(tt, ws, as_of)
    say("check", len(tables), len(tables) + 1)
    out.findings += cross_findings(typed_tables, ws, as_of)
    out.skipped = cross_skips(set(ws.tables))
    out.findings += holiday_findings(ws)
    out.coverage = worktime_coverage(typed_tables, ws, as_of)
    out.findings.sort(key=_order(ws))
    return out


def _locate(ws: Workspace, findings: Iterable[Finding]) -> list[Finding]:
    """The findings with the workbook each one's cell is in, where the sheet's name says it
    (the reader's and the settings' findings name a sheet, not a file)."""
    files: dict[str, set[Path]] = {}
    for path in ws.files:
        with Package(path) as pkg:
            for sheet in pkg.sheets:
                files.setdefault(sheet.name, set()).add(path)
    out = []
    for f in findings:
        where = files.get(f.sheet, set())
        if f.file is None and f.cell and len(where) == 1:
            f = replace(f, file=next(iter(where)))
        out.append(f)
    return out


def _order(ws: Workspace) -> Any:
    sheet_rank = {t.sheet_name: i for i, t in enumerate(ws.tables.values())}

    def key(f: Finding) -> tuple[int, int, str, str]:
        col = "".join(ch for ch in f.cell.split("!", 1)[-1] if ch.isalpha())
        return (sheet_rank.get(f.sheet, -1), f.row or 0, f"{len(col):02d}{col}", f.code)

    return key
