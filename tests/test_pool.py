"""The public pool 公海 (SPEC 2.9): returns at the boundary day, protection, claims, cool-down,
hand-out by the lead rules with caps (crmxl.rules.pool and crmxl.leads.pool); every expected
date counted by hand in a comment.

Today is Fri 2026-11-20 throughout. Day counts back from it: Oct 21 is 30 days before (Oct 21
→ Oct 31 is 10 days, → Nov 20 another 20), Oct 20 is 31; Oct 6 is 45 days before, Oct 5 is 46;
Sep 21 is 60 days before (Sep 21 → Oct 21 is 30 days), Sep 20 is 61.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import pandas as pd
import pytest

from crmxl.leads.assign import Rep, Team
from crmxl.leads.pool import PoolCandidate, assign_pool, candidates
from crmxl.model.values import BadValue
from crmxl.rules.pool import (
    PoolRules,
    due_to_pool,
    is_pool,
    last_assignments,
    parse_switch,
    pool_moves,
    return_dates,
)

TODAY = date(2026, 11, 20)
ON = PoolRules(enabled=True)


def customer(row: int, **kw: Any) -> dict[str, Any]:
    base = {
        "row": row,
        "customer_id": f"C{row:04d}",
        "name": f"客户{row}有限公司",
        "stage": "潜在",
        "owner": "张三",
        "tier": "C",
        "last_contact": None,
        "created": date(2026, 1, 5),
        "first_contact": date(2026, 1, 4),
        "former_owner": None,
        "pooled_on": None,
        "region": "华东",
        "industry": "制造业",
    }
    base.update(kw)
    return base


def frame(*rows: dict[str, Any]) -> pd.DataFrame:
    out = pd.DataFrame(list(rows)).set_index("row")
    for key in ("last_contact", "created", "first_contact", "pooled_on"):
        out[key] = pd.to_datetime(out[key])
    return out


def log(*entries: tuple[str, datetime, str]) -> pd.DataFrame:
    return pd.DataFrame(entries, columns=["record", "time", "new"])


def returned(customers: pd.DataFrame, **kw: Any) -> list[int]:
    moves = pool_moves(customers, ON, TODAY, **kw)
    return sorted(moves.index[moves["action"] == "return"].tolist())


# ------------------------------------------------------------------------- returns


@pytest.mark.parametrize(
    ("tier", "stays", "goes"),
    [
        ("A", date(2026, 9, 21), date(2026, 9, 20)),  # 60 days stays, 61 returns
        ("B", date(2026, 10, 6), date(2026, 10, 5)),  # 45 / 46
        ("C", date(2026, 10, 21), date(2026, 10, 20)),  # 30 / 31
        ("D", date(2026, 10, 21), date(2026, 10, 20)),  # 30 / 31
    ],
)
def test_tier_limit_at_the_boundary_day(tier, stays, goes):
    customers = frame(
        customer(2, tier=tier, last_contact=stays), customer(3, tier=tier, last_contact=goes)
    )
    assert returned(customers) == [3]


def test_a_return_sets_owner_former_owner_date_and_reason():
    customers = frame(customer(2, stage="意向", last_contact=datetime(2026, 10, 20, 15, 30)))
    move = pool_moves(customers, ON, TODAY).loc[2]
    assert move["owner"] == "公海"
    assert move["former_owner"] == "张三"
    assert move["pooled_on"] == pd.Timestamp(TODAY)
    assert (move["log_field"], move["log_old"], move["log_new"]) == ("owner", "张三", "公海")
    # 31 days since the last contact (a time of day does not count), limit 30 for C.
    assert move["reason"] == (
        "意向·C级客户已 31 天未跟进（最近联系 2026-10-20），超过公海天数 30 天，退回公海"
    )


def test_only_prospects_with_a_person_as_owner_return():
    idle = date(2026, 1, 10)
    customers = frame(
        customer(2, stage="成交", last_contact=idle),
        customer(3, stage="流失", last_contact=idle),
        customer(4, stage="意向", last_contact=idle),
        customer(5, owner="公海", pooled_on=date(2026, 11, 1), last_contact=idle),
        customer(6, owner=None, last_contact=idle),
        customer(7, tier=None, last_contact=idle),  # no tier, no limit
    )
    assert returned(customers) == [4]


def test_without_follow_ups_idleness_counts_from_created_then_first_contact():
    customers = frame(
        customer(2, created=date(2026, 10, 21)),  # 30 days: stays
        customer(3, created=date(2026, 10, 20)),  # 31 days: returns
        customer(4, created=None, first_contact=date(2026, 10, 20)),  # 31 days: returns
        customer(5, created=None, first_contact=None),  # nothing to count from
    )
    moves = pool_moves(customers, ON, TODAY)
    assert sorted(moves.index) == [3, 4]
    assert "建档日期 2026-10-20" in moves.at[3, "reason"]
    assert "首次接触" in moves.at[4, "reason"]


def test_protection_after_an_assignment():
    customers = frame(
        customer(2, last_contact=date(2026, 1, 10)),
        customer(3, last_contact=date(2026, 1, 10)),
        customer(4, last_contact=date(2026, 1, 10)),
    )
    assigned = last_assignments(
        customers["customer_id"],
        log(
            ("C0002", datetime(2026, 11, 13, 16), "张三"),  # 7 days ago: still protected
            ("C0003", datetime(2026, 11, 12, 9), "张三"),  # 8 days ago: over
            ("C0004", datetime(2026, 11, 19, 9), "公海"),  # a return is not an assignment
        ),
    )
    assert returned(customers) == [2, 3, 4]  # without the log, all three are long idle
    assert returned(customers, assigned=assigned) == [3, 4]


def test_last_assignments_take_the_latest_row_per_customer():
    ids = pd.Series(["C1", "C2", None], index=[2, 3, 4])
    out = last_assignments(
        ids,
        log(
            ("C1", datetime(2026, 11, 1), "甲"),
            ("C1", datetime(2026, 11, 5), "乙"),
            ("C1", datetime(2026, 11, 9), "Pool"),
        ),
    )
    assert out.loc[2] == pd.Timestamp(2026, 11, 5)
    assert out.loc[3:4].isna().all()


def test_return_dates_are_the_later_of_idleness_and_protection():
    customers = frame(
        customer(2, last_contact=date(2026, 10, 21)),
        customer(3, last_contact=date(2026, 10, 21)),
        customer(4, stage="成交", last_contact=date(2026, 10, 21)),
    )
    assigned = pd.Series([pd.NaT, pd.Timestamp(2026, 11, 18, 10), pd.NaT], index=[2, 3, 4])
    due = return_dates(customers, ON, assigned)
    # Row 2: Oct 21 + 31 days = Nov 21 (Oct 21 + 10 = Oct 31, + 21 = Nov 21).
    assert due.loc[2] == pd.Timestamp(2026, 11, 21)
    # Row 3: protected through Nov 18 + 7 = Nov 25, so it can first return on Nov 26.
    assert due.loc[3] == pd.Timestamp(2026, 11, 26)
    assert pd.isna(due.loc[4])


def test_due_to_pool_lists_what_returns_within_n_days():
    customers = frame(
        customer(2, last_contact=date(2026, 10, 21)),  # returns Nov 21: in 1 day
        customer(3, last_contact=date(2026, 10, 28)),  # Oct 28 + 31 = Nov 28: in 8 days
        customer(4, last_contact=date(2026, 10, 27), owner="李四"),  # Nov 27: in 7 days
        customer(5, last_contact=date(2026, 10, 1)),  # overdue: the next refresh returns it
    )
    soon = due_to_pool(customers, ON, TODAY, days=7)
    assert soon.index.tolist() == [5, 2, 4]
    assert soon["days_left"].tolist() == [-19, 1, 7]  # Oct 1 + 31 = Nov 1, 19 days ago
    assert soon.at[4, "owner"] == "李四"
    assert due_to_pool(customers, PoolRules(enabled=False), TODAY).empty


def test_the_pool_is_off_by_default():
    customers = frame(customer(2, last_contact=date(2026, 1, 1)))
    assert pool_moves(customers, PoolRules(), TODAY).empty


# -------------------------------------------------------------------------- claims


def test_claims_cool_down_and_unknown_names():
    customers = frame(
        # Claimed by 李娜 (not the former owner): accepted, 入公海日期 cleared.
        customer(2, owner="李娜", former_owner="张三", pooled_on=date(2026, 11, 1)),
        # The former owner 19 days after Nov 1: within 30, refused.
        customer(3, owner="张三", former_owner="张三", pooled_on=date(2026, 11, 1)),
        # Exactly 30 days (Oct 21): still within; 31 days (Oct 20): over, accepted.
        customer(4, owner="张三", former_owner="张三", pooled_on=date(2026, 10, 21)),
        customer(5, owner="张三", former_owner="张三", pooled_on=date(2026, 10, 20)),
        # A name nobody on the team has: reported, nothing changes.
        customer(6, owner="李哪", former_owner="张三", pooled_on=date(2026, 11, 1)),
        # Idle for long, but just claimed: not returned in the same run.
        customer(7, owner="王强", pooled_on=date(2026, 11, 1), last_contact=date(2026, 1, 1)),
    )
    moves = pool_moves(customers, ON, TODAY, team=["李娜", "张三", "王强"])
    assert moves["action"].to_dict() == {
        2: "claim",
        3: "refuse",
        4: "refuse",
        5: "claim",
        6: "unknown",
        7: "claim",
    }
    assert pd.isna(moves.at[2, "pooled_on"]) and moves.at[2, "owner"] == "李娜"
    assert (moves.at[2, "log_old"], moves.at[2, "log_new"]) == ("公海", "李娜")
    assert moves.at[3, "owner"] == "公海"
    assert moves.at[3, "pooled_on"] == pd.Timestamp(2026, 11, 1)
    assert "2026-12-01" in moves.at[3, "reason"]  # Nov 1 + 30 days: the cool-down's last day
    assert moves.at[6, "log_field"] is None and moves.at[6, "owner"] == "李哪"


def test_claims_are_taken_even_when_returns_are_off():
    customers = frame(customer(2, owner="李娜", former_owner="张三", pooled_on=date(2026, 11, 1)))
    assert pool_moves(customers, PoolRules(), TODAY)["action"].tolist() == ["claim"]


def test_pool_typed_by_hand_gets_its_date():
    customers = frame(customer(2, owner="公海"), customer(3, owner="公海", pooled_on=TODAY))
    moves = pool_moves(customers, ON, TODAY)
    assert moves.index.tolist() == [2]
    assert moves.at[2, "action"] == "enter"
    assert moves.at[2, "pooled_on"] == pd.Timestamp(TODAY)


def test_english_workbooks():
    customers = frame(customer(2, stage="意向", last_contact=date(2026, 10, 20)))
    move = pool_moves(customers, ON, TODAY, lang="en").loc[2]
    assert move["owner"] == "Pool"
    assert move["reason"].startswith("Interested, tier C: no follow-up for 31 days")
    assert is_pool("公海") and is_pool(" pool ") and is_pool("ＰＯＯＬ") and not is_pool("张三")


@pytest.mark.parametrize(("text", "on"), [("启用", True), ("停用", False), (None, False)])
def test_parse_switch(text, on):
    assert parse_switch(text) is on


def test_bad_switch():
    with pytest.raises(BadValue):
        parse_switch("也许")


# ------------------------------------------------------------------- assign --pool


def team(*reps: Rep) -> Team:
    return Team(sorted(reps, key=lambda r: r.name), {}, [])


def rep(name: str, regions: str, industries: str = "", cap: int | None = None, open_: int = 0):
    fold_set = lambda text: frozenset(x for x in text.split(",") if x)  # noqa: E731
    return Rep(name, fold_set(regions), fold_set(industries), cap, open_)


def pooled(row: int, on: date | None, former: str | None = None, **kw: Any) -> PoolCandidate:
    fields: dict[str, Any] = {
        "row": row,
        "customer_id": f"C{row:04d}",
        "name": f"客户{row}",
        "region": "华东",
        "region_raw": "华东",
        "region_problem": None,
        "industry": "制造业",
        "former_owner": former,
        "pooled_on": None if on is None else pd.Timestamp(on),
    }
    fields.update(kw)
    return PoolCandidate(**fields)


def test_hand_out_by_region_industry_and_cool_down():
    reps = team(
        rep("甲", "华东", "制造业"),
        rep("乙", "华东"),
        rep("丙", "华南", cap=1, open_=1),
        rep("丁", "西南"),
    )
    pool = [
        pooled(2, date(2026, 11, 10), "甲"),  # 10 days: 甲 cools down -> 乙
        pooled(3, date(2026, 10, 1), "乙"),  # 50 days: no cool-down -> 甲 (industry)
        pooled(4, date(2026, 11, 1), region="华南", region_raw="华南"),  # 丙 at cap
        pooled(5, date(2026, 11, 2), region="华北", region_raw="华北"),  # nobody covers
        pooled(6, date(2026, 11, 3), "丁", region="西南", region_raw="西南"),  # only 丁, cooling
    ]
    given, left = assign_pool(pool, reps, ON, TODAY)
    assert [(g.row, g.owner) for g in given] == [(2, "乙"), (3, "甲")]
    assert "原负责人甲冷却期至 2026-12-10" in given[0].reason("zh")  # Nov 10 + 30 days
    assert given[1].reason("zh").startswith("公海分配；区域匹配：华东；行业匹配：制造业")
    assert [(x.row, x.why.code) for x in left] == [
        (4, "assign-all-at-cap"),
        (5, "assign-no-rep"),
        (6, "assign-no-rep-excluded"),
    ]


def test_hand_out_balances_load_and_stops_at_caps():
    reps = team(rep("甲", "华东", cap=2, open_=1), rep("乙", "华东", open_=0), rep("丙", "华东"))
    pool = [pooled(r, date(2026, 11, 1), industry=None) for r in range(2, 8)]
    given, left = assign_pool(pool, reps, ON, TODAY)
    # Name order is Unicode order: 丙 (U+4E19) < 乙 (U+4E59) < 甲 (U+7532). Open loads:
    # 1. 甲1 乙0 丙0 -> tie at 0, 丙;   2. 甲1 乙0 丙1 -> 乙;   3. all at 1 -> 丙;
    # 4. 甲1 乙1 丙2 -> tie at 1, 乙;   5. 甲1 乙2 丙2 -> 甲, now at its cap of 2;
    # 6. 甲 is full, 乙2 丙2 -> 丙.
    assert [g.owner for g in given] == ["丙", "乙", "丙", "乙", "甲", "丙"]
    assert left == []
    assert {r.name: r.open for r in reps.reps} == {"丙": 3, "乙": 2, "甲": 2}


def test_hand_out_is_deterministic():
    def run() -> list[tuple[int, str]]:
        reps = team(rep("甲", "华东"), rep("乙", "华东"))
        pool = [pooled(r, date(2026, 11, r % 5 + 1), "甲" if r % 2 else None) for r in range(2, 12)]
        return [(g.row, g.owner) for g in assign_pool(pool, reps, ON, TODAY)[0]]

    assert run() == run()


def test_candidates_are_the_pool_oldest_first():
    customers = frame(
        customer(2, owner="公海", pooled_on=date(2026, 11, 5), former_owner="甲"),
        customer(3, owner="张三"),
        customer(4, owner="Pool", pooled_on=date(2026, 11, 1)),
        customer(5, owner="公海"),  # no date yet: last
    )
    found = candidates(customers)
    assert [c.row for c in found] == [4, 2, 5]
    assert found[1].former_owner == "甲" and found[1].pooled_on == pd.Timestamp(2026, 11, 5)
