"""Two writers at once lose nothing (issue 15.5): crmxl's write lock, with real processes.

Every command that writes holds an OS-level lock on the workbook from its read to its replace.
The tests start two real crmxl processes on the same master. The first is stopped by the test
hook between its last check and its replace (``CRMXL_TEST_BARRIER``: it announces
``replace.PID`` and waits for ``go-replace``); the second starts then. Either the second waits
and runs after the first (both changes are in the file), or it gives up after its wait
(``CRMXL_LOCK_TIMEOUT``) with exit 1, "另一个 crmxl 正在写入", and nothing written.
Without the lock, both would pass their checks and the second replace would drop the first's
changes while both report "saved".
"""

from __future__ import annotations

import csv
import shutil
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import openpyxl
import pytest
from prockit import backups, event, finish, release, start, temps, wait_until
from splitkit import AS_OF, cells, diff, edit, get, put, rows, sample_master

import crmxl.workbook.lock as lock_module
from crmxl.errors import WriteRefusedError
from crmxl.splitmerge.merge import merge
from crmxl.splitmerge.split import split
from crmxl.workbook import WorkbookWriter, check_not_open, locked
from crmxl.workbook.fileops import BACKUP_DIR, remove_stale_temps
from crmxl.workbook.lock import holds_lock, lock_path, wait_seconds
from crmxl.workbook.save import (
    excel_lock_path,
    libreoffice_lock_path,
    wps_linux_lock_path,
)

REPS = ("李娜", "陈静")
LEADS = ("苏州锁测一号电子有限公司", "苏州锁测二号电子有限公司")
LOG = "变更日志"


def note(rep: str) -> str:
    return f"锁测试：{rep}的回访"


def add_follow_up(path: Path, rep: str) -> None:
    """The rep logs one follow-up (a new row, a text found nowhere else) in their workbook."""

    def change(wb: openpyxl.Workbook) -> None:
        customers, follow_ups = wb["客户档案"], wb["跟进记录"]
        customer = get(customers, next(rows(customers)), "customer_id")
        new = follow_ups.max_row + 1
        for key, value in {
            "customer_id": customer,
            "date": AS_OF - timedelta(hours=14),
            "channel": "电话",
            "summary": note(rep),
            "recorded_by": rep,
        }.items():
            put(follow_ups, new, key, value)

    edit(path, change)


@pytest.fixture(scope="module")
def made(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A sample master split for two reps, each rep's workbook with one new follow-up."""
    folder = tmp_path_factory.mktemp("made")
    master = sample_master(folder / "m", folder)
    result = split([master], folder / "out", owners=list(REPS), as_of=AS_OF)
    for f in result.files:
        add_follow_up(f.path, f.owner)
    return folder


@pytest.fixture
def book(made: Path, tmp_path: Path) -> dict[str, Path]:
    """This test's copies: the master and the two returned workbooks."""
    master = tmp_path / "crm.xlsx"
    shutil.copyfile(made / "m" / "crm.xlsx", master)
    out = {"master": master}
    for rep in REPS:
        out[rep] = tmp_path / f"{rep}.xlsx"
        shutil.copyfile(made / "out" / f"{rep}.xlsx", out[rep])
    return out


def summaries(master: Path) -> list[str]:
    ws = openpyxl.load_workbook(master, read_only=True)["跟进记录"]
    return [str(v) for row in ws.iter_rows(values_only=True) for v in row if v]


def leads(master: Path) -> list[tuple[str, str]]:
    """(公司名称, 线索状态) of every lead."""
    ws = openpyxl.load_workbook(master)["线索"]
    return [(get(ws, r, "company"), get(ws, r, "status")) for r in rows(ws)]


def barrier(tmp_path: Path) -> Path:
    folder = tmp_path / "barrier"
    folder.mkdir()
    return folder


def paused_first(args: list[str | Path], flag: Path) -> subprocess.Popen[str]:
    """Start the first writer and wait until it holds the lock, paused before its replace."""
    first = start(args, barrier=flag)
    assert wait_until(lambda: event(flag, "replace", first).exists() or first.poll() is not None)
    assert first.poll() is None, finish(first)[1]
    return first


# -- two merges ----------------------------------------------------------------------------


def test_a_second_merge_waits_and_both_changes_are_kept(book: dict[str, Path], tmp_path) -> None:
    master, flag = book["master"], barrier(tmp_path)
    first = paused_first(["merge", master, book[REPS[0]]], flag)
    second = start(["merge", master, book[REPS[1]]], barrier=flag, wait=120)
    # The second is stopped by the lock, not by the hook: it says it waits, and gets no further.
    assert wait_until(lambda: event(flag, "waiting", second).exists() or second.poll() is not None)
    assert second.poll() is None and not event(flag, "replace", second).exists()
    release(flag)
    for proc in (first, second):
        code, text = finish(proc)
        assert code == 0, text
    found = summaries(master)
    assert note(REPS[0]) in found and note(REPS[1]) in found
    assert len(backups(master.parent)) == 2 and temps(master.parent) == []


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_a_second_merge_that_cannot_wait_refuses_and_writes_nothing(
    book: dict[str, Path], tmp_path: Path, lang: str
) -> None:
    master, flag = book["master"], barrier(tmp_path)
    first = paused_first(["merge", master, book[REPS[0]]], flag)
    held = master.read_bytes()
    second = start(["merge", master, book[REPS[1]]], barrier=flag, wait=0.5, lang=lang)
    code, text = finish(second)
    assert code == 1 and not event(flag, "replace", second).exists()
    said = "另一个 crmxl 正在写入" if lang == "zh" else "another crmxl is writing"
    assert said in text and "crm.xlsx" in text and "Traceback" not in text
    assert master.read_bytes() == held  # the second wrote nothing; the first has not replaced
    release(flag)
    code, text = finish(first)
    assert code == 0, text
    found = summaries(master)
    assert note(REPS[0]) in found and note(REPS[1]) not in found
    assert len(backups(master.parent)) == 1 and temps(master.parent) == []


# -- refresh and merge; import and assign ---------------------------------------------------


def test_refresh_and_merge_at_once_keep_both(book: dict[str, Path], tmp_path: Path) -> None:
    master, flag = book["master"], barrier(tmp_path)
    alone = tmp_path / "alone" / "crm.xlsx"  # what refresh writes when it runs by itself
    alone.parent.mkdir()
    shutil.copyfile(master, alone)
    as_of = (AS_OF + timedelta(days=30)).date().isoformat()
    code, text = finish(start(["refresh", alone, "--as-of", as_of, "--no-backup"]))
    assert code in (0, 1), text
    by_refresh = diff(cells(master), cells(alone))
    assert len(by_refresh) > 50  # thirty days on: days overdue, statuses, ...
    first = paused_first(["refresh", master, "--as-of", as_of], flag)
    second = start(["merge", master, book[REPS[0]]], barrier=flag, wait=120)
    assert wait_until(lambda: event(flag, "waiting", second).exists() or second.poll() is not None)
    release(flag)
    assert finish(first)[0] in (0, 1) and finish(second)[0] == 0
    after = cells(master)
    kept = {k: after.get(k) for k in by_refresh if k[0] != LOG}
    assert kept == {k: v[1] for k, v in by_refresh.items() if k[0] != LOG}
    assert note(REPS[0]) in summaries(master)


def test_import_and_assign_at_once_keep_both(book: dict[str, Path], tmp_path: Path) -> None:
    master, flag = book["master"], barrier(tmp_path)
    waiting = [lead for lead in leads(master) if lead[1] == "待分配"]
    assert waiting  # the sample has leads for assign to hand out
    src = tmp_path / "leads.csv"
    with src.open("w", encoding="utf-8-sig", newline="") as fh:
        out = csv.writer(fh)
        out.writerow(["获取时间", "来源", "公司名称", "联系人", "电话", "区域", "行业"])
        for n, company in enumerate(LEADS):
            out.writerow(["2026-11-19 09:30", "展会", company, "王五", f"1390077{n:04d}", "华东", "制造业"])  # fmt: skip
    first = paused_first(["import", src, "--into", master, "--sheet", "线索"], flag)
    second = start(["assign", master, "--as-of", AS_OF.isoformat()], barrier=flag, wait=120)
    assert wait_until(lambda: event(flag, "waiting", second).exists() or second.poll() is not None)
    release(flag)
    code, text = finish(first)
    assert code == 0, text
    code, text = finish(second)
    assert code in (0, 1), text
    after = leads(master)
    assert {company for company, _ in after} >= set(LEADS)  # the import is there
    left = [lead for lead in after if lead[1] == "待分配" and lead[0] not in LEADS]
    assert len(left) < len(waiting)  # and so is the assignment, made after it


# -- the lock itself ------------------------------------------------------------------------


HOLD = "import sys, time; from crmxl.workbook import locked\nwith locked([sys.argv[1]]):\n    print('held', flush=True); time.sleep(float(sys.argv[2]))\n"  # fmt: skip


def holder(path: Path, seconds: float) -> subprocess.Popen[str]:
    proc = subprocess.Popen(
        [sys.executable, "-c", HOLD, str(path), str(seconds)],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None and proc.stdout.readline().strip() == "held"
    return proc


def test_a_lock_held_by_a_killed_process_is_free(book: dict[str, Path]) -> None:
    master = book["master"]
    proc = holder(master, 600)
    with pytest.raises(WriteRefusedError) as info, locked([master], wait=0.2):
        pass
    assert info.value.code == "file-being-written"
    proc.kill()  # SIGKILL: no clean-up runs in the holder
    proc.wait()
    code, text = finish(start(["refresh", master, "--as-of", "2026-11-20"], wait=0))
    assert code in (0, 1) and "另一个 crmxl 正在写入" not in text, text
    assert "Traceback" not in text


def test_the_lock_file_is_no_editors_lock_file(book: dict[str, Path]) -> None:
    master = book["master"]
    with locked([master]):
        assert holds_lock(master)
        check_not_open(master)  # our own lock file is not mistaken for an editor's
    ours = lock_path(master)
    assert ours.name == ".crm.xlsx.crmxl-lock" and ours.parent == master.parent
    editors = {excel_lock_path(master), libreoffice_lock_path(master), wps_linux_lock_path(master)}
    assert ours not in editors and not ours.name.startswith(("~$", ".~"))
    assert not holds_lock(master)


def test_locks_are_reentrant_in_a_process_and_released_on_errors(book: dict[str, Path]) -> None:
    master = book["master"]
    with pytest.raises(RuntimeError), locked([master]), locked([master, master]):
        assert holds_lock(master)
        raise RuntimeError("a bug")
    assert not holds_lock(master)
    proc = holder(master, 0)  # another process gets it at once
    assert proc.wait(timeout=60) == 0


def test_a_save_inside_a_held_lock_does_not_wait_for_itself(book: dict[str, Path]) -> None:
    master = book["master"]
    with locked([master], wait=0):
        writer = WorkbookWriter(master)
        ws = openpyxl.load_workbook(master, read_only=True)["客户档案"]
        notes = next(ws.iter_rows(max_row=1, values_only=True)).index("备注") + 1
        writer.set_cell("客户档案", 2, notes, "锁内保存")
        assert writer.save().cells_written == 1


def test_the_wait_comes_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CRMXL_LOCK_TIMEOUT", "0.25")
    assert wait_seconds() == 0.25
    for bad in ("", "soon", "-1"):
        monkeypatch.setenv("CRMXL_LOCK_TIMEOUT", bad)
        assert wait_seconds() == 5.0


def test_stale_temporary_files_go_only_by_our_pattern(tmp_path: Path) -> None:
    book = tmp_path / "crm.xlsx"
    book.write_bytes(b"workbook")
    (tmp_path / BACKUP_DIR).mkdir()
    stale = [tmp_path / ".crm.crmxl-tmp-0a1b2c3d.xlsx", tmp_path / BACKUP_DIR / ".crm.crmxl-tmp-deadbeef.xlsx"]  # fmt: skip
    kept = [
        tmp_path / ".crm.crmxl-tmp-0a1b2c3d.xlsm",  # another workbook's (crm.xlsm)
        tmp_path / ".other.crmxl-tmp-0a1b2c3d.xlsx",
        tmp_path / ".crm.crmxl-tmp-notours.xlsx",
        tmp_path / "crm.crmxl-tmp-0a1b2c3d.xlsx",
        tmp_path / "~$crm.xlsx",
    ]
    for path in stale + kept:
        path.write_bytes(b"partial")
    with locked([book]):  # the first hold of a workbook removes what a killed run left
        pass
    assert [p.exists() for p in stale] == [False, False]
    assert all(p.exists() for p in kept)
    assert remove_stale_temps(book) == []


def test_the_library_holds_the_lock_too(
    book: dict[str, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    master = book["master"]
    monkeypatch.setenv("CRMXL_LOCK_TIMEOUT", "0.2")
    proc = holder(master, 600)
    try:
        with pytest.raises(WriteRefusedError) as info:
            merge([master], [book[REPS[0]]])
        assert info.value.code == "file-being-written"
        assert note(REPS[0]) not in summaries(master)
    finally:
        proc.kill()
        proc.wait()


def test_dry_runs_take_no_lock(book: dict[str, Path]) -> None:
    master = book["master"]
    proc = holder(master, 600)
    try:
        code, text = finish(start(["merge", master, book[REPS[0]], "--dry-run"], wait=0))
        assert code == 0 and "另一个 crmxl" not in text, text
    finally:
        proc.kill()
        proc.wait()


@pytest.mark.parametrize(
    ("error", "refused"),
    [
        (OSError(38, "Function not implemented"), False),  # a file system without OS locks
        (PermissionError(13, "Permission denied"), False),  # a folder this user cannot write
        (FileNotFoundError(2, "No such file or directory"), True),
    ],
    ids=["no-os-locks", "folder-not-writable", "no-folder"],
)
def test_where_no_lock_can_be_taken(
    book: dict[str, Path], monkeypatch: pytest.MonkeyPatch, error: OSError, refused: bool
) -> None:
    class NoLocks:
        def __init__(self, *args: object, **kwargs: object) -> None:
            pass

        def acquire(self, **kwargs: object) -> None:
            raise error

    monkeypatch.setattr(lock_module, "FileLock", NoLocks)
    master = book["master"]
    if refused:
        with pytest.raises(WriteRefusedError) as info, locked([master]):
            pass
        assert info.value.code == "write-failed"
    else:
        with locked([master]):  # the run goes on; the fingerprint check guards its save
            assert holds_lock(master)
    assert not holds_lock(master)
