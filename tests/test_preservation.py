"""Refresh loses nothing (SPEC 4): parts it does not own stay byte-identical, every cell outside
the (auto) columns keeps its value and style, and LibreOffice opens the result.

The fixture is a CRM workbook carrying what users put in real files: a chart, an image, a
comment, conditional formats, data validations, defined names, a hidden sheet, an Excel Table
over the customer list, formulas with cached values; an ``.xlsm`` with a VBA project; and the same
workbook with a pivot table made by LibreOffice itself (tests/lo_pivot.py, through UNO).
"""

from __future__ import annotations

import shutil
import subprocess
import zipfile
import zlib
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import openpyxl
import pytest
import xlsxwriter
from conftest import CORPUS
from libreoffice import roundtrip_xlsx, uno_python

from crmxl.commands.refresh import refresh
from crmxl.model.schema import CUSTOMERS, FOLLOW_UPS, TRANSACTIONS, match_column, match_sheet

AS_OF = datetime(2026, 11, 20, 10)
HERE = Path(__file__).parent


def _png() -> bytes:
    """A 2×2 red PNG, made by hand (no Pillow needed)."""
    raw = b"".join(b"\x00" + b"\xff\x00\x00" * 2 for _ in range(2))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            len(data).to_bytes(4, "big") + kind + data + zlib.crc32(kind + data).to_bytes(4, "big")
        )

    header = (2).to_bytes(4, "big") * 2 + bytes([8, 2, 0, 0, 0])
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(raw))
        + chunk(b"IEND", b"")
    )


def rich_workbook(path: Path) -> Path:
    """A CRM workbook full of things openpyxl would lose."""
    import io

    wb = xlsxwriter.Workbook(str(path), {"strings_to_formulas": False, "strings_to_urls": False})
    date_fmt = wb.add_format({"num_format": "yyyy-mm-dd"})
    money = wb.add_format({"num_format": "¥#,##0", "font_color": "#1F4E79"})
    red = wb.add_format({"bg_color": "#FFC7CE"})
    ws = wb.add_worksheet(CUSTOMERS.zh)
    cols: list[Any] = [*CUSTOMERS.columns, None]  # a user formula column at the end
    rows = []
    for i in range(1, 9):
        rows.append(
            {
                "customer_id": f"C{i:03d}",
                "name": f"客户{i}科技有限公司",
                "industry": "制造业",
                "source": "展会",
                "first_contact": datetime(2025, 1, i),
                "stage": "潜在" if i % 3 else "成交",
                "owner": "张三" if i % 2 else "李四",
                "tier": "B",
                "annual_amount": i * 90_000,
            }
        )
    data = []
    for row in rows:
        line: list[Any] = []
        for col in cols:
            line.append(None if col is None else row.get(col.key))
        data.append(line)
    last = len(cols) - 1
    ws.add_table(
        0,
        0,
        len(rows),
        last,
        {
            "name": "客户表",
            "columns": [{"header": col.header("zh") if col else "名称长度"} for col in cols],
            "style": "Table Style Light 9",
        },
    )
    for r, line in enumerate(data, start=1):
        for c, value in enumerate(line):
            if isinstance(value, datetime):
                ws.write_datetime(r, c, value, date_fmt)
            elif isinstance(value, int | float):
                ws.write_number(r, c, value, money)
            elif value is not None:
                ws.write_string(r, c, value)
        ws.write_formula(r, last, f"=LEN(B{r + 1})", None, len(rows[r - 1]["name"]))
    stage_col = [c.key if c else "" for c in cols].index("stage")
    ws.conditional_format(
        1,
        stage_col,
        len(rows),
        stage_col,
        {"type": "cell", "criteria": "==", "value": '"潜在"', "format": red},
    )
    ws.data_validation(1, 2, 500, 2, {"validate": "list", "source": ["制造业", "金融", "其他"]})
    ws.write_comment(
        1,
        1,
        "重点客户，年底续约",
        {"author": "经理", "x_scale": 2, "y_scale": 1.5, "color": "#CCFFCC"},
    )
    ws.insert_image(12, 1, "logo.png", {"image_data": io.BytesIO(_png())})
    ws.freeze_panes(1, 2)
    fu = wb.add_worksheet(FOLLOW_UPS.zh)
    fu_cols = [c for c in FOLLOW_UPS.columns if c.key != "on_time"]
    for c, col in enumerate(fu_cols):
        fu.write_string(0, c, col.header("zh"))
    for r in range(1, 7):
        values = {
            "customer_id": f"C{r:03d}",
            "date": AS_OF - timedelta(days=10 * r),
            "channel": "电话",
            "summary": f"第{r}次沟通",
            "recorded_by": "张三",
            "entered_at": AS_OF - timedelta(days=10 * r - 2),
        }
        for c, col in enumerate(fu_cols):
            v = values.get(col.key)
            if isinstance(v, datetime):
                fu.write_datetime(r, c, v, date_fmt)
            elif v is not None:
                fu.write_string(r, c, v)
    tx = wb.add_worksheet(TRANSACTIONS.zh)
    for c, col in enumerate(TRANSACTIONS.columns):
        tx.write_string(0, c, col.name("zh"))
    for r, (cid, days, amount) in enumerate([("C001", 20, 600_000), ("C003", 100, 80_000)], 1):
        tx.write_string(r, 0, f"HT{r}")
        tx.write_string(r, 1, cid)
        tx.write_datetime(r, 2, AS_OF - timedelta(days=days), date_fmt)
        tx.write_number(r, 3, amount, money)
    chart_data = wb.add_worksheet("图表数据")
    for r, (label, n) in enumerate([("A", 3), ("B", 5), ("C", 2)]):
        chart_data.write_string(r, 0, label)
        chart_data.write_number(r, 1, n)
    chart = wb.add_chart({"type": "column"})
    chart.add_series(
        {"categories": "=图表数据!$A$1:$A$3", "values": "=图表数据!$B$1:$B$3", "name": "客户数"}
    )
    chart.set_title({"name": "按等级"})
    chart_data.insert_chart("D2", chart)
    chart_data.write_formula("B5", "=SUM(B1:B3)", None, 10)
    hidden = wb.add_worksheet("隐藏")
    hidden.write_string(0, 0, "机密")
    hidden.hide()
    wb.define_name("客户总数", f"=COUNTA({CUSTOMERS.zh}!$A$2:$A$100)")
    wb.define_name("图表数据!本地名", "=图表数据!$B$1")
    if path.suffix == ".xlsm":
        wb.add_vba_project(str(CORPUS / "vbaProject05.bin"))
    wb.close()
    return path


def parts(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as zf:
        return {name: zf.read(name) for name in zf.namelist()}


def cell_state(path: Path) -> dict[tuple[str, str], tuple[Any, ...]]:
    """Value, formula text, number format, font and fill of every cell outside auto columns."""
    wb = openpyxl.load_workbook(path)
    out: dict[tuple[str, str], tuple[Any, ...]] = {}
    for ws in wb:
        spec = match_sheet(ws.title)
        skip: set[int] = set()
        if spec is not None:
            for c in ws[1]:
                col = match_column(spec, c.value)
                if col is not None and (col.auto or col.key == "stage"):
                    skip.add(c.column)
        for row in ws.iter_rows():
            for c in row:
                if c.column in skip and c.row > 1:
                    continue
                out[(ws.title, c.coordinate)] = (
                    c.value,
                    c.number_format,
                    c.font.b,
                    c.font.color and c.font.color.rgb,
                    c.fill.fgColor.rgb if c.fill and c.fill.fgColor else None,
                    c.comment.text if c.comment else None,
                )
    return out


OWNED = {"xl/styles.xml", "xl/workbook.xml", "[Content_Types].xml", "xl/_rels/workbook.xml.rels"}


def check_preserved(before_path: Path, after_path: Path, result: Any) -> None:
    before, after = parts(before_path), parts(after_path)
    changed_sheets = {p for report in result.saved for p in report.parts_changed}
    for name, data in before.items():
        assert name in after, f"{name} was lost"
        if name in OWNED or name in changed_sheets:
            continue
        assert after[name] == data, f"{name} changed"
    added = set(after) - set(before)
    assert all(n.startswith("xl/worksheets/sheet") for n in added), added
    assert changed_sheets - OWNED <= {n for n in before if n.startswith("xl/worksheets/")} | added


@pytest.mark.parametrize("suffix", [".xlsx", ".xlsm"])
def test_refresh_keeps_everything_it_does_not_own(tmp_path: Path, suffix: str) -> None:
    path = rich_workbook(tmp_path / f"crm{suffix}")
    original = tmp_path / f"original{suffix}"
    shutil.copy(path, original)
    before_cells = cell_state(path)
    result = refresh([path], as_of=AS_OF, backup=False)
    assert result.cells_changed > 0
    check_preserved(original, path, result)
    after_cells = cell_state(path)
    lost = {k: v for k, v in before_cells.items() if after_cells.get(k) != v}
    assert not lost, lost
    if suffix == ".xlsm":
        assert parts(path)["xl/vbaProject.bin"] == parts(original)["xl/vbaProject.bin"]
    assert refresh([path], as_of=AS_OF, backup=False).cells_changed == 0


def test_a_pivot_table_made_by_libreoffice_survives(tmp_path: Path) -> None:
    src = rich_workbook(tmp_path / "rich.xlsx")
    path = tmp_path / "pivot.xlsx"
    subprocess.run(
        [uno_python(), str(HERE / "lo_pivot.py"), str(src), str(path), CUSTOMERS.zh],
        check=True,
        timeout=180,
    )
    assert any(n.startswith("xl/pivotTables/") for n in parts(path))
    original = tmp_path / "pivot-original.xlsx"
    shutil.copy(path, original)
    before_cells = cell_state(path)
    result = refresh([path], as_of=AS_OF, backup=False)
    check_preserved(original, path, result)
    after_cells = cell_state(path)
    assert {k for k, v in before_cells.items() if after_cells.get(k) != v} == set()


def test_libreoffice_opens_every_refreshed_workbook(tmp_path: Path) -> None:
    paths = []
    for name in ("a.xlsx", "b.xlsm"):
        path = rich_workbook(tmp_path / name)
        refresh([path], as_of=AS_OF, backup=False)
        paths.append(path)
    converted = roundtrip_xlsx(paths, tmp_path / "lo")
    for src, out in zip(paths, converted, strict=True):
        wb = openpyxl.load_workbook(out)
        assert CUSTOMERS.zh in wb.sheetnames and "变更日志" in wb.sheetnames
        ws = wb[CUSTOMERS.zh]
        head = [c.value for c in ws[1]]
        tier = head.index(CUSTOMERS.column("tier").header("zh")) + 1
        assert ws.cell(2, tier).value == "A", src
        nxt = head.index(CUSTOMERS.column("next_follow_up").header("zh")) + 1
        assert isinstance(ws.cell(2, nxt).value, datetime), src


def test_dates_written_are_dates_to_libreoffice(tmp_path: Path) -> None:
    import csv

    path = rich_workbook(tmp_path / "d.xlsx")
    refresh([path], as_of=AS_OF, backup=False)
    from libreoffice import convert

    out = convert(
        [path],
        "csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,false,false",
        tmp_path / "csv",
    )[0]
    rows = list(csv.reader(out.read_text(encoding="utf-8").splitlines()))
    head = rows[0]
    nxt = head.index(CUSTOMERS.column("next_follow_up").header("zh"))
    assert date.fromisoformat(rows[1][nxt])  # shown as a date, not a serial number
