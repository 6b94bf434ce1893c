"""``crmxl init``: new workbooks, written with xlsxwriter, and the bundled ``templates/``.

A new workbook holds the standard sheets of :mod:`crmxl.model.schema` in schema order, after a guide
sheet (说明 / Guide) that tells a new team what each sheet is for, how to read the colours, the
weekly routine and the rules in brief (read from the default :class:`~crmxl.model.settings.Settings`,
so the guide never disagrees with ``refresh``). Each data sheet has its headers with ``*`` and
``(自动)`` markers, a frozen header row, an autofilter, column widths and number formats, grey
(auto) columns and dropdowns.

Where the dropdown lists live:

* fixed enumerations (stages, sources, statuses ...) are inline lists in the validation itself,
  in the workbook's language;
* the lists a team edits (行业列表, 区域列表 and the letters of 分级方案) stay in the 配置 sheet,
  one comma-separated cell each, as the settings reader expects. A hidden sheet (下拉选项 /
  Dropdowns) splits those cells into one item a row with ordinary formulas (INDEX/MATCH, MID,
  SUBSTITUTE), and the defined names ``crmxl_industries``, ``crmxl_regions`` and ``crmxl_tiers``
  (OFFSET over the non-blank items) feed the validations. Editing 配置 changes the dropdowns in
  Excel, WPS and LibreOffice, with no macro. A workbook without 配置 (``--sheets`` without it)
  gets inline lists of the defaults instead.

All validations allow blanks and use the *warning* style: a value off the list asks "continue?"
rather than refusing, because the reader accepts aliases (``A级``, ``Y``) and the placeholders
``待核实``/``待确认`` that the manuals ask for.

Output is deterministic: fixed document properties (created = ``as_of`` or
:data:`TEMPLATE_CREATED`), and xlsxwriter's fixed zip timestamps. Workbooks are written to a
temporary file in the target folder and moved into place, so a failure leaves nothing behind.
"""

from __future__ import annotations

import argparse
import math
import os
import tempfile
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time
from pathlib import Path
from typing import Any

import xlsxwriter
from xlsxwriter.exceptions import FileCreateError
from xlsxwriter.format import Format
from xlsxwriter.workbook import Workbook
from xlsxwriter.worksheet import Worksheet

from crmxl.a1 import column_letter
from crmxl.errors import UsageError, WriteRefusedError
from crmxl.i18n import normalize_lang, register, t
from crmxl.model import values
from crmxl.model.schema import (
    ENUMS,
    GUIDE_NAMES,
    SEPARATE_FILE_NAMES,
    SEPARATE_FILES,
    SHEETS,
    SHEETS_BY_KEY,
    ColType,
    Column,
    SheetSpec,
    fold,
    match_sheet,
)
from crmxl.model.settings import (
    DEFAULT_THRESHOLDS,
    DEFINITIONS,
    TIER_SCHEMES,
    SettingDef,
    Settings,
    default_rows,
)
from crmxl.starter.sample import SAMPLE_AS_OF, Problem, Sample, build_sample, write_leads_csv
from crmxl.workbook.fileops import replace_file
from crmxl.workbook.save import check_not_open

#: Document "created" date of workbooks made without ``as_of`` (the bundled templates).
TEMPLATE_CREATED = datetime(2026, 1, 1)
#: Data rows that carry validations (row 2 to row DATA_ROWS + 1).
DATA_ROWS = 5000
#: The hidden sheet that turns the 配置 lists into dropdown ranges (zh, en).
LISTS_NAMES = ("下拉选项", "Dropdowns")
#: Defined names of the settings-driven dropdown lists, by enumeration key.
LIST_NAMES = {"industries": "crmxl_industries", "regions": "crmxl_regions", "tiers": "crmxl_tiers"}
LIST_SLOTS = 60  # items a list may have
_PAD = 100  # characters an item may have (the split pads each separator to this width)

HEADER_FILL = "#DDEBF7"
AUTO_HEADER_FILL = "#D9D9D9"
AUTO_FILL = "#F2F2F2"
BORDER = "#BFBFBF"
NUM_FORMATS: dict[ColType, str] = {
    ColType.ID: "@",
    ColType.PHONE: "@",
    ColType.MONTHDAY: "@",  # 03-05 typed into a General cell would become a date
    ColType.DATE: "yyyy-mm-dd",
    ColType.DATETIME: "yyyy-mm-dd hh:mm",
    ColType.AMOUNT: "#,##0",
    ColType.INT: "0",
    ColType.NUMBER: "0.0",
}
#: Text columns whose values are often long digit strings (a WeChat ID is often the mobile).
TEXT_FORMAT_KEYS = frozenset({("contacts", "wechat")})
DATE_FORMAT = NUM_FORMATS[ColType.DATE]
#: Placeholders as an English workbook spells them.
PLACEHOLDERS_EN = {"待核实": "TBC", "待确认": "TBD"}
_SETTINGS_FORMATS = {"amount": "#,##0", "percent": "0%"}


register(
    {
        "init-exists": (
            "{path} 已存在，未覆盖（确需覆盖请加 --overwrite）",
            "{path} already exists; not overwritten (add --overwrite to replace it)",
        ),
        "init-suffix": (
            "新工作簿须以 .xlsx 结尾：{path}",
            "A new workbook must end in .xlsx: {path}",
        ),
        "init-unknown-sheet": (
            "没有名为“{name}”的标准工作表；可选：{known}",
            "No standard sheet named {name!r}; choose from: {known}",
        ),
        "init-write-failed": ("无法写入 {path}：{detail}", "Cannot write {path}: {detail}"),
        "init-no-sheets": ("没有选择任何工作表", "No sheets chosen"),
        "init-created": ("已创建 {path}：{sheets}", "Created {path}: {sheets}"),
        "init-rows": ("{sheet}（{rows} 行）", "{sheet} ({rows} rows)"),
        "init-sample": (
            "示例数据基准时间 {as_of}；故意留下 {problems} 处问题，见“说明”表",
            "Sample data as of {as_of}; {problems} deliberate problems, listed in the Guide sheet",
        ),
        "init-sample-clean": ("示例数据基准时间 {as_of}", "Sample data as of {as_of}"),
        "tpl-title": ("crmxl 客户管理工作簿", "crmxl customer workbook"),
        "tpl-auto-note": (
            "自动计算：由 crmxl refresh 填写，请勿手工修改。",
            "Computed by crmxl refresh; do not edit.",
        ),
        "tpl-dv-title": ("不在下拉选项中", "Not in the list"),
        "tpl-dv-list": (
            "“{column}”请从下拉列表中选择。\n确需填写其他内容（如“待核实”）时，点“是”保留。",
            "Pick {column} from the dropdown.\nTo keep another value (such as TBC), click Yes.",
        ),
        "tpl-dv-int": (
            "“{column}”应为 {low} 到 {high} 之间的整数。",
            "{column} should be a whole number from {low} to {high}.",
        ),
        "tpl-dv-int-min": (
            "“{column}”应为不小于 {low} 的整数。",
            "{column} should be a whole number of at least {low}.",
        ),
        "tpl-lists-note": (
            "本表由 crmxl 生成，为下拉列表服务：内容取自“{settings}”表，请到“{settings}”表修改，不要编辑本表。",
            "Made by crmxl for the dropdowns: it reads the {settings} sheet. Edit {settings}, not this sheet.",
        ),
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
            "Add a row to {sheet} within {hours} hours of each conversation; confirm a lead within {confirm} hour(s)",
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
            "Past the next date: Overdue; on it: Due Today; within {days} days: Due Soon; else OK.",
        ),
        "guide-rule-stage": ("阶段变化", "Stage moves"),
        "guide-rule-stage-text": (
            "潜在、意向客户有签约记录时改为“成交”；合作终止超过 {months} 个月改为“流失”。其他阶段由你决定。",
            "A prospect or interested customer with a signed deal becomes a customer; {months} months after termination, lost. Other stages are yours.",
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
            "Record a customer within {record} h of first contact; log a conversation within {entry} h; chase a proposal within {need} days; confirm a lead within {lead} h; birthdays and anniversaries {remind} day(s) ahead.",
        ),
        "guide-rule-churn": ("流失风险", "Churn risk"),
        "guide-rule-churn-text": (
            "高：逾期超过一个跟进周期、投诉超时未处理、决策人离职、等级下降；中：逾期、有未关闭的问题、成交客户12个月无交易；其余为低。",
            "High: overdue by more than one cadence, a complaint past its deadline, the decision maker left, tier fell. Medium: overdue, an open issue, a customer with no deal in 12 months. Else low.",
        ),
        "guide-rule-leads": ("线索分配", "Lead assignment"),
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


# ------------------------------------------------------------------------------ the result


@dataclass(frozen=True)
class InitResult:
    """What ``init`` wrote: the file, its sheets in tab order and the data rows of each."""

    path: Path
    lang: str
    sheets: tuple[str, ...]
    rows: dict[str, int]
    sample: bool = False
    as_of: datetime | None = None
    problems: int = 0
    hidden_sheets: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        """The result as ``--json`` prints it."""
        return {
            "path": str(self.path),
            "lang": self.lang,
            "sheets": [{"name": s, "rows": self.rows.get(s, 0)} for s in self.sheets],
            "hidden_sheets": list(self.hidden_sheets),
            "sample": self.sample,
            "as_of": self.as_of.isoformat(sep=" ") if self.as_of else None,
            "deliberate_problems": self.problems,
        }

    def render(self, lang: str = "zh") -> str:
        """A short summary for people."""
        sep = ", " if normalize_lang(lang) == "en" else "、"
        parts = [
            t("init-rows", lang, sheet=s, rows=self.rows[s]) if self.rows.get(s) else s
            for s in self.sheets
        ]
        lines = [t("init-created", lang, path=self.path, sheets=sep.join(parts))]
        if self.sample and self.as_of:
            code = "init-sample" if self.problems else "init-sample-clean"
            lines.append(t(code, lang, as_of=_as_of_text(self.as_of), problems=self.problems))
        return "\n".join(lines)


# ------------------------------------------------------------------------------ public API


def init_workbook(
    path: Path,
    *,
    lang: str = "zh",
    sample: bool = False,
    sheets: Sequence[str] | None = None,
    as_of: datetime | None = None,
    overwrite: bool = False,
) -> InitResult:
    """Write a new workbook at ``path`` with the standard sheets (all, or ``sheets``).

    ``sheets`` are sheet keys or names in either language (``客户档案``, ``Customers``,
    ``customers``; ``"客户档案,联系人"`` also works). The guide sheet is always added. With
    ``sample`` the sheets are filled with the demo data of :mod:`crmxl.starter.sample` as of ``as_of``
    (default now). Refuses to replace an existing file unless ``overwrite``.
    """
    lang = normalize_lang(lang)
    path = Path(path)
    specs = _select(sheets)
    _check_target(path, overwrite)
    data = _make_sample(as_of) if sample else None
    return _write(path, specs, lang, data, as_of, [path.name])


def init_separate(
    folder: Path,
    *,
    lang: str = "zh",
    sample: bool = False,
    as_of: datetime | None = None,
    overwrite: bool = False,
) -> list[InitResult]:
    """Write the manual's three files into ``folder``: customer file, needs list, issue tracker.

    Nothing is written when any of the three exists (unless ``overwrite``).
    """
    lang = normalize_lang(lang)
    folder = Path(folder)
    targets = [(key, folder / f"{separate_name(key, lang)}.xlsx") for key in SEPARATE_FILES]
    for _, target in targets:
        _check_target(target, overwrite)
    data = _make_sample(as_of) if sample else None
    names = [target.name for _, target in targets]
    results = []
    for key, target in targets:
        specs = [SHEETS_BY_KEY[k] for k in SEPARATE_FILES[key]]
        results.append(_write(target, specs, lang, data, as_of, names))
    return results


def separate_name(key: str, lang: str) -> str:
    """The file stem of one of the manual's separate files (``客户档案``, ``customer-file``)."""
    zh, en = SEPARATE_FILE_NAMES[key]
    return en if normalize_lang(lang) == "en" else zh


def regenerate_bundled(root: Path) -> None:
    """Rewrite ``templates/`` and ``sample_data/`` under ``root`` from what ``init`` makes now."""
    root = Path(root)
    for lang in ("zh", "en"):
        folder = root / "templates" / lang
        folder.mkdir(parents=True, exist_ok=True)
        init_workbook(folder / "crm.xlsx", lang=lang, overwrite=True)
        init_separate(folder, lang=lang, overwrite=True)
    (root / "templates" / "README.md").write_text(_templates_readme(), encoding="utf-8")
    data_dir = root / "sample_data"
    data_dir.mkdir(parents=True, exist_ok=True)
    result = init_workbook(
        data_dir / "crm-sample.xlsx", sample=True, as_of=SAMPLE_AS_OF, overwrite=True
    )
    write_leads_csv(data_dir / "leads.csv", "utf-8-sig", SAMPLE_AS_OF)
    write_leads_csv(data_dir / "leads-gbk.csv", "gbk", SAMPLE_AS_OF)
    sample = build_sample(SAMPLE_AS_OF)
    (data_dir / "README.md").write_text(_sample_readme(sample, result), encoding="utf-8")


# ------------------------------------------------------------------------------ choosing


def _select(sheets: Sequence[str] | None) -> list[SheetSpec]:
    """The sheets to write, in schema order."""
    if sheets is None:
        return list(SHEETS)
    wanted: set[str] = set()
    guide = {fold(n) for n in GUIDE_NAMES}
    for item in sheets:
        for name in values.parse_list(item):
            spec = SHEETS_BY_KEY.get(name) or match_sheet(name)
            if spec is None:
                if fold(name) in guide:
                    continue
                known = ", ".join(f"{s.zh}/{s.en}" for s in SHEETS)
                raise UsageError("init-unknown-sheet", name=name, known=known)
            wanted.add(spec.key)
    if not wanted:
        raise UsageError("init-no-sheets")
    return [s for s in SHEETS if s.key in wanted]


def _check_target(path: Path, overwrite: bool) -> None:
    if path.suffix.lower() != ".xlsx":
        raise UsageError("init-suffix", path=path)
    check_not_open(path)
    if path.exists() and not overwrite:
        raise WriteRefusedError("init-exists", path=path)


def _make_sample(as_of: datetime | None) -> Sample:
    return build_sample(as_of)


# ------------------------------------------------------------------------------ styles


class _Styles:
    """xlsxwriter formats, made once per workbook and shared by equal properties."""

    def __init__(self, wb: Workbook) -> None:
        self.wb = wb
        self._cache: dict[tuple[tuple[str, Any], ...], Format] = {}

    def get(self, **props: Any) -> Format:
        key = tuple(sorted(props.items()))
        fmt = self._cache.get(key)
        if fmt is None:
            fmt = self.wb.add_format(dict(props))
            self._cache[key] = fmt
        return fmt

    def cell(self, num_format: str | None, auto: bool) -> Format | None:
        props: dict[str, Any] = {}
        if num_format:
            props["num_format"] = num_format
        if auto:
            props["bg_color"] = AUTO_FILL
        return self.get(**props) if props else None

    def header(self, auto: bool) -> Format:
        return self.get(
            bold=True,
            bg_color=AUTO_HEADER_FILL if auto else HEADER_FILL,
            border=1,
            border_color=BORDER,
            text_wrap=True,
            valign="vcenter",
        )

    @property
    def title(self) -> Format:
        return self.get(bold=True, font_size=16)

    @property
    def section(self) -> Format:
        return self.get(bold=True, font_size=12, bottom=1, bottom_color=BORDER)

    @property
    def wrap(self) -> Format:
        return self.get(text_wrap=True, valign="top")

    @property
    def label(self) -> Format:
        return self.get(valign="top")

    @property
    def code(self) -> Format:
        return self.get(font_name="Consolas", text_wrap=True, valign="top")

    @property
    def link(self) -> Format:
        return self.get(font_color="#0563C1", underline=1, valign="top")


#: Public name of the shared-format cache (``split`` writes its workbooks with it).
Styles = _Styles


def column_format(spec: SheetSpec, col: Column) -> str | None:
    """The number format a template gives ``col`` (None: General)."""
    if (spec.key, col.key) in TEXT_FORMAT_KEYS:
        return "@"
    return NUM_FORMATS.get(col.type)


# ------------------------------------------------------------------------------ writing


def _write(
    path: Path,
    specs: list[SheetSpec],
    lang: str,
    data: Sample | None,
    as_of: datetime | None,
    files: list[str],
) -> InitResult:
    """Build the workbook in a temporary file beside ``path``, then move it into place, so a
    failure never leaves a half-written workbook (or a damaged old one) behind."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp_name = tempfile.mkstemp(prefix=".crmxl-", suffix=".xlsx", dir=path.parent)
    except OSError as exc:
        raise WriteRefusedError("init-write-failed", path=path, detail=exc.strerror) from exc
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        result = _build(tmp, path, specs, lang, data, as_of, files)
        umask = os.umask(0)
        os.umask(umask)
        tmp.chmod(0o666 & ~umask)  # mkstemp makes it private; a workbook is an ordinary file
        replace_file(tmp, path)  # retried while another program holds it (Windows)
    except (OSError, FileCreateError) as exc:
        detail = exc.strerror if isinstance(exc, OSError) else str(exc)
        raise WriteRefusedError("init-write-failed", path=path, detail=detail) from exc
    finally:
        tmp.unlink(missing_ok=True)
    return result


def _build(
    target: Path,
    final: Path,
    specs: list[SheetSpec],
    lang: str,
    data: Sample | None,
    as_of: datetime | None,
    files: list[str],
) -> InitResult:
    wb = xlsxwriter.Workbook(
        str(target),
        {"strings_to_formulas": False, "strings_to_urls": False, "strings_to_numbers": False},
    )
    created = data.as_of if data else (as_of or TEMPLATE_CREATED)
    wb.set_properties(
        {
            "title": t("tpl-title", lang),
            "author": "crmxl",
            "company": "",
            "comments": "crmxl init",
            "created": created,
        }
    )
    styles = _Styles(wb)
    keys = {s.key for s in specs}
    has_settings = "settings" in keys
    problems = [p for p in data.problems if p.sheet in keys] if data else []
    guide = wb.add_worksheet(GUIDE_NAMES[1] if lang == "en" else GUIDE_NAMES[0])
    rows: dict[str, int] = {}
    for spec in specs:
        ws = wb.add_worksheet(spec.name(lang))
        if spec.key == "settings":
            rows[spec.name(lang)] = _write_settings(ws, styles, spec, lang)
        else:
            records = data.rows.get(spec.key, []) if data else []
            rows[spec.name(lang)] = _write_data_sheet(ws, styles, spec, lang, records, has_settings)
    hidden: tuple[str, ...] = ()
    if has_settings and any(_list_enum(c) for s in specs for c in s.columns):
        hidden = (_write_lists(wb, styles, lang),)
    _write_guide(guide, styles, lang, specs, files, data, problems)
    wb.close()
    names = (guide.name, *(s.name(lang) for s in specs))
    return InitResult(
        final,
        lang,
        names,
        rows,
        sample=data is not None,
        as_of=data.as_of if data else as_of,
        problems=len(problems),
        hidden_sheets=hidden,
    )


def _header_note(col: Column, lang: str) -> str:
    note = col.note_en if lang == "en" else col.note_zh
    if col.auto:
        note = f"{note}\n{t('tpl-auto-note', lang)}" if note else t("tpl-auto-note", lang)
    return note


def _write_headers(ws: Worksheet, styles: _Styles, spec: SheetSpec, lang: str) -> None:
    for c, col in enumerate(spec.columns):
        ws.set_column(c, c, col.width, styles.cell(column_format(spec, col), col.auto))
        ws.write_string(0, c, col.header(lang), styles.header(col.auto))
        note = _header_note(col, lang)
        if note:
            ws.write_comment(0, c, note, {"author": "crmxl", "x_scale": 1.5, "y_scale": 0.7})
    ws.freeze_panes(1, 0)
    ws.repeat_rows(0)
    ws.set_landscape()
    ws.set_paper(9)  # A4


def _write_data_sheet(
    ws: Worksheet,
    styles: _Styles,
    spec: SheetSpec,
    lang: str,
    records: list[dict[str, Any]],
    has_settings: bool,
) -> int:
    _write_headers(ws, styles, spec, lang)
    for r, record in enumerate(records, start=1):
        for c, col in enumerate(spec.columns):
            _write_value(ws, styles, r, c, spec, col, record.get(col.key), lang)
    ws.autofilter(0, 0, len(records), len(spec.columns) - 1)
    for c, col in enumerate(spec.columns):
        options = validation(col, lang, has_settings)
        if options:
            ws.data_validation(1, c, DATA_ROWS, c, options)
    return len(records)


def _write_value(
    ws: Worksheet,
    styles: _Styles,
    r: int,
    c: int,
    spec: SheetSpec,
    col: Column,
    value: Any,
    lang: str,
) -> None:
    """One typed cell: dates as dates, numbers as numbers, enums in the workbook's language."""
    if value is None or (isinstance(value, str) and value == ""):
        return
    fmt = column_format(spec, col)
    if isinstance(value, datetime | date):
        moment = value if isinstance(value, datetime) else datetime.combine(value, time())
        if col.type not in (ColType.DATE, ColType.DATETIME):
            fmt = DATE_FORMAT
        ws.write_datetime(r, c, moment, styles.cell(fmt, col.auto))
    elif isinstance(value, bool):
        raise TypeError(f"{spec.key}.{col.key}: write 是/否, not a bool")
    elif isinstance(value, int | float):
        if col.type == ColType.PHONE:
            fmt = "0"  # a phone stored as a number: never E-notation
        ws.write_number(r, c, value, styles.cell(fmt, col.auto))
    else:
        ws.write_string(r, c, localize(col, str(value), lang), styles.cell(fmt, col.auto))


def localize(col: Column, value: str, lang: str) -> str:
    """A canonical value as the workbook's language writes it (enum labels, placeholders)."""
    if lang != "en":
        return value
    enum_key = "yesno" if col.type == ColType.YESNO else col.enum
    if enum_key in ENUMS and value in ENUMS[enum_key].zh:
        return ENUMS[enum_key].label(value, lang)
    return PLACEHOLDERS_EN.get(value, value)


def _list_enum(col: Column) -> str | None:
    """The settings-driven list a column's dropdown uses, if any."""
    if col.auto or col.type != ColType.ENUM:
        return None
    return col.enum if col.enum in LIST_NAMES else None


def dropdown_values(col: Column, lang: str, settings: Settings | None = None) -> tuple[str, ...]:
    """The values a column's dropdown offers in a new workbook (empty: no dropdown)."""
    settings = settings or Settings()
    if col.auto:
        return ()
    if col.type == ColType.YESNO:
        return tuple(ENUMS["yesno"].label(v, lang) for v in ENUMS["yesno"].zh)
    if col.type != ColType.ENUM or col.enum is None:
        return ()
    listed = settings.enum_values(col.enum)
    if listed is not None:
        return listed
    return tuple(ENUMS[col.enum].label(v, lang) for v in ENUMS[col.enum].zh)


def validation(col: Column, lang: str, has_settings: bool) -> dict[str, Any] | None:
    """The xlsxwriter data-validation options for ``col``, or None."""
    name = col.name(lang)
    common = {"ignore_blank": True, "error_type": "warning", "error_title": t("tpl-dv-title", lang)}
    options = dropdown_values(col, lang)
    if options:
        listed = _list_enum(col)
        source: str | list[str] = (
            f"={LIST_NAMES[listed]}" if listed and has_settings else list(options)
        )
        return {
            "validate": "list",
            "source": source,
            "error_message": t("tpl-dv-list", lang, column=name),
            **common,
        }
    if col.type == ColType.INT and not col.auto and col.min is not None:
        low = int(col.min)
        if col.max is not None:
            return {
                "validate": "integer",
                "criteria": "between",
                "minimum": low,
                "maximum": int(col.max),
                "error_message": t("tpl-dv-int", lang, column=name, low=low, high=int(col.max)),
                **common,
            }
        return {
            "validate": "integer",
            "criteria": ">=",
            "value": low,
            "error_message": t("tpl-dv-int-min", lang, column=name, low=low),
            **common,
        }
    return None


# ------------------------------------------------------------------------------ 配置


def _setting_value(kind: str, text: str) -> tuple[Any, str | None]:
    """A 配置 value as a typed cell: numbers as numbers, percentages as fractions."""
    if not text:
        return None, None
    if kind == "percent" and text.endswith("%"):
        return float(text[:-1]) / 100, _SETTINGS_FORMATS["percent"]
    if kind in ("amount", "int", "hours"):
        number = float(text)
        return (int(number) if number == int(number) else number), _SETTINGS_FORMATS.get(kind)
    return text, None


def _write_settings(ws: Worksheet, styles: _Styles, spec: SheetSpec, lang: str) -> int:
    _write_headers(ws, styles, spec, lang)
    rows = default_rows(lang)
    for r, (defn, (key, text, note)) in enumerate(zip(DEFINITIONS, rows, strict=True), start=1):
        ws.write_string(r, 0, key)
        value, fmt = _setting_value(defn.kind, text)
        if isinstance(value, str):
            ws.write_string(r, 1, value)
        elif value is not None:
            ws.write_number(r, 1, value, styles.get(num_format=fmt) if fmt else None)
        if note:
            ws.write_string(r, 2, note)
    ws.autofilter(0, 0, len(rows), len(spec.columns) - 1)
    return len(rows)


def _definition(toml: str) -> SettingDef:
    return next(d for d in DEFINITIONS if d.toml == toml)


def _write_lists(wb: Workbook, styles: _Styles, lang: str) -> str:
    """The hidden sheet that splits the 配置 lists into ranges, and the names over them."""
    name = LISTS_NAMES[1] if lang == "en" else LISTS_NAMES[0]
    settings_name = SHEETS_BY_KEY["settings"].name(lang)
    ws = wb.add_worksheet(name)
    ws.hide()
    keys = f"'{settings_name}'!$A:$A"
    vals = f"'{settings_name}'!$B:$B"
    defaults = Settings()
    last = LIST_SLOTS + 2
    for c, enum_key in enumerate(("industries", "regions")):
        defn = _definition(enum_key)
        key = defn.en if lang == "en" else defn.zh
        items: tuple[str, ...] = getattr(defaults, enum_key)
        fallback = ",".join(items)
        # a blank or missing 配置 cell means the default list, as the settings reader reads it
        raw = f'IFERROR(INDEX({vals},MATCH("{key}",{keys},0))&"","")'
        text = f'IF({raw}="","{fallback}",{raw})'
        for sep in ("，", "、", "；", ";"):
            text = f'SUBSTITUTE({text},"{sep}",",")'
        letter = column_letter(c + 1)
        ws.write_string(0, c, key, styles.header(False))
        ws.write_formula(1, c, f"={text}", None, fallback)
        for k in range(LIST_SLOTS):
            item = items[k] if k < len(items) else ""
            formula = (
                f'=TRIM(MID(SUBSTITUTE(${letter}$2,",",REPT(" ",{_PAD})),{k * _PAD + 1},{_PAD}))'
            )
            ws.write_formula(2 + k, c, formula, None, item)
        wb.define_name(
            LIST_NAMES[enum_key],
            f"=OFFSET('{name}'!${letter}$3,0,0,"
            f"MAX(1,COUNTIF('{name}'!${letter}$3:${letter}${last},\"?*\")),1)",
        )
    scheme = _definition("tier_scheme")
    scheme_key = scheme.en if lang == "en" else scheme.zh
    ws.write_string(0, 2, scheme_key, styles.header(False))
    ws.write_formula(
        1,
        2,
        f'=IFERROR(UPPER(TRIM(INDEX({vals},MATCH("{scheme_key}",{keys},0)))),"{defaults.tier_scheme}")',
        None,
        defaults.tier_scheme,
    )
    base = TIER_SCHEMES[defaults.tier_scheme]
    widest = max(TIER_SCHEMES.values(), key=len)
    for k, letter in enumerate(widest):
        if letter in base:
            ws.write_string(2 + k, 2, letter)
        else:
            schemes = [s for s, letters in TIER_SCHEMES.items() if letter in letters]
            test = ",".join(f'$C$2="{s}"' for s in schemes)
            ws.write_formula(2 + k, 2, f'=IF(OR({test}),"{letter}","")', None, "")
    wb.define_name(
        LIST_NAMES["tiers"],
        f"=OFFSET('{name}'!$C$3,0,0,MAX(1,COUNTIF('{name}'!$C$3:$C${2 + len(widest)},\"?*\")),1)",
    )
    ws.set_column(0, 2, 16)
    ws.write_string(0, 4, t("tpl-lists-note", lang, settings=settings_name))
    return name


def write_lists(wb: Workbook, styles: _Styles, lang: str) -> str:
    """The hidden 下拉选项 sheet over the 配置 sheet, and the names the dropdowns use.

    Public for ``split``, whose workbooks carry a read-only copy of the master's 配置; returns
    the hidden sheet's name.
    """
    return _write_lists(wb, styles, lang)


# ------------------------------------------------------------------------------ 说明


def _as_of_text(moment: datetime) -> str:
    return (
        moment.strftime("%Y-%m-%d") if not values.has_time(moment) else f"{moment:%Y-%m-%d %H:%M}"
    )


def _as_of_arg(moment: datetime) -> str:
    return (
        moment.strftime("%Y-%m-%d") if not values.has_time(moment) else f"{moment:%Y-%m-%dT%H:%M}"
    )


def _shell_names(files: Iterable[str]) -> str:
    return " ".join(f'"{f}"' if " " in f else f for f in files)


def _hours(h: float) -> str:
    return f"{h:g}"


_LINE_HEIGHT = 16.5


def _lines(text: str, width: int) -> int:
    """Lines ``text`` takes in a column ``width`` characters wide (CJK counts double)."""
    total = 0
    for part in text.split("\n"):
        chars = sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in part)
        total += max(1, math.ceil(chars / max(1, width - 1)))
    return total


@dataclass
class _Cursor:
    """The next free row of the guide sheet."""

    row: int = 0
    widths: list[int] = field(default_factory=lambda: [22, 62, 44])


def _write_guide(
    ws: Worksheet,
    styles: _Styles,
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

    def line(*cells: tuple[str, Format | None]) -> None:
        for c, (text, fmt) in enumerate(cells):
            if text:
                ws.write_string(cur.row, c, text, fmt)
        lines = max(
            _lines(text, cur.widths[c]) if fmt is not None and fmt.text_wrap else 1
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
    has_lists = any(_list_enum(c) for spec in specs for c in spec.columns)
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
        (t("guide-who-everyone", lang), f"crmxl todo {names} --owner {owner}", "guide-do-todo"),
        (t("guide-who-admin", lang), f"crmxl assign {names}", "guide-do-assign"),
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

    if data is not None:
        section("guide-sample")
        intro = t(
            "guide-sample-text",
            lang,
            as_of=_as_of_text(data.as_of),
            files=names,
            as_of_arg=_as_of_arg(data.as_of),
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


# ------------------------------------------------------------------------------ READMEs


def _templates_readme() -> str:
    lines = [
        "# templates/",
        "",
        "Empty workbooks as `crmxl init` makes them (generated: `make templates`, or",
        "`python -m crmxl.starter.templates --regenerate`; a test checks they match what `init` writes now).",
        "由 `crmxl init` 生成的空白模板；修改代码后用 `make templates` 重新生成。",
        "",
        "| file | what it is |",
        "|---|---|",
        "| `zh/crm.xlsx` | 全部标准工作表的一体化工作簿（中文）: all standard sheets in one workbook |",
    ]
    for key in SEPARATE_FILES:
        names = "、".join(SHEETS_BY_KEY[k].zh for k in SEPARATE_FILES[key])
        lines.append(f"| `zh/{separate_name(key, 'zh')}.xlsx` | 手册中的分表文件，含：{names} |")
    lines.append("| `en/crm.xlsx` | the all-in-one workbook with English sheet names and headers |")
    for key in SEPARATE_FILES:
        names = ", ".join(SHEETS_BY_KEY[k].en for k in SEPARATE_FILES[key])
        lines.append(
            f"| `en/{separate_name(key, 'en')}.xlsx` | the manual's separate file: {names} |"
        )
    lines += [
        "",
        "Every workbook starts with a guide sheet (说明 / Guide). Headers carry `*` when required and",
        "`(自动)`/`(auto)` when computed; computed columns are grey. Dropdowns for industries, regions and",
        "tiers read the 配置 (Settings) sheet through a hidden sheet (下拉选项 / Dropdowns) and the names",
        "`crmxl_industries`, `crmxl_regions`, `crmxl_tiers`: edit 配置 and the dropdowns follow.",
        "Use the three separate files together: `crmxl refresh 客户档案.xlsx 需求清单.xlsx 问题处理跟踪表.xlsx`.",
        "",
    ]
    return "\n".join(lines)


def _sample_readme(sample: Sample, result: InitResult) -> str:
    as_of = _as_of_text(sample.as_of)
    lines = [
        "# sample_data/",
        "",
        f"Generated by `python -m crmxl.starter.templates --regenerate` with `as_of = {as_of}` (start of day),",
        f"seed {sample.seed}. Every date in the sample is relative to that moment, so run the commands",
        f"with `--as-of {_as_of_arg(sample.as_of)}` to see what the notes below describe:",
        "",
        "```",
        f"crmxl validate sample_data/crm-sample.xlsx --as-of {_as_of_arg(sample.as_of)}",
        f"crmxl refresh  sample_data/crm-sample.xlsx --as-of {_as_of_arg(sample.as_of)}",
        "```",
        "",
        "| file | what it is |",
        "|---|---|",
        "| `crm-sample.xlsx` | the all-in-one workbook (zh) filled by `crmxl init --sample`: "
        + ", ".join(f"{name} {n}" for name, n in result.rows.items() if n)
        + " rows |",
        "| `leads.csv` | about 30 new leads as a web form exports them: UTF-8 with BOM, CRLF, Chinese "
        "headers; one is a customer the sample already has (same company and phone), one is the "
        "same form sent twice, one need starts with `-` (must stay text) |",
        "| `leads-gbk.csv` | the same leads in GBK, as older Excel saves CSV on Chinese Windows |",
        "",
        "`crmxl init --sample` makes the same data as of now (or `--as-of`).",
        "",
        "## Deliberate problems (`crmxl validate` should report these, and only these)",
        "",
        "| where | problem | severity |",
        "|---|---|---|",
    ]
    for problem in sample.problems:
        lines.append(
            f"| `{problem_cell(problem, 'zh')}` | {problem.zh} ({problem.en}) | {problem.severity} |"
        )
    lines += [
        "",
        "## What each rule has to show (scenario → record)",
        "",
        "| scenario | record |",
        "|---|---|",
    ]
    lines += [f"| {key} | {record} |" for key, record in sample.scenarios.items()]
    lines += [
        "",
        "All (auto) columns are blank for `refresh` to fill, except the 客户等级 of `tier-365-days`,",
        "which holds the A of a previous refresh: its 450,000 deal is 364 days old and its 80,000 deal",
        "365 days old, so the 12-month amount is now 480,000 (B) and the tier has fallen.",
        "",
    ]
    return "\n".join(lines)


# ------------------------------------------------------------------------------ command line


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m crmxl.starter.templates --regenerate [--root DIR]``."""
    parser = argparse.ArgumentParser(
        prog="python -m crmxl.starter.templates",
        description="Regenerate templates/ and sample_data/.",
    )
    parser.add_argument(
        "--regenerate", action="store_true", help="rewrite templates/ and sample_data/"
    )
    parser.add_argument("--root", type=Path, default=Path(__file__).resolve().parents[2])
    args = parser.parse_args(argv)
    if not args.regenerate:
        parser.print_help()
        return 2
    regenerate_bundled(args.root)
    print(f"templates/ and sample_data/ regenerated under {args.root}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())


__all__ = [
    "DATA_ROWS",
    "LISTS_NAMES",
    "LIST_NAMES",
    "TEMPLATE_CREATED",
    "InitResult",
    "Styles",
    "column_format",
    "dropdown_values",
    "init_separate",
    "init_workbook",
    "localize",
    "regenerate_bundled",
    "separate_name",
    "validation",
    "write_lists",
]
