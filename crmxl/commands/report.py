"""``crmxl report``: the manager's report workbook (KPIs, native charts, lists by owner).

The workspace is read and every rule computed in memory as of ``as_of`` (:mod:`crmxl.reporting.facts`),
so a workbook that was never refreshed reports right. The KPIs are in :mod:`crmxl.reporting.kpis`, the
lists in :mod:`crmxl.reporting.lists`, and :mod:`crmxl.reporting.reportbook` writes them with xlsxwriter.

The report is a new file, written safely: to a temporary file in the target's folder, then moved
into place with ``os.replace``. It never replaces one of its input workbooks, nor an existing
file that holds CRM data sheets (a typo in ``-o`` must not destroy a workbook), nor a file open
in Excel/WPS/LibreOffice. An earlier report at the same path is replaced (the weekly job reruns).

Language: the report is written in the workspace's language (:attr:`Workspace.lang`, the
language of most headers) unless ``lang`` says otherwise; ``crmxl report --lang en`` passes it.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from crmxl.i18n import normalize_lang, pick, register, t
from crmxl.model.skips import Skip, absent, merged, skip_line
from crmxl.model.textout import render_table
from crmxl.progress import Progress, reporter
from crmxl.reporting import lists
from crmxl.reporting.content import build
from crmxl.reporting.facts import Period, load, report_moment
from crmxl.reporting.kpis import PERIODIC, REQUIRES, Kpi
from crmxl.reporting.output import check_target, write_report
from crmxl.reporting.trends import trend_charts
from crmxl.rules.worktime import CoverageWarning, coverage_dicts


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
    skipped: list[Skip] = field(default_factory=list)  # what the sheets present do not allow
    seconds: float = field(default=0.0, compare=False)
    coverage: list[CoverageWarning] = field(default_factory=list)  # SPEC 2.8

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
            "skipped": [s.to_dict(lang) for s in self.skipped],
        } | ({"worktime_warnings": coverage_dicts(self.coverage, lang)} if self.coverage else {})

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
        rows = [
            [
                k.name(lang),
                k.value_text(lang) or "—",
                "" if k.previous is None else k.previous.value_text(lang) or "—",
                k.figures(lang),
            ]
            for k in self.kpis
        ]
        before = self.period.previous
        lines.append(
            render_table(
                [
                    pick(lang, "指标", "KPI"),
                    self.period.title(lang),
                    before.title(lang),
                    pick(lang, "依据", "Basis"),
                ],
                rows,
            )
        )
        points = pick(lang, "、", ", ").join(
            k.name(lang) for k in self.kpis if k.code not in PERIODIC
        )
        lines.append(t("report-previous", lang, period=before.label(lang), names=points))
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
        if self.skipped:
            lines.append(skip_line(self.skipped, lang))
        lines += [w.text(lang) for w in self.coverage]
        return "\n".join(lines)


def report(
    files: Sequence[Path | str],
    out: Path | str,
    *,
    as_of: datetime | date | str | None = None,
    period: str = "week",
    config: Path | str | None = None,
    lang: str | None = None,
    progress: Progress | None = None,
    db: str | Path | None = None,
) -> ReportResult:
    """Write the report of ``files`` as of ``as_of`` (default now; a date alone is the end of
    that day) for ``period`` to ``out``: ``week`` (Monday to Sunday), ``month`` or ``quarter``,
    the calendar period holding the as-of date, or ``7d``/``30d``/``90d``, the days ending on
    it; each periodic KPI also has its value in the period before. ``lang`` (zh/en) defaults to
    the workspace's language. ``progress(stage, done, total)`` hears of each stage. ``db`` (a
    database ``crmxl push`` writes to) adds the trend charts of :mod:`crmxl.reporting.trends`."""
    started = time.perf_counter()
    say = reporter(progress)
    out = Path(out)
    paths = [Path(f) for f in files]
    check_target(out, paths)
    moment = report_moment(as_of)  # None is now; a date alone is the end of that day
    chosen = Period.of(period, moment)
    trends = None
    if db is not None:  # read first: a database push never wrote fails before the long read
        from crmxl.delivery.trends import read_trends

        trends = read_trends(db, moment.date())
    facts = load(paths, as_of=moment, config=config, progress=say)
    report_lang = normalize_lang(lang) if lang else facts.workspace.lang
    content = build(facts, chosen, report_lang)
    if trends is not None:
        content.charts += trend_charts(trends, facts.settings.tiers)
    moment = facts.as_of
    present = set(facts.workspace.tables)
    no_sheet = [k for k in content.kpis if k.note == "kpi-note-no-sheet"]
    skipped = merged(
        facts.evaluation.skipped,
        [Skip(f"kpi-{k.code}", absent(present, REQUIRES[k.code])) for k in no_sheet],
    )
    coverage = facts.evaluation.computed.coverage_warnings()
    del facts  # the workspace's frames are not needed while the workbook is written
    say("write", 2, 3)
    sheets = write_report(out, content, report_lang)
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
        skipped=skipped,
        seconds=time.perf_counter() - started,
        coverage=coverage,
    )


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
        "report-previous": (
            "上期为{period}；{names}为截至计算基准的时点值，不比较上期。",
            "The period before is {period}; {names} are as of the report time, with no period "
            "to compare.",
        ),
        "report-unreadable": (
            "注意：有 {n} 处输入有错误（单元格、列或配置），所在的行未计入相关计算；运行 crmxl validate 查看。",
            "Note: {n:~input|inputs} (cells, columns or settings) {n:?is|are} in error and "
            "{n:?its row was|their rows were} left out of the figures {n:?it feeds|they feed}; run crmxl "
            "validate to see them.",
        ),
    }
)
