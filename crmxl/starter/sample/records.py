"""Deals, needs and issues of the sample's customers."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from crmxl.model.schema import (
    IssueStatus,
    IssueType,
    NeedKind,
    NeedStatus,
    PaymentStatus,
    Priority,
    Stage,
)
from crmxl.rules.worktime import library_years
from crmxl.starter.sample.base import Base, Row, _Plan
from crmxl.starter.sample.vocabulary import (
    DEPARTMENTS,
    ISSUE_TEXTS,
    NEED_DESCRIPTIONS,
    OUTCOMES,
    PAYMENT_TERMS,
    PRODUCTS,
    at,
    round_amount,
    weighted,
    work_time,
)


class Records(Base):
    """交易记录, 需求清单 and 问题跟踪 rows."""

    def transactions(self) -> None:
        rng = self.rng
        rows: list[Row] = []
        for plan in self.plans:
            for days_ago, amount in plan.deals:
                signed = self.day(days_ago)
                paid = (
                    PaymentStatus.PAID
                    if days_ago > 120
                    else weighted(
                        rng,
                        (
                            (PaymentStatus.UNPAID, 2),
                            (PaymentStatus.PARTLY_PAID, 3),
                            (PaymentStatus.PAID, 3),
                        ),
                    )
                )
                rows.append(
                    {
                        "contract_id": "",
                        "customer_id": plan.cid,
                        "signed_on": signed,
                        "amount": amount,
                        "product": rng.choice(PRODUCTS),
                        "payment_terms": rng.choice(PAYMENT_TERMS),
                        "payment_status": paid,
                        "ends_on": signed + timedelta(days=365),
                    }
                )
        rows.sort(key=lambda r: (r["signed_on"], r["customer_id"]))
        per_year: dict[int, int] = {}
        for row in rows:
            year = row["signed_on"].year
            per_year[year] = per_year.get(year, 0) + 1
            row["contract_id"] = f"HT{year}-{per_year[year]:03d}"
        self.rows["transactions"] = rows

    def needs(self) -> None:
        rng = self.rng
        rows: list[Row] = []
        candidates = [
            p for p in self.plans if p.stage in (Stage.INTERESTED, Stage.CUSTOMER) and not p.key
        ]
        chosen = rng.sample(candidates, min(55, len(candidates)))
        chosen.sort(key=lambda p: p.cid)
        due = self.settings.need_follow_up_days
        # (scenario, days since the proposal went out, status)
        special = [
            ("need-due-today", due, NeedStatus.PROPOSED),
            ("need-overdue", due + 2, NeedStatus.PROPOSED),
            ("need-fresh", 1, NeedStatus.PROPOSED),
            ("need-confirmed", due, NeedStatus.CONFIRMED),
        ]
        for i, plan in enumerate(chosen):
            description, solution, effect = rng.choice(NEED_DESCRIPTIONS)
            status = weighted(
                rng,
                (
                    (NeedStatus.TO_ASSESS, 14),
                    (NeedStatus.DRAFTING, 18),
                    (NeedStatus.PROPOSED, 8),
                    (NeedStatus.CONFIRMED, 34),
                    (NeedStatus.CLOSED, 16),
                ),
            )
            sent: date | None = None
            key = ""
            if i < len(special):
                key, ago, status = special[i]
                sent = self.day(ago)
            elif status == NeedStatus.PROPOSED:
                sent = self.day(rng.randint(0, due - 1))
            elif status in (NeedStatus.CONFIRMED, NeedStatus.CLOSED):
                sent = self.day(rng.randint(20, 300))
            budget = round_amount(rng.uniform(50_000, 800_000), 10_000)
            quote = round_amount(budget * rng.uniform(0.8, 1.1), 1000) if sent else None
            row: Row = {
                "need_id": "",
                "customer_id": plan.cid,
                "description": description,
                "kind": NeedKind.LATENT if "可能" in description else NeedKind.EXPLICIT,
                "priority": rng.choice(
                    (Priority.HIGH, Priority.MEDIUM, Priority.MEDIUM, Priority.LOW)
                ),
                "budget": budget if rng.random() < 0.7 else None,
                "wanted_by": self.today + timedelta(days=rng.randint(15, 180)),
                "solution": solution if status != NeedStatus.TO_ASSESS else "",
                "expected_effect": effect if status != NeedStatus.TO_ASSESS else "",
                "quote": quote,
                "lead_time": rng.choice(("1个月", "6周", "2个月", "3个月")) if sent else "",
                "proposal_sent": sent,
                "status": status,
                "owner": plan.owner,
            }
            rows.append(row)
            if key:
                row["_key"] = key
        for n, row in enumerate(rows, start=1):
            row["need_id"] = f"XQ{n:04d}"
            key = row.pop("_key", "")
            if key:
                self.scenarios[key] = row["need_id"]
        self.rows["needs"] = rows

    def issue(self, plan: _Plan, kind: str, logged: datetime, **times: Any) -> Row:
        rng = self.rng
        text, ask = rng.choice(ISSUE_TEXTS[kind])
        return {
            "issue_id": "",
            "customer_id": plan.cid,
            "logged_at": logged,
            "type": kind,
            "description": text,
            "ask": ask,
            "urgency": Priority.HIGH
            if kind in (IssueType.COMPLAINT, IssueType.DELIVERY_PROBLEM)
            else rng.choice((Priority.MEDIUM, Priority.LOW)),
            "department": rng.choice(DEPARTMENTS[kind]),
            "owner": plan.owner,
            "first_response_at": times.get("response"),
            "plan_at": times.get("planned"),
            "resolved_at": times.get("resolved"),
            "status": times.get("status", IssueStatus.OPEN),
            "outcome": times.get("outcome", ""),
            "satisfaction": times.get("satisfaction"),
        }

    def holiday_issue(self, plan: _Plan) -> Row | None:
        """A complaint logged the evening before 国庆 (SPEC 2.8's hard day): counted in working
        time, its clocks start on the first working day after the holiday, so a reply then is on
        time. The latest 国庆 the holiday library knows that is over by as_of (None: none)."""
        known = [y for y in library_years() if date(y, 10, 20) <= self.today]
        if not known:
            return None
        year = max(known)
        logged = datetime(year, 9, 30, 20, 0)
        return self.issue(
            plan,
            IssueType.COMPLAINT,
            logged,
            response=self.sla_after(logged, 1.5),
            planned=self.sla_after(logged, 23),
            resolved=self.sla_after(logged, 28),
            status=IssueStatus.RESOLVED,
            outcome="节后第一个工作日回复，方案按时提交",
            satisfaction=4,
        )

    def issues(self) -> None:
        rng = self.rng
        sla = self.settings.sla_hours
        won = [p for p in self.plans if p.stage in (Stage.CUSTOMER, Stage.LOST) and not p.key]
        rows: list[tuple[str, Row]] = []
        satisfactions = [5, 4, 3, 2, 1]
        for _ in range(34):
            plan = rng.choice(won)
            kind = weighted(
                rng,
                (
                    (IssueType.INQUIRY, 40),
                    (IssueType.AFTER_SALES, 30),
                    (IssueType.COMPLAINT, 15),
                    (IssueType.DELIVERY_PROBLEM, 15),
                ),
            )
            logged = work_time(rng, self.day(rng.randint(10, 540)))
            resp_h, plan_h = sla[kind]
            late = rng.random() < 0.2
            response = self.sla_after(
                logged, resp_h * rng.uniform(1.3, 3) if late else resp_h * rng.uniform(0.2, 0.9)
            )
            planned = self.sla_after(
                logged,
                plan_h * rng.uniform(0.3, 0.95) if not late else plan_h * rng.uniform(1.1, 2),
            )
            resolved = planned + timedelta(hours=rng.randint(2, 72))
            score = (
                satisfactions.pop()
                if satisfactions
                else (rng.choice((2, 3)) if late else rng.choice((4, 5, 5)))
            )
            rows.append(
                (
                    "",
                    self.issue(
                        plan,
                        kind,
                        logged,
                        response=response,
                        planned=planned,
                        resolved=resolved,
                        status=rng.choice((IssueStatus.RESOLVED, IssueStatus.CLOSED)),
                        outcome=rng.choice(OUTCOMES),
                        satisfaction=score,
                    ),
                )
            )
        by_key = {p.key: p for p in self.plans if p.key}
        back = self.back  # SLA hours before as_of (working hours in the sample)
        rows += [
            (
                "issue-response-breached",
                self.issue(by_key["complaint-breached"], IssueType.COMPLAINT, back(5)),
            ),
            (
                "issue-response-due-soon",
                self.issue(by_key["tier-b-exactly"], IssueType.DELIVERY_PROBLEM, back(50 / 60)),
            ),
            (
                "issue-inquiry-due-soon",
                self.issue(by_key["open-inquiry"], IssueType.INQUIRY, back(3 + 20 / 60)),
            ),
            ("issue-running", self.issue(by_key["due-soon"], IssueType.AFTER_SALES, back(0.5))),
            (
                "issue-plan-breached",
                self.issue(
                    by_key["tier-a-exactly"],
                    IssueType.AFTER_SALES,
                    back(30),
                    response=back(29),
                    status=IssueStatus.IN_PROGRESS,
                ),
            ),
            (
                "issue-plan-due-soon",
                self.issue(
                    by_key["industry-leader"],
                    IssueType.COMPLAINT,
                    back(20),
                    response=back(18.5),
                    status=IssueStatus.IN_PROGRESS,
                ),
            ),
            (
                "issue-response-late",
                self.issue(
                    by_key["tier-365-days"],
                    IssueType.DELIVERY_PROBLEM,
                    back(72),
                    response=back(69),
                    planned=back(68.5),
                    resolved=back(52),
                    status=IssueStatus.RESOLVED,
                    outcome="已修复并重新导出数据",
                    satisfaction=3,
                ),
            ),
            (
                "issue-resolved-late",
                self.issue(
                    by_key["decision-maker-left"],
                    IssueType.COMPLAINT,
                    back(80),
                    response=back(79),
                    planned=back(50),
                    resolved=back(30),
                    status=IssueStatus.CLOSED,
                    outcome="已更换备件，客户确认恢复",
                    satisfaction=2,
                ),
            ),
            (
                "issue-met",
                self.issue(
                    by_key["birthday"],
                    IssueType.INQUIRY,
                    back(26),
                    response=back(25),
                    planned=back(10),
                    resolved=back(8),
                    status=IssueStatus.RESOLVED,
                    outcome="已提供升级方案和报价",
                    satisfaction=5,
                ),
            ),
        ]
        holiday = self.holiday_issue(by_key["no-deal-12-months"])
        if holiday is not None:
            rows.append(("issue-national-day", holiday))
        day = self.day(8)
        rows.append(
            (
                "issue-resolved-before-logged",
                self.issue(
                    by_key["anniversary"],
                    IssueType.AFTER_SALES,
                    at(day, 14),
                    response=at(day, 15),
                    planned=at(day, 17),
                    resolved=at(day, 10),  # typed 10:00 for 次日10:00
                    status=IssueStatus.RESOLVED,
                    outcome="已修复并回访确认",
                    satisfaction=4,
                ),
            )
        )
        rows.sort(key=lambda kr: kr[1]["logged_at"])
        for n, (key, row) in enumerate(rows, start=1):
            row["issue_id"] = f"WT{n:04d}"
            if key:
                self.scenarios[key] = row["issue_id"]
        self.rows["issues"] = [row for _, row in rows]
        bad = next(r for k, r in rows if k == "issue-resolved-before-logged")
        self.problem(
            "issues",
            bad,
            "resolved_at",
            "error",
            "解决时间早于登记时间（应为次日10:00）",
            "Resolved before it was logged (meant the next day 10:00)",
        )
