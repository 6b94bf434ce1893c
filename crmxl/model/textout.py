"""Plain-text output for terminals: tables that line up with Chinese text.

Chinese characters take two columns on a terminal; :func:`width` counts that way (East Asian
Width "W"/"F"), so :func:`render_table` aligns mixed Chinese and English text.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping, Sequence


def width(text: str) -> int:
    """Display width of ``text`` in terminal columns."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def clip(text: str, limit: int) -> str:
    """``text`` cut to ``limit`` columns, with an ellipsis when cut."""
    if width(text) <= limit:
        return text
    out = ""
    for ch in text:
        if width(out + ch) > limit - 1:
            break
        out += ch
    return out + "…"


def pad(text: str, cols: int) -> str:
    return text + " " * max(0, cols - width(text))


def render_table(
    headers: Sequence[str],
    rows: Sequence[Sequence[object]],
    *,
    max_width: Mapping[int, int] | None = None,
) -> str:
    """A table with a header line and a rule; column ``i`` is clipped to ``max_width[i]``."""
    limits = dict(max_width or {})
    cells = [
        [clip(_text(v), limits[i]) if i in limits else _text(v) for i, v in enumerate(row)]
        for row in rows
    ]
    widths = [width(h) for h in headers]
    for row in cells:
        for i, value in enumerate(row):
            widths[i] = max(widths[i], width(value))
    lines = ["  ".join(pad(h, widths[i]) for i, h in enumerate(headers)).rstrip()]
    lines.append("  ".join("-" * w for w in widths))
    for row in cells:
        lines.append("  ".join(pad(v, widths[i]) for i, v in enumerate(row)).rstrip())
    return "\n".join(lines)


def _text(value: object) -> str:
    if value is None:
        return ""
    return str(value).replace("\n", " ")
