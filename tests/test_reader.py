"""Reading workspaces: sheets by name, header rows, columns in any order, row numbers."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import openpyxl
import pytest

from crmxl.errors import InputFileError, WorkspaceError
from crmxl.model.workspace import open_workspace

CUSTOMER = {
    "customer_id": "C001",
    "name": "上海华信科技有限公司",
    "industry": "制造业",
    "source": "展会",
    "first_contact": date(2026, 1, 5),
    "stage": "成交",
    "owner": "张三",
}


def test_title_rows_shifted_columns_and_row_numbers(make_workbook) -> None:
    path = make_workbook(
        {"customers": [CUSTOMER, {**CUSTOMER, "customer_id": "C002"}]},
        title_rows=2,
        start_col=3,
        markers=True,
    )
    table = open_workspace([path]).tables["customers"]
    assert table.header_row == 3
    assert table.columns["customer_id"] == 3
    assert list(table.rows) == [4, 5]
    assert table.cell("name", 5) == "客户档案!D5"
    assert table.data.at[5, "customer_id"] == "C002"


def test_english_headers_and_sheet_names(make_workbook) -> None:
    path = make_workbook({"customers": [CUSTOMER]}, lang="en")
    ws = open_workspace([path])
    table = ws.tables["customers"]
    assert table.sheet_name == "Customers"
    assert table.lang == "en" and ws.lang == "en"
    assert table.data.at[2, "name"] == "上海华信科技有限公司"


def test_unknown_columns_are_kept_as_the_users(tmp_path: Path) -> None:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "客户档案"
    ws.append(
        [
            "我的备注",
            "客户名称",
            "客户编号",
            "负责人",
            "所属行业",
            "信息来源",
            "合作阶段",
            "首次接触日期",
        ]
    )
    ws.append(
        ["keep", "上海华信科技有限公司", "C001", "张三", "制造业", "展会", "成交", "2026/1/5"]
    )
    wb.save(tmp_path / "x.xlsx")
    table = open_workspace([tmp_path / "x.xlsx"]).tables["customers"]
    assert table.extra == {1: "我的备注"}
    assert table.columns["customer_id"] == 3
    assert table.next_free_column() == 9


def test_blank_rows_are_skipped_but_numbering_kept(tmp_path: Path) -> None:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "客户档案"
    ws.append(["客户编号", "客户名称", "负责人", "所属行业"])
    ws.append(["C001", "甲有限公司", "张三", "金融"])
    ws.append([])
    ws.append([None, None, None, None])
    ws.append(["C004", "乙有限公司", "张三", "金融"])
    wb.save(tmp_path / "x.xlsx")
    table = open_workspace([tmp_path / "x.xlsx"]).tables["customers"]
    assert list(table.rows) == [2, 5]
    assert table.last_row == 5


def test_mixed_typed_cells_keep_their_values(tmp_path: Path) -> None:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "联系人"
    ws.append(["客户编号", "姓名", "手机", "生日"])
    ws.append(["C001", "甲", 13812345678, datetime(1980, 3, 5)])
    ws.append(["C001", "乙", "010-12345678", "03-05"])
    wb.save(tmp_path / "x.xlsx")
    ws_ = open_workspace([tmp_path / "x.xlsx"])
    data = ws_.tables["contacts"].data
    assert str(data.at[2, "mobile"]) == "13812345678"
    assert data.at[3, "mobile"] == "010-12345678"


def test_separate_files_form_one_workspace(make_workbook) -> None:
    a = make_workbook({"customers": [CUSTOMER]}, name="客户档案.xlsx")
    b = make_workbook(
        {
            "needs": [
                {
                    "need_id": "N1",
                    "customer_id": "C001",
                    "description": "d",
                    "priority": "高",
                    "status": "待评估",
                    "owner": "张三",
                }
            ]
        },
        name="需求清单.xlsx",
    )
    ws = open_workspace([a, b])
    assert ws.sheet_files == {"customers": a, "needs": b}
    assert ws.primary_file == a


def test_a_file_named_after_a_sheet_is_that_sheet(tmp_path: Path) -> None:
    wb = openpyxl.Workbook()
    ws = wb.active  # "Sheet"
    ws.append(["需求编号", "客户编号", "需求描述", "优先级", "状态", "负责人"])
    ws.append(["N1", "C001", "降本", "高", "待评估", "张三"])
    wb.save(tmp_path / "需求清单.xlsx")
    assert "needs" in open_workspace([tmp_path / "需求清单.xlsx"]).tables


def test_the_same_sheet_twice_is_refused(make_workbook) -> None:
    a = make_workbook({"customers": [CUSTOMER]}, name="a.xlsx")
    b = make_workbook({"customers": [CUSTOMER]}, name="b.xlsx")
    with pytest.raises(WorkspaceError) as err:
        open_workspace([a, b])
    assert err.value.code == "duplicate-sheet"


def test_no_standard_sheet_is_a_clear_error(tmp_path: Path) -> None:
    wb = openpyxl.Workbook()
    wb.active.append(["a", "b"])
    wb.save(tmp_path / "other.xlsx")
    with pytest.raises(WorkspaceError) as err:
        open_workspace([tmp_path / "other.xlsx"])
    assert err.value.code == "no-standard-sheets"
    assert "other.xlsx" in err.value.render("en")


def test_missing_required_column_and_missing_header_are_findings(tmp_path: Path) -> None:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "客户档案"
    ws.append(["客户编号", "客户名称", "所属行业", "信息来源", "合作阶段", "负责人"])
    ws2 = wb.create_sheet("联系人")
    ws2.append(["just", "some", "text"])
    wb.save(tmp_path / "x.xlsx")
    findings = open_workspace([tmp_path / "x.xlsx"]).findings
    codes = {(f.sheet, f.code) for f in findings}
    assert ("客户档案", "missing-column") in codes
    assert ("联系人", "header-not-found") in codes
    missing = next(f for f in findings if f.code == "missing-column")
    assert "首次接触日期" in missing.message("zh")


def test_unreadable_files_raise_one_error(tmp_path: Path) -> None:
    csv = tmp_path / "leads.xlsx"
    csv.write_text("公司,电话\n甲,138\n", encoding="utf-8")
    with pytest.raises(InputFileError) as err:
        open_workspace([csv])
    assert err.value.code == "file-not-xlsx"


def test_a_broken_install_is_not_called_a_damaged_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An ImportError inside the reader (a bundle missing one of pyarrow's libraries) keeps its
    traceback instead of telling the user their workbook is damaged."""
    from crmxl.workbook import readcopy
    from crmxl.workbook.reader import RawBook

    path = tmp_path / "x.xlsx"
    wb = openpyxl.Workbook()
    wb.active.append(["a"])
    wb.save(path)

    def missing(*_args: object, **_kwargs: object) -> None:
        raise ImportError("libarrow_dataset.so: cannot open shared object file")

    monkeypatch.setattr(readcopy.fastexcel, "read_excel", missing)
    with pytest.raises(ImportError, match="libarrow_dataset"):
        RawBook(path)
