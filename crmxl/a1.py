"""A1 column letters. Standard library only: child processes load this without crmxl's
package (see :mod:`crmxl.workbook.child`)."""

from __future__ import annotations


def column_letter(index: int) -> str:
    """1 -> A, 27 -> AA."""
    letters = ""
    while index > 0:
        index, rem = divmod(index - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def column_index(letters: str | bytes) -> int:
    """A -> 1, AA -> 27 (``str`` or ASCII ``bytes``; case ignored)."""
    if isinstance(letters, bytes):
        letters = letters.decode("ascii")
    index = 0
    for ch in letters.upper():
        index = index * 26 + (ord(ch) - 64)
    return index
