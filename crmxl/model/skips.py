"""What a command could not do because a standard sheet is not in the workspace.

Any subset of the standard sheets is a workspace (the manual keeps 需求清单 and 问题处理跟踪表 as
files of their own). A command computes what the sheets present allow and says, in one line,
what it left out and why: ``已跳过：流失风险（没有问题跟踪）；客户编号核对（没有客户档案）``.
Each thing left out is a :class:`Skip`: a message code naming it, and the sheets it lacked.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from crmxl.i18n import normalize_lang, register, t
from crmxl.model.schema import SHEETS_BY_KEY


@dataclass(frozen=True)
class Skip:
    """Something a command did not do (``what``: a message code) for want of ``missing``
    (sheet keys, or ``sheet.column`` keys)."""

    what: str
    missing: tuple[str, ...]

    def to_dict(self, lang: str = "zh") -> dict[str, Any]:
        return {"what": t(self.what, lang), "missing": list(self.missing), "code": self.what}


def absent(
    present: Collection[str] | Mapping[str, Collection[str]], needed: Iterable[str]
) -> tuple[str, ...]:
    """What of ``needed`` is not ``present`` (in ``needed``'s order): sheet keys, or
    ``sheet.column`` keys when ``present`` maps each sheet to its column keys."""
    out = []
    for item in needed:
        sheet, _, col = item.partition(".")
        if sheet not in present:
            out.append(sheet)  # the sheet, not each of its columns
        elif col and isinstance(present, Mapping) and col not in present[sheet]:
            out.append(item)
    return tuple(dict.fromkeys(out))


def skip_if(present: Collection[str], what: str, needed: Iterable[str]) -> list[Skip]:
    """``[Skip(what, missing)]`` when a sheet of ``needed`` is absent, else ``[]``."""
    missing = absent(present, needed)
    return [Skip(what, missing)] if missing else []


def merged(*groups: Iterable[Skip]) -> list[Skip]:
    """The skips of ``groups`` in order, each once."""
    return list(dict.fromkeys(s for group in groups for s in group))


def skip_line(skips: Sequence[Skip], lang: str = "zh") -> str:
    """One line saying everything that was skipped and why, the things that lack the same
    sheets named together; ``""`` when nothing was."""
    if not skips:
        return ""
    en = normalize_lang(lang) == "en"
    groups: dict[tuple[str, ...], list[str]] = {}
    for s in skips:
        names = groups.setdefault(s.missing, [])
        if s.what not in names:
            names.append(s.what)
    items = []
    for missing, whats in groups.items():
        sheets = (", " if en else "、").join(_name(k, en) for k in missing)
        what = (", " if en else "、").join(t(w, lang) for w in whats)
        items.append(t("skip-item", lang, what=what, sheets=sheets))
    return t("skip-line", lang, items=("; " if en else "；").join(items))


def _name(item: str, en: bool) -> str:
    """A sheet (``issues``) or a column of one (``transactions.amount``) as people call it."""
    sheet, _, col = item.partition(".")
    spec = SHEETS_BY_KEY[sheet]
    lang = "en" if en else "zh"
    if not col:
        return spec.name(lang)
    return t("skip-column", lang, sheet=spec.name(lang), column=spec.column(col).name(lang))


register(
    {
        "skip-column": ("{sheet}的“{column}”列", "the {column} column of {sheet}"),
        "skip-line": ("已跳过：{items}", "Skipped: {items}"),
        "skip-item": ("{what}（没有{sheets}）", "{what} (without {sheets})"),
        # 查重 of leads, by assign and by import alike
        "skip-dedup-names": ("线索与客户名称查重", "checking leads against customer names"),
        "skip-dedup-phones": ("线索与联系人电话查重", "checking leads against contact phones"),
    }
)
