"""One owner's agenda as a message: a subject, plain text, HTML for e-mail, markdown for robots.

The plain text is exactly what ``crmxl todo --owner NAME`` prints, so the e-mail and the terminal
never disagree. The HTML shows the same tables, one per kind, overdue things in red. The markdown
is short enough for a group robot (企业微信 takes at most 4096 bytes of markdown; crmxl keeps
both robots under :data:`ROBOT_BYTES`), cut with a line saying how many items were left out.
"""

from __future__ import annotations

import html
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from crmxl.i18n import register, t
from crmxl.reporting.agenda import TodoItem, headers, kind_title
from crmxl.reporting.facts import owner_label

#: The most a robot message may hold, in UTF-8 bytes (企业微信's markdown limit is 4096).
ROBOT_BYTES = 4000

_RED = "#C00000"


@dataclass(frozen=True)
class Agenda:
    """One owner's part of the agenda."""

    owner: str | None
    as_of: datetime
    days: int
    kinds: list[tuple[str, list[TodoItem]]]
    plain: Callable[[str], str]  # what ``crmxl todo --owner`` prints for the owner, by language

    @property
    def count(self) -> int:
        return sum(len(items) for _, items in self.kinds)

    def label(self, lang: str) -> str:
        return owner_label(self.owner, lang)

    def subject(self, lang: str) -> str:
        return t(
            "send-subject",
            lang,
            owner=self.label(lang),
            date=f"{self.as_of:%Y-%m-%d}",
            n=self.count,
        )

    def heading(self, lang: str) -> str:
        return t("send-heading", lang, owner=self.label(lang), n=self.count)

    def text(self, lang: str) -> str:
        """What ``crmxl todo --owner`` prints for this owner."""
        return self.plain(lang)

    def html(self, lang: str) -> str:
        """A small, self-contained HTML page (inline styles: mail clients drop style sheets)."""
        esc = html.escape
        font = "font-family:'Microsoft YaHei','PingFang SC','Noto Sans CJK SC',sans-serif;"
        columns = headers(lang)
        cell = "border:1px solid #D9D9D9;padding:4px 8px;text-align:left;vertical-align:top;"
        parts = [
            "<!DOCTYPE html>",
            f'<html lang="{"en" if lang == "en" else "zh-CN"}"><head><meta charset="utf-8">',
            f"<title>{esc(self.subject(lang))}</title></head>",
            f'<body style="{font}font-size:14px;color:#222;">',
            f'<h2 style="margin:0 0 4px 0;">{esc(self.heading(lang))}</h2>',
            f'<p style="margin:0 0 12px 0;color:#595959;">'
            f"{esc(t('send-as-of', lang, as_of=f'{self.as_of:%Y-%m-%d %H:%M}', days=self.days))}</p>",
        ]
        for kind, items in self.kinds:
            parts.append(
                f'<h3 style="margin:16px 0 4px 0;">{esc(kind_title(kind, len(items), lang))}</h3>'
            )
            parts.append('<table style="border-collapse:collapse;">')
            parts.append(
                "<tr>"
                + "".join(f'<th style="{cell}background:#DDEBF7;">{esc(h)}</th>' for h in columns)
                + "</tr>"
            )
            for item in items:
                late = _late(item)
                colour = f"color:{_RED};font-weight:bold;" if late else ""
                row = item.cells(lang)
                parts.append(
                    "<tr>"
                    + f'<td style="{cell}{colour}">{esc(row[0])}</td>'
                    + "".join(f'<td style="{cell}">{esc(v)}</td>' for v in row[1:])
                    + "</tr>"
                )
            parts.append("</table>")
        if not self.kinds:
            parts.append(f"<p>{esc(t('todo-nothing', lang))}</p>")
        parts.append(
            f'<p style="margin-top:20px;color:#888;font-size:12px;">{esc(t("send-footer", lang))}'
            "</p></body></html>"
        )
        return "\n".join(parts)

    def markdown(self, lang: str, limit: int = ROBOT_BYTES) -> str:
        """A markdown message of at most ``limit`` UTF-8 bytes."""
        head = [
            f"### {self.heading(lang)}",
            t("send-as-of", lang, as_of=f"{self.as_of:%Y-%m-%d %H:%M}", days=self.days),
        ]
        body: list[str] = []
        for kind, items in self.kinds:
            body.append(f"**{kind_title(kind, len(items), lang)}**")
            for item in items:
                body.append("- " + _line(item, lang))
        lines = [*head, "", *body]
        text = "\n".join(lines)
        if len(text.encode("utf-8")) <= limit:
            return text
        # keep whole lines, and say how many items did not fit
        kept: list[str] = [*head, ""]
        shown = 0
        for line in body:
            more = self.count - shown - (1 if line.startswith("- ") else 0)
            tail = t("send-more", lang, n=more, owner=self.label(lang))
            candidate = "\n".join([*kept, line, "", tail])
            if len(candidate.encode("utf-8")) > limit:
                break
            kept.append(line)
            if line.startswith("- "):
                shown += 1
        kept += ["", t("send-more", lang, n=self.count - shown, owner=self.label(lang))]
        return "\n".join(kept)


def _line(item: TodoItem, lang: str) -> str:
    parts = [p for p in item.cells(lang) if p]
    return " · ".join(parts)


def _late(item: TodoItem) -> bool:
    if item.hours_left is not None:
        return item.hours_left < 0
    return item.days_left is not None and item.days_left < 0


register(
    {
        "send-subject": (
            "【待办】{owner} {date}（{n} 项）",
            "[To do] {owner} {date} ({n:~item|items})",
        ),
        "send-heading": ("{owner}的待办（{n} 项）", "To do for {owner} ({n:~item|items})"),
        "send-as-of": (
            "计算基准 {as_of}，向前看 {days} 天",
            "As of {as_of}, looking {days:~day|days} ahead",
        ),
        "send-footer": (
            "由 crmxl todo --send 按团队的 CRM 工作簿生成，请勿直接回复。",
            "Made by crmxl todo --send from the team's CRM workbook; please do not reply.",
        ),
        "send-more": (
            "……另有 {n} 项，完整清单见邮件或 crmxl todo --owner {owner}",
            "... and {n} more: see the e-mail or crmxl todo --owner {owner}",
        ),
    }
)
