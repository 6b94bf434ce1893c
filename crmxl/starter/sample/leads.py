"""The sample's leads and team, and the leads CSV a web form would export."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from crmxl.model.schema import Employment, LeadStatus, Source, Stage
from crmxl.starter.sample.base import Base, Row
from crmxl.starter.sample.vocabulary import (
    CITIES,
    INDUSTRIES,
    LEAD_NEEDS,
    MAIL_HOSTS,
    SOURCES_WEIGHTED,
    TEAM,
    TEAM_EMAILS,
    mobile_number,
    person,
    regions_of,
    round_amount,
    weighted,
)


class Leads(Base):
    """线索 and 销售团队 rows, and the last odds and ends (变更日志, 配置)."""

    def leads(self) -> None:
        rng = self.rng
        now = self.as_of
        h = timedelta(hours=1)
        m = timedelta(minutes=1)
        rows: list[tuple[str, Row]] = []
        by_key = {p.key: p for p in self.plans if p.key}

        def lead(key: str, captured: datetime, region: str, industry: str, **more: Any) -> Row:
            name, _s, _g = person(rng)
            company = (
                more.pop("company", None)
                or self.company_name(region if region in CITIES else "华东", industry)[0]
            )
            source = more.pop("source", None) or weighted(rng, SOURCES_WEIGHTED[:6])
            row: Row = {
                "lead_id": "",
                "captured_at": captured,
                "source": source,
                "source_detail": "官网表单-免费试用" if source == Source.WEBSITE_FORM else "",
                "company": company,
                "contact": name,
                "phone": more.pop("phone", None) or mobile_number(rng),
                "email": "",
                "region": region,
                "industry": industry,
                "need": rng.choice(LEAD_NEEDS),
                "budget": round_amount(rng.uniform(50_000, 500_000), 10_000)
                if rng.random() < 0.5
                else None,
                "assigned_to": "",
                "assigned_at": None,
                "assignment_reason": "",
                "confirmed_at": None,
                "status": LeadStatus.UNASSIGNED,
                "invalid_reason": "",
                "converted_customer_id": "",
            }
            row.update(more)
            rows.append((key, row))
            return row

        def assigned(who: str, at: datetime, why: str = "") -> dict[str, Any]:
            return {
                "assigned_to": who,
                "assigned_at": at,
                "assignment_reason": why or f"区域匹配：{regions_of(who)}",
            }

        # waiting for `assign`
        lead("lead-industry-match", now - 2 * h, "华东", "制造业")
        lead("lead-no-industry-match", now - 3 * h, "华东", "教育")
        lead("lead-cap-reached", now - 90 * m, "华南", "物流")
        lead("lead-no-owner", now - 5 * h, "西北", "能源")
        lead("lead-north", now - 4 * h, "华北", "医疗")
        lead("lead-southwest", now - 6 * h, "西南", "建筑")
        dup_contact = self.contacts_by_customer[by_key["tier-a-exactly"].cid][0]
        lead(
            "lead-duplicate-phone",
            now - 7 * h,
            "华东",
            "制造业",
            phone=str(dup_contact["mobile"]),
            contact=dup_contact["name"],
        )
        lead(
            "lead-duplicate-company",
            now - 26 * h,
            "华北",
            "金融",
            company=by_key["open-inquiry"].row["name"],
        )
        lead(
            "lead-reviewed-back",
            now - 30 * h,
            "华中",
            "能源",
            invalid_reason="原分配行业不符，管理员审核后退回重新分配",
        )
        lead("lead-region-unknown", now - 8 * h, "待确认", "零售")
        # assigned, waiting for confirmation
        lead(
            "lead-awaiting",
            now - 40 * m,
            "华东",
            "互联网",
            status=LeadStatus.AWAITING,
            **assigned("李娜", now - 20 * m),
        )
        lead(
            "lead-confirm-overdue",
            now - 5 * h,
            "华北",
            "教育",
            status=LeadStatus.AWAITING,
            **assigned("赵敏", now - 3 * h),
        )
        # 杨磊 is at his lead cap (3 open leads)
        for i in range(3):
            lead(
                f"lead-cap-{i + 1}",
                now - (50 + 20 * i) * h,
                "华南",
                "制造业",
                status=LeadStatus.AWAITING if i == 0 else LeadStatus.VALID,
                confirmed_at=None if i == 0 else now - (47 + 20 * i) * h,
                **assigned("杨磊", now - (48 + 20 * i) * h, "区域匹配：华南；行业匹配：制造业"),
            )
        # history
        for _ in range(6):
            who = rng.choice(("李娜", "陈静", "赵敏", "黄强"))
            region = regions_of(who).split("、")[0]
            at = now - timedelta(days=rng.randint(5, 60), hours=rng.randint(0, 8))
            lead(
                "",
                at - 2 * h,
                region,
                rng.choice(INDUSTRIES),
                status=LeadStatus.VALID,
                confirmed_at=at + 30 * m,
                **assigned(who, at),
            )
        lead(
            "lead-invalid",
            now - 10 * 24 * h,
            "华南",
            "零售",
            status=LeadStatus.INVALID,
            invalid_reason="空号",
            confirmed_at=now - 10 * 24 * h + 3 * h,
            **assigned("陈静", now - 10 * 24 * h + 2 * h),
        )
        lead(
            "lead-invalid-2",
            now - 15 * 24 * h,
            "华东",
            "其他",
            status=LeadStatus.INVALID,
            invalid_reason="非目标行业，仅咨询招聘",
            confirmed_at=now - 15 * 24 * h + 40 * m,
            **assigned("李娜", now - 15 * 24 * h + 30 * m),
        )
        new = by_key["new-today"]
        lead(
            "lead-converted",
            now - 20 * h,
            new.region,
            new.industry,
            company=new.row["name"],
            status=LeadStatus.CONVERTED,
            converted_customer_id=new.cid,
            confirmed_at=now - 18 * h,
            **assigned(new.owner, now - 19 * h, "区域匹配：华南；行业匹配：互联网"),
        )
        rows.sort(key=lambda kr: kr[1]["captured_at"])
        stamp = self.today.strftime("%y%m")
        for n, (key, row) in enumerate(rows, start=1):
            row["lead_id"] = f"XS{stamp}{n:03d}"
            if key:
                self.scenarios[key] = row["lead_id"]
            if row["email"] == "" and rng.random() < 0.4:
                row["email"] = f"contact{n}@{rng.choice(MAIL_HOSTS)}"
        self.rows["leads"] = [row for _, row in rows]
        unknown = next(r for k, r in rows if k == "lead-region-unknown")
        self.problem(
            "leads",
            unknown,
            "region",
            "warning",
            "区域填了占位“待确认”，无法自动分配",
            "Region is a placeholder (待确认 / TBD); the lead cannot be assigned",
        )

    def team(self) -> None:
        self.rows["team"] = [
            {
                "name": name,
                "role": role,
                "team": team,
                "regions": regions,
                "industries": industries,
                "active": active,
                "lead_cap": cap,
                "email": TEAM_EMAILS.get(name),
            }
            for name, role, team, regions, industries, active, cap in TEAM
        ]

    def extras(self) -> None:
        """Birthdays later this week and a second decision maker who left."""
        rng = self.rng
        ordinary = [p for p in self.plans if not p.key and p.stage == Stage.CUSTOMER]
        for offset, plan in zip((2, 4, 6), rng.sample(ordinary, 3), strict=True):
            soon = self.today + timedelta(days=offset)
            contact = self.contacts_by_customer[plan.cid][-1]
            contact["birthday"] = date(rng.randint(1970, 1990), soon.month, soon.day)
        plan = rng.choice([p for p in ordinary if len(self.contacts_by_customer[p.cid]) > 1])
        decider = self.contacts_by_customer[plan.cid][0]
        decider.update(employment=Employment.LEFT, notes="已离职，接任者尚未对接")
