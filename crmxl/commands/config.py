"""``crmxl config --example``: every setting as a commented TOML file, and docs/settings.md.

Both are generated from the settings definitions (:data:`crmxl.model.settings.DEFINITIONS`), so
they can never disagree with what ``--config`` and the 配置 sheet accept: each key with its
Chinese and English names, its meaning in both languages and its default value. Loading the
example back gives the defaults (a test does). ``python -m crmxl.commands.config docs/settings.md``
rewrites the docs page; a test checks it is current.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from crmxl.model.settings import DEFINITIONS, SettingDef, Settings, default_rows

_INTRO = (
    "# crmxl 配置文件示例 / crmxl settings file",
    "# 用法 / use:  crmxl refresh crm.xlsx --config crmxl.toml  (report, todo, assign ... 同样 / too)",
    "#",
    "# 每一项都有默认值（下面写的就是默认值）：只留下要改的项，其余可删掉。本文件优先于“配置”工作表。",
    "# Every key has a default (the values below are the defaults): keep only what you change.",
    "# This file wins over the 配置 (Settings) sheet.",
    "#",
    "# 键名也可以写“配置”表里的中文名，但要加引号 / the 配置 sheet's Chinese names work as keys",
    '# too, in quotes:  "跟进周期-A级" = 30',
    '# 文字要加引号，列表写成 ["a", "b"] / text goes in quotes, lists as ["a", "b"]',
)


@dataclass(frozen=True)
class ConfigExample:
    """The example settings file."""

    text: str

    def to_dict(self, lang: str = "zh") -> dict[str, Any]:
        return {"example": self.text}

    def render(self, lang: str = "zh") -> str:
        return self.text


def example() -> ConfigExample:
    """The commented TOML file: every setting, its names, meaning and default."""
    out = list(_INTRO)
    shown = {zh: text for zh, text, _ in default_rows("zh")}
    for defn in DEFINITIONS:
        value = defn.get(Settings())
        out += ["", f"# {defn.zh} / {defn.en}"]
        meaning = " / ".join(note for note in (defn.note_zh, defn.note_en) if note)
        if meaning:
            out.append(f"# {meaning}")
        literal = toml_value(defn, value)
        if literal is None:
            out.append(f"# 默认：{shown[defn.zh] or '空'} / default: none (blank)")
            out.append(f"# {defn.toml} =")
        else:
            out.append(f"{defn.toml} = {literal}")
    return ConfigExample("\n".join(out) + "\n")


def toml_value(defn: SettingDef, value: Any) -> str | None:
    """``value`` as a TOML literal (None when the default is "none", which TOML cannot say)."""
    if value is None:
        return None
    if defn.kind == "percent":
        return json.dumps(f"{value * 100:g}%")
    if defn.kind == "columns":
        names = [name.strip() for name in _names(defn)]
        return json.dumps(names, ensure_ascii=False)
    if defn.kind in _AS_WRITTEN:  # the text the 配置 sheet shows reads back the same
        return json.dumps(_shown(defn), ensure_ascii=False)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, int | float):
        return str(value)
    if isinstance(value, tuple | list):
        return json.dumps([str(v) for v in value], ensure_ascii=False)
    return json.dumps(str(value), ensure_ascii=False)


#: Kinds whose value is given as the 配置 sheet writes it (自然时, 09:00-12:00,13:30-18:00, 2个工作日 ...).
_AS_WRITTEN = frozenset({"clock", "workhours", "workdays", "limit", "switch"})


def _shown(defn: SettingDef) -> str:
    """The default of ``defn`` as the 配置 sheet of a new workbook shows it."""
    return next(value for key, value, _ in default_rows("zh") if key == defn.zh)


def _names(defn: SettingDef) -> list[str]:
    """The sensitive columns as the 配置 sheet names them."""
    text = next(value for key, value, _ in default_rows("zh") if key == defn.zh)
    return [part for part in text.split("，") if part]


def markdown() -> str:
    """docs/settings.md: what the example says, as a table, with how settings are read."""
    rows = [
        "| TOML key | 配置 (中文) | English | default | 说明 | meaning |",
        "|---|---|---|---|---|---|",
    ]
    shown = {zh: text for zh, text, _ in default_rows("zh")}
    for defn in DEFINITIONS:
        default = shown[defn.zh] or "（空 / none）"
        cells = [f"`{defn.toml}`", defn.zh, defn.en, default, defn.note_zh, defn.note_en]
        rows.append("| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |")
    return "\n".join([*_DOC_HEAD, *rows, *_DOC_TAIL]) + "\n"


_DOC_HEAD = (
    "# Settings (配置 sheet and `--config crmxl.toml`)",
    "",
    "<!-- Generated from crmxl/model/settings.py by `python -m crmxl.commands.config "
    "docs/settings.md`; a test checks it is current. -->",
    "",
    "Every setting has a default, so both the 配置 sheet and the TOML file are optional; the TOML",
    "file (`--config`) wins over the sheet. A setting is known by its Chinese name (as the 配置",
    "sheet shows it), its English name and its TOML key; all three work in both places (a",
    'Chinese key in TOML goes in quotes: `"跟进周期-A级" = 30`). A bad value is a finding naming',
    "the cell or key, and the default is used.",
    "",
    "`crmxl config --example > crmxl.toml` writes a file with every key, its meaning in Chinese",
    "and English and its default, ready to edit. A TOML file that does not parse is refused in",
    "one line that names the line and, for the usual slips, shows it written right:",
    "",
    "```",
    'Error: 配置文件 crmxl.toml 第 3 行：中文键名需要加引号，如 "跟进周期-A级" = 30',
    'Error: crmxl.toml line 4: quote text values, e.g. industries = "制造业,互联网"',
    "```",
    "",
    'A file saved as GB18030/GBK (Notepad\'s "ANSI" on a Chinese Windows) is read as well as UTF-8.',
    "",
)
_DOC_TAIL = (
    "",
    "Percentages may be written `80%`, `0.8` or `80`; amounts as numbers or `50万`; lists as a",
    "TOML array or one comma-separated string. A key may also sit one table deep: `[cadence]` then",
    "`a = 30` is `cadence_a = 30`.",
)


def main(argv: Sequence[str] | None = None) -> None:
    """``python -m crmxl.commands.config [PATH]``: write docs/settings.md (or print it)."""
    args = list(sys.argv[1:] if argv is None else argv)
    text = markdown()
    if args:
        Path(args[0]).write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)


if __name__ == "__main__":  # pragma: no cover
    main()
