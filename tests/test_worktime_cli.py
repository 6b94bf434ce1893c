"""Working time (SPEC 2.8) as a user meets it: 配置 says 工作时, then refresh, validate, report and
todo, through the command line, on small workbooks built here.

Every expected moment is counted by hand in the comment beside it: working hours 09:00-12:00 and
13:30-18:00 (7.5 h a day), Monday to Friday, the State Council's 2026 schedule (国庆 10月1日-7日
off, 10月10日 Saturday and 9月20日 Sunday working days), and for 2027 only what the 节假日 sheet
says.
"""

from __future__ import annotations

import json
from datetime import date, datetime
from pathlib import Path
from typing import Any

import crm_small
import openpyxl
import pytest
from click.testing import CliRunner
from crm_small import read_back

from crmxl.cli import cli
from crmxl.model.schema import CUSTOMERS, FOLLOW_UPS, ISSUES

WORKING = {"key": "SLA计时", "value": "工作时"}


def run(*args: str) -> Any:
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def customer(cid: str = "C001", **kw: Any) -> dict[str, Any]:
    return crm_small.customer(cid, "成交", "张三", **kw)


def issue(iid: str, kind: str, logged: datetime, **kw: Any) -> dict[str, Any]:
    return {
        "issue_id": iid,
        "customer_id": "C001",
        "logged_at": logged,
        "type": kind,
        "description": "设备故障",
        "urgency": "高",
        "owner": "张三",
        "status": "处理中",
        **kw,
    }


def rows(path: Path, spec_zh: str) -> dict[str, dict[str, Any]]:
    """The sheet's rows by their ID, each as {column key: value}."""
    return read_back(
        path, {"问题跟踪": ISSUES, "客户档案": CUSTOMERS, "跟进记录": FOLLOW_UPS}[spec_zh]
    )


def refreshed(path: Path, as_of: str, *extra: str) -> Any:
    result = run("refresh", str(path), "--as-of", as_of, *extra)
    assert result.exit_code == 0, result.output
    return result


# ------------------------------------------------------------------------------ SLA clocks


def test_a_complaint_logged_before_national_day(make_workbook: Any) -> None:
    path = make_workbook(
        {
            "customers": [customer()],
            "issues": [
                # 投诉: respond in 2 h, plan in 24 h; logged Wednesday 30 September, 20:00
                issue("WT1", "投诉", datetime(2026, 9, 30, 20, 0)),
                issue(
                    "WT2",
                    "投诉",
                    datetime(2026, 9, 30, 20, 0),
                    first_response_at=datetime(2026, 10, 8, 10, 30),
                    resolved_at=datetime(2026, 10, 8, 10, 40),  # not after as-of (10:45)
                    status="已解决",
                ),
            ],
            "settings": [WORKING],
        }
    )
    out = refreshed(path, "2026-10-08T10:45").output
    got = rows(path, "问题跟踪")
    # 10-01..10-07 are off; counting starts 10-08 09:00: + 2 h = 11:00
    assert got["WT1"]["response_due"] == datetime(2026, 10, 8, 11, 0)
    # 24 h: 10-08 7.5 h, 10-09 7.5 h, Saturday 10-10 (a working day) 7.5 h = 22.5 h,
    # then Monday 10-12 09:00 + 1.5 h = 10:30
    assert got["WT1"]["plan_due"] == datetime(2026, 10, 12, 10, 30)
    # at 10:45 a quarter of an hour of the 2 h is left (<= 25 %): due soon, not yet breached
    assert got["WT1"]["response_state"] == "即将超时"
    assert got["WT1"]["plan_state"] == "进行中"
    # replied 10-08 10:30, before 11:00: on time (in calendar time it was 12.5 h late)
    assert got["WT2"]["response_state"] == "按时完成"
    # 30 September 20:00 to 8 October 10:40 in working time: 09:00-10:40, 1 h 40 min = 1.67 h,
    # 1.7 to one decimal (in calendar time 182.7 h)
    assert got["WT2"]["hours_to_resolve"] == pytest.approx(1.7)
    assert got["WT1"]["sla_basis"] == got["WT2"]["sla_basis"] == "按工作时间计"
    assert "2026 年" not in out  # the library knows 2026: no coverage warning


def test_a_make_up_sunday_is_a_working_day(make_workbook: Any) -> None:
    path = make_workbook(
        {
            "customers": [customer()],
            # 合作异常: 1 h / 4 h; logged Saturday 19 September 10:00, before the 调休 Sunday
            "issues": [issue("WT1", "合作异常", datetime(2026, 9, 19, 10, 0))],
            "settings": [WORKING],
        }
    )
    refreshed(path, "2026-09-19T12:00")
    got = rows(path, "问题跟踪")["WT1"]
    assert got["response_due"] == datetime(2026, 9, 20, 10, 0)  # Sunday 09:00 + 1 h
    assert got["plan_due"] == datetime(2026, 9, 20, 14, 30)  # 09-12 is 3 h, then 13:30 + 1 h


def spring_2027(**extra: Any) -> dict[str, Any]:
    # 咨询: 4 h / 48 h; logged Friday 5 February 2027, 16:00
    sheets: dict[str, Any] = {
        "customers": [customer()],
        "issues": [issue("WT1", "咨询", datetime(2027, 2, 5, 16, 0))],
        "settings": [WORKING],
    }
    sheets.update(extra)
    return sheets


HOLIDAYS_2027 = [
    {"date": date(2027, 1, 31), "kind": "班", "note": "春节调休"},
    *({"date": date(2027, 2, d), "kind": "休", "note": "春节"} for d in range(6, 13)),
    {"date": date(2027, 2, 20), "kind": "班", "note": "春节调休"},
]


def test_spring_festival_2027_from_the_holidays_sheet(make_workbook: Any) -> None:
    path = make_workbook(spring_2027(holidays=HOLIDAYS_2027))
    out = refreshed(path, "2027-02-05T17:00", "--json").output
    # Friday 16:00-18:00 is 2 h; 6-12 February off, 13-14 a weekend; Monday 15th 09:00 + 2 h
    assert rows(path, "问题跟踪")["WT1"]["response_due"] == datetime(2027, 2, 15, 11, 0)
    assert "worktime_warnings" not in json.loads(out)  # the sheet covers 2027


def test_without_the_sheet_2027_counts_weekends_only_and_says_so(make_workbook: Any) -> None:
    path = make_workbook(spring_2027())
    out = refreshed(path, "2027-02-05T17:00", "--json").output
    # Friday 2 h, the weekend, Monday 8 February 09:00 + 2 h
    assert rows(path, "问题跟踪")["WT1"]["response_due"] == datetime(2027, 2, 8, 11, 0)
    assert [w["year"] for w in json.loads(out)["worktime_warnings"]] == [2027]


def test_an_uncovered_year_is_one_line_in_refresh_validate_report_and_todo(
    make_workbook: Any, tmp_path: Path
) -> None:
    path = make_workbook(
        {
            "customers": [customer()],
            "issues": [
                issue("WT1", "投诉", datetime(2028, 3, 1, 10, 0)),
                issue("WT2", "咨询", datetime(2028, 3, 2, 10, 0)),
            ],
            "settings": [WORKING],
        }
    )
    line = "2028 年的法定节假日和调休未知（节假日库与“节假日”工作表都未覆盖），该年按周末计算"
    for args in (
        ["refresh", str(path), "--as-of", "2028-03-02T12:00"],
        ["validate", str(path), "--as-of", "2028-03-02T12:00"],
        ["report", str(path), "-o", str(tmp_path / "r.xlsx"), "--as-of", "2028-03-02T12:00"],
        ["todo", str(path), "--as-of", "2028-03-02T12:00"],
    ):
        out = run(*args).output
        assert out.count(line) == 1, (args[0], out)
    data = json.loads(run("validate", str(path), "--as-of", "2028-03-02T12:00", "--json").output)
    assert data["worktime_warnings"] == [
        {
            "code": "worktime-uncovered-year",
            "year": 2028,
            "message": line + "；请在“节假日”工作表填写 2028 年的放假和调休安排",
        }
    ]
    english = run("refresh", str(path), "--as-of", "2028-03-02T12:00", "--lang", "en").output
    assert "The public holidays of 2028 are unknown" in english


def test_calendar_time_stays_the_default(make_workbook: Any) -> None:
    path = make_workbook(
        {
            "customers": [customer()],
            "issues": [issue("WT1", "投诉", datetime(2026, 9, 30, 20, 0))],
        }
    )
    out = refreshed(path, "2026-10-08T10:45", "--json").output
    got = rows(path, "问题跟踪")["WT1"]
    assert got["response_due"] == datetime(2026, 9, 30, 22, 0)  # 20:00 + 2 h
    assert got["response_state"] == "已超时"
    assert "sla_basis" not in got  # the column is not added when it would stay blank
    assert "worktime_warnings" not in json.loads(out)


def test_back_to_calendar_time_clears_the_basis(make_workbook: Any) -> None:
    path = make_workbook(spring_2027(holidays=HOLIDAYS_2027))
    refreshed(path, "2027-02-05T17:00")
    wb = openpyxl.load_workbook(path)
    for row in wb["配置"].iter_rows(min_row=2):
        if row[0].value == "SLA计时":
            row[1].value = "自然时"
    wb.save(path)
    refreshed(path, "2027-02-05T17:00")
    got = rows(path, "问题跟踪")["WT1"]
    assert got["sla_basis"] is None
    assert got["response_due"] == datetime(2027, 2, 5, 20, 0)  # 16:00 + 4 h


# ------------------------------------------------------------------------------ 录入及时, 建档


def test_entry_within_two_working_days(make_workbook: Any) -> None:
    def follow_up(rid: str, entered: datetime) -> dict[str, Any]:
        return {
            "record_id": rid,
            "customer_id": "C001",
            "date": datetime(2026, 9, 30, 15, 0),
            "channel": "电话",
            "summary": "节前沟通",
            "recorded_by": "张三",
            "entered_at": entered,
        }

    sheets = {
        "customers": [customer()],
        "follow_ups": [
            follow_up("GJ1", datetime(2026, 10, 9, 17, 0)),
            follow_up("GJ2", datetime(2026, 10, 10, 10, 0)),
        ],
        "settings": [{"key": "录入时限", "value": "2个工作日"}],
    }
    path = make_workbook(sheets)
    refreshed(path, "2026-10-12")
    got = rows(path, "跟进记录")
    # 2 working days after 30 September: 10-08 and 10-09, due 10-09 18:00
    assert got["GJ1"]["on_time"] == "是"
    # entered Saturday 10-10 10:00: 16 calendar hours after 10-09 18:00 (录入计时 自然时)
    assert got["GJ2"]["on_time"] == "否 (超时16小时)"
    sheets["settings"] = [*sheets["settings"], {"key": "录入计时", "value": "工作时"}]
    path = make_workbook(sheets, name="working.xlsx")
    refreshed(path, "2026-10-12")
    # in working hours: 10-10 (a working Saturday) 09:00-10:00 is 1 h
    assert rows(path, "跟进记录")["GJ2"]["on_time"] == "否 (超时1小时)"


def test_late_record_in_working_days(make_workbook: Any) -> None:
    first = date(2026, 9, 30)
    path = make_workbook(
        {
            "customers": [
                customer("C001", first_contact=first, created=date(2026, 10, 8)),
                customer("C002", first_contact=first, created=date(2026, 10, 9)),
            ],
            "settings": [{"key": "建档时限", "value": "1个工作日"}],
        }
    )
    data = json.loads(run("validate", str(path), "--as-of", "2026-11-20", "--json").output)
    late = [f for f in data["findings"] if f["code"] == "late-record"]
    # the 1st working day after 30 September is 8 October: C001 on time, C002 a day late
    assert [f["cell"] for f in late] == ["客户档案!H3"]
    assert late[0]["message"] == "建档比首次接触晚了 9 天，超过 1 个工作日时限"
    default = make_workbook(
        {"customers": [customer("C001", first_contact=first, created=date(2026, 10, 8))]},
        name="default.xlsx",
    )
    data = json.loads(run("validate", str(default), "--as-of", "2026-11-20", "--json").output)
    # in calendar time (the default), 8 days is beyond 24 h
    assert [f["message"] for f in data["findings"] if f["code"] == "late-record"] == [
        "建档比首次接触晚了 8 天，超过 24 小时时限"
    ]


# ------------------------------------------------------------------------------ settings, sheet


def test_bad_worktime_settings_name_their_cells(make_workbook: Any) -> None:
    path = make_workbook(
        {
            "customers": [customer()],
            "settings": [
                {"key": "SLA计时", "value": "按天"},
                {"key": "工作时间", "value": "18:00-09:00"},
                {"key": "工作日", "value": "周八"},
                {"key": "录入时限", "value": "1.5个工作日"},
            ],
        }
    )
    data = json.loads(run("validate", str(path), "--json").output)
    bad = {f["cell"]: f["message"] for f in data["findings"] if f["code"] == "bad-setting"}
    assert bad == {
        "配置!B2": "配置项“SLA计时”的值无效（bad-clock-mode），已使用默认值",
        "配置!B3": "配置项“工作时间”的值无效（bad-work-hours），已使用默认值",
        "配置!B4": "配置项“工作日”的值无效（bad-workdays），已使用默认值",
        "配置!B5": "配置项“录入时限”的值无效（bad-limit），已使用默认值",
    }


def test_validate_checks_the_holidays_sheet(make_workbook: Any) -> None:
    path = make_workbook(
        {
            "customers": [customer()],
            "holidays": [
                {"date": date(2027, 2, 6), "kind": "休", "note": "春节"},  # row 2
                {"date": "2027-02-30", "kind": "休"},  # row 3: no such day
                {"date": date(2027, 2, 7), "kind": "放假"},  # row 4: an alias of 休, fine
                {"date": date(2027, 2, 8), "kind": "加班"},  # row 5: not 休/班
                {"date": date(2027, 2, 6), "kind": "休"},  # row 6: same as row 2
                {"date": date(2027, 2, 7), "kind": "班"},  # row 7: contradicts row 4
            ],
        }
    )
    result = run("validate", str(path), "--json")
    data = json.loads(result.output)
    found = {
        (f["cell"], f["code"], f["severity"]) for f in data["findings"] if f["sheet"] == "节假日"
    }
    assert found == {
        ("节假日!A3", "bad-date", "error"),
        ("节假日!B5", "bad-enum", "error"),
        ("节假日!A6", "holiday-duplicate", "warning"),
        ("节假日!A7", "holiday-conflict", "error"),
    }
    messages = {f["cell"]: f["message"] for f in data["findings"] if f["sheet"] == "节假日"}
    assert messages["节假日!A7"] == "日期 2027-02-07 与第 4 行的类型矛盾，以第 4 行为准"
    assert result.exit_code == 1
    # no missing-sheet warning for a workbook without the optional sheet
    plain = make_workbook({"customers": [customer()]}, name="plain.xlsx")
    data = json.loads(run("validate", str(plain), "--json").output)
    assert not [f for f in data["findings"] if "节假日" in f["message"]]


# ------------------------------------------------------------------------------ init


def test_init_writes_an_empty_holidays_sheet_the_keys_and_the_guide(tmp_path: Path) -> None:
    """init --layout separate: the 节假日 sheet (日期, 类型 with a 休/班 dropdown, 说明; no rows)
    goes into the customer file beside 配置, whose rows hold the new keys at their defaults; the
    guide explains working time and the pool."""
    made = run("init", str(tmp_path), "--layout", "separate")
    assert made.exit_code == 0, made.output
    wb = openpyxl.load_workbook(tmp_path / "客户档案.xlsx")
    assert wb.sheetnames.index("节假日") == wb.sheetnames.index("配置") + 1
    ws = wb["节假日"]
    assert [c.value for c in ws[1]] == ["日期*", "类型*", "说明"] and ws.max_row == 1
    lists = [(str(v.sqref).split(":")[0], v.formula1) for v in ws.data_validations.dataValidation]
    assert ("B2", '"休,班"') in lists
    settings = {r[0]: r[1] for r in wb["配置"].iter_rows(min_row=2, values_only=True)}
    assert (settings["SLA计时"], settings["建档计时"], settings["录入计时"]) == ("自然时",) * 3
    assert (settings["公海规则"], settings["拆分含公海客户"]) == ("停用", "否")
    for name in ("问题处理跟踪表.xlsx", "需求清单.xlsx"):
        assert "节假日" not in openpyxl.load_workbook(tmp_path / name).sheetnames
    guide = " ".join(
        str(c.value) for row in wb["说明"].iter_rows() for c in row if c.value is not None
    )
    assert "节假日" in guide and "工作时" in guide and "公海" in guide
