"""The look of the workbooks crmxl makes: styles, number formats and dropdowns.

``init``'s templates and ``split``'s per-person workbooks look the same: bold headers on blue
(grey for computed columns, whose cells are grey too), number formats by column type, and a
dropdown on every enumeration column.

Where the dropdown lists live:

* fixed enumerations (stages, sources, statuses ...) are inline lists in the validation itself,
  in the workbook's language;
* the lists a team edits (行业列表, 区域列表 and the letters of 分级方案) stay in the 配置 sheet,
  one comma-separated cell each, as the settings reader expects. A hidden sheet (下拉选项 /
  Dropdowns) splits those cells into one item a row with ordinary formulas (INDEX/MATCH, MID,
  SUBSTITUTE), and the defined names ``crmxl_industries``, ``crmxl_regions`` and ``crmxl_tiers``
  (OFFSET over the non-blank items) feed the validations. Editing 配置 changes the dropdowns in
  Excel, WPS and LibreOffice, with no macro. A workbook without 配置 (``--sheets`` without it)
  gets inline lists of the defaults instead.

All validations allow blanks and use the *warning* style: a value off the list asks "continue?"
rather than refusing, because the reader accepts aliases (``A级``, ``Y``) and the placeholders
``待核实``/``待确认`` that the manuals ask for.
"""

from __future__ import annotations

import math
from typing import Any

from crmxl.a1 import column_letter
from crmxl.i18n import register, t
from crmxl.model.schema import ENUMS, SHEETS_BY_KEY, ColType, Column, Pool, SheetSpec
from crmxl.model.settings import DEFINITIONS, TIER_SCHEMES, SettingDef, Settings
from crmxl.model.textout import width as text_width
from crmxl.workbook.newbook import NewBook, Style

#: Data rows that carry validations: row 2 to row DATA_ROWS + 1, Excel's last row (1,048,576),
#: so a dropdown is there however far down a team types. A validation is one range in the sheet
#: XML whatever its length: the files are no bigger and open no slower than with 5,000 rows.
DATA_ROWS = 1_048_575

#: Room a header needs beside its text: the filter button and a little padding (characters).
HEADER_PAD = 4

#: The hidden sheet that turns the 配置 lists into dropdown ranges (zh, en).
LISTS_NAMES = ("下拉选项", "Dropdowns")

#: Defined names of the settings-driven dropdown lists, by enumeration key.
LIST_NAMES = {"industries": "crmxl_industries", "regions": "crmxl_regions", "tiers": "crmxl_tiers"}

LIST_SLOTS = 60  # items a list may have

_PAD = 100  # characters an item may have (the split pads each separator to this width)

HEADER_FILL = "#DDEBF7"

AUTO_HEADER_FILL = "#D9D9D9"

AUTO_FILL = "#F2F2F2"

BORDER = "#BFBFBF"

NUM_FORMATS: dict[ColType, str] = {
    ColType.ID: "@",
    ColType.PHONE: "@",
    ColType.MONTHDAY: "@",  # 03-05 typed into a General cell would become a date
    ColType.DATE: "yyyy-mm-dd",
    ColType.DATETIME: "yyyy-mm-dd hh:mm",
    ColType.AMOUNT: "#,##0",
    ColType.INT: "0",
    ColType.NUMBER: "0.0",
}

#: Text columns whose values are often long digit strings (a WeChat ID is often the mobile).
TEXT_FORMAT_KEYS = frozenset({("contacts", "wechat")})

DATE_FORMAT = NUM_FORMATS[ColType.DATE]

#: Placeholders as an English workbook spells them.
PLACEHOLDERS_EN = {"待核实": "TBC", "待确认": "TBD"}


class Styles:
    """The styles of one new workbook, by what they are for."""

    def __init__(self, book: NewBook) -> None:
        self.book = book
        self.get = book.style
        self._wrapping: set[int] = set()

    def cell(self, num_format: str | None, auto: bool) -> Style | None:
        props: dict[str, Any] = {}
        if num_format:
            props["num_format"] = num_format
        if auto:
            props["bg_color"] = AUTO_FILL
        return self.get(**props) if props else None

    def _wraps(self, style: Style) -> Style:
        self._wrapping.add(id(style))
        return style

    def wraps(self, style: Style | None) -> bool:
        """True when ``style`` wraps its text (a row must grow for it: Excel and LibreOffice
        do not grow a row for wrapped text on load)."""
        return style is not None and id(style) in self._wrapping

    def header(self, auto: bool) -> Style:
        return self._wraps(
            self.get(
                bold=True,
                bg_color=AUTO_HEADER_FILL if auto else HEADER_FILL,
                border=1,
                border_color=BORDER,
                text_wrap=True,
                valign="vcenter",
            )
        )

    @property
    def title(self) -> Style:
        return self.get(bold=True, font_size=16)

    @property
    def section(self) -> Style:
        return self.get(bold=True, font_size=12, bottom=1, bottom_color=BORDER)

    @property
    def wrap(self) -> Style:
        return self._wraps(self.get(text_wrap=True, valign="top"))

    @property
    def label(self) -> Style:
        return self.get(valign="top")

    @property
    def code(self) -> Style:
        return self._wraps(self.get(font_name="Consolas", text_wrap=True, valign="top"))

    @property
    def link(self) -> Style:
        return self.get(font_color="#0563C1", underline=1, valign="top")


def column_width(col: Column, header: str) -> float:
    """A column's width (Excel characters): the schema's, or wider when the header needs it.

    The header is bold and carries the filter button, so it needs its text's width (a Chinese
    character counts two, as Excel draws it in a CJK font) plus :data:`HEADER_PAD`, a tenth more
    for the bold type."""
    return max(float(col.width), math.ceil(text_width(header) * 1.1) + HEADER_PAD)


def column_format(spec: SheetSpec, col: Column) -> str | None:
    """The number format a template gives ``col`` (None: General)."""
    if (spec.key, col.key) in TEXT_FORMAT_KEYS:
        return "@"
    return NUM_FORMATS.get(col.type)


def localize(col: Column, value: str, lang: str) -> str:
    """A canonical value as the workbook's language writes it (enum labels, placeholders)."""
    if lang != "en":
        return value
    if col.owner_ref and value == Pool.POOL:
        return Pool.POOL.label(lang)  # 负责人 公海 (SPEC 2.9)
    enum_key = "yesno" if col.type == ColType.YESNO else col.enum
    if enum_key in ENUMS and value in ENUMS[enum_key].zh:
        return ENUMS[enum_key].label(value, lang)
    return PLACEHOLDERS_EN.get(value, value)


def list_enum(col: Column) -> str | None:
    """The settings-driven list a column's dropdown uses, if any."""
    if col.auto or col.type != ColType.ENUM:
        return None
    return col.enum if col.enum in LIST_NAMES else None


def dropdown_values(col: Column, lang: str, settings: Settings | None = None) -> tuple[str, ...]:
    """The values a column's dropdown offers in a new workbook (empty: no dropdown)."""
    settings = settings or Settings()
    if col.auto:
        return ()
    if col.type == ColType.YESNO:
        return tuple(ENUMS["yesno"].label(v, lang) for v in ENUMS["yesno"].zh)
    if col.type != ColType.ENUM or col.enum is None:
        return ()
    listed = settings.enum_values(col.enum)
    if listed is not None:
        return listed
    return tuple(ENUMS[col.enum].label(v, lang) for v in ENUMS[col.enum].zh)


def validation(col: Column, lang: str, has_settings: bool) -> dict[str, Any] | None:
    """The xlsxwriter data-validation options for ``col``, or None."""
    name = col.name(lang)
    common = {"ignore_blank": True, "error_type": "warning", "error_title": t("tpl-dv-title", lang)}
    options = dropdown_values(col, lang)
    if options:
        listed = list_enum(col)
        source: str | list[str] = (
            f"={LIST_NAMES[listed]}" if listed and has_settings else list(options)
        )
        return {
            "validate": "list",
            "source": source,
            "error_message": t("tpl-dv-list", lang, column=name),
            **common,
        }
    if col.type == ColType.INT and not col.auto and col.min is not None:
        low = int(col.min)
        if col.max is not None:
            return {
                "validate": "integer",
                "criteria": "between",
                "minimum": low,
                "maximum": int(col.max),
                "error_message": t("tpl-dv-int", lang, column=name, low=low, high=int(col.max)),
                **common,
            }
        return {
            "validate": "integer",
            "criteria": ">=",
            "value": low,
            "error_message": t("tpl-dv-int-min", lang, column=name, low=low),
            **common,
        }
    return None


def _definition(toml: str) -> SettingDef:
    return next(d for d in DEFINITIONS if d.toml == toml)


def uses_lists(specs: list[SheetSpec]) -> bool:
    """True when a workbook of ``specs`` needs the hidden lists sheet: it has 配置 and a column
    whose dropdown a 配置 list feeds."""
    keys = {s.key for s in specs}
    return "settings" in keys and any(list_enum(c) for s in specs for c in s.columns)


def write_lists(wb: NewBook, styles: Styles, lang: str) -> str:
    """The hidden 下拉选项 sheet that splits the 配置 lists into ranges, and the defined names
    over them that the dropdowns use (a split workbook's read-only 配置 has them too); returns
    the hidden sheet's name."""
    name = LISTS_NAMES[1] if lang == "en" else LISTS_NAMES[0]
    settings_name = SHEETS_BY_KEY["settings"].name(lang)
    ws = wb.add_sheet(name)
    ws.hide()
    keys = f"'{settings_name}'!$A:$A"
    vals = f"'{settings_name}'!$B:$B"
    defaults = Settings()
    last = LIST_SLOTS + 2
    for c, enum_key in enumerate(("industries", "regions")):
        defn = _definition(enum_key)
        key = defn.en if lang == "en" else defn.zh
        items: tuple[str, ...] = getattr(defaults, enum_key)
        fallback = ",".join(items)
        # a blank or missing 配置 cell means the default list, as the settings reader reads it
        raw = f'IFERROR(INDEX({vals},MATCH("{key}",{keys},0))&"","")'
        text = f'IF({raw}="","{fallback}",{raw})'
        for sep in ("，", "、", "；", ";"):
            text = f'SUBSTITUTE({text},"{sep}",",")'
        letter = column_letter(c + 1)
        ws.write_string(0, c, key, styles.header(False))
        ws.write_formula(1, c, f"={text}", None, fallback)
        for k in range(LIST_SLOTS):
            item = items[k] if k < len(items) else ""
            formula = (
                f'=TRIM(MID(SUBSTITUTE(${letter}$2,",",REPT(" ",{_PAD})),{k * _PAD + 1},{_PAD}))'
            )
            ws.write_formula(2 + k, c, formula, None, item)
        wb.define_name(
            LIST_NAMES[enum_key],
            f"=OFFSET('{name}'!${letter}$3,0,0,"
            f"MAX(1,COUNTIF('{name}'!${letter}$3:${letter}${last},\"?*\")),1)",
        )
    scheme = _definition("tier_scheme")
    scheme_key = scheme.en if lang == "en" else scheme.zh
    ws.write_string(0, 2, scheme_key, styles.header(False))
    ws.write_formula(
        1,
        2,
        f'=IFERROR(UPPER(TRIM(INDEX({vals},MATCH("{scheme_key}",{keys},0)))),"{defaults.tier_scheme}")',
        None,
        defaults.tier_scheme,
    )
    base = TIER_SCHEMES[defaults.tier_scheme]
    widest = max(TIER_SCHEMES.values(), key=len)
    for k, letter in enumerate(widest):
        if letter in base:
            ws.write_string(2 + k, 2, letter)
        else:
            schemes = [s for s, letters in TIER_SCHEMES.items() if letter in letters]
            test = ",".join(f'$C$2="{s}"' for s in schemes)
            ws.write_formula(2 + k, 2, f'=IF(OR({test}),"{letter}","")', None, "")
    wb.define_name(
        LIST_NAMES["tiers"],
        f"=OFFSET('{name}'!$C$3,0,0,MAX(1,COUNTIF('{name}'!$C$3:$C${2 + len(widest)},\"?*\")),1)",
    )
    ws.set_column(0, 2, 16)
    ws.write_string(0, 4, t("tpl-lists-note", lang, settings=settings_name))
    return name


register(
    {
        "tpl-dv-title": ("不在下拉选项中", "Not in the list"),
        "tpl-dv-list": (
            "“{column}”请从下拉列表中选择。\n确需填写其他内容（如“待核实”）时，点“是”保留。",
            "Pick {column} from the dropdown.\nTo keep another value (such as TBC), click Yes.",
        ),
        "tpl-dv-int": (
            "“{column}”应为 {low} 到 {high} 之间的整数。",
            "{column} should be a whole number from {low} to {high}.",
        ),
        "tpl-dv-int-min": (
            "“{column}”应为不小于 {low} 的整数。",
            "{column} should be a whole number of at least {low}.",
        ),
        "tpl-lists-note": (
            "本表由 crmxl 生成，为下拉列表服务：内容取自“{settings}”表，请到“{settings}”表修改，不要编辑本表。",
            "Made by crmxl for the dropdowns: it reads the {settings} sheet. Edit {settings}, not this sheet.",
        ),
    }
)
