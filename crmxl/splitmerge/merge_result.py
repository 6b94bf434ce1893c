"""What a merge did, file by file: the changes applied, the rows added, what was refused and why."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from crmxl.i18n import pick, register, t
from crmxl.model.findings import json_value
from crmxl.model.textout import render_table
from crmxl.model.values import display_value, plain
from crmxl.workbook import SaveReport


@dataclass
class Change:
    """One field: applied, or in conflict (``old`` is the master's value, ``new`` the person's)."""

    sheet: str
    record: str
    column: str
    old: Any
    new: Any
    row: int = 0  # the master's Excel row

    def to_dict(self) -> dict[str, Any]:
        return {
            "sheet": self.sheet,
            "record": self.record,
            "column": self.column,
            "master": json_value(self.old),
            "returned": json_value(self.new),
            "row": self.row,
        }


@dataclass
class Rejected:
    """Something in the returned workbook that was not applied, and why (a message code)."""

    sheet: str
    record: str
    column: str
    value: Any
    code: str

    def to_dict(self, lang: str) -> dict[str, Any]:
        return {
            "sheet": self.sheet,
            "record": self.record,
            "column": self.column,
            "value": json_value(self.value),
            "code": self.code,
            "message": t(self.code, lang),
        }


@dataclass
class NewRow:
    """A row appended to the master."""

    sheet: str
    record: str
    row: int
    new_id: bool  # the ID was given by merge (blank or taken in the returned row)

    def to_dict(self) -> dict[str, Any]:
        return {"sheet": self.sheet, "record": self.record, "row": self.row, "new_id": self.new_id}


@dataclass
class FileReport:
    """What merge did with one returned workbook."""

    path: Path
    owner: str
    role: str
    split_id: str
    exported_at: datetime
    applied: list[Change] = field(default_factory=list)
    added: list[NewRow] = field(default_factory=list)
    conflicts: list[Change] = field(default_factory=list)
    rejected: list[Rejected] = field(default_factory=list)
    unchanged_rows: int = 0
    already_applied: int = 0  # fields the master already holds as the person has them
    already_added: int = 0  # new rows merged before
    by_key: dict[str, int] = field(default_factory=dict)  # sheet -> rows matched by their key

    def to_dict(self, lang: str) -> dict[str, Any]:
        return {
            "path": str(self.path),
            "owner": self.owner,
            "role": self.role,
            "split_id": self.split_id,
            "exported_at": self.exported_at.isoformat(sep=" "),
            "applied": [c.to_dict() for c in self.applied],
            "added": [n.to_dict() for n in self.added],
            "conflicts": [c.to_dict() for c in self.conflicts],
            "rejected": [r.to_dict(lang) for r in self.rejected],
            "unchanged_rows": self.unchanged_rows,
            "already_applied": self.already_applied,
            "already_added": self.already_added,
            "matched_by_key": self.by_key,
        }


@dataclass
class MergeResult:
    """What a merge applied, appended, left as conflicts and refused, per returned file."""

    masters: list[Path]
    dry_run: bool
    files: list[FileReport] = field(default_factory=list)
    saved: list[SaveReport] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def clean(self) -> bool:
        """True when everything in the returned workbooks was applied (no conflict, nothing
        refused)."""
        return not any(f.conflicts or f.rejected for f in self.files)

    def to_dict(self, lang: str = "zh") -> dict[str, Any]:
        return {
            "masters": [str(p) for p in self.masters],
            "dry_run": self.dry_run,
            "applied": sum(len(f.applied) for f in self.files),
            "added": sum(len(f.added) for f in self.files),
            "conflicts": sum(len(f.conflicts) for f in self.files),
            "rejected": sum(len(f.rejected) for f in self.files),
            "files": [f.to_dict(lang) for f in self.files],
            "saved": [s.to_dict() for s in self.saved],
            "seconds": round(self.seconds, 2),
        }

    def render(self, lang: str = "zh") -> str:
        code = "merge-title-dry" if self.dry_run else "merge-title"
        lines = [t(code, lang, n=len(self.files))]
        head_sheet, head_record = pick(lang, "工作表", "Sheet"), pick(lang, "记录", "Record")
        head_col = pick(lang, "列", "Column")
        for f in self.files:
            lines += [
                "",
                t(
                    "merge-file",
                    lang,
                    path=f.path.name,
                    owner=f.owner,
                    applied=len(f.applied),
                    added=len(f.added),
                    conflicts=len(f.conflicts),
                    rejected=len(f.rejected),
                ),
            ]
            if f.already_applied or f.already_added:
                lines.append(
                    t("merge-already", lang, fields=f.already_applied, rows=f.already_added)
                )
            for sheet, n in f.by_key.items():
                lines.append(t("merge-by-key", lang, sheet=sheet, n=n))
            if f.applied:
                heads = [head_sheet, head_record, head_col]
                was_now = [pick(lang, "原值", "Was"), pick(lang, "新值", "Now")]
                lines.append(_changes_table(heads + was_now, f.applied))
            if f.added:
                lines.append(t("merge-added", lang, n=len(f.added)))
                lines.append(
                    render_table(
                        [head_sheet, head_record, pick(lang, "行", "Row")],
                        [[n.sheet, n.record, n.row] for n in f.added[:100]],
                    )
                )
            if f.conflicts:
                lines.append(t("merge-conflicts", lang, n=len(f.conflicts)))
                heads = [head_sheet, head_record, head_col]
                sides = [pick(lang, "主文件", "Master"), pick(lang, "交回文件", "Returned")]
                lines.append(_changes_table(heads + sides, f.conflicts))
            if f.rejected:
                lines.append(t("merge-rejected", lang, n=len(f.rejected)))
                lines.append(
                    render_table(
                        [
                            head_sheet,
                            head_record,
                            head_col,
                            pick(lang, "值", "Value"),
                            pick(lang, "原因", "Why"),
                        ],
                        [
                            [r.sheet, r.record, r.column, _show(r.value), t(r.code, lang)]
                            for r in f.rejected[:100]
                        ],
                        max_width={3: 24, 4: 40},
                    )
                )
            if max(len(f.applied), len(f.added), len(f.conflicts), len(f.rejected)) > 100:
                lines.append(t("merge-more", lang))
        for report in self.saved:
            if not report.dry_run:
                lines.append(t("merge-saved", lang, path=report.path, backup=report.backup or "-"))
        if self.files and not self.dry_run and any(f.applied or f.added for f in self.files):
            lines.append(t("merge-next", lang))
        return "\n".join(lines)


def _changes_table(headers: list[str], changes: list[Change]) -> str:
    """Field changes (applied, or in conflict) as a table: the first 100."""
    rows = [[c.sheet, c.record, c.column, _show(c.old), _show(c.new)] for c in changes[:100]]
    return render_table(headers, rows, max_width={3: 30, 4: 30})


def _show(value: Any) -> str:
    shown = json_value(display_value(plain(value)))
    return "" if shown is None else str(shown)


register(
    {
        "merge-title": (
            "合并了 {n} 个交回的工作簿",
            "Merged {n:~returned workbook|returned workbooks}",
        ),
        "merge-title-dry": (
            "试运行，未写入任何文件：{n} 个交回的工作簿",
            "Dry run, nothing written: {n:~returned workbook|returned workbooks}",
        ),
        "merge-file": (
            "{path}（{owner}）：应用 {applied} 处修改，新增 {added} 行，冲突 {conflicts} 处，"
            "未采纳 {rejected} 处",
            "{path} ({owner}): {applied:~change|changes} applied, {added:~row|rows} added, "
            "{conflicts:~conflict|conflicts}, {rejected} not taken",
        ),
        "merge-already": (
            "已在主文件中：{fields} 处修改，{rows} 行（之前合并过）",
            "Already in the master: {fields:~change|changes}, {rows:~row|rows} (merged before)",
        ),
        "merge-added": ("新增 {n} 行：", "{n:~row|rows} added:"),
        "merge-by-key": (
            "{sheet}：{n} 行的隐藏行标记（crmxl-row 列）缺失或被移动，已按编号或客户编号等关键信息匹配",
            "{sheet}: {n:~row|rows} had lost {n:?its|their} hidden row key (the crmxl-row column) "
            "and {n:?was|were} matched by {n:?its|their} ID or customer ID and key fields",
        ),
        "merge-conflicts": (
            "{n} 处冲突（双方都改了，未应用，请人工处理）：",
            "{n:~conflict|conflicts} (both sides changed the field; not applied, settle by hand):",
        ),
        "merge-rejected": ("{n} 处未采纳：", "{n:~thing|things} not taken:"),
        "merge-more": ("（只列出前100条；--json 列出全部）", "(first 100 shown; --json lists all)"),
        "merge-saved": ("已保存 {path}（备份：{backup}）", "Saved {path} (backup: {backup})"),
        "merge-next": (
            "下一步：运行 crmxl refresh 重新计算等级和跟进状态。",
            "Next: run crmxl refresh to recompute tiers and follow-up flags.",
        ),
    }
)
