"""Every user-visible message exists in Chinese and English, with the same placeholders."""

from __future__ import annotations

import importlib
import pkgutil

import pytest

import crmxl
from crmxl.i18n import catalog, normalize_lang, placeholders, t


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
