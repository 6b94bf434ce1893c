"""Who gets a split workbook and what they may see: the team as 销售团队 lists it, each person's
scope (their own customers, or their team's for a manager), the sensitive and locked columns,
and the owner of every row."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import numpy as np
import pandas as pd

from crmxl.errors import UsageError
from crmxl.i18n import register
from crmxl.model.frames import typed
from crmxl.model.schema import ColType, Role, SheetSpec
from crmxl.model.workspace import Table, Workspace
from crmxl.rules.common import Clock
from crmxl.rules.tiers import rep_reasons
from crmxl.splitmerge import manifest as mf

#: The data sheets a split workbook holds, in workbook order.
EXPORTED = ("customers", "contacts", "follow_ups", "transactions", "needs", "issues", "leads")

#: Sheets where the person may add rows.
APPENDABLE = frozenset({"follow_ups", "contacts", "needs", "issues"})

#: The column that says whose a row is, on sheets that do not hang off a customer.
SCOPE_COLUMN = {"customers": "owner", "leads": "assigned_to"}


#: Roles that see the sensitive columns.
SEES_SENSITIVE = frozenset({Role.MANAGER, Role.ADMIN})


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
        return self.role == Role.ADMIN


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
        return Person(name, Role.REP, "", frozenset({name}))
    scope = {name}
    if me.role == Role.MANAGER and me.team:
        scope |= {m.name for m in team or [] if m.team == me.team}
    return Person(name, me.role or Role.REP, me.team, frozenset(scope), me.active)


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
    candidates = [Member(o, Role.REP, "", True) for o in _owners(ws)] if team is None else team
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
    if m.role == Role.ADMIN:
        return "split-skip-admin"
    if m.role not in (Role.REP, Role.MANAGER):
        return "split-skip-role"
    if not m.active:
        return "split-skip-inactive"
    return None


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


def sensitive(ws: Workspace, spec: SheetSpec) -> frozenset[str]:
    """The columns of ``spec`` that are sensitive (SPEC ``S``, or 配置's 敏感列)."""
    return frozenset(k for k in spec.keys if ws.settings.is_sensitive(spec.key, k))


def rep_tier_reasons(ws: Workspace, as_of: datetime) -> pd.Series | None:
    """客户档案's 等级依据 without the amounts it quotes (:func:`crmxl.rules.tiers.rep_reasons`),
    in the workbook's language, for a 销售专员; None without a 等级依据 column."""
    table = ws.tables.get("customers")
    if table is None or "tier_reason" not in table.columns:
        return None
    keys = ["tier", "tier_override", "leader", "notes"]
    frame = typed(table, ws.settings, [k for k in keys if k in table.data]).frame
    clock = Clock(as_of, ws.settings, ws.lang)
    return rep_reasons(frame, "transactions" in ws.tables, clock)


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
    rep_reasons: pd.Series | None = None  # 客户档案's 等级依据 as a 销售专员 gets it

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
        idx.keys[key] = mf.row_keys(table.data, table.spec, sensitive(ws, table.spec))
        owners = row_owners(table, owner_of)
        idx.owner[key] = owners
        idx.rows_of[key] = {
            str(o): np.asarray(p) for o, p in owners.groupby(owners, sort=False).indices.items()
        }
    return idx


register(
    {
        "split-skip-admin": ("管理员使用主文件", "admins work in the master"),
        "split-skip-inactive": ("不在岗", "not active"),
        "split-skip-role": ("角色不是销售专员或销售经理", "role is neither sales rep nor manager"),
        "split-unknown-owner": (
            "销售团队中没有 {names}（可选：{known}）",
            "{names} not in the team (known: {known})",
        ),
    }
)
