"""Writing the report file safely: never over an input or somebody's data, never half-written.

The report is a new file, written to a temporary file in the target's folder, then moved into
place by the safe write path's replace, under crmxl's write lock on the target. It never
replaces one of its input workbooks, nor an existing file that holds CRM data sheets (a typo in
``-o`` must not destroy a workbook), nor a file open in Excel/WPS/LibreOffice. An earlier report
at the same path is replaced (the weekly job reruns).
"""

from __future__ import annotations

import os
from pathlib import Path

from crmxl.errors import CrmxlError, UsageError, WriteRefusedError
from crmxl.i18n import register
from crmxl.model.schema import match_sheet
from crmxl.reporting.reportbook import ReportContent, write
from crmxl.workbook.fileops import new_temp, remove_file
from crmxl.workbook.lock import locked
from crmxl.workbook.newbook import NewBookError
from crmxl.workbook.package import Package
from crmxl.workbook.save import check_not_open, replace_safely


def check_target(out: Path, inputs: list[Path]) -> None:
    """Refuse a target that is not .xlsx, is an input, holds CRM data, or is open."""
    if out.suffix.lower() != ".xlsx":
        raise UsageError("report-suffix", path=out)
    target = out.resolve()
    for path in inputs:
        if path.resolve() == target or (
            out.exists() and path.exists() and os.path.samefile(path, out)
        ):
            raise WriteRefusedError("report-is-input", path=out)
    check_not_open(out)
    if out.exists() and _holds_crm_data(out):
        raise WriteRefusedError("report-would-replace-data", path=out)


def _holds_crm_data(path: Path) -> bool:
    """True when ``path`` has a standard data sheet (or cannot be read as a workbook at all):
    then it is somebody's data, not an earlier report."""
    try:
        with Package(path) as pkg:
            names = [s.name for s in pkg.worksheets()]
    except CrmxlError:
        return True
    return any(match_sheet(n) is not None for n in names)


def write_report(out: Path, content: ReportContent, lang: str) -> list[str]:
    """Write to a temporary file beside ``out``, then move it into place (under its lock)."""
    with locked([out]):
        try:
            tmp, fd = new_temp(out)
        except OSError as exc:
            raise WriteRefusedError("report-write-failed", path=out, detail=exc.strerror) from exc
        os.close(fd)
        try:
            sheets = write(tmp, content, lang)
            replace_safely(tmp, out, backup=False)
        except (OSError, NewBookError) as exc:
            detail = exc.strerror if isinstance(exc, OSError) else str(exc)
            raise WriteRefusedError("report-write-failed", path=out, detail=detail) from exc
        finally:
            remove_file(tmp)
    return sheets


register(
    {
        "report-suffix": (
            "报表文件名须以 .xlsx 结尾：{path}",
            "The report must be an .xlsx file: {path}",
        ),
        "report-is-input": (
            "{path} 是输入的工作簿之一，报表不能覆盖它；请用 -o 另指定文件名",
            "{path} is one of the input workbooks; write the report to another file (-o)",
        ),
        "report-would-replace-data": (
            "{path} 已存在且含有客户数据工作表，不是报表，拒绝覆盖；请另指定文件名",
            "{path} exists and holds CRM data sheets, not a report; refusing to replace it",
        ),
        "report-write-failed": ("无法写入 {path}：{detail}", "Cannot write {path}: {detail}"),
    }
)
