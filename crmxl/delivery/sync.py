"""Upsert by key inside one transaction: insert the new rows, update the changed ones, mark the
ones gone from the workbook deleted, and leave the rest alone.

A row is "changed" when its fingerprint (``row_hash``) differs from the stored one, or when it
had been marked deleted and is back. Statements are SQLAlchemy Core (``insert()``, ``update()``,
``select()``), compiled once for the connection's dialect; the many rows of an insert or update
go to the driver's ``executemany`` in chunks, with values already in the form the driver takes
(SQLAlchemy's own per-row parameter handling cost three times as long as the database here).
"""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

import numpy as np
import pandas as pd
import sqlalchemy as sa

#: Rows handed to the driver at a time.
CHUNK = 20_000


@dataclass
class Counts:
    """What a push did to one table."""

    inserted: int = 0
    updated: int = 0
    deleted: int = 0
    unchanged: int = 0

    def to_dict(self) -> dict[str, int]:
        return {
            "inserted": self.inserted,
            "updated": self.updated,
            "deleted": self.deleted,
            "unchanged": self.unchanged,
        }

    @property
    def changed(self) -> int:
        return self.inserted + self.updated + self.deleted


# ----------------------------------------------------------------------------- values


def driver_values(
    series: pd.Series,
    column: sa.Column[Any],
    dialect: sa.Dialect,
    blank: np.ndarray | None = None,
) -> list[Any]:
    """A column's values as the DB driver takes them for ``column``: what SQLAlchemy's own
    bind processing would hand it (a test checks that), None for blanks (``blank``: where the
    series is blank, when known)."""
    kind = column.type
    if blank is None:
        blank = series.isna().to_numpy()
    if isinstance(kind, sa.Date | sa.DateTime):
        if dialect.name == "sqlite":  # SQLAlchemy stores SQLite dates as ISO text
            return _sqlite_stamps(series, isinstance(kind, sa.DateTime), blank)
        stamps: list[Any] = list(pd.DatetimeIndex(series).to_pydatetime())
        if not isinstance(kind, sa.DateTime):
            stamps = [s.date() for s in stamps]
        return [None if gone else s for s, gone in zip(stamps, blank, strict=True)]
    if isinstance(kind, sa.Integer):
        if pd.api.types.is_integer_dtype(series.dtype):  # exact (64-bit fingerprints)
            return list(series.tolist())
        numbers = series.to_numpy(dtype="float64", na_value=np.nan).tolist()
        return [None if v != v else int(v) for v in numbers]
    if isinstance(kind, sa.Numeric | sa.Float):
        numbers = series.to_numpy(dtype="float64", na_value=np.nan).tolist()
        plain: list[Any] = [None if v != v else v for v in numbers]
    else:
        objects = np.array(series, dtype=object)
        objects[blank] = None
        plain = objects.tolist()
    process = kind.dialect_impl(dialect).bind_processor(dialect)
    if process is None:
        return plain
    return [None if v is None else process(v) for v in plain]


def _sqlite_stamps(series: pd.Series, with_time: bool, blank: np.ndarray) -> list[Any]:
    """``2026-11-20`` or ``2026-11-20 10:00:00.000000``: SQLAlchemy's SQLite storage formats.
    Each distinct moment is written once (a million follow-ups fall on a few thousand days)."""
    unit: Literal["us", "D"] = "us" if with_time else "D"
    stamps = series.to_numpy(dtype="datetime64[ns]").astype(f"datetime64[{unit}]")
    codes, uniques = pd.factorize(stamps.view("int64"))
    text = np.datetime_as_string(np.asarray(uniques).view(f"datetime64[{unit}]"), unit=unit)
    if with_time and len(text):  # 2026-11-20T10:00:00.000000 -> a space for the T, in place
        text.view(np.uint32).reshape(len(text), -1)[:, 10] = ord(" ")
    out = text.astype(object)[codes]
    out[blank] = None
    return list(out.tolist())


@dataclass(frozen=True)
class Values:
    """One bind's values for the rows of a statement: a column of the rows given, converted for
    the driver a chunk at a time (a million rows are never all Python objects at once), or one
    value for every row."""

    column: sa.Column[Any]
    series: pd.Series | None = None
    constant: Any = None

    @classmethod
    def same(cls, value: Any, column: sa.Column[Any], dialect: sa.Dialect) -> Values:
        if value is None:
            return cls(column)
        single = pd.Series([value])
        if isinstance(column.type, sa.Date | sa.DateTime):
            single = pd.Series(pd.to_datetime([value]), dtype="datetime64[ns]")
        return cls(column, constant=driver_values(single, column, dialect)[0])

    @functools.cached_property
    def _blanks(self) -> np.ndarray:
        """Where the series is blank (found once, not once a chunk)."""
        assert self.series is not None
        return np.asarray(self.series.isna().to_numpy(), dtype=bool)

    @property
    def blank(self) -> bool:
        """True when every value is NULL."""
        if self.series is None:
            return self.constant is None
        return bool(self._blanks.all())

    def chunk(self, start: int, stop: int, dialect: sa.Dialect) -> list[Any]:
        if self.series is None:
            return [self.constant] * (stop - start)
        part = self.series.iloc[start:stop]
        return driver_values(part, self.column, dialect, self._blanks[start:stop])


def _batches(
    params: Mapping[str, Values], names: Sequence[str], n: int, dialect: sa.Dialect
) -> Iterator[list[tuple[Any, ...]]]:
    """The rows, :data:`CHUNK` at a time, each a tuple of the ``names`` binds' values."""
    for start in range(0, n, CHUNK):
        stop = min(start + CHUNK, n)
        columns = [params[name].chunk(start, stop, dialect) for name in names]
        yield list(zip(*columns, strict=True))


def execute_many(
    conn: sa.Connection, stmt: sa.ClauseElement, params: Mapping[str, Values], n: int
) -> None:
    """Run ``stmt`` once per row (``n`` rows; bind name -> :class:`Values`).

    The driver runs a chunk in a second thread while this one converts the next: the
    database's own work (SQLite's, or the wait for PostgreSQL) does not hold Python's lock.
    """
    if n == 0:
        return
    dialect = conn.dialect
    compiled = stmt.compile(dialect=dialect)
    sql = str(compiled)
    positional: Sequence[str] | None = getattr(compiled, "positiontup", None)
    names = list(positional) if positional is not None else list(params)
    cursor = conn.connection.cursor()
    try:
        with driver_errors(conn, sql), ThreadPoolExecutor(1) as writer:
            running = None
            for batch in _batches(params, names, n, dialect):
                rows: list[Any] = batch
                if positional is None:
                    rows = [dict(zip(names, row, strict=True)) for row in batch]
                if running is not None:
                    running.result()
                running = writer.submit(cursor.executemany, sql, rows)
            if running is not None:
                running.result()
    finally:
        cursor.close()


def copy_statement(table: sa.Table, columns: Sequence[sa.Column[Any]], dialect: sa.Dialect) -> str:
    """``COPY table (columns) FROM STDIN`` for PostgreSQL. Core builds no COPY, so the statement
    is made here, from the Core table: its name and the columns' quoted by the dialect's
    identifier preparer, as Core quotes them in the INSERT it would run instead."""
    prep = dialect.identifier_preparer
    names = ", ".join(prep.format_column(c) for c in columns)
    return f"COPY {prep.format_table(table)} ({names}) FROM STDIN"


def copy_rows(conn: sa.Connection, table: sa.Table, params: Mapping[str, Values], n: int) -> None:
    """Insert ``n`` rows into ``table`` with PostgreSQL's COPY (psycopg's ``cursor.copy``), in the
    connection's transaction: the values :func:`execute_many` would hand an INSERT (one bind per
    column), streamed a chunk at a time. Six times less CPU than ``executemany`` for a million
    rows (benchmarks/README.md)."""
    if n == 0:
        return
    names = list(params)
    sql = copy_statement(table, [params[name].column for name in names], conn.dialect)
    driver: Any = conn.connection.dbapi_connection  # psycopg's Connection
    with driver_errors(conn, sql), driver.cursor() as cursor, cursor.copy(sql) as copy:
        for batch in _batches(params, names, n, conn.dialect):
            for row in batch:
                copy.write_row(row)


@contextlib.contextmanager
def driver_errors(conn: sa.Connection, sql: str) -> Iterator[None]:
    """The driver's own errors as SQLAlchemy's (IntegrityError ...), as if Core had run it."""
    dbapi = conn.dialect.loaded_dbapi
    try:
        yield
    except dbapi.Error as exc:
        raise sa.exc.DBAPIError.instance(sql, None, exc, dbapi.Error) from exc


def _bind(name: str) -> str:
    """Bind names differ from column names (SQLAlchemy reserves those in an UPDATE's SET)."""
    return f"v_{name}"


# ----------------------------------------------------------------------------- upsert


def existing(
    conn: sa.Connection, table: sa.Table, key: str, scope: Mapping[str, Any]
) -> pd.DataFrame:
    """Every stored row's key, fingerprint and whether it is marked deleted (within ``scope``:
    column -> value the rows must have). Read through the driver: a million rows."""
    gone = table.c.deleted_at.is_not(None) if "deleted_at" in table.c else sa.false()
    query = sa.select(table.c[key], table.c.row_hash, gone.label("gone")).where(
        *(table.c[c] == sa.bindparam(_bind(c)) for c in scope)
    )
    compiled = query.compile(dialect=conn.dialect)
    values = {_bind(c): Values.same(v, table.c[c], conn.dialect).constant for c, v in scope.items()}
    positional: Sequence[str] | None = getattr(compiled, "positiontup", None)
    cursor = conn.connection.cursor()
    try:
        with driver_errors(conn, str(compiled)):
            if positional is not None:
                cursor.execute(str(compiled), tuple(values[n] for n in positional))
            else:
                cursor.execute(str(compiled), values)
            keys: list[Any] = []
            hashes: list[int] = []
            flags: list[bool] = []
            while rows := cursor.fetchmany(CHUNK):
                k, h, f = zip(*rows, strict=True)
                keys += k
                hashes += h
                flags += f
    finally:
        cursor.close()
    return pd.DataFrame(
        {
            "key": pd.Series(keys, dtype=object),
            "hash": pd.Series(hashes, dtype="int64"),
            "gone": pd.Series(flags, dtype=bool),
        }
    )


@dataclass
class Plan:
    """Which rows to insert and update (positions in the given rows), which stored keys are
    gone, and how many rows stay as they are."""

    insert: np.ndarray
    update: np.ndarray
    delete: list[Any]
    unchanged: int


def plan(keys: pd.Series, hashes: pd.Series, stored: pd.DataFrame) -> Plan:
    """Compare the rows given with the stored ones."""
    stored_keys = pd.Index(stored["key"].to_numpy(dtype=object), dtype=object)
    where = stored_keys.get_indexer(pd.Index(keys.to_numpy(dtype=object), dtype=object))
    present = where >= 0
    at = np.where(present, where, 0)
    same = present.copy()
    if len(stored_keys):
        old_hash = stored["hash"].to_numpy()[at]
        was_gone = stored["gone"].to_numpy(dtype=bool)[at]
        same &= (old_hash == hashes.to_numpy()) & ~was_gone
    seen = np.zeros(len(stored_keys), dtype=bool)
    seen[where[present]] = True
    leaving = ~seen & ~stored["gone"].to_numpy(dtype=bool)
    return Plan(
        np.flatnonzero(~present),
        np.flatnonzero(present & ~same),
        list(stored_keys[leaving]),
        int(same.sum()),
    )


def upsert(
    conn: sa.Connection,
    table: sa.Table,
    key: str,
    keys: pd.Series,
    columns: Mapping[str, pd.Series],
    hashes: pd.Series,
    now: datetime,
    *,
    scope: Mapping[str, Any] | None = None,
) -> Counts:
    """Bring ``table`` (the rows in ``scope``) to the rows given: ``key`` column = ``keys``,
    other columns by name, fingerprints ``hashes``.

    A table with ``deleted_at`` (a sheet's) has stored rows that are no longer given marked
    deleted, and ``inserted_at``/``updated_at`` stamped ``now``; another (the snapshots) has
    them removed: the rows given replace the scope's.
    """
    scope = dict(scope or {})
    dialect = conn.dialect
    sheet_table = "deleted_at" in table.c
    todo = plan(keys, hashes, existing(conn, table, key, scope))
    names = [c for c in columns if c != key]
    everything = len(keys)

    def pick(series: pd.Series, rows: np.ndarray) -> pd.Series:
        return series if len(rows) == everything else series.iloc[rows]

    def params(rows: np.ndarray) -> dict[str, Values]:
        out = {_bind(key): Values(table.c[key], pick(keys, rows))}
        out.update({_bind(c): Values.same(v, table.c[c], dialect) for c, v in scope.items()})
        for name in names:
            out[_bind(name)] = Values(table.c[name], pick(columns[name], rows))
        out[_bind("row_hash")] = Values(table.c.row_hash, pick(hashes, rows))
        return out

    def stamped(values: dict[str, Values], stamps: Mapping[str, datetime | None]) -> None:
        if sheet_table:
            values.update(
                {_bind(c): Values.same(v, table.c[c], dialect) for c, v in stamps.items()}
            )

    def matching() -> list[Any]:
        return [table.c[c] == sa.bindparam(_bind(c)) for c in (key, *scope)]

    # new rows (a column blank in all of them is left to its default, NULL: fewer binds)
    values = {b: v for b, v in params(todo.insert).items() if not v.blank}
    stamped(values, {"inserted_at": now, "updated_at": now})
    if dialect.name == "postgresql":
        copy_rows(conn, table, values, len(todo.insert))
    else:
        insert = table.insert().values({name[2:]: sa.bindparam(name) for name in values})
        execute_many(conn, insert, values, len(todo.insert))
    # changed rows, and rows back from the deleted
    values = params(todo.update)
    stamped(values, {"updated_at": now, "deleted_at": None})
    setting = [name for name in values if name[2:] not in (key, *scope)]
    update = (
        table.update().where(*matching()).values({name[2:]: sa.bindparam(name) for name in setting})
    )
    execute_many(conn, update, values, len(todo.update))
    # rows gone from the workbook: marked (a sheet's table) or removed (the snapshots)
    gone_keys = pd.Series(todo.delete, dtype=object)
    values = {_bind(key): Values(table.c[key], gone_keys)}
    values.update({_bind(c): Values.same(v, table.c[c], dialect) for c, v in scope.items()})
    gone: sa.ClauseElement
    if sheet_table:
        stamped(values, {"deleted_at": now, "updated_at": now})
        marks: dict[str, Any] = {c: sa.bindparam(_bind(c)) for c in ("deleted_at", "updated_at")}
        gone = table.update().where(*matching()).values(marks)
    else:
        gone = table.delete().where(*matching())
    execute_many(conn, gone, values, len(todo.delete))
    return Counts(len(todo.insert), len(todo.update), len(todo.delete), todo.unchanged)
