"""Every rule of SPEC section 2 computed on a workspace, in memory.

:func:`evaluate` types the columns the rules read (:mod:`crmxl.model.frames`), leaves out of the
rules every row with an error in an input (the errors ``validate`` reports, handed in by a
screen: :func:`crmxl.checks.ruleinputs.screen`), blanks the columns the sheets present do not
allow (:mod:`crmxl.rules.coverage`), and runs :func:`crmxl.rules.compute`. ``refresh`` writes
what it computes; ``report`` and ``todo`` read it, so a workbook never refreshed reports right.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime

import numpy as np
import pandas as pd

from crmxl.a1 import column_letter
from crmxl.model.findings import Finding, Severity
from crmxl.model.frames import Typed, typed
from crmxl.model.schema import CUSTOMERS, SHEETS_BY_KEY, ColType, match_column
from crmxl.model.settings import Settings
from crmxl.model.skips import Skip
from crmxl.model.workspace import Table, Workspace
from crmxl.rules import Clock, Computed, compute
from crmxl.rules.coverage import rule_skips, skipped_columns
from crmxl.rules.worktime import DayOverride, HolidayProblem, WorkCalendar, read_holidays

#: The sheets refresh computes on, and the input columns each row's results depend on.
INPUTS: dict[str, tuple[str, ...]] = {
    "customers": (
        "customer_id",
        "first_contact",
        "stage",
        "leader",
        "tier_override",
        "terminated_on",
        "annual_amount",
        "notes",  # the tier's reason points to it only when it says something
    ),
    "follow_ups": ("customer_id", "date", "next_date", "entered_at"),
    "transactions": ("contract_id", "customer_id", "signed_on", "amount"),  # an ID used twice
    # would count its deal twice
    "contacts": ("customer_id", "decision_role", "employment"),
    "needs": ("proposal_sent", "status"),
    "issues": (
        "customer_id",
        "logged_at",
        "type",
        "status",
        "first_response_at",
        "plan_at",
        "resolved_at",
    ),
    "leads": ("assigned_at", "confirmed_at"),
    "team": ("name",),
}


#: Columns the rules read that are not inputs in the sense of :data:`INPUTS` (a bad cell there
#: does not set its row aside): the pool's days (SPEC 2.9) count from 建档日期, and a claim is
#: taken from an active 销售专员 only.
ALSO_READ: dict[str, tuple[str, ...]] = {
    "customers": ("created",),
    "team": ("role", "active"),
}


def compute_columns() -> dict[str, list[str]]:
    """Per sheet, the columns the rules read or write: what :func:`evaluate` types."""
    out: dict[str, list[str]] = {}
    for key, inputs in INPUTS.items():
        spec = SHEETS_BY_KEY[key]
        also = ALSO_READ.get(key, ())
        wanted = (*inputs, *also, *(c.key for c in spec.auto_columns), "name", "owner")
        out[key] = [k for k in dict.fromkeys(wanted) if k in spec.keys]
    return out


def rule_columns() -> dict[str, list[str]]:
    """Per sheet, the columns refresh loads: :func:`compute_columns`, and the ID and required
    non-text columns, so that a row counts as a record (not an empty row) exactly when validate
    would count it. Long free text is left unread."""
    out = compute_columns()
    for key, keys in out.items():
        spec = SHEETS_BY_KEY[key]
        records = [c.key for c in spec.columns if c.required and c.type is not ColType.TEXT]
        extra = [spec.id_column] if spec.id_column else []
        out[key] = list(dict.fromkeys([*keys, *extra, *records]))
    return out


#: Related sheets whose rows feed the customer rules (a bad row there leaves its customer out).
CUSTOMER_DEPENDS = ("follow_ups", "transactions", "contacts", "issues")

#: Per sheet other than 客户档案, the inputs of its own computed columns (the rest of ``INPUTS``
#: only link the row to its customer's rules). A row is row-local to its own columns.
OWN_INPUTS: dict[str, tuple[str, ...]] = {
    "follow_ups": ("date", "entered_at"),
    "transactions": (),
    "contacts": (),
    "needs": ("proposal_sent", "status"),
    "issues": ("logged_at", "type", "status", "first_response_at", "plan_at", "resolved_at"),
    "leads": ("assigned_at", "confirmed_at"),
    "team": (),
}

#: The columns that, in error, leave a row out of the rules (no rule reads the team).
SCREENED: dict[str, tuple[str, ...]] = {k: v for k, v in INPUTS.items() if k != "team"}

#: A screen: the errors ``validate`` reports in the columns of ``SCREENED`` (the caller's, so that
#: refresh reports exactly what validate does; :func:`crmxl.checks.ruleinputs.screen`).
Screen = Callable[[Workspace, dict[str, Typed], datetime], list[Finding]]


def changelog_frame(table: Table | None) -> pd.DataFrame | None:
    """The 变更日志 as (time, record, old, new, is_tier, sheet, field, command, reason): the
    churn rule reads the tier changes, the pool (SPEC 2.9) the owner changes."""
    if table is None or table.data.empty:
        return None
    keys = ["time", "command", "sheet", "record", "field", "old", "new", "reason"]
    tt = typed(table, Settings(), keys)
    frame = tt.frame
    tier_col = CUSTOMERS.column("tier")
    fields = {f for f in frame["field"].dropna().unique() if isinstance(f, str)}
    tier_fields = {f for f in fields if match_column(CUSTOMERS, f) is tier_col}
    is_tier = frame["field"].isin(tier_fields)
    return pd.DataFrame(
        {
            "time": frame["time"],
            "record": frame["record"],
            "old": frame["old"],
            "new": frame["new"],
            "is_tier": is_tier,
            "sheet": frame["sheet"],
            "field": frame["field"],
            "command": frame["command"],
            "reason": frame["reason"],
        },
        index=frame.index,
    )


@dataclass
class LeftOut:
    """The rows the rules leave out, from the errors in their inputs.

    ``kept``: per sheet, the rows whose computed cells stay as they are; ``unlinked``: per related
    sheet, the rows the customer rules do not read.
    """

    kept: dict[str, set[int]] = field(default_factory=dict)
    unlinked: dict[str, set[int]] = field(default_factory=dict)


#: Columns only the tier reads: missing, they skip the tier (coverage), not every row.
TIER_AMOUNTS = {("transactions", "amount"), ("customers", "annual_amount")}


def left_out(
    typed_frames: Mapping[str, Typed], errors: Sequence[Finding], tiers_known: bool = True
) -> LeftOut:
    """Which rows each rule leaves out, given the errors in the rule inputs.

    A customer row with an error in an input keeps every computed cell (the tier feeds the
    cadence, the cadence the status, the status the churn risk). A related row with an error in
    an input of its own columns keeps those; with an error in any input it is left out of the
    customer rules, and so is its customer (whose cells then stay as they are). A required input
    column that is missing puts every row of its sheet in error.
    """
    out = LeftOut()
    wrong: dict[str, dict[int, set[str]]] = {}
    for key, tt in typed_frames.items():
        table = tt.table
        by_letter = {column_letter(n): k for k, n in table.columns.items()}
        screened = set(SCREENED.get(key, ()))
        cells: dict[int, set[str]] = {}
        for f in errors:
            if f.sheet != table.sheet_name:
                continue
            if f.code == "missing-column":
                col = match_column(table.spec, f.params.get("header", ""))
                if col is not None and not tiers_known and (key, col.key) in TIER_AMOUNTS:
                    continue  # (a salesperson's split workbook has no amounts)
                if col is not None and col.key in screened:
                    for row in tt.frame.index:
                        cells.setdefault(int(row), set()).add(col.key)
                continue
            if f.row is None or "!" not in f.cell:
                continue
            letters = "".join(ch for ch in f.cell.rsplit("!", 1)[1] if ch.isalpha())
            col_key = by_letter.get(letters)
            if col_key in screened:
                cells.setdefault(int(f.row), set()).add(col_key)
        wrong[key] = cells
    for key, cells in wrong.items():
        if key == "customers":
            out.kept[key] = set(cells)
            continue
        own = set(OWN_INPUTS.get(key, ()))
        out.kept[key] = {row for row, keys in cells.items() if keys & own}
        if key in CUSTOMER_DEPENDS:
            out.unlinked[key] = set(cells)
    customers = typed_frames.get("customers")
    if customers is not None:
        kept = out.kept.setdefault("customers", set())
        ids = customers.frame["customer_id"]
        for key in CUSTOMER_DEPENDS:
            related = typed_frames.get(key)
            cells = wrong.get(key, {})
            # a row whose only error is its 客户编号 names no customer of ours
            rows = [r for r, keys in cells.items() if keys - {"customer_id"}]
            if related is None or not rows:
                continue
            affected = set(related.frame.loc[sorted(rows), "customer_id"].dropna())
            kept |= {int(r) for r in ids.index[ids.isin(affected)]}
    return out


def holidays(ws: Workspace) -> tuple[tuple[DayOverride, ...], list[HolidayProblem]]:
    """The days of the 节假日 sheet (SPEC 2.8) and the problems of its rows (none: no sheet)."""
    table = ws.tables.get("holidays")
    if table is None or "date" not in table.data or "kind" not in table.data:
        return (), []
    return read_holidays(table.data)


def work_calendar(ws: Workspace, *, always: bool = False) -> WorkCalendar | None:
    """The working calendar of ``ws`` (配置 工作时间 and 工作日, the library, the 节假日 sheet);
    None when no clock counts working time or working days, unless ``always``."""
    settings = ws.settings
    if not (always or settings.uses_working_time):
        return None
    days, _ = holidays(ws)
    return WorkCalendar(settings.work_hours, settings.workdays, days)


@dataclass
class Evaluation:
    """A workspace with every rule computed in memory (what refresh would write)."""

    workspace: Workspace
    clock: Clock
    typed: dict[str, Typed]
    computed: Computed
    bad: dict[str, set[int]]  # per sheet, the rows whose computed cells stay as they are
    findings: list[Finding]
    skipped: list[Skip] = field(default_factory=list)  # what the sheets present do not allow
    skipped_columns: dict[str, set[str]] = field(default_factory=dict)


def evaluate(workspace: Workspace, as_of: datetime, *, screen: Screen | None = None) -> Evaluation:
    """Type the sheets the rules read and compute every (auto) value as of ``as_of``.

    ``screen`` gives the errors ``validate`` finds in the rule inputs; the rows they are in are
    left out of the rules (:func:`left_out`), and the errors are the evaluation's findings.
    Without one (the rules alone) every row is used as it reads. Computed columns whose sheets
    are not all in the workspace (:mod:`crmxl.rules.coverage`) are blank and listed in
    ``skipped``. ``report`` and ``todo`` use this, so a workbook never refreshed reports right.
    """
    ws = workspace
    clock = Clock(as_of, ws.settings, ws.lang, work_calendar(ws))
    typed_frames: dict[str, Typed] = {}
    wanted = compute_columns()
    for key, table in ws.tables.items():
        if key in wanted:
            typed_frames[key] = typed(table, ws.settings, wanted[key])
    screened = screen(ws, typed_frames, as_of) if screen is not None else []
    findings = [f for f in screened if f.severity is Severity.ERROR]
    findings += [
        f
        for f in ws.findings
        if f.severity is Severity.ERROR
        and f.code
        in ("bad-setting", "thresholds-not-descending", "missing-column", "header-not-found")
    ]
    frames = {k: tt.frame for k, tt in typed_frames.items()}
    present = {k: set(t.columns) for k, t in ws.tables.items()}
    skipped = skipped_columns(present, ws.split_copy)
    tiers_known = "tier" not in skipped.get("customers", ())
    rows = left_out(typed_frames, findings, tiers_known)
    computed = compute(
        frames,
        clock,
        has_transactions="transactions" in ws.tables,
        changelog=changelog_frame(ws.tables.get("changelog")),
        unlinked=rows.unlinked,
        tiers_known=tiers_known,
    )
    for key, columns in skipped.items():
        frame = computed.frame(key)
        if frame is not None:
            for col in columns & set(frame.columns):
                frame[col] = _blank_like(frame[col])
    bad = {k: rows.kept.get(k, set()) for k in typed_frames}
    return Evaluation(
        ws,
        clock,
        typed_frames,
        computed,
        bad,
        findings,
        rule_skips(present, ws.split_copy),
        skipped,
    )


def _blank_like(series: pd.Series) -> pd.Series:
    """A column of ``series``'s dtype with nothing in it (a value that was not computed)."""
    if pd.api.types.is_datetime64_any_dtype(series):
        return pd.Series(pd.NaT, index=series.index, dtype=series.dtype)
    if pd.api.types.is_float_dtype(series):
        return pd.Series(np.nan, index=series.index, dtype="float64")
    return pd.Series(None, index=series.index, dtype=object)
