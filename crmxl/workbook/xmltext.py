"""The text encoding of an XML part: UTF-8 almost always, UTF-16 sometimes.

XML 1.0 lets a part be UTF-16 (with a byte-order mark, or recognisable from its first bytes);
a few producers write ``xl/workbook.xml`` so, and Excel reads it. Everything in crmxl that
looks at part bytes (the guard's scans, the byte-level patcher, calamine in fastexcel) expects
UTF-8, so a small UTF-16 part is turned into UTF-8 before anything reads it
(:func:`to_utf8`); a large one, or a UTF-16 worksheet, is refused by the guard. Standard
library only: the guard's child process imports it.
"""

from __future__ import annotations

import re

#: A UTF-16 part larger than this is refused (structural parts are kilobytes).
MAX_UTF16_BYTES = 4 * 1024**2

_DECLARATION = re.compile(rb"""^(<\?xml[^>]*?encoding\s*=\s*)(["'])[^"']*\2""")


def utf16_codec(head: bytes) -> str | None:
    """``utf-16`` (with a byte-order mark), ``utf-16-le``/``-be``, or None for other text,
    from the first bytes of a part."""
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "utf-16"
    if head.startswith(b"<\x00"):
        return "utf-16-le"
    if head.startswith(b"\x00<"):
        return "utf-16-be"
    return None


def decode_head(head: bytes) -> bytes:
    """The start of a part as UTF-8 bytes (what the guard's prolog check reads)."""
    codec = utf16_codec(head)
    if codec is None:
        return head
    even = head[: len(head) & ~1]
    return even.decode(codec, "ignore").encode("utf-8")


def to_utf8(data: bytes) -> bytes:
    """A whole part as UTF-8, its declaration saying so; other parts unchanged."""
    codec = utf16_codec(data[:4])
    if codec is None:
        return data
    text = data.decode(codec).lstrip("\ufeff").encode("utf-8")
    return _DECLARATION.sub(rb"\1\2UTF-8\2", text, count=1)
