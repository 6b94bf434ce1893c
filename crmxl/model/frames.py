"""A table's cells as typed columns: what the rules compute on and validation checks.

:func:`typed` turns the raw values a reader returned into one typed column per schema column
(dates as ``datetime64``, amounts as ``float64``, enumerations as their canonical Chinese value,
phones normalised ...) and lists each cell that could not be read. It works column by column with
vectorised fast paths for columns that are already typed (a date column of real dates, a number
column) and parses text once per distinct value, so a million-row follow-up log stays cheap.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import partial
from typing import Any

import numpy as np
import pandas as pd

from crmxl.model import values
from crmxl.model.schema import ColType, Column
from crmxl.model.settings import Settings
from crmxl.model.workspace import Table

EXCEL_EPOCH = np.datetime64("1899-12-30")
EXCEL_EPOCH_1904 = np.datetime64("1904-01-01")


#: The codes of :class:`Problem` (a cell that could not be read as its type): findings, all
#: errors. (``placeholder`` is not one: a placeholder is a known unknown, a warning.)
TYPE_CODES = frozenset(
    {
        "bad-date",
        "bad-amount",
        "bad-int",
        "bad-number",
        "bad-phone",
        "landline-needs-area-code",
        "bad-email",
        "bad-url",
        "bad-yesno",
        "bad-enum",
    }
)


@dataclass(frozen=True)
class Problem:
    """A cell that could not be read as its column's type."""

    key: str
    row: int
    code: str
    value: Any


@dataclass
class Typed:
    """Typed columns of a table, with the cells that failed and the placeholders used."""

    table: Table
    frame: pd.DataFrame
    problems: list[Problem] = field(default_factory=list)
    placeholders: list[Problem] = field(default_factory=list)


def _allowed(col: Column, settings: Settings) -> tuple[str, ...] | None:
    return settings.enum_values(col.enum) if col.enum else None


def _parser(col: Column, settings: Settings, date1904: bool) -> Any:
    t = col.type
    if t is ColType.ENUM:
        return partial(values.parse_enum, allowed=_allowed(col, settings), enum_key=col.enum)
    if t is ColType.DATE:
        return partial(values.parse_date, date1904=date1904)
    if t is ColType.DATETIME:
        return partial(values.parse_datetime, date1904=date1904)
    if t is ColType.MONTHDAY:
        return partial(values.parse_monthday, date1904=date1904)
    return values.PARSERS[t]


def _serials_to_datetimes(numbers: pd.Series, date1904: bool) -> tuple[pd.Series, pd.Series]:
    """Excel serials to datetime64; the second series marks serials out of range."""
    ok = numbers.between(values.SERIAL_MIN, values.SERIAL_MAX)
    epoch = EXCEL_EPOCH_1904 if date1904 else EXCEL_EPOCH
    millis = (numbers.where(ok) * 86_400_000).round()
    result = pd.Series(epoch, index=numbers.index) + pd.to_timedelta(millis, unit="ms")
    return result.where(ok), numbers.notna() & ~ok


def convert(
    series: pd.Series, col: Column, settings: Settings, date1904: bool = False
) -> tuple[pd.Series, pd.Series, pd.Series]:
    """``(typed, problem codes, placeholder mask)`` for one column."""
    t = col.type
    dtype = series.dtype
    index = series.index
    none_codes = pd.Series(None, index=index, dtype=object)
    no_placeholders = pd.Series(False, index=index)
    if t in (ColType.DATE, ColType.DATETIME) and pd.api.types.is_datetime64_any_dtype(dtype):
        out = series.astype("datetime64[ns]")
        return (out.dt.normalize() if t is ColType.DATE else out), none_codes, no_placeholders
    if pd.api.types.is_float_dtype(dtype) or pd.api.types.is_integer_dtype(dtype):
        numbers = series.astype("float64")
        if t in (ColType.AMOUNT, ColType.NUMBER):
            return numbers.round(2) if t is ColType.AMOUNT else numbers, none_codes, no_placeholders
        if t is ColType.INT:
            bad = numbers.notna() & (numbers != numbers.round())
            codes = none_codes.where(~bad, "bad-int")
            return numbers.where(~bad), codes, no_placeholders
        if t in (ColType.DATE, ColType.DATETIME):
            out, bad = _serials_to_datetimes(numbers, date1904)
            codes = none_codes.where(~bad, "bad-date")
            return (out.dt.normalize() if t is ColType.DATE else out), codes, no_placeholders
    if t in (ColType.TEXT, ColType.ID) and isinstance(dtype, pd.StringDtype):
        return _text_column(series, nfkc=t is ColType.ID), none_codes, _placeholders(series)
    parsed, codes, placeholders = values.parse_series(
        series, _parser(col, settings, date1904), valid_wins=t is ColType.ENUM
    )
    if t in (ColType.DATE, ColType.DATETIME):
        stamps = pd.to_datetime(
            parsed.map(lambda v: v if isinstance(v, datetime | date) else None), errors="coerce"
        ).astype("datetime64[ns]")
        out = stamps.dt.normalize() if t is ColType.DATE else stamps
        return out, codes, placeholders
    if t in (ColType.AMOUNT, ColType.NUMBER, ColType.INT):
        return pd.to_numeric(parsed, errors="coerce").astype("float64"), codes, placeholders
    if t is ColType.LIST:
        parsed = parsed.map(lambda v: tuple(v) if isinstance(v, list) else v)
    return parsed, codes, placeholders


#: Placeholders as typed, in the cases people type them (an exact match is vectorised; the
#: per-value path in ``values.is_placeholder`` also folds width and case).
_PLACEHOLDER_KEYS = sorted(
    {f(p) for p in values.PLACEHOLDERS for f in (str, str.upper, str.lower, str.title)}
)


def _text_column(series: pd.Series, *, nfkc: bool) -> pd.Series:
    """A column of text cells (Arrow strings), trimmed, vectorised: what ``parse_text`` and
    ``parse_id`` do cell by cell. Placeholders and blanks become None."""
    text = series.str.strip()
    placeholder = text.isin(_PLACEHOLDER_KEYS).fillna(False).astype(bool)
    if nfkc:
        wide = text.notna() & ~text.str.isascii().fillna(True).astype(bool)
        if wide.any():
            text = text.astype(object)
            text[wide] = text[wide].map(values.nfkc)
    keep = (text.notna() & (text != "")).fillna(False).astype(bool) & ~placeholder
    return text.astype(object).where(keep, None)


def _placeholders(series: pd.Series) -> pd.Series:
    return series.str.strip().isin(_PLACEHOLDER_KEYS).fillna(False).astype(bool)


def typed(table: Table, settings: Settings, keys: Iterable[str] | None = None) -> Typed:
    """Typed columns of ``table`` (``keys``, or every column the table has)."""
    wanted = [k for k in (keys if keys is not None else table.spec.keys) if k in table.data]
    frame = pd.DataFrame(index=table.data.index)
    result = Typed(table, frame)
    for key in wanted:
        col = table.spec.column(key)
        raw = table.data[key]
        out, codes, placeholders = convert(raw, col, settings, table.date1904)
        frame[key] = out
        bad = codes.notna()
        if bad.any():
            for row, code in codes[bad].items():
                result.problems.append(Problem(key, int(row), str(code), _raw(raw, row)))
        if placeholders.any():
            for row in placeholders[placeholders].index:
                result.placeholders.append(Problem(key, int(row), "placeholder", _raw(raw, row)))
    for col in table.spec.columns:
        if col.key not in frame:
            frame[col.key] = _empty(col, frame.index)
    return result


def _raw(series: pd.Series, row: Any) -> Any:
    return values.plain(series.at[row])


def _empty(col: Column, index: pd.Index) -> pd.Series:
    if col.type in (ColType.DATE, ColType.DATETIME):
        return pd.Series(pd.NaT, index=index, dtype="datetime64[ns]")
    if col.type in (ColType.AMOUNT, ColType.NUMBER, ColType.INT):
        return pd.Series(np.nan, index=index, dtype="float64")
    return pd.Series(None, index=index, dtype=object)
