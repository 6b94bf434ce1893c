"""Every user-visible string, in Chinese (the default) and English.

Modules register their messages with :func:`register` at import time, as a mapping from a stable
code to a ``(zh, en)`` pair of ``str.format`` templates. :func:`t` renders one. A test checks that
every registered message has both languages and the same placeholders in each.
"""

from __future__ import annotations

import os
import string
from collections.abc import Mapping
from typing import Any

LANGS = ("zh", "en")
DEFAULT_LANG = "zh"

_CATALOG: dict[str, tuple[str, str]] = {}


def register(messages: Mapping[str, tuple[str, str]]) -> Mapping[str, tuple[str, str]]:
    """Add ``messages`` to the catalog; a code registered twice must say the same thing."""
    for code, pair in messages.items():
        old = _CATALOG.get(code)
        if old is not None and old != pair:
            raise ValueError(f"message {code!r} registered twice with different texts")
        _CATALOG[code] = pair
    return messages


def catalog() -> Mapping[str, tuple[str, str]]:
    """All registered messages (for tests and docs)."""
    return dict(_CATALOG)


def normalize_lang(lang: str | None) -> str:
    """``zh``/``en`` from a user's choice, ``CRMXL_LANG``, or the default."""
    value = (lang or os.environ.get("CRMXL_LANG") or DEFAULT_LANG).strip().lower()
    if value.startswith("en"):
        return "en"
    return "zh"


class _Formatter(string.Formatter):
    """``str.format`` plus English plurals, chosen by the number:

    - ``{n:~row|rows}``: the number and its noun, ``1 row`` / ``2 rows``;
    - ``{n:?holds|hold}``: the word alone (a verb that agrees), ``holds`` / ``hold``.
    """

    def format_field(self, value: Any, format_spec: str) -> str:
        if format_spec[:1] in ("~", "?"):
            one, _, many = format_spec[1:].partition("|")
            word = one if _is_one(value) else many
            return word if format_spec[0] == "?" else f"{value} {word}"
        return str(super().format_field(value, format_spec))


def _is_one(value: Any) -> bool:
    try:
        return float(value) == 1
    except (TypeError, ValueError):
        return False


_FORMATTER = _Formatter()


def plural(n: Any, one: str, many: str) -> str:
    """``1 day`` / ``3 days``: the number and the English noun that agrees with it."""
    return f"{n} {one if _is_one(n) else many}"


def t(code: str, lang: str = DEFAULT_LANG, /, **params: Any) -> str:
    """Render message ``code`` in ``lang`` with ``params`` (English plurals: :class:`_Formatter`)."""
    pair = _CATALOG.get(code)
    if pair is None:
        detail = ", ".join(f"{k}={v}" for k, v in params.items())
        return f"{code}: {detail}" if detail else code
    template = pair[1] if normalize_lang(lang) == "en" else pair[0]
    try:
        return _FORMATTER.format(template, **params)
    except (KeyError, IndexError, ValueError):
        return template


def placeholders(template: str) -> set[str]:
    """The ``{names}`` a template uses."""
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


def pick(lang: str, zh: str, en: str) -> str:
    """One of two literal strings by language (for names that are data, not messages)."""
    return en if normalize_lang(lang) == "en" else zh


register(
    {
        "error": ("出错了", "Something went wrong"),
        "file-unreadable": ("无法读取文件 {path}", "Cannot read {path}"),
        "workspace-error": ("工作簿无法使用", "The workbooks cannot be used"),
        "settings-error": ("配置有误", "Bad settings"),
        "write-refused": ("拒绝写入 {path}", "Refused to write {path}"),
        "usage": ("用法有误", "Bad usage"),
    }
)
