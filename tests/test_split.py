"""``split``: one least-privilege workbook per person, read back cell by cell."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from click.testing import CliRunner
from libreoffice import roundtrip_xlsx
from splitkit import AS_OF, cells, column, diff, get, rows, sample_master

from crmxl.cli import cli
from crmxl.errors import UsageError, WriteRefusedError
from crmxl.model.schema import SHEETS_BY_KEY, match_column, match_sheet
from crmxl.model.settings import Settings
from crmxl.model.workspace import open_workspace
from crmxl.splitmerge.manifest import MANIFEST_SHEET, TOKEN_HEADER
from crmxl.splitmerge.people import APPENDABLE, locked_columns
from crmxl.splitmerge.split import split

REPS = {"李娜", "陈静", "杨磊", "赵敏", "黄强"}
MANAGERS = {"张伟", "王芳"}


@pytest.fixture(scope="module")
def made(tmp_path_factory: pytest.TempPathFactory, cache: Path) -> dict[str, Any]:
    """One split of the sample master, shared by the read-only tests of this module."""
    folder = tmp_path_factory.mktemp("split")
    path = sample_master(folder / "m", cache)
    before = cells(path)
    result = split([path], folder / "out", as_of=AS_OF)
    return {"master": path, "before": before, "result": result, "out": folder / "out"}


def customers_of(master: Path) -> dict[str, dict[str, str]]:
    """Owner -> {customer ID: customer name}, from the master."""
    ws = openpyxl.load_workbook(master)["客户档案"]
    out: dict[str, dict[str, str]] = {}
    for r in rows(ws):
        out.setdefault(get(ws, r, "owner"), {})[get(ws, r, "customer_id")] = get(ws, r, "name")
    return out


def scope_of(name: str) -> set[str]:
    team = {"张伟": {"张伟", "李娜", "陈静", "杨磊"}, "王芳": {"王芳", "赵敏", "黄强", "周杰"}}
    return team.get(name, {name})


def test_one_workbook_per_active_rep_and_manager(made) -> None:
    result = made["result"]
    assert {f.owner for f in result.files} == REPS | MANAGERS
    assert {f.path.name for f in result.files} == {f"{n}.xlsx" for n in REPS | MANAGERS}
    assert dict(result.skipped) == {"刘洋": "split-skip-admin", "周杰": "split-skip-inactive"}
    assert result.unassigned == 0  # 周杰's customers go to his manager's workbook


@pytest.mark.parametrize("name", sorted(REPS | MANAGERS))
def test_every_cell_is_the_persons_own(made, name: str) -> None:
    """Read every cell of every sheet (hidden ones too): no one else's customer anywhere."""
    owners = customers_of(made["master"])
    mine = {cid for o in scope_of(name) for cid in owners.get(o, {})}
    others = {
        text
        for owner, found in owners.items()
        if owner not in scope_of(name)
        for cid, cname in found.items()
        for text in (cid, cname)
    }
    leads = openpyxl.load_workbook(made["master"])["线索"]
    others |= {
        get(leads, r, "lead_id")
        for r in rows(leads)
        if get(leads, r, "assigned_to") not in scope_of(name)
    }
    everything = cells(made["out"] / f"{name}.xlsx", skip=(MANIFEST_SHEET,))
    assert not {v for v in everything.values() if v in others}
    ws = openpyxl.load_workbook(made["out"] / f"{name}.xlsx")["客户档案"]
    assert {get(ws, r, "customer_id") for r in rows(ws)} == mine


@pytest.mark.parametrize("name", sorted(REPS))
def test_a_rep_gets_no_sensitive_column(made, name: str) -> None:
    settings = Settings()
    wb = openpyxl.load_workbook(made["out"] / f"{name}.xlsx")
    for ws in wb.worksheets:
        spec = match_sheet(ws.title)
        if spec is None or ws.title == MANIFEST_SHEET:
            continue
        for c in ws[1]:
            col = match_column(spec, c.value)
            assert col is None or not settings.is_sensitive(spec.key, col.key), (ws.title, c.value)


def test_a_manager_keeps_the_sensitive_columns(made) -> None:
    ws = openpyxl.load_workbook(made["out"] / "张伟.xlsx")["客户档案"]
    assert column(ws, "annual_amount") and column(ws, "budget")


def test_rows_of_every_sheet_follow_the_customers(made) -> None:
    master = open_workspace([made["master"]])
    mine = open_workspace([made["out"] / "李娜.xlsx"])
    ids = set(mine.tables["customers"].data["customer_id"])
    for key in ("contacts", "follow_ups", "transactions", "needs", "issues"):
        data = master.tables[key].data
        expected = data["customer_id"].isin(ids).sum()
        assert len(mine.tables[key].data) == expected, key
    leads = master.tables["leads"].data
    assert len(mine.tables["leads"].data) == (leads["assigned_to"] == "李娜").sum()
    assert list(mine.tables["team"].data["name"]) == ["李娜"]


def _column_locks(ws: Any) -> dict[int, bool]:
    """Column index -> locked, from the column styles (what a new cell below the data gets)."""
    locks: dict[int, bool] = {}
    for dim in ws.column_dimensions.values():
        for c in range(dim.min, dim.max + 1):
            locks[c] = bool(dim.protection.locked)
    return locks


@pytest.mark.parametrize("key", ["customers", "contacts", "follow_ups", "needs", "issues", "leads"])
def test_key_and_auto_cells_are_locked_the_rest_open(made, key: str) -> None:
    spec = SHEETS_BY_KEY[key]
    ws = openpyxl.load_workbook(made["out"] / "李娜.xlsx")[spec.zh]
    assert ws.protection.sheet and not ws.protection.password
    locked = locked_columns(spec)
    below = _column_locks(ws)
    for c in ws[1]:
        col = match_column(spec, c.value)
        if col is None:
            assert c.value == TOKEN_HEADER and ws.column_dimensions[c.column_letter].hidden
            continue
        for r in list(rows(ws))[:5]:
            cell = ws.cell(r, c.column)
            # a cell the file does not hold takes its column's style, as in Excel
            lock = cell.protection.locked if cell.has_style else below[c.column]
            assert lock == (col.key in locked), (col.key, r)
        open_below = key in APPENDABLE and not col.auto
        assert below[c.column] == (not open_below), col.key


def test_manifest_is_very_hidden_and_the_person_is_named(made) -> None:
    wb = openpyxl.load_workbook(made["out"] / "李娜.xlsx")
    assert wb[MANIFEST_SHEET].sheet_state == "veryHidden"
    meta = {r[0]: r[1] for r in wb[MANIFEST_SHEET].iter_rows(values_only=True)}
    assert meta["owner"] == "李娜" and meta["role"] == "销售专员"
    mine = next(f for f in made["result"].files if f.owner == "李娜")
    assert meta["split_id"] == mine.split_id
    assert "customers.annual_amount" in meta["removed"]


def test_the_master_only_gains_a_split_record_per_workbook(made) -> None:
    changed = diff(made["before"], cells(made["master"]))
    assert {sheet for sheet, _ in changed} == {"变更日志"}
    log = openpyxl.load_workbook(made["master"])["变更日志"]
    records = [r for r in log.iter_rows(min_row=2, values_only=True) if r[1] == "split"]
    assert sorted(r[4] for r in records) == sorted(REPS | MANAGERS)
    assert all("sha256:" in r[7] for r in records)


@pytest.mark.libreoffice
def test_libreoffice_opens_every_split_workbook(made, tmp_path: Path) -> None:
    paths = [f.path for f in made["result"].files]
    copies = roundtrip_xlsx(paths, tmp_path / "lo")
    for copy in copies:
        ws = open_workspace([copy])
        assert len(ws.tables["customers"].data) > 0
        assert MANIFEST_SHEET in openpyxl.load_workbook(copy, read_only=True).sheetnames


def test_owner_option_and_refusals(master: Path, tmp_path: Path) -> None:
    result = split([master], tmp_path / "out", owners=["陈静"], as_of=AS_OF)
    assert [f.owner for f in result.files] == ["陈静"]
    with pytest.raises(UsageError, match="刘洋"):
        split([master], tmp_path / "out", owners=["刘洋"])
    with pytest.raises(UsageError, match="nobody"):
        split([master], tmp_path / "out", owners=["nobody"])


def test_a_file_over_the_master_is_refused(tmp_path: Path, make_workbook) -> None:
    path = make_workbook(
        {
            "customers": [
                {
                    "customer_id": "C1",
                    "name": "甲有限公司",
                    "industry": "制造业",
                    "source": "展会",
                    "first_contact": AS_OF,
                    "stage": "潜在",
                    "owner": "crm",
                },
            ]
        }
    )
    with pytest.raises(WriteRefusedError):
        split([path], path.parent, as_of=AS_OF)


def test_without_a_team_sheet_every_owner_is_a_rep(tmp_path: Path, make_workbook) -> None:
    base = {
        "industry": "制造业",
        "source": "展会",
        "first_contact": AS_OF,
        "stage": "潜在",
        "annual_amount": 1000,
    }
    path = make_workbook(
        {
            "customers": [
                {"customer_id": "C1", "name": "甲有限公司", "owner": "甲", **base},
                {"customer_id": "C2", "name": "乙有限公司", "owner": "乙", **base},
            ]
        }
    )
    result = split([path], tmp_path / "out", as_of=AS_OF)
    assert sorted(f.owner for f in result.files) == ["乙", "甲"]
    ws = openpyxl.load_workbook(tmp_path / "out" / "甲.xlsx")["客户档案"]
    assert [get(ws, r, "customer_id") for r in rows(ws)] == ["C1"]
    with pytest.raises(AssertionError):
        column(ws, "annual_amount")


def test_a_second_split_replaces_the_file_and_keeps_a_backup(master: Path, tmp_path: Path) -> None:
    split([master], tmp_path / "out", owners=["李娜"], as_of=AS_OF)
    again = split([master], tmp_path / "out", owners=["李娜"], as_of=AS_OF)
    assert again.files[0].backup is not None and again.files[0].backup.exists()
    assert not list((tmp_path / "out").glob(".*crmxl-tmp*"))


def test_cli_split(master: Path, tmp_path: Path) -> None:
    args = ["split", str(master), "-o", str(tmp_path / "out"), "--owner", "杨磊"]
    res = CliRunner().invoke(cli, [*args, "--as-of", "2026-11-20", "--json"])
    assert res.exit_code == 0, res.output
    data = json.loads(res.output)
    assert [f["owner"] for f in data["files"]] == ["杨磊"]
    assert data["files"][0]["removed_columns"]
    text = CliRunner().invoke(cli, [*args, "--as-of", "2026-11-20"])
    assert text.exit_code == 0 and "杨磊.xlsx" in text.output
    bad = CliRunner().invoke(cli, ["split", str(master), "-o", str(tmp_path), "--owner", "刘洋"])
    assert bad.exit_code == 1 and "Error:" in bad.output


def test_worker_processes_write_the_same_workbooks(master: Path, tmp_path: Path) -> None:
    one = split([master], tmp_path / "one", owners=["李娜", "陈静"], as_of=AS_OF, workers=1)
    two = split([master], tmp_path / "two", owners=["李娜", "陈静"], as_of=AS_OF, workers=2)
    for a, b in zip(one.files, two.files, strict=True):
        # the split IDs differ (the first split changed the master); everything else is equal
        assert cells(a.path, skip=(MANIFEST_SHEET, "说明")) == cells(
            b.path, skip=(MANIFEST_SHEET, "说明")
        )
        rows_a, rows_b = (
            [
                r
                for r in openpyxl.load_workbook(f.path)[MANIFEST_SHEET].iter_rows(values_only=True)
                if r[0].startswith(("rows:", "sheet:"))
            ]
            for f in (a, b)
        )
        assert rows_a == rows_b and rows_a


def test_the_manuals_three_files_split_and_merge_back(tmp_path: Path) -> None:
    from splitkit import edit, put

    from crmxl.splitmerge.merge import merge
    from crmxl.starter.templates import init_separate

    files = [r.path for r in init_separate(tmp_path / "m", sample=True, as_of=AS_OF)]
    result = split(files, tmp_path / "out", owners=["李娜"], as_of=AS_OF)
    path = result.files[0].path
    assert {"需求清单", "问题跟踪", "客户档案"} <= set(openpyxl.load_workbook(path).sheetnames)

    def by_person(wb: Any) -> None:
        needs = wb["需求清单"]
        put(needs, next(rows(needs)), "solution", "分期交付方案")

    edit(path, by_person)
    before = {p.name: cells(p) for p in files}
    report = merge(files, [path]).files[0]
    assert [c.new for c in report.applied] == ["分期交付方案"]
    changed = {p.name: set(diff(before[p.name], cells(p))) for p in files}
    assert {sheet for sheet, _ in changed["需求清单.xlsx"]} == {"需求清单"}
    assert {sheet for sheet, _ in changed["客户档案.xlsx"]} == {"变更日志"}
    assert not changed["问题处理跟踪表.xlsx"]
