"""The first tables: every standard sheet as the schema first had it, runs and snapshots.

Revision ID: 0001
Revises: (none)

Frozen: what ``crmxl.delivery.database.metadata()`` generated before 销售团队 had 邮箱. A later
schema change is a new revision; this file never changes.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "changelog",
        sa.Column("row_key", sa.Text(), nullable=False, comment="crmxl 行键 / row key"),
        sa.Column("time", sa.DateTime(), nullable=True, comment="时间 / Time"),
        sa.Column("command", sa.Text(), nullable=True, comment="命令 / Command"),
        sa.Column("sheet", sa.Text(), nullable=True, comment="工作表 / Sheet"),
        sa.Column("record", sa.Text(), nullable=True, comment="记录 / Record"),
        sa.Column("field", sa.Text(), nullable=True, comment="字段 / Field"),
        sa.Column("old", sa.Text(), nullable=True, comment="原值 / Old Value"),
        sa.Column("new", sa.Text(), nullable=True, comment="新值 / New Value"),
        sa.Column("reason", sa.Text(), nullable=True, comment="原因 / Reason"),
        sa.Column("row_hash", sa.BigInteger(), nullable=False, comment="crmxl 行内容指纹 / hash"),
        sa.Column("inserted_at", sa.DateTime(), nullable=False, comment="首次写入 / inserted"),
        sa.Column("updated_at", sa.DateTime(), nullable=False, comment="最近改动 / updated"),
        sa.Column("deleted_at", sa.DateTime(), nullable=True, comment="从工作簿删除 / deleted"),
        sa.PrimaryKeyConstraint("row_key", name=op.f("pk_changelog")),
        comment="变更日志 / Changelog",
    )
    op.create_table(
        "contacts",
        sa.Column("row_key", sa.Text(), nullable=False, comment="crmxl 行键 / row key"),
        sa.Column("customer_id", sa.Text(), nullable=True, comment="客户编号 / Customer ID"),
        sa.Column("name", sa.Text(), nullable=True, comment="姓名 / Name"),
        sa.Column("title", sa.Text(), nullable=True, comment="职位 / Title"),
        sa.Column("mobile", sa.Text(), nullable=True, comment="手机 / Mobile"),
        sa.Column("wechat", sa.Text(), nullable=True, comment="微信 / WeChat"),
        sa.Column("email", sa.Text(), nullable=True, comment="邮箱 / Email"),
        sa.Column(
            "preferred_channel", sa.Text(), nullable=True, comment="首选渠道 / Preferred Channel"
        ),
        sa.Column("decision_role", sa.Text(), nullable=True, comment="决策角色 / Decision Role"),
        sa.Column("personality", sa.Text(), nullable=True, comment="性格特点 / Personality"),
        sa.Column("interests", sa.Text(), nullable=True, comment="兴趣爱好 / Interests"),
        sa.Column("birthday", sa.Text(), nullable=True, comment="生日 / Birthday"),
        sa.Column("employment", sa.Text(), nullable=True, comment="在职状态 / Employment"),
        sa.Column("notes", sa.Text(), nullable=True, comment="备注 / Notes"),
        sa.Column("row_hash", sa.BigInteger(), nullable=False, comment="crmxl 行内容指纹 / hash"),
        sa.Column("inserted_at", sa.DateTime(), nullable=False, comment="首次写入 / inserted"),
        sa.Column("updated_at", sa.DateTime(), nullable=False, comment="最近改动 / updated"),
        sa.Column("deleted_at", sa.DateTime(), nullable=True, comment="从工作簿删除 / deleted"),
        sa.PrimaryKeyConstraint("row_key", name=op.f("pk_contacts")),
        comment="联系人 / Contacts",
    )
    op.create_table(
        "crmxl_run_tables",
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("table_name", sa.Text(), nullable=False),
        sa.Column("inserted", sa.Integer(), nullable=False),
        sa.Column("updated", sa.Integer(), nullable=False),
        sa.Column("deleted", sa.Integer(), nullable=False),
        sa.Column("unchanged", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("run_id", "table_name", name=op.f("pk_crmxl_run_tables")),
        comment="每次推送每个表的行数 / counts of a push per table",
    )
    op.create_table(
        "crmxl_runs",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("started_at", sa.DateTime(), nullable=False, comment="开始 / started"),
        sa.Column("finished_at", sa.DateTime(), nullable=True, comment="完成 / finished"),
        sa.Column("as_of", sa.DateTime(), nullable=False, comment="计算基准 / as of"),
        sa.Column("files", sa.Text(), nullable=False, comment="工作簿（JSON）/ files"),
        sa.Column("crmxl_version", sa.Text(), nullable=False, comment="crmxl 版本 / version"),
        sa.Column("inserted", sa.Integer(), server_default="0", nullable=False),
        sa.Column("updated", sa.Integer(), server_default="0", nullable=False),
        sa.Column("deleted", sa.Integer(), server_default="0", nullable=False),
        sa.Column("unchanged", sa.Integer(), server_default="0", nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_crmxl_runs")),
        comment="每次 crmxl push 一行 / one row a push",
    )
    op.create_table(
        "crmxl_snapshots",
        sa.Column("as_of_date", sa.Date(), nullable=False, comment="计算基准日 / as-of date"),
        sa.Column("customer_id", sa.Text(), nullable=False, comment="客户编号 / Customer ID"),
        sa.Column("as_of", sa.DateTime(), nullable=False, comment="计算基准 / as of"),
        sa.Column("run_id", sa.Integer(), nullable=False, comment="crmxl_runs.id"),
        sa.Column("owner", sa.Text(), nullable=True, comment="负责人 / Owner"),
        sa.Column("tier", sa.Text(), nullable=True, comment="客户等级 / Tier"),
        sa.Column("stage", sa.Text(), nullable=True, comment="合作阶段 / Stage"),
        sa.Column(
            "follow_up_status", sa.Text(), nullable=True, comment="跟进状态 / Follow-up Status"
        ),
        sa.Column("days_overdue", sa.Integer(), nullable=True, comment="逾期天数 / Days Overdue"),
        sa.Column(
            "churn_level", sa.Text(), nullable=True, comment="流失风险等级 高/中/低 / churn level"
        ),
        sa.Column("churn_risk", sa.Text(), nullable=True, comment="流失风险 / Churn Risk"),
        sa.Column("row_hash", sa.BigInteger(), nullable=False, comment="crmxl 行内容指纹 / hash"),
        sa.PrimaryKeyConstraint("as_of_date", "customer_id", name=op.f("pk_crmxl_snapshots")),
        comment="每次推送时每个客户的状态 / each customer's state at each push",
    )
    op.create_table(
        "customers",
        sa.Column("customer_id", sa.Text(), nullable=False, comment="客户编号 / Customer ID"),
        sa.Column("name", sa.Text(), nullable=True, comment="客户名称 / Customer Name"),
        sa.Column("industry", sa.Text(), nullable=True, comment="所属行业 / Industry"),
        sa.Column("region", sa.Text(), nullable=True, comment="区域 / Region"),
        sa.Column("employees", sa.BigInteger(), nullable=True, comment="企业规模 / Employees"),
        sa.Column(
            "revenue",
            sa.Numeric(precision=18, scale=2, asdecimal=False),
            nullable=True,
            comment="年营收 / Annual Revenue",
        ),
        sa.Column("address", sa.Text(), nullable=True, comment="注册地址 / Address"),
        sa.Column("founded", sa.Date(), nullable=True, comment="成立时间 / Founded"),
        sa.Column("website", sa.Text(), nullable=True, comment="官网 / Website"),
        sa.Column("main_business", sa.Text(), nullable=True, comment="主营业务 / Main Business"),
        sa.Column("source", sa.Text(), nullable=True, comment="信息来源 / Source"),
        sa.Column("source_detail", sa.Text(), nullable=True, comment="来源说明 / Source Detail"),
        sa.Column(
            "first_contact", sa.Date(), nullable=True, comment="首次接触日期 / First Contact"
        ),
        sa.Column("created", sa.Date(), nullable=True, comment="建档日期 / Created"),
        sa.Column("stage", sa.Text(), nullable=True, comment="合作阶段 / Stage"),
        sa.Column("leader", sa.Boolean(), nullable=True, comment="行业头部 / Industry Leader"),
        sa.Column("tier_override", sa.Text(), nullable=True, comment="手动等级 / Tier Override"),
        sa.Column(
            "annual_amount",
            sa.Numeric(precision=18, scale=2, asdecimal=False),
            nullable=True,
            comment="年合作金额 / Annual Amount",
        ),
        sa.Column("budget", sa.Text(), nullable=True, comment="预算范围 / Budget"),
        sa.Column(
            "terminated_on", sa.Date(), nullable=True, comment="合作终止日期 / Terminated On"
        ),
        sa.Column("owner", sa.Text(), nullable=True, comment="负责人 / Owner"),
        sa.Column("tags", sa.Text(), nullable=True, comment="标签 / Tags"),
        sa.Column("notes", sa.Text(), nullable=True, comment="备注 / Notes"),
        sa.Column(
            "trailing_amount",
            sa.Numeric(precision=18, scale=2, asdecimal=False),
            nullable=True,
            comment="近12月成交额 / Trailing 12M Amount",
        ),
        sa.Column("tier", sa.Text(), nullable=True, comment="客户等级 / Tier"),
        sa.Column("tier_reason", sa.Text(), nullable=True, comment="等级依据 / Tier Reason"),
        sa.Column("last_contact", sa.Date(), nullable=True, comment="最近联系日期 / Last Contact"),
        sa.Column(
            "next_follow_up", sa.Date(), nullable=True, comment="下次跟进日期 / Next Follow-up"
        ),
        sa.Column(
            "follow_up_status", sa.Text(), nullable=True, comment="跟进状态 / Follow-up Status"
        ),
        sa.Column(
            "days_overdue", sa.BigInteger(), nullable=True, comment="逾期天数 / Days Overdue"
        ),
        sa.Column("churn_risk", sa.Text(), nullable=True, comment="流失风险 / Churn Risk"),
        sa.Column("row_hash", sa.BigInteger(), nullable=False, comment="crmxl 行内容指纹 / hash"),
        sa.Column("inserted_at", sa.DateTime(), nullable=False, comment="首次写入 / inserted"),
        sa.Column("updated_at", sa.DateTime(), nullable=False, comment="最近改动 / updated"),
        sa.Column("deleted_at", sa.DateTime(), nullable=True, comment="从工作簿删除 / deleted"),
        sa.PrimaryKeyConstraint("customer_id", name=op.f("pk_customers")),
        comment="客户档案 / Customers",
    )
    op.create_table(
        "follow_ups",
        sa.Column("row_key", sa.Text(), nullable=False, comment="crmxl 行键 / row key"),
        sa.Column("record_id", sa.Text(), nullable=True, comment="记录编号 / Record ID"),
        sa.Column("customer_id", sa.Text(), nullable=True, comment="客户编号 / Customer ID"),
        sa.Column("date", sa.DateTime(), nullable=True, comment="沟通日期 / Date"),
        sa.Column("channel", sa.Text(), nullable=True, comment="沟通方式 / Channel"),
        sa.Column("contact", sa.Text(), nullable=True, comment="联系人 / Contact"),
        sa.Column("participants", sa.Text(), nullable=True, comment="参与人员 / Participants"),
        sa.Column("summary", sa.Text(), nullable=True, comment="沟通内容 / Summary"),
        sa.Column("feedback", sa.Text(), nullable=True, comment="客户反馈 / Feedback"),
        sa.Column("agreed", sa.Text(), nullable=True, comment="达成共识 / Agreed"),
        sa.Column("next_action", sa.Text(), nullable=True, comment="下一步行动 / Next Action"),
        sa.Column("next_date", sa.Date(), nullable=True, comment="下次跟进日期 / Next Date"),
        sa.Column("recorded_by", sa.Text(), nullable=True, comment="记录人 / Recorded By"),
        sa.Column("entered_at", sa.DateTime(), nullable=True, comment="录入时间 / Entered At"),
        sa.Column("on_time", sa.Text(), nullable=True, comment="录入及时 / On-time Entry"),
        sa.Column("row_hash", sa.BigInteger(), nullable=False, comment="crmxl 行内容指纹 / hash"),
        sa.Column("inserted_at", sa.DateTime(), nullable=False, comment="首次写入 / inserted"),
        sa.Column("updated_at", sa.DateTime(), nullable=False, comment="最近改动 / updated"),
        sa.Column("deleted_at", sa.DateTime(), nullable=True, comment="从工作簿删除 / deleted"),
        sa.PrimaryKeyConstraint("row_key", name=op.f("pk_follow_ups")),
        comment="跟进记录 / Follow-ups",
    )
    op.create_table(
        "issues",
        sa.Column("issue_id", sa.Text(), nullable=False, comment="问题编号 / Issue ID"),
        sa.Column("customer_id", sa.Text(), nullable=True, comment="客户编号 / Customer ID"),
        sa.Column("logged_at", sa.DateTime(), nullable=True, comment="登记时间 / Logged At"),
        sa.Column("type", sa.Text(), nullable=True, comment="问题类型 / Type"),
        sa.Column("description", sa.Text(), nullable=True, comment="问题描述 / Description"),
        sa.Column("ask", sa.Text(), nullable=True, comment="客户诉求 / Customer Ask"),
        sa.Column("urgency", sa.Text(), nullable=True, comment="紧急程度 / Urgency"),
        sa.Column("department", sa.Text(), nullable=True, comment="责任部门 / Department"),
        sa.Column("owner", sa.Text(), nullable=True, comment="负责人 / Owner"),
        sa.Column(
            "first_response_at",
            sa.DateTime(),
            nullable=True,
            comment="首次响应时间 / First Response At",
        ),
        sa.Column("plan_at", sa.DateTime(), nullable=True, comment="方案提交时间 / Plan At"),
        sa.Column("resolved_at", sa.DateTime(), nullable=True, comment="解决时间 / Resolved At"),
        sa.Column("status", sa.Text(), nullable=True, comment="状态 / Status"),
        sa.Column("outcome", sa.Text(), nullable=True, comment="处理结果 / Outcome"),
        sa.Column(
            "satisfaction", sa.BigInteger(), nullable=True, comment="客户满意度 / Satisfaction"
        ),
        sa.Column("response_due", sa.DateTime(), nullable=True, comment="响应截止 / Response Due"),
        sa.Column("plan_due", sa.DateTime(), nullable=True, comment="方案截止 / Plan Due"),
        sa.Column("response_state", sa.Text(), nullable=True, comment="响应状态 / Response State"),
        sa.Column("plan_state", sa.Text(), nullable=True, comment="方案状态 / Plan State"),
        sa.Column(
            "hours_to_resolve", sa.Float(), nullable=True, comment="处理时长 / Hours to Resolve"
        ),
        sa.Column("row_hash", sa.BigInteger(), nullable=False, comment="crmxl 行内容指纹 / hash"),
        sa.Column("inserted_at", sa.DateTime(), nullable=False, comment="首次写入 / inserted"),
        sa.Column("updated_at", sa.DateTime(), nullable=False, comment="最近改动 / updated"),
        sa.Column("deleted_at", sa.DateTime(), nullable=True, comment="从工作簿删除 / deleted"),
        sa.PrimaryKeyConstraint("issue_id", name=op.f("pk_issues")),
        comment="问题跟踪 / Issues",
    )
    op.create_table(
        "leads",
        sa.Column("lead_id", sa.Text(), nullable=False, comment="线索编号 / Lead ID"),
        sa.Column("captured_at", sa.DateTime(), nullable=True, comment="获取时间 / Captured At"),
        sa.Column("source", sa.Text(), nullable=True, comment="来源 / Source"),
        sa.Column("source_detail", sa.Text(), nullable=True, comment="来源说明 / Source Detail"),
        sa.Column("company", sa.Text(), nullable=True, comment="公司名称 / Company"),
        sa.Column("contact", sa.Text(), nullable=True, comment="联系人 / Contact"),
        sa.Column("phone", sa.Text(), nullable=True, comment="电话 / Phone"),
        sa.Column("email", sa.Text(), nullable=True, comment="邮箱 / Email"),
        sa.Column("region", sa.Text(), nullable=True, comment="区域 / Region"),
        sa.Column("industry", sa.Text(), nullable=True, comment="行业 / Industry"),
        sa.Column("need", sa.Text(), nullable=True, comment="需求描述 / Need"),
        sa.Column(
            "budget",
            sa.Numeric(precision=18, scale=2, asdecimal=False),
            nullable=True,
            comment="预算 / Budget",
        ),
        sa.Column("assigned_to", sa.Text(), nullable=True, comment="分配给 / Assigned To"),
        sa.Column("assigned_at", sa.DateTime(), nullable=True, comment="分配时间 / Assigned At"),
        sa.Column(
            "assignment_reason", sa.Text(), nullable=True, comment="分配依据 / Assignment Reason"
        ),
        sa.Column("confirmed_at", sa.DateTime(), nullable=True, comment="确认时间 / Confirmed At"),
        sa.Column("status", sa.Text(), nullable=True, comment="线索状态 / Status"),
        sa.Column("invalid_reason", sa.Text(), nullable=True, comment="无效原因 / Invalid Reason"),
        sa.Column(
            "converted_customer_id",
            sa.Text(),
            nullable=True,
            comment="转化客户编号 / Converted Customer ID",
        ),
        sa.Column("confirm_state", sa.Text(), nullable=True, comment="确认状态 / Confirmation"),
        sa.Column("row_hash", sa.BigInteger(), nullable=False, comment="crmxl 行内容指纹 / hash"),
        sa.Column("inserted_at", sa.DateTime(), nullable=False, comment="首次写入 / inserted"),
        sa.Column("updated_at", sa.DateTime(), nullable=False, comment="最近改动 / updated"),
        sa.Column("deleted_at", sa.DateTime(), nullable=True, comment="从工作簿删除 / deleted"),
        sa.PrimaryKeyConstraint("lead_id", name=op.f("pk_leads")),
        comment="线索 / Leads",
    )
    op.create_table(
        "needs",
        sa.Column("need_id", sa.Text(), nullable=False, comment="需求编号 / Need ID"),
        sa.Column("customer_id", sa.Text(), nullable=True, comment="客户编号 / Customer ID"),
        sa.Column("description", sa.Text(), nullable=True, comment="需求描述 / Description"),
        sa.Column("kind", sa.Text(), nullable=True, comment="需求类型 / Kind"),
        sa.Column("priority", sa.Text(), nullable=True, comment="优先级 / Priority"),
        sa.Column(
            "budget",
            sa.Numeric(precision=18, scale=2, asdecimal=False),
            nullable=True,
            comment="预算 / Budget",
        ),
        sa.Column("wanted_by", sa.Date(), nullable=True, comment="期望交付日期 / Wanted By"),
        sa.Column("solution", sa.Text(), nullable=True, comment="匹配方案 / Proposed Solution"),
        sa.Column(
            "expected_effect", sa.Text(), nullable=True, comment="预期效果 / Expected Effect"
        ),
        sa.Column(
            "quote",
            sa.Numeric(precision=18, scale=2, asdecimal=False),
            nullable=True,
            comment="报价 / Quote",
        ),
        sa.Column("lead_time", sa.Text(), nullable=True, comment="实施周期 / Lead Time"),
        sa.Column(
            "proposal_sent", sa.Date(), nullable=True, comment="方案提交日期 / Proposal Sent"
        ),
        sa.Column("status", sa.Text(), nullable=True, comment="状态 / Status"),
        sa.Column("owner", sa.Text(), nullable=True, comment="负责人 / Owner"),
        sa.Column("follow_up_due", sa.Date(), nullable=True, comment="跟进截止 / Follow-up Due"),
        sa.Column(
            "follow_up_status", sa.Text(), nullable=True, comment="跟进状态 / Follow-up Status"
        ),
        sa.Column("row_hash", sa.BigInteger(), nullable=False, comment="crmxl 行内容指纹 / hash"),
        sa.Column("inserted_at", sa.DateTime(), nullable=False, comment="首次写入 / inserted"),
        sa.Column("updated_at", sa.DateTime(), nullable=False, comment="最近改动 / updated"),
        sa.Column("deleted_at", sa.DateTime(), nullable=True, comment="从工作簿删除 / deleted"),
        sa.PrimaryKeyConstraint("need_id", name=op.f("pk_needs")),
        comment="需求清单 / Needs",
    )
    op.create_table(
        "settings",
        sa.Column("row_key", sa.Text(), nullable=False, comment="crmxl 行键 / row key"),
        sa.Column("key", sa.Text(), nullable=True, comment="参数 / Key"),
        sa.Column("value", sa.Text(), nullable=True, comment="值 / Value"),
        sa.Column("note", sa.Text(), nullable=True, comment="说明 / Note"),
        sa.Column("row_hash", sa.BigInteger(), nullable=False, comment="crmxl 行内容指纹 / hash"),
        sa.Column("inserted_at", sa.DateTime(), nullable=False, comment="首次写入 / inserted"),
        sa.Column("updated_at", sa.DateTime(), nullable=False, comment="最近改动 / updated"),
        sa.Column("deleted_at", sa.DateTime(), nullable=True, comment="从工作簿删除 / deleted"),
        sa.PrimaryKeyConstraint("row_key", name=op.f("pk_settings")),
        comment="配置 / Settings",
    )
    op.create_table(
        "team",
        sa.Column("name", sa.Text(), nullable=False, comment="姓名 / Name"),
        sa.Column("role", sa.Text(), nullable=True, comment="角色 / Role"),
        sa.Column("team", sa.Text(), nullable=True, comment="团队 / Team"),
        sa.Column("regions", sa.Text(), nullable=True, comment="负责区域 / Regions"),
        sa.Column("industries", sa.Text(), nullable=True, comment="擅长行业 / Industries"),
        sa.Column("active", sa.Boolean(), nullable=True, comment="在岗 / Active"),
        sa.Column("lead_cap", sa.BigInteger(), nullable=True, comment="线索上限 / Lead Cap"),
        sa.Column("row_hash", sa.BigInteger(), nullable=False, comment="crmxl 行内容指纹 / hash"),
        sa.Column("inserted_at", sa.DateTime(), nullable=False, comment="首次写入 / inserted"),
        sa.Column("updated_at", sa.DateTime(), nullable=False, comment="最近改动 / updated"),
        sa.Column("deleted_at", sa.DateTime(), nullable=True, comment="从工作簿删除 / deleted"),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_team")),
        comment="销售团队 / Team",
    )
    op.create_table(
        "transactions",
        sa.Column("contract_id", sa.Text(), nullable=False, comment="合同编号 / Contract ID"),
        sa.Column("customer_id", sa.Text(), nullable=True, comment="客户编号 / Customer ID"),
        sa.Column("signed_on", sa.Date(), nullable=True, comment="签约日期 / Signed On"),
        sa.Column(
            "amount",
            sa.Numeric(precision=18, scale=2, asdecimal=False),
            nullable=True,
            comment="金额 / Amount",
        ),
        sa.Column("product", sa.Text(), nullable=True, comment="产品/服务 / Product"),
        sa.Column("payment_terms", sa.Text(), nullable=True, comment="付款方式 / Payment Terms"),
        sa.Column("payment_status", sa.Text(), nullable=True, comment="付款状态 / Payment Status"),
        sa.Column("ends_on", sa.Date(), nullable=True, comment="合作结束日期 / Ends On"),
        sa.Column("row_hash", sa.BigInteger(), nullable=False, comment="crmxl 行内容指纹 / hash"),
        sa.Column("inserted_at", sa.DateTime(), nullable=False, comment="首次写入 / inserted"),
        sa.Column("updated_at", sa.DateTime(), nullable=False, comment="最近改动 / updated"),
        sa.Column("deleted_at", sa.DateTime(), nullable=True, comment="从工作簿删除 / deleted"),
        sa.PrimaryKeyConstraint("contract_id", name=op.f("pk_transactions")),
        comment="交易记录 / Transactions",
    )


def downgrade() -> None:
    op.drop_table("transactions")
    op.drop_table("team")
    op.drop_table("settings")
    op.drop_table("needs")
    op.drop_table("leads")
    op.drop_table("issues")
    op.drop_table("follow_ups")
    op.drop_table("customers")
    op.drop_table("crmxl_snapshots")
    op.drop_table("crmxl_runs")
    op.drop_table("crmxl_run_tables")
    op.drop_table("contacts")
    op.drop_table("changelog")
