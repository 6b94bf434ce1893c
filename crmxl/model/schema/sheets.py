"""The sheets and columns of SPEC section 1, as data, and how a sheet or header is recognised.

Code refers to columns by their stable ``key`` (``"customer_id"``), never by a header text. A
column of type ``ENUM`` names its enumeration by key (:data:`~crmxl.model.schema.words.ENUMS`, or
the settings' lists: industries, regions).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from enum import StrEnum

from crmxl.model.schema.words import fold


class ColType(StrEnum):
    """What a column holds; decides how a cell is read and checked."""

    ID = "id"  # an identifier such as C0001; text, compared exactly
    TEXT = "text"
    ENUM = "enum"  # one of a list (fixed here, or from the settings)
    INT = "int"  # a whole number, bounded by Column.min/max
    NUMBER = "number"  # any number (hours to resolve)
    AMOUNT = "amount"  # money: 1200000, ¥1,200,000, 120万, 1.2亿
    DATE = "date"
    DATETIME = "datetime"  # a date with an optional time
    MONTHDAY = "monthday"  # a date or MM-DD (birthdays)
    URL = "url"
    YESNO = "yesno"  # 是/否
    PHONE = "phone"
    EMAIL = "email"
    LIST = "list"  # several values separated by , ， 、 ;
    BUDGET = "budget"  # an amount or free text such as 50-100万


@dataclass(frozen=True)
class Column:
    """One column of a standard sheet."""

    key: str
    zh: str
    en: str
    type: ColType
    required: bool = False
    auto: bool = False  # computed by refresh; users should not edit
    sensitive: bool = False  # removed from a salesperson's split workbook
    enum: str | None = None  # key in ENUMS or SETTINGS_ENUMS
    aliases: tuple[str, ...] = ()  # other headers people use (imports, old templates)
    min: float | None = None
    max: float | None = None
    owner_ref: bool = False  # must name someone in 销售团队
    customer_ref: bool = False  # must name a 客户编号 in 客户档案
    width: int = 12  # template column width (characters)
    note_zh: str = ""
    note_en: str = ""

    def header(self, lang: str) -> str:
        """The header text a template writes: name, ``*`` when required, ``(自动)`` when auto."""
        name = self.en if lang == "en" else self.zh
        if self.required:
            name += "*"
        if self.auto:
            name += " (auto)" if lang == "en" else "(自动)"
        return name

    def name(self, lang: str) -> str:
        return self.en if lang == "en" else self.zh


@dataclass(frozen=True)
class SheetSpec:
    """One standard sheet."""

    key: str
    zh: str
    en: str
    columns: tuple[Column, ...]
    id_column: str | None = None  # key of the unique ID column
    aliases: tuple[str, ...] = ()  # other sheet names (the manuals' file names)
    purpose_zh: str = ""
    purpose_en: str = ""
    extra_names: tuple[str, ...] = field(default=())

    def name(self, lang: str) -> str:
        return self.en if lang == "en" else self.zh

    def column(self, key: str) -> Column:
        for col in self.columns:
            if col.key == key:
                return col
        raise KeyError(f"{self.key} has no column {key!r}")

    @property
    def keys(self) -> tuple[str, ...]:
        return tuple(c.key for c in self.columns)

    @property
    def auto_columns(self) -> tuple[Column, ...]:
        return tuple(c for c in self.columns if c.auto)

    @property
    def input_columns(self) -> tuple[Column, ...]:
        return tuple(c for c in self.columns if not c.auto)

    @property
    def required_columns(self) -> tuple[Column, ...]:
        return tuple(c for c in self.columns if c.required)


C = Column
T = ColType

CUSTOMERS = SheetSpec(
    "customers",
    "客户档案",
    "Customers",
    (
        C("customer_id", "客户编号", "Customer ID", T.ID, required=True, width=11),
        C(
            "name",
            "客户名称",
            "Customer Name",
            T.TEXT,
            required=True,
            width=28,
            aliases=("客户全称", "单位名称", "公司全称", "Company Name"),
            note_zh="单位全称，如“上海某某科技有限公司”",
            note_en="Full legal name",
        ),
        C(
            "industry",
            "所属行业",
            "Industry",
            T.ENUM,
            required=True,
            enum="industries",
            aliases=("行业",),
        ),
        C("region", "区域", "Region", T.ENUM, enum="regions", aliases=("所在区域", "地区")),
        C("employees", "企业规模", "Employees", T.INT, min=0, aliases=("员工人数", "公司规模")),
        C("revenue", "年营收", "Annual Revenue", T.AMOUNT, width=14),
        C("address", "注册地址", "Address", T.TEXT, width=24, aliases=("地址", "企业地址")),
        C("founded", "成立时间", "Founded", T.DATE, aliases=("成立日期",)),
        C("website", "官网", "Website", T.URL, width=20, aliases=("网址", "官方网站")),
        C("main_business", "主营业务", "Main Business", T.TEXT, width=20),
        C(
            "source",
            "信息来源",
            "Source",
            T.ENUM,
            required=True,
            enum="sources",
            aliases=("来源", "来源渠道", "信息来源渠道"),
        ),
        C(
            "source_detail",
            "来源说明",
            "Source Detail",
            T.TEXT,
            width=24,
            note_zh="如“展会-2024年3月上海行业展-展位A12”",
            note_en="e.g. the show and booth",
        ),
        C(
            "first_contact",
            "首次接触日期",
            "First Contact",
            T.DATE,
            required=True,
            aliases=("首次接触时间", "首次接触"),
        ),
        C("created", "建档日期", "Created", T.DATE, aliases=("建档时间",)),
        C(
            "stage",
            "合作阶段",
            "Stage",
            T.ENUM,
            required=True,
            enum="stages",
            aliases=("阶段", "客户阶段", "当前沟通阶段"),
        ),
        C("leader", "行业头部", "Industry Leader", T.YESNO, aliases=("是否行业头部",)),
        C(
            "tier_override",
            "手动等级",
            "Tier Override",
            T.ENUM,
            enum="tiers",
            note_zh="填写后覆盖计算等级，须在备注说明原因",
            note_en="Wins over the computed tier; say why in Notes",
        ),
        C(
            "annual_amount",
            "年合作金额",
            "Annual Amount",
            T.AMOUNT,
            sensitive=True,
            width=14,
            aliases=("合作金额", "年度合作金额"),
        ),
        C("budget", "预算范围", "Budget", T.BUDGET, sensitive=True, width=14, aliases=("预算",)),
        C("terminated_on", "合作终止日期", "Terminated On", T.DATE),
        C(
            "owner",
            "负责人",
            "Owner",
            T.TEXT,
            required=True,
            owner_ref=True,
            aliases=("销售负责人", "客户经理", "跟进人"),
        ),
        C("tags", "标签", "Tags", T.LIST, width=18),
        C("notes", "备注", "Notes", T.TEXT, width=24),
        C(
            "trailing_amount",
            "近12月成交额",
            "Trailing 12M Amount",
            T.AMOUNT,
            auto=True,
            sensitive=True,
            width=14,
        ),
        C("tier", "客户等级", "Tier", T.ENUM, auto=True, enum="tiers", width=9),
        C("tier_reason", "等级依据", "Tier Reason", T.TEXT, auto=True, width=30),
        C("last_contact", "最近联系日期", "Last Contact", T.DATE, auto=True),
        C("next_follow_up", "下次跟进日期", "Next Follow-up", T.DATE, auto=True),
        C(
            "follow_up_status",
            "跟进状态",
            "Follow-up Status",
            T.ENUM,
            auto=True,
            enum="follow_up_status",
            width=10,
        ),
        C("days_overdue", "逾期天数", "Days Overdue", T.INT, auto=True, min=0, width=9),
        C("churn_risk", "流失风险", "Churn Risk", T.TEXT, auto=True, width=30),
        C(
            "former_owner",
            "原负责人",
            "Former Owner",
            T.TEXT,
            auto=True,
            note_zh="退回公海前的负责人（启用公海规则时由 refresh 填写）",
            note_en="The owner before the customer went to the pool (set by refresh)",
        ),
        C(
            "pooled_on",
            "入公海日期",
            "In Pool Since",
            T.DATE,
            auto=True,
            aliases=("进入公海日期", "入池日期"),
            note_zh="退回公海的日期；认领或分配后清空",
            note_en="When the customer went to the pool; cleared once claimed or handed out",
        ),
    ),
    id_column="customer_id",
    aliases=("客户信息", "客户档案表", "客户信息表", "Customer File"),
    purpose_zh="每个客户一行：基本信息、来源、阶段、负责人；灰色列由 crmxl refresh 计算。",
    purpose_en="One row per customer: facts, source, stage, owner; grey columns are computed.",
)

CONTACTS = SheetSpec(
    "contacts",
    "联系人",
    "Contacts",
    (
        C("customer_id", "客户编号", "Customer ID", T.ID, required=True, customer_ref=True),
        C("name", "姓名", "Name", T.TEXT, required=True, aliases=("联系人姓名", "联系人")),
        C("title", "职位", "Title", T.TEXT),
        C(
            "mobile",
            "手机",
            "Mobile",
            T.PHONE,
            width=15,
            aliases=("手机号", "手机号码", "电话", "联系电话", "Phone"),
        ),
        C("wechat", "微信", "WeChat", T.TEXT, aliases=("微信号",)),
        C("email", "邮箱", "Email", T.EMAIL, width=22, aliases=("电子邮箱", "E-mail")),
        C(
            "preferred_channel",
            "首选渠道",
            "Preferred Channel",
            T.ENUM,
            enum="contact_channels",
            aliases=("首选沟通渠道",),
        ),
        C("decision_role", "决策角色", "Decision Role", T.ENUM, enum="decision_roles"),
        C("personality", "性格特点", "Personality", T.TEXT, width=16),
        C("interests", "兴趣爱好", "Interests", T.TEXT, width=16),
        C(
            "birthday",
            "生日",
            "Birthday",
            T.MONTHDAY,
            note_zh="日期或“MM-DD”",
            note_en="A date or MM-DD",
        ),
        C("employment", "在职状态", "Employment", T.ENUM, enum="employment"),
        C("notes", "备注", "Notes", T.TEXT, width=20),
    ),
    purpose_zh="客户的对接人；手机、微信、邮箱至少填一项。",
    purpose_en="The people at each customer; give at least one of mobile, WeChat, email.",
)

FOLLOW_UPS = SheetSpec(
    "follow_ups",
    "跟进记录",
    "Follow-ups",
    (
        C("record_id", "记录编号", "Record ID", T.ID),
        C("customer_id", "客户编号", "Customer ID", T.ID, required=True, customer_ref=True),
        C(
            "date",
            "沟通日期",
            "Date",
            T.DATETIME,
            required=True,
            aliases=("沟通时间", "跟进日期", "跟进时间"),
        ),
        C(
            "channel",
            "沟通方式",
            "Channel",
            T.ENUM,
            required=True,
            enum="channels",
            aliases=("跟进方式",),
        ),
        C("contact", "联系人", "Contact", T.TEXT),
        C("participants", "参与人员", "Participants", T.TEXT),
        C(
            "summary",
            "沟通内容",
            "Summary",
            T.TEXT,
            required=True,
            width=30,
            aliases=("跟进内容", "沟通要点"),
        ),
        C("feedback", "客户反馈", "Feedback", T.TEXT, width=20),
        C("agreed", "达成共识", "Agreed", T.TEXT, width=16),
        C(
            "next_action",
            "下一步行动",
            "Next Action",
            T.TEXT,
            width=20,
            aliases=("后续待办", "待办事项"),
        ),
        C("next_date", "下次跟进日期", "Next Date", T.DATE, aliases=("下次跟进时间",)),
        C(
            "recorded_by",
            "记录人",
            "Recorded By",
            T.TEXT,
            required=True,
            owner_ref=True,
            aliases=("录入人", "跟进人"),
        ),
        C("entered_at", "录入时间", "Entered At", T.DATETIME),
        C("on_time", "录入及时", "On-time Entry", T.TEXT, auto=True, width=14),
    ),
    id_column="record_id",
    aliases=("沟通记录", "跟进日志", "Communication Log", "Follow-up Log"),
    purpose_zh="每次沟通一行，沟通后24小时内录入。",
    purpose_en="One row per conversation, entered within 24 hours.",
)

TRANSACTIONS = SheetSpec(
    "transactions",
    "交易记录",
    "Transactions",
    (
        C("contract_id", "合同编号", "Contract ID", T.ID, required=True),
        C("customer_id", "客户编号", "Customer ID", T.ID, required=True, customer_ref=True),
        C("signed_on", "签约日期", "Signed On", T.DATE, required=True),
        C(
            "amount",
            "金额",
            "Amount",
            T.AMOUNT,
            required=True,
            sensitive=True,
            min=0,
            width=14,
            aliases=("合同金额",),
        ),
        C("product", "产品/服务", "Product", T.TEXT, width=18, aliases=("产品", "合作产品")),
        C("payment_terms", "付款方式", "Payment Terms", T.TEXT),
        C("payment_status", "付款状态", "Payment Status", T.ENUM, enum="payment_status"),
        C("ends_on", "合作结束日期", "Ends On", T.DATE),
    ),
    id_column="contract_id",
    aliases=("合同记录", "成交记录", "Deals"),
    purpose_zh="每份合同一行；近12个月的金额决定客户等级。",
    purpose_en="One row per contract; the last 12 months decide the tier.",
)

NEEDS = SheetSpec(
    "needs",
    "需求清单",
    "Needs",
    (
        C("need_id", "需求编号", "Need ID", T.ID, required=True),
        C("customer_id", "客户编号", "Customer ID", T.ID, required=True, customer_ref=True),
        C("description", "需求描述", "Description", T.TEXT, required=True, width=30),
        C("kind", "需求类型", "Kind", T.ENUM, enum="need_kinds"),
        C(
            "priority",
            "优先级",
            "Priority",
            T.ENUM,
            required=True,
            enum="priorities",
            aliases=("需求优先级",),
        ),
        C("budget", "预算", "Budget", T.AMOUNT, sensitive=True, width=14),
        C("wanted_by", "期望交付日期", "Wanted By", T.DATE, aliases=("期望交付时间",)),
        C("solution", "匹配方案", "Proposed Solution", T.TEXT, width=24),
        C("expected_effect", "预期效果", "Expected Effect", T.TEXT, width=20),
        C("quote", "报价", "Quote", T.AMOUNT, sensitive=True, width=14),
        C("lead_time", "实施周期", "Lead Time", T.TEXT),
        C("proposal_sent", "方案提交日期", "Proposal Sent", T.DATE),
        C(
            "status",
            "状态",
            "Status",
            T.ENUM,
            required=True,
            enum="need_status",
            aliases=("需求状态",),
        ),
        C("owner", "负责人", "Owner", T.TEXT, required=True, owner_ref=True),
        C("follow_up_due", "跟进截止", "Follow-up Due", T.DATE, auto=True),
        C(
            "follow_up_status",
            "跟进状态",
            "Follow-up Status",
            T.ENUM,
            auto=True,
            enum="need_follow_up_status",
            width=10,
        ),
    ),
    id_column="need_id",
    aliases=("客户需求清单", "需求列表", "Needs List"),
    purpose_zh="客户需求与方案；方案提交后3天内跟进客户反馈。",
    purpose_en="Needs and proposals; chase feedback within 3 days of a proposal.",
)

ISSUES = SheetSpec(
    "issues",
    "问题跟踪",
    "Issues",
    (
        C("issue_id", "问题编号", "Issue ID", T.ID, required=True),
        C("customer_id", "客户编号", "Customer ID", T.ID, required=True, customer_ref=True),
        C("logged_at", "登记时间", "Logged At", T.DATETIME, required=True, width=16),
        C("type", "问题类型", "Type", T.ENUM, required=True, enum="issue_types"),
        C("description", "问题描述", "Description", T.TEXT, required=True, width=30),
        C("ask", "客户诉求", "Customer Ask", T.TEXT, width=20),
        C("urgency", "紧急程度", "Urgency", T.ENUM, required=True, enum="priorities"),
        C("department", "责任部门", "Department", T.TEXT),
        C("owner", "负责人", "Owner", T.TEXT, required=True, owner_ref=True),
        C("first_response_at", "首次响应时间", "First Response At", T.DATETIME, width=16),
        C("plan_at", "方案提交时间", "Plan At", T.DATETIME, width=16),
        C("resolved_at", "解决时间", "Resolved At", T.DATETIME, width=16),
        C(
            "status",
            "状态",
            "Status",
            T.ENUM,
            required=True,
            enum="issue_status",
            aliases=("处理状态",),
        ),
        C("outcome", "处理结果", "Outcome", T.TEXT, width=20),
        C(
            "satisfaction",
            "客户满意度",
            "Satisfaction",
            T.INT,
            min=1,
            max=5,
            note_zh="1–5分",
            note_en="1 to 5",
        ),
        C("response_due", "响应截止", "Response Due", T.DATETIME, auto=True, width=16),
        C("plan_due", "方案截止", "Plan Due", T.DATETIME, auto=True, width=16),
        C("response_state", "响应状态", "Response State", T.ENUM, auto=True, enum="sla_states"),
        C("plan_state", "方案状态", "Plan State", T.ENUM, auto=True, enum="sla_states"),
        C("hours_to_resolve", "处理时长", "Hours to Resolve", T.NUMBER, auto=True, min=0),
        C(
            "sla_basis",
            "时限说明",
            "SLA Basis",
            T.TEXT,
            auto=True,
            width=14,
            note_zh="配置“SLA计时”为工作时时写“按工作时间计”：截止、状态和处理时长只计工作时间",
            note_en="Says 'counted in working time' when the SLA Clock setting is working time: "
            "deadlines, states and hours count working time only",
        ),
    ),
    id_column="issue_id",
    aliases=("问题处理跟踪表", "客户问题处理跟踪表", "问题跟踪表", "Issue Tracker"),
    purpose_zh="投诉与问题的登记和处理；响应和方案各有时限（SLA）。",
    purpose_en="Complaints and problems; each has a response and a plan deadline (SLA).",
)

LEADS = SheetSpec(
    "leads",
    "线索",
    "Leads",
    (
        C("lead_id", "线索编号", "Lead ID", T.ID, required=True),
        C(
            "captured_at",
            "获取时间",
            "Captured At",
            T.DATETIME,
            required=True,
            width=16,
            aliases=("获取日期", "登记时间"),
        ),
        C(
            "source",
            "来源",
            "Source",
            T.ENUM,
            required=True,
            enum="sources",
            aliases=("线索来源", "信息来源"),
        ),
        C("source_detail", "来源说明", "Source Detail", T.TEXT, width=22),
        C(
            "company",
            "公司名称",
            "Company",
            T.TEXT,
            required=True,
            width=26,
            aliases=("客户名称", "单位名称", "企业名称", "公司"),
        ),
        C("contact", "联系人", "Contact", T.TEXT, aliases=("姓名", "联系人姓名")),
        C(
            "phone",
            "电话",
            "Phone",
            T.PHONE,
            width=15,
            aliases=("手机", "手机号", "手机号码", "联系电话", "Mobile"),
        ),
        C("email", "邮箱", "Email", T.EMAIL, width=22, aliases=("电子邮箱", "E-mail")),
        C("region", "区域", "Region", T.ENUM, enum="regions", aliases=("地区", "所在区域")),
        C("industry", "行业", "Industry", T.ENUM, enum="industries", aliases=("所属行业",)),
        C("need", "需求描述", "Need", T.TEXT, width=24, aliases=("需求", "采购意向")),
        C("budget", "预算", "Budget", T.AMOUNT, sensitive=True, width=14, aliases=("预算范围",)),
        C("assigned_to", "分配给", "Assigned To", T.TEXT, owner_ref=True),
        C("assigned_at", "分配时间", "Assigned At", T.DATETIME, width=16),
        C("assignment_reason", "分配依据", "Assignment Reason", T.TEXT, width=30),
        C("confirmed_at", "确认时间", "Confirmed At", T.DATETIME, width=16),
        C("status", "线索状态", "Status", T.ENUM, enum="lead_status", aliases=("状态",)),
        C("invalid_reason", "无效原因", "Invalid Reason", T.TEXT, width=18),
        C("converted_customer_id", "转化客户编号", "Converted Customer ID", T.ID),
        C("confirm_state", "确认状态", "Confirmation", T.ENUM, auto=True, enum="confirm_states"),
    ),
    id_column="lead_id",
    aliases=("线索池", "线索表", "销售线索", "Lead List"),
    purpose_zh="新线索：按“区域优先+行业匹配”分配，专员1小时内确认。",
    purpose_en="New leads: assigned by region then industry; confirm within 1 hour.",
)

TEAM = SheetSpec(
    "team",
    "销售团队",
    "Team",
    (
        C("name", "姓名", "Name", T.TEXT, required=True),
        C("role", "角色", "Role", T.ENUM, required=True, enum="roles", aliases=("岗位",)),
        C("team", "团队", "Team", T.TEXT, aliases=("所属团队", "小组")),
        C("regions", "负责区域", "Regions", T.LIST, width=18),
        C("industries", "擅长行业", "Industries", T.LIST, width=18),
        C("active", "在岗", "Active", T.YESNO, aliases=("是否在岗",)),
        C("lead_cap", "线索上限", "Lead Cap", T.INT, min=0),
        C(
            "email",
            "邮箱",
            "Email",
            T.EMAIL,
            width=22,
            aliases=("电子邮箱", "E-mail"),
            note_zh="crmxl todo --send 把待办发到这里",
            note_en="where crmxl todo --send mails the agenda",
        ),
    ),
    id_column="name",
    aliases=("团队", "销售人员", "Sales Team"),
    purpose_zh="团队成员、角色与负责区域；分配线索、拆分工作簿和负责人检查都用它。",
    purpose_en="People, roles and regions; used to assign leads, split workbooks, check owners.",
)

SETTINGS = SheetSpec(
    "settings",
    "配置",
    "Settings",
    (
        C("key", "参数", "Key", T.TEXT, required=True, width=22, aliases=("设置项", "Setting")),
        C("value", "值", "Value", T.TEXT, required=True, width=40, aliases=("参数值",)),
        C("note", "说明", "Note", T.TEXT, width=50),
    ),
    aliases=("设置", "参数设置", "Config"),
    purpose_zh="分级阈值、跟进周期、SLA时限、下拉列表等；留空用默认值。",
    purpose_en="Tier thresholds, cadences, SLA hours, dropdown lists; blank means default.",
)

HOLIDAYS = SheetSpec(
    "holidays",
    "节假日",
    "Holidays",
    (
        C("date", "日期", "Date", T.DATE, required=True, aliases=("节假日日期",)),
        C(
            "kind",
            "类型",
            "Type",
            T.ENUM,
            required=True,
            enum="day_kinds",
            width=8,
            note_zh="休 = 放假；班 = 调休上班",
            note_en="Off = a day off; Work = a make-up working day",
        ),
        C("note", "说明", "Note", T.TEXT, width=30, aliases=("备注", "名称")),
    ),
    aliases=("节假日安排", "假期安排", "Holiday Calendar"),
    purpose_zh="可选：补充或覆盖法定节假日与调休（内置库未覆盖的年份、公司自己的假期）；工作时计时用。",
    purpose_en="Optional: add or override public holidays and make-up days (years the built-in "
    "library lacks, the company's own days off); used when clocks count working time.",
)

CHANGELOG = SheetSpec(
    "changelog",
    "变更日志",
    "Changelog",
    (
        C("time", "时间", "Time", T.DATETIME, required=True, width=18),
        C("command", "命令", "Command", T.TEXT, required=True, width=9),
        C("sheet", "工作表", "Sheet", T.TEXT, width=10),
        C("record", "记录", "Record", T.TEXT, width=11),
        C("field", "字段", "Field", T.TEXT, width=12),
        C("old", "原值", "Old Value", T.TEXT, width=16),
        C("new", "新值", "New Value", T.TEXT, width=16),
        C("reason", "原因", "Reason", T.TEXT, width=40),
    ),
    aliases=("修改记录", "Change Log"),
    purpose_zh="crmxl 每次写入都在此追加记录，只追加不改写。",
    purpose_en="Every write by crmxl appends here; never rewritten.",
)

#: All standard sheets, in workbook order.
SHEETS: tuple[SheetSpec, ...] = (
    CUSTOMERS,
    CONTACTS,
    FOLLOW_UPS,
    TRANSACTIONS,
    NEEDS,
    ISSUES,
    LEADS,
    TEAM,
    SETTINGS,
    HOLIDAYS,
    CHANGELOG,
)
SHEETS_BY_KEY: dict[str, SheetSpec] = {s.key: s for s in SHEETS}


#: The guide sheet (说明) that templates add; not a data sheet.
GUIDE_NAMES = ("说明", "Guide")
#: The very hidden sheet that marks a salesperson's split workbook (its manifest).
SPLIT_MANIFEST_SHEET = "crmxl-manifest"

#: The manual's three separate files (seed 003): file stem -> sheets it holds.
SEPARATE_FILES: dict[str, tuple[str, ...]] = {
    "customers": (
        "customers",
        "contacts",
        "follow_ups",
        "transactions",
        "leads",
        "team",
        "settings",
        "holidays",
    ),
    "needs": ("needs",),
    "issues": ("issues",),
}
SEPARATE_FILE_NAMES = {
    "customers": ("客户档案", "customer-file"),
    "needs": ("需求清单", "needs-list"),
    "issues": ("问题处理跟踪表", "issue-tracker"),
}


def sheet(key: str) -> SheetSpec:
    """The standard sheet with ``key``."""
    return SHEETS_BY_KEY[key]


# --------------------------------------------------------------------------- name matching


def _names(*names: str) -> set[str]:
    return {fold(n) for n in names if n}


@functools.cache
def column_names(col: Column) -> frozenset[str]:
    """Every folded header that means ``col``."""
    return frozenset(_names(col.zh, col.en, *col.aliases))


@functools.cache
def sheet_names(spec: SheetSpec) -> frozenset[str]:
    """Every folded sheet name that means ``spec``."""
    return frozenset(_names(spec.zh, spec.en, *spec.aliases))


def match_sheet(name: str) -> SheetSpec | None:
    """The standard sheet a workbook sheet name means, if any."""
    folded = fold(name)
    for spec in SHEETS:
        if folded in sheet_names(spec):
            return spec
    return None


def match_column(spec: SheetSpec, header: object) -> Column | None:
    """The column of ``spec`` a header cell means, if any.

    Exact names win over aliases, so that a sheet with both 联系人 and 联系人姓名 maps each to
    its own column.
    """
    folded = fold(header)
    if not folded:
        return None
    for col in spec.columns:
        if folded in _names(col.zh, col.en):
            return col
    for col in spec.columns:
        if folded in _names(*col.aliases):
            return col
    return None
