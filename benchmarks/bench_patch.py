"""How fast the safe write path patches a big sheet, and how much memory it takes.

Generates (once, cached in ``--data``) a 100k-row x 30-column customer sheet and a 1M-row x
8-column follow-up sheet with xlsxwriter's constant-memory mode (inline strings), then, each in
a fresh process so that its peak memory is its own, writes one or three columns of every row
with :class:`crmxl.workbook.WorkbookWriter` and saves in place (backup included). Prints wall
seconds (set_cell calls and save separately) and peak RSS.

    .venv/bin/python benchmarks/bench_patch.py            # all cases
    .venv/bin/python benchmarks/bench_patch.py --rows 100000 --cols 3
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

CASES = [(100_000, 30, 1), (100_000, 30, 3), (1_000_000, 8, 1), (1_000_000, 8, 3)]


def generate(path: Path, rows: int, cols: int) -> None:
    """A CRM-like sheet: ids, names, dates, amounts, enums."""
    import xlsxwriter

    wb = xlsxwriter.Workbook(str(path), {"constant_memory": True, "strings_to_numbers": False})
    ws = wb.add_worksheet("跟进记录")
    date_fmt = wb.add_format({"num_format": "yyyy-mm-dd"})
    ws.write_row(0, 0, [f"列{c}" for c in range(cols)])
    base = dt.date(2024, 1, 1)
    for r in range(1, rows + 1):
        for c in range(cols):
            kind = c % 5
            if kind == 0:
                ws.write_string(r, c, f"C{r:07d}")
            elif kind == 1:
                ws.write_string(r, c, f"客户{r % 997}有限公司")
            elif kind == 2:
                ws.write_datetime(r, c, base + dt.timedelta(days=r % 700), date_fmt)
            elif kind == 3:
                ws.write_number(r, c, (r * 37) % 100_000)
            else:
                ws.write_string(r, c, ("电话", "微信", "面谈")[r % 3])
    wb.close()


def run_one(path: Path, rows: int, cols: int, patch_cols: int, level: int) -> dict[str, float]:
    """Patch ``patch_cols`` columns of every data row (a new column, then existing cells) and
    save in place, deflating the sheet at ``level``."""
    from crmxl.workbook import WorkbookWriter, patch

    patch.SHEET_DEFLATE_LEVEL = level

    start = time.perf_counter()
    writer = WorkbookWriter(path)
    opened = time.perf_counter()
    tiers = ("A", "B", "C")
    due = dt.date(2026, 11, 23)
    for r in range(2, rows + 2):
        writer.set_cell("跟进记录", r, cols + 1, tiers[r % 3])  # a new column
        if patch_cols >= 2:
            writer.set_cell("跟进记录", r, cols - 1, due)  # an existing column
        if patch_cols >= 3:
            writer.set_cell("跟进记录", r, cols, r % 45)
    collected = time.perf_counter()
    report = writer.save()
    done = time.perf_counter()
    return {
        "open_s": round(opened - start, 2),
        "set_cell_s": round(collected - opened, 2),
        "save_s": round(done - collected, 2),
        "total_s": round(done - start, 2),
        "cells": report.cells_written,
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
        "size_mb": round(path.stat().st_size / 1e6, 1),
        "level": level,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=Path(tempfile.gettempdir()) / "crmxl-bench")
    parser.add_argument("--rows", type=int)
    parser.add_argument("--cols", type=int, help="columns to patch (1 or 3)")
    parser.add_argument("--level", type=int, default=None, help="deflate level (default: crmxl's)")
    parser.add_argument("--child", nargs=5, metavar=("PATH", "ROWS", "COLS", "PATCH", "LEVEL"))
    args = parser.parse_args()
    if args.child:
        path, rows, cols, patch, level = args.child
        print(json.dumps(run_one(Path(path), int(rows), int(cols), int(patch), int(level))))
        return
    from crmxl.workbook.patch import SHEET_DEFLATE_LEVEL

    level = args.level if args.level is not None else SHEET_DEFLATE_LEVEL
    args.data.mkdir(parents=True, exist_ok=True)
    for rows, cols, patch in CASES:
        if (args.rows and rows != args.rows) or (args.cols and patch != args.cols):
            continue
        source = args.data / f"sheet-{rows}x{cols}.xlsx"
        if not source.exists():
            t = time.perf_counter()
            generate(source, rows, cols)
            print(f"generated {source} in {time.perf_counter() - t:.0f} s", file=sys.stderr)
        work = args.data / "work" / source.name
        shutil.rmtree(work.parent, ignore_errors=True)
        work.parent.mkdir()
        shutil.copy(source, work)
        command = [sys.executable, __file__, "--child", str(work), str(rows), str(cols)]
        command += [str(patch), str(level)]
        out = subprocess.run(command, capture_output=True, text=True, check=True)
        result = json.loads(out.stdout)
        print(f"{rows:>9,} rows x {cols} cols, {patch} column(s) patched: {json.dumps(result)}")


if __name__ == "__main__":
    main()
