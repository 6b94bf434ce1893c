"""``crmxl split``: one least-privilege workbook per salesperson (seed 002, 权限分级管理).

Who gets a workbook (销售团队 decides; see ``docs/split-merge.md``):

- every active 销售专员: the customers whose 负责人 is them;
- every active 销售经理: the customers of everyone in their 团队 (themselves included);
- 管理员 get none (they hold the master), nor do people whose 在岗 is 否. Without a 销售团队
  sheet every 负责人 of 客户档案 counts as a 销售专员.

What a workbook holds: a short 说明; the rows of the person's customers on every sheet (客户档案,
联系人, 跟进记录, 交易记录, 需求清单, 问题跟踪) and the 线索 assigned to them (or their team); without
the sensitive columns (SPEC ``S``, or 配置's 敏感列) for a 销售专员, whose 等级依据 names the
rule without the amounts it quotes; read-only 销售团队 (only the
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

from crmxl import concurrency
from crmxl.errors import WorkspaceError, WriteRefusedError
from crmxl.i18n import pick, register, t
from crmxl.model.changelog import Writers, append_changelog, changelog_row
from crmxl.model.schema import ENUMS, SHEETS_BY_KEY, ColType
from crmxl.model.textout import render_table
from crmxl.model.values import plain
from crmxl.model.workspace import Workspace, open_workspace
from crmxl.progress import Progress, reporter
from crmxl.rules.pool import in_pool
from crmxl.splitmerge import manifest as mf
from crmxl.splitmerge.book import Job, SheetJob, Written, write_workbook
from crmxl.splitmerge.people import (
    APPENDABLE,
    EXPORTED,
    Person,
    _Index,
    _index,
    exported_columns,
    recipients,
    removed_columns,
    rep_tier_reasons,
)
from crmxl.splitmerge.poolrows import pool_positions
from crmxl.workbook import SaveReport, check_not_open, fingerprint, write_locked
from crmxl.workbook.fileops import temp_name
from crmxl.workbook.guard import check_workbook
from crmxl.workbook.save import replace_safely

#: Below this many exported rows the workbooks are written in this process.
PARALLEL_ROWS = 50_000

_UNSAFE_NAME = re.compile(r'[\\/:*?"<>|\x00-\x1f]')


def _file_name(name: str) -> str:
    cleaned = _UNSAFE_NAME.sub("_", name).strip(" .") or "_"
    return f"{cleaned}.xlsx"


def _split_id(sources: Sequence[tuple[str, str]], name: str, when: datetime) -> str:
    text = "|".join(f"{n}:{s}" for n, s in sources) + f"|{name}|{when.isoformat()}"
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


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
    worker processes (default: ``CRMXL_WORKERS``, see :mod:`crmxl.concurrency`, else one per
    CPU for a large workspace). The master is changed only by
    one 变更日志 row per workbook; refused (nothing written) when it is open or changed.
    ``progress(stage, done, total)`` is told how far it got (read, write per workbook, done).
    """
    started = time.perf_counter()
    say = reporter(progress)
    exported_at = (as_of or datetime.now()).replace(microsecond=0)
    say("read", 0, 1)
    ws = open_workspace(files, config=config)
    if "customers" not in ws.tables:  # whose rows are whose hangs off 客户档案's 负责人
        raise WorkspaceError("split-no-customers", files=", ".join(p.name for p in ws.files))
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
    index.rep_reasons = rep_tier_reasons(ws, exported_at)
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
    written: list[Written] = []
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
    return int((~owners.isin(covered) & ~in_pool(owners)).sum())  # 公海 belongs to no one


def _make_job(
    ws: Workspace,
    index: _Index,
    who: Person,
    dest: Path,
    exported_at: datetime,
    sources: tuple[tuple[str, str], ...],
) -> Job:
    """Everything the person's workbook holds, cut from the workspace (rows, columns, the
    read-only sheets), so that a worker process can write it on its own."""
    lang = ws.lang
    sheets = []
    for key in EXPORTED:
        table = ws.tables.get(key)
        if table is None:
            continue
        positions = index.positions(key, who.scope)
        readonly: tuple[int, ...] = ()
        if key == "customers":  # the pool customers the person may claim (SPEC 2.9)
            pool = pool_positions(ws, who, exported_at)
            readonly = tuple(range(len(positions) + 1, len(positions) + len(pool) + 1))
            positions = np.concatenate([positions, pool]).astype(np.intp)
        columns = exported_columns(table, who, ws)
        frame = table.data.take(positions)[columns]
        reasons = index.rep_reasons
        rewrite = key == "customers" and "tier_reason" in columns and not who.sees_sensitive
        if rewrite and reasons is not None:
            # the reason quotes the amounts: a salesperson's says which rule only
            frame = frame.assign(tier_reason=reasons.take(positions).to_numpy())
        if readonly:  # no sensitive value of a customer that is not the person's
            frame = frame.copy()
            for k in columns:
                if ws.settings.is_sensitive(key, k):
                    frame.iloc[readonly[0] - 1 :, columns.index(k)] = None
        sheets.append(
            SheetJob(
                key=key,
                name=table.spec.name(lang),
                columns=columns,
                headers={k: table.header(k) for k in columns},
                frame=frame,
                keys=index.keys[key].take(positions).tolist(),
                appendable=key in APPENDABLE,
                readonly_rows=readonly,
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
    return Job(
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


def _run(jobs: list[Job], workers: int | None, say: Progress) -> list[Written]:
    """Write every job's workbook to its temporary file; in worker processes when large.

    Workers are spawned (not forked: the reader's threads must not be copied mid-flight, and
    Windows can only spawn); each gets its person's rows, pickled.
    """
    total = sum(len(s.frame) for job in jobs for s in job.sheets)
    if workers is None:  # the knob (CRMXL_WORKERS), else a process per core for a large team
        workers = concurrency.workers((os.cpu_count() or 1) if total >= PARALLEL_ROWS else 1)
    workers = max(1, min(workers, len(jobs)))
    done: list[Written] = []
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


def _finish(job: Job, done: Written, lang: str, backup: bool) -> SplitFile:
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


register(
    {
        "split-title": (
            "已拆分出 {n} 个工作簿，保存在 {folder}",
            "Wrote {n:~workbook|workbooks} to {folder}",
        ),
        "split-skipped": ("{name}：未拆分（{reason}）", "{name}: no workbook ({reason})"),
        "split-unassigned": (
            "{n} 个客户的负责人不在任何人的范围内，没有拆分出去",
            "{n:~customer|customers} {n:?belongs|belong} to no one who got a workbook",
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
        "split-refuse-admin": (
            "{name} 是管理员，使用主文件，不拆分",
            "{name} is an admin and works in the master; no workbook",
        ),
        "split-refuse-inactive": ("{name} 不在岗，不拆分", "{name} is not active; no workbook"),
        "split-refuse-role": (
            "{name} 的角色不是销售专员或销售经理，不拆分",
            "{name} is neither a sales rep nor a manager; no workbook",
        ),
        "split-no-customers": (
            "{files} 中没有客户档案：拆分按客户的负责人分行，没有客户档案无法拆分，未写入任何文件",
            "{files} has no Customers sheet: a split gives each person their customers' rows, so "
            "it cannot split without one; nothing was written",
        ),
        "split-over-master": (
            "拆分文件 {path} 会覆盖主文件，请换一个输出文件夹",
            "The workbook {path} would replace a master file; choose another folder",
        ),
        "split-log": (
            "拆分给 {owner}（{role}），客户 {customers} 个",
            "Split for {owner} ({role}), {customers:~customer|customers}",
        ),
    }
)
