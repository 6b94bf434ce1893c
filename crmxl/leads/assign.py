"""``crmxl assign``: give every waiting lead an owner, by SPEC 2.5 (seed 002 二.(二)).

Which leads: those whose 线索状态 is 待分配, and those with neither a status nor an owner (a lead
typed in by hand). 无效 leads are never touched: a manager sends one back by setting it to 待分配.
Leads are taken oldest first (获取时间, then row), so an owner's cap goes to the earliest leads.

Who may take a lead: a 销售专员 whose 在岗 is 是 (when the team sheet has an 在岗 column; a blank
cell does not count as 是) and whose 负责区域 holds the lead's 区域. Among them:

1. no one at their 线索上限 (a blank cap means no cap);
2. prefer those whose 擅长行业 holds the lead's 行业;
3. then the fewest open leads;
4. then name order (Unicode order, which is stable on every machine; not pinyin order).

An *open* lead is one assigned to the person (分配给) that is 待确认 or 有效 — or that has an owner
and no status at all. 待分配, 无效 and 已转化 leads are not open. The counts include what this run
assigns, so a run spreads leads evenly and never passes a cap.

Duplicates (查重): a waiting lead whose company (normalised, :func:`~crmxl.model.values.normalize_company`)
or phone (normalised) matches a customer in 客户档案 or a contact's 手机 in 联系人 is not assigned;
it stays 待分配 and its 分配依据 says ``疑似重复：…`` (what it matched), so the manager sees it in
the workbook. Once it no longer matches, the next run assigns it and replaces that text.

What is written, for each lead assigned: 分配给, 分配时间 (= as_of), 分配依据 (the reason, in the
workbook's language), 线索状态 = 待确认, 确认状态 (auto) = 待确认 when the column exists, and a
stale 确认时间 (left from an earlier assignment) is cleared. One 变更日志 row per assignment (and one
per duplicate marker written). Leads no one can take stay 待分配 and are reported with the reason.
The result is deterministic: the same workbook and as_of give the same assignment, and a second
run assigns nothing new.
"""

from __future__ import annotations

import time
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Protocol

import numpy as np
import pandas as pd

from crmxl.a1 import column_letter
from crmxl.i18n import register, t
from crmxl.leads.result import (
    Assignment,
    AssignResult,
    Duplicate,
    Unassigned,
    Why,
    names_pair,
)
from crmxl.model import values
from crmxl.model.changelog import Writers, append_changelog, changelog_row
from crmxl.model.frames import typed
from crmxl.model.schema import ConfirmState, LeadStatus, Role, fold
from crmxl.model.skips import Skip, merged, skip_if
from crmxl.model.values import as_text
from crmxl.model.workspace import Table, Workspace, open_workspace
from crmxl.progress import Progress, reporter
from crmxl.workbook import CellValue, Text, write_locked

#: Lead statuses that count against an owner's 线索上限.
OPEN_STATUSES = (LeadStatus.AWAITING, LeadStatus.VALID)

#: The columns assign writes (the auto 确认状态 too, when present).
OUTPUT_KEYS = ("assigned_to", "assigned_at", "assignment_reason", "status")

#: How the duplicate marker in 分配依据 starts, in each language.
DUPLICATE_PREFIXES = ("疑似重复", "Possible duplicate")


@dataclass
class Rep:
    """A salesperson who may take leads."""

    name: str
    regions: frozenset[str]  # folded
    industries: frozenset[str]  # folded
    cap: int | None
    open: int = 0


@dataclass
class Team:
    """The reps who may take leads, and the people left out (with why)."""

    reps: list[Rep]
    inactive: dict[str, frozenset[str]]  # name -> folded regions (active 否 or blank)
    left_out: list[tuple[str, str]]  # (name, reason code)


def read_team(table: Table, ws: Workspace) -> Team:
    """The 销售专员 who may take leads (see the module docstring for who)."""
    tt = typed(table, ws.settings, ["name", "role", "regions", "industries", "active", "lead_cap"])
    frame = tt.frame
    reps: list[Rep] = []
    inactive: dict[str, frozenset[str]] = {}
    left_out: list[tuple[str, str]] = []
    has_active = table.has("active")
    for row in frame.index:
        name = frame.at[row, "name"]
        if not isinstance(name, str) or not name:
            continue
        if frame.at[row, "role"] != Role.REP:
            continue
        regions = _folded(frame.at[row, "regions"])
        industries = _folded(frame.at[row, "industries"])
        active = (
            bool(frame.at[row, "active"])
            if has_active and isinstance(frame.at[row, "active"], bool | np.bool_)
            else (None if has_active else True)
        )
        if active is not True:
            inactive[name] = regions
            why = "assign-left-inactive" if active is False else "assign-left-active-blank"
            left_out.append((name, why))
            continue
        cap_value = frame.at[row, "lead_cap"]
        cap = None if pd.isna(cap_value) else int(cap_value)
        if not regions:
            left_out.append((name, "assign-left-no-regions"))
        reps.append(Rep(name, regions, industries, cap))
    reps.sort(key=lambda r: r.name)
    return Team(reps, inactive, left_out)


def _folded(items: Any) -> frozenset[str]:
    if isinstance(items, tuple | list):
        return frozenset(fold(i) for i in items if str(i).strip())
    return frozenset()


@dataclass
class _Known:
    """Customers' normalised names and contacts' phones, with what to say when one matches."""

    names: dict[str, Why] = field(default_factory=dict)
    phones: dict[str, Why] = field(default_factory=dict)


def _known(ws: Workspace, header_company: str, header_phone: str) -> _Known:
    known = _Known()
    customers = ws.tables.get("customers")
    if customers is not None and customers.has("name"):
        frame = typed(customers, ws.settings, ["customer_id", "name"]).frame
        for cid, name in zip(frame["customer_id"].tolist(), frame["name"].tolist(), strict=True):
            if isinstance(name, str) and name.strip():
                known.names.setdefault(
                    values.normalize_company(name),
                    Why(
                        "assign-dup-name",
                        {"column": header_company, "record": as_text(cid), "name": name},
                    ),
                )
    contacts = ws.tables.get("contacts")
    if contacts is not None and contacts.has("mobile"):
        frame = typed(contacts, ws.settings, ["customer_id", "name", "mobile"]).frame
        for cid, name, phone in zip(
            frame["customer_id"].tolist(),
            frame["name"].tolist(),
            frame["mobile"].tolist(),
            strict=True,
        ):
            if isinstance(phone, str) and phone:
                known.phones.setdefault(
                    phone,
                    Why(
                        "assign-dup-phone",
                        {"column": header_phone, "record": as_text(cid), "name": as_text(name)},
                    ),
                )
    return known


def _name(table: Table, key: str) -> str:
    """A column's plain name in the sheet's language (no ``*`` marker), for messages."""
    return table.spec.column(key).name(table.lang)


@dataclass
class _Lead:
    row: int
    record: str
    company: str
    region: str | None
    region_raw: Any
    region_problem: str | None  # "placeholder", "bad", or None
    industry: str | None
    phone: str | None
    reason_now: str  # the 分配依据 cell as it is
    owner_now: str
    confirmed: bool
    captured: Any


class Wanted(Protocol):
    """What :func:`choose` reads of a lead, or of a customer handed out of the pool (公海)."""

    @property
    def region(self) -> str | None: ...
    @property
    def region_raw(self) -> Any: ...
    @property
    def region_problem(self) -> str | None: ...  # "placeholder", "bad", or None
    @property
    def industry(self) -> str | None: ...


def choose(lead: Wanted, team: Team, exclude: Collection[str] = ()) -> tuple[Rep | None, list[Why]]:
    """The owner of one lead by SPEC 2.5, and the reason; (None, [why not]) when no one.

    ``exclude`` holds folded names who may not take this one (the pool's cool-down, SPEC 2.9).
    """
    if lead.region is None:
        if lead.region_problem == "placeholder":
            return None, [Why("assign-no-region-placeholder", {"value": as_text(lead.region_raw)})]
        if lead.region_problem == "bad":
            return None, [Why("assign-no-region-unknown", {"value": as_text(lead.region_raw)})]
        return None, [Why("assign-no-region")]
    region = fold(lead.region)
    covering = [r for r in team.reps if region in r.regions]
    barred = [r for r in covering if fold(r.name) in exclude]
    if barred:
        covering = [r for r in covering if r not in barred]
        if not covering:
            names = names_pair(r.name for r in barred)
            return None, [Why("assign-no-rep-excluded", {"region": lead.region, "names": names})]
    if not covering:
        away = sorted(n for n, regions in team.inactive.items() if region in regions)
        if away:
            return None, [
                Why("assign-no-rep-inactive", {"region": lead.region, "names": names_pair(away)})
            ]
        return None, [Why("assign-no-rep", {"region": lead.region})]
    full = [r for r in covering if r.cap is not None and r.open >= r.cap]
    free = [r for r in covering if r not in full]
    at_cap = (
        "、".join(f"{r.name}（{r.open}/{r.cap}）" for r in full),
        ", ".join(f"{r.name} ({r.open}/{r.cap})" for r in full),
    )
    if not free:
        return None, [Why("assign-all-at-cap", {"region": lead.region, "names": at_cap})]
    why = [Why("assign-why-region", {"region": lead.region})]
    pool = free
    if lead.industry:
        industry = fold(lead.industry)
        matching = [r for r in free if industry in r.industries]
        if matching:
            pool = matching
            why.append(Why("assign-why-industry", {"industry": lead.industry}))
        else:
            why.append(Why("assign-why-no-industry", {"industry": lead.industry}))
    fewest = min(r.open for r in pool)
    tied = [r for r in pool if r.open == fewest]
    chosen = min(tied, key=lambda r: r.name)
    if len(pool) > 1:
        if len(tied) == 1:
            why.append(Why("assign-why-fewest", {"n": fewest}))
        else:
            why.append(Why("assign-why-name", {"n": fewest}))
    if full:
        why.append(Why("assign-why-cap", {"names": at_cap}))
    return chosen, why


def _leads(table: Table, ws: Workspace) -> tuple[list[_Lead], dict[str, int]]:
    """The waiting leads (oldest first) and every owner's open-lead count."""
    keys = [
        "lead_id",
        "captured_at",
        "company",
        "phone",
        "region",
        "industry",
        "assigned_to",
        "assignment_reason",
        "confirmed_at",
        "status",
    ]
    tt = typed(table, ws.settings, keys)
    frame = tt.frame
    placeholders = {(p.key, p.row) for p in tt.placeholders}
    problems = {(p.key, p.row) for p in tt.problems}
    open_counts: dict[str, int] = {}
    waiting: list[_Lead] = []
    col = {k: frame[k].tolist() for k in keys}  # plain lists: a row loop over .at is slow
    raw_regions = table.data["region"].tolist() if "region" in table.data else [None] * len(frame)
    for i, row in enumerate(frame.index.tolist()):
        status = col["status"][i]
        status = status if isinstance(status, str) and status else None
        owner = as_text(col["assigned_to"][i]).strip()
        readable = ("status", row) not in problems
        if status in OPEN_STATUSES or (status is None and owner and readable):
            open_counts[fold(owner)] = open_counts.get(fold(owner), 0) + 1
            continue
        if not (status == LeadStatus.UNASSIGNED or (status is None and not owner and readable)):
            continue
        region = col["region"][i]
        problem = None
        if ("region", row) in placeholders:
            problem = "placeholder"
        elif ("region", row) in problems:
            problem = "bad"
        phone = col["phone"][i]
        captured = col["captured_at"][i]
        waiting.append(
            _Lead(
                row=int(row),
                record=as_text(col["lead_id"][i]),
                company=as_text(col["company"][i]),
                region=region if isinstance(region, str) and region else None,
                region_raw=raw_regions[i],
                region_problem=problem,
                industry=as_text(col["industry"][i]) or None,
                phone=phone if isinstance(phone, str) and phone else None,
                reason_now=as_text(col["assignment_reason"][i]).strip(),
                owner_now=owner,
                confirmed=not pd.isna(col["confirmed_at"][i]),
                captured=None if pd.isna(captured) else captured,
            )
        )
    waiting.sort(
        key=lambda lead: (lead.captured is None, lead.captured or pd.Timestamp.min, lead.row)
    )
    return waiting, open_counts


def open_lead_counts(table: Table | None, ws: Workspace) -> dict[str, int]:
    """Every owner's open leads (folded name -> count), as :func:`assign` counts them."""
    return _leads(table, ws)[1] if table is not None else {}


@write_locked("files", unless="dry_run")
def assign(
    files: Sequence[Path | str],
    *,
    as_of: datetime | None = None,
    dry_run: bool = False,
    config: Path | str | None = None,
    backup: bool = True,
    progress: Progress | None = None,
) -> AssignResult:
    """Assign the waiting leads of ``files`` (SPEC 2.5) and write the result in place.

    ``progress(stage, done, total)`` hears of reading, each lead assigned, and the writing.

    Without 线索 there is nothing to assign, and without 销售团队 no one may take a lead (the
    leads stay waiting, duplicates are still flagged): the result's ``skipped`` says so. Raises
    the write path's errors when a file cannot be written (nothing is written then).
    """
    started = time.perf_counter()
    say = reporter(progress)
    as_of = (as_of or datetime.now()).replace(microsecond=0)
    say("read", 0, 1)
    ws = open_workspace(
        files, config=config, sheets=["leads", "team", "customers", "contacts", "changelog"]
    )
    leads = ws.tables.get("leads")
    present = set(ws.tables)
    if leads is None:  # nothing waits to be assigned
        skipped = [Skip("skip-assign", ("leads",))]
        return AssignResult(list(ws.files), "", as_of, dry_run, skipped=skipped)
    team_table = ws.tables.get("team")
    lang = leads.lang
    result = AssignResult(list(ws.files), leads.sheet_name, as_of, dry_run)
    result.skipped = merged(
        skip_if(present, "skip-assign", ["team"]),
        skip_if(present, "skip-dedup-names", ["customers"]),
        skip_if(present, "skip-dedup-phones", ["contacts"]),
    )
    # without a 销售团队 no one may take a lead: duplicates are still flagged, the rest wait
    team = read_team(team_table, ws) if team_table is not None else Team([], {}, [])
    result.left_out = team.left_out
    waiting, open_counts = _leads(leads, ws)
    for member in team.reps:
        member.open = open_counts.get(fold(member.name), 0)
    result.waiting = len(waiting)
    known = _known(ws, _name(leads, "company"), _name(leads, "phone"))
    writers = Writers(ws)
    log: list[list[CellValue]] = []
    stamp = datetime.now().replace(microsecond=0)
    columns = _output_columns(writers, leads, result)
    cells = _Cells(writers, leads, columns)
    for n, lead in enumerate(waiting):
        say("assign", n, len(waiting))
        matches = []
        if lead.company:
            hit = known.names.get(values.normalize_company(lead.company))
            if hit is not None:
                matches.append(hit)
        if lead.phone and lead.phone in known.phones:
            matches.append(known.phones[lead.phone])
        if matches:
            dup = Duplicate(lead.record, lead.row, lead.company, matches)
            marker = dup.reason(lang)
            if lead.reason_now != marker:
                cells.set(lead.row, "assignment_reason", Text(marker))
                dup.marked = True
                log.append(
                    changelog_row(
                        stamp,
                        "assign",
                        leads.sheet_name,
                        lead.record,
                        _name(leads, "assignment_reason"),
                        lead.reason_now or None,
                        marker,
                        t("assign-log-duplicate", lang),
                    )
                )
            result.duplicates.append(dup)
            continue
        rep, why = choose(lead, team) if team_table is not None else (None, [Why("assign-no-team")])
        if rep is None:
            result.unassigned.append(
                Unassigned(
                    lead.record,
                    lead.row,
                    lead.company,
                    as_text(lead.region or lead.region_raw),
                    lead.industry or "",
                    why[0],
                )
            )
            if lead.reason_now.startswith(DUPLICATE_PREFIXES):
                cells.set(lead.row, "assignment_reason", None)
                log.append(
                    changelog_row(
                        stamp,
                        "assign",
                        leads.sheet_name,
                        lead.record,
                        _name(leads, "assignment_reason"),
                        lead.reason_now,
                        None,
                        t("assign-log-not-duplicate", lang),
                    )
                )
            continue
        rep.open += 1
        done = Assignment(
            lead.record,
            lead.row,
            lead.company,
            lead.region or "",
            lead.industry or "",
            rep.name,
            lead.owner_now,
            why,
        )
        result.assigned.append(done)
        reason = done.reason(lang)
        cells.set(lead.row, "assigned_to", Text(rep.name))
        cells.set(lead.row, "assigned_at", as_of)
        cells.set(lead.row, "assignment_reason", Text(reason))
        cells.set(lead.row, "status", Text(LeadStatus.AWAITING.label(lang)))
        if leads.has("confirm_state"):
            cells.set(lead.row, "confirm_state", Text(ConfirmState.AWAITING.label(lang)))
        if lead.confirmed and leads.has("confirmed_at"):
            cells.set(lead.row, "confirmed_at", None)
        log.append(
            changelog_row(
                stamp,
                "assign",
                leads.sheet_name,
                lead.record,
                _name(leads, "assigned_to"),
                lead.owner_now or None,
                rep.name,
                reason,
            )
        )
    result.open_leads = {r.name: r.open for r in team.reps}
    result.caps = {r.name: r.cap for r in team.reps}
    if cells.count:
        say("write", 0, 1)
        append_changelog(writers, ws, log)
        for writer in writers.pending():
            report = writer.plan() if dry_run else writer.save(backup=backup)
            result.saved.append(report)
            result.formula_cells += [
                f"{s}!{column_letter(c)}{r}" for s, r, c in writer.formula_cells()
            ]
    say("done", 1, 1)
    result.seconds = time.perf_counter() - started
    return result


@dataclass
class _Columns:
    positions: dict[str, int]
    added: list[str] = field(default_factory=list)


def _output_columns(writers: Writers, leads: Table, result: AssignResult) -> _Columns:
    """Where each output column is; a missing one is planned at the end of the header row.

    The header cells are only written when a lead is written too (see :class:`_Cells`).
    """
    positions = dict(leads.columns)
    added: list[str] = []
    for key in OUTPUT_KEYS:
        if key not in positions:
            used = list(positions.values()) + list(leads.extra)
            positions[key] = max(used, default=0) + 1
            added.append(key)
    return _Columns(positions, added)


class _Cells:
    """The cell writes of one run on the lead sheet; headers of added columns on first use."""

    def __init__(self, writers: Writers, leads: Table, columns: _Columns) -> None:
        self.writers = writers
        self.leads = leads
        self.columns = columns
        self.count = 0
        self._headers_done = False

    def set(self, row: int, key: str, value: CellValue) -> None:
        leads = self.leads
        writer = self.writers(leads.file)
        if not self._headers_done:
            self._headers_done = True
            writer.set_header_row(leads.sheet_name, leads.header_row)
            left = max(leads.columns.values(), default=1)
            for added in self.columns.added:
                header = leads.spec.column(added).header(leads.lang)
                writer.set_cell(
                    leads.sheet_name,
                    leads.header_row,
                    self.columns.positions[added],
                    Text(header),
                    style_like=(leads.header_row, left),
                )
        writer.set_cell(leads.sheet_name, row, self.columns.positions[key], value)
        self.count += 1


register(
    {
        "assign-left-inactive": ("不在岗", "not active"),
        "assign-left-active-blank": ("“在岗”未填“是”", "Active is not set to Yes"),
        "assign-left-no-regions": ("未填负责区域", "no regions set"),
        "assign-why-region": ("区域匹配：{region}", "region match: {region}"),
        "assign-why-industry": ("行业匹配：{industry}", "industry match: {industry}"),
        "assign-why-no-industry": (
            "可选专员中无人擅长{industry}",
            "no available rep specialises in {industry}",
        ),
        "assign-why-fewest": ("在手线索最少（{n}条）", "fewest open leads ({n})"),
        "assign-why-name": (
            "在手线索同为{n}条，按姓名顺序",
            "tied at {n:~open lead|open leads}, first by name",
        ),
        "assign-why-cap": ("{names}已达线索上限", "at lead cap: {names}"),
        "assign-no-region": ("未填区域", "no region"),
        "assign-no-region-placeholder": (
            "区域为待补充的“{value}”",
            "the region is a placeholder ({value})",
        ),
        "assign-no-region-unknown": (
            "区域“{value}”不在配置的区域列表中",
            "region {value!r} is not in the settings' list",
        ),
        "assign-no-rep": (
            "没有在岗的销售专员负责{region}",
            "no active sales rep covers {region}",
        ),
        "assign-no-rep-inactive": (
            "负责{region}的销售专员不在岗：{names}",
            "the reps who cover {region} are not active: {names}",
        ),
        "assign-no-rep-excluded": (
            "负责{region}的销售专员只有{names}，处于冷却期，不能再分给其本人",
            "the only reps covering {region} ({names}) are in their cool-down for this customer",
        ),
        "assign-all-at-cap": (
            "负责{region}的销售专员都已达线索上限：{names}",
            "every rep covering {region} is at their lead cap: {names}",
        ),
        "assign-dup-name": (
            "{column}与客户 {record}“{name}”相同",
            "{column} matches customer {record} ({name})",
        ),
        "assign-dup-phone": (
            "{column}与客户 {record} 的联系人 {name} 的手机相同",
            "{column} matches the mobile of {name}, a contact of customer {record}",
        ),
        "assign-log-duplicate": (
            "查重：与已有客户重复，未分配",
            "Duplicate check: matches an existing customer; not assigned",
        ),
        "assign-log-not-duplicate": (
            "查重：不再与已有客户重复",
            "Duplicate check: no longer matches a customer",
        ),
        "skip-assign": ("分配线索", "lead assignment"),
        "assign-no-team": (
            "工作簿中没有“销售团队”工作表，无法分配线索",
            "No Team (销售团队) sheet in the workbooks; leads cannot be assigned",
        ),
    }
)
