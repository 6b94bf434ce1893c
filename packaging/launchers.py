"""The Windows launchers shipped beside ``crmxl.exe``: drag a workbook onto 刷新, 周报, 检查, 待办.

Encoding: GBK (code page 936), CRLF line ends, no byte-order mark, and ``chcp 936`` before the
first line that is not ASCII. cmd.exe decodes a batch file with the console's *current* code page, line by line as
it runs it; on Simplified Chinese Windows that is 936, so GBK text is read as written with no
code-page switch, on every Windows version (``chcp 65001`` with a UTF-8 file works only on
recent Windows 10/11, and older consoles stop running the file after the switch). The lines up
to the switch are ASCII, so they read the same under any code page; it switches the window to
936 all the same, which keeps the Chinese right on a system set to another code page or to the
"Beta: use Unicode UTF-8" option (the code page in force before is put back at the end, for a
launcher started from a cmd window of one's own). Dropped file names do not pass through the
file's encoding at all: cmd hands ``%*`` to crmxl.exe as UTF-16, and crmxl writes to the console
as UTF-16, so any name and any text shows.

``python packaging/launchers.py DIR`` writes them into DIR (the bundle's folder does this).
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path

ENCODING = "gbk"
EXE = '"%~dp0crmxl.exe"'


@dataclass(frozen=True)
class Launcher:
    """One ``.cmd`` file: its name, what it does, and the lines that run crmxl."""

    name: str  # file name without .cmd
    title: str  # window title and what the user reads
    english: str
    body: tuple[str, ...]


LAUNCHERS = (
    Launcher(
        "刷新",
        "重新计算灰色（自动）列，写回原文件（先备份）",
        "refresh: recompute the grey (auto) columns in place, after a backup",
        (f"{EXE} refresh %*",),
    ),
    Launcher(
        "周报",
        "生成本周经理报表，存为工作簿旁的“周报-日期.xlsx”",
        "report: the week's report, saved as 周报-DATE.xlsx beside the workbook",
        (
            'set "TODAY="',
            'for /f %%d in (\'powershell -NoProfile -Command "Get-Date -Format yyyy-MM-dd"'
            ' 2^>nul\') do set "TODAY=%%d"',
            'set "OUT=%~dp1周报.xlsx"',
            'if defined TODAY set "OUT=%~dp1周报-%TODAY%.xlsx"',
            f'{EXE} report %* -o "%OUT%"',
        ),
    ),
    Launcher(
        "检查",
        "检查工作簿，列出所有问题及其单元格",
        "validate: every problem of the workbook, each with its cell",
        (f"{EXE} validate %*",),
    ),
    Launcher(
        "待办",
        "每位负责人的待办：逾期和7天内到期的跟进、SLA、线索、问候",
        "todo: each owner's agenda for the next 7 days",
        (f"{EXE} todo %*",),
    ),
)


def text(launcher: Launcher) -> str:
    """The launcher's lines (``\\n`` line ends; :func:`write` makes them CRLF)."""
    return "\n".join(
        [
            # ASCII up to the code-page switch: read alike under any code page
            "@echo off",
            "setlocal",
            'for /f "tokens=*" %%a in (\'chcp\') do for %%b in (%%a) do set "CRMXL_CP=%%~nb"',
            "chcp 936 >nul",
            f"rem {launcher.name}.cmd - crmxl：{launcher.title}",
            f"rem {launcher.english}",
            "rem 把一个或多个工作簿拖到本文件的图标上 / drag workbooks onto this file's icon",
            f"title crmxl {launcher.name}",
            'if "%~1"=="" goto usage',
            *launcher.body,
            "goto done",
            ":usage",
            f"echo 用法：把工作簿（.xlsx）拖到“{launcher.name}”图标上，可一次拖多个文件。",
            f"echo {launcher.title}。",
            f"echo Usage: drag one or more workbooks (.xlsx) onto this icon ({launcher.english}).",
            ":done",
            "echo.",
            "pause",
            "if defined CRMXL_CP chcp %CRMXL_CP% >nul",
            "",
        ]
    )


def write(folder: Path) -> list[Path]:
    """Write every launcher into ``folder``: GBK, CRLF, no BOM."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for launcher in LAUNCHERS:
        path = folder / f"{launcher.name}.cmd"
        path.write_bytes(text(launcher).replace("\n", "\r\n").encode(ENCODING))
        paths.append(path)
    return paths


if __name__ == "__main__":
    for written in write(Path(sys.argv[1])):
        print(written)
