"""``import``: encodings, header mapping, validation, 查重, IDs, injection-safe typed writes."""

from __future__ import annotations

import csv
import json
import re
import zipfile
from datetime import date, datetime
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from click.testing import CliRunner

from crmxl.cli import cli
from crmxl.commands.import_ import import_rows
from crmxl.errors import InputFileError, UsageError
from crmxl.importing.write import id_sequence
from crmxl.model.schema import CHANGELOG, CUSTOMERS, LEADS, match_column, match_sheet
from crmxl.workbook.package import Package

AS_OF = datetime(2026, 11, 20, 10, 0)
KEYS = (
    "lead_id",
    "captured_at",
    "source",
    "company",
    "contact",
    "phone",
    "region",
    "industry",
    "need",
    "budget",
)
HEADER = [LEADS.column(k).zh for k in KEYS]


def lead(n: int, **kw: Any) -> list[str]:
    """One CSV row in KEYS order: a valid lead, new to the workbook."""
    values = {
        "lead_id": "",
        "captured_at": "2026-11-19 09:30",
        "source": "展会",
        "company": f"苏州新创{n}号电子有限公司",
        "contact": "王五",
        "phone": f"1390000{n:04d}",
        "region": "华东",
        "industry": "制造业",
        "need": "了解仓储管理系统",
        "budget": "50万",
    }
    values.update(kw)
    return [values[k] for k in KEYS]


def write_csv(
    path: Path, rows: list[list[str]], encoding: str = "utf-8-sig", header: list[str] | None = None
) -> Path:
    with path.open("w", encoding=encoding, newline="") as fh:
        writer = csv.writer(fh, lineterminator="\r\n")
        writer.writerow(header or HEADER)
        writer.writerows(rows)
    return path


@pytest.fixture
def crm(make_workbook) -> Path:
    """A workbook with two customers, their contacts, three leads (L-2026-00x) and a team."""
    return make_workbook(
        {
            "customers": [
                {
                    "customer_id": "C0199",
                    "name": "上海华信科技有限责任公司",
                    "industry": "制造业",
                    "source": "展会",
                    "first_contact": date(2026, 1, 5),
                    "stage": "成交",
                    "owner": "张三",
                },
                {
                    "customer_id": "C0200",
                    "name": "北京恒达物流有限公司",
                    "industry": "物流",
                    "source": "展会",
                    "first_contact": date(2026, 2, 5),
                    "stage": "意向",
                    "owner": "张三",
                },
            ],
            "contacts": [{"customer_id": "C0200", "name": "赵六", "mobile": 13811112222}],
            "leads": [
                {
                    "lead_id": "L-2026-003",
                    "captured_at": datetime(2026, 11, 1, 9),
                    "source": "展会",
                    "company": "杭州博远网络科技有限公司",
                    "phone": "13700001111",
                    "status": "有效",
                },
                {
                    "lead_id": "L-2026-007",
                    "captured_at": datetime(2026, 11, 2, 9),
                    "source": "展会",
                    "company": "南京启明医药有限公司",
                    "status": "待分配",
                },
                {
                    "lead_id": "L-2026-005",
                    "captured_at": datetime(2026, 11, 3, 9),
                    "source": "展会",
                    "company": "成都天成贸易有限公司",
                    "status": "待分配",
                },
            ],
            "team": [{"name": "张三", "role": "销售专员", "regions": "华东", "active": "是"}],
        },
        columns={"leads": [c.key for c in LEADS.input_columns]},
    )


def leads_after(path: Path) -> list[dict[str, Any]]:
    """The lead sheet read back with openpyxl, one dict per row by column key."""
    ws = openpyxl.load_workbook(path)[LEADS.zh]
    keys = [getattr(match_column(LEADS, c.value), "key", None) for c in ws[1]]
    return [
        {k: c.value for k, c in zip(keys, row, strict=False) if k}
        for row in ws.iter_rows(min_row=2)
    ]


def cell_element(path: Path, sheet: str, ref: str) -> str:
    """The ``<c>`` element of one cell, as stored in the sheet XML."""
    with Package(path) as pkg:
        xml = pkg.read(pkg.sheet(sheet).part).decode()
    m = re.search(rf'<c r="{ref}"[ >].*?(?:</c>|/>)', xml)
    assert m, f"no cell {ref}"
    return m.group()


def run(src: Path, into: Path, **kw: Any) -> Any:
    return import_rows(src, into, "线索", as_of=AS_OF, backup=False, **kw)


# ---------------------------------------------------------------------------- encodings


@pytest.mark.parametrize(
    "encoding, reported", [("gbk", "gbk"), ("utf-8-sig", "utf-8-sig"), ("utf-8", "utf-8")]
)
def test_csv_encodings_are_detected(crm, tmp_path, encoding, reported) -> None:
    src = write_csv(tmp_path / "in.csv", [lead(1, contact="欧阳娜娜")], encoding)
    result = run(src, crm)
    assert result.encoding == reported and len(result.imported) == 1
    assert leads_after(crm)[-1]["contact"] == "欧阳娜娜"
    assert leads_after(crm)[-1]["lead_id"] == "L-2026-008"  # BOM did not spoil the first header


def test_gb18030_only_characters_and_a_forced_encoding(crm, tmp_path) -> None:
    src = write_csv(tmp_path / "in.csv", [lead(1, contact="𠮷野家")], "gb18030")
    assert run(src, crm, dry_run=True).encoding == "gb18030"
    with pytest.raises(InputFileError):
        run(src, crm, encoding="utf-8")
    with pytest.raises(UsageError):
        run(src, crm, encoding="klingon")


def test_sample_csvs_import_the_same_in_both_encodings(tmp_path) -> None:
    root = Path(__file__).parents[1] / "sample_data"
    results = []
    for name in ("leads.csv", "leads-gbk.csv"):
        into = tmp_path / name.replace(".csv", ".xlsx")
        into.write_bytes((root / "crm-sample.xlsx").read_bytes())
        results.append(run(root / name, into, dry_run=True))
    a, b = (r.to_dict() for r in results)
    assert a["imported"] == b["imported"] == 28 and a["duplicates"] == b["duplicates"] == 2
    assert a["rows"] == b["rows"]


# ------------------------------------------------------------------- Excel-exported values


def test_excel_export_serial_dates_and_numeric_phones(crm, tmp_path) -> None:
    rows = [
        lead(1, captured_at="46345.5", phone="13812345678"),
        lead(2, captured_at="46300", phone="1.3812345679E+10"),
        lead(3, phone="1.38123E+10"),
    ]
    result = run(write_csv(tmp_path / "x.csv", rows), crm)
    new = leads_after(crm)[-2:]
    assert new[0]["captured_at"] == datetime(2026, 11, 19, 12, 0)
    assert new[1]["captured_at"] == datetime(2026, 10, 5)
    assert [n["phone"] for n in new] == ["13812345678", "13812345679"]
    assert new[0]["budget"] == 500_000
    assert [f.code for f in result.rejected[0].findings] == ["phone-lost-digits"]


def test_typed_values_get_formats_and_look_like_the_row_above(crm, tmp_path) -> None:
    wb = openpyxl.load_workbook(crm)
    ws = wb[LEADS.zh]
    captured = next(c.column for c in ws[1] if c.value == LEADS.column("captured_at").zh)
    ws.cell(4, captured).number_format = "yyyy/m/d h:mm"
    ws.cell(4, captured).font = openpyxl.styles.Font(color="FF0000")
    wb.save(crm)
    run(write_csv(tmp_path / "x.csv", [lead(1)]), crm)
    sheet = openpyxl.load_workbook(crm)[LEADS.zh]
    cell, above = sheet.cell(5, captured), sheet.cell(4, captured)
    assert cell.is_date and cell.number_format == "yyyy/m/d h:mm"
    assert cell.font.color.rgb == above.font.color.rgb


# --------------------------------------------------------------------- formula injection


@pytest.mark.parametrize(
    "text",
    ['=HYPERLINK("http://evil.example","点我")', "@SUM(1+1)", "+1-2", "-急需，本月内上线", "=1+1"],
)
def test_formula_like_text_stays_text(crm, tmp_path, text) -> None:
    src = write_csv(tmp_path / "x.csv", [lead(1, need=text, contact=text)])
    result = run(src, crm)
    assert result.formula_like
    for key in ("need", "contact"):
        col = next(
            c.column_letter
            for c in openpyxl.load_workbook(crm)[LEADS.zh][1]
            if match_column(LEADS, c.value).key == key
        )
        element = cell_element(crm, LEADS.zh, f"{col}5")
        assert 't="inlineStr"' in element and "<f>" not in element and "<f " not in element
    assert leads_after(crm)[-1]["need"] == text


# ------------------------------------------------------------------------------- 查重


def test_duplicates_against_the_workbook_and_inside_the_file(crm, tmp_path) -> None:
    rows = [
        lead(1, company="上海华信科技 有限公司"),  # customer C0199 (有限责任公司, space)
        lead(2, phone="+86 138-1111-2222"),  # contact of C0200
        lead(3, phone="137 0000 1111"),  # lead L-2026-003's phone
        lead(4, company="南京启明医药有限责任公司"),  # lead L-2026-007
        lead(5, lead_id="L-2026-005"),  # an ID the sheet has
        lead(6),
        lead(7, company="ＳＵＺＨＯＵ新创6号电子有限公司".replace("ＳＵＺＨＯＵ", "苏州")),
    ]
    result = run(write_csv(tmp_path / "x.csv", rows), crm)
    codes = {r.line: [f.code for f in r.findings] for r in result.rejected}
    assert codes == {
        2: ["import-dup-customer"],
        3: ["import-dup-contact"],
        4: ["import-dup-lead"],
        5: ["import-dup-lead"],
        6: ["import-id-exists"],
        8: ["import-dup-file"],
    }
    assert "C0199" in result.rejected[0].reason("zh")
    assert "第 7 行" in result.rejected[-1].reason("zh")
    assert [r.line for r in result.imported] == [7]


# --------------------------------------------------------------------------- validation


def test_bad_rows_are_rejected_with_their_source_line_and_warnings_kept(crm, tmp_path) -> None:
    rows = [
        lead(1, captured_at="2026-13-40"),
        lead(2, source="路边捡的"),
        lead(3, company=""),
        lead(4, region="待确认"),
        lead(5, captured_at="2027-01-01"),
    ]
    result = run(write_csv(tmp_path / "x.csv", rows), crm)
    assert {r.line: r.findings[0].code for r in result.rejected} == {
        2: "bad-date",
        3: "bad-enum",
        4: "missing-value",
        6: "future-date",
    }
    assert [r.line for r in result.imported] == [5]
    assert [(w.row, w.code) for w in result.warnings] == [(5, "placeholder")]
    assert not result.ok


def test_a_multi_line_cell_keeps_later_line_numbers_right(crm, tmp_path) -> None:
    rows = [lead(1, need="第一行\n第二行"), lead(2, source="路边捡的")]
    result = run(write_csv(tmp_path / "x.csv", rows), crm)
    assert [r.line for r in result.rejected] == [4]
    assert leads_after(crm)[3]["need"] == "第一行\n第二行"


def test_a_source_without_a_required_column_is_refused(crm, tmp_path) -> None:
    header = [h for h in HEADER if h != LEADS.column("source").zh]
    rows = [[v for h, v in zip(HEADER, lead(1), strict=True) if h in header]]
    with pytest.raises(InputFileError, match=r"来源|Source"):
        run(write_csv(tmp_path / "x.csv", rows, header=header), crm)


# ------------------------------------------------------------------------------ mapping


def test_a_mapping_file_names_columns_ignores_some_and_gives_defaults(crm, tmp_path) -> None:
    header = ["客户公司", "联系手机", "获取时间", "内部编号", "备用字段"]
    rows = [["广州瑞丰电子有限公司", "13912340000", "2026-11-19", "X-1", "?"]]
    src = write_csv(tmp_path / "x.csv", rows, header=header)
    mapping = tmp_path / "map.toml"
    mapping.write_text(
        '"客户公司" = "公司名称"\n"联系手机" = "Phone"\n"内部编号" = ""\n'
        '[defaults]\n"来源" = "展会"\n',
        encoding="utf-8",
    )
    result = run(src, crm, map_file=mapping)
    assert result.unmapped == ["备用字段"]
    assert ("内部编号", "map-ignore") in result.ignored
    new = leads_after(crm)[-1]
    assert (new["company"], new["phone"], new["source"], new["status"]) == (
        "广州瑞丰电子有限公司",
        "13912340000",
        "展会",
        "待分配",
    )


def test_a_mapping_file_naming_an_unknown_column_is_refused(crm, tmp_path) -> None:
    mapping = tmp_path / "map.toml"
    mapping.write_text('"联系手机" = "手机号码的号码"\n', encoding="utf-8")
    with pytest.raises(InputFileError):
        run(write_csv(tmp_path / "x.csv", [lead(1)]), crm, map_file=mapping)


# ----------------------------------------------------------------------- IDs, dry run, log


@pytest.mark.parametrize(
    "existing, expected",
    [
        (["C0199", "C0200"], ["C0201", "C0202"]),
        (["L-2026-007", "L-2026-003"], ["L-2026-008", "L-2026-009"]),
        (["XS2611024", "XS2611101"], ["XS2611102", "XS2611103"]),
        (["C0200", "VIP-9", "C0100"], ["C0201", "C0202"]),
        ([], ["XS0001", "XS0002"]),
    ],
)
def test_ids_continue_the_sheets_style(existing, expected) -> None:
    ids = id_sequence(existing, ("XS", 4))
    assert [next(ids), next(ids)] == expected


def test_missing_ids_are_generated_and_given_ids_kept(crm, tmp_path) -> None:
    rows = [lead(1), lead(2, lead_id="L-2026-020"), lead(3)]
    result = run(write_csv(tmp_path / "x.csv", rows), crm)
    assert [r.record for r in result.imported] == ["L-2026-021", "L-2026-020", "L-2026-022"]
    assert result.ids_generated == 2


def test_dry_run_writes_nothing(crm, tmp_path) -> None:
    before = crm.read_bytes()
    result = run(write_csv(tmp_path / "x.csv", [lead(1), lead(2)]), crm, dry_run=True)
    assert len(result.imported) == 2 and result.dry_run
    assert crm.read_bytes() == before
    assert not (crm.parent / ".crmxl-backups").exists()


def test_one_changelog_row_per_import(crm, tmp_path) -> None:
    run(write_csv(tmp_path / "a.csv", [lead(1), lead(2)]), crm)
    run(write_csv(tmp_path / "b.csv", [lead(3)]), crm)
    ws = openpyxl.load_workbook(crm)[CHANGELOG.zh]
    rows = [[c.value for c in row] for row in ws.iter_rows(min_row=2)]
    assert [(r[1], r[3], r[6]) for r in rows] == [
        ("import", "L-2026-008–L-2026-009", "2"),
        ("import", "L-2026-010–L-2026-010", "1"),
    ]
    assert "a.csv" in rows[0][7]


# ------------------------------------------------------------------------------ rejects file


def test_rejects_file_has_the_reasons_and_imports_again_once_fixed(crm, tmp_path) -> None:
    rows = [lead(1, phone="12345"), lead(2, need="=1+1", source="路边捡的")]
    src = write_csv(tmp_path / "x.csv", rows, "gbk")
    out = tmp_path / "rejects.csv"
    run(src, crm, rejects=out)
    with out.open(encoding="gb18030", newline="") as fh:
        back = list(csv.reader(fh))
    assert back[0][-2:] == ["源行号", "拒绝原因"]
    assert [r[-2] for r in back[1:]] == ["2", "3"]
    assert "电话" in back[1][-1] and "'=1+1" in back[2]
    back[1][HEADER.index(LEADS.column("phone").zh)] = "13900001234"
    back[2][HEADER.index(LEADS.column("source").zh)] = "展会"
    with out.open("w", encoding="gb18030", newline="") as fh:
        csv.writer(fh).writerows(back)
    again = run(out, crm)
    assert len(again.imported) == 2 and not again.unmapped
    assert leads_after(crm)[-1]["need"] == "=1+1"


def test_rejects_may_not_overwrite_the_source(crm, tmp_path) -> None:
    src = write_csv(tmp_path / "x.csv", [lead(1)])
    with pytest.raises(UsageError):
        run(src, crm, rejects=src)


# ---------------------------------------------------------------------- workbook sources


def test_an_xlsx_source_with_a_title_row(crm, tmp_path) -> None:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "展会名单"
    ws["B1"] = "2026 上海展会线索"
    ws.append([])
    for row in [[None, *HEADER], [None, *lead(1)[:-1], 500000]]:
        ws.append(row)
    ws.cell(4, 7).value = 13900000001  # a phone stored as a number
    ws.cell(4, 3).value = datetime(2026, 11, 19, 9, 30)
    src = tmp_path / "show.xlsx"
    wb.save(src)
    result = run(src, crm)
    assert (result.kind, result.source_sheet, result.header_line) == ("xlsx", "展会名单", 3)
    assert [r.line for r in result.imported] == [4]
    new = leads_after(crm)[-1]
    assert (new["phone"], new["captured_at"], new["budget"]) == (
        "13900000001",
        datetime(2026, 11, 19, 9, 30),
        500000,
    )


def test_a_hostile_xlsx_source_is_turned_away(crm, tmp_path) -> None:
    src = tmp_path / "bad.xlsx"
    src.write_bytes(b"PK\x03\x04 not really a zip")
    with pytest.raises(InputFileError):
        run(src, crm)


@pytest.mark.libreoffice
def test_an_xls_source_and_the_result_opens_in_libreoffice(crm, tmp_path) -> None:
    from libreoffice import convert, roundtrip_xlsx

    wb = openpyxl.Workbook()
    wb.active.append(HEADER)
    wb.active.append(lead(1))
    wb.save(tmp_path / "old.xlsx")
    xls = convert([tmp_path / "old.xlsx"], "xls", tmp_path / "xls")[0]
    result = run(xls, crm)
    assert result.kind == "xls" and len(result.imported) == 1
    expected = leads_after(crm)
    copy = roundtrip_xlsx([crm], tmp_path / "lo")[0]
    assert leads_after(copy)[-1]["company"] == expected[-1]["company"] == "苏州新创1号电子有限公司"
    assert leads_after(copy)[-1]["captured_at"] == datetime(2026, 11, 19, 9, 30)


def test_a_missing_lead_sheet_is_added(make_workbook, tmp_path) -> None:
    crm = make_workbook({"customers": [{"customer_id": "C1", "name": "甲有限公司"}]})
    result = run(write_csv(tmp_path / "x.csv", [lead(1)]), crm)
    assert result.created_sheet
    assert leads_after(crm)[0]["lead_id"] == "XS0001"
    assert match_sheet(openpyxl.load_workbook(crm).sheetnames[-1]) is CHANGELOG


def test_customers_can_be_imported_with_their_own_查重(crm, tmp_path) -> None:
    keys = ["name", "industry", "source", "first_contact", "stage", "owner"]
    header = [CUSTOMERS.column(k).zh for k in keys]
    rows = [
        ["上海华信科技有限公司", "制造业", "展会", "2026-11-01", "潜在", "张三"],
        ["深圳博远新材料有限公司", "制造业", "展会", "2026-11-01", "潜在", "李四"],
        ["深圳中科新材料有限公司", "制造业", "展会", "2026-11-01", "潜在", "张三"],
    ]
    src = write_csv(tmp_path / "c.csv", rows, header=header)
    result = import_rows(src, crm, "Customers", as_of=AS_OF, backup=False)
    assert {r.line: r.findings[0].code for r in result.rejected} == {
        2: "import-dup-customer",
        3: "unknown-owner",
    }
    assert [r.record for r in result.imported] == ["C0201"]


# ---------------------------------------------------------------------------------- CLI


def test_cli_exit_codes(crm, tmp_path) -> None:
    runner = CliRunner()
    good = write_csv(tmp_path / "good.csv", [lead(1)])
    bad = write_csv(tmp_path / "bad.csv", [lead(2, source="路边捡的")])
    base = ["--into", str(crm), "--as-of", "2026-11-20", "--no-backup"]
    assert runner.invoke(cli, ["import", str(good), "--sheet", "线索", *base]).exit_code == 0
    res = runner.invoke(cli, ["import", str(bad), "--sheet", "线索", *base, "--lang", "en"])
    assert res.exit_code == 1 and "Rows not imported" in res.output
    assert runner.invoke(cli, ["import", str(good), "--sheet", "无此表", *base]).exit_code == 2
    assert runner.invoke(cli, ["import", str(good), "--sheet", "线索"]).exit_code == 2
    missing = runner.invoke(cli, ["import", str(tmp_path / "nope.csv"), "--sheet", "线索", *base])
    assert missing.exit_code == 1 and missing.output.startswith("Error:")


def test_cli_json_equals_the_library_result(crm, tmp_path) -> None:
    src = write_csv(tmp_path / "x.csv", [lead(1), lead(2, phone="1")])
    res = CliRunner().invoke(
        cli,
        [
            "import",
            str(src),
            "--into",
            str(crm),
            "--sheet",
            "线索",
            "--as-of",
            "2026-11-20T10:00",
            "--dry-run",
            "--json",
        ],
    )
    lib = import_rows(src, crm, "线索", as_of=AS_OF, dry_run=True).to_dict("zh")
    out = json.loads(res.output)
    for d in (out, lib):
        d.pop("seconds")
        for s in d["saved"]:
            s.pop("seconds")
    assert res.exit_code == 1 and out == json.loads(
        json.dumps(lib, ensure_ascii=False, default=str)
    )


def test_zip_members_other_than_the_lead_sheet_are_untouched(crm, tmp_path) -> None:
    before = {i.filename: i.CRC for i in zipfile.ZipFile(crm).infolist()}
    run(write_csv(tmp_path / "x.csv", [lead(1)]), crm)
    after = {i.filename: i.CRC for i in zipfile.ZipFile(crm).infolist()}
    with Package(crm) as pkg:
        changed_ok = {
            pkg.sheet(LEADS.zh).part,
            pkg.workbook_part,
            pkg.styles_part,
            pkg.sheet(CHANGELOG.zh).part,
            "[Content_Types].xml",
            "xl/_rels/workbook.xml.rels",
        }
    assert {n for n in before if before[n] != after.get(n)} <= changed_ok


def test_an_english_workbook_gets_english_values(make_workbook, tmp_path) -> None:
    crm = make_workbook(
        {
            "leads": [
                {
                    "lead_id": "L-9",
                    "captured_at": datetime(2026, 11, 1),
                    "source": "Trade Show",
                    "company": "Acme Co., Ltd.",
                }
            ]
        },
        lang="en",
    )
    header = [LEADS.column(k).en for k in KEYS]
    result = import_rows(
        write_csv(tmp_path / "x.csv", [lead(1, source="展会")], header=header),
        crm,
        "Leads",
        as_of=AS_OF,
        backup=False,
    )
    ws = openpyxl.load_workbook(crm)["Leads"]
    row = {match_column(LEADS, c.value).key: v.value for c, v in zip(ws[1], ws[3], strict=False)}
    assert (row["lead_id"], row["source"], row["status"]) == ("L-10", "Trade Show", "Unassigned")
    assert result.sheet == "Leads"
