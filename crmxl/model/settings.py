"""Settings: the 配置 sheet and a ``--config`` TOML file, into one typed :class:`Settings`.

Every setting has a default (SPEC 1.9), so both sources are optional; the TOML file wins over
the sheet. A setting is known by its Chinese key (as the 配置 sheet shows it), its English key
and a snake_case TOML key; all three are accepted in both places. A bad value is a
:class:`~crmxl.model.findings.Finding` naming the cell (or the TOML key), and the default is used.
"""

from __future__ import annotations

import itertools
import math
import tomllib
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import time
from pathlib import Path
from typing import Any

from crmxl.errors import SettingsError
from crmxl.i18n import register
from crmxl.model import tomlfix, values
from crmxl.model.findings import Finding, Severity
from crmxl.model.options import (
    DEFAULT_WORK_HOURS,
    DEFAULT_WORKDAYS,
    Limit,
    PoolRules,
    format_limit,
    format_work_hours,
    format_workdays,
    parse_clock_mode,
    parse_limit,
    parse_switch,
    parse_work_hours,
    parse_workdays,
)
from crmxl.model.schema import SHEETS, ClockMode, IssueType, Stage, Switch, Tier, YesNo, fold

TIER_SCHEMES: dict[str, tuple[str, ...]] = {"ABC": (Tier.A, Tier.B, Tier.C), "ABCD": tuple(Tier)}
DEFAULT_THRESHOLDS: dict[str, dict[str, float]] = {
    "ABC": {Tier.A: 500_000, Tier.B: 100_000},
    "ABCD": {Tier.A: 100_000, Tier.B: 50_000, Tier.C: 10_000},
}
ISSUE_TYPES: tuple[str, ...] = tuple(IssueType)
STAGES: tuple[str, ...] = tuple(Stage)

DEFAULT_INDUSTRIES = (
    "制造业",
    "互联网",
    "金融",
    "医疗",
    "教育",
    "零售",
    "物流",
    "能源",
    "建筑",
    "政府及公共事业",
    "其他",
)
DEFAULT_REGIONS = ("华东", "华南", "华北", "华中", "西南", "西北", "东北")


def _default_sensitive() -> tuple[str, ...]:
    return tuple(f"{s.key}.{c.key}" for s in SHEETS for c in s.columns if c.sensitive)


@dataclass(frozen=True)
class Settings:
    """Everything the rules need to know that a team may change."""

    tier_scheme: str = "ABC"
    thresholds: Mapping[str, float] = field(default_factory=lambda: DEFAULT_THRESHOLDS["ABC"])
    cadence_tier: Mapping[str, int] = field(
        default_factory=lambda: {Tier.A: 30, Tier.B: 14, Tier.C: 30, Tier.D: 90}
    )
    cadence_stage: Mapping[str, int | None] = field(
        default_factory=lambda: {Stage.PROSPECT: 7, Stage.INTERESTED: None, Stage.CUSTOMER: None}
    )
    sla_hours: Mapping[str, tuple[float, float]] = field(
        default_factory=lambda: {
            IssueType.COMPLAINT: (2.0, 24.0),
            IssueType.DELIVERY_PROBLEM: (1.0, 4.0),
            IssueType.AFTER_SALES: (2.0, 24.0),
            IssueType.INQUIRY: (4.0, 48.0),
        }
    )
    churn_months: int = 3
    record_limit: Limit = field(default_factory=lambda: Limit(24.0, "hours"))  # 建档时限
    entry_limit: Limit = field(default_factory=lambda: Limit(24.0, "hours"))  # 录入时限
    need_follow_up_days: int = 3
    lead_confirm_hours: float = 1.0
    reminder_days: int = 1
    due_soon_days: int = 3
    stage_probability: Mapping[str, float] = field(
        default_factory=lambda: {Stage.PROSPECT: 0.10, Stage.INTERESTED: 0.50, Stage.CUSTOMER: 0.80}
    )
    industries: tuple[str, ...] = DEFAULT_INDUSTRIES
    regions: tuple[str, ...] = DEFAULT_REGIONS
    sensitive: tuple[str, ...] = field(default_factory=_default_sensitive)  # "sheet.column"
    # SPEC 2.8: how each clock counts, and the working calendar
    sla_clock: ClockMode = ClockMode.NATURAL  # SLA计时
    record_clock: ClockMode = ClockMode.NATURAL  # 建档计时
    entry_clock: ClockMode = ClockMode.NATURAL  # 录入计时
    work_hours: tuple[tuple[time, time], ...] = field(
        default_factory=lambda: parse_work_hours(DEFAULT_WORK_HOURS)
    )  # 工作时间
    workdays: frozenset[int] = field(default_factory=lambda: parse_workdays(DEFAULT_WORKDAYS))
    # SPEC 2.9: the public pool
    pool_enabled: bool = False  # 公海规则
    pool_days: Mapping[str, int] = field(default_factory=lambda: dict(PoolRules().days_by_tier))
    protect_days: int = 7  # 保护期天数
    cooldown_days: int = 30  # 冷却天数
    split_pool: bool = False  # 拆分含公海客户

    @property
    def record_hours(self) -> float:
        """建档时限 in hours (NaN when it is given in working days)."""
        return self.record_limit.amount if self.record_limit.unit == "hours" else math.nan

    @property
    def entry_hours(self) -> float:
        """录入时限 in hours (NaN when it is given in working days)."""
        return self.entry_limit.amount if self.entry_limit.unit == "hours" else math.nan

    @property
    def pool(self) -> PoolRules:
        """The pool's rules (SPEC 2.9) as :mod:`crmxl.rules.pool` takes them."""
        return PoolRules(
            self.pool_enabled, dict(self.pool_days), self.protect_days, self.cooldown_days
        )

    @property
    def uses_working_time(self) -> bool:
        """Whether any clock counts working time or working days (a calendar is needed)."""
        return ClockMode.WORKING in (self.sla_clock, self.record_clock, self.entry_clock) or (
            "workdays" in (self.record_limit.unit, self.entry_limit.unit)
        )

    delivery: Mapping[str, Any] = field(default_factory=dict)  # SPEC 2.10: DELIVERY_KEYS

    @property
    def tiers(self) -> tuple[str, ...]:
        """The tier letters of the scheme, best first."""
        return TIER_SCHEMES[self.tier_scheme]

    def cadence(self, tier: str | None, stage: str | None) -> int | None:
        """Follow-up cadence in days: the shorter of the tier's and the stage's."""
        options = [
            self.cadence_tier.get(tier) if tier else None,
            self.cadence_stage.get(stage) if stage else None,
        ]
        present = [d for d in options if d is not None]
        return min(present) if present else None

    def enum_values(self, key: str) -> tuple[str, ...] | None:
        """Allowed values for a settings-driven enumeration (industries, regions, tiers)."""
        if key == "industries":
            return self.industries
        if key == "regions":
            return self.regions
        if key == "tiers":
            return self.tiers
        return None

    def is_sensitive(self, sheet_key: str, column_key: str) -> bool:
        return f"{sheet_key}.{column_key}" in self.sensitive


# --------------------------------------------------------------------- the settings table


@dataclass(frozen=True)
class SettingDef:
    """One row of the 配置 sheet."""

    zh: str
    en: str
    toml: str
    kind: str  # scheme, amount, int, hours, percent, list, columns, clock, workhours, workdays,
    # limit, switch, yesno, text, security
    get: Callable[[Settings], Any]
    put: Callable[[Settings, Any], Settings]
    note_zh: str = ""
    note_en: str = ""
    optional: bool = False  # blank is a legitimate value (no cadence, no threshold)


def _with(s: Settings, attr: str, value: Any) -> Settings:
    changes: dict[str, Any] = {attr: value}
    return replace(s, **changes)


def _put_map(attr: str, key: str) -> Callable[[Settings, Any], Settings]:
    def put(s: Settings, v: Any) -> Settings:
        mapping = dict(getattr(s, attr))
        mapping[key] = v
        return _with(s, attr, mapping)

    return put


def _get_map(attr: str, key: str) -> Callable[[Settings], Any]:
    return lambda s: getattr(s, attr).get(key)


def _get_sla(kind: str, which: int) -> Callable[[Settings], Any]:
    return lambda s: s.sla_hours[kind][which]


def _put_sla(kind: str, which: int) -> Callable[[Settings, Any], Settings]:
    def put(s: Settings, v: Any) -> Settings:
        mapping = dict(s.sla_hours)
        pair = list(mapping[kind])
        pair[which] = v
        mapping[kind] = (pair[0], pair[1])
        return replace(s, sla_hours=mapping)

    return put


def _put_attr(attr: str) -> Callable[[Settings, Any], Settings]:
    return lambda s, v: _with(s, attr, v)


def _get_attr(attr: str) -> Callable[[Settings], Any]:
    return lambda s: getattr(s, attr)


#: How a TOML file names each issue type's SLA settings (``sla_complaint_response``).
_SLA_TOML = {
    IssueType.COMPLAINT: "complaint",
    IssueType.DELIVERY_PROBLEM: "delivery",
    IssueType.AFTER_SALES: "aftersales",
    IssueType.INQUIRY: "inquiry",
}
#: The stages that have a cadence and a win probability of their own.
_OPEN_STAGES = (Stage.PROSPECT, Stage.INTERESTED, Stage.CUSTOMER)


def _definitions() -> tuple[SettingDef, ...]:
    defs: list[SettingDef] = [
        SettingDef(
            "分级方案",
            "Tier Scheme",
            "tier_scheme",
            "scheme",
            _get_attr("tier_scheme"),
            _put_attr("tier_scheme"),
            "ABC（默认）或 ABCD",
            "ABC (default) or ABCD",
        ),
    ]
    for letter in (Tier.A, Tier.B, Tier.C):
        defs.append(
            SettingDef(
                f"{letter}级阈值",
                f"Tier {letter} Threshold",
                f"tier_{letter.lower()}",
                "amount",
                _get_map("thresholds", letter),
                _put_map("thresholds", letter),
                f"近12月成交额达到此金额为{letter}级；留空用方案默认值",
                f"Trailing 12-month amount for tier {letter}; blank = scheme default",
                optional=True,
            )
        )
    for letter in Tier:
        defs.append(
            SettingDef(
                f"跟进周期-{letter}级",
                f"Cadence Tier {letter}",
                f"cadence_{letter.lower()}",
                "int",
                _get_map("cadence_tier", letter),
                _put_map("cadence_tier", letter),
                "天",
                "days",
                optional=True,
            )
        )
    for stage in _OPEN_STAGES:
        defs.append(
            SettingDef(
                f"跟进周期-{stage}",
                f"Cadence {stage.en}",
                f"cadence_{stage.en.lower()}",
                "int",
                _get_map("cadence_stage", stage),
                _put_map("cadence_stage", stage),
                "天；与等级周期取较短者；留空表示不按阶段",
                "days; the shorter of tier and stage applies; blank = none",
                optional=True,
            )
        )
    for kind in IssueType:
        for which, (zh, en, tk) in enumerate(
            (("响应时限", "Response Hours", "response"), ("方案时限", "Plan Hours", "plan"))
        ):
            defs.append(
                SettingDef(
                    f"{kind}-{zh}",
                    f"{kind.en} {en}",
                    f"sla_{_SLA_TOML[kind]}_{tk}",
                    "hours",
                    _get_sla(kind, which),
                    _put_sla(kind, which),
                    "小时",
                    "hours",
                )
            )
    defs += [
        SettingDef(
            "流失判定月数",
            "Churn Months",
            "churn_months",
            "int",
            _get_attr("churn_months"),
            _put_attr("churn_months"),
            "合作终止超过此月数判为流失",
            "months after termination to count as lost",
        ),
        SettingDef(
            "建档时限",
            "Record Hours",
            "record_hours",
            "limit",
            _get_attr("record_limit"),
            _put_attr("record_limit"),
            "首次接触后多少小时（或如“2个工作日”）内建档",
            "hours (or e.g. '2 working days') from first contact to the record",
        ),
        SettingDef(
            "录入时限",
            "Entry Hours",
            "entry_hours",
            "limit",
            _get_attr("entry_limit"),
            _put_attr("entry_limit"),
            "沟通后多少小时（或如“2个工作日”）内录入",
            "hours (or e.g. '2 working days') from a conversation to its entry",
        ),
        SettingDef(
            "需求跟进天数",
            "Need Follow-up Days",
            "need_follow_up_days",
            "int",
            _get_attr("need_follow_up_days"),
            _put_attr("need_follow_up_days"),
            "方案提交后多少天内跟进",
            "days after a proposal to chase it",
        ),
        SettingDef(
            "线索确认时限",
            "Lead Confirm Hours",
            "lead_confirm_hours",
            "hours",
            _get_attr("lead_confirm_hours"),
            _put_attr("lead_confirm_hours"),
            "线索分配后多少小时内确认",
            "hours to confirm an assigned lead",
        ),
        SettingDef(
            "提醒提前天数",
            "Reminder Days",
            "reminder_days",
            "int",
            _get_attr("reminder_days"),
            _put_attr("reminder_days"),
            "生日、周年提前几天提醒",
            "days ahead to remind of birthdays",
        ),
        SettingDef(
            "即将到期天数",
            "Due Soon Days",
            "due_soon_days",
            "int",
            _get_attr("due_soon_days"),
            _put_attr("due_soon_days"),
            "剩余几天内标记“即将到期”",
            "days left that count as due soon",
        ),
    ]
    for stage in _OPEN_STAGES:
        defs.append(
            SettingDef(
                f"成交概率-{stage}",
                f"Win Probability {stage.en}",
                f"probability_{stage.en.lower()}",
                "percent",
                _get_map("stage_probability", stage),
                _put_map("stage_probability", stage),
                "销售预测用",
                "for the forecast",
            )
        )
    defs += [
        SettingDef(
            "行业列表",
            "Industries",
            "industries",
            "list",
            _get_attr("industries"),
            _put_attr("industries"),
            "下拉选项，用逗号分隔",
            "dropdown values, comma separated",
        ),
        SettingDef(
            "区域列表",
            "Regions",
            "regions",
            "list",
            _get_attr("regions"),
            _put_attr("regions"),
            "下拉选项，用逗号分隔",
            "dropdown values, comma separated",
        ),
        SettingDef(
            "敏感列",
            "Sensitive Columns",
            "sensitive",
            "columns",
            _get_attr("sensitive"),
            _put_attr("sensitive"),
            "拆分给销售专员时删除的列",
            "columns removed from a sales rep's workbook",
        ),
    ]
    defs += _worktime_definitions()
    defs += _pool_definitions()
    return tuple(defs)


def _worktime_definitions() -> list[SettingDef]:
    """SPEC 2.8: how each clock counts, and the working calendar."""
    clocks = (
        ("SLA计时", "SLA Clock", "sla_clock", "问题的响应、方案时限", "the issue SLA clocks"),
        ("建档计时", "Record Clock", "record_clock", "建档时限", "the record limit"),
        ("录入计时", "Entry Clock", "entry_clock", "录入时限", "the entry limit"),
    )
    defs = [
        SettingDef(
            zh,
            en,
            key,
            "clock",
            _get_attr(key),
            _put_attr(key),
            f"{what_zh}按自然时（默认）还是工作时计算；工作时只计工作日的工作时间段",
            f"{what_en} in calendar time (default) or working time (working hours of "
            "working days only)",
        )
        for zh, en, key, what_zh, what_en in clocks
    ]
    defs += [
        SettingDef(
            "工作时间",
            "Working Hours",
            "work_hours",
            "workhours",
            _get_attr("work_hours"),
            _put_attr("work_hours"),
            "工作日内的工作时间段，如 09:00-12:00,13:30-18:00",
            "the working intervals of a working day, e.g. 09:00-12:00,13:30-18:00",
        ),
        SettingDef(
            "工作日",
            "Working Days",
            "workdays",
            "workdays",
            _get_attr("workdays"),
            _put_attr("workdays"),
            "如 周一至周五；法定节假日和调休另按国务院安排及“节假日”工作表",
            "e.g. Mon-Fri; public holidays and make-up days follow the State Council's "
            "schedule and the Holidays sheet",
        ),
    ]
    return defs


def _pool_definitions() -> list[SettingDef]:
    """SPEC 2.9: the public pool (公海)."""
    defs = [
        SettingDef(
            "公海规则",
            "Public Pool",
            "pool_enabled",
            "switch",
            _get_attr("pool_enabled"),
            _put_attr("pool_enabled"),
            "启用后，长期未跟进的潜在/意向客户由 refresh 退回公海",
            "On: refresh returns neglected prospects to the pool",
        )
    ]
    for letter in Tier:
        defs.append(
            SettingDef(
                f"公海天数-{letter}级",
                f"Pool Days Tier {letter}",
                f"pool_days_{letter.lower()}",
                "int",
                _get_map("pool_days", letter),
                _put_map("pool_days", letter),
                "超过此天数未跟进即退回公海",
                "days without a follow-up before the customer returns to the pool",
            )
        )
    defs += [
        SettingDef(
            "保护期天数",
            "Protection Days",
            "protect_days",
            "int",
            _get_attr("protect_days"),
            _put_attr("protect_days"),
            "分配或认领后多少天内不退回公海",
            "days after an assignment or claim during which a customer does not return",
        ),
        SettingDef(
            "冷却天数",
            "Cool-down Days",
            "cooldown_days",
            "int",
            _get_attr("cooldown_days"),
            _put_attr("cooldown_days"),
            "入公海后多少天内原负责人不能认领或分回",
            "days after entering the pool during which the former owner cannot get it back",
        ),
        SettingDef(
            "拆分含公海客户",
            "Split Includes Pool",
            "split_pool",
            "yesno",
            _get_attr("split_pool"),
            _put_attr("split_pool"),
            "启用后，拆分给销售专员的工作簿列出其可认领的公海客户（只读）",
            "On: each rep's split workbook lists the pool customers they may claim (read-only)",
        ),
    ]
    return defs


#: Where ``crmxl todo --send`` delivers (SPEC 2.10); read from 配置 and TOML like the rest, but
#: not written into a new workbook's 配置 sheet (a webhook address is a credential). Passwords
#: and signing secrets are never settings: they come from environment variables.
DELIVERY_KEYS: tuple[tuple[str, str, str, str, str, str], ...] = (
    ("SMTP服务器", "SMTP Host", "smtp_host", "text", "发送邮件的服务器", "mail server"),
    ("SMTP端口", "SMTP Port", "smtp_port", "int", "留空：SSL 465，其余 587", "blank: 465/587"),
    (
        "SMTP加密",
        "SMTP Security",
        "smtp_security",
        "security",
        "starttls（默认）、ssl 或 none",
        "starttls (default), ssl or none",
    ),
    ("SMTP用户名", "SMTP User", "smtp_user", "text", "登录名；密码见环境变量", "login name"),
    ("发件人", "Mail From", "smtp_from", "text", "发件地址，默认同用户名", "sender address"),
    ("SMTP证书", "SMTP CA File", "smtp_cafile", "text", "自建CA证书文件（可选）", "own CA file"),
    ("企业微信机器人", "WeCom Robot", "wecom_webhook", "text", "群机器人Webhook地址", "webhook"),
    ("钉钉机器人", "DingTalk Robot", "dingtalk_webhook", "text", "群机器人Webhook地址", "webhook"),
)
SMTP_SECURITY = ("starttls", "ssl", "none")


DEFINITIONS: tuple[SettingDef, ...] = _definitions()
DELIVERY_DEFINITIONS: tuple[SettingDef, ...] = tuple(
    SettingDef(zh, en, toml, kind, _get_map("delivery", toml), _put_map("delivery", toml), nz, ne)
    for zh, en, toml, kind, nz, ne in DELIVERY_KEYS
)
_BY_NAME: dict[str, SettingDef] = {}
for _d in (*DEFINITIONS, *DELIVERY_DEFINITIONS):
    for _name in (_d.zh, _d.en, _d.toml):
        _BY_NAME[fold(_name)] = _d


def find_definition(name: str) -> SettingDef | None:
    """The setting a key names (Chinese, English or TOML spelling)."""
    return _BY_NAME.get(fold(name))


# ------------------------------------------------------------------------------- reading


def _sensitive_from_text(text: str) -> tuple[str, ...]:
    """``年合作金额,预算`` -> the ``sheet.column`` keys of every sensitive column so named."""
    from crmxl.model.schema import column_names

    wanted = {fold(item) for item in values.parse_list(text)}
    found: list[str] = []
    unknown = set(wanted)
    for spec in SHEETS:
        for col in spec.columns:
            names = column_names(col) | {fold(f"{spec.zh}.{col.zh}"), fold(f"{spec.key}.{col.key}")}
            hit = names & wanted
            if hit:
                found.append(f"{spec.key}.{col.key}")
                unknown -= hit
    if unknown:
        raise values.BadValue("unknown-column", ", ".join(sorted(unknown)))
    return tuple(found)


def _convert(defn: SettingDef, raw: Any) -> Any:
    kind = defn.kind
    if kind == "scheme":
        scheme = values.nfkc(str(raw)).upper()
        if scheme not in TIER_SCHEMES:
            raise values.BadValue("bad-scheme", str(raw))
        return scheme
    if kind == "amount":
        amount = values.parse_amount(raw)
        if amount < 0:
            raise values.BadValue("negative", str(raw))
        return amount
    if kind == "int":
        number = values.parse_int(raw)
        if number < 0:
            raise values.BadValue("negative", str(raw))
        return number
    if kind == "hours":
        hours = values.parse_number(raw)
        if hours < 0:
            raise values.BadValue("negative", str(raw))
        return hours
    if kind == "percent":
        if isinstance(raw, str) and raw.strip().endswith(("%", "％")):
            share = values.parse_number(values.nfkc(raw).rstrip("%")) / 100
        else:
            share = values.parse_number(raw)
            if share > 1:
                share /= 100
        if not 0 <= share <= 1:
            raise values.BadValue("bad-percent", str(raw))
        return share
    if kind == "list":
        items = raw if isinstance(raw, list) else values.parse_list(raw)
        return tuple(str(i).strip() for i in items if str(i).strip())
    if kind == "columns":
        text = ",".join(raw) if isinstance(raw, list) else str(raw)
        return _sensitive_from_text(text)
    if kind == "clock":
        return parse_clock_mode(raw)
    if kind == "workhours":
        return parse_work_hours(raw)
    if kind == "workdays":
        return parse_workdays(raw)
    if kind == "limit":
        return parse_limit(raw)
    if kind in ("switch", "yesno"):
        return parse_switch(raw)
    if kind == "text":
        return str(raw).strip()
    if kind == "security":
        security = values.nfkc(str(raw)).strip().lower()
        if security not in SMTP_SECURITY:
            raise values.BadValue("bad-security", str(raw))
        return security
    raise AssertionError(kind)


@dataclass(frozen=True)
class SettingEntry:
    """One setting as found in a source: where it is, its key and raw value."""

    key: Any
    value: Any
    sheet: str = ""  # 配置 sheet name, or the TOML file's name
    cell: str = ""  # the value's cell (配置!B5) or the TOML key


def build_settings(entries: Iterable[SettingEntry]) -> tuple[Settings, list[Finding]]:
    """Apply entries in order (later wins) over the defaults; collect findings.

    Blank values keep the default, except for settings where blank means "none"
    (a stage cadence, the C threshold).
    """
    findings: list[Finding] = []
    settings = Settings()
    explicit_thresholds: dict[str, Any] = {}
    scheme_cell: SettingEntry | None = None
    for entry in entries:
        if values.is_blank(entry.key):
            continue
        defn = find_definition(str(entry.key))
        if defn is None:
            findings.append(
                Finding.make(
                    entry.sheet,
                    entry.cell,
                    "unknown-setting",
                    Severity.WARNING,
                    entry.key,
                    key=entry.key,
                )
            )
            continue
        if values.is_blank(entry.value):
            if defn.optional and defn.kind == "int":
                settings = defn.put(settings, None)
            continue
        try:
            converted = _convert(defn, entry.value)
        except values.BadValue as exc:
            findings.append(
                Finding.make(
                    entry.sheet,
                    entry.cell,
                    "bad-setting",
                    Severity.ERROR,
                    entry.value,
                    key=defn.zh,
                    problem=exc.code,
                )
            )
            continue
        if defn.kind == "amount":
            explicit_thresholds[defn.toml[-1].upper()] = (converted, entry)
            continue
        if defn.kind == "scheme":
            scheme_cell = entry
        settings = defn.put(settings, converted)
    thresholds = dict(DEFAULT_THRESHOLDS[settings.tier_scheme])
    for letter, (amount, _) in explicit_thresholds.items():
        if letter in settings.tiers[:-1]:
            thresholds[letter] = amount
    settings = replace(settings, thresholds=thresholds)
    ordered = [thresholds[letter] for letter in settings.tiers[:-1]]
    if any(a <= b for a, b in itertools.pairwise(ordered)):
        where = explicit_thresholds.get(settings.tiers[1]) or next(
            iter(explicit_thresholds.values()), None
        )
        entry = where[1] if where else scheme_cell or SettingEntry("", "")
        findings.append(
            Finding.make(
                entry.sheet,
                entry.cell,
                "thresholds-not-descending",
                Severity.ERROR,
                entry.value,
                values=" > ".join(f"{v:,.0f}" for v in ordered),
            )
        )
        settings = replace(settings, thresholds=dict(DEFAULT_THRESHOLDS[settings.tier_scheme]))
    return settings, findings


def read_toml(path: Path) -> list[SettingEntry]:
    """Entries from a ``--config`` TOML file (flat keys, or one level of tables)."""
    try:
        text = tomlfix.decode(path.read_bytes())
    except FileNotFoundError as exc:
        raise SettingsError("config-missing", path=path) from exc
    except (OSError, UnicodeDecodeError) as exc:
        raise SettingsError("config-unreadable", path=path, detail=str(exc)) from exc
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise tomlfix.explain(path, text, exc) from exc
    entries: list[SettingEntry] = []

    def walk(mapping: Mapping[str, Any], prefix: str) -> None:
        for key, value in mapping.items():
            name = f"{prefix}{key}"
            if isinstance(value, dict):
                walk(value, f"{name}_")
            else:
                entries.append(SettingEntry(name, value, path.name, name))

    walk(data, "")
    return entries


def default_rows(lang: str = "zh", settings: Settings | None = None) -> list[tuple[str, str, str]]:
    """The 配置 sheet of a new workbook: (key, value as text, note) per setting (the defaults,
    or what ``settings`` says)."""
    defaults = settings or Settings()
    rows: list[tuple[str, str, str]] = []
    for defn in DEFINITIONS:
        value = defn.get(defaults)
        if value is None:
            text = ""
        elif defn.kind == "percent":
            text = f"{value:.0%}"
        elif defn.kind == "list":
            text = "，".join(value) if lang != "en" else ", ".join(value)
        elif defn.kind == "columns":
            text = _sensitive_names(value, lang)
        elif defn.kind == "clock":
            text = value.label(lang)
        elif defn.kind == "workhours":
            text = format_work_hours(value)
        elif defn.kind == "workdays":
            text = format_workdays(value, lang)
        elif defn.kind == "limit":
            text = format_limit(value, lang)
        elif defn.kind == "switch":
            text = (Switch.ON if value else Switch.OFF).label(lang)
        elif defn.kind == "yesno":
            text = (YesNo.YES if value else YesNo.NO).label(lang)
        elif isinstance(value, float) and value == int(value):
            text = str(int(value))
        else:
            text = str(value)
        key = defn.en if lang == "en" else defn.zh
        note = defn.note_en if lang == "en" else defn.note_zh
        rows.append((key, text, note))
    return rows


def _sensitive_names(keys: Iterable[str], lang: str) -> str:
    from crmxl.model.schema import SHEETS_BY_KEY

    names: list[str] = []
    for item in keys:
        sheet_key, col_key = item.split(".", 1)
        col = SHEETS_BY_KEY[sheet_key].column(col_key)
        name = col.en if lang == "en" else col.zh
        if name not in names:
            names.append(name)
    return ", ".join(names) if lang == "en" else "，".join(names)


register(
    {
        "unknown-setting": ("未知的配置项“{key}”，已忽略", "Unknown setting {key!r}, ignored"),
        "bad-setting": (
            "配置项“{key}”的值无效（{problem}），已使用默认值",
            "Bad value for setting {key!r} ({problem}); the default is used",
        ),
        "thresholds-not-descending": (
            "等级阈值必须从高到低递减：{values}",
            "Tier thresholds must descend: {values}",
        ),
        "config-missing": ("找不到配置文件 {path}", "Config file {path} not found"),
        "config-unreadable": (
            "配置文件 {path} 无法读取：{detail}",
            "Config file {path} cannot be read: {detail}",
        ),
    }
)
