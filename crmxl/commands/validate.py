"""``crmxl validate``: every finding in a workspace, in one pass.

The checks follow SPEC sections 1 and 4 (:mod:`crmxl.checks`): required values, types,
enumerations, unique IDs, 查重, references between sheets, legal full names, late records,
future dates, placeholders, missing sheets and columns, and bad settings. Each finding names its
sheet and cell.

With ``annotate=OUT`` the same call also writes a copy of each workbook with its bad cells
highlighted and commented (:mod:`crmxl.checks.annotate`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from crmxl.checks.annotate import AnnotateResult, SourceFile, destinations
from crmxl.checks.annotate import annotate as write_annotated
from crmxl.checks.validation import check
from crmxl.i18n import pick, register, t
from crmxl.model.findings import Finding, Severity, count
from crmxl.model.skips import Skip, skip_line
from crmxl.model.textout import render_table
from crmxl.model.workspace import Workspace, open_workspace
from crmxl.progress import Progress, reporter
from crmxl.rules.worktime import CoverageWarning, coverage_dicts


@dataclass
class ValidationResult:
    """The findings of one validation run."""

    files: list[Path]
    findings: list[Finding] = field(default_factory=list)
    rows: dict[str, int] = field(default_factory=dict)  # sheet name -> rows checked
    sources: dict[Path, SourceFile] = field(default_factory=dict, repr=False)
    annotated: AnnotateResult | None = None  # the annotated copies, when asked for
    skipped: list[Skip] = field(default_factory=list)  # checks the sheets present do not allow
    #: years counted in working time that no holiday schedule covers (SPEC 2.8)
    coverage: list[CoverageWarning] = field(default_factory=list)

    @property
    def errors(self) -> int:
        return count(self.findings)[0]

    @property
    def warnings(self) -> int:
        return count(self.findings)[1]

    @property
    def valid(self) -> bool:
        return self.errors == 0

    def to_dict(self, lang: str = "zh") -> dict[str, Any]:
        out = {
            "valid": self.valid,
            "errors": self.errors,
            "warnings": self.warnings,
            "findings": [f.to_dict(lang) for f in self.findings],
            "skipped": [s.to_dict(lang) for s in self.skipped],
        }
        if self.annotated is not None:
            out["annotated"] = self.annotated.to_dict()
        if self.coverage:
            out["worktime_warnings"] = coverage_dicts(self.coverage, lang)
        return out

    def render(self, lang: str = "zh") -> str:
        """A table per sheet (cell, column, value, message), then a one-line summary."""
        out: list[str] = []
        general = [f for f in self.findings if not f.cell]
        if general:
            out.append(pick(lang, "== 工作簿 ==", "== Workbook =="))
            out += [f"- {f.message(lang)}" for f in general]
            out.append("")
        by_sheet: dict[str, list[Finding]] = {}
        for f in self.findings:
            if f.cell:
                by_sheet.setdefault(f.sheet, []).append(f)
        for sheet, items in by_sheet.items():
            out.append(f"== {sheet} ({len(items)}) ==")
            rows = [
                [
                    f.cell.split("!", 1)[-1] if f.cell else "—",
                    f.column,
                    "" if f.value is None else str(f.value),
                    pick(lang, "错误", "error")
                    if f.severity is Severity.ERROR
                    else pick(lang, "警告", "warning"),
                    f.message(lang),
                ]
                for f in items
            ]
            headers = [
                pick(lang, *h)
                for h in (
                    ("单元格", "Cell"),
                    ("列", "Column"),
                    ("值", "Value"),
                    ("级别", "Severity"),
                    ("说明", "Message"),
                )
            ]
            out.append(render_table(headers, rows, max_width={2: 30}))
            out.append("")
        checked = ", ".join(f"{k} {v}" for k, v in self.rows.items())
        out.append(
            t("validate-summary", lang, errors=self.errors, warnings=self.warnings, checked=checked)
        )
        if self.skipped:
            out.append(skip_line(self.skipped, lang))
        out += [w.text(lang) for w in self.coverage]
        if self.annotated is not None:
            out.append(self.annotated.render(lang))
        return "\n".join(out)


def validate(
    files: Sequence[Path | str],
    *,
    as_of: datetime | None = None,
    config: Path | str | None = None,
    workspace: Workspace | None = None,
    annotate: Path | str | None = None,
    progress: Progress | None = None,
) -> ValidationResult:
    """Check every standard sheet of ``files``; never raises for bad data.

    ``annotate``: also write annotated copies there (a file for one workbook, a folder for
    several; see :func:`crmxl.checks.annotate.annotate`). Where they would go is checked before
    anything is read: an input file, or a file open in Excel/LibreOffice, is refused.
    ``progress(stage, done, total)`` hears of reading, each sheet checked and the writing.
    """
    say = reporter(progress)
    targets = destinations([Path(f) for f in files], Path(annotate)) if annotate else None
    say("read", 0, 1)
    ws = workspace or open_workspace(files, config=config)
    checked = check(ws, as_of or datetime.now(), progress=say)
    result = ValidationResult(
        list(ws.files), checked.findings, checked.rows, checked.sources, skipped=checked.skipped
    )
    result.coverage = checked.coverage
    if annotate is not None:
        say("write", 0, 1)
        result.annotated = write_annotated(
            result.files, result.findings, result.sources, Path(annotate), targets=targets
        )
    say("done", 1, 1)
    return result


register(
    {
        "validate-summary": (
            "{errors} 个错误，{warnings} 个警告（已检查：{checked}）",
            "{errors:~error|errors}, {warnings:~warning|warnings} (checked: {checked})",
        ),
    }
)
