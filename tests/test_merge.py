"""``merge``: a split workbook edited as a salesperson would, taken back into the master.

Every test reads every cell of the master before and after the merge: exactly the person's
changes (and their 变更日志 rows) may differ, nothing else.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import openpyxl
import pandas as pd
import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st
from libreoffice import roundtrip_xlsx
from openpyxl.workbook.workbook import Workbook
from splitkit import (
    AS_OF,
    cells,
    column,
    diff,
    edit,
    get,
    put,
    row_where,
    rows,
    sample_master,
    split_for,
)

from crmxl.cli import cli
from crmxl.errors import WorkspaceError
from crmxl.model.schema import ColType
from crmxl.splitmerge import manifest as mf
from crmxl.splitmerge.merge import merge, merge_files
from crmxl.splitmerge.split import split
from crmxl.workbook import fingerprint

LOG = "变更日志"


def log_rows(path: Path) -> list[tuple[Any, ...]]:
    ws = openpyxl.load_workbook(path)[LOG]
    return [r for r in ws.iter_rows(min_row=2, values_only=True) if any(r)]


def other_stage(stage: str) -> str:
    return "成交" if stage != "成交" else "意向"


def salesperson_edits(wb: Workbook) -> dict[str, Any]:
    """Change a stage, fix a phone, add a follow-up; returns what was done."""
    customers, contacts, follow_ups = wb["客户档案"], wb["联系人"], wb["跟进记录"]
    row = next(rows(customers))
    customer = get(customers, row, "customer_id")
    stage = other_stage(get(customers, row, "stage"))
    put(customers, row, "stage", stage)
    crow = next(rows(contacts))
    contact = (get(contacts, crow, "customer_id"), get(contacts, crow, "name"))
    put(contacts, crow, "mobile", "13900001111")
    new = follow_ups.max_row + 1
    values = {
        "customer_id": customer,
        "date": AS_OF - timedelta(days=1, hours=-10),
        "channel": "电话",
        "summary": "电话回访，确认续约意向",
        "recorded_by": "李娜",
    }
    for key, value in values.items():
        put(follow_ups, new, key, value)
    return {"customer": customer, "stage": stage, "contact": contact, "summary": values["summary"]}


def expected_cells(master: Path, done: dict[str, Any]) -> dict[tuple[str, str], Any]:
    """The master cells the edits of :func:`salesperson_edits` must change (log aside)."""
    wb = openpyxl.load_workbook(master)
    customers, contacts, follow_ups = wb["客户档案"], wb["联系人"], wb["跟进记录"]
    r = row_where(customers, "customer_id", done["customer"])
    out = {("客户档案", customers.cell(r, column(customers, "stage")).coordinate): done["stage"]}
    for r in rows(contacts):
        if (get(contacts, r, "customer_id"), get(contacts, r, "name")) == done["contact"]:
            out[("联系人", contacts.cell(r, column(contacts, "mobile")).coordinate)] = "13900001111"
            break
    new = follow_ups.max_row + 1
    for key in ("record_id", "customer_id", "date", "channel", "summary", "recorded_by"):
        out[("跟进记录", follow_ups.cell(new, column(follow_ups, key)).coordinate)] = key
    return out


def check_exact(master: Path, before: dict, done: dict[str, Any], expected: dict) -> None:
    after = cells(master)
    changed = diff(before, after)
    data = {k: v for k, v in changed.items() if k[0] != LOG}
    assert set(data) == set(expected)
    for key, want in expected.items():
        if key[0] != "跟进记录":
            assert data[key] == (before.get(key), want)
    summary = [v[1] for k, v in data.items() if k[0] == "跟进记录"]
    assert done["summary"] in summary and "GJ00966" in summary  # the next free 记录编号
    log = [v[1] for k, v in changed.items() if k[0] == LOG]
    assert log.count("merge") == 3  # two fields and one new row, one log row each


def test_round_trip_in_openpyxl_applies_exactly_the_persons_changes(master: Path) -> None:
    path = split_for(master)
    before = cells(master)
    done: dict[str, Any] = {}
    edit(path, lambda wb: done.update(salesperson_edits(wb)))
    expected = expected_cells(master, done)
    result = merge([master], [path])
    assert result.clean and len(result.files[0].applied) == 2 and len(result.files[0].added) == 1
    check_exact(master, before, done, expected)


@pytest.mark.libreoffice
def test_round_trip_through_a_libreoffice_save(master: Path, tmp_path: Path) -> None:
    path = split_for(master)
    done: dict[str, Any] = {}
    edit(path, lambda wb: done.update(salesperson_edits(wb)))
    saved = roundtrip_xlsx([path], tmp_path / "lo")[0]
    before = cells(master)
    expected = expected_cells(master, done)
    result = merge([master], [saved])
    assert result.clean, result.render("en")
    check_exact(master, before, done, expected)


def test_an_untouched_libreoffice_copy_changes_nothing(master: Path, tmp_path: Path) -> None:
    path = split_for(master, "张伟")
    saved = roundtrip_xlsx([path], tmp_path / "lo")[0]
    seen = fingerprint(master)
    result = merge([master], [saved])
    assert result.clean and not result.files[0].applied and not result.files[0].added
    assert fingerprint(master).sha256 == seen.sha256


def test_merging_the_same_file_twice_changes_nothing_the_second_time(master: Path) -> None:
    path = split_for(master)
    edit(path, salesperson_edits)
    first = merge([master], [path])
    assert len(first.files[0].applied) == 2
    before = cells(master)
    second = merge_files([path, master])  # any order: the manifest tells which is returned
    report = second.files[0]
    assert not report.applied and not report.added and not second.saved
    assert (report.already_applied, report.already_added) == (2, 1)
    assert diff(before, cells(master)) == {}


def test_both_changed_a_field_is_a_conflict_other_fields_still_apply(master: Path) -> None:
    path = split_for(master)
    wb = openpyxl.load_workbook(path)
    first = next(rows(wb["客户档案"]))
    customer = get(wb["客户档案"], first, "customer_id")
    theirs = other_stage(get(wb["客户档案"], first, "stage"))

    def in_master(wb: Workbook) -> None:
        ws = wb["客户档案"]
        put(ws, row_where(ws, "customer_id", customer), "stage", "流失")

    def by_person(wb: Workbook) -> None:
        ws = wb["客户档案"]
        r = row_where(ws, "customer_id", customer)
        put(ws, r, "stage", theirs)
        put(ws, r, "tags", "重点客户")

    edit(master, in_master)
    edit(path, by_person)
    before = cells(master)
    report = merge([master], [path]).files[0]
    assert [(c.record, c.old, c.new) for c in report.conflicts] == [(customer, "流失", theirs)]
    assert [(c.record, c.new) for c in report.applied] == [(customer, "重点客户")]
    changed = {k: v for k, v in diff(before, cells(master)).items() if k[0] != LOG}
    assert list(changed.values()) == [(before.get(next(iter(changed))), "重点客户")]


def test_another_persons_row_is_not_applied(master: Path) -> None:
    path = split_for(master)
    wb = openpyxl.load_workbook(path)
    mine = get(wb["客户档案"], next(rows(wb["客户档案"])), "customer_id")
    theirs = next(
        get(ws, r, "customer_id")
        for ws in [openpyxl.load_workbook(master)["客户档案"]]
        for r in rows(ws)
        if get(ws, r, "owner") == "陈静"
    )

    def reassign(wb: Workbook) -> None:  # the admin gives the customer to 陈静 after the split
        ws = wb["客户档案"]
        put(ws, row_where(ws, "customer_id", mine), "owner", "陈静")

    def by_person(wb: Workbook) -> None:
        ws = wb["客户档案"]
        put(ws, row_where(ws, "customer_id", mine), "notes", "我改的")
        follow_ups = wb["跟进记录"]
        new = follow_ups.max_row + 1
        for key, value in {
            "customer_id": theirs,
            "date": AS_OF,
            "channel": "电话",
            "summary": "不是我的客户",
            "recorded_by": "李娜",
        }.items():
            put(follow_ups, new, key, value)

    edit(master, reassign)
    edit(path, by_person)
    before = cells(master)
    result = merge([master], [path])
    codes = sorted(r.code for r in result.files[0].rejected)
    assert codes == ["merge-new-not-yours", "merge-not-yours"]
    assert not result.clean and diff(before, cells(master)) == {}


def test_sensitive_key_and_auto_columns_and_deletions_are_refused(master: Path) -> None:
    path = split_for(master)

    def by_person(wb: Workbook) -> None:
        customers = wb["客户档案"]
        for ws in wb.worksheets:
            ws.protection.sheet = False  # no password: anyone can lift it
        r = next(rows(customers))
        extra = customers.max_column + 1
        customers.cell(1, extra, "年合作金额")  # a sensitive column, added back by hand
        customers.cell(r, extra, 999_999)
        put(customers, r, "owner", "李娜2")  # key column
        put(customers, r, "tier", "A")  # (auto) column
        contacts = wb["联系人"]
        put(contacts, next(rows(contacts)), "customer_id", "C9999")  # key column
        follow_ups = wb["跟进记录"]
        follow_ups.delete_rows(next(rows(follow_ups)))
        deals = wb["交易记录"]
        new = deals.max_row + 1
        put(deals, new, "contract_id", "HT-NEW")
        put(deals, new, "customer_id", get(customers, r, "customer_id"))

    edit(path, by_person)
    before = cells(master)
    result = merge([master], [path])
    codes = sorted(r.code for r in result.files[0].rejected)
    assert codes == sorted(
        [
            "merge-removed-column",
            "merge-key-column",
            "merge-auto-column",
            "merge-key-column",
            "merge-deleted",
            "merge-new-not-allowed",
        ]
    )
    assert not result.files[0].applied and diff(before, cells(master)) == {}


def test_new_rows_get_an_id_when_theirs_is_blank_or_taken(master: Path) -> None:
    path = split_for(master)

    def by_person(wb: Workbook) -> None:
        customer = get(wb["客户档案"], next(rows(wb["客户档案"])), "customer_id")
        needs = wb["需求清单"]
        for need_id in (None, "XQ0001", "XQ-李娜-1"):
            new = needs.max_row + 1
            for key, value in {
                "need_id": need_id,
                "customer_id": customer,
                "description": f"需求 {need_id}",
                "priority": "中",
                "status": "待评估",
                "owner": "李娜",
            }.items():
                put(needs, new, key, value)

    edit(path, by_person)
    master_ids = {
        get(ws, r, "need_id")
        for ws in [openpyxl.load_workbook(master)["需求清单"]]
        for r in rows(ws)
    }
    added = merge([master], [path]).files[0].added
    assert [n.new_id for n in added] == [True, "XQ0001" in master_ids, False]
    assert added[2].record == "XQ-李娜-1"
    assert len({n.record for n in added} | master_ids) == len(master_ids) + 3


def test_a_file_from_another_master_is_refused(master: Path, tmp_path: Path, cache: Path) -> None:
    other = sample_master(tmp_path / "other", cache)
    edit(other, lambda wb: put(wb["客户档案"], 2, "name", "别的公司有限公司"))
    stranger = split([other], tmp_path / "other-out", owners=["李娜"], as_of=AS_OF).files[0].path
    split_for(master)  # this master has splits of its own
    seen = fingerprint(master)
    with pytest.raises(WorkspaceError, match="not split from this master"):
        merge([master], [stranger])
    assert fingerprint(master).sha256 == seen.sha256


def test_an_altered_manifest_is_refused(master: Path) -> None:
    path = split_for(master)
    edit(path, lambda wb: wb[mf.MANIFEST_SHEET].cell(3, 2, "陈静"))
    with pytest.raises(WorkspaceError, match="altered"):
        merge([master], [path])


def test_dry_run_writes_nothing(master: Path) -> None:
    path = split_for(master)
    edit(path, salesperson_edits)
    seen = fingerprint(master)
    result = merge([master], [path], dry_run=True)
    assert len(result.files[0].applied) == 2 and result.saved[0].dry_run
    assert fingerprint(master).sha256 == seen.sha256


def test_every_applied_change_is_logged_with_the_file(master: Path) -> None:
    path = split_for(master)
    edit(path, salesperson_edits)
    merge([master], [path])
    merged = [r for r in log_rows(master) if r[1] == "merge"]
    assert len(merged) == 3 and all("李娜.xlsx" in r[7] for r in merged)


def test_cli_merge_exit_codes_and_json_parity(master: Path) -> None:
    path = split_for(master)
    edit(path, salesperson_edits)
    library = merge([master], [path], dry_run=True).to_dict("zh")
    res = CliRunner().invoke(cli, ["merge", str(master), str(path), "--dry-run", "--json"])
    assert res.exit_code == 0, res.output
    data = json.loads(res.output)
    for d in (data, library):
        d.pop("seconds")
        for s in d["saved"]:
            s.pop("seconds")
    assert data == library
    edit(path, lambda wb: wb["跟进记录"].delete_rows(2))
    res = CliRunner().invoke(cli, ["merge", str(path), str(master)])
    assert res.exit_code == 1 and "跟进记录" in res.output
    res = CliRunner().invoke(cli, ["merge", str(master), str(master.with_name("x.xlsx"))])
    assert res.exit_code != 0


# ------------------------------------------------------------------------------ manifest

_values = st.one_of(
    st.none(),
    st.text(max_size=12),
    st.sampled_from(
        [
            "350",
            " 350 ",
            "1.50",
            "007",
            "2024-03-05 00:00:00",
            "2024-03-05 10:30:00",
            "待核实",
            "a\r\nb",
            "\u3000x\u3000",
        ]
    ),
    st.floats(allow_nan=True, allow_infinity=False, width=32),
    st.integers(min_value=-(10**12), max_value=10**12),
    st.datetimes(min_value=datetime(1990, 1, 1), max_value=datetime(2100, 1, 1)),
)


@settings(max_examples=200, deadline=None)
@given(st.lists(_values, max_size=8), st.sampled_from(list(ColType)))
def test_canonical_series_is_canonical_cell_by_cell(items: list[Any], ctype: ColType) -> None:
    """The vectorised path (split, merge) must agree with the one-cell path (merge)."""
    frames = [pd.Series(items, dtype=object)]
    texts = [v for v in items if isinstance(v, str) or v is None]
    if len(texts) == len(items):
        frames.append(pd.Series(items, dtype="str"))
    numbers = [v for v in items if isinstance(v, float | int) and not isinstance(v, bool)]
    if numbers:
        frames.append(pd.Series(numbers, dtype="float64"))
    moments = [v for v in items if isinstance(v, datetime)]
    if moments:
        frames.append(pd.Series(moments, dtype="datetime64[ms]"))
    for series in frames:
        one_by_one = [
            mf.canonical(None if isinstance(v, float) and np.isnan(v) else v, ctype)
            for v in series.tolist()
        ]
        assert mf.canonical_series(series, ctype).tolist() == one_by_one
        assert list(mf.hash_series(series, ctype)) == [mf.field_hash(c) for c in one_by_one]


@pytest.mark.parametrize("dtype", ["datetime64[ms]", "float64", "str", "object", "bool"])
def test_an_empty_column_has_no_hashes(dtype: str) -> None:
    assert list(mf.hash_series(pd.Series([], dtype=dtype), ColType.DATETIME)) == []


def test_a_reader_s_changes_are_not_edits() -> None:
    same = [
        (350, "350"),
        (350.0, "350"),
        (datetime(2024, 3, 5), "2024-03-05 00:00:00"),
        (13812345678, "13812345678"),
        (0.1 + 0.2, 0.3),
        ("  x ", "x"),
    ]
    for a, b in same:
        assert mf.canonical(a, ColType.TEXT) == mf.canonical(b, ColType.TEXT)
    assert mf.canonical("007", ColType.ID) != mf.canonical(7, ColType.ID)
    assert mf.canonical(datetime(2024, 3, 5, 10), ColType.DATE) == "2024-03-05"


def test_a_master_refreshed_since_the_split_still_takes_the_file(master: Path) -> None:
    from crmxl.commands.refresh import refresh

    path = split_for(master)
    refresh([master], as_of=AS_OF + timedelta(days=3), backup=False)  # rewrites (auto) cells

    def by_person(wb: Workbook) -> None:
        contacts = wb["联系人"]
        put(contacts, next(rows(contacts)), "mobile", "13900002222")

    edit(path, by_person)
    result = merge([master], [path])
    assert result.clean and [c.new for c in result.files[0].applied] == ["13900002222"]
