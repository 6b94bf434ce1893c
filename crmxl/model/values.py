"""Reading what people type into Excel cells (SPEC section 4).

Each ``parse_*`` function takes one cell value as a reader returns it (``str``, ``float``,
``int``, ``bool``, ``datetime``, ``date`` or ``None``) and returns the typed value, or raises
:class:`BadValue` with a stable code. Blank cells are the caller's business: check
:func:`is_blank` first. Placeholders (``待核实``, ``待确认``) are "known unknowns"; check
:func:`is_placeholder`.

:func:`parse_series` applies a parser to a whole column, once per distinct value, which is what
makes a million-row follow-up log cheap to read.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Callable
from datetime import date, datetime, time, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

import numpy as np
import pandas as pd

from crmxl.model.schema import ENUMS, ColType, YesNo
from crmxl.workbook.cellxml import EXCEL_EPOCH, EXCEL_EPOCH_1904

PLACEHOLDERS = ("待核实", "待确认", "待定", "TBD", "TBC", "To Be Confirmed")
_PLACEHOLDER_SET = {unicodedata.normalize("NFKC", p).casefold() for p in PLACEHOLDERS}

#: Serial numbers accepted as dates: 1900-01-01 .. 2199-12-31.
SERIAL_MIN, SERIAL_MAX = 1, 109573


class BadValue(ValueError):
    """A cell value that cannot be read as the column's type; ``code`` says why."""

    def __init__(self, code: str, detail: str = "") -> None:
        super().__init__(code if not detail else f"{code}: {detail}")
        self.code = code
        self.detail = detail


def nfkc(text: str) -> str:
    """Full-width to half-width and other compatibility forms, trimmed."""
    return unicodedata.normalize("NFKC", text).strip()


def is_blank(value: Any) -> bool:
    """None, NaN/NaT, or text that is only white space."""
    if value is None:
        return True
    if isinstance(value, float) and math.isnan(value):
        return True
    if value is pd.NaT:
        return True
    if isinstance(value, str):
        return not value.strip()
    return False


def is_placeholder(value: Any) -> bool:
    """``待核实``/``待确认`` and friends: a value the user knows is missing."""
    return isinstance(value, str) and nfkc(value).casefold() in _PLACEHOLDER_SET


# ------------------------------------------------------------------------------ dates

_DATE_PATTERNS = [
    # 2024-03-05, 2024/3/5, 2024.3.5, 2024年3月5日, with an optional time
    re.compile(
        r"^(?P<y>\d{4})\s*[-/.年]\s*(?P<m>\d{1,2})\s*[-/.月]\s*(?P<d>\d{1,2})\s*[日号]?"
        r"(?:[\sT]+(?P<ampm>上午|下午|晚上|凌晨)?\s*(?P<H>\d{1,2})\s*[:：时点]\s*(?P<M>\d{1,2})?"
        r"\s*(?:[:：分]\s*(?P<S>\d{1,2}(?:\.\d+)?)?\s*秒?)?)?$"
    ),
    # 20240305
    re.compile(r"^(?P<y>\d{4})(?P<m>\d{2})(?P<d>\d{2})$"),
]
_MONTHDAY = re.compile(r"^(?P<m>\d{1,2})\s*[-/.月]\s*(?P<d>\d{1,2})\s*[日号]?$")


def serial_to_datetime(serial: float, date1904: bool = False) -> datetime:
    """An Excel serial number as a date-time (1900 system unless ``date1904``)."""
    if not (SERIAL_MIN <= serial <= SERIAL_MAX):
        raise BadValue("bad-date", str(serial))
    epoch = EXCEL_EPOCH_1904 if date1904 else EXCEL_EPOCH
    # Round to the millisecond so 45000.5 does not come back as 11:59:59.999.
    return epoch + timedelta(milliseconds=round(serial * 86_400_000))


def _from_parts(y: int, m: int, d: int) -> date:
    try:
        return date(y, m, d)
    except ValueError as exc:
        raise BadValue("bad-date", f"{y}-{m}-{d}") from exc


def parse_datetime(value: Any, date1904: bool = False) -> datetime:
    """A date-time from a cell: a real date, an Excel serial, or text in the common forms.

    Accepted text: ``2024-03-05``, ``2024/3/5``, ``2024.3.5``, ``2024年3月5日``, ``20240305``,
    each with an optional time (``14:30``, ``14:30:05``, ``下午2:30``, ``14时30分``), and ISO
    ``2024-03-05T14:30``. A date alone means its start (00:00).
    """
    if isinstance(value, datetime):
        if value is pd.NaT:
            raise BadValue("bad-date")
        return value.replace(tzinfo=None) if value.tzinfo else value
    if isinstance(value, date):
        return datetime.combine(value, time())
    if isinstance(value, bool):
        raise BadValue("bad-date", str(value))
    if isinstance(value, int | float):
        if isinstance(value, float) and not math.isfinite(value):
            raise BadValue("bad-date", str(value))
        return serial_to_datetime(float(value), date1904)
    if not isinstance(value, str):
        raise BadValue("bad-date", repr(value))
    text = nfkc(value)
    if not text:
        raise BadValue("bad-date")
    # Excel serial typed or stored as text ("45000", "45000.5")
    if re.fullmatch(r"\d{4,6}(?:\.\d+)?", text) and not re.fullmatch(r"\d{8}", text):
        return serial_to_datetime(float(text), date1904)
    for pattern in _DATE_PATTERNS:
        m = pattern.match(text)
        if not m:
            continue
        day = _from_parts(int(m["y"]), int(m["m"]), int(m["d"]))
        groups = m.groupdict()
        if not groups.get("H"):
            return datetime.combine(day, time())
        hour = int(groups["H"])
        if groups.get("ampm") in ("下午", "晚上") and hour < 12:
            hour += 12
        if groups.get("ampm") == "凌晨" and hour == 12:
            hour = 0
        minute = int(groups["M"] or 0)
        second = float(groups["S"] or 0)
        if hour > 23 or minute > 59 or second >= 60:
            raise BadValue("bad-date", text)
        whole = int(second)
        micro = round((second - whole) * 1_000_000)
        return datetime.combine(day, time(hour, minute, whole, min(micro, 999_999)))
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError as exc:
        raise BadValue("bad-date", text) from exc
    return parsed.replace(tzinfo=None)


def parse_date(value: Any, date1904: bool = False) -> date:
    """A calendar date from a cell (any form :func:`parse_datetime` accepts; time dropped)."""
    return parse_datetime(value, date1904).date()


def has_time(value: datetime) -> bool:
    """True when a date-time carries a time of day (not just midnight)."""
    return value.time() != time()


def parse_monthday(value: Any, date1904: bool = False) -> tuple[int, int]:
    """A birthday: ``(month, day)`` from a full date or from ``MM-DD`` / ``3月5日``."""
    if isinstance(value, str):
        m = _MONTHDAY.match(nfkc(value))
        if m:
            month, day = int(m["m"]), int(m["d"])
            _from_parts(2000, month, day)  # 2000 is a leap year: 02-29 is fine
            return month, day
    d = parse_date(value, date1904)
    return d.month, d.day


def parse_as_of(text: str | datetime | date | None) -> datetime:
    """The ``--as-of`` moment: ISO date or date-time; a date alone is its start; None is now."""
    if text is None or (isinstance(text, str) and not text.strip()):
        return datetime.now().replace(microsecond=0)
    if isinstance(text, datetime | date):
        return parse_datetime(text)
    try:
        return parse_datetime(text)
    except BadValue as exc:
        raise BadValue("bad-as-of", str(text)) from exc


# ---------------------------------------------------------------------------- numbers

_AMOUNT = re.compile(
    r"^(?P<sign>[-+])?\s*(?:RMB|CNY|人民币|[¥￥$])?\s*(?P<num>\d[\d,]*(?:\.\d+)?|\.\d+)\s*"
    r"(?P<unit>亿|万|千|百万|[kKwW]|[mM])?\s*(?:元|块|RMB|CNY|人民币)?(?:整)?$"
)
_UNITS = {
    None: Decimal(1),
    "千": Decimal(1000),
    "k": Decimal(1000),
    "K": Decimal(1000),
    "万": Decimal(10_000),
    "w": Decimal(10_000),
    "W": Decimal(10_000),
    "百万": Decimal(1_000_000),
    "m": Decimal(1_000_000),
    "M": Decimal(1_000_000),
    "亿": Decimal(100_000_000),
}


def _number(value: Any, code: str) -> float:
    if isinstance(value, bool):
        raise BadValue(code, str(value))
    if isinstance(value, int | float):
        if isinstance(value, float) and not math.isfinite(value):
            raise BadValue(code, str(value))
        return float(value)
    raise BadValue(code, repr(value))


def parse_amount(value: Any) -> float:
    """Money: ``1200000``, ``¥1,200,000``, ``120万``, ``1.2亿``, ``50万元``, ``RMB 3,000.50``.

    Chinese units multiply (万 10⁴, 亿 10⁸); thousands separators are dropped. The result is
    rounded to the cent.
    """
    if isinstance(value, str):
        text = nfkc(value).replace(" ", "").replace("，", ",")
        m = _AMOUNT.match(text)
        if not m:
            raise BadValue("bad-amount", value)
        num = m["num"].replace(",", "")
        try:
            amount = Decimal(num) * _UNITS[m["unit"]]
        except (InvalidOperation, KeyError) as exc:
            raise BadValue("bad-amount", value) from exc
        if m["sign"] == "-":
            amount = -amount
        return float(round(amount, 2))
    return round(_number(value, "bad-amount"), 2)


def parse_number(value: Any) -> float:
    """Any number, from a number cell or text (``12.5``, ``1,200``)."""
    if isinstance(value, str):
        text = nfkc(value).replace(",", "")
        try:
            result = float(text)
        except ValueError as exc:
            raise BadValue("bad-number", value) from exc
        if not math.isfinite(result):
            raise BadValue("bad-number", value)
        return result
    return _number(value, "bad-number")


def parse_int(value: Any) -> int:
    """A whole number; ``12.0`` is fine, ``12.5`` is not."""
    if isinstance(value, str):
        text = nfkc(value).replace(",", "")
        text = re.sub(r"(人|名|个|家|天|小时|分)$", "", text)
        try:
            number = float(text)
        except ValueError as exc:
            raise BadValue("bad-int", value) from exc
    else:
        number = _number(value, "bad-int")
    if not math.isfinite(number) or number != int(number):
        raise BadValue("bad-int", str(value))
    return int(number)


# ----------------------------------------------------------------------------- phones

_MOBILE = re.compile(r"^1[3-9]\d{9}$")
_LANDLINE = re.compile(r"^(0\d{2,3})(\d{7,8})(?:(?:转|ext\.?|x|#)(\d{1,6}))?$", re.IGNORECASE)
_SERVICE = re.compile(r"^(400|800)\d{7}$")


def parse_phone(value: Any) -> str:
    """A phone number, normalised: mobile ``13812345678``, landline ``010-12345678``.

    Accepts ``+86``/``86``/``0086`` prefixes, spaces, dashes, dots and brackets, extensions
    (``转123``), 400/800 service numbers, and numbers stored as numbers (``13812345678.0``).
    A landline must carry its area code. Other ``+`` country codes are kept as typed.
    """
    if isinstance(value, bool):
        raise BadValue("bad-phone", str(value))
    if isinstance(value, float):
        if not math.isfinite(value) or value != int(value):
            raise BadValue("bad-phone", str(value))
        value = str(int(value))
    elif isinstance(value, int):
        value = str(value)
    if not isinstance(value, str):
        raise BadValue("bad-phone", repr(value))
    text = nfkc(value)
    compact = re.sub(r"[\s\-().（）·]", "", text)
    if compact.startswith("+") and not compact.startswith("+86"):
        digits = compact[1:]
        if digits.isdigit() and 6 <= len(digits) <= 15:
            return "+" + digits
        raise BadValue("bad-phone", value)
    for prefix in ("+86", "0086"):
        if compact.startswith(prefix):
            compact = compact[len(prefix) :]
            break
    else:
        if compact.startswith("86") and len(compact) == 13:
            compact = compact[2:]
    if _MOBILE.match(compact):
        return compact
    if _SERVICE.match(compact):
        return f"{compact[:3]}-{compact[3:6]}-{compact[6:]}"
    m = _LANDLINE.match(compact)
    if m:
        digits, ext = compact[: m.end(2)], m.group(3)
        # 010 and 02x are 3-digit area codes; every other 0xxx code has 4 digits.
        cut = 3 if digits.startswith(("010", "02")) else 4
        area, number = digits[:cut], digits[cut:]
        if not 7 <= len(number) <= 8:
            raise BadValue("bad-phone", value)
        result = f"{area}-{number}"
        return f"{result}-{ext}" if ext else result
    if compact.isdigit() and 7 <= len(compact) <= 8:
        raise BadValue("landline-needs-area-code", value)
    raise BadValue("bad-phone", value)


# ----------------------------------------------------------------- email, url, yes/no, lists

_EMAIL = re.compile(r"^[A-Za-z0-9._%+\-]+@[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)*\.[A-Za-z]{2,}$")
_URL = re.compile(
    r"^(?:(?:https?)://)?(?:[\w\-]+\.)+[A-Za-z\u4e00-\u9fff]{2,}(?::\d{1,5})?(?:[/?#]\S*)?$"
)


def parse_email(value: Any) -> str:
    """An e-mail address (trimmed, full-width forms folded)."""
    if not isinstance(value, str):
        raise BadValue("bad-email", repr(value))
    text = nfkc(value).replace("＠", "@")
    if text.lower().startswith("mailto:"):
        text = text[7:]
    if not _EMAIL.match(text):
        raise BadValue("bad-email", value)
    return text


def parse_url(value: Any) -> str:
    """A web address; ``www.example.com`` is fine without ``http://``."""
    if not isinstance(value, str):
        raise BadValue("bad-url", repr(value))
    text = nfkc(value)
    if not _URL.match(text):
        raise BadValue("bad-url", value)
    return text


def parse_yesno(value: Any) -> bool:
    """是/否 (also Yes/No, Y/N, TRUE/FALSE, 1/0, √/×, and boolean cells)."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float) and value in (0, 1):
        return bool(value)
    if isinstance(value, str):
        canonical = ENUMS["yesno"].canonical(value)
        if canonical is not None:
            return canonical == YesNo.YES
    raise BadValue("bad-yesno", str(value))


_LIST_SEP = re.compile(r"[,，、;；\n/|]+")


def parse_list(value: Any) -> list[str]:
    """A list cell: items separated by ``,`` ``，`` ``、`` ``;`` ``；`` ``/`` or new lines."""
    if isinstance(value, float) and value == int(value):
        value = str(int(value))
    text = nfkc(str(value))
    return [item.strip() for item in _LIST_SEP.split(text) if item.strip()]


def parse_text(value: Any) -> str:
    """Text as the user sees it: numbers without a trailing ``.0``, dates as ISO."""
    if isinstance(value, float) and math.isfinite(value) and value == int(value):
        return str(int(value))
    if isinstance(value, datetime):
        return value.isoformat(sep=" ") if has_time(value) else value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, bool):
        return YesNo.YES.value if value else YesNo.NO.value
    return str(value).strip()


def parse_id(value: Any) -> str:
    """An identifier: text, trimmed, full-width folded; ``1001.0`` reads as ``1001``."""
    return nfkc(parse_text(value))


def parse_budget(value: Any) -> float | str:
    """An amount when it reads as one, else the text (``50-100万``)."""
    try:
        return parse_amount(value)
    except BadValue:
        return parse_text(value)


def parse_enum(value: Any, allowed: tuple[str, ...] | None, enum_key: str | None) -> str:
    """One value of an enumeration, as its canonical (Chinese) value.

    ``allowed`` limits the values (the settings' lists, or a tier scheme's letters).
    """
    text = parse_text(value)
    canonical: str | None = None
    if enum_key in ENUMS:
        canonical = ENUMS[enum_key].canonical(text)
    if canonical is None and allowed is not None:
        wanted = nfkc(text).casefold()
        for option in allowed:
            if nfkc(option).casefold() == wanted:
                canonical = option
                break
    elif allowed is not None and canonical not in allowed:
        canonical = None
    if canonical is None:
        raise BadValue("bad-enum", text)
    return canonical


PARSERS: dict[ColType, Callable[[Any], Any]] = {
    ColType.ID: parse_id,
    ColType.TEXT: parse_text,
    ColType.INT: parse_int,
    ColType.NUMBER: parse_number,
    ColType.AMOUNT: parse_amount,
    ColType.DATE: parse_date,
    ColType.DATETIME: parse_datetime,
    ColType.MONTHDAY: parse_monthday,
    ColType.URL: parse_url,
    ColType.YESNO: parse_yesno,
    ColType.PHONE: parse_phone,
    ColType.EMAIL: parse_email,
    ColType.LIST: parse_list,
    ColType.BUDGET: parse_budget,
}


# ------------------------------------------------------------------------------ columns


def parse_series(
    series: pd.Series, parser: Callable[[Any], Any], *, valid_wins: bool = False
) -> tuple[pd.Series, pd.Series, pd.Series]:
    """Parse a whole column, once per distinct value.

    Returns ``(values, problems, placeholders)``: the typed values (None where blank, a
    placeholder or bad), the problem code per row (None where fine), and a boolean placeholder
    mask. The index is the input's. With ``valid_wins`` a value the parser accepts is never a
    placeholder (``待确认`` is a real 线索状态).
    """
    index = series.index
    raw = series.astype(object)
    codes, uniques = pd.factorize(raw, use_na_sentinel=True)
    parsed: list[Any] = []
    problem: list[str | None] = []
    placeholder: list[bool] = []
    for value in uniques:
        if is_blank(value):
            parsed.append(None)
            problem.append(None)
            placeholder.append(False)
        elif is_placeholder(value) and not (valid_wins and _accepts(parser, value)):
            parsed.append(None)
            problem.append(None)
            placeholder.append(True)
        else:
            try:
                parsed.append(parser(value))
                problem.append(None)
            except BadValue as exc:
                parsed.append(None)
                problem.append(exc.code)
            placeholder.append(False)
    parsed.append(None)  # the NA sentinel (-1) takes the last slot
    problem.append(None)
    placeholder.append(False)
    take = codes.copy()
    take[take < 0] = len(uniques)
    values_arr = pd.array(parsed, dtype=object)[take] if len(parsed) else parsed
    return (
        pd.Series(values_arr, index=index, dtype=object),
        pd.Series(pd.array(problem, dtype=object)[take], index=index, dtype=object),
        pd.Series(pd.array(placeholder, dtype=bool)[take], index=index, dtype=bool),
    )


def _accepts(parser: Callable[[Any], Any], value: Any) -> bool:
    try:
        parser(value)
    except BadValue:
        return False
    return True


def normalize_company(name: str) -> str:
    """A company name folded for 查重: width, spaces, case, 有限责任公司 = 有限公司."""
    text = re.sub(r"\s+", "", nfkc(name)).casefold()
    text = text.replace("有限责任公司", "有限公司").replace("股份有限公司", "有限公司")
    return text.strip(".,;，。")


LEGAL_ENDINGS = (
    "公司",
    "集团",
    "厂",
    "研究院",
    "研究所",
    "医院",
    "大学",
    "学院",
    "学校",
    "银行",
    "事务所",
    "合作社",
    "中心",
    "局",
    "委员会",
    "协会",
    "商行",
    "门市部",
    "工作室",
    "经营部",
    "co",
    "co.",
    "ltd",
    "ltd.",
    "inc",
    "inc.",
    "llc",
    "corp",
    "corp.",
    "corporation",
    "limited",
    "gmbh",
    "ag",
    "s.a.",
    "plc",
    "company",
    "group",
)


def has_legal_ending(name: str) -> bool:
    """True when a customer name ends like a legal entity (全称), not an abbreviation."""
    text = nfkc(name).rstrip(" .,)）").casefold()
    text = re.sub(r"[\s]+", " ", text)
    return text.endswith(LEGAL_ENDINGS) or nfkc(name).rstrip().casefold().endswith(LEGAL_ENDINGS)


def as_text(value: Any) -> str:
    """A cell's value as text for a message or a label: "" for a blank (None, NaN, NaT, NA),
    else ``str(value)``."""
    if value is None or value is pd.NaT or value is pd.NA:
        return ""
    if isinstance(value, float) and value != value:
        return ""
    return str(value)


def plain(value: Any) -> Any:
    """A value from a pandas frame as plain Python: None for NaN/NaT/NA, ``datetime`` for a
    Timestamp, a Python number for a NumPy one. What a cell, a finding or JSON can hold."""
    if value is None or value is pd.NaT or value is pd.NA:
        return None
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, pd.Timestamp):
        return value.to_pydatetime(warn=False)
    if isinstance(value, np.generic):
        return value.item()
    return value


_MIDNIGHT = re.compile(r"^(\d{4}-\d{2}-\d{2})[ T]00:00:00$")


def display_value(value: Any) -> Any:
    """A raw cell value as the user typed it: ``3`` not ``3.0``, ``2024-03-05`` not midnight.

    Readers hand dates in mixed columns back as ``2024-03-05 00:00:00`` text; show the date.
    """
    if isinstance(value, float) and math.isfinite(value) and value.is_integer():
        return int(value)
    if isinstance(value, str):
        m = _MIDNIGHT.match(value)
        if m:
            return m.group(1)
    if isinstance(value, datetime) and not has_time(value):
        return value.date()
    return value


def format_amount(amount: float, lang: str = "zh") -> str:
    """``¥620,000`` (cents shown only when there are any)."""
    if amount == int(amount):
        return f"¥{int(amount):,}"
    return f"¥{amount:,.2f}"
