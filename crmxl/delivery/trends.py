"""What ``report --db`` charts, read from the snapshots ``crmxl push`` writes.

The :data:`~crmxl.reporting.trends.PUSHES` latest snapshot dates on or before the report's as-of
date, oldest first, with the customers by tier and the overdue customers on each. A snapshot date
holds the last push of that day, so "the last 12 pushes" are the last 12 days something was
pushed. The database is only read; one that ``push`` never wrote to is a one-line error. The
charts themselves are the report's (:mod:`crmxl.reporting.trends`).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.exc import SQLAlchemyError

from crmxl.delivery import database as dbm
from crmxl.i18n import register
from crmxl.model.schema import FollowUpStatus
from crmxl.reporting.trends import PUSHES, Trends


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
    """Customers whose follow-up was overdue, by snapshot date."""
    snaps = dbm.table(dbm.SNAPSHOTS)
    query = (
        sa.select(snaps.c.as_of_date, sa.func.count())
        .where(
            snaps.c.as_of_date.in_(dates),
            snaps.c.follow_up_status == FollowUpStatus.OVERDUE.value,
        )
        .group_by(snaps.c.as_of_date)
    )
    return {d: int(n) for d, n in conn.execute(query)}


def read_trends(db: str | Path, until: date) -> Trends:
    """The tier mix and overdue counts of the last pushes into ``db`` up to ``until``."""
    url = dbm.database_url(db)
    if url.get_backend_name() == "sqlite" and not Path(url.database or "").is_file():
        raise dbm.DatabaseError("trend-no-pushes", url=dbm.shown(url))
    engine = dbm.connect(db)
    try:
        if dbm.current_revision(engine) is None:
            raise dbm.DatabaseError("trend-no-pushes", url=dbm.shown(url))
        with engine.connect() as conn:
            dates = snapshot_dates(conn, until)
            return Trends(dates, tier_mix(conn, dates), overdue_counts(conn, dates))
    except SQLAlchemyError as exc:
        raise dbm.DatabaseError("db-error", detail=dbm.reason(exc)) from exc
    finally:
        engine.dispose()


register(
    {
        "trend-no-pushes": (
            "{url} 中还没有 crmxl push 写入的数据，无法画趋势图；先运行 crmxl push",
            "{url} holds nothing crmxl push wrote, so there is no trend to chart; run crmxl "
            "push first",
        ),
    }
)
