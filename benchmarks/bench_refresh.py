"""Benchmark ``crmxl refresh`` on 100k customers + 1M follow-ups, against openpyxl.

    python benchmarks/bench_refresh.py                 # generate (once), then measure
    python benchmarks/bench_refresh.py --skip-openpyxl # crmxl only (openpyxl takes minutes)

Each measurement runs in a child process, timed by wall clock, with the child's peak resident
memory from ``getrusage(RUSAGE_CHILDREN)``. It measures:

1. the first refresh of a never-refreshed workbook (every (auto) cell is written: ~1.8M cells);
2. a second refresh with the same ``--as-of`` (nothing changes; nothing is written);
3. the weekly run: ``--as-of`` a week later (days overdue, statuses and churn text move on
   ~100k customers; the follow-up log is copied untouched);
4. openpyxl ``load_workbook`` + ``save`` of the same file (what a naive tool would do),

and prints the ratio of 4 to 1 and to 3. Targets (issue 3): refresh ≤ 20 s and ≤ 1.5 GB; ≥ 20× faster.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
DATA = HERE / "data" / "crm-100k.xlsx"
AS_OF = "2026-11-20"
WEEK_LATER = "2026-11-27"


# Runs ``python -m MODULE ARGS`` and prints the child's own peak RSS (KB) as its last stderr line.
WRAP = (
    "import resource, runpy, sys\n"
    "sys.argv = sys.argv[1:]\n"
    "code = 0\n"
    "try:\n"
    "    runpy.run_module(sys.argv[0], run_name='__main__', alter_sys=True)\n"
    "except SystemExit as e:\n"
    "    code = e.code if isinstance(e.code, int) else 0\n"
    "print('RSS', resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, file=sys.stderr)\n"
    "sys.exit(code)\n"
)


def _tree_rss(pid: int) -> int:
    """Resident KB of process ``pid`` and all its descendants (Linux /proc; else 0)."""
    total, todo = 0, [pid]
    while todo:
        p = todo.pop()
        try:
            with open(f"/proc/{p}/status") as fh:
                total += next((int(line.split()[1]) for line in fh if line.startswith("VmRSS")), 0)
            for task in os.listdir(f"/proc/{p}/task"):
                with open(f"/proc/{p}/task/{task}/children") as fh:
                    todo += [int(c) for c in fh.read().split()]
        except (OSError, ValueError):
            continue
    return total


def measure(args: list[str], timeout: float | None = None) -> tuple[float, float, int, float]:
    """(seconds, peak RSS in GB, exit code, peak RSS of it and its children together in GB,
    sampled every 50 ms) of ``python -m MODULE ARGS`` in a child process."""
    env = dict(
        os.environ, PYTHONPATH=os.pathsep.join([str(HERE), os.environ.get("PYTHONPATH", "")])
    )
    # stderr goes to a file, not a pipe: polling does not read, and a full pipe would stall it
    with tempfile.TemporaryFile("w+") as log:
        start = time.perf_counter()
        proc = subprocess.Popen(
            [sys.executable, "-c", WRAP, *args],
            stdout=subprocess.DEVNULL,
            stderr=log,
            text=True,
            env=env,
        )
        tree = 0
        while proc.poll() is None:
            tree = max(tree, _tree_rss(proc.pid))
            if timeout is not None and time.perf_counter() - start > timeout:
                proc.kill()
                proc.wait()
                raise subprocess.TimeoutExpired(args, timeout)
            time.sleep(0.05)
        seconds = time.perf_counter() - start
        log.seek(0)
        err = log.read()
    lines = err.strip().splitlines()
    rss = int(lines[-1].split()[1]) if lines and lines[-1].startswith("RSS") else 0
    if proc.returncode not in (0, 1):
        print(err, file=sys.stderr)
    return seconds, rss / 1024**2, proc.returncode, max(tree, rss) / 1024**2


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, default=DATA)
    ap.add_argument("--customers", type=int, default=100_000)
    ap.add_argument("--follow-ups", type=int, default=1_000_000)
    ap.add_argument("--skip-openpyxl", action="store_true")
    ap.add_argument("--openpyxl-timeout", type=float, default=1800)
    args = ap.parse_args()
    if not args.data.exists():
        sys.path.insert(0, str(HERE))
        from generate import generate

        generate(args.data, args.customers, args.follow_ups)
    size = args.data.stat().st_size / 1e6
    print(f"workbook: {args.data} ({size:.1f} MB); {os.cpu_count()} cores")
    with tempfile.TemporaryDirectory(dir=args.data.parent) as tmp:
        work = Path(tmp) / "crm.xlsx"
        shutil.copy(args.data, work)
        crmxl = ["crmxl", "refresh", str(work), "--as-of", AS_OF, "--no-backup"]
        first, first_gb, code, first_all = measure(crmxl)
        print(
            f"refresh, first run (all computed cells written): {first:6.1f} s  "
            f"peak {first_gb:.2f} GB (with its children {first_all:.2f} GB)  exit {code}"
        )
        second, second_gb, code, second_all = measure(crmxl)
        print(
            f"refresh, second run (nothing to change):          {second:6.1f} s  "
            f"peak {second_gb:.2f} GB (with its children {second_all:.2f} GB)  exit {code}"
        )
        week = [*crmxl[:3], "--as-of", WEEK_LATER, "--no-backup"]
        weekly, weekly_gb, code, weekly_all = measure(week)
        print(
            f"refresh a week later (overdue days, statuses move):  {weekly:6.1f} s  "
            f"peak {weekly_gb:.2f} GB (with its children {weekly_all:.2f} GB)  exit {code}"
        )
        dry, *_ = measure([*crmxl, "--dry-run"])
        print(f"refresh --dry-run:                                {dry:6.1f} s")
        if not args.skip_openpyxl:
            out = Path(tmp) / "openpyxl.xlsx"
            try:
                naive, naive_gb, code, _ = measure(
                    ["naive_openpyxl", str(args.data), str(out)], timeout=args.openpyxl_timeout
                )
            except subprocess.TimeoutExpired:
                print(f"openpyxl load + save: over {args.openpyxl_timeout:.0f} s (stopped)")
            else:
                print(
                    f"openpyxl load + save (same file):                 {naive:6.1f} s  "
                    f"peak {naive_gb:.2f} GB"
                )
                print(
                    f"ratio: the first refresh is {naive / first:.0f}× and the weekly one "
                    f"{naive / weekly:.0f}× faster than openpyxl load+save"
                )


if __name__ == "__main__":
    main()
