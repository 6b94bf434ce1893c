"""Each owner's agenda (``crmxl todo``): the items to do, most urgent first.

Kinds, in the order an owner should work through them (the clock-driven ones first):

1. ``sla`` 问题时限: SLA clocks 已超时 or 即将超时, with the hours left (negative = over);
2. ``lead`` 线索确认: assigned leads 待确认 or 确认超时 (the confirmation limit is an hour);
3. ``follow_up`` 客户跟进: customers 逾期, or due within ``days`` days;
   ``pool`` 公海预警: with 公海规则 启用 (SPEC 2.9), 潜在/意向 customers that return to the pool
   within ``days`` days unless followed up (past their day: at the next refresh);
4. ``need`` 需求跟进: proposals whose follow-up (方案提交日期 + 3 days) is overdue or due within
   ``days`` days;
5. ``greeting`` 问候: birthdays and company anniversaries whose greeting day (one day ahead,
   seed 003; 提醒提前天数) falls within ``days`` days.

Inside a kind: fewest hours left, or earliest date, first; the record ID breaks ties. Owners come
in 销售团队 order, then anyone else by name, then records without an owner. Everything is
computed as of ``as_of`` by the rules (:mod:`crmxl.reporting.facts`); nothing is written.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import pandas as pd

from crmxl.i18n import pick
from crmxl.model.schema import ENUMS, FollowUpStatus
from crmxl.model.values import as_text
from crmxl.reporting import lists
from crmxl.reporting.facts import Facts
from crmxl.reporting.lists import WORDS
from crmxl.rules import poolwork

KINDS: dict[str, tuple[str, str]] = {
    "sla": ("问题时限", "Issue deadlines"),
    "lead": ("线索确认", "Leads to confirm"),
    "follow_up": ("客户跟进", "Follow-ups"),
    "pool": ("公海预警", "Returning to the pool"),
    "need": ("需求跟进", "Proposals to chase"),
    "greeting": ("问候", "Greetings"),
}


@dataclass(frozen=True)
class TodoItem:
    """One thing to do. ``state`` is canonical (Chinese enumeration value, or a WORDS key);
    ``due`` is a date for daily things and a date-time for clocks."""

    kind: str
    owner: str | None
    ref: str | None  # the record: customer, issue, need or lead ID
    customer_id: str | None
    name: str | None  # customer name (the company, for a lead)
    state: str | None
    due: datetime | None
    days_left: int | None = None  # days from today to due (negative: overdue)
    hours_left: float | None = None  # for clocks
    detail: tuple[tuple[str, str], ...] = ()  # (zh, en) parts describing the task

    def state_text(self, lang: str) -> str:
        if self.state is None:
            return ""
        for enum in ("sla_states", "confirm_states", "follow_up_status", "need_follow_up_status"):
            if self.state in ENUMS[enum].zh:
                return ENUMS[enum].label(self.state, lang)
        return pick(lang, *WORDS[self.state]) if self.state in WORDS else self.state

    def urgency(self, lang: str) -> str:
        """``逾期5天``, ``超时3.0小时``, ``剩余0.7小时``, ``今天``, ``3天后``."""
        if self.hours_left is not None:
            h = self.hours_left
            return (
                pick(lang, f"超时{-h:.1f}小时", f"{-h:.1f} h over")
                if h < 0
                else pick(lang, f"剩余{h:.1f}小时", f"{h:.1f} h left")
            )
        if self.days_left is None:
            return ""
        d = self.days_left
        if d < 0:
            return pick(lang, f"{FollowUpStatus.OVERDUE}{-d}天", f"{-d} d overdue")
        if d == 0:
            return pick(lang, "今天", "today")
        if d == 1:
            return pick(lang, "明天", "tomorrow")
        return pick(lang, f"{d}天后", f"in {d} days")

    def detail_text(self, lang: str) -> str:
        sep = "，" if lang != "en" else ", "
        return sep.join(pick(lang, zh, en) for zh, en in self.detail if pick(lang, zh, en))

    def due_text(self) -> str:
        if self.due is None:
            return ""
        if self.kind in ("sla", "lead"):
            return f"{self.due:%Y-%m-%d %H:%M}"
        return f"{self.due:%Y-%m-%d}"

    def cells(self, lang: str) -> list[str]:
        """The item as a row under :func:`headers`."""
        return [
            self.urgency(lang),
            self.state_text(lang),
            self.ref or "",
            self.name or "",
            self.detail_text(lang),
            self.due_text(),
        ]

    def to_dict(self, lang: str = "zh") -> dict[str, Any]:
        return {
            "kind": self.kind,
            "owner": self.owner,
            "ref": self.ref,
            "customer_id": self.customer_id,
            "name": self.name,
            "state": self.state_text(lang) or None,
            "due": self.due_text() or None,
            "days_left": self.days_left,
            "hours_left": self.hours_left,
            "urgency": self.urgency(lang),
            "detail": self.detail_text(lang),
        }


def headers(lang: str) -> list[str]:
    """The columns of an agenda's tables (the terminal's, the e-mail's)."""
    return [
        pick(lang, "紧急", "When"),
        pick(lang, "状态", "State"),
        pick(lang, "编号", "ID"),
        pick(lang, "客户", "Customer"),
        pick(lang, "事项", "Task"),
        pick(lang, "截止", "Due"),
    ]


def kind_title(kind: str, n: int, lang: str) -> str:
    """``问题时限（2）`` / ``Issue deadlines (2)``."""
    name = pick(lang, *KINDS[kind])
    return f"{name} ({n})" if lang == "en" else f"{name}（{n}）"


def collect(f: Facts, days: int) -> list[TodoItem]:
    """Every item for everyone, sorted by kind then urgency (owners are grouped on output)."""
    return [
        *_sla(f),
        *_leads(f),
        *_follow_ups(f, days),
        *_pool(f, days),
        *_needs(f, days),
        *_greetings(f, days),
    ]


def _owner(value: Any) -> str | None:
    return value if isinstance(value, str) and value.strip() else None


def _opt(value: Any) -> str | None:
    """A text cell or None (a blank cell is NaN in a frame)."""
    text = as_text(value).strip()
    return text or None


def _date(value: Any) -> datetime | None:
    if value is None or value is pd.NaT or (isinstance(value, float) and value != value):
        return None
    return pd.Timestamp(value).to_pydatetime()


def _days(f: Facts, value: Any) -> int | None:
    when = _date(value)
    return None if when is None else (when.date() - f.as_of.date()).days


def _sla(f: Facts) -> list[TodoItem]:
    frame = lists.sla_alerts(f).frame
    items = []
    for r in frame.to_dict("records"):
        kind, clock = as_text(r["type"]), WORDS[r["clock"]]
        urgency = as_text(r["urgency"])
        detail = (
            (
                f"{kind}·{clock[0]}时限",
                f"{ENUMS['issue_types'].label(kind, 'en')}, {clock[1].lower()} clock",
            ),
            (
                f"紧急程度{urgency}" if urgency else "",
                f"urgency {ENUMS['priorities'].label(urgency, 'en')}" if urgency else "",
            ),
        )
        items.append(
            TodoItem(
                "sla",
                _owner(r["owner"]),
                _opt(r["issue_id"]),
                _opt(r["customer_id"]),
                _opt(r["name"]),
                r["state"],
                _date(r["due"]),
                hours_left=float(r["hours_left"]),
                detail=detail,
            )
        )
    return items


def _leads(f: Facts) -> list[TodoItem]:
    frame = lists.leads_waiting(f).frame
    items = []
    for r in frame.to_dict("records"):
        assigned = _date(r["assigned_at"])
        when = f"{assigned:%m-%d %H:%M}" if assigned else ""
        items.append(
            TodoItem(
                "lead",
                _owner(r["assigned_to"]),
                _opt(r["lead_id"]),
                None,
                _opt(r["company"]),
                r["confirm_state"],
                _date(r["deadline"]),
                hours_left=float(r["hours_left"]),
                detail=((f"{when}分配，请确认", f"assigned {when}; confirm it"),),
            )
        )
    return items


def _follow_ups(f: Facts, days: int) -> list[TodoItem]:
    frame = lists.follow_ups_due(f, days).frame
    items = []
    for r in frame.to_dict("records"):
        tier, stage = as_text(r["tier"]), as_text(r["stage"])
        stage_en = ENUMS["stages"].label(stage, "en")
        detail = (
            (
                f"{tier}级·{stage}" if tier else stage,
                f"tier {tier}, {stage_en}" if tier else stage_en,
            ),
        )
        items.append(
            TodoItem(
                "follow_up",
                _owner(r["owner"]),
                _opt(r["customer_id"]),
                _opt(r["customer_id"]),
                _opt(r["name"]),
                r["follow_up_status"],
                _date(r["next_follow_up"]),
                _days(f, r["next_follow_up"]),
                detail=detail,
            )
        )
    return items


def _pool(f: Facts, days: int) -> list[TodoItem]:
    """The customers that fall into the pool within ``days`` days unless followed up."""
    frame = poolwork.soon(f.evaluation, days)
    items = []
    for r in frame.to_dict("records"):
        tier, stage = as_text(r["tier"]), as_text(r["stage"])
        stage_en = ENUMS["stages"].label(stage, "en")
        left = int(r["days_left"])
        items.append(
            TodoItem(
                "pool",
                _owner(r["owner"]),
                _opt(r["customer_id"]),
                _opt(r["customer_id"]),
                _opt(r["name"]),
                "pool" if left > 0 else "pool_next",
                _date(r["return_date"]),
                max(left, 0),
                detail=((f"{tier}级·{stage}", f"tier {tier}, {stage_en}"),),
            )
        )
    return items


def _needs(f: Facts, days: int) -> list[TodoItem]:
    frame = lists.needs_due(f, days).frame
    items = []
    for r in frame.to_dict("records"):
        text = as_text(r["description"])
        items.append(
            TodoItem(
                "need",
                _owner(r["owner"]),
                _opt(r["need_id"]),
                _opt(r["customer_id"]),
                _opt(r["name"]),
                r["follow_up_status"],
                _date(r["follow_up_due"]),
                _days(f, r["follow_up_due"]),
                detail=((f"方案反馈：{text}", f"proposal feedback: {text}"),),
            )
        )
    return items


def _greetings(f: Facts, days: int) -> list[TodoItem]:
    frame = lists.reminders(f, days).frame  # by date, so by greeting day too
    items = []
    for r in frame.to_dict("records"):
        on = _date(r["date"])
        when = f"{on:%m-%d}" if on else ""
        if r["kind"] == "birthday":
            who = as_text(r["contact"]) + (
                f"（{as_text(r['title'])}）" if as_text(r["title"]) else ""
            )
            who_en = as_text(r["contact"]) + (
                f" ({as_text(r['title'])})" if as_text(r["title"]) else ""
            )
            detail = ((f"{who} {when} 生日", f"{who_en}'s birthday on {when}"),)
        else:
            years = int(r["years"])
            detail = (
                (f"公司成立{years}周年（{when}）", f"{years}-year company anniversary ({when})"),
            )
        items.append(
            TodoItem(
                "greeting",
                _owner(r["owner"]),
                _opt(r["customer_id"]),
                _opt(r["customer_id"]),
                _opt(r["name"]),
                r["kind"],
                _date(r["greet_on"]),
                _days(f, r["greet_on"]),
                detail=detail,
            )
        )
    return items
