"""The import contract in pyproject.toml covers the whole package: every top-level module and
package of crmxl has its place in the layers, and every command is in the independence contract
(a module left out of them would be free to import anything)."""

from __future__ import annotations

import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "crmxl"


def _contracts() -> dict[str, dict]:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    return {c["type"]: c for c in config["tool"]["importlinter"]["contracts"]}


def _top_level() -> set[str]:
    modules = {p.stem for p in PACKAGE.glob("*.py") if p.stem not in ("__init__", "__main__")}
    packages = {p.name for p in PACKAGE.iterdir() if (p / "__init__.py").is_file()}
    return {f"crmxl.{name}" for name in modules | packages}


def test_every_module_has_a_layer() -> None:
    layers = _contracts()["layers"]["layers"]
    named = {part.strip() for layer in layers for part in layer.split("|")}
    assert _top_level() - named == set()


def test_every_command_is_independent() -> None:
    commands = {
        f"crmxl.commands.{p.stem}"
        for p in (PACKAGE / "commands").glob("*.py")
        if p.stem != "__init__"
    }
    assert commands - set(_contracts()["independence"]["modules"]) == set()


def test_only_workbook_may_import_the_xlsx_libraries() -> None:
    sources = set(_contracts()["forbidden"]["source_modules"])
    assert _top_level() - sources == {"crmxl.workbook"}
