"""The 说明 (Guide) sheet of a new workbook: what each sheet is for, how to read the colours,
the weekly routine, the rules in brief, and (with sample data) the problems left in on purpose.

The rules are described from the default :class:`~crmxl.model.settings.Settings`, so the guide
never disagrees with ``refresh``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from crmxl.a1 import column_letter
from crmxl.i18n import register, t
from crmxl.model import values
from crmxl.model.options import format_work_hours, format_workdays
from crmxl.model.schema import ENUMS, SHEETS, SHEETS_BY_KEY, DayKind, Pool, SheetSpec
from crmxl.model.settings import DEFAULT_THRESHOLDS, TIER_SCHEMES, Settings
from crmxl.model.textout import cell_lines
from crmxl.rules.worktime import library_years
from crmxl.starter.look import Styles, list_enum
from crmxl.starter.sample import Problem, Sample
from crmxl.workbook.newbook import NewSheet, Style


def as_of_text(moment: datetime) -> str:
    return (
        moment.strftime("%Y-%m-%d") if not values.has_time(moment) else f"{moment:%Y-%m-%d %H:%M}"
    )


def as_of_arg(moment: datetime) -> str:
    return (
        moment.strftime("%Y-%m-%d") if not values.has_time(moment) else f"{moment:%Y-%m-%dT%H:%M}"
    )


def _shell_names(files: Iterable[str]) -> str:
    return " ".join(f'"{f}"' if " " in f else f for f in files)


def _hours(h: float) -> str:
    return f"{h:g}"


_LINE_HEIGHT = 16.5


def _lines(text: str, width: int) -> int:
    """Lines ``text`` takes in a column ``width`` characters wide (a character's margin off)."""
    return cell_lines(text, width - 1)


@dataclass
class _Cursor:
    """The next free row of the guide sheet."""

    row: int = 0
    widths: list[int] = field(default_factory=lambda: [22, 62, 44])


def write_guide(
    ws: NewSheet,
    styles: Styles,
    lang: str,
    specs: list[SheetSpec],
    files: list[str],
    data: Sample | None,
    problems: list[Problem],
) -> None:
    cur = _Cursor()
    for c, width in enumerate(cur.widths):
        ws.set_column(c, c, width)
    ws.set_tab_color("#4472C4")
    ws.set_paper(9)  # A4
    ws.fit_to_pages(1, 0)
    wrap, code, label = styles.wrap, styles.code, styles.label
    s = Settings()
    settings_name = SHEETS_BY_KEY["settings"].name(lang)
    has_settings = any(spec.key == "settings" for spec in specs)

    def line(*cells: tuple[str, Style | None]) -> None:
        for c, (text, fmt) in enumerate(cells):
            if text:
                ws.write_string(cur.row, c, text, fmt)
        lines = max(
            _lines(text, cur.widths[c]) if styles.wraps(fmt) else 1
            for c, (text, fmt) in enumerate(cells)
        )
        if lines > 1:  # neither Excel nor LibreOffice grows a row for wrapped text on load
            ws.set_row(cur.row, _LINE_HEIGHT * lines)
        cur.row += 1

    def section(code_: str, **params: Any) -> None:
        cur.row += 1
        ws.write_string(cur.row, 0, t(code_, lang, **params), styles.section)
        cur.row += 1

    def table_header(*codes: str) -> None:
        line(*((t(c, lang), styles.header(False)) for c in codes))

    ws.write_string(0, 0, t("tpl-title", lang), styles.title)
    cur.row = 1
    line((t("guide-subtitle", lang), None))

    section("guide-sheets")
    table_header("guide-col-sheet", "guide-col-purpose", "guide-col-required")
    sep = ", " if lang == "en" else "、"
    for spec in specs:
        name = spec.name(lang)
        ws.write_url(cur.row, 0, f"internal:'{name}'!A1", styles.link, name)
        purpose = spec.purpose_en if lang == "en" else spec.purpose_zh
        required = sep.join(c.name(lang) for c in spec.required_columns)
        line(("", None), (purpose, wrap), (required, wrap))

    section("guide-legend")
    sample_required = next(c for c in SHEETS[0].columns if c.required)
    sample_auto = next(c for c in SHEETS[0].columns if c.auto)
    line(
        (sample_required.header(lang), styles.header(False)),
        (t("guide-legend-required", lang), wrap),
    )
    line((sample_auto.header(lang), styles.header(True)), (t("guide-legend-auto", lang), wrap))
    line((t("guide-legend-note", lang), label), (t("guide-legend-note-text", lang), wrap))
    has_lists = any(list_enum(c) for spec in specs for c in spec.columns)
    dropdown = (
        "guide-legend-dropdown-text"
        if has_settings and has_lists
        else "guide-legend-dropdown-default"
        if has_lists
        else "guide-legend-dropdown-fixed"
    )
    line(
        (t("guide-legend-dropdown", lang), label),
        (t(dropdown, lang, settings=settings_name), wrap),
    )
    placeholder = "TBC / 待核实" if lang == "en" else "待核实 / 待确认"
    line((placeholder, label), (t("guide-legend-placeholder-text", lang), wrap))
    line((t("guide-legend-values", lang), label), (t("guide-legend-values-text", lang), wrap))

    section("guide-routine")
    table_header("guide-col-who", "guide-col-command", "guide-col-effect")
    names = _shell_names(files)
    owner = data.rows["team"][3]["name"] if data and "team" in data.rows else None
    owner = owner or t("guide-example-owner", lang)
    manager = t("guide-who-manager", lang)
    for who, command, effect in (
        (manager, f"crmxl validate {names}", "guide-do-validate"),
        (manager, f"crmxl refresh {names}", "guide-do-refresh"),
        (manager, f"crmxl report {names} -o {t('guide-report-name', lang)}", "guide-do-report"),
        (manager, f"crmxl push {names} --db crm.db", "guide-do-push"),
        (manager, f"crmxl todo {names} --send", "guide-do-send"),
        (t("guide-who-everyone", lang), f"crmxl todo {names} --owner {owner}", "guide-do-todo"),
        (t("guide-who-admin", lang), f"crmxl assign {names}", "guide-do-assign"),
        (t("guide-who-admin", lang), f"crmxl assign {names} --pool", "guide-do-assign-pool"),
    ):
        line((who, wrap), (command, code), (t(effect, lang), wrap))
    log = t(
        "guide-do-log",
        lang,
        hours=_hours(s.entry_hours),
        sheet=SHEETS_BY_KEY["follow_ups"].name(lang),
        confirm=_hours(s.lead_confirm_hours),
    )
    line((t("guide-who-rep", lang), wrap), ("", None), (log, wrap))

    section("guide-rules", settings=settings_name)

    def levels(scheme: str, thresholds: dict[str, float]) -> str:
        letters = TIER_SCHEMES[scheme]
        parts = [f"{x} ≥ {values.format_amount(thresholds[x])}" for x in letters[:-1]]
        other = "other" if lang == "en" else "其他"
        parts.append(f"{letters[-1]} {other}")
        return sep.join(parts) if lang == "en" else "，".join(parts)

    tier_text = t(
        "guide-rule-tier-text",
        lang,
        levels=levels(s.tier_scheme, dict(s.thresholds)),
        top=s.tiers[0],
    )
    other_schemes = [x for x in TIER_SCHEMES if x != s.tier_scheme]
    for scheme in other_schemes:
        tier_text += (" " if lang == "en" else "") + t(
            "guide-rule-tier-abcd", lang, levels=levels(scheme, DEFAULT_THRESHOLDS[scheme])
        )
    line((t("guide-rule-tier", lang), label), (tier_text, wrap))
    day = "d" if lang == "en" else "天"
    tiers = sep.join(f"{x} {d}{day}" for x, d in s.cadence_tier.items())
    stage_enum = ENUMS["stages"]
    stages = sep.join(
        f"{stage_enum.label(st, lang)} {d}{day}" for st, d in s.cadence_stage.items() if d
    )
    line(
        (t("guide-rule-cadence", lang), label),
        (t("guide-rule-cadence-text", lang, tiers=tiers, stages=stages), wrap),
    )
    line(
        (t("guide-rule-status", lang), label),
        (t("guide-rule-status-text", lang, days=s.due_soon_days), wrap),
    )
    line(
        (t("guide-rule-stage", lang), label),
        (t("guide-rule-stage-text", lang, months=s.churn_months), wrap),
    )
    kinds = ENUMS["issue_types"]
    sla = "\n".join(
        t(
            "guide-rule-sla-text",
            lang,
            kind=kinds.label(kind, lang),
            response=_hours(hours[0]),
            plan=_hours(hours[1]),
        )
        for kind, hours in s.sla_hours.items()
    )
    line(
        (t("guide-rule-sla", lang), label),
        (f"{sla}\n{t('guide-rule-sla-soon', lang)}", wrap),
    )
    limits = t(
        "guide-rule-limits-text",
        lang,
        record=_hours(s.record_hours),
        entry=_hours(s.entry_hours),
        need=s.need_follow_up_days,
        lead=_hours(s.lead_confirm_hours),
        remind=s.reminder_days,
    )
    line((t("guide-rule-limits", lang), label), (limits, wrap))
    line((t("guide-rule-churn", lang), label), (t("guide-rule-churn-text", lang), wrap))
    line((t("guide-rule-leads", lang), label), (t("guide-rule-leads-text", lang), wrap))
    worktime = t(
        "guide-rule-worktime-text",
        lang,
        hours=format_work_hours(s.work_hours),
        days=format_workdays(s.workdays, lang),
        last=max(library_years()),
        holidays=SHEETS_BY_KEY["holidays"].name(lang),
        off=DayKind.OFF.label(lang),
        on=DayKind.WORK.label(lang),
    )
    line((t("guide-rule-worktime", lang), label), (worktime, wrap))
    pool_days = sep.join(f"{x} {d}{day}" for x, d in s.pool_days.items())
    pool = t(
        "guide-rule-pool-text",
        lang,
        days=pool_days,
        protect=s.protect_days,
        cooldown=s.cooldown_days,
        pool=Pool.POOL.label(lang),
    )
    line((t("guide-rule-pool", lang), label), (pool, wrap))

    if data is not None:
        section("guide-sample")
        intro = t(
            "guide-sample-text",
            lang,
            as_of=as_of_text(data.as_of),
            files=names,
            as_of_arg=as_of_arg(data.as_of),
        )
        if problems:
            intro += "\n" + t("guide-sample-problems", lang)
        ws.merge_range(cur.row, 0, cur.row, 2, intro, wrap)
        ws.set_row(cur.row, _LINE_HEIGHT * _lines(intro, sum(cur.widths)))
        cur.row += 1
        if not problems:
            return
        table_header("guide-col-where", "guide-col-problem", "guide-col-severity")
        for problem in problems:
            line(
                (problem_cell(problem, lang), label),
                (problem.describe(lang), wrap),
                (t(f"guide-severity-{problem.severity}", lang), label),
            )


def problem_cell(problem: Problem, lang: str) -> str:
    """``客户档案!B20``: where a sample problem sits in the workbook."""
    spec = SHEETS_BY_KEY[problem.sheet]
    index = spec.keys.index(problem.column) + 1
    return f"{spec.name(lang)}!{column_letter(index)}{problem.row + 2}"


register(
    {
        "guide-subtitle": (
            "由 crmxl init 生成。工作表按名称识别，列的顺序可以调整，也可以增加自己的列（crmxl 不会改动它们）。",
            "Made by crmxl init. Sheets are found by name; columns may be reordered, and columns of your own are never touched.",
        ),
        "guide-sheets": ("一、各工作表的用途", "1. What each sheet is for"),
        "guide-col-sheet": ("工作表", "Sheet"),
        "guide-col-purpose": ("用途", "Purpose"),
        "guide-col-required": ("必填列", "Required columns"),
        "guide-legend": ("二、怎么填", "2. How to fill it in"),
        "guide-legend-required": ("带 * 的列必须填写。", "Columns marked * are required."),
        "guide-legend-auto": (
            "灰色列由 crmxl refresh 自动计算，请勿手工修改，每次刷新都会重写。",
            "Grey columns are computed by crmxl refresh; do not edit them, every refresh rewrites them.",
        ),
        "guide-legend-note": ("表头批注", "Header notes"),
        "guide-legend-note-text": (
            "表头右上角有红色小三角的，鼠标移上去可看填写说明。",
            "Headers with a red corner carry a note: hover to read it.",
        ),
        "guide-legend-dropdown": ("下拉选项", "Dropdowns"),
        "guide-legend-dropdown-text": (
            "行业、区域和手动等级的选项来自“{settings}”表（行业列表、区域列表、分级方案），改“{settings}”表即可更新下拉选项；其他选项是固定的。",
            "Industry, region and tier options come from the {settings} sheet (Industries, Regions, Tier Scheme): edit it and the dropdowns follow. Other lists are fixed.",
        ),
        "guide-legend-dropdown-default": (
            "本工作簿没有“{settings}”表，行业和区域下拉为默认列表。",
            "This workbook has no {settings} sheet; industry and region dropdowns list the defaults.",
        ),
        "guide-legend-dropdown-fixed": (
            "带下拉箭头的列请从列表中选择。",
            "Columns with a dropdown arrow: pick from the list.",
        ),
        "guide-legend-placeholder-text": (
            "暂不确定的信息填“待核实”或“待确认”，检查时只提示、不算错误。",
            "Write TBC or 待核实 for what you do not know yet: a warning, not an error.",
        ),
        "guide-legend-values": ("日期和金额", "Dates and amounts"),
        "guide-legend-values-text": (
            "日期可写 2026-11-20、2026/11/20 或 2026年11月20日；金额可写 1200000、¥1,200,000 或 120万。",
            "Dates as 2026-11-20, 2026/11/20 or 2026年11月20日; amounts as 1200000, ¥1,200,000 or 120万.",
        ),
        "guide-routine": ("三、每周例行", "3. The weekly routine"),
        "guide-col-who": ("谁、何时", "Who, when"),
        "guide-col-command": ("命令", "Command"),
        "guide-col-effect": ("作用", "What it does"),
        "guide-who-manager": ("经理，每周", "Manager, weekly"),
        "guide-who-everyone": ("每人，每天", "Everyone, daily"),
        "guide-who-admin": ("管理员，每天 9:00 前", "Admin, daily before 9:00"),
        "guide-who-rep": ("销售专员", "Sales reps"),
        "guide-do-validate": (
            "检查所有表的数据问题，每个问题给出单元格位置",
            "Check every sheet; each problem names its cell",
        ),
        "guide-do-refresh": (
            "重新计算灰色列：等级、跟进状态、逾期、SLA、流失风险",
            "Recompute the grey columns: tier, follow-up status, overdue, SLA, churn risk",
        ),
        "guide-do-report": (
            "生成周报：关键指标、图表、各负责人的逾期清单",
            "Write the weekly report: KPIs, charts, overdue lists by owner",
        ),
        "guide-do-push": (
            "写入数据库（默认 SQLite）：每个工作表一张表，并记录客户快照，供趋势分析",
            "Push into a database (SQLite by default): a table a sheet, and a snapshot for trends",
        ),
        "guide-do-send": (
            "把每人的待办发邮件或发到企业微信/钉钉群（设置见“配置”）",
            "Send each owner's agenda by e-mail or to the WeCom/DingTalk group (see Settings)",
        ),
        "guide-do-todo": (
            "个人待办：到期和逾期的跟进、快超时的问题、待确认的线索、生日",
            "Personal agenda: follow-ups due, issues near their deadline, leads to confirm, birthdays",
        ),
        "guide-do-assign": (
            "按“区域优先、行业匹配”分配新线索",
            "Assign new leads, region first, then industry",
        ),
        "guide-do-log": (
            "每次沟通后 {hours} 小时内在“{sheet}”表加一行；收到线索后 {confirm} 小时内确认",
            "Add a row to {sheet} within {hours:~hour|hours} of each conversation; confirm a lead within {confirm:~hour|hours}",
        ),
        "guide-report-name": ("周报-日期.xlsx", "weekly-report-DATE.xlsx"),
        "guide-example-owner": ("张三", "张三"),
        "guide-rules": (
            "四、规则速览（默认值，可在“{settings}”表修改）",
            "4. The rules in brief (defaults; change them in the {settings} sheet)",
        ),
        "guide-rule-tier": ("客户等级", "Customer tier"),
        "guide-rule-tier-text": (
            "按近12个月成交额：{levels}；行业头部客户直接为 {top} 级；填了“手动等级”以手动为准。",
            "By the last 12 months' deals: {levels}; an industry leader is tier {top}; a Tier Override wins.",
        ),
        "guide-rule-tier-abcd": (
            "改用 ABCD 方案时：{levels}。",
            "With the ABCD scheme: {levels}.",
        ),
        "guide-rule-cadence": ("跟进周期", "Follow-up cadence"),
        "guide-rule-cadence-text": (
            "{tiers}；{stages}；两者取较短。没有沟通记录的新客户，首次接触后 1 天内联系。流失客户无需跟进。",
            "{tiers}; {stages}; the shorter applies. A new customer with no conversation yet: within 1 day of first contact. Lost customers: none.",
        ),
        "guide-rule-status": ("跟进状态", "Follow-up status"),
        "guide-rule-status-text": (
            "下次跟进日期已过为“逾期”，当天为“今日到期”，{days} 天内为“即将到期”，其余“正常”。",
            "Past the next date: Overdue; on it: Due Today; within {days:~day|days}: Due Soon; else OK.",
        ),
        "guide-rule-stage": ("阶段变化", "Stage moves"),
        "guide-rule-stage-text": (
            "潜在、意向客户有签约记录时改为“成交”；合作终止超过 {months} 个月改为“流失”。其他阶段由你决定。",
            "A prospect or interested customer with a signed deal becomes a customer; {months:~month|months} after termination, lost. Other stages are yours.",
        ),
        "guide-rule-sla": ("问题处理时限", "Issue deadlines (SLA)"),
        "guide-rule-sla-text": (
            "{kind}：{response} 小时内响应，{plan} 小时内给出方案",
            "{kind}: respond within {response} h, plan within {plan} h",
        ),
        "guide-rule-sla-soon": (
            "剩余时间不足时限的 25% 为“即将超时”。",
            "Less than 25% of the time left: Due Soon.",
        ),
        "guide-rule-limits": ("其他时限", "Other limits"),
        "guide-rule-limits-text": (
            "首次接触后 {record} 小时内建档；沟通后 {entry} 小时内录入；方案提交后 {need} 天内跟进反馈；线索分配后 {lead} 小时内确认；生日和司庆提前 {remind} 天提醒。",
            "Record a customer within {record} h of first contact; log a conversation within {entry} h; chase a proposal within {need:~day|days}; confirm a lead within {lead} h; birthdays and anniversaries {remind:~day|days} ahead.",
        ),
        "guide-rule-churn": ("流失风险", "Churn risk"),
        "guide-rule-churn-text": (
            "高：逾期超过一个跟进周期、投诉超时未处理、决策人离职、等级下降；中：逾期、有未关闭的问题、成交客户12个月无交易；其余为低。",
            "High: overdue by more than one cadence, a complaint past its deadline, the decision maker left, tier fell. Medium: overdue, an open issue, a customer with no deal in 12 months. Else low.",
        ),
        "guide-rule-leads": ("线索分配", "Lead assignment"),
        "guide-do-assign-pool": (
            "启用公海规则时：把公海客户按同样的规则分给销售专员（原负责人冷却期内不分回）",
            "With the public pool on: hand the pool's customers out by the same rules (never "
            "back to the former owner within the cool-down)",
        ),
        "guide-rule-worktime": ("工作时间", "Working time"),
        "guide-rule-worktime-text": (
            "配置中的 SLA计时、建档计时、录入计时 默认按自然时；改为“工作时”后只计工作日的 {hours}"
            "（工作日：{days}）。法定节假日和调休按国务院安排（内置至 {last} 年）；“{holidays}”表可逐日补充"
            "或覆盖（类型填“{off}”或“{on}”），内置库和该表都未覆盖的年份只按周末计算并给出提示。"
            "建档时限、录入时限也可写“2个工作日”：截止到首次接触（沟通）后第2个工作日下班。",
            "The SLA Clock, Record Clock and Entry Clock settings count calendar time by default; "
            "set to working time they count only {hours} on working days ({days}). Public "
            "holidays and make-up days follow the State Council's schedule (built in up to "
            "{last}); the {holidays} sheet adds or overrides days one by one (Type {off} or {on}); "
            "a year neither covers counts weekends only, with a warning. The record and entry "
            "limits may also read '2 working days': due at the close of the 2nd working day after.",
        ),
        "guide-rule-pool": ("公海规则", "Public pool"),
        "guide-rule-pool-text": (
            "公海规则默认停用。启用后，潜在、意向客户超过公海天数（{days}）无跟进，refresh 将其退回公海："
            "负责人改为“{pool}”，记下原负责人和入公海日期；分配或认领后 {protect} 天内不退回。"
            "销售专员在负责人填上自己的名字即认领，原负责人 {cooldown} 天内不能认领。",
            "Off by default. When on, a prospect or interested customer without a follow-up for "
            "longer than the pool days ({days}) is returned by refresh: its owner becomes "
            "{pool}, with the former owner and the date kept; none returns within {protect:~day|days} "
            "of being assigned or claimed. A rep claims one by typing their name as its owner; "
            "the former owner cannot for {cooldown:~day|days}.",
        ),
        "guide-rule-leads-text": (
            "分给在岗、负责该区域的销售专员，优先擅长该行业的，其次未结线索最少的；达到线索上限的不再分配；电话或公司名与现有客户相同的标为重复。",
            "To an active sales rep covering the region, preferring the lead's industry, then the fewest open leads; none beyond a rep's cap; a lead matching a customer's phone or name is flagged as a duplicate.",
        ),
        "guide-sample": ("五、示例数据", "5. The sample data"),
        "guide-sample-text": (
            "示例数据以 {as_of} 为基准生成，日期都相对这一时刻；用 crmxl refresh {files} --as-of {as_of_arg} 可重现示例中的各种状态。",
            "The sample data is built as of {as_of} and every date is relative to it; run crmxl refresh {files} --as-of {as_of_arg} to see the states it was made to show.",
        ),
        "guide-sample-problems": (
            "下列问题是故意留下的，crmxl validate 应当指出它们：",
            "These problems are deliberate; crmxl validate should report them:",
        ),
        "guide-col-where": ("位置", "Where"),
        "guide-col-problem": ("问题", "Problem"),
        "guide-col-severity": ("级别", "Severity"),
        "guide-severity-error": ("错误", "error"),
        "guide-severity-warning": ("提示", "warning"),
    }
)
