"""The command line: every command's help, the exit codes (0 fine, 1 findings or a refused
operation, 2 usage), and ``--json`` printing exactly what the library result's ``to_dict()``
returns (STYLE: a parity test per command that has a result worth comparing)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from test_validate import AS_OF, GOOD, TEAM

from crmxl import __version__, refresh, todo, validate
from crmxl.cli import cli

COMMANDS = ["validate", "refresh", "init", "report", "todo", "import", "assign", "split", "merge"]


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, list(args))
    return result.exit_code, result.output


def test_the_group_lists_every_command() -> None:
    code, out = run("--help")
    assert code == 0
    for name in COMMANDS:
        assert f"  {name} " in out, name


@pytest.mark.parametrize("name", COMMANDS)
def test_every_command_has_help_with_an_example(name: str) -> None:
    code, out = run(name, "--help")
    assert code == 0
    assert f"crmxl {name} " in out  # the docstring's examples
    assert "--lang" in out


def test_version() -> None:
    code, out = run("--version")
    assert code == 0 and __version__ in out


@pytest.mark.parametrize(
    "args",
    [
        ["validate"],  # FILES is required
        ["report", "crm.xlsx"],  # -o is required
        ["refresh", "crm.xlsx", "--as-of", "someday"],
        ["todo", "crm.xlsx", "--days", "-1"],
        ["init", "x.xlsx", "--layout", "sideways"],
        ["nonsense"],
    ],
)
def test_usage_mistakes_exit_2(args: list[str]) -> None:
    assert run(*args)[0] == 2


def test_a_clean_workbook_validates_with_exit_0(make_workbook) -> None:  # type: ignore[no-untyped-def]
    path = make_workbook({"customers": [GOOD], "team": TEAM})
    code, out = run("validate", str(path), "--as-of", "2026-11-20")
    assert code == 0 and "0 个错误" in out


def test_an_error_in_the_data_exits_1(make_workbook) -> None:  # type: ignore[no-untyped-def]
    path = make_workbook({"customers": [{**GOOD, "stage": "大概成交了"}], "team": TEAM})
    code, out = run("validate", str(path), "--as-of", "2026-11-20", "--lang", "en")
    assert code == 1 and "1 error, " in out


def test_a_refused_operation_is_one_line_and_exit_1(tmp_path: Path) -> None:
    code, out = run("validate", str(tmp_path / "nope.xlsx"))
    assert code == 1
    assert out.startswith("Error: ") and out.count("\n") == 1 and "Traceback" not in out


def test_validate_json_is_the_library_result(make_workbook) -> None:  # type: ignore[no-untyped-def]
    path = make_workbook({"customers": [GOOD, {**GOOD, "customer_id": "C001"}], "team": TEAM})
    code, out = run("validate", str(path), "--as-of", "2026-11-20", "--json")
    assert code == 1
    assert json.loads(out) == validate([path], as_of=AS_OF).to_dict("zh")


def test_refresh_json_is_the_library_result(make_workbook) -> None:  # type: ignore[no-untyped-def]
    path = make_workbook({"customers": [GOOD], "team": TEAM})
    code, out = run("refresh", str(path), "--as-of", "2026-11-20", "--dry-run", "--json")
    assert code == 0
    printed = json.loads(out)
    expected = refresh([path], as_of=AS_OF, dry_run=True).to_dict("zh")
    for result in (printed, expected):  # wall times differ run to run
        result.pop("seconds")
        for saved in result["saved"]:
            saved.pop("seconds")
    assert printed == json.loads(json.dumps(expected, ensure_ascii=False, default=str))
    assert printed["cells_changed"] > 0  # a never-refreshed workbook has cells to fill


def test_todo_json_is_the_library_result_in_english(make_workbook) -> None:  # type: ignore[no-untyped-def]
    path = make_workbook({"customers": [GOOD], "team": TEAM})
    code, out = run("todo", str(path), "--as-of", "2026-11-20", "--json", "--lang", "en")
    assert code == 0
    expected = todo([path], as_of=AS_OF).to_dict("en")
    assert json.loads(out) == json.loads(json.dumps(expected, ensure_ascii=False, default=str))


def test_init_json_lists_the_three_separate_files(tmp_path: Path) -> None:
    code, out = run("init", str(tmp_path / "crm"), "--layout", "separate", "--json")
    assert code == 0
    files = json.loads(out)
    assert [Path(f["path"]).name for f in files] == [
        "客户档案.xlsx",
        "需求清单.xlsx",
        "问题处理跟踪表.xlsx",
    ]
    assert all(Path(f["path"]).exists() for f in files)


def test_init_sheets_take_comma_lists_in_either_comma(tmp_path: Path) -> None:
    out_path = tmp_path / "leads.xlsx"
    code, out = run(
        "init", str(out_path), "--sheets", "线索，销售团队", "--sheets", "配置", "--json"
    )
    assert code == 0
    names = [s["name"] for s in json.loads(out)["sheets"]]
    assert names == ["说明", "线索", "销售团队", "配置"]
