"""``assign``: SPEC 2.5 — region, then industry, then fewest open leads, then name; caps; 查重."""

from __future__ import annotations

import json
import shutil
from datetime import date, datetime
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from click.testing import CliRunner

from crmxl.cli import cli
from crmxl.leads.assign import assign
from crmxl.model.schema import CHANGELOG, LEADS, match_column

AS_OF = datetime(2026, 11, 20, 9, 0)


def rep(
    name: str,
    regions: str,
    industries: str = "",
    cap: int | None = None,
    active: str = "是",
    role: str = "销售专员",
) -> dict[str, Any]:
    return {
        "name": name,
        "role": role,
        "regions": regions,
        "industries": industries,
        "active": active,
        "lead_cap": cap,
    }


def waiting(lid: str, region: str = "华东", industry: str = "制造业", **kw: Any) -> dict[str, Any]:
    n = int("".join(ch for ch in lid if ch.isdigit()) or 0)
    return {
        "lead_id": lid,
        "captured_at": datetime(2026, 11, 19, 8, n % 60),
        "source": "展会",
        "company": f"{lid}号新材料有限公司",
        "phone": f"1370000{n:04d}",
        "region": region,
        "industry": industry,
        "status": "待分配",
        **kw,
    }


def owned(lid: str, owner: str, status: str = "待确认") -> dict[str, Any]:
    return waiting(lid, assigned_to=owner, assigned_at=datetime(2026, 11, 18, 9), status=status)


@pytest.fixture
def crm(make_workbook):
    """``crm(team, leads, **other sheets)`` -> a workbook path."""

    def make(team: list[dict[str, Any]], leads: list[dict[str, Any]], **more: Any) -> Path:
        sheets: dict[str, Any] = {
            "customers": [
                {
                    "customer_id": "C0001",
                    "name": "上海华信科技有限责任公司",
                    "industry": "制造业",
                    "source": "展会",
                    "first_contact": date(2026, 1, 5),
                    "stage": "成交",
                    "owner": "甲",
                }
            ],
            "contacts": [{"customer_id": "C0001", "name": "赵六", "mobile": "138-1111-2222"}],
            "leads": leads,
            "team": team,
        }
        sheets.update(more)
        return make_workbook(
            sheets, columns={"leads": [c.key for c in LEADS.columns]}, **more.pop("options", {})
        )

    return make


def owners(result) -> dict[str, str]:
    return {a.record: a.owner for a in result.assigned}


def leads_after(path: Path) -> dict[str, dict[str, Any]]:
    ws = openpyxl.load_workbook(path)[LEADS.zh]
    keys = [getattr(match_column(LEADS, c.value), "key", None) for c in ws[1]]
    rows = [
        {k: c.value for k, c in zip(keys, row, strict=False) if k}
        for row in ws.iter_rows(min_row=2)
    ]
    return {r["lead_id"]: r for r in rows}


# ---------------------------------------------------------------------- the rules, one by one


def test_region_comes_first(crm) -> None:
    path = crm([rep("甲", "华南", "制造业"), rep("乙", "华东", "零售")], [waiting("L1")])
    result = assign([path], as_of=AS_OF)
    assert owners(result) == {"L1": "乙"}
    assert result.assigned[0].reason("zh") == "区域匹配：华东；可选专员中无人擅长制造业"


def test_industry_match_beats_fewer_open_leads(crm) -> None:
    team = [rep("甲", "华东", "零售"), rep("乙", "华东、华南", "制造业、物流")]
    path = crm(team, [owned("L1", "乙"), owned("L2", "乙", "有效"), waiting("L3")])
    result = assign([path], as_of=AS_OF)
    assert owners(result) == {"L3": "乙"}
    assert result.assigned[0].reason("zh") == "区域匹配：华东；行业匹配：制造业"


def test_then_fewest_open_leads(crm) -> None:
    team = [rep("甲", "华东"), rep("乙", "华东")]
    leads = [
        owned("L1", "甲"),
        owned("L2", "乙", "无效"),
        owned("L3", "乙", "已转化"),
        waiting("L4"),
    ]
    result = assign([crm(team, leads)], as_of=AS_OF)
    assert owners(result) == {"L4": "乙"}
    assert "在手线索最少（0条）" in result.assigned[0].reason("zh")


def test_then_name_order_and_the_run_spreads_leads(crm) -> None:
    team = [rep("乙", "华东"), rep("甲", "华东")]
    result = assign([crm(team, [waiting("L1"), waiting("L2"), waiting("L3")])], as_of=AS_OF)
    assert owners(result) == {"L1": "乙", "L2": "甲", "L3": "乙"}  # 乙 (U+4E59) < 甲 (U+7532)
    assert "按姓名顺序" in result.assigned[0].reason("zh")


def test_a_rep_at_the_cap_gets_no_more_counting_this_run(crm) -> None:
    team = [rep("甲", "华东", "制造业", cap=2), rep("乙", "华东", cap=1)]
    leads = [owned("L1", "甲"), waiting("L2"), waiting("L3"), waiting("L4")]
    result = assign([crm(team, leads)], as_of=AS_OF)
    assert owners(result) == {"L2": "甲", "L3": "乙"}
    assert [(u.record, u.why.code) for u in result.unassigned] == [("L4", "assign-all-at-cap")]
    assert "甲（2/2）" in result.unassigned[0].reason("zh")
    assert result.open_leads == {"乙": 1, "甲": 2}


def test_oldest_leads_are_served_first(crm) -> None:
    late = waiting("L1", captured_at=datetime(2026, 11, 19, 23))
    result = assign([crm([rep("甲", "华东", cap=1)], [late, waiting("L2")])], as_of=AS_OF)
    assert owners(result) == {"L2": "甲"}


@pytest.mark.parametrize(
    "lead, code",
    [
        (waiting("L1", region="西北"), "assign-no-rep"),
        (waiting("L1", region="待确认"), "assign-no-region-placeholder"),
        (waiting("L1", region=None), "assign-no-region"),
        (waiting("L1", region="火星"), "assign-no-region-unknown"),
    ],
)
def test_a_lead_no_one_can_take_stays_waiting_with_the_reason(crm, lead, code) -> None:
    path = crm([rep("甲", "华东")], [lead])
    result = assign([path], as_of=AS_OF)
    assert [u.why.code for u in result.unassigned] == [code] and not result.assigned
    assert leads_after(path)["L1"]["status"] == "待分配"
    assert not result.ok


def test_inactive_people_and_other_roles_take_no_leads(crm) -> None:
    team = [
        rep("甲", "西北", active="否"),
        rep("乙", "西北", role="销售经理"),
        rep("丙", "西北", active=""),
    ]
    result = assign([crm(team, [waiting("L1", region="西北")])], as_of=AS_OF)
    assert result.unassigned[0].reason("zh") == "负责西北的销售专员不在岗：丙、甲"
    assert dict(result.left_out) == {"甲": "assign-left-inactive", "丙": "assign-left-active-blank"}


# ---------------------------------------------------------------------------------- 查重


def test_a_lead_that_duplicates_a_customer_is_flagged_not_assigned(crm) -> None:
    leads = [
        waiting("L1", company="上海华信科技 有限公司"),
        waiting("L2", phone="+86 13811112222"),
        waiting("L3"),
    ]
    path = crm([rep("甲", "华东")], leads)
    result = assign([path], as_of=AS_OF)
    assert owners(result) == {"L3": "甲"}
    assert [d.record for d in result.duplicates] == ["L1", "L2"]
    after = leads_after(path)
    assert after["L1"]["status"] == "待分配" and after["L1"]["assigned_to"] is None
    assert after["L1"]["assignment_reason"].startswith("疑似重复：公司名称与客户 C0001")
    assert "赵六" in after["L2"]["assignment_reason"]


# ----------------------------------------------------------------------------- what is written


def test_the_written_cells_and_one_changelog_row_per_assignment(crm) -> None:
    reviewed = waiting("L2", confirmed_at=datetime(2026, 11, 1, 10), invalid_reason="行业不符")
    path = crm([rep("甲", "华东", "制造业")], [waiting("L1"), reviewed, owned("L3", "甲", "无效")])
    assign([path], as_of=AS_OF)
    after = leads_after(path)
    assert (after["L1"]["assigned_to"], after["L1"]["assigned_at"], after["L1"]["status"]) == (
        "甲",
        AS_OF,
        "待确认",
    )
    assert after["L1"]["assignment_reason"] == "区域匹配：华东；行业匹配：制造业"
    assert after["L2"]["confirmed_at"] is None and after["L2"]["invalid_reason"] == "行业不符"
    assert after["L3"]["status"] == "无效"  # untouched
    log = openpyxl.load_workbook(path)[CHANGELOG.zh]
    assert [(r[1].value, r[3].value, r[6].value) for r in log.iter_rows(min_row=2)] == [
        ("assign", "L1", "甲"),
        ("assign", "L2", "甲"),
    ]


def test_a_lead_without_status_or_owner_is_waiting(crm) -> None:
    result = assign([crm([rep("甲", "华东")], [waiting("L1", status=None)])], as_of=AS_OF)
    assert owners(result) == {"L1": "甲"}


def test_the_same_workbook_gives_the_same_assignment(crm, tmp_path) -> None:
    team = [rep(n, "华东、华南", i, cap=3) for n, i in (("甲", "零售"), ("乙", ""), ("丙", "物流"))]
    leads = [
        waiting(f"L{i}", region=("华东", "华南")[i % 2], industry=("零售", "物流", "制造业")[i % 3])
        for i in range(1, 10)
    ]
    path = crm(team, leads)
    copy = tmp_path / "copy.xlsx"
    shutil.copy(path, copy)
    a, b = assign([path], as_of=AS_OF), assign([copy], as_of=AS_OF)
    assert [(x.record, x.owner, x.reason("zh")) for x in a.assigned] == [
        (x.record, x.owner, x.reason("zh")) for x in b.assigned
    ]
    assert len(a.assigned) == 9


def test_a_second_assign_assigns_nothing_new(crm) -> None:
    path = crm(
        [rep("甲", "华东")],
        [
            waiting("L1"),
            waiting("L2", region="西北"),
            waiting("L3", company="上海华信科技有限公司"),
        ],
    )
    first = assign([path], as_of=AS_OF)
    before = path.read_bytes()
    second = assign([path], as_of=AS_OF)
    assert len(first.assigned) == 1 and not second.assigned and not second.saved
    assert path.read_bytes() == before


def test_dry_run_writes_nothing(crm) -> None:
    path = crm([rep("甲", "华东")], [waiting("L1")])
    before = path.read_bytes()
    result = assign([path], as_of=AS_OF, dry_run=True)
    assert owners(result) == {"L1": "甲"} and path.read_bytes() == before


def test_an_english_workbook_gets_english_reasons(make_workbook) -> None:
    path = make_workbook(
        {"leads": [waiting("L1")], "team": [rep("Ann", "华东", "制造业")]}, lang="en"
    )
    assign([path], as_of=AS_OF)
    ws = openpyxl.load_workbook(path)["Leads"]
    row = {match_column(LEADS, c.value).key: v.value for c, v in zip(ws[1], ws[2], strict=False)}
    assert row["status"] == "Awaiting Confirmation"
    assert row["assignment_reason"] == "region match: 华东; industry match: 制造业"


def test_missing_output_columns_are_added(make_workbook) -> None:
    lead = {k: v for k, v in waiting("L1").items() if k != "status"}
    path = make_workbook({"leads": [lead], "team": [rep("甲", "华东")]})
    result = assign([path], as_of=AS_OF)
    assert owners(result) == {"L1": "甲"}
    assert leads_after(path)["L1"]["assigned_at"] == AS_OF


def test_without_a_team_sheet_leads_wait_and_the_line_says_why(make_workbook) -> None:
    result = assign([make_workbook({"leads": [waiting("L1")]})], as_of=AS_OF)
    assert not result.ok and result.assigned == []  # the command exits 1
    assert [(u.record, u.why.code) for u in result.unassigned] == [("L1", "assign-no-team")]
    assert {s.what for s in result.skipped} == {
        "skip-assign",
        "skip-dedup-names",
        "skip-dedup-phones",
    }
    assert "已跳过：分配线索（没有销售团队）" in result.render("zh")


def test_without_a_leads_sheet_there_is_nothing_to_assign(make_workbook) -> None:
    result = assign([make_workbook({"team": [rep("甲", "华东")]})], as_of=AS_OF)
    assert result.ok and result.waiting == 0 and result.saved == []
    assert [(s.what, s.missing) for s in result.skipped] == [("skip-assign", ("leads",))]


# ---------------------------------------------------------------------------------- CLI


def test_cli_exit_codes_and_json_parity(crm, tmp_path) -> None:
    runner = CliRunner()
    ok = crm([rep("甲", "华东")], [waiting("L1")])
    res = runner.invoke(cli, ["assign", str(ok), "--as-of", "2026-11-20 09:00", "--no-backup"])
    assert res.exit_code == 0 and "L1" in res.output
    stuck = crm([rep("甲", "华东")], [waiting("L2", region="西北")])
    res = runner.invoke(
        cli, ["assign", str(stuck), "--as-of", "2026-11-20T09:00", "--json", "--lang", "en"]
    )
    lib = assign([stuck], as_of=AS_OF).to_dict("en")
    out = json.loads(res.output)
    out.pop("seconds"), lib.pop("seconds")
    assert res.exit_code == 1 and out == lib
    assert runner.invoke(cli, ["assign", str(ok), "--as-of", "someday"]).exit_code == 2
