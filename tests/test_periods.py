"""Report periods: the calendar week (Monday to Sunday), month and quarter holding the as-of
date, the rolling 7/30/90 days, the period before each, and a date-only ``--as-of`` as the whole
day. Every expected range is worked out by hand on a calendar (2026-11-16 is a Monday,
2028-02-29 a Tuesday, 2026-12-31 a Thursday)."""

from __future__ import annotations

import json
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from crm_small import AS_OF, customer, follow_up, sheets

from crmxl.cli import cli
from crmxl.commands.report import report
from crmxl.reporting.facts import Period, report_moment

D = date


@pytest.mark.parametrize(
    ("as_of", "name", "this", "before"),
    [
        # a Monday: its own week; November; Q4
        (
            "2026-11-16 09:00",
            "week",
            (D(2026, 11, 16), D(2026, 11, 22)),
            (D(2026, 11, 9), D(2026, 11, 15)),
        ),
        (
            "2026-11-16 09:00",
            "month",
            (D(2026, 11, 1), D(2026, 11, 30)),
            (D(2026, 10, 1), D(2026, 10, 31)),
        ),
        (
            "2026-11-16 09:00",
            "quarter",
            (D(2026, 10, 1), D(2026, 12, 31)),
            (D(2026, 7, 1), D(2026, 9, 30)),
        ),
        # a Sunday is the last day of its week
        (
            "2026-11-22 23:00",
            "week",
            (D(2026, 11, 16), D(2026, 11, 22)),
            (D(2026, 11, 9), D(2026, 11, 15)),
        ),
        # the 1st (a Sunday): the week began in October; the month is new
        (
            "2026-11-01 08:00",
            "week",
            (D(2026, 10, 26), D(2026, 11, 1)),
            (D(2026, 10, 19), D(2026, 10, 25)),
        ),
        (
            "2026-11-01 08:00",
            "month",
            (D(2026, 11, 1), D(2026, 11, 30)),
            (D(2026, 10, 1), D(2026, 10, 31)),
        ),
        # the last day of a quarter
        (
            "2026-09-30 18:00",
            "quarter",
            (D(2026, 7, 1), D(2026, 9, 30)),
            (D(2026, 4, 1), D(2026, 6, 30)),
        ),
        (
            "2026-09-30 18:00",
            "month",
            (D(2026, 9, 1), D(2026, 9, 30)),
            (D(2026, 8, 1), D(2026, 8, 31)),
        ),
        (
            "2026-09-30 18:00",
            "week",
            (D(2026, 9, 28), D(2026, 10, 4)),
            (D(2026, 9, 21), D(2026, 9, 27)),
        ),
        # 29 February 2028 (a Tuesday), and the March after it
        (
            "2028-02-29 12:00",
            "week",
            (D(2028, 2, 28), D(2028, 3, 5)),
            (D(2028, 2, 21), D(2028, 2, 27)),
        ),
        (
            "2028-02-29 12:00",
            "month",
            (D(2028, 2, 1), D(2028, 2, 29)),
            (D(2028, 1, 1), D(2028, 1, 31)),
        ),
        (
            "2028-02-29 12:00",
            "quarter",
            (D(2028, 1, 1), D(2028, 3, 31)),
            (D(2027, 10, 1), D(2027, 12, 31)),
        ),
        (
            "2028-03-15 12:00",
            "month",
            (D(2028, 3, 1), D(2028, 3, 31)),
            (D(2028, 2, 1), D(2028, 2, 29)),
        ),
        (
            "2028-03-01 12:00",
            "7d",
            (D(2028, 2, 24), D(2028, 3, 1)),
            (D(2028, 2, 17), D(2028, 2, 23)),
        ),
        # year end, and the first day after it
        (
            "2026-12-31 17:00",
            "week",
            (D(2026, 12, 28), D(2027, 1, 3)),
            (D(2026, 12, 21), D(2026, 12, 27)),
        ),
        (
            "2026-12-31 17:00",
            "month",
            (D(2026, 12, 1), D(2026, 12, 31)),
            (D(2026, 11, 1), D(2026, 11, 30)),
        ),
        (
            "2026-12-31 17:00",
            "quarter",
            (D(2026, 10, 1), D(2026, 12, 31)),
            (D(2026, 7, 1), D(2026, 9, 30)),
        ),
        (
            "2027-01-01 09:00",
            "month",
            (D(2027, 1, 1), D(2027, 1, 31)),
            (D(2026, 12, 1), D(2026, 12, 31)),
        ),
        (
            "2027-01-01 09:00",
            "quarter",
            (D(2027, 1, 1), D(2027, 3, 31)),
            (D(2026, 10, 1), D(2026, 12, 31)),
        ),
        (
            "2027-01-01 09:00",
            "30d",
            (D(2026, 12, 3), D(2027, 1, 1)),
            (D(2026, 11, 3), D(2026, 12, 2)),
        ),
        (
            "2027-01-01 09:00",
            "90d",
            (D(2026, 10, 4), D(2027, 1, 1)),
            (D(2026, 7, 6), D(2026, 10, 3)),
        ),
    ],
)
def test_periods_on_boundary_dates(
    as_of: str, name: str, this: tuple[date, date], before: tuple[date, date]
) -> None:
    moment = datetime.fromisoformat(as_of)
    period = Period.of(name, moment)
    assert (period.first, period.last) == this
    assert (period.previous.first, period.previous.last) == before
    assert period.end == min(moment, datetime.combine(this[1], datetime.max.time()))
    assert period.previous.end == datetime.combine(before[1], datetime.max.time())


def test_an_event_after_as_of_is_not_counted_yet() -> None:
    import pandas as pd

    period = Period.of("week", datetime(2026, 11, 18, 12, 0))
    when = pd.Series(pd.to_datetime(["2026-11-16 00:00", "2026-11-18 12:00", "2026-11-18 12:01"]))
    assert period.mask(when).tolist() == [True, True, False]
    assert period.previous.mask(when).tolist() == [False, False, False]


def test_a_date_alone_is_the_whole_day() -> None:
    assert report_moment(date(2026, 11, 30)) == datetime(2026, 11, 30, 23, 59, 59)
    assert report_moment("2026-11-30") == datetime(2026, 11, 30, 23, 59, 59)
    assert report_moment("2026-11-30 00:00") == datetime(2026, 11, 30, 0, 0)
    assert report_moment(datetime(2026, 11, 30, 10)) == datetime(2026, 11, 30, 10)


@pytest.fixture
def small(make_workbook: Any) -> Path:
    return make_workbook(sheets())


def test_calendar_week_and_the_week_before_counted_by_hand(small: Path, tmp_path: Path) -> None:
    # As of Friday 2026-11-20 10:00: this week is Monday 11-16 00:00 .. 11-20 10:00, the week
    # before 11-09 .. 11-15 (whole). See tests/crm_small.py for the rows.
    got = {k.code: k for k in report([small], tmp_path / "r.xlsx", as_of=AS_OF).kpis}

    def both(code: str) -> tuple[Any, Any]:
        kpi = got[code]
        assert kpi.previous is not None
        return kpi.value, kpi.previous.value

    # new: C002 (首次接触 11-18), C006 (建档 11-19) | C001 (建档 11-15), C005 (首次接触 11-13)
    assert both("customers_new") == (2, 2)
    # follow-ups: C001 11-16, 11-20 09:00 | C003 11-13 23:59, 11-14 00:00, C005 11-10
    assert both("follow_ups") == (2, 3)
    # resolved this week: WT1 (score 4, 24 h), WT2 (score 2, 408 h); none the week before
    assert both("satisfaction") == (3.0, None)
    assert both("avg_resolution_hours") == (216.0, None)
    # complaints logged: WT3 (11-19) | WT1 (11-15); over the 3 customers at 成交 now
    assert both("complaint_rate") == (pytest.approx(1 / 3), pytest.approx(1 / 3))
    # clocks completed: none this week | WT1 response and plan on time, WT2 plan late
    assert both("sla_on_time_rate") == (None, pytest.approx(2 / 3))
    # leads captured: L2 有效, L3 无效, L5 待确认 -> 0 of 2 | L1, L4 已转化 -> 2 of 2
    assert both("lead_conversion_rate") == (0.0, 1.0)
    # as of the report time, nothing to compare
    assert got["customers_total"].previous is None and got["overdue_customers"].previous is None


def test_a_date_alone_counts_that_whole_day_in_the_month(
    make_workbook: Any, tmp_path: Path
) -> None:
    path = make_workbook(
        {
            "customers": [customer("C001", "成交", "张三")],
            "follow_ups": [
                follow_up("C001", datetime(2026, 11, 30, 15, 0), "张三"),
                follow_up("C001", datetime(2026, 11, 1, 0, 0), "张三"),
                follow_up("C001", datetime(2026, 10, 31, 23, 59), "张三"),
                follow_up("C001", datetime(2026, 12, 1, 0, 0), "张三"),
            ],
        }
    )
    runner = CliRunner()

    def month(as_of: str) -> tuple[Any, Any]:
        args = ["report", str(path), "-o", str(tmp_path / "m.xlsx"), "--period", "month"]
        res = runner.invoke(cli, [*args, "--as-of", as_of, "--json"])
        assert res.exit_code == 0, res.output
        data = json.loads(res.output)
        (kpi,) = [k for k in data["kpis"] if k["code"] == "follow_ups"]
        return kpi["value"], kpi["previous"]["value"]

    # 11-01 00:00 and 11-30 15:00 are in November; 10-31 23:59 in October; 12-01 not yet
    assert month("2026-11-30") == (2, 1)
    assert month("2026-11-30T00:00") == (1, 1)  # a time given: up to that moment
    lib = report([path], tmp_path / "l.xlsx", as_of=date(2026, 11, 30), period="month")
    assert lib.as_of == datetime(2026, 11, 30, 23, 59, 59)
    assert next(k for k in lib.kpis if k.code == "follow_ups").value == 2


def test_the_terminal_shows_both_periods(small: Path, tmp_path: Path) -> None:
    res = CliRunner().invoke(
        cli, ["report", str(small), "-o", str(tmp_path / "r.xlsx"), "--as-of", "2026-11-20T10:00"]
    )
    assert res.exit_code == 0, res.output
    header = next(line for line in res.output.splitlines() if line.startswith("指标"))
    assert header.split()[:3] == ["指标", "本周", "上周"]
    assert "上期为上周（2026-11-09 至 2026-11-15）" in res.output
