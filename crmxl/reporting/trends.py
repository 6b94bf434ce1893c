"""The trend charts ``report --db`` adds: the tier mix and the overdue count over the last pushes.

The figures come from the database ``crmxl push`` writes (read by
:func:`crmxl.delivery.trends.read_trends`); the report command passes them in, so the report
itself never touches a database.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date

from crmxl.model.schema import FollowUpStatus
from crmxl.reporting.reportbook import ChartData

#: How many pushes the trend charts show.
PUSHES = 12


@dataclass(frozen=True)
class Trends:
    """Customers by tier and overdue customers at each of the last snapshot dates."""

    dates: list[date]  # oldest first
    tier_mix: dict[tuple[date, str | None], int] = field(default_factory=dict)
    overdue: dict[date, int] = field(default_factory=dict)


def trend_charts(trends: Trends, tiers: Sequence[str]) -> list[ChartData]:
    """The two charts: a stacked column of the tier mix, a line of the overdue count."""
    dates = trends.dates
    found = {tier for _, tier in trends.tier_mix if tier}
    letters = [*tiers, *sorted(found - set(tiers))]
    labels = [f"{d:%Y-%m-%d}" for d in dates]
    series = [[float(trends.tier_mix.get((d, x), 0)) for d in dates] for x in letters]
    customers = ("客户数", "Customers")
    pushes = ("推送日期", "Push date")
    overdue = (f"{FollowUpStatus.OVERDUE}客户数", f"{FollowUpStatus.OVERDUE.en} customers")
    return [
        ChartData(
            "tier_trend",
            "column",
            (f"客户等级分布（近{PUSHES}次推送）", f"Tier mix, last {PUSHES} pushes"),
            pushes,
            customers,
            pushes,
            (f"{letters[0]}级", f"Tier {letters[0]}"),
            labels,
            list(series[0]),
            extra=[
                ((f"{letter}级", f"Tier {letter}"), values)
                for letter, values in zip(letters[1:], series[1:], strict=True)
            ],
            stacked=True,
        ),
        ChartData(
            "overdue_trend",
            "line",
            (
                f"{FollowUpStatus.OVERDUE}跟进客户数（近{PUSHES}次推送）",
                f"Overdue follow-ups, last {PUSHES} pushes",
            ),
            pushes,
            overdue,
            pushes,
            overdue,
            labels,
            [float(trends.overdue.get(d, 0)) for d in dates],
        ),
    ]
