"""Hostile and broken inputs at the command line: one line, exit 1, quickly, file untouched.

Measured on this kind of machine (XLSX-FACTS.md): calamine aborts the whole process on a zip bomb
or a far cell, and openpyxl runs out of memory; the input guards turn each into an error before
any parser runs. Each case runs in a child process with an address-space limit (Linux: RLIMIT_AS;
macOS does not enforce it and Windows has no rlimit, so there the child runs without one), so a
guard that let a bomb through would fail the test instead of taking the machine down.
"""

from __future__ import annotations

import subprocess
import sys
import time
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import build_workbook

MEMORY_LIMIT = 2 * 1024**3  # bytes of address space for the child


def _limit() -> None:
    import resource  # POSIX only; called only on Linux

    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))


def run_cli(*args: str) -> tuple[int, str, str, float]:
    start = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-m", "crmxl", *args],
        capture_output=True,
        text=True,
        timeout=120,
        preexec_fn=_limit if sys.platform.startswith("linux") else None,
    )
    return proc.returncode, proc.stdout, proc.stderr, time.perf_counter() - start


def good(tmp: Path) -> Path:
    return build_workbook(
        tmp / "good.xlsx",
        {
            "customers": [
                {
                    "customer_id": "C1",
                    "name": "甲有限公司",
                    "industry": "制造业",
                    "source": "展会",
                    "first_contact": "2026-01-01",
                    "stage": "成交",
                    "owner": "张三",
                }
            ]
        },
    )


def truncated(tmp: Path) -> Path:
    data = good(tmp).read_bytes()
    path = tmp / "truncated.xlsx"
    path.write_bytes(data[: len(data) // 2])
    return path


def renamed_csv(tmp: Path) -> Path:
    path = tmp / "leads.xlsx"
    path.write_text("公司名称,电话\n甲有限公司,13812345678\n", encoding="utf-8-sig")
    return path


def old_xls(tmp: Path) -> Path:
    path = tmp / "old.xlsx"
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 4096)
    return path


def encrypted(tmp: Path) -> Path:
    path = tmp / "secret.xlsx"
    path.write_bytes(
        b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
        + b"\x00" * 512
        + "EncryptedPackage".encode("utf-16-le")
        + b"\x00" * 512
    )
    return path


_BOMB: dict[str, bytes] = {}


def zip_bomb(tmp: Path) -> Path:
    """A valid workbook whose first sheet inflates to 3.2 GB (built once, streamed)."""
    path = tmp / "bomb.xlsx"
    if "data" in _BOMB:
        path.write_bytes(_BOMB["data"])
        return path
    src = good(tmp)
    with (
        zipfile.ZipFile(src) as zin,
        zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as zout,
    ):
        for info in zin.infolist():
            if info.filename == "xl/worksheets/sheet1.xml":
                with zout.open(info.filename, "w", force_zip64=True) as fh:
                    fh.write(
                        b'<worksheet xmlns="http://schemas.openxmlformats.org/'
                        b'spreadsheetml/2006/main"><sheetData>'
                    )
                    block = b'<row r="1"><c r="A1"><v>1</v></c></row>' * 1000
                    block *= 64
                    for _ in range(32 * 1024**3 // 10 // len(block)):
                        fh.write(block)
                    fh.write(b"</sheetData></worksheet>")
            else:
                zout.writestr(info, zin.read(info))
    _BOMB["data"] = path.read_bytes()
    return path


def entity_bomb(tmp: Path) -> Path:
    src = good(tmp)
    path = tmp / "entities.xlsx"
    lol = (
        b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
        + b"".join(
            b'<!ENTITY lol%d "%s">' % (i, b"&lol%d;" % (i - 1) * 10 if i > 1 else b"&lol;" * 10)
            for i in range(1, 10)
        )
        + b"]>"
    )
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = zin.read(info)
            if info.filename == "xl/worksheets/sheet1.xml":
                data = lol + data.split(b"?>", 1)[-1]
            zout.writestr(info, data)
    return path


def far_cell(tmp: Path) -> Path:
    src = good(tmp)
    path = tmp / "far.xlsx"
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = zin.read(info)
            if info.filename == "xl/worksheets/sheet1.xml":
                data = data.replace(
                    b"</sheetData>",
                    b'<row r="1048576"><c r="XFD1048576"><v>1</v></c></row></sheetData>',
                )
            zout.writestr(info, data)
    return path


CASES: dict[str, tuple[Callable[[Path], Path], str]] = {
    "truncated": (truncated, "损坏"),
    "renamed csv": (renamed_csv, "不是 xlsx"),
    "old xls": (old_xls, ".xls"),
    "encrypted": (encrypted, "密码"),
    "zip bomb": (zip_bomb, "压缩炸弹"),
    "entity bomb": (entity_bomb, "DOCTYPE"),
    "far cell": (far_cell, "单元格范围过大"),
}


@pytest.mark.parametrize("name", list(CASES))
@pytest.mark.parametrize("command", ["validate", "refresh"])
def test_hostile_input_gets_one_line(tmp_path: Path, name: str, command: str) -> None:
    make, words = CASES[name]
    path = make(tmp_path)
    before = path.read_bytes()
    code, out, err, seconds = run_cli(command, str(path), "--as-of", "2026-11-20")
    assert code == 1, (out, err)
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: "), err
    assert words in lines[0] and path.name in lines[0]
    assert "Traceback" not in out + err
    assert seconds < 30  # a hang guard, not a benchmark
    assert path.read_bytes() == before


def test_missing_file_and_folder(tmp_path: Path) -> None:
    code, _, err, _ = run_cli("validate", str(tmp_path / "nope.xlsx"))
    assert code == 1 and "找不到文件" in err
    code, _, err, _ = run_cli("--lang", "en", "validate", str(tmp_path))
    assert code == 1 and "folder" in err
