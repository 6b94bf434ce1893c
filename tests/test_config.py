"""``crmxl config --example``, docs/settings.md and the errors of a ``--config`` TOML file."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest
from click.testing import CliRunner

from crmxl.cli import cli
from crmxl.commands.config import markdown
from crmxl.errors import SettingsError
from crmxl.model.settings import DEFINITIONS, Settings, build_settings, read_toml

ROOT = Path(__file__).resolve().parents[1]


def _example() -> str:
    res = CliRunner().invoke(cli, ["config", "--example"])
    assert res.exit_code == 0, res.output
    return res.output


def test_the_example_loads_back_as_the_defaults(tmp_path: Path) -> None:
    path = tmp_path / "crmxl.toml"
    path.write_text(_example(), encoding="utf-8")
    settings, findings = build_settings(read_toml(path))
    assert findings == []
    assert settings == Settings()
    assert len(tomllib.loads(path.read_text(encoding="utf-8"))) >= len(DEFINITIONS) - 3


def test_the_example_names_and_explains_every_key() -> None:
    lines = _example().splitlines()
    for defn in DEFINITIONS:
        key = next(
            i for i, line in enumerate(lines) if line.lstrip("# ").startswith(defn.toml + " =")
        )
        block = "\n".join(lines[max(0, key - 4) : key])
        assert f"# {defn.zh} / {defn.en}" in block, defn.toml
        assert defn.note_zh in block and defn.note_en in block, defn.toml


def test_an_edited_example_changes_the_setting(tmp_path: Path) -> None:
    text = _example().replace("cadence_a = 30", "cadence_a = 20")
    text = text.replace("# cadence_interested =", "cadence_interested = 10")
    text = text.replace('probability_customer = "80%"', 'probability_customer = "75%"')
    path = tmp_path / "crmxl.toml"
    path.write_text(text, encoding="utf-8")
    settings, findings = build_settings(read_toml(path))
    assert findings == []
    assert settings.cadence_tier["A"] == 20 and settings.cadence_stage["意向"] == 10
    assert settings.stage_probability["成交"] == pytest.approx(0.75)


def test_docs_list_every_setting_as_generated() -> None:
    docs = (ROOT / "docs" / "settings.md").read_text(encoding="utf-8")
    assert docs == markdown(), "run: python -m crmxl.commands.config docs/settings.md"
    for defn in DEFINITIONS:
        assert f"| `{defn.toml}` | {defn.zh} | {defn.en} |" in docs


@pytest.mark.parametrize(
    ("text", "zh", "en"),
    [
        (
            "# 我们的配置\ncadence_a = 20\n跟进周期 = 7\n",
            '配置文件 {p} 第 3 行：中文键名需要加引号，如 "跟进周期" = 7',
            '{p} line 3: quote keys that are not plain ASCII, e.g. "跟进周期" = 7',
        ),
        (
            "industries = 制造业,互联网\n",
            '配置文件 {p} 第 1 行：文字的值需要加引号，如 industries = "制造业,互联网"',
            '{p} line 1: quote text values, e.g. industries = "制造业,互联网"',
        ),
        (
            "cadence_a = 30\n[cadence\n",
            "配置文件 {p} 第 2 行不是有效的 TOML（Expected ']' at the end of a table declaration）：[cadence",
            "{p} line 2 is not valid TOML (Expected ']' at the end of a table declaration): [cadence",
        ),
    ],
)
def test_a_toml_error_names_the_line_and_the_fix(
    tmp_path: Path, text: str, zh: str, en: str
) -> None:
    path = tmp_path / "crmxl.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(SettingsError) as caught:
        read_toml(path)
    assert caught.value.render("zh") == zh.format(p=path)
    assert caught.value.render("en") == en.format(p=path)


def test_the_cli_says_it_in_one_line(tmp_path: Path) -> None:
    path = tmp_path / "crmxl.toml"
    path.write_text("跟进周期-A级 = 30\n", encoding="utf-8")
    crm = ROOT / "sample_data" / "crm-sample.xlsx"
    res = CliRunner().invoke(cli, ["validate", str(crm), "--config", str(path)])
    assert res.exit_code == 1
    assert (
        res.output
        == f'Error: 配置文件 {path} 第 1 行：中文键名需要加引号，如 "跟进周期-A级" = 30\n'
    )


def test_a_gbk_file_from_notepad_reads(tmp_path: Path) -> None:
    path = tmp_path / "crmxl.toml"
    path.write_bytes('"跟进周期-A级" = 21\nindustries = ["制造业", "光伏"]\n'.encode("gbk"))
    settings, findings = build_settings(read_toml(path))
    assert findings == [] and settings.cadence_tier["A"] == 21
    assert settings.industries == ("制造业", "光伏")


def test_config_without_example_is_a_usage_error() -> None:
    res = CliRunner().invoke(cli, ["config"])
    assert res.exit_code == 2 and "--example" in res.output
