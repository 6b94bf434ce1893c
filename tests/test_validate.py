"""``validate``: every finding, one pass, each naming its cell."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import pytest

from crmxl.commands.validate import validate

AS_OF = datetime(2026, 11, 20)
GOOD = {
    "customer_id": "C001",
    "name": "上海华信科技有限公司",
    "industry": "制造业",
    "source": "展会",
    "first_contact": date(2026, 1, 5),
    "stage": "成交",
    "owner": "张三",
}
TEAM = [{"name": "张三", "role": "销售专员", "active": "是"}]


def codes_at(path: Path, **kw: object) -> dict[str, set[str]]:
    result = validate([path], as_of=AS_OF, **kw)  # type: ignore[arg-type]
    out: dict[str, set[str]] = {}
    for f in result.findings:
        out.setdefault(f.cell, set()).add(f.code)
    return out


def test_a_clean_workbook_is_valid(make_workbook) -> None:
    result = validate([make_workbook({"customers": [GOOD], "team": TEAM})], as_of=AS_OF)
    assert result.errors == 0
    assert result.findings == []


@pytest.mark.parametrize(
    "column, value, code",
    [
        ("name", None, "missing-value"),
        ("name", "华信", "short-name"),
        ("industry", "养猪", "bad-enum"),
        ("stage", "大概成交了", "bad-enum"),
        ("first_contact", "2026-13-01", "bad-date"),
        ("first_contact", "2027-01-01", "future-date"),
        ("employees", -3, "out-of-range"),
        ("employees", "很多", "bad-int"),
        ("annual_amount", "一百万", "bad-amount"),
        ("website", "not a url", "bad-url"),
        ("leader", "可能", "bad-yesno"),
        ("owner", "王五", "unknown-owner"),
        ("source", "待核实", "placeholder"),
        ("tier_override", "A", "override-needs-note"),
        ("created", date(2026, 1, 9), "late-record"),
    ],
)
def test_each_customer_problem_names_its_cell(
    make_workbook, column: str, value: object, code: str
) -> None:
    path = make_workbook(
        {"customers": [{**GOOD, column: value}], "team": TEAM},
        columns={"customers": [*GOOD, column]} if column not in GOOD else None,
    )
    found = codes_at(path)
    cells = [cell for cell, codes in found.items() if code in codes]
    assert cells, found
    assert all(cell.startswith("客户档案!") and cell.endswith("2") for cell in cells)


def test_placeholders_are_warnings_and_errors_exit(make_workbook) -> None:
    path = make_workbook({"customers": [{**GOOD, "source": "待确认"}], "team": TEAM})
    result = validate([path], as_of=AS_OF)
    placeholder = next(f for f in result.findings if f.code == "placeholder")
    assert placeholder.severity.value == "warning"
    assert result.valid


def test_duplicates_ids_names_and_phones(make_workbook) -> None:
    path = make_workbook(
        {
            "customers": [
                GOOD,
                {**GOOD, "name": "上海 华信科技有限责任公司"},
                {**GOOD, "customer_id": "C003", "name": "另一家有限公司"},
            ],
            "contacts": [
                {"customer_id": "C001", "name": "甲", "mobile": "13812345678"},
                {"customer_id": "C003", "name": "乙", "mobile": "+86 138 1234 5678"},
            ],
            "team": TEAM,
        }
    )
    found = codes_at(path)
    assert "duplicate-id" in found["客户档案!A3"]
    assert "duplicate-customer" in found["客户档案!B3"]
    assert "duplicate-phone" in found["联系人!C3"]


def test_references_between_sheets(make_workbook) -> None:
    path = make_workbook(
        {
            "customers": [GOOD],
            "follow_ups": [
                {
                    "customer_id": "C999",
                    "date": datetime(2026, 3, 1),
                    "channel": "电话",
                    "summary": "s",
                    "recorded_by": "张三",
                }
            ],
            "team": TEAM,
        }
    )
    assert "unknown-customer" in codes_at(path)["跟进记录!A2"]


def test_contacts_need_a_way_to_reach_them(make_workbook) -> None:
    path = make_workbook(
        {"customers": [GOOD], "contacts": [{"customer_id": "C001", "name": "甲"}], "team": TEAM},
        columns={"contacts": ["customer_id", "name", "mobile", "email"]},
    )
    assert "missing-contact-method" in codes_at(path)["联系人!C2"]


def test_issue_resolved_before_logged_and_future_follow_up(make_workbook) -> None:
    path = make_workbook(
        {
            "customers": [GOOD],
            "issues": [
                {
                    "issue_id": "Q1",
                    "customer_id": "C001",
                    "logged_at": datetime(2026, 11, 1, 10),
                    "type": "投诉",
                    "description": "d",
                    "urgency": "高",
                    "owner": "张三",
                    "status": "已解决",
                    "resolved_at": datetime(2026, 10, 30, 9),
                }
            ],
            "follow_ups": [
                {
                    "customer_id": "C001",
                    "date": datetime(2026, 11, 21, 9),
                    "channel": "电话",
                    "summary": "s",
                    "recorded_by": "张三",
                }
            ],
            "team": TEAM,
        }
    )
    found = codes_at(path)
    issue_cells = [c for c, codes in found.items() if "resolved-before-logged" in codes]
    assert issue_cells and issue_cells[0].startswith("问题跟踪!")
    assert "future-date" in found["跟进记录!B2"]


def test_future_date_message_gives_today_to_the_minute(make_workbook) -> None:
    """``validate`` without --as-of uses now(): the message says the minute, not microseconds."""
    path = make_workbook({"customers": [{**GOOD, "first_contact": "2099-01-01"}], "team": TEAM})
    now = datetime(2026, 11, 23, 3, 58, 3, 721022)
    [finding] = [f for f in validate([path], as_of=now).findings if f.code == "future-date"]
    text = finding.message() + finding.message("en")
    assert text.count("2026-11-23 03:58") == 2
    assert "03:58:03" not in text and "721022" not in text


def test_invalid_leads_need_a_reason(make_workbook) -> None:
    path = make_workbook(
        {
            "customers": [GOOD],
            "leads": [
                {
                    "lead_id": "L1",
                    "captured_at": datetime(2026, 11, 1),
                    "source": "展会",
                    "company": "甲有限公司",
                    "status": "无效",
                }
            ],
        },
        columns={
            "leads": ["lead_id", "captured_at", "source", "company", "status", "invalid_reason"]
        },
    )
    assert any("invalid-reason-missing" in codes for codes in codes_at(path).values())


def test_bad_settings_name_their_cell(make_workbook) -> None:
    path = make_workbook(
        {
            "customers": [GOOD],
            "settings": [
                {"key": "分级方案", "value": "XYZ"},
                {"key": "投诉-响应时限", "value": -2},
                {"key": "A级阈值", "value": 1000},
            ],
        }
    )
    found = codes_at(path)
    assert "bad-setting" in found["配置!B2"]
    assert "bad-setting" in found["配置!B3"]
    assert "thresholds-not-descending" in found["配置!B4"]


def test_a_libreoffice_style_sheet_validates_like_the_template(make_workbook) -> None:
    rows = [GOOD, {**GOOD, "customer_id": "C002", "name": "华信"}]
    plain = make_workbook({"customers": rows, "team": TEAM}, name="plain.xlsx")
    shifted = make_workbook(
        {"customers": rows, "team": TEAM},
        name="shifted.xlsx",
        lang="en",
        title_rows=2,
        start_col=2,
        markers=True,
    )

    def summary(path: Path) -> list[tuple[str, str]]:
        return sorted((f.code, str(f.value)) for f in validate([path], as_of=AS_OF).findings)

    assert summary(plain) == summary(shifted)


def test_json_shape(make_workbook) -> None:
    path = make_workbook({"customers": [{**GOOD, "industry": "养猪"}], "team": TEAM})
    data = validate([path], as_of=AS_OF).to_dict("en")
    assert set(data) == {"valid", "errors", "warnings", "findings", "skipped"}
    assert data["valid"] is False and data["errors"] == 1
    finding = next(f for f in data["findings"] if f["code"] == "bad-enum")
    assert set(finding) == {
        "sheet",
        "cell",
        "row",
        "column",
        "code",
        "severity",
        "message",
        "value",
    }
    assert finding == {
        **finding,
        "sheet": "客户档案",
        "cell": "客户档案!C2",
        "row": 2,
        "value": "养猪",
        "severity": "error",
    }
    assert "养猪" in finding["message"]
