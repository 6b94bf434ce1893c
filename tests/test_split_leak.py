"""Least privilege means no money in a salesperson's workbook (issue 15.3).

A refreshed master (whose 等级依据 quotes the amounts) is split; every part of every
salesperson's workbook (every sheet's XML, shared strings, inline strings, comments, defined
names, the hidden manifest, the document properties) is scanned for each amount of the master,
in every way it could be printed (741000, 741,000, ¥741,000, 74.1万, 741000.0), and for each
value of each removed column. The manager's workbook keeps them (so the scan can find them).
"""

from __future__ import annotations

import re
import zipfile
from datetime import date, datetime
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from conftest import build_workbook
from crm_small import customer, deal, follow_up, lead, need
from libreoffice import convert

from crmxl.commands.merge import merge
from crmxl.commands.refresh import refresh
from crmxl.commands.split import split
from crmxl.model.schema import SHEETS_BY_KEY, match_column

AS_OF = datetime(2026, 11, 20, 10, 0)


def client(cid: str, owner: str, annual: int, **kw: Any) -> dict[str, Any]:
    return customer(cid, "成交", owner, annual_amount=annual, **kw)


DATA: dict[str, list[dict[str, Any]]] = {
    "customers": [
        client("C001", "甲", 777_001),  # 741,000 in 12 months: A
        # 123,457 + 56,789: B; the deal without its ID is an error, so refresh leaves C002's
        # cells as an earlier refresh wrote them
        client(
            "C002",
            "甲",
            612_007,
            budget="约37.7万",
            tier="B",
            tier_reason="近12月成交 ¥180,246 ≥ ¥100,000",
        ),
        client("C003", "乙", 333_331),  # 98,761: C
        client("C004", "乙", 250_013, leader="是"),  # no deal, a leader: A
    ],
    "transactions": [
        deal("HT1", "C001", date(2026, 10, 1), 741_000),
        deal("HT2", "C002", date(2026, 9, 1), 123_457),
        deal(None, "C002", date(2026, 7, 1), 56_789),  # keyed by its customer and date, not 金额
        deal("HT3", "C003", date(2026, 8, 1), 98_761),
    ],
    "needs": [need("XQ1", "C001", "方案中", "甲", budget=432_101, quote=456_789)],
    "leads": [
        lead(
            "L1",
            datetime(2026, 11, 19, 9, 0),
            "待确认",
            assigned_to="甲",
            assigned_at=datetime(2026, 11, 20, 9, 0),
            budget=65_432,
        )
    ],
    "follow_ups": [
        follow_up(c, datetime(2026, 11, 16, 9, 0), o)
        for c, o in (("C001", "甲"), ("C002", "甲"), ("C003", "乙"), ("C004", "乙"))
    ],
    "contacts": [
        {"customer_id": c, "name": "王经理", "mobile": f"1390000000{i}"}
        for i, c in enumerate(("C001", "C002", "C003", "C004"), 1)
    ],
    "issues": [],
    "team": [
        {"name": "甲", "role": "销售专员", "team": "一组"},
        {"name": "乙", "role": "销售专员", "team": "一组"},
        {"name": "丙", "role": "销售经理", "team": "一组"},
    ],
}
#: Every amount of the master: deals, 年合作金额, 近12月成交额 (by hand), 预算, 报价.
AMOUNTS = [741_000, 123_457, 56_789, 98_761, 180_246, 777_001, 612_007, 333_331, 250_013]
AMOUNTS += [432_101, 456_789, 65_432]
#: Values of removed columns that are not amounts.
TEXTS = ["约37.7万"]


def printed(amount: float) -> list[str]:
    """Every way an amount could be printed."""
    forms = {
        f"{amount:.0f}",
        f"{amount:,.0f}",
        f"¥{amount:,.0f}",
        f"{amount / 10_000:g}万",
        f"{float(amount)!r}",
    }
    return sorted(forms)


def patterns() -> list[tuple[str, re.Pattern[bytes]]]:
    out = []
    for amount in AMOUNTS:
        for form in printed(amount):
            body = re.escape(form.encode())
            out.append((form, re.compile(rb"(?<![0-9.,])" + body + rb"(?![0-9])")))
    out += [(text, re.compile(re.escape(text.encode()))) for text in TEXTS]
    return out


def leaks(path: Path) -> dict[str, list[str]]:
    """Part name -> the amounts and removed values found in it (every part of the zip)."""
    found: dict[str, list[str]] = {}
    with zipfile.ZipFile(path) as zf:
        for name in zf.namelist():
            data = zf.read(name)
            hits = [form for form, pattern in patterns() if pattern.search(data)]
            if hits:
                found[name] = hits
    return found


def read(path: Path, sheet: str, key: str) -> list[Any]:
    spec = SHEETS_BY_KEY[sheet]
    ws = openpyxl.load_workbook(path)[spec.zh]
    for cell in ws[1]:
        col = match_column(spec, cell.value)
        if col is not None and col.key == key:
            return [ws.cell(r, cell.column).value for r in range(2, ws.max_row + 1)]
    raise AssertionError(f"no {key} on {sheet}")


@pytest.fixture(scope="module")
def split_files(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Path]]:
    folder = tmp_path_factory.mktemp("leak")
    master = build_workbook(folder / "crm.xlsx", DATA)
    refresh([master], as_of=AS_OF)
    reasons = read(master, "customers", "tier_reason")
    assert "近12月成交 ¥741,000 ≥ ¥500,000" in reasons  # the master's reason quotes the amount
    result = split([master], folder / "拆分", as_of=AS_OF)
    return master, {f.owner: f.path for f in result.files}


def test_the_scan_finds_money_where_it_may_be(split_files: tuple[Path, dict[str, Path]]) -> None:
    """The manager keeps the sensitive columns: the same scan finds the amounts there."""
    _, files = split_files
    found = {form for forms in leaks(files["丙"]).values() for form in forms}
    assert {"741000", "¥741,000", "56789", "约37.7万"} <= found


@pytest.mark.parametrize("rep", ["甲", "乙"])
def test_no_amount_reaches_a_salesperson(
    split_files: tuple[Path, dict[str, Path]], rep: str
) -> None:
    _, files = split_files
    assert leaks(files[rep]) == {}


def test_the_reps_tier_reason_names_the_rule_not_the_figure(
    split_files: tuple[Path, dict[str, Path]],
) -> None:
    _, files = split_files
    assert read(files["甲"], "customers", "tier_reason") == [
        "A：近12月成交额达标",
        "B：近12月成交额达标",
    ]
    assert read(files["乙"], "customers", "tier_reason") == [
        "C：近12月成交额未达B级",
        "行业头部企业",
    ]


def test_a_reps_refresh_brings_no_money_back_and_merge_takes_no_edit(
    split_files: tuple[Path, dict[str, Path]], tmp_path: Path
) -> None:
    master, files = split_files
    mine = tmp_path / "甲.xlsx"
    mine.write_bytes(files["甲"].read_bytes())
    before = read(mine, "customers", "tier_reason")
    result = refresh([mine], as_of=AS_OF)
    assert {s.what for s in result.skipped} >= {"skip-tiers", "skip-trailing"}
    assert leaks(mine) == {}
    assert read(mine, "customers", "tier_reason") == before
    assert read(mine, "customers", "tier") == ["A", "B"]
    assert len(convert([mine], "csv", tmp_path / "lo")) == 1  # LibreOffice opens it
    merged = merge([master], [mine], dry_run=True)
    report = merged.files[0]
    assert report.applied == [] and report.rejected == [] and report.conflicts == []
