"""What the manager's report shows: its KPIs, lists and chart data, computed, not yet written.

:func:`build` gathers them from the facts (:mod:`crmxl.reporting.facts`): the KPIs of
:mod:`crmxl.reporting.kpis`, the lists of :mod:`crmxl.reporting.lists`, and the data of the five
charts (:func:`chart_data`). :mod:`crmxl.reporting.reportbook` lays them out in a workbook.
"""

from __future__ import annotations

from datetime import timedelta

import pandas as pd

from crmxl.model.schema import ENUMS, FollowUpStatus, SlaState
from crmxl.model.settings import ISSUE_TYPES, STAGES
from crmxl.reporting import kpis as kpi_mod
from crmxl.reporting import lists, poolfacts
from crmxl.reporting.facts import Facts, Period, owner_label
from crmxl.reporting.reportbook import ChartData, ReportContent

#: Weeks the follow-up chart shows.
WEEKS = 12
#: Owners the overdue chart shows (the chart data keeps them all).
CHART_OWNERS = 15


def build(facts: Facts, period: Period, lang: str) -> ReportContent:
    """Everything the report shows, computed (no file is written)."""
    return ReportContent(
        as_of=facts.as_of,
        period=period,
        sources=[p.name for p in facts.workspace.files],
        kpis=kpi_mod.compute(facts, period),
        by_owner=lists.by_owner(facts, period),
        lists=[
            lists.overdue(facts),
            lists.sla_alerts(facts),
            lists.churn(facts),
            lists.tier_moves(facts, period),
            lists.reminders(facts, 7),
            lists.forecast(facts),
            *([lists.pool(facts, period)] if poolfacts.uses_pool(facts) else []),
        ],
        charts=chart_data(facts, period, lang),
        unreadable=len(facts.evaluation.findings),
    )


def chart_data(f: Facts, period: Period, lang: str) -> list[ChartData]:
    """The five charts: tiers, stages (funnel order), overdue by owner, follow-ups per week,
    SLA on-time rate by issue type (in the period)."""
    c = f.customers
    tiers = c["tier"].value_counts()
    stages = c["stage"].value_counts()
    overdue = (
        c.loc[c["follow_up_status"] == FollowUpStatus.OVERDUE, "owner"]
        .map(lambda o: owner_label(o, lang))
        .value_counts()
    )
    overdue_sorted = sorted(overdue.items(), key=lambda kv: (-kv[1], kv[0]))
    weeks = weekly_follow_ups(f)
    clocks = kpi_mod.completed_clocks(f.frame("issues"), period)
    sla_done = clocks.groupby("type")["on_time"].agg(["sum", "count"]) if len(clocks) else None
    done = [
        int(sla_done.at[k, "count"]) if sla_done is not None and k in sla_done.index else 0
        for k in ISSUE_TYPES
    ]
    on_time = [
        int(sla_done.at[k, "sum"]) if sla_done is not None and k in sla_done.index else 0
        for k in ISSUE_TYPES
    ]
    customers = ("客户数", "Customers")
    return [
        ChartData(
            "tiers",
            "column",
            ("客户等级分布", "Customers by tier"),
            ("客户等级", "Tier"),
            customers,
            ("客户等级", "Tier"),
            customers,
            list(f.settings.tiers),
            [float(tiers.get(x, 0)) for x in f.settings.tiers],
        ),
        ChartData(
            "stages",
            "bar",
            ("客户阶段漏斗（潜在→意向→成交→流失）", "Customers by stage (funnel)"),
            ("合作阶段", "Stage"),
            customers,
            ("合作阶段", "Stage"),
            customers,
            [ENUMS["stages"].label(s, lang) for s in STAGES],
            [float(stages.get(s, 0)) for s in STAGES],
        ),
        ChartData(
            "overdue_by_owner",
            "bar",
            ("逾期跟进客户数（按负责人）", "Overdue follow-ups by owner"),
            ("负责人", "Owner"),
            ("逾期客户数", "Overdue customers"),
            ("负责人", "Owner"),
            ("逾期客户数", "Overdue customers"),
            [str(k) for k, _ in overdue_sorted],
            [float(v) for _, v in overdue_sorted],
            shown=CHART_OWNERS,
        ),
        ChartData(
            "follow_ups_weekly",
            "column",
            (f"近{WEEKS}周跟进次数", f"Follow-ups per week, last {WEEKS} weeks"),
            ("周（周一至周日）", "Week (Monday to Sunday)"),
            ("跟进次数", "Follow-ups"),
            ("周", "Week"),
            ("跟进次数", "Follow-ups"),
            [label for label, _ in weeks],
            [float(n) for _, n in weeks],
        ),
        ChartData(
            "sla_by_type",
            "column",
            ("SLA达标率（按问题类型，本期）", "SLA on-time rate by issue type (period)"),
            ("问题类型", "Issue type"),
            ("按时完成比例", "On-time share"),
            ("问题类型", "Issue type"),
            ("达标率", "On-time rate"),
            [ENUMS["issue_types"].label(k, lang) for k in ISSUE_TYPES],
            [on / n if n else None for on, n in zip(on_time, done, strict=True)],
            unit="percent",
            extra=[
                (SlaState.MET.pair, [float(x) for x in on_time]),
                (("完成时限数", "Clocks completed"), [float(x) for x in done]),
            ],
        ),
    ]


def weekly_follow_ups(f: Facts) -> list[tuple[str, int]]:
    """Follow-ups in each of the last 12 calendar weeks (Monday to Sunday; the last one is the
    week of the as-of date, counted up to as_of), oldest first, labelled ``MM-DD~MM-DD``."""
    dates = f.frame("follow_ups")["date"].dropna()
    dates = dates[dates <= pd.Timestamp(f.as_of)]  # nothing after as_of has happened yet
    monday = f.today - timedelta(days=f.today.weekday())
    out = []
    for k in range(WEEKS - 1, -1, -1):
        first_day = monday - timedelta(days=7 * k)
        last_day = first_day + timedelta(days=6)
        n = int(((dates >= first_day) & (dates < last_day + timedelta(days=1))).sum())
        out.append((f"{first_day:%m-%d}~{last_day:%m-%d}", n))
    return out
