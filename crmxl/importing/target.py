"""The sheet an import appends to: an existing table of the workspace, or a sheet to add."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from crmxl.errors import UsageError, WriteRefusedError
from crmxl.i18n import register
from crmxl.model.schema import (
    CHANGELOG,
    SETTINGS,
    SHEETS,
    SheetSpec,
    match_sheet,
)
from crmxl.model.workspace import Table, Workspace
from crmxl.workbook import CellValue
from crmxl.workbook.package import Package

#: Sheets that cannot be imported into.
NOT_IMPORTABLE = (SETTINGS.key, CHANGELOG.key)


@dataclass
class Target:
    """Where the rows go: an existing table, or a sheet to add."""

    spec: SheetSpec
    table: Table | None
    name: str
    lang: str
    columns: dict[str, int]  # key -> Excel column (existing and to be added)
    added: list[str] = field(default_factory=list)  # keys whose header is added


def resolve_spec(sheet: str) -> SheetSpec:
    spec = match_sheet(sheet)
    if spec is None:
        names = "、".join(s.zh for s in SHEETS if s.key not in NOT_IMPORTABLE)
        raise UsageError("import-unknown-sheet", sheet=sheet, sheets=names)
    if spec.key in NOT_IMPORTABLE:
        raise UsageError("import-sheet-not-allowed", sheet=sheet)
    return spec


def find_target(ws: Workspace, spec: SheetSpec, into: Path) -> Target:
    table = ws.tables.get(spec.key)
    if table is None:
        with Package(into) as pkg:
            present = [s.name for s in pkg.worksheets() if match_sheet(s.name) is spec]
        if present:
            raise WriteRefusedError("import-target-unreadable", path=into, sheet=present[0])
        lang = ws.lang
        columns = {c.key: i for i, c in enumerate(spec.columns, start=1)}
        return Target(spec, None, spec.name(lang), lang, columns)
    return Target(spec, table, table.sheet_name, table.lang, dict(table.columns))


@dataclass
class PlannedRow:
    line: int
    cells: dict[int, CellValue]  # Excel column -> value
    record: str


register(
    {
        "import-unknown-sheet": (
            "不认识的工作表“{sheet}”（可导入：{sheets}）",
            "Unknown sheet {sheet!r} (can import into: {sheets})",
        ),
        "import-sheet-not-allowed": (
            "不能向“{sheet}”导入数据",
            "Rows cannot be imported into {sheet!r}",
        ),
        "import-target-unreadable": (
            "{path} 的“{sheet}”找不到表头，未导入：请先运行 crmxl validate 查看",
            "The header of {sheet!r} in {path} cannot be found; nothing was imported (run "
            "crmxl validate)",
        ),
    }
)
