"""Trend charts for ``report --db``: the tier mix and the overdue count over the last pushes.

Read from ``crmxl_snapshots`` (written by ``crmxl push``): the :data:`PUSHES` latest snapshot
dates on or before the report's as-of date, oldest first. A snapshot date holds the last push
of that day, so "the last 12 pushes" are the last 12 days something was pushed. The database is
only read; one that ``push`` never wrote to is a one-line error.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.exc import SQLAlchemyError

from crmxl.delivery import database as dbm
from crmxl.i18n import register
from crmxl.reporting.reportbook import ChartData

PUSHES = 12


def snapshot_dates(conn: sa.Connection, until: date, n: int = PUSHES) -> list[date]:
    """The ``n`` latest snapshot dates on or before ``until``, oldest first."""
    snaps = dbm.table(dbm.SNAPSHOTS)
    query = (
        sa.select(snaps.c.as_of_date)
        .where(snaps.c.as_of_date <= until)
        .group_by(snaps.c.as_of_date)
        .order_by(snaps.c.as_of_date.desc())
        .limit(n)
    )
    return sorted(r[0] for r in conn.execute(query))


def tier_mix(conn: sa.Connection, dates: Sequence[date]) -> dict[tuple[date, str | None], int]:
    """Customers by (snapshot date, tier)."""
    snaps = dbm.table(dbm.SNAPSHOTS)
    query = (
        sa.select(snaps.c.as_of_date, snaps.c.tier, sa.func.count())
        .where(snaps.c.as_of_date.in_(dates))
        .group_by(snaps.c.as_of_date, snaps.c.tier)
    )
    return {(d, tier): int(n) for d, tier, n in conn.execute(query)}


def overdue_counts(conn: sa.Connection, dates: Sequence[date]) -> dict[date, int]:
    """Customers whose follow-up was 逾期, by snapshot date."""
    snaps = dbm.table(dbm.SNAPSHOTS)
    query = (
        sa.select(snaps.c.as_of_date, sa.func.count())
        .where(snaps.c.as_of_date.in_(dates), snaps.c.follow_up_status == "逾期")
        .group_by(snaps.c.as_of_date)
    )
    return {d: int(n) for d, n in conn.execute(query)}


def trend_charts(
    db: str | Path, as_of: datetime, tiers: Sequence[str], lang: str
) -> list[ChartData]:
    """The two trend charts (stacked tier mix, overdue line) from the pushes in ``db``."""
    url = dbm.database_url(db)
    if url.get_backend_name() == "sqlite" and not Path(url.database or "").is_file():
        raise dbm.DatabaseError("trend-no-pushes", url=dbm.shown(url))
    engine = dbm.connect(db)
    try:
        if dbm.current_revision(engine) is None:
            raise dbm.DatabaseError("trend-no-pushes", url=dbm.shown(url))
        with engine.connect() as conn:
            dates = snapshot_dates(conn, as_of.date())
            mix = tier_mix(conn, dates)
            overdue = overdue_counts(conn, dates)
    except SQLAlchemyError as exc:
        raise dbm.DatabaseError("db-error", detail=dbm.reason(exc)) from exc
    finally:
        engine.dispose()
    found = {tier for _, tier in mix if tier}
    letters = [*tiers, *sorted(found - set(tiers))]
    labels = [f"{d:%Y-%m-%d}" for d in dates]
    series = [[float(mix.get((d, letter), 0)) for d in dates] for letter in letters]
    customers = ("客户数", "Customers")
    pushes = ("推送日期", "Push date")
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
            (f"逾期跟进客户数（近{PUSHES}次推送）", f"Overdue follow-ups, last {PUSHES} pushes"),
            pushes,
            ("逾期客户数", "Overdue customers"),
            pushes,
            ("逾期客户数", "Overdue customers"),
            labels,
            [float(overdue.get(d, 0)) for d in dates],
        ),
    ]


register(
    {
        "trend-no-pushes": (
            "{url} 中还没有 crmxl push 写入的数据，无法画趋势图；先运行 crmxl push",
            "{url} holds nothing crmxl push wrote, so there is no trend to chart; run crmxl "
            "push first",
        ),
    }
)
