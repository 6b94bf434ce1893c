"""Benchmark ``crmxl split`` (and a merge back) on 100k customers + 1M follow-ups, 50 owners.

    python benchmarks/bench_split.py                  # generate the workbook once, then measure
    python benchmarks/bench_split.py --workers 1      # one process (no worker pool)

The workbook is copied to a temporary folder first (split appends its records to the master's
变更日志). Prints the time of each stage (reading the master, writing the 50 workbooks, the
master's 变更日志), the total, the CPU time of this process and its workers, and the peak
resident memory of this process and of the largest worker (``getrusage``). Then it merges one
returned workbook back twice: untouched (nothing to write), and with three edits (the master
is patched in place through the safe write path).
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

HERE = Path(__file__).resolve().parent
DATA = HERE / "data" / "crm-100k.xlsx"
AS_OF = datetime(2026, 11, 20)


def cpu_seconds() -> float:
    me = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime


def edit(path: Path) -> None:
    """Three edits a salesperson makes: a stage, a phone, a new follow-up (openpyxl)."""
    import openpyxl

    wb = openpyxl.load_workbook(path)
    ws = wb["客户档案"]
    stage = next(c.column for c in ws[1] if str(c.value).startswith("合作阶段"))
    ws.cell(2, stage).value = "流失" if ws.cell(2, stage).value != "流失" else "意向"
    ws = wb["联系人"]
    mobile = next(c.column for c in ws[1] if c.value == "手机")
    ws.cell(2, mobile).value = "13900001111"
    ws = wb["跟进记录"]
    heads = {str(c.value).rstrip("*"): c.column for c in ws[1]}
    customer = wb["客户档案"].cell(2, 1).value
    row = ws.max_row + 1
    for name, value in (
        ("客户编号", customer),
        ("沟通日期", AS_OF),
        ("沟通方式", "电话"),
        ("沟通内容", "benchmark"),
        ("记录人", "bench"),
    ):
        ws.cell(row, heads[name]).value = value
    wb.save(path)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, default=DATA)
    ap.add_argument("--workers", type=int, default=None)
    ap.add_argument("--skip-merge", action="store_true")
    args = ap.parse_args()
    if not args.data.exists():
        sys.path.insert(0, str(HERE))
        from generate import generate

        generate(args.data, 100_000, 1_000_000)
    from crmxl.splitmerge.merge import merge
    from crmxl.splitmerge.split import split

    size = args.data.stat().st_size / 1e6
    print(f"workbook: {args.data} ({size:.1f} MB); {os.cpu_count()} cores")
    with tempfile.TemporaryDirectory(dir=args.data.parent) as tmp:
        master = Path(tmp) / "crm.xlsx"
        shutil.copy(args.data, master)
        marks: dict[str, float] = {}

        def progress(stage: str, done: int, total: int) -> None:
            marks.setdefault(stage, time.perf_counter())
            if stage == "write" and done == total:
                marks["written"] = time.perf_counter()

        cpu0, start = cpu_seconds(), time.perf_counter()
        result = split(
            [master], Path(tmp) / "out", as_of=AS_OF, workers=args.workers, progress=progress
        )
        total = time.perf_counter() - start
        cpu = cpu_seconds() - cpu0
        sizes = sum(f.path.stat().st_size for f in result.files) / 1e6
        print(f"split: {len(result.files)} workbooks, {sizes:.1f} MB in all")
        print(f"  read + select : {marks['write'] - marks['read']:6.1f} s")
        print(f"  write         : {marks['written'] - marks['write']:6.1f} s")
        print(f"  master log    : {marks['done'] - marks['written']:6.1f} s")
        print(f"  total         : {total:6.1f} s wall, {cpu:.1f} s CPU (this process + workers)")
        me = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024**2
        kids = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024**2
        # a spawned worker's figure includes the instant between fork and exec, when it still
        # maps this process's pages: it is this process's size, not the worker's
        print(f"  peak RSS      : {me:.2f} GB (this process), {kids:.2f} GB (workers, see note)")
        if args.skip_merge:
            return
        returned = result.files[0].path
        start = time.perf_counter()
        untouched = merge([master], [returned])
        print(
            f"merge untouched {returned.name}: {time.perf_counter() - start:.1f} s "
            f"({len(untouched.files[0].applied)} applied)"
        )
        edit(returned)
        start = time.perf_counter()
        edited = merge([master], [returned])
        report = edited.files[0]
        print(
            f"merge edited {returned.name}: {time.perf_counter() - start:.1f} s "
            f"({len(report.applied)} applied, {len(report.added)} added, "
            f"{len(report.rejected)} not taken)"
        )


if __name__ == "__main__":
    main()
