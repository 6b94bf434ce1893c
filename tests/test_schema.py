"""The schema (SPEC 1): every sheet and column named in both languages, enumerations complete, and
no two names that a reader could confuse once width, case, spaces and markers are folded."""

from __future__ import annotations

import pytest

from crmxl.model.schema import (
    ENUMS,
    SETTINGS_ENUMS,
    SHEETS,
    SHEETS_BY_KEY,
    ColType,
    column_names,
    fold,
    match_column,
    match_sheet,
    sheet_names,
)


@pytest.mark.parametrize("spec", SHEETS, ids=lambda s: s.key)
def test_every_sheet_and_column_has_a_chinese_and_an_english_name(spec) -> None:  # type: ignore[no-untyped-def]
    assert spec.zh.strip() and spec.en.strip() and spec.zh != spec.en
    assert spec.en.isascii() and not spec.zh.isascii()
    for col in spec.columns:
        assert col.zh.strip() and col.en.strip(), col.key
        assert col.en.isascii(), col.key
        assert not col.zh.isascii() or col.zh == col.en, col.key  # 手机/Mobile; (ID-like is fine)


@pytest.mark.parametrize("spec", SHEETS, ids=lambda s: s.key)
def test_no_two_columns_of_a_sheet_answer_to_the_same_folded_name(spec) -> None:  # type: ignore[no-untyped-def]
    seen: dict[str, str] = {}
    for col in spec.columns:
        for name in column_names(col):
            assert seen.setdefault(name, col.key) == col.key, (spec.key, name)


def test_no_two_sheets_answer_to_the_same_folded_name() -> None:
    seen: dict[str, str] = {}
    for spec in SHEETS:
        for name in sheet_names(spec):
            assert seen.setdefault(name, spec.key) == spec.key, name


@pytest.mark.parametrize("spec", SHEETS, ids=lambda s: s.key)
def test_each_column_is_found_by_its_headers_in_both_languages(spec) -> None:  # type: ignore[no-untyped-def]
    for col in spec.columns:
        for lang in ("zh", "en"):
            assert match_column(spec, col.header(lang)) is col
            assert match_column(spec, f" {col.name(lang).upper()} ") is col


def test_sheets_are_found_by_either_name_in_any_width_and_case() -> None:
    assert match_sheet("客户档案") is SHEETS_BY_KEY["customers"]
    assert match_sheet("ｃｕｓｔｏｍｅｒｓ") is SHEETS_BY_KEY["customers"]
    assert match_sheet(" Follow-ups ") is SHEETS_BY_KEY["follow_ups"]
    assert match_sheet("Sheet1") is None


def test_fold_ignores_width_case_spaces_and_markers() -> None:
    assert fold("＊客户编号 ") == fold("客户编号") == fold("*客户编号*")
    assert fold("下次跟进日期(自动)") == fold("下次跟进日期（自动）") == fold("下次跟进日期")
    assert fold("Next Follow-up (auto)") == fold("next follow-up")


@pytest.mark.parametrize("key", sorted(ENUMS))
def test_every_enumeration_has_both_labels_and_no_clashes(key: str) -> None:
    enum = ENUMS[key]
    assert enum.values, key
    zh = [z for z, _ in enum.values]
    en = [e for _, e in enum.values]
    assert all(z.strip() and e.strip() for z, e in enum.values), key
    assert len({fold(z) for z in zh}) == len(zh), key
    assert len({fold(e) for e in en}) == len(en), key
    for z, e in enum.values:
        assert enum.canonical(z) == z and enum.canonical(e) == z
        assert enum.label(z, "en") == e and enum.label(z, "zh") == z
    for alias, target in enum.aliases:
        assert target in zh and enum.canonical(alias) == target, (key, alias)


def test_every_enum_column_names_a_known_enumeration() -> None:
    for spec in SHEETS:
        for col in spec.columns:
            if col.type is ColType.ENUM:
                assert col.enum in ENUMS or col.enum in SETTINGS_ENUMS, (spec.key, col.key)


def test_the_enumerations_of_spec_1_are_spelled_as_spec_spells_them() -> None:
    assert ENUMS["stages"].zh == ("潜在", "意向", "成交", "流失")
    assert ENUMS["follow_up_status"].zh == ("正常", "即将到期", "今日到期", "逾期", "无需跟进")
    assert ENUMS["sla_states"].zh == ("进行中", "即将超时", "已超时", "按时完成", "超时完成")
    assert ENUMS["lead_status"].zh == ("待分配", "待确认", "有效", "无效", "已转化")
    assert ENUMS["issue_types"].zh == ("投诉", "合作异常", "售后问题", "咨询")
    assert ENUMS["confirm_states"].zh == ("待确认", "已确认", "确认超时")
