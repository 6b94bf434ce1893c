"""What an import did: the rows imported, the rows rejected and why, the IDs given."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from crmxl.i18n import pick, register, t
from crmxl.importing.read import ENCODING_LABELS
from crmxl.model.findings import Finding
from crmxl.model.schema import (
    fold,
)
from crmxl.model.skips import Skip, skip_line
from crmxl.model.textout import render_table
from crmxl.workbook import SaveReport


@dataclass
class RowRef:
    """An imported row: where it came from and where it went."""

    line: int
    row: int  # Excel row in the target sheet
    record: str  # its ID ("" when the sheet has none)


@dataclass
class Rejected:
    """A source row that was not imported, with every reason."""

    line: int
    cells: list[str | None]
    findings: list[Finding]

    @property
    def duplicate(self) -> bool:
        return any(f.code.startswith("import-dup") for f in self.findings)

    def reason(self, lang: str) -> str:
        """Every reason, joined: ``电话: “123”不是有效电话…；公司名称: 与已有客户 …``."""
        return pick(lang, "；", "; ").join(_reason(f, lang) for f in self.findings)


def _reason(f: Finding, lang: str) -> str:
    return f"{f.column}: {f.message(lang)}" if f.column else f.message(lang)


@dataclass
class ImportResult:
    """What an import read, wrote and turned away."""

    source: Path
    into: Path
    sheet: str  # the target sheet as the workbook names it
    kind: str
    encoding: str | None
    source_sheet: str | None
    header_line: int
    dry_run: bool
    columns: list[tuple[str, str]] = field(default_factory=list)  # (source header, target header)
    unmapped: list[str] = field(default_factory=list)
    ignored: list[tuple[str, str]] = field(default_factory=list)
    added_columns: list[str] = field(default_factory=list)
    created_sheet: bool = False
    rows_read: int = 0
    imported: list[RowRef] = field(default_factory=list)
    rejected: list[Rejected] = field(default_factory=list)
    warnings: list[Finding] = field(default_factory=list)
    ids_generated: int = 0
    formula_like: list[tuple[int, str]] = field(default_factory=list)  # (line, source header)
    formula_cells: list[str] = field(default_factory=list)  # target cells left (formulas)
    rejects_file: Path | None = None
    saved: list[SaveReport] = field(default_factory=list)
    skipped: list[Skip] = field(default_factory=list)  # checks the sheets present do not allow
    seconds: float = 0.0

    @property
    def duplicates(self) -> int:
        return sum(1 for r in self.rejected if r.duplicate)

    @property
    def ok(self) -> bool:
        """True when every row was imported (the command's exit code is 0)."""
        return not self.rejected

    def to_dict(self, lang: str = "zh") -> dict[str, Any]:
        return {
            "source": str(self.source),
            "kind": self.kind,
            "encoding": self.encoding,
            "source_sheet": self.source_sheet,
            "header_line": self.header_line,
            "into": str(self.into),
            "sheet": self.sheet,
            "created_sheet": self.created_sheet,
            "dry_run": self.dry_run,
            "columns": [{"source": s, "target": d} for s, d in self.columns],
            "unmapped": self.unmapped,
            "ignored": [
                {"column": c, "reason": t(f"import-ignored-{w}", lang)} for c, w in self.ignored
            ],
            "added_columns": self.added_columns,
            "rows_read": self.rows_read,
            "imported": len(self.imported),
            "rejected": len(self.rejected),
            "duplicates": self.duplicates,
            "ids_generated": self.ids_generated,
            "rows": [{"line": r.line, "row": r.row, "id": r.record} for r in self.imported],
            "rejects": [
                {
                    "line": r.line,
                    "duplicate": r.duplicate,
                    "reason": r.reason(lang),
                    "findings": [f.to_dict(lang) for f in r.findings],
                }
                for r in self.rejected
            ],
            "warnings": [f.to_dict(lang) for f in self.warnings],
            "formula_like": [{"line": n, "column": c} for n, c in self.formula_like],
            "formula_cells": self.formula_cells,
            "rejects_file": str(self.rejects_file) if self.rejects_file else None,
            "saved": [s.to_dict() for s in self.saved],
            "skipped": [s.to_dict(lang) for s in self.skipped],
            "seconds": round(self.seconds, 2),
        }

    def render(self, lang: str = "zh") -> str:
        """A summary, the rows turned away (with their source lines) and the warnings."""
        kind = self.kind.upper() + (
            f", {ENCODING_LABELS.get(self.encoding, self.encoding.upper())}"
            if self.encoding
            else ""
        )
        if self.source_sheet:
            kind += f", {self.source_sheet}"
        title = "import-title-dry" if self.dry_run else "import-title"
        lines = [
            t(
                title,
                lang,
                source=self.source.name,
                kind=kind,
                into=self.into.name,
                sheet=self.sheet,
            )
        ]
        sep = "、" if lang != "en" else ", "
        if self.columns:
            pairs = [f"{s}→{d}" if fold(s) != fold(d) else s for s, d in self.columns]
            lines.append(t("import-columns", lang, columns=sep.join(pairs)))
        if self.unmapped:
            lines.append(t("import-unmapped", lang, columns=sep.join(self.unmapped)))
        for column, why in self.ignored:
            lines.append(
                t("import-ignored", lang, column=column, why=t(f"import-ignored-{why}", lang))
            )
        if self.created_sheet:
            lines.append(t("import-created-sheet", lang, sheet=self.sheet))
        for header in self.added_columns:
            lines.append(t("import-added-column", lang, column=header, sheet=self.sheet))
        lines.append(
            t(
                "import-summary",
                lang,
                read=self.rows_read,
                imported=len(self.imported),
                rejected=len(self.rejected),
                duplicates=self.duplicates,
            )
        )
        if self.imported:
            first, last = self.imported[0], self.imported[-1]
            ids = f"{first.record}–{last.record}" if first.record else "-"
            lines.append(
                t(
                    "import-rows",
                    lang,
                    first=first.row,
                    last=last.row,
                    ids=ids,
                    generated=self.ids_generated,
                )
            )
        if self.rejected:
            lines.append("")
            lines.append(t("import-rejected-title", lang))
            rows = [
                [
                    r.line,
                    pick(lang, "重复", "duplicate") if r.duplicate else pick(lang, "错误", "error"),
                    r.reason(lang),
                ]
                for r in self.rejected[:100]
            ]
            lines.append(
                render_table(
                    [
                        pick(lang, "源行号", "Line"),
                        pick(lang, "类型", "Kind"),
                        pick(lang, "原因", "Reason"),
                    ],
                    rows,
                    max_width={2: 90},
                )
            )
            if len(self.rejected) > 100:
                lines.append(t("import-more", lang, n=len(self.rejected) - 100))
        if self.warnings:
            lines.append("")
            lines.append(t("import-warnings", lang, n=len(self.warnings)))
            for f in self.warnings[:50]:
                lines.append(f"  {f.row}  {_reason(f, lang)}")
            if len(self.warnings) > 50:
                lines.append(t("import-more", lang, n=len(self.warnings) - 50))
        if self.formula_like:
            where = sep.join(f"{n}:{c}" for n, c in self.formula_like[:10])
            lines.append(t("import-formula-like", lang, n=len(self.formula_like), cells=where))
        if self.formula_cells:
            lines.append(
                t(
                    "import-formula-cells",
                    lang,
                    n=len(self.formula_cells),
                    cells=sep.join(self.formula_cells[:10]),
                )
            )
        if self.rejects_file:
            lines.append(
                t("import-rejects-file", lang, path=self.rejects_file, n=len(self.rejected))
            )
        for report in self.saved:
            if not report.dry_run:
                lines.append(t("import-saved", lang, path=report.path, backup=report.backup or "-"))
        if self.skipped:
            lines.append(skip_line(self.skipped, lang))
        return "\n".join(lines)


register(
    {
        "import-title": (
            "导入 {source}（{kind}）→ {into}「{sheet}」",
            "Imported {source} ({kind}) into {into} / {sheet}",
        ),
        "import-title-dry": (
            "试运行，未写入工作簿：{source}（{kind}）→ {into}「{sheet}」",
            "Dry run, the workbook was not written: {source} ({kind}) into {into} / {sheet}",
        ),
        "import-columns": ("列对应：{columns}", "Columns: {columns}"),
        "import-unmapped": (
            "未识别的列（未导入，可用 --map 指定）：{columns}",
            "Columns not recognised (not imported; name them with --map): {columns}",
        ),
        "import-ignored": ("已忽略列“{column}”：{why}", "Ignored column {column!r}: {why}"),
        "import-ignored-auto-column": (
            "自动计算列，由 crmxl refresh 计算",
            "a computed column; crmxl refresh fills it",
        ),
        "import-ignored-map-ignore": ("映射文件中设为忽略", "ignored by the mapping file"),
        "import-ignored-rejects-column": (
            "拒绝文件附加的列",
            "a column a rejects file adds",
        ),
        "import-ignored-duplicate-source-column": (
            "与前面的列对应同一列",
            "maps to the same column as an earlier one",
        ),
        "import-created-sheet": (
            "工作簿中没有“{sheet}”，已新建该工作表",
            "The workbook had no {sheet} sheet; it was added",
        ),
        "import-added-column": (
            "已在“{sheet}”末尾添加列“{column}”",
            "Added column {column!r} at the end of {sheet}",
        ),
        "import-summary": (
            "读取 {read} 行：导入 {imported} 行，拒绝 {rejected} 行（其中重复 {duplicates} 行）",
            "Read {read:~row|rows}: {imported} imported, {rejected} rejected ({duplicates:~duplicate|duplicates})",
        ),
        "import-rows": (
            "目标行 {first}–{last}，编号 {ids}（新生成 {generated} 个）",
            "Rows {first}–{last}, IDs {ids} ({generated} generated)",
        ),
        "import-rejected-title": ("未导入的行：", "Rows not imported:"),
        "import-more": ("……另有 {n} 条", "... and {n} more"),
        "import-warnings": (
            "{n} 条警告（这些行已导入）：",
            "{n:~warning|warnings} (the rows were imported all the same):",
        ),
        "import-formula-like": (
            "{n} 个以 = + - @ 开头的单元格已按文本保存，不会变成公式：{cells}",
            "{n:~cell|cells} starting with = + - @ {n:?was|were} stored as text and cannot become "
            "{n:?a formula|formulas}: "
            "{cells}",
        ),
        "import-formula-cells": (
            "{n} 个目标单元格含有公式，未覆盖：{cells}",
            "{n:~target cell|target cells} {n:?holds a formula|hold formulas} and {n:?was|were} left as "
            "{n:?it is|they are}: {cells}",
        ),
        "import-rejects-file": (
            "{n} 行未导入的数据已写入 {path}（含拒绝原因，修改后可再次导入）",
            "{n:~row|rows} not imported {n:?was|were} written to {path} (with the reasons; fix and "
            "import again)",
        ),
        "import-saved": ("已保存 {path}（备份：{backup}）", "Saved {path} (backup: {backup})"),
        "import-dup-customer": (
            "与已有客户 {record}“{name}”重复（{where}）",
            "duplicates customer {record} {name!r} ({where})",
        ),
        "import-dup-contact": (
            "与客户 {record} 的联系人 {name} 的手机相同（{where}）",
            "matches the mobile of {name}, a contact of customer {record} ({where})",
        ),
        "import-dup-lead": (
            "与已有线索 {record}“{name}”重复（{where}）",
            "duplicates lead {record} {name!r} ({where})",
        ),
        "import-dup-file": (
            "与本文件第 {record} 行重复（{where}）",
            "duplicates line {record} of this file ({where})",
        ),
    }
)
