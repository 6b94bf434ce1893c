"""The one speed knob (``CRMXL_WORKERS``, :mod:`crmxl.concurrency`): ``0`` keeps everything in
crmxl's own process and thread, with the same result; ``N`` caps the pools; unset, each place
decides; anything else is refused by the command line."""

from __future__ import annotations

import subprocess
import threading
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from xlsxkit import make_package, openpyxl_cells, sheet_xml

import crmxl.model.workspace as workspace_mod
import crmxl.workbook.patch as patch_module
import crmxl.workbook.reader as reader
from crmxl import concurrency
from crmxl.cli import cli
from crmxl.workbook import WorkbookWriter, child

SHEET = "xl/worksheets/sheet1.xml"


@pytest.fixture(autouse=True)
def automatic() -> Iterator[None]:
    concurrency.configure(None)
    yield
    concurrency.configure(None)


@pytest.mark.parametrize(
    ("text", "value"), [(None, None), ("", None), (" auto ", None), ("0", 0), ("3", 3)]
)
def test_the_setting_reads(text: str | None, value: int | None) -> None:
    assert concurrency.parse(text) == value


@pytest.mark.parametrize("text", ["-1", "two", "1.5"])
def test_a_bad_setting_is_refused(text: str) -> None:
    with pytest.raises(ValueError):
        concurrency.parse(text)


@pytest.mark.parametrize(
    ("env", "helpers", "pool"), [(None, True, 4), ("0", False, 1), ("1", True, 1), ("3", True, 3)]
)
def test_what_each_setting_allows(
    env: str | None, helpers: bool, pool: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    if env is None:
        monkeypatch.delenv(concurrency.ENV, raising=False)
    else:
        monkeypatch.setenv(concurrency.ENV, env)
    assert concurrency.helpers() is helpers
    assert concurrency.workers(4) == pool  # a pool that would use 4 workers by itself


def test_configure_wins_over_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(concurrency.ENV, "0")
    concurrency.configure(2)
    assert concurrency.helpers() and concurrency.workers(8) == 2
    with pytest.raises(ValueError):
        concurrency.configure(-1)


def test_the_command_line_refuses_a_bad_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(concurrency.ENV, "many")
    result = CliRunner().invoke(cli, ["validate", "crm.xlsx"])
    assert result.exit_code == 2 and concurrency.ENV in result.output


def _record(monkeypatch: pytest.MonkeyPatch) -> tuple[list[str], list[str]]:
    """The processes started and the threads started, from now on (both still run)."""
    processes: list[str] = []
    threads: list[str] = []
    real_popen = subprocess.Popen
    real_start = threading.Thread.start

    def popen(*args: Any, **kwargs: Any) -> Any:
        processes.append(str(args[0]))
        return real_popen(*args, **kwargs)

    def start(self: threading.Thread) -> None:
        threads.append(self.name)
        real_start(self)

    monkeypatch.setattr(child.subprocess, "Popen", popen)
    monkeypatch.setattr(threading.Thread, "start", start)
    return processes, threads


def _read_and_save(tmp_path: Path, name: str) -> Path:
    """Read a two-sheet workbook (the larger scanned in a child) and save a large sheet (deflated
    and checked in a child): every helper crmxl has outside split."""
    rows = "".join(f'<row r="{r}"><c r="A{r}"><v>{r}</v></c></row>' for r in range(1, 400))
    small = '<row r="1"><c r="A1" t="inlineStr"><is><t>客户编号</t></is></c></row>'
    path = make_package(
        tmp_path / name, {"客户档案": sheet_xml(rows), "跟进记录": sheet_xml(small)}
    )
    workspace_mod.open_workspace([path])
    writer = WorkbookWriter(path)
    writer.set_cells("客户档案", 2, [(r, f"值{r}") for r in range(2, 400)])
    writer.save(backup=False)
    return path


def test_zero_keeps_everything_in_process_with_the_same_result(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(reader, "SCAN_CHILD_MIN", 0)
    monkeypatch.setattr(patch_module, "STREAM_CHECK_MIN", 0)
    processes, threads = _record(monkeypatch)
    helped = _read_and_save(tmp_path, "helped.xlsx")
    assert processes and threads  # the helpers do run by default
    processes.clear()
    threads.clear()
    monkeypatch.setenv(concurrency.ENV, "0")
    alone = _read_and_save(tmp_path, "alone.xlsx")
    assert processes == [] and threads == []
    with zipfile.ZipFile(helped) as a, zipfile.ZipFile(alone) as b:
        assert a.read(SHEET) == b.read(SHEET)
    cells = openpyxl_cells(alone)["客户档案"]
    assert cells[(2, 2)] == "值2" and cells[(399, 2)] == "值399"
