"""The agenda as ``crmxl todo`` shows it: the items of :mod:`crmxl.reporting.agenda` grouped by
owner, then by kind, most urgent first; for everyone or for one owner.

Shared by ``todo`` (which prints it) and ``todo --send`` (which delivers each owner's part, its
plain text being exactly what ``todo --owner`` prints).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from crmxl.errors import UsageError
from crmxl.i18n import pick, register, t
from crmxl.model.schema import fold
from crmxl.model.skips import Skip, skip_line
from crmxl.model.textout import render_table
from crmxl.reporting.agenda import KINDS, TodoItem, collect, headers, kind_title
from crmxl.reporting.facts import Facts, owner_label
from crmxl.rules.worktime import CoverageWarning, coverage_dicts


@dataclass
class TodoResult:
    """The agenda: items grouped by owner, then kind, most urgent first."""

    as_of: datetime
    days: int
    owner: str | None  # the --owner filter
    owners: list[str | None]  # display order of owners
    items: list[TodoItem] = field(default_factory=list)
    skipped: list[Skip] = field(default_factory=list)  # what the sheets present do not allow
    coverage: list[CoverageWarning] = field(default_factory=list)  # SPEC 2.8

    def groups(self) -> list[tuple[str | None, list[tuple[str, list[TodoItem]]]]]:
        """``[(owner, [(kind, items)])]`` in display order; owners without items left out
        (except the one asked for with ``--owner``)."""
        by_owner: dict[str | None, dict[str, list[TodoItem]]] = {}
        for item in self.items:  # items come sorted within each kind
            by_owner.setdefault(item.owner, {}).setdefault(item.kind, []).append(item)
        out = []
        for owner in self.owners:
            mine = by_owner.get(owner, {})
            if not mine and not (self.owner is not None and owner == self.owner):
                continue
            out.append((owner, [(k, mine[k]) for k in KINDS if k in mine]))
        return out

    def to_dict(self, lang: str = "zh") -> dict[str, Any]:
        out = self._dict(lang)
        if self.coverage:
            out["worktime_warnings"] = coverage_dicts(self.coverage, lang)
        return out

    def _dict(self, lang: str) -> dict[str, Any]:
        return {
            "as_of": self.as_of.isoformat(sep=" "),
            "days": self.days,
            "owner": self.owner,
            "total": len(self.items),
            "skipped": [s.to_dict(lang) for s in self.skipped],
            "owners": [
                {
                    "owner": owner,
                    "label": owner_label(owner, lang),
                    "count": sum(len(items) for _, items in kinds),
                    "kinds": [
                        {
                            "kind": kind,
                            "title": pick(lang, *KINDS[kind]),
                            "items": [i.to_dict(lang) for i in items],
                        }
                        for kind, items in kinds
                    ],
                }
                for owner, kinds in self.groups()
            ],
        }

    def render(self, lang: str = "zh") -> str:
        lines = [
            t(
                "todo-title",
                lang,
                as_of=f"{self.as_of:%Y-%m-%d %H:%M}",
                days=self.days,
                n=len(self.items),
            )
        ]
        columns = headers(lang)
        for owner, kinds in self.groups():
            count = sum(len(items) for _, items in kinds)
            lines.append("")
            lines.append(t("todo-owner", lang, owner=owner_label(owner, lang), n=count))
            if not kinds:
                lines.append(t("todo-nothing", lang))
            for kind, items in kinds:
                lines.append(f"-- {kind_title(kind, len(items), lang)}")
                rows = [i.cells(lang) for i in items]
                table = render_table(columns, rows, max_width={3: 24, 4: 40})
                lines += ["   " + line for line in table.splitlines()]
        if not self.items and self.owner is None:
            lines.append("")
            lines.append(t("todo-nothing", lang))
        if self.skipped:
            lines.append(skip_line(self.skipped, lang))
        if self.coverage:
            lines.append("")
            lines += [w.text(lang) for w in self.coverage]
        return "\n".join(lines)


def check_days(days: int) -> None:
    """``--days`` must not be negative (checked before the workbooks are read)."""
    if days < 0:
        raise UsageError("todo-bad-days", days=days)


def owner_agenda(facts: Facts, owner: str | None, days: int) -> TodoResult:
    """The agenda of ``facts`` looking ``days`` days ahead, for everyone or for ``owner``
    (matched ignoring case, width and spaces; an unknown owner is a usage error)."""
    owners: list[str | None] = list(facts.owners())
    chosen: str | None = None
    if owner is not None:
        chosen = _match_owner(owner, owners)
        owners = [chosen]
    else:
        owners.append(None)
    items = collect(facts, days)
    if chosen is not None:
        items = [i for i in items if i.owner == chosen]
    coverage = facts.evaluation.computed.coverage_warnings()
    return TodoResult(facts.as_of, days, chosen, owners, items, facts.evaluation.skipped, coverage)


def _match_owner(name: str, owners: list[str | None]) -> str:
    wanted = fold(name)
    for o in owners:
        if o is not None and fold(o) == wanted:
            return o
    known = "、".join(o for o in owners if o)
    raise UsageError("todo-unknown-owner", owner=name, known=known or "—")


register(
    {
        "todo-title": (
            "待办事项（计算基准 {as_of}，向前看 {days} 天）：共 {n} 项",
            "To do (as of {as_of}, looking {days:~day|days} ahead): {n:~item|items}",
        ),
        "todo-owner": ("== {owner}（{n} 项）==", "== {owner} ({n}) =="),
        "todo-nothing": ("没有待办事项。", "Nothing to do."),
        "todo-unknown-owner": (
            "找不到负责人“{owner}”；工作簿中的负责人有：{known}",
            "No owner called {owner!r}; the owners in the workbooks are: {known}",
        ),
        "todo-bad-days": ("--days 不能为负数：{days}", "--days cannot be negative: {days}"),
    }
)
