"""``crmxl split``: one least-privilege workbook per salesperson (seed 002, 权限分级管理).

Who gets a workbook (销售团队 decides; see ``docs/split-merge.md``):

- every active 销售专员: the customers whose 负责人 is them;
- every active 销售经理: the customers of everyone in their 团队 (themselves included);
- 管理员 get none (they hold the master), nor do people whose 在岗 is 否. Without a 销售团队
  sheet every 负责人 of 客户档案 counts as a 销售专员.

What a workbook holds: a short 说明; the rows of the person's customers on every sheet (客户档案,
联系人, 跟进记录, 交易记录, 需求清单, 问题跟踪) and the 线索 assigned to them (or their team); without
the sensitive columns (SPEC ``S``, or 配置's 敏感列) for a 销售专员; read-only 销售团队 (only the
person, or a manager's team) and 配置 (so the dropdowns read the team's lists); and the hidden
manifest (:mod:`crmxl.splitmerge.manifest`). Columns the master has but the schema does not know are left
out: crmxl cannot tell whether they are sensitive.

Protection: each data sheet is protected without a password (a guard rail against slips, not a
lock: merge is what enforces who may change what). Key columns (the sheet's ID, 客户编号,
客户档案's 负责人, 线索's 分配给) and (auto) columns are locked and grey; the other cells of the
exported rows are open. On 跟进记录, 联系人, 需求清单 and 问题跟踪 the rows below the data are open
too (except (auto) columns), so new records can be added; elsewhere they are locked.

Each workbook is written with xlsxwriter to a temporary file beside its target; when all are
written, one 变更日志 row per workbook (the split's ID and its manifest's SHA-256, which is how
merge recognises its own workbooks) is appended to the master through the safe write path, and
only then are the workbooks moved into place (an existing one is backed up first). Large
splits write the workbooks in worker processes.
"""

from __future__ import annotations

import contextlib
import hashlib
import multiprocessing
import os
import re
import time
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import xlsxwriter
from xlsxwriter.format import Format
from xlsxwriter.worksheet import Worksheet

from crmxl.errors import UsageError, WriteRefusedError
from crmxl.i18n import pick, register, t
from crmxl.model.changelog import Writers, append_changelog, changelog_row
from crmxl.model.frames import typed
from crmxl.model.schema import ENUMS, GUIDE_NAMES, SHEETS_BY_KEY, ColType, Column, SheetSpec
from crmxl.model.textout import render_table
from crmxl.model.values import plain
from crmxl.model.workspace import Table, Workspace, open_workspace
from crmxl.progress import Progress, reporter
from crmxl.splitmerge import manifest as mf
from crmxl.workbook import SaveReport, check_not_open, fingerprint, write_locked
from crmxl.workbook.cellxml import datetime_to_serial
from crmxl.workbook.fileops import temp_name
from crmxl.workbook.guard import check_workbook
from crmxl.workbook.save import replace_safely

#: The data sheets a split workbook holds, in workbook order.
EXPORTED = ("customers", "contacts", "follow_ups", "transactions", "needs", "issues", "leads")
#: Sheets where the person may add rows.
APPENDABLE = frozenset({"follow_ups", "contacts", "needs", "issues"})
#: The column that says whose a row is, on sheets that do not hang off a customer.
SCOPE_COLUMN = {"customers": "owner", "leads": "assigned_to"}

ROLE_REP, ROLE_MANAGER, ROLE_ADMIN = ENUMS["roles"].zh
#: Roles that see the sensitive columns.
SEES_SENSITIVE = frozenset({ROLE_MANAGER, ROLE_ADMIN})

#: Below this many exported rows the workbooks are written in this process.
PARALLEL_ROWS = 50_000
#: Extra rows below the data that carry the dropdowns.
SPARE_ROWS = 2_000
LOCKED_FILL = "#F2F2F2"  # the templates' (auto) grey
_PROTECT = {
    "autofilter": True,
    "sort": True,
    "format_columns": True,
    "select_locked_cells": True,
    "select_unlocked_cells": True,
}
_UNSAFE_NAME = re.compile(r'[\\/:*?"<>|\x00-\x1f]')

#: ``progress(stage, done, total)``: how far a split got.


# ------------------------------------------------------------------------------ people


@dataclass(frozen=True)
class Person:
    """Someone who gets a workbook, and whose customers it holds."""

    name: str
    role: str  # canonical (销售专员, 销售经理, 管理员)
    team: str
    scope: frozenset[str]  # the 负责人 whose customers are in the workbook
    active: bool = True

    @property
    def sees_sensitive(self) -> bool:
        return self.role in SEES_SENSITIVE

    @property
    def everything(self) -> bool:
        """An admin's scope is the whole workspace (only ever at merge time)."""
        return self.role == ROLE_ADMIN


@dataclass(frozen=True)
class Member:
    """A row of 销售团队."""

    name: str
    role: str
    team: str
    active: bool


def _name(value: Any) -> str:
    return mf.canonical(value, ColType.TEXT)


def members(ws: Workspace) -> list[Member] | None:
    """The team as 销售团队 lists it; None when the workspace has no such sheet."""
    table = ws.tables.get("team")
    if table is None:
        return None
    frame = typed(table, ws.settings, ["name", "role", "team", "active"]).frame
    out = []
    for row in frame.index:
        name = _name(frame.at[row, "name"])
        if not name:
            continue
        role = frame.at[row, "role"]
        active = frame.at[row, "active"]  # blank counts as active; only 否 is not
        inactive = isinstance(active, bool | np.bool_) and not active
        out.append(
            Member(
                name,
                role if isinstance(role, str) else "",
                _name(frame.at[row, "team"]),
                not inactive,
            )
        )
    return out


def person(ws: Workspace, name: str, team: list[Member] | None = None) -> Person:
    """``name`` as the workspace sees them now: role, team and scope.

    Someone the 销售团队 does not list (or a workspace without one) is a 销售专员 of their own
    customers.
    """
    team = members(ws) if team is None else team
    me = next((m for m in team or [] if m.name == name), None)
    if me is None:
        return Person(name, ROLE_REP, "", frozenset({name}))
    scope = {name}
    if me.role == ROLE_MANAGER and me.team:
        scope |= {m.name for m in team or [] if m.team == me.team}
    return Person(name, me.role or ROLE_REP, me.team, frozenset(scope), me.active)


def _owners(ws: Workspace) -> list[str]:
    table = ws.tables.get("customers")
    if table is None or "owner" not in table.data:
        return []
    owners = mf.canonical_series(table.data["owner"], ColType.TEXT)
    return sorted({o for o in owners if o})


def recipients(
    ws: Workspace, owners: Sequence[str] | None = None
) -> tuple[list[Person], list[tuple[str, str]]]:
    """Who gets a workbook, and who does not (name, reason code)."""
    team = members(ws)
    skipped: list[tuple[str, str]] = []
    candidates = [Member(o, ROLE_REP, "", True) for o in _owners(ws)] if team is None else team
    by_name = {m.name: m for m in candidates}
    if owners:
        wanted = list(dict.fromkeys(_name(o) for o in owners if _name(o)))
        unknown = [o for o in wanted if o not in by_name]
        if unknown:
            raise UsageError(
                "split-unknown-owner", names="、".join(unknown), known="、".join(by_name)
            )
        chosen = [by_name[o] for o in wanted]
        for m in chosen:
            reason = _ineligible(m)
            if reason:
                raise UsageError(reason.replace("split-skip-", "split-refuse-"), name=m.name)
    else:
        chosen = []
        for m in candidates:
            reason = _ineligible(m)
            if reason:
                skipped.append((m.name, reason))
            else:
                chosen.append(m)
    return [person(ws, m.name, team) for m in chosen], skipped


def _ineligible(m: Member) -> str | None:
    if m.role == ROLE_ADMIN:
        return "split-skip-admin"
    if m.role not in (ROLE_REP, ROLE_MANAGER):
        return "split-skip-role"
    if not m.active:
        return "split-skip-inactive"
    return None


# ------------------------------------------------------------------------------ columns


def key_columns(spec: SheetSpec) -> frozenset[str]:
    """Columns that say what a row is and whose it is: its ID, its customer, its owner."""
    keys = {c.key for c in spec.columns if c.customer_ref}
    if spec.id_column:
        keys.add(spec.id_column)
    if spec.key in SCOPE_COLUMN:
        keys.add(SCOPE_COLUMN[spec.key])
    return frozenset(keys)


def locked_columns(spec: SheetSpec) -> frozenset[str]:
    """Columns the person may not change: the key columns and the (auto) columns."""
    return key_columns(spec) | {c.key for c in spec.columns if c.auto}


def exported_columns(table: Table, who: Person, ws: Workspace) -> list[str]:
    """The columns of ``table`` the person's workbook gets, in the master's order."""
    ordered = sorted(table.columns, key=lambda k: table.columns[k])
    if who.sees_sensitive:
        return ordered
    return [k for k in ordered if not ws.settings.is_sensitive(table.spec.key, k)]


def removed_columns(ws: Workspace, who: Person) -> list[str]:
    """``sheet.column`` keys of the sensitive columns left out of the person's workbook."""
    if who.sees_sensitive:
        return []
    out = []
    for key in EXPORTED:
        table = ws.tables.get(key)
        if table is None:
            continue
        out += [f"{key}.{k}" for k in table.columns if ws.settings.is_sensitive(key, k)]
    return out


# ------------------------------------------------------------------------------ rows


def owner_map(ws: Workspace) -> dict[str, str]:
    """客户编号 -> 负责人 (both canonical), from 客户档案."""
    customers = ws.tables.get("customers")
    if customers is None or "owner" not in customers.data or "customer_id" not in customers.data:
        return {}
    ids = mf.canonical_series(customers.data["customer_id"], ColType.ID)
    owners = mf.canonical_series(customers.data["owner"], ColType.TEXT)
    return dict(zip(ids.tolist(), owners.tolist(), strict=True))


def row_owners(table: Table, owner_of: dict[str, str]) -> pd.Series:
    """Whose each row of ``table`` is: its 负责人 / 分配给, or its customer's 负责人."""
    spec = table.spec
    blank = pd.Series("", index=table.data.index, dtype=object)
    if spec.key in SCOPE_COLUMN:
        column = SCOPE_COLUMN[spec.key]
        if column not in table.data:
            return blank
        return mf.canonical_series(table.data[column], ColType.TEXT)
    ref = next((c.key for c in spec.columns if c.customer_ref), None)
    if ref is None or ref not in table.data:
        return blank
    ids = mf.canonical_series(table.data[ref], ColType.ID)
    return ids.map(owner_of).fillna("").astype(object)


@dataclass
class _Index:
    """Per sheet: the master keys, each row's owner, and the rows of each owner."""

    keys: dict[str, pd.Series] = field(default_factory=dict)
    owner: dict[str, pd.Series] = field(default_factory=dict)  # canonical owner per row
    rows_of: dict[str, dict[str, np.ndarray]] = field(default_factory=dict)  # positions

    def positions(self, sheet: str, scope: frozenset[str]) -> np.ndarray:
        """Positions (in master order) of the rows of ``sheet`` owned by ``scope``."""
        found = [self.rows_of[sheet][o] for o in scope if o in self.rows_of[sheet]]
        if not found:
            return np.empty(0, dtype=np.intp)
        return np.sort(np.concatenate(found))


def _index(ws: Workspace) -> _Index:
    idx = _Index()
    owner_of = owner_map(ws)
    for key in EXPORTED:
        table = ws.tables.get(key)
        if table is None:
            continue
        idx.keys[key] = mf.row_keys(table.data, table.spec)
        owners = row_owners(table, owner_of)
        idx.owner[key] = owners
        idx.rows_of[key] = {
            str(o): np.asarray(p) for o, p in owners.groupby(owners, sort=False).indices.items()
        }
    return idx


# ------------------------------------------------------------------------------ jobs


@dataclass
class _SheetJob:
    key: str
    name: str
    columns: list[str]
    headers: dict[str, str]
    frame: pd.DataFrame
    keys: list[str]
    appendable: bool


@dataclass
class _Job:
    """Everything one worker needs to write one person's workbook (picklable)."""

    person: Person
    dest: Path
    tmp: Path
    lang: str
    exported_at: datetime
    split_id: str
    sources: tuple[tuple[str, str], ...]
    removed: tuple[str, ...]
    removed_headers: tuple[str, ...]
    sheets: list[_SheetJob]
    team_headers: list[str]
    team_rows: list[list[Any]]
    settings_rows: list[list[Any]] | None
    source_names: str


@dataclass
class _Written:
    tmp: Path
    digest: str
    rows: dict[str, int]


def _file_name(name: str) -> str:
    cleaned = _UNSAFE_NAME.sub("_", name).strip(" .") or "_"
    return f"{cleaned}.xlsx"


def _split_id(sources: Sequence[tuple[str, str]], name: str, when: datetime) -> str:
    text = "|".join(f"{n}:{s}" for n, s in sources) + f"|{name}|{when.isoformat()}"
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


# ------------------------------------------------------------------------------ result


@dataclass
class SplitFile:
    """One workbook a split wrote."""

    owner: str
    role: str
    team: str
    path: Path
    split_id: str
    rows: dict[str, int]  # sheet name -> rows exported
    removed: list[str]  # headers of the sensitive columns left out
    backup: Path | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "owner": self.owner,
            "role": self.role,
            "team": self.team,
            "path": str(self.path),
            "split_id": self.split_id,
            "rows": self.rows,
            "removed_columns": self.removed,
            "backup": str(self.backup) if self.backup else None,
        }


@dataclass
class SplitResult:
    """What ``split`` wrote, and who got nothing and why."""

    sources: list[Path]
    out_dir: Path
    exported_at: datetime
    files: list[SplitFile] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (name, reason code)
    unassigned: int = 0  # customers whose 负责人 gets no workbook
    logged: list[SaveReport] = field(default_factory=list)
    seconds: float = 0.0

    def to_dict(self, lang: str = "zh") -> dict[str, Any]:
        return {
            "sources": [str(p) for p in self.sources],
            "out_dir": str(self.out_dir),
            "exported_at": self.exported_at.isoformat(sep=" "),
            "files": [f.to_dict() for f in self.files],
            "skipped": [{"name": n, "reason": t(code, lang)} for n, code in self.skipped],
            "unassigned_customers": self.unassigned,
            "master_saved": [s.to_dict() for s in self.logged],
            "seconds": round(self.seconds, 2),
        }

    def render(self, lang: str = "zh") -> str:
        lines = [t("split-title", lang, n=len(self.files), folder=self.out_dir)]
        if self.files:
            names = [
                pick(lang, "姓名", "Name"),
                pick(lang, "角色", "Role"),
                pick(lang, "文件", "File"),
                pick(lang, "客户", "Customers"),
                pick(lang, "行数", "Rows"),
                pick(lang, "已移除的敏感列", "Sensitive columns removed"),
            ]
            customers = SHEETS_BY_KEY["customers"]
            rows = []
            for f in self.files:
                n_customers = f.rows.get(customers.zh, f.rows.get(customers.en, 0))
                removed = "、".join(f.removed) if lang != "en" else ", ".join(f.removed)
                rows.append(
                    [
                        f.owner,
                        ENUMS["roles"].label(f.role, lang),
                        f.path.name,
                        n_customers,
                        sum(f.rows.values()),
                        removed or "-",
                    ]
                )
            lines += ["", render_table(names, rows, max_width={5: 40})]
        for name, code in self.skipped:
            lines.append(t("split-skipped", lang, name=name, reason=t(code, lang)))
        if self.unassigned:
            lines.append(t("split-unassigned", lang, n=self.unassigned))
        for f in self.files:
            if f.backup:
                lines.append(t("split-replaced", lang, path=f.path, backup=f.backup))
        lines.append(t("split-next", lang))
        return "\n".join(lines)


# ------------------------------------------------------------------------------ split


@write_locked("files")
def split(
    files: Sequence[Path | str],
    out_dir: Path | str,
    *,
    owners: Sequence[str] | None = None,
    as_of: datetime | None = None,
    config: Path | str | None = None,
    workers: int | None = None,
    backup: bool = True,
    progress: Progress | None = None,
) -> SplitResult:
    """Write one least-privilege workbook per salesperson of ``files`` into ``out_dir``.

    ``owners`` limits the split to these people (each must be an active 销售专员 or 销售经理);
    ``as_of`` is the export time recorded in each workbook (default now). ``workers`` caps the
    worker processes (default: the CPUs, for a large workspace). The master is changed only by
    one 变更日志 row per workbook; refused (nothing written) when it is open or changed.
    ``progress(stage, done, total)`` is told how far it got (read, write per workbook, done).
    """
    started = time.perf_counter()
    say = reporter(progress)
    exported_at = (as_of or datetime.now()).replace(microsecond=0)
    say("read", 0, 1)
    ws = open_workspace(files, config=config)
    out = Path(out_dir)
    people, skipped = recipients(ws, owners)
    result = SplitResult(list(ws.files), out, exported_at, skipped=skipped)
    masters = {p.resolve() for p in ws.files}
    log_file = ws.tables["changelog"].file if "changelog" in ws.tables else ws.primary_file
    check_not_open(log_file)
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise WriteRefusedError("write-failed", path=out, detail=exc.strerror or "") from exc
    sources = tuple((p.name, _sha(ws, p)) for p in ws.files)
    index = _index(ws)
    jobs = []
    for who in people:
        dest = out / _file_name(who.name)
        if dest.resolve() in masters:
            raise WriteRefusedError("split-over-master", path=dest)
        check_not_open(dest)
        if dest.exists():
            check_workbook(dest)  # a file in the way that is not a workbook: never replace it
        jobs.append(_make_job(ws, index, who, dest, exported_at, sources))
    result.unassigned = _unassigned(index, people)
    if not jobs:
        result.seconds = time.perf_counter() - started
        return result
    written: list[_Written] = []
    try:
        written = _run(jobs, workers, say)
        rows = []
        now = datetime.now().replace(microsecond=0)
        for job, done in zip(jobs, written, strict=True):
            reason = t(
                "split-log",
                ws.lang,
                owner=job.person.name,
                role=ENUMS["roles"].label(job.person.role, ws.lang),
                customers=done.rows.get("customers", 0),
            )
            rows.append(
                changelog_row(
                    now,
                    "split",
                    "",
                    job.split_id,
                    job.person.name,
                    None,
                    job.dest.name,
                    f"{reason} [crmxl {job.split_id} sha256:{done.digest}]",
                )
            )
        writers = Writers(ws)
        append_changelog(writers, ws, rows)
        for writer in writers.pending():
            result.logged.append(writer.save(backup=backup))
        for job, done in zip(jobs, written, strict=True):
            result.files.append(_finish(job, done, ws.lang, backup))
    finally:
        for done in written:
            with contextlib.suppress(OSError):
                done.tmp.unlink(missing_ok=True)
        for job in jobs:
            with contextlib.suppress(OSError):
                job.tmp.unlink(missing_ok=True)
    say("done", 1, 1)
    result.seconds = time.perf_counter() - started
    return result


def _sha(ws: Workspace, path: Path) -> str:
    seen = ws.fingerprints.get(path)
    return str(seen.sha256) if seen is not None else fingerprint(path).sha256


def _unassigned(index: _Index, people: list[Person]) -> int:
    owners = index.owner.get("customers")
    if owners is None:
        return 0
    covered: set[str] = set()
    for who in people:
        covered |= who.scope
    return int((~owners.isin(covered)).sum())


def _make_job(
    ws: Workspace,
    index: _Index,
    who: Person,
    dest: Path,
    exported_at: datetime,
    sources: tuple[tuple[str, str], ...],
) -> _Job:
    """Everything the person's workbook holds, cut from the workspace (rows, columns, the
    read-only sheets), so that a worker process can write it on its own."""
    lang = ws.lang
    sheets = []
    for key in EXPORTED:
        table = ws.tables.get(key)
        if table is None:
            continue
        positions = index.positions(key, who.scope)
        columns = exported_columns(table, who, ws)
        frame = table.data.take(positions)[columns]
        sheets.append(
            _SheetJob(
                key=key,
                name=table.spec.name(lang),
                columns=columns,
                headers={k: table.header(k) for k in columns},
                frame=frame,
                keys=index.keys[key].take(positions).tolist(),
                appendable=key in APPENDABLE,
            )
        )
    removed = removed_columns(ws, who)
    removed_headers = []
    for item in removed:
        sheet_key, col_key = item.split(".", 1)
        header = SHEETS_BY_KEY[sheet_key].column(col_key).name(lang)
        if header not in removed_headers:
            removed_headers.append(header)
    team_table = ws.tables.get("team")
    team_headers: list[str] = []
    team_rows: list[list[Any]] = []
    if team_table is not None:
        cols = sorted(team_table.columns, key=lambda k: team_table.columns[k])
        team_headers = [team_table.header(k) for k in cols]
        names = mf.canonical_series(team_table.data["name"], ColType.TEXT)
        mine = team_table.data.loc[names.isin(who.scope | {who.name}).to_numpy(), cols]
        team_rows = [[plain(v) for v in row] for row in mine.itertuples(index=False)]
    settings_table = ws.tables.get("settings")
    settings_rows = None
    if settings_table is not None:
        cols = [k for k in ("key", "value", "note") if k in settings_table.data]
        settings_rows = [
            [settings_table.header(k) for k in ("key", "value", "note")],
            *(
                [plain(row.get(k)) for k in ("key", "value", "note")]
                for row in settings_table.data[cols].to_dict("records")
            ),
        ]
    split_id = _split_id(sources, who.name, exported_at)
    return _Job(
        person=who,
        dest=dest,
        tmp=temp_name(dest),
        lang=lang,
        exported_at=exported_at,
        split_id=split_id,
        sources=sources,
        removed=tuple(removed),
        removed_headers=tuple(removed_headers),
        sheets=sheets,
        team_headers=team_headers,
        team_rows=team_rows,
        settings_rows=settings_rows,
        source_names=", ".join(n for n, _ in sources),
    )


def _run(jobs: list[_Job], workers: int | None, say: Progress) -> list[_Written]:
    """Write every job's workbook to its temporary file; in worker processes when large.

    Workers are spawned (not forked: the reader's threads must not be copied mid-flight, and
    Windows can only spawn); each gets its person's rows, pickled.
    """
    total = sum(len(s.frame) for job in jobs for s in job.sheets)
    if workers is None:
        workers = (os.cpu_count() or 1) if total >= PARALLEL_ROWS else 1
    workers = max(1, min(workers, len(jobs)))
    done: list[_Written] = []
    say("write", 0, len(jobs))
    if workers == 1:
        for job in jobs:
            done.append(write_workbook(job))
            say("write", len(done), len(jobs))
        return done
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
        for written in pool.map(write_workbook, jobs, chunksize=1):
            done.append(written)
            say("write", len(done), len(jobs))
    return done


def _finish(job: _Job, done: _Written, lang: str, backup: bool) -> SplitFile:
    """Move a written workbook into place (backing up what was there)."""
    dest = job.dest
    saved = replace_safely(done.tmp, dest, backup=backup)
    rows = {SHEETS_BY_KEY[k].name(lang): n for k, n in done.rows.items()}
    return SplitFile(
        owner=job.person.name,
        role=job.person.role,
        team=job.person.team,
        path=dest,
        split_id=job.split_id,
        rows=rows,
        removed=list(job.removed_headers),
        backup=saved,
    )


# ------------------------------------------------------------------------------ writing


class _Formats:
    """The formats of one workbook: a column's open and locked cell formats, headers."""

    def __init__(self, wb: xlsxwriter.Workbook) -> None:
        from crmxl.starter.templates import Styles

        self.styles = Styles(wb)

    def cell(self, num_format: str | None, locked: bool) -> Format:
        props: dict[str, Any] = {"locked": locked}
        if num_format:
            props["num_format"] = num_format
        if locked:
            props["bg_color"] = LOCKED_FILL
        return self.styles.get(**props)

    def header(self, auto: bool) -> Format:
        return self.styles.header(auto)


def write_workbook(job: _Job) -> _Written:
    """Write one person's workbook (with its manifest) to ``job.tmp``."""
    from crmxl.starter.templates import DATA_ROWS, LIST_NAMES, validation, write_lists

    wb = xlsxwriter.Workbook(
        str(job.tmp),
        {
            "strings_to_formulas": False,
            "strings_to_urls": False,
            "strings_to_numbers": False,
            "in_memory": True,  # measured: 15% faster than its temporary files
        },
    )
    wb.set_properties(
        {
            "title": t("split-doc-title", job.lang, name=job.person.name),
            "author": "crmxl",
            "comments": f"crmxl split {job.split_id}",
            "created": job.exported_at,
        }
    )
    fmts = _Formats(wb)
    guide = wb.add_worksheet(GUIDE_NAMES[1] if job.lang == "en" else GUIDE_NAMES[0])
    has_settings = job.settings_rows is not None
    manifest = mf.Manifest(
        split_id=job.split_id,
        owner=job.person.name,
        role=job.person.role,
        team=job.person.team,
        people=tuple(sorted(job.person.scope)),
        exported_at=job.exported_at,
        sources=job.sources,
        lang=job.lang,
        removed=job.removed,
    )
    lines: dict[str, list[str]] = {}
    rows: dict[str, int] = {}
    uses_lists = False
    for sheet in job.sheets:
        spec = SHEETS_BY_KEY[sheet.key]
        ws = wb.add_worksheet(sheet.name)
        n = len(sheet.frame)
        _write_data_sheet(ws, fmts, spec, sheet)
        last = max(n + SPARE_ROWS, DATA_ROWS) if sheet.appendable else max(n, 1)
        locked = locked_columns(spec)
        for c, key in enumerate(sheet.columns):
            col = spec.column(key)
            if key in locked and not (sheet.appendable and not col.auto):
                continue
            options = validation(col, job.lang, has_settings)
            if options:
                uses_lists |= col.enum in LIST_NAMES and has_settings
                ws.data_validation(1, c, last, c, options)
        prints = mf.row_fingerprints(sheet.frame, spec, sheet.columns)
        lines[sheet.key] = mf.row_lines(range(1, n + 1), sheet.keys, prints.tolist())
        manifest.sheets[sheet.key] = mf.SheetEntry(
            sheet.key, sheet.name, tuple(sheet.columns), sheet.appendable
        )
        rows[sheet.key] = n
    if job.team_headers:
        _write_readonly(
            wb.add_worksheet(SHEETS_BY_KEY["team"].name(job.lang)),
            fmts,
            job.team_headers,
            job.team_rows,
            [SHEETS_BY_KEY["team"].column(k).width for k in SHEETS_BY_KEY["team"].keys],
        )
    if job.settings_rows is not None:
        widths = [c.width for c in SHEETS_BY_KEY["settings"].columns]
        _write_readonly(
            wb.add_worksheet(SHEETS_BY_KEY["settings"].name(job.lang)),
            fmts,
            [str(h) for h in job.settings_rows[0]],
            job.settings_rows[1:],
            widths,
        )
        if uses_lists:
            write_lists(wb, fmts.styles, job.lang)
    _write_guide(guide, fmts, job, rows)
    sheet_rows = mf.manifest_rows(manifest, lines)
    hidden = wb.add_worksheet(mf.MANIFEST_SHEET)
    for r, (key, value) in enumerate(sheet_rows):
        hidden.write_string(r, 0, key)
        hidden.write_string(r, 1, value)
    hidden.protect("", _PROTECT)
    hidden.very_hidden()
    wb.close()
    return _Written(job.tmp, mf.digest(sheet_rows), rows)


def _write_data_sheet(ws: Worksheet, fmts: _Formats, spec: SheetSpec, sheet: _SheetJob) -> None:
    """Headers, column formats and locks, the rows, the token column, filter and protection."""
    from crmxl.starter.templates import column_format

    locked = locked_columns(spec)
    n = len(sheet.frame)
    for c, key in enumerate(sheet.columns):
        col = spec.column(key)
        num = column_format(spec, col)
        is_locked = key in locked
        open_fmt = fmts.cell(num, False)
        lock_fmt = fmts.cell(num, True)
        # below the data a column is open where new rows may go (and it is not computed)
        open_below = sheet.appendable and not col.auto
        ws.set_column(c, c, col.width, open_fmt if open_below else lock_fmt)
        ws.write_string(0, c, sheet.headers[key], fmts.header(col.auto))
        cell_fmt = lock_fmt if is_locked else open_fmt
        # a blank cell of an exported row needs its own format where it differs from the column's
        if is_locked:
            blank_fmt = lock_fmt if open_below else None
        else:
            blank_fmt = None if open_below else open_fmt
        _write_column(ws, c, sheet.frame[key], col, cell_fmt, blank_fmt)
    token = len(sheet.columns)
    token_fmt = fmts.cell(None, True)
    ws.set_column(token, token, 8, token_fmt, {"hidden": True})
    ws.write_string(0, token, mf.TOKEN_HEADER, fmts.header(True))
    write_number = ws.write_number
    for r in range(1, n + 1):
        write_number(r, token, r, token_fmt)
    ws.autofilter(0, 0, max(n, 1), max(len(sheet.columns) - 1, 0))
    ws.freeze_panes(1, 0)
    ws.protect("", _PROTECT)


_DATE_TYPES = (ColType.DATE, ColType.DATETIME)
_NUMBER_TYPES = (ColType.INT, ColType.AMOUNT, ColType.NUMBER)


def _write_column(
    ws: Worksheet,
    c: int,
    series: pd.Series,
    col: Column,
    fmt: Format,
    blank_fmt: Format | None,
) -> None:
    """One column of cells, typed as the master held them (fast paths for typed columns)."""
    write_number = ws.write_number
    write_blank = ws.write_blank
    if pd.api.types.is_datetime64_any_dtype(series.dtype) or pd.api.types.is_float_dtype(
        series.dtype
    ):
        numbers = (
            mf.excel_serial(series)
            if pd.api.types.is_datetime64_any_dtype(series.dtype)
            else series.to_numpy(dtype="float64", na_value=np.nan)
        )
        for r, v in enumerate(numbers.tolist(), start=1):
            if v == v:
                write_number(r, c, v, fmt)
            elif blank_fmt is not None:
                write_blank(r, c, None, blank_fmt)
        return
    write_string = ws.write_string
    is_date = col.type in _DATE_TYPES
    is_number = col.type in _NUMBER_TYPES
    for r, v in enumerate(series.tolist(), start=1):
        kind = type(v)
        if kind is str:
            if not v.strip():
                if blank_fmt is not None:
                    write_blank(r, c, None, blank_fmt)
                continue
            if is_date or is_number:
                converted = _typed_text(v, is_date)
                if converted is not None:
                    write_number(r, c, converted, fmt)
                    continue
            write_string(r, c, v, fmt)
        elif v is None or v is pd.NaT or (kind is float and v != v):
            if blank_fmt is not None:
                write_blank(r, c, None, blank_fmt)
        elif isinstance(v, bool | np.bool_):
            ws.write_boolean(r, c, bool(v), fmt)
        elif isinstance(v, int | float | np.integer | np.floating):
            write_number(r, c, float(v), fmt)
        elif isinstance(v, datetime):
            write_number(r, c, datetime_to_serial(v.replace(tzinfo=None)), fmt)
        else:
            write_string(r, c, str(v), fmt)


def _typed_text(text: str, is_date: bool) -> float | None:
    """A date or a number that a reader handed back as text (from a mixed column), as the
    number the cell held; None when the text is really text."""
    stripped = text.strip()
    if is_date:
        moment = mf.coerced_datetime(stripped)
        return datetime_to_serial(moment) if moment is not None else None
    if mf.PLAIN_NUMBER.match(stripped):
        return float(stripped)
    return None


def _write_readonly(
    ws: Worksheet, fmts: _Formats, headers: list[str], rows: list[list[Any]], widths: list[int]
) -> None:
    """A sheet the person may read but not change (销售团队, 配置)."""
    for c, header in enumerate(headers):
        ws.set_column(c, c, widths[c] if c < len(widths) else 12)
        ws.write_string(0, c, header, fmts.header(False))
    for r, row in enumerate(rows, start=1):
        for c, value in enumerate(row):
            if value is None:
                continue
            if isinstance(value, datetime):
                ws.write_datetime(r, c, value, fmts.styles.get(num_format="yyyy-mm-dd"))
            elif isinstance(value, bool | np.bool_):
                ws.write_boolean(r, c, bool(value))
            elif isinstance(value, int | float | np.integer | np.floating):
                ws.write_number(r, c, float(value))
            else:
                ws.write_string(r, c, str(value))
    ws.freeze_panes(1, 0)
    ws.protect("", _PROTECT)


def _write_guide(ws: Worksheet, fmts: _Formats, job: _Job, rows: dict[str, int]) -> None:
    """The short 说明: whose file this is, what it holds, what may be changed, how to return it."""
    lang = job.lang
    styles = fmts.styles
    ws.set_column(0, 0, 24)
    ws.set_column(1, 1, 90)
    wrap = styles.wrap
    r = 0
    ws.write_string(r, 0, t("split-doc-title", lang, name=job.person.name), styles.title)
    r += 2
    facts = [
        (pick(lang, "负责人", "Owner"), job.person.name),
        (pick(lang, "角色", "Role"), ENUMS["roles"].label(job.person.role, lang)),
        (pick(lang, "范围", "Covers"), "、".join(sorted(job.person.scope))),
        (pick(lang, "导出自", "Exported from"), job.source_names),
        (pick(lang, "导出时间", "Exported at"), job.exported_at.strftime("%Y-%m-%d %H:%M")),
        (pick(lang, "拆分编号", "Split ID"), job.split_id),
    ]
    counts = "；".join(f"{SHEETS_BY_KEY[k].name(lang)} {n}" for k, n in rows.items())
    facts.append((pick(lang, "行数", "Rows"), counts))
    if job.removed_headers:
        sep = ", " if lang == "en" else "、"
        facts.append(
            (
                pick(lang, "已移除的敏感列", "Sensitive columns left out"),
                sep.join(job.removed_headers),
            )
        )
    for label, value in facts:
        ws.write_string(r, 0, label, styles.label)
        ws.write_string(r, 1, value, wrap)
        r += 1
    r += 1
    ws.write_string(r, 0, t("split-guide-how", lang), styles.section)
    r += 1
    appendable = "、".join(s.name for s in job.sheets if s.appendable)
    for code in (
        "split-guide-open",
        "split-guide-add",
        "split-guide-delete",
        "split-guide-return",
        "split-guide-protect",
    ):
        ws.write_string(r, 1, t(code, lang, sheets=appendable), wrap)
        r += 1
    ws.protect("", _PROTECT)


register(
    {
        "split-title": (
            "已拆分出 {n} 个工作簿，保存在 {folder}",
            "Wrote {n} workbooks to {folder}",
        ),
        "split-skipped": ("{name}：未拆分（{reason}）", "{name}: no workbook ({reason})"),
        "split-skip-admin": ("管理员使用主文件", "admins work in the master"),
        "split-skip-inactive": ("不在岗", "not active"),
        "split-skip-role": ("角色不是销售专员或销售经理", "role is neither sales rep nor manager"),
        "split-unassigned": (
            "{n} 个客户的负责人不在任何人的范围内，没有拆分出去",
            "{n} customers belong to no one who got a workbook",
        ),
        "split-replaced": (
            "已替换 {path}（原文件备份在 {backup}）",
            "Replaced {path} (the old file is kept as {backup})",
        ),
        "split-next": (
            "把文件分别发给各人；交回后运行 crmxl merge 主文件 交回的文件，再运行 crmxl refresh。",
            "Send each person their file; when they hand it back run crmxl merge MASTER FILE, "
            "then crmxl refresh.",
        ),
        "split-unknown-owner": (
            "销售团队中没有 {names}（可选：{known}）",
            "{names} not in the team (known: {known})",
        ),
        "split-refuse-admin": (
            "{name} 是管理员，使用主文件，不拆分",
            "{name} is an admin and works in the master; no workbook",
        ),
        "split-refuse-inactive": ("{name} 不在岗，不拆分", "{name} is not active; no workbook"),
        "split-refuse-role": (
            "{name} 的角色不是销售专员或销售经理，不拆分",
            "{name} is neither a sales rep nor a manager; no workbook",
        ),
        "split-over-master": (
            "拆分文件 {path} 会覆盖主文件，请换一个输出文件夹",
            "The workbook {path} would replace a master file; choose another folder",
        ),
        "split-log": (
            "拆分给 {owner}（{role}），客户 {customers} 个",
            "Split for {owner} ({role}), {customers} customers",
        ),
        "split-doc-title": ("{name} 的客户工作簿", "Customer workbook of {name}"),
        "split-guide-how": ("怎么用", "How to use it"),
        "split-guide-open": (
            "白色单元格可以修改；灰色单元格（编号、客户编号、负责人和自动计算列）已锁定。",
            "White cells may be changed; grey cells (IDs, customer IDs, owners and computed "
            "columns) are locked.",
        ),
        "split-guide-add": (
            "新记录请加在这些表的末尾：{sheets}；编号可以留空，合并时会自动编号。",
            "Add new records at the bottom of: {sheets}; leave the ID blank if you like, merge "
            "gives one.",
        ),
        "split-guide-delete": (
            "请不要删除行：删除不会合并回主文件。不要改动隐藏的 crmxl 列和工作表。",
            "Do not delete rows: deletions are not merged. Leave the hidden crmxl column and "
            "sheet alone.",
        ),
        "split-guide-return": (
            "改完后把文件交回；管理员运行 crmxl merge 主文件 本文件，只合并你负责的客户的修改。",
            "Hand the file back when done; the admin runs crmxl merge MASTER THIS-FILE, which "
            "takes only changes to your own customers.",
        ),
        "split-guide-protect": (
            "工作表保护没有密码，只为防止误改。",
            "Sheet protection has no password; it only guards against slips.",
        ),
    }
)
