"""The comments part of a sheet (``xl/commentsN.xml``): legacy cell comments, new or added to.

A comments part lists authors, then one ``<comment ref="C7" authorId="0">`` per cell with its
text. An existing part is edited on its bytes, as the other structural parts are: a new author
is appended to ``<authors>``, new comments to ``<commentList>``, and a cell that already has a
comment keeps it: the new text is appended as one more run after the user's, so nothing the
user wrote (nor its formatting) is lost.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass

from crmxl.workbook.cellxml import MAX_TEXT, cell_ref, escape_text, parse_range, text_length

NS_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
NS_STRICT_MAIN = "http://purl.oclc.org/ooxml/spreadsheetml/main"

_ROOT = re.compile(rb"<([A-Za-z_][\w.-]*:)?comments(?=[\s/>])")
_T = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?t(?:\s[^>]*)?>(.*?)</(?:[A-Za-z_][\w.-]*:)?t>", re.S)
_TAGS = re.compile(rb"<[^>]*>")
_OOXML_ESCAPE = re.compile(r"_x([0-9A-Fa-f]{4})_")


@dataclass
class NewComment:
    row: int
    col: int
    author: str
    text: str


class CommentsPart:
    """One sheet's comments part: read once, comments added, written back once."""

    def __init__(self, data: bytes | None, *, strict: bool = False) -> None:
        """``data`` None starts a new part (in the strict namespace for a strict workbook)."""
        self.created = data is None
        if data is None:
            ns = NS_STRICT_MAIN if strict else NS_MAIN
            data = (
                b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<comments xmlns="'
                + ns.encode() + b'"><authors></authors><commentList></commentList></comments>'
            )  # fmt: skip
        self.original = data
        root = _ROOT.search(data)
        if root is None:
            raise ValueError("no <comments> element")
        self.p = p = root.group(1) or b""
        ep = re.escape(p)
        self._author_re = re.compile(
            rb"<" + ep + rb"author(?:\s[^>]*)?(?:/>|>(.*?)</" + ep + rb"author>)", re.S
        )
        self._comment_re = re.compile(
            rb"<" + ep + rb"comment(?=[\s/>])([^>]*?)(?:/>|>(.*?)</" + ep + rb"comment>)", re.S
        )
        self.authors = [_unxml(m.group(1) or b"") for m in self._author_re.finditer(data)]
        self._new_authors: list[str] = []
        self._existing: dict[tuple[int, int], re.Match[bytes]] = {}
        for m in self._comment_re.finditer(data):
            ref = re.search(rb"""\sref\s*=\s*["']([^"']*)["']""", m.group(1))
            box = parse_range(ref.group(1).decode("ascii", "replace")) if ref else None
            if box is not None:
                self._existing.setdefault((box[0], box[1]), m)
        self._added: dict[tuple[int, int], NewComment] = {}
        self._appended: dict[tuple[int, int], list[str]] = {}

    @property
    def changed(self) -> bool:
        return self.created or bool(self._added) or bool(self._appended)

    def has(self, row: int, col: int) -> bool:
        """Does the cell already have a comment in this part?"""
        return (row, col) in self._existing

    def text_of(self, row: int, col: int) -> str:
        """The plain text of the cell's comment (existing text plus what was appended)."""
        m = self._existing.get((row, col))
        old = _plain(m.group(2) or b"") if m is not None else ""
        added = "".join(self._appended.get((row, col), []))
        new = self._added[(row, col)].text if (row, col) in self._added else ""
        return old + added + new

    def add(self, row: int, col: int, text: str, author: str) -> bool:
        """Comment ``text`` on cell (``row``, ``col``), 1-based; when the cell has a comment
        already, ``text`` is appended to it (after a blank line). True when the comment is new."""
        if (row, col) in self._existing:
            self._appended.setdefault((row, col), []).append("\n\n" + text)
            return False
        earlier = self._added.get((row, col))
        if earlier is not None:
            earlier.text = _clip(earlier.text + "\n" + text)
            return False
        self._author_id(author)
        self._added[(row, col)] = NewComment(row, col, author, _clip(text))
        return True

    def _author_id(self, author: str) -> int:
        if author in self.authors:
            return self.authors.index(author)
        self.authors.append(author)
        self._new_authors.append(author)
        return len(self.authors) - 1

    def to_bytes(self) -> bytes:
        data = self.original
        p = self.p
        if self._appended:  # at offsets of the original: first, in one pass
            pieces: list[bytes] = []
            pos = 0
            for key in sorted(self._appended, key=lambda k: self._existing[k].start()):
                m = self._existing[key]
                pieces += [
                    data[pos : m.start()],
                    self._append_runs(m, "".join(self._appended[key])),
                ]
                pos = m.end()
            pieces.append(data[pos:])
            data = b"".join(pieces)

        if self._new_authors:
            names = b"".join(
                b"<" + p + b"author>" + escape_text(a).encode("utf-8") + b"</" + p + b"author>"
                for a in self._new_authors
            )
            data = _insert_into(data, p, b"authors", names)
        if self._added:
            items = b"".join(self._comment_xml(self._added[k]) for k in sorted(self._added))
            data = _insert_into(data, p, b"commentList", items)
        return data

    def _comment_xml(self, c: NewComment) -> bytes:
        p = self.p
        return (
            b"<" + p + b'comment ref="' + cell_ref(c.row, c.col).encode("ascii") + b'" authorId="'
            + str(self.authors.index(c.author)).encode() + b'"><' + p + b"text>"
            + self._run(c.text) + b"</" + p + b"text></" + p + b"comment>"
        )  # fmt: skip

    def _run(self, text: str) -> bytes:
        p = self.p
        return (
            b"<" + p + b"r><" + p + b'rPr><' + p + b'sz val="9"/><' + p + b'rFont val="Tahoma"/></'
            + p + b"rPr><" + p + b't xml:space="preserve">' + escape_text(text).encode("utf-8")
            + b"</" + p + b"t></" + p + b"r>"
        )  # fmt: skip

    def _append_runs(self, m: re.Match[bytes], text: str) -> bytes:
        """The comment element of ``m`` with ``text`` as one more run of its ``<text>``."""
        element = m.group()
        p = re.escape(self.p)
        old_len = text_length(_plain(m.group(2) or b""))
        text = _clip(text, MAX_TEXT - old_len)
        if not text:
            return element
        run = self._run(text)
        # Runs go before the phonetic parts (rPh, phoneticPr) and the end of <text>.
        stop = re.search(rb"<" + p + rb"(?:rPh|phoneticPr)[\s/>]|</" + p + rb"text\s*>", element)
        if stop is not None:
            return element[: stop.start()] + run + element[stop.start() :]
        empty = re.search(rb"<" + p + rb"text\s*/>", element)
        if empty is not None:
            body = b"<" + self.p + b"text>" + run + b"</" + self.p + b"text>"
            return element[: empty.start()] + body + element[empty.end() :]
        close = element.rfind(b"</")
        body = b"<" + self.p + b"text>" + run + b"</" + self.p + b"text>"
        return element[:close] + body + element[close:]


def _insert_into(data: bytes, p: bytes, section: bytes, items: bytes) -> bytes:
    """Append ``items`` to the element ``section`` (creating it, or opening an empty one)."""
    ep = re.escape(p)
    close = re.search(rb"</" + ep + section + rb"\s*>", data)
    if close is not None:
        return data[: close.start()] + items + data[close.start() :]
    empty = re.search(rb"<" + ep + section + rb"(\s[^>]*)?/>", data)
    if empty is not None:
        opened = (
            b"<" + p + section + (empty.group(1) or b"") + b">" + items + b"</" + p + section + b">"
        )
        return data[: empty.start()] + opened + data[empty.end() :]
    element = b"<" + p + section + b">" + items + b"</" + p + section + b">"
    if section == b"authors":
        root = re.search(rb"<" + ep + rb"comments(?=[\s>])[^>]*>", data)
        assert root is not None
        return data[: root.end()] + element + data[root.end() :]
    authors_end = re.search(rb"</" + ep + rb"authors\s*>|<" + ep + rb"authors[^>]*/>", data)
    assert authors_end is not None  # the authors section was made first
    return data[: authors_end.end()] + element + data[authors_end.end() :]


def _clip(text: str, limit: int = MAX_TEXT) -> str:
    """``text`` cut to ``limit`` UTF-16 units (Excel's limit for a comment's text)."""
    if text_length(text) <= limit:
        return text
    if limit <= 1:
        return ""
    out: list[str] = []
    used = 0
    for ch in text:
        width = 2 if ord(ch) > 0xFFFF else 1
        if used + width > limit - 1:
            break
        out.append(ch)
        used += width
    return "".join(out) + "…"


def _unxml(raw: bytes) -> str:
    return _OOXML_ESCAPE.sub(lambda m: chr(int(m.group(1), 16)), html.unescape(raw.decode("utf-8")))


def _plain(body: bytes) -> str:
    """The text of a comment's body: its ``<t>`` elements (plain or in runs) joined."""
    return "".join(_unxml(_TAGS.sub(b"", m.group(1))) for m in _T.finditer(body))
