"""Working time (SPEC 2.8): the hard days, each deadline worked out by hand in a comment.

The default calendar: working intervals 09:00-12:00 and 13:30-18:00 (3 h + 4.5 h = 7.5 h a day),
Monday to Friday, plus the State Council's schedule as the holiday library has it. The 2026
days these tests rely on (the library's data, which is the State Council's notice for 2026):

- 中秋节 2026: 9月25日 (Fri) to 27日 (Sun) off;
- 国庆节 2026: 10月1日 (Thu) to 7日 (Wed) off; make-up working days 9月20日 (Sunday) and
  10月10日 (Saturday).

Weekdays: 2026-09-18 Fri, 09-19 Sat, 09-20 Sun, 09-24 Thu, 09-28 Mon, 09-30 Wed, 10-08 Thu,
10-09 Fri, 10-10 Sat, 10-11 Sun, 10-12 Mon; 2026-11-20 Fri, 11-21 Sat, 11-23 Mon;
2027-01-31 Sun, 02-04 Thu, 02-05 Fri, 02-06 Sat, 02-13 Sat, 02-15 Mon, 02-19 Fri, 02-20 Sat.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from crmxl.model.values import BadValue
from crmxl.rules.worktime import (
    ClockMode,
    CoverageWarning,
    DayOverride,
    Limit,
    WorkCalendar,
    deadlines,
    due_by_limit,
    format_work_hours,
    format_workdays,
    hours_between,
    library_years,
    parse_limit,
    parse_work_hours,
    parse_workdays,
    read_holidays,
)

CAL = WorkCalendar()

# A made-up 春节 2027 for the 节假日 sheet (the library stops at 2026): 2月6日 (Sat) to 12日
# (Fri) off, make-up working days 1月31日 (Sunday) and 2月20日 (Saturday).
SPRING_2027 = pd.DataFrame(
    {
        "date": [
            "2027-01-31",
            "2027/2/6",
            "2027年2月7日",
            datetime(2027, 2, 8),
            "2027-02-09",
            "2027-02-10",
            "2027-02-11",
            "2027-02-12",
            "2027-02-20",
        ],
        "kind": ["班", "休", "休", "休", "休", "休", "休", "休", "班"],
        "note": ["春节调休"] + ["春节"] * 7 + ["春节调休"],
    },
    index=range(2, 11),
)


def spring_2027() -> WorkCalendar:
    overrides, problems = read_holidays(SPRING_2027)
    assert problems == []
    return WorkCalendar(overrides=overrides)


# ------------------------------------------------------------------ the hard days


def test_friday_1730_plus_two_working_hours_is_monday_1030():
    # Fri 17:30-18:00 counts 0.5 h; the weekend counts nothing; Mon 09:00 + 1.5 h = 10:30.
    assert CAL.add_working_hours(datetime(2026, 11, 20, 17, 30), 2) == datetime(
        2026, 11, 23, 10, 30
    )


def test_friday_1700_plus_two_working_hours_is_monday_1000():
    # SPEC 2.8's example: Fri 17:00-18:00 is 1 h, Mon 09:00-10:00 is the other.
    assert CAL.add_working_hours(datetime(2026, 11, 20, 17), 2) == datetime(2026, 11, 23, 10)


def test_case_logged_on_the_evening_before_guoqing_2026():
    logged = datetime(2026, 9, 30, 20)  # Wed, after 18:00: counting starts at the next interval
    # Response 2 h: Oct 1-7 are 国庆, so the next interval is Thu Oct 8 09:00; + 2 h = 11:00.
    assert CAL.add_working_hours(logged, 2) == datetime(2026, 10, 8, 11)
    # Plan 24 h: Thu Oct 8 7.5 h, Fri Oct 9 7.5 h (15), Sat Oct 10 is a make-up working day,
    # 7.5 h (22.5); Sun Oct 11 off; Mon Oct 12 09:00 + 1.5 h = 10:30.
    assert CAL.add_working_hours(logged, 24) == datetime(2026, 10, 12, 10, 30)
    # In calendar time the same plan deadline would be Oct 1 20:00, 11 days earlier.
    assert logged + timedelta(hours=24) == datetime(2026, 10, 1, 20)


def test_case_logged_at_1700_on_the_last_day_before_guoqing():
    # Sep 30 17:00-18:00 is 1 h; the other hour is Thu Oct 8 09:00-10:00.
    assert CAL.add_working_hours(datetime(2026, 9, 30, 17), 2) == datetime(2026, 10, 8, 10)


def test_tiaoxiu_sunday_is_a_working_day():
    assert CAL.is_working_day(date(2026, 9, 20))  # Sunday, make-up day for 国庆
    assert not CAL.is_working_day(date(2026, 9, 19))  # the Saturday before: off
    assert CAL.is_working_day(date(2026, 10, 10))  # Saturday, make-up day
    assert not CAL.is_working_day(date(2026, 10, 1))
    # Logged Sat Sep 19 10:00: nothing counts until Sun Sep 20 09:00; + 2 h = 11:00.
    assert CAL.add_working_hours(datetime(2026, 9, 19, 10), 2) == datetime(2026, 9, 20, 11)
    # Fri Sep 18 17:30: 0.5 h that day, then Sun Sep 20 09:00 + 1.5 h = 10:30 (not Monday).
    assert CAL.add_working_hours(datetime(2026, 9, 18, 17, 30), 2) == datetime(2026, 9, 20, 10, 30)


def test_mid_autumn_friday_is_off():
    # Thu Sep 24 17:00: 1 h that day; Fri Sep 25 中秋 and the weekend are off; Mon 09:00 + 1 h.
    assert CAL.add_working_hours(datetime(2026, 9, 24, 17), 2) == datetime(2026, 9, 28, 10)


def test_spring_festival_2027_from_the_holiday_sheet_alone():
    cal = spring_2027()
    start = datetime(2027, 2, 5, 16)  # Fri before the made-up 春节
    # 16:00-18:00 is 2 h; Feb 6-12 are 休 by the sheet, Feb 13/14 a weekend; Mon Feb 15 09:00
    # + 2 h = 11:00.
    due = cal.add_working_hours(start, 4)
    assert due == datetime(2027, 2, 15, 11)
    assert cal.warnings(start, due) == []  # the sheet has rows in 2027: covered
    # The 班 Saturday: Fri Feb 19 17:00-18:00 is 1 h, Sat Feb 20 09:00-10:00 the other.
    assert cal.add_working_hours(datetime(2027, 2, 19, 17), 2) == datetime(2027, 2, 20, 10)
    # The 班 Sunday before: Sat Jan 30 10:00 counts from Sun Jan 31 09:00; + 1 h = 10:00.
    assert cal.add_working_hours(datetime(2027, 1, 30, 10), 1) == datetime(2027, 1, 31, 10)


def test_2027_without_the_sheet_counts_weekends_only_and_warns():
    start = datetime(2027, 2, 5, 16)
    # Weekdays only: 2 h on Fri Feb 5, then Mon Feb 8 09:00 + 2 h = 11:00.
    due = CAL.add_working_hours(start, 4)
    assert due == datetime(2027, 2, 8, 11)
    warnings = CAL.warnings(start, due)
    assert warnings == [CoverageWarning(2027)]
    assert "2027" in warnings[0].text("zh") and "2027" in warnings[0].text("en")


def test_start_at_midnight():
    # Mon Nov 23 00:00: counting starts at 09:00; + 2 h = 11:00.
    assert CAL.add_working_hours(datetime(2026, 11, 23), 2) == datetime(2026, 11, 23, 11)
    # Sat Nov 21 00:00: nothing until Mon 09:00; + 1 h = 10:00.
    assert CAL.add_working_hours(datetime(2026, 11, 21), 1) == datetime(2026, 11, 23, 10)
    # Midnight on the last 国庆 day (Wed Oct 7): Thu Oct 8 09:00 + 3 h = 12:00.
    assert CAL.add_working_hours(datetime(2026, 10, 7), 3) == datetime(2026, 10, 8, 12)


def test_start_in_the_lunch_break():
    monday = date(2026, 11, 23)
    # 12:30 is in the break: counting starts at 13:30; + 1 h = 14:30.
    assert CAL.add_working_hours(datetime.combine(monday, time(12, 30)), 1) == datetime(
        2026, 11, 23, 14, 30
    )
    # 12:30 + 5 h: 13:30-18:00 is 4.5 h, the last 0.5 h is Tue 09:00-09:30.
    assert CAL.add_working_hours(datetime.combine(monday, time(12, 30)), 5) == datetime(
        2026, 11, 24, 9, 30
    )
    # Mon 11:00 + 2 h: 11:00-12:00 is 1 h, the break is skipped, 13:30 + 1 h = 14:30.
    assert CAL.add_working_hours(datetime(2026, 11, 23, 11), 2) == datetime(2026, 11, 23, 14, 30)


def test_a_deadline_is_the_earliest_moment_it_is_reached():
    # Mon 17:00 + 1 h is Mon 18:00, the close, not Tue 09:00; 09:00 + 3 h is 12:00, not 13:30.
    assert CAL.add_working_hours(datetime(2026, 11, 23, 17), 1) == datetime(2026, 11, 23, 18)
    assert CAL.add_working_hours(datetime(2026, 11, 23, 9), 3) == datetime(2026, 11, 23, 12)
    # Zero hours is the start itself, even outside working time.
    assert CAL.add_working_hours(datetime(2026, 11, 21, 9), 0) == datetime(2026, 11, 21, 9)


def test_n_working_days_across_guoqing():
    start = datetime(2026, 9, 30, 15)  # Wed, the last working day before 国庆
    # The working days after Sep 30: Thu Oct 8 (1st), Fri Oct 9 (2nd), Sat Oct 10 (3rd, 班).
    assert CAL.add_working_days(start, 1) == datetime(2026, 10, 8, 18)
    assert CAL.add_working_days(start, 2) == datetime(2026, 10, 9, 18)
    assert CAL.add_working_days(start, 3) == datetime(2026, 10, 10, 18)
    # 0 days: the close of the start day when it is a working day, else of the next one.
    assert CAL.add_working_days(start, 0) == datetime(2026, 9, 30, 18)
    assert CAL.add_working_days(date(2026, 10, 3), 0) == datetime(2026, 10, 8, 18)
    # A trade fair on Sat Oct 10 (a working day): 2 个工作日 = Mon Oct 12 (1st), Tue Oct 13.
    assert CAL.add_working_days(date(2026, 10, 10), 2) == datetime(2026, 10, 13, 18)


def test_n_working_days_across_spring_festival_2027_from_the_sheet():
    # Thu Feb 4 + 2: Fri Feb 5 (1st); Feb 6-14 off; Mon Feb 15 (2nd), closing at 18:00.
    assert spring_2027().add_working_days(date(2027, 2, 4), 2) == datetime(2027, 2, 15, 18)


def test_working_hours_between():
    assert CAL.working_hours_between(datetime(2026, 11, 20, 17), datetime(2026, 11, 23, 10)) == 2
    # Sep 30 09:00 to Oct 8 09:00: one full day (Sep 30), 国庆 adds nothing.
    assert CAL.working_hours_between(datetime(2026, 9, 30, 9), datetime(2026, 10, 8, 9)) == 7.5
    # Lunch 12:00-13:30 counts nothing; backwards is negative.
    assert (
        CAL.working_hours_between(datetime(2026, 11, 23, 12), datetime(2026, 11, 23, 13, 30)) == 0
    )
    assert CAL.working_hours_between(datetime(2026, 11, 23, 10), datetime(2026, 11, 20, 17)) == -2


# ------------------------------------------------------------- the 节假日 sheet


def test_the_sheet_replaces_the_library_day_by_day():
    # The company stays off on Thu Oct 8: Sep 30 20:00 + 2 h becomes Fri Oct 9 11:00.
    longer = WorkCalendar(overrides=[DayOverride(date(2026, 10, 8), False, "公司加休")])
    assert longer.add_working_hours(datetime(2026, 9, 30, 20), 2) == datetime(2026, 10, 9, 11)
    # The company works on Sat Oct 3 (a library holiday): counting starts Oct 3 09:00.
    working = WorkCalendar(overrides={date(2026, 10, 3): True})
    assert working.add_working_hours(datetime(2026, 9, 30, 20), 2) == datetime(2026, 10, 3, 11)
    # And the library's make-up Sunday can be taken back.
    off = WorkCalendar(overrides={date(2026, 9, 20): False})
    assert not off.is_working_day(date(2026, 9, 20))


def test_coverage_is_the_library_years_and_the_sheet_years():
    assert library_years() == frozenset(range(2004, 2027))
    assert CAL.covered_years == frozenset(range(2004, 2027))
    cal = WorkCalendar(overrides={date(2027, 5, 1): False})
    assert 2027 in cal.covered_years and 2028 not in cal.covered_years
    # Counting from 2026 into 2027 and 2028 with only 2027 in the sheet warns for 2028 only.
    assert cal.warnings(datetime(2026, 12, 30), datetime(2028, 1, 3)) == [CoverageWarning(2028)]
    assert CAL.warnings(datetime(2003, 12, 31), datetime(2004, 1, 2)) == [CoverageWarning(2003)]


def test_read_holidays_reports_bad_rows_and_keeps_the_first_of_a_date():
    frame = pd.DataFrame(
        {
            "date": ["2027-02-30", "2027-02-06", None, "2027-02-06", "2027/2/6", "2027-02-07"],
            "kind": ["休", "休", None, "休", "班", "假"],
        },
        index=[2, 3, 4, 5, 6, 7],
    )
    overrides, problems = read_holidays(frame)
    assert overrides == (DayOverride(date(2027, 2, 6), False, "", 3),)
    assert [(p.row, p.key, p.code, p.first_row) for p in problems] == [
        (2, "date", "holiday-bad-date", None),
        (5, "date", "holiday-duplicate", 3),
        (6, "date", "holiday-conflict", 3),
        (7, "kind", "holiday-bad-kind", None),
    ]


def test_english_day_kinds():
    frame = pd.DataFrame({"date": ["2027-02-06", "2027-02-20"], "kind": ["Off", "work"]})
    overrides, problems = read_holidays(frame)
    assert problems == []
    assert [o.working for o in overrides] == [False, True]


# ------------------------------------------------------------------- 配置 values


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("09:00-12:00,13:30-18:00", ((time(9), time(12)), (time(13, 30), time(18)))),
        ("9:00-12:00，13:30-18:00", ((time(9), time(12)), (time(13, 30), time(18)))),
        ("08:30 - 12:00 13:00~17:30", ((time(8, 30), time(12)), (time(13), time(17, 30)))),
        ("９：００至１２：００", ((time(9), time(12)),)),
        ("00:00-24:00", ((time(0), time.max),)),
    ],
)
def test_parse_work_hours(text, expected):
    assert parse_work_hours(text) == expected


@pytest.mark.parametrize(
    "text", ["", "abc", "12:00-09:00", "09:00-12:00,11:00-13:00", "25:00-26:00", "9:60-10:00"]
)
def test_bad_work_hours(text):
    with pytest.raises(BadValue) as info:
        parse_work_hours(text)
    assert info.value.code == "bad-work-hours"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("周一至周五", {0, 1, 2, 3, 4}),
        ("周一,周三", {0, 2}),
        ("周一至周六", {0, 1, 2, 3, 4, 5}),
        ("Mon-Fri", {0, 1, 2, 3, 4}),
        ("monday, Wednesday", {0, 2}),
        ("星期一到星期五、周日", {0, 1, 2, 3, 4, 6}),
        ("周六至周一", {5, 6, 0}),
    ],
)
def test_parse_workdays(text, expected):
    assert parse_workdays(text) == expected


@pytest.mark.parametrize("text", ["", "周八", "Mon-Funday", "工作日"])
def test_bad_workdays(text):
    with pytest.raises(BadValue) as info:
        parse_workdays(text)
    assert info.value.code == "bad-workdays"


def test_text_forms_round_trip():
    assert format_work_hours(parse_work_hours("9:00-12:00,13:30-18:00")) == (
        "09:00-12:00,13:30-18:00"
    )
    assert format_workdays({0, 1, 2, 3, 4}) == "周一至周五"
    assert format_workdays({0, 2}) == "周一,周三"


def test_six_day_week_and_other_hours():
    six = WorkCalendar(workdays="周一至周六")
    assert six.is_working_day(date(2026, 11, 21))  # an ordinary Saturday
    assert not six.is_working_day(date(2026, 10, 3))  # a Saturday inside 国庆 stays off
    assert six.is_working_day(date(2026, 9, 20))  # the make-up Sunday still works
    early = WorkCalendar(work_hours="08:30-12:00,13:00-17:30")
    # Fri 17:00-17:30 is 0.5 h; Mon 08:30 + 1.5 h = 10:00.
    assert early.add_working_hours(datetime(2026, 11, 20, 17), 2) == datetime(2026, 11, 23, 10)
    # Close of a working day is the end of the last interval: 17:30.
    assert early.add_working_days(date(2026, 11, 20), 1) == datetime(2026, 11, 23, 17, 30)


@pytest.mark.parametrize(
    ("text", "mode"),
    [
        ("工作时", ClockMode.WORKING),
        ("自然时", ClockMode.NATURAL),
        (None, ClockMode.NATURAL),
        ("Working", ClockMode.WORKING),
        ("calendar", ClockMode.NATURAL),
    ],
)
def test_clock_mode(text, mode):
    assert ClockMode.parse(text) is mode


def test_bad_clock_mode():
    with pytest.raises(BadValue):
        ClockMode.parse("按天")
    assert ClockMode.WORKING.label("en") == "working time"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (24, Limit(24, "hours")),
        ("24小时", Limit(24, "hours")),
        ("1.5h", Limit(1.5, "hours")),
        ("2个工作日", Limit(2, "workdays")),
        ("2 working days", Limit(2, "workdays")),
    ],
)
def test_parse_limit(value, expected):
    assert parse_limit(value) == expected


@pytest.mark.parametrize("value", [-1, "1.5个工作日", "两天", "", True])
def test_bad_limit(value):
    with pytest.raises(BadValue):
        parse_limit(value)


# ------------------------------------------------------------------- the columns


def test_series_deadlines_keep_the_index_and_the_gaps():
    starts = pd.Series(
        [datetime(2026, 11, 20, 17, 30), pd.NaT, datetime(2026, 9, 30, 20), datetime(2026, 11, 23)],
        index=[7, 8, 9, 10],
    )
    hours = pd.Series([2.0, 2.0, 24.0, None], index=[7, 8, 9, 10])
    out = deadlines(starts, hours, ClockMode.WORKING, CAL)
    # Row 7 and 9 are the hand-worked cases above; 8 has no start, 10 no hours.
    expected = pd.Series(
        [datetime(2026, 11, 23, 10, 30), pd.NaT, datetime(2026, 10, 12, 10, 30), pd.NaT],
        index=[7, 8, 9, 10],
        dtype="datetime64[ns]",
    )
    pd.testing.assert_series_equal(out.values, expected)
    assert out.warnings == []


def test_calendar_mode_is_plain_addition():
    starts = pd.Series([datetime(2026, 9, 30, 20), pd.NaT])
    out = deadlines(starts, 24, ClockMode.NATURAL, None)
    assert out.values.iloc[0] == pd.Timestamp(2026, 10, 1, 20)
    assert pd.isna(out.values.iloc[1])
    left = hours_between(
        pd.Series([datetime(2026, 11, 20, 17)]),
        pd.Series([datetime(2026, 11, 23, 10)]),
        ClockMode.NATURAL,
        None,
    )
    assert left.iloc[0] == 65  # Fri 17:00 to Mon 10:00: 7 + 48 + 10 hours


def test_working_day_limits_count_working_days_in_either_mode():
    starts = pd.Series([datetime(2026, 9, 30, 15)])
    for mode in ClockMode:
        out = due_by_limit(starts, parse_limit("2个工作日"), mode, CAL)
        assert out.values.iloc[0] == pd.Timestamp(2026, 10, 9, 18)  # as in the 国庆 test
    hours = due_by_limit(starts, parse_limit("24"), ClockMode.NATURAL, CAL)
    assert hours.values.iloc[0] == pd.Timestamp(2026, 10, 1, 15)


def test_series_warnings_name_each_uncovered_year_once():
    starts = pd.Series([datetime(2027, 3, 1, 9), datetime(2027, 6, 1, 9), datetime(2026, 3, 2)])
    out = CAL.add_days(starts, 1)
    assert out.warnings == [CoverageWarning(2027)]


# --------------------------------------------------------------------- properties

_minutes = st.integers(0, 24 * 60 * 30)  # up to 30 days of working time, in whole minutes
_starts = st.datetimes(datetime(2025, 1, 1), datetime(2026, 12, 31)).map(
    lambda d: d.replace(second=0, microsecond=0)
)


@settings(max_examples=300, deadline=None)
@given(start=_starts, minutes=_minutes)
def test_working_time_is_never_earlier_than_calendar_time(start, minutes):
    assert CAL.add_working_hours(start, minutes / 60) >= start + timedelta(minutes=minutes)


@settings(max_examples=100, deadline=None)
@given(start=_starts, minutes=_minutes, holiday=st.integers(-3, 60))
def test_adding_a_holiday_never_makes_a_deadline_earlier(start, minutes, holiday):
    day = start.date() + timedelta(days=holiday)
    more = WorkCalendar(overrides={day: False})
    assert more.add_working_hours(start, minutes / 60) >= CAL.add_working_hours(start, minutes / 60)


@settings(max_examples=300, deadline=None)
@given(start=_starts, a=_minutes, b=_minutes)
def test_adding_hours_in_two_steps_is_adding_them_at_once(start, a, b):
    once = CAL.add_working_hours(start, (a + b) / 60)
    assert once == CAL.add_working_hours(CAL.add_working_hours(start, a / 60), b / 60)


@settings(max_examples=300, deadline=None)
@given(start=_starts, minutes=_minutes)
def test_hours_between_a_start_and_its_deadline_are_the_hours_added(start, minutes):
    # Stronger than "for a start inside working time": it holds for any start.
    due = CAL.add_working_hours(start, minutes / 60)
    assert CAL.working_hours_between(start, due) == minutes / 60


@settings(max_examples=200, deadline=None)
@given(start=_starts, n=st.integers(1, 40))
def test_n_working_days_end_at_the_close_of_the_nth_working_day(start, n):
    due = CAL.add_working_days(start, n)
    assert due.time() == time(18)
    assert CAL.is_working_day(due.date())
    between = CAL.working_days(start.date() + timedelta(days=1), due.date())
    assert len(between) == n
