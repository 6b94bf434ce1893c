"""Every rule of SPEC section 2 computed on a workspace, in memory.

:func:`evaluate` types the columns the rules read (:mod:`crmxl.model.frames`), sets aside the
rows whose inputs cannot be read (with a finding for each cell), and runs :func:`crmxl.rules.compute`.
``refresh`` writes what it computes; ``report`` and ``todo`` read it, so a workbook that was
never refreshed reports right.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import pandas as pd

from crmxl.model.findings import Finding, Severity
from crmxl.model.frames import TYPE_CODES, Typed, typed
from crmxl.model.schema import CUSTOMERS, SHEETS_BY_KEY, ColType, match_column
from crmxl.model.settings import Settings
from crmxl.model.workspace import Table, Workspace
from crmxl.rules import Clock, Computed, compute

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
    ),
    "follow_ups": ("customer_id", "date", "next_date", "entered_at"),
    "transactions": ("customer_id", "signed_on", "amount"),
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


def compute_columns() -> dict[str, list[str]]:
    """Per sheet, the columns the rules read or write: what :func:`evaluate` types."""
    out: dict[str, list[str]] = {}
    for key, inputs in INPUTS.items():
        spec = SHEETS_BY_KEY[key]
        wanted = (*inputs, *(c.key for c in spec.auto_columns), "name", "owner")
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


#: Related sheets whose bad rows make their customer's results unreliable.
CUSTOMER_DEPENDS = ("follow_ups", "transactions", "contacts", "issues")


def changelog_frame(table: Table | None) -> pd.DataFrame | None:
    """The 变更日志 as (time, record, old, new, is_tier), for the churn rule."""
    if table is None or table.data.empty:
        return None
    tt = typed(table, Settings(), ["time", "record", "field", "old", "new"])
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
        },
        index=frame.index,
    )


def _bad_rows(typed_frames: dict[str, Typed]) -> tuple[dict[str, set[int]], list[Finding]]:
    """Rows whose rule inputs could not be read, per sheet, and a finding for each cell."""
    bad: dict[str, set[int]] = {}
    findings: list[Finding] = []
    for key, tt in typed_frames.items():
        inputs = INPUTS.get(key, ())
        rows = set()
        for p in tt.problems:
            if p.key in inputs and p.code in TYPE_CODES:
                rows.add(p.row)
                table = tt.table
                findings.append(
                    Finding.make(
                        table.sheet_name,
                        table.cell(p.key, p.row),
                        p.code,
                        Severity.ERROR,
                        p.value,
                        row=p.row,
                        column=table.header(p.key),
                        field=table.column(p.key).name(table.lang),
                        allowed="…",
                    )
                )
        bad[key] = rows
    customers = typed_frames.get("customers")
    if customers is not None:
        ids = customers.frame["customer_id"]
        for key in CUSTOMER_DEPENDS:
            related = typed_frames.get(key)
            if related is None or not bad.get(key):
                continue
            affected = set(related.frame.loc[sorted(bad[key]), "customer_id"].dropna())
            bad["customers"] |= set(int(r) for r in ids.index[ids.isin(affected)])
    return bad, findings


@dataclass
class Evaluation:
    """A workspace with every rule computed in memory (what refresh would write)."""

    workspace: Workspace
    clock: Clock
    typed: dict[str, Typed]
    computed: Computed
    bad: dict[str, set[int]]
    findings: list[Finding]


def evaluate(workspace: Workspace, as_of: datetime) -> Evaluation:
    """Type the sheets the rules read and compute every (auto) value as of ``as_of``.

    ``report`` and ``todo`` use this, so a workbook that was never refreshed reports right.
    """
    ws = workspace
    clock = Clock(as_of, ws.settings, ws.lang)
    typed_frames: dict[str, Typed] = {}
    wanted = compute_columns()
    for key, table in ws.tables.items():
        if key in wanted:
            typed_frames[key] = typed(table, ws.settings, wanted[key])
    bad, findings = _bad_rows(typed_frames)
    findings += [
        f
        for f in ws.findings
        if f.severity is Severity.ERROR
        and f.code
        in ("bad-setting", "thresholds-not-descending", "missing-column", "header-not-found")
    ]
    frames = {k: tt.frame for k, tt in typed_frames.items()}
    computed = compute(
        frames,
        clock,
        has_transactions="transactions" in ws.tables,
        changelog=changelog_frame(ws.tables.get("changelog")),
    )
    return Evaluation(ws, clock, typed_frames, computed, bad, findings)
