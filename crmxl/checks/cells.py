"""The checks of one sheet's cells (SPEC 1, 4): every finding names its sheet and cell.

Required values, types (dates, amounts, phones, e-mails, URLs, yes/no: the problems
:func:`crmxl.model.frames.typed` reports), enumerations (fixed and from 配置), numbers out of
range, future dates, unique IDs and placeholders (待核实/待确认, a warning). Checks across
sheets are in :mod:`crmxl.checks.cross`.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import replace
from datetime import datetime
from typing import Any

import pandas as pd

from crmxl.i18n import register
from crmxl.model import values
from crmxl.model.findings import Finding, Severity
from crmxl.model.frames import Typed
from crmxl.model.schema import ENUMS, ColType
from crmxl.model.workspace import Table, Workspace

#: Date columns after as_of that are errors (others are warnings).
FUTURE_IS_ERROR = {
    ("customers", "first_contact"),
    ("customers", "created"),
    ("follow_ups", "date"),
    ("follow_ups", "entered_at"),
    ("issues", "logged_at"),
    ("issues", "first_response_at"),
    ("issues", "plan_at"),
    ("issues", "resolved_at"),
    ("leads", "captured_at"),
    ("leads", "assigned_at"),
    ("leads", "confirmed_at"),
    ("needs", "proposal_sent"),
}
FUTURE_CHECKED = FUTURE_IS_ERROR | {("transactions", "signed_on"), ("customers", "terminated_on")}


def finding(
    table: Table, key: str, row: int, code: str, severity: Severity, value: Any, **params: Any
) -> Finding:
    finding = Finding.make(
        table.sheet_name,
        table.cell(key, row),
        code,
        severity,
        values.display_value(value),
        row=row,
        column=table.header(key),
        field=table.column(key).name(table.lang),
        **params,
    )
    return replace(finding, file=table.file)


def cell_findings(
    tt: Typed, ws: Workspace, as_of: datetime, keys: Collection[str] | None = None
) -> list[Finding]:
    """The findings of one sheet's cells; only in the columns ``keys`` when given."""
    table, frame = tt.table, tt.frame
    settings = ws.settings
    out: list[Finding] = []
    for p in tt.problems:
        if keys is not None and p.key not in keys:
            continue
        col = table.spec.column(p.key)
        params: dict[str, Any] = {}
        if p.code == "bad-enum":
            allowed = settings.enum_values(col.enum or "") or (
                ENUMS[col.enum].zh if col.enum in ENUMS else ()
            )
            params["allowed"] = "、".join(allowed)
        out.append(finding(table, p.key, p.row, p.code, Severity.ERROR, p.value, **params))
    placeholder_cells = {(p.key, p.row) for p in tt.placeholders}
    for p in tt.placeholders:
        if keys is None or p.key in keys:
            out.append(finding(table, p.key, p.row, "placeholder", Severity.WARNING, p.value))
    problem_cells = {(p.key, p.row) for p in tt.problems}
    for col in table.spec.columns:
        if col.key not in table.columns or (keys is not None and col.key not in keys):
            continue
        series = frame[col.key]
        raw = table.data[col.key]  # the cells as read, for the messages (taken once: a column
        # of a wide frame is slow to take cell by cell)
        if col.required:
            missing = series.isna()
            for row in series.index[missing]:
                if (col.key, row) in placeholder_cells or (col.key, row) in problem_cells:
                    continue
                out.append(finding(table, col.key, int(row), "missing-value", Severity.ERROR, None))
        if col.type in (ColType.INT, ColType.AMOUNT, ColType.NUMBER) and not col.auto:
            numbers = pd.to_numeric(series, errors="coerce")
            never = pd.Series(False, index=numbers.index)
            low = numbers < col.min if col.min is not None else never
            high = numbers > col.max if col.max is not None else never
            for row in series.index[low | high]:
                out.append(
                    finding(
                        table,
                        col.key,
                        int(row),
                        "out-of-range",
                        Severity.ERROR,
                        values.plain(raw.at[row]),
                        bound=_bound(col.min, col.max),
                    )
                )
        if (table.spec.key, col.key) in FUTURE_CHECKED and col.key in frame:
            limit = (
                pd.Timestamp(as_of) if col.type is ColType.DATETIME else pd.Timestamp(as_of.date())
            )
            future = series > limit
            severity = (
                Severity.ERROR if (table.spec.key, col.key) in FUTURE_IS_ERROR else Severity.WARNING
            )
            for row in series.index[future.fillna(False)]:
                out.append(
                    finding(
                        table,
                        col.key,
                        int(row),
                        "future-date",
                        severity,
                        values.plain(raw.at[row]),
                        as_of=_day(as_of),
                    )
                )
    id_key = table.spec.id_column
    if id_key and id_key in table.columns and (keys is None or id_key in keys):
        ids = frame[id_key]
        dup = ids.notna() & ids.duplicated(keep="first")
        first_row = {v: r for r, v in ids[ids.notna()][::-1].items()}
        for row in ids.index[dup]:
            value = ids.at[row]
            out.append(
                finding(
                    table,
                    id_key,
                    int(row),
                    "duplicate-id",
                    Severity.ERROR,
                    value,
                    first=table.cell(id_key, int(first_row[value])),
                )
            )
    return out


def _bound(low: float | None, high: float | None) -> str:
    if low is not None and high is not None:
        return f"{_num(low)}–{_num(high)}"
    return f"≥ {_num(low)}" if low is not None else f"≤ {_num(high)}"


def _num(x: float | None) -> str:
    if x is None:
        return ""
    return str(int(x)) if float(x).is_integer() else str(x)


def _day(moment: datetime) -> str:
    """``as_of`` for a message: the day, or the day and time to the minute."""
    if moment.time() == datetime.min.time():
        return moment.date().isoformat()
    return moment.strftime("%Y-%m-%d %H:%M")


def _raw(table: Table, key: str, row: Any) -> Any:
    return values.plain(table.data.at[row, key])


register(
    {
        "missing-value": ("必填项“{field}”为空", "Required {field} is empty"),
        "bad-date": (
            "“{value}”不是有效日期（可写 2024-03-05、2024/3/5、2024年3月5日）",
            "{value!r} is not a date (write 2024-03-05, 2024/3/5 or 2024年3月5日)",
        ),
        "bad-amount": (
            "“{value}”不是有效金额（可写 1200000、¥1,200,000、120万）",
            "{value!r} is not an amount (write 1200000, ¥1,200,000 or 120万)",
        ),
        "bad-int": ("“{value}”不是整数", "{value!r} is not a whole number"),
        "bad-number": ("“{value}”不是数字", "{value!r} is not a number"),
        "bad-phone": (
            "“{value}”不是有效电话（手机11位，座机需带区号如 010-12345678）",
            "{value!r} is not a phone number (11-digit mobile, or landline with area "
            "code such as 010-12345678)",
        ),
        "landline-needs-area-code": (
            "座机“{value}”缺少区号（如 010-12345678）",
            "Landline {value!r} needs its area code (010-12345678)",
        ),
        "bad-email": ("“{value}”不是有效邮箱", "{value!r} is not an e-mail address"),
        "bad-url": ("“{value}”不是有效网址", "{value!r} is not a web address"),
        "bad-yesno": ("“{value}”应为“是”或“否”", "{value!r} should be 是 (yes) or 否 (no)"),
        "bad-enum": ("“{value}”不在可选值中：{allowed}", "{value!r} is not one of: {allowed}"),
        "placeholder": (
            "“{value}”是待补充的占位内容，请尽快核实",
            "{value!r} is a placeholder; fill in the real value",
        ),
        "out-of-range": ("“{value}”超出范围（应 {bound}）", "{value!r} is out of range ({bound})"),
        "future-date": ("日期 {value} 晚于今天（{as_of}）", "Date {value} is after {as_of}"),
        "duplicate-id": (
            "编号“{value}”重复（首次出现在 {first}）",
            "ID {value!r} is used twice (first at {first})",
        ),
    }
)
