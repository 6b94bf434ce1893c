"""The shared-string table read by index (crmxl/workbook/sharedstrings.py): every item as a full
parse gives it, wherever the chunks are cut, and a late item without parsing what precedes it."""

from __future__ import annotations

import io
from typing import Any
from xml.etree import ElementTree as ET

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import crmxl.workbook.sharedstrings as sharedstrings
from crmxl.workbook.package import _text_of
from crmxl.workbook.sharedstrings import SharedStrings

NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_text = st.text(st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), max_size=12)


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


@st.composite
def _tables(draw: st.DrawFn) -> tuple[bytes, list[str]]:
    """A table as Excel and others write one: plain items, rich-text runs, phonetic runs,
    empty items, whitespace between items, a default namespace or an ``x:`` prefix."""
    prefix = draw(st.sampled_from(["", "x:"]))
    p = prefix
    items: list[str] = []
    texts: list[str] = []
    for _ in range(draw(st.integers(0, 40))):
        kind = draw(st.sampled_from(["plain", "plain", "rich", "empty", "phonetic"]))
        if kind == "plain":
            text = draw(_text)
            items.append(f'<{p}si><{p}t xml:space="preserve">{_escape(text)}</{p}t></{p}si>')
        elif kind == "rich":
            runs = draw(st.lists(_text, min_size=1, max_size=3))
            body = "".join(
                f"<{p}r><{p}rPr><{p}b/></{p}rPr><{p}t>{_escape(r)}</{p}t></{p}r>" for r in runs
            )
            items.append(f"<{p}si>{body}</{p}si>")
            text = "".join(runs)
        elif kind == "empty":
            items.append(f"<{p}si/>")
            text = ""
        else:
            text = draw(_text)
            items.append(
                f'<{p}si><{p}t>{_escape(text)}</{p}t><{p}rPh sb="0" eb="1"><{p}t>ふ</{p}t>'
                f"</{p}rPh></{p}si>"
            )
        texts.append(text)
    sep = draw(st.sampled_from(["", "\n", "\r\n  "]))
    xmlns = f'xmlns:x="{NS}"' if prefix else f'xmlns="{NS}"'
    xml = (
        f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<{p}sst {xmlns} '
        f'count="{len(items)}" uniqueCount="{len(items)}">{sep}{sep.join(items)}{sep}</{p}sst>'
    )
    return xml.encode(), texts


@settings(max_examples=200, deadline=None)
@given(table=_tables(), chunk=st.integers(1, 400), order=st.randoms())
def test_every_item_is_what_a_full_parse_gives(
    table: tuple[bytes, list[str]], chunk: int, order: Any
) -> None:
    from unittest import mock

    data, texts = table
    full = [_text_of(si) for si in ET.fromstring(data)]
    assert full == texts
    with mock.patch.object(sharedstrings, "_CHUNK", chunk):
        strings = SharedStrings(lambda: io.BytesIO(data), _text_of)
        wanted = list(range(len(full) + 2))
        order.shuffle(wanted)  # in any order: later items first, then earlier ones
        for i in wanted:
            assert strings.get(i) == (full[i] if i < len(full) else None), i
        assert strings.count() == len(full)


def test_a_late_item_is_found_without_parsing_the_items_before(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    items = "".join(f"<si><t>s{i}</t></si>" for i in range(200_000))
    data = f'<sst xmlns="{NS}">{items}</sst>'.encode()
    parsed: list[bytes] = []
    real = ET.fromstring

    def spy(text: bytes, *args: Any) -> ET.Element:
        parsed.append(text)
        return real(text, *args)

    monkeypatch.setattr(sharedstrings.ET, "fromstring", spy)
    strings = SharedStrings(lambda: io.BytesIO(data), _text_of)
    assert strings.get(199_998) == "s199998"
    assert strings.get(3) == "s3" and strings.get(199_998) == "s199998"
    assert len(parsed) == 2  # each item parsed once, alone
    assert strings.get(200_000) is None and strings.get(-1) is None


def test_a_broken_table_is_a_one_line_error(tmp_path: Any) -> None:
    import zipfile

    import xlsxwriter

    from crmxl.errors import InputFileError
    from crmxl.workbook.package import Package

    good = tmp_path / "good.xlsx"
    with xlsxwriter.Workbook(good) as book:  # writes text as shared strings
        book.add_worksheet().write_row(0, 0, ["甲", "乙"])
    path = tmp_path / "broken.xlsx"
    with zipfile.ZipFile(good) as src, zipfile.ZipFile(path, "w") as out:
        for info in src.infolist():
            data = src.read(info)
            if info.filename == "xl/sharedStrings.xml":
                data = f'<sst xmlns="{NS}"><si><t>甲</t></si><si><t>乙</sst>'.encode()
            out.writestr(info, data)
    package = Package(path)
    assert package.shared_strings_part == "xl/sharedStrings.xml"
    assert package.shared_string(0) == "甲"
    with pytest.raises(InputFileError):
        package.shared_string(1)
    package.close()
