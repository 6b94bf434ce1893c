"""A sheet's rows as a database holds them: typed values, a key and a fingerprint per row.

Values are the workbook's, typed by the schema (:func:`crmxl.model.frames.typed`): dates as dates,
amounts as numbers, enumerations as their canonical Chinese value, lists joined by ``,``,
birthdays as ``MM-DD``. A text-like cell that does not read as its type (a phone without an area
code, a value not in a dropdown list) keeps what the user typed; a date or number cell that
cannot be read is stored blank and reported (``push-unreadable``): ``crmxl validate`` says why.

Keys (:func:`row_keys`): the sheet's ID where the sheet has a required one; else ``row_key``:

- 跟进记录: its 记录编号 when there is one, else a fingerprint of 客户编号, 沟通日期, 沟通方式 and
  记录人 (what tells two conversations apart without changing when the summary is edited);
- 联系人: a fingerprint of 客户编号 and 姓名 (a new phone number updates the person);
- 配置: the setting's name as written in 参数;
- 变更日志: a fingerprint of the whole row (it is only ever appended to).

A fingerprint is ``#`` and 16 hex digits; when two rows give the same key, the second gets
``~2``, the third ``~3`` (in row order). Rows of an ID-keyed sheet without an ID, or repeating
one, are not pushed and are reported (``push-no-key``, ``push-duplicate-key``).

``row_hash`` fingerprints every value of the row (in schema order), so a push can tell a changed
row from an unchanged one without reading the rows back.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from crmxl.delivery.database import key_column, keyed_by_id
from crmxl.i18n import register
from crmxl.model import values
from crmxl.model.findings import Finding, Severity
from crmxl.model.frames import Typed, typed
from crmxl.model.schema import ENUMS, ColType, Column, SheetSpec
from crmxl.model.settings import Settings
from crmxl.model.workspace import Table
from crmxl.reporting.facts import Facts
from crmxl.rules.evaluate import compute_columns

#: The hash key of every fingerprint (pandas' default, spelled out so it never changes).
HASH_KEY = "0123456789123456"

#: Column types stored as text.
TEXT_TYPES = frozenset(
    {
        ColType.ID,
        ColType.TEXT,
        ColType.ENUM,
        ColType.URL,
        ColType.PHONE,
        ColType.EMAIL,
        ColType.LIST,
        ColType.BUDGET,
        ColType.MONTHDAY,
    }
)
#: Text-like types that :func:`crmxl.model.frames.typed` gives as ``str`` (or None) already.
PLAIN_TEXT_TYPES = frozenset(
    {ColType.ID, ColType.TEXT, ColType.ENUM, ColType.URL, ColType.PHONE, ColType.EMAIL}
)
NUMBER_TYPES = frozenset({ColType.INT, ColType.AMOUNT, ColType.NUMBER})
DATE_TYPES = frozenset({ColType.DATE, ColType.DATETIME})

#: The snapshot's columns besides its key, and those whose change makes a new snapshot row.
SNAPSHOT_VALUES = (
    "owner",
    "tier",
    "stage",
    "follow_up_status",
    "days_overdue",
    "churn_level",
    "churn_risk",
)

#: The columns a row key is made of, for sheets keyed by a fingerprint.
NATURAL_KEYS: dict[str, tuple[str, ...]] = {
    "follow_ups": ("customer_id", "date", "channel", "recorded_by"),
    "contacts": ("customer_id", "name"),
}


@dataclass
class SheetRows:
    """The rows of one sheet ready for the database, indexed by Excel row number."""

    spec: SheetSpec
    keys: pd.Series  # the primary key of each row (text)
    columns: dict[str, pd.Series]  # schema column key -> normalized values
    hashes: pd.Series  # int64 fingerprint of each row's values
    findings: list[Finding] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.keys)


def sheet_rows(
    table: Table, settings: Settings, done: Typed | None = None, done_keys: Iterable[str] = ()
) -> SheetRows:
    """Type ``table`` and key and fingerprint its rows (rows that cannot be keyed dropped).

    ``done`` holds the columns ``done_keys`` typed already (by :func:`crmxl.rules.evaluate.evaluate`);
    they are not typed again.
    """
    spec = table.spec
    have = [k for k in done_keys if done is not None and table.has(k)]
    rest = [k for k in spec.keys if table.has(k) and k not in have]
    tt = typed(table, settings, rest)
    problems = list(tt.problems)
    if done is not None:
        for k in have:
            tt.frame[k] = done.frame[k]
        problems += [p for p in done.problems if p.key in have]
    columns = {
        col.key: normalize(col, tt.frame[col.key], table.data.get(col.key)) for col in spec.columns
    }
    findings = [
        Finding.make(
            table.sheet_name,
            table.cell(p.key, p.row),
            "push-unreadable",
            Severity.WARNING,
            p.value,
            row=p.row,
            column=table.header(p.key),
        )
        for p in sorted(problems, key=lambda p: (p.row, spec.keys.index(p.key)))
        if spec.column(p.key).type not in TEXT_TYPES and table.has(p.key)
    ]
    frame = pd.DataFrame(columns, index=tt.frame.index)
    keys, keep, key_findings = row_keys(table, frame)
    findings += key_findings
    frame = frame.loc[keep]
    return SheetRows(
        spec,
        keys.loc[keep],
        {k: frame[k] for k in frame.columns},
        fingerprint(frame),
        findings,
    )


def normalize(col: Column, typed_values: pd.Series, raw: pd.Series | None) -> pd.Series:
    """One column as the database stores it (see the module's docstring)."""
    kind = col.type
    if kind in NUMBER_TYPES:
        return typed_values.astype("float64")
    if kind in DATE_TYPES:
        return typed_values.astype("datetime64[ns]")
    if kind is ColType.YESNO:
        return typed_values.astype(object).where(typed_values.notna(), None)
    if kind in PLAIN_TEXT_TYPES:  # typed as text (or None) already
        text = typed_values.astype(object)
    else:  # lists joined by ",", birthdays as MM-DD
        text = _per_value(typed_values.astype(object), lambda v: _text(v, kind))
    if raw is not None:
        lost = (text.isna() & raw.notna()).to_numpy()
        if lost.any():  # keep what was typed where it does not read as its type
            text = text.astype(object).copy()
            text[lost] = _per_value(raw[lost].astype(object), lambda v: _raw_text(v) or None)
    return text


def _text(value: Any, kind: ColType) -> str | None:
    if value is None or (isinstance(value, float) and value != value):
        return None
    if kind is ColType.LIST and isinstance(value, tuple | list):
        return ",".join(str(v) for v in value) or None
    if kind is ColType.MONTHDAY and isinstance(value, tuple) and len(value) == 2:
        return f"{int(value[0]):02d}-{int(value[1]):02d}"
    if isinstance(value, float):
        return values.parse_text(value)
    return str(value)


def _raw_text(value: Any) -> str:
    plain = values.plain(value)
    return "" if plain is None else values.parse_text(plain)


def fingerprint(frame: pd.DataFrame) -> pd.Series:
    """An int64 per row from every value in it, column by column in order (stable across
    runs, machines and pandas versions that keep ``hash_array``)."""
    acc = np.full(len(frame), 0x345678, dtype=np.uint64)
    for name in frame.columns:
        acc = (acc * np.uint64(1_000_003)) ^ _column_hash(frame[name])
    return pd.Series(acc.view(np.int64), index=frame.index)


def _column_hash(series: pd.Series) -> np.ndarray:
    """``hash_array`` of a column's values; a column without any value costs nothing."""
    n = len(series)
    if series.dtype == object:
        blank = series.isna().to_numpy()
        if blank.all():
            return np.full(n, _NONE_HASH, dtype=np.uint64)
        values_ = series.to_numpy(dtype=object)
        out = np.full(n, _NONE_HASH, dtype=np.uint64)
        out[~blank] = pd.util.hash_array(values_[~blank], hash_key=HASH_KEY, categorize=False)
        return out
    return np.asarray(pd.util.hash_array(series.to_numpy(), hash_key=HASH_KEY), dtype=np.uint64)


#: What a blank text cell contributes to a fingerprint.
_NONE_HASH = np.uint64(0x9E3779B97F4A7C15)


def _hex(frame: pd.DataFrame) -> pd.Series:
    """``#`` and 16 hex digits from the fingerprint of each row of ``frame``."""
    digits = fingerprint(frame).to_numpy().astype(">i8").tobytes().hex()
    return pd.Series(
        ["#" + digits[i : i + 16] for i in range(0, len(digits), 16)],
        index=frame.index,
        dtype=object,
    )


def row_keys(table: Table, frame: pd.DataFrame) -> tuple[pd.Series, pd.Series, list[Finding]]:
    """``(keys, rows to keep, findings)`` for the rows of ``frame`` (see the docstring)."""
    spec = table.spec
    index = frame.index
    keep = pd.Series(True, index=index)
    findings: list[Finding] = []
    if keyed_by_id(spec):
        key = key_column(spec)
        ids = frame[key]
        blank = ids.isna()
        repeated = ids.duplicated(keep="first") & ~blank
        for row in ids.index[blank]:
            findings.append(_key_finding(table, key, int(row), "push-no-key", None))
        for row in ids.index[repeated]:
            findings.append(_key_finding(table, key, int(row), "push-duplicate-key", ids[row]))
        return ids, ~(blank | repeated), findings
    if spec.key == "settings":
        keys = frame["key"].astype(object)
    elif spec.key == "follow_ups":
        keys = frame["record_id"].astype(object)
    else:
        keys = pd.Series(None, index=index, dtype=object)
    missing = keys.isna()
    if missing.any():
        natural = list(NATURAL_KEYS.get(spec.key, frame.columns))
        keys = keys.where(~missing, _hex(frame.loc[missing, natural]))
    seen = keys.groupby(keys, sort=False).cumcount()
    repeat = seen > 0
    if repeat.any():
        keys = keys.astype(object)
        keys[repeat] = keys[repeat] + "~" + (seen[repeat] + 1).astype(str)
    return keys.astype(object), keep, findings


def _key_finding(table: Table, key: str, row: int, code: str, value: Any) -> Finding:
    where = table.cell(key, row) if table.has(key) else f"{table.sheet_name}!{row}"
    return Finding.make(
        table.sheet_name,
        where,
        code,
        Severity.ERROR,
        value,
        row=row,
        column=table.header(key),
    )


def all_rows(facts: Facts) -> dict[str, SheetRows]:
    """Every sheet's rows for the database. Each sheet's cells, as read and as typed, are let go
    once its rows are made: a million-row log is not held three times over."""
    ws, done, done_keys = facts.workspace, facts.evaluation.typed, compute_columns()
    out: dict[str, SheetRows] = {}
    for key in list(ws.tables):
        out[key] = sheet_rows(ws.tables[key], ws.settings, done.get(key), done_keys.get(key, ()))
        ws.tables.pop(key)
        done.pop(key, None)
        facts.frames.pop(key, None)
    return out


def snapshot(facts: Facts) -> pd.DataFrame:
    """One row per customer (the first row of an ID): its state as of the push."""
    c = facts.customers
    c = c.loc[c["customer_id"].notna()].drop_duplicates("customer_id")
    risk = c["churn_risk"].astype(object)
    return pd.DataFrame(
        {
            "customer_id": c["customer_id"].astype(object),
            "owner": _or_none(c["owner"]),
            "tier": _or_none(c["tier"]),
            "stage": _or_none(c["stage"]),
            "follow_up_status": _or_none(c["follow_up_status"]),
            "days_overdue": c["days_overdue"].astype("float64"),
            "churn_level": _per_value(risk, churn_level),
            "churn_risk": _or_none(risk),
        },
        index=c.index,
    )


def _per_value(series: pd.Series, fn: Callable[[Any], Any]) -> pd.Series:
    """``fn`` of each distinct value, spread over the column (None where blank)."""
    codes, uniques = pd.factorize(series, use_na_sentinel=True)
    mapped = np.array([fn(u) for u in uniques] + [None], dtype=object)
    codes[codes < 0] = len(uniques)
    return pd.Series(mapped[codes], index=series.index, dtype=object)


def _or_none(series: pd.Series) -> pd.Series:
    """Text, with blanks and empty strings as None."""
    out = series.astype(object)
    return out.where(out.notna() & (out != ""), None)


def churn_level(risk: Any) -> str | None:
    """高/中/低 from a churn-risk text (``高: 逾期45天``, ``High: 45 days overdue``)."""
    if not isinstance(risk, str) or not risk.strip():
        return None
    head = risk.replace("：", ":").split(":", 1)[0].strip()
    return ENUMS["risk_levels"].canonical(head)


register(
    {
        "push-unreadable": (
            "{cell}：“{value}”无法读取，数据库中此格留空（crmxl validate 可查看原因）",
            "{cell}: {value!r} cannot be read and is stored blank (crmxl validate says why)",
        ),
        "push-no-key": (
            "{cell}：{column}为空，此行未推送",
            "{cell}: {column} is blank; the row was not pushed",
        ),
        "push-duplicate-key": (
            "{cell}：{column}“{value}”与上面的行重复，此行未推送",
            "{cell}: {column} {value!r} repeats an earlier row; the row was not pushed",
        ),
    }
)
