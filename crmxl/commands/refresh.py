"""``crmxl refresh``: recompute every (auto) column in place, losing nothing.

Reads the workspace, computes the rules of SPEC section 2 (:mod:`crmxl.rules`), and writes only
the cells whose value changed, through the safe write path (:mod:`crmxl.workbook`): the (auto)
columns, 合作阶段 where a stage moves (SPEC 2.3), a missing (auto) column's header at the end of the
header row, and one 变更日志 row per tier or stage move. A row with an error in a rule input (the
errors ``validate`` reports there, :mod:`crmxl.checks.ruleinputs`) is left out of the rules and
keeps its computed cells; each error is a finding, as validate words it. Computed columns whose
sheets are not all in the workspace are left as they are and named in one line
(:mod:`crmxl.rules.coverage`). A second refresh with the same ``--as-of`` changes nothing.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from crmxl.a1 import column_letter
from crmxl.checks.ruleinputs import evaluate
from crmxl.i18n import pick, register, t
from crmxl.model.changelog import Writers, append_changelog
from crmxl.model.findings import Finding, count
from crmxl.model.skips import Skip, skip_line
from crmxl.model.textout import render_table
from crmxl.model.workspace import open_workspace
from crmxl.progress import Progress, reporter
from crmxl.rules import poolwork
from crmxl.rules.apply import Move, changelog_rows, write_computed
from crmxl.rules.evaluate import rule_columns
from crmxl.rules.poolwork import PoolMove
from crmxl.rules.worktime import CoverageWarning, coverage_dicts
from crmxl.workbook import SaveReport, write_locked


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
    skipped: list[Skip] = field(default_factory=list)  # what the sheets present do not allow
    seconds: float = 0.0
    pool_moves: list[PoolMove] = field(default_factory=list)  # SPEC 2.9
    coverage: list[CoverageWarning] = field(default_factory=list)  # SPEC 2.8

    @property
    def cells_changed(self) -> int:
        return sum(sum(cols.values()) for cols in self.changed.values())

    @property
    def errors(self) -> int:
        return count(self.findings)[0]

    def to_dict(self, lang: str = "zh") -> dict[str, Any]:
        out = self._dict(lang)
        if self.pool_moves:
            out["pool_moves"] = [m.to_dict() for m in self.pool_moves]
        if self.coverage:
            out["worktime_warnings"] = coverage_dicts(self.coverage, lang)
        return out

    def _dict(self, lang: str) -> dict[str, Any]:
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
            "skipped": [s.to_dict(lang) for s in self.skipped],
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
        if self.skipped:
            lines.append(skip_line(self.skipped, lang))
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
        if self.pool_moves:
            lines.append("")
            lines.append(t("refresh-pool-moves", lang, n=len(self.pool_moves)))
            lines.append(
                render_table(
                    [
                        pick(lang, "客户编号", "Customer ID"),
                        pick(lang, "客户名称", "Name"),
                        pick(lang, "动作", "Move"),
                        pick(lang, "原", "Was"),
                        pick(lang, "新", "Now"),
                        pick(lang, "原因", "Why"),
                    ],
                    [
                        [
                            m.record,
                            m.name,
                            t(f"pool-action-{m.action}", lang),
                            m.owner_before,
                            m.owner_after,
                            m.reason,
                        ]
                        for m in self.pool_moves[:50]
                    ],
                    max_width={1: 24, 5: 48},
                )
            )
            if len(self.pool_moves) > 50:
                lines.append(t("refresh-more", lang, n=len(self.pool_moves) - 50))
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
        if self.coverage:
            lines.append("")
            lines += [w.text(lang) for w in self.coverage]
        for report in self.saved:
            if not report.dry_run:
                lines.append(
                    t("refresh-saved", lang, path=report.path, backup=report.backup or "-")
                )
        return "\n".join(lines)


def _by_count(item: tuple[str, int]) -> tuple[int, str]:
    return (-item[1], item[0])


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
    result.skipped = list(ev.skipped)
    say("write", 2, 3)
    writers = Writers(ws)
    applied = write_computed(writers, ws, ev)
    stamp = as_of.replace(microsecond=0)  # the moment the rules computed as of (default: now)
    result.pool_moves, pool_log = poolwork.write_moves(
        writers, ev, poolwork.moves(ev), stamp, applied
    )
    result.changed, result.added_columns = applied.changed, applied.added_columns
    result.moves, result.overdue_by_owner = applied.moves, applied.overdue_by_owner
    result.coverage = ev.computed.coverage_warnings()
    append_changelog(writers, ws, changelog_rows(result.moves, ws, stamp) + pool_log)
    for writer in writers.pending():
        report = writer.plan() if dry_run else writer.save(backup=backup)
        result.saved.append(report)
        result.formula_cells += [
            f"{sheet}!{column_letter(col)}{row}" for sheet, row, col in writer.formula_cells()
        ]
    say("done", 3, 3)
    result.seconds = time.perf_counter() - started
    return result


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
        "refresh-tier-moves": ("客户等级变动 {n} 个：", "{n:~tier move|tier moves}:"),
        "refresh-stage-moves": ("合作阶段变动 {n} 个：", "{n:~stage move|stage moves}:"),
        "refresh-more": ("……另有 {n} 条", "... and {n} more"),
        "refresh-formulas": (
            "{n} 个自动列单元格含有公式，未覆盖：{cells}",
            "{n:~cell|cells} of computed columns {n:?holds a formula|hold formulas} and {n:?was|were} "
            "left as {n:?it is|they are}: {cells}",
        ),
        "refresh-findings": (
            "{n} 处输入有错误（与 crmxl validate 相同），这些行的计算列保持原值：",
            "{n:~input is|inputs are} in error (as crmxl validate says); the computed cells of "
            "{n:?its row were|their rows were} left as they were:",
        ),
        "refresh-saved": ("已保存 {path}（备份：{backup}）", "Saved {path} (backup: {backup})"),
        "refresh-pool-moves": ("公海变动 {n} 个：", "{n:~pool move|pool moves}:"),
        "pool-action-return": ("退回公海", "returned"),
        "pool-action-claim": ("认领", "claimed"),
        "pool-action-refuse": ("认领被拒", "claim refused"),
        "pool-action-enter": ("标记入公海", "dated"),
        "pool-action-unknown": ("认领未处理", "claim not taken"),
    }
)
