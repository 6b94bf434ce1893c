"""The deliberate problems the sample carries, for ``validate`` to find."""

from __future__ import annotations

from datetime import timedelta

from crmxl.model.schema import Channel, PaymentStatus, Stage
from crmxl.starter.sample.base import Base
from crmxl.starter.sample.vocabulary import STRANGER, at


class Problems(Base):
    """Problems placed in rows made by the other parts."""

    def deliberate_problems(self) -> None:
        """The handful of problems ``validate`` should find (everything else is valid)."""
        rng = self.rng
        by_key = {p.key: p for p in self.plans if p.key}
        for key in ("abbreviated-name", "abbreviated-name-2"):
            self.problem(
                "customers",
                by_key[key].row,
                "name",
                "warning",
                "客户名称是简称，缺少“有限公司”等法人后缀",
                "Customer name is an abbreviation without a legal-entity ending",
            )
        self.problem(
            "customers",
            by_key["late-record"].row,
            "created",
            "warning",
            "建档日期晚于首次接触3天（超过24小时）",
            "Created 3 days after first contact (more than 24 hours)",
        )
        self.problem(
            "customers",
            by_key["tier-override-no-note"].row,
            "tier_override",
            "warning",
            "手动等级未在备注说明原因",
            "Tier override without a reason in Notes",
        )
        ordinary = [p for p in self.plans if not p.key and p.stage != Stage.LOST]
        picks = rng.sample(ordinary, 5)
        picks[0].row["address"] = "待核实"
        self.problem(
            "customers",
            picks[0].row,
            "address",
            "warning",
            "注册地址待核实（占位）",
            "Address is a placeholder (待核实 / TBC)",
        )
        picks[1].row["employees"] = "待确认"
        self.problem(
            "customers",
            picks[1].row,
            "employees",
            "warning",
            "企业规模待确认（占位）",
            "Employees is a placeholder (待确认 / TBD)",
        )
        # contacts
        no_way = self.contacts_by_customer[picks[2].cid][0]
        no_way.update(mobile="", wechat="", email="", notes="名片遗失，联系方式待补")
        self.problem(
            "contacts",
            no_way,
            "mobile",
            "error",
            "手机、微信、邮箱都没有填",
            "No mobile, WeChat or e-mail",
        )
        no_area = self.contacts_by_customer[picks[3].cid][0]
        no_area["mobile"] = "6234 5678"
        self.problem(
            "contacts",
            no_area,
            "mobile",
            "error",
            "座机号码缺少区号",
            "Landline without its area code",
        )
        # two mobiles stored as numbers: fine, and must not show in E-notation
        numeric = [
            c
            for p in ordinary[:40]
            for c in self.contacts_by_customer[p.cid]
            if isinstance(c["mobile"], str) and c["mobile"].isdigit() and len(c["mobile"]) == 11
        ]
        for contact in numeric[:2]:
            contact["mobile"] = int(contact["mobile"])
        # follow-ups
        future = dict(self.rows["follow_ups"][-1])
        target = picks[4]
        future.update(
            record_id=f"GJ{len(self.rows['follow_ups']) + 1:05d}",
            customer_id=target.cid,
            date=at(self.today + timedelta(days=2), 14, 30),
            channel=Channel.IN_PERSON,
            contact=self.contacts_by_customer[target.cid][0]["name"],
            participants=target.owner,
            summary="预约上门拜访，演示新版本（计划中，尚未发生）",
            feedback="",
            agreed="",
            next_action="",
            next_date=None,
            recorded_by=target.owner,
            entered_at=self.as_of - timedelta(hours=2),
        )
        self.rows["follow_ups"].append(future)
        self.problem(
            "follow_ups",
            future,
            "date",
            "error",
            "沟通日期在未来（把计划中的拜访当成了沟通记录）",
            "Date in the future (a planned visit logged as done)",
        )
        stranger = next(
            r
            for r in reversed(self.rows["follow_ups"][:-1])
            if r["recorded_by"] != "周杰" and r["customer_id"] != target.cid
        )
        stranger["recorded_by"] = STRANGER
        stranger["participants"] = STRANGER
        self.problem(
            "follow_ups",
            stranger,
            "recorded_by",
            "warning",
            f"记录人“{STRANGER}”不在销售团队中",
            f"Recorded by {STRANGER}, who is not in the team",
        )
        # transactions
        orphan = dict(self.rows["transactions"][-1])
        orphan.update(
            contract_id=f"HT{self.today.year}-{999:03d}",
            customer_id=f"C{len(self.plans) + 50:04d}",
            amount=46_000.0,
            payment_status=PaymentStatus.UNPAID,
            signed_on=self.day(12),
            ends_on=self.day(12) + timedelta(days=365),
        )
        self.rows["transactions"].append(orphan)
        self.problem(
            "transactions",
            orphan,
            "customer_id",
            "error",
            "客户编号在客户档案中不存在",
            "Customer ID not in the customer file",
        )
