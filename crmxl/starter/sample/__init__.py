"""Demo data for ``crmxl init --sample``: a plausible sales team and two years of its CRM.

The sample is what a new user sees first, so it must look like a real team's workbook and, run
through ``validate``, ``refresh``, ``todo``, ``assign`` and ``report``, show something in every
list. It is built around *scenarios* (a customer whose last-12-month amount is exactly the A
threshold, a complaint past its response deadline, a lead no one may take ...) placed among
about 200 ordinary customers, and it carries a handful of *deliberate problems* (:class:`Problem`)
that ``validate`` should report; everything else is valid.

Everything is deterministic for a given ``seed`` and ``as_of``, and every date is relative to
``as_of`` so the scenarios hold whenever the sample is made. Values are canonical (Chinese enum
values, real dates and numbers); :mod:`crmxl.starter.templates` writes them in the workbook's language.
Auto (computed) columns are left blank for ``refresh``, except one 客户等级 that records the tier
of a previous refresh, so that "tier fell" has something to compare with.
"""

from __future__ import annotations

import csv
import random
from datetime import datetime, timedelta
from pathlib import Path

from crmxl.model.schema import LEADS, SHEETS_BY_KEY, Source
from crmxl.model.settings import DEFAULT_REGIONS
from crmxl.starter.sample.base import SAMPLE_AS_OF, SAMPLE_SEED, Problem, Row, Sample
from crmxl.starter.sample.customers import Customers
from crmxl.starter.sample.leads import Leads
from crmxl.starter.sample.pool import PoolScenarios
from crmxl.starter.sample.problems import Problems
from crmxl.starter.sample.records import Records
from crmxl.starter.sample.vocabulary import (
    INDUSTRIES,
    LEAD_NEEDS,
    MAIL_HOSTS,
    TEAM,
    mobile_number,
    person,
)


class _Builder(Customers, Records, Leads, Problems, PoolScenarios):
    """Builds the sample; one instance per call of :func:`build_sample`."""

    def build(self) -> Sample:
        rng = self.rng
        plans = self.scenario_plans()
        ordinary = 200 - len(plans)
        plans += [self.ordinary_plan() for _ in range(ordinary)]
        for plan in plans:  # nobody signs before we first met them
            if plan.deals:
                oldest = max(days for days, _ in plan.deals)
                plan.first_contact = min(plan.first_contact, self.day(oldest + 30))
        # IDs follow the order the customers were entered, as in a real file
        plans.sort(key=lambda pl: (pl.created or pl.first_contact, pl.key, rng.random()))
        for n, plan in enumerate(plans, start=1):
            plan.cid = f"C{n:04d}"
            if plan.key:
                self.scenarios[plan.key] = plan.cid
        self.plans = plans
        follow_ups: list[Row] = []
        for plan in plans:
            customer = self.customer_row(plan)
            plan.row = customer
            contacts = self.contacts_for(plan, customer)
            self.contacts_by_customer[plan.cid] = contacts
            follow_ups += self.follow_ups_for(plan, customer, contacts)
            self.rows["customers"].append(customer)
            self.rows["contacts"].extend(contacts)
        follow_ups.sort(key=lambda r: (r["date"], r["customer_id"]))
        for n, row in enumerate(follow_ups, start=1):
            row["record_id"] = f"GJ{n:05d}"
        self.rows["follow_ups"] = follow_ups
        self.transactions()
        self.needs()
        self.issues()
        self.leads()
        self.team()
        self.referrals()
        self.extras()
        self.pool_scenarios()
        self.deliberate_problems()
        return self.finish()

    def finish(self) -> Sample:
        problems: list[Problem] = []
        for sheet, row, column, severity, zh, en in self.problems:
            index = next(i for i, r in enumerate(self.rows[sheet]) if r is row)
            problems.append(Problem(sheet, index, column, severity, zh, en))
        problems.sort(key=lambda p: (list(SHEETS_BY_KEY).index(p.sheet), p.row))
        rows = {k: v for k, v in self.rows.items() if v}
        scenarios = dict(sorted(self.scenarios.items()))
        return Sample(self.as_of, self.seed, rows, problems, scenarios, self.settings)


def build_sample(as_of: datetime | None = None, seed: int = SAMPLE_SEED) -> Sample:
    """The demo data as of ``as_of`` (default: now, to the minute)."""
    moment = as_of or datetime.now().replace(second=0, microsecond=0)
    return _Builder(moment, seed).build()


# ------------------------------------------------------------------------------ leads CSV

CSV_COLUMNS = (
    "lead_id",
    "captured_at",
    "source",
    "source_detail",
    "company",
    "contact",
    "phone",
    "email",
    "region",
    "industry",
    "need",
    "budget",
)


def leads_csv(
    as_of: datetime | None = None, seed: int = SAMPLE_SEED
) -> tuple[list[str], list[list[str]]]:
    """About 30 new leads as a web form would export them: (Chinese headers, rows of text).

    One lead is a customer the sample already has (same company and phone), one is the same
    form sent twice, one budget is written ``50万``; all else is new and valid.
    """
    sample = build_sample(as_of, seed)
    rng = random.Random(seed + 1)
    builder = _Builder(sample.as_of, seed + 2)
    builder.used_names = {r["name"] for r in sample.rows["customers"]}
    header = [LEADS.column(k).zh for k in CSV_COLUMNS]
    regions = [r for r in DEFAULT_REGIONS if r != "西北"]
    rows: list[list[str]] = []
    start = sample.as_of - timedelta(hours=30)
    for n in range(28):
        region = rng.choice(regions)
        industry = rng.choice(INDUSTRIES)
        company = builder.company_name(region, industry)[0]
        name, s_py, g_py = person(rng)
        phone = mobile_number(rng)
        if n % 7 == 3:
            phone = f"+86 {phone[:3]} {phone[3:7]} {phone[7:]}"
        budget = rng.choice(("50万", "30万", "100万", "200000", "￥80,000", "", ""))
        captured = start + timedelta(minutes=rng.randint(0, 29 * 60))
        rows.append(
            [
                "",
                captured.strftime("%Y-%m-%d %H:%M"),
                rng.choice(
                    (
                        Source.WEBSITE_FORM,
                        Source.TRADE_SHOW,
                        Source.PHONE_INQUIRY,
                        Source.SOCIAL_MEDIA,
                        Source.PARTNER,
                    )
                ),
                "",
                company,
                name,
                phone,
                f"{g_py}.{s_py}@{rng.choice(MAIL_HOSTS)}" if rng.random() < 0.6 else "",
                region,
                industry,
                rng.choice(LEAD_NEEDS) if n != 5 else "-急需，本月内上线（客户原话）",
                budget,
            ]
        )
    # a customer we already have, and a form sent twice
    known = next(
        r for r in sample.rows["customers"] if r["customer_id"] == sample.scenarios["tier-365-days"]
    )
    contact = next(c for c in sample.rows["contacts"] if c["customer_id"] == known["customer_id"])
    rows.append(
        [
            "",
            (sample.as_of - timedelta(hours=3)).strftime("%Y-%m-%d %H:%M"),
            Source.WEBSITE_FORM,
            "官网表单-产品试用申请",
            known["name"],
            contact["name"],
            str(contact["mobile"]),
            "",
            known["region"],
            known["industry"],
            "想了解新版本",
            "",
        ]
    )
    rows.append(list(rows[10]))
    rows.sort(key=lambda r: r[1])
    for n, row in enumerate(rows, start=1):
        row[0] = f"XS{sample.as_of.strftime('%y%m')}{100 + n:03d}"
    return header, rows


def write_leads_csv(path: Path, encoding: str = "utf-8-sig", as_of: datetime | None = None) -> None:
    """Write :func:`leads_csv` as Excel on Windows saves CSV (CRLF line ends)."""
    header, rows = leads_csv(as_of)
    with path.open("w", encoding=encoding, newline="", errors="strict") as fh:
        writer = csv.writer(fh, lineterminator="\r\n")
        writer.writerow(header)
        writer.writerows(rows)


__all__ = [
    "CSV_COLUMNS",
    "SAMPLE_AS_OF",
    "SAMPLE_SEED",
    "TEAM",
    "Problem",
    "Row",
    "Sample",
    "build_sample",
    "leads_csv",
    "write_leads_csv",
]
