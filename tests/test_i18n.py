"""Every user-visible message exists in Chinese and English, with the same placeholders."""

from __future__ import annotations

import importlib
import pkgutil
import re

import pytest

import crmxl
from crmxl.i18n import catalog, normalize_lang, placeholders, plural, t


def _import_all() -> None:
    for info in pkgutil.walk_packages(crmxl.__path__, "crmxl."):
        if info.name != "crmxl.__main__":
            importlib.import_module(info.name)


_import_all()
MESSAGES = sorted(catalog().items())


def test_the_catalog_is_large_enough_to_mean_something() -> None:
    assert len(MESSAGES) > 80


@pytest.mark.parametrize("code, pair", MESSAGES, ids=[code for code, _ in MESSAGES])
def test_both_languages_say_it_with_the_same_placeholders(code: str, pair: tuple[str, str]) -> None:
    zh, en = pair
    assert zh.strip() and en.strip()
    assert placeholders(zh) == placeholders(en), code
    assert any("\u4e00" <= ch <= "\u9fff" for ch in zh) or zh == en, f"{code}: zh not Chinese"


def test_rendering_picks_the_language() -> None:
    assert t("file-missing", "zh", path="a.xlsx").startswith("找不到文件")
    assert t("file-missing", "en", path="a.xlsx").startswith("a.xlsx does not exist")
    assert normalize_lang("EN_us") == "en" and normalize_lang(None) in ("zh", "en")


#: English nouns that must agree with a count that may be 1.
PLURALS = (
    "rows|cells|days|hours|items|errors|warnings|leads|customers|changes|conflicts|workbooks|"
    "inputs|moves|duplicates|bytes|characters|columns|problems|months|weeks|things|files|sheets"
)
#: Where such a word follows a placeholder as a verb, not as a counted noun.
VERBS = {"duplicate-customer"}  # "Customer {a} duplicates {b}"


@pytest.mark.parametrize("code, pair", MESSAGES, ids=[code for code, _ in MESSAGES])
def test_english_counts_agree_with_one_and_many(code: str, pair: tuple[str, str]) -> None:
    names = placeholders(pair[1])
    one = t(code, "en", **dict.fromkeys(names, 1))
    assert code in VERBS or not re.search(rf"\b1 (?:\w+ )?(?:{PLURALS})\b", one), one
    assert "(s)" not in one, one
    if "~" in pair[1]:  # a count that agrees: the plural comes back for 2
        assert re.search(rf"\b2 (?:\w+ )?(?:{PLURALS})\b", t(code, "en", **dict.fromkeys(names, 2)))


def test_plural_forms() -> None:
    assert t("validate-summary", "en", errors=1, warnings=0, checked="x") == (
        "1 error, 0 warnings (checked: x)"
    )
    assert t("refresh-formulas", "en", n=1, cells="A1") == (
        "1 cell of computed columns holds a formula and was left as it is: A1"
    )
    assert t("refresh-formulas", "en", n=3, cells="A1") == (
        "3 cells of computed columns hold formulas and were left as they are: A1"
    )
    assert t("validate-summary", "zh", errors=1, warnings=2, checked="x").startswith("1 个错误")
    assert plural(1, "day", "days") == "1 day" and plural(2.0, "day", "days") == "2.0 days"
