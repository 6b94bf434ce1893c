"""The public pool 公海 (SPEC 2.9) as pure functions on frames; no I/O.

A customer is *in the pool* when its 负责人 is ``公海`` (``Pool`` in an English workbook; either
is recognised in any workbook). What the rules decide, as of a day ``today``:

- **Return** (:func:`pool_moves`, only when 公海规则 = 启用): a 潜在/意向 customer whose owner is
  a person goes back to the pool when more than 公海天数 days (by its tier; A 60, B 45, C 30,
  D 30) have passed since its last contact, or since 建档日期 when it has no follow-up (since
  首次接触日期 when 建档日期 is blank too), and more than 保护期天数 (7) days have passed since it
  was last assigned. Exactly 公海天数 days → it stays; one more → it returns. "Assigned" is the
  latest 变更日志 row on 客户档案.负责人 for that customer whose new value is a person (written by
  ``assign --pool``, by ``refresh`` accepting a claim, or by any command that logs an owner
  change); a customer with no such row has no protection. The first day a customer returns is
  :func:`return_dates`.
- **Claim**: a customer whose 负责人 is a person while 入公海日期 is set was claimed by typing a
  name: 入公海日期 is cleared (原负责人 is kept as history) and the claim is logged as a 负责人
  change 公海 → name. A claim by the 原负责人 within 冷却天数 (30) days of 入公海日期 is refused:
  负责人 goes back to 公海. A claim by a name that is not an active 销售专员 (when the team is
  known) is left as it is and reported (validate flags the unknown owner).
- **Entered by hand**: 负责人 set to 公海 with no 入公海日期 gets 入公海日期 = today.
- **Hand-out** (``assign --pool``): in :mod:`crmxl.leads.pool`, which shares the lead
  assignment's chooser (the layers let leads use rules, not the other way round).
- **Soon** (:func:`due_to_pool`): the 潜在/意向 customers that will return within N days, for todo.

"Within N days" counts whole days between dates, as 2.2 does: the cool-down holds while
``today − 入公海日期 ≤ 冷却天数``, protection while ``today − assigned ≤ 保护期天数``.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import date
from typing import Any

import numpy as np
import pandas as pd

from crmxl.i18n import register, t
from crmxl.model.options import PoolRules, parse_switch
from crmxl.model.schema import ENUMS, Pool, Stage, fold
from crmxl.model.values import is_blank
from crmxl.rules.common import column

__all__ = [
    "POOL_STAGES",
    "PoolRules",
    "due_to_pool",
    "in_pool",
    "is_pool",
    "last_assignments",
    "parse_switch",
    "pool_moves",
    "return_dates",
]

POOL_STAGES = (Stage.PROSPECT, Stage.INTERESTED)


def pool_owner(lang: str) -> str:
    """The 负责人 value ``refresh`` writes for a customer returned to the pool."""
    return Pool.POOL.label(lang)


#: Every folded spelling of the pool's name (公海, Pool, 公海池 …).
_POOL_NAMES = frozenset(
    fold(name)
    for name in (*ENUMS["pool"].values[0], *(alias for alias, _ in ENUMS["pool"].aliases))
)


def is_pool(owner: Any) -> bool:
    """Whether a 负责人 value means the pool (公海, Pool, 公海池 …, any width or case)."""
    return isinstance(owner, str) and fold(owner) in _POOL_NAMES


def in_pool(owners: pd.Series) -> pd.Series:
    """:func:`is_pool` per row."""
    return owners.map(is_pool).astype(bool)


def dates(series: pd.Series) -> pd.Series:
    """Dates (midnight) of a column of dates or date-times; NaT where missing."""
    return pd.to_datetime(series, errors="coerce").dt.normalize()


def last_assignments(ids: pd.Series, owner_log: pd.DataFrame | None) -> pd.Series:
    """When each customer was last assigned, by the 变更日志 (NaT when never).

    ``owner_log`` holds the 变更日志 rows on 客户档案.负责人, with columns ``record`` (客户编号),
    ``time`` and ``new`` (新值); rows whose new value is the pool are not assignments.
    """
    empty = pd.Series(pd.NaT, index=ids.index, dtype="datetime64[ns]")
    if owner_log is None or owner_log.empty:
        return empty
    log = owner_log.loc[owner_log["record"].notna() & ~in_pool(owner_log["new"])]
    times = pd.to_datetime(log["time"], errors="coerce")
    latest = times.groupby(log["record"].astype(str)).max()
    if latest.empty:  # (pandas cannot map through an empty Series of dates)
        return empty
    out = ids.astype(object).map(lambda v: None if is_blank(v) else str(v)).map(latest)
    return pd.to_datetime(out, errors="coerce").astype("datetime64[ns]")


def _baseline(customers: pd.DataFrame) -> tuple[pd.Series, pd.Series]:
    """(the day idleness counts from, which column gave it) per customer row."""
    index = customers.index
    last = dates(column(customers, "last_contact", index))
    created = dates(column(customers, "created", index))
    first = dates(column(customers, "first_contact", index))
    basis = pd.Series("last_contact", index=index, dtype=object)
    basis[last.isna()] = "created"
    basis[last.isna() & created.isna()] = "first_contact"
    since = last.fillna(created).fillna(first)
    basis[since.isna()] = None
    return since, basis


def return_dates(
    customers: pd.DataFrame, rules: PoolRules, assigned: pd.Series | None = None
) -> pd.Series:
    """The first day on which each customer would be returned to the pool (NaT: never).

    ``customers`` has columns ``stage``, ``owner``, ``tier`` (the computed tier),
    ``last_contact``, ``created`` and ``first_contact``, indexed by Excel row; ``assigned`` is
    :func:`last_assignments`. Only 潜在/意向 customers with a person as owner, a tier with a
    公海天数, and a date to count from have a date; the rules' ``enabled`` is not looked at.
    """
    index = customers.index
    since, _ = _baseline(customers)
    limit = column(customers, "tier", index).map(lambda k: rules.days_by_tier.get(k, np.nan))
    limit = pd.to_numeric(limit, errors="coerce")
    idle_until = since + pd.to_timedelta(limit + 1, unit="D")
    if assigned is None:
        assigned = pd.Series(pd.NaT, index=index, dtype="datetime64[ns]")
    protected_until = dates(assigned.reindex(index)) + pd.Timedelta(days=rules.protect_days + 1)
    when = idle_until.where(
        protected_until.isna() | (idle_until >= protected_until), protected_until
    )
    owner = column(customers, "owner", index)
    person = owner.map(lambda o: isinstance(o, str) and bool(o.strip()) and not is_pool(o))
    eligible = column(customers, "stage", index).isin(POOL_STAGES) & person.astype(bool)
    return when.where(eligible & idle_until.notna()).astype("datetime64[ns]")


# --------------------------------------------------------------------- refresh's moves

#: The actions of :func:`pool_moves`.
RETURN, CLAIM, REFUSE, ENTER, UNKNOWN = "return", "claim", "refuse", "enter", "unknown"


def pool_moves(
    customers: pd.DataFrame,
    rules: PoolRules,
    today: date | pd.Timestamp,
    assigned: pd.Series | None = None,
    *,
    team: Collection[str] | None = None,
    lang: str = "zh",
) -> pd.DataFrame:
    """What ``refresh`` changes for the pool, one row per customer row that moves.

    ``customers`` as for :func:`return_dates`, plus ``former_owner`` (原负责人) and
    ``pooled_on`` (入公海日期). ``team``: the names of the active 销售专员 (None: not checked).
    Returns columns ``action`` (return, claim, refuse, enter, unknown), ``owner`` (the new
    负责人), ``former_owner`` (原负责人), ``pooled_on`` (入公海日期, NaT to clear), ``reason``
    (text in ``lang``), ``log_field`` (the column the 变更日志 row is about: ``owner`` or
    ``pooled_on``; None for ``unknown``, which changes nothing) and ``log_old``/``log_new``.
    """
    day = pd.Timestamp(today).normalize()
    index = customers.index
    owner = column(customers, "owner", index)
    former = column(customers, "former_owner", index)
    pooled = dates(column(customers, "pooled_on", index))
    rows: dict[Any, dict[str, Any]] = {}
    members = None if team is None else {fold(n) for n in team}
    for row, who, was, since in zip(
        index.tolist(), owner.tolist(), former.tolist(), pooled.tolist(), strict=True
    ):
        name = who.strip() if isinstance(who, str) else ""
        if is_pool(name):
            if pd.isna(since):
                rows[row] = _move(ENTER, name, was, day, t("pool-enter", lang), "pooled_on")
                rows[row].update(log_old=None, log_new=day)
            continue
        if not name or pd.isna(since):
            continue
        pooled_text = since.date().isoformat()
        if members is not None and fold(name) not in members:
            reason = t("pool-claim-unknown", lang, name=name)
            rows[row] = _move(UNKNOWN, name, was, since, reason, None)
            continue
        if fold(was) == fold(name) and cooling(since, day, rules):
            until = cooldown_end(since, rules)
            reason = t("pool-claim-refused", lang, name=name, since=pooled_text, until=until)
            rows[row] = _move(REFUSE, pool_owner(lang), was, since, reason, "owner")
            rows[row].update(log_old=name, log_new=pool_owner(lang))
            continue
        reason = t("pool-claim", lang, name=name, since=pooled_text)
        rows[row] = _move(CLAIM, name, was, pd.NaT, reason, "owner")
        rows[row].update(log_old=pool_owner(lang), log_new=name)
    if rules.enabled:
        due = return_dates(customers, rules, assigned)
        returning = due.notna() & (due <= day)
        since, basis = _baseline(customers)
        for row in index[returning.to_numpy()].tolist():
            if row in rows:
                continue
            who = owner.at[row].strip()
            reason = _return_reason(customers, row, since.at[row], basis.at[row], day, rules, lang)
            rows[row] = _move(RETURN, pool_owner(lang), who, day, reason, "owner")
            rows[row].update(log_old=who, log_new=pool_owner(lang))
    frame = pd.DataFrame.from_dict(rows, orient="index", columns=list(_COLUMNS))
    frame = frame.reindex(index[index.isin(list(rows))])
    frame["pooled_on"] = pd.to_datetime(frame["pooled_on"]).astype("datetime64[ns]")
    for key in ("former_owner", "log_field", "log_old", "log_new"):
        frame[key] = frame[key].astype(object).where(frame[key].notna(), None)
    return frame


_COLUMNS = (
    "action",
    "owner",
    "former_owner",
    "pooled_on",
    "reason",
    "log_field",
    "log_old",
    "log_new",
)


def _move(
    action: str, owner: str, former: Any, pooled: Any, reason: str, log_field: str | None
) -> dict[str, Any]:
    return {
        "action": action,
        "owner": owner,
        "former_owner": None if is_blank(former) else str(former),
        "pooled_on": pooled,
        "reason": reason,
        "log_field": log_field,
        "log_old": None,
        "log_new": None,
    }


def cooling(pooled_on: Any, today: pd.Timestamp, rules: PoolRules) -> bool:
    """Whether the 原负责人's cool-down still holds (it does when 入公海日期 is unknown)."""
    return bool(pd.isna(pooled_on) or (today - pooled_on).days <= rules.cooldown_days)


def cooldown_end(pooled_on: Any, rules: PoolRules) -> str:
    """The last day of the cool-down, as ISO text."""
    end: pd.Timestamp = pooled_on + pd.Timedelta(days=rules.cooldown_days)
    return end.date().isoformat()


def _return_reason(
    customers: pd.DataFrame,
    row: Any,
    since: pd.Timestamp,
    basis: str,
    today: pd.Timestamp,
    rules: PoolRules,
    lang: str,
) -> str:
    stage = str(customers.at[row, "stage"])
    tier = str(customers.at[row, "tier"])
    return t(
        f"pool-return-{basis}",
        lang,
        stage=ENUMS["stages"].label(stage, lang),
        tier=tier,
        days=(today - since).days,
        since=since.date().isoformat(),
        limit=rules.days_by_tier[tier],
    )


# ---------------------------------------------------------------------------- todo


def due_to_pool(
    customers: pd.DataFrame,
    rules: PoolRules,
    today: date | pd.Timestamp,
    assigned: pd.Series | None = None,
    days: int = 7,
) -> pd.DataFrame:
    """The customers that return to the pool within ``days`` days (todo's warning).

    Columns ``owner``, ``return_date`` and ``days_left`` (0 or less: the next refresh returns
    it), indexed by Excel row, soonest first; empty when the pool is off.
    """
    day = pd.Timestamp(today).normalize()
    due = return_dates(customers, rules, assigned) if rules.enabled else pd.Series(dtype=object)
    due = pd.to_datetime(due, errors="coerce")
    soon = due[due.notna() & (due <= day + pd.Timedelta(days=days))]
    frame = pd.DataFrame(
        {
            "owner": column(customers, "owner", customers.index).reindex(soon.index),
            "return_date": soon.astype("datetime64[ns]"),
            "days_left": (soon - day).dt.days.astype("int64"),
        },
        index=soon.index,
    )
    return frame.sort_values(["return_date"], kind="stable")


register(
    {
        "pool-return-last_contact": (
            "{stage}·{tier}级客户已 {days} 天未跟进（最近联系 {since}），超过公海天数 {limit} 天，退回公海",
            "{stage}, tier {tier}: no follow-up for {days:~day|days} (last contact {since}), "
            "over the pool limit of {limit:~day|days}; returned to the pool",
        ),
        "pool-return-created": (
            "{stage}·{tier}级客户建档 {days} 天无跟进记录（建档日期 {since}），超过公海天数 {limit} 天，退回公海",
            "{stage}, tier {tier}: no follow-up in the {days:~day|days} since it was created "
            "({since}), over the pool limit of {limit:~day|days}; returned to the pool",
        ),
        "pool-return-first_contact": (
            "{stage}·{tier}级客户自首次接触已 {days} 天无跟进记录（{since}），超过公海天数 {limit} 天，退回公海",
            "{stage}, tier {tier}: no follow-up in the {days:~day|days} since first contact "
            "({since}), over the pool limit of {limit:~day|days}; returned to the pool",
        ),
        "pool-claim": (
            "{name} 认领公海客户（入公海日期 {since}）",
            "{name} claimed this customer from the pool (in the pool since {since})",
        ),
        "pool-claim-refused": (
            "{name} 是原负责人，冷却期内（入公海日期 {since}，至 {until}）不能认领，负责人改回公海",
            "{name} is the former owner and still in the cool-down (in the pool since {since}, "
            "until {until}); the owner is set back to the pool",
        ),
        "pool-claim-unknown": (
            "认领人“{name}”不是在岗的销售专员，未处理",
            "{name!r} is not an active sales rep; the claim was not taken",
        ),
        "pool-enter": ("负责人改为公海，记录入公海日期", "Owner set to the pool by hand; dated"),
    }
)
