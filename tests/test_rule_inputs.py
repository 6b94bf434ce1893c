"""The rules never use what validate calls an error (issue 15.4).

For every column a rule reads, a bad value in one row: refresh leaves that row out of the rule
(its computed cells, or its customer's, stay as they were), reports the same finding validate
gives (code, cell, message), exits 1, and still computes the good rows.

Two customers, C001 (row 2, the one broken) and C002 (row 3), each with a follow-up, a deal, a
contact, a need, an issue; two leads. Every computed cell starts as a sentinel (``旧``, 2000-01-01)
so a cell left as it was is told from one computed. As of 2026-11-20 10:00, by hand:

- each customer's deal of 200,000 signed 2026-10-01: 近12月成交 ¥200,000 ≥ ¥100,000, tier B;
- each follow-up was talked 11-16 09:00 and entered 10:00: 录入及时 是;
- each need's proposal went 11-10: 跟进截止 11-13;
- each issue (咨询, 4 h) was logged 07:00: 响应截止 11:00;
- each lead was assigned 09:30 and confirmed 09:45: 确认状态 已确认.
"""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from click.testing import CliRunner
from conftest import build_workbook
from crm_small import customer, deal, follow_up, issue, lead, need

from crmxl.cli import cli
from crmxl.commands.refresh import refresh
from crmxl.commands.validate import validate
from crmxl.model.findings import Finding
from crmxl.model.schema import SHEETS_BY_KEY, match_column

AS_OF = datetime(2026, 11, 20, 10, 0)
OLD_DAY = datetime(2000, 1, 1)
REASON = "近12月成交 ¥200,000 ≥ ¥100,000"


def client(cid: str) -> dict[str, Any]:
    return customer(
        cid,
        "成交",
        "张三",
        leader="否",
        tier_override=None,
        terminated_on=None,
        annual_amount=600_000,
        tier_reason="旧",
    )


def sheets() -> dict[str, list[dict[str, Any]]]:
    two = ("C001", "C002")
    talked, logged = datetime(2026, 11, 16, 9, 0), datetime(2026, 11, 20, 7, 0)
    return {
        "customers": [client(c) for c in two],
        "follow_ups": [
            follow_up(c, talked, "张三")
            | {"next_date": None, "entered_at": datetime(2026, 11, 16, 10, 0), "on_time": "旧"}
            for c in two
        ],
        "transactions": [
            deal(f"HT{i}", c, date(2026, 10, 1), 200_000) for i, c in enumerate(two, 1)
        ],
        "contacts": [
            {
                "customer_id": c,
                "name": "王经理",
                "mobile": f"1380000000{i}",
                "decision_role": "决策人",
                "employment": "在职",
            }
            for i, c in enumerate(two, 1)
        ],
        "needs": [
            need(
                f"XQ{i}",
                c,
                "已提交",
                "张三",
                proposal_sent=date(2026, 11, 10),
                follow_up_due=OLD_DAY,
            )
            for i, c in enumerate(two, 1)
        ],
        "issues": [
            issue(f"WT{i}", c, "咨询", logged, "张三", "待处理", response_due=OLD_DAY)
            | {"first_response_at": None, "resolved_at": None}
            for i, c in enumerate(two, 1)
        ],
        "leads": [
            lead(
                f"L{i}",
                datetime(2026, 11, 19, 9, 0),
                "待确认",
                assigned_to="张三",
                assigned_at=datetime(2026, 11, 20, 9, 30),
                confirmed_at=datetime(2026, 11, 20, 9, 45),
                confirm_state="确认超时",
            )
            for i in (1, 2)
        ],
        "team": [{"name": "张三", "role": "销售专员", "active": "是"}],
    }


#: sheet -> (its computed column checked, the sentinel, the value computed for a good row)
OWN = {
    "follow_ups": ("on_time", "旧", "是"),
    "needs": ("follow_up_due", OLD_DAY, datetime(2026, 11, 13)),
    "issues": ("response_due", OLD_DAY, datetime(2026, 11, 20, 11, 0)),
    "leads": ("confirm_state", "确认超时", "已确认"),
}

#: (sheet, column, bad value, code, row broken, its customer's cells kept)
CASES: list[tuple[str, str, Any, str, int, bool]] = [
    ("customers", "customer_id", "C001", "duplicate-id", 3, True),
    ("customers", "first_contact", "2026-13-01", "bad-date", 2, True),
    ("customers", "first_contact", None, "missing-value", 2, True),
    ("customers", "first_contact", date(2027, 1, 1), "future-date", 2, True),
    ("customers", "stage", "大概成交了", "bad-enum", 2, True),
    ("customers", "stage", None, "missing-value", 2, True),
    ("customers", "leader", "也许", "bad-yesno", 2, True),
    ("customers", "tier_override", "Z", "bad-enum", 2, True),
    ("customers", "tier_override", "D", "bad-enum", 2, True),  # not a letter of ABC
    ("customers", "terminated_on", "去年", "bad-date", 2, True),
    ("customers", "annual_amount", "一百万", "bad-amount", 2, True),
    ("transactions", "amount", -741_000, "out-of-range", 2, True),
    ("transactions", "amount", "很多", "bad-amount", 2, True),
    ("transactions", "amount", None, "missing-value", 2, True),
    ("transactions", "signed_on", "上月", "bad-date", 2, True),
    ("transactions", "signed_on", None, "missing-value", 2, True),
    ("transactions", "contract_id", "HT1", "duplicate-id", 3, True),  # counted twice else
    ("transactions", "customer_id", "C999", "unknown-customer", 2, False),
    ("follow_ups", "date", "某天", "bad-date", 2, True),
    ("follow_ups", "date", None, "missing-value", 2, True),
    ("follow_ups", "date", datetime(2026, 11, 25, 9, 0), "future-date", 2, True),
    ("follow_ups", "next_date", "下周", "bad-date", 2, True),
    ("follow_ups", "entered_at", "刚才", "bad-date", 2, True),
    ("follow_ups", "entered_at", datetime(2026, 11, 21, 9, 0), "future-date", 2, True),
    ("follow_ups", "customer_id", "C999", "unknown-customer", 2, False),
    ("follow_ups", "customer_id", None, "missing-value", 2, False),
    ("contacts", "decision_role", "老板", "bad-enum", 2, True),
    ("contacts", "employment", "休假", "bad-enum", 2, True),
    ("contacts", "customer_id", "C999", "unknown-customer", 2, False),
    ("needs", "proposal_sent", "上周", "bad-date", 2, False),
    ("needs", "proposal_sent", date(2026, 12, 1), "future-date", 2, False),
    ("needs", "status", "好", "bad-enum", 2, False),
    ("needs", "status", None, "missing-value", 2, False),
    ("issues", "logged_at", "早上", "bad-date", 2, True),
    ("issues", "logged_at", None, "missing-value", 2, True),
    ("issues", "logged_at", datetime(2026, 11, 21, 7, 0), "future-date", 2, True),
    ("issues", "type", "抱怨", "bad-enum", 2, True),
    ("issues", "type", None, "missing-value", 2, True),
    ("issues", "status", "好了", "bad-enum", 2, True),
    ("issues", "status", None, "missing-value", 2, True),
    (
        "issues",
        "first_response_at",
        datetime(2026, 11, 20, 6, 0),
        "resolved-before-logged",
        2,
        True,
    ),
    ("issues", "resolved_at", "下午", "bad-date", 2, True),
    ("issues", "customer_id", "C999", "unknown-customer", 2, False),
    ("leads", "assigned_at", "刚才", "bad-date", 2, False),
    ("leads", "assigned_at", datetime(2026, 11, 21, 9, 0), "future-date", 2, False),
    ("leads", "confirmed_at", "已确认", "bad-date", 2, False),
]


class Book:
    """A workbook read back once: ``book(sheet, key, row)`` is a cell's value."""

    def __init__(self, path: Path) -> None:
        self.wb = openpyxl.load_workbook(path)

    def column(self, sheet: str, key: str) -> tuple[int, str]:
        spec = SHEETS_BY_KEY[sheet]
        for cell in self.wb[spec.zh][1]:
            col = match_column(spec, cell.value)
            if col is not None and col.key == key:
                return cell.column, cell.column_letter
        raise AssertionError(f"no {key} on {sheet}")

    def __call__(self, sheet: str, key: str, row: int) -> Any:
        return self.wb[SHEETS_BY_KEY[sheet].zh].cell(row, self.column(sheet, key)[0]).value


def read(path: Path, sheet: str, key: str, row: int) -> Any:
    return Book(path)(sheet, key, row)


def cell_of(path: Path, sheet: str, key: str, row: int) -> str:
    return f"{SHEETS_BY_KEY[sheet].zh}!{Book(path).column(sheet, key)[1]}{row}"


def same(f: Finding) -> tuple[Any, ...]:
    return (f.code, f.cell, f.severity, f.message("zh"), f.message("en"))


@pytest.mark.parametrize(
    "sheet, key, bad, code, row, keeps_customer",
    CASES,
    ids=[f"{s}.{k}-{c}" for s, k, _, c, *_ in CASES],
)
def test_a_bad_rule_input_is_left_out_and_reported_as_validate_does(
    tmp_path: Path, sheet: str, key: str, bad: Any, code: str, row: int, keeps_customer: bool
) -> None:
    data = sheets()
    data[sheet][row - 2][key] = bad
    path = build_workbook(tmp_path / "crm.xlsx", data)
    where = cell_of(path, sheet, key, row)

    checked = [same(f) for f in validate([path], as_of=AS_OF).findings if f.cell == where]
    result = refresh([path], as_of=AS_OF)
    reported = [same(f) for f in result.findings if f.cell == where]
    assert [r[0] for r in reported] == [code]
    assert reported[0] in checked  # the same finding: code, cell, severity, message
    assert result.errors >= 1  # refresh exits 1

    # the customer of the broken row (row 3 is C002's) keeps its cells; the other is computed
    broken_customer, good_customer = (
        (row, 5 - row) if sheet in ("customers", "transactions") else (2, 3)
    )
    book = Book(path)
    kept = book("customers", "tier_reason", broken_customer)
    assert kept == "旧" if keeps_customer else kept != "旧"
    assert book("customers", "tier_reason", good_customer) == REASON
    if sheet in OWN:
        column, sentinel, good = OWN[sheet]
        own_input = code != "unknown-customer" and key not in ("customer_id", "next_date")
        assert book(sheet, column, row) == (sentinel if own_input else good)
        assert book(sheet, column, 5 - row) == good


def test_a_negative_deal_is_not_summed_and_refresh_exits_1(tmp_path: Path) -> None:
    """The issue's own case, through the command line: -741,000 would make C001's amount 0."""
    data = sheets()
    data["transactions"].append(
        {
            "contract_id": "HT9",
            "customer_id": "C001",
            "signed_on": date(2026, 11, 1),
            "amount": -741_000,
        }
    )
    path = build_workbook(tmp_path / "crm.xlsx", data)
    result = CliRunner().invoke(cli, ["refresh", str(path), "--as-of", "2026-11-20T10:00"])
    assert result.exit_code == 1
    assert "交易记录!" in result.output and "超出范围" in result.output
    assert read(path, "customers", "tier_reason", 2) == "旧"
    assert read(path, "customers", "tier_reason", 3) == REASON


# -- computed texts are true ------------------------------------------------------------------


@pytest.mark.parametrize(
    "notes, reason", [(None, "手动等级 A"), ("战略客户，总部指定", "手动等级 A（见备注）")]
)
def test_the_override_reason_points_to_a_note_only_when_there_is_one(
    tmp_path: Path, notes: str | None, reason: str
) -> None:
    data = sheets()
    data["customers"][0] |= {"tier_override": "A", "notes": notes}
    path = build_workbook(tmp_path / "crm.xlsx", data)
    refresh([path], as_of=AS_OF)
    assert read(path, "customers", "tier", 2) == "A"
    assert read(path, "customers", "tier_reason", 2) == reason


def test_a_blank_annual_amount_is_not_called_zero_yuan(tmp_path: Path) -> None:
    """Without 交易记录 the tier counts 年合作金额, blank as 0 (SPEC 2.1): the reason says so."""
    data = {"customers": [client("C001") | {"annual_amount": None}]}
    path = build_workbook(tmp_path / "crm.xlsx", data)
    refresh([path], as_of=AS_OF)
    assert read(path, "customers", "tier", 2) == "C"
    assert read(path, "customers", "tier_reason", 2) == "年合作金额未填（按0计）< ¥100,000"
