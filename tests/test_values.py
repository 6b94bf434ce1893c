"""Parsing what people type (SPEC section 4)."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from crmxl.model import values as v
from crmxl.workbook.cellxml import datetime_to_serial


@pytest.mark.parametrize(
    "text, expected",
    [
        ("2024-03-05", date(2024, 3, 5)),
        ("2024/3/5", date(2024, 3, 5)),
        ("2024.3.5", date(2024, 3, 5)),
        ("2024年3月5日", date(2024, 3, 5)),
        ("２０２４年３月５日", date(2024, 3, 5)),
        ("20240305", date(2024, 3, 5)),
        (45356, date(2024, 3, 5)),
        ("45356", date(2024, 3, 5)),
        (datetime(2024, 3, 5, 10, 30), date(2024, 3, 5)),
        (date(2024, 3, 5), date(2024, 3, 5)),
    ],
)
def test_dates_in_every_listed_form(text: object, expected: date) -> None:
    assert v.parse_date(text) == expected


@pytest.mark.parametrize(
    "text, expected",
    [
        ("2024-03-05 14:30", datetime(2024, 3, 5, 14, 30)),
        ("2024/3/5 下午2:30", datetime(2024, 3, 5, 14, 30)),
        ("2024年3月5日 14时30分", datetime(2024, 3, 5, 14, 30)),
        ("2024-03-05T14:30:05", datetime(2024, 3, 5, 14, 30, 5)),
        (45356.5, datetime(2024, 3, 5, 12, 0)),
        ("2024-03-05", datetime(2024, 3, 5)),
    ],
)
def test_datetimes(text: object, expected: datetime) -> None:
    assert v.parse_datetime(text) == expected


@pytest.mark.parametrize("text", ["2024-13-01", "2024-02-30", "next week", "", True, 0, 10**7])
def test_bad_dates_raise_with_a_code(text: object) -> None:
    with pytest.raises(v.BadValue) as err:
        v.parse_date(text)
    assert err.value.code == "bad-date"


def test_1904_date_system() -> None:
    assert v.parse_date(45356 - 1462, date1904=True) == date(2024, 3, 5)


@given(st.datetimes(min_value=datetime(1900, 3, 1), max_value=datetime(2199, 12, 31)))
def test_serial_round_trip(moment: datetime) -> None:
    moment = moment.replace(microsecond=(moment.microsecond // 1000) * 1000)
    assert v.serial_to_datetime(datetime_to_serial(moment)) == moment


@given(st.dates(min_value=date(1900, 3, 1), max_value=date(2199, 12, 31)))
def test_every_written_form_reads_back(day: date) -> None:
    for text in (
        day.isoformat(),
        f"{day.year}/{day.month}/{day.day}",
        f"{day.year}.{day.month}.{day.day}",
        f"{day.year}年{day.month}月{day.day}日",
    ):
        assert v.parse_date(text) == day


@pytest.mark.parametrize(
    "text, expected",
    [
        ("¥1,200,000", 1_200_000),
        ("120万", 1_200_000),
        ("1.2亿", 120_000_000),
        ("50万元", 500_000),
        ("￥３，０００.５０", 3000.5),
        ("RMB 3000", 3000),
        (1200.456, 1200.46),
        ("-5万", -50_000),
        ("8k", 8000),
    ],
)
def test_amounts(text: object, expected: float) -> None:
    assert v.parse_amount(text) == expected


@pytest.mark.parametrize("text", ["一百万", "12万3", "abc", "1,2,3.4.5", True])
def test_bad_amounts(text: object) -> None:
    with pytest.raises(v.BadValue):
        v.parse_amount(text)


@given(st.integers(min_value=0, max_value=10**12))
def test_amount_with_separators_and_units(n: int) -> None:
    assert v.parse_amount(f"¥{n:,}") == n
    assert v.parse_amount(f"{n / 10_000}万") == pytest.approx(n, abs=0.01)


@pytest.mark.parametrize(
    "text, expected",
    [
        ("13812345678", "13812345678"),
        ("+86 138-1234-5678", "13812345678"),
        ("0086 13812345678", "13812345678"),
        (13812345678.0, "13812345678"),
        (13812345678, "13812345678"),
        ("010-12345678", "010-12345678"),
        ("(021) 6123 4567", "021-61234567"),
        ("0571-88886666", "0571-88886666"),
        ("057188886666", "0571-88886666"),
        ("010-12345678转123", "010-12345678-123"),
        ("400-820-8820", "400-820-8820"),
        ("+1 415 555 0100", "+14155550100"),
    ],
)
def test_phones(text: object, expected: str) -> None:
    assert v.parse_phone(text) == expected


def test_landline_without_area_code_has_its_own_code() -> None:
    with pytest.raises(v.BadValue) as err:
        v.parse_phone("12345678")
    assert err.value.code == "landline-needs-area-code"


@pytest.mark.parametrize("text", ["12812345678", "1381234567", "phone", 1.5])
def test_bad_phones(text: object) -> None:
    with pytest.raises(v.BadValue):
        v.parse_phone(text)


@given(st.integers(min_value=3, max_value=9), st.integers(min_value=0, max_value=999_999_999))
def test_any_mainland_mobile_in_any_dress(second: int, rest: int) -> None:
    number = f"1{second}{rest:09d}"
    for dressed in (
        number,
        f"+86{number}",
        f"{number[:3]} {number[3:7]} {number[7:]}",
        f"{number[:3]}-{number[3:7]}-{number[7:]}",
        float(number),
    ):
        assert v.parse_phone(dressed) == number


def test_emails_urls_yesno_lists() -> None:
    assert v.parse_email(" zhang@example.com.cn ") == "zhang@example.com.cn"
    assert v.parse_email("ｚｈａｎｇ＠ｅｘａｍｐｌｅ．ｃｏｍ") == "zhang@example.com"
    with pytest.raises(v.BadValue):
        v.parse_email("zhang@")
    assert v.parse_url("www.example.com") == "www.example.com"
    assert v.parse_url("https://例子.中国/path") == "https://例子.中国/path"
    with pytest.raises(v.BadValue):
        v.parse_url("not a url")
    assert v.parse_yesno("是") is True and v.parse_yesno("否") is False
    assert v.parse_yesno("Yes") is True and v.parse_yesno(0) is False
    with pytest.raises(v.BadValue):
        v.parse_yesno("可能")
    assert v.parse_list("华东，华南、华北;西南") == ["华东", "华南", "华北", "西南"]


@pytest.mark.parametrize("text", ["待核实", "待确认", " 待核实 ", "TBD"])
def test_placeholders_are_known_unknowns(text: str) -> None:
    assert v.is_placeholder(text)
    assert not v.is_blank(text)


def test_monthday_birthdays() -> None:
    assert v.parse_monthday("03-05") == (3, 5)
    assert v.parse_monthday("3月5日") == (3, 5)
    assert v.parse_monthday(date(1980, 3, 5)) == (3, 5)
    assert v.parse_monthday("02-29") == (2, 29)
    with pytest.raises(v.BadValue):
        v.parse_monthday("13-01")


def test_as_of() -> None:
    assert v.parse_as_of("2026-11-20") == datetime(2026, 11, 20)
    assert v.parse_as_of("2026-11-20T10:00") == datetime(2026, 11, 20, 10)
    assert v.parse_as_of("2026-11-20 10:00:00") == datetime(2026, 11, 20, 10)
    assert abs(v.parse_as_of(None) - datetime.now()) < timedelta(seconds=5)
    with pytest.raises(v.BadValue):
        v.parse_as_of("soon")


def test_parse_series_parses_each_value_once_and_keeps_the_index() -> None:
    calls: list[object] = []

    def parser(x: object) -> float:
        calls.append(x)
        return v.parse_amount(x)

    s = pd.Series(["120万", None, "待核实", "x", "120万", 3.0], index=[5, 6, 7, 8, 9, 10])
    values, problems, placeholders = v.parse_series(s, parser)
    assert list(values) == [1_200_000, None, None, None, 1_200_000, 3.0]
    assert problems.to_dict() == {5: None, 6: None, 7: None, 8: "bad-amount", 9: None, 10: None}
    assert list(placeholders[placeholders].index) == [7]
    assert sorted(map(str, calls)) == ["120万", "3.0", "x"]


@pytest.mark.parametrize(
    "a, b",
    [("上海华信科技有限公司", "上海 华信科技有限责任公司"), ("ＡＢＣ有限公司", "abc有限公司")],
)
def test_company_names_fold_for_duplicate_checks(a: str, b: str) -> None:
    assert v.normalize_company(a) == v.normalize_company(b)


@pytest.mark.parametrize(
    "name, legal",
    [
        ("上海华信科技有限公司", True),
        ("华信", False),
        ("Apple Inc.", True),
        ("中科院研究所", True),
        ("ACME Co., Ltd.", True),
        ("阿里", False),
    ],
)
def test_legal_endings(name: str, legal: bool) -> None:
    assert v.has_legal_ending(name) is legal
