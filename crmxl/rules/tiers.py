"""Tiers (SPEC 2.1): 近12月成交额, 客户等级 and 等级依据.

Amount = the sum of 交易记录.金额 signed in (as_of − 365 days, as_of] when the workspace has a
交易记录 sheet, else 年合作金额 (blank = 0). ABC: A ≥ 500,000 or 行业头部, B ≥ 100,000, C
otherwise; ABCD: A ≥ 100,000 or 行业头部, B ≥ 50,000, C ≥ 10,000, D otherwise; thresholds from
配置. 手动等级 wins over both. 等级依据 names the rule that gave the tier, with the figures.
"""

from __future__ import annotations

from datetime import timedelta

import numpy as np
import pandas as pd

from crmxl.model.values import format_amount
from crmxl.rules.common import Clock, column

WINDOW_DAYS = 365


def trailing_amounts(
    customer_ids: pd.Series, transactions: pd.DataFrame | None, clock: Clock
) -> pd.Series:
    """Per customer row: the amount of deals signed in (as_of − 365 d, as_of]."""
    if transactions is None or transactions.empty:
        return pd.Series(0.0, index=customer_ids.index)
    signed = transactions["signed_on"]
    start = clock.today - timedelta(days=WINDOW_DAYS)
    inside = (signed > start) & (signed <= clock.today)
    sums = transactions.loc[inside].groupby("customer_id")["amount"].sum()
    return customer_ids.map(sums).fillna(0.0).astype("float64")


def deal_counts(
    customer_ids: pd.Series,
    transactions: pd.DataFrame | None,
    clock: Clock,
    start_days: int = WINDOW_DAYS,
    end_days: int = 0,
) -> pd.Series:
    """Per customer row: how many deals were signed in (as_of − start, as_of − end]."""
    if transactions is None or transactions.empty:
        return pd.Series(0, index=customer_ids.index)
    signed = transactions["signed_on"]
    start = clock.today - timedelta(days=start_days)
    end = clock.today - timedelta(days=end_days)
    inside = (signed > start) & (signed <= end)
    counts = transactions.loc[inside].groupby("customer_id").size()
    return customer_ids.map(counts).fillna(0).astype(int)


def tiers(
    customers: pd.DataFrame, amount: pd.Series, has_transactions: bool, clock: Clock
) -> tuple[pd.Series, pd.Series]:
    """``(tier, reason)`` per customer row."""
    s = clock.settings
    letters = s.tiers
    index = customers.index
    override = column(customers, "tier_override", index)
    leader = column(customers, "leader", index).map(lambda v: v is True)
    label = (
        clock.text("近12月成交", "Trailing 12M deals")
        if has_transactions
        else clock.text("年合作金额", "Annual amount")
    )
    tier = pd.Series(letters[-1], index=index, dtype=object)
    reason = pd.Series("", index=index, dtype=object)
    assigned = pd.Series(False, index=index)
    for letter in letters[:-1]:
        threshold = s.thresholds[letter]
        hit = ~assigned & (amount >= threshold)
        tier[hit] = letter
        reason[hit] = [
            f"{label} {format_amount(a)} ≥ {format_amount(threshold)}" for a in amount[hit]
        ]
        assigned |= hit
    lowest = s.thresholds[letters[-2]]
    rest = ~assigned
    reason[rest] = [f"{label} {format_amount(a)} < {format_amount(lowest)}" for a in amount[rest]]
    if not has_transactions:  # a blank 年合作金额 counts as 0 (SPEC 2.1); say so, not "¥0"
        unknown = rest & column(customers, "annual_amount", index).isna()
        reason[unknown] = clock.text(
            f"年合作金额未填（按0计）< {format_amount(lowest)}",
            f"Annual amount blank (counted as 0) < {format_amount(lowest)}",
        )
    lead = leader & (tier != letters[0])
    tier[lead] = letters[0]
    reason[lead] = clock.text("行业头部企业", "Industry leader")
    manual = override.notna() & override.isin(letters)
    tier[manual] = override[manual]
    noted = ~column(customers, "notes", index).map(_blank).astype(bool)
    reason[manual & noted] = [
        clock.text(f"手动等级 {t}（见备注）", f"Manual override {t} (see Notes)")
        for t in override[manual & noted]
    ]
    reason[manual & ~noted] = [
        clock.text(f"手动等级 {t}", f"Manual override {t}") for t in override[manual & ~noted]
    ]
    return tier, reason


def _blank(value: object) -> bool:
    return value is None or value != value or (isinstance(value, str) and not value.strip())


def tier_rank(tier: pd.Series, letters: tuple[str, ...]) -> pd.Series:
    """0 for the best tier, larger for lower tiers; NaN when unknown."""
    ranks = {letter: i for i, letter in enumerate(letters)}
    return tier.map(ranks).astype("float64").fillna(np.nan)


def rep_reasons(customers: pd.DataFrame, has_transactions: bool, clock: Clock) -> pd.Series:
    """等级依据 for a salesperson, who may not see amounts (least privilege, seed 002): which
    rule gave each customer's tier as the sheet holds it, without a figure (``A：近12月成交额
    达标``, ``C：近12月成交额未达B级``, ``行业头部企业``, ``手动等级 B``); blank without a tier."""
    letters = clock.settings.tiers
    index = customers.index
    tier = column(customers, "tier", index)
    override = column(customers, "tier_override", index)
    leader = column(customers, "leader", index).map(lambda v: v is True)
    noted = ~column(customers, "notes", index).map(_blank).astype(bool)
    what = (
        clock.text("近12月成交额", "12-month amount")
        if has_transactions
        else clock.text("年合作金额", "annual amount")
    )
    out: list[str | None] = []
    for t, o, lead, note in zip(tier, override, leader, noted, strict=True):
        if t not in letters:
            out.append(None)
        elif t == o:
            see = clock.text("（见备注）", " (see Notes)") if note else ""
            out.append(clock.text(f"手动等级 {t}", f"Manual override {t}") + see)
        elif lead and t == letters[0]:
            out.append(clock.text("行业头部企业", "Industry leader"))
        elif t != letters[-1]:
            out.append(clock.text(f"{t}：{what}达标", f"{t}: {what} meets the threshold"))
        else:
            below = letters[-2]
            out.append(
                clock.text(f"{t}：{what}未达{below}级", f"{t}: {what} below the {below} threshold")
            )
    return pd.Series(out, index=index, dtype=object)
