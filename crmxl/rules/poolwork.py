"""The public pool (公海, SPEC 2.9) on an evaluated workspace: what refresh, todo and report read.

:mod:`crmxl.rules.pool` decides on plain frames; this module gathers those frames from an
:class:`~crmxl.rules.evaluate.Evaluation` (the customers with their computed stage, tier and last
contact; the 变更日志 rows on 客户档案.负责人; the active 销售专员) and turns refresh's moves into
cell writes and 变更日志 rows:

- a return: 负责人 = 公海, 原负责人 = the owner, 入公海日期 = the as-of date;
- a claim: 入公海日期 cleared (原负责人 stays, as history); a refused claim: 负责人 = 公海 again;
- 公海 typed by hand: 入公海日期 = the as-of date;
- a claim by a name that is not an active 销售专员: nothing written, listed.

原负责人 and 入公海日期 are (auto) columns written only here: a sheet that lacks them gets them
(at the end of the header row) only when a move needs them, so a workbook that does not use the
pool is never touched by it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import numpy as np
import pandas as pd

from crmxl.model.changelog import Writers, changelog_row
from crmxl.model.frames import typed
from crmxl.model.schema import CUSTOMERS, Role, match_column, match_sheet
from crmxl.model.values import as_text
from crmxl.model.workspace import Table, Workspace
from crmxl.rules.apply import Applied, write_column
from crmxl.rules.common import column
from crmxl.rules.evaluate import Evaluation, changelog_frame
from crmxl.rules.pool import UNKNOWN, due_to_pool, last_assignments, pool_moves
from crmxl.workbook import CellValue


@dataclass
class PoolMove:
    """One customer that refresh moved in or out of the pool (or could not)."""

    record: str  # 客户编号
    name: str
    action: str  # return, claim, refuse, enter, unknown (crmxl.rules.pool)
    owner_before: str
    owner_after: str
    former_owner: str
    pooled_on: str  # ISO date, "" when cleared
    reason: str

    def to_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


def owner_log(ws: Workspace) -> pd.DataFrame | None:
    """The 变更日志 rows on 客户档案.负责人 (columns ``record``, ``time``, ``new``)."""
    log = owner_changes(ws)
    return None if log is None else log[["record", "time", "new"]]


def owner_changes(ws: Workspace) -> pd.DataFrame | None:
    """The 变更日志 rows on 客户档案.负责人, every column of
    :func:`~crmxl.rules.evaluate.changelog_frame`."""
    log = changelog_frame(ws.tables.get("changelog"))
    if log is None:
        return None
    owner = CUSTOMERS.column("owner")
    fields = {f for f in log["field"].dropna().unique() if isinstance(f, str)}
    sheets = {s for s in log["sheet"].dropna().unique() if isinstance(s, str)}
    owner_fields = {f for f in fields if match_column(CUSTOMERS, f) is owner}
    customer_sheets = {s for s in sheets if match_sheet(s) is CUSTOMERS}
    keep = log["field"].isin(owner_fields) & log["sheet"].isin(customer_sheets)
    return log.loc[keep]


def active_reps(ws: Workspace) -> list[str] | None:
    """The names of the active 销售专员 (在岗 是), or None without a 销售团队 sheet."""
    table = ws.tables.get("team")
    if table is None:
        return None
    frame = typed(table, ws.settings, ["name", "role", "active"]).frame
    rep = frame["role"] == Role.REP
    active = frame["active"].map(_is_yes).astype(bool) if table.has("active") else True
    names = frame.loc[rep & active, "name"]
    return [str(n) for n in names if isinstance(n, str) and n.strip()]


def _is_yes(value: Any) -> bool:
    return isinstance(value, bool | np.bool_) and bool(value)


def pool_frame(ev: Evaluation) -> pd.DataFrame:
    """The customers as the pool's rules read them: stage, tier and last contact as computed
    now, owner, 原负责人 and 入公海日期 as the sheet holds them; rows that could not be read are
    left out."""
    tt = ev.typed["customers"]
    frame = tt.frame
    computed = ev.computed.customers
    index = frame.index
    out = pd.DataFrame(
        {
            key: column(frame, key, index)
            for key in (
                "customer_id",
                "name",
                "owner",
                "created",
                "first_contact",
                "former_owner",
                "pooled_on",
                "region",
                "industry",
            )
        },
        index=index,
    )
    for key in ("stage", "tier", "last_contact"):
        out[key] = computed[key] if computed is not None else column(frame, key, index)
    bad = ev.bad.get("customers", set())
    return out.loc[~out.index.isin(list(bad))]


def assignments(ev: Evaluation, frame: pd.DataFrame) -> pd.Series:
    """When each customer row was last assigned (SPEC 2.9's protection), by the 变更日志."""
    return last_assignments(frame["customer_id"], owner_log(ev.workspace))


def moves(ev: Evaluation) -> pd.DataFrame:
    """What refresh changes for the pool (see :func:`crmxl.rules.pool.pool_moves`)."""
    if "customers" not in ev.typed:
        return pd.DataFrame()
    frame = pool_frame(ev)
    ws = ev.workspace
    return pool_moves(
        frame,
        ws.settings.pool,
        ev.clock.today,
        assignments(ev, frame),
        team=active_reps(ws),
        lang=ws.tables["customers"].lang,
    )


def soon(ev: Evaluation, days: int) -> pd.DataFrame:
    """The customers that return to the pool within ``days`` days (todo), with their rows'
    客户编号, name, stage, tier and owner; empty when the pool is off."""
    if "customers" not in ev.typed or not ev.workspace.settings.pool_enabled:
        return pd.DataFrame(columns=["owner", "return_date", "days_left"])
    frame = pool_frame(ev)
    due = due_to_pool(
        frame, ev.workspace.settings.pool, ev.clock.today, assignments(ev, frame), days
    )
    for key in ("customer_id", "name", "stage", "tier"):
        due[key] = frame.loc[due.index, key]
    return due


def write_moves(
    writers: Writers, ev: Evaluation, found: pd.DataFrame, stamp: datetime, applied: Applied
) -> tuple[list[PoolMove], list[list[CellValue]]]:
    """Hand the pool's moves to ``writers``; returns them (for the summary) and their 变更日志
    rows. Counts go to ``applied.changed`` and added columns to ``applied.added_columns``."""
    if found.empty:
        return [], []
    ws = ev.workspace
    table = ws.tables["customers"]
    frame = ev.typed["customers"].frame
    written = found[found["action"] != UNKNOWN]
    if len(written):
        for key in ("owner", "former_owner", "pooled_on"):
            _write(writers, ws, table, key, written[key], frame[key], applied)
    out: list[PoolMove] = []
    log: list[list[CellValue]] = []
    for row, move in found.iterrows():
        pooled = move["pooled_on"]
        record = as_text(frame.at[row, "customer_id"])
        out.append(
            PoolMove(
                record=record,
                name=as_text(frame.at[row, "name"]),
                action=str(move["action"]),
                owner_before=as_text(
                    move["log_old"] if move["log_field"] == "owner" else frame.at[row, "owner"]
                ),
                owner_after=as_text(move["owner"]),
                former_owner=as_text(move["former_owner"]),
                pooled_on="" if pd.isna(pooled) else pooled.date().isoformat(),
                reason=str(move["reason"]),
            )
        )
        if move["log_field"] is None:
            continue
        new = move["log_new"]
        log.append(
            changelog_row(
                stamp,
                "refresh",
                table.sheet_name,
                record,
                table.header(str(move["log_field"])),
                move["log_old"],
                new.date().isoformat() if isinstance(new, pd.Timestamp) else new,
                str(move["reason"]),
            )
        )
    return out, log


def _write(
    writers: Writers,
    ws: Workspace,
    table: Table,
    key: str,
    new: pd.Series,
    old: pd.Series,
    applied: Applied,
) -> None:
    """Write one of the pool's columns for the moved rows, where the cell differs."""
    col = table.spec.column(key)
    if key not in table.columns:
        new = new[new.notna()]  # a missing column is only added to hold a value
        if new.empty:
            return
    write_column(writers, ws, table, col, new, old, set(), applied)
