"""The public pool (公海, SPEC 2.9) in the sample, whose 配置 turns it on.

Among the ordinary prospects, some were neglected long enough that the first ``refresh``
returns them. Two of them are given a pool history instead (no random draw is used, so the rest
of the sample stays as it was):

- ``pool-already-in``: returned 10 days ago: 负责人 公海, 原负责人 and 入公海日期 set, and the
  变更日志 row of that return; ``crmxl assign --pool`` hands it to someone else than its former
  owner, who is in the cool-down;
- ``pool-claimed``: returned 12 days ago and since claimed by another rep of its region, who
  typed their name into 负责人; the next ``refresh`` takes the claim (clears 入公海日期, logs it).

``pool-due-soon`` names a prospect that returns within the week if nobody calls (todo warns).
"""

from __future__ import annotations

from datetime import date, datetime, time

import crmxl.rules.pool  # noqa: F401  (registers the pool's messages)
from crmxl.i18n import t
from crmxl.model.schema import CUSTOMERS, ENUMS, Pool, Role, Stage, Tier, YesNo
from crmxl.starter.sample.base import Base, Both, Row, _Plan
from crmxl.starter.sample.vocabulary import TEAM

#: Days since the return to the pool of each scenario.
ALREADY_IN_DAYS = 10
CLAIMED_DAYS = 12


class PoolScenarios(Base):
    """Gives two neglected prospects a pool history (see the module docstring)."""

    def pool_scenarios(self) -> None:
        limit = self.settings.pool_days[Tier.C]  # an ordinary prospect has no deal: tier C
        last = self._last_contacts()
        open_plans = [
            p
            for p in self.plans
            if not p.key and p.stage in (Stage.PROSPECT, Stage.INTERESTED) and p.cid in last
        ]
        idle = {p.cid: (self.today - last[p.cid]).days for p in open_plans}
        neglected = sorted(
            (p for p in open_plans if idle[p.cid] > limit + ALREADY_IN_DAYS),
            key=lambda p: (-idle[p.cid], p.cid),
        )
        if neglected:
            self._pooled(neglected[0], None, ALREADY_IN_DAYS, "pool-already-in")
        for plan in neglected[1:]:
            claimant = self._other_rep(plan)
            if claimant is not None and idle[plan.cid] > limit + CLAIMED_DAYS:
                self._pooled(plan, claimant, CLAIMED_DAYS, "pool-claimed")
                break
        soon = [p for p in open_plans if limit - 6 <= idle[p.cid] <= limit]
        if soon:
            self.scenarios["pool-due-soon"] = min(soon, key=lambda p: (-idle[p.cid], p.cid)).cid

    def _last_contacts(self) -> dict[str, date]:
        out: dict[str, date] = {}
        for f in self.rows["follow_ups"]:
            day = f["date"].date() if isinstance(f["date"], datetime) else f["date"]
            if day <= self.today:
                out[f["customer_id"]] = max(day, out.get(f["customer_id"], day))
        return out

    def _other_rep(self, plan: _Plan) -> str | None:
        """An active 销售专员 of the customer's region other than its owner."""
        names = [
            name
            for name, role, _team, regions, _industries, active, _cap in TEAM
            if role == Role.REP and active == YesNo.YES and plan.region in regions
        ]
        others = [n for n in names if n != plan.owner]
        return others[0] if others else None

    def _pooled(self, plan: _Plan, claimant: str | None, days: int, key: str) -> None:
        row: Row = plan.row
        since = self.day(days)
        row["owner"] = claimant or Pool.POOL
        row["former_owner"] = plan.owner
        row["pooled_on"] = since
        last = self._last_contacts()[plan.cid]
        params = {
            "tier": Tier.C,
            "days": (since - last).days,
            "since": last.isoformat(),
            "limit": self.settings.pool_days[Tier.C],
        }
        owner = CUSTOMERS.column("owner")
        self.rows["changelog"].append(
            {
                "time": datetime.combine(since, time(8, 0)),
                "command": "refresh",
                "sheet": Both(CUSTOMERS.zh, CUSTOMERS.en),
                "record": plan.cid,
                "field": Both(owner.zh, owner.en),
                "old": plan.owner,
                "new": Both(Pool.POOL, Pool.POOL.label("en")),
                "reason": Both(
                    t("pool-return-last_contact", "zh", stage=plan.stage, **params),
                    t(
                        "pool-return-last_contact",
                        "en",
                        stage=ENUMS["stages"].label(plan.stage, "en"),
                        **params,
                    ),
                ),
            }
        )
        self.scenarios[key] = plan.cid
