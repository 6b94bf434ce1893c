"""Stage moves (SPEC 2.3), follow-up cadence and status (2.2), and 录入及时 (1.3).

Stage: 潜在/意向 with a signed deal → 成交; 合作终止日期 more than 流失判定月数 months before as_of
→ 流失. Nothing else changes a stage.

Cadence: the shorter of the tier's and the stage's (配置). Next follow-up: the earlier of
(last contact + cadence) and the 下次跟进日期 of the latest follow-up record; with no follow-up,
首次接触日期 + 1 day. Status by days left d: d < 0 逾期, d = 0 今日到期, d ≤ 即将到期天数 即将到期,
else 正常; 流失 customers: 无需跟进. 录入及时 counts calendar or working time by 配置 录入计时.
"""

from __future__ import annotations

from datetime import timedelta

import numpy as np
import pandas as pd

from crmxl.i18n import plural
from crmxl.model.schema import ClockMode, FollowUpStatus, Stage, YesNo
from crmxl.rules.common import Clock, column
from crmxl.rules.worktime import CoverageWarning, due_by_limit, hours_between

OPEN_STAGES = (Stage.PROSPECT, Stage.INTERESTED)


def stage_moves(
    customers: pd.DataFrame, transactions: pd.DataFrame | None, clock: Clock
) -> tuple[pd.Series, pd.Series]:
    """``(new stage, reason)``; the reason is blank where the stage does not move."""
    index = customers.index
    stage = column(customers, "stage", index)
    new = stage.copy()
    reason = pd.Series("", index=index, dtype=object)
    if transactions is not None and not transactions.empty:
        signed = transactions.loc[transactions["signed_on"] <= clock.today, "customer_id"]
        first = (
            transactions.loc[transactions["signed_on"] <= clock.today]
            .groupby("customer_id")["signed_on"]
            .min()
        )
        has_deal = column(customers, "customer_id", index).isin(set(signed.dropna()))
        won = stage.isin(OPEN_STAGES) & has_deal
        new[won] = Stage.CUSTOMER
        if won.any():
            signed_first = column(customers, "customer_id", index)[won].map(first)
            days = pd.to_datetime(signed_first).dt.strftime("%Y-%m-%d")
            reason[won] = (
                clock.text("已签约（", "Deal signed (") + days + clock.text("）", ")")
            ).to_numpy(dtype=object)
    terminated = column(customers, "terminated_on", index)
    if pd.api.types.is_datetime64_any_dtype(terminated):
        months = clock.settings.churn_months
        cutoff = clock.today - pd.DateOffset(months=months)
        lost = terminated.notna() & (terminated < cutoff) & (new != Stage.LOST)
        new[lost] = Stage.LOST
        reason[lost] = [
            clock.text(
                f"合作终止（{d:%Y-%m-%d}）已超过{months}个月",
                f"Terminated on {d:%Y-%m-%d}, over {plural(months, 'month', 'months')} ago",
            )
            for d in terminated[lost]
        ]
    return new, reason


def last_contacts(
    customer_ids: pd.Series, follow_ups: pd.DataFrame | None
) -> tuple[pd.Series, pd.Series]:
    """``(last contact date-time, 下次跟进日期 of the latest record)`` per customer row."""
    empty = pd.Series(pd.NaT, index=customer_ids.index, dtype="datetime64[ns]")
    if follow_ups is None or follow_ups.empty:
        return empty, empty.copy()
    fu = follow_ups.loc[
        follow_ups["date"].notna() & follow_ups["customer_id"].notna(),
        ["customer_id", "date", "next_date"],
    ]
    if fu.empty:
        return empty, empty.copy()
    # Latest by date; on equal dates the lower row (entered later) wins: rows are in sheet
    # order, a stable sort by date keeps that order among equal dates, and each customer's
    # record is its last place in that order (one sort, no per-customer Python).
    if not fu.index.is_monotonic_increasing:
        fu = fu.sort_index()
    codes, customers = pd.factorize(fu["customer_id"])
    dates = fu["date"].to_numpy(dtype="datetime64[ns]")
    order = np.argsort(dates, kind="stable")
    last_place = np.full(len(customers), -1, dtype=np.int64)
    np.maximum.at(last_place, codes[order], np.arange(len(order)))
    record = order[last_place]  # each customer's record, by its place in fu
    which = pd.Index(customers).get_indexer(customer_ids)  # -1: no record
    found = which >= 0
    picked = record[which]

    def per_customer(values: np.ndarray) -> pd.Series:
        out = pd.Series(values[picked], index=customer_ids.index, dtype="datetime64[ns]")
        return out.where(found)

    return per_customer(dates), per_customer(fu["next_date"].to_numpy(dtype="datetime64[ns]"))


def cadences(tier: pd.Series, stage: pd.Series, clock: Clock) -> pd.Series:
    """Cadence in days per customer row (NaN where neither tier nor stage sets one)."""
    s = clock.settings
    keys = list(zip(tier.tolist(), stage.tolist(), strict=True))
    days = {}  # per (tier, stage) met: a few dozen for a hundred thousand customers
    for t, st in set(keys):
        v = s.cadence(t if isinstance(t, str) else None, st if isinstance(st, str) else None)
        days[(t, st)] = np.nan if v is None else float(v)
    return pd.Series(list(map(days.__getitem__, keys)), index=tier.index, dtype="float64")


def next_follow_ups(
    last: pd.Series, planned: pd.Series, cadence: pd.Series, first_contact: pd.Series
) -> pd.Series:
    """The next follow-up date per customer row."""
    by_cadence = last.dt.normalize() + pd.to_timedelta(cadence, unit="D")
    chosen = by_cadence.where(planned.isna() | (by_cadence <= planned), planned)
    chosen = chosen.where(by_cadence.notna(), planned)
    never = last.isna()
    chosen = chosen.where(~never, first_contact.dt.normalize() + timedelta(days=1))
    return chosen.astype("datetime64[ns]")


def statuses(
    next_date: pd.Series, stage: pd.Series, clock: Clock
) -> tuple[pd.Series, pd.Series, pd.Series]:
    """``(status, days overdue, next date)`` with 流失 customers set to 无需跟进."""
    days_left = (next_date - clock.today).dt.days
    soon = clock.settings.due_soon_days
    status = pd.Series(None, index=next_date.index, dtype=object)
    status[days_left > soon] = FollowUpStatus.OK
    status[(days_left > 0) & (days_left <= soon)] = FollowUpStatus.DUE_SOON
    status[days_left == 0] = FollowUpStatus.DUE_TODAY
    status[days_left < 0] = FollowUpStatus.OVERDUE
    overdue = (-days_left).clip(lower=0).where(next_date.notna())
    lost = stage == Stage.LOST
    status[lost] = FollowUpStatus.NOT_NEEDED
    overdue[lost] = 0
    next_out = next_date.where(~lost)
    return status, overdue.astype("float64"), next_out


def entry_on_time(
    follow_ups: pd.DataFrame, clock: Clock, warnings: list[CoverageWarning] | None = None
) -> pd.Series:
    """录入及时 per follow-up row: 是, or 否 (超时N小时) when entered over the limit; blank when
    录入时间 is blank.

    A 沟通日期 without a time counts from the end of that day (the conversation could have been
    late that day); N is the hours beyond the limit, rounded up. With 录入计时 = 工作时 the limit
    and N count working hours; a limit in working days (``2个工作日``) ends at the close of the
    Nth working day after the 沟通日期 (SPEC 2.8), and the years nobody covers go to ``warnings``.
    """
    date = follow_ups["date"]
    entered = (
        follow_ups["entered_at"]
        if "entered_at" in follow_ups
        else pd.Series(pd.NaT, index=follow_ups.index)
    )
    date_only = date.notna() & (date == date.dt.normalize())
    start = date.where(~date_only, date + timedelta(days=1))
    limit, mode = clock.settings.entry_limit, clock.settings.entry_clock
    if limit.unit == "hours" and mode is ClockMode.NATURAL:
        late_hours = (entered - start).dt.total_seconds() / 3600 - limit.amount
    else:
        due = due_by_limit(date if limit.unit == "workdays" else start, limit, mode, clock.calendar)
        if warnings is not None:
            warnings += due.warnings
        late_hours = hours_between(due.values, entered, mode, clock.calendar)
    out = pd.Series(None, index=follow_ups.index, dtype=object)
    known = entered.notna() & date.notna()
    out[known] = YesNo.YES.label(clock.lang)
    late = known & (late_hours > 0)
    hours = np.ceil(late_hours[late].to_numpy(dtype="float64")).astype("int64")
    text = {h: clock.text(f"否 (超时{h}小时)", f"No ({h} h late)") for h in set(hours.tolist())}
    out[late] = pd.Series(hours, index=late_hours.index[late]).map(text)
    return out
