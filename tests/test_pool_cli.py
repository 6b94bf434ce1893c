"""The public pool (公海, SPEC 2.9) as a team uses it, through the command line: refresh returns,
claims, validate, assign --pool, todo, report, split and merge, on workbooks built here.

As of 2026-11-20 (a Friday); 公海天数 for tier C is 30 days, 保护期 7, 冷却 30. Every expected
value is counted by hand beside its assertion.
"""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from click.testing import CliRunner
from crm_small import read_back
from libreoffice import roundtrip_xlsx

from crmxl.cli import cli
from crmxl.model.schema import CUSTOMERS, FOLLOW_UPS, fold

ON = {"key": "公海规则", "value": "启用"}
TEAM = [
    {"name": "张三", "role": "销售专员", "active": "是", "regions": "华东"},
    {"name": "李娜", "role": "销售专员", "active": "是", "regions": "华东"},
    {"name": "王五", "role": "销售专员", "active": "是", "regions": "华南"},
    {"name": "赵敏", "role": "销售经理", "active": "是", "regions": "华东"},
]


def run(*args: str) -> Any:
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def customer(cid: str, **kw: Any) -> dict[str, Any]:
    return {
        "customer_id": cid,
        "name": f"{cid}科技有限公司",
        "industry": "制造业",
        "region": "华东",
        "source": "展会",
        "first_contact": date(2026, 6, 1),
        "created": date(2026, 6, 1),
        "stage": "潜在",
        "owner": "张三",
        **kw,
    }


def talk(cid: str, day: date) -> dict[str, Any]:
    return {
        "customer_id": cid,
        "date": datetime.combine(day, datetime.min.time()).replace(hour=10),
        "channel": "电话",
        "summary": "电话沟通",
        "recorded_by": "张三",
    }


def log(record: str, when: datetime, old: str, new: str, command: str = "assign") -> dict:
    return {
        "time": when,
        "command": command,
        "sheet": "客户档案",
        "record": record,
        "field": "负责人",
        "old": old,
        "new": new,
        "reason": "",
    }


def customers(path: Path) -> dict[str, dict[str, Any]]:
    return read_back(path, CUSTOMERS)


def changelog(path: Path) -> list[tuple[Any, ...]]:
    ws = openpyxl.load_workbook(path)["变更日志"]
    return [r for r in ws.iter_rows(min_row=2, values_only=True) if r[0] is not None]


def neglected(**extra: Any) -> dict[str, Any]:
    sheets: dict[str, Any] = {
        "customers": [
            customer("C001"),  # last contact 10-20: 31 days by 11-20 -> returns
            customer("C002"),  # last contact 10-21: 30 days -> stays
            customer("C003", stage="成交"),  # not a prospect: never returns
            customer("C004"),  # no follow-up, created 06-01 -> returns (since 建档日期)
            customer("C005"),  # last contact 10-01, but assigned 11-13 (7 days: protected)
        ],
        "follow_ups": [
            talk("C001", date(2026, 10, 20)),
            talk("C002", date(2026, 10, 21)),
            talk("C003", date(2026, 1, 5)),
            talk("C005", date(2026, 10, 1)),
        ],
        "team": TEAM,
        "changelog": [log("C005", datetime(2026, 11, 13, 9, 0), "公海", "张三")],
        "settings": [ON],
    }
    sheets.update(extra)
    return sheets


# ------------------------------------------------------------------------------ refresh


def test_refresh_returns_the_neglected_prospects(make_workbook: Any) -> None:
    path = make_workbook(neglected())
    result = run("refresh", str(path), "--as-of", "2026-11-20", "--json")
    assert result.exit_code == 0, result.output
    moves = json.loads(result.output)["pool_moves"]
    assert [(m["record"], m["action"]) for m in moves] == [("C001", "return"), ("C004", "return")]
    got = customers(path)
    for cid in ("C001", "C004"):
        assert (got[cid]["owner"], got[cid]["former_owner"]) == ("公海", "张三")
        assert got[cid]["pooled_on"] == datetime(2026, 11, 20)
    for cid in ("C002", "C003", "C005"):
        assert got[cid]["owner"] == "张三" and got[cid]["former_owner"] is None
    rows = changelog(path)[1:]  # after the log row of the test
    assert [(r[1], r[3], r[4], r[5], r[6]) for r in rows] == [
        ("refresh", "C001", "负责人", "张三", "公海"),
        ("refresh", "C004", "负责人", "张三", "公海"),
    ]
    assert rows[0][7] == (
        "潜在·C级客户已 31 天未跟进（最近联系 2026-10-20），超过公海天数 30 天，退回公海"
    )
    assert rows[1][7] == (
        "潜在·C级客户建档 172 天无跟进记录（建档日期 2026-06-01），超过公海天数 30 天，退回公海"
    )
    again = run("refresh", str(path), "--as-of", "2026-11-20", "--json")
    assert json.loads(again.output)["cells_changed"] == 0
    assert "pool_moves" not in json.loads(again.output)


def test_the_protection_ends_after_seven_days(make_workbook: Any) -> None:
    path = make_workbook(neglected())
    data = json.loads(run("refresh", str(path), "--as-of", "2026-11-21", "--json").output)
    # a day later C002 is at 31 days too, and C005's protection (assigned 11-13) is over
    returned = [m["record"] for m in data["pool_moves"]]
    assert returned == ["C001", "C002", "C004", "C005"]
    assert customers(path)["C005"]["owner"] == "公海"


def test_the_pool_is_off_by_default(make_workbook: Any) -> None:
    path = make_workbook(neglected(settings=[]))
    result = run("refresh", str(path), "--as-of", "2026-11-20", "--json")
    assert "pool_moves" not in json.loads(result.output)
    assert {c["owner"] for c in customers(path).values()} == {"张三"}
    header = [c.value for c in openpyxl.load_workbook(path)["客户档案"][1]]
    assert "原负责人(自动)" not in header and "原负责人" not in header


def test_claims_taken_refused_and_left_alone(make_workbook: Any) -> None:
    pooled = date(2026, 11, 1)
    path = make_workbook(
        {
            "customers": [
                # 李娜 typed her name: a claim
                customer("C001", owner="李娜", former_owner="张三", pooled_on=pooled),
                # 张三 is the former owner, 19 days after: within the 30-day cool-down
                customer("C002", owner="张三", former_owner="张三", pooled_on=pooled),
                # a typo: not an active 销售专员
                customer("C003", owner="李四", former_owner="张三", pooled_on=pooled),
                # 公海 typed by hand, no date yet
                customer("C004", owner="公海"),
            ],
            "follow_ups": [talk(c, date(2026, 11, 18)) for c in ("C001", "C002", "C003", "C004")],
            "team": TEAM,
        }
    )
    data = json.loads(run("refresh", str(path), "--as-of", "2026-11-20", "--json").output)
    moves = {m["record"]: m for m in data["pool_moves"]}
    assert {k: m["action"] for k, m in moves.items()} == {
        "C001": "claim",
        "C002": "refuse",
        "C003": "unknown",
        "C004": "enter",
    }
    got = customers(path)
    assert (got["C001"]["owner"], got["C001"]["pooled_on"]) == ("李娜", None)
    assert got["C001"]["former_owner"] == "张三"  # kept, as history
    assert (got["C002"]["owner"], got["C002"]["pooled_on"]) == ("公海", datetime(2026, 11, 1))
    assert (got["C003"]["owner"], got["C003"]["pooled_on"]) == ("李四", datetime(2026, 11, 1))
    assert got["C004"]["pooled_on"] == datetime(2026, 11, 20)
    logged = {r[3]: (r[4], r[5], r[6]) for r in changelog(path)}
    assert logged["C001"] == ("负责人", "公海", "李娜")
    assert logged["C002"] == ("负责人", "张三", "公海")
    assert "C003" not in logged
    assert moves["C002"]["reason"] == (
        "张三 是原负责人，冷却期内（入公海日期 2026-11-01，至 2026-12-01）不能认领，负责人改回公海"
    )


def test_validate_accepts_the_pool_and_a_pending_claim(make_workbook: Any) -> None:
    path = make_workbook(
        {
            "customers": [
                customer("C001", owner="公海", former_owner="张三", pooled_on=date(2026, 11, 1)),
                customer("C002", owner="李娜", former_owner="张三", pooled_on=date(2026, 11, 1)),
                customer("C003", owner="李四"),
            ],
            "team": TEAM,
        }
    )
    data = json.loads(run("validate", str(path), "--json").output)
    unknown = [f["cell"] for f in data["findings"] if f["code"] == "unknown-owner"]
    assert unknown == ["客户档案!G4"]  # only 李四 (负责人 is the 7th column: G)


# ------------------------------------------------------------------------------ assign --pool


def test_assign_pool_hands_out_with_the_cool_down(make_workbook: Any) -> None:
    path = make_workbook(
        {
            "customers": [
                # in the pool since 11-01, former owner 张三 (cool-down until 12-01)
                customer("C001", owner="公海", former_owner="张三", pooled_on=date(2026, 11, 1)),
                # since 10-01: the cool-down ended 10-31, 张三 may get it back
                customer("C002", owner="公海", former_owner="李娜", pooled_on=date(2026, 10, 1)),
                # 华南: only 王五 covers it, and he is its former owner in the cool-down
                customer(
                    "C003",
                    owner="公海",
                    region="华南",
                    former_owner="王五",
                    pooled_on=date(2026, 11, 10),
                ),
            ],
            "team": TEAM,
        }
    )
    result = run("assign", str(path), "--pool", "--as-of", "2026-11-20T09:00", "--json")
    assert result.exit_code == 1  # C003 stays in the pool
    data = json.loads(result.output)
    assert data["pool"] is True
    # oldest in the pool first: C002 (10-01) to 张三 (李娜 is its former owner? no: 李娜 is,
    # and her cool-down is over, so both cover 华东 with 0 open leads: 张三 by name order);
    # then C001 (11-01): 张三 is barred, 李娜 takes it
    assert [(a["customer"], a["owner"]) for a in data["assigned"]] == [
        ("C002", "张三"),
        ("C001", "李娜"),
    ]
    assert [u["customer"] for u in data["unassigned"]] == ["C003"]
    assert data["unassigned"][0]["code"] == "assign-no-rep-excluded"
    got = customers(path)
    assert (got["C001"]["owner"], got["C001"]["pooled_on"]) == ("李娜", None)
    assert got["C001"]["former_owner"] == "张三"
    assert (got["C003"]["owner"], got["C003"]["pooled_on"]) == ("公海", datetime(2026, 11, 10))
    rows = changelog(path)
    assert [(r[0], r[1], r[3], r[5], r[6]) for r in rows] == [
        (datetime(2026, 11, 20, 9, 0), "assign", "C002", "公海", "张三"),
        (datetime(2026, 11, 20, 9, 0), "assign", "C001", "公海", "李娜"),
    ]
    assert rows[1][7].startswith("公海分配；区域匹配：华东")
    assert "原负责人张三冷却期至 2026-12-01，不分给本人" in rows[1][7]


# ------------------------------------------------------------------------------ todo, report


def test_todo_warns_a_rep_a_week_ahead(make_workbook: Any) -> None:
    path = make_workbook(
        {
            # last contact 10-25: 30 days run out on 11-24, it returns on 11-25 (5 days)
            "customers": [customer("C001"), customer("C002", owner="李娜")],
            "follow_ups": [talk("C001", date(2026, 10, 25)), talk("C002", date(2026, 11, 10))],
            "team": TEAM,
            "settings": [ON],
        }
    )
    result = run("todo", str(path), "--owner", "张三", "--as-of", "2026-11-20", "--json")
    kinds = json.loads(result.output)["owners"][0]["kinds"]
    pool = next(k for k in kinds if k["kind"] == "pool")
    assert [(i["ref"], i["due"], i["days_left"], i["state"]) for i in pool["items"]] == [
        ("C001", "2026-11-25", 5, "进入公海")
    ]
    text = run("todo", str(path), "--owner", "张三", "--as-of", "2026-11-20").output
    assert "-- 公海预警（1）" in text
    # C002 (last contact 11-10) returns on 12-11: beyond a week
    other = run("todo", str(path), "--owner", "李娜", "--as-of", "2026-11-20", "--json")
    assert "pool" not in [k["kind"] for k in json.loads(other.output)["owners"][0]["kinds"]]


def pool_report_workbook(make_workbook: Any) -> Path:
    return make_workbook(
        {
            "customers": [
                # returned 11-16 (in the week 11-14..11-20), still in the pool: 4 days
                customer("C001", owner="公海", former_owner="张三", pooled_on=date(2026, 11, 16)),
                # returned 11-02 (before the week) and claimed 11-17 by 李娜
                customer("C002", owner="李娜", former_owner="张三"),
                # in the pool since 09-01: 80 days, no move this week
                customer("C003", owner="公海", former_owner="李娜", pooled_on=date(2026, 9, 1)),
            ],
            "follow_ups": [talk(c, date(2026, 11, 18)) for c in ("C001", "C002", "C003")],
            "team": TEAM,
            "changelog": [
                log("C003", datetime(2026, 9, 1, 8), "李娜", "公海", "refresh"),
                log("C002", datetime(2026, 11, 2, 8), "张三", "公海", "refresh"),
                log("C001", datetime(2026, 11, 16, 8), "张三", "公海", "refresh"),
                log("C002", datetime(2026, 11, 17, 8), "公海", "李娜", "refresh"),
            ],
        }
    )


def test_report_pool_sheet_and_claim_rate(make_workbook: Any, tmp_path: Path) -> None:
    path = pool_report_workbook(make_workbook)
    out = tmp_path / "report.xlsx"
    result = run("report", str(path), "-o", str(out), "--as-of", "2026-11-20", "--json")
    assert result.exit_code == 0, result.output
    kpi = next(k for k in json.loads(result.output)["kpis"] if k["code"] == "pool_claim_rate")
    # left the pool this week: C002. In the pool during the week: C003 (since 09-01), C002
    # (returned 11-02, before the week), C001 (returned 11-16): 1 / 3
    assert (kpi["numerator"], kpi["denominator"]) == (1, 3)
    assert kpi["value"] == pytest.approx(1 / 3)
    ws = openpyxl.load_workbook(out)["公海"]
    (table,) = ws.tables.values()
    cells = [[c.value for c in row] for row in ws[table.ref]]
    got = [dict(zip(cells[0], r, strict=True)) for r in cells[1:]]
    assert [(r["类别"], r["客户编号"]) for r in got] == [
        ("退回公海", "C001"),
        ("认领", "C002"),
        ("在公海", "C003"),  # 80 days first
        ("在公海", "C001"),
    ]
    assert (got[0]["原负责人"], got[1]["原负责人"]) == ("张三", "张三")  # C002 returned 11-02
    assert (got[1]["领取人"], got[2]["在公海天数"], got[2]["账龄"]) == ("李娜", 80, "31–90天")
    assert (got[3]["在公海天数"], got[3]["账龄"]) == (4, "0–7天")
    # LibreOffice opens the report and the refreshed workbook
    run("refresh", str(path), "--as-of", "2026-11-20")
    roundtrip_xlsx([out, path], tmp_path / "lo")


def test_a_report_without_the_pool_is_as_before(make_workbook: Any, tmp_path: Path) -> None:
    path = make_workbook({"customers": [customer("C001")], "team": TEAM})
    out = tmp_path / "report.xlsx"
    data = json.loads(run("report", str(path), "-o", str(out), "--json").output)
    assert "pool_claim_rate" not in [k["code"] for k in data["kpis"]]
    assert "公海" not in openpyxl.load_workbook(out).sheetnames


# ------------------------------------------------------------------------------ split, merge


def split_workbook(make_workbook: Any, *, include: str | None) -> Path:
    settings = [{"key": "拆分含公海客户", "value": include}] if include else []
    return make_workbook(
        {
            "customers": [
                customer("C001", owner="李娜"),
                # 华东, former owner 张三 in the cool-down (since 11-10)
                customer("C002", owner="公海", former_owner="张三", pooled_on=date(2026, 11, 10)),
                # 华南: only for 王五
                customer("C003", owner="公海", region="华南", pooled_on=date(2026, 11, 10)),
            ],
            "contacts": [
                {"customer_id": "C002", "name": "陈明", "mobile": "13800000001"},
                {"customer_id": "C001", "name": "王丽", "mobile": "13800000002"},
            ],
            "team": TEAM,
            "settings": settings,
        }
    )


def sheet_ids(path: Path, sheet: str) -> list[str]:
    ws = openpyxl.load_workbook(path)[sheet]
    return [r[0] for r in ws.iter_rows(min_row=2, values_only=True) if r[0]]


def test_split_leaves_the_pool_out_by_default(make_workbook: Any, tmp_path: Path) -> None:
    master = split_workbook(make_workbook, include=None)
    run("split", str(master), "-o", str(tmp_path / "out"), "--as-of", "2026-11-20")
    assert sheet_ids(tmp_path / "out" / "李娜.xlsx", "客户档案") == ["C001"]


def test_split_lists_the_pool_read_only_and_merge_takes_a_claim(
    make_workbook: Any, tmp_path: Path
) -> None:
    master = split_workbook(make_workbook, include="是")
    out = tmp_path / "out"
    result = run("split", str(master), "-o", str(out), "--as-of", "2026-11-20")
    assert result.exit_code == 0, result.output
    book = out / "李娜.xlsx"
    # 李娜 covers 华东: her customer, then C002 of the pool; not C003 (华南)
    assert sheet_ids(book, "客户档案") == ["C001", "C002"]
    assert sheet_ids(out / "王五.xlsx", "客户档案") == ["C003"]
    # 张三 is C002's former owner in the cool-down: not offered to him
    assert sheet_ids(out / "张三.xlsx", "客户档案") == []
    assert sheet_ids(book, "联系人") == ["C001"]  # the pool's contacts stay in the master
    wb = openpyxl.load_workbook(book)
    ws = wb["客户档案"]
    header = [c.value for c in ws[1]]
    owner = next(i for i, h in enumerate(header) if fold(h) == "负责人")
    name = next(i for i, h in enumerate(header) if fold(h) == "客户名称")
    pool_row = next(iter(ws.iter_rows(min_row=3, max_row=3)))
    assert pool_row[owner].value == "公海" and not pool_row[owner].protection.locked
    assert pool_row[name].protection.locked
    pool_row[owner].value = "李娜"  # the claim
    pool_row[name].value = "改名有限公司"  # not hers to change
    wb.save(book)
    merged = json.loads(run("merge", str(master), str(book), "--json").output)
    report = merged["files"][0]
    assert [(c["record"], c["returned"]) for c in report["applied"]] == [("C002", "李娜")]
    assert [(r["record"], r["code"]) for r in report["rejected"]] == [
        ("C002", "merge-pool-readonly")
    ]
    got = customers(master)["C002"]
    assert (got["owner"], got["name"]) == ("李娜", "C002科技有限公司")
    # the next refresh takes the claim: 入公海日期 cleared, the claim logged
    data = json.loads(run("refresh", str(master), "--as-of", "2026-11-20", "--json").output)
    assert [(m["record"], m["action"]) for m in data["pool_moves"]] == [("C002", "claim")]
    assert customers(master)["C002"]["pooled_on"] is None


def test_merge_takes_no_claim_for_someone_else(make_workbook: Any, tmp_path: Path) -> None:
    master = split_workbook(make_workbook, include="是")
    out = tmp_path / "out"
    run("split", str(master), "-o", str(out), "--as-of", "2026-11-20")
    book = out / "李娜.xlsx"
    wb = openpyxl.load_workbook(book)
    ws = wb["客户档案"]
    header = [c.value for c in ws[1]]
    owner = next(i for i, h in enumerate(header) if fold(h) == "负责人")
    ws.cell(3, owner + 1).value = "张三"
    wb.save(book)
    merged = json.loads(run("merge", str(master), str(book), "--json").output)
    assert [r["code"] for r in merged["files"][0]["rejected"]] == ["merge-pool-claim-other"]
    assert customers(master)["C002"]["owner"] == "公海"


# ------------------------------------------------------------------------------ the sample


def test_the_sample_shows_returns_a_claim_and_a_warning(tmp_path: Path) -> None:
    """The bundled sample (配置 公海规则 启用, as of 2026-11-20): its first refresh returns the
    neglected prospects, takes the claim of ``pool-claimed`` (C0152 in sample_data/README.md)
    and leaves ``pool-already-in`` (C0192) in the pool; todo warns 陈静 about C0123
    (``pool-due-soon``). Each return is checked against the rows themselves: a 潜在/意向
    customer of tier C whose last follow-up is more than 30 days (公海天数-C级) old."""
    path = tmp_path / "crm.xlsx"
    path.write_bytes((Path(__file__).parents[1] / "sample_data" / "crm-sample.xlsx").read_bytes())
    before = customers(path)
    data = json.loads(run("refresh", str(path), "--as-of", "2026-11-20", "--json").output)
    after = customers(path)
    moves = {m["record"]: m["action"] for m in data["pool_moves"]}
    assert moves.pop("C0152") == "claim"
    assert moves and set(moves.values()) == {"return"}
    table = list(openpyxl.load_workbook(path)["跟进记录"].iter_rows(values_only=True))
    at = {fold(h): i for i, h in enumerate(table[0])}
    last: dict[str, date] = {}
    for r in table[1:]:
        cid, when = r[at["客户编号"]], r[at[FOLLOW_UPS.column("date").zh]]
        day = when.date() if isinstance(when, datetime) else when
        if cid and day:  # the latest 沟通日期, a planned (future) one included (docs/pool.md)
            last[cid] = max(day, last.get(cid, day))
    for cid in moves:
        assert before[cid]["stage"] in ("潜在", "意向") and after[cid]["tier"] == "C"
        assert (date(2026, 11, 20) - last[cid]).days > 30, cid
        assert after[cid]["owner"] == "公海" and after[cid]["former_owner"] == before[cid]["owner"]
        assert after[cid]["pooled_on"] == datetime(2026, 11, 20)
    # and every other 潜在/意向 customer of a rep was followed up within 30 days, or was
    # assigned (a 变更日志 row to its 负责人) within the 7 days of protection
    assigned = {
        r[3] for r in changelog(path) if r[4] == "负责人" and r[0] >= datetime(2026, 11, 13)
    }
    for cid, row in before.items():
        if cid in moves or row["stage"] not in ("潜在", "意向") or row["owner"] == "公海":
            continue
        since = last.get(cid) or before[cid]["created"].date()
        assert (date(2026, 11, 20) - since).days <= 30 or cid in assigned or cid == "C0152", cid
    claimed = after["C0152"]
    assert claimed["owner"] == before["C0152"]["owner"] != claimed["former_owner"]
    assert claimed["pooled_on"] is None
    assert after["C0192"]["owner"] == "公海"
    assert after["C0192"]["pooled_on"] == datetime(2026, 11, 10)  # 10 days before as-of
    todo = run("todo", str(path), "--owner", "陈静", "--as-of", "2026-11-20", "--json")
    kinds = {k["kind"]: k["items"] for k in json.loads(todo.output)["owners"][0]["kinds"]}
    warned = {i["customer_id"]: i["due"] for i in kinds["pool"]}
    # due: the day after the 30th day since the last follow-up
    assert warned["C0123"] == (last["C0123"] + timedelta(days=31)).isoformat()


def test_the_english_sample_speaks_english(tmp_path: Path) -> None:
    """The English sample writes the pool as Pool (owner, 变更日志) and its log rows in English;
    refresh --lang en names the moves in English."""
    path = tmp_path / "crm.xlsx"
    made = run("--lang", "en", "init", str(path), "--sample", "--as-of", "2026-11-20")
    assert made.exit_code == 0, made.output
    wb = openpyxl.load_workbook(path)
    log = {r[3]: r for r in wb["Changelog"].iter_rows(min_row=2, values_only=True)}
    assert log["C0192"][2:7] == ("Customers", "C0192", "Owner", log["C0192"][5], "Pool")
    assert log["C0192"][7].startswith("Interested, tier C: no follow-up for ")
    assert customers_en(path)["C0192"] == "Pool"
    result = run("--lang", "en", "refresh", str(path), "--as-of", "2026-11-20")
    assert result.exit_code == 1, result.output  # the sample's planted rule-input errors
    assert "pool moves:" in result.output
    assert "returned" in result.output and "claimed" in result.output
    assert customers_en(path)["C0152"] not in ("Pool", "公海")


def customers_en(path: Path) -> dict[str, str]:
    """Customer ID -> Owner of an English workbook."""
    table = list(openpyxl.load_workbook(path)["Customers"].iter_rows(values_only=True))
    owner = table[0].index("Owner*")
    return {r[0]: r[owner] for r in table[1:] if r[0]}
