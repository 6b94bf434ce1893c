"""Settings (SPEC 1.9): the defaults, the 配置 sheet, a ``--config`` TOML file that overrides it,
and bad values as findings that name their cell. Expected values are SPEC's, typed in here."""

from __future__ import annotations

from pathlib import Path

import pytest

from crmxl.errors import SettingsError
from crmxl.model.findings import Severity
from crmxl.model.settings import SettingEntry, Settings, build_settings, read_toml
from crmxl.model.workspace import open_workspace


def test_defaults_are_specs() -> None:
    s = Settings()
    assert s.tier_scheme == "ABC"
    assert dict(s.thresholds) == {"A": 500_000, "B": 100_000}
    assert dict(s.cadence_tier) == {"A": 30, "B": 14, "C": 30, "D": 90}
    assert s.cadence_stage["潜在"] == 7
    assert dict(s.sla_hours) == {
        "投诉": (2.0, 24.0),
        "合作异常": (1.0, 4.0),
        "售后问题": (2.0, 24.0),
        "咨询": (4.0, 48.0),
    }
    assert (s.churn_months, s.record_hours, s.entry_hours) == (3, 24.0, 24.0)
    assert (s.need_follow_up_days, s.lead_confirm_hours) == (3, 1.0)
    assert (s.reminder_days, s.due_soon_days) == (1, 3)
    assert s.regions == ("华东", "华南", "华北", "华中", "西南", "西北", "东北")


def test_no_entries_give_the_defaults_and_no_findings() -> None:
    settings, findings = build_settings([])
    assert settings == Settings() and findings == []


@pytest.mark.parametrize("key", ["流失判定月数", "Churn Months", "churn_months"])
def test_a_setting_answers_to_its_chinese_english_and_toml_keys(key: str) -> None:
    settings, findings = build_settings([SettingEntry(key, "6", "配置", "配置!B9")])
    assert settings.churn_months == 6 and findings == []


def test_the_abcd_scheme_takes_its_own_thresholds() -> None:
    settings, _ = build_settings([SettingEntry("分级方案", "abcd", "配置", "配置!B2")])
    assert settings.tiers == ("A", "B", "C", "D")
    assert dict(settings.thresholds) == {"A": 100_000, "B": 50_000, "C": 10_000}


@pytest.mark.parametrize(
    ("key", "value"),
    [("分级方案", "XYZ"), ("投诉-响应时限", "-2"), ("流失判定月数", "三个月")],
)
def test_a_bad_value_is_an_error_naming_its_cell_and_the_default_stays(
    key: str, value: str
) -> None:
    settings, findings = build_settings([SettingEntry(key, value, "配置", "配置!B7")])
    assert [(f.code, f.cell, f.severity) for f in findings] == [
        ("bad-setting", "配置!B7", Severity.ERROR)
    ]
    assert settings == Settings()


def test_thresholds_that_do_not_descend_are_an_error_at_their_cell() -> None:
    entries = [
        SettingEntry("A级阈值", "100000", "配置", "配置!B3"),
        SettingEntry("B级阈值", "200000", "配置", "配置!B4"),
    ]
    settings, findings = build_settings(entries)
    assert [(f.code, f.cell) for f in findings] == [("thresholds-not-descending", "配置!B4")]
    assert dict(settings.thresholds) == {"A": 500_000, "B": 100_000}


def test_an_unknown_key_is_a_warning() -> None:
    _, findings = build_settings([SettingEntry("颜色", "红", "配置", "配置!B30")])
    assert [(f.code, f.cell, f.severity) for f in findings] == [
        ("unknown-setting", "配置!B30", Severity.WARNING)
    ]


def test_a_toml_file_overrides_the_sheet(make_workbook, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    path = make_workbook(
        {
            "customers": [],
            "settings": [{"key": "流失判定月数", "value": 4}, {"key": "建档时限", "value": 48}],
        }
    )
    config = tmp_path / "crmxl.toml"
    config.write_text("churn_months = 6\n[sla]\ncomplaint_response = 3\n", encoding="utf-8")
    ws = open_workspace([path], config=config)
    assert ws.settings.churn_months == 6  # the file wins
    assert ws.settings.record_hours == 48  # the sheet still counts where the file is silent
    assert ws.settings.sla_hours["投诉"] == (3.0, 24.0)


def test_a_bad_toml_value_names_the_file_and_key(tmp_path: Path) -> None:
    config = tmp_path / "crmxl.toml"
    config.write_text("lead_confirm_hours = -1\n", encoding="utf-8")
    _, findings = build_settings(read_toml(config))
    assert [(f.code, f.sheet, f.cell) for f in findings] == [
        ("bad-setting", "crmxl.toml", "lead_confirm_hours")
    ]


def test_a_missing_or_broken_toml_file_is_a_one_line_error(tmp_path: Path) -> None:
    with pytest.raises(SettingsError) as missing:
        read_toml(tmp_path / "nope.toml")
    assert missing.value.code == "config-missing"
    broken = tmp_path / "broken.toml"
    broken.write_text("churn_months = = 3\n", encoding="utf-8")
    with pytest.raises(SettingsError) as unreadable:
        read_toml(broken)
    assert unreadable.value.code == "config-bad-line"  # not taken for a bare text value
    assert unreadable.value.render("en").startswith(f"{broken} line 1 is not valid TOML")
