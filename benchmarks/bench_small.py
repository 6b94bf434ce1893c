"""Every command on the 200-customer sample workbook, and ``--help`` / ``--version``.

    python benchmarks/bench_small.py              # 7 runs of each, alternating the commands
    python benchmarks/bench_small.py --runs 3

Targets (issue 17): each command ≤ 0.8 s, ``--help`` and ``--version`` ≤ 0.15 s. Each run is
the installed ``crmxl`` started as a user starts it (a new process, on a fresh copy of the
sample when the command writes), timed by wall clock; the CPU seconds (user + system, its
child processes included) are printed beside it: on a shared machine they are the steadier
figure. The commands are run in turn, round after round, so a slow minute of the machine is
spread over all of them. Prints min / median / max of each.
"""

from __future__ import annotations

import argparse
import csv
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

AS_OF = "2026-11-20"
CRMXL = str(Path(sys.executable).with_name("crmxl"))


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _leads(path: Path) -> None:
    with path.open("w", newline="", encoding="utf-8-sig") as fh:
        out = csv.writer(fh)
        out.writerow(["公司名称", "联系人", "手机号码", "来源", "所在地区"])
        for i in range(50):
            out.writerow([f"测试公司{i}", f"联系人{i}", f"139{i:08d}", "展会", "华东"])


def _commands(work: Path, sample: Path) -> dict[str, tuple[list[str], bool]]:
    """name: (arguments, whether it needs a fresh copy of the sample at ``work/crm.xlsx``)."""
    crm = str(work / "crm.xlsx")
    return {
        "--version": (["--version"], False),
        "--help": (["--help"], False),
        "init --sample": (["init", str(work / "new.xlsx"), "--sample", "--overwrite"], False),
        "validate": (["validate", crm, "--as-of", AS_OF], True),
        "refresh": (["refresh", crm, "--as-of", AS_OF, "--no-backup"], True),
        "report": (["report", crm, "-o", str(work / "report.xlsx"), "--as-of", AS_OF], True),
        "todo": (["todo", crm, "--as-of", AS_OF], True),
        "import": (
            [
                "import",
                str(work / "leads.csv"),
                "--into",
                crm,
                "--sheet",
                "线索",
                "--no-backup",
                "--as-of",
                AS_OF,
            ],
            True,
        ),
        "assign": (["assign", crm, "--as-of", AS_OF, "--no-backup"], True),
        "split": (["split", crm, "-o", str(work / "split"), "--as-of", AS_OF], True),
        "merge": (["merge", crm, str(sample.parent / "split-one.xlsx"), "--no-backup"], True),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=7)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        base = Path(tmp)
        sample = base / "sample.xlsx"
        subprocess.run([CRMXL, "init", str(sample), "--sample", "--as-of", AS_OF], check=True,
                       stdout=subprocess.DEVNULL)  # fmt: skip
        subprocess.run([CRMXL, "split", str(sample), "-o", str(base / "s"), "--as-of", AS_OF],
                       check=True, stdout=subprocess.DEVNULL)  # fmt: skip
        shutil.copy(sorted((base / "s").glob("*.xlsx"))[0], base / "split-one.xlsx")
        work = base / "work"
        work.mkdir()
        _leads(work / "leads.csv")
        commands = _commands(work, sample)
        times: dict[str, list[tuple[float, float, int]]] = {name: [] for name in commands}
        for _ in range(args.runs):
            for name, (argv, fresh) in commands.items():
                if fresh:
                    shutil.copy(sample, work / "crm.xlsx")
                shutil.rmtree(work / "split", ignore_errors=True)
                cpu = _cpu()
                start = time.perf_counter()
                code = subprocess.run([CRMXL, *argv], stdout=subprocess.DEVNULL,
                                      stderr=subprocess.DEVNULL, env=dict(os.environ),
                                      check=False).returncode  # fmt: skip
                times[name].append((time.perf_counter() - start, _cpu() - cpu, code))
    print(f"{'command':14s} {'wall min':>8s} {'median':>7s} {'max':>6s}   CPU median  exit")
    for name, runs in times.items():
        walls = [w for w, _, _ in runs]
        cpus = [c for _, c, _ in runs]
        codes = sorted({c for _, _, c in runs})
        print(f"{name:14s} {min(walls):8.2f} {statistics.median(walls):7.2f} "
              f"{max(walls):6.2f}   {statistics.median(cpus):10.2f}  {codes}")  # fmt: skip


if __name__ == "__main__":
    main()
