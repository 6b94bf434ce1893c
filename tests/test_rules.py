"""The rules of SPEC section 2, at their boundaries, for the ABC and ABCD schemes."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from crmxl.model.workspace import open_workspace
from crmxl.rules import Computed
from crmxl.rules.evaluate import evaluate
from crmxl.rules.followup import last_contacts

AS_OF = datetime(2026, 11, 20, 10, 0)
TODAY = AS_OF.date()


def customer(cid: str = "C001", **kw: Any) -> dict[str, Any]:
    return {
        "customer_id": cid,
        "name": f"{cid}科技有限公司",
        "industry": "制造业",
        "source": "展会",
        "first_contact": date(2025, 1, 5),
        "stage": "成交",
        "owner": "张三",
        **kw,
    }


def deal(cid: str, days_ago: int, amount: float, n: int = 1) -> dict[str, Any]:
    return {
        "contract_id": f"HT{cid}{days_ago}{n}",
        "customer_id": cid,
        "signed_on": TODAY - timedelta(days=days_ago),
        "amount": amount,
    }


def talk(cid: str, when: datetime, **kw: Any) -> dict[str, Any]:
    return {
        "customer_id": cid,
        "date": when,
        "channel": "电话",
        "summary": "s",
        "recorded_by": "张三",
        **kw,
    }


def scheme(name: str, **extra: Any) -> list[dict[str, Any]]:
    rows = [{"key": "分级方案", "value": name}]
    rows += [{"key": k, "value": v} for k, v in extra.items()]
    return rows


@pytest.fixture
def run(make_workbook):
    def run(sheets: dict[str, list[dict[str, Any]]], as_of: datetime = AS_OF) -> Computed:
        path = make_workbook(sheets)
        return evaluate(open_workspace([path]), as_of).computed

    return run


def at(frame: pd.DataFrame | None, row: int, key: str) -> Any:
    assert frame is not None
    value = frame.at[row, key]
    if isinstance(value, pd.Timestamp):
        return value.date()
    return value


# ------------------------------------------------------------------------------------ tiers


@pytest.mark.parametrize(
    "amount, tier",
    [(500_000, "A"), (499_999.99, "B"), (100_000, "B"), (99_999, "C"), (0, "C")],
)
def test_abc_thresholds(run, amount: float, tier: str) -> None:
    c = run({"customers": [customer()], "transactions": [deal("C001", 10, amount)]})
    assert at(c.customers, 2, "tier") == tier
    assert at(c.customers, 2, "trailing_amount") == amount


@pytest.mark.parametrize(
    "amount, tier",
    [(100_000, "A"), (99_999, "B"), (50_000, "B"), (49_999, "C"), (10_000, "C"), (9_999, "D")],
)
def test_abcd_thresholds(run, amount: float, tier: str) -> None:
    c = run(
        {
            "customers": [customer()],
            "transactions": [deal("C001", 10, amount)],
            "settings": scheme("ABCD"),
        }
    )
    assert at(c.customers, 2, "tier") == tier


def test_thresholds_come_from_the_settings(run) -> None:
    c = run(
        {
            "customers": [customer()],
            "transactions": [deal("C001", 10, 300_000)],
            "settings": scheme("ABC", **{"A级阈值": "30万", "B级阈值": "10万"}),
        }
    )
    assert at(c.customers, 2, "tier") == "A"
    assert "¥300,000 ≥ ¥300,000" in at(c.customers, 2, "tier_reason")


@pytest.mark.parametrize("days_ago, counted", [(364, True), (365, False), (0, True), (-1, False)])
def test_the_twelve_month_window(run, days_ago: int, counted: bool) -> None:
    c = run({"customers": [customer()], "transactions": [deal("C001", days_ago, 600_000)]})
    assert at(c.customers, 2, "trailing_amount") == (600_000 if counted else 0)
    assert at(c.customers, 2, "tier") == ("A" if counted else "C")


def test_deals_add_up_per_customer(run) -> None:
    c = run(
        {
            "customers": [customer(), customer("C002")],
            "transactions": [
                deal("C001", 10, 300_000),
                deal("C001", 200, 200_000, 2),
                deal("C002", 10, 50_000),
            ],
        }
    )
    assert at(c.customers, 2, "trailing_amount") == 500_000
    assert at(c.customers, 2, "tier") == "A"
    assert at(c.customers, 2, "tier_reason") == "近12月成交 ¥500,000 ≥ ¥500,000"
    assert at(c.customers, 3, "tier_reason") == "近12月成交 ¥50,000 < ¥100,000"


@pytest.mark.parametrize("scheme_name", ["ABC", "ABCD"])
def test_an_industry_leader_is_a_whatever_its_amount(run, scheme_name: str) -> None:
    c = run(
        {
            "customers": [customer(leader="是")],
            "transactions": [deal("C001", 10, 1)],
            "settings": scheme(scheme_name),
        }
    )
    assert at(c.customers, 2, "tier") == "A"
    assert at(c.customers, 2, "tier_reason") == "行业头部企业"


@pytest.mark.parametrize("scheme_name, override", [("ABC", "C"), ("ABCD", "D")])
def test_a_manual_tier_wins(run, scheme_name: str, override: str) -> None:
    c = run(
        {
            "customers": [customer(leader="是", tier_override=override, notes="降级观察")],
            "transactions": [deal("C001", 10, 900_000)],
            "settings": scheme(scheme_name),
        }
    )
    assert at(c.customers, 2, "tier") == override
    assert "手动等级" in at(c.customers, 2, "tier_reason")


def test_without_a_transactions_sheet_the_annual_amount_decides(run) -> None:
    c = run({"customers": [customer(annual_amount="50万"), customer("C002")]})
    assert at(c.customers, 2, "tier") == "A"
    assert at(c.customers, 2, "tier_reason") == "年合作金额 ¥500,000 ≥ ¥500,000"
    assert at(c.customers, 3, "tier") == "C"  # blank = 0


# ------------------------------------------------------------------------- cadence, status


def last_talk(days_ago: int) -> datetime:
    return datetime.combine(TODAY - timedelta(days=days_ago), datetime.min.time()) + timedelta(
        hours=15
    )


@pytest.mark.parametrize(
    "days_ago, status, overdue",
    [
        (30, "今日到期", 0),
        (31, "逾期", 1),
        (27, "即将到期", 0),
        (29, "即将到期", 0),
        (26, "正常", 0),
        (75, "逾期", 45),
    ],
)
def test_status_by_days_left_for_an_a_customer(
    run, days_ago: int, status: str, overdue: int
) -> None:
    c = run(
        {
            "customers": [customer()],
            "transactions": [deal("C001", 10, 600_000)],
            "follow_ups": [talk("C001", last_talk(days_ago))],
        }
    )
    assert at(c.customers, 2, "tier") == "A"
    assert at(c.customers, 2, "next_follow_up") == TODAY - timedelta(days=days_ago - 30)
    assert at(c.customers, 2, "follow_up_status") == status
    assert at(c.customers, 2, "days_overdue") == overdue
    assert at(c.customers, 2, "last_contact") == TODAY - timedelta(days=days_ago)


@pytest.mark.parametrize(
    "amount, stage, cadence",
    [
        (600_000, "成交", 30),
        (200_000, "成交", 14),
        (0, "成交", 30),
        (0, "潜在", 7),
        (200_000, "潜在", 7),
        (0, "意向", 30),
    ],
)
def test_the_shorter_cadence_applies(run, amount: float, stage: str, cadence: int) -> None:
    c = run(
        {
            "customers": [customer(stage=stage, annual_amount=amount)],
            "follow_ups": [talk("C001", last_talk(3))],
        }
    )
    assert at(c.customers, 2, "stage") == stage
    assert at(c.customers, 2, "next_follow_up") == TODAY - timedelta(days=3 - cadence)


def test_abcd_d_customers_every_ninety_days(run) -> None:
    c = run(
        {
            "customers": [customer()],
            "transactions": [deal("C001", 10, 5_000)],
            "follow_ups": [talk("C001", last_talk(80))],
            "settings": scheme("ABCD"),
        }
    )
    assert at(c.customers, 2, "tier") == "D"
    assert at(c.customers, 2, "next_follow_up") == TODAY + timedelta(days=10)
    assert at(c.customers, 2, "follow_up_status") == "正常"


def test_the_latest_records_next_date_wins_when_earlier(run) -> None:
    c = run(
        {
            "customers": [customer()],
            "follow_ups": [
                talk("C001", last_talk(20), next_date=TODAY - timedelta(days=40)),
                talk("C001", last_talk(5), next_date=TODAY + timedelta(days=2)),
            ],
        }
    )
    assert at(c.customers, 2, "next_follow_up") == TODAY + timedelta(days=2)
    assert at(c.customers, 2, "follow_up_status") == "即将到期"


def test_no_follow_up_means_first_contact_plus_one_day(run) -> None:
    customers = [customer(first_contact=TODAY - timedelta(days=1), stage="潜在")]
    c = run({"customers": customers, "follow_ups": []})  # the log is there, empty
    assert at(c.customers, 2, "next_follow_up") == TODAY
    assert at(c.customers, 2, "follow_up_status") == "今日到期"
    assert pd.isna(c.customers.at[2, "last_contact"])


def test_lost_customers_need_no_follow_up(run) -> None:
    c = run({"customers": [customer(stage="流失")], "follow_ups": [talk("C001", last_talk(400))]})
    assert at(c.customers, 2, "follow_up_status") == "无需跟进"
    assert pd.isna(c.customers.at[2, "next_follow_up"])
    assert at(c.customers, 2, "days_overdue") == 0
    assert pd.isna(c.customers.at[2, "churn_risk"])


# ---------------------------------------------------------------------------------- stages


def test_a_signed_deal_makes_a_prospect_a_customer(run) -> None:
    c = run(
        {
            "customers": [customer(stage="潜在"), customer("C002", stage="意向")],
            "transactions": [deal("C001", 3, 1000)],
        }
    )
    assert at(c.customers, 2, "stage") == "成交"
    assert "已签约" in c.stage_reason[2]
    assert at(c.customers, 3, "stage") == "意向"
    assert c.stage_reason[3] == ""


def test_a_future_deal_does_not_count_yet(run) -> None:
    c = run({"customers": [customer(stage="意向")], "transactions": [deal("C001", -5, 1000)]})
    assert at(c.customers, 2, "stage") == "意向"


@pytest.mark.parametrize(
    "terminated, lost",
    [(date(2026, 8, 20), False), (date(2026, 8, 19), True), (date(2026, 9, 1), False)],
)
def test_termination_more_than_three_months_ago_is_lost(run, terminated: date, lost: bool) -> None:
    c = run({"customers": [customer(terminated_on=terminated)]})
    assert at(c.customers, 2, "stage") == ("流失" if lost else "成交")


def test_churn_months_come_from_the_settings(run) -> None:
    c = run(
        {
            "customers": [customer(terminated_on=date(2026, 10, 1))],
            "settings": [{"key": "流失判定月数", "value": 1}],
        }
    )
    assert at(c.customers, 2, "stage") == "流失"


# ------------------------------------------------------------------------------ issue SLAs


def issue(kind: str = "投诉", logged: datetime = AS_OF, **kw: Any) -> dict[str, Any]:
    return {
        "issue_id": "Q1",
        "customer_id": "C001",
        "logged_at": logged,
        "type": kind,
        "description": "d",
        "urgency": "高",
        "owner": "张三",
        "status": "处理中",
        **kw,
    }


@pytest.mark.parametrize(
    "hours_ago, state",
    [
        (0.5, "进行中"),
        (1.0, "进行中"),
        (1.5, "即将超时"),
        (1.75, "即将超时"),
        (2.0, "即将超时"),
        (2.01, "已超时"),
    ],
)
def test_response_clock_of_a_complaint(run, hours_ago: float, state: str) -> None:
    c = run(
        {"customers": [customer()], "issues": [issue(logged=AS_OF - timedelta(hours=hours_ago))]}
    )
    assert at(c.issues, 2, "response_state") == state
    assert c.issues.at[2, "response_due"] == pd.Timestamp(AS_OF - timedelta(hours=hours_ago - 2))


@pytest.mark.parametrize(
    "kind, response_h, plan_h",
    [("投诉", 2, 24), ("合作异常", 1, 4), ("售后问题", 2, 24), ("咨询", 4, 48)],
)
def test_default_sla_hours_by_type(run, kind: str, response_h: int, plan_h: int) -> None:
    logged = datetime(2026, 11, 19, 9, 0)
    c = run({"customers": [customer()], "issues": [issue(kind, logged)]})
    assert c.issues.at[2, "response_due"] == pd.Timestamp(logged + timedelta(hours=response_h))
    assert c.issues.at[2, "plan_due"] == pd.Timestamp(logged + timedelta(hours=plan_h))


def test_completed_clocks_and_hours_to_resolve(run) -> None:
    logged = datetime(2026, 11, 10, 9, 0)
    c = run(
        {
            "customers": [customer()],
            "issues": [
                issue(
                    "投诉",
                    logged,
                    first_response_at=logged + timedelta(hours=2),
                    plan_at=logged + timedelta(hours=30),
                    resolved_at=logged + timedelta(hours=40, minutes=30),
                    status="已解决",
                )
            ],
        }
    )
    assert at(c.issues, 2, "response_state") == "按时完成"
    assert at(c.issues, 2, "plan_state") == "超时完成"
    assert at(c.issues, 2, "hours_to_resolve") == 40.5


def test_a_resolved_issue_completes_a_clock_without_its_own_time(run) -> None:
    logged = datetime(2026, 11, 10, 9, 0)
    c = run(
        {
            "customers": [customer()],
            "issues": [
                issue("合作异常", logged, resolved_at=logged + timedelta(hours=3), status="已解决")
            ],
        }
    )
    assert at(c.issues, 2, "response_state") == "超时完成"
    assert at(c.issues, 2, "plan_state") == "按时完成"


def test_sla_hours_come_from_the_settings(run) -> None:
    c = run(
        {
            "customers": [customer()],
            "issues": [issue(logged=AS_OF - timedelta(hours=2.5))],
            "settings": [{"key": "投诉-响应时限", "value": 4}],
        }
    )
    assert at(c.issues, 2, "response_state") == "进行中"
    c = run(
        {
            "customers": [customer()],
            "issues": [issue(logged=AS_OF - timedelta(hours=3))],
            "settings": [{"key": "投诉-响应时限", "value": 4}],
        }
    )
    assert at(c.issues, 2, "response_state") == "即将超时"


# ------------------------------------------------------------------------ needs and leads


@pytest.mark.parametrize(
    "days_ago, status",
    [(2, "正常"), (3, "今日到期"), (4, "逾期")],
)
def test_need_follow_up_three_days_after_the_proposal(run, days_ago: int, status: str) -> None:
    c = run(
        {
            "customers": [customer()],
            "needs": [
                {
                    "need_id": "N1",
                    "customer_id": "C001",
                    "description": "d",
                    "priority": "高",
                    "status": "已提交",
                    "owner": "张三",
                    "proposal_sent": TODAY - timedelta(days=days_ago),
                }
            ],
        }
    )
    assert at(c.needs, 2, "follow_up_due") == TODAY - timedelta(days=days_ago - 3)
    assert at(c.needs, 2, "follow_up_status") == status


def test_a_confirmed_need_is_done(run) -> None:
    c = run(
        {
            "customers": [customer()],
            "needs": [
                {
                    "need_id": "N1",
                    "customer_id": "C001",
                    "description": "d",
                    "priority": "高",
                    "status": "已确认",
                    "owner": "张三",
                    "proposal_sent": TODAY - timedelta(days=30),
                }
            ],
        }
    )
    assert at(c.needs, 2, "follow_up_status") == "已完成"


@pytest.mark.parametrize(
    "minutes_ago, confirmed, state",
    [(59, False, "待确认"), (60, False, "待确认"), (61, False, "确认超时"), (300, True, "已确认")],
)
def test_lead_confirmation_within_an_hour(
    run, minutes_ago: int, confirmed: bool, state: str
) -> None:
    assigned = AS_OF - timedelta(minutes=minutes_ago)
    lead = {
        "lead_id": "L1",
        "captured_at": assigned,
        "source": "展会",
        "company": "甲有限公司",
        "assigned_to": "张三",
        "assigned_at": assigned,
        "status": "待确认",
    }
    if confirmed:
        lead["confirmed_at"] = assigned + timedelta(minutes=30)
    c = run({"customers": [customer()], "leads": [lead]})
    assert at(c.leads, 2, "confirm_state") == state


def test_an_unassigned_lead_has_no_confirmation_state(run) -> None:
    lead = {
        "lead_id": "L1",
        "captured_at": AS_OF,
        "source": "展会",
        "company": "甲有限公司",
        "status": "待分配",
    }
    c = run({"customers": [customer()], "leads": [lead]})
    assert pd.isna(c.leads.at[2, "confirm_state"])


# ----------------------------------------------------------------------------- entry time


@pytest.mark.parametrize(
    "when, entered, expected",
    [
        (datetime(2026, 11, 1, 10), datetime(2026, 11, 2, 10), "是"),
        (datetime(2026, 11, 1, 10), datetime(2026, 11, 2, 11), "否 (超时1小时)"),
        (datetime(2026, 11, 1, 10), datetime(2026, 11, 3, 12, 30), "否 (超时27小时)"),
        (datetime(2026, 11, 1), datetime(2026, 11, 2, 23, 0), "是"),
        (datetime(2026, 11, 1), datetime(2026, 11, 3, 1, 0), "否 (超时1小时)"),
        (datetime(2026, 11, 1, 10), None, None),
    ],
)
def test_entry_on_time(run, when: datetime, entered: datetime | None, expected: str | None) -> None:
    c = run(
        {"customers": [customer()], "follow_ups": [talk("C001", when, entered_at=entered)]},
        as_of=datetime(2026, 11, 20),
    )
    value = c.follow_ups.at[2, "on_time"]
    assert pd.isna(value) if expected is None else value == expected


# ------------------------------------------------------------------------------ churn risk


def every_sheet(sheets: dict[str, list[dict[str, Any]]]) -> dict[str, list[dict[str, Any]]]:
    """The churn risk reads 跟进记录, 交易记录, 联系人 and 问题跟踪: each is there, empty if need be
    (without one the risk is not computed: docs/spec-notes.md)."""
    return {k: [] for k in ("follow_ups", "transactions", "contacts", "issues")} | sheets


def test_churn_high_when_overdue_by_more_than_a_cadence(run) -> None:
    c = run(
        every_sheet(
            {
                "customers": [customer()],
                "transactions": [deal("C001", 10, 200_000)],
                "follow_ups": [talk("C001", last_talk(60))],
            }
        )
    )
    assert c.customers.at[2, "churn_risk"] == "高: 逾期46天"


def test_churn_medium_when_overdue_within_a_cadence(run) -> None:
    c = run(
        every_sheet(
            {
                "customers": [customer()],
                "transactions": [deal("C001", 10, 200_000)],
                "follow_ups": [talk("C001", last_talk(20))],
            }
        )
    )
    assert c.customers.at[2, "churn_risk"] == "中: 逾期6天"


def test_churn_high_when_the_decision_maker_left(run) -> None:
    c = run(
        every_sheet(
            {
                "customers": [customer()],
                "transactions": [deal("C001", 10, 200_000)],
                "follow_ups": [talk("C001", last_talk(1))],
                "contacts": [
                    {
                        "customer_id": "C001",
                        "name": "甲",
                        "mobile": "13812345678",
                        "decision_role": "决策人",
                        "employment": "离职",
                    }
                ],
            }
        )
    )
    assert c.customers.at[2, "churn_risk"] == "高: 决策人离职"


def test_churn_high_on_a_breached_open_complaint_medium_on_an_open_issue(run) -> None:
    c = run(
        every_sheet(
            {
                "customers": [customer(), customer("C002")],
                "transactions": [deal("C001", 10, 200_000), deal("C002", 10, 200_000)],
                "follow_ups": [talk("C001", last_talk(1)), talk("C002", last_talk(1))],
                "issues": [
                    issue(logged=AS_OF - timedelta(hours=5)),
                    {
                        **issue("咨询", AS_OF - timedelta(hours=1)),
                        "issue_id": "Q2",
                        "customer_id": "C002",
                    },
                ],
            }
        )
    )
    assert c.customers.at[2, "churn_risk"] == "高: 投诉超时未处理"
    assert c.customers.at[3, "churn_risk"] == "中: 有未结问题"


def test_churn_medium_without_a_deal_for_a_year(run) -> None:
    c = run(
        every_sheet(
            {
                "customers": [customer()],
                "transactions": [deal("C001", 400, 200_000)],
                "follow_ups": [talk("C001", last_talk(1))],
            }
        )
    )
    assert c.customers.at[2, "churn_risk"] == "中: 12个月无成交"


def test_churn_low_otherwise(run) -> None:
    c = run(
        every_sheet(
            {
                "customers": [customer()],
                "transactions": [deal("C001", 10, 200_000)],
                "follow_ups": [talk("C001", last_talk(1))],
            }
        )
    )
    assert c.customers.at[2, "churn_risk"] == "低"


def test_churn_high_when_the_tier_falls(run) -> None:
    c = run(
        every_sheet(
            {
                "customers": [customer(tier="A")],
                "transactions": [deal("C001", 10, 200_000)],
                "follow_ups": [talk("C001", last_talk(1))],
            }
        )
    )
    assert at(c.customers, 2, "tier") == "B"
    assert c.customers.at[2, "churn_risk"] == "高: 等级下降 A→B"


# -- last contact: the latest record by date, the lower row on equal dates -------------------


@given(
    st.lists(
        st.tuples(
            st.sampled_from(["C1", "C2", "C3", None]),
            st.one_of(st.none(), st.integers(0, 4)),
            st.integers(0, 4),
        ),
        max_size=30,
    )
)
def test_last_contacts_is_the_latest_record_and_the_lowest_row_on_a_tie(
    records: list[tuple[str | None, int | None, int]],
) -> None:
    day = datetime(2026, 1, 1)
    rows = list(range(2, 2 + len(records)))
    frame = pd.DataFrame(
        {
            "customer_id": [r[0] for r in records],
            "date": [day + timedelta(days=r[1]) if r[1] is not None else pd.NaT for r in records],
            "next_date": [day + timedelta(days=10 * r[2] + i) for i, r in enumerate(records)],
        },
        index=rows,
    )
    frame["date"] = frame["date"].astype("datetime64[ms]")
    frame["next_date"] = frame["next_date"].astype("datetime64[ms]")
    customers = pd.Series(["C1", "C2", "C3", "C4"], index=[5, 6, 7, 8])
    last, planned = last_contacts(customers, frame)
    for row, cid in customers.items():
        mine = [
            (r[1], row_no, i)
            for i, (r, row_no) in enumerate(zip(records, rows, strict=True))
            if r[0] == cid and r[1] is not None
        ]
        if not mine:
            assert pd.isna(last[row]) and pd.isna(planned[row])
            continue
        _, _, i = max(mine)  # latest date, then the lowest (largest-numbered) row
        assert last[row] == frame["date"].iloc[i]
        assert planned[row] == frame["next_date"].iloc[i]
