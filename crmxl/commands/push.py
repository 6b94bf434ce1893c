"""``crmxl push``: the workspace into a database, as one transaction, with a snapshot.

Reads the workbooks and computes every rule as of ``as_of`` (the same way ``report`` does, so a
workbook that was never refreshed snapshots right), brings the database's tables up to this
version (:func:`crmxl.delivery.database.migrate`), then, in one transaction:

1. records the push in ``crmxl_runs`` (every push adds a row, also one that changes nothing:
   it is the record that the data was current at that moment);
2. upserts each standard sheet the workspace has into its table (:mod:`crmxl.delivery.sync`):
   a sheet the workspace lacks is left as it is in the database, so pushing the manual's
   customer file alone does not mark every need and issue deleted;
3. replaces the customers' snapshot for the as-of date (tier, stage, follow-up status, days
   overdue, churn risk), so pushing twice on a day keeps one snapshot, the last;
4. writes the counts to ``crmxl_runs`` and ``crmxl_run_tables``.

Anything that fails inside rolls the whole push back: the database is as it was. The sheet
tables hold what the workbooks hold (run ``refresh`` first to have the computed columns
current); the snapshot holds what the rules compute as of ``as_of``.
"""

from __future__ import annotations

import json
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.exc import SQLAlchemyError

from crmxl.delivery import database as dbm
from crmxl.delivery.rows import SNAPSHOT_VALUES, SheetRows, all_rows, fingerprint, snapshot
from crmxl.delivery.sync import Counts, upsert
from crmxl.i18n import pick, register, t
from crmxl.model.findings import Finding, count
from crmxl.model.schema import SHEETS_BY_KEY
from crmxl.model.skips import Skip, skip_line
from crmxl.model.textout import render_table
from crmxl.progress import Progress, reporter
from crmxl.reporting.facts import load
from crmxl.version import __version__

#: PostgreSQL advisory lock held by a push ("crmxl" in ASCII), so two pushes take turns.
LOCK_KEY = 0x63726D786C


@dataclass
class PushResult:
    """What a push wrote: per table, rows inserted, updated, marked deleted and unchanged."""

    db: str  # the database URL, password hidden
    files: list[Path]
    as_of: datetime
    run_id: int
    tables: dict[str, Counts]  # table name -> counts, in schema order, snapshots last
    revision: tuple[str | None, str | None]  # migration revision before and after
    findings: list[Finding] = field(default_factory=list)
    skipped: list[Skip] = field(default_factory=list)  # computed columns the sheets do not allow
    seconds: float = field(default=0.0, compare=False)

    @property
    def ok(self) -> bool:
        """False when some rows could not be pushed (an ID blank or repeated)."""
        return count(self.findings)[0] == 0

    @property
    def total(self) -> Counts:
        out = Counts()
        for name, c in self.tables.items():
            if name != dbm.SNAPSHOTS:
                out.inserted += c.inserted
                out.updated += c.updated
                out.deleted += c.deleted
                out.unchanged += c.unchanged
        return out

    def to_dict(self, lang: str = "zh") -> dict[str, Any]:
        """What ``--json`` prints (no timings: the same push prints the same)."""
        return {
            "db": self.db,
            "run_id": self.run_id,
            "as_of": self.as_of.isoformat(sep=" "),
            "snapshot_date": self.as_of.date().isoformat(),
            "files": [str(f) for f in self.files],
            "tables": {name: c.to_dict() for name, c in self.tables.items()},
            "total": self.total.to_dict(),
            "migrated": {"from": self.revision[0], "to": self.revision[1]},
            "ok": self.ok,
            "findings": [f.to_dict(lang) for f in self.findings],
            "skipped": [s.to_dict(lang) for s in self.skipped],
        }

    def render(self, lang: str = "zh") -> str:
        lines = [
            t(
                "push-title",
                lang,
                db=self.db,
                as_of=f"{self.as_of:%Y-%m-%d %H:%M}",
                run=self.run_id,
            )
        ]
        before, after = self.revision
        if before is None:
            lines.append(t("push-created", lang, new=after))
        elif before != after:
            lines.append(t("push-migrated", lang, old=before, new=after))
        rows = []
        for name, c in self.tables.items():
            label = _table_label(name, lang)
            rows.append([name, label, c.inserted, c.updated, c.deleted, c.unchanged])
        lines.append("")
        lines.append(
            render_table(
                [
                    pick(lang, "表", "Table"),
                    pick(lang, "工作表", "Sheet"),
                    pick(lang, "新增", "Inserted"),
                    pick(lang, "更新", "Updated"),
                    pick(lang, "标记删除", "Deleted"),
                    pick(lang, "未变", "Unchanged"),
                ],
                rows,
            )
        )
        if not any(c.changed for c in self.tables.values()):
            lines.append(t("push-nothing-changed", lang))
        if self.skipped:
            lines.append(skip_line(self.skipped, lang))
        if self.findings:
            errors, warnings = count(self.findings)
            lines.append("")
            lines.append(t("push-findings", lang, errors=errors, warnings=warnings))
            for f in self.findings[:100]:
                lines.append(f"  {f.cell or f.sheet}  {f.message(lang)}")
            if len(self.findings) > 100:
                lines.append(t("push-more", lang, n=len(self.findings) - 100))
        return "\n".join(lines)


def _table_label(name: str, lang: str) -> str:
    if name == dbm.SNAPSHOTS:
        return pick(lang, "客户快照", "Customer snapshot")
    spec = SHEETS_BY_KEY.get(name)
    return spec.name(lang) if spec else name


def default_database(files: Sequence[Path]) -> Path:
    """``crm.db`` beside ``crm.xlsx``: the first workbook's name with ``.db``."""
    return files[0].with_suffix(".db")


def push(
    files: Sequence[Path | str],
    db: str | Path | None = None,
    *,
    as_of: datetime | None = None,
    config: Path | str | None = None,
    progress: Progress | None = None,
) -> PushResult:
    """Push ``files`` into ``db`` (a SQLite file path or a database URL; default: the first
    workbook's name with ``.db``, beside it) as of ``as_of`` (default now)."""
    started = time.perf_counter()
    say = reporter(progress)
    paths = [Path(f) for f in files]
    facts = load(paths, as_of=as_of, config=config, progress=say)
    target = db if db is not None else default_database(paths)
    engine = dbm.connect(target)
    url = dbm.shown(engine.url)
    try:
        try:
            before = dbm.current_revision(engine)
        except SQLAlchemyError as exc:
            raise dbm.DatabaseError("db-connect-failed", url=url, detail=dbm.reason(exc)) from exc
        try:
            dbm.migrate(engine)
            after = dbm.current_revision(engine)
        except SQLAlchemyError as exc:
            raise dbm.DatabaseError("db-migrate-failed", url=url, detail=dbm.reason(exc)) from exc
        as_of_moment = facts.as_of
        skipped = list(facts.evaluation.skipped)
        snap = snapshot(facts)
        sheets = all_rows(facts)
        del facts
        say("write", 2, 3)
        try:
            with engine.begin() as conn:
                run_id, tables = _push(conn, as_of_moment, sheets, snap, paths)
        except SQLAlchemyError as exc:
            raise dbm.DatabaseError("db-push-failed", url=url, detail=dbm.reason(exc)) from exc
    finally:
        engine.dispose()
    say("done", 3, 3)
    return PushResult(
        db=url,
        files=paths,
        as_of=as_of_moment,
        run_id=run_id,
        tables=tables,
        revision=(before, after),
        findings=[f for rows in sheets.values() for f in rows.findings],
        skipped=skipped,
        seconds=time.perf_counter() - started,
    )


def _push(
    conn: sa.Connection,
    as_of: datetime,
    sheets: dict[str, SheetRows],
    snap: pd.DataFrame,
    paths: list[Path],
) -> tuple[int, dict[str, Counts]]:
    """The push's transaction: run row, sheets, snapshot, counts."""
    now = datetime.now().replace(microsecond=0)
    if conn.dialect.name == "postgresql":
        conn.execute(sa.select(sa.func.pg_advisory_xact_lock(LOCK_KEY)))
    runs = dbm.table(dbm.RUNS)
    # the first statement writes, so SQLite takes its write lock before anything is read
    inserted = conn.execute(
        runs.insert().values(
            started_at=now,
            as_of=as_of,
            files=json.dumps([str(p.resolve()) for p in paths], ensure_ascii=False),
            crmxl_version=__version__,
        )
    ).inserted_primary_key
    assert inserted is not None
    run_id = int(inserted[0])
    tables: dict[str, Counts] = {}
    for spec in (s for s in SHEETS_BY_KEY.values() if s.key in sheets):
        rows = sheets[spec.key]
        table = dbm.table(dbm.table_name(spec))
        tables[table.name] = upsert(
            conn, table, dbm.key_column(spec), rows.keys, rows.columns, rows.hashes, now
        )
    snap_table = dbm.table(dbm.SNAPSHOTS)
    snap_columns = {
        **{k: snap[k] for k in SNAPSHOT_VALUES},
        "as_of": pd.Series(as_of, index=snap.index, dtype="datetime64[ns]"),
        "run_id": pd.Series(float(run_id), index=snap.index),
    }
    tables[dbm.SNAPSHOTS] = upsert(
        conn,
        snap_table,
        "customer_id",
        snap["customer_id"],
        snap_columns,
        fingerprint(snap[list(SNAPSHOT_VALUES)]),
        now,
        scope={"as_of_date": as_of.date()},
    )
    _finish(conn, run_id, tables)
    return run_id, tables


def _finish(conn: sa.Connection, run_id: int, tables: dict[str, Counts]) -> None:
    runs = dbm.table(dbm.RUNS)
    per_table = dbm.table(dbm.RUN_TABLES)
    sheets = [c for name, c in tables.items() if name != dbm.SNAPSHOTS]
    conn.execute(
        runs.update()
        .where(runs.c.id == run_id)
        .values(
            finished_at=datetime.now().replace(microsecond=0),
            inserted=sum(c.inserted for c in sheets),
            updated=sum(c.updated for c in sheets),
            deleted=sum(c.deleted for c in sheets),
            unchanged=sum(c.unchanged for c in sheets),
        )
    )
    conn.execute(
        per_table.insert(),
        [{"run_id": run_id, "table_name": name, **c.to_dict()} for name, c in tables.items()],
    )


register(
    {
        "push-title": (
            "已推送到 {db}（计算基准 {as_of}；推送编号 {run}）",
            "Pushed to {db} (as of {as_of}; run {run})",
        ),
        "push-created": (
            "已在数据库中建表（表结构版本 {new}）",
            "Created the tables (schema revision {new})",
        ),
        "push-migrated": (
            "数据库表结构已从 {old} 升级到 {new}（数据保留）",
            "The database's tables were upgraded from {old} to {new} (rows kept)",
        ),
        "push-nothing-changed": (
            "与上次推送相比没有任何改动（本次推送已记录在 crmxl_runs）。",
            "Nothing changed since the last push (this push is recorded in crmxl_runs).",
        ),
        "push-findings": (
            "{errors} 个错误，{warnings} 个警告：",
            "{errors:~error|errors}, {warnings:~warning|warnings}:",
        ),
        "push-more": ("……另有 {n} 条", "... and {n} more"),
    }
)
