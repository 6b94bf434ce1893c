"""``init``: the workbooks it writes, the bundled templates, and the sample data.

Workbooks are compared by reading them back with openpyxl (values, formats, fills, validations,
panes, filters), never by bytes. LibreOffice must open every kind of workbook ``init`` writes:
they are all converted in one ``soffice`` call (module fixture ``lo_copies``).
"""

from __future__ import annotations

import contextlib
import csv
import io
import re
import unicodedata
import zipfile
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from libreoffice import convert, roundtrip_xlsx
from openpyxl.worksheet.worksheet import Worksheet

from crmxl.a1 import column_letter
from crmxl.errors import UsageError, WriteRefusedError
from crmxl.i18n import catalog, placeholders
from crmxl.model import values
from crmxl.model.schema import (
    ENUMS,
    GUIDE_NAMES,
    LEADS,
    SEPARATE_FILES,
    SHEETS,
    SHEETS_BY_KEY,
    ColType,
    SheetSpec,
)
from crmxl.model.settings import DEFAULT_THRESHOLDS, Settings, default_rows
from crmxl.starter import templates
from crmxl.starter.guide import problem_cell
from crmxl.starter.look import (
    AUTO_FILL,
    AUTO_HEADER_FILL,
    DATA_ROWS,
    LIST_NAMES,
    LISTS_NAMES,
    column_format,
    dropdown_values,
)
from crmxl.starter.sample import CSV_COLUMNS, SAMPLE_AS_OF, TEAM, Sample, build_sample, leads_csv
from crmxl.starter.templates import (
    TEMPLATE_CREATED,
    init_separate,
    init_workbook,
    regenerate_bundled,
)

ROOT = Path(__file__).resolve().parents[1]
LANGS = ("zh", "en")
S = Settings()
CADENCE = S.cadence_tier

# ------------------------------------------------------------------------------ helpers


def snapshot(path: Path) -> dict[str, Any]:
    """Everything a user sees in a workbook, as plain data."""
    wb = openpyxl.load_workbook(path)
    out: dict[str, Any] = {
        "sheets": [(ws.title, ws.sheet_state) for ws in wb],
        "names": {name: d.attr_text for name, d in wb.defined_names.items()},
        "created": wb.properties.created,
    }
    for ws in wb:
        cells = {
            c.coordinate: (
                c.value,
                c.number_format,
                c.fill.fgColor.rgb,
                c.font.b,
                c.comment.text if c.comment else None,
            )
            for row in ws.iter_rows()
            for c in row
            if c.value is not None or c.comment
        }
        out[ws.title] = {
            "cells": cells,
            "columns": columns(ws),
            "validations": validations(ws),
            "freeze": ws.freeze_panes,
            "filter": ws.auto_filter.ref,
            "merged": sorted(str(r) for r in ws.merged_cells.ranges),
        }
    return out


def columns(ws: Worksheet) -> dict[int, tuple[float, str, Any]]:
    """Width, number format and fill of each column (xlsxwriter merges equal neighbours)."""
    out = {}
    for dim in list(ws.column_dimensions.values()):
        for i in range(dim.min, dim.max + 1):
            out[i] = (round(dim.width), dim.number_format, dim.fill.fgColor.rgb)
    return out


def validations(ws: Worksheet) -> list[tuple[Any, ...]]:
    return sorted(
        (
            str(dv.sqref),
            dv.type,
            dv.formula1,
            dv.formula2,
            dv.errorStyle,
            dv.allow_blank,
            dv.errorTitle,
            dv.error,
        )
        for dv in ws.data_validations.dataValidation
    )


def headers(ws: Worksheet) -> list[Any]:
    return [c.value for c in next(ws.iter_rows(max_row=1))]


def dv_at(ws: Worksheet, col_index: int) -> Any:
    letter = column_letter(col_index)
    wanted = f"{letter}2:{letter}{DATA_ROWS + 1}"
    found = [dv for dv in ws.data_validations.dataValidation if str(dv.sqref) == wanted]
    return found[0] if found else None


def inline_list(formula: str) -> list[str]:
    assert formula.startswith('"') and formula.endswith('"'), formula
    return formula[1:-1].split(",")


@pytest.fixture(scope="module")
def books(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """One workbook of each kind init writes, made once for the module."""
    d = tmp_path_factory.mktemp("init")
    made = {lang: init_workbook(d / f"crm-{lang}.xlsx", lang=lang).path for lang in LANGS}
    for lang in LANGS:
        made[f"sample-{lang}"] = init_workbook(
            d / f"sample-{lang}.xlsx", lang=lang, sample=True, as_of=SAMPLE_AS_OF
        ).path
        for result in init_separate(d / f"separate-{lang}", lang=lang, sample=lang == "zh"):
            made[f"separate-{lang}-{result.path.stem}"] = result.path
    made["subset"] = init_workbook(d / "subset.xlsx", sheets=["线索", "Team"]).path
    return made


@pytest.fixture(scope="module")
def sample() -> Sample:
    return build_sample(SAMPLE_AS_OF)


# ------------------------------------------------------------------------------ layout


@pytest.mark.parametrize("lang", LANGS)
def test_every_sheet_and_column_with_its_header(books: dict[str, Path], lang: str) -> None:
    wb = openpyxl.load_workbook(books[lang])
    guide = GUIDE_NAMES[1] if lang == "en" else GUIDE_NAMES[0]
    lists = LISTS_NAMES[1] if lang == "en" else LISTS_NAMES[0]
    assert wb.sheetnames == [guide, *(s.name(lang) for s in SHEETS), lists]
    assert wb[lists].sheet_state == "hidden"
    for spec in SHEETS:
        assert headers(wb[spec.name(lang)]) == [c.header(lang) for c in spec.columns]


@pytest.mark.parametrize("lang", LANGS)
def test_header_markers(books: dict[str, Path], lang: str) -> None:
    ws = openpyxl.load_workbook(books[lang])[SHEETS_BY_KEY["customers"].name(lang)]
    row = headers(ws)
    assert row[0].endswith("*")
    assert row[-1].endswith(" (auto)" if lang == "en" else "(自动)")


def _display_width(text: str) -> int:
    """Columns a header takes: a Chinese character (or full-width mark) two, others one."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


@pytest.mark.parametrize("spec", SHEETS, ids=lambda s: s.key)
@pytest.mark.parametrize("lang", LANGS)
def test_styles_widths_panes_filter(books: dict[str, Path], spec: SheetSpec, lang: str) -> None:
    ws = openpyxl.load_workbook(books[lang])[spec.name(lang)]
    cols = columns(ws)
    assert ws.freeze_panes == "A2"
    assert ws.auto_filter.ref.startswith("A1:")
    for i, col in enumerate(spec.columns, start=1):
        header = ws.cell(1, i)
        width, fmt, fill = cols[i]
        assert header.font.b
        # the header's text, bold, beside its filter button: never wrapped nor clipped
        text = _display_width(col.header(lang))
        assert width >= max(col.width, text + 3) - 0.5, (col.key, width, text)
        assert width <= max(col.width, text * 1.2 + 6) + 1, (col.key, width, text)
        assert fmt == (column_format(spec, col) or "General")
        grey = f"FF{AUTO_FILL[1:]}"
        assert (fill == grey) == col.auto, col.key
        assert (header.fill.fgColor.rgb == f"FF{AUTO_HEADER_FILL[1:]}") == col.auto


@pytest.mark.parametrize(
    "sheet, column, fmt",
    [
        ("customers", "customer_id", "@"),
        ("customers", "first_contact", "yyyy-mm-dd"),
        ("customers", "revenue", "#,##0"),
        ("customers", "employees", "0"),
        ("contacts", "mobile", "@"),
        ("contacts", "wechat", "@"),
        ("contacts", "birthday", "@"),
        ("issues", "logged_at", "yyyy-mm-dd hh:mm"),
        ("leads", "phone", "@"),
    ],
)
def test_number_formats(sheet: str, column: str, fmt: str) -> None:
    spec = SHEETS_BY_KEY[sheet]
    assert column_format(spec, spec.column(column)) == fmt


def test_header_notes(books: dict[str, Path]) -> None:
    ws = openpyxl.load_workbook(books["en"])["Customers"]
    spec = SHEETS_BY_KEY["customers"]
    for i, col in enumerate(spec.columns, start=1):
        comment = ws.cell(1, i).comment
        if col.note_en:
            assert comment is not None and col.note_en in comment.text
        if col.auto:
            assert comment is not None and "refresh" in comment.text
        if not col.note_en and not col.auto:
            assert comment is None


# ------------------------------------------------------------------------------ dropdowns


def enum_columns() -> list[tuple[SheetSpec, int, Any]]:
    return [
        (spec, i, col)
        for spec in SHEETS
        for i, col in enumerate(spec.columns, start=1)
        if col.type in (ColType.ENUM, ColType.YESNO)
    ]


@pytest.mark.parametrize("lang", LANGS)
def test_every_input_enum_column_has_its_dropdown(books: dict[str, Path], lang: str) -> None:
    wb = openpyxl.load_workbook(books[lang])
    for spec, i, col in enum_columns():
        dv = dv_at(wb[spec.name(lang)], i)
        if col.auto:  # computed: grey, no dropdown inviting edits
            assert dv is None, col.key
            continue
        assert dv is not None and dv.type == "list", (spec.key, col.key)
        assert dv.allow_blank and dv.errorStyle == "warning" and dv.error
        if col.enum in LIST_NAMES and col.type == ColType.ENUM:
            assert dv.formula1 == LIST_NAMES[col.enum]
        else:
            enum = ENUMS["yesno" if col.type == ColType.YESNO else col.enum]
            assert inline_list(dv.formula1) == [enum.label(v, lang) for v in enum.zh]


def test_dropdown_labels_are_english_in_english(books: dict[str, Path]) -> None:
    ws = openpyxl.load_workbook(books["en"])["Customers"]
    stage = SHEETS_BY_KEY["customers"].keys.index("stage") + 1
    assert inline_list(dv_at(ws, stage).formula1) == ["Prospect", "Interested", "Customer", "Lost"]
    assert "请" not in dv_at(ws, stage).error


@pytest.mark.parametrize("lang", LANGS)
def test_settings_lists_live_in_the_settings_sheet(books: dict[str, Path], lang: str) -> None:
    wb = openpyxl.load_workbook(books[lang])
    lists = wb[LISTS_NAMES[1] if lang == "en" else LISTS_NAMES[0]]
    for key, column in (("industries", "A"), ("regions", "B")):
        formula = wb.defined_names[LIST_NAMES[key]].attr_text
        assert f"{lists.title}'!${column}$3" in formula
        source = lists[f"{column}2"].value
        assert source.startswith("=") and SHEETS_BY_KEY["settings"].name(lang) in source
    cached = openpyxl.load_workbook(books[lang], data_only=True)[lists.title]
    assert [c.value for c in cached["A"][2 : 2 + len(S.industries)]] == list(S.industries)
    assert [c.value for c in cached["B"][2 : 2 + len(S.regions)]] == list(S.regions)
    assert [c.value for c in cached["C"][2:6]] == [*S.tiers, None]  # "" reads back as None


@pytest.mark.parametrize("book", ["zh", "en", "sample-zh"])
def test_dropdowns_and_formats_cover_whole_columns(books: dict[str, Path], book: str) -> None:
    wb = openpyxl.load_workbook(books[book])
    lang = "en" if book.endswith("en") else "zh"
    for spec in SHEETS:
        ws = wb[spec.name(lang)]
        ranges = [str(dv.sqref) for dv in ws.data_validations.dataValidation]
        assert all(r.endswith("1048576") for r in ranges), (spec.key, ranges)
    ws = wb[SHEETS_BY_KEY["customers"].name(lang)]
    letter = column_letter(SHEETS_BY_KEY["customers"].keys.index("industry") + 1)
    assert f"{letter}2:{letter}1048576" in [
        str(dv.sqref) for dv in ws.data_validations.dataValidation
    ]
    # number formats are the columns' own (<col style>): every row Excel has, not a range of cells
    created = column_letter(SHEETS_BY_KEY["customers"].keys.index("created") + 1)
    assert ws.column_dimensions[created].number_format == "yyyy-mm-dd"


def test_integer_validation_for_satisfaction(books: dict[str, Path]) -> None:
    ws = openpyxl.load_workbook(books["zh"])["问题跟踪"]
    dv = dv_at(ws, SHEETS_BY_KEY["issues"].keys.index("satisfaction") + 1)
    assert (dv.type, dv.formula1, dv.formula2) == ("whole", "1", "5")


def test_without_settings_sheet_lists_are_inline(books: dict[str, Path]) -> None:
    wb = openpyxl.load_workbook(books["subset"])
    assert wb.sheetnames == ["说明", "线索", "销售团队"]
    assert not wb.defined_names
    region = LEADS.keys.index("region") + 1
    assert inline_list(dv_at(wb["线索"], region).formula1) == list(S.regions)


def test_dropdown_values_follow_settings() -> None:
    col = SHEETS_BY_KEY["customers"].column("region")
    assert dropdown_values(col, "zh", Settings(regions=("东区", "西区"))) == ("东区", "西区")


# ------------------------------------------------------------------------------ 配置 and 说明


@pytest.mark.parametrize("lang", LANGS)
def test_settings_sheet_is_default_rows(books: dict[str, Path], lang: str) -> None:
    ws = openpyxl.load_workbook(books[lang])[SHEETS_BY_KEY["settings"].name(lang)]
    rows = list(ws.iter_rows(min_row=2, values_only=True))
    assert len(rows) == len(default_rows(lang))
    for (key, value, note), (want_key, want_value, want_note) in zip(
        rows, default_rows(lang), strict=True
    ):
        assert (key, note or "") == (want_key, want_note)
        if isinstance(value, str) or value is None:
            assert (value or "") == want_value
        elif want_value.endswith("%"):
            assert value == pytest.approx(float(want_value[:-1]) / 100)
        else:
            assert value == pytest.approx(float(want_value))


@pytest.mark.parametrize("lang", LANGS)
def test_guide_explains_sheets_routine_and_rules(books: dict[str, Path], lang: str) -> None:
    ws = openpyxl.load_workbook(books[lang])[GUIDE_NAMES[lang == "en"]]
    text = "\n".join(str(v) for row in ws.iter_rows(values_only=True) for v in row if v)
    for spec in SHEETS:
        assert spec.name(lang) in text
        assert (spec.purpose_en if lang == "en" else spec.purpose_zh) in text
    assert f"crmxl refresh crm-{lang}.xlsx" in text
    assert f"crmxl report crm-{lang}.xlsx -o" in text
    assert "--owner 张三" in text
    assert values.format_amount(S.thresholds["A"]) in text
    assert values.format_amount(DEFAULT_THRESHOLDS["ABCD"]["C"]) in text
    for hours in S.sla_hours.values():
        assert f"{hours[1]:g}" in text


def test_guide_of_separate_files_names_all_three(books: dict[str, Path]) -> None:
    ws = openpyxl.load_workbook(books["separate-zh-需求清单"])["说明"]
    text = "\n".join(str(v) for row in ws.iter_rows(values_only=True) for v in row if v)
    assert "crmxl refresh 客户档案.xlsx 需求清单.xlsx 问题处理跟踪表.xlsx" in text


def test_guide_lists_the_sample_problems(books: dict[str, Path], sample: Sample) -> None:
    ws = openpyxl.load_workbook(books["sample-zh"])["说明"]
    cells = {row[0]: row[1] for row in ws.iter_rows(values_only=True)}
    for problem in sample.problems:
        assert cells[problem_cell(problem, "zh")] == problem.zh


def test_guide_strings_are_registered_in_both_languages() -> None:
    for code, (zh, en) in catalog().items():
        if code.startswith(("guide-", "tpl-", "init-")):
            assert zh and en and placeholders(zh) == placeholders(en), code


# ------------------------------------------------------------------------------ the API


def test_sheets_by_key_name_and_comma_list(tmp_path: Path) -> None:
    result = init_workbook(tmp_path / "a.xlsx", sheets=["customers", "Contacts,需求清单", "说明"])
    assert result.sheets == ("说明", "客户档案", "联系人", "需求清单")
    assert openpyxl.load_workbook(result.path).sheetnames[:4] == list(result.sheets)


def test_unknown_sheet_is_a_usage_error(tmp_path: Path) -> None:
    with pytest.raises(UsageError) as caught:
        init_workbook(tmp_path / "a.xlsx", sheets=["客户档案", "报价单"])
    assert "报价单" in caught.value.render("zh") and "报价单" in caught.value.render("en")
    assert not (tmp_path / "a.xlsx").exists()


def test_no_sheets_is_a_usage_error(tmp_path: Path) -> None:
    with pytest.raises(UsageError):
        init_workbook(tmp_path / "a.xlsx", sheets=[])


def test_an_unwritable_place_is_a_clear_error(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("x")
    with pytest.raises(WriteRefusedError) as caught:
        init_workbook(tmp_path / "file" / "crm.xlsx")
    assert "crm.xlsx" in caught.value.render("en")


def test_refuses_to_overwrite(tmp_path: Path) -> None:
    path = tmp_path / "crm.xlsx"
    path.write_bytes(b"mine")
    with pytest.raises(WriteRefusedError) as caught:
        init_workbook(path)
    assert "--overwrite" in caught.value.render("zh")
    assert path.read_bytes() == b"mine"
    init_workbook(path, overwrite=True)
    assert openpyxl.load_workbook(path).sheetnames[0] == "说明"


def test_refuses_a_file_open_in_excel(tmp_path: Path) -> None:
    (tmp_path / "~$crm.xlsx").write_bytes(b"owner")
    with pytest.raises(WriteRefusedError):
        init_workbook(tmp_path / "crm.xlsx", overwrite=True)


def test_refuses_other_suffixes(tmp_path: Path) -> None:
    with pytest.raises(UsageError):
        init_workbook(tmp_path / "crm.xls")


def test_separate_refuses_all_when_one_exists(tmp_path: Path) -> None:
    (tmp_path / "需求清单.xlsx").write_bytes(b"mine")
    with pytest.raises(WriteRefusedError):
        init_separate(tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["需求清单.xlsx"]


@pytest.mark.parametrize("lang", LANGS)
def test_separate_files(tmp_path: Path, lang: str) -> None:
    results = init_separate(tmp_path, lang=lang)
    for result, key in zip(results, SEPARATE_FILES, strict=True):
        assert result.path.name == f"{templates.separate_name(key, lang)}.xlsx"
        names = [SHEETS_BY_KEY[k].name(lang) for k in SEPARATE_FILES[key]]
        assert openpyxl.load_workbook(result.path).sheetnames[1 : 1 + len(names)] == names


def test_result_to_dict_and_render(tmp_path: Path) -> None:
    result = init_workbook(tmp_path / "crm.xlsx", sample=True, as_of=SAMPLE_AS_OF)
    data = result.to_dict()
    assert data["path"].endswith("crm.xlsx") and data["as_of"] == "2026-11-20 00:00:00"
    assert {"name": "客户档案", "rows": 200} in data["sheets"]
    assert data["deliberate_problems"] == len(build_sample(SAMPLE_AS_OF).problems)
    assert "客户档案（200 行）" in result.render("zh")
    assert "Created" in result.render("en")


def test_document_properties_are_fixed(tmp_path: Path) -> None:
    empty = init_workbook(tmp_path / "a.xlsx")
    dated = init_workbook(tmp_path / "b.xlsx", as_of=datetime(2026, 5, 1, 9, 30))
    assert openpyxl.load_workbook(empty.path).properties.created == TEMPLATE_CREATED
    assert openpyxl.load_workbook(dated.path).properties.created == datetime(2026, 5, 1, 9, 30)


def test_same_input_same_workbook(tmp_path: Path) -> None:
    kw: dict[str, Any] = {"sample": True, "as_of": SAMPLE_AS_OF, "sheets": ["客户档案", "配置"]}
    a = init_workbook(tmp_path / "a" / "crm.xlsx", **kw)
    b = init_workbook(tmp_path / "b" / "crm.xlsx", **kw)
    assert snapshot(a.path) == snapshot(b.path)


def test_user_text_never_becomes_a_formula_or_link(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    hostile = Sample(
        SAMPLE_AS_OF,
        1,
        {
            "customers": [
                {"customer_id": "=1+1", "name": '=HYPERLINK("http://x")', "notes": "-2+3"},
                {"customer_id": "C2", "name": "http://example.com", "website": "mailto:a@b.cn"},
            ]
        },
    )
    monkeypatch.setattr(templates, "_make_sample", lambda as_of: hostile)
    path = init_workbook(tmp_path / "x.xlsx", sample=True, sheets=["customers"]).path
    ws = openpyxl.load_workbook(path)["客户档案"]
    written = [c for row in ws.iter_rows(min_row=2) for c in row if c.value is not None]
    assert [c.value for c in written] == [
        "=1+1",
        '=HYPERLINK("http://x")',
        "-2+3",
        "C2",
        "http://example.com",
        "mailto:a@b.cn",
    ]
    assert {c.data_type for c in written} == {"s"}
    assert all(c.hyperlink is None for c in written)


# ------------------------------------------------------------------------------ sample workbook


def test_sample_values_are_typed(books: dict[str, Path]) -> None:
    wb = openpyxl.load_workbook(books["sample-zh"])
    customers = wb["客户档案"]
    spec = SHEETS_BY_KEY["customers"]
    first = customers.cell(2, spec.keys.index("first_contact") + 1)
    assert isinstance(first.value, datetime) and first.number_format == "yyyy-mm-dd"
    revenue = customers.cell(2, spec.keys.index("revenue") + 1)
    assert isinstance(revenue.value, int | float) and revenue.number_format == "#,##0"
    for key in ("tier_reason", "next_follow_up"):  # auto columns are left for refresh
        col = spec.keys.index(key) + 1
        assert all(customers.cell(r, col).value is None for r in range(2, 202))


def test_a_phone_stored_as_a_number_shows_all_digits(books: dict[str, Path]) -> None:
    ws = openpyxl.load_workbook(books["sample-zh"])["联系人"]
    col = SHEETS_BY_KEY["contacts"].keys.index("mobile") + 1
    numeric = [ws.cell(r, col) for r in range(2, ws.max_row + 1)]
    numeric = [c for c in numeric if isinstance(c.value, int)]
    assert numeric and all(c.number_format == "0" for c in numeric)


def test_english_sample_writes_english_labels(books: dict[str, Path]) -> None:
    ws = openpyxl.load_workbook(books["sample-en"])["Customers"]
    spec = SHEETS_BY_KEY["customers"]
    stages = {ws.cell(r, spec.keys.index("stage") + 1).value for r in range(2, 202)}
    leaders = {ws.cell(r, spec.keys.index("leader") + 1).value for r in range(2, 202)}
    assert stages == {"Prospect", "Interested", "Customer", "Lost"}
    assert leaders == {"Yes", "No", None}


# ------------------------------------------------------------------------------ LibreOffice


@pytest.fixture(scope="module")
def lo_copies(books: dict[str, Path], tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Every workbook of ``books`` plus one whose 配置 lists a team edited, through LibreOffice
    (recalculating on load), in one soffice call."""
    d = tmp_path_factory.mktemp("edited")
    edited = init_workbook(d / "edited.xlsx").path
    wb = openpyxl.load_workbook(edited)
    for row in wb["配置"].iter_rows(min_row=2):
        if row[0].value == "行业列表":
            row[1].value = "汽车，光伏、半导体; 餐饮"
        if row[0].value == "分级方案":
            row[1].value = "abcd"
        if row[0].value == "区域列表":
            row[1].value = None  # blank means the default list, as for the settings reader
    wb.save(edited)
    names = [*books, "edited"]
    paths = [*books.values(), edited]
    copies = roundtrip_xlsx(paths, tmp_path_factory.mktemp("lo"), recalc=True)
    return dict(zip(names, copies, strict=True))


@pytest.mark.libreoffice
def test_libreoffice_opens_every_workbook(
    books: dict[str, Path], lo_copies: dict[str, Path]
) -> None:
    for name, original in books.items():
        ours = openpyxl.load_workbook(original, read_only=True)
        theirs = openpyxl.load_workbook(lo_copies[name], read_only=True)
        assert theirs.sheetnames == ours.sheetnames, name
        for sheet in ours.sheetnames[1:]:
            mine = next(ours[sheet].iter_rows(max_row=1, values_only=True))
            back = next(theirs[sheet].iter_rows(max_row=1, values_only=True))
            assert back[: len(mine)] == mine, (name, sheet)


@pytest.mark.libreoffice
def test_libreoffice_has_the_dropdowns_to_the_last_row(
    books: dict[str, Path], tmp_path: Path
) -> None:
    """What LibreOffice holds once it opened the template, saved as ODS (its own format writes
    a validation per row; its xlsx export would cut every range at row 1001 whatever it read)."""
    (ods,) = convert([books["zh"]], "ods", tmp_path)
    with zipfile.ZipFile(ods) as z:
        content = z.read("content.xml").decode("utf-8")
    start = content.index('table:name="客户档案"')
    sheet = content[start : content.index("</table:table>", start)]
    rows = re.split(r"(?=<table:table-row)", sheet)[1:]
    validated = sum(
        int(re.search(r'number-rows-repeated="(\d+)"', row[: row.index(">")]).group(1))  # type: ignore[union-attr]
        if "number-rows-repeated" in row[: row.index(">")]
        else 1
        for row in rows
        if "content-validation-name" in row
    )
    assert validated == 1_048_575  # rows 2 to 1,048,576


@pytest.mark.libreoffice
def test_libreoffice_reads_the_sample_rows(lo_copies: dict[str, Path], sample: Sample) -> None:
    wb = openpyxl.load_workbook(lo_copies["sample-zh"], read_only=True)
    for key, rows in sample.rows.items():
        ids = [r[0] for r in wb[SHEETS_BY_KEY[key].zh].iter_rows(min_row=2, values_only=True)]
        assert [i for i in ids if i is not None] == [r[SHEETS_BY_KEY[key].keys[0]] for r in rows]


@pytest.mark.libreoffice
def test_editing_settings_changes_the_dropdowns(lo_copies: dict[str, Path]) -> None:
    wb = openpyxl.load_workbook(lo_copies["edited"], data_only=True)
    lists = wb[LISTS_NAMES[0]]
    assert [c.value for c in lists["A"][2:7]] == ["汽车", "光伏", "半导体", "餐饮", None]
    assert [c.value for c in lists["C"][2:6]] == ["A", "B", "C", "D"]
    assert [c.value for c in lists["B"][2 : 2 + len(S.regions)]] == list(S.regions)
    assert "crmxl_industries" in wb.defined_names


# ------------------------------------------------------------------------------ bundled files


def test_bundled_files_match_what_init_writes_now(tmp_path: Path) -> None:
    regenerate_bundled(tmp_path)
    for folder in ("templates", "sample_data"):
        made = sorted(
            p.relative_to(tmp_path) for p in (tmp_path / folder).rglob("*") if p.is_file()
        )
        bundled = sorted(p.relative_to(ROOT) for p in (ROOT / folder).rglob("*") if p.is_file())
        assert bundled == made, "run `make templates`"
        for rel in made:
            if rel.suffix == ".xlsx":
                assert snapshot(ROOT / rel) == snapshot(tmp_path / rel), rel
            else:
                assert (ROOT / rel).read_bytes() == (tmp_path / rel).read_bytes(), rel


def test_bundled_templates_are_all_there() -> None:
    for lang in LANGS:
        names = {p.name for p in (ROOT / "templates" / lang).glob("*.xlsx")}
        wanted = {"crm.xlsx"} | {f"{templates.separate_name(k, lang)}.xlsx" for k in SEPARATE_FILES}
        assert names == wanted


def test_leads_csv_in_utf8_bom_and_gbk() -> None:
    raw = (ROOT / "sample_data" / "leads.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf") and b"\r\n" in raw
    utf8 = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    gbk = list(
        csv.reader(io.StringIO((ROOT / "sample_data" / "leads-gbk.csv").read_bytes().decode("gbk")))
    )
    assert utf8 == gbk
    assert utf8[0] == [LEADS.column(k).zh for k in CSV_COLUMNS]
    assert 25 <= len(utf8) - 1 <= 35


def test_leads_csv_has_a_known_customer_and_a_repeat(sample: Sample) -> None:
    header, rows = leads_csv(SAMPLE_AS_OF)
    company, phone = (
        header.index(LEADS.column("company").zh),
        header.index(LEADS.column("phone").zh),
    )
    names = {c["name"] for c in sample.rows["customers"]}
    phones = contact_phones(sample)
    known = [r for r in rows if r[company] in names]
    assert len(known) == 1 and values.parse_phone(known[0][phone]) in phones
    bodies = [tuple(r[1:]) for r in rows]
    assert len(bodies) - len(set(bodies)) == 1
    assert len({r[0] for r in rows}) == len(rows)


# ------------------------------------------------------------------------------ sample data


def test_sample_is_deterministic() -> None:
    a, b = build_sample(SAMPLE_AS_OF), build_sample(SAMPLE_AS_OF)
    assert a.rows == b.rows and a.problems == b.problems and a.scenarios == b.scenarios
    assert build_sample(SAMPLE_AS_OF, seed=7).rows != a.rows


def test_sample_size_and_team(sample: Sample) -> None:
    assert len(sample.rows["customers"]) == 200
    assert 300 <= len(sample.rows["contacts"]) <= 500
    assert len(sample.rows["follow_ups"]) >= 3 * 200
    roles = [row[1] for row in TEAM]
    assert roles.count("销售经理") == 2 and roles.count("管理员") == 1
    assert [row[5] for row in TEAM].count("否") == 1


# The scenarios must hold whatever the as-of moment (init --sample uses now).
AS_OFS = [SAMPLE_AS_OF, datetime(2027, 3, 1, 10, 37), datetime(2028, 2, 29, 23, 59)]


def by_id(sample: Sample, sheet: str, key: str) -> dict[str, Any]:
    spec = SHEETS_BY_KEY[sheet]
    assert spec.id_column
    return next(r for r in sample.rows[sheet] if r[spec.id_column] == sample.scenarios[key])


def trailing(sample: Sample, cid: str) -> float:
    start = sample.as_of - timedelta(days=365)
    return sum(
        t["amount"]
        for t in sample.rows["transactions"]
        if t["customer_id"] == cid
        and start < datetime.combine(t["signed_on"], datetime.min.time()) <= sample.as_of
    )


def next_follow_up(sample: Sample, cid: str) -> tuple[date, int]:
    """(next follow-up date, days left) by SPEC 2.2 with the default settings."""
    customer = next(c for c in sample.rows["customers"] if c["customer_id"] == cid)
    logs = [f for f in sample.rows["follow_ups"] if f["customer_id"] == cid]
    if not logs:
        due = customer["first_contact"] + timedelta(days=1)
    else:
        latest = max(logs, key=lambda f: f["date"])
        amount = trailing(sample, cid)
        tier = customer["tier_override"] or (
            "A"
            if customer["leader"] == "是" or amount >= S.thresholds["A"]
            else "B"
            if amount >= S.thresholds["B"]
            else "C"
        )
        cadence = S.cadence(tier, customer["stage"])
        assert cadence is not None
        due = latest["date"].date() + timedelta(days=cadence)
        if latest["next_date"]:
            due = min(due, latest["next_date"])
    return due, (due - sample.as_of.date()).days


def contact_phones(sample: Sample) -> set[str]:
    out = set()
    for contact in sample.rows["contacts"]:
        with contextlib.suppress(values.BadValue):
            out.add(values.parse_phone(contact["mobile"]))
    return out


@pytest.mark.parametrize("as_of", AS_OFS)
def test_tier_thresholds_are_exercised(as_of: datetime) -> None:
    sample = build_sample(as_of)
    cid = sample.scenarios
    assert trailing(sample, cid["tier-a-exactly"]) == S.thresholds["A"] == 500_000
    assert trailing(sample, cid["tier-b-exactly"]) == S.thresholds["B"]
    assert trailing(sample, cid["tier-abcd-b-exactly"]) == DEFAULT_THRESHOLDS["ABCD"]["B"]
    assert trailing(sample, cid["tier-abcd-c-exactly"]) == DEFAULT_THRESHOLDS["ABCD"]["C"]
    ages = {
        (as_of.date() - t["signed_on"]).days
        for t in sample.rows["transactions"]
        if t["customer_id"] == cid["tier-365-days"]
    }
    assert {364, 365} <= ages
    fallen = by_id(sample, "customers", "tier-365-days")
    assert fallen["tier"] == "A" and trailing(sample, fallen["customer_id"]) < S.thresholds["A"]
    leader = by_id(sample, "customers", "industry-leader")
    assert leader["leader"] == "是" and trailing(sample, leader["customer_id"]) < S.thresholds["B"]
    assert by_id(sample, "customers", "tier-override")["notes"]


@pytest.mark.parametrize("as_of", AS_OFS)
def test_follow_up_states_are_exercised(as_of: datetime) -> None:
    sample = build_sample(as_of)
    days = {
        key: next_follow_up(sample, sample.scenarios[key])[1]
        for key in sample.scenarios
        if sample.scenarios[key].startswith("C")
    }
    assert days["due-today"] == 0 and days["new-yesterday"] == 0
    assert 0 < days["due-soon"] <= S.due_soon_days and days["new-today"] == 1
    assert -CADENCE["C"] <= days["overdue-within-cadence"] < 0
    assert days["overdue-beyond-cadence"] < -CADENCE["B"]
    assert days["next-date-missed"] == -2 and days["prospect-overdue"] < 0
    assert days["new-not-contacted"] < 0
    everyone = [
        next_follow_up(sample, c["customer_id"])[1]
        for c in sample.rows["customers"]
        if c["stage"] != "流失"
    ]
    assert sum(d < 0 for d in everyone) < len(everyone) / 3  # a team, not a disaster


@pytest.mark.parametrize("as_of", AS_OFS)
def test_stage_moves_are_exercised(as_of: datetime) -> None:
    sample = build_sample(as_of)
    won = by_id(sample, "customers", "stage-to-won")
    assert won["stage"] == "意向" and trailing(sample, won["customer_id"]) > 0
    lost = by_id(sample, "customers", "stage-to-lost")
    recent = by_id(sample, "customers", "terminated-recently")
    months = S.churn_months * 31
    assert (as_of.date() - lost["terminated_on"]).days > months
    assert (as_of.date() - recent["terminated_on"]).days < months - 31


#: 50 working minutes before each as-of, by hand: 2026-11-20 00:00 is a Friday's midnight, so
#: Thursday 18:00 − 50 min; 2027-03-01 10:37 is a Monday morning; 2028-02-29 23:59 a Tuesday night.
DUE_SOON_LOGGED = {
    AS_OFS[0]: datetime(2026, 11, 19, 17, 10),
    AS_OFS[1]: datetime(2027, 3, 1, 9, 47),
    AS_OFS[2]: datetime(2028, 2, 29, 17, 10),
}


@pytest.mark.parametrize("as_of", AS_OFS)
def test_issue_clocks_are_exercised(as_of: datetime) -> None:
    sample = build_sample(as_of)
    issues = sample.rows["issues"]
    assert {i["type"] for i in issues} == set(ENUMS["issue_types"].zh)
    assert {i["satisfaction"] for i in issues} >= {1, 2, 3, 4, 5}

    def window(key: str) -> tuple[dict[str, Any], float, float]:
        issue = by_id(sample, "issues", key)
        response, plan = S.sla_hours[issue["type"]]
        return issue, response, plan

    issue, response, _ = window("issue-response-breached")
    assert issue["type"] == "投诉" and issue["first_response_at"] is None
    assert issue["logged_at"] + timedelta(hours=response) < as_of
    # the sample's 配置 counts the SLA in working time (09:00-12:00, 13:30-18:00, weekdays):
    # logged 50 working minutes before as_of, of a 1-hour response, leaves 10 minutes (<= 25%)
    assert sample.settings.sla_clock == "工作时"
    issue, response, _ = window("issue-response-due-soon")
    assert response == 1
    assert issue["logged_at"] == DUE_SOON_LOGGED[as_of]
    issue, response, plan = window("issue-resolved-late")
    assert issue["plan_at"] > issue["logged_at"] + timedelta(hours=plan)
    issue, response, plan = window("issue-plan-breached")
    assert issue["plan_at"] is None and issue["logged_at"] + timedelta(hours=plan) < as_of
    assert (
        by_id(sample, "issues", "issue-resolved-before-logged")["resolved_at"]
        < by_id(sample, "issues", "issue-resolved-before-logged")["logged_at"]
    )
    # a complaint logged the evening before 国庆 2026, replied on the first working day after
    # it at 10:30: 1.5 working hours from 10-08 09:00, within the 2 hours
    holiday = by_id(sample, "issues", "issue-national-day")
    assert holiday["logged_at"] == datetime(2026, 9, 30, 20, 0)
    assert holiday["first_response_at"] == datetime(2026, 10, 8, 10, 30)


@pytest.mark.parametrize("as_of", AS_OFS)
def test_needs_around_the_three_day_chase(as_of: datetime) -> None:
    sample = build_sample(as_of)
    due = S.need_follow_up_days
    sent = {
        k: (as_of.date() - by_id(sample, "needs", k)["proposal_sent"]).days
        for k in ("need-due-today", "need-overdue", "need-fresh")
    }
    assert sent == {"need-due-today": due, "need-overdue": due + 2, "need-fresh": 1}


@pytest.mark.parametrize("as_of", AS_OFS)
def test_leads_are_exercised(as_of: datetime) -> None:
    sample = build_sample(as_of)
    lead = {k: by_id(sample, "leads", k) for k in sample.scenarios if k.startswith("lead-")}
    active = [row for row in TEAM if row[1] == "销售专员" and row[5] == "是"]

    def covers(region: str) -> list[str]:
        return [r[0] for r in active if region in r[3]]

    assert covers(lead["lead-no-owner"]["region"]) == []
    assert all(
        covers(lead[k]["region"]) for k in ("lead-industry-match", "lead-north", "lead-southwest")
    )
    phones = contact_phones(sample)
    assert values.parse_phone(lead["lead-duplicate-phone"]["phone"]) in phones
    assert lead["lead-duplicate-company"]["company"] in {
        c["name"] for c in sample.rows["customers"]
    }
    overdue = lead["lead-confirm-overdue"]
    assert overdue["confirmed_at"] is None
    assert overdue["assigned_at"] + timedelta(hours=S.lead_confirm_hours) < as_of
    assert as_of - lead["lead-awaiting"]["assigned_at"] < timedelta(hours=S.lead_confirm_hours)
    assert lead["lead-invalid"]["status"] == "无效" and lead["lead-invalid"]["invalid_reason"]
    cap = next(r[6] for r in TEAM if r[0] == "杨磊")
    open_leads = [
        r
        for r in sample.rows["leads"]
        if r["assigned_to"] == "杨磊" and r["status"] in ("待确认", "有效")
    ]
    assert len(open_leads) == cap
    converted = lead["lead-converted"]["converted_customer_id"]
    assert converted in {c["customer_id"] for c in sample.rows["customers"]}


@pytest.mark.parametrize("as_of", AS_OFS)
def test_contacts_reminders_and_churn_signals(as_of: datetime) -> None:
    sample = build_sample(as_of)
    contacts = sample.rows["contacts"]
    soon = {
        (as_of.date() + timedelta(days=d)).strftime("%m-%d") for d in range(S.reminder_days + 1)
    }
    week = {(as_of.date() + timedelta(days=d)).strftime("%m-%d") for d in range(7)}

    def monthday(value: Any) -> str:
        m, d = values.parse_monthday(value)
        return f"{m:02d}-{d:02d}"

    birthdays = [monthday(c["birthday"]) for c in contacts if c["birthday"]]
    assert any(b in soon for b in birthdays) and sum(b in week for b in birthdays) >= 3
    assert any(c["decision_role"] == "决策人" and c["employment"] == "离职" for c in contacts)
    founded = by_id(sample, "customers", "anniversary")["founded"]
    assert founded.strftime("%m-%d") in soon
    assert any(str(c["mobile"]).startswith("0") and "-" in str(c["mobile"]) for c in contacts)
    late = [
        f
        for f in sample.rows["follow_ups"]
        if f["entered_at"] and f["entered_at"] - f["date"] > timedelta(hours=S.entry_hours)
    ]
    assert late


def test_most_customer_names_are_legal_names(sample: Sample) -> None:
    endings = ("公司", "集团", "厂", "研究院", "Co., Ltd.")
    short = [c["customer_id"] for c in sample.rows["customers"] if not c["name"].endswith(endings)]
    assert short == sorted(sample.scenarios[k] for k in ("abbreviated-name", "abbreviated-name-2"))


def test_placeholders_are_used(sample: Sample) -> None:
    used = [
        (sheet, key)
        for sheet, rows in sample.rows.items()
        for row in rows
        for key, value in row.items()
        if values.is_placeholder(value) and SHEETS_BY_KEY[sheet].column(key).enum != "lead_status"
    ]
    assert sorted(used) == [
        ("customers", "address"),
        ("customers", "employees"),
        ("leads", "region"),
    ]


# ------------------------------------------------------------------------------ validate on it


@pytest.fixture(scope="module")
def sample_findings(books: dict[str, Path]) -> list[Any]:
    from crmxl.commands.validate import validate

    return list(validate([books["sample-zh"]], as_of=SAMPLE_AS_OF).findings)


def test_validate_reports_every_deliberate_problem(
    sample_findings: list[Any], sample: Sample
) -> None:
    found = {(f.cell, f.severity.value) for f in sample_findings}
    for problem in sample.problems:
        assert (problem_cell(problem, "zh"), problem.severity) in found, problem


def test_validate_reports_nothing_else(sample_findings: list[Any], sample: Sample) -> None:
    wanted = {problem_cell(p, "zh") for p in sample.problems}
    assert {f.cell for f in sample_findings} == wanted
