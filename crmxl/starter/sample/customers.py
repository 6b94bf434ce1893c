"""The customers: the ordinary ones and the scenarios, with their contacts and follow-ups."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from crmxl.model.schema import (
    Channel,
    ContactChannel,
    DecisionRole,
    Employment,
    Role,
    Source,
    Stage,
    Tier,
    YesNo,
)
from crmxl.starter.sample.base import Base, Row, _Plan
from crmxl.starter.sample.vocabulary import (
    AGREED,
    BUDGETS,
    CHANNEL_WEIGHTS,
    CITIES,
    DECIDER_TITLES,
    DISTRICTS,
    EXPOS,
    FEEDBACK,
    INDUSTRIES,
    INTERESTS,
    MAIL_HOSTS,
    NEXT_ACTIONS,
    OTHER_TITLES,
    PERSONALITIES,
    REGION_OWNERS,
    REGION_WEIGHTS,
    ROADS,
    SOURCES_WEIGHTED,
    SUMMARIES,
    TAGS,
    TEAM,
    TRADES,
    mobile_number,
    person,
    round_amount,
    team_role,
    weighted,
    work_time,
)


class Customers(Base):
    """Plans of customers (scenarios among ordinary ones), turned into rows."""

    def ordinary_plan(self) -> _Plan:
        rng = self.rng
        region = weighted(rng, tuple(REGION_WEIGHTS.items()))
        industry = rng.choice(INDUSTRIES)
        owner = rng.choice(REGION_OWNERS[region])
        stage = weighted(
            rng,
            ((Stage.CUSTOMER, 42), (Stage.INTERESTED, 20), (Stage.PROSPECT, 28), (Stage.LOST, 10)),
        )
        plan = _Plan("", stage, region, industry, owner, self.today)
        if stage == Stage.CUSTOMER:
            plan.first_contact = self.day(rng.randint(200, 1000))
            bucket = weighted(rng, ((Tier.A, 14), (Tier.B, 34), (Tier.C, 46), ("none", 6)))
            if bucket == Tier.A:
                amounts = [rng.uniform(250_000, 900_000) for _ in range(rng.randint(1, 3))]
                while sum(amounts) < 520_000:
                    amounts.append(rng.uniform(100_000, 300_000))
            elif bucket == Tier.B:
                amounts = [rng.uniform(110_000, 420_000)]
            elif bucket == Tier.C:
                amounts = [rng.uniform(8_000, 90_000)]
            else:
                amounts = []
            for amount in amounts:
                plan.deals.append((rng.randint(5, 360), round_amount(amount)))
            if bucket == "none" or rng.random() < 0.5:  # an older contract too
                plan.deals.append(
                    (rng.randint(380, 700), round_amount(rng.uniform(20_000, 400_000)))
                )
        elif stage == Stage.INTERESTED:
            plan.first_contact = self.day(rng.randint(20, 300))
        elif stage == Stage.PROSPECT:
            plan.first_contact = self.day(rng.randint(3, 150))
        else:
            plan.first_contact = self.day(rng.randint(400, 1000))
            plan.deals.append((rng.randint(400, 700), round_amount(rng.uniform(20_000, 300_000))))
            plan.terminated_days_ago = rng.randint(120, 330)
        if stage != Stage.LOST:
            cadence = self.cadence(plan)
            bucket = weighted(
                rng, (("ok", 64), ("soon", 12), ("today", 2), ("late", 16), ("very late", 6))
            )
            due_soon = self.settings.due_soon_days
            if bucket == "ok":
                low = min(due_soon + 1, cadence - 1)
                plan.next_in = rng.randint(low, cadence - 1)
            elif bucket == "soon":
                plan.next_in = rng.randint(1, due_soon)
            elif bucket == "today":
                plan.next_in = 0
            elif bucket == "late":
                plan.next_in = -rng.randint(1, min(cadence, 20))
            else:
                plan.next_in = -rng.randint(cadence + 1, cadence + 40)
            plan.via_next_date = rng.random() < 0.3
        return plan

    def scenario_plans(self) -> list[_Plan]:
        """The customers that make each rule of SPEC section 2 show up."""
        a, b = self.settings.thresholds[Tier.A], self.settings.thresholds[Tier.B]
        abcd = {Tier.B: 50_000.0, Tier.C: 10_000.0}  # the ABCD scheme's B and C thresholds
        p: list[_Plan] = []

        def add(key: str, stage: str, region: str, industry: str, owner: str, first: int) -> _Plan:
            plan = _Plan(key, stage, region, industry, owner, self.day(first))
            p.append(plan)
            return plan

        x = add("tier-a-exactly", Stage.CUSTOMER, "华东", "制造业", "张伟", 700)
        x.deals = [(200, a - 200_000), (30, 200_000.0), (500, 150_000.0)]
        x.next_in = 12
        x = add("tier-365-days", Stage.CUSTOMER, "华东", "互联网", "李娜", 800)
        x.deals = [(364, 450_000.0), (365, 80_000.0), (60, 30_000.0)]
        x.prev_tier = Tier.A  # the deal of 365 days ago counted yesterday
        x.next_in = 9
        x = add("tier-b-exactly", Stage.CUSTOMER, "华南", "物流", "杨磊", 420)
        x.deals = [(100, b - 40_000), (20, 40_000.0)]
        x.next_in = 6
        x = add("tier-abcd-b-exactly", Stage.CUSTOMER, "华北", "教育", "赵敏", 300)
        x.deals = [(45, abcd[Tier.B])]
        x.next_in = 15
        x = add("tier-abcd-c-exactly", Stage.CUSTOMER, "华中", "建筑", "黄强", 260)
        x.deals = [(80, abcd[Tier.C])]
        x.next_in = 20
        x = add("tier-abcd-d", Stage.CUSTOMER, "西南", "零售", "黄强", 240)
        x.deals = [(150, 8_800.0)]
        x.next_in = 11
        x = add("industry-leader", Stage.CUSTOMER, "华北", "能源", "王芳", 500)
        x.leader = True
        x.deals = [(90, 60_000.0)]
        x.next_in = 18
        x = add("tier-override", Stage.CUSTOMER, "华东", "金融", "陈静", 600)
        x.deals = [(120, 20_000.0)]
        x.tier_override = Tier.A
        x.notes = "集团总部客户，2027年框架协议谈判中（王芳批准定为A级）"
        x.next_in = 25
        x = add("tier-override-no-note", Stage.CUSTOMER, "华南", "零售", "陈静", 350)
        x.deals = [(70, 30_000.0)]
        x.tier_override = Tier.B
        x.next_in = 8
        x = add("stage-to-won", Stage.INTERESTED, "华东", "医疗", "陈静", 90)
        x.deals = [(10, 180_000.0)]
        x.next_in = 10
        x = add("stage-to-lost", Stage.CUSTOMER, "华中", "能源", "黄强", 900)
        x.deals = [(500, 260_000.0)]
        x.terminated_days_ago = 125
        x.next_in = 5
        x = add("terminated-recently", Stage.CUSTOMER, "东北", "制造业", "赵敏", 800)
        x.deals = [(300, 90_000.0)]
        x.terminated_days_ago = 40
        x.next_in = 16
        x = add("overdue-beyond-cadence", Stage.CUSTOMER, "华东", "零售", "李娜", 400)
        x.deals = [(140, 150_000.0)]
        x.last_days_ago = 45
        x = add("overdue-within-cadence", Stage.CUSTOMER, "华南", "制造业", "杨磊", 300)
        x.deals = [(200, 40_000.0)]
        x.last_days_ago = 33
        x = add("due-today", Stage.CUSTOMER, "华北", "政府及公共事业", "赵敏", 380)
        x.deals = [(180, 70_000.0)]
        x.last_days_ago = 30
        x = add("due-soon", Stage.CUSTOMER, "西南", "建筑", "黄强", 330)
        x.deals = [(50, 120_000.0)]
        x.last_days_ago = 12
        x = add("next-date-missed", Stage.CUSTOMER, "华东", "互联网", "张伟", 650)
        x.deals = [(75, 620_000.0)]
        x.last_days_ago = 5
        x.next_in = -2
        x.via_next_date = True
        x = add("prospect-overdue", Stage.PROSPECT, "华东", "教育", "李娜", 40)
        x.last_days_ago = 9
        x = add("new-today", Stage.PROSPECT, "华南", "互联网", "陈静", 0)
        x.no_follow_ups = True
        x = add("new-yesterday", Stage.PROSPECT, "华东", "制造业", "李娜", 1)
        x.no_follow_ups = True
        x = add("new-not-contacted", Stage.PROSPECT, "华中", "物流", "黄强", 4)
        x.no_follow_ups = True
        x = add("lost", Stage.LOST, "西北", "能源", "周杰", 900)
        x.deals = [(520, 210_000.0)]
        x.terminated_days_ago = 240
        x = add("decision-maker-left", Stage.CUSTOMER, "华东", "制造业", "李娜", 720)
        x.deals = [(160, 240_000.0)]
        x.decider_left = True
        x.next_in = 7
        x = add("complaint-breached", Stage.CUSTOMER, "华南", "医疗", "陈静", 500)
        x.deals = [(110, 95_000.0)]
        x.next_in = 14
        x = add("open-inquiry", Stage.CUSTOMER, "华北", "金融", "王芳", 460)
        x.deals = [(210, 130_000.0)]
        x.next_in = 5
        x = add("no-deal-12-months", Stage.CUSTOMER, "华东", "物流", "陈静", 800)
        x.deals = [(430, 85_000.0)]
        x.next_in = 19
        x = add("late-record", Stage.INTERESTED, "华北", "制造业", "赵敏", 60)
        x.created = self.day(57)
        x.next_in = 20
        x = add("birthday", Stage.CUSTOMER, "华东", "金融", "张伟", 560)
        x.deals = [(40, 310_000.0)]
        x.birthday_in = self.settings.reminder_days
        x.next_in = 21
        x = add("anniversary", Stage.CUSTOMER, "西南", "医疗", "黄强", 450)
        x.deals = [(95, 56_000.0)]
        x.anniversary_in = self.settings.reminder_days
        x.next_in = 13
        x = add("abbreviated-name", Stage.INTERESTED, "华东", "互联网", "李娜", 80)
        x.name = "杭州云帆网络"
        x.next_in = 17
        x = add("abbreviated-name-2", Stage.PROSPECT, "华南", "物流", "杨磊", 25)
        x.name = "蓝海物流"
        x.next_in = 5
        x = add("english-name", Stage.CUSTOMER, "华东", "零售", "陈静", 390)
        x.name = "Shanghai Bluesky Trading Co., Ltd."
        x.deals = [(130, 75_000.0)]
        x.next_in = 26
        return p

    def customer_row(self, plan: _Plan) -> Row:
        rng = self.rng
        if plan.name:
            name, domain = plan.name, ""
            business = TRADES[plan.industry][0][2]
            self.used_names.add(name)
        else:
            name, domain, business = self.company_name(plan.region, plan.industry)
        city, _code = self.city_of(name, plan.region)
        created = plan.created or min(
            plan.first_contact + timedelta(days=rng.choice((0, 0, 0, 1))), self.today
        )
        source = weighted(rng, SOURCES_WEIGHTED)
        detail = ""
        if source == Source.TRADE_SHOW:
            shown = plan.first_contact
            detail = (
                f"展会-{shown.year}年{shown.month}月{rng.choice(CITIES['华东'])[0]}"
                f"{rng.choice(EXPOS)}-展位{rng.choice('ABCDE')}{rng.randint(1, 40)}"
            )
        elif source == Source.REFERRAL and self.plans:
            detail = Source.REFERRAL
        elif source == Source.PARTNER:
            detail = f"合作伙伴-{rng.choice(('华东渠道商', '华南代理商', '系统集成商'))}"
        elif source == Source.WEBSITE_FORM:
            detail = rng.choice(("官网表单-产品试用申请", "官网表单-白皮书下载", ""))
        founded = date(rng.randint(1995, 2020), rng.randint(1, 12), rng.randint(1, 28))
        if plan.anniversary_in is not None:
            target = self.today + timedelta(days=plan.anniversary_in)
            founded = target.replace(year=target.year - 15)
        trailing = self.trailing(plan)
        row: Row = {
            "customer_id": plan.cid,
            "name": name,
            "industry": plan.industry,
            "region": plan.region,
            "employees": rng.choice((30, 50, 80, 120, 200, 350, 600, 1200, 3000, 8000)),
            "revenue": float(rng.choice((500, 1200, 3000, 8000, 20_000, 50_000, 150_000))) * 10_000,
            "address": f"{city}市{rng.choice(DISTRICTS)}{rng.choice(ROADS)}{rng.randint(1, 999)}号",
            "founded": founded,
            "website": f"www.{domain}" if domain and rng.random() < 0.7 else "",
            "main_business": business,
            "source": source,
            "source_detail": detail,
            "first_contact": plan.first_contact,
            "created": created,
            "stage": plan.stage,
            "leader": YesNo.YES if plan.leader else (YesNo.NO if rng.random() < 0.5 else ""),
            "tier_override": plan.tier_override,
            "annual_amount": round_amount(trailing, 10_000)
            if trailing and rng.random() < 0.6
            else None,
            "budget": rng.choice(BUDGETS)
            if plan.stage in (Stage.PROSPECT, Stage.INTERESTED)
            else "",
            "terminated_on": self.day(plan.terminated_days_ago)
            if plan.terminated_days_ago is not None
            else None,
            "owner": plan.owner,
            "tags": "，".join(dict.fromkeys(t for t in rng.sample(TAGS, 2) if t)),
            "notes": plan.notes,
        }
        if plan.prev_tier:
            row["tier"] = plan.prev_tier
        if plan.stage == Stage.LOST:
            row["notes"] = rng.choice(("合同到期未续约", "客户改用竞品", "客户业务调整，暂停合作"))
        return row

    def contacts_for(self, plan: _Plan, customer: Row) -> list[Row]:
        rng = self.rng
        _city, area = self.city_of(customer["name"], plan.region)
        count = 1 if plan.stage == Stage.PROSPECT else rng.choice((1, 2, 2, 3))
        rows: list[Row] = []
        for i in range(count):
            name, s_py, g_py = person(rng)
            if i == 0:
                title, role = rng.choice(DECIDER_TITLES), DecisionRole.DECISION_MAKER
            else:
                title, role = rng.choice(OTHER_TITLES)
            mobile = mobile_number(rng)
            style = rng.random()
            if style < 0.08:
                mobile = f"{area}-{rng.randint(20_000_000, 89_999_999)}"
            elif style < 0.14:
                mobile = f"+86 {mobile[:3]} {mobile[3:7]} {mobile[7:]}"
            elif style < 0.18:
                mobile = f"{mobile[:3]}-{mobile[3:7]}-{mobile[7:]}"
            domain = customer["website"].removeprefix("www.") or rng.choice(MAIL_HOSTS)
            email = f"{g_py}.{s_py}@{domain}" if rng.random() < 0.7 else ""
            wechat = ""
            if rng.random() < 0.6:
                wechat = (
                    f"wx_{s_py}{g_py}{rng.randint(1, 99)}"
                    if rng.random() < 0.6
                    else mobile
                    if mobile.isdigit()
                    else f"{s_py}_{g_py}"
                )
            birthday: Any = ""
            if rng.random() < 0.55:
                month, dd = rng.randint(1, 12), rng.randint(1, 28)
                if rng.random() < 0.5:
                    birthday = f"{month:02d}-{dd:02d}"
                else:
                    birthday = date(rng.randint(1965, 1993), month, dd)
            left = role != DecisionRole.DECISION_MAKER and rng.random() < 0.06
            rows.append(
                {
                    "customer_id": customer["customer_id"],
                    "name": name,
                    "title": title,
                    "mobile": mobile,
                    "wechat": wechat,
                    "email": email,
                    "preferred_channel": rng.choice(
                        (
                            ContactChannel.PHONE,
                            ContactChannel.WECHAT,
                            ContactChannel.WECHAT,
                            ContactChannel.EMAIL,
                            ContactChannel.IN_PERSON,
                        )
                    ),
                    "decision_role": role,
                    "personality": rng.choice(PERSONALITIES),
                    "interests": rng.choice(INTERESTS),
                    "birthday": birthday,
                    "employment": Employment.LEFT if left else Employment.EMPLOYED,
                    "notes": "已离职，后续对接其同事" if left else "",
                }
            )
        if plan.decider_left:
            rows[0]["employment"] = Employment.LEFT
            rows[0]["notes"] = "已于上月离职，新任负责人待确认"
        if plan.birthday_in is not None:
            soon = self.today + timedelta(days=plan.birthday_in)
            rows[0]["birthday"] = f"{soon.month:02d}-{soon.day:02d}"
        return rows

    def follow_ups_for(self, plan: _Plan, customer: Row, contacts: list[Row]) -> list[Row]:
        rng = self.rng
        if plan.no_follow_ups:
            return []
        cadence = self.cadence(plan)
        next_date: date | None = None
        if plan.stage == Stage.LOST:
            assert plan.terminated_days_ago is not None
            last = self.day(plan.terminated_days_ago + rng.randint(0, 20))
        elif plan.last_days_ago is not None:
            last = self.day(plan.last_days_ago)
            if plan.next_in is not None:
                next_date = self.today + timedelta(days=plan.next_in)
        else:
            assert plan.next_in is not None
            target = self.today + timedelta(days=plan.next_in)
            if plan.via_next_date:
                back = rng.randint(max(1, plan.next_in + 1), max(cadence, plan.next_in + 1))
                last = target - timedelta(days=back)
                next_date = target
            else:
                last = target - timedelta(days=cadence)
        last = min(last, self.today - timedelta(days=1))
        if last < plan.first_contact:
            plan.first_contact = last
            customer["first_contact"] = customer["created"] = last
        # earlier conversations, spread between first contact (or 18 months ago) and the last one
        start = max(plan.first_contact, self.today - timedelta(days=540))
        spans: dict[str, tuple[int, int]] = {
            Stage.CUSTOMER: (3, 7),
            Stage.INTERESTED: (2, 5),
            Stage.PROSPECT: (0, 2),
            Stage.LOST: (1, 4),
        }
        wanted = spans[plan.stage]
        span = (last - start).days
        days = sorted(
            {start + timedelta(days=rng.randint(0, span - 1)) for _ in range(rng.randint(*wanted))}
            if span > 1
            else set()
        )
        days.append(last)
        rows: list[Row] = []
        names = [c["name"] for c in contacts]
        colleagues = [n for n, *_ in TEAM if n != plan.owner and team_role(n) != Role.ADMIN]
        for i, day in enumerate(days):
            when = work_time(rng, day)
            channel = weighted(rng, CHANNEL_WEIGHTS)
            entered: datetime | None = when + timedelta(minutes=rng.randint(20, 360))
            roll = rng.random()
            if roll < 0.18:
                entered = None
            elif roll < 0.23 and (self.today - day).days > 5:
                entered = when + timedelta(hours=rng.randint(26, 80))
            if entered is not None:
                entered = min(entered, self.as_of - timedelta(minutes=5))
            latest = i == len(days) - 1
            row: Row = {
                "record_id": "",
                "customer_id": customer["customer_id"],
                "date": when,
                "channel": channel,
                "contact": rng.choice(names) if names else "",
                "participants": f"{plan.owner}、{rng.choice(colleagues)}"
                if channel in (Channel.IN_PERSON, Channel.VIDEO_CALL) and rng.random() < 0.5
                else plan.owner,
                "summary": rng.choice(SUMMARIES[plan.stage]),
                "feedback": rng.choice(FEEDBACK),
                "agreed": rng.choice(AGREED),
                "next_action": rng.choice(NEXT_ACTIONS),
                "next_date": next_date if latest else None,
                "recorded_by": plan.owner,
                "entered_at": entered,
            }
            if not latest and rng.random() < 0.4:
                row["next_date"] = day + timedelta(days=rng.choice((3, 7, 14)))
            rows.append(row)
        return rows

    def referrals(self) -> None:
        """Name the referring customer in 来源说明 for referrals."""
        won = [r["name"] for r in self.rows["customers"] if r["stage"] == Stage.CUSTOMER]
        for row in self.rows["customers"]:
            if row["source_detail"] == Source.REFERRAL:
                referrer = self.rng.choice([n for n in won if n != row["name"]])
                row["source_detail"] = f"客户推荐-{referrer}"
