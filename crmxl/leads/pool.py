"""``assign --pool``: hand the public pool (公海, SPEC 2.9) out by the lead rules (SPEC 2.5).

Pure functions, no I/O. Customers in the pool go to reps through :func:`crmxl.leads.assign.choose`
— region, then industry, then fewest open leads, then name; nobody past their 线索上限 — oldest in
the pool first (入公海日期, then row), never to the 原负责人 while the cool-down holds
(today − 入公海日期 ≤ 冷却天数, or 入公海日期 blank). The rules of the pool itself (returns, claims,
dates) are in :mod:`crmxl.rules.pool`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

import pandas as pd

from crmxl.i18n import register
from crmxl.leads.assign import Rep, Team, choose
from crmxl.leads.result import Assignment, Unassigned, Why
from crmxl.model.schema import fold
from crmxl.model.values import is_blank
from crmxl.rules.common import column
from crmxl.rules.pool import PoolRules, cooldown_end, cooling, dates, in_pool


@dataclass(frozen=True)
class PoolCandidate:
    """A customer in the pool, as :func:`crmxl.leads.assign.choose` reads it."""

    row: int
    customer_id: str
    name: str
    region: str | None
    region_raw: Any
    region_problem: str | None
    industry: str | None
    former_owner: str | None
    pooled_on: pd.Timestamp | None


def candidates(customers: pd.DataFrame) -> list[PoolCandidate]:
    """The customers in the pool, oldest in the pool first (入公海日期, then row).

    ``customers`` has columns ``customer_id``, ``name``, ``owner``, ``region``, ``industry``,
    ``former_owner``, ``pooled_on`` and optionally ``region_raw`` (the cell as typed) and
    ``region_problem`` (``placeholder``/``bad``), indexed by Excel row.
    """
    index = customers.index
    mask = in_pool(column(customers, "owner", index))
    pooled = dates(column(customers, "pooled_on", index))
    cols = {
        key: column(customers, key, index)[mask].tolist()
        for key in ("customer_id", "name", "region", "industry", "former_owner")
    }
    raw = column(customers, "region_raw", index)[mask].tolist()
    problem = column(customers, "region_problem", index)[mask].tolist()
    out = []
    for i, row in enumerate(index[mask.to_numpy()].tolist()):
        region = cols["region"][i]
        out.append(
            PoolCandidate(
                row=int(row),
                customer_id=_text(cols["customer_id"][i]),
                name=_text(cols["name"][i]),
                region=region if isinstance(region, str) and region else None,
                region_raw=region if is_blank(raw[i]) else raw[i],
                region_problem=None if is_blank(problem[i]) else str(problem[i]),
                industry=_text(cols["industry"][i]) or None,
                former_owner=_text(cols["former_owner"][i]) or None,
                pooled_on=None if pd.isna(pooled.at[row]) else pooled.at[row],
            )
        )
    out.sort(key=lambda c: (c.pooled_on is None, c.pooled_on or pd.Timestamp.min, c.row))
    return out


def assign_pool(
    pool: list[PoolCandidate], team: Team, rules: PoolRules, today: date | pd.Timestamp
) -> tuple[list[Assignment], list[Unassigned]]:
    """Hand the pool out by the lead rules, respecting each 原负责人's cool-down.

    ``team`` comes from :func:`crmxl.leads.assign.read_team` with each rep's ``open`` set to
    their open leads (as ``assign`` counts them); each customer handed out counts as one more,
    so a run spreads the pool evenly and never passes a 线索上限. Deterministic. The results are
    the lead assignment's: ``record`` is the 客户编号, ``company`` the 客户名称, ``previous`` the
    原负责人, and the reason starts with 公海分配.
    """
    day = pd.Timestamp(today).normalize()
    given: list[Assignment] = []
    left: list[Unassigned] = []
    for cand in pool:
        former = cand.former_owner
        barred = bool(former) and cooling(cand.pooled_on, day, rules)
        rep, why = choose(cand, team, {fold(former)} if barred else ())
        region, industry = cand.region or _text(cand.region_raw), cand.industry or ""
        if rep is None:
            left.append(Unassigned(cand.customer_id, cand.row, cand.name, region, industry, why[0]))
            continue
        rep.open += 1
        if barred and _covers(team.reps, former, cand.region):
            if cand.pooled_on is None:
                why.append(Why("pool-why-cooldown-undated", {"name": former}))
            else:
                until = cooldown_end(cand.pooled_on, rules)
                why.append(Why("pool-why-cooldown", {"name": former, "until": until}))
        given.append(
            Assignment(
                cand.customer_id,
                cand.row,
                cand.name,
                region,
                industry,
                rep.name,
                former or "",
                [Why("pool-assign"), *why],
            )
        )
    return given, left


def _covers(reps: list[Rep], name: str | None, region: str | None) -> bool:
    return any(fold(r.name) == fold(name) and fold(region) in r.regions for r in reps)


def _text(value: Any) -> str:
    return "" if is_blank(value) else str(value).strip()


register(
    {
        "pool-assign": ("公海分配", "Handed out from the pool"),
        "pool-why-cooldown": (
            "原负责人{name}冷却期至 {until}，不分给本人",
            "not to the former owner {name}, in the cool-down until {until}",
        ),
        "pool-why-cooldown-undated": (
            "原负责人{name}在冷却期内（入公海日期未填），不分给本人",
            "not to the former owner {name}, in the cool-down (no date in the pool)",
        ),
    }
)
