"""How long ``crmxl report`` takes on the 100k-customer workbook, stage by stage, and its memory.

Copies the benchmark workbook (``benchmarks/data/crm-100k.xlsx``, made by
``benchmarks/generate.py``) to a temporary folder, then, in a fresh process so that the peak
memory is the report's own, runs the report as of 2026-11-20 and prints wall seconds for each
stage (read, rules, build, write), the CPU seconds, the peak RSS and the size of every list.

    .venv/bin/python benchmarks/bench_report.py                 # the 100k workbook, period week
    .venv/bin/python benchmarks/bench_report.py --period quarter --data other.xlsx

Wall time depends on what else the machine is doing; the CPU seconds less so. Target: 25 s.
"""

from __future__ import annotations

import argparse
import json
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

HERE = Path(__file__).resolve().parent
DEFAULT_DATA = HERE / "data" / "crm-100k.xlsx"
AS_OF = datetime(2026, 11, 20)


def run_one(path: Path, out: Path, period: str) -> dict[str, object]:
    """The report of ``path``, timed stage by stage (the same calls :func:`report` makes)."""
    import crmxl.commands.report as report_mod
    import crmxl.reporting.facts as facts_mod
    from crmxl.reporting.facts import Period

    stages: dict[str, float] = {}

    def timed(name: str, fn):  # type: ignore[no-untyped-def]
        def run(*args, **kwargs):  # type: ignore[no-untyped-def]
            start = time.perf_counter()
            try:
                return fn(*args, **kwargs)
            finally:
                stages[name] = round(time.perf_counter() - start, 2)

        return run

    facts_mod.open_workspace = timed("read", facts_mod.open_workspace)
    facts_mod.evaluate = timed("rules", facts_mod.evaluate)
    report_mod.load = timed("load", report_mod.load)
    report_mod.build = timed("build", report_mod.build)
    report_mod.write_report = timed("write", report_mod.write_report)
    cpu = time.process_time()
    start = time.perf_counter()
    result = report_mod.report([path], out, as_of=AS_OF, period=period)
    total = time.perf_counter() - start
    return {
        "total_s": round(total, 2),
        "cpu_s": round(time.process_time() - cpu, 2),
        "stages_s": {
            **stages,
            "load_other": round(stages["load"] - stages["read"] - stages["rules"], 2),
        },
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
        "report_mb": round(out.stat().st_size / 1e6, 1),
        "lists": {key: n for key, (_, n) in result.lists.items()},
        "period": Period.of(period, AS_OF).label("en"),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--period", default="week", choices=["week", "month", "quarter"])
    parser.add_argument("--child", nargs=3, metavar=("PATH", "OUT", "PERIOD"))
    args = parser.parse_args()
    if args.child:
        path, out, period = args.child
        print(json.dumps(run_one(Path(path), Path(out), period), ensure_ascii=False))
        return
    if not args.data.exists():
        sys.exit(f"{args.data} is missing; make it with benchmarks/generate.py")
    with tempfile.TemporaryDirectory(prefix="crmxl-bench-report-") as tmp:
        work = Path(tmp) / args.data.name
        shutil.copy(args.data, work)  # never the benchmark file itself
        out = Path(tmp) / "report.xlsx"
        proc = subprocess.run(
            [sys.executable, __file__, "--child", str(work), str(out), args.period],
            capture_output=True,
            text=True,
            check=True,
        )
    result = json.loads(proc.stdout)
    print(json.dumps(result, ensure_ascii=False, indent=2))
    verdict = "within" if result["total_s"] <= 25 else "over"
    print(
        f"report: {result['total_s']} s wall ({verdict} the 25 s target), "
        f"{result['cpu_s']} s CPU, peak RSS {result['peak_rss_mb']} MB",
        file=sys.stderr,
    )


if __name__ == "__main__":
    main()
