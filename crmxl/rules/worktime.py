"""Working time (SPEC 2.8): working intervals, working days, Chinese holidays and 调休.

A :class:`WorkCalendar` knows which days are working days and which hours of a working day count:

- the working intervals of a day (配置 工作时间, default ``09:00-12:00,13:30-18:00``);
- the working weekdays (配置 工作日, default ``周一至周五``);
- the State Council's public holidays and make-up working days (调休), from the package
  ``chinesecalendar`` (2004–2026 in version 1.11): a library holiday is a day off whatever its
  weekday, a library make-up day is a working day whatever its weekday, any other day follows
  the working weekdays;
- the 节假日 sheet (日期, 类型 休/班, 说明), which replaces the library day by day: a company's
  own days off, or the years the library does not know yet.

Coverage: a year is *covered* when the library knows it or the 节假日 sheet has at least one
row dated in it (one row tells crmxl the team has entered that year's schedule). Counting
through a year nobody covers still works (weekdays only, no holidays), and the functions that
compute deadlines return a :class:`CoverageWarning` naming each such year, as data.

Arithmetic. A deadline is the *earliest* moment at which enough working time has passed, so
Monday 17:00 + 1 working hour is Monday 18:00 (not Tuesday 09:00), and a start outside working
time counts from the next working interval (Friday 17:00 + 2 h → Monday 10:00 with the default
intervals). "N 个工作日" ends at the close of the Nth working day after the start day, the close
being the end of the day's last working interval (18:00 by default); 0 个工作日 is the close of
the start day when it is a working day, else of the next working day.

Everything is computed on numpy arrays: the working days of the years in play are kept as one
sorted array, and a moment's position in working time is (working days before its day) × (the
working length of a day) + (working time of its day before it), read from a per-day table of
working days so far; its inverse indexes the array of working days. 100k deadlines take
milliseconds. Times are counted in whole microseconds (Excel stores less).
The scalar functions run the same code on arrays of one.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from functools import cache
from typing import Any

import numpy as np
import pandas as pd

from crmxl.i18n import register, t
from crmxl.model.options import (
    DEFAULT_WORK_HOURS,
    DEFAULT_WORKDAYS,
    Limit,
    format_work_hours,
    format_workdays,
    parse_limit,
    parse_work_hours,
    parse_workdays,
)
from crmxl.model.schema import ENUMS, ClockMode, DayKind
from crmxl.model.values import BadValue, is_blank, parse_date

__all__ = [
    "DEFAULT_WORKDAYS",
    "DEFAULT_WORK_HOURS",
    "ClockMode",
    "CoverageWarning",
    "DayOverride",
    "Deadlines",
    "HolidayProblem",
    "Limit",
    "WorkCalendar",
    "coverage_dicts",
    "deadlines",
    "due_by_limit",
    "format_work_hours",
    "format_workdays",
    "hours_between",
    "library_years",
    "parse_day_kind",
    "parse_limit",
    "parse_work_hours",
    "parse_workdays",
    "read_holidays",
]

_US_PER_DAY = 86_400_000_000
_US_PER_HOUR = 3_600_000_000
_US_PER_MINUTE = 60_000_000
_NAT = np.iinfo(np.int64).min  # numpy's NaT as int64
#: Latest year a calendar extends to (datetime's limit); counting past it gives NaT.
_MAX_YEAR = 9998


# ----------------------------------------------------------------- the working day


def _interval_us(moment: time) -> int:
    if moment == time.max:
        return _US_PER_DAY
    return (moment.hour * 3600 + moment.minute * 60 + moment.second) * 1_000_000 + (
        moment.microsecond
    )


# ---------------------------------------------------------------------- the 节假日 sheet


@dataclass(frozen=True)
class DayOverride:
    """One row of the 节假日 sheet: ``working`` False for 休, True for 班."""

    day: date
    working: bool
    note: str = ""
    row: int | None = None


@dataclass(frozen=True)
class HolidayProblem:
    """A 节假日 row that cannot be used, or repeats a date, for validate to report.

    ``key`` is the column (``date`` or ``kind``); ``code`` is ``holiday-bad-date``,
    ``holiday-bad-kind``, ``holiday-duplicate`` (same date and type again: harmless) or
    ``holiday-conflict`` (same date, other type: the first row wins). ``first_row`` is the row
    that wins for the two repeat codes.
    """

    row: int
    key: str
    code: str
    value: Any
    first_row: int | None = None


def parse_day_kind(value: Any) -> bool:
    """``休`` -> False (a day off), ``班`` -> True (a working day); also Off/Work, 放假, 补班 …"""
    if is_blank(value):
        raise BadValue("holiday-bad-kind", "")
    kind = ENUMS["day_kinds"].canonical(str(value))
    if kind is None:
        raise BadValue("holiday-bad-kind", str(value))
    return kind == DayKind.WORK


def read_holidays(frame: pd.DataFrame) -> tuple[tuple[DayOverride, ...], list[HolidayProblem]]:
    """The 节假日 sheet -> its day overrides and the problems of its rows.

    ``frame`` has columns ``date``, ``kind`` and optionally ``note``, indexed by Excel row; the
    cells may be raw (text, Excel dates) or already typed. Blank rows are skipped; a row with a
    bad date or type is left out; a repeated date keeps its first row.
    """
    overrides: dict[date, DayOverride] = {}
    problems: list[HolidayProblem] = []
    notes = frame["note"] if "note" in frame else pd.Series("", index=frame.index)
    for row, raw_day, raw_kind, note in zip(
        frame.index.tolist(),
        frame["date"].tolist(),
        frame["kind"].tolist(),
        notes.tolist(),
        strict=True,
    ):
        if is_blank(raw_day) and is_blank(raw_kind):
            continue
        try:
            day = raw_day.date() if isinstance(raw_day, datetime) else parse_date(raw_day)
        except BadValue:
            problems.append(HolidayProblem(int(row), "date", "holiday-bad-date", raw_day))
            continue
        try:
            working = parse_day_kind(raw_kind)
        except BadValue:
            problems.append(HolidayProblem(int(row), "kind", "holiday-bad-kind", raw_kind))
            continue
        first = overrides.get(day)
        if first is not None:
            code = "holiday-duplicate" if first.working == working else "holiday-conflict"
            problems.append(HolidayProblem(int(row), "date", code, raw_day, first.row))
            continue
        text = "" if is_blank(note) else str(note).strip()
        overrides[day] = DayOverride(day, working, text, int(row))
    return tuple(overrides.values()), problems


# --------------------------------------------------------------------- the library


@cache
def _library() -> tuple[frozenset[int], np.ndarray, np.ndarray]:
    """(years the library knows, its holidays, its make-up working days) as day numbers."""
    import chinese_calendar

    holidays = np.array(sorted(chinese_calendar.holidays), dtype="datetime64[D]")
    workdays = np.array(sorted(chinese_calendar.workdays), dtype="datetime64[D]")
    first, last = min(chinese_calendar.holidays).year, max(chinese_calendar.holidays).year
    return (
        frozenset(range(first, last + 1)),
        holidays.astype(np.int64),
        workdays.astype(np.int64),
    )


def library_years() -> frozenset[int]:
    """The years the holiday library knows (2004–2026 in chinesecalendar 1.11)."""
    return _library()[0]


# ------------------------------------------------------------------------- coverage


@dataclass(frozen=True)
class CoverageWarning:
    """Counting went through a year whose holidays nobody told crmxl: weekdays only."""

    year: int

    code = "worktime-uncovered-year"

    def text(self, lang: str = "zh") -> str:
        return t(self.code, lang, year=self.year)


def coverage_dicts(warnings: Iterable[CoverageWarning], lang: str = "zh") -> list[dict[str, Any]]:
    """The warnings as ``--json`` prints them: code, year and message."""
    return [{"code": w.code, "year": w.year, "message": w.text(lang)} for w in warnings]


@dataclass
class Deadlines:
    """Deadlines per row and the coverage warnings of the years counted through."""

    values: pd.Series
    warnings: list[CoverageWarning] = field(default_factory=list)


# ------------------------------------------------------------------------- calendar


def _day_number(d: date) -> int:
    return int(np.datetime64(d, "D").astype(np.int64))


def _year_start(year: int) -> int:
    return _day_number(date(year, 1, 1))


def _year_of(day_number: int) -> int:
    return int(np.datetime64(day_number, "D").astype("datetime64[Y]").astype(np.int64)) + 1970


class WorkCalendar:
    """Working days and working hours (see the module docstring)."""

    def __init__(
        self,
        work_hours: Iterable[tuple[time, time]] | str = DEFAULT_WORK_HOURS,
        workdays: Iterable[int] | str = DEFAULT_WORKDAYS,
        overrides: Iterable[DayOverride] | Mapping[date, bool] = (),
        *,
        use_library: bool = True,
    ) -> None:
        intervals = (
            parse_work_hours(work_hours) if isinstance(work_hours, str) else tuple(work_hours)
        )
        days = parse_workdays(workdays) if isinstance(workdays, str) else frozenset(workdays)
        if not days or not days <= set(range(7)):
            raise BadValue("bad-workdays", str(sorted(days)))
        bounds = [(_interval_us(s), _interval_us(e)) for s, e in intervals]
        if not bounds or any(
            e <= s or (k and s < bounds[k - 1][1]) for k, (s, e) in enumerate(bounds)
        ):
            raise BadValue("bad-work-hours", format_work_hours(intervals))
        self.work_hours: tuple[tuple[time, time], ...] = intervals
        self.workdays: frozenset[int] = days
        if isinstance(overrides, Mapping):
            self.overrides: dict[date, bool] = dict(overrides)
        else:
            self.overrides = {o.day: o.working for o in overrides}
        self.use_library = use_library
        self._starts = np.array([s for s, _ in bounds], dtype=np.int64)
        lengths = np.array([e - s for s, e in bounds], dtype=np.int64)
        self._before = np.concatenate(([0], np.cumsum(lengths)[:-1])).astype(np.int64)
        self._ends_cum = np.cumsum(lengths).astype(np.int64)
        self._lengths = lengths
        self.day_us = int(lengths.sum())  # working time of one working day
        self._close_us = bounds[-1][1]
        self._weekday_mask = np.array([d in days for d in range(7)])
        lib_years = library_years() if use_library else frozenset()
        self.covered_years: frozenset[int] = lib_years | {d.year for d in self.overrides}
        self._override_days = np.array(
            [_day_number(d) for d in sorted(self.overrides)], dtype=np.int64
        )
        self._override_on = np.array(
            [self.overrides[d] for d in sorted(self.overrides)], dtype=bool
        )
        # The years held, [lo, hi): every day from self._first on, whether it is a working day
        # (self._work), how many working days come before it (self._count, one longer), and the
        # working days themselves (self._days), all as day numbers since 1970.
        self._lo = self._hi = 0
        self._first = 0
        self._work = np.empty(0, dtype=bool)
        self._count = np.zeros(1, dtype=np.int64)
        self._days = np.empty(0, dtype=np.int64)

    # -------------------------------------------------------------- the working days

    def _year_work(self, year: int) -> np.ndarray:
        """Whether each day of ``year`` is a working day, from 1 January on."""
        first, end = _year_start(year), _year_start(year + 1)
        numbers = np.arange(first, end, dtype=np.int64)
        working = self._weekday_mask[(numbers + 3) % 7]  # 1970-01-01 was a Thursday
        if self.use_library and year in library_years():
            _, holidays, makeups = _library()
            working &= ~np.isin(numbers, holidays)
            working |= np.isin(numbers, makeups)
        if len(self._override_days):
            where = np.searchsorted(self._override_days, numbers)
            where = np.minimum(where, len(self._override_days) - 1)
            hit = self._override_days[where] == numbers
            working = np.where(hit, self._override_on[where], working)
        return working

    def _hold(self, lo: int, hi: int) -> None:
        """Make sure the working days of the years [lo, hi) are held, as one sorted array."""
        lo, hi = max(lo, 1), min(hi, _MAX_YEAR + 1)
        if self._hi > self._lo:
            if lo >= self._lo and hi <= self._hi:
                return
            lo, hi = min(lo, self._lo), max(hi, self._hi)
        self._work = np.concatenate([self._year_work(y) for y in range(lo, hi)])
        self._first = _year_start(lo)
        self._count = np.concatenate(([0], np.cumsum(self._work))).astype(np.int64)
        self._days = self._first + np.flatnonzero(self._work).astype(np.int64)
        self._lo, self._hi = lo, hi

    def _place(self, days: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(working days before each day, whether it is one) for days in the held years."""
        offset = days - self._first
        return self._count[offset], self._work[offset]

    def _hold_for(self, day_numbers: np.ndarray, ahead_years: int = 2) -> None:
        """Hold the years of ``day_numbers`` and ``ahead_years`` more (deadlines run ahead)."""
        first = _year_of(int(day_numbers.min()))
        last = _year_of(int(day_numbers.max()))
        self._hold(first, last + ahead_years)

    def is_working_day(self, day: date) -> bool:
        """Whether ``day`` is a working day (the 节假日 sheet, then the library, then weekdays)."""
        if isinstance(day, datetime):
            day = day.date()
        self._hold(day.year, day.year + 1)
        return bool(self._work[_day_number(day) - self._first])

    def working_days(self, first: date, last: date) -> list[date]:
        """The working days from ``first`` to ``last``, both included."""
        if last < first:
            return []
        self._hold(first.year, last.year + 1)
        lo, _ = self._place(np.array([_day_number(first)]))
        hi, work = self._place(np.array([_day_number(last)]))
        chosen = self._days[int(lo[0]) : int(hi[0] + work[0])]
        return [d.item() for d in chosen.astype("datetime64[D]")]

    # ------------------------------------------------------------ working-time position

    def _position(self, moments: np.ndarray) -> np.ndarray:
        """Working microseconds from the start of the held range to each moment (valid rows)."""
        days = np.floor_divide(moments, _US_PER_DAY)
        of_day = moments - days * _US_PER_DAY
        before, is_work = self._place(days)
        within = np.zeros(len(days), dtype=np.int64)
        for start, length in zip(self._starts.tolist(), self._lengths.tolist(), strict=True):
            within += np.clip(of_day - start, 0, length)
        return before.astype(np.int64) * self.day_us + np.where(is_work, within, 0)

    def _moment(self, positions: np.ndarray) -> np.ndarray:
        """The earliest moment at each working position (> 0); NaT past the held years."""
        k = np.floor_divide(positions - 1, self.day_us)
        rest = positions - k * self.day_us  # in (0, day_us]
        which = np.searchsorted(self._ends_cum, rest, side="left")
        of_day = self._starts[which] + (rest - self._before[which])
        out = np.full(len(positions), _NAT, dtype=np.int64)
        ok = (k >= 0) & (k < len(self._days))
        out[ok] = self._days[k[ok]] * _US_PER_DAY + of_day[ok]
        return out

    # ------------------------------------------------------ the arithmetic, on arrays

    def _ahead(
        self,
        moments: np.ndarray,
        amounts: np.ndarray,
        step: Callable[[np.ndarray, np.ndarray], tuple[np.ndarray, int]],
    ) -> np.ndarray:
        """``step`` on the rows with a moment and an amount ≥ 0 (NaT elsewhere).

        ``step`` returns its results and how many working days past the held years it needed
        (0 when none); the years are then extended (at the pace of a year with at least one
        working day a week) and it runs again.
        """
        valid = (moments != _NAT) & (amounts >= 0)
        out = np.full(len(moments), _NAT, dtype=np.int64)
        if not valid.any():
            return out
        m, a = moments[valid], amounts[valid]
        self._hold_for(np.floor_divide(m, _US_PER_DAY))
        while True:
            result, short = step(m, a)
            if not short or self._hi > _MAX_YEAR:
                break
            self._hold(self._lo, self._hi + max(2, short // 40 + 1))
        out[valid] = result
        return out

    def _add_hours_us(self, moments: np.ndarray, amounts: np.ndarray) -> np.ndarray:
        """Moments plus working time, in microseconds; NaT where either is NaT or < 0."""

        def step(m: np.ndarray, a: np.ndarray) -> tuple[np.ndarray, int]:
            target = self._position(m) + a
            result = self._moment(np.maximum(target, 1))
            missing = (result == _NAT) & (a > 0)
            if not missing.any():
                return np.where(a == 0, m, result), 0
            return result, max(1, int(target[missing].max() // self.day_us) - len(self._days))

        return self._ahead(moments, amounts, step)

    def _between_us(self, earlier: np.ndarray, later: np.ndarray) -> np.ndarray:
        """Working hours from each earlier moment to each later one (NaN where NaT)."""
        valid = (earlier != _NAT) & (later != _NAT)
        out = np.full(len(earlier), np.nan)
        if valid.any():
            a, b = earlier[valid], later[valid]
            self._hold_for(np.floor_divide(np.concatenate((a, b)), _US_PER_DAY), ahead_years=1)
            out[valid] = (self._position(b) - self._position(a)) / _US_PER_HOUR
        return out

    def _add_days_us(self, moments: np.ndarray, counts: np.ndarray) -> np.ndarray:
        """The close of the Nth working day after each moment's day, in microseconds."""

        def step(m: np.ndarray, count: np.ndarray) -> tuple[np.ndarray, int]:
            before, is_work = self._place(np.floor_divide(m, _US_PER_DAY))
            k = np.where(count == 0, before, before + is_work + count - 1)
            ok = k < len(self._days)
            result = np.full(len(k), _NAT, dtype=np.int64)
            result[ok] = self._days[k[ok]] * _US_PER_DAY + self._close_us
            return result, 0 if ok.all() else int(k.max()) - len(self._days) + 1

        return self._ahead(moments, counts, step)

    def _coverage_us(self, starts: np.ndarray, ends: np.ndarray) -> list[CoverageWarning]:
        both = (starts != _NAT) & (ends != _NAT)
        if not both.any():
            return []
        lo = np.minimum(starts[both], ends[both])
        hi = np.maximum(starts[both], ends[both])
        warnings = []
        for year in range(_year_of_us(int(lo.min())), _year_of_us(int(hi.max())) + 1):
            if year in self.covered_years:
                continue
            begin, end = _year_start(year) * _US_PER_DAY, _year_start(year + 1) * _US_PER_DAY
            if bool(((lo < end) & (hi >= begin)).any()):
                warnings.append(CoverageWarning(year))
        return warnings

    # -------------------------------------------------------------- vectorised API

    def add_hours(self, starts: pd.Series, hours: pd.Series | float) -> Deadlines:
        """``start + hours`` of working time per row (NaT where start or hours is missing/< 0)."""
        moments = _us(starts)
        out = self._add_hours_us(moments, _hours_us(hours, starts.index))
        return Deadlines(_series(out, starts.index), self._coverage_us(moments, out))

    def hours_between(self, earlier: pd.Series, later: pd.Series) -> pd.Series:
        """Working hours from ``earlier`` to ``later`` per row (negative when later < earlier)."""
        out = self._between_us(_us(earlier), _us(later.reindex(earlier.index)))
        return pd.Series(out, index=earlier.index, dtype="float64")

    def add_days(self, starts: pd.Series, days: pd.Series | int) -> Deadlines:
        """The close of the Nth working day after each start's day (N = 0: that day or the next)."""
        moments = _us(starts)
        out = self._add_days_us(moments, _counts(days, starts.index))
        return Deadlines(_series(out, starts.index), self._coverage_us(moments, out))

    def coverage(self, starts: pd.Series, ends: pd.Series) -> list[CoverageWarning]:
        """A warning for each year nobody covers that some row counts through (start..end)."""
        return self._coverage_us(_us(starts), _us(ends.reindex(starts.index)))

    # ----------------------------------------------------------------- scalar API

    def add_working_hours(self, start: datetime | date, hours: float) -> datetime:
        """``start`` + ``hours`` of working time (the earliest moment it is reached)."""
        if not hours >= 0:
            raise ValueError("hours must be a number, not negative")
        amount = np.array([round(hours * _US_PER_HOUR)], dtype=np.int64)
        return _from_us(self._add_hours_us(_one_us(start), amount))

    def working_hours_before(self, end: datetime | date, hours: float) -> datetime:
        """The earliest moment from which ``hours`` of working time end at ``end`` (at the
        latest): the start that :meth:`add_working_hours` takes back to ``end``'s place in
        working time (at a boundary, 12:00 rather than 13:30)."""
        if not hours >= 0:
            raise ValueError("hours must be a number, not negative")
        moment = _one_us(end)
        self._hold_for(np.floor_divide(moment, _US_PER_DAY) - 366 * (1 + int(hours) // 2000))
        self._hold_for(np.floor_divide(moment, _US_PER_DAY), ahead_years=1)
        target = self._position(moment) - round(hours * _US_PER_HOUR)
        if target <= 0:
            raise OverflowError("the start is before the first year a calendar can count")
        return _from_us(self._moment(np.maximum(target, 1)))

    def working_hours_between(self, earlier: datetime | date, later: datetime | date) -> float:
        """Working hours from ``earlier`` to ``later`` (negative when later < earlier)."""
        return float(self._between_us(_one_us(earlier), _one_us(later))[0])

    def add_working_days(self, start: datetime | date, days: int) -> datetime:
        """The close of the ``days``-th working day after ``start``'s day (see the module doc)."""
        if days < 0:
            raise ValueError("days must not be negative")
        return _from_us(self._add_days_us(_one_us(start), np.array([days], dtype=np.int64)))

    def warnings(self, start: datetime | date, end: datetime | date) -> list[CoverageWarning]:
        """The coverage warnings for counting from ``start`` to ``end``."""
        return self._coverage_us(_one_us(start), _one_us(end))


# ------------------------------------------------------------- calendar or working


def deadlines(
    starts: pd.Series,
    hours: pd.Series | float,
    mode: ClockMode,
    calendar: WorkCalendar | None,
) -> Deadlines:
    """``start + hours`` per row, in calendar hours or working hours by ``mode``.

    This is what the SLA clocks (2.4) and the 建档/录入 limits given in hours call; ``calendar``
    may be None in calendar mode.
    """
    if mode is ClockMode.WORKING:
        if calendar is None:
            raise ValueError("working time needs a WorkCalendar")
        return calendar.add_hours(starts, hours)
    moments = _us(starts)
    amount = _hours_us(hours, starts.index)
    valid = (moments != _NAT) & (amount >= 0)
    out = np.where(valid, moments + np.where(valid, amount, 0), _NAT)
    return Deadlines(_series(out, starts.index))


def due_by_limit(
    starts: pd.Series, limit: Limit, mode: ClockMode, calendar: WorkCalendar | None
) -> Deadlines:
    """The deadline of a 时限 (hours by ``mode``; working days always on the calendar)."""
    if limit.unit == "workdays":
        if calendar is None:
            raise ValueError("working days need a WorkCalendar")
        return calendar.add_days(starts, int(limit.amount))
    return deadlines(starts, limit.amount, mode, calendar)


def hours_between(
    earlier: pd.Series, later: pd.Series, mode: ClockMode, calendar: WorkCalendar | None
) -> pd.Series:
    """Hours from ``earlier`` to ``later`` per row, calendar or working by ``mode``.

    For the SLA's "time left" (即将超时 when at most 25% of the window is left) and for how late
    an entry was (录入及时 否 (超时N小时)).
    """
    if mode is ClockMode.WORKING:
        if calendar is None:
            raise ValueError("working time needs a WorkCalendar")
        return calendar.hours_between(earlier, later)
    a = pd.to_datetime(earlier, errors="coerce")
    b = pd.to_datetime(later.reindex(earlier.index), errors="coerce")
    return (b - a).dt.total_seconds() / 3600


# ----------------------------------------------------------------------- helpers


def _us(moments: pd.Series) -> np.ndarray:
    """Microseconds since 1970 per row (numpy's NaT value where there is no moment)."""
    converted = pd.to_datetime(moments, errors="coerce")
    if getattr(converted.dt, "tz", None) is not None:
        converted = converted.dt.tz_localize(None)
    values: np.ndarray = converted.to_numpy(dtype="datetime64[us]").astype(np.int64)
    return values


_EPOCH = datetime(1970, 1, 1)


def _one_us(moment: datetime | date) -> np.ndarray:
    if not isinstance(moment, datetime):
        moment = datetime.combine(moment, time())
    delta = moment.replace(tzinfo=None) - _EPOCH
    return np.array(
        [(delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds], dtype=np.int64
    )


def _from_us(us: np.ndarray) -> datetime:
    value = int(us[0])
    if value == _NAT:
        raise OverflowError("the deadline is past the last year a calendar can count")
    days, rest = divmod(value, _US_PER_DAY)
    return datetime.combine(date.fromordinal(_EPOCH_ORDINAL + days), time()) + timedelta(
        microseconds=rest
    )


_EPOCH_ORDINAL = date(1970, 1, 1).toordinal()


def _year_of_us(us: int) -> int:
    return _year_of(us // _US_PER_DAY)


def _numbers(values: pd.Series | float, index: pd.Index) -> np.ndarray:
    """A number per row (NaN where missing or not a number), from a column or one value."""
    if isinstance(values, pd.Series):
        return pd.to_numeric(values.reindex(index), errors="coerce").to_numpy(dtype="float64")
    return np.full(len(index), float(values))


def _hours_us(hours: pd.Series | float, index: pd.Index) -> np.ndarray:
    """Hours per row in whole microseconds; -1 (invalid) where missing."""
    numbers = _numbers(hours, index)
    amount = np.full(len(index), -1, dtype=np.int64)
    finite = np.isfinite(numbers)
    amount[finite] = np.round(numbers[finite] * _US_PER_HOUR).astype(np.int64)
    return amount


def _counts(days: pd.Series | int, index: pd.Index) -> np.ndarray:
    """Whole day counts per row; -1 (invalid) where missing or fractional."""
    numbers = _numbers(days, index)
    out = np.full(len(index), -1, dtype=np.int64)
    whole = np.isfinite(numbers) & (numbers == np.floor(numbers))
    out[whole] = numbers[whole].astype(np.int64)
    return out


_NS_LIMIT_US = np.iinfo(np.int64).max // 1000  # the last microsecond pandas' ns can hold


def _series(us: np.ndarray, index: pd.Index) -> pd.Series:
    """Microseconds -> a datetime64[ns] Series (NaT past what nanoseconds can hold)."""
    us = np.where(us > _NS_LIMIT_US, _NAT, us)
    return pd.Series(us.astype("datetime64[us]"), index=index).astype("datetime64[ns]")


register(
    {
        "worktime-uncovered-year": (
            "{year} 年的法定节假日和调休未知（节假日库与“节假日”工作表都未覆盖），该年按周末计算；"
            "请在“节假日”工作表填写 {year} 年的放假和调休安排",
            "The public holidays of {year} are unknown (neither the holiday library nor the "
            "Holidays sheet covers that year), so only weekends count as days off; add {year}'s "
            "holidays and make-up working days to the Holidays sheet",
        ),
        "worktime-basis": ("按工作时间计", "counted in working time"),
        "holiday-bad-date": ("“{value}”不是有效日期", "{value!r} is not a date"),
        "holiday-bad-kind": (
            "类型“{value}”无效，只能填“休”或“班”",
            "Type {value!r} is not valid: use 休 (day off) or 班 (working day)",
        ),
        "holiday-duplicate": (
            "日期 {value} 重复（与第 {first_row} 行相同）",
            "Date {value} is listed twice (same as row {first_row})",
        ),
        "holiday-conflict": (
            "日期 {value} 与第 {first_row} 行的类型矛盾，以第 {first_row} 行为准",
            "Date {value} contradicts row {first_row}; row {first_row} is used",
        ),
    }
)
