"""What leaving rule inputs in error out of the rules costs (issue 15.4), on the 100k workbook.

    .venv/bin/python benchmarks/bench_screen.py [benchmarks/data/crm-100k.xlsx] [--repeat 3]

Reads the workbook once as refresh does (the rule columns), then times, in turns, the rules
alone (``evaluate`` without a screen) and the rules with validate's checks on their inputs
(``checks.ruleinputs.evaluate``), and the screen alone; prints each median, the findings and the
rows held back. Make the workbook first with ``python benchmarks/generate.py``.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from datetime import datetime
from pathlib import Path

from crmxl.checks.ruleinputs import screen
from crmxl.model.frames import typed
from crmxl.model.workspace import open_workspace
from crmxl.rules.evaluate import compute_columns, evaluate, rule_columns

HERE = Path(__file__).resolve().parent
AS_OF = datetime(2026, 11, 20)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("path", nargs="?", type=Path, default=HERE / "data" / "crm-100k.xlsx")
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    if not args.path.exists():
        sys.exit(f"{args.path} is missing: run python benchmarks/generate.py first")
    started = time.perf_counter()
    ws = open_workspace([args.path], columns=rule_columns())
    print(f"read: {time.perf_counter() - started:.1f} s")
    alone, screened, only = [], [], []
    for _ in range(args.repeat):
        t = time.perf_counter()
        evaluate(ws, AS_OF)
        alone.append(time.perf_counter() - t)
        t = time.perf_counter()
        ev = evaluate(ws, AS_OF, screen=screen)
        screened.append(time.perf_counter() - t)
        wanted = compute_columns()
        tts = {k: typed(t, ws.settings, wanted[k]) for k, t in ws.tables.items() if k in wanted}
        t = time.perf_counter()
        screen(ws, tts, AS_OF)
        only.append(time.perf_counter() - t)
    held = sum(len(rows) for rows in ev.bad.values())
    print(f"rules alone: {statistics.median(alone):.1f} s")
    print(f"rules with the screen: {statistics.median(screened):.1f} s")
    print(f"the screen alone: {statistics.median(only):.1f} s")
    print(f"findings: {len(ev.findings)}, rows whose computed cells stay: {held}")


if __name__ == "__main__":
    main()
