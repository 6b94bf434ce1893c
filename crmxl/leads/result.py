"""What ``assign`` decided for each waiting lead: assigned (and why), left waiting (and why), or
flagged as a duplicate of a customer (查重)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from crmxl.i18n import pick, register, t
from crmxl.model.schema import Role
from crmxl.model.skips import Skip, skip_line
from crmxl.model.textout import render_table
from crmxl.workbook import SaveReport


@dataclass
class Why:
    """One part of a reason, rendered in either language (a ``(zh, en)`` pair as a parameter
    is said in the language of the text)."""

    code: str
    params: dict[str, Any] = field(default_factory=dict)

    def text(self, lang: str) -> str:
        said = {k: pick(lang, *v) if isinstance(v, tuple) else v for k, v in self.params.items()}
        return t(self.code, lang, **said)


def names_pair(names: Iterable[str]) -> tuple[str, str]:
    """Names listed as each language lists them: ``李娜、陈静`` / ``李娜, 陈静``."""
    listed = list(names)
    return "、".join(listed), ", ".join(listed)


def _join(parts: Sequence[Why], lang: str) -> str:
    return pick(lang, "；", "; ").join(p.text(lang) for p in parts)


@dataclass
class Assignment:
    """A lead given to an owner."""

    record: str
    row: int
    company: str
    region: str
    industry: str
    owner: str
    previous: str  # the old 分配给 ("" when none)
    why: list[Why]

    def reason(self, lang: str) -> str:
        return _join(self.why, lang)


@dataclass
class Unassigned:
    """A waiting lead no one could take, and why."""

    record: str
    row: int
    company: str
    region: str
    industry: str
    why: Why

    def reason(self, lang: str) -> str:
        return self.why.text(lang)


@dataclass
class Duplicate:
    """A waiting lead that matches an existing customer: flagged, not assigned."""

    record: str
    row: int
    company: str
    matches: list[Why]
    marked: bool = False  # whether 分配依据 was (or would be) written

    def reason(self, lang: str) -> str:
        return t("assign-duplicate-marker", lang, what=_join(self.matches, lang))


@dataclass
class AssignResult:
    """What an assign run did."""

    files: list[Path]
    sheet: str
    as_of: datetime
    dry_run: bool
    waiting: int = 0
    assigned: list[Assignment] = field(default_factory=list)
    unassigned: list[Unassigned] = field(default_factory=list)
    duplicates: list[Duplicate] = field(default_factory=list)
    open_leads: dict[str, int] = field(default_factory=dict)  # rep -> open leads after the run
    caps: dict[str, int | None] = field(default_factory=dict)
    left_out: list[tuple[str, str]] = field(default_factory=list)
    added_columns: list[str] = field(default_factory=list)
    formula_cells: list[str] = field(default_factory=list)
    saved: list[SaveReport] = field(default_factory=list)
    skipped: list[Skip] = field(default_factory=list)  # what the sheets present do not allow
    seconds: float = 0.0
    pool: bool = False  # customers handed out of the public pool (assign --pool), not leads

    @property
    def ok(self) -> bool:
        """True when every waiting lead got an owner (the command's exit code is 0)."""
        return not self.unassigned and not self.duplicates

    def to_dict(self, lang: str = "zh") -> dict[str, Any]:
        what = "customer" if self.pool else "lead"
        out: dict[str, Any] = {
            "files": [str(f) for f in self.files],
            "sheet": self.sheet,
            "as_of": self.as_of.isoformat(sep=" "),
            "dry_run": self.dry_run,
        }
        if self.pool:
            out["pool"] = True
        return out | {
            "waiting": self.waiting,
            "assigned": [
                {
                    what: a.record,
                    "row": a.row,
                    "company": a.company,
                    "region": a.region,
                    "industry": a.industry,
                    "owner": a.owner,
                    "previous": a.previous or None,
                    "reason": a.reason(lang),
                }
                for a in self.assigned
            ],
            "unassigned": [
                {
                    what: u.record,
                    "row": u.row,
                    "company": u.company,
                    "region": u.region,
                    "industry": u.industry,
                    "code": u.why.code,
                    "reason": u.reason(lang),
                }
                for u in self.unassigned
            ],
            "duplicates": [
                {
                    "lead": d.record,
                    "row": d.row,
                    "company": d.company,
                    "marked": d.marked,
                    "reason": d.reason(lang),
                }
                for d in self.duplicates
            ],
            "open_leads": self.open_leads,
            "caps": self.caps,
            "left_out": [{"name": n, "reason": t(c, lang)} for n, c in self.left_out],
            "added_columns": self.added_columns,
            "formula_cells": self.formula_cells,
            "saved": [s.to_dict() for s in self.saved],
            "skipped": [s.to_dict(lang) for s in self.skipped],
            "seconds": round(self.seconds, 2),
        }

    def render(self, lang: str = "zh") -> str:
        title = "assign-title-dry" if self.dry_run else "assign-title"
        if self.pool and not self.dry_run:
            title = "assign-pool-title"
        lines = [t(title, lang, as_of=self.as_of.isoformat(sep=" ", timespec="minutes"))]
        record = pick(lang, "客户编号", "Customer") if self.pool else pick(lang, "线索编号", "Lead")
        company = pick(lang, "客户名称", "Name") if self.pool else pick(lang, "公司", "Company")
        lines.append(
            t(
                "assign-pool-summary" if self.pool else "assign-summary",
                lang,
                waiting=self.waiting,
                assigned=len(self.assigned),
                unassigned=len(self.unassigned),
                duplicates=len(self.duplicates),
            )
        )
        if self.assigned:
            lines.append("")
            lines.append(
                render_table(
                    [
                        record,
                        company,
                        pick(lang, "区域", "Region"),
                        pick(lang, "行业", "Industry"),
                        pick(lang, "分配给", "Owner"),
                        pick(lang, "依据", "Why"),
                    ],
                    [
                        [a.record, a.company, a.region, a.industry, a.owner, a.reason(lang)]
                        for a in self.assigned
                    ],
                    max_width={1: 26, 5: 60},
                )
            )
        if self.duplicates:
            lines.append("")
            lines.append(t("assign-duplicates-title", lang, n=len(self.duplicates)))
            lines.append(
                render_table(
                    [
                        pick(lang, "线索编号", "Lead"),
                        pick(lang, "公司", "Company"),
                        pick(lang, "原因", "Why"),
                    ],
                    [[d.record, d.company, d.reason(lang)] for d in self.duplicates],
                    max_width={1: 26, 2: 70},
                )
            )
        if self.unassigned:
            lines.append("")
            left = "assign-pool-unassigned-title" if self.pool else "assign-unassigned-title"
            lines.append(t(left, lang, n=len(self.unassigned)))
            lines.append(
                render_table(
                    [
                        record,
                        company,
                        pick(lang, "区域", "Region"),
                        pick(lang, "原因", "Why"),
                    ],
                    [[u.record, u.company, u.region, u.reason(lang)] for u in self.unassigned],
                    max_width={1: 26, 3: 60},
                )
            )
        if self.open_leads:
            lines.append("")
            lines.append(pick(lang, "在手线索（本次分配后）：", "Open leads after this run:"))
            lines.append(
                render_table(
                    [
                        Role.REP.label(lang),
                        pick(lang, "在手", "Open"),
                        pick(lang, "上限", "Cap"),
                    ],
                    [
                        [n, c, "-" if self.caps.get(n) is None else self.caps[n]]
                        for n, c in self.open_leads.items()
                    ],
                )
            )
        if self.skipped:
            lines.append(skip_line(self.skipped, lang))
        if not self.saved:
            lines.append(t("assign-nothing", lang))
        for name, code in self.left_out:
            lines.append(t("assign-left-out", lang, name=name, why=t(code, lang)))
        if self.formula_cells:
            lines.append(
                t(
                    "assign-formula-cells",
                    lang,
                    n=len(self.formula_cells),
                    cells=", ".join(self.formula_cells[:10]),
                )
            )
        for report in self.saved:
            if not report.dry_run:
                lines.append(t("assign-saved", lang, path=report.path, backup=report.backup or "-"))
        return "\n".join(lines)


register(
    {
        "assign-title": ("线索分配（计算基准 {as_of}）", "Lead assignment (as of {as_of})"),
        "assign-title-dry": (
            "试运行，未写入任何文件（计算基准 {as_of}）",
            "Dry run, nothing written (as of {as_of})",
        ),
        "assign-summary": (
            "待分配 {waiting} 条：已分配 {assigned} 条，无法分配 {unassigned} 条，疑似重复 {duplicates} 条",
            "{waiting} waiting: {assigned} assigned, {unassigned} left unassigned, "
            "{duplicates:~possible duplicate|possible duplicates}",
        ),
        "assign-duplicates-title": (
            "疑似重复的线索 {n} 条（未分配，请核实后合并或标为无效）：",
            "{n:~possible duplicate|possible duplicates} (not assigned; check, then merge or mark invalid):",
        ),
        "assign-unassigned-title": (
            "无法分配的线索 {n} 条（保持待分配）：",
            "{n:~lead|leads} no one can take ({n:?it stays|they stay} unassigned):",
        ),
        "assign-nothing": ("没有写入任何内容", "Nothing was written"),
        "assign-left-out": ("{name} 不参与分配：{why}", "{name} takes no leads: {why}"),
        "assign-formula-cells": (
            "{n} 个单元格含有公式，未覆盖：{cells}",
            "{n:~cell|cells} {n:?holds a formula|hold formulas} and {n:?was|were} left as {n:?it is|they are}: {cells}",
        ),
        "assign-saved": ("已保存 {path}（备份：{backup}）", "Saved {path} (backup: {backup})"),
        "assign-duplicate-marker": ("疑似重复：{what}", "Possible duplicate: {what}"),
        "assign-pool-title": (
            "公海客户分配（计算基准 {as_of}）",
            "Pool hand-out (as of {as_of})",
        ),
        "assign-pool-summary": (
            "公海客户 {waiting} 个：已分配 {assigned} 个，无法分配 {unassigned} 个",
            "{waiting:~customer|customers} in the pool: {assigned} handed out, {unassigned} left in the pool",
        ),
        "assign-pool-unassigned-title": (
            "无法分配的公海客户 {n} 个（留在公海）：",
            "{n:~pool customer|pool customers} no one can take (they stay in the pool):",
        ),
    }
)
