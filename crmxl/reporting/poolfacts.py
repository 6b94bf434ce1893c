"""What the report knows of the public pool (公海, SPEC 2.9): its moves, from 变更日志, and who is in it.

A move is a 变更日志 row on 客户档案.负责人 whose new value is the pool (a *return*, written by
``refresh``) or whose old value is the pool and new value a person (a *claim*, written by
``refresh`` taking a name typed into 负责人, or a *hand-out*, written by ``assign --pool``). The
customers in the pool are those whose 负责人 is 公海 now; their age is as_of − 入公海日期.

The report shows the pool (a sheet and a KPI) only when the workspace uses it: 公海规则 启用, a
customer in the pool, or a move in 变更日志; a workbook that never used the pool reports as before.
"""

from __future__ import annotations

import pandas as pd

from crmxl.reporting.facts import Facts
from crmxl.rules.pool import in_pool
from crmxl.rules.poolwork import owner_changes

#: Kinds of moves, in the order the report lists them.
RETURNED, CLAIMED, HANDED_OUT, IN_POOL = "returned", "claimed", "handed_out", "in_pool"
KINDS = (RETURNED, CLAIMED, HANDED_OUT, IN_POOL)

#: Ages of the customers still in the pool (days since 入公海日期): (label key, first, last).
AGES = (("age_0_7", 0, 7), ("age_8_30", 8, 30), ("age_31_90", 31, 90), ("age_90", 91, None))


def moves(f: Facts) -> pd.DataFrame:
    """Every pool move in 变更日志: time, record, kind (returned, claimed, handed_out), old,
    new, reason, former (who had the customer before it entered the pool: the old value of a
    return, and of a claim or hand-out the latest return of that customer before it, if
    logged); oldest first."""
    log = owner_changes(f.workspace)
    columns = ["time", "record", "kind", "old", "new", "reason"]
    if log is None or log.empty:
        return pd.DataFrame(columns=[*columns, "former"])
    into = in_pool(log["new"])
    out_of = in_pool(log["old"]) & ~into & log["new"].notna()
    kind = pd.Series(None, index=log.index, dtype=object)
    kind[into] = RETURNED
    kind[out_of] = CLAIMED
    kind[out_of & (log["command"] == "assign")] = HANDED_OUT
    found = log.assign(kind=kind).loc[kind.notna(), columns].sort_values(["time"], kind="stable")
    returned_by: dict[object, object] = {}
    former = []
    for record, k, old in zip(found["record"], found["kind"], found["old"], strict=True):
        if k == RETURNED:
            returned_by[record] = old
        former.append(returned_by.get(record))
    return found.assign(former=former)


def in_pool_now(f: Facts) -> pd.DataFrame:
    """The customers whose 负责人 is the pool, with 入公海日期 and the days since (their age)."""
    c = f.customers
    rows = c.loc[in_pool(c["owner"])] if len(c) else c
    pooled = pd.to_datetime(rows["pooled_on"], errors="coerce").dt.normalize()
    days = (f.today - pooled).dt.days
    return pd.DataFrame(
        {
            "customer_id": rows["customer_id"],
            "former_owner": rows["former_owner"],
            "pooled_on": pooled,
            "days": days,
        },
        index=rows.index,
    )


def uses_pool(f: Facts) -> bool:
    """Whether the report shows the pool (see the module docstring)."""
    return bool(f.settings.pool_enabled or len(in_pool_now(f)) or len(moves(f)))


def age_of(days: float) -> str | None:
    """The age bucket's key of a customer in the pool for ``days`` days (None when unknown)."""
    if days != days:
        return None
    for key, first, last in AGES:
        if days >= first and (last is None or days <= last):
            return key
    return None
