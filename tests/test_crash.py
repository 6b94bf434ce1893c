"""Killed at any moment, the file is old or new, never broken (issue 15.6).

``refresh`` and ``merge`` run on a workbook of 2,000 customers (benchmarks/generate.py) and are
killed with SIGKILL (the whole process group: crmxl and its child processes) at random moments:
a third of them anywhere in the run, a third while it writes (after its temporary file
appears), a third within 50 ms after its last check before the replace (the test hook's event).
After each kill:

- the workbook is byte for byte the old one, or the new one (what the same command writes when
  it is not killed; for ``merge``, whose 变更日志 rows carry the time of the run, every part but
  those time cells);
- every backup is whole (byte for byte the old workbook): a killed run never leaves a partial
  backup under a backup's name;
- no run ever found the lock taken (a killed run's lock is free at once).

Then one more run, not killed, succeeds: the workbook is the new one and nothing partial is left
(no temporary file beside it or among the backups; at most ten backups). The old and the new
workbook each open in openpyxl (a file identical to one of them opens as it does).

``CRMXL_KILL_POINTS`` sets how many kills (default 16 for refresh, 12 for merge) and
``CRMXL_KILL_SEED`` the random seed (printed with any failure).
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import io
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import time
import zipfile
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path

import openpyxl
import pytest
from prockit import backups, finish, release, start, temps, wait_until
from splitkit import edit, get, put, rows

from crmxl.splitmerge.split import split
from crmxl.workbook.package import Package

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
from generate import generate, owners

pytestmark = pytest.mark.skipif(
    not hasattr(os, "killpg"), reason="kills a process group with SIGKILL (POSIX)"
)

AS_OF = "2026-11-20"
SEED = int(os.environ.get("CRMXL_KILL_SEED", str(int(time.time()) % 100_000)))
POINTS = int(os.environ["CRMXL_KILL_POINTS"]) if os.environ.get("CRMXL_KILL_POINTS") else None


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("generated")
    return generate(folder / "crm.xlsx", 2000, 6000, 20)


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


class Run:
    """One command on one workbook, run to the end once to learn what it writes and when."""

    def __init__(self, folder: Path, args: list[str | Path], same: Callable[[bytes], bool]) -> None:
        self.folder, self.args, self.same_as_new = folder, args, same
        self.path = folder / "crm.xlsx"
        self.old = self.path.read_bytes()
        self.flag = folder.parent / f"{folder.name}-barrier"
        self.flag.mkdir()
        release(self.flag)  # no pauses: the hook only reports a lock found taken ("waiting")
        self.opened: set[str] = set()

    def launch(self) -> subprocess.Popen[str]:
        return start(self.args, barrier=self.flag, new_session=True)

    def restore(self) -> None:
        """The workbook back to the old bytes (as if the user had it so again)."""
        if self.path.read_bytes() != self.old:
            tmp = self.folder / "restore.part"
            tmp.write_bytes(self.old)
            os.replace(tmp, self.path)

    def check(self, when: str) -> str:
        """Old or new, whole backups; returns which."""
        data = self.path.read_bytes()
        state = "old" if data == self.old else "new" if self.same_as_new(data) else "broken"
        assert state != "broken", f"{when}: the workbook is neither old nor new (seed {SEED})"
        if sha(data) not in self.opened:
            openpyxl.load_workbook(self.path, read_only=True).close()
            self.opened.add(sha(data))
        for backup in backups(self.folder):
            assert backup.read_bytes() == self.old, f"{when}: partial backup {backup.name}"
        waited = [p.name for p in self.flag.iterdir() if p.name.startswith("waiting.")]
        assert not waited, f"{when}: a run found the lock taken (seed {SEED})"
        return state


def writing_or_done(run: Run, proc: subprocess.Popen[str]) -> bool:
    return bool(temps(run.folder)) or proc.poll() is not None


def calibrate(run: Run) -> tuple[float, float, int]:
    """Run once to the end: seconds until its temporary file appears, seconds in all, exit."""
    started = time.monotonic()
    proc = run.launch()
    seen = wait_until(functools.partial(writing_or_done, run, proc), step=0.005)
    appeared = time.monotonic() - started if seen and temps(run.folder) else 0.0
    code, text = finish(proc)
    assert code in (0, 1) and "Traceback" not in text, text
    return appeared, time.monotonic() - started, code


def kill_many(run: Run, points: int) -> dict[str, int]:
    rnd = random.Random(SEED)
    appeared, total, code = calibrate(run)
    new = run.path.read_bytes()
    assert new != run.old and run.same_as_new(new)
    outcomes = {"old": 0, "new": 0, "while writing": 0, "around the replace": 0}
    for i in range(points):
        run.restore()
        proc = run.launch()
        started = time.monotonic()
        if i % 3 == 1:  # while it writes: after its temporary file appears
            wait_until(functools.partial(writing_or_done, run, proc), step=0.002)
            outcomes["while writing"] += proc.poll() is None and bool(temps(run.folder))
            time.sleep(rnd.uniform(0, max(total - appeared, 0.05)))
        elif i % 3 == 2:  # around the replace: within 50 ms of the hook's last event
            replacing = run.flag / f"replace.{proc.pid}"
            wait_until(lambda: replacing.exists() or proc.poll() is not None, step=0.001)  # noqa: B023
            outcomes["around the replace"] += replacing.exists()
            time.sleep(rnd.uniform(0, 0.05))
        else:  # anywhere
            time.sleep(max(rnd.uniform(0, total) - (time.monotonic() - started), 0))
        with contextlib.suppress(ProcessLookupError):  # it may have ended just before
            os.killpg(proc.pid, signal.SIGKILL)
        proc.communicate()
        outcomes[run.check(f"kill {i} after {time.monotonic() - started:.2f}s")] += 1
    run.restore()
    code_after, text = finish(run.launch())  # the next run, not killed
    assert code_after == code and "Traceback" not in text, text
    assert run.path.read_bytes() == run.old or run.same_as_new(run.path.read_bytes())
    assert run.check("the last run") == "new"
    assert temps(run.folder) == [] and len(backups(run.folder)) <= 10
    assert outcomes["while writing"] and outcomes["around the replace"], outcomes
    return outcomes


@pytest.mark.slow
def test_refresh_killed_at_any_moment(generated: Path, tmp_path: Path) -> None:
    folder = tmp_path / "refresh"
    folder.mkdir()
    shutil.copyfile(generated, folder / "crm.xlsx")
    reference: dict[str, bytes] = {}

    def same(data: bytes) -> bool:  # refresh with --as-of writes the same bytes every time
        return data == reference.setdefault("new", data)

    run = Run(folder, ["refresh", folder / "crm.xlsx", "--as-of", AS_OF], same)
    outcomes = kill_many(run, POINTS or 16)
    print(f"refresh kills (seed {SEED}): {outcomes}")


_TIME_CELL = re.compile(rb'(<c r="A\d+"[^>]*>)<v>[^<]*</v>')


def members(data: bytes, masked: str | None = None) -> dict[str, bytes]:
    """Every part's bytes (uncompressed); in ``masked``, the A column's values blanked."""
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        out = {i.filename: zf.read(i) for i in zf.infolist()}
    if masked is not None:
        out[masked] = _TIME_CELL.sub(rb"\1<v/>", out[masked])
    return out


@pytest.mark.slow
def test_merge_killed_at_any_moment(generated: Path, tmp_path: Path) -> None:
    folder = tmp_path / "merge"
    folder.mkdir()
    master = folder / "crm.xlsx"
    shutil.copyfile(generated, master)
    who = owners(20)[0]
    when = datetime(2026, 11, 20)
    rep = split([master], tmp_path / "out", owners=[who], as_of=when, backup=False).files[0]

    def follow_up(wb: openpyxl.Workbook) -> None:
        customers, log = wb["客户档案"], wb["跟进记录"]
        new = log.max_row + 1
        for key, value in {
            "customer_id": get(customers, next(rows(customers)), "customer_id"),
            "date": datetime(2026, 11, 20) - timedelta(hours=14),
            "channel": "电话",
            "summary": "断电测试：回访",
            "recorded_by": who,
        }.items():
            put(log, new, key, value)

    edit(rep.path, follow_up)
    with Package(master) as pkg:
        changelog = next(s.part for s in pkg.sheets if s.name == "变更日志")
    reference: dict[str, dict[str, bytes]] = {}

    def same(data: bytes) -> bool:  # every part the same, but the time of the run in 变更日志
        parts = members(data, changelog)
        return parts == reference.setdefault("new", parts)

    run = Run(folder, ["merge", master, rep.path], same)
    outcomes = kill_many(run, POINTS or 12)
    print(f"merge kills (seed {SEED}): {outcomes}")
