"""A ``--config`` TOML file that does not parse: which line, and how to write it instead.

TOML's own messages (``Invalid statement (at line 3, column 1)``) do not tell a sales manager
what to do. The two slips people make are a Chinese key left bare (TOML wants keys that are not
plain ASCII in quotes: ``"跟进周期-A级" = 30``) and a text value left bare (``行业列表 = 制造业``).
For those the error shows the line as it should be; anything else names the line and quotes it.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

from crmxl.errors import SettingsError
from crmxl.i18n import register

#: A bare TOML key (dotted parts allowed): ASCII letters, digits, ``_`` and ``-`` only.
_BARE_KEY = re.compile(r"[A-Za-z0-9_-]+(?:\s*\.\s*[A-Za-z0-9_-]+)*")
_WHERE = re.compile(r"\s*\(at line (\d+), column \d+\)|\s*\(at end of document\)")


def decode(data: bytes) -> str:
    """The text of a settings file: UTF-8 (with or without BOM), else GB18030 (what Notepad on
    a Chinese Windows saves as "ANSI")."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("gb18030")


def explain(path: Path, text: str, exc: tomllib.TOMLDecodeError) -> SettingsError:
    """The error to show for ``exc``, raised while parsing ``text`` (the file at ``path``)."""
    message = str(exc)
    found = _WHERE.search(message)
    detail = message[: found.start()] if found else message
    lines = text.splitlines()
    if found and found.group(1):
        number = int(found.group(1))
    else:  # "at end of document": the last line that says anything
        number = max((i for i, line in enumerate(lines, 1) if line.strip()), default=0)
    line = lines[number - 1] if 0 < number <= len(lines) else ""
    key, equals, value = (part.strip() for part in line.partition("="))
    value = value or "…"
    if equals and key and not key.startswith(("#", "[", '"', "'")):
        if not _BARE_KEY.fullmatch(key):
            fix = f'"{key}" = {value}'
            return SettingsError("config-quote-key", path=path, line=number, fix=fix)
        if value[0].isalpha() and not _parses(value):  # bare words, not a slip in TOML's syntax
            fix = f"{key} = {_quoted(value)}"
            return SettingsError("config-quote-value", path=path, line=number, fix=fix)
    return SettingsError(
        "config-bad-line", path=path, line=number, detail=detail, text=line.strip()
    )


def _parses(value: str) -> bool:
    try:
        tomllib.loads(f"x = {value}")
    except tomllib.TOMLDecodeError:
        return False
    return True


def _quoted(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


register(
    {
        "config-quote-key": (
            "配置文件 {path} 第 {line} 行：中文键名需要加引号，如 {fix}",
            "{path} line {line}: quote keys that are not plain ASCII, e.g. {fix}",
        ),
        "config-quote-value": (
            "配置文件 {path} 第 {line} 行：文字的值需要加引号，如 {fix}",
            "{path} line {line}: quote text values, e.g. {fix}",
        ),
        "config-bad-line": (
            "配置文件 {path} 第 {line} 行不是有效的 TOML（{detail}）：{text}",
            "{path} line {line} is not valid TOML ({detail}): {text}",
        ),
    }
)
