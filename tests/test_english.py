"""``--lang en``: every line a command prints is English, but for the user's own data.

Each command runs on a Chinese workbook and on an English one (``crmxl init --sample --lang
en``); every run of Chinese characters (and full-width punctuation) in the output must be found
in the data: a cell, a header or a sheet name of the workbook, or a cell of the CSV imported.
Refresh's tier and stage reasons are the text refresh writes into the workbook's own cells (in
the workbook's language), so refresh is checked on the English workbook only.
"""

from __future__ import annotations

import csv
import re
import shutil
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner

from crmxl.cli import cli

REPO = Path(__file__).resolve().parents[1]
CJK = re.compile(r"[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]+")


def _data_text(workbook: Path, csv_file: Path) -> str:
    wb = openpyxl.load_workbook(workbook, read_only=True)
    texts = set(wb.sheetnames)
    for ws in wb.worksheets:
        for row in ws.iter_rows(values_only=True):
            texts.update(v for v in row if isinstance(v, str))
    with csv_file.open(encoding="utf-8-sig", newline="") as fh:
        for row in csv.reader(fh):
            texts.update(row)
    return "\n".join(texts)


@pytest.fixture(scope="module", params=["zh", "en"])
def place(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp(f"english-{request.param}")
    if request.param == "zh":
        shutil.copy(REPO / "sample_data" / "crm-sample.xlsx", folder / "crm.xlsx")
    else:
        made = CliRunner().invoke(
            cli, ["init", str(folder / "crm.xlsx"), "--sample", "--lang", "en"]
        )
        assert made.exit_code == 0, made.output
    shutil.copy(REPO / "sample_data" / "leads.csv", folder / "leads.csv")
    return folder


def _runs(folder: Path) -> list[list[str]]:
    crm, leads = str(folder / "crm.xlsx"), str(folder / "leads.csv")
    sheet = (
        "线索"
        if openpyxl.load_workbook(crm, read_only=True).sheetnames[1] == "客户档案"
        else "Leads"
    )
    runs = [
        ["validate", crm],
        ["report", crm, "-o", str(folder / "r.xlsx"), "--as-of", "2026-11-20"],
        ["todo", crm, "--as-of", "2026-11-20"],
        ["assign", crm, "--dry-run", "--as-of", "2026-11-20 09:00"],
        ["import", leads, "--into", crm, "--sheet", sheet, "--dry-run"],
        ["split", crm, "-o", str(folder / "split")],
        ["init", str(folder / "new.xlsx"), "--overwrite"],
    ]
    if sheet == "Leads":
        runs.append(["refresh", crm, "--dry-run", "--as-of", "2026-11-20"])
    return runs


def test_english_output_has_no_chinese_but_the_users_data(place: Path) -> None:
    data = _data_text(place / "crm.xlsx", place / "leads.csv")
    runner = CliRunner()
    printed = []
    for args in _runs(place):
        res = runner.invoke(cli, ["--lang", "en", *args])
        assert res.exit_code in (0, 1), (args, res.output)
        printed.append(res.output)
    returned = sorted((place / "split").glob("*.xlsx"))[0]
    merged = runner.invoke(
        cli, ["--lang", "en", "merge", str(place / "crm.xlsx"), str(returned), "--dry-run"]
    )
    printed.append(merged.output)
    output = "\n".join(printed)
    assert "Error" not in output
    foreign = sorted({run for run in CJK.findall(output) if run not in data})
    assert foreign == []
