"""The sample's records as data (:class:`Sample`, :class:`Problem`) and what every part of the
builder shares (:class:`Base`: the clock, the random source, the rows made so far)."""

from __future__ import annotations

import random
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from typing import Any

from crmxl.model.schema import SHEETS_BY_KEY, ClockMode
from crmxl.model.settings import Settings
from crmxl.rules.worktime import WorkCalendar
from crmxl.starter.sample.vocabulary import CITIES, ENDINGS, TRADES, WORDS, weighted

#: The as-of moment of the bundled ``sample_data/crm-sample.xlsx`` (a date alone: its start).
SAMPLE_AS_OF = datetime(2026, 11, 20)

SAMPLE_SEED = 20261120

#: The sample's 配置: the defaults, with the issue clocks in working time (SPEC 2.8) and the
#: public pool on (SPEC 2.9), so that both show.
SAMPLE_SETTINGS = replace(Settings(), sla_clock=ClockMode.WORKING, pool_enabled=True)

Row = dict[str, Any]


@dataclass(frozen=True)
class Both:
    """A sample text in both languages (a 变更日志 row's): ``init`` writes the workbook's;
    anywhere else it reads as the Chinese."""

    zh: str
    en: str

    def __str__(self) -> str:
        return self.zh

    def text(self, lang: str) -> str:
        return self.en if lang == "en" else self.zh


@dataclass(frozen=True)
class Problem:
    """One deliberate problem in the sample: where it is and what ``validate`` should say."""

    sheet: str  # sheet key
    row: int  # 0-based index into Sample.rows[sheet]; the Excel row is row + 2
    column: str  # column key
    severity: str  # "error" or "warning"
    zh: str
    en: str

    def describe(self, lang: str) -> str:
        return self.en if lang == "en" else self.zh


@dataclass
class Sample:
    """The demo data: rows per sheet key, the deliberate problems and the scenario records."""

    as_of: datetime
    seed: int
    rows: dict[str, list[Row]]
    problems: list[Problem] = field(default_factory=list)
    #: scenario name -> the ID of the record that plays it (a customer, issue, need or lead ID)
    scenarios: dict[str, str] = field(default_factory=dict)
    #: what the sample's 配置 sheet says
    settings: Settings = field(default_factory=lambda: SAMPLE_SETTINGS)

    def count(self, sheet_key: str) -> int:
        return len(self.rows.get(sheet_key, []))


@dataclass
class _Plan:
    """What one customer should look like; turned into rows by :class:`_Builder`."""

    key: str  # scenario name, or "" for an ordinary customer
    stage: str
    region: str
    industry: str
    owner: str
    first_contact: date
    created: date | None = None
    deals: list[tuple[int, float]] = field(default_factory=list)  # (days before as_of, amount)
    next_in: int | None = None  # wanted 下次跟进 relative to as_of (days); None: no constraint
    via_next_date: bool = False  # reach next_in through the latest record's 下次跟进日期
    last_days_ago: int | None = None  # explicit last contact (days before as_of)
    no_follow_ups: bool = False
    terminated_days_ago: int | None = None
    leader: bool = False
    tier_override: str = ""
    notes: str = ""
    prev_tier: str = ""  # a 客户等级 left by an earlier refresh
    name: str = ""
    decider_left: bool = False
    birthday_in: int | None = None  # a contact's birthday this many days after as_of
    anniversary_in: int | None = None
    cid: str = ""
    row: Row = field(default_factory=dict)


class Base:
    """The state of one sample being built, and the small pieces every part uses."""

    def __init__(self, as_of: datetime, seed: int) -> None:
        self.seed = seed
        self.as_of = as_of
        self.today = as_of.date()
        self.rng = random.Random(seed)
        self.settings = SAMPLE_SETTINGS
        self.calendar = WorkCalendar(self.settings.work_hours, self.settings.workdays)
        self.rows: dict[str, list[Row]] = {s: [] for s in SHEETS_BY_KEY if s != "settings"}
        self.problems: list[tuple[str, Row, str, str, str, str]] = []
        self.scenarios: dict[str, str] = {}
        self.used_names: set[str] = set()
        self.contacts_by_customer: dict[str, list[Row]] = {}
        self.plans: list[_Plan] = []

    def day(self, days_ago: int) -> date:
        return self.today - timedelta(days=days_ago)

    def back(self, hours: float) -> datetime:
        """The moment ``hours`` of SLA time (working time in the sample) before as_of."""
        if self.settings.sla_clock is ClockMode.WORKING:
            return self.calendar.working_hours_before(self.as_of, hours)
        return self.as_of - timedelta(hours=hours)

    def sla_after(self, start: datetime, hours: float) -> datetime:
        """``start`` plus ``hours`` of SLA time (working time in the sample)."""
        if self.settings.sla_clock is ClockMode.WORKING:
            return self.calendar.add_working_hours(start, hours)
        return start + timedelta(hours=hours)

    def problem(self, sheet: str, row: Row, column: str, severity: str, zh: str, en: str) -> None:
        self.problems.append((sheet, row, column, severity, zh, en))

    def tier_for(self, amount: float, leader: bool) -> str:
        """The tier the default settings give (only to aim the follow-up dates)."""
        if leader:
            return self.settings.tiers[0]
        for letter in self.settings.tiers[:-1]:
            if amount >= self.settings.thresholds[letter]:
                return letter
        return self.settings.tiers[-1]

    def trailing(self, plan: _Plan) -> float:
        return sum(a for days, a in plan.deals if 0 <= days < 365)

    def cadence(self, plan: _Plan) -> int:
        tier = plan.tier_override or self.tier_for(self.trailing(plan), plan.leader)
        return self.settings.cadence(tier, plan.stage) or 30

    def company_name(self, region: str, industry: str) -> tuple[str, str, str]:
        """(name, web domain, main business), unique within the sample."""
        rng = self.rng
        for _ in range(200):
            city, _code = rng.choice(CITIES[region])
            word, w_py = rng.choice(WORDS)
            trade, t_py, business = rng.choice(TRADES[industry])
            if industry == "政府及公共事业":
                ending = rng.choice(("集团有限公司", "有限公司"))
                city = city + "市"
            elif industry == "制造业" and rng.random() < 0.08:
                ending = "厂"
            else:
                ending = weighted(rng, ENDINGS)
            name = f"{city}{word}{trade}{ending}"
            if name not in self.used_names:
                self.used_names.add(name)
                return name, f"{w_py}{t_py}.com", business
        raise AssertionError("ran out of company names")

    def city_of(self, name: str, region: str) -> tuple[str, str]:
        for city, code in CITIES[region]:
            if name.startswith(city):
                return city, code
        return CITIES[region][0]
