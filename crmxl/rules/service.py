"""Clocks on needs, issues and leads (SPEC 1.5, 2.4, 2.5).

Needs: 跟进截止 = 方案提交日期 + 需求跟进天数; 跟进状态 正常/今日到期/逾期, 已完成 once the need is
已确认 or 已关闭.

Issues: two clocks from 登记时间, hours by 问题类型 (配置): response (首次响应时间) and plan
(方案提交时间). A clock whose own time is blank counts as completed when the issue was resolved
(解决时间). Completed on time → 按时完成, late → 超时完成; open and past the deadline → 已超时;
open with at most 25% of the window left → 即将超时; else 进行中. 处理时长 = 解决时间 − 登记时间,
in hours with one decimal. With 配置 SLA计时 = 工作时 (SPEC 2.8) the deadlines, the hours left and
处理时长 count working time (:mod:`crmxl.rules.worktime`); calendar time is the default.

Leads: 确认状态 已确认 when 确认时间 is set; 确认超时 when 分配时间 + 线索确认时限 < as_of; else
待确认 (blank while not assigned).
"""

from __future__ import annotations

from datetime import timedelta

import numpy as np
import pandas as pd

from crmxl.i18n import t
from crmxl.model.schema import (
    ClockMode,
    ConfirmState,
    IssueStatus,
    NeedFollowUpStatus,
    NeedStatus,
    SlaState,
)
from crmxl.rules.common import Clock, column
from crmxl.rules.worktime import CoverageWarning, deadlines, hours_between

DONE_NEEDS = (NeedStatus.CONFIRMED, NeedStatus.CLOSED)
OPEN_ISSUES = (IssueStatus.OPEN, IssueStatus.IN_PROGRESS)
CLOSED_ISSUES = (IssueStatus.RESOLVED, IssueStatus.CLOSED)
WARN_SHARE = 0.25


def need_clocks(needs: pd.DataFrame, clock: Clock) -> tuple[pd.Series, pd.Series]:
    """``(跟进截止, 跟进状态)`` per need row."""
    index = needs.index
    sent = column(needs, "proposal_sent", index)
    if not pd.api.types.is_datetime64_any_dtype(sent):
        sent = pd.Series(pd.NaT, index=index, dtype="datetime64[ns]")
    due = sent + timedelta(days=clock.settings.need_follow_up_days)
    days_left = (due - clock.today).dt.days
    status = pd.Series(None, index=index, dtype=object)
    status[days_left > 0] = NeedFollowUpStatus.OK
    status[days_left == 0] = NeedFollowUpStatus.DUE_TODAY
    status[days_left < 0] = NeedFollowUpStatus.OVERDUE
    status[column(needs, "status", index).isin(DONE_NEEDS)] = NeedFollowUpStatus.DONE
    return due.astype("datetime64[ns]"), status


def _clock_state(
    due: pd.Series, done: pd.Series, window_hours: pd.Series, left_hours: pd.Series
) -> pd.Series:
    state = pd.Series(None, index=due.index, dtype=object)
    has_due = due.notna()
    finished = has_due & done.notna()
    state[finished & (done <= due)] = SlaState.MET
    state[finished & (done > due)] = SlaState.MET_LATE
    running = has_due & done.isna()
    state[running] = SlaState.RUNNING
    state[running & (left_hours <= WARN_SHARE * window_hours)] = SlaState.DUE_SOON
    state[running & (left_hours < 0)] = SlaState.BREACHED
    return state


def issue_clocks(
    issues: pd.DataFrame, clock: Clock, warnings: list[CoverageWarning] | None = None
) -> dict[str, pd.Series]:
    """响应截止, 方案截止, 响应状态, 方案状态 and 处理时长 per issue row.

    In working time (SLA计时 = 工作时) the years counted through that no holiday schedule covers
    are added to ``warnings``.
    """
    index = issues.index
    logged = column(issues, "logged_at", index)
    if not pd.api.types.is_datetime64_any_dtype(logged):
        logged = pd.Series(pd.NaT, index=index, dtype="datetime64[ns]")
    kind = column(issues, "type", index)
    sla = clock.settings.sla_hours
    response_h = kind.map(lambda k: sla[k][0] if k in sla else np.nan).astype("float64")
    plan_h = kind.map(lambda k: sla[k][1] if k in sla else np.nan).astype("float64")
    resolved = _times(issues, "resolved_at", index)
    closed = column(issues, "status", index).isin(CLOSED_ISSUES)
    ended = resolved.where(closed | resolved.notna())
    responded = _times(issues, "first_response_at", index).fillna(ended)
    planned = _times(issues, "plan_at", index).fillna(ended)
    mode, calendar = clock.settings.sla_clock, clock.calendar
    if mode is ClockMode.WORKING and calendar is not None:
        response = deadlines(logged, response_h, mode, calendar)
        plan = deadlines(logged, plan_h, mode, calendar)
        if warnings is not None:
            warnings += response.warnings + plan.warnings
        response_due, plan_due = response.values, plan.values
        now = pd.Series(clock.now, index=index)
        response_left = hours_between(now, response_due, mode, calendar)
        plan_left = hours_between(now, plan_due, mode, calendar)
        took = hours_between(logged, resolved, mode, calendar).round(1)
    else:
        response_due = logged + pd.to_timedelta(response_h, unit="h")
        plan_due = logged + pd.to_timedelta(plan_h, unit="h")
        response_left = (response_due - clock.now).dt.total_seconds() / 3600
        plan_left = (plan_due - clock.now).dt.total_seconds() / 3600
        took = ((resolved - logged).dt.total_seconds() / 3600).round(1)
    basis = pd.Series(None, index=index, dtype=object)
    if mode is ClockMode.WORKING:
        basis[response_due.notna() | plan_due.notna()] = t("worktime-basis", clock.lang)
    return {
        "response_due": response_due.astype("datetime64[ns]"),
        "plan_due": plan_due.astype("datetime64[ns]"),
        "response_state": _clock_state(response_due, responded, response_h, response_left),
        "plan_state": _clock_state(plan_due, planned, plan_h, plan_left),
        "hours_to_resolve": took.where(took >= 0),
        "sla_basis": basis,
    }


def _times(frame: pd.DataFrame, key: str, index: pd.Index) -> pd.Series:
    series = column(frame, key, index)
    if pd.api.types.is_datetime64_any_dtype(series):
        return series
    return pd.Series(pd.NaT, index=index, dtype="datetime64[ns]")


def lead_confirmation(leads: pd.DataFrame, clock: Clock) -> pd.Series:
    """确认状态 per lead row."""
    index = leads.index
    assigned = _times(leads, "assigned_at", index)
    confirmed = _times(leads, "confirmed_at", index)
    limit = timedelta(hours=clock.settings.lead_confirm_hours)
    state = pd.Series(None, index=index, dtype=object)
    state[assigned.notna()] = ConfirmState.AWAITING
    state[assigned.notna() & (assigned + limit < clock.now)] = ConfirmState.OVERDUE
    state[confirmed.notna()] = ConfirmState.CONFIRMED
    return state
