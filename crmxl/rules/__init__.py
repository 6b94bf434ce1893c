"""The rules of SPEC section 2.

The rules themselves are pure functions on typed frames, with no I/O: :mod:`~crmxl.rules.tiers`,
:mod:`~crmxl.rules.followup` (cadence, stage moves, 录入及时), :mod:`~crmxl.rules.service` (SLA
clocks, need follow-ups, lead confirmation) and :mod:`~crmxl.rules.churn`. :func:`compute` runs
them in dependency order (stage moves, tier, cadence, next follow-up and status, SLA clocks,
churn risk) and returns every (auto) value, in canonical form (enumerations as their Chinese
value). :mod:`~crmxl.rules.evaluate` computes a whole workspace that way, in memory, for
``refresh`` to write (:mod:`~crmxl.rules.apply`) and for ``report``/``todo`` to read: a report on
a workbook that was never refreshed is right because it computes the same way.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass, field

import pandas as pd

from crmxl.rules import churn, followup, service, tiers
from crmxl.rules.common import Clock, column
from crmxl.rules.worktime import CoverageWarning

__all__ = ["Clock", "Computed", "compute"]


@dataclass
class Computed:
    """Computed values per sheet, indexed like the typed frames (Excel row numbers)."""

    customers: pd.DataFrame | None = None  # the customer (auto) columns, plus "stage"
    stage_reason: pd.Series | None = None  # why the stage moved ("" where it did not)
    old_stage: pd.Series | None = None
    old_tier: pd.Series | None = None
    follow_ups: pd.DataFrame | None = None
    needs: pd.DataFrame | None = None
    issues: pd.DataFrame | None = None
    leads: pd.DataFrame | None = None
    extra: dict[str, pd.Series] = field(default_factory=dict)  # cadence, deal counts ...
    #: years counted through in working time that no holiday schedule covers (SPEC 2.8)
    warnings: list[CoverageWarning] = field(default_factory=list)

    def coverage_warnings(self) -> list[CoverageWarning]:
        """:attr:`warnings`, one per year, in year order."""
        return sorted(set(self.warnings), key=lambda w: w.year)

    def frame(self, sheet: str) -> pd.DataFrame | None:
        return getattr(self, sheet, None)


def compute(
    frames: dict[str, pd.DataFrame],
    clock: Clock,
    *,
    has_transactions: bool,
    changelog: pd.DataFrame | None = None,
    unlinked: Mapping[str, Collection[int]] | None = None,
    tiers_known: bool = True,
) -> Computed:
    """Every (auto) value of the workspace.

    ``frames`` maps sheet keys to typed frames (:func:`crmxl.model.frames.typed`); the customers
    frame's current ``tier`` is taken as the old tier. ``changelog`` has columns time, record,
    old, new and is_tier (a tier change), as :func:`crmxl.rules.evaluate.changelog_frame` builds it.
    ``unlinked`` names rows of the follow-ups, deals, contacts and issues that the customer rules
    leave out (their inputs are in error); their own columns are still computed.
    ``tiers_known=False`` (the amounts are not in the workspace, as in a salesperson's split
    workbook) keeps each customer's tier and reason as the sheet holds them, and computes the
    cadence and the churn risk from that tier (so no tier "falls").
    """
    out = Computed()
    left_out = unlinked or {}

    def linked(key: str, frame: pd.DataFrame | None) -> pd.DataFrame | None:
        rows = left_out.get(key)
        if frame is None or not rows:
            return frame
        return frame.drop(index=list(rows))

    transactions = linked("transactions", frames.get("transactions") if has_transactions else None)
    issues = frames.get("issues")
    issue_states: dict[str, pd.Series] | None = None
    if issues is not None:
        issue_states = service.issue_clocks(issues, clock, out.warnings)
        out.issues = pd.DataFrame(issue_states, index=issues.index)
        issues = linked("issues", issues)
        if issues is not None:
            issue_states = {k: v.loc[issues.index] for k, v in issue_states.items()}
    if (needs := frames.get("needs")) is not None:
        due, status = service.need_clocks(needs, clock)
        out.needs = pd.DataFrame(
            {"follow_up_due": due, "follow_up_status": status}, index=needs.index
        )
    if (leads := frames.get("leads")) is not None:
        out.leads = pd.DataFrame(
            {"confirm_state": service.lead_confirmation(leads, clock)}, index=leads.index
        )
    follow_ups = frames.get("follow_ups")
    if follow_ups is not None:
        out.follow_ups = pd.DataFrame(
            {"on_time": followup.entry_on_time(follow_ups, clock, out.warnings)},
            index=follow_ups.index,
        )
    follow_ups = linked("follow_ups", follow_ups)
    customers = frames.get("customers")
    if customers is None:
        return out
    index = customers.index
    ids = column(customers, "customer_id", index)
    stage, stage_reason = followup.stage_moves(customers, transactions, clock)
    if has_transactions:
        amount = tiers.trailing_amounts(ids, transactions, clock)
    else:
        amount = column(customers, "annual_amount", index).astype("float64").fillna(0.0)
    if tiers_known:
        tier, tier_reason = tiers.tiers(customers, amount, has_transactions, clock)
    else:
        tier = column(customers, "tier", index)
        tier_reason = column(customers, "tier_reason", index)
    last, planned = followup.last_contacts(ids, follow_ups)
    cadence = followup.cadences(tier, stage, clock)
    next_date = followup.next_follow_ups(
        last, planned, cadence, column(customers, "first_contact", index)
    )
    status, overdue, next_date = followup.statuses(next_date, stage, clock)
    complaint, open_issue = churn.issue_flags(ids, issues, issue_states)
    old_tier = column(customers, "tier", index)
    fell = churn.tier_falls(ids, old_tier, tier, last, changelog, clock)
    deals = tiers.deal_counts(ids, transactions, clock) if has_transactions else None
    risk = churn.churn_risk(
        stage=stage,
        status=status,
        overdue=overdue,
        cadence=cadence,
        complaint_breached=complaint,
        open_issue=open_issue,
        decision_left=churn.decision_makers_left(ids, linked("contacts", frames.get("contacts"))),
        tier_fell=fell,
        new_tier=tier,
        deals_12m=deals,
        clock=clock,
    )
    out.customers = pd.DataFrame(
        {
            "stage": stage,
            "trailing_amount": amount.round(2),
            "tier": tier,
            "tier_reason": tier_reason,
            "last_contact": last.dt.normalize(),
            "next_follow_up": next_date,
            "follow_up_status": status,
            "days_overdue": overdue,
            "churn_risk": risk,
        },
        index=index,
    )
    out.stage_reason = stage_reason
    out.old_stage = column(customers, "stage", index)
    out.old_tier = old_tier
    out.extra = {
        "cadence": cadence,
        "deals_12m": deals if deals is not None else pd.Series(dtype=float),
    }
    return out
