"""Ctrl-C: a message in the user's language that tells the truth, exit 130, nothing partial.

A real ``crmxl refresh`` of a 2,000-customer workbook (the ``big_workbook`` fixture) runs with its
standard error on a terminal, so its progress bar shows the stage it is in; when the bar shows
the stage under test, SIGINT goes to its whole process group, as Ctrl-C in a terminal does.
Then: exit 130; the message is the interrupt message in the user's language; if it says nothing
was written the workbook is byte for byte the old one, and if it names the workbook, the
workbook is the refreshed one (its computed columns filled in); no temporary file is left.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import time
from pathlib import Path

import openpyxl
import pytest
import ttykit
from click.testing import CliRunner

from crmxl import interrupt
from crmxl.cli import cli, interrupted_message
from crmxl.i18n import t
from crmxl.workbook.fileops import replace_file

pytestmark = pytest.mark.skipif(
    not hasattr(os, "killpg"), reason="signals a process group (POSIX terminals)"
)


def _ctrl_c(proc: subprocess.Popen[bytes]) -> bool:
    """Ctrl-C to the process group, at this very moment: stopped first, so that where it
    is when we look is where the signal finds it. False when it had already finished."""
    os.killpg(proc.pid, signal.SIGSTOP)
    if proc.poll() is not None:
        return False
    os.killpg(proc.pid, signal.SIGINT)
    os.killpg(proc.pid, signal.SIGCONT)
    return True


def _refresh_interrupted(path: Path, old: bytes, lang: str, when: str) -> ttykit.Run:
    """``crmxl refresh PATH`` with Ctrl-C when its bar shows ``when`` (a stage's label), or,
    with ``when="temp"``, as soon as its temporary file exists, with ``when="replaced"`` as
    soon as the new workbook has taken the old one's name. A run that finished before
    the signal could reach it (refresh's own exit, 0 or 1 for findings: all written) is tried
    again: a loaded machine may read its output late, and signal a process already on its
    way out."""
    state = {"sent": False, "late": False, "inode": path.stat().st_ino}
    for _ in range(4):
        state.update(sent=False, late=False)

        def watch(proc: subprocess.Popen[bytes], stdout: str, stderr: str) -> None:
            if state["sent"] or state["late"]:
                return
            if when == "temp":
                due = any("crmxl-tmp" in p.name for p in path.parent.iterdir())
            elif when == "replaced":
                due = path.stat().st_ino != state["inode"]
            else:
                due = when in stderr
            if due:
                state["sent"] = _ctrl_c(proc)
                state["late"] = not state["sent"]

        args = ["refresh", str(path), "--as-of", "2026-11-20", "--lang", lang]
        run = ttykit.crmxl(args, stderr="tty", watch=watch)
        if state["sent"] and run.returncode not in (0, 1):
            return run
        # it finished before the signal (or the signal found it exiting: all done then)
        assert state["sent"] or state["late"], f"never saw {when!r}: {run.stderr!r}"
        path.write_bytes(old)
        state["inode"] = path.stat().st_ino
    raise AssertionError(f"crmxl finished before every Ctrl-C at {when!r}")


def _tier_filled(path: Path) -> bool:
    ws = openpyxl.load_workbook(path, read_only=True)["客户档案"]
    rows = ws.iter_rows(min_row=1, max_row=3, values_only=True)
    header = [str(h or "") for h in next(rows)]
    col = next(i for i, h in enumerate(header) if h.startswith("客户等级"))
    return all(row[col] for row in rows)


@pytest.mark.parametrize(
    ("lang", "when"),
    [
        ("zh", "读取"),
        ("zh", "计算"),
        ("zh", "写入"),
        ("zh", "temp"),
        ("en", "Computing"),
        ("en", "temp"),
        ("zh", "replaced"),
        ("en", "replaced"),
    ],
)
def test_ctrl_c_during_refresh_tells_the_truth(
    big_workbook: Path, tmp_path: Path, lang: str, when: str
) -> None:
    path = tmp_path / "crm.xlsx"
    shutil.copy(big_workbook, path)
    old = path.read_bytes()
    run = _refresh_interrupted(path, old, lang, when)
    assert run.returncode == 130, run.stderr
    assert "Traceback" not in run.stderr and "Aborted" not in run.stderr
    last = run.stderr.replace("\r", "\n").strip().splitlines()[-1]
    if last == t("interrupted", lang):
        assert when != "replaced" and path.read_bytes() == old
    else:
        assert last == t("interrupted-after", lang, paths=str(path))
        assert path.read_bytes() != old and _tier_filled(path)
    assert [p.name for p in tmp_path.iterdir() if "tmp" in p.name] == []
    time.sleep(0.5)  # the children of the process group go with it
    with pytest.raises(ProcessLookupError):
        os.killpg(run.pid, 0)


def test_a_finished_write_is_named_in_the_message(tmp_path: Path) -> None:
    done = tmp_path / "a.xlsx"
    (tmp_path / "tmp").write_bytes(b"x")
    (tmp_path / "refused").write_bytes(b"x")
    interrupt.forget()
    with pytest.raises(FileNotFoundError):  # a rename that fails notes nothing
        replace_file(tmp_path / "missing", tmp_path / "refused")
    replace_file(tmp_path / "tmp", done)
    assert interrupt.written() == [done]
    assert interrupted_message("zh") == t("interrupted-after", "zh", paths=str(done))
    interrupt.forget()
    assert interrupted_message("en") == "Interrupted; nothing was written"


def test_ctrl_c_held_off_during_the_rename_is_raised_after_it(tmp_path: Path) -> None:
    (tmp_path / "new").write_bytes(b"new")
    (tmp_path / "dest").write_bytes(b"old")
    interrupt.forget()
    with pytest.raises(KeyboardInterrupt), interrupt.held():
        os.kill(os.getpid(), signal.SIGINT)  # arrives while held: noted, not raised yet
        os.replace(tmp_path / "new", tmp_path / "dest")
        reached = True
    assert reached and (tmp_path / "dest").read_bytes() == b"new"


def test_cli_interrupt_message_is_in_the_users_language(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    def stop(*args: object, **kwargs: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr("crmxl.commands.validate.validate", stop)
    zh = CliRunner().invoke(cli, ["validate", str(tmp_path / "x.xlsx")])
    en = CliRunner().invoke(cli, ["--lang", "en", "validate", str(tmp_path / "x.xlsx")])
    assert (zh.exit_code, en.exit_code) == (130, 130)
    assert zh.output.strip() == "已中断，未写入任何内容"
    assert en.output.strip() == "Interrupted; nothing was written"
