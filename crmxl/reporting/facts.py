"""What ``report`` and ``todo`` read: an evaluated workspace plus the columns they need.

:func:`crmxl.rules.evaluate.evaluate` types the inputs of the rules and computes every (auto) value in
memory. The report and the agenda also read columns the rules do not (建档日期, 成立时间, 客户满意度,
报价, 生日 ...); :func:`load` types those too and lays the computed values over the stored ones, so
there is one frame per sheet to read. Computed values always win over what the workbook holds: a
workbook that was never refreshed reports the same as one refreshed a minute ago.

Also here: the reporting :class:`Period` (the calendar week, month or quarter holding the as-of
date, or the 7, 30 or 90 days ending on it, and the period before it) and the owner list
(销售团队 order first, then anyone else who owns something, by name).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import cached_property
from pathlib import Path

import numpy as np
import pandas as pd

from crmxl.checks.ruleinputs import evaluate
from crmxl.errors import UsageError
from crmxl.i18n import pick, register
from crmxl.model.frames import convert, typed
from crmxl.model.schema import CUSTOMERS, SHEETS_BY_KEY, ColType, match_column
from crmxl.model.settings import Settings
from crmxl.model.values import parse_as_of
from crmxl.model.workspace import Workspace, open_workspace
from crmxl.progress import Progress, reporter
from crmxl.rules.common import Clock
from crmxl.rules.evaluate import INPUTS, Evaluation

#: Columns report and todo read, per sheet (typed once; what evaluate typed is reused).
NEEDED: dict[str, tuple[str, ...]] = {
    "customers": (
        "customer_id",
        "name",
        "owner",
        "created",
        "first_contact",
        "founded",
        "former_owner",
        "pooled_on",
    ),
    "contacts": ("customer_id", "name", "title", "birthday", "employment"),
    "follow_ups": ("customer_id", "date"),  # 记录人 is typed lazily: see Facts.cells
    "transactions": ("customer_id", "signed_on", "amount"),
    "needs": (
        "need_id",
        "customer_id",
        "description",
        "priority",
        "quote",
        "budget",
        "wanted_by",
        "status",
        "owner",
    ),
    "issues": (
        "issue_id",
        "customer_id",
        "type",
        "urgency",
        "owner",
        "status",
        "logged_at",
        "first_response_at",
        "plan_at",
        "resolved_at",
        "satisfaction",
    ),
    "leads": (
        "lead_id",
        "company",
        "captured_at",
        "assigned_to",
        "assigned_at",
        "confirmed_at",
        "status",
    ),
    "team": ("name", "active"),
    "changelog": ("time", "record", "field", "old", "new", "reason"),
}

#: A progress callback: ``(stage, done, total)``, as ``refresh`` takes it.

#: The calendar periods (本周 Monday to Sunday, 本月, 本季度) and the rolling windows (the days
#: ending on the as-of date).
CALENDAR = ("week", "month", "quarter")
ROLLING = {"7d": 7, "30d": 30, "90d": 90}
PERIODS = (*CALENDAR, *ROLLING)

#: How a period is named: (this period, the one before) in zh and en.
_NAMES: dict[str, tuple[tuple[str, str], tuple[str, str]]] = {
    "week": (("本周", "this week"), ("上周", "last week")),
    "month": (("本月", "this month"), ("上月", "last month")),
    "quarter": (("本季度", "this quarter"), ("上季度", "last quarter")),
    "7d": (("近7天", "last 7 days"), ("前7天", "7 days before")),
    "30d": (("近30天", "last 30 days"), ("前30天", "30 days before")),
    "90d": (("近90天", "last 90 days"), ("前90天", "90 days before")),
}

#: How an owner-less record is shown.
NO_OWNER = ("（未分配）", "(unassigned)")


def report_moment(as_of: datetime | date | str | None) -> datetime:
    """The moment a report counts to: a date alone (``2026-11-30``) means the end of that day,
    23:59:59, so that a follow-up logged on the 30th counts in November; a date-time is itself;
    None is now."""
    if isinstance(as_of, date) and not isinstance(as_of, datetime):
        return datetime.combine(as_of, time(23, 59, 59))
    if isinstance(as_of, str) and as_of.strip() and not _HAS_TIME.search(as_of):
        return datetime.combine(parse_as_of(as_of).date(), time(23, 59, 59))
    return parse_as_of(as_of)


_HAS_TIME = re.compile(r"\d:\d")  # 10:00, 2026-11-20T10:00, 2026-11-20 10:00:00


def _month_start(d: date, back: int = 0) -> date:
    """The 1st of ``d``'s month, ``back`` months earlier."""
    index = d.year * 12 + d.month - 1 - back
    return date(index // 12, index % 12 + 1, 1)


@dataclass(frozen=True)
class Period:
    """The days a report counts: ``first`` to ``last`` (dates, both included).

    A calendar period (``week``: Monday to Sunday, ``month``, ``quarter``) is the one that holds
    the as-of date; a rolling one (``7d``, ``30d``, ``90d``) is the days ending on it. An event is
    counted when it falls on those days and not after ``until`` (the as-of moment: what comes
    after has not happened yet). A date without a time counts as its 00:00.
    :attr:`previous` is the period just before, of the same kind, counted whole.
    """

    name: str
    first: date
    last: date
    until: datetime | None  # None: counted whole (a period that is over)
    current: bool = True

    @classmethod
    def of(cls, name: str, as_of: datetime) -> Period:
        if name not in PERIODS:
            raise UsageError("report-bad-period", period=name, known=", ".join(PERIODS))
        day = as_of.date()
        if name == "week":
            first = day - timedelta(days=day.weekday())
            last = first + timedelta(days=6)
        elif name == "month":
            first = _month_start(day)
            last = _month_start(day, -1) - timedelta(days=1)
        elif name == "quarter":
            first = _month_start(day, (day.month - 1) % 3)
            last = _month_start(first, -3) - timedelta(days=1)
        else:
            first, last = day - timedelta(days=ROLLING[name] - 1), day
        return cls(name, first, last, as_of)

    @property
    def previous(self) -> Period:
        """The period before this one, of the same length (calendar: the previous week, month
        or quarter; rolling: the same number of days just before)."""
        if self.name == "month":
            first = _month_start(self.first, 1)
        elif self.name == "quarter":
            first = _month_start(self.first, 3)
        else:
            first = self.first - (self.last - self.first) - timedelta(days=1)
        return Period(self.name, first, self.first - timedelta(days=1), None, current=False)

    @property
    def start(self) -> datetime:
        """00:00 of the first day."""
        return datetime.combine(self.first, time())

    @property
    def end(self) -> datetime:
        """The last moment counted: the as-of moment, or the end of the last day."""
        stop = datetime.combine(self.last, time(23, 59, 59, 999999))
        return min(stop, self.until) if self.until is not None else stop

    @property
    def days(self) -> int:
        return (self.last - self.first).days + 1

    def mask(self, when: pd.Series) -> pd.Series:
        """True where ``when`` (datetime64) falls in the period; False where blank."""
        if not pd.api.types.is_datetime64_any_dtype(when):
            return pd.Series(False, index=when.index)
        return ((when >= self.start) & (when <= self.end)).fillna(False).astype(bool)

    def title(self, lang: str) -> str:
        """``本周`` / ``last month``."""
        return pick(lang, *_NAMES[self.name][0 if self.current else 1])

    def label(self, lang: str) -> str:
        """``本周（2026-11-16 至 2026-11-22）`` / ``this week (2026-11-16 to 2026-11-22)``."""
        a, b = f"{self.first:%Y-%m-%d}", f"{self.last:%Y-%m-%d}"
        return pick(lang, f"{self.title(lang)}（{a} 至 {b}）", f"{self.title(lang)} ({a} to {b})")

    def to_dict(self) -> dict[str, object]:
        out: dict[str, object] = {
            "name": self.name,
            "kind": "calendar" if self.name in CALENDAR else "rolling",
            "first_day": self.first.isoformat(),
            "last_day": self.last.isoformat(),
            "days": self.days,
            "start": self.start.isoformat(sep=" "),
            "end": self.end.isoformat(sep=" ", timespec="seconds"),
        }
        if self.current:
            out["previous"] = self.previous.to_dict()
        return out


@dataclass
class Facts:
    """An evaluated workspace: one typed frame per sheet with the computed values laid over."""

    workspace: Workspace
    evaluation: Evaluation
    as_of: datetime
    frames: dict[str, pd.DataFrame]

    @property
    def clock(self) -> Clock:
        return self.evaluation.clock

    @property
    def settings(self) -> Settings:
        return self.workspace.settings

    @property
    def today(self) -> pd.Timestamp:
        return pd.Timestamp(self.as_of.date())

    @property
    def now(self) -> pd.Timestamp:
        return pd.Timestamp(self.as_of)

    def has(self, key: str) -> bool:
        return key in self.frames

    def frame(self, key: str) -> pd.DataFrame:
        """The sheet's frame, or an empty one with the same columns when the sheet is absent."""
        if key in self.frames:
            return self.frames[key]
        return empty_frame(key)

    @property
    def customers(self) -> pd.DataFrame:
        return self.frame("customers")

    @cached_property
    def customer_info(self) -> pd.DataFrame:
        """name, owner and (computed) stage by 客户编号; the first row of an ID wins."""
        c = self.customers
        known = c.loc[c["customer_id"].notna(), ["customer_id", "name", "owner", "stage"]]
        return known.drop_duplicates("customer_id").set_index("customer_id")

    def cells(self, sheet: str, key: str, rows: pd.Index | None = None) -> pd.Series:
        """Typed values of one column, for ``rows`` only (a column of a big sheet that only a
        few rows are needed of, such as 记录人 of the follow-ups in the period)."""
        table = self.workspace.tables.get(sheet)
        if table is None or key not in table.data:
            return pd.Series(None, index=rows if rows is not None else None, dtype=object)
        raw = table.data[key] if rows is None else table.data.loc[rows, key]
        return convert(raw, table.column(key), self.settings, table.date1904)[0]

    def recorders(self) -> pd.Series:
        """The distinct 记录人 of the follow-ups (typed once per distinct name)."""
        table = self.workspace.tables.get("follow_ups")
        if table is None or "recorded_by" not in table.data:
            return pd.Series(dtype=object)
        names = pd.Series(table.data["recorded_by"].dropna().unique(), dtype=object)
        return convert(names, table.column("recorded_by"), self.settings)[0]

    def owners(self) -> list[str]:
        """Everyone who owns something: 销售团队 order first, then the rest by name."""
        team = self.frame("team")
        ordered = [str(n) for n in team["name"].dropna()] if "name" in team else []
        others: set[str] = set()
        for key, col in (
            ("customers", "owner"),
            ("needs", "owner"),
            ("issues", "owner"),
            ("leads", "assigned_to"),
        ):
            frame = self.frame(key)
            if col in frame:
                others |= {str(v) for v in frame[col].dropna().unique()}
        others |= {str(v) for v in self.recorders().dropna()}
        seen = set(ordered)
        return list(dict.fromkeys(ordered)) + sorted(others - seen)


def empty_frame(key: str) -> pd.DataFrame:
    """A frame with no rows and the columns (and dtypes) :func:`load` gives sheet ``key``."""
    spec = SHEETS_BY_KEY[key]
    keys = [*NEEDED.get(key, ()), *(c.key for c in spec.auto_columns)]
    if key == "customers":
        keys.append("stage")
    columns = {}
    for k in dict.fromkeys(keys):
        kind = spec.column(k).type
        dtype = (
            "datetime64[ns]"
            if kind in (ColType.DATE, ColType.DATETIME)
            else "float64"
            if kind in (ColType.AMOUNT, ColType.NUMBER, ColType.INT)
            else object
        )
        columns[k] = pd.Series(dtype=dtype)
    return pd.DataFrame(columns)


def owner_label(value: object, lang: str) -> str:
    """An owner name, or （未分配） for a blank one."""
    if isinstance(value, str) and value.strip():
        return value
    return pick(lang, *NO_OWNER)


def load(
    files: Sequence[Path | str],
    *,
    as_of: datetime | None = None,
    config: Path | str | None = None,
    progress: Progress | None = None,
) -> Facts:
    """Read ``files``, compute every rule as of ``as_of`` (default now) and type what report
    and todo read. ``progress(stage, done, total)`` hears "read" and "compute" (of 3 steps)."""
    say = reporter(progress)
    moment = parse_as_of(as_of)
    say("read", 0, 3)
    ws = open_workspace(files, config=config)
    say("compute", 1, 3)
    ev = evaluate(ws, moment)
    frames: dict[str, pd.DataFrame] = {}
    for key, table in ws.tables.items():
        if key == "settings":
            continue
        have = ev.typed[key].frame if key in ev.typed else None
        done = _typed_by_evaluate(key) if have is not None else set()
        wanted = NEEDED.get(key, ())
        missing = [k for k in wanted if k not in done and k in table.data]
        settings = ws.settings if key != "changelog" else Settings()
        # typed() gives every schema column, blank and of the right dtype when not asked for,
        # so evaluate's frame already holds a blank column for a column the sheet lacks
        base = have if have is not None and not missing else typed(table, settings, missing).frame
        columns: dict[str, pd.Series] = {}
        for k in wanted:
            source = have if have is not None and k not in missing else base
            columns[k] = source[k]
        computed = ev.computed.frame(key)
        if computed is not None:
            columns.update({c: computed[c] for c in computed.columns})
        frames[key] = pd.DataFrame(columns, index=table.data.index)
    if "changelog" in frames:
        frames["changelog"] = _tier_log(frames["changelog"])
    return Facts(ws, ev, moment, frames)


def _typed_by_evaluate(key: str) -> set[str]:
    """The columns :func:`crmxl.rules.evaluate.evaluate` types for sheet ``key`` (the rest of its
    typed frame is blank placeholders)."""
    spec = SHEETS_BY_KEY[key]
    auto = {c.key for c in spec.auto_columns}
    return {k for k in (*INPUTS.get(key, ()), *auto, "name", "owner") if k in spec.keys}


def _tier_log(log: pd.DataFrame) -> pd.DataFrame:
    """The 变更日志 rows that record a 客户等级 change (the field is the tier's header)."""
    tier_col = CUSTOMERS.column("tier")
    is_tier = np.array(
        [isinstance(f, str) and match_column(CUSTOMERS, f) is tier_col for f in log["field"]],
        dtype=bool,
    )
    return log.loc[is_tier]


register(
    {
        "report-bad-period": (
            "未知的统计期“{period}”，可选：{known}",
            "Unknown period {period!r}; choose one of: {known}",
        ),
    }
)
