"""Churn risk (SPEC 2.6): 高/中/低 with the reasons, e.g. ``高: 逾期45天; 决策人离职``.

高 if any: the follow-up is overdue by more than one cadence; an open 投诉 is past a deadline;
the customer's 决策人 has left (离职); the tier fell. 中 if any: overdue; an open issue; no deal in
12 months for a 成交 customer (known only with a 交易记录 sheet). Else 低. 流失 customers: blank.

"The tier fell since the last refresh" is read as: this refresh lowers the tier, or the latest
tier change in 变更日志 for the customer was a fall and nobody has contacted the customer since.
That keeps a second refresh with the same as_of from changing the cell (SPEC 4).
"""

from __future__ import annotations

import pandas as pd

from crmxl.i18n import plural
from crmxl.model.schema import (
    DecisionRole,
    Employment,
    FollowUpStatus,
    IssueType,
    RiskLevel,
    SlaState,
    Stage,
)
from crmxl.rules.common import Clock, column
from crmxl.rules.service import OPEN_ISSUES
from crmxl.rules.tiers import tier_rank


def decision_makers_left(customer_ids: pd.Series, contacts: pd.DataFrame | None) -> pd.Series:
    if contacts is None or contacts.empty:
        return pd.Series(False, index=customer_ids.index)
    left = contacts.loc[
        (column(contacts, "decision_role", contacts.index) == DecisionRole.DECISION_MAKER)
        & (column(contacts, "employment", contacts.index) == Employment.LEFT),
        "customer_id",
    ]
    return customer_ids.isin(set(left.dropna()))


def issue_flags(
    customer_ids: pd.Series, issues: pd.DataFrame | None, states: dict[str, pd.Series] | None
) -> tuple[pd.Series, pd.Series]:
    """``(open complaint past a deadline, any open issue)`` per customer row."""
    no = pd.Series(False, index=customer_ids.index)
    if issues is None or issues.empty or states is None:
        return no, no.copy()
    open_ = column(issues, "status", issues.index).isin(OPEN_ISSUES)
    breached = (states["response_state"] == SlaState.BREACHED) | (
        states["plan_state"] == SlaState.BREACHED
    )
    complaint = column(issues, "type", issues.index) == IssueType.COMPLAINT
    bad_ids = set(issues.loc[open_ & complaint & breached, "customer_id"].dropna())
    open_ids = set(issues.loc[open_, "customer_id"].dropna())
    return customer_ids.isin(bad_ids), customer_ids.isin(open_ids)


def tier_falls(
    customer_ids: pd.Series,
    old_tier: pd.Series,
    new_tier: pd.Series,
    last_contact: pd.Series,
    changelog: pd.DataFrame | None,
    clock: Clock,
) -> pd.Series:
    """The tier the customer fell from (blank where it did not fall).

    It fell now (this refresh lowers it), or at the latest logged change with no contact since;
    either way the answer names the same tier, so the text is stable from one run to the next.
    """
    letters = clock.settings.tiers
    fell_now = (tier_rank(new_tier, letters) > tier_rank(old_tier, letters)) & old_tier.notna()
    result = old_tier.where(fell_now.fillna(False))
    if changelog is None or changelog.empty:
        return result
    log = changelog.loc[changelog["is_tier"] & changelog["record"].notna()]
    if log.empty:
        return result
    log = log.assign(_row=log.index).sort_values(["record", "time", "_row"], kind="stable")
    latest = log.groupby("record").tail(1).set_index("record")
    was = tier_rank(customer_ids.map(latest["old"]), letters)
    became = tier_rank(customer_ids.map(latest["new"]), letters)
    when = customer_ids.map(latest["time"]).astype("datetime64[ns]")
    no_contact_since = last_contact.isna() | (last_contact < when)
    logged_fall = (
        (became > was)
        & when.notna()
        & no_contact_since
        & (new_tier == customer_ids.map(latest["new"]))
    )
    logged_from = customer_ids.map(latest["old"]).where(logged_fall.fillna(False))
    return result.where(result.notna(), logged_from)


def churn_risk(
    *,
    stage: pd.Series,
    status: pd.Series,
    overdue: pd.Series,
    cadence: pd.Series,
    complaint_breached: pd.Series,
    open_issue: pd.Series,
    decision_left: pd.Series,
    tier_fell: pd.Series,
    new_tier: pd.Series,
    deals_12m: pd.Series | None,
    clock: Clock,
) -> pd.Series:
    """The 流失风险 text per customer row."""
    t = clock.text
    high_word, medium_word, low_word = (level.label(clock.lang) for level in RiskLevel)
    deals = deals_12m.tolist() if deals_12m is not None else [None] * len(stage)
    texts: list[str | None] = []
    for st, state, days, cad, complaint, issue, left, fell_from, tier, n_deals in zip(
        stage.tolist(),
        status.tolist(),
        overdue.tolist(),
        cadence.tolist(),
        complaint_breached.tolist(),
        open_issue.tolist(),
        decision_left.tolist(),
        tier_fell.tolist(),
        new_tier.tolist(),
        deals,
        strict=True,
    ):
        if st == Stage.LOST:
            texts.append(None)
            continue
        high: list[str] = []
        medium: list[str] = []
        if state == FollowUpStatus.OVERDUE and days == days and days > 0:
            late = t(
                f"{FollowUpStatus.OVERDUE}{int(days)}天",
                f"{plural(int(days), 'day', 'days')} overdue",
            )
            (high if cad == cad and days > cad else medium).append(late)
        if complaint:
            high.append(t("投诉超时未处理", "complaint past its deadline"))
        if left:
            high.append(t("决策人离职", "decision maker left"))
        if isinstance(fell_from, str):
            high.append(t(f"等级下降 {fell_from}→{tier}", f"tier fell {fell_from}→{tier}"))
        if issue and not complaint:
            medium.append(t("有未结问题", "open issue"))
        if n_deals is not None and st == Stage.CUSTOMER and n_deals == 0:
            medium.append(t("12个月无成交", "no deal in 12 months"))
        if high:
            texts.append(f"{high_word}: " + "; ".join(high + medium))
        elif medium:
            texts.append(f"{medium_word}: " + "; ".join(medium))
        else:
            texts.append(low_word)
    return pd.Series(texts, index=stage.index, dtype=object)
