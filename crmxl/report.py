"""``crmxl report``: the manager's report workbook (KPIs, native charts, lists by owner).

The workspace is read and every rule computed in memory as of ``as_of`` (:mod:`crmxl.facts`),
so a workbook that was never refreshed reports right. The KPIs are in :mod:`crmxl.kpis`, the
lists in :mod:`crmxl.lists`, and :mod:`crmxl.reportbook` writes them with xlsxwriter.

The report is a new file, written safely: to a temporary file in the target's folder, then moved
into place with ``os.replace``. It never replaces one of its input workbooks, nor an existing
file that holds CRM data sheets (a typo in ``-o`` must not destroy a workbook), nor a file open
in Excel/WPS/LibreOffice. An earlier report at the same path is replaced (the weekly job reruns).

Language: the report is written in the workspace's language (:attr:`Workspace.lang`, the
language of most headers) unless ``lang`` says otherwise; ``crmxl report --lang en`` passes it.
"""

from __future__ import annotations

import os
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pandas as pd
from xlsxwriter.exceptions import XlsxWriterException

from crmxl import kpis as kpi_mod
from crmxl import lists
from crmxl.errors import CrmxlError, UsageError, WriteRefusedError
from crmxl.facts import Facts, Period, Progress, load, owner_label
from crmxl.i18n import normalize_lang, pick, register, t
from crmxl.kpis import Kpi
from crmxl.reportbook import ChartData, ReportContent, write
from crmxl.schema import ENUMS, match_sheet
from crmxl.settings import ISSUE_TYPES, STAGES
from crmxl.textout import render_table
from crmxl.values import parse_as_of
from crmxl.workbook.package import Package
from crmxl.workbook.save import check_not_open

#: Weeks the follow-up chart shows.
WEEKS = 12
#: Owners the overdue chart shows (the chart data keeps them all).
CHART_OWNERS = 15


@dataclass
class ReportResult:
    """What ``report`` wrote: the file, its KPIs and the size of each list."""

    path: Path
    files: list[Path]
    as_of: datetime
    period: Period
    lang: str  # the report workbook's language
    kpis: list[Kpi]
    lists: dict[str, tuple[tuple[str, str], int]]  # key -> ((zh, en) title, rows)
    sheets: list[str]
    unreadable: int = 0
    seconds: float = field(default=0.0, compare=False)

    def to_dict(self, lang: str = "zh") -> dict[str, Any]:
        """What ``--json`` prints: the KPIs and the list sizes (no timings: same input, same
        output)."""
        return {
            "path": str(self.path),
            "files": [str(f) for f in self.files],
            "as_of": self.as_of.isoformat(sep=" "),
            "period": self.period.to_dict(),
            "report_lang": self.lang,
            "sheets": self.sheets,
            "kpis": [k.to_dict(lang) for k in self.kpis],
            "lists": {
                key: {"title": pick(lang, *title), "rows": n}
                for key, (title, n) in self.lists.items()
            },
            "unreadable_inputs": self.unreadable,
        }

    def render(self, lang: str = "zh") -> str:
        lines = [
            t(
                "report-written",
                lang,
                path=self.path,
                as_of=f"{self.as_of:%Y-%m-%d %H:%M}",
                period=self.period.label(lang),
            ),
            "",
        ]
        rows = [[k.name(lang), k.value_text(lang) or "—", k.figures(lang)] for k in self.kpis]
        lines.append(
            render_table(
                [pick(lang, "指标", "KPI"), pick(lang, "值", "Value"), pick(lang, "依据", "Basis")],
                rows,
            )
        )
        blank = [k.name(lang) for k in self.kpis if k.value is None]
        if blank:
            lines.append(t("report-blank-kpis", lang, names=pick(lang, "、", ", ").join(blank)))
        lines.append("")
        sizes = pick(lang, "，", ", ").join(
            f"{pick(lang, *title)} {n}" for title, n in self.lists.values()
        )
        lines.append(t("report-lists", lang, lists=sizes))
        if self.unreadable:
            lines.append(t("report-unreadable", lang, n=self.unreadable))
        return "\n".join(lines)


def report(
    files: Sequence[Path | str],
    out: Path | str,
    *,
    as_of: datetime | None = None,
    period: str = "week",
    config: Path | str | None = None,
    lang: str | None = None,
    progress: Progress | None = None,
) -> ReportResult:
    """Write the report of ``files`` as of ``as_of`` (default now) for ``period`` (week, month
    or quarter: the 7, 30 or 91 days ending at as_of) to ``out``; ``lang`` (zh/en) defaults to
    the workspace's language. ``progress(stage, done, total)`` hears of each stage."""
    started = time.perf_counter()
    say = progress or (lambda stage, done, total: None)
    out = Path(out)
    paths = [Path(f) for f in files]
    _check_target(out, paths)
    moment = parse_as_of(as_of)  # None is now; a date is its 00:00
    chosen = Period.of(period, moment)
    facts = load(paths, as_of=moment, config=config, progress=say)
    report_lang = normalize_lang(lang) if lang else facts.workspace.lang
    content = build(facts, chosen, report_lang)
    moment = facts.as_of
    del facts  # the workspace's frames are not needed while the workbook is written
    say("write", 2, 3)
    sheets = _write_safely(out, content, report_lang)
    say("done", 3, 3)
    return ReportResult(
        path=out,
        files=paths,
        as_of=moment,
        period=chosen,
        lang=report_lang,
        kpis=content.kpis,
        lists={x.key: (lists.TITLES[x.key], len(x)) for x in [content.by_owner, *content.lists]},
        sheets=sheets,
        unreadable=content.unreadable,
        seconds=time.perf_counter() - started,
    )


def build(facts: Facts, period: Period, lang: str) -> ReportContent:
    """Everything the report shows, computed (no file is written)."""
    return ReportContent(
        as_of=facts.as_of,
        period=period,
        sources=[p.name for p in facts.workspace.files],
        kpis=kpi_mod.compute(facts, period),
        by_owner=lists.by_owner(facts, period),
        lists=[
            lists.overdue(facts),
            lists.sla_alerts(facts),
            lists.churn(facts),
            lists.tier_moves(facts, period),
            lists.reminders(facts, 7),
            lists.forecast(facts),
        ],
        charts=chart_data(facts, period, lang),
        unreadable=len(facts.evaluation.findings),
    )


# ------------------------------------------------------------------------------ charts


def chart_data(f: Facts, period: Period, lang: str) -> list[ChartData]:
    """The five charts: tiers, stages (funnel order), overdue by owner, follow-ups per week,
    SLA on-time rate by issue type (in the period)."""
    c = f.customers
    tiers = c["tier"].value_counts()
    stages = c["stage"].value_counts()
    overdue = (
        c.loc[c["follow_up_status"] == "逾期", "owner"]
        .map(lambda o: owner_label(o, lang))
        .value_counts()
    )
    overdue_sorted = sorted(overdue.items(), key=lambda kv: (-kv[1], kv[0]))
    weeks = weekly_follow_ups(f)
    clocks = kpi_mod.completed_clocks(f.frame("issues"), period)
    sla_done = clocks.groupby("type")["on_time"].agg(["sum", "count"]) if len(clocks) else None
    done = [
        int(sla_done.at[k, "count"]) if sla_done is not None and k in sla_done.index else 0
        for k in ISSUE_TYPES
    ]
    on_time = [
        int(sla_done.at[k, "sum"]) if sla_done is not None and k in sla_done.index else 0
        for k in ISSUE_TYPES
    ]
    customers = ("客户数", "Customers")
    return [
        ChartData(
            "tiers",
            "column",
            ("客户等级分布", "Customers by tier"),
            ("客户等级", "Tier"),
            customers,
            ("客户等级", "Tier"),
            customers,
            list(f.settings.tiers),
            [float(tiers.get(x, 0)) for x in f.settings.tiers],
        ),
        ChartData(
            "stages",
            "bar",
            ("客户阶段漏斗（潜在→意向→成交→流失）", "Customers by stage (funnel)"),
            ("合作阶段", "Stage"),
            customers,
            ("合作阶段", "Stage"),
            customers,
            [ENUMS["stages"].label(s, lang) for s in STAGES],
            [float(stages.get(s, 0)) for s in STAGES],
        ),
        ChartData(
            "overdue_by_owner",
            "bar",
            ("逾期跟进客户数（按负责人）", "Overdue follow-ups by owner"),
            ("负责人", "Owner"),
            ("逾期客户数", "Overdue customers"),
            ("负责人", "Owner"),
            ("逾期客户数", "Overdue customers"),
            [str(k) for k, _ in overdue_sorted],
            [float(v) for _, v in overdue_sorted],
            shown=CHART_OWNERS,
        ),
        ChartData(
            "follow_ups_weekly",
            "column",
            (f"近{WEEKS}周跟进次数", f"Follow-ups per week, last {WEEKS} weeks"),
            ("周（7天，截至计算基准）", "Week (7 days, ending at the report date)"),
            ("跟进次数", "Follow-ups"),
            ("周", "Week"),
            ("跟进次数", "Follow-ups"),
            [label for label, _ in weeks],
            [float(n) for _, n in weeks],
        ),
        ChartData(
            "sla_by_type",
            "column",
            ("SLA达标率（按问题类型，本期）", "SLA on-time rate by issue type (period)"),
            ("问题类型", "Issue type"),
            ("按时完成比例", "On-time share"),
            ("问题类型", "Issue type"),
            ("达标率", "On-time rate"),
            [ENUMS["issue_types"].label(k, lang) for k in ISSUE_TYPES],
            [on / n if n else None for on, n in zip(on_time, done, strict=True)],
            unit="percent",
            extra=[
                (("按时完成", "On time"), [float(x) for x in on_time]),
                (("完成时限数", "Clocks completed"), [float(x) for x in done]),
            ],
        ),
    ]


def weekly_follow_ups(f: Facts) -> list[tuple[str, int]]:
    """Follow-ups in each of the last 12 seven-day windows ending at as_of, oldest first,
    labelled ``MM-DD~MM-DD``."""
    dates = f.frame("follow_ups")["date"].dropna()
    dates = dates[dates <= pd.Timestamp(f.as_of)]  # nothing after as_of has happened yet
    today = f.today
    out = []
    for k in range(WEEKS - 1, -1, -1):
        last_day = today - timedelta(days=7 * k)
        first_day = last_day - timedelta(days=6)
        n = int(((dates >= first_day) & (dates < last_day + timedelta(days=1))).sum())
        out.append((f"{first_day:%m-%d}~{last_day:%m-%d}", n))
    return out


# ------------------------------------------------------------------------------ writing


def _check_target(out: Path, inputs: list[Path]) -> None:
    """Refuse a target that is not .xlsx, is an input, holds CRM data, or is open."""
    if out.suffix.lower() != ".xlsx":
        raise UsageError("report-suffix", path=out)
    target = out.resolve()
    for path in inputs:
        if path.resolve() == target or (
            out.exists() and path.exists() and os.path.samefile(path, out)
        ):
            raise WriteRefusedError("report-is-input", path=out)
    check_not_open(out)
    if out.exists() and _holds_crm_data(out):
        raise WriteRefusedError("report-would-replace-data", path=out)


def _holds_crm_data(path: Path) -> bool:
    """True when ``path`` has a standard data sheet (or cannot be read as a workbook at all):
    then it is somebody's data, not an earlier report."""
    try:
        with Package(path) as pkg:
            names = [s.name for s in pkg.worksheets()]
    except CrmxlError:
        return True
    return any(match_sheet(n) is not None for n in names)


def _write_safely(out: Path, content: ReportContent, lang: str) -> list[str]:
    """Write to a temporary file beside ``out``, then move it into place."""
    folder = out.parent if str(out.parent) else Path(".")
    try:
        fd, name = tempfile.mkstemp(prefix=".crmxl-report-", suffix=".xlsx", dir=folder)
    except OSError as exc:
        raise WriteRefusedError("report-write-failed", path=out, detail=exc.strerror) from exc
    os.close(fd)
    tmp = Path(name)
    try:
        sheets = write(tmp, content, lang)
        umask = os.umask(0)
        os.umask(umask)
        tmp.chmod(0o666 & ~umask)  # mkstemp makes it private; a report is an ordinary file
        check_not_open(out)  # it may have been opened while we computed
        os.replace(tmp, out)
    except (OSError, XlsxWriterException) as exc:
        detail = exc.strerror if isinstance(exc, OSError) else str(exc)
        raise WriteRefusedError("report-write-failed", path=out, detail=detail) from exc
    finally:
        tmp.unlink(missing_ok=True)
    return sheets


register(
    {
        "report-written": (
            "报表已写入 {path}（计算基准 {as_of}；统计期 {period}）",
            "Report written to {path} (as of {as_of}; period {period})",
        ),
        "report-blank-kpis": (
            "留空的指标（分母为0或缺少工作表）：{names}",
            "Left blank (denominator 0 or sheet missing): {names}",
        ),
        "report-lists": ("清单行数：{lists}", "List rows: {lists}"),
        "report-unreadable": (
            "注意：有 {n} 处输入无法读取（单元格、列或配置），相关数字可能不准；运行 crmxl validate 查看。",
            "Note: {n} inputs (cells, columns or settings) could not be read, so some figures may "
            "be off; run crmxl validate to see them.",
        ),
        "report-suffix": (
            "报表文件名须以 .xlsx 结尾：{path}",
            "The report must be an .xlsx file: {path}",
        ),
        "report-is-input": (
            "{path} 是输入的工作簿之一，报表不能覆盖它；请用 -o 另指定文件名",
            "{path} is one of the input workbooks; write the report to another file (-o)",
        ),
        "report-would-replace-data": (
            "{path} 已存在且含有客户数据工作表，不是报表，拒绝覆盖；请另指定文件名",
            "{path} exists and holds CRM data sheets, not a report; refusing to replace it",
        ),
        "report-write-failed": ("无法写入 {path}：{detail}", "Cannot write {path}: {detail}"),
    }
)
