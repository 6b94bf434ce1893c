"""``todo``: grouped by owner then kind, most urgent first; --owner, --days, greetings, JSON."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from crm_small import AS_OF, sheets

from crmxl.cli import cli
from crmxl.commands.todo import todo
from crmxl.errors import UsageError


@pytest.fixture
def small(make_workbook: Any) -> Path:
    return make_workbook(sheets())


def agenda(result: Any) -> dict[str | None, list[tuple[str, str | None, int | float | None]]]:
    """owner -> [(kind, record, days or hours left)] in display order."""
    return {
        owner: [
            (i.kind, i.ref, i.hours_left if i.hours_left is not None else i.days_left)
            for _, items in kinds
            for i in items
        ]
        for owner, kinds in result.groups()
    }


def test_grouped_by_owner_then_kind_most_urgent_first(small: Path) -> None:
    got = agenda(todo([small], as_of=AS_OF))
    # 销售团队 order; 赵六 has nothing to do and is left out.
    assert list(got) == ["张三", "李四", "王五"]
    assert got["张三"] == [
        ("sla", "WT3", -24.0),  # 投诉 response: logged 11-19 08:00 + 2 h, a day ago
        ("sla", "WT3", -2.0),  # plan: 11-19 08:00 + 24 h = 11-20 08:00
        ("lead", "L5", 0.5),  # assigned 09:30, an hour to confirm
        ("follow_up", "C005", -3),  # 潜在: 11-10 + 7 days = 11-17
        ("need", "XQ1", 1),  # proposal 11-18 + 3 days = 11-21
        ("greeting", "C001", 0),  # 王经理's birthday is tomorrow: greet today
        ("greeting", "C003", 7),  # 刘总 on 11-28: greet on 11-27, 7 days ahead
    ]
    assert got["李四"] == [
        ("sla", "WT4", 1.0),  # 咨询 response due 11:00: 即将超时
        ("follow_up", "C002", -50),
        ("need", "XQ4", -7),  # proposal 11-10 + 3 = 11-13
        ("greeting", "C002", 0),  # 赵工's birthday is today
    ]
    assert got["王五"] == [("follow_up", "C006", 0), ("greeting", "C006", 2)]


def test_days_limits_what_is_ahead(small: Path) -> None:
    got = agenda(todo([small], as_of=AS_OF, days=0))
    # Overdue things and clocks stay; XQ1 (tomorrow) and 刘总 (greet on 11-27) go.
    assert [x[:2] for x in got["张三"]] == [
        ("sla", "WT3"),
        ("sla", "WT3"),
        ("lead", "L5"),
        ("follow_up", "C005"),
        ("greeting", "C001"),
    ]
    assert ("need", "XQ1", 1) in agenda(todo([small], as_of=AS_OF, days=1))["张三"]
    with pytest.raises(UsageError):
        todo([small], as_of=AS_OF, days=-1)


def test_birthday_greeting_is_due_one_day_ahead(small: Path) -> None:
    def greetings(moment: datetime) -> list[tuple[str | None, str]]:
        result = todo([small], as_of=moment, days=0, owner="张三")
        return [
            (i.ref, i.due_text()) for i in result.items if i.kind == "greeting" and i.ref == "C001"
        ]

    # 王经理's birthday is 11-21: greet on the 20th, still on the day itself, then it is gone.
    assert greetings(datetime(2026, 11, 19, 9)) == []
    assert greetings(datetime(2026, 11, 20, 9)) == [("C001", "2026-11-20")]
    assert greetings(datetime(2026, 11, 21, 9)) == [("C001", "2026-11-21")]
    assert greetings(datetime(2026, 11, 22, 9)) == []


def test_owner_filter(small: Path) -> None:
    result = todo([small], as_of=AS_OF, owner=" 李四 ")
    assert result.owner == "李四" and {i.owner for i in result.items} == {"李四"}
    assert len(result.items) == 4
    idle = todo([small], as_of=AS_OF, owner="赵六")
    assert idle.items == [] and [o for o, _ in idle.groups()] == ["赵六"]
    assert "没有待办事项" in idle.render("zh")
    with pytest.raises(UsageError) as caught:
        todo([small], as_of=AS_OF, owner="张山")
    assert "张三" in caught.value.render("zh")


def test_json_shape(small: Path) -> None:
    data = todo([small], as_of=AS_OF).to_dict("zh")
    assert set(data) == {"as_of", "days", "owner", "total", "owners", "skipped"}
    assert data["skipped"] == []  # the small workspace has every sheet
    assert data["total"] == 7 + 4 + 2 and data["days"] == 7
    first = data["owners"][0]
    assert (first["owner"], first["count"]) == ("张三", 7)
    assert [k["kind"] for k in first["kinds"]] == ["sla", "lead", "follow_up", "need", "greeting"]
    item = first["kinds"][0]["items"][0]
    assert item == {
        "kind": "sla",
        "owner": "张三",
        "ref": "WT3",
        "customer_id": "C003",
        "name": "C003科技有限公司",
        "state": "已超时",
        "due": "2026-11-19 10:00",
        "days_left": None,
        "hours_left": -24.0,
        "urgency": "超时24.0小时",
        "detail": "投诉·响应时限，紧急程度高",
    }
    json.dumps(data, ensure_ascii=False)  # plain JSON types only


def test_render_is_readable_text(small: Path) -> None:
    text = todo([small], as_of=AS_OF).render("zh")
    assert text.splitlines()[0] == "待办事项（计算基准 2026-11-20 10:00，向前看 7 天）：共 13 项"
    assert "== 张三（7 项）==" in text and "-- 问题时限（2）" in text
    assert "逾期50天" in text and "王经理 11-21 生日" in text
    assert text.index("== 张三") < text.index("== 李四") < text.index("== 王五")
    english = todo([small], as_of=AS_OF).render("en")
    assert "== 张三 (7) ==" in english and "50 d overdue" in english


# ------------------------------------------------------------------------------ command line


def test_cli_json_equals_the_library(small: Path) -> None:
    res = CliRunner().invoke(
        cli, ["todo", str(small), "--as-of", "2026-11-20T10:00", "--json", "--days", "3"]
    )
    assert res.exit_code == 0, res.output
    assert json.loads(res.output) == todo([small], as_of=AS_OF, days=3).to_dict("zh")


def test_cli_owner_and_exit_codes(small: Path) -> None:
    runner = CliRunner()
    base = ["todo", str(small), "--as-of", "2026-11-20T10:00"]
    res = runner.invoke(cli, [*base, "--owner", "王五"])
    assert res.exit_code == 0 and "== 王五（2 项）==" in res.output and "张三" not in res.output
    res = runner.invoke(cli, [*base, "--owner", "nobody"])
    assert res.exit_code == 1 and res.output.startswith("Error: ")
    assert runner.invoke(cli, [*base, "--days", "-1"]).exit_code == 2
    res = runner.invoke(cli, ["--lang", "en", *base, "--owner", "王五"])
    assert res.exit_code == 0 and res.output.startswith("To do (as of 2026-11-20 10:00")


def test_records_without_an_owner_come_last(make_workbook: Any) -> None:
    rows = sheets()
    rows["customers"].append({**rows["customers"][1], "customer_id": "C007", "owner": None})
    result = todo([make_workbook(rows)], as_of=AS_OF)
    owner, kinds = result.groups()[-1]
    assert owner is None and [i.ref for _, items in kinds for i in items] == ["C007"]
    assert "== （未分配）（1 项）==" in result.render("zh")
