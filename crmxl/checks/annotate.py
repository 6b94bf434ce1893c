"""``crmxl validate --annotate OUT``: a copy of each workbook with every bad cell marked.

Each cell a finding names gets a fill (light red when any of its findings is an error, light
yellow for warnings only) and a comment listing what is wrong with it, one line per finding,
in the language of the workbook's headers. A cell that already has a comment keeps it; ours is
appended below the user's text. A sheet ``校验结果`` (``Validation`` in an English workbook) is
added as the last tab, listing every finding of the workbook with its cell: an index to walk
through, and the place for findings that have no cell of their own (a missing sheet, a bad
setting in a ``--config`` file).

Nothing else of the file changes (:class:`~crmxl.workbook.WorkbookWriter`: values, formulas,
styles of other cells, images, charts, tables, validations and macros keep their bytes).

Where the copies go:

- one workbook: ``OUT`` is the new file (the same extension as the input, since ``.xlsm`` and
  ``.xlsx`` packages differ), or an existing folder to put it in under the input's name;
- several workbooks: ``OUT`` is a folder (created if needed) that gets one copy per workbook
  that has findings, under the input's name (``-2``, ``-3`` when two inputs share a name).
  Findings about the workspace as a whole go to the first workbook's copy.

A workbook without findings gets no copy. An input file is never overwritten, and a target
that is open in Excel/WPS or LibreOffice is refused, before anything is read. A target that
exists (an earlier annotated copy) is replaced atomically, and kept in ``.crmxl-backups``
beside it, as every file crmxl replaces is.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from crmxl.errors import UsageError, WriteRefusedError
from crmxl.i18n import pick, register, t
from crmxl.model.findings import Finding, Severity, json_value
from crmxl.model.workspace import Workspace
from crmxl.workbook import ERROR_FILL, WARNING_FILL, Text, WorkbookWriter, check_not_open
from crmxl.workbook.cellxml import parse_range
from crmxl.workbook.guard import GuardReport
from crmxl.workbook.package import Package
from crmxl.workbook.parts import check_sheet_name
from crmxl.workbook.save import Fingerprint

SUMMARY_SHEET = ("校验结果", "Validation")
AUTHOR = "crmxl"
_WIDTHS = [22.0, 16.0, 24.0, 8.0, 70.0]


@dataclass(frozen=True)
class SourceFile:
    """What validation saw of one workbook, for writing an annotated copy of it later: the
    bytes it read (fingerprint and guard), the language of its headers, its header rows."""

    path: Path
    fingerprint: Fingerprint | None = None
    guard: GuardReport | None = None
    lang: str = "zh"
    header_rows: dict[str, int] = field(default_factory=dict)  # sheet name -> Excel row


def sources(ws: Workspace) -> dict[Path, SourceFile]:
    """What each workbook of ``ws`` looked like when it was read (see :class:`SourceFile`)."""
    out = {}
    for path in ws.files:
        tables = [t for t in ws.tables.values() if t.file == path]
        langs = [t.lang for t in tables]
        lang = ("en" if langs.count("en") > len(langs) / 2 else "zh") if langs else ws.lang
        out[path] = SourceFile(
            path,
            ws.fingerprints.get(path),
            ws.guards.get(path),
            lang,
            {t.sheet_name: t.header_row for t in tables},
        )
    return out


@dataclass(frozen=True)
class AnnotatedFile:
    """One annotated copy: where from, where to, and what it marks."""

    source: Path
    path: Path
    findings: int  # findings listed in the copy
    cells: int  # cells highlighted and commented
    summary_sheet: str  # the added sheet listing every finding
    backup: Path | None = None  # what was at ``path`` before, when something was

    def to_dict(self) -> dict[str, Any]:
        return {
            "source": str(self.source),
            "path": str(self.path),
            "findings": self.findings,
            "cells": self.cells,
            "summary_sheet": self.summary_sheet,
            "backup": str(self.backup) if self.backup else None,
        }


@dataclass
class AnnotateResult:
    """The copies written; ``clean`` lists the inputs that had no findings (no copy)."""

    files: list[AnnotatedFile] = field(default_factory=list)
    clean: list[Path] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {"files": [f.to_dict() for f in self.files], "clean": [str(p) for p in self.clean]}

    def render(self, lang: str = "zh") -> str:
        lines = []
        for f in self.files:
            lines.append(
                t("annotate-written", lang, path=f.path, cells=f.cells, sheet=f.summary_sheet)
            )
            if f.backup is not None:
                lines.append(t("annotate-replaced", lang, path=f.path, backup=f.backup))
        if not self.files:
            lines.append(t("annotate-nothing", lang))
        elif self.clean:
            lines += [t("annotate-clean", lang, path=p) for p in self.clean]
        return "\n".join(lines)


def destinations(files: Sequence[Path], out: Path) -> dict[Path, Path]:
    """Where the annotated copy of each input goes; refuses (``UsageError``/
    ``WriteRefusedError``) a target that is an input, is open in Excel/LibreOffice, or has
    the wrong extension, and a file as ``OUT`` for several inputs."""
    files = [Path(f) for f in files]
    out = Path(out)
    if not files:
        return {}
    targets: dict[Path, Path] = {}
    if len(files) == 1:
        source = files[0]
        dest = out / source.name if out.is_dir() else out
        if dest.suffix.lower() != source.suffix.lower():
            raise UsageError("annotate-suffix", path=dest, suffix=source.suffix)
        targets[source] = dest
    else:
        if out.exists() and not out.is_dir():
            raise UsageError("annotate-needs-folder", path=out, n=len(files))
        used: set[str] = set()
        for source in files:
            name, n = source.name, 1
            while name.casefold() in used:
                n += 1
                name = f"{source.stem}-{n}{source.suffix}"
            used.add(name.casefold())
            targets[source] = out / name
    for dest in targets.values():
        for source in files:
            if _same_file(dest, source):
                raise WriteRefusedError("annotate-overwrites-input", path=dest)
        check_not_open(dest)
    return targets


def _same_file(a: Path, b: Path) -> bool:
    try:
        if a.exists() and b.exists():
            return a.samefile(b)
    except OSError:
        pass
    return a.resolve() == b.resolve()


def annotate(
    files: Sequence[Path],
    findings: Sequence[Finding],
    sources: Mapping[Path, SourceFile],
    out: Path | str,
    *,
    targets: dict[Path, Path] | None = None,
) -> AnnotateResult:
    """Write the annotated copies of ``files`` with their ``findings`` to ``out`` (see the
    module's docstring for where). The copies are made from the bytes validation read
    (``sources``): a workbook changed on disk since is refused (``file-changed``: validate
    again)."""
    files = list(files)
    if targets is None:
        targets = destinations(files, Path(out))
    by_file = _group(files, findings)
    written = AnnotateResult()
    for source in files:
        mine = by_file.get(source, [])
        if not mine:
            written.clean.append(source)
            continue
        info = sources.get(source) or SourceFile(source)
        dest = targets[source]
        dest.parent.mkdir(parents=True, exist_ok=True)
        written.files.append(_annotate_file(info, mine, dest))
    return written


def _group(files: list[Path], findings: Sequence[Finding]) -> dict[Path, list[Finding]]:
    """Each workbook's findings; those of no workbook go to the first one."""
    known = {p: p for p in files}
    resolved = {p.resolve(): p for p in files}
    out: dict[Path, list[Finding]] = {}
    for f in findings:
        home = None
        if f.file is not None:
            home = known.get(f.file) or resolved.get(Path(f.file).resolve())
        out.setdefault(home or files[0], []).append(f)
    return out


def _annotate_file(info: SourceFile, findings: list[Finding], dest: Path) -> AnnotatedFile:
    lang = info.lang
    writer = WorkbookWriter(info.path, info.fingerprint, info.guard)
    with Package(info.path) as pkg:
        worksheets = {s.name for s in pkg.worksheets()}
        sheet_names = [s.name for s in pkg.sheets]
    for sheet, row in info.header_rows.items():
        if sheet in worksheets:
            writer.set_header_row(sheet, row)
    cells: dict[tuple[str, int, int], list[Finding]] = {}
    for f in findings:
        where = _cell_of(f, worksheets)
        if where is not None:
            cells.setdefault(where, []).append(f)
    for (sheet, row, col), items in cells.items():
        error = any(f.severity is Severity.ERROR for f in items)
        writer.highlight(sheet, row, col, ERROR_FILL if error else WARNING_FILL)
        writer.add_comment(sheet, row, col, "\n".join(_line(f, lang) for f in items), AUTHOR)
    summary = _summary_name(lang, sheet_names)
    writer.add_sheet(summary, _summary_rows(findings, lang), widths=_WIDTHS)
    report = writer.save(dest)
    return AnnotatedFile(info.path, dest, len(findings), len(cells), summary, report.backup)


def _cell_of(f: Finding, worksheets: set[str]) -> tuple[str, int, int] | None:
    """(sheet, row, col) of a finding's cell, when it names one in a worksheet of its file."""
    if not f.cell or "!" not in f.cell:
        return None
    sheet, ref = f.cell.rsplit("!", 1)
    box = parse_range(ref)
    if box is None or sheet not in worksheets:
        return None
    return sheet, box[0], box[1]


def _line(f: Finding, lang: str) -> str:
    code = "annotate-error" if f.severity is Severity.ERROR else "annotate-warning"
    return t(code, lang, message=f.message(lang))


def _summary_name(lang: str, existing: list[str]) -> str:
    base = pick(lang, *SUMMARY_SHEET)
    name, n = base, 1
    while True:
        try:
            check_sheet_name(name, existing)
        except ValueError:
            n += 1
            name = f"{base} {n}"
            continue
        return name


def _summary_rows(findings: list[Finding], lang: str) -> list[list[Any]]:
    header = [
        pick(lang, *h)
        for h in (("单元格", "Cell"), ("列", "Column"), ("值", "Value"), ("级别", "Severity"),
                  ("说明", "Message"))
    ]  # fmt: skip
    rows: list[list[Any]] = [header]
    for f in sorted(findings, key=_order):
        severity = (
            pick(lang, "错误", "error")
            if f.severity is Severity.ERROR
            else pick(lang, "警告", "warning")
        )
        rows.append(
            [Text(f.cell or f.sheet), Text(f.column), _value(f.value), Text(severity),
             Text(f.message(lang))]
        )  # fmt: skip
    return rows


def _order(f: Finding) -> int:
    """Findings without a cell first; the rest keep validation's order (sheet, row, column)."""
    return 1 if f.cell and "!" in f.cell else 0


def _value(value: Any) -> Any:
    """A finding's value for the summary sheet: text stays text (never a formula)."""
    value = json_value(value)
    if value is None or isinstance(value, bool | int | float):
        return value
    return Text(str(value))


register(
    {
        "annotate-error": ("【错误】{message}", "[Error] {message}"),
        "annotate-warning": ("【警告】{message}", "[Warning] {message}"),
        "annotate-written": (
            "已写入标注副本 {path}：{cells} 个单元格已标色并加批注，全部问题列在“{sheet}”工作表",
            "Annotated copy written to {path}: {cells:~cell|cells} highlighted and commented; every "
            "finding is listed on the '{sheet}' sheet",
        ),
        "annotate-replaced": (
            "{path} 原有的文件已备份到 {backup}",
            "The file that was at {path} is kept as {backup}",
        ),
        "annotate-clean": (
            "{path} 没有发现问题，未生成标注副本",
            "{path} has no findings, so it got no annotated copy",
        ),
        "annotate-nothing": (
            "没有发现问题，未生成标注副本",
            "No findings, so no annotated copy was written",
        ),
        "annotate-suffix": (
            "标注副本 {path} 的扩展名应与原文件相同（{suffix}），否则 Excel 无法打开",
            "The annotated copy {path} needs the input's extension ({suffix}), or Excel will "
            "not open it",
        ),
        "annotate-needs-folder": (
            "{path} 是文件：校验 {n} 个工作簿时，--annotate 需要一个文件夹，每个工作簿一个标注副本",
            "{path} is a file: with {n:~workbook|workbooks}, --annotate needs a folder (one annotated "
            "copy per workbook)",
        ),
        "annotate-overwrites-input": (
            "不会覆盖输入文件 {path}：请为标注副本另选一个文件名",
            "Will not overwrite the input file {path}: choose another name for the annotated copy",
        ),
    }
)
