"""Paired A/B runs of ``crmxl refresh``: two versions of crmxl on the same workbook, alternating.

    git archive OLD crmxl | tar -x -C /tmp/base            # the version to compare with
    python benchmarks/bench_ab.py --base /tmp/base --rounds 3

On a shared machine whose speed wanders, one version measured after the other is no
comparison; alternating A and B run by run, and reporting min/median/max of each, is. Each run
is a child process (``bench_refresh.measure``: wall time, peak memory of it and its children).
CPU time (user + system, children included: the deflating and scanning children) is printed
beside the wall time: on a loaded machine it is the steadier figure. Measured per version and round: the first refresh of a never-refreshed copy, an unchanged
rerun (same ``--as-of``), and the weekly run (``--as-of`` a week later). ``--only first``
measures the first run alone. The current checkout is B (``--new`` names another tree).
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from bench_refresh import AS_OF, DATA, WEEK_LATER, measure  # noqa: E402


def _cpu() -> float:
    """CPU seconds (user + system) of the children this process has waited for, and theirs."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _run(tree: Path | None, args: list[str]) -> tuple[float, float, int, float]:
    old = os.environ.get("PYTHONPATH")
    if tree is not None:
        os.environ["PYTHONPATH"] = str(tree)
    cpu = _cpu()
    try:
        seconds, _, code, with_children = measure(["crmxl", *args])
    finally:
        if old is None:
            os.environ.pop("PYTHONPATH", None)
        else:
            os.environ["PYTHONPATH"] = old
    return seconds, with_children, code, _cpu() - cpu


def _where(tree: Path | None) -> str:
    """The crmxl package a run of ``tree`` imports (from the current folder)."""
    env = dict(os.environ)
    if tree is not None:
        env["PYTHONPATH"] = str(tree)
    code = "import crmxl; print(crmxl.__file__)"
    return subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    ).stdout.strip()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--base", type=Path, required=True, help="a crmxl source tree (A)")
    ap.add_argument("--new", type=Path, default=None, help="another tree (B; default: this one)")
    ap.add_argument("--data", type=Path, default=DATA)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--only", choices=["first", "all"], default="all")
    args = ap.parse_args()
    runs = ["first"] if args.only == "first" else ["first", "unchanged", "weekly"]
    results: dict[tuple[str, str], list[tuple[float, float, float]]] = {}
    with tempfile.TemporaryDirectory(dir=args.data.resolve().parent) as tmp:
        # Not from a source tree: ``python -c`` puts the current folder first on sys.path, and
        # a checkout there would be imported instead of the tree asked for.
        os.chdir(tmp)
        for n in range(args.rounds):
            order = [("A", args.base.resolve()), ("B", args.new and args.new.resolve())]
            if n == 0:
                for label, tree in order:
                    print(label, "imports", _where(tree), flush=True)
            if n % 2:
                order.reverse()
            for label, tree in order:
                work = Path(tmp) / f"crm-{label}.xlsx"
                shutil.copy(args.data, work)
                base = ["refresh", str(work), "--no-backup"]
                for run in runs:
                    as_of = WEEK_LATER if run == "weekly" else AS_OF
                    seconds, memory, code, cpu = _run(tree, [*base, "--as-of", as_of])
                    results.setdefault((label, run), []).append((seconds, memory, cpu))
                    print(f"round {n + 1} {label} {run:9s} {seconds:6.1f} s  CPU {cpu:6.1f} s  "
                          f"{memory:.2f} GB with children  exit {code}", flush=True)  # fmt: skip
    print()
    for run in runs:
        for label in ("A", "B"):
            times = [s for s, _, _ in results[(label, run)]]
            cpus = [c for _, _, c in results[(label, run)]]
            peak = max(m for _, m, _ in results[(label, run)])
            print(
                f"{run:9s} {label}: wall min {min(times):5.1f}  median "
                f"{statistics.median(times):5.1f}  max {max(times):5.1f} s;  CPU min "
                f"{min(cpus):5.1f}  median {statistics.median(cpus):5.1f} s;  peak {peak:.2f} GB"
            )


if __name__ == "__main__":
    main()
