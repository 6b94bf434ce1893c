"""``refresh``: recompute in place, only (auto) cells, idempotent, safe."""

from __future__ import annotations

import shutil
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from click.testing import CliRunner

from crmxl.cli import cli
from crmxl.commands.refresh import refresh
from crmxl.errors import InputFileError, WriteRefusedError
from crmxl.model.schema import FOLLOW_UPS, match_column, match_sheet

AS_OF = datetime(2026, 11, 20, 10, 0)
TODAY = AS_OF.date()


def customer(cid: str, **kw: Any) -> dict[str, Any]:
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


def crm(**extra: Any) -> dict[str, list[dict[str, Any]]]:
    sheets: dict[str, list[dict[str, Any]]] = {
        "customers": [
            customer("C001", tier="C"),
            customer("C002", stage="潜在"),
            customer("C003", terminated_on=date(2026, 1, 1)),
        ],
        "transactions": [
            {
                "contract_id": "HT1",
                "customer_id": "C001",
                "signed_on": TODAY - timedelta(days=30),
                "amount": 600_000,
            },
            {
                "contract_id": "HT2",
                "customer_id": "C002",
                "signed_on": TODAY - timedelta(days=3),
                "amount": 1_000,
            },
        ],
        "follow_ups": [
            {
                "customer_id": "C001",
                "date": datetime(2026, 10, 1, 15),
                "channel": "电话",
                "summary": "s",
                "recorded_by": "张三",
                "entered_at": datetime(2026, 10, 3, 9),
            }
        ],
    }
    sheets.update(extra)
    return sheets


def cells(path: Path) -> dict[tuple[str, str], Any]:
    """Every cell of every sheet, read back with openpyxl: value and number format."""
    wb = openpyxl.load_workbook(path)
    out = {}
    for ws in wb:
        for row in ws.iter_rows():
            for c in row:
                if c.value is not None:
                    out[(ws.title, c.coordinate)] = (c.value, c.number_format)
    return out


def headers(path: Path, sheet: str) -> list[Any]:
    ws = openpyxl.load_workbook(path)[sheet]
    return [c.value for c in ws[1]]


def col_of(path: Path, sheet: str, key: str) -> int:
    """The 1-based column of ``key`` in the header row, matched as the reader matches."""
    spec = match_sheet(sheet)
    assert spec is not None
    for i, text in enumerate(headers(path, sheet), start=1):
        col = match_column(spec, text)
        if col is not None and col.key == key:
            return i
    raise AssertionError(f"no {key} column in {sheet}")


def test_computes_and_writes_typed_values(make_workbook) -> None:
    path = make_workbook(crm())
    result = refresh([path], as_of=AS_OF, backup=False)
    ws = openpyxl.load_workbook(path)["客户档案"]
    tier = ws.cell(2, col_of(path, "客户档案", "tier"))
    nxt = ws.cell(2, col_of(path, "客户档案", "next_follow_up"))
    amount = ws.cell(2, col_of(path, "客户档案", "trailing_amount"))
    assert tier.value == "A"
    assert isinstance(nxt.value, datetime) and nxt.value.date() == date(2026, 10, 31)
    assert nxt.number_format == "yyyy-mm-dd"
    assert amount.value == 600_000 and amount.data_type == "n"
    assert result.cells_changed > 0


def test_a_second_refresh_changes_no_cell(make_workbook) -> None:
    path = make_workbook(crm())
    refresh([path], as_of=AS_OF, backup=False)
    before = path.read_bytes()
    second = refresh([path], as_of=AS_OF, backup=False)
    assert second.cells_changed == 0
    assert second.moves == []
    assert path.read_bytes() == before


def test_only_auto_cells_stage_moves_and_the_changelog_change(make_workbook) -> None:
    path = make_workbook(crm())
    before = cells(path)
    refresh([path], as_of=AS_OF, backup=False)
    after = cells(path)
    wb = openpyxl.load_workbook(path)
    for (sheet, coord), value in before.items():
        if after.get((sheet, coord)) == value:
            continue
        header = (
            wb[sheet]
            .cell(
                1,
                openpyxl.utils.column_index_from_string(
                    "".join(ch for ch in coord if ch.isalpha())
                ),
            )
            .value
        )
        spec = match_sheet(sheet)
        col = match_column(spec, header) if spec else None
        assert col is not None and (col.auto or col.key == "stage"), (sheet, coord, header)
    new_sheets = {s for s, _ in after} - {s for s, _ in before}
    assert new_sheets == {"变更日志"}


def test_stage_moves_are_logged(make_workbook) -> None:
    path = make_workbook(crm())
    result = refresh([path], as_of=AS_OF, backup=False)
    moves = {(m.record, m.field): (m.old, m.new) for m in result.moves}
    assert moves[("C002", "stage")] == ("潜在", "成交")
    assert moves[("C003", "stage")] == ("成交", "流失")
    assert moves[("C001", "tier")] == ("C", "A")
    log = openpyxl.load_workbook(path)["变更日志"]
    rows = list(log.iter_rows(min_row=2, values_only=True))
    assert len(rows) == 3
    assert {(r[1], r[3], r[5], r[6]) for r in rows} == {
        ("refresh", "C002", "潜在", "成交"),
        ("refresh", "C003", "成交", "流失"),
        ("refresh", "C001", "C", "A"),
    }
    stage_col = col_of(path, "客户档案", "stage")
    assert openpyxl.load_workbook(path)["客户档案"].cell(3, stage_col).value == "成交"


def test_an_existing_changelog_is_appended_to(make_workbook) -> None:
    path = make_workbook(
        crm(
            changelog=[
                {
                    "time": datetime(2026, 1, 1),
                    "command": "manual",
                    "record": "C009",
                    "reason": "旧记录",
                }
            ]
        )
    )
    refresh([path], as_of=AS_OF, backup=False)
    rows = list(openpyxl.load_workbook(path)["变更日志"].iter_rows(min_row=2, values_only=True))
    record = col_of(path, "变更日志", "record") - 1
    assert rows[0][1] == "manual" and rows[0][record] == "C009"
    assert len(rows) == 4
    assert {r[record] for r in rows[1:]} == {"C001", "C002", "C003"}


def test_missing_auto_columns_are_added_at_the_end(make_workbook) -> None:
    path = make_workbook(crm())
    refresh([path], as_of=AS_OF, backup=False)
    head = headers(path, "跟进记录")
    assert head[-1] == FOLLOW_UPS.column("on_time").header("zh")
    ws = openpyxl.load_workbook(path)["跟进记录"]
    assert ws.cell(2, len(head)).value == "否 (超时18小时)"


def test_dry_run_writes_nothing(make_workbook) -> None:
    path = make_workbook(crm())
    before = path.read_bytes()
    result = refresh([path], as_of=AS_OF, dry_run=True)
    assert result.cells_changed > 0
    assert path.read_bytes() == before
    assert not (path.parent / ".crmxl-backups").exists()


def test_a_backup_is_kept(make_workbook) -> None:
    path = make_workbook(crm())
    original = path.read_bytes()
    refresh([path], as_of=AS_OF)
    backups = list((path.parent / ".crmxl-backups").glob("crm.*.xlsx"))
    assert len(backups) == 1 and backups[0].read_bytes() == original


def test_bad_inputs_keep_their_cells_and_are_reported(make_workbook) -> None:
    sheets = crm()
    sheets["customers"][1]["first_contact"] = "2026-13-45"
    sheets["customers"][1]["tier"] = "B"
    path = make_workbook(sheets)
    result = refresh([path], as_of=AS_OF, backup=False)
    assert [f.cell for f in result.findings] == ["客户档案!E3"]
    col = col_of(path, "客户档案", "tier")
    assert openpyxl.load_workbook(path)["客户档案"].cell(3, col).value == "B"
    assert "C002" not in {m.record for m in result.moves}


def test_english_workbooks_get_english_values(make_workbook) -> None:
    path = make_workbook(crm(), lang="en")
    refresh([path], as_of=AS_OF, backup=False)
    ws = openpyxl.load_workbook(path)["Customers"]
    head = [c.value for c in ws[1]]
    status = ws.cell(2, head.index("Follow-up Status (auto)") + 1).value
    assert status == "Overdue"
    assert ws.cell(3, head.index("Stage") + 1).value == "Customer"
    assert "Changelog" in openpyxl.load_workbook(path).sheetnames
    assert refresh([path], as_of=AS_OF, backup=False).cells_changed == 0


def test_separate_files_refresh_together(make_workbook) -> None:
    sheets = crm()
    a = make_workbook(
        {k: sheets[k] for k in ("customers", "transactions", "follow_ups")}, name="客户档案.xlsx"
    )
    b = make_workbook(
        {
            "issues": [
                {
                    "issue_id": "Q1",
                    "customer_id": "C001",
                    "logged_at": AS_OF - timedelta(hours=5),
                    "type": "投诉",
                    "description": "d",
                    "urgency": "高",
                    "owner": "张三",
                    "status": "处理中",
                }
            ]
        },
        name="问题处理跟踪表.xlsx",
    )
    refresh([a, b], as_of=AS_OF, backup=False)
    ws = openpyxl.load_workbook(b)["问题跟踪"]
    assert ws.cell(2, col_of(b, "问题跟踪", "response_state")).value == "已超时"
    assert "变更日志" in openpyxl.load_workbook(a).sheetnames
    assert "变更日志" not in openpyxl.load_workbook(b).sheetnames


def test_formulas_in_auto_columns_are_left_alone(make_workbook) -> None:
    path = make_workbook(
        crm(),
        columns={
            "customers": [
                "customer_id",
                "name",
                "industry",
                "source",
                "first_contact",
                "stage",
                "owner",
                "days_overdue",
                "terminated_on",
            ]
        },
    )
    wb = openpyxl.load_workbook(path)
    wb["客户档案"]["H2"] = "=TODAY()-E2"
    wb.save(path)
    result = refresh([path], as_of=AS_OF, backup=False)
    assert result.formula_cells == ["客户档案!H2"]
    assert openpyxl.load_workbook(path)["客户档案"]["H2"].value == "=TODAY()-E2"


def test_a_file_open_in_excel_is_refused_untouched(make_workbook) -> None:
    path = make_workbook(crm())
    (path.parent / f"~${path.name}").write_bytes(b"\x05zhang" + b" " * 40)
    before = path.read_bytes()
    with pytest.raises(WriteRefusedError):
        refresh([path], as_of=AS_OF)
    assert path.read_bytes() == before


def test_cli_summary_and_exit_codes(make_workbook) -> None:
    path = make_workbook(crm())
    runner = CliRunner()
    res = runner.invoke(cli, ["refresh", str(path), "--as-of", "2026-11-20T10:00", "--no-backup"])
    assert res.exit_code == 0, res.output
    assert "C002" in res.output and "潜在" in res.output
    res = runner.invoke(
        cli, ["--lang", "en", "refresh", str(path), "--as-of", "2026-11-20T10:00", "--no-backup"]
    )
    assert res.exit_code == 0 and "No cell needed a change" in res.output
    bad = path.parent / "bad.xlsx"
    bad.write_text("not a workbook")
    res = runner.invoke(cli, ["refresh", str(bad)])
    assert res.exit_code == 1
    assert res.output.count("\n") == 1 and res.output.startswith("Error: ")


def test_cli_exit_one_on_findings(make_workbook) -> None:
    sheets = crm()
    sheets["follow_ups"][0]["date"] = "yesterday-ish"
    path = make_workbook(sheets)
    res = CliRunner().invoke(cli, ["refresh", str(path), "--as-of", "2026-11-20", "--no-backup"])
    assert res.exit_code == 1
    assert "跟进记录!B2" in res.output


def test_json_equals_the_library_result(make_workbook, tmp_path: Path) -> None:
    import json

    path = make_workbook(crm())
    copy = tmp_path / "copy.xlsx"
    shutil.copy(path, copy)
    res = CliRunner().invoke(
        cli, ["refresh", str(path), "--as-of", "2026-11-20T10:00", "--dry-run", "--json"]
    )
    data = json.loads(res.output)
    lib = refresh([copy], as_of=AS_OF, dry_run=True).to_dict()
    for key in (
        "rows_read",
        "changed",
        "tier_moves",
        "stage_moves",
        "overdue_by_owner",
        "cells_changed",
    ):
        assert data[key] == json.loads(json.dumps(lib[key], default=str)), key


def test_not_a_crm_workbook_is_a_clean_error(tmp_path: Path) -> None:
    from conftest import corpus_files

    src = corpus_files()[0]
    path = tmp_path / src.name
    shutil.copyfile(src, path)
    with pytest.raises(Exception) as err:
        refresh([path], as_of=AS_OF)
    assert err.value.__class__.__name__ in ("WorkspaceError", "InputFileError")
    assert not isinstance(err.value, InputFileError) or err.value.code.startswith("file-")


def test_rows_read_count_every_record_as_validate_does(make_workbook) -> None:
    from crmxl.commands.validate import validate

    leads = [
        {
            "lead_id": "L1",
            "captured_at": AS_OF,
            "source": "展会",
            "company": "甲有限公司",
            "status": "待分配",
        },
        {
            "lead_id": "L2",
            "captured_at": AS_OF,
            "source": "展会",
            "company": "乙有限公司",
            "assigned_to": "张三",
            "assigned_at": AS_OF - timedelta(hours=2),
            "status": "待确认",
        },
    ]
    path = make_workbook(crm(leads=leads))
    result = refresh([path], as_of=AS_OF, dry_run=True)
    assert result.rows_read == validate([path], as_of=AS_OF).rows
    assert result.rows_read["线索"] == 2
