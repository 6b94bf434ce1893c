"""What refresh writes: the computed values that changed, as cells in the workbook's language.

:func:`write_computed` compares every (auto) value the rules computed (:mod:`crmxl.rules.evaluate`)
with what the cell holds (as the column's type: dates by day, numbers to the cent, text trimmed)
and hands the changed cells to the workbook's writers, a column at a time; a missing (auto)
column gets its header first. 合作阶段 is written where a stage moves; each tier or stage move is
kept for 变更日志 (:func:`changelog_rows`). Rows with an error in a rule input keep their cells,
and so do the columns the sheets present do not allow (:mod:`crmxl.rules.coverage`).
Nothing is saved here: the command saves every writer once.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import numpy as np
import pandas as pd

from crmxl.model.changelog import Writers, changelog_row
from crmxl.model.frames import Typed
from crmxl.model.schema import ENUMS, ColType, Column, FollowUpStatus
from crmxl.model.values import as_text
from crmxl.model.workspace import Table, Workspace
from crmxl.rules import Computed
from crmxl.rules.evaluate import Evaluation

NUMBER_FORMATS = {
    ColType.DATE: "yyyy-mm-dd",
    ColType.DATETIME: "yyyy-mm-dd hh:mm",
    ColType.AMOUNT: "#,##0",
    ColType.NUMBER: "0.0",
    ColType.INT: "0",
}


#: (auto) columns added to a sheet that lacks them only when they have something to say: the
#: issues' 时限说明 says 按工作时间计 only when 配置 SLA计时 is 工作时 (SPEC 2.8).
ONLY_WHEN_NEEDED = {("issues", "sla_basis")}


@dataclass
class Move:
    """A tier or stage that changed on one customer."""

    record: str
    name: str
    owner: str
    field: str  # "tier" or "stage"
    old: str
    new: str
    reason: str


@dataclass
class Applied:
    """What :func:`write_computed` handed to the writers."""

    changed: dict[str, dict[str, int]] = field(default_factory=dict)  # sheet -> header -> cells
    added_columns: list[tuple[str, str]] = field(default_factory=list)  # (sheet, header)
    moves: list[Move] = field(default_factory=list)
    overdue_by_owner: dict[str, int] = field(default_factory=dict)


def changed_mask(col: Column, old: pd.Series, new: pd.Series) -> pd.Series:
    """Where the cell does not already hold the computed value (compared as the column's
    type: dates by day, date-times to the second, numbers to the cent, text trimmed)."""
    old = old.reindex(new.index)
    both_blank = old.isna() & new.isna()
    if col.type in (ColType.DATE, ColType.DATETIME):
        o = pd.to_datetime(old, errors="coerce")
        n = pd.to_datetime(new, errors="coerce")
        if col.type is ColType.DATE:
            same = o.dt.normalize() == n.dt.normalize()
        else:
            same = (o - n).abs() < pd.Timedelta(seconds=1)
    elif col.type in (ColType.AMOUNT, ColType.NUMBER, ColType.INT):
        o = pd.to_numeric(old, errors="coerce")
        n = pd.to_numeric(new, errors="coerce")
        same = (o - n).abs() < 0.005
    else:
        o = old.astype(object).where(old.notna(), "").astype(str).str.strip()
        n = new.astype(object).where(new.notna(), "").astype(str).str.strip()
        same = o == n
    return ~(same.fillna(False).astype(bool) | both_blank)


def write_column(
    writers: Writers,
    ws: Workspace,
    table: Table,
    col: Column,
    new: pd.Series,
    old: pd.Series,
    skip: set[int],
    result: Applied,
) -> None:
    """Write the cells of one computed column whose value changed (or the whole column when it
    is missing, after adding its header)."""
    lang = table.lang
    writer = writers(table.file)
    fmt = NUMBER_FORMATS.get(col.type)
    if col.key in table.columns:
        col_no = table.columns[col.key]
        missing = False
    else:
        col_no = table.next_free_column()
        header = col.header(lang)
        left = max(table.columns.values(), default=1)
        writer.set_cell(
            table.sheet_name, table.header_row, col_no, header, style_like=(table.header_row, left)
        )
        table.columns[col.key] = col_no
        table.headers[col.key] = header
        result.added_columns.append((table.sheet_name, header))
        missing = True
    writer.set_header_row(table.sheet_name, table.header_row)
    todo = new.index.difference(pd.Index(sorted(skip))) if skip else new.index
    values = new.loc[todo]
    values = values[values.notna()] if missing else values[changed_mask(col, old, values)]
    sheet = table.sheet_name
    writer.set_column(
        sheet, col_no, values.index.tolist(), _labels(col, values, lang), number_format=fmt
    )
    if len(values):
        result.changed.setdefault(sheet, {})[table.header(col.key)] = len(values)


def _labels(col: Column, values: pd.Series, lang: str) -> list[Any]:
    """Computed values as the cells should hold them, in the workbook's language: real
    dates, numbers, enum labels; blank as None. Vectorised by type (a million at a time)."""
    if values.empty:
        return []
    blank = values.isna()
    if col.type is ColType.DATE:
        out = pd.to_datetime(values).dt.date.astype(object)
    elif col.type is ColType.DATETIME:
        out = pd.Series(
            pd.to_datetime(values).dt.floor("s").dt.to_pydatetime(),
            index=values.index,
            dtype=object,
        )
    elif col.type is ColType.INT:
        out = values.astype("float64").round().astype("Int64").astype(object)
    elif col.type in (ColType.AMOUNT, ColType.NUMBER):
        out = values.astype("float64").astype(object)
    elif col.type is ColType.ENUM and col.enum in ENUMS:
        enum = ENUMS[col.enum]
        labels = {zh: enum.label(zh, lang) for zh in enum.zh}
        out = values.map(labels)  # a dict: mapped a column at a time; the rest stay as they are
        out = out.where(values.isin(list(labels)), values).astype(object)
    elif pd.api.types.infer_dtype(values, skipna=True) == "string":
        out = values.astype(object)
    else:
        out = values.map(lambda v: v if isinstance(v, str) else str(v))
    cells = out.tolist()
    for i in np.flatnonzero(blank.to_numpy()).tolist():
        cells[i] = None
    return cells


def changelog_rows(moves: list[Move], ws: Workspace, stamp: datetime) -> list[list[Any]]:
    customers = ws.tables.get("customers")
    if customers is None:  # no customer sheet, no tier or stage to move
        return []
    return [
        changelog_row(
            stamp,
            "refresh",
            customers.sheet_name,
            m.record,
            customers.header(m.field),
            m.old,
            m.new,
            m.reason,
        )
        for m in moves
    ]


def write_computed(writers: Writers, ws: Workspace, ev: Evaluation) -> Applied:
    """Hand every computed value that changed to ``writers`` (see the module's docstring)."""
    applied = Applied()
    _apply(writers, ws, ev.typed, ev.computed, ev.bad, ev.skipped_columns, applied)
    return applied


def _apply(
    writers: Writers,
    ws: Workspace,
    typed_frames: dict[str, Typed],
    computed: Computed,
    bad: dict[str, set[int]],
    skipped: dict[str, set[str]],
    result: Applied,
) -> None:
    for key, tt in typed_frames.items():
        new_frame = computed.frame(key)
        if new_frame is None:
            continue
        table = tt.table
        skip = bad.get(key, set())
        for col in table.spec.auto_columns:
            if col.key not in new_frame or col.key in skipped.get(key, ()):
                continue
            if (
                (key, col.key) in ONLY_WHEN_NEEDED
                and col.key not in table.columns
                and new_frame[col.key].isna().all()
            ):
                continue  # a column that would stay blank is not added
            write_column(
                writers, ws, table, col, new_frame[col.key], tt.frame[col.key], skip, result
            )
    if (
        computed.customers is None
        or computed.old_stage is None
        or computed.old_tier is None
        or computed.stage_reason is None
        or "customers" not in typed_frames
    ):
        return
    tt = typed_frames["customers"]
    table = tt.table
    skip = bad.get("customers", set())
    new = computed.customers
    frame = tt.frame
    stage_col = table.spec.column("stage")
    moved = (new["stage"] != computed.old_stage) & computed.old_stage.notna()
    rows = [r for r in new.index[moved] if int(r) not in skip] if table.has("stage") else []
    if rows:
        labels = _labels(stage_col, new.loc[rows, "stage"], table.lang)
        writers(table.file).set_column(
            table.sheet_name, table.columns["stage"], [int(r) for r in rows], labels
        )
        changed = result.changed.setdefault(table.sheet_name, {})
        changed[table.header("stage")] = changed.get(table.header("stage"), 0) + len(rows)
        result.moves.extend(
            _moves(
                frame,
                rows,
                "stage",
                computed.old_stage[rows],
                new.loc[rows, "stage"],
                computed.stage_reason[rows],
                table.lang,
            )
        )
    old_tier = computed.old_tier
    tier_moved = old_tier.notna() & (new["tier"] != old_tier)
    rows = [r for r in new.index[tier_moved] if int(r) not in skip]
    result.moves.extend(
        _moves(
            frame,
            rows,
            "tier",
            old_tier[rows],
            new.loc[rows, "tier"],
            new.loc[rows, "tier_reason"],
            table.lang,
        )
    )
    overdue = new.loc[
        (new["follow_up_status"] == FollowUpStatus.OVERDUE) & ~new.index.isin(list(skip))
    ]
    owners = frame.loc[overdue.index, "owner"] if "owner" in frame else pd.Series(dtype=object)
    result.overdue_by_owner = {str(k): int(v) for k, v in owners.fillna("—").value_counts().items()}


def _moves(
    frame: pd.DataFrame,
    rows: list[Any],
    kind: str,
    old: pd.Series,
    new: pd.Series,
    reason: pd.Series,
    lang: str,
) -> list[Move]:
    """The tier or stage moves of ``rows`` (the customers frame's index labels), in order."""
    enum = ENUMS["stages" if kind == "stage" else "tiers"]

    def show(v: Any) -> str:
        return enum.label(str(v), lang) if isinstance(v, str) else ""

    def texts(key: str) -> list[str]:
        if key not in frame:
            return [""] * len(rows)
        return [as_text(v) for v in frame.loc[rows, key].tolist()]

    ids = texts("customer_id") if "customer_id" in frame else [str(r) for r in rows]
    return [
        Move(record=i, name=n, owner=o, field=kind, old=show(a), new=show(b), reason=as_text(r))
        for i, n, o, a, b, r in zip(
            ids,
            texts("name"),
            texts("owner"),
            old.tolist(),
            new.tolist(),
            reason.tolist(),
            strict=True,
        )
    ]
