"""The values of the 配置 settings that are more than a number (SPEC 1.9, 2.8, 2.9).

- 计时方式 (``SLA计时``, ``建档计时``, ``录入计时``): 自然时 or 工作时 (:func:`parse_clock_mode`);
- 工作时间: the working intervals of a day (:func:`parse_work_hours`);
- 工作日: the working weekdays (:func:`parse_workdays`);
- 建档时限 / 录入时限: hours or working days (:func:`parse_limit`, a :class:`Limit`);
- 公海规则 and 拆分含公海客户: on or off (:func:`parse_switch`);
- the pool's days (:class:`PoolRules`).

A bad value raises :class:`~crmxl.model.values.BadValue` with a code whose message is registered
here in both languages; :mod:`crmxl.model.settings` turns it into a finding naming the cell. The
rules that use these values are in :mod:`crmxl.rules.worktime` and :mod:`crmxl.rules.pool`.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import time
from typing import Any

from crmxl.i18n import register
from crmxl.model.schema import ENUMS, ClockMode, Switch, Tier
from crmxl.model.values import BadValue, is_blank, nfkc

DEFAULT_WORK_HOURS = "09:00-12:00,13:30-18:00"
DEFAULT_WORKDAYS = "周一至周五"


def parse_clock_mode(value: Any) -> ClockMode:
    """``自然时``/``工作时`` (or ``calendar``/``working`` …, any case or width); blank is 自然时.

    Raises BadValue ``bad-clock-mode``.
    """
    if isinstance(value, ClockMode):
        return value
    if is_blank(value):
        return ClockMode.NATURAL
    found = ENUMS["clock_modes"].canonical(str(value))
    if found is None:
        raise BadValue("bad-clock-mode", str(value))
    return ClockMode.WORKING if found == ClockMode.WORKING else ClockMode.NATURAL


def parse_switch(value: Any) -> bool:
    """``启用``/``停用`` (also 是/否, 开/关, on/off, yes/no, true/false, 1/0); blank is off.

    Raises BadValue ``bad-switch``.
    """
    if is_blank(value):
        return False
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float) and value in (0, 1):
        return bool(value)
    found = ENUMS["switches"].canonical(str(value))
    if found is None:
        raise BadValue("bad-switch", str(value))
    return found == Switch.ON


# -------------------------------------------------------------------- parsing 配置 text

_TIME = r"(\d{1,2})\s*[:.]\s*(\d{2})"
_INTERVAL = re.compile(rf"^{_TIME}\s*(?:-|~|至|到|—|–)\s*{_TIME}$")
_ITEM_SEP = re.compile(r"[,，、;；\s]+")


def parse_work_hours(value: Any) -> tuple[tuple[time, time], ...]:
    """``09:00-12:00,13:30-18:00`` -> the working intervals of a day, in order.

    Each interval is ``HH:MM-HH:MM`` (``-``, ``~``, ``至`` or ``到`` between; ``24:00`` ends the
    day); intervals are separated by commas (either width), ``、``, ``;`` or spaces. They must
    be in order and must not overlap (touching is fine). Raises BadValue ``bad-work-hours``.
    """
    if is_blank(value):
        raise BadValue("bad-work-hours", "")
    text = nfkc(str(value))
    text = re.sub(r"\s*(-|~|至|到|—|–)\s*", r"\1", text)
    text = re.sub(r"\s*:\s*", ":", text)
    parts = [p for p in _ITEM_SEP.split(text) if p]
    out: list[tuple[int, int]] = []
    for part in parts:
        m = _INTERVAL.match(part)
        if not m:
            raise BadValue("bad-work-hours", part)
        start = _minutes(m[1], m[2], part)
        end = _minutes(m[3], m[4], part)
        if end <= start:
            raise BadValue("bad-work-hours", part)
        if out and start < out[-1][1]:
            raise BadValue("bad-work-hours", part)
        out.append((start, end))
    if not out:
        raise BadValue("bad-work-hours", str(value))
    return tuple((_time_of(s), _time_of(e)) for s, e in out)


def _minutes(hours: str, minutes: str, part: str) -> int:
    h, m = int(hours), int(minutes)
    if m > 59 or h > 24 or (h == 24 and m):
        raise BadValue("bad-work-hours", part)
    return h * 60 + m


def _time_of(minutes: int) -> time:
    # 24:00 is kept as time.max's neighbour: a time cannot say 24:00, so it is 23:59:59.999999
    # plus one microsecond, handled by _interval_us.
    return time.max if minutes == 24 * 60 else time(minutes // 60, minutes % 60)


def format_work_hours(intervals: Iterable[tuple[time, time]]) -> str:
    """The 配置 text form of working intervals (``09:00-12:00,13:30-18:00``)."""

    def hhmm(moment: time) -> str:
        return "24:00" if moment == time.max else moment.strftime("%H:%M")

    return ",".join(f"{hhmm(s)}-{hhmm(e)}" for s, e in intervals)


_WEEKDAY_NAMES: dict[str, int] = {}
for _i, (_zh, _en) in enumerate(
    (
        ("一", "monday"),
        ("二", "tuesday"),
        ("三", "wednesday"),
        ("四", "thursday"),
        ("五", "friday"),
        ("六", "saturday"),
        ("日", "sunday"),
    )
):
    for _prefix in ("周", "星期", "礼拜"):
        _WEEKDAY_NAMES[_prefix + _zh] = _i
    _WEEKDAY_NAMES[_en] = _i
    _WEEKDAY_NAMES[_en[:3]] = _i
for _prefix in ("周", "星期", "礼拜"):
    _WEEKDAY_NAMES[_prefix + "天"] = 6
_WEEKDAY_NAMES["tue"] = 1
_WEEKDAY_NAMES["tues"] = 1
_WEEKDAY_NAMES["thu"] = 3
_WEEKDAY_NAMES["thur"] = 3
_WEEKDAY_NAMES["thurs"] = 3
_RANGE = re.compile(r"^(.+?)(?:至|到|-|~|—|–)(.+)$")
_ZH_WEEKDAYS = ("周一", "周二", "周三", "周四", "周五", "周六", "周日")


def parse_workdays(value: Any) -> frozenset[int]:
    """``周一至周五``, ``周一,周三``, ``周一至周六``, ``Mon-Fri`` -> weekday numbers (Monday 0).

    Names: 周一…周日 (also 星期一, 礼拜一, 周天), Monday…Sunday or Mon…Sun, any case. A range
    (``至``, ``到``, ``-``, ``~``) may wrap past Sunday (``周六至周一``). Raises BadValue
    ``bad-workdays``.
    """
    if is_blank(value):
        raise BadValue("bad-workdays", "")
    text = nfkc(str(value)).casefold()
    text = re.sub(r"\s*(至|到|-|~|—|–)\s*", r"\1", text)
    days: set[int] = set()
    for part in (p for p in _ITEM_SEP.split(text) if p):
        m = _RANGE.match(part)
        if m:
            first, last = _weekday(m[1], part), _weekday(m[2], part)
            span = (last - first) % 7
            days.update((first + k) % 7 for k in range(span + 1))
        else:
            days.add(_weekday(part, part))
    if not days:
        raise BadValue("bad-workdays", str(value))
    return frozenset(days)


def _weekday(name: str, part: str) -> int:
    day = _WEEKDAY_NAMES.get(name.strip().rstrip("."))
    if day is None:
        raise BadValue("bad-workdays", part)
    return day


def format_workdays(days: Iterable[int], lang: str = "zh") -> str:
    """The 配置 text form of working weekdays: ``周一至周五`` or ``周一,周三`` (``Mon-Fri``)."""
    ordered = sorted(set(days))
    names = _EN_WEEKDAYS if lang == "en" else _ZH_WEEKDAYS
    joiner = "-" if lang == "en" else "至"
    if len(ordered) > 2 and ordered == list(range(ordered[0], ordered[-1] + 1)):
        return f"{names[ordered[0]]}{joiner}{names[ordered[-1]]}"
    return ",".join(names[d] for d in ordered)


_EN_WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


# ----------------------------------------------------------------------- limits (时限)


@dataclass(frozen=True)
class Limit:
    """A time limit as 配置 writes it: hours (``24``, ``24小时``) or working days (``2个工作日``)."""

    amount: float
    unit: str  # "hours" or "workdays"

    @property
    def hours(self) -> float:
        """The limit in hours (only for ``unit == "hours"``)."""
        if self.unit != "hours":
            raise ValueError("a limit in working days has no fixed number of hours")
        return self.amount


def format_limit(limit: Limit, lang: str = "zh") -> str:
    """The 配置 text form of a limit: ``24`` (hours) or ``2个工作日`` (``2 working days``)."""
    amount = int(limit.amount) if limit.amount == int(limit.amount) else limit.amount
    if limit.unit == "hours":
        return str(amount)
    return f"{amount} working days" if lang == "en" else f"{amount}个工作日"


_LIMIT = re.compile(
    r"^(?P<n>\d+(?:\.\d+)?)\s*(?P<unit>|h|hours?|小时|个?小时|个?工作日|工作天|working\s*days?|workdays?|wd)$",
    re.IGNORECASE,
)


def parse_limit(value: Any) -> Limit:
    """``24``, ``24小时``, ``24h`` -> hours; ``2个工作日``, ``2工作日``, ``2 working days`` -> days.

    Working days are always counted on the working calendar (that is what the words say); hours
    count calendar or working hours by the clock's 计时方式. Raises BadValue ``bad-limit``
    (negative, unknown unit, a fraction of a working day).
    """
    if isinstance(value, bool) or is_blank(value):
        raise BadValue("bad-limit", str(value))
    if isinstance(value, int | float):
        if not math.isfinite(value) or value < 0:
            raise BadValue("bad-limit", str(value))
        return Limit(float(value), "hours")
    m = _LIMIT.match(nfkc(str(value)))
    if not m:
        raise BadValue("bad-limit", str(value))
    amount = float(m["n"])
    unit = m["unit"].casefold()
    if "工作" in unit or "work" in unit or unit == "wd":
        if amount != int(amount):
            raise BadValue("bad-limit", str(value))
        return Limit(amount, "workdays")
    return Limit(amount, "hours")


@dataclass(frozen=True)
class PoolRules:
    """The 配置 of SPEC 2.9 (defaults in brackets there)."""

    enabled: bool = False  # 公海规则 启用 / 停用
    days_by_tier: Mapping[str, int] = field(
        default_factory=lambda: {Tier.A: 60, Tier.B: 45, Tier.C: 30, Tier.D: 30}
    )
    protect_days: int = 7  # 保护期天数
    cooldown_days: int = 30  # 冷却天数


register(
    {
        "bad-work-hours": (
            "“{value}”不是有效的工作时间段（如 09:00-12:00,13:30-18:00，按顺序且不重叠）",
            "{value!r} is not a valid list of working hours (e.g. 09:00-12:00,13:30-18:00, "
            "in order, not overlapping)",
        ),
        "bad-workdays": (
            "“{value}”不是有效的工作日（如 周一至周五、周一,周三、Mon-Fri）",
            "{value!r} is not a valid list of working days (e.g. 周一至周五, Mon-Fri, Mon,Wed)",
        ),
        "bad-clock-mode": (
            "“{value}”不是有效的计时方式（自然时 或 工作时）",
            "{value!r} is not a clock mode (自然时 calendar time, or 工作时 working time)",
        ),
        "bad-limit": (
            "“{value}”不是有效的时限（如 24、24小时、2个工作日）",
            "{value!r} is not a valid time limit (e.g. 24, 24 hours, 2 working days)",
        ),
        "bad-switch": (
            "“{value}”无效，请填“启用”或“停用”",
            "{value!r} is not valid: use 启用 (on) or 停用 (off)",
        ),
    }
)
