"""The checks of working time (SPEC 2.8): the 节假日 sheet, and the years nobody covers.

The cells of the 节假日 sheet are checked like any sheet's (:mod:`crmxl.checks.cells`: a date
that is not a date, a 类型 other than 休/班, a blank required cell); here: a date listed twice,
with the same 类型 (a warning, harmless) or another one (an error: the first row is used).
:func:`worktime_coverage` names each year the working-time clocks count through that neither
the holiday library nor the 节假日 sheet covers (refresh counts it by weekends only).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta

import pandas as pd

from crmxl.model import values
from crmxl.model.findings import Finding, Severity
from crmxl.model.frames import Typed
from crmxl.model.schema import ClockMode
from crmxl.model.settings import Settings
from crmxl.model.workspace import Workspace
from crmxl.rules import followup, service
from crmxl.rules.common import Clock
from crmxl.rules.evaluate import holidays, work_calendar
from crmxl.rules.worktime import CoverageWarning, Deadlines, WorkCalendar, due_by_limit

#: Problems of the 节假日 rows that the cell checks do not already report, with their severity.
_REPEATS = {"holiday-duplicate": Severity.WARNING, "holiday-conflict": Severity.ERROR}


def holiday_findings(ws: Workspace) -> list[Finding]:
    """A finding on each 节假日 row that repeats an earlier row's date, naming its cell."""
    table = ws.tables.get("holidays")
    if table is None:
        return []
    _, problems = holidays(ws)
    out = []
    for p in problems:
        if p.code not in _REPEATS or not table.has(p.key):
            continue
        day = p.value.date() if isinstance(p.value, datetime) else p.value
        found = Finding.make(
            table.sheet_name,
            table.cell(p.key, p.row),
            p.code,
            _REPEATS[p.code],
            values.display_value(day),
            row=p.row,
            column=table.header(p.key),
            first_row=p.first_row,
        )
        out.append(replace(found, file=table.file))
    return out


def worktime_coverage(
    tts: dict[str, Typed], ws: Workspace, as_of: datetime
) -> list[CoverageWarning]:
    """The years nobody covers that the clocks counting working time go through (one each)."""
    calendar = work_calendar(ws)
    if calendar is None:
        return []
    clock = Clock(as_of, ws.settings, ws.lang, calendar)
    warnings: list[CoverageWarning] = []
    if "issues" in tts:
        service.issue_clocks(tts["issues"].frame, clock, warnings)
    if "follow_ups" in tts:
        followup.entry_on_time(tts["follow_ups"].frame, clock, warnings)
    if "customers" in tts and records_in_working_time(ws.settings):
        warnings += record_deadlines(tts["customers"].frame, ws.settings, calendar).warnings
    return sorted(set(warnings), key=lambda w: w.year)


def records_in_working_time(settings: Settings) -> bool:
    """Whether 建档时限 counts on the working calendar (建档计时 = 工作时, or working days)."""
    return settings.record_clock is ClockMode.WORKING or settings.record_limit.unit == "workdays"


def record_deadlines(
    customers: pd.DataFrame, settings: Settings, calendar: WorkCalendar | None
) -> Deadlines:
    """The 建档 deadline of each customer row on the working calendar (SPEC 2.8).

    ``N个工作日``: the close of the Nth working day after 首次接触日期; N hours: N hours of working
    time (or calendar time) from the end of the first-contact day, whose time is not known.
    """
    limit = settings.record_limit
    first = customers["first_contact"]
    start = first if limit.unit == "workdays" else first + timedelta(days=1)
    return due_by_limit(start, limit, settings.record_clock, calendar)
