"""``report``: every KPI counted by hand, the workbook read back, charts, PDF, safety."""

from __future__ import annotations

import re
import shutil
import subprocess
import zipfile
from datetime import date, datetime
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from click.testing import CliRunner
from crm_small import AS_OF, customer, issue, sheets
from libreoffice import convert

from crmxl.cli import cli
from crmxl.commands.refresh import refresh
from crmxl.commands.report import report
from crmxl.errors import UsageError, WriteRefusedError
from crmxl.i18n import t
from crmxl.reporting.kpis import UNITS


@pytest.fixture
def small(make_workbook: Any) -> Path:
    return make_workbook(sheets())


def kpi_values(path: Path, lang: str = "zh") -> dict[str, Any]:
    """指标 -> 值 from the report's overview, as openpyxl reads it."""
    ws = openpyxl.load_workbook(path)["Overview" if lang == "en" else "概览"]
    rows = list(ws.iter_rows(values_only=True))
    top = next(i for i, r in enumerate(rows) if r[0] in ("指标", "KPI"))
    out = {}
    for r in rows[top + 1 :]:
        if r[0] is None:
            break
        out[r[0]] = r[1]
    return out


def table_rows(path: Path, sheet: str) -> list[dict[str, Any]]:
    """The rows of the Excel table on ``sheet``, as header -> value."""
    ws = openpyxl.load_workbook(path)[sheet]
    (table,) = ws.tables.values()
    cells = [[c.value for c in row] for row in ws[table.ref]]
    header, body = cells[0], cells[1:]
    return [dict(zip(header, r, strict=True)) for r in body if any(v is not None for v in r)]


def every_value(path: Path) -> dict[tuple[str, str], Any]:
    wb = openpyxl.load_workbook(path)
    return {
        (ws.title, c.coordinate): c.value
        for ws in wb
        for row in ws.iter_rows()
        for c in row
        if c.value is not None
    }


# ------------------------------------------------------------------------------ KPIs by hand


def test_every_kpi_counted_by_hand(small: Path, tmp_path: Path) -> None:
    result = report([small], tmp_path / "r.xlsx", as_of=AS_OF, period="7d")
    got = {k.code: k for k in result.kpis}
    assert list(got) == list(UNITS)
    # 客户档案 has 6 rows (C004 is 流失 and still counts).
    assert got["customers_total"].value == 6
    # Period 11-14 00:00 .. 11-20 10:00. C001 建档 11-15; C002 has no 建档日期, 首次接触 11-18;
    # C006 建档 11-19. C005's 首次接触 11-13 is a day early; C003/C004 were created long ago.
    assert got["customers_new"].value == 3
    # C001 11-16 and 11-20 09:00, C003 11-14 00:00 (the first instant counts); C003 11-13 23:59,
    # C002 09-01 and C005 11-10 are outside.
    assert got["follow_ups"].value == 3
    # C002: last contact 09-01 + 30 days (tier C) = 10-01 -> 50 days late; C005 (潜在, 7 days):
    # 11-10 + 7 = 11-17 -> 3 days late. C006 is due today, not overdue.
    assert got["overdue_customers"].value == 2
    # not 流失: C001 C002 C003 C005 C006 = 5; of them not 逾期: C001 C003 C006 = 3 -> 3/5.
    assert (got["follow_up_on_time_rate"].numerator, got["follow_up_on_time_rate"].denominator) == (
        3,
        5,
    )
    assert got["follow_up_on_time_rate"].value == pytest.approx(0.6)
    # Resolved in the period: WT1 (11-16, score 4) and WT2 (11-18, score 2) -> (4+2)/2.
    assert got["satisfaction"].value == pytest.approx(3.0)
    # Deals in (2024-11-20, 2025-11-20]: C001 (2025-06-01), C003 (2025-01-10); HT5 on 2024-11-20
    # is exactly 730 days back, outside. Of those two, only C001 has one in the last 12 months.
    assert (got["retention_rate"].numerator, got["retention_rate"].denominator) == (1, 2)
    # Last 12 months: C001 2 deals (03-01, 10-01), C004 1 deal; C005's is in the future and
    # C999 is not a customer -> 1 of 2.
    assert (got["repeat_rate"].numerator, got["repeat_rate"].denominator) == (1, 2)
    # Deals up to today of known customers: C001 10k+20k+30k, C003 40k+5k, C004 50k = 155,000
    # over 3 customers (the future HT7 and C999's HT8 are left out).
    assert got["lifetime_value"].numerator == 155_000
    assert got["lifetime_value"].value == pytest.approx(155_000 / 3)
    # 投诉 logged in the period: WT1 (11-15), WT3 (11-19); 成交 customers: C001 C003 C006.
    assert (got["complaint_rate"].numerator, got["complaint_rate"].denominator) == (2, 3)
    # WT1: 11-15 09:00 -> 11-16 09:00 = 24 h; WT2: 11-01 08:00 -> 11-18 08:00 = 408 h.
    assert got["avg_resolution_hours"].value == pytest.approx((24 + 408) / 2)
    # Clocks completed in the period: WT1 response 10:00 (due 11:00) and plan 20:00 (due 11-16
    # 09:00) on time; WT2 plan 11-15 (due 11-02) late; WT2's response (11-01) is before the period.
    assert (got["sla_on_time_rate"].numerator, got["sla_on_time_rate"].denominator) == (2, 3)
    # Captured in the period: L1 已转化, L2 有效, L3 无效, L5 待确认 (L4 is 11-10) -> 1 / 3.
    assert (got["lead_conversion_rate"].numerator, got["lead_conversion_rate"].denominator) == (
        1,
        3,
    )
    # Open needs: XQ1 报价 100k x 80% (成交) + XQ2 预算 60k x 50% (意向) + XQ3 20k x 10% (潜在)
    # + XQ4 500k x 0 (流失); XQ5 已确认 and XQ6 已关闭 are done.
    assert got["weighted_forecast"].value == pytest.approx(80_000 + 30_000 + 2_000)


def test_kpi_values_are_in_the_workbook(small: Path, tmp_path: Path) -> None:
    out = report([small], tmp_path / "r.xlsx", as_of=AS_OF).path
    values = kpi_values(out)
    assert values["客户总数"] == 6
    assert values["跟进及时率"] == pytest.approx(0.6)
    assert values["加权预测金额"] == pytest.approx(112_000)
    assert len(values) == len(UNITS)
    ws = openpyxl.load_workbook(out)["概览"]
    formats = {ws.cell(r, 1).value: ws.cell(r, 2).number_format for r in range(1, 25)}
    assert formats["跟进及时率"] == "0.0%" and "¥" in formats["加权预测金额"]


def test_zero_denominators_are_blank_with_a_note(make_workbook: Any, tmp_path: Path) -> None:
    # One lost customer (so nobody is "not 流失"), an issue that is not resolved, no 交易记录 and
    # no 线索 sheet at all: those ratios cannot be computed.
    path = make_workbook(
        {
            "customers": [customer("C001", "流失", "张三")],
            "follow_ups": [],  # the log is there (the follow-up status needs it), empty
            "issues": [issue("WT1", "C001", "咨询", datetime(2026, 11, 19, 9), "张三", "处理中")],
        }
    )
    result = report([path], tmp_path / "r.xlsx", as_of=AS_OF)
    got = {k.code: k for k in result.kpis}
    for code in (
        "follow_up_on_time_rate",
        "satisfaction",
        "complaint_rate",
        "avg_resolution_hours",
        "sla_on_time_rate",
    ):
        assert got[code].value is None and got[code].note == "kpi-note-zero", code
    for code in ("retention_rate", "repeat_rate", "lifetime_value", "lead_conversion_rate"):
        assert got[code].value is None and got[code].note == "kpi-note-no-sheet", code
    assert got["weighted_forecast"].value is None  # no 需求清单 either
    values = kpi_values(result.path)
    assert values["跟进及时率"] is None and values["复购率"] is None
    text = [str(v) for v in every_value(result.path).values()]
    assert not [v for v in text if v in ("nan", "NaN", "#DIV/0!", "inf") or "#DIV" in v]
    ws = openpyxl.load_workbook(result.path)["概览"]
    row = next(r for r in range(1, 30) if ws.cell(r, 1).value == "跟进及时率")
    assert "分母为0" in ws.cell(row, 2).comment.text and "分母为0" in ws.cell(row, 4).value


def test_a_rolling_period_is_the_days_ending_at_as_of(small: Path, tmp_path: Path) -> None:
    week = report([small], tmp_path / "w.xlsx", as_of=AS_OF, period="7d")
    month = report([small], tmp_path / "m.xlsx", as_of=AS_OF, period="30d")
    assert (week.period.start, month.period.start) == (
        datetime(2026, 11, 14),
        datetime(2026, 10, 22),
    )
    new = {
        r.period.name: next(k for k in r.kpis if k.code == "follow_ups").value
        for r in (week, month)
    }
    # In 30 days the 11-10 (C005) and 11-13 (C003) follow-ups count too; 09-01 still does not.
    assert new == {"7d": 3, "30d": 5}
    with pytest.raises(UsageError):
        report([small], tmp_path / "y.xlsx", as_of=AS_OF, period="year")


# ------------------------------------------------------------------------------ read back


def test_sheets_and_lists_read_back(small: Path, tmp_path: Path) -> None:
    out = report([small], tmp_path / "r.xlsx", as_of=AS_OF).path
    assert openpyxl.load_workbook(out).sheetnames == [
        "概览",
        "负责人",
        "逾期跟进",
        "SLA预警",
        "流失预警",
        "等级变动",
        "提醒",
        "销售预测",
        "图表数据",
    ]
    overdue = table_rows(out, "逾期跟进")
    assert [(r["客户编号"], r["负责人"], r["逾期天数"]) for r in overdue] == [
        ("C002", "李四", 50),
        ("C005", "张三", 3),
    ]
    # WT3's two clocks are breached (response due 11-19 10:00, plan 11-20 08:00); WT4's
    # response (咨询, 4 h, due 11:00) has 1 h of 4 left: 即将超时.
    sla = table_rows(out, "SLA预警")
    assert [(r["问题编号"], r["时限"], r["状态"], r["剩余小时"]) for r in sla] == [
        ("WT3", "响应", "已超时", -24),
        ("WT3", "方案", "已超时", -2),
        ("WT4", "响应", "即将超时", 1),
    ]
    churn = table_rows(out, "流失预警")
    assert [(r["客户编号"], r["风险"]) for r in churn] == [
        ("C002", "高"),
        ("C003", "高"),
        ("C005", "中"),
        ("C001", "中"),
        ("C006", "中"),
    ]
    moves = table_rows(out, "等级变动")  # the 11-16 fall of C003; C001's 11-01 move is older
    assert [(r["客户编号"], r["原等级"], r["新等级"], r["方向"]) for r in moves] == [
        ("C003", "B", "C", "下降")
    ]
    reminders = table_rows(out, "提醒")  # 赵工 today, 王经理 tomorrow, C006 10 years, 刘总 11-28
    assert [(r["客户编号"], r["类型"], r["问候日"].date()) for r in reminders] == [
        ("C002", "生日", date(2026, 11, 20)),
        ("C001", "生日", date(2026, 11, 20)),
        ("C006", "成立周年", date(2026, 11, 22)),
        ("C003", "生日", date(2026, 11, 27)),
    ]
    forecast = table_rows(out, "销售预测")
    assert [(r["需求编号"], r["加权金额"]) for r in forecast] == [
        ("XQ1", 80_000),
        ("XQ2", 30_000),
        ("XQ3", 2_000),
        ("XQ4", 0),
    ]


def test_by_owner_sheet(small: Path, tmp_path: Path) -> None:
    out = report([small], tmp_path / "r.xlsx", as_of=AS_OF, period="7d").path
    rows = {r["负责人"]: r for r in table_rows(out, "负责人")}
    assert list(rows) == ["张三", "李四", "王五", "赵六"]  # 销售团队 order
    # 张三: C001 C003 C005 (all C); follow-ups in the week by 记录人 张三: 11-16, 11-20;
    # overdue C005; open issues WT3; clocks completed: WT1 x2 on time, WT2 plan late; lead L5.
    assert rows["张三"]["C级客户"] == 3 and rows["张三"]["本期跟进"] == 2
    assert rows["张三"]["逾期跟进"] == 1 and rows["张三"]["未结问题"] == 1
    assert rows["张三"]["SLA达标率"] == pytest.approx(2 / 3) and rows["张三"]["待确认线索"] == 1
    assert rows["王五"]["本期跟进"] == 1  # C003's 11-14 00:00 follow-up was recorded by 王五
    assert rows["李四"]["SLA达标率"] is None  # no clock completed: blank, not 0 and not an error


def test_charts_are_native_with_titles(small: Path, tmp_path: Path) -> None:
    out = report([small], tmp_path / "r.xlsx", as_of=AS_OF).path
    with zipfile.ZipFile(out) as z:
        charts = sorted(n for n in z.namelist() if re.fullmatch(r"xl/charts/chart\d+\.xml", n))
        xml = [z.read(n).decode("utf-8") for n in charts]
    assert len(xml) == 5
    titles = [" ".join(re.findall(r"<a:t>([^<]*)</a:t>", x)) for x in xml]
    kinds = [re.search(r'<c:barDir val="(\w+)"', x).group(1) for x in xml]  # type: ignore[union-attr]
    expected = {
        "客户等级分布": "col",
        "客户阶段漏斗": "bar",
        "逾期跟进客户数（按负责人）": "bar",
        "近12周跟进次数": "col",
        "SLA达标率（按问题类型，本期）": "col",
    }
    for title, kind in expected.items():
        (i,) = [j for j, text in enumerate(titles) if title in text]
        assert kinds[i] == kind
    assert all(x.count("<c:title>") == 3 for x in xml)  # chart title and both axis titles
    assert "客户数" in titles[0] and "客户等级" in titles[0]
    assert "<c:f>图表数据!$A$3:$A$5</c:f>" in xml[0]  # plots the chart data sheet (A, B, C)


def test_chart_data_sheet_has_what_the_charts_plot(small: Path, tmp_path: Path) -> None:
    out = report([small], tmp_path / "r.xlsx", as_of=AS_OF).path
    ws = openpyxl.load_workbook(out)["图表数据"]
    rows = [r for r in ws.iter_rows(values_only=True) if any(v is not None for v in r)]
    stages = rows[rows.index(next(r for r in rows if r[0] == "合作阶段")) + 1 :][:4]
    assert [(r[0], r[1]) for r in stages] == [("潜在", 1), ("意向", 1), ("成交", 3), ("流失", 1)]
    weeks = [r for r in rows if isinstance(r[0], str) and "~" in r[0]]
    # calendar weeks: Monday 11-16 to Sunday 11-22 holds C001's 11-16 and 11-20; the week
    # before, 11-09~11-15, C005's 11-10 and C003's 11-13 23:59 and 11-14 00:00
    assert len(weeks) == 12 and [w[:2] for w in weeks[-2:]] == [
        ("11-09~11-15", 3),
        ("11-16~11-22", 2),
    ]
    assert weeks[0][:2] == ("08-31~09-06", 1)  # 11 weeks before 11-16: C002's 09-01


def test_english_report_on_request(small: Path, tmp_path: Path) -> None:
    out = report([small], tmp_path / "r.xlsx", as_of=AS_OF, lang="en").path
    assert openpyxl.load_workbook(out).sheetnames[:3] == ["Overview", "By Owner", "Overdue"]
    assert kpi_values(out, "en")["Customers"] == 6
    assert table_rows(out, "SLA Alerts")[0]["State"] == "Breached"


def test_same_input_same_report(small: Path, tmp_path: Path) -> None:
    first = report([small], tmp_path / "a.xlsx", as_of=AS_OF).path
    second = report([small], tmp_path / "b.xlsx", as_of=AS_OF).path
    assert every_value(first) == every_value(second)
    props = [openpyxl.load_workbook(p).properties for p in (first, second)]
    assert props[0].created == props[1].created == AS_OF


def test_unrefreshed_workbook_reports_as_refreshed(small: Path, tmp_path: Path) -> None:
    before = report([small], tmp_path / "a.xlsx", as_of=AS_OF)
    refresh([small], as_of=AS_OF, backup=False)
    after = report([small], tmp_path / "b.xlsx", as_of=AS_OF)
    assert [k.value for k in before.kpis] == [k.value for k in after.kpis]
    assert table_rows(before.path, "逾期跟进") == table_rows(after.path, "逾期跟进")


def test_pending_tier_move_is_listed(make_workbook: Any, tmp_path: Path) -> None:
    # The workbook still says A (a refresh long ago); no deal in 12 months makes it C now.
    path = make_workbook({"customers": [customer("C001", "成交", "张三", tier="A")]})
    out = report([path], tmp_path / "r.xlsx", as_of=AS_OF).path
    (move,) = table_rows(out, "等级变动")
    assert (move["客户编号"], move["原等级"], move["新等级"]) == ("C001", "A", "C")
    assert move["来源"] == "本次计算（尚未刷新）"


# ------------------------------------------------------------------------------ writing safely


def test_never_overwrites_an_input(small: Path) -> None:
    before = small.read_bytes()
    with pytest.raises(WriteRefusedError):
        report([small], small, as_of=AS_OF)
    assert small.read_bytes() == before


def test_never_replaces_a_crm_workbook(small: Path, make_workbook: Any, tmp_path: Path) -> None:
    other = make_workbook({"customers": [customer("C9", "成交", "张三")]}, name="other.xlsx")
    with pytest.raises(WriteRefusedError):
        report([small], other, as_of=AS_OF)
    out = tmp_path / "r.xlsx"
    report([small], out, as_of=AS_OF)
    report([small], out, as_of=AS_OF)  # an earlier report is replaced
    assert sorted(p.name for p in tmp_path.iterdir() if not p.name.endswith(".crmxl-lock")) == [
        "crm.xlsx",
        "other.xlsx",
        "r.xlsx",
    ]  # crmxl's write lock file stays on POSIX (docs/write-path.md)


def test_refuses_an_open_target_and_a_wrong_suffix(small: Path, tmp_path: Path) -> None:
    out = tmp_path / "r.xlsx"
    (tmp_path / "~$r.xlsx").write_bytes(b"\x05alice" + b" " * 48)
    with pytest.raises(WriteRefusedError):
        report([small], out, as_of=AS_OF)
    assert not out.exists()
    with pytest.raises(UsageError):
        report([small], tmp_path / "r.csv", as_of=AS_OF)


# ------------------------------------------------------------------------------ command line


def test_cli_report_prints_kpis_and_json(small: Path, tmp_path: Path) -> None:
    runner = CliRunner()
    out = tmp_path / "周报.xlsx"
    args = ["report", str(small), "-o", str(out), "--as-of", "2026-11-20T10:00"]
    res = runner.invoke(cli, args)
    assert res.exit_code == 0, res.output
    assert "报表已写入" in res.output and "跟进及时率" in res.output and "60.0%" in res.output
    import json

    res = runner.invoke(cli, [*args, "--json"])
    data = json.loads(res.output)
    assert data["lists"]["overdue"]["rows"] == 2 and len(data["kpis"]) == len(UNITS)
    expected = report([small], tmp_path / "x.xlsx", as_of=AS_OF).to_dict("zh")
    assert {k: v for k, v in data.items() if k != "path"} == {
        k: v for k, v in expected.items() if k != "path"
    }


def test_cli_report_language(small: Path, tmp_path: Path) -> None:
    runner = CliRunner()
    args = [str(small), "--as-of", "2026-11-20"]
    assert (
        runner.invoke(
            cli, ["--lang", "en", "report", *args, "-o", str(tmp_path / "a.xlsx")]
        ).exit_code
        == 0
    )
    assert (
        runner.invoke(
            cli, ["report", *args, "-o", str(tmp_path / "b.xlsx")], env={"CRMXL_LANG": "en"}
        ).exit_code
        == 0
    )
    assert openpyxl.load_workbook(tmp_path / "a.xlsx").sheetnames[0] == "Overview"
    assert openpyxl.load_workbook(tmp_path / "b.xlsx").sheetnames[0] == "概览"  # the workbook's


def test_cli_refusal_is_one_line_and_exit_1(small: Path) -> None:
    res = CliRunner().invoke(cli, ["report", str(small), "-o", str(small)])
    assert res.exit_code == 1 and res.output.startswith("Error: ") and "Traceback" not in res.output


# ------------------------------------------------------------------------------ LibreOffice


@pytest.mark.libreoffice
def test_libreoffice_renders_the_report(small: Path, tmp_path: Path) -> None:
    out = report([small], tmp_path / "report.xlsx", as_of=AS_OF).path
    (pdf,) = convert([out], "pdf", tmp_path / "pdf")
    pdftotext = shutil.which("pdftotext")
    assert pdftotext, "pdftotext (poppler-utils) is needed"
    text = subprocess.run(
        [pdftotext, "-layout", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    names = [t(f"kpi-{code}", "zh") for code in UNITS]
    assert [n for n in names if n not in text] == []
    for title in ("客户等级分布", "近12周跟进次数", "逾期跟进（2）", "SLA预警（3）"):
        assert title in text


def test_docs_state_every_definition() -> None:
    docs = (Path(__file__).parents[1] / "docs" / "report.md").read_text(encoding="utf-8")
    from crmxl.reporting.kpis import Kpi

    probs = (
        ("probs", "潜在 10%、意向 50%、成交 80%", "Prospect 10%, Interested 50%, Customer 80%"),
    )
    for code in UNITS:
        kpi = Kpi(code, None, params=probs)
        assert kpi.definition("zh") in docs and kpi.definition("en") in docs, code


def test_without_a_customer_sheet_customer_kpis_say_so(make_workbook: Any, tmp_path: Path) -> None:
    path = make_workbook(
        {"issues": [issue("WT1", "C001", "咨询", datetime(2026, 11, 19, 9), "张三", "处理中")]},
        name="问题跟踪.xlsx",
    )
    got = {k.code: k for k in report([path], tmp_path / "r.xlsx", as_of=AS_OF).kpis}
    for code in ("customers_total", "overdue_customers", "complaint_rate", "retention_rate"):
        assert got[code].value is None and "客户档案" in got[code].note_text("zh"), code
    assert got["sla_on_time_rate"].note == "kpi-note-zero"  # the sheet is there, nothing done


def test_unreadable_inputs_are_reported_not_hidden(make_workbook: Any, tmp_path: Path) -> None:
    path = make_workbook({"customers": [customer("C001", "成交", "张三", first_contact="上周")]})
    result = report([path], tmp_path / "r.xlsx", as_of=AS_OF)
    assert result.unreadable == 1 and "crmxl validate" in result.render("zh")
    ws = openpyxl.load_workbook(result.path)["概览"]
    assert "1 处输入有错误" in ws["A3"].value
