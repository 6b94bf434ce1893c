"""SLA deadlines for 100k issues: calendar time against working time (SPEC 2.4, 2.8).

    .venv/bin/python benchmarks/bench_worktime.py [--rows 100000] [--repeat 7]

Makes ``--rows`` issues logged at random moments of 2025-2026 (any hour, any day, holidays
included), with the response and plan hours of their random 问题类型, and times the computations
refresh will run per issue: both deadlines, and the hours left until each (the 即将超时 check).
Prints the first run (which builds the calendar's working-day arrays) and the median of the
others, for calendar time and for working time, and for comparison a per-row Python loop over
the scalar function on a sample, scaled up.
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable
from datetime import datetime

import numpy as np
import pandas as pd

from crmxl.rules.worktime import ClockMode, WorkCalendar, deadlines, hours_between

SLA = {"投诉": (2.0, 24.0), "合作异常": (1.0, 4.0), "售后问题": (2.0, 24.0), "咨询": (4.0, 48.0)}


def issues(rows: int) -> pd.DataFrame:
    rng = np.random.default_rng(20)
    start = np.datetime64("2025-01-01T00:00", "m").astype(np.int64)
    end = np.datetime64("2026-12-31T00:00", "m").astype(np.int64)
    logged = rng.integers(start, end, rows).astype("datetime64[m]").astype("datetime64[ns]")
    kinds = np.array(list(SLA))[rng.integers(0, len(SLA), rows)]
    frame = pd.DataFrame({"logged_at": logged, "type": kinds})
    frame["response_h"] = frame["type"].map(lambda k: SLA[k][0]).astype("float64")
    frame["plan_h"] = frame["type"].map(lambda k: SLA[k][1]).astype("float64")
    return frame


def run(frame: pd.DataFrame, mode: ClockMode, calendar: WorkCalendar | None) -> None:
    now = pd.Series(pd.Timestamp("2026-11-20 10:00"), index=frame.index)
    for column in ("response_h", "plan_h"):
        due = deadlines(frame["logged_at"], frame[column], mode, calendar).values
        hours_between(now, due, mode, calendar)


def timed(work: Callable[[], None], repeat: int) -> tuple[float, float]:
    seconds = []
    for _ in range(repeat):
        started = time.perf_counter()
        work()
        seconds.append(time.perf_counter() - started)
    return seconds[0], statistics.median(seconds[1:] or seconds)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()
    frame = issues(args.rows)
    print(f"{args.rows:,} issues, 2 deadlines + 2 hours-left each, {args.repeat} runs")
    first, median = timed(lambda: run(frame, ClockMode.NATURAL, None), args.repeat)
    print(f"calendar time (自然时): first {first * 1000:7.1f} ms, median {median * 1000:7.1f} ms")
    holder: dict[str, WorkCalendar] = {}

    def working() -> None:
        calendar = holder.setdefault("calendar", WorkCalendar())
        run(frame, ClockMode.WORKING, calendar)

    first, median = timed(working, args.repeat)
    print(f"working time (工作时): first {first * 1000:7.1f} ms, median {median * 1000:7.1f} ms")
    print("  (first = with building the calendar's working days for the years in play)")
    sample = frame.head(2000)
    calendar = WorkCalendar()
    started = time.perf_counter()
    for moment, hours in zip(sample["logged_at"], sample["plan_h"], strict=True):
        calendar.add_working_hours(datetime.fromisoformat(str(moment)), hours)
    per_row = (time.perf_counter() - started) / len(sample)
    print(
        f"a per-row loop over add_working_hours: {per_row * 1e6:.0f} µs a row, "
        f"~{per_row * args.rows * 4:.1f} s for {args.rows:,} issues x 4 computations"
    )


if __name__ == "__main__":
    main()
