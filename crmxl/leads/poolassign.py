"""``crmxl assign --pool``: hand the public pool's customers (公海, SPEC 2.9) out, in place.

Which customers: those whose 负责人 is 公海, oldest in the pool first (入公海日期, then row). Who
takes them: the lead rules of SPEC 2.5 (:func:`crmxl.leads.assign.choose`: an active 销售专员
covering the customer's 区域, preferring its 所属行业, then the fewest open leads, then name
order; nobody past their 线索上限), never the 原负责人 while the cool-down holds
(:func:`crmxl.leads.pool.assign_pool`). Load and caps are ``assign``'s (open leads), and each
customer handed out counts as one more.

What is written, for each customer handed out: 负责人 = the rep, 入公海日期 cleared (原负责人 stays,
as history), and one 变更日志 row (负责人 公海 → the rep, the reason) dated ``as_of``, which starts
the customer's protection period (保护期天数). A customer no one can take stays in the pool and is
reported with the reason (exit 1, as for leads).
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path

import pandas as pd

from crmxl.a1 import column_letter
from crmxl.errors import WorkspaceError
from crmxl.i18n import register
from crmxl.leads.assign import open_lead_counts, read_team
from crmxl.leads.pool import assign_pool as hand_out
from crmxl.leads.pool import candidates
from crmxl.leads.result import AssignResult
from crmxl.model.changelog import Writers, append_changelog, changelog_row
from crmxl.model.frames import typed
from crmxl.model.schema import Pool, fold
from crmxl.model.workspace import Table, Workspace, open_workspace
from crmxl.progress import Progress, reporter
from crmxl.workbook import CellValue, Text, write_locked

#: The customer columns the hand-out reads.
READ = ("customer_id", "name", "owner", "region", "industry", "former_owner", "pooled_on")


def pool_frame(table: Table, ws: Workspace) -> pd.DataFrame:
    """The customers as :func:`crmxl.leads.pool.candidates` reads them (with the 区域 as typed
    and whether it is a placeholder or not in 配置's list)."""
    tt = typed(table, ws.settings, READ)
    frame = tt.frame.copy()
    frame["region_raw"] = (
        table.data["region"] if "region" in table.data else pd.Series(None, index=frame.index)
    )
    problem = pd.Series(None, index=frame.index, dtype=object)
    for p in tt.problems:
        if p.key == "region":
            problem[p.row] = "bad"
    for p in tt.placeholders:
        if p.key == "region":
            problem[p.row] = "placeholder"
    frame["region_problem"] = problem
    return frame


@write_locked("files", unless="dry_run")
def assign_pool(
    files: Sequence[Path | str],
    *,
    as_of: datetime | None = None,
    dry_run: bool = False,
    config: Path | str | None = None,
    backup: bool = True,
    progress: Progress | None = None,
) -> AssignResult:
    """Hand the pool customers of ``files`` out (SPEC 2.9) and write the result in place;
    ``progress(stage, done, total)`` hears of reading, the hand-out and the writing.

    Raises :class:`~crmxl.errors.WorkspaceError` without a 客户档案 or 销售团队 sheet.
    """
    started = time.perf_counter()
    say = reporter(progress)
    say("read", 0, 1)
    as_of = (as_of or datetime.now()).replace(microsecond=0)
    ws = open_workspace(files, config=config, sheets=["customers", "leads", "team", "changelog"])
    customers = ws.tables.get("customers")
    if customers is None:
        raise WorkspaceError("assign-pool-no-customers")
    team_table = ws.tables.get("team")
    if team_table is None:
        raise WorkspaceError("assign-no-team")
    lang = customers.lang
    result = AssignResult(list(ws.files), customers.sheet_name, as_of, dry_run, pool=True)
    team = read_team(team_table, ws)
    result.left_out = team.left_out
    counts = open_lead_counts(ws.tables.get("leads"), ws)
    for member in team.reps:
        member.open = counts.get(fold(member.name), 0)
    pool = candidates(pool_frame(customers, ws))
    result.waiting = len(pool)
    say("assign", 0, 1)
    result.assigned, result.unassigned = hand_out(pool, team, ws.settings.pool, as_of.date())
    result.open_leads = {r.name: r.open for r in team.reps}
    result.caps = {r.name: r.cap for r in team.reps}
    if result.assigned:
        say("write", 0, 1)
        writers = Writers(ws)
        writer = writers(customers.file)
        writer.set_header_row(customers.sheet_name, customers.header_row)
        owner_col = customers.columns["owner"]
        pooled_col = customers.columns.get("pooled_on")
        owner_header = customers.header("owner")
        log: list[list[CellValue]] = []
        for done in result.assigned:
            writer.set_cell(customers.sheet_name, done.row, owner_col, Text(done.owner))
            if pooled_col is not None:
                writer.set_cell(customers.sheet_name, done.row, pooled_col, None)
            log.append(
                changelog_row(
                    as_of,
                    "assign",
                    customers.sheet_name,
                    done.record,
                    owner_header,
                    Pool.POOL.label(lang),
                    done.owner,
                    done.reason(lang),
                )
            )
        append_changelog(writers, ws, log)
        for pending in writers.pending():
            report = pending.plan() if dry_run else pending.save(backup=backup)
            result.saved.append(report)
            result.formula_cells += [
                f"{s}!{column_letter(c)}{r}" for s, r, c in pending.formula_cells()
            ]
    say("done", 1, 1)
    result.seconds = time.perf_counter() - started
    return result


register(
    {
        "assign-pool-no-customers": (
            "工作簿中没有“客户档案”工作表，无法分配公海客户",
            "No Customers (客户档案) sheet in the workbooks; the pool cannot be handed out",
        ),
    }
)
