"""Text output that never fails, whatever the console, pipe or file encoding.

On Chinese Windows a pipe or a redirected file (``crmxl todo crm.xlsx > 待办.txt``) is encoded
in the ANSI code page, 936 (GBK), which has no ``¥`` (U+00A5) and no ``−`` (U+2212); on a Western
Windows it is 1252, which has no Chinese at all. Python's default there is to raise
UnicodeEncodeError, after the workbook was saved, so the user sees a traceback and thinks the
save failed. :func:`setup` (called once, when the program starts) sets an error handler on
``sys.stdout`` and ``sys.stderr`` that writes a stand-in for each character the encoding lacks:
the first of :data:`FALLBACKS` the encoding has (``¥`` → ``￥`` in GBK, ``RMB`` in ASCII), else
the character's compatibility form (full-width ``，`` → ``,``), else nothing for invisible joiners
and variation selectors, else ``?``. Every message, table, error and progress line goes through
those two streams, so this is the one place that decides.

``--json`` is UTF-8 always (:func:`write_json` writes bytes below the text layer), so a script
reading it never depends on the console's code page.
"""

from __future__ import annotations

import codecs
import functools
import io
import json
import sys
import unicodedata
from typing import Any, TextIO

#: Stand-ins for characters an encoding may lack, best first (the first it can encode wins).
FALLBACKS: dict[str, tuple[str, ...]] = {
    "¥": ("￥", "RMB "),
    "￥": ("¥", "RMB "),
    "−": ("-",),  # minus sign
    "‒": ("-",),
    "–": ("-",),
    "—": ("-",),
    "→": ("->",),
    "←": ("<-",),
    "↑": ("^",),
    "↓": ("v",),
    "⇒": ("=>",),
    "↔": ("<->",),
    "≥": (">=",),
    "≤": ("<=",),
    "≠": ("!=",),
    "≈": ("~",),
    "×": ("x",),
    "÷": ("/",),
    "√": ("v",),
    "✓": ("√", "v"),
    "✔": ("√", "v"),
    "✅": ("√", "[v]"),
    "✗": ("×", "x"),
    "✘": ("×", "x"),
    "❌": ("×", "[x]"),
    "⚠": ("!",),
    "•": ("·", "*"),
    "·": (".",),
    "★": ("*",),
    "☆": ("*",),
    "、": (",",),
    "。": (".",),
    "「": ('"',),
    "」": ('"',),
    "『": ('"',),
    "』": ('"',),
    "【": ("[",),
    "】": ("]",),
    "《": ("<",),
    "》": (">",),
    "“": ('"',),
    "”": ('"',),
    "‘": ("'",),
    "’": ("'",),
    "…": ("...",),
}

#: Characters that only join or style others (zero-width joiner, variation selectors,
#: emoji skin tones): dropped where they cannot be written, so ``⚠️`` becomes ``!``, not ``!?``.
INVISIBLE = frozenset(
    ["\u200b", "\u200c", "\u200d", "\u2060", "\ufeff", "\ufe0e", "\ufe0f"]
    + [chr(c) for c in range(0x1F3FB, 0x1F400)]
)


def _can_encode(text: str, encoding: str) -> bool:
    try:
        text.encode(encoding)
    except (UnicodeError, LookupError):
        return False
    return True


@functools.lru_cache(maxsize=4096)
def substitute(char: str, encoding: str) -> str:
    """What to write for ``char``, which ``encoding`` cannot encode."""
    candidates = [*FALLBACKS.get(char, ())]
    compatible = unicodedata.normalize("NFKC", char)
    if compatible != char:
        candidates.append(compatible)
        candidates.extend(FALLBACKS.get(compatible, ()))
    for candidate in candidates:
        if _can_encode(candidate, encoding):
            return candidate
    return "" if char in INVISIBLE else "?"


@functools.cache
def error_handler(encoding: str) -> str:
    """The name of a codec error handler that writes stand-ins for ``encoding``.

    Registered once per encoding: the handler must know the stream's encoding to choose a
    stand-in it can write (for the charmap code pages, cp1252 among them, the error only says
    ``charmap``).
    """
    name = f"crmxl-fallback-{codecs.lookup(encoding).name}"

    def handle(exc: UnicodeError) -> tuple[str, int]:
        if not isinstance(exc, UnicodeEncodeError):
            raise exc
        chars = exc.object[exc.start : exc.end]
        return "".join(substitute(ch, encoding) for ch in chars), exc.end

    codecs.register_error(name, handle)
    return name


def make_safe(stream: TextIO | None) -> None:
    """Give a text stream the stand-in error handler for its own encoding (in place)."""
    if not isinstance(stream, io.TextIOWrapper):
        return  # None (no console), or a stream someone else set up
    try:
        stream.reconfigure(errors=error_handler(stream.encoding))
    except (LookupError, ValueError, OSError):  # an unknown codec; a closed stream
        return


def setup() -> None:
    """Make ``sys.stdout`` and ``sys.stderr`` write stand-ins instead of raising."""
    make_safe(sys.stdout)
    make_safe(sys.stderr)


def write_json(data: Any) -> None:
    """``data`` as indented JSON on stdout, UTF-8 whatever the console's encoding."""
    text = json.dumps(data, ensure_ascii=False, indent=2, default=str) + "\n"
    stream = sys.stdout
    buffer = getattr(stream, "buffer", None)
    if buffer is None:  # a text-only stream (an embedding program's): let it encode
        stream.write(text)
        stream.flush()
        return
    stream.flush()  # whatever was written as text goes first
    # a lone surrogate (a file name that was not valid UTF-8) becomes a \\udcxx escape,
    # which is valid inside a JSON string
    buffer.write(text.encode("utf-8", errors="backslashreplace"))
    buffer.flush()
