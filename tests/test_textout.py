"""Terminal tables: Chinese counts double, cells wrap to the screen, nothing is ever cut.

Expected widths are counted by hand: a Chinese character or full-width punctuation mark takes
two columns, ASCII one, and the ambiguous-width symbols (— … “ ”) one, as documented.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import ttykit
from hypothesis import given
from hypothesis import strategies as st

from crmxl.model.textout import render_table, width, wrap

REPO = Path(__file__).resolve().parents[1]
SAMPLE = REPO / "sample_data" / "crm-sample.xlsx"


@pytest.mark.parametrize(
    ("text", "cols"),
    [
        ("abc", 3),
        ("客户", 4),
        ("客户名称*", 9),
        ("¥480,000", 8),
        ("“简称”…—", 8),  # 1 + 4 + 1 + 1 + 1
        ("，。（）", 8),  # full-width punctuation
        ("é", 1),  # e + combining acute
    ],
)
def test_width_counts_chinese_double(text: str, cols: int) -> None:
    assert width(text) == cols


def test_wrap_breaks_english_at_spaces_and_chinese_anywhere() -> None:
    assert wrap("one two three four", 9) == ["one two", "three", "four"]
    assert wrap("请填写单位全称", 6) == ["请填写", "单位全", "称"]
    assert wrap("abcdefghij", 4) == ["abcd", "efgh", "ij"]
    assert wrap("short", 10) == ["short"]


_TEXT = st.text(
    alphabet=st.sampled_from(list("ab  c,.-客户名称，（）“”…")), min_size=0, max_size=80
)


@given(_TEXT, st.integers(min_value=2, max_value=30))
def test_wrap_keeps_every_character_and_fits(text: str, cols: int) -> None:
    lines = wrap(text, cols)
    assert all(width(line) <= cols for line in lines)
    # only spaces at the breaks may go; every other character stays, in order
    assert "".join(lines).replace(" ", "") == text.replace(" ", "")


def parse_table(text: str) -> list[list[str]]:
    """Rows of a rendered table, each cell put back together from its wrapped lines.

    The rule line (``----  ---``) gives the columns; a line whose first column is not blank
    starts a new row. Chinese text joins directly, English with a space.
    """
    lines = text.splitlines()
    rule = next(
        i for i, line in enumerate(lines) if line.strip() and set(line.strip()) <= {"-", " "}
    )
    spans, col = [], 0
    for part in lines[rule].split("  "):
        spans.append((col, col + len(part)))
        col += len(part) + 2
    rows: list[list[list[str]]] = []
    for line in lines[rule + 1 :]:
        cells, pos, i, chars = [], 0, 0, list(line)
        for start, end in spans:
            piece = ""
            while i < len(chars) and pos < end:
                if pos >= start:
                    piece += chars[i]
                pos += width(chars[i])
                i += 1
            while i < len(chars) and chars[i] == " " and pos < end + 2:
                pos += 1
                i += 1
            cells.append(piece.strip())
        if cells[0] or not rows:
            rows.append([[c] for c in cells])
        else:
            for k, c in enumerate(cells):
                if c:
                    rows[-1][k].append(c)
    return [[_join(parts) for parts in row] for row in rows]


def _join(parts: list[str]) -> str:
    out = ""
    for p in (x for x in parts if x):
        out += (" " if out and out[-1].isascii() and p[0].isascii() else "") + p
    return out


MESSAGES = [
    [
        "B169",
        "客户名称*",
        "杭州云帆网络",
        "警告",
        "“杭州云帆网络”像是简称，请填写单位全称（如“…有限公司”）",
    ],
    [
        "N185",
        "Created",
        "2026-09-24",
        "warning",
        "Created 3 days after the first contact, past the 24-hour limit",
    ],
]
HEADERS = ["单元格", "列", "值", "级别", "说明"]


@pytest.mark.parametrize("screen", [40, 60, 80, 120])
def test_a_table_fits_the_screen_and_loses_nothing(screen: int) -> None:
    text = render_table(HEADERS, MESSAGES, screen=screen)
    assert max(width(line) for line in text.splitlines()) <= screen
    assert _squeeze(parse_table(text)) == _squeeze(MESSAGES)  # a word may be broken inside


def _squeeze(rows: list[list[str]]) -> list[list[str]]:
    return [[cell.replace(" ", "") for cell in row] for row in rows]


def test_a_column_limit_wraps_but_never_cuts() -> None:
    text = render_table(HEADERS, MESSAGES, screen=200, max_width={4: 20})
    assert max(width(line) for line in text.splitlines()) < 80
    assert parse_table(text) == MESSAGES


def test_without_a_screen_nothing_wraps_or_is_cut() -> None:
    text = render_table(HEADERS, MESSAGES, screen=None, max_width={4: 20})
    lines = text.splitlines()
    assert len(lines) == 2 + len(MESSAGES)
    for line, row in zip(lines[2:], MESSAGES, strict=True):
        assert line.endswith(row[4])


def test_indent_counts_against_the_screen() -> None:
    text = render_table(HEADERS, MESSAGES, screen=50, indent="   ")
    assert all(line.startswith("   ") for line in text.splitlines())
    assert max(width(line) for line in text.splitlines()) <= 50


# ------------------------------------------------------------------------------ the real CLI


def _tables(output: str) -> list[str]:
    """The tables of ``validate``'s output (each after a ``== sheet ==`` line)."""
    return [part.split("\n\n", 1)[0] for part in output.split(" ==\n")[1:]]


def test_validate_on_a_terminal_wraps_to_columns_and_keeps_every_message() -> None:
    found = subprocess.run(
        [sys.executable, "-m", "crmxl", "validate", str(SAMPLE), "--json"],
        capture_output=True,
        check=False,
    )
    messages = {f["message"] for f in json.loads(found.stdout)["findings"] if f["cell"]}
    assert any(width(m) > 40 for m in messages)  # some would not fit a narrow column
    output = ttykit.crmxl(["validate", str(SAMPLE)], stdout="tty", columns=80).stdout
    table_lines = [line for table in _tables(output) for line in table.splitlines()]
    assert max(width(line) for line in table_lines) <= 80  # prose lines the terminal folds
    shown = {row[4] for table in _tables(output) for row in parse_table(table)}
    assert messages <= shown


def test_validate_piped_prints_each_finding_whole_on_one_line() -> None:
    found = subprocess.run(
        [sys.executable, "-m", "crmxl", "validate", str(SAMPLE), "--json"],
        capture_output=True,
        check=False,
    )
    piped = subprocess.run(
        [sys.executable, "-m", "crmxl", "validate", str(SAMPLE)],
        capture_output=True,
        check=False,
        env=dict(os.environ, COLUMNS="40", CRMXL_LANG="zh"),
    ).stdout.decode("utf-8")
    lines = piped.splitlines()
    for f in json.loads(found.stdout)["findings"]:
        if f["cell"]:
            cell = f["cell"].split("!", 1)[-1]
            assert any(line.startswith(cell) and line.endswith(f["message"]) for line in lines)


@pytest.mark.parametrize("encoding", ["cp936", "cp1252"])
def test_a_terminal_in_a_windows_code_page_still_gets_wrapped_tables_and_the_bar(
    encoding: str,
) -> None:
    """The table and the bar print through the console's stand-ins (crmxl/console.py): on a
    terminal whose code page is GBK, or Western (no Chinese at all: each character a ``?``),
    validate still draws its bar, wraps to 80 columns and shows every finding's cell, with no
    traceback."""
    found = subprocess.run(
        [sys.executable, "-m", "crmxl", "validate", str(SAMPLE), "--json"],
        capture_output=True,
        check=False,
    )
    cells = {f["cell"] for f in json.loads(found.stdout)["findings"] if f["cell"]}
    run = ttykit.crmxl(
        ["validate", str(SAMPLE)],
        stdout="tty",
        stderr="tty",
        columns=80,
        env={"PYTHONIOENCODING": encoding},
        encoding=encoding,
    )
    assert run.returncode == 1, run.stderr  # the sample's planted errors, reported
    assert "Traceback" not in run.stderr
    assert re.search(r"\[[#-]{24}\] \d+/\d+", run.stderr)  # the bar, with its counts
    tables = run.stdout.split(" ==\n")[1:]
    assert len(tables) == len({c.split("!", 1)[0] for c in cells})  # one table a sheet
    table_lines = [line for t in tables for line in t.split("\n\n", 1)[0].splitlines()]
    assert max(width(line) for line in table_lines) <= 80
    shown = {row[0] for t in tables for row in parse_table(t.split("\n\n", 1)[0])}
    assert shown == {c.split("!", 1)[1] for c in cells}
    if encoding == "cp1252":
        assert "?" in run.stdout and not any("\u4e00" <= ch <= "\u9fff" for ch in run.stdout)
    else:
        assert "客户档案" in run.stdout
