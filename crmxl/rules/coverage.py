"""Which computed columns the sheets of a workspace allow (any subset of the standard sheets).

A computed column is computed only when every sheet it reads is in the workspace; otherwise its
cells are left as they are, and the command says so in one line (:mod:`crmxl.model.skips`).
Computing it from part of its inputs would write claims that may be false: a customer's follow-up
status without the follow-up log (no contact is known, so every customer would be overdue), a
churn risk of 低 without the issue tracker that holds an open complaint. SPEC 2.1 says how the
tier does without 交易记录 (年合作金额, blank as 0); with 交易记录 it needs that sheet's 金额
column. A salesperson's split workbook has neither amount column (least privilege), so its tiers
and their reasons stay as the split wrote them.

Needs are sheet keys (``"issues"``) or sheet and column keys (``"transactions.amount"``).
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass

from crmxl.i18n import register
from crmxl.model.skips import Skip, absent


@dataclass(frozen=True)
class Output:
    """Computed columns of one sheet that need the same sheets."""

    what: str  # message code naming them
    sheet: str
    columns: tuple[str, ...]
    needs: tuple[str, ...]  # sheet keys read (``sheet`` included)


#: Every computed column, grouped by the sheets it reads.
OUTPUTS: tuple[Output, ...] = (
    Output("skip-tiers", "customers", ("tier", "tier_reason"), ("customers",)),
    Output(
        "skip-trailing",
        "customers",
        ("trailing_amount",),
        ("customers", "transactions", "transactions.amount"),
    ),
    Output(
        "skip-follow-up",
        "customers",
        ("last_contact", "next_follow_up", "follow_up_status", "days_overdue"),
        ("customers", "follow_ups"),
    ),
    Output(
        "skip-churn",
        "customers",
        ("churn_risk",),
        ("customers", "follow_ups", "transactions", "contacts", "issues"),
    ),
    Output("skip-entry", "follow_ups", ("on_time",), ("follow_ups",)),
    Output("skip-needs", "needs", ("follow_up_due", "follow_up_status"), ("needs",)),
    Output(
        "skip-sla",
        "issues",
        ("response_due", "plan_due", "response_state", "plan_state", "hours_to_resolve"),
        ("issues",),
    ),
    Output("skip-leads", "leads", ("confirm_state",), ("leads",)),
)


def needs(output: Output, present: Collection[str], split_copy: bool = False) -> tuple[str, ...]:
    """What ``output`` reads. The tier reads the 金额 of 交易记录 when the workspace has that
    sheet (a 交易记录 without it sums nothing). Without 交易记录 it reads 年合作金额, blank as 0
    (SPEC 2.1), a column that is not there as blank too; but in a salesperson's split workbook
    (``split_copy``) the column was taken out, not left blank, so there the tier needs it."""
    if output.what != "skip-tiers":
        return output.needs
    if "transactions" in present:
        return (*output.needs, "transactions.amount")
    return (*output.needs, "customers.annual_amount") if split_copy else output.needs


def rule_skips(columns: Mapping[str, Collection[str]], split_copy: bool = False) -> list[Skip]:
    """What the rules cannot compute with the sheets (and their columns: ``columns`` maps each
    sheet present to its column keys): a computed column whose own sheet is here but another
    sheet or column it reads is not, and the customer columns when there is no 客户档案 at all
    (the tiers, follow-ups and churn risk everything else hangs off)."""
    if "customers" not in columns:
        return [Skip("skip-customers", ("customers",))]
    out: list[Skip] = []
    for output in OUTPUTS:
        if output.sheet not in columns:
            continue
        missing = absent(columns, needs(output, columns, split_copy))
        if missing:
            out.append(Skip(output.what, missing))
    return out


def skipped_columns(
    columns: Mapping[str, Collection[str]], split_copy: bool = False
) -> dict[str, set[str]]:
    """Per sheet present, the computed columns the sheets ``columns`` do not allow."""
    out: dict[str, set[str]] = {}
    for output in OUTPUTS:
        if output.sheet in columns and absent(columns, needs(output, columns, split_copy)):
            out.setdefault(output.sheet, set()).update(output.columns)
    return out


register(
    {
        "skip-customers": (
            "客户等级、跟进状态与流失风险",
            "tiers, follow-up status and churn risk",
        ),
        "skip-tiers": ("客户等级", "tiers"),
        "skip-trailing": (
            "近12月成交额与签约转成交（等级按年合作金额）",
            "trailing 12-month amounts and deal-signed stage moves (tiers use Annual Amount)",
        ),
        "skip-follow-up": (
            "最近联系日期、下次跟进日期与跟进状态",
            "last contact, next follow-up and follow-up status",
        ),
        "skip-churn": ("流失风险", "churn risk"),
        "skip-entry": ("录入及时", "on-time entry"),
        "skip-needs": ("需求跟进截止与状态", "need follow-up dates and status"),
        "skip-sla": ("问题响应与方案时限", "issue response and plan clocks"),
        "skip-leads": ("线索确认状态", "lead confirmation status"),
    }
)
