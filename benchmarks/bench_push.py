"""Benchmark ``crmxl push`` of the 100k-customer workbook, against pandas ``to_sql``.

    python benchmarks/bench_push.py                       # SQLite, generate the data once
    python benchmarks/bench_push.py --postgres            # also a throw-away PostgreSQL
    python benchmarks/bench_push.py --postgres --runs 3 --no-naive   # min/median of 3 rounds

Each run is a child process (``bench_refresh.measure``): wall seconds, CPU seconds (user +
system, from ``getrusage`` of the children: on a busy shared machine the steadier figure) and
peak memory. It measures:

1. the first push into an empty database (every table created, 1.27M rows inserted, 100k
   snapshot rows);
2. the same workbook again with the same ``--as-of`` (nothing changes; a run is recorded);
3. a week later (``--as-of`` + 7 days): the sheet tables are unchanged, 100k new snapshot rows;
4. the obvious way (``naive_to_sql.py``): the same frames with ``DataFrame.to_sql`` into a
   fresh SQLite file, its write time apart from its read time.

With ``--runs N`` the three pushes are made N times (a fresh database each round) and the
minimum and median of the wall and CPU seconds are printed; the load average is printed before
every run (the machine is shared: figures taken at a high load are not comparable).

Target (issue 21): a 100k-customer push under 30 s on this machine.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from bench_refresh import DATA, measure  # noqa: E402

AS_OF = "2026-11-20"
WEEK_LATER = "2026-11-27"


def cpu_children() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run(label: str, args: list[str]) -> tuple[float, float]:
    before = cpu_children()
    load = os.getloadavg()[0]
    seconds, gb, code, tree = measure(args)
    cpu = cpu_children() - before
    print(
        f"{label:<44} {seconds:6.1f} s wall  {cpu:6.1f} s CPU  "
        f"peak {gb:.2f} GB (with children {tree:.2f})  exit {code}  load {load:.1f}",
        flush=True,
    )
    return seconds, cpu


def summary(label: str, figures: list[tuple[float, float]]) -> None:
    walls = [w for w, _ in figures]
    cpus = [c for _, c in figures]
    print(
        f"{label:<44} wall min {min(walls):6.1f} median {statistics.median(walls):6.1f}  "
        f"CPU min {min(cpus):6.1f} median {statistics.median(cpus):6.1f}  ({len(figures)} runs)"
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, default=DATA)
    ap.add_argument("--postgres", action="store_true", help="also push into a test cluster")
    ap.add_argument("--runs", type=int, default=1, help="rounds of the three pushes")
    ap.add_argument("--no-naive", action="store_true", help="leave out pandas to_sql")
    args = ap.parse_args()
    if not args.data.exists():
        from generate import generate

        generate(args.data, 100_000, 1_000_000)
    size = args.data.stat().st_size / 1e6
    load = os.getloadavg()[0]
    print(f"workbook: {args.data} ({size:.1f} MB); {os.cpu_count()} cores; load {load:.1f}")
    figures: dict[str, list[tuple[float, float]]] = {}
    with tempfile.TemporaryDirectory(dir=args.data.parent) as tmp:
        cluster = None
        if args.postgres:
            sys.path.insert(0, str(HERE.parent / "tests"))
            import pgserver

            cluster = pgserver.start()
        try:
            for round_ in range(args.runs):
                targets = [("SQLite", str(Path(tmp) / f"crm{round_}.db"))]
                if cluster is not None:
                    targets.append(("PostgreSQL", cluster.new_database()))
                for name, db in targets:
                    push = ["crmxl", "push", str(args.data), "--db", db, "--as-of", AS_OF]
                    for label, argv in (
                        (f"{name}: first push (empty database)", push),
                        (f"{name}: again, same as-of (nothing changes)", push),
                        (f"{name}: a week later (new snapshot)", [*push[:-1], WEEK_LATER]),
                    ):
                        figures.setdefault(label, []).append(run(label, argv))
                Path(tmp, f"crm{round_}.db").unlink(missing_ok=True)
        finally:
            if cluster is not None:
                cluster.stop()
        if args.runs > 1:
            print()
            for label, got in figures.items():
                summary(label, got)
        if not args.no_naive:
            times = Path(tmp) / "naive.json"
            naive = ["naive_to_sql", str(args.data), str(Path(tmp) / "naive.db"), str(times)]
            run("pandas to_sql of the same frames (SQLite)", naive)
            result = json.loads(times.read_text(encoding="utf-8"))
            print(
                f"  of which reading and typing {result['read']:.1f} s "
                f"({result['read_cpu']:.1f} s CPU), to_sql {result['write']:.1f} s "
                f"({result['write_cpu']:.1f} s CPU) for {result['rows']:,} rows"
            )
    print(f"load average at the end: {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
