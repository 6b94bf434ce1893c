"""Work done in child processes: the guard's scan of a large sheet and the check of a large
rewritten part while it is written. Each must give the in-process verdict, and a child that
cannot start, dies or answers nonsense must leave the work to this process, never skip it."""

from __future__ import annotations

import importlib.util
import io
import os
import subprocess
import sys
import zipfile
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from libreoffice import roundtrip_xlsx
from test_guard import beyond_the_grid, entity_bomb, far_cell, good, truncated
from xlsxkit import make_package, openpyxl_cells, sheet_xml

import crmxl.model.workspace as workspace_mod
import crmxl.workbook.guard as guard
import crmxl.workbook.patch as patch_module
import crmxl.workbook.reader as reader
import crmxl.workbook.sheetrows as sheetrows
import crmxl.workbook.zipcopy as zipcopy
from crmxl.errors import InputFileError, WriteRefusedError
from crmxl.workbook import WorkbookWriter, child
from crmxl.workbook.deflater import DATA, deflate_and_check, frame, read_frames
from crmxl.workbook.guard import SheetScan, scan_sheet
from crmxl.workbook.save import verify_package
from crmxl.workbook.xmlcheck import StreamCheck, check_stream
from crmxl.workbook.zipcopy import ZipWriter

SHEET = "xl/worksheets/sheet1.xml"


def _nonsense(*args: Any, **kwargs: Any) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-c", "print('no verdict here')"],
        stdin=subprocess.PIPE if kwargs.get("stdin") else subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
    )


def _cannot_start(*args: Any, **kwargs: Any) -> subprocess.Popen[bytes]:
    raise OSError("no processes left")


def _record_starts(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The modules child.start is asked to run, from now on (it still runs them)."""
    started: list[str] = []
    real = child.start

    def spy(module: str, args: Any, **kwargs: Any) -> subprocess.Popen[bytes]:
        started.append(module)
        return real(module, args, **kwargs)

    monkeypatch.setattr(child, "start", spy)
    return started


# -- the guard's scan in a child ----------------------------------------------------------


@pytest.mark.parametrize("make", [good, far_cell, beyond_the_grid, entity_bomb, truncated])
@pytest.mark.parametrize("start", ["child", "nonsense", "cannot-start"])
def test_a_scan_in_a_child_gives_the_in_process_verdict(
    tmp_path: Path, make: Any, start: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = make(tmp_path / "crm.xlsx")
    try:
        expected: Any = scan_sheet(path, SHEET)
    except InputFileError as exc:
        expected = exc.code
    if start == "nonsense":
        monkeypatch.setattr(child, "start", _nonsense)
    elif start == "cannot-start":
        monkeypatch.setattr(child, "start", _cannot_start)
    try:
        got: Any = SheetScan(path, SHEET).result()
    except InputFileError as exc:
        got = exc.code
        assert "crm.xlsx" in exc.render("zh") and "\n" not in exc.render("zh")
    assert got == expected
    if make is good:
        assert (got.max_row, got.max_col) == (1, 1)


def test_the_child_really_scans(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The verdict comes from the child (the in-process scan is not called)."""
    path = far_cell(tmp_path / "crm.xlsx")

    def no(*args: Any, **kwargs: Any) -> None:
        raise AssertionError("scanned in process")

    monkeypatch.setattr(guard, "scan_sheet", no)
    with pytest.raises(InputFileError) as info:
        SheetScan(path, SHEET).result()
    assert info.value.code == "file-too-many-cells"


@pytest.mark.skipif(sys.platform == "win32", reason="the stand-in executable is a shell script")
def test_a_frozen_build_starts_itself_as_the_child(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Frozen (PyInstaller), ``sys.executable`` is crmxl itself: the child is that executable
    with the hidden ``__child`` command. A script that runs crmxl/__main__.py as the bundle
    does stands in for it here; ``make dist-check`` runs the real bundle."""
    exe = tmp_path / "crmxl"
    main = Path(child.__file__).resolve().parents[1] / "__main__.py"
    exe.write_text(f'#!/bin/sh\nexec "{sys.executable}" -I -S "{main}" "$@"\n')
    exe.chmod(0o755)
    monkeypatch.setattr(sys, "frozen", True, raising=False)
    monkeypatch.setattr(sys, "executable", str(exe))
    assert child.command("crmxl.workbook.extent", ["a"]) == [
        str(exe),
        "__child",
        "crmxl.workbook.extent",
        "a",
    ]

    def no(*args: Any, **kwargs: Any) -> None:
        raise AssertionError("scanned in process")

    monkeypatch.setattr(guard, "scan_sheet", no)
    with pytest.raises(InputFileError) as info:
        SheetScan(far_cell(tmp_path / "crm.xlsx"), SHEET).result()
    assert info.value.code == "file-too-many-cells"


def test_reading_scans_the_largest_sheet_in_a_child(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A far cell in the largest standard sheet is refused through the child, with the usual
    one-line error, before any parser sees it."""
    far = (
        '<row r="1"><c r="A1" t="inlineStr"><is><t>客户编号</t></is></c></row>'
        '<row r="1048576"><c r="XFD1048576"><v>1</v></c></row>'
    )
    small = '<row r="1"><c r="A1" t="inlineStr"><is><t>客户编号</t></is></c></row>'
    path = make_package(
        tmp_path / "crm.xlsx",
        {"跟进记录": sheet_xml(far + " " * 5000), "客户档案": sheet_xml(small)},
    )
    started = _record_starts(monkeypatch)
    monkeypatch.setattr(reader, "SCAN_CHILD_MIN", 0)
    before = path.read_bytes()
    with pytest.raises(InputFileError) as info:
        workspace_mod.open_workspace([path])
    assert info.value.code == "file-too-many-cells"
    assert started == ["crmxl.workbook.extent"]
    assert path.read_bytes() == before


# -- checking a part while it is written --------------------------------------------------


def _deflate(data: bytes) -> bytes:
    c = zlib.compressobj(3, zlib.DEFLATED, -15)
    return c.compress(data) + c.flush()


XML = sheet_xml('<row r="1"><c r="A1"><v>1</v></c></row>').encode()


@pytest.mark.parametrize(
    ("stream", "problem"),
    [
        (_deflate(XML), ""),
        (_deflate(XML.replace(b"</row>", b"")), "not well-formed"),
        (_deflate(XML)[:-10], "truncated"),
        (b"\xff" * 100, "broken"),
    ],
    ids=["good", "malformed", "truncated", "not-deflate"],
)
def test_a_stream_check_inflates_and_parses(stream: bytes, problem: str) -> None:
    out = io.StringIO()
    check_stream(io.BytesIO(stream).read, out.write)
    crc, size, *rest = out.getvalue().split(" ", 2)
    assert problem in rest[0] if problem else not rest
    check = StreamCheck()
    for i in range(0, len(stream), 7):
        check.feed(stream[i : i + 7])
    verdict = check.verdict()
    assert verdict is not None
    assert problem in verdict.problem if problem else verdict.problem == ""
    if not problem:
        assert (verdict.crc, verdict.size) == (zlib.crc32(XML), len(XML)) == (int(crc), int(size))


def _zip_with_check(path: Path, data: bytes, fed: bytes | None = None) -> dict[str, StreamCheck]:
    check = StreamCheck()
    with path.open("wb") as fh:
        zw = ZipWriter(fh)
        with zw.open(SHEET, check=check if fed is None else None) as member:
            member.write(data)
        zw.close()
    if fed is not None:
        check.feed(_deflate(fed))
    return {SHEET: check}


def test_verify_uses_the_verdict(tmp_path: Path) -> None:
    path = tmp_path / "out.zip"
    verify_package(path, [], set(), {SHEET}, (), _zip_with_check(path, XML))
    with pytest.raises(ValueError, match="well-formed"):
        verify_package(path, [], set(), {SHEET}, (), _zip_with_check(path, XML[:-20]))
    other = XML.replace(b"<v>1</v>", b"<v>2</v>")
    with pytest.raises(ValueError, match="does not hold the bytes"):
        verify_package(path, [], set(), {SHEET}, (), _zip_with_check(path, XML, fed=other))
    with zipfile.ZipFile(path) as zf:
        assert zf.read(SHEET) == XML


def _big_book(tmp_path: Path) -> Path:
    rows = "".join(f'<row r="{r}"><c r="A{r}"><v>{r}</v></c></row>' for r in range(1, 400))
    return make_package(tmp_path / "crm.xlsx", {"客户档案": sheet_xml(rows)})


def _save(path: Path) -> None:
    writer = WorkbookWriter(path)
    writer.set_cells("客户档案", 2, [(r, f"值{r}") for r in range(2, 400)])
    writer.save(backup=False)


@pytest.mark.parametrize("start", ["child", "nonsense", "cannot-start"])
def test_a_save_checks_large_parts_in_a_child_or_else_after(
    tmp_path: Path, start: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = _big_book(tmp_path)
    monkeypatch.setattr(patch_module, "STREAM_CHECK_MIN", 0)
    if start == "nonsense":
        monkeypatch.setattr(child, "start", _nonsense)
    elif start == "cannot-start":
        monkeypatch.setattr(child, "start", _cannot_start)
    parsed: list[str] = []
    real = patch_module.verify_package.__globals__["_check_xml"]

    def spy(zf: zipfile.ZipFile, info: zipfile.ZipInfo) -> None:
        parsed.append(info.filename)
        real(zf, info)

    monkeypatch.setitem(patch_module.verify_package.__globals__, "_check_xml", spy)
    _save(path)
    assert (SHEET in parsed) == (start != "child")  # checked after only without a verdict
    cells = openpyxl_cells(path)["客户档案"]
    assert cells[(2, 2)] == "值2" and cells[(399, 2)] == "值399" and cells[(399, 1)] == 399


def test_a_malformed_part_caught_by_the_child_is_not_saved(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = _big_book(tmp_path)
    before = path.read_bytes()
    monkeypatch.setattr(patch_module, "STREAM_CHECK_MIN", 0)
    monkeypatch.setattr(sheetrows, "cell_xml", lambda *a, **k: b"<c><broken>")

    real = patch_module.verify_package.__globals__["_check_xml"]

    def not_the_sheet(zf: zipfile.ZipFile, info: zipfile.ZipInfo) -> None:
        assert info.filename != SHEET, "the sheet was checked after the write"
        real(zf, info)

    monkeypatch.setitem(patch_module.verify_package.__globals__, "_check_xml", not_the_sheet)
    with pytest.raises(WriteRefusedError) as info:
        _save(path)
    assert info.value.code == "verify-failed" and "well-formed" in info.value.render("en")
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir() if not p.name.endswith(".crmxl-lock")] == [
        "crm.xlsx"
    ]


# -- deflating a large part in a child ---------------------------------------------------------


def test_the_deflater_writes_what_it_was_given_and_says_so(tmp_path: Path) -> None:
    out = tmp_path / "out.bin"
    data = sheet_xml(
        "".join(f'<row r="{r}"><c r="A{r}"><v>{r}</v></c></row>' for r in range(1, 2000))
    )
    data = data.encode()
    with out.open("w+b") as fh:
        fh.write(b"HEAD")
        fh.flush()
        answer = deflate_and_check(_frames(data), fh.fileno(), 4, 3)
        fh.seek(0)
        written = fh.read()
    assert written[:4] == b"HEAD" and len(written) == 4 + answer["csize"]
    assert zlib.decompress(written[4:], -15) == data
    assert answer["crc"] == zlib.crc32(data) and answer["size"] == len(data)
    assert answer["ccrc"] == zlib.crc32(written[4:]) and answer["problem"] == ""
    assert answer["certified"] is True  # parsed whole (no ledger was asked for)
    bad = deflate_and_check(_frames(data[:-5]), os.open(out, os.O_RDWR), 0, 3)
    assert "not well-formed" in str(bad["problem"]) and bad["certified"] is False


def _frames(data: bytes) -> Iterator[tuple[bytes, bytes]]:
    """The deflater's input stream, in pieces of 1,000 bytes."""
    stream = b"".join(frame(DATA, data[i : i + 1000]) for i in range(0, len(data), 1000))
    return read_frames(io.BytesIO(stream).read)


def test_a_large_part_is_deflated_by_the_child(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = _big_book(tmp_path)
    monkeypatch.setattr(patch_module, "STREAM_CHECK_MIN", 0)
    started = _record_starts(monkeypatch)
    _save(path)
    assert started == ["crmxl.workbook.deflater"]
    with zipfile.ZipFile(path) as zf:
        assert zf.testzip() is None
    assert openpyxl_cells(path)["客户档案"][(399, 2)] == "值399"


def test_deflated_bytes_not_found_in_the_file_fail_the_save(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = _big_book(tmp_path)
    before = path.read_bytes()
    monkeypatch.setattr(patch_module, "STREAM_CHECK_MIN", 0)
    monkeypatch.setattr(zipcopy, "_crc_of", lambda fd, offset, length: -1)
    with pytest.raises(WriteRefusedError) as info:
        _save(path)
    assert "does not hold the deflated bytes" in info.value.render("en")
    assert path.read_bytes() == before


def test_libreoffice_opens_a_workbook_deflated_by_the_child(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = _big_book(tmp_path)
    monkeypatch.setattr(patch_module, "STREAM_CHECK_MIN", 0)
    _save(path)
    [back] = roundtrip_xlsx([path], tmp_path / "lo")
    cells = openpyxl_cells(back)["客户档案"]
    assert cells[(2, 2)] == "值2" and cells[(399, 2)] == "值399" and cells[(399, 1)] == 399


def test_a_child_finds_the_compiled_packages_it_may_use(tmp_path: Path) -> None:
    """A child runs with ``-I -S`` (no site packages); ISA-L (``isal``), which the deflating
    and scanning children use, is found through ``--path`` all the same."""
    assert importlib.util.find_spec("isal") is not None  # a dependency (pyproject.toml)
    (tmp_path / "childprobe.py").write_text(
        "def child_main(args):\n    import isal.isal_zlib\n    print('found', args[0])\n"
    )
    cmd = child.command("childprobe", ["x"])
    at = cmd.index(child.PATH_OPTION)
    cmd[at + 1] += os.pathsep + str(tmp_path)  # where this test's probe module is
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=60, check=False)
    assert (done.returncode, done.stdout) == (0, "found x\n"), done.stderr
    without = [*cmd[:at], "--path", str(tmp_path), *cmd[at + 2 :]]
    done = subprocess.run(without, capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode != 0 and "isal" in done.stderr
