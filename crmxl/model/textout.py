"""Plain-text output for terminals: tables that line up with Chinese text and fit the screen.

Chinese characters take two columns on a terminal; :func:`width` counts that way (East Asian
Width "W"/"F" = 2, combining marks and format characters = 0, everything else = 1). Symbols of
*ambiguous* width (``—``, ``…``, ``“”``, ``·``, ``×``; ``¥`` is narrow anyway) count 1, as
``wcwidth`` and the default settings of Windows Terminal, VTE, iTerm2 and xterm draw them.

:func:`render_table` wraps cells so that a table fits the terminal's width when standard output
is a terminal (``COLUMNS`` wins when set), and never cuts a cell: what does not fit goes on the
next line of the same cell. Piped or redirected output is neither wrapped nor cut, so scripts
and ``grep`` see each value whole on one line.
"""

from __future__ import annotations

import math
import shutil
import sys
import time
import unicodedata
from collections.abc import Mapping, Sequence
from typing import Final, TextIO

#: The narrowest a column is squeezed to before the table is allowed to run past the screen.
MIN_COLUMN: Final = 6
#: Spaces between columns.
GAP: Final = "  "
#: ``render_table(screen=AUTO)``: the terminal's width when standard output is one, else none.
AUTO: Final = -1


def char_width(ch: str) -> int:
    """Terminal columns of one character (see the module docstring)."""
    if unicodedata.east_asian_width(ch) in "WF":
        return 2
    if unicodedata.combining(ch) or unicodedata.category(ch) in ("Mn", "Me", "Cf"):
        return 0
    return 1


def width(text: str) -> int:
    """Display width of ``text`` in terminal columns."""
    if text.isascii():
        return len(text)
    return sum(char_width(ch) for ch in text)


def pad(text: str, cols: int) -> str:
    return text + " " * max(0, cols - width(text))


def cell_lines(text: str, cols: int) -> int:
    """Lines ``text`` takes in a wrapping spreadsheet cell ``cols`` characters wide (each line
    break starts a line; a Chinese character counts two, as Excel draws it)."""
    return sum(max(1, math.ceil(width(part) / max(1, cols))) for part in text.split("\n"))


def terminal_width() -> int | None:
    """Columns of the terminal standard output is, or None when it is a pipe or a file.

    ``COLUMNS`` (when set) wins over what the terminal reports, as ``shutil`` has it.
    """
    try:
        if not sys.stdout.isatty():
            return None
    except (AttributeError, ValueError):  # replaced or closed stream
        return None
    return shutil.get_terminal_size().columns


def wrap(text: str, cols: int) -> list[str]:
    """``text`` in lines of at most ``cols`` columns, nothing dropped but spaces at the breaks.

    Lines break after a space or next to a wide (Chinese) character; a word longer than a line
    is broken inside. ``cols`` < 1 or text that fits gives ``[text]``.
    """
    if cols < 1 or width(text) <= cols:
        return [text]
    lines: list[str] = []
    line = ""
    used = 0
    for ch in text:
        cw = char_width(ch)
        if used + cw > cols and line:
            if ch == " " or cw == 2:
                head, line = line, ""
            else:
                cut = _last_break(line)
                head, line = (line[:cut], line[cut:]) if cut > 0 else (line, "")
            lines.append(head.rstrip(" "))
            line = line.lstrip(" ")
            used = width(line)
            if ch == " " and not line:
                continue
        line += ch
        used += cw
    if line or not lines:
        lines.append(line)
    return lines


def _last_break(line: str) -> int:
    """Where ``line`` may be cut (after a space, or around a wide character); 0 for nowhere."""
    for i in range(len(line) - 1, 0, -1):
        if line[i - 1] == " " or char_width(line[i - 1]) == 2 or char_width(line[i]) == 2:
            return i
    return 0


def fit_widths(natural: Sequence[int], room: int, limits: Mapping[int, int]) -> list[int]:
    """Column widths for a table whose columns need ``natural`` widths, in ``room`` columns.

    A column named in ``limits`` is first brought down to its limit; then the widest column
    gives way one column at a time until the table fits, none below :data:`MIN_COLUMN` (or its
    natural width, when narrower). On a screen too narrow even for that, the table runs past it.
    """
    widths = [min(w, limits[i]) if limits.get(i, 0) > 0 else w for i, w in enumerate(natural)]
    floors = [min(w, MIN_COLUMN) for w in widths]
    excess = sum(widths) + len(GAP) * max(0, len(widths) - 1) - room
    while excess > 0:
        candidates = [i for i, w in enumerate(widths) if w > floors[i]]
        if not candidates:
            break
        widest = max(candidates, key=lambda i: (widths[i], i))
        widths[widest] -= 1
        excess -= 1
    return widths


def render_table(
    headers: Sequence[str],
    rows: Sequence[Sequence[object]],
    *,
    max_width: Mapping[int, int] | None = None,
    screen: int | None = AUTO,
    indent: str = "",
) -> str:
    """A table with a header line and a rule, each line starting with ``indent``.

    ``screen`` is the width to fit (``AUTO``: :func:`terminal_width`; None: no limit). With a
    screen, cells wrap onto more lines to fit it, and column ``i`` wraps at ``max_width[i]``
    when that is narrower; without one (piped output), every cell stays whole on one line.
    Nothing is ever cut off.
    """
    if screen == AUTO:
        screen = terminal_width()
    heads = [_text(h) for h in headers]
    cells = [[_text(v) for v in row] for row in rows]
    natural = [width(h) for h in heads]
    for row in cells:
        for i, value in enumerate(row):
            natural[i] = max(natural[i], width(value))
    if screen is None:
        widths = natural
    else:
        widths = fit_widths(natural, screen - width(indent), max_width or {})
    lines = _physical(heads, widths, indent)
    lines.append(indent + GAP.join("-" * w for w in widths))
    for row in cells:
        lines += _physical(row, widths, indent)
    return "\n".join(lines)


def _physical(cells: Sequence[str], widths: Sequence[int], indent: str) -> list[str]:
    """One table row as screen lines: each cell wrapped to its column, padded to line up."""
    parts = [wrap(cell, widths[i]) for i, cell in enumerate(cells)]
    height = max((len(p) for p in parts), default=1)
    out = []
    for k in range(height):
        texts = [pad(p[k] if k < len(p) else "", widths[i]) for i, p in enumerate(parts)]
        out.append((indent + GAP.join(texts)).rstrip())
    return out


def _text(value: object) -> str:
    if value is None:
        return ""
    return str(value).replace("\r\n", " ").replace("\n", " ")


# ------------------------------------------------------------------------------ progress


#: What a progress bar calls each stage a command reports (see :mod:`crmxl.progress`).
STAGES: Final = {
    "read": ("读取", "Reading"),
    "check": ("检查", "Checking"),
    "compute": ("计算", "Computing"),
    "assign": ("分配", "Assigning"),
    "write": ("写入", "Writing"),
    "done": ("完成", "Done"),
}


class ProgressBar:
    """A :data:`~crmxl.progress.Progress` that draws one line on a terminal (standard error):
    ``读取  [########----------------]  1/3``.

    Each call redraws the line in place (carriage return, no escape codes, so an old Windows
    console shows it too); the stage ``done``, or :meth:`close`, erases it, so what the command
    prints next starts on a clean line. Only a change of stage or count is drawn.
    """

    BAR = 24
    EVERY = 0.1  # seconds between two redraws of one stage

    def __init__(self, lang: str, stream: TextIO | None = None) -> None:
        self.lang = lang
        self.stream = stream if stream is not None else sys.stderr
        self._shown = 0  # width of what is on the line now
        self._last: tuple[str, int, int] | None = None
        self._drawn = 0.0

    def __call__(self, stage: str, done: int, total: int) -> None:
        if stage == "done":
            self.close()
            return
        now = time.monotonic()
        last = self._last
        same_stage = last is not None and (stage, total) == (last[0], last[2])
        if same_stage and last is not None:
            recent = done < total and now - self._drawn < self.EVERY
            if done == last[1] or recent:
                return  # the same line, or drawn a moment ago: a count per row costs nothing
        self._last = (stage, done, total)
        self._drawn = now
        pair = STAGES.get(stage)
        label = (pair[1] if self.lang == "en" else pair[0]) if pair else stage
        total = max(total, 1)
        done = min(max(done, 0), total)
        filled = self.BAR * done // total
        line = f"{pad(label, 10)} [{'#' * filled}{'-' * (self.BAR - filled)}] {done}/{total}"
        shown, self._shown = self._shown, max(self._shown, width(line))  # before: Ctrl-C
        self._write("\r" + pad(line, shown))

    def close(self) -> None:
        """Erase the bar (if one is drawn)."""
        if self._shown:
            self._write("\r" + " " * self._shown + "\r")
            self._shown = 0
        self._last = None

    def _write(self, text: str) -> None:
        try:
            self.stream.write(text)
            self.stream.flush()
        except (OSError, ValueError, UnicodeError):  # a closed or narrow-minded console
            pass
