"""The domain's words: every fixed enumeration of SPEC 1 (and the churn-risk levels of SPEC 2.6).

Each enumeration is a :class:`Word` enum: a member *is* the Chinese word a workbook stores
(``Stage.LOST == "流失"``, a ``str``, so comparing with a cell costs what comparing two strings
costs) and carries its English label (``Stage.LOST.en == "Lost"``). Code names a domain value by
its member, never by a string literal (a test looks for strays). :data:`ENUMS` gives each
enumeration by the key a column names it by, with the other spellings the reader accepts.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from enum import StrEnum

_MARKERS = re.compile(r"^[\*＊\s]+|[\*＊\s]+$")
_AUTO_SUFFIX = re.compile(r"[（(]\s*(?:自动|auto|automatic|计算)\s*[)）]\s*$", re.IGNORECASE)
_SPACES = re.compile(r"\s+")


def fold(text: object) -> str:
    """A name folded for matching: full-width to half-width (NFKC), case, spaces, markers.

    ``" *客户编号 "``, ``"客户编号*"``, ``"ＣＵＳＴＯＭＥＲ ＩＤ"`` and ``"跟进状态(自动)"``
    fold to the same key as the plain name.
    """
    if text is None:
        return ""
    s = unicodedata.normalize("NFKC", str(text)).strip()
    for _ in range(2):
        s = _AUTO_SUFFIX.sub("", s)
        s = _MARKERS.sub("", s)
    s = _SPACES.sub(" ", s)
    return s.casefold()


class Word(StrEnum):
    """A domain word: the member's value is the Chinese word stored in a workbook, ``en`` is
    its English label. Members are declared as ``NAME = "中文", "English"``."""

    en: str

    def __new__(cls, zh: str, en: str) -> Word:
        member = str.__new__(cls, zh)
        member._value_ = zh
        member.en = en
        return member

    def label(self, lang: str) -> str:
        """The word in ``lang`` (``zh`` or ``en``)."""
        return self.en if lang == "en" else self.value

    @property
    def pair(self) -> tuple[str, str]:
        """``(zh, en)``, as :func:`crmxl.i18n.pick` takes them."""
        return self.value, self.en


class Source(Word):
    """信息来源 / 来源 (customers, leads)."""

    WEBSITE_FORM = "官网表单", "Website Form"
    TRADE_SHOW = "展会", "Trade Show"
    REFERRAL = "客户推荐", "Referral"
    PHONE_INQUIRY = "电话咨询", "Phone Inquiry"
    SOCIAL_MEDIA = "社交媒体", "Social Media"
    COLD_VISIT = "陌拜", "Cold Visit"
    PARTNER = "合作伙伴", "Partner"
    PUBLIC_INFORMATION = "公开信息", "Public Information"
    OTHER = "其他", "Other"


class Stage(Word):
    """合作阶段 (SPEC 2.3), in funnel order."""

    PROSPECT = "潜在", "Prospect"
    INTERESTED = "意向", "Interested"
    CUSTOMER = "成交", "Customer"
    LOST = "流失", "Lost"


class Tier(Word):
    """客户等级 letters (SPEC 2.1: A-C, or A-D with the ABCD scheme)."""

    A = "A", "A"
    B = "B", "B"
    C = "C", "C"
    D = "D", "D"


class FollowUpStatus(Word):
    """跟进状态 of a customer (SPEC 2.2)."""

    OK = "正常", "OK"
    DUE_SOON = "即将到期", "Due Soon"
    DUE_TODAY = "今日到期", "Due Today"
    OVERDUE = "逾期", "Overdue"
    NOT_NEEDED = "无需跟进", "Not Needed"


class ContactChannel(Word):
    """首选渠道 of a contact."""

    PHONE = "电话", "Phone"
    WECHAT = "微信", "WeChat"
    EMAIL = "邮件", "Email"
    IN_PERSON = "面谈", "In Person"


class DecisionRole(Word):
    """决策角色 of a contact."""

    DECISION_MAKER = "决策人", "Decision Maker"
    INFLUENCER = "影响者", "Influencer"
    USER = "使用者", "User"
    OTHER = "其他", "Other"


class Employment(Word):
    """在职状态 of a contact."""

    EMPLOYED = "在职", "Employed"
    LEFT = "离职", "Left"


class Channel(Word):
    """沟通方式 of a follow-up."""

    IN_PERSON = "面谈", "In Person"
    PHONE = "电话", "Phone"
    VIDEO_CALL = "视频会议", "Video Call"
    EMAIL = "邮件", "Email"
    WECHAT = "微信", "WeChat"
    INSTANT_MESSAGE = "即时通讯", "Instant Message"
    TRADE_SHOW = "展会", "Trade Show"
    OTHER = "其他", "Other"


class PaymentStatus(Word):
    """付款状态 of a transaction."""

    UNPAID = "未付", "Unpaid"
    PARTLY_PAID = "部分付款", "Partly Paid"
    PAID = "已付清", "Paid"


class NeedKind(Word):
    """需求类型."""

    EXPLICIT = "明确需求", "Explicit"
    LATENT = "潜在需求", "Latent"


class Priority(Word):
    """优先级 of a need, 紧急程度 of an issue."""

    HIGH = "高", "High"
    MEDIUM = "中", "Medium"
    LOW = "低", "Low"


class NeedStatus(Word):
    """状态 of a need."""

    TO_ASSESS = "待评估", "To Assess"
    DRAFTING = "方案中", "Drafting"
    PROPOSED = "已提交", "Proposed"
    CONFIRMED = "已确认", "Confirmed"
    CLOSED = "已关闭", "Closed"


class NeedFollowUpStatus(Word):
    """跟进状态 of a need (方案提交日期 + 需求跟进天数)."""

    OK = "正常", "OK"
    DUE_TODAY = "今日到期", "Due Today"
    OVERDUE = "逾期", "Overdue"
    DONE = "已完成", "Done"


class IssueType(Word):
    """问题类型; each has its own SLA hours (SPEC 2.4)."""

    COMPLAINT = "投诉", "Complaint"
    DELIVERY_PROBLEM = "合作异常", "Delivery Problem"
    AFTER_SALES = "售后问题", "After-sales"
    INQUIRY = "咨询", "Inquiry"


class IssueStatus(Word):
    """状态 of an issue."""

    OPEN = "待处理", "Open"
    IN_PROGRESS = "处理中", "In Progress"
    RESOLVED = "已解决", "Resolved"
    CLOSED = "已关闭", "Closed"


class SlaState(Word):
    """响应状态 / 方案状态: the state of an SLA clock (SPEC 2.4)."""

    RUNNING = "进行中", "Running"
    DUE_SOON = "即将超时", "Due Soon"
    BREACHED = "已超时", "Breached"
    MET = "按时完成", "Met"
    MET_LATE = "超时完成", "Met Late"


class LeadStatus(Word):
    """线索状态."""

    UNASSIGNED = "待分配", "Unassigned"
    AWAITING = "待确认", "Awaiting Confirmation"
    VALID = "有效", "Valid"
    INVALID = "无效", "Invalid"
    CONVERTED = "已转化", "Converted"


class ConfirmState(Word):
    """确认状态 of an assigned lead (SPEC 2.5)."""

    AWAITING = "待确认", "Awaiting"
    CONFIRMED = "已确认", "Confirmed"
    OVERDUE = "确认超时", "Overdue"


class Role(Word):
    """角色 in 销售团队."""

    REP = "销售专员", "Sales Rep"
    MANAGER = "销售经理", "Sales Manager"
    ADMIN = "管理员", "Admin"


class YesNo(Word):
    """是/否 cells (行业头部, 在岗)."""

    YES = "是", "Yes"
    NO = "否", "No"


class RiskLevel(Word):
    """The level that starts a 流失风险 text (SPEC 2.6: ``高: 逾期45天; 决策人离职``)."""

    HIGH = "高", "High"
    MEDIUM = "中", "Medium"
    LOW = "低", "Low"


class Pool(Word):
    """负责人 of a customer in the public pool (SPEC 2.9): not a person, the pool itself."""

    POOL = "公海", "Pool"


class DayKind(Word):
    """类型 of a 节假日 row (SPEC 2.8): a day off, or a working day (调休)."""

    OFF = "休", "Off"
    WORK = "班", "Work"


class ClockMode(Word):
    """计时方式 of a clock in 配置 (SPEC 2.8): calendar time (the default) or working time."""

    NATURAL = "自然时", "calendar time"
    WORKING = "工作时", "working time"

    @classmethod
    def parse(cls, value: object) -> ClockMode:
        """``自然时``/``工作时`` (or ``calendar``/``working``, any case); blank is 自然时.

        Raises :class:`~crmxl.model.values.BadValue` ``bad-clock-mode`` otherwise.
        """
        from crmxl.model.options import parse_clock_mode  # values imports this module

        return parse_clock_mode(value)


class Switch(Word):
    """An on/off 配置 value (公海规则: 启用 / 停用)."""

    ON = "启用", "On"
    OFF = "停用", "Off"


@dataclass(frozen=True)
class Enumeration:
    """A fixed list of values: canonical Chinese values with their English twins."""

    key: str
    values: tuple[tuple[str, str], ...]  # (zh, en)
    aliases: tuple[tuple[str, str], ...] = ()  # (other spelling, zh)

    @classmethod
    def of(
        cls, key: str, words: type[Word], aliases: tuple[tuple[str, str], ...] = ()
    ) -> Enumeration:
        return cls(key, tuple((str(w.value), w.en) for w in words), aliases)

    @property
    def zh(self) -> tuple[str, ...]:
        return tuple(zh for zh, _ in self.values)

    def label(self, value: str, lang: str) -> str:
        """``value`` (canonical) in ``lang``."""
        if lang == "en":
            for zh, en in self.values:
                if zh == value:
                    return en
        return value

    def canonical(self, text: str) -> str | None:
        """The canonical value for what a user typed, or None when it is not in the list."""
        wanted = fold(text)
        for zh, en in self.values:
            if wanted in (fold(zh), fold(en)):
                return zh
        for alias, zh in self.aliases:
            if wanted == fold(alias):
                return zh
        return None


ENUMS: dict[str, Enumeration] = {
    e.key: e
    for e in (
        Enumeration.of(
            "sources",
            Source,
            aliases=(("官网", "官网表单"), ("转介绍", "客户推荐"), ("老客户推荐", "客户推荐")),
        ),
        Enumeration.of(
            "stages",
            Stage,
            aliases=(
                ("潜在客户", "潜在"),
                ("意向客户", "意向"),
                ("成交客户", "成交"),
                ("流失客户", "流失"),
                ("Won", "成交"),
                ("Churned", "流失"),
            ),
        ),
        Enumeration.of(
            "tiers", Tier, aliases=(("A级", "A"), ("B级", "B"), ("C级", "C"), ("D级", "D"))
        ),
        Enumeration.of("follow_up_status", FollowUpStatus),
        Enumeration.of("contact_channels", ContactChannel),
        Enumeration.of("decision_roles", DecisionRole),
        Enumeration.of("employment", Employment),
        Enumeration.of(
            "channels",
            Channel,
            aliases=(("拜访", "面谈"), ("上门拜访", "面谈"), ("线上会议", "视频会议")),
        ),
        Enumeration.of("payment_status", PaymentStatus),
        Enumeration.of("need_kinds", NeedKind),
        Enumeration.of("priorities", Priority),
        Enumeration.of("need_status", NeedStatus),
        Enumeration.of("need_follow_up_status", NeedFollowUpStatus),
        Enumeration.of("issue_types", IssueType),
        Enumeration.of("issue_status", IssueStatus),
        Enumeration.of("sla_states", SlaState),
        Enumeration.of("lead_status", LeadStatus),
        Enumeration.of("confirm_states", ConfirmState),
        Enumeration.of("roles", Role),
        Enumeration.of("risk_levels", RiskLevel),
        Enumeration.of("pool", Pool, aliases=(("公海池", "公海"), ("Public Pool", "公海"))),
        Enumeration.of(
            "day_kinds",
            DayKind,
            aliases=(
                ("休息", "休"),
                ("放假", "休"),
                ("Holiday", "休"),
                ("Day Off", "休"),
                ("上班", "班"),
                ("补班", "班"),
                ("Workday", "班"),
                ("Working", "班"),
                ("Working Day", "班"),
            ),
        ),
        Enumeration.of(
            "clock_modes",
            ClockMode,
            aliases=(
                ("自然时间", "自然时"),
                ("日历时间", "自然时"),
                ("calendar", "自然时"),
                ("natural", "自然时"),
                ("calendartime", "自然时"),
                ("工作时间", "工作时"),
                ("working", "工作时"),
                ("workingtime", "工作时"),
                ("business hours", "工作时"),
                ("businesshours", "工作时"),
            ),
        ),
        Enumeration.of(
            "switches",
            Switch,
            aliases=(
                ("开启", "启用"),
                ("开", "启用"),
                ("是", "启用"),
                ("Yes", "启用"),
                ("True", "启用"),
                ("Enabled", "启用"),
                ("Enable", "启用"),
                ("1", "启用"),
                ("关闭", "停用"),
                ("关", "停用"),
                ("否", "停用"),
                ("No", "停用"),
                ("False", "停用"),
                ("Disabled", "停用"),
                ("Disable", "停用"),
                ("0", "停用"),
            ),
        ),
        Enumeration.of(
            "yesno",
            YesNo,
            aliases=(
                ("Y", "是"),
                ("N", "否"),
                ("True", "是"),
                ("False", "否"),
                ("1", "是"),
                ("0", "否"),
                ("√", "是"),
                ("×", "否"),
            ),
        ),
    )
}

#: Enumerations whose values come from the settings (配置), not from this module.
SETTINGS_ENUMS = ("industries", "regions")


def enum_values(key: str) -> tuple[str, ...]:
    """Canonical values of a fixed enumeration."""
    return ENUMS[key].zh
