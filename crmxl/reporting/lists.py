"""The lists a manager acts on, shared by ``report`` (one sheet each) and ``todo`` (agendas).

Each function returns a :class:`Listing`: its fields (schema columns where there is one, so a
header is never spelled twice) and a frame of canonical values (Chinese enumeration values,
datetime64 dates), sorted most urgent first with the record ID as the tie-breaker, so the same
input always gives the same order. Values are put into a language only when shown
(:meth:`Field.show`).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import numpy as np
import pandas as pd

from crmxl.i18n import pick
from crmxl.model.schema import (
    ENUMS,
    SHEETS_BY_KEY,
    ColType,
    ConfirmState,
    Employment,
    FollowUpStatus,
    LeadStatus,
    NeedFollowUpStatus,
    Pool,
    RiskLevel,
    SlaState,
    Stage,
)
from crmxl.reporting import poolfacts
from crmxl.reporting.facts import Facts, Period, owner_label
from crmxl.reporting.kpis import completed_clocks, open_needs
from crmxl.rules.service import CLOSED_ISSUES, OPEN_ISSUES
from crmxl.rules.tiers import tier_rank

#: Labels of values that are not schema enumerations.
WORDS: dict[str, tuple[str, str]] = {
    "response": ("响应", "Response"),
    "plan": ("方案", "Plan"),
    "up": ("上升", "Up"),
    "down": ("下降", "Down"),
    "same": ("不变", "Same"),
    "logged": ("变更日志", "Changelog"),
    "pending": ("本次计算（尚未刷新）", "Computed now (not yet refreshed)"),
    "birthday": ("生日", "Birthday"),
    "anniversary": ("成立周年", "Anniversary"),
    "quote": ("报价", "Quote"),
    "budget": ("预算", "Budget"),
    "pool": ("进入公海", "Into the pool"),
    "pool_next": ("下次刷新退回公海", "Returns at the next refresh"),
    "returned": ("退回公海", "Returned"),
    "claimed": ("认领", "Claimed"),
    "handed_out": ("分配", "Handed out"),
    "in_pool": ("在公海", "In the pool"),
    "age_0_7": ("0–7天", "0-7 days"),
    "age_8_30": ("8–30天", "8-30 days"),
    "age_31_90": ("31–90天", "31-90 days"),
    "age_90": ("90天以上", "over 90 days"),
}

#: The owner key of records without an owner (never a real name).
NOBODY = "\0"

#: Leads that still wait for their salesperson's confirmation.
WAITING_STATES = (ConfirmState.AWAITING, ConfirmState.OVERDUE)
SETTLED_LEADS = (LeadStatus.VALID, LeadStatus.INVALID, LeadStatus.CONVERTED)


@dataclass(frozen=True)
class Field:
    """One column of a listing."""

    key: str
    kind: str  # text, date, datetime, int, money, percent, hours, number, owner,
    # "enum:<ENUMS key>" or "word" (a WORDS key)
    zh: str
    en: str
    width: int = 12

    def label(self, lang: str) -> str:
        return pick(lang, self.zh, self.en)

    def show(self, value: Any, lang: str) -> Any:
        """``value`` as it is shown in ``lang``: enumerations translated, blanks as None."""
        if value is None or (isinstance(value, float) and np.isnan(value)) or value is pd.NaT:
            return owner_label(None, lang) if self.kind == "owner" else None
        if self.kind.startswith("enum:"):
            return ENUMS[self.kind[5:]].label(str(value), lang)
        if self.kind == "word":
            return pick(lang, *WORDS[value]) if value in WORDS else value
        if self.kind == "owner":
            return owner_label(value, lang)
        if self.kind in ("date", "datetime") and isinstance(value, pd.Timestamp):
            return value.to_pydatetime()
        if self.kind == "int":
            return int(value)
        if self.kind in ("money", "percent", "hours", "number"):
            return float(value)
        return value


def col(sheet: str, key: str, name: str | None = None, width: int | None = None) -> Field:
    """A field that is a schema column (its header comes from the schema)."""
    c = SHEETS_BY_KEY[sheet].column(key)
    kind = {
        ColType.DATE: "date",
        ColType.DATETIME: "datetime",
        ColType.INT: "int",
        ColType.AMOUNT: "money",
        ColType.NUMBER: "number",
    }.get(c.type, "text")
    if c.type is ColType.ENUM and c.enum in ENUMS:
        kind = f"enum:{c.enum}"
    if key == "owner" or c.owner_ref:
        kind = "owner"
    return Field(name or key, kind, c.zh, c.en, width or max(c.width, 10))


def field(key: str, kind: str, zh: str, en: str, width: int = 12) -> Field:
    """A field that is not a schema column."""
    return Field(key, kind, zh, en, width)


CUSTOMER_ID = col("customers", "customer_id")
CUSTOMER_NAME = col("customers", "name", width=28)
OWNER = col("customers", "owner")


@dataclass
class Listing:
    """A sorted list: fields and a frame with one column per field key."""

    key: str
    fields: tuple[Field, ...]
    frame: pd.DataFrame

    def __len__(self) -> int:
        return len(self.frame)

    def title(self, lang: str) -> str:
        return pick(lang, *TITLES[self.key])

    def caption(self, lang: str) -> str:
        return pick(lang, *CAPTIONS[self.key])


TITLES: dict[str, tuple[str, str]] = {
    "by_owner": ("负责人", "By Owner"),
    "overdue": ("逾期跟进", "Overdue"),
    "sla": ("SLA预警", "SLA Alerts"),
    "churn": ("流失预警", "Churn Risk"),
    "tier_moves": ("等级变动", "Tier Moves"),
    "reminders": ("提醒", "Reminders"),
    "forecast": ("销售预测", "Forecast"),
    "follow_ups_due": ("跟进", "Follow-ups"),
    "needs_due": ("需求跟进", "Needs to chase"),
    "leads_waiting": ("线索待确认", "Leads to confirm"),
    "pool": (Pool.POOL.label("zh"), Pool.POOL.label("en")),
}

CAPTIONS: dict[str, tuple[str, str]] = {
    "by_owner": (
        "每位负责人：名下客户（按等级）、本期跟进次数（按记录人）、逾期跟进客户、未结问题、本期SLA达标率、"
        "待确认线索。SLA达标率留空表示本期没有完成的时限（分母为0）。",
        "Per owner: customers by tier, follow-ups in the period (by Recorded By), overdue "
        "customers, open issues, SLA on-time rate in the period, leads to confirm. A blank SLA "
        "rate means no clock completed in the period (denominator 0).",
    ),
    "overdue": (
        "跟进状态为“逾期”的客户，逾期天数多的在前。",
        "Customers whose follow-up is overdue, most days overdue first.",
    ),
    "sla": (
        "已超时或即将超时（剩余不到时限的25%）的问题时限，每个时限一行，剩余小时少的在前（负数为已超时）。",
        "Issue clocks breached or due soon (under 25% of the window left), one row per clock, "
        "fewest hours left first (negative = breached).",
    ),
    "churn": (
        "流失风险为“高”或“中”的客户，高风险在前，再按逾期天数。",
        "Customers at high or medium churn risk, high first, then by days overdue.",
    ),
    "tier_moves": (
        "统计期内变更日志记录的客户等级变动，以及本次计算得出、尚未刷新写入的变动；最近的在前。",
        "Tier changes the changelog recorded in the period, and those computed now that a "
        "refresh has not written yet; latest first.",
    ),
    "reminders": (
        "联系人生日和公司成立周年：日子未过、且问候日（按配置“提醒提前天数”提前，默认1天）在今后7天内的，"
        "按日期排列。",
        "Contact birthdays and company anniversaries still to come whose greeting day (the "
        "Reminder Days Ahead setting before, 1 by default) falls within the next 7 days, by date.",
    ),
    "forecast": (
        "未完成需求（状态不是已确认、已关闭）：报价（未填用预算）× 客户所处阶段的成交概率，加权金额大的在前。",
        "Open needs (not Confirmed or Closed): Quote (else Budget) × the win probability of the "
        "customer's stage, largest weighted amount first.",
    ),
    "pool": (
        "公海（启用公海规则时）：统计期内退回公海的客户、被认领或分配出去的客户（均据变更日志），"
        "以及仍在公海的客户及其在公海的天数（0–7、8–30、31–90、90天以上）。",
        "The public pool (when in use): customers returned to the pool and customers claimed or "
        "handed out in the period (from the changelog), then the customers still in the pool "
        "with their days in it (0-7, 8-30, 31-90, over 90).",
    ),
    "follow_ups_due": ("", ""),
    "needs_due": ("", ""),
    "leads_waiting": ("", ""),
}


def _sorted(frame: pd.DataFrame, by: list[str], ascending: list[bool]) -> pd.DataFrame:
    """Sort stably (blanks last) and drop the Excel-row index."""
    frame = frame.assign(_row=frame.index)
    frame = frame.sort_values(
        [*by, "_row"], ascending=[*ascending, True], kind="stable", na_position="last"
    )
    return frame.drop(columns="_row").reset_index(drop=True)


def _frame(fields: Iterable[Field], data: dict[str, Any], index: pd.Index) -> pd.DataFrame:
    return pd.DataFrame({f.key: data[f.key] for f in fields}, index=index)


# ------------------------------------------------------------------------------ customers


def overdue(f: Facts) -> Listing:
    """逾期跟进: customers whose follow-up is 逾期, most days first."""
    c = f.customers
    rows = c.loc[c["follow_up_status"] == FollowUpStatus.OVERDUE]
    fields = (
        CUSTOMER_ID,
        CUSTOMER_NAME,
        OWNER,
        col("customers", "tier"),
        col("customers", "stage"),
        col("customers", "last_contact"),
        col("customers", "next_follow_up"),
        col("customers", "days_overdue"),
    )
    frame = _frame(fields, rows, rows.index)
    return Listing(
        "overdue", fields, _sorted(frame, ["days_overdue", "customer_id"], [False, True])
    )


def follow_ups_due(f: Facts, days: int) -> Listing:
    """Customers overdue, or due within ``days`` days (for the agenda)."""
    c = f.customers
    horizon = f.today + timedelta(days=days)
    due = (c["follow_up_status"] == FollowUpStatus.OVERDUE) | (
        (c["follow_up_status"] != FollowUpStatus.NOT_NEEDED) & (c["next_follow_up"] <= horizon)
    )
    rows = c.loc[due]
    fields = (
        CUSTOMER_ID,
        CUSTOMER_NAME,
        OWNER,
        col("customers", "tier"),
        col("customers", "stage"),
        col("customers", "next_follow_up"),
        col("customers", "follow_up_status"),
        col("customers", "days_overdue"),
    )
    frame = _frame(fields, rows, rows.index)
    return Listing(
        "follow_ups_due", fields, _sorted(frame, ["next_follow_up", "customer_id"], [True, True])
    )


def risk_level(text: Any) -> str | None:
    """高/中/低 from a 流失风险 cell (``高: 逾期45天``, ``High: ...``)."""
    if not isinstance(text, str) or not text.strip():
        return None
    return ENUMS["risk_levels"].canonical(text.split(":", 1)[0])


def churn(f: Facts) -> Listing:
    """流失预警: customers at 高 or 中 churn risk, 高 first, then by days overdue."""
    c = f.customers
    codes, texts = pd.factorize(c["churn_risk"])  # a few thousand distinct texts at most
    level = pd.Series(
        np.array([risk_level(x) for x in texts] + [None], dtype=object)[codes], index=c.index
    )
    rows = c.loc[level.isin((RiskLevel.HIGH, RiskLevel.MEDIUM))]
    reasons = rows["churn_risk"].str.split(":", n=1).str[-1].str.strip()
    fields = (
        CUSTOMER_ID,
        CUSTOMER_NAME,
        OWNER,
        col("customers", "tier"),
        col("customers", "stage"),
        field("risk", "enum:risk_levels", "风险", "Risk", 8),
        field("reasons", "text", "原因", "Reasons", 36),
        col("customers", "days_overdue"),
        col("customers", "trailing_amount"),
    )
    data = dict(rows)
    data.update(risk=level[rows.index], reasons=reasons)
    frame = _frame(fields, data, rows.index)
    frame["_rank"] = (frame["risk"] != RiskLevel.HIGH).astype(int)
    frame = _sorted(frame, ["_rank", "days_overdue", "customer_id"], [True, False, True])
    return Listing("churn", fields, frame.drop(columns="_rank"))


def tier_moves(f: Facts, period: Period) -> Listing:
    """等级变动: tier moves the 变更日志 logged in the period, plus the moves computed now that
    no refresh has written yet (so a report on an unrefreshed workbook is still complete)."""
    info = f.customer_info
    log = f.frame("changelog")
    logged = log.loc[period.mask(log["time"])] if len(log) else log
    parts = [
        pd.DataFrame(
            {
                "time": logged["time"],
                "customer_id": logged["record"],
                "old": logged["old"],
                "new": logged["new"],
                "reason": logged["reason"],
                "source": "logged",
            }
        )
    ]
    computed = f.evaluation.computed
    c = f.customers
    if computed.old_tier is not None and len(c):
        old = computed.old_tier
        moved = old.notna() & (c["tier"] != old)
        parts.append(
            pd.DataFrame(
                {
                    "time": pd.Timestamp(f.as_of),
                    "customer_id": c.loc[moved, "customer_id"],
                    "old": old[moved],
                    "new": c.loc[moved, "tier"],
                    "reason": c.loc[moved, "tier_reason"],
                    "source": "pending",
                }
            )
        )
    moves = pd.concat([p for p in parts if len(p)]) if any(len(p) for p in parts) else parts[0]
    moves = moves.reset_index(drop=True)
    letters = f.settings.tiers
    old_rank = tier_rank(moves["old"].astype(object), letters)
    new_rank = tier_rank(moves["new"].astype(object), letters)
    direction = np.where(new_rank < old_rank, "up", np.where(new_rank > old_rank, "down", "same"))
    fields = (
        field("time", "datetime", "时间", "Time", 16),
        CUSTOMER_ID,
        CUSTOMER_NAME,
        OWNER,
        field("old", "text", "原等级", "From", 8),
        field("new", "text", "新等级", "To", 8),
        field("direction", "word", "方向", "Direction", 8),
        field("reason", "text", "原因", "Reason", 34),
        field("source", "word", "来源", "Source", 18),
    )
    data = {
        "time": moves["time"].astype("datetime64[ns]"),
        "customer_id": moves["customer_id"],
        "name": moves["customer_id"].map(info["name"]),
        "owner": moves["customer_id"].map(info["owner"]),
        "old": moves["old"],
        "new": moves["new"],
        "direction": pd.Series(direction, index=moves.index, dtype=object),
        "reason": moves["reason"],
        "source": moves["source"],
    }
    frame = _frame(fields, data, moves.index)
    return Listing("tier_moves", fields, _sorted(frame, ["time", "customer_id"], [False, True]))


# ------------------------------------------------------------------------------ reminders


def _on(year: int, month: int, day: int) -> date:
    """That day in ``year``; 29 February is the 28th in a common year."""
    if month == 2 and day == 29 and not (year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)):
        day = 28
    return date(year, month, day)


def next_occurrence(month: int, day: int, today: date) -> date:
    """The first ``month``/``day`` on or after ``today``."""
    this_year = _on(today.year, month, day)
    return this_year if this_year >= today else _on(today.year + 1, month, day)


def reminders(f: Facts, days: int = 7) -> Listing:
    """提醒: birthdays (联系人.生日) and company anniversaries (客户档案.成立时间) still to come whose
    greeting day (提醒提前天数 before, seed 003: one day ahead) falls within ``days`` days.

    Contacts who left (离职) and lost (流失) customers are left out: nobody follows them up.
    """
    today = f.as_of.date()
    ahead = f.settings.reminder_days
    last = today + timedelta(days=days + ahead)
    info = f.customer_info
    lost = set(info.index[info["stage"] == Stage.LOST])
    rows: list[dict[str, Any]] = []
    contacts = f.frame("contacts")
    if len(contacts):
        keep = contacts.loc[
            contacts["birthday"].notna()
            & (contacts["employment"] != Employment.LEFT)
            & ~contacts["customer_id"].isin(lost)
        ]
        for row, cid, person, title, md in zip(
            keep.index,
            keep["customer_id"],
            keep["name"],
            keep["title"],
            keep["birthday"],
            strict=True,
        ):
            if not isinstance(md, tuple):
                continue
            when = next_occurrence(md[0], md[1], today)
            if when <= last:
                rows.append(
                    {
                        "date": when,
                        "kind": "birthday",
                        "customer_id": cid,
                        "contact": person,
                        "title": title,
                        "years": None,
                        "_row": row,
                    }
                )
    c = f.customers
    founded = c.loc[c["founded"].notna() & ~c["customer_id"].isin(lost)]
    for row, cid, start in zip(
        founded.index, founded["customer_id"], founded["founded"], strict=True
    ):
        when = next_occurrence(start.month, start.day, today)
        years = when.year - start.year
        if when <= last and years > 0:
            rows.append(
                {
                    "date": when,
                    "kind": "anniversary",
                    "customer_id": cid,
                    "contact": None,
                    "title": None,
                    "years": years,
                    "_row": 10**9 + row,
                }
            )
    frame = pd.DataFrame(
        rows, columns=["date", "kind", "customer_id", "contact", "title", "years", "_row"]
    )
    frame.index = pd.Index(frame.pop("_row").to_numpy(dtype=np.int64))
    when = pd.to_datetime(frame["date"]).astype("datetime64[ns]")
    fields = (
        field("date", "date", "日期", "Date", 11),
        field("greet_on", "date", "问候日", "Greet on", 11),
        field("days_left", "int", "还有天数", "Days left", 9),
        field("kind", "word", "类型", "Kind", 9),
        CUSTOMER_ID,
        CUSTOMER_NAME,
        OWNER,
        col("contacts", "name", "contact"),
        col("contacts", "title"),
        field("years", "int", "周年", "Years", 6),
    )
    data = {
        "date": when,
        # the day to greet: 提醒提前天数 before, but never in the past (today's birthday: today)
        "greet_on": (when - pd.Timedelta(days=ahead)).clip(lower=pd.Timestamp(today)),
        "days_left": (when - pd.Timestamp(today)).dt.days,
        "kind": frame["kind"],
        "customer_id": frame["customer_id"],
        "name": frame["customer_id"].map(info["name"]),
        "owner": frame["customer_id"].map(info["owner"]),
        "contact": frame["contact"],
        "title": frame["title"],
        "years": frame["years"],
    }
    out = _frame(fields, data, frame.index)
    return Listing("reminders", fields, _sorted(out, ["date", "customer_id"], [True, True]))


# ------------------------------------------------------------------------------ issues


def sla_alerts(f: Facts) -> Listing:
    """SLA预警: open clocks 已超时 or 即将超时, one row per clock, fewest hours left first."""
    issues = f.frame("issues")
    info = f.customer_info
    parts = []
    for n, (clock, due, state) in enumerate(
        (("response", "response_due", "response_state"), ("plan", "plan_due", "plan_state"))
    ):
        # an issue marked 已解决/已关闭 needs no action, even if its times were never filled in
        hit = issues[state].isin((SlaState.BREACHED, SlaState.DUE_SOON)) & ~issues["status"].isin(
            CLOSED_ISSUES
        )
        part = issues.loc[hit]
        parts.append(
            pd.DataFrame(
                {
                    "issue_id": part["issue_id"],
                    "customer_id": part["customer_id"],
                    "owner": part["owner"],
                    "type": part["type"],
                    "urgency": part["urgency"],
                    "clock": clock,
                    "due": part[due],
                    "state": part[state],
                }
            ).set_axis(part.index * 2 + n)
        )  # unique: Excel row, then response before plan
    alerts = pd.concat(parts)
    hours_left = ((alerts["due"] - f.now).dt.total_seconds() / 3600).round(1)
    fields = (
        col("issues", "issue_id"),
        CUSTOMER_ID,
        CUSTOMER_NAME,
        col("issues", "owner"),
        col("issues", "type"),
        col("issues", "urgency"),
        field("clock", "word", "时限", "Clock", 8),
        field("due", "datetime", "截止时间", "Due", 16),
        field("state", "enum:sla_states", "状态", "State", 10),
        field("hours_left", "hours", "剩余小时", "Hours left", 10),
    )
    data = dict(alerts)
    data.update(name=alerts["customer_id"].map(info["name"]), hours_left=hours_left)
    frame = _frame(fields, data, alerts.index)
    return Listing(
        "sla", fields, _sorted(frame, ["hours_left", "issue_id", "clock"], [True, True, False])
    )


# ------------------------------------------------------------------------------ needs, leads


def forecast(f: Facts) -> Listing:
    """销售预测: open needs with their amount, probability and weighted amount."""
    needs = open_needs(f)
    info = f.customer_info
    fields = (
        col("needs", "need_id"),
        CUSTOMER_ID,
        CUSTOMER_NAME,
        col("needs", "owner"),
        col("needs", "description", width=30),
        col("needs", "status"),
        col("customers", "stage"),
        field("amount", "money", "金额", "Amount", 14),
        field("amount_from", "word", "金额来源", "From", 8),
        field("probability", "percent", "成交概率", "Probability", 9),
        field("weighted", "money", "加权金额", "Weighted", 14),
        col("needs", "wanted_by"),
    )
    data = dict(needs)
    data.update(name=needs["customer_id"].map(info["name"]))
    frame = _frame(fields, data, needs.index)
    return Listing("forecast", fields, _sorted(frame, ["weighted", "need_id"], [False, True]))


def needs_due(f: Facts, days: int) -> Listing:
    """Needs whose proposal follow-up (跟进截止) is overdue or due within ``days`` days."""
    needs = f.frame("needs")
    info = f.customer_info
    horizon = f.today + timedelta(days=days)
    due = needs["follow_up_status"].isin(
        (NeedFollowUpStatus.OVERDUE, NeedFollowUpStatus.DUE_TODAY)
    ) | ((needs["follow_up_status"] == NeedFollowUpStatus.OK) & (needs["follow_up_due"] <= horizon))
    rows = needs.loc[due]
    fields = (
        col("needs", "need_id"),
        CUSTOMER_ID,
        CUSTOMER_NAME,
        col("needs", "owner"),
        col("needs", "description", width=30),
        col("needs", "status"),
        col("needs", "follow_up_due"),
        col("needs", "follow_up_status"),
    )
    data = dict(rows)
    data.update(name=rows["customer_id"].map(info["name"]))
    frame = _frame(fields, data, rows.index)
    return Listing("needs_due", fields, _sorted(frame, ["follow_up_due", "need_id"], [True, True]))


def leads_waiting(f: Facts) -> Listing:
    """Assigned leads not yet confirmed (确认状态 待确认/确认超时, 线索状态 not settled)."""
    leads = f.frame("leads")
    waiting = leads["confirm_state"].isin(WAITING_STATES) & ~leads["status"].isin(SETTLED_LEADS)
    rows = leads.loc[waiting]
    limit = pd.Timedelta(hours=f.settings.lead_confirm_hours)
    deadline = rows["assigned_at"] + limit
    fields = (
        col("leads", "lead_id"),
        col("leads", "company", width=26),
        col("leads", "assigned_to"),
        col("leads", "assigned_at"),
        field("deadline", "datetime", "确认截止", "Confirm by", 16),
        col("leads", "confirm_state"),
        field("hours_left", "hours", "剩余小时", "Hours left", 10),
    )
    data = dict(rows)
    data.update(
        deadline=deadline, hours_left=((deadline - f.now).dt.total_seconds() / 3600).round(1)
    )
    frame = _frame(fields, data, rows.index)
    return Listing("leads_waiting", fields, _sorted(frame, ["deadline", "lead_id"], [True, True]))


# ------------------------------------------------------------------------------ the pool


def pool(f: Facts, period: Period) -> Listing:
    """公海: the moves of the period (returned, claimed, handed out), then who is in the pool,
    longest first (SPEC 2.9)."""
    info = f.customer_info
    moved = poolfacts.moves(f)
    moved = moved.loc[period.mask(moved["time"])] if len(moved) else moved
    now = poolfacts.in_pool_now(f)
    events = pd.DataFrame(
        {
            "kind": moved["kind"],
            "time": moved["time"],
            "customer_id": moved["record"],
            "former_owner": moved["former"],
            "to": moved["new"].where(moved["kind"] != poolfacts.RETURNED),
            "pooled_on": pd.NaT,
            "days": np.nan,
            "age": None,
            "reason": moved["reason"],
        }
    ).reset_index(drop=True)
    still = pd.DataFrame(
        {
            "kind": poolfacts.IN_POOL,
            "time": pd.NaT,
            "customer_id": now["customer_id"],
            "former_owner": now["former_owner"],
            "to": None,
            "pooled_on": now["pooled_on"],
            "days": now["days"],
            "age": now["days"].map(poolfacts.age_of),
            "reason": None,
        }
    ).reset_index(drop=True)
    rows = pd.concat([p for p in (events, still) if len(p)]) if len(events) + len(still) else events
    rows = rows.reset_index(drop=True)
    order = {k: i for i, k in enumerate(poolfacts.KINDS)}
    fields = (
        field("kind", "word", "类别", "Kind", 9),
        field("time", "datetime", "时间", "Time", 16),
        CUSTOMER_ID,
        CUSTOMER_NAME,
        col("customers", "former_owner"),
        field("to", "owner", "领取人", "Taken by", 10),
        col("customers", "pooled_on"),
        field("days", "int", "在公海天数", "Days in pool", 10),
        field("age", "word", "账龄", "Age", 10),
        field("reason", "text", "原因", "Reason", 40),
    )
    data = dict(rows)
    data.update(name=rows["customer_id"].map(info["name"]))
    frame = _frame(fields, data, rows.index)
    frame["_kind"] = frame["kind"].map(order)
    frame["_time"] = pd.to_datetime(frame["time"]).fillna(pd.Timestamp.min)
    frame = _sorted(frame, ["_kind", "_time", "days", "customer_id"], [True, False, False, True])
    return Listing("pool", fields, frame.drop(columns=["_kind", "_time"]))


# ------------------------------------------------------------------------------ by owner


def by_owner(f: Facts, period: Period) -> Listing:
    """负责人: one row per owner (销售团队 order, then others by name)."""
    c = f.customers
    letters = f.settings.tiers
    owners: list[str | None] = list(f.owners())
    if c["owner"].isna().any():
        owners.append(None)
    key = c["owner"].where(c["owner"].notna(), NOBODY)

    def per_owner(series: pd.Series) -> pd.Series:
        return series.value_counts()

    tiers = pd.crosstab(key, c["tier"]) if len(c) else pd.DataFrame()
    fu = f.frame("follow_ups")
    in_period = fu.index[period.mask(fu["date"])]
    fu_counts = per_owner(f.cells("follow_ups", "recorded_by", in_period)) if len(fu) else None
    overdue_counts = per_owner(key[c["follow_up_status"] == FollowUpStatus.OVERDUE])
    issues = f.frame("issues")
    open_counts = per_owner(issues.loc[issues["status"].isin(OPEN_ISSUES), "owner"])
    clocks = completed_clocks(issues, period)
    done = clocks.groupby("owner")["on_time"].agg(["sum", "count"]) if len(clocks) else None
    waiting = leads_waiting(f).frame
    lead_counts = per_owner(waiting["assigned_to"]) if len(waiting) else None
    customers_total = per_owner(key)

    def get(counts: pd.Series | pd.DataFrame | None, owner: str, column: str | None = None) -> int:
        if counts is None or owner not in counts.index:
            return 0
        value = counts.at[owner, column] if column is not None else counts.at[owner]
        return int(value)

    records = []
    for owner in owners:
        k = owner if owner is not None else NOBODY
        row: dict[str, Any] = {"owner": owner}
        for letter in letters:
            row[f"tier_{letter}"] = get(tiers if letter in tiers.columns else None, k, letter)
        row["customers"] = get(customers_total, k)
        row["follow_ups"] = get(fu_counts, k)
        row["overdue"] = get(overdue_counts, k)
        row["open_issues"] = get(open_counts, k)
        n_done = get(done, k, "count") if done is not None else 0
        row["sla_rate"] = get(done, k, "sum") / n_done if n_done else None
        row["leads_waiting"] = get(lead_counts, k)
        records.append(row)
    fields = (
        OWNER,
        *(field(f"tier_{x}", "int", f"{x}级客户", f"Tier {x}", 8) for x in letters),
        field("customers", "int", "客户合计", "Customers", 9),
        field("follow_ups", "int", "本期跟进", "Follow-ups", 9),
        field("overdue", "int", "逾期跟进", "Overdue", 9),
        field("open_issues", "int", "未结问题", "Open issues", 9),
        field("sla_rate", "percent", "SLA达标率", "SLA on time", 10),
        field("leads_waiting", "int", "待确认线索", "Leads waiting", 10),
    )
    frame = pd.DataFrame(records, columns=[fl.key for fl in fields])
    return Listing("by_owner", fields, frame)
