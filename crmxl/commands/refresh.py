"""``crmxl refresh``: recompute every (auto) column in place, losing nothing.

Reads the workspace, computes the rules of SPEC section 2 (:mod:`crmxl.rules`), and writes only
the cells whose value changed, through the safe write path (:mod:`crmxl.workbook`): the (auto)
columns, 合作阶段 where a stage moves (SPEC 2.3), a missing (auto) column's header at the end of the
header row, and one 变更日志 row per tier or stage move. Rows whose inputs cannot be read keep
their computed cells as they were and are reported as findings. A second refresh with the same
``--as-of`` changes nothing.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from crmxl.a1 import column_letter
from crmxl.i18n import pick, register, t
from crmxl.model.changelog import Writers, append_changelog, changelog_row
from crmxl.model.findings import Finding, count
from crmxl.model.frames import Typed
from crmxl.model.schema import ENUMS, ColType, Column
from crmxl.model.textout import render_table
from crmxl.model.workspace import Table, Workspace, open_workspace
from crmxl.progress import Progress, reporter
from crmxl.rules import Computed
from crmxl.rules.evaluate import evaluate, rule_columns
from crmxl.workbook import SaveReport, write_locked

NUMBER_FORMATS = {
    ColType.DATE: "yyyy-mm-dd",
    ColType.DATETIME: "yyyy-mm-dd hh:mm",
    ColType.AMOUNT: "#,##0",
    ColType.NUMBER: "0.0",
    ColType.INT: "0",
}


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
class RefreshResult:
    """What a refresh read, computed and changed."""

    files: list[Path]
    as_of: datetime
    dry_run: bool
    rows_read: dict[str, int] = field(default_factory=dict)
    changed: dict[str, dict[str, int]] = field(default_factory=dict)  # sheet -> header -> cells
    added_columns: list[tuple[str, str]] = field(default_factory=list)
    moves: list[Move] = field(default_factory=list)
    overdue_by_owner: dict[str, int] = field(default_factory=dict)
    findings: list[Finding] = field(default_factory=list)
    formula_cells: list[str] = field(default_factory=list)
    saved: list[SaveReport] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def cells_changed(self) -> int:
        return sum(sum(cols.values()) for cols in self.changed.values())

    @property
    def errors(self) -> int:
        return count(self.findings)[0]

    def to_dict(self, lang: str = "zh") -> dict[str, Any]:
        return {
            "files": [str(f) for f in self.files],
            "as_of": self.as_of.isoformat(sep=" "),
            "dry_run": self.dry_run,
            "rows_read": self.rows_read,
            "cells_changed": self.cells_changed,
            "changed": self.changed,
            "added_columns": [{"sheet": s, "column": c} for s, c in self.added_columns],
            "tier_moves": [m.__dict__ for m in self.moves if m.field == "tier"],
            "stage_moves": [m.__dict__ for m in self.moves if m.field == "stage"],
            "overdue_by_owner": self.overdue_by_owner,
            "formula_cells": self.formula_cells,
            "findings": [f.to_dict(lang) for f in self.findings],
            "saved": [s.to_dict() for s in self.saved],
            "seconds": round(self.seconds, 2),
        }

    def render(self, lang: str = "zh") -> str:
        lines = [
            t(
                "refresh-title-dry" if self.dry_run else "refresh-title",
                lang,
                as_of=self.as_of.isoformat(sep=" ", timespec="minutes"),
            )
        ]
        lines.append(
            t(
                "refresh-read",
                lang,
                sheets="，".join(f"{k} {v}" for k, v in self.rows_read.items())
                if lang != "en"
                else ", ".join(f"{k} {v}" for k, v in self.rows_read.items()),
            )
        )
        if self.changed:
            rows = [
                [sheet, col, n] for sheet, cols in self.changed.items() for col, n in cols.items()
            ]
            lines.append("")
            lines.append(
                render_table(
                    [
                        pick(lang, "工作表", "Sheet"),
                        pick(lang, "列", "Column"),
                        pick(lang, "改动单元格", "Cells changed"),
                    ],
                    rows,
                )
            )
        else:
            lines.append(t("refresh-nothing", lang))
        for sheet, header in self.added_columns:
            lines.append(t("refresh-added-column", lang, sheet=sheet, column=header))
        for kind in ("tier", "stage"):
            moves = [m for m in self.moves if m.field == kind]
            if moves:
                lines.append("")
                lines.append(t(f"refresh-{kind}-moves", lang, n=len(moves)))
                lines.append(
                    render_table(
                        [
                            pick(lang, "客户编号", "Customer ID"),
                            pick(lang, "客户名称", "Name"),
                            pick(lang, "负责人", "Owner"),
                            pick(lang, "原", "Was"),
                            pick(lang, "新", "Now"),
                            pick(lang, "原因", "Why"),
                        ],
                        [[m.record, m.name, m.owner, m.old, m.new, m.reason] for m in moves[:50]],
                        max_width={1: 24, 5: 40},
                    )
                )
                if len(moves) > 50:
                    lines.append(t("refresh-more", lang, n=len(moves) - 50))
        if self.overdue_by_owner:
            lines.append("")
            lines.append(pick(lang, "逾期跟进（按负责人）：", "Overdue follow-ups by owner:"))
            ranked = sorted(self.overdue_by_owner.items(), key=_by_count)
            lines.append(
                render_table(
                    [pick(lang, "负责人", "Owner"), pick(lang, "逾期客户", "Overdue")],
                    [[owner, n] for owner, n in ranked],
                )
            )
        if self.formula_cells:
            lines.append("")
            lines.append(
                t(
                    "refresh-formulas",
                    lang,
                    n=len(self.formula_cells),
                    cells=", ".join(self.formula_cells[:10]),
                )
            )
        if self.findings:
            lines.append("")
            lines.append(t("refresh-findings", lang, n=len(self.findings)))
            for f in self.findings[:100]:
                lines.append(f"  {f.cell or f.sheet}  {f.message(lang)}")
            if len(self.findings) > 100:
                lines.append(t("refresh-more", lang, n=len(self.findings) - 100))
        for report in self.saved:
            if not report.dry_run:
                lines.append(
                    t("refresh-saved", lang, path=report.path, backup=report.backup or "-")
                )
        return "\n".join(lines)


def _by_count(item: tuple[str, int]) -> tuple[int, str]:
    return (-item[1], item[0])


# ---------------------------------------------------------------------------------- writing


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


def _write_column(
    writers: Writers,
    ws: Workspace,
    table: Table,
    col: Column,
    new: pd.Series,
    old: pd.Series,
    skip: set[int],
    result: RefreshResult,
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


def _changelog_rows(moves: list[Move], ws: Workspace, stamp: datetime) -> list[list[Any]]:
    customers = ws.tables["customers"]
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


# ---------------------------------------------------------------------------------- refresh


@write_locked("files", unless="dry_run")
def refresh(
    files: Sequence[Path | str],
    *,
    as_of: datetime | None = None,
    dry_run: bool = False,
    backup: bool = True,
    config: Path | str | None = None,
    progress: Progress | None = None,
) -> RefreshResult:
    """Recompute every (auto) column of ``files`` as of ``as_of`` and write what changed."""
    started = time.perf_counter()
    as_of = as_of or datetime.now().replace(microsecond=0)
    say = reporter(progress)
    say("read", 0, 3)
    ws = open_workspace(files, config=config, columns=rule_columns())
    result = RefreshResult(list(ws.files), as_of, dry_run)
    say("compute", 1, 3)
    ev = evaluate(ws, as_of)
    result.rows_read = {tt.table.sheet_name: len(tt.table.data) for tt in ev.typed.values()}
    result.findings = list(ev.findings)
    say("write", 2, 3)
    writers = Writers(ws)
    _apply(writers, ws, ev.typed, ev.computed, ev.bad, result)
    stamp = as_of.replace(microsecond=0)  # the moment the rules computed as of (default: now)
    append_changelog(writers, ws, _changelog_rows(result.moves, ws, stamp))
    for writer in writers.pending():
        report = writer.plan() if dry_run else writer.save(backup=backup)
        result.saved.append(report)
        result.formula_cells += [
            f"{sheet}!{column_letter(col)}{row}" for sheet, row, col in writer.formula_cells()
        ]
    say("done", 3, 3)
    result.seconds = time.perf_counter() - started
    return result


def _apply(
    writers: Writers,
    ws: Workspace,
    typed_frames: dict[str, Typed],
    computed: Computed,
    bad: dict[str, set[int]],
    result: RefreshResult,
) -> None:
    for key, tt in typed_frames.items():
        new_frame = computed.frame(key)
        if new_frame is None:
            continue
        table = tt.table
        skip = bad.get(key, set())
        for col in table.spec.auto_columns:
            if col.key not in new_frame:
                continue
            if (
                key == "customers"
                and col.key == "trailing_amount"
                and ("transactions" not in ws.tables)
            ):
                continue
            _write_column(
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
    overdue = new.loc[(new["follow_up_status"] == "逾期") & ~new.index.isin(list(skip))]
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
        return [_text(v) for v in frame.loc[rows, key].tolist()]

    ids = texts("customer_id") if "customer_id" in frame else [str(r) for r in rows]
    return [
        Move(record=i, name=n, owner=o, field=kind, old=show(a), new=show(b), reason=_text(r))
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


def _text(value: Any) -> str:
    """A cell's value as text for a message; blank (None, NaN, "") as ""."""
    if value is None or (isinstance(value, float) and value != value) or value is pd.NA:
        return ""
    return str(value)


register(
    {
        "refresh-title": ("刷新完成（计算基准 {as_of}）", "Refreshed (as of {as_of})"),
        "refresh-title-dry": (
            "试运行，未写入任何文件（计算基准 {as_of}）",
            "Dry run, nothing written (as of {as_of})",
        ),
        "refresh-read": ("读取行数：{sheets}", "Rows read: {sheets}"),
        "refresh-nothing": ("没有需要更新的单元格", "No cell needed a change"),
        "refresh-added-column": (
            "已在“{sheet}”末尾添加列“{column}”",
            "Added column {column!r} at the end of {sheet}",
        ),
        "refresh-tier-moves": ("客户等级变动 {n} 个：", "{n} tier moves:"),
        "refresh-stage-moves": ("合作阶段变动 {n} 个：", "{n} stage moves:"),
        "refresh-more": ("……另有 {n} 条", "... and {n} more"),
        "refresh-formulas": (
            "{n} 个自动列单元格含有公式，未覆盖：{cells}",
            "{n} cells of computed columns hold formulas and were left as they are: {cells}",
        ),
        "refresh-findings": (
            "{n} 处输入无法读取，相关计算列保持原值：",
            "{n} inputs could not be read; their computed cells were left as they were:",
        ),
        "refresh-saved": ("已保存 {path}（备份：{backup}）", "Saved {path} (backup: {backup})"),
    }
)
