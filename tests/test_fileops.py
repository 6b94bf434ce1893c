"""Windows file semantics of the write path (issue 16.2), testable anywhere by injection:
retries while another program holds a file, extended-length paths, our temporary names."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

from crmxl.workbook import fileops
from crmxl.workbook.fileops import extended, held, native, replace_file, retrying


def sharing_violation() -> OSError:
    """What Windows raises when another program has the file open: errno 13, winerror 32."""
    return PermissionError(13, "The process cannot access the file", None, 32)


class Flaky:
    """A replace that fails ``times`` times with a sharing violation, then replaces."""

    def __init__(self, times: int) -> None:
        self.times, self.calls = times, 0

    def __call__(self, src: str, dst: str) -> None:
        self.calls += 1
        if self.calls <= self.times:
            raise sharing_violation()
        os.replace(src, dst)


def test_a_held_file_is_replaced_once_it_is_let_go(tmp_path: Path) -> None:
    src, dst = tmp_path / "new", tmp_path / "crm.xlsx"
    src.write_bytes(b"new")
    dst.write_bytes(b"old")
    flaky = Flaky(3)
    replace_file(src, dst, replace=flaky)
    assert flaky.calls == 4 and dst.read_bytes() == b"new" and not src.exists()


def test_retries_pause_longer_each_time_and_then_give_up() -> None:
    pauses: list[float] = []

    def always() -> None:
        raise sharing_violation()

    with pytest.raises(PermissionError):
        retrying(always, delays=(0.1, 0.2, 0.4), sleep=pauses.append)
    assert pauses == [0.1, 0.2, 0.4]  # four attempts in all
    assert sum(fileops.RETRY_DELAYS) < 5 and list(fileops.RETRY_DELAYS) == sorted(
        fileops.RETRY_DELAYS
    )


def test_only_a_held_file_is_retried() -> None:
    calls: list[int] = []

    def missing() -> None:
        calls.append(1)
        raise FileNotFoundError(2, "gone")

    with pytest.raises(FileNotFoundError):
        retrying(missing, sleep=lambda s: None)
    assert calls == [1]
    assert held(sharing_violation()) and held(PermissionError(13, "denied"))
    locked = OSError(13, "lock violation")
    locked.winerror = 33  # type: ignore[attr-defined]
    assert held(locked) and not held(OSError(28, "no space"))


@pytest.mark.parametrize(
    ("path", "want"),
    [
        ("C:\\Users\\王芳\\crm.xlsx", "C:\\Users\\王芳\\crm.xlsx"),
        ("C:\\" + "客户资料\\" * 60 + "crm.xlsx", "\\\\?\\C:\\" + "客户资料\\" * 60 + "crm.xlsx"),
        ("\\\\nas\\销售\\" + "x" * 250 + ".xlsx", "\\\\?\\UNC\\nas\\销售\\" + "x" * 250 + ".xlsx"),
        ("\\\\?\\C:\\" + "a" * 300, "\\\\?\\C:\\" + "a" * 300),
    ],
    ids=["short", "long", "unc", "prefixed"],
)
def test_long_windows_paths_get_the_extended_prefix(path: str, want: str) -> None:
    assert extended(path) == want


@pytest.mark.skipif(sys.platform == "win32", reason="paths are left alone off Windows")
def test_paths_are_left_alone_off_windows(tmp_path: Path) -> None:
    deep = tmp_path / ("x" * 200) / ("y" * 200)
    assert native(deep) == str(deep)


@pytest.mark.skipif(sys.platform != "win32", reason="the 260-character limit is Windows's")
def test_a_workbook_deeper_than_max_path_is_saved_on_windows(tmp_path: Path) -> None:
    from xlsxkit import make_package, openpyxl_cells, sheet_xml

    from crmxl.workbook import WorkbookWriter

    folder = tmp_path / ("客户资料" * 20) / ("备份" * 40)
    os.makedirs(native(folder))
    assert len(str(folder / "crm.xlsx")) >= 260
    short = make_package(tmp_path / "crm.xlsx", {"客户档案": sheet_xml("")})
    book = folder / "crm.xlsx"
    os.replace(native(short), native(book))
    writer = WorkbookWriter(Path(native(book)))
    writer.set_cell("客户档案", 1, 1, "客户编号")
    assert writer.save().cells_written == 1
    assert openpyxl_cells(Path(native(book)))["客户档案"][(1, 1)] == "客户编号"


def test_our_temporary_files_are_never_stale_to_ourselves(tmp_path: Path) -> None:
    book = tmp_path / "crm.xlsx"
    tmp, fd = fileops.new_temp(book)
    os.close(fd)
    other = tmp_path / ".crm.crmxl-tmp-00000000.xlsx"
    other.write_bytes(b"left by a killed run")
    assert fileops.stale_temps(book) == [other]
    fileops.remove_file(tmp)
    assert not tmp.exists() and fileops.stale_temps(book) == [other]
