"""``crmxl todo``: each owner's agenda, grouped by owner then by kind, most urgent first.

Kinds, in the order an owner should work through them (the clock-driven ones first):

1. ``sla`` 问题时限: SLA clocks 已超时 or 即将超时, with the hours left (negative = over);
2. ``lead`` 线索确认: assigned leads 待确认 or 确认超时 (the confirmation limit is an hour);
3. ``follow_up`` 客户跟进: customers 逾期, or due within ``days`` days;
4. ``need`` 需求跟进: proposals whose follow-up (方案提交日期 + 3 days) is overdue or due within
   ``days`` days;
5. ``greeting`` 问候: birthdays and company anniversaries whose greeting day (one day ahead,
   seed 003; 提醒提前天数) falls within ``days`` days.

Inside a kind: fewest hours left, or earliest date, first; the record ID breaks ties. Owners come
in 销售团队 order, then anyone else by name, then records without an owner. Everything is
computed as of ``as_of`` by the rules (:mod:`crmxl.facts`); nothing is written.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import pandas as pd

from crmxl import lists
from crmxl.errors import UsageError
from crmxl.facts import Facts, Progress, load, owner_label
from crmxl.i18n import pick, register, t
from crmxl.lists import WORDS
from crmxl.schema import ENUMS, fold
from crmxl.textout import render_table

KINDS: dict[str, tuple[str, str]] = {
    "sla": ("问题时限", "Issue deadlines"),
    "lead": ("线索确认", "Leads to confirm"),
    "follow_up": ("客户跟进", "Follow-ups"),
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
            return pick(lang, f"逾期{-d}天", f"{-d} d overdue")
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


@dataclass
class TodoResult:
    """The agenda: items grouped by owner, then kind, most urgent first."""

    as_of: datetime
    days: int
    owner: str | None  # the --owner filter
    owners: list[str | None]  # display order of owners
    items: list[TodoItem] = field(default_factory=list)

    def groups(self) -> list[tuple[str | None, list[tuple[str, list[TodoItem]]]]]:
        """``[(owner, [(kind, items)])]`` in display order; owners without items left out
        (except the one asked for with ``--owner``)."""
        by_owner: dict[str | None, dict[str, list[TodoItem]]] = {}
        for item in self.items:  # items come sorted within each kind
            by_owner.setdefault(item.owner, {}).setdefault(item.kind, []).append(item)
        out = []
        for owner in self.owners:
            mine = by_owner.get(owner, {})
            if not mine and not (self.owner is not None and owner == self.owner):
                continue
            out.append((owner, [(k, mine[k]) for k in KINDS if k in mine]))
        return out

    def to_dict(self, lang: str = "zh") -> dict[str, Any]:
        return {
            "as_of": self.as_of.isoformat(sep=" "),
            "days": self.days,
            "owner": self.owner,
            "total": len(self.items),
            "owners": [
                {
                    "owner": owner,
                    "label": owner_label(owner, lang),
                    "count": sum(len(items) for _, items in kinds),
                    "kinds": [
                        {
                            "kind": kind,
                            "title": pick(lang, *KINDS[kind]),
                            "items": [i.to_dict(lang) for i in items],
                        }
                        for kind, items in kinds
                    ],
                }
                for owner, kinds in self.groups()
            ],
        }

    def render(self, lang: str = "zh") -> str:
        lines = [
            t(
                "todo-title",
                lang,
                as_of=f"{self.as_of:%Y-%m-%d %H:%M}",
                days=self.days,
                n=len(self.items),
            )
        ]
        headers = [
            pick(lang, "紧急", "When"),
            pick(lang, "状态", "State"),
            pick(lang, "编号", "ID"),
            pick(lang, "客户", "Customer"),
            pick(lang, "事项", "Task"),
            pick(lang, "截止", "Due"),
        ]
        for owner, kinds in self.groups():
            count = sum(len(items) for _, items in kinds)
            lines.append("")
            lines.append(t("todo-owner", lang, owner=owner_label(owner, lang), n=count))
            if not kinds:
                lines.append(t("todo-nothing", lang))
            for kind, items in kinds:
                lines.append(
                    f"-- {pick(lang, *KINDS[kind])}（{len(items)}）"
                    if lang != "en"
                    else f"-- {pick(lang, *KINDS[kind])} ({len(items)})"
                )
                rows = [
                    [
                        i.urgency(lang),
                        i.state_text(lang),
                        i.ref or "",
                        i.name or "",
                        i.detail_text(lang),
                        i.due_text(),
                    ]
                    for i in items
                ]
                table = render_table(headers, rows, max_width={3: 24, 4: 40})
                lines += ["   " + line for line in table.splitlines()]
        if not self.items and self.owner is None:
            lines.append("")
            lines.append(t("todo-nothing", lang))
        return "\n".join(lines)


def todo(
    files: Sequence[Path | str],
    *,
    owner: str | None = None,
    days: int = 7,
    as_of: datetime | None = None,
    config: Path | str | None = None,
    progress: Progress | None = None,
) -> TodoResult:
    """The agenda of ``files`` as of ``as_of`` (default now), looking ``days`` days ahead, for
    everyone or for ``owner`` (matched ignoring case, width and spaces)."""
    if days < 0:
        raise UsageError("todo-bad-days", days=days)
    facts = load(files, as_of=as_of, config=config, progress=progress)
    owners: list[str | None] = list(facts.owners())
    chosen: str | None = None
    if owner is not None:
        chosen = _match_owner(owner, owners)
        owners = [chosen]
    else:
        owners.append(None)
    items = collect(facts, days)
    if chosen is not None:
        items = [i for i in items if i.owner == chosen]
    if progress is not None:
        progress("done", 3, 3)
    return TodoResult(facts.as_of, days, chosen, owners, items)


def _match_owner(name: str, owners: list[str | None]) -> str:
    wanted = fold(name)
    for o in owners:
        if o is not None and fold(o) == wanted:
            return o
    known = "、".join(o for o in owners if o)
    raise UsageError("todo-unknown-owner", owner=name, known=known or "—")


# ------------------------------------------------------------------------------ items


def collect(f: Facts, days: int) -> list[TodoItem]:
    """Every item for everyone, sorted by kind then urgency (owners are grouped on output)."""
    return [*_sla(f), *_leads(f), *_follow_ups(f, days), *_needs(f, days), *_greetings(f, days)]


def _owner(value: Any) -> str | None:
    return value if isinstance(value, str) and value.strip() else None


def _opt(value: Any) -> str | None:
    """A text cell or None (a blank cell is NaN in a frame)."""
    text = _text(value).strip()
    return text or None


def _text(value: Any) -> str:
    return "" if value is None or (isinstance(value, float) and value != value) else str(value)


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
        kind, clock = _text(r["type"]), WORDS[r["clock"]]
        urgency = _text(r["urgency"])
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
        tier, stage = _text(r["tier"]), _text(r["stage"])
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


def _needs(f: Facts, days: int) -> list[TodoItem]:
    frame = lists.needs_due(f, days).frame
    items = []
    for r in frame.to_dict("records"):
        text = _text(r["description"])
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
            who = _text(r["contact"]) + (f"（{_text(r['title'])}）" if _text(r["title"]) else "")
            who_en = _text(r["contact"]) + (f" ({_text(r['title'])})" if _text(r["title"]) else "")
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


register(
    {
        "todo-title": (
            "待办事项（计算基准 {as_of}，向前看 {days} 天）：共 {n} 项",
            "To do (as of {as_of}, looking {days} days ahead): {n} items",
        ),
        "todo-owner": ("== {owner}（{n} 项）==", "== {owner} ({n}) =="),
        "todo-nothing": ("没有待办事项。", "Nothing to do."),
        "todo-unknown-owner": (
            "找不到负责人“{owner}”；工作簿中的负责人有：{known}",
            "No owner called {owner!r}; the owners in the workbooks are: {known}",
        ),
        "todo-bad-days": ("--days 不能为负数：{days}", "--days cannot be negative: {days}"),
    }
)
