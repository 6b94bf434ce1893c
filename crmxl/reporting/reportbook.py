"""The report workbook: KPI table, native charts, sorted lists (a new file, see
:mod:`crmxl.workbook.newbook`).

Sheets, in tab order: 概览 (the KPI table with 指标/值/说明/依据, an index of the lists, then
five native charts), 负责人, the six lists (逾期跟进, SLA预警, 流失预警, 等级变动, 提醒, 销售预测)
and 图表数据 (the figures the charts plot, so every bar can be checked). Every table is an Excel
table (filter buttons, banded rows in Excel) with its own header format too, because LibreOffice
ignores table styles. Values are real numbers and dates with number formats, never text.

A value that cannot be computed (a zero denominator) is a blank cell with a comment saying why,
and the 说明 says it again; nothing here can produce ``#DIV/0!`` or ``nan`` because no formula is
written. Document properties are fixed (created = as_of) and the new file has fixed zip
timestamps, so the same content gives the same file.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from crmxl.i18n import pick, t
from crmxl.model.textout import cell_lines
from crmxl.model.textout import width as text_width
from crmxl.model.values import as_text
from crmxl.reporting.facts import Period
from crmxl.reporting.kpis import Kpi
from crmxl.reporting.lists import Field, Listing
from crmxl.workbook.newbook import Chart, NewBook, NewSheet, Style

EXCEL_EPOCH = np.datetime64("1899-12-30T00:00:00", "ns")
DAY_NS = 86_400 * 10**9

NUMBER_FORMATS: dict[str, tuple[str, str]] = {
    "date": ("yyyy-mm-dd", "yyyy-mm-dd"),
    "datetime": ("yyyy-mm-dd hh:mm", "yyyy-mm-dd hh:mm"),
    "int": ("#,##0", "#,##0"),
    "count": ("#,##0", "#,##0"),
    "money": ('"¥"#,##0', '"¥"#,##0'),
    "percent": ("0.0%", "0.0%"),
    "hours": ('0.0" 小时"', '0.0" h"'),
    "number": ("0.0", "0.0"),
    "score": ("0.00", "0.00"),
}
HEADER_BLUE = "#DDEBF7"
BAR_BLUE = "#4472C4"
LINE_RED = "#C00000"
#: Series of a stacked chart (tier A first).
STACK_COLOURS = ("#1F4E79", "#4472C4", "#9DC3E6", "#BDD7EE", "#A5A5A5")
FONT = {"name": "Microsoft YaHei"}
#: Chart size in pixels: the overview's four columns are about 850 px wide.
CHART_WIDTH = 836
CHART_HEIGHT = 300
ROW_PX = 20  # a default row is 15 pt = 20 px
#: Printed at the foot of every page: the sheet's name and the page numbers.
FOOTER = ("&C&A — 第 &P 页，共 &N 页", "&C&A — Page &P of &N")


@dataclass(frozen=True)
class ChartData:
    """What one chart plots: categories and one series, plus any extra columns to show."""

    key: str
    kind: str  # column or bar
    title: tuple[str, str]
    x_title: tuple[str, str]
    y_title: tuple[str, str]
    category_label: tuple[str, str]
    value_label: tuple[str, str]
    categories: list[str]
    values: list[float | None]
    unit: str = "count"  # count or percent
    extra: list[tuple[tuple[str, str], list[float]]] = field(default_factory=list)
    shown: int | None = None  # plot only the first N rows (the data sheet keeps all)
    stacked: bool = False  # plot the extra columns too, stacked, with a legend


@dataclass
class ReportContent:
    """Everything the report workbook shows."""

    as_of: datetime
    period: Period
    sources: list[str]
    kpis: list[Kpi]
    by_owner: Listing
    lists: list[Listing]
    charts: list[ChartData]
    unreadable: int = 0  # input cells that could not be read (see crmxl validate)


class _Formats:
    """The report's cell styles (top-aligned unless told)."""

    def __init__(self, book: NewBook, lang: str) -> None:
        self.book = book
        self.lang = lang

    def get(self, **props: Any) -> Style:
        return self.book.style(**{"valign": "top", **props})

    def kind(self, kind: str, **props: Any) -> Style:
        fmt = NUMBER_FORMATS.get(kind)
        if fmt is None:
            return self.get(**props)
        return self.get(num_format=pick(self.lang, *fmt), **props)

    @property
    def header(self) -> Style:
        return self.get(bold=True, bg_color=HEADER_BLUE, border=1, text_wrap=True, valign="vcenter")

    @property
    def title(self) -> Style:
        return self.get(bold=True, font_size=16)

    @property
    def subtitle(self) -> Style:
        return self.get(font_color="#595959")

    @property
    def section(self) -> Style:
        return self.get(bold=True, font_size=12)


def write(path: Path, content: ReportContent, lang: str) -> list[str]:
    """Write the report to ``path`` (a new file); returns the sheet names in tab order."""
    title = pick(lang, "客户关系管理报表", "CRM report")
    wb = NewBook(
        path,
        properties={
            "title": f"{title} {content.period.label(lang)}",
            "subject": pick(lang, "计算基准 ", "As of ") + f"{content.as_of:%Y-%m-%d %H:%M}",
            "author": "crmxl",
            "company": "",
            "comments": f"crmxl report --as-of {content.as_of:%Y-%m-%dT%H:%M} "
            f"--period {content.period.name}",
            "created": content.as_of,
        },
    )
    fmt = _Formats(wb, lang)
    overview = wb.add_sheet(pick(lang, "概览", "Overview"))
    owners = wb.add_sheet(content.by_owner.title(lang))
    sheets = {listing.key: wb.add_sheet(listing.title(lang)) for listing in content.lists}
    data_sheet = wb.add_sheet(pick(lang, "图表数据", "Chart Data"))
    anchors = _write_chart_data(data_sheet, fmt, content.charts, lang)
    _write_overview(overview, wb, fmt, content, lang, data_sheet.name, anchors)
    _write_listing(
        owners, fmt, content.by_owner, lang, _table_name("by_owner"), _period_note(content, lang)
    )
    for listing in content.lists:
        _write_listing(
            sheets[listing.key],
            fmt,
            listing,
            lang,
            _table_name(listing.key),
            _period_note(content, lang),
        )
    overview.activate()
    wb.close()
    return [overview.name, owners.name, *(s.name for s in sheets.values()), data_sheet.name]


def _print_setup(ws: NewSheet, lang: str, *, header_rows: tuple[int, int] | None = None) -> None:
    """Every sheet prints the same way: A4 landscape, one page wide (as many pages tall as it
    takes), ``header_rows`` (first, last) on every page, and a footer with the sheet's name and
    the page numbers (``概览 — 第 1 页，共 3 页``)."""
    ws.set_paper(9)  # A4
    ws.set_landscape()
    ws.fit_to_pages(1, 0)
    ws.set_margins(left=0.4, right=0.4, top=0.5, bottom=0.6)
    ws.set_footer(pick(lang, FOOTER[0], FOOTER[1]), {"margin": 0.25})
    if header_rows is not None:
        ws.repeat_rows(*header_rows)


def _table_name(key: str) -> str:
    """``CrmxlSla``: ASCII, and never something Excel could read as a column or cell."""
    return "Crmxl" + "".join(part.capitalize() for part in key.split("_"))


def _period_note(content: ReportContent, lang: str) -> str:
    return (
        pick(lang, "计算基准 ", "As of ")
        + f"{content.as_of:%Y-%m-%d %H:%M}"
        + pick(lang, "；统计期 ", "; period ")
        + content.period.label(lang)
    )


# ------------------------------------------------------------------------------ overview


def _write_overview(
    ws: NewSheet,
    wb: NewBook,
    fmt: _Formats,
    content: ReportContent,
    lang: str,
    data_sheet: str,
    anchors: dict[str, tuple[int, int]],
) -> None:
    ws.hide_gridlines(2)
    # KPI names decide column A (English ones are long); C gives way, so the four columns keep
    # the width the charts below are drawn to.
    name_width = max((text_width(k.name(lang)) for k in content.kpis), default=10)
    first_col = min(max(18, name_width + 3), 28)
    ws.set_column(0, 0, first_col)
    ws.set_column(1, 2, 14)
    ws.set_column(3, 3, 80 - first_col)
    ws.set_column(4, 4, 22)
    text_cols = 80 - first_col - 2
    period_name = {
        "week": ("周报", "weekly"),
        "month": ("月报", "monthly"),
        "quarter": ("季报", "quarterly"),
        "7d": ("周报", "weekly"),
        "30d": ("月报", "monthly"),
        "90d": ("季报", "quarterly"),
    }.get(content.period.name, ("", ""))
    ws.write_string(
        0,
        0,
        pick(lang, f"客户关系管理报表（{period_name[0]}）", f"CRM report ({period_name[1]})"),
        fmt.title,
    )
    ws.set_row(0, 26)
    sources = pick(lang, "、", ", ").join(content.sources)
    ws.write_string(
        1,
        0,
        _period_note(content, lang) + pick(lang, "；数据：", "; data: ") + sources,
        fmt.subtitle,
    )
    row = 2
    if content.unreadable:
        ws.write_string(
            row,
            0,
            t("report-unreadable", lang, n=content.unreadable),
            fmt.get(font_color="#C00000", bold=True),
        )
    row = 3
    headers = [
        pick(lang, "指标", "KPI"),
        content.period.title(lang),
        content.period.previous.title(lang),
        pick(lang, "说明", "Definition"),
        pick(lang, "依据（分子 ÷ 分母）", "Basis (numerator ÷ denominator)"),
    ]
    first = row
    ws.set_row(row, 32)
    wrap = fmt.get(text_wrap=True)
    for kpi in content.kpis:
        row += 1
        ws.write_string(row, 0, kpi.name(lang), fmt.get(bold=True))
        definition = kpi.definition(lang)
        if kpi.value is None:
            note = kpi.note_text(lang)
            ws.write_blank(row, 1, None, fmt.kind(kpi.unit))
            ws.write_comment(row, 1, note, {"author": "crmxl", "x_scale": 1.6})
            definition = f"{definition}\n{pick(lang, '注：', 'Note: ')}{note}"
        else:
            ws.write_number(row, 1, kpi.value, fmt.kind(kpi.unit, bold=True))
        before = kpi.previous
        if before is not None and before.value is not None:
            ws.write_number(row, 2, before.value, fmt.kind(kpi.unit, font_color="#595959"))
        else:
            ws.write_blank(row, 2, None, fmt.kind(kpi.unit))
        ws.write_string(row, 3, definition, wrap)
        ws.write_string(row, 4, kpi.figures(lang), fmt.get())
        ws.set_row(row, 15 * cell_lines(definition, text_cols) + 3)
    ws.add_table(
        first,
        0,
        row,
        4,
        {
            "name": _table_name("kpi"),
            "style": "Table Style Light 9",
            "autofilter": False,
            "columns": [{"header": h, "header_format": fmt.header} for h in headers],
        },
    )
    row += 2
    points = pick(lang, "、", ", ").join(k.name(lang) for k in content.kpis if k.previous is None)
    note = t("report-previous", lang, period=content.period.previous.label(lang), names=points)
    ws.merge_range(row, 0, row, 4, note, fmt.get(font_color="#595959", text_wrap=True))
    ws.set_row(row, 15 * cell_lines(note, 128) + 3)
    row += 2
    breaks = [row]  # printed: KPIs, then the lists, then the charts, none cut in two
    ws.write_string(row, 0, pick(lang, "清单", "Lists"), fmt.section)
    for listing in [content.by_owner, *content.lists]:
        row += 1
        name = listing.title(lang)
        ws.write_url(
            row, 0, f"internal:'{name}'!A1", fmt.get(font_color="#0563C1", underline=1), string=name
        )
        ws.write_number(row, 1, len(listing), fmt.kind("count"))
        caption = listing.caption(lang)
        ws.merge_range(row, 2, row, 4, caption, fmt.get(font_color="#595959", text_wrap=True))
        ws.set_row(row, 15 * cell_lines(caption, text_cols + 36) + 3)
    row += 2
    breaks.append(row)
    ws.write_string(row, 0, pick(lang, "图表", "Charts"), fmt.section)
    row += 1
    # Printed: tiers | stages and the weekly chart on one page; overdue by owner (as tall as
    # its owners need) | SLA by type on the next. No chart is cut by a page break.
    by_key = {c.key: c for c in content.charts}
    layout: list[tuple[str, ...] | None] = [
        ("tiers", "stages"),
        ("follow_ups_weekly",),
        None,  # page break
        ("overdue_by_owner", "sla_by_type"),
        None,
        ("tier_trend", "overdue_trend"),  # report --db: trends over the last pushes
    ]
    layout = [keys for keys in layout if keys is None or any(k in by_key for k in keys)]
    while layout and layout[-1] is None:  # no page break with nothing after it
        layout.pop()
    for keys in layout:
        if keys is None:
            breaks.append(row)
            continue
        width = CHART_WIDTH if len(keys) == 1 else CHART_WIDTH // 2 - 6
        present = [k for k in keys if k in by_key]
        height = max((_chart_height(by_key[k]) for k in present), default=CHART_HEIGHT)
        for j, key in enumerate(present):
            chart = _chart(wb, by_key[key], data_sheet, anchors[key], lang, width, height)
            options = {"x_offset": 4 + j * (width + 12), "y_offset": 6, "object_position": 1}
            ws.insert_chart(row, 0, chart, options)
        row += math.ceil((height + 24) / ROW_PX)
    ws.set_h_pagebreaks(breaks)
    ws.print_area(0, 0, row, 4)
    _print_setup(ws, lang, header_rows=(0, 1))  # the title and the as-of on every page


def _chart_height(data: ChartData) -> int:
    """Pixels: a bar chart grows with its categories so that every label shows."""
    if data.kind != "bar":
        return CHART_HEIGHT
    shown = len(data.categories) if data.shown is None else min(data.shown, len(data.categories))
    return max(CHART_HEIGHT // 2 + 40, min(110 + 26 * shown, 540))


def _chart(
    wb: NewBook,
    data: ChartData,
    sheet: str,
    anchor: tuple[int, int],
    lang: str,
    width: int,
    height: int,
) -> Chart:
    chart = wb.add_chart({"type": data.kind, **({"subtype": "stacked"} if data.stacked else {})})
    first, col = anchor
    shown = len(data.categories) if data.shown is None else min(data.shown, len(data.categories))
    last = first + max(shown, 1) - 1
    percent = data.unit == "percent"
    labels = {
        "value": True,
        "num_format": "0%" if percent else "#,##0",
        "font": {**FONT, "size": 9},
    }
    if data.stacked:  # one series a column of the data table, a legend to tell them apart
        names = [data.value_label, *(label for label, _ in data.extra)]
        for j, name in enumerate(names):
            chart.add_series(
                {
                    "name": pick(lang, *name),
                    "categories": [sheet, first, col, last, col],
                    "values": [sheet, first, col + 1 + j, last, col + 1 + j],
                    "fill": {"color": STACK_COLOURS[j % len(STACK_COLOURS)]},
                    "border": {"none": True},
                    "gap": 60,
                }
            )
    elif data.kind == "line":
        chart.add_series(
            {
                "name": pick(lang, *data.value_label),
                "categories": [sheet, first, col, last, col],
                "values": [sheet, first, col + 1, last, col + 1],
                "line": {"color": LINE_RED, "width": 2.25},
                "marker": {"type": "circle", "size": 6, "fill": {"color": LINE_RED}},
                "data_labels": {**labels, "position": "above"},
            }
        )
    else:
        chart.add_series(
            {
                "name": pick(lang, *data.value_label),
                "categories": [sheet, first, col, last, col],
                "values": [sheet, first, col + 1, last, col + 1],
                "fill": {"color": BAR_BLUE},
                "border": {"none": True},
                "gap": 60,
                "data_labels": labels,
            }
        )
    chart.set_title(
        {"name": pick(lang, *data.title), "name_font": {**FONT, "size": 12, "bold": True}}
    )
    value_axis: dict[str, Any] = {
        "name": pick(lang, *data.y_title),
        "name_font": {**FONT, "size": 10, "bold": False},
        "num_font": {**FONT, "size": 9},
        "major_gridlines": {"visible": True, "line": {"color": "#D9D9D9"}},
        "min": 0,
    }
    value_axis["num_format"] = "0%" if percent else "#,##0"
    if percent:
        value_axis["max"] = 1
    category_axis: dict[str, Any] = {
        "name": pick(lang, *data.x_title),
        "name_font": {**FONT, "size": 10, "bold": False},
        "num_font": {**FONT, "size": 9},
    }
    if len(data.categories) > 8:  # long labels (week ranges) read better slanted
        category_axis["num_font"] = {**FONT, "size": 9, "rotation": -45}
    if data.kind == "bar":  # xlsxwriter: in a bar chart x is the value axis, y the categories
        category_axis["num_font"] = {**FONT, "size": 9, "rotation": 0}  # names stay level
        category_axis["reverse"] = True  # first category on top, as a funnel reads
        category_axis["crossing"] = "max"  # and the value axis stays at the bottom
        chart.set_x_axis(value_axis)
        chart.set_y_axis(category_axis)
    else:
        chart.set_x_axis(category_axis)
        chart.set_y_axis(value_axis)
    chart.set_legend({"position": "bottom"} if data.stacked else {"none": True})
    chart.set_size({"width": width, "height": height})
    chart.set_chartarea({"border": {"color": "#BFBFBF"}})
    return chart


def _write_chart_data(
    ws: NewSheet, fmt: _Formats, charts: Sequence[ChartData], lang: str
) -> dict[str, tuple[int, int]]:
    """One small table per chart, stacked; returns where each chart's first data row is."""
    ws.set_column(0, 0, 26)
    ws.set_column(1, 3, 14)
    _print_setup(ws, lang)
    anchors: dict[str, tuple[int, int]] = {}
    row = 0
    for data in charts:
        ws.write_string(row, 0, pick(lang, *data.title), fmt.section)
        row += 1
        headers = [
            pick(lang, *data.category_label),
            pick(lang, *data.value_label),
            *(pick(lang, *label) for label, _ in data.extra),
        ]
        for j, h in enumerate(headers):
            ws.write_string(row, j, h, fmt.header)
        anchors[data.key] = (row + 1, 0)
        value_fmt = fmt.kind("percent" if data.unit == "percent" else "count")
        for i, category in enumerate(data.categories):
            r = row + 1 + i
            ws.write_string(r, 0, category)
            value = data.values[i]
            if value is None:
                ws.write_blank(r, 1, None, value_fmt)
            else:
                ws.write_number(r, 1, value, value_fmt)
            for j, (_, extra) in enumerate(data.extra, start=2):
                ws.write_number(r, j, extra[i], fmt.kind("count"))
        if not data.categories:
            ws.write_string(row + 1, 0, pick(lang, "（无）", "(none)"))
        row += max(len(data.categories), 1) + 2
    return anchors


# ------------------------------------------------------------------------------ lists


def _write_listing(
    ws: NewSheet, fmt: _Formats, listing: Listing, lang: str, table_name: str, period_note: str
) -> None:
    """A title, a caption, and the list as an Excel table with a filter on every column."""
    fields = listing.fields
    ws.write_string(
        0,
        0,
        f"{listing.title(lang)}（{len(listing)}）"
        if lang != "en"
        else f"{listing.title(lang)} ({len(listing)})",
        fmt.title,
    )
    ws.set_row(0, 26)
    ws.write_string(1, 0, period_note, fmt.subtitle)
    caption = listing.caption(lang)
    if not len(listing):
        caption += pick(lang, "　没有需要列出的记录。", " Nothing to list.")
    span = sum(f.width for f in fields)
    if len(fields) > 1:
        ws.merge_range(
            2, 0, 2, len(fields) - 1, caption, fmt.get(font_color="#595959", text_wrap=True)
        )
    else:
        ws.write_string(2, 0, caption, fmt.subtitle)
    ws.set_row(2, 15 * cell_lines(caption, span) + 3)
    header = 3
    for j, f in enumerate(fields):
        ws.set_column(j, j, f.width)
    n = len(listing)
    for j, f in enumerate(fields):
        _write_column(ws, fmt, header + 1, j, f, listing.frame[f.key], lang)
    ws.add_table(
        header,
        0,
        header + max(n, 1),
        len(fields) - 1,
        {
            "name": table_name,
            "style": "Table Style Light 9",
            "columns": [{"header": f.label(lang), "header_format": fmt.header} for f in fields],
        },
    )
    ws.set_row(header, 30)
    ws.freeze_panes(header + 1, 0)
    _print_setup(ws, lang, header_rows=(header, header))


def _write_column(
    ws: NewSheet, fmt: _Formats, top: int, col: int, f: Field, values: pd.Series, lang: str
) -> None:
    """Write one column fast: numbers and dates as numbers, text once per distinct value."""
    kind = f.kind
    if kind in ("date", "datetime"):
        stamps = pd.to_datetime(values).astype("datetime64[ns]").to_numpy()
        serial = (stamps - EXCEL_EPOCH).astype("timedelta64[ns]").astype(np.int64) / DAY_NS
        cell = fmt.kind(kind)
        for i, (missing, number) in enumerate(zip(np.isnat(stamps), serial.tolist(), strict=True)):
            if not missing:
                ws.write_number(top + i, col, number, cell)
        return
    if kind in ("int", "money", "percent", "hours", "number"):
        numbers = pd.to_numeric(values, errors="coerce").astype("float64").to_numpy()
        cell = fmt.kind(kind)
        for i, number in enumerate(numbers.tolist()):
            if number == number:
                ws.write_number(top + i, col, number, cell)
        return
    codes, uniques = pd.factorize(values.astype(object), use_na_sentinel=True)
    labels = [as_text(f.show(u, lang)) for u in uniques]
    blank = as_text(f.show(None, lang))
    for i, code in enumerate(codes.tolist()):
        text = labels[code] if code >= 0 else blank
        if text:
            ws.write_string(top + i, col, text)
