"""The manager's KPIs (seed 001, 四、效果评估), each with its exact definition in words.

Every KPI is computed from :class:`crmxl.reporting.facts.Facts`, i.e. from the rules as of as_of, never
from stale (auto) cells. A ratio keeps its numerator and denominator, so the report can show how
it was counted; a ratio whose denominator is 0 (or whose sheet is missing) has no value and says
why, instead of ``#DIV/0!`` or ``nan``. The definitions below are the ones the report's 说明
column and ``docs/report.md`` show; change them together.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

import pandas as pd

from crmxl.i18n import normalize_lang, pick, register, t
from crmxl.model.schema import (
    SHEETS_BY_KEY,
    FollowUpStatus,
    IssueType,
    LeadStatus,
    SlaState,
    Stage,
)
from crmxl.reporting import poolfacts
from crmxl.reporting.facts import Facts, Period
from crmxl.rules.service import DONE_NEEDS
from crmxl.rules.tiers import deal_counts

#: KPI codes in report order, with their unit.
UNITS: dict[str, str] = {
    "customers_total": "count",
    "customers_new": "count",
    "follow_ups": "count",
    "overdue_customers": "count",
    "follow_up_on_time_rate": "percent",
    "satisfaction": "score",
    "retention_rate": "percent",
    "repeat_rate": "percent",
    "lifetime_value": "money",
    "complaint_rate": "percent",
    "avg_resolution_hours": "hours",
    "sla_on_time_rate": "percent",
    "lead_conversion_rate": "percent",
    "weighted_forecast": "money",
}

#: KPIs shown (after those of :data:`UNITS`) only when the workspace uses what they count,
#: with their units: the pool (SPEC 2.9).
OPTIONAL_UNITS: dict[str, str] = {"pool_claim_rate": "percent"}

#: KPIs that count what happened in the period; the report shows each beside its value in the
#: period before. The others are as of the report time (no period, so nothing to compare).
PERIODIC = frozenset(
    {
        "customers_new",
        "follow_ups",
        "satisfaction",
        "complaint_rate",
        "avg_resolution_hours",
        "sla_on_time_rate",
        "lead_conversion_rate",
    }
)

#: SLA clock states that count as completed, and the one that counts as on time.
COMPLETED = (SlaState.MET, SlaState.MET_LATE)
ON_TIME = SlaState.MET


@dataclass(frozen=True)
class Kpi:
    """One KPI: its value (None when it cannot be computed), and how it was counted.

    ``note`` is a message code saying why the value is missing: ``kpi-note-zero`` (the
    denominator is 0) or ``kpi-note-no-sheet`` (the sheet it counts is not in the workspace).
    """

    code: str
    value: float | None
    numerator: float | None = None
    denominator: float | None = None
    note: str | None = None
    note_params: tuple[tuple[str, str], ...] = ()
    params: tuple[tuple[str, str, str], ...] = ()  # (name, zh, en) for the definition text
    previous: Kpi | None = None  # the same KPI in the period before (periodic KPIs only)

    @property
    def unit(self) -> str:
        return UNITS.get(self.code) or OPTIONAL_UNITS[self.code]

    def name(self, lang: str) -> str:
        return t(f"kpi-{self.code}", lang)

    def definition(self, lang: str) -> str:
        return t(
            f"kpi-{self.code}-def",
            lang,
            **{name: pick(lang, zh, en) for name, zh, en in self.params},
        )

    def note_text(self, lang: str) -> str:
        return t(self.note, lang, **dict(self.note_params)) if self.note else ""

    def value_text(self, lang: str) -> str:
        """The value as a person reads it: ``1,234``, ``85.3%``, ``¥1,200,000``, ``12.5 小时``."""
        return format_value(self.value, self.unit, lang)

    def figures(self, lang: str) -> str:
        """How a ratio was counted: ``37 ÷ 45``; blank for a plain count."""
        if self.numerator is None or self.denominator is None:
            return ""
        kind = {"money": "money", "score": "number", "hours": "number"}.get(self.unit, "count")
        num = format_value(self.numerator, kind, lang)
        return f"{num} ÷ {format_value(self.denominator, 'count', lang)}"

    def to_dict(self, lang: str = "zh") -> dict[str, Any]:
        return {
            "code": self.code,
            "name": self.name(lang),
            "value": _number(self.value),
            "unit": self.unit,
            "text": self.value_text(lang),
            "numerator": _number(self.numerator),
            "denominator": _number(self.denominator),
            "definition": self.definition(lang),
            "note": self.note_text(lang) or None,
            "previous": None
            if self.previous is None
            else {
                "value": _number(self.previous.value),
                "text": self.previous.value_text(lang),
                "numerator": _number(self.previous.numerator),
                "denominator": _number(self.previous.denominator),
                "note": self.previous.note_text(lang) or None,
            },
        }


def _number(value: float | None) -> float | int | None:
    """A JSON number: whole numbers as integers, others to 6 decimals."""
    if value is None:
        return None
    return int(value) if float(value).is_integer() else round(value, 6)


def format_value(value: float | None, unit: str, lang: str) -> str:
    if value is None:
        return ""
    if unit == "count":
        return f"{value:,.0f}"
    if unit == "percent":
        return f"{value * 100:.1f}%"
    if unit == "money":
        return f"¥{value:,.0f}"
    if unit == "hours":
        return pick(lang, f"{value:.1f} 小时", f"{value:.1f} h")
    if unit == "score":
        return f"{value:.2f}"
    return f"{value:,.1f}"


def _ratio(code: str, num: float, den: float) -> Kpi:
    if den == 0:
        return Kpi(code, None, float(num), float(den), "kpi-note-zero")
    return Kpi(code, num / den, float(num), float(den))


def _mean(code: str, values: pd.Series) -> Kpi:
    values = values.dropna()
    if values.empty:
        return Kpi(code, None, 0.0, 0.0, "kpi-note-zero")
    return Kpi(code, float(values.mean()), float(values.sum()), float(len(values)))


def _no_sheet(code: str, sheet: str, params: tuple[tuple[str, str, str], ...] = ()) -> Kpi:
    spec = SHEETS_BY_KEY[sheet]
    note = (("sheet_zh", spec.zh), ("sheet_en", spec.en))
    return Kpi(code, None, note="kpi-note-no-sheet", note_params=note, params=params)


#: The sheets each KPI counts; when one is missing the KPI is blank and says which.
REQUIRES: dict[str, tuple[str, ...]] = {
    "customers_total": ("customers",),
    "customers_new": ("customers",),
    "follow_ups": ("follow_ups",),
    "overdue_customers": ("customers", "follow_ups"),
    "follow_up_on_time_rate": ("customers", "follow_ups"),
    "satisfaction": ("issues",),
    "retention_rate": ("customers", "transactions"),
    "repeat_rate": ("customers", "transactions"),
    "lifetime_value": ("customers", "transactions"),
    "complaint_rate": ("issues", "customers"),
    "avg_resolution_hours": ("issues",),
    "sla_on_time_rate": ("issues",),
    "lead_conversion_rate": ("leads",),
    "weighted_forecast": ("needs", "customers"),
    "pool_claim_rate": ("customers",),
}
# (the follow-up status is computed only with the follow-up log: crmxl.rules.coverage)

#: KPIs shown only when the workspace uses what they count (the pool: SPEC 2.9).
SHOWN_WHEN: dict[str, Callable[[Facts], bool]] = {"pool_claim_rate": poolfacts.uses_pool}


def compute(facts: Facts, period: Period) -> list[Kpi]:
    """Every KPI of the report, in report order; the periodic ones (:data:`PERIODIC`) carry
    their value in the period before as ``previous``."""
    f = facts
    calls: dict[str, Callable[[Period], Kpi]] = {
        "customers_total": lambda p: customers_total(f),
        "customers_new": lambda p: customers_new(f, p),
        "follow_ups": lambda p: follow_ups(f, p),
        "overdue_customers": lambda p: overdue_customers(f),
        "follow_up_on_time_rate": lambda p: follow_up_on_time_rate(f),
        "satisfaction": lambda p: satisfaction(f, p),
        "retention_rate": lambda p: retention_rate(f),
        "repeat_rate": lambda p: repeat_rate(f),
        "lifetime_value": lambda p: lifetime_value(f),
        "complaint_rate": lambda p: complaint_rate(f, p),
        "avg_resolution_hours": lambda p: avg_resolution_hours(f, p),
        "sla_on_time_rate": lambda p: sla_on_time_rate(f, p),
        "lead_conversion_rate": lambda p: lead_conversion_rate(f, p),
        "weighted_forecast": lambda p: weighted_forecast(f),
        "pool_claim_rate": lambda p: pool_claim_rate(f, p),
    }
    out = []
    for code in (*UNITS, *OPTIONAL_UNITS):
        if code in SHOWN_WHEN and not SHOWN_WHEN[code](f):
            continue
        missing = [sheet for sheet in REQUIRES[code] if not f.has(sheet)]
        if missing:
            out.append(_no_sheet(code, missing[0], _params(f, code)))
        elif code in PERIODIC:
            out.append(replace(calls[code](period), previous=calls[code](period.previous)))
        else:
            out.append(calls[code](period))
    return out


def _params(f: Facts, code: str) -> tuple[tuple[str, str, str], ...]:
    """What a definition needs filled in (the forecast's stage probabilities)."""
    if code == "weighted_forecast":
        return (("probs", probabilities_text(f, "zh"), probabilities_text(f, "en")),)
    return ()


# ------------------------------------------------------------------------------ customers


def customers_total(f: Facts) -> Kpi:
    return Kpi("customers_total", float(len(f.customers)))


def customers_new(f: Facts, period: Period) -> Kpi:
    c = f.customers
    when = c["created"].fillna(c["first_contact"]) if len(c) else c["created"]
    return Kpi("customers_new", float(period.mask(when).sum()))


def follow_ups(f: Facts, period: Period) -> Kpi:
    return Kpi("follow_ups", float(period.mask(f.frame("follow_ups")["date"]).sum()))


def overdue_customers(f: Facts) -> Kpi:
    return Kpi(
        "overdue_customers",
        float((f.customers["follow_up_status"] == FollowUpStatus.OVERDUE).sum()),
    )


def follow_up_on_time_rate(f: Facts) -> Kpi:
    c = f.customers
    active = c["stage"] != Stage.LOST
    overdue = c["follow_up_status"] == FollowUpStatus.OVERDUE
    return _ratio("follow_up_on_time_rate", float((active & ~overdue).sum()), float(active.sum()))


# ------------------------------------------------------------------------------ deals


def _customer_ids(f: Facts) -> pd.Series:
    ids = f.customers["customer_id"].dropna().unique()
    return pd.Series(ids, dtype=object)


def retention_rate(f: Facts) -> Kpi:
    ids = _customer_ids(f)
    tx = f.frame("transactions")
    before = deal_counts(ids, tx, f.clock, start_days=730, end_days=365) > 0
    recent = deal_counts(ids, tx, f.clock) > 0
    return _ratio("retention_rate", float((before & recent).sum()), float(before.sum()))


def repeat_rate(f: Facts) -> Kpi:
    counts = deal_counts(_customer_ids(f), f.frame("transactions"), f.clock)
    return _ratio("repeat_rate", float((counts >= 2).sum()), float((counts >= 1).sum()))


def lifetime_value(f: Facts) -> Kpi:
    tx = f.frame("transactions")
    deals = tx.loc[(tx["signed_on"] <= f.today) & tx["customer_id"].isin(set(_customer_ids(f)))]
    return _ratio(
        "lifetime_value", float(deals["amount"].sum()), float(deals["customer_id"].nunique())
    )


# ------------------------------------------------------------------------------ issues


def satisfaction(f: Facts, period: Period) -> Kpi:
    issues = f.frame("issues")
    return _mean("satisfaction", issues.loc[period.mask(issues["resolved_at"]), "satisfaction"])


def complaint_rate(f: Facts, period: Period) -> Kpi:
    issues = f.frame("issues")
    complaints = (issues["type"] == IssueType.COMPLAINT) & period.mask(issues["logged_at"])
    won = f.customers["stage"] == Stage.CUSTOMER
    return _ratio("complaint_rate", float(complaints.sum()), float(won.sum()))


def avg_resolution_hours(f: Facts, period: Period) -> Kpi:
    issues = f.frame("issues")
    return _mean(
        "avg_resolution_hours", issues.loc[period.mask(issues["resolved_at"]), "hours_to_resolve"]
    )


def completed_clocks(issues: pd.DataFrame, period: Period) -> pd.DataFrame:
    """One row per SLA clock completed in the period: issue row, type, owner, on_time.

    A clock completes at its own time (首次响应时间 for the response, 方案提交时间 for the plan),
    or at 解决时间 when that is blank, as :func:`crmxl.rules.service.issue_clocks` counts it.
    """
    parts = []
    for own, state in (("first_response_at", "response_state"), ("plan_at", "plan_state")):
        done_at = issues[own].fillna(issues["resolved_at"])
        done = issues[state].isin(COMPLETED) & period.mask(done_at)
        parts.append(
            pd.DataFrame(
                {
                    "type": issues.loc[done, "type"],
                    "owner": issues.loc[done, "owner"],
                    "on_time": issues.loc[done, state] == ON_TIME,
                }
            )
        )
    return pd.concat(parts) if parts else pd.DataFrame(columns=["type", "owner", "on_time"])


def sla_on_time_rate(f: Facts, period: Period) -> Kpi:
    clocks = completed_clocks(f.frame("issues"), period)
    return _ratio("sla_on_time_rate", float(clocks["on_time"].sum()), float(len(clocks)))


# ------------------------------------------------------------------------------ leads, needs


def lead_conversion_rate(f: Facts, period: Period) -> Kpi:
    leads = f.frame("leads")
    captured = period.mask(leads["captured_at"])
    valid = captured & (leads["status"] != LeadStatus.INVALID)
    converted = captured & (leads["status"] == LeadStatus.CONVERTED)
    return _ratio("lead_conversion_rate", float(converted.sum()), float(valid.sum()))


def probabilities_text(f: Facts, lang: str) -> str:
    """``潜在 10%、意向 50%、成交 80%`` from the settings."""
    from crmxl.model.schema import ENUMS

    sep = ", " if normalize_lang(lang) == "en" else "、"
    return sep.join(
        f"{ENUMS['stages'].label(stage, lang)} {p * 100:g}%"
        for stage, p in f.settings.stage_probability.items()
    )


def open_needs(f: Facts) -> pd.DataFrame:
    """Needs that are not 已确认/已关闭, with amount (报价, else 预算), their customer's stage
    and that stage's probability from 配置 (0 for 流失 or an unknown customer)."""
    needs = f.frame("needs")
    needs = needs.loc[~needs["status"].isin(DONE_NEEDS)]
    stage = needs["customer_id"].map(f.customer_info["stage"])
    probs = f.settings.stage_probability
    probability = stage.map(
        lambda s: float(probs.get(s, 0.0) or 0.0) if isinstance(s, str) else float("nan")
    ).astype("float64")
    amount = needs["quote"].fillna(needs["budget"]).astype("float64")
    return needs.assign(
        amount=amount,
        amount_from=needs["quote"]
        .notna()
        .map({True: "quote", False: "budget"})
        .where(amount.notna()),
        stage=stage,
        probability=probability,
        weighted=(amount * probability).astype("float64"),
    )


def weighted_forecast(f: Facts) -> Kpi:
    total = float(open_needs(f)["weighted"].sum())
    return Kpi("weighted_forecast", total, params=_params(f, "weighted_forecast"))


# ------------------------------------------------------------------------------ the pool


def pool_claim_rate(f: Facts, period: Period) -> Kpi:
    """公海领取率: customers that left the pool in the period ÷ customers in the pool during it
    (in it at the start, or returned in the period); each customer counts once."""
    moved = poolfacts.moves(f)
    in_period = moved.loc[period.mask(moved["time"])] if len(moved) else moved
    returned = set(in_period.loc[in_period["kind"] == poolfacts.RETURNED, "record"].dropna())
    left = in_period.loc[in_period["kind"] != poolfacts.RETURNED]
    taken = set(left["record"].dropna())
    now = poolfacts.in_pool_now(f)
    at_start = set(now.loc[now["pooled_on"] < pd.Timestamp(period.start), "customer_id"].dropna())
    for record, when in zip(left["record"], left["time"], strict=True):
        came = moved.loc[
            (moved["record"] == record)
            & (moved["kind"] == poolfacts.RETURNED)
            & (moved["time"] <= when)
        ]
        if came.empty or came["time"].max() < pd.Timestamp(period.start):
            at_start.add(record)  # in the pool before the period (no return logged in it)
    return _ratio("pool_claim_rate", float(len(taken)), float(len(at_start | returned)))


register(
    {
        "kpi-customers_total": ("客户总数", "Customers"),
        "kpi-customers_total-def": (
            "客户档案中的客户数（每个非空行一个客户，含流失客户）。",
            "Customers in the customer file (one per non-empty row, lost customers included).",
        ),
        "kpi-customers_new": ("本期新增客户", "New customers"),
        "kpi-customers_new-def": (
            "建档日期（未填则用首次接触日期）在统计期内的客户数。",
            "Customers whose Created date (else First Contact) falls in the period.",
        ),
        "kpi-follow_ups": ("本期跟进次数", "Follow-ups"),
        "kpi-follow_ups-def": (
            "沟通日期在统计期内的跟进记录条数。",
            "Follow-up records whose Date falls in the period.",
        ),
        "kpi-overdue_customers": ("逾期跟进客户数", "Overdue customers"),
        "kpi-overdue_customers-def": (
            "截至计算基准，跟进状态为“逾期”的客户数（按 refresh 的规则现算，不读工作簿里的旧值）。",
            "Customers whose follow-up status is Overdue as of the report time (computed by the "
            "refresh rules, not read from old cells).",
        ),
        "kpi-follow_up_on_time_rate": ("跟进及时率", "Follow-up on-time rate"),
        "kpi-follow_up_on_time_rate-def": (
            "跟进状态不是“逾期”的客户数 ÷ 合作阶段不是“流失”的客户数。",
            "Customers not Overdue ÷ customers whose stage is not Lost.",
        ),
        "kpi-satisfaction": ("客户满意度", "Customer satisfaction"),
        "kpi-satisfaction-def": (
            "解决时间在统计期内、且填了客户满意度的问题，其满意度（1–5分）的平均值。",
            "Mean Satisfaction (1-5) of the issues resolved in the period that have a score.",
        ),
        "kpi-retention_rate": ("客户留存率", "Customer retention rate"),
        "kpi-retention_rate-def": (
            "前一个12个月（计算基准前730天至前365天）有成交的客户中，近12个月（前365天内）仍有成交"
            "的客户数 ÷ 前一个12个月有成交的客户数。",
            "Customers with a deal in the 12 months before the last 12 months (365 to 730 days "
            "before the report date) that also have one in the last 12 months ÷ the former.",
        ),
        "kpi-repeat_rate": ("复购率", "Repeat purchase rate"),
        "kpi-repeat_rate-def": (
            "近12个月（签约日期在计算基准前365天内）成交≥2笔的客户数 ÷ 成交≥1笔的客户数。",
            "Customers with 2 or more deals signed in the last 12 months (365 days) ÷ customers "
            "with at least 1.",
        ),
        "kpi-lifetime_value": ("客户生命周期价值", "Customer lifetime value"),
        "kpi-lifetime_value-def": (
            "截至计算基准的全部成交金额之和 ÷ 有过成交的客户数（平均每个成交客户的累计成交额）。",
            "All deal amounts signed up to the report date ÷ customers with any deal (the average "
            "total per customer who ever bought).",
        ),
        "kpi-complaint_rate": ("投诉率", "Complaint rate"),
        "kpi-complaint_rate-def": (
            "登记时间在统计期内的“投诉”类问题数 ÷ 合作阶段为“成交”的客户数。",
            "Complaints logged in the period ÷ customers at stage Customer (成交).",
        ),
        "kpi-avg_resolution_hours": ("平均处理时长", "Average resolution time"),
        "kpi-avg_resolution_hours-def": (
            "解决时间在统计期内的问题，其处理时长（解决时间 − 登记时间，小时）的平均值。",
            "Mean hours from Logged At to Resolved At of the issues resolved in the period.",
        ),
        "kpi-sla_on_time_rate": ("SLA达标率", "SLA on-time rate"),
        "kpi-sla_on_time_rate-def": (
            "统计期内完成的时限（每个问题的响应、方案各算一个）中按时完成的比例：按时完成数 ÷ 完成数。"
            "响应以首次响应时间、方案以方案提交时间为完成时间，未填时以解决时间为准。",
            "SLA clocks completed in the period (each issue has a response and a plan clock) that "
            "were on time ÷ clocks completed in the period. A clock completes at First Response "
            "At / Plan At, or at Resolved At when that is blank.",
        ),
        "kpi-lead_conversion_rate": ("线索转化率", "Lead conversion rate"),
        "kpi-lead_conversion_rate-def": (
            "获取时间在统计期内的线索中，状态为“已转化”的条数 ÷ 状态不是“无效”的条数。",
            "Of the leads captured in the period: Converted ÷ not Invalid.",
        ),
        "kpi-weighted_forecast": ("加权预测金额", "Weighted forecast"),
        "kpi-weighted_forecast-def": (
            "未完成需求（状态不是已确认、已关闭）的报价（未填则用预算）× 其客户当前合作阶段的成交概率"
            "（配置：{probs}；流失为0）之和。",
            "Sum over open needs (not Confirmed or Closed) of Quote (else Budget) × the win "
            "probability of their customer's stage (settings: {probs}; Lost counts 0).",
        ),
        "kpi-pool_claim_rate": ("公海领取率", "Pool claim rate"),
        "kpi-pool_claim_rate-def": (
            "统计期内离开公海（被认领或用 assign --pool 分配）的客户数 ÷ 统计期内在公海中的客户数"
            "（期初已在公海的，加上本期退回公海的），每个客户只算一次；据变更日志和客户档案。",
            "Customers that left the pool in the period (claimed, or handed out by assign "
            "--pool) ÷ customers in the pool during the period (in it at the start, plus those "
            "returned in the period), each counted once; from the changelog and the customers.",
        ),
        "kpi-note-zero": (
            "分母为0（统计期内没有可计算的记录），故留空。",
            "The denominator is 0 (nothing to count in the period), so this is left blank.",
        ),
        "kpi-note-no-sheet": (
            "工作簿中没有“{sheet_zh}”（{sheet_en}）工作表，无法计算。",
            "The workbooks have no {sheet_en} ({sheet_zh}) sheet.",
        ),
    }
)
