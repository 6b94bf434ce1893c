"""``crmxl import``: append rows from a CSV or a workbook sheet to a standard sheet, safely.

What happens, in order (SPEC 3 and 4, seed 002 二.(一)):

1. **Read the source.** A CSV is decoded as UTF-8 (with or without BOM), else GB18030 (a
   superset of GBK, what Excel on Chinese Windows writes), unless ``encoding`` forces one; the
   delimiter is the commonest of ``,`` tab ``;`` on the first line. An ``.xlsx`` passes the input
   guards first; ``.xlsx``/``.xls`` sheets are read by fastexcel, every cell as text. Each row
   keeps its source line (the CSV line it starts on, or the Excel row) for reports.
2. **Map the headers** by the schema's Chinese and English names and aliases, after the
   ``--map`` TOML file (``"手机号码" = "电话"``; ``"内部编号" = ""`` ignores a column; a
   ``[defaults]`` table fills blanks), and to the target sheet's own extra columns by name.
   Columns that map to nothing are reported, never silently dropped; computed (auto) columns
   are ignored (``refresh`` computes them).
3. **Validate every row as ``validate`` does** (types, required values, enumerations from 配置,
   ranges, future dates, references to 客户档案/销售团队, …) using :mod:`crmxl.commands.validate`'s own
   checks; a row with an error is rejected and reported with its source line.
4. **查重**: a lead (or customer) whose company, normalised by
   :func:`~crmxl.model.values.normalize_company`, or whose phone matches an existing customer, contact
   (手机), lead, or an earlier row of the same file is rejected as a duplicate, naming what it
   matched. A given ID that the sheet already holds is rejected too.
5. **IDs**: a blank ID is generated after the largest existing one of the sheet's style
   (``C0200`` → ``C0201``, ``L-2026-007`` → ``L-2026-008``); see :func:`id_sequence`.
6. **Write** through :class:`~crmxl.workbook.WorkbookWriter` after ``Table.last_row``: typed
   values (dates as dates, amounts as numbers, enumerations in the workbook's language, phones
   normalised), every text as an inline string, which can never become a formula or a link
   (``=HYPERLINK(...)``, ``@SUM(...)`` stay text). New cells take the style of the sheet's last
   row. One 变更日志 row per import. A target sheet that does not exist yet is added.

``dry_run`` does everything but save. ``rejects`` writes the rows not imported to a CSV with
their source line and the reasons, so they can be fixed and imported again.
"""

from __future__ import annotations

import time
from datetime import datetime
from pathlib import Path

from crmxl.a1 import column_letter
from crmxl.errors import InputFileError, UsageError
from crmxl.i18n import register
from crmxl.importing.map import map_headers, read_map
from crmxl.importing.read import read_source
from crmxl.importing.result import ImportResult
from crmxl.importing.rows import import_skips, plan_rows
from crmxl.importing.target import find_target, resolve_spec
from crmxl.importing.write import changelog_rows, write_rejects, write_rows
from crmxl.model.changelog import Writers, append_changelog
from crmxl.model.workspace import open_workspace
from crmxl.progress import Progress, reporter
from crmxl.workbook import write_locked


@write_locked("into", unless="dry_run")
def import_rows(
    src: Path | str,
    into: Path | str,
    sheet: str,
    *,
    map_file: Path | str | None = None,
    encoding: str | None = None,
    dry_run: bool = False,
    rejects: Path | str | None = None,
    as_of: datetime | None = None,
    source_sheet: str | None = None,
    config: Path | str | None = None,
    backup: bool = True,
    progress: Progress | None = None,
) -> ImportResult:
    """Append the rows of ``src`` to the standard sheet ``sheet`` of the workbook ``into``.

    Returns what was imported and what was not (and why); raises
    :class:`~crmxl.errors.CrmxlError` subclasses when nothing can be done (an unreadable source,
    an unknown sheet, a workbook open in Excel). Nothing is written with ``dry_run``, except
    the ``rejects`` CSV when one is asked for. ``progress(stage, done, total)`` hears of
    reading, checking and writing (of 3 steps).
    """
    started = time.perf_counter()
    say = reporter(progress)
    say("read", 0, 3)
    src, into = Path(src), Path(into)
    as_of = as_of or datetime.now().replace(microsecond=0)
    spec = resolve_spec(sheet)
    rejects_path = Path(rejects) if rejects is not None else None
    if rejects_path is not None and rejects_path.resolve() in (src.resolve(), into.resolve()):
        raise UsageError("import-rejects-overwrites", path=rejects_path)
    mapping_file = read_map(Path(map_file) if map_file is not None else None)
    source = read_source(src, encoding=encoding, sheet=source_sheet, spec=spec)
    if not source.rows:
        raise InputFileError("import-empty", path=src)
    wanted = [spec.key, "customers", "contacts", "leads", "team", "changelog"]
    ws = open_workspace([into], config=config, sheets=wanted)
    target = find_target(ws, spec, into)
    mapping = map_headers(spec, source.rows, mapping_file, target.table, src)
    result = ImportResult(
        source=src,
        into=into,
        sheet=target.name,
        kind=source.kind,
        encoding=source.encoding,
        source_sheet=source.sheet,
        header_line=mapping.header_line,
        dry_run=dry_run,
        unmapped=mapping.unmapped,
        ignored=mapping.ignored,
        created_sheet=target.table is None,
        skipped=import_skips(spec, set(ws.tables)),
    )
    say("check", 1, 3)
    plan = plan_rows(source, mapping, mapping_file, spec, ws, target, as_of, result)
    writers = Writers(ws)
    say("write", 2, 3)
    if plan:
        write_rows(writers, ws, target, plan, result)
        stamp = datetime.now().replace(microsecond=0)
        append_changelog(writers, ws, [changelog_rows(stamp, source, target, result)])
        for writer in writers.pending():
            report = writer.plan() if dry_run else writer.save(backup=backup)
            result.saved.append(report)
            result.formula_cells += [
                f"{s}!{column_letter(c)}{r}" for s, r, c in writer.formula_cells()
            ]
    if rejects_path is not None:
        write_rejects(rejects_path, source, mapping, result.rejected, ws.lang)
        result.rejects_file = rejects_path
    say("done", 3, 3)
    result.seconds = time.perf_counter() - started
    return result


register(
    {
        "import-rejects-overwrites": (
            "拒绝文件 {path} 不能是源文件或目标工作簿",
            "The rejects file {path} cannot be the source or the target workbook",
        ),
    }
)
