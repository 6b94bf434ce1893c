"""Nothing POSIX-only in the product without a Windows path (issue 16.2).

Every use of a call or module that Windows lacks (fork, signals, ``resource``, ``fcntl``,
``os.pwrite``/``os.pread``, POSIX-only ``os.O_*`` flags, inheriting descriptors) must be one of
the places below, each with the way it is guarded. A new one fails this test until it is
guarded and listed here.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from crmxl.workbook import child, zipcopy

PACKAGE = Path(__file__).resolve().parents[1] / "crmxl"
POSIX_ONLY = re.compile(
    r"os\.fork\b|os\.kill(?:pg)?\b|os\.setsid\b|os\.getuid\b|os\.pwrite\b|os\.pread\b"
    r"|os\.O_(?!RDWR|CREAT|EXCL|RDONLY|WRONLY|TRUNC|APPEND|BINARY)[A-Z]+"
    r"|import (?:resource|signal|fcntl|termios|pwd|grp)\b|pass_fds=\[[^\]]*\]"
    r"|get_context\(\"fork\"\)|\bF_SETPIPE_SZ\b"
)
# (file, what) -> how it is guarded
GUARDED = {
    ("workbook/deflater.py", "os.pwrite"): "runs only in the child zipcopy.open_in_child starts, "
    "which returns None (deflate in process) unless os.name == 'posix' and os.pwrite exists",
    ("workbook/zipcopy.py", "os.pread"): "ChildMemberWriter only (the same guard)",
    ("workbook/zipcopy.py", "pass_fds=[fd]"): "open_in_child, after the same guard",
    ("workbook/child.py", "import fcntl"): "inside try/except ImportError (fcntl = None)",
    ("workbook/child.py", "F_SETPIPE_SZ"): "getattr(fcntl, 'F_SETPIPE_SZ', None): Linux only",
    ("interrupt.py", "import signal"): "only signal.signal(SIGINT, ...), which Windows has; "
    "held() runs the body unguarded off the main thread or where signal.signal raises",
}


def _uses() -> set[tuple[str, str]]:
    found = set()
    for path in PACKAGE.rglob("*.py"):
        for line in path.read_text(encoding="utf-8").splitlines():
            code = line.split("#", 1)[0]
            for match in POSIX_ONLY.finditer(code):
                found.add((path.relative_to(PACKAGE).as_posix(), match.group(0).strip()))
    return found


def test_every_posix_only_call_is_a_guarded_one() -> None:
    unguarded = _uses() - set(GUARDED)
    assert not unguarded, f"POSIX-only code without a listed Windows path: {sorted(unguarded)}"


def test_the_list_has_no_stale_entries() -> None:
    assert set(GUARDED) <= _uses()


def test_without_pwrite_the_sheet_is_deflated_in_process(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """What Windows gets: open_in_child declines, so the writer deflates in this process."""
    monkeypatch.delattr(zipcopy.os, "pwrite", raising=False)
    with (tmp_path / "x.zip").open("wb") as fh:
        assert zipcopy.ZipWriter(fh).open_in_child("xl/worksheets/sheet1.xml") is None


def test_without_fcntl_a_pipe_keeps_its_size(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(child, "fcntl", None)
    child.widen_pipe(None)  # type: ignore[arg-type]  # never touched when fcntl is missing
